"""Loaders: one file -> one ``LoadedDocument`` (text, metadata, page starts).

``text`` is the text that citations quote and offsets index into. For ``.txt`` and
``.md`` it is the file itself, decoded, so a citation is a verbatim slice of the file;
for HTML, PDF and DOCX it is the extracted text, which the index keeps as a snapshot.
``body_start`` is where the chunkable body begins (after YAML front matter).

Each format uses a well-kept library (PyYAML, trafilatura, pypdf, python-docx);
what is written here is only the mapping to Dossier's metadata.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SUPPORTED_EXTENSIONS = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
SIDECAR_SUFFIX = ".meta.yml"


class LoadError(Exception):
    """A file that cannot be ingested; the message is shown to the analyst as the reason."""


@dataclass
class LoadedDocument:
    text: str
    metadata: dict[str, Any]
    body_start: int = 0
    page_starts: list[int] = field(default_factory=list)  # char offset where page i+1 starts

    def page_at(self, offset: int) -> int | None:
        if not self.page_starts:
            return None
        page = 1
        for i, start in enumerate(self.page_starts):
            if offset >= start:
                page = i + 1
        return page


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_text(data: bytes) -> str:
    """Strict UTF-8 (BOM tolerated); binary content and invalid bytes are refused with a reason."""
    if not data.strip():
        raise LoadError("empty file")
    sample = data[:8192]
    if b"\x00" in sample:
        raise LoadError("binary content (NUL bytes), not a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(f"invalid UTF-8 at byte {exc.start}; save the file as UTF-8") from None
    control = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if control > 0.05 * min(len(text), 8192):
        raise LoadError("binary content (control characters), not a text file")
    if "\x00" in text:
        raise LoadError("binary content (NUL bytes), not a text file")
    return normalise_newlines(text)


def normalise_newlines(text: str) -> str:
    """CRLF and CR line ends as LF: the index keeps the text as a snapshot that the UI reads back in
    text mode (which turns them into LF), and citation offsets must index that same text."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def normalise_date(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text)
    return m.group(0) if m else text


def date_key(date: str) -> int:
    """'2021-12-16' -> 20211216, '2021-12' -> 20211200: a number Chroma can range-filter on."""
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", date or "")
    if not m:
        return 0
    return int(m.group(1)) * 10000 + int(m.group(2) or 0) * 100 + int(m.group(3) or 0)


def _first_line_title(text: str, start: int = 0) -> str:
    for line in text[start:].splitlines():
        if line.strip():
            return line.strip().lstrip("#").strip()[:300]
    return ""


def load_txt(path: Path, data: bytes) -> LoadedDocument:
    text = decode_text(data)
    return LoadedDocument(text=text, metadata={"title": _first_line_title(text), "kind": "document"})


FRONT_MATTER = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def load_markdown(path: Path, data: bytes) -> LoadedDocument:
    text = decode_text(data)
    meta: dict[str, Any] = {}
    body_start = 0
    m = FRONT_MATTER.match(text)
    if m:
        try:
            parsed = yaml.safe_load(m.group(1)) or {}
        except yaml.YAMLError as exc:
            raise LoadError(f"invalid YAML front matter: {str(exc).splitlines()[0]}") from None
        if not isinstance(parsed, dict):
            raise LoadError("front matter is not a YAML mapping")
        meta = dict(parsed)
        body_start = m.end()
    if not text[body_start:].strip():
        raise LoadError("no text after the front matter")
    meta.setdefault("title", _first_line_title(text, body_start))
    return LoadedDocument(text=text, metadata=meta, body_start=body_start)


# Elements of trafilatura's extracted tree that hold blocks of their own (each block of text
# becomes a paragraph of the document, "\n\n" apart, so that no sentence spans a heading and the
# paragraph after it); ``lb`` (a <br>) is a line break inside a block.
_CONTAINERS = {"body", "div", "quote", "list", "item", "table", "row", "cell", "section", "main", "article"}
_BLOCK_TAGS = {"p", "head", "quote", "list", "item", "table", "row", "cell", "code", "div", "graphic"}


def _inline_text(el: Any) -> str:
    """The text of one block: inline children (emphasis, links) in place, ``lb`` as a newline."""
    parts = [el.text or ""]
    for child in el:
        if child.tag == "lb":
            parts.append("\n")
        elif child.tag == "graphic":
            pass
        else:
            parts.append(_inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _tidy(block: str) -> str:
    lines = (" ".join(line.split()) for line in normalise_newlines(block).split("\n"))
    return "\n".join(line for line in lines if line)


def html_blocks(body: Any) -> list[str]:
    """Blocks of trafilatura's extracted tree in reading order: headings, paragraphs, quotes, list
    items and table rows (cells tab-separated) each on their own."""
    blocks: list[str] = []

    def add(text: str) -> None:
        text = _tidy(text)
        if text:
            blocks.append(text)

    def walk(el: Any) -> None:
        add(el.text or "")  # loose text before the first child
        for child in el:
            if child.tag == "row":
                add("\t".join(_tidy(_inline_text(cell)).replace("\n", " ") for cell in child))
            elif child.tag in _CONTAINERS and any(c.tag in _BLOCK_TAGS for c in child):
                walk(child)
            elif child.tag not in ("lb", "graphic"):
                add(_inline_text(child))
            add(child.tail or "")

    walk(body)
    return blocks


def load_html(path: Path, data: bytes) -> LoadedDocument:
    """Main text by trafilatura, one block (heading, paragraph, list item, table row) per paragraph.

    trafilatura's own text output puts a heading and the paragraph under it on consecutive lines,
    which a sentence splitter reads as one sentence; the text is therefore rebuilt from its
    extracted tree with a blank line between blocks. A ``<br>`` stays a single newline.
    """
    import trafilatura

    if not data.strip():
        raise LoadError("empty file")
    html = data.decode("utf-8", errors="replace")
    extracted = trafilatura.bare_extraction(html, include_comments=False, include_tables=True, favor_recall=True)
    body = getattr(extracted, "body", None)
    text = "\n\n".join(html_blocks(body)) if body is not None else ""
    if not text.strip():
        raise LoadError("no readable main text found in the HTML")
    meta: dict[str, Any] = {"kind": "web page"}
    info = trafilatura.extract_metadata(html)
    if info is not None:
        meta.update(
            {
                "title": info.title or "",
                # og:site_name or application-name; else the host of the page's canonical/og:url
                "publisher": info.sitename or info.hostname or "",
                "date": info.date or "",
                "url": info.url or "",
                "author": info.author or "",
            }
        )
    if not meta.get("title"):
        meta["title"] = _first_line_title(text)
    return LoadedDocument(text=text, metadata=meta)


def load_pdf(path: Path, data: bytes) -> LoadedDocument:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        pages = [normalise_newlines(page.extract_text() or "").strip() for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AssertionError) as exc:
        raise LoadError(f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # pypdf raises many internal errors on damaged files
        raise LoadError(f"corrupt or unreadable PDF ({type(exc).__name__})") from None
    if not any(pages):
        raise LoadError("PDF has no extractable text (scanned images need OCR first)")
    starts, parts, offset = [], [], 0
    for page_text in pages:
        starts.append(offset)
        parts.append(page_text)
        offset += len(page_text) + 2
    text = "\n\n".join(parts)
    meta: dict[str, Any] = {"kind": "document"}
    try:
        info = reader.metadata or {}
        if info.get("/Title"):
            meta["title"] = str(info["/Title"])
        if info.get("/Author"):
            meta["publisher"] = str(info["/Author"])
    except Exception:  # metadata is optional; a broken info dict must not fail the file
        pass
    meta.setdefault("title", _first_line_title(text))
    return LoadedDocument(text=text, metadata=meta, page_starts=starts)


def load_docx(path: Path, data: bytes) -> LoadedDocument:
    import io
    import zipfile

    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoadError(f"corrupt or unreadable DOCX ({type(exc).__name__})") from None
    except Exception as exc:  # python-docx surfaces lxml and package errors directly
        raise LoadError(f"corrupt or unreadable DOCX ({type(exc).__name__})") from None
    paragraphs = [normalise_newlines(p.text).strip() for p in document.paragraphs if p.text.strip()]
    if not paragraphs:
        raise LoadError("DOCX has no text")
    text = "\n\n".join(paragraphs)
    meta: dict[str, Any] = {"kind": "document"}
    props = document.core_properties
    if props.title:
        meta["title"] = props.title
    if props.author:
        meta["publisher"] = props.author
    if props.created:
        meta["date"] = props.created.date().isoformat()
    meta.setdefault("title", paragraphs[0][:300])
    return LoadedDocument(text=text, metadata=meta)


LOADERS: dict[str, Callable[[Path, bytes], LoadedDocument]] = {
    ".txt": load_txt,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
    ".docx": load_docx,
}


def read_sidecar(path: Path) -> dict[str, Any]:
    """Optional ``NAME.meta.yml`` beside a file: metadata for formats that carry none (plain text)."""
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return {}
    try:
        data = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise LoadError(f"invalid metadata sidecar {sidecar.name}: {exc}") from None
    return data if isinstance(data, dict) else {}


def load_file(path: Path, data: bytes) -> LoadedDocument:
    ext = path.suffix.lower()
    loader = LOADERS.get(ext)
    if loader is None:
        raise LoadError(f"unsupported file type '{ext or path.name}' (supported: {', '.join(SUPPORTED_EXTENSIONS)})")
    doc = loader(path, data)
    doc.metadata.update(read_sidecar(path))
    meta = doc.metadata
    meta["title"] = str(meta.get("title") or path.stem)
    meta["publisher"] = str(meta.get("publisher") or "")
    meta["kind"] = str(meta.get("kind") or "document")
    meta["date"] = normalise_date(meta.get("date")) or date_in_name(path.name)
    meta["url"] = str(meta.get("url") or "")
    return doc


def date_in_name(name: str) -> str:
    """'2024-03-14-reuters-house-vote.txt' -> '2024-03-14': the date analysts put at the start of a file
    name, used only when the file itself carries none."""
    m = re.match(r"^((?:19|20)\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)", name)
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else ""

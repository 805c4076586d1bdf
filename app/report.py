"""Report export: one answer or a whole conversation as Markdown or DOCX.

Each turn gives the question, the answer (its ``[n]`` markers as the engine wrote them) and a source
list numbered per turn, with the verbatim quote of every cited passage, its URL and date; the report
carries the time of export. Every ``[n]`` must resolve to a listed source (else ``ReportError``).

Markdown: all document-derived text is backslash-escaped (``escape_markdown``) so that a renderer shows
``<script>``, ``[link](javascript:...)`` and the like as text; ``unescape_markdown`` is the exact
inverse. Quotes are never reflowed: each line of the passage is one ``> `` line of the block quote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from app.types import ABSTAIN_TEXT, Answer, Citation

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

TITLE = "Dossier report"
MARKER = re.compile(r"\[(\d+)\]")
# Escaped everywhere: CommonMark's inline and block syntax (emphasis, links, images, raw HTML, entities,
# headings, tables, strikethrough, code) and the backslash itself, so that unescaping is unambiguous.
_ALWAYS = set("\\`*_[]<>#|~!&")
_LINE_START = set("-+=")  # list items, setext headings, thematic breaks: only at the start of a line
_ORDERED = re.compile(r"(\d+)([.)])")  # "1." / "1)" at the start of a line opens an ordered list
_WS_ENTITY = {" ": "&#32;", "\t": "&#9;"}  # leading whitespace would open an indented code block
_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])|&#(32|9|13);")
# An escaped "[n]" (after an even run of backslashes, i.e. not itself escaped) and what follows it.
_ESCAPED_MARKER = re.compile(r"(?<!\\)((?:\\\\)*)\\\[(\d+)\\\]([(:]?)")
_SAFE_URL = re.compile(r"https?://[^\s<>\"'`\\]+", re.I)
# XML 1.0 cannot hold control characters other than tab, newline and carriage return, nor lone
# surrogates or U+FFFE/U+FFFF; python-docx refuses them, so the DOCX report drops them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class ReportError(ValueError):
    """An answer the report cannot represent faithfully (a marker without its source): a bug upstream."""


# --- Markdown escaping -------------------------------------------------------------------------------


def _escape_line(line: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(line) and line[i] in _WS_ENTITY:
        out.append(_WS_ENTITY[line[i]])
        i += 1
    rest = line[i:]
    head = _ORDERED.match(rest)
    if head:
        out.append(head.group(1) + "\\" + head.group(2))
        rest = rest[head.end() :]
    elif rest[:1] in _LINE_START:
        out.append("\\" + rest[0])
        rest = rest[1:]
    out.extend("\\" + ch if ch in _ALWAYS else "&#13;" if ch == "\r" else ch for ch in rest)
    return "".join(out)


def escape_markdown(text: str) -> str:
    """``text`` as Markdown that renders as exactly this text: no markup, no HTML, no links.

    Newlines are kept (each line is escaped on its own); ``\\r`` and leading whitespace become
    character references so that they start neither a new line nor a code block."""
    return "\n".join(_escape_line(line) for line in text.split("\n"))


def unescape_markdown(text: str) -> str:
    """The inverse of ``escape_markdown``: ``unescape_markdown(escape_markdown(s)) == s``."""

    def repl(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            return m.group(1)
        return {"32": " ", "9": "\t", "13": "\r"}[m.group(2)]

    return _UNESCAPE.sub(repl, text)


def _flat(text: str) -> str:
    return " ".join((text or "").split())


def _md(text: str) -> str:
    """Escaped one-line metadata (titles, publishers, questions)."""
    return escape_markdown(_flat(text))


def _md_answer(text: str) -> str:
    """The answer text escaped, its ``[n]`` markers kept as written. A marker is never followed by an
    unescaped ``(`` or ``:`` (which would make it a link or a link definition)."""

    def keep(m: re.Match[str]) -> str:
        after = m.group(3)
        return f"{m.group(1)}[{m.group(2)}]" + (f"\\{after}" if after else "")

    return _ESCAPED_MARKER.sub(keep, escape_markdown(text))


def _quote_block(text: str) -> list[str]:
    return [f"> {escape_markdown(line)}" if line else ">" for line in text.split("\n")]


# --- The content shared by both formats --------------------------------------------------------------


def _stamp(exported_at: datetime | None) -> str:
    """ISO 8601 with the UTC offset: now in local time by default; a naive time is taken as local."""
    when = exported_at or datetime.now()
    if when.tzinfo is None:
        when = when.astimezone()
    return when.isoformat(timespec="seconds")


def safe_url(url: str) -> str:
    """The URL when it is a plain http(s) URL, else ''."""
    url = (url or "").strip()
    return url if _SAFE_URL.fullmatch(url) else ""


def check_numbers(answer: Answer) -> None:
    """Every ``[n]`` of the answer (and every cited number of its sentences) is one listed source."""
    listed = [c.n for c in (answer.related if answer.abstained else answer.citations)]
    if len(set(listed)) != len(listed):
        raise ReportError(f"duplicate source numbers {listed} for the question {answer.question!r}")
    if answer.abstained:
        return
    used = {int(n) for n in MARKER.findall(answer.answer)}
    used |= {n for s in answer.sentences if s.supported for n in s.citations}
    missing = sorted(used - set(listed))
    if missing:
        raise ReportError(
            f"the answer to {answer.question!r} cites {', '.join(f'[{n}]' for n in missing)} but lists only {listed}"
        )


def _split_direct(answer: Answer) -> tuple[str, str, bool]:
    """(the direct answer shown first in bold, the answer text, whether the text starts with it)."""
    direct = answer.direct.strip()
    return direct, answer.answer, bool(direct) and answer.answer.startswith(direct)


def _source_fields(c: Citation) -> list[str]:
    """[publisher, date, locator (page, paragraph)] without the empty ones: the chip's label, in full."""
    fields = [_flat(c.publisher) or "unknown publisher", _flat(c.date) or "undated"]
    if c.page:
        fields.append(f"p. {c.page}")
    if c.paragraph:
        fields.append(f"¶{c.paragraph}" + (f".{c.sentence}" if c.sentence else ""))
    return fields


KIND_NOTES = {
    "quote": "Quote: verbatim from its passage",
    "claim": "Checked: written by the writer model, checked against its passage",
    "inference": "Dossier's inference, not a quote from the documents",
}


def _checked(answer: Answer) -> list[tuple[str, str]]:
    """(kind note, sentence) for each sentence of the answer that stands, in order."""
    return [(KIND_NOTES.get(s.kind, KIND_NOTES["claim"]), s.text) for s in answer.sentences if s.supported]


def _inferences(answer: Answer) -> list[tuple[str, str]]:
    return [(s.text, s.reason) for s in answer.sentences if s.supported and s.kind == "inference"]


def _dropped(answer: Answer) -> list[tuple[str, str]]:
    return [(s.text, s.reason or "not supported by its passage") for s in answer.dropped]


# --- Markdown ----------------------------------------------------------------------------------------


def _md_sources(cites: Iterable[Citation]) -> list[str]:
    lines: list[str] = []
    for c in cites:
        lines.append(f"**[{c.n}]** " + " · ".join(_md(f) for f in _source_fields(c)))
        lines.append("")
        lines.append(f"- Title: {_md(c.title) or 'untitled'}")
        lines.append(f"- File: {_md(c.source)}")
        url = safe_url(c.url)
        if url:
            lines.append(f"- URL: <{url}>")
        lines.append("")
        lines.extend(_quote_block(c.text))
        lines.append("")
    return lines


def _md_turn(i: int, answer: Answer) -> list[str]:
    check_numbers(answer)
    lines = [f"## {i}. {_md(answer.question)}", "", f"*Answer ({_md(answer.mode)} mode):*", ""]
    if answer.abstained:
        lines += [escape_markdown(ABSTAIN_TEXT), ""]
        if answer.related:
            lines += ["### Related passages (not an answer)", ""]
            lines += _md_sources(answer.related)
    else:
        direct, text, leads = _split_direct(answer)
        body, head = _md_answer(text), _md_answer(direct)
        if leads and body.startswith(head):
            body = f"**{head}**{body[len(head) :]}"
        elif direct:
            lines += [f"**{head}**", ""]
        lines += [body, ""]
        inferences = _inferences(answer)
        if inferences:
            lines += ["*Dossier's inference, not a quote from the documents:*", ""]
            lines += [f"- {_md_answer(_flat(t))} ({_md(r)})" for t, r in inferences] + [""]
        checked = _checked(answer)
        if checked:
            lines += ["*How each sentence stands:*", ""]
            lines += [f"- *{_md(k)}:* {_md_answer(_flat(t))}" for k, t in checked] + [""]
        lines += ["### Sources", ""]
        lines += _md_sources(answer.citations)
    dropped = _dropped(answer)
    if dropped:
        lines += [f"*Dropped by the verifier ({len(dropped)}):*", ""]
        lines += [f"- {_md(t)} ({_md(r)})" for t, r in dropped] + [""]
    for note in answer.notes:
        lines += [f"*Note:* {_md(note)}", ""]
    return lines


def report_markdown(turns: list[Answer], exported_at: datetime | None = None) -> str:
    """The report as Markdown (CommonMark): safe to render, quotes verbatim after ``unescape_markdown``."""
    lines = [f"# {TITLE}", "", f"Exported: {_stamp(exported_at)}", "", f"Questions: {len(turns)}", ""]
    for i, answer in enumerate(turns, 1):
        lines += _md_turn(i, answer)
    return "\n".join(lines).rstrip("\n") + "\n"


# --- DOCX --------------------------------------------------------------------------------------------


def _x(text: str) -> str:
    """Text XML can hold. python-docx turns tab into a tab and newline (and ``\\r``) into a line break,
    and reads them back as ``\\t`` and ``\\n``."""
    return _NOT_XML.sub("", text or "")


def _docx_sources(doc: DocxDocument, cites: Iterable[Citation]) -> None:
    for c in cites:
        p = doc.add_paragraph()
        p.add_run(f"[{c.n}] ").bold = True
        p.add_run(_x(" · ".join(_source_fields(c))))
        doc.add_paragraph(_x(f"Title: {_flat(c.title) or 'untitled'}"))
        doc.add_paragraph(_x(f"File: {c.source}"))
        url = safe_url(c.url)
        if url:
            doc.add_paragraph(f"URL: {url}")
        doc.add_paragraph(_x(c.text), style="Quote")


def report_docx(turns: list[Answer], path: Path, exported_at: datetime | None = None) -> Path:
    """The report as a Word document at ``path``; quotes are paragraphs in the "Quote" style."""
    import docx

    for answer in turns:
        check_numbers(answer)
    doc = docx.Document()
    doc.add_heading(TITLE, 0)
    doc.add_paragraph(f"Exported: {_stamp(exported_at)}")
    doc.add_paragraph(f"Questions: {len(turns)}")
    for i, answer in enumerate(turns, 1):
        doc.add_heading(_x(f"{i}. {_flat(answer.question)}"), 1)
        doc.add_paragraph().add_run(f"Answer ({answer.mode} mode):").italic = True
        if answer.abstained:
            doc.add_paragraph(ABSTAIN_TEXT)
            if answer.related:
                doc.add_heading("Related passages (not an answer)", 2)
                _docx_sources(doc, answer.related)
        else:
            direct, text, leads = _split_direct(answer)
            if direct and not leads:
                doc.add_paragraph().add_run(_x(direct)).bold = True
            p = doc.add_paragraph()
            if leads:
                p.add_run(_x(direct)).bold = True
                text = text[len(direct) :]
            p.add_run(_x(text))
            inferences = _inferences(answer)
            if inferences:
                doc.add_paragraph().add_run("Dossier's inference, not a quote from the documents:").italic = True
                for t, r in inferences:
                    doc.add_paragraph(_x(f"{_flat(t)} ({_flat(r)})"), style="List Bullet")
            checked = _checked(answer)
            if checked:
                doc.add_paragraph().add_run("How each sentence stands:").italic = True
                for k, t in checked:
                    item = doc.add_paragraph(style="List Bullet")
                    item.add_run(_x(f"{k}: ")).italic = True
                    item.add_run(_x(_flat(t)))
            doc.add_heading("Sources", 2)
            _docx_sources(doc, answer.citations)
        dropped = _dropped(answer)
        if dropped:
            doc.add_paragraph().add_run(f"Dropped by the verifier ({len(dropped)}):").italic = True
            for t, r in dropped:
                doc.add_paragraph(_x(f"{_flat(t)} ({_flat(r)})"), style="List Bullet")
        for note in answer.notes:
            doc.add_paragraph(_x(f"Note: {_flat(note)}"))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def write_report(turns: list[Answer], path: Path | str, exported_at: datetime | None = None) -> Path:
    """Write the report in the format its suffix names: ``.md`` or ``.docx``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".md":
        text = report_markdown(turns, exported_at)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path
    if suffix == ".docx":
        return report_docx(turns, path, exported_at)
    raise ValueError(f"cannot write a report to {path.name!r}: the file name must end in .md or .docx")


__all__ = [
    "ReportError",
    "check_numbers",
    "escape_markdown",
    "report_docx",
    "report_markdown",
    "safe_url",
    "unescape_markdown",
    "write_report",
]

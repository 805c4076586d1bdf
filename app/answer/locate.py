"""Locators for citations: which paragraph of its document a cited passage sits in.

A chip reads "[2] Treasury · 2021-12-16 · ¶4", so that two passages of one document can be told
apart without opening them. Paragraphs are the blank-line separated blocks of the stored document
text (the text the offsets index); a leading YAML front matter block and Markdown headings are not
paragraphs to a reader, so they are not counted. Hand-written: no library numbers the paragraphs of
an arbitrary stored text against character offsets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from app.answer.text import sentence_spans
from app.types import Citation

_BLOCK = re.compile(r"\S(?:.*?)(?=\n[ \t]*\n|\Z)", re.S)
_HEADING = re.compile(r"#{1,6}(?:\s|$)")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each reader-visible paragraph."""
    out: list[tuple[int, int]] = []
    for i, m in enumerate(_BLOCK.finditer(text)):
        block = m.group(0)
        if i == 0 and block.startswith("---\n"):
            continue  # front matter
        if _HEADING.match(block) and "\n" not in block.strip():
            continue
        out.append((m.start(), m.end()))
    return out


def locate(text: str, start: int, end: int) -> tuple[int | None, int | None]:
    """(paragraph number, sentence ordinal within it), 1-based; (None, None) when outside any paragraph."""
    for n, (a, b) in enumerate(paragraphs(text), 1):
        if a <= start < b or (start < a and end > a):
            spans = sentence_spans(text, a, b)
            k = next((j for j, (s, e) in enumerate(spans, 1) if s <= start < e), None)
            return n, k
    return None, None


def add_locators(citations: Iterable[Citation], text_for: Callable[[str], str]) -> None:
    """Fill ``paragraph``/``sentence`` of each citation; ``text_for(doc_id)`` returns its stored text or ''."""
    cache: dict[str, str] = {}
    for c in citations:
        if c.doc_id not in cache:
            cache[c.doc_id] = text_for(c.doc_id)
        text = cache[c.doc_id]
        if text and 0 <= c.start < c.end <= len(text):
            c.paragraph, c.sentence = locate(text, c.start, c.end)


def reader(text_dir: Path) -> Callable[[str], str]:
    """A ``text_for`` over the index's stored texts (``index/text/<doc_id>.txt``)."""

    def text_for(doc_id: str) -> str:
        try:
            return (text_dir / f"{doc_id}.txt").read_text(encoding="utf-8")
        except OSError:
            return ""

    return text_for

"""Paragraph locators for citation chips."""

from __future__ import annotations

from app.answer.locate import add_locators, locate, paragraphs
from app.settings import Settings
from app.types import Citation

DOC = """---
title: A release
---

# Heading

First paragraph, one sentence.

Second paragraph. It has a second sentence. And a third.

Third paragraph."""


def test_paragraphs_skip_front_matter_and_headings() -> None:
    blocks = [DOC[a:b] for a, b in paragraphs(DOC)]
    assert blocks == ["First paragraph, one sentence.", "Second paragraph. It has a second sentence. And a third.", "Third paragraph."]


def test_locate_gives_paragraph_and_sentence() -> None:
    at = DOC.index("It has a second")
    assert locate(DOC, at, at + 10) == (2, 2)
    at = DOC.index("Third paragraph")
    assert locate(DOC, at, at + 5) == (3, 1)
    assert locate(DOC, 0, 3) == (None, None)  # inside the front matter


def test_add_locators_fills_citations_with_valid_offsets_only() -> None:
    at = DOC.index("And a third.")
    good = Citation(1, "d", "x.md", "t", "p", "k", "", "", "And a third.", at, at + 12, 1.0)
    stale = Citation(2, "d", "x.md", "t", "p", "k", "", "", "gone", 10_000, 10_004, 1.0)
    add_locators([good, stale], lambda doc_id: DOC)
    assert (good.paragraph, good.sentence) == (2, 3) and good.chip_label(True).endswith("¶2.3")
    assert stale.paragraph is None and stale.locator() == ""


def test_real_answer_chips_carry_locators(sample: Settings) -> None:
    from app.answer.engine import ask

    answer = ask("Why was DJI sanctioned?", sample)
    assert answer.citations and all(c.paragraph for c in answer.citations)
    for c in answer.citations:
        text = (sample.index_dir / "text" / f"{c.doc_id}.txt").read_text(encoding="utf-8")
        a, b = paragraphs(text)[c.paragraph - 1]
        assert a <= c.start < b  # the chip's paragraph holds the cited passage

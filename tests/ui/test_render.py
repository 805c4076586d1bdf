"""The chat's HTML: citations as chips, highlighted sources, abstention, and escaping of everything."""

from __future__ import annotations

from app.types import ABSTAIN_TEXT, Answer, Citation, SentenceCheck
from app.ui.render import answer_html, answer_markdown, partial_html, safe_url, source_html

EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def cite(n: int = 1, text: str = "DJI was added to the list.", start: int = 0, **kw: object) -> Citation:
    base: dict[str, object] = dict(
        n=n, doc_id="d1", source="treasury.md", title="Treasury release", publisher="U.S. Department of the Treasury, OFAC",
        kind="official statement", date="2021-12-16", url="https://home.treasury.gov/x", text=text, start=start,
        end=start + len(text), score=0.9,
    )
    base.update(kw)
    return Citation(**base)  # type: ignore[arg-type]


def no_live_markup(html: str) -> None:
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=" in html


def test_answer_chips_and_label_row() -> None:
    a = Answer(question="q", answer="DJI was added to the list. [1] It was sanctioned. [2][9]", abstained=False,
               citations=[cite(1), cite(2, publisher="BIS")])
    html = answer_html(a, filters="kind: official statement", turn=3)
    assert html.count('class="cite-chip"') == 4  # two inline chips, two in the label row
    assert 'data-n="1"' in html and 'value="3:cite:2"' in html
    assert "[1] U.S. Department of the Treasury, 2021-12-16" in html
    assert "[9]" in html  # an unknown marker stays text
    assert "Filters: kind: official statement" in html
    assert "\n" not in html  # one HTML block for the chat's Markdown renderer


def test_document_text_titles_and_question_are_escaped() -> None:
    c = cite(1, text=f"Sanctioned {EVIL}.", title=f"Title {EVIL}", publisher=f"Pub {EVIL}")
    a = Answer(question=f"Why {EVIL}?", answer=f"Sanctioned {EVIL}. [1]", abstained=False, citations=[c],
               notes=[f"the question was {EVIL}"], sentences=[SentenceCheck(f"Dropped {EVIL}", [1], False, 0.1, f"why {EVIL}")])
    no_live_markup(answer_html(a, filters=f"documents: {EVIL}"))
    doc = f"Intro {EVIL}. {c.text} Outro {EVIL}."
    no_live_markup(source_html(cite(1, text=c.text, start=doc.index(c.text), title=f"Title {EVIL}"), doc))
    no_live_markup(partial_html(f"partial {EVIL}"))
    related = Answer(question="q", answer=ABSTAIN_TEXT, abstained=True, related=[c])
    no_live_markup(answer_html(related))


def test_source_marks_the_cited_span_in_context() -> None:
    span = "DJI was added to the Entity List on 18 December 2020."
    doc = "x " * 1000 + span + " y" * 1000
    c = cite(1, text=span, start=doc.index(span))
    html = source_html(c, doc)
    assert f"<mark>{span}</mark>" in html
    assert "Treasury release" in html and "official statement" in html and "2021-12-16" in html
    assert 'href="https://home.treasury.gov/x" target="_blank" rel="noopener noreferrer"' in html
    context = html.split('class="dossier-context">')[1]
    assert 1100 < len(context) < 1500  # about 600 characters each side, not the whole document
    # Offsets that no longer match (the document changed) fall back to finding the quote.
    assert f"<mark>{span}</mark>" in source_html(cite(1, text=span, start=5), doc)
    missing = source_html(cite(1, text="not in the document"), doc)
    assert "<mark>not in the document</mark>" in missing and "no longer holds" in missing


def test_only_http_links() -> None:
    for bad in ("javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "http://a b", ""):
        assert safe_url(bad) == ""
        assert "<a " not in source_html(cite(url=bad), "DJI was added to the list.")
    assert safe_url("http://example.org/a?b=1") == "http://example.org/a?b=1"


def test_abstention_lists_related_material_plainly() -> None:
    a = Answer(question="q", answer=ABSTAIN_TEXT, abstained=True, related=[cite(1, text="Nearby passage.")],
               notes=["no retrieved passage mentions: turnips"])
    html = answer_html(a)
    assert ABSTAIN_TEXT in html
    assert "Related material (not an answer)" in html and "Nearby passage." in html
    assert 'value="0:related:1"' in html and "cite-row" not in html
    assert "Note: no retrieved passage mentions: turnips" in html
    md = answer_markdown(a)
    assert ABSTAIN_TEXT in md and "Related material (not an answer)" in md


def test_dropped_sentences_and_markdown() -> None:
    a = Answer(question="Why?", answer="Because. [1]", abstained=False, citations=[cite(1)],
               sentences=[SentenceCheck("Because. [1]", [1], True, 1.0), SentenceCheck("Made up. [1]", [1], False, 0.2, "low support")])
    html = answer_html(a)
    assert "<details" in html and "1 unsupported sentence was dropped" in html
    assert "Made up. [1]" in html and "low support" in html
    md = answer_markdown(a)
    assert md.startswith("**Question:** Why?")
    assert "1. U.S. Department of the Treasury, 2021-12-16" in md and "   > DJI was added to the list." in md

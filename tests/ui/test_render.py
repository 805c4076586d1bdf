"""The desk's HTML: answer cards (question, direct answer, kinds of claim, chips, sources), the timeline,
highlighted sources, and escaping of everything that comes from documents or questions."""

from __future__ import annotations

from app.timeline import TimelineEntry
from app.types import ABSTAIN_TEXT, Answer, Citation, SentenceCheck, chip_publisher
from app.ui.render import (
    card_html,
    chip_labels,
    desk_html,
    failed_card_html,
    partial_html,
    pending_html,
    safe_url,
    source_html,
    timeline_html,
)

EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def cite(n: int = 1, text: str = "DJI was added to the list.", start: int = 0, **kw: object) -> Citation:
    base: dict[str, object] = dict(
        n=n, doc_id="d1", source="treasury.md", title="Treasury release", publisher="U.S. Department of the Treasury, OFAC",
        kind="official statement", date="2021-12-16", url="https://home.treasury.gov/x", text=text, start=start,
        end=start + len(text), score=0.9, paragraph=4, sentence=1,
    )
    base.update(kw)
    return Citation(**base)  # type: ignore[arg-type]


def no_live_markup(html: str) -> None:
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=" in html


def three_kinds() -> Answer:
    c1, c2 = cite(1, text="DJI was added on 18 December 2020."), cite(2, text="SenseTime was named on 10 December 2021.", publisher="BIS")
    return Answer(
        question="Was DJI added before SenseTime was named?", answer="Yes. ...", abstained=False, direct="Yes.",
        citations=[c1, c2],
        sentences=[
            SentenceCheck("Yes. Dossier's inference from the cited dates: 2020-12-18 is before 2021-12-10. [1] [2]", [1, 2], True, 1.0, kind="inference"),
            SentenceCheck("According to Treasury (2021-12-16): DJI was added on 18 December 2020. [1]", [1], True, 0.9,
                          kind="quote", attribution="According to Treasury (2021-12-16): "),
            SentenceCheck("SenseTime was named in December 2021. [2]", [2], True, 0.8, kind="claim"),
        ],
    )


def test_card_shows_question_direct_answer_and_each_kind() -> None:
    html = card_html(three_kinds(), turn=3, filters="kind: official statement")
    assert '<p class="dossier-question">Was DJI added before SenseTime was named?</p>' in html
    direct = html.index('class="dossier-direct')
    assert "<strong>Yes.</strong>" in html[direct:] and direct < html.index("dossier-claims")
    for kind in ("quote", "claim", "inference"):
        assert f'class="dossier-claim claim-{kind}"' in html and f'class="kind-badge kind-{kind}"' in html
    # The quote's attribution is Dossier's words, set apart from the verbatim quote.
    assert '<span class="dossier-attr">According to Treasury (2021-12-16):</span> <span class="dossier-quote">DJI was added' in html
    assert "Dossier&#x27;s inference from the cited dates" in html and "Yes. Dossier" not in html  # the verdict is not repeated
    assert 'value="3:cite:2"' in html and "Filters: kind: official statement" in html
    assert html.count('class="source-card"') == 2 and "Open in document" in html and 'value="timeline:3"' in html
    assert "\n" not in html


def test_chip_labels_identify_their_passage() -> None:
    a, b, c = cite(1, paragraph=4, sentence=1), cite(2, paragraph=4, sentence=3), cite(3, paragraph=7, publisher="BIS", date="2020-12-18")
    labels = chip_labels([a, b, c])
    assert labels == {1: "Treasury · 2021-12-16 · ¶4.1", 2: "Treasury · 2021-12-16 · ¶4.3", 3: "BIS · 2020-12-18 · ¶7"}
    assert cite(1, page=3).chip_label() == "Treasury · 2021-12-16 · p. 3"
    assert chip_publisher("Ministry of Foreign Affairs of the People's Republic of China") == "Ministry of Foreign Affairs"
    assert chip_publisher("") == "" and cite(1, publisher="", title="A long title of a press release about drones").chip_label().startswith("'A long title")
    html = card_html(Answer(question="q", answer="x [1] [2]", abstained=False, citations=[a, b],
                            sentences=[SentenceCheck("x [1] [2]", [1, 2], True, 1.0)]))
    assert "[1] Treasury · 2021-12-16 · ¶4.1" in html and "[2] Treasury · 2021-12-16 · ¶4.3" in html
    assert 'role="tooltip"' in html and 'id="tip-0-cite-1">DJI was added to the list.<span' in html  # the tooltip holds the passage


def test_document_text_titles_and_question_are_escaped() -> None:
    c = cite(1, text=f"Sanctioned {EVIL}.", title=f"Title {EVIL}", publisher=f"Pub {EVIL}")
    a = Answer(question=f"Why {EVIL}?", answer=f"Sanctioned {EVIL}. [1]", abstained=False, citations=[c],
               notes=[f"the question was {EVIL}"],
               sentences=[SentenceCheck(f"Sanctioned {EVIL}. [1]", [1], True, 1.0), SentenceCheck(f"Dropped {EVIL}", [1], False, 0.1, f"why {EVIL}")])
    no_live_markup(card_html(a, filters=f"documents: {EVIL}"))
    doc = f"Intro {EVIL}. {c.text} Outro {EVIL}."
    no_live_markup(source_html(cite(1, text=c.text, start=doc.index(c.text), title=f"Title {EVIL}"), doc))
    no_live_markup(partial_html(f"partial {EVIL}"))
    no_live_markup(pending_html(f"Why {EVIL}?", f"partial {EVIL}"))
    no_live_markup(failed_card_html(f"Why {EVIL}?", f"error {EVIL}"))
    no_live_markup(card_html(Answer(question="q", answer=ABSTAIN_TEXT, abstained=True, related=[c])))
    entry = TimelineEntry(date="2020-12-18", precision="day", label="18 December 2020", basis="stated", doc_id="d1",
                          source="x.md", title=f"T {EVIL}", publisher=f"P {EVIL}", kind="k", doc_date="2020-12-22", url="",
                          text=f"On 18 December 2020 {EVIL}.", start=0, end=10, page=None)  # fmt: skip
    no_live_markup(timeline_html([entry]))


def test_source_marks_the_cited_span_in_context() -> None:
    span = "DJI was added to the Entity List on 18 December 2020."
    doc = "x " * 1000 + span + " y" * 1000
    c = cite(1, text=span, start=doc.index(span))
    html = source_html(c, doc)
    assert f"<mark>{span}</mark>" in html
    assert "Treasury release" in html and "official statement" in html and "2021-12-16" in html and "¶4, sentence 1" in html
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
        assert "<a " not in card_html(Answer(question="q", answer="x [1]", abstained=False, citations=[cite(url=bad)]))
    assert safe_url("http://example.org/a?b=1") == "http://example.org/a?b=1"


def test_abstention_lists_related_passages_with_their_labels() -> None:
    a = Answer(question="Who grows turnips?", answer=ABSTAIN_TEXT, abstained=True,
               related=[cite(1, text="Nearby passage."), cite(2, text="Other passage.", paragraph=9)],
               notes=["no retrieved passage mentions: turnips"])  # fmt: skip
    html = card_html(a)
    assert '<p class="dossier-question">Who grows turnips?</p>' in html
    assert ABSTAIN_TEXT in html and "Related passages (not an answer)" in html and "Nearby passage." in html
    assert 'value="0:related:1"' in html and "[2] Treasury · 2021-12-16 · ¶9" in html
    assert "Show on timeline" not in html and "dossier-claims" not in html
    assert "Note: no retrieved passage mentions: turnips" in html


def test_dropped_sentences_are_listed_with_reasons() -> None:
    a = Answer(question="Why?", answer="Because. [1]", abstained=False, citations=[cite(1)], direct="Because. [1]",
               sentences=[SentenceCheck("Because. [1]", [1], True, 1.0), SentenceCheck("Made up. [1]", [1], False, 0.2, "low support")])
    html = card_html(a)
    assert "<strong>Because.</strong>" in html and "dossier-claims" not in html  # the lead is the direct answer, not repeated
    assert "<details" in html and "1 unsupported sentence was dropped" in html
    assert "Made up. [1]" in html and "low support" in html


def test_desk_empty_state_and_timeline_empty_state() -> None:
    assert "Ask a question about the ingested documents" in desk_html([])
    assert "No dated claims yet" in timeline_html([], 0) and "No dated claims match" in timeline_html([], 5)

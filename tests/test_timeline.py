"""The timeline of dated claims (app.timeline) on the sample corpus and on small made-up documents."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.answer.engine import ask
from app.ingest.pipeline import ingest_paths, text_path
from app.settings import Settings
from app.timeline import TimelineEntry, build_timeline, citations_on_timeline, filter_timeline
from app.types import Citation


def _stored(settings: Settings, doc_id: str) -> str:
    return text_path(settings, doc_id).read_text(encoding="utf-8")


def _in_order(entries: list[TimelineEntry]) -> bool:
    keys = [(e.date, e.doc_date, e.doc_id, e.start) for e in entries]
    return keys == sorted(keys)


def _citation(text: str, date: str, **kw: object) -> Citation:
    base: dict = dict(n=1, doc_id="d1", source="memo.md", title="Memo", publisher="Desk", kind="document",
                      date=date, url="", text=text, start=10, end=10 + len(text), score=0.5)  # fmt: skip
    base.update(kw)
    return Citation(**base)


def test_sample_timeline_is_ordered_verbatim_and_placed(sample: Settings) -> None:
    entries = build_timeline(sample)
    assert entries and _in_order(entries)
    for e in entries:
        assert _stored(sample, e.doc_id)[e.start : e.end] == e.text
        assert e.text in (sample.corpus_dir / e.source).read_text(encoding="utf-8")
        assert e.precision in {"day", "month", "year"} and e.basis in {"stated", "document"}
        assert len(e.date) == 10 and e.page is None  # no PDFs in the sample corpus
    # The BIS rule states its effective date in the sentence.
    effective = [e for e in entries if "This rule is effective December 18, 2020." in e.text]
    assert [(e.date, e.precision, e.basis, e.label) for e in effective] == [("2020-12-18", "day", "stated", "18 December 2020")]
    # A bare year is placed at year precision; a month and year at month precision.
    assert any(e.date == "2016-01-01" and e.precision == "year" and "Beginning in 2016" in e.text for e in entries)
    assert any(e.date == "2020-07-01" and e.precision == "month" and e.label == "July 2020" for e in entries)
    # Each dated document's first undated sentence sits at the document's date, and only that one: every
    # document is on the timeline (the BIS rule's lead states a date; its first undated sentence stands for it).
    by_doc = [e for e in entries if e.basis == "document"]
    assert len({e.doc_id for e in by_doc}) == len(by_doc) == 4
    assert any(e.date == "2020-12-22" and e.source.startswith("bis-") for e in by_doc)
    dji = next(e for e in by_doc if e.source.startswith("asianindependent"))
    assert (dji.date, dji.precision, dji.label) == ("2021-12-01", "month", "December 2021")
    assert dji.text.startswith("The US has slapped further sanctions")  # the dateline is cut off
    # No heading, byline, dateline, front matter or metadata line is a claim.
    for e in entries:
        assert not e.text.startswith(("#", "---", "title:", "San Francisco, (", "WASHINGTON", "DATES:"))
        assert e.text != e.text.upper()  # "TECHNOLOGY USED FOR SURVEILLANCE ..." is a heading
        assert e.text not in {"US blocks investments in Chinese drone maker DJI", "0", "53", "Drone"}


def test_filters(sample: Settings) -> None:
    entries = build_timeline(sample)
    assert filter_timeline(entries) == entries
    hits = filter_timeline(entries, "xinjiang  SECURITY")
    assert hits and all("xinjiang" in (e.text + e.title + e.publisher).lower() for e in hits)
    assert all("security" in (e.text + e.title + e.publisher).lower() for e in hits)
    assert filter_timeline(entries, "bis commerce effective")  # publisher words count too
    assert filter_timeline(entries, "xinjiang nosuchword") == []
    treasury = "U.S. Department of the Treasury, Office of Foreign Assets Control (OFAC)"
    only = filter_timeline(entries, publishers=[treasury])
    assert only and {e.publisher for e in only} == {treasury}
    news = filter_timeline(entries, kinds=("news article",))
    assert news and {e.source for e in news} == {"asianindependent-2021-12-us-blocks-investments-in-dji.txt"}
    src = "bis-2020-12-22-entity-list-additions.md"
    assert {e.source for e in filter_timeline(entries, sources=[src])} == {src}
    assert filter_timeline(entries, kinds=["official statement"], sources=[src], words="rule") == [
        e for e in entries if e.source == src and "rule" in (e.text + e.title).lower()
    ]


def test_answer_citations_on_the_timeline(sample: Settings) -> None:
    a = ask("When was the rule adding DJI to the Entity List effective?", settings=sample)
    assert a.citations
    placed = citations_on_timeline(a.citations)
    assert placed and _in_order(placed)
    quotes = {c.text for c in a.citations}
    assert all(e.text in quotes for e in placed)
    assert {c.text for c in a.citations if c.date} <= {e.text for e in placed}  # every dated citation is placed
    for e in placed:
        assert _stored(sample, e.doc_id)[e.start : e.end] == e.text
        assert e.basis == "stated" or e.date.startswith(e.doc_date)  # undated quotes sit at their document's date
    assert any(e.date == "2020-12-18" and e.basis == "stated" for e in placed), [(e.date, e.text) for e in placed]


def test_dates_without_a_year_weekdays_and_caps() -> None:
    def place(text: str, date: str) -> list[tuple[str, str, str]]:
        return [(e.date, e.precision, e.basis) for e in citations_on_timeline([_citation(text, date)])]

    # Nearest on or before the document's date; the year after for a future event.
    assert place("The ban was announced on December 18 in Washington.", "2021-01-05") == [("2020-12-18", "day", "stated")]
    assert place("The ban was announced on December 18 in Washington.", "2021-12-20") == [("2021-12-18", "day", "stated")]
    assert place("The ban was announced on December 18 in Washington.", "2021-12") == [("2021-12-18", "day", "stated")]
    assert place("The rule will take effect on January 5 next year.", "2021-12-20") == [("2022-01-05", "day", "stated")]
    # A weekday against the document's date (2021-12-16 was a Thursday); not with a full date beside it.
    assert place("The Treasury said in a statement on Tuesday that it acted.", "2021-12-16") == [("2021-12-14", "day", "stated")]
    assert place("On Thursday, December 16, 2021, the Treasury acted.", "2021-12-20") == [("2021-12-16", "day", "stated")]
    # A bare year beside a finer date of that year adds nothing; distinct dates up to three.
    assert place("In 2020, on December 18, 2020, the rule took effect.", "2020-12-22") == [("2020-12-18", "day", "stated")]
    many = "Rules of 2001, 2005, 2010 and 2015 preceded this one."
    assert place(many, "2021-12-16") == [(f"{y}-01-01", "year", "stated") for y in (2001, 2005, 2010)]
    # Undated: the document's date; no date at all: not on the timeline.
    assert place("The firms deny any wrongdoing in their statements.", "2021-12-16") == [("2021-12-16", "day", "document")]
    assert place("The firms deny any wrongdoing in their statements.", "") == []


def test_html_in_a_sentence_stays_raw_text() -> None:
    text = 'On December 16, 2021 the page said <script>alert("x")</script> & <b>more</b>.'
    (e,) = citations_on_timeline([_citation(text, "2021-12-20")])
    assert e.text == text and e.date == "2021-12-16"
    assert filter_timeline([e], "<script>") == [e]


def _make_pdf(path: Path, pages: list[str]) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle("Sanctions briefing")
    for text in pages:
        c.drawString(50, 800, text)
        c.showPage()
    c.save()


def test_cache_until_a_document_is_added(fresh: Callable[..., Settings]) -> None:
    settings = fresh()
    memo = settings.corpus_dir / "2021-12-20-memo.md"
    memo.write_text(
        "---\ntitle: Desk memo\npublisher: Research desk\ndate: 2021-12-20\n---\n\n# Memo\n\n"
        "The desk reviewed the Treasury action of December 16, 2021 against eight firms.\n\n"
        'The export page quoted <script>alert("x")</script> from a hostile site on 2021-12-18.\n',
        encoding="utf-8",
    )
    assert not ingest_paths(settings, [memo]).failed
    first = build_timeline(settings)
    assert build_timeline(settings) is first  # cached: the same object while nothing changes
    assert [(e.date, e.basis) for e in first] == [("2021-12-16", "stated"), ("2021-12-18", "stated")]
    hostile = first[1]
    assert '<script>alert("x")</script>' in hostile.text
    assert _stored(settings, hostile.doc_id)[hostile.start : hostile.end] == hostile.text

    pdf = settings.corpus_dir / "2021-01-05-briefing.pdf"  # dated by its name (the PDF carries no date)
    _make_pdf(pdf, [
        "The briefing covers the export controls on listed firms in detail.",
        "The Commerce Department added the firms to the Entity List on December 18, 2020.",
    ])  # fmt: skip
    assert not ingest_paths(settings, [pdf]).failed
    second = build_timeline(settings)
    assert second is not first and _in_order(second) and len(second) == len(first) + 2
    assert build_timeline(settings) is second
    briefing = [(e.date, e.basis, e.page) for e in second if e.source == pdf.name]
    assert briefing == [("2020-12-18", "stated", 2), ("2021-01-05", "document", 1)]

"""Dating an event for Dossier's own before/after inference (pure date logic, no model)."""

from __future__ import annotations

from app.answer.evidence import Evidence
from app.answer.infer import date_of
from app.types import Passage


def _e(text: str, date: str) -> Evidence:
    p = Passage("c", "d", "d.md", "Title", "Publisher", "news", date, "", text, 0, len(text))
    return Evidence(passage=p, score=0.5, dense=0.5, lexical=0.0, vector=None)


def test_an_event_placed_relative_to_its_report_is_dated_from_the_report_at_that_precision() -> None:
    e = _e("A federal judge blocked the state law before it takes effect next month.", "2023-12-01")
    d = date_of(e, 0, "the state law takes effect", by_document=False)
    assert d is not None and d.date == (2024, 1, 0) and d.how == "document date, next month"
    d = date_of(_e("The company said yesterday it would appeal.", "2024-03-14"), 0, "the company said", by_document=False)
    assert d is not None and d.date == (2024, 3, 13)
    d = date_of(_e("The rule was adopted last year.", "2024-03-14"), 0, "the rule was adopted", by_document=False)
    assert d is not None and d.date == (2023, 0, 0)
    # A week cannot be placed against a day; a stated date wins over the relative words.
    assert date_of(_e("The vote comes next week.", "2024-03-14"), 0, "the vote", by_document=False) is None
    d = date_of(_e("The ban takes effect next month, on January 1, 2024.", "2023-12-01"), 0, "the ban takes effect", by_document=False)
    assert d is not None and d.date == (2024, 1, 1) and d.how == "stated"
    # The relative words date only the event they sit beside: the ruling in the same sentence is the report's.
    d = date_of(e, 0, "a judge blocked the state law", by_document=False)
    assert d is not None and d.date == (2023, 12, 1) and d.how == "document date"
    # A clause about the report itself is dated by the report.
    d = date_of(e, 0, "the article reported", by_document=True)
    assert d is not None and d.date == (2023, 12, 1) and d.how == "document date"

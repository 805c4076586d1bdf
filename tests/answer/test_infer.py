"""Dossier's own before/after inference: dating an event (pure date logic) and choosing the
sentence that states each event (real embedding model)."""

from __future__ import annotations

import numpy as np

from app.answer.evidence import Evidence, SentenceVectors
from app.answer.infer import date_of, event_terms, states_event, temporal
from app.embedding import get_embedding
from app.settings import Settings
from app.types import Passage


def _e(text: str, date: str, vector: np.ndarray | None = None, doc: str = "d") -> Evidence:
    p = Passage("c", doc, f"{doc}.md", "Title", "Publisher", "news", date, "", text, 0, len(text))
    return Evidence(passage=p, score=0.5, dense=0.5, lexical=0.0, vector=vector)


def test_a_date_is_read_only_from_a_sentence_that_states_the_event(sample: Settings) -> None:
    """"Did the app's brief shutdown happen after the order was signed?": a sentence about the signing
    that also names the app and the country is no fact about the shutdown; its document's date must not
    decide the order of the two events."""
    q = "Did Vidora's brief US shutdown happen after Kell signed his first order delaying enforcement?"
    assert event_terms("Did Vidora's brief US shutdown happen", "Kell signed his first order delaying enforcement") == {"brief", "shutdown"}
    vectors = SentenceVectors(get_embedding(sample))
    texts = [
        "Kell signed an order on Monday delaying by 75 days the enforcement of the ban on Vidora.",
        "While signing the order, Kell said the US government should own half of Vidora's US business.",
    ]
    vecs = vectors.get(texts)
    wrong = [_e(texts[0], "2031-03-05", vecs[0], "a"), _e(texts[1], "2031-03-08", vecs[1], "a")]
    assert temporal(q, wrong, vectors) is None  # no sentence states the shutdown: no verdict
    shut = "Vidora restored its service on Sunday, less than a day after its owner put the US app into a brief shutdown."
    evidence = [*wrong, _e(shut, "2031-03-04", vectors.get([shut])[0], "b")]
    found = temporal(q, evidence, vectors)
    assert found is not None and found.verdict == "no" and sorted(found.facts) == [0, 2]


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


def test_an_event_is_stated_by_its_words_or_by_its_verb_and_particle() -> None:
    """"Did TikTok's brief US shutdown happen after ...?": "ByteDance shut the app down" states the shutdown."""
    event = event_terms("Did TikTok’s brief US shutdown happen", "Trump signed his first executive order delaying enforcement")
    assert "shutdown" in event
    assert states_event(event, "TikTok began restoring its service Sunday, less than a day since ByteDance shut the app down.")
    assert states_event(event, "The shutdown lasted less than a day.")
    assert not states_event(event, "TikTok said Sunday it was restoring service and thanked President Trump.")
    assert states_event(set(), "Any sentence states an event with no words of its own.")


def test_a_temporal_clause_takes_a_sentence_placing_its_event_on_a_day() -> None:
    from app.answer.engine import _dated_parts
    from app.answer.evidence import split_question

    q = "Did TikTok’s brief US shutdown happen after Trump signed his first executive order delaying enforcement?"
    tests = _dated_parts(q, split_question(q))
    assert set(tests) == {0, 1}
    assert tests[0]("TikTok began restoring its service Sunday, less than a day since ByteDance shut the app down.")
    assert not tests[0]("ByteDance shut the app down after the ban went into effect.")  # no day
    assert not tests[0]("TikTok said Sunday it was restoring service.")  # not the shutdown
    assert tests[1]("Trump signed an executive order on Monday seeking to delay enforcement by 75 days.")
    assert _dated_parts("What did TikTok say after the shutdown?", ["What did TikTok say", "the shutdown"]) == {}
    report = "Did the Verge report on the phone before TechCrunch reported on the tablet?"
    assert _dated_parts(report, split_question(report)) == {}  # reports are dated by their documents

"""What the question pins down or asks for, checked against the verified answer and its evidence."""

from __future__ import annotations

from app.answer import constraints
from app.types import Passage


def _p(text: str, publisher: str = "Example Wire", title: str = "US adds firm to trade list") -> Passage:
    return Passage("c1", "d1", "d1.md", title, publisher, "news", "2021-12-16", "", text, 0, len(text))


def test_a_yes_no_question_needs_every_name_it_asks_about_in_the_cited_evidence() -> None:
    us_only = [_p("The US government added the firm to the Entity List.")]
    q = "Did the European Union also sanction the firm?"
    assert constraints.missing(q, "No.", us_only, yes_no=True) == ["nothing cited mentions EU"]
    # The same names in another form, in the sentence, the publisher or the title, are there.
    assert constraints.missing("Did the United States add the firm to the Entity List?", "Yes.", us_only, yes_no=True) == []
    assert constraints.missing("Did Example Wire report the listing?", "Yes.", us_only, yes_no=True) == []
    # Only the subject is required: a "No." may deny what the rest of the question names.
    assert constraints.missing("Did the US add the firm to the Italian list?", "No.", us_only, yes_no=True) == []
    # A capitalised question word is no name ("Did DJI ...").
    assert constraints.missing_names("Did DJI file a lawsuit?", [_p("DJI said it would file a lawsuit.")]) == []


def test_a_deadline_is_answered_by_a_date_or_a_time_span() -> None:
    q = "By what deadline must investors divest their holdings?"
    assert constraints.asked(q) == "deadline"
    assert constraints.missing(q, "The US sanctioned seven other Chinese firms.", [])  # a count is no deadline
    for answer in ("Investors must divest within 365 days.", "They have until February 9, 2022.", "It gave six months."):
        assert constraints.missing(q, answer, []) == [], answer
    # The report's date in an attribution is not the deadline.
    assert constraints.missing(q, "According to Example Wire (2021-12): the firm was listed.", [])
    assert constraints.missing(q, "According to Example Wire (December 16, 2021): the firm was listed.", [])
    assert constraints.missing(q, "According to Example Wire (December 2021): the firm was listed.", [])


def test_an_office_is_answered_by_its_holder_not_by_a_deputy() -> None:
    q = "Who was the Secretary of the Treasury when the firm was listed?"
    deputy = _p("Under Secretary of the Treasury Brian E. Nelson said the firm was listed.")
    holder = _p("Secretary of the Treasury Janet L. Yellen said the firm was listed.")
    assert "deputies" in " ".join(constraints.missing(q, "Brian E. Nelson.", [deputy]))
    assert constraints.missing(q, "Janet L. Yellen.", [holder]) == []

"""A name given in the question's own frame: the name is the claim, and the evidence must name it most."""

from __future__ import annotations

from app.answer import frame
from app.answer.evidence import Evidence
from app.types import Passage

QUESTION = (
    "Who is the player mentioned in articles from The Guardian and Sporting News who scored two touchdowns "
    "in a game where his team defeated the Washington Commanders and might struggle to reach 2,000 receiving yards?"
)
RESTATED = (
    "Tyreek Hill is the player mentioned in articles from The Guardian and Sporting News who scored two touchdowns "
    "in a game where his team defeated the Washington Commanders and might struggle to reach 2,000 receiving yards."
)


def _e(text: str, score: float, doc: str) -> Evidence:
    p = Passage("c", doc, f"{doc}.md", "Title", "Publisher", "news", "2023-12-03", "", text, 0, len(text))
    return Evidence(passage=p, score=score, dense=score, lexical=0.0, vector=None)


EVIDENCE = [
    _e("Tyreek Hill had two touchdowns among his 157 receiving yards as Miami routed Washington.", 0.50, "guardian"),
    _e("Hill is on pace for 2,000 receiving yards, though the schedule gets harder.", 0.45, "sporting"),
    _e("Jaylen Waddle added a touchdown late in the game.", 0.30, "guardian"),
    _e("Coach Mike McDaniel praised the defense after the win.", 0.20, "espn"),
]


def test_the_name_a_restatement_adds_is_its_answer() -> None:
    assert frame.answer_name(RESTATED, QUESTION) == "Tyreek Hill"
    # The name may open the sentence without being marked as a name anywhere else.
    q = "Which company, covered by Engadget and Polygon, is releasing a new version of its handheld on November 16th with minor physical upgrades?"
    assert frame.answer_name("Valve, covered by Engadget and Polygon, is releasing a new version of its handheld on November 16th with minor physical upgrades.", q) == "Valve"


def test_a_sentence_that_asserts_more_than_a_name_is_not_a_restatement() -> None:
    more = "Tyreek Hill scored two touchdowns against the Washington Commanders after a contract dispute with his agent over bonuses and a trade request."
    assert frame.answer_name(more, QUESTION) == ""
    assert frame.answer_name("Tyreek Hill.", QUESTION) == ""  # too little of the question: an ordinary claim
    assert frame.answer_name(RESTATED.replace("Tyreek Hill is", "Is"), "Did the player score two touchdowns?") == ""


def test_the_name_stands_when_the_evidence_names_it_most() -> None:
    c = frame.check_name("Tyreek Hill", QUESTION, EVIDENCE)
    assert c.supported and c.text == "Tyreek Hill." and c.reason == frame.REASON
    assert c.cites == [0, 1]  # the two sentences naming him, from two documents
    assert frame.naming("Tyreek Hill", QUESTION, EVIDENCE) == [0, 1]


def test_a_name_the_evidence_mentions_less_than_another_is_dropped() -> None:
    c = frame.check_name("Jaylen Waddle", QUESTION, EVIDENCE)
    assert not c.supported and "only one evidence sentence" in c.reason
    both = [*EVIDENCE, _e("Waddle caught six passes in the second half.", 0.25, "espn")]
    c = frame.check_name("Jaylen Waddle", QUESTION, both)
    assert not c.supported and "names 'hill' more" in c.reason
    assert not frame.check_name("Travis Kelce", QUESTION, EVIDENCE).supported

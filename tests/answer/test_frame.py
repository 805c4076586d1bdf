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


def test_the_evidence_name_replaces_a_writer_name_the_evidence_does_not_give() -> None:
    # The writer named Waddle; the evidence names Hill in two documents, written in full as "Tyreek Hill".
    assert frame.evidence_name(QUESTION, EVIDENCE, instead_of="Jaylen Waddle") == "Tyreek Hill"
    assert frame.check_name("Tyreek Hill", QUESTION, EVIDENCE).supported
    # Never the writer's own refused name, and never a name only one document gives.
    assert frame.evidence_name(QUESTION, EVIDENCE, instead_of="Hill") == ""
    one_doc = [_e(e.passage.text, e.score, "guardian") for e in EVIDENCE]
    assert frame.evidence_name(QUESTION, one_doc, instead_of="Jaylen Waddle") == ""
    # Only for a who/which/what question.
    assert frame.evidence_name("Did the player score two touchdowns against Washington?", EVIDENCE, "Jaylen Waddle") == ""


def test_a_short_initialism_is_no_answer_name_nor_a_rival() -> None:
    q = "Who is the individual accused by prosecutors of fraud and described as the richest person under 30?"
    ev = [
        _e("The former CEO of FTX, Sam Bankman-Fried, is accused of fraud by prosecutors.", 0.50, "techcrunch"),
        _e("Prosecutors say the CEO knew about the missing funds, and the CEO denied it.", 0.48, "verge"),
        _e("Bankman-Fried was once the richest person under 30, the CEO of a crypto empire.", 0.45, "cnbc"),
    ]
    assert frame.evidence_name(q, ev, instead_of="Caroline Ellison") == "Sam Bankman-Fried"
    assert frame.check_name("Sam Bankman-Fried", q, ev).supported  # "CEO" outweighs him, but is no rival name


def test_a_name_is_shown_as_the_evidence_writes_it_in_full() -> None:
    ev = [*EVIDENCE[1:], EVIDENCE[0]]
    assert frame.full_name("Hill", ev) == "Tyreek Hill"
    assert frame.check_name("Hill", QUESTION, ev).text == "Tyreek Hill."
    assert frame.full_name("Waddle", EVIDENCE) == "Jaylen Waddle"
    assert frame.full_name("Kelce", EVIDENCE) == "Kelce"  # not in the evidence: as given
    titled = [_e("The Dolphins' Tyreek Hill and CEO Sam Bankman-Fried met President Donald Trump.", 0.4, "x")]
    assert frame.full_name("Hill", titled) == "Tyreek Hill"
    assert frame.full_name("Bankman-Fried", titled) == "Sam Bankman-Fried"
    assert frame.full_name("Trump", [*titled, _e("Donald Trump spoke.", 0.3, "y")]) == "Donald Trump"


def test_full_names_are_the_most_written_and_each_of_a_pair_is_written_in_full() -> None:
    kelces = [
        _e("Travis Kelce caught two passes.", 0.4, "a"),
        _e("Jason Kelce watched from the stands.", 0.3, "a"),
        _e("Taylor Swift cheered as Travis Kelce scored.", 0.3, "b"),
    ]
    assert frame.full_name("Kelce", kelces) == "Travis Kelce"  # named twice, the brother once
    assert frame.full_name("Swift and Kelce", kelces) == "Taylor Swift and Travis Kelce"
    # A contraction written in capitals is emphasis, not part of a name.
    shouting = [_e("The Vikings DIDN'T change their plan, the Vikings said.", 0.4, "a")]
    assert frame.full_name("Vikings", shouting) == "Vikings"
    # The engine passes the documents' other retrieved sentences to spell a name (``spelled``).
    short = [_e("Kelce scored twice.", 0.5, "a"), _e("Kelce was cheered on.", 0.4, "b")]
    assert frame.check_name("Kelce", "Who scored twice?", short, [*short, *kelces]).text == "Travis Kelce."


def test_the_evidence_name_drops_a_leading_title_initialism() -> None:
    q = "Who is the individual accused by prosecutors of fraud?"
    ev = [
        _e("Prosecutors accused former CEO Sam Bankman-Fried of fraud.", 0.50, "a"),
        _e("Bankman-Fried denied the fraud charges.", 0.45, "b"),
    ]
    assert frame.evidence_name(q, ev, instead_of="Caroline Ellison") == "Sam Bankman-Fried"

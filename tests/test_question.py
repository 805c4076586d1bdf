"""Reading a question's shape: yes/no, clauses, before/after relations, named years."""

from __future__ import annotations

from app.question import alternatives, clauses, is_yes_no, temporal_relation, years


def test_yes_no_questions() -> None:
    assert is_yes_no("Did Biden revoke the order before the talks ended?")
    assert is_yes_no("Between the two reports, was there a change in tone?")
    assert not is_yes_no("Why was DJI sanctioned?")


def test_a_wh_question_after_a_frame_is_not_yes_no() -> None:
    # The question proper after a leading frame opens with a wh-word asking for a thing, even when an
    # auxiliary follows an aside ("..., as both articles say, is ...").
    assert not is_yes_no(
        "Considering the reports from the Ledger and the Courier, which division, as mentioned in both, "
        "is responsible for the largest share of revenue?"
    )
    assert not is_yes_no("In which game, covered by the Herald, can you build a Barbarian?")
    # A wh-word before a verb opens a relative clause inside the frame: the question is still yes/no.
    assert is_yes_no("Considering the Ledger's report, which suggested a delay, did the Courier report one too?")
    assert is_yes_no("After the Ledger reported the delay, which surprised analysts, did the Courier confirm it?")
    assert is_yes_no("When the two papers reported the vote, did both name the same winner?")
    assert is_yes_no("After the vote, when they met, did the ministers agree?")
    assert not is_yes_no("Considering the Ledger's report and the Courier's, when did the vote take place?")


def test_an_order_question_has_a_relation_a_comparison_of_reports_does_not() -> None:
    a, rel, b = temporal_relation("Was DJI added to the Entity List before Treasury identified SenseTime?") or ("", "", "")
    assert rel == "before" and "DJI" in a and "SenseTime" in b
    assert temporal_relation("Had a court blocked Montana's ban by the time Biden signed the law?")
    # "agreement" is a deal, not the verb "agree" of a question comparing two reports.
    assert temporal_relation("Did Biden revoke the order before the talks over a security agreement had ended?")
    assert temporal_relation("Did the Verge agree with TechCrunch after the report of May 2?") is None
    for q in (
        "Has the refund policy, as reported by Sporting News, remained consistent after the article of October 24, 2023?",
        "Does the Sporting News article credit the Vikings' start after a 1-4 record, while CBSSports credits the defense?",
        "Did both articles state that the initiatives were launched after the summer?",
        "Did Polygon change its approach after publishing the Sorcerer guide on October 18th?",
    ):
        assert temporal_relation(q) is None, q


def test_years_and_clauses() -> None:
    assert years("What did officials say in 2020 and again in 2025?") == [2020, 2025]
    assert len(clauses("Did the House bill give ByteDance as much time as the law Biden signed in April?")) in (0, 2)
    # A second question joined by "and" is a clause of its own; a relative clause going on is not.
    assert clauses("To what date was the first prohibition pushed back, and what did the courts do with it?") == [
        "To what date was the first prohibition pushed back", "what did the courts do with it"]
    assert clauses("Which company has spent billions on search deals and is also accused of harming publishers?") == []


def test_either_or_questions_offer_their_own_two_answers() -> None:
    assert alternatives("Was the coverage of the game consistent or inconsistent between the two reports?") == ("consistent", "inconsistent")
    assert alternatives("Did the critics agree or disagree about the film?") == ("agree", "disagree")
    assert alternatives("Was the price more or less the same?") is None  # the idiom
    assert alternatives("Why was DJI sanctioned?") is None
    q = "Was the striker's form reported by the paper before or after the paper reported on the team's late win to maintain its lead?"
    a, rel, b = temporal_relation(q) or ("", "", "")
    assert rel == "either" and "striker" in a and "late win" in b  # "maintain" does not make it a comparison here
    assert not is_yes_no(q)


def test_a_question_asked_of_two_things_at_once_has_a_clause_for_each() -> None:
    # "A and B each ...": the same question of A, then of B (the two facts often sit in two documents).
    assert clauses("What deadlines did the August 2020 order and the 2024 Act each set?") == [
        "What deadlines did the August 2020 order set", "What deadlines did the 2024 Act set"]
    # "its" is the first thing's owner.
    assert clauses("In 2020, how did China's Foreign Ministry and its Commerce Ministry each respond to the ban?") == [
        "In 2020, how did China's Foreign Ministry respond to the ban", "In 2020, how did China's Commerce Ministry respond to the ban"]
    # "between A and B": one clause per end of the comparison.
    a, b = clauses("How did the company's tone change between its 2020 statement and its 2025 statement?")
    assert "2020 statement" in a and "2025" not in a and "2025 statement" in b and "2020" not in b
    # A plain "and" inside one thing is not two things.
    assert clauses("What did the House and Senate negotiators agree on?") == []


def test_a_comparison_and_a_subject_set_off_by_commas_have_two_clauses() -> None:
    a, b = clauses("How does the 2020 order's download figure compare with the number of users TikTok cited in 2025?")
    assert "download figure" in a and "users TikTok cited" in b
    # "Which N, <phrase>, <rest>?": the subject is asked about by the phrase and by the rest.
    assert clauses("Which company, named in the deal reviewed in September 2020, was again given a security role in 2025?") == [
        "Which company named in the deal reviewed in September 2020", "Which company was again given a security role in 2025"]
    assert clauses("Which company, in 2020, sold drones?") == []  # a short frame is no clause of its own

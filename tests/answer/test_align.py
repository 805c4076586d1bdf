"""Claims aligned with their evidence and checked there (real embedding model).

One test per normalisation and per kind of false claim: the writer's markers are hints,
numbers, dates and names must be in the evidence, and flips of meaning are caught."""

from __future__ import annotations

import pytest

from app.answer import compose
from app.answer.align import check_claim, evidence_names, flip, hard_checks, substitution
from app.answer.engine import prepare
from app.answer.evidence import SentenceVectors
from app.embedding import get_embedding
from app.settings import Settings
from app.types import Passage


def _p(text: str, publisher: str = "U.S. Department of Commerce", date: str = "2022-10-07", doc: str = "d1") -> Passage:
    return Passage("c", doc, f"{doc}.md", "Title", publisher, "press release", date, "", text, 0, len(text))


EVIDENCE = [
    _p("The Commerce Department added 31 Chinese entities to its Unverified List on October 7, 2022."),
    _p("It also removed nine entities from the list after their end uses were verified."),
    _p("YMTC was moved from the Unverified List to the Entity List in December 2022.", date="2022-12-16", doc="d2"),
    _p("The agency did not impose new penalties on the companies.", doc="d3"),
    _p("Shares of the chip maker fell sharply after the announcement in Beijing.", publisher="Reuters", doc="d4"),
]


@pytest.fixture(scope="module")
def vectors(sample: Settings) -> SentenceVectors:
    return SentenceVectors(get_embedding(sample))


def _check(claim: str, vectors: SentenceVectors, hint: list[int] | None = None, t: float = 0.55):
    return check_claim(claim, EVIDENCE, vectors, t, hint)


def test_true_claims_in_other_words_are_aligned_and_kept(vectors: SentenceVectors) -> None:
    cases = {
        "The US added 31 Chinese entities to its Unverified List on October 7, 2022.": 0,  # abbreviation + date
        "The U.S. Commerce Department took nine entities off the list.": 1,  # metadata names the publisher
        "Commerce removed 9 entities from the list.": 1,  # digits for a number word
        "YMTC was put on the Entity List in December 2022.": 2,
        "The Commerce Department added thirty-one Chinese entities to the Unverified List on 7 October 2022.": 0,
    }
    for claim, want in cases.items():
        c = _check(claim, vectors)
        assert c.supported, (claim, c)
        assert want in c.cites, (claim, c)


def test_a_wrong_marker_is_only_a_hint(vectors: SentenceVectors) -> None:
    c = _check("The US added 31 Chinese entities to its Unverified List on October 7, 2022.", vectors, hint=[4])
    assert c.supported and c.cites == [0]


def test_verbatim_quote_is_a_quote(vectors: SentenceVectors) -> None:
    c = _check(EVIDENCE[3].text, vectors)
    assert c.supported and c.kind == "quote" and c.cites == [3]


@pytest.mark.parametrize(
    ("claim", "reason"),
    [
        ("The Commerce Department added 36 Chinese entities to its Unverified List on October 7, 2022.", "number"),
        ("The Commerce Department added 31 Chinese entities to its Unverified List on October 9, 2022.", "date"),
        ("The Commerce Department added 31 Japanese entities to its Unverified List on October 7, 2022.", "name"),
        ("YMTC's status changed from the Entity List to the Unverified List.", "revers"),
        ("The agency imposed new penalties on the companies.", "negation"),
        ("The Commerce Department removed 31 Chinese entities from its Unverified List on October 7, 2022.", "says"),
        ("The capital of France is Paris.", ""),
    ],
)
def test_false_claims_are_dropped_with_a_reason(vectors: SentenceVectors, claim: str, reason: str) -> None:
    c = _check(claim, vectors)
    assert not c.supported, c
    assert reason in c.reason, c


def test_flip_rules() -> None:
    assert flip("YMTC's status changed from unverified to verified.", "YMTC moved from verified to unverified status.")
    assert "unverified" in flip("The end uses were verified.", "The end uses remained unverified.")
    assert flip("The court did not uphold the law.", "The court upheld the law.")  # a negative claim needs a negation
    assert flip("The bill passed.", "The bill passed the House.") == ""
    # A bound is not a negation: "not later than 90 days", "a period not to exceed 30 days".
    bound = "ByteDance shall divest not later than 90 days after the order, unless extended for a period not to exceed 30 days."
    assert flip("ByteDance had 90 days to divest, extendable by 30 days.", bound) == ""
    assert flip("The fine may not exceed $1 million.", "The fine is capped: it may not exceed $1 million.") == ""
    assert flip("ByteDance did not have to divest.", bound)  # a real negation still counts
    # ... but dropping the "not" of a bound flips it.
    assert "not until" in flip("It was until the judge intervened that he admitted it.", "It was not until the judge intervened that he admitted it.")
    assert flip("The extension may exceed 30 days.", bound)
    # A contrast denies what follows it, one word: "strict, rather than intermediate, scrutiny".
    contrast = "The panel held that strict, rather than intermediate, scrutiny applied to the statute."
    assert "intermediate" in flip("The panel applied intermediate scrutiny to the statute.", contrast)
    assert flip("The panel held that strict scrutiny applied to the statute.", contrast) == ""
    assert "comply" in flip("The firm complied with the order.", "The firm sued the agency instead of complying with the order.")
    # A condition asserts nothing, but a claim that keeps it keeps its negation ("fails to" is one too).
    cond = "The bill would ban the app if its owner does not divest from it."
    assert "condition" in flip("The bill would ban the app if its owner does divest from it.", cond)
    assert flip("The bill would ban the app if its owner fails to divest from it.", cond) == ""
    assert flip("The owner must divest or the app will be banned.", cond) == ""
    # One negation more than the evidence, a word said once more and its opposite once less, a range reversed.
    assert flip('The changes are not "not targeted at specific firms."', 'The changes are "not targeted at specific firms."')
    assert "sell" in flip("Customers came to buy and buy shares.", "Customers came to buy and sell shares.")
    assert "direction" in flip("The store opens from 9pm to 6am.", "The store opens from 6am to 9pm.")
    assert "weak" in flip("It is a weak stand for free speech.", "It is a strong stand for free speech.")


def test_metadata_counts_as_evidence_for_attribution(vectors: SentenceVectors) -> None:
    c = _check("According to Reuters, shares of the chip maker fell sharply after the announcement.", vectors)
    assert c.supported and c.cites == [4]


def test_a_count_is_not_supported_by_the_day_of_a_date() -> None:
    e = _p("On September 18, 2020, the Secretary listed five transactions, and on September 19, revised the list.")
    assert "number not in its evidence: 19" in hard_checks("On September 18, 2020, the Secretary listed nineteen transactions.", [e])
    assert "number not in its evidence: 19" in hard_checks("The Secretary listed 19 transactions on September 18, 2020.", [e])
    assert hard_checks("The Secretary listed five transactions on September 18, 2020.", [e]) == ""
    assert hard_checks("On September 19, the Secretary revised the list.", [e]) == ""


def test_a_copied_sentence_with_one_name_or_date_put_for_another_is_refused() -> None:
    pool = [_p("Israel said on Monday that the talks in Cairo would go on."), _p("DJI makes drones in Shenzhen.")]
    names = evidence_names(pool)
    crisis = "There was Covid and then there was a crisis in high-tech that led to reduced spending."
    assert "says 'Israel' where its evidence says 'Covid'" in substitution(crisis.replace("Covid", "Israel"), crisis, names)
    drones = "DJI is one of the biggest drone companies in the world."
    assert "where its evidence says 'DJI'" in substitution(drones.replace("DJI", "Shenzhen"), drones, names)
    results = "Kroll reviewed the previous set of results (to end of March 2023)."
    assert "says 'December'" in substitution(results.replace("March", "December"), results, names)
    order = "By the authority vested in me as President by the Constitution of the United States."
    assert substitution(order.replace("President", "IEEPA"), order, names)
    # Allowed: a role written as its holder, a pronoun or a weekday resolved, an alias, a reordered name.
    assert substitution("Trump said the ban would start soon.", "The President said the ban would start soon.", names) == ""
    assert substitution("Gao Feng said the rules are routine.", "He said the rules are routine.", names) == ""
    assert substitution("On March 13, 2024, the House passed the bill.", "On Wednesday, the House passed the bill.", names) == ""
    assert substitution("The U.S. said the rules are routine.", "The United States said the rules are routine.", names) == ""
    assert substitution(
        "The Commerce Ministry said the rules are routine.", "The Ministry of Commerce said the rules are routine.", names
    ) == ""
    assert substitution("In 2024 the House passed the bill.", "Last year the House passed the bill.", names) == ""


def test_a_copied_sentence_that_says_otherwise_is_final(vectors: SentenceVectors) -> None:
    opposes = "China opposes practices that undermine the basic principles of a market economy, He noted."
    other = "China supports the legitimate rights and interests of enterprises and the basic principles of trade."
    claim = opposes.replace("opposes", "supports")
    assert "says 'supports' where its evidence says 'opposes'" in substitution(claim, opposes, set())
    # The sentence the claim copies contradicts it: a weaker sentence with the word does not rescue it.
    c = check_claim(claim, [_p(other, doc="a"), _p(opposes, doc="b")], vectors, 0.55)
    assert not c.supported and "says 'supports' where" in c.reason, c


def test_a_report_date_supports_the_year_its_sentence_says_not_its_own() -> None:
    last_year = _p("Last year, the US government added the firm to the Entity List.", date="2021-12")
    assert "date not in its evidence: 2021" in hard_checks("The firm was added to the Entity List in 2021.", [last_year])
    assert hard_checks("The firm was added to the Entity List in 2020.", [last_year]) == ""
    plain = _p("On Thursday, the US government added the firm to the Entity List.", date="2021-12-16")
    assert hard_checks("The firm was added to the Entity List on December 16, 2021.", [plain]) == ""


def test_assemble_renumbers_and_a_yes_no_verdict_needs_verified_facts(sample: Settings) -> None:
    p = prepare("Why was DJI sanctioned?", sample, None, None)
    assert len(p.evidence) >= 2
    good = p.evidence[1].passage.text
    text = f"Yes. The capital of France is Paris [1]. {good} [2]. DJI paid a fine of 400 million dollars [2]."
    draft = compose.parse_writer_draft(text, len(p.evidence), yes_no=True)
    assert draft.verdict == "yes"
    passages = [e.passage for e in p.evidence]
    checks = [check_claim(d.claim, passages, p.vectors, sample.support_threshold, d.cites) for d in draft.sentences]
    built = compose.assemble(draft, checks, p.evidence, needs_facts=1)
    kept = [s for s in built.sentences if s.supported]
    assert [s.kind for s in kept] == ["inference", "quote"]
    assert built.direct == "Yes." and built.answer.startswith("Yes.")
    assert [c.n for c in built.citations] == [1] and built.citations[0].text == good
    assert "Paris" not in built.answer and "400 million" not in built.answer
    two = compose.assemble(draft, checks, p.evidence, needs_facts=2)
    assert two.direct == "" and not two.sentences[0].supported  # one verified fact cannot carry a comparison
    # The same verified sentence drafted twice is shown once.
    again = compose.parse_writer_draft(f"{good} [2]. {good} [2].", len(p.evidence), yes_no=False)
    twice = [check_claim(d.claim, passages, p.vectors, sample.support_threshold, d.cites) for d in again.sentences]
    once = compose.assemble(again, twice, p.evidence)
    assert len([s for s in once.sentences if s.supported]) == 1 and once.answer.count(good) == 1


def test_the_questions_own_designation_of_the_subject_is_a_premise_not_a_claim() -> None:
    q = "What deadlines did the August 2020 presidential order and the 2024 Act each set?"
    court = _p("Because the Act itself designates the applications, its prohibitions take effect 270 days after enactment.", date="2025-01-17")
    claim = "The 2024 Act set a deadline of 270 days after enactment."
    assert "2024" in hard_checks(claim, [court])  # checked on its own, the year is missing
    assert hard_checks(claim, [court], premises=q) == ""  # "2024 Act" is how the question names the Act
    # The claim's own numbers are still checked, and so are its names.
    assert "90" in hard_checks("The 2024 Act set a deadline of 90 days.", [court], premises=q)
    assert "Senate" in hard_checks("The 2024 Act set a Senate deadline of 270 days.", [court], premises=q)
    # A year that is the claim's own statement, not part of the question's name for its subject, stays checked.
    assert "2024" in hard_checks("The Act took effect 270 days after enactment in 2024.", [court], premises=q)


def test_the_publisher_is_not_made_the_actor_of_what_a_named_person_did() -> None:
    """A court's opinion says "President Trump ordered ...": the court did not order it. The publisher's name
    still supports a claim that reports ("According to the Supreme Court, ...") or names it as the actor of a
    sentence that names no one else."""
    opinion = _p(
        "Just days after issuing his initial Executive Order, President Trump ordered ByteDance Ltd. to divest "
        "all interests in the United States.", publisher="Supreme Court of the United States", date="2025-01-17",
    )
    assert "name not in its evidence: Supreme, Court" in hard_checks(
        "The Supreme Court of the United States issued an Executive Order on January 17, 2025.", [opinion]
    )
    assert hard_checks("According to the Supreme Court, President Trump ordered ByteDance Ltd. to divest.", [opinion]) == ""
    assert hard_checks("President Trump ordered ByteDance Ltd. to divest its interests in the United States.", [opinion]) == ""
    release = _p("The Commerce Department added 31 Chinese entities to its Unverified List on October 7, 2022.")
    assert hard_checks("The U.S. Department of Commerce added 31 Chinese entities on October 7, 2022.", [release]) == ""


def test_the_publisher_is_not_made_the_holder_of_a_persons_view() -> None:
    """"In his view, the Act was subject to intermediate scrutiny" in a Supreme Court opinion is a judge's
    view: it does not support "The Supreme Court applied intermediate scrutiny" (seen on the dev corpus,
    where the opinion says the Court did no such thing). A claim that reports the view still stands."""
    opinion = _p(
        "In his view, the Act was subject to intermediate scrutiny, id., at 974–979, and was constitutional "
        "under that standard.", publisher="Supreme Court of the United States", date="2025-01-17",
    )
    assert "name not in its evidence: Supreme, Court" in hard_checks(
        "The Supreme Court itself applied intermediate scrutiny to the Act.", [opinion]
    )
    assert hard_checks("According to the Supreme Court, the Act was subject to intermediate scrutiny.", [opinion]) == ""
    she = _p("She said the agency would review the list.", publisher="U.S. Department of Commerce")
    assert "name not in its evidence" in hard_checks("The U.S. Department of Commerce reviewed the list.", [she])


def test_a_weekday_in_the_sentence_dates_the_event_not_the_report() -> None:
    """"Trump signed an executive order on Monday" in a report of Thursday 2025-01-23: the order is of
    Monday 2025-01-20. The report's own date does not support "on January 23, 2025" (a writer's claim
    accepted before, on the dev corpus); the resolved Monday and the year do."""
    report = _p(
        "Trump signed an executive order on Monday seeking to delay by 75 days the enforcement of a ban of "
        "TikTok that was slated to be shuttered on January 19, Reuters reported.", publisher="Pakistan Today", date="2025-01-23",
    )
    assert "date not in its evidence" in hard_checks("Trump signed an executive order on January 23, 2025, to delay enforcement.", [report])
    assert hard_checks("Trump signed an executive order on January 20, 2025, to delay enforcement.", [report]) == ""
    assert hard_checks("Trump signed an executive order in 2025 to delay enforcement by 75 days.", [report]) == ""

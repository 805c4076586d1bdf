"""Answerability checks and the evidence rules behind them (question parsing, lists, sentence pieces)."""

from __future__ import annotations

from app.answer.answerability import asked_title, counted_noun, officeholder_named, quantity_of
from app.answer.engine import ask
from app.answer.evidence import ENUMERATION, answer_type, asks_for_list, split_passage, unique_sentences
from app.answer.text import stem
from app.settings import Settings
from app.types import Passage

TREASURY_LIST = (
    "The entities identified today are Cloudwalk Technology Co., Ltd.; Dawning Information Industry Co., Ltd.; "
    "Leon Technology Company Limited; Megvii Technology Limited; and Yitu Limited."
)


def _p(text: str, start: int = 0, doc: str = "d1") -> Passage:
    return Passage("c", doc, "x.md", "T", "Pub", "news", "2021-12-16", "", text, start, start + len(text))


def test_counted_thing_and_a_number_next_to_it() -> None:
    assert counted_noun("How many Chinese firms besides DJI were covered?") == "firms"
    assert counted_noun("According to Treasury, how many Uyghurs and others were detained?") == "uyghurs"
    assert counted_noun("and how many days apart were they?") == "days"
    assert quantity_of("firms", "along with seven other Chinese firms")
    assert quantity_of("Uyghurs", "detained between 1 million and 1.8 million Uyghurs")
    assert not quantity_of("drones", "DJI has provided drones to the Xinjiang Public Security Bureau")


def test_deputy_is_not_the_officeholder() -> None:
    title = asked_title("Who was the US Secretary of the Treasury when DJI was identified?")
    assert title == "Secretary of the Treasury"
    assert not officeholder_named(title, ["said Deputy Secretary of the Treasury Wally Adeyemo", "Statement of the Secretary of Commerce"])
    assert officeholder_named(title, ["Secretary of the Treasury Janet Yellen said"])
    assert asked_title("What did DJI say?") == ""


def test_list_questions_and_enumerations() -> None:
    assert asks_for_list("Which eight Chinese firms did Treasury identify?")
    assert answer_type("Which media outlet does the article credit?") == "media outlet"
    assert not asks_for_list("Which media outlet does the article credit?")
    assert not asks_for_list("What did China's Foreign Ministry say?")
    assert ENUMERATION.search(TREASURY_LIST)
    assert not ENUMERATION.search("OFAC identified eight Chinese technology firms pursuant to Executive Order (E.O.) 13959, as amended.")


def test_stem_undoubles_consonants() -> None:
    assert stem("banned") == stem("ban") == "ban"
    assert stem("called") == "call" and stem("passed") == "pass"


def test_sentence_referring_back_is_kept_with_its_antecedent() -> None:
    text = "Chen Quanguo stepped up surveillance measures in Xinjiang. Such actions included police kiosks and cameras."
    pieces = split_passage(_p(text))
    assert [p.text for p in pieces] == [text]


def test_a_quote_paragraph_without_attribution_goes_on_with_the_speaker_before_it() -> None:
    said = "\u201cIn agreement with our service providers, we are restoring service,\u201d the company said in a statement."
    quote = "\u201cWe thank the mayor for the assurance that providers will face no penalties.\u201d"
    text = f"{said}\n\n{quote}\n\nThe city council meets again on Monday to discuss the rules."
    pieces = split_passage(_p(text))
    assert [p.text for p in pieces] == [f"{said}\n\n{quote}", "The city council meets again on Monday to discuss the rules."]
    # A quote paragraph with its own speaker stands alone.
    own = "\u201cWe will appeal the ruling in the coming weeks,\u201d the mayor told reporters on Friday."
    pieces = split_passage(_p(f"{said}\n\n{own}"))
    assert [p.text for p in pieces] == [said, own]


def test_piece_of_a_sentence_cut_by_a_chunk_edge_yields_to_the_whole_sentence() -> None:
    whole = _p(TREASURY_LIST, start=100)
    cut = _p(TREASURY_LIST[:60].rsplit(" ", 1)[0] + " Ltd.", start=100)  # a chunk ending inside the sentence
    found = unique_sentences([cut, whole])
    assert [s.text for s in found] == [TREASURY_LIST]


def test_near_topic_questions_abstain_with_a_reason(sample: Settings) -> None:
    drones = ask("How many drones did DJI supply to the Xinjiang Public Security Bureau?", sample)
    assert drones.abstained
    assert any("how many drones" in n for n in drones.notes), drones.notes
    share = ask("What share of the global drone market does DJI hold?", sample)
    assert share.abstained
    firms = ask("Which eight Chinese firms did Treasury identify on December 16, 2021?", sample)
    assert not firms.abstained
    assert all(name in firms.answer for name in ("Cloudwalk", "Megvii", "Yitu"))

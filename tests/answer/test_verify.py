"""The verifier removes what the cited passage does not support (real embedding model)."""

from __future__ import annotations

from app.answer import compose
from app.answer.engine import prepare
from app.answer.evidence import SentenceVectors
from app.answer.verify import verify_sentence
from app.embedding import get_embedding
from app.settings import Settings
from app.types import Passage


def _passage(text: str) -> Passage:
    return Passage("c1", "d1", "treasury.md", "T", "U.S. Department of the Treasury", "official statement", "2021-12-16", "", text, 0, len(text))


PASSAGE = _passage("SZ DJI has provided drones to the Xinjiang Public Security Bureau, which are used to surveil Uyghurs in Xinjiang.")


def test_supported_paraphrase_passes_and_verbatim_quote_scores_one(sample: Settings) -> None:
    vectors = SentenceVectors(get_embedding(sample))
    ok = verify_sentence("DJI provided drones to the Xinjiang Public Security Bureau to surveil Uyghurs.", [PASSAGE], vectors, sample.support_threshold)
    assert ok.supported, ok
    quote = verify_sentence(PASSAGE.text, [PASSAGE], vectors, sample.support_threshold)
    assert quote.supported and quote.score == 1.0


def test_hallucinated_sentence_and_wrong_number_are_removed(sample: Settings) -> None:
    vectors = SentenceVectors(get_embedding(sample))
    t = sample.support_threshold
    invented = verify_sentence("China's Human Rights Commission reported that DJI is innocent.", [PASSAGE], vectors, t)
    assert not invented.supported and "name not in the cited passage" in invented.reason
    off_topic = verify_sentence("The capital of France is Paris.", [PASSAGE], vectors, t)
    assert not off_topic.supported
    wrong_number = verify_sentence(
        "Xinjiang authorities detained 3 million Uyghurs.",
        [_passage("Xinjiang authorities have arbitrarily detained between 1 million and 1.8 million Uyghurs.")],
        vectors,
        t,
    )
    assert not wrong_number.supported and "number" in wrong_number.reason


def test_finalize_drops_bad_sentences_and_renumbers(sample: Settings) -> None:
    p = prepare("Why was DJI sanctioned?", sample, None, None)
    assert len(p.evidence) >= 2
    good = p.evidence[1].passage.text
    llm_text = f"The capital of France is Paris [1]. {good} [2]. DJI paid a fine of 400 million dollars [2]."
    drafts = compose.parse_llm_draft(llm_text, len(p.evidence))
    final = compose.finalize(drafts, p.evidence, p.vectors, sample.support_threshold)
    kept = [s for s in final.sentences if s.supported]
    dropped = [s for s in final.sentences if not s.supported]
    assert len(kept) == 1 and len(dropped) == 2
    assert [c.n for c in final.citations] == [1]  # renumbered from [2] to [1], unused evidence not listed
    assert final.citations[0].text == good
    assert "Paris" not in final.answer and "400 million" not in final.answer


def test_unmarked_sentence_gets_a_citation_only_when_clearly_supported(sample: Settings) -> None:
    p = prepare("Why was DJI sanctioned?", sample, None, None)
    text = p.evidence[0].passage.text
    drafts = compose.parse_llm_draft(f"{text} Drones are popular with hobbyists worldwide.", len(p.evidence))
    final = compose.finalize(drafts, p.evidence, p.vectors, sample.support_threshold)
    assert [s.supported for s in final.sentences] == [True, False]
    assert final.sentences[0].citations == [1]

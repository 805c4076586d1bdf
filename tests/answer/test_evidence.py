"""Evidence sentences scored against the question (real embedding model)."""

from __future__ import annotations

import numpy as np

from app.answer.evidence import Evidence, SentenceVectors, score_sentences, select, states_a_day
from app.embedding import get_embedding
from app.settings import Settings
from app.types import Passage


def _chunk(text: str, title: str, doc: str) -> Passage:
    return Passage(f"{doc}:0", doc, f"{doc}.md", title, "Publisher", "news article", "2023-05-17", "", text, 0, len(text))


def test_a_sentence_is_read_under_its_documents_title(sample: Settings) -> None:
    """A sentence that names its subject only in its document's title ("The ban ... takes effect Jan. 1,
    2024" under "Montana governor signs TikTok ban") is scored as read under that title: it is lifted
    above the same sentence under an unrelated title, and its score is the mean of the two readings."""
    embedding = get_embedding(sample)
    vectors = SentenceVectors(embedding)
    question = "When was Montana's TikTok ban scheduled to take effect?"
    sentence = "The ban, which the governor's office said was the first of its kind, is set to take effect Jan. 1, 2024."
    montana = _chunk(sentence, "Montana governor signs TikTok ban", "a")
    other = _chunk(sentence, "Quarterly earnings of a shipping company", "b")
    q_vecs = np.asarray(embedding.encode([question]), dtype=np.float32)
    scored = {e.passage.doc_id: e for e in score_sentences(question, q_vecs, [montana, other], vectors)}
    assert scored["a"].score > scored["b"].score
    alone, titled = vectors.get([sentence, f"{montana.title}: {sentence}"])
    assert abs(scored["a"].dense - float((alone @ q_vecs[0] + titled @ q_vecs[0]) / 2)) < 1e-5


def _ev(text: str, part_scores: tuple[float, ...], seed: int) -> Evidence:
    v = np.random.default_rng(seed).normal(size=384).astype(np.float32)
    p = _chunk(text, "Title", f"d{seed}")
    return Evidence(p, max(part_scores), max(part_scores), 0.0, v / np.linalg.norm(v), part_scores=part_scores)


def test_a_clause_of_a_temporal_question_takes_a_sentence_that_states_a_day() -> None:
    """"Was the ban to take effect before the House passed the bill?": the clause's sentence is the best one
    that places the event on a day ("set to take effect Jan. 1, 2024"), not a better-scored one with no
    date; without a dated sentence the best one stands."""
    undated = _ev("Montana's ban on TikTok was signed by the governor, who called it a first.", (0.8, 0.1), 1)
    dated = _ev("The ban is set to take effect Jan. 1, 2024, unless it is blocked in court.", (0.6, 0.1), 2)
    house = _ev("The House passed the bill on Wednesday by a vote of 352 to 65.", (0.1, 0.7), 3)
    scored = [undated, dated, house]
    plain = select(scored, 2, 0.3, parts=2)
    assert plain[0] is undated
    for e in scored:
        e.part = -1
    chosen = select(scored, 2, 0.3, parts=2, part_tests={0: states_a_day, 1: states_a_day})
    assert dated in chosen and house in chosen and undated not in chosen
    assert states_a_day("TikTok began restoring its service Sunday.") and not states_a_day("It happened in 2024.")

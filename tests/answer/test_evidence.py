"""Evidence sentences scored against the question (real embedding model)."""

from __future__ import annotations

import numpy as np

from app.answer.evidence import SentenceVectors, score_sentences
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

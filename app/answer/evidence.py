"""Evidence: the sentences of the retrieved chunks that best answer the question.

Each retrieved chunk is split into sentences with their offsets in the document;
each sentence is scored against the question by embedding similarity plus lexical
overlap (content words, numbers, names), and the best few are kept with diversity
across sources. Evidence sentences are what answers quote and cite.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from app.answer.text import content_words, names, numbers, overlap, sentence_spans
from app.types import Passage

W_DENSE = 0.6
W_LEXICAL = 0.4
DUPLICATE_COSINE = 0.92


@dataclass
class Evidence:
    passage: Passage  # the sentence: text, doc offsets, document metadata
    score: float
    dense: float
    lexical: float
    vector: Any  # normalised embedding of the sentence


class SentenceVectors:
    """LRU cache of sentence embeddings keyed by their text; repeated passages embed once."""

    def __init__(self, embedding: Any, capacity: int = 50_000) -> None:
        self.embedding = embedding
        self.capacity = capacity
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            vecs = np.asarray(self.embedding.encode(missing), dtype=np.float32)
            with self._lock:
                for t, v in zip(missing, vecs, strict=True):
                    self._cache[t] = v
                while len(self._cache) > self.capacity:
                    self._cache.popitem(last=False)
        with self._lock:
            for t in texts:
                if t in self._cache:
                    self._cache.move_to_end(t)
            return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 384), dtype=np.float32)


def split_passage(p: Passage) -> list[Passage]:
    """The sentences of a chunk as passages with document offsets."""
    out = []
    for s, e in sentence_spans(p.text):
        text = p.text[s:e]
        if len(text) < 12 or text.strip() == "[...]":
            continue
        out.append(replace(p, text=text, start=p.start + s, end=p.start + e))
    return out


def question_focus(question: str) -> str:
    q = question.strip().lower()
    if re.match(r"^(when|what (day|date|year|month))\b", q):
        return "date"
    if re.match(r"^(how many|how much|what (number|percentage|amount))\b", q):
        return "number"
    return ""


DATE_RE = re.compile(
    r"\b(19|20)\d{2}\b|\b(January|February|March|April|May|June|July|August|September|October|November|December)\b"
    r"|\b(today|yesterday|last year|this week|on (Monday|Tuesday|Wednesday|Thursday|Friday))\b",
    re.IGNORECASE,
)


def lexical_score(question: str, sentence: str, q_terms: set[str], q_names: set[str], q_nums: set[str]) -> float:
    s_terms = content_words(sentence)
    score = overlap(q_terms, s_terms)
    if q_names:
        score = 0.7 * score + 0.3 * overlap(q_names, s_terms)
    if q_nums and not q_nums & numbers(sentence):
        score *= 0.7
    focus = question_focus(question)
    if focus == "date" and DATE_RE.search(sentence):
        score += 0.25
    elif focus == "number" and re.search(r"\d", sentence):
        score += 0.2
    return min(score, 1.0)


def score_sentences(question: str, q_vec: np.ndarray, chunks: list[Passage], vectors: SentenceVectors) -> list[Evidence]:
    sentences: list[Passage] = []
    seen: set[tuple[str, int]] = set()
    for p in chunks:
        for s in split_passage(p):
            key = (s.doc_id, s.start)
            if key not in seen:  # overlapping chunks repeat sentences
                seen.add(key)
                sentences.append(s)
    if not sentences:
        return []
    mat = vectors.get([s.text for s in sentences])
    dense = mat @ q_vec
    q_terms, q_names, q_nums = content_words(question), names(question), numbers(question)
    out = []
    for s, d, v in zip(sentences, dense, mat, strict=True):
        lex = lexical_score(question, s.text, q_terms, q_names, q_nums)
        score = W_DENSE * float(d) + W_LEXICAL * lex
        out.append(Evidence(passage=replace(s, score=score), score=score, dense=float(d), lexical=lex, vector=v))
    out.sort(key=lambda e: e.score, reverse=True)
    return out


def select(scored: list[Evidence], k: int, min_score: float) -> list[Evidence]:
    """Best ``k`` sentences above ``min_score``, skipping near-duplicates, spreading across sources."""
    chosen: list[Evidence] = []
    per_doc: dict[str, int] = {}
    for e in scored:
        if e.score < min_score or len(chosen) >= k:
            break
        if any(float(e.vector @ c.vector) > DUPLICATE_COSINE for c in chosen):
            continue
        # Diversity: a document's third sentence must clearly beat what other sources offer.
        if per_doc.get(e.passage.doc_id, 0) >= 2 and any(o.passage.doc_id not in per_doc for o in scored[:20]):
            continue
        chosen.append(e)
        per_doc[e.passage.doc_id] = per_doc.get(e.passage.doc_id, 0) + 1
    return chosen

"""``ask``: question -> retrieve -> evidence -> draft -> verify -> ``Answer``.

The one function every front end calls (``ask`` for a finished answer,
``ask_stream`` for partial text followed by the final verified ``Answer``).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from app.answer import compose, prompts
from app.answer.answerability import assess
from app.answer.evidence import (
    Evidence,
    SentenceVectors,
    asks_for_list,
    score_sentences,
    select,
    split_passage,
    split_question,
)
from app.answer.llm import LLMUnavailable, complete, get_llm
from app.answer.text import content_words
from app.retrieve import Filters, get_retriever
from app.settings import Settings, get_settings
from app.types import ABSTAIN_TEXT, Answer, Citation

MAX_QUESTION_CHARS = 1000
RELATED_SHOWN = 3
SPARE_CHUNKS = 3
SUPPORTING_RATIO = 0.6  # supporting sentences must score at least this share of the lead's score
FOLLOW_UP = re.compile(r"\b(it|its|they|them|their|this|that|these|those|he|she|his|her|the company|the firm)\b", re.I)


class AskError(ValueError):
    """A question Dossier cannot run (empty, no index); the message is for the analyst."""


_vec_lock = threading.Lock()
_vectors: dict[int, SentenceVectors] = {}


def _sentence_vectors(embedding: object) -> SentenceVectors:
    with _vec_lock:
        key = id(embedding)
        if key not in _vectors:
            _vectors[key] = SentenceVectors(embedding)
        return _vectors[key]


@dataclass
class Prepared:
    question: str
    standalone: str
    evidence: list[Evidence]
    scored: list[Evidence]
    vectors: SentenceVectors
    timings: dict[str, float]
    notes: list[str]
    t0: float
    confidence: float
    doubts: list[str]  # why confidence was lowered (shown when Dossier abstains)


def clean_question(question: str, notes: list[str]) -> str:
    q = " ".join((question or "").split())
    if not q:
        raise AskError("the question is empty; type a question about the documents")
    if len(q) > MAX_QUESTION_CHARS:
        notes.append(f"the question was {len(q)} characters long; only the first {MAX_QUESTION_CHARS} were used")
        q = q[:MAX_QUESTION_CHARS]
    return q


def standalone_question(question: str, history: list[tuple[str, str]], settings: Settings) -> str:
    """Rewrite a follow-up into a standalone question: by the LLM when one is set, else by carrying key terms."""
    if not history:
        return question
    llm = get_llm(settings)
    if llm is not None:
        try:
            text = complete(llm, prompts.condense_messages(question, history)).strip().splitlines()
            if text and text[0].strip():
                return text[0].strip()[:MAX_QUESTION_CHARS]
        except LLMUnavailable:
            pass
    previous = history[-1][0]
    if not FOLLOW_UP.search(question) and len(content_words(question)) >= 4:
        return question
    have = {w.lower() for w in re.findall(r"\w+", question)}
    carried = [w for w in re.findall(r"[A-Za-z][\w\-]+", previous) if w.lower() not in have and (w[0].isupper() or w.lower() in {x.lower() for x in content_words(previous)})]
    carried = [w for w in dict.fromkeys(carried) if w.lower() not in {"what", "why", "when", "who", "how", "which", "where"}]
    return f"{question} ({' '.join(carried)})" if carried else question


def prepare(
    question: str,
    settings: Settings,
    filters: Filters | None,
    history: list[tuple[str, str]] | None,
) -> Prepared:
    t0 = time.perf_counter()
    notes: list[str] = []
    q = clean_question(question, notes)
    standalone = standalone_question(q, history or [], settings)
    timings: dict[str, float] = {}
    retriever = get_retriever(settings)
    # A few spare chunks stand in for any chunk with no usable sentence (only headings, or only text
    # addressed to a model, which split_passage drops): such a chunk must not take an evidence slot.
    found = retriever.retrieve(standalone, filters=filters, top_k=settings.top_k + SPARE_CHUNKS, timings=timings)
    chunks = [c for c in found if split_passage(c)][: settings.top_k]
    t1 = time.perf_counter()
    vectors = _sentence_vectors(retriever.embedding)
    parts = split_question(standalone)
    q_vecs = np.asarray(retriever.embedding.encode([standalone, *parts] if len(parts) > 1 else [standalone]), dtype=np.float32)
    scored = score_sentences(standalone, q_vecs, chunks, vectors)
    verdict = assess(standalone, chunks, scored)
    confidence = verdict.confidence
    threshold = settings.abstain_threshold_long if verdict.long_question else settings.abstain_threshold
    evidence: list[Evidence] = []
    if confidence >= threshold:
        evidence = select(
            scored,
            settings.max_evidence,
            threshold * 0.8,
            len(parts),
            asks_for_list(standalone),
            [set(g) for g in dict.fromkeys(tuple(sq.filters.publishers) for sq in retriever.sub_queries(standalone, filters or Filters()))],
        )
        # Keep supporting sentences only when they are close to the lead, not everything above the bar;
        # sentences chosen for a part of the question (or as its list of names) always stay.
        floor = evidence[0].score * SUPPORTING_RATIO if evidence else 0.0
        kept = [e for i, e in enumerate(evidence) if i == 0 or e.score >= floor or e.part >= 0]
        evidence = kept
    timings["evidence_ms"] = round((time.perf_counter() - t1) * 1000, 2)
    return Prepared(q, standalone, evidence, scored, vectors, timings, notes, t0, confidence, verdict.reasons)


def _abstain(p: Prepared, mode: str, reason_note: str = "") -> Answer:
    related = [Citation.from_passage(i + 1, e.passage) for i, e in enumerate(p.scored[:RELATED_SHOWN])]
    notes = [*p.notes, reason_note] if reason_note else list(p.notes)
    notes.extend(p.doubts)
    return Answer(
        question=p.question,
        answer=ABSTAIN_TEXT,
        abstained=True,
        related=related,
        timings=p.timings,
        mode=mode,
        notes=notes,
        standalone_question=p.standalone,
    )


def _finish(p: Prepared, answer: Answer, t_answer: float) -> Answer:
    answer.confidence = round(p.confidence, 4)
    answer.timings["answer_ms"] = round((time.perf_counter() - t_answer) * 1000, 2)
    answer.timings["total_ms"] = round((time.perf_counter() - p.t0) * 1000, 2)
    return answer


def _extractive(p: Prepared, settings: Settings, mode: str = "extractive") -> Answer:
    final = compose.finalize(compose.extractive_draft(p.evidence), p.evidence, p.vectors, settings.support_threshold)
    if not final.citations:
        return _abstain(p, mode)
    return Answer(
        question=p.question,
        answer=final.answer,
        abstained=False,
        citations=final.citations,
        sentences=final.sentences,
        timings=p.timings,
        mode=mode,
        notes=p.notes,
        standalone_question=p.standalone,
    )


def _from_llm_text(p: Prepared, text: str, settings: Settings, mode: str) -> Answer:
    if prompts.NO_ANSWER_TOKEN in text:
        return _abstain(p, mode, "the LLM found that the evidence does not answer the question")
    drafts = compose.parse_llm_draft(text, len(p.evidence))
    final = compose.finalize(drafts, p.evidence, p.vectors, settings.support_threshold)
    if not final.citations:
        fallback = _extractive(p, settings, mode)
        fallback.sentences = final.sentences + fallback.sentences
        fallback.notes = [*fallback.notes, "no sentence of the LLM's answer was supported by the evidence; showing the evidence instead"]
        return fallback
    return Answer(
        question=p.question,
        answer=final.answer,
        abstained=False,
        citations=final.citations,
        sentences=final.sentences,
        timings=p.timings,
        mode=mode,
        notes=p.notes,
        standalone_question=p.standalone,
    )


def ask_stream(
    question: str,
    settings: Settings | None = None,
    filters: Filters | None = None,
    history: list[tuple[str, str]] | None = None,
) -> Iterator[str | Answer]:
    """Yields partial answer text (str) as it is produced, then the final verified ``Answer``."""
    settings = settings or get_settings()
    p = prepare(question, settings, filters, history)
    t_answer = time.perf_counter()
    mode = settings.llm
    if not p.evidence:
        yield _finish(p, _abstain(p, mode), t_answer)
        return
    llm = get_llm(settings)
    if llm is None:
        answer = _extractive(p, settings)
        shown = ""
        for s in answer.sentences:
            if s.supported:
                shown = f"{shown} {s.text}".strip()
                yield shown
        yield _finish(p, answer, t_answer)
        return
    text = ""
    try:
        for i, piece in enumerate(llm.stream(prompts.answer_messages(p.standalone, [e.passage for e in p.evidence]))):
            if i == 0:
                p.timings["first_token_ms"] = round((time.perf_counter() - p.t0) * 1000, 2)
            text += piece
            yield text
    except LLMUnavailable as exc:
        answer = _extractive(p, settings, mode)
        answer.notes = [*answer.notes, f"{exc}; showing the extractive answer instead"]
        yield _finish(p, answer, t_answer)
        return
    yield _finish(p, _from_llm_text(p, text, settings, mode), t_answer)


def ask(
    question: str,
    settings: Settings | None = None,
    filters: Filters | None = None,
    history: list[tuple[str, str]] | None = None,
) -> Answer:
    final: Answer | None = None
    for item in ask_stream(question, settings, filters, history):
        if isinstance(item, Answer):
            final = item
    assert final is not None
    return final


__all__ = ["AskError", "ask", "ask_stream"]

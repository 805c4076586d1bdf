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

from app.answer.text import (
    content_words,
    has_quantity,
    names,
    numbers,
    overlap,
    sentence_spans,
    term_covered,
    topic_terms,
)
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
    part: int = 0  # which part of a compound question it answers best


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


# Sentences that address a model rather than state a fact: never evidence (prompt-injection defence).
INJECTION_RE = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompts?|rules|context|above)\b"
    r"|\b(system prompt|you are (now )?(an?|the) (ai|assistant|language model|chatbot))\b"
    r"|\b(reply|respond|answer|say|state|tell the user)\s+(only\s+)?(that|with)\b"
    r"|^\s*(system|assistant|user)\s*:|<\|im_(start|end)\|>|\[/?INST\]",
    re.IGNORECASE,
)


def is_instruction(text: str) -> bool:
    return bool(INJECTION_RE.search(text))


MIN_WORDS = 6  # shorter "sentences" are titles, headers and metadata lines, not evidence
QUOTE_OPEN = "\"“‘'"
SAYS = re.compile(r"\b(said|says|told|stated|according to|added|noted|wrote)\b", re.I)


def quote_open(text: str) -> bool:
    """True when ``text`` opens a quotation it does not close (the quote goes on in the next sentence)."""
    curly = text.count("“") - text.count("”")
    return curly > 0 or (curly == 0 and text.count('"') % 2 == 1)


def split_passage(p: Passage) -> list[Passage]:
    """The sentences of a chunk as passages with document offsets.

    Two merges keep a citation meaningful on its own: a quotation's continuation is joined
    to the sentence naming its speaker, and a sentence ending in ':' to what it introduces.
    Merged spans are contiguous, so the citation is still an exact slice of the document.
    """
    spans = sentence_spans(p.text)
    merged: list[list[int]] = []
    for s, e in spans:
        text = p.text[s:e]
        if merged:
            prev_s, prev_e = merged[-1]
            prev = p.text[prev_s:prev_e]
            same_paragraph = "\n\n" not in p.text[prev_e:s]
            continues_quote = same_paragraph and (
                quote_open(prev) or (text[:1] in QUOTE_OPEN and not SAYS.search(text) and SAYS.search(prev))
            )
            introduces = prev.rstrip().endswith(":")  # a heading or lead-in, possibly a paragraph above
            if continues_quote or introduces:
                merged[-1][1] = e
                continue
        merged.append([s, e])
    out = []
    for s, e in merged:
        text = p.text[s:e]
        if len(text.split()) < MIN_WORDS or text.strip() == "[...]" or is_instruction(text):
            continue
        out.append(replace(p, text=text, start=p.start + s, end=p.start + e))
    return out


CAUSAL_RE = re.compile(
    r"\b(because|due to|as a result|reason|in order to|so that|on the grounds|in connection with|"
    r"for (?:being|having|its|their|his|her|the role|activities)|used to|which are used|enabl\w*|"
    r"support\w*|contrary to|responsible for|complicit|involved in|linked to|accus\w*)\b",
    re.IGNORECASE,
)


def question_focus(question: str) -> str:
    q = question.strip().lower()
    if re.match(r"^(why|for what reason|what (was|is|were|are) the reasons?)\b", q):
        return "why"
    if re.search(r"\bwhen\b|\b(what|which) (day|date|year|month)\b|\bsince when\b", q):
        return "date"
    if re.search(r"\bhow (many|much)\b|\bwhat (number|percentage|share|amount)\b", q):
        return "number"
    return ""


def split_question(question: str) -> list[str]:
    """Parts of a compound question ('When was X added, and when did Y ...?') scored separately."""
    parts = re.split(r",?\s+and\s+(?=(?:what|when|who|why|how|which|where|whom|whose)\b)|;\s*", question, flags=re.I)
    return [p.strip() for p in parts if len(p.split()) >= 2] or [question]


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
    elif focus == "number" and has_quantity(sentence):
        score += 0.2
    elif focus == "why" and CAUSAL_RE.search(sentence):
        score += 0.25
    return min(score, 1.0)


MONTH_NAMES = "January February March April May June July August September October November December".split()


def _source_terms(p: Passage) -> set[str]:
    """Words a question may use to name a document: publisher, title, kind and its date."""
    words = f"{p.publisher} {p.title} {p.kind}"
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", p.date or "")
    if m:
        words += f" {m.group(1)}"
        if m.group(2) and 1 <= int(m.group(2)) <= 12:
            words += f" {MONTH_NAMES[int(m.group(2)) - 1]}"
        if m.group(3):
            words += f" {int(m.group(3))}"
    return content_words(words)


def score_sentences(question: str, q_vecs: np.ndarray, chunks: list[Passage], vectors: SentenceVectors) -> list[Evidence]:
    """Score every sentence of ``chunks``; ``q_vecs`` holds one row per question part (whole question first)."""
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
    parts = split_question(question)
    mat = vectors.get([s.text for s in sentences])
    dense_all = mat @ q_vecs.T  # sentences x parts
    part_terms = [(content_words(q), names(q), numbers(q)) for q in [question, *parts[1:]]] if len(parts) > 1 else [
        (content_words(question), names(question), numbers(question))
    ]
    q_terms = content_words(question)
    out = []
    for s, dense_row, v in zip(sentences, dense_all, mat, strict=True):
        best, best_part, best_dense, best_lex = -1.0, 0, 0.0, 0.0
        for j, (terms, nm, nums) in enumerate(part_terms):
            text_q = question if j == 0 else parts[j]
            lex = lexical_score(text_q, s.text, terms, nm, nums)
            sc = W_DENSE * float(dense_row[j]) + W_LEXICAL * lex
            if sc > best:
                best, best_part, best_dense, best_lex = sc, j, float(dense_row[j]), lex
        # The question names this source ("the Asian independent article", "Treasury's release").
        src = _source_terms(s)
        if src and len(src & q_terms) >= max(1, min(2, len(src))):
            best += 0.05
        ev = Evidence(replace(s, score=best), best, best_dense, best_lex, v, best_part)
        out.append(ev)
    out.sort(key=lambda e: e.score, reverse=True)
    return out


def covered_terms(question: str, chunks: list[Passage]) -> tuple[set[str], set[str]]:
    """(topic terms of the question, those found nowhere in the retrieved chunks)."""
    topic = topic_terms(question)
    vocab: set[str] = set()
    for p in chunks:
        vocab |= content_words(p.text) | _source_terms(p)
    return topic, {t for t in topic if not term_covered(t, vocab)}


def select(scored: list[Evidence], k: int, min_score: float, parts: int = 1) -> list[Evidence]:
    """Best ``k`` sentences above ``min_score``: first the best for each question part, then the
    rest by score, skipping near-duplicates and spreading across sources."""
    chosen: list[Evidence] = []
    per_doc: dict[str, int] = {}

    def take(e: Evidence) -> bool:
        if any(float(e.vector @ c.vector) > DUPLICATE_COSINE for c in chosen) or e in chosen:
            return False
        chosen.append(e)
        per_doc[e.passage.doc_id] = per_doc.get(e.passage.doc_id, 0) + 1
        return True

    for j in range(parts if parts > 1 else 0):
        best = next((e for e in scored if e.part == j and e.score >= min_score), None)
        if best is not None:
            take(best)
    for e in scored:
        if e.score < min_score or len(chosen) >= k:
            break
        # Diversity: a document's third sentence must clearly beat what other sources offer.
        if per_doc.get(e.passage.doc_id, 0) >= 2 and any(o.passage.doc_id not in per_doc for o in scored[:20]):
            continue
        take(e)
    chosen.sort(key=lambda e: e.score, reverse=True)
    return chosen

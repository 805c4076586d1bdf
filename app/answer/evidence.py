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
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from app.answer import normalise as nz
from app.answer.hygiene import after_byline, after_title, clean_span, title_words
from app.answer.text import (
    content_words,
    has_quantity,
    names,
    numbers,
    overlap,
    sentence_spans,
)
from app.question import clauses
from app.types import Passage

W_DENSE = 0.6
W_LEXICAL = 0.4
DUPLICATE_COSINE = 0.92
DIVERSITY_MARGIN = 0.05


@dataclass
class Evidence:
    passage: Passage  # the sentence: text, doc offsets, document metadata
    score: float
    dense: float
    lexical: float
    vector: Any  # normalised embedding of the sentence
    part: int = -1  # the part of a compound question it was chosen for by ``select`` (-1: none)
    part_scores: tuple[float, ...] = ()  # score against each part of a compound question


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
ANAPHORA = re.compile(r"^(Such|These|Those)\s+(?!are\b|were\b)\w+|^(This|That)\s+(?!is\b|was\b|will\b)[a-z]+\s+(?!is\b)", re.I)
PRONOUN_START = re.compile(r"^[\"“‘']?(It|Its|They|Their|He|His|She|Her|We|Our|I)\s")
MAX_MERGED_WORDS = 90  # a pronoun-led sentence joins the previous one only while the two stay this short
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
    title = title_words(p.title)
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
            # News style: a paragraph that opens a quotation with no attribution of its own goes on with the
            # speaker of the quotation just before it ('"...," TikTok said. / "We thank ..."'), up to a bound.
            speaker_goes_on = (
                not same_paragraph and text[:1] in QUOTE_OPEN and not SAYS.search(text)
                and SAYS.search(prev) is not None and any(q in prev for q in QUOTE_OPEN)
                and len(p.text[prev_s:e].split()) <= MAX_MERGED_WORDS
            )  # fmt: skip
            introduces = prev.rstrip().endswith(":")  # a heading or lead-in, possibly a paragraph above
            # "Such actions included ...", "These eight entities ...": the sentence only makes sense
            # with the one before it, so both are one piece of evidence.
            refers_back = same_paragraph and ANAPHORA.match(text) is not None
            # "Mao Ning ... told a press conference that X. It has played a positive role ... We hope ...":
            # a sentence opening with a pronoun goes on with the one before (alone, "It has played a
            # positive role" says nothing about whom), up to a bounded length.
            goes_on = (
                same_paragraph and PRONOUN_START.match(text) is not None
                and len(p.text[prev_s:e].split()) <= MAX_MERGED_WORDS
            )  # fmt: skip
            if continues_quote or speaker_goes_on or introduces or refers_back or goes_on:
                merged[-1][1] = e
                continue
        merged.append([s, e])
    out = []
    for s, e in merged:
        # --- evidence hygiene (app.answer.hygiene): headings, bylines, datelines, navigation and
        # metadata lines are context, never evidence; cutting moves s/e, so the text stays a slice.
        cleaned = clean_span(p.text, s, e)
        if cleaned is None:
            continue
        s, e = cleaned
        # The document's own title repeated as its first line (a .txt file's title is its first line) is
        # context too, even in sentence case, where ``clean_span`` cannot tell it from a sentence.
        s = after_title(p.text, s, e, title)
        s = after_byline(p.text, s, e, p.publisher)
        if s >= e:
            continue
        # --- end of evidence hygiene
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


WHICH_HEAD = re.compile(
    r"^\s*(?:which|what)\s+((?:[A-Za-z\-]+\s+){0,2}?[A-Za-z\-]+)\s+"
    r"(?:did|does|do|is|was|are|were|has|have|had|of|in|on|for|made|can|could|would|will)\b",
    re.I,
)
AUXILIARIES = {"did", "does", "do", "is", "was", "are", "were", "has", "have", "had"}


def answer_type(question: str) -> str:
    """'Which media outlet does ...' -> 'media outlet': a category the answer names instances of."""
    m = WHICH_HEAD.match(question)
    if not m or m.group(1).split()[0].lower() in AUXILIARIES:
        return ""
    return m.group(1)


def asks_for_list(question: str) -> bool:
    """'Which eight Chinese firms ...', 'What sanctions ...': the answer is several named things."""
    head = answer_type(question)
    last = head.split()[-1].lower() if head else ""
    return bool(last) and last.endswith("s") and not last.endswith(("ss", "us", "is"))


# Three or more capitalised items in a row separated by commas or semicolons: a list of names.
ENUMERATION = re.compile(r"[A-Z][\w\-.&]*(?:\s+[\w\-.&,()]+){0,6}?[;,]\s+(?:and\s+)?[A-Z][\w\-.&]*(?:\s+[\w\-.&,()]+){0,6}?[;,]\s+(?:and\s+)?[A-Z]")


def split_question(question: str) -> list[str]:
    """Parts of a compound question ('When was X added, and when did Y ...?') scored separately."""
    found = clauses(question)
    if found:
        return found
    parts = re.split(r",?\s+and\s+(?=(?:what|when|who|why|how|which|where|whom|whose)\b)|;\s*", question, flags=re.I)
    return [p.strip() for p in parts if len(p.split()) >= 2] or [question]


DATE_RE = re.compile(
    r"\b(19|20)\d{2}\b|\b(January|February|March|April|May|June|July|August|September|October|November|December)\b"
    r"|\b(today|yesterday|last year|this week|on (Monday|Tuesday|Wednesday|Thursday|Friday))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class QueryTerms:
    """What lexical scoring needs from a question (or a part of one), computed once per question."""

    terms: set[str]
    names: set[str]
    numbers: set[str]
    focus: str  # question_focus
    wants_list: bool  # asks_for_list

    @classmethod
    def of(cls, question: str) -> QueryTerms:
        return cls(content_words(question), names(question), numbers(question), question_focus(question), asks_for_list(question))


def lexical_score(q: QueryTerms, sentence: str) -> float:
    s_terms = content_words(sentence)
    score = overlap(q.terms, s_terms)
    if q.names:
        score = 0.7 * score + 0.3 * overlap(q.names, s_terms)
    if q.numbers and not q.numbers & numbers(sentence):
        score *= 0.7
    if q.wants_list and ENUMERATION.search(sentence):
        score += 0.3
    if q.focus == "date" and DATE_RE.search(sentence):
        score += 0.25
    elif q.focus == "number" and has_quantity(sentence):
        score += 0.2
    elif q.focus == "why" and CAUSAL_RE.search(sentence):
        score += 0.25
    return min(score, 1.0)


MONTH_NAMES = "January February March April May June July August September October November December".split()


def source_terms(p: Passage) -> set[str]:
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


def unique_sentences(chunks: list[Passage]) -> list[Passage]:
    """The sentences of ``chunks``, each once: overlapping chunks repeat sentences, and a chunk
    that ends or starts inside a sentence holds only a piece of it, so a span contained in a
    longer span of the same document is dropped (the longer one is the whole sentence)."""
    found = list(enumerate(s for p in chunks for s in split_passage(p)))  # (retrieval order, sentence)
    found.sort(key=lambda item: (item[1].doc_id, item[1].start, item[1].start - item[1].end))
    kept: list[tuple[int, Passage]] = []
    for i, s in found:
        if kept and kept[-1][1].doc_id == s.doc_id and s.end <= kept[-1][1].end:
            continue
        kept.append((i, s))
    return [s for _, s in sorted(kept, key=lambda item: item[0])]


def score_sentences(question: str, q_vecs: np.ndarray, chunks: list[Passage], vectors: SentenceVectors) -> list[Evidence]:
    """Score every sentence of ``chunks`` against the question.

    ``q_vecs`` holds the whole question's vector, then (for a compound question) one row per
    part from ``split_question``. A part is scored in the context of the whole question
    ("..., and what occasion was it?" alone matches any sentence with "occasion").
    """
    sentences = unique_sentences(chunks)
    if not sentences:
        return []
    parts = split_question(question)
    queries = [question, *parts] if len(parts) > 1 else [question]
    mat = vectors.get([s.text for s in sentences])
    # A sentence often names its subject only in its document's title ("The ban ... is set to take effect
    # Jan. 1, 2024" in an article headed "Montana governor signs TikTok ban"): its similarity to the
    # question is the mean of the sentence alone and the sentence read under its title. (The title alone
    # lifts every sentence of a matching document; the mean keeps the sentence's own words decisive.)
    in_context = vectors.get([f"{s.title}: {s.text}" if s.title else s.text for s in sentences])
    dense_all = ((mat + in_context) / 2) @ q_vecs[: len(queries)].T  # sentences x queries
    terms = [QueryTerms.of(q) for q in queries]
    q_terms = terms[0].terms
    wants_list = terms[0].wants_list
    out = []
    for s, dense_row, v in zip(sentences, dense_all, mat, strict=True):
        lexes = [lexical_score(t, s.text) for t in terms]
        whole = W_DENSE * float(dense_row[0]) + W_LEXICAL * lexes[0]
        part_scores = [
            W_DENSE * (0.5 * float(dense_row[j]) + 0.5 * float(dense_row[0])) + W_LEXICAL * (0.5 * lexes[j] + 0.5 * lexes[0])
            for j in range(1, len(queries))
        ]
        best = max([whole, *part_scores])
        bonus = 0.0
        # The question names this source ("the Asian independent article", "Treasury's release").
        src = source_terms(s)
        if src and len(src & q_terms) >= max(1, min(2, len(src))):
            bonus += 0.05
        factor = 0.9 if wants_list and not ENUMERATION.search(s.text) else 1.0  # 'which firms' wants the list
        best = best * factor + bonus
        ev = Evidence(
            replace(s, score=best), best, float(dense_row[0]), lexes[0], v,
            part_scores=tuple(sc * factor + bonus for sc in part_scores),
        )
        out.append(ev)
    out.sort(key=lambda e: e.score, reverse=True)
    return out


def states_a_day(text: str) -> bool:
    """The sentence places something on a day: a full date ("Jan. 1, 2024") or a day of the week."""
    return nz.WEEKDAY.search(text) is not None or any(d.month and d.day for d in nz.dates(text))


def select(
    scored: list[Evidence],
    k: int,
    min_score: float,
    parts: int = 1,
    want_list: bool = False,
    source_groups: list[set[str]] | None = None,
    part_tests: dict[int, Callable[[str], bool]] | None = None,
) -> list[Evidence]:
    """Best ``k`` sentences above ``min_score``: first the best for each question part (and, for a
    "which <things>" question, the best sentence that lists names), then the rest by score,
    skipping near-duplicates and spreading across sources. A question that names sources ("Does
    The Verge ... while TechCrunch ...") gets the best sentence of each named source (``source_groups``:
    one set of publishers per source named). Sentences taken first get ``part`` set (list and source
    sentences count as part ``parts``) so that the answer keeps them. A part with a test in ``part_tests`` (a
    clause of "Did A happen before B?" asks for the day of its event) takes the best sentence that passes
    it, when any does."""
    chosen: list[Evidence] = []
    per_doc: dict[str, int] = {}

    def take(e: Evidence) -> bool:
        if any(float(e.vector @ c.vector) > DUPLICATE_COSINE for c in chosen) or e in chosen:
            return False
        chosen.append(e)
        per_doc[e.passage.doc_id] = per_doc.get(e.passage.doc_id, 0) + 1
        return True

    for j in range(parts if parts > 1 else 0):
        # The best sentence for this part that is not already chosen for another part.
        candidates = [e for e in scored if len(e.part_scores) > j and e.part_scores[j] >= min_score and e not in chosen]
        test = (part_tests or {}).get(j)
        if test is not None:
            candidates = [e for e in candidates if test(e.passage.text)] or candidates
        if candidates:
            best = max(candidates, key=lambda e: e.part_scores[j])
            if take(best):
                best.part = j  # chosen for this part: the answer must keep it
    for group in source_groups or []:
        own = next((e for e in scored if e.score >= min_score and e.passage.publisher in group and e not in chosen), None)
        if own is not None and all(c.passage.publisher not in group for c in chosen) and take(own):
            own.part = max(parts, 1)
    if want_list:
        listing = next((e for e in scored if e.score >= min_score and ENUMERATION.search(e.passage.text)), None)
        if listing is not None and take(listing):
            listing.part = max(parts, 1)
    for e in scored:
        if e.score < min_score or len(chosen) >= k:
            break
        # Diversity: a document's third sentence is skipped while another source offers one nearly as good.
        if per_doc.get(e.passage.doc_id, 0) >= 2 and any(
            o.passage.doc_id not in per_doc and o.score >= e.score - DIVERSITY_MARGIN for o in scored[:20]
        ):
            continue
        take(e)
    chosen.sort(key=lambda e: e.score, reverse=True)
    return chosen

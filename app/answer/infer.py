"""Dossier's own inferences: a yes/no computed from cited facts, not written by a model.

"Did A happen before B?" is decided by comparing the dates of the two distinct evidence
sentences that best state A and B (embedding similarity and shared words with each clause).
A sentence's date for its clause is the full date, or day of the week, nearest to the
clause's words in it (a day of the week is read against its document's date: "Saturday" in
a report of Monday 2025-01-20 is 2025-01-18), else the date of its document. A clause about
a report ("Did the X article report ... before ...?") is dated by its document. When a
sentence gives only a month or a year, or the two dates are equal at the precision both
state, nothing is computed and the writer's verdict (if any) stands alone.

Small language models get such comparisons wrong even with both dates in front of them;
date arithmetic does not.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from app.answer import normalise as nz
from app.answer.evidence import Evidence, SentenceVectors
from app.answer.text import content_words, overlap, topic_terms
from app.question import quantity_relation, temporal_relation

T = TypeVar("T")
REPORTING = re.compile(r"\b(report\w*|articles?|published|posted|wrote|mention\w*|covered|coverage)\b", re.I)
WORD = re.compile(r"[A-Za-z][\w'’-]*")  # a word as _nearest and event_terms read it
FUTURE = re.compile(r"\b(will|is set to|are set to|plans? to|scheduled to|next)\b", re.I)


@dataclass
class Dated:
    evidence: int  # index into the evidence list
    date: tuple[int, int, int]  # (year, month or 0, day or 0)
    how: str  # "stated" | "weekday" | "document date" | "document date, next month" (and the like)


@dataclass
class Inference:
    verdict: str  # "yes" | "no", or one of an either-or question's alternatives ("before" | "after")
    facts: list[int]  # evidence indexes it rests on
    explanation: str
    basis: str = "dates"  # what was compared: "dates" or "durations"


def _mentions(text: str, doc: tuple[int, int, int] | None) -> list[tuple[int, tuple[int, int, int], str]]:
    """(position, date, how) of each full date or day of the week in ``text``."""
    out = []
    for (a, _), d in nz.date_mentions(text):
        if d.month and d.day:
            y = d.year or (doc[0] if doc else 0)
            if y:
                out.append((a, (y, d.month, d.day), "stated"))
    out.extend((a, d, "weekday") for a, d in weekday_dates(text, doc))
    return out


def weekday_dates(text: str, doc: tuple[int, int, int] | None) -> list[tuple[int, tuple[int, int, int]]]:
    """(position, date) of each day of the week ``text`` names, read against its document's date: "on
    Monday" in a report of Thursday 2025-01-23 is 2025-01-20 (the last Monday on or before it), "will go
    dark on Sunday" the next Sunday."""
    if not doc or not doc[2]:
        return []
    base = dt.date(*doc)
    out = []
    for m in nz.WEEKDAY.finditer(text):
        delta = (nz.WEEKDAYS.index(m.group(1).lower()) - base.weekday()) % 7
        ahead = FUTURE.search(text[max(0, m.start() - 40) : m.start()])  # "will go dark on Sunday"
        when = base + dt.timedelta(days=delta) if ahead else base - dt.timedelta(days=(7 - delta) % 7)
        out.append((m.start(), (when.year, when.month, when.day)))
    return out


def date_of(e: Evidence, index: int, clause: str, by_document: bool) -> Dated | None:
    """The date of the event ``clause`` names, as ``e`` states it: the full date (or day of the week)
    nearest to the clause's words in the sentence, else the document's date."""
    doc = nz.doc_date(e.passage.date)
    text = e.passage.text
    mentions = [] if by_document else _mentions(text, doc)
    if not mentions:
        if not by_document and any(d.year or d.month for d in nz.dates(text)):
            return None  # only a month or a year: too coarse to place the event
        rel = nz.RELATIVE.search(text) if not by_document and doc else None
        if rel:
            near = text[: rel.start()].split()[-RELATIVE_REACH:] + text[rel.end() :].split()[:RELATIVE_REACH]
            if content_words(" ".join(near)) & content_words(clause):
                # "... before it takes effect next month" dates "take effect", not the judge's ruling in the same sentence.
                return _relative(index, doc, rel)
        return Dated(index, doc, "document date") if doc else None
    nearest = _nearest(text, clause, mentions)
    return Dated(index, nearest[1], nearest[2]) if nearest else None


# An event placed relative to its document's date ("before it takes effect next month").
RELATIVE_REACH = 3  # words either side of "next month" among which the clause's words must be, to be dated by it


def _relative(index: int, doc: tuple[int, int, int], m: re.Match[str]) -> Dated | None:
    """The document's date moved as ``m`` says (``normalise.shifted``): "next month" in a report of
    2023-12-01 is January 2024."""
    moved = nz.shifted(doc, m)
    return Dated(index, moved, f"document date, {m.group(0).lower()}") if moved else None


def _nearest(text: str, clause: str, found: list[tuple[int, T, str]]) -> tuple[int, T, str] | None:
    """Of the (position, value, label) mentions in ``text``, the one nearest to the clause's words;
    with none of its words in ``text``, the value all mentions agree on, else None."""
    terms = content_words(clause)
    spots = [m.start() for m in WORD.finditer(text) if content_words(m.group(0)) & terms]
    if not spots:
        return found[0] if len({f[1] for f in found}) == 1 else None
    return min(found, key=lambda f: min(abs(f[0] - s) for s in spots))


def event_terms(clause: str, other: str) -> set[str]:
    """The common words (not names, not framing words) that say what happens in ``clause`` and not in
    ``other``: "Did TikTok's brief US shutdown happen" against "Trump signed his first order" ->
    {brief, shutdown}. Names are what both events are about (TikTok, the US); these words are the event."""
    common = " ".join(w for w in WORD.findall(clause) if w[0].islower())
    return topic_terms(common) - content_words(other)


PARTICLES = ("down", "up", "out", "over", "off", "back")  # "shutdown" is "shut ... down", "takeover" "take over"


def states_event(event: set[str], text: str, words: set[str] | None = None) -> bool:
    """``text`` states the event whose words are ``event`` (``event_terms``): it has one of them, or a
    compound of one written as a verb and its particle ("ByteDance shut the app down" states a shutdown).
    True when the event has no words of its own."""
    if not event:
        return True
    words = content_words(text) if words is None else words
    if event & words:
        return True
    raw = {w.lower() for w in WORD.findall(text)}
    return any(term.endswith(p) and term[: -len(p)] in raw for term in event for p in PARTICLES if p in raw)


def _assign(clause_a: str, clause_b: str, evidence: list[Evidence], vectors: SentenceVectors) -> tuple[int, int]:
    """The two distinct evidence sentences that best state clause A and clause B. A sentence stands for
    a clause only when it shares one of the clause's event words (``event_terms``), if it has any: an
    embedding near the clause's names ("Trump ... the US government ... TikTok") is not the event, and a
    date read from a sentence about another event decides nothing. (-1, -1): no such pair."""
    qa, qb = vectors.get([clause_a, clause_b])
    ta, tb = content_words(clause_a), content_words(clause_b)
    # A clause about a report ("Did the X article report ...") is dated by its document, which the
    # question names; its sentence need not restate the event in the question's words.
    ea = set() if REPORTING.search(clause_a) else event_terms(clause_a, clause_b)
    eb = set() if REPORTING.search(clause_b) else event_terms(clause_b, clause_a)

    words = [content_words(e.passage.text) for e in evidence]  # once per sentence, not per pair

    def fit(vec: np.ndarray, terms: set[str], i: int) -> float:
        return 0.6 * float(evidence[i].vector @ vec) + 0.4 * overlap(terms, words[i])

    def states(event: set[str], i: int) -> bool:
        return states_event(event, evidence[i].passage.text, words[i])

    sa = [fit(qa, ta, i) for i in range(len(evidence))]
    sb = [fit(qb, tb, i) for i in range(len(evidence))]
    pairs = [
        (sa[i] + sb[j], i, j)
        for i in range(len(evidence))
        for j in range(len(evidence))
        if i != j and states(ea, i) and states(eb, j)
    ]
    if not pairs:
        return -1, -1
    _, i, j = max(pairs)
    return i, j


def _fmt(d: tuple[int, int, int]) -> str:
    y, m, day = d
    if m and day:
        return dt.date(y, m, day).strftime("%B %-d, %Y")
    return f"{dt.date(y, m, 1).strftime('%B %Y')}" if m else str(y)


def _compare(a: tuple[int, int, int], b: tuple[int, int, int]) -> int:
    """-1, 0, 1 at the precision both dates state."""
    for x, y in zip(a, b, strict=True):
        if not x or not y:
            return 0
        if x != y:
            return -1 if x < y else 1
    return 0


def temporal(question: str, evidence: list[Evidence], vectors: SentenceVectors) -> Inference | None:
    rel = temporal_relation(question)
    if rel is None or len(evidence) < 2:
        return None
    clause_a, relation, clause_b = rel
    ia, ib = _assign(clause_a, clause_b, evidence, vectors)
    if ia < 0:
        return None
    da = date_of(evidence[ia], ia, clause_a, bool(REPORTING.search(clause_a)))
    db = date_of(evidence[ib], ib, clause_b, bool(REPORTING.search(clause_b)))
    if da is None or db is None:
        return None
    order = _compare(da.date, db.date)
    if order == 0:
        return None
    word = "before" if order < 0 else "after"
    explanation = f"{_fmt(da.date)} ({da.how}) is {word} {_fmt(db.date)} ({db.how})"
    if relation == "either":  # "before or after?": the order is the answer
        return Inference(word, [ia, ib], explanation)
    holds = order < 0 if relation == "before" else order > 0
    return Inference("yes" if holds else "no", [ia, ib], explanation)


_DURATION = re.compile(
    r"\b(\d[\d,.]*|" + "|".join([*nz.UNITS, *nz.TENS]) + r")(?:[\s-]+(?:" + "|".join(nz.UNITS) + r"))?[\s-]+(day|week|month|year)s?\b",
    re.I,
)
DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


def _durations(text: str) -> list[tuple[int, float, str]]:
    """(position, length in days, as written) of each duration in ``text``."""
    out = []
    for m in _DURATION.finditer(text):
        values = nz.number_values(m.group(0).rsplit(" ", 1)[0].replace("-", " ") if not m.group(1)[0].isdigit() else m.group(1))
        if not values:
            continue
        n = float(max(values, key=float))
        out.append((m.start(), n * DAYS[m.group(2).lower()], m.group(0)))
    return out


def _duration_for(e: Evidence, clause: str) -> tuple[float, str] | None:
    found = _durations(e.passage.text)
    nearest = _nearest(e.passage.text, clause, found) if found else None
    return (nearest[1], nearest[2]) if nearest else None


def quantity(question: str, evidence: list[Evidence], vectors: SentenceVectors) -> Inference | None:
    """"Did A give as much time as B?": the durations the two sentences stating A and B give, compared."""
    rel = quantity_relation(question)
    if rel is None or len(evidence) < 2:
        return None
    clause_a, relation, clause_b = rel
    ia, ib = _assign(clause_a, clause_b, evidence, vectors)
    if ia < 0:
        return None
    qa, qb = _duration_for(evidence[ia], clause_a), _duration_for(evidence[ib], clause_b)
    if qa is None or qb is None or evidence[ia].passage.doc_id == evidence[ib].passage.doc_id:
        return None  # two things compared are stated by two documents; within one, which is which is unclear
    (da, wa), (db, wb) = qa, qb
    holds = da >= db if relation == "at_least" else (da > db if relation == "greater" else da < db)
    word = "more than" if da > db else ("less than" if da < db else "as much as")
    return Inference("yes" if holds else "no", [ia, ib], f"{wa} is {word} {wb}", "durations")


def decide(question: str, evidence: list[Evidence], vectors: SentenceVectors) -> Inference | None:
    """Dossier's own verdict on a yes/no question, when the cited facts allow one."""
    return temporal(question, evidence, vectors) or quantity(question, evidence, vectors)

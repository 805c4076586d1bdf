"""Verification: does the cited passage support the sentence?

Support score = 0.5 x embedding similarity + 0.5 x share of the sentence's content
words found in the cited passages. Hard rule on top: every number, and every
capitalised name in the sentence, must appear in a cited passage (or in the
attribution Dossier itself added from the citation's metadata). A sentence
without a marker gets a citation only when one evidence passage clearly supports it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from app.answer.evidence import SentenceVectors
from app.answer.text import content_words, names, numbers, strip_markers
from app.types import Passage


@dataclass
class Verdict:
    supported: bool
    score: float
    reason: str


def _missing(required: set[str], available: set[str]) -> list[str]:
    return sorted(x for x in required if x not in available)


def verify_sentence(
    claim: str,
    cited: list[Passage],
    vectors: SentenceVectors,
    threshold: float,
    attribution: str = "",
) -> Verdict:
    """``claim`` without markers and without the attribution prefix; ``attribution`` is metadata-derived."""
    claim = strip_markers(claim)
    if not cited:
        return Verdict(False, 0.0, "no citation")
    if not re.search(r"[A-Za-z0-9]{2}", claim):
        return Verdict(False, 0.0, "empty sentence")
    passage_text = " ".join(p.text for p in cited)
    if claim in passage_text:
        return Verdict(True, 1.0, "verbatim quote")
    avail_terms = content_words(passage_text) | content_words(attribution)
    avail_numbers = numbers(passage_text) | numbers(attribution)
    miss_nums = _missing(numbers(claim), avail_numbers)
    if miss_nums:
        return Verdict(False, 0.0, f"number not in the cited passage: {', '.join(miss_nums)}")
    miss_names = _missing(names(claim), avail_terms)
    if miss_names:
        return Verdict(False, 0.0, f"name not in the cited passage: {', '.join(miss_names)}")
    terms = content_words(claim)
    coverage = len(terms & avail_terms) / len(terms) if terms else 0.0
    vecs = vectors.get([claim, *[p.text for p in cited]])
    similarity = float(np.max(vecs[1:] @ vecs[0]))
    score = 0.5 * similarity + 0.5 * coverage
    if score < threshold:
        return Verdict(False, round(score, 4), f"weak support ({score:.2f} < {threshold:.2f})")
    return Verdict(True, round(score, 4), "supported")


def best_support(
    claim: str, candidates: list[Passage], vectors: SentenceVectors, threshold: float
) -> tuple[int, Verdict] | None:
    """For an unmarked sentence: the candidate passage that supports it best, if any passes."""
    verdicts = [(i, verify_sentence(claim, [p], vectors, threshold)) for i, p in enumerate(candidates)]
    good = [v for v in verdicts if v[1].supported]
    return max(good, key=lambda v: v[1].score) if good else None

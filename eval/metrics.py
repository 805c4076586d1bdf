"""Metric functions shared by the evaluation suites (pure functions, no I/O)."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').replace("–", "-")
    return " ".join(text.split())


def fact_present(alternatives: Sequence[str], text: str) -> bool:
    t = normalise(text)
    return any(normalise(a) in t for a in alternatives)


def key_fact_recall(key_facts: Sequence[Sequence[str]], text: str) -> float:
    if not key_facts:
        return 1.0
    return sum(fact_present(f, text) for f in key_facts) / len(key_facts)


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    k = (len(s) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] if lo == hi else s[lo] + (s[hi] - s[lo]) * (k - lo)


def prf(pred: Sequence[bool], gold: Sequence[bool]) -> dict[str, float]:
    tp = sum(p and g for p, g in zip(pred, gold, strict=True))
    fp = sum(p and not g for p, g in zip(pred, gold, strict=True))
    fn = sum(g and not p for p, g in zip(pred, gold, strict=True))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def no_ws(text: str) -> str:
    return re.sub(r"\s+", "", text)


def hit_ranks(ranked_texts: Sequence[str], facts: Sequence[str]) -> list[int | None]:
    """1-based rank of the first chunk holding each fact (MultiHop-RAG rule: substring after removing whitespace)."""
    squashed = [no_ws(t) for t in ranked_texts]
    out: list[int | None] = []
    for fact in facts:
        f = no_ws(fact)
        out.append(next((i + 1 for i, t in enumerate(squashed) if f and f in t), None))
    return out


def retrieval_scores(ranks: Sequence[int | None], k_values: Iterable[int] = (4, 10)) -> dict[str, float]:
    """Hits@k (any fact), all-evidence@k (every fact), MRR@10 and nDCG@10 over the facts of one query."""
    out: dict[str, float] = {}
    found = [r for r in ranks if r is not None]
    for k in k_values:
        out[f"hits@{k}"] = float(any(r <= k for r in found))
        out[f"all_evidence@{k}"] = float(bool(ranks) and all(r is not None and r <= k for r in ranks))
    first = min(found) if found else None
    out["mrr@10"] = 1.0 / first if first is not None and first <= 10 else 0.0
    relevant = sorted({r for r in found if r <= 10})
    dcg = sum(1.0 / math.log2(r + 1) for r in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(ranks), 10)))
    out["ndcg@10"] = dcg / ideal if ideal else 0.0
    return out


def mean(values: Iterable[float]) -> float:
    vals = list(values)
    return sum(vals) / len(vals) if vals else 0.0

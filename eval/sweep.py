"""Retrieval sweep on the MultiHop-RAG **dev** split: chunk size x retrieve_k x fusion weight x source routing.

``dossier eval --suite sweep --data ../shared/benchmarks/multihop-rag-500/queries.json`` (dev only: the
test split is refused, it is kept for the final measurement). Retrieval only, no answering, so it is
fast: for each chunk size the evidence corpus is ingested into its own index
(``<index-dir>/c<size>``, incremental, so a second run re-embeds nothing), and for each retrieve_k
the candidate lists of every query (dense and BM25, for the whole question and for each per-publisher
sub-query) are computed once and then fused with every dense weight, with and without the
sub-queries. Scored with the benchmark's official hit rule (``eval/multihop_suite.py``):
all-evidence@4/@6/@10, hits@10, MRR@10, nDCG@10 over the non-null queries.

``top_k`` (chunks handed to the answer step) only cuts the fused ranking, so it is read off the
same runs as all-evidence@4 / @6 / @10 rather than swept separately.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from app.settings import Settings
from eval.metrics import mean, percentile, retrieval_scores
from eval.multihop_suite import NULL, TYPES, build_corpus, gold_facts, load_queries, select

CHUNK_SIZES = (128, 256, 512)
RETRIEVE_KS = (5, 8, 10, 20, 40)
DENSE_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)
ROUTES = (False, True)
KEYS = ("all_evidence@4", "all_evidence@6", "all_evidence@10", "hits@10", "mrr@10", "ndcg@10")


def _index(settings: Settings, files: list[Path], chunk_size: int) -> Settings:
    from app.ingest.pipeline import ingest_paths

    s = settings.model_copy(update={"index_dir": settings.index_dir / f"c{chunk_size}", "chunk_size": chunk_size})
    report = ingest_paths(s, files)
    if report.failed:
        raise RuntimeError(f"the MultiHop-RAG corpus failed to ingest: {report.failed[:3]}")
    return s


def _scores(q: dict[str, Any], texts: list[str]) -> dict[str, float]:
    from eval.metrics import hit_ranks

    return retrieval_scores(hit_ranks(texts, gold_facts(q)), k_values=(4, 6, 10))


def _aggregate(per_query: list[tuple[str, dict[str, float]]]) -> dict[str, Any]:
    out: dict[str, Any] = {k: mean(s[k] for _, s in per_query) for k in KEYS}
    out["by_type"] = {t: {k: mean(s[k] for qt, s in per_query if qt == t) for k in KEYS} for t in TYPES if any(qt == t for qt, _ in per_query)}
    return out


def run(
    settings: Settings,
    data: Path,
    split: str = "dev",
    limit: int = 0,
    chunk_sizes: tuple[int, ...] = CHUNK_SIZES,
    retrieve_ks: tuple[int, ...] = RETRIEVE_KS,
    dense_weights: tuple[float, ...] = DENSE_WEIGHTS,
) -> dict[str, Any]:
    from tqdm import tqdm

    from app.retrieve import Filters, fuse, get_retriever

    if split != "dev":
        raise ValueError("the sweep tunes on the dev split only (the test split is kept for the final measurement)")
    all_queries = load_queries(data)
    queries = [q for q in select(all_queries, split, limit) if q["question_type"] != NULL]
    folder = settings.index_dir / "corpus"
    files = build_corpus(all_queries, folder)
    base = settings.model_copy(update={"corpus_dir": folder, "route_sources": True})
    rows: list[dict[str, Any]] = []
    ingest: dict[int, float] = {}
    for size in chunk_sizes:
        t0 = time.perf_counter()
        s = _index(base, files, size)
        ingest[size] = round(time.perf_counter() - t0, 2)
        for k in retrieve_ks:
            retriever = get_retriever(s.model_copy(update={"retrieve_k": k}))
            retriever.candidate_lists("warm-up query", Filters(), k)
            per_query: list[tuple[dict[str, Any], list[Any], float]] = []
            for q in tqdm(queries, desc=f"sweep/chunk {size}/k {k}", unit="q", disable=False):
                t1 = time.perf_counter()
                lists = retriever.candidate_lists(q["query"], Filters(), k)
                per_query.append((q, lists, (time.perf_counter() - t1) * 1000))
            for route in ROUTES:
                for w in dense_weights:
                    scored = []
                    for q, lists, _ in per_query:
                        used = lists if route else lists[:2]
                        scored.append((q["question_type"], _scores(q, [h.node.get_content() for h in fuse(used, 10, w)])))
                    row = {"chunk_size": size, "retrieve_k": k, "dense_weight": w, "route_sources": route, **_aggregate(scored)}
                    ms = [t for _, _, t in per_query]
                    row["candidates_ms_p50"] = percentile(ms, 50) if route else None
                    row["candidates_ms_p95"] = percentile(ms, 95) if route else None
                    row["sub_queries_mean"] = mean((len(lists) - 2) / 2 for _, lists, _ in per_query) if route else 0.0
                    rows.append(row)
    best = winner(rows)
    return {
        "suite": "sweep",
        "data": str(data),
        "split": split,
        "n_queries": len(queries),
        "grid": {"chunk_size": list(chunk_sizes), "retrieve_k": list(retrieve_ks), "dense_weight": list(dense_weights), "route_sources": list(ROUTES)},
        "ingest_s": ingest,
        "rows": rows,
        "winner": best,
        "current_defaults": {k: Settings.model_fields[k].default for k in ("chunk_size", "retrieve_k", "dense_weight", "route_sources", "top_k")},
        "rule": "highest all_evidence@10, then mrr@10, then all_evidence@4; ties go to the current default",
    }


def _key(row: dict[str, Any]) -> tuple[float, ...]:
    defaults = Settings.model_fields
    is_default = sum(row[f] == defaults[f].default for f in ("chunk_size", "retrieve_k", "dense_weight"))
    return (round(row["all_evidence@10"], 6), round(row["mrr@10"], 6), round(row["all_evidence@4"], 6), is_default)


def winner(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return max(rows, key=_key)


def render_markdown(results: dict[str, Any]) -> str:
    rows = results["rows"]
    cols = ("chunk_size", "retrieve_k", "dense_weight", "route_sources", *KEYS, "candidates_ms_p50")

    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.3f}" if v < 10 else f"{v:.0f}"
        return "" if v is None else str(v)

    def table(rs: list[dict[str, Any]]) -> list[str]:
        out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        out += ["| " + " | ".join(fmt(r[c]) for c in cols) + " |" for r in rs]
        return out

    w = results["winner"]
    lines = [
        f"# Retrieval sweep, MultiHop-RAG {results['split']} ({results.get('date', '')})",
        "",
        f"{results['n_queries']} non-null {results['split']} queries; retrieval only (the fused top 10, official hit rule).",
        f"Rule: {results['rule']}.",
        "",
        f"**Winner:** chunk_size {w['chunk_size']}, retrieve_k {w['retrieve_k']}, dense_weight {w['dense_weight']}, "
        f"route_sources {w['route_sources']}: all-evidence@10 {w['all_evidence@10']:.3f}, MRR@10 {w['mrr@10']:.3f}, "
        f"all-evidence@4 {w['all_evidence@4']:.3f}.",
        f"Current defaults: {results['current_defaults']}.",
        "",
        "## Top 15",
        "",
        *table(sorted(rows, key=_key, reverse=True)[:15]),
        "",
        "## Every configuration",
        "",
        *table(rows),
        "",
        "Ingest seconds per chunk size: " + ", ".join(f"{k}: {v}" for k, v in results["ingest_s"].items()),
        "",
    ]
    return "\n".join(lines)

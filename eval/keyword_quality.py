"""Keyword-side and hybrid retrieval quality on MultiHop-RAG dev and test (issue 13's quality gate).

``python -m eval.keyword_quality --data ../shared/benchmarks/multihop-rag-500/queries.json --index DIR``

Ingests the benchmark's evidence corpus (``eval.multihop_suite.build_corpus``) into ``DIR`` (incremental:
a second run embeds nothing), then scores, for every non-null query of each split, with the official hit
rule (``eval.metrics``):

* ``keyword``: the keyword side alone (``HybridRetriever.bm25(Filters(), 10)``), its top 10;
* ``hybrid``: Dossier's fused ranking (``HybridRetriever.retrieve(query, top_k=10)``).

Prints and writes one JSON object: {split: {side: {all_evidence@4, all_evidence@10, mrr@10, hits@10}}}.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from app.settings import PROJECT_ROOT, get_settings
from eval.metrics import hit_ranks, mean, retrieval_scores
from eval.multihop_suite import NULL, build_corpus, gold_facts, load_queries, select

KEYS = ("all_evidence@4", "all_evidence@10", "mrr@10", "hits@10")


def measure(data: Path, index: Path, splits: tuple[str, ...] = ("dev", "test")) -> dict[str, Any]:
    from llama_index.core.schema import QueryBundle

    from app.filters import Filters
    from app.ingest.pipeline import ingest_paths
    from app.retrieve import HybridRetriever

    queries = load_queries(data)
    folder = index / "corpus"
    files = build_corpus(queries, folder)
    settings = get_settings().model_copy(update={"index_dir": index / "index", "corpus_dir": folder})
    t0 = time.perf_counter()
    report = ingest_paths(settings, files)
    out: dict[str, Any] = {"chunks": report.chunks, "documents": report.documents, "ingest_s": round(time.perf_counter() - t0, 1)}
    retriever = HybridRetriever(settings)
    for split in splits:
        chosen = [q for q in select(queries, split) if q["question_type"] != NULL]
        sides: dict[str, list[dict[str, float]]] = {"keyword": [], "hybrid": []}
        for q in chosen:
            facts = gold_facts(q)
            kw = retriever.bm25(Filters(), 10).retrieve(QueryBundle(q["query"]))
            sides["keyword"].append(retrieval_scores(hit_ranks([h.node.get_content() for h in kw], facts)))
            hy = retriever.retrieve(q["query"], top_k=10)
            sides["hybrid"].append(retrieval_scores(hit_ranks([p.text for p in hy], facts)))
        out[split] = {"queries": len(chosen)} | {side: {k: round(mean(s[k] for s in rows), 4) for k in KEYS} for side, rows in sides.items()}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.keyword_quality")
    p.add_argument("--data", type=Path, default=PROJECT_ROOT.parent / "shared" / "benchmarks" / "multihop-rag-500" / "queries.json")
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--out", type=Path)
    args = p.parse_args(argv)
    result = measure(args.data, args.index)
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

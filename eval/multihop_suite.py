"""The MultiHop-RAG suite: Dossier on a public multi-hop news benchmark (Tang & Yang, 2024).

The queries file (``--data``, read in place, never copied into the project) holds 500
queries with their evidence facts. The corpus is built from the evidence as the
benchmark's README says: one Markdown file per distinct article (keyed by url) whose
body is the article's distinct facts in order of first appearance, with the article's
title, publisher, date, url, author and category as YAML front matter. It is written
under ``settings.index_dir / "corpus"`` (outside the project's own corpus) and ingested
into the suite's own index.

Measured per split (dev: ``int(id) % 5 != 0``, test: ``int(id) % 5 == 0``):

* retrieval: Dossier's ranking (``get_retriever(settings).retrieve(query, top_k=10)``) scored
  with the official rule (a chunk holds a fact when the fact is a substring of it once all
  whitespace is removed): hits@4/10, all-evidence@4/10, MRR@10, nDCG@10; null queries
  (no evidence) are left out of these;
* answers, per mode, through ``ask`` (the path of the CLI and the chat), with a strict
  scorer: a yes/no question needs the right committed yes/no at the start of the answer,
  a name answer needs the normalised gold name in the normalised answer, a null query
  needs an abstention; plus whether the cited passages (and answer) contain every gold
  fact, citation validity (each citation is the exact slice of its document), abstention
  precision/recall/F1 and latency;
* baselines (``eval/baselines.py``) on the same corpus and embedding model: a default
  LlamaIndex + Chroma pipeline and BM25, retrieval metrics only.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from app.settings import Settings
from app.types import Answer
from eval.gold_suite import citation_valid, threshold_curve
from eval.metrics import hit_ranks, mean, no_ws, percentile, prf, retrieval_scores

TYPES = ("inference_query", "comparison_query", "temporal_query", "null_query")
NULL = "null_query"
RETRIEVAL_KEYS = ("hits@4", "hits@10", "all_evidence@4", "all_evidence@10", "mrr@10", "ndcg@10")
RANK_K = 10
YES = {"yes", "true"}
NO = {"no", "false"}
ARTICLES = re.compile(r"\b(a|an|the)\b")


# --- data -----------------------------------------------------------------


def load_queries(path: Path) -> list[dict[str, Any]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return data["queries"] if isinstance(data, dict) else data


def in_split(qid: str, split: str) -> bool:
    if split == "all":
        return True
    test = int(qid) % 5 == 0
    return test if split == "test" else not test


def select(queries: list[dict[str, Any]], split: str, limit: int = 0) -> list[dict[str, Any]]:
    chosen = [q for q in queries if in_split(str(q["id"]), split)]
    return chosen[:limit] if limit else chosen


def gold_facts(q: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(e["fact"] for e in q.get("evidence_list", [])))


def articles(queries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """url -> {metadata of its first appearance, facts: distinct facts in order of first appearance}."""
    out: dict[str, dict[str, Any]] = {}
    for q in queries:
        for e in q.get("evidence_list", []):
            art = out.setdefault(
                e["url"],
                {k: e.get(k, "") for k in ("title", "source", "author", "published_at", "category", "url")} | {"facts": []},
            )
            if e["fact"] not in art["facts"]:
                art["facts"].append(e["fact"])
    return out


def article_file_name(url: str) -> str:
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:16] + ".md"


def build_corpus(queries: list[dict[str, Any]], folder: Path) -> list[Path]:
    """One Markdown file per article (front matter + one paragraph per fact); stale files are removed."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for url, art in articles(queries).items():
        front = {
            "title": art["title"],
            "publisher": art["source"],
            "kind": "news article",
            "date": str(art["published_at"])[:10],
            "url": url,
            "author": art["author"],
            "category": art["category"],
        }
        head = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=10_000)
        text = f"---\n{head}---\n\n" + "\n\n".join(" ".join(f.split()) for f in art["facts"]) + "\n"
        path = folder / article_file_name(url)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        paths.append(path)
    keep = {p.name for p in paths}
    for old in folder.glob("*.md"):
        if old.name not in keep:
            old.unlink()
    return sorted(paths)


# --- scoring --------------------------------------------------------------


def norm_answer(text: str) -> str:
    text = text.lower().replace("’", "'")
    text = "".join(" " if ch in string.punctuation else ch for ch in text)
    return " ".join(ARTICLES.sub(" ", text).split())


def answer_kind(gold: str, qtype: str) -> str:
    if qtype == NULL:
        return "null"
    return "yes_no" if norm_answer(gold) in YES | NO else "name"


def committed_yes_no(answer: str) -> str | None:
    """'yes'/'no' when the answer commits to one in its first word ('Yes, ...', 'No.'), else None."""
    words = norm_answer(answer).split()
    if not words:
        return None
    if words[0] in YES:
        return "yes"
    if words[0] in NO:
        return "no"
    return None


def strict_correct(q: dict[str, Any], a: Answer) -> bool:
    kind = answer_kind(q["answer"], q["question_type"])
    if kind == "null":
        return a.abstained
    if a.abstained:
        return False
    if kind == "yes_no":
        gold = "yes" if norm_answer(q["answer"]) in YES else "no"
        return committed_yes_no(a.answer) == gold
    gold = norm_answer(q["answer"])
    return bool(gold) and f" {gold} " in f" {norm_answer(a.answer)} "


def covers_all_facts(facts: Sequence[str], a: Answer) -> bool:
    if a.abstained or not facts:
        return False
    cited = no_ws(" ".join(c.text for c in a.citations) + " " + a.answer)
    return all(no_ws(f) in cited for f in facts)


def score_ranking(q: dict[str, Any], texts: Sequence[str]) -> dict[str, Any]:
    ranks = hit_ranks(texts, gold_facts(q))
    return {"ranks": ranks, **retrieval_scores(ranks)}


def aggregate_retrieval(records: list[dict[str, Any]], key: str = "retrieval") -> dict[str, Any]:
    """Mean retrieval metrics over the non-null queries, overall and per question type."""
    scored = [r for r in records if r["type"] != NULL and r.get(key)]
    out: dict[str, Any] = {k: mean(r[key][k] for r in scored) for k in RETRIEVAL_KEYS}
    out["retrieval_queries"] = len(scored)
    out["by_type"] = {}
    for t in TYPES:
        rs = [r for r in scored if r["type"] == t]
        if rs:
            out["by_type"][t] = {"n": len(rs), **{k: mean(r[key][k] for r in rs) for k in RETRIEVAL_KEYS}}
    return out


def _lat(records: list[dict[str, Any]], keys: Sequence[str]) -> dict[str, dict[str, float]]:
    return {
        k: {"p50": percentile(vals, 50), "p95": percentile(vals, 95)}
        for k in keys
        if (vals := [r["timings"][k] for r in records if k in r.get("timings", {})])
    }


def score_answer(q: dict[str, Any], a: Answer, settings: Settings) -> dict[str, Any]:
    facts = gold_facts(q)
    kind = answer_kind(q["answer"], q["question_type"])
    return {
        "id": str(q["id"]),
        "type": q["question_type"],
        "answer_kind": kind,
        "question": q["query"],
        "gold": q["answer"],
        "answer": a.answer,
        "abstained": a.abstained,
        "confidence": a.confidence,
        "strict_correct": float(strict_correct(q, a)),
        "committed_yes_no": committed_yes_no(a.answer) if kind == "yes_no" and not a.abstained else None,
        "covers_all_facts": float(covers_all_facts(facts, a)) if kind != "null" else None,
        "citations": [{"n": c.n, "source": c.source, "publisher": c.publisher, "text": c.text} for c in a.citations],
        "valid_citations": sum(citation_valid(c, settings) for c in a.citations),
        "n_citations": len(a.citations),
        # passages shown as "related" when Dossier abstains: quoted too, so checked the same way
        "valid_related": sum(citation_valid(c, settings) for c in a.related),
        "n_related": len(a.related),
        "timings": a.timings,
    }


def aggregate_answers(records: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in records if r["type"] != NULL]
    null = [r for r in records if r["type"] == NULL]
    n_cit = sum(r["n_citations"] for r in records)
    n_rel = sum(r["n_related"] for r in records)
    out: dict[str, Any] = {
        "questions": len(records),
        "answerable": len(answerable),
        "unanswerable": len(null),
        "strict_accuracy": mean(r["strict_correct"] for r in records),
        "strict_accuracy_answerable": mean(r["strict_correct"] for r in answerable),
        "strict_accuracy_yes_no": mean(r["strict_correct"] for r in records if r["answer_kind"] == "yes_no"),
        "strict_accuracy_name": mean(r["strict_correct"] for r in records if r["answer_kind"] == "name"),
        "yes_no_committed": mean(float(r["committed_yes_no"] is not None) for r in records if r["answer_kind"] == "yes_no"),
        "cited_evidence_covers_all_facts": mean(r["covers_all_facts"] for r in answerable),
        "citation_validity": sum(r["valid_citations"] for r in records) / n_cit if n_cit else 1.0,
        "citations_checked": n_cit,
        "related_validity": sum(r["valid_related"] for r in records) / n_rel if n_rel else 1.0,
        "related_checked": n_rel,
        "abstention": prf([r["abstained"] for r in records], [r["type"] == NULL for r in records]),
        "abstain_right_on_answerable": mean(float(not r["abstained"]) for r in answerable),
        "abstain_right_on_unanswerable": mean(float(r["abstained"]) for r in null),
        "latency_ms": _lat(records, ("retrieve_ms", "answer_ms", "total_ms")),
        "by_type": {},
    }
    for t in TYPES:
        rs = [r for r in records if r["type"] == t]
        if not rs:
            continue
        n_c = sum(r["n_citations"] for r in rs)
        bt: dict[str, Any] = {
            "n": len(rs),
            "strict_accuracy": mean(r["strict_correct"] for r in rs),
            "citation_validity": sum(r["valid_citations"] for r in rs) / n_c if n_c else 1.0,
            "abstained": mean(float(r["abstained"]) for r in rs),
        }
        if t != NULL:
            bt["cited_evidence_covers_all_facts"] = mean(r["covers_all_facts"] for r in rs)
        out["by_type"][t] = bt
    return out


def merge_by_type(answers: dict[str, Any], retrieval: dict[str, Any]) -> dict[str, Any]:
    """Answer metrics and retrieval metrics side by side, at the top level and per type."""
    merged = {**answers, **{k: v for k, v in retrieval.items() if k not in ("by_type", "latency_ms")}}
    merged["by_type"] = {t: {**answers["by_type"].get(t, {})} for t in TYPES if t in answers["by_type"] or t in retrieval["by_type"]}
    for t, v in retrieval["by_type"].items():
        merged["by_type"].setdefault(t, {}).update({k: x for k, x in v.items() if k != "n"})
    return merged


# --- the run --------------------------------------------------------------


def build_index(settings: Settings, files: list[Path]) -> dict[str, Any]:
    from app.ingest.pipeline import ingest_paths

    t0 = time.perf_counter()
    report = ingest_paths(settings, files, reset=True)
    if report.failed:
        raise RuntimeError(f"the MultiHop-RAG corpus failed to ingest: {report.failed[:3]}")
    out = report.to_dict()
    out.pop("doc_ids", None)
    out["build_s"] = round(time.perf_counter() - t0, 2)
    return out


def dossier_rankings(settings: Settings, queries: list[dict[str, Any]], desc: str = "multihop/retrieve") -> list[dict[str, Any]]:
    from tqdm import tqdm

    from app.retrieve import get_retriever

    retriever = get_retriever(settings)
    retriever.retrieve("warm-up query", top_k=RANK_K)
    out = []
    for q in tqdm(queries, desc=desc, unit="q", disable=False):
        t0 = time.perf_counter()
        passages = retriever.retrieve(q["query"], top_k=RANK_K)
        ms = (time.perf_counter() - t0) * 1000
        rec = {"id": str(q["id"]), "type": q["question_type"], "timings": {"retrieve_ms": ms}}
        if q["question_type"] != NULL:
            rec["retrieval"] = score_ranking(q, [p.text for p in passages])
        rec["top_publishers"] = [p.publisher for p in passages]
        out.append(rec)
    return out


def ratios(dossier: dict[str, Any], baselines: dict[str, dict[str, Any]]) -> dict[str, float]:
    out = {}
    for metric in ("all_evidence@10", "all_evidence@4", "mrr@10", "hits@10"):
        for name, m in baselines.items():
            if m.get(metric):
                out[f"{metric} dossier/{name}"] = dossier[metric] / m[metric]
    return out


def run(
    settings: Settings,
    data: Path,
    split: str = "test",
    modes: tuple[str, ...] = ("extractive",),
    limit: int = 0,
    baselines: bool = True,
    prototypes: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    from tqdm import tqdm

    from app.answer.engine import ask

    all_queries = load_queries(data)
    queries = select(all_queries, split, limit)
    folder = settings.index_dir / "corpus"
    files = build_corpus(all_queries, folder)  # every article: the other queries' facts are the distractors
    # The generated corpus is this suite's corpus root: sources are its file names, citations check against them.
    settings = settings.model_copy(update={"corpus_dir": folder})
    ingest = build_index(settings, files)
    retrieval_records = dossier_rankings(settings, queries)
    retrieval = aggregate_retrieval(retrieval_records)
    retrieval["latency_ms"] = _lat(retrieval_records, ("retrieve_ms",))

    results: dict[str, Any] = {
        "suite": "multihop",
        "data": str(data),
        "split": split,
        "n_queries": len(queries),
        "corpus": {"documents": len(files), "folder": str(folder)},
        "ingest": ingest,
        "modes": {},
        "dossier_retrieval": retrieval,
        "attribution": "MultiHop-RAG (Tang & Yang, 2024, arXiv 2401.15391), yixuantt/MultiHopRAG, ODC-BY 1.0",
    }
    for mode in modes:
        s = settings.model_copy(update={"llm": mode})
        ask("warm-up question about the documents", settings=s)  # load models outside the timings
        records = []
        t0 = time.perf_counter()
        for q in tqdm(queries, desc=f"multihop/{mode}", unit="q", disable=False):
            records.append(score_answer(q, ask(q["query"], settings=s), s))
        for rec, rr in zip(records, retrieval_records, strict=True):
            rec["retrieval"] = rr.get("retrieval")
        agg = merge_by_type(aggregate_answers(records), retrieval)
        agg["retrieval_latency_ms"] = retrieval["latency_ms"]
        agg["seconds"] = time.perf_counter() - t0
        curve = threshold_curve([{**r, "answerable": r["type"] != NULL} for r in records])
        results["modes"][mode] = {"metrics": agg, "threshold_curve": curve, "records": records}

    if baselines:
        from eval import baselines as bl

        base = bl.run_all(settings, folder, queries)
        results["baselines"] = {name: b["metrics"] for name, b in base.items()}
        results["baseline_records"] = {name: b["records"] for name, b in base.items()}
        results["ratios"] = ratios(retrieval, results["baselines"])
    if prototypes:
        from eval import baselines as bl

        proto = bl.run_all(settings, folder, queries, bl.PROTOTYPES)
        results["prototypes"] = {name: b["metrics"] for name, b in proto.items()}
    results["retrieval_records"] = retrieval_records
    return results

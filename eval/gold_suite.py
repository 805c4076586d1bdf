"""The gold suite: Dossier's own questions about the sample corpus (eval/gold/*.json).

For each answer mode it asks every question through ``app.answer.engine.ask`` (the
same path as the CLI and the chat) and measures key-fact recall, citation validity
(each citation is the exact slice of its source), sentence support, citation
precision/recall against the gold documents, abstention, and latency. With a judge endpoint
configured (``DOSSIER_JUDGE_BASE_URL``), ``eval/judge.py`` adds LlamaIndex correctness and
faithfulness scores beside these figures; without one the report says it was skipped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.settings import Settings
from app.types import Answer
from eval.metrics import fact_present, key_fact_recall, mean, percentile, prf

DEFAULT_GOLD = Path(__file__).parent / "gold" / "sample_corpus.json"


def load_gold(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["questions"]


def build_index(settings: Settings, files: list[Path]) -> dict[str, Any]:
    from app.ingest.pipeline import ingest_paths

    report = ingest_paths(settings, files, reset=True)
    if report.failed:
        raise RuntimeError(f"gold corpus failed to ingest: {report.failed}")
    return report.to_dict()


def citation_valid(c: Any, settings: Settings) -> bool:
    """The citation's text is exactly the [start:end] slice of its document (and of the file, for text formats)."""
    snap = settings.index_dir / "text" / f"{c.doc_id}.txt"
    try:
        doc_text = snap.read_text(encoding="utf-8")
    except OSError:
        return False
    if doc_text[c.start : c.end] != c.text:
        return False
    src = settings.corpus_dir / c.source
    if src.suffix.lower() in (".txt", ".md", ".markdown") and src.exists():
        raw = src.read_bytes().decode("utf-8-sig")
        return raw[c.start : c.end] == c.text
    return True


def score_answer(q: dict[str, Any], a: Answer, settings: Settings) -> dict[str, Any]:
    cited_sources = {c.source for c in a.citations}
    gold_sources = set(q.get("gold_sources", []))
    full_text = a.answer + " " + " ".join(c.text for c in a.citations)
    rec: dict[str, Any] = {
        "id": q["id"],
        "type": q["type"],
        "question": q["question"],
        "answerable": q["answerable"],
        "abstained": a.abstained,
        "confidence": a.confidence,
        "answer": a.answer,
        "citations": [{"n": c.n, "source": c.source, "text": c.text} for c in a.citations],
        "valid_citations": sum(citation_valid(c, settings) for c in a.citations),
        "n_citations": len(a.citations),
        "sentences_supported": sum(s.supported for s in a.sentences),
        "sentences_total": len(a.sentences),
        "timings": a.timings,
        "notes": a.notes,
    }
    if q["answerable"]:
        rec["key_fact_recall"] = key_fact_recall(q["key_facts"], a.answer) if not a.abstained else 0.0
        rec["all_facts"] = float(not a.abstained and all(fact_present(f, a.answer) for f in q["key_facts"]))
        rec["any_fact"] = float(not a.abstained and any(fact_present(f, a.answer) for f in q["key_facts"]))
        rec["key_fact_recall_with_citations"] = key_fact_recall(q["key_facts"], full_text) if not a.abstained else 0.0
        rec["citation_precision"] = len(cited_sources & gold_sources) / len(cited_sources) if cited_sources else 0.0
        rec["citation_recall"] = len(cited_sources & gold_sources) / len(gold_sources) if gold_sources else 1.0
    return rec


def aggregate(records: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in records if r["answerable"]]
    unanswerable = [r for r in records if not r["answerable"]]
    answered = [r for r in answerable if not r["abstained"]]
    n_cit = sum(r["n_citations"] for r in records)
    n_sent = sum(r["sentences_total"] for r in records)
    abst = prf([r["abstained"] for r in records], [not r["answerable"] for r in records])
    lat = {
        key: {"p50": percentile(vals, 50), "p95": percentile(vals, 95)}
        for key in ("retrieve_ms", "answer_ms", "total_ms")
        if (vals := [r["timings"].get(key, 0.0) for r in records])
    }
    by_type: dict[str, dict[str, float]] = {}
    for t in sorted({r["type"] for r in answerable}):
        rs = [r for r in answerable if r["type"] == t]
        by_type[t] = {
            "n": len(rs),
            "key_fact_recall": mean(r["key_fact_recall"] for r in rs),
            "any_fact": mean(r["any_fact"] for r in rs),
            "citation_recall": mean(r["citation_recall"] for r in rs),
        }
    return {
        "questions": len(records),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "key_fact_recall": mean(r["key_fact_recall"] for r in answerable),
        "answer_has_a_key_fact": mean(r["any_fact"] for r in answerable),
        "answer_has_all_key_facts": mean(r["all_facts"] for r in answerable),
        "key_fact_recall_with_citations": mean(r["key_fact_recall_with_citations"] for r in answerable),
        "citation_validity": sum(r["valid_citations"] for r in records) / n_cit if n_cit else 1.0,
        "sentence_support": sum(r["sentences_supported"] for r in records) / n_sent if n_sent else 1.0,
        "citation_precision": mean(r["citation_precision"] for r in answered),
        "citation_recall": mean(r["citation_recall"] for r in answerable),
        "abstention": abst,
        "abstain_right_on_answerable": mean(float(not r["abstained"]) for r in answerable),
        "abstain_right_on_unanswerable": mean(float(r["abstained"]) for r in unanswerable),
        "latency_ms": lat,
        "by_type": by_type,
    }


def threshold_curve(records: list[dict[str, Any]], steps: int = 41) -> list[dict[str, float]]:
    """Abstention F1 if the threshold were t: abstain when confidence < t (answers' confidence recorded)."""
    out = []
    confs = [r["confidence"] for r in records]
    if not confs:
        return out
    lo, hi = min(confs) - 0.01, max(confs) + 0.01
    for i in range(steps):
        t = lo + (hi - lo) * i / (steps - 1)
        pred = [c < t for c in confs]
        gold = [not r["answerable"] for r in records]
        m = prf(pred, gold)
        right = mean(float(p == g) for p, g in zip(pred, gold, strict=True))
        out.append({"threshold": round(t, 4), "f1": m["f1"], "precision": m["precision"], "recall": m["recall"], "accuracy": right})
    return out


def run(
    settings: Settings,
    gold_path: Path = DEFAULT_GOLD,
    modes: tuple[str, ...] = ("extractive",),
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    from tqdm import tqdm

    from app.answer.engine import ask

    questions = load_gold(gold_path)
    files = sorted({settings.corpus_dir / s for q in questions for s in q.get("gold_sources", [])})
    ingest = build_index(settings, files)
    results: dict[str, Any] = {"suite": "gold", "gold": str(gold_path), "ingest": ingest, "modes": {}}
    for mode in modes:
        s = settings.model_copy(update={"llm": mode})
        ask("warm-up question about the documents", settings=s)  # load models outside the timings
        records = []
        t0 = time.perf_counter()
        for q in tqdm(questions, desc=f"gold/{mode}", unit="q", disable=False):
            a = ask(q["question"], settings=s)
            records.append(score_answer(q, a, s))
        agg = aggregate(records)
        agg["seconds"] = time.perf_counter() - t0
        results["modes"][mode] = {"metrics": agg, "threshold_curve": threshold_curve(records), "records": records}
        from eval.judge import judge

        results["modes"][mode]["judge"] = judge(s, questions, records)  # optional; beside, not inside, the metrics
    return results

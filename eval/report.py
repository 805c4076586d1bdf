"""Reports: summary.md (tables) and report.html (tables and plots) from a suite's results."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

HEADLINE = [
    "score",
    "score_without_follow_ups",
    "answerable_right",
    "unanswerable_abstained",
    "citation_verbatim",
    "non_verbatim_citations",
    "key_fact_recall",
    "answer_has_a_key_fact",
    "answer_has_all_key_facts",
    "citation_validity",
    "sentence_support",
    "citation_precision",
    "citation_recall",
    "abstain_right_on_answerable",
    "abstain_right_on_unanswerable",
    "strict_accuracy",
    "cited_evidence_covers_all_facts",
    "hits@10",
    "all_evidence@4",
    "all_evidence@10",
    "mrr@10",
]


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def _rows(results: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    rows = [(f"dossier/{mode}", r["metrics"]) for mode, r in results.get("modes", {}).items()]
    rows += [(f"baseline/{name}", m) for name, m in results.get("baselines", {}).items()]
    rows += [(f"prototype/{name}", m) for name, m in results.get("prototypes", {}).items()]
    return rows


def headline_table(results: dict[str, Any]) -> str:
    rows = _rows(results)
    keys = [k for k in HEADLINE if any(k in m for _, m in rows)]
    extra = ["abstention_f1", "p50_total_ms", "p95_total_ms", "p50_retrieve_ms"]
    first_token = any("first_token_ms" in m.get("latency_ms", {}) for _, m in rows)
    if first_token:
        extra += ["p50_first_token_ms", "p95_first_token_ms"]
    lines = ["| system | " + " | ".join(keys + extra) + " |", "|---" * (len(keys) + len(extra) + 1) + "|"]
    for name, m in rows:
        lat = m.get("latency_ms", {}).get("total_ms", {})
        vals = [_fmt(m.get(k, "")) for k in keys]
        ret = m.get("latency_ms", {}).get("retrieve_ms", {})
        vals += [_fmt(m.get("abstention", {}).get("f1", "")), _fmt(lat.get("p50", "")), _fmt(lat.get("p95", ""))]
        vals.append(_fmt(ret.get("p50", "")))
        if first_token:
            ft = m.get("latency_ms", {}).get("first_token_ms", {})
            vals += [_fmt(ft.get("p50", "")), _fmt(ft.get("p95", ""))]
        lines.append(f"| {name} | " + " | ".join(vals) + " |")
    return "\n".join(lines)


def by_type_table(results: dict[str, Any]) -> str:
    out = []
    for name, m in _rows(results):
        bt = m.get("by_type")
        if not bt:
            continue
        keys = sorted({k for v in bt.values() for k in v})
        out.append(f"\n**{name}** by question type\n")
        out.append("| type | " + " | ".join(keys) + " |")
        out.append("|---" * (len(keys) + 1) + "|")
        for t, v in bt.items():
            out.append(f"| {t} | " + " | ".join(_fmt(v.get(k, "")) for k in keys) + " |")
    return "\n".join(out)


def _cell(text: Any, width: int = 160) -> str:
    t = " ".join(str(text).split()).replace("|", "\\|")
    return t if len(t) <= width else t[: width - 1] + "…"


def failures_section(results: dict[str, Any]) -> str:
    """Corpus suite: failure reasons, each failing question with its reasons, and non-verbatim citations."""
    out = []
    for mode, r in results.get("modes", {}).items():
        if "failures" not in r:
            continue
        m = r["metrics"]
        out.append(f"\n## Failures ({mode}): {len(r['failures'])} of {m.get('questions', '')} questions\n")
        for reason, n in m.get("failure_reasons", {}).items():
            out.append(f"- {reason}: {n}")
        if r["failures"]:
            out.append("\n| # | type | question | reasons | details | answer |")
            out.append("|---|---|---|---|---|---|")
            for f in r["failures"]:
                details = []
                if f.get("facts_missing"):
                    details.append("missing: " + "; ".join(f["facts_missing"]))
                if f.get("yes_no"):
                    details.append(f["yes_no"])
                if "cited" in f:
                    details.append("cited: " + (", ".join(Path(c).name for c in f["cited"]) or "nothing"))
                out.append(
                    f"| {f['index']} | {f['type']} | {_cell(f['question'], 100)} | {', '.join(f['reasons'])} "
                    f"| {_cell('; '.join(details), 200)} | {_cell(f['answer'], 160)} |"
                )
        bad = r.get("non_verbatim") or []
        out.append(
            f"\nCitations ({mode}): {m.get('citations_checked', 0)} checked, {m.get('non_verbatim_citations', 0)} not verbatim"
            f" in the file ({m.get('non_verbatim_gap', 0)} not contiguous, {m.get('non_verbatim_altered', 0)} with text"
            f" not in the file), {m.get('inexact_citations', 0)} not the exact slice of the document text,"
            f" {m.get('unchecked_citations', 0)} in formats without an extractor; related passages:"
            f" {m.get('related_checked', 0)} checked, {m.get('related_non_verbatim', 0)} not verbatim,"
            f" {m.get('related_inexact', 0)} inexact."
        )
        if bad:
            out.append("\n| # | kind | source | extractor | verbatim | exact slice | problem | not found | text |")
            out.append("|---|---|---|---|---|---|---|---|---|")
            for c in bad:
                out.append(
                    f"| {c['index']} | {c['kind']} | {Path(c['source']).name} | {c['extractor']} | {c['verbatim']} "
                    f"| {c['exact_slice']} | {_cell(c.get('problem', ''), 60)} | {_cell(c.get('not_found', ''), 100)} "
                    f"| {_cell(c['text'], 200)} |"
                )
    return "\n".join(out)


def render_markdown(results: dict[str, Any]) -> str:
    parts = [f"# Dossier evaluation: {results.get('suite')} ({results.get('date', '')})", ""]
    if results.get("split"):
        parts.append(f"Split: {results['split']}, queries: {results.get('n_queries', '')}\n")
    if results.get("suite") == "corpus":
        parts.append(f"Corpus: {results.get('corpus')}, questions: {results.get('questions_file')}\n")
    parts.append(headline_table(results))
    parts.append(by_type_table(results))
    parts.append(failures_section(results))
    if results.get("ratios"):
        parts.append("\n## Ratios (Dossier / baseline)\n")
        for k, v in results["ratios"].items():
            parts.append(f"- {k}: {_fmt(v)}")
    for mode, r in results.get("modes", {}).items():
        j = r.get("judge")
        if j and j.get("skipped"):
            parts.append(f"\n{j['skipped']}")
        elif j:
            parts.append(
                f"\nLLM judge ({mode}, {j['model']} at {j['endpoint']}, {j['judged']} answered questions): "
                f"correctness {j['correctness']:.2f}/5 (passing {j['correctness_pass']:.3f}), faithfulness {j['faithfulness']:.3f}"
                + (f"; {len(j['errors'])} judge errors" if j.get("errors") else "")
                + "."
            )
        curve = r.get("threshold_curve") or []
        if curve:
            best = max(curve, key=lambda c: (c["f1"], c["accuracy"]))
            parts.append(
                f"\nAbstention threshold sweep ({mode}): best F1 {best['f1']:.3f} at threshold {best['threshold']:.3f}"
                f" (accuracy {best['accuracy']:.3f})."
            )
    return "\n".join(parts) + "\n"


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode()


def _plots(results: dict[str, Any]) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plots = []
    rows = _rows(results)
    # metrics per question type, Dossier against baselines
    types = sorted({t for _, m in rows for t in m.get("by_type", {})})
    if types:
        metric = "strict_accuracy" if any("strict_accuracy" in v for _, m in rows for v in m.get("by_type", {}).values()) else "key_fact_recall"
        if any("score" in v for _, m in rows for v in m.get("by_type", {}).values()):
            metric = "score"
        if any("all_evidence@10" in v for _, m in rows for v in m.get("by_type", {}).values()):
            metric = "all_evidence@10"
        fig, ax = plt.subplots(figsize=(8, 3.5))
        width = 0.8 / max(1, len(rows))
        for i, (name, m) in enumerate(rows):
            vals = [m.get("by_type", {}).get(t, {}).get(metric, 0) for t in types]
            ax.bar([x + i * width for x in range(len(types))], vals, width, label=name)
        ax.set_xticks([x + 0.4 - width / 2 for x in range(len(types))], types, rotation=15)
        ax.set_ylabel(metric)
        ax.set_ylim(0, 1.05)
        ax.legend(fontsize=7)
        plots.append((f"{metric} per question type", _png(fig)))
        plt.close(fig)
    # latency distribution
    fig, ax = plt.subplots(figsize=(6, 3))
    any_lat = False
    for mode, r in results.get("modes", {}).items():
        vals = [rec["timings"].get("total_ms", 0) for rec in r.get("records", []) if rec.get("timings")]
        if vals:
            any_lat = True
            ax.hist(vals, bins=20, alpha=0.6, label=mode)
    if any_lat:
        ax.set_xlabel("total latency (ms)")
        ax.legend()
        plots.append(("Latency distribution", _png(fig)))
    plt.close(fig)
    # abstention threshold curve
    fig, ax = plt.subplots(figsize=(6, 3))
    any_curve = False
    for mode, r in results.get("modes", {}).items():
        curve = r.get("threshold_curve") or []
        if curve:
            any_curve = True
            ax.plot([c["threshold"] for c in curve], [c["f1"] for c in curve], label=f"{mode} F1")
            ax.plot([c["threshold"] for c in curve], [c["accuracy"] for c in curve], "--", label=f"{mode} accuracy")
    if any_curve:
        ax.set_xlabel("abstention threshold (best evidence score)")
        ax.legend(fontsize=7)
        plots.append(("Abstention threshold curve", _png(fig)))
    plt.close(fig)
    return plots


def render_html(results: dict[str, Any], folder: Path) -> Path:
    import markdown_it

    md = markdown_it.MarkdownIt().enable("table")
    body = md.render(render_markdown(results))
    imgs = "".join(
        f"<h2>{html.escape(title)}</h2><img alt='{html.escape(title)}' src='data:image/png;base64,{data}'>"
        for title, data in _plots(results)
    )
    page = (
        "<!doctype html><meta charset='utf-8'><title>Dossier evaluation</title>"
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px}</style>"
        f"{body}{imgs}"
    )
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8")
    return path

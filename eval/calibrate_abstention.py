"""Fit the two abstention thresholds on the gold set and MultiHop-RAG dev together.

Usage (after `dossier eval --suite gold` and `dossier eval --suite multihop --split dev` wrote their reports):

    python -m eval.calibrate_abstention GOLD_REPORT/metrics.json MULTIHOP_DEV_REPORT/metrics.json

Questions with more than ``LONG_QUESTION_WORDS`` topic words are held to DOSSIER_ABSTAIN_THRESHOLD_LONG,
the others to DOSSIER_ABSTAIN_THRESHOLD. A grid search picks the pair maximising the worse of the gold
set's abstention accuracy on answerable and on unanswerable questions, plus abstention F1 on MultiHop
dev. Only dev data is used; MultiHop test stays held out. Writes
eval/reports/<date>-abstention-calibration/ (metrics.json, summary.md).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from app.answer.answerability import LONG_QUESTION_WORDS
from app.answer.text import topic_terms
from app.settings import PROJECT_ROOT
from eval.metrics import prf

Row = tuple[bool, float, bool]  # (long question, confidence, answerable)


def rows(path: Path) -> list[Row]:
    records = json.loads(path.read_text(encoding="utf-8"))["modes"]["extractive"]["records"]
    out = []
    for r in records:
        answerable = r["answerable"] if "answerable" in r else r["type"] != "null_query"
        out.append((len(topic_terms(r["question"])) > LONG_QUESTION_WORDS, r.get("confidence") or 0.0, answerable))
    return out


def rates(data: list[Row], short: float, long: float) -> dict[str, float]:
    abstained = [conf < (long if is_long else short) for is_long, conf, _ in data]
    ans = [not a for a, d in zip(abstained, data, strict=True) if d[2]]
    una = [a for a, d in zip(abstained, data, strict=True) if not d[2]]
    return {
        "answerable_right": sum(ans) / max(1, len(ans)),
        "unanswerable_right": sum(una) / max(1, len(una)),
        "abstention_f1": prf(abstained, [not d[2] for d in data])["f1"],
    }


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 2:
        print(__doc__)
        return 2
    gold, dev = rows(Path(args[0])), rows(Path(args[1]))
    grid: list[dict[str, Any]] = []
    for s in range(36, 53):
        for lg in range(5, 41):
            short, long = s / 100, lg / 200
            g, m = rates(gold, short, long), rates(dev, short, long)
            objective = min(g["answerable_right"], g["unanswerable_right"]) + m["abstention_f1"]
            grid.append({"short": short, "long": long, "objective": round(objective, 4), "gold": g, "multihop_dev": m})
    grid.sort(key=lambda r: -r["objective"])
    best = grid[0]
    folder = PROJECT_ROOT / "eval" / "reports" / f"{dt.date.today().isoformat()}-abstention-calibration"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics.json").write_text(json.dumps({"inputs": args, "best": best, "grid_top": grid[:20]}, indent=1))
    lines = [
        "# Abstention calibration (gold set + MultiHop-RAG dev)",
        "",
        f"Questions with more than {LONG_QUESTION_WORDS} topic words use the long threshold. Objective: the worse",
        "of the gold set's abstention accuracy on answerable and unanswerable questions, plus abstention F1",
        "on MultiHop dev (null queries). MultiHop test is not used.",
        "",
        "| short threshold | long threshold | gold answerable | gold unanswerable | MultiHop dev answerable | MultiHop dev null | MultiHop dev F1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in grid[:6]:
        g, m = r["gold"], r["multihop_dev"]
        lines.append(
            f"| {r['short']:.3f} | {r['long']:.3f} | {g['answerable_right']:.3f} | {g['unanswerable_right']:.3f} "
            f"| {m['answerable_right']:.3f} | {m['unanswerable_right']:.3f} | {m['abstention_f1']:.3f} |"
        )
    lines += ["", f"Chosen: {best['short']:.3f} / {best['long']:.3f} (first row)."]
    (folder / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"report: {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

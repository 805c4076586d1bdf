"""Fit the abstention threshold and the long-question credit on the gold set and MultiHop-RAG dev together.

Usage (after `dossier eval --suite gold` and `dossier eval --suite multihop --split dev` wrote their reports):

    python -m eval.calibrate_abstention GOLD_REPORT/metrics.json MULTIHOP_DEV_REPORT/metrics.json

Each record carries the answer's confidence; the credit a long question earned is taken back out, and a
grid search picks (threshold, credit per topic word) maximising the worse of the two kinds' abstention
accuracy on the gold set plus the same on MultiHop dev. Writes eval/reports/<date>-abstention-calibration/.
Only dev data is used; MultiHop test stays held out.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from app.answer.answerability import LENGTH_CREDIT, SHORT_QUESTION_TERMS
from app.answer.text import topic_terms
from app.settings import PROJECT_ROOT


def rows(path: Path, source: str) -> list[tuple[str, int, float, bool]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    mode = data["modes"]["extractive"]["records"]
    out = []
    for r in mode:
        n = len(topic_terms(r["question"]))
        raw = (r.get("confidence") or 0.0) - LENGTH_CREDIT * max(0, n - SHORT_QUESTION_TERMS)
        answerable = r["answerable"] if "answerable" in r else r["type"] != "null_query"
        out.append((source, n, raw, answerable))
    return out


def rates(data: list[tuple[str, int, float, bool]], threshold: float, credit: float) -> dict[str, dict[str, float]]:
    res: dict[str, dict[str, float]] = {}
    for src in sorted({d[0] for d in data}):
        mine = [d for d in data if d[0] == src]
        answered = [d[2] + credit * max(0, d[1] - SHORT_QUESTION_TERMS) >= threshold for d in mine]
        ans = [a for a, d in zip(answered, mine, strict=True) if d[3]]
        una = [not a for a, d in zip(answered, mine, strict=True) if not d[3]]
        res[src] = {
            "answerable_right": sum(ans) / max(1, len(ans)),
            "unanswerable_right": sum(una) / max(1, len(una)),
        }
    return res


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 2:
        print(__doc__)
        return 2
    data = rows(Path(args[0]), "gold") + rows(Path(args[1]), "multihop_dev")
    grid = []
    for t in range(30, 56):
        for c in range(0, 21):
            threshold, credit = t / 100, c * 0.0025
            r = rates(data, threshold, credit)
            objective = sum(min(v.values()) for v in r.values())
            grid.append({"threshold": threshold, "credit": credit, "objective": round(objective, 4), **{k: v for k, v in r.items()}})
    grid.sort(key=lambda g: (-g["objective"], g["credit"]))
    best = grid[0]
    no_credit = max((g for g in grid if g["credit"] == 0), key=lambda g: g["objective"])
    folder = PROJECT_ROOT / "eval" / "reports" / f"{dt.date.today().isoformat()}-abstention-calibration"
    folder.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"inputs": args, "best": best, "best_without_credit": no_credit, "grid_top": grid[:20]}
    (folder / "metrics.json").write_text(json.dumps(result, indent=1))
    lines = [
        "# Abstention calibration (gold set + MultiHop-RAG dev)",
        "",
        "Objective: for each data set, the worse of abstention accuracy on answerable and on unanswerable",
        "questions; summed over both sets. `credit` is confidence given back per topic word past "
        f"{SHORT_QUESTION_TERMS}.",
        "",
        "| threshold | credit | gold answerable | gold unanswerable | MultiHop dev answerable | MultiHop dev null |",
        "|---|---|---|---|---|---|",
    ]
    for g in [best, no_credit, *grid[1:8]]:
        lines.append(
            f"| {g['threshold']:.2f} | {g['credit']:.4f} | {g['gold']['answerable_right']:.3f} | {g['gold']['unanswerable_right']:.3f} "
            f"| {g['multihop_dev']['answerable_right']:.3f} | {g['multihop_dev']['unanswerable_right']:.3f} |"
        )
    lines += ["", f"Chosen: threshold {best['threshold']:.2f}, credit {best['credit']:.4f} (row 1); row 2 is the best with no credit."]
    (folder / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"report: {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

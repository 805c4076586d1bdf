"""``dossier eval``: run an evaluation suite and write a report under eval/reports/<date>-<name>/."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from app.settings import PROJECT_ROOT, get_settings

REPORTS = PROJECT_ROOT / "eval" / "reports"


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="dossier eval", description="Measure Dossier's accuracy and latency.")
    p.add_argument("--suite", choices=["gold", "multihop", "sweep", "corpus", "verifier"], default="gold")
    p.add_argument("--gold", type=Path, help="gold set JSON (gold suite)")
    p.add_argument("--data", type=Path, help="MultiHop-RAG queries.json (multihop and sweep suites)")
    p.add_argument("--split", choices=["dev", "test", "all"], help="MultiHop-RAG split (default: test; the sweep allows dev only)")
    p.add_argument("--corpus", type=Path, help="folder of documents to evaluate on (corpus suite)")
    p.add_argument("--questions", type=Path, help="questions file, JSON Lines (corpus suite; format: shared/corpora/README.md)")
    p.add_argument("--modes", default="extractive", help="comma-separated answer modes, e.g. extractive,embedded")
    p.add_argument("--name", default="", help="report name (default: the suite)")
    p.add_argument("--out", type=Path, default=REPORTS, help="reports folder")
    p.add_argument(
        "--index-dir", type=Path, help="index folder for the suite (default: index/eval-<suite>; corpus: index/eval-corpus-<DIR name>)"
    )
    p.add_argument("--limit", type=int, default=0, help="only the first N questions (smoke runs)")
    p.add_argument("--abstain-threshold", type=float, help="override DOSSIER_ABSTAIN_THRESHOLD (calibrated on a dev split)")
    p.add_argument("--abstain-threshold-long", type=float, help="override DOSSIER_ABSTAIN_THRESHOLD_LONG (questions of more than 10 topic words)")
    return p.parse_args(argv)


def write_report(results: dict[str, Any], out: Path, name: str) -> Path:
    from eval.report import render_html, render_markdown

    folder = out / f"{dt.date.today().isoformat()}-{name}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics.json").write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str))
    (folder / "summary.md").write_text(render_markdown(results))
    render_html(results, folder)
    return folder


def main(argv: list[str] | None = None) -> int:
    args = parse(argv or [])
    base = get_settings()
    from app.embedding import warm_torch

    warm_torch()  # a long run: every encode in torch, as in the chat server (latency comparable)
    if args.suite == "corpus":
        from eval import corpus_suite

        if not args.corpus or not args.questions:
            print("error: the corpus suite needs --corpus DIR (the documents) and --questions FILE (JSON Lines)")
            return 2
        try:
            corpus_suite.check_corpus(args.corpus)
            corpus_suite.load_questions(args.questions, args.corpus)
        except corpus_suite.CorpusError as exc:
            print(f"error: {exc}")
            return 2
    suffix = f"corpus-{args.corpus.resolve().name}" if args.suite == "corpus" else args.suite
    index_dir = args.index_dir or (base.index_dir / f"eval-{suffix}")
    update: dict[str, object] = {"index_dir": index_dir}
    if args.abstain_threshold is not None:
        update["abstain_threshold"] = args.abstain_threshold
    if args.abstain_threshold_long is not None:
        update["abstain_threshold_long"] = args.abstain_threshold_long
    settings = base.model_copy(update=update)
    modes = tuple(m.strip() for m in args.modes.split(",") if m.strip())
    if args.suite == "gold":
        from eval import gold_suite

        results = gold_suite.run(settings, args.gold or gold_suite.DEFAULT_GOLD, modes)
    elif args.suite == "corpus":
        from eval import corpus_suite

        try:
            results = corpus_suite.run(settings, args.corpus, args.questions, modes, limit=args.limit)
        except corpus_suite.CorpusError as exc:
            print(f"error: {exc}")
            return 2
    elif args.suite == "verifier":
        from eval import verifier_suite

        verifier_suite.run_cli(settings, getattr(args, "corpus", None), args.data, args.limit, args.out, args.name)
        return 0
    elif args.suite == "sweep":
        from eval import sweep

        if not args.data:
            print("error: --data PATH to MultiHop-RAG queries.json is required for the sweep")
            return 2
        if (args.split or "dev") != "dev":
            print("error: the sweep tunes on the dev split only; the test split is kept for the final measurement")
            return 2
        results = sweep.run(settings, args.data, "dev", limit=args.limit)
        results["date"] = dt.datetime.now().isoformat(timespec="seconds")
        folder = args.out / f"{dt.date.today().isoformat()}-{args.name or 'sweep'}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "metrics.json").write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str))
        (folder / "summary.md").write_text(sweep.render_markdown(results))
        print((folder / "summary.md").read_text().split("## Every configuration")[0])
        print(f"report: {folder}")
        return 0
    else:
        from eval import multihop_suite

        if not args.data:
            print("error: --data PATH to MultiHop-RAG queries.json is required for the multihop suite")
            return 2
        results = multihop_suite.run(settings, args.data, args.split or "test", modes, limit=args.limit)
    results["date"] = dt.datetime.now().isoformat(timespec="seconds")
    results["settings"] = {k: str(v) for k, v in settings.model_dump().items()}
    folder = write_report(results, args.out, args.name or suffix)
    print((folder / "summary.md").read_text())
    print(f"report: {folder}")
    return 0

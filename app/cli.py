"""The ``dossier`` command: ingest, ask, serve, eval, bench, settings.

Heavy libraries are imported inside each command, so ``dossier --help`` is instant.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import app  # noqa: F401  (sets the offline environment first)
from app.settings import describe_settings, get_settings


def _progress_bar(enabled: bool) -> Any:
    if not enabled:
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=0, unit="file", file=sys.stderr, leave=False, disable=False)

    def update(done: int, total: int, name: str) -> None:
        bar.total = total
        bar.n = done
        bar.set_postfix_str(Path(name).name[-40:] if name else "")
        bar.refresh()

    return update, bar


def _peak_rss() -> dict[str, float]:
    """This process's peak resident memory (VmHWM: the address space's own high-water mark, begun at
    exec, unlike ``ru_maxrss``, which inherits the parent's across fork and exec). Linux only."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return {"peak_rss_mb": round(int(line.split()[1]) / 1024, 1)}
    except (OSError, ValueError, IndexError):
        pass
    return {}


def cmd_ingest(args: argparse.Namespace) -> int:
    from app.ingest.pipeline import ingest_paths
    from app.store import StoreUnavailable

    settings = get_settings()
    paths = args.paths or [str(settings.corpus_dir)]
    update, bar = _progress_bar(not args.json and sys.stderr.isatty())
    try:
        report = ingest_paths(settings, paths, reset=args.reset, prune=args.prune, progress=update)
        from app.ingest.status import record_failures

        record_failures(settings, report, [str(p) for p in paths])
    except StoreUnavailable as exc:
        msg = f"index unusable: {exc}"
        print(json.dumps({"error": msg}) if args.json else f"error: {msg}", file=sys.stdout if args.json else sys.stderr)
        return 2
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        print(json.dumps({**report.to_dict(), **_peak_rss()}, ensure_ascii=False))
    else:
        print(report.summary())
    ingested = report.added + report.updated + report.unchanged + report.removed
    if report.failed and ingested == 0 and report.documents == 0:
        return 1
    if not report.failed and ingested == 0 and report.documents == 0:
        print("nothing to ingest: no supported files found", file=sys.stderr)
        return 1
    return 0


def _filters_from_args(args: argparse.Namespace) -> Any:
    from app.retrieve import Filters

    return Filters(
        sources=args.doc or [],
        publishers=args.publisher or [],
        kinds=args.kind or [],
        date_from=args.date_from or "",
        date_to=args.date_to or "",
    )


def _print_answer(answer: Any) -> None:
    print(answer.answer)
    if answer.citations:
        print()
        for c in answer.citations:
            print(f"[{c.n}] {c.label()} | {c.title} | {c.source}")
            print(f"    \u201c{' '.join(c.text.split())}\u201d")
    if answer.abstained and answer.related:
        print("\nClosest passages (not an answer):")
        for c in answer.related:
            print(f"  - {c.label()} | {c.source}: {' '.join(c.text.split())[:200]}")
    for note in answer.notes:
        print(f"\nnote: {note}")
    dropped = answer.dropped
    if dropped:
        print(f"\n({len(dropped)} unsupported sentence(s) removed by the verifier)")


def cmd_ask(args: argparse.Namespace) -> int:
    if args.report and Path(args.report).suffix.lower() not in (".md", ".docx"):
        print(f"error: --report {args.report}: the file name must end in .md or .docx", file=sys.stderr)
        return 2
    from app.answer.engine import AskError, ask
    from app.store import StoreUnavailable

    settings = get_settings()
    if args.mode:
        settings = settings.model_copy(update={"llm": args.mode})
    if args.top_k:
        settings = settings.model_copy(update={"top_k": args.top_k})
    filters = _filters_from_args(args)
    if args.question == "-":
        questions = [line.strip() for line in sys.stdin if line.strip()]
        if len(questions) > 1:
            from app.embedding import warm_torch

            warm_torch()  # several questions: torch's encodes repay its import (one question: numpy, no import)
    else:
        questions = [args.question]
    status = 0
    answers: list[Any] = []
    for q in questions:
        try:
            answer = ask(q, settings=settings, filters=filters)
        except (AskError, StoreUnavailable) as exc:
            status = 1
            if args.json:
                print(json.dumps({"question": q, "error": str(exc)}, ensure_ascii=False), flush=True)
            else:
                print(f"error: {exc}", file=sys.stderr)
            continue
        answers.append(answer)
        if args.json:
            print(json.dumps(answer.to_dict(), ensure_ascii=False), flush=True)
        else:
            _print_answer(answer)
    if args.report:
        if not answers:
            print("error: no answers, so no report was written", file=sys.stderr)
            return status or 1
        from app.report import write_report

        path = write_report(answers, Path(args.report))
        # On stderr with --json, so that stdout stays one JSON object per line.
        print(f"report written: {path}", file=sys.stderr if args.json else sys.stdout)
    return status


def cmd_serve(args: argparse.Namespace) -> int:
    from app.ui.server import serve

    return serve(host=args.host, port=args.port, insecure=args.insecure)


def cmd_eval(args: argparse.Namespace) -> int:
    from eval.run import main as eval_main

    return eval_main(args.rest)


def cmd_bench(args: argparse.Namespace) -> int:
    from eval.bench import main as bench_main

    return bench_main(args.rest)


def cmd_settings(args: argparse.Namespace) -> int:
    settings = get_settings()
    for env, default, desc in describe_settings():
        name = env.removeprefix("DOSSIER_").lower()
        print(f"{env}={getattr(settings, name)!s}    # {desc} (default: {default})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dossier", description="Cited, verified answers over your documents, offline.")
    sub = p.add_subparsers(dest="command", required=True)

    pi = sub.add_parser("ingest", help="ingest files, folders or URLs (default: the corpus folder)")
    pi.add_argument("paths", nargs="*", help="files, folders or http(s) URLs")
    pi.add_argument("--json", action="store_true", help="print one JSON object")
    pi.add_argument("--reset", action="store_true", help="drop the index and rebuild it")
    pi.add_argument("--prune", action="store_true", help="remove documents whose files no longer exist")
    pi.set_defaults(func=cmd_ingest)

    pa = sub.add_parser("ask", help="ask a question ('-' reads one question per line from stdin)")
    pa.add_argument("question")
    pa.add_argument("--json", action="store_true", help="one JSON object per question")
    pa.add_argument("--mode", choices=["writer", "extractive", "embedded", "openai", "ollama"], help="answer mode")
    pa.add_argument("--top-k", type=int, help="chunks used as evidence")
    pa.add_argument("--doc", action="append", help="only this document (source path); repeatable")
    pa.add_argument("--publisher", action="append", help="only this publisher; repeatable")
    pa.add_argument("--kind", action="append", help="only this kind; repeatable")
    pa.add_argument("--date-from", help="only documents dated on or after (YYYY-MM-DD)")
    pa.add_argument("--date-to", help="only documents dated on or before (YYYY-MM-DD)")
    pa.add_argument("--report", metavar="FILE", help="also write a report of the answers to FILE (.md or .docx)")
    pa.set_defaults(func=cmd_ask)

    ps = sub.add_parser("serve", help="serve the chat")
    ps.add_argument("--host", default=None)
    ps.add_argument("--port", type=int, default=None)
    ps.add_argument("--insecure", action="store_true", help="allow a non-loopback bind without DOSSIER_AUTH")
    ps.set_defaults(func=cmd_serve)

    pe = sub.add_parser("eval", help="run an evaluation suite (see `dossier eval --help`)", add_help=False)
    pe.add_argument("rest", nargs=argparse.REMAINDER)
    pe.set_defaults(func=cmd_eval)

    pb = sub.add_parser("bench", help="run the benchmarks", add_help=False)
    pb.add_argument("rest", nargs=argparse.REMAINDER)
    pb.set_defaults(func=cmd_bench)

    pst = sub.add_parser("settings", help="print every setting and its current value")
    pst.set_defaults(func=cmd_settings)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("eval", "bench"):
        # These hand their own options to the scripts in eval/ (argparse.REMAINDER drops leading options).
        args = argparse.Namespace(func=cmd_eval if argv[0] == "eval" else cmd_bench, rest=argv[1:])
    else:
        args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a clear message, not a traceback (DOSSIER_DEBUG=1 shows it)
        if os.environ.get("DOSSIER_DEBUG"):
            raise
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2

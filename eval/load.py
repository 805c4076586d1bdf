"""Load test: N concurrent clients for T seconds against `dossier serve` on loopback (Gradio API).

    python -m eval.load --clients 16 --seconds 60                 # starts its own server on a free port
    python -m eval.load --url http://127.0.0.1:7860 --clients 8    # an already running server
    python -m eval.load --ingest-during                            # re-ingest a changing document meanwhile

Bounded in count and time: every client stops at the deadline or after --max-requests, whichever
comes first, and the script stops the server it started. Only loopback addresses are accepted.
With --ingest-during, a document is rewritten and re-ingested in a loop while the clients ask about
it; every citation of it must be an exact slice of one of its versions (never a half-written one).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from app.settings import PROJECT_ROOT
from eval.metrics import percentile

QUESTIONS = [
    "Why was DJI sanctioned?",
    "When was DJI added to the Entity List?",
    "What did China's Foreign Ministry say about the sanctions?",
    "Which firms did Treasury identify on December 16, 2021?",
    "What is the capital of France?",
    "Why was SenseTime targeted by Treasury?",
    "What did the drone registry bulletin say?",
]
VERSIONED = "load-bulletin.md"


def _bulletin(version: int) -> str:
    return (
        "---\ntitle: Drone registry bulletin\npublisher: Load Test Office\nkind: official statement\ndate: 2024-01-01\n---\n\n"
        f"The drone registry bulletin, version {version}, says that {version * 7} drone operators renewed their permits.\n\n"
        f"It also says that inspections in district {version % 13} found {version * 3} unregistered drones.\n"
    )


def _loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        raise SystemExit(f"refusing to load-test {host}: only loopback addresses are allowed")


def free_port() -> int:
    """A free TCP port on loopback (for servers this module and eval/bench.py start)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, proc: subprocess.Popen[bytes] | None, timeout: float = 180) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return time.monotonic() - t0
        except OSError:
            if proc is not None and proc.poll() is not None:
                raise SystemExit("dossier serve exited before it was ready") from None
            time.sleep(0.3)
    raise SystemExit(f"{url} not ready after {timeout} s")


def start_server(work: Path, mode: str) -> tuple[str, subprocess.Popen[bytes], dict[str, str]]:
    corpus = work / "corpus"
    corpus.mkdir(parents=True)
    for f in (PROJECT_ROOT / "corpus").iterdir():
        if f.is_file():
            shutil.copy2(f, corpus / f.name)
    (corpus / VERSIONED).write_text(_bulletin(0), encoding="utf-8")
    env = {**os.environ, "DOSSIER_CORPUS_DIR": str(corpus), "DOSSIER_INDEX_DIR": str(work / "index"), "DOSSIER_LLM": mode}
    subprocess.run([sys.executable, "-m", "app", "ingest", str(corpus)], env=env, check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return f"http://127.0.0.1:{port}", proc, env


def ingest_loop(env: dict[str, str], stop: threading.Event, versions: list[str]) -> None:
    corpus = Path(env["DOSSIER_CORPUS_DIR"])
    v = 0
    while not stop.is_set():
        v += 1
        text = _bulletin(v)
        versions.append(text)
        (corpus / VERSIONED).write_text(text, encoding="utf-8")
        subprocess.run([sys.executable, "-m", "app", "ingest", str(corpus / VERSIONED)], env=env, capture_output=True, timeout=300)


def client_loop(url: str, deadline: float, max_requests: int, seed: int, out: list[dict[str, Any]]) -> None:
    from gradio_client import Client

    try:
        client = Client(url, verbose=False)
    except Exception as exc:  # a client that cannot connect is an error, counted
        out.append({"ok": False, "ms": 0.0, "error": f"connect: {exc}"})
        return
    i = seed
    while time.monotonic() < deadline and i - seed < max_requests:
        q = QUESTIONS[i % len(QUESTIONS)]
        i += 1
        t0 = time.perf_counter()
        try:
            answer = client.predict(q, api_name="/ask")
            if isinstance(answer, str):
                answer = json.loads(answer)
            ok = isinstance(answer, dict) and "answer" in answer and "error" not in answer
            out.append({"ok": ok, "ms": (time.perf_counter() - t0) * 1000, "question": q, "answer": answer if ok else None,
                        "error": None if ok else str(answer)[:200]})  # fmt: skip
        except Exception as exc:
            out.append({"ok": False, "ms": (time.perf_counter() - t0) * 1000, "question": q, "error": f"{type(exc).__name__}: {exc}"[:200]})


def check_versions(results: list[dict[str, Any]], versions: list[str]) -> int:
    """Answers whose citations of the changing document fit no single version of it (must be 0):
    each answer must see the old or the new version, never a mix or a half-written one."""
    bad = 0
    for r in results:
        cited = [c["text"] for c in (r.get("answer") or {}).get("citations", []) if c.get("source") == VERSIONED]
        if cited and not any(all(t in v for t in cited) for v in versions):
            bad += 1
    return bad


def run(url: str | None, clients: int, seconds: float, max_requests: int, mode: str, ingest_during: bool) -> dict[str, Any]:
    proc = None
    env: dict[str, str] = {}
    work = Path(tempfile.mkdtemp(prefix="dossier-load-"))
    try:
        if url is None:
            url, proc, env = start_server(work, mode)
        _loopback(url)
        ready_s = _wait_ready(url, proc)
        from gradio_client import Client

        t_first = time.perf_counter()
        Client(url, verbose=False).predict(QUESTIONS[0], api_name="/ask")  # models warm before the clock starts
        first_answer_s = time.perf_counter() - t_first
        versions = [_bulletin(0)]
        stop = threading.Event()
        ingester = None
        if ingest_during:
            if not env:
                raise SystemExit("--ingest-during needs the script to start its own server")
            ingester = threading.Thread(target=ingest_loop, args=(env, stop, versions), daemon=True)
            ingester.start()
        results: list[dict[str, Any]] = []
        deadline = time.monotonic() + seconds
        t0 = time.monotonic()
        threads = [threading.Thread(target=client_loop, args=(url, deadline, max_requests, i * 101, results)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(seconds + 300)
        elapsed = time.monotonic() - t0
        stop.set()
        if ingester is not None:
            ingester.join(300)
        lat = [r["ms"] for r in results if r["ok"]]
        errors = [r["error"] for r in results if not r["ok"]]
        report = {
            "url": url,
            "mode": mode,
            "clients": clients,
            "seconds": round(elapsed, 2),
            "requests": len(results),
            "ok": len(lat),
            "errors": len(errors),
            "error_samples": errors[:5],
            "throughput_rps": round(len(lat) / elapsed, 2) if elapsed else 0.0,
            "p50_ms": round(percentile(lat, 50), 1),
            "p95_ms": round(percentile(lat, 95), 1),
            "p99_ms": round(percentile(lat, 99), 1),
            "server_ready_s": round(ready_s, 2),
            "first_answer_after_ready_s": round(first_answer_s, 2),
        }
        if ingest_during:
            report["ingests_during_load"] = len(versions) - 1
            report["citations_matching_no_version"] = check_versions(results, versions)
        return report
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.load", description=__doc__.splitlines()[0])
    p.add_argument("--url", help="a running server on loopback (default: start one)")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--max-requests", type=int, default=2000, help="per client")
    p.add_argument("--mode", default="extractive", choices=["extractive", "writer", "embedded", "openai", "ollama"])
    p.add_argument("--ingest-during", action="store_true")
    args = p.parse_args(argv)
    report = run(args.url, args.clients, args.seconds, args.max_requests, args.mode, args.ingest_during)
    print(json.dumps(report, indent=1))
    return 0 if report["errors"] == 0 and not report.get("citations_matching_no_version") else 1


if __name__ == "__main__":
    raise SystemExit(main())

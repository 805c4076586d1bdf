"""Chroma server mode: a real `chroma run` on loopback, stopped and restarted mid-session."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import copy_corpus, free_port

pytestmark = pytest.mark.slow
CHROMA = Path(sys.executable).with_name("chroma")



def _start(path: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2).read()
            return proc
        except OSError:
            if proc.poll() is not None:
                pytest.fail("chroma run exited before it was ready")
            time.sleep(0.3)
    proc.kill()
    pytest.fail("chroma run did not become ready in 60 s")


def _ask(env: dict[str, str], question: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "ask", question, "--json"], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.skipif(not CHROMA.exists(), reason="the chroma CLI is not installed in this environment")
def test_ingest_and_ask_through_a_chroma_server_that_restarts(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    copy_corpus(corpus)
    port = free_port()
    data = tmp_path / "chroma-server"
    server = _start(data, port)
    env = {
        **os.environ,
        "DOSSIER_CHROMA_URL": f"http://127.0.0.1:{port}",
        "DOSSIER_CORPUS_DIR": str(corpus),
        "DOSSIER_INDEX_DIR": str(tmp_path / "index"),
    }
    try:
        out = subprocess.run(
            [sys.executable, "-m", "app", "ingest", "--json"], env=env, capture_output=True, text=True, timeout=300
        )
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["added"] == 4
        assert not (tmp_path / "index" / "chroma").exists()  # nothing went to the embedded store

        first = _ask(env, "Why was DJI sanctioned?")
        assert first.returncode == 0, first.stderr
        answer = json.loads(first.stdout)
        assert answer["citations"]

        # A fresh worker with no local index state answers from the shared server alone.
        worker = {**env, "DOSSIER_INDEX_DIR": str(tmp_path / "worker-index")}
        fresh_worker = _ask(worker, "Why was DJI sanctioned?")
        assert fresh_worker.returncode == 0, fresh_worker.stderr
        assert json.loads(fresh_worker.stdout)["citations"]

        server.terminate()
        server.wait(timeout=30)
        t0 = time.monotonic()
        down = _ask(env, "Why was DJI sanctioned?")
        assert time.monotonic() - t0 < 120  # a clear error, not a hang
        assert down.returncode != 0
        err = json.loads(down.stdout)["error"]
        assert f"127.0.0.1:{port}" in err

        server = _start(data, port)
        again = _ask(env, "Why was DJI sanctioned?")
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["answer"] == answer["answer"]  # the data survived the restart
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


def _ingest(env: dict[str, str], *args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "app", "ingest", *args, "--json"], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _wait_for(check: object, seconds: float) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        if check():  # type: ignore[operator]
            return time.monotonic() - t0
        time.sleep(0.2)
    pytest.fail(f"not caught up within {seconds:g} s")


@pytest.mark.skipif(not CHROMA.exists(), reason="the chroma CLI is not installed in this environment")
def test_a_second_worker_catches_up_by_change_rows_not_a_rebuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Worker A ingests into a shared `chroma run`; worker B (its own keyword index) finds the new
    document by keyword within 10 s, and loses it after A deletes it, reading only the change rows."""
    from app import keyword
    from app.filters import Filters
    from app.settings import Settings
    from app.store import forget_clients

    corpus = tmp_path / "corpus"
    copy_corpus(corpus)
    port = free_port()
    server = _start(tmp_path / "chroma-server", port)
    url = f"http://127.0.0.1:{port}"
    env_a = {**os.environ, "DOSSIER_CHROMA_URL": url, "DOSSIER_CORPUS_DIR": str(corpus), "DOSSIER_INDEX_DIR": str(tmp_path / "a")}
    b = Settings(chroma_url=url, corpus_dir=corpus, index_dir=tmp_path / "b")
    try:
        assert _ingest(env_a)["added"] == 4
        keyword.forget_readers()
        keyword.reader(b)  # B's first look: built from the shared collection
        folder_a, folder_b = tmp_path / "a" / "keyword", keyword.keyword_dir(b)
        assert keyword.chunk_rows(folder_b) == keyword.chunk_rows(folder_a)

        # From here B may neither rebuild nor scan the whole collection: only the change rows.
        def refuse(*_a: object, **_k: object) -> object:
            raise AssertionError("a full rebuild or scan during catch-up")

        monkeypatch.setattr(keyword, "build", refuse)
        monkeypatch.setattr(keyword, "chroma_documents", refuse)
        new = corpus / "2026-12-01-analyst-note.md"
        new.write_text("---\ntitle: Analyst note\npublisher: Desk\ndate: 2026-12-01\n---\n\nThe zanzibarite export licence was suspended on Monday.\n")
        assert _ingest(env_a)["added"] == 1

        def found() -> bool:
            return any("zanzibarite" in h.text for h in keyword.reader(b).search("zanzibarite licence", Filters(), 5))

        took = _wait_for(found, 10)
        assert took < 10
        assert keyword.chunk_rows(folder_b) == keyword.chunk_rows(folder_a)  # the same rows as the writer's own index

        new.unlink()
        assert _ingest(env_a, "--prune")["removed"] == 1
        _wait_for(lambda: not found(), 10)
        assert keyword.chunk_rows(folder_b) == keyword.chunk_rows(folder_a)
    finally:
        keyword.forget_readers()
        forget_clients()
        server.terminate()
        server.wait(timeout=30)

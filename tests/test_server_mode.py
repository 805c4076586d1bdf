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

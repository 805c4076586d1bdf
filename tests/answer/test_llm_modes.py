"""LLM answer modes with real models and servers: embedded GGUF, an OpenAI-compatible server, Ollama absent."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from app.answer.engine import ask, ask_stream
from app.answer.llm import smollm2_path
from app.settings import Settings
from app.types import Answer
from tests.conftest import free_port

pytestmark = pytest.mark.slow


def _check_contract(a: Answer, settings: Settings) -> None:
    """Whatever the LLM wrote, what reaches the analyst is verified and cited verbatim."""
    for c in a.citations:
        text = (settings.index_dir / "text" / f"{c.doc_id}.txt").read_text(encoding="utf-8")
        assert text[c.start : c.end] == c.text
        assert f"[{c.n}]" in a.answer
    for s in a.sentences:
        if s.supported:
            assert s.citations
    assert a.abstained or a.citations


def test_embedded_smollm2_answers_through_the_verifier(sample: Settings) -> None:
    settings = sample.model_copy(update={"llm": "embedded"})
    partial_seen = False
    final = None
    for item in ask_stream("Why was DJI sanctioned?", settings=settings):
        if isinstance(item, str):
            partial_seen = True
        else:
            final = item
    assert final is not None and final.mode == "embedded"
    assert partial_seen  # tokens streamed before the verified answer
    assert "first_token_ms" in final.timings
    _check_contract(final, settings)
    assert not final.abstained



@pytest.fixture(scope="module")
def openai_server() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_path()), "--model_alias", "smollm2",
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/models", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("llama_cpp.server exited before it was ready")
                time.sleep(0.5)
        else:
            pytest.fail("llama_cpp.server did not become ready in 120 s")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_openai_compatible_server_on_loopback(sample: Settings, openai_server: str) -> None:
    settings = sample.model_copy(update={"llm": "openai", "openai_base_url": openai_server, "openai_model": "smollm2"})
    a = ask("What did China's Foreign Ministry say about the sanctions?", settings=settings)
    assert a.mode == "openai"
    assert not any("failed" in n or "timed out" in n for n in a.notes), a.notes  # the server really answered
    _check_contract(a, settings)


def test_ollama_without_a_server_names_the_host_and_falls_back(sample: Settings) -> None:
    port = free_port()  # nothing listens there
    host = f"http://127.0.0.1:{port}"
    settings = sample.model_copy(update={"llm": "ollama", "ollama_host": host, "llm_timeout_s": 10})
    t0 = time.monotonic()
    a = ask("Why was DJI sanctioned?", settings=settings)
    assert time.monotonic() - t0 < 30
    assert any(host in n for n in a.notes), a.notes
    assert a.citations and not a.abstained  # the extractive answer, with a visible note
    _check_contract(a, settings)


def test_remote_llm_that_hangs_falls_back_within_the_time_limit(sample: Settings) -> None:
    """A server that accepts the connection and never answers: bounded wait, extractive answer, visible note."""
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    held: list[socket.socket] = []

    def accept_and_hold() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)  # read nothing, answer nothing

    threading.Thread(target=accept_and_hold, daemon=True).start()
    settings = sample.model_copy(
        update={"llm": "openai", "openai_base_url": f"http://127.0.0.1:{port}/v1", "llm_timeout_s": 3}
    )
    try:
        t0 = time.monotonic()
        a = ask("Why was DJI sanctioned?", settings=settings)
        elapsed = time.monotonic() - t0
    finally:
        listener.close()
        for c in held:
            c.close()
    assert elapsed < 20, elapsed
    assert a.citations and not a.abstained
    assert any("showing the extractive answer" in n for n in a.notes), a.notes

"""A real `dossier serve` on a tmp copy of the corpus: the API, the chat in Chromium, and a hostile document."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.settings import PROJECT_ROOT
from tests.conftest import PY, copy_corpus, free_port

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
EVIL_DOC = """---
title: Zorblax turnip notice <img src=x onerror="window.__pwned=3">
publisher: Zorblax Ministry of Agriculture <script>window.__pwned=4</script>
kind: official statement
date: 2024-03-05
---

The Zorblax Ministry of Agriculture announced a ban on exports of quantum turnips <script>window.__pwned=1</script> to protect the domestic turnip supply.

The quantum turnip export ban <img src=x onerror="window.__pwned=2"> will last two years, the Zorblax ministry said <img src=x onerror="alert('xss')">.
"""
EVIL_QUESTION = "What did the Zorblax ministry announce about quantum turnip exports?"



@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("serve")
    corpus, index = root / "corpus", root / "index"
    copy_corpus(corpus)
    (corpus / "zorblax-turnips.md").write_text(EVIL_DOC, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}
    env.update(DOSSIER_CORPUS_DIR=str(corpus), DOSSIER_INDEX_DIR=str(index), DOSSIER_LLM="extractive")
    done = subprocess.run([PY, "-m", "app", "ingest"], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = root / "serve.log"
    log = open(log_path, "w")  # closed in the finaliser
    proc = subprocess.Popen(
        [PY, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while True:
            if proc.poll() is not None:
                pytest.fail(f"dossier serve exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            if "Dossier chat: " + url in log_path.read_text():
                try:
                    with urllib.request.urlopen(url + "/", timeout=5) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
            if time.monotonic() > deadline:
                pytest.fail(f"dossier serve not ready after 240 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield {"url": url, "index": index, "log": log_path}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM} (install Debian's chromium: `make system-deps`)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def ask_in_browser(page: Any, url: str, question: str) -> None:
    page.goto(url, wait_until="load")
    page.locator("#dossier-question textarea").fill(question)
    page.locator("#dossier-ask").click()
    page.wait_for_function(
        "() => document.querySelector('#dossier-chat .dossier-answer')"
        " && !document.querySelector('#dossier-chat .dossier-partial')",
        timeout=120_000,
    )


def test_api_answer_cites_exact_slices(server: dict[str, Any]) -> None:
    from gradio_client import Client

    answer = Client(server["url"], verbose=False).predict("Why was DJI sanctioned?", api_name="/ask")
    assert isinstance(answer, dict) and "error" not in answer, answer
    assert answer["abstained"] is False and answer["citations"]
    for c in answer["citations"]:
        doc = (server["index"] / "text" / f"{c['doc_id']}.txt").read_text(encoding="utf-8")
        assert doc[c["start"] : c["end"]] == c["text"]
        assert f"[{c['n']}]" in answer["answer"]


@pytest.mark.browser
def test_chat_cites_and_shows_the_source(server: dict[str, Any], browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        ask_in_browser(page, server["url"], "Why was DJI sanctioned?")
        page.locator("#dossier-chat .cite-chip").first.wait_for(timeout=30_000)
        page.locator("#dossier-cite-1").click()
        page.locator("#dossier-source mark").wait_for(timeout=30_000)
        assert "DJI" in page.locator("#dossier-source mark").inner_text()
        # A chip inside the answer opens its own citation too.
        last = page.locator("#dossier-chat .cite-chip").nth(1)
        n = last.get_attribute("value").split(":")[-1]
        last.click()
        page.wait_for_function(f"() => document.querySelector('#dossier-source h3')?.innerText.startsWith('[{n}]')", timeout=30_000)
        page.locator("#dossier-cite-1").click()
        page.wait_for_function("() => document.querySelector('#dossier-source h3')?.innerText.startsWith('[1]')", timeout=30_000)
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "chat.png"
        page.screenshot(path=str(shot), full_page=True)
        (PROJECT_ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(shot, PROJECT_ROOT / "docs" / "screenshot-chat.png")
    finally:
        page.close()


@pytest.mark.browser
def test_hostile_document_renders_as_text(server: dict[str, Any], browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    dialogs: list[str] = []

    def on_dialog(d: Any) -> None:
        dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    try:
        ask_in_browser(page, server["url"], EVIL_QUESTION)
        chat = page.locator("#dossier-chat").inner_text()
        assert "quantum turnips" in chat, chat
        page.locator("#dossier-cite-1").click()
        page.locator("#dossier-source mark").wait_for(timeout=30_000)
        source = page.locator("#dossier-source").inner_text()
        assert "Zorblax turnip notice <img" in source  # the hostile title is shown as text
        page.get_by_role("tab", name="Documents").click()
        # the hostile title, as text, in the documents table
        page.wait_for_function("() => document.body.innerText.includes('Zorblax turnip notice <img')", timeout=30_000)
        page.wait_for_timeout(1000)
        assert page.evaluate("window.__pwned") is None
        assert dialogs == []
    finally:
        page.close()


UPLOAD_DOC = """---
title: Glimmerwick harbour notice
publisher: Glimmerwick Port Authority
kind: official statement
date: 2024-05-01
---

The Glimmerwick Port Authority closed the eastern harbour to cargo ships for dredging until the autumn.
"""
UPLOAD_QUESTION = "Why did the Glimmerwick Port Authority close the eastern harbour?"


def test_upload_and_delete_change_what_can_be_cited(server: dict[str, Any], tmp_path: Path) -> None:
    from gradio_client import Client, handle_file

    client = Client(server["url"], verbose=False)
    before = client.predict(UPLOAD_QUESTION, api_name="/ask")
    assert before["abstained"] is True

    doc = tmp_path / "glimmerwick-notice.md"
    doc.write_text(UPLOAD_DOC, encoding="utf-8")
    result = client.predict([handle_file(str(doc))], "", api_name="/ingest")
    assert "Added 1" in str(result[0]), result[0]
    docs = client.predict(api_name="/documents")
    uploaded = [d for d in docs if d["source"].startswith("uploads/")]
    assert len(uploaded) == 1 and uploaded[0]["title"] == "Glimmerwick harbour notice"

    cited = client.predict(UPLOAD_QUESTION, api_name="/ask")
    assert not cited["abstained"] and any(c["source"] == uploaded[0]["source"] for c in cited["citations"])

    gone = client.predict(uploaded[0]["doc_id"], api_name="/delete_document")
    assert gone["deleted"] is True
    after = client.predict(UPLOAD_QUESTION, api_name="/ask")
    assert after["abstained"] is True and not any(c["source"] == uploaded[0]["source"] for c in after["citations"])


def test_with_auth_requests_without_credentials_get_nothing(tmp_path: Path) -> None:
    from gradio_client import Client

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    copy_corpus(corpus)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}
    env.update(DOSSIER_CORPUS_DIR=str(corpus), DOSSIER_INDEX_DIR=str(index), DOSSIER_AUTH="analyst:s3cret-pass")
    subprocess.run([PY, "-m", "app", "ingest"], env=env, cwd=PROJECT_ROOT, capture_output=True, timeout=600, check=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([PY, "-m", "app", "serve", "--port", str(port)], env=env, cwd=PROJECT_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except urllib.error.HTTPError:
                break  # answering (with a login page or 401) is ready
            except OSError:
                time.sleep(0.5)
        for path in ("/config", "/gradio_api/info", "/gradio_api/call/ask"):
            try:
                with urllib.request.urlopen(url + path, timeout=10) as resp:
                    body = resp.read().decode("utf-8", "replace")
                    status = resp.status
            except urllib.error.HTTPError as exc:
                status, body = exc.code, ""
            assert status in (401, 403, 404, 405) or ("Zhao" not in body and '"ask"' not in body), (path, status)
        with pytest.raises(Exception):  # noqa: B017  (gradio_client raises its own error types)
            Client(url, verbose=False).predict("Why was DJI sanctioned?", api_name="/ask")
        ok = Client(url, auth=("analyst", "s3cret-pass"), verbose=False).predict("Why was DJI sanctioned?", api_name="/ask")
        assert ok["citations"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)

"""A real `dossier serve` on a tmp copy of the corpus: the API, the chat in Chromium, and a hostile document."""

from __future__ import annotations

import html
import json
import os
import re
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

On 4 March 2024 the Zorblax cabinet approved the turnip export ban <img src=x onerror="window.__pwned=5"> in a closed session.
"""
BROKEN_NAME = "broken-notice.pdf"
EVIL_QUESTION = "What did the Zorblax ministry announce about quantum turnip exports?"



@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("serve")
    corpus, index = root / "corpus", root / "index"
    copy_corpus(corpus)
    (corpus / "zorblax-turnips.md").write_text(EVIL_DOC, encoding="utf-8")
    (corpus / BROKEN_NAME).write_bytes(b"%PDF-1.4 this file was cut off in the middle of")
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
        yield {"url": url, "index": index, "log": log_path, "corpus": corpus}
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


def test_api_answer_cites_exact_slices(server: dict[str, Any]) -> None:
    from gradio_client import Client

    answer = Client(server["url"], verbose=False).predict("Why was DJI sanctioned?", api_name="/ask")
    assert isinstance(answer, dict) and "error" not in answer, answer
    assert answer["abstained"] is False and answer["citations"]
    for c in answer["citations"]:
        doc = (server["index"] / "text" / f"{c['doc_id']}.txt").read_text(encoding="utf-8")
        assert doc[c["start"] : c["end"]] == c["text"]
        assert f"[{c['n']}]" in answer["answer"]


# -- the desk in Chromium -------------------------------------------------------------------------
FINAL = ("() => document.querySelectorAll('#dossier-desk .dossier-card:not(.dossier-pending)').length >= {n}"
         " && !document.querySelector('#dossier-desk .dossier-pending')")
TIMINGS: dict[str, dict[str, float]] = {}


def ask_in_browser(page: Any, url: str | None, question: str, turn: int = 1) -> dict[str, float]:
    """Ask through the page; returns the ms from the click to the first visible text and to the final card."""
    if url:
        page.goto(url, wait_until="load")
        page.locator("#dossier-desk .dossier-desk").wait_for(timeout=60_000)
    page.locator("#dossier-question textarea").fill(question)
    # Ask is disabled while an answer is being made (one question at a time): wait until it is back.
    page.wait_for_function("() => { const b = document.querySelector('#dossier-ask'); return b && !b.disabled; }", timeout=60_000)
    page.evaluate(
        """() => {
          window.__t = {};
          const desk = document.querySelector('#dossier-desk');
          const seen = () => {
            const p = desk.querySelector('.dossier-pending .dossier-partial');
            if (p && !window.__t.first && p.innerText.replace('…', '').trim()) window.__t.first = performance.now();
          };
          new MutationObserver(seen).observe(desk, {subtree: true, childList: true, characterData: true});
          window.__t0 = performance.now();
          document.querySelector('#dossier-ask').click();
        }"""
    )
    page.wait_for_function(FINAL.format(n=turn), timeout=180_000)
    t = page.evaluate("() => ({first: (window.__t.first || performance.now()) - window.__t0, final: performance.now() - window.__t0})")
    return {"first_text_ms": round(t["first"], 1), "final_card_ms": round(t["final"], 1)}


def last_card(page: Any) -> Any:
    return page.locator("#dossier-desk .dossier-card").last


def assert_question_fully_visible(page: Any, question: str) -> None:
    q = last_card(page).locator(".dossier-question")
    q.scroll_into_view_if_needed()
    assert q.inner_text() == question
    box = q.bounding_box()
    card = last_card(page).bounding_box()
    assert box and card and box["width"] > 0 and box["height"] > 0
    assert card["x"] <= box["x"] and box["x"] + box["width"] <= card["x"] + card["width"] + 0.5
    assert card["y"] <= box["y"] and box["y"] + box["height"] <= card["y"] + card["height"] + 0.5
    clipped = q.evaluate("e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1")
    assert not clipped
    # Nothing lies on top of it: the topmost element at its corners and centre is the question itself.
    for fx, fy in ((0.5, 0.5), (0.05, 0.2), (0.95, 0.8)):
        x, y = box["x"] + box["width"] * fx, box["y"] + box["height"] * fy
        on_top = page.evaluate("([x, y]) => { const e = document.elementFromPoint(x, y); return !!e && !!e.closest('.dossier-question'); }", [x, y])
        assert on_top, (fx, fy)


def chip_labels_of(card: Any) -> list[str]:
    return card.locator(".cite-chip").evaluate_all("cs => cs.map(c => c.firstChild.textContent)")


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / name
    page.screenshot(path=str(shot), full_page=True)
    return shot


@pytest.mark.browser
def test_desk_card_question_chips_tooltip_and_source(server: dict[str, Any], browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        question = "Why was DJI sanctioned?"
        TIMINGS["extractive"] = ask_in_browser(page, server["url"], question)
        card = last_card(page)
        assert_question_fully_visible(page, question)
        assert card.locator(".dossier-direct strong").inner_text().strip()  # the direct answer, first and bold
        # Each citation's chip label identifies its passage: distinct within the answer.
        cards = card.locator(".source-card")
        labels = cards.locator(".cite-chip").evaluate_all("cs => cs.map(c => c.firstChild.textContent)")
        assert len(labels) >= 2 and len(set(labels)) == len(labels), labels
        assert all(re.match(r"^\[\d+\] .+ · \d{4}-\d{2}(-\d{2})? · (¶\d+(\.\d+)?|p\. \d+)$", x) for x in labels), labels
        # Hover shows the passage; a click opens it highlighted.
        chip = card.locator(".dossier-claims .cite-chip, .dossier-direct .cite-chip").first
        tip = chip.locator(".cite-tip")
        assert not tip.is_visible()
        chip.hover()
        tip.wait_for(state="visible", timeout=5_000)
        quote = tip.inner_text().split("\n")[0].strip("\u201c\u201d")
        chip.click()
        page.locator("#dossier-source mark").wait_for(timeout=30_000)
        mark = " ".join(page.locator("#dossier-source mark").inner_text().split())
        assert quote.rstrip("…") and mark.startswith(quote.rstrip("…")[:80])
        # Keyboard: Tab reaches every chip of the claims and every "Open in document" of the sources panel
        # (a source card's own chip repeats its claim's chip and is not a second tab stop).
        stops = ".dossier-direct .cite-chip, .dossier-claims .cite-chip, .open-doc"
        wanted = card.locator(stops).count()
        page.locator("#dossier-question textarea").focus()
        reached: set[int] = set()
        for _ in range(400):
            page.keyboard.press("Shift+Tab")
            at = page.evaluate(
                "() => [...document.querySelectorAll('#dossier-desk .dossier-card')].pop()"
                f".querySelectorAll('{stops}') && [...[...document.querySelectorAll('#dossier-desk .dossier-card')].pop()"
                f".querySelectorAll('{stops}')].indexOf(document.activeElement)"
            )
            if at >= 0:
                reached.add(at)
            if len(reached) >= wanted:
                break
        assert len(reached) == wanted, (len(reached), wanted)
        page.keyboard.press("Enter")  # the focused chip / card button opens its passage
        page.locator("#dossier-source mark").wait_for(timeout=30_000)
        shot = screenshot(page, "desk-1400x1000.png")
        (PROJECT_ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(shot, PROJECT_ROOT / "docs" / "screenshot-chat.png")
    finally:
        page.close()


@pytest.mark.browser
def test_abstention_keeps_the_question_and_labels_related_passages(server: dict[str, Any], browser: Any) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        question = "What colour is the front door of the Zorblax embassy in Paris?"
        ask_in_browser(page, server["url"], question)
        card = last_card(page)
        assert "do not answer" in card.locator(".dossier-direct").inner_text()
        assert_question_fully_visible(page, question)
        labels = chip_labels_of(card)
        assert len(set(labels)) == len(labels)
        screenshot(page, "desk-390x844-abstention.png")
        # On a phone the passage panel is below the conversation: opening a passage brings it into view.
        card.locator(".open-doc").first.click()
        page.locator("#dossier-source mark").wait_for(timeout=30_000)
        page.wait_for_function("() => { const r = document.querySelector('#dossier-source').getBoundingClientRect();"
                               " return r.top >= -1 && r.top < window.innerHeight - 40; }", timeout=10_000)  # fmt: skip
    finally:
        page.close()


@pytest.mark.browser
def test_three_kinds_of_claim_render_differently(browser: Any) -> None:
    """The card of an answer holding a quote, a checked claim and an inference, in the served CSS."""
    from app.ui.app import CSS
    from app.ui.render import card_html
    from tests.ui.test_render import three_kinds

    page = browser.new_page(viewport={"width": 900, "height": 700})
    try:
        page.set_content(f"<html><head><style>{CSS}</style></head><body>{card_html(three_kinds(), 0)}</body></html>")
        styles = {}
        for kind in ("quote", "claim", "inference"):
            row = page.locator(f".dossier-claim.claim-{kind}")
            assert row.count() == 1
            styles[kind] = row.evaluate(
                "e => { const s = getComputedStyle(e); const b = getComputedStyle(e.querySelector('.kind-badge'));"
                " return [s.borderLeftColor, s.fontStyle, b.backgroundColor, e.querySelector('.kind-badge').innerText] }"
            )
        assert len({tuple(v) for v in styles.values()}) == 3, styles
        assert len({v[0] for v in styles.values()}) == 3 and len({v[3] for v in styles.values()}) == 3
        screenshot(page, "claim-kinds.png")
    finally:
        page.close()


@pytest.mark.browser
def test_timeline_in_date_order_opens_passages_and_shows_an_answer(server: dict[str, Any], browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(server["url"], wait_until="load")
        page.get_by_role("tab", name="Timeline").click()
        items = page.locator("#dossier-timeline .tl-item")
        items.first.wait_for(timeout=30_000)
        dates = page.locator("#dossier-timeline .tl-item time").evaluate_all("ts => ts.map(t => t.getAttribute('datetime'))")
        assert len(dates) >= 5 and dates == sorted(dates), dates
        assert "2020-12-18" in dates  # "This rule is effective December 18, 2020." (BIS)
        entry = page.locator("#dossier-timeline .tl-entry").nth(2)
        text = " ".join(entry.inner_text().split())
        entry.click()
        page.locator("#dossier-tl-source mark").wait_for(timeout=30_000)
        assert " ".join(page.locator("#dossier-tl-source mark").inner_text().split()) == text
        page.locator("#dossier-tl-search input, #dossier-tl-search textarea").first.fill("Xinjiang")
        page.locator("#dossier-tl-search input, #dossier-tl-search textarea").first.press("Enter")
        page.wait_for_function(f"() => document.querySelectorAll('#dossier-timeline .tl-item').length < {len(dates)}", timeout=30_000)
        texts = page.locator("#dossier-timeline .tl-entry").all_inner_texts()
        assert texts and all("xinjiang" in t.lower() for t in texts)
        screenshot(page, "timeline-1400x1000.png")
        # An answer's citations on the timeline.
        page.get_by_role("tab", name="Chat").click()
        ask_in_browser(page, None, "When was DJI added to the Entity List?")
        last_card(page).locator(".show-timeline").click()
        page.locator("#dossier-timeline .tl-banner").wait_for(timeout=30_000)
        assert "When was DJI added to the Entity List?" in page.locator("#dossier-timeline .tl-banner").inner_text()
        shown = page.locator("#dossier-timeline .tl-item time").evaluate_all("ts => ts.map(t => t.getAttribute('datetime'))")
        assert shown and shown == sorted(shown)
        assert page.locator("#dossier-timeline .tl-cited").count() >= 1
    finally:
        page.close()


def _md_quotes(md: str) -> list[str]:
    from app.report import unescape_markdown

    out, block = [], None
    for line in [*md.split("\n"), ""]:
        if line == ">" or line.startswith("> "):
            block = [*(block or []), line[2:]]
        elif block is not None:
            out.append(unescape_markdown("\n".join(block)))
            block = None
    return out


def _corpus_texts(server: dict[str, Any]) -> list[str]:
    return [f.read_bytes().decode("utf-8-sig", "replace") for f in server["corpus"].iterdir() if f.is_file()]


@pytest.mark.browser
def test_report_downloads_with_verbatim_quotes(server: dict[str, Any], browser: Any, tmp_path: Path) -> None:
    import docx

    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    try:
        ask_in_browser(page, server["url"], "Why was DJI sanctioned?")
        ask_in_browser(page, None, EVIL_QUESTION, turn=2)
        corpus = _corpus_texts(server)
        with page.expect_download(timeout=30_000) as dl:
            page.locator("#dossier-dl-md").click()
        md_path = tmp_path / "conversation.md"
        dl.value.save_as(md_path)
        md = md_path.read_text(encoding="utf-8")
        assert "Why was DJI sanctioned?" in md and "Zorblax" in md and "Exported" in md
        quotes = _md_quotes(md)
        assert len(quotes) >= 3
        for q in quotes:
            assert any(q in text for text in corpus), q
        from markdown_it import MarkdownIt

        rendered = MarkdownIt("commonmark").render(md)
        assert "<script" not in rendered and "<img" not in rendered and "onerror=" in html.unescape(rendered)
        with page.expect_download(timeout=30_000) as dl:
            page.locator("#dossier-dl-docx").click()
        docx_path = tmp_path / "conversation.docx"
        dl.value.save_as(docx_path)
        paras = docx.Document(str(docx_path)).paragraphs
        doc_quotes = [p.text for p in paras if p.style is not None and p.style.name == "Quote"]
        assert len(doc_quotes) == len(quotes)
        for q in doc_quotes:
            assert any(q in text for text in corpus), q
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
        card = last_card(page)
        assert "quantum turnips" in card.inner_text()
        chip = card.locator(".cite-chip").first
        chip.hover()
        chip.locator(".cite-tip").wait_for(state="visible", timeout=5_000)
        assert "<script>" in chip.locator(".cite-tip").inner_text() or "<img" in chip.locator(".cite-tip").inner_text()
        chip.click()
        page.locator("#dossier-source mark").wait_for(timeout=30_000)
        assert "Zorblax turnip notice <img" in page.locator("#dossier-source").inner_text()  # the hostile title, as text
        page.get_by_role("tab", name="Timeline").click()
        page.locator("#dossier-timeline .tl-item").first.wait_for(timeout=30_000)
        page.locator("#dossier-tl-search input, #dossier-tl-search textarea").first.fill("Zorblax")
        page.locator("#dossier-tl-search input, #dossier-tl-search textarea").first.press("Enter")
        page.wait_for_function("() => [...document.querySelectorAll('#dossier-timeline .tl-entry')].some(e => e.innerText.includes('<img src=x'))",
                               timeout=30_000)  # fmt: skip
        page.get_by_role("tab", name="Documents").click()
        page.wait_for_function("() => document.body.innerText.includes('Zorblax turnip notice <img')", timeout=30_000)
        page.wait_for_timeout(1000)
        assert page.evaluate("window.__pwned") is None
        assert dialogs == []
    finally:
        page.close()


@pytest.mark.browser
def test_documents_tab_shows_state_failures_and_filters(server: dict[str, Any], browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(server["url"], wait_until="load")
        page.get_by_role("tab", name="Documents").click()
        table = page.locator("#dossier-docs")
        page.wait_for_function("() => document.querySelector('#dossier-docs')?.innerText.includes('failed:')", timeout=30_000)
        text = table.inner_text()
        assert BROKEN_NAME in text and "ingested" in text
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text)  # when each document was ingested
        page.locator("#dossier-doc-filter textarea, #dossier-doc-filter input").first.fill("zorblax")
        page.wait_for_function(f"() => !document.querySelector('#dossier-docs').innerText.includes('{BROKEN_NAME}')", timeout=30_000)
        assert "Zorblax" in table.inner_text() and "Treasury" not in table.inner_text()
        screenshot(page, "documents-1400x1000.png")
    finally:
        page.close()


@pytest.mark.browser
def test_writer_answer_in_the_browser_and_timings(server: dict[str, Any], browser: Any) -> None:
    """The default mode, the local writer: its draft streams, then the checked card replaces it."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(server["url"], wait_until="load")
        page.get_by_text("Filters and answer mode").click()
        page.locator("#dossier-mode").get_by_text("writer", exact=True).click()
        question = "When was DJI added to the Entity List?"
        TIMINGS["writer_cold"] = ask_in_browser(page, None, question)
        TIMINGS["writer_warm"] = ask_in_browser(page, None, "Why was DJI sanctioned?", turn=2)
        card = last_card(page)
        assert_question_fully_visible(page, "Why was DJI sanctioned?")
        assert card.locator(".dossier-direct").count() == 1
        kinds = card.locator(".dossier-claim, .dossier-direct").evaluate_all("es => es.map(e => e.className)")
        assert kinds
        screenshot(page, "desk-writer-1400x1000.png")
        page.set_viewport_size({"width": 390, "height": 844})
        assert_question_fully_visible(page, "Why was DJI sanctioned?")
        screenshot(page, "desk-390x844.png")
    finally:
        page.close()
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "desk-timings.json").write_text(json.dumps(TIMINGS, indent=1))


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("empty")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}
    env.update(DOSSIER_CORPUS_DIR=str(root / "corpus"), DOSSIER_INDEX_DIR=str(root / "index"), DOSSIER_LLM="extractive")
    (root / "corpus").mkdir()
    port = free_port()
    proc = subprocess.Popen([PY, "-m", "app", "serve", "--port", str(port)], env=env, cwd=PROJECT_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


@pytest.mark.browser
def test_empty_index_says_what_to_do(empty_server: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(empty_server, wait_until="load")
        page.wait_for_function("() => document.querySelector('#dossier-desk')?.innerText.includes('No documents yet')", timeout=30_000)
        assert "Documents tab" in page.locator("#dossier-desk .notice-empty").inner_text()
        page.get_by_role("tab", name="Timeline").click()
        page.wait_for_function("() => document.querySelector('#dossier-timeline')?.innerText.includes('No dated claims yet')", timeout=30_000)
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

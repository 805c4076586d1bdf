"""The analysts' desk (Gradio 6): layout and event wiring only.

Answers come from ``app.answer.engine.ask_stream``, documents and their state from
``app.ingest``, the timeline from ``app.timeline``, reports from ``app.report``; rendering is in
``app.ui.render``, upload checks in ``app.ui.uploads``.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import uuid
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any

import gradio as gr

from app.answer.engine import AskError, ask_stream
from app.ingest.manifest import DocEntry, Manifest
from app.ingest.pipeline import ingest_paths, manifest_path, remove_documents, text_path
from app.ingest.status import desk_notices, document_rows, record_failures
from app.ingest.web import is_url
from app.retrieve import Filters
from app.settings import Settings
from app.store import StoreUnavailable
from app.types import Answer, Citation
from app.ui.render import (
    card_html,
    desk_html,
    failed_card_html,
    notice_html,
    pending_html,
    source_html,
    timeline_html,
)
from app.ui.uploads import ALLOWED_EXTENSIONS, save_upload, uploads_dir

log = logging.getLogger("dossier.ui")

MODES = ["writer", "extractive", "embedded", "openai", "ollama"]
EXAMPLES = ["Why was DJI sanctioned?", "When was DJI added to the Entity List?"]
TABLE_HEADERS = ["Title", "Publisher", "Kind", "Date", "Ingested", "Chunks", "State", "Source"]
SOURCE_PLACEHOLDER = '<div class="dossier-source dossier-muted">Click a citation or "Open in document" to see the passage in its document.</div>'
TL_PLACEHOLDER = '<div class="dossier-source dossier-muted">Click an entry to see its passage in its document.</div>'
REPORTS_ROOT = Path(tempfile.gettempdir()) / "dossier-reports"

CSS = """
.dossier-desk { display: flex; flex-direction: column; gap: 12px; }
.dossier-card { border: 1px solid #d0d7e2; border-radius: 8px; padding: 10px 14px; background: var(--block-background-fill); }
.dossier-q { border-bottom: 1px solid #e3e8ef; margin-bottom: 8px; padding-bottom: 6px; }
.dossier-q-label { font-size: 0.75em; text-transform: uppercase; letter-spacing: 0.05em; opacity: 0.65; }
.dossier-question { margin: 2px 0 0; font-weight: 600; white-space: pre-wrap; overflow-wrap: anywhere; }
.dossier-direct { font-size: 1.08em; margin: 0.2em 0 0.6em; }
.dossier-claims { list-style: none; padding: 0; margin: 0 0 0.6em; }
.dossier-claim { margin: 0 0 0.45em; padding: 2px 0 2px 10px; border-left: 4px solid #aaa; }
.claim-quote { border-left-color: #6b8cce; }
.claim-quote .dossier-quote { font-family: Georgia, "Times New Roman", serif; }
.dossier-direct.claim-quote, .dossier-direct.claim-claim, .dossier-direct.claim-inference { padding-left: 10px; border-left: 4px solid; }
.dossier-direct.claim-quote { border-left-color: #6b8cce; }
.dossier-direct.claim-claim { border-left-color: #2e8b57; }
.dossier-direct .dossier-attr { font-size: 0.9em; }
.claim-claim { border-left-color: #2e8b57; }
.claim-inference { border-left-color: #8a4fbf; font-style: italic; background: rgba(138, 79, 191, 0.06); }
.kind-badge { display: inline-block; font-size: 0.7em; font-style: normal; text-transform: uppercase; letter-spacing: 0.04em;
  padding: 0 5px; border-radius: 4px; margin-right: 4px; vertical-align: 1px; }
.kind-quote { background: #e3ebfa; color: #1d3f8a; }
.kind-claim { background: #dff3e7; color: #1e6b40; }
.kind-inference { background: #efe3fa; color: #5b2a88; }
.dossier-attr { opacity: 0.8; }
.cite-chip { position: relative; display: inline-block; margin: 0 2px; padding: 0 6px; border-radius: 10px; font-size: 0.78em;
  line-height: 1.6; cursor: pointer; border: 1px solid #6b8cce; background: #eef3fc; color: #1d3f8a; font-style: normal; }
.cite-chip:hover, .cite-chip:focus-visible { background: #d6e2f8; outline: 2px solid #1d3f8a; }
.cite-tip { display: none; position: absolute; left: var(--tip-shift, 0px); top: 1.9em; z-index: 50; width: min(360px, calc(100vw - 24px)); padding: 6px 8px;
  border-radius: 6px; background: #1f2937; color: #f9fafb; font-size: 0.95em; line-height: 1.4; text-align: left;
  white-space: normal; box-shadow: 0 4px 12px rgba(0,0,0,0.25); pointer-events: none; }
.cite-tip-doc { display: block; margin-top: 4px; color: #d1d5db; font-style: italic; }
.cite-chip:hover .cite-tip, .cite-chip:focus-visible .cite-tip { display: block; }
.dossier-card-meta { font-size: 0.75em; opacity: 0.65; margin: -4px 0 6px; }
#dossier-source, #dossier-tl-source { position: sticky; top: 8px; }
#dossier-docs { overflow-x: auto; }
#dossier-docs table { min-width: 860px; }
.dossier-sources summary, .dossier-dropped summary { cursor: pointer; font-size: 0.85em; opacity: 0.85; }
.source-cards { list-style: none; padding: 0; margin: 4px 0 0; display: grid; gap: 6px; }
.source-card { border: 1px solid #e3e8ef; border-radius: 6px; padding: 6px 8px; }
.source-quote { margin: 4px 0; padding-left: 8px; border-left: 3px solid #6b8cce; font-family: Georgia, serif; font-size: 0.92em; }
.source-doc { font-size: 0.82em; opacity: 0.85; }
.open-doc, .show-timeline { font-size: 0.85em; border: 1px solid #9aa5b1; border-radius: 4px; padding: 0 6px; cursor: pointer; background: transparent; }
.open-doc:focus-visible, .show-timeline:focus-visible, .tl-entry:focus-visible { outline: 2px solid #1d3f8a; }
.card-actions { margin-top: 6px; }
.dossier-notice { padding: 8px 12px; border-radius: 6px; border: 1px solid #c9d3e0; background: #f3f6fa; color: #1f2937; }
.notice-error { border-color: #d9534f; background: #fdf0ef; }
.notice-busy { border-color: #e0a800; background: #fff8e1; }
.notice-empty { border-color: #6b8cce; }
.dossier-filters { font-size: 0.85em; opacity: 0.75; margin-bottom: 0.4em; }
.dossier-abstain { font-weight: 600; }
.dossier-doc-title { font-style: italic; }
.dossier-note { font-size: 0.85em; opacity: 0.8; }
.dossier-source h3 { margin: 0 0 0.3em; font-size: 1.05em; }
.dossier-meta { font-size: 0.85em; opacity: 0.8; margin: 0.1em 0; }
.dossier-context { white-space: pre-wrap; font-size: 0.9em; line-height: 1.5; margin-top: 0.6em; padding: 0.6em;
  border-left: 3px solid #6b8cce; max-height: 460px; overflow-y: auto; }
.dossier-context mark { background: #ffe58a; color: inherit; padding: 0 1px; }
.dossier-muted { opacity: 0.7; font-style: italic; }
.dossier-draft small { opacity: 0.7; }
.dossier-report ul { margin: 0.3em 0 0 1.2em; }
.dossier-timeline .tl-year { margin: 10px 0 4px; }
.tl-list { list-style: none; padding: 0; margin: 0; }
.tl-item { display: grid; grid-template-columns: 11em 1fr; gap: 2px 10px; padding: 4px 0; border-bottom: 1px solid #eef1f5; }
.tl-item time { font-variant-numeric: tabular-nums; font-weight: 600; font-size: 0.9em; }
.tl-meta { font-size: 0.8em; opacity: 0.75; }
.tl-entry { grid-column: 1 / -1; text-align: left; background: transparent; border: 0; padding: 0; cursor: pointer; font: inherit; color: inherit; }
.tl-entry:hover { text-decoration: underline; }
.tl-cited { background: #fff8d6; }
.tl-banner { padding: 6px 10px; border-radius: 6px; background: #fff8d6; margin-bottom: 6px; }
.tl-count { font-size: 0.85em; opacity: 0.75; }
@media (max-width: 600px) { .tl-item { grid-template-columns: 1fr; } }
"""

# Clicks on chips, "Open in document", "Show on timeline" and timeline entries: the element's value
# goes to the server through a hidden button named by its data-go.
HEAD = r"""<script>
document.addEventListener("click", function (ev) {
  var el = ev.target && ev.target.closest ? ev.target.closest(".dossier-pick") : null;
  if (!el) return;
  ev.preventDefault();
  var pick = el.getAttribute("value") || "";
  if (!/^(\d+:(cite|related):\d+|timeline:\d+|tl:\d+)$/.test(pick)) return;
  window.__dossierPick = pick;
  var go = document.getElementById(el.dataset.go || "dossier-pick-go");
  if (go && go.tagName !== "BUTTON") go = go.querySelector("button");
  if (go) go.click();
  // The passage panel may be off screen (a lower card, a phone): bring it into view once it changes.
  var target = document.getElementById(/^tl:/.test(pick) ? "dossier-tl-source" : (/^timeline:/.test(pick) ? "dossier-timeline" : "dossier-source"));
  if (target) {
    var seen = new MutationObserver(function () {
      seen.disconnect();
      var r = target.getBoundingClientRect();
      if (r.top < 0 || r.top > window.innerHeight - 80) target.scrollIntoView({block: "start", behavior: "smooth"});
    });
    seen.observe(target, {subtree: true, childList: true, characterData: true});
    setTimeout(function () { seen.disconnect(); }, 10000);
  }
}, true);
// A chip's tooltip stays inside the viewport (a chip near the right edge, a phone).
function dossierPlaceTip(ev) {
  var chip = ev.target && ev.target.closest ? ev.target.closest(".cite-chip") : null;
  if (!chip) return;
  chip.style.setProperty("--tip-shift", "0px");
  var tip = chip.querySelector(".cite-tip");
  if (!tip) return;
  requestAnimationFrame(function () {
    var r = tip.getBoundingClientRect();
    if (r.width && r.right > window.innerWidth - 8) chip.style.setProperty("--tip-shift", Math.min(0, window.innerWidth - 8 - r.right) + "px");
  });
}
document.addEventListener("mouseover", dossierPlaceTip, true);
document.addEventListener("focusin", dossierPlaceTip, true);
</script>"""


# -- documents ----------------------------------------------------------------
def _documents(settings: Settings) -> dict[str, DocEntry]:
    try:
        return Manifest.load(manifest_path(settings)).done()
    except RuntimeError as exc:
        log.warning("%s", exc)
        return {}


def _doc_views(settings: Settings, words: str = "") -> tuple[Any, ...]:
    """(table, documents filter, publisher filter, kind filter, delete dropdown, timeline filters) from the manifest."""
    docs = sorted(_documents(settings).values(), key=lambda d: (d.date, d.title), reverse=True)
    rows = [r.cells() for r in document_rows(settings, words)]
    by_source = [(f"{d.title[:80]} ({d.source})", d.source) for d in docs]
    publishers = sorted({d.publisher for d in docs if d.publisher})
    kinds = sorted({d.kind for d in docs if d.kind})
    delete = [(f"{d.title[:80]} ({d.source})", d.doc_id) for d in docs]
    return (
        gr.update(value=rows or [["No documents match the filter." if words.strip() else "No documents yet.", *[""] * (len(TABLE_HEADERS) - 1)]]),
        gr.update(choices=by_source),
        gr.update(choices=publishers),
        gr.update(choices=kinds),
        gr.update(choices=delete, value=None),
        gr.update(choices=by_source),
        gr.update(choices=publishers),
        gr.update(choices=kinds),
    )


def _report_html(title: str, lines: list[str], errors: list[str]) -> str:
    ok = "".join(f"<li>{escape(x)}</li>" for x in lines)
    bad = "".join(f"<li>{escape(x)}</li>" for x in errors)
    out = f'<div class="dossier-report"><p><strong>{escape(title)}</strong></p>'
    if ok:
        out += f"<ul>{ok}</ul>"
    if bad:
        out += f"<p><strong>Problems ({len(errors)}):</strong></p><ul>{bad}</ul>"
    return out + "</div>"


def ingest_uploads(settings: Settings, files: list[Any] | None, urls: str, progress: Any = None) -> str:
    """Validate and store uploads, then ingest them and the URLs; returns an HTML report."""
    lines: list[str] = []
    errors: list[str] = []
    saved: list[Path] = []
    for f in files or []:
        path = str(f if isinstance(f, str | Path) else getattr(f, "path", None) or getattr(f, "name", ""))
        stored, msg = save_upload(path, Path(path).name, settings)
        (lines if stored else errors).append(msg)
        if stored:
            saved.append(stored)
    targets: list[str | Path] = [*saved]
    for raw in (urls or "").splitlines():
        url = raw.strip()
        if not url:
            continue
        if is_url(url):
            targets.append(url)
        else:
            errors.append(f"{url[:200]}: not an http(s) URL")
    if not targets:
        return _report_html("Nothing to ingest.", lines, errors or ["choose files or enter URLs first"])

    def step(done: int, total: int, name: str) -> None:
        if progress is not None:
            progress((done, max(total, 1)), desc=f"Ingesting {Path(name).name}" if name else "Updating the index")

    if progress is not None:
        progress(0, desc="Loading the models")
    try:
        report = ingest_paths(settings, targets, progress=step)
        record_failures(settings, report, [str(t) for t in targets])
    except StoreUnavailable as exc:
        return _report_html("The index is unavailable.", lines, [*errors, str(exc)])
    except Exception as exc:
        log.exception("ingest failed")
        return _report_html("Ingestion failed.", lines, [*errors, f"unexpected error ({type(exc).__name__}); see the server log"])
    failed_paths = set()
    for ff in report.failed:
        failed_paths.add(ff.path)
        errors.append(f"{Path(ff.path).name if not is_url(ff.path) else ff.path}: {ff.error}")
    for p in saved:  # a stored upload that could not be ingested is not kept
        if str(p) in failed_paths:
            p.unlink(missing_ok=True)
    summary = f"Added {report.added}, updated {report.updated}, unchanged {report.unchanged}; the index holds {report.documents} documents ({report.chunks} chunks)."
    return _report_html(summary, lines, errors)


def delete_document(settings: Settings, doc_id: str | None) -> str:
    if not doc_id:
        return _report_html("Choose a document to delete.", [], [])
    entry = _documents(settings).get(doc_id)
    try:
        removed = remove_documents(settings, [doc_id])
    except Exception as exc:
        log.exception("delete failed")
        return _report_html("Delete failed.", [], [f"{type(exc).__name__}: {exc}"])
    if not removed or entry is None:
        return _report_html("That document is no longer in the index.", [], [])
    note = "the file stays in the corpus folder (a later `dossier ingest` adds it again)"
    if entry.path:
        p = Path(entry.path)
        if p.parent.resolve() == uploads_dir(settings).resolve() and not p.is_symlink():
            p.unlink(missing_ok=True)
            note = "the uploaded file was deleted too"
    return _report_html(f"Deleted “{entry.title}”.", [note], [])


# -- answers ------------------------------------------------------------------
def _filters(docs: list[str] | None, pubs: list[str] | None, kinds: list[str] | None, dfrom: str, dto: str) -> Filters:
    return Filters(
        sources=list(docs or []),
        publishers=list(pubs or []),
        kinds=list(kinds or []),
        date_from=(dfrom or "").strip(),
        date_to=(dto or "").strip(),
    )


def _source_for(settings: Settings, c: Citation) -> str:
    try:
        doc_text = text_path(settings, c.doc_id).read_text(encoding="utf-8")
    except OSError:
        doc_text = ""
    return source_html(c, doc_text)


def _notices(settings: Settings) -> str:
    return "".join(notice_html(level, msg) for level, msg in desk_notices(settings))


def _cards(turns: list[Answer], described: list[str]) -> list[str]:
    last = len(turns) - 1
    return [card_html(t, i, described[i] if i < len(described) else "", latest=i == last) for i, t in enumerate(turns)]


def _write_reports(turns: list[Answer], folder: str) -> tuple[Any, Any, Any]:
    """The three downloads (this answer .md, the conversation .md and .docx), written afresh."""
    from app.report import write_report

    if not turns:
        return (gr.update(value=None, visible=False),) * 3  # type: ignore[return-value]
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        one = write_report(turns[-1:], out / f"dossier-answer-{stamp}.md")
        all_md = write_report(turns, out / f"dossier-conversation-{stamp}.md")
        all_docx = write_report(turns, out / f"dossier-conversation-{stamp}.docx")
    except Exception:
        log.exception("report export failed")
        return (gr.update(value=None, visible=False),) * 3  # type: ignore[return-value]
    return (
        gr.update(value=str(one), visible=True),
        gr.update(value=str(all_md), visible=True),
        gr.update(value=str(all_docx), visible=True),
    )


def _entry_citation(e: Any) -> Citation:
    return Citation(n=0, doc_id=e.doc_id, source=e.source, title=e.title, publisher=e.publisher, kind=e.kind,
                    date=e.doc_date, url=e.url, text=e.text, start=e.start, end=e.end, score=0.0, page=e.page)  # fmt: skip


def build_app(settings: Settings) -> gr.Blocks:
    def respond(
        question: str, turns: list[Answer], described: list[str], folder: str, docs: list[str], pubs: list[str],
        kinds: list[str], dfrom: str, dto: str, mode: str, top_k: float,
    ) -> Iterator[tuple[Any, ...]]:
        skip = gr.skip()
        q = (question or "").strip()
        if not q:
            yield (skip,) * 8
            return
        folder = folder or str(REPORTS_ROOT / uuid.uuid4().hex)
        notices = _notices(settings)
        done = _cards(turns, described)
        yield (desk_html([*done, pending_html(q)], notices), skip, skip, folder, "", skip, skip, skip)
        filters = _filters(docs, pubs, kinds, dfrom, dto)
        s = settings.model_copy(update={"llm": mode if mode in MODES else settings.llm, "top_k": int(top_k or settings.top_k)})
        history = [(t.question, t.answer) for t in turns]
        final: Answer | None = None
        message = "no answer was produced"
        try:
            for item in ask_stream(q, s, filters if filters.active() else None, history):
                if isinstance(item, Answer):
                    final = item
                else:
                    yield (desk_html([*done, pending_html(q, item)], notices), skip, skip, skip, skip, skip, skip, skip)
        except (AskError, StoreUnavailable) as exc:
            final, message = None, str(exc)
        except Exception as exc:
            log.exception("question failed: %r", q)
            final, message = None, f"unexpected error ({type(exc).__name__}); the details are in the server log"
        if final is None:
            failed = failed_card_html(q, message)
            yield (desk_html([*done, failed], notices), skip, skip, skip, skip, skip, skip, skip)
            return
        turns = [*turns, final]
        described = [*described, filters.describe()]
        yield (desk_html(_cards(turns, described), notices), turns, described, folder, "", *_write_reports(turns, folder))

    def show_pick(pick: str, turns: list[Answer]) -> Any:
        try:
            turn, kind, n = pick.split(":")
            answer = turns[int(turn)]
            pool = answer.related if kind == "related" else answer.citations
            c = next(c for c in pool if c.n == int(n))
        except (ValueError, IndexError, StopIteration, AttributeError):
            return gr.skip()
        return _source_for(settings, c)

    def clear() -> tuple[Any, ...]:
        return (desk_html([], _notices(settings)), [], [], "", SOURCE_PLACEHOLDER, *_write_reports([], ""))

    # -- timeline
    def timeline_view(words: str, pubs: list[str], kinds: list[str], docs: list[str]) -> tuple[Any, Any]:
        from app.timeline import build_timeline, filter_timeline

        entries = build_timeline(settings)
        shown = filter_timeline(entries, words or "", pubs or [], kinds or [], docs or [])
        return timeline_html(shown, len(entries)), shown

    def timeline_of(pick: str, turns: list[Answer]) -> tuple[Any, ...]:
        from app.timeline import build_timeline, citations_on_timeline

        try:
            answer = turns[int(pick.split(":")[1])]
        except (ValueError, IndexError):
            return (gr.skip(),) * 3
        shown = citations_on_timeline(answer.citations)
        html = timeline_html(shown, len(build_timeline(settings)), banner=f"Citations of: {answer.question}",
                             cited={(e.doc_id, e.start) for e in shown})  # fmt: skip
        return html, shown, gr.Tabs(selected="timeline")

    def show_entry(pick: str, shown: list[Any]) -> Any:
        try:
            e = shown[int(pick.split(":")[1])]
        except (ValueError, IndexError):
            return gr.skip()
        return _source_for(settings, _entry_citation(e))

    def ask_api(question: str, mode: str = "", top_k: int = 0) -> dict:
        """Ask a question about the documents; returns the verified Answer as JSON (or {"error": ...})."""
        if mode and mode not in MODES:
            return {"question": question, "error": f"unknown mode {mode!r} (choose from {', '.join(MODES)})"}
        update: dict[str, Any] = {}
        if mode:
            update["llm"] = mode
        if top_k and int(top_k) > 0:
            update["top_k"] = int(top_k)
        final: Answer | None = None
        try:
            for item in ask_stream(question, settings.model_copy(update=update) if update else settings):
                if isinstance(item, Answer):
                    final = item
        except (AskError, StoreUnavailable) as exc:
            return {"question": question, "error": str(exc)}
        except Exception as exc:
            log.exception("API question failed: %r", question)
            return {"question": question, "error": f"unexpected error ({type(exc).__name__})"}
        return final.to_dict() if final else {"question": question, "error": "no answer"}

    def do_ingest(files: list[Any] | None, urls: str, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        return (ingest_uploads(settings, files, urls, progress), None, "", *_doc_views(settings))

    def do_delete(doc_id: str | None, words: str) -> tuple[Any, ...]:
        return (delete_document(settings, doc_id), *_doc_views(settings, words))

    def documents_api() -> list[dict]:
        """The ingested documents: doc_id, source, title, publisher, kind, date, chunks, ingested_at."""
        keys = ("doc_id", "source", "title", "publisher", "kind", "date", "chunks", "ingested_at")
        return [{k: getattr(d, k) for k in keys} for d in _documents(settings).values()]

    def delete_api(doc_id: str) -> dict:
        """Delete a document by doc_id: its chunks leave the index."""
        known = doc_id in _documents(settings)
        report = delete_document(settings, doc_id)
        return {"doc_id": doc_id, "deleted": known and doc_id not in _documents(settings), "report": report}

    with gr.Blocks(title="Dossier") as demo:
        turns = gr.State([])
        described = gr.State([])
        folder = gr.State("")
        tl_shown = gr.State([])
        gr.Markdown("## Dossier\nAnswers from your documents only, each sentence checked against the passage it cites.")
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    desk = gr.HTML(desk_html([], ""), elem_id="dossier-desk", js_on_load=None)
                    with gr.Row():
                        question = gr.Textbox(
                            placeholder="Ask a question about the documents", show_label=False, scale=6,
                            max_length=1000, elem_id="dossier-question", autofocus=True,
                        )
                        ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="dossier-ask")
                        clear_btn = gr.Button("Clear", scale=1, min_width=80, elem_id="dossier-clear")
                    gr.Examples(EXAMPLES, inputs=question, label="Examples")
                    with gr.Row(elem_id="dossier-export"):
                        dl_one = gr.DownloadButton("Answer (.md)", visible=False, size="sm", elem_id="dossier-dl-answer")
                        dl_md = gr.DownloadButton("Conversation (.md)", visible=False, size="sm", elem_id="dossier-dl-md")
                        dl_docx = gr.DownloadButton("Conversation (.docx)", visible=False, size="sm", elem_id="dossier-dl-docx")
                    with gr.Accordion("Filters and answer mode (apply to the next question)", open=False):
                        docs_dd = gr.Dropdown(label="Documents", multiselect=True, choices=[])
                        with gr.Row():
                            pub_dd = gr.Dropdown(label="Publisher", multiselect=True, choices=[])
                            kind_dd = gr.Dropdown(label="Kind", multiselect=True, choices=[])
                        with gr.Row():
                            date_from = gr.Textbox(label="Date from", placeholder="YYYY-MM-DD")
                            date_to = gr.Textbox(label="Date to", placeholder="YYYY-MM-DD")
                        with gr.Row():
                            mode = gr.Radio(MODES, value=settings.llm, label="Answer mode", elem_id="dossier-mode")
                            top_k = gr.Slider(1, 20, value=settings.top_k, step=1, label="Passages used (top-k)")
                with gr.Column(scale=2):
                    gr.Markdown("### Passage")
                    source = gr.HTML(SOURCE_PLACEHOLDER, elem_id="dossier-source", js_on_load=None)
                    pick = gr.Textbox(visible="hidden", elem_id="dossier-pick")
                    pick_go = gr.Button("show", visible="hidden", elem_id="dossier-pick-go")
                    timeline_go = gr.Button("timeline", visible="hidden", elem_id="dossier-timeline-go")
            with gr.Tab("Timeline", id="timeline"), gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    tl_words = gr.Textbox(label="Search the timeline", placeholder="words", elem_id="dossier-tl-search")
                    with gr.Row():
                        tl_pub = gr.Dropdown(label="Publisher", multiselect=True, choices=[])
                        tl_kind = gr.Dropdown(label="Kind", multiselect=True, choices=[])
                        tl_doc = gr.Dropdown(label="Document", multiselect=True, choices=[])
                    tl_all = gr.Button("Show all dated claims", size="sm", elem_id="dossier-tl-all")
                    timeline = gr.HTML(timeline_html([], 0), elem_id="dossier-timeline", js_on_load=None)
                with gr.Column(scale=2):
                    gr.Markdown("### Passage")
                    tl_source = gr.HTML(TL_PLACEHOLDER, elem_id="dossier-tl-source", js_on_load=None)
                    tl_go = gr.Button("entry", visible="hidden", elem_id="dossier-tl-go")
            with gr.Tab("Documents", id="documents"):
                doc_words = gr.Textbox(label="Filter documents", placeholder="words in the title, publisher, kind, file or state",
                                       elem_id="dossier-doc-filter")  # fmt: skip
                table = gr.Dataframe(
                    headers=TABLE_HEADERS, interactive=False, wrap=True, label="Documents",
                    column_widths=["24%", "17%", "9%", "9%", "11%", "7%", "11%", "12%"], max_height=640, elem_id="dossier-docs",
                )
                with gr.Row():
                    files = gr.File(
                        label=f"Upload files ({', '.join(ALLOWED_EXTENSIONS)}; at most {settings.upload_max_mb:g} MiB each)",
                        file_count="multiple", file_types=list(ALLOWED_EXTENSIONS), height=180,
                    )
                    urls = gr.Textbox(label="URLs (one per line)", lines=4, placeholder="https://…")
                ingest_btn = gr.Button("Ingest", variant="primary")
                ingest_out = gr.HTML("")
                with gr.Row():
                    delete_dd = gr.Dropdown(label="Delete a document", choices=[], scale=4)
                    delete_btn = gr.Button("Delete", variant="stop", scale=1)
                delete_out = gr.HTML("")

        views = [table, docs_dd, pub_dd, kind_dd, delete_dd, tl_doc, tl_pub, tl_kind]
        chat_out = [desk, turns, described, folder, question, dl_one, dl_md, dl_docx]
        chat_in = [question, turns, described, folder, docs_dd, pub_dd, kind_dd, date_from, date_to, mode, top_k]
        # One event for both triggers, run once at a time: a second question sent while one is being answered
        # waits in the box (the Ask button is disabled meanwhile) instead of racing the first for the desk.
        gr.on(
            [ask_btn.click, question.submit], lambda: gr.update(interactive=False), None, [ask_btn],
            api_visibility="private", show_progress="hidden", trigger_mode="once",
        ).then(respond, chat_in, chat_out, api_visibility="private", show_progress="minimal", trigger_mode="once").then(
            lambda: gr.update(interactive=True), None, [ask_btn], api_visibility="private", show_progress="hidden"
        )
        clear_btn.click(clear, None, [desk, turns, described, question, source, dl_one, dl_md, dl_docx], api_visibility="private")
        pick_go.click(
            show_pick, [pick, turns], [source], js="(p, t) => [window.__dossierPick || '', t]",
            api_visibility="private", show_progress="hidden",
        )
        timeline_go.click(
            timeline_of, [pick, turns], [timeline, tl_shown, tabs], js="(p, t) => [window.__dossierPick || '', t]",
            api_visibility="private", show_progress="hidden",
        )
        tl_go.click(
            show_entry, [pick, tl_shown], [tl_source], js="(p, t) => [window.__dossierPick || '', t]",
            api_visibility="private", show_progress="hidden",
        )
        tl_in = [tl_words, tl_pub, tl_kind, tl_doc]
        # Not on the tab's select: "Show on timeline" selects the tab too, and would be overwritten.
        for trigger in (demo.load, tl_words.submit, tl_pub.change, tl_kind.change, tl_doc.change, tl_all.click):
            trigger(timeline_view, tl_in, [timeline, tl_shown], api_visibility="private", show_progress="hidden")
        doc_words.change(lambda w: _doc_views(settings, w)[0], [doc_words], [table], api_visibility="private",
                         show_progress="hidden")  # fmt: skip
        # The public /ingest API takes (files, urls): the table's word filter is applied afterwards.
        ingest_btn.click(
            do_ingest, [files, urls], [ingest_out, files, urls, *views],
            api_name="ingest", concurrency_limit=1, concurrency_id="index-write",
        ).then(
            lambda w: _doc_views(settings, w)[0], [doc_words], [table], api_visibility="private", show_progress="hidden"
        ).then(timeline_view, tl_in, [timeline, tl_shown], api_visibility="private", show_progress="hidden")
        delete_btn.click(
            do_delete, [delete_dd, doc_words], [delete_out, *views],
            api_visibility="private", concurrency_limit=1, concurrency_id="index-write",
        ).then(timeline_view, tl_in, [timeline, tl_shown], api_visibility="private", show_progress="hidden")
        demo.load(lambda: (*_doc_views(settings), desk_html([], _notices(settings))), None, [*views, desk], api_visibility="private")
        gr.api(ask_api, api_name="ask")
        gr.api(documents_api, api_name="documents")
        gr.api(delete_api, api_name="delete_document", concurrency_limit=1, concurrency_id="index-write")
    return demo

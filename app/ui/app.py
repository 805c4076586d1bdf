"""The analysts' chat (Gradio 6): layout and event wiring only.

Answers come from ``app.answer.engine.ask_stream``, documents from ``app.ingest.pipeline``;
rendering is in ``app.ui.render``, upload checks in ``app.ui.uploads``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import partial
from html import escape
from pathlib import Path
from typing import Any

import gradio as gr

from app.answer.engine import AskError, ask_stream
from app.ingest.manifest import DocEntry, Manifest
from app.ingest.pipeline import ingest_paths, manifest_path, remove_documents, text_path
from app.ingest.web import is_url
from app.retrieve import Filters
from app.settings import Settings
from app.store import StoreUnavailable
from app.types import Answer, Citation
from app.ui.render import answer_html, answer_markdown, error_html, partial_html, source_html
from app.ui.uploads import ALLOWED_EXTENSIONS, save_upload, uploads_dir

log = logging.getLogger("dossier.ui")

MAX_CITE_BUTTONS = 8
MODES = ["writer", "extractive", "embedded", "openai", "ollama"]
EXAMPLES = ["Why was DJI sanctioned?", "When was DJI added to the Entity List?"]
TABLE_HEADERS = ["Title", "Publisher", "Kind", "Date", "Chunks", "Source"]
SOURCE_PLACEHOLDER = '<div class="dossier-source dossier-muted">Click a citation to see the passage in its document.</div>'

CSS = """
.dossier-answer p { margin: 0.2em 0 0.5em; }
.dossier-filters { font-size: 0.85em; opacity: 0.75; margin-bottom: 0.4em; }
.cite-chip { display: inline-block; margin: 0 2px; padding: 0 6px; border-radius: 10px; font-size: 0.8em;
  line-height: 1.6; cursor: pointer; border: 1px solid #6b8cce; background: #eef3fc; color: #1d3f8a; }
.cite-chip:hover { background: #d6e2f8; }
.cite-row { margin-top: 0.4em; display: flex; flex-wrap: wrap; gap: 4px; }
.dossier-abstain { font-weight: 600; }
.dossier-related-head { font-weight: 600; font-size: 0.9em; opacity: 0.8; }
.dossier-doc-title { font-style: italic; }
.dossier-note { font-size: 0.85em; opacity: 0.8; }
.dossier-dropped summary { cursor: pointer; font-size: 0.85em; opacity: 0.8; }
.dossier-source h3 { margin: 0 0 0.3em; font-size: 1.05em; }
.dossier-meta { font-size: 0.85em; opacity: 0.8; margin: 0.1em 0; }
.dossier-context { white-space: pre-wrap; font-size: 0.9em; line-height: 1.5; margin-top: 0.6em; padding: 0.6em;
  border-left: 3px solid #6b8cce; max-height: 460px; overflow-y: auto; }
.dossier-context mark { background: #ffe58a; color: inherit; padding: 0 1px; }
.dossier-muted { opacity: 0.7; font-style: italic; }
.dossier-report ul { margin: 0.3em 0 0 1.2em; }
"""

# A click on a chip inside the chat asks the server for that turn's citation (via a hidden button).
HEAD = r"""<script>
document.addEventListener("click", function (ev) {
  var chip = ev.target && ev.target.closest ? ev.target.closest(".cite-chip") : null;
  if (!chip) return;
  ev.preventDefault();
  var pick = chip.getAttribute("value") || [chip.dataset.turn, chip.dataset.kind, chip.dataset.n].join(":");
  if (!/^\d+:(cite|related):\d+$/.test(pick)) return;
  window.__dossierPick = pick;
  var go = document.getElementById("dossier-pick-go");
  if (go && go.tagName !== "BUTTON") go = go.querySelector("button");
  if (go) go.click();
}, true);
</script>"""


# -- documents ----------------------------------------------------------------
def _documents(settings: Settings) -> dict[str, DocEntry]:
    try:
        return Manifest.load(manifest_path(settings)).done()
    except RuntimeError as exc:
        log.warning("%s", exc)
        return {}


def _doc_views(settings: Settings) -> tuple[Any, ...]:
    """(table, documents filter, publisher filter, kind filter, delete dropdown) from the manifest."""
    docs = sorted(_documents(settings).values(), key=lambda d: (d.date, d.title), reverse=True)
    rows = [[d.title, d.publisher, d.kind, d.date, d.chunks, d.source] for d in docs]
    by_source = [(f"{d.title[:80]} ({d.source})", d.source) for d in docs]
    publishers = sorted({d.publisher for d in docs if d.publisher})
    kinds = sorted({d.kind for d in docs if d.kind})
    delete = [(f"{d.title[:80]} ({d.source})", d.doc_id) for d in docs]
    return (
        gr.update(value=rows or [["", "", "", "", "", ""]]),
        gr.update(choices=by_source),
        gr.update(choices=publishers),
        gr.update(choices=kinds),
        gr.update(choices=delete, value=None),
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


def _listed(answer: Answer) -> list[Citation]:
    return answer.related if answer.abstained else answer.citations


def _cite_buttons(answer: Answer | None) -> list[Any]:
    listed = _listed(answer) if answer else []
    out = []
    for i in range(MAX_CITE_BUTTONS):
        if i < len(listed):
            c = listed[i]
            prefix = "Related: " if answer and answer.abstained else ""
            out.append(gr.update(value=f"{prefix}[{c.n}] {c.label()}", visible=True))
        else:
            out.append(gr.update(value="", visible=False))
    return out


def _source_for(settings: Settings, c: Citation) -> str:
    try:
        doc_text = text_path(settings, c.doc_id).read_text(encoding="utf-8")
    except OSError:
        doc_text = ""
    return source_html(c, doc_text)


def build_app(settings: Settings) -> gr.Blocks:
    def respond(
        question: str, messages: list[dict[str, Any]], turns: list[Answer], docs: list[str], pubs: list[str],
        kinds: list[str], dfrom: str, dto: str, mode: str, top_k: float,
    ) -> Iterator[tuple[Any, ...]]:
        skip = gr.skip()
        q = (question or "").strip()
        if not q:
            yield (skip, skip, skip, *[skip] * MAX_CITE_BUTTONS, skip, skip)
            return
        messages = [*(messages or []), {"role": "user", "content": escape(q)}, {"role": "assistant", "content": partial_html("")}]
        yield (messages, skip, "", *[skip] * MAX_CITE_BUTTONS, skip, skip)
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
                    messages[-1] = {"role": "assistant", "content": partial_html(item)}
                    yield (messages, skip, skip, *[skip] * MAX_CITE_BUTTONS, skip, skip)
        except (AskError, StoreUnavailable) as exc:
            final, message = None, str(exc)
        except Exception as exc:
            log.exception("question failed: %r", q)
            final, message = None, f"unexpected error ({type(exc).__name__}); the details are in the server log"
        if final is None:
            messages[-1] = {"role": "assistant", "content": error_html(message)}
            yield (messages, skip, skip, *[skip] * MAX_CITE_BUTTONS, skip, skip)
            return
        turns = [*turns, final]
        messages[-1] = {"role": "assistant", "content": answer_html(final, filters.describe(), len(turns) - 1)}
        yield (messages, turns, "", *_cite_buttons(final), answer_markdown(final), SOURCE_PLACEHOLDER)

    def show_button(i: int, turns: list[Answer]) -> str:
        listed = _listed(turns[-1]) if turns else []
        return _source_for(settings, listed[i]) if i < len(listed) else SOURCE_PLACEHOLDER

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
        return ([], [], "", *_cite_buttons(None), "", SOURCE_PLACEHOLDER)

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

    def do_delete(doc_id: str | None) -> tuple[Any, ...]:
        return (delete_document(settings, doc_id), *_doc_views(settings))

    def documents_api() -> list[dict]:
        """The ingested documents: doc_id, source, title, publisher, kind, date, chunks."""
        keys = ("doc_id", "source", "title", "publisher", "kind", "date", "chunks")
        return [{k: getattr(d, k) for k in keys} for d in _documents(settings).values()]

    def delete_api(doc_id: str) -> dict:
        """Delete a document by doc_id: its chunks leave the index."""
        known = doc_id in _documents(settings)
        report = delete_document(settings, doc_id)
        return {"doc_id": doc_id, "deleted": known and doc_id not in _documents(settings), "report": report}

    with gr.Blocks(title="Dossier") as demo:
        turns = gr.State([])
        gr.Markdown("## Dossier\nAnswers from your documents only, each sentence checked against the passage it cites.")
        with gr.Tabs():
            with gr.Tab("Chat"), gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(
                        label="Conversation", height=520, latex_delimiters=[], feedback_options=None, buttons=["copy", "copy_all"],
                        placeholder="Ask a question about the ingested documents.", elem_id="dossier-chat",
                    )
                    with gr.Row():
                        question = gr.Textbox(
                            placeholder="Ask a question about the documents", show_label=False, scale=6,
                            max_length=1000, elem_id="dossier-question", autofocus=True,
                        )
                        ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="dossier-ask")
                        clear_btn = gr.Button("Clear", scale=1, min_width=80, elem_id="dossier-clear")
                    gr.Examples(EXAMPLES, inputs=question, label="Examples")
                    with gr.Accordion("Filters and answer mode (apply to the next question)", open=False):
                        docs_dd = gr.Dropdown(label="Documents", multiselect=True, choices=[])
                        with gr.Row():
                            pub_dd = gr.Dropdown(label="Publisher", multiselect=True, choices=[])
                            kind_dd = gr.Dropdown(label="Kind", multiselect=True, choices=[])
                        with gr.Row():
                            date_from = gr.Textbox(label="Date from", placeholder="YYYY-MM-DD")
                            date_to = gr.Textbox(label="Date to", placeholder="YYYY-MM-DD")
                        with gr.Row():
                            mode = gr.Radio(MODES, value=settings.llm, label="Answer mode")
                            top_k = gr.Slider(1, 20, value=settings.top_k, step=1, label="Passages used (top-k)")
                with gr.Column(scale=2):
                    gr.Markdown("### Sources")
                    with gr.Row(elem_id="dossier-cite-buttons"):
                        cite_btns = [
                            gr.Button("", visible=False, size="sm", min_width=60, elem_id=f"dossier-cite-{i + 1}")
                            for i in range(MAX_CITE_BUTTONS)
                        ]
                    source = gr.HTML(SOURCE_PLACEHOLDER, elem_id="dossier-source", js_on_load=None)
                    with gr.Accordion("Copy as Markdown", open=False):
                        markdown = gr.Code("", language="markdown", show_label=False, lines=8, buttons=["copy"], interactive=False)
                    pick = gr.Textbox(visible="hidden", elem_id="dossier-pick")
                    pick_go = gr.Button("show", visible="hidden", elem_id="dossier-pick-go")
            with gr.Tab("Documents"):
                table = gr.Dataframe(
                    headers=TABLE_HEADERS, interactive=False, wrap=True, label="Ingested documents",
                    column_widths=["34%", "26%", "12%", "9%", "6%", "13%"], max_height=420,
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

        views = [table, docs_dd, pub_dd, kind_dd, delete_dd]
        chat_out = [chatbot, turns, question, *cite_btns, markdown, source]
        chat_in = [question, chatbot, turns, docs_dd, pub_dd, kind_dd, date_from, date_to, mode, top_k]
        for trigger in (ask_btn.click, question.submit):
            trigger(respond, chat_in, chat_out, api_visibility="private", show_progress="minimal")
        clear_btn.click(clear, None, chat_out, api_visibility="private")
        chatbot.clear(lambda: clear()[1:], None, chat_out[1:], api_visibility="private")
        for i, b in enumerate(cite_btns):
            b.click(partial(show_button, i), [turns], [source], api_visibility="private", show_progress="hidden")
        pick_go.click(
            show_pick, [pick, turns], [source], js="(p, t) => [window.__dossierPick || '', t]",
            api_visibility="private", show_progress="hidden",
        )
        ingest_btn.click(
            do_ingest, [files, urls], [ingest_out, files, urls, *views],
            api_name="ingest", concurrency_limit=1, concurrency_id="index-write",
        )
        delete_btn.click(
            do_delete, [delete_dd], [delete_out, *views],
            api_visibility="private", concurrency_limit=1, concurrency_id="index-write",
        )
        demo.load(lambda: _doc_views(settings), None, views, api_visibility="private")
        gr.api(ask_api, api_name="ask")
        gr.api(documents_api, api_name="documents")
        gr.api(delete_api, api_name="delete_document", concurrency_limit=1, concurrency_id="index-write")
    return demo

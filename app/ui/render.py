"""HTML and Markdown renderings of an ``Answer`` and of a cited source, for the chat.

Pure functions, no gradio. Everything that comes from documents, questions, titles
or file names goes through ``html.escape``: a document holding ``<script>`` or
``<img onerror=...>`` renders as text.
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import urlparse

from app.types import ABSTAIN_TEXT, Answer, Citation

CONTEXT_CHARS = 600
RELATED_CHARS = 300
MARKER = re.compile(r"\[(\d+)\]")


def _e(text: object) -> str:
    return escape(str(text or ""), quote=True)


def _flat(text: str) -> str:
    return " ".join((text or "").split())


def safe_url(url: str) -> str:
    """The url when it is a plain http(s) link, else ''."""
    url = (url or "").strip()
    try:
        parsed = urlparse(url)
    except ValueError:
        return ""
    return url if parsed.scheme in ("http", "https") and parsed.netloc and not any(c.isspace() for c in url) else ""


def chip(c: Citation, turn: int, kind: str = "cite", text: str = "") -> str:
    """A clickable citation chip; the page script maps a click to the source panel.

    The chat's sanitiser drops data-* attributes, so ``value`` carries "turn:kind:n" as well.
    """
    label = text or f"[{c.n}]"
    return (
        f'<button type="button" class="cite-chip" data-n="{c.n}" data-turn="{turn}" data-kind="{kind}" '
        f'value="{turn}:{kind}:{c.n}" title="{_e(c.title)}">{_e(label)}</button>'
    )


def _chips_in(text: str, citations: dict[int, Citation], turn: int) -> str:
    """Escape the answer text and turn each known [n] into a chip."""
    out, pos = [], 0
    for m in MARKER.finditer(text):
        c = citations.get(int(m.group(1)))
        if c is None:
            continue
        out.append(_e(text[pos : m.start()]))
        out.append(chip(c, turn))
        pos = m.end()
    out.append(_e(text[pos:]))
    return "".join(out)


def _notes(answer: Answer) -> str:
    parts = [f'<p class="dossier-note">Note: {_e(n)}</p>' for n in answer.notes if n]
    dropped = answer.dropped
    if dropped:
        k = len(dropped)
        head = f"{k} unsupported sentence{' was' if k == 1 else 's were'} dropped"
        items = "".join(
            f"<li>{_e(_flat(s.text))}<br><small>{_e(s.reason or 'not supported by the cited passage')}</small></li>"
            for s in dropped
        )
        parts.append(f'<details class="dossier-dropped"><summary>{head}</summary><ul>{items}</ul></details>')
    return "".join(parts)


def answer_html(answer: Answer, filters: str = "", turn: int = 0) -> str:
    """The answer for the chat: text with [n] chips, a row of labelled chips, notes.

    One line without blank lines, so that the chat's Markdown renderer keeps it as one HTML block.
    """
    parts = ['<div class="dossier-answer">']
    if filters:
        parts.append(f'<div class="dossier-filters">Filters: {_e(filters)}</div>')
    if answer.abstained:
        parts.append(f'<p class="dossier-abstain">{_e(ABSTAIN_TEXT)}</p>')
        if answer.related:
            items = "".join(
                f"<li>{chip(c, turn, 'related', c.label())} <span class=\"dossier-doc-title\">{_e(c.title)}</span>: "
                f"<q>{_e(_flat(c.text)[:RELATED_CHARS])}</q></li>"
                for c in answer.related
            )
            parts.append(f'<div class="dossier-related"><p class="dossier-related-head">Related material (not an answer)</p><ol>{items}</ol></div>')
    else:
        cites = {c.n: c for c in answer.citations}
        parts.append(f'<p class="dossier-text">{_chips_in(_flat(answer.answer), cites, turn)}</p>')
        if answer.citations:
            row = " ".join(chip(c, turn, "cite", f"[{c.n}] {c.label()}") for c in answer.citations)
            parts.append(f'<div class="cite-row">{row}</div>')
    parts.append(_notes(answer))
    parts.append("</div>")
    return "".join(parts)


def _context(citation: Citation, doc_text: str) -> tuple[str, str, str, bool]:
    """(before, cited span, after, found): the span located in the document text."""
    start, end = citation.start, citation.end
    if not (0 <= start < end <= len(doc_text)) or doc_text[start:end] != citation.text:
        at = doc_text.find(citation.text) if citation.text else -1
        if at < 0:
            return "", citation.text, "", False
        start, end = at, at + len(citation.text)
    lo, hi = max(0, start - CONTEXT_CHARS), min(len(doc_text), end + CONTEXT_CHARS)
    before, after = doc_text[lo:start], doc_text[end:hi]
    if lo > 0:
        before = "…" + before[before.find(" ") + 1 :] if " " in before else "…" + before
    if hi < len(doc_text):
        after = after[: after.rfind(" ")] + "…" if " " in after else after + "…"
    return before, doc_text[start:end], after, True


def source_html(citation: Citation, doc_text: str | None) -> str:
    """Title, publisher, kind, date, link and the cited span highlighted in its surrounding text."""
    meta = [x for x in (citation.publisher, citation.kind, citation.date) if x]
    if citation.page:
        meta.append(f"p. {citation.page}")
    url = safe_url(citation.url)
    link = (
        f'<a href="{_e(url)}" target="_blank" rel="noopener noreferrer">{_e(url)}</a>' if url else ""
    )
    before, span, after, found = _context(citation, doc_text or "")
    note = "" if found else '<p class="dossier-note">The stored document text no longer holds this passage; showing the quote only.</p>'
    return (
        '<div class="dossier-source">'
        f"<h3>[{citation.n}] {_e(citation.title or citation.source)}</h3>"
        f'<p class="dossier-meta">{" · ".join(_e(m) for m in meta)}</p>'
        f'<p class="dossier-meta">File: <code>{_e(citation.source)}</code>{" · " + link if link else ""}</p>'
        f"{note}"
        f'<div class="dossier-context">{_e(before)}<mark>{_e(span)}</mark>{_e(after)}</div>'
        "</div>"
    )


def answer_markdown(answer: Answer) -> str:
    """Markdown for the copy box: the question, the answer and a numbered source list with quotes."""
    lines = [f"**Question:** {_flat(answer.question)}", ""]
    if answer.abstained:
        lines.append(ABSTAIN_TEXT)
        listed, heading = answer.related, "Related material (not an answer)"
    else:
        lines.append(_flat(answer.answer))
        listed, heading = answer.citations, "Sources"
    if listed:
        lines += ["", f"**{heading}**", ""]
        for c in listed:
            where = f" ({c.url})" if safe_url(c.url) else ""
            lines.append(f"{c.n}. {c.label()} — *{_flat(c.title)}*, `{c.source}`{where}")
            lines.append(f"   > {_flat(c.text)}")
    for note in answer.notes:
        lines += ["", f"_Note: {_flat(note)}_"]
    return "\n".join(lines).strip() + "\n"


def partial_html(text: str) -> str:
    """Streaming text: the verified evidence sentence first; the writer's draft below it, marked as not yet checked."""
    if getattr(text, "stage", "") == "draft" and "\n\n" in text:
        evidence, draft = text.split("\n\n", 1)
        return (
            f'<div class="dossier-answer dossier-partial"><p class="dossier-evidence">{_e(_flat(evidence))}</p>'
            f'<p class="dossier-draft"><small>Writer\'s draft, being checked against the evidence:</small> '
            f"{_e(_flat(draft))} <em>…</em></p></div>"
        )
    return f'<div class="dossier-answer dossier-partial"><p>{_e(_flat(text))} <em>…</em></p></div>'


def error_html(message: str) -> str:
    return f'<div class="dossier-answer dossier-error"><p><strong>Could not answer:</strong> {_e(message)}</p></div>'

"""HTML for the desk: answer cards (``card_html``), the streaming card, notices, the timeline and a
cited source highlighted in its document.

Pure functions, no gradio. Everything that comes from documents, questions, titles
or file names goes through ``html.escape``: a document holding ``<script>`` or
``<img onerror=...>`` renders as text.
"""

from __future__ import annotations

import re
from html import escape

from app.report import safe_url
from app.types import ABSTAIN_TEXT, Answer, Citation, SentenceCheck, chip_publisher

CONTEXT_CHARS = 600
RELATED_CHARS = 300
MARKER = re.compile(r"\[(\d+)\]")


def _e(text: object) -> str:
    return escape(str(text or ""), quote=True)


def _flat(text: str) -> str:
    return " ".join((text or "").split())


KIND_BADGES = {
    # kind -> (badge text, what it means): a reader must tell Dossier's words from the documents' words.
    "quote": ("Quote", "verbatim from the cited passage"),
    "claim": ("Checked", "written by the writer model and checked by Dossier against the cited passage"),
    "inference": ("Inference", "Dossier's conclusion from the cited facts, not a quote"),
}
TIP_CHARS = 320


def chip_labels(citations: list[Citation]) -> dict[int, str]:
    """n -> label; labels that would read alike within one answer get their sentence ordinal (¶4.2)."""
    plain = {c.n: c.chip_label() for c in citations}
    counts: dict[str, int] = {}
    for label in plain.values():
        counts[label] = counts.get(label, 0) + 1
    return {c.n: c.chip_label(with_sentence=True) if counts[plain[c.n]] > 1 else plain[c.n] for c in citations}


def _clip_words(text: str, n: int) -> str:
    if len(text) <= n:
        return text
    cut = text[: n - 1]
    return (cut[: cut.rfind(" ")] if " " in cut else cut).rstrip(" ,;:") + "…"


def chip(c: Citation, turn: int, kind: str = "cite", label: str = "", focusable: bool = True) -> str:
    """A citation chip: "[2] Treasury · 2021-12-16 · ¶4". Hover or keyboard focus shows the passage; a
    click (the page script, via ``value`` "turn:kind:n") opens it highlighted in its document."""
    text = f"[{c.n}] {label}" if label else f"[{c.n}]"
    tip_id = f"tip-{turn}-{kind}-{c.n}"
    where = f" · {c.locator(with_sentence=True)}" if c.locator() else ""
    skip = "" if focusable else ' tabindex="-1"'  # a second chip for the same passage is not a second tab stop
    return (
        f'<button type="button" class="cite-chip dossier-pick" data-go="dossier-pick-go" value="{turn}:{kind}:{c.n}" '
        f'aria-label="{_e(text)}" aria-describedby="{tip_id}"{skip}>{_e(text)}'
        f'<span class="cite-tip" role="tooltip" id="{tip_id}">{_e(_clip_words(_flat(c.text), TIP_CHARS))}'
        f'<span class="cite-tip-doc">{_e(c.title or c.source)}{_e(where)}</span></span></button>'
    )


def _chips(nums: list[int], citations: dict[int, Citation], labels: dict[int, str], turn: int) -> str:
    return "".join(chip(citations[n], turn, "cite", labels.get(n, "")) for n in nums if n in citations)


def _claim_body(s: SentenceCheck, drop_lead: str = "") -> str:
    """The sentence without markers; a quote's attribution (Dossier's words) set apart from the quote."""
    text = MARKER.sub("", s.text).strip()
    if drop_lead and text.startswith(drop_lead):
        text = text[len(drop_lead) :].strip()
    if s.kind == "quote":
        attr = s.attribution.strip()
        if attr and text.startswith(attr):
            said = text[len(attr) :].strip()
            return f'<span class="dossier-attr">{_e(_flat(attr))}</span> <span class="dossier-quote">{_e(_flat(said))}</span>'
        return f'<span class="dossier-quote">{_e(_flat(text))}</span>'
    return _e(_flat(text))


def _badge(kind: str) -> str:
    badge, meaning = KIND_BADGES.get(kind, KIND_BADGES["claim"])
    return f'<span class="kind-badge kind-{kind if kind in KIND_BADGES else "claim"}" title="{_e(meaning)}">{badge}</span>'


def _claim_html(s: SentenceCheck, citations: dict[int, Citation], labels: dict[int, str], turn: int, drop_lead: str = "") -> str:
    kind = s.kind if s.kind in KIND_BADGES else "claim"
    return (
        f'<li class="dossier-claim claim-{kind}">{_badge(kind)} '
        f'<span class="claim-text">{_claim_body(s, drop_lead)}</span> <span class="claim-cites">{_chips(s.citations, citations, labels, turn)}</span></li>'
    )


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


def _source_cards(listed: list[Citation], labels: dict[int, str], turn: int, kind: str, heading: str, open_: bool = True) -> str:
    cards = []
    for c in listed:
        url = safe_url(c.url)
        link = f' · <a href="{_e(url)}" target="_blank" rel="noopener noreferrer">link</a>' if url else ""
        cards.append(
            f'<li class="source-card"><div class="source-head">{chip(c, turn, kind, labels.get(c.n, ""), focusable=False)}</div>'
            f'<blockquote class="source-quote">{_e(_flat(c.text))}</blockquote>'
            f'<div class="source-doc"><span class="dossier-doc-title">{_e(c.title or c.source)}</span>'
            f'{" · " + _e(c.date) if c.date else ""}{link} · '
            f'<button type="button" class="open-doc dossier-pick" data-go="dossier-pick-go" value="{turn}:{kind}:{c.n}">'
            "Open in document</button></div></li>"
        )
    return (
        f'<details class="dossier-sources"{" open" if open_ else ""}><summary>{_e(heading)} ({len(listed)})</summary>'
        f'<ol class="source-cards">{"".join(cards)}</ol></details>'
    )


def question_html(question: str) -> str:
    return f'<header class="dossier-q"><span class="dossier-q-label">Question</span><p class="dossier-question">{_e(question)}</p></header>'


def _meta_line(answer: Answer) -> str:
    total = answer.timings.get("total_ms")
    took = (f"{total / 1000:.1f} s" if total >= 1000 else f"{total:.0f} ms") if total else ""
    bits = [f"{answer.mode} mode"] + ([took] if took else [])
    if answer.standalone_question and answer.standalone_question != answer.question:
        bits.append(f"read as: {answer.standalone_question}")
    return f'<div class="dossier-card-meta">{_e(" · ".join(bits))}</div>'


def card_html(answer: Answer, turn: int = 0, filters: str = "", latest: bool = True) -> str:
    """One turn of the desk: the question in full, the direct answer in bold, the supporting claims
    with their kind and chips, dropped claims, notes, and the sources panel."""
    parts = [f'<article class="dossier-card dossier-answer" data-turn="{turn}">', question_html(answer.question), _meta_line(answer)]
    if filters:
        parts.append(f'<div class="dossier-filters">Filters: {_e(filters)}</div>')
    if answer.abstained:
        labels = chip_labels(answer.related)
        parts.append(f'<p class="dossier-direct dossier-abstain"><strong>{_e(ABSTAIN_TEXT)}</strong></p>')
        if answer.related:
            parts.append(_source_cards(answer.related, labels, turn, "related", "Related passages (not an answer)", latest))
    else:
        cites = {c.n: c for c in answer.citations}
        labels = chip_labels(answer.citations)
        shown = [s for s in answer.sentences if s.supported]
        direct = _flat(MARKER.sub("", answer.direct or "").strip())
        lead_row = None
        if direct:
            lead_row = next((s for s in shown if _flat(MARKER.sub("", s.text).strip()) == direct), None)
        if not direct and shown:
            lead_row = shown[0]
            direct = _flat(MARKER.sub("", lead_row.text).strip())
        if direct:
            nums = lead_row.citations if lead_row is not None else []
            if lead_row is not None:
                kind = lead_row.kind if lead_row.kind in KIND_BADGES else "claim"
                attr = lead_row.attribution.strip() if kind == "quote" else ""
                said = direct[len(attr) :].strip() if attr and direct.startswith(attr) else direct
                body = (f'<span class="dossier-attr">{_e(attr)}</span> ' if said != direct else "") + f"<strong>{_e(said)}</strong>"
                cls = f"dossier-direct claim-{kind}"
                badge = _badge(kind) + " "
            else:  # a verdict ("Yes." / "No.") resting on the claims below
                body, cls, badge = f"<strong>{_e(direct)}</strong>", "dossier-direct dossier-verdict", ""
            parts.append(f'<p class="{cls}">{badge}{body} <span class="claim-cites">{_chips(nums, cites, labels, turn)}</span></p>')
        rows = []
        for s in shown:
            if s is lead_row:
                continue
            lead = direct if s.kind == "inference" and direct in {"Yes.", "No."} else ""
            if lead and _flat(MARKER.sub("", s.text).strip()) == lead:
                continue  # the bare verdict row: already the direct answer
            rows.append(_claim_html(s, cites, labels, turn, lead))
        if rows:
            parts.append(f'<ul class="dossier-claims">{"".join(rows)}</ul>')
        if not answer.sentences and answer.answer:  # an answer without sentence checks (older callers)
            parts.append(f'<p class="dossier-text">{_e(_flat(MARKER.sub("", answer.answer)))}</p>')
        if answer.citations:
            parts.append(_source_cards(answer.citations, labels, turn, "cite", "Sources", latest))
            parts.append(
                f'<div class="card-actions"><button type="button" class="show-timeline dossier-pick" '
                f'data-go="dossier-timeline-go" value="timeline:{turn}">Show on timeline</button></div>'
            )
    parts.append(_notes(answer))
    parts.append("</article>")
    return "".join(parts)


def pending_html(question: str, text: str = "") -> str:
    """The card of the question being answered, with whatever has streamed so far."""
    return f'<article class="dossier-card dossier-pending">{question_html(question)}{partial_html(text)}</article>'


def failed_card_html(question: str, message: str) -> str:
    return f'<article class="dossier-card dossier-failed">{question_html(question)}{error_html(message)}</article>'


def desk_html(cards: list[str], notice: str = "") -> str:
    """The conversation: notices (empty states) then one card per turn."""
    if not cards and not notice:
        notice = notice_html("info", "Ask a question about the ingested documents. Every sentence of an answer cites its passage.")
    return f'<div class="dossier-desk">{notice}{"".join(cards)}</div>'


def notice_html(level: str, message: str) -> str:
    return f'<div class="dossier-notice notice-{_e(level)}" role="status">{_e(message)}</div>'


def answer_html(answer: Answer, filters: str = "", turn: int = 0) -> str:
    """The card alone (kept for callers that render one answer)."""
    return card_html(answer, turn, filters)


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
    if citation.paragraph:
        meta.append(f"¶{citation.paragraph}" + (f", sentence {citation.sentence}" if citation.sentence else ""))
    url = safe_url(citation.url)
    link = (
        f'<a href="{_e(url)}" target="_blank" rel="noopener noreferrer">{_e(url)}</a>' if url else ""
    )
    before, span, after, found = _context(citation, doc_text or "")
    note = "" if found else '<p class="dossier-note">The stored document text no longer holds this passage; showing the quote only.</p>'
    return (
        '<div class="dossier-source" role="region" aria-live="polite" aria-label="Cited passage">'
        f"<h3>{f'[{citation.n}] ' if citation.n > 0 else ''}{_e(citation.title or citation.source)}</h3>"
        f'<p class="dossier-meta">{" · ".join(_e(m) for m in meta)}</p>'
        f'<p class="dossier-meta">File: <code>{_e(citation.source)}</code>{" · " + link if link else ""}</p>'
        f"{note}"
        f'<div class="dossier-context">{_e(before)}<mark>{_e(span)}</mark>{_e(after)}</div>'
        "</div>"
    )


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


TIMELINE_SHOWN = 400


def timeline_html(entries: list, total: int | None = None, banner: str = "", cited: set[tuple[str, int]] | None = None) -> str:
    """The timeline: dated claims in date order, grouped by year; each entry opens its passage.

    ``entries`` are ``app.timeline.TimelineEntry``; ``cited`` holds (doc_id, start) of an answer's
    citations, marked on the timeline."""
    total = len(entries) if total is None else total
    head = f'<p class="tl-count">{len(entries)} of {total} dated claims</p>' if total else ""
    if banner:  # an answer's citations: counted as such, not as part of the corpus's claims
        head = f'<div class="tl-banner">{_e(banner)}</div><p class="tl-count">{len(entries)} cited passage{"s" if len(entries) != 1 else ""}</p>'
    if not entries:
        msg = "No dated claims match." if total else "No dated claims yet: ingest documents first (Documents tab)."
        return f'<div class="dossier-timeline">{head}<p class="dossier-muted">{_e(msg)}</p></div>'
    items, year = [], ""
    for i, e in enumerate(entries[:TIMELINE_SHOWN]):
        y = e.date[:4]
        if y != year:
            if year:
                items.append("</ol>")
            items.append(f'<h4 class="tl-year">{_e(y)}</h4><ol class="tl-list">')
            year = y
        mark = " tl-cited" if cited and (e.doc_id, e.start) in cited else ""
        basis = "date stated in the sentence" if e.basis == "stated" else "placed by the document's date"
        who = chip_publisher(e.publisher) or e.title[:40]
        items.append(
            f'<li class="tl-item{mark}"><time datetime="{_e(e.date)}" title="{_e(basis)}">{_e(e.label)}'
            f'{"" if e.basis == "stated" else " (document date)"}</time> '
            f'<span class="tl-meta">{_e(who)}{" · " + _e(e.kind) if e.kind else ""}</span>'
            f'<button type="button" class="tl-entry dossier-pick" data-go="dossier-tl-go" value="tl:{i}">{_e(_flat(e.text))}</button></li>'
        )
    items.append("</ol>")
    more = ""
    if len(entries) > TIMELINE_SHOWN:
        more = f'<p class="dossier-note">Showing the first {TIMELINE_SHOWN}; narrow them with the search box or the filters.</p>'
    return f'<div class="dossier-timeline">{head}{"".join(items)}{more}</div>'

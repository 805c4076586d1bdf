"""The timeline: the dated claims of the corpus, in date order (the logic under the UI's timeline tab).

What a claim is, is what Dossier cites: the evidence sentences of ``app.answer.evidence.split_passage``
(its quote and lead-in merges, the hygiene of ``app.answer.hygiene`` that drops headings, bylines,
datelines, navigation and metadata lines, and its minimum length), run over each document's stored
text after any front matter. Every entry's ``text`` is the exact slice ``doc_text[start:end]``.

Placing a sentence:

- each date the sentence states (``app.answer.normalise.date_mentions``), at the precision it states:
  day, month ("December 2021") or year ("in 2016"). A year-only mention is dropped when a finer date
  of the sentence falls in that year. A day or month without a year takes the document's year, or the
  year before when that puts it after the document's date (nearest on or before), or the year after
  when the words before it speak of the future ("will take effect on January 5"; ``infer.FUTURE``).
  At most ``MAX_DATES`` distinct dates per sentence, in the order written;
- a day of the week ("on Tuesday"), when the sentence states no full date and the document has a day
  date, resolved against the document's date as ``app.answer.infer`` does;
- undated sentences are left out, except each document's first undated evidence sentence, which is
  placed at the document's date (basis "document") so that every dated document is on the timeline.
  Every undated sentence at its document's date would bury the stated dates under one date per document.

Dates are hand-parsed (not dateparser) because they are found inside running text with their offsets,
by the same rules the verifier uses to check dates.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.answer import infer
from app.answer import normalise as nz
from app.answer.evidence import split_passage
from app.ingest.loaders import FRONT_MATTER
from app.ingest.manifest import DocEntry, Manifest
from app.ingest.pipeline import manifest_path, text_path
from app.settings import Settings
from app.types import Citation, Passage

MAX_DATES = 3  # entries per sentence: a sentence listing many dates is one event told with its history
MONTH_NAMES = [dt.date(2000, m, 1).strftime("%B") for m in range(1, 13)]


@dataclass(frozen=True)
class TimelineEntry:
    date: str  # ISO sort key "YYYY-MM-DD"; month precision uses the 1st, year precision January 1
    precision: str  # "day" | "month" | "year"
    label: str  # "16 December 2021", "December 2021", "2021"
    basis: str  # "stated": the date is in the sentence; "document": placed by the document's date
    doc_id: str
    source: str
    title: str
    publisher: str
    kind: str
    doc_date: str
    url: str
    text: str  # the sentence, raw (escaping is the UI's job): exactly doc_text[start:end]
    start: int
    end: int
    page: int | None = None


# (year, month or 0, day or 0), as app.answer.infer writes dates
Ymd = tuple[int, int, int]


def _valid(d: Ymd) -> bool:
    try:
        dt.date(d[0], d[1] or 1, d[2] or 1)
    except ValueError:
        return False
    return True


def _precision(d: Ymd) -> str:
    return "day" if d[2] else ("month" if d[1] else "year")


def _label(d: Ymd) -> str:
    y, m, day = d
    if m and day:
        return f"{day} {MONTH_NAMES[m - 1]} {y}"
    return f"{MONTH_NAMES[m - 1]} {y}" if m else str(y)


def _iso(d: Ymd) -> str:
    return f"{d[0]:04d}-{d[1] or 1:02d}-{d[2] or 1:02d}"


def _year_for(month: int, day: int, doc: Ymd, future: bool) -> int:
    """The year of a day or month written without one: the document's, unless that puts it after the
    document's date (then the year before) or, for a future event, before it (then the year after)."""
    if future:
        return doc[0] if (month, day or 31) >= (doc[1] or 1, doc[2] or 1) else doc[0] + 1
    return doc[0] if (month, day or 1) <= (doc[1] or 12, doc[2] or 31) else doc[0] - 1


def stated_dates(text: str, doc_date: str) -> list[Ymd]:
    """The distinct dates ``text`` states, resolved against the document's date, in the order written."""
    doc = nz.doc_date(doc_date)
    found: list[tuple[int, Ymd]] = []
    for (a, _), ref in sorted(nz.date_mentions(text), key=lambda m: m[0][0]):
        year = ref.year
        if year is None:
            if doc is None or ref.month is None:
                continue
            future = bool(infer.FUTURE.search(text[max(0, a - 40) : a]))
            year = _year_for(ref.month, ref.day or 0, doc, future)
        found.append((a, (year, ref.month or 0, ref.day or 0)))
    if doc is not None and not any(d[2] for _, d in found):
        # "on Tuesday": only where no full date is stated (a weekday beside a date names that date)
        found += [(a, d) for a, d, how in infer._mentions(text, doc) if how == "weekday"]
        found.sort(key=lambda f: f[0])
    finer_years = {d[0] for _, d in found if d[1]}
    out: list[Ymd] = []
    for _, d in found:
        if _valid(d) and d not in out and not (not d[1] and d[0] in finer_years):
            out.append(d)
    return out[:MAX_DATES]


def _entries(p: Passage, dates: list[Ymd], basis: str) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            date=_iso(d), precision=_precision(d), label=_label(d), basis=basis,
            doc_id=p.doc_id, source=p.source, title=p.title, publisher=p.publisher, kind=p.kind,
            doc_date=p.date, url=p.url, text=p.text, start=p.start, end=p.end, page=p.page,
        )
        for d in dates
    ]


def _place(p: Passage, lead: bool) -> list[TimelineEntry]:
    dates = stated_dates(p.text, p.date)
    if dates:
        return _entries(p, dates, "stated")
    doc = nz.doc_date(p.date)
    if lead and doc is not None and _valid(doc):
        return _entries(p, [doc], "document")
    return []


def _sort_key(e: TimelineEntry) -> tuple[str, str, str, int]:
    return (e.date, e.doc_date, e.doc_id, e.start)


def _pages(settings: Settings, entry: DocEntry) -> list[tuple[int, int]]:
    """(chunk start, page) of a PDF's chunks, sorted: the pages live only in the chunks' metadata
    (the stored text joins pages with blank lines, like paragraphs). Empty when they cannot be read."""
    from app.store import get_collection

    try:
        got: dict[str, Any] = get_collection(settings).get(where={"doc_id": entry.doc_id}, include=["metadatas"])
    except Exception:  # pages are a convenience; a timeline without them beats none
        return []
    return sorted(
        (int(m["start"]), int(m["page"]))
        for m in got.get("metadatas") or []
        if m and m.get("content_hash") == entry.content_hash and isinstance(m.get("page"), int)
    )


def _page_at(pages: list[tuple[int, int]], offset: int) -> int | None:
    page = None
    for start, p in pages:  # chunks never straddle pages, so the last chunk starting at or before it
        if start > offset:
            break
        page = p
    return page


def document_timeline(settings: Settings, entry: DocEntry) -> list[TimelineEntry]:
    """The timeline entries of one ingested document, in text order."""
    try:
        doc_text = text_path(settings, entry.doc_id).read_text(encoding="utf-8")
    except OSError:
        return []
    body = 0
    if entry.source.lower().endswith((".md", ".markdown")):
        m = FRONT_MATTER.match(doc_text)
        body = m.end() if m else 0
    whole = Passage(
        chunk_id="", doc_id=entry.doc_id, source=entry.source, title=entry.title, publisher=entry.publisher,
        kind=entry.kind, date=entry.date, url=entry.url, text=doc_text[body:], start=body, end=len(doc_text),
    )  # fmt: skip
    sentences = sorted(split_passage(whole), key=lambda s: s.start)
    pages = _pages(settings, entry) if entry.source.lower().endswith(".pdf") else []
    out: list[TimelineEntry] = []
    placed = False  # the document's first undated sentence stands for it at the document's date
    for s in sentences:
        if pages:
            s.page = _page_at(pages, s.start)
        got = _place(s, lead=not placed)
        placed = placed or any(e.basis == "document" for e in got)
        out += got
    return out


_lock = threading.Lock()
# index dir -> (manifest generation and the documents it holds, timeline). The documents are in the key
# because a reset starts the generation again at 0: a new index could reach the generation cached.
_cache: dict[str, tuple[tuple[int, tuple[tuple[str, str], ...]], list[TimelineEntry]]] = {}


def build_timeline(settings: Settings) -> list[TimelineEntry]:
    """The dated claims of the whole corpus in date order (ties: document date, document, offset).

    Cached per index directory and manifest generation: repeated calls return the same list (do not
    mutate it) until an ingest commits a change."""
    manifest = Manifest.load(manifest_path(settings))
    done = manifest.done()
    stamp = (manifest.generation, tuple(sorted((d, e.content_hash) for d, e in done.items())))
    key = str(settings.index_dir.resolve())
    with _lock:  # one build at a time; a second caller waits for it rather than building it again
        cached = _cache.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        entries = [e for d in done.values() for e in document_timeline(settings, d)]
        entries.sort(key=_sort_key)
        _cache[key] = (stamp, entries)
        return entries


def filter_timeline(
    entries: Iterable[TimelineEntry],
    words: str = "",
    publishers: Iterable[str] = (),
    kinds: Iterable[str] = (),
    sources: Iterable[str] = (),
) -> list[TimelineEntry]:
    """Entries whose text, title or publisher contain every word (case-insensitive) and whose publisher,
    kind and source are among those given (an empty choice keeps all)."""
    terms = words.casefold().split()
    pubs, kds, srcs = set(publishers), set(kinds), set(sources)
    out = []
    for e in entries:
        if (pubs and e.publisher not in pubs) or (kds and e.kind not in kds) or (srcs and e.source not in srcs):
            continue
        hay = f"{e.text}\n{e.title}\n{e.publisher}".casefold()
        if all(t in hay for t in terms):
            out.append(e)
    return out


def citations_on_timeline(citations: list[Citation]) -> list[TimelineEntry]:
    """An answer's citations placed like the corpus's claims: at the dates their quotes state, else at
    their document's date; a citation with neither is left off. In date order."""
    out: list[TimelineEntry] = []
    for c in citations:
        p = Passage(
            chunk_id="", doc_id=c.doc_id, source=c.source, title=c.title, publisher=c.publisher, kind=c.kind,
            date=c.date, url=c.url, text=c.text, start=c.start, end=c.end, page=c.page,
        )  # fmt: skip
        out += _place(p, lead=True)
    out.sort(key=_sort_key)
    return out

"""The keyword (BM25) side of hybrid retrieval: an incremental index beside the Chroma store.

Stored in a tantivy index under ``index/keyword``: adding, replacing or deleting a document costs
O(that document) (a small new segment, merged in the background by tantivy's log merge policy),
not a rebuild of the whole side. Chroma local has no sparse index, and bm25s (what
``llama-index-retrievers-bm25`` uses) cannot update an index in place.

**Same tokens and scores as before.** Each chunk is indexed as the string LlamaIndex's
``BM25Retriever`` indexed (the chunk's metadata lines as Chroma returns them, then its text), split
the way ``bm25s.tokenize`` splits it (lowercase, ``(?u)\\b\\w\\w+\\b``, bm25s's English stop words,
PyStemmer's English stemmer), and the tokens go to tantivy pre-tokenized. Tantivy finds and filters
the candidates with its own BM25 (k1 1.2, quantised lengths); the best ``max(100, 5 x k)`` are then
rescored with bm25s's formula (Lucene IDF, k1 1.5, b 0.75, exact lengths, exact document
frequencies over the live chunks), so rankings and scores are those of a fresh bm25s build
(``tests/test_keyword.py`` checks it against ``BM25Retriever.from_defaults``).

**Filters** (documents, publisher, kind, date range) are term and range queries inside the search,
so a filtered query gets the best matching chunks, not the matching few of an unfiltered top list.

**In step with Chroma and the manifest.** The ingest changes a document's keyword rows while the
manifest marks it ``pending`` (after its chunks are in Chroma, before it is marked ``done``), in one
tantivy commit per batch (atomic). One row per document (``row: doc``) records its content hash. A
state file records the tokenizer ``VERSION`` and the manifest generation the index is known to
match, written after each commit. When the generation differs (a run killed in between), the next
ingest (or a reader that can take the ingest lock) reconciles: it compares the per-document rows
with the manifest's visible documents by doc id and content hash and re-reads from Chroma only the
documents that differ. A different ``VERSION``, or a missing index, rebuilds from Chroma's chunks
(no re-reading of files, no re-embedding); nothing else does, except ``dossier ingest --reset``.

**Server mode** (``DOSSIER_CHROMA_URL``): each worker keeps its own keyword index and catches up
from the shared collection by document id and content hash (``catch_up``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import re
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.filters import Filters
from app.ingest.manifest import Manifest, atomic_write_text
from app.settings import Settings

# Bump when the tokens, what is indexed, the schema or the scoring change: the index is rebuilt.
VERSION = 1
STATE = "dossier-keyword.json"
K1, B = 1.5, 0.75  # bm25s defaults (method "lucene"), what BM25Retriever used
RESCORE_MIN = 100
RESCORE_FACTOR = 5
TOKEN_PATTERN = re.compile(r"(?u)\b\w\w+\b")
WRITER_HEAP = 32_000_000
PAGE = 5000


# --- tokens -------------------------------------------------------------------


class Tokenizer:
    """bm25s.tokenize(text, stopwords="english", stemmer=Stemmer("english")), one text at a time."""

    def __init__(self) -> None:
        import Stemmer
        from bm25s.stopwords import STOPWORDS_EN

        self._stem = Stemmer.Stemmer("english").stemWord
        self._stop = frozenset(STOPWORDS_EN)
        self._cache: dict[str, str] = {}

    def __call__(self, text: str) -> list[str]:
        cache, stop = self._cache, self._stop
        out = []
        for tok in TOKEN_PATTERN.findall(text.lower()):
            if tok in stop:
                continue
            stem = cache.get(tok)
            if stem is None:
                stem = self._stem(tok)
                if len(cache) < 500_000:
                    cache[tok] = stem
            out.append(stem)
        return out


_tokenizer: Tokenizer | None = None


def tokenizer() -> Tokenizer:
    global _tokenizer
    if _tokenizer is None:
        _tokenizer = Tokenizer()
    return _tokenizer


def indexed_text(text: str, meta: dict[str, Any]) -> str:
    """The words BM25Retriever indexed for a chunk: ``TextNode(text, metadata).get_content(EMBED)``
    as built from a Chroma row (every metadata ``key: value`` line, then the text). Only the bag of
    words matters, so the lines are joined without LlamaIndex's templates."""
    return "\n".join(f"{k}: {v}" for k, v in meta.items()) + "\n\n" + text


def chroma_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """A Chroma row's metadata without LlamaIndex's private ``_node_*`` keys (what BM25 indexed)."""
    return {k: v for k, v in (meta or {}).items() if not k.startswith("_")}


@dataclass
class Row:
    chunk_id: str
    text: str
    meta: dict[str, Any]


# --- the index on disk ------------------------------------------------------------


def keyword_dir(settings: Settings) -> Path:
    return settings.index_dir / "keyword"


def _schema() -> Any:
    import tantivy

    sb = tantivy.SchemaBuilder()
    for name in ("row", "chunk_id", "doc_id", "content_hash", "source", "publisher", "kind"):
        sb.add_text_field(name, stored=name in ("chunk_id", "doc_id", "content_hash"), tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("date_key", indexed=True, fast=True)
    sb.add_integer_field("length", stored=True, fast=True)
    sb.add_integer_field("chunks", stored=True)
    sb.add_text_field("tokens", tokenizer_name="raw", index_option="freq")
    sb.add_bytes_field("body", stored=True)
    return sb.build()


def _read_json_dict(path: Path) -> dict[str, Any]:
    """A small JSON state file as a dict; {} when missing or unreadable."""
    try:
        state = json.loads(path.read_text())
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        return {}


def read_state(folder: Path) -> dict[str, Any]:
    return _read_json_dict(folder / STATE)


def _write_state(folder: Path, generation: int) -> None:
    atomic_write_text(folder / STATE, json.dumps({"version": VERSION, "generation": generation}))


def _usable(folder: Path) -> bool:
    return read_state(folder).get("version") == VERSION and (folder / "meta.json").exists()


def _documents(row: Row, tokens: list[str]) -> Any:
    import tantivy

    m = row.meta
    doc = tantivy.Document()
    doc.add_text("row", "chunk")
    doc.add_text("chunk_id", row.chunk_id)
    doc.add_text("doc_id", str(m.get("doc_id", "")))
    doc.add_text("content_hash", str(m.get("content_hash", "")))
    for name in ("source", "publisher", "kind"):
        doc.add_text(name, str(m.get(name, "")))
    doc.add_integer("date_key", int(m.get("date_key") or 0))
    doc.add_integer("length", len(tokens))
    doc.add_pre_tokenized_text("tokens", _pre_tokenized(tokens))
    doc.add_bytes("body", json.dumps({"text": row.text, "meta": row.meta, "tokens": " ".join(tokens)}, ensure_ascii=False).encode("utf-8"))
    return doc


def _pre_tokenized(tokens: list[str]) -> Any:
    import tantivy

    out, pos = [], 0
    for i, t in enumerate(tokens):
        out.append(tantivy.Token(t, i, pos, pos + len(t)))
        pos += len(t) + 1
    return tantivy.PreTokenizedString(" ".join(tokens), out)


def _marker(doc_id: str, content_hash: str, chunks: int) -> Any:
    import tantivy

    doc = tantivy.Document()
    doc.add_text("row", "doc")
    doc.add_text("doc_id", doc_id)
    doc.add_text("content_hash", content_hash)
    doc.add_integer("chunks", chunks)
    return doc


def _open_or_create(folder: Path) -> Any:
    import tantivy

    folder.mkdir(parents=True, exist_ok=True)
    return tantivy.Index(_schema(), path=str(folder), reuse=True)


def write(folder: Path, upserts: dict[str, list[Row]], deletes: Iterable[str] = ()) -> None:
    """One atomic tantivy commit: every document in ``upserts`` and ``deletes`` loses its rows, then
    each upserted document gets its chunks and its ``row: doc`` record (content hash, chunk count)."""
    index = _open_or_create(folder)
    writer = index.writer(WRITER_HEAP, 1)
    try:
        for doc_id in [*upserts, *deletes]:
            writer.delete_documents_by_term("doc_id", doc_id)
        tok = tokenizer()
        for doc_id, rows in upserts.items():
            hashes = {str(r.meta.get("content_hash", "")) for r in rows}
            for r in rows:
                writer.add_document(_documents(r, tok(indexed_text(r.text, r.meta))))
            writer.add_document(_marker(doc_id, hashes.pop() if len(hashes) == 1 else "", len(rows)))
        writer.commit()
        writer.wait_merging_threads()
    except BaseException:
        with contextlib.suppress(Exception):
            writer.rollback()
        raise


def _chroma_pages(settings: Settings, where: dict[str, Any] | None = None) -> Iterator[list[Row]]:
    from app.store import get_collection

    col = get_collection(settings)
    offset = 0
    while True:
        got = col.get(include=["documents", "metadatas"], limit=PAGE, offset=offset, where=where)
        rows = [Row(cid, text or "", chroma_meta(meta)) for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)]
        if rows:
            yield rows
        if len(rows) < PAGE:
            return
        offset += PAGE


def _group(rows: Iterable[Row]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    for r in rows:
        out.setdefault(str(r.meta.get("doc_id", "")), []).append(r)
    return out


def build(settings: Settings, generation: int) -> int:
    """Full build from Chroma's chunks into a new folder, swapped in; returns the chunk count.

    Only for a missing index, a changed ``VERSION`` or ``--reset`` (then the index is empty anyway)."""
    target = keyword_dir(settings)
    tmp = target.with_name(f"keyword.building-{os.getpid()}-{threading.get_ident()}")
    old = target.with_name(f"keyword.old-{os.getpid()}-{threading.get_ident()}")
    shutil.rmtree(tmp, ignore_errors=True)
    chunks = 0
    try:
        index = _open_or_create(tmp)
        writer = index.writer(max(WRITER_HEAP, 200_000_000), 1)
        tok = tokenizer()
        by_doc: dict[str, tuple[str, int]] = {}
        for rows in _chroma_pages(settings):
            for r in rows:
                writer.add_document(_documents(r, tok(indexed_text(r.text, r.meta))))
                d, h = str(r.meta.get("doc_id", "")), str(r.meta.get("content_hash", ""))
                seen, n = by_doc.get(d, (h, 0))
                by_doc[d] = (seen if seen == h else "", n + 1)  # "" = two versions: reconcile rewrites it
            chunks += len(rows)
        for d, (h, n) in by_doc.items():
            writer.add_document(_marker(d, h, n))
        writer.commit()
        writer.wait_merging_threads()
        _write_state(tmp, generation)
        with contextlib.suppress(OSError):  # another builder swapped its copy in first; theirs is as good
            if target.exists():
                target.rename(old)
            tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    _readers.pop(str(target), None)
    return chunks


def markers(folder: Path, only: Iterable[str] | None = None) -> dict[str, str]:
    """doc_id -> content hash of every document the keyword index holds (one row each), or of the
    documents in ``only``."""
    import tantivy

    if not (folder / "meta.json").exists():
        return {}
    index = tantivy.Index.open(str(folder))
    index.reload()
    searcher = index.searcher()
    q = tantivy.Query.term_query(index.schema, "row", "doc")
    if only is not None:
        ids = sorted(only)
        if not ids:
            return {}
        q = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, q), (tantivy.Occur.Must, tantivy.Query.term_set_query(index.schema, "doc_id", ids))]
        )
    n = searcher.num_docs
    out = {}
    for _, addr in searcher.search(q, max(n, 1), count=False).hits:
        d = searcher.doc(addr)
        out[d["doc_id"][0]] = d["content_hash"][0]
    return out


def chunk_rows(folder: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """(chunk id, text, metadata) of every chunk the index holds (tests and checks; O(index))."""
    import tantivy

    if not (folder / "meta.json").exists():
        return []
    index = tantivy.Index.open(str(folder))
    index.reload()
    searcher = index.searcher()
    q = tantivy.Query.term_query(index.schema, "row", "chunk")
    out = []
    for _, addr in searcher.search(q, max(searcher.num_docs, 1), count=False).hits:
        d = searcher.doc(addr)
        body = json.loads(bytes(d["body"][0]).decode("utf-8"))
        out.append((d["chunk_id"][0], body["text"], body["meta"]))
    return sorted(out, key=lambda r: r[0])


def reconcile(settings: Settings, want: dict[str, str], only: set[str] | None = None) -> tuple[int, int]:
    """Make the index hold exactly ``want`` (doc_id -> content hash), re-reading from Chroma only the
    documents whose hash differs. With ``only``, just those documents are compared (an empty hash in
    ``want`` = deleted), and only their markers are read. Returns (documents rewritten, deleted)."""
    folder = keyword_dir(settings)
    have = markers(folder, only)
    deletes = [d for d in have if not want.get(d)]
    upserts: dict[str, list[Row]] = {}
    for doc_id, digest in want.items():
        if not digest or have.get(doc_id) == digest:
            continue
        rows = [r for page in _chroma_pages(settings, {"$and": [{"doc_id": doc_id}, {"content_hash": digest}]}) for r in page]
        if rows:
            upserts[doc_id] = rows
        elif doc_id in have:
            deletes.append(doc_id)
    if upserts or deletes:
        write(folder, upserts, deletes)
    return len(upserts), len(deletes)


def visible(manifest: Manifest) -> dict[str, str]:
    """The versions readers may see: done documents, and the previous version of pending ones."""
    out = {}
    for d, e in manifest.docs.items():
        h = e.content_hash if e.state == "done" else e.previous_hash
        if h:
            out[d] = h
    return out


def sync(settings: Settings, manifest: Manifest) -> str:
    """Bring the keyword index in step with the manifest (call with the ingest lock held).

    Returns what was done: "" (already in step), "built" or "reconciled"."""
    folder = keyword_dir(settings)
    if settings.chroma_url:
        # A shared collection: this worker's manifest knows only its own documents, so the index follows
        # the collection (``catch_up``, done by readers), never the local manifest alone.
        if not _usable(folder):
            build(settings, manifest.generation)
            return "built"
        if read_state(folder).get("generation") != manifest.generation:
            _write_state(folder, manifest.generation)
        return ""
    if not _usable(folder):
        build(settings, manifest.generation)
        reconcile(settings, visible(manifest))  # Chroma may hold both versions of a pending document
        return "built"
    if read_state(folder).get("generation") == manifest.generation:
        return ""
    reconcile(settings, visible(manifest))
    _write_state(folder, manifest.generation)
    return "reconciled"


def mark(settings: Settings, generation: int) -> None:
    """Record that the index matches the manifest at ``generation`` (after a commit of both)."""
    _write_state(keyword_dir(settings), generation)


def apply(settings: Settings, upserts: dict[str, list[Row]], deletes: Iterable[str] = ()) -> None:
    """The ingest's per-batch update (documents marked pending in the manifest meanwhile)."""
    folder = keyword_dir(settings)
    if not _usable(folder) and not (folder / "meta.json").exists():
        _open_or_create(folder)
        _write_state(folder, -1)  # empty and not yet in step: the end of the run checks it
    write(folder, upserts, deletes)


# --- server mode -------------------------------------------------------------------


def chroma_documents(settings: Settings) -> dict[str, str]:
    """doc_id -> content hash of the documents in the (shared) collection, from its metadata only."""
    from app.store import get_collection

    col = get_collection(settings)
    out: dict[str, str] = {}
    offset = 0
    while True:
        got = col.get(include=["metadatas"], limit=PAGE * 4, offset=offset)
        for meta in got["metadatas"]:
            d, h = str((meta or {}).get("doc_id", "")), str((meta or {}).get("content_hash", ""))
            out[d] = min(out.get(d, h), h)
        if len(got["ids"]) < PAGE * 4:
            return out
        offset += PAGE * 4


# Each writer appends one row per changed document (doc id, content hash or "" when deleted, time)
# to a small collection beside the shared one, after the document's chunks are written; workers read
# only the rows since their last catch-up and re-read only those documents: O(changes), not a scan of
# the collection's metadata (100k+ rows) every few seconds. Chroma has no change feed of its own.
CHANGES_SUFFIX = "-dossier-changes"
CHANGES_SLACK_MS = 60_000  # rows re-read from before the last catch-up: writers' clocks and commits overlap
CHANGES_KEEP_MS = 7 * 24 * 3600 * 1000  # older rows are pruned; a worker further behind does a full pass
FULL_RECONCILE_S = 600.0  # and a full pass now and then, for a writer killed between its chunks and its row
CATCH_UP_STATE = "dossier-catch-up.json"
ALL_DOCUMENTS = "*"  # a change row for every document (a reset of the shared collection)


def _changes(settings: Settings) -> Any:
    from app.store import get_client

    return get_client(settings).get_or_create_collection(settings.collection + CHANGES_SUFFIX)


def log_changes(settings: Settings, changed: dict[str, str]) -> None:
    """Server mode: record that these documents now hold this content hash ("" = deleted)."""
    if not settings.chroma_url or not changed:
        return
    import uuid

    now = int(time.time() * 1000)
    col = _changes(settings)
    items = list(changed.items())
    col.add(
        ids=[f"{now}-{uuid.uuid4().hex}" for _ in items],
        embeddings=[[0.0] for _ in items],
        metadatas=[{"doc_id": d, "content_hash": h, "ms": now} for d, h in items],
    )
    with contextlib.suppress(Exception):  # pruning is housekeeping; a failure here loses nothing
        col.delete(where={"ms": {"$lt": now - CHANGES_KEEP_MS}})


def catch_up(settings: Settings) -> str:
    """Server mode: bring this worker's index to the shared collection's documents by doc id and hash.

    Reads the change rows since the last catch-up and rewrites only those documents; a missing index
    is built, and a full comparison with the collection runs when the rows cannot be trusted to be
    complete (first catch-up, a worker behind the pruning horizon, or every ``FULL_RECONCILE_S``)."""
    folder = keyword_dir(settings)
    start = int(time.time() * 1000)
    if not _usable(folder):
        build(settings, 0)
        atomic_write_text(folder / CATCH_UP_STATE, json.dumps({"since_ms": start, "full_ms": start}))
        return "built"
    state = _read_json_dict(folder / CATCH_UP_STATE)
    since, full = int(state.get("since_ms", 0)), int(state.get("full_ms", 0))
    full_pass = not since or start - full >= FULL_RECONCILE_S * 1000 or start - since >= CHANGES_KEEP_MS
    latest: dict[str, tuple[int, str]] = {}  # doc_id -> (ms, content hash) of its newest change row
    if not full_pass:
        got = _changes(settings).get(where={"ms": {"$gte": since - CHANGES_SLACK_MS}}, include=["metadatas"])
        for meta in got["metadatas"]:
            d, h, ms = str(meta.get("doc_id", "")), str(meta.get("content_hash", "")), int(meta.get("ms", 0))
            if d and (d not in latest or ms >= latest[d][0]):
                latest[d] = (ms, h)
    if full_pass or ALL_DOCUMENTS in latest:
        rewritten, deleted = reconcile(settings, chroma_documents(settings))
        full = start
    else:
        rewritten, deleted = reconcile(settings, {d: h for d, (_, h) in latest.items()}, only=set(latest))
    atomic_write_text(folder / CATCH_UP_STATE, json.dumps({"since_ms": start, "full_ms": full}))
    return "reconciled" if rewritten or deleted else ""


# --- searching -------------------------------------------------------------------


@dataclass
class Hit:
    chunk_id: str
    score: float
    text: str
    meta: dict[str, Any]


@dataclass
class Reader:
    folder: Path
    index: Any = None
    stamp: tuple[int, int] | None = None
    searcher: Any = None
    stats: tuple[int, float] = (0, 0.0)
    lock: threading.Lock = field(default_factory=threading.Lock)
    checked: float = 0.0
    # Document frequencies over live chunks, for the searcher loaded now. With no deleted rows in any
    # segment, tantivy's own term statistics are exact (one dictionary lookup); a deleted row stays
    # counted there until its segment merges, so then each term is counted once by a search (which
    # walks its posting list: milliseconds at 1M chunks for a common word) and kept until the next reload.
    exact_df: bool = False
    df: dict[str, int] = field(default_factory=dict)  # the counted ones, for ``searcher``

    def _meta_stamp(self) -> tuple[int, int] | None:
        try:
            st = (self.folder / "meta.json").stat()
            return (st.st_mtime_ns, st.st_size)
        except OSError:
            return None

    def refresh(self) -> Any:
        """The current searcher, reloaded when the index's meta.json changed (another process committed)."""
        import tantivy

        stamp = self._meta_stamp()
        with self.lock:
            if stamp is None:
                self.index = self.searcher = None
                self.stamp = None
                return None
            if self.index is None or stamp != self.stamp:
                if self.index is None:
                    self.index = tantivy.Index.open(str(self.folder))
                self.index.reload()
                self.searcher = self.index.searcher()
                chunks_q = tantivy.Query.term_query(self.index.schema, "row", "chunk")
                n = self.searcher.search(chunks_q, 1, count=True).count or 0
                total = 0.0
                if n:
                    agg = self.searcher.aggregate(chunks_q, {"len": {"sum": {"field": "length"}}})
                    total = float(agg["len"]["value"] or 0.0)
                self.stats = (n, total / n if n else 0.0)
                rows = self.searcher.doc_freq("row", "chunk") + self.searcher.doc_freq("row", "doc")
                self.exact_df = rows == self.searcher.num_docs  # no deleted rows in this searcher
                self.df = {}
                self.stamp = stamp
            return self.searcher

    @property
    def chunks(self) -> int:
        self.refresh()
        return self.stats[0]

    def _filter_clauses(self, filters: Filters) -> list[Any]:
        import tantivy

        schema = self.index.schema
        Q, Occur = tantivy.Query, tantivy.Occur
        must: list[Any] = []

        def any_of(fields: tuple[str, ...], values: list[str]) -> None:
            if values:
                must.append(Q.boolean_query([(Occur.Should, Q.term_query(schema, f, v)) for f in fields for v in values]))

        any_of(("source", "doc_id"), filters.sources)
        any_of(("publisher",), filters.publishers)
        any_of(("kind",), filters.kinds)
        lo, hi = filters._date_bounds()
        if lo is not None or hi is not None:
            # hi: documents with no date (date_key 0) never match an upper bound, as in Filters.matches.
            lower = lo if lo is not None else (1 if hi is not None else None)
            must.append(Q.range_query(schema, "date_key", tantivy.FieldType.Integer, lower, hi))
        return must

    def _doc_freqs(self, searcher: Any, terms: list[str]) -> dict[str, int]:
        """Live chunks containing each term, in ``searcher`` (see ``exact_df``)."""
        import tantivy

        with self.lock:
            current = searcher is self.searcher  # not replaced by a reload meanwhile
            exact, cache = (self.exact_df, self.df) if current else (False, {})
        if exact:
            return {t: int(searcher.doc_freq("tokens", t)) for t in terms}
        out = {}
        for t in terms:
            df = cache.get(t)
            if df is None:
                df = cache[t] = searcher.search(tantivy.Query.term_query(self.index.schema, "tokens", t), 1, count=True).count or 0
            out[t] = df
        return out

    def search(self, query: str, filters: Filters, k: int) -> list[Hit]:
        import tantivy

        searcher = self.refresh()
        if searcher is None or k <= 0:
            return []
        terms = tokenizer()(query)
        n, avgdl = self.stats
        if not terms or not n:
            return []
        schema = self.index.schema
        Q, Occur = tantivy.Query, tantivy.Occur
        unique = list(dict.fromkeys(terms))
        text_q = Q.boolean_query([(Occur.Should, Q.term_query(schema, "tokens", t)) for t in unique])
        clauses = [(Occur.Must, text_q), *((Occur.Must, c) for c in self._filter_clauses(filters))]
        pool = max(RESCORE_MIN, RESCORE_FACTOR * k)
        found = searcher.search(Q.boolean_query(clauses), pool, count=False).hits
        if not found:
            return []
        # Exact bm25s scores: document frequencies over live chunks (tantivy's own count deleted ones).
        idf = {t: math.log(1 + (n - df + 0.5) / (df + 0.5)) for t, df in self._doc_freqs(searcher, unique).items()}
        qcount = Counter(terms)
        hits = []
        for _, addr in found:
            doc = searcher.doc(addr)
            body = json.loads(bytes(doc["body"][0]).decode("utf-8"))
            toks = body["tokens"].split()
            tf = Counter(t for t in toks if t in idf)
            norm = K1 * ((1 - B) + B * len(toks) / avgdl) if avgdl else K1
            score = sum(c * idf[t] * tf[t] / (norm + tf[t]) for t, c in qcount.items() if tf[t])
            if score > 0:
                hits.append(Hit(doc["chunk_id"][0], score, body["text"], body["meta"]))
        hits.sort(key=lambda h: (-h.score, h.chunk_id))
        return hits[:k]


_gen_cache: dict[str, tuple[tuple[int, ...], int]] = {}


def manifest_generation(path: Path) -> int:
    """The manifest's generation, re-read only when the file changes (0 when there is none)."""
    from app.ingest.manifest import manifest_stamp

    key = manifest_stamp(path)
    if key is None:
        return 0
    cached = _gen_cache.get(str(path))
    if cached is None or cached[0] != key:
        try:
            cached = (key, Manifest.load(path).generation)
        except RuntimeError:
            return -1
        _gen_cache[str(path)] = cached
    return cached[1]


_readers: dict[str, Reader] = {}
_readers_lock = threading.Lock()
CATCH_UP_EVERY_S = 2.0


def _try_lock(settings: Settings) -> Any:
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    fh = open(settings.index_dir / ".ingest.lock", "w")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        return None
    return fh


def _release(fh: Any) -> None:
    fcntl.flock(fh, fcntl.LOCK_UN)
    fh.close()


def reader(settings: Settings) -> Reader:
    """The keyword index for searching, brought in step first when that is needed and possible.

    A missing or outdated index is built (waiting for a running ingest); an index behind the
    manifest (a killed ingest) is reconciled when no ingest is running; in server mode the worker
    catches up from the shared collection (at most every ``CATCH_UP_EVERY_S``)."""
    folder = keyword_dir(settings)
    key = str(folder)
    with _readers_lock:
        r = _readers.get(key)
        if r is None or r.folder != folder:
            r = _readers[key] = Reader(folder)
    now = time.monotonic()
    if settings.chroma_url:
        if now - r.checked >= CATCH_UP_EVERY_S or not _usable(folder):
            fh = _try_lock(settings)
            if fh is not None:
                try:
                    catch_up(settings)
                finally:
                    _release(fh)
            r.checked = now
        return r
    if not _usable(folder):
        from app.ingest.pipeline import index_lock, manifest_path

        with index_lock(settings):
            if not _usable(folder):
                sync(settings, Manifest.load(manifest_path(settings)))
        return r
    if now - r.checked >= 0.2:
        r.checked = now
        from app.ingest.pipeline import manifest_path

        if read_state(folder).get("generation") != manifest_generation(manifest_path(settings)):
            fh = _try_lock(settings)
            if fh is not None:
                try:
                    sync(settings, Manifest.load(manifest_path(settings)))
                finally:
                    _release(fh)
    return r


def forget_readers() -> None:
    with _readers_lock:
        _readers.clear()

"""Ingestion: corpus files -> documents -> chunks -> embeddings -> Chroma (+ the keyword side, ``app.keyword``).

Not LlamaIndex's ``IngestionPipeline``: its docstore deduplicates by node hash but
knows nothing of files that changed or vanished, and its writes to the vector
store are not ordered against any record of what was committed. Dossier needs
both (incremental ingest and crash safety), so the steps are driven here and the
manifest (see ``manifest.py``) records each document only after its chunks are
committed. LlamaIndex still does the splitting (``SentenceSplitter``) and the
writes (``ChromaVectorStore``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import os
import queue
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import keyword
from app.ingest.chunking import Chunk, chunk_document
from app.ingest.loaders import (
    SIDECAR_SUFFIX,
    LoadedDocument,
    LoadError,
    content_hash,
    date_key,
    load_file,
)
from app.ingest.manifest import DocEntry, Manifest, atomic_write_text
from app.settings import Settings
from app.types import FailedFile, IngestReport

Progress = Callable[[int, int, str], None]
# Chunks embedded and committed together. One length-sorted encode of 1,024 chunks is faster than
# four of 256 (less padding, fewer short tail batches); a killed run redoes at most one batch.
EMBED_FLUSH_CHUNKS = 1024


STORE_BATCH = 5000  # rows per vector-store write, below Chroma's max_batch_size


def doc_id_for(source: str) -> str:
    """Stable id from the path relative to the corpus root."""
    return hashlib.sha1(source.encode("utf-8")).hexdigest()[:16]


def chunk_id(doc_id: str, digest: str, index: int) -> str:
    return f"{doc_id}:{digest[:12]}:{index:05d}"


def keyword_rows(nodes: list[Any]) -> list[keyword.Row]:
    """Chunks as the keyword side indexes them: text and the metadata Chroma stores for them."""
    from llama_index.core.vector_stores.utils import node_to_metadata_dict

    return [
        keyword.Row(n.node_id, n.get_content(), keyword.chroma_meta(node_to_metadata_dict(n, remove_text=True, flat_metadata=True)))
        for n in nodes
    ]


def manifest_path(settings: Settings) -> Path:
    return settings.index_dir / "manifest.json"


def text_path(settings: Settings, doc_id: str) -> Path:
    return settings.index_dir / "text" / f"{doc_id}.txt"


def source_for(path: Path | str, corpus_dir: Path, real: Path | str | None = None, root: Path | str | None = None) -> str:
    """The path relative to the corpus root (``real``/``root``: ``path``/``corpus_dir`` already resolved)."""
    real_s = str(real) if real is not None else str(Path(path).resolve())
    root_s = str(root) if root is not None else str(corpus_dir.resolve())
    prefix = root_s if root_s.endswith("/") else root_s + "/"
    # A string prefix, not Path.relative_to: this runs once per file of a scanned folder (10k+).
    return real_s[len(prefix) :] if real_s.startswith(prefix) else real_s


@contextmanager
def index_lock(settings: Settings) -> Iterator[None]:
    """One writer at a time (CLI, chat uploads); readers never wait for it."""
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.index_dir / ".ingest.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass
class Prepared:
    path: Path
    source: str
    doc_id: str
    digest: str
    doc: LoadedDocument
    chunks: list[Chunk]
    is_update: bool
    size: int = 0
    mtime_ns: int = 0  # 0 when the file was modified too recently for its mtime to be trusted


def _join(folder: str, name: str) -> str:
    return f"{folder}{name}" if folder.endswith("/") else f"{folder}/{name}"


def _scan(folder: str, real: str, top: bool) -> Iterator[tuple[str, str | None]]:
    """Files under ``folder`` (resolved: ``real``) in ``os.walk`` order, each with its resolved path,
    or None for a symlink (resolved by the caller). One ``scandir`` per folder, no per-file
    ``resolve``, and strings rather than ``Path`` objects: a folder of 100k files is scanned for every
    one-document add, and pathlib's joins and hashes cost more than the scan itself (about 2 s of
    ``Path`` work at 100k files on Python 3.11)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return  # as os.walk: an unreadable folder is skipped
    dirs: list[str] = []
    for e in entries:
        name = e.name
        if name.startswith("."):
            continue
        try:
            is_dir = e.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            if not e.is_symlink():  # symlinked folders are not followed
                dirs.append(name)
            continue
        if name.endswith(SIDECAR_SUFFIX) or (top and name.lower() == "readme.md"):
            continue
        yield _join(folder, name), (None if e.is_symlink() else _join(real, name))
    for d in dirs:
        yield from _scan(_join(folder, d), _join(real, d), False)


def expand_paths(paths: list[Path], failed: list[FailedFile]) -> list[tuple[str, str]]:
    """(path, resolved path) of the files named or found under the folders named, once each (by
    resolved path); bad paths go to ``failed``. A scanned folder's files are resolved by joining to
    the folder's resolved path."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(p: str, real: str | None = None) -> None:
        if real is None:
            try:
                real = str(Path(p).resolve(strict=True))
            except (RuntimeError, OSError) as exc:
                reason = "symlink loop" if isinstance(exc, RuntimeError) or "loop" in str(exc).lower() else "no such file or directory"
                failed.append(FailedFile(p, reason))
                return
        if real not in seen:
            seen.add(real)
            out.append((p, real))

    for p in paths:
        if p.is_symlink() and not p.exists():
            add(str(p))
            continue
        if p.is_dir():
            try:
                root = p.resolve(strict=True)
            except (RuntimeError, OSError):
                add(str(p))
                continue
            for path, real in _scan(str(p), str(root), True):
                add(path, real)
        else:
            add(str(p))
    return out


def describe_write_error(exc: BaseException, where: Path | None = None) -> str:
    text = f"{type(exc).__name__}: {exc}"
    low = text.lower()
    full = (isinstance(exc, OSError) and exc.errno == 28) or "disk is full" in low or "no space" in low
    if not full and where is not None:
        with contextlib.suppress(OSError):  # SQLite often says only "disk I/O error"
            full = shutil.disk_usage(where).free < 1024 * 1024
    if full:
        return f"disk full ({text[:120]}): free some space and run the ingest again"
    return text[:300]


# A loader job: the call, the box its result or error goes in, the event set when it is done; None stops the thread.
_Jobs = queue.SimpleQueue[tuple[Callable[[], Any], dict[str, Any], threading.Event] | None]


class LoaderThread:
    """Runs each file's read-and-chunk step on one reused daemon thread, with a time limit.

    A hostile file cannot hang the run: past ``seconds`` the call raises LoadError and the stuck
    thread is abandoned (a daemon, it never blocks exit; Python cannot kill it) and a new one takes
    the next file. One thread for all files instead of one per file: starting a thread per file cost
    1.2 ms each (0.4 s of a 330-file ingest).
    """

    def __init__(self) -> None:
        self._jobs: _Jobs | None = None

    @staticmethod
    def _work(jobs: _Jobs) -> None:
        while (job := jobs.get()) is not None:
            fn, box, done = job
            try:
                box["value"] = fn()
            except BaseException as exc:
                box["error"] = exc
            done.set()

    def run(self, fn: Callable[[], Any], seconds: float, message: str) -> Any:
        if self._jobs is None:
            self._jobs = queue.SimpleQueue()
            threading.Thread(target=self._work, args=(self._jobs,), daemon=True, name="dossier-loader").start()
        box: dict[str, Any] = {}
        done = threading.Event()
        self._jobs.put((fn, box, done))
        if not done.wait(seconds):
            self._jobs = None  # abandon the stuck thread with its queue; the next file gets a new one
            raise LoadError(message)
        if "error" in box:
            raise box["error"]
        return box["value"]

    def close(self) -> None:
        if self._jobs is not None:
            self._jobs.put(None)
            self._jobs = None


class Ingestor:
    def __init__(self, settings: Settings, progress: Progress | None = None) -> None:
        self.settings = settings
        self.progress = progress
        from app.store import get_collection

        # The embedding model, its tokenizer and LlamaIndex's vector store are set up on first use: a
        # delete or an unchanged re-scan needs none of them (importing them costs ~1.5 s per process).
        self._model_path: Path | None = None
        self._vector_store: Any = None
        self.collection = get_collection(settings)
        self.manifest = Manifest.load(manifest_path(settings))
        self._embedding: Any = None
        self._cache: Any = None
        self.loader = LoaderThread()
        self.write_error = ""
        self.keyword_in_step = False
        self.root = settings.corpus_dir.resolve()
        self.real: dict[Path, Path] = {}  # path -> resolved, filled by the folder scan
        self._touched = False  # unchanged files whose size and mtime were recorded

    def real_path(self, path: Path) -> Path:
        real = self.real.get(path)
        if real is None:
            real = self.real[path] = path.resolve()
        return real

    def source(self, path: Path) -> str:
        return source_for(path, self.settings.corpus_dir, self.real_path(path), self.root)

    @property
    def embedding(self) -> Any:
        if self._embedding is None:
            from app.embedding import get_embedding

            self._embedding = get_embedding(self.settings)
        return self._embedding

    @property
    def model_path(self) -> Path:
        if self._model_path is None:
            from app.embedding import model_dir

            self._model_path = model_dir(self.settings.cache_dir)
        return self._model_path

    @property
    def vector_store(self) -> Any:
        if self._vector_store is None:
            from app.store import get_vector_store

            self._vector_store = get_vector_store(self.settings)
        return self._vector_store

    # -- steps ---------------------------------------------------------------
    def prepare(self, path: Path, report: IngestReport) -> Prepared | None:
        source = self.source(path)
        doc_id = doc_id_for(source)
        entry = self.manifest.docs.get(doc_id)
        real = str(self.real_path(path))
        try:
            st = path.stat()
            size = st.st_size
            if size > self.settings.max_file_mb * 1024 * 1024:
                raise LoadError(f"file too large ({size / 2**20:.1f} MiB; limit DOSSIER_MAX_FILE_MB={self.settings.max_file_mb:g})")
            if (
                entry is not None and entry.state == "done" and entry.mtime_ns and entry.path == real
                and entry.size == size and entry.mtime_ns == st.st_mtime_ns
            ):  # fmt: skip
                report.unchanged += 1  # same size and mtime as when it was hashed: not read again
                return None
            data = path.read_bytes()
        except FileNotFoundError:
            report.failed.append(FailedFile(str(path), "file disappeared before it could be read"))
            return None
        except LoadError as exc:
            report.failed.append(FailedFile(str(path), str(exc)))
            return None
        except OSError as exc:
            report.failed.append(FailedFile(str(path), f"cannot read: {exc.strerror or exc}"))
            return None
        digest = content_hash(data)
        # A file modified in the last 2 s may change again within the same mtime tick: do not trust it.
        mtime_ns = st.st_mtime_ns if time.time_ns() - st.st_mtime_ns > 2_000_000_000 else 0
        if entry is not None and entry.state == "done" and entry.content_hash == digest:
            report.unchanged += 1  # the content hash decides; remember size and mtime for next time
            if (entry.size, entry.mtime_ns, entry.path) != (size, mtime_ns, real):
                entry.size, entry.mtime_ns, entry.path = size, mtime_ns, real
                self._touched = True
            return None
        try:
            doc, chunks = self.loader.run(
                lambda: self._load_and_chunk(path, data), self.settings.load_timeout_s, f"reading took longer than {self.settings.load_timeout_s:g} s"
            )
        except LoadError as exc:
            report.failed.append(FailedFile(str(path), str(exc)))
            return None
        except Exception as exc:  # a loader library failing on odd input: report, do not crash the run
            report.failed.append(FailedFile(str(path), f"could not be read ({type(exc).__name__}: {exc})"))
            return None
        if not chunks:
            report.failed.append(FailedFile(str(path), "no text to index"))
            return None
        return Prepared(path, source, doc_id, digest, doc, chunks, is_update=entry is not None, size=size, mtime_ns=mtime_ns)

    def _load_and_chunk(self, path: Path, data: bytes) -> tuple[LoadedDocument, list[Chunk]]:
        doc = load_file(path, data)
        return doc, chunk_document(doc, self.settings.chunk_size, self.settings.chunk_overlap, self.model_path)

    def _nodes(self, item: Prepared, vectors: list[list[float]]) -> list[Any]:
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        meta = item.doc.metadata
        base = {
            "doc_id": item.doc_id,
            "source": item.source,
            "title": meta["title"],
            "publisher": meta["publisher"],
            "kind": meta["kind"],
            "date": meta["date"],
            "date_key": date_key(meta["date"]),
            "url": meta["url"],
            "content_hash": item.digest,
        }
        nodes = []
        for chunk, vector in zip(item.chunks, vectors, strict=True):
            md = dict(base, start=chunk.start, end=chunk.end, chunk_index=chunk.index)
            if chunk.page is not None:
                md["page"] = chunk.page
            node = TextNode(
                id_=chunk_id(item.doc_id, item.digest, chunk.index),
                text=chunk.text,
                metadata=md,
                embedding=vector,
                excluded_embed_metadata_keys=list(md),
                excluded_llm_metadata_keys=list(md),
            )
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=item.doc_id)
            nodes.append(node)
        return nodes

    def commit(self, items: list[Prepared], vectors: list[list[list[float]]], report: IngestReport) -> None:
        """Write a batch of documents: 1. mark them pending; 2. write texts and chunks; 3. drop old
        versions; 4. mark them done. Two manifest writes and one vector-store write per batch."""
        entries = []
        for item in items:
            meta = item.doc.metadata
            entry = DocEntry(
                doc_id=item.doc_id,
                source=item.source,
                content_hash=item.digest,
                state="pending",
                chunks=len(item.chunks),
                title=meta["title"],
                publisher=meta["publisher"],
                kind=meta["kind"],
                date=meta["date"],
                url=meta["url"],
                ingested_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                path=str(self.real_path(item.path)),
                size=item.size,
                mtime_ns=item.mtime_ns,
            )
            old = self.manifest.docs.get(item.doc_id)
            if old is not None:
                entry.previous_hash = old.content_hash if old.state == "done" else old.previous_hash
            self.manifest.docs[item.doc_id] = entry
            entries.append((item, entry, old is not None))
        self.manifest.save()
        for item in items:
            tp = text_path(self.settings, item.doc_id)
            tp.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(tp, item.doc.text)
        nodes = {item.doc_id: self._nodes(item, vecs) for item, vecs in zip(items, vectors, strict=True)}
        flat = [n for ns in nodes.values() for n in ns]
        # LlamaIndex's ChromaVectorStore sends up to 41,665 rows per call, above Chroma's own limit (5,461 on
        # this build): a 10 MB one-line file failed its whole batch. The documents are pending throughout.
        for i in range(0, len(flat), STORE_BATCH):
            self.vector_store.add(flat[i : i + STORE_BATCH])
        for item, _, had_entry in entries:
            if had_entry:  # an earlier version, or chunks of a run killed before it was done
                self.collection.delete(where={"$and": [{"doc_id": item.doc_id}, {"content_hash": {"$ne": item.digest}}]})
        keyword.log_changes(self.settings, {item.doc_id: item.digest for item in items})  # server mode: other workers
        # The keyword side, while the documents are still pending (one atomic commit for the batch).
        keyword.apply(self.settings, {d: keyword_rows(ns) for d, ns in nodes.items()})
        for _, entry, _ in entries:
            entry.state = "done"
            entry.previous_hash = ""
        self.manifest.generation += 1
        self.manifest.save()
        self._mark_keyword()
        for item in items:
            if item.is_update:
                report.updated += 1
            else:
                report.added += 1
            report.doc_ids.append(item.doc_id)

    def flush(self, batch: list[Prepared], report: IngestReport) -> None:
        """Embed a batch and commit its documents together (``commit``: two manifest writes, one store write).

        A write failure (disk full, store gone) stops the run: the failing and remaining documents are
        reported, what was committed stays, and a pending entry is finished by the next run.
        """
        if not batch:
            return
        if self.write_error:
            report.failed += [FailedFile(str(i.path), f"not ingested: {self.write_error}") for i in batch]
            batch.clear()
            return
        texts = [c.text for item in batch for c in item.chunks]
        try:
            if self.settings.embed_cache:
                from app.embed_cache import EmbeddingCache
                from app.embedding import use_bf16

                if self._cache is None:
                    precision = "bf16" if use_bf16(self.settings) else "fp32"
                    self._cache = EmbeddingCache(self.settings.index_dir / "embed-cache.sqlite", f"{self.model_path.name}:{precision}")
                # The model is loaded only if some text is not cached.
                vectors, encoded = self._cache.embed(texts, lambda missing: self.embedding.encode(missing))
            else:
                vectors, encoded = self.embedding.encode(texts), len(texts)
        except Exception as exc:  # the cache's disk filled up, typically
            self.write_error = f"the index could not be written ({describe_write_error(exc, self.settings.index_dir)})"
            report.failed += [FailedFile(str(i.path), self.write_error) for i in batch]
            batch.clear()
            return
        report.chunks_embedded += encoded
        per_item, pos = [], 0
        for item in batch:
            per_item.append(vectors[pos : pos + len(item.chunks)])
            pos += len(item.chunks)
        try:
            self.commit(batch, per_item, report)
        except Exception as exc:
            self.write_error = f"the index could not be written ({describe_write_error(exc, self.settings.index_dir)})"
            done = set(report.doc_ids)
            report.failed += [FailedFile(str(i.path), self.write_error) for i in batch if i.doc_id not in done]
        batch.clear()

    def remove(self, doc_id: str) -> None:
        entry = self.manifest.docs[doc_id]
        entry.state = "pending"
        self.manifest.save()
        self.collection.delete(where={"doc_id": doc_id})
        keyword.log_changes(self.settings, {doc_id: ""})
        keyword.apply(self.settings, {}, [doc_id])
        text_path(self.settings, doc_id).unlink(missing_ok=True)
        del self.manifest.docs[doc_id]
        self.manifest.generation += 1
        self.manifest.save()
        self._mark_keyword()

    def sync_keyword(self, report: IngestReport | None = None) -> None:
        """Bring the keyword side in step with the manifest (after a killed run: only what differs)."""
        try:
            keyword.sync(self.settings, self.manifest)
            self.keyword_in_step = True
        except Exception as exc:  # the next run tries again (its state file still lags)
            self.keyword_in_step = False
            if report is None:
                raise
            report.failed.append(FailedFile(str(keyword.keyword_dir(self.settings)), f"keyword index not brought in step ({describe_write_error(exc, self.settings.index_dir)})"))

    def _mark_keyword(self) -> None:
        if self.keyword_in_step:  # never over a lag left by a killed run that was not reconciled
            keyword.mark(self.settings, self.manifest.generation)

    def recover(self, planned: set[str]) -> None:
        """Finish what a killed run left: pending documents not redone in this run are removed."""
        for doc_id, _entry in list(self.manifest.pending().items()):
            if doc_id not in planned:
                self.remove(doc_id)

    # -- the run -------------------------------------------------------------
    def _changed(self, found: list[tuple[str, str]], report: IngestReport) -> tuple[list[Path], set[str]]:
        """The scanned files that need ``prepare`` (new, or not the size and mtime recorded when they
        were hashed), and the doc ids of every scanned file. An unchanged file costs one ``stat`` and
        dictionary lookups here, no ``Path`` and no hash: this runs for every file of the corpus on
        each one-document add (100k files at 1M chunks)."""
        root = str(self.root)
        by_source = {e.source: e for e in self.manifest.docs.values()}
        limit = self.settings.max_file_mb * 1024 * 1024
        files: list[Path] = []
        planned: set[str] = set()
        for path, real in found:
            source = source_for(path, self.settings.corpus_dir, real, root)
            entry = by_source.get(source)
            if entry is not None and entry.state == "done" and entry.mtime_ns and entry.path == real:
                try:
                    st = os.stat(path)
                except OSError:
                    st = None  # prepare reports it
                if st is not None and st.st_size == entry.size and st.st_mtime_ns == entry.mtime_ns and st.st_size <= limit:
                    report.unchanged += 1  # same size and mtime as when it was hashed: not read again
                    planned.add(entry.doc_id)
                    continue
            p = Path(path)
            self.real[p] = Path(real)
            files.append(p)
            planned.add(doc_id_for(source))
        return files, planned

    def run(self, paths: list[Path], prune: bool = False) -> IngestReport:
        t0 = time.perf_counter()
        report = IngestReport()
        found = expand_paths(paths, report.failed)
        files, planned = self._changed(found, report)
        self.sync_keyword(report)
        self.recover(planned)
        batch: list[Prepared] = []
        buffered = 0
        try:
            for i, path in enumerate(files):
                if self.progress:
                    self.progress(i, len(files), str(path))
                item = self.prepare(path, report)
                if item is None:
                    continue
                batch.append(item)
                buffered += len(item.chunks)
                if buffered >= EMBED_FLUSH_CHUNKS:
                    self.flush(batch, report)
                    buffered = 0
        finally:
            self.loader.close()
        self.flush(batch, report)
        if self._touched:
            self.manifest.save()  # only the entries whose size and mtime were recorded
            self._touched = False
        if prune:
            scanned = {real for _, real in found}  # found by this run's scan: present, no stat needed
            for doc_id, entry in list(self.manifest.docs.items()):
                if entry.path and entry.path not in scanned and not os.path.exists(entry.path):
                    self.remove(doc_id)
                    report.removed += 1
        if self.progress:
            self.progress(len(files), len(files), "")
        if not self.keyword_in_step:
            self.sync_keyword(report)
        report.documents = len(self.manifest.done())
        report.chunks = sum(e.chunks for e in self.manifest.done().values())
        report.seconds = time.perf_counter() - t0
        return report


def reset_index(settings: Settings) -> None:
    from app.store import drop_collection

    drop_collection(settings)
    keyword.log_changes(settings, {keyword.ALL_DOCUMENTS: ""})  # server mode: other workers compare in full
    for name in ("manifest.json", "manifest.journal"):
        (settings.index_dir / name).unlink(missing_ok=True)
    # The embedding cache (embed-cache.sqlite) is content-addressed and kept: a reset that re-chunks
    # the corpus embeds only chunk texts it has not seen.
    for sub in ("text", "keyword", "bm25"):  # bm25: the side before the incremental keyword index
        shutil.rmtree(settings.index_dir / sub, ignore_errors=True)


def remove_documents(settings: Settings, doc_ids: list[str]) -> int:
    """Delete documents (their chunks leave the index); returns how many were removed."""
    with index_lock(settings):
        ing = Ingestor(settings)
        ing.sync_keyword()
        removed = 0
        for doc_id in doc_ids:
            if doc_id in ing.manifest.docs:
                ing.remove(doc_id)
                removed += 1
        return removed


def ingest_paths(
    settings: Settings,
    paths: list[str | Path],
    reset: bool = False,
    prune: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    from app.ingest.web import is_url, snapshot_url

    with index_lock(settings):
        if reset:
            reset_index(settings)
        failed: list[FailedFile] = []
        local: list[Path] = []
        for p in paths:
            if isinstance(p, str) and is_url(p):
                try:
                    local.append(snapshot_url(p, settings))
                except Exception as exc:
                    failed.append(FailedFile(p, str(exc)))
            else:
                local.append(Path(p))
        report = Ingestor(settings, progress).run(local, prune=prune)
        report.failed = failed + report.failed
        return report

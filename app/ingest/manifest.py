"""The ingest manifest: which documents the index holds, at which content hash.

It is the index's source of truth and what makes ingestion crash-safe. A document
is marked ``pending`` *before* its chunks are touched and ``done`` only *after*
they are committed; a run that finds a ``pending`` entry (a killed ingest) redoes
that document.

On disk: ``manifest.json`` (a snapshot, written atomically: temp file, fsync, rename) and
``manifest.journal`` beside it, one JSON line per changed or removed entry, each with a sequence
number, appended and fsynced by ``save`` (which writes only what changed since the last save, so
adding one document to a large index writes two short lines, not the whole manifest). ``load``
replays the journal lines newer than the snapshot's sequence number and ignores a torn last line
(a SIGKILL mid-append); the next append cuts it off first. When the journal outgrows the snapshot
(and 1 MiB), ``save`` compacts: a new snapshot with every entry, then an empty journal; a crash in
between only leaves lines the snapshot already covers.

``generation`` counts committed changes; the keyword side (``app/keyword.py``) records the
generation it is in step with and reconciles when they differ.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_VERSION = 1
COMPACT_MIN_BYTES = 1 << 20


def journal_path(path: Path) -> Path:
    return path.with_name(path.stem + ".journal")


def manifest_stamp(path: Path) -> tuple[int, ...] | None:
    """Changes whenever the manifest does (snapshot or journal): for caches keyed on it."""
    out: list[int] = []
    for p in (path, journal_path(path)):
        try:
            st = p.stat()
            out += [st.st_mtime_ns, st.st_size, st.st_ino]
        except OSError:
            out += [0, 0, 0]
    return None if not any(out) else tuple(out)


@dataclass
class DocEntry:
    doc_id: str
    source: str
    content_hash: str
    state: str  # "pending" | "done"
    chunks: int = 0
    title: str = ""
    publisher: str = ""
    kind: str = ""
    date: str = ""
    url: str = ""
    ingested_at: str = ""
    path: str = ""  # absolute path of the file on the ingesting machine
    previous_hash: str = ""  # while pending: the version readers keep seeing until this one is done
    size: int = 0  # the file's size and mtime when it was hashed: an unchanged pair skips reading it
    mtime_ns: int = 0  # (0: not trusted, e.g. the file was modified just before it was read)


@dataclass
class Manifest:
    path: Path
    generation: int = 0
    docs: dict[str, DocEntry] = field(default_factory=dict)
    # What is on disk: entries as last loaded or saved, the generation, the last sequence number, the
    # journal's valid length and size in bytes, and the snapshot's size (for compaction).
    _saved: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False, compare=False)
    _saved_generation: int = field(default=-1, repr=False, compare=False)
    _seq: int = field(default=0, repr=False, compare=False)
    _journal_valid: int = field(default=0, repr=False, compare=False)
    _journal_bytes: int = field(default=0, repr=False, compare=False)
    _snapshot_bytes: int = field(default=0, repr=False, compare=False)

    @classmethod
    def load(cls, path: Path) -> Manifest:
        journal = journal_path(path)
        if not path.exists() and not journal.exists():
            return cls(path=path)
        try:
            raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
            # The parsed dicts double as the record of what is on disk (``_saved``): no copy of each entry.
            saved: dict[str, dict[str, Any]] = dict(raw.get("docs", {}))
            m = cls(path=path, generation=int(raw.get("generation", 0)), docs={k: DocEntry(**v) for k, v in saved.items()})
        except (OSError, ValueError, TypeError) as exc:
            raise RuntimeError(f"the manifest {path} is unreadable ({exc}); run `dossier ingest --reset`") from exc
        m._seq = int(raw.get("seq", 0))
        m._snapshot_bytes = path.stat().st_size if path.exists() else 0
        base_seq = m._seq
        try:
            data = journal.read_bytes()
        except OSError:
            data = b""
        valid = 0
        for line in data.splitlines(keepends=True):
            if not line.endswith(b"\n"):
                break  # torn last line: a SIGKILL mid-append
            try:
                rec = json.loads(line)
                seq = int(rec["seq"])
            except (ValueError, KeyError, TypeError):
                break
            valid += len(line)
            if seq <= base_seq:
                continue
            if "put" in rec:
                m.docs[rec["put"]["doc_id"]] = DocEntry(**rec["put"])
                saved[rec["put"]["doc_id"]] = rec["put"]
            else:
                m.docs.pop(rec["del"], None)
                saved.pop(rec["del"], None)
            m.generation = int(rec["gen"])
            m._seq = seq
        m._journal_valid = m._journal_bytes = valid
        m._saved = saved
        m._saved_generation = m.generation
        return m

    def save(self) -> None:
        """Persist what changed since the last load or save (journal lines), compacting when due."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        changed = [k for k, v in self.docs.items() if self._saved.get(k) != vars(v)]
        removed = [k for k in self._saved if k not in self.docs]
        if not changed and not removed and self.generation == self._saved_generation and self.path.exists():
            return
        if not self.path.exists() or self._journal_bytes > max(COMPACT_MIN_BYTES, self._snapshot_bytes):
            self.compact()
            return
        lines = []
        for k in changed:
            self._seq += 1
            lines.append({"seq": self._seq, "gen": self.generation, "put": asdict(self.docs[k])})
        for k in removed:
            self._seq += 1
            lines.append({"seq": self._seq, "gen": self.generation, "del": k})
        if not lines:  # only the generation moved: record it on a no-op line for the one entry
            self._seq += 1
            any_key = next(iter(self.docs), None)
            lines.append({"seq": self._seq, "gen": self.generation, **({"put": asdict(self.docs[any_key])} if any_key else {"del": ""})})
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines).encode("utf-8")
        journal = journal_path(self.path)
        fd = os.open(journal, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            os.ftruncate(fd, self._journal_valid)  # drop a torn line a killed writer left
            os.lseek(fd, self._journal_valid, os.SEEK_SET)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        self._journal_valid += len(data)
        self._journal_bytes = self._journal_valid
        for k in changed:
            self._saved[k] = dict(vars(self.docs[k]))
        for k in removed:
            del self._saved[k]
        self._saved_generation = self.generation

    def compact(self) -> None:
        """Write the whole manifest as a new snapshot, then empty the journal."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "version": MANIFEST_VERSION,
            "generation": self.generation,
            "seq": self._seq,
            "docs": {k: asdict(v) for k, v in sorted(self.docs.items())},
        }
        text = json.dumps(payload, indent=1, ensure_ascii=False)
        atomic_write_text(self.path, text)
        journal = journal_path(self.path)
        if journal.exists():
            atomic_write_bytes(journal, b"")
        self._journal_valid = self._journal_bytes = 0
        self._snapshot_bytes = len(text.encode("utf-8"))
        self._saved = {k: dict(vars(v)) for k, v in self.docs.items()}
        self._saved_generation = self.generation

    def done(self) -> dict[str, DocEntry]:
        return {k: v for k, v in self.docs.items() if v.state == "done"}

    def pending(self) -> dict[str, DocEntry]:
        return {k: v for k, v in self.docs.items() if v.state != "done"}

    def by_source(self) -> dict[str, DocEntry]:
        return {v.source: v for v in self.docs.values()}


_read_lock = threading.Lock()
_read_cache: dict[str, tuple[tuple[int, ...], dict[str, str]]] = {}


def visible_versions(path: Path) -> dict[str, str]:
    """doc_id -> the content hash readers may see now (cached on the manifest's mtime and size).

    A document being replaced stays visible in its previous version until the new one is done,
    so a question asked during an ingest sees the old or the new version, never a mix. The map itself
    is cached (read-only for callers): every retrieval reads it, and rebuilding it per query cost
    O(documents), 25-30 ms at 100,000 documents.
    """
    key = manifest_stamp(path)
    if key is None:
        return {}
    with _read_lock:
        cached = _read_cache.get(str(path))
        if cached is None or cached[0] != key:
            try:
                docs = Manifest.load(path).docs
            except RuntimeError:
                return {}
            cached = (key, {d: (e.content_hash if e.state == "done" else e.previous_hash) for d, e in docs.items()})
            _read_cache[str(path)] = cached
    return cached[1]


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)

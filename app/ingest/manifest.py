"""The ingest manifest: which documents the index holds, at which content hash.

It is the index's source of truth and what makes ingestion crash-safe. A document
is marked ``pending`` *before* its chunks are touched and ``done`` only *after*
they are committed; a run that finds a ``pending`` entry (a killed ingest) redoes
that document. Writes are atomic (temp file, fsync, rename), so a SIGKILL leaves
either the old or the new manifest, never a torn one.

``generation`` counts committed changes; the BM25 side records the generation it
was built from and is rebuilt when they differ.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_VERSION = 1


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


@dataclass
class Manifest:
    path: Path
    generation: int = 0
    docs: dict[str, DocEntry] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Manifest:
        if not path.exists():
            return cls(path=path)
        try:
            raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RuntimeError(f"the manifest {path} is unreadable ({exc}); run `dossier ingest --reset`") from exc
        docs = {k: DocEntry(**v) for k, v in raw.get("docs", {}).items()}
        return cls(path=path, generation=int(raw.get("generation", 0)), docs=docs)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "version": MANIFEST_VERSION,
            "generation": self.generation,
            "docs": {k: asdict(v) for k, v in sorted(self.docs.items())},
        }
        atomic_write_text(self.path, json.dumps(payload, indent=1, ensure_ascii=False))

    def done(self) -> dict[str, DocEntry]:
        return {k: v for k, v in self.docs.items() if v.state == "done"}

    def pending(self) -> dict[str, DocEntry]:
        return {k: v for k, v in self.docs.items() if v.state != "done"}

    def by_source(self) -> dict[str, DocEntry]:
        return {v.source: v for v in self.docs.values()}


_read_lock = threading.Lock()
_read_cache: dict[str, tuple[tuple[int, int], dict[str, DocEntry]]] = {}


def visible_versions(path: Path) -> dict[str, str]:
    """doc_id -> the content hash readers may see now (cached on the manifest's mtime and size).

    A document being replaced stays visible in its previous version until the new one is done,
    so a question asked during an ingest sees the old or the new version, never a mix.
    """
    try:
        st = path.stat()
    except OSError:
        return {}
    key = (st.st_mtime_ns, st.st_size)
    with _read_lock:
        cached = _read_cache.get(str(path))
        if cached is None or cached[0] != key:
            try:
                cached = (key, Manifest.load(path).docs)
            except RuntimeError:
                return {}
            _read_cache[str(path)] = cached
        docs = cached[1]
    return {d: (e.content_hash if e.state == "done" else e.previous_hash) for d, e in docs.items()}


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

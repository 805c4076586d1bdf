"""What the documents tab and the desk's notices show: each document's state, files that failed
to ingest (kept across runs, with their reason), and whether an ingest is running now.

Failures are recorded by the callers of ``ingest_paths`` (CLI and chat uploads) in
``index/failures.json``, written atomically; a failure is forgotten once its file ingests or is gone.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from app.ingest.manifest import DocEntry, Manifest, atomic_write_text
from app.ingest.pipeline import manifest_path
from app.ingest.web import is_url
from app.settings import Settings
from app.types import IngestReport

log = logging.getLogger("dossier.ingest")


def failures_path(settings: Settings) -> Path:
    return settings.index_dir / "failures.json"


def load_failures(settings: Settings) -> dict[str, dict[str, str]]:
    """path -> {"error": reason, "at": ISO time} for files whose last ingest failed."""
    try:
        data = json.loads(failures_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def _key(path: str) -> str:
    return path if is_url(path) else str(Path(path).resolve())


def record_failures(settings: Settings, report: IngestReport, attempted: list[str] | None = None) -> None:
    """Remember this run's failures; forget earlier ones whose file has since ingested, is gone, or
    was retried by this run (a file inside an attempted folder counts as retried)."""
    known = load_failures(settings)
    if not known and not report.failed:
        return  # nothing to remember or forget: no manifest read (this runs after every ingest)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    failed = {_key(f.path) for f in report.failed}
    tried = [_key(a) for a in attempted or []]
    # The manifest's paths are stored resolved; only needed when an earlier failure may be forgotten.
    done_paths = {d.path for d in _documents(settings).values() if d.path} if known else set()
    for path in list(known):
        retried = any(path == a or path.startswith(a.rstrip("/") + "/") for a in tried)
        gone = not is_url(path) and not Path(path).exists()
        if path not in failed and (path in done_paths or gone or retried):
            del known[path]
    for f in report.failed:
        known[_key(f.path)] = {"error": f.error, "at": now}
    if known or failures_path(settings).exists():
        try:
            settings.index_dir.mkdir(parents=True, exist_ok=True)
            atomic_write_text(failures_path(settings), json.dumps(known, indent=1, ensure_ascii=False))
        except OSError as exc:  # a full disk: the ingest report still says what failed; this list is a convenience
            log.warning("could not record the failed files in %s: %s", failures_path(settings), exc)


def _documents(settings: Settings) -> dict[str, DocEntry]:
    try:
        return Manifest.load(manifest_path(settings)).done()
    except RuntimeError:
        return {}


def ingest_running(settings: Settings) -> bool:
    """True while another process or thread holds the index's writer lock (an ingest or delete)."""
    lock = settings.index_dir / ".ingest.lock"
    if not lock.exists():
        return False
    try:
        with open(lock, "a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(fh, fcntl.LOCK_UN)
    except OSError:
        return False
    return False


@dataclass
class DocumentRow:
    title: str
    publisher: str
    kind: str
    date: str
    ingested: str  # local time, minutes
    chunks: int | str
    state: str  # "ingested" | "updating" | "failed: <reason>"
    source: str

    def cells(self) -> list[object]:
        return [self.title, self.publisher, self.kind, self.date, self.ingested, self.chunks, self.state, self.source]


def _when(iso: str) -> str:
    try:
        return dt.datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def document_rows(settings: Settings, words: str = "") -> list[DocumentRow]:
    """Every document the index knows plus every file that failed, newest document date first;
    ``words`` keeps rows holding all of them (title, publisher, kind, source, state)."""
    try:
        docs = Manifest.load(manifest_path(settings)).docs
    except RuntimeError:
        docs = {}
    rows = []
    for d in sorted(docs.values(), key=lambda d: (d.date, d.title), reverse=True):
        state = "ingested" if d.state == "done" else ("updating" if d.previous_hash else "being ingested")
        rows.append(DocumentRow(d.title, d.publisher, d.kind, d.date, _when(d.ingested_at), d.chunks, state, d.source))
    for path, f in sorted(load_failures(settings).items()):
        name = path if is_url(path) else Path(path).name
        rows.append(DocumentRow(name, "", "", "", _when(f.get("at", "")), "", f"failed: {f.get('error', '')}", path))
    terms = [w.casefold() for w in (words or "").split()]
    if terms:
        rows = [r for r in rows if all(t in " ".join(map(str, r.cells())).casefold() for t in terms)]
    return rows


def desk_notices(settings: Settings) -> list[tuple[str, str]]:
    """(level, message) for the chat's empty states: no documents, an ingest running, writer missing."""
    from app.writer_model import problem

    out: list[tuple[str, str]] = []
    if ingest_running(settings):
        out.append(("busy", "The index is being updated by an ingest right now. Answers use the documents "
                             "committed so far; new ones become answerable when it finishes."))
    if not _documents(settings):
        out.append(("empty", "No documents yet. Add files or URLs in the Documents tab, or put files in "
                              f"{settings.corpus_dir} and run `dossier ingest`."))
    if settings.llm == "writer":
        missing = problem(settings.cache_dir)
        if missing:
            out.append(("error", f"{missing} Until then answers fall back to the extractive mode "
                                 "(verbatim quotes)."))
    return out

"""The manifest's journal (only what changed is written), its torn-line recovery and compaction, and
the folder scan's size+mtime skip (the content hash still decides)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from app.ingest import manifest as manifest_mod
from app.ingest.manifest import DocEntry, Manifest, journal_path
from app.ingest.pipeline import ingest_paths, manifest_path
from app.settings import Settings


def _entry(i: int, state: str = "done") -> DocEntry:
    return DocEntry(doc_id=f"d{i:05d}", source=f"s{i}.md", content_hash=f"h{i}", state=state, chunks=1)


def test_save_appends_only_what_changed_and_load_replays_it(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    m = Manifest(path=path)
    for i in range(2000):
        m.docs[f"d{i:05d}"] = _entry(i)
    m.generation = 1
    m.save()  # the first save writes the snapshot
    snapshot = path.stat().st_size
    m.docs["d09999"] = _entry(9999, "pending")
    m.save()
    m.docs["d09999"].state = "done"
    del m.docs["d00000"]
    m.generation = 2
    m.save()
    assert path.stat().st_size == snapshot  # the snapshot was not rewritten
    assert len(journal_path(path).read_bytes().splitlines()) == 3
    again = Manifest.load(path)
    assert again.generation == 2 and again.docs == m.docs

    # A SIGKILL mid-append leaves a torn last line: it is ignored, and the next append cuts it off.
    with open(journal_path(path), "ab") as fh:
        fh.write(b'{"seq": 99, "gen": 3, "put": {"doc_id": "tor')
    torn = Manifest.load(path)
    assert torn.docs == m.docs and torn.generation == 2
    torn.docs["d00001"].title = "retitled"
    torn.save()
    after = Manifest.load(path)
    assert after.docs["d00001"].title == "retitled" and len(after.docs) == len(m.docs)


def test_compaction_rewrites_the_snapshot_and_empties_the_journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manifest_mod, "COMPACT_MIN_BYTES", 2000)
    path = tmp_path / "manifest.json"
    m = Manifest(path=path)
    m.docs["d00000"] = _entry(0)
    m.save()
    for i in range(1, 40):
        m.docs[f"d{i:05d}"] = _entry(i)
        m.generation += 1
        m.save()
    import json

    assert len(json.loads(path.read_text())["docs"]) > 1  # compacted on the way (the journal outgrew the snapshot)
    assert journal_path(path).stat().st_size <= max(2000, path.stat().st_size) + 1000
    loaded = Manifest.load(path)
    assert loaded.docs == m.docs and loaded.generation == m.generation
    # A crash after the snapshot but before the journal was emptied replays nothing twice.
    stale = journal_path(path).read_bytes()
    m.compact()
    journal_path(path).write_bytes(stale)
    assert Manifest.load(path).docs == m.docs


def test_unchanged_files_are_skipped_by_size_and_mtime(fresh, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    settings: Settings = fresh()
    old = time.time() - 60
    for i in range(3):
        p = settings.corpus_dir / f"note-{i}.md"
        p.write_text(f"---\ntitle: Note {i}\n---\n\nNote {i} says the registry renewed {i + 10} permits.\n", encoding="utf-8")
        os.utime(p, (old, old))
    assert ingest_paths(settings, [settings.corpus_dir]).added == 3
    entries = Manifest.load(manifest_path(settings)).docs.values()
    assert all(e.size > 0 and e.mtime_ns for e in entries)

    reads: list[Path] = []
    real_read = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self) or real_read(self))
    again = ingest_paths(settings, [settings.corpus_dir])
    assert again.unchanged == 3 and [p for p in reads if p.name.startswith("note-")] == []

    # Same content, new mtime: read and hashed once (unchanged), then skipped again.
    touched = settings.corpus_dir / "note-1.md"
    os.utime(touched, (old + 5, old + 5))
    assert ingest_paths(settings, [settings.corpus_dir]).unchanged == 3
    assert [p.name for p in reads if p.name.startswith("note-")] == ["note-1.md"]
    # Changed content with the same size and an old mtime put back is still caught when the mtime differs.
    touched.write_text(touched.read_text(encoding="utf-8").replace("11 permits", "12 permits"), encoding="utf-8")
    assert ingest_paths(settings, [settings.corpus_dir]).updated == 1

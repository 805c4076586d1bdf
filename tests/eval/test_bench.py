"""The benchmark's server catch-up section on a small shared collection (a real ``chroma run``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app.settings import Settings
from tests.conftest import copy_corpus

pytestmark = pytest.mark.slow


@pytest.mark.skipif(not Path(sys.executable).with_name("chroma").exists(), reason="the chroma CLI is not installed")
def test_a_document_added_by_one_worker_is_timed_until_another_retrieves_it(tmp_path: Path) -> None:
    from eval.bench import bench_catch_up, render_table

    corpus = tmp_path / "corpus"
    copy_corpus(corpus)
    base = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    out = bench_catch_up(base, corpus, tmp_path / "work", chunks=200, runs=1)
    assert out["chunks"] == 200 and len(out["trials"]) == 1
    trial = out["trials"][0]
    assert out["not_answerable_within_60_s"] == 0
    assert trial["answerable_after_ingest_s"] is not None and trial["keyword_side_after_ingest_s"] is not None
    assert trial["answerable_from_ingest_start_s"] >= trial["ingest_wall_s"] > 0
    table = render_table({"date": "today", "machine": "here", "catch_up": out})
    assert "Server mode, 200 chunks" in table

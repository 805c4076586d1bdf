"""The BM25 side: the page-by-page build gives what LlamaIndex's all-in-memory build gives."""

from __future__ import annotations

from pathlib import Path

import pytest
import Stemmer
from llama_index.core.schema import QueryBundle
from llama_index.retrievers.bm25 import BM25Retriever

from app import bm25
from app.settings import Settings

QUERIES = [
    "Why was DJI sanctioned?",
    "What did China's Foreign Ministry say about the Entity List?",
    "Treasury investment ban on surveillance technology firms",
    "Uyghurs Xinjiang biometric",
    "Zhao Lijian",
    "no such words zzzz",
]


def _hits(retriever: BM25Retriever, query: str, k: int) -> list[tuple[str, float, str]]:
    retriever.similarity_top_k = k
    return [(h.node.node_id, round(float(h.score or 0.0), 4), h.node.get_content()) for h in retriever.retrieve(QueryBundle(query))]


def test_paged_build_equals_llamaindex_build(sample: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bm25, "PAGE", 3)  # several pages, so page vocabularies must be merged
    paged_dir = tmp_path / "paged"
    paged_dir.mkdir()
    chunks = bm25._build_streaming(sample, paged_dir)
    nodes = [n for page in bm25._pages(sample) for n in page]
    assert chunks == len(nodes) > 6
    assert not (paged_dir / "corpus.spill.jsonl").exists()

    reference = BM25Retriever.from_defaults(nodes=nodes, stemmer=Stemmer.Stemmer("english"), language="english")
    reference.persist(str(tmp_path / "reference"), show_progress=False)

    paged = BM25Retriever.from_persist_dir(str(paged_dir), show_progress=False, mmap=True)
    loaded_reference = BM25Retriever.from_persist_dir(str(tmp_path / "reference"), show_progress=False, mmap=True)
    assert len(paged.corpus) == len(loaded_reference.corpus) == len(nodes)
    for query in QUERIES:
        want = _hits(loaded_reference, query, len(nodes))
        got = _hits(paged, query, len(nodes))
        assert [g[1] for g in got] == [w[1] for w in want], query
        # Equal scores may come in either order; the set of (id, score, text) must match exactly.
        assert sorted(got) == sorted(want), query


def test_rebuild_swaps_in_a_stamped_index(sample: Settings) -> None:
    from app.ingest.manifest import Manifest

    generation = Manifest.load(sample.index_dir / "manifest.json").generation
    bm25.build(sample, generation)  # same generation: the shared sample index means the same thing after
    assert bm25.read_stamp(sample) == generation
    assert [p.name for p in sample.index_dir.iterdir() if p.name.startswith("bm25.")] == []
    _, retriever = bm25.load(sample)
    assert retriever is not None
    assert any("DJI" in h.node.get_content() for h in retriever.retrieve("DJI"))

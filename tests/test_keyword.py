"""The incremental keyword side (app/keyword.py) on real indexes: bm25s's scores, incremental updates
equal to a fresh build, filters inside the search, the version stamp and reconciling after a lag."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import Stemmer
from llama_index.core.schema import NodeRelationship, QueryBundle, RelatedNodeInfo, TextNode
from llama_index.retrievers.bm25 import BM25Retriever

from app import keyword
from app.filters import Filters
from app.ingest.manifest import Manifest
from app.ingest.pipeline import ingest_paths, manifest_path
from app.settings import Settings
from app.store import get_collection
from tests.conftest import copy_corpus

QUERIES = [
    "Why was DJI sanctioned?",
    "What did China's Foreign Ministry say about the Entity List?",
    "Treasury investment ban on surveillance technology firms",
    "Uyghurs Xinjiang biometric",
    "Zhao Lijian",
    "drone registry permits renewed northern district",
    "no such words zzzz",
]
DOC = "---\ntitle: {title}\npublisher: {publisher}\nkind: {kind}\ndate: {date}\n---\n\n{text}\n"


def _hits(settings: Settings, query: str, k: int = 50, filters: Filters | None = None) -> list[tuple[str, float]]:
    reader = keyword.Reader(keyword.keyword_dir(settings))
    return [(h.chunk_id, round(h.score, 4)) for h in reader.search(query, filters or Filters(), k)]


def _chroma_nodes(settings: Settings) -> list[TextNode]:
    got = get_collection(settings).get(include=["documents", "metadatas"])
    nodes = []
    for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
        node = TextNode(id_=cid, text=text, metadata=keyword.chroma_meta(meta))
        node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=str(meta["doc_id"]))
        nodes.append(node)
    return nodes


def test_scores_equal_llamaindex_bm25_retriever(sample: Settings) -> None:
    """Same chunks, same scores as BM25Retriever.from_defaults over Chroma's chunks (the side it replaced)."""
    nodes = _chroma_nodes(sample)
    reference = BM25Retriever.from_defaults(nodes=nodes, stemmer=Stemmer.Stemmer("english"), language="english")
    reference.similarity_top_k = len(nodes)
    for query in QUERIES:
        want = sorted((h.node.node_id, round(float(h.score or 0.0), 4)) for h in reference.retrieve(QueryBundle(query)) if (h.score or 0) > 0)
        got = _hits(sample, query, len(nodes))
        assert sorted(got) == want, query
        assert [s for _, s in got] == sorted((s for _, s in want), reverse=True), query


def _doc(folder: Path, name: str, text: str, publisher: str = "Registry Office", kind: str = "official statement", date: str = "2024-01-01") -> Path:
    path = folder / f"{name}.md"
    path.write_text(DOC.format(title=name, publisher=publisher, kind=kind, date=date, text=text), encoding="utf-8")
    return path


def _fresh_build_hits(settings: Settings, tmp: Path) -> dict[str, list[tuple[str, float]]]:
    """Every query's hits from a full build of the same Chroma collection into another folder."""
    other = settings.model_copy(update={"index_dir": tmp})
    (tmp / "chroma").parent.mkdir(parents=True, exist_ok=True)
    # Point the build at the same Chroma store: copy only the keyword output location.
    orig = keyword.keyword_dir
    try:
        keyword.keyword_dir = lambda s: tmp / "keyword"  # type: ignore[assignment]
        keyword.build(settings, 0)
    finally:
        keyword.keyword_dir = orig  # type: ignore[assignment]
    reader = keyword.Reader(tmp / "keyword")
    del other
    return {q: [(h.chunk_id, round(h.score, 4)) for h in reader.search(q, Filters(), 50)] for q in QUERIES}


def test_incremental_add_replace_delete_equal_a_fresh_build(fresh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    settings: Settings = fresh()
    copy_corpus(settings.corpus_dir)
    ingest_paths(settings, [settings.corpus_dir])
    builds = []
    real_build = keyword.build
    monkeypatch.setattr(keyword, "build", lambda *a, **k: builds.append(a) or real_build(*a, **k))

    added = _doc(settings.corpus_dir, "bulletin", "The drone registry bulletin says 70 drone operators renewed their permits in the northern district.")
    assert ingest_paths(settings, [settings.corpus_dir]).added == 1
    added.write_text(added.read_text(encoding="utf-8").replace("70 drone", "95 drone") + "\nDJI drones were the most common.\n", encoding="utf-8")
    assert ingest_paths(settings, [settings.corpus_dir]).updated == 1
    (settings.corpus_dir / "bis-2020-12-22-entity-list-additions.md").unlink()
    assert ingest_paths(settings, [settings.corpus_dir], prune=True).removed == 1
    assert builds == []  # no full rebuild on the way

    for q, want in _fresh_build_hits(settings, tmp_path / "rebuilt").items():
        assert _hits(settings, q) == want, q
    rows = keyword.chunk_rows(keyword.keyword_dir(settings))
    chroma = get_collection(settings).get(include=["documents"])
    assert sorted((cid, text) for cid, text, _ in rows) == sorted(zip(chroma["ids"], chroma["documents"], strict=True))
    done = Manifest.load(manifest_path(settings)).done()
    assert keyword.markers(keyword.keyword_dir(settings)) == {d: e.content_hash for d, e in done.items()}
    assert any("95 drone" in t for _, t, _ in rows) and not any("70 drone" in t for _, t, _ in rows)


def test_document_frequencies_count_live_chunks_only(fresh) -> None:  # type: ignore[no-untyped-def]
    """tantivy's term statistics are used while no segment holds a deleted row; once one does, each
    term is counted over live chunks instead, so scores stay those of a fresh build."""
    import tantivy

    settings: Settings = fresh()
    c = settings.corpus_dir
    for i in range(6):
        _doc(c, f"note-{i}", f"Drone permits renewed in district {i}; the registry counts drone operators.")
    ingest_paths(settings, [c])

    def counted(reader: keyword.Reader, term: str) -> int:
        q = tantivy.Query.term_query(reader.index.schema, "tokens", term)
        return reader.searcher.search(q, 1, count=True).count

    terms = keyword.tokenizer()("drone permits registry district")
    reader = keyword.Reader(keyword.keyword_dir(settings))
    reader.refresh()
    assert reader.exact_df
    assert reader._doc_freqs(reader.searcher, terms) == {t: counted(reader, t) for t in terms} == {t: 6 for t in terms}

    (c / "note-0.md").unlink()  # its rows are deleted inside a segment that stays
    _doc(c, "note-1", "Drone permits were suspended.")  # replaced: its old rows deleted too
    ingest_paths(settings, [c], prune=True)
    reader = keyword.Reader(keyword.keyword_dir(settings))
    reader.refresh()
    assert not reader.exact_df
    assert reader.searcher.doc_freq("tokens", terms[0]) > counted(reader, terms[0])  # tantivy still counts them
    assert reader._doc_freqs(reader.searcher, terms) == {t: counted(reader, t) for t in terms}
    assert [h.chunk_id for h in reader.search("drone registry", Filters(), 10)] != []


def test_filters_inside_the_keyword_search(fresh) -> None:  # type: ignore[no-untyped-def]
    settings: Settings = fresh()
    c = settings.corpus_dir
    # Many strong matches from one publisher, one weak match from another: a post-filter of an
    # unfiltered top list would miss the weak one; the filtered search must find it.
    for i in range(30):
        _doc(c, f"loud-{i:02d}", f"Drone drone drone sanctions report number {i} about drone exports.", publisher="Loud Daily", date=f"2023-0{1 + i % 9}-01")
    _doc(c, "quiet", "A short note that mentions a drone once, among other matters of trade.", publisher="Quiet Gazette", kind="blog post", date="2021-06-15")
    _doc(c, "undated", "Drone exports, undated note.", publisher="Loud Daily", date="")
    ingest_paths(settings, [c])
    reader = keyword.Reader(keyword.keyword_dir(settings))
    every = reader.search("drone exports", Filters(), 100)
    assert len(every) == 32
    cases = [
        Filters(publishers=["Quiet Gazette"]),
        Filters(kinds=["blog post"]),
        Filters(sources=["quiet.md"]),
        Filters(sources=["loud-03.md", "loud-04.md"]),
        Filters(date_from="2023-03-01", date_to="2023-04"),
        Filters(date_to="2022-12-31"),
        Filters(date_from="2023-08-01"),
        Filters(publishers=["Loud Daily"], date_from="2023-02-01", date_to="2023-02-28"),
    ]
    for f in cases:
        got = reader.search("drone exports", f, 5)
        want = [h for h in every if f.matches(h.meta)][:5]
        assert got, f
        assert [(h.chunk_id, round(h.score, 4)) for h in got] == [(h.chunk_id, round(h.score, 4)) for h in want], f
    # The hybrid retriever's keyword list uses the same search.
    from app.retrieve import HybridRetriever

    hits = HybridRetriever(settings).bm25(Filters(publishers=["Quiet Gazette"]), 3).retrieve(QueryBundle("drone exports"))
    assert [h.node.metadata["source"] for h in hits] == ["quiet.md"]


def test_version_stamp_rebuilds_and_a_lag_is_reconciled(fresh) -> None:  # type: ignore[no-untyped-def]
    settings: Settings = fresh()
    copy_corpus(settings.corpus_dir)
    ingest_paths(settings, [settings.corpus_dir])
    folder = keyword.keyword_dir(settings)
    want = {q: _hits(settings, q) for q in QUERIES}
    generation = Manifest.load(manifest_path(settings)).generation

    # A tokenizer change (another VERSION in the stamp): the next reader rebuilds from Chroma.
    state = json.loads((folder / keyword.STATE).read_text())
    (folder / keyword.STATE).write_text(json.dumps({**state, "version": keyword.VERSION - 1}))
    keyword.forget_readers()
    reader = keyword.reader(settings)
    assert keyword.read_state(folder) == {"version": keyword.VERSION, "generation": generation}
    assert {q: [(h.chunk_id, round(h.score, 4)) for h in reader.search(q, Filters(), 50)] for q in QUERIES} == want

    # A run killed between the keyword commit and the manifest: rows of one document gone, a stale
    # document added, the stamp behind. The next ingest reconciles only those (no rebuild).
    done = Manifest.load(manifest_path(settings)).done()
    victim = sorted(done)[0]
    stale = keyword.Row("ghost:000000000000:00000", "ghost text about DJI", {"doc_id": "ghost", "content_hash": "x", "source": "ghost.md"})
    keyword.write(folder, {"ghost": [stale]}, [victim])
    (folder / keyword.STATE).write_text(json.dumps({"version": keyword.VERSION, "generation": generation - 1}))
    assert "ghost" in keyword.markers(folder) and victim not in keyword.markers(folder)
    rebuilt = []
    real_build = keyword.build
    keyword.build = lambda *a, **k: rebuilt.append(a) or real_build(*a, **k)  # type: ignore[assignment]
    try:
        report = ingest_paths(settings, [settings.corpus_dir])
    finally:
        keyword.build = real_build  # type: ignore[assignment]
    assert report.unchanged == 4 and rebuilt == []
    assert keyword.markers(folder) == {d: e.content_hash for d, e in done.items()}
    assert {q: _hits(settings, q) for q in QUERIES} == want
    assert keyword.read_state(folder)["generation"] == Manifest.load(manifest_path(settings)).generation
    shutil.rmtree(folder)
    keyword.forget_readers()
    assert keyword.reader(settings).chunks == len(get_collection(settings).get()["ids"])  # a missing side is built

"""Ingesting the real corpus into a real Chroma store with the packaged embedding model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from app.ingest.manifest import Manifest
from app.ingest.pipeline import doc_id_for, ingest_paths, manifest_path, text_path
from app.settings import Settings
from app.store import get_collection
from tests.conftest import copy_corpus

META_KEYS = {"doc_id", "source", "title", "publisher", "kind", "date", "url", "content_hash", "start", "end"}


def all_chunks(settings: Settings) -> dict[str, tuple[str, dict]]:
    got = get_collection(settings).get(include=["documents", "metadatas"])
    return {i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)}


def test_corpus_chunks_are_exact_slices_with_metadata(sample: Settings) -> None:
    chunks = all_chunks(sample)
    assert len(chunks) >= 4
    sources = {m["source"] for _, m in chunks.values()}
    assert sources == {p.name for p in sample.corpus_dir.iterdir() if not p.name.endswith(".meta.yml")}
    for cid, (text, meta) in chunks.items():
        assert META_KEYS <= set(meta), cid
        assert meta["doc_id"] == doc_id_for(meta["source"])
        raw = (sample.corpus_dir / meta["source"]).read_bytes().decode("utf-8-sig")
        assert raw[meta["start"] : meta["end"]] == text  # verbatim slice of the file
        assert text_path(sample, meta["doc_id"]).read_text(encoding="utf-8")[meta["start"] : meta["end"]] == text
        assert not text.startswith("---")  # front matter is not chunked
    md = [m for _, m in chunks.values() if m["source"].startswith("treasury-2021-12-16")]
    assert md[0]["publisher"].startswith("U.S. Department of the Treasury")
    assert md[0]["date"] == "2021-12-16" and md[0]["kind"] == "official statement"
    assert md[0]["url"] == "https://home.treasury.gov/news/press-releases/jy0538"
    txt = [m for _, m in chunks.values() if m["source"].endswith(".txt")]
    assert txt[0]["title"] == "US blocks investments in Chinese drone maker DJI"
    assert txt[0]["publisher"] == "Asian independent"  # from the .meta.yml sidecar


def test_incremental_unchanged_changed_removed(fresh) -> None:  # type: ignore[no-untyped-def]
    settings = fresh()
    copy_corpus(settings.corpus_dir)
    first = ingest_paths(settings, [settings.corpus_dir])
    assert (first.added, first.updated, first.unchanged) == (4, 0, 0)
    ids_before = set(all_chunks(settings))

    again = ingest_paths(settings, [settings.corpus_dir])
    assert (again.added, again.updated, again.unchanged, again.chunks_embedded) == (0, 0, 4, 0)
    assert set(all_chunks(settings)) == ids_before  # deterministic ids, no duplicates

    target = settings.corpus_dir / "treasury-2021-12-10-human-rights-day-sensetime.md"
    target.write_text(target.read_text(encoding="utf-8") + "\nAn added closing paragraph about SenseTime.\n", encoding="utf-8")
    changed = ingest_paths(settings, [settings.corpus_dir])
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 3)
    chunks = all_chunks(settings)
    doc = doc_id_for(target.name)
    hashes = {m["content_hash"] for _, m in chunks.values() if m["doc_id"] == doc}
    assert len(hashes) == 1  # the old version's chunks are gone
    assert any("An added closing paragraph" in t for t, m in chunks.values() if m["doc_id"] == doc)

    (settings.corpus_dir / "bis-2020-12-22-entity-list-additions.md").unlink()
    kept = ingest_paths(settings, [settings.corpus_dir])
    assert kept.removed == 0 and kept.documents == 4  # without --prune nothing is deleted
    pruned = ingest_paths(settings, [settings.corpus_dir], prune=True)
    assert pruned.removed == 1 and pruned.documents == 3
    assert not any(m["source"].startswith("bis-") for _, m in all_chunks(settings).values())
    manifest = Manifest.load(manifest_path(settings))
    assert {e.source for e in manifest.done().values()} == {m["source"] for _, m in all_chunks(settings).values()}

    reset = ingest_paths(settings, [settings.corpus_dir], reset=True)
    assert reset.added == 3 and reset.documents == 3


def test_keyword_side_follows_the_index_without_rebuilding(fresh, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from app import keyword

    settings = fresh()
    copy_corpus(settings.corpus_dir)
    ingest_paths(settings, [settings.corpus_dir])
    folder = keyword.keyword_dir(settings)
    assert keyword.read_state(folder)["generation"] == Manifest.load(manifest_path(settings)).generation
    assert {r[0] for r in keyword.chunk_rows(folder)} == set(all_chunks(settings))

    def no_rebuild(*_a, **_k):  # type: ignore[no-untyped-def]
        raise AssertionError("the keyword side was rebuilt")

    monkeypatch.setattr(keyword, "build", no_rebuild)
    (settings.corpus_dir / "bis-2020-12-22-entity-list-additions.md").unlink()
    ingest_paths(settings, [settings.corpus_dir], prune=True)
    assert keyword.read_state(folder)["generation"] == Manifest.load(manifest_path(settings)).generation
    assert {r[0] for r in keyword.chunk_rows(folder)} == set(all_chunks(settings))
    assert not any(m["source"].startswith("bis-") for _, _, m in keyword.chunk_rows(folder))


def test_cli_ingest_json_contract(tmp_path: Path) -> None:
    import subprocess
    import sys

    corpus = tmp_path / "corpus"
    copy_corpus(corpus)
    env = {"DOSSIER_CORPUS_DIR": str(corpus), "DOSSIER_INDEX_DIR": str(tmp_path / "index"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-m", "app", "ingest", str(corpus), "--json"], capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert set(report) >= {"added", "updated", "unchanged", "removed", "failed", "documents", "chunks", "seconds"}
    assert report["added"] == 4 and report["failed"] == []
    shutil.rmtree(tmp_path / "index")


def test_embedding_cache_skips_the_encoder_for_known_text(fresh) -> None:  # type: ignore[no-untyped-def]
    settings = fresh()
    copy_corpus(settings.corpus_dir)
    first = ingest_paths(settings, [settings.corpus_dir])
    assert first.chunks_embedded == first.chunks > 0
    rebuilt = ingest_paths(settings, [settings.corpus_dir], reset=True)
    assert rebuilt.chunks == first.chunks and rebuilt.chunks_embedded == 0  # every vector from the cache
    rechunked_settings = settings.model_copy(update={"chunk_size": 128})
    rechunked = ingest_paths(rechunked_settings, [settings.corpus_dir], reset=True)
    assert rechunked.chunks > first.chunks
    assert 0 < rechunked.chunks_embedded <= rechunked.chunks
    again = ingest_paths(rechunked_settings, [settings.corpus_dir], reset=True)
    assert again.chunks_embedded == 0

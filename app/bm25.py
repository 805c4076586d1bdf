"""The BM25 side of hybrid retrieval, persisted beside the Chroma store.

``llama-index-retrievers-bm25`` (bm25s underneath) builds and persists the index.
bm25s cannot update an index in place, so after an ingest that changed anything the
index is rebuilt from the chunk texts already in Chroma (no re-reading of files,
no re-embedding) into a temporary directory and swapped in atomically. A stamp
records the manifest generation it was built from; a mismatch (an ingest killed
between Chroma and BM25) triggers a rebuild, so the two sides cannot drift apart.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.ingest.manifest import Manifest, atomic_write_text
from app.settings import Settings

STAMP = "dossier-stamp.json"
_cache_lock = threading.Lock()
_cache: dict[str, tuple[int, Any]] = {}


def bm25_dir(settings: Settings) -> Path:
    return settings.index_dir / "bm25"


def read_stamp(settings: Settings) -> int | None:
    try:
        return int(json.loads((bm25_dir(settings) / STAMP).read_text())["generation"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


PAGE = 5000


def _pages(settings: Settings) -> Iterator[list[Any]]:
    """Chroma's chunks as LlamaIndex TextNodes, one page at a time (a million never sit in memory at once)."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    from app.store import get_collection

    col = get_collection(settings)
    total = col.count()
    for offset in range(0, total, PAGE):
        got = col.get(include=["documents", "metadatas"], limit=PAGE, offset=offset)
        nodes: list[Any] = []
        for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
            md = {k: v for k, v in (meta or {}).items() if not k.startswith("_")}
            node = TextNode(id_=cid, text=text or "", metadata=md)
            # LlamaIndex rewrites metadata["doc_id"] from the SOURCE relationship when persisting.
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=str(md.get("doc_id", "")))
            nodes.append(node)
        if nodes:
            yield nodes


def _spilled(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def _build_streaming(settings: Settings, folder: Path) -> int:
    """Build and persist the index LlamaIndex's ``BM25Retriever`` would, reading Chroma page by page.

    Written by hand because ``BM25Retriever.from_defaults(nodes=...)`` needs every node, every
    corpus entry (the node's full JSON) and every token list in memory at once: 13.8 GB at a million
    chunks. Here each page is tokenized by the same ``bm25s.tokenize`` call with the same arguments,
    its page-local vocabulary is mapped onto one global vocabulary, token ids are kept as compact
    int arrays, and the corpus entries are spilled to disk and streamed into ``bm25s.BM25.save``.
    The scoring is bm25s's own ``index``; the persisted files are what ``BM25Retriever.persist``
    writes, so ``BM25Retriever.from_persist_dir`` loads them (tests/test_bm25.py checks that both
    builds return the same chunks with the same scores).
    """
    from array import array

    import bm25s
    import numpy as np
    import Stemmer
    from llama_index.core.schema import MetadataMode
    from llama_index.core.vector_stores.utils import node_to_metadata_dict
    from llama_index.retrievers.bm25 import BM25Retriever

    stemmer = Stemmer.Stemmer("english")
    vocab: dict[str, int] = {}
    token_ids: list[array[int]] = []
    spill = folder / "corpus.spill.jsonl"
    with spill.open("w", encoding="utf-8") as out:
        for nodes in _pages(settings):
            # The exact call BM25Retriever makes (language "english", its default token pattern).
            page = bm25s.tokenize(
                [n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes],
                stopwords="english",
                stemmer=stemmer,
                token_pattern=r"(?u)\b\w\w+\b",
                show_progress=False,
            )
            local = np.empty(len(page.vocab), dtype=np.int32)
            for stem, local_id in page.vocab.items():
                local[local_id] = vocab.setdefault(stem, len(vocab))
            for ids in page.ids:
                token_ids.append(array("i", local[np.asarray(ids, dtype=np.int64)].tobytes()) if ids else array("i"))
            for n in nodes:
                out.write(json.dumps(node_to_metadata_dict(n) | {"node_id": n.node_id}) + "\n")
    if not token_ids:
        spill.unlink()
        return 0
    chunks = len(token_ids)
    index = bm25s.BM25()
    index.index((token_ids, vocab), show_progress=False)
    del token_ids
    index.save(str(folder), corpus=_spilled(spill), show_progress=False)
    spill.unlink()
    retriever = BM25Retriever(existing_bm25=index, similarity_top_k=min(settings.retrieve_k, chunks))
    atomic_write_text(folder / "retriever.json", json.dumps(retriever.get_persist_args(), indent=2))
    return chunks


def build(settings: Settings, generation: int) -> None:
    """Rebuild the BM25 index from Chroma's chunks and swap it in atomically."""
    target = bm25_dir(settings)
    # Unique names: a reader rebuilding a missing side and a writer may build at the same time.
    tmp = target.with_name(f"bm25.building-{os.getpid()}-{threading.get_ident()}")
    old = target.with_name(f"bm25.old-{os.getpid()}-{threading.get_ident()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        chunks = _build_streaming(settings, tmp)
        atomic_write_text(tmp / STAMP, json.dumps({"generation": generation, "chunks": chunks}))
        try:
            if target.exists():
                target.rename(old)
            tmp.rename(target)
        except OSError:  # another builder swapped its copy in first; theirs is as good as ours
            pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def ensure_bm25(settings: Settings, manifest: Manifest) -> None:
    if read_stamp(settings) != manifest.generation:
        build(settings, manifest.generation)


def _stale_against_server(settings: Settings) -> bool:
    from app.store import get_collection

    try:
        built = int(json.loads((bm25_dir(settings) / STAMP).read_text())["chunks"])
    except (OSError, ValueError, KeyError):
        return True
    return built != get_collection(settings).count()


def load(settings: Settings) -> tuple[int, Any]:
    """(generation, BM25Retriever or None when the index is empty), loaded once per generation."""
    from llama_index.retrievers.bm25 import BM25Retriever

    gen = read_stamp(settings)
    if settings.chroma_url and gen is not None and _stale_against_server(settings):
        gen = None  # another Dossier (a shared server) changed the collection: rebuild from it
    if gen is None:
        manifest = Manifest.load(settings.index_dir / "manifest.json")
        build(settings, manifest.generation)
        gen = manifest.generation
    key = str(bm25_dir(settings).resolve())
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == gen:
            return cached
        path = bm25_dir(settings)
        retriever = None
        if (path / "retriever.json").exists():
            retriever = BM25Retriever.from_persist_dir(str(path), show_progress=False, mmap=True)
        _cache[key] = (gen, retriever)
        return _cache[key]

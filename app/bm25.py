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


def _all_nodes(settings: Settings) -> list[Any]:
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    from app.store import get_collection

    col = get_collection(settings)
    nodes: list[Any] = []
    total = col.count()
    page = 5000
    for offset in range(0, total, page):
        got = col.get(include=["documents", "metadatas"], limit=page, offset=offset)
        for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
            md = {k: v for k, v in (meta or {}).items() if not k.startswith("_")}
            node = TextNode(id_=cid, text=text or "", metadata=md)
            # LlamaIndex rewrites metadata["doc_id"] from the SOURCE relationship when persisting.
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=str(md.get("doc_id", "")))
            nodes.append(node)
    return nodes


def build(settings: Settings, generation: int) -> None:
    """Rebuild the BM25 index from Chroma's chunks and swap it in atomically."""
    import Stemmer
    from llama_index.retrievers.bm25 import BM25Retriever

    target = bm25_dir(settings)
    # Unique names: a reader rebuilding a missing side and a writer may build at the same time.
    tmp = target.with_name(f"bm25.building-{os.getpid()}-{threading.get_ident()}")
    old = target.with_name(f"bm25.old-{os.getpid()}-{threading.get_ident()}")
    shutil.rmtree(tmp, ignore_errors=True)
    nodes = _all_nodes(settings)
    tmp.mkdir(parents=True)
    if nodes:
        retriever = BM25Retriever.from_defaults(
            nodes=nodes,
            similarity_top_k=min(settings.retrieve_k, len(nodes)),
            stemmer=Stemmer.Stemmer("english"),
            language="english",
        )
        retriever.persist(str(tmp), show_progress=False)
    atomic_write_text(tmp / STAMP, json.dumps({"generation": generation, "chunks": len(nodes)}))
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

"""Retrieval baselines for the MultiHop-RAG suite, on the same corpus and embedding model as Dossier.

* ``llamaindex_defaults``: what a new user writes from the LlamaIndex starter example:
  ``SimpleDirectoryReader`` over the corpus folder, a fresh Chroma ``PersistentClient``,
  ``ChromaVectorStore`` + ``StorageContext``, ``VectorStoreIndex.from_documents`` with the
  default node parser (metadata embedded, as LlamaIndex does by default), and
  ``index.as_retriever(similarity_top_k=10)``.
* ``bm25``: ``BM25Retriever`` (bm25s, English stemmer) over the same documents split by the
  default ``SentenceSplitter``, top 10.

Only retrieval is measured (no LLM here); ``MockLLM`` is set so that nothing resolves an
OpenAI model.

``PROTOTYPES`` are variants of Dossier's own retrieval measured on its index (reported as
``prototype/<name>``): ``without_routing`` turns off the per-source sub-queries, so the report shows
what routing adds. (The publisher-routing prototype that lived here, with its own RRF, moved into
``app/routing.py``: ``route``; ``app/retrieve.py``: ``reciprocal_rank_fusion``.)
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.settings import Settings
from eval.multihop_suite import NULL, RANK_K, _lat, aggregate_retrieval, score_ranking

Retrieve = Callable[[str], list[str]]


def _offline_llamaindex(emb: Any) -> None:
    from llama_index.core import Settings as LISettings
    from llama_index.core.llms import MockLLM

    LISettings.llm = MockLLM()
    LISettings.embed_model = emb


def _documents(folder: Path) -> list[Any]:
    from llama_index.core import SimpleDirectoryReader

    return SimpleDirectoryReader(str(folder)).load_data()


def llamaindex_defaults(settings: Settings, folder: Path) -> tuple[Retrieve, dict[str, Any]]:
    import chromadb
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from app.embedding import get_embedding

    emb = get_embedding(settings)
    _offline_llamaindex(emb)
    t0 = time.perf_counter()
    docs = _documents(folder)
    path = settings.index_dir / "baseline-chroma"
    shutil.rmtree(path, ignore_errors=True)
    client = chromadb.PersistentClient(path=str(path))
    collection = client.get_or_create_collection("baseline")
    storage_context = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    index = VectorStoreIndex.from_documents(docs, storage_context=storage_context, embed_model=emb)
    retriever = index.as_retriever(similarity_top_k=RANK_K)
    info = {"build_s": round(time.perf_counter() - t0, 2), "documents": len(docs), "chunks": collection.count()}

    def retrieve(q: str) -> list[str]:
        return [h.node.get_content() for h in retriever.retrieve(q)]

    return retrieve, info


def bm25(settings: Settings, folder: Path) -> tuple[Retrieve, dict[str, Any]]:
    import Stemmer
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.retrievers.bm25 import BM25Retriever

    from app.embedding import get_embedding

    _offline_llamaindex(get_embedding(settings))
    t0 = time.perf_counter()
    nodes = SentenceSplitter().get_nodes_from_documents(_documents(folder))
    retriever = BM25Retriever.from_defaults(
        nodes=nodes, similarity_top_k=RANK_K, stemmer=Stemmer.Stemmer("english"), language="english"
    )
    info = {"build_s": round(time.perf_counter() - t0, 2), "chunks": len(nodes)}

    def retrieve(q: str) -> list[str]:
        return [h.node.get_content() for h in retriever.retrieve(q)]

    return retrieve, info


# --- variants of Dossier's own retrieval, measured on its index -----------------------------------


def without_routing(settings: Settings, folder: Path) -> tuple[Retrieve, dict[str, Any]]:
    """Dossier with ``DOSSIER_ROUTE_SOURCES=false``: the whole question only, dense + BM25 fused by
    the app's ``reciprocal_rank_fusion`` (what routing adds is the difference to Dossier's row)."""
    from app.retrieve import HybridRetriever

    retriever = HybridRetriever(settings.model_copy(update={"route_sources": False}))
    info = {"change": "no per-source sub-queries (DOSSIER_ROUTE_SOURCES=false)"}
    return (lambda q: [p.text for p in retriever.retrieve(q, top_k=RANK_K)]), info


PROTOTYPES: dict[str, Callable[[Settings, Path], tuple[Retrieve, dict[str, Any]]]] = {
    "without_routing": without_routing,
}

BASELINES: dict[str, Callable[[Settings, Path], tuple[Retrieve, dict[str, Any]]]] = {
    "llamaindex_defaults": llamaindex_defaults,
    "bm25": bm25,
}


def evaluate(name: str, retrieve: Retrieve, queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from tqdm import tqdm

    retrieve("warm-up query")
    records = []
    for q in tqdm(queries, desc=f"baseline/{name}", unit="q", disable=False):
        t0 = time.perf_counter()
        texts = retrieve(q["query"])
        rec = {"id": str(q["id"]), "type": q["question_type"], "timings": {"retrieve_ms": (time.perf_counter() - t0) * 1000}}
        if q["question_type"] != NULL:
            rec["retrieval"] = score_ranking(q, texts)
        records.append(rec)
    return records


def run_all(
    settings: Settings, folder: Path, queries: list[dict[str, Any]], systems: dict[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    """{name: {"metrics": ..., "records": ...}} for every baseline (or every system given)."""
    out = {}
    for name, build in (BASELINES if systems is None else systems).items():
        retrieve, info = build(settings, folder)
        records = evaluate(name, retrieve, queries)
        metrics = aggregate_retrieval(records)
        metrics["latency_ms"] = _lat(records, ("retrieve_ms",))
        metrics["build"] = info
        out[name] = {"metrics": metrics, "records": records}
    return out

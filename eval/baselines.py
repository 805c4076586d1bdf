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

``PROTOTYPES`` are candidate changes to ``app/retrieve.py`` measured on Dossier's own index
(reported as ``prototype/<name>``, never used by the app): ``publisher_routing`` adds one
publisher-filtered sub-query per publisher the question names.
"""

from __future__ import annotations

import datetime as dt
import json
import re
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


# --- prototypes of retrieval changes for app/retrieve.py (measured here, not shipped) ---------------

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
TEXT_DATE = re.compile(r"\b(" + "|".join(MONTHS) + r")\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?", re.I)
RRF_K = 60


def rrf(lists: list[list[Any]], k: int = RRF_K) -> list[Any]:
    """Reciprocal-rank fusion keyed by chunk id (a chunk found by several lists is one entry, scores summed)."""
    score: dict[str, float] = {}
    keep: dict[str, Any] = {}
    for ranked in lists:
        for rank, p in enumerate(ranked):
            score[p.chunk_id] = score.get(p.chunk_id, 0.0) + 1.0 / (k + rank + 1)
            keep.setdefault(p.chunk_id, p)
    return [keep[c] for c in sorted(score, key=lambda c: -score[c])]


def publisher_mentions(query: str, publishers: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, publisher) of every publisher named in the query, longest names first, no overlaps."""
    low = query.lower()
    found: list[tuple[int, int, str]] = []
    for pub in sorted(publishers, key=len, reverse=True):
        for m in re.finditer(re.escape(pub.lower()), low):
            if not any(a < m.end() and m.start() < b for a, b, _ in found):
                found.append((m.start(), m.end(), pub))
    return sorted(found)


def date_window(text: str, default_year: int) -> tuple[str, str] | None:
    """A +-1 day window around the first date in the text ('October 22, 2023', 'October 18th', '2023-11-24')."""
    try:
        if m := ISO_DATE.search(text):
            day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif m := TEXT_DATE.search(text):
            day = dt.date(int(m.group(3) or default_year), MONTHS.index(m.group(1).lower()) + 1, int(m.group(2)))
        else:
            return None
    except ValueError:
        return None
    return (day - dt.timedelta(days=1)).isoformat(), (day + dt.timedelta(days=1)).isoformat()


def _publishers(settings: Settings) -> tuple[list[str], int]:
    docs = json.loads((settings.index_dir / "manifest.json").read_text(encoding="utf-8"))["docs"].values()
    years = [int(d["date"][:4]) for d in docs if str(d.get("date", ""))[:4].isdigit()]
    return sorted({d["publisher"] for d in docs if d.get("publisher")}), max(years, default=dt.date.today().year)


def routed(retriever: Any, query: str, publishers: list[str], default_year: int) -> list[Any]:
    """The fused ranking of the whole query, plus one publisher-filtered ranking per publisher the query names,
    queried with the clause around that mention (and a date window when the clause has a date), fused by RRF."""
    from app.retrieve import Filters

    base = retriever.retrieve(query, top_k=RANK_K)
    mentions = publisher_mentions(query, publishers)
    years = [int(y) for y in re.findall(r"\b(20\d\d)\b", query)]
    lists = [base]
    for i, (_, _, pub) in enumerate(mentions):
        lo = mentions[i - 1][1] if i else 0
        hi = mentions[i + 1][0] if i + 1 < len(mentions) else len(query)
        clause = query[lo:hi]
        window = date_window(clause, years[0] if years else default_year)
        if window:
            dated = retriever.retrieve(clause, Filters(publishers=[pub], date_from=window[0], date_to=window[1]), RANK_K)
            if dated:
                lists.append(dated)
        lists.append(retriever.retrieve(clause, Filters(publishers=[pub]), RANK_K))
    return rrf(lists)[:RANK_K] if len(lists) > 1 else base


def prototype_publisher_routing(settings: Settings, folder: Path) -> tuple[Retrieve, dict[str, Any]]:
    from app.retrieve import get_retriever

    retriever = get_retriever(settings)
    publishers, year = _publishers(settings)
    info = {"change": "per-publisher clause sub-queries (+ date window), fused with the whole query by RRF", "publishers": len(publishers)}
    return (lambda q: [p.text for p in routed(retriever, q, publishers, year)]), info


PROTOTYPES: dict[str, Callable[[Settings, Path], tuple[Retrieve, dict[str, Any]]]] = {
    "publisher_routing": prototype_publisher_routing,
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

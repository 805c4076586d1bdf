"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank.

LlamaIndex does the dense retrieving: ``VectorIndexRetriever`` over ``ChromaVectorStore`` (metadata
filters pushed into Chroma's ``where``). The lexical side is Dossier's incremental keyword index
(``app.keyword``: tantivy, bm25s's tokens and scores), behind a LlamaIndex ``BaseRetriever``
(``KeywordRetriever``), with the same ``Filters`` applied inside its search. The fusion is a few
lines here (see ``reciprocal_rank_fusion`` for why).

Source routing (``app.routing``, ``DOSSIER_ROUTE_SOURCES``) adds per-publisher sub-queries when a
question names publishers; every dense and BM25 list, the whole question's and the sub-queries', is
fused by one weighted reciprocal-rank fusion. Publisher names come from the manifest, re-read when
its generation changes. Filters live in ``app.filters``.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle

from app.filters import Filters
from app.ingest.manifest import visible_versions
from app.question import clauses, years
from app.routing import SubQuery, publisher_aliases, route
from app.settings import Settings
from app.types import Passage


class KeywordRetriever(BaseRetriever):
    """The keyword side as a LlamaIndex retriever: the ``top_k`` best BM25 chunks that pass ``filters``."""

    def __init__(self, reader: Any, filters: Filters, top_k: int) -> None:
        super().__init__()
        self._reader = reader
        self._filters = filters
        self._top_k = top_k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        if self._reader is None:
            return []
        out = []
        for h in self._reader.search(query_bundle.query_str, self._filters, self._top_k):
            node = TextNode(id_=h.chunk_id, text=h.text, metadata=h.meta)
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=str(h.meta.get("doc_id", "")))
            out.append(NodeWithScore(node=node, score=h.score))
        return out


RRF_K = 60.0


def reciprocal_rank_fusion(
    result_lists: list[list[NodeWithScore]], top_k: int, weights: list[float] | None = None
) -> list[NodeWithScore]:
    """Weighted reciprocal-rank fusion keyed by chunk id.

    Written here rather than using ``QueryFusionRetriever``: it keys fusion by ``node.hash``, which
    covers metadata, and the dense and BM25 sides return the same chunk with different metadata, so
    it never merged a chunk found by both (measured on MultiHop-RAG test: all-evidence@10 0.686 with
    it, 0.767 fused by id). Same formula as LlamaIndex: sum of weight / (rank + 60), rank from 0;
    ``weights`` (one per list, default 1.0) let one side count more than the other.
    """
    scores: dict[str, float] = {}
    nodes: dict[str, NodeWithScore] = {}
    for i, hits in enumerate(result_lists):
        w = 1.0 if weights is None else weights[i]
        ranked = sorted(hits, key=lambda h: h.score or 0.0, reverse=True)
        for rank, h in enumerate(ranked):
            nid = h.node.node_id
            scores[nid] = scores.get(nid, 0.0) + w / (rank + RRF_K)
            nodes.setdefault(nid, h)  # the first list (dense, from Chroma) supplies the node
    order = sorted(scores, key=lambda n: scores[n], reverse=True)[:top_k]
    return [NodeWithScore(node=nodes[n].node, score=scores[n]) for n in order]


def fuse(lists: list[tuple[str, list[NodeWithScore]]], top_k: int, dense_weight: float = 1.0) -> list[NodeWithScore]:
    """Weighted RRF of ``candidate_lists``: dense lists count ``dense_weight``, BM25 lists 1.0.

    Sub-query lists count as much as the whole question's (measured on MultiHop-RAG dev: weighting
    them 1.5-5x lowered all-evidence@10 from 0.822 to 0.787-0.802)."""
    weights = [dense_weight if side == "dense" else 1.0 for side, _ in lists]
    return reciprocal_rank_fusion([hits for _, hits in lists], top_k, weights)


@dataclass
class _Sources:
    path: Path | None = None
    stat: tuple[int, ...] | None = None
    generation: int = -1
    aliases: dict[str, set[str]] = field(default_factory=dict)
    default_year: int = 0


class HybridRetriever:
    def __init__(self, settings: Settings) -> None:
        from llama_index.core import VectorStoreIndex

        from app.embedding import get_embedding
        from app.store import get_vector_store

        self.settings = settings
        self.embedding = get_embedding(settings)
        self.index = VectorStoreIndex.from_vector_store(get_vector_store(settings), embed_model=self.embedding)
        self._sources = _Sources()
        self._sources_lock = threading.Lock()

    def dense(self, filters: Filters, k: int) -> BaseRetriever:
        return self.index.as_retriever(similarity_top_k=k, filters=filters.to_metadata_filters())

    def bm25(self, filters: Filters, k: int, retriever: Any = None) -> BaseRetriever:
        """The keyword side (``retriever``: an ``app.keyword.Reader``, opened here when not given)."""
        from app import keyword

        if retriever is None:
            retriever = keyword.reader(self.settings)
        return KeywordRetriever(retriever, filters, k)

    def sources(self) -> _Sources:
        """Publisher names of the indexed documents, from the manifest; re-read when its generation changes."""
        from app.ingest.manifest import Manifest, manifest_stamp

        path = self.settings.index_dir / "manifest.json"
        key = manifest_stamp(path)  # the snapshot and its journal
        with self._sources_lock:
            cached = self._sources
            if cached.stat == key and cached.path == path:
                return cached
            try:
                manifest = Manifest.load(path) if key else None
            except RuntimeError:
                manifest = None
            generation = manifest.generation if manifest else -1
            if generation != cached.generation or cached.path != path:
                docs = list(manifest.docs.values()) if manifest else []
                years = [int(d.date[:4]) for d in docs if d.date[:4].isdigit()]
                cached = _Sources(
                    path=path,
                    generation=generation,
                    aliases=publisher_aliases(sorted({d.publisher for d in docs if d.publisher})),
                    default_year=max(years, default=dt.date.today().year),
                )
            cached.stat = key
            self._sources = cached
            return cached

    def sub_queries(self, question: str, filters: Filters) -> list[SubQuery]:
        """One sub-query per clause of a comparison ("Did X ... before Y ...?": the two facts often sit in
        two documents), then the per-publisher routes of a question that names sources."""
        subs = [SubQuery(c, filters) for c in clauses(question)]
        named_years = years(question)
        if len(named_years) > 1 and not (filters.date_from or filters.date_to):
            # "... in 2020 and again in 2025": each year's documents get their own sub-query.
            subs += [SubQuery(question, replace(filters, date_from=f"{y}-01-01", date_to=f"{y}-12-31")) for y in named_years]
        if not self.settings.route_sources:
            return subs
        src = self.sources()
        return subs + (route(question, filters, src.aliases, src.default_year) if src.aliases else [])

    def candidate_lists(self, question: str, filters: Filters, k: int) -> list[tuple[str, list[NodeWithScore]]]:
        """("dense" | "bm25", hits) for the whole question, then for each sub-query (``route``), k per list."""
        queries = [SubQuery(question, filters), *self.sub_queries(question, filters)]
        from app import keyword

        texts = list(dict.fromkeys(q.text for q in queries))  # sub-queries often repeat the question or a clause
        by_text = dict(zip(texts, self.embedding.encode(texts), strict=True))  # one encoder call for all of them
        vectors = [by_text[q.text] for q in queries]
        lexical = keyword.reader(self.settings)  # one keyword side for all of them
        lists: list[tuple[str, list[NodeWithScore]]] = []
        for q, vec in zip(queries, vectors, strict=True):
            bundle = QueryBundle(q.text, embedding=vec)
            lists += [
                ("dense", self.dense(q.filters, k).retrieve(bundle)),
                ("bm25", self.bm25(q.filters, k, lexical).retrieve(bundle)),
            ]
        return lists

    def retrieve(
        self, question: str, filters: Filters | None = None, top_k: int | None = None, timings: dict[str, float] | None = None
    ) -> list[Passage]:
        t0 = time.perf_counter()
        filters = filters or Filters()
        k = self.settings.retrieve_k
        top_k = top_k or self.settings.top_k
        try:
            lists = self.candidate_lists(question, filters, k)
            hits = fuse(lists, top_k, self.settings.dense_weight)
        except Exception as exc:
            from app.store import StoreUnavailable

            where = self.settings.chroma_url or self.settings.chroma_dir
            raise StoreUnavailable(f"the index at {where} cannot be searched: {type(exc).__name__}: {exc}") from exc
        visible = visible_versions(self.settings.index_dir / "manifest.json")
        if visible:
            # Mid-ingest, a document's old and new chunks may both be in one side or the other: keep the
            # version the manifest says is visible. Documents unknown here (a shared server) pass.
            hits = [
                h for h in hits
                if (v := visible.get(h.node.metadata.get("doc_id", ""))) is None or h.node.metadata.get("content_hash") == v
            ]  # fmt: skip
        if timings is not None:
            timings["retrieve_ms"] = round((time.perf_counter() - t0) * 1000, 2)
        return [Passage.from_metadata(h.node.node_id, h.node.get_content(), h.node.metadata, h.score or 0.0) for h in hits]


_lock = threading.Lock()
_retrievers: dict[str, HybridRetriever] = {}


def get_retriever(settings: Settings) -> HybridRetriever:
    from app.store import client_key

    key = f"{client_key(settings)}|{settings.collection}|{settings.index_dir}"
    with _lock:
        if key not in _retrievers:
            _retrievers[key] = HybridRetriever(settings)
        r = _retrievers[key]
        r.settings = settings
        return r

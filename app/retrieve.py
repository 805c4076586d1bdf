"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank.

LlamaIndex does the retrieving: ``VectorIndexRetriever`` over ``ChromaVectorStore`` for the
dense side (metadata filters pushed into Chroma's ``where``) and ``BM25Retriever`` for the
lexical side; the fusion is a few lines here (see ``reciprocal_rank_fusion`` for why). The BM25 side cannot filter inside bm25s, so it is asked for more
candidates and filtered by the same ``Filters`` object afterwards.

Source routing (``route``, ``DOSSIER_ROUTE_SOURCES``): when a question names publishers of indexed
documents ("Does 'The Verge' article ... while 'TechCrunch' ..."), each named publisher adds a
sub-query, its clause of the question filtered to that publisher (and to +-1 day around a date the
clause gives), and every dense and BM25 list, the whole question's and the sub-queries', is fused by
one weighted reciprocal-rank fusion. Publisher names come from the manifest, re-read when its
generation changes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle

from app.ingest.loaders import date_key
from app.ingest.manifest import visible_versions
from app.settings import Settings
from app.types import Passage


@dataclass
class Filters:
    """Restrict retrieval to documents (source paths or doc ids), publishers, kinds and a date range."""

    sources: list[str] = field(default_factory=list)
    publishers: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    date_from: str = ""
    date_to: str = ""

    def active(self) -> bool:
        return bool(self.sources or self.publishers or self.kinds or self.date_from or self.date_to)

    def describe(self) -> str:
        parts = []
        if self.sources:
            parts.append("documents: " + ", ".join(self.sources))
        if self.publishers:
            parts.append("publisher: " + ", ".join(self.publishers))
        if self.kinds:
            parts.append("kind: " + ", ".join(self.kinds))
        if self.date_from or self.date_to:
            parts.append(f"dates: {self.date_from or '…'} to {self.date_to or '…'}")
        return "; ".join(parts)

    def _date_bounds(self) -> tuple[int | None, int | None]:
        lo = date_key(self.date_from) if self.date_from else None
        hi = date_key(self.date_to) if self.date_to else None
        if hi is not None and hi % 100 == 0:  # '2021-12' as an upper bound means the whole month
            hi += 99 if hi % 10000 else 9999
        return lo, hi

    def matches(self, meta: dict[str, Any]) -> bool:
        if self.sources and meta.get("source") not in self.sources and meta.get("doc_id") not in self.sources:
            return False
        if self.publishers and meta.get("publisher") not in self.publishers:
            return False
        if self.kinds and meta.get("kind") not in self.kinds:
            return False
        lo, hi = self._date_bounds()
        dk = int(meta.get("date_key") or 0)
        if lo is not None and dk < lo:
            return False
        return not (hi is not None and (dk == 0 or dk > hi))

    def to_metadata_filters(self) -> Any:
        from llama_index.core.vector_stores.types import (
            FilterCondition,
            FilterOperator,
            MetadataFilter,
            MetadataFilters,
        )

        groups: list[Any] = []

        def any_of(key: str, values: list[str]) -> None:
            if values:
                groups.append(
                    MetadataFilters(
                        filters=[MetadataFilter(key=key, value=v, operator=FilterOperator.EQ) for v in values],
                        condition=FilterCondition.OR,
                    )
                )

        if self.sources:
            groups.append(
                MetadataFilters(
                    filters=[MetadataFilter(key="source", value=v) for v in self.sources]
                    + [MetadataFilter(key="doc_id", value=v) for v in self.sources],
                    condition=FilterCondition.OR,
                )
            )
        any_of("publisher", self.publishers)
        any_of("kind", self.kinds)
        lo, hi = self._date_bounds()
        if lo is not None:
            groups.append(MetadataFilters(filters=[MetadataFilter(key="date_key", value=lo, operator=FilterOperator.GTE)]))
        if hi is not None:
            groups.append(MetadataFilters(filters=[MetadataFilter(key="date_key", value=hi, operator=FilterOperator.LTE)]))
            groups.append(MetadataFilters(filters=[MetadataFilter(key="date_key", value=0, operator=FilterOperator.GT)]))
        if not groups:
            return None
        return MetadataFilters(filters=groups, condition=FilterCondition.AND)


class FilteredBM25(BaseRetriever):
    """BM25 candidates, filtered by metadata after scoring (bm25s has no metadata filter)."""

    def __init__(self, bm25: Any, filters: Filters, top_k: int, total: int) -> None:
        super().__init__()
        self._bm25 = bm25
        self._filters = filters
        self._top_k = top_k
        # With a filter the matching chunks may rank low overall: widen the candidate pool.
        self._pool = min(total, top_k * 20 if filters.active() else top_k)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        if self._bm25 is None or self._pool <= 0:
            return []
        self._bm25.similarity_top_k = self._pool
        hits = self._bm25.retrieve(query_bundle)
        if self._filters.active():
            hits = [h for h in hits if self._filters.matches(h.node.metadata)]
        return [h for h in hits if (h.score or 0) > 0][: self._top_k]


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


# --- source routing: questions that name publishers ---------------------------------------------

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
TEXT_DATE = re.compile(r"\b(" + "|".join(MONTHS) + r")\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?", re.I)
YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
ALIAS_SPLIT = re.compile(r"\s+[|–—-]\s+|:\s+|,\s+|;\s+|\s+\(")
ACRONYM = re.compile(r"\(([A-Z][A-Z0-9&.]{1,7})\)")


def publisher_aliases(publishers: list[str]) -> dict[str, set[str]]:
    """name a question may use -> the publishers it means.

    The full name, its head before a separator ("Cnbc | World Business News Leader" -> "Cnbc",
    "The Independent - Sports" -> "The Independent", "U.S. Department of the Treasury, Office of ..."
    -> "U.S. Department of the Treasury") and an acronym in parentheses ("(OFAC)" -> "OFAC"). A head
    shared by several publishers ("FOX News - Health", "FOX News - Lifestyle") means all of them.
    """
    out: dict[str, set[str]] = {}
    for pub in publishers:
        names = {pub.strip()}
        head = ALIAS_SPLIT.split(pub.strip(), maxsplit=1)[0].strip()
        if len(head) >= 4:
            names.add(head)
        names.update(ACRONYM.findall(pub))
        for n in names:
            if n:
                out.setdefault(n, set()).add(pub)
    return out


def source_mentions(question: str, aliases: dict[str, set[str]]) -> list[tuple[int, int, list[str]]]:
    """(start, end, publishers) of each publisher name in the question, longest names first, no overlaps.

    Whole words only, case-insensitive except that a capitalised name must be capitalised in the
    question too (so "a fortune" or "wired headphones" do not name Fortune or Wired).
    """
    found: list[tuple[int, int, list[str]]] = []
    for name in sorted(aliases, key=len, reverse=True):
        pattern = re.compile(r"(?<![\w])" + re.escape(name) + r"(?![\w])", re.I)
        for m in pattern.finditer(question):
            if name[0].isupper() and not question[m.start()].isupper():
                continue
            if not any(a < m.end() and m.start() < b for a, b, _ in found):
                found.append((m.start(), m.end(), sorted(aliases[name])))
    return sorted(found)


def date_windows(text: str, default_year: int, most: int = 3) -> list[tuple[str, str]]:
    """A +-1 day window around each full date in the text ('October 22, 2023', 'October 18th', '2023-11-24')."""
    days: list[dt.date] = []
    for m in ISO_DATE.finditer(text):
        with contextlib.suppress(ValueError):
            days.append(dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    for m in TEXT_DATE.finditer(text):
        with contextlib.suppress(ValueError):
            days.append(dt.date(int(m.group(3) or default_year), MONTHS.index(m.group(1).lower()) + 1, int(m.group(2))))
    days = list(dict.fromkeys(days))[:most]
    return [((d - dt.timedelta(days=1)).isoformat(), (d + dt.timedelta(days=1)).isoformat()) for d in days]


@dataclass
class SubQuery:
    text: str
    filters: Filters


LIST_GLUE = re.compile(r"^[\s,;'\"’‘“”&]*(?:(?:and|or|both|as well as|the|a|an|first|second|third|other|articles?|reports?)[\s,;'\"’‘“”&]*)*$", re.I)
WORD = re.compile(r"[A-Za-z0-9][\w'’-]*")
FRAMING = {
    "the", "a", "an", "and", "or", "of", "on", "in", "to", "by", "from", "for", "with", "as", "at", "that", "this",
    "does", "did", "do", "is", "was", "are", "were", "has", "have", "which", "what", "who", "whom", "whose", "between",
    "after", "before", "article", "articles", "report", "reports", "reported", "published", "both", "while", "same",
}


def _content_words(text: str) -> int:
    return sum(w.lower() not in FRAMING for w in WORD.findall(text))


def route(question: str, filters: Filters, aliases: dict[str, set[str]], default_year: int) -> list[SubQuery]:
    """Per-source sub-queries for the publishers a question names.

    The question is cut at each mention: a publisher's clause runs from its mention to the next one
    ("Does 'The Verge' article suggest X, while 'TechCrunch' implies Y?"; the first clause also keeps
    what precedes it). Mentions listed together ("reported by Fortune, The Verge, and TechCrunch")
    share one clause, and a clause with fewer than four content words is replaced by the whole
    question. Each group gets its clause filtered to its publishers (within the caller's filters),
    and, when the caller set no dates, the clause filtered to +-1 day around each full date in it.
    """
    mentions = source_mentions(question, aliases)
    groups: list[list[tuple[int, int, list[str]]]] = []
    for m in mentions:
        if groups and LIST_GLUE.match(question[groups[-1][-1][1] : m[0]]):
            groups[-1].append(m)
        else:
            groups.append([m])
    years = [int(y) for y in YEAR.findall(question)]
    subs: list[SubQuery] = []
    for i, group in enumerate(groups):
        pubs = sorted({p for _, _, ps in group for p in ps})
        if filters.publishers:
            pubs = [p for p in pubs if p in filters.publishers]
            if not pubs:
                continue
        lo = group[0][0] if i else 0
        hi = groups[i + 1][0][0] if i + 1 < len(groups) else len(question)
        clause = question[lo:hi].strip()
        if _content_words(clause) - sum(_content_words(question[a:b]) for a, b, _ in group) < 4:
            clause = question
        scoped = replace(filters, publishers=pubs)
        if not (filters.date_from or filters.date_to):
            for lo_day, hi_day in date_windows(clause, years[0] if years else default_year):
                subs.append(SubQuery(clause, replace(scoped, date_from=lo_day, date_to=hi_day)))
        subs.append(SubQuery(clause, scoped))
    return subs


@dataclass
class _Sources:
    path: Path | None = None
    stat: tuple[int, int] | None = None
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
        from app import bm25

        if retriever is None:
            _, retriever = bm25.load(self.settings)
        total = len(retriever.corpus) if retriever is not None and getattr(retriever, "corpus", None) else 0
        return FilteredBM25(retriever, filters, k, total)

    def sources(self) -> _Sources:
        """Publisher names of the indexed documents, from the manifest; re-read when its generation changes."""
        from app.ingest.manifest import Manifest

        path = self.settings.index_dir / "manifest.json"
        try:
            st = path.stat()
            key: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except OSError:
            key = None
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
        if not self.settings.route_sources:
            return []
        src = self.sources()
        return route(question, filters, src.aliases, src.default_year) if src.aliases else []

    def candidate_lists(self, question: str, filters: Filters, k: int) -> list[tuple[str, list[NodeWithScore]]]:
        """("dense" | "bm25", hits) for the whole question, then for each sub-query (``route``), k per list."""
        queries = [SubQuery(question, filters), *self.sub_queries(question, filters)]
        from app import bm25

        texts = list(dict.fromkeys(q.text for q in queries))  # sub-queries often repeat the question or a clause
        by_text = dict(zip(texts, self.embedding.encode(texts), strict=True))  # one encoder call for all of them
        vectors = [by_text[q.text] for q in queries]
        _, lexical = bm25.load(self.settings)  # one BM25 side for all of them
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

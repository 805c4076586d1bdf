"""Metadata filters for retrieval: documents, publishers, kinds and a date range.

One ``Filters`` object restricts both sides of hybrid retrieval: it becomes Chroma metadata filters
for the dense side and a predicate over chunk metadata for the BM25 side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.ingest.loaders import date_key


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

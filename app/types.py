"""The types every front end consumes: the CLI, the chat and the evaluation scripts.

``Answer`` is the one result of asking a question; ``IngestReport`` the one result of
ingesting. Both serialise to the JSON contract documented in the README.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

ABSTAIN_TEXT = "The documents do not answer this question."


@dataclass
class Passage:
    """A span of a source document: a chunk, or a sentence inside one."""

    chunk_id: str
    doc_id: str
    source: str
    title: str
    publisher: str
    kind: str
    date: str
    url: str
    text: str
    start: int
    end: int
    score: float = 0.0
    page: int | None = None

    @classmethod
    def from_metadata(cls, chunk_id: str, text: str, meta: dict[str, Any], score: float = 0.0) -> Passage:
        page = meta.get("page")
        return cls(
            chunk_id=chunk_id,
            doc_id=str(meta.get("doc_id", "")),
            source=str(meta.get("source", "")),
            title=str(meta.get("title", "")),
            publisher=str(meta.get("publisher", "")),
            kind=str(meta.get("kind", "")),
            date=str(meta.get("date", "")),
            url=str(meta.get("url", "")),
            text=text,
            start=int(meta.get("start", 0)),
            end=int(meta.get("end", 0)),
            score=score,
            page=int(page) if isinstance(page, int) and page > 0 else None,
        )


@dataclass
class Citation:
    """A numbered citation: ``[n]`` in the answer refers to ``n`` here.

    ``text`` is the exact passage quoted from the source; ``start``/``end`` are its
    character offsets in the document text (the file itself for .txt and .md).
    """

    n: int
    doc_id: str
    source: str
    title: str
    publisher: str
    kind: str
    date: str
    url: str
    text: str
    start: int
    end: int
    score: float
    page: int | None = None
    # Where the passage sits in its document, for the reader: paragraph number (blank-line separated
    # blocks of the stored text, front matter and headings not counted) and the sentence's ordinal in it.
    paragraph: int | None = None
    sentence: int | None = None

    @classmethod
    def from_passage(cls, n: int, p: Passage) -> Citation:
        return cls(
            n=n,
            doc_id=p.doc_id,
            source=p.source,
            title=p.title,
            publisher=p.publisher,
            kind=p.kind,
            date=p.date,
            url=p.url,
            text=p.text,
            start=p.start,
            end=p.end,
            score=round(p.score, 4),
            page=p.page,
        )

    def label(self) -> str:
        """Short label for chips and plain-text listings: 'Treasury, 2021-12-16, p. 3'."""
        parts = [short_publisher(self.publisher) or f"'{self.title[:40]}'"]
        if self.date:
            parts.append(self.date)
        if self.page:
            parts.append(f"p. {self.page}")
        return ", ".join(parts)

    def locator(self, with_sentence: bool = False) -> str:
        """'p. 3' for a paged document, else '¶4' (or '¶4.2': paragraph 4, sentence 2)."""
        if self.page:
            return f"p. {self.page}" + (f" ¶{self.paragraph}" if with_sentence and self.paragraph else "")
        if self.paragraph:
            return f"¶{self.paragraph}" + (f".{self.sentence}" if with_sentence and self.sentence else "")
        return ""

    def chip_label(self, with_sentence: bool = False) -> str:
        """What a citation chip reads: 'Treasury · 2021-12-16 · ¶4' (the [n] is added by the chip)."""
        parts = [chip_publisher(self.publisher) or f"'{_clip(self.title, 28)}'"]
        if self.date:
            parts.append(self.date)
        where = self.locator(with_sentence)
        if where:
            parts.append(where)
        return " · ".join(parts)


def _clip(text: str, n: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


_DEPARTMENT = re.compile(r"^(?:the\s+)?(?:U\.?S\.?\s+|United States\s+)?Department of (?:the\s+)?(.+)$", re.I)
_OF_TAIL = re.compile(r"\s+of\s+(?:the\s+)?(?:People's Republic|Republic|United States|Kingdom|State)\b.*$", re.I)


def chip_publisher(publisher: str) -> str:
    """A short publisher for a chip: 'U.S. Department of the Treasury' -> 'Treasury',
    'Ministry of Foreign Affairs of the People's Republic of China' -> 'Ministry of Foreign Affairs'."""
    name = short_publisher(publisher)
    m = _DEPARTMENT.match(name)
    if m:
        name = m.group(1)
    name = _OF_TAIL.sub("", name) or name
    return _clip(name, 32)


def short_publisher(publisher: str) -> str:
    """'U.S. Department of the Treasury, Office of ...' -> 'U.S. Department of the Treasury'."""
    return publisher.split(",")[0].split(";")[0].strip()


def attribution_name(publisher: str, title: str) -> str:
    """Who a passage is attributed to: its publisher, else "the document '<title>'" (a title is
    never dressed up as a publisher)."""
    who = short_publisher(publisher)
    if who:
        return who
    title = " ".join((title or "").split())
    if len(title) > 80:
        title = title[:77].rstrip() + "..."
    return f"the document '{title}'" if title else "an untitled document"


@dataclass
class SentenceCheck:
    """One answer sentence and what the verifier found."""

    text: str
    citations: list[int]
    supported: bool
    score: float
    reason: str = ""
    # "quote": verbatim from its passage; "claim": written (by the writer model) and checked against its
    # passage; "inference": Dossier's or the writer's conclusion (a yes/no) resting on the cited claims.
    kind: str = "quote"
    # Dossier's own words before a quote ("According to Treasury (2021-12-16): "), part of ``text``.
    attribution: str = ""


class Partial(str):
    """Text streamed before the final ``Answer``: ``stage`` is "evidence" (a verbatim evidence sentence,
    true by construction) or "draft" (the writer's text as it streams, not yet verified)."""

    stage: str = "draft"

    @classmethod
    def of(cls, text: str, stage: str) -> Partial:
        out = cls(text)
        out.stage = stage
        return out


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    sentences: list[SentenceCheck] = field(default_factory=list)
    related: list[Citation] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    mode: str = "extractive"
    confidence: float = 0.0  # score of the best evidence sentence; abstention compares it with a threshold
    notes: list[str] = field(default_factory=list)
    standalone_question: str = ""
    direct: str = ""  # the direct answer when the question asks for one: "Yes.", "No.", or the writer's first sentence

    @property
    def dropped(self) -> list[SentenceCheck]:
        return [s for s in self.sentences if not s.supported]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FailedFile:
    path: str
    error: str


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[FailedFile] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    seconds: float = 0.0
    chunks_embedded: int = 0
    doc_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["seconds"] = round(self.seconds, 3)
        return d

    def summary(self) -> str:
        line = (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"removed {self.removed}, failed {len(self.failed)}; index holds {self.documents} documents, "
            f"{self.chunks} chunks ({self.seconds:.1f} s)"
        )
        for f in self.failed:
            line += f"\n  FAILED {f.path}: {f.error}"
        return line

"""Sentence-aware chunking with exact character offsets.

LlamaIndex's ``SentenceSplitter`` does the splitting, counting tokens with the
embedding model's own WordPiece tokenizer (so "256 tokens" means what the encoder
sees). What it does not give is a guaranteed offset into the source; that is
added here: every chunk is located in the document text and stored as the exact
slice ``text[start:end]``, so a citation quotes the file verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.ingest.loaders import LoadedDocument


@dataclass
class Chunk:
    index: int
    text: str
    start: int
    end: int
    page: int | None = None


@lru_cache(maxsize=4)
def wordpiece_tokenizer(model_path: str) -> Callable[[str], list[int]]:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()

    def encode(text: str) -> list[int]:
        return tok.encode(text, add_special_tokens=False).ids

    return encode


@lru_cache(maxsize=8)
def _splitter(chunk_size: int, chunk_overlap: int, model_path: str):  # type: ignore[no-untyped-def]
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(
        chunk_size=chunk_size,
        chunk_overlap=min(chunk_overlap, max(0, chunk_size // 2)),
        tokenizer=wordpiece_tokenizer(model_path),
    )


def _locate(text: str, piece: str, cursor: int) -> tuple[int, int] | None:
    """Find ``piece`` in ``text`` at or after ``cursor``; tolerate whitespace the splitter changed."""
    pos = text.find(piece, cursor)
    if pos < 0:
        pos = text.find(piece)
    if pos >= 0:
        return pos, pos + len(piece)
    words = piece.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words)
    m = re.compile(pattern).search(text, cursor) or re.compile(pattern).search(text)
    return (m.start(), m.end()) if m else None


def _sections(doc: LoadedDocument) -> list[tuple[int, int]]:
    """Spans chunked independently: each PDF page (a chunk never straddles two pages), else the body."""
    if not doc.page_starts:
        return [(doc.body_start, len(doc.text))]
    ends = [*doc.page_starts[1:], len(doc.text)]
    return [(s, e) for s, e in zip(doc.page_starts, ends, strict=True) if doc.text[s:e].strip()]


def chunk_document(doc: LoadedDocument, chunk_size: int, chunk_overlap: int, model_path: Path) -> list[Chunk]:
    splitter = _splitter(chunk_size, chunk_overlap, str(model_path))
    chunks: list[Chunk] = []
    for sec_start, sec_end in _sections(doc):
        cursor = sec_start
        for piece in splitter.split_text(doc.text[sec_start:sec_end]):
            piece = piece.strip()
            if not piece:
                continue
            span = _locate(doc.text, piece, cursor)
            if span is None:  # cannot happen with SentenceSplitter, but never store an unverifiable chunk
                continue
            start, end = max(span[0], sec_start), span[1]
            chunks.append(Chunk(index=len(chunks), text=doc.text[start:end], start=start, end=end, page=doc.page_at(start)))
            cursor = start + 1
    return chunks

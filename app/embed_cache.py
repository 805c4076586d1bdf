"""Embedding cache keyed by the hash of the embedded text (and model and precision).

Re-ingesting unchanged text, or re-chunking a corpus, embeds only chunk texts never seen
before. SQLite (stdlib) holds float32 vectors; a lost cache only costs encoder time.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np


class EmbeddingCache:
    def __init__(self, path: Path, namespace: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.namespace = namespace
        self.db = sqlite3.connect(str(path), timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB NOT NULL)")

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.namespace}\x00{text}".encode()).hexdigest()

    def embed(self, texts: list[str], encode: Callable[[list[str]], list[list[float]]]) -> tuple[list[list[float]], int]:
        """Vectors for ``texts`` (cached or freshly encoded) and how many were encoded."""
        keys = [self._key(t) for t in texts]
        found: dict[str, list[float]] = {}
        for i in range(0, len(keys), 500):
            batch = keys[i : i + 500]
            rows = self.db.execute(f"SELECT key, v FROM vec WHERE key IN ({','.join('?' * len(batch))})", batch)
            found.update((k, np.frombuffer(v, dtype=np.float32).tolist()) for k, v in rows)
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
        if missing:
            vectors = encode(missing)
            rows = [(self._key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in zip(missing, vectors, strict=True)]
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO vec (key, v) VALUES (?, ?)", rows)
            found.update((k, v) for (k, _), v in zip(rows, vectors, strict=True))
        return [found[k] for k in keys], len(missing)

    def close(self) -> None:
        self.db.close()

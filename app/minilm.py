"""all-MiniLM-L6-v2 (BERT, mean pooling, L2 normalisation) in plain torch.

Hand-written on purpose, for cold start: importing sentence-transformers pulls in transformers,
scikit-learn, scipy and torch.distributed, which took 6-9 s of a fresh ``dossier ask`` (13-15 s in
all) on the 2-core development machine. This module needs only torch, safetensors and the
``tokenizers`` library, reads the same files (``model.safetensors``, ``tokenizer.json``,
``sentence_bert_config.json``) and computes the same function: ``tests/test_minilm.py`` checks its
embeddings against ``SentenceTransformer.encode`` (cosine >= 0.99999 on several hundred texts,
including empty, very long, non-Latin and whitespace-padded ones). A model directory of any other
shape (not a BERT with mean pooling and normalisation) is refused, and Dossier then loads it with
sentence-transformers (``app.embedding.load_encoder``).
"""

from __future__ import annotations

import json
import math
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

TOKENS_PER_ROW = 32  # token budget of a batch = batch_size * this (see MiniLM._batches)
# A small encode (one document's chunks, a question) runs in numpy while torch is not imported yet:
# importing torch takes 1.3-1.7 s of a new process, which was a third of adding one document to the
# index from `dossier ingest`. Above this many tokens torch is faster (bf16 autocast on CPUs with
# native bf16), and once torch is imported it does every encode.
NUMPY_MAX_TOKENS = 4096


def _gelu(y: np.ndarray) -> np.ndarray:
    """The exact (erf) GELU, with erf to 1.5e-7 (Abramowitz and Stegun 7.1.26), in place where it can:
    numpy has no erf, and scipy is not imported for it. GELU(y) = (y + |y| erf(|y| / sqrt 2)) / 2."""
    ay = np.abs(y)
    t = ay * np.float32(0.3275911 / math.sqrt(2.0))
    t += 1
    np.reciprocal(t, out=t)
    p = t * np.float32(1.061405429)
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        p += np.float32(c)
        p *= t
    e = np.square(ay) * np.float32(-0.5)
    np.exp(e, out=e)
    p *= e  # 1 - erf(|y| / sqrt 2)
    p -= 1
    p *= ay  # -|y| erf(|y| / sqrt 2)
    out = y - p
    out *= 0.5
    return out


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = np.square(x - mean).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


class UnsupportedModel(ValueError):
    """The model directory is not a BERT with mean pooling and normalisation."""


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def check_model_dir(path: Path) -> dict[str, Any]:
    """The BERT config of ``path``, or UnsupportedModel when this module cannot reproduce it."""
    try:
        cfg = _read_json(path / "config.json")
        modules = _read_json(path / "modules.json")
        pooling = _read_json(path / "1_Pooling" / "config.json")
    except (OSError, ValueError) as exc:
        raise UnsupportedModel(f"incomplete model directory {path}: {exc}") from exc
    types = [m.get("type", "") for m in modules]
    if types != [
        "sentence_transformers.models.Transformer",
        "sentence_transformers.models.Pooling",
        "sentence_transformers.models.Normalize",
    ]:
        raise UnsupportedModel(f"modules {types}")
    if cfg.get("model_type") != "bert" or cfg.get("hidden_act") != "gelu":
        raise UnsupportedModel(f"model_type {cfg.get('model_type')}, hidden_act {cfg.get('hidden_act')}")
    if cfg.get("position_embedding_type", "absolute") != "absolute":
        raise UnsupportedModel("position embeddings are not absolute")
    wanted = {"pooling_mode_mean_tokens": True}
    for key, value in pooling.items():
        if key.startswith("pooling_mode") and bool(value) != wanted.get(key, False):
            raise UnsupportedModel(f"pooling {pooling}")
    if not (path / "model.safetensors").is_file() or not (path / "tokenizer.json").is_file():
        raise UnsupportedModel("model.safetensors or tokenizer.json missing")
    return cfg


class MiniLM:
    """``encode(texts, batch_size, normalize_embeddings, ...)`` like ``SentenceTransformer.encode``.

    Weights are read with safetensors' numpy loader and shared with torch without a copy; torch
    itself is imported at the first ``encode``.
    """

    def __init__(self, path: Path, device: str = "cpu") -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        cfg = check_model_dir(path)
        try:
            st_cfg = _read_json(path / "sentence_bert_config.json")
        except (OSError, ValueError):
            st_cfg = {}
        self.max_seq_length = int(min(st_cfg.get("max_seq_length") or 512, cfg["max_position_embeddings"]))
        self.do_lower_case = bool(st_cfg.get("do_lower_case", False))
        self.hidden = int(cfg["hidden_size"])
        self.heads = int(cfg["num_attention_heads"])
        self.eps = float(cfg.get("layer_norm_eps", 1e-12))
        self.device = device
        self._torch: dict[str, Any] | None = None
        self._torch_lock = threading.Lock()

        tok = Tokenizer.from_file(str(path / "tokenizer.json"))
        tok.no_padding()
        tok.enable_truncation(max_length=self.max_seq_length)
        self._tokenizer = tok

        w = {
            k.removeprefix("bert."): v.astype(np.float32) for k, v in load_file(str(path / "model.safetensors")).items()
        }
        self.w: dict[str, np.ndarray] = {
            "word": w["embeddings.word_embeddings.weight"],
            "position": w["embeddings.position_embeddings.weight"],
            "token_type": w["embeddings.token_type_embeddings.weight"][0],
            "ln_w": w["embeddings.LayerNorm.weight"],
            "ln_b": w["embeddings.LayerNorm.bias"],
        }
        self.n_layers = int(cfg["num_hidden_layers"])
        for i in range(self.n_layers):
            p = f"encoder.layer.{i}."
            self.w[f"{i}.qkv_w"] = np.concatenate(
                [w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")]
            )
            self.w[f"{i}.qkv_b"] = np.concatenate(
                [w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]
            )
            for name, key in (
                ("o", "attention.output.dense"),
                ("ln1", "attention.output.LayerNorm"),
                ("i", "intermediate.dense"),
                ("d", "output.dense"),
                ("ln2", "output.LayerNorm"),
            ):
                self.w[f"{i}.{name}_w"] = w[p + key + ".weight"]
                self.w[f"{i}.{name}_b"] = w[p + key + ".bias"]

    def token_ids(self, texts: list[str], add_special_tokens: bool = True) -> list[list[int]]:
        texts = [t.lower() for t in texts] if self.do_lower_case else list(texts)
        return [e.ids for e in self._tokenizer.encode_batch(texts, add_special_tokens=add_special_tokens)]

    def _batches(self, texts: list[str], batch_size: int) -> Iterator[tuple[list[int], np.ndarray, np.ndarray]]:
        """(row indices, ids, mask) per batch, longest texts first, each batch within a token budget.

        Sentence-transformers cuts a length-sorted list into batches of ``batch_size`` rows. Here a
        batch holds at most ``batch_size * TOKENS_PER_ROW`` padded tokens (and ``2 * batch_size``
        rows): few rows of long chunks, many of short ones. On the bench corpus (median chunk 38
        tokens, longest 254) that cuts padding from 25 % to under 10 % and keeps each batch's
        activations in cache: 3.2-3.5 s against 3.8-4.9 s for fixed batches of 32, same embeddings.
        """
        ids = self.token_ids([str(t).strip() for t in texts])
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        budget = max(1, batch_size) * TOKENS_PER_ROW
        max_rows = 2 * max(1, batch_size)
        start = 0
        while start < len(order):
            width = max(1, len(ids[order[start]]))  # the longest of the batch: the list is sorted
            chunk = order[start : start + max(1, min(max_rows, budget // width))]
            start += len(chunk)
            batch = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, i in enumerate(chunk):
                batch[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1
            yield chunk, batch, mask

    def _torch_weights(self) -> dict[str, Any]:
        import torch

        with self._torch_lock:
            if self._torch is None:
                self._torch = {k: torch.from_numpy(v).to(self.device) for k, v in self.w.items()}
            return self._torch

    def _forward_numpy(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The same function as ``_forward_torch``, in float32 numpy (tests/test_minilm.py compares them)."""
        w, h, nh, eps = self.w, self.hidden, self.heads, self.eps
        b, t = ids.shape
        d = h // nh
        x = _layer_norm(w["word"][ids] + w["position"][:t] + w["token_type"], w["ln_w"], w["ln_b"], eps)
        blocked = np.where(mask[:, None, None, :] > 0, 0.0, -np.inf).astype(np.float32)  # b x 1 x 1 x t
        for i in range(self.n_layers):
            qkv = (x @ w[f"{i}.qkv_w"].T + w[f"{i}.qkv_b"]).reshape(b, t, 3, nh, d).transpose(2, 0, 3, 1, 4)
            scores = qkv[0] @ qkv[1].transpose(0, 1, 3, 2)
            scores *= np.float32(1 / math.sqrt(d))
            scores += blocked
            scores -= scores.max(-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(-1, keepdims=True)
            a = (scores @ qkv[2]).transpose(0, 2, 1, 3).reshape(b, t, h)
            x = _layer_norm(a @ w[f"{i}.o_w"].T + w[f"{i}.o_b"] + x, w[f"{i}.ln1_w"], w[f"{i}.ln1_b"], eps)
            y = x @ w[f"{i}.i_w"].T + w[f"{i}.i_b"]
            y = _gelu(y) @ w[f"{i}.d_w"].T + w[f"{i}.d_b"]
            x = _layer_norm(y + x, w[f"{i}.ln2_w"], w[f"{i}.ln2_b"], eps)
        m = mask[..., None].astype(np.float32)
        return (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)

    def runs_in_numpy(self, texts: list[str]) -> bool:
        """True when ``encode`` would use numpy: torch not imported yet, and a small encode on the CPU."""
        if "torch" in sys.modules or self.device != "cpu":
            return False
        return sum(len(i) for i in self.token_ids([str(t).strip() for t in texts])) <= NUMPY_MAX_TOKENS

    def encode_numpy(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """``encode`` in numpy (float32), whatever the size."""
        out = np.empty((len(texts), self.hidden), dtype=np.float32)
        for chunk, ids, mask in self._batches(texts, batch_size):
            vec = self._forward_numpy(ids, mask)
            out[chunk] = vec / np.maximum(np.linalg.norm(vec, axis=1, keepdims=True), 1e-12)
        return out

    def _forward_torch(self, ids: Any, mask: Any) -> Any:
        import torch
        import torch.nn.functional as F

        w, h, nh, eps = self._torch_weights(), self.hidden, self.heads, self.eps
        b, t = ids.shape
        x = w["word"][ids] + w["position"][:t] + w["token_type"]
        x = F.layer_norm(x, (h,), w["ln_w"], w["ln_b"], eps=eps)
        attend = mask.bool()[:, None, None, :]
        for i in range(self.n_layers):
            q, k, v = F.linear(x, w[f"{i}.qkv_w"], w[f"{i}.qkv_b"]).view(b, t, 3, nh, h // nh).permute(2, 0, 3, 1, 4)
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=attend).transpose(1, 2).reshape(b, t, h)
            x = F.layer_norm(
                F.linear(a, w[f"{i}.o_w"], w[f"{i}.o_b"]) + x, (h,), w[f"{i}.ln1_w"], w[f"{i}.ln1_b"], eps=eps
            )
            y = F.linear(F.gelu(F.linear(x, w[f"{i}.i_w"], w[f"{i}.i_b"])), w[f"{i}.d_w"], w[f"{i}.d_b"])
            x = F.layer_norm(y + x, (h,), w[f"{i}.ln2_w"], w[f"{i}.ln2_b"], eps=eps)
        m = mask.unsqueeze(-1).to(x.dtype)
        return ((x * m).sum(1) / torch.clamp(m.sum(1), min=1e-9)).float()

    def encode(
        self,
        texts: list[str],
        batch_size: int = 32,
        normalize_embeddings: bool = True,
        convert_to_numpy: bool = True,
        show_progress_bar: bool = False,
    ) -> np.ndarray:
        """Embeddings (numpy, float32) in the order of ``texts``, batched by length within a token budget."""
        del normalize_embeddings, convert_to_numpy, show_progress_bar  # always normalised numpy; no progress bar
        if self.runs_in_numpy(texts):
            return self.encode_numpy(texts, batch_size)
        import torch
        import torch.nn.functional as F

        out = np.empty((len(texts), self.hidden), dtype=np.float32)
        with torch.inference_mode():
            for chunk, ids, mask in self._batches(texts, batch_size):
                vec = self._forward_torch(torch.from_numpy(ids).to(self.device), torch.from_numpy(mask).to(self.device))
                # The model's own Normalize module (check_model_dir requires it): sentence-transformers
                # normalises whatever ``normalize_embeddings`` says, and so does this.
                vec = F.normalize(vec, p=2, dim=1)
                out[chunk] = vec.cpu().numpy()
        return out

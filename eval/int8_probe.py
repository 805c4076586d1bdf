"""int8 dynamic quantisation of the encoder, measured against fp32 and bf16 (issue 13; rejected).

``python -m eval.int8_probe``: Dossier's MiniLM with each linear layer's weight quantised to int8 per
output channel (symmetric, scale = max|w| / 127) and run by ``quantized.linear_dynamic`` (activations
quantised per batch, VNNI where the CPU has it). ``quantize_dynamic`` cannot be used: it replaces
``nn.Linear`` modules, and the encoder calls ``F.linear``, so the probe substitutes that function for
the duration of one encode. Prints throughput on 256 passages (best of 3, warm) and cosine to fp32 on
passages and by text length (questions are 3-15 words).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from app.settings import PROJECT_ROOT, get_settings


@contextlib.contextmanager
def int8_linear(weights: dict[str, Any]) -> Iterator[None]:
    import torch
    import torch.nn.functional as F

    packed = {}
    for name, w in weights.items():
        if name.endswith("_w") and w.dim() == 2:
            scales = (w.abs().amax(dim=1) / 127.0).clamp(min=1e-8).double()
            q = torch.quantize_per_channel(w.contiguous(), scales, torch.zeros(w.shape[0], dtype=torch.int64), 0, torch.qint8)
            packed[id(w)] = torch.ops.quantized.linear_prepack(q, weights[name[:-2] + "_b"])
    orig = F.linear

    def linear(x: Any, weight: Any, bias: Any = None) -> Any:
        p = packed.get(id(weight))
        return orig(x, weight, bias) if p is None else torch.ops.quantized.linear_dynamic(x, p)

    F.linear = linear
    try:
        yield
    finally:
        F.linear = orig


def main() -> int:
    import torch

    from app.embedding import load_encoder

    model = load_encoder(get_settings())
    words = (PROJECT_ROOT / "corpus" / "treasury-2021-12-16-eight-chinese-tech-firms.md").read_text(encoding="utf-8").split()
    passages = [" ".join(words[i % 200 : i % 200 + 180]) for i in range(256)]
    short = [" ".join(words[i : i + n]) for n in (3, 8, 15, 40) for i in range(0, min(len(words), 900), 9)]
    weights = model._torch_weights()

    def encode(mode: str, texts: list[str]) -> np.ndarray:
        ctx: Any = contextlib.nullcontext()
        if mode == "bf16":
            ctx = torch.autocast("cpu", dtype=torch.bfloat16)
        elif mode == "int8":
            ctx = int8_linear(weights)
        with ctx:
            return np.asarray(model.encode(texts, batch_size=32), dtype=np.float32)

    modes = ("fp32", "bf16", "int8")
    for m in modes:
        encode(m, passages[:32])
    best: dict[str, float] = {}
    vecs: dict[str, np.ndarray] = {}
    for _ in range(3):
        for m in modes:
            t0 = time.perf_counter()
            vecs[m] = encode(m, passages)
            best[m] = min(best.get(m, float("inf")), time.perf_counter() - t0)
    print(f"CPU capability {torch.backends.cpu.get_cpu_capability()}")
    ref_short = encode("fp32", short)
    for m in modes:
        cos = np.sum(vecs[m] * vecs["fp32"], axis=1)
        line = f"{m}: {len(passages) / best[m]:.1f} passages/s ({best['fp32'] / best[m]:.2f}x fp32), passage cosine mean {cos.mean():.5f} min {cos.min():.5f}"
        if m != "fp32":
            s_cos = np.sum(encode(m, short) * ref_short, axis=1)
            for n in (3, 8, 15, 40):
                sel = [i for i, t in enumerate(short) if len(t.split()) == n]
                line += f"; {n} words min {s_cos[sel].min():.4f}"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The hand-written MiniLM encoder (app/minilm.py) computes what sentence-transformers computes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from app.settings import get_settings
from tests.conftest import CORPUS, PY


def _model_dir() -> Path:
    from app.embedding import model_dir

    return model_dir(get_settings().cache_dir)


def _texts() -> list[str]:
    """Several hundred texts: windows of 3 to 400 words over the corpus, plus edge cases."""
    texts: list[str] = []
    for f in sorted(CORPUS.iterdir()):
        if f.is_file():
            words = f.read_text(encoding="utf-8").split()
            for i in range(0, len(words), 23):
                for n in (3, 17, 60, 400):  # 400 words: longer than 256 tokens, truncated
                    texts.append(" ".join(words[i : i + n]))
    texts += [
        "",
        " ",
        "   leading and trailing whitespace   ",
        "\tTabs\nand\nnewlines\n",
        "中国 无人机 制造商 大疆 被制裁",
        "مرحبا بالعالم",
        "Café naïve résumé — “quoted” ‘text’ …",
        "x" * 5000,
        "DJI!!! ??? <b>tag</b> &amp; [1] (2021-12-16) $1,000,000 50%",
        "UPPER CASE QUESTION ABOUT SANCTIONS?",
        "🚁 emoji drone 🚫",
    ]
    return texts


def test_model_dir_shape_is_checked(tmp_path: Path) -> None:
    from app.minilm import UnsupportedModel, check_model_dir

    src = _model_dir()
    assert check_model_dir(src)["model_type"] == "bert"
    other = tmp_path / "model"
    shutil.copytree(src, other)
    pooling = other / "1_Pooling" / "config.json"
    cfg = json.loads(pooling.read_text())
    cfg["pooling_mode_cls_token"], cfg["pooling_mode_mean_tokens"] = True, False
    pooling.write_text(json.dumps(cfg))
    with pytest.raises(UnsupportedModel):
        check_model_dir(other)


@pytest.mark.slow
def test_embeddings_equal_sentence_transformers() -> None:
    from app.embedding import load_encoder, load_sentence_transformer
    from app.minilm import MiniLM

    settings = get_settings()
    texts = _texts()
    assert len(texts) > 300
    mine = load_encoder(settings)
    assert isinstance(mine, MiniLM)
    ref = load_sentence_transformer(settings)
    expected = ref.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    for batch_size in (32, 7):
        got = mine.encode(texts, batch_size=batch_size, normalize_embeddings=True)
        assert got.shape == expected.shape and got.dtype == np.float32
        cosine = np.sum(got * expected, axis=1)
        assert cosine.min() >= 0.99999, (batch_size, texts[int(cosine.argmin())][:80], cosine.min())
        assert np.abs(got - expected).max() < 1e-4
    # The model ends in a Normalize module: normalize_embeddings=False changes nothing, in both.
    raw = mine.encode(texts[:40], normalize_embeddings=False)
    raw_ref = ref.encode(texts[:40], normalize_embeddings=False, show_progress_bar=False)
    assert np.allclose(raw, raw_ref, atol=1e-5)
    # Same tokens as the reference tokenizer (below the 256-token truncation).
    short = [t for t in texts if len(t.split()) < 100]
    assert mine.token_ids(short, add_special_tokens=False) == ref.tokenizer(short, add_special_tokens=False)["input_ids"]


@pytest.mark.slow
def test_numpy_pass_equals_sentence_transformers() -> None:
    """MiniLM's numpy pass (small encodes in a process that has not imported torch) computes the same
    embeddings as sentence-transformers, truncated, empty and non-Latin texts included."""
    from app.embedding import load_encoder, load_sentence_transformer

    settings = get_settings()
    texts = _texts()[::3]
    ref = load_sentence_transformer(settings).encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    got = load_encoder(settings).encode_numpy(texts, batch_size=32)
    assert got.shape == ref.shape and got.dtype == np.float32
    cosine = np.sum(got * ref, axis=1)
    assert cosine.min() >= 0.99999, (texts[int(cosine.argmin())][:80], cosine.min())
    assert np.abs(got - ref).max() < 1e-4


def test_gelu_is_the_exact_erf_gelu() -> None:
    import math

    from app.minilm import _gelu

    y = np.linspace(-12, 12, 20001, dtype=np.float32)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in y.astype(np.float64)])
    assert np.abs(_gelu(y) - exact).max() < 1e-6


@pytest.mark.slow
def test_a_small_encode_in_a_new_process_does_not_import_torch(tmp_path: Path) -> None:
    """One document's chunks or a question, encoded in a fresh process, take the numpy pass (no 1.3-1.7 s
    torch import); a large encode, or one after ``warm_torch``, runs in torch."""
    code = (
        "import sys\n"
        "from app.embedding import get_embedding, warm_torch\n"
        "from app.settings import get_settings\n"
        "emb = get_embedding(get_settings())\n"
        "small = emb.encode(['Why was DJI sanctioned?', 'The ministry said a new rule took effect on Monday.'])\n"
        "print('torch' in sys.modules)\n"
        "warm_torch()\n"
        "again = emb.encode(['Why was DJI sanctioned?', 'The ministry said a new rule took effect on Monday.'])\n"
        "import numpy as np\n"
        "print(float(np.min(np.sum(np.array(small) * np.array(again), axis=1))) > 0.9999)\n"
    )
    out = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.split() == ["False", "True"], out.stdout + out.stderr


@pytest.mark.slow
def test_ask_imports_no_sentence_transformers(tmp_path: Path) -> None:
    """A fresh ``dossier ask`` process must not pay for sentence-transformers/transformers/gradio."""
    code = (
        "import sys, app\n"
        "from app.embedding import get_embedding\n"
        "import app.answer.engine, app.retrieve\n"
        "from app.settings import get_settings\n"
        "get_embedding(get_settings()).encode(['Why was DJI sanctioned?'])\n"
        "heavy = [m for m in ('sentence_transformers', 'transformers', 'sklearn', 'gradio', 'llama_cpp', 'openai')"
        " if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr

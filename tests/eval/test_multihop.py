"""MultiHop-RAG suite on a slice of the dev split: runs end to end, citations are exact, retrieval holds up.

The benchmark file lives outside the project (``../shared/benchmarks``); without it the test
is skipped locally and fails on CI, where the data is expected.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from app.settings import PROJECT_ROOT, Settings
from eval import multihop_suite
from eval.report import render_markdown

BENCH_FILE = Path("shared") / "benchmarks" / "multihop-rag-500" / "queries.json"


def find_data() -> Path:
    """DOSSIER_MULTIHOP_DATA, else ``../shared`` beside this checkout, else beside the checkout it was
    cloned from (a CI clone in a temporary folder has no ``../shared`` of its own)."""
    if os.environ.get("DOSSIER_MULTIHOP_DATA"):
        return Path(os.environ["DOSSIER_MULTIHOP_DATA"])
    candidates = [PROJECT_ROOT.parent / BENCH_FILE]
    try:
        origin = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "config", "--get", "remote.origin.url"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        origin = ""
    if origin and "://" not in origin and Path(origin).is_dir():
        candidates.append(Path(origin).resolve().parent / BENCH_FILE)
    return next((c for c in candidates if c.is_file()), candidates[0])


DATA = find_data()
LIMIT = 60


@pytest.mark.slow
def test_multihop_dev_slice(tmp_path: Path) -> None:
    if not DATA.is_file():
        message = f"MultiHop-RAG data not found at {DATA} (set DOSSIER_MULTIHOP_DATA)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    settings = Settings(index_dir=tmp_path / "index")
    results = multihop_suite.run(settings, DATA, "dev", ("extractive", "writer"), limit=LIMIT, prototypes=False)
    w = results["modes"]["writer"]["metrics"]
    assert w["citation_validity"] == 1.0 and w["related_validity"] == 1.0
    # The writer commits to yes/no on comparison and temporal questions (extractive quotes never do).
    assert w["strict_accuracy"] >= 0.35, w["strict_accuracy"]

    assert results["n_queries"] == LIMIT
    assert results["corpus"]["documents"] > 300  # every article, the other queries' facts as distractors
    m = results["modes"]["extractive"]["metrics"]
    assert m["citations_checked"] + m["related_checked"] > 0
    assert m["citation_validity"] == 1.0
    assert m["related_validity"] == 1.0
    bm25 = results["baselines"]["bm25"]
    defaults = results["baselines"]["llamaindex_defaults"]
    # Regression floor, not the target: Dossier's fusion beats LlamaIndex defaults but trails BM25
    # alone on this benchmark (README, "Accuracy"); both baselines must have been measured.
    assert 0.0 < bm25["all_evidence@10"] <= 1.0 and 0.0 < defaults["all_evidence@10"] <= 1.0
    assert m["all_evidence@10"] >= defaults["all_evidence@10"] - 0.05, (m["all_evidence@10"], defaults["all_evidence@10"])
    assert m["all_evidence@10"] >= 0.5 and m["hits@10"] >= 0.9
    assert set(m["by_type"]) <= set(multihop_suite.TYPES) and "all_evidence@10" in m["by_type"]["comparison_query"]
    summary = render_markdown(results)
    assert "| dossier/extractive |" in summary and "baseline/bm25" in summary

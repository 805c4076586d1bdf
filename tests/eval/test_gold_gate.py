"""Regression gate: the gold suite's headline metrics stay above eval/thresholds.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

from app.settings import PROJECT_ROOT, Settings
from eval import gold_suite
from eval.report import render_markdown


def test_gold_suite_meets_thresholds(tmp_path: Path) -> None:
    settings = Settings(corpus_dir=PROJECT_ROOT / "corpus", index_dir=tmp_path / "index")
    results = gold_suite.run(settings, modes=("extractive",))
    m = results["modes"]["extractive"]["metrics"]
    flat = {**m, "abstention_f1": m["abstention"]["f1"]}
    floors = tomllib.loads((PROJECT_ROOT / "eval" / "thresholds.toml").read_text())["gold"]["extractive"]
    below = {k: (round(flat[k], 3), v) for k, v in floors.items() if flat[k] < v}
    assert not below, f"metrics below their floor (got, floor): {below}"
    assert m["questions"] >= 30 and m["unanswerable"] >= 8
    assert "| dossier/extractive |" in render_markdown(results)

"""Shared fixtures. Models load once per test session (module-level caches in app.embedding)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# The product's default answer mode is the local writer; tests ask in extractive mode unless they name
# a mode (tests/answer/test_writer.py, the injection and load tests run the writer explicitly).
os.environ.setdefault("DOSSIER_LLM", "extractive")

import app  # noqa: F401  (offline environment first)
from app.settings import PROJECT_ROOT, Settings
from eval.load import free_port  # noqa: F401  (re-exported: the tests start servers on it)

CORPUS = PROJECT_ROOT / "corpus"
PY = sys.executable


def make_settings(root: Path, **kw: object) -> Settings:
    (root / "corpus").mkdir(parents=True, exist_ok=True)
    return Settings(corpus_dir=root / "corpus", index_dir=root / "index", **kw)  # type: ignore[arg-type]


def copy_corpus(dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for f in CORPUS.iterdir():
        if f.is_file():
            shutil.copy2(f, dest / f.name)


@pytest.fixture
def fresh(tmp_path: Path) -> Callable[..., Settings]:
    """Settings for an empty corpus and index under tmp_path."""

    def factory(**kw: object) -> Settings:
        return make_settings(tmp_path, **kw)

    return factory


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The sample corpus ingested once for the session (read-only for tests)."""
    from app.ingest.pipeline import ingest_paths

    root = tmp_path_factory.mktemp("sample")
    settings = make_settings(root)
    copy_corpus(settings.corpus_dir)
    report = ingest_paths(settings, [settings.corpus_dir])
    assert not report.failed, report.failed
    return settings

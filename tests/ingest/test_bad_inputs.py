"""Bad input: each file is reported by path and reason, every other file is ingested."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.ingest.pipeline import ingest_paths
from app.store import get_collection
from tests.conftest import copy_corpus


def _index_sources(settings) -> set[str]:  # type: ignore[no-untyped-def]
    got = get_collection(settings).get(include=["metadatas"])
    return {m["source"] for m in got["metadatas"]}


def test_each_bad_file_is_reported_and_the_rest_ingested(fresh) -> None:  # type: ignore[no-untyped-def]
    settings = fresh(max_file_mb=20)
    corpus = settings.corpus_dir
    copy_corpus(corpus)
    bad = corpus / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (bad / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me, a note in Latin-1.\n".encode("latin-1"))
    (bad / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<>> garbage without xref\n%%EOF")
    (bad / "sheet.xlsx").write_bytes(b"PK\x03\x04 not really")
    with open(bad / "huge.txt", "wb") as fh:
        fh.write(b"A line of text that repeats.\n" * (50 * 1024 * 1024 // 29 + 1))  # 50 MB
    os.symlink(bad / "loop_b", bad / "loop_a")
    os.symlink(bad / "loop_a", bad / "loop_b")
    missing = corpus / "does-not-exist.md"

    report = ingest_paths(settings, [corpus, missing])

    reasons = {Path(f.path).name: f.error for f in report.failed}
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert "PDF" in reasons["corrupt.pdf"]
    assert "unsupported file type" in reasons["sheet.xlsx"]
    assert "too large" in reasons["huge.txt"]
    assert "symlink loop" in reasons["loop_a"] and "symlink loop" in reasons["loop_b"]
    assert "no such file" in reasons["does-not-exist.md"]
    assert report.added == 4
    assert _index_sources(settings) == {p.name for p in corpus.glob("*") if p.is_file() and not p.name.endswith(".meta.yml")}


def test_file_deleted_during_ingest(fresh) -> None:  # type: ignore[no-untyped-def]
    settings = fresh()
    copy_corpus(settings.corpus_dir)
    victim = settings.corpus_dir / "treasury-2021-12-16-eight-chinese-tech-firms.md"

    def delete_when_reached(i: int, total: int, name: str) -> None:
        if name == str(victim) and victim.exists():
            victim.unlink()  # the file vanishes after it was listed, before it is read

    report = ingest_paths(settings, [settings.corpus_dir], progress=delete_when_reached)
    assert [(Path(f.path).name, "disappeared" in f.error) for f in report.failed] == [(victim.name, True)]
    assert report.added == 3 and report.documents == 3


def test_nothing_to_ingest_exits_non_zero(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {**os.environ, "DOSSIER_INDEX_DIR": str(tmp_path / "index"), "DOSSIER_CORPUS_DIR": str(tmp_path)}
    (tmp_path / "empty.txt").write_bytes(b"")
    out = subprocess.run(
        [sys.executable, "-m", "app", "ingest", str(tmp_path / "empty.txt"), str(tmp_path / "nope.md")],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert out.returncode == 1
    assert "empty.txt: empty file" in out.stdout and "nope.md: no such file" in out.stdout


@pytest.mark.parametrize(
    "name,data",
    [
        ("nul.txt", b"text\x00with\x00nul"),
        ("bad-front-matter.md", b"---\ntitle: [unclosed\n---\nbody text here\n"),
        ("only-front-matter.md", b"---\ntitle: x\n---\n"),
        ("broken.docx", b"PK\x03\x04broken zip"),
        ("empty.html", b"<html><body><script>x()</script></body></html>"),
    ],
)
def test_loader_errors_are_clear(fresh, name: str, data: bytes) -> None:  # type: ignore[no-untyped-def]
    settings = fresh()
    path = settings.corpus_dir / name
    path.write_bytes(data)
    report = ingest_paths(settings, [path])
    assert len(report.failed) == 1 and report.failed[0].path == str(path)
    assert report.failed[0].error and "Traceback" not in report.failed[0].error

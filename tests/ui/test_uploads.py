"""Uploads: allow-listed, size-limited, de-duplicated, sanitised, and never written outside corpus/uploads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.settings import Settings
from app.ui.uploads import sanitize_name, save_upload, uploads_dir


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    (tmp_path / "corpus").mkdir()
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", upload_max_mb=0.01)


def src(tmp_path: Path, data: bytes = b"DJI was added to the Entity List.", name: str = "incoming.bin") -> Path:
    p = tmp_path / "incoming" / name
    p.parent.mkdir(exist_ok=True)
    p.write_bytes(data)
    return p


def all_files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/evil.md", "evil.md"),
        ("/etc/passwd.txt", "passwd.txt"),
        ("..\\..\\win.txt", "win.txt"),
        ("...hidden.md", "hidden.md"),
        ("my report (final) é.pdf", "my_report_final.pdf"),
        ("a/..", "upload"),
    ],
)
def test_sanitize_name(name: str, expected: str) -> None:
    assert sanitize_name(name) == expected


@pytest.mark.parametrize("name", ["../../outside.md", "/tmp/abs/outside.md", "..", "../", ".env.md", "sub/dir/x.md"])
def test_traversal_names_stay_in_uploads(tmp_path: Path, settings: Settings, name: str) -> None:
    source = src(tmp_path)
    before = all_files(tmp_path)
    stored, msg = save_upload(source, name, settings)
    after = all_files(tmp_path) - before
    if stored is None:
        assert "refused" in msg and not after
    else:
        assert stored.parent == uploads_dir(settings) and after == {stored}
        assert not stored.name.startswith(".")


def test_saved_file_and_duplicate(tmp_path: Path, settings: Settings) -> None:
    stored, msg = save_upload(src(tmp_path), "note.md", settings)
    assert stored == uploads_dir(settings) / "note.md" and "saved" in msg
    assert stored.read_bytes() == b"DJI was added to the Entity List."
    again, msg = save_upload(src(tmp_path), "other-name.txt", settings)
    assert again is None and "duplicate of uploads/note.md" in msg
    other, _ = save_upload(src(tmp_path, b"different bytes"), "note.md", settings)
    assert other == uploads_dir(settings) / "note-1.md"  # a name clash never overwrites


def test_symlink_source_rejected(tmp_path: Path, settings: Settings) -> None:
    secret = src(tmp_path, b"secret", "secret.txt")
    link = tmp_path / "link.txt"
    link.symlink_to(secret)
    stored, msg = save_upload(link, "link.txt", settings)
    assert stored is None and "symbolic link" in msg
    assert not uploads_dir(settings).exists() or not any(uploads_dir(settings).iterdir())


def test_oversize_rejected(tmp_path: Path, settings: Settings) -> None:
    stored, msg = save_upload(src(tmp_path, b"x" * 20_000), "big.txt", settings)
    assert stored is None and "too large" in msg


@pytest.mark.parametrize("name", ["run.sh", "page.svg", "x.md.exe", "noext", "data.meta.yml", "x.markdown"])
def test_disallowed_extension_rejected(tmp_path: Path, settings: Settings, name: str) -> None:
    stored, msg = save_upload(src(tmp_path), name, settings)
    assert stored is None and "not allowed" in msg


def test_empty_and_missing_rejected(tmp_path: Path, settings: Settings) -> None:
    assert save_upload(src(tmp_path, b""), "empty.txt", settings)[0] is None
    assert save_upload(tmp_path / "nope.txt", "nope.txt", settings)[0] is None


def test_symlink_planted_in_uploads_is_not_followed(tmp_path: Path, settings: Settings) -> None:
    target = tmp_path / "outside.md"
    folder = uploads_dir(settings)
    folder.mkdir(parents=True)
    (folder / "planted.md").symlink_to(target)
    stored, _ = save_upload(src(tmp_path), "planted.md", settings)
    assert not target.exists()
    assert stored is not None and stored.name == "planted-1.md" and not stored.is_symlink()
    assert os.path.realpath(stored).startswith(os.path.realpath(folder))

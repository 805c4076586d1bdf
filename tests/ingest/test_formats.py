"""HTML, PDF, DOCX and URL ingestion, through the real loaders and index."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
import yaml

from app.ingest.loaders import load_file
from app.ingest.pipeline import ingest_paths, text_path
from app.store import get_collection

ARTICLE_HTML = """<!doctype html><html><head><title>Drone makers face new curbs</title>
<meta property="og:site_name" content="Loopback Gazette"><meta name="date" content="2022-03-04">
<script>var tracking = "SCRIPT-SHOULD-NOT-BE-INDEXED";</script></head>
<body><nav><a href="/">Home</a> | <a href="/world">World</a> NAVIGATION-SHOULD-NOT-BE-INDEXED</nav>
<article><h1>Drone makers face new curbs</h1>
<p>The commerce ministry announced new export curbs on drone makers on Friday, citing national security.</p>
<p>Officials said the measures would affect components such as flight controllers and gimbals used in surveillance.</p>
<p>Industry groups said the curbs would cost manufacturers several hundred million dollars in lost sales.</p>
</article><footer>Copyright footer</footer></body></html>"""


def test_html_main_text_without_scripts_or_navigation(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(ARTICLE_HTML, encoding="utf-8")
    doc = load_file(path, path.read_bytes())
    assert "export curbs on drone makers" in doc.text
    assert "SCRIPT-SHOULD-NOT-BE-INDEXED" not in doc.text
    assert "NAVIGATION-SHOULD-NOT-BE-INDEXED" not in doc.text
    assert doc.metadata["title"] == "Drone makers face new curbs"


def _make_pdf(path: Path, pages: list[str]) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle("Sanctions briefing")
    for text in pages:
        y = 800
        for line in text.split("\n"):
            c.drawString(50, y, line)
            y -= 16
        c.showPage()
    c.save()


def test_pdf_chunks_carry_page_numbers(fresh) -> None:  # type: ignore[no-untyped-def]
    settings = fresh(chunk_size=64, chunk_overlap=0)
    pages = [
        "Page one discusses the Entity List and export controls.\nIt names several companies in detail.",
        "Page two explains the investment ban on listed firms.\nUS persons may not buy their securities.",
        "Page three covers the reaction of the Chinese Foreign Ministry.\nThe spokesperson opposed the measures.",
    ]
    pdf = settings.corpus_dir / "briefing.pdf"
    _make_pdf(pdf, pages)
    report = ingest_paths(settings, [pdf])
    assert report.added == 1, report.failed
    got = get_collection(settings).get(include=["documents", "metadatas"])
    pages_seen = {}
    for text, meta in zip(got["documents"], got["metadatas"], strict=True):
        stored = text_path(settings, meta["doc_id"]).read_text(encoding="utf-8")
        assert stored[meta["start"] : meta["end"]] == text
        pages_seen[meta["page"]] = text
    assert set(pages_seen) == {1, 2, 3}
    assert "investment ban" in pages_seen[2] and "Foreign Ministry" in pages_seen[3]
    assert got["metadatas"][0]["title"] == "Sanctions briefing"


def test_docx_is_ingested(fresh) -> None:  # type: ignore[no-untyped-def]
    import docx

    settings = fresh()
    d = docx.Document()
    d.core_properties.title = "Internal memo on drones"
    d.core_properties.author = "Research desk"
    d.add_paragraph("The memo summarises the December 2021 investment restrictions.")
    d.add_paragraph("It notes that DJI denied wrongdoing in its statement.")
    path = settings.corpus_dir / "memo.docx"
    d.save(str(path))
    report = ingest_paths(settings, [path])
    assert report.added == 1, report.failed
    meta = get_collection(settings).get(include=["metadatas"])["metadatas"][0]
    assert meta["title"] == "Internal memo on drones" and meta["publisher"] == "Research desk"


@pytest.fixture
def loopback_site(tmp_path: Path) -> Iterator[str]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "article.html").write_text(ARTICLE_HTML, encoding="utf-8")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_url_is_fetched_snapshotted_and_ingested(fresh, loopback_site: str) -> None:  # type: ignore[no-untyped-def]
    settings = fresh()
    url = f"{loopback_site}/article.html"
    report = ingest_paths(settings, [url, f"{loopback_site}/missing.html"])
    assert report.added == 1
    assert len(report.failed) == 1 and "404" in report.failed[0].error
    snaps = list((settings.corpus_dir / "web").glob("*.md"))
    assert len(snaps) == 1
    text = snaps[0].read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---")[1])
    assert front["url"] == url and front["fetched"] and front["title"] == "Drone makers face new curbs"
    assert "export curbs on drone makers" in text and "SCRIPT-SHOULD-NOT-BE-INDEXED" not in text
    meta = get_collection(settings).get(include=["metadatas"])["metadatas"][0]
    assert meta["source"] == f"web/{snaps[0].name}" and meta["url"] == url
    # The snapshot alone rebuilds the index offline.
    rebuilt = ingest_paths(settings, [settings.corpus_dir], reset=True)
    assert rebuilt.added == 1

"""A citation's text is always a verbatim slice of the document text that Dossier shows.

Small HTML, PDF (a sentence across a page break), DOCX and plain-text documents are ingested with
the real pipeline into a temporary index. For every chunk and every evidence sentence
(``split_passage``), the text must equal ``shown[start:end]``, where ``shown`` is the document's text
snapshot read back the way the UI reads it (``text_path(...).read_text``). HTML evidence must also
be found, whitespace collapsed, in the page text as an independent parser (``html.parser``) sees it,
which is how an outside evaluator checks a citation.
"""

from __future__ import annotations

import html.parser
import re
from pathlib import Path
from typing import Any

import pytest

from app.answer.evidence import split_passage
from app.ingest.loaders import load_file
from app.ingest.pipeline import ingest_paths, text_path
from app.settings import Settings
from app.store import get_collection
from app.types import Passage
from tests.conftest import make_settings

HEADING = "Drone Makers Face New Export Curbs"
FIRST_PARAGRAPH = (
    "The commerce ministry announced new export curbs on drone makers on Friday, citing national security."
)

ARTICLE_HTML = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{HEADING} | Loopback Gazette</title>
<meta property="og:site_name" content="Loopback Gazette">
<meta property="article:published_time" content="2022-03-04">
<style>.story {{ color: #222; }}</style>
<script>var tracking = "SCRIPT-SHOULD-NOT-BE-INDEXED";</script>
</head>
<body>
<div class="cookie-banner"><p>We use cookies to personalise content. <button>Accept all</button></p></div>
<nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/subscribe">Subscribe</a></nav>
<main><article>
<p class="kicker">World &amp; Trade</p>
<h1>{HEADING}</h1>
<p class="byline">By Jane Doe &middot; Reuters Staff</p>
<p>WASHINGTON (Reuters) - {FIRST_PARAGRAPH}</p>
<p>Officials said the measures would affect components such as <b>flight controllers</b> and
   <a href="/gimbals">gimbals</a> used in surveillance, and that <em>licences</em> would be reviewed.</p>
<p>Industry groups said the curbs would cost manufacturers several hundred million dollars.<br>
The ministry's statement did not name any company, but analysts expect the largest makers to be affected.</p>
<h2>Reaction abroad</h2>
<p>Foreign governments asked for talks on the new rules, according to two diplomats familiar with the matter.</p>
<ul><li>Licences for civilian drones will still be granted within thirty working days of a request</li>
<li>Exports of flight controllers to listed end users will be refused in every case</li></ul>
<p>“We will study the rules closely,” a spokesperson for one of the largest manufacturers told reporters on Saturday.</p>
</article></main>
<aside><h2>Related</h2><ul><li><a href="#">More World news</a></li></ul></aside>
<footer><p>&copy; 2022 Loopback Gazette. All rights reserved.</p></footer>
</body></html>
"""

PAGE_ONE = [
    "Sanctions briefing for the trade committee",
    "The Treasury identified eight technology firms on Thursday under the investment ban.",
    "The order prohibits purchases of their publicly traded securities by US persons.",
    "The ministry said the new rules would apply to",
]
PAGE_TWO = [
    "all exporters of surveillance equipment from the first of March next year.",
    "Officials expect the first licence decisions to be published within sixty days.",
]


class _PageText(html.parser.HTMLParser):
    """Page text as an outside evaluator sees it: all text nodes except scripts and styles."""

    BLOCKS = frozenset("p div li ul ol h1 h2 h3 h4 h5 h6 br tr td th section article".split())

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self.BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _page_text(html: str) -> str:
    parser = _PageText()
    parser.feed(html)
    parser.close()
    return _collapse("".join(parser.parts))


def _make_pdf(path: Path, pages: list[list[str]]) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle("Sanctions briefing")
    c.setAuthor("Research desk")
    for lines in pages:
        y = 800
        for line in lines:
            c.drawString(50, y, line)
            y -= 16
        c.showPage()
    c.save()


def _make_docx(path: Path) -> None:
    import docx

    d = docx.Document()
    d.core_properties.title = "Internal memo on drones"
    d.core_properties.author = "Research desk"
    d.add_heading("Internal Memo on Drone Export Controls", level=1)
    d.add_paragraph("By Jane Doe")
    d.add_paragraph(
        "BEIJING, Sept 3 (Xinhua) -- The memo summarises the December 2021 investment restrictions on eight firms."
    )
    d.add_heading("Company Responses", level=2)
    p = d.add_paragraph("It notes that DJI denied wrongdoing in its statement ")
    p.add_run("and said it would keep selling").bold = True
    p.add_run(" to customers in the United States.")
    d.add_paragraph("Analysts quoted in the memo expect further listings.\tA second tab-separated remark follows here.")
    d.save(str(path))


PLAIN_TEXT = (
    "Drone exports face new review\n\n"
    "The committee met on Tuesday to review the export licences granted last year.\r\n"
    "Members asked the ministry for a list of all pending applications by the end of the month.\r\n"
)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = make_settings(tmp_path_factory.mktemp("verbatim"), chunk_size=64, chunk_overlap=16)
    corpus = settings.corpus_dir
    (corpus / "article.html").write_text(ARTICLE_HTML, encoding="utf-8")
    _make_pdf(corpus / "briefing.pdf", [PAGE_ONE, PAGE_TWO])
    _make_docx(corpus / "memo.docx")
    (corpus / "note.txt").write_bytes(PLAIN_TEXT.encode("utf-8"))
    report = ingest_paths(settings, [corpus])
    assert not report.failed, report.failed
    assert report.added == 4
    return settings


def _chunks(settings: Settings, source: str) -> tuple[str, list[Passage]]:
    got = get_collection(settings).get(where={"source": source}, include=["documents", "metadatas"])
    assert got["ids"], source
    doc_id = got["metadatas"][0]["doc_id"]
    shown = text_path(settings, doc_id).read_text(encoding="utf-8")  # as the UI reads it
    chunks = [
        Passage.from_metadata(cid, text, meta)
        for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
    ]
    return shown, sorted(chunks, key=lambda p: p.start)


def _check_slices(shown: str, chunks: list[Passage]) -> list[Passage]:
    sentences = []
    for chunk in chunks:
        assert shown[chunk.start : chunk.end] == chunk.text
        for sentence in split_passage(chunk):
            assert shown[sentence.start : sentence.end] == sentence.text, sentence
            sentences.append(sentence)
    assert sentences
    return sentences


@pytest.mark.parametrize("source", ["article.html", "briefing.pdf", "memo.docx", "note.txt"])
def test_chunks_and_evidence_are_verbatim_slices_of_the_shown_text(ingested: Settings, source: str) -> None:
    shown, chunks = _chunks(ingested, source)
    _check_slices(shown, chunks)


def test_html_heading_and_paragraph_are_separate(ingested: Settings) -> None:
    shown, chunks = _chunks(ingested, "article.html")
    assert "SCRIPT-SHOULD-NOT-BE-INDEXED" not in shown and "color: #222" not in shown
    assert f"{HEADING}\n\n" in shown  # a block of its own, not glued to the paragraph by one newline
    sentences = _check_slices(shown, chunks)
    texts = [s.text for s in sentences]
    for text in texts:
        assert not (HEADING in text and "commerce ministry" in text), text
        assert not text.startswith(("World & Trade", "By Jane Doe", "WASHINGTON")), text
        assert "Reaction abroad" not in text, text
    assert FIRST_PARAGRAPH in texts  # the dateline is cut off the first sentence
    assert chunks[0].publisher == "Loopback Gazette" and chunks[0].title == HEADING


def test_html_evidence_is_found_by_an_independent_parser(ingested: Settings) -> None:
    shown, chunks = _chunks(ingested, "article.html")
    page = _page_text(ARTICLE_HTML)
    for sentence in _check_slices(shown, chunks):
        assert _collapse(sentence.text) in page, sentence.text
    # the list items are sentences without their bullet marker
    assert any(s.text.startswith("Licences for civilian drones") for s in _check_slices(shown, chunks))


def test_pdf_sentence_across_a_page_break_is_cut_into_exact_slices(ingested: Settings) -> None:
    shown, chunks = _chunks(ingested, "briefing.pdf")
    sentences = _check_slices(shown, chunks)
    assert {c.page for c in chunks} == {1, 2}
    before = next(s for s in sentences if s.text.startswith("The ministry said the new rules"))
    after = next(s for s in sentences if s.text.startswith("all exporters of surveillance equipment"))
    assert (before.page, after.page) == (1, 2)
    assert before.end < after.start and shown[before.start : after.end].startswith(before.text)
    assert all("Sanctions briefing for the trade committee" not in s.text for s in sentences)  # the title line


def test_docx_heading_byline_and_dateline_are_not_evidence(ingested: Settings) -> None:
    shown, chunks = _chunks(ingested, "memo.docx")
    texts = [s.text for s in _check_slices(shown, chunks)]
    assert "The memo summarises the December 2021 investment restrictions on eight firms." in texts
    assert all(not t.startswith(("Internal Memo", "By Jane Doe", "BEIJING", "Company Responses")) for t in texts), texts
    assert any("and said it would keep selling to customers" in t for t in texts)
    assert chunks[0].publisher == "Research desk"


def test_plain_text_without_sidecar_has_no_publisher(ingested: Settings) -> None:
    shown, chunks = _chunks(ingested, "note.txt")
    assert "\r" not in shown  # CRLF line ends are kept as LF, so offsets index the text the UI shows
    assert chunks[0].title == "Drone exports face new review"
    assert chunks[0].publisher == ""


def test_html_publisher_falls_back_to_application_name(tmp_path: Path) -> None:
    page = ARTICLE_HTML.replace(
        '<meta property="og:site_name" content="Loopback Gazette">',
        '<meta name="application-name" content="Gazette App">',
    )
    path = tmp_path / "app.html"
    path.write_text(page, encoding="utf-8")
    assert load_file(path, path.read_bytes()).metadata["publisher"] == "Gazette App"


def test_html_br_stays_inside_its_paragraph(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(ARTICLE_HTML, encoding="utf-8")
    text = load_file(path, path.read_bytes()).text
    assert re.search(r"several hundred million dollars\.\nThe ministry's statement", text)
    assert "flight controllers and gimbals used in surveillance" in text  # inline tags keep the sentence whole

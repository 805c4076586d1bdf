"""Report export (app/report.py) on real answers over the sample corpus: verbatim quotes, resolving
numbers, URLs, dates, the export time, and document text that cannot inject markup."""

from __future__ import annotations

import dataclasses
import html
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import docx
import pytest
from markdown_it import MarkdownIt

from app.answer.engine import ask
from app.cli import main as cli_main
from app.report import (
    ReportError,
    escape_markdown,
    report_docx,
    report_markdown,
    unescape_markdown,
    write_report,
)
from app.settings import Settings
from app.types import ABSTAIN_TEXT, Answer, Citation, SentenceCheck
from tests.conftest import CORPUS

QUESTIONS = ["Why was DJI sanctioned?", "What is the capital of France?"]
WHEN = datetime(2026, 12, 1, 10, 30, 0, tzinfo=timezone(timedelta(hours=1)))
ISO_WITH_OFFSET = re.compile(r"Exported: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
PAYLOAD = "<script>alert(1)</script> <img src=x onerror=alert(1)> [link](javascript:alert(1))"


@pytest.fixture(scope="module")
def turns(sample: Settings) -> list[Answer]:
    got = [ask(q, settings=sample) for q in QUESTIONS]
    assert not got[0].abstained and got[0].citations
    assert got[1].abstained and got[1].related
    return got


def _listed(a: Answer) -> list[Citation]:
    return a.related if a.abstained else a.citations


def _assert_verbatim(settings: Settings, c: Citation, quote: str) -> None:
    """The quote is the citation's passage, at its offsets in the stored text, and in the corpus file."""
    assert quote == c.text
    stored = (settings.index_dir / "text" / f"{c.doc_id}.txt").read_text(encoding="utf-8")
    assert stored[c.start : c.end] == quote
    original = (CORPUS / c.source).read_bytes().decode("utf-8-sig")
    assert quote in original


def _md_quotes(md: str) -> list[tuple[str, str]]:
    """(file, quote) for every block quote of the report, the quote recovered with unescape_markdown."""
    out: list[tuple[str, str]] = []
    file, block = "", None
    for line in [*md.split("\n"), ""]:
        if line == ">" or line.startswith("> "):
            block = [*(block or []), line[2:]]
            continue
        if block is not None:
            out.append((file, unescape_markdown("\n".join(block))))
            block = None
        if line.startswith("- File: "):
            file = unescape_markdown(line.removeprefix("- File: "))
    return out


def _md_turns(md: str) -> list[str]:
    return re.split(r"^## \d+\. ", md, flags=re.M)[1:]


def test_markdown_quotes_are_verbatim_slices_of_the_corpus(sample: Settings, turns: list[Answer]) -> None:
    md = report_markdown(turns, exported_at=WHEN)
    quotes = _md_quotes(md)
    expected = [c for a in turns for c in _listed(a)]
    assert len(quotes) == len(expected)
    for (file, quote), c in zip(quotes, expected, strict=True):
        assert file == c.source
        _assert_verbatim(sample, c, quote)


def test_markdown_numbers_resolve_and_metadata_is_present(turns: list[Answer]) -> None:
    md = report_markdown(turns, exported_at=WHEN)
    assert md.startswith("# Dossier report\n")
    assert "Exported: 2026-12-01T10:30:00+01:00" in md
    assert ISO_WITH_OFFSET.search(report_markdown(turns))  # the default: now, local time with its offset
    sections = _md_turns(md)
    assert len(sections) == len(turns)
    for section, a in zip(sections, turns, strict=True):
        assert unescape_markdown(section.split("\n", 1)[0]) == a.question
        body, _, sources = section.partition("### ")
        listed = [int(n) for n in re.findall(r"^\*\*\[(\d+)\]\*\*", sources, flags=re.M)]
        assert listed == list(range(1, len(_listed(a)) + 1))  # numbered per turn
        used = {int(n) for n in re.findall(r"(?<!\\)\[(\d+)\]", body)}
        assert used <= set(listed)
        for c in _listed(a):
            assert c.date in sources
            if c.url.startswith("http"):
                assert f"<{c.url}>" in sources
    answered, abstained = sections
    assert {int(n) for n in re.findall(r"(?<!\\)\[(\d+)\]", answered.partition("### ")[0])} == {
        c.n for c in turns[0].citations
    }
    bold = [html.unescape(b) for b in re.findall(r"<strong>(.*?)</strong>", MarkdownIt("commonmark").render(answered))]
    assert turns[0].direct and bold[0] == turns[0].direct  # the direct answer first, in bold
    assert ABSTAIN_TEXT in abstained and "### Related passages (not an answer)" in abstained
    assert "### Sources" not in abstained


def test_docx_quotes_are_verbatim_and_metadata_is_present(
    sample: Settings, turns: list[Answer], tmp_path: Path
) -> None:
    path = write_report(turns, tmp_path / "out" / "report.docx", exported_at=WHEN)
    doc = docx.Document(str(path))
    quotes = [p.text for p in doc.paragraphs if p.style is not None and p.style.name == "Quote"]
    expected = [c for a in turns for c in _listed(a)]
    assert len(quotes) == len(expected)
    for quote, c in zip(quotes, expected, strict=True):
        _assert_verbatim(sample, c, quote)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Exported: 2026-12-01T10:30:00+01:00" in text
    assert ABSTAIN_TEXT in text and "Related passages (not an answer)" in text
    for a in turns:
        assert a.question in text
        if not a.abstained:
            assert a.answer in text
            bold = [r.text for p in doc.paragraphs for r in p.runs if r.bold]
            assert a.direct in bold
        for c in _listed(a):
            assert f"[{c.n}] " in text and c.date in text and c.source in text
            if c.url.startswith("http"):
                assert f"URL: {c.url}" in text


def test_an_unresolved_number_is_an_error(turns: list[Answer], tmp_path: Path) -> None:
    broken = dataclasses.replace(turns[0], answer=turns[0].answer + " Another claim. [99]")
    with pytest.raises(ReportError, match=r"\[99\]"):
        report_markdown([broken])
    with pytest.raises(ReportError, match=r"\[99\]"):
        report_docx([broken], tmp_path / "r.docx")
    twice = dataclasses.replace(turns[0], citations=[*turns[0].citations, turns[0].citations[0]])
    with pytest.raises(ReportError, match="duplicate"):
        report_markdown([twice])


def test_only_md_and_docx(turns: list[Answer], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.md or \.docx"):
        write_report(turns, tmp_path / "report.txt")
    assert write_report(turns, tmp_path / "REPORT.MD").read_text(encoding="utf-8").startswith("# Dossier report")


def _hostile() -> Answer:
    quote = f"First line {PAYLOAD} & &amp;\n\n  - indented list?\n# not a heading\n1. not a list\t`code` *em* \\ end"
    c = Citation(
        n=1, doc_id="x", source="evil_<b>file</b>.md", title=f"Title {PAYLOAD}", publisher="Pub | *bold* ~~s~~",
        kind="news article", date="2021-12-16", url="javascript:alert(1)", text=quote, start=0, end=len(quote),
        score=1.0, page=3,
    )  # fmt: skip
    return Answer(
        question=f"Is this safe? {PAYLOAD}",
        answer=f"Yes. Dossier's inference: {PAYLOAD} [1] [1](javascript:alert(1))",
        abstained=False,
        citations=[c],
        sentences=[
            SentenceCheck(text="Yes.", citations=[1], supported=True, score=1.0, reason="the writer's conclusion", kind="inference"),
            SentenceCheck(text=f"Dropped {PAYLOAD}", citations=[], supported=False, score=0.1, reason="not in <b>passage</b>"),
        ],
        direct="Yes.",
        notes=[f"note {PAYLOAD}"],
    )  # fmt: skip


def test_markdown_renders_document_text_as_text_not_html() -> None:
    a = _hostile()
    md = report_markdown([a], exported_at=WHEN)
    rendered = MarkdownIt("commonmark").render(md)  # the commonmark preset passes raw HTML through
    low = rendered.lower()
    assert "<script" not in low and "<img" not in low and "<b>" not in low
    assert 'href="javascript' not in low and "<a " not in low
    assert "<h1>" in rendered and rendered.count("<h2>") == 1 and "<blockquote>" in rendered
    visible = html.unescape(rendered)
    for text in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[link](javascript:alert(1))"):
        assert visible.count(text) >= 5  # question, answer, title, quote, dropped sentence, note
    assert "evil_<b>file</b>.md" in visible and "Pub | *bold* ~~s~~" in visible
    assert "URL:" not in md  # a non-http(s) URL is not listed
    [(file, quote)] = _md_quotes(md)
    assert quote == a.citations[0].text and file == a.citations[0].source
    assert "*Dossier's inference, not a quote from the documents:*" in md
    assert "*Dropped by the verifier (1):*" in md and "not in \\<b\\>passage\\</b\\>" in md


def test_docx_holds_document_text_literally(tmp_path: Path) -> None:
    a = _hostile()
    bell = dataclasses.replace(a.citations[0], title=a.citations[0].title + "\x07\x00")  # not XML characters
    a = dataclasses.replace(a, citations=[bell])
    doc = docx.Document(str(report_docx([a], tmp_path / "r.docx", exported_at=WHEN)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert PAYLOAD in text and f"Title: Title {PAYLOAD}" in text and "\x07" not in text
    quotes = [p.text for p in doc.paragraphs if p.style is not None and p.style.name == "Quote"]
    assert quotes == [a.citations[0].text]
    assert "Dossier's inference, not a quote from the documents:" in text
    assert "URL:" not in text


@pytest.mark.parametrize(
    "text",
    ["", "plain", "\\", "\\[1]", "&#32; &amp;", "  lead\n\tx\r\ny", "- a\n+ b\n= c\n10) d\n2. e", "> q\n>\n```\n~~~"],
)
def test_unescape_inverts_escape(text: str) -> None:
    assert unescape_markdown(escape_markdown(text)) == text


def test_cli_report_bad_suffix_fails_before_asking(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli_main(["ask", "Why?", "--report", str(tmp_path / "r.pdf")]) == 2
    assert ".md or .docx" in capsys.readouterr().err
    assert not (tmp_path / "r.pdf").exists()


@pytest.mark.slow
def test_cli_ask_writes_md_and_docx_reports(sample: Settings, tmp_path: Path) -> None:
    env = {
        "DOSSIER_INDEX_DIR": str(sample.index_dir), "DOSSIER_CORPUS_DIR": str(sample.corpus_dir),
        "DOSSIER_LLM": "extractive", "PATH": "/usr/bin:/bin",
    }  # fmt: skip
    md_path = tmp_path / "report.md"
    out = subprocess.run(
        [sys.executable, "-m", "app", "ask", "-", "--report", str(md_path)],
        input="\n".join(QUESTIONS) + "\n", capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert f"report written: {md_path}" in out.stdout
    md = md_path.read_text(encoding="utf-8")
    assert ISO_WITH_OFFSET.search(md)
    assert [unescape_markdown(s.split("\n", 1)[0]) for s in _md_turns(md)] == QUESTIONS
    for file, quote in _md_quotes(md):
        assert quote in (CORPUS / file).read_bytes().decode("utf-8-sig")

    docx_path = tmp_path / "report.docx"
    out = subprocess.run(
        [sys.executable, "-m", "app", "ask", QUESTIONS[0], "--json", "--mode", "extractive", "--report", str(docx_path)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert f"report written: {docx_path}" in out.stderr  # stdout stays JSON lines
    assert len(out.stdout.splitlines()) == 1
    doc = docx.Document(str(docx_path))
    quotes = [p.text for p in doc.paragraphs if p.style is not None and p.style.name == "Quote"]
    assert quotes
    text = "\n".join(p.text for p in doc.paragraphs)
    files = re.findall(r"^File: (.+)$", text, flags=re.M)
    assert len(files) == len(quotes)
    for file, quote in zip(files, quotes, strict=True):
        assert quote in (CORPUS / file).read_bytes().decode("utf-8-sig")


def test_reports_carry_locators_and_how_each_sentence_stands(turns: list[Answer], tmp_path: Path) -> None:
    answered = next(a for a in turns if not a.abstained)
    md = report_markdown([answered], exported_at=WHEN)
    for c in answered.citations:
        assert c.paragraph and f"¶{c.paragraph}.{c.sentence}" in md  # the chip's locator, in full
    assert "*How each sentence stands:*" in md and "*Quote: verbatim from its passage:*" in md
    path = write_report([answered], tmp_path / "r.docx", exported_at=WHEN)
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "How each sentence stands:" in text and f"¶{answered.citations[0].paragraph}" in text

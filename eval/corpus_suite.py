"""The corpus suite: any folder of documents plus a questions file, scored like an analyst would.

    dossier eval --suite corpus --corpus DIR --questions FILE [--modes extractive,writer] [--limit N]

The questions file is JSON Lines, one question per line, in the format of
``shared/corpora/README.md``: ``q``, ``answerable``, ``facts`` (each fact a list of
alternative strings), ``sources`` (file names in DIR), ``type``, and optionally ``yesno``
("yes"/"no") and ``after`` (the 0-based index of the question a follow-up continues). Blank lines
are skipped and do not count as questions.

DIR is ingested into the suite's own index with ``corpus_dir=DIR`` (document ids and sources are
relative to it), and every question goes through ``app.answer.engine.ask`` (the path of the CLI
and the chat). A follow-up is asked in the conversation of the question it follows: that question is
asked first (its answer reused when it was already asked) and passed as ``history``.

Scoring, per question:

* answerable: right when the answer did not abstain, its text contains at least one alternative of
  every fact (case-insensitive, whitespace collapsed, curly quotes and dashes made straight), at
  least one citation is of a listed source (by file name), and, for yes/no questions, the answer
  commits to the right yes or no at its start (or in ``Answer.direct`` where the engine has one);
  each failure records which of these conditions failed;
* unanswerable: right when the answer abstained.

Every citation (and every "related" passage shown with an abstention) is also checked against the
file itself through an extractor independent of Dossier's loaders (raw text for .md/.txt, the
stdlib HTML parser without tags, scripts, styles and head, ``pdftotext`` in its layout and raw
reading orders or else pypdf, python-docx paragraphs): its text, whitespace collapsed, must occur in
the file's text. A citation that does not is reported with the reason: every line is in the file but
not contiguously (the loader left text out between them), or some text is not in the file at all.
Each citation must also be the exact ``[start:end]`` slice of Dossier's document text
(``eval.gold_suite.citation_valid``).

The report holds no copy of the corpus, but it quotes questions, answers and cited passages: keep
reports of corpora that must not be republished out of the repository (``--out``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from app.settings import Settings
from app.types import Answer
from eval.gold_suite import citation_valid, threshold_curve
from eval.metrics import mean, percentile, prf

FOLLOW_UP = "follow-up"
UNANSWERABLE = "unanswerable"
YES_NO = ("yes", "no")
LATENCY_KEYS = ("retrieve_ms", "answer_ms", "first_token_ms", "total_ms")
TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".text")
HTML_SUFFIXES = (".html", ".htm")

# failure reasons, in the order the report lists them
ABSTAINED = "abstained on an answerable question"
FACTS_MISSING = "facts missing"
NO_SOURCE = "no listed source cited"
YESNO_WRONG = "wrong yes/no"
YESNO_MISSING = "no yes/no committed"
ANSWERED_UNANSWERABLE = "answered an unanswerable question"
REASONS = (ABSTAINED, FACTS_MISSING, NO_SOURCE, YESNO_WRONG, YESNO_MISSING, ANSWERED_UNANSWERABLE)


class CorpusError(ValueError):
    """The corpus folder or the questions file cannot be used (the message says where and why)."""


# --- the questions file ----------------------------------------------------


@dataclass
class Question:
    index: int  # 0-based, among the questions (the `after` numbering)
    line: int  # 1-based line of the file
    q: str
    answerable: bool
    facts: list[list[str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    type: str = ""
    yesno: str | None = None
    after: int | None = None


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(s, str) and s.strip() for s in value)


def parse_question(obj: Any, index: int, line: int, where: str) -> Question:
    def bad(msg: str) -> CorpusError:
        return CorpusError(f"{where}:{line}: {msg}")

    if not isinstance(obj, dict):
        raise bad("expected a JSON object")
    q = obj.get("q")
    if not isinstance(q, str) or not q.strip():
        raise bad('"q" (the question) is missing or empty')
    answerable = obj.get("answerable")
    if not isinstance(answerable, bool):
        raise bad('"answerable" must be true or false')
    facts = obj.get("facts", [])
    if not isinstance(facts, list) or not all(_str_list(f) and f for f in facts):
        raise bad('"facts" must be a list of facts, each a non-empty list of alternative strings')
    sources = obj.get("sources", [])
    if not _str_list(sources):
        raise bad('"sources" must be a list of file names')
    if answerable and not facts:
        raise bad('an answerable question needs at least one fact in "facts"')
    if answerable and not sources:
        raise bad('an answerable question needs at least one file name in "sources"')
    yesno = obj.get("yesno")
    if yesno is not None and (not isinstance(yesno, str) or yesno.strip().lower() not in YES_NO):
        raise bad('"yesno" must be "yes" or "no"')
    after = obj.get("after")
    if after is not None and (isinstance(after, bool) or not isinstance(after, int) or after < 0 or after == index):
        raise bad(f'"after" must be the 0-based index of another question (got {after!r})')
    qtype = obj.get("type")
    if qtype is not None and (not isinstance(qtype, str) or not qtype.strip()):
        raise bad('"type" must be a non-empty string')
    if not qtype:
        qtype = FOLLOW_UP if after is not None else ("factoid" if answerable else UNANSWERABLE)
    return Question(
        index=index,
        line=line,
        q=q.strip(),
        answerable=answerable,
        facts=[list(f) for f in facts],
        sources=list(sources),
        type=qtype.strip(),
        yesno=yesno.strip().lower() if isinstance(yesno, str) else None,
        after=after,
    )


def load_questions(path: Path, corpus: Path | None = None) -> list[Question]:
    """Parse and check the questions file; a CorpusError names the line at fault."""
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"questions file not found: {path}")
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"cannot read the questions file {path}: {exc}") from exc
    out: list[Question] = []
    for lineno, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{path}:{lineno}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
        out.append(parse_question(obj, len(out), lineno, str(path)))
    if not out:
        raise CorpusError(f"the questions file holds no questions: {path}")
    for q in out:
        if q.after is not None and q.after >= len(out):
            raise CorpusError(f"{path}:{q.line}: \"after\" is {q.after} but the file holds {len(out)} questions (0-based)")
    for q in out:  # no follow-up cycles
        seen = {q.index}
        cur = q
        while cur.after is not None:
            if cur.after in seen:
                raise CorpusError(f"{path}:{q.line}: follow-up chain loops back on itself")
            seen.add(cur.after)
            cur = out[cur.after]
    if corpus is not None:
        names = {p.name for p in Path(corpus).rglob("*") if p.is_file()}
        for q in out:
            missing = [s for s in q.sources if Path(s).name not in names]
            if missing:
                raise CorpusError(f"{path}:{q.line}: source not found in {corpus}: {', '.join(missing)}")
    return out


def check_corpus(corpus: Path) -> None:
    if not Path(corpus).exists():
        raise CorpusError(f"corpus folder not found: {corpus}")
    if not Path(corpus).is_dir():
        raise CorpusError(f"the corpus must be a folder of documents: {corpus}")
    if not any(p.is_file() for p in Path(corpus).rglob("*")):
        raise CorpusError(f"the corpus folder holds no files: {corpus}")


# --- scoring ---------------------------------------------------------------

_CHARS = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    }
)  # fmt: skip


def normalise(text: str) -> str:
    """Lowercase, NFKC, straight quotes and apostrophes, plain hyphens for dashes, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_CHARS).lower().split())


def fact_found(alternatives: Sequence[str], text: str) -> bool:
    t = normalise(text)
    return any(normalise(a) in t for a in alternatives if normalise(a))


_LEAD = re.compile(r"^[\s*_#>~`\"'\u201c\u2018(\[-]*(yes|no)(?![^\W_])", re.IGNORECASE)


def committed_yes_no(text: str) -> str | None:
    """'yes'/'no' when the text starts with that word (markdown emphasis and quotes ignored), else None."""
    m = _LEAD.match(text or "")
    return m.group(1).lower() if m else None


def answer_yes_no(a: Answer) -> str | None:
    direct = getattr(a, "direct", "") or ""
    return committed_yes_no(direct) if isinstance(direct, str) and committed_yes_no(direct) else committed_yes_no(a.answer)


def same_file(path: str, name: str) -> bool:
    path, name = path.replace("\\", "/"), name.replace("\\", "/")
    return bool(path) and (path == name or path.endswith("/" + name) or Path(path).name == Path(name).name)


def cites_a_source(q: Question, a: Answer) -> bool:
    return any(same_file(c.source, s) or same_file(c.doc_id, s) for c in a.citations for s in q.sources)


def judge(q: Question, a: Answer) -> tuple[bool, list[str], dict[str, Any]]:
    """(right, failure reasons, details) for one answer."""
    details: dict[str, Any] = {}
    if not q.answerable:
        return a.abstained, ([] if a.abstained else [ANSWERED_UNANSWERABLE]), details
    if a.abstained:
        return False, [ABSTAINED], {"facts_missing": [f[0] for f in q.facts]}
    reasons = []
    missing = [f for f in q.facts if not fact_found(f, a.answer)]
    details["facts_missing"] = [" / ".join(f) for f in missing]
    if missing:
        reasons.append(FACTS_MISSING)
    if not cites_a_source(q, a):
        reasons.append(NO_SOURCE)
    if q.yesno:
        said = answer_yes_no(a)
        details["yes_no"] = said
        if said is None:
            reasons.append(YESNO_MISSING)
        elif said != q.yesno:
            reasons.append(YESNO_WRONG)
    return not reasons, reasons, details


# --- independent text extraction and citation checks --------------------------


def squash(text: str) -> str:
    return " ".join(text.split())


class _HTMLText(HTMLParser):
    """Text of an HTML page without tags, <script>, <style>, <head> (and <template>, <noscript>)."""

    SKIP = frozenset({"script", "style", "head", "template", "noscript"})
    BLOCK = frozenset(
        "address article aside blockquote br dd details dialog div dl dt fieldset figcaption figure footer form "
        "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th thead tr ul "
        "body html title option caption".split()
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_text(raw: str) -> str:
    p = _HTMLText()
    p.feed(raw)
    p.close()
    return "".join(p.parts)


def pdf_texts(path: Path) -> tuple[str, list[str]]:
    """pdftotext in its two reading orders (layout-guessed, and content-stream with -raw): a page's note
    line drawn last reads first in one and last in the other. Without pdftotext, pypdf."""
    exe = shutil.which("pdftotext")
    if exe:
        out = []
        for extra in ([], ["-raw"]):
            done = subprocess.run([exe, *extra, "-enc", "UTF-8", str(path), "-"], capture_output=True, timeout=120)
            if done.returncode == 0:
                out.append(done.stdout.decode("utf-8", errors="replace"))
        if out:
            return "pdftotext", out
    from pypdf import PdfReader

    return "pypdf", ["\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)]


def docx_text(path: Path) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def independent_text(path: Path) -> tuple[str, list[str]] | None:
    """(extractor, texts) of a file, read without Dossier's loaders (several texts where the extractor
    has several reading orders; a citation must occur in one of them); None for other formats."""
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return "raw", [path.read_bytes().decode("utf-8-sig", errors="replace")]
    if suffix in HTML_SUFFIXES:
        return "html.parser", [html_text(path.read_bytes().decode("utf-8", errors="replace"))]
    if suffix == ".pdf":
        return pdf_texts(path)
    if suffix == ".docx":
        return "python-docx", [docx_text(path)]
    return None


_BULLET = re.compile(r"^\s*(?:[-*+\u2022]|\d+[.)])\s+")
GAP = "not contiguous in the file (every line is there: text left out between them, or another reading order)"
ALTERED = "text not in the file"


def verbatim_problem(text: str, texts: Sequence[str]) -> tuple[str, str] | None:
    """None when the text, whitespace collapsed, occurs in one of the file's texts; else (reason, first
    line not found). Lines are compared without a leading list bullet a loader may have added."""
    t = squash(text)
    if t and any(t in ft for ft in texts):
        return None
    lines = [squash(_BULLET.sub("", ln)) for ln in text.splitlines()]
    missing = next((ln for ln in lines if ln and not any(ln in ft for ft in texts)), None)
    return (GAP, "") if missing is None and t else (ALTERED, missing or t)


class CitationChecker:
    """Checks citations against the corpus files (extracted once per file) and Dossier's own document text."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cache: dict[str, tuple[str, list[str]] | None] = {}

    def file_text(self, source: str) -> tuple[str, list[str]] | None:
        if source not in self.cache:
            path = Path(source) if Path(source).is_absolute() else self.settings.corpus_dir / source
            try:
                got = independent_text(path)
            except Exception as exc:  # an unreadable file: every citation of it fails, with the reason
                got = (f"error: {type(exc).__name__}: {exc}", [])
            self.cache[source] = None if got is None else (got[0], [squash(t) for t in got[1]])
        return self.cache[source]

    def check(self, c: Any) -> dict[str, Any]:
        got = self.file_text(c.source)
        problem = None if got is None else verbatim_problem(c.text, got[1])
        return {
            "source": c.source,
            "page": c.page,
            "extractor": got[0] if got else None,
            "verbatim": None if got is None else problem is None,  # None: no independent extractor for this format
            "problem": problem[0] if problem else "",
            "not_found": problem[1][:200] if problem else "",
            "exact_slice": citation_valid(c, self.settings),
            "text": c.text,
        }


# --- asking ------------------------------------------------------------------

AskFn = Callable[[str, list[tuple[str, str]]], Answer]


def ask_all(
    questions: Sequence[Question],
    ask_fn: AskFn,
    chosen: Sequence[int] | None = None,
    progress: Callable[[Question], None] | None = None,
) -> tuple[dict[int, Answer], dict[int, list[tuple[str, str]]], set[int]]:
    """Ask the chosen questions (default: all) in file order; a follow-up's earlier questions are asked
    first, once, and its history is that conversation, oldest turn first. Returns the answers by index,
    the history each was asked with, and the indexes asked only as context for a follow-up."""
    by_index = {q.index: q for q in questions}
    answers: dict[int, Answer] = {}
    histories: dict[int, list[tuple[str, str]]] = {}
    order = list(chosen) if chosen is not None else [q.index for q in questions]

    def get(i: int) -> Answer:
        if i in answers:
            return answers[i]
        q = by_index[i]
        history: list[tuple[str, str]] = []
        if q.after is not None:
            prev = get(q.after)
            history = [*histories[q.after], (by_index[q.after].q, prev.answer)]
        if progress:
            progress(q)
        answers[i] = ask_fn(q.q, history)
        histories[i] = history
        return answers[i]

    for i in order:
        get(i)
    context_only = set(answers) - set(order)
    return answers, histories, context_only


# --- records and metrics ------------------------------------------------------


def score_record(q: Question, a: Answer, history: list[tuple[str, str]], checker: CitationChecker | None) -> dict[str, Any]:
    right, reasons, details = judge(q, a)
    checks = [checker.check(c) for c in a.citations] if checker else []
    related = [checker.check(c) for c in a.related] if checker else []
    return {
        "index": q.index,
        "line": q.line,
        "type": q.type,
        "question": q.q,
        "answerable": q.answerable,
        "after": q.after,
        "history": [h[0] for h in history],
        "right": right,
        "reasons": reasons,
        **details,
        "expected_yes_no": q.yesno,
        "sources": q.sources,
        "abstained": a.abstained,
        "confidence": a.confidence,
        "answer": a.answer,
        "direct": getattr(a, "direct", "") or "",
        "cited_sources": sorted({c.source for c in a.citations}),
        "citations": checks,
        "related": related,
        "timings": dict(a.timings),
        "notes": list(a.notes),
        "dropped": [{"text": s.text, "kind": s.kind, "reason": s.reason} for s in a.sentences if not s.supported],
    }


def _lat(records: Sequence[dict[str, Any]]) -> dict[str, dict[str, float]]:
    return {
        k: {"p50": percentile(vals, 50), "p95": percentile(vals, 95)}
        for k in LATENCY_KEYS
        if (vals := [r["timings"][k] for r in records if k in r.get("timings", {})])
    }


def _score(rs: Sequence[dict[str, Any]]) -> float:
    return mean(float(r["right"]) for r in rs)


def aggregate(records: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in records if r["answerable"]]
    unanswerable = [r for r in records if not r["answerable"]]
    no_follow = [r for r in records if r["type"] != FOLLOW_UP and r["after"] is None]
    cits = [c for r in records for c in r["citations"]]
    rel = [c for r in records for c in r["related"]]
    checked = [c for c in cits if c["verbatim"] is not None]
    reasons = Counter(x for r in records for x in r["reasons"])
    missing_facts = Counter(f for r in records if FACTS_MISSING in r["reasons"] for f in r.get("facts_missing", []))
    out: dict[str, Any] = {
        "questions": len(records),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "follow_ups": len(records) - len(no_follow),
        "score": _score(records),
        "score_without_follow_ups": _score(no_follow),
        "right": sum(r["right"] for r in records),
        "answerable_right": _score(answerable) if answerable else None,
        "answerable_right_n": sum(r["right"] for r in answerable),
        "unanswerable_abstained": mean(float(r["abstained"]) for r in unanswerable) if unanswerable else None,
        "unanswerable_abstained_n": sum(r["abstained"] for r in unanswerable),
        "abstention": prf([r["abstained"] for r in records], [not r["answerable"] for r in records]),
        "abstain_right_on_answerable": mean(float(not r["abstained"]) for r in answerable),
        "citations_checked": len(cits),
        "citation_validity": mean(float(c["exact_slice"]) for c in cits) if cits else 1.0,
        "citation_verbatim": mean(float(c["verbatim"]) for c in checked) if checked else 1.0,
        "non_verbatim_citations": sum(c["verbatim"] is False for c in cits),
        "non_verbatim_gap": sum(c["problem"] == GAP for c in cits),
        "non_verbatim_altered": sum(c["problem"] == ALTERED for c in cits),
        "inexact_citations": sum(not c["exact_slice"] for c in cits),
        "unchecked_citations": len(cits) - len(checked),
        "related_checked": len(rel),
        "related_non_verbatim": sum(c["verbatim"] is False for c in rel),
        "related_inexact": sum(not c["exact_slice"] for c in rel),
        "failure_reasons": {k: reasons[k] for k in REASONS if reasons[k]},
        "facts_missing_most": dict(missing_facts.most_common(10)),
        "latency_ms": _lat(records),
        "by_type": {},
    }
    for t in sorted({r["type"] for r in records}):
        rs = [r for r in records if r["type"] == t]
        bt: dict[str, Any] = {"n": len(rs), "right": sum(r["right"] for r in rs), "score": _score(rs)}
        bt["abstained"] = mean(float(r["abstained"]) for r in rs)
        n_c = [c for r in rs for c in r["citations"]]
        bt["non_verbatim"] = sum(c["verbatim"] is False for c in n_c)
        out["by_type"][t] = bt
    return out


def failures(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in records:
        if r["right"]:
            continue
        f = {"index": r["index"], "line": r["line"], "type": r["type"], "question": r["question"], "reasons": r["reasons"]}
        if r.get("facts_missing") and FACTS_MISSING in r["reasons"]:
            f["facts_missing"] = r["facts_missing"]
        if r["expected_yes_no"]:
            f["yes_no"] = f"expected {r['expected_yes_no']}, got {r.get('yes_no') or 'none'}"
        if NO_SOURCE in r["reasons"]:
            f["cited"] = r["cited_sources"]
        f["answer"] = r["answer"]
        out.append(f)
    return out


def non_verbatim(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in records:
        for kind in ("citations", "related"):
            for c in r[kind]:
                if c["verbatim"] is False or not c["exact_slice"]:
                    out.append(
                        {
                            "index": r["index"],
                            "kind": kind,
                            "source": c["source"],
                            "page": c["page"],
                            "extractor": c["extractor"],
                            "verbatim": c["verbatim"],
                            "exact_slice": c["exact_slice"],
                            "problem": c["problem"],
                            "not_found": c["not_found"],
                            "text": c["text"],
                        }
                    )
    return out


# --- the run -----------------------------------------------------------------


def build_index(settings: Settings, corpus: Path) -> dict[str, Any]:
    from app.ingest.pipeline import ingest_paths

    t0 = time.perf_counter()
    report = ingest_paths(settings, [corpus], reset=True)
    out = report.to_dict()
    out.pop("doc_ids", None)
    out["build_s"] = round(time.perf_counter() - t0, 2)
    if not report.documents:
        raise CorpusError(f"nothing in {corpus} could be ingested: {out['failed'][:5]}")
    return out


def run(
    settings: Settings,
    corpus: Path,
    questions_path: Path,
    modes: tuple[str, ...] = ("extractive",),
    limit: int = 0,
) -> dict[str, Any]:
    from tqdm import tqdm

    from app.answer.engine import ask

    corpus = Path(corpus).resolve()
    check_corpus(corpus)
    questions = load_questions(questions_path, corpus)
    chosen = [q.index for q in questions][: limit or None]
    wanted = set(chosen)
    settings = settings.model_copy(update={"corpus_dir": corpus})
    ingest = build_index(settings, corpus)
    results: dict[str, Any] = {
        "suite": "corpus",
        "corpus": str(corpus),
        "questions_file": str(questions_path),
        "n_queries": len(chosen),
        "ingest": ingest,
        "modes": {},
    }
    for mode in modes:
        s = settings.model_copy(update={"llm": mode})
        ask("warm-up question about the documents", settings=s)  # load models outside the timings
        bar = tqdm(total=len(chosen), desc=f"corpus/{mode}", unit="q", disable=False)

        def ask_fn(text: str, history: list[tuple[str, str]], s: Settings = s) -> Answer:
            return ask(text, settings=s, filters=None, history=history or None)

        t0 = time.perf_counter()
        answers, histories, context = ask_all(questions, ask_fn, chosen, progress=lambda q, bar=bar: bar.update(q.index in wanted))
        bar.close()
        seconds = time.perf_counter() - t0
        checker = CitationChecker(s)
        records = [score_record(questions[i], answers[i], histories[i], checker) for i in chosen]
        agg = aggregate(records)
        agg["seconds"] = seconds
        agg["asked_for_context_only"] = sorted(context)
        curve = threshold_curve(records)
        results["modes"][mode] = {
            "metrics": agg,
            "failures": failures(records),
            "non_verbatim": non_verbatim(records),
            "threshold_curve": curve,
            "records": records,
        }
    return results

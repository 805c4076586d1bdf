"""The corpus suite: its scorer on hand-made answers (fast), and the gate on the shared dev corpus (slow).

The dev corpus lives outside the project (``../shared/corpora``: read in place, never copied into the
repository); without it the slow test is skipped locally and fails on CI, where it is expected.
"""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from pathlib import Path

import pytest

from app.settings import PROJECT_ROOT, Settings
from app.types import Answer, Citation
from eval import corpus_suite as cs
from eval.report import render_markdown

CORPORA = Path("shared") / "corpora"


def find_corpora() -> Path:
    """DOSSIER_CORPORA, else ``../shared/corpora`` beside this checkout, else beside the checkout it was
    cloned from (a CI clone in a temporary folder has no ``../shared`` of its own)."""
    if os.environ.get("DOSSIER_CORPORA"):
        return Path(os.environ["DOSSIER_CORPORA"])
    candidates = [PROJECT_ROOT.parent / CORPORA]
    try:
        origin = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "config", "--get", "remote.origin.url"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        origin = ""
    if origin and "://" not in origin and Path(origin).is_dir():
        candidates.append(Path(origin).resolve().parent / CORPORA)
    return next((c for c in candidates if (c / "tiktok.questions.jsonl").is_file()), candidates[0])


CORPORA_DIR = find_corpora()


# --- fast: the scorer ---------------------------------------------------------


def cit(source: str, text: str = "passage", n: int = 1) -> Citation:
    return Citation(n, "abc123", source, "t", "p", "k", "2025-01-01", "", text, 0, len(text), 0.5)


def ans(text: str, *sources: str, abstained: bool = False, **extra: object) -> Answer:
    a = Answer(question="q", answer=text, abstained=abstained, citations=[cit(s) for s in sources], timings={"total_ms": 5.0})
    for k, v in extra.items():
        setattr(a, k, v)
    return a


def question(**kw: object) -> cs.Question:
    base: dict[str, object] = {"q": "Q?", "answerable": True, "facts": [["75 days"]], "sources": ["eo.md"], "type": "number"}
    base.update(kw)
    return cs.parse_question(base, 0, 1, "questions.jsonl")


def test_committed_yes_no() -> None:
    assert cs.committed_yes_no("Yes, it did [1].") == "yes"
    assert cs.committed_yes_no("  **No.** The order came later [2].") == "no"
    assert cs.committed_yes_no("_no_ — it used 75 days") == "no"
    assert cs.committed_yes_no("Not really, it was 75 days.") is None
    assert cs.committed_yes_no("Nobody said so.") is None
    assert cs.committed_yes_no("The order gave 75 days; no, not 90.") is None
    assert cs.committed_yes_no("") is None


def test_yes_no_question() -> None:
    q = question(facts=[["75 days"], ["90 days"]], yesno="no", type="comparison-yes-no")
    assert cs.judge(q, ans("**No.** It gave 75 days, not the 90 days allowed [1].", "sub/eo.md"))[0]
    right, reasons, details = cs.judge(q, ans("Yes: 75 days of the 90 days [1].", "eo.md"))
    assert not right and reasons == [cs.YESNO_WRONG] and details["yes_no"] == "yes"
    assert cs.judge(q, ans("It gave 75 days out of 90 days [1].", "eo.md"))[1] == [cs.YESNO_MISSING]
    # an engine's separate direct answer counts when it commits
    assert cs.judge(q, ans("It gave 75 days out of 90 days [1].", "eo.md", direct="No"))[0]


def test_fact_alternatives_and_normalisation() -> None:
    q = question(facts=[["without any due process", "no due process"], ["shocked"]], sources=["newsweek.html"])
    assert cs.judge(q, ans("TikTok was SHOCKED: the order came with no\n  due process [1].", "newsweek.html"))[0]
    right, reasons, details = cs.judge(q, ans("TikTok was shocked [1].", "newsweek.html"))
    assert not right and reasons == [cs.FACTS_MISSING]
    assert details["facts_missing"] == ["without any due process / no due process"]
    # curly apostrophes and dashes in answer or fact are compared straight
    q2 = question(facts=[["china's ministry - of commerce"]], sources=["a.md"])
    assert cs.judge(q2, ans("China’s Ministry – of Commerce said [1].", "a.md"))[0]


def test_sources_abstention_and_unanswerable() -> None:
    q = question()
    right, reasons, _ = cs.judge(q, ans("It gave 75 days [1].", "other.md"))
    assert not right and reasons == [cs.NO_SOURCE]
    assert cs.judge(q, ans("It gave 75 days [1].", "folder/eo.md"))[0]
    assert cs.judge(q, ans("", abstained=True))[1] == [cs.ABSTAINED]
    u = question(answerable=False, facts=[], sources=[], type="unanswerable")
    assert cs.judge(u, ans("The documents do not answer this question.", abstained=True)) == (True, [], {})
    assert cs.judge(u, ans("Merrick Garland [1].", "eo.md"))[1] == [cs.ANSWERED_UNANSWERABLE]


def _write(tmp_path: Path, rows: list[object]) -> Path:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_follow_up_ordering(tmp_path: Path) -> None:
    rows = [
        {"q": "Follow-up of 2?", "answerable": True, "facts": [["b"]], "sources": ["a.md"], "type": "follow-up", "after": 2},
        {"q": "Alone?", "answerable": False, "facts": [], "sources": [], "type": "unanswerable"},
        {"q": "First?", "answerable": True, "facts": [["a"]], "sources": ["a.md"], "type": "factoid"},
        "",
        {"q": "Second follow-up of 2?", "answerable": True, "facts": [["c"]], "sources": ["a.md"], "type": "follow-up", "after": 2},
        {"q": "Follow-up of 4?", "answerable": True, "facts": [["d"]], "sources": ["a.md"], "after": 3},
    ]
    qs = cs.load_questions(_write(tmp_path, rows))
    assert [q.line for q in qs] == [1, 2, 3, 5, 6] and qs[4].type == cs.FOLLOW_UP
    calls: list[tuple[str, list[tuple[str, str]]]] = []

    def fake(text: str, history: list[tuple[str, str]]) -> Answer:
        calls.append((text, history))
        return ans(f"answer to {text}", "a.md")

    answers, histories, context = cs.ask_all(qs, fake)
    assert [c[0] for c in calls] == ["First?", "Follow-up of 2?", "Alone?", "Second follow-up of 2?", "Follow-up of 4?"]
    assert histories[0] == [("First?", "answer to First?")] and histories[2] == []
    assert histories[4] == [("First?", "answer to First?"), ("Second follow-up of 2?", "answer to Second follow-up of 2?")]
    assert not context and len(answers) == 5
    # with a limit, the question a follow-up continues is still asked, as context only
    calls.clear()
    _, _, context = cs.ask_all(qs, fake, chosen=[0])
    assert [c[0] for c in calls] == ["First?", "Follow-up of 2?"] and context == {2}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("{not json", "not valid JSON"),
        ({"answerable": True, "facts": [["a"]], "sources": ["a.md"]}, '"q"'),
        ({"q": "x", "answerable": "yes", "facts": [], "sources": []}, '"answerable"'),
        ({"q": "x", "answerable": True, "facts": ["a"], "sources": ["a.md"]}, '"facts"'),
        ({"q": "x", "answerable": True, "facts": [["a"]], "sources": []}, '"sources"'),
        ({"q": "x", "answerable": True, "facts": [["a"]], "sources": ["a.md"], "yesno": "maybe"}, '"yesno"'),
        ({"q": "x", "answerable": True, "facts": [["a"]], "sources": ["a.md"], "after": 7}, '"after"'),
        ({"q": "x", "answerable": True, "facts": [["a"]], "sources": ["missing.md"]}, "source not found"),
    ],
)
def test_malformed_questions_name_the_line(tmp_path: Path, row: object, message: str) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("a b c d\n")
    good = {"q": "ok", "answerable": False, "facts": [], "sources": []}
    path = _write(tmp_path, [good, "", row])
    with pytest.raises(cs.CorpusError, match=r"q\.jsonl:3: ") as err:
        cs.load_questions(path, tmp_path / "docs")
    assert message in str(err.value)


def test_missing_inputs(tmp_path: Path) -> None:
    with pytest.raises(cs.CorpusError, match="questions file not found"):
        cs.load_questions(tmp_path / "nope.jsonl")
    with pytest.raises(cs.CorpusError, match="corpus folder not found"):
        cs.check_corpus(tmp_path / "nope")
    from eval.run import main

    assert main(["--suite", "corpus", "--corpus", str(tmp_path / "nope"), "--questions", str(tmp_path / "q.jsonl")]) == 2
    assert main(["--suite", "corpus"]) == 2


def test_independent_html_text() -> None:
    page = (
        "<html><head><title>Head title</title><style>p{}</style></head><body><nav>Home</nav>"
        "<script>var x = 'Injected';</script><p>TikTok &amp; <em>ByteDance</em> said</p><p>it was shocked.</p></body></html>"
    )
    text = cs.squash(cs.html_text(page))
    assert "TikTok & ByteDance said it was shocked." in text
    assert "Head title" not in text and "Injected" not in text and "p{}" not in text


# --- slow: the gate on the dev corpus --------------------------------------------


@pytest.mark.slow
def test_corpus_dev_meets_thresholds(tmp_path: Path) -> None:
    corpus, questions = CORPORA_DIR / "tiktok", CORPORA_DIR / "tiktok.questions.jsonl"
    if not questions.is_file() or not corpus.is_dir():
        message = f"dev corpus not found at {CORPORA_DIR} (set DOSSIER_CORPORA)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    settings = Settings(index_dir=tmp_path / "index")
    results = cs.run(settings, corpus, questions, ("extractive", "writer"))
    assert results["ingest"]["documents"] == 24 and not results["ingest"]["failed"]
    table = tomllib.loads((PROJECT_ROOT / "eval" / "thresholds.toml").read_text())["corpus_dev"]
    for mode in ("extractive", "writer"):
        m = results["modes"][mode]["metrics"]
        assert m["questions"] == 50 and m["unanswerable"] == 10 and m["follow_ups"] == 3
        flat = {**m, "abstention_f1": m["abstention"]["f1"]}
        below = {k: (round(flat[k], 3), v) for k, v in table[mode].items() if flat[k] < v}
        assert not below, f"{mode}: metrics below their floor (got, floor): {below}; non-verbatim: {results['modes'][mode]['non_verbatim']}"
    summary = render_markdown(results)
    assert "| dossier/extractive |" in summary and "## Failures (extractive)" in summary

"""The answer engine on the real sample corpus: citations, verification, abstention, filters."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import pytest

from app.answer import compose
from app.answer.align import ClaimCheck
from app.answer.engine import AskError, Prepared, _complete_premises, ask, only_restates, prepare, standalone_question
from app.answer.evidence import Evidence
from app.answer.text import sentence_spans
from app.retrieve import Filters
from app.settings import Settings
from app.types import ABSTAIN_TEXT, Passage


def _doc_text(settings: Settings, doc_id: str) -> str:
    return (settings.index_dir / "text" / f"{doc_id}.txt").read_text(encoding="utf-8")


def test_dji_question_is_answered_with_verbatim_citations(sample: Settings) -> None:
    a = ask("Why was DJI sanctioned?", settings=sample)
    assert not a.abstained
    assert a.citations and [c.n for c in a.citations] == list(range(1, len(a.citations) + 1))
    for c in a.citations:
        assert _doc_text(sample, c.doc_id)[c.start : c.end] == c.text
        raw = (sample.corpus_dir / c.source).read_bytes().decode("utf-8-sig")
        assert raw[c.start : c.end] == c.text  # the exact passage of the corpus file
        assert f"[{c.n}]" in a.answer
    assert "Uyghur" in a.answer or "Xinjiang" in a.answer
    for s in a.sentences:
        if s.supported:
            assert s.citations and all(f"[{n}]" in s.text for n in s.citations)
    assert set(a.timings) >= {"retrieve_ms", "answer_ms", "total_ms"}


def test_who_said_what_is_attributed(sample: Settings) -> None:
    a = ask("What did China's Foreign Ministry say about the US sanctions?", settings=sample)
    assert not a.abstained
    assert "Zhao Lijian" in a.answer
    assert a.answer.startswith("According to ")


@pytest.mark.parametrize(
    "question", ["What is the capital of France?", "What was DJI's revenue in 2021?", "Who won the 2018 FIFA World Cup?"]
)
def test_unanswerable_questions_abstain_with_related_passages(sample: Settings, question: str) -> None:
    a = ask(question, settings=sample)
    assert a.abstained and a.answer == ABSTAIN_TEXT
    assert a.citations == []
    assert a.related  # the closest passages, listed apart from citations


def test_filters_restrict_retrieval(sample: Settings) -> None:
    only_bis = Filters(sources=["bis-2020-12-22-entity-list-additions.md"])
    a = ask("Why was DJI added to the Entity List?", settings=sample, filters=only_bis)
    assert a.citations and {c.source for c in a.citations} == {"bis-2020-12-22-entity-list-additions.md"}
    treasury = Filters(publishers=["U.S. Department of the Treasury, Office of Foreign Assets Control (OFAC)"])
    # Asked in the filtered documents' own words: only the news article says "sanction", so with the Treasury
    # filter "Why was DJI sanctioned?" sits at the abstention bar (0.447 against 0.46 on the AMD EPYC, with the
    # code of 2026-12-06 as well) and whether it is answered depends on the machine's float rounding.
    b = ask("Why did Treasury identify DJI?", settings=sample, filters=treasury)
    assert b.citations and all(c.publisher.startswith("U.S. Department of the Treasury") for c in b.citations)
    dated = Filters(date_from="2021-12-11", date_to="2021-12-31")
    c = ask("What did Treasury announce?", settings=sample, filters=dated)
    assert all(cit.date >= "2021-12-11" for cit in c.citations + c.related)
    news = Filters(kinds=["news article"])
    d = ask("Who is Zhao Lijian?", settings=sample, filters=news)
    assert all(cit.kind == "news article" for cit in d.citations + d.related)


def test_empty_question_is_a_clear_error(sample: Settings) -> None:
    with pytest.raises(AskError, match="empty"):
        ask("   ", settings=sample)


def test_huge_and_odd_questions_do_not_crash(sample: Settings) -> None:
    long_q = "Why was DJI sanctioned? " * 5000  # ~120 KB
    a = ask(long_q, settings=sample)
    assert any("characters long" in n for n in a.notes)
    for q in ["?!?!...", "为什么大疆被制裁？", "لماذا فرضت عقوبات على دي جي آي؟", "<b>DJI</b> & <script>x</script>"]:
        r = ask(q, settings=sample)
        assert r.answer  # a normal answer or an abstention


def test_follow_up_carries_the_previous_subject(sample: Settings) -> None:
    q = standalone_question("When did that happen?", [("Why was SenseTime sanctioned?", "...")], sample)
    assert "SenseTime" in q
    assert standalone_question("Why was DJI sanctioned by Treasury?", [("Who is Zhao?", "...")], sample).startswith("Why was DJI")


def test_sentence_spans_respect_abbreviations() -> None:
    text = 'The U.S. Department of the Treasury acted. SZ DJI Technology Co., Ltd. is listed. E.O. 13959 applies. "Quote," he said.'
    got = [text[s:e] for s, e in sentence_spans(text)]
    assert got == [
        "The U.S. Department of the Treasury acted.",
        "SZ DJI Technology Co., Ltd. is listed.",
        "E.O. 13959 applies.",
        '"Quote," he said.',
    ]


def test_cli_ask_json_contract_and_stdin(sample: Settings) -> None:
    env = {"DOSSIER_INDEX_DIR": str(sample.index_dir), "DOSSIER_CORPUS_DIR": str(sample.corpus_dir), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-m", "app", "ask", "--json", "-"],
        input="Why was DJI sanctioned?\nWhat is the capital of France?\n",
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [x["question"] for x in lines] == ["Why was DJI sanctioned?", "What is the capital of France?"]
    first = lines[0]
    assert set(first) >= {"question", "answer", "abstained", "citations", "sentences", "timings"}
    assert set(first["timings"]) >= {"retrieve_ms", "answer_ms", "total_ms"}
    keys = {"n", "doc_id", "source", "title", "publisher", "kind", "date", "url", "text", "start", "end", "score"}
    assert first["citations"] and keys <= set(first["citations"][0])
    assert lines[1]["abstained"] is True



def test_standalone_questions_skip_the_rewrite() -> None:
    from app.answer.engine import is_standalone

    assert is_standalone("Why was DJI sanctioned?") and is_standalone("How many Chinese entities did BIS add in December?")
    for follow_up in ("When did that happen?", "What about Huawei?", "How many entities were added?", "Which agency did it?"):
        assert not is_standalone(follow_up), follow_up


def test_named_days_are_full_dates_within_the_users_filter() -> None:
    from app.answer.engine import _named_days
    from app.retrieve import Filters

    q = "Between the report published on October 18, 2023, and the one on 2023-10-26, was there a change?"
    assert sorted(_named_days(q, None)) == ["2023-10-18", "2023-10-26"]
    assert _named_days(q, Filters(date_from="2023-10-20")) == ["2023-10-26"]
    assert _named_days("What happened in October 2023?", None) == []


def test_a_question_naming_a_day_gets_that_days_document(sample: Settings) -> None:
    from app.answer.engine import prepare

    p = prepare("What did the statement of 16 December 2021 say about DJI and the Xinjiang police?", sample, None, None)
    assert any(e.passage.date == "2021-12-16" and e.part >= 0 for e in p.evidence)


def test_a_year_framing_the_question_keeps_other_years_out_of_the_answer(fresh: Callable[..., Settings]) -> None:
    from app.ingest.pipeline import ingest_paths

    settings = fresh()
    docs = {
        "2020-ministry.md": ("2020-09-20", "The ministry said it firmly opposes the ban on the app and urged Washington to reverse it."),
        "2025-ministry.md": ("2025-01-20", "The ministry said the ban on the app should be lifted and that Washington should be fair."),
    }
    for name, (date, text) in docs.items():
        (settings.corpus_dir / name).write_text(f"---\ntitle: Ministry statement\npublisher: Ministry\ndate: {date}\n---\n\n{text}\n", encoding="utf-8")
    assert not ingest_paths(settings, [settings.corpus_dir]).failed
    a = ask("In 2020, what did the ministry say about the ban on the app?", settings=settings)
    assert not a.abstained and a.citations
    assert {c.date[:4] for c in a.citations} == {"2020"}, a.answer
    # The 2025 statement takes no evidence slot: a claim resting on it would be refused anyway.
    p = prepare("In 2020, what did the ministry say about the ban on the app?", settings, None, None)
    assert p.evidence and {e.passage.date[:4] for e in p.evidence} == {"2020"}
    assert any(e.passage.date.startswith("2025") for e in p.scored)  # retrieved, and left out on purpose


def test_a_draft_that_only_restates_the_question_found_no_answer() -> None:
    q = "Which Attorney General sent letters to app stores promising no liability after the January 2025 order?"
    restated = compose.Draft([compose.DraftSentence("The Attorney General sent letters to app stores promising no liability after the January 2025 order.", [])], extractive=False)
    assert only_restates(restated, q)
    named = compose.Draft([compose.DraftSentence("Attorney General Jane Roe sent the letters on January 22.", [])], extractive=False)
    assert not only_restates(named, q)
    assert not only_restates(compose.Draft([], extractive=False), q)


def _evidence(doc: str, text: str, score: float) -> Evidence:
    passage = Passage(f"{doc}-c", doc, f"{doc}.md", doc, "Pub", "news", "2023-11-01", "", text, 0, len(text))
    return Evidence(passage, score, score, 0.0, None)


def test_a_pinned_figure_the_answer_lacks_is_quoted_from_a_sentence_about_the_answer() -> None:
    q = "Which AI tool, reported to reach 100 million users per day in March, can debug code?"
    lead = _evidence("a", "ChatGPT can complete and debug code and compose music.", 0.6)
    about_answer = _evidence("b", "ChatGPT also notched 100 million users per day in March.", 0.3)
    about_other = _evidence("c", "Rival Bard reached 100 million visits in March, its maker said.", 0.35)
    p = Prepared(q, q, [lead], [lead, about_other, about_answer], None, {}, [], 0.0, 0.6, [])  # type: ignore[arg-type]
    draft = compose.Draft([compose.DraftSentence("ChatGPT.", [0])], extractive=False)
    checks = [ClaimCheck("ChatGPT.", True, [0], 0.8)]
    _complete_premises(p, draft, checks)
    # The sentence naming the answer and stating the figure is quoted; the one about something else is not.
    assert [e.passage.text for e in p.evidence] == [lead.passage.text, about_answer.passage.text]
    assert checks[-1].kind == "quote" and checks[-1].cites == [1]
    # Nothing is added when no claim stands, or when nothing is missing.
    p2 = Prepared(q, q, [lead], [lead, about_answer], None, {}, [], 0.0, 0.6, [])  # type: ignore[arg-type]
    _complete_premises(p2, compose.Draft([], extractive=False), [ClaimCheck("ChatGPT.", False, [0], 0.2)])
    assert len(p2.evidence) == 1

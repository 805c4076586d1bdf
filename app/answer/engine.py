"""``ask``: question -> retrieve -> evidence -> draft -> verify -> ``Answer``.

The one function every front end calls (``ask`` for a finished answer,
``ask_stream`` for partial text followed by the final verified ``Answer``).
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from app.answer import compose, constraints, frame, infer, locate, prompts
from app.answer import normalise as nz
from app.answer.align import ClaimCheck, check_claim
from app.answer.answerability import assess
from app.answer.evidence import (
    Evidence,
    SentenceVectors,
    asks_for_list,
    score_sentences,
    select,
    split_passage,
    split_question,
    states_a_day,
)
from app.answer.llm import LLMUnavailable, complete, get_llm
from app.answer.text import content_words, names
from app.ingest.loaders import date_key
from app.question import alternatives, clauses, is_yes_no, quantity_relation, temporal_relation, years
from app.retrieve import Filters, get_retriever
from app.settings import Settings, get_settings
from app.types import ABSTAIN_TEXT, Answer, Citation, Partial, Passage, SentenceCheck

MAX_QUESTION_CHARS = 1000
RELATED_SHOWN = 3
SPARE_CHUNKS = 3
CHUNKS_PER_CLAUSE = 2
SUPPORTING_RATIO = 0.6  # supporting sentences must score at least this share of the lead's score
FOLLOW_UP = re.compile(r"\b(it|its|they|them|their|this|that|these|those|he|she|his|her|the company|the firm)\b", re.I)


class AskError(ValueError):
    """A question Dossier cannot run (empty, no index); the message is for the analyst."""


_vec_lock = threading.Lock()
_vectors: dict[int, SentenceVectors] = {}


def _sentence_vectors(embedding: object) -> SentenceVectors:
    with _vec_lock:
        key = id(embedding)
        if key not in _vectors:
            _vectors[key] = SentenceVectors(embedding)
        return _vectors[key]


@dataclass
class Prepared:
    question: str
    standalone: str
    evidence: list[Evidence]
    scored: list[Evidence]
    vectors: SentenceVectors
    timings: dict[str, float]
    notes: list[str]
    t0: float
    confidence: float
    doubts: list[str]  # why confidence was lowered (shown when Dossier abstains)
    confident: bool = False  # the extractive answerability checks pass (assess, abstain_threshold)


def clean_question(question: str, notes: list[str]) -> str:
    q = " ".join((question or "").split())
    if not q:
        raise AskError("the question is empty; type a question about the documents")
    if len(q) > MAX_QUESTION_CHARS:
        notes.append(f"the question was {len(q)} characters long; only the first {MAX_QUESTION_CHARS} were used")
        q = q[:MAX_QUESTION_CHARS]
    return q


def is_standalone(question: str) -> bool:
    """No pronoun to resolve, and either a name and another content word ("Why was DJI sanctioned?")
    or four content words: such a question needs no rewriting against the history."""
    if FOLLOW_UP.search(question):
        return False
    n = len(content_words(question))
    return n >= 4 or (n >= 2 and bool(names(question)))


def standalone_question(question: str, history: list[tuple[str, str]], settings: Settings) -> str:
    """Rewrite a follow-up into a standalone question: by the LLM when one is set, else by carrying key terms."""
    if not history:
        return question
    if is_standalone(question):
        return question  # already standalone: no LLM round trip (it delayed the first visible text by ~1.3 s)
    try:
        llm = get_llm(settings)
    except LLMUnavailable:
        llm = None
    if llm is not None:
        try:
            text = complete(llm, prompts.condense_messages(question, history)).strip().splitlines()
            if text and text[0].strip():
                return text[0].strip()[:MAX_QUESTION_CHARS]
        except LLMUnavailable:
            pass
    previous = history[-1][0]
    have = {w.lower() for w in re.findall(r"\w+", question)}
    carried = [w for w in re.findall(r"[A-Za-z][\w\-]+", previous) if w.lower() not in have and (w[0].isupper() or w.lower() in {x.lower() for x in content_words(previous)})]
    carried = [w for w in dict.fromkeys(carried) if w.lower() not in {"what", "why", "when", "who", "how", "which", "where"}]
    return f"{question} ({' '.join(carried)})" if carried else question


def prepare(
    question: str,
    settings: Settings,
    filters: Filters | None,
    history: list[tuple[str, str]] | None,
) -> Prepared:
    t0 = time.perf_counter()
    notes: list[str] = []
    q = clean_question(question, notes)
    standalone = standalone_question(q, history or [], settings)
    timings: dict[str, float] = {}
    retriever = get_retriever(settings)
    # A few spare chunks stand in for any chunk with no usable sentence (only headings, or only text
    # addressed to a model, which split_passage drops): such a chunk must not take an evidence slot.
    # Each clause of a comparison brings its own facts, often from another document: two more chunks each.
    named_years = years(standalone)
    top_k = settings.top_k + CHUNKS_PER_CLAUSE * (len(clauses(standalone)) + (len(named_years) if len(named_years) > 1 else 0))
    found = retriever.retrieve(standalone, filters=filters, top_k=top_k + SPARE_CHUNKS, timings=timings)
    chunks = [c for c in found if split_passage(c)][:top_k]
    named_days = _named_days(standalone, filters)
    for day in named_days:
        # "the report from X published on October 18, 2023": the documents of that day, retrieved on their own
        # (a date is metadata, which neither the embedding nor the keywords match well).
        dated = dataclasses.replace(filters or Filters(), date_from=day, date_to=day)
        have = {c.chunk_id for c in chunks}
        extra = [c for c in retriever.retrieve(standalone, filters=dated, top_k=CHUNKS_PER_CLAUSE + SPARE_CHUNKS)
                 if c.chunk_id not in have and split_passage(c)]  # fmt: skip
        chunks.extend(extra[:CHUNKS_PER_CLAUSE])
    t1 = time.perf_counter()
    vectors = _sentence_vectors(retriever.embedding)
    parts = split_question(standalone)
    q_vecs = np.asarray(retriever.embedding.encode([standalone, *parts] if len(parts) > 1 else [standalone]), dtype=np.float32)
    scored = score_sentences(standalone, q_vecs, chunks, vectors)
    verdict = assess(standalone, chunks, scored)
    confidence = verdict.confidence
    threshold = settings.abstain_threshold_long if verdict.long_question else settings.abstain_threshold
    confident = confidence >= threshold
    if settings.llm != "extractive":
        # With a writer, whether the evidence answers is decided on the written claims (verified, and
        # answering what the question asks: ``constraints``); here only off-topic questions stop.
        confidence = scored[0].score if scored else 0.0
        threshold = settings.abstain_floor
    evidence: list[Evidence] = []
    if confidence >= threshold:
        # "In 2020, how did ...?": a claim resting on a sentence neither dated that year nor stating it is
        # refused (``_check``), so such sentences take no evidence slot while the year has any.
        year = _frame_year(standalone)
        in_frame = [e for e in scored if _about_year(e.passage, year)] if year else []
        evidence = select(
            in_frame or scored,
            settings.max_evidence,
            threshold * 0.8,
            len(parts),
            asks_for_list(standalone),
            [set(g) for g in dict.fromkeys(tuple(sq.filters.publishers) for sq in retriever.sub_queries(standalone, filters or Filters()))],
            _dated_parts(standalone, parts),
        )
        # Keep supporting sentences only when they are close to the lead, not everything above the bar;
        # sentences chosen for a part of the question (or as its list of names) always stay.
        floor = evidence[0].score * SUPPORTING_RATIO if evidence else 0.0
        kept = [e for i, e in enumerate(evidence) if i == 0 or e.score >= floor or e.part >= 0]
        evidence = kept + _year_sentences(named_years, kept, scored, threshold * 0.8)
        evidence += _day_sentences(named_days, evidence, scored, threshold * 0.8)
    timings["evidence_ms"] = round((time.perf_counter() - t1) * 1000, 2)
    return Prepared(q, standalone, evidence, scored, vectors, timings, notes, t0, confidence, verdict.reasons, confident)


def _dated_parts(question: str, parts: list[str]) -> dict[int, Callable[[str], bool]]:
    """For "Did A happen before B?", the parts that ask for the date of an event, each with the test its
    sentence should pass: it places that event (``infer.states_event``, as the inference will read it) on
    a day. A clause about a report is dated by its document instead, and gets none."""
    rel = temporal_relation(question)
    if rel is None or len(parts) != 2:
        return {}
    out: dict[int, Callable[[str], bool]] = {}
    for j, (part, other) in enumerate([(parts[0], parts[1]), (parts[1], parts[0])]):
        if not infer.REPORTING.search(part):
            event = infer.event_terms(part, other)
            out[j] = lambda text, event=event: states_a_day(text) and infer.states_event(event, text)
    return out


def _year_sentences(named: list[int], chosen: list[Evidence], scored: list[Evidence], min_score: float) -> list[Evidence]:
    """For a question naming several years, the best sentence about each year the evidence lacks
    (stated in the sentence, or the year of its document)."""
    if len(named) < 2:
        return []

    def about(e: Evidence) -> set[int]:
        found = {int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", e.passage.text)}
        return found | ({int(e.passage.date[:4])} if re.match(r"\d{4}", e.passage.date or "") else set())

    have = set().union(*(about(e) for e in chosen)) if chosen else set()
    extra: list[Evidence] = []
    for y in named:
        if y in have:
            continue
        best = next((e for e in scored if e.score >= min_score and y in about(e) and e not in chosen and e not in extra), None)
        if best is not None:
            best.part = max(best.part, 0)  # kept like a clause's sentence
            extra.append(best)
    return extra


MAX_NAMED_DAYS = 3


def _full_days(text: str) -> list[str]:
    """The full dates (year, month and day) ``text`` states, as ISO days, in order."""
    return [f"{d.year:04d}-{d.month:02d}-{d.day:02d}" for d in nz.dates(text) if d.year and d.month and d.day]


def _named_days(question: str, filters: Filters | None) -> list[str]:
    """The full dates a question names ("on October 18, 2023"), within the user's date filter."""
    bounds = Filters(date_from=filters.date_from, date_to=filters.date_to) if filters else None
    days = [d for d in dict.fromkeys(_full_days(question)) if bounds is None or bounds.matches({"date_key": date_key(d)})]
    return days[:MAX_NAMED_DAYS]


def _day_sentences(days: list[str], chosen: list[Evidence], scored: list[Evidence], min_score: float) -> list[Evidence]:
    """For each day the question names, the best sentence of a document of that day (or stating it),
    when the evidence has none: the question pins that report down."""

    def about(e: Evidence) -> set[str]:
        return {*_full_days(e.passage.text), e.passage.date[:10]}

    extra: list[Evidence] = []
    for day in days:
        already = next((e for e in chosen if day in about(e)), None)
        if already is not None:
            already.part = max(already.part, 0)  # kept, and quoted for a yes/no verdict, like a clause's sentence
            continue
        best = next((e for e in scored if e.score >= min_score and day in about(e) and e not in chosen and e not in extra), None)
        if best is not None:
            best.part = max(best.part, 0)
            extra.append(best)
    return extra


def _abstain(p: Prepared, mode: str, reason_note: str = "", sentences: list[SentenceCheck] | None = None) -> Answer:
    related = [Citation.from_passage(i + 1, e.passage) for i, e in enumerate(p.scored[:RELATED_SHOWN])]
    notes = [*p.notes, reason_note] if reason_note else list(p.notes)
    notes.extend(p.doubts)
    return Answer(
        question=p.question,
        answer=ABSTAIN_TEXT,
        abstained=True,
        related=related,
        sentences=sentences or [],
        timings=p.timings,
        mode=mode,
        notes=notes,
        standalone_question=p.standalone,
    )


def _finish(p: Prepared, answer: Answer, t_answer: float, settings: Settings) -> Answer:
    locate.add_locators([*answer.citations, *answer.related], locate.reader(settings.index_dir / "text"))
    answer.confidence = round(p.confidence, 4)
    answer.timings["answer_ms"] = round((time.perf_counter() - t_answer) * 1000, 2)
    answer.timings["total_ms"] = round((time.perf_counter() - p.t0) * 1000, 2)
    return answer


RESTATEMENT_NEW_TERMS = 1  # a claim adding at most this many content words to the question's restates it


def restates(claim: str, question: str) -> bool:
    """True when the claim only repeats the question's words ("X happened after Y." for "Did X happen after Y?")."""
    return len(content_words(claim) - content_words(question)) <= RESTATEMENT_NEW_TERMS


def only_restates(draft: compose.Draft, question: str) -> bool:
    """A writer whose every sentence only turns the question into a statement ("The Attorney General sent
    letters ..." for "Which Attorney General sent letters ...?") found no answer in the evidence: its
    draft is no reason to offer the evidence as an answer instead."""
    return bool(draft.sentences) and all(restates(d.claim, question) for d in draft.sentences)


FRAME_YEAR = re.compile(r"^\s*(?:in|during|throughout)\s+((?:19|20)\d{2})\s*,", re.I)


def _about_year(passage: Passage, year: int) -> bool:
    return passage.date[:4] == str(year) or year in years(passage.text)


def _frame_year(question: str) -> int:
    """2020 for "In 2020, how did ...?": a leading year that frames the whole question (0: none)."""
    m = FRAME_YEAR.match(question)
    return int(m.group(1)) if m else 0


def _check(p: Prepared, draft: compose.Draft, settings: Settings) -> list[ClaimCheck]:
    passages = [e.passage for e in p.evidence]
    # "In 2020, how did X respond ...?": the year frames the whole question, so a claim resting only on
    # passages neither dated that year nor mentioning it (a 2025 statement) answers another question.
    frame_year = _frame_year(p.standalone)
    premises = "" if is_yes_no(p.standalone) else p.standalone  # a yes/no question's numbers are the claim
    checks = []
    for d in draft.sentences:
        if draft.verdict and restates(d.claim, p.standalone):
            # For a yes/no question such a sentence is the verdict said again, not a fact it rests on.
            checks.append(ClaimCheck(d.claim, False, reason="restates the question: a conclusion, not a cited fact", kind="inference"))
            continue
        check = check_claim(d.claim, passages, p.vectors, settings.support_threshold, d.cites, premises)
        name = "" if check.supported or draft.verdict or draft.extractive else frame.answer_name(d.claim, p.standalone)
        if name:
            # "X is the <question restated>": the question's premise is not the writer's claim; the name is.
            # A name is shown as its documents write it most fully ("Swift" -> "Taylor Swift"), here or
            # in their other retrieved sentences.
            docs = {e.passage.doc_id for e in p.evidence}
            spelled = p.evidence + [e for e in p.scored if e.passage.doc_id in docs]
            by_name = frame.check_name(name, p.standalone, p.evidence, spelled)
            if not by_name.supported and (own := frame.evidence_name(p.standalone, p.evidence, name, spelled)):
                # The writer's name is not the one the evidence gives: the evidence's own name, checked alike.
                by_own = frame.check_name(own, p.standalone, p.evidence, spelled)
                if by_own.supported:
                    by_name = dataclasses.replace(by_own, reason=f"{frame.REASON}; the writer's {name!r} was refused: {by_name.reason}")
            check = by_name if by_name.supported else check
        if frame_year and check.supported and not any(_about_year(passages[i], frame_year) for i in check.cites):
            check = ClaimCheck(check.text, False, [], check.score, f"its evidence is not about {frame_year}, the year the question asks about", check.kind)
        checks.append(check)
    return checks


SUPPORTING_QUOTES = 2  # verbatim evidence sentences shown after a writer's verified claims


def _quote(p: Prepared, draft: compose.Draft, checks: list[ClaimCheck], i: int) -> None:
    """Append evidence sentence ``i`` to the draft as an attributed verbatim quote, with its check."""
    e = p.evidence[i].passage
    draft.sentences.append(compose.DraftSentence(claim=e.text, cites=[i], attribution=compose.attribution_for(e)))
    checks.append(ClaimCheck.quote(e.text, i))


def _add_supporting_quotes(p: Prepared, draft: compose.Draft, checks: list[ClaimCheck], clause_facts: bool = False) -> None:
    """After the writer's verified claims, the best evidence sentences verbatim (those the claims rest on
    included): the writer's summary is short, and the passage in the document's own words is what an
    analyst checks."""
    quoted = {i for c in checks if c.kind == "quote" for i in c.cites}
    lead = p.evidence[0].score if p.evidence else 0.0
    year = _frame_year(p.standalone)
    added = 0
    most = max(SUPPORTING_QUOTES, sum(e.part >= 0 for e in p.evidence)) if clause_facts else SUPPORTING_QUOTES
    order = list(range(len(p.evidence)))
    if clause_facts:
        order.sort(key=lambda i: (p.evidence[i].part < 0, i))  # the best sentence of each clause first
    for i in order:
        e = p.evidence[i]
        if added >= most:
            break
        if i in quoted or (e.score < lead * SUPPORTING_RATIO and not (clause_facts and e.part >= 0)):
            continue
        if year and not _about_year(e.passage, year):
            continue  # "In 2020, ...": a 2025 statement is not quoted in support
        _quote(p, draft, checks, i)
        quoted.add(i)
        added += 1


def _quote_premises(p: Prepared, draft: compose.Draft, checks: list[ClaimCheck]) -> None:
    """A name given in the question's frame (``frame``) rests on the question's premises too: the
    evidence sentences that state its pinned dates and numbers ("on November 16th") are quoted, when
    their document is one whose evidence names the answer."""
    named = [c for c in checks if c.supported and c.reason.startswith(frame.REASON)]
    if not named:
        return
    docs = {p.evidence[i].passage.doc_id for i in frame.naming(named[0].text.rstrip("."), p.standalone, p.evidence)}
    cited = {i for c in checks if c.supported for i in c.cites}
    # Only what the question pins down counts here (yes_no=True skips "what it asks for"): the name is that.
    lacking = constraints.missing(p.standalone, "", [p.evidence[i].passage for i in cited], yes_no=True)
    for i, e in enumerate(p.evidence):
        if not lacking:
            break
        if i in cited or e.passage.doc_id not in docs:
            continue
        fewer = constraints.missing(p.standalone, "", [p.evidence[j].passage for j in [*cited, i]], yes_no=True)
        if len(fewer) < len(lacking):
            _quote(p, draft, checks, i)
            cited.add(i)
            lacking = fewer


PREMISE_QUOTES = 2  # at most this many sentences are quoted to show the question's pinned facts


def _pinned_missing(p: Prepared, cited: list[Passage]) -> list[str]:
    """The years, dates and figures the question pins down that the cited passages lack."""
    return [m for m in constraints.missing(p.standalone, "", cited, yes_no=True) if m.startswith("nothing cited")]


def _complete_premises(p: Prepared, draft: compose.Draft, checks: list[ClaimCheck]) -> None:
    """"Which AI tool, ... reaching 100 million users in March, ...?": the writer's verified answer rests
    on one premise of the question; another, a figure or a date the question pins down, is often stated
    by a sentence that did not make the evidence. Such a sentence, from all those retrieved, is quoted
    (verbatim) when it states the missing figure and is about the answer: it names what the verified
    claims name beyond the question, or comes from a document the answer cites."""
    supported = [c for c in checks if c.supported]
    if not supported:
        return
    cited_idx = {i for c in supported for i in c.cites}
    cited = [p.evidence[i].passage for i in cited_idx]
    lacking = _pinned_missing(p, cited)
    if not lacking:
        return
    def named(text: str) -> set[str]:
        # A sentence's first word counts too ("Google compared ...", the answer "Google."): a function
        # word there is no name (NAME_STOP), and the question's names are taken out below.
        first = re.match(r"\W*([A-Z][\w\-]*)", text)
        lead = {first.group(1).lower()} if first and first.group(1).lower() not in nz.NAME_STOP else set()
        return {n.lower() for n in nz.name_tokens(text)} | lead

    answer_names = set().union(*(named(c.text) for c in supported if c.kind != "quote")) - named(p.standalone)
    docs = {x.doc_id for x in cited}
    have = {e.passage.text for e in p.evidence}
    added = 0
    for e in p.scored:
        if added >= PREMISE_QUOTES or not lacking or e.score < p.confidence * SUPPORTING_RATIO * 0.5:
            break
        if e.passage.text in have or not (named(e.passage.text) & answer_names or e.passage.doc_id in docs):
            continue
        fewer = _pinned_missing(p, [*cited, e.passage])
        if len(fewer) < len(lacking):
            p.evidence.append(e)
            have.add(e.passage.text)
            _quote(p, draft, checks, len(p.evidence) - 1)
            cited.append(e.passage)
            lacking = fewer
            added += 1


def _answer(p: Prepared, draft: compose.Draft, settings: Settings, mode: str, notes: list[str]) -> Answer:
    """Align and verify every sentence of the draft, then build the ``Answer`` from what stands."""
    checks = _check(p, draft, settings)
    if not draft.extractive and (draft.verdict or any(c.supported for c in checks)):
        # A yes/no verdict rests on facts: the sentences chosen for each clause of the question are quoted
        # even when the writer's own wording of them did not verify.
        multi = bool(clauses(p.standalone)) or len(years(p.standalone)) > 1
        _add_supporting_quotes(p, draft, checks, clause_facts=bool(draft.verdict) or multi)
    decidable = is_yes_no(p.standalone) or alternatives(p.standalone) is not None
    inference = infer.decide(p.standalone, p.evidence, p.vectors) if decidable else None
    order = temporal_relation(p.standalone)
    if inference is None and draft.verdict and (order or quantity_relation(p.standalone)):
        # "Did A happen before B?", "Did A give as much time as B?": a small writer's yes/no on the order
        # of two events or the size of two amounts is a guess unless Dossier can read both; without them
        # the facts are shown and no verdict is committed.
        what = "the dates of both events to check the order" if order else "both amounts to compare them"
        notes = [*notes, f"the writer answered {draft.verdict!r}, but Dossier could not read {what}: no verdict is given"]
        draft.verdict = ""
    if inference is not None:
        # The facts Dossier's inference rests on are cited in the answer: quoted when no claim cites them.
        cited = {i for c in checks if c.supported for i in c.cites}
        for i in inference.facts:
            if i not in cited:
                _quote(p, draft, checks, i)
        if draft.verdict and draft.verdict != inference.verdict:
            notes = [*notes, f"the writer answered {draft.verdict!r}; the cited {inference.basis} say {inference.verdict!r}"]
    _quote_premises(p, draft, checks)
    if not draft.extractive:
        _complete_premises(p, draft, checks)
    needs = 2 if clauses(p.standalone) else 1
    built = compose.assemble(draft, checks, p.evidence, needs_facts=needs, inference=inference)
    if not built.citations:
        return _abstain(p, mode, "no sentence of the draft was supported by the evidence", sentences=built.sentences)
    cited = [p.evidence[i].passage for c in checks if c.supported for i in c.cites]
    lacking = constraints.missing(p.standalone, built.answer, cited, yes_no=is_yes_no(p.standalone))
    if lacking:
        return _abstain(p, mode, "the verified sentences do not answer the question: " + "; ".join(lacking), sentences=built.sentences)
    return Answer(
        question=p.question,
        answer=built.answer,
        abstained=False,
        citations=built.citations,
        sentences=built.sentences,
        timings=p.timings,
        mode=mode,
        notes=[*p.notes, *notes],
        standalone_question=p.standalone,
        direct=built.direct,
    )


def preview(p: Prepared) -> str:
    """What the chat shows before the writer has finished: the best evidence sentence, verbatim
    (a quote needs no verification), with its source."""
    if not p.evidence:
        return ""
    e = p.evidence[0].passage
    quoted = e.text[:1] in "\"\u201c\u2018'"  # the sentence is itself a quotation: no second pair of marks
    return f"{compose.attribution_for(e)}{e.text}" if quoted else f"{compose.attribution_for(e)}\u201c{e.text}\u201d"


def ask_stream(
    question: str,
    settings: Settings | None = None,
    filters: Filters | None = None,
    history: list[tuple[str, str]] | None = None,
) -> Iterator[str | Answer]:
    """Yields partial text (str: the best verified evidence first, then the writer's draft as it
    streams, not yet verified), then the final verified ``Answer``.

    The path: evidence -> draft (extractive or writer) -> align and verify claims -> ``Answer``."""
    settings = settings or get_settings()
    p = prepare(question, settings, filters, history)
    t_answer = time.perf_counter()
    mode = settings.llm
    if not p.evidence:
        yield _finish(p, _abstain(p, mode), t_answer, settings)
        return
    shown = preview(p)
    yield Partial.of(shown, "evidence")
    notes: list[str] = []
    yes_no = is_yes_no(p.standalone)
    choice = None if yes_no else alternatives(p.standalone)
    draft: compose.Draft | None = None
    try:
        llm = get_llm(settings)
    except LLMUnavailable as exc:
        llm, notes = None, [f"{exc}; showing the extractive answer instead"]
    if llm is not None:
        text = ""
        try:
            messages = prompts.answer_messages(p.standalone, [e.passage for e in p.evidence], yes_no, choice)
            for i, piece in enumerate(llm.stream(messages)):
                if i == 0:
                    p.timings["first_token_ms"] = round((time.perf_counter() - p.t0) * 1000, 2)
                text += piece
                yield Partial.of(f"{shown}\n\n{text}", "draft")
        except LLMUnavailable as exc:
            notes.append(f"{exc}; showing the extractive answer instead")
        else:
            if prompts.NO_ANSWER_TOKEN in text:
                yield _finish(p, _abstain(p, mode, "the writer found that the evidence does not answer the question"), t_answer, settings)
                return
            draft = compose.parse_writer_draft(text, len(p.evidence), yes_no, choice)
            draft.extractive = False
    if draft is not None:
        # Nothing the writer said could be verified, or it does not answer the question: Dossier abstains
        # (showing related passages) rather than offering true sentences that answer something else.
        evidence = list(p.evidence)
        answer = _answer(p, draft, settings, mode, notes)
        p.evidence = evidence  # what the writer's answer quoted in addition is not evidence for a fallback
        lead = p.evidence[0].passage
        if answer.abstained and not yes_no and only_restates(draft, p.standalone):
            answer.notes.append("the writer's answer only restated the question: no evidence is offered in its place")
        elif answer.abstained and p.confident and not constraints.missing(p.standalone, lead.text, [lead], yes_no=yes_no):
            # The writer's draft did not survive verification, but the evidence itself passes the
            # extractive answerability checks: show the verified evidence (quotes) instead.
            fallback = _answer(p, compose.extractive_draft(p.evidence), settings, mode, notes)
            if not fallback.abstained:
                fallback.sentences = answer.sentences + fallback.sentences
                fallback.notes.append("no sentence of the writer's answer was verified; showing the evidence in its own words")
                answer = fallback
    else:
        answer = _answer(p, compose.extractive_draft(p.evidence), settings, mode, notes)
    yield _finish(p, answer, t_answer, settings)


def ask(
    question: str,
    settings: Settings | None = None,
    filters: Filters | None = None,
    history: list[tuple[str, str]] | None = None,
) -> Answer:
    final: Answer | None = None
    for item in ask_stream(question, settings, filters, history):
        if isinstance(item, Answer):
            final = item
    assert final is not None
    return final


__all__ = ["AskError", "ask", "ask_stream"]

"""Does the retrieved evidence answer the question at all? A confidence score and the reasons.

Reciprocal-rank fusion scores carry no confidence, and the best evidence sentence of a
near-topic question ("How many drones did DJI supply to ...?") scores as high as a real
answer, because it shares every topic word. So confidence starts from the best evidence
score and is lowered by checks that an analyst would make before trusting an answer:

* topic words of the question that no retrieved passage mentions (the answer type of a
  "which <thing>" question is excluded: it is answered by a name, not by the word);
* a "how many <things>" question whose best evidence gives no number next to those things;
* a "what share / percentage" question whose best evidence has no percentage;
* a "when" question whose best evidence has no date;
* a "who is the <title>" question whose evidence only names a deputy, under- or vice-<title>.

Hand-written because no LlamaIndex component judges answerability without an LLM, and the
offline LLM (SmolLM2-135M) cannot (see the README, "Answer modes").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.answer.evidence import AUXILIARIES, DATE_RE, Evidence, answer_type, question_focus, source_terms
from app.answer.text import NUMBER_WORDS, content_words, stem, term_covered, topic_terms
from app.types import Passage

MISSING_TERM_PENALTY = 0.15  # per topic word of the question found in no retrieved passage
LONG_QUESTION_TERMS = 8  # long questions paraphrase more: the penalty shrinks past this many topic words
UNANSWERED_FOCUS_PENALTY = 0.5  # the question asks for a number, share, date or officeholder the evidence lacks
# Long multi-clause questions ("Does the Verge article ... while TechCrunch ...?", about 20 topic
# words) match any one evidence sentence less well than short ones, so past this many topic words
# the answer is held to DOSSIER_ABSTAIN_THRESHOLD_LONG instead of DOSSIER_ABSTAIN_THRESHOLD. Both
# thresholds were fitted on the gold set and the MultiHop-RAG dev split together
# (eval/calibrate_abstention.py, eval/reports/2026-11-24-abstention-calibration); test is held out.
LONG_QUESTION_WORDS = 10
FOCUS_TOP = 3  # evidence sentences searched for the number / date / name the question asks for

TIME_UNITS = {"day", "days", "week", "weeks", "month", "months", "year", "years", "hour", "hours"}
QUANTITY = rf"(?:\d[\d,.]*|{NUMBER_WORDS.pattern[2:-2]}|several|dozens|hundreds|thousands|millions)"
PERCENT_RE = re.compile(r"\d\s*(%|percent|per cent)|\b(half|a third|a quarter|majority)\b", re.I)
TITLES = r"(?:Secretary|Minister|President|Director|Chair(?:man|woman|person)?|CEO|Chief Executive|Governor|Ambassador|Administrator|Commissioner|Spokes(?:person|man|woman))"
RANK_MODIFIER = re.compile(r"\b(Deputy|Under|Vice|Assistant|Acting|Associate|Former|Principal Deputy)\s+$", re.I)
# Words that end the counted phrase of "how many <things> ...": a verb, or what qualifies the count.
COUNT_PHRASE_END = AUXILIARIES | {"besides", "other", "apart", "in", "of", "and", "or"}


@dataclass
class Assessment:
    confidence: float
    reasons: list[str] = field(default_factory=list)  # why confidence was lowered, for the analyst
    long_question: bool = False  # held to the long-question threshold


def counted_noun(question: str) -> str:
    """What a "how many"/"how much" question counts: 'How many Chinese firms besides DJI were ...' -> 'firms'."""
    m = re.search(r"\bhow (?:many|much)\s+((?:[A-Za-z\-]+\s+){0,2}[A-Za-z\-]+)", question, re.I)
    if not m:
        return ""
    words = m.group(1).split()
    head: list[str] = []
    for w in words:
        if w.lower() in COUNT_PHRASE_END:
            break
        head.append(w)
    return (head or words[:1])[-1].lower()


def quantity_of(noun: str, text: str) -> bool:
    """A number within three words before ``noun`` (any inflection): 'seven other Chinese firms'."""
    root = re.escape(stem(noun)[:5])
    pattern = rf"\b{QUANTITY}\b(?:[\s\-]+(?:of\s+)?[\w\-’']+){{0,3}}?[\s\-]+(?:of\s+)?{root}\w*"
    return re.search(pattern, text, re.I) is not None


def asked_title(question: str) -> str:
    """'Who was the US Secretary of the Treasury when ...' -> 'Secretary of the Treasury'."""
    m = re.match(
        rf"^\s*(?i:who)\s+(?i:is|was|were|are)\s+(?:(?i:the)\s+)?(?:[A-Z][\w.]*\s+)*?({TITLES}(?:\s+of\s+(?:the\s+)?[A-Z][\w\-]*)?)",
        question,
    )
    return m.group(1) if m else ""


def officeholder_named(title: str, texts: list[str]) -> bool:
    """Some passage uses ``title`` unqualified (not 'Deputy Secretary', 'Under Secretary', ...)."""
    words = [re.escape(w) for w in title.split() if w.lower() != "the"]
    pattern = r"\b" + r"\s+(?:the\s+)?".join(words) + r"\b"
    for t in texts:
        for m in re.finditer(pattern, t):
            if not RANK_MODIFIER.search(t[: m.start()]):
                return True
    return False


def assess(question: str, chunks: list[Passage], scored: list[Evidence]) -> Assessment:
    reasons: list[str] = []
    all_topic = topic_terms(question)
    topic = all_topic - content_words(answer_type(question))
    vocab: set[str] = set()
    for p in chunks:
        vocab |= content_words(p.text) | source_terms(p)
    missing = sorted(t for t in topic if not term_covered(t, vocab))
    scale = min(1.0, LONG_QUESTION_TERMS / max(1, len(topic)))
    confidence = (scored[0].score if scored else 0.0) - MISSING_TERM_PENALTY * min(len(missing), 3) * scale
    if missing:
        reasons.append("no retrieved passage mentions: " + ", ".join(missing))

    top = [e.passage.text for e in scored[:FOCUS_TOP]]
    focus = question_focus(question)
    lacking = ""
    if focus == "number":
        noun = counted_noun(question)
        if re.search(r"\b(share|percentage|percent|proportion)\b", question, re.I):
            if not any(PERCENT_RE.search(t) for t in top):
                lacking = "the question asks for a share; the best passages give no percentage"
        elif noun in TIME_UNITS:
            # 'how many days apart' is answered by dates, not by a count in the text
            if not any(DATE_RE.search(t) for t in top):
                lacking = "the question asks for a time span; the best passages give no date"
        elif noun and not any(quantity_of(noun, t) for t in top):
            lacking = f"the question asks how many {noun}; the best passages give no number of {noun}"
    elif focus == "date" and not any(DATE_RE.search(t) for t in top):
        lacking = "the question asks when; the best passages give no date"
    title = asked_title(question)
    if title and not officeholder_named(title, [e.passage.text for e in scored[:10]]):
        lacking = f"the question asks who the {title} was; the passages name only deputies or other offices"
    if lacking:
        confidence -= UNANSWERED_FOCUS_PENALTY
        reasons.append(lacking)
    return Assessment(confidence=confidence, reasons=reasons, long_question=len(all_topic) > LONG_QUESTION_WORDS)

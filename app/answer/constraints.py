"""Does a verified answer answer the question asked? The question's own constraints, checked.

A sentence can be true, cited and verified, and still not answer the question: a 2020
statement offered for a question about 2023, a passage about a bill for "by what vote",
a quote without a figure for "what daily fine". Two general checks, read from the question:

* what the question pins down must be in the cited evidence (its text, or its documents'
  dates and titles): every year, full date and number the question states, and, for a
  yes/no question, the names of its subject (a "No." to "Did the European Union sanction
  X?" resting on facts about the United States decides nothing; the names further on may
  be what a "No." denies, so they are not required);
* what the question asks for must be in the verified answer and not only in the question:
  a date for "when" / "on what date", a number for "how many" / "how long" / "by what
  vote", an amount of money for a fine, price or penalty, a date or a time span for "what
  deadline", and for "who was the Secretary of X" a passage naming that office itself, not a
  deputy or under-secretary (``answerability.officeholder_named``).

When either fails, Dossier says the documents do not answer the question and names what is
missing, instead of showing true sentences that answer something else.
"""

from __future__ import annotations

import re

from app.answer import normalise as nz
from app.answer.answerability import asked_title, officeholder_named
from app.answer.text import NUMBER_WORDS
from app.question import AUX, subject, years
from app.types import Passage

WHEN = re.compile(r"\b(when|since when|until when) (did|was|is|were|will|does|do|had|has|would|could|can)\b|\b(on|by|until|from) what (date|day)\b|\bwhat (date|day|year|month)\b|\bin what year\b", re.I)
COUNT = re.compile(
    r"\bhow (many|much|long|large|big|old|often)\b|\bwhat (number|percentage|share|proportion|amount|vote|tally|margin)\b|\bby what (vote|margin)\b|\bhow large a\b",
    re.I,
)
DEADLINE = re.compile(r"\b(?:what|which) (?:deadline|time limit)s?\b", re.I)  # a date, or a span ("within 90 days")
# The date in "According to X (April 24, 2024):" (nz.long_date), or in ISO form.
ATTRIBUTED_DATE = re.compile(r"\((?:\d{4}(?:-\d{2}){0,2}|(?:[A-Z][a-z]+ )(?:\d{1,2}, )?\d{4})\)")
SPAN = re.compile(rf"(?:\b\d[\d,.]*|{NUMBER_WORDS.pattern[2:-2]})[\s\-]+(?:[\w\-]+\s+)?(?:day|week|month|year)s?\b", re.I)
MONEY = re.compile(r"\b(fine|fines|penalty|penalties|price|cost|costs|fee|fees|paid|pay|worth|valuation|salary|budget)\b", re.I)
MONEY_ASK = re.compile(r"^\s*(?:\w+\s+){0,2}?(what|how much)\b", re.I)
AMOUNT = re.compile(r"[$€£¥]\s?\d|\b\d[\d,.]*\s*(dollars|euros|pounds|yuan|usd|million|billion)\b", re.I)
# A number that labels something ("Senate Bill 419", "Executive Order 13942", "No. 155", "§ 2") is a
# name, not a quantity: it does not answer "how many".
IDENTIFIER = re.compile(r"(?:\b[A-Z][A-Za-z.]*|§)\s+\d[\w\-()]*")


def asked(question: str) -> str:
    """'date', 'number', 'money', 'deadline' (a date or a number) or '' for what the question asks for."""
    if MONEY.search(question) and MONEY_ASK.search(question):
        return "money"
    if DEADLINE.search(question):
        return "deadline"
    if COUNT.search(question):
        return "number"
    if WHEN.search(question):
        return "date"
    return ""


def missing(question: str, answer_text: str, cited: list[Passage], yes_no: bool = False) -> list[str]:
    """What the question asks for or pins down that the verified answer and its evidence lack."""
    out: list[str] = []
    evidence = " ".join(f"{p.text} {p.title} {p.date}" for p in cited)
    have_years = set(years(evidence)) | {int(p.date[:4]) for p in cited if re.match(r"\d{4}", p.date or "")}
    for y in sorted(years(question)):
        if y not in have_years:
            out.append(f"nothing cited is about {y}")
    ev_dates = nz.dates(evidence)
    for d in nz.dates(question):
        if d.month and d.day and not nz.date_supported(d, ev_dates):
            out.append(f"nothing cited mentions {d.label()}")
    q_numbers = nz.number_values(question)
    ev_numbers = nz.number_variants(evidence)
    # Figures the question writes in digits pin it down ("the 50 percent stake"); a number word usually
    # counts what the answer lists ("What two kinds ...").
    written = nz.number_values(" ".join(re.findall(r"\d[\d,.]*(?:\s*(?:%|percent|million|billion|thousand))?", question)))
    for n in sorted(q_numbers & written):  # digits of a date are checked with the date
        if n not in ev_numbers:
            out.append(f"nothing cited mentions {n}")
    if yes_no:
        out += [f"nothing cited mentions {n}" for n in missing_names(subject(question), cited)]
    title = "" if yes_no else asked_title(question)
    if title and not officeholder_named(title, [p.text for p in cited]):
        out.append(f"the question asks who the {title} was; the cited passages name only deputies or other offices")
    kind = "" if yes_no else asked(question)
    if kind == "money" and not AMOUNT.search(answer_text):
        out.append("the question asks for an amount of money; the cited passages give none")
    elif kind == "number" and not (nz.number_values(IDENTIFIER.sub(" ", answer_text)) - q_numbers):
        out.append("the question asks for a number; the verified answer gives none")
    elif kind in ("date", "deadline"):
        q_keys = {d.key() for d in nz.dates(question)}
        # A deadline is stated in a sentence; an attribution's "(2021-12)" is when the report came out.
        text = ATTRIBUTED_DATE.sub("", answer_text) if kind == "deadline" else answer_text
        new = [d for d in nz.dates(text) if d.key() not in q_keys]
        span = kind == "deadline" and SPAN.search(answer_text) is not None
        if not new and not span:
            out.append("the question asks when; the verified answer gives no date" if kind == "date"
                       else "the question asks for a deadline; the verified answer gives no date or time span")
    return out


def missing_names(text: str, cited: list[Passage]) -> list[str]:
    """The names of ``text`` (a question or a part of one) that neither the cited sentences nor their
    documents' publishers and titles contain (compared as ``align.hard_checks`` compares a claim's names)."""
    evidence = " ".join(f"{p.text} {p.publisher} {p.title}" for p in cited)
    vocab, initials = nz.words(evidence), nz.acronyms(evidence)
    asked = [n for n in nz.name_tokens(text) if n.lower() not in AUX]  # "Did DJI ...": "Did" is no name
    return list(dict.fromkeys(n for n in asked if not nz.name_supported(n, vocab, initials)))

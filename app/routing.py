"""Source routing: per-publisher sub-queries for questions that name publishers.

When a question names publishers of indexed documents ("Does 'The Verge' article ... while
'TechCrunch' ..."), each named publisher adds a sub-query: its clause of the question, filtered to
that publisher (and to +-1 day around a date the clause gives). ``app.retrieve`` fuses every list.
Hand-written: LlamaIndex's query transforms ask an LLM to decompose the question, and the offline
LLM here (SmolLM2-135M) cannot.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, replace

from app.filters import Filters

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
TEXT_DATE = re.compile(r"\b(" + "|".join(MONTHS) + r")\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?", re.I)
YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
ALIAS_SPLIT = re.compile(r"\s+[|–—-]\s+|:\s+|,\s+|;\s+|\s+\(")
ACRONYM = re.compile(r"\(([A-Z][A-Z0-9&.]{1,7})\)")


def publisher_aliases(publishers: list[str]) -> dict[str, set[str]]:
    """name a question may use -> the publishers it means.

    The full name, its head before a separator ("Cnbc | World Business News Leader" -> "Cnbc",
    "The Independent - Sports" -> "The Independent", "U.S. Department of the Treasury, Office of ..."
    -> "U.S. Department of the Treasury") and an acronym in parentheses ("(OFAC)" -> "OFAC"). A head
    shared by several publishers ("FOX News - Health", "FOX News - Lifestyle") means all of them.
    """
    out: dict[str, set[str]] = {}
    for pub in publishers:
        names = {pub.strip()}
        head = ALIAS_SPLIT.split(pub.strip(), maxsplit=1)[0].strip()
        if len(head) >= 4:
            names.add(head)
        names.update(ACRONYM.findall(pub))
        for n in names:
            if n:
                out.setdefault(n, set()).add(pub)
    return out


def source_mentions(question: str, aliases: dict[str, set[str]]) -> list[tuple[int, int, list[str]]]:
    """(start, end, publishers) of each publisher name in the question, longest names first, no overlaps.

    Whole words only, case-insensitive except that a capitalised name must be capitalised in the
    question too (so "a fortune" or "wired headphones" do not name Fortune or Wired).
    """
    found: list[tuple[int, int, list[str]]] = []
    for name in sorted(aliases, key=len, reverse=True):
        pattern = re.compile(r"(?<![\w])" + re.escape(name) + r"(?![\w])", re.I)
        for m in pattern.finditer(question):
            if name[0].isupper() and not question[m.start()].isupper():
                continue
            if not any(a < m.end() and m.start() < b for a, b, _ in found):
                found.append((m.start(), m.end(), sorted(aliases[name])))
    return sorted(found)


def date_windows(text: str, default_year: int, most: int = 3) -> list[tuple[str, str]]:
    """A +-1 day window around each full date in the text ('October 22, 2023', 'October 18th', '2023-11-24')."""
    days: list[dt.date] = []
    for m in ISO_DATE.finditer(text):
        with contextlib.suppress(ValueError):
            days.append(dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    for m in TEXT_DATE.finditer(text):
        with contextlib.suppress(ValueError):
            days.append(dt.date(int(m.group(3) or default_year), MONTHS.index(m.group(1).lower()) + 1, int(m.group(2))))
    days = list(dict.fromkeys(days))[:most]
    return [((d - dt.timedelta(days=1)).isoformat(), (d + dt.timedelta(days=1)).isoformat()) for d in days]


@dataclass
class SubQuery:
    text: str
    filters: Filters


LIST_GLUE = re.compile(r"^[\s,;'\"’‘“”&]*(?:(?:and|or|both|as well as|the|a|an|first|second|third|other|articles?|reports?)[\s,;'\"’‘“”&]*)*$", re.I)
WORD = re.compile(r"[A-Za-z0-9][\w'’-]*")
FRAMING = {
    "the", "a", "an", "and", "or", "of", "on", "in", "to", "by", "from", "for", "with", "as", "at", "that", "this",
    "does", "did", "do", "is", "was", "are", "were", "has", "have", "which", "what", "who", "whom", "whose", "between",
    "after", "before", "article", "articles", "report", "reports", "reported", "published", "both", "while", "same",
}


def _content_words(text: str) -> int:
    return sum(w.lower() not in FRAMING for w in WORD.findall(text))


def route(question: str, filters: Filters, aliases: dict[str, set[str]], default_year: int) -> list[SubQuery]:
    """Per-source sub-queries for the publishers a question names.

    The question is cut at each mention: a publisher's clause runs from its mention to the next one
    ("Does 'The Verge' article suggest X, while 'TechCrunch' implies Y?"; the first clause also keeps
    what precedes it). Mentions listed together ("reported by Fortune, The Verge, and TechCrunch")
    share one clause, and a clause with fewer than four content words is replaced by the whole
    question. Each group gets its clause filtered to its publishers (within the caller's filters),
    and, when the caller set no dates, the clause filtered to +-1 day around each full date in it.
    """
    mentions = source_mentions(question, aliases)
    groups: list[list[tuple[int, int, list[str]]]] = []
    for m in mentions:
        if groups and LIST_GLUE.match(question[groups[-1][-1][1] : m[0]]):
            groups[-1].append(m)
        else:
            groups.append([m])
    years = [int(y) for y in YEAR.findall(question)]
    subs: list[SubQuery] = []
    for i, group in enumerate(groups):
        pubs = sorted({p for _, _, ps in group for p in ps})
        if filters.publishers:
            pubs = [p for p in pubs if p in filters.publishers]
            if not pubs:
                continue
        lo = group[0][0] if i else 0
        hi = groups[i + 1][0][0] if i + 1 < len(groups) else len(question)
        clause = question[lo:hi].strip()
        if _content_words(clause) - sum(_content_words(question[a:b]) for a, b, _ in group) < 4:
            clause = question
        scoped = replace(filters, publishers=pubs)
        if not (filters.date_from or filters.date_to):
            for lo_day, hi_day in date_windows(clause, years[0] if years else default_year):
                subs.append(SubQuery(clause, replace(scoped, date_from=lo_day, date_to=hi_day)))
        subs.append(SubQuery(clause, scoped))
    return subs

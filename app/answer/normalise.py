"""Normalising the facts of a sentence before a claim is compared with its evidence.

A writer model paraphrases: "nine" for "9", "December 16, 2022" for "2022-12-16" or "16 December
2022", "US" for "U.S." or "United States", "E.O." for "Executive Order". The checks compare
canonical forms: numbers as values, dates as (year, month, day) with missing parts left open,
names as lower-case surface words with abbreviations expanded and possessives and plurals
folded, acronyms matched against the initials of a run of capitalised words.

Hand-written because no maintained library does claim-to-evidence fact matching offline
(dateparser and word2number parse one string at a time and do not find facts in running text).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 10**12}
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10,
}  # fmt: skip
_NUMWORD = "|".join(sorted([*UNITS, *TENS], key=len, reverse=True))
_SCALE = "|".join(SCALES)

# Multi-word names and abbreviations with one canonical form. General-purpose English
# abbreviations of the kind press releases, court papers and news use, not a corpus's entities.
ALIASES = {
    "u.s.": "us", "u.s": "us", "u. s.": "us", "u. s": "us", "us": "us", "usa": "us", "u.s.a.": "us", "united states": "us", "america": "us",
    "united states of america": "us", "u.k.": "uk", "uk": "uk", "united kingdom": "uk", "britain": "uk",
    "u.n.": "un", "united nations": "un", "e.u.": "eu", "eu": "eu", "european union": "eu",
    "e.o.": "eo", "eo": "eo", "executive order": "eo", "executive orders": "eo", "d.c.": "dc", "p.r.c.": "china", "prc": "china",
    "people's republic of china": "china", "chinese": "china", "american": "us", "americans": "us",
    "dept.": "department", "govt.": "government", "gov.": "governor", "sen.": "senator", "rep.": "representative",
    "pres.": "president", "corp.": "corporation", "inc.": "incorporated", "co.": "company", "ltd.": "limited",
    "no.": "number", "sec.": "section", "art.": "article", "st.": "saint", "jr.": "junior", "mr.": "mr", "ms.": "ms",
}  # fmt: skip
_ALIAS_RE = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(a) for a in sorted(ALIASES, key=len, reverse=True)) + r")(?![\w])", re.I
)
NAME_STOP = {
    "the", "a", "an", "of", "and", "in", "on", "for", "to", "at", "by", "with", "from", "as", "or", "its", "it",
    "this", "that", "these", "those", "he", "she", "they", "we", "i", "his", "her", "their", "our", "yes", "no",
    "according", "however", "but", "also", "both", "after", "before", "when", "while", "if", "then", "there",
    "what", "which", "who", "why", "how", "where", "so", "because", "although", "meanwhile", "instead", "under",
    "during", "since", "until", "between", "among", "about", "not", "neither", "nor", "each", "every", "all",
}  # fmt: skip
CONNECTIVES = {"of", "the", "and", "for", "on", "in", "to", "&", "de", "du", "la"}


def canonical_text(text: str) -> str:
    """Lower case, curly quotes and dashes straightened, abbreviations replaced by their canonical form."""
    t = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').replace("–", "-").replace("—", "-")
    return _ALIAS_RE.sub(lambda m: ALIASES[m.group(1).lower()], t).lower()


# --- numbers ---------------------------------------------------------------

_DIGITS = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*(" + _SCALE + r"|%|percent|per cent))?", re.I)
_WORDS = re.compile(
    r"\b((?:" + _NUMWORD + r")(?:[\s-](?:" + _NUMWORD + r"))?)(?:\s+(" + _SCALE + r"))?\b(?!-(?:" + _NUMWORD + r"))",
    re.I,
)
_YEAR = re.compile(r"^(1[89]|20)\d{2}$")


def _word_value(words: str) -> int:
    total = 0
    for w in re.split(r"[\s-]+", words.lower()):
        total += UNITS.get(w, 0) + TENS.get(w, 0)
    return total


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def number_values(text: str, *, years: bool = False) -> set[str]:
    """Numbers in ``text`` as canonical values: '175 million' -> '175000000', 'nine' -> '9', '20%' -> '20'.

    Years (1800-2099 written alone) are left out unless ``years``; dates are compared separately.
    A bare 'one' is left out too: it is more often a pronoun than a count."""
    out: set[str] = set()
    spans: list[tuple[int, int]] = [span for span, _ in date_mentions(text) if not years]
    for m in _DIGITS.finditer(text):
        if any(a <= m.start() < b for a, b in spans):
            continue  # part of a date ("2020-09-18", "September 18"): dates are compared as dates
        raw = m.group(1).replace(",", "")
        scale = (m.group(2) or "").lower()
        if not years and not scale and "," not in m.group(1) and _YEAR.match(raw):
            continue
        value = float(raw) * SCALES.get(scale, 1)
        out.add(_fmt(value))
        spans.append(m.span())
    for m in _WORDS.finditer(text):
        if any(a <= m.start() < b for a, b in spans):
            continue
        words, scale = m.group(1), (m.group(2) or "").lower()
        if words.lower() == "one" and not scale:
            continue
        out.add(_fmt(_word_value(words) * SCALES.get(scale, 1)))
    for m in re.finditer(r"\b(a|one)\s+(hundred|thousand|million|billion)\b", text, re.I):
        out.add(_fmt(SCALES[m.group(2).lower()]))
    for m in re.finditer(r"\b(half|a dozen|dozen)\b", text, re.I):
        out.add("0.5" if m.group(1).lower() == "half" else "12")
    return out


def number_variants(text: str) -> set[str]:
    """What a claim's numbers may match in evidence: values, and each '175 million' also as '175'."""
    vals = number_values(text, years=True)
    for m in _DIGITS.finditer(text):
        vals.add(m.group(1).replace(",", ""))
    for m in re.finditer(r"\b(" + "|".join(ORDINALS) + r")\b", text, re.I):
        vals.add(str(ORDINALS[m.group(1).lower()]))
    for m in re.finditer(r"\b(\d+)(st|nd|rd|th)\b", text):
        vals.add(m.group(1))
    return vals


# --- dates -----------------------------------------------------------------


@dataclass(frozen=True)
class DateRef:
    year: int | None
    month: int | None
    day: int | None

    def matches(self, other: DateRef) -> bool:
        """Every part this date states agrees with ``other`` where ``other`` states it too,
        and ``other`` states at least the parts that this date states, except a year it leaves out."""
        for a, b in ((self.month, other.month), (self.day, other.day)):
            if a is not None and b != a:
                return False
        return not (self.year is not None and other.year is not None and self.year != other.year)

    def key(self) -> tuple[int, int, int]:
        return (self.year or 0, self.month or 0, self.day or 0)

    def label(self) -> str:
        """'2020-9-27', '9-27', '2020': the parts it states."""
        return "-".join(str(x) for x in (self.year, self.month, self.day) if x is not None)


_ISO = re.compile(r"\b((?:19|20)\d{2})-(\d{2})(?:-(\d{2}))?\b")
_MDY = re.compile(r"\b(" + _MONTH + r")\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+((?:19|20)\d{2}))?\b", re.I)
_DMY = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(" + _MONTH + r")(?:,?\s+((?:19|20)\d{2}))?\b", re.I)
_MY = re.compile(r"\b(" + _MONTH + r")(?:,)?\s+((?:19|20)\d{2})\b", re.I)
_SLASH = re.compile(r"\b(\d{1,2})/(\d{1,2})/((?:19|20)\d{2})\b")
_YEAR_ONLY = re.compile(r"(?<![\w\-/.,])((?:19|20)\d{2})(?![\w\-/])")
_MONTH_ONLY = re.compile(r"\b(January|February|March|April|June|July|August|September|October|November|December)\b")


def _month(word: str) -> int:
    return MONTHS[word.lower().rstrip(".")]


def dates(text: str) -> list[DateRef]:
    """Dates stated in ``text`` in any common format, each with the parts it states."""
    return [ref for _, ref in date_mentions(text)]


def date_mentions(text: str) -> list[tuple[tuple[int, int], DateRef]]:
    """((start, end), date) for each date stated in ``text``."""
    found: list[tuple[tuple[int, int], DateRef]] = []
    taken: list[tuple[int, int]] = []

    def add(span: tuple[int, int], ref: DateRef) -> None:
        if any(a <= span[0] < b or a < span[1] <= b for a, b in taken):
            return
        if (ref.month is not None and not 1 <= ref.month <= 12) or (ref.day is not None and not 1 <= ref.day <= 31):
            return
        taken.append(span)
        found.append((span, ref))

    for m in _ISO.finditer(text):
        add(m.span(), DateRef(int(m.group(1)), int(m.group(2)), int(m.group(3)) if m.group(3) else None))
    for m in _MDY.finditer(text):
        add(m.span(), DateRef(int(m.group(3)) if m.group(3) else None, _month(m.group(1)), int(m.group(2))))
    for m in _DMY.finditer(text):
        add(m.span(), DateRef(int(m.group(3)) if m.group(3) else None, _month(m.group(2)), int(m.group(1))))
    for m in _MY.finditer(text):
        add(m.span(), DateRef(int(m.group(2)), _month(m.group(1)), None))
    for m in _SLASH.finditer(text):
        add(m.span(), DateRef(int(m.group(3)), int(m.group(1)), int(m.group(2))))
    for m in _YEAR_ONLY.finditer(text):
        add(m.span(), DateRef(int(m.group(1)), None, None))
    for m in _MONTH_ONLY.finditer(text):
        add(m.span(), DateRef(None, _month(m.group(1)), None))
    return found


def doc_date(date: str) -> tuple[int, int, int] | None:
    """A document's date "2021-12-16" / "2021-12" / "2021" as (year, month or 0, day or 0)."""
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", date or "")
    if not m:
        return None
    return int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)


def long_date(date: str) -> str:
    """A document's date as the documents write dates: "2024-04-24" -> "April 24, 2024", "2021-12" ->
    "December 2021", "2021" -> "2021"; anything else unchanged. Answers and prompts show dates this way,
    so that an attribution's date reads (and is matched) as the same date written in a source."""
    parts = doc_date(date)
    if parts is None or not re.fullmatch(r"\d{4}(?:-\d{2}){0,2}", (date or "").strip()):
        return date
    y, m, d = parts
    try:
        if m and d:
            return dt.date(y, m, d).strftime("%B %-d, %Y")
        return dt.date(y, m, 1).strftime("%B %Y") if m else str(y)
    except ValueError:  # "2021-13-40": shown as written
        return date


WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b", re.I)
# A time said relative to the report's own date: "last year", "next month", "yesterday".
RELATIVE = re.compile(r"\b(next|last|this|coming|past) (week|month|year)\b|\b(tomorrow|yesterday|today)\b", re.I)


def shifted(doc: tuple[int, int, int], m: re.Match[str]) -> tuple[int, int, int] | None:
    """The document's date ``doc`` (year, month or 0, day or 0) moved as ``m`` (a ``RELATIVE`` match)
    says, at the precision it states: "next month" in a report of 2023-12-01 is (2024, 1, 0); a week
    is too vague to place against a day, and a shift finer than the document's date gives nothing."""
    y, mo, d = doc
    if m.group(3):
        if not (mo and d):
            return None
        when = dt.date(y, mo, d) + dt.timedelta(days={"tomorrow": 1, "yesterday": -1, "today": 0}[m.group(3).lower()])
        return (when.year, when.month, when.day)
    step = {"next": 1, "coming": 1, "last": -1, "past": -1, "this": 0}[m.group(1).lower()]
    unit = m.group(2).lower()
    if unit == "week":
        return None
    if unit == "year":
        return (y + step, 0, 0)
    if not mo:
        return None
    months = y * 12 + (mo - 1) + step
    return (months // 12, months % 12 + 1, 0)


def date_supported(claim_date: DateRef, evidence: list[DateRef]) -> bool:
    """A claim's date is supported when one evidence date states all of its parts (a year left out of
    the evidence sentence may come from the document's date, which the caller adds to ``evidence``)."""
    for ev in evidence:
        if claim_date.day is not None and ev.day != claim_date.day:
            continue
        if claim_date.month is not None and ev.month != claim_date.month:
            continue
        if claim_date.year is not None and ev.year is not None and ev.year != claim_date.year:
            continue
        if claim_date.year is not None and ev.year is None:
            # "Sept. 27" in the evidence supports "September 27, 2020" when the document's year agrees.
            if not any(o.year == claim_date.year and o.month is None and o.day is None for o in evidence):
                continue
        return True
    return False


# --- names -----------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9'\-.&]*[A-Za-z0-9]|[A-Za-z]")


def fold(word: str) -> str:
    """'Netherlands' -> 'netherland', "TikTok's" -> 'tiktok', 'U.S.' -> 'us': a word's comparable core."""
    w = canonical_text(word).strip(".'\"")
    w = re.sub(r"'s?$", "", w)
    w = w.replace(".", "")
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    return w


def words(text: str) -> set[str]:
    """Folded words of ``text``, in canonical form and as written, hyphenated words also by part
    ("U.S.-based" gives 'us-based', 'us', 'based'; "Executive Orders" gives 'eo' and 'executive', 'order')."""
    out: set[str] = set()
    for form in (canonical_text(text), text.lower()):
        for w in _TOKEN.findall(form):
            f = fold(w)
            out.add(f)
            if "-" in f:
                out.update(fold(x) for x in f.split("-") if x)
    return out


def canonical_names(text: str) -> str:
    """Multi-word names and abbreviations replaced by one capitalised canonical word ('United States' -> 'US')."""
    return _ALIAS_RE.sub(lambda m: ALIASES[m.group(1).lower()].upper() if m.group(1)[0].isupper() else m.group(1), text)


def name_tokens(text: str) -> list[str]:
    """Capitalised words of ``text`` (after abbreviation expansion) that are not sentence starts or
    function words: the names, places, bodies and titles a claim asserts."""
    out: list[str] = []
    t = canonical_names(text.replace("’", "'"))
    from app.answer.text import split_sentences  # abbreviation-aware: "U.S. Treasury" is one sentence

    for sent in split_sentences(t) or [t]:
        toks = list(re.finditer(r"[A-Za-z][A-Za-z0-9'\-.&]*[A-Za-z0-9]|[A-Z]", sent))
        for i, m in enumerate(toks):
            w = m.group(0)
            if not w[0].isupper() or w.lower().rstrip(".") in NAME_STOP or w.lower().rstrip(".") in MONTHS:
                continue
            first = i == 0 or sent[: m.start()].strip() in {'"', "'", "("}
            nxt = toks[i + 1].group(0) if i + 1 < len(toks) else ""
            marked = (len(w) > 1 and w.isupper()) or any(ch.isupper() for ch in w[1:]) or nxt[:1].isupper()
            if first and not marked:
                continue  # a sentence's first word is capitalised anyway (acronyms, TikTok, "Donald Trump" still count)
            out.append(w.rstrip("."))
    return out


def acronyms(text: str) -> set[str]:
    """Initials of runs of capitalised words: 'Committee on Foreign Investment in the United States' -> 'cfius'."""
    out: set[str] = set()
    toks = re.findall(r"[A-Za-z][\w'\-]*", text.replace("’", "'"))
    run: list[str] = []
    for tok in [*toks, "x"]:
        if tok[0].isupper():
            run.append(tok[0].lower())
            continue
        if tok.lower() in CONNECTIVES and run:
            continue
        if len(run) >= 2:
            joined = "".join(run)
            for i in range(len(joined)):
                for j in range(i + 2, len(joined) + 1):
                    out.add(joined[i:j])
        run = []
    return out


def name_supported(name: str, vocab: set[str], initials: set[str]) -> bool:
    f = fold(name)
    if not f:
        return True
    parts = [p for p in re.split(r"[-\s]", f) if p]
    if f in vocab or all(p in vocab for p in parts):
        return True
    if name.isupper() and 2 <= len(name) <= 8 and f in initials:
        return True
    # A derived form of a word in the evidence: "Canadian" for "Canada", "Texan" for "Texas".
    root = _root(f)
    return len(root) >= 4 and any(_root(v) == root for v in vocab if v[:3] == f[:3])


_DERIVED = re.compile(r"(?:ians?|ans?|ese|ish|ns?|s)$")


def _root(word: str) -> str:
    return _DERIVED.sub("", word).rstrip("aeiouy")

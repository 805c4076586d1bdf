"""``dossier eval --suite verifier``: a benchmark of the claim checker (``app.answer.align.check_claim``).

The claims are made from the corpora's own sentences. Each corpus is ingested into an eval index,
its stored chunks are split into evidence sentences (``app.answer.evidence.unique_sentences``, which
uses ``split_passage``), and for a deterministic sample of those sentences rule-based generators
write claims of known truth:

* TRUE: the sentence verbatim; reworded by one rule (a leading clause or attribution dropped, 'said'
  -> 'stated', a count in digits <-> words, a date in another format, 'United States' <-> 'U.S.',
  a shortened claim without an aside) or by several rules at once;
* FALSE: negated ('not' inserted or removed); a number changed; a name swapped for another name of
  the same corpus (half the time one that is in the evidence pool, the confusion a writer makes);
  a date moved; a direction flipped (an antonym swapped in, 'from A to B' -> 'from B to A'); and the
  sentence itself cited to the wrong documents (its own document is left out of the pool).

Each claim is checked against a realistic pool: the source sentence and ``DISTRACTORS`` sentences of
other documents most similar to it by embedding, shuffled, with the writer's hint pointing at a
random one of them half the time. A TRUE claim counts as accepted when it is supported *and* its
citation includes the source sentence; a FALSE claim is wrongly accepted when it is supported at
all. The figures are given at the configured support threshold and at ``THRESHOLDS`` to calibrate it.

Targets (issue 12): false claims accepted at most 2%, true claims accepted at least 90%.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from app.settings import PROJECT_ROOT, Settings
from app.types import Passage

DEFAULT_TIKTOK = PROJECT_ROOT.parent / "shared" / "corpora" / "tiktok"
DEFAULT_SAMPLE = PROJECT_ROOT / "corpus"
DEFAULT_MULTIHOP = PROJECT_ROOT.parent / "shared" / "benchmarks" / "multihop-rag-500" / "queries.json"
THRESHOLDS = (0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
DISTRACTORS = 5
PER_DOC = 2  # at most this many distractors from one document
DUPLICATE = 0.9  # a sentence this similar to the source (cosine) is a copy of it, not a distractor
STRICT_DUPLICATE = 0.8  # for the wrong-document pool: this similar may well report the same fact
RESTATES = 0.6  # ... and so may a sentence with this share of the source's content words
SEED = 12
PER_KIND = 15  # claims of each kind from each corpus, at most
TARGET_FALSE = 0.02
TARGET_TRUE = 0.90
MIN_WORDS, MAX_WORDS = 7, 60

TRUE_KINDS = (
    "verbatim",
    "drop_clause",
    "said_stated",
    "number_form",
    "date_format",
    "us_alias",
    "shortened",
    "reworded",
)
FALSE_KINDS = ("negated", "number_changed", "entity_swapped", "date_moved", "direction_flipped", "wrong_document")
KINDS = TRUE_KINDS + FALSE_KINDS


# --- the corpora's sentences -------------------------------------------------------


def build_index(settings: Settings, folder: Path) -> dict[str, Any]:
    """Ingest ``folder`` (read in place) into ``settings.index_dir``, afresh."""
    from app.ingest.pipeline import ingest_paths

    t0 = time.perf_counter()
    report = ingest_paths(settings, [folder], reset=True)
    return {
        "documents": report.documents,
        "chunks": report.chunks,
        "failed": len(report.failed),
        "build_s": round(time.perf_counter() - t0, 2),
    }


def stored_sentences(settings: Settings) -> list[Passage]:
    """The evidence sentences of every chunk stored in the index, each once, in document order."""
    from app.answer.evidence import unique_sentences
    from app.store import get_collection

    col = get_collection(settings)
    chunks: list[Passage] = []
    for offset in range(0, col.count(), 5000):
        got = col.get(include=["documents", "metadatas"], limit=5000, offset=offset)
        for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
            chunks.append(Passage.from_metadata(cid, text or "", dict(meta or {})))
    sentences = unique_sentences(chunks)
    return sorted(sentences, key=lambda s: (s.source, s.start))


def claimable(p: Passage) -> bool:
    """A sentence that states something: prose of a sensible length, not a heading, list or table row."""
    t = p.text.strip()
    n = len(t.split())
    if not MIN_WORDS <= n <= MAX_WORDS or "\n" in t or "|" in t or t.startswith(("#", "-", "*", ">")):
        return False
    if not re.search(r"[.!?][\"”')]*$", t) or not re.match(r"[\"“'(]?[A-Z0-9]", t):
        return False
    toks = t.split()
    if sum(w[:1].islower() for w in toks) < 0.4 * len(toks) or sum(
        w.isupper() and len(w) > 1 for w in toks
    ) > 0.2 * len(toks):
        return False  # a caption, a case heading, a list of names
    return len(re.findall(r"\b[a-z]{3,}\b", t)) >= 5


# --- rewording rules (TRUE claims) ---------------------------------------------------

MONTH_NAMES = "January February March April May June July August September October November December".split()
_MONTH_ALT = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan\.|Feb\.|Mar\.|Apr\.|Aug\.|Sept\.|Sep\.|Oct\.|Nov\.|Dec\.)"
_MONTH_NUM = {m.lower(): i + 1 for i, m in enumerate(MONTH_NAMES)} | {
    "jan.": 1, "feb.": 2, "mar.": 3, "apr.": 4, "aug.": 8, "sept.": 9, "sep.": 9, "oct.": 10, "nov.": 11, "dec.": 12,
}  # fmt: skip
DATE_PATTERNS = [
    ("mdy", re.compile(r"\b(" + _MONTH_ALT + r")\s(\d{1,2})(?:st|nd|rd|th)?,\s((?:19|20)\d{2})\b")),
    ("dmy", re.compile(r"\b(\d{1,2})\s(" + _MONTH_ALT + r")\s((?:19|20)\d{2})\b")),
    ("iso", re.compile(r"\b((?:19|20)\d{2})-(\d{2})-(\d{2})\b")),
    ("md", re.compile(r"\b(" + _MONTH_ALT + r")\s(\d{1,2})(?:st|nd|rd|th)?\b(?!,?\s(?:19|20)\d{2})(?![\d:])")),
    ("my", re.compile(r"\b(" + _MONTH_ALT + r")\s((?:19|20)\d{2})\b")),
    ("y", re.compile(r"\b(?:in|since|of|by|until|early|late|mid|from|to|and|between) ((?:19|20)\d{2})\b(?![\-/]\d)")),
]


@dataclass
class DateSpan:
    start: int
    end: int
    form: str
    year: int | None
    month: int | None
    day: int | None


def find_dates(text: str) -> list[DateSpan]:
    out: list[DateSpan] = []
    for form, rx in DATE_PATTERNS:
        for m in rx.finditer(text):
            a, b = m.span(1) if form == "y" else m.span()
            if any(d.start < b and a < d.end for d in out):
                continue
            g = m.groups()
            if form == "mdy":
                y, mo, d = int(g[2]), _MONTH_NUM[g[0].lower()], int(g[1])
            elif form == "dmy":
                y, mo, d = int(g[2]), _MONTH_NUM[g[1].lower()], int(g[0])
            elif form == "iso":
                y, mo, d = int(g[0]), int(g[1]), int(g[2])
            elif form == "md":
                y, mo, d = None, _MONTH_NUM[g[0].lower()], int(g[1])
            elif form == "my":
                y, mo, d = int(g[1]), _MONTH_NUM[g[0].lower()], None
            else:
                y, mo, d = int(g[0]), None, None
            if (mo is not None and not 1 <= mo <= 12) or (d is not None and not 1 <= d <= 31):
                continue
            out.append(DateSpan(a, b, form, y, mo, d))
    return sorted(out, key=lambda d: d.start)


def write_date(form: str, year: int | None, month: int | None, day: int | None) -> str:
    if form == "mdy":
        return f"{MONTH_NAMES[month - 1]} {day}, {year}"  # type: ignore[index]
    if form == "dmy":
        return f"{day} {MONTH_NAMES[month - 1]} {year}"  # type: ignore[index]
    if form == "iso":
        return f"{year:04d}-{month:02d}-{day:02d}"  # type: ignore[str-format]
    if form == "md":
        return f"{MONTH_NAMES[month - 1]} {day}"  # type: ignore[index]
    if form == "dm":
        return f"{day} {MONTH_NAMES[month - 1]}"  # type: ignore[index]
    if form == "my":
        return f"{MONTH_NAMES[month - 1]} {year}"  # type: ignore[index]
    return str(year)


def _splice(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def date_format(text: str, rng: random.Random) -> str | None:
    """'December 16, 2022' <-> '16 December 2022' <-> '2022-12-16'; 'August 6' <-> '6 August'."""
    ds = [d for d in find_dates(text) if d.form in ("mdy", "dmy", "iso", "md")]
    if not ds:
        return None
    d = rng.choice(ds)
    if d.form == "md":
        form = "dm"
    else:
        form = rng.choice([f for f in ("mdy", "dmy", "iso") if f != d.form])
    return _splice(text, d.start, d.end, write_date(form, d.year, d.month, d.day))


NUMBER_WORDS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
_COUNT_DIGITS = re.compile(r"(?<![\w.,$/-])(\d{1,2})(?= [a-z]{3,})(?![\w.,%/-])")
_COUNT_WORDS = re.compile(r"(?<![\w-])(" + "|".join(NUMBER_WORDS[2:]) + r")(?= [a-z]{3,})\b", re.I)


def _in_date(text: str, start: int, end: int) -> bool:
    return any(d.start <= start and end <= d.end for d in find_dates(text))


def number_form(text: str, rng: random.Random) -> str | None:
    """A count of 2-20 in digits written as a word, or the other way round: '9 entities' <-> 'nine entities'."""
    options: list[tuple[int, int, str]] = []
    for m in _COUNT_DIGITS.finditer(text):
        n = int(m.group(1))
        if 2 <= n <= 20 and not _in_date(text, m.start(), m.end()):
            options.append((m.start(), m.end(), NUMBER_WORDS[n]))
    for m in _COUNT_WORDS.finditer(text):
        options.append((m.start(), m.end(), str(NUMBER_WORDS.index(m.group(1).lower()))))
    if not options:
        return None
    s, e, new = rng.choice(options)
    if s == 0 or text[:s].rstrip().endswith((".", '"', "“")):
        new = new.capitalize()
    return _splice(text, s, e, new)


def said_stated(text: str, rng: random.Random) -> str | None:
    if not re.search(r"\b(said|says)\b", text):
        return None
    return re.sub(r"\bsaid\b", "stated", re.sub(r"\bsays\b", "states", text))


def us_alias(text: str, rng: random.Random) -> str | None:
    """'United States' <-> 'U.S.' (and 'US' -> 'United States')."""
    m = re.search(r"\bUnited States\b(?! of America)(\.?)", text)
    if m:
        return _splice(text, m.start(), m.end(), "U.S.")
    m = re.search(r"(?<![\w.])(U\.S\.|US)(?![\w])", text)
    if m:
        return _splice(text, m.start(), m.end(), "United States")
    return None


LEADING = re.compile(
    r"^(On|In|At|After|Before|During|Since|By|For|Last|Earlier|Later|Starting|Beginning|Following|Meanwhile|However|"
    r"Separately|Additionally|Moreover|Furthermore|Today|Yesterday|Immediately|Then|Now|Instead|Also|Thus|Therefore|"
    r"Accordingly|Specifically|Within|Upon|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|This|That|Next)\b"
)
CONDITIONAL = re.compile(
    r"^(If|Unless|Without|Absent|Except|Should|Until|Only|Although|Though|While|Whether|Even)\b", re.I
)
ATTRIBUTION = re.compile(
    r"(?:,\s+(?:(?:an?|the|its|his|her|their)\s)?(?:[a-z][\w'-]*\s){1,2}"
    r"|,?\s+(?:he|she|they|it|the \w+(?: \w+)?|[A-Z][\w.'-]*(?:\s[A-Z][\w.'-]*){0,3})\s)"
    r"(?:said|says|added|noted|wrote|stated|told \w+)"
    r"(?:\s(?:in a statement|on \w+))?(?=[.\"”]*$)"
)
LEAD_SAYS = re.compile(
    r"^(?:According to [^,]{3,80}|[A-Z][\w.'-]*(?:\s[A-Z][\w.'-]*){0,4} (?:said|says|stated|noted|added) (?:that )?),?\s*"
)
NEG_RE = re.compile(r"\b(not|never|no|n't|cannot|without|neither|nor)\b|n't\b", re.I)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def drop_clause(text: str, rng: random.Random) -> str | None:
    """Drop an attribution ('..., he said.', 'According to X, ...') or a short leading clause ('On August 6, 2020, ...')."""
    m = ATTRIBUTION.search(text)
    if m and len(text[: m.start()].split()) >= 6 and not re.search(r"[\"“]", text[: m.start()][:2]):
        rest = text[: m.start()].rstrip(" ,")
        return rest + ("." if not rest.endswith((".", "!", "?")) else "")
    m = LEAD_SAYS.match(text)
    if (
        m
        and len(text[m.end() :].split()) >= 6
        and not re.match(
            r"(?:it|he|she|they|we|its|in|on|at|during|after|before|by|for|with|to)\b", text[m.end() :], re.I
        )
    ):
        return _capitalise(text[m.end() :])
    m = re.match(r"^([^,]{3,70}),\s+(?=[a-zA-Z])", text)
    if m and LEADING.match(text) and not NEG_RE.search(m.group(1)) and 1 < len(m.group(1).split()) <= 10:
        rest = text[m.end() :]
        if len(rest.split()) >= 6 and not rest.startswith(("and ", "but ", "or ", "which ", "who ")):
            return _capitalise(rest)
    return None


def shortened(text: str, rng: random.Random) -> str | None:
    """The claim without an aside: a parenthesis, an appositive between commas, or its last clause."""
    m = re.search(r"\s\([^()]{2,80}\)", text)
    if m and not NEG_RE.search(m.group(0)):
        return _splice(text, m.start(), m.end(), "")
    for m in re.finditer(r",\s([^,]{3,80}),\s", text):
        inner = m.group(1)
        if 2 <= len(inner.split()) <= 12 and not NEG_RE.search(inner) and not re.match(r"(and|or|but|nor)\b", inner):
            if (
                not re.search(r"[\d\"“”:;]", inner)
                and m.start() > 10
                and not re.search(r"\b(and|or)\s*$", text[: m.start()])
            ):
                return _splice(text, m.start(), m.end(), " ")
    cut = max(text.rfind(", "), text.rfind("; "))
    if cut > 0 and len(text[:cut].split()) >= 7 and not NEG_RE.search(text[cut:]):
        tail = text[cut + 2 :]
        aside = re.match(
            r"(?:which|who|including|such as|adding|saying|citing|according to|as well as|while|whereas|[a-z]{3,}ing)\b",
            tail,
        )
        if aside and text[:cut].count('"') % 2 == 0 and text[:cut].count("“") == text[:cut].count("”"):
            return text[:cut].rstrip() + "."
    return None


def reworded(text: str, rng: random.Random) -> str | None:
    """Several rewording rules at once (at least two), the way a writer paraphrases."""
    out, applied = text, 0
    for rule in (drop_clause, said_stated, number_form, date_format, us_alias):
        new = rule(out, rng)
        if new and new != out:
            out, applied = new, applied + 1
    return out if applied >= 2 else None


# --- falsifying rules (FALSE claims) ----------------------------------------------

AUX = re.compile(
    r"(?<=\s)(is|was|are|were|has|have|had|will|would|can|could|should|may|might|must|does|did)\s(?!not\b|n't)"
)
IRREGULAR = {
    "said": "say", "told": "tell", "made": "make", "took": "take", "gave": "give", "won": "win", "lost": "lose",
    "sold": "sell", "bought": "buy", "began": "begin", "found": "find", "held": "hold", "left": "leave",
    "met": "meet", "put": "put", "set": "set", "sent": "send", "spent": "spend", "wrote": "write", "struck": "strike",
    "upheld": "uphold", "led": "lead", "brought": "bring", "became": "become", "came": "come", "went": "go",
    "got": "get", "saw": "see", "knew": "know", "thought": "think", "paid": "pay", "ran": "run", "chose": "choose",
}  # fmt: skip
NOT_VERB_BEFORE = {
    "the", "a", "an", "was", "were", "been", "be", "is", "are", "has", "have", "had", "to", "of", "by", "for", "with",
    "in", "on", "at", "and", "or", "its", "his", "her", "their", "our", "this", "that", "these", "those", "as", "from",
    "not", "never", "also", "newly", "so-called", "so", "being", "more", "most", "less", "very", "any", "some", "all",
}  # fmt: skip


def negated(text: str, rng: random.Random) -> str | None:
    """Insert a negation ('was' -> 'was not', 'signed' -> 'did not sign' / 'never signed') or remove one."""
    removals = [
        (r"\b(is|was|are|were|has|have|had|will|would|can|could|should|does|did|do|must|may) not\b", r"\1"),
        (r"\b(did|does|do|is|was|are|were|has|have|had|could|would|should)n't\b", r"\1"),
        (r"\bwon't\b", "will"), (r"\bcan't\b|\bcannot\b", "can"), (r"\bnever\s", ""),
        (r"\b(is|was|are|were|has|have|had|found|saw|see) no\b", r"\1"),
    ]  # fmt: skip
    for rx, rep in removals:
        if re.search(rx, text):
            return re.sub(rx, rep, text, count=1)
    m = AUX.search(text)
    if m and m.start() > 0:
        return _splice(text, m.end(1), m.end(1), " not")
    toks = list(re.finditer(r"[A-Za-z][\w'-]*", text))
    for i, t in enumerate(toks[1:], start=1):
        w = t.group(0)
        prev = toks[i - 1].group(0)
        if prev.lower() in NOT_VERB_BEFORE or not (w in IRREGULAR or re.fullmatch(r"[a-z]{3,}ed", w)):
            continue
        if not (prev[:1].isupper() or prev.lower() in {"he", "she", "it", "they", "we", "i", "who", "which", "that"}):
            continue  # 'the emergency declared in ...': a participle, not the sentence's verb
        if w in {
            "need",
            "speed",
            "feed",
            "seed",
            "bed",
            "red",
            "united",
            "based",
            "related",
            "limited",
            "proposed",
            "alleged",
        }:
            continue
        base = IRREGULAR.get(w) or BASE_FORMS.get(w)
        if base and rng.random() < 0.5:
            return _splice(text, t.start(), t.end(), f"did not {base}")
        return _splice(text, t.start(), t.start(), "never ")
    return None


_NUMBER = re.compile(r"(?<![\w.$:/-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w:/-])")


def number_changed(text: str, rng: random.Random) -> str | None:
    """One number (a count, an amount, a share, a vote, an order's number: not a date's) changed."""
    options = []
    for m in _NUMBER.finditer(text):
        if _in_date(text, m.start(), m.end()):
            continue
        raw = m.group(1)
        if re.fullmatch(r"(19|20)\d{2}", raw) and not re.search(
            r"(No\.|EO|Order|Section|Sec\.)\s*$", text[: m.start()]
        ):
            continue  # a year: moving it is the date rule's
        options.append(m)
    words = list(_COUNT_WORDS.finditer(text))
    if not options and not words:
        return None
    if options and (not words or rng.random() < 0.7):
        m = rng.choice(options)
        raw = m.group(1)
        value = float(raw.replace(",", ""))
        present = {x.replace(",", "") for x in _NUMBER.findall(text)}
        for _ in range(20):
            if "." in raw:
                new_v = round(value + rng.choice([-1.5, -0.5, 0.5, 1, 2.5]), 1)
                new = f"{new_v:g}"
            else:
                n = int(value)
                new_n = rng.choice([n + 1, n + 2, n - 1, n * 2, n + 10, n * 3]) if n > 1 else rng.choice([2, 3, 5])
                new = f"{new_n:,}" if "," in raw else str(new_n)
            if new.replace(",", "") not in present and not new.startswith("-") and new not in {"0"}:
                return _splice(text, m.start(), m.end(), new)
        return None
    m = rng.choice(words)
    n = NUMBER_WORDS.index(m.group(1).lower())
    new_n = rng.choice([k for k in range(2, 21) if k != n and NUMBER_WORDS[k] not in text.lower()])
    new = NUMBER_WORDS[new_n]
    return _splice(text, m.start(), m.end(), new.capitalize() if m.group(1)[0].isupper() else new)


def date_moved(text: str, rng: random.Random, doc_year: int | None = None) -> str | None:
    """One date moved: its day, month or year changed (a year never to the document's own year)."""
    ds = find_dates(text)
    if not ds:
        return None
    d = rng.choice(ds)
    parts = [p for p, v in (("day", d.day), ("month", d.month), ("year", d.year)) if v is not None]
    for _ in range(20):
        part = rng.choice(parts)
        y, mo, day = d.year, d.month, d.day
        if part == "day":
            day = rng.choice([k for k in range(1, 29) if k != d.day and abs(k - (d.day or 0)) <= 9])
        elif part == "month":
            mo = rng.choice([k for k in range(1, 13) if k != d.month])
        else:
            y = (d.year or 2000) + rng.choice([-2, -1, 1, 2])
            if y == doc_year:
                continue
        new = write_date(d.form, y, mo, day)
        if new not in text:
            return _splice(text, d.start, d.end, new)
    return None


# Opposites, each way round. General English; deliberately wider than the checker's own list.
OPPOSITES = [
    ("added", "removed"), ("adds", "removes"), ("add", "remove"), ("addition", "removal"), ("before", "after"),
    ("imposed", "lifted"), ("impose", "lift"), ("imposes", "lifts"), ("upheld", "struck down"), ("uphold", "strike down"),
    ("increased", "decreased"), ("increase", "decrease"), ("rose", "fell"),
    ("approved", "rejected"), ("approve", "reject"), ("allowed", "banned"), ("allows", "bans"),
    ("permitted", "prohibited"), ("permit", "prohibit"), ("granted", "denied"), ("grant", "deny"),
    ("accepted", "rejected"), ("supported", "opposed"), ("support", "oppose"), ("supports", "opposes"),
    ("won", "lost"), ("win", "lose"), ("signed", "vetoed"), ("included", "excluded"), ("including", "excluding"),
    ("restored", "suspended"), ("restore", "suspend"), ("resumed", "halted"), ("enacted", "repealed"),
    ("revoked", "reinstated"), ("revoke", "reinstate"), ("more", "fewer"), ("higher", "lower"), ("above", "below"),
    ("earlier", "later"), ("first", "last"), ("began", "ended"), ("opened", "closed"), ("legal", "illegal"),
    ("constitutional", "unconstitutional"), ("lawful", "unlawful"), ("guilty", "innocent"), ("confirmed", "denied"),
    ("strengthen", "weaken"), ("expanded", "restricted"), ("bought", "sold"), ("buy", "sell"), ("acquired", "divested"),
    ("import", "export"), ("imports", "exports"), ("entered", "exited"), ("agreed", "refused"), ("agree", "refuse"),
    ("majority", "minority"), ("blocked", "permitted"), ("block", "permit"), ("extended", "shortened"),
    ("in favor of", "against"), ("ahead of", "behind"), ("maximum", "minimum"), ("passed", "failed"),
    ("welcomed", "condemned"), ("praised", "criticized"), ("success", "failure"), ("benefit", "harm"),
    ("protect", "endanger"), ("rising", "falling"), ("gained", "lost"), ("strong", "weak"),
]  # fmt: skip
_OPP: dict[str, str] = {}
for _a, _b in OPPOSITES:
    _OPP.setdefault(_a, _b)
    _OPP.setdefault(_b, _a)
_OPP_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(_OPP, key=len, reverse=True)) + r")\b", re.I)
# Past tenses whose base form the negation rule may write ('did not sign'); other verbs get 'never'.
BASE_FORMS = {
    "signed": "sign", "ordered": "order", "banned": "ban", "blocked": "block", "passed": "pass", "approved": "approve",
    "announced": "announce", "issued": "issue", "imposed": "impose", "added": "add", "removed": "remove", "asked": "ask",
    "called": "call", "filed": "file", "granted": "grant", "denied": "deny", "voted": "vote", "published": "publish",
    "reported": "report", "urged": "urge", "warned": "warn", "agreed": "agree", "allowed": "allow", "required": "require",
    "stated": "state", "claimed": "claim", "declined": "decline", "delayed": "delay", "extended": "extend",
    "restored": "restore", "revoked": "revoke", "ruled": "rule", "rejected": "reject", "accepted": "accept",
    "submitted": "submit", "reviewed": "review", "decided": "decide", "presided": "preside", "launched": "launch",
    "introduced": "introduce", "received": "receive", "promised": "promise", "expressed": "express", "vowed": "vow",
    "opposed": "oppose", "supported": "support", "confirmed": "confirm", "released": "release", "argued": "argue",
    "prohibited": "prohibit", "directed": "direct", "declared": "declare", "invoked": "invoke", "determined": "determine",
}  # fmt: skip
_FROM_TO = re.compile(
    r"\bfrom ((?:[\w.'$%-]+ ){0,3}?[\w.'$%-]+) to ((?:[\w.'$%-]+ ){0,3}?[\w'$%-]+)(?=[,.;:)]|\s(?:on|in|by|after|before|and|for|under|as|at|over)\b|$)"
)


def direction_flipped(text: str, rng: random.Random) -> str | None:
    """An antonym swapped in ('added' -> 'removed', 'upheld' -> 'struck down'), or 'from A to B' -> 'from B to A'."""
    m = _FROM_TO.search(text)
    if m and re.match(r"(?:[a-z]+ing|it|them|him|her|us|me|you|being|having)\b", m.group(1) + " " + m.group(2)):
        m = None  # 'from exporting technology to it': not a move from one place or value to another
    if m and re.match(r"(?:[a-z]+ing|it|them|him|her|us|me|you)\b", m.group(2)):
        m = None
    if m and m.group(1).lower() != m.group(2).lower() and rng.random() < 0.5:
        return _splice(text, m.start(), m.end(), f"from {m.group(2)} to {m.group(1)}")
    found = [
        x
        for x in _OPP_RE.finditer(text)
        if (x.group(1).islower() or x.start() == 0) and "-" not in text[max(0, x.start() - 1) : x.end() + 1]
    ]  # not inside a name or a compound ('first-of-its-kind')
    if found:
        x = rng.choice(found)
        word = x.group(1)
        new = _OPP[word.lower()]
        if word[0].isupper():
            new = _capitalise(new)
        out = _splice(text, x.start(), x.end(), new)
        return re.sub(r"\b(a) (a|e|i|o|u)", r"an \2", out) if new[:1] in "aeiou" else out
    if m and m.group(1).lower() != m.group(2).lower():
        return _splice(text, m.start(), m.end(), f"from {m.group(2)} to {m.group(1)}")
    return None


_ENTITY = re.compile(
    r"(?<![\w.'-])((?:[A-Z][\w'.&-]*[\w]|[A-Z]\.?)(?:\s(?:of\s(?:the\s)?)?(?:[A-Z][\w'.&-]*[\w]|[A-Z]\.))*)"
)
ENTITY_STOP = {
    "the", "a", "an", "in", "on", "at", "for", "but", "and", "or", "it", "he", "she", "they", "we", "i", "this", "that",
    "these", "those", "his", "her", "their", "its", "our", "as", "if", "when", "while", "after", "before", "also", "however",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mr", "ms", "mrs", "dr", "no", "yes",
    "under", "by", "with", "from", "to", "of", "there", "what", "which", "who", "such", "some", "all", "both", "each",
}  # fmt: skip


def entities(text: str) -> list[tuple[int, int, str]]:
    """Runs of capitalised words that name something ('Commerce Department', 'Greg Gianforte'), not a sentence's first word alone."""
    out = []
    for m in _ENTITY.finditer(text):
        name = m.group(1).rstrip(".'")
        toks = name.split()
        if toks and toks[0].lower() in ENTITY_STOP:
            toks = toks[1:]
            if not toks:
                continue
            name = " ".join(toks)
        start = m.start() + m.group(1).index(toks[0])
        if name.lower().rstrip(".") in _MONTH_NUM or all(
            t.lower().rstrip(".") in _MONTH_NUM or t.lower() in ENTITY_STOP for t in toks
        ):
            continue
        before = text[:start].rstrip()
        sentence_start = not before or before.endswith((".", "!", "?", '"', "“", ":"))
        if sentence_start and len(toks) == 1 and not name.isupper():
            continue
        if len(name) < 2 or re.search(r"\d", name) or re.search(r"-[a-z]", name):
            continue
        end = start + len(name)
        if "." in name and text[end : end + 1] == "." and end + 1 < len(text):
            end += 1  # 'U.S.' whole (not the sentence's own full stop)
            name = text[start:end]
        out.append((start, end, name))
    return out


def _fold_words(text: str) -> set[str]:
    from app.answer import normalise as nz

    return nz.words(text)


def entity_swapped(
    text: str, rng: random.Random, pool_names: Sequence[str] = (), corpus_names: Sequence[str] = ()
) -> tuple[str, str] | None:
    """One name swapped for another of the same corpus that the sentence does not mention.
    Half the time the new name is one the evidence pool mentions (a writer mixing up its sources).
    Returns (claim, where the name came from)."""
    spans = entities(text)
    if not spans:
        return None
    own = _fold_words(text)
    s, e, old = rng.choice(spans)

    def fits(name: str) -> bool:
        f = _fold_words(name)
        return bool(f) and not (f & own) and name != old and len(name) > 2

    for origin, names in (
        (("pool", pool_names), ("corpus", corpus_names))
        if rng.random() < 0.5
        else (("corpus", corpus_names), ("pool", pool_names))
    ):
        cands = sorted({n for n in names if fits(n)})
        if not cands:
            continue
        same_len = [n for n in cands if len(n.split()) == len(old.split())]
        new = rng.choice(same_len or cands)
        return _splice(text, s, e, new), origin
    return None


# --- the cases ----------------------------------------------------------------------


@dataclass
class Case:
    corpus: str
    kind: str
    truth: bool
    claim: str
    source: str  # the sentence the claim was made from
    source_doc: str
    evidence: list[Passage]
    source_index: int  # where the source sentence is in ``evidence`` (-1: left out)
    hint: list[int] | None
    note: str = ""
    results: dict[str, dict[str, Any]] = field(default_factory=dict)  # threshold -> check


def _year(date: str) -> int | None:
    m = re.match(r"(\d{4})", date or "")
    return int(m.group(1)) if m else None


def restates(source: str, other: str) -> bool:
    """``other`` states most of what ``source`` does (another document reporting the same fact)."""
    from app.answer.text import content_words

    a, b = content_words(source), content_words(other)
    return bool(a) and len(a & b) >= RESTATES * len(a)


def distractors(
    i: int, sentences: list[Passage], sims: np.ndarray, n: int, per_doc: int = PER_DOC, strict: bool = False
) -> list[int]:
    """The ``n`` sentences of other documents most similar to sentence ``i`` (no copies of it, ``per_doc`` a document).
    ``strict``: none that restates it either (the pool of a claim cited to the wrong documents must not support it)."""
    src = sentences[i]
    out: list[int] = []
    taken: Counter[str] = Counter()
    for j in np.argsort(-sims[i]):
        j = int(j)
        o = sentences[j]
        if o.doc_id == src.doc_id or sims[i, j] > DUPLICATE or taken[o.doc_id] >= per_doc or o.text == src.text:
            continue
        if strict and (sims[i, j] > STRICT_DUPLICATE or restates(src.text, o.text)):
            continue
        out.append(j)
        taken[o.doc_id] += 1
        if len(out) == n:
            break
    return out


Generator = Callable[[str, random.Random], "str | None"]
RULES: dict[str, Generator] = {
    "drop_clause": drop_clause, "said_stated": said_stated, "number_form": number_form, "date_format": date_format,
    "us_alias": us_alias, "shortened": shortened, "reworded": reworded, "negated": negated,
    "number_changed": number_changed, "direction_flipped": direction_flipped,
}  # fmt: skip


def make_cases(
    corpus: str,
    sentences: list[Passage],
    sims: np.ndarray,
    per_kind: int,
    rng: random.Random,
    distractor_n: int = DISTRACTORS,
) -> list[Case]:
    """Up to ``per_kind`` claims of each kind from a shuffled sample of the corpus's claimable sentences."""
    order = [i for i in range(len(sentences)) if claimable(sentences[i])]
    rng.shuffle(order)
    corpus_names = sorted({name for s in sentences for _, _, name in entities(s.text)})
    counts: Counter[str] = Counter()
    cases: list[Case] = []
    for i in order:
        if all(counts[k] >= per_kind for k in KINDS):
            break
        src = sentences[i]
        pool_idx = distractors(i, sentences, sims, distractor_n)
        if len(pool_idx) < distractor_n:
            continue
        pool_names = sorted({name for j in pool_idx for _, _, name in entities(sentences[j].text)})
        made: list[tuple[str, str, str]] = []  # kind, claim, note
        for kind in KINDS:
            if counts[kind] >= per_kind:
                continue
            note = ""
            claim: str | None
            if kind in ("verbatim", "wrong_document"):
                claim = src.text
            elif kind == "date_moved":
                claim = date_moved(src.text, rng, _year(src.date))
            elif kind == "entity_swapped":
                got = entity_swapped(src.text, rng, pool_names, corpus_names)
                claim, note = got if got else (None, "")
                if got:
                    note = f"name from the {note}"
            else:
                claim = RULES[kind](src.text, rng)
            if claim and (kind in ("verbatim", "wrong_document") or claim.strip() != src.text.strip()):
                made.append((kind, " ".join(claim.split()), note))
        for kind, claim, note in made:
            counts[kind] += 1
            if kind == "wrong_document":
                idx = distractors(i, sentences, sims, distractor_n + 1, strict=True)
                evidence = [sentences[j] for j in idx]
                rng.shuffle(evidence)
                source_index = -1
            else:
                evidence = [src, *(sentences[j] for j in pool_idx)]
                rng.shuffle(evidence)
                source_index = next(k for k, p in enumerate(evidence) if p is src)
            hint = [rng.randrange(len(evidence))] if rng.random() < 0.5 else None
            cases.append(
                Case(corpus, kind, kind in TRUE_KINDS, claim, src.text, src.source, evidence, source_index, hint, note)
            )
    return cases


# --- checking and scoring -----------------------------------------------------------


def correct(case: Case, check: dict[str, Any]) -> bool:
    """A TRUE claim: supported with the source sentence among its citations. A FALSE claim: not supported."""
    if case.truth:
        return bool(check["supported"]) and case.source_index in check["cites"]
    return not check["supported"]


def check_all(cases: list[Case], vectors: Any, thresholds: Sequence[float]) -> None:
    from app.answer.align import check_claim

    for c in cases:
        for t in thresholds:
            r = check_claim(c.claim, c.evidence, vectors, t, c.hint)
            c.results[f"{t:.2f}"] = {
                "supported": r.supported,
                "cites": r.cites,
                "score": r.score,
                "reason": r.reason,
                "kind": r.kind,
            }


def _rate(cases: Sequence[Case], key: str) -> float | None:
    if not cases:
        return None
    return round(
        sum(
            bool(c.results[key]["supported"]) and (not c.truth or c.source_index in c.results[key]["cites"])
            for c in cases
        )
        / len(cases),
        4,
    )


def summarise(cases: list[Case], key: str) -> dict[str, Any]:
    """Acceptance per kind, and overall for TRUE and FALSE claims, at threshold ``key``."""
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        cs = [c for c in cases if c.kind == kind]
        if not cs:
            continue
        entry: dict[str, Any] = {"truth": kind in TRUE_KINDS, "count": len(cs), "accepted": _rate(cs, key)}
        if kind in TRUE_KINDS:
            entry["supported_other_citation"] = round(
                sum(c.results[key]["supported"] and c.source_index not in c.results[key]["cites"] for c in cs)
                / len(cs),
                4,
            )
        by_kind[kind] = entry
    trues = [c for c in cases if c.truth]
    falses = [c for c in cases if not c.truth]
    let_through = [c for c in falses if c.results[key]["supported"]]
    return {
        "true_accepted": _rate(trues, key),
        "false_accepted": _rate(falses, key),
        "true_claims": len(trues),
        "false_claims": len(falses),
        "by_kind": by_kind,
        # How the false claims got through: on a pair of sentences, on the source sentence, hinted there.
        "false_accepted_how": {
            "total": len(let_through),
            "on_a_pair": sum(len(c.results[key]["cites"]) > 1 for c in let_through),
            "citing_the_source": sum(c.source_index in c.results[key]["cites"] for c in let_through),
            "not_citing_the_source": sum(c.source_index not in c.results[key]["cites"] for c in let_through),
            "score_below_0.65": sum(c.results[key]["score"] < 0.65 for c in let_through),
        },
        "entity_swapped_by_origin": {
            origin: _rate(
                [c for c in falses if c.kind == "entity_swapped" and c.note == f"name from the {origin}"], key
            )
            for origin in ("pool", "corpus")
        },
        # Why the true claims were refused (the first words of the reason).
        "true_rejected_reasons": dict(
            Counter(
                re.sub(r"[:(].*", "", c.results[key]["reason"]).strip() or "cited another sentence"
                for c in trues
                if not correct(c, c.results[key])
            ).most_common()
        ),
    }


def mistake(c: Case, key: str) -> dict[str, Any]:
    r = c.results[key]
    return {
        "corpus": c.corpus,
        "kind": c.kind,
        "truth": c.truth,
        "claim": c.claim,
        "source": c.source,
        "source_doc": c.source_doc,
        "note": c.note,
        "hint": c.hint,
        "source_index": c.source_index,
        "supported": r["supported"],
        "cites": r["cites"],
        "cited": [c.evidence[i].text for i in r["cites"]],
        "cited_docs": [c.evidence[i].source for i in r["cites"]],
        "score": r["score"],
        "reason": r["reason"],
        "evidence": [f"[{k}] {p.source}: {p.text}" for k, p in enumerate(c.evidence)],
    }


def run(
    settings: Settings,
    corpora: Sequence[tuple[str, Path]] | None = None,
    multihop: Path | None = None,
    per_kind: int = 0,
    seed: int = SEED,
    thresholds: Sequence[float] = THRESHOLDS,
    ingest: bool = True,
) -> dict[str, Any]:
    """Build the benchmark from ``corpora`` ((name, folder) pairs; default: the dev corpus and the sample
    corpus) and, with ``multihop``, the MultiHop-RAG corpus; check every claim; score it.

    Each corpus is ingested into ``settings.index_dir / name`` (with ``ingest=False`` the index of
    ``settings`` itself is read, already built, and ``corpora`` is just the name to report)."""
    from app.answer.evidence import SentenceVectors
    from app.embedding import get_embedding

    t0 = time.perf_counter()
    per_kind = per_kind or PER_KIND
    if corpora is None:
        corpora = [(n, p) for n, p in (("tiktok", DEFAULT_TIKTOK), ("sample", DEFAULT_SAMPLE)) if p.is_dir()]
    corpora = list(corpora)
    work = settings.index_dir
    if multihop is not None:
        from eval.multihop_suite import build_corpus, load_queries

        folder = work / "multihop-docs"
        build_corpus(load_queries(multihop), folder)
        corpora.append(("multihop", folder))
    vectors = SentenceVectors(get_embedding(settings))
    rng = random.Random(seed)
    default = float(settings.support_threshold)
    keys = sorted({*thresholds, default})
    cases: list[Case] = []
    corpus_info: dict[str, Any] = {}
    for name, folder in corpora:
        s = settings
        info: dict[str, Any] = {"folder": str(folder)}
        if ingest:
            s = settings.model_copy(update={"index_dir": work / name, "corpus_dir": Path(folder).resolve()})
            info["ingest"] = build_index(s, Path(folder))
        sentences = stored_sentences(s)
        mat = vectors.get([p.text for p in sentences])
        sims = mat @ mat.T
        made = make_cases(name, sentences, sims, per_kind, random.Random(rng.random()))
        info.update({"sentences": len(sentences), "claimable": sum(map(claimable, sentences)), "claims": len(made)})
        corpus_info[name] = info
        cases.extend(made)
    t1 = time.perf_counter()
    check_all(cases, vectors, keys)
    t2 = time.perf_counter()
    dkey = f"{default:.2f}"
    at_default = summarise(cases, dkey)
    curve = []
    for t in keys:
        sm = summarise(cases, f"{t:.2f}")
        curve.append({
            "threshold": t, "true_accepted": sm["true_accepted"], "false_accepted": sm["false_accepted"],
            "by_kind": {k: v["accepted"] for k, v in sm["by_kind"].items()},
        })  # fmt: skip
    # Worst first: false claims accepted with the highest support, true claims refused with the highest.
    mistakes = [mistake(c, dkey) for c in cases if not correct(c, c.results[dkey])]
    mistakes.sort(key=lambda x: (KINDS.index(x["kind"]), -x["score"]))
    per_corpus = {name: summarise([c for c in cases if c.corpus == name], dkey) for name, _ in corpora}
    return {
        "suite": "verifier",
        "seed": seed,
        "per_kind_cap": per_kind,
        "distractors": DISTRACTORS,
        "threshold": default,
        "targets": {"false_accepted_at_most": TARGET_FALSE, "true_accepted_at_least": TARGET_TRUE},
        "corpora": corpus_info,
        "n_claims": len(cases),
        "metrics": at_default,
        "per_corpus": per_corpus,
        "threshold_curve": curve,
        "mistakes": mistakes,
        "cases": [
            {
                "corpus": c.corpus,
                "kind": c.kind,
                "truth": c.truth,
                "claim": c.claim,
                "source": c.source,
                "note": c.note,
                "source_index": c.source_index,
                "hint": c.hint,
                "evidence": [asdict(p)["text"] for p in c.evidence],
                "results": c.results,
            }
            for c in cases
        ],
        "seconds": {"build": round(t1 - t0, 1), "check": round(t2 - t1, 1)},
    }


# --- the report ----------------------------------------------------------------------


def _pct(v: float | None) -> str:
    return "" if v is None else f"{100 * v:.1f}%"


def _cell(text: Any, width: int = 240) -> str:
    t = " ".join(str(text).split()).replace("|", "\\|")
    return t if len(t) <= width else t[: width - 1] + "…"


def render_markdown(results: dict[str, Any], examples: int = 6) -> str:
    m = results["metrics"]
    tg = results["targets"]
    ok_f = m["false_accepted"] is not None and m["false_accepted"] <= tg["false_accepted_at_most"]
    ok_t = m["true_accepted"] is not None and m["true_accepted"] >= tg["true_accepted_at_least"]
    out = [
        f"# Dossier evaluation: verifier ({results.get('date', '')})",
        "",
        f"{results['n_claims']} claims from the corpora's own sentences ({', '.join(results['corpora'])}), seed {results['seed']},"
        f" each checked against its source sentence and {results['distractors']} distractors of other documents"
        " (the wrong-document claims: against other documents only).",
        "",
        f"At the support threshold {results['threshold']:.2f}: **true claims accepted {_pct(m['true_accepted'])}**"
        f" (target >= {_pct(tg['true_accepted_at_least'])}: {'met' if ok_t else 'NOT met'}),"
        f" **false claims accepted {_pct(m['false_accepted'])}** (target <= {_pct(tg['false_accepted_at_most'])}:"
        f" {'met' if ok_f else 'NOT met'}).",
        "",
        "## Per kind",
        "",
        "| kind | truth | claims | accepted | supported, wrong citation |",
        "|---|---|---|---|---|",
    ]
    for kind, v in m["by_kind"].items():
        out.append(
            f"| {kind} | {'true' if v['truth'] else 'false'} | {v['count']} | {_pct(v['accepted'])} | {_pct(v.get('supported_other_citation'))} |"
        )
    how = m.get("false_accepted_how", {})
    if how.get("total"):
        out += [
            "",
            f"False claims accepted: {how['total']}; {how['on_a_pair']} on a pair of sentences,"
            f" {how['citing_the_source']} citing the source sentence, {how['not_citing_the_source']} citing only other"
            f" sentences, {how['score_below_0.65']} with a support score below 0.65.",
        ]
    eo = m.get("entity_swapped_by_origin", {})
    if any(v is not None for v in eo.values()):
        out.append(
            f"\nSwapped names accepted: {_pct(eo.get('pool'))} when the new name is in the evidence pool,"
            f" {_pct(eo.get('corpus'))} when it is only elsewhere in the corpus."
        )
    if m.get("true_rejected_reasons"):
        out.append(
            "\nTrue claims refused, by reason: "
            + "; ".join(f"{k}: {v}" for k, v in m["true_rejected_reasons"].items())
            + "."
        )
    out += ["", "## Per corpus", "", "| corpus | claims | true accepted | false accepted |", "|---|---|---|---|"]
    for name, sm in results["per_corpus"].items():
        out.append(
            f"| {name} | {sm['true_claims'] + sm['false_claims']} | {_pct(sm['true_accepted'])} | {_pct(sm['false_accepted'])} |"
        )
    kinds = list(m["by_kind"])
    out += [
        "",
        "## Threshold curve",
        "",
        "| threshold | true accepted | false accepted | " + " | ".join(kinds) + " |",
        "|---" * (len(kinds) + 3) + "|",
    ]
    for row in results["threshold_curve"]:
        mark = " (default)" if abs(row["threshold"] - results["threshold"]) < 1e-9 else ""
        out.append(
            f"| {row['threshold']:.2f}{mark} | {_pct(row['true_accepted'])} | {_pct(row['false_accepted'])} | "
            + " | ".join(_pct(row["by_kind"].get(k)) for k in kinds)
            + " |"
        )
    out += ["", f"## Mistakes at {results['threshold']:.2f} (up to {examples} a kind)", ""]
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for x in results["mistakes"]:
        by_kind[x["kind"]].append(x)
    if not by_kind:
        out.append("None.")
    for kind in KINDS:
        xs = by_kind.get(kind)
        if not xs:
            continue
        out += [
            f"\n### {kind} ({len(xs)})\n",
            "| claim | source sentence | verdict | cited | evidence pool |",
            "|---|---|---|---|---|",
        ]
        for x in xs[:examples]:
            verdict = ("accepted" if x["supported"] else "rejected") + f" ({x['score']:.2f}): {x['reason']}"
            if x["note"]:
                verdict += f"; {x['note']}"
            if x["hint"] is not None:
                verdict += f"; hint [{x['hint'][0]}], source [{x['source_index']}]"
            out.append(
                f"| {_cell(x['claim'])} | {_cell(x['source'])} | {_cell(verdict, 160)} | {_cell(' / '.join(x['cited']) or '-')} "
                f"| {_cell(' '.join(x['evidence']), 400)} |"
            )
    t = results.get("seconds", {})
    out.append(f"\nBuilt in {t.get('build', '')} s, checked in {t.get('check', '')} s.")
    return "\n".join(out) + "\n"


def write_report(results: dict[str, Any], folder: Path) -> Path:
    """metrics.json, summary.md and report.html (the summary as HTML) in ``folder``."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics.json").write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str))
    md = render_markdown(results)
    (folder / "summary.md").write_text(md)
    try:
        import markdown_it

        body = markdown_it.MarkdownIt().enable("table").render(md)
        (folder / "report.html").write_text(
            "<!doctype html><meta charset='utf-8'><title>Dossier verifier benchmark</title>"
            "<style>body{font-family:sans-serif;max-width:1300px;margin:2em auto}table{border-collapse:collapse}"
            f"td,th{{border:1px solid #ccc;padding:3px 6px;font-size:12px;vertical-align:top}}</style>{body}",
            encoding="utf-8",
        )
    except ImportError:
        pass
    return folder


def run_cli(settings: Settings, corpus: Path | None, data: Path | None, per_kind: int, out: Path, name: str) -> Path:
    """``dossier eval --suite verifier``: the dev and sample corpora (or ``corpus``), and the MultiHop-RAG
    corpus from ``data`` (default: the shared benchmark when it is there and no ``corpus`` is given)."""
    import datetime as dt

    corpora = [(corpus.resolve().name, corpus)] if corpus else None
    if data is None and corpus is None and DEFAULT_MULTIHOP.is_file():
        data = DEFAULT_MULTIHOP
    results = run(settings, corpora, data, per_kind=per_kind or PER_KIND)
    results["date"] = dt.datetime.now().isoformat(timespec="seconds")
    results["settings"] = {k: str(v) for k, v in settings.model_dump().items()}
    folder = write_report(results, out / f"{dt.date.today().isoformat()}-{name or 'verifier'}")
    print((folder / "summary.md").read_text().split("## Mistakes")[0])
    print(f"report: {folder}")
    return folder

"""Small text tools shared by evidence selection and verification.

Sentence splitting is written here (not nltk punkt or LlamaIndex's splitter)
because Dossier needs exact character offsets of each sentence inside the
document, and the press-release text is full of abbreviations ("U.S.", "E.O.",
"Co., Ltd.") that need a fixed, predictable rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ABBREVIATIONS = {
    "u.s", "u.k", "u.n", "e.o", "co", "ltd", "inc", "corp", "no", "nos", "mr", "mrs", "ms", "dr", "prof",
    "st", "jr", "sr", "vol", "p", "pp", "fig", "e.g", "i.e", "etc", "vs", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "gen", "gov", "sen", "rep", "dept", "art",
    "sec", "u.s.c", "c.f.r", "fr", "approx", "est", "ch", "op", "cf", "seq", "al",  # "et seq.", "et al."
}  # fmt: skip
# What follows a full stop but cannot open a sentence: an acronym in brackets going on with the clause
# ("... 1701 et seq.) (IEEPA), the National Emergencies Act ...").
_GOES_ON = re.compile(r"\([A-Z][A-Za-z.&]*\)\s*[,;:a-z]")

STOPWORDS = set(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
    now of off on once only or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves said says say
    did does according tell told give gave describe explain whose much many one ones""".split()
)

_BOUNDARY = re.compile(r"([.!?]+[\"'”’)\]]*)(\s+)(?=[\"“‘'(\[]?[A-Z0-9])|(\n\s*\n)")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’\-]*|\d[\d,.]*\d|\d")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character spans (absolute in ``text``) of the sentences in ``text[start:end]``."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    seg_start = start
    for m in _BOUNDARY.finditer(text, start, end):
        if m.group(3) is not None:  # paragraph break
            cut = m.start(3)
        else:
            before = text[seg_start : m.start(1)]
            last = re.search(r"([A-Za-z][A-Za-z.]*)$", before)
            if last:
                token = last.group(1).lower().rstrip(".")
                if token in ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                    continue
            if _GOES_ON.match(text, m.end()):
                continue
            cut = m.end(1)
        _add_span(text, seg_start, cut, spans)
        seg_start = m.end()
    _add_span(text, seg_start, end, spans)
    return spans


def _add_span(text: str, s: int, e: int, spans: list[tuple[int, int]]) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e - s >= 2 and re.search(r"[A-Za-z0-9]", text[s:e]):
        spans.append((s, e))


def split_sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def stem(word: str) -> str:
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    for suffix in ("ies", "ied", "es", "s", "ed", "ing"):
        if len(w) > len(suffix) + 2 and w.endswith(suffix):
            if suffix == "es" and not w.endswith(("ses", "xes", "zes", "ches", "shes")):
                continue  # "drones" -> "drone" (via "s"), but "taxes" -> "tax"
            w = w[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
            if suffix in ("ed", "ing") and len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]  # "banned" -> "ban", "planning" -> "plan" (but "called", "passed" keep theirs)
            return w
    return w


def content_words(text: str) -> set[str]:
    out = set()
    for w in _WORD.findall(text):
        for part in w.split("-") if "-" in w else (w,):
            if part and (part.isdigit() or (len(part) > 1 and part.lower() not in STOPWORDS)):
                out.add(stem(part))
    return out


# Words that frame a question rather than name its topic ("What did the article claim ...").
# They are not expected to occur in a passage that answers the question.
FRAMING_WORDS = set(
    """article articles report reports document documents source sources statement statements text passage claim
    claims claimed mention mentions mentioned describe described cite cited quote quoted credit credited say
    reason reasons cause why role position react reaction respond response compare comparison different difference
    same other others besides together both either kind kinds type types example examples happen happened made
    make take taken found find show shows known call called mean means refer referred name named list listed
    involve involvement possible exactly specific specifically main according day days apart date dates figure figures
    news release released official week""".split()
)
_FRAMING_STEMS = {stem(w) for w in FRAMING_WORDS}


def topic_terms(question: str) -> set[str]:
    return {t for t in content_words(question) if t not in _FRAMING_STEMS}


def term_covered(term: str, vocabulary: set[str]) -> bool:
    """Exact stem, or a shared prefix of 5+ characters ('effect' ~ 'effective', 'announce' ~ 'announced')."""
    if term in vocabulary:
        return True
    if len(term) < 5:
        return False
    return any(len(v) >= 5 and (v.startswith(term) or term.startswith(v)) for v in vocabulary)


NUMBER_WORDS = re.compile(
    r"\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundred|thousand|million|billion|dozens?|percent)\b",
    re.I,
)


def numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in re.findall(r"\d[\d,.]*", text)}


def has_quantity(text: str) -> bool:
    return bool(re.search(r"\d", text) or NUMBER_WORDS.search(text))


MONTHS = "january february march april may june july august september october november december".split()


def names(text: str) -> set[str]:
    """Capitalised words that are not the first word of a sentence nor stopwords: names, places, bodies."""
    found: set[str] = set()
    for sent in split_sentences(text) or [text]:
        words = _WORD.findall(sent)
        for i, w in enumerate(words):
            if i == 0 or not w[0].isupper() or w.lower() in STOPWORDS or w.lower() in MONTHS:
                continue
            found.add(stem(w))
    return found


def overlap(query_terms: Iterable[str], text_terms: set[str]) -> float:
    q = set(query_terms)
    if not q:
        return 0.0
    return len(q & text_terms) / len(q)


_MARKER = re.compile(r"\s*\[(\d+)\]")


def citation_markers(sentence: str) -> list[int]:
    return [int(n) for n in _MARKER.findall(sentence)]


def strip_markers(sentence: str) -> str:
    return _MARKER.sub("", sentence).strip()

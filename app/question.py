"""What a question asks, read from its grammar: yes/no or not, and its clauses.

Used by retrieval (one sub-query per clause, so that both facts of "Did X happen before
Y?" are retrieved even when they sit in two documents) and by the answer (a yes/no
question gets a committed "Yes." or "No."). Grammar only: no table of question shapes
fitted to a gold set.
"""

from __future__ import annotations

import re

AUX = (
    "did", "does", "do", "is", "was", "were", "are", "has", "have", "had", "can", "could", "will", "would",
    "should", "may", "might", "must", "shall",
)  # fmt: skip
_AUX_RE = re.compile(r"^(?:" + "|".join(AUX) + r")(?:n't)?\b", re.I)
# A leading frame before the question proper: "According to the 2020 order, did ...", "In 2024, was ...".
_LEAD = re.compile(r"^(?:according to|in|on|by|after|before|under|as of|based on|per)\b[^,?]{0,80},\s*", re.I)
# Words that join the two facts a comparison or a temporal question rests on.
_JOINS = re.compile(
    r",?\s+(?:before|after|while|whereas|than|by the time|at the time|compared (?:with|to)|compares? (?:with|to)|as well as|"
    # "..., and what did ...?" / "..., and did ...?": a second question. ("and is/has ..." mostly goes on
    # with a relative clause, "the firm that X and is now Y", which is one question.)
    r"and(?=\s+(?:what|when|where|why|who|whom|which|how|did|does|do)\b)|"
    r"as (?:much|many|long|early|late|large|high|low|big)(?: \w+){0,3}? as)\s+",
    re.I,
)
_WORD = re.compile(r"[A-Za-z0-9][\w'’-]*")
_FRAME = {"the", "a", "an", "of", "to", "in", "on", "by", "and", "or", "did", "does", "do", "is", "was", "were", "that", "it"}


def _content(text: str) -> int:
    """How many of ``text``'s words are not frame words: a clause needs a few of its own."""
    return sum(w.lower() not in _FRAME for w in _WORD.findall(text))


def core(question: str) -> str:
    """The question without a leading frame ('According to X, ...')."""
    q = " ".join(question.split())
    return _LEAD.sub("", q, count=1)


# "before or after", "agree or disagree", "consistent or inconsistent": the answer is one of the two.
EITHER_OR = re.compile(r"\b(\w+) or (dis|in|un)?\1\b|\bbefore or after\b|\bafter or before\b|\bhigher or lower\b|\bmore or less\b", re.I)
_FRAME_START = re.compile(r"^(?:between|after|before|following|since|considering|given|according to|in|on|when|while|as|during|from)\b", re.I)
_MAIN_AUX = re.compile(r",\s+(?:" + "|".join(AUX) + r")(?:n't)?\s", re.I)


def is_yes_no(question: str) -> bool:
    """'Did/Was/Has/Can ... ?' (after any leading frame: "Between the report of X and the report of Y,
    was there ...?"), not 'Which/What/When ...', nor an either-or ('... before or after ...?')."""
    whole = " ".join(question.split()).lstrip("\"'“‘(")
    q = core(question).lstrip("\"'“‘(")
    if EITHER_OR.search(whole):
        return False
    if _AUX_RE.match(q):
        return True
    if _WH_START.match(whole) or not _FRAME_START.match(whole):
        return False  # "In which game ...?"
    aux = _MAIN_AUX.search(whole)
    # After a frame, the question proper is the first clause that opens with an auxiliary or with a
    # wh-word that asks ("Considering X and Y, which division, as both say, is ...?", "..., when did ...?");
    # "which" before a verb, or "when" before a subject, opens a clause inside the frame ("..., which
    # reported X, did ...?", "..., when they met, did ...?").
    wh = next((m for m in _MAIN_WH.finditer(whole) if _asks(m.group(1), m.group(2))), None)
    return aux is not None and (wh is None or aux.start() < wh.start())


_WH_START = re.compile(r"^(?:in|on|at|for|from|by|with|to|of|under|during|since|after|before|between)\s+(?:which|what|whom|whose)\b", re.I)
_MAIN_WH = re.compile(r",\s+(which|what|whose|when|where|why|how)\s+([\w'’-]+)", re.I)
# Third-person verbs of reporting, and adverbs before a verb, that a relative clause opens with ("which
# suggests ...", "which also ...").
_SAYS = re.compile(
    r"^(?:says|suggests|reports|states|claims|mentions|details|highlights|notes|argues|shows|covers|explains|"
    r"reveals|examines|outlines|predicts|warns|adds|also|then|now|later)$",
    re.I,
)


def _asks(wh: str, word: str) -> bool:
    """Whether a wh-word after a comma, followed by ``word``, opens a question: "which/what/whose" before the
    thing asked for ("which division"), not before a verb (an auxiliary, "-ed", "-es", a verb of saying);
    "when/where/why/how" before an auxiliary ("when did")."""
    w = word.lower()
    if wh.lower() in ("which", "what", "whose"):
        return not (w in AUX or w.endswith(("ed", "es")) or _SAYS.match(w) is not None)
    return w in AUX


_DETERMINERS = {"the", "a", "an", "both", "all", "any", "each", "every", "either"}
_NAME_JOINS = {"of", "the", "and", "for", "on", "de"}


def subject(question: str) -> str:
    """The capitalised words that open a yes/no question's subject: "Did the European Union also
    sanction DJI?" -> "European Union"; "" when the subject is not a name ("Did the bill ...")."""
    q = core(question).lstrip("\"'“‘(")
    m = _AUX_RE.match(q)
    if not m:
        return ""
    words = q[m.end() :].replace("'", " ").replace("‘", " ").replace("“", " ").replace("”", " ").split()
    while words and words[0].lower() in _DETERMINERS:
        words.pop(0)
    run: list[str] = []
    for w in words:
        if w[:1].isupper():
            run.append(w)
        elif run and w.lower() in _NAME_JOINS:
            run.append(w)
        else:
            break
    while run and run[-1].lower() in _NAME_JOINS:
        run.pop()
    return " ".join(run).strip(",.;:?’")


def clauses(question: str) -> list[str]:
    """The clauses of a comparison or a compound question, each with at least three content words;
    [] when the question is one clause. A question asked of two things at once ("What did the order
    and the Act each set?") has one clause per thing (``conjuncts``)."""
    q = " ".join(question.split()).rstrip("?")
    parts = [p.strip(" ,;") for p in _JOINS.split(q)]
    good = [p for p in parts if _content(p) >= 3]
    if len(good) < 2:
        return conjuncts(q) or _appositive(q)
    # "Did A give as much time to divest as B?": what is compared ("time to divest") belongs to both.
    measures = [m.group(1) for m in _AS_MUCH.finditer(q) if m.group(1)]
    if len(measures) == 1:
        good = [p if measures[0].strip().lower() in p.lower() else f"{p} {measures[0].strip()}" for p in good]
    return good


_AS_MUCH = re.compile(r"\bas (?:much|many|long|early|late|large|high|low|big) ((?:\w+ ){0,3}?)?as\b", re.I)


# "Which company, named in the 2020 deal, was again given a role in 2025?": the wh-subject is asked
# about twice, once by the phrase set off by commas and once by the rest.
_APPOSITIVE = re.compile(r"^(?P<wh>(?:which|what|who)(?:\s+[\w'’-]+){0,2}?),\s+(?P<mid>[^,]{12,}),\s+(?P<rest>[^,]{12,})$", re.I)


def _appositive(q: str) -> list[str]:
    m = _APPOSITIVE.match(q)
    if not m:
        return []
    pair = [f"{m.group('wh')} {m.group('mid')}", f"{m.group('wh')} {m.group('rest')}"]
    content = [_content(p) for p in pair]
    return pair if min(content) >= 3 else []


# Where the first of two coordinated things can start: after an auxiliary, a wh-word, a comma or the
# start of the question ("... did | the August order and the 2024 Act each set?").
_LEFT = re.compile(r"(?:^|,\s*|\b(?:" + "|".join(AUX) + r"|what|which|who|whom|how|when|where|why)\s+)", re.I)
# "A and B each / both / respectively ...", "between A and B": the question is asked of A and of B.
_EACH = re.compile(r"\s+and\s+(?P<b>[^,;?]+?)\s+(?:each|both|respectively)\b", re.I)
_BETWEEN = re.compile(r"\bbetween\s+(?P<a>[^,;?]+?)\s+and\s+(?P<b>[^,;?]+?)\s*(?=[,;?]|$)", re.I)


def conjuncts(question: str) -> list[str]:
    """One question per thing a question is asked of at once, the other thing left out: "What
    deadlines did the 2020 order and the 2024 Act each set?" -> ["What deadlines did the 2020 order
    set", "What deadlines did the 2024 Act set"]; "How did X change between its 2020 statement and its
    2025 statement?" -> one question per statement. Each fact often sits in its own document, so each
    is retrieved and chosen on its own. Grammar only: [] when no such coordination is found."""
    q = " ".join(question.split()).rstrip("?")
    m = _EACH.search(q)
    if m:
        starts = [s.end() for s in _LEFT.finditer(q[: m.start()])]
        if not starts:
            return []
        a_start = starts[-1]
        a, b = q[a_start : m.start()], m.group("b")
        owner = re.match(r"((?:[A-Z][\w.-]*\s+){0,3}[A-Z][\w.-]*)['’]s\s", a)
        if owner:
            # "China's Foreign Ministry and its Commerce Ministry": "its" is China's.
            b = re.sub(r"^(?:its|their)\s", f"{owner.group(0)}", b, flags=re.I)
        head, tail = q[:a_start], q[m.end() :]
        pair = [f"{head}{a}{tail}", f"{head}{b}{tail}"]
    else:
        m = _BETWEEN.search(q)
        if not m:
            return []
        head, tail = q[: m.start()], q[m.end() :]
        pair = [f"{head}{m.group('a')}{tail}", f"{head}{m.group('b')}{tail}"]
    pair = [" ".join(p.split()) for p in pair]
    if min(len(x) for x in (m.group("b"), pair[0])) < 3:
        return []
    content = [_content(p) for p in pair]
    return pair if min(content) >= 3 and pair[0] != pair[1] else []


_TEMPORAL = re.compile(
    r"\s*,?\s+\b(before|after|by the time|prior to|earlier than|later than|ahead of)\b\s+", re.I
)
BEFORE = {"before", "by the time", "prior to", "earlier than", "ahead of"}
# Words of a question about how two reports compare ("remained consistent after", "unlike ...", "both"):
# its "before"/"after" places a report in time, and the yes/no is not about the order of two events.
NOT_ORDER = re.compile(
    r"\b(consisten\w*|inconsisten\w*|chang\w*|remain\w*|similar\w*|unlike|compar\w*|while|whereas|both|same|"
    r"differ\w*|shift\w*|maintain\w*|portray\w*|agree(?:s|d|ing)?|disagree\w*|contradict\w*|align\w*)\b",
    re.I,
)


def alternatives(question: str) -> tuple[str, str] | None:
    """The two answers an either-or question offers, in its own words: "... consistent or
    inconsistent?" -> ("consistent", "inconsistent"); "... before or after ...?" -> ("before", "after").
    ("more or less" is left out: it is mostly the idiom.)"""
    m = EITHER_OR.search(" ".join(question.split()))
    if not m:
        return None
    a, b = (w.strip().lower() for w in m.group(0).split(" or ", 1))
    return None if {a, b} == {"more", "less"} or a == b else (a, b)


_EITHER_ORDER = re.compile(r"\s*,?\s+\b(?:before or after|after or before)\b\s+", re.I)


def _two_clauses(q: str, m: re.Match[str]) -> tuple[str, str] | None:
    """The text either side of ``m`` in ``q``, when each side has at least two content words."""
    a, b = q[: m.start()].strip(" ,"), q[m.end() :].strip(" ,")
    if min(_content(x) for x in (a, b)) < 2:
        return None
    return a, b


def temporal_relation(question: str) -> tuple[str, str, str] | None:
    """(clause A, 'before' | 'after', clause B) for a yes/no question "Did A happen before/after B?";
    (clause A, 'either', clause B) for "Was A before or after B?" (the answer is the order itself)."""
    alt = alternatives(question)
    if alt is not None and set(alt) == {"before", "after"}:
        q = core(question).rstrip("?")
        found = list(_EITHER_ORDER.finditer(q))
        pair = _two_clauses(q, found[0]) if len(found) == 1 else None
        # The order is asked outright: words like "maintain" do not make it a comparison of reports.
        return (pair[0], "either", pair[1]) if pair else None
    if not is_yes_no(question) or NOT_ORDER.search(question):
        return None
    q = core(question).rstrip("?")
    found = list(_TEMPORAL.finditer(q))
    pair = _two_clauses(q, found[0]) if len(found) == 1 else None
    if pair is None:
        return None
    return pair[0], "before" if found[0].group(1).lower() in BEFORE else "after", pair[1]


_YEAR = re.compile(r"(?<![\w\-/.])((?:19|20)\d{2})(?![\w\-/])")


def years(question: str) -> list[int]:
    """The distinct years a question names, in order ("in 2020 and again in 2025" -> [2020, 2025])."""
    return list(dict.fromkeys(int(y) for y in _YEAR.findall(question)))


_COMPARE = re.compile(
    r"\s+(?:(as (?:much|many|long|large|high|big|early) (?:\w+\s+){0,3}?as)|((?:more|less|fewer|longer|shorter|larger|smaller|higher|lower|bigger)(?: \w+){0,3}? than))\s+",
    re.I,
)
GREATER = {"more", "longer", "larger", "higher", "bigger"}


def quantity_relation(question: str) -> tuple[str, str, str] | None:
    """(clause A, 'at_least' | 'greater' | 'less', clause B) for "Did A give as much time as B?",
    "Was A more than B?"."""
    if not is_yes_no(question) or NOT_ORDER.search(question):
        return None
    q = core(question).rstrip("?")
    found = list(_COMPARE.finditer(q))
    pair = _two_clauses(q, found[0]) if len(found) == 1 else None
    if pair is None:
        return None
    m, (a, b) = found[0], pair
    # What is compared ("as much time to divest as") belongs to both clauses.
    measure = " ".join(w for w in _WORD.findall(m.group(0)) if w.lower() not in {"as", "than", "much", "many", "more", "less"})
    a, b = f"{a} {measure}".strip(), f"{b} {measure}".strip()
    if m.group(1):
        return a, "at_least", b
    return a, "greater" if m.group(2).split()[0].lower() in GREATER else "less", b

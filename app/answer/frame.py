"""A name given in the question's own frame, checked by what the evidence names.

Asked "Who is the player mentioned in articles from A and B who scored two touchdowns ...?", a small
writer answers "Tyreek Hill is the player mentioned in articles from A and B who scored two
touchdowns ...": the question restated, with one name added. No single evidence sentence states
all of that restatement (its parts come from two documents), so the claim check drops it and the
answer abstains, although the name is right. The frame is the question's premise, not the
writer's claim; the claim is the name.

So when a writer's sentence fails its check, repeats the question's words and adds nothing but a
name (``answer_name``), the name alone is checked (``check_name``). It stands when the evidence
gathered for the question names it more than any other name the question does not contain: the
sum of evidence scores over the sentences that name it is the highest, and it appears in at least
two of them. It is shown as "<name>." with the best two of those sentences as its citations, and
the quotes that follow let the analyst see why. The writer's choice and the evidence's weight must
agree: a writer that picks a name the evidence mentions once, beside another it names throughout,
is dropped.
"""

from __future__ import annotations

import re
from collections import defaultdict

from app.answer import normalise as nz
from app.answer.align import ClaimCheck
from app.answer.evidence import Evidence
from app.answer.text import content_words

FRAME_MIN_SHARED = 5  # content words a sentence must share with the question to restate it
FRAME_SHARE = 0.6  # ... and the share of its content words that come from the question
FRAME_EXTRA_WORDS = 2  # content words besides the name that a restatement may add ("former", "CEO")
WH_NAME = re.compile(r"^\s*(who|whom|which|what)\b", re.I)
REASON = "the name the evidence gives most for the question (the rest of the sentence restated the question)"
NOT_NAMES = {*nz.WEEKDAYS, "today", "yesterday"}


def _names(text: str) -> list[str]:
    return [f for f in (nz.fold(n) for n in nz.name_tokens(text)) if f and f not in NOT_NAMES]


def answer_name(claim: str, question: str) -> str:
    """The name a sentence adds to a who/which/what question it otherwise restates, or ''."""
    if not WH_NAME.match(question):
        return ""
    q_terms, c_terms = content_words(question), content_words(claim)
    shared = c_terms & q_terms
    if len(shared) < FRAME_MIN_SHARED or len(shared) < FRAME_SHARE * len(c_terms):
        return ""
    asked = set(_names(question))
    new = c_terms - q_terms
    # A sentence's first word is no name to ``name_tokens`` unless marked ("Valve, covered by ..."); here
    # a capitalised word the question does not have is the name added to it.
    capitalised = [m.group(0).rstrip(".") for m in re.finditer(r"[A-Z][\w'’&.-]*", claim) if content_words(m.group(0)) & new]
    names = [n for n in dict.fromkeys([*nz.name_tokens(claim), *capitalised]) if nz.fold(n) not in asked and nz.fold(n) not in NOT_NAMES]
    if not names:
        return ""
    extra = new - content_words(" ".join(names))
    if len(extra) > FRAME_EXTRA_WORDS:
        return ""  # the sentence asserts more than a name: it is checked as a claim, not here
    # The name as written: the claim's words from its first to its last name token ("Sam Bankman-Fried").
    spots = [m for m in re.finditer(r"[A-Za-z][\w'’&.-]*", claim) if m.group(0).rstrip(".,") in names]
    first, last = spots[0], spots[-1]
    span = claim[first.start() : last.end()].rstrip(".,;:")
    return span if len(span.split()) <= 5 else ""


def _tally(name: str, question: str, evidence: list[Evidence]) -> tuple[list[int], float, str, float]:
    """The evidence sentences that name ``name`` (any of its words the question does not have, written
    with a capital, the first word of a sentence included) and their summed score; and the other name
    the evidence gives most, with its summed score."""
    asked = set(_names(question))
    mine = {f for f in (nz.fold(w) for w in re.split(r"[\s-]+", name)) if len(f) >= 3 and f not in asked}
    # Names are the words some evidence sentence writes as a name; a sentence's first word counts
    # wherever it is one of those ("Hill is on pace ..." after "Tyreek Hill had ...").
    known = {w for e in evidence for n in _names(e.passage.text) for w in n.split("-")} | mine
    ours: list[int] = []
    rivals: dict[str, float] = defaultdict(float)
    for i, e in enumerate(evidence):
        words = {nz.fold(w) for w in re.findall(r"[A-Z][\w'’&.]*", e.passage.text.replace("-", " "))} & known
        if mine & words:
            ours.append(i)
        for n in words - mine - asked:
            rivals[n] += e.score
    rival = max(rivals, key=lambda n: rivals[n], default="")
    return ours, sum(evidence[i].score for i in ours), rival, rivals.get(rival, 0.0)


def naming(name: str, question: str, evidence: list[Evidence]) -> list[int]:
    """Indexes of the evidence sentences that name ``name``."""
    return _tally(name, question, evidence)[0]


def check_name(name: str, question: str, evidence: list[Evidence]) -> ClaimCheck:
    """``name`` as the answer to ``question``: supported when the evidence names it most (see above)."""
    shown = f"{name}."
    ours, weight, rival, rival_weight = _tally(name, question, evidence)
    if not ours:
        return ClaimCheck(shown, False, reason=f"name not in its evidence: {name}")
    if len(ours) < 2:
        return ClaimCheck(shown, False, score=round(weight, 4), reason=f"only one evidence sentence names {name}")
    if rival and rival_weight > weight:
        return ClaimCheck(shown, False, score=round(weight, 4),
                          reason=f"the evidence names {rival!r} more than {name!r} ({rival_weight:.2f} > {weight:.2f})")  # fmt: skip
    cites = sorted(sorted(ours, key=lambda i: -evidence[i].score)[:2])
    return ClaimCheck(shown, True, cites, round(weight, 4), REASON)

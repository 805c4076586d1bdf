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

When they disagree, the evidence's name may stand in the writer's place (``evidence_name``): asked
"What organization ... is planning to launch GPT-4 with vision?", a writer answered "DeepMind, founded in
late 2015, is planning ..." beside evidence naming OpenAI in three documents. The name the evidence gives
most, in at least two sentences of at least two documents, is then the answer, shown as Dossier's reading of
the evidence (not the writer's) and held to every other check (the question's pinned dates and figures).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

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
    mine = {f for f in _folded(name) if len(f) >= 3 and f not in asked}
    # Names are the words some evidence sentence writes as a name; a sentence's first word counts
    # wherever it is one of those ("Hill is on pace ..." after "Tyreek Hill had ...").
    named = _NameWeights.of(evidence, _evidence_names(evidence) | mine)
    ours = [i for i, words in enumerate(named.words) if mine & words]
    rivals = {w: weight for w, weight in named.weights.items() if w not in mine and w not in asked}
    rival = max(rivals, key=lambda n: rivals[n], default="")
    return ours, sum(evidence[i].score for i in ours), rival, rivals.get(rival, 0.0)


def _folded(name: str) -> set[str]:
    """The folded words of a name, split at spaces and hyphens: "Sam Bankman-Fried" -> {sam, bankman, fried}."""
    return {nz.fold(w) for w in re.split(r"[\s-]+", name) if w}


def _evidence_names(evidence: list[Evidence]) -> set[str]:
    """The words some evidence sentence writes as (part of) a name."""
    return {w for e in evidence for n in _names(e.passage.text) for w in n.split("-")}


@dataclass
class _NameWeights:
    """How much the evidence names each word of ``known``: per sentence, the words it writes with a
    capital; per word, the summed scores of those sentences and their documents. Initialisms of up to
    three letters ("CEO", "AI": roles and fields beside the entity asked for) get no weight, neither
    as the evidence's answer (``evidence_name``) nor as a rival to the writer's (``_tally``)."""

    words: list[set[str]]  # per evidence sentence
    weights: dict[str, float]
    docs: dict[str, set[str]]

    @classmethod
    def of(cls, evidence: list[Evidence], known: set[str]) -> _NameWeights:
        words = [_capitalised(e.passage.text, known) for e in evidence]
        initialisms = {w for w in set().union(*words) if _initialism(w, evidence)}
        weights: dict[str, float] = defaultdict(float)
        docs: dict[str, set[str]] = defaultdict(set)
        for e, found in zip(evidence, words, strict=True):
            for w in found - initialisms:
                weights[w] += e.score
                docs[w].add(e.passage.doc_id)
        return cls(words, dict(weights), dict(docs))


EVIDENCE_NAME_DOCS = 2  # documents that must name the evidence's own answer
RUN = re.compile(r"[A-Z][\w'’&.-]*(?:\s+(?:of|de|van|von|al|bin)?\s*[A-Z][\w'’&.-]*)*")


def _initialism(word: str, evidence: list[Evidence]) -> bool:
    """A word the evidence writes as an initialism of up to three letters ("CEO", "AI")."""
    return len(word) <= 3 and any(re.search(rf"\b{re.escape(word.upper())}\b", e.passage.text) for e in evidence)


def _capitalised(text: str, known: set[str]) -> set[str]:
    return {nz.fold(w) for w in re.findall(r"[A-Z][\w'’&.]*", text.replace("-", " "))} & known


def evidence_name(question: str, evidence: list[Evidence], instead_of: str, spelled: list[Evidence] | None = None) -> str:
    """The name the evidence gives most for a who/which/what question (summed scores of the sentences
    naming it), written as the evidence writes it most fully ("Sam Bankman-Fried"), when it is not the writer's
    ``instead_of`` and at least two documents name it; else ''. Initialisms of up to three letters are not
    taken as that name: in news they are mostly roles and fields ("CEO", "AI") beside the entity asked for."""
    if not WH_NAME.match(question):
        return ""
    known = _evidence_names(evidence) - set(_names(question)) - NOT_NAMES
    named = _NameWeights.of(evidence, known)
    word = max(named.weights, key=lambda w: named.weights[w], default="")
    refused = _folded(instead_of)
    if not word or word in refused or len(named.docs[word]) < EVIDENCE_NAME_DOCS:
        return ""
    best = max((e for e, found in zip(evidence, named.words, strict=True) if word in found), key=lambda e: e.score)
    span = next((r for r in _runs(best.passage.text) if word in _folded(r)), "")
    return full_name(span, spelled or evidence) if span and len(span.split()) <= 4 else ""


def _runs(text: str) -> list[str]:
    """The runs of capitalised words in ``text`` that can be a name: function words dropped, cut after a
    possessive ("The Dolphins' Tyreek Hill" -> "Tyreek Hill"), a leading initialism dropped ("CEO Sam
    Bankman-Fried" -> "Sam Bankman-Fried")."""
    out = []
    for m in RUN.finditer(re.sub(r"['’]s\b", "", text)):
        words = [x for x in m.group(0).split() if x.lower() not in nz.NAME_STOP]
        # A contraction in capitals is emphasis, not a name ("the Vikings DIDN'T ..."): the run ends before it.
        words = words[: next((i for i, w in enumerate(words) if re.fullmatch(r"[A-Z]+['’][A-Z]+\W*", w)), len(words))]
        words = words[max((i + 1 for i, w in enumerate(words) if w.endswith(("'", "’"))), default=0) :]
        while words and re.fullmatch(r"[A-Z]{1,3}", words[0]):
            words = words[1:]
        if words:
            out.append(" ".join(words).rstrip(".,;:"))
    return out


def full_name(name: str, evidence: list[Evidence]) -> str:
    """``name`` as the evidence writes it more fully: "Bankman-Fried" -> "Sam Bankman-Fried" when a sentence
    has that run of capitalised words (``_runs``, at most four words). Of several such runs the one the
    sentences write most often wins, a run counting every longer run that contains it; so "Donald Trump"
    (within "President Donald Trump" too) beats the titled run, and "Travis Kelce", named throughout, beats
    a brother named once. Ties go to the shortest. ``name`` itself when no sentence writes it more fully.
    Names joined by "and" or commas ("Swift and Kelce") are each written in full."""
    parts = re.split(r",\s*(?:and\s+)?|\s+and\s+", name)
    if len(parts) > 1 and all(parts):
        whole = [full_name(x, evidence) for x in parts]
        return ", ".join(whole[:-1]) + " and " + whole[-1]

    def within(short: str, run: str) -> bool:
        return re.search(rf"(?<![\w-]){re.escape(short)}(?![\w-])", run) is not None

    found = [r for e in evidence for r in _runs(e.passage.text) if len(r.split()) <= 4 and len(r) > len(name) and within(name, r)]
    count = {r: sum(within(r, f) for f in found) for r in found}
    return max(count, key=lambda r: (count[r], -len(r), -found.index(r)), default=name)


def naming(name: str, question: str, evidence: list[Evidence]) -> list[int]:
    """Indexes of the evidence sentences that name ``name``."""
    return _tally(name, question, evidence)[0]


def check_name(name: str, question: str, evidence: list[Evidence], spelled: list[Evidence] | None = None) -> ClaimCheck:
    """``name`` as the answer to ``question``: supported when the evidence names it most (see above). It is
    shown as ``spelled`` (by default the evidence) writes it most fully (``full_name``)."""
    shown = f"{full_name(name, spelled or evidence)}."
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

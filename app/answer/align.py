"""Aligning a claim with its evidence, and checking it there.

Whatever wrote a sentence (the writer model, an OpenAI-compatible server, Dossier's own
extractive composer), Dossier decides what supports it: the writer's ``[n]`` markers are a
hint, not the truth. For each claim every evidence sentence (and each pair of the best
ones, for a claim that joins two facts) is a candidate; the first candidate, best first,
on which the claim passes every check is its citation:

* every number, date and name of the claim appears in the candidate or in its documents'
  metadata (publisher, title, date), compared in canonical form (``normalise``);
* no flip of meaning: a negation the evidence does not have (or drops), an antonym or an
  un-/non-/dis- form the evidence uses instead of the claim's word, a reversed
  "from A to B";
* its meaning is supported: 0.5 x embedding similarity + 0.5 x share of the claim's
  content words found in the candidate, at least the support threshold.

A claim that passes nowhere is dropped, with the reason found on its best candidate.
Hand-written because no NLI or cross-encoder model ships in a usable wheel here.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from app.answer import normalise as nz
from app.answer.evidence import SentenceVectors
from app.answer.infer import weekday_dates
from app.answer.text import STOPWORDS, content_words, stem, strip_markers
from app.types import Passage

PAIR_POOL = 5  # claims joining two facts are tried against pairs of the best this many sentences
QUOTE_MIN_WORDS = 6


@dataclass
class ClaimCheck:
    text: str  # the claim as shown, without markers
    supported: bool
    cites: list[int] = field(default_factory=list)  # indexes into the evidence list
    score: float = 0.0
    reason: str = ""
    kind: str = "claim"  # "quote" (verbatim), "claim" (written, checked), "inference" (Dossier's conclusion)

    @classmethod
    def quote(cls, text: str, index: int) -> ClaimCheck:
        """Evidence sentence ``index`` quoted verbatim: supported by construction."""
        return cls(text, True, [index], 1.0, "verbatim quote", "quote")


# A sentence that reasons ("..., which means ...", "This shows that ...") is a conclusion, not a stated fact.
CONCLUSION = re.compile(
    r"\b(which means|this means|that means|therefore|thus|hence|this shows|this suggests|this indicates|"
    r"implying|which implies|indicating that|it follows|as a result of this|consequently)\b",
    re.I,
)
ATTRIBUTION = re.compile(
    r"\b(according to|said|says|say|reported|reports|report|stated|states|announced|announces|wrote|writes|told|"
    r"statement|release|published|issued|ordered|signed|declared)\b",
    re.I,
)
PERSON_PRONOUN = re.compile(r"\b(?:he|she|his|her|him)\b", re.I)  # a person's view or deed, not an institution's
# Reporting what a source says, as opposed to naming who acted ("X issued", "X ordered").
# Case-sensitive: "the United States" is no verb.
SPEECH = re.compile(r"\b([Aa]ccording to|said|says|say|reported|reports|stated|states|told|wrote|writes)\b")
NEGATIONS = {"not", "no", "never", "none", "neither", "nor", "without", "cannot", "n't", "nothing", "nobody"}
# Words whose opposite turns a claim into its contrary. General English, not a corpus's vocabulary.
ANTONYMS = [
    ("add", "remove"), ("added", "removed"), ("adds", "removes"), ("addition", "removal"),
    ("impose", "lift"), ("imposed", "lifted"), ("before", "after"), ("earlier", "later"),
    ("increase", "decrease"), ("increased", "decreased"), ("rise", "fall"), ("rose", "fell"),
    ("approve", "reject"), ("approved", "rejected"), ("accept", "reject"), ("accepted", "rejected"),
    ("allow", "ban"), ("allowed", "banned"), ("permit", "prohibit"), ("permitted", "prohibited"),
    ("upheld", "struck"), ("uphold", "strike"), ("support", "oppose"), ("supported", "opposed"),
    ("supports", "opposes"), ("win", "lose"), ("won", "lost"), ("include", "exclude"), ("included", "excluded"),
    ("open", "close"), ("opened", "closed"), ("more", "less"), ("more", "fewer"), ("higher", "lower"),
    ("maximum", "minimum"), ("first", "last"), ("guilty", "innocent"), ("confirm", "deny"), ("confirmed", "denied"),
    ("grant", "deny"), ("granted", "denied"), ("enacted", "repealed"), ("signed", "vetoed"), ("passed", "failed"),
    ("revoked", "reinstated"), ("strengthen", "weaken"), ("expand", "restrict"), ("expanded", "restricted"),
    ("buy", "sell"), ("bought", "sold"), ("import", "export"), ("imports", "exports"), ("entered", "exited"),
    ("legal", "illegal"), ("lawful", "unlawful"), ("constitutional", "unconstitutional"),
    ("favor", "against"), ("favour", "against"), ("protect", "endanger"), ("protects", "endangers"), ("reinstate", "revoke"), ("reinstated", "revoked"),
    ("minority", "majority"), ("including", "excluding"), ("success", "failure"),
    ("succeeded", "failed"), ("ended", "began"), ("end", "begin"), ("ends", "begins"), ("start", "end"),
    ("started", "ended"), ("gained", "lost"), ("gain", "loss"), ("profit", "loss"), ("above", "below"),
    ("maximum", "minimum"), ("most", "least"), ("highest", "lowest"), ("largest", "smallest"),
    ("biggest", "smallest"), ("best", "worst"), ("positive", "negative"), ("agree", "disagree"),
    ("agreed", "disagreed"), ("praised", "criticized"), ("praise", "criticize"), ("welcomed", "condemned"),
    ("strong", "weak"), ("stronger", "weaker"), ("strongly", "weakly"), ("raised", "lowered"), ("raise", "lower"), ("expanded", "reduced"), ("next", "previous"), ("future", "past"), ("inside", "outside"), ("domestic", "foreign"),
    ("benefit", "harm"), ("benefits", "harms"), ("block", "permit"), ("blocked", "permitted"), ("blocked", "allowed"),
    ("restored", "suspended"), ("resumed", "halted"), ("agreed", "refused"), ("extended", "shortened"),
]  # fmt: skip
OPPOSITE: dict[str, set[str]] = {}
for _a, _b in ANTONYMS:
    OPPOSITE.setdefault(_a, set()).add(_b)
    OPPOSITE.setdefault(_b, set()).add(_a)
# Words skipped when looking for what a negation negates ("did not even say" negates "say").
NEG_SKIP = {
    "the", "a", "an", "be", "been", "being", "to", "of", "have", "has", "had", "do", "does", "did", "is", "are", "was",
    "were", "it", "its", "that", "this", "any", "so", "as", "even", "only", "just", "yet", "also", "ever", "quite",
    "very", "really", "always", "all", "at", "in", "on", "by", "for", "with", "we", "they", "he", "she", "i", "you",
    "would", "will", "could", "should", "can", "may", "might", "must", "shall", "'d", "'ll", "those", "these",
    "his", "her", "their", "our", "my", "your", "such", "some", "one", "two", "three", "four", "five", "six", "seven",
    "eight", "nine", "ten", "more", "much", "many", "single",
}  # fmt: skip
# A negation inside a condition ("If X did not ...", "unless ...") asserts nothing: its words are not compared.
CONDITIONAL = {"if", "unless", "whether"}
NOT_NEGATING = {"later", "earlier", "more", "less", "fewer", "longer", "sooner", "greater", "only", "until"}
BOUND_VERBS = {"exceed", "exceeding", "exceeds", "surpass", "surpassing", "over", "beyond", "above", "below", "under"}
NEG_PREFIXES = ("un", "non", "dis", "in", "il", "im", "ir")
_WORD = re.compile(r"[a-z][a-z'\-]*")
_END = re.compile(r"[a-z0-9][a-z0-9'\-.:]*[a-z0-9]|[a-z0-9]")  # an end of "from ... to ...": a word, a time, a year


def _lower_words(text: str) -> list[str]:
    return _WORD.findall(nz.canonical_text(text).replace("n't", " n't"))


# "strict, rather than intermediate, scrutiny", "sued instead of complying": what follows the contrast
# is what the sentence denies, as after "not".
CONTRASTS = {("rather", "than"), ("instead", "of")}
FAILS = {"fail", "fails", "failed", "failing"}  # "fails to divest" negates "divest", as "does not divest" does


def _negates(ws: list[str], i: int) -> bool:
    """True when word ``i`` is a negation, or ends a contrast ("rather than", "instead of")."""
    return ws[i] in NEGATIONS or ws[i] == "n't" or (i > 0 and ((ws[i - 1], ws[i]) in CONTRASTS or (ws[i] == "to" and ws[i - 1] in FAILS)))


def _negated_words(ws: list[str], conditional: set[str] | None = None) -> tuple[set[str], set[str]]:
    """(stems of the first two content words after each negation, within four words;
    stems of the content words said without a negation). The words a negation inside a condition
    negates ("if ByteDance does not divest") are added to ``conditional`` instead, when given."""
    neg: set[str] = set()
    plain: set[str] = set()
    covered: set[int] = set()
    for i in range(len(ws)):
        nxt = ws[i + 1] if i + 1 < len(ws) else ""
        if nxt == "to" and i + 2 < len(ws):
            nxt = ws[i + 2]  # "not to exceed"
        if nxt in NOT_NEGATING or nxt in BOUND_VERBS:
            continue  # "no later than 90 days", "not only", "not to exceed 30 days": a bound or an addition
        if _negates(ws, i):
            in_condition = bool(CONDITIONAL & set(ws[max(0, i - 6) : i]))
            if in_condition and conditional is None:
                continue
            into = conditional if in_condition and conditional is not None else neg
            taken = 0
            # A contrast denies one word ("strict, rather than intermediate, scrutiny": not "scrutiny").
            most = 1 if ws[i] in {b for _, b in CONTRASTS} and ws[i] not in NEGATIONS else 2
            for j in range(i + 1, min(i + 5, len(ws))):
                x = ws[j]
                if x in NEGATIONS or x == "n't" or x in NEG_SKIP or len(x) < 2:
                    continue
                into.add(stem(x))
                covered.add(j)
                taken += 1
                if taken == most:
                    break
    for j, x in enumerate(ws):
        if j not in covered and x not in STOPWORDS and len(x) >= 3 and x not in NEGATIONS:
            plain.add(stem(x))
    return neg, plain


def _bounds(ws: list[str]) -> tuple[set[str], set[str]]:
    """(bound words said with a negation: "not until", "no later", "not to exceed"; bound words said plainly)."""
    negated: set[str] = set()
    plain: set[str] = set()
    for i, w in enumerate(ws):
        if w not in NOT_NEGATING and w not in BOUND_VERBS:
            continue
        before = ws[i - 2 : i]
        if before and (before[-1] in NEGATIONS or before[-1] == "n't" or (before[-1] == "to" and len(before) == 2 and before[0] in NEGATIONS)):
            negated.add(w)
        else:
            plain.add(w)
    return negated, plain


def _has_negation(ws: list[str]) -> bool:
    return any(w in NEGATIONS or w == "n't" for w in ws)


def _negation_count(ws: list[str]) -> int:
    return sum(w in NEGATIONS or w == "n't" for w in ws)


def flip(claim: str, evidence: str) -> str:
    """A reason when the claim says the contrary of the evidence, else ''."""
    cw, ew = _lower_words(claim), _lower_words(evidence)
    c_cond: set[str] = set()
    e_cond: set[str] = set()
    c_neg, c_plain = _negated_words(cw, c_cond)
    e_neg, e_plain = _negated_words(ew, e_cond)
    c_all, e_all = set(cw), set(ew)
    # A condition asserts nothing, but a claim that keeps the condition keeps its negation too:
    # "if ByteDance does divest" against "if ByteDance does not divest".
    if CONDITIONAL & c_all:
        for w in sorted(e_cond - c_cond - c_neg):
            if w in c_plain:
                return f"drops the negation of the evidence's condition ('not {w}')"
    # One more negation than the evidence has ("are not 'not targeted'") says its contrary.
    if _negation_count(cw) > _negation_count(ew) and c_neg and c_neg <= e_neg | e_cond:
        return "adds a negation to the evidence's"
    c_count, e_count = Counter(cw), Counter(ew)
    for w in sorted(c_neg):
        if w in e_plain and w not in e_neg:
            return f"negation the evidence does not have ('not {w}')"
    for w in sorted(e_neg):
        if w in c_plain and w not in c_neg:
            return f"drops the evidence's negation ('not {w}')"
    if _has_negation(cw) and c_neg and not _has_negation(ew):
        return "a negative claim with no negation in its evidence"
    # A bound is no negation, but dropping or adding its "not" flips it: "It was not until X that ..."
    # against "It was until X that ...".
    c_bn, c_bp = _bounds(cw)
    e_bn, e_bp = _bounds(ew)
    for w in sorted(e_bn & c_bp - c_bn):
        return f"drops the evidence's 'not {w}'"
    for w in sorted(c_bn & e_bp - e_bn):
        return f"adds 'not {w}' to the evidence"
    for w in c_all:
        for o in OPPOSITE.get(w, ()):
            # ... or says it once more and the opposite once less ("to buy and buy" for "to buy and sell").
            if (o in e_all and w not in e_all) or (c_count[w] > e_count[w] and e_count[o] > c_count[o]):
                return f"says '{w}' where the evidence says '{o}'"
        for pre in NEG_PREFIXES:
            if len(w) > 4 and f"{pre}{w}" in e_all and w not in e_all:
                return f"says '{w}' where the evidence says '{pre}{w}'"
            if w.startswith(pre) and len(w) > len(pre) + 4 and w[len(pre) :] in e_all and w not in e_all:
                return f"says '{w}' where the evidence says '{w[len(pre) :]}'"
    for cf, ct in _from_to(claim):
        for ef, et in _from_to(evidence):
            if cf & et and ct & ef and not (cf & ef):
                return "reverses the direction of the evidence ('from ... to ...')"
    return ""


def _from_to(text: str) -> list[tuple[set[str], set[str]]]:
    out = []
    for m in re.finditer(r"\bfrom\s+((?:\S+\s+){0,3}?\S+)\s+to\s+((?:\S+\s*){1,4})", nz.canonical_text(text)):
        # Words of four letters or more, or tokens with a digit ("from 6am to 9pm", "from 2020 to 2021").
        a = {w for w in _END.findall(m.group(1)) if (len(w) > 3 or any(c.isdigit() for c in w)) and w != "the"}
        b = {w for w in _END.findall(m.group(2)) if (len(w) > 3 or any(c.isdigit() for c in w)) and w != "the"}
        a, b = a - b, b - a  # "from the Entity List to the Unverified List": what tells the two ends apart
        if a and b:
            out.append((a, b))
    return out


def _meta_text(p: Passage) -> str:
    return f"{p.publisher} {p.title} {p.kind}"


def _document_dates(p: Passage) -> list[nz.DateRef]:
    """What the document's date supports in a claim from sentence ``p``: the date and its year, or,
    when the sentence places its event relative to it ("last year, the US added it"), the date moved
    as it says: a report of 2021-12 saying "last year" supports 2020, not 2021."""
    doc = nz.doc_date(p.date)
    if doc is None:
        return []
    days = weekday_dates(p.text, doc)
    if days:
        # "Trump signed an executive order on Monday" in a report of Thursday 2025-01-23: the order is of
        # Monday 2025-01-20, and the report's own date is not the event's.
        return [*(nz.DateRef(y, mo, d) for _, (y, mo, d) in days), nz.DateRef(doc[0], None, None)]
    rel = nz.RELATIVE.search(p.text)
    if rel is None:
        return [*nz.dates(p.date), nz.DateRef(doc[0], None, None)]
    moved = nz.shifted(doc, rel)
    if moved is None:
        return []
    y, mo, d = moved
    return [nz.DateRef(y, mo or None, d or None), nz.DateRef(y, None, None)]


_TOKEN = re.compile(r"[\w'’.-]*\w")
SUBJECT_WORDS = 3  # a designation copied from the question opens the claim within this many words


def premise_masked(claim: str, question: str) -> str:
    """``claim`` with the numbers and dates of the question's own designation of its subject blanked.

    Asked "What deadlines did the August 2020 order and the 2024 Act each set?", a writer answers "The
    2024 Act set a deadline of 270 days": "2024 Act" names the thing asked about in the question's words;
    the claim is the 270 days, which its evidence must state. A run of words copied from the question
    that opens the claim and holds a number (or a month) beside a content word ("2024 Act", "August
    2020 presidential order") is such a designation. Its names are still checked; only its numbers and
    months are the question's premise. Not applied to yes/no questions, whose numbers are the claim."""
    if not question:
        return claim
    q = " " + " ".join(t.lower() for t in _TOKEN.findall(question)) + " "
    words = list(_TOKEN.finditer(claim))
    out = claim
    for i in range(min(SUBJECT_WORDS, len(words))):
        j = i
        while j + 1 < len(words) and f" {' '.join(w.group(0).lower() for w in words[i : j + 2])} " in q:
            j += 1
        run = [w.group(0) for w in words[i : j + 1]]
        dated = [w for w in words[i : j + 1] if re.search(r"\d", w.group(0)) or w.group(0).lower() in nz.MONTHS]
        wordy = [w for w in run if re.fullmatch(r"[^\W\d_][\w'’.-]*", w) and w.lower() not in nz.MONTHS and w.lower() not in STOPWORDS]
        if j > i and dated and wordy:
            for w in reversed(dated):
                out = out[: w.start()] + " " * len(w.group(0)) + out[w.end() :]
            break
    return out


def _without_dates(text: str) -> str:
    """``text`` with each date it states blanked out (same length), so that its numbers are its counts."""
    for (a, b), _ in reversed(nz.date_mentions(text)):
        text = text[:a] + " " * (b - a) + text[b:]
    return text


def hard_checks(claim: str, cited: list[Passage], premises: str = "") -> str:
    """'' when every number, date and name of ``claim`` is in ``cited`` (or its metadata), else the reason.
    ``premises``: the question, when its own designation of the claim's subject is not the claim's to
    prove (``premise_masked``)."""
    text = " ".join(p.text for p in cited)
    facts = premise_masked(claim, premises)
    meta = " ".join(p.publisher for p in cited)  # who published it: evidence for attribution (not the title)
    # Numbers come from the cited sentences and the publisher's name, not from the title (a headline's
    # "Game 2" must not support a sentence's "Game 3").
    # A count is compared with counts, not with the day or year of a date: "nineteen transactions" is not
    # supported by "on September 19", in the evidence or in the claim itself (dates are checked below).
    ev_numbers = nz.number_variants(_without_dates(text)) | nz.number_variants(" ".join(p.publisher for p in cited))
    ev_dates = nz.dates(text)
    for p in cited:
        ev_dates += nz.dates(p.title) + _document_dates(p)
    claim_dates = nz.dates(facts)
    missing_numbers = []
    for n in sorted(nz.number_values(_without_dates(facts))):
        if n not in ev_numbers:
            missing_numbers.append(n)
    if missing_numbers:
        return f"number not in its evidence: {', '.join(missing_numbers)}"
    for d in claim_dates:
        if not nz.date_supported(d, ev_dates):
            return f"date not in its evidence: {d.label()}"
    # The publisher's name supports a claim only where it attributes ("according to X", "X said") or
    # names its actor ("The US added ..."): elsewhere a name must be in the cited sentences themselves.
    # Not as the actor when the sentence names its own: a court's opinion saying "President Trump
    # ordered ..." does not make the court the one who ordered (unless the claim only reports, "X said").
    # Nor when the sentence gives a person's view ("In his view, the Act was subject to ..." in a Supreme
    # Court opinion is a judge's view, not the Court's holding): "he", "she", "his", "her" are people.
    attributes = ATTRIBUTION.search(claim) is not None
    if not SPEECH.search(claim) and (any(surname not in claim.lower() for surname in titled_people(text)) or PERSON_PRONOUN.search(text)):
        meta = ""
    vocab, initials = nz.words(text), nz.acronyms(text)
    meta_vocab, meta_initials = nz.words(meta), nz.acronyms(meta)
    subject = nz.canonical_names(" ".join(claim.split()[:4]))  # "The US added ...": the publisher as the actor
    missing = [
        n for n in nz.name_tokens(claim)
        if not nz.name_supported(n, vocab, initials)
        and not ((attributes or n in subject) and nz.name_supported(n, meta_vocab, meta_initials))
    ]  # fmt: skip
    if missing:
        return f"name not in its evidence: {', '.join(dict.fromkeys(missing))}"
    return ""


# Words that name a role rather than its holder: "the President" may be written as the holder's name.
TITLES = {
    "president", "minister", "secretary", "spokesperson", "spokesman", "spokeswoman", "chairman", "chairwoman",
    "chair", "ceo", "senator", "representative", "governor", "director", "ambassador", "judge", "justice",
    "commissioner", "premier", "chancellor", "king", "queen", "prince", "general", "mr", "ms", "mrs", "dr",
    "vice", "deputy", "chief", "officer", "founder", "leader", "lawmaker", "official", "officials",
}  # fmt: skip
_TITLED = re.compile(r"\b([A-Z][a-z]+)\.?(?=((?:\s+[A-Z](?:[\w'’-]+|\.))+))")  # a word, then capitalised words


def titled_people(text: str) -> list[str]:
    """The surnames (lowercase) of the people ``text`` names with a title: "President Trump",
    "U.S. District Judge Donald Molloy", "Gov. Greg Gianforte"."""
    out = []
    for m in _TITLED.finditer(text):
        title = m.group(1).lower()
        if title in TITLES or title in {"gov", "sen", "rep", "lt", "gen"}:
            surname = m.group(2).split()[-1].strip("’'.")
            if surname.lower() not in TITLES:
                out.append(surname.lower())
    return list(dict.fromkeys(out))


_SUB_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9'\-.&]*[A-Za-z0-9]|[A-Za-z]|\d[\d,.]*\d|\d")
SUB_SPAN = 3  # the longest replaced span (in words, each side) read as one thing said for another
Token = tuple[str, str, bool]  # (word as written, folded, sentence-initial)
Opcode = tuple[str, int, int, int, int]


def _sub_tokens(text: str) -> list[Token]:
    """(word as written, folded, sentence-initial) for each word of ``text``, aliases in canonical form."""
    t = nz.canonical_names(" ".join(text.replace("’", "'").split()))  # "United\nStates" is "US" too
    out = []
    for m in _SUB_TOKEN.finditer(t):
        before = t[: m.start()].rstrip(" \"'(“‘")
        out.append((m.group(0).rstrip("."), nz.fold(m.group(0)), not before or before.endswith((".", "!", "?", ":"))))
    return out


def _is_fact(tok: Token, names: set[str]) -> bool:
    """A number, or a name: capitalised, not a function word, a weekday or a title; a sentence's first
    word only when it is marked as a name (an acronym, inner capitals) or the evidence names it mid-sentence."""
    w, f, initial = tok
    if any(ch.isdigit() for ch in w):
        return True
    if not w[0].isupper() or f in nz.NAME_STOP or f in nz.WEEKDAYS or f in TITLES:
        return False
    if initial:
        return (len(w) > 1 and w.isupper()) or any(ch.isupper() for ch in w[1:]) or f in names
    return True


def _align(claim: str, sentence: str) -> tuple[list[Token], list[Token], list[Opcode], bool]:
    """The words of ``claim`` and ``sentence``, their difflib alignment, and whether the claim is a copy:
    at least half of its words copied from the sentence."""
    from difflib import SequenceMatcher

    ct, et = _sub_tokens(claim), _sub_tokens(sentence)
    ops = SequenceMatcher(None, [t[1] for t in ct], [t[1] for t in et], autojunk=False).get_opcodes()
    copied = sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag == "equal")
    return ct, et, ops, bool(ct) and copied >= 0.5 * len(ct)


def copies(claim: str, sentence: str) -> bool:
    """``claim`` is written mostly in ``sentence``'s own words: it is that sentence's claim to check."""
    return _align(claim, sentence)[3]


def substitution(claim: str, sentence: str, names: set[str], publisher: str = "") -> str:
    """A reason when ``claim`` copies ``sentence`` but puts one name, number or date where the sentence
    has another ("There was Israel and then ..." for "There was Covid and then ..."), else ''.
    Words are aligned (difflib): a short replaced span, with copied words on both sides, whose claim
    side brings a fact the sentence does not state in place of a fact the claim does not state.
    ``names``: folded words the evidence writes capitalised mid-sentence (its names). ``publisher``: the
    sentence's publisher; one of its names may stand for another ("The US added" for "The Commerce
    Department added", published by the U.S. Department of Commerce).
    Hand-written because no NLI or cross-encoder model ships in a usable wheel here."""
    ct, et, ops, copied = _align(claim, sentence)
    if not copied:
        return ""
    n_claim, n_sentence = len(ct), len(et)
    c_set, e_set = {t[1] for t in ct}, {t[1] for t in et}
    e_lower = {t[0].lower() for t in et}
    own = nz.words(publisher) if publisher else set()
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag != "replace" or i2 - i1 > SUB_SPAN or j2 - j1 > SUB_SPAN:
            continue
        left = (i1 == 0 and j1 == 0) or (k > 0 and ops[k - 1][0] == "equal" and (ops[k - 1][2] - ops[k - 1][1] >= 2 or ops[k - 1][1] == 0))
        right = (i2 == n_claim and j2 == n_sentence) or (
            k + 1 < len(ops) and ops[k + 1][0] == "equal" and (ops[k + 1][2] - ops[k + 1][1] >= 2 or ops[k + 1][2] == n_claim)
        )
        if not (left and right):
            continue
        # A copied sentence with one word put for its opposite ("China supports practices" for "China opposes
        # practices"): caught here even when the claim is checked on two sentences, one of which has the word.
        for w in (t[0].lower() for t in ct[i1:i2]):
            opposed = [t[0] for t in et[j1:j2] if t[0].lower() in OPPOSITE.get(w, ())]
            if opposed and w not in e_lower:
                return f"says '{w}' where its evidence says '{opposed[0]}'"
        new = [t for t in ct[i1:i2] if _is_fact(t, names) and t[1] not in e_set]
        old = [t for t in et[j1:j2] if _is_fact(t, names) and t[1] not in c_set]
        if new and not old and any(t[1] in TITLES and t[1] not in c_set for t in et[j1:j2]):
            # A role may be written as its holder's name, not as an acronym or a number ("as IEEPA" for "as President").
            old = [t for t in et[j1:j2] if t[1] in TITLES] if all(t[0].isupper() or t[0][0].isdigit() for t in new) else []
        if own and all(t[1] in own for t in new) and all(t[1] in own for t in old):
            continue  # the publisher, by two of its names
        if new and old:
            return f"says '{' '.join(t[0] for t in ct[i1:i2])}' where its evidence says '{' '.join(t[0] for t in et[j1:j2])}'"
    return ""


def evidence_names(evidence: list[Passage]) -> set[str]:
    """Folded words the evidence writes capitalised mid-sentence: what it treats as names."""
    return {nz.fold(w) for p in evidence for w in nz.name_tokens(p.text)}


def _terms(text: str) -> set[str]:
    return content_words(nz.canonical_text(text))


def _score(claim_terms: set[str], sims: np.ndarray, idx: tuple[int, ...], terms: list[set[str]]) -> float:
    if not claim_terms:
        return float(max(sims[i] for i in idx))
    have = set().union(*(terms[i] for i in idx))
    coverage = len(claim_terms & have) / len(claim_terms)
    return 0.5 * float(max(sims[i] for i in idx)) + 0.5 * coverage


_CLAUSE_SPLIT = re.compile(r",\s*(?:and|but|while|whereas)\s+|;\s+|\s+(?:while|whereas)\s+")


def claim_parts(claim: str) -> list[str]:
    """The clauses of a claim that joins facts ('X did A, and Y did B'); [claim] when it is one clause."""
    parts = [p.strip() for p in _CLAUSE_SPLIT.split(claim) if len(p.split()) >= 3]
    if len(parts) < 2:
        bits = [p.strip() for p in re.split(r"\s+and\s+", claim)]
        parts = bits if len(bits) == 2 and all(len(b.split()) >= 4 for b in bits) else [claim]
    return parts


def _holds_alone(part: str, cited: list[Passage], vectors: SentenceVectors, threshold: float) -> bool:
    """A clause of a two-clause claim holds when one cited sentence alone passes every check on it."""
    vecs = vectors.get([part, *[p.text for p in cited]])
    terms = _terms(part)
    for p, v in zip(cited, vecs[1:], strict=True):
        have = _terms(p.text) | _terms(_meta_text(p))
        coverage = len(terms & have) / len(terms) if terms else 0.0
        if 0.5 * float(v @ vecs[0]) + 0.5 * coverage >= threshold and not hard_checks(part, [p]) and not flip(part, p.text):
            return True
    return False


def is_quote(claim: str, evidence: list[Passage]) -> int:
    """Index of the evidence sentence ``claim`` quotes verbatim (whitespace aside), or -1."""
    c = " ".join(claim.split()).strip(" \"'“”")
    if len(c.split()) < QUOTE_MIN_WORDS:
        return -1
    for i, p in enumerate(evidence):
        if c.rstrip(".") in " ".join(p.text.split()):
            return i
    return -1


def check_claim(
    claim: str,
    evidence: list[Passage],
    vectors: SentenceVectors,
    threshold: float,
    hint: list[int] | None = None,
    premises: str = "",
) -> ClaimCheck:
    """Find the evidence that supports ``claim`` and check it there (see the module docstring).
    ``premises``: the question, for the designation of the claim's subject (``premise_masked``)."""
    claim = strip_markers(claim).strip()
    if not re.search(r"[A-Za-z0-9]{2}", claim):
        return ClaimCheck(claim, False, reason="empty sentence")
    if CONCLUSION.search(claim):
        return ClaimCheck(claim, False, reason="draws a conclusion the evidence does not state", kind="inference")
    if not evidence:
        return ClaimCheck(claim, False, reason="no evidence")
    q = is_quote(claim, evidence)
    if q >= 0:
        return ClaimCheck.quote(claim, q)
    vecs = vectors.get([claim, *[p.text for p in evidence]])
    sims = vecs[1:] @ vecs[0]
    terms = [_terms(p.text) | _terms(_meta_text(p)) for p in evidence]
    claim_terms = _terms(claim)
    singles = [(i,) for i in range(len(evidence))]
    parts = claim_parts(claim)
    pairs: list[tuple[int, ...]] = []
    if len(parts) >= 2:
        # Only a claim of two clauses may join two sentences, and each clause must hold on one of them.
        top = sorted(range(len(evidence)), key=lambda i: -_score(claim_terms, sims, (i,), terms))[:PAIR_POOL]
        pairs = [tuple(sorted(p)) for p in combinations(top, 2)]
    candidates = singles + pairs
    scored = sorted(candidates, key=lambda idx: -_score(claim_terms, sims, idx, terms) + (0.001 * len(idx)))
    hinted = tuple(sorted({i for i in hint or [] if 0 <= i < len(evidence)}))
    if hinted and hinted in candidates:
        scored.remove(hinted)
        scored.insert(0, hinted)
    first_reason = ""
    best_score = 0.0
    names: set[str] | None = None
    for idx in scored:
        score = _score(claim_terms, sims, idx, terms)
        best_score = max(best_score, score)
        if score < threshold:
            if idx == hinted:
                continue
            break  # sorted by score: nothing further passes
        cited = [evidence[i] for i in idx]
        reason = hard_checks(claim, cited, premises)
        final = False
        if not reason:
            reason = flip(claim, " ".join(p.text for p in cited))
            if reason:
                # Final only when the sentence the claim copies is itself the one it contradicts (in a pair, the
                # other sentence's negation must not condemn a claim that one sentence alone supports).
                contradicted = cited if len(cited) == 1 else [p for p in cited if flip(claim, p.text)]
                final = any(copies(claim, p.text) for p in contradicted)
        if not reason:
            names = names if names is not None else evidence_names(evidence)
            reason = next((r for p in cited if (r := substitution(claim, p.text, names, p.publisher))), "")
            final = bool(reason)
        if final:
            # The sentence the claim copies says otherwise: no weaker sentence may stand in for it.
            return ClaimCheck(claim, False, [], round(score, 4), reason)
        if not reason and len(idx) > 1:
            reason = next((f"a clause holds on neither sentence: {part!r}" for part in parts if not _holds_alone(part, cited, vectors, threshold)), "")
        if reason:
            first_reason = first_reason or reason
            continue
        return ClaimCheck(claim, True, list(idx), round(score, 4), "supported")
    if first_reason:
        return ClaimCheck(claim, False, [], round(best_score, 4), first_reason)
    return ClaimCheck(claim, False, [], round(best_score, 4), f"weak support ({best_score:.2f} < {threshold:.2f})")

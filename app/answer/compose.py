"""Composing the answer: drafts in, checked sentences and numbered citations out.

A draft is a list of sentences, each with the evidence it cites as a hint. Dossier's
extractive composer drafts verbatim evidence sentences; a writer model drafts its own
sentences, parsed by ``parse_writer_draft``. ``assemble`` takes the claim checks
(``align.check_claim``) and builds what the ``Answer`` shows: the direct answer first
(a committed "Yes." / "No." for a yes/no question, standing only on verified facts), then
the supported sentences with citations renumbered 1..m in order of first use; dropped
sentences stay in ``sentences[]`` with their reasons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.answer import normalise as nz
from app.answer.align import ClaimCheck
from app.answer.evidence import Evidence
from app.answer.infer import Inference
from app.answer.text import citation_markers, split_sentences, strip_markers
from app.types import Citation, Passage, SentenceCheck, attribution_name

# How a small model talks about its prompt ("The evidence states that ...", "According to evidence
# sentence 2, ..."): not part of any claim.
WRITER_FRAME = re.compile(
    r"^(?:according to (?:the )?evidence(?: sentences?)?(?: \[?\d+\]?)?,?\s*|(?:the )?evidence(?: sentences?)?(?: \[?\d+\]?)? "
    r"(?:states|says|shows|indicates|mentions|suggests)(?: that)?,?\s*|the (?:direct )?answer(?: to the question)? is:?\s*|"
    r"based on the evidence,?\s*)",
    re.I,
)
def lead_word(words: tuple[str, ...]) -> re.Pattern[str]:
    """A draft that opens with one of ``words`` as its verdict ("Yes, ...", "Consistent. ...")."""
    return re.compile(r"^\W*(" + "|".join(re.escape(w) for w in words) + r")\b[\s,.:;!\-–—]*", re.I)


YES_NO = lead_word(("yes", "no"))


@dataclass
class DraftSentence:
    claim: str  # the sentence without attribution and markers
    cites: list[int] = field(default_factory=list)  # hinted indexes into the evidence list
    attribution: str = ""  # "According to X (date): " added by Dossier from metadata


@dataclass
class Draft:
    sentences: list[DraftSentence]
    verdict: str = ""  # "yes" / "no" when the writer committed to one
    extractive: bool = True  # drafted by Dossier's extractive composer (False: by a writer model)


def attribution_for(p: Passage) -> str:
    who = attribution_name(p.publisher, p.title)
    who = who[0].upper() + who[1:] if who.startswith("the document") else who
    return f"According to {who} ({nz.long_date(p.date)}): " if p.date else f"According to {who}: "


def extractive_draft(evidence: list[Evidence]) -> Draft:
    """Lead sentence first, then the other evidence grouped by source, each group attributed."""
    order: list[str] = []
    groups: dict[str, list[int]] = {}
    for i, e in enumerate(evidence):
        doc = e.passage.doc_id
        if doc not in groups:
            order.append(doc)
            groups[doc] = []
        groups[doc].append(i)
    drafts: list[DraftSentence] = []
    for doc in order:
        idx = groups[doc]
        lead, rest = idx[0], sorted(idx[1:], key=lambda i: evidence[i].passage.start)
        for j, i in enumerate([lead, *rest]):
            p = evidence[i].passage
            drafts.append(DraftSentence(claim=p.text, cites=[i], attribution=attribution_for(p) if j == 0 else ""))
    return Draft(drafts)


def verdict_word(verdict: str) -> str:
    """How a verdict leads the answer: "Yes.", "No.", "Before.", "Consistent."."""
    return verdict[:1].upper() + verdict[1:] + "." if verdict else ""


def parse_writer_draft(text: str, n_evidence: int, yes_no: bool, choice: tuple[str, str] | None = None) -> Draft:
    """The writer's sentences with their ``[n]`` hints; a leading Yes/No of a yes/no question, or a
    leading alternative of an either-or question (``choice``), is the verdict."""
    drafts: list[DraftSentence] = []
    verdict = ""
    body = text.strip()
    lead = YES_NO if yes_no else lead_word(choice) if choice is not None else None
    if lead is not None:
        m = lead.match(body)
        if m:
            verdict = m.group(1).lower()
            body = body[m.end() :]
            body = body[:1].upper() + body[1:]
    for sent in split_sentences(body):
        marks = [m - 1 for m in citation_markers(sent) if 1 <= m <= n_evidence]
        claim = re.sub(r"\s+([.,;:!?])", r"\1", strip_markers(sent)).strip()
        claim = re.sub(r"\[\d+(?:\s*,\s*\d+)*\]", "", claim).strip()
        claim = WRITER_FRAME.sub("", claim).strip()
        claim = claim[:1].upper() + claim[1:]
        if not re.search(r"[A-Za-z0-9]", claim):
            # "... the Verge. [2]." splits into a sentence and a marker-only tail: the markers belong before.
            if drafts:
                drafts[-1].cites = list(dict.fromkeys([*drafts[-1].cites, *marks]))
            continue
        drafts.append(DraftSentence(claim=claim, cites=list(dict.fromkeys(marks))))
    return Draft(drafts, verdict)


@dataclass
class Assembled:
    answer: str
    direct: str
    citations: list[Citation]
    sentences: list[SentenceCheck]


def assemble(
    draft: Draft,
    checks: list[ClaimCheck],
    evidence: list[Evidence],
    needs_facts: int = 1,
    inference: Inference | None = None,
) -> Assembled:
    """The shown answer from the checked draft (see the module docstring).

    ``needs_facts``: how many distinct evidence sentences a yes/no verdict must rest on (two for a
    comparison of two clauses)."""
    passages = [e.passage for e in evidence]
    numbering: dict[int, int] = {}
    rows: list[SentenceCheck] = []
    kept: list[str] = []
    cited_facts: set[int] = set()
    said: set[str] = set()
    for d, c in zip(draft.sentences, checks, strict=True):
        shown = d.attribution + c.text
        if not c.supported:
            rows.append(SentenceCheck(text=shown, citations=[], supported=False, score=c.score, reason=c.reason, kind=c.kind,
                                     attribution=d.attribution))
            continue
        if shown in said:
            continue  # the same verified sentence twice (two drafted sentences reduced to one name): shown once
        said.add(shown)
        nums = []
        for i in c.cites:
            if i not in numbering:
                numbering[i] = len(numbering) + 1
            nums.append(numbering[i])
        cited_facts.update(c.cites)
        marked = shown + "".join(f" [{n}]" for n in nums)
        rows.append(SentenceCheck(text=marked, citations=nums, supported=True, score=c.score, reason=c.reason, kind=c.kind,
                                 attribution=d.attribution))
        if d.attribution and kept:
            kept.append("\n\n")
        elif kept:
            kept.append(" ")
        kept.append(marked)
    direct = ""
    verdict_led = False  # the answer opens with its verdict word ("Yes.", "Before.")
    if inference is not None:
        word = verdict_word(inference.verdict)
        direct, verdict_led = word, True
        nums = [numbering[i] for i in inference.facts if i in numbering]
        explained = f"{word} Dossier's inference from the cited {inference.basis}: {inference.explanation}." + "".join(f" [{n}]" for n in nums)
        rows.insert(0, SentenceCheck(text=explained, citations=nums, supported=True, score=1.0,
                                     reason=f"computed by Dossier from the {inference.basis} of the cited facts", kind="inference"))  # fmt: skip
        kept.insert(0, explained[len(word) + 1 :] + "\n\n")
    elif draft.verdict:
        word = verdict_word(draft.verdict)
        if len(cited_facts) >= needs_facts:
            direct, verdict_led = word, True
            cites = sorted({n for r in rows if r.supported for n in r.citations})
            rows.insert(0, SentenceCheck(text=word, citations=cites, supported=True, score=1.0,
                                         reason=f"the writer's conclusion from {len(cited_facts)} cited fact(s)", kind="inference"))  # fmt: skip
        else:
            rows.insert(0, SentenceCheck(text=word, citations=[], supported=False, score=0.0,
                                         reason=f"rests on {len(cited_facts)} verified fact(s), {needs_facts} needed", kind="inference"))  # fmt: skip
    elif kept:
        direct = next(r.text for r in rows if r.supported)
    text = "".join(kept)
    if verdict_led:
        text = f"{direct} {text}".strip()
    citations = [Citation.from_passage(n, passages[i]) for i, n in sorted(numbering.items(), key=lambda kv: kv[1])]
    return Assembled(answer=text, direct=direct, citations=citations, sentences=rows)

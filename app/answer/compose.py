"""Composing answers: extractive drafts, parsing LLM drafts, verifying and numbering citations.

A draft is a list of sentences, each with the evidence it cites. Whatever wrote the
draft (Dossier's extractive composer or an LLM), ``finalize`` verifies every
sentence against its cited passages, drops what is unsupported, and renumbers the
surviving citations 1..m in order of first use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.answer.evidence import Evidence, SentenceVectors
from app.answer.text import citation_markers, split_sentences, strip_markers
from app.answer.verify import best_support, verify_sentence
from app.types import Citation, Passage, SentenceCheck, short_publisher


@dataclass
class DraftSentence:
    claim: str  # the sentence without attribution and markers
    cites: list[int] = field(default_factory=list)  # indexes into the evidence list
    attribution: str = ""  # "According to X (date): " added by Dossier from metadata


def attribution_for(p: Passage) -> str:
    who = short_publisher(p.publisher) or p.title
    return f"According to {who} ({p.date}): " if p.date else f"According to {who}: "


def extractive_draft(evidence: list[Evidence]) -> list[DraftSentence]:
    """Lead sentence first, then the other evidence grouped by source, each group attributed."""
    if not evidence:
        return []
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
    return drafts


def parse_llm_draft(text: str, n_evidence: int) -> list[DraftSentence]:
    drafts: list[DraftSentence] = []
    for sent in split_sentences(text.strip()):
        marks = [m - 1 for m in citation_markers(sent) if 1 <= m <= n_evidence]
        claim = re.sub(r"\s+([.,;:!?])", r"\1", strip_markers(sent)).strip()
        if not re.search(r"[A-Za-z0-9]", claim):
            # "… the Verge. [2]." splits into a sentence and a marker-only tail: the markers belong before.
            if drafts:
                drafts[-1].cites = list(dict.fromkeys([*drafts[-1].cites, *marks]))
            continue
        drafts.append(DraftSentence(claim=claim, cites=list(dict.fromkeys(marks))))
    return drafts


@dataclass
class Finalized:
    answer: str
    citations: list[Citation]
    sentences: list[SentenceCheck]


def finalize(
    drafts: list[DraftSentence], evidence: list[Evidence], vectors: SentenceVectors, threshold: float
) -> Finalized:
    passages = [e.passage for e in evidence]
    numbering: dict[int, int] = {}
    kept_text: list[str] = []
    checks: list[SentenceCheck] = []
    for d in drafts:
        cites = d.cites
        if cites:
            attribution = d.attribution or " ".join(short_publisher(passages[i].publisher) for i in cites)
            verdict = verify_sentence(d.claim, [passages[i] for i in cites], vectors, threshold, attribution)
        else:
            found = best_support(d.claim, passages, vectors, threshold)
            if found is None:
                verdict = None
            else:
                cites, verdict = [found[0]], found[1]
        shown = d.attribution + d.claim
        if verdict is None or not verdict.supported:
            reason = "no passage supports it" if verdict is None else verdict.reason
            checks.append(SentenceCheck(text=shown, citations=[], supported=False, score=verdict.score if verdict else 0.0, reason=reason))
            continue
        nums = []
        for i in cites:
            if i not in numbering:
                numbering[i] = len(numbering) + 1
            nums.append(numbering[i])
        marked = shown + "".join(f" [{n}]" for n in nums)
        checks.append(SentenceCheck(text=marked, citations=nums, supported=True, score=verdict.score, reason=verdict.reason))
        if d.attribution and kept_text:
            kept_text.append("\n\n")
        elif kept_text:
            kept_text.append(" ")
        kept_text.append(marked)
    citations = [Citation.from_passage(n, passages[i]) for i, n in sorted(numbering.items(), key=lambda kv: kv[1])]
    return Finalized(answer="".join(kept_text), citations=citations, sentences=checks)

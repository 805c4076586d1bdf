"""Evidence hygiene: headings, bylines, datelines, navigation and metadata are context, not evidence."""

from __future__ import annotations

import dataclasses

import pytest

from app.answer.evidence import split_passage
from app.answer.hygiene import clean_span, dateline_end
from app.answer.text import sentence_spans
from app.types import Passage

BODY = "The commerce ministry announced new export curbs on drone makers on Friday, citing national security."


def _p(text: str, start: int = 0) -> Passage:
    return Passage("c", "d1", "x.md", "T", "Pub", "news", "2021-12-16", "", text, start, start + len(text))


def _evidence(text: str, start: int = 0) -> list[str]:
    pieces = split_passage(_p(text, start))
    for piece in pieces:  # every piece is an exact slice with document offsets
        assert text[piece.start - start : piece.end - start] == piece.text
    return [piece.text for piece in pieces]


def _clean(text: str) -> str | None:
    out = clean_span(text, 0, len(text))
    return None if out is None else text[out[0] : out[1]]


@pytest.mark.parametrize(
    "sentence",
    [
        BODY,
        "Officials said the measures would affect components such as flight controllers and gimbals.",
        "By the authority vested in me as President by the Constitution and the laws of the United States, I order:",
        "U.S. persons will be prohibited from purchasing or selling certain publicly traded securities.",
        "“Today’s actions prove once again that we will protect Americans,” Secretary Wilbur Ross said.",
        "Related parties must disclose the transactions to the committee within ninety days of closing.",
        "Published reports said the company had met officials in Washington on Tuesday.",
        "By Tuesday, the company must divest all interests and rights in the application.",
        "Move comes after TikTok shut down in US following federal ban, with users unable to use the app 'for now'",
    ],
)
def test_ordinary_sentences_are_untouched(sentence: str) -> None:
    assert clean_span(sentence, 0, len(sentence)) == (0, len(sentence))
    assert _evidence(sentence) == [sentence]


def test_markdown_heading_is_not_evidence_and_does_not_glue() -> None:
    assert _evidence("## Export controls on drone makers tightened\n\n" + BODY) == [BODY]
    assert _evidence("## Export controls on drone makers tightened\n" + BODY) == [BODY]


def test_title_line_standing_alone_is_not_evidence() -> None:
    title = "TikTok Responds to Trump Executive Order, Vows to Fight: 'We Are Shocked'"
    assert _evidence(f"{title}\n\n{BODY}") == [BODY]
    assert _evidence(f"Governor Gianforte Bans TikTok in Montana\n\n{BODY}") == [BODY]
    # a headline in sentence case, a few words and no sentence end
    assert _evidence(f"TikTok ban on the horizon for app users\n\n{BODY}") == [BODY]


def test_heading_glued_by_one_newline_is_split_off_with_offsets() -> None:
    heading = "Commerce Delays Prohibitions on TikTok; WeChat Prohibitions Suspended Due to Court Order"
    more = " The agency said more rules would follow in the coming weeks."
    text = f"{heading}\n{BODY}{more}"
    pieces = split_passage(_p(text, start=500))
    assert pieces[0].text == BODY
    assert (pieces[0].start, pieces[0].end) == (500 + len(heading) + 1, 500 + len(heading) + 1 + len(BODY))
    # A sentence opening with a pronoun goes on with the one before it, as one contiguous slice.
    joined = split_passage(_p(f"{heading}\n{BODY} It said more rules would follow in the coming weeks.", start=500))
    assert joined[0].text == f"{BODY} It said more rules would follow in the coming weeks."
    assert joined[0].end - joined[0].start == len(joined[0].text)
    assert all(heading not in p.text for p in pieces)


def test_the_documents_own_title_in_sentence_case_is_not_evidence() -> None:
    # A .txt file's title is its first line; in sentence case and lower case no heading rule sees it.
    title = "CIA says there is no evidence of misuse, ministry: urging the us to correct its mistakes"
    base = Passage("c", "d1", "x.txt", title, "", "news", "2020-08-10", "", "", 0, 0)
    for text in (f"{title}\n\n\n{BODY}", f"{title}\n{BODY}"):
        pieces = split_passage(dataclasses.replace(base, text=text, end=len(text)))
        assert [p.text for p in pieces] == [BODY]
        assert all(text[p.start : p.end] == p.text for p in pieces)
    # The same words as a sentence of a document with another title stay evidence.
    other = dataclasses.replace(base, title="Another title", text=f"{title}.", end=len(title) + 1)
    assert [p.text for p in split_passage(other)] == [f"{title}."]
    # The title glued to the first sentence on one line: the span starts where the sentence does.
    order = "Executive Order 14166 of January 20, 2025: Application of the Act to TikTok"
    glued = f"Executive Order 14166 of January 20, 2025 Application of the Act to TikTok {BODY}"
    eo = dataclasses.replace(base, title=order, text=glued, end=len(glued))
    assert [p.text for p in split_passage(eo)] == [BODY]
    # ... but not when the title's words run on into a sentence of their own.
    run_on = f"{title} said officials on Monday."
    assert [p.text for p in split_passage(dataclasses.replace(base, text=run_on, end=len(run_on)))] == [run_on]


def test_section_label_and_heading_before_a_paragraph() -> None:
    text = f"Tech & Science\nDrone Makers Face New Curbs\n{BODY}"
    assert _evidence(text) == [BODY]


def test_wrapped_line_of_a_sentence_is_not_a_title() -> None:
    # hard-wrapped text: a first line in Title Case that goes on in the next line is not a heading
    text = "As of January 19, the Protecting Americans from Foreign Adversary Controlled Applications\nAct will make it unlawful for companies to distribute the platform."
    assert _clean(text) == text
    text = "Senate Majority Leader Chuck Schumer said the Senate will review it. Senate Majority\nLeader Chuck Schumer said the Senate will review the legislation."
    s, e = sentence_spans(text)[1]
    assert clean_span(text, s, e) == (s, e)  # a span that starts mid-line has no heading line


@pytest.mark.parametrize(
    "byline",
    [
        "By Jane Doe",
        "By Reuters Staff",
        "David Shepardson | Reuters",
        "By Office of the Governor · 2023-05-17",
        "Reuters Staff",
    ],
)
def test_bylines_are_not_evidence(byline: str) -> None:
    assert _clean(byline) is None
    assert _evidence(f"{byline}\n{BODY}") == [BODY]


def test_header_block_of_a_plain_text_article() -> None:
    text = (
        "US House passes bill to force ByteDance to divest TikTok or face ban\n"
        "Send a link to a friend\n[March 14, 2024]\nBy David Shepardson\n"
        "WASHINGTON (Reuters) -The U.S. House of Representatives overwhelmingly\n"
        "passed a bill on Wednesday that would give ByteDance about six months to divest."
    )
    assert _evidence(text) == [text[text.index("The U.S. House") :]]


@pytest.mark.parametrize(
    "dateline",
    [
        "WASHINGTON - ",
        "WASHINGTON – ",
        "WASHINGTON (Reuters) - ",
        "WASHINGTON (Reuters) -",
        "NEW YORK, March 13 (Reuters) - ",
        "BEIJING, Sept 3 (Xinhua) -- ",
        "HELENA, Mont. – ",
        "BEIJING: ",
        "San Francisco, (Asian independent) ",
        "China News Service, Beijing, September 3 (Reporter Li Xiaoyu) ",
        "Washington, D.C. – ",
    ],
)
def test_dateline_is_cut_off_the_start_with_offsets(dateline: str) -> None:
    text = dateline + BODY
    assert dateline_end(text) == len(dateline)
    pieces = split_passage(_p(text, start=1000))
    assert [p.text for p in pieces] == [BODY]
    assert (pieces[0].start, pieces[0].end) == (1000 + len(dateline), 1000 + len(text))


@pytest.mark.parametrize(
    "sentence",
    [
        "U.S. – China trade talks resumed in Geneva on Monday after a pause of several months.",
        "ByteDance, TikTok (US) Inc. and Oracle signed the framework agreement on Thursday.",
        "Treasury Secretary Janet Yellen (D) said the measures would take effect immediately.",
        "China – the world's largest drone market – opposed the measures on Friday.",
    ],
)
def test_no_dateline_in_ordinary_sentences(sentence: str) -> None:
    assert dateline_end(sentence) == 0
    assert _clean(sentence) == sentence


@pytest.mark.parametrize(
    "nav",
    [
        "Share this",
        "Share | Post | Email",
        "Related stories",
        "Subscribe to our newsletter",
        "Accept all cookies",
        "Advertisement",
        "Read more",
    ],
)
def test_navigation_lines_are_not_evidence(nav: str) -> None:
    assert _clean(nav) is None
    assert _evidence(f"{nav}\n{BODY}") == [BODY]


def test_cookie_and_copyright_notices_are_not_evidence() -> None:
    notice = "We use cookies and similar technologies to personalise content and ads and to analyse our traffic."
    assert _evidence(notice) == []
    assert _evidence("© 2020 Newsweek. All rights reserved.") == []


@pytest.mark.parametrize(
    "meta",
    [
        "Published: 2020-09-18",
        "Updated 3:15 PM ET, Fri March 15, 2024",
        "Posted by admin on March 3, 2024",
        "Photo: Reuters",
        "Image credit: Getty Images",
        "FreshSplash/Getty Images",
        "Reporting by David Shepardson; Editing by Chris Reese",
        "Tags: TikTok, ByteDance, Congress",
        "Tuesday, August 11, 2020",
        "Vol. 85, No. 155",
    ],
)
def test_metadata_lines_are_not_evidence(meta: str) -> None:
    assert _clean(meta) is None
    assert _evidence(f"{meta}\n{BODY}") == [BODY]


def test_bracketed_lines_and_page_furniture_are_not_evidence() -> None:
    assert _evidence("[...]") == []
    assert _evidence(f"[Presidential Documents]\n[[Page 15209]]\n48637\n{BODY}") == [BODY]
    assert _evidence("SUPREME COURT OF THE UNITED STATES\n\n" + BODY) == [BODY]


def test_trailing_share_line_is_cut_off_the_end() -> None:
    text = f"{BODY}\nShare this"
    assert _clean(text) == BODY


def test_bullet_marker_is_not_part_of_the_sentence() -> None:
    item = "Move comes after TikTok shut down in US following federal ban, with users unable to use the app"
    assert _evidence(f"- {item}\n\n{BODY}") == [item, BODY]


def test_lead_in_ending_with_a_colon_stays_with_what_it_introduces() -> None:
    text = 'Statement of the Secretary of Commerce, 18 December 2020:\n\n"China\'s behavior harms U.S. national security and the world."'
    assert _evidence(text) == [text]


def test_a_running_page_header_inside_a_sentence_is_cut_where_the_sentence_resumes() -> None:
    # A page break in a laid-out document: the next page's header (a title line, a page number, a
    # reference line) sits inside a sentence that goes on from the page before.
    header = "Page 1101 - Trump Executive Orders 2017-2021\nP. 1101\n48638 Federal Register / Vol. 85, No. 155 / Tuesday, August 11, 2020 / Presidential Documents\n"
    rest = "any transaction by any person is prohibited beginning 45 days after the date of this order."
    text = header + rest
    s, e = clean_span(text, 0, len(text)) or (0, 0)
    assert text[s:e] == rest
    # A title over a paragraph of its own is still cut only when the paragraph starts a sentence.
    plain = "Budget Talks Resume\nlawmakers met again on Monday."
    assert clean_span(plain, 0, len(plain)) == (0, len(plain))


def test_a_running_page_mark_opening_a_sentence_is_cut() -> None:
    # Text extracted from a court filing: the next page's header and a footnote number run into the sentence.
    rest = "The first of those five prohibitions goes into effect at 11:59 p.m. today."
    text = f"1 Case 1:20-cv-02658-CJN Document 30 Filed 09/27/20 Page 2 of 18 {rest}"
    assert _evidence(text) == [rest]
    assert _clean(f"Page 3 of 12 {rest}") == rest
    # A sentence that refers to a page is a sentence.
    for sentence in ("See Page 3 of 9 For the schedule, which the agency set on Monday.", "The order is on page 3 of 9 of the filing."):
        assert _clean(sentence) == sentence


def test_a_byline_glued_to_the_first_sentence_is_cut_by_the_publisher_it_names() -> None:
    body = "China and the United States reached a basic framework consensus on resolving issues related to TikTok."
    text = f"By Xu Hailin, Han Shuo, Yan Huan, People's Daily {body}"
    passage = dataclasses.replace(_p(text), publisher="People's Daily (Xu Hailin, Han Shuo, Yan Huan), republished by Al Wihda Info")
    pieces = split_passage(passage)
    assert [x.text for x in pieces] == [body]
    assert text[pieces[0].start : pieces[0].end] == body
    # Words the publisher does not hold are the sentence's own ("By the authority vested in me ...").
    own = "By the authority vested in me as President, I order the following steps."
    assert [x.text for x in split_passage(dataclasses.replace(_p(own), publisher="The White House"))] == [own]


def test_a_legal_citation_does_not_end_a_sentence() -> None:
    from app.answer.text import split_sentences

    preamble = (
        "By the authority vested in me, including the International Emergency Economic Powers Act (50 U.S.C. 1701 "
        "et seq.) (IEEPA), the National Emergencies Act (50 U.S.C. 1601 et seq.), and section 301 of title 3, it is "
        "hereby ordered as follows. Smith et al. disagreed."
    )
    assert split_sentences(preamble) == [preamble[: preamble.index(" Smith")], "Smith et al. disagreed."]

"""Evidence hygiene: what in a sentence span is context, never evidence on its own.

Headings, section labels, titles, bylines, datelines, navigation and share lines, cookie
notices and metadata lines ("Published: ...", "Photo: ...") frame an article; they are not
statements an answer can cite. ``split_passage`` (``app.answer.evidence``) calls
``clean_span`` on each sentence span of a chunk:

- a span that is only such lines is dropped (``None``);
- such lines at the start of a span (a heading glued by a single newline to the paragraph
  under it, a title/byline/date block above an article's first sentence) are cut off, and so
  are such lines at its end;
- a dateline opening the first sentence ("WASHINGTON -", "BEIJING, Sept 3 (Xinhua) --",
  "HELENA, Mont. -") and a list bullet are cut off its start.

Cutting only moves the span's start or end, so a citation stays an exact slice of the
document. The rules are general shapes of news and official documents, not patterns of
particular documents; an ordinary sentence is returned unchanged.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Words Title Case leaves in lower case; a line ending in one of them is a wrapped line of a sentence.
SMALL_WORDS = {
    "a", "an", "the", "and", "or", "nor", "but", "of", "in", "on", "at", "to", "for", "by", "with", "from",
    "as", "vs", "vs.", "v", "v.", "via", "into", "onto", "over", "per", "than", "up", "off", "out", "is", "are",
    "be", "its", "de", "la", "le", "van", "von", "der", "al", "bin", "ibn", "et", "da", "di", "du",
}  # fmt: skip

_FINAL = re.compile(r"[.!?…][\"'”’)\]]*$")  # a sentence end
_WORD = re.compile(r"[^\W\d_][\w'’\-.&]*")
_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_WEEKDAY = r"(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?"

MARKDOWN_HEADING = re.compile(r"^#{1,6}(?:\s|$)")
BRACKETED = re.compile(r"^\[+[^\[\]]*\]+$")  # [...], [March 14, 2024], [[Page 15209]], [Presidential Documents]
BULLET = re.compile(r"[-–—*•·▪●◦]\s+")

# Navigation, sharing, subscription and cookie controls: a line made only of these is page chrome.
_NAV_ITEM = re.compile(
    r"(?:share(?: this(?: (?:article|story|page|post))?| on \w+(?: \w+)?)?|tweet|e-?mail|print|post|save|copy link|"
    r"related(?: (?:stories|articles|content|news|topics|coverage|posts|links))?|read more|read next|see also|"
    r"more(?: (?:on this story|stories|news|from \w+(?: \w+)?|\w+ news))?|most (?:read|popular|viewed|shared)|"
    r"trending(?: now)?|top stories|latest(?: news)?|subscribe(?: (?:now|today|here|to [\w ]+))?|sign (?:up|in)(?: for [\w ]+)?|"
    r"log ?(?:in|out)|register|newsletters?|advertisement|advertising|sponsored(?: content)?|skip to (?:main )?content|"
    r"back to top|jump to \w+|menu|home|search|accept(?: all)?(?: cookies)?|reject all|(?:cookie|privacy) (?:settings|preferences)|"
    r"manage cookies|send (?:a link )?to a friend|follow us(?: on [\w ]+)?|comments?(?: \(\d+\))?|leave a comment|"
    r"view comments|next (?:article|story)|previous (?:article|story)|continue reading|load more|show more|"
    r"listen(?: to (?:this )?article)?|watch(?: video)?|\d+ min(?:ute)?s? read|click here(?: [\w ]+)?)",
    re.IGNORECASE,
)
_NAV_SEPARATORS = re.compile(r"\s*(?:[|·•/>»›]|\s-\s)\s*")

# Metadata: publication and update stamps, photo credits, reporting credits, tags.
_STAMP = re.compile(
    rf"^(?:Published|Updated|Last updated|Last modified|Modified|Posted|First published|Originally published|Filed|Released)\b"
    rf"\s*(?::|on\b|at\b|by\b|\d|{_MONTH}\b|{_WEEKDAY}\b)"
)
_CREDIT = re.compile(
    r"^\(?(?:photo|photograph|image|picture|video|graphic|illustration|file photo|caption|credit|source)s?"
    r"(?:\s+(?:credit|source|courtesy|caption))?\s*(?::|\||/|©|by\b|via\b|courtesy\b)",
    re.IGNORECASE,
)
_AGENCY_CREDIT = re.compile(
    r"(?:^|[\s/(])(?:Getty Images|AFP|AP Photo|AP|Shutterstock|iStock(?:photo)?|EPA|Reuters|File Photo|Xinhua)\)?$"
)
_REPORTING = re.compile(
    r"^\(?(?:Reporting|Additional reporting|Writing|Editing|Edited|Compiled|Translated|Produced|Fact-checked)\s+by\b"
)
_TAGS = re.compile(r"^(?:Tags?|Topics?|Filed under|Categories|Category|Keywords|Section|Read time)\s*:", re.IGNORECASE)
_COPYRIGHT = re.compile(r"^(?:©|\(c\)\s|copyright\b)|\ball rights reserved\b", re.IGNORECASE)
_COOKIES = re.compile(
    r"\b(?:we use cookies|accept (?:all )?cookies|use of cookies|storing of cookies|cookie (?:policy|settings|preferences|consent))\b",
    re.IGNORECASE,
)

# Bylines: "By Jane Doe", "By Reuters Staff", "By Office of the Governor · 2023-05-17", "David Shepardson | Reuters".
_NAME = r"[A-Z][\w'’.\-]*"
_BYLINE = re.compile(
    r"^(?:By|Written by|Words by|Story by|Text by|Reported by|Posted by|Authors?:)\s+(?P<rest>[A-Z].*)$"
)
_NAME_PIPE = re.compile(rf"^{_NAME}(?:\s+{_NAME}){{0,3}}\s*[|·•]\s*{_NAME}(?:\s+{_NAME}){{0,4}}$")
_STAFF = re.compile(
    rf"^(?:{_NAME}\s+){{0,3}}(?:Staff|Staff Writer|Staff Reporter|Correspondent|Contributing Writer|Contributor)$"
)

# A line that is only a date, perhaps with a weekday, a time and separators.
_DATE_PART = re.compile(
    rf"{_WEEKDAY}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:,?\s+\d{{4}})?"
    rf"|{_MONTH}\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}(?:T[\d:.]+Z?)?|\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}}"
    r"|\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?|\b(?:at|ET|EST|EDT|PT|PST|PDT|GMT|UTC|BST|CET|CEST)\b",
    re.IGNORECASE,
)

# Datelines opening an article's first sentence.
_DATE = rf"{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?"
_DASH = r"(?:-{1,3}|[–—])"
_BODY_START = r"(?=[\"“‘'(\[]?[A-Z0-9])"
DATELINE_CAPS = (
    re.compile(  # WASHINGTON - / WASHINGTON (Reuters) - / HELENA, Mont. - / BEIJING, Sept 3 (Xinhua) -- / BEIJING:
        rf"^[A-Z][A-Z'’\-]{{2,}}(?:\s+[A-Z][A-Z'’\-]+){{0,3}}"
        rf"(?:,\s*(?!{_DATE})[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){{0,2}}){{0,2}}"
        rf"(?:,?\s*{_DATE})?\s*(?:\([^()\n]{{1,40}}\))?\s*(?:{_DASH}|:)\s*{_BODY_START}"
    )
)
DATELINE_SOURCE = re.compile(  # San Francisco, (Asian independent) / China News Service, Beijing, September 3 (Reporter ...)
    rf"^{_NAME}(?:,?\s+(?:{_NAME}|\d{{1,2}}(?:,\s*\d{{4}})?)){{0,7}},?\s*\([A-Z][^()\n]{{1,40}}\)\s*(?:{_DASH}\s*)?{_BODY_START}"
)
DATELINE_PLACE = re.compile(  # Washington, D.C. - / Helena, Mont. -
    rf"^[A-Z][a-z]+(?:\s+[A-Z][a-z]+){{0,2}},\s*[A-Z][\w.]*(?:\s+[A-Z][\w.]*){{0,2}}\s+{_DASH}\s*{_BODY_START}"
)


# A running page mark opening a sentence in text extracted from a laid-out page: "Case 1:20-cv-02658-CJN
# Document 30 Filed 09/27/20 Page 2 of 18 The first of ...", "7 Page 3 of 12 The ...".
PAGE_MARK = re.compile(r"^(?P<head>[^.!?\n]{0,120}?)\bPage\s+\d+\s+of\s+\d+\b[\s|/]*(?=[\"“‘'(\[]?[A-Z0-9])")


def page_mark_end(text: str) -> int:
    """Length of a running page mark opening ``text`` (0 if none): labels, numbers and "Page N of M"
    before an uppercase start; a lower-case word, or no number, before the mark makes it a sentence
    ("See Page 3 of 9 For ...")."""
    m = PAGE_MARK.match(text)
    if not m:
        return 0
    head = [t for t in (t.strip("()[],;:/|#") for t in m.group("head").split()) if t]
    if head and not (all(re.search(r"\d", t) or t[:1].isupper() for t in head) and any(re.search(r"\d", t) for t in head)):
        return 0
    return m.end()


def dateline_end(text: str) -> int:
    """Length of a dateline opening ``text`` (0 if none)."""
    for rx in (DATELINE_CAPS, DATELINE_PLACE):
        m = rx.match(text)
        if m:
            return m.end()
    m = DATELINE_SOURCE.match(text)
    if m:
        place = text[: m.end()].split("(")[0].rstrip()
        # "San Francisco, (Agency)", "Service, Beijing, September 3 (Reporter ...)", "Beijing, Sept. 3 (Xinhua)";
        # not "ByteDance, TikTok (US) Inc."
        if place.endswith(",") or place.count(",") >= 2 or ("," in place and re.search(rf"{_DATE}$", place)):
            return m.end()
    return 0


def _words(line: str) -> list[str]:
    return _WORD.findall(line)


def ends_sentence(line: str) -> bool:
    return bool(_FINAL.search(line))


def _wrapped(line: str) -> bool:
    """A line that stops mid-sentence: on a comma, semicolon or a small word."""
    if re.search(r"[,;]$", line):
        return True
    words = line.split()
    return bool(words) and words[-1].lower() in SMALL_WORDS


def title_case_ratio(line: str) -> float:
    content = [w for w in _words(line) if w.lower() not in SMALL_WORDS]
    if not content:
        return 0.0
    return sum(w[0].isupper() for w in content) / len(content)


def is_nav(line: str) -> bool:
    items = [x for x in _NAV_SEPARATORS.split(line.strip(" .:!>»›")) if x]
    return bool(items) and len(line.split()) <= 12 and all(_NAV_ITEM.fullmatch(x.strip(" .:!")) for x in items)


def is_metadata(line: str) -> bool:
    n = len(line.split())
    if n <= 25 and (_STAMP.match(line) or _REPORTING.match(line)):
        return True
    if n <= 12 and (_CREDIT.match(line) or _TAGS.match(line)):
        return True
    return n <= 8 and not ends_sentence(line) and bool(_AGENCY_CREDIT.search(line))


def is_byline(line: str) -> bool:
    if len(line.split()) > 15:
        return False
    if _NAME_PIPE.match(line) or _STAFF.match(line):
        return True
    m = _BYLINE.match(line)
    if not m:
        return False
    # After "By": names (capitalised words and small joining words); after a separator, anything (a date, a role).
    names = re.split(r"\s*(?:[|·•]|\s[-–—]\s)\s*", m.group("rest"))[0]
    tokens = [t for t in re.split(r"[\s,&]+", names) if t]
    if not tokens or (ends_sentence(names) and not re.search(r"\b[A-Z]\.$", names)):
        return False
    return all(t[0].isupper() or t.lower() in SMALL_WORDS for t in tokens)


def is_date_line(line: str) -> bool:
    rest, n = _DATE_PART.subn(" ", line)
    return (
        n > 0
        and not ends_sentence(line)
        and not re.search(r"[^\W_]", rest)
        and bool(re.search(r"\d|day\b", line, re.I))
    )


def is_caps_heading(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return (
        not line.endswith(":")
        and len(letters) >= 3
        and len(line.split()) <= 12
        and sum(c.isupper() for c in letters) >= 0.9 * len(letters)
    )


def is_reference_line(line: str) -> bool:
    """'Vol. 85, No. 155', 'P. 1100', 'Document 2025-06162': labels and numbers only."""
    if line.endswith(":"):
        return False  # a lead-in: split_passage keeps it with what it introduces
    tokens = [t.strip("()[],;:/|") for t in line.split()]
    tokens = [t for t in tokens if t]
    if not 1 <= len(tokens) <= 10 or not any(re.search(r"\d", t) for t in tokens):
        return False
    if ends_sentence(line) and not re.search(r"\b[A-Z][a-z]?\.$", line):  # "P. 1100" and "No." yes; "(86 FR 31423)." no
        return False
    return all(re.search(r"\d", t) or t[0].isupper() or t.lower() in SMALL_WORDS for t in tokens)


def is_anchor(line: str) -> bool:
    """Lines that mark an article's header block: headings, navigation, bylines, metadata, dates."""
    return bool(
        MARKDOWN_HEADING.match(line) or BRACKETED.match(line) or is_nav(line) or is_metadata(line)
        or is_byline(line) or is_date_line(line)
    )  # fmt: skip


def is_context(line: str) -> bool:
    """A line that is context whatever follows it."""
    return is_anchor(line) or not re.search(r"[^\W\d_]", line) or is_caps_heading(line) or is_reference_line(line)


def is_titleish(line: str, continued: bool = False) -> bool:
    """A title, heading or section label: no final punctuation, in Title Case or a few words.

    ``continued``: the line before is a title line, so this one may go on with a lower-case word
    (a title wrapped over lines, "Taking Addi-" / "tional Steps To Address ...")."""
    if ends_sentence(line) or _wrapped(line) or line.endswith(":") or dateline_end(line) or len(line.split()) > 30:
        return False  # (a line ending in ':' introduces what follows; split_passage keeps the two together)
    words = _words(line)
    if not words or not (
        line[0].isupper() or line[0].isdigit() or line[0] in "\"“‘'" or (continued and line[0].islower())
    ):
        return False
    if len(line.split()) <= 5 and line[0].isupper():
        return True
    return len(words) >= 2 and title_case_ratio(line) >= 0.75


def is_plain_title(line: str) -> bool:
    """A headline in sentence case: no final punctuation, not a wrapped line."""
    n = len(line.split())
    if line.endswith(":") or ends_sentence(line) or _wrapped(line) or dateline_end(line):
        return False  # (a line ending in ':' introduces what follows)
    return 3 <= n <= 20 and line[0].isupper()


def starts_body(line: str) -> bool:
    return bool(re.match(r"[\"“‘'\[]?[A-Z0-9]", line))


def is_boilerplate(text: str) -> bool:
    """Cookie notices and copyright lines: page chrome even when written as a sentence."""
    return bool(_COOKIES.search(text) or _COPYRIGHT.search(text))


def _lines(text: str, s: int, e: int) -> list[tuple[int, int]]:
    out = []
    for m in re.finditer(r"[^\n]+", text[s:e]):
        ls, le = s + m.start(), s + m.end()
        while ls < le and text[ls].isspace():
            ls += 1
        while le > ls and text[le - 1].isspace():
            le -= 1
        if le > ls:
            out.append((ls, le))
    return out


def _line_length(text: str, pos: int) -> int:
    """Length of the whole line of ``text`` that starts at ``pos`` (beyond the span it is in)."""
    end = text.find("\n", pos)
    return (len(text) if end < 0 else end) - pos


def _at_line_start(text: str, pos: int) -> bool:
    while pos > 0 and text[pos - 1] in " \t":
        pos -= 1
    return pos == 0 or text[pos - 1] == "\n"


def title_words(title: str) -> str:
    """A document title as ``after_title`` compares it: its lower-case words (digits kept), one space apart."""
    return " ".join(re.findall(r"\w+", title.lower()))


def after_title(text: str, s: int, e: int, title: str) -> int:
    """Where the span ``text[s:e]`` starts once a leading line equal to the document's title (given as
    ``title_words``) is cut off: ``e`` when the span is the title alone, ``s`` when it does not open with it.

    A .txt file's title is its first line; in sentence case ``clean_span`` cannot tell it from a sentence."""
    if len(title.split()) < 3:
        return s  # a short title ("Notice") may well be the first words of a real sentence
    line_end = text.find("\n", s, e)
    first = text[s:e] if line_end < 0 else text[s:line_end]
    if title_words(first) != title:
        # The title glued to the first sentence on one line ("Executive Order 14166 of January 20, 2025
        # Application of ... to TikTok By the authority vested in me ..."): the span starts after it,
        # where a new sentence starts with a capital.
        words = list(re.finditer(r"\w+", first))
        want = title.split()
        if len(words) > len(want) and [w.group(0).lower() for w in words[: len(want)]] == want:
            cut = s + words[len(want) - 1].end()
            while cut < e and not text[cut].isalnum():
                cut += 1
            if text[cut : cut + 1].isupper():
                return cut
        return s
    if line_end < 0:
        return e
    s = line_end
    while s < e and text[s].isspace():
        s += 1
    return s


def after_byline(text: str, s: int, e: int, publisher: str) -> int:
    """Where the span ``text[s:e]`` starts once a byline glued to its first sentence is cut off ("By Xu
    Hailin, Han Shuo, Yan Huan, People's Daily China and the United States reached ..."), read against the
    document's publisher, which names the same people and outlet. ``s`` when there is none.

    Only the words the publisher field holds are cut, and only when a capitalised sentence follows."""
    known = {w.lower() for w in re.findall(r"[\w'’]+", publisher)}
    m = re.match(r"(?:By|Written by|Reported by)\s+", text[s:e])
    if not m or not known:
        return s
    pos, taken = s + m.end(), 0
    for w in re.finditer(r"[^\s,;]+[,;]?", text[pos:e]):
        word = w.group(0).rstrip(",;").lower()
        if word not in known and word.replace("’", "'") not in known:
            break
        pos, taken = s + m.end() + w.end(), taken + 1
    cut = pos
    while cut < e and text[cut] in " \t,;|-–—":
        cut += 1
    if taken < 2 or not text[cut : cut + 1].isupper():
        return s
    return cut


@lru_cache(maxsize=65536)  # the same chunks come back query after query
def clean_span(text: str, s: int, e: int) -> tuple[int, int] | None:
    """The evidence part of the sentence span ``text[s:e]``, or None when it has none.

    Returns ``(s, e)`` unchanged for an ordinary sentence; otherwise a sub-span with heading,
    byline, navigation and metadata lines, a dateline and a bullet cut off.
    """
    lines = _lines(text, s, e)
    if not lines:
        return None
    line = [text[a:b] for a, b in lines]
    n = len(lines)
    ends_line = text[e : e + 1] == "\n"  # the span ends its line (not at the chunk's end, not mid-line)
    whole_first = _at_line_start(text, lines[0][0])  # a span starting mid-line has no heading line

    # 1. Leading lines that are context: headings, labels, titles, bylines, metadata, navigation.
    kinds: list[str] = []
    while whole_first and len(kinds) < n:
        i = len(kinds)
        if is_context(line[i]):
            kinds.append("context")
        elif is_titleish(line[i], continued=bool(kinds) and kinds[-1] == "title") and (i < n - 1 or ends_line):
            kinds.append("title")
        else:
            break
    j = len(kinds)
    if j == n:
        return None  # nothing but context
    drop = 0
    if j > 0:
        titles = [len(line[i]) for i in range(j) if kinds[i] == "title"]
        if not titles:
            drop = j
        elif "context" in kinds and line[j][:1].islower():
            # A page's running header (title, page and reference lines) inside a sentence that goes on
            # from the page before: the header is cut, and the span starts where the sentence resumes.
            drop = j
        elif starts_body(line[j]) and (
            "context" in kinds  # a header block: title with byline, date, page or share lines
            or _line_length(text, lines[j][0]) >= 1.5 * max(titles)  # a heading over a paragraph, not a wrapped line
        ):
            drop = j
        else:
            while drop < j and kinds[drop] == "context":
                drop += 1
    elif whole_first and n > 1 and is_plain_title(line[0]):
        # A headline in sentence case: then a header block (byline, date, share links) or a dateline,
        # or a paragraph's (longer) first line.
        k = 1
        while k < n and (is_context(line[k]) or is_titleish(line[k])):
            k += 1
        if k < n and starts_body(line[k]) and (any(is_anchor(line[i]) for i in range(1, k)) or dateline_end(line[k])):
            drop = k
        elif starts_body(line[1]) and _line_length(text, lines[1][0]) >= 1.5 * len(line[0]):
            drop = 1  # a short unfinished line over a longer one: a heading, not a wrapped line of a sentence
    lines, line = lines[drop:], line[drop:]

    # 2. Trailing navigation, byline and metadata lines after a finished sentence.
    while len(lines) > 1 and is_anchor(line[-1]) and not is_date_line(line[-1]) and ends_sentence(line[-2]):
        lines, line = lines[:-1], line[:-1]
    s2, e2 = lines[0][0], lines[-1][1]

    # 3. A bullet and a dateline opening the sentence.
    m = BULLET.match(text, s2, e2)
    if m:
        s2 = m.end()
    cut = page_mark_end(text[s2:e2])
    cut = cut or dateline_end(text[s2:e2])
    if cut:
        s2 += cut
        while s2 < e2 and text[s2].isspace():
            s2 += 1

    body = text[s2:e2]
    if not body or is_boilerplate(body):
        return None
    # 4. A paragraph of a few words with no sentence end: a heading in sentence case.
    if "\n" not in body and ends_line and _at_line_start(text, s2) and not ends_sentence(body):
        if len(body.split()) <= 8 and not re.search(r"\d", body):
            return None
    return s2, e2

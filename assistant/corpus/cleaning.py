"""Rules that strip site furniture and metadata lines from article bodies.

News pages come with share buttons, teaser links and "more from" lists that
are not part of the article. These rules remove such lines; every other
character of the body stays exactly as it was, so that passages quoted later
are verbatim slices of what the outlet published.

The lines above the first paragraph (the header) also hold metadata: a
section label ("Asia"), a date stamp ("Politics Materials 23 February 2021
12:10 (UTC +04:00)"), a dateline ("BAKU, Azerbaijan, Feb.23") and a byline
("By Jani Babayeva - Trend:"); a closing "Source NY Times" names the outlet.
They are taken out of the body too, and what they state is handed back as
metadata (``HeaderFacts``) for the fields the front matter leaves empty. A
bare date line ("December 3, 2020") gives its date too but stays in the body.

What counts as the outlet: the publisher, as the text names it: a byline's
credit after a dash ("By NAME - OUTLET") or a closing source line ("Source
X"). A picture's credit (". mod.gov.az" after a caption, "Valery Sharifulin /
TASS") names who took or supplied the picture, not who published the text,
and is never taken as the outlet.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

# A whole line that is only a button or widget label.
_FURNITURE_LINE = re.compile(
    r"^(discuss|share( this)?|pin it on pinterest|leave a comment|comments?|print|"
    r"tweet|email|advertisement|subscribe)$",
    re.IGNORECASE,
)

# Teasers that point at another article: "Also Read  …", "Related article: …",
# with or without Markdown emphasis around the label.
_TEASER_LINE = re.compile(
    r"^(also read\s|(related( articles?| stories| coverage)?|read more|see also)[*_]*\s*:)",
    re.IGNORECASE,
)

# Where a trailing list of links to other articles begins; the marker line and
# everything after it is dropped.
_TRAILER_START = re.compile(
    r"^(more from\b.*|promoted stories|recommended( for you)?|you may also like|"
    r"most read|read next|original url:?.*)$",
    re.IGNORECASE,
)

_MARKUP_AROUND = re.compile(r"^[#>*_\s]+|[*_\s]+$")
_BLANK_RUN = re.compile(r"\n(?:[^\S\n]*\n)+")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>(?i:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r"))\.?"
_DATE = (
    rf"(?:(?P<day1>\d{{1,2}})\s+{_MONTH}\s+(?P<year1>\d{{4}})"
    rf"|{_MONTH.replace('month', 'month2')}\s*(?P<day2>\d{{1,2}}),?\s+(?P<year2>\d{{4}})"
    r"|(?P<iso>\d{4}-\d{2}-\d{2}))"
)
_TIME = r"\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*\((?:UTC|GMT)[^)]{0,12}\))?"
# A line that is only a date, perhaps after a section label and before a time:
# "December 3, 2020", "Politics Materials 23 February 2021 12:10 (UTC +04:00)".
_DATE_LINE = re.compile(rf"^(?:[A-Z][A-Za-z]*\s+){{0,3}}{_DATE}(?:,?\s+{_TIME})?$")
_BARE_DATE = re.compile(rf"^{_DATE}$")
# A dateline standing alone: the place in capitals, perhaps its country, then a
# date: "BAKU, Azerbaijan, Feb.23", "MOSCOW, Oct. 9". A dateline that opens the
# first sentence ("MOSCOW — Azerbaijan and ...") is part of that sentence and stays.
_DATELINE = re.compile(
    r"^[A-Z][A-Z.'-]+(?:\s[A-Z][A-Z.'-]+)*,(?:\s*[A-Z][\w.'-]*(?:\s[A-Z][\w.'-]*)*,)?"
    rf"\s*{_MONTH}\s*\d{{1,2}}(?:,\s*\d{{4}})?$"
)
# A byline: "By NAME", "By NAME - OUTLET:", "By [NAME for AGENCY](#)". The name
# starts with a capital, so "By Friday, the talks ..." is no byline unless it is
# a short line of the header.
_BYLINE = re.compile(r"^[Bb][Yy]\s+(?P<who>[A-Z][^:]{1,100}?)\s*:?$")
_CREDIT_DASH = re.compile(r"\s+[-\u2013\u2014]\s+")
# A section label above the headline: one to three capitalised words.
_SECTION_LABEL = re.compile(r"^[A-Z][A-Za-z&'-]*(?:\s[A-Z&][A-Za-z&'-]*){0,2}$")
# A closing line naming where the text comes from: "Source NY Times", "Source: AFP".
_SOURCE_LINE = re.compile(r"^[Ss]ource:?\s+(?P<outlet>[A-Z][\w.&'-]*(?:\s[\w.&'-]+){0,4})$")
# The first paragraph of running text ends the header: a line of eight words
# or more that ends like a sentence.
_SENTENCE_END = re.compile(r"[.!?\"\u201d\u2019')]$")


def plain_line(line: str) -> str:
    """A line without surrounding whitespace or Markdown heading/emphasis marks."""
    return _MARKUP_AROUND.sub("", line.replace("\u00a0", " "))


def is_furniture(line: str) -> bool:
    """True for a line that is a widget label or a teaser, not article text."""
    text = plain_line(line)
    return bool(_FURNITURE_LINE.match(text) or _TEASER_LINE.match(text))


@dataclass(frozen=True, slots=True)
class HeaderFacts:
    """Metadata that lines taken out of the body stated.

    Attributes:
        author, outlet, published: what the lines say ('' where they say
            nothing); ``published`` is an ISO date, only from a date with a year.
        origins: for each of those fields that is filled, the kind of line it
            came from ("byline", "date line", "source line").
    """

    author: str = ""
    outlet: str = ""
    published: str = ""
    origins: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CleanedBody:
    """An article body without furniture and metadata lines, and what those lines stated."""

    text: str
    facts: HeaderFacts


def clean_body(body: str, title: str = "") -> str:
    """The body without site furniture and metadata lines (see ``clean_article``)."""
    return clean_article(body, title).text


def clean_article(body: str, title: str = "") -> CleanedBody:
    """Remove site furniture and metadata lines from an article body.

    Drops widget and teaser lines, a trailing list of links to other articles,
    copies of the title among the first lines (the title is kept as
    metadata), the header's section label, date line, dateline and byline, and
    a closing source line. Runs of blank lines become one blank line; nothing
    else changes, so every line kept is a line of ``body``.

    Args:
        body: the article text, with ``\\n`` line ends.
        title: the article's title, if known.

    Returns:
        The cleaned body, without leading or trailing blank lines, and the
        metadata the removed lines stated.
    """
    lines = body.split("\n")
    for number, line in enumerate(lines):
        if _TRAILER_START.match(plain_line(line)):
            lines = lines[:number]
            break
    title_key = plain_line(title).casefold()
    # A section label sits above the headline, so it is looked for only where
    # a copy of the headline follows among the opening lines.
    opening = [plain_line(line).casefold() for line in lines[:8]]
    title_below = title_key in opening[1:] if title_key else False
    found: dict[str, tuple[str, str]] = {}
    kept: list[str] = []
    in_header = True
    for line in lines:
        if is_furniture(line):
            continue
        text = plain_line(line)
        # Pages repeat the headline above and below the dateline; only the
        # opening lines are checked so that a quote of the title stays.
        if title_key and len(kept) < 8 and text.casefold() == title_key:
            title_below = False
            continue
        if in_header and text:
            facts = header_line_facts(text, above_title=title_below)
            if facts is not None:
                for name, value in facts.items():
                    found.setdefault(name, value)
                # A bare date ("December 3, 2020") is the date the article
                # prints, the one place a "when" question can quote it from;
                # it stays. A stamp with labels or a clock time is the site's.
                if not _BARE_DATE.match(text):
                    continue
            in_header = in_header and not is_running_text(text)
        kept.append(line)
    while kept and not plain_line(kept[-1]):
        kept.pop()
    if kept and (source := _SOURCE_LINE.match(plain_line(kept[-1]))):
        found.setdefault("outlet", (source["outlet"], "source line"))
        kept.pop()
    text = "\n".join(kept)
    text = _BLANK_RUN.sub("\n\n", text)
    values = {name: value for name, (value, _) in found.items() if value}
    origins = {name: origin for name, (value, origin) in found.items() if value}
    return CleanedBody(text.strip(), HeaderFacts(**values, origins=origins))


def is_running_text(text: str) -> bool:
    """True for a line that reads as a paragraph: eight words or more, ending like a sentence."""
    return len(text.split()) >= 8 and bool(_SENTENCE_END.search(text))


def header_line_facts(text: str, *, above_title: bool = False) -> dict[str, tuple[str, str]] | None:
    """What a header line states when it is a metadata line, else None.

    Args:
        text: the line, as ``plain_line`` gives it.
        above_title: the line comes before a copy of the headline, where a
            section label sits.

    Returns:
        None for a line of article text; else the fields it states, each as
        (value, kind of line), possibly none (a section label, a dateline
        without a year).
    """
    text = _MARKDOWN_LINK.sub(r"\1", text).strip()
    if byline := _BYLINE.match(text):
        if len(text.split()) > 12:
            return None
        who, *credit = _CREDIT_DASH.split(byline["who"].strip(), maxsplit=1)
        facts = {"author": (who.strip(), "byline")}
        if credit and credit[0].strip():
            facts["outlet"] = (credit[0].strip(), "byline")
        return facts
    if date := _DATE_LINE.match(text):
        published = _iso_date(date)
        return {"published": (published, "date line")} if published else {}
    if _DATELINE.match(text):
        return {}
    if above_title and _SECTION_LABEL.match(text):
        return {}
    return None


def _iso_date(match: re.Match[str]) -> str:
    """The ISO date a ``_DATE`` match names, or '' when it names no real date."""
    if match["iso"]:
        try:
            return dt.date.fromisoformat(match["iso"]).isoformat()
        except ValueError:
            return ""
    month = _MONTHS[(match["month"] or match["month2"]).casefold()]
    day, year = (
        (match["day1"], match["year1"]) if match["day1"] else (match["day2"], match["year2"])
    )
    try:
        return dt.date(int(year), month, int(day)).isoformat()
    except ValueError:
        return ""

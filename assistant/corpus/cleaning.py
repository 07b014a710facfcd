"""Rules that strip site furniture from article bodies.

News pages come with share buttons, teaser links and "more from" lists that
are not part of the article. These rules remove such lines; every other
character of the body stays exactly as it was, so that passages quoted later
are verbatim slices of what the outlet published.
"""

from __future__ import annotations

import re

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


def plain_line(line: str) -> str:
    """A line without surrounding whitespace or Markdown heading/emphasis marks."""
    return _MARKUP_AROUND.sub("", line.replace("\u00a0", " "))


def is_furniture(line: str) -> bool:
    """True for a line that is a widget label or a teaser, not article text."""
    text = plain_line(line)
    return bool(_FURNITURE_LINE.match(text) or _TEASER_LINE.match(text))


def clean_body(body: str, title: str = "") -> str:
    """Remove site furniture from an article body.

    Drops widget and teaser lines, a trailing list of links to other articles,
    and copies of the title among the first lines (the title is kept as
    metadata). Runs of blank lines become one blank line; nothing else changes.

    Args:
        body: the article text, with ``\\n`` line ends.
        title: the article's title, if known.

    Returns:
        The cleaned body, without leading or trailing blank lines.
    """
    lines = body.split("\n")
    for number, line in enumerate(lines):
        if _TRAILER_START.match(plain_line(line)):
            lines = lines[:number]
            break
    title_key = plain_line(title).casefold()
    kept: list[str] = []
    for line in lines:
        if is_furniture(line):
            continue
        # Pages repeat the headline above and below the dateline; only the
        # opening lines are checked so that a quote of the title stays.
        if title_key and len(kept) < 8 and plain_line(line).casefold() == title_key:
            continue
        kept.append(line)
    text = "\n".join(kept)
    text = _BLANK_RUN.sub("\n\n", text)
    return text.strip()

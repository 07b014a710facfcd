"""Markdown's markup characters in an article, found so that the article view can leave them out.

A Markdown article is stored as written (``## **Turkish support?**``), and every
passage and highlight is a verbatim slice of that text, by character offsets. The
article view shows it as text without the markup: ``markup_spans`` finds the
characters that are only markup, and ``visible`` escapes a slice of the text
without them, so that a passage's and a sentence's marks still go at the stored
offsets. Markdown parsers (markdown-it) report lines, not the character offsets of
inline markup, so the few constructs news articles use are matched here:
headings, emphasis, links and images, inline code, block quotes, rules and
backslash escapes. Anything else stays as typed, which is what text shows anyway.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from pathlib import PurePath

from .format import escape_text

Span = tuple[int, int]
MARKDOWN_SUFFIXES = (".md", ".markdown")

# Each pattern's named groups "m", "m2", ... are markup; the rest is text.
_PATTERNS = [
    # "## Heading ##": the hashes that open it (and any that close it).
    re.compile(r"^(?P<m>[ ]{0,3}#{1,6}[ \t]+)[^\n]*?(?P<m2>[ \t]+#+)?[ \t]*$", re.MULTILINE),
    # "> quoted", at any depth.
    re.compile(r"^(?P<m>[ ]{0,3}(?:>[ \t]?)+)", re.MULTILINE),
    # A rule: "---", "***", "___" alone on a line.
    re.compile(r"^(?P<m>[ ]{0,3}([-*_])(?:[ \t]*\2){2,}[ \t]*)$", re.MULTILINE),
    # ![alt](url) and [text](url "title"): the brackets and the target (whose own
    # parentheses may nest once, as in Wikipedia's addresses).
    re.compile(r"(?P<m>!?\[)(?=[^\]\n]*\]\()[^\]\n]*(?P<m2>\]\((?:[^()\n]|\([^()\n]*\))*\))"),
    # `code`
    re.compile(r"(?P<m>`+)(?=[^`\n]+(?P=m))[^`\n]+(?P<m2>(?P=m))"),
    # **strong**, __strong__, *emphasis*, _emphasis_ (not inside a word for "_");
    # a delimiter escaped with a backslash is text.
    re.compile(r"(?<!\\)(?P<m>\*\*|__)(?=\S)[^\n]*?(?<=[^\s\\])(?P<m2>(?P=m))"),
    re.compile(r"(?<![\w*\\])(?P<m>\*)(?=[^\s*])[^\n*]*?(?<=[^\s*\\])(?P<m2>\*)(?![\w*])"),
    re.compile(r"(?<![\w_\\])(?P<m>_)(?=[^\s_])[^\n_]*?(?<=[^\s_\\])(?P<m2>_)(?![\w_])"),
    # A backslash escaping a punctuation mark: the backslash.
    re.compile(r"(?P<m>\\)(?=[!-/:-@\[-`{-~])"),
]


def is_markdown(path: str) -> bool:
    """True for an article read from a Markdown file (a ``.txt`` file is plain text)."""
    return PurePath(path).suffix.lower() in MARKDOWN_SUFFIXES


def markup_spans(text: str) -> list[Span]:
    """The spans of ``text`` that are only Markdown markup, sorted and not overlapping.

    Example:
        >>> text = "## **Turkish support?**"
        >>> "".join(text[a:b] for a, b in gaps(text, markup_spans(text)))
        'Turkish support?'
    """
    hidden = [False] * len(text)
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            for name, value in match.groupdict().items():
                if name.startswith("m") and value is not None:
                    start, end = match.span(name)
                    hidden[start:end] = [True] * (end - start)
    spans: list[Span] = []
    for index, hide in enumerate(hidden):
        if not hide:
            continue
        if spans and spans[-1][1] == index:
            spans[-1] = (spans[-1][0], index + 1)
        else:
            spans.append((index, index + 1))
    return spans


def gaps(text: str, hidden: Sequence[Span], start: int = 0, end: int | None = None) -> list[Span]:
    """The spans of ``text[start:end]`` outside ``hidden``: what is shown."""
    end = len(text) if end is None else end
    shown: list[Span] = []
    at = start
    # Only the hidden spans that may reach into [start, end).
    first = max(bisect_right(hidden, (start, start)) - 1, 0)
    for left, right in hidden[first:]:
        if left >= end:
            break
        if right <= at:
            continue
        if left > at:
            shown.append((at, left))
        at = max(at, right)
    if at < end:
        shown.append((at, end))
    return shown


def visible(text: str, start: int, end: int, hidden: Sequence[Span] = ()) -> str:
    """``text[start:end]`` escaped as ``escape_text`` does, without the ``hidden`` characters."""
    return "".join(escape_text(text[left:right]) for left, right in gaps(text, hidden, start, end))

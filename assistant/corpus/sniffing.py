"""What a file's first bytes say it is, against what its suffix claims.

A file's suffix picks its source (``sources.source_for``); this check looks at
the content first, so that a program, an image or a zip renamed ``story.html``
is refused with a plain reason before any parser sees it. It reads only the
head of a file and never decodes strictly: the source itself does that.
"""

from __future__ import annotations

import re

# How much of a file the check reads.
HEAD_BYTES = 64 * 1024

# Binary formats by their leading bytes ("magic numbers"), and how to name them.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (or a Word, OpenDocument or EPUB file)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document (.doc, .xls)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"RIFF", "a media file (WebP, WAV or AVI)"),
    (b"OggS", "an Ogg media file"),
    (b"ID3", "an MP3 file"),
    (b"\x7fELF", "a Linux program"),
    (b"MZ", "a Windows program"),
    (b"\xcf\xfa\xed\xfe", "a macOS program"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
_TEXT_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# Markup a web page holds near its top; an HTML file without any of these is not one.
# The suffixes of text formats: a file with one of them must hold text.
TEXT_SUFFIXES = (
    ".md",
    ".markdown",
    ".txt",
    ".html",
    ".htm",
    ".jsonl",
    ".csv",
    ".rss",
    ".atom",
    ".xml",
)
_HTML_MARK = re.compile(r"<\s*(!doctype\s+html|html|head|body|meta|title|article|p|div)\b", re.I)
_FEED_MARK = re.compile(r"<\s*(rss|feed|rdf:rdf)\b", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def content_problem(suffix: str, head: bytes) -> str | None:
    """Why a file's first bytes do not fit its suffix; None when they do (or no rule applies).

    A text suffix (``TEXT_SUFFIXES``) needs text, with markup for a page, a feed's
    root element for a feed, a JSON object first in a JSONL archive; ``.pdf`` and
    ``.docx`` need their own signatures; other suffixes are left to their source.

    Args:
        suffix: the file's suffix, with its dot (``".html"``).
        head: the file's first bytes (``HEAD_BYTES`` of them is enough).

    Example:
        >>> content_problem(".html", b"%PDF-1.7 ...")
        "it is a PDF document, not a .html file: give the file its own suffix"
    """
    suffix = suffix.lower()
    if suffix == ".pdf":
        return None if b"%PDF-" in head[:1024] else _not(suffix, _kind(head))
    if suffix == ".docx":
        return None if head.startswith(b"PK\x03\x04") else _not(suffix, _kind(head))
    if suffix not in TEXT_SUFFIXES:
        return None  # a format this check does not know: its source judges it
    kind = _binary_kind(head)
    if kind is not None:
        return _not(suffix, kind)
    text = _text_of(head)
    if text is None:
        return _not(suffix, "binary data")
    start = text.lstrip()
    if not start:
        return None  # an empty file: the source says so in its own words
    if suffix in (".html", ".htm") and not _HTML_MARK.search(text):
        return _not(suffix, "text without any HTML markup")
    if suffix in (".rss", ".atom", ".xml") and not (
        start.startswith("<") and _FEED_MARK.search(text)
    ):
        return _not(suffix, "not an RSS or Atom feed")
    if suffix == ".jsonl" and not start.startswith("{"):
        return _not(suffix, "text whose first line is not a JSON object")
    return None


def _not(suffix: str, kind: str) -> str:
    return f"it is {kind}, not a {suffix} file: give the file its own suffix"


def _kind(head: bytes) -> str:
    """What a file is, in words, for a message."""
    kind = _binary_kind(head)
    if kind is not None:
        return kind
    return "text" if _text_of(head) is not None else "binary data"


def _binary_kind(head: bytes) -> str | None:
    return next((name for magic, name in _MAGIC if head.startswith(magic)), None)


def _text_of(head: bytes) -> str | None:
    """The head as text, leniently (a character cut at the end is fine); None if binary."""
    encoding = next((name for bom, name in _TEXT_BOMS if head.startswith(bom)), None)
    if encoding is None:
        if b"\0" in head:
            return None
        encoding = "utf-8"
    # Leniently: a text in another encoding is text, and its source refuses it
    # with a message on converting it, which says more than "binary" would.
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    if len(_CONTROL.findall(text)) > max(4, len(text) // 100):
        return None
    return text

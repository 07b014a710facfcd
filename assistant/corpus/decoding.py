"""Decoding article files: strict, never guessing, normalised to NFC."""

from __future__ import annotations

import re
import unicodedata

from ..errors import CorpusError

# Control characters (Unicode category Cc) other than tab, line feed and form
# feed: no article holds them, a binary or damaged file does.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0d-\x1f\x7f-\x9f]")
# Longest byte-order marks first: the UTF-32 LE mark starts like UTF-16 LE's.
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def decode(raw: bytes) -> str:
    """Decode a file strictly, with ``\\n`` line ends, normalised to Unicode NFC.

    UTF-8 (with or without a BOM), and UTF-16 or UTF-32 with a BOM, are read.
    Nothing is decoded with errors ignored or replaced: a file in another
    encoding is refused, because a wrong guess would put misread text in
    quotes that claim to be verbatim. NFC makes composed and decomposed
    accents the same text, so spans and duplicate checks are stable.

    Raises:
        CorpusError: the file is empty, binary, or not in such an encoding.
    """
    if not raw.strip():
        raise CorpusError("the file is empty: add the article text or remove the file")
    encoding = next((name for bom, name in _BOMS if raw.startswith(bom)), None)
    if encoding is None and b"\0" in raw:
        raise CorpusError(
            "the file is binary, not text (or UTF-16 without a byte-order mark): "
            "save the article as UTF-8 text"
        )
    try:
        text = raw.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError as error:
        if encoding:
            raise CorpusError(
                f"the file starts with a {encoding.upper()} byte-order mark but is not valid "
                f"{encoding.upper()} (byte {error.start}): re-save it as UTF-8"
            ) from error
        raise CorpusError(_not_utf8(raw, error)) from error
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if where := control_character(text):
        raise CorpusError(
            f"the file is binary or damaged, not text (control character {where}): "
            "save the article as UTF-8 text"
        )
    return unicodedata.normalize("NFC", text)


def control_character(text: str) -> str:
    """The first control character no article holds, and its line: 'U+001B on line 3'; ''.

    The rule for every source's stored text (``assembly.finish_article``), as for a file.
    """
    control = _CONTROL.search(text)
    if control is None:
        return ""
    line = text.count("\n", 0, control.start()) + 1
    return f"U+{ord(control.group()):04X} on line {line}"


def refuse_controls(text: str, *, what: str = "its text") -> None:
    """Refuse text holding a control character, as a file holding one is refused.

    Raises:
        CorpusError: naming the character and its line.
    """
    if where := control_character(text):
        raise CorpusError(
            f"{what} is binary or damaged (control character {where}, which no article "
            "holds): fix it where it comes from"
        )


def without_controls(text: str) -> str:
    """A one-line field (a title, an author) without the control characters a text may not hold."""
    return _CONTROL.sub("", text)


def _not_utf8(raw: bytes, error: UnicodeDecodeError) -> str:
    reason = f"the file is not valid UTF-8 (byte {error.start}); re-save it as UTF-8"
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return reason
    # Windows-1252 decodes almost any bytes, so it is only a hint, never a guess.
    return reason + " (if it is Windows-1252 text: iconv -f cp1252 -t utf-8 FILE > NEW_FILE)"

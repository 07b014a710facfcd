"""Text bound for a terminal: control characters shown escaped, never sent.

Base level, beside ``errors`` and ``files``: names and texts come from files and pages
anyone may have written, and an escape sequence in one (``ESC[2J`` clears the screen,
BEL rings, NUL hides what follows) must reach the terminal as visible text. The command
line prints every line through :func:`printable`; the progress bars and the log do too.
"""

from __future__ import annotations

import logging
import re

# Unicode category Cc: C0, DEL and C1 (0x9B is CSI, an escape on its own for some terminals).
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_JSON_CONTROL = re.compile(r"[\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with every control character but the line feed written as an escape.

    Example:
        >>> printable("a\\x1b[2Jb\\x07")
        'a\\\\x1b[2Jb\\\\x07'
    """
    return _CONTROL.sub(_escaped, text)


def printable_json(text: str) -> str:
    """JSON text (``json.dumps``, which escapes C0 already) with DEL and C1 escaped too.

    They can only stand inside strings, so the JSON stays valid and equal.
    """
    return _JSON_CONTROL.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _escaped(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


class PrintableFormatter(logging.Formatter):
    """A log formatter whose records reach the terminal through :func:`printable`."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record))

"""terminal.py: control characters reach a terminal only as visible escapes."""

from __future__ import annotations

import json
import logging

import pytest

from assistant.terminal import PrintableFormatter, printable, printable_json


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("clear\x1b[2Jscreen", "clear\\x1b[2Jscreen"),
        (
            "bell\x07 nul\x00 del\x7f csi\x9b tab\t cr\r",
            "bell\\x07 nul\\x00 del\\x7f csi\\x9b tab\\t cr\\r",
        ),
        ("two\nlines", "two\nlines"),  # a line feed is the printer's own
        ("Erdo\u011fan, caf\u00e9, \u4e2d", "Erdo\u011fan, caf\u00e9, \u4e2d"),  # text stays text
    ],
)
def test_printable(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_printable_json_stays_the_same_json() -> None:
    value = {"title": "a\x1b[2J\x9b\x7fb", "outlet": "caf\u00e9"}
    dumped = printable_json(json.dumps(value, ensure_ascii=False))
    assert json.loads(dumped) == value
    assert not any(0x7F <= ord(c) <= 0x9F or ord(c) < 0x20 for c in dumped)
    assert "caf\u00e9" in dumped


def test_log_lines_are_escaped() -> None:
    record = logging.LogRecord("x", logging.WARNING, "", 0, "skipped %s", ("a\x1b[2J.md",), None)
    assert PrintableFormatter("%(message)s").format(record) == "skipped a\\x1b[2J.md"

"""Dates as sources state them, as ISO dates (YYYY-MM-DD); never guessed.

"3 October 2020", "Oct 3, 2020", "Saturday, 3 October 2020 14:00", "2020-10-03T12:00:00Z",
"3 октября 2020" and a PDF's "D:20201003120000+02'00'" are all ``2020-10-03``: the day
the source states, in its own time zone (a time and a zone are dropped, not converted).
A date is only read when it names its day, month and year: "October 2020", "Tuesday",
"yesterday" and "last week" stay empty (dateparser would otherwise fill the missing parts
from today), and so does an all-number date whose day and month could be swapped
("03/10/2020": 3 October in Europe, March 10 in the US) or whose year has two digits.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

# ISO dates and datetimes, read without dateparser (the common case, and fast).
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})([T ][\d:.,]*(Z|[+-]\d{2}(:?\d{2})?)?)?$", re.I)
# A PDF date (ISO 32000 7.9.4): D:YYYYMMDDHHmmSSOHH'mm', all after the year optional.
_PDF = re.compile(r"^D:(\d{4})(\d{2})(\d{2})[\d+\-Z']*$")
# Day, month and year as numbers only: the order cannot always be told.
_NUMERIC = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d+)$")
# English first, then the languages of the region this corpus covers and of Europe's
# big outlets: detecting among all of dateparser's 200 would take seconds to load and
# 20 ms for every date it cannot read, a long wait over an archive of thousands of rows.
LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "nl", "ru", "uk", "tr", "az", "hy")
_SETTINGS = {
    # A date without its day, month or year is no date: never fill them from today.
    "REQUIRE_PARTS": ["day", "month", "year"],
    "STRICT_PARSING": True,
    "RETURN_AS_TIMEZONE_AWARE": False,
    # Only dates written out: "2 days ago", timestamps and run-together digits are not read.
    "PARSERS": ["absolute-time"],
    "PREFER_DAY_OF_MONTH": "first",
    "DATE_ORDER": "DMY",
}
# Longer text is not a date but a sentence, or an attempt to make the parser work hard.
_MAX_LENGTH = 80


def iso_date(value: str | None) -> str:
    """The date a text states, as YYYY-MM-DD; '' when it states none for certain.

    Example:
        >>> iso_date("Oct 3, 2020"), iso_date("October 2020")
        ('2020-10-03', '')
    """
    text = " ".join((value or "").split())
    if not text or len(text) > _MAX_LENGTH:
        return ""
    for pattern in (_ISO, _PDF):
        if found := pattern.match(text):
            return _checked(*(int(part) for part in found.groups()[:3]))
    if numeric := _NUMERIC.match(text):
        first, second, year = numeric.groups()
        if len(year) != 4 or (int(first) <= 12 and int(second) <= 12 and first != second):
            return ""
        day, month = (first, second) if int(first) > 12 else (second, first)
        return _checked(int(year), int(month), int(day))
    return _parsed(text)


@lru_cache(maxsize=4096)
def _parsed(text: str) -> str:
    """dateparser's reading of a date in words; an archive's rows often repeat theirs."""
    # Imported here: dateparser takes a third of a second to import, and most
    # corpora state their dates as ISO.
    import dateparser

    found = dateparser.parse(text, languages=list(LANGUAGES), settings=_SETTINGS)
    return found.date().isoformat() if found else ""


def _checked(year: int, month: int, day: int) -> str:
    """The date as ISO; '' when there is no such day (2020-02-30)."""
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return ""

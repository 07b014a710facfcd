"""Dates in any common form as ISO dates; a date missing a part, or ambiguous, stays empty."""

from __future__ import annotations

import pytest

from assistant.corpus.dates import iso_date


@pytest.mark.parametrize(
    "text",
    [
        "2020-10-03",
        "2020-10-03T12:00:00Z",
        "2020-10-03T23:30:00-05:00",  # the day the source states, not converted to UTC
        "2020-10-03 08:15",
        "D:20201003120000+02'00'",
        "D:20201003",
        "3 October 2020",
        "October 3, 2020",
        "Oct 3, 2020",
        "Saturday, 3 October 2020 14:00",
        "Sat, 03 Oct 2020 12:00:00 GMT",
        "3 октября 2020",
        "3. Oktober 2020",
        "3 Ekim 2020",
    ],
)
def test_common_forms_are_the_same_iso_date(text: str) -> None:
    assert iso_date(text) == "2020-10-03"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/10/2020", "2020-10-31"),  # day first: the 31st cannot be a month
        ("10/31/2020", "2020-10-31"),  # month first, likewise
        ("05.05.2020", "2020-05-05"),  # the same either way
    ],
)
def test_all_number_dates_are_read_when_their_order_is_certain(text: str, expected: str) -> None:
    assert iso_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "October 2020",  # no day: never taken from today
        "2020",
        "3 October",  # no year
        "Tuesday",
        "yesterday",
        "last Tuesday",
        "2 days ago",
        "03/10/2020",  # 3 October or March 10: not guessed
        "3/10/20",  # a two-digit year
        "2020-02-30",  # no such day
        "D:2020",
        "junk",
        "1601510400",  # a timestamp is no stated date
        "The ministry said on 3 October 2020 that " + "it " * 40,
    ],
)
def test_no_date_is_guessed(text: str | None) -> None:
    assert iso_date(text) == ""

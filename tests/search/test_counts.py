"""Tests of what a figure's sentence says besides its number: its scope and its day."""

from __future__ import annotations

import pytest

from assistant.search.counts import Dating, dating, scope_of


@pytest.mark.parametrize(
    ("sentence", "previous", "scope"),
    [
        ("60 civilians died, according to a tally of tolls given by both sides.", "", "both sides"),
        ("The two countries reported 500 dead.", "", "both sides"),
        ("The U.N. said 58 civilians had been killed.", "", "United Nations"),
        (
            "The commission estimated that 58 civilians had been killed.",
            "The office of the United Nations High Commissioner issued a statement.",
            "United Nations",
        ),
        # The sentence before is read only when this one points back to it.
        ("Officials said 58 civilians had been killed.", "The UN met on Friday.", ""),
        ("UNESCO listed 3 sites; a union counted 40 members.", "", ""),
    ],
)
def test_scope_of(sentence: str, previous: str, scope: str) -> None:
    assert scope_of(sentence, previous) == scope


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [
        (
            "Armenia said on Friday that 376 of its soldiers had died in the fighting to date.",
            "",
            Dating(("on Friday", "to date"), "", interim=True),
        ),
        # Monday 12 October 2020: its Thursday is the 8th, its Monday itself.
        (
            "The commission estimated that as of Thursday 58 civilians had been killed.",
            "2020-10-12",
            Dating(("as of Thursday",), "2020-10-08", interim=True),
        ),
        ("On Monday 12 soldiers died.", "2020-10-12", Dating(("On Monday",), "2020-10-12")),
        (
            "Previously, Azerbaijan had announced 91 civilian deaths.",
            "2020-12-03",
            Dating(("Previously",), "2020-12-03", before=True),
        ),
        (
            "Since then 31 civilians have been killed and 178 wounded.",
            "",
            Dating(("Since then",), "", interim=True),
        ),
        (
            "Since the fighting started last month, 31 civilians have been killed.",
            "2020-10-09",
            Dating(("Since the fighting started last month",), "2020-10-09", interim=True),
        ),
        # A day without its year is of the article's year, or the year before.
        (
            "By 3 December 40 had died.",
            "2021-01-05",
            Dating(("By 3 December",), "2020-12-03", True),
        ),
        (
            "As of Oct. 9, 2020, 40 had died.",
            "",
            Dating(("As of Oct. 9, 2020",), "2020-10-09", True),
        ),
        ("Armenia reported its losses as 2,425.", "2020-12-03", Dating((), "2020-12-03")),
        ("Mark 5 people on the list.", "2020-10-12", Dating((), "2020-10-12")),  # no month
    ],
)
def test_dating(sentence: str, published: str, expected: Dating) -> None:
    assert dating(sentence, published) == expected

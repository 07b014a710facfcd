"""Answer kinds: what a question wants, and whether a sentence holds it by the question."""

from __future__ import annotations

import pytest

from assistant.search.answer_types import (
    DATE,
    DAY,
    DURATION,
    NAME,
    NUMBER,
    YEAR,
    anchored,
    holds_type,
    wanted_type,
)
from assistant.store.lexical import stems


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many soldiers died?", NUMBER),
        ("And how long did the talks last?", DURATION),
        ("When did the war start?", DATE),
        ("In what year was the cathedral built?", YEAR),
        ("On what date did the fighting start?", DAY),
        ("What day of the week is the market held?", DAY),
        ("In which month did the talks begin?", DATE),
        ("Who is Oleg Kuznetsov?", NAME),
        ("What was the name of the soldier killed by the mine?", NAME),
        ("Why did the talks fail?", None),
        ("What about Armenia?", None),
    ],
)
def test_wanted_type(question: str, kind: str | None) -> None:
    assert wanted_type(question) == kind


def test_holds_type() -> None:
    assert holds_type("It lost 2,783 soldiers.", NUMBER)
    assert holds_type("Hundreds of thousands fled.", NUMBER)
    assert holds_type("The war began on September 27.", DATE)
    assert not holds_type("The war began in the autumn.", NUMBER)
    assert holds_type("anything", None)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Mnatsakanyan was due to meet the Minsk Group co-chairs.", True),
        ("The Russian Foreign Ministry mediated the talks.", True),
        ("Mr. Putin invited both foreign ministers.", True),
        # Countries, their peoples and capitals, months and titles name no one who answers
        # "Who was the president of Armenia?".
        ("Made by the Azerbaijani president, Armenia's PM and the president of Russia.", False),
        ("The talks in Moscow ended on Monday, October 12.", False),
        ("He said it to Mr. and Mrs. nobody in particular.", False),
    ],
)
def test_a_name_is_no_country_month_or_title(sentence: str, expected: bool) -> None:
    assert holds_type(sentence, NAME) is expected


@pytest.mark.parametrize(
    ("sentence", "day", "year"),
    [
        # "On what date ...?" wants a day: a decade or a month's year dates none.
        ("The war began on Sept. 27.", True, False),
        ("It began on 27 September 2020.", True, True),
        ("The talks resume on Mondays.", True, False),
        ("A war in the early 1990s ended in a cease-fire.", False, True),
        ("The bridge reopened in May 2013.", False, True),
        ("It ended last week.", False, False),
    ],
)
def test_a_day_and_a_year(sentence: str, day: bool, year: bool) -> None:
    assert holds_type(sentence, DAY) is day
    assert holds_type(sentence, YEAR) is year
    assert holds_type(sentence, DATE) is (day or year or "last week" in sentence)


QUESTION = "How many drones did Turkey sell to Azerbaijan?"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Turkey sold Azerbaijan 12 drones last year.", True),
        # A number, but nowhere near the question's words.
        ("Turkey openly backed Azerbaijan in a war that lasted 44 days.", False),
        # No number at all.
        ("Turkey openly backed Azerbaijan with drones.", False),
    ],
)
def test_anchored_wants_the_answer_next_to_a_question_word(sentence: str, expected: bool) -> None:
    assert anchored(sentence, NUMBER, QUESTION, stems(QUESTION)) is expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("She fled Nagorno-Karabakh a week ago.", True),
        ("The talks lasted a few hours.", True),
        ("The talks lasted 44 days.", True),
        ("The talks went on until the ceasefire.", False),
    ],
)
def test_how_long_is_answered_by_a_duration(sentence: str, expected: bool) -> None:
    assert holds_type(sentence, DURATION) is expected
    assert not holds_type("She fled Nagorno-Karabakh a week ago.", NUMBER)  # not "how many"


def test_anchored_skips_what_the_question_already_says() -> None:
    question = "What happened to the drones in 2020?"
    assert not anchored("The drones of 2020 were new.", DATE, question, stems(question))
    assert anchored("The drones arrived in 2021.", DATE, question, stems(question))


def test_anchored_is_true_when_no_kind_is_wanted() -> None:
    assert anchored("Nothing here.", None, "Why?", [])

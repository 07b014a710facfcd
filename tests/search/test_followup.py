from __future__ import annotations

import pytest

from assistant.search.followup import is_followup, resolve_followup

FIRST = "How many soldiers did Azerbaijan lose?"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What about Armenia?", "How many soldiers did Armenia lose?"),
        ("And Armenia?", "How many soldiers did Armenia lose?"),
        ("how about Armenia", "How many soldiers did Armenia lose?"),
    ],
)
def test_what_about_swaps_the_subject(question: str, expected: str) -> None:
    assert resolve_followup(question, [FIRST]) == expected


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        # A country swaps the country, even where a later name stands ("Friday"),
        # in the form the old one had: "Armenian soldiers" become "Azerbaijani soldiers".
        (
            "And Azerbaijan?",
            "How many Armenian soldiers had died by Friday?",
            "How many Azerbaijani soldiers had died by Friday?",
        ),
        (
            "And the Azeri side?",
            "What did Armenia say on Friday?",
            "What did the Azeri side say on Friday?",
        ),
        # Any other name swaps the last name, as before.
        (
            "What about Sunday?",
            "What did Armenia say on Friday?",
            "What did Armenia say on Sunday?",
        ),
    ],
)
def test_a_country_swaps_the_country(question: str, earlier: str, expected: str) -> None:
    assert resolve_followup(question, [earlier]) == expected


def test_pronoun_followups_carry_the_previous_question() -> None:
    query = resolve_followup(
        "Had it been damaged before?", ["What happened to the Holy Savior Cathedral?"]
    )
    assert "Holy Savior Cathedral" in query and "damaged before" in query


def test_a_personal_pronoun_makes_a_follow_up_of_any_length() -> None:
    # Seven words and a name of its own, but "he" is the person asked about before.
    question = "What does he say Armenia won't share?"
    assert is_followup(question)
    query = resolve_followup(question, ["Who is Oleg Kuznetsov?"])
    assert "Oleg Kuznetsov" in query and "won't share" in query


def test_it_and_that_in_a_long_question_are_grammar() -> None:
    assert not is_followup("Is it true that Armenia refused to hand over the minefield maps?")


@pytest.mark.parametrize(
    "question", ["Who is Oleg Kuznetsov?", "When was Shusha recaptured by Azerbaijani forces?"]
)
def test_full_questions_are_left_alone(question: str) -> None:
    assert not is_followup(question)
    assert resolve_followup(question, [FIRST]) == question


def test_no_history_means_no_change() -> None:
    assert resolve_followup("What about Armenia?", []) == "What about Armenia?"
    assert resolve_followup("What about Armenia?", None) == "What about Armenia?"


def test_the_latest_full_question_is_used() -> None:
    history = ["Who is Oleg Kuznetsov?", FIRST, "What about Armenia?"]
    assert resolve_followup("And Russia?", history) == "How many soldiers did Russia lose?"

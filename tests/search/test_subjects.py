"""Whether a sentence is about the question's subject: its country, its kind of toll (pure)."""

from __future__ import annotations

import pytest

from assistant.search.subjects import about_other_countries, about_other_tolls, toll_kinds


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        # The other side's toll: the question's country is not in the sentence, another is.
        (
            "How many soldiers did Azerbaijan lose?",
            "Armenia said on Friday that 376 of its soldiers had died in the fighting to date.",
            True,
        ),
        # A people's word and a capital stand for their country.
        ("How many Azerbaijani soldiers died?", "Baku said 2,783 soldiers had died.", False),
        ("How many Armenian soldiers died?", "Yerevan said 376 soldiers died.", False),
        # Both named: the sentence may be about either.
        (
            "How many Azerbaijani civilians were killed?",
            "Azerbaijan had announced 91 civilian deaths as a result of Armenian shelling.",
            False,
        ),
        # The sentence names no country: nothing to say.
        ("How many soldiers did Azerbaijan lose?", "The ministry reported 2,783 losses.", False),
        # The question names none.
        ("How many soldiers died?", "Armenia said 376 soldiers had died.", False),
        # A question that asks for a name or a country is answered by another country.
        ("Who backed Azerbaijan in the war?", "Turkey openly backed Baku's ally.", False),
        ("Which country mediated between Armenia and Azerbaijan?", "Russia mediated.", False),
        ("And which countries supported Armenia?", "France and Russia did.", False),
    ],
)
def test_about_other_countries(question: str, sentence: str, expected: bool) -> None:
    assert about_other_countries(question, sentence) is expected


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        # The dead are no answer to a question about the wounded, or the captured.
        (
            "How many Armenian soldiers were wounded?",
            "Armenia said on Friday that 376 of its soldiers had died in the fighting to date.",
            True,
        ),
        ("How many soldiers were taken prisoner?", "376 of its soldiers had died.", True),
        # A kind's forms are one: "killed" asks for the dead, and "deaths" are the dead.
        ("How many civilians were killed?", "Azerbaijan announced 91 civilian deaths.", False),
        # The sentence counts the asked kind beside another.
        (
            "How many soldiers did Azerbaijan lose?",
            "Its forces suffered 2,783 losses, with more than 100 missing.",
            False,
        ),
        ("And how many were injured?", "Four members of the emergency service were hurt.", False),
        # The sentence counts no toll, or the question is no count of one.
        ("How many soldiers were wounded?", "The talks lasted 11 hours.", False),
        ("Were any soldiers wounded?", "376 of its soldiers had died.", False),
        ("How many drones did Turkey sell?", "376 of its soldiers had died.", False),
    ],
)
def test_about_other_tolls(question: str, sentence: str, expected: bool) -> None:
    assert about_other_tolls(question, sentence) is expected


def test_the_toll_kinds_file_reads_as_four_kinds() -> None:
    # toll_kinds() refuses a word listed under two kinds.
    kinds = toll_kinds()
    assert set(kinds.values()) == {"dead", "wounded", "missing", "captured"}
    assert kinds["die"] == "dead" and kinds["wound"] == "wounded"

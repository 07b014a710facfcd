"""Country names and the words for their people count as one term."""

from __future__ import annotations

import pytest

from assistant.search.variants import DEMONYMS, canonical, canonical_terms, is_country_word
from assistant.store.lexical import tokenize_strings


def test_a_country_and_its_people_share_a_term() -> None:
    question, article = tokenize_strings(
        ["Russia's and Turkey's ministers in Azerbaijan", "Russian and Turkish ministers, Azeri"]
    )
    assert canonical(question) == canonical(article)


def test_other_words_are_left_alone() -> None:
    words = tokenize_strings(["the ceasefire lasted in the mountains"])[0]
    assert canonical(words) == words


@pytest.mark.parametrize(
    ("words", "same"),
    [
        ("lose lost losses loss", True),
        ("died death deaths dead", True),
        ("agreed agreement", True),
        ("lose win", False),
    ],
)
def test_a_words_forms_are_one_term(words: str, same: bool) -> None:
    terms = canonical(tokenize_strings([words])[0])
    assert (len(set(terms)) == 1) is same, terms


def test_word_forms_are_no_country_words() -> None:
    assert not is_country_word("lost") and is_country_word("Azeri")


def test_the_table_is_well_formed() -> None:
    lines = [
        line
        for line in DEMONYMS.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    words = [word for line in lines for word in line.split()]
    assert len(lines) > 150
    assert all(len(line.split()) >= 2 and line == line.lower() for line in lines)
    assert len(words) == len(set(words)), "a word in two groups would join them"
    # No variant maps onto another group's country.
    table = canonical_terms()
    assert not set(table) & set(table.values())

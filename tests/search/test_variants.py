"""Country names and the words for their people count as one term."""

from __future__ import annotations

from assistant.search.variants import DEMONYMS, canonical, canonical_terms
from assistant.store.lexical import tokenize_strings


def test_a_country_and_its_people_share_a_term() -> None:
    question, article = tokenize_strings(
        ["Russia's and Turkey's ministers in Azerbaijan", "Russian and Turkish ministers, Azeri"]
    )
    assert canonical(question) == canonical(article)


def test_other_words_are_left_alone() -> None:
    words = tokenize_strings(["the ceasefire held in the mountains"])[0]
    assert canonical(words) == words


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

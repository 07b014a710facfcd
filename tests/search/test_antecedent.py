"""A highlight that opens by referring back shows the sentence it refers to (pure unit tests)."""

from __future__ import annotations

import pytest

from assistant.search.antecedent import refers_back, with_antecedent


@pytest.mark.parametrize(
    "sentence",
    [
        "These cities are situated outside the Nagorno-Karabakh region.",
        "He said the talks would resume.",
        "It proved ineffective over many years.",
        '"This presents a very big threat," he said.',
        "But they refused the offer.",
        "However, it also suffered considerable losses.",
        "Its forces suffered losses.",
    ],
)
def test_a_sentence_opening_with_a_referring_word_refers_back(sentence: str) -> None:
    assert refers_back(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "There were 91 civilian deaths.",  # existential "there" points at nothing
        "Theirs is a long war.",  # a word that only begins like one
        "Thessaloniki hosted the talks.",
        "Azerbaijan responded with a counter-offensive.",
        "And Armenia agreed.",
        "",
        "1,245 wounded personnel are undergoing treatment.",
    ],
)
def test_other_openings_do_not(sentence: str) -> None:
    assert not refers_back(sentence)


TEXT = (
    "Azerbaijan had announced 91 civilian deaths in Ganja and Barda. "
    "These cities are situated outside the region. "
    "Talks resumed on Friday."
)
SENTENCES = [
    "Azerbaijan had announced 91 civilian deaths in Ganja and Barda.",
    "These cities are situated outside the region.",
    "Talks resumed on Friday.",
]
SPANS = [(TEXT.index(s), TEXT.index(s) + len(s)) for s in SENTENCES]


def test_the_highlight_reaches_back_over_the_sentence_it_refers_to() -> None:
    start, end = with_antecedent(TEXT, SPANS, SPANS[1])
    assert (start, end) == (SPANS[0][0], SPANS[1][1])
    assert "Ganja" in TEXT[start:end] and TEXT[start:end].endswith("outside the region.")


def test_a_sentence_that_does_not_refer_back_stays_alone() -> None:
    assert with_antecedent(TEXT, SPANS, SPANS[2]) == SPANS[2]
    assert with_antecedent(TEXT, SPANS, SPANS[0]) == SPANS[0]


def test_the_highlight_never_leaves_its_passage() -> None:
    # The passage's first sentence refers back, but what it refers to lies outside.
    assert with_antecedent(TEXT, SPANS[1:], SPANS[1]) == SPANS[1]
    # A span that is not one of the passage's sentences is returned as it is.
    assert with_antecedent(TEXT, SPANS, (64, 76)) == (64, 76)

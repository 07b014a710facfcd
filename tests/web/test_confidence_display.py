"""Confidence and relevance as the chat shows them: the verdict's label; cards in order.

Issue 29, items 8 and 11: the same "60 %" read "Best match" in one reply and "May
answer" in another; a card's relevance 0.32 came above 0.33; the best sentence was
quoted twice, above and again on card [1].
"""

from __future__ import annotations

import re

import pytest

from assistant.answer import ANSWERS, MAY_ANSWER, NOT_FOUND, Answer
from assistant.search.figures import Discrepancy, Figure
from assistant.web.format import format_reply
from tests.web.test_ui import make_passage, text_of

LABELS = {
    ANSWERS: "Best match",
    MAY_ANSWER: "May answer: check the highlighted sentence",
    NOT_FOUND: "The articles don't answer this.",
}


def answer_with(confidence: float, verdict: str, passages=None) -> Answer:
    passages = passages or (make_passage("One sentence here.", "One sentence here."),)
    return Answer("Q?", passages, verdict != NOT_FOUND, confidence, "Q?", verdict=verdict)


@pytest.mark.parametrize("confidence", [0.0, 0.26, 0.4, 0.5996, 0.6, 0.95])
@pytest.mark.parametrize("verdict", [ANSWERS, MAY_ANSWER, NOT_FOUND])
def test_the_verdict_alone_says_how_sure_the_reply_is(confidence: float, verdict: str) -> None:
    # The same confidence may carry different verdicts (with the reader, another
    # threshold), so the reply says the verdict's label and no figure beside it.
    text = text_of(format_reply(answer_with(confidence, verdict)))
    assert LABELS[verdict] in text
    assert [label for other, label in LABELS.items() if other != verdict and label in text] == []
    assert "%" not in text and "confidence" not in text.lower()


def test_cards_come_in_the_order_of_their_relevance() -> None:
    best = make_passage("Best passage here.", "Best passage here.", score=0.91)
    lower = make_passage("Lower passage here.", "Lower passage here.", score=0.3249)
    higher = make_passage("Higher passage here.", "Higher passage here.", score=0.3301)
    reply = format_reply(answer_with(0.7, ANSWERS, (best, lower, higher)))
    figures = re.findall(r"relevance (\d\.\d\d)", reply)
    assert figures == ["0.91", "0.33", "0.32"]
    assert re.findall(r"\[(\d)\]</span> <span class=\"qa-outlet\"", reply)[-3:] == ["1", "2", "3"]
    # Card [2] is the higher passage now, and its text comes second.
    assert reply.index("Higher passage") < reply.index("Lower passage")


def test_sources_differ_names_the_cards_by_their_shown_numbers() -> None:
    best = make_passage("Best passage here.", "Best passage here.", score=0.91)
    lower = make_passage("Lower: 376 soldiers died.", "Lower: 376 soldiers died.", score=0.32)
    higher = make_passage("Higher: 2,425 died.", "Higher: 2,425 died.", score=0.33)

    def figure(number: int, value: str) -> Figure:
        return Figure(
            "military losses", "armenia", 1.0, value, f"{value} died.", 0, 10, 0, len(value),
            f"a{number}", "Trend", "T", "", "", number, True,
        )  # fmt: skip

    panel = Discrepancy("military losses", (figure(2, "376"), figure(3, "2,425")))
    answer = answer_with(0.7, ANSWERS, (best, lower, higher))
    text = text_of(format_reply(answer, [panel]))
    # Answer passage 2 (0.32) is card [3]; passage 3 (0.33) is card [2].
    assert "[3] \u00b7 Trend" in text and "[2] \u00b7 Trend" in text
    assert text.index("[3] \u00b7 Trend") < text.index("[2] \u00b7 Trend")


def test_the_quoted_sentence_is_shown_once() -> None:
    first = make_passage("Before. The key sentence. After.", "The key sentence.", score=0.9)
    second = make_passage("Another sentence.", "Another sentence.", score=0.5)
    reply = format_reply(answer_with(0.7, ANSWERS, (first, second)))
    cards = reply.split('class="qa-card"')[1:]
    assert 'class="qa-sentence"' not in cards[0] and "The key sentence." in text_of(cards[0])
    assert 'class="qa-sentence"' in cards[1]  # card [2] quotes its own sentence
    # Where nothing is quoted above, every card shows its sentence.
    nearest = format_reply(answer_with(0.1, NOT_FOUND, (first, second)))
    assert nearest.count('class="qa-sentence"') == 2

"""Every question the product advertises is answered, its answer in the highlighted sentence.

Issue 14, point 1: the page's first "Try" example was refused. The page's examples
and the README's questions are asked of the real assistant; none may be an expected
failure.
"""

from __future__ import annotations

import re

import pytest

from assistant import Assistant
from assistant.web.page import EXAMPLES
from tests.support import REPO

# What the highlighted sentence must hold for each advertised question.
ANSWERS = {
    "How many soldiers did Azerbaijan lose?": ("2,783 losses",),
    "How many civilians were killed?": ("60 civilians", "58 civilians", "31 civilians"),
    "Who is Oleg Kuznetsov?": ("professor Oleg Kuznetsov",),
    "What happened to the Holy Savior Cathedral?": ("hit the roof of the Holy Savior Cathedral",),
    "How many soldiers did Azerbaijan lose in the war?": ("2,783 losses",),
}


def readme_questions() -> set[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    asked = re.findall(r'(?:retrieve|ask|predict)\(\s*(?:question=)?"([^"]+\?)"', text)
    asked += re.findall(r'assistant ask "([^"]+\?)"', text)
    return {question for question in asked if question != "What about Armenia?"}


def test_every_advertised_question_has_an_expected_answer() -> None:
    assert set(EXAMPLES) <= set(ANSWERS)
    assert readme_questions() <= set(ANSWERS), readme_questions() - set(ANSWERS)


@pytest.mark.parametrize("question", sorted(ANSWERS))
def test_an_advertised_question_is_answered(bot: Assistant, question: str) -> None:
    answer = bot.ask(question)
    assert answer.found, f"refused ({answer.confidence})"
    assert any(text in answer.best.highlight for text in ANSWERS[question]), answer.best.highlight


def test_the_readme_follow_up_is_answered(bot: Assistant) -> None:
    answer = bot.ask("What about Armenia?", history=["How many soldiers did Azerbaijan lose?"])
    assert answer.found and answer.searched_for == "How many soldiers did Armenia lose?"
    assert "2,425" in answer.best.highlight or "376 of its soldiers" in answer.best.highlight

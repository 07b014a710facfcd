"""The highlighted sentence holds what the question counts, where the passage has it.

Issue 14, point 3: an added article about a bridge, "How many workers ...?" found the
right passage but highlighted its first sentence, which mentions "two of its
supports", instead of "The repairs cost 3.2 million manats and took 140 workers".
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.search.answer_types import counted_terms, counts
from tests.support import CORPUS

BRIDGE = Path(__file__).resolve().parents[1] / "data" / "articles" / "bridge_repairs.md"
ANSWER = "The repairs cost 3.2 million manats and took 140 workers four months"


@pytest.fixture(scope="module")
def bridge_bot(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The seed corpus plus the bridge article, with the real model and index."""
    corpus = tmp_path_factory.mktemp("bridge-corpus")
    for path in CORPUS.glob("*.md"):
        shutil.copy(path, corpus / path.name)
    shutil.copy(BRIDGE, corpus / BRIDGE.name)
    return Assistant.load(corpus_dir=corpus, index_dir=tmp_path_factory.mktemp("bridge-index"))


@pytest.mark.parametrize(
    "question",
    [
        "How much did the repairs cost?",
        "How many workers repaired the bridge?",
        "How many workers did the repairs take?",
    ],
)
def test_the_highlight_holds_the_amount_or_count(bridge_bot: Assistant, question: str) -> None:
    answer = bridge_bot.ask(question)
    assert answer.best.article_id == "bridge_repairs"
    assert ANSWER in answer.best.highlight


def test_the_wounded_are_highlighted_where_they_are_counted(bot: Assistant) -> None:
    """Our own question: the passage of 2,783 losses counts the wounded a sentence later."""
    passage = bot.ask("How many were wounded?").passages[0]
    assert "1,245 wounded" in passage.highlight


@pytest.mark.parametrize(
    ("question", "terms"),
    [
        ("How many workers repaired the bridge?", ["worker", "repair"]),
        ("How many Azerbaijani soldiers were killed?", ["soldier"]),
        ("How many were wounded?", ["wound"]),
        ("Who brokered the ceasefire?", []),
        ("How much did the repairs cost?", []),
    ],
)
def test_counted_terms(question: str, terms: list[str]) -> None:
    assert counted_terms(question) == terms


@pytest.mark.parametrize(
    ("sentence", "counted", "expected"),
    [
        (ANSWER + ".", ["worker"], True),
        ("Armenia said that 376 of its soldiers had died.", ["soldier"], True),
        ("Engineers found cracks in two of its supports.", ["worker"], False),
        ("The bridge was built in 1968 by workers from Baku.", ["worker"], False),
        ("No figure here about workers.", ["worker"], False),
        (ANSWER + ".", [], False),
    ],
)
def test_counts(sentence: str, counted: list[str], expected: bool) -> None:
    assert counts(sentence, counted) is expected

"""No sentence is made of markup alone (issue 29: a card's "sentence" was just ``**``)."""

from __future__ import annotations

import pytest

from assistant.corpus.chunking import chunk_article, sentence_spans
from assistant.corpus.loading import load_corpus
from tests.support import CORPUS

ARTICLES = load_corpus(CORPUS).articles


def says_something(text: str) -> bool:
    return any(character.isalnum() for character in text)


def test_a_markdown_heading_is_one_sentence_with_its_markup() -> None:
    # pysbd cuts this after the question mark, leaving "**" alone.
    text = "The talks ended.\n\n## **Turkish support?**\n\nThe search goes on."
    shown = [text[start:end] for start, end in sentence_spans(text, 0, len(text))]
    assert "## **Turkish support?**" in shown
    assert all(says_something(sentence) for sentence in shown)


@pytest.mark.parametrize(
    "text",
    ["** Lead sentence here. More text.", "First one. ** ## Second one? **", "**", "—"],
)
def test_spans_cover_the_text_and_each_says_something(text: str) -> None:
    spans = sentence_spans(text, 0, len(text))
    assert spans[0][0] == len(text) - len(text.lstrip()) and spans[-1][1] == len(text.rstrip())
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end <= start and text[end:start].strip() == ""
    # Markup alone is kept as the one piece there is, never split off a sentence.
    assert len(spans) == 1 or all(says_something(text[s:e]) for s, e in spans)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda article: article.id)
def test_no_seed_sentence_is_markup_alone(article) -> None:
    for chunk in chunk_article(article):
        for start, end in chunk.sentences:
            assert says_something(article.text[start:end]), article.text[start - 40 : end]

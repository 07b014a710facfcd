"""The article view shows a Markdown article as text without its markup (issue 29, item 7)."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest

from assistant.corpus.chunking import chunk_article
from assistant.corpus.loading import load_corpus
from assistant.web.markup import gaps, markup_spans
from assistant.web.views import format_article
from tests.support import CORPUS

MOSCOW_TIMES = "003_42076aacbf9b2f73"


def shown(markup: str) -> str:
    """What a browser shows of our HTML: the text, tags dropped, references read."""
    return html.unescape(re.sub(r"<br>", "\n", re.sub(r"<(?!br>)[^>]+>", "", markup)))


def body(view: str) -> str:
    """What the article view shows of the article's text (not its title and metadata)."""
    return shown(view.split('<div class="qa-article-body">', 1)[1])


def without_markup(text: str) -> str:
    return "".join(text[start:end] for start, end in gaps(text, markup_spans(text)))


@pytest.fixture(scope="module")
def article():
    return next(a for a in load_corpus(CORPUS).articles if a.id == MOSCOW_TIMES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("## **Turkish support?**", "Turkish support?"),
        ("**Valery Sharifulin / TASS**", "Valery Sharifulin / TASS"),
        ("**Related article:** [Heavy Shelling](#)", "Related article: Heavy Shelling"),
        ("> a *quoted* `word` \\*here\\*", "a quoted word *here*"),
        (
            "Heading ##\n---\nsnake_case and 2 * 3 * 4 stay",
            "Heading ##\n\nsnake_case and 2 * 3 * 4 stay",
        ),
        ("![photo](https://example.org/a.jpg) caption", "photo caption"),
    ],
)
def test_markup_characters_are_found(text: str, expected: str) -> None:
    assert without_markup(text) == expected


def test_the_article_view_shows_markdown_as_text(article) -> None:
    text = body(format_article(article))
    assert "Turkish support?" in text and "Valery Sharifulin / TASS" in text
    assert "**" not in text and "## " not in text and "](#)" not in text
    assert text == without_markup(article.text)


def test_marks_go_at_the_stored_offsets(article) -> None:
    # The passage that holds the heading, with the heading's sentence as its highlight.
    chunk = next(c for c in chunk_article(article) if "## **Turkish" in c.text)
    heading = next(s for s in chunk.sentences if "Turkish support" in article.text[slice(*s)])
    assert article.text[slice(*heading)] == "## **Turkish support?**"  # stored verbatim
    view = format_article(article, (chunk.start, chunk.end), heading)
    marked = re.search(r"<mark>(.*?)</mark>", view).group(1)
    assert shown(marked) == "Turkish support?"
    passage = re.search(r'id="qa-open-passage">(.*?)</span>', view).group(1)
    assert shown(passage) == without_markup(chunk.text)


def test_plain_text_and_html_in_markdown_stay_as_typed(article) -> None:
    text = "**kept** <script>alert(1)</script> [link](javascript:alert(1))"
    as_text = replace(article, text=text, path="notes.txt")
    assert body(format_article(as_text)) == text
    as_markdown = replace(article, text=text, path="notes.md")
    view = format_article(as_markdown)
    assert "<script>" not in view and "<a " not in view.split("qa-article-body")[1]
    assert body(view) == "kept <script>alert(1)</script> link"

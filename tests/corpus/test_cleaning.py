from __future__ import annotations

import pytest

from assistant.corpus.cleaning import clean_body, is_furniture
from assistant.corpus.loading import load_corpus
from tests.support import CORPUS


@pytest.mark.parametrize(
    "line",
    [
        "Discuss",
        "Share This",
        "Pin It on Pinterest",
        "Leave a Comment",
        "Also Read\u00a0 Covid-19 Live Updates: Leader of India Says",
        "**Related article:** [Heavy Shelling and Civilian Casualties](#)",
        "Related articles: more on the war",
    ],
)
def test_furniture_lines_are_recognised(line: str) -> None:
    assert is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        "Related to this, the ministry said nothing.",
        "Also the ministry said nothing.",
        "Share prices fell in Baku.",
        "A complete ceasefire was introduced on Nov. 10, 2020.",
    ],
)
def test_article_sentences_are_kept(line: str) -> None:
    assert not is_furniture(line)


def test_trailing_link_list_is_cut_with_everything_after_it() -> None:
    body = (
        "First paragraph.\n\nSecond paragraph.\n\nMore from The Post\n\n"
        "Some Other Headline\n\nPROMOTED STORIES\n"
    )
    assert clean_body(body) == "First paragraph.\n\nSecond paragraph."


def test_title_copies_at_the_top_are_dropped_but_later_quotes_stay() -> None:
    title = "Armenia, Azerbaijan Clash Over Karabakh"
    body = f"# {title}\n\nText one.\n\n{title}\n\n" + "\n\n".join(["filler"] * 10) + f"\n\n{title}"
    cleaned = clean_body(body, title)
    assert not cleaned.startswith("#")
    assert cleaned.count(title) == 1
    assert cleaned.endswith(title)


def test_blank_runs_collapse_and_nothing_else_changes() -> None:
    body = "  One line  \n\n\n\u00a0\n \nTwo line\n"
    assert clean_body(body) == "One line  \n\nTwo line"


def test_kept_lines_are_verbatim_lines_of_the_raw_file() -> None:
    for article in load_corpus(CORPUS).articles:
        raw = open(article.path, encoding="utf-8").read()
        for line in article.text.split("\n"):
            assert line in raw, line


def test_seed_articles_lose_their_furniture() -> None:
    texts = "\n".join(article.text for article in load_corpus(CORPUS).articles)
    for furniture in (
        "Discuss",
        "Share This",
        "Pin It on Pinterest",
        "Leave a Comment",
        "Also Read",
        "Related article",
        "More from The Post",
        "PROMOTED STORIES",
        "Former Azerbaijani Minister Denies Corruption Allegations",
        "Original url",
    ):
        assert furniture not in texts, furniture
    # Article text right before and after removed lines is still there.
    assert "Any negotiation is better than war." in texts
    assert "Lachin and Kalbajar, with Armenian population." in texts

"""The chat's date filters (issue 29, item 5): dates as people type them, undated articles
counted and kept on request, and errors said as errors in the page's words."""

from __future__ import annotations

import pytest

from assistant.pipeline import Assistant
from assistant.search.filters import Filters
from assistant.web.chat import (
    FilterInputError,
    answer_pending,
    filter_status,
    make_filters,
    read_date,
    take_question,
)
from assistant.web.format import format_filters
from assistant.web.page import _date_box, date_range, iso_date_words

CATHEDRAL = "What happened to the Holy Savior Cathedral?"


@pytest.mark.parametrize(
    "typed",
    ["3 October 2020", "Oct 3, 2020", "2020-10-03", "Saturday, 3 October 2020", " 3 Oct 2020 "],
)
def test_dates_are_read_as_people_type_them(typed: str) -> None:
    assert read_date(typed, "Published from") == "2020-10-03"


@pytest.mark.parametrize("typed", ["October 2020", "yesterday", "03/10/2020", "soon", "2020-13-01"])
def test_a_date_that_cannot_be_read_is_said_in_the_page_words(typed: str) -> None:
    with pytest.raises(FilterInputError) as caught:
        read_date(typed, "Published from")
    message = str(caught.value)
    assert typed.strip() in message and "\u201cPublished from\u201d" in message
    assert "published_from" not in message and "3 October 2020" in message


def test_a_range_that_ends_before_it_starts_is_said_in_the_page_words() -> None:
    with pytest.raises(FilterInputError, match="\u201cPublished from\u201d .* is after") as caught:
        make_filters([], "1 January 2021", "2020-01-01")
    assert "published_" not in str(caught.value)


def test_the_status_line_counts_the_undated_articles_a_bound_leaves_out(bot: Assistant) -> None:
    total = len(bot.articles)
    undated = sum(not article.published for article in bot.articles)
    dated_from = sum(
        article.published >= "2020-10-03" for article in bot.articles if article.published
    )
    assert undated == 2  # Sputnik's and The New York Times's seed articles state no day
    line = filter_status(bot, [], "3 October 2020", None)
    assert line == (
        f"Searching {dated_from} of {total} articles. 2 undated articles are left out: "
        "tick \u201cInclude undated articles\u201d to keep them."
    )
    kept = filter_status(bot, [], "3 October 2020", None, True)
    assert kept == f"Searching {dated_from + 2} of {total} articles. (2 undated kept.)"
    # An outlet filter that keeps no undated article has none to mention.
    assert "undated" not in filter_status(bot, ["Trend"], "3 October 2020", None)
    assert filter_status(bot, [], "", None, True) == f"Searching all {total} articles."


def test_an_unreadable_date_is_an_error_line_not_ignored(bot: Assistant) -> None:
    line = filter_status(bot, [], "3 Octobr", None)
    assert line.startswith('<span class="qa-error">\u26a0') and "is not a date" in line


def test_keeping_undated_articles_answers_the_cathedral_question(bot: Assistant) -> None:
    # October 2020 alone left only The Moscow Times, and the cathedral was "not answered".
    bounded = bot.ask(CATHEDRAL, filters=make_filters([], "1 October 2020", "31 October 2020"))
    kept = bot.ask(CATHEDRAL, filters=make_filters([], "1 Oct 2020", "Oct 31, 2020", True))
    assert all(passage.published for passage in bounded.passages)
    assert kept.found and "Holy Savior Cathedral" in kept.best.text
    assert kept.best.published == ""  # The New York Times' article states no day


def test_filters_keep_undated_articles_only_when_asked() -> None:
    assert Filters.from_value({"published_from": "2020-10-01", "include_undated": True}) == Filters(
        published_from="2020-10-01", include_undated=True
    )
    assert not Filters(include_undated=True)  # no bound: nothing is filtered
    with pytest.raises(ValueError, match="include_undated must be true or false"):
        Filters.from_value({"include_undated": "yes"})
    shown = format_filters(Filters(published_from="2020-10-01", include_undated=True))
    assert shown.endswith("undated articles kept")


def test_bad_filters_keep_the_question_in_its_box() -> None:
    with pytest.warns(UserWarning, match="is not a date"):
        box, history, pending = take_question("Who?", [], [], "someday", None)
    assert (box, history, pending) == ("Who?", [], None)


def test_filters_spoiled_after_taking_are_a_warning_not_a_reply(bot: Assistant) -> None:
    shown = [{"role": "user", "content": "Who?"}]
    with pytest.warns(UserWarning, match="is not a date"):
        history, asked, records = answer_pending(bot, "Who?", shown, [], {}, [], "someday")
    assert history == [] and asked == [] and records == {}


def test_the_date_boxes_suggest_the_corpus_dates(bot: Assistant) -> None:
    oldest, newest = date_range(bot)
    assert (oldest, newest) == ("2020-10-12", "2021-02-23")
    assert iso_date_words(newest) == "23 Feb 2021"
    assert _date_box("Published to", "qa-to", newest).placeholder == "23 Feb 2021"

from __future__ import annotations

import pytest

from assistant import Assistant, Filters
from assistant.corpus.loading import Article
from assistant.search.filters import outlet_asked


def article(outlet: str = "", published: str = "") -> Article:
    return Article("a", "t", outlet, published, "", "", "text", "")


def test_empty_filters_allow_everything() -> None:
    assert not Filters()
    assert Filters().allows(article())


def test_outlets_match_without_case() -> None:
    filters = Filters(outlets=("The Moscow Times",))
    assert filters.allows(article("the moscow times"))
    assert not filters.allows(article("Trend"))
    assert not filters.allows(article(""))


def test_date_range_is_inclusive_and_leaves_out_undated_articles() -> None:
    filters = Filters(published_from="2020-10-12", published_to="2020-12-03")
    assert filters.allows(article(published="2020-10-12"))
    assert filters.allows(article(published="2020-12-03"))
    assert not filters.allows(article(published="2021-02-23"))
    assert not filters.allows(article(published=""))


def test_from_value_reads_api_dicts() -> None:
    assert Filters.from_value({"outlets": "Trend"}) == Filters(outlets=("Trend",))
    assert Filters.from_value(None) == Filters()
    assert Filters.from_value({"outlets": [], "published_from": None}) == Filters()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"published_from": "12/03/2020"}, "ISO date"),
        ({"published_from": "2021-01-01", "published_to": "2020-01-01"}, "is after"),
        ({"outlet": "Trend"}, "unknown filter"),
        (["Trend"], "must be a dict"),
    ],
)
def test_bad_filters_say_what_is_wrong(value, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Filters.from_value(value)


def test_filters_apply_inside_retrieval(bot: Assistant) -> None:
    question = "How many soldiers did Azerbaijan lose?"
    answer = bot.ask(question, k=5, filters={"outlets": ["The New York Times"]})
    assert answer.passages and {p.outlet for p in answer.passages} == {"The New York Times"}
    dated = bot.ask(question, k=5, filters=Filters(published_from="2020-11-01"))
    assert dated.passages and all(p.published >= "2020-11-01" for p in dated.passages)
    # The unfiltered best passage (from an article with no outlet) is filtered away, not
    # merely moved down: fewer passages come back than the corpus holds when k is large.
    assert len(bot.ask(question, k=100, filters={"outlets": ["Trend"]}).passages) == 5


def test_filters_that_match_nothing_say_so(bot: Assistant) -> None:
    answer = bot.ask("Who is Oleg Kuznetsov?", filters={"outlets": ["Nobody"]})
    assert not answer.found and not answer.passages
    assert "No article matches the filters" in answer.notes[0]


OUTLETS = ["Sputnik", "Trend", "The Moscow Times", ""]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "When did the conflict first emerge, according to Sputnik?",
            ("Sputnik", "When did the conflict first emerge?"),
        ),
        (
            "According to the Moscow Times, how many people died?",
            ("The Moscow Times", "How many people died?"),
        ),
        ("What did they use according to TREND?", ("Trend", "What did they use?")),
        # A person, a news agency that is not an outlet here, no other words.
        ("How long were they there, according to Kuznetsov?", None),
        ("How many were killed, according to the AFP tally?", None),
        ("According to Sputnik?", None),
        ("What is the trend, according to experts?", None),
    ],
)
def test_a_question_may_name_its_outlet(question: str, expected: tuple | None) -> None:
    assert outlet_asked(question, OUTLETS) == expected


def test_according_to_an_outlet_searches_that_outlet_only(bot: Assistant) -> None:
    answer = bot.ask("When did the Karabakh conflict first emerge, according to Sputnik?")
    assert answer.searched_for == "When did the Karabakh conflict first emerge?"
    assert {passage.outlet for passage in answer.passages} == {"Sputnik"}
    assert "late 1980s" in answer.best.highlight
    assert any("articles of Sputnik" in note for note in answer.notes)
    # Within the reader's own filters: another outlet only leaves nothing to search.
    refused = bot.ask(
        "When did the conflict first emerge, according to Sputnik?",
        filters={"outlets": ["Trend"]},
    )
    assert not refused.found and refused.passages == ()
    assert any("No article of Sputnik" in note for note in refused.notes)

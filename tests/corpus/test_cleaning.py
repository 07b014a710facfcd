from __future__ import annotations

import pytest

from assistant.corpus import loading
from assistant.corpus.cleaning import clean_article, clean_body, header_line_facts, is_furniture
from assistant.corpus.loading import load_corpus, parse_article
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
        # Metadata lines of the header, and a closing source line (issue 14).
        "Politics Materials",
        "BAKU, Azerbaijan, Feb.23",
        "By Jani Babayeva",
        "By [Aris Messinis",
        "Source NY Times",
    ):
        assert furniture not in texts, furniture
    # Article text right before and after removed lines is still there.
    assert "Any negotiation is better than war." in texts
    assert "Lachin and Kalbajar, with Armenian population." in texts


@pytest.mark.parametrize(
    ("line", "facts"),
    [
        ("By Jani Babayeva - Trend:", {"author": "Jani Babayeva", "outlet": "Trend"}),
        (
            "By [Aris Messinis and Dmitry Zaks for AFP](#)",
            {"author": "Aris Messinis and Dmitry Zaks for AFP"},
        ),
        ("Politics Materials 23 February 2021 12:10 (UTC +04:00)", {"published": "2021-02-23"}),
        ("December 3, 2020", {"published": "2020-12-03"}),
        ("Updated Oct. 9, 2020, 4:15 p.m.", {"published": "2020-10-09"}),
        ("BAKU, Azerbaijan, Feb.23", {}),
        ("MOSCOW, Oct. 9", {}),
    ],
)
def test_header_metadata_lines_are_recognised(line: str, facts: dict[str, str]) -> None:
    found = header_line_facts(line)
    assert found is not None
    assert {name: value for name, (value, _) in found.items()} == facts


@pytest.mark.parametrize(
    "line",
    [
        "By Friday, the two sides had agreed to exchange the bodies of the dead.",
        "MOSCOW \u2014 Azerbaijan and Armenia opened talks on Friday for a limited cease-fire.",
        "Azerbaijani Defence Ministry discloses its losses at the war . mod.gov.az",
        "**Valery Sharifulin / TASS**",
        "Mutual accusations",
        "Asia",  # a section label only above the headline (see the next test)
    ],
)
def test_article_lines_are_not_metadata(line: str) -> None:
    assert header_line_facts(line) is None


def test_a_section_label_goes_only_above_the_headline() -> None:
    title = "One Serviceman Dead in Karabakh"
    body = f"Asia\n\n{title}\n\nA mine exploded near the village on Tuesday, the ministry said.\n"
    assert (
        clean_body(body, title) == "A mine exploded near the village on Tuesday, the ministry said."
    )
    # Without the headline below it, a short first line may be a heading: it stays.
    assert clean_body(body.replace(title, "Other words"), title).startswith("Asia")


def test_metadata_lines_are_taken_only_from_the_header() -> None:
    # Below the first paragraph a date or a "By ..." line is article text.
    body = (
        "The ministry said on Tuesday that the talks would go on for another week.\n\n"
        "December 3, 2020\n\nBy Jani Babayeva\n"
    )
    cleaned = clean_article(body)
    assert cleaned.text == body.strip()
    assert cleaned.facts.origins == {}


def test_a_file_without_front_matter_takes_its_metadata_from_the_removed_lines() -> None:
    raw = (
        b"Headline here\n\nPolitics Materials 23 February 2021 12:10 (UTC +04:00)\n\n"
        b"BAKU, Azerbaijan, Feb.23\n\nBy Jani Babayeva - Trend:\n\n"
        b"The minister said on Tuesday that the talks would go on for another week.\n"
    )
    article = parse_article("x", raw)
    assert article.title == "Headline here"
    assert (
        article.text == "The minister said on Tuesday that the talks would go on for another week."
    )
    assert (article.author, article.outlet, article.published) == (
        "Jani Babayeva",
        "Trend",
        "2021-02-23",
    )
    assert (
        article.provenance == "author and outlet from the article's byline; date from its date line"
    )


def test_a_closing_source_line_names_the_outlet_unless_the_front_matter_does() -> None:
    body = (
        b"The minister said on Tuesday that the talks would go on for a week.\n\nSource NY Times\n"
    )
    article = parse_article("x", b"---\ntitle: T\n---\n" + body)
    assert article.text.endswith("for a week.")
    assert (article.outlet, article.provenance) == (
        "NY Times",
        "outlet from the article's source line",
    )
    stated = parse_article("x", b"---\ntitle: T\noutlet: The New York Times\n---\n" + body)
    assert (stated.outlet, stated.provenance) == ("The New York Times", "")


def test_the_seed_articles_metadata_lines_agree_with_their_front_matter() -> None:
    # The front matter was filled by hand from these lines; the rules find the
    # same values, and a picture's credit ("mod.gov.az") is not taken as the outlet.
    for article in load_corpus(CORPUS).articles:
        raw = open(article.path, encoding="utf-8").read()
        body = raw.split("\n---\n", 1)[1]
        facts = clean_article(body, article.title).facts
        for name in ("author", "published"):
            assert getattr(facts, name) in ("", getattr(article, name)), (article.id, name)
        assert article.provenance == ""
    post = next(a for a in load_corpus(CORPUS).articles if a.id == "002_21e136c97901ca85")
    assert post.outlet == "" and "mod.gov.az" in post.text


def test_a_bare_date_line_stays_and_dates_the_article() -> None:
    raw = b"Headline\n\nDecember 3, 2020\n\nThe ministry said on Tuesday that talks would go on.\n"
    article = parse_article("x", raw)
    assert article.text.startswith("December 3, 2020\n\nThe ministry")
    assert (article.published, article.provenance) == (
        "2020-12-03",
        "date from the article's date line",
    )


def test_the_seed_articles_first_passages_start_with_article_text() -> None:
    starts = {article.id: article.text[:40] for article in load_corpus(CORPUS).articles}
    assert starts["000_a3a1afb14bddd822"].startswith("Mining of almost all")
    assert starts["001_db8732b8883e5fa4"].startswith("A Russian peacekeeping contingent")
    assert starts["003_42076aacbf9b2f73"].startswith("October 12, 2020\n\nRepeated clashes")


def test_a_new_cleaning_rule_changes_the_corpus_fingerprint(monkeypatch, headlines_dir) -> None:
    # Unchanged files read by changed rules give other articles: the index must be rebuilt.
    before = load_corpus(headlines_dir).fingerprint
    monkeypatch.setattr(loading, "reader_fingerprint", lambda: "other rules")
    assert load_corpus(headlines_dir).fingerprint != before

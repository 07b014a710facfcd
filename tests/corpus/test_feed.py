"""Feeds: RSS 2.0 and Atom entries become articles; empty and hostile feeds are refused."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from assistant.corpus.feed import feed_links, html_text, read_feed
from assistant.corpus.loading import load_corpus
from assistant.errors import CorpusError

FEEDS = Path(__file__).resolve().parents[1] / "data" / "feeds"


def read(name: str) -> list:
    path = FEEDS / name
    return read_feed(path.stem, path.read_bytes(), path=str(path))


def test_rss_entries_with_text_become_articles() -> None:
    first, second = read("caucasus.rss")  # the third entry has no text
    assert first.id == "caucasus-1"
    assert first.title == "Lake Sevan fishermen report a record whitefish catch"
    assert (first.outlet, first.published) == ("Caucasus Weekly", "2021-03-16")
    assert first.url == "https://caucasus-weekly.example/2021/03/sevan-whitefish"
    assert first.author == "Anna Petrosyan"
    # content:encoded wins over the teaser; its HTML is plain paragraphs, scripts gone.
    assert first.text.startswith("Fishermen on Lake Sevan landed 412 tonnes")
    assert "\n\nThe office credited a ban on net fishing" in first.text
    assert "<" not in first.text and "alert" not in first.text
    # No pubDate: the date stays empty, never guessed.
    assert second.published == "" and second.text.startswith("A new cable car line")


def test_atom_entries_take_published_not_updated() -> None:
    first, second = read("glaciers.atom")
    assert (first.outlet, first.author) == ("Mountain Science Bulletin", "Giorgi Beridze")
    assert first.published == "2021-05-03"  # 22:15+02:00 is 20:15 UTC the same day
    assert first.url == "https://mountain-science.example/kazbek-glacier"
    assert first.text.split("\n\n")[1] == "Its tongue has lost about 1.2 kilometres since 1911."
    assert second.published == ""  # it states only when it was updated
    assert second.text.startswith("Teams will measure the snowpack")


def test_feed_links_lists_every_entry_link_with_what_the_feed_states() -> None:
    raw = (FEEDS / "caucasus.rss").read_bytes()
    first, second, third = feed_links(raw)
    assert first.link == "https://caucasus-weekly.example/2021/03/sevan-whitefish"
    assert first.metadata == {
        "title": "Lake Sevan fishermen report a record whitefish catch",
        "outlet": "Caucasus Weekly",
        "published": "2021-03-16",
        "author": "Anna Petrosyan",
    }
    assert (first.has_text, second.has_text, third.has_text) == (True, True, False)


def test_entries_whose_page_is_in_the_corpus_are_skipped() -> None:
    path = FEEDS / "caucasus.rss"
    whitefish, cable_car, _ = (entry.link for entry in feed_links(path.read_bytes()))
    [left] = read_feed("caucasus", path.read_bytes(), skip_links=frozenset({whitefish}))
    assert left.id == "caucasus-2"  # entries keep their numbers
    # Every entry with text read from its page: no articles, and no error.
    both = frozenset({whitefish, cable_car})
    assert read_feed("caucasus", path.read_bytes(), skip_links=both) == []


def test_an_empty_feed_is_refused_with_its_reason() -> None:
    with pytest.raises(CorpusError, match="no entries"):
        read("empty.rss")


def test_a_feed_without_entry_text_is_refused() -> None:
    raw = b'<rss version="2.0"><channel><title>T</title><item><title>x</title></item>'
    raw += b"</channel></rss>"
    with pytest.raises(CorpusError, match="no entry of the feed holds article text"):
        read_feed("bare", raw)


def test_not_a_feed_is_refused() -> None:
    with pytest.raises(CorpusError, match="not an RSS or Atom feed"):
        read_feed("page", b"<?xml version='1.0'?><note><to>Tove</to></note>")


def test_billion_laughs_is_refused_quickly() -> None:
    started = time.perf_counter()
    with pytest.raises(CorpusError, match="declares XML entities"):
        read("billion_laughs.xml")
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_entities_are_refused_in_a_feed_of_any_encoding(encoding: str) -> None:
    # Python's utf-16/utf-32 codecs write a byte-order mark; the raw bytes then never
    # spell "<!ENTITY", so only a check after decoding sees the declaration.
    text = (FEEDS / "billion_laughs.xml").read_text(encoding="utf-8")
    raw = ("\ufeff" if encoding == "utf-16-be" else "") + text
    raw = raw.encode(encoding)
    assert b"<!ENTITY" not in raw
    with pytest.raises(CorpusError, match="declares XML entities"):
        read_feed("laughs", raw)
    with pytest.raises(CorpusError, match="declares XML entities"):
        feed_links(raw)


def test_feedparser_itself_does_not_expand_entities() -> None:
    # The check above must not be the only guard: feedparser drops the DOCTYPE's entities.
    import feedparser

    started = time.perf_counter()
    document = feedparser.parse((FEEDS / "billion_laughs.xml").read_bytes())
    assert time.perf_counter() - started < 2
    summary = document.entries[0].get("summary", "")
    assert "lollol" not in summary and "root:" not in summary


def test_html_text_keeps_paragraphs_and_line_breaks() -> None:
    fragment = "<p>One <i>two</i>\nthree.</p><!-- a note --><p>Four<br>five</p>"
    assert html_text(fragment) == "One two three.\n\nFour\nfive"


def test_the_loader_reads_feeds_and_lists_their_format(tmp_path: Path) -> None:
    (tmp_path / "glaciers.atom").write_bytes((FEEDS / "glaciers.atom").read_bytes())
    corpus = load_corpus(tmp_path)
    assert [article.id for article in corpus.articles] == ["glaciers-1", "glaciers-2"]


def test_a_date_feedparser_cannot_read_is_read_in_words_or_left_empty() -> None:
    items = "".join(
        f"<item><title>Entry {n}</title><pubDate>{date}</pubDate>"
        f"<description>Text of entry {n} about the harbour.</description></item>"
        for n, date in enumerate(["3 октября 2020", "Oct 3, 2020", "October 2020"], start=1)
    )
    raw = f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()
    assert [article.published for article in read_feed("f", raw)] == [
        "2020-10-03",
        "2020-10-03",
        "",  # no day: never guessed
    ]

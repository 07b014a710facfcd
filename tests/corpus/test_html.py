"""Saved web pages as articles: trafilatura's main text and metadata, no site furniture."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.corpus.html import HtmlSource, parse_page
from assistant.corpus.loading import load_corpus
from assistant.errors import CorpusError
from tests.support import CORPUS

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
ARCHIVES = Path(__file__).resolve().parents[1] / "data" / "archives"

ARTICLE_SENTENCES = (
    "The old harbour bridge reopened to traffic on Sunday after two years of repairs",
    "Engineers replaced 340 steel cables and rebuilt the northern pier",
    "The repairs cost 48 million euros",
    '"We are relieved that the city is connected again," said Anna Berg',
)
FURNITURE = (
    "cookie",
    "World news section",
    "Subscribe to our newsletter",
    "Share on Facebook",
    "Related articles",
    "Harbour ferry fares rise again",
    "Finally! I waited two years",
    "waste of taxpayers money",
    "dataLayer",
    "pageview tracking",
    "position: fixed",
    "Copyright 2021",
    "@context",
)


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def test_a_news_page_keeps_the_article_and_none_of_the_furniture() -> None:
    article = parse_page("bridge", page("news_page.html"))
    for sentence in ARTICLE_SENTENCES:
        assert sentence in article.text
    for furniture in FURNITURE:
        assert furniture.casefold() not in article.text.casefold(), furniture
    # Plain text, one paragraph per block, the headline kept as metadata only.
    assert "<" not in article.text and "\n\n" in article.text
    assert not article.text.startswith("Engineers Reopen")


def test_a_news_page_metadata_comes_from_its_meta_tags_and_json_ld() -> None:
    article = parse_page("bridge", page("news_page.html"))
    assert article.title == "Engineers Reopen the Old Harbour Bridge After Two Years"
    assert article.outlet == "The Coastal Herald"
    assert article.published == "2021-03-14"
    assert article.author == "Maria Lindqvist"
    assert article.url == "https://coastalherald.example/2021/03/harbour-bridge-reopens"


def test_an_unknown_date_stays_empty_and_a_host_name_is_no_outlet() -> None:
    raw = page("news_page.html")
    raw = raw.replace(b'"datePublished": "2021-03-14T09:30:00+00:00",', b"")
    raw = raw.replace(b'<meta property="og:site_name" content="The Coastal Herald">', b"")
    raw = raw.replace(b" | The Coastal Herald", b"")
    raw = raw.replace(
        b'"publisher": {"@type": "Organization", "name": "The Coastal Herald"}', b'"x": 1'
    )
    article = parse_page("bridge", raw)
    # The URL holds /2021/03/: a month is not a date, and is not taken for one.
    assert article.published == ""
    assert article.outlet == ""


def test_a_truncated_page_keeps_what_it_holds() -> None:
    article = parse_page("trains", page("truncated_page.html"))
    assert article.title == "Night Trains Return to the Northern Line"
    assert article.outlet == "Rail Weekly"
    assert "twelve sleeper carriages from a Swiss company" in article.text
    assert "About us" not in article.text


def test_a_page_without_article_text_is_refused_with_its_reason() -> None:
    with pytest.raises(CorpusError, match="no article text was found in the page"):
        HtmlSource().read("missing", page("no_article.html"))


def test_a_declared_charset_is_read_strictly() -> None:
    raw = page("news_page.html").replace(b"Anna Berg", "Anna Bérg".encode("cp1252"))
    with pytest.raises(CorpusError, match="not valid UTF-8.*declares utf-8"):
        parse_page("bridge", raw)
    declared = raw.replace(b'charset="utf-8"', b'charset="windows-1252"')
    assert "said Anna Bérg, who runs" in parse_page("bridge", declared).text


def test_pages_are_loaded_from_the_corpus_folder(tmp_path: Path) -> None:
    for name in ("news_page.html", "no_article.html"):
        shutil.copy(PAGES / name, tmp_path / name)
    shutil.copy(PAGES / "truncated_page.html", tmp_path / "trains.htm")
    corpus = load_corpus(tmp_path)
    assert [article.id for article in corpus.articles] == ["news_page", "trains"]
    assert [Path(skip.path).name for skip in corpus.skipped] == ["no_article.html"]


def test_an_html_page_answers_with_its_metadata(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    shutil.copy(PAGES / "news_page.html", corpus / "harbour_bridge.html")
    shutil.copy(ARCHIVES / "good.jsonl", corpus / "metro.jsonl")
    bot = Assistant.load(corpus_dir=corpus, index_dir=tmp_path / "index")
    answer = bot.ask("How many steel cables did engineers replace on the harbour bridge?")
    first = answer.passages[0]
    assert first.article_id == "harbour_bridge"
    assert "Engineers replaced 340 steel cables" in first.text
    assert first.title == "Engineers Reopen the Old Harbour Bridge After Two Years"
    assert first.outlet == "The Coastal Herald"
    assert first.published == "2021-03-14"
    trams = bot.ask("How many trams did the city council order?").passages[0]
    assert trams.article_id == "tram-001" and trams.outlet == "Metro Daily"
    # Every passage shown is a verbatim slice of the stored article.
    stored = {article.id: article.text for article in load_corpus(corpus).articles}
    for passage in (first, trams):
        assert stored[passage.article_id][passage.start : passage.end] == passage.text

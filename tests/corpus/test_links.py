"""Adding links: each fetched body saved as sent, with its fetch record, beside added files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.corpus.fetching import FetchLimits
from assistant.corpus.links import add_sources, is_link, link_name, read_link_list
from assistant.corpus.loading import load_corpus
from assistant.corpus.records import FETCHED_URL
from tests.http_server import DATA, FEED, PAGE, serving, summary_feed

# ``total`` holds the whole exchange, connecting and the headers included: generous,
# so that a loaded machine's slow scheduling is not taken for a slow server.
FAST = FetchLimits(timeout=0.5, total=30.0)


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serving() as url:
        yield url


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "drones.txt").write_text("Drones changed the war\n\nAzerbaijan used drones.\n")
    return folder


def add(given: list, corpus: Path) -> list:
    return add_sources(given, corpus, allow_private=True, limits=FAST)


def test_a_page_is_saved_as_sent_with_its_record(base: str, corpus: Path) -> None:
    [result] = add([f"{base}/redirect/1"], corpus)
    assert (result.status, result.format) == ("added", "html")
    copy = Path(result.copy)
    assert copy.name == "127.0.0.1-page.html" and copy.read_bytes() == PAGE
    record = json.loads((corpus / "127.0.0.1-page.html.fetched.json").read_text())
    assert record["url"] == f"{base}/redirect/1" and record["final_url"] == f"{base}/page"
    assert record["redirects"] == [f"{base}/page"] and record["content_type"] == "text/html"
    [article] = result.articles
    assert article.title == "Ararat Valley growers harvest a record apricot crop"


def test_the_loader_gives_a_page_without_a_canonical_url_the_fetched_one(
    base: str, corpus: Path
) -> None:
    add([f"{base}/page", f"{base}/canonical"], corpus)
    loaded = load_corpus(corpus)
    by_id = {article.id: article for article in loaded.articles}
    page = by_id["127.0.0.1-page"]
    assert page.url == f"{base}/page" and page.provenance.endswith(FETCHED_URL)
    # A page that states its canonical URL keeps it.
    stated = by_id["127.0.0.1-canonical"]
    assert stated.url == "https://coastalherald.example/2021/03/harbour-bridge-reopens"
    assert FETCHED_URL not in stated.provenance
    # Records are read with their files, never listed as files of their own.
    assert loaded.skipped == () and len(loaded.articles) == 3


def test_a_feed_link_becomes_a_feed_file(base: str, corpus: Path) -> None:
    [result] = add([f"{base}/feed"], corpus)
    assert (result.status, result.format) == ("added", "feed")
    assert Path(result.copy).name == "127.0.0.1-feed.rss"
    assert Path(result.copy).read_bytes() == FEED
    titles = [article.title for article in result.articles]
    assert titles[0] == "Lake Sevan fishermen report a record whitefish catch"
    # Entries keep their own links.
    assert result.articles[0].url == "https://caucasus-weekly.example/2021/03/sevan-whitefish"


def test_links_and_files_mix_and_a_repeat_is_present(base: str, corpus: Path) -> None:
    page_file = DATA / "pages" / "news_page.html"
    results = add([f"{base}/page", str(page_file), f"{base}/untyped", f"{base}/page-again"], corpus)
    assert [r.status for r in results] == ["added", "added", "present", "skipped"]
    assert results[2].reason == "already in the corpus as 127.0.0.1-page.html"
    assert "is already in 127.0.0.1-page.html" in results[3].reason
    assert (corpus / "news_page.html").read_bytes() == page_file.read_bytes()


def test_a_link_that_cannot_be_fetched_is_skipped_with_the_reason(base: str, corpus: Path) -> None:
    before = sorted(p.name for p in corpus.iterdir())
    results = add([f"{base}/missing", f"{base}/image", "ftp://127.0.0.1/a"], corpus)
    assert [r.status for r in results] == ["skipped"] * 3
    assert results[0].reason == "cannot fetch it: the server answered 404 Not Found"
    assert "content type is image/png" in results[1].reason
    assert "not 'ftp' links" in results[2].reason
    assert sorted(p.name for p in corpus.iterdir()) == before  # nothing written


def test_private_addresses_are_refused_by_default(base: str, corpus: Path) -> None:
    [result] = add_sources([f"{base}/page"], corpus, limits=FAST)
    assert result.status == "skipped" and "a loopback address" in result.reason


def test_a_record_whose_file_is_gone_is_skipped_with_its_reason(corpus: Path) -> None:
    (corpus / "gone.html.fetched.json").write_text('{"final_url": "https://a.example/"}')
    (corpus / "drones.txt.fetched.json").write_text("not json")
    loaded = load_corpus(corpus)
    reasons = {Path(s.path).name: s.reason for s in loaded.skipped}
    assert (
        "a fetch record for gone.html, which is not in the corpus"
        in reasons["gone.html.fetched.json"]
    )
    assert "the fetch record is not JSON" in reasons["drones.txt.fetched.json"]
    [article] = loaded.articles  # a damaged record loses no article
    assert article.id == "drones" and article.url == ""


def test_a_record_is_part_of_the_corpus_fingerprint(corpus: Path) -> None:
    before = load_corpus(corpus).fingerprint
    (corpus / "drones.txt.fetched.json").write_text('{"final_url": "https://a.example/d"}')
    after = load_corpus(corpus)
    assert after.fingerprint != before and after.articles[0].url == "https://a.example/d"


def test_a_list_of_links_skips_blank_lines_and_comments(tmp_path: Path) -> None:
    listed = tmp_path / "links.txt"
    listed.write_text("# morning batch\nhttps://a.example/1\n\n  https://a.example/2#top  \n")
    assert read_link_list(listed) == ["https://a.example/1", "https://a.example/2#top"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [("https://a.example/x", True), ("ftp://a/x", True), ("corpus/a.html", False)],
)
def test_what_is_a_link(given: str, expected: bool) -> None:
    assert is_link(given) is expected


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://www.news.example/2021/02/lake-sevan.html", "www.news.example-lake-sevan"),
        ("https://news.example/", "news.example"),
        ("https://news.example/a/story/", "news.example-story"),
    ],
)
def test_a_fetched_file_is_named_by_its_host_and_path(url: str, name: str) -> None:
    assert link_name(url) == name


def test_fetch_linked_puts_each_fetched_page_in_its_entrys_place(
    base: str, corpus: Path, tmp_path: Path
) -> None:
    feed = summary_feed(base, tmp_path)
    results = add_sources([feed], corpus, allow_private=True, limits=FAST, fetch_linked=True)
    assert [(r.source, r.status) for r in results] == [
        (str(feed), "added"),
        (f"{base}/page", "added"),
        (f"{base}/bare", "added"),
        (f"{base}/missing", "skipped"),
    ]
    assert results[3].reason == (
        "cannot fetch it: the server answered 404 Not Found; the feed's entry stays the article"
    )
    assert [article.id for article in results[0].articles] == ["digest-3"]
    record = json.loads((corpus / "127.0.0.1-bare.html.fetched.json").read_text())
    assert record["url"] == f"{base}/bare" and record["feed_entry"]["feed"] == "digest.rss"

    loaded = load_corpus(corpus)
    by_id = {article.id: article for article in loaded.articles}
    assert sorted(by_id) == ["127.0.0.1-bare", "127.0.0.1-page", "digest-3", "drones"]
    assert loaded.skipped == ()
    # The page states its outlet, date and author: they are the page's.
    page = by_id["127.0.0.1-page"]
    assert (page.outlet, page.published) == ("Valley Courier", "2021-07-02")
    assert page.text.startswith("Orchards in the Ararat Valley picked 96,000 tonnes")
    # The bare page states none: the feed's entry does.
    bare = by_id["127.0.0.1-bare"]
    assert bare.title == "Yerevan opens its first new metro station in thirty years"
    assert (bare.outlet, bare.published, bare.author) == (
        "Regional Digest",
        "2021-07-10",
        "Narek Sargsyan",
    )
    assert bare.url == f"{base}/bare"
    assert "outlet, date and author from the feed's entry" in bare.provenance
    assert by_id["digest-3"].text == "The page is gone."

    # Without its feed_entry, the record no longer replaces the entry: it is back.
    before = loaded.fingerprint
    record.pop("feed_entry")
    (corpus / "127.0.0.1-bare.html.fetched.json").write_text(json.dumps(record))
    again = load_corpus(corpus)
    assert again.fingerprint != before
    assert "digest-2" in {article.id for article in again.articles}


def test_without_fetch_linked_a_summary_feed_gives_its_summaries(
    base: str, corpus: Path, tmp_path: Path
) -> None:
    [result] = add([summary_feed(base, tmp_path)], corpus)
    assert [article.id for article in result.articles] == ["digest-1", "digest-2", "digest-3"]
    assert sorted(path.name for path in corpus.iterdir()) == ["digest.rss", "drones.txt"]

"""finish_article: every source's stored text follows the Markdown file's control-character rule."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.corpus.article import METADATA_FIELDS
from assistant.corpus.assembly import finish_article
from assistant.corpus.loading import load_corpus
from assistant.corpus.sources import source_for
from assistant.errors import CorpusError

# What decoding.py refuses in a Markdown file: C0 but tab, line feed and form feed; DEL; C1.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0d-\x1f\x7f-\x9f]")
PARAGRAPH = "The ferry from Baku to Aktau carried 40 trucks on its first run, officials said."


def read(name: str, raw: bytes) -> list:
    return source_for(Path(name)).read(Path(name).stem, raw, path=name)


def test_an_archive_row_with_an_escape_in_its_text_is_refused_like_a_markdown_file(
    caplog,
) -> None:
    rows = [
        {"text": PARAGRAPH, "title": "Ferry \x1b[2Jruns\x07", "author": "A\x00N"},
        {"text": "The depot \x1b[2J grows by 12 tracks.", "title": "Depot"},
        {"text": "The pier\x9b2J reopens on Monday."},
    ]
    articles = read("rows.jsonl", "\n".join(json.dumps(row) for row in rows).encode())
    assert [a.id for a in articles] == ["rows-1"]
    # The fields lose theirs: a one-line label, never quoted.
    assert (articles[0].title, articles[0].author) == ("Ferry [2Jruns", "AN")
    assert (
        "row 2 skipped: its text is binary or damaged (control character U+001B on line 1"
        in caplog.text
    )
    assert "row 3 skipped: its text is binary or damaged (control character U+009B" in caplog.text


def test_a_feed_entry_with_an_escape_is_skipped_not_a_crash(caplog) -> None:
    # With an encoding declared, a feed the strict decoder refuses is read in that encoding,
    # ESC and all; lxml then raised a bare ValueError on the entry, which stopped the load.
    items = [
        f"<item><title>Ferry</title><link>https://n.example/1</link>"
        f"<description>{PARAGRAPH}</description></item>",
        "<item><title>Depot</title><link>https://n.example/2</link>"
        "<description>The depot \x1b[2J grows by 12 tracks.</description></item>",
    ]
    head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
    articles = read("news.rss", f"{head}{''.join(items)}</channel></rss>".encode())
    assert [a.id for a in articles] == ["news-1"]
    assert "entry 2 skipped: its text is binary or damaged (control character U+001B" in caplog.text


def test_a_page_in_a_declared_charset_stores_no_control_character() -> None:
    # Not UTF-8 (é in cp1252), so decode_page reads the declared charset, where ESC is valid.
    page = (
        "<html><head><meta charset=windows-1252><title>Caf\xe9 news</title></head><body>"
        f"<article><h1>Caf\xe9 news</h1><p>{PARAGRAPH}</p><p>The caf\xe9 \x1b[2J by the pier "
        "reopens on Monday with a new menu of fish from the Caspian.</p></article></body></html>"
    ).encode("cp1252")
    try:
        articles = read("page.html", page)
    except CorpusError as error:
        assert "control character" in str(error)
    else:
        assert not any(CONTROL.search(a.text + a.title) for a in articles)


@pytest.mark.parametrize("control", ["\x1b", "\x00", "\x07", "\x7f", "\x85", "\x0b"])
def test_finish_article_refuses_the_markdown_rule_s_characters(control: str) -> None:
    metadata = dict.fromkeys(METADATA_FIELDS, "")
    with pytest.raises(CorpusError, match=f"control character U\\+{ord(control):04X} on line 2"):
        finish_article("a", f"Title\n{PARAGRAPH}{control}", metadata, path="", empty="empty")


def test_line_ends_become_newlines_and_tabs_stay() -> None:
    metadata = dict.fromkeys(METADATA_FIELDS, "")
    body = f"Title\r\n{PARAGRAPH}\r\rSecond\tparagraph of the article, with a tab."
    article = finish_article("a", body, metadata, path="", empty="empty")
    assert "\r" not in article.text and "\t" in article.text


def test_the_loader_indexes_no_control_character_from_any_source(tmp_path: Path) -> None:
    rows = [{"text": PARAGRAPH}, {"text": "The bell \x07 rings at the depot every hour."}]
    (tmp_path / "rows.jsonl").write_text("\n".join(json.dumps(row) for row in rows))
    (tmp_path / "note.md").write_bytes(b"# Note\n\nThe bell \x07 rings.")
    corpus = load_corpus(tmp_path)
    assert [a.id for a in corpus.articles] == ["rows-1"]
    assert [Path(s.path).name for s in corpus.skipped] == ["note.md"]

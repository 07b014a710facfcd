"""content_problem: a file's first bytes against the suffix it claims."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus.sniffing import content_problem

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize(
    "path",
    [
        "pages/news_page.html",
        "pages/no_article.html",
        "pages/truncated_page.html",
        "feeds/caucasus.rss",
        "feeds/glaciers.atom",
        "archives/good.jsonl",
        "archives/missing_text.csv",
        "articles/bridge_repairs.md",
        "uploads/glacier_lake.html",
    ],
)
def test_real_files_fit_their_suffix(path: str) -> None:
    file = DATA / path
    assert content_problem(file.suffix, file.read_bytes()) is None


@pytest.mark.parametrize(
    ("suffix", "head", "words"),
    [
        (".html", b"%PDF-1.7\n", "a PDF document"),
        (".md", b"\x1f\x8b\x08\x00", "a gzip archive"),
        (".txt", b"\xff\xd8\xff\xe0", "a JPEG image"),
        (".csv", b"SQLite format 3\x00", "an SQLite database"),
        (".html", b"no markup here", "text without any HTML markup"),
        (".xml", b"<?xml version='1.0'?><svg></svg>", "not an RSS or Atom feed"),
        (".jsonl", b"[1, 2]\n", "not a JSON object"),
        (".txt", b"a\x00b\x00c", "binary data"),
        (".pdf", b"<html></html>", "it is text, not a .pdf file"),
        (".docx", b"%PDF-1.4", "it is a PDF document, not a .docx file"),
    ],
)
def test_content_that_does_not_fit_is_named(suffix: str, head: bytes, words: str) -> None:
    assert words in content_problem(suffix, head)


@pytest.mark.parametrize(
    ("suffix", "head"),
    [
        (".md", "Überschrift\n\nText".encode("utf-16")),  # UTF-16 with its BOM is text
        (".txt", "Caf\xe9".encode("latin-1")),  # another encoding: the source says how to fix it
        (".md", b""),  # empty: the source says so
        (".pdf", b"%PDF-1.4\n"),
        (".docx", b"PK\x03\x04"),
        (".html", b"\xef\xbb\xbf<!DOCTYPE html><html><p>x</p></html>"),
        (".rss", b"<?xml version='1.0'?>\n<rss version='2.0'>"),
        (".unknown", b"\x00\x01"),
    ],
)
def test_content_that_fits_passes(suffix: str, head: bytes) -> None:
    assert content_problem(suffix, head) is None

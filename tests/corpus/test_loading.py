from __future__ import annotations

import logging
from pathlib import Path

import pytest

from assistant import CorpusError, load_corpus
from assistant.corpus.loading import parse_article
from tests.support import CORPUS


def test_seed_corpus_metadata_comes_from_front_matter() -> None:
    corpus = load_corpus(CORPUS)
    assert len(corpus.articles) == 5 and not corpus.skipped
    trend = corpus.articles[0]
    assert trend.id == "000_a3a1afb14bddd822"
    assert trend.outlet == "Trend"
    assert trend.published == "2021-02-23"
    assert trend.author == "Jani Babayeva"
    assert trend.title.startswith("Russian analyst talks Armenia's denial")
    moscow = corpus.articles[3]
    assert moscow.url.startswith("https://www.themoscowtimes.com/2020/10/12/")
    # Stated nowhere in the article, so left empty rather than guessed.
    assert corpus.articles[1].published == ""
    assert corpus.articles[4].published == ""


def test_front_matter_dates_become_iso_strings() -> None:
    raw = b"---\ntitle: T\npublished: 2020-12-03\n---\nBody text here."
    article = parse_article("a", raw)
    assert article.published == "2020-12-03"
    assert article.text == "Body text here."


def test_plain_text_title_is_the_first_line(tmp_path: Path) -> None:
    raw = b"\n\n  Shusha recaptured  \n\nForces took the city on November 8.\r\n"
    article = parse_article("shusha", raw)
    assert article.title == "Shusha recaptured"
    assert article.text == "Forces took the city on November 8."
    assert article.outlet == article.url == article.published == ""


def test_utf16_with_bom_is_read() -> None:
    raw = "Title\n\nCaf\u00e9 text.".encode("utf-16")
    assert parse_article("x", raw).text == "Caf\u00e9 text."


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("Titre\n\nd\u00e9j\u00e0 vu".encode("cp1252"), "not valid UTF-8"),
        (b"---\ntitle: [unclosed\n---\nBody", "invalid YAML"),
        (b"---\ntitle: Only a title\n---\n\nDiscuss\n", "no article text"),
    ],
)
def test_unreadable_files_raise_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(CorpusError, match=reason):
        parse_article("bad", raw)


def test_bad_files_are_skipped_with_a_logged_reason(
    headlines_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (headlines_dir / "binary.txt").write_bytes(b"\x00\x01\x02")
    (headlines_dir / "empty.md").write_bytes(b"")
    (headlines_dir / "drones.md").write_text("Same id as drones.txt\n\nText.", encoding="utf-8")
    (headlines_dir / "notes.odt").write_bytes(b"PK")  # not an article suffix: listed, unread
    with caplog.at_level(logging.WARNING):
        corpus = load_corpus(headlines_dir)
    assert len(corpus.articles) == 6
    reasons = {Path(s.path).name: s.reason for s in corpus.skipped}
    assert set(reasons) == {"binary.txt", "empty.md", "drones.txt", "notes.odt"} or set(
        reasons
    ) == {"binary.txt", "empty.md", "drones.md", "notes.odt"}
    assert "not an article file" in reasons["notes.odt"]
    assert "same id" in " ".join(reasons.values())
    assert "binary.txt" in caplog.text


def test_fingerprint_changes_with_any_byte(headlines_dir: Path) -> None:
    before = load_corpus(headlines_dir).fingerprint
    assert load_corpus(headlines_dir).fingerprint == before
    path = headlines_dir / "truce.txt"
    path.write_text(path.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert load_corpus(headlines_dir).fingerprint != before


def test_missing_folder_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="create it"):
        load_corpus(tmp_path / "nope")

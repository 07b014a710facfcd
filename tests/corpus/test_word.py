"""Word documents: paragraphs, headings, tables and core properties; zip bombs refused."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from assistant.corpus import word
from assistant.corpus.loading import load_corpus
from assistant.corpus.word import DocxSource, check_zip, read_docx
from assistant.errors import CorpusError
from tests.documents import docx_bytes, many_entries_zip_bytes, pdf_bytes, zip_bomb_bytes

PARAGRAPHS = [
    ("Title", "Glacier Retreat Speeds Up"),
    ("Normal", "The Kazbek glacier lost 40 metres of its tongue last summer,\tthe survey said."),
    ("Heading 1", "Measurements"),
    ("Normal", "Teams measured the ice at twelve stakes."),
]


def test_a_docx_gives_its_paragraphs_headings_tables_and_properties() -> None:
    raw = docx_bytes(
        PARAGRAPHS,
        title="Glacier retreat speeds up",
        author="Giorgi Beridze",
        created="2021-05-03T20:15:00",
        table=[["Year", "Loss"], ["2020", "31 m"], ["2021", "40 m"]],
    )
    (article,) = DocxSource().read("glacier", raw, path="glacier.docx")
    assert (article.title, article.author, article.published) == (
        "Glacier retreat speeds up",
        "Giorgi Beridze",
        "2021-05-03",
    )
    # The heading repeating the title is the headline, which cleaning takes out of the body.
    assert article.text.split("\n\n") == [
        "The Kazbek glacier lost 40 metres of its tongue last summer, the survey said.",
        "Measurements",
        "Teams measured the ice at twelve stakes.",
        "Year | Loss\n2020 | 31 m\n2021 | 40 m",
    ]


def test_without_properties_the_title_is_the_first_paragraph_and_nothing_is_guessed() -> None:
    article = read_docx("glacier", docx_bytes(PARAGRAPHS))
    assert article.title == "Glacier Retreat Speeds Up"
    assert (article.author, article.published, article.outlet) == ("", "", "")
    assert article.text.startswith("The Kazbek glacier")


def _declaring(size: int) -> bytes:
    """A tiny Word-shaped zip whose directory declares one part of ``size`` bytes."""
    raw = bytearray(docx_bytes(PARAGRAPHS))
    directory = raw.rindex(b"PK\x01\x02")  # the last central-directory record
    raw[directory + 24 : directory + 28] = size.to_bytes(4, "little")
    return bytes(raw)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: zip_bomb_bytes(entry_bytes=20_000_000), "would inflate 1,0\\d\\d times"),
        (lambda: _declaring(4_000_000_000), "would inflate to 4,0[\\d,]+ bytes"),
        (lambda: many_entries_zip_bytes(5_000), "holds 5,000 entries"),
    ],
    ids=["ratio", "declared-size", "entries"],
)
def test_zip_bombs_are_refused_before_anything_is_inflated(make, reason: str) -> None:
    raw = make()
    started = time.perf_counter()
    with pytest.raises(CorpusError, match=f"{reason}.*refused as a possible zip bomb"):
        read_docx("bomb", raw)
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (pdf_bytes([["A PDF named .docx"]]), "not a Word document \\(.docx\\) but a PDF document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Office 97-2003 file"),
        (b"{\\rtf1\\ansi Some text}", "an RTF document"),
        (b"Plain words in a .docx file.", "but plain text"),
        (docx_bytes(PARAGRAPHS)[:600], "a damaged zip"),
    ],
    ids=["pdf", "doc", "rtf", "text", "truncated"],
)
def test_files_that_are_no_word_document_are_refused(raw: bytes, reason: str) -> None:
    with pytest.raises(CorpusError, match=reason):
        read_docx("bad", raw)


def test_a_zip_that_is_no_word_document_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(CorpusError, match="no word/document.xml"):
        check_zip(out.getvalue())


def test_a_damaged_document_part_is_a_clear_error() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes(PARAGRAPHS))) as source:
        with zipfile.ZipFile(out, "w") as target:
            for entry in source.infolist():
                data = source.read(entry)
                target.writestr(entry, data[:50] if entry.filename == "word/document.xml" else data)
    with pytest.raises(CorpusError, match="the Word document is damaged"):
        read_docx("broken", out.getvalue())


def test_the_limits_are_those_of_a_document(monkeypatch) -> None:
    # A real document passes with room to spare: the limits are not near its shape.
    check_zip(docx_bytes(PARAGRAPHS))
    monkeypatch.setattr(word, "MAX_ENTRIES", 5)
    with pytest.raises(CorpusError, match="refused as a possible zip bomb"):
        check_zip(docx_bytes(PARAGRAPHS))


def test_the_loader_indexes_a_docx_and_skips_a_bomb(tmp_path: Path) -> None:
    (tmp_path / "glacier.docx").write_bytes(docx_bytes(PARAGRAPHS))
    (tmp_path / "bomb.docx").write_bytes(zip_bomb_bytes(entry_bytes=20_000_000))
    corpus = load_corpus(tmp_path)
    assert [article.id for article in corpus.articles] == ["glacier"]
    (skipped,) = corpus.skipped
    assert Path(skipped.path).name == "bomb.docx" and "zip bomb" in skipped.reason

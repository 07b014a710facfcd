"""Word documents: paragraphs, headings, tables and core properties; zip bombs refused."""

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from assistant.corpus import word
from assistant.corpus.loading import load_corpus
from assistant.corpus.word import DocxSource, check_zip, read_docx
from assistant.errors import CorpusError
from tests.documents import (
    docx_bytes,
    lying_about,
    many_entries_zip_bytes,
    pdf_bytes,
    zip_bomb_bytes,
)

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
    # Refused before inflating: memory, not time (no timed assertions: CI's load varies).
    tracemalloc.start()
    try:
        with pytest.raises(CorpusError, match=f"{reason}.*refused as a possible zip bomb"):
            read_docx("bomb", raw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000


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


W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _with_document(xml: bytes, *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A real .docx (core properties and all) with ``xml`` as its ``word/document.xml``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes(PARAGRAPHS))) as source:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
            for entry in source.infolist():
                if entry.filename == "word/document.xml":
                    target.writestr(entry.filename, xml, compress_type=method)
                else:
                    target.writestr(entry, source.read(entry))
    return out.getvalue()


def _paragraphs_xml(count: int, *, tail: bytes = b"") -> bytes:
    """A document body of ``count`` numbered paragraphs of text, then ``tail`` as it is."""
    paragraphs = b"".join(
        b"<w:p><w:r><w:t>Paragraph %d of the report says what the survey found.</w:t></w:r></w:p>"
        % number
        for number in range(count)
    )
    return f"<w:document {W_NS}><w:body>".encode() + paragraphs + tail


def _peak_memory(action) -> int:
    """The most memory Python allocated (tracemalloc) while ``action`` ran."""
    tracemalloc.start()
    try:
        action()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_directory_lying_about_sizes_is_refused_without_inflating_the_part() -> None:
    # 30 MB of XML (comment padding compresses about 1000:1) declared as 2,000 bytes: the
    # declared sizes pass every check, and ZipFile.read would inflate all 30 MB at once.
    padding = b"<!--" + b" " * 30_000_000 + b"-->"
    raw = lying_about(_with_document(_paragraphs_xml(3, tail=padding)), "word/document.xml", 2_000)
    check_zip(raw)  # the lie passes the directory's checks
    with pytest.raises(CorpusError, match="'word/document.xml' is damaged \\(Bad CRC-32"):
        read_docx("liar", raw)
    peak = _peak_memory(lambda: pytest.raises(CorpusError, read_docx, "liar", raw))
    assert peak < 3_000_000, f"{peak:,} bytes allocated"


@pytest.mark.parametrize(
    ("limits", "reason"),
    [
        (word.DocxLimits(part_bytes=200_000), "'word/document.xml' inflates past 200,000 bytes"),
        (word.DocxLimits(inflated_bytes=200_000), "its parts inflate past 200,000 bytes in all"),
    ],
    ids=["part", "total"],
)
def test_what_the_parts_actually_inflate_to_is_capped(limits, reason: str) -> None:
    # Honest sizes, under every declared-size check: the cap counts the bytes produced.
    padding = b"<!--" + bytes(range(32, 127)) * 5_000 + b"-->"
    raw = _with_document(_paragraphs_xml(3, tail=padding + b"</w:body></w:document>"))
    check_zip(raw)
    with pytest.raises(CorpusError, match=f"{reason} \\(whatever its directory declares\\)"):
        read_docx("padded", raw, limits=limits)


def test_a_part_compressed_without_a_bounded_inflate_is_refused() -> None:
    raw = _with_document(_paragraphs_xml(3) + b"</w:body></w:document>", method=zipfile.ZIP_BZIP2)
    with pytest.raises(CorpusError, match="compressed with method 12"):
        read_docx("bzip", raw)


def test_reading_stops_once_the_text_passes_the_limit() -> None:
    # 5 MB of XML, whose text passes the (scaled-down) limit early on; the rest is not
    # even XML, so a reader that went on would call the document damaged instead.
    xml = _paragraphs_xml(60_000, tail=b"<w:p> not XML at all < & >")
    raw = _with_document(xml)
    limits = word.DocxLimits(text_bytes=100_000)
    with pytest.raises(
        CorpusError, match="too big for one article \\(over 1\\d\\d,\\d\\d\\d bytes"
    ):
        read_docx("long", raw, limits=limits)
    peak = _peak_memory(lambda: pytest.raises(CorpusError, read_docx, "long", raw, limits=limits))
    assert peak < len(xml) / 5, f"{peak:,} bytes allocated for {len(xml):,} bytes of XML"


def test_a_document_declaring_entities_is_refused() -> None:
    xml = b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY lol "lol">]>' + _paragraphs_xml(
        1, tail=b"<w:p><w:r><w:t>&lol;</w:t></w:r></w:p></w:body></w:document>"
    )
    with pytest.raises(CorpusError, match="declares a DTD"):
        read_docx("laughs", _with_document(xml))


def test_a_docx_without_core_properties_is_titled_by_its_text_not_word_document() -> None:
    # python-docx makes up a part for a document without one, titled "Word Document".
    raw = docx_bytes([("Normal", "Ferry Timetable Changes"), *PARAGRAPHS[1:]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "docProps/core.xml":
                continue
            if entry.filename == "_rels/.rels":  # its relationship goes with it
                data = re.sub(rb"<Relationship [^>]*core-properties[^>]*/>", b"", data)
            target.writestr(entry, data)
    (article,) = DocxSource().read("ferry", out.getvalue(), path="ferry.docx")
    assert article.title == "Ferry Timetable Changes"

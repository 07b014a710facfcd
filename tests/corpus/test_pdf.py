"""PDF files: text layer and metadata by pypdf; scans, encrypted, damaged and fake PDFs refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus import pdf
from assistant.corpus.adding import add_files
from assistant.corpus.loading import load_corpus
from assistant.corpus.pdf import PdfLimits, PdfSource, pdf_text, read_pdf
from assistant.errors import CorpusError
from tests.documents import encrypted_pdf_bytes, pdf_bytes, slow_pdf_bytes

PAGES = [
    [
        "Ferry Line to Reopen in Spring",
        "",
        "The harbour authority said on Monday that the ferry line to the islands will",
        "reopen in April, after two winters of repairs to the pier. The well-",
        "known timetable returns with six crossings a day, an exam-",
        "ple other lines may follow; the example was cited by the mayor.",
        "",
        "Tickets will cost the same as before the closure, the authority said, and",
        "season passes sold in 2019 remain",
        "",
        "2",
    ],
    ["valid until the end of the year.", "", "Page 2 of 2"],
]
INFO = {
    "Title": "Ferry line to reopen",
    "Author": "Harbour Authority Press Office",
    "CreationDate": "D:20230314093000+01'00'",
    "Subject": "Ferries",
}


def test_a_pdf_gives_its_text_as_paragraphs_and_its_metadata() -> None:
    (article,) = PdfSource().read("ferry", pdf_bytes(PAGES, info=INFO), path="ferry.pdf")
    assert (article.id, article.title, article.author, article.published) == (
        "ferry",
        "Ferry line to reopen",
        "Harbour Authority Press Office",
        "2023-03-14",
    )
    paragraphs = article.text.split("\n\n")
    assert paragraphs[1].startswith("The harbour authority said on Monday that the ferry line")
    # A hyphen breaking a word is dropped only where the document spells the word so.
    assert "The well-known timetable" in paragraphs[1]
    assert "an example other lines may follow" in paragraphs[1]
    # The page number is gone and the paragraph cut by the page break is whole again.
    assert paragraphs[2].endswith(
        "season passes sold in 2019 remain valid until the end of the year."
    )
    assert "Page 2" not in article.text and "\n2\n" not in article.text


def test_the_stored_text_is_the_same_on_every_read() -> None:
    raw = pdf_bytes(PAGES, info=INFO)
    assert read_pdf("a", raw).text == read_pdf("a", raw).text


def test_without_a_title_the_first_line_names_the_article() -> None:
    raw = pdf_bytes(PAGES, info={"Title": "Microsoft Word - ferry_final.docx"})
    article = read_pdf("ferry", raw)
    assert article.title == "Ferry Line to Reopen in Spring"
    assert article.published == "" and article.author == ""  # never guessed
    assert article.text.startswith("The harbour authority")


def test_pdf_text_changes_only_whitespace_where_it_cannot_tell() -> None:
    assert pdf_text(["  A line   that goes\non here.\n\n\nNext one.\n  12  "]) == (
        "A line that goes on here.\n\nNext one."
    )
    # "Nagorno-" + "Karabakh": capitalised, so a compound, kept as written.
    assert pdf_text(["the Nagorno-\nKarabakh war"]) == "the Nagorno-Karabakh war"
    # "re-" + "elected" with "re-elected" elsewhere: the hyphen is the word's.
    assert pdf_text(["he was re-\nelected, the re-elected mayor"]) == (
        "he was re-elected, the re-elected mayor"
    )
    assert pdf_text(["a soft\u00ad\nhyphen"]) == "a softhyphen"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (pdf_bytes([[]], image_only=True), "no text layer \\(a scanned document"),
        (encrypted_pdf_bytes(["A secret memo."], password="s3cret"), "encrypted with a password"),
        (pdf_bytes(PAGES)[:400], "the PDF is damaged and cannot be read"),
        (b"<!DOCTYPE html><html><body><p>A page</p></body></html>", "not a PDF but a web page"),
        (b"PK\x03\x04" + b"\0" * 40, "not a PDF but a zip archive"),
        (b"Just some text, saved as .pdf.", "not a PDF but plain text"),
        (b"  \n", "the file is empty"),
    ],
    ids=["scanned", "encrypted", "truncated", "html", "zip", "text", "empty"],
)
def test_pdfs_that_cannot_be_read_are_refused_with_their_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(CorpusError, match=reason):
        read_pdf("bad", raw)


def test_a_pdf_locked_only_against_editing_is_read() -> None:
    lines = ["Opening Hours", "", "Owner restrictions only, no password to open."]
    raw = encrypted_pdf_bytes(lines, password="")
    assert read_pdf("open", raw).text == "Owner restrictions only, no password to open."


def test_the_loader_indexes_good_pdfs_and_skips_bad_ones_with_reasons(tmp_path: Path) -> None:
    (tmp_path / "ferry.pdf").write_bytes(pdf_bytes(PAGES, info=INFO))
    (tmp_path / "scan.pdf").write_bytes(pdf_bytes([[]], image_only=True))
    (tmp_path / "page.pdf").write_bytes(b"<html><body>Not a PDF.</body></html>")
    (tmp_path / "note.md").write_text("# Note\n\nA note that stays indexed.", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert [article.id for article in corpus.articles] == ["ferry", "note"]
    reasons = {Path(skip.path).name: skip.reason for skip in corpus.skipped}
    assert reasons["scan.pdf"].startswith("the PDF has no text layer")
    assert reasons["page.pdf"].startswith("it is not a PDF but a web page")


def test_a_pdf_made_to_be_slow_is_stopped_at_its_deadline() -> None:
    # 300 pages sharing one stream of 10,000 operators: about 45 s of pypdf here, in
    # a 300 kB file. The reading process is killed at the (scaled-down) deadline.
    raw = slow_pdf_bytes(300, operators=10_000)
    assert len(raw) < 300_000
    limits = PdfLimits(seconds=3.0, text_bytes=100_000_000)
    with pytest.raises(
        CorpusError, match="reading the PDF took longer than 3 s, so it was stopped"
    ):
        read_pdf("slow", raw, limits=limits)


def test_reading_stops_at_the_page_that_passes_the_text_limit() -> None:
    # 200 pages of about 2,000 bytes each: the 10,000-byte limit is passed by page 6,
    # and the pages after it are never read.
    page = ["word " * 20] * 20
    raw = pdf_bytes([page] * 200)
    with pytest.raises(CorpusError, match=r"over 1\d,\d\d\d bytes by page \d of 200, the limit"):
        read_pdf("long", raw, limits=PdfLimits(text_bytes=10_000))


def test_the_check_before_adding_reads_pdfs_apart_and_stops_them_in_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # add's dry run is the web upload check and the CLI's reading: both go through
    # read_pdf, so both get the deadline (scaled down here).
    monkeypatch.setattr(pdf, "DEFAULT_LIMITS", PdfLimits(seconds=3.0))
    (tmp_path / "corpus").mkdir()
    slow = tmp_path / "slow.pdf"
    slow.write_bytes(slow_pdf_bytes(300, operators=10_000))
    (addition,) = add_files([slow], tmp_path / "corpus", dry_run=True)
    assert addition.status == "skipped" and "took longer than 3 s" in addition.reason

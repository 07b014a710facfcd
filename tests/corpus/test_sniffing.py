"""Files are told by their content: a file that is not what its name says is skipped, saying so."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus.loading import load_corpus
from assistant.corpus.sniffing import content_kind
from tests.documents import docx_bytes, pdf_bytes

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 30


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (pdf_bytes([["A line"]]), "pdf"),
        (b"\xef\xbb\xbf   %PDF-1.7\n", "pdf"),  # junk before the header is allowed
        (docx_bytes([("Normal", "A paragraph")]), "zip"),
        (PNG, "png"),
        (b"\x1f\x8b\x08\0", "gzip"),
        (b"<!-- saved -->\n<!DOCTYPE html><html>", "html"),
        (b"\xef\xbb\xbf<html lang='en'>", "html"),
        (b"<?xml version='1.0'?><rss/>", "xml"),
        ("# Título\n\nTexto.".encode(), "text"),
        ("# Title".encode("utf-16"), "text"),  # UTF-16 with its BOM is text
        (b"\0\1\2\3binary", "binary"),
    ],
)
def test_content_kinds(raw: bytes, kind: str) -> None:
    assert content_kind(raw) == kind


def test_every_source_skips_a_file_that_is_another_format(tmp_path: Path) -> None:
    pdf = pdf_bytes([["Council Votes on Budget", "", "The council voted on the budget."]])
    files = {
        "page.html": pdf,
        "feed.rss": PNG,
        "rows.jsonl": docx_bytes([("Normal", "A paragraph")]),
        "rows.csv": b"\x1f\x8b\x08\0\0\0\0\0",
        "note.md": pdf,
        "doc.docx": b"<html><body>A page saved as .docx</body></html>",
        "scan.pdf": PNG,
        "good.md": b"# Good\n\nAn article that is indexed as before.",
    }
    for name, raw in files.items():
        (tmp_path / name).write_bytes(raw)
    corpus = load_corpus(tmp_path)
    assert [article.id for article in corpus.articles] == ["good"]
    reasons = {Path(skip.path).name: skip.reason for skip in corpus.skipped}
    assert reasons == {
        "doc.docx": "it is not a Word document (.docx) but a web page (HTML), whatever its name "
        "says: rename it to .html",
        "feed.rss": "it is not a feed but a PNG image, whatever its name says",
        "note.md": "it is not a Markdown or text file but a PDF document, whatever its name "
        "says: rename it to .pdf",
        "page.html": "it is not a web page but a PDF document, whatever its name says: rename "
        "it to .pdf",
        "rows.csv": "it is not a CSV file but a gzip-compressed file, whatever its name says: "
        "decompress it first",
        "rows.jsonl": "it is not a JSON Lines file but a zip archive (a .docx is one; so are "
        ".xlsx, .pptx and .odt), whatever its name says",
        "scan.pdf": "it is not a PDF but a PNG image, whatever its name says",
    }

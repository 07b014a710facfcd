"""Word documents (``.docx``): paragraphs, headings and tables, and the core properties.

Each paragraph and heading of the body is a paragraph of the article, in order; a line
break inside one stays a line; a table is a paragraph with a row per line, its cells
between " | " (as html.py writes a page's tables). Headers, footers, comments and text
boxes are left out: they are the document's furniture. The title, author and creation
date come from the core properties (a title that is a file name or "untitled" is none).

A .docx is a zip: before python-docx opens one, its directory is checked, so a zip bomb
(entries that inflate to gigabytes, or hundreds of thousands of entries) is refused
without inflating anything, as is a zip that is no Word document and a file named .docx
that is no zip (an old .doc, an RTF file, a web page).
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from typing import Any

from ..errors import CorpusError
from .article import Article
from .assembly import finish_article, require_text
from .dates import iso_date
from .pdf import document_title
from .sniffing import require_kind

MAX_DOCX_BYTES = 50_000_000
MAX_TEXT_BYTES = 1_000_000
# A Word document is a few dozen parts, a few hundred with many images.
MAX_ENTRIES = 2_000
# What its parts may inflate to in all: the XML of a long report and its images.
MAX_INFLATED_BYTES = 200_000_000
# Text and XML compress about 10:1, images not at all; a bomb's zeros 1000:1. A part
# smaller than a megabyte inflated cannot be a bomb whatever its ratio.
MAX_RATIO = 100
_SMALL_PART = 1_000_000


class DocxSource:
    """``.docx`` files: one article each, from the document's body."""

    name = "docx"
    suffixes = (".docx",)
    max_bytes = MAX_DOCX_BYTES

    def read(self, article_id: str, raw: bytes, *, path: str = "") -> list[Article]:
        return [read_docx(article_id, raw, path=path)]


def read_docx(article_id: str, raw: bytes, *, path: str = "") -> Article:
    """The article of a Word document, with the metadata its core properties state.

    Raises:
        CorpusError: empty, not a zip, a zip bomb, not a Word document, damaged, or
            holding no text (or too much for one article).
    """
    if not raw.strip():
        raise CorpusError("the file is empty: save the document again or remove the file")
    require_kind(raw, "zip", what="a Word document (.docx)")
    check_zip(raw)
    # Imported here: a corpus without Word files should not pay for python-docx.
    import docx

    try:
        document = docx.Document(io.BytesIO(raw))
        body = _body_text(document)
        metadata = _metadata(document.core_properties)
    # python-docx raises KeyError, ValueError, lxml's XMLSyntaxError... on a damaged file.
    except Exception as error:
        raise CorpusError(
            f"the Word document is damaged and cannot be read ({type(error).__name__}: "
            f"{error}): open it in Word and save it again"
        ) from error
    require_text(body, MAX_TEXT_BYTES, missing="the Word document has no text")
    return finish_article(
        article_id,
        body,
        metadata,
        path=path,
        empty="the Word document's text is only furniture once cleaned",
        # One paragraph is the article, not its headline: it names it and stays.
        title_in_text="\n\n" not in body,
    )


def check_zip(raw: bytes) -> None:
    """Refuse a zip bomb, a damaged zip, or a zip that is no Word document, by its directory.

    The sizes checked are those the directory declares; Python's zipfile never
    inflates an entry past its declared size, so they bound what reading it costs.

    Raises:
        CorpusError: too many entries, too much inflated, a ratio no document has, or
            no ``word/document.xml``.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as error:
        raise CorpusError(
            f"the file is a damaged zip ({error}), so no Word document: save it again"
        ) from error
    if len(entries) > MAX_ENTRIES:
        raise CorpusError(
            f"the zip holds {len(entries):,} entries (a Word document has at most a few "
            f"hundred; {MAX_ENTRIES:,} are allowed): refused as a possible zip bomb"
        )
    inflated = sum(entry.file_size for entry in entries)
    if inflated > MAX_INFLATED_BYTES:
        raise CorpusError(
            f"the zip would inflate to {inflated:,} bytes (at most {MAX_INFLATED_BYTES:,}): "
            "refused as a possible zip bomb"
        )
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > _SMALL_PART and ratio > MAX_RATIO:
            raise CorpusError(
                f"its part {entry.filename!r} would inflate {ratio:,.0f} times (a document's "
                f"parts inflate at most about {MAX_RATIO}): refused as a possible zip bomb"
            )
    if "word/document.xml" not in {entry.filename for entry in entries}:
        raise CorpusError(
            "the file is a zip but no Word document (it has no word/document.xml; an .xlsx, "
            ".pptx or .odt?): save it as .docx"
        )


def _body_text(document: Any) -> str:
    """The body as plain text: a paragraph per paragraph or heading, a table per paragraph."""
    from docx.table import Table

    blocks = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines = [" | ".join(_row_cells(row)) for row in block.rows]
        else:
            lines = block.text.split("\n")
        text = "\n".join(" ".join(line.split()) for line in lines if line.strip())
        if text:
            blocks.append(text)
    return unicodedata.normalize("NFC", "\n\n".join(blocks))


def _row_cells(row: Any) -> list[str]:
    """A table row's cells' text; a merged cell, which python-docx repeats, once."""
    cells, seen = [], set()
    for cell in row.cells:
        if id(cell._tc) in seen:
            continue
        seen.add(id(cell._tc))
        cells.append(" ".join(cell.text.split()))
    return cells


def _metadata(properties: Any) -> dict[str, str]:
    """The article's fields from the core properties; unknown is ''."""
    created = properties.created
    return {
        "title": document_title(" ".join((properties.title or "").split())),
        "outlet": "",
        "published": iso_date(created.isoformat()) if created else "",
        "url": "",
        "author": " ".join((properties.author or "").split()),
    }

"""Word documents (``.docx``): paragraphs, headings and tables, and the core properties.

Each paragraph and heading of the body is a paragraph of the article, in order; a line
break inside one stays a line; a table is a paragraph with a row per line, its cells
between " | " (as html.py writes a page's tables). Headers, footers, comments and text
boxes are left out: they are the document's furniture. The title, author and creation
date come from the core properties (a title that is a file name or "untitled" is none).

A .docx is a zip: its directory is checked first, so a zip bomb that declares itself
(entries that inflate to gigabytes, or hundreds of thousands of entries) is refused
without inflating anything, as is a zip that is no Word document and a file named .docx
that is no zip (an old .doc, an RTF file, a web page). A directory can lie, so only two
parts are then inflated, under a hard cap on the bytes they actually produce
(``zips.py``): ``word/document.xml``, streamed through ``wordxml.body_text``, which stops
once the text passes the article limit, and ``docProps/core.xml``. python-docx reads the
core properties from those bytes; it never opens the zip, which would inflate every part
whole and build the whole document's tree.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import Any

from ..errors import CorpusError
from .article import Article
from .assembly import finish_article, require_text
from .dates import iso_date
from .pdf import document_title
from .sniffing import require_kind
from .wordxml import body_text
from .zips import ZipBudget, open_zip, read_entry, stream_entry

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
# What one part may actually inflate to, whatever the directory says: the XML of a
# document holding a whole article's 1 MB of text, formatted run by run, stays well
# under it; streaming 50 MB of XML costs about 5 s of one core (docs/reliability.md).
MAX_PART_BYTES = 50_000_000
_DOCUMENT = "word/document.xml"
_CORE = "docProps/core.xml"
# The core properties are a dozen short fields: a few kB.
_CORE_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class DocxLimits:
    """What reading one Word document may cost.

    Attributes:
        text_bytes: the most text (UTF-8) the article may hold; reading stops past it.
        part_bytes: the most one part (``word/document.xml``) may inflate to.
        inflated_bytes: the most the parts read may inflate to together.

    Example:
        >>> read_docx("memo", raw, limits=DocxLimits(text_bytes=100_000))  # doctest: +SKIP
    """

    text_bytes: int = MAX_TEXT_BYTES
    part_bytes: int = MAX_PART_BYTES
    inflated_bytes: int = MAX_INFLATED_BYTES


DEFAULT_LIMITS = DocxLimits()


class DocxSource:
    """``.docx`` files: one article each, from the document's body."""

    name = "docx"
    suffixes = (".docx",)
    max_bytes = MAX_DOCX_BYTES

    def read(self, article_id: str, raw: bytes, *, path: str = "") -> list[Article]:
        return [read_docx(article_id, raw, path=path)]


def read_docx(
    article_id: str, raw: bytes, *, path: str = "", limits: DocxLimits = DEFAULT_LIMITS
) -> Article:
    """The article of a Word document, with the metadata its core properties state.

    Raises:
        CorpusError: empty, not a zip, a zip bomb (declared, or found while
            inflating), not a Word document, damaged, or holding no text (or too
            much for one article).
    """
    if not raw.strip():
        raise CorpusError("the file is empty: save the document again or remove the file")
    require_kind(raw, "zip", what="a Word document (.docx)")
    with _checked_zip(raw) as archive:
        budget = ZipBudget(limits.part_bytes, limits.inflated_bytes)
        body = body_text(stream_entry(archive, _DOCUMENT, budget), limit=limits.text_bytes)
        metadata = _metadata(_core_properties(archive, budget))
    require_text(body, limits.text_bytes, missing="the Word document has no text")
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

    The sizes checked are those the directory declares, which refuses an honest bomb
    before anything is inflated; a lying directory is caught while reading, by the
    caps of ``DocxLimits`` on the bytes actually inflated (``zips.py``).

    Raises:
        CorpusError: too many entries, too much inflated, a ratio no document has, or
            no ``word/document.xml``.
    """
    with _checked_zip(raw):
        pass


def _checked_zip(raw: bytes) -> zipfile.ZipFile:
    """The zip, once its directory passed ``check_zip``'s checks (close it when done)."""
    archive = open_zip(raw, what="Word document")
    try:
        _check_entries(archive.infolist())
    except CorpusError:
        archive.close()
        raise
    return archive


def _check_entries(entries: list[zipfile.ZipInfo]) -> None:
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


def _core_properties(archive: zipfile.ZipFile, budget: ZipBudget) -> Any:
    """The core properties, as python-docx reads them, from the capped bytes of their part.

    A document without the part has none: nothing is made up for it.
    """
    # Imported here: a corpus without Word files should not pay for python-docx.
    from docx.opc.coreprops import CoreProperties
    from docx.oxml.coreprops import CT_CoreProperties
    from docx.oxml.parser import parse_xml
    from lxml import etree

    if _CORE not in archive.namelist():
        return CoreProperties(CT_CoreProperties.new())
    xml = read_entry(archive, _CORE, budget, cap=_CORE_BYTES)
    try:
        # python-docx's parser resolves no entities; a DTD is refused all the same.
        element = parse_xml(xml)
    except etree.XMLSyntaxError as error:
        raise CorpusError(
            f"the Word document's properties are damaged (XMLSyntaxError: {error}): "
            "open it in Word and save it again"
        ) from error
    if element.getroottree().docinfo.internalDTD is not None:
        raise CorpusError(
            "the Word document's properties declare a DTD (XML entities), which Word "
            "never writes: refused"
        )
    if not isinstance(element, CT_CoreProperties):
        return CoreProperties(CT_CoreProperties.new())
    return CoreProperties(element)


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

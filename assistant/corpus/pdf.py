"""PDF documents: the text layer and the document's own metadata, read by pypdf.

The text is pypdf's, page by page, in its layout mode (which marks the vertical gaps
between paragraphs with blank lines), and only its whitespace is changed: each line's
spaces are collapsed, the lines of a paragraph are joined with a space, and paragraphs
are separated by a blank line, so every passage is still a slice of what the PDF says.
Two things are taken out: a line that is only a page number ("3", "Page 3 of 5"), and a
hyphen that only breaks a word at a line's end, a soft hyphen always, a hard one
("exam-" + "ple") only where the document spells the joined word ("example") elsewhere
and never hyphenated, so "well-known" and "Nagorno-Karabakh" keep theirs. A paragraph
cut by a page break is joined again when the next page goes on in lower case.

The title, author and creation date come from the document information (a title
that is a file name, "Microsoft Word - draft.docx" or "untitled" is no title); the
date is when the document was made, which for a press release is when it was issued.
A PDF without a text layer (a scan), an encrypted one, and a damaged one are refused
with that reason; so is a file named ``.pdf`` that is something else.

A small PDF can be made to be slow (a thousand pages sharing one content stream of
200,000 text operators took about 26 s a page), and pypdf cannot be stopped inside a
page, so the pages are read in a process of their own, killed after
``PdfLimits.seconds`` (``isolation.py``); the text is counted page by page and reading
stops at the first page that takes it past the article limit.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..errors import CorpusError
from . import pdf_pages
from .article import Article
from .assembly import finish_article, require_text
from .dates import iso_date
from .isolation import run_script
from .sniffing import require_kind

# A press office's PDF with photographs runs to a few MB; the text is held to one
# article's limit below.
MAX_PDF_BYTES = 50_000_000
MAX_TEXT_BYTES = 1_000_000
# More pages than a report has: a book, or a file made to make extraction slow.
MAX_PAGES = 1_000
# A long report's text layer is read in a few seconds; a minute is a file made to be slow.
MAX_SECONDS = 60.0
_PAGE_NUMBER = re.compile(
    r"^(page\s+)?\d{1,4}(\s*(of|/)\s*\d{1,4})?$|^[-–—]\s*\d{1,4}\s*[-–—]$", re.I
)
_SENTENCE_END = re.compile(r"[.!?:;\"'”’)\]]$")
_WORD = re.compile(r"\w+")
# Control characters a damaged font map can give; no text holds them (C1 and the vertical
# tab too: assembly refuses any left, as in a Markdown file). Form feed and CR are spacing.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_HYPHENATED = re.compile(r"\w+-\w+")
_FILE_TITLE = re.compile(
    r"^(untitled|document\d*|microsoft (word|powerpoint) - .*|.*\.(docx?|pdf|odt|rtf|indd|txt))$",
    re.I,
)


@dataclass(frozen=True, slots=True)
class PdfLimits:
    """What reading one PDF may cost.

    Attributes:
        seconds: how long its pages may take to read, in all; the reading process is
            killed then.
        text_bytes: the most text (UTF-8, spaces squeezed) its pages may give; reading
            stops at the page that passes it.

    Example:
        >>> read_pdf("report", raw, limits=PdfLimits(seconds=10))  # doctest: +SKIP
    """

    seconds: float = MAX_SECONDS
    text_bytes: int = MAX_TEXT_BYTES


DEFAULT_LIMITS = PdfLimits()


class PdfSource:
    """``.pdf`` files: one article each, from the text layer."""

    name = "pdf"
    suffixes = (".pdf",)
    max_bytes = MAX_PDF_BYTES

    def read(self, article_id: str, raw: bytes, *, path: str = "") -> list[Article]:
        return [read_pdf(article_id, raw, path=path)]


def read_pdf(
    article_id: str, raw: bytes, *, path: str = "", limits: PdfLimits | None = None
) -> Article:
    """The article of a PDF's text layer, with the metadata the document states.

    Args:
        limits: time and text limits; ``DEFAULT_LIMITS`` (as it is at the call) if None.

    Raises:
        CorpusError: empty, not a PDF, encrypted, damaged, too many pages, no text
            layer, too much text for one article, or too slow to read.
    """
    limits = limits or DEFAULT_LIMITS
    if not raw.strip():
        raise CorpusError("the file is empty: save the PDF again or remove the file")
    require_kind(raw, "pdf", what="a PDF")
    pages, info = _read_layers(raw, limits)
    body = pdf_text(pages)
    if not body.strip():
        raise CorpusError(
            "the PDF has no text layer (a scanned document, or text drawn as images): "
            "run it through OCR, or save the article's text as .txt"
        )
    require_text(body, limits.text_bytes, missing="the PDF has no text")
    return finish_article(
        article_id,
        body,
        info,
        path=path,
        empty="the PDF's text is only furniture once cleaned",
        # One paragraph is the article, not its headline: it names it and stays.
        title_in_text="\n\n" not in body,
    )


def _read_layers(raw: bytes, limits: PdfLimits) -> tuple[list[str], dict[str, str]]:
    """Each page's text and the document's metadata, read apart by ``pdf_pages.py``.

    Raises:
        CorpusError: encrypted, damaged, too many pages, too much text, or too slow.
    """
    pages, fields = run_script(
        pdf_pages.__file__,
        raw,
        [str(limits.text_bytes), str(MAX_PAGES)],
        seconds=limits.seconds,
        what="the PDF",
    )
    return pages, _metadata(fields)


def _metadata(fields: dict[str, str]) -> dict[str, str]:
    """The article's fields from a PDF's document information; unknown is ''."""

    def field(name: str) -> str:
        return " ".join(str(fields.get(name) or "").split())

    return {
        "title": document_title(field("title")),
        "outlet": "",
        "published": iso_date(field("creation_date_raw")),
        "url": "",
        "author": field("author"),
    }


def document_title(title: str) -> str:
    """A document's stated title; '' for a file name or a placeholder, which name no article."""
    return "" if _FILE_TITLE.match(title) else title


def pdf_text(pages: list[str]) -> str:
    """Pages of extracted text as paragraphs: whitespace normalised, page numbers dropped.

    Example:
        >>> pdf_text(["A line that goes\\non here.\\n\\nNext one.\\n  2  "])
        'A line that goes on here.\\n\\nNext one.'
    """
    # NFC as the decoder gives every other source: spans and duplicate checks agree.
    pages = [unicodedata.normalize("NFC", _CONTROL.sub("", page)) for page in pages]
    page_paragraphs = [_paragraphs(page) for page in pages]
    words = {word.casefold() for page in pages for word in _WORD.findall(page)}
    hyphenated = {word.casefold() for page in pages for word in _HYPHENATED.findall(page)}
    paragraphs: list[list[str]] = []
    for found in page_paragraphs:
        if found and paragraphs and _goes_on(paragraphs[-1][-1], found[0][0]):
            paragraphs[-1].extend(found.pop(0))
        paragraphs.extend(found)
    return "\n\n".join(_joined(lines, words, hyphenated) for lines in paragraphs)


def _paragraphs(page: str) -> list[list[str]]:
    """A page's paragraphs, each a list of its lines (spaces collapsed)."""
    lines = [" ".join(line.split()) for line in page.split("\n")]
    lines = [line for line in lines if not _PAGE_NUMBER.match(line)]
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    found = [paragraph for paragraph in paragraphs if paragraph]
    if len(found) == 1 and len(found[0]) > 3:
        # No gap anywhere (plain mode, or a layout without spacing): a short line
        # ending a sentence ends its paragraph.
        return _split_at_short_lines(found[0])
    return found


def _split_at_short_lines(lines: list[str]) -> list[list[str]]:
    width = max(len(line) for line in lines)
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        paragraphs[-1].append(line)
        if len(line) < 0.7 * width and _SENTENCE_END.search(line):
            paragraphs.append([])
    return [paragraph for paragraph in paragraphs if paragraph]


def _goes_on(last_line: str, next_line: str) -> bool:
    """Whether a page's last paragraph continues on the next page."""
    return not _SENTENCE_END.search(last_line) and next_line[:1].islower()


def _joined(lines: list[str], words: set[str], hyphenated: set[str]) -> str:
    """A paragraph's lines as one line; a hyphen breaking a word at a line end is dropped."""
    text = lines[0]
    for line in lines[1:]:
        if text.endswith("\u00ad"):
            text = text[:-1] + line
        elif _breaks_word(text, line, words, hyphenated):
            text = text[:-1] + line
        elif text.endswith("-") and text[-2:-1].isalpha() and line[:1].isalpha():
            text += line  # a hyphenated compound split at the hyphen: "well-" + "known"
        else:
            text += " " + line
    return text


def _breaks_word(text: str, line: str, words: set[str], hyphenated: set[str]) -> bool:
    """Whether "exam-" + "ple" is one word: the document spells it so, never hyphenated."""
    if not (text.endswith("-") and line[:1].islower()):
        return False
    head = re.search(r"(\w+)-$", text)
    tail = _WORD.match(line)
    if head is None or tail is None:
        return False
    joined = (head.group(1) + tail.group()).casefold()
    return joined in words and f"{head.group(1)}-{tail.group()}".casefold() not in hyphenated

"""Saved web pages: the article's main text and metadata, found by trafilatura.

trafilatura tells the article from the page around it (navigation, cookie banners,
share buttons, comments, related-link boxes, scripts) and reads the metadata the
page states (``<meta>`` tags, JSON-LD, the ``<title>``, the canonical link). The
article is stored as plain text, one block of the page (paragraph, heading, list,
table) per paragraph, and then cleaned by the project's own rules as a Markdown
article is, so every passage is a slice of that stored text.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from typing import TYPE_CHECKING, Any

from ..errors import CorpusError
from .article import Article
from .assembly import finish_article
from .decoding import decode
from .sniffing import refuse_binary

if TYPE_CHECKING:
    from lxml.etree import _Element

# A charset declared in the first bytes of the page: <meta charset="...">, or
# <meta http-equiv="Content-Type" content="text/html; charset=...">.
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_UTF8_NAMES = {"utf-8", "utf8"}
# trafilatura falls back to the page's host name when the page names no site;
# a host name is where the page was, not the outlet the page states.
_HOST_NAME = re.compile(r"^[\w-]+(\.[\w-]+)+$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class HtmlSource:
    """``.html`` and ``.htm`` files: one article each, named by the file's stem."""

    name = "html"
    suffixes = (".html", ".htm")

    def read(self, article_id: str, raw: bytes, *, path: str = "") -> list[Article]:
        refuse_binary(raw, what="a web page")
        return [parse_page(article_id, raw, path=path)]


def parse_page(article_id: str, raw: bytes, *, path: str = "") -> Article:
    """Turn the bytes of a saved web page into an Article.

    Raises:
        CorpusError: the page is not decodable text, or trafilatura finds no
            article text in it (a front page, a login wall, an empty shell
            filled in by scripts).
    """
    # Imported here: trafilatura and its lxml tree take about a second to
    # import, which a corpus of Markdown files alone should not pay.
    import trafilatura

    page = decode_page(raw)
    document = trafilatura.bare_extraction(
        page,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        # Precision over recall: a lost paragraph is a smaller harm than a
        # comment or a teaser answering a question as if the article said it.
        favor_precision=True,
        # Dates only from what the page states about itself (meta tags,
        # JSON-LD, <time>, the URL): the extensive search reads any date in
        # the text, such as an event's, which would be a guess.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    body = _body_text(document.body) if document is not None and document.body is not None else ""
    if not body.strip():
        raise CorpusError(
            "no article text was found in the page (a front page, a list of links, or "
            "a page whose text is loaded by scripts?): save the article's own page"
        )
    return finish_article(
        article_id,
        body,
        page_metadata(document),
        path=path,
        empty="the page's main text is only site furniture once cleaned",
    )


def decode_page(raw: bytes) -> str:
    """The page as text, decoded strictly.

    UTF-8 (or UTF-16/32 with a BOM) is read by the project's decoder. A page
    that is not UTF-8 is decoded in the charset it declares, strictly; bytes
    valid as UTF-8 are read as UTF-8 whatever the page declares, because a
    saved page is often re-encoded without its declaration being updated, and
    non-ASCII UTF-8 sequences are almost never meant as Latin-1 text.
    trafilatura's own decoding is not used: it guesses, and then replaces
    what it cannot decode.

    Raises:
        CorpusError: empty, binary, or not decodable in UTF-8 or its declared charset.
    """
    try:
        return decode(raw)
    except CorpusError as error:
        declared = _DECLARED_CHARSET.search(raw[:4096])
        if declared is None:
            raise
        charset = declared.group(1).decode("ascii", "strict").lower()
        if charset in _UTF8_NAMES:
            raise CorpusError(f"{error} (the page declares {charset}, but is not)") from error
        try:
            codecs.lookup(charset)
            text = raw.decode(charset)
        except LookupError:
            raise CorpusError(
                f"the page declares the charset {charset!r}, which is unknown: re-save it as UTF-8"
            ) from error
        except UnicodeDecodeError as wrong:
            raise CorpusError(
                f"the page declares the charset {charset!r} but is not valid {charset} "
                f"(byte {wrong.start}): re-save it as UTF-8"
            ) from wrong
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def page_metadata(document: Any) -> dict[str, str]:
    """The article's fields from what trafilatura read of the page; unknown is ''."""
    outlet = _plain(document.sitename)
    if _HOST_NAME.match(outlet):
        outlet = ""
    published = _plain(document.date)
    # htmldate returns ISO dates; anything else would be a format it guessed.
    if not _ISO_DATE.match(published):
        published = ""
    return {
        "title": _plain(document.title),
        "outlet": outlet,
        "published": published,
        "url": _plain(document.url),
        "author": _plain(document.author).replace("; ", ", "),
    }


def _plain(value: str | None) -> str:
    return " ".join((value or "").split())


def _body_text(body: _Element) -> str:
    """trafilatura's main-text tree as plain text: a paragraph per block.

    A list is one paragraph with an item per line, a table one with a row per
    line (cells between " | "); a line break inside a paragraph stays one.
    """
    blocks = []
    for block in body:
        if block.tag == "list":
            lines = [_inline(item) for item in block.findall("item")]
        elif block.tag == "table":
            lines = [" | ".join(_inline(cell) for cell in row) for row in block.findall("row")]
        else:
            lines = _inline(block).split("\n")
        text = "\n".join(" ".join(line.split()) for line in lines if line.strip())
        if text:
            blocks.append(text)
    return "\n\n".join(blocks)


def _inline(element: _Element) -> str:
    """An element's text, with ``<lb/>`` as a line end and other whitespace as found."""
    parts = [element.text or ""]
    for child in element:
        parts.append("\n" if child.tag == "lb" else _inline(child))
        parts.append(child.tail or "")
    return "".join(parts)

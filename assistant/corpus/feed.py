"""News feeds: ``.rss``, ``.atom`` and ``.xml`` files, one article per entry, by feedparser.

An entry with text (its ``content``, else its ``summary``) becomes an article: its
title, its link as the url, its author, the feed's title as the outlet, and its
published date as an ISO date (UTC, from feedparser's parsed time; a date feedparser
cannot read, such as "3 October 2020", is read by ``dates.iso_date``); a feed that
states no published date for an entry leaves it empty (the ``updated`` date is when
the entry last changed, not when it was published, so it is not used). HTML in an
entry is reduced to plain text, one block (paragraph, heading, list item) per
paragraph, and cleaned by the project's rules as a Markdown article is.

Entries are numbered from 1 in feed order; an entry's article id is
``<file stem>-<number>``. An entry without text, with too much, or repeating another
entry's text is skipped with a logged warning. A file that is not a feed, a feed
with no entries, one in which no entry holds text, and any file that declares XML
entities (``<!ENTITY``: the billion-laughs and external-entity attacks; a news
feed never needs them) are CorpusErrors.

``add --fetch-linked`` fetches the page each entry links to (``feed_links`` lists
them, with what the feed states of each); the loader then passes the links whose page
is in the corpus as ``skip_links``, and those entries are no articles of the feed, so
the corpus does not hold an entry's summary beside its page.
"""

from __future__ import annotations

import calendar
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CorpusError
from .article import Article
from .assembly import collect, finish_article, require_text, summary
from .dates import iso_date
from .decoding import decode, refuse_controls
from .sniffing import refuse_binary

logger = logging.getLogger(__name__)

# A feed of a few thousand entries with full text; feedparser holds the whole
# document and its parse in memory, so far below an archive's 200 MB.
MAX_FEED_BYTES = 50_000_000
# One entry is one article, held to the loader's limit for an article file.
MAX_ENTRY_TEXT_BYTES = 1_000_000
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']""")
# Elements whose end is a paragraph's end in an entry's HTML.
_BLOCKS = frozenset(
    "p div li h1 h2 h3 h4 h5 h6 blockquote pre tr table ul ol dl dt dd section article "
    "figure figcaption header footer aside".split()
)
_DROPPED = frozenset({"script", "style", "noscript", "template"})


class FeedSource:
    """``.rss``, ``.atom`` and ``.xml`` files: one article per entry with text."""

    name = "feed"
    suffixes = (".rss", ".atom", ".xml")
    max_bytes = MAX_FEED_BYTES

    def read(
        self,
        article_id: str,
        raw: bytes,
        *,
        path: str = "",
        skip_links: frozenset[str] = frozenset(),
    ) -> list[Article]:
        return read_feed(article_id, raw, path=path, skip_links=skip_links)


@dataclass(frozen=True, slots=True)
class EntryLink:
    """A feed entry's link, and what the feed states about the entry.

    Attributes:
        link: the entry's link, as the feed source gives it as the article's url.
        metadata: the entry's title, outlet (the feed's title), published date and
            author, '' where the feed states none.
        has_text: whether the entry is an article of its own (content or summary).
    """

    link: str
    metadata: dict[str, str]
    has_text: bool


def read_feed(
    stem: str, raw: bytes, *, path: str = "", skip_links: frozenset[str] = frozenset()
) -> list[Article]:
    """The articles of a feed's entries; entries without text are skipped with a warning.

    Args:
        stem: the file's name without its suffix; entry N's id is ``<stem>-N``.
        raw: the file's bytes.
        path: the file's path, for messages and the articles' ``path``.
        skip_links: links of entries that are no articles here, as their page is
            in the corpus (``add --fetch-linked``); a feed all of whose entries
            with text are skipped so gives no articles, and no error.

    Raises:
        CorpusError: not decodable, declares XML entities, not a feed, no
            entries, or no entry holds text.
    """
    name = Path(path).name or stem
    document = _parse(raw)
    outlet = _plain(document.feed.get("title", ""))
    numbered = enumerate(document.entries, start=1)
    entries = [(n, entry) for n, entry in numbered if _plain(entry.get("link")) not in skip_links]
    replaced = len(document.entries) - len(entries)
    if replaced:
        logger.info("%s: %d entries are read from their fetched pages instead", name, replaced)
    articles: list[Article] = []
    problems: list[str] = []
    collect(
        entries,
        lambda number, entry: _entry_article(f"{stem}-{number}", entry, outlet=outlet, path=path),
        what="entry",
        name=name,
        articles=articles,
        problems=problems,
    )
    if not articles and not replaced:
        raise CorpusError(f"no entry of the feed holds article text ({summary(problems)})")
    return articles


def feed_links(raw: bytes) -> list[EntryLink]:
    """The links of a feed's entries that have one, in feed order, with their metadata.

    Raises:
        CorpusError: not decodable, declares XML entities, not a feed, or no entries.
    """
    document = _parse(raw)
    outlet = _plain(document.feed.get("title", ""))
    links = []
    for entry in document.entries:
        metadata = _entry_metadata(entry, outlet)
        link = metadata.pop("url")
        if link:
            links.append(EntryLink(link, metadata, bool(_entry_text(entry).strip())))
    return links


def _parse(raw: bytes) -> Any:
    """feedparser's reading of a feed that has entries.

    Raises:
        CorpusError: empty, binary, not decodable, declares XML entities, not a
            feed, or no entries.
    """
    # Imported here, as trafilatura is in html.py: a corpus without feeds
    # should not pay for the import.
    import feedparser

    if not raw.strip():
        raise CorpusError("the file is empty: save the feed again or remove the file")
    refuse_binary(raw, what="a feed")
    # Bytes, never a str: feedparser.parse reads a str as a URL or a file name
    # and would fetch or open it. The bytes are UTF-8 with the declaration's
    # encoding removed, so that feedparser cannot decode them another way.
    utf8 = _as_utf8(raw)
    # Checked on the decoded text: in UTF-16 or UTF-32 the raw bytes never spell
    # "<!ENTITY". feedparser drops such declarations itself (checked in the tests),
    # but refusing them here does not depend on how a future version parses.
    if refuses_entities(utf8):
        raise CorpusError(
            "the feed declares XML entities (<!ENTITY ...>), which are refused: they can "
            "expand to gigabytes or read local files, and a news feed has no need of them"
        )
    document = feedparser.parse(utf8, sanitize_html=True, resolve_relative_uris=True)
    if not document.get("version"):
        problem = document.get("bozo_exception")
        detail = f" ({problem})" if problem else ""
        raise CorpusError(f"it is not an RSS or Atom feed{detail}: save the feed's own XML")
    if not document.entries:
        raise CorpusError("the feed has no entries: save it again when it lists articles")
    return document


def refuses_entities(utf8: bytes) -> bool:
    """Whether decoded XML (as UTF-8) declares an entity: ``<!ENTITY``, in any case."""
    return _ENTITY_DECLARATION.search(utf8) is not None


def _as_utf8(raw: bytes) -> bytes:
    """The feed as UTF-8 bytes without an encoding declaration, decoded strictly.

    UTF-8 (or UTF-16/32 with a BOM) is read by the project's decoder; a feed
    that is not UTF-8 is decoded strictly in the encoding its XML declaration
    names, as ``html.decode_page`` does for a page's declared charset.

    Raises:
        CorpusError: not decodable in UTF-8 or its declared encoding.
    """
    try:
        text = decode(raw)
    except CorpusError as error:
        declared = _DECLARED_ENCODING.match(raw)
        if declared is None:
            raise
        encoding = declared.group(1).decode("ascii", "strict").lower()
        try:
            text = raw.decode(encoding)
        except LookupError:
            raise CorpusError(
                f"the feed declares the encoding {encoding!r}, which is unknown: "
                "re-save it as UTF-8"
            ) from error
        except UnicodeDecodeError as wrong:
            raise CorpusError(
                f"the feed declares the encoding {encoding!r} but is not valid {encoding} "
                f"(byte {wrong.start}): re-save it as UTF-8"
            ) from wrong
    return _XML_DECLARATION.sub('<?xml version="1.0" encoding="utf-8"?>', text, count=1).encode()


def _entry_article(article_id: str, entry: Any, *, outlet: str, path: str) -> Article:
    """One feed entry as an Article.

    Raises:
        CorpusError: the entry has no text, or too much.
    """
    body = _entry_text(entry)
    require_text(body, MAX_ENTRY_TEXT_BYTES, missing="it has no text (neither content nor summary)")
    return finish_article(
        article_id,
        body,
        _entry_metadata(entry, outlet),
        path=path,
        empty="it holds no article text once cleaned",
        title_in_text=True,
    )


def _entry_metadata(entry: Any, outlet: str) -> dict[str, str]:
    """What the feed states of an entry: title, outlet, published date, url, author."""
    return {
        "title": _plain(_detail_text(entry.get("title_detail"), entry.get("title", ""))),
        "outlet": outlet,
        "published": _iso_date(entry.get("published_parsed")) or iso_date(entry.get("published")),
        "url": _plain(entry.get("link", "")),
        "author": _plain(entry.get("author", "")),
    }


def _entry_text(entry: Any) -> str:
    """The entry's longest content, else its summary, as plain text."""
    contents = [item for item in entry.get("content", []) if str(item.get("value", "")).strip()]
    if contents:
        texts = [_detail_text(item, item.get("value", "")) for item in contents]
        return max(texts, key=len)
    return _detail_text(entry.get("summary_detail"), entry.get("summary", ""))


def _detail_text(detail: Any, value: str) -> str:
    """A feed text construct as plain text: HTML is reduced to its paragraphs."""
    kind = str((detail or {}).get("type", "text/html"))
    if "html" in kind:
        return html_text(value)
    return "\n\n".join(
        " ".join(part.split()) for part in re.split(r"\n\s*\n", value) if part.strip()
    )


def html_text(fragment: str) -> str:
    """An HTML fragment as plain text: a paragraph per block, a line per ``<br>``.

    lxml reads the fragment as html.py's trafilatura does, but whole: an entry
    holds only the article, so there is no page furniture to tell apart.
    """
    if not fragment.strip():
        return ""
    # lxml refuses them with a ValueError; the entry is refused as a file holding one is.
    refuse_controls(fragment)
    import lxml.html

    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    parts: list[str] = []
    _walk(root, parts)
    text = "".join(parts)
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        lines = [" ".join(line.split()) for line in block.split("\n")]
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


def _walk(element: Any, parts: list[str]) -> None:
    """Append an element's text to parts: blank lines around blocks, newlines for <br>."""
    if not isinstance(element.tag, str):
        # A comment or a processing instruction: not text (its tail is the parent's).
        return
    tag = element.tag
    if tag in _DROPPED:
        return
    if tag in _BLOCKS:
        parts.append("\n\n")
    if tag == "br":
        parts.append("\n")
    # Whitespace inside a block is one space: a feed's line breaks are source layout.
    parts.append((element.text or "").replace("\n", " "))
    for child in element:
        _walk(child, parts)
        parts.append((child.tail or "").replace("\n", " "))
    if tag in _BLOCKS:
        parts.append("\n\n")


def _iso_date(parsed: time.struct_time | None) -> str:
    """feedparser's parsed UTC time as YYYY-MM-DD; '' when the feed states none."""
    if not parsed:
        return ""
    # Through a timestamp, so a malformed tuple fails here rather than printing nonsense.
    seconds = calendar.timegm(parsed)
    return time.strftime("%Y-%m-%d", time.gmtime(seconds))


def _plain(value: str | None) -> str:
    return " ".join((value or "").split())

"""Fetch records: where a corpus file fetched from a link came from, kept beside it.

A page fetched by ``add URL`` is saved as the bytes the server sent, so that it can be
read again by a better extractor; where it came from cannot go into those bytes. It goes
into ``<file>.fetched.json`` beside the copy (``story.html`` and
``story.html.fetched.json``)::

    {"url": "https://news.example/a", "final_url": "https://news.example/a/",
     "redirects": ["https://news.example/a/"], "content_type": "text/html",
     "fetched_at": "2026-01-31T09:12:03Z"}

The loader reads a record with its file: an article of the file that states no URL (no
canonical link, no feed entry link) gets the ``final_url``, and its provenance says so.
The record's bytes are part of the corpus fingerprint. A record is never listed as a file
of its own; one whose file is gone, or that cannot be read, is skipped with its reason
(the article, if any, is still indexed, without the URL).

A page fetched from a feed entry's link (``add FEED --fetch-linked``) has a record with
a ``feed_entry`` too: the corpus file of the feed ('' when the feed is not in the
corpus) and what the feed states of the entry, which fills the fields the page leaves
empty::

    "feed_entry": {"feed": "news.rss", "title": "...", "outlet": "Valley Courier",
                   "published": "2021-07-02", "author": ""}

and the feed's entry with that link (the record's ``url``) is then no article of the
feed (``replaced_links``), so that the corpus holds the page and not also its summary.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from ..errors import CorpusError
from .article import Article
from .assembly import FIELD_NAMES

RECORD_SUFFIX = ".fetched.json"
# A record holds a few URLs; anything bigger is not one.
MAX_RECORD_BYTES = 64_000
FETCHED_URL = "url from the link it was fetched from"
FEED_ENTRY = "feed_entry"
ENTRY_FIELDS = ("title", "outlet", "published", "author")


def record_path(path: Path) -> Path:
    """Where the record of a corpus file is (it may not exist)."""
    return path.with_name(path.name + RECORD_SUFFIX)


def recorded_file(path: Path) -> Path | None:
    """The corpus file a record belongs to; None when ``path`` is no record."""
    if not path.name.endswith(RECORD_SUFFIX) or path.name == RECORD_SUFFIX:
        return None
    return path.with_name(path.name[: -len(RECORD_SUFFIX)])


def record_bytes(
    url: str,
    final_url: str,
    redirects: tuple[str, ...],
    content_type: str,
    *,
    feed_entry: dict[str, str] | None = None,
) -> bytes:
    """A record of one fetch, as written beside the saved body.

    Args:
        feed_entry: for the page of a feed entry's link, the feed's corpus file
            (``feed``) and what it states of the entry (``ENTRY_FIELDS``).
    """
    fetched_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    record: dict = {
        "url": url,
        "final_url": final_url,
        "redirects": list(redirects),
        "content_type": content_type,
        "fetched_at": fetched_at,
    }
    if feed_entry is not None:
        record[FEED_ENTRY] = feed_entry
    return (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode()


def parse_record(raw: bytes) -> dict[str, str]:
    """A record's fields, checked.

    Raises:
        CorpusError: not a JSON object, or no http(s) ``final_url``.
    """
    if len(raw) > MAX_RECORD_BYTES:
        raise CorpusError(f"the fetch record is too big ({len(raw):,} bytes): it is not one")
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CorpusError(f"the fetch record is not JSON ({error}): remove it") from error
    final = record.get("final_url") if isinstance(record, dict) else None
    if not isinstance(final, str) or not final.startswith(("http://", "https://")):
        raise CorpusError("the fetch record has no http(s) final_url: remove it")
    entry = record.get(FEED_ENTRY)
    if entry is not None and not (
        isinstance(entry, dict)
        and isinstance(record.get("url"), str)
        and all(isinstance(entry.get(name, ""), str) for name in ("feed", *ENTRY_FIELDS))
    ):
        raise CorpusError(f"the fetch record's {FEED_ENTRY} is not an object of texts: remove it")
    return record


def with_record(articles: list[Article], record: dict) -> list[Article]:
    """The articles, those without a URL given the link they were fetched from.

    The page of a feed entry's link also gets what the feed states of the entry
    where the page states nothing.
    """
    entry = record.get(FEED_ENTRY) or {}
    filled = []
    for article in articles:
        changes, origins = {}, []
        if not article.url:
            changes["url"] = record["final_url"]
            origins.append(FETCHED_URL)
        from_feed = [
            name for name in ENTRY_FIELDS if entry.get(name) and not getattr(article, name)
        ]
        if from_feed:
            changes.update((name, entry[name]) for name in from_feed)
            labels = [FIELD_NAMES.get(name, name) for name in from_feed]
            listed = ", ".join(labels[:-1]) + " and " if len(labels) > 1 else ""
            origins.append(f"{listed}{labels[-1]} from the feed's entry")
        if changes:
            provenance = "; ".join(part for part in (article.provenance, *origins) if part)
            article = dataclasses.replace(article, provenance=provenance, **changes)
        filled.append(article)
    return filled


def replaced_links(
    files: Iterable[Path], read: Callable[[Path], bytes]
) -> dict[str, frozenset[str]]:
    """The links of each feed's entries whose page is in the corpus, by feed file name.

    Args:
        files: the corpus folder's entries; the records among them are read.
        read: reads one record's bytes (the loader's checks).

    A record that cannot be read gives nothing here: the loader reports it with its file.
    """
    links: dict[str, set[str]] = {}
    for path in files:
        owner = recorded_file(path)
        if owner is None or not owner.is_file():
            continue
        try:
            record = parse_record(read(path))
        except CorpusError:
            continue
        feed = (record.get(FEED_ENTRY) or {}).get("feed")
        if feed:
            links.setdefault(feed, set()).add(record["url"])
    return {feed: frozenset(found) for feed, found in links.items()}

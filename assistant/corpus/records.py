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
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

from ..errors import CorpusError
from .article import Article

RECORD_SUFFIX = ".fetched.json"
# A record holds a few URLs; anything bigger is not one.
MAX_RECORD_BYTES = 64_000
FETCHED_URL = "url from the link it was fetched from"


def record_path(path: Path) -> Path:
    """Where the record of a corpus file is (it may not exist)."""
    return path.with_name(path.name + RECORD_SUFFIX)


def recorded_file(path: Path) -> Path | None:
    """The corpus file a record belongs to; None when ``path`` is no record."""
    if not path.name.endswith(RECORD_SUFFIX) or path.name == RECORD_SUFFIX:
        return None
    return path.with_name(path.name[: -len(RECORD_SUFFIX)])


def record_bytes(url: str, final_url: str, redirects: tuple[str, ...], content_type: str) -> bytes:
    """A record of one fetch, as written beside the saved body."""
    fetched_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    record = {
        "url": url,
        "final_url": final_url,
        "redirects": list(redirects),
        "content_type": content_type,
        "fetched_at": fetched_at,
    }
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
    return record


def with_record(articles: list[Article], record: dict[str, str]) -> list[Article]:
    """The articles, those without a URL given the link they were fetched from."""
    filled = []
    for article in articles:
        if not article.url:
            provenance = "; ".join(part for part in (article.provenance, FETCHED_URL) if part)
            article = dataclasses.replace(article, url=record["final_url"], provenance=provenance)
        filled.append(article)
    return filled

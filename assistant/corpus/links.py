"""Add links and files alike: each link fetched (``fetching.py``) and saved as a corpus file.

A fetched body is saved as the bytes the server sent (decompressed), under a safe
name made from the link (``news.example-lake-sevan.html``) with the suffix its
content type or first tag gives, so the HTML or the feed source reads it as it reads
a saved file; its fetch record (``records.py``) is written beside it, so an article
that states no URL gets the link it came from. Files go through ``adding.py`` as
before; both share one view of the corpus, so a link and a file holding the same
article are not both added.

With ``fetch_linked``, each feed given (a file or a link) has the page of each of its
entries' links fetched and added as well, its record naming the feed and what the
feed states of the entry (``records.py``): the page's article takes the entry's place
in the corpus. A link that cannot be fetched, or whose page is refused, is skipped
with its reason, and the feed's entry stays the article.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path, PurePosixPath

import httpx

from ..errors import CorpusError
from .adding import Addition, Known, add_bytes, add_files
from .feed import MAX_FEED_BYTES, EntryLink, feed_links
from .fetching import DEFAULT_LIMITS, FetchLimits, fetch
from .loading import read_article_file
from .records import record_bytes

# "scheme://": what is a link rather than a path (an ftp:// or file:// one is then
# refused by the fetcher with its reason, not looked for as a file).
_LINK = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_NAME_LIMIT = 80


def is_link(given: str | Path) -> bool:
    """Whether an argument of ``add`` is a link (``scheme://...``) rather than a path."""
    return isinstance(given, str) and _LINK.match(given) is not None


def read_link_list(path: str | Path) -> list[str]:
    """The links of a file, one a line; blank lines and lines starting with ``#`` are skipped.

    Raises:
        CorpusError: the file cannot be read as UTF-8 text.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise CorpusError(f"the list of links {str(path)!r} cannot be read ({reason})") from error
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def add_sources(
    given: list[str | Path],
    corpus_dir: str | Path,
    *,
    allow_private: bool = False,
    limits: FetchLimits = DEFAULT_LIMITS,
    columns: dict[str, str] | None = None,
    fetch_linked: bool = False,
) -> list[Addition]:
    """Add files, folders and links to the corpus folder, in the order given.

    Args:
        given: paths (a folder stands for its files) and ``http(s)://`` links.
        corpus_dir: the corpus folder.
        allow_private: let links reach loopback and private addresses.
        limits: the fetcher's timeouts and limits.
        columns: the column mapping of the archive files given (``adding.add_files``).
        fetch_linked: for each feed given, also fetch the page each entry links
            to and add it in the entry's place (``add_linked_pages``).

    Returns:
        One Addition per file and per link, each feed's followed by one per entry
        link when ``fetch_linked``; a link that cannot be fetched is ``skipped``
        with the fetcher's reason.

    Raises:
        CorpusError: the corpus folder does not exist.

    Example:
        >>> add_sources(["https://news.example/a.html", "saved/"], "corpus")  # doctest: +SKIP
    """
    if not fetch_linked and not any(is_link(item) for item in given):
        return add_files(given, corpus_dir, columns=columns)
    folder = Path(corpus_dir)
    known = Known.of(folder)
    results = []
    for item in given:
        if is_link(item):
            addition, body = _fetch_and_add(str(item), folder, known, allow_private, limits)
            batch = [(addition, body)]
        else:
            batch = [(a, None) for a in add_files([item], folder, known=known, columns=columns)]
        for addition, body in batch:
            results.append(addition)
            if fetch_linked and addition.format == "feed":
                raw = body if body is not None else _given_bytes(addition.source)
                results += add_linked_pages(addition, raw, folder, known, allow_private, limits)
    return results


def add_link(
    url: str, folder: Path, known: Known, allow_private: bool, limits: FetchLimits
) -> Addition:
    """Fetch one link and add what it gave, with its fetch record."""
    return _fetch_and_add(url, folder, known, allow_private, limits)[0]


def add_linked_pages(
    feed: Addition,
    raw: bytes,
    folder: Path,
    known: Known,
    allow_private: bool,
    limits: FetchLimits,
) -> list[Addition]:
    """Fetch and add the page of each entry link of a feed given to ``add``.

    Args:
        feed: what became of the feed; the entries whose page is added leave its
            ``articles``, as they leave the feed's articles when the loader reads it.
        raw: the feed's bytes; a feed that cannot be read gives nothing (its
            Addition says why).

    Returns:
        One Addition per entry with a link, in feed order.
    """
    try:
        entries = feed_links(raw)
    except CorpusError:
        return []
    # The feed's name in the corpus, for the records; '' when it was not added.
    feed_name = known.by_digest.get(hashlib.sha256(raw).hexdigest(), "")
    results = [
        _add_entry_page(entry, feed_name, folder, known, allow_private, limits) for entry in entries
    ]
    replaced = {result.source for result in results if result.status == "added"}
    feed.articles = [article for article in feed.articles if article.url not in replaced]
    return results


def _add_entry_page(
    entry: EntryLink,
    feed_name: str,
    folder: Path,
    known: Known,
    allow_private: bool,
    limits: FetchLimits,
) -> Addition:
    """The page of one entry link, added with the entry's metadata in its record."""
    feed_entry = {"feed": feed_name, **entry.metadata}
    addition, _ = _fetch_and_add(
        entry.link, folder, known, allow_private, limits, feed_entry=feed_entry
    )
    if addition.status == "skipped" and entry.has_text:
        addition.reason += "; the feed's entry stays the article"
    return addition


def _fetch_and_add(
    url: str,
    folder: Path,
    known: Known,
    allow_private: bool,
    limits: FetchLimits,
    *,
    feed_entry: dict[str, str] | None = None,
) -> tuple[Addition, bytes | None]:
    """Fetch one link and add what it gave; also the body, None when the fetch failed.

    With ``feed_entry`` (a feed entry's link) only a web page is added.
    """
    try:
        page = fetch(url, limits=limits, allow_private=allow_private)
    except CorpusError as error:
        return Addition(url, "skipped", reason=f"cannot fetch it: {error}"), None
    if feed_entry is not None and page.suffix != ".html":
        reason = f"it is a feed ({page.content_type or page.suffix}), not the entry's page"
        return Addition(url, "skipped", reason=reason), page.body
    record = record_bytes(
        page.url, page.final_url, page.redirects, page.content_type, feed_entry=feed_entry
    )
    name = Path(link_name(page.final_url) + page.suffix)
    return add_bytes(url, page.body, name, folder, known, record=record), page.body


def _given_bytes(path: str) -> bytes:
    """The bytes of a feed file given to ``add``; b'' when it cannot be read."""
    resolved = Path(os.path.realpath(path))
    try:
        return read_article_file(resolved, resolved.parent, limit=MAX_FEED_BYTES)
    except CorpusError:
        return b""


def link_name(url: str) -> str:
    """A file stem for a fetched link: its host and the last part of its path.

    ``https://www.news.example/2021/02/lake-sevan.html`` gives
    ``www.news.example-lake-sevan``; ``unique_name`` then makes it safe and free.
    """
    parsed = httpx.URL(url)
    last = next((part for part in reversed(parsed.path.split("/")) if part), "")
    stem = PurePosixPath(last).stem if last else ""
    name = f"{parsed.host}-{stem}" if stem else parsed.host
    return name[:_NAME_LIMIT]

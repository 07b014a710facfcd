"""Add links and files alike: each link fetched (``fetching.py``) and saved as a corpus file.

A fetched body is saved as the bytes the server sent (decompressed), under a safe
name made from the link (``news.example-lake-sevan.html``) with the suffix its
content type or first tag gives, so the HTML or the feed source reads it as it reads
a saved file; its fetch record (``records.py``) is written beside it, so an article
that states no URL gets the link it came from. Files go through ``adding.py`` as
before; both share one view of the corpus, so a link and a file holding the same
article are not both added.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import httpx

from ..errors import CorpusError
from .adding import Addition, Known, add_bytes, add_files
from .fetching import DEFAULT_LIMITS, FetchLimits, fetch
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
) -> list[Addition]:
    """Add files, folders and links to the corpus folder, in the order given.

    Args:
        given: paths (a folder stands for its files) and ``http(s)://`` links.
        corpus_dir: the corpus folder.
        allow_private: let links reach loopback and private addresses.
        limits: the fetcher's timeouts and limits.
        columns: the column mapping of the archive files given (``adding.add_files``).

    Returns:
        One Addition per file and per link; a link that cannot be fetched is
        ``skipped`` with the fetcher's reason.

    Raises:
        CorpusError: the corpus folder does not exist.

    Example:
        >>> add_sources(["https://news.example/a.html", "saved/"], "corpus")  # doctest: +SKIP
    """
    if not any(is_link(item) for item in given):
        return add_files(given, corpus_dir, columns=columns)
    folder = Path(corpus_dir)
    known = Known.of(folder)
    results = []
    for item in given:
        if is_link(item):
            results.append(add_link(str(item), folder, known, allow_private, limits))
        else:
            results.extend(add_files([item], folder, known=known, columns=columns))
    return results


def add_link(
    url: str, folder: Path, known: Known, allow_private: bool, limits: FetchLimits
) -> Addition:
    """Fetch one link and add what it gave, with its fetch record."""
    try:
        page = fetch(url, limits=limits, allow_private=allow_private)
    except CorpusError as error:
        return Addition(url, "skipped", reason=f"cannot fetch it: {error}")
    record = record_bytes(page.url, page.final_url, page.redirects, page.content_type)
    name = Path(link_name(page.final_url) + page.suffix)
    return add_bytes(url, page.body, name, folder, known, record=record)


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

"""Pasted links in the "Add articles" panel: what the panel asks of a link fetcher.

The panel shows its links box only when the operator started the app with
``--allow-fetch``, and then hands the links to one function, a ``LinkAdder``.
Fetching itself (HTTP limits, redirects, refusing loopback and private
addresses) is the fetcher's job; the panel only reads the box: one link a line,
http(s) only, at most ``MAX_LINKS``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from ..corpus.adding import Addition
from ..corpus.links import add_sources

MAX_LINKS = 20
MAX_LINK_CHARS = 2000
NO_FETCHER = (
    "Links cannot be added yet: this version of the assistant has no page fetcher. "
    "Save the pages (File \u2192 Save as\u2026 in the browser) and upload them instead."
)

# What ``corpus.addresses`` adds to its refusal of a private address, and what the web says.
CLI_PRIVATE_HINT = " (allow them with --allow-private-addresses)"
WEB_PRIVATE_NOTE = "; this server never fetches them: save the page and upload it instead"


class LinkAdder(Protocol):
    """Fetch pages and copy each into the corpus folder, as ``add_files`` copies a file.

    The one function the panel calls for links. It returns one ``Addition`` per
    link, in order, with ``source`` the link as given: ``added`` with ``copy``
    the file written in ``corpus_dir`` and its ``articles``, ``present``, or
    ``skipped`` with the reason (a timeout, a page too big, an address it may not
    fetch). It raises nothing for one bad link, never overwrites a corpus file
    and does not index: the panel updates the index once for the whole batch.
    """

    def __call__(self, urls: Sequence[str], corpus_dir: Path) -> list[Addition]: ...


def fetch_links(urls: Sequence[str], corpus_dir: Path) -> list[Addition]:
    """The web's ``LinkAdder``: ``corpus.links.add_sources``, never to a private address.

    A server fetching what its users paste must not be a way into the network it
    sits in (SSRF), so loopback, private, link-local and reserved addresses are
    refused at every redirect, whatever the operator allowed on the CLI.
    """
    additions = add_sources(list(urls), corpus_dir, allow_private=False)
    for addition in additions:
        # The fetcher's refusal names the CLI's way round it, which no web user has.
        addition.reason = addition.reason.replace(CLI_PRIVATE_HINT, WEB_PRIVATE_NOTE)
    return additions


def parse_links(text: str | None, *, limit: int = MAX_LINKS) -> tuple[list[str], list[Addition]]:
    """The links of the box, and an Addition ``skipped`` for each line that is not one.

    Blank lines are ignored and a link given twice is taken once.

    Raises:
        ValueError: more than ``limit`` links.
    """
    links: list[str] = []
    refused: list[Addition] = []
    for line in (text or "").splitlines():
        link = line.strip()
        if not link or link in links:
            continue
        if problem := _link_problem(link):
            refused.append(Addition(link[:200], "skipped", reason=problem))
        else:
            links.append(link)
    if len(links) > limit:
        raise ValueError(f"{len(links)} links given: add at most {limit} at a time")
    return links, refused


def _link_problem(link: str) -> str | None:
    if len(link) > MAX_LINK_CHARS:
        return f"the link is longer than {MAX_LINK_CHARS} characters"
    try:
        parts = urlsplit(link)
    except ValueError:
        return "it is not a link"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "only http:// and https:// links are fetched"
    if parts.username or parts.password:
        return "a link with a user name or password is not fetched"
    return None

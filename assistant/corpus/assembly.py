"""What every source does with what it read: the checks, the Article, the many-article files.

A source reads its format (``markdown.py``, ``html.py``, ``archive.py``, ``feed.py``) and
hands a body and its metadata here, so that every format is checked, cleaned, titled and
filled by the same rules; a file of many articles (an archive, a feed) collects them with
``collect``, which skips a bad one with its reason and keeps the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from ..errors import CorpusError
from .article import Article
from .cleaning import HeaderFacts, clean_article, header_line_facts, plain_line
from .decoding import refuse_controls, without_controls

logger = logging.getLogger(__name__)
T = TypeVar("T")


def require_text(body: str, limit: int, *, missing: str) -> None:
    """Refuse a body with no text (``missing`` says why) or over ``limit`` bytes.

    Raises:
        CorpusError: the body is blank or too big for one article.
    """
    if not body.strip():
        raise CorpusError(missing)
    size = len(body.encode())
    if size > limit:
        raise CorpusError(
            f"its text is too big for one article ({size:,} bytes, the limit is {limit:,})"
        )


def collect(
    items: Iterable[tuple[int, T]],
    build: Callable[[int, T], Article],
    *,
    what: str,
    name: str,
    articles: list[Article],
    problems: list[str],
) -> None:
    """Build an article from each numbered item; a bad or repeated one is skipped with its reason.

    Args:
        items: (number, item) pairs, numbered from 1 as the user counts them.
        build: makes the Article of one item, raising CorpusError for a bad one.
        what: what an item is called in messages ("row", "entry").
        name: the file's name, for the log.
        articles: where the articles go, in order (filled as items are read, so a
            caller that stops on an error knows how far it got).
        problems: where "row 3: it has no text" goes for each item skipped.
    """
    ids: set[str] = set()
    texts: set[str] = set()
    for number, item in items:
        try:
            article = build(number, item)
            if article.id in ids:
                raise CorpusError(f"another {what} has the id {article.id!r}")
            if article.text in texts:
                raise CorpusError(f"another {what} has the same text")
        except CorpusError as error:
            problems.append(f"{what} {number}: {error}")
            logger.warning("%s, %s %d skipped: %s", name, what, number, error)
            continue
        ids.add(article.id)
        texts.add(article.text)
        articles.append(article)


def summary(problems: list[str]) -> str:
    """The first three problems, for a file none of whose items held an article."""
    return "; ".join(problems[:3]) + ("; ..." if len(problems) > 3 else "")


def finish_article(
    article_id: str,
    body: str,
    metadata: dict[str, str],
    *,
    path: str,
    empty: str,
    title_in_text: bool = False,
) -> Article:
    """An Article from a source's body and metadata: titled, cleaned, its empty fields filled.

    Every source ends here, so that each format's body is cleaned by the same rules and
    its header lines fill the fields its metadata leaves empty the same way.

    Args:
        title_in_text: without a title, the first line names the article but stays in
            its text (an archive row's or a feed entry's text is all body: taken as the
            headline, a one-paragraph article would lose its only paragraph). Otherwise
            the first line is the headline, which cleaning takes out of the body.

    The body is held to the rule for a Markdown file's text: no control character but
    tab, line feed and form feed (line ends become ``\n``). An archive row, a feed entry
    or a page holding one is refused with where it is, as such a file is; the fields
    (one line each, never quoted) lose theirs. Nothing stored can then send an escape
    sequence to a terminal.

    Raises:
        CorpusError: a control character in the body, or no article text is left
            once cleaned (``empty`` says why).
    """
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    refuse_controls(body)
    metadata = {name: without_controls(value) for name, value in metadata.items()}
    if not metadata["title"] and not title_in_text:
        metadata["title"] = first_line(body)
    cleaned = clean_article(body, metadata["title"])
    if not cleaned.text:
        raise CorpusError(empty)
    if not metadata["title"]:
        metadata["title"] = first_line(cleaned.text)
    provenance = fill_from_text(metadata, cleaned.facts)
    return Article(id=article_id, text=cleaned.text, path=path, provenance=provenance, **metadata)


# How each field is named where the card says where it came from.
FIELD_NAMES = {"author": "author", "outlet": "outlet", "published": "date"}


def fill_from_text(metadata: dict[str, str], facts: HeaderFacts) -> str:
    """Fill the fields the front matter leaves empty from the lines cleaning took out.

    The front matter wins where it states a field: its author chose the value
    (e.g. "The New York Times" for a closing "Source NY Times").

    Returns:
        Where the filled fields came from, for the reader: "author and outlet
        from the article's byline; date from its date line"; '' when none was filled.
    """
    by_origin: dict[str, list[str]] = {}
    for name, label in FIELD_NAMES.items():
        value = getattr(facts, name)
        if value and not metadata[name]:
            metadata[name] = value
            by_origin.setdefault(facts.origins[name], []).append(label)
    parts = []
    for origin, labels in by_origin.items():
        whose = "its" if parts else "the article's"
        parts.append(f"{' and '.join(labels)} from {whose} {origin}")
    return "; ".join(parts)


def first_line(body: str) -> str:
    """The first non-empty line that is no metadata line, without Markdown marks.

    A date line or byline above the headline is skipped; a section label
    ("Asia") cannot be told from a short headline without one below it, so
    such a file needs front matter with its title.
    """
    for line in body.split("\n"):
        text = plain_line(line)
        if text and header_line_facts(text) is None:
            return text
    return ""

"""Markdown and plain-text articles: an optional YAML front-matter block, then the body.

A file without front matter takes its first non-empty line as the title. This is the
first :class:`~assistant.corpus.sources.ArticleSource`; other formats sit beside it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import frontmatter
import yaml

from ..errors import CorpusError
from .article import METADATA_FIELDS, Article
from .cleaning import HeaderFacts, clean_article, header_line_facts, plain_line
from .decoding import decode


class MarkdownSource:
    """``.md``, ``.markdown`` and ``.txt`` files: one article each, named by the file's stem."""

    name = "markdown"
    suffixes = (".md", ".markdown", ".txt")

    def read(self, article_id: str, raw: bytes, *, path: str = "") -> list[Article]:
        return [parse_article(article_id, raw, path=path)]


def parse_article(article_id: str, raw: bytes, *, path: str = "") -> Article:
    """Turn the bytes of one file into an Article.

    Raises:
        CorpusError: the file is binary, not UTF-8, has broken front matter,
            or holds no text once cleaned.
    """
    text = decode(raw)
    try:
        post = frontmatter.loads(text)
    except (yaml.YAMLError, ValueError, TypeError) as error:
        problem = " ".join(str(error).split())
        raise CorpusError(f"invalid YAML front matter ({problem}); fix or remove it") from error
    metadata = {name: metadata_value(name, post.metadata.get(name)) for name in METADATA_FIELDS}
    return finish_article(
        article_id,
        post.content,
        metadata,
        path=path,
        empty="it holds no article text: add the text below the title",
    )


def finish_article(
    article_id: str, body: str, metadata: dict[str, str], *, path: str, empty: str
) -> Article:
    """An Article from a source's body and metadata: titled, cleaned, its empty fields filled.

    Every source ends here, so that each format's body is cleaned by the same rules and
    its header lines fill the fields its metadata leaves empty the same way.

    Raises:
        CorpusError: no article text is left once cleaned (``empty`` says why).
    """
    if not metadata["title"]:
        metadata["title"] = first_line(body)
    cleaned = clean_article(body, metadata["title"])
    if not cleaned.text:
        raise CorpusError(empty)
    provenance = fill_from_text(metadata, cleaned.facts)
    return Article(id=article_id, text=cleaned.text, path=path, provenance=provenance, **metadata)


# How each field is named where the card says where it came from.
_FIELD_NAMES = {"author": "author", "outlet": "outlet", "published": "date"}


def fill_from_text(metadata: dict[str, str], facts: HeaderFacts) -> str:
    """Fill the fields the front matter leaves empty from the lines cleaning took out.

    The front matter wins where it states a field: its author chose the value
    (e.g. "The New York Times" for a closing "Source NY Times").

    Returns:
        Where the filled fields came from, for the reader: "author and outlet
        from the article's byline; date from its date line"; '' when none was filled.
    """
    by_origin: dict[str, list[str]] = {}
    for name, label in _FIELD_NAMES.items():
        value = getattr(facts, name)
        if value and not metadata[name]:
            metadata[name] = value
            by_origin.setdefault(facts.origins[name], []).append(label)
    parts = []
    for origin, labels in by_origin.items():
        whose = "its" if parts else "the article's"
        parts.append(f"{' and '.join(labels)} from {whose} {origin}")
    return "; ".join(parts)


def metadata_value(name: str, value: Any) -> str:
    """A front-matter value as a string; dates become ISO dates, None becomes ''.

    A list of plain values is joined with commas (several authors).

    Raises:
        CorpusError: the value is a mapping or a nested list.
    """
    if isinstance(value, list) and all(not isinstance(item, (list, dict)) for item in value):
        return ", ".join(metadata_value(name, item) for item in value if item is not None)
    if isinstance(value, (list, dict)):
        raise CorpusError(
            f"front-matter field {name!r} is a nested structure: write it as plain text"
        )
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


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

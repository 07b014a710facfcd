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
from .assembly import finish_article
from .decoding import decode
from .sniffing import refuse_binary


class MarkdownSource:
    """``.md``, ``.markdown`` and ``.txt`` files: one article each, named by the file's stem."""

    name = "markdown"
    suffixes = (".md", ".markdown", ".txt")

    def read(self, article_id: str, raw: bytes, *, path: str = "") -> list[Article]:
        refuse_binary(raw, what="a Markdown or text file")
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

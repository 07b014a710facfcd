"""Article sources: one reader per source format, and which reader takes which file.

A source turns the bytes of one file into articles: one for a Markdown file, many for
an archive or a feed (``feed.py``). ``load_corpus`` picks the source by the file's suffix, so a new
format is a new module with a class meeting :class:`ArticleSource`, listed in ``SOURCES``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from .archive import ArchiveSource
from .article import Article
from .feed import FeedSource
from .html import HtmlSource
from .markdown import MarkdownSource
from .pdf import PdfSource
from .word import DocxSource


class ArticleSource(Protocol):
    """A reader of one source format.

    Attributes:
        name: the format's name, shown by ``info`` beside each file.
        suffixes: the lower-case file suffixes it reads, with their dot.

    A source may also set ``max_bytes``, the biggest file it reads (an archive of
    many articles); the loader's one-article limit holds for the others.
    """

    name: str
    suffixes: tuple[str, ...]

    def read(self, article_id: str, raw: bytes, *, path: str = "") -> list[Article]:
        """The articles a file holds.

        Raises:
            CorpusError: the file cannot be read as this format; the message says why.
        """
        ...


SOURCES: tuple[ArticleSource, ...] = (
    MarkdownSource(),
    HtmlSource(),
    ArchiveSource(),
    FeedSource(),
    PdfSource(),
    DocxSource(),
)
ARTICLE_SUFFIXES = tuple(suffix for source in SOURCES for suffix in source.suffixes)


def source_for(path: Path) -> ArticleSource | None:
    """The source that reads a file, by its suffix; None when no source does."""
    suffix = path.suffix.lower()
    return next((source for source in SOURCES if suffix in source.suffixes), None)

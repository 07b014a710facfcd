"""Articles in: one reader per source format, decoding, cleaning, cutting into passages.

The lowest room above ``errors``/``config``/``answer``/``files``: it may import only those.
A new format is a module beside ``markdown.py`` meeting ``sources.ArticleSource``.
"""

from __future__ import annotations

from .article import Article, Corpus, SkippedFile
from .loading import load_corpus
from .sources import ARTICLE_SUFFIXES, ArticleSource

__all__ = ["ARTICLE_SUFFIXES", "Article", "ArticleSource", "Corpus", "SkippedFile", "load_corpus"]

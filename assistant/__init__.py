"""Answers questions about news articles with passages quoted verbatim, with sources.

Example:
    >>> from assistant import Assistant
    >>> bot = Assistant.load(corpus_dir="corpus", index_dir="index")
    >>> answer = bot.ask("How many soldiers did Azerbaijan lose?", k=5)
    >>> answer.best.highlight, answer.best.outlet
"""

from __future__ import annotations

from .answer import Answer, Copy, Passage
from .config import DEFAULT_K, DEFAULT_MODEL, Settings
from .corpus import Article, load_corpus
from .errors import (
    AssistantError,
    ClusterError,
    CorpusError,
    FetchError,
    IndexMismatchError,
    IndexNotFoundError,
    ModelError,
    QuestionError,
)
from .pipeline import Assistant, retrieve
from .search.filters import Filters

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_K",
    "DEFAULT_MODEL",
    "Answer",
    "Article",
    "Assistant",
    "AssistantError",
    "ClusterError",
    "Copy",
    "CorpusError",
    "FetchError",
    "Filters",
    "IndexMismatchError",
    "IndexNotFoundError",
    "ModelError",
    "Passage",
    "QuestionError",
    "Settings",
    "__version__",
    "load_corpus",
    "retrieve",
]

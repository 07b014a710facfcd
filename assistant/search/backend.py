"""SearchBackend: what ranking needs of an index, whoever holds it.

Ranking (``retrieval.py``, ``sentences.py``) asks an index for candidates by vector
and by BM25 (the latter scored with corpus-wide statistics), for the cosine of given
rows, for term IDFs, and for the rows' passages and sentence vectors. The stored
index on disk (``store.storage.StoredIndex``) is the one implementation today; a
sharded index answers the same calls without the ranking code changing.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..corpus.article import Article
from ..corpus.chunking import Chunk
from ..store.copies import Copies


class SearchBackend(Protocol):
    """An index that search can rank passages from.

    Rows are passage numbers, ``0 .. len(chunks) - 1``; ``rows`` arguments limit a
    search to those rows (a filter), ``None`` meaning all of them.

    Attributes:
        articles: every article, in index order.
        chunks: every passage, grouped by article, with its sentences' spans.
        copies: which passages of different articles are near-identical
            (``store.copies.Copies``; ``NO_COPIES`` when none are).
    """

    articles: tuple[Article, ...]
    chunks: tuple[Chunk, ...]
    copies: Copies

    def dense_candidates(
        self, query_vector: np.ndarray, k: int, *, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Cosines and rows of the k nearest passages, best first (row -1: none)."""
        ...

    def lexical_candidates(
        self, tokens: list[str], k: int, *, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """BM25 scores and rows of the k best passages for tokenised terms, best first."""
        ...

    def cosines(self, rows: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
        """The cosine of one unit query vector with each of these rows."""
        ...

    def idf(self, terms: list[str]) -> np.ndarray:
        """BM25 inverse document frequency of each term over the whole corpus."""
        ...

    def sentence_vectors_at(self, positions: np.ndarray) -> np.ndarray:
        """Unit vectors of these sentences, numbered over every passage's, row after row.

        Only the shortlisted passages' sentences are asked for, so a sharded
        index fetches them from the shards that hold those passages alone.
        """
        ...

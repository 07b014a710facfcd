"""ShardServer: one shard's stored index, answering the calls a search fans out.

Plain Python, so it is tested without Ray; ``ray_shards.py`` runs one per shard
as an actor. Rows are the shard's own (``0 .. passages - 1``); the front end
(``backend.ClusterIndex``) maps them to the corpus's rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..store.storage import StoredIndex, load_version


class ShardServer:
    """Serves one shard folder of a sharded index's version."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.index: StoredIndex = load_version(self.folder)
        # A plain view of the memory-mapped sentence vectors (see search/sentences.py).
        self._sentences = np.asarray(self.index.sentence_vectors)

    def describe(self) -> dict[str, Any]:
        """The shard's articles and passages as records, and each BM25 term's passage count."""
        from ..store.storage import article_record, chunk_record

        lexical = self.index.lexical
        indptr = lexical.model.scores["indptr"]
        frequencies = {
            term: int(indptr[number + 1] - indptr[number])
            for term, number in lexical.model.vocab_dict.items()
            if term
        }
        return {
            "folder": self.folder.name,
            "version": self.folder.parent.name,
            "articles": [article_record(article) for article in self.index.articles],
            "chunks": [chunk_record(chunk) for chunk in self.index.chunks],
            "frequencies": frequencies,
        }

    def dense(
        self, query_vector: np.ndarray, k: int, rows: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Cosines and rows of the shard's k nearest passages (row -1: none)."""
        if rows is not None and len(rows) == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        return self.index.dense_candidates(query_vector, min(k, len(self.index.chunks)), rows=rows)

    def lexical(
        self, tokens: list[str], k: int, rows: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """BM25 scores (corpus-wide statistics) and rows of the shard's k best passages."""
        if rows is not None and len(rows) == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        return self.index.lexical_candidates(tokens, k, rows=rows)

    def cosines(self, rows: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
        return self.index.cosines(rows, query_vector)

    def sentence_vectors(self, positions: np.ndarray) -> np.ndarray:
        """The vectors of these sentences (numbered over the shard's passages)."""
        return self._sentences[positions]

    def ping(self) -> str:
        return self.folder.parent.name

"""VectorIndex: exact inner-product search over unit vectors with FAISS."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np


class VectorIndex:
    """Nearest passages by cosine similarity.

    Inner product equals cosine similarity on normalised vectors, so a flat
    inner-product index gives exact cosine rankings.
    """

    def __init__(self, index: faiss.Index) -> None:
        self.index = index

    @classmethod
    def build(cls, vectors: np.ndarray) -> VectorIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return cls(index)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self.index.d)

    def search(
        self, queries: np.ndarray, k: int, *, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scores and row ids of the k nearest vectors for each query, best first.

        Args:
            queries: unit vectors, one per row.
            k: how many results per query.
            rows: when given, only these rows may be returned (a filter).

        Missing results (k larger than the allowed rows) come back as id -1.
        """
        allowed = len(self) if rows is None else len(rows)
        k = min(k, allowed)
        if k == 0:
            empty = np.zeros((len(queries), 0))
            return empty.astype(np.float32), empty.astype(np.int64)
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if rows is None:
            return self.index.search(queries, k)
        selector = faiss.IDSelectorBatch(np.asarray(rows, dtype=np.int64))
        return self.index.search(queries, k, params=faiss.SearchParameters(sel=selector))

    def save(self, path: str | Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: str | Path) -> VectorIndex:
        return cls(faiss.read_index(str(path)))

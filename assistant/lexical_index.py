"""LexicalIndex: BM25 over stemmed words, through bm25s."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np

# bm25s sets its own logger to DEBUG, which would print build chatter into
# every command's output; let the application's logging settings decide.
logging.getLogger("bm25s").setLevel(logging.NOTSET)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str]):
    """Lower-cased, English-stopword-free, Snowball-stemmed tokens for bm25s."""
    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False)


class LexicalIndex:
    """Passages ranked by BM25 on the words they share with the question."""

    def __init__(self, model: bm25s.BM25, size: int) -> None:
        self.model = model
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        model = bm25s.BM25()
        model.index(tokenize(texts), show_progress=False)
        return cls(model, len(texts))

    def __len__(self) -> int:
        return self.size

    def search(
        self, queries: list[str], k: int, *, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """BM25 scores and row ids of the k best passages per query, best first.

        Args:
            queries: the query texts.
            k: how many results per query.
            rows: when given, only these rows may score above zero (a filter).

        A query with no indexed word gets all-zero scores; callers treat a
        zero score as no lexical evidence.
        """
        k = min(k, self.size)
        if k == 0:
            empty = np.zeros((len(queries), 0))
            return empty.astype(np.float32), empty.astype(np.int64)
        mask = None
        if rows is not None:
            mask = np.zeros(self.size, dtype=np.float32)
            mask[np.asarray(rows, dtype=np.int64)] = 1.0
        tokens = tokenize(queries)
        ids, scores = self.model.retrieve(
            tokens, k=k, show_progress=False, n_threads=0, leave_progress=False, weight_mask=mask
        )
        return scores.astype(np.float32), ids.astype(np.int64)

    def idf(self, terms: list[str]) -> np.ndarray:
        """BM25 inverse document frequency of each term; unknown terms get the highest."""
        indptr = self.model.scores["indptr"]
        vocab = self.model.vocab_dict
        counts = np.array(
            [indptr[vocab[t] + 1] - indptr[vocab[t]] if t in vocab else 0 for t in terms],
            dtype=np.float64,
        )
        return np.log1p((self.size - counts + 0.5) / (counts + 0.5))

    def save(self, folder: str | Path) -> None:
        self.model.save(str(folder), allow_pickle=False)

    @classmethod
    def load(cls, folder: str | Path, size: int) -> LexicalIndex:
        return cls(bm25s.BM25.load(str(folder), allow_pickle=False), size)


def stems(text: str) -> list[str]:
    """The distinct BM25 terms of a text, in order of first appearance."""
    terms = tokenize_strings([text])[0]
    return list(dict.fromkeys(terms))


def tokenize_strings(texts: list[str]) -> list[list[str]]:
    return bm25s.tokenize(
        texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False
    )

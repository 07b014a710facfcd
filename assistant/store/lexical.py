"""LexicalIndex: BM25 over stemmed words, through bm25s."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class CorpusStatistics:
    """What BM25 scores with, counted over a whole corpus rather than one shard.

    A sharded index (``assistant.cluster``) builds each shard's BM25 with the
    statistics of every shard together, as Elasticsearch's DFS query-then-fetch
    does, so that a passage scores what it scores in one index of the corpus.

    Attributes:
        passages: how many passages the corpus holds.
        average_length: their mean number of terms.
        frequencies: for each term, how many passages hold it.
    """

    passages: int
    average_length: float
    frequencies: Mapping[str, int]


class _CorpusBM25(bm25s.BM25):
    """bm25s's BM25 with the document count, frequencies and length given, not counted.

    ``build_index_from_ids`` is bm25s's documented point to override; this is
    its lucene path with the three statistics taken from ``statistics``.
    """

    def __init__(self, statistics: CorpusStatistics, vocabulary: Mapping[str, int]) -> None:
        super().__init__()
        self._statistics = statistics
        self._terms = {number: term for term, number in vocabulary.items()}

    def build_index_from_ids(
        self, unique_token_ids, corpus_token_ids, show_progress=True, leave_progress=False
    ):
        from bm25s import scoring

        if self.method in self.methods_requiring_nonoccurrence:
            raise ValueError(f"corpus-wide statistics are not supported for {self.method}")
        frequencies = self._statistics.frequencies
        corpus_frequencies = {
            number: frequencies.get(self._terms.get(number, ""), 0) for number in unique_token_ids
        }
        self.nonoccurrence_array = None
        idf_array = scoring._build_idf_array(
            doc_frequencies=corpus_frequencies,
            n_docs=self._statistics.passages,
            compute_idf_fn=scoring._select_idf_scorer(self.idf_method),
            dtype=self.dtype,
        )
        scores, rows, columns = scoring._build_scores_and_indices_for_matrix(
            corpus_token_ids=corpus_token_ids,
            idf_array=idf_array,
            avg_doc_len=np.float64(self._statistics.average_length),
            # Only sized by: the shard's own (passage, term) pairs.
            doc_frequencies=scoring._calculate_doc_freqs(
                corpus_token_ids, unique_token_ids, show_progress=False
            ),
            k1=self.k1,
            b=self.b,
            delta=self.delta,
            show_progress=False,
            leave_progress=False,
            dtype=self.dtype,
            int_dtype=self.int_dtype,
            method=self.method,
            nonoccurrence_array=None,
        )
        shape = (len(corpus_token_ids), len(unique_token_ids))
        data, indices, indptr = self._np_csc(data=scores, rows=rows, cols=columns, shape=shape)
        return {
            "data": data.astype(self.dtype),
            "indices": indices,
            "indptr": indptr,
            "num_docs": len(corpus_token_ids),
        }


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
            k: how many results per query (fewer when ``rows`` allows fewer).
            rows: when given, only these rows may be returned (a filter).

        Passages sharing no word with a query fill the places after those
        that do, with score 0, in row order; callers treat a zero score as
        no lexical evidence. Equal scores come in row order.
        """
        return self.search_terms(tokenize_strings(queries), k, rows=rows)

    def search_terms(
        self, queries: list[list[str]], k: int, *, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``search`` for queries already tokenised by ``tokenize_strings``.

        The retriever tokenises a question once for BM25 and for its own
        term weights: tokenising is a good share of a query's time.
        """
        allowed = None if rows is None else _sorted_unique(rows)
        k = min(k, self.size if allowed is None else len(allowed))
        scores = np.zeros((len(queries), k), dtype=np.float32)
        ids = np.zeros((len(queries), k), dtype=np.int64)
        if k == 0:
            return scores, ids
        for number, terms in enumerate(queries):
            ids[number], scores[number] = self._best(terms, k, allowed)
        return scores, ids

    def _best(
        self, terms: list[str], k: int, allowed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rows and scores of one query's k best passages.

        Top k among the passages that score above zero only: bm25s's
        argpartition over every score slows down 30-fold when most scores are
        equal zeros (a rare word, or a filter), ~30 ms at 1M passages.
        """
        token_ids = self.model.get_tokens_ids(terms)
        if token_ids:
            scores = self.model.get_scores_from_ids(token_ids)
        else:
            scores = np.zeros(self.size, dtype=np.float32)
        if allowed is None:
            found = np.flatnonzero(scores > 0)
        else:
            found = allowed[scores[allowed] > 0]
        if len(found) > k:
            cut = scores[found[np.argpartition(-scores[found], k - 1)[:k]]].min()
            # Every passage tied with the k-th stays in the running, so that equal
            # scores are taken in row order at the cut too (as a sharded index takes
            # them); argpartition would pick among them at random.
            found = found[scores[found] >= cut]
        best = found[np.lexsort((found, -scores[found]))][:k]
        if len(best) < k:
            # The first rows allowed, past those already found, in row order.
            pool = np.arange(min(self.size, 2 * k)) if allowed is None else allowed[: 2 * k]
            # A set, not np.isin: this runs on most queries of a small corpus,
            # where np.isin's sorting costs more than the whole BM25 search.
            found_rows = set(best.tolist())
            filler = [row for row in pool.tolist() if row not in found_rows][: k - len(best)]
            best = np.concatenate([best, np.array(filler, dtype=best.dtype)])
        return best, scores[best]

    def idf(self, terms: list[str]) -> np.ndarray:
        """BM25 inverse document frequency of each term; unknown terms get the highest."""
        indptr = self.model.scores["indptr"]
        vocab = self.model.vocab_dict
        counts = [indptr[vocab[t] + 1] - indptr[vocab[t]] if t in vocab else 0 for t in terms]
        return bm25_idf(counts, self.size)

    def save(self, folder: str | Path) -> None:
        self.model.save(str(folder), allow_pickle=False)

    @classmethod
    def load(cls, folder: str | Path, size: int) -> LexicalIndex:
        return cls(bm25s.BM25.load(str(folder), allow_pickle=False), size)


def bm25_idf(counts: Sequence[int], passages: int) -> np.ndarray:
    """BM25's (lucene) inverse document frequency of terms held by ``counts`` passages."""
    held = np.array(counts, dtype=np.float64)
    return np.log1p((passages - held + 0.5) / (held + 0.5))


def stems(text: str) -> list[str]:
    """The distinct BM25 terms of a text, in order of first appearance."""
    terms = tokenize_strings([text])[0]
    return list(dict.fromkeys(terms))


def tokenize_strings(texts: list[str]) -> list[list[str]]:
    """The same terms as ``tokenize``, as strings, for a few short texts at a time.

    bm25s's ``tokenize`` pays for vocabularies, progress bars and a new
    stop-word set on every call: about 50 us for a one-line question, a
    tenth of a query's time beside the model. This does its three steps
    (lower-case and split with its pattern, drop its English stop words,
    stem with the same Snowball stemmer) directly; tests/store/test_lexical.py
    checks that both give the same terms.
    """
    split, stopwords, stem = _splitter()
    return [stem([w for w in split(text.lower()) if w not in stopwords]) for text in texts]


@lru_cache(maxsize=1)
def _splitter():
    from bm25s.tokenization import _infer_stopwords

    pattern = re.compile(r"(?u)\b\w\w+\b")  # bm25s.tokenize's default token_pattern
    return pattern.findall, frozenset(_infer_stopwords("en")), _stemmer().stemWords


def _sorted_unique(rows: np.ndarray) -> np.ndarray:
    """The distinct rows in order; np.unique takes ~30 ms on 100k rows (numpy 2.4), this 1."""
    rows = np.sort(np.asarray(rows, dtype=np.int64).reshape(-1))
    first = np.ones(len(rows), dtype=bool)
    first[1:] = rows[1:] != rows[:-1]
    return rows[first]

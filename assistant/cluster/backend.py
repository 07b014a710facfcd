"""ClusterIndex: the search backend over every shard of a sharded index.

It meets ``search.backend.SearchBackend``, so the retriever, the sentence scorer
and the answerability model rank exactly as on one machine. Passage rows are
the corpus's (articles in corpus order, each article's passages in order), the
rows a one-machine index of the same corpus has. A search asks every shard for
its k best candidates by vector and by BM25 (scored with corpus-wide statistics)
and keeps the k best of all, equal scores in row order as the one-machine
index orders them; cosines and sentence vectors are then asked only of the
shards holding the rows wanted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..corpus.article import Article
from ..corpus.chunking import Chunk
from ..errors import IndexMismatchError
from ..store.copies import NO_COPIES, Copies
from ..store.lexical import bm25_idf
from ..store.storage import chunk_from_record
from .catalog import Catalog
from .sharding import corpus_rows


class ShardPool(Protocol):
    """Runs one method of some shards' ``ShardServer``s, in parallel where it can.

    ``call("dense", {0: (vector, 50, None), 2: (...)})`` returns each shard's
    result by shard position; a shard that cannot answer raises ``ClusterError``.
    """

    def call(self, method: str, arguments: dict[int, tuple]) -> dict[int, Any]: ...

    def close(self) -> None: ...


class LocalPool:
    """Shard servers in this process: for tests and for a sharded index without Ray."""

    def __init__(self, servers: Sequence[Any]) -> None:
        self.servers = list(servers)

    def call(self, method: str, arguments: dict[int, tuple]) -> dict[int, Any]:
        return {n: getattr(self.servers[n], method)(*args) for n, args in arguments.items()}

    def close(self) -> None:
        self.servers.clear()


class ClusterIndex:
    """A sharded index, searched through a pool of shard servers."""

    def __init__(self, folder: Path, catalog: Catalog, pool: ShardPool) -> None:
        self.folder = folder
        self.catalog = catalog
        self.pool = pool
        described = pool.call("describe", dict.fromkeys(range(len(catalog.folders)), ()))
        shards = [described[n] for n in range(len(catalog.folders))]
        for shard in shards:
            if shard["version"] != folder.name:
                raise IndexMismatchError(
                    f"a shard serves version {shard['version']!r}, the catalog is {folder.name!r}"
                )
        self.articles, self.chunks, self._where = _assemble(catalog, shards)
        frequencies: dict[str, int] = {}
        for shard in shards:
            for term, count in shard["frequencies"].items():
                frequencies[term] = frequencies.get(term, 0) + count
        self._frequencies = frequencies
        self._shard_of_row = self._where[:, 0]
        self._local_row = self._where[:, 1]
        # Each shard's corpus rows, by its own row number (increasing: corpus order).
        self._rows_of = [np.flatnonzero(self._shard_of_row == n) for n in range(len(shards))]
        counts = np.array([len(chunk.sentences) for chunk in self.chunks], dtype=np.int64)
        self._sentence_offsets = np.concatenate([[0], np.cumsum(counts)])
        self._local_sentence_offsets = []
        for rows in self._rows_of:
            local = np.concatenate([[0], np.cumsum(counts[rows])]).astype(np.int64)
            self._local_sentence_offsets.append(local)
        self.manifest = dict(catalog.manifest)
        self.manifest["version"] = folder.name
        try:
            copies = Copies.from_dict(catalog.copies, self.chunks) if catalog.copies else None
        except (KeyError, TypeError, ValueError) as error:
            raise IndexMismatchError(
                f"the catalog's copies do not match the shards' passages ({error}): rebuild "
                "the sharded index"
            ) from error
        self.copies = copies or NO_COPIES

    # -- SearchBackend --------------------------------------------------------

    def dense_candidates(
        self, query_vector: np.ndarray, k: int, *, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Cosines and rows of the k nearest passages, best first (row -1: none)."""
        results = self.pool.call(
            "dense", self._per_shard(rows, lambda local: (query_vector, k, local))
        )
        scores, found = self._merge(results, keep=lambda s, r: r >= 0)
        padded_scores = np.full(k, -np.inf, dtype=np.float32)
        padded_rows = np.full(k, -1, dtype=np.int64)
        padded_scores[: min(k, len(found))] = scores[:k]
        padded_rows[: min(k, len(found))] = found[:k]
        return padded_scores, padded_rows

    def lexical_candidates(
        self, tokens: list[str], k: int, *, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """BM25 scores and rows of the k best passages for tokenised terms, best first.

        As on one machine, passages sharing no term fill the places left, with
        score 0, in row order.
        """
        results = self.pool.call("lexical", self._per_shard(rows, lambda local: (tokens, k, local)))
        scores, found = self._merge(results, keep=lambda s, r: s > 0)
        allowed = np.arange(len(self.chunks)) if rows is None else np.unique(rows)
        k = min(k, len(allowed))
        scores, found = scores[:k], found[:k]
        if len(found) < k:
            taken = set(found.tolist())
            filler = [row for row in allowed[: 2 * k].tolist() if row not in taken][
                : k - len(found)
            ]
            found = np.concatenate([found, np.array(filler, dtype=np.int64)])
            scores = np.concatenate([scores, np.zeros(len(filler), dtype=np.float32)])
        return scores.astype(np.float32), found.astype(np.int64)

    def cosines(self, rows: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
        """The cosine of one unit query vector with each of these rows."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros(len(rows), dtype=np.float32)
        groups = self._group(rows)
        results = self.pool.call(
            "cosines",
            {n: (self._local_row[rows[where]], query_vector) for n, where in groups.items()},
        )
        for n, where in groups.items():
            out[where] = results[n]
        return out

    def idf(self, terms: list[str]) -> np.ndarray:
        """BM25 inverse document frequency of each term over every shard's passages."""
        return bm25_idf([self._frequencies.get(term, 0) for term in terms], self.catalog.passages)

    def sentence_vectors_at(self, positions: np.ndarray) -> np.ndarray:
        """Unit vectors of these sentences, fetched from the shards that hold them."""
        positions = np.asarray(positions, dtype=np.int64)
        rows = np.searchsorted(self._sentence_offsets, positions, side="right") - 1
        within = positions - self._sentence_offsets[rows]
        out = None
        groups = self._group(rows)
        arguments = {}
        for n, where in groups.items():
            local_rows = self._local_row[rows[where]]
            arguments[n] = (self._local_sentence_offsets[n][local_rows] + within[where],)
        results = self.pool.call("sentence_vectors", arguments)
        for n, where in groups.items():
            vectors = np.asarray(results[n])
            if out is None:
                out = np.zeros((len(positions), vectors.shape[1]), dtype=vectors.dtype)
            out[where] = vectors
        if out is None:
            return np.zeros((0, int(self.manifest["dimension"])), dtype=np.float32)
        return out

    def close(self) -> None:
        self.pool.close()

    # -- rows between the corpus and the shards -------------------------------

    def _per_shard(
        self, rows: np.ndarray | None, arguments: Callable[[Any], tuple]
    ) -> dict[int, tuple]:
        """Each shard's call arguments, its allowed rows in its own numbering."""
        if rows is None:
            return {n: arguments(None) for n in range(len(self._rows_of))}
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        calls = {}
        for n, where in self._group(rows).items():
            calls[n] = arguments(self._local_row[rows[where]])
        return calls

    def _group(self, rows: np.ndarray) -> dict[int, np.ndarray]:
        """Positions in ``rows`` of the rows each shard holds."""
        shards = self._shard_of_row[rows]
        return {int(n): np.flatnonzero(shards == n) for n in np.unique(shards)}

    def _merge(self, results: dict[int, tuple], keep) -> tuple[np.ndarray, np.ndarray]:
        """Every shard's candidates in corpus rows, best first, equal scores in row order."""
        scores, rows = [np.zeros(0, dtype=np.float32)], [np.zeros(0, dtype=np.int64)]
        for n, (shard_scores, shard_rows) in results.items():
            shard_scores = np.asarray(shard_scores)
            shard_rows = np.asarray(shard_rows, dtype=np.int64)
            mask = np.asarray(keep(shard_scores, shard_rows), dtype=bool)
            scores.append(shard_scores[mask].astype(np.float32))
            rows.append(self._rows_of[n][shard_rows[mask]])
        all_scores, all_rows = np.concatenate(scores), np.concatenate(rows)
        order = np.lexsort((all_rows, -all_scores))
        return all_scores[order], all_rows[order]


def _assemble(
    catalog: Catalog, shards: list[dict[str, Any]]
) -> tuple[tuple[Article, ...], tuple[Chunk, ...], np.ndarray]:
    """Articles and passages in corpus order, and each row's (shard, shard row)."""
    owner: dict[str, dict] = {}
    for shard in shards:
        for record in shard["articles"]:
            owner[record["id"]] = record
    if set(owner) != set(catalog.articles) or len(owner) != len(catalog.articles):
        raise IndexMismatchError(
            "the shards do not hold the articles the catalog lists: rebuild the sharded index"
        )
    articles = tuple(Article(**owner[article_id]) for article_id in catalog.articles)
    texts = {article.id: article.text for article in articles}
    owners = [[record["article_id"] for record in shard["chunks"]] for shard in shards]
    where = corpus_rows(catalog.articles, owners)
    chunks = tuple(
        chunk_from_record(row, dict(shards[n]["chunks"][local]), texts)
        for row, (n, local) in enumerate(where.tolist())
    )
    return articles, chunks, where


def open_local(index_dir: str | Path) -> ClusterIndex:
    """The live sharded index, its shards served in this process (no Ray).

    For tests and tools: the same merge as on a cluster, without the transport.

    Raises:
        IndexNotFoundError: there is no sharded index in ``index_dir``.
        IndexMismatchError: the sharded index is damaged.
    """
    from ..errors import IndexNotFoundError
    from .catalog import live_catalog
    from .shard import ShardServer

    live = live_catalog(index_dir)
    if live is None:
        raise IndexNotFoundError(f"no sharded index in {str(index_dir)!r}")
    folder, catalog = live
    servers = [ShardServer(folder / name) for name in catalog.shard_folders()]
    return ClusterIndex(folder, catalog, LocalPool(servers))

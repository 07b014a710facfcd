"""VectorIndex: inner-product search over unit vectors with FAISS, exact or approximate by size.

Inner product equals cosine similarity on normalised vectors, so every kind
ranks by cosine. The kinds (``KINDS``):

- ``flat``: exact; scans every vector (4 bytes a dimension).
- ``ivf-sq8``: vectors in ``list_count(n)`` k-means lists, ``NPROBE`` lists
  searched per query, each vector kept as 8-bit codes (1 byte a dimension).
- ``ivf-fp16``, ``ivf-pq``: the same lists with half floats, or with product
  quantisation (``dimension / 8`` bytes a vector).
- ``hnsw``, ``hnsw-sq8``: a navigable small-world graph over float or
  8-bit vectors.

``build`` picks the kind by size (``choose_kind``): ``flat`` up to
``EXACT_LIMIT`` (50,000) vectors, ``ivf-sq8`` above. Why, measured by
``python benchmarks/scale.py --passages 1000000`` on all-MiniLM-L6-v2 vectors
(real SQuAD text, then vectors clustered around it; real questions; one query
at a time, k=50; ranges are runs on two cores shared with other work):

- flat search reads every vector: median 1.1 ms at 20k passages, 3.2-3.3 ms
  at 50k, 6-10 ms at 100k, 60-90 ms at 1M. Up to 50k it stays within a few
  ms, and an exact index needs no training and never misses a neighbour;
- ivf-sq8 answers in 0.2-0.6 ms from 50k to 250k passages and in 1.0-1.1 ms
  at 1M, finding 0.98-0.99 of the exact top 10, in 385 MB at 1M (384 bytes
  of codes a vector, 16 for its id and direct map); it builds in 14 s at
  250k and 36-69 s at 1M;
- the others, at 1M: flat needs 1.5 GB; ivf-fp16 finds 0.992 of the top 10
  but needs 750 MB, so it would pass 1 GB at ~1.3M passages; ivf-pq (48
  bytes a vector) finds only 0.59. hnsw-sq8 answers in 0.2 ms but finds
  0.964 (0.978 with ef_search 256), needs 626 MB, takes 5 minutes to build
  on one thread, and with a 1% filter takes 47 ms (ivf-sq8: 12 ms). Float
  hnsw would need 1.7 GB.

Rebuilding from the same vectors gives the same index, byte for byte: the
k-means sample and seed are fixed, and HNSW graphs are built on one thread
(parallel insertion order is not repeatable). IVF indexes keep a direct map
(8 bytes a vector) so that ``reconstruct`` and ``cosines`` can decode any
row. ``nprobe`` and ``ef_search`` are saved inside the FAISS file.

A single query runs FAISS on one thread (OpenMP's setting is per calling
thread, so other threads keep theirs): the app's parallelism is its request
threads, and on two busy cores a two-thread flat search of one query took 48
ms against 15 ms on one (250k passages). Batches use every core.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import faiss
import numpy as np

# Measured by benchmarks/scale.py: flat search passes ~3 ms here (module docstring).
EXACT_LIMIT = 50_000
KINDS = ("flat", "ivf-sq8", "ivf-fp16", "ivf-pq", "hnsw", "hnsw-sq8")
SEED = 1234
# k-means on up to this many vectors per list: enough for stable centroids,
# and training stays well under a minute at 1M vectors on two cores.
TRAIN_PER_LIST = 64
KMEANS_ITERATIONS = 10
# Recall@10 against exact search at 1M passages: 0.956 with 16 lists, 0.980
# with 64, 0.985 with 128 (benchmarks/scale.py); 64 lists cost ~1 ms there,
# and recall depends on this count far more than on the corpus size.
NPROBE = 64
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96
# A filter leaving at most this many rows is scored directly on those rows'
# decoded vectors: exact over what the index holds. Decoding costs ~4 us a
# row (10k rows: 45 ms), while IVF scanning every list and skipping the rows
# outside the filter costs ~10 ms at 1M, so only tiny filters go direct.
DIRECT_FILTER_LIMIT = 1_000
_FACTORY = {
    "flat": "Flat",
    "ivf-sq8": "IVF{lists},SQ8",
    "ivf-fp16": "IVF{lists},SQfp16",
    "ivf-pq": "IVF{lists},PQ{subquantizers}np",  # np: no polysemous training
    "hnsw": f"HNSW{HNSW_NEIGHBOURS}",
    "hnsw-sq8": f"HNSW{HNSW_NEIGHBOURS},SQ8",
}


def choose_kind(count: int, *, exact_limit: int = EXACT_LIMIT) -> str:
    """The index kind for ``count`` vectors: exact while affordable, then ivf-sq8."""
    return "flat" if count <= exact_limit else "ivf-sq8"


def list_count(count: int) -> int:
    """IVF lists for ``count`` vectors: ~2 x sqrt(count), a power of two, >= 39 vectors each."""
    wanted = 2 ** round(math.log2(max(1.0, 2 * math.sqrt(count))))
    trainable = max(1, count // 39)
    return min(wanted, 2 ** (trainable.bit_length() - 1))


def default_nprobe(lists: int) -> int:
    """Lists searched per query: ``NPROBE``, or every list of a small index."""
    return min(lists, NPROBE)


class VectorIndex:
    """Nearest passages by cosine similarity.

    Example:
        >>> index = VectorIndex.build(vectors)  # flat up to EXACT_LIMIT rows, then ivf-sq8
        >>> scores, rows = index.search(query_vectors, k=10)
        >>> index.cosines([3, 7], query_vectors[0])
        array([0.41, 0.12], dtype=float32)
    """

    def __init__(self, index: faiss.Index) -> None:
        self.index = index
        self.kind = _kind_of(index)

    @classmethod
    def build(
        cls,
        vectors: np.ndarray,
        *,
        kind: str | None = None,
        exact_limit: int = EXACT_LIMIT,
        seed: int = SEED,
    ) -> VectorIndex:
        """Index unit vectors; ``kind`` defaults to ``choose_kind(len(vectors))``.

        Raises:
            ValueError: unknown kind, or too few vectors to train it.
        """
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = cls.empty(len(vectors), vectors.shape[1], kind=kind, exact_limit=exact_limit)
        index.train(vectors[index.training_rows(len(vectors), seed=seed)], seed=seed)
        index.add(vectors)
        return index

    @classmethod
    def empty(
        cls, count: int, dimension: int, *, kind: str | None = None, exact_limit: int = EXACT_LIMIT
    ) -> VectorIndex:
        """An index of the kind ``count`` vectors get, with no vector in it yet.

        A sharded index makes one of these for the corpus's count, trains it
        once on ``training_rows`` of the whole corpus and gives every shard a
        ``copy`` to ``add`` its rows to, as FAISS's distributed recipe does: the
        shards then share one IVF quantizer, and their lists together hold
        what a one-machine index's lists hold.

        Raises:
            ValueError: unknown kind, or too few vectors to train it.
        """
        kind = kind or choose_kind(count, exact_limit=exact_limit)
        if kind not in KINDS:
            raise ValueError(f"unknown index kind {kind!r}: use one of {', '.join(KINDS)}")
        subquantizers = max(m for m in range(1, max(1, dimension // 8) + 1) if dimension % m == 0)
        spec = _FACTORY[kind].format(lists=list_count(count), subquantizers=subquantizers)
        index = faiss.index_factory(dimension, spec, faiss.METRIC_INNER_PRODUCT)
        ivf = faiss.try_extract_index_ivf(index)
        if ivf is not None:
            # PQ learns 256 centroids per sub-vector; k-means needs a vector per list.
            needed = 256 if kind == "ivf-pq" else 1
            if count < needed:
                raise ValueError(f"a {kind} index needs at least {needed} vectors, got {count}")
            ivf.cp.niter = KMEANS_ITERATIONS
            ivf.nprobe = default_nprobe(ivf.nlist)
        if kind.startswith("hnsw"):
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.hnsw.efSearch = HNSW_EF_SEARCH
        return cls(index)

    def training_rows(self, count: int, *, seed: int = SEED) -> np.ndarray:
        """Which of ``count`` vectors (in order) train this index: a seeded sample, or none."""
        if self.index.is_trained:
            return np.zeros(0, dtype=np.int64)
        ivf = faiss.try_extract_index_ivf(self.index)
        size = count if ivf is None else min(count, TRAIN_PER_LIST * ivf.nlist)
        return _sample_rows(count, size, seed)

    def train(self, sample: np.ndarray, *, seed: int = SEED) -> None:
        """Learn the lists (and codes) from sample vectors; nothing to learn for flat or HNSW."""
        if self.index.is_trained:
            return
        ivf = faiss.try_extract_index_ivf(self.index)
        if ivf is not None:
            ivf.cp.seed = seed
        self.index.train(np.ascontiguousarray(sample, dtype=np.float32))

    def add(self, vectors: np.ndarray) -> None:
        """Append rows, numbered on from ``len(self)``."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with _one_thread() if self.kind.startswith("hnsw") else nullcontext():
            self.index.add(vectors)
        ivf = faiss.try_extract_index_ivf(self.index)
        if ivf is not None:
            ivf.make_direct_map()

    def copy(self) -> VectorIndex:
        """An independent copy (a trained, empty index shared out to shards)."""
        return VectorIndex(faiss.clone_index(self.index))

    def __len__(self) -> int:
        return int(self.index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self.index.d)

    @property
    def search_params(self) -> dict[str, int]:
        """The kind's search settings: ``nprobe`` (IVF) or ``ef_search`` (HNSW)."""
        ivf = faiss.try_extract_index_ivf(self.index)
        if ivf is not None:
            return {"nprobe": int(ivf.nprobe), "lists": int(ivf.nlist)}
        if self.kind.startswith("hnsw"):
            return {"ef_search": int(self.index.hnsw.efSearch)}
        return {}

    def tune(self, *, nprobe: int | None = None, ef_search: int | None = None) -> None:
        """Trade speed for recall: more lists (IVF) or a wider beam (HNSW) find more.

        Raises:
            ValueError: the setting does not apply to this kind, or is below 1.
        """
        ivf = faiss.try_extract_index_ivf(self.index)
        for name, value, applies in (
            ("nprobe", nprobe, ivf is not None),
            ("ef_search", ef_search, self.kind.startswith("hnsw")),
        ):
            if value is not None and (not applies or value < 1):
                raise ValueError(f"{name}={value} does not apply to a {self.kind} index")
        if nprobe is not None:
            ivf.nprobe = min(nprobe, ivf.nlist)
        if ef_search is not None:
            self.index.hnsw.efSearch = ef_search

    def search(
        self, queries: np.ndarray, k: int, *, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scores and row ids of the k nearest vectors for each query, best first.

        Args:
            queries: unit vectors, one per row.
            k: how many results per query.
            rows: when given, only these rows may be returned (a filter).

        Missing results (k larger than the allowed rows) come back as id -1.

        Raises:
            ValueError: a row of the filter is outside the index.
        """
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if rows is None:
            return self._faiss_search(queries, min(k, len(self)))
        rows = self._checked(rows)
        if len(rows) <= DIRECT_FILTER_LIMIT:
            rows = _sorted_unique(rows)
            if self.kind != "flat":
                return self._search_rows(queries, min(k, len(rows)), rows)
        # A bitmap costs len/8 bytes to make and one lookup a row, however
        # many rows pass; an IDSelectorBatch hashes every allowed row first.
        allowed = np.zeros(len(self), dtype=bool)
        allowed[rows] = True
        count = int(np.count_nonzero(allowed))
        if min(k, count) == 0:
            return self._faiss_search(queries, 0)
        bitmap = np.packbits(allowed, bitorder="little")
        # Keep bitmap and selector referenced: the parameters own neither.
        selector = faiss.IDSelectorBitmap(len(self), faiss.swig_ptr(bitmap))
        params = self._filtered_params(selector, count / len(self), k)
        return self._faiss_search(queries, min(k, count), params)

    def reconstruct(self, rows: np.ndarray | list[int]) -> np.ndarray:
        """The stored vectors of these rows: decoded, so approximate for quantised kinds.

        Raises:
            ValueError: a row is outside the index.
        """
        rows = self._checked(rows)
        if len(rows) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.index.reconstruct_batch(rows)

    def cosines(self, rows: np.ndarray | list[int], query: np.ndarray) -> np.ndarray:
        """Cosine similarity of one unit query vector with each of these rows."""
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        return self.reconstruct(rows) @ query

    def save(self, path: str | Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: str | Path) -> VectorIndex:
        """Read a saved index.

        Raises:
            ValueError: the file holds a FAISS index of a kind this module never builds.
        """
        index = faiss.read_index(str(path))
        ivf = faiss.try_extract_index_ivf(index)
        if ivf is not None and ivf.direct_map.type == faiss.DirectMap.NoMap:
            ivf.make_direct_map()
        return cls(index)

    def _checked(self, rows: np.ndarray | list[int]) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        if len(rows) and (rows.min() < 0 or rows.max() >= len(self)):
            raise ValueError(f"rows must lie in 0..{len(self) - 1}")
        return rows

    def _faiss_search(
        self, queries: np.ndarray, k: int, params: faiss.SearchParameters | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        if k == 0:
            empty = np.zeros((len(queries), 0))
            return empty.astype(np.float32), empty.astype(np.int64)
        with _one_thread() if len(queries) == 1 else nullcontext():
            return self.index.search(queries, k, params=params)

    def _filtered_params(
        self, selector: faiss.IDSelector, fraction: float, k: int
    ) -> faiss.SearchParameters:
        """Search settings for a filter letting ``fraction`` of the rows through.

        Approximate kinds look ``1 / fraction`` times wider, so that about as
        many allowed rows are compared as without a filter.
        """
        ivf = faiss.try_extract_index_ivf(self.index)
        if ivf is not None:
            nprobe = min(ivf.nlist, math.ceil(ivf.nprobe / fraction))
            return faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)
        if self.kind.startswith("hnsw"):
            ef_search = max(k, math.ceil(self.index.hnsw.efSearch / fraction))
            return faiss.SearchParametersHNSW(sel=selector, efSearch=ef_search)
        return faiss.SearchParameters(sel=selector)

    def _search_rows(
        self, queries: np.ndarray, k: int, rows: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Exact search over the decoded vectors of a few rows."""
        if k == 0:
            return self._faiss_search(queries, 0)
        scores = queries @ self.reconstruct(rows).T
        best = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        best_scores = np.take_along_axis(scores, best, axis=1)
        order = np.argsort(-best_scores, axis=1, kind="stable")
        best = np.take_along_axis(best, order, axis=1)
        return np.take_along_axis(best_scores, order, axis=1), rows[best]


def _kind_of(index: faiss.Index) -> str:
    if isinstance(index, faiss.IndexFlat):
        return "flat"
    if isinstance(index, faiss.IndexIVFScalarQuantizer):
        qtype = index.sq.qtype
        if qtype == faiss.ScalarQuantizer.QT_8bit:
            return "ivf-sq8"
        if qtype == faiss.ScalarQuantizer.QT_fp16:
            return "ivf-fp16"
    if isinstance(index, faiss.IndexIVFPQ):
        return "ivf-pq"
    if isinstance(index, faiss.IndexHNSWFlat):
        return "hnsw"
    if isinstance(index, faiss.IndexHNSWSQ):
        return "hnsw-sq8"
    raise ValueError(f"a FAISS {type(index).__name__} index is not one of {', '.join(KINDS)}")


def _sorted_unique(rows: np.ndarray) -> np.ndarray:
    """The distinct rows in order; np.unique takes ~30 ms on 100k rows (numpy 2.4), this 1."""
    rows = np.sort(rows)
    first = np.ones(len(rows), dtype=bool)
    first[1:] = rows[1:] != rows[:-1]
    return rows[first]


def _sample_rows(count: int, size: int, seed: int) -> np.ndarray:
    """``size`` of ``count`` rows drawn with a fixed seed, in increasing order."""
    if size >= count:
        return np.arange(count, dtype=np.int64)
    picked = np.random.default_rng(seed).choice(count, size=size, replace=False)
    return np.sort(picked).astype(np.int64)


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run FAISS on this thread alone (OpenMP's thread count is per calling thread)."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)

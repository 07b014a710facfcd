from __future__ import annotations

import faiss
import numpy as np
import pytest

from assistant.store import vectors as vector_index
from assistant.store.vectors import (
    KINDS,
    VectorIndex,
    choose_kind,
    default_nprobe,
    list_count,
)

DIMENSION = 64
# How far a kind's cosines may stray from the exact ones: quantisation error.
TOLERANCE = {"flat": 1e-5, "hnsw": 1e-5, "ivf-fp16": 1e-3, "ivf-sq8": 0.05, "hnsw-sq8": 0.05}
TOLERANCE["ivf-pq"] = 0.2


def _unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def clustered() -> tuple[np.ndarray, np.ndarray]:
    """3,000 unit vectors in 60 clusters, and 50 queries each next to one of them."""
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((60, DIMENSION))
    vectors = _unit(centres[rng.integers(60, size=3000)] + 0.5 * rng.standard_normal((3000, 64)))
    queries = _unit(vectors[::60] + 0.02 * rng.standard_normal((50, DIMENSION)))
    return vectors, queries


@pytest.fixture(scope="module")
def indexes(clustered) -> dict[str, VectorIndex]:
    return {kind: VectorIndex.build(clustered[0], kind=kind) for kind in KINDS}


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_finds_the_exact_nearest(kind, clustered, indexes):
    vectors, queries = clustered
    index = indexes[kind]
    scores, rows = index.search(queries, 10)
    assert index.kind == kind and len(index) == 3000 and index.dimension == DIMENSION
    # Each query was made beside every 60th vector; that vector is its exact nearest.
    assert rows[:, 0].tolist() == list(range(0, 3000, 60))
    assert np.all(np.diff(scores, axis=1) <= 1e-6)
    exact = np.sort(queries @ vectors.T, axis=1)[:, ::-1][:, :10]
    assert np.abs(scores - exact).max() < TOLERANCE[kind]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("direct_limit", [0, 10_000])
def test_filters_work_for_each_kind(kind, direct_limit, clustered, indexes, monkeypatch):
    """Both ways a filter is applied: FAISS selectors, and scoring the allowed rows directly."""
    monkeypatch.setattr(vector_index, "DIRECT_FILTER_LIMIT", direct_limit)
    vectors, queries = clustered
    rows = np.arange(1, 3000, 3)  # excludes every query's own vector (multiples of 60)
    index = indexes[kind]
    scores, found = index.search(queries, 5, rows=rows)
    assert np.isin(found, rows).all()
    # The best allowed row by the vectors the index holds (quantised ones are approximate).
    best = rows[np.argmax(queries @ index.reconstruct(rows).T, axis=1)]
    assert np.mean(found[:, 0] == best) >= 0.9
    if kind == "flat":
        assert found[:, 0].tolist() == rows[np.argmax(queries @ vectors[rows].T, axis=1)].tolist()


def test_a_filter_allowing_fewer_rows_than_k_pads_or_shortens():
    vectors = _unit(np.random.default_rng(1).standard_normal((50, 8)))
    index = VectorIndex.build(vectors, kind="flat")
    _, rows = index.search(vectors[:2], 5, rows=np.array([3, 7, 7]))
    assert rows.shape == (2, 2) and set(rows[0].tolist()) == {3, 7}
    scores, rows = index.search(vectors[:2], 5, rows=np.array([], dtype=np.int64))
    assert scores.shape == rows.shape == (2, 0)


@pytest.mark.parametrize("kind", KINDS)
def test_save_and_load_keep_results_and_settings(kind, clustered, tmp_path):
    vectors, queries = clustered
    index = VectorIndex.build(vectors, kind=kind)
    if "nprobe" in index.search_params:
        index.tune(nprobe=7)
    if "ef_search" in index.search_params:
        index.tune(ef_search=33)
    index.save(tmp_path / "passages.faiss")
    loaded = VectorIndex.load(tmp_path / "passages.faiss")
    assert (loaded.kind, loaded.search_params) == (index.kind, index.search_params)
    assert loaded.search_params.get("nprobe", 7) == 7
    assert loaded.search_params.get("ef_search", 33) == 33
    for got, expected in zip(loaded.search(queries, 10), index.search(queries, 10), strict=True):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(loaded.reconstruct([5, 9]), index.reconstruct([5, 9]))


@pytest.mark.parametrize("kind", ["ivf-sq8", "ivf-pq", "hnsw-sq8"])
def test_a_rebuild_gives_the_same_index(kind, clustered, indexes):
    again = VectorIndex.build(clustered[0], kind=kind)
    first = faiss.serialize_index(indexes[kind].index)
    np.testing.assert_array_equal(faiss.serialize_index(again.index), first)


@pytest.mark.parametrize("kind", KINDS)
def test_cosines_match_search_scores(kind, clustered, indexes):
    vectors, queries = clustered
    index = indexes[kind]
    scores, rows = index.search(queries[:1], 10)
    np.testing.assert_allclose(index.cosines(rows[0], queries[0]), scores[0], atol=1e-4)
    exact = vectors[[4, 2000]] @ queries[0]
    np.testing.assert_allclose(index.cosines([4, 2000], queries[0]), exact, atol=TOLERANCE[kind])
    assert index.cosines([], queries[0]).shape == (0,)


def test_the_size_threshold_picks_the_kind(clustered):
    vectors = clustered[0]
    assert VectorIndex.build(vectors, exact_limit=3000).kind == "flat"
    assert VectorIndex.build(vectors, exact_limit=2999).kind == "ivf-sq8"
    assert choose_kind(vector_index.EXACT_LIMIT) == "flat"
    assert choose_kind(vector_index.EXACT_LIMIT + 1) == "ivf-sq8"
    assert VectorIndex.build(vectors[:10]).kind == "flat"


def test_list_count_grows_with_size_and_keeps_lists_trainable():
    assert list_count(1_000_000) == 2048
    assert list_count(100_000) == 512
    assert list_count(3000) == 64  # 2 x sqrt(3000) ~ 110, but 3000 vectors train 76 lists
    assert list_count(10) == 1
    assert default_nprobe(2048) == 64 and default_nprobe(16) == 16


def test_bad_requests_are_refused(clustered, indexes, tmp_path):
    vectors = clustered[0]
    with pytest.raises(ValueError, match="unknown index kind 'annoy'"):
        VectorIndex.build(vectors, kind="annoy")
    with pytest.raises(ValueError, match="needs at least 256 vectors"):
        VectorIndex.build(vectors[:100], kind="ivf-pq")
    with pytest.raises(ValueError, match="nprobe=4 does not apply to a flat index"):
        indexes["flat"].tune(nprobe=4)
    with pytest.raises(ValueError, match="ef_search=0 does not apply"):
        indexes["hnsw"].tune(ef_search=0)
    with pytest.raises(ValueError, match=r"rows must lie in 0\.\.2999"):
        indexes["ivf-sq8"].cosines([3000], vectors[0])
    with pytest.raises(ValueError, match=r"rows must lie in 0\.\.2999"):
        indexes["hnsw"].search(vectors[:1], 3, rows=np.array([-1, 5]))
    faiss.write_index(faiss.IndexLSH(DIMENSION, 16), str(tmp_path / "lsh.faiss"))
    with pytest.raises(ValueError, match="IndexLSH index is not one of flat"):
        VectorIndex.load(tmp_path / "lsh.faiss")


def test_a_single_query_leaves_the_thread_setting_as_it_was(clustered, indexes):
    """A single query's search is pinned to one thread; the caller's setting comes back."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(2)
    try:
        indexes["ivf-sq8"].search(clustered[1][:1], 5)
        assert faiss.omp_get_max_threads() == 2
    finally:
        faiss.omp_set_num_threads(before)

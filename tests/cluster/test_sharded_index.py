"""A sharded index ranks exactly as a one-machine index of the same corpus.

The shards are served in this process (``backend.open_local``), so these tests
check what the cluster adds to the search, the split, the corpus-wide BM25
statistics, the shared IVF quantizer and the merge, without Ray's transport
(``tests/cluster/ray`` runs the same on a real cluster).

Both indexes are given the same passage and sentence vectors: the encoder
rounds the last float bit differently when texts are batched differently,
and that is no part of what is tested here.

On SQuAD v1.1 dev the top 10 of every question must equal one machine's. CI
runs two Wikipedia articles' paragraphs; the whole set (2,067 paragraphs in 4
shards, 10,570 questions: all equal, 4.4 minutes here) runs with
``ASSISTANT_SQUAD_SHARDS=all python -m pytest tests/cluster/test_sharded_index.py``.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from assistant import Assistant
from assistant.cluster.backend import open_local
from assistant.cluster.build import build_sharded
from assistant.cluster.sharding import corpus_rows, shard_of, split_articles
from assistant.config import Settings
from assistant.corpus import load_corpus
from assistant.encoding.embedder import Embedder
from assistant.evaluation.datasets import load_squad_corpus, load_squad_questions
from assistant.store.build import build_index
from assistant.store.storage import load_index
from assistant.store.vectors import VectorIndex

SHARDS = 4
SLICE = ("Super_Bowl_50", "Warsaw")  # 54 + 49 paragraphs
FULL = os.environ.get("ASSISTANT_SQUAD_SHARDS") == "all"


class _Remembering:
    """The real embedder, remembering each text's vector for the sharded build."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.vectors: dict[str, np.ndarray] = {}

    def __getattr__(self, name):
        return getattr(self.embedder, name)

    def encode_documents(self, texts, **options) -> np.ndarray:
        vectors = self.embedder.encode_documents(texts, **options)
        self.vectors.update(zip(texts, vectors, strict=True))
        return vectors

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.vectors[text] for text in texts])


@pytest.fixture(scope="module")
def squad(tmp_path_factory):
    """One-machine and 4-shard assistants over the same SQuAD paragraphs."""
    corpus = load_squad_corpus(titles=None if FULL else SLICE)
    settings = Settings()
    embedder = _Remembering(Embedder(settings.model, encoder=settings.encoder))
    single_dir = tmp_path_factory.mktemp("squad-single")
    sharded_dir = tmp_path_factory.mktemp("squad-sharded")
    build_index(corpus, single_dir, settings, embedder)
    build_sharded(corpus, sharded_dir, settings, embedder, shards=SHARDS, encode=embedder.encode)
    single = Assistant(load_index(single_dir), embedder.embedder, settings)
    sharded = Assistant(open_local(sharded_dir), embedder.embedder, settings)
    ids = {article.id for article in corpus.articles}
    questions = [q for q in load_squad_questions() if q.articles[0] in ids]
    yield single, sharded, questions, corpus, embedder
    sharded.close()


def _top(answer) -> list[tuple]:
    return [
        (p.article_id, p.start, p.end, p.highlight_start, round(p.score, 5))
        for p in answer.passages
    ]


@pytest.mark.squad
def test_squad_top_10_equals_one_machine(squad):
    single, sharded, questions, corpus, _ = squad
    assert len(corpus.articles) == (2067 if FULL else 103)
    assert {len(group) > 0 for group in split_articles(corpus.articles, SHARDS)} == {True}
    texts = [question.question for question in questions]
    assert len(texts) >= (10_000 if FULL else 500)
    for start in range(0, len(texts), 64):
        batch = texts[start : start + 64]
        expected = single.ask_batch(batch, k=10)
        found = sharded.ask_batch(batch, k=10)
        for one, other in zip(expected, found, strict=True):
            assert _top(one) == _top(other), one.question
            assert one.found == other.found and abs(one.confidence - other.confidence) <= 1e-6


@pytest.mark.squad
def test_shards_hold_the_corpus_rows_in_order(squad):
    single, sharded, _, _, _ = squad
    assert [c.article_id for c in sharded.stored.chunks] == [
        c.article_id for c in single.stored.chunks
    ]
    assert [c.start for c in sharded.stored.chunks] == [c.start for c in single.stored.chunks]
    rows = np.arange(0, len(single.stored.chunks), 7)
    query = single.embedder.encode_queries(["Who won Super Bowl 50?"])[0]
    assert np.allclose(sharded.stored.cosines(rows, query), single.stored.cosines(rows, query))


def test_corpus_rows_interleave_the_shards():
    owners = [["b", "b", "d"], ["a", "c", "c", "c"]]
    rows = corpus_rows(["a", "b", "c", "d"], owners)
    assert rows.tolist() == [[1, 0], [0, 0], [0, 1], [1, 1], [1, 2], [1, 3], [0, 2]]


@pytest.mark.squad
def test_an_ivf_index_is_trained_once_and_shared(squad, tmp_path):
    """Above the exact limit every shard gets a copy of one quantizer, trained as one machine's."""
    single, _, _, corpus, embedder = squad
    settings = Settings()
    limit = 100  # the slice's ~110 passages take IVF lists
    build_sharded(
        corpus,
        tmp_path,
        settings,
        embedder,
        shards=SHARDS,
        encode=embedder.encode,
        exact_limit=limit,
    )
    sharded = open_local(tmp_path)
    one = VectorIndex.build(single.stored.passage_vectors, exact_limit=limit)
    assert one.kind == "ivf-sq8"
    queries = single.embedder.encode_queries(
        ["Who won Super Bowl 50?", "What is Warsaw's oldest park?"]
    )
    for query in queries:
        scores, rows = one.search(query[None, :], 10)
        sharded_scores, sharded_rows = sharded.dense_candidates(query, 10)
        assert sharded_rows.tolist() == rows[0].tolist()
        assert np.allclose(sharded_scores, scores[0], atol=1e-6)
    kinds = {server.index.vectors.kind for server in sharded.pool.servers}
    assert kinds == {"ivf-sq8"}
    sharded.close()


def test_copies_are_shown_once_as_on_one_machine(bot, tmp_path):
    """Copies of one story that hash to different shards are found over the whole corpus."""
    import shutil

    from tests.support import CORPUS
    from tests.test_copies_in_answers import COPIES, ORIGINAL, QUESTIONS, write_planted_copies

    shutil.copytree(CORPUS, tmp_path / "corpus")
    write_planted_copies(tmp_path / "corpus")
    corpus = load_corpus(tmp_path / "corpus")
    shards = 5  # the original, 900_reuters and 901_ap in three shards (4, 1, 3)
    owners = {shard_of(stem, shards) for stem in (ORIGINAL, *COPIES)}
    assert len(owners) == 3, "the original and its copies lie in different shards"
    embedder = _Remembering(bot.embedder)  # identical copies tie: the same vectors on both
    build_index(corpus, tmp_path / "single", bot.settings, embedder)
    build_sharded(
        corpus, tmp_path / "sharded", bot.settings, embedder, shards=shards, encode=embedder.encode
    )
    single = Assistant(load_index(tmp_path / "single"), bot.embedder, bot.settings)
    sharded = Assistant(open_local(tmp_path / "sharded"), bot.embedder, bot.settings)
    assert sharded.stored.copies.by_passage() == single.stored.copies.by_passage() != {}
    for question in QUESTIONS:
        one, other = single.ask(question), sharded.ask(question)
        assert [p.also_published_by for p in one.passages] == [
            p.also_published_by for p in other.passages
        ]
        assert _top(one) == _top(other), question
    assert any(p.also_published_by for p in sharded.ask(QUESTIONS[0]).passages)


@pytest.mark.squad
def test_a_cutter_gets_every_new_and_changed_article_in_one_call(squad, tmp_path):
    """``cut`` is asked once a build for every shard's new and changed articles, and only those."""
    import dataclasses

    from assistant.cluster.cutting import ray_cutter

    _, sharded, _, corpus, embedder = squad
    settings = Settings()
    here = ray_cutter(settings)  # less text than CLUSTER_FROM: cut in this process
    calls: list[list[str]] = []

    def cut(articles):
        calls.append(sorted(article.id for article in articles))
        return here(articles)

    build_sharded(corpus, tmp_path, settings, embedder, shards=SHARDS, cut=cut)
    assert calls == [sorted(article.id for article in corpus.articles)]
    built = open_local(tmp_path)
    assert built.chunks == sharded.stored.chunks  # the passages cut without a cutter
    built.close()

    changed = dataclasses.replace(
        corpus.articles[3], text=corpus.articles[3].text + "\n\nA last paragraph, added later."
    )
    articles = (*corpus.articles[:3], changed, *corpus.articles[4:])
    build_sharded(
        dataclasses.replace(corpus, articles=articles),
        tmp_path,
        settings,
        embedder,
        shards=SHARDS,
        cut=cut,
    )
    assert calls[1:] == [[changed.id]]
    updated = open_local(tmp_path)
    last = [c for c in updated.chunks if c.article_id == changed.id][-1]
    assert last.text.endswith("A last paragraph, added later.")
    updated.close()

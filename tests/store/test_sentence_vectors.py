"""Sentence vectors pooled from their passage (``Settings.sentence_vectors="pooled"``).

The real model and the seed corpus: a pooled build stores, for every sentence,
the mean of its passage's token states over the sentence's tokens, keeps the
passages' own vectors, is a different index from a separate build (a change of
setting rebuilds), and an update pools only the new article's sentences.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.corpus.loading import load_corpus
from assistant.encoding.embedder import Embedder
from assistant.errors import AssistantError
from assistant.store.build import build_index, embed_chunks, passage_spans, stale_reason
from assistant.store.storage import load_index
from tests.support import CORPUS

POOLED = Settings(sentence_vectors="pooled")


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(POOLED.model, encoder=POOLED.encoder)


@pytest.fixture(scope="module")
def pooled_dir(tmp_path_factory, embedder: Embedder) -> Path:
    folder = tmp_path_factory.mktemp("pooled")
    build_index(load_corpus(CORPUS), folder, POOLED, embedder)
    return folder


def test_a_pooled_build_pools_each_sentence_from_its_passage(
    pooled_dir: Path, embedder: Embedder
) -> None:
    stored = load_index(pooled_dir)
    chunks = list(stored.chunks)
    spans = passage_spans(chunks)
    passages, sentences = embedder.encode_passages([c.text for c in chunks], spans)
    assert np.allclose(stored.passage_vectors, passages, atol=1e-6)
    assert np.allclose(stored.sentence_vectors, sentences, atol=1e-6)
    pieces = zip(chunks, spans, strict=True)
    alone = embedder.encode_documents([c.text[a:b] for c, within in pieces for a, b in within])
    # Not the separately embedded sentences under another name (but for a passage of one
    # sentence), yet close to them.
    cosines = (stored.sentence_vectors * alone).sum(axis=1)
    assert 0.7 < np.median(cosines) < 0.95
    assert stored.manifest["index_settings"]["sentence_vectors"] == "pooled"


def test_changing_the_setting_rebuilds(pooled_dir: Path, embedder: Embedder) -> None:
    corpus = load_corpus(CORPUS)
    assert stale_reason(pooled_dir, corpus, POOLED, embedder) == ""
    assert stale_reason(pooled_dir, corpus, Settings(), embedder)


def test_the_pooled_index_answers(pooled_dir: Path, embedder: Embedder) -> None:
    bot = Assistant(load_index(pooled_dir), embedder, POOLED)
    answer = bot.ask("How many soldiers did Azerbaijan lose?")
    first = answer.passages[0]
    assert "2,783" in first.text and "2,783" in first.highlight


def test_an_update_pools_only_the_new_article(
    pooled_dir: Path, embedder: Embedder, tmp_path: Path
) -> None:
    corpus_dir = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus_dir)
    index_dir = tmp_path / "index"
    shutil.copytree(pooled_dir, index_dir, symlinks=True)
    (corpus_dir / "harbour.md").write_text(
        "# Harbour reopens\n\nThe harbour of Port Ellis reopened on Monday. "
        "Ferries to the islands run again from Tuesday.\n",
        encoding="utf-8",
    )
    build_index(load_corpus(corpus_dir), index_dir, POOLED, embedder)
    stored = load_index(index_dir)
    update = stored.manifest["update"]
    assert (update["embedded_articles"], update["embedded_passages"]) == (1, 1)
    assert update["embedded_sentences"] == 2
    full = tmp_path / "full"
    build_index(load_corpus(corpus_dir), full, POOLED, embedder)
    assert np.allclose(load_index(full).sentence_vectors, stored.sentence_vectors, atol=1e-6)


def test_an_encoder_that_returns_too_few_vectors_is_refused(pooled_dir: Path) -> None:
    stored = load_index(pooled_dir)
    chunks, articles = list(stored.chunks[:2]), list(stored.articles)

    def short(texts, spans=None):
        return np.zeros((len(texts), 384), dtype=np.float32)  # the sentences left out

    with pytest.raises(AssistantError, match="returned 2 vectors for"):
        embed_chunks(chunks, articles, POOLED, None, encode=short)
    with pytest.raises(AssistantError, match="returned 2 vectors for"):
        embed_chunks(chunks, articles, Settings(), None, encode=lambda texts: short(texts[:2]))

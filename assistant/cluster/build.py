"""Building a sharded index: every shard a stored index, BM25 scored corpus-wide.

A build runs in three steps. Each shard plans its articles as a one-machine
build does (unchanged articles keep their passages, vectors and terms from the
live version's shard). The terms of all shards then give the corpus-wide BM25
statistics. Last, the new passages of every shard are embedded in one pass
(in this process, or on the cluster with Ray Data: ``embedding.py``) and every
shard is written, with BM25 built from the corpus's statistics, into one new
version that ``CURRENT`` switches to at once.

So each passage gets the vectors, terms and BM25 scores it gets in a
one-machine index of the same corpus, and an update embeds only the articles
that were added or changed.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import Settings
from ..corpus.article import Article, Corpus
from ..corpus.chunking import Chunk
from ..encoding.embedder import Embedder
from ..errors import AssistantError, CorpusError, IndexMismatchError
from ..store.build import (
    NO_TERMS,
    Encode,
    code_fingerprint,
    embed_chunks,
    expected_manifest,
    gather_vectors,
    plan_update,
    version_manifest,
)
from ..store.copies import find_copies
from ..store.storage import PreviousIndex, load_previous_version, write_version
from ..store.terms import PassageTerms, combine_statistics
from ..store.update import Plan
from ..store.vectors import EXACT_LIMIT, VectorIndex
from ..store.versions import new_version, remove_stale_versions, switch_to
from .catalog import Catalog, live_catalog
from .cutting import CutAll
from .sharding import DEFAULT_SHARDS, SHARD_FOLDER, corpus_rows, split_articles

logger = logging.getLogger(__name__)

_build_lock = threading.Lock()


@dataclass(slots=True)
class _Shard:
    number: int
    articles: list[Article]
    previous: PreviousIndex | None
    plan: Plan
    terms: PassageTerms


def build_sharded(
    corpus: Corpus,
    index_dir: str | Path,
    settings: Settings,
    embedder: Embedder,
    *,
    shards: int = DEFAULT_SHARDS,
    encode: Encode | None = None,
    cut: CutAll | None = None,
    full: bool = False,
    progress: bool = False,
    exact_limit: int = EXACT_LIMIT,
) -> Path:
    """Write a sharded index of a corpus, reusing what the live version holds.

    Args:
        corpus: the articles to index.
        index_dir: the sharded index's folder (not a one-machine index's).
        settings: how articles are cut and embedded.
        embedder: the model, for fingerprints and, without ``encode``, embedding.
        shards: how many shards the articles are hashed over.
        encode: embeds the new texts (Ray Data on a cluster); the embedder in
            this process when None.
        cut: cuts the new and changed articles into passages (``cutting.ray_cutter``:
            Ray Data on a cluster); this process when None.
        full: embed every article again.
        progress: show the embedding progress bar (in-process embedding only).
        exact_limit: the passage count above which the vectors are searched
            with IVF lists (``store.vectors.choose_kind``); lower only to test.

    Returns:
        The new version's folder.

    Raises:
        CorpusError: the corpus holds no article or no searchable word.
        AssistantError: the index cannot be written; the live version is kept.
    """
    if not corpus.articles:
        raise CorpusError("the corpus holds no readable article: add articles to it first")
    with _build_lock:
        articles = list(corpus.articles)
        key = {
            **expected_manifest(corpus, settings, embedder),
            "code_fingerprint": code_fingerprint(),
            "shards": shards,
        }
        previous, full_reason = (None, "requested") if full else _reusable(index_dir, key)
        groups = [
            (number, group, previous and _previous_shard(previous, number))
            for number, group in enumerate(split_articles(articles, shards))
            if group
        ]
        cut_here = None
        if cut is not None:  # every shard's new and changed articles in one pass
            pending = [a for _, group, before in groups for a in Plan.pending(group, before)]
            cut_passages = cut(pending)

            def cut_here(article: Article) -> list[Chunk]:
                return cut_passages[article.id]

        planned = []
        for number, group, before in groups:
            plan, terms = plan_update(group, before, settings, cut_here)
            planned.append(_Shard(number, group, before, plan, terms))
        statistics = combine_statistics([shard.terms for shard in planned])
        if not statistics.frequencies:
            raise CorpusError(NO_TERMS)
        # Every shard's new passages in one pass, then each shard's share of the vectors.
        chunks = [chunk for shard in planned for chunk in shard.plan.new_chunks]
        passages, sentences = embed_chunks(
            chunks, articles, settings, embedder, encode=encode, progress=progress
        )
        new = [shard.plan.new_chunks for shard in planned]
        counts = [sum(len(chunk.sentences) for chunk in part) for part in new]
        passage_parts = np.split(passages, np.cumsum([len(part) for part in new])[:-1])
        sentence_parts = np.split(sentences, np.cumsum(counts)[:-1])
        vectors = [
            gather_vectors(shard.plan, shard.previous, shard_passages, shard_sentences)
            for shard, shard_passages, shard_sentences in zip(
                planned, passage_parts, sentence_parts, strict=True
            )
        ]
        indexes = _shared_indexes(
            articles, planned, [passages for passages, _ in vectors], exact_limit
        )
        try:
            with new_version(index_dir) as folder:
                manifests = [
                    _write_shard(
                        folder,
                        shard,
                        shard_vectors,
                        index,
                        statistics,
                        corpus,
                        settings,
                        embedder,
                        full_reason,
                        embedded_sentences,
                    )
                    for shard, shard_vectors, index, embedded_sentences in zip(
                        planned, vectors, indexes, counts, strict=True
                    )
                ]
                base = previous[1].articles if previous else ()
                _catalog(articles, planned, manifests, statistics, key, base).save(folder)
                del previous, planned, vectors  # unmapped before the old version is removed
                switch_to(folder)
        except (OSError, RuntimeError) as error:
            raise AssistantError(
                f"could not write the sharded index in {str(index_dir)!r} ({error}): check the "
                "free disk space and that you may write there; the previous index is kept"
            ) from error
        remove_stale_versions(index_dir)
        return folder


def sharded_stale_reason(
    index_dir: str | Path,
    corpus: Corpus,
    settings: Settings,
    embedder: Embedder,
    shards: int | None = None,
) -> str:
    """Why the sharded index must be (re)built for this corpus, or '' when it is up to date."""
    try:
        live = live_catalog(index_dir)
    except IndexMismatchError as error:
        return f"the index cannot be used ({error})"
    if live is None:
        return "no index yet"
    key = {**expected_manifest(corpus, settings, embedder), "code_fingerprint": code_fingerprint()}
    key["shards"] = shards or live[1].shards
    for name, value in key.items():
        if live[1].key.get(name) != value:
            return f"the {name.replace('_', ' ')} changed"
    return ""


def live_shard_count(index_dir: str | Path) -> int | None:
    """How many shards the live sharded index has; None when there is none (or it is damaged)."""
    try:
        live = live_catalog(index_dir)
    except IndexMismatchError:
        return None
    return None if live is None else live[1].shards


def _reusable(index_dir: str | Path, key: dict) -> tuple[tuple[Path, Catalog] | None, str]:
    try:
        live = live_catalog(index_dir)
    except IndexMismatchError as error:
        logger.warning(
            "building the sharded index in full: the live one cannot be reused: %s", error
        )
        return None, "the current index cannot be reused"
    if live is None:
        return None, "no index yet"
    changed = [
        name
        for name, value in key.items()
        if name != "corpus_fingerprint" and live[1].key.get(name) != value
    ]
    if changed:
        return None, f"the {changed[0].replace('_', ' ')} changed"
    return live, ""


def _previous_shard(previous: tuple[Path, Catalog], number: int) -> PreviousIndex | None:
    folder, catalog = previous
    name = catalog.folders.get(str(number))
    if name is None:
        return None
    try:
        return load_previous_version(folder / name)
    except IndexMismatchError as error:
        logger.warning(
            "shard %d is embedded again: its live version cannot be reused: %s", number, error
        )
        return None


def _shared_indexes(
    articles: list[Article], planned: list[_Shard], vectors: list[np.ndarray], exact_limit: int
) -> list[VectorIndex]:
    """Each shard's vector index, all of the kind, lists and training a one-machine index gets.

    The corpus's count picks the kind; an IVF index is trained once, on the
    seeded sample of the corpus's rows in corpus order that a one-machine
    build draws, and each shard adds its own rows to a copy. So the shards
    share one quantizer and the lists probed for a question are the same
    everywhere.
    """
    count = sum(len(part) for part in vectors)
    dimension = next((part.shape[1] for part in vectors if part.ndim == 2 and len(part)), 0)
    if dimension == 0:
        raise AssistantError("the sharded index would hold no passage vector")
    shared = VectorIndex.empty(count, dimension, exact_limit=exact_limit)
    wanted = shared.training_rows(count)
    if len(wanted):
        owners = [[chunk.article_id for chunk in shard.plan.chunks] for shard in planned]
        where = corpus_rows([article.id for article in articles], owners)[wanted]
        shared.train(np.stack([vectors[n][row] for n, row in where.tolist()]))
    indexes = []
    for part in vectors:
        index = shared.copy()
        index.add(part)
        indexes.append(index)
    return indexes


def _write_shard(
    folder, shard, vectors, index, statistics, corpus, settings, embedder, full_reason, sentences
) -> dict:
    passage_vectors, sentence_vectors = vectors
    update = shard.plan.record(shard.previous, full_reason, sentences)
    manifest = version_manifest(
        corpus,
        shard.articles,
        settings,
        embedder,
        shard.plan,
        passage_vectors,
        sentence_vectors,
        update,
    )
    write_version(
        folder / SHARD_FOLDER.format(shard.number),
        manifest,
        shard.articles,
        shard.plan.chunks,
        vectors=index,
        passage_vectors=passage_vectors,
        sentence_vectors=sentence_vectors,
        terms=shard.terms,
        lexical=shard.terms.lexical_index(statistics),
    )
    return manifest


def _catalog(articles, planned, manifests, statistics, key, base) -> Catalog:
    """The new version's catalog; ``base`` lists the previous version's article ids."""
    shards = key["shards"]
    counts = {
        name: sum(m["counts"][name] for m in manifests)
        for name in ("articles", "passages", "sentences")
    }
    updates = [m["update"] for m in manifests]
    update = {
        name: sum(u[name] for u in updates)
        for name in (
            "added",
            "changed",
            "removed",
            "reused_articles",
            "embedded_articles",
            "embedded_passages",
            "embedded_sentences",
        )
    }
    # A shard left with no article writes no manifest: count removals over the corpus.
    update["removed"] = len(set(base) - {article.id for article in articles})
    update["base"] = next((u["base"] for u in updates if u["base"]), "")
    update["full_reason"] = updates[0]["full_reason"] if updates else ""
    first = manifests[0]
    manifest = {
        "model": first["model"],
        "dimension": first["dimension"],
        "counts": counts,
        "update": update,
        "skipped": first["skipped"],
        "built_at": first["built_at"],
        "shards": shards,
    }
    chunks = [chunk for shard in planned for chunk in shard.plan.chunks]
    return Catalog(
        shards=shards,
        folders={str(shard.number): SHARD_FOLDER.format(shard.number) for shard in planned},
        articles=tuple(article.id for article in articles),
        passages=statistics.passages,
        average_length=statistics.average_length,
        key=key,
        manifest=manifest,
        copies=find_copies(chunks).to_dict(),
    )

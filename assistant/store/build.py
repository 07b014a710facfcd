"""Building the index: passages, embeddings, FAISS and BM25, and when to rebuild.

A build is an update when the live version was built with the same model,
chunking settings and code: each article whose id and cleaned text are
unchanged keeps its passages, their vectors and their BM25 terms from that
version; only added and changed articles are cut and embedded, and removed
ones drop out. BM25 is rebuilt over every passage (IDF is global), from the
kept terms. Passages stay in corpus order, so an update gives what a full
build gives: the same passages, terms and BM25 scores, and the same vectors
up to the last bits (the model pads each batch to its longest text, and
other batches round differently: about 1e-7).

Copies (near-identical passages of different articles, ``copies.py``) are
found anew over every passage at each build, so that an article added by an
update is paired with the copies already indexed; it costs about a second for
3,500 passages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import inspect
import logging
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from ..config import INDEX_FORMAT_VERSION, Settings
from ..corpus import chunking
from ..corpus.article import Article, Corpus
from ..corpus.chunking import Chunk
from ..encoding.embedder import Embedder
from ..errors import AssistantError, CorpusError, IndexMismatchError
from . import lexical as lexical_index
from .copies import find_copies, method
from .storage import PreviousIndex, live_manifest, save_index
from .terms import PassageTerms
from .update import Cut, Plan, gather, gather_terms, reusable
from .vectors import VectorIndex

logger = logging.getLogger(__name__)

# Libraries that shape passages and terms besides our own code.
_LIBRARIES = ("pysbd", "bm25s", "PyStemmer")


def expected_manifest(corpus: Corpus, settings: Settings, embedder: Embedder) -> dict[str, Any]:
    """The manifest fields that must match for an index to be up to date."""
    return {
        "format_version": INDEX_FORMAT_VERSION,
        "model": settings.model,
        "model_fingerprint": embedder.fingerprint,
        "corpus_fingerprint": corpus.fingerprint,
        "index_settings": settings.index_key(),
        # A new way of finding copies makes an update (nothing is embedded again).
        "copies_method": method(),
    }


def stale_reason(
    index_dir: str | Path, corpus: Corpus, settings: Settings, embedder: Embedder
) -> str:
    """Why the index must be (re)built, or '' when it is up to date.

    Only the manifest is read here; ``load_index`` checks the files.
    """
    try:
        manifest = live_manifest(index_dir)
    except IndexMismatchError as error:
        return f"{_UNUSABLE} ({error})"
    if manifest is None:
        return "no index yet"
    for key, value in expected_manifest(corpus, settings, embedder).items():
        if manifest.get(key) != value:
            return f"the {key.replace('_', ' ')} changed"
    return ""


_UNUSABLE = "the index cannot be used"


def is_damage(reason: str) -> bool:
    """True when a ``stale_reason`` is damage rather than an expected rebuild.

    A first build or a rebuild after an article was added is what the user
    asked for, and is logged at INFO; a damaged index is worth their attention
    (a full disk, another program writing there), and is logged as a WARNING.
    """
    return reason.startswith(_UNUSABLE)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A fingerprint of the code that cuts passages and splits them into terms.

    An update keeps passages and terms only from a version built by the same
    code, since a full build would cut or split them anew: all of
    ``chunking.py``, the tokeniser of ``store/lexical.py`` (not its search,
    whose changes must not cost a re-embedding), and the libraries they use.
    Vectors are the embedder's: its fingerprint changes whenever they would.
    """
    digest = hashlib.sha256(Path(chunking.__file__).read_bytes())
    for function in (lexical_index.tokenize, lexical_index._stemmer):
        digest.update(inspect.getsource(function).encode())
    for library in _LIBRARIES:
        try:
            version = importlib.metadata.version(library)
        except importlib.metadata.PackageNotFoundError:
            version = "?"
        digest.update(f"\0{library}={version}".encode())
    return digest.hexdigest()[:16]


def describe_update(update: dict[str, Any]) -> str:
    """One line on how a version was built, from its manifest's ``update``.

    Example:
        >>> describe_update(load_index("index").manifest["update"])
        'updated: 1 added, 0 changed, 0 removed; 5 articles reused, 1 embedded (7 passages, ...'
    """
    sizes = f"({update['embedded_passages']} passages, {update['embedded_sentences']} sentences)"
    if not update["base"]:
        embedded = update["embedded_articles"]
        return f"full build ({update['full_reason']}): {embedded} articles embedded {sizes}"
    return (
        f"updated: {update['added']} added, {update['changed']} changed, "
        f"{update['removed']} removed; {update['reused_articles']} articles reused, "
        f"{update['embedded_articles']} embedded {sizes}"
    )


_build_lock = threading.Lock()


def build_index(
    corpus: Corpus,
    index_dir: str | Path,
    settings: Settings,
    embedder: Embedder,
    *,
    progress: bool = False,
    full: bool = False,
) -> Path:
    """Index every passage and sentence of a corpus, reusing the live version's.

    Args:
        corpus: the articles to index.
        index_dir: the index folder; a new version is written and switched in.
        settings: how articles are cut (and which model embeds them).
        embedder: embeds the passages and sentences of new and changed articles.
        progress: show the embedding progress bar.
        full: embed every article, reusing nothing of the live version.

    Returns:
        The new version's folder; its manifest's ``update`` says what was
        reused and what was embedded (``describe_update`` puts it in words).

    Raises:
        CorpusError: the corpus holds no article, or no searchable word.
        AssistantError: the index cannot be written; the previous one is kept.
    """
    if not corpus.articles:
        skipped = "; ".join(f"{Path(s.path).name}: {s.reason}" for s in corpus.skipped)
        raise CorpusError(
            "the corpus holds no readable article: add .md or .txt files"
            + (f" (skipped: {skipped})" if skipped else "")
        )
    with _build_lock:
        articles = list(corpus.articles)
        previous, full_reason = (
            (None, "requested") if full else _reusable(index_dir, settings, embedder)
        )
        plan, terms = plan_update(articles, previous, settings)
        # bm25s cannot index a corpus without a single term; say so before embedding.
        if not len(terms.ids):
            raise CorpusError(NO_TERMS)
        passages, sentences = embed_chunks(
            plan.new_chunks, articles, settings, embedder, progress=progress
        )
        passage_vectors, sentence_vectors = gather_vectors(plan, previous, passages, sentences)
        update = plan.record(previous, full_reason, len(sentences))
        logger.info("%s", describe_update(update))
        manifest = version_manifest(
            corpus, articles, settings, embedder, plan, passage_vectors, sentence_vectors, update
        )
        # Unmapped before the previous version is removed (Windows refuses otherwise).
        del previous
        return save_index(
            index_dir,
            manifest,
            articles,
            plan.chunks,
            vectors=VectorIndex.build(passage_vectors),
            passage_vectors=passage_vectors,
            sentence_vectors=sentence_vectors,
            terms=terms,
            lexical=terms.lexical_index(),
            copies=find_copies(plan.chunks),
        )


NO_TERMS = (
    "the articles hold no searchable words (only stop words, numbers or "
    "one-letter words): add articles with real text"
)


def plan_update(
    articles: list[Article],
    previous: PreviousIndex | None,
    settings: Settings,
    cut: Cut | None = None,
) -> tuple[Plan, PassageTerms]:
    """Which passages are kept and which cut anew (by ``cut``, see ``Plan.make``), and
    every passage's BM25 terms."""
    plan = Plan.make(articles, previous, settings, cut)
    terms = gather_terms(
        plan.passages, previous, PassageTerms.of([chunk.text for chunk in plan.new_chunks])
    )
    return plan, terms


def embed_chunks(
    chunks: list[Chunk],
    articles: list[Article],
    settings: Settings,
    embedder: Embedder,
    *,
    encode: Encode | None = None,
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The chunks' passage vectors, and all their sentences' vectors in order.

    Args:
        chunks: the passages to embed.
        articles: the articles they were cut from (for the sentences' texts).
        settings: ``sentence_vectors`` says whether sentences are embedded on their
            own or pooled from their passage's token states; ``batch_size``.
        embedder: embeds them, in this process, unless ``encode`` is given.
        encode: embeds them elsewhere (Ray Data on a cluster), as ``Encode`` says.
        progress: show the embedding progress bar (in-process embedding only).

    Raises:
        AssistantError: ``encode`` returned another number of vectors than asked.
    """
    if not chunks:
        empty = np.zeros((0, 0), dtype=np.float32)
        return empty, empty
    batch_size = settings.batch_size
    if settings.sentence_vectors == "pooled":
        texts = [chunk.text for chunk in chunks]
        spans = passage_spans(chunks)
        if encode is None:
            return embedder.encode_passages(texts, spans, batch_size=batch_size, progress=progress)
        vectors = np.asarray(encode(texts, spans=spans), dtype=np.float32)
    else:
        texts = texts_to_embed(chunks, articles)
        if encode is None:
            vectors = embedder.encode_documents(texts, batch_size=batch_size, progress=progress)
        else:
            vectors = np.asarray(encode(texts), dtype=np.float32)
    wanted = len(chunks) + sum(len(chunk.sentences) for chunk in chunks)
    if vectors.shape[0] != wanted:
        raise AssistantError(f"the encoders returned {vectors.shape[0]} vectors for {wanted}")
    return vectors[: len(chunks)], vectors[len(chunks) :]


def passage_spans(chunks: list[Chunk]) -> list[list[tuple[int, int]]]:
    """Each chunk's sentence spans, counted from the start of its passage's text."""
    return [[(s - chunk.start, e - chunk.start) for s, e in chunk.sentences] for chunk in chunks]


# Embeds texts into unit vectors, in order, elsewhere than in this process (Ray Data on a
# cluster). With ``spans`` (``Settings.sentence_vectors="pooled"``) the texts are passages
# and the result is their vectors followed by their sentences' pooled vectors, as
# ``Embedder.encode_passages`` gives them; without, one vector per text.
Encode = Callable[..., np.ndarray]


def texts_to_embed(chunks: list[Chunk], articles: list[Article]) -> list[str]:
    """The passages' texts, then their sentences': what one pass of the model embeds."""
    texts = {article.id: article.text for article in articles}
    sentences = [texts[c.article_id][start:end] for c in chunks for start, end in c.sentences]
    return [chunk.text for chunk in chunks] + sentences


def gather_vectors(
    plan: Plan, previous: PreviousIndex | None, passages: np.ndarray, sentences: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Passage and sentence vectors in corpus order, from the previous version and the new.

    ``passages`` and ``sentences`` are what ``embed_chunks(plan.new_chunks, ...)`` gave.
    """
    passage_vectors = gather(plan.passages, previous and previous.passage_vectors, passages)
    sentence_vectors = gather(plan.sentences, previous and previous.sentence_vectors, sentences)
    return passage_vectors, sentence_vectors


def version_manifest(
    corpus: Corpus,
    articles: list[Article],
    settings: Settings,
    embedder: Embedder,
    plan: Plan,
    passage_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    update: dict[str, Any],
) -> dict[str, Any]:
    """The manifest of a version (or a shard) holding the plan's passages."""
    passages, sentences = len(plan.chunks), len(sentence_vectors)
    return {
        **expected_manifest(corpus, settings, embedder),
        "code_fingerprint": code_fingerprint(),
        "settings": settings.to_dict(),
        "dimension": int(passage_vectors.shape[1]),
        "vector_count": {
            "passages.faiss": passages,
            "passages.npy": passages,
            "sentences.npy": sentences,
        },
        "counts": {
            "articles": len(articles),
            "passages": passages,
            "sentences": sentences,
        },
        "update": update,
        "skipped": [{"path": s.path, "reason": s.reason} for s in corpus.skipped],
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "faiss_version": faiss.__version__,
    }


def _reusable(index_dir: str | Path, settings: Settings, embedder: Embedder):
    """The live version if it was built with this model, these settings and this code."""
    return reusable(
        index_dir,
        {
            "model_fingerprint": embedder.fingerprint,
            "index_settings": settings.index_key(),
            "code_fingerprint": code_fingerprint(),
        },
    )

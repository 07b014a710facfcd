"""Building the index: passages, embeddings, FAISS and BM25, and when to rebuild."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import faiss

from .chunking import chunk_article
from .config import INDEX_FORMAT_VERSION, Settings
from .corpus import Corpus
from .embedding import Embedder
from .errors import CorpusError, IndexMismatchError
from .lexical_index import LexicalIndex, stems
from .store import live_manifest, save_index
from .vector_index import VectorIndex


def expected_manifest(corpus: Corpus, settings: Settings, embedder: Embedder) -> dict[str, Any]:
    """The manifest fields that must match for an index to be up to date."""
    return {
        "format_version": INDEX_FORMAT_VERSION,
        "model": settings.model,
        "model_fingerprint": embedder.fingerprint,
        "corpus_fingerprint": corpus.fingerprint,
        "index_settings": settings.index_key(),
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
        return f"the index cannot be used ({error})"
    if manifest is None:
        return "no index yet"
    for key, value in expected_manifest(corpus, settings, embedder).items():
        if manifest.get(key) != value:
            return f"the {key.replace('_', ' ')} changed"
    return ""


_build_lock = threading.Lock()


def build_index(
    corpus: Corpus,
    index_dir: str | Path,
    settings: Settings,
    embedder: Embedder,
    *,
    progress: bool = False,
) -> Path:
    """Embed and index every passage and sentence of a corpus; returns the folder."""
    if not corpus.articles:
        skipped = "; ".join(f"{Path(s.path).name}: {s.reason}" for s in corpus.skipped)
        raise CorpusError(
            "the corpus holds no readable article: add .md or .txt files"
            + (f" (skipped: {skipped})" if skipped else "")
        )
    with _build_lock:
        articles = list(corpus.articles)
        chunks = [
            chunk
            for article in articles
            for chunk in chunk_article(
                article, min_words=settings.min_words, max_words=settings.max_words
            )
        ]
        # bm25s cannot index a corpus without a single term; say so before embedding.
        if not any(stems(chunk.text) for chunk in chunks):
            raise CorpusError(
                "the articles hold no searchable words (only stop words, numbers or "
                "one-letter words): add articles with real text"
            )
        texts = {article.id: article.text for article in articles}
        sentences = [
            texts[chunk.article_id][start:end] for chunk in chunks for start, end in chunk.sentences
        ]
        # One pass over passages and sentences together, so there is one progress bar.
        vectors = embedder.encode_documents(
            [chunk.text for chunk in chunks] + sentences,
            batch_size=settings.batch_size,
            progress=progress,
        )
        manifest = {
            **expected_manifest(corpus, settings, embedder),
            "settings": settings.to_dict(),
            "dimension": int(vectors.shape[1]),
            "vector_count": {"passages.faiss": len(chunks), "sentences.npy": len(sentences)},
            "counts": {
                "articles": len(articles),
                "passages": len(chunks),
                "sentences": len(sentences),
            },
            "skipped": [{"path": s.path, "reason": s.reason} for s in corpus.skipped],
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "faiss_version": faiss.__version__,
        }
        return save_index(
            index_dir,
            manifest,
            articles,
            chunks,
            VectorIndex.build(vectors[: len(chunks)]),
            vectors[len(chunks) :],
            LexicalIndex.build([chunk.text for chunk in chunks]),
        )

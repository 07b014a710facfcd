"""Assistant: build, load and ask. The one entry point for scripts and the app."""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import faiss

from .answer import Answer, Passage
from .chunking import chunk_article
from .config import DEFAULT_CORPUS_DIR, DEFAULT_INDEX_DIR, DEFAULT_K, INDEX_FORMAT_VERSION, Settings
from .corpus import Article, Corpus, load_corpus
from .embedding import Embedder
from .errors import AssistantError, CorpusError, IndexNotFoundError
from .followup import resolve_followup
from .lexical_index import LexicalIndex
from .question import prepare_question
from .retrieval import Hit, Retriever
from .store import StoredIndex, load_index, read_manifest, save_index
from .vector_index import VectorIndex

logger = logging.getLogger(__name__)

# Logistic mapping of the best sentence's cosine similarity to a 0-1
# confidence: 0.5 at ANSWERABLE_COSINE. Chosen on our labelled questions, where
# answered questions score about 0.45-0.8 and off-topic ones below 0.25.
ANSWERABLE_COSINE = 0.33
CONFIDENCE_SLOPE = 14.0


class Assistant:
    """Answers questions with passages quoted from the articles of a corpus.

    Example:
        >>> bot = Assistant.load(corpus_dir="corpus", index_dir="index")
        >>> answer = bot.ask("How many soldiers did Azerbaijan lose?", k=3)
        >>> answer.best.outlet, answer.found
    """

    def __init__(self, stored: StoredIndex, embedder: Embedder, settings: Settings) -> None:
        self.stored = stored
        self.embedder = embedder
        self.settings = settings
        self.retriever = Retriever(stored, settings)
        self._articles = {article.id: article for article in stored.articles}

    # -- building and loading -------------------------------------------------

    @classmethod
    def build(
        cls,
        corpus_dir: str | Path = DEFAULT_CORPUS_DIR,
        index_dir: str | Path = DEFAULT_INDEX_DIR,
        *,
        settings: Settings | None = None,
        progress: bool = False,
    ) -> Assistant:
        """Build the index of a corpus from scratch and return a ready assistant.

        Raises:
            CorpusError: the folder is missing or holds no readable article.
            ModelError: the model cannot be loaded.
        """
        settings = settings or Settings()
        embedder = Embedder(settings.model)
        build_index(load_corpus(corpus_dir), index_dir, settings, embedder, progress=progress)
        return cls(load_index(index_dir), embedder, settings)

    @classmethod
    def load(
        cls,
        corpus_dir: str | Path = DEFAULT_CORPUS_DIR,
        index_dir: str | Path = DEFAULT_INDEX_DIR,
        *,
        settings: Settings | None = None,
        progress: bool = False,
    ) -> Assistant:
        """Open the index, building or rebuilding it first when needed.

        The index is rebuilt when the corpus files, the model or the chunking
        settings differ from those it was built with, or when it is damaged.
        Without a corpus folder, an existing index is used as it is.

        Raises:
            IndexNotFoundError: there is neither an index nor a corpus.
            CorpusError, ModelError: building was needed and failed.
        """
        settings = settings or Settings()
        embedder = Embedder(settings.model)
        corpus = load_corpus(corpus_dir) if Path(corpus_dir).is_dir() else None
        if corpus is None:
            if read_manifest(index_dir) is None:
                raise IndexNotFoundError(
                    f"neither an index in {str(index_dir)!r} nor a corpus folder "
                    f"{str(corpus_dir)!r}: put articles in a corpus folder and run "
                    "`python -m assistant build`"
                )
            logger.warning("corpus folder %s not found; using the index as it is", corpus_dir)
        elif stale_reason(index_dir, corpus, settings, embedder):
            reason = stale_reason(index_dir, corpus, settings, embedder)
            logger.warning("building the index in %s: %s", index_dir, reason)
            build_index(corpus, index_dir, settings, embedder, progress=progress)
        try:
            stored = load_index(index_dir)
        except AssistantError:
            if corpus is None:
                raise
            logger.warning("the index in %s is damaged; rebuilding it", index_dir, exc_info=True)
            build_index(corpus, index_dir, settings, embedder, progress=progress)
            stored = load_index(index_dir)
        return cls(stored, embedder, settings)

    # -- asking ---------------------------------------------------------------

    def ask(
        self, question: str, *, k: int = DEFAULT_K, history: Sequence[str] | None = None
    ) -> Answer:
        """Find the passages that answer a question.

        Args:
            question: what the reader wants to know.
            k: how many passages to return, best first.
            history: earlier user questions of the same chat, oldest first;
                used to understand short follow-ups such as "What about Armenia?".

        Returns:
            An Answer whose passages are verbatim slices of the articles.

        Raises:
            QuestionError: the question is empty or has no words.
            ValueError: k is not a positive whole number, or history is not a
                list of strings.
        """
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a whole number of at least 1, got {k!r}")
        if history is None:
            history = []
        if isinstance(history, str) or not all(isinstance(item, str) for item in history):
            raise ValueError("history must be a list of earlier questions, as strings")
        prepared = prepare_question(question, max_chars=self.settings.max_question_chars)
        query = resolve_followup(prepared.text, history)
        notes = list(prepared.notes)
        if self.embedder.count_tokens(query) > self.embedder.max_tokens:
            notes.append(
                f"Your question is longer than the {self.embedder.max_tokens} tokens the "
                "language model reads: its meaning was taken from the beginning only, "
                "while keyword search used all of it."
            )
        query_vector = self.embedder.encode_queries([query])[0]
        hits = self.retriever.search(query, query_vector, k=k)
        confidence = answerability(hits[0]) if hits else 0.0
        return Answer(
            question=question,
            passages=tuple(self._passage(hit) for hit in hits),
            found=confidence >= self.settings.found_threshold,
            confidence=round(confidence, 4),
            searched_for=query,
            notes=tuple(notes),
        )

    def _passage(self, hit: Hit) -> Passage:
        chunk = self.stored.chunks[hit.row]
        article = self._articles[chunk.article_id]
        start, end = hit.sentence
        return Passage(
            text=chunk.text,
            highlight=article.text[start:end],
            article_id=article.id,
            title=article.title,
            outlet=article.outlet,
            published=article.published,
            url=article.url,
            author=article.author,
            start=chunk.start,
            end=chunk.end,
            highlight_start=start,
            highlight_end=end,
            score=round(hit.score, 4),
        )

    # -- what is in the index -------------------------------------------------

    @property
    def articles(self) -> list[Article]:
        return list(self.stored.articles)

    def article(self, article_id: str) -> Article:
        """One article by id. Raises KeyError with the known ids when absent."""
        try:
            return self._articles[article_id]
        except KeyError:
            raise KeyError(f"no article {article_id!r}; known: {sorted(self._articles)}") from None

    def info(self) -> dict[str, Any]:
        """Counts, model and build time of the loaded index."""
        manifest = self.stored.manifest
        return {
            "articles": len(self.stored.articles),
            "passages": len(self.stored.chunks),
            "sentences": len(self.stored.sentence_vectors),
            "model": manifest["model"],
            "dimension": manifest["dimension"],
            "built_at": manifest["built_at"],
            "index": str(self.stored.folder),
            "skipped_files": manifest.get("skipped", []),
        }


def answerability(hit: Hit) -> float:
    """Confidence 0-1 that a passage answers the question, from its best sentence."""
    evidence = max(hit.sentence_score, hit.dense)
    return 1.0 / (1.0 + math.exp(-CONFIDENCE_SLOPE * (evidence - ANSWERABLE_COSINE)))


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
    """Why the index must be (re)built, or '' when it is up to date."""
    manifest = read_manifest(index_dir)
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


_loaded: dict[tuple[str, str], Assistant] = {}
_loaded_lock = threading.Lock()


def retrieve(
    question: str,
    k: int = DEFAULT_K,
    *,
    history: Sequence[str] | None = None,
    corpus_dir: str | Path = DEFAULT_CORPUS_DIR,
    index_dir: str | Path = DEFAULT_INDEX_DIR,
) -> list[Passage]:
    """The k passages that best answer a question, best first.

    The assistant for ``corpus_dir`` and ``index_dir`` is loaded (and the
    index built if needed) on the first call, then reused.

    Example:
        >>> passages = retrieve("How many soldiers did Azerbaijan lose?", k=5)
        >>> passages[0].highlight, passages[0].outlet
    """
    key = (str(Path(corpus_dir).resolve()), str(Path(index_dir).resolve()))
    with _loaded_lock:
        if key not in _loaded:
            _loaded[key] = Assistant.load(corpus_dir, index_dir)
        bot = _loaded[key]
    return list(bot.ask(question, k=k, history=history).passages)

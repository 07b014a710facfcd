"""Assistant: build, load and ask. The one entry point for scripts and the app."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .answer import NOT_FOUND, Answer, Copy, Passage
from .config import DEFAULT_CORPUS_DIR, DEFAULT_INDEX_DIR, DEFAULT_K, Settings
from .corpus import Article, load_corpus
from .encoding.embedder import Embedder
from .encoding.reader import Reader
from .errors import AssistantError, IndexNotFoundError
from .search import answerability
from .search.comparison import IndexSentences, LazyReader
from .search.figures import Discrepancy, Judge, find_discrepancies
from .search.filters import Filters
from .search.question import Query, read_question
from .search.reading import Reading, SentenceReader, read_passages, rerank
from .search.retrieval import Hit, Retriever
from .store.build import build_index, is_damage, stale_reason
from .store.storage import StoredIndex, load_index, read_manifest

logger = logging.getLogger(__name__)


class Assistant:
    """Answers questions with passages quoted from the articles of a corpus.

    Example:
        >>> bot = Assistant.load(corpus_dir="corpus", index_dir="index")
        >>> answer = bot.ask("How many soldiers did Azerbaijan lose?", k=3)
        >>> answer.best.outlet, answer.found
    """

    def __init__(
        self,
        stored: StoredIndex,
        embedder: Embedder,
        settings: Settings,
        reader: SentenceReader | None = None,
    ) -> None:
        self.stored = stored
        self.embedder = embedder
        self.settings = settings
        self.retriever = Retriever(stored, settings)
        if settings.reader and reader is None:
            reader = Reader.load()
        # The reader is used for confidence only when the settings ask for it;
        # "sources differ" uses it either way (``reader_logits``), loading it then.
        self.reader = reader if settings.reader else None
        self._judge = LazyReader(reader)
        self._sentences = IndexSentences(stored)
        self._articles = {article.id: article for article in stored.articles}
        self._outlets = sorted({article.outlet for article in stored.articles if article.outlet})

    # -- building and loading -------------------------------------------------

    @classmethod
    def build(
        cls,
        corpus_dir: str | Path = DEFAULT_CORPUS_DIR,
        index_dir: str | Path = DEFAULT_INDEX_DIR,
        *,
        settings: Settings | None = None,
        progress: bool = False,
        full: bool = False,
    ) -> Assistant:
        """Build the index of a corpus and return a ready assistant.

        Articles that are unchanged since the current index keep their
        passages and vectors; only new and changed ones are embedded. With
        ``full=True`` every article is embedded again.

        Raises:
            CorpusError: the folder is missing or holds no readable article.
            ModelError: the model cannot be loaded.
        """
        settings = settings or Settings()
        embedder = Embedder(settings.model, encoder=settings.encoder)
        corpus = load_corpus(corpus_dir)
        build_index(corpus, index_dir, settings, embedder, progress=progress, full=full)
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
            IndexMismatchError: the index is damaged and there is no corpus
                to rebuild it from.
            CorpusError, ModelError: building was needed and failed.
        """
        from .store.storage import POINTER

        settings = settings or Settings()
        embedder = Embedder(settings.model, encoder=settings.encoder)
        corpus = load_corpus(corpus_dir) if Path(corpus_dir).is_dir() else None
        if corpus is None:
            # A damaged index is reported as damaged by load_index, not as missing.
            if read_manifest(index_dir) is None and not (Path(index_dir) / POINTER).exists():
                raise IndexNotFoundError(
                    f"neither an index in {str(index_dir)!r} nor a corpus folder "
                    f"{str(corpus_dir)!r}: put articles in a corpus folder and run "
                    "`python -m assistant build`"
                )
            logger.warning("corpus folder %s not found; using the index as it is", corpus_dir)
        elif reason := stale_reason(index_dir, corpus, settings, embedder):
            # Expected (a first start, an added article) is INFO; damage is a WARNING.
            level = logging.WARNING if is_damage(reason) else logging.INFO
            logger.log(level, "building the index in %s: %s", index_dir, reason)
            build_index(corpus, index_dir, settings, embedder, progress=progress)
        try:
            stored = load_index(index_dir)
        except AssistantError as error:
            if corpus is None:
                raise
            logger.warning("rebuilding the index in %s: %s", index_dir, error, exc_info=True)
            # In full: the damaged version must not lend anything to the new one.
            build_index(corpus, index_dir, settings, embedder, progress=progress, full=True)
            stored = load_index(index_dir)
        return cls(stored, embedder, settings)

    @classmethod
    def connect(
        cls,
        address: str | None = None,
        *,
        corpus_dir: str | Path = DEFAULT_CORPUS_DIR,
        index_dir: str | Path = DEFAULT_INDEX_DIR,
        settings: Settings | None = None,
        shards: int | None = None,
        timeout: float | None = None,
    ) -> Assistant:
        """Serve a sharded index from a Ray cluster; answers are those of ``load``.

        The index is built on the cluster first (with Ray Data) when it is missing
        or stale for the corpus, as ``load`` does; then every shard is loaded by
        an actor. Ray is imported only here and in ``build_sharded``.

        Args:
            address: the cluster (``host:port``; None or ``auto``: the one this
                machine runs).
            corpus_dir, index_dir: as for ``load``; ``index_dir`` holds the sharded index.
            shards: how many shards a build spreads the articles over (default:
                the live index's count, else ``cluster.sharding.DEFAULT_SHARDS``).
            timeout: seconds a question waits for every shard.

        Raises:
            ClusterError: the cluster is unreachable, or a shard cannot be served.
            IndexNotFoundError: there is neither a sharded index nor a corpus.
        """
        return cls._on_cluster(address, corpus_dir, index_dir, settings, shards, timeout)

    @classmethod
    def build_sharded(
        cls,
        address: str | None = None,
        *,
        corpus_dir: str | Path = DEFAULT_CORPUS_DIR,
        index_dir: str | Path = DEFAULT_INDEX_DIR,
        settings: Settings | None = None,
        shards: int | None = None,
        full: bool = False,
    ) -> Assistant:
        """Build (or update) the sharded index on the cluster, then serve it from there."""
        build = "full" if full else "requested"
        return cls._on_cluster(address, corpus_dir, index_dir, settings, shards, None, build)

    @classmethod
    def _on_cluster(
        cls, address, corpus_dir, index_dir, settings, shards, timeout, build: str = ""
    ) -> Assistant:
        """``connect``'s work; ``build`` forces a build ("requested", or "full": embed all)."""
        from .cluster import ray_shards
        from .cluster.build import build_sharded, live_shard_count, sharded_stale_reason
        from .cluster.cutting import ray_cutter
        from .cluster.embedding import ray_encoder
        from .cluster.sharding import DEFAULT_SHARDS

        settings = settings or Settings()
        embedder = Embedder(settings.model, encoder=settings.encoder)
        ray_shards.connect_ray(address)
        if build or Path(corpus_dir).is_dir():
            corpus = load_corpus(corpus_dir)
            if reason := build or sharded_stale_reason(
                index_dir, corpus, settings, embedder, shards
            ):
                logger.info("building the sharded index in %s: %s", index_dir, reason)
                count = shards or live_shard_count(index_dir) or DEFAULT_SHARDS
                build_sharded(
                    corpus,
                    index_dir,
                    settings,
                    embedder,
                    shards=count,
                    encode=ray_encoder(embedder, settings),
                    cut=ray_cutter(settings),
                    full=build == "full",
                )
        index = ray_shards.connect(
            index_dir, address, timeout=timeout or ray_shards.DEFAULT_TIMEOUT
        )
        return cls(index, embedder, settings)

    def close(self) -> None:
        """Let go of the shard actors of a cluster index (nothing to do on one machine)."""
        close = getattr(self.stored, "close", None)
        if close is not None:
            close()

    # -- asking ---------------------------------------------------------------

    def ask(
        self,
        question: str,
        *,
        k: int = DEFAULT_K,
        history: Sequence[str] | None = None,
        filters: Filters | Mapping[str, Any] | None = None,
    ) -> Answer:
        """Find the passages that answer a question.

        Args:
            question: what the reader wants to know.
            k: how many passages to return, best first.
            history: earlier user questions of the same chat, oldest first;
                used to understand short follow-ups such as "What about Armenia?".
            filters: only quote articles from these outlets or dates, as a
                ``Filters`` or a dict such as ``{"outlets": ["Trend"]}``.

        Returns:
            An Answer whose passages are verbatim slices of the articles.

        Raises:
            QuestionError: the question is empty or has no words.
            ValueError: k is not a positive whole number, history is not a
                list of strings, or the filters are malformed.
        """
        return self.ask_batch([question], k=k, histories=[history], filters=filters)[0]

    def ask_batch(
        self,
        questions: Sequence[str],
        *,
        k: int = DEFAULT_K,
        histories: Sequence[Sequence[str] | None] | None = None,
        filters: Filters | Mapping[str, Any] | None = None,
    ) -> list[Answer]:
        """Answer several questions at once; the model embeds them in one batch.

        Takes the same arguments as ``ask``, with one history per question.
        A bad question raises its QuestionError for the whole batch.

        Example:
            >>> answers = bot.ask_batch(["Who is Oleg Kuznetsov?", "When was Shusha taken?"])
        """
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a whole number of at least 1, got {k!r}")
        histories = list(histories) if histories is not None else [None] * len(questions)
        if len(histories) != len(questions):
            raise ValueError("give one history per question")
        rows = self._rows_allowed(Filters.from_value(filters))
        prepared = [self._prepare(q, h) for q, h in zip(questions, histories, strict=True)]
        if rows is not None and len(rows) == 0:
            note = "No article matches the filters: widen them to search."
            return [
                Answer(question, (), False, 0.0, p.text, (*p.notes, note))
                for question, p in zip(questions, prepared, strict=True)
            ]
        vectors = self.embedder.encode_queries([p.text for p in prepared])
        answers = []
        for question, p, vector in zip(questions, prepared, vectors, strict=True):
            allowed = self._rows_for(p, rows)
            if allowed is not None and len(allowed) == 0:
                note = f"No article of {p.outlet} matches the filters: widen them to search."
                answers.append(Answer(question, (), False, 0.0, p.text, (*p.notes, note)))
                continue
            hits = self.retriever.search(p.text, vector, k=k, rows=allowed, focus=p.focus)
            confidence = answerability.confidence(hits, p.text)
            threshold = self.settings.found_threshold
            reading = None
            if self.settings.reads(confidence):
                hits, reading = self._read(p.text, hits)
            if reading is not None:
                confidence = answerability.confidence(hits, p.text, reading)
                threshold = self.settings.reader_threshold
            answers.append(
                Answer(
                    question=question,
                    passages=self._passages(p.text, hits),
                    found=confidence >= threshold,
                    confidence=round(confidence, 4),
                    searched_for=p.text,
                    notes=p.notes,
                    verdict=answerability.verdict(confidence, threshold, self.settings),
                    read=reading is not None,
                )
            )
        return answers

    def sources_differ(self, answer: Answer) -> list[Discrepancy]:
        """Figures on which the articles of an answer's passages differ ("sources differ").

        Only figures whose sentence may answer the question searched for are
        compared, and a panel needs one sentence that clearly answers it, by the
        reader model's logits (``settings.figures_from`` and ``panel_from``;
        ``search.figures.Judge``). None when the answer is "not found".

        Example:
            >>> answer = bot.ask("How many civilians were killed in the fighting?")
            >>> [f.figure for d in bot.sources_differ(answer) for f in d.figures]
            ['60', '31', '58']

        Raises:
            ModelError: the reader model cannot be loaded.
        """
        if answer.verdict == NOT_FOUND:
            return []
        settings = self.settings
        judge = None
        if settings.figures_from is not None:
            judge = Judge(self.reader_logits, settings.figures_from, settings.panel_from)
        return find_discrepancies(answer.passages, answer.searched_for, judge, self._sentences)

    def reader_logits(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        """The reader model's logit for each sentence answering the question.

        The reader is loaded on first use when ``settings.reader`` is off.

        Raises:
            ModelError: the reader model cannot be loaded.
        """
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        return self._judge.get().score(question, list(sentences))

    def load_reader(self) -> SentenceReader:
        """The reader model, loaded now if it is not yet (the app does so at start).

        A reader that failed to load is not tried again (``comparison.LazyReader``).

        Raises:
            ModelError: the reader model cannot be loaded.
        """
        return self._judge.get()

    @property
    def loaded_reader(self) -> SentenceReader | None:
        """The reader model if it is loaded (for confidence or "sources differ"), else None."""
        return self._judge.loaded

    def _read(self, query: str, hits: Sequence[Hit]) -> tuple[list[Hit], Reading | None]:
        """The hits read by the reader and re-ranked, and the first one's reading.

        The first ``settings.reader_passages`` hits are read (``reading.py``); without
        a reader or hits, the hits come back as they were, with no reading.
        """
        if self.reader is None or not hits:
            return list(hits), None
        read = hits[: self.settings.reader_passages]
        texts, settings = self.retriever.texts, self.settings
        readings = read_passages(
            self.reader,
            self.stored,
            texts,
            query,
            read,
            settings.reader_margin,
            settings.reader_sentences,
        )
        hits, readings = rerank(hits, readings, settings.reader_weight)
        return hits, readings[0]

    def _prepare(self, question: str, history: Sequence[str] | None) -> Query:
        """The query to search for a question, and how it was read (question.py)."""
        return read_question(
            question,
            history,
            outlets=self._outlets,
            max_chars=self.settings.max_question_chars,
            max_tokens=self.embedder.max_tokens,
            count_tokens=self.embedder.count_tokens,
        )

    def _rows_for(self, prepared: Query, rows: np.ndarray | None) -> np.ndarray | None:
        """The rows a question may search: the filters' (None: all), within its outlet's."""
        if prepared.outlet is None:
            return rows
        outlet = self._rows_allowed(Filters(outlets=(prepared.outlet,)))
        return outlet if rows is None else np.intersect1d(rows, outlet)

    def _rows_allowed(self, filters: Filters) -> np.ndarray | None:
        """Passage rows the filters allow, or None when there is no filter."""
        if not filters:
            return None
        allowed = {article.id for article in self.stored.articles if filters.allows(article)}
        return np.array(
            [row for row, chunk in enumerate(self.stored.chunks) if chunk.article_id in allowed],
            dtype=np.int64,
        )

    def _passages(self, query: str, hits: Sequence[Hit]) -> tuple[Passage, ...]:
        """The hits as shown; their highlights reach back or on as ``Retriever.shown_span`` says."""
        shares = self.retriever.term_shares(query) if hits else {}
        return tuple(self._passage(hit, shares) for hit in hits)

    def _passage(self, hit: Hit, shares: Mapping[str, float]) -> Passage:
        chunk = self.stored.chunks[hit.row]
        article = self._articles[chunk.article_id]
        start, end = self.retriever.shown_span(hit.row, hit.sentence, shares)
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
            provenance=article.provenance,
            also_published_by=self._copies(hit.copies),
        )

    def _copies(self, rows: Sequence[int]) -> tuple[Copy, ...]:
        """The other articles of a passage's copies, once each, oldest first."""
        copies: dict[str, Copy] = {}
        for row in rows:
            chunk = self.stored.chunks[row]
            article = self._articles[chunk.article_id]
            copies.setdefault(
                article.id,
                Copy(
                    article.id,
                    article.outlet,
                    article.title,
                    article.published,
                    article.url,
                    chunk.start,
                    chunk.end,
                ),
            )
        # Undated articles last; then by outlet and id, so the order never varies.
        return tuple(
            sorted(
                copies.values(),
                key=lambda c: (not c.published, c.published, c.outlet, c.article_id),
            )
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
            "sentences": manifest["counts"]["sentences"],
            "model": manifest["model"],
            "dimension": manifest["dimension"],
            "built_at": manifest["built_at"],
            "index": str(self.stored.folder),
            "skipped_files": manifest.get("skipped", []),
        }


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

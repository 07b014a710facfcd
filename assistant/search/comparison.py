"""What "sources differ" needs of an index beside the passages: the reader and the sentences.

``Assistant.sources_differ`` compares the figures of an answer's passages
(``figures.find_discrepancies``). It asks the reader model whether each figure's
sentence answers the question, and it needs each passage cut into sentences.
Both are here: the reader, loaded once on first use (the app loads it at start),
and the sentences the index cut at build time, looked up instead of cut again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ..answer import Passage
from ..encoding.reader import Reader
from ..errors import ModelError
from .backend import SearchBackend
from .reading import SentenceReader


class LazyReader:
    """The reader model, loaded on first use; a load that failed is not tried again.

    A damaged model file then costs the first question its wait, not every
    question: each later ``get`` raises the same error at once.
    """

    def __init__(
        self, reader: SentenceReader | None = None, load: Callable[[], SentenceReader] | None = None
    ) -> None:
        self._reader = reader
        self._load = load
        self._error: ModelError | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> SentenceReader | None:
        """The reader if it is loaded, else None (nothing is loaded by asking)."""
        return self._reader

    def get(self) -> SentenceReader:
        """The reader, loaded now if it is not yet.

        Raises:
            ModelError: the reader model cannot be loaded (now or before).
        """
        with self._lock:
            if self._reader is None and self._error is None:
                try:
                    self._reader = (self._load or Reader.load)()
                except ModelError as error:
                    self._error = error
            if self._reader is None:
                raise ModelError(str(self._error)) from self._error
            return self._reader


class IndexSentences:
    """A passage's sentences as its index cut them, relative to ``passage.text``.

    Calling it with a passage gives its spans, or None for a passage this index
    does not hold as it is (an answer from before the corpus changed), which is
    then cut again. Passages are found from their article's first row: the
    backend's chunks are grouped by article.
    """

    def __init__(self, backend: SearchBackend) -> None:
        self._backend = backend
        self._first_rows: dict[str, int] | None = None

    def __call__(self, passage: Passage) -> list[tuple[int, int]] | None:
        chunks, article = self._backend.chunks, passage.article_id
        row = self._first_row(article)
        while row is not None and row < len(chunks) and chunks[row].article_id == article:
            chunk = chunks[row]
            if chunk.start == passage.start:
                if chunk.text != passage.text:
                    return None
                offset = chunk.start
                return [(int(start) - offset, int(end) - offset) for start, end in chunk.sentences]
            row += 1
        return None

    def _first_row(self, article_id: str) -> int | None:
        if self._first_rows is None:  # built once; a race builds the same map twice
            first: dict[str, int] = {}
            for row, chunk in enumerate(self._backend.chunks):
                first.setdefault(chunk.article_id, row)
            self._first_rows = first
        return self._first_rows.get(article_id)

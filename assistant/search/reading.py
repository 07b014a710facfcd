"""Reading the first passage with the reader model: does one of its sentences answer?

Ranking and the highlight come from similarity; the reader (``encoding.reader``,
a cross-encoder trained on SQuAD by ``scripts/train_reader.py``) reads the
question and each sentence of the first passage together and gives a logit for
"this sentence answers it". ``answerability.confidence`` takes the best of those
logits and the highlighted sentence's as two more inputs, fitted on dev splits.

It runs only where it can change what the user sees, the first passage, since one
pair costs about as much as a whole similarity search (docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .backend import SearchBackend
from .retrieval import Hit

# The first passage's sentences read at most: passages hold 2-8 sentences.
READ_SENTENCES = 8


class SentenceReader(Protocol):
    """A model that scores sentences against a question (``encoding.reader.Reader``)."""

    fingerprint: str

    def score(self, question: str, sentences: list[str]) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class Reading:
    """What the reader made of the first passage.

    Attributes:
        best: the highest logit among its sentences.
        highlighted: the logit of its highlighted sentence (``best`` when that one
            was not read).
        sentence: the span of the sentence with the highest logit.
    """

    best: float
    highlighted: float
    sentence: tuple[int, int]


def read_first(
    reader: SentenceReader, backend: SearchBackend, texts: dict[str, str], query: str, hit: Hit
) -> Reading:
    """The reader's logits for the sentences of the first passage."""
    chunk = backend.chunks[hit.row]
    text = texts[chunk.article_id]
    spans = list(chunk.sentences[:READ_SENTENCES])
    logits = reader.score(query, [text[start:end] for start, end in spans]).tolist()
    top = max(range(len(spans)), key=logits.__getitem__)
    where = [i for i, span in enumerate(spans) if tuple(span) == tuple(hit.sentence)]
    return Reading(
        best=float(logits[top]),
        highlighted=float(logits[where[0]]) if where else float(logits[top]),
        sentence=tuple(spans[top]),
    )

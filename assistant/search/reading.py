"""Reading the best passages with the reader model: which sentence answers, if any?

Similarity (``retrieval.py``) ranks the passages and proposes a sentence of each;
the reader (``encoding.reader``, a cross-encoder trained on SQuAD by
``scripts/train_reader.py``) then reads the question together with every sentence
of the first ``Settings.reader_passages`` passages and gives each a logit for
"this sentence answers it". From those logits:

- each read passage highlights its best sentence by the reader, where that one
  beats similarity's choice by ``Settings.reader_margin`` (similarity picks the
  sentence that *looks* most like the question; the reader is trained to pick
  the one that answers it, and does so on a share of the questions only:
  docs/quality.md, tests/test_reading_examples.py);
- the read passages are ordered by a blend of their similarity score and the
  reader's probability for their best sentence (``Settings.reader_weight``);
- ``answerability.confidence`` takes the first passage's best logit and the
  logit of the sentence similarity would have highlighted as two more inputs.

Each sentence costs one model call (``reader.BATCH_SIZE``), so the cost grows with
the passages read: ``python benchmarks/speed.py reader`` prints it by ``reader_passages``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from ..encoding.reader import neighbour_context
from .backend import SearchBackend
from .retrieval import Hit

# A passage's sentences read at most: passages hold 2-8 sentences.
READ_SENTENCES = 8


class SentenceReader(Protocol):
    """A model that scores sentences against a question (``encoding.reader.Reader``)."""

    fingerprint: str

    def score(
        self, question: str, sentences: list[str], contexts: list[str] | None = None
    ) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class Reading:
    """What the reader made of one passage.

    Attributes:
        best: the highest logit among its sentences.
        highlighted: the logit of the sentence similarity highlighted (``best``
            when that one was not read).
        sentence: the span to highlight: the sentence with the highest logit, or
            similarity's where the reader prefers another by less than the margin.
    """

    best: float
    highlighted: float
    sentence: tuple[int, int]

    @property
    def probability(self) -> float:
        """The logistic of ``best``: the reader's own, uncalibrated, 'it answers'."""
        return 1.0 / (1.0 + math.exp(-self.best))


def read_passages(
    reader: SentenceReader,
    backend: SearchBackend,
    texts: dict[str, str],
    query: str,
    hits: Sequence[Hit],
    margin: float = 0.0,
) -> list[Reading]:
    """The reader's logits for the sentences of each hit, one reading per hit.

    Every sentence of every hit is scored in one call, in the hits' order:
    the same question over the same passages is scored the same every time.
    A hit's highlight moves to the reader's best sentence when that one's logit
    beats the logit of the sentence similarity chose by at least ``margin``
    (``Settings.reader_margin``): the two disagree on close calls, and there
    similarity's pick (it weighs the wanted kind of answer) was right as often.
    """
    spans: list[list[tuple[int, int]]] = []
    sentences: list[str] = []
    contexts: list[str] = []
    for hit in hits:
        chunk = backend.chunks[hit.row]
        text = texts[chunk.article_id]
        passage = [text[start:end] for start, end in chunk.sentences]
        own = [tuple(span) for span in chunk.sentences[:READ_SENTENCES]]
        spans.append(own)
        sentences.extend(passage[: len(own)])
        # The neighbours within the passage, as training took them within the paragraph
        # (a reader that does not read them ignores them).
        contexts.extend(neighbour_context(passage, index) for index in range(len(own)))
    logits = reader.score(query, sentences, contexts).tolist() if sentences else []
    readings = []
    at = 0
    for hit, own in zip(hits, spans, strict=True):
        mine = logits[at : at + len(own)]
        at += len(own)
        top = max(range(len(own)), key=mine.__getitem__)
        where = [i for i, span in enumerate(own) if span == tuple(hit.sentence)]
        highlighted = float(mine[where[0]]) if where else float(mine[top])
        keep = where and mine[top] - highlighted < margin
        readings.append(
            Reading(
                best=float(mine[top]),
                highlighted=highlighted,
                sentence=tuple(hit.sentence) if keep else own[top],
            )
        )
    return readings


def rerank(
    hits: Sequence[Hit], readings: Sequence[Reading], weight: float
) -> tuple[list[Hit], list[Reading]]:
    """The read hits with the reader's sentence highlighted, best first by the blend.

    A read hit's score becomes ``(score + weight * probability) / (1 + weight)``,
    still in [0, 1]; the hits after the read ones keep their places and are
    capped at the last read score, so the shown relevance always falls down the
    list. With ``weight`` 0 the order is similarity's, and only the highlight moves.
    """
    blended = [
        replace(
            hit,
            sentence=reading.sentence,
            score=(hit.score + weight * reading.probability) / (1.0 + weight),
        )
        for hit, reading in zip(hits, readings, strict=False)
    ]
    order = list(range(len(blended)))
    if weight > 0:  # a stable sort: ties keep similarity's (diversified) order
        order.sort(key=lambda i: -blended[i].score)
    read_hits = [blended[i] for i in order]
    rest = list(hits[len(readings) :])
    floor = read_hits[-1].score if read_hits else 1.0
    for index, hit in enumerate(rest):
        floor = min(floor, hit.score)
        rest[index] = replace(hit, score=floor)
    return read_hits + rest, [readings[i] for i in order]

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
the sentences read: ``python benchmarks/speed.py reader`` prints it by
``reader_passages``. ``Settings.reader_sentences`` caps them: only the best few
sentences of the read passages by similarity's own sentence score are read (each
passage's highlight always among them), so the cost no longer grows with the
passages' length.
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
    reads_context: bool  # whether it reads a sentence's neighbours (else they are not built)

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
    limit: int = 0,
) -> list[Reading]:
    """The reader's logits for the sentences of each hit, one reading per hit.

    The chosen sentences of every hit are scored in one call, in the hits' order:
    the same question over the same passages is scored the same every time.
    A hit's highlight moves to the reader's best sentence when that one's logit
    beats the logit of the sentence similarity chose by at least ``margin``
    (``Settings.reader_margin``): the two disagree on close calls, and there
    similarity's pick (it weighs the wanted kind of answer) was right as often.

    ``limit`` (``Settings.reader_sentences``; 0: no limit) reads only that many
    sentences of all the hits: each hit's highlight, then the others by the
    hit's ``sentence_scores``, best first (a hit without them is read whole).
    """
    chosen = _chosen_sentences(hits, backend, limit)
    spans: list[list[tuple[int, int]]] = []
    sentences: list[str] = []
    contexts: list[str] = []
    for hit, numbers in zip(hits, chosen, strict=True):
        chunk = backend.chunks[hit.row]
        text = texts[chunk.article_id]
        passage = [text[start:end] for start, end in chunk.sentences]
        spans.append([tuple(chunk.sentences[i]) for i in numbers])
        sentences.extend(passage[i] for i in numbers)
        if reader.reads_context:
            # The neighbours within the passage, as training took them within the paragraph.
            contexts.extend(neighbour_context(passage, i) for i in numbers)
    logits = []
    if sentences:
        logits = reader.score(query, sentences, contexts or None).tolist()
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


def _chosen_sentences(hits: Sequence[Hit], backend: SearchBackend, limit: int) -> list[list[int]]:
    """Which sentences of each hit are read, in passage order.

    All of a passage's first ``READ_SENTENCES`` without a limit. With one, every
    hit's highlighted sentence first (the confidence needs its logit, and a passage
    is never left unread), then the best of the others by their similarity score
    until ``limit`` sentences are chosen; ties go to the earlier hit and sentence.
    """
    counts = [min(len(backend.chunks[hit.row].sentences), READ_SENTENCES) for hit in hits]
    if limit <= 0 or any(len(hit.sentence_scores) < n for hit, n in zip(hits, counts, strict=True)):
        return [list(range(n)) for n in counts]
    chosen: list[set[int]] = []
    for hit, n in zip(hits, counts, strict=True):
        spans = [tuple(span) for span in backend.chunks[hit.row].sentences[:n]]
        own = tuple(hit.sentence)
        chosen.append({spans.index(own)} if own in spans else set())
    others = sorted(
        (
            (-hit.sentence_scores[i], number, i)
            for number, (hit, n) in enumerate(zip(hits, counts, strict=True))
            for i in range(n)
            if i not in chosen[number]
        )
    )
    room = limit - sum(len(numbers) for numbers in chosen)
    for _, number, i in others[: max(room, 0)]:
        chosen[number].add(i)
    for number, n in enumerate(counts):
        if not chosen[number] and n:  # its highlight lies past READ_SENTENCES
            chosen[number].add(max(range(n), key=hits[number].sentence_scores.__getitem__))
    return [sorted(numbers) for numbers in chosen]


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

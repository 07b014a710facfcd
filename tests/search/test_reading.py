"""Reading the best passages: the reader's sentence highlighted, the passages re-ordered.

Pure unit tests on hand-made hits and a stand-in reader (no model): the real
reader's effect on the seed corpus is tested in tests/test_reading_examples.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pytest

from assistant.search.reading import Reading, read_passages, rerank
from tests.search.test_answerability import HIT


@dataclass(frozen=True)
class _Chunk:
    article_id: str
    sentences: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class _Backend:
    chunks: tuple[_Chunk, ...]


class _WordReader:
    """Scores a sentence by whether it holds a word: a stand-in for the model."""

    fingerprint = "test"

    def __init__(self, word: str, reads_context: bool = True) -> None:
        self.word = word
        self.reads_context = reads_context
        self.calls: list[list[str]] = []
        self.contexts: list[list[str] | None] = []

    def score(
        self, question: str, sentences: list[str], contexts: list[str] | None = None
    ) -> np.ndarray:
        self.calls.append(list(sentences))
        self.contexts.append(None if contexts is None else list(contexts))
        return np.array([2.0 if self.word in s else -2.0 for s in sentences], dtype=np.float32)


TEXT = "Fighting began in 1988. It reignited on 27 September. The dead were counted."
SPANS = ((0, 23), (24, 53), (54, 76))


def test_each_read_passage_highlights_the_readers_sentence() -> None:
    backend = _Backend((_Chunk("a", SPANS), _Chunk("a", SPANS[:1])))
    hits = [replace(HIT, row=0, sentence=SPANS[0]), replace(HIT, row=1, sentence=SPANS[0])]
    reader = _WordReader("September")
    readings = read_passages(reader, backend, {"a": TEXT}, "When did it start?", hits)
    assert readings[0].sentence == SPANS[1] and readings[0].best == 2.0
    # The sentence similarity highlighted keeps its own logit, for the confidence.
    assert readings[0].highlighted == -2.0
    assert readings[1].sentence == SPANS[0] and readings[1].best == -2.0
    # Every sentence of every read passage in one call, in the hits' order.
    assert reader.calls == [[TEXT[a:b] for a, b in SPANS] + [TEXT[0:23]]]
    # Each with its neighbours in its own passage: none across a passage's edge.
    first, second, third = (TEXT[a:b] for a, b in SPANS)
    assert reader.contexts == [
        [f"[SEP] {second}", f"{first} [SEP] {third}", f"{second} [SEP]", "[SEP]"]
    ]


def test_a_reader_without_context_gets_no_neighbours_built() -> None:
    backend = _Backend((_Chunk("a", SPANS),))
    reader = _WordReader("September", reads_context=False)
    hit = replace(HIT, row=0, sentence=SPANS[0])
    read_passages(reader, backend, {"a": TEXT}, "When did it start?", [hit])
    assert reader.contexts == [None]


def test_a_limit_reads_each_highlight_then_the_best_others_by_similarity() -> None:
    backend = _Backend((_Chunk("a", SPANS), _Chunk("a", SPANS)))
    first = replace(HIT, row=0, sentence=SPANS[0], sentence_scores=(0.9, 0.2, 0.5))
    second = replace(HIT, row=1, sentence=SPANS[2], sentence_scores=(0.1, 0.6, 0.8))
    reader = _WordReader("September")
    texts = {"a": TEXT}
    read = read_passages(reader, backend, texts, "When?", [first, second], limit=3)
    sentence = [TEXT[a:b] for a, b in SPANS]
    # Both highlights, then the best other: the second passage's 0.6.
    assert reader.calls == [[sentence[0], sentence[1], sentence[2]]]
    assert read[0].sentence == SPANS[0] and read[0].best == -2.0
    assert read[1].sentence == SPANS[1] and read[1].highlighted == -2.0
    # A limit below the number of hits still reads every highlight.
    reader.calls.clear()
    read_passages(reader, backend, texts, "When?", [first, second], limit=1)
    assert reader.calls == [[sentence[0], sentence[2]]]
    # No limit, or hits without sentence scores: every sentence.
    reader.calls.clear()
    read_passages(
        reader, backend, texts, "When?", [first, replace(second, sentence_scores=())], limit=3
    )
    assert reader.calls == [sentence + sentence]


def test_a_close_call_keeps_the_sentence_similarity_chose() -> None:
    backend = _Backend((_Chunk("a", SPANS),))
    hit = replace(HIT, row=0, sentence=SPANS[0])
    reader = _WordReader("September")  # 2.0 for its sentence, -2.0 for similarity's
    question = "When did it start?"
    moved = read_passages(reader, backend, {"a": TEXT}, question, [hit], margin=4.0)
    kept = read_passages(reader, backend, {"a": TEXT}, question, [hit], margin=4.5)
    assert moved[0].sentence == SPANS[1]
    assert kept[0].sentence == SPANS[0] and kept[0].best == 2.0  # the logits stay as read


def _reading(best: float, span=(0, 10)) -> Reading:
    return Reading(best=best, highlighted=best, sentence=span)


def test_without_weight_the_order_stays_and_only_the_highlight_moves() -> None:
    hits = [replace(HIT, row=row, score=score) for row, score in ((0, 0.6), (1, 0.5), (2, 0.4))]
    readings = [_reading(-3.0, (5, 9)), _reading(3.0)]
    ranked, ordered = rerank(hits, readings, 0.0)
    assert [h.row for h in ranked] == [0, 1, 2]
    assert ranked[0].sentence == (5, 9) and ranked[0].score == 0.6
    assert ordered == readings


def test_the_blend_moves_an_answering_passage_up_and_keeps_scores_falling() -> None:
    hits = [replace(HIT, row=row, score=score) for row, score in ((0, 0.6), (1, 0.55), (2, 0.5))]
    readings = [_reading(-4.0), _reading(4.0)]
    ranked, ordered = rerank(hits, readings, 1.0)
    assert [h.row for h in ranked] == [1, 0, 2]
    assert ordered == [readings[1], readings[0]]
    assert ranked[0].score == pytest.approx((0.55 + 1 / (1 + np.exp(-4.0))) / 2)
    scores = [h.score for h in ranked]
    assert scores == sorted(scores, reverse=True)  # the hit not read is capped below
    assert all(0.0 <= s <= 1.0 for s in scores)

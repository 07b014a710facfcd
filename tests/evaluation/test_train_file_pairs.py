"""Pairs from the SQuAD 2.0-style train file: labels, hard negatives, and no leak.

The train file holds no SQuAD dev article, but two of its paragraphs repeat dev
paragraphs (its README): a paragraph of a valid or test article reaching training
would make every figure measured on them optimistic, so the leak test reads the
real files and must fail loudly if one gets in.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path

import pytest

from assistant.evaluation.datasets import SQUAD_DIR
from assistant.evaluation.reader_pairs import PARAGRAPH, POSITIVE
from assistant.training.data import (
    RETRIEVED,
    TRAIN_FILE,
    dev_paragraph_shingles,
    leaks,
    ranked_sentences,
    train_file_pairs,
)
from tests.support import BENCHMARK_DATA

TRAIN_PATH = SQUAD_DIR / "train" / TRAIN_FILE
CONTEXT = (
    "The Alps are a mountain range. The Bernese Alps lie on the northern side of the Rhone "
    "valley. The Pennine Alps lie on the southern side. Skiing is popular there."
)


def need_train_file() -> None:
    if TRAIN_PATH.is_file():
        return
    reason = f"the reader's training file {TRAIN_PATH} is missing (see its README in ../shared)"
    if os.environ.get(BENCHMARK_DATA) == "required":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def write_train_file(folder: Path, paragraphs: list[dict]) -> Path:
    path = folder / "train.json.gz"
    data = {"data": [{"title": "Alps", "paragraphs": paragraphs}]}
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump(data, handle)
    return path


def qa(id_: str, question: str, answer: str | None) -> dict:
    if answer is None:
        return {"id": id_, "question": question, "answers": [], "is_impossible": True}
    start = CONTEXT.index(answer)
    return {"id": id_, "question": question, "answers": [{"text": answer, "answer_start": start}]}


def test_sentences_rank_by_the_rare_words_they_share() -> None:
    sentences = ["The Alps are big.", "The Bernese Alps lie north.", "Skiing is popular."]
    idf = {"alps": 0.1, "bernese": 3.0, "north": 1.0, "skiing": 2.0}
    assert ranked_sentences("Where do the Bernese Alps lie?", sentences, idf) == [1, 0, 2]
    assert ranked_sentences("Where do the Bernese Alps lie?", sentences, idf, skip=[1]) == [0, 2]


@pytest.mark.squad
def test_answer_hard_negative_and_unanswerable_pairs(tmp_path: Path) -> None:
    path = write_train_file(
        tmp_path,
        [
            {
                "context": CONTEXT,
                "qas": [
                    qa("a", "Which Alps lie on the northern side?", "Bernese Alps"),
                    qa("u", "which alps lie on the eastern side of the rhone?", None),
                ],
            }
        ],
    )
    stats: dict = {}
    pairs = train_file_pairs(path=path, negatives=1, unanswerable_others=1, stats=stats)
    by_group = {group: [p for p in pairs if p.group == group] for group in ("a", "u")}
    answer = by_group["a"]
    assert [(p.kind, p.label) for p in answer] == [(POSITIVE, 1), (PARAGRAPH, 0)]
    assert "Bernese" in answer[0].sentence
    # The hard negative shares the question's words ("Alps lie on the ... side").
    assert answer[1].sentence == "The Pennine Alps lie on the southern side."
    unanswerable = by_group["u"]
    assert [(p.kind, p.label) for p in unanswerable] == [(RETRIEVED, 0), (PARAGRAPH, 0)]
    assert "Rhone" in unanswerable[0].sentence  # what lexical retrieval ranks first
    assert stats["answerable"] == 1 and stats["unanswerable"] == 1 and stats["leaked"] == 0


@pytest.mark.squad
def test_a_paragraph_repeating_a_dev_paragraph_never_reaches_training(tmp_path: Path) -> None:
    from assistant.evaluation.datasets import SQUAD_V1, squad_path
    from assistant.evaluation.reader_pairs import _read

    dev = _read(squad_path(SQUAD_V1))[0]["paragraphs"][0]["context"]
    copied = {"context": dev, "qas": [qa("d", "Which Alps lie north?", None)]}
    path = write_train_file(
        tmp_path, [copied, {"context": CONTEXT, "qas": [qa("a", "Q?", "Alps")]}]
    )
    stats: dict = {}
    pairs = train_file_pairs(path=path, stats=stats)
    assert stats["leaked"] == 1
    assert all(p.group != "d" for p in pairs)


@pytest.mark.squad
def test_no_paragraph_of_the_train_file_that_repeats_a_dev_one_is_kept() -> None:
    need_train_file()
    dev_shingles = dev_paragraph_shingles()
    with gzip.open(TRAIN_PATH, "rt", encoding="utf-8") as handle:
        data = json.load(handle)["data"]
    from assistant.evaluation.datasets import SQUAD_V1, SQUAD_V2_HALF, squad_path
    from assistant.evaluation.reader_pairs import _read

    def norm(text: str) -> str:
        return " ".join(re.findall(r"\w+", text.casefold()))

    dev_texts = {
        norm(p["context"])
        for name in (SQUAD_V1, SQUAD_V2_HALF)
        for entry in _read(squad_path(name))
        for p in entry["paragraphs"]
    }
    kept = [
        p["context"] for e in data for p in e["paragraphs"] if not leaks(p["context"], dev_shingles)
    ]
    dropped = sum(len(e["paragraphs"]) for e in data) - len(kept)
    # The README names two repeats (Immunology / Immune_system); the 8-gram check finds them.
    assert dropped >= 2
    assert not [text for text in kept if norm(text) in dev_texts]


@pytest.mark.squad
def test_no_tydi_passage_sharing_a_sentence_with_a_dev_paragraph_is_kept() -> None:
    # TyDi's README names three train passages found inside SQuAD dev paragraphs; they
    # carry citation marks SQuAD dropped, so whole sentences are compared here.
    from assistant.evaluation.datasets import SQUAD_V1, SQUAD_V2_HALF, squad_path
    from assistant.evaluation.reader_pairs import _read
    from assistant.training.data import TYDI_FILE, TYDI_LEAK_SHARE

    path = SQUAD_DIR / "train" / TYDI_FILE
    if not path.is_file():
        need_train_file()  # the same skip (or failure) rule as the train file's
        pytest.skip(f"{path} is missing")

    def norm(text: str) -> str:
        return " ".join(re.findall(r"[^\W\d]+", text.casefold()))

    def sentences(text: str) -> set[str]:
        cut = re.split(r"(?<=[.!?])(?:\[\d+\](?::\d+)?)*\s+", text)
        return {norm(s) for s in cut if len(norm(s)) > 50}

    dev = "\n".join(
        norm(p["context"])
        for name in (SQUAD_V1, SQUAD_V2_HALF)
        for entry in _read(squad_path(name))
        for p in entry["paragraphs"]
    )
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        data = json.load(handle)["data"]
    shared = {s for e in data for p in e["paragraphs"] for s in sentences(p["context"]) if s in dev}
    assert len(shared) >= 3  # the check can see them
    stats: dict = {}
    pairs = train_file_pairs(path=path, stats=stats, leak_share=TYDI_LEAK_SHARE)
    kept = {norm(p.sentence) for p in pairs}
    assert stats["leaked"] >= 3
    assert not shared & kept

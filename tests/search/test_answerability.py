"""The confidence model's inputs and its direction, on hand-made hits (no model)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from assistant.answer import Answer
from assistant.config import Settings
from assistant.search.answerability import FEATURES, confidence, features, verdict
from assistant.search.retrieval import Hit

HIT = Hit(
    row=0,
    score=0.6,
    dense=0.5,
    lexical=3.0,
    lexical_share=1.0,
    sentence=(0, 10),
    sentence_score=0.6,
    term_share=0.5,
    coverage=0.6,
    contrast=0.4,
    typed=True,
    phrase=0.2,
    anchored=True,
    source="both",
)


def test_features_follow_the_names() -> None:
    signals = dict(zip(FEATURES, features([HIT], "How many soldiers died?"), strict=True))
    assert signals["sentence"] == 0.6 and signals["margin"] == 0.6
    # Anchoring counts as much as the sentence is about the question.
    assert signals["anchored"] == 0.6 and signals["coverage"] == 0.6
    assert signals["asks_kind"] == 1.0
    assert features([HIT], "Why did the talks fail?")[FEATURES.index("asks_kind")] == 0.0


def test_an_answer_next_to_the_question_words_is_more_likely_to_answer() -> None:
    question = "How many drones did Turkey sell?"
    assert confidence([HIT], question) > confidence([replace(HIT, anchored=False)], question)


def test_no_hits_means_no_confidence() -> None:
    assert confidence([], "How many?") == 0.0
    assert features([], "How many?") == [0.0] * len(FEATURES)


@pytest.mark.parametrize(
    ("confidence", "threshold", "expected"),
    [
        (0.9, 0.42, "answers"),
        (0.6, 0.42, "answers"),
        (0.59, 0.42, "may answer"),
        (0.42, 0.42, "may answer"),
        (0.41, 0.42, "not found"),  # "may answer" is never said below the threshold
        (0.30, 0.42, "not found"),
        (0.0, 0.42, "not found"),
        (0.7, 0.8, "not found"),  # not found, however high the confidence stands
        (0.8, 0.8, "answers"),
    ],
)
def test_the_verdict_bands(confidence: float, threshold: float, expected: str) -> None:
    assert verdict(confidence, threshold, Settings(answers_from=0.6)) == expected


def test_may_answer_is_only_said_of_a_found_answer() -> None:
    settings = Settings()
    for threshold in (settings.found_threshold, settings.reader_threshold):
        for value in np.linspace(0.0, 1.0, 1001):
            said = verdict(float(value), threshold, settings)
            assert (said == "not found") == (value < threshold)


def test_an_answer_whose_verdict_contradicts_found_is_refused() -> None:
    with pytest.raises(ValueError, match="contradicts found"):
        Answer("Q?", (), False, 0.3, verdict="may answer")
    with pytest.raises(ValueError, match="contradicts found"):
        Answer("Q?", (), True, 0.7, verdict="not found")


def test_the_band_must_be_in_range() -> None:
    with pytest.raises(ValueError, match="answers_from must be in"):
        Settings(answers_from=1.5)
    with pytest.raises(ValueError, match="reader_passages must be at least 1"):
        Settings(reader_passages=0)
    with pytest.raises(ValueError, match="reader_weight must not be negative"):
        Settings(reader_weight=-0.1)


@pytest.mark.parametrize(
    ("settings", "confidence", "expected"),
    [
        (Settings(reader=True), 0.0, True),  # with the reader on, every question is read
        (Settings(reader=True), 1.0, True),
        (Settings(reader=True, read_from=0.26, read_until=0.53), 0.25, False),
        (Settings(reader=True, read_from=0.26, read_until=0.53), 0.26, True),
        (Settings(reader=True, read_from=0.26, read_until=0.53), 0.52, True),
        (Settings(reader=True, read_from=0.26, read_until=0.53), 0.53, False),
        (Settings(reader=False), 0.4, False),  # the band means nothing with the reader off
        (Settings(reader=True, read_from=0.0, read_until=1.0), 0.0, True),
        (Settings(reader=True, read_from=0.0, read_until=1.0), 1.0, True),  # 1: no upper end
        (Settings(reader=True, read_from=0.3, read_until=0.3), 0.3, False),  # an empty band
    ],
)
def test_the_reader_reads_only_its_band(settings: Settings, confidence: float, expected: bool):
    assert settings.reads(confidence) is expected


def test_the_reader_band_must_be_in_order() -> None:
    with pytest.raises(ValueError, match="read_from <= read_until"):
        Settings(read_from=0.6, read_until=0.5)
    with pytest.raises(ValueError, match="read_until must be in"):
        Settings(read_until=2.0)


@pytest.mark.parametrize(
    "changes",
    [
        {"figures_from": float("nan")},
        {"figures_from": "-3"},
        {"panel_from": None},
        {"panel_from": True},
    ],
)
def test_the_figure_cuts_must_be_numbers(changes: dict) -> None:
    name = next(iter(changes))
    with pytest.raises(ValueError, match=f"{name} must be a finite number"):
        Settings(**changes)
    assert Settings(figures_from=None).figures_from is None  # compare without the reader


def test_an_answer_without_a_verdict_takes_it_from_found() -> None:
    assert Answer("q", (), True, 0.9).verdict == "answers"
    assert Answer("q", (), False, 0.1).verdict == "not found"
    with pytest.raises(ValueError, match="verdict must be one of"):
        Answer("q", (), False, 0.1, verdict="perhaps")

"""scripts/compare_readers.py --agreement: a reproduced reader checked against the shipped."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from tests.support import load_script

compare = load_script("compare_readers")


def _pairs(groups: list[str]) -> list[SimpleNamespace]:
    return [SimpleNamespace(group=group) for group in groups]


def test_identical_logits_agree_entirely() -> None:
    logits = np.array([1.0, -2.0, 0.5, 3.0, -1.0])
    line = compare.agreement(_pairs(["a", "a", "a", "b", "b"]), logits, logits.copy())
    assert "Pearson 1.0000" in line and "max 0.000" in line
    assert "the same best sentence for 1.000 of 2 questions" in line


def test_a_changed_best_sentence_is_counted() -> None:
    first = np.array([2.0, 1.0, 0.0, 1.0])
    # Question "a" now prefers its second sentence; question "b" keeps its first.
    second = np.array([1.0, 2.0, 0.0, 1.0])
    line = compare.agreement(_pairs(["a", "a", "b", "b"]), first, second)
    assert "the same best sentence for 0.500 of 2 questions" in line
    assert "mean |difference| 0.500, max 1.000" in line

"""Follow-up detection measured on labelled pairs (tests/data/followups.jsonl).

Each pair is a question asked after another one, labelled a follow-up or a
stand-alone question, from the seed articles' subjects; some also give the
query a follow-up must be completed to. Among them are the questions issue 29
found merged with the one before ("What did Ilham Aliyev say in his televised
speech?" after a Lavrov question).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.search.followup import is_followup, resolve_followup

PAIRS_FILE = Path(__file__).parents[1] / "data" / "followups.jsonl"
PAIRS = [json.loads(line) for line in PAIRS_FILE.read_text(encoding="utf-8").splitlines()]


def test_the_labelled_set_has_both_kinds() -> None:
    labels = [pair["followup"] for pair in PAIRS]
    assert len(PAIRS) >= 40 and labels.count(True) >= 15 and labels.count(False) >= 15


def test_detection_accuracy_on_the_labelled_pairs() -> None:
    wrong = [p["question"] for p in PAIRS if is_followup(p["question"]) != p["followup"]]
    right = len(PAIRS) - len(wrong)
    print(f"follow-up detection: {right}/{len(PAIRS)} right ({right / len(PAIRS):.0%})")
    assert wrong == []


@pytest.mark.parametrize("pair", PAIRS, ids=lambda pair: pair["question"])
def test_each_pair_is_searched_as_labelled(pair: dict) -> None:
    searched = resolve_followup(pair["question"], [pair["previous"]])
    if pair.get("searched"):
        assert searched == pair["searched"]
    elif pair["followup"]:
        assert searched != pair["question"] and pair["previous"].rstrip("?") in searched
    else:
        assert searched == pair["question"]

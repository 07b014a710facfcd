"""How likely the first passage answers the question: the ``confidence`` of an Answer.

A logistic model over signals of the first passage and the runner-up, fitted
on the dev split of our own questions and of SQuAD (answerable v1.1 and
unanswerable v2.0 questions) by ``scripts/fit_answerability.py``. The
threshold that turns it into ``found`` is ``Settings.found_threshold``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .retrieval import Hit

FEATURES = ("sentence", "dense", "terms", "coverage", "typed", "margin", "anchored")

# Fitted by scripts/fit_answerability.py on the dev splits; see docs/quality.md.
WEIGHTS = {
    "sentence": 1.8261,
    "dense": 1.4007,
    "terms": 1.1716,
    "coverage": 0.1081,
    "typed": -0.1246,
    "margin": 0.7815,
    "anchored": 0.9865,
}
BIAS = -2.1474


def features(hits: Sequence[Hit]) -> list[float]:
    """The signals of a ranking that tell answerable questions from others."""
    if not hits:
        return [0.0] * len(FEATURES)
    best = hits[0]
    runner_up = hits[1].score if len(hits) > 1 else 0.0
    return [
        best.sentence_score,
        best.dense,
        best.term_share,
        best.coverage,
        float(best.typed),
        best.score - runner_up,
        float(best.anchored),
    ]


def confidence(hits: Sequence[Hit]) -> float:
    """0-1: the modelled probability that the first hit answers the question."""
    if not hits:
        return 0.0
    value = BIAS + sum(WEIGHTS[n] * x for n, x in zip(FEATURES, features(hits), strict=True))
    return 1.0 / (1.0 + math.exp(-value))

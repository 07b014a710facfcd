"""scripts/fit_answerability.py's shipped model: the weights the pipeline uses, to predict with."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assistant.search import answerability
from tests.support import load_script


@pytest.fixture(scope="module")
def fit():
    return load_script("fit_answerability")


@pytest.mark.parametrize("reading", [False, True])
def test_the_shipped_model_predicts_what_the_pipeline_computes(fit, reading: bool) -> None:
    # --threshold-only chooses a threshold for these probabilities: they must be the
    # confidence the pipeline computes from the same signals (answerability.confidence).
    from sklearn.linear_model import LogisticRegression

    names = answerability.READER_FEATURES if reading else answerability.FEATURES
    weights = answerability.READER_WEIGHTS if reading else answerability.WEIGHTS
    bias = answerability.READER_BIAS if reading else answerability.BIAS
    x = np.random.default_rng(0).uniform(-1.0, 1.0, size=(20, len(names)))
    model = fit.shipped(LogisticRegression(), names, reading)
    expected = [
        1 / (1 + math.exp(-(bias + sum(weights[n] * v for n, v in zip(names, row, strict=True)))))
        for row in x
    ]
    assert model.predict_proba(x)[:, 1] == pytest.approx(expected)


def test_threshold_only_does_not_go_with_extend(fit) -> None:
    with pytest.raises(SystemExit):
        fit.main(["--threshold-only", "--extend", "other_tolls"])

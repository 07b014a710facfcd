"""How likely the first passage answers the question: the ``confidence`` of an Answer.

A logistic model over signals of the first passage and the runner-up, fitted
on the dev split of our own questions and of SQuAD (answerable v1.1 and
unanswerable v2.0 questions) by ``scripts/fit_answerability.py``. The
threshold that turns it into ``found`` is ``Settings.found_threshold``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..answer import ANSWERS, MAY_ANSWER, NOT_FOUND
from ..config import Settings
from .answer_types import wanted_type
from .reading import Reading
from .retrieval import Hit

FEATURES = (
    "sentence",
    "dense",
    "terms",
    "coverage",
    "typed",
    "margin",
    "anchored",
    "asks_kind",
    "other_countries",
    "other_tolls",
)

# Fitted by scripts/fit_answerability.py on the dev splits; see docs/quality.md.
WEIGHTS = {
    "sentence": 0.6847,
    "dense": 0.5707,
    "terms": 0.7093,
    "coverage": 0.6185,
    "typed": 0.6084,
    "margin": 0.2739,
    "anchored": 1.5826,
    "asks_kind": -0.1654,
    # Added to the model fitted before it (fit_answerability.py --extend other_countries;
    # docs/quality.md, "Another country's figure"): the others and the threshold stay.
    "other_countries": -1.4081,
    "other_tolls": -1.8382,  # the same way, after it (--extend other_tolls)
}
BIAS = -2.1582

READER_FEATURES = (*FEATURES, "reader_best", "reader_highlighted")
# Fitted by scripts/fit_answerability.py --reader with the reader read as the defaults
# read (6 sentences of 3 passages, similarity's order); see docs/quality.md.
READER_WEIGHTS = {
    "sentence": 0.1318,
    "dense": 0.4736,
    "terms": 0.0500,
    "coverage": 0.5214,
    "typed": 0.3078,
    "margin": -0.0364,
    "anchored": 1.0464,
    "asks_kind": -0.5576,
    "other_countries": -1.0079,  # added as in WEIGHTS (--reader --extend other_countries)
    "other_tolls": -2.5641,  # --reader --extend other_tolls
    "reader_best": 0.8553,
    "reader_highlighted": -0.2651,
}
READER_BIAS = -0.5553


def features(hits: Sequence[Hit], query: str) -> list[float]:
    """The signals of a ranking that tell answerable questions from others.

    ``asks_kind`` tells the model whether "typed" and "anchored" mean
    anything: both are True for a question that wants no particular kind of
    answer, and without it an off-topic "What is ...?" question would be
    scored like one whose number sits right by its words.

    "anchored" counts as much as the sentence is about the question (times
    its cosine similarity): "When was the Eiffel Tower built?" finds a year
    by "built" in a sentence about fortifications. On the dev split this
    refused every off-topic question (11 of 12 before) with the same share
    of all unanswerable ones refused and the same false abstention.

    "other_countries": the highlighted sentence names countries, none of the
    question's ("How many soldiers did Azerbaijan lose?" against Armenia's
    toll; ``subjects.about_other_countries``). On the dev splits it was
    true of no first passage that held the answer: of 4 of 57 own and 28 of
    1,000 SQuAD unanswerable questions, and of 2 of 1,000 SQuAD answerable
    ones whose first passage was wrong. "other_tolls": a "how many" question
    counts one kind of toll, the sentence others (the dead for the wounded;
    ``subjects.about_other_tolls``); on the dev splits, true of 4 own
    unanswerable questions only.
    """
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
        float(best.anchored) * best.sentence_score,
        float(wanted_type(query) is not None),
        float(best.other_countries),
        float(best.other_tolls),
    ]


def reader_features(hits: Sequence[Hit], query: str, reading: Reading) -> list[float]:
    """``features`` and the reader's two logits: the inputs of the reader's model."""
    return [*features(hits, query), reading.best, reading.highlighted]


def confidence(hits: Sequence[Hit], query: str, reading: Reading | None = None) -> float:
    """0-1: the modelled probability that the first hit answers the query."""
    if not hits:
        return 0.0
    if reading is None:
        signals, names, weights, bias = features(hits, query), FEATURES, WEIGHTS, BIAS
    else:
        signals = reader_features(hits, query, reading)
        names, weights, bias = READER_FEATURES, READER_WEIGHTS, READER_BIAS
    value = bias + sum(weights[n] * x for n, x in zip(names, signals, strict=True))
    return 1.0 / (1.0 + math.exp(-value))


def verdict(confidence: float, threshold: float, settings: Settings) -> str:
    """What the chat says of an answer with this confidence.

    Below the threshold the answer is not found, and the chat says so. A found
    answer is "answers" from ``answers_from`` up and "may answer" below it: on
    the dev questions, right and wrong first passages mix there. "May answer"
    is never said of an answer that is not found.
    """
    if confidence < threshold:
        return NOT_FOUND
    return ANSWERS if confidence >= settings.answers_from else MAY_ANSWER

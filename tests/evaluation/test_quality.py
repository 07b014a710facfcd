"""Regression floors for answer quality: a fast slice of each data set.

The floors sit a little under the figures measured by ``python -m assistant
eval`` (docs/quality.md), so that a change that makes answers worse fails here.
"""

from __future__ import annotations

import pytest

from assistant import Assistant, Settings
from assistant.evaluation.datasets import (
    load_own_questions,
    load_squad_corpus,
    load_squad_questions,
    load_squad_unanswerable,
)
from assistant.evaluation.runner import evaluate, open_assistant

# Three Wikipedia articles of SQuAD's test split (about 150 paragraphs): large
# enough that retrieval is not trivial, small enough to index in seconds.
SQUAD_SLICE = 3


@pytest.fixture(scope="module")
def own_report(bot: Assistant):
    return evaluate(bot, load_own_questions(), dataset="own")[0]


def test_own_questions_retrieval(own_report) -> None:
    # Measured (2026-12-07): R@1 0.895, R@3 0.979, MRR@10 0.937, sentence 0.827, sources@5 0.794;
    # on 2026-12-08's CPU R@1 0.906 and MRR@10 0.943, the rest the same.
    assert own_report.answerable >= 180 and own_report.unanswerable >= 80
    assert own_report.recall[1] >= 0.87
    assert own_report.recall[3] >= 0.97
    assert own_report.mrr >= 0.92
    assert own_report.sentence_accuracy >= 0.80
    assert own_report.source_recall >= 0.75


def test_own_questions_abstention(own_report) -> None:
    # Measured (2026-12-08, threshold 0.41, a name read closer): abstains on 0.667 of
    # unanswerable (every off-topic one, 0.55 of the on-topic ones), wrongly on 0.089 of
    # answerable (17 of 191; 15 before the name change; the target is 0.05). Another CPU's
    # int8 kernels move these by a question or two (docs/quality.md), hence the margin.
    assert own_report.by_kind["unanswerable-off-topic"][1] == 1.0
    assert own_report.by_kind["unanswerable-on-topic"][1] >= 0.36
    assert own_report.abstention >= 0.52
    assert own_report.false_abstention <= 0.10


def test_own_questions_verdicts(own_report) -> None:
    # Measured (answers_from 0.55; "may answer" only for found answers, issue 28): answerable
    # told "answers" 0.73, "may answer" 0.19, "not found" 0.08 (exactly the false
    # abstention); unanswerable told "answers" 0.20, "not found" 0.64.
    answerable = own_report.verdicts["answerable"]
    unanswerable = own_report.verdicts["unanswerable"]
    assert answerable["not found"] == pytest.approx(own_report.false_abstention)
    assert unanswerable["not found"] == pytest.approx(own_report.abstention)
    assert answerable["answers"] >= 0.58
    assert unanswerable["answers"] <= 0.22
    assert sum(answerable.values()) == pytest.approx(1.0)


def test_hybrid_beats_each_search_alone(bot: Assistant) -> None:
    questions = load_own_questions()
    recall = {}
    for mode in ("hybrid", "dense", "lexical"):
        alone = Assistant(bot.stored, bot.embedder, Settings(retrieval=mode))
        recall[mode] = evaluate(alone, questions)[0].recall[1]
    assert recall["hybrid"] > max(recall["dense"], recall["lexical"])


@pytest.fixture(scope="module")
def squad_slice(tmp_path_factory: pytest.TempPathFactory):
    answerable = [q for q in load_squad_questions() if q.split == "test"]
    titles = sorted({q.key for q in answerable})[:SQUAD_SLICE]
    corpus = load_squad_corpus(titles=titles)
    questions = [q for q in answerable if q.key in titles]
    questions += [q for q in load_squad_unanswerable() if q.key in titles]
    bot = open_assistant(corpus, tmp_path_factory.mktemp("squad"), Settings())
    return evaluate(bot, questions, dataset="squad-slice")[0]


@pytest.mark.squad
def test_squad_slice_retrieval(squad_slice) -> None:
    # Measured on this slice (Chloroplast, Civil_disobedience, Construction; 590
    # questions over 111 paragraphs): R@1 0.844, R@5 0.949, MRR@10 0.891.
    assert squad_slice.answerable >= 500
    assert squad_slice.recall[1] >= 0.82
    assert squad_slice.recall[5] >= 0.93
    assert squad_slice.mrr >= 0.87

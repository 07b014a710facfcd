"""scripts/span_reader_probe.py: answer spans found in tokens, SQuAD's scoring, a smoke run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.encoding.reader import load_tokenizer
from tests.support import load_script

needs_squad = pytest.mark.squad  # skipped without the SQuAD files (tests/conftest.py)


@pytest.fixture(scope="module")
def probe():
    return load_script("span_reader_probe")


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer("all-MiniLM-L6-v2")


def example(probe, question, context, answer, impossible=False):
    start = -1 if impossible else context.index(answer)
    answers = [] if impossible else [answer]
    return probe.Example(question, context, answers, start, impossible, True, "A")


def test_the_answer_span_is_found_in_the_tokens(probe, tokenizer) -> None:
    context = "The Denver Broncos defeated the Carolina Panthers 24-10 in Santa Clara."
    items = [
        example(probe, "Who won?", context, "Denver Broncos"),
        example(probe, "What was the score?", context, "24-10"),
        example(probe, "Who lost Super Bowl 51?", context, "", impossible=True),
    ]
    encoded, starts, ends = probe.encode(tokenizer, items, 64)
    for row, item in enumerate(items[:2]):
        ids = encoded["input_ids"][row][starts[row] : ends[row] + 1]
        assert tokenizer.decode(ids).replace(" ", "") == item.answers[0].lower().replace(" ", "")
    assert (starts[2], ends[2]) == (0, 0)  # no answer: [CLS]


def test_an_answer_cut_off_by_the_length_limit_points_at_cls(probe, tokenizer) -> None:
    context = "word " * 80 + "The answer is Denver."
    encoded, starts, ends = probe.encode(tokenizer, [example(probe, "Who?", context, "Denver")], 32)
    assert (starts[0], ends[0]) == (0, 0)


def test_exact_match_and_f1_as_squad_scores_them(probe) -> None:
    assert probe.exact_and_f1("the Denver Broncos", ["Denver Broncos"]) == (1.0, 1.0)
    exact, f1 = probe.exact_and_f1("Denver", ["Denver Broncos", "Broncos"])
    assert exact == 0.0 and f1 == pytest.approx(2 / 3)
    assert probe.exact_and_f1("Carolina", ["Denver"]) == (0.0, 0.0)


def test_refused_at_keeps_the_share_of_answerable_asked(probe) -> None:
    import numpy as np

    answerable = np.arange(100, dtype=float)
    assert probe.refused_at(0.95, answerable, np.array([1.0, 4.0, 50.0])) == pytest.approx(2 / 3)


@needs_squad
def test_a_smoke_run_trains_and_measures_on_the_valid_articles_only(probe, tmp_path: Path) -> None:
    assert probe.main(["--smoke", "--threads", "1", "--work", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    (figures,) = results["history"]
    assert figures["step"] == 3 and 0.0 <= figures["f1"] <= 1.0 and 0.0 <= figures["auc"] <= 1.0
    assert 0.0 <= results["sentence_reader"]["refused_at_95"] <= 1.0
    titles = {e.article for e in probe.examples("train")} | {
        e.article for e in probe.examples("valid")
    }
    test_titles = {e.article for e in probe.examples("test")}
    assert titles and test_titles and not titles & test_titles


@needs_squad
def test_the_train_file_gives_its_draw_and_never_a_leaked_paragraph(probe, tmp_path: Path) -> None:
    import gzip

    from assistant.evaluation.datasets import SQUAD_V1, squad_path
    from assistant.evaluation.reader_pairs import _read

    dev = _read(squad_path(SQUAD_V1))[0]["paragraphs"][0]["context"]
    own = "The Alps are a mountain range. Skiing is popular there in the winter months."
    qas = [
        {
            "id": f"a{n}",
            "question": f"What are the Alps {n}?",
            "answers": [
                {"text": "a mountain range", "answer_start": own.index("a mountain range")}
            ],
        }
        for n in range(3)
    ] + [{"id": "u", "question": "what is the alps' height?", "answers": [], "is_impossible": True}]
    leaked = [{"id": "d", "question": "A leak?", "answers": [{"text": dev[:5], "answer_start": 0}]}]
    path = tmp_path / "train.json.gz"
    data = {
        "data": [
            {
                "title": "Alps",
                "paragraphs": [{"context": own, "qas": qas}, {"context": dev, "qas": leaked}],
            }
        ]
    }
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump(data, handle)
    stats: dict = {}
    items = probe.train_file_examples(2, None, path=path, stats=stats)
    assert stats == {"answerable": 2, "unanswerable": 1, "leaked": 1}
    assert sum(e.impossible for e in items) == 1 and all(e.context == own for e in items)
    assert probe.digest(items) == probe.digest(probe.train_file_examples(2, None, path=path))

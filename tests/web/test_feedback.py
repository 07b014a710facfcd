"""Tests of the like/dislike log: append-only JSONL, safe under concurrent writers."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from assistant.answer import Answer, Passage
from assistant.search.filters import Filters
from assistant.web.feedback import DEFAULT_FEEDBACK_FILE, FeedbackLog, answer_record

PASSAGE = Passage(
    text="Armenia said on Friday that 376 of its soldiers had died.",
    highlight="Armenia said on Friday that 376 of its soldiers had died.",
    article_id="004_test",
    title="Talks",
    outlet="The New York Times",
    published="",
    url="",
    author="",
    start=10,
    end=68,
    highlight_start=10,
    highlight_end=68,
    score=0.59,
)
ANSWER = Answer(
    question="What about Armenia?",
    passages=(PASSAGE,),
    found=True,
    confidence=0.96,
    searched_for="How many soldiers did Armenia lose?",
)


def test_answer_record_names_the_question_and_the_passage_spans() -> None:
    record = answer_record(ANSWER, Filters(outlets=("The New York Times",)))
    assert record["question"] == "What about Armenia?"
    assert record["searched_for"] == "How many soldiers did Armenia lose?"
    assert record["found"] is True and record["confidence"] == 0.96
    assert record["filters"]["outlets"] == ["The New York Times"]
    assert record["passages"] == [
        {
            "article_id": "004_test",
            "start": 10,
            "end": 68,
            "highlight_start": 10,
            "highlight_end": 68,
            "score": 0.59,
        }
    ]
    assert answer_record(ANSWER)["filters"] == Filters().to_dict()


def test_record_appends_one_json_object_per_line(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "feedback.jsonl"
    path.parent.mkdir()
    path.write_text('{"earlier": true}\n', encoding="utf-8")
    log = FeedbackLog(path)
    entry = log.record("like", answer_record(ANSWER))
    log.record("dislike", answer_record(ANSWER))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and json.loads(lines[0]) == {"earlier": True}
    assert json.loads(lines[1]) == entry
    assert [item.get("rating") for item in log.read()] == [None, "like", "dislike"]
    assert entry["time"].endswith("+00:00") and entry["question"] == "What about Armenia?"


def test_record_creates_the_folder(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "a" / "b" / "feedback.jsonl")
    assert log.read() == []
    log.record("cleared", answer_record(ANSWER))
    assert log.read()[0]["rating"] == "cleared"


def test_record_rejects_an_unknown_rating(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rating must be one of like, dislike, cleared"):
        FeedbackLog(tmp_path / "f.jsonl").record("love", {})


def test_concurrent_writers_never_interleave_lines(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    # Two logs on one file, as two app processes would have.
    logs = [FeedbackLog(path), FeedbackLog(path)]
    record = answer_record(ANSWER)
    record["question"] = "x" * 20_000  # long lines make torn writes likely

    def write(number: int) -> None:
        for _ in range(25):
            logs[number % 2].record("like" if number % 2 else "dislike", record)

    threads = [threading.Thread(target=write, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 200
    assert all(len(json.loads(line)["question"]) == 20_000 for line in lines)


def test_default_file_is_the_git_ignored_folder() -> None:
    assert DEFAULT_FEEDBACK_FILE == "feedback/feedback.jsonl"
    assert FeedbackLog().path == Path("feedback/feedback.jsonl")

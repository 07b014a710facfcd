"""Log levels of index builds: expected events are INFO, WARNING is for what needs attention."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.store.storage import POINTER


@pytest.fixture
def fake_load(monkeypatch: pytest.MonkeyPatch, fake_embedder):
    """Assistant.load with the fake embedder, so builds take milliseconds."""
    monkeypatch.setattr("assistant.pipeline.Embedder", lambda model, **options: fake_embedder)
    return Assistant.load


def _records(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == level and r.name.startswith("assistant")
    ]


def test_a_first_start_and_an_added_article_log_no_warning(
    fake_load, headlines_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index = tmp_path / "index"
    with caplog.at_level(logging.INFO, logger="assistant"):
        fake_load(headlines_dir, index)
        (headlines_dir / "extra.txt").write_text("Extra\n\nOne more article.", encoding="utf-8")
        fake_load(headlines_dir, index)
    assert not _records(caplog, logging.WARNING)
    infos = _records(caplog, logging.INFO)
    assert any("no index yet" in message for message in infos), infos
    assert any("corpus fingerprint changed" in message for message in infos), infos


def test_a_damaged_index_is_a_warning(
    fake_load, headlines_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index = tmp_path / "index"
    fake_load(headlines_dir, index)
    (index / POINTER).write_text("garbage\n")
    with caplog.at_level(logging.INFO, logger="assistant"):
        fake_load(headlines_dir, index)
    assert any("cannot be used" in message for message in _records(caplog, logging.WARNING))

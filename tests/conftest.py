"""Shared fixtures: the real corpus and model, and a fake embedder for unit tests."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.ast_lock import serialise_ast

# Before anything starts a thread: see tests/ast_lock.py (a CPython 3.11 race).
serialise_ast()

from assistant import Assistant  # noqa: E402
from tests.support import CORPUS, HEADLINES, QUESTIONS, FakeEmbedder, need_benchmark_data  # noqa: E402


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before the test's fixtures are set up: a module-scoped fixture reading SQuAD
    # would otherwise fail with FileNotFoundError first.
    if item.get_closest_marker("squad"):
        need_benchmark_data(os.environ)


@pytest.fixture
def headlines_dir(tmp_path: Path) -> Path:
    """A corpus of six one-paragraph articles written as plain text files."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in HEADLINES.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The real assistant: real model, real FAISS and BM25 index, real corpus."""
    index_dir = tmp_path_factory.mktemp("index")
    return Assistant.load(corpus_dir=CORPUS, index_dir=index_dir)


@pytest.fixture(scope="session")
def labelled_questions() -> list[dict]:
    with QUESTIONS.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]

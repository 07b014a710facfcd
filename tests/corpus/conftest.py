"""A corpus folder of one note, for the tests that add files to it."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTE = "# Harbour Note\n\nThe harbour office opens at eight from Monday, it said."


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "note.md").write_text(NOTE, encoding="utf-8")
    return folder

"""The index folder belongs to the program: no tracked file in it, and it is made when missing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from assistant import Assistant
from tests.support import REPO


def test_no_tracked_file_lives_in_the_index_folder() -> None:
    # Deleting index/ or `make clean` must lose nothing (issue 14): its
    # description lives in docs/index-format.md.
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(
        [git, "ls-files", "--", "index"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    assert tracked == []
    assert (REPO / "docs" / "index-format.md").is_file()


def test_a_build_creates_a_missing_index_folder(
    monkeypatch: pytest.MonkeyPatch, fake_embedder, headlines_dir: Path, tmp_path: Path
) -> None:
    monkeypatch.setattr("assistant.pipeline.Embedder", lambda model, **options: fake_embedder)
    index = tmp_path / "gone" / "index"
    bot = Assistant.load(headlines_dir, index)
    assert index.is_dir() and bot.ask("Who took Shusha?").passages

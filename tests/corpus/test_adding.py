"""add_files in a dry run: every check of a copy, and no copy."""

from __future__ import annotations

import shutil
from pathlib import Path

from assistant.corpus.adding import add_files

PAGE = Path(__file__).resolve().parents[1] / "data" / "pages" / "news_page.html"


def test_a_dry_run_reports_ready_and_copies_nothing(headlines_dir: Path, tmp_path: Path) -> None:
    before = sorted(headlines_dir.iterdir())
    present = tmp_path / "again.txt"
    shutil.copy(before[0], present)
    results = add_files([PAGE, present], headlines_dir, dry_run=True)
    assert [r.status for r in results] == ["ready", "present"]
    assert results[0].articles[0].title and results[0].copy == ""
    assert sorted(headlines_dir.iterdir()) == before
    # The same files, for real, do what the dry run said.
    assert [r.status for r in add_files([PAGE, present], headlines_dir)] == ["added", "present"]

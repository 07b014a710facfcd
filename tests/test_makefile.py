"""The Makefile: what a new user sees while it installs, and what ``make clean`` removes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import REPO


def dry_run(*targets: str, venv: Path) -> list[str]:
    """The commands ``make`` would run for ``targets`` in a fresh virtual environment."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    result = subprocess.run(
        [make, "-n", "--no-print-directory", "-C", str(REPO), f"VENV={venv}", *targets],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.splitlines()


def test_install_says_what_it_does_and_shows_pip_progress(tmp_path: Path) -> None:
    # A first install takes minutes (issue 14: it was silent for three).
    venv = tmp_path / ".venv"
    commands = dry_run(f"{venv}/.runtime", f"{venv}/.dev", venv=venv)
    installs = [line for line in commands if "pip install" in line and " -r " in line]
    assert len(installs) == 2
    assert not any("--quiet" in line or " -q" in line for line in installs), installs
    steps = [line for line in commands if line.startswith("echo")]
    assert any("minutes" in line for line in steps), steps
    # The step is announced before pip runs.
    announced = next(line for line in steps if "installing requirements.txt" in line)
    assert commands.index(announced) < commands.index(installs[0])


def test_make_clean_removes_the_whole_index_folder(tmp_path: Path) -> None:
    # index/ holds no tracked file (docs/index-format.md), so it goes whole.
    assert dry_run("clean", venv=tmp_path / ".venv") == [f"rm -rf {tmp_path / '.venv'} index"]


def test_pip_is_pinned_before_the_requirements_and_the_quiet_step_is_announced(
    tmp_path: Path,
) -> None:
    # Issue 29: the venv's own pip 23.2 backtracked through lxml wheels ("pip is looking at
    # multiple versions of lxml[html-clean]"), and after "Installing collected packages"
    # nothing moved for 18 s or more.
    venv = tmp_path / ".venv"
    commands = dry_run(f"{venv}/.runtime", venv=venv)
    [pin] = [line for line in commands if "pip install" in line and "pip==" in line]
    requirements = next(line for line in commands if "-r requirements.txt" in line)
    assert commands.index(pin) < commands.index(requirements)
    version = tuple(int(part) for part in pin.split("pip==")[1].split()[0].split("."))
    assert version >= (23, 3)  # the first pip to match extras by their PEP 685 names
    steps = [line for line in commands if line.startswith("echo")]
    assert any("Installing collected packages" in line for line in steps), steps
    assert any("not stuck" in line for line in steps), steps

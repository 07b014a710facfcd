"""The benchmarks still run: each script's --quick mode, as CI's smoke test.

Timings are printed, never asserted (these machines are noisy); what must hold
is that every script runs to its end and prints its figures with their floors.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
# cluster.py and serve_cluster.py start a Ray cluster, so they run only on loopback:
# cluster.py's smoke test is in tests/cluster/ray (run through scripts/isolated.py).
ON_A_CLUSTER = {"cluster.py", "serve_cluster.py"}
SCRIPTS = sorted(
    path.name for path in BENCHMARKS.glob("*.py") if path.name not in {"common.py", *ON_A_CLUSTER}
)


def test_every_benchmark_is_smoke_tested():
    # A new script is picked up by the parametrised test below; this one fails
    # if the folder is moved or emptied, so the smoke test cannot pass vacuously.
    assert {"speed.py"} <= set(SCRIPTS), SCRIPTS


# A script that reads SQuAD (all of them, today) runs where the files are (tests/conftest.py).
READS_SQUAD = {
    name for name in SCRIPTS if "squad" in (BENCHMARKS / name).read_text(encoding="utf-8").lower()
}


@pytest.mark.parametrize(
    "script",
    [
        pytest.param(name, marks=pytest.mark.squad if name in READS_SQUAD else ())
        for name in SCRIPTS
    ],
)
def test_quick_benchmark_runs(script, tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TMPDIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    # A table of figures: several lines, with numbers in them.
    lines = [line for line in result.stdout.splitlines() if re.search(r"\d", line)]
    assert len(lines) >= 3, output[-4000:]

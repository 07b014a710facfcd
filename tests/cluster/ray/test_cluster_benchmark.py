"""benchmarks/cluster.py --quick runs to its end and prints every figure with its floor.

Timings are printed, never asserted; the benchmark starts (and shuts down) its
own two-node cluster, so like every test here it runs only on loopback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support import REPO


@pytest.mark.squad
def test_the_quick_cluster_benchmark_prints_its_rows(loopback_only) -> None:
    command = [sys.executable, str(REPO / "benchmarks" / "cluster.py"), "--quick", "--json"]
    # No TMPDIR under tmp_path: Ray puts its sockets there, and their paths must stay short.
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    rows = {row["name"]: row for row in json.loads(result.stdout[result.stdout.index("[") :])}
    compared = [
        "build: Ray Data, 1 encoder actor(s)",
        "query: 1 shard(s), p50",
        "query: 2 shard(s), p99",
        "throughput: 2 shard(s), 4 threads",
        "fan-out overhead: 2 shard(s), p50",
        "actor round trip: ping 2 shards at once",
    ]
    for name in compared:
        assert rows[name]["floor"] > 0 and rows[name]["ratio"] is not None, name
    for name in ("size: stored index, seed corpus", "size: stored index, 10 SQuAD paragraphs"):
        assert rows[name]["value"] > 384 * 4, "at least one float vector a passage"

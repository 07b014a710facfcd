"""scripts/local_cluster.py: start a two-node cluster, connect to it, stop only its processes.

The script's cluster is joined from a driver subprocess, as a user's
``python -m assistant --cluster ADDRESS`` joins it; this session's own cluster
(conftest's) is not started.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support import REPO

SCRIPT = REPO / "scripts" / "local_cluster.py"

COUNT_NODES = """
import sys, ray
ray.init(address=sys.argv[1], log_to_driver=False)
alive = [node for node in ray.nodes() if node["Alive"]]
print(len(alive), ray.get(ray.remote(lambda: "ok").remote()))
"""


def _run(*arguments: str, state: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, str(SCRIPT), "--state", str(state), *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, env=_env())


def _env() -> dict[str, str]:
    return {**os.environ, "RAY_AUTH_MODE": "disabled"}


def _descendants(pid: int) -> set[int]:
    """Every running process below ``pid`` (Ray's workers are the raylets' children)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_start_connect_status_stop(loopback_only, tmp_path) -> None:
    state = tmp_path / "state"
    started = _run("start", "--object-store-mb", "100", state=state)
    assert started.returncode == 0, started.stdout + started.stderr
    record = json.loads((state / "cluster.json").read_text())
    address, holder = record["address"], record["holder"]["pid"]
    assert address in started.stdout
    try:
        assert _run("start", state=state).stdout.startswith(f"already running at {address}")
        driver = [sys.executable, "-c", COUNT_NODES, address]
        counted = subprocess.run(driver, capture_output=True, text=True, timeout=180, env=_env())
        assert counted.stdout.split() == ["2", "ok"], counted.stderr[-3000:]
        status = _run("status", state=state)
        assert status.returncode == 0 and f"running at {address}" in status.stdout
        ours = {holder, *(process["pid"] for process in record["processes"])}
        ours |= _descendants(holder)
        assert len(ours) > 3  # the holder, GCS, two raylets, ...
    finally:
        stopped = _run("stop", state=state)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert not [pid for pid in ours if _running(pid)]
    assert not (state / "cluster.json").exists()
    assert _run("status", state=state).returncode == 1

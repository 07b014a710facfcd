"""A two-node Ray cluster on this machine, for trying ``--cluster`` by hand.

Usage::

    python scripts/local_cluster.py start      # prints the address to pass to --cluster
    python -m assistant --cluster ADDRESS --index index-sharded --shards 4 ask "Who won?"
    python scripts/local_cluster.py status
    python scripts/local_cluster.py stop

``start`` spawns one detached Python process that holds a
``ray.cluster_utils.Cluster``: a head node and one worker node, each with
``--cpus`` CPUs, a capped object store and no dashboard. It writes that
process's id, the cluster's address and the ids of the Ray processes the nodes
run (GCS, raylets, ...) to ``.ray-local/cluster.json``; its log goes to
``.ray-local/cluster.log``. ``stop`` sends that process SIGTERM; it shuts the
cluster down (``Cluster.shutdown``) and exits, and ``stop`` waits until every
recorded process is gone. Nothing else is signalled: other Ray clusters on the
machine are left alone (``ray stop`` would stop them all).

The nodes listen on this machine's network address, as ``ray start`` does; token
authentication is Ray's default unless ``RAY_AUTH_MODE`` says otherwise (the
tests set ``disabled`` inside their loopback-only namespace).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ray.cluster_utils import Cluster

STATE_DIR = Path(__file__).resolve().parents[1] / ".ray-local"
STATE_FILE = "cluster.json"
LOG_FILE = "cluster.log"
# Small object stores: the assistant moves a few MB (questions, candidate rows, vectors).
OBJECT_STORE_MB = 200
START_TIMEOUT = 120.0
STOP_TIMEOUT = 60.0


def _started_at(pid: int) -> str | None:
    """The process's start time in clock ticks since boot, or None when there is no such process.

    Stored beside each id, so that an id reused by a later process is never signalled.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else fields[19]  # zombies have exited


def _alive(process: dict) -> bool:
    return _started_at(process["pid"]) == process["started"]


def _record(pid: int) -> dict:
    return {"pid": pid, "started": _started_at(pid)}


def interfaces_besides_lo() -> list[str]:
    """This network namespace's interfaces other than loopback (none inside scripts/isolated.py)."""
    net = Path("/sys/class/net")
    return sorted(set(os.listdir(net)) - {"lo"}) if net.is_dir() else []


def read_state(folder: Path) -> dict | None:
    """The running cluster's record, or None when none of ours is running."""
    try:
        state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if _alive(state["holder"]) else None


@contextmanager
def two_nodes(*, cpus: float = 1, object_store_mb: int = OBJECT_STORE_MB) -> Iterator[Cluster]:
    """A head and one worker node started by this process, shut down (only they) on leaving.

    Each node gets ``cpus`` CPUs and an object store of ``object_store_mb`` MB;
    there is no dashboard. The tests and ``benchmarks/cluster.py`` use it too.
    """
    from ray.cluster_utils import Cluster

    node = {"num_cpus": cpus, "object_store_memory": object_store_mb * 1024**2}
    cluster = Cluster(initialize_head=True, head_node_args={**node, "include_dashboard": False})
    try:
        cluster.add_node(**node)
        cluster.wait_for_nodes()
        yield cluster
    finally:
        cluster.shutdown()


def serve(folder: Path, cpus: float, object_store_mb: int) -> int:
    """Hold a two-node cluster until SIGTERM or SIGINT, then shut it down."""
    stopping = []
    with two_nodes(cpus=cpus, object_store_mb=object_store_mb) as cluster:
        # Each Node set its own SIGTERM handler (it kills that node only): one for all.
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda *_: stopping.append(True))
        processes = [
            _record(info.process.pid)
            for ray_node in cluster.list_all_nodes()
            for infos in ray_node.all_processes.values()
            for info in infos
        ]
        state = {
            "address": cluster.address,
            "holder": _record(os.getpid()),
            "processes": processes,
            "nodes": 2,
            "cpus_per_node": cpus,
            "object_store_mb": object_store_mb,
        }
        partial = folder / f"{STATE_FILE}.part"
        partial.write_text(json.dumps(state, indent=2), encoding="utf-8")
        partial.replace(folder / STATE_FILE)  # ``start`` reads it only whole
        print(f"cluster up at {cluster.address}", flush=True)
        try:
            while not stopping:
                time.sleep(0.5)
        finally:
            (folder / STATE_FILE).unlink(missing_ok=True)
    print("cluster shut down", flush=True)
    return 0


def start(folder: Path, cpus: float, object_store_mb: int) -> int:
    if state := read_state(folder):
        print(f"already running at {state['address']} (process {state['holder']['pid']})")
        return 0
    folder.mkdir(parents=True, exist_ok=True)
    (folder / STATE_FILE).unlink(missing_ok=True)
    command = [sys.executable, __file__, "--state", str(folder), "_serve"]
    command += ["--cpus", str(cpus), "--object-store-mb", str(object_store_mb)]
    with (folder / LOG_FILE).open("ab") as log:
        holder = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # outlives this command and the terminal's Ctrl+C
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if state := read_state(folder):
            print(f"Ray cluster (2 nodes, {cpus:g} CPU each) at {state['address']}")
            print(f"  python -m assistant --cluster {state['address']} --index index-sharded ...")
            print("  stop it with: python scripts/local_cluster.py stop")
            return 0
        if holder.poll() is not None:
            break
        time.sleep(0.5)
    if holder.poll() is None:
        holder.terminate()
    log_tail = (folder / LOG_FILE).read_text(encoding="utf-8", errors="replace")[-3000:]
    print(f"error: the cluster did not start; the end of {folder / LOG_FILE}:", file=sys.stderr)
    print(log_tail, file=sys.stderr)
    return 1


def status(state: dict) -> int:
    alive = sum(_alive(process) for process in state["processes"])
    print(f"running at {state['address']}: process {state['holder']['pid']}, ", end="")
    print(f"{alive} of {len(state['processes'])} Ray processes alive")
    return 0


def stop(folder: Path, state: dict) -> int:
    os.kill(state["holder"]["pid"], signal.SIGTERM)
    ours = [state["holder"], *state["processes"]]
    deadline = time.monotonic() + STOP_TIMEOUT
    while any(_alive(process) for process in ours):
        if time.monotonic() > deadline:
            left = [str(process["pid"]) for process in ours if _alive(process)]
            print(f"error: processes {', '.join(left)} still run", file=sys.stderr)
            return 1
        time.sleep(0.2)
    (folder / STATE_FILE).unlink(missing_ok=True)
    print(f"stopped the cluster at {state['address']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", type=Path, default=STATE_DIR, help="state folder (.ray-local)")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("start", "_serve"):
        sub = commands.add_parser(name, help="start the cluster" if name == "start" else None)
        sub.add_argument("--cpus", type=float, default=1, help="CPUs per node (1)")
        sub.add_argument("--object-store-mb", type=int, default=OBJECT_STORE_MB)
    commands.add_parser("status", help="say whether it runs, and where")
    commands.add_parser("stop", help="stop the cluster this script started")
    args = parser.parse_args(argv)
    if args.command == "start":
        return start(args.state, args.cpus, args.object_store_mb)
    if args.command == "_serve":
        return serve(args.state, args.cpus, args.object_store_mb)
    state = read_state(args.state)
    if state is None:
        print("no local cluster running (start one: python scripts/local_cluster.py start)")
        return 1 if args.command == "status" else 0
    return status(state) if args.command == "status" else stop(args.state, state)


if __name__ == "__main__":
    sys.exit(main())

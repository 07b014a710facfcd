"""Ray Serve: the JSON API's replicas on a two-node cluster, against serial ``ask()``, in one run.

Usage (it starts a Ray cluster, so only inside a loopback-only namespace)::

    python scripts/isolated.py python benchmarks/serve_cluster.py        # the documented figures
    python scripts/isolated.py python benchmarks/serve_cluster.py --replicas 1,2,4 --clients 32

It builds the seed corpus's index outside every timing, then:

- serial: ``Assistant.ask`` in this process, one question after another, over
  the labelled questions and the load test's (``benchmarks/serve.py``'s), half
  before the Serve runs and half after: the floor, and the answers every HTTP
  answer must equal;
- Serve: its own two-node cluster (``scripts/local_cluster.two_nodes``, 1 CPU
  a node), the API deployed as ``python -m assistant serve`` deploys it
  (``web/serving.start_api``: one proxy on the head node, one CPU a replica),
  then ``--clients`` httpx clients posting to ``/api/ask`` for ``--seconds``,
  once per ``--replicas`` count (the deployment scaled in place).

Each figure is a time per request (1 / requests per second) beside the serial
floor; the notes give requests/s, p50/p99, errors and answers that differ from
the serial ones. Everything (clients, proxy, replicas, this process) shares
this machine's cores, so replicas past the core count only queue: the figures
say what Serve costs on one machine, and docs/scaling.md what more nodes give.
The exit status is 1 when any request failed or differed.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import sys
import tempfile
from pathlib import Path

from common import REPO, Row, print_table, run_process
from serve import Load, api_load, request_bodies, serial

from scripts.harness import free_port
from scripts.local_cluster import interfaces_besides_lo, two_nodes

CORPUS = REPO / "corpus"
OBJECT_STORE_MB = 120


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", default="1,2", help="replica counts to run (1,2)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (16)")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds a run (20)")
    parser.add_argument(
        "--threads", type=int, default=4, help="questions a replica answers at once"
    )
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    if others := interfaces_besides_lo():
        print(f"error: run it through scripts/isolated.py (interfaces: {others})", file=sys.stderr)
        return 2
    os.environ["RAY_AUTH_MODE"] = "disabled"  # the cluster is reachable from loopback only
    import ray

    from assistant import Assistant
    from assistant.web import serving

    counts = [int(n) for n in args.replicas.split(",") if n]
    bodies = request_bodies()
    with tempfile.TemporaryDirectory(prefix="bench-serve-cluster-") as tmp:
        index = Path(tmp) / "index"
        build = [sys.executable, "-m", "assistant", "-q", "--corpus", str(CORPUS)]
        run_process([*build, "--index", str(index), "build"])
        bot = Assistant.load(CORPUS, index)
        before, expected = serial(bot, bodies, args.seconds / 2)
        loads: dict[int, Load] = {}
        with two_nodes(object_store_mb=OBJECT_STORE_MB) as cluster:
            serving.join_ray(cluster.address)
            try:
                opener = functools.partial(Assistant.load, CORPUS, index)
                port = free_port()
                for replicas in counts:
                    # The two nodes' 2 CPUs shared out when more replicas than that are asked.
                    cpus = min(1.0, 2 / max(counts))
                    url = serving.start_api(
                        opener,
                        replicas=replicas,
                        port=port,
                        threads=args.threads,
                        replica_cpus=cpus,
                    )
                    base = url.removesuffix("/api")
                    loads[replicas] = asyncio.run(
                        api_load(base, bodies, expected, clients=args.clients, seconds=args.seconds)
                    )
                    print(f"{replicas} replica(s): {loads[replicas].note()}", file=sys.stderr)
                serving.stop_api()
            finally:
                ray.shutdown()
        after, _ = serial(bot, bodies, args.seconds / 2)
    alone = before + after
    serial_ms = 1e3 / alone.per_second
    rows = [Row("serial ask() in-process, ms/request", serial_ms, None, "ms", None, alone.note())]
    for replicas, load in loads.items():
        name = f"Ray Serve, {replicas} replica(s), {args.clients} clients, ms/request"
        rows.append(Row(name, 1e3 / max(load.per_second, 1e-9), serial_ms, "ms", None, load.note()))
    if len(loads) > 1:
        (first, one), (last, most) = min(loads.items()), max(loads.items())
        name = f"Ray Serve, {last} replicas against {first}"
        note = "below 1: more replicas answer more per second"
        rows.append(
            Row(
                name, 1 / max(most.per_second, 1e-9), 1 / max(one.per_second, 1e-9), "s", None, note
            )
        )
    print_table(
        f"Ray Serve: {args.clients} clients, {args.seconds:g} s a run", rows, as_json=args.json
    )
    for replicas, load in loads.items():
        for error in load.errors[:3]:
            print(f"  error ({replicas} replicas): {error}")
    print(f"os.cpu_count()={os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")
    failed = any(load.errors or load.differing for load in loads.values()) or alone.differing
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

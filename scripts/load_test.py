"""Load test: many gradio_client clients asking the running app at once, over loopback.

Usage::

    python scripts/load_test.py                   # 50 clients for 60 s
    python scripts/load_test.py --clients 10 --seconds 5 --json

It starts ``app.py`` on a free loopback port (or uses ``--url``), asks each
question once, serially, for reference answers, then lets the clients ask in a
loop until the time is up. Every answer must equal the serial one; the report
gives the request count, errors, mismatches and p50/p99 latency. The exit
status is 1 when any request failed or differed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts.harness import running_app  # noqa: E402

# (question, history, k, filters): plain questions, a follow-up, filters, several k.
QUESTIONS: list[tuple[str, list[str], int, dict[str, Any] | None]] = [
    ("How many soldiers did Azerbaijan lose?", [], 5, None),
    ("Who is Oleg Kuznetsov?", [], 5, None),
    ("How many civilians were killed?", [], 3, None),
    ("What happened to the Holy Savior Cathedral?", [], 5, None),
    ("What about Armenia?", ["How many soldiers did Azerbaijan lose?"], 5, None),
    ("Who brokered the ceasefire?", [], 2, {"outlets": ["The New York Times"]}),
    ("How much land has been cleared of mines since the war?", [], 4, None),
    ("What is the capital of Peru?", [], 5, None),
]


@dataclass
class Report:
    clients: int
    seconds: float
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    mismatches: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    per_second: float = 0.0

    @property
    def ok(self) -> bool:
        return self.requests > 0 and not self.errors and not self.mismatches


def ask(client: Any, index: int) -> dict[str, Any]:
    question, history, k, filters = QUESTIONS[index]
    return client.predict(question, history, k, filters, api_name="/ask")


def run_load(url: str, *, clients: int, seconds: float) -> Report:
    """``clients`` threads, each with its own Client, asking until ``seconds`` have passed."""
    from gradio_client import Client

    serial_client = Client(url, verbose=False)
    expected = [ask(serial_client, index) for index in range(len(QUESTIONS))]
    report = Report(clients=clients, seconds=seconds)
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = [0.0]

    def start_clock() -> None:
        deadline[0] = time.monotonic() + seconds

    # Every client is connected before the clock starts; the barrier's action sets it.
    ready = threading.Barrier(clients + 1, action=start_clock)

    def worker(number: int) -> None:
        try:
            client = Client(url, verbose=False)
        except Exception as error:  # counted, never raised: the report says what failed
            with lock:
                report.errors.append(f"client {number}: {error!r}")
            client = None
        ready.wait(timeout=120)
        turn = number
        while client is not None and time.monotonic() < deadline[0]:
            index = turn % len(QUESTIONS)
            turn += 1
            started = time.perf_counter()
            try:
                result = ask(client, index)
            except Exception as error:
                with lock:
                    report.errors.append(f"{QUESTIONS[index][0]!r}: {error!r}")
                continue
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                report.mismatches += result != expected[index]
        if client is not None:
            client.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait(timeout=120)
    started = time.monotonic()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    serial_client.close()
    wall = time.monotonic() - started
    report.requests = len(latencies)
    if latencies:
        p50, p99 = np.percentile(latencies, [50, 99]) * 1000
        report.p50_ms, report.p99_ms = round(float(p50), 1), round(float(p99), 1)
        report.max_ms = round(max(latencies) * 1000, 1)
        report.per_second = round(len(latencies) / wall, 1)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--url", help="a running app (default: start app.py on a free port)")
    parser.add_argument("--index", default="index", help="index folder for the started app")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if args.url:
        report = run_load(args.url, clients=args.clients, seconds=args.seconds)
    else:
        log = Path(os.environ.get("TMPDIR", "/tmp")) / f"load-app-{os.getpid()}.log"
        with running_app(args.index, log=log) as url:
            report = run_load(url, clients=args.clients, seconds=args.seconds)
    if args.json:
        print(json.dumps({**asdict(report), "errors": report.errors[:20]}, indent=2))
    else:
        print(
            f"{report.clients} clients, {report.seconds:g} s: {report.requests} requests "
            f"({report.per_second}/s), {len(report.errors)} errors, {report.mismatches} "
            f"differing from the serial run; latency p50 {report.p50_ms} ms, "
            f"p99 {report.p99_ms} ms, max {report.max_ms} ms"
        )
        for error in report.errors[:5]:
            print("  error:", error)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""The JSON API on Ray Serve: ``python -m assistant serve`` on the two-node loopback cluster.

The command runs as its users start it, with two replicas (one CPU each, so one
on each node): every labelled question asked through Serve's proxy gets the very
answer of one machine's ``Assistant.ask(...).to_dict()``; a replica killed while
clients ask is replaced by Serve, and meanwhile each response is either that
answer or an error status, never part of an answer; Ctrl-C stops the command
and takes the application and Serve's actors with it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant import Assistant
from scripts.harness import free_port
from tests.support import CORPUS, REPO
from tests.web.test_api import requests_of

REPLICAS = 2
CLIENTS = 8
# Starting Serve and two replicas (each loads the model) on a loaded 2-core machine.
START_SECONDS = 300
# Each load-loop request, and the wait for Serve to report the replica replaced.
RECOVERY_SECONDS = 120
REPLICA_PREFIX = "SERVE_REPLICA::assistant#"
# Ray Serve 2.60's own pydantic models, read when a replica's handle is, warn on import.
pytestmark = pytest.mark.filterwarnings("ignore:Using extra keyword arguments on `Field`")


class Served:
    """The running ``serve`` command: its process, its URL and what it printed."""

    def __init__(self, process: subprocess.Popen, log: Path) -> None:
        self.process, self.log = process, log
        self.url = ""

    def wait_for_url(self) -> str:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith("serving "):
                    self.url = line.split(" at ", 1)[1].split()[0]
                    return self.url
            if self.process.poll() is not None:
                break
            time.sleep(0.5)
        pytest.fail(f"`assistant serve` did not start:\n{self.log.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def served(ray_cluster: str, bot: Assistant, tmp_path_factory) -> Served:
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    command = [sys.executable, "-m", "assistant", "--corpus", str(CORPUS)]
    command += ["--index", str(bot.stored.folder.parent), "serve", "--address", ray_cluster]
    command += ["--replicas", str(REPLICAS), "--port", str(free_port())]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=REPO, stdout=output, stderr=subprocess.STDOUT, env=dict(os.environ)
        )
    running = Served(process, log)
    try:
        running.wait_for_url()
        yield running
    finally:
        if process.poll() is None:  # a test failed before Ctrl-C was tried
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def replica_names() -> list[str]:
    import ray

    return sorted(
        actor["name"]
        for actor in ray.util.list_named_actors(all_namespaces=True)
        if actor["name"].startswith(REPLICA_PREFIX)
    )


def replica(name: str):
    import ray

    return ray.get_actor(name, namespace="serve")


def ask_all(url: str, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    with (
        httpx.Client(base_url=url, timeout=RECOVERY_SECONDS) as client,
        ThreadPoolExecutor(CLIENTS) as pool,
    ):
        return list(pool.map(lambda body: client.post("/ask", json=body), bodies))


def expected_answer(bot: Assistant, body: dict[str, Any]) -> dict[str, Any]:
    arguments = {name: value for name, value in body.items() if name != "question"}
    return bot.ask(body["question"], **arguments).to_dict()


def test_the_replicas_run_on_both_nodes(served: Served) -> None:
    import ray

    names = replica_names()
    assert len(names) == REPLICAS
    where = [
        replica(name).__ray_call__.remote(lambda _: ray.get_runtime_context().get_node_id())
        for name in names
    ]
    assert len(set(ray.get(where, timeout=60))) == 2
    assert served.url.startswith("http://127.0.0.1:") and served.url.endswith("/api")


def test_every_labelled_question_answers_as_one_machine(
    served: Served, bot: Assistant, labelled_questions: list[dict]
) -> None:
    bodies = requests_of(labelled_questions)
    responses = ask_all(served.url, bodies)
    assert len(bodies) > 250
    for body, response in zip(bodies, responses, strict=True):
        assert response.status_code == 200, (body, response.text[:500])
        assert response.json() == expected_answer(bot, body)
    with httpx.Client(base_url=served.url, timeout=60) as client:
        health = client.get("/health").json()
        assert health == {"status": "ok", "articles": 5, "passages": len(bot.stored.chunks)}
        # The chat's guard stands in front of the replicas too.
        foreign = client.post(
            "/ask", json={"question": "Who?"}, headers={"Origin": "http://elsewhere.example"}
        )
        assert foreign.status_code == 403


def test_a_killed_replica_is_replaced_and_no_answer_is_wrong(
    served: Served, bot: Assistant, labelled_questions: list[dict]
) -> None:
    import ray

    bodies = requests_of(labelled_questions)[:120]
    expected = [expected_answer(bot, body) for body in bodies]
    before = replica_names()
    done = threading.Semaphore(0)

    def ask(index: int, client: httpx.Client) -> tuple[int, httpx.Response | Exception]:
        try:
            return index, client.post("/ask", json=bodies[index])
        except httpx.TransportError as error:  # a dropped connection is an error too
            return index, error
        finally:
            done.release()

    with (
        httpx.Client(base_url=served.url, timeout=RECOVERY_SECONDS) as client,
        ThreadPoolExecutor(CLIENTS) as pool,
    ):
        futures = [pool.submit(ask, index, client) for index in range(len(bodies))]
        for _ in range(CLIENTS * 2):  # the load is under way
            done.acquire()
        ray.kill(replica(before[0]), no_restart=True)
        outcomes = [future.result() for future in futures]
    failed = []
    for index, outcome in outcomes:
        if isinstance(outcome, httpx.Response) and outcome.status_code == 200:
            assert outcome.json() == expected[index], bodies[index]
            continue
        failed.append(outcome)
        if isinstance(outcome, httpx.Response):  # a plain error status, no answer in it
            assert outcome.status_code in (500, 502, 503, 504), outcome.text[:500]
            assert '"passages"' not in outcome.text
    assert len(failed) < len(bodies) // 2, [str(f)[:200] for f in failed[:5]]

    # Serve starts a replica in the dead one's place; then everything answers again.
    deadline = time.monotonic() + RECOVERY_SECONDS
    while not (len(after := replica_names()) == REPLICAS and before[0] not in after):
        assert time.monotonic() < deadline, f"the killed replica was not replaced: {after}"
        time.sleep(1)
    responses = ask_all(served.url, bodies[:40])
    for response, answer in zip(responses, expected, strict=False):
        assert response.status_code == 200, response.text[:500]
        assert response.json() == answer


def test_ctrl_c_stops_it_and_its_application(served: Served) -> None:
    served.process.send_signal(signal.SIGINT)
    assert served.process.wait(timeout=RECOVERY_SECONDS) == 130, served.log.read_text()[-3000:]
    assert replica_names() == []
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{served.url}/health", timeout=10)
    assert "Traceback" not in served.log.read_text(), served.log.read_text()[-3000:]

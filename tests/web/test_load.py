"""Concurrency: the assistant shared between threads, and the app under many clients.

The default run is short (10 clients for 5 s); the full one is a command:
``python scripts/load_test.py --clients 50 --seconds 60``.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from assistant.pipeline import Assistant
from scripts.load_test import QUESTIONS, run_load
from tests.web.conftest import LaunchApp

THREADS = 8


def ask_all(bot: Assistant, order: list[int], barrier: threading.Barrier | None = None) -> dict:
    answers = {}
    if barrier is not None:
        barrier.wait(timeout=60)
    for index in order:
        question, history, k, filters = QUESTIONS[index]
        answers[index] = bot.ask(question, k=k, history=history, filters=filters).to_dict()
    return answers


def test_ask_from_eight_threads_equals_serial(bot: Assistant) -> None:
    serial = ask_all(bot, list(range(len(QUESTIONS))))
    # Each thread asks every question, starting at a different one, all released at once.
    barrier = threading.Barrier(THREADS)
    orders = [
        [(start + n) % len(QUESTIONS) for n in range(len(QUESTIONS))] for start in range(THREADS)
    ]
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda order: ask_all(bot, order, barrier), orders))
    for answers in results:
        assert answers == serial


@pytest.fixture(scope="module")
def app_url(launch_app: LaunchApp, tmp_path_factory: pytest.TempPathFactory) -> str:
    return launch_app(tmp_path_factory.mktemp("load"))


def test_many_clients_get_the_serial_answers(app_url: str) -> None:
    report = run_load(app_url, clients=10, seconds=5)
    assert report.errors == [] and report.mismatches == 0
    assert report.requests >= 10
    print(f"p50 {report.p50_ms} ms, p99 {report.p99_ms} ms over {report.requests} requests")

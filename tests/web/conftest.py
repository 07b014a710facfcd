"""Fixtures of the web tests: the real app, started over the session's index."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path

import pytest

from assistant import Assistant
from scripts.harness import running_app
from tests.support import CORPUS

LaunchApp = Callable[..., str]


@pytest.fixture(scope="module")
def launch_app(bot: Assistant) -> Iterator[LaunchApp]:
    """Start ``python app.py`` over the ``bot`` fixture's index; each one stops with the module.

    Call it as ``launch_app(folder, *options, env=...)``: the app reads the real corpus,
    writes its log to ``folder/app.log`` and its ratings to ``folder/feedback.jsonl``, and
    the call returns its URL.
    """
    with ExitStack() as stack:

        def launch(folder: Path, *options: str, env: dict[str, str] | None = None) -> str:
            arguments: Sequence[str] = [
                "--corpus",
                str(CORPUS),
                "--feedback",
                str(folder / "feedback.jsonl"),
                *options,
            ]
            context = running_app(
                bot.stored.folder.parent, log=folder / "app.log", options=arguments, env=env
            )
            return stack.enter_context(context)

        yield launch

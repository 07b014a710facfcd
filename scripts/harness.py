"""Starting the app and a browser for tests and scripts: one piece, used by all of them.

``running_app`` starts ``python app.py`` on a free loopback port and stops that one
process (by its handle, never by name) when the block ends. ``launch_chromium`` starts
Debian's Chromium headless with the flags this machine needs (no sandbox as root, no
GPU, nothing fetched in the background).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
START_SECONDS = 90


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(
    index: str | Path,
    *,
    log: Path,
    options: Sequence[str] = (),
    env: dict[str, str] | None = None,
    start_seconds: float = START_SECONDS,
) -> Iterator[str]:
    """``python app.py`` on a free loopback port until the block ends; yields its URL.

    Raises:
        RuntimeError: the app exited before it answered (its log is in the message).
        TimeoutError: it did not answer within ``start_seconds``.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "app.py", "--port", str(port), "--index", str(index), *options]
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=REPO, stdout=output, stderr=subprocess.STDOUT, env=env
        )
        try:
            deadline = time.monotonic() + start_seconds
            # Ready means both: the page answers, and the app has printed its "open" line.
            # The server answers while launch() is still finishing, before that line.
            while not (_answers(url) and _printed_open(log)):
                if process.poll() is not None:
                    raise RuntimeError(f"app.py exited early:\n{log.read_text()}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"app.py did not start:\n{log.read_text()}")
                time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def _printed_open(log: Path) -> bool:
    text = log.read_text(encoding="utf-8", errors="replace")
    return any(line.startswith("open ") for line in text.splitlines())


def launch_chromium(playwright: Any) -> Any:
    """Headless Chromium from Debian's package, through Playwright.

    Raises:
        FileNotFoundError: Chromium is not installed (``apt-get install chromium``).
    """
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"no browser at {CHROMIUM}: apt-get install chromium")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(BROWSER_ARGS))

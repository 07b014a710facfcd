"""Regenerate docs/screenshot.png: the web chat answering a question.

Starts ``app.py`` on a free loopback port, asks a question in headless
Chromium (Debian's, at /usr/bin/chromium), opens the article of the first
passage, and saves a screenshot of the page.

Usage::

    python scripts/screenshot.py                       # docs/screenshot.png
    python scripts/screenshot.py --out /tmp/page.png --question "Who is Oleg Kuznetsov?"
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
QUESTION = "How many soldiers did Azerbaijan lose in the war?"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"app.py did not answer on {url} within {timeout} s")


def capture(url: str, out: Path, question: str, width: int, height: int) -> None:
    """Ask ``question`` on the page at ``url``, open the first passage, save a screenshot."""
    from playwright.sync_api import sync_playwright

    from assistant.web.assets import SCROLL_TO_REPLY_JS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(url)
            page.fill("#qa-question textarea", question)
            page.keyboard.press("Enter")
            page.wait_for_selector("#qa-chat .qa-card", timeout=60_000)
            page.locator("#qa-chat a.qa-open").first.click()
            page.wait_for_selector("#qa-viewer #qa-open-passage", timeout=30_000)
            # Clicking scrolled the chat down to the link: show the reply from its top.
            page.evaluate("window.scrollTo(0, 0)")
            page.evaluate(SCROLL_TO_REPLY_JS)
            page.wait_for_timeout(800)  # let the scrolling settle
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshot.png")
    parser.add_argument("--question", default=QUESTION)
    parser.add_argument("--index", default=str(REPO / "index"), help="index folder to use")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1000)
    args = parser.parse_args(argv)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory() as scratch:
        command = [
            sys.executable,
            "app.py",
            "--port",
            str(port),
            "--index",
            args.index,
            # Ratings made while taking the picture must not land in the real file.
            "--feedback",
            str(Path(scratch) / "feedback.jsonl"),
        ]
        env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
        log_path = Path(scratch) / "app.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=log, env=env)
            try:
                wait_until_up(url, process)
                capture(url, args.out, args.question, args.width, args.height)
            except Exception:
                print(log_path.read_text(errors="replace"), file=sys.stderr)
                raise
            finally:
                process.terminate()
                process.wait(timeout=20)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

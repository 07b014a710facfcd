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
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts.harness import launch_chromium, running_app  # noqa: E402

QUESTION = "How many soldiers did Azerbaijan lose in the war?"


def capture(url: str, out: Path, question: str, width: int, height: int) -> None:
    """Ask ``question`` on the page at ``url``, open the first passage, save a screenshot."""
    from playwright.sync_api import sync_playwright

    from assistant.web.assets import SCROLL_TO_REPLY_JS

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
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
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "app.log"
        # Ratings made while taking the picture must not land in the real file.
        options = ["--feedback", str(Path(scratch) / "feedback.jsonl")]
        with running_app(args.index, log=log, options=options) as url:
            try:
                capture(url, args.out, args.question, args.width, args.height)
            except Exception:
                print(log.read_text(encoding="utf-8", errors="replace"), file=sys.stderr)
                raise
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

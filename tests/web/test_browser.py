"""End-to-end tests: the real ``app.py`` on a free loopback port, through its API and a browser.

The API is called with gradio_client (and MCP when the ``mcp`` package is
installed); the page is driven with Playwright in Debian's headless Chromium,
as a reader uses it: ask, follow up, open the article, filter, copy, like.
When CI is set, a missing browser fails these tests instead of skipping them.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from assistant.pipeline import Assistant
from assistant.web.format import citation_text
from scripts.harness import CHROMIUM, launch_chromium
from tests.web.conftest import LaunchApp

KUZNETSOV_ARTICLE = "000_a3a1afb14bddd822"
HAS_MCP = importlib.util.find_spec("mcp") is not None
TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class RunningApp:
    url: str
    feedback: Path
    log: Path


@pytest.fixture(scope="module")
def app(launch_app: LaunchApp, tmp_path_factory: pytest.TempPathFactory) -> RunningApp:
    """``python app.py`` on a free port, sharing the index the ``bot`` fixture built."""
    folder = tmp_path_factory.mktemp("app")
    url = launch_app(folder, *(["--mcp"] if HAS_MCP else []))
    return RunningApp(url, folder / "feedback.jsonl", folder / "app.log")


# -- the API --------------------------------------------------------------------


def test_api_ask_on_the_running_app(app: RunningApp) -> None:
    from gradio_client import Client

    client = Client(app.url, verbose=False)
    api = client.view_api(print_info=False, return_format="dict")
    assert list(api["named_endpoints"]) == ["/ask"] and not api["unnamed_endpoints"]
    data = client.predict("Who is Oleg Kuznetsov?", None, 5, api_name="/ask")
    assert data["found"] is True
    assert any(
        passage["article_id"] == KUZNETSOV_ARTICLE and passage["outlet"] == "Trend"
        for passage in data["passages"]
    )


def test_api_ask_with_history_and_filters(app: RunningApp) -> None:
    from gradio_client import Client

    client = Client(app.url, verbose=False)
    data = client.predict(
        question="What about Armenia?",
        history=["How many soldiers did Azerbaijan lose?"],
        k=3,
        filters={"outlets": ["The New York Times"]},
        api_name="/ask",
    )
    assert data["searched_for"] == "How many soldiers did Armenia lose?"
    assert len(data["passages"]) == 3
    assert {passage["outlet"] for passage in data["passages"]} == {"The New York Times"}
    dated = client.predict(
        "What happened?", None, 5, {"published_from": "2020-12-01"}, api_name="/ask"
    )
    assert dated["passages"] and all(p["published"] >= "2020-12-01" for p in dated["passages"])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("   ", None, 5, None), "Please type a question"),
        (
            ("Who?", None, 5, {"published_from": "2021-01-01", "published_to": "2020-01-01"}),
            "after",
        ),
    ],
)
def test_api_ask_reports_errors(app: RunningApp, arguments: tuple, message: str) -> None:
    from gradio_client import Client

    with pytest.raises(Exception, match=message):
        Client(app.url, verbose=False).predict(*arguments, api_name="/ask")


@pytest.mark.skipif(not HAS_MCP, reason="the mcp package (gradio[mcp]) is not installed")
def test_mcp_serves_ask_as_a_tool(app: RunningApp) -> None:
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def call() -> tuple[list[Any], Any]:
        async with streamable_http_client(f"{app.url}gradio_api/mcp/") as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = (await session.list_tools()).tools
                result = await session.call_tool(
                    "ask", {"question": "Who is Oleg Kuznetsov?", "k": 2}
                )
                return tools, result

    tools, result = asyncio.run(call())
    assert [tool.name for tool in tools] == ["ask"]
    assert "quoted verbatim" in tools[0].description
    assert set(tools[0].inputSchema["properties"]) == {"question", "history", "k", "filters"}
    assert not result.isError and len(result.content) == 1
    # An agent parses the text as JSON (Gradio alone sends a Python repr: single quotes).
    data = json.loads(result.content[0].text)
    assert data["question"] == "Who is Oleg Kuznetsov?" and data["found"] is True
    assert len(data["passages"]) == 2
    assert any(passage["article_id"] == KUZNETSOV_ARTICLE for passage in data["passages"])
    assert {"text", "highlight", "outlet", "title", "published", "url"} <= set(data["passages"][0])
    # The same object as structured content, for clients that read fields, not text.
    assert result.structuredContent == data


@pytest.mark.skipif(not HAS_MCP, reason="the mcp package (gradio[mcp]) is not installed")
def test_mcp_reports_a_bad_question_as_a_tool_error(app: RunningApp) -> None:
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def call() -> Any:
        async with streamable_http_client(f"{app.url}gradio_api/mcp/") as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await session.call_tool("ask", {"question": "   "})

    result = asyncio.run(call())
    assert result.isError and result.structuredContent is None
    assert "Please type a question" in result.content[0].text


# -- what the app prints --------------------------------------------------------


def test_start_prints_the_address_to_open_and_no_share_offer(app: RunningApp) -> None:
    # The line comes once launch returns, a moment after the page first answers.
    expected = f"open {app.url.rstrip('/')}"
    deadline = time.monotonic() + 10
    while expected not in (log := app.log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    opens = [line for line in log.splitlines() if line.startswith("open ")]
    assert opens == [expected], log
    assert "share=True" not in log and "public link" not in log.lower()
    assert "Running on local URL" not in log  # the one address line replaces Gradio's


# -- the page in a browser --------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if os.environ.get("CI"):
        # CI installs both (.ci/run): there a missing browser is a failure, not a skip.
        from playwright import sync_api

        assert CHROMIUM.exists(), f"no browser at {CHROMIUM}: apt-get install chromium"
    else:
        sync_api = pytest.importorskip("playwright.sync_api")
        if not CHROMIUM.exists():
            pytest.skip(f"no browser at {CHROMIUM}: apt-get install chromium")
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any, app: RunningApp) -> Iterator[Any]:
    """A fresh session on the chat page (its own history and states)."""
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000},
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(app.url)
    page.wait_for_selector("#qa-question textarea")
    try:
        yield page
    finally:
        context.close()


def ask(page: Any, question: str) -> Any:
    """Type a question, wait for its reply, and return the reply."""
    replies = page.locator("#qa-chat .qa-reply")
    before = replies.count()
    page.fill("#qa-question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"document.querySelectorAll('#qa-chat .qa-reply').length > {before}", timeout=TIMEOUT_MS
    )
    # The page then scrolls the chat to the new question (SCROLL_TO_REPLY_JS, a few
    # frames later); a click during that scroll could land beside its target.
    page.wait_for_timeout(400)
    return replies.nth(before)


def is_inside(inner: Any, outer: Any) -> bool:
    """True when ``inner`` is scrolled into the visible part of ``outer``."""
    box, frame = inner.bounding_box(), outer.bounding_box()
    return (
        frame["y"] <= box["y"] and box["y"] + min(box["height"], 40) <= frame["y"] + frame["height"]
    )


def test_ask_and_follow_up(page: Any) -> None:
    reply = ask(page, "How many soldiers did Azerbaijan lose in the war?")
    best = reply.locator(".qa-best")
    assert "2,783 losses" in best.inner_text() and "[1]" in best.inner_text()
    # The verdict's label says how sure the reply is; no percentage beside it (issue 29).
    assert "best match" in best.inner_text().lower() and "%" not in best.inner_text()
    card = reply.locator(".qa-card").first
    assert card.is_visible() and "2020-12-03" in card.inner_text()
    # Card [1]'s sentence is the one quoted above: shown once.
    assert card.locator(".qa-sentence").count() == 0
    figures = [float(text.split()[-1]) for text in reply.locator(".qa-score").all_inner_texts()]
    assert figures == sorted(figures, reverse=True)
    assert "relevance" in card.inner_text() and card.locator("a.qa-open").is_visible()
    assert reply.locator(".qa-card").count() == 5
    # Azerbaijan's losses and Armenia's are not one quantity: no "sources differ" here.
    assert reply.locator(".qa-differ").count() == 0

    follow_up = ask(page, "What about Armenia?")
    assert (
        "How many soldiers did Armenia lose in the war?"
        in follow_up.locator(".qa-note").inner_text()
    )
    assert "human losses in the war as 2,425" in follow_up.locator(".qa-best").inner_text()
    differ = follow_up.locator(".qa-differ")
    assert "military losses" in differ.inner_text().lower() and "Armenia" in differ.inner_text()
    assert set(differ.locator(".qa-figure-number").all_inner_texts()) == {"376", "2,425"}
    # The chat shows the new reply from its top: the best sentence is in view.
    chat = page.locator("#qa-chat")
    assert is_inside(follow_up.locator(".qa-quote"), chat)


def test_clicking_an_example_asks_it(page: Any) -> None:
    from assistant.web.page import EXAMPLES

    replies = page.locator("#qa-chat .qa-reply")
    page.get_by_role("button", name=EXAMPLES[2]).click()
    # No Enter: the click alone asks, and the box is cleared as after Enter.
    page.wait_for_function("document.querySelectorAll('#qa-chat .qa-reply').length == 1")
    assert "Kuznetsov" in replies.first.locator(".qa-best").inner_text()
    assert page.locator("#qa-chat [data-testid=user]").last.inner_text().strip() == EXAMPLES[2]
    assert page.input_value("#qa-question textarea") == ""

    page.get_by_role("button", name=EXAMPLES[0]).click()
    page.wait_for_function("document.querySelectorAll('#qa-chat .qa-reply').length == 2")
    assert page.locator("#qa-chat [data-testid=user]").last.inner_text().strip() == EXAMPLES[0]
    # The clicked example is part of the conversation: a follow-up is completed from it.
    follow_up = ask(page, "What about Armenia?")
    assert "How many soldiers did Armenia lose?" in follow_up.locator(".qa-note").inner_text()


# Every visible piece of text in the chat that the scroll-down button's box overlaps.
TEXT_UNDER_BUTTON_JS = """
() => {
  const chat = document.querySelector('#qa-chat');
  const button = chat.querySelector('.scroll-down-button-container button');
  if (!button) return null;
  const b = button.getBoundingClientRect();
  const log = chat.querySelector('[role=log]');
  const frame = log.getBoundingClientRect();
  const covered = [];
  const walker = document.createTreeWalker(log, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      const shown = r.bottom > frame.top && r.top < frame.bottom;
      const overlaps = r.left < b.right && r.right > b.left && r.top < b.bottom && r.bottom > b.top;
      if (shown && overlaps) covered.push(node.textContent.trim().slice(0, 60));
    }
  }
  return covered;
}
"""


def test_the_scroll_down_button_covers_no_text(page: Any) -> None:
    ask(page, "How many soldiers did Azerbaijan lose in the war?")
    ask(page, "What about Armenia?")
    scroller = "document.querySelector('#qa-chat [role=log]').closest('.panel-wrap, .bubble-wrap')"
    height = page.evaluate(f"{scroller}.scrollHeight - {scroller}.clientHeight")
    assert height > 0
    seen = 0
    # Scroll from the top to near the end (at the very end the button goes away).
    for step in range(12):
        page.evaluate(f"{scroller}.scrollTop = {height * step // 12}")
        page.wait_for_timeout(150)
        covered = page.evaluate(TEXT_UNDER_BUTTON_JS)
        if covered is None:
            continue
        seen += 1
        assert covered == [], f"at {step}/12 of the chat the button covers {covered}"
    assert seen >= 6, "the scroll-down button did not show while scrolled up"


def test_open_article_shows_it_whole_with_the_passage_in_view(page: Any) -> None:
    reply = ask(page, "How many civilians were killed?")
    card = reply.locator(".qa-card").nth(4)
    highlight = card.locator(".qa-sentence").inner_text()
    card.locator("a.qa-open").click()
    viewer = page.locator("#qa-viewer")
    marked = viewer.locator("#qa-open-passage mark")
    marked.wait_for()
    assert marked.inner_text() == highlight
    title = card.locator(".qa-card-head").inner_text()
    assert viewer.locator("h3").inner_text() in title
    page.wait_for_timeout(300)  # the view scrolls to the passage
    assert is_inside(marked, viewer)
    assert "passages" in viewer.locator(".qa-article-meta").inner_text()


def test_filter_to_one_outlet(page: Any) -> None:
    page.locator("#qa-outlets input").click()
    page.get_by_role("option", name="The Moscow Times").click()
    page.keyboard.press("Escape")
    status = page.locator("#qa-status")
    page.wait_for_function(
        "document.querySelector('#qa-status').innerText.includes('Searching 1 of')"
    )
    assert "Searching 1 of 5 articles" in status.inner_text()
    reply = ask(page, "How many soldiers did Azerbaijan lose?")
    outlets = reply.locator(".qa-outlet").all_inner_texts()
    assert outlets and set(outlets) == {"The Moscow Times"}
    assert "Filters: outlets The Moscow Times" in reply.inner_text()


def test_copy_a_citation_and_like_a_reply(page: Any, app: RunningApp, bot: Assistant) -> None:
    reply = ask(page, "Who is Oleg Kuznetsov?")
    card = reply.locator(".qa-card").first
    card.locator("a.qa-copy").click()
    page.wait_for_function("document.querySelector('a.qa-copy').innerText.includes('Copied')")
    copied = page.evaluate("navigator.clipboard.readText()")
    first = bot.ask("Who is Oleg Kuznetsov?", k=5).passages[0]
    assert copied == citation_text(first)
    # Card [1] does not repeat its sentence: the reply quotes it above the cards.
    quoted = reply.locator(".qa-quote").inner_text().rsplit("[1]", 1)[0].strip()
    assert copied.startswith(f"{quoted} \u2014 ")

    before = len(app.feedback.read_text().splitlines()) if app.feedback.exists() else 0
    page.locator("#qa-chat button[aria-label=Like]").last.click()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = app.feedback.read_text().splitlines() if app.feedback.exists() else []
        if len(lines) > before:
            break
        time.sleep(0.1)
    entry = json.loads(lines[-1])
    assert entry["rating"] == "like" and entry["question"] == "Who is Oleg Kuznetsov?"
    assert len(entry["passages"]) == 5 and entry["passages"][0]["article_id"]


def test_not_found_is_said_and_the_passages_are_labelled(page: Any) -> None:
    reply = ask(page, "What is the price of bananas in Peru?")
    assert "The articles don't answer this." in reply.inner_text()
    assert "these do not answer the question" in reply.inner_text().lower()
    tags = reply.locator(".qa-tag")
    assert tags.count() == reply.locator(".qa-card").count() > 0
    assert reply.locator(".qa-best, .qa-differ").count() == 0


def test_article_markdown_shows_as_text(page: Any) -> None:
    reply = ask(page, "Valery Sharifulin TASS")
    for fold in reply.locator("details").all():
        fold.locator("summary").click()
    shown = reply.inner_text()
    # (The Post's Markdown byline, "By [Aris Messinis and Dmitry Zaks for AFP](#)", left the
    # body with issue 14: it is the article's author now, so this photo credit is the test.)
    assert "**Valery Sharifulin / TASS**" in shown
    passages = reply.locator(".qa-passage, .qa-sentence")
    assert passages.count() >= 9  # card [1] quotes no sentence of its own: the reply does
    assert passages.locator("strong, a, h1, h2, script, img").count() == 0
    reply.locator("a.qa-open").first.click()
    body = page.locator("#qa-viewer .qa-article-body")
    body.locator("mark").wait_for()
    assert body.locator("strong, a, h1, h2, script, img").count() == 0
    # The article view leaves the Markdown's markup characters out (issue 29).
    page.get_by_role("tab", name="Articles", exact=True).click()
    page.locator(".qa-corpus-item").filter(has_text="The Moscow Times").locator("a.qa-open").click()
    page.locator("#qa-viewer h3").filter(has_text="Russia Urges Halt").wait_for()
    text = body.inner_text()
    assert "Turkish support?" in text and "Valery Sharifulin / TASS" in text
    assert "**" not in text and "## " not in text


def test_corpus_tab_lists_every_article(page: Any, bot: Assistant) -> None:
    page.get_by_role("tab", name="Articles", exact=True).click()
    items = page.locator(".qa-corpus-item")
    items.first.wait_for()
    assert items.count() == len(bot.articles)
    trend = items.filter(has_text="Trend")
    count = sum(chunk.article_id == KUZNETSOV_ARTICLE for chunk in bot.stored.chunks)
    assert f"{count} passages" in trend.inner_text()
    trend.locator("a.qa-open").click()
    heading = page.locator("#qa-viewer h3")
    heading.wait_for()
    assert heading.inner_text() == bot.article(KUZNETSOV_ARTICLE).title


# -- the first screen and the filters (issue 29) ------------------------------------


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844), (1400, 900)])
def test_the_question_box_is_on_the_first_screen(
    browser: Any, app: RunningApp, width: int, height: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(app.url)
        box = page.locator("#qa-question textarea")
        box.wait_for()
        page.wait_for_timeout(300)  # the layout settles after the page's scripts
        assert page.evaluate("window.scrollY") == 0
        for part in (box, page.locator("#qa-question button").last):
            frame = part.bounding_box()
            assert frame is not None
            assert 0 <= frame["x"] and frame["x"] + frame["width"] <= width, (frame, width)
            assert 0 <= frame["y"] and frame["y"] + frame["height"] <= height, (frame, height)
    finally:
        context.close()


def test_the_question_band_runs_the_chat_width(page: Any) -> None:
    ask(page, "Who is Oleg Kuznetsov?")
    band = page.locator("#qa-chat .message-row.user-row").last.bounding_box()
    reply = page.locator("#qa-chat .message-row.bot-row").last.bounding_box()
    # No empty gutter right of the question: its band is as wide as the reply's row.
    assert abs((band["x"] + band["width"]) - (reply["x"] + reply["width"])) <= 1


def test_dates_typed_as_people_write_them(page: Any) -> None:
    status = page.locator("#qa-status")
    page.fill("#qa-from input", "1 October 2020")
    page.fill("#qa-to input", "Oct 31, 2020")
    page.keyboard.press("Tab")
    page.wait_for_function(
        "document.querySelector('#qa-status').innerText.includes('Searching 1 of 5 articles')"
    )
    assert "Searching 1 of 5 articles. 2 undated articles are left out" in status.inner_text()
    page.locator("#qa-undated input").check()
    page.wait_for_function("document.querySelector('#qa-status').innerText.includes('kept')")
    assert "Searching 3 of 5 articles. (2 undated kept.)" in status.inner_text()
    reply = ask(page, "What happened to the Holy Savior Cathedral?")
    assert "undated articles kept" in reply.locator(".qa-note").inner_text()
    assert "Holy Savior Cathedral" in reply.locator(".qa-best").inner_text()


def test_a_date_that_cannot_be_read_is_an_error_not_a_reply(page: Any) -> None:
    page.fill("#qa-to input", "3 Octobr 20")
    page.keyboard.press("Tab")
    error = page.locator("#qa-status .qa-error")
    error.wait_for()
    assert "\u201c3 Octobr 20\u201d in \u201cPublished to\u201d is not a date" in error.inner_text()
    page.fill("#qa-question textarea", "Who is Oleg Kuznetsov?")
    page.keyboard.press("Enter")
    toast = page.locator(".toast-body")
    toast.first.wait_for()
    assert "is not a date" in toast.first.inner_text()
    # Not asked: no reply, no rating buttons; the question waits in its box.
    assert page.locator("#qa-chat .qa-reply").count() == 0
    assert page.input_value("#qa-question textarea") == "Who is Oleg Kuznetsov?"


@pytest.mark.xfail(
    strict=False,
    reason="under pytest the calendar input stays empty after the button's click (passed once "
    "by hand against a running app): the picker's priming is not yet reliable, issue 29 item 5",
)
def test_the_date_pickers_open_on_the_corpus_dates(page: Any, bot: Assistant) -> None:
    dates = sorted(article.published for article in bot.articles if article.published)
    pickers = [page.locator(f"#{box} input.qa-picker") for box in ("qa-from", "qa-to")]
    # The page's script reads the corpus's dates from a hidden element Gradio fills in.
    page.wait_for_function(
        "(document.getElementById('qa-dates')?.textContent || '').trim().length > 0"
    )
    for box, picker, date in zip(("qa-from", "qa-to"), pickers, (dates[0], dates[-1]), strict=True):
        button = page.locator(f"#{box} button.qa-picker-button")
        button.wait_for(state="visible")  # added by the page's script once the box is drawn
        button.dispatch_event("click")
        assert picker.input_value() == date  # the month it opens on, not today's
    # A day picked is written into the box and read.
    pickers[1].evaluate(
        "(picker) => { picker.value = '2020-10-31'; picker.dispatchEvent(new Event('change')); }"
    )
    page.wait_for_function("document.querySelector('#qa-to input').value === '2020-10-31'")
    page.wait_for_function(
        "document.querySelector('#qa-status').innerText.includes('undated articles are left out')"
    )

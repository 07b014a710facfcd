"""Tests of the web chat: formatting, the chat handler, /ask, and the page itself.

The formatting tests build Answers by hand; the rest use the real model and the
real corpus, through a session-scoped assistant and one running ``app.py``.
"""

from __future__ import annotations

import html
import os
import re
import socket
import string
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import gradio as gr
import pytest

from assistant.answer import Answer, Passage
from assistant.errors import QuestionError
from assistant.pipeline import Assistant
from assistant.ui import (
    EMPTY_QUESTION,
    NOT_AN_ANSWER,
    NOT_FOUND,
    ask_json,
    build_demo,
    escape_text,
    format_answer,
    format_reply,
    format_source,
    mark_highlight,
    questions_from_history,
    reply,
)
from tests.conftest import CORPUS, REPO

KUZNETSOV_ARTICLE = "000_a3a1afb14bddd822"
CHROMIUM = Path("/usr/bin/chromium")
# A question whose passages hold the Markdown left in The Moscow Times article:
# "**Valery Sharifulin / TASS**", "[... for AFP](#)" and "# ..." headings.
MARKDOWN_QUESTION = "Valery Sharifulin TASS"

HOSTILE = "<script>alert(1)</script> **x** [click](#) # Title $$x^2$$ www.example.com"


def bare_text(markdown: str) -> str:
    """What is left once character references and our own markup are removed."""
    for ours in ("<br>", "<mark>", "</mark>", " **[1]**"):
        markdown = markdown.replace(ours, "")
    return re.sub(r"&#\d+;", "", markdown)


def make_passage(text: str, highlight: str, **fields: object) -> Passage:
    """A Passage whose spans agree with its text, as the pipeline builds them."""
    offset = text.index(highlight)
    values = {
        "text": text,
        "highlight": highlight,
        "article_id": "009_test",
        "title": "Test *title*",
        "outlet": "Trend",
        "published": "2020-10-12",
        "url": "https://example.com/news?a=1&b=2",
        "author": "",
        "start": 100,
        "end": 100 + len(text),
        "highlight_start": 100 + offset,
        "highlight_end": 100 + offset + len(highlight),
        "score": 0.8123,
    }
    return Passage(**{**values, **fields})


HOSTILE_PASSAGE = make_passage(
    f"Before. {HOSTILE}\nThe key sentence is here. After.", "The key sentence is here."
)


def make_answer(found: bool, **fields: object) -> Answer:
    values = {
        "question": "What is the key sentence?",
        "passages": (HOSTILE_PASSAGE, make_passage("Second passage.", "Second passage.", url="")),
        "found": found,
        "confidence": 0.9 if found else 0.1,
        "searched_for": "What is the key sentence?",
    }
    return Answer(**{**values, **fields})


# -- formatting -----------------------------------------------------------------


@pytest.mark.parametrize(
    "markup",
    [HOSTILE, "<img src=x onerror=alert(1)>", "1. list\n- item", "a_b_ `c` ~~d~~ &amp; \\"],
)
def test_escape_text_leaves_no_markup(markup: str) -> None:
    escaped = escape_text(markup)
    assert not set(bare_text(escaped)) & set(string.punctuation)
    assert html.unescape(escaped.replace("<br>", "\n")) == markup


def test_mark_highlight_marks_the_sentence_and_escapes_the_rest() -> None:
    marked = mark_highlight(HOSTILE_PASSAGE)
    assert f"<mark>{escape_text('The key sentence is here.')}</mark>" in marked
    assert "<script" not in marked and "**x**" not in marked
    assert "&#60;script&#62;" in marked and "&#42;&#42;x&#42;&#42;" in marked


def test_mark_highlight_without_a_match_only_escapes() -> None:
    passage = replace(make_passage("**Plain** text.", "**Plain** text."), highlight="missing")
    assert mark_highlight(passage) == escape_text("**Plain** text.")


def test_format_reply_quotes_the_best_sentence_with_a_citation() -> None:
    text = format_reply(make_answer(True))
    answer_part, passages_part = text.split("<details>")
    assert f"> {escape_text('The key sentence is here.')} **[1]**" in answer_part
    assert f"**[1]** {format_source(HOSTILE_PASSAGE)}" in answer_part
    assert passages_part.startswith("<summary>Sources: 2 passages, best first</summary>")
    assert "**[1]**" in passages_part and "**[2]**" in passages_part
    assert text.endswith("</details>")
    assert "score 0.812" in text
    assert NOT_FOUND not in text
    # Nothing of the article survives as markup; all of it survives as text.
    assert "<script" not in text and "**x**" not in text and "[click](#)" not in text
    assert HOSTILE in html.unescape(text)


def test_format_reply_not_found_labels_passages_as_no_answer() -> None:
    text = format_reply(make_answer(False))
    assert text.startswith(f"**{NOT_FOUND}**")
    assert f"<summary>{NOT_AN_ANSWER} (2)</summary>" in text and "NOT" in NOT_AN_ANSWER
    assert "Best match" not in text
    assert "<mark>" in text  # the nearest passages are still shown


def test_format_reply_not_found_without_passages() -> None:
    assert format_reply(make_answer(False, passages=())) == f"**{NOT_FOUND}**"


def test_format_answer_shows_notes_and_the_completed_query() -> None:
    answer = make_answer(
        True,
        question="What about <b>Armenia</b>?",
        searched_for="How many soldiers did <b>Armenia</b> lose?",
        notes=("Your question was cut to 1000 characters.",),
    )
    text = format_answer(answer)
    assert "*Note:* Your question was cut" in text
    assert "Searched for:" in text and "<b>" not in text
    assert "How many soldiers did <b>Armenia</b> lose?" in html.unescape(text)
    assert "Searched for:" not in format_answer(make_answer(True))


@pytest.mark.parametrize(
    ("url", "is_link"),
    [
        ("https://example.com/a?b=1", True),
        ("http://example.com/a", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("www.example.com", False),
    ],
)
def test_format_source_links_only_http(url: str, is_link: bool) -> None:
    line = format_source(make_passage("Text.", "Text.", url=url))
    assert ("](<" in line) is is_link
    assert "Trend" in line and "2020&#45;10&#45;12" in line and "score 0.812" in line
    assert "<script" not in line


def test_questions_from_history_reads_both_message_shapes() -> None:
    history = [
        {"role": "user", "content": "First?"},
        {"role": "assistant", "content": "quoted passages"},
        {"role": "user", "content": [{"type": "text", "text": "Second?"}]},
        {"role": "user", "content": "   "},
        "not a message",
    ]
    assert questions_from_history(history) == ["First?", "Second?"]
    assert questions_from_history(None) == []


# -- the chat handler and /ask, on the real corpus ------------------------------


def test_reply_quotes_the_real_answer_verbatim(bot: Assistant) -> None:
    answer = bot.ask("Who is Oleg Kuznetsov?", k=5)
    text = reply(bot, "Who is Oleg Kuznetsov?", [])
    assert answer.found and answer.best is not None
    assert f"> {escape_text(answer.best.highlight)} **[1]**" in text
    assert answer.best.highlight in html.unescape(text)
    assert text.count("<mark>") == len(answer.passages) == 5
    assert "Trend" in text and NOT_FOUND not in text


def test_reply_escapes_markdown_from_the_corpus(bot: Assistant) -> None:
    answer = bot.ask(MARKDOWN_QUESTION, k=5)
    assert any("**" in passage.text for passage in answer.passages)
    text = reply(bot, MARKDOWN_QUESTION, [])
    quoted = [bare_text(line) for line in text.splitlines() if line.startswith(">")]
    assert len(quoted) == 6  # the best-match quote and five passages
    for line in quoted:
        assert not set(line.removeprefix(">")) & set(string.punctuation), line
    assert "**Valery Sharifulin / TASS**" in html.unescape(text)


def test_reply_off_topic_says_not_found(bot: Assistant) -> None:
    text = reply(bot, "What is the price of bananas in Peru?", [])
    assert text.startswith(f"**{NOT_FOUND}**")
    assert NOT_AN_ANSWER in text


def test_reply_passes_earlier_questions_for_follow_ups(bot: Assistant) -> None:
    history = [
        {"role": "user", "content": "How many soldiers did Azerbaijan lose?"},
        {"role": "assistant", "content": "quoted passages"},
    ]
    text = reply(bot, "What about Armenia?", history)
    assert "Searched for:" in text
    assert "soldiers" in html.unescape(text.split("\n\n")[0])


@pytest.mark.parametrize("message", ["", "   ", None])
def test_reply_to_an_empty_message(bot: Assistant, message: str) -> None:
    assert reply(bot, message, []) == EMPTY_QUESTION


def test_reply_shows_a_question_error(bot: Assistant) -> None:
    with pytest.raises(QuestionError) as raised:
        bot.ask("?!?")
    assert reply(bot, "?!?", []) == escape_text(str(raised.value))


class Broken:
    """An assistant that fails the way a bug would."""

    def ask(self, question: str, **options: object) -> Answer:
        raise RuntimeError("secret internals")


def test_reply_survives_unexpected_errors(caplog: pytest.LogCaptureFixture) -> None:
    text = reply(Broken(), "Who is Oleg Kuznetsov?", [])  # type: ignore[arg-type]
    assert "RuntimeError" in text and "secret internals" not in text
    assert "secret internals" in caplog.text and "Traceback" in caplog.text


def test_ask_json_returns_the_answer_dict(bot: Assistant) -> None:
    data = ask_json(bot, "Who is Oleg Kuznetsov?", None, 3)
    assert data["found"] is True and len(data["passages"]) == 3


@pytest.mark.parametrize(
    ("question", "history", "k", "message"),
    [
        ("  ", None, 5, "Please type"),
        ("?!?", None, 5, "Please ask a question"),
        ("Who is Oleg Kuznetsov?", None, 0, "k must be"),
        ("Who is Oleg Kuznetsov?", "not a list", 5, "history"),
    ],
)
def test_ask_json_turns_bad_input_into_gr_error(
    bot: Assistant, question: str, history: object, k: int, message: str
) -> None:
    with pytest.raises(gr.Error, match=message):
        ask_json(bot, question, history, k)  # type: ignore[arg-type]


def test_build_demo_declares_the_ask_endpoint(bot: Assistant) -> None:
    demo = build_demo(bot)
    api_names = {fn.api_name for fn in demo.fns.values()}
    assert "ask" in api_names


# -- app.py ---------------------------------------------------------------------


def test_app_port_comes_from_the_flag_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import app

    monkeypatch.delenv("GRADIO_SERVER_PORT", raising=False)
    args = app.parse_args([])
    assert (args.host, args.port, args.corpus, args.index) == ("127.0.0.1", 7860, "corpus", "index")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "8123")
    assert app.parse_args([]).port == 8123
    assert app.parse_args(["--port", "9000", "--host", "0.0.0.0"]).port == 9000
    monkeypatch.setenv("GRADIO_SERVER_PORT", "http")
    with pytest.raises(SystemExit):
        app.parse_args([])


def test_app_reports_a_missing_index_without_starting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import app

    missing = ["--corpus", str(tmp_path / "no-corpus"), "--index", str(tmp_path / "no-index")]
    assert app.main(missing) == 1
    assert "error:" in capsys.readouterr().err


# -- the running app ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"app.py did not answer within {timeout} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def app_url(bot: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python app.py`` on a free port, sharing the index the ``bot`` fixture built."""
    index_dir = str(bot.stored.folder.parent)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tmp_path_factory.mktemp("app") / "app.log"
    command = [
        sys.executable,
        "app.py",
        "--port",
        str(port),
        "--corpus",
        str(CORPUS),
        "--index",
        index_dir,
    ]
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=REPO, stdout=output, stderr=subprocess.STDOUT, env=env
        )
        try:
            wait_until_up(url, process, log, timeout=90)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_api_ask_on_the_running_app(app_url: str) -> None:
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    assert "/ask" in client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    data = client.predict("Who is Oleg Kuznetsov?", None, 5, api_name="/ask")
    assert data["found"] is True
    assert any(
        passage["article_id"] == KUZNETSOV_ARTICLE and passage["outlet"] == "Trend"
        for passage in data["passages"]
    )


def test_api_ask_reports_errors(app_url: str) -> None:
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    with pytest.raises(Exception, match="Please type a question"):
        client.predict("   ", None, 5, api_name="/ask")


def test_chat_page_in_a_browser(app_url: str) -> None:
    """Ask through the page as a user does; article Markdown must show as text."""
    if os.environ.get("CI"):
        # CI installs both (.ci/run): there a missing browser is a failure, not a skip.
        from playwright import sync_api

        assert CHROMIUM.exists(), f"no browser at {CHROMIUM}: apt-get install chromium"
    else:
        sync_api = pytest.importorskip("playwright.sync_api")
        if not CHROMIUM.exists():
            pytest.skip(f"no browser at {CHROMIUM}: apt-get install chromium")
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        try:
            page = browser.new_page()
            page.goto(app_url)
            page.fill("textarea", MARKDOWN_QUESTION)
            page.keyboard.press("Enter")
            page.wait_for_selector("[data-testid=bot] summary", timeout=30_000)
            message = page.locator("[data-testid=bot]").last
            message.locator("summary").click()  # unfold the passages
            shown = message.inner_text()
            # The passages: blockquotes with a marked sentence (the best-match
            # quote above them carries our own bold "[1]").
            quotes = message.locator("blockquote:has(mark)")
            assert "**Valery Sharifulin / TASS**" in shown
            assert "By [Aris Messinis and Dmitry Zaks for AFP](#)" in shown
            assert message.locator("mark").first.is_visible()
            assert quotes.count() >= 5
            assert quotes.locator("strong, a, h1, h2, script, img").count() == 0
        finally:
            browser.close()

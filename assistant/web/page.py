"""The web chat: a Gradio page over an Assistant, and the ``/ask`` API.

Only this module imports gradio, so the CLI and the library load without it.
The page only arranges what ``Assistant.ask`` returns: the HTML is written by
``format.py``, which escapes every slice of article text, and the stylesheet
and scripts are in ``assets.py``.

Example:
    >>> from assistant import Assistant
    >>> from assistant.web.page import build_demo, launch
    >>> demo = build_demo(Assistant.load(corpus_dir="corpus", index_dir="index"))
    >>> launch(demo, host="127.0.0.1", port=7860)  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr
from starlette.middleware import Middleware

from ..config import DEFAULT_K
from .add_panel import build_add_panel
from .api import api_lifespan
from .assets import BRIDGE_JS, CSS, DATE_PICKER_JS, SCROLL_TO_REPLY_JS
from .chat import (
    DATE_FROM,
    DATE_TO,
    INCLUDE_UNDATED,
    answer_pending,
    ask_json,
    filter_status,
    open_article,
    record_rating,
    take_question,
)
from .feedback import FeedbackLog
from .guard import LOOPBACK, RequestGuard
from .live import live
from .mcp_json import json_results_lifespan
from .policy import MAX_FILE_BYTES
from .upload import Uploader
from .views import VIEWER_PLACEHOLDER, format_corpus, newest_first, passage_counts

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..pipeline import Assistant

logger = logging.getLogger(__name__)

TITLE = "News Q&A"
DESCRIPTION = (
    "Ask about the news articles. Every answer is quoted word for word from the articles, "
    "with its source; the assistant writes nothing of its own."
)
EXAMPLES = [
    "How many soldiers did Azerbaijan lose?",
    "How many civilians were killed?",
    "Who is Oleg Kuznetsov?",
    "What happened to the Holy Savior Cathedral?",
]
# One search takes a fraction of a second, so a few at a time keep the page
# responsive without letting a burst of requests exhaust memory.
DEFAULT_CONCURRENCY = 4
MAX_QUEUE = 64
# Threads for Gradio's synchronous handlers and file serving (Starlette's default is 40).
MAX_THREADS = 16
# Loopback names, as --host takes them and as a Host header names them ([::1] -> ::1).
# The system's own fonts: nothing to download, and the same glyphs in every weight.
THEME = gr.themes.Default(
    font=("ui-sans-serif", "system-ui", "sans-serif"),
    font_mono=("ui-monospace", "Consolas", "monospace"),
)


def build_demo(
    assistant: Assistant,
    *,
    feedback: FeedbackLog | None = None,
    uploader: Uploader | None = None,
) -> gr.Blocks:
    """Build the chat page and the ``/ask`` API around a loaded assistant.

    Args:
        assistant: the loaded assistant; the page only formats what it returns.
        feedback: where likes and dislikes go (default ``feedback/feedback.jsonl``).
        uploader: adds articles from the "Add articles" tab (its assistant is then
            the one the page asks); without one the tab says adding is off.

    Returns:
        The Gradio app, not yet launched (see ``launch``).

    Example:
        >>> demo = build_demo(Assistant.load(corpus_dir="corpus", index_dir="index"))
    """
    feedback = feedback or FeedbackLog()
    # Questions go to whichever Assistant is current: adding articles replaces it.
    assistant = uploader.assistant if uploader is not None else live(assistant)
    outlets = outlet_names(assistant)
    private = {"api_visibility": "private"}

    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_width=True) as demo:
        # The questions as typed (for follow-ups), what a rating of each reply refers
        # to (by the reply's index in the chat), and the question being answered.
        questions = gr.State([])
        records = gr.State({})
        pending = gr.State(None)
        gr.HTML(f'<div class="qa-header"><h1>{TITLE}</h1><p>{DESCRIPTION}</p></div>')
        with gr.Row(equal_height=False):
            with gr.Column(scale=6, min_width=420):
                with gr.Tabs():
                    with gr.Tab("Chat", id="chat"):
                        with gr.Row(elem_classes="qa-filters"):
                            outlet_box = gr.Dropdown(
                                outlets,
                                value=[],
                                multiselect=True,
                                label="Outlets (none chosen: all)",
                                scale=2,
                                min_width=200,
                                elem_id="qa-outlets",
                            )
                            oldest, newest = date_range(assistant)
                            date_from = _date_box(DATE_FROM, "qa-from", oldest)
                            date_to = _date_box(DATE_TO, "qa-to", newest)
                            undated = gr.Checkbox(
                                value=False,
                                label=INCLUDE_UNDATED,
                                scale=1,
                                min_width=150,
                                elem_id="qa-undated",
                            )
                        status = gr.Markdown(
                            filter_status(assistant, [], None, None), elem_id="qa-status"
                        )
                        # The corpus's dates, for the date pickers (DATE_PICKER_JS); not shown.
                        dates = gr.HTML(
                            " ".join(date_range(assistant)),
                            elem_id="qa-dates",
                            padding=False,
                            container=False,
                        )
                        chatbot = gr.Chatbot(
                            label="Answers quoted from the articles",
                            show_label=False,
                            elem_id="qa-chat",
                            height="62vh",
                            # Article text is escaped; these stop the renderer from
                            # reading $$ as LaTeX and from keeping unknown tags.
                            latex_delimiters=[],
                            allow_tags=False,
                            sanitize_html=True,
                            # The cards have their own "Copy citation"; the built-in
                            # button would copy the HTML source.
                            buttons=[],
                            feedback_options=("Like", "Dislike"),
                            layout="panel",
                            autoscroll=False,
                            placeholder="Ask a question: the answer is quoted from the articles.",
                        )
                        textbox = gr.Textbox(
                            placeholder="Ask about the news\u2026",
                            submit_btn=True,
                            show_label=False,
                            elem_id="qa-question",
                        )
                        # Private like every event here; clicking one asks it (below).
                        examples = gr.Examples(
                            EXAMPLES, textbox, label="Try", api_visibility="private"
                        )
                    with gr.Tab("Articles", id="articles"):
                        summary, listing = corpus_view(assistant)
                        corpus_summary = gr.Markdown(summary, elem_id="qa-corpus-summary")
                        corpus_list = gr.HTML(listing, elem_id="qa-corpus")
                    filter_controls = [outlet_box, date_from, date_to, undated]
                    refreshed = [corpus_summary, corpus_list, outlet_box, status, dates]

                    def refresh(*controls: Any) -> tuple[Any, ...]:
                        """The article list, the outlets, the filter line and the corpus's dates."""
                        return (
                            *corpus_view(assistant),
                            gr.Dropdown(choices=outlet_names(assistant)),
                            filter_status(assistant, *controls),
                            " ".join(date_range(assistant)),
                        )

                    with gr.Tab("Add articles", id="add"):
                        build_add_panel(
                            uploader,
                            after_adding=refresh,
                            after_inputs=filter_controls,
                            after_outputs=refreshed,
                        )
            with gr.Column(scale=5, min_width=360):
                viewer = gr.HTML(
                    VIEWER_PLACEHOLDER,
                    js_on_load=BRIDGE_JS + DATE_PICKER_JS,
                    elem_id="qa-viewer",
                    max_height=820,
                    padding=False,
                    container=True,
                )

        def rate(rated: dict[int, dict[str, Any]], like: gr.LikeData) -> None:
            record_rating(feedback, rated, like.index, like.liked)

        def show_article(event: gr.EventData) -> str:
            return open_article(assistant, getattr(event, "_data", {}).get("ref"))

        def answer_after(taken: Any) -> None:
            """After ``take_question``: answer, then scroll the chat to the new question."""
            taken.then(
                partial(answer_pending, assistant),
                [pending, chatbot, questions, records, *filter_controls],
                [chatbot, questions, records],
                **private,
            ).then(None, js=SCROLL_TO_REPLY_JS, **private)

        # Filters that cannot be used keep the question in its box (take_question).
        taking = ([textbox, chatbot, *filter_controls], [textbox, chatbot, pending])
        answer_after(textbox.submit(take_question, *taking, **private))
        # An example click fills the box (Gradio's own event), then asks it exactly as
        # Enter does. Not run_on_click: that runs one function, as an "undocumented"
        # (client-callable) event, with nothing chained after it.
        answer_after(examples.load_input_event.then(take_question, *taking, **private))
        chatbot.like(rate, [records], None, **private)
        chatbot.clear(lambda: ([], {}, None), None, [questions, records, pending], **private)

        def status_now(*values: Any) -> str:
            return filter_status(assistant, *values)

        # A date box is read when the reader leaves it or presses Enter, not at each
        # keystroke ("3 Oct" on the way to "3 October 2020" is no error yet).
        for event in (
            outlet_box.change,
            undated.change,
            date_from.blur,
            date_from.submit,
            date_to.blur,
            date_to.submit,
        ):
            event(status_now, filter_controls, status, queue=False, **private)
        # "open" is a custom event that BRIDGE_JS triggers with the link clicked.
        viewer.open(show_article, None, viewer, **private)  # type: ignore[attr-defined]

        def ask(
            question: str,
            history: list[str] | None = None,
            k: int = DEFAULT_K,
            filters: dict[str, Any] | None = None,
        ) -> dict[str, Any]:
            """Answer a question from news articles: passages quoted verbatim, with sources.

            Nothing is generated: each passage is a verbatim slice of an article, with its
            outlet, title, date and link, and its best sentence as `highlight`. Cite them.

            Args:
                question: the question, in English.
                history: earlier questions of this conversation, oldest first, for follow-ups.
                k: how many passages to return, best first.
                filters: {"outlets": [...], "published_from": "YYYY-MM-DD", "published_to": ...}

            Returns:
                found (False: the articles don't answer), confidence, searched_for, passages.
            """
            return ask_json(assistant, question, history, k, filters)

        gr.api(ask, api_name="ask")
        # A page opened after articles were added lists them too.
        demo.load(refresh, filter_controls, refreshed, queue=False, **private)
    return demo


def outlet_names(assistant: Assistant) -> list[str]:
    """The outlets of the indexed articles, for the filter."""
    return sorted({article.outlet for article in assistant.articles if article.outlet})


def corpus_view(assistant: Assistant) -> tuple[str, str]:
    """The Articles tab: a line on the index, and every article newest first (undated last)."""
    counts = passage_counts(assistant.stored.chunks)
    articles = newest_first(assistant.articles)
    summary = (
        f"{len(articles)} articles in the index. \u201cRead\u201d opens one in the article view."
    )
    return summary, format_corpus(articles, counts)


def date_range(assistant: Assistant) -> tuple[str, str]:
    """The oldest and the newest publication date of the articles ('' when none is dated)."""
    dates = sorted(article.published[:10] for article in assistant.articles if article.published)
    return (dates[0], dates[-1]) if dates else ("", "")


def _date_box(label: str, elem_id: str, example: str) -> gr.Textbox:
    """One end of the publication-date filter: a date typed as people write dates.

    A text box, since Gradio's DateTime keeps only what it can read as YYYY-MM-DD
    and shows the rest unread; ``chat.read_date`` reads "3 October 2020" too, and
    says when it cannot. DATE_PICKER_JS adds a calendar that opens on the corpus's
    dates rather than on today's month; the placeholder shows ``example``, one of them.
    """
    shown = iso_date_words(example)
    return gr.Textbox(
        label=label,
        placeholder=shown or "3 Oct 2020",
        max_lines=1,
        scale=1,
        min_width=170,
        elem_id=elem_id,
    )


def iso_date_words(date: str) -> str:
    """An ISO date as people write it, short: "2020-10-12" -> "12 Oct 2020" ('' if not a date)."""
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        return ""
    return f"{day.day} {day:%b %Y}"


def launch(
    demo: gr.Blocks,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    mcp: bool = False,
    private_paths: Sequence[str | Path] = (),
    queue_size: int = MAX_QUEUE,
    concurrency: int = DEFAULT_CONCURRENCY,
    max_file_size: int = MAX_FILE_BYTES,
    auth: Sequence[tuple[str, str]] = (),
    api: FastAPI | None = None,
) -> None:
    """Start the queue and serve the app; prints the address to open, blocks until stopped.

    Every request of the page goes through the queue (no direct ``/run`` route;
    the JSON API at ``/api``, when given, answers beside it), the files
    in ``private_paths`` are never served, cross-origin requests are refused
    and monitoring is off: see docs/reliability.md.

    Args:
        demo: what ``build_demo`` returned.
        host, port: where to listen; loopback by default, never a share link.
        mcp: also serve ``ask`` as an MCP tool at ``/gradio_api/mcp/``.
        private_paths: files and folders never to serve (corpus, index, model).
        queue_size: requests that may wait; one more gets "Queue is full" (HTTP 503).
        concurrency: requests answered at the same time.
        max_file_size: the biggest file Gradio takes in an upload, in bytes.
        auth: the (user, password) accounts that may log in (``auth.read_auth_file``);
            with any, Gradio serves its login page until one logs in, and answers no
            request of the app without a login; none (the default): no login.
        api: the JSON API (``api.build_api``), served at ``/api`` beside the page and
            outside the queue; its accounts should be ``auth``'s.
    """
    if queue_size < 1 or concurrency < 1:
        raise ValueError(
            f"queue_size and concurrency must be at least 1, got {queue_size}, {concurrency}"
        )
    # api_open=False: /gradio_api/run/ask answers 404, so nothing skips the queue.
    demo.queue(default_concurrency_limit=concurrency, max_size=queue_size, api_open=False)
    # Gradio's blocklist takes precedence over GRADIO_ALLOWED_PATHS; keep any set by env.
    blocked = [str(Path(path).resolve()) for path in private_paths]
    blocked += [path for path in os.environ.get("GRADIO_BLOCKED_PATHS", "").split(",") if path]
    guard = Middleware(RequestGuard, loopback=host in LOOPBACK)
    lifespan = json_results_lifespan(demo)
    if api is not None:
        lifespan = api_lifespan(api, lifespan)
    demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        ssr_mode=False,
        mcp_server=mcp,
        css=CSS,
        theme=THEME,
        show_error=False,
        blocked_paths=blocked,
        enable_monitoring=False,
        strict_cors=True,
        max_threads=MAX_THREADS,
        max_file_size=max_file_size,
        auth=list(auth) or None,
        app_kwargs={"middleware": [guard], "lifespan": lifespan},
        # quiet: Gradio would print "To create a public link, set `share=True`", an
        # offer this app must not take; the address line below replaces its output.
        quiet=True,
        prevent_thread_lock=True,
    )
    if demo.mcp_error:
        # quiet hides this one too, and it matters: --mcp asked for a server that failed.
        print(demo.mcp_error, file=sys.stderr, flush=True)
    # flush: when stdout is a file or pipe the line must not wait for the buffer.
    print(f"open {browser_url(host, demo.server_port or port)}", flush=True)
    demo.block_thread()


def browser_url(host: str, port: int) -> str:
    """The address to open in a browser on this machine for a server on ``host:port``.

    A wildcard address (0.0.0.0, ::) is not one a browser can open, so it becomes
    loopback; an IPv6 address goes in brackets.

    Example:
        >>> browser_url("0.0.0.0", 7860)
        'http://127.0.0.1:7860'
    """
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"

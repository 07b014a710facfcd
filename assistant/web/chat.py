"""What the web chat's events do, as plain functions of their inputs.

``ui.build_demo`` wires these to the page; tests call them directly. Each one
returns what the page shows and never raises for bad input or a failed
search: the reader gets a short message, the log gets the traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import gradio as gr

from ..config import DEFAULT_K
from ..corpus.dates import iso_date
from ..errors import AssistantError, QuestionError
from ..search.filters import Filters
from .feedback import FeedbackLog, answer_record
from .format import escape_text, format_reply, parse_open_ref
from .views import format_article

if TYPE_CHECKING:
    from ..pipeline import Assistant

logger = logging.getLogger(__name__)

EMPTY_QUESTION = "Please type a question about the news articles."
FAILURE = "Sorry, the search failed ({name}). The details were logged on the server."
STALE_LINK = '<p class="qa-viewer-empty">That article is not in the index any more.</p>'
# Passages one reply shows; the API lets callers choose their own k.
CHAT_K = DEFAULT_K

Message = dict[str, Any]
Records = dict[int, dict[str, Any]]


# The filter controls' labels: messages name the box as the page does.
DATE_FROM = "Published from"
DATE_TO = "Published to"
INCLUDE_UNDATED = "Include undated articles"


class FilterInputError(ValueError):
    """What the reader typed in a filter cannot be used; the message says so in the page's words."""


def read_date(text: Any, label: str) -> str:
    """The date typed in a filter box as ISO ('' when empty), read as the loader reads dates.

    "3 October 2020", "Oct 3, 2020", "2020-10-03" and "Saturday, 3 October 2020" all
    read as 2020-10-03 (``corpus.dates.iso_date``); a date without a day, month and
    year, or one whose day and month could be swapped, cannot be read.

    Raises:
        FilterInputError: text that is not such a date; never ignored silently.
    """
    typed = " ".join(str(text or "").split())
    if not typed:
        return ""
    found = iso_date(typed)
    if not found:
        raise FilterInputError(
            f"\u201c{typed}\u201d in \u201c{label}\u201d is not a date: type a day, month and "
            "year, such as 3 October 2020 or 2020-10-03."
        )
    return found


def make_filters(
    outlets: Sequence[str] | None, date_from: Any, date_to: Any, include_undated: Any = False
) -> Filters:
    """Filters from the page's controls.

    Raises:
        FilterInputError: a date that cannot be read, or a range that ends before it starts.
    """
    first, last = read_date(date_from, DATE_FROM), read_date(date_to, DATE_TO)
    if first and last and first > last:
        raise FilterInputError(
            f"\u201c{DATE_FROM}\u201d ({first}) is after \u201c{DATE_TO}\u201d ({last}): "
            "no article can be in between. Swap them, or clear one."
        )
    return Filters(
        outlets=tuple(outlets or ()),
        published_from=first,
        published_to=last,
        include_undated=bool(include_undated),
    )


def filter_status(
    assistant: Assistant, outlets: Any, date_from: Any, date_to: Any, include_undated: Any = False
) -> str:
    """One line saying how many articles the filters leave to search, or what is wrong.

    With a date bound, it says how many undated articles the bound leaves out
    (and how to keep them) or keeps.
    """
    try:
        filters = make_filters(outlets, date_from, date_to, include_undated)
    except FilterInputError as error:
        return f'<span class="qa-error">\u26a0 {escape_text(str(error))}</span>'
    total = len(assistant.articles)
    if not filters:
        return f"Searching all {total} articles."
    allowed = sum(filters.allows(article) for article in assistant.articles)
    line = (
        "No article matches these filters: widen them to search."
        if not allowed
        else f"Searching {allowed} of {total} articles."
    )
    if filters.dated:
        undated = [a for a in assistant.articles if not a.published[:10]]
        # Undated articles the other filters (outlets) would keep.
        kept = sum(replace(filters, include_undated=True).allows(a) for a in undated)
        if kept and not filters.include_undated:
            some = "1 undated article is" if kept == 1 else f"{kept} undated articles are"
            line += f" {some} left out: tick \u201c{INCLUDE_UNDATED}\u201d to keep them."
        elif kept:
            line += f" ({kept} undated kept.)"
    return line


def answer_turn(
    assistant: Assistant, question: str, earlier: Sequence[str], filters: Filters
) -> tuple[str, dict[str, Any] | None]:
    """Answer one chat question; never raises.

    Returns:
        The reply's HTML, and the record a like/dislike refers to (None when
        the question could not be answered and a message says why).
    """
    try:
        answer = assistant.ask(question, k=CHAT_K, history=list(earlier), filters=filters)
    except (QuestionError, ValueError) as error:
        return escape_text(str(error)), None
    except Exception as error:  # the chat must survive anything
        logger.exception("Answering %r failed", question)
        return FAILURE.format(name=type(error).__name__), None
    try:
        discrepancies = assistant.sources_differ(answer)
    except Exception:  # the passages are worth showing without the panel
        logger.exception("Comparing the figures for %r failed", question)
        discrepancies = []
    return format_reply(answer, discrepancies, filters), answer_record(answer, filters)


def take_question(
    message: Any,
    history: list[Message],
    outlets: Any = None,
    date_from: Any = None,
    date_to: Any = None,
    include_undated: Any = False,
) -> tuple[Any, list[Message], str | None]:
    """Show the question in the chat at once and clear the box: (box, chat, pending).

    Filters that cannot be used are said as a warning, and the question stays in
    its box, unasked, until they are fixed.
    """
    if not isinstance(message, str) or not message.strip():
        gr.Warning(EMPTY_QUESTION)
        return message, history, None
    try:
        make_filters(outlets, date_from, date_to, include_undated)
    except FilterInputError as error:
        gr.Warning(str(error))
        return message, history, None
    shown = {"role": "user", "content": escape_text(message.strip())}
    return "", [*history, shown], message.strip()


def answer_pending(
    assistant: Assistant,
    question: str | None,
    history: list[Message],
    asked: list[str],
    records: Records,
    outlets: Any = None,
    date_from: Any = None,
    date_to: Any = None,
    include_undated: Any = False,
) -> tuple[list[Message], list[str], Records]:
    """Add the reply to the question ``take_question`` took: (chat, questions, records).

    ``asked`` holds the earlier questions as typed, for follow-ups; ``records``
    maps each reply's index in the chat to what a like or dislike refers to.
    Filters changed to something unusable since the question was taken are
    said as a warning, not as a reply, and the question leaves the chat.
    """
    if question is None:
        return history, asked, records
    try:
        filters = make_filters(outlets, date_from, date_to, include_undated)
    except FilterInputError as error:
        gr.Warning(str(error))
        return history[:-1], asked, records
    reply, record = answer_turn(assistant, question, asked, filters)
    history = [*history, {"role": "assistant", "content": reply}]
    if record is not None:
        records = {**records, len(history) - 1: record}
        asked = [*asked, question]
    return history, asked, records


def record_rating(feedback: FeedbackLog, records: Records, index: Any, liked: Any) -> str | None:
    """Append a like or dislike of the reply at ``index``; returns the rating, if any."""
    if isinstance(index, list | tuple):
        index = index[0] if index else None
    record = records.get(index) if isinstance(index, int) else None
    if record is None:
        return None
    rating = "like" if liked is True else "dislike" if liked is False else "cleared"
    try:
        feedback.record(rating, record)
    except OSError:
        logger.exception("Cannot record feedback in %s", feedback.path)
        gr.Warning("Your feedback could not be saved; the details were logged.")
        return None
    return rating


def ask_json(
    assistant: Assistant,
    question: str,
    history: list[str] | None,
    k: int,
    filters: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``/ask`` endpoint's work: the Answer as a dict, errors as gr.Error."""
    if not isinstance(question, str) or not question.strip():
        raise gr.Error(EMPTY_QUESTION)
    try:
        return assistant.ask(question, k=k, history=history, filters=filters).to_dict()
    except (AssistantError, ValueError) as error:
        # Bad input (QuestionError, a bad k, history or filter) gets the reason back.
        raise gr.Error(str(error)) from error
    except Exception as error:
        logger.exception("API question %r failed", question)
        raise gr.Error(FAILURE.format(name=type(error).__name__)) from error


def open_article(assistant: Assistant, ref: object) -> str:
    """The article view for an "Open article" link, or a short message if it is stale."""
    try:
        article_id, passage, highlight = parse_open_ref(ref)
        article = assistant.article(article_id)
    except (ValueError, KeyError):
        logger.warning("Cannot open article link %r", ref)
        return STALE_LINK
    count = sum(chunk.article_id == article.id for chunk in assistant.stored.chunks)
    return format_article(article, passage, highlight, passages=count)

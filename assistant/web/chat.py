"""What the web chat's events do, as plain functions of their inputs.

``ui.build_demo`` wires these to the page; tests call them directly. Each one
returns what the page shows and never raises for bad input or a failed
search: the reader gets a short message, the log gets the traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import gradio as gr

from ..config import DEFAULT_K
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


def make_filters(outlets: Sequence[str] | None, date_from: Any, date_to: Any) -> Filters:
    """Filters from the page's controls. Raises ValueError for a bad date."""
    return Filters(
        outlets=tuple(outlets or ()),
        published_from=str(date_from or "").strip()[:10],
        published_to=str(date_to or "").strip()[:10],
    )


def filter_status(assistant: Assistant, outlets: Any, date_from: Any, date_to: Any) -> str:
    """One line saying how many articles the filters leave to search."""
    try:
        filters = make_filters(outlets, date_from, date_to)
    except ValueError as error:
        return f"\u26a0 {escape_text(str(error))}"
    total = len(assistant.articles)
    allowed = sum(filters.allows(article) for article in assistant.articles)
    if not filters:
        return f"Searching all {total} articles."
    if not allowed:
        return "No article matches these filters: widen them to search."
    return f"Searching {allowed} of {total} articles."


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


def take_question(message: Any, history: list[Message]) -> tuple[Any, list[Message], str | None]:
    """Show the question in the chat at once and clear the box: (box, chat, pending)."""
    if not isinstance(message, str) or not message.strip():
        gr.Warning(EMPTY_QUESTION)
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
) -> tuple[list[Message], list[str], Records]:
    """Add the reply to the question ``take_question`` took: (chat, questions, records).

    ``asked`` holds the earlier questions as typed, for follow-ups; ``records``
    maps each reply's index in the chat to what a like or dislike refers to.
    """
    if question is None:
        return history, asked, records
    try:
        filters = make_filters(outlets, date_from, date_to)
    except ValueError as error:
        reply, record = escape_text(str(error)), None
    else:
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

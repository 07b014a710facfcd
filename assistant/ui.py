"""The web chat: formats answers for a Gradio Chatbot and exposes ``/ask``.

Only this module imports gradio, so the CLI and the library load without it.
Everything shown is text quoted from the articles; the formatting here adds
headings, citation numbers and source lines, never words of its own about the
news.

Example:
    >>> from assistant import Assistant
    >>> from assistant.ui import build_demo, launch
    >>> demo = build_demo(Assistant.load(corpus_dir="corpus", index_dir="index"))
    >>> launch(demo, host="127.0.0.1", port=7860)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import string
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import gradio as gr

from assistant.answer import Answer, Passage
from assistant.config import DEFAULT_K
from assistant.errors import AssistantError, QuestionError

if TYPE_CHECKING:
    from assistant.pipeline import Assistant

logger = logging.getLogger(__name__)

TITLE = "News Q&A"
DESCRIPTION = (
    "Ask a question about the news articles. Every answer is quoted word for word "
    "from the articles, with its source; nothing is written by the assistant."
)
EXAMPLES = [
    "How many soldiers did Azerbaijan lose?",
    "Who is Oleg Kuznetsov?",
    "When did the ceasefire start?",
    "What happened to the Holy Savior Cathedral?",
]
NOT_FOUND = "The articles don't answer this question."
NOT_AN_ANSWER = "Nearest passages \u2014 these do NOT answer the question"
EMPTY_QUESTION = "Please type a question about the news articles."
FAILURE = "Sorry, the search failed ({name}). The details were logged on the server."
# Passages one reply shows; the API lets callers choose their own k.
CHAT_K = DEFAULT_K
# One search takes a fraction of a second, so a few at a time keep the page
# responsive without letting a burst of requests exhaust memory.
DEFAULT_CONCURRENCY = 4
MAX_QUEUE = 64

# Markdown and HTML syntax is made only of ASCII punctuation (GFM autolinks
# need ``.``, ``:`` or ``@``), so turning each of those characters into a
# numeric character reference leaves article text nothing to be read as markup.
# Newlines become <br> so that a passage stays one inline run: block syntax
# (headings, lists, code blocks, tables) can only start at the start of a line.
_ESCAPES = {ord(char): f"&#{ord(char)};" for char in string.punctuation}
_ESCAPES.update({ord("\r"): "", ord("\n"): "<br>"})


def escape_text(text: str) -> str:
    """Escape text so that Markdown and HTML renderers show it as plain text."""
    return text.translate(_ESCAPES)


def mark_highlight(passage: Passage) -> str:
    """The escaped passage text with its highlighted sentence wrapped in <mark>."""
    offset = passage.highlight_start - passage.start
    if offset < 0 or not passage.text.startswith(passage.highlight, offset):
        # The spans are promised to agree; fall back to a search rather than
        # marking the wrong words if some caller built a Passage by hand.
        offset = passage.text.find(passage.highlight)
    if not passage.highlight or offset < 0:
        return escape_text(passage.text)
    end = offset + len(passage.highlight)
    before, sentence, after = (
        passage.text[:offset],
        passage.text[offset:end],
        passage.text[end:],
    )
    return f"{escape_text(before)}<mark>{escape_text(sentence)}</mark>{escape_text(after)}"


def safe_link(url: str) -> str | None:
    """A Markdown link to ``url`` when it is http(s), else None."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # Percent-encode what could end the <...> destination or act as an escape.
    target = quote(url.strip(), safe="/:?#[]@!$&'()*+,;=%")
    return f"[{escape_text(parts.netloc)}](<{target}>)"


def format_source(passage: Passage) -> str:
    """One line naming where a passage comes from, with its score."""
    parts = [
        escape_text(passage.outlet),
        f"\u201c{escape_text(passage.title)}\u201d" if passage.title else "",
        escape_text(passage.published),
    ]
    if passage.url:
        parts.append(safe_link(passage.url) or escape_text(passage.url))
    line = " \u00b7 ".join(part for part in parts if part) or escape_text(passage.article_id)
    return f"{line} \u00b7 score {passage.score:.3f}"


def format_passage(number: int, passage: Passage) -> str:
    """A numbered source line followed by the quoted passage."""
    return f"**[{number}]** {format_source(passage)}\n> {mark_highlight(passage)}"


def format_answer(answer: Answer) -> str:
    """The top of a reply: notes, the query searched, the best sentence or "not found".

    Args:
        answer: what ``Assistant.ask`` returned.

    Returns:
        Markdown in which every slice of article text is escaped.
    """
    blocks = [f"*Note:* {escape_text(note)}" for note in answer.notes]
    searched = answer.searched_for.strip()
    if searched and searched != answer.question.strip():
        blocks.append(f"*Searched for:* \u201c{escape_text(searched)}\u201d")
    best = answer.best
    if answer.found and best is not None:
        blocks.append(f"**Best match** (confidence {answer.confidence:.0%})")
        blocks.append(f"> {escape_text(best.highlight)} **[1]**")
        blocks.append(f"**[1]** {format_source(best)}")
    else:
        blocks.append(f"**{NOT_FOUND}**")
    return "\n\n".join(blocks)


def format_passages(answer: Answer) -> str:
    """Every passage of an Answer, numbered, with its sentence marked."""
    return "\n\n".join(format_passage(n, p) for n, p in enumerate(answer.passages, start=1))


def passages_title(answer: Answer) -> str:
    """The heading of the passages: sources of an answer, or clearly not one."""
    count = len(answer.passages)
    if answer.found and answer.best is not None:
        return f"Sources: {count} passages, best first"
    return f"{NOT_AN_ANSWER} ({count})"


def format_reply(answer: Answer) -> str:
    """The whole chat reply: the answer, then its passages in a folded section.

    The passages are folded because the chat scrolls to the end of the newest
    reply: shown in full they would push the best sentence out of view. One
    click opens them.
    """
    if not answer.passages:
        return format_answer(answer)
    # The blank lines around the passages let them be read as Markdown inside
    # the HTML block.
    return (
        f"{format_answer(answer)}\n\n<details><summary>{passages_title(answer)}</summary>"
        f"\n\n{format_passages(answer)}\n\n</details>"
    )


def questions_from_history(history: Sequence[Any] | None) -> list[str]:
    """The user's earlier questions from a Chatbot history in messages format."""
    questions = []
    for message in history or []:
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        # Gradio hands back either a plain string or a list of content parts.
        parts = content if isinstance(content, list) else [content]
        for part in parts:
            text = part.get("text") if isinstance(part, dict) else part
            if isinstance(text, str) and text.strip():
                questions.append(text)
    return questions


def reply(assistant: Assistant, message: str, history: Sequence[Any] | None) -> str:
    """Answer one chat message; never raises.

    Args:
        assistant: the loaded assistant.
        message: what the user typed.
        history: the chat so far, in Gradio's messages format.

    Returns:
        The Markdown of the reply, or a short message saying what went wrong.
    """
    if not isinstance(message, str) or not message.strip():
        return EMPTY_QUESTION
    try:
        answer = assistant.ask(message, k=CHAT_K, history=questions_from_history(history))
    except QuestionError as error:
        return escape_text(str(error))
    except Exception as error:  # the chat must survive anything
        logger.exception("Answering %r failed", message)
        return FAILURE.format(name=type(error).__name__)
    return format_reply(answer)


def ask_json(
    assistant: Assistant, question: str, history: list[str] | None, k: int
) -> dict[str, Any]:
    """The ``/ask`` endpoint's work: the Answer as a dict, errors as gr.Error."""
    if not isinstance(question, str) or not question.strip():
        raise gr.Error(EMPTY_QUESTION)
    try:
        return assistant.ask(question, k=k, history=history).to_dict()
    except (AssistantError, ValueError) as error:
        # Bad input (QuestionError, a bad k or history) gets the reason back.
        raise gr.Error(str(error)) from error
    except Exception as error:
        logger.exception("API question %r failed", question)
        raise gr.Error(FAILURE.format(name=type(error).__name__)) from error


def build_demo(assistant: Assistant) -> gr.Blocks:
    """Build the chat page and the ``/ask`` API around a loaded assistant.

    Args:
        assistant: the loaded assistant; the page only formats what it returns.

    Returns:
        The Gradio app, not yet launched (see ``launch``).

    Example:
        >>> demo = build_demo(Assistant.load(corpus_dir="corpus", index_dir="index"))
    """

    def chat(message: str, history: list[dict[str, Any]]) -> str:
        return reply(assistant, message, history)

    def ask(question: str, history: list[str] | None = None, k: int = DEFAULT_K) -> dict[str, Any]:
        """Answer a question with passages quoted from the articles (Answer.to_dict())."""
        return ask_json(assistant, question, history, k)

    chatbot = gr.Chatbot(
        label="Answers quoted from the articles",
        height="70vh",
        # Article text is escaped; these stop the renderer from reading $$
        # as LaTeX and from keeping unknown tags in our own markup.
        latex_delimiters=[],
        allow_tags=False,
        sanitize_html=True,
        # Copy buttons copy the escaped Markdown source, not the text shown.
        buttons=[],
        feedback_options=None,
        # Full-width replies: passages are long and read better than in bubbles.
        layout="panel",
    )
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.ChatInterface(
            chat,
            chatbot=chatbot,
            textbox=gr.Textbox(placeholder="Ask about the news\u2026", submit_btn=True),
            examples=EXAMPLES,
            cache_examples=False,
            title=TITLE,
            description=DESCRIPTION,
            api_name="chat",
            # /ask is the documented API; /chat only serves the page.
            api_visibility="undocumented",
            analytics_enabled=False,
            fill_height=True,
        )
        gr.api(ask, api_name="ask")
    return demo


def launch(demo: gr.Blocks, *, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Start the queue and serve the app locally; blocks until stopped."""
    demo.queue(default_concurrency_limit=DEFAULT_CONCURRENCY, max_size=MAX_QUEUE)
    demo.launch(server_name=host, server_port=port, share=False, ssr_mode=False)

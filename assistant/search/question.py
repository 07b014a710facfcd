"""Reading a question before it is searched: tidied, completed, its source.

``read_question`` turns what the reader typed, and the chat's earlier
questions, into the ``Query`` the retriever searches for: the text checked and
tidied (``prepare_question``), a follow-up completed from the history
(followup.py), "according to <outlet>" read as a source (filters.py), and
notes that tell the reader how the question was read.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..errors import QuestionError
from .filters import outlet_asked
from .followup import resolve_followup


@dataclass(frozen=True, slots=True)
class Question:
    """A question ready to search, with remarks for the reader."""

    text: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Query:
    """A question made ready to search.

    Attributes:
        text: what is searched for: the question tidied, completed from the
            history when it is a follow-up, without "according to <outlet>".
        focus: the user's own words when the query was completed from the
            history, else None (they count more: ``Settings.followup_focus``).
        notes: what the reader should know about how the question was read.
        outlet: the outlet the question asks about ("according to Sputnik"):
            only its articles are searched. None when it names none.
    """

    text: str
    focus: str | None
    notes: tuple[str, ...]
    outlet: str | None = None


def read_question(
    question: object,
    history: Sequence[str] | None,
    *,
    outlets: Iterable[str],
    max_chars: int,
    max_tokens: int,
    count_tokens: Callable[[str], int],
) -> Query:
    """The query to search for a question, and how it was read.

    Args:
        question: what the reader typed.
        history: the chat's earlier questions, oldest first (None: none).
        outlets: the outlets of the index, for "according to <outlet>".
        max_chars: longer questions are cut, with a note.
        max_tokens, count_tokens: the model's input limit and its token
            count, for a note when the query is longer than the model reads.

    Raises:
        QuestionError: the question is not text or has no words.
        ValueError: the history is not a list of strings.
    """
    history = [] if history is None else history
    if isinstance(history, str) or not all(isinstance(item, str) for item in history):
        raise ValueError("history must be a list of earlier questions, as strings")
    outlets = list(outlets)
    tidied = prepare_question(question, max_chars=max_chars)
    notes = list(tidied.notes)
    # "..., according to Sputnik?" names a source, not something to find in
    # the text: only that outlet's articles are searched, without those words.
    asked = outlet_asked(tidied.text, outlets)
    text = asked[1] if asked else tidied.text
    query = resolve_followup(text, history)
    focus = text if query != text else None
    if asked is None and (asked := outlet_asked(query, outlets)):
        query = asked[1]  # carried over from the earlier question
    outlet = asked[0] if asked else None
    if outlet is not None:
        notes.append(f"Searched only the articles of {outlet}, as the question asks.")
    if _may_exceed(query, max_tokens) and count_tokens(query) > max_tokens:
        notes.append(
            f"Your question is longer than the {max_tokens} tokens the "
            "language model reads: its meaning was taken from the beginning only, "
            "while keyword search used all of it."
        )
    return Query(query, focus, tuple(notes), outlet)


def prepare_question(raw: object, *, max_chars: int) -> Question:
    """Normalise a question, or explain why it cannot be searched.

    Unicode is normalised to NFC (so composed and decomposed accents match),
    control, zero-width and lone surrogate characters become spaces, runs of
    white space collapse, and an overlong question is cut at a word boundary.
    The work is linear in the length of the question.

    Raises:
        QuestionError: the question is not text or has no letters or digits
            (punctuation, symbols and underscores alone are not a question).
    """
    if not isinstance(raw, str):
        raise QuestionError(f"the question must be text, not {type(raw).__name__}")
    text = unicodedata.normalize("NFC", raw)
    if not text.isprintable():  # printable text holds no control or format characters
        text = "".join(" " if _is_invisible(char) else char for char in text)
    text = " ".join(text.split())
    if not any(char.isalnum() for char in text):
        raise QuestionError("Please ask a question: type a few words about what you want to know.")
    notes: list[str] = []
    if len(text) > max_chars:
        cut = text[:max_chars]
        cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
        notes.append(
            f"Your question was {len(text):,} characters long; only its first "
            f"{len(cut):,} characters were searched."
        )
        text = cut
    return Question(text, tuple(notes))


def _is_invisible(char: str) -> bool:
    # Cc: control characters, Cf: format characters such as zero-width space,
    # Cs: lone surrogates, which cannot even be encoded for the tokenizer.
    return unicodedata.category(char) in ("Cc", "Cf", "Cs")


def _may_exceed(text: str, max_tokens: int) -> bool:
    """Whether a text could take more than ``max_tokens`` model tokens.

    A WordPiece token covers at least one character of the text once its
    accents are split off (NFD), and two special tokens are added: a shorter
    text cannot exceed the limit, and most questions skip the tokenizer.
    """
    return len(unicodedata.normalize("NFD", text)) + 2 > max_tokens

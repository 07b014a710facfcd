"""Checking and tidying a question before it is searched."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .errors import QuestionError


@dataclass(frozen=True, slots=True)
class Question:
    """A question ready to search, with remarks for the reader."""

    text: str
    notes: tuple[str, ...] = ()


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

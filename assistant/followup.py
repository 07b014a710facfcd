"""Completing short follow-up questions from the chat history, without a model.

"How many soldiers did Azerbaijan lose?" followed by "What about Armenia?"
means "How many soldiers did Armenia lose?". A follow-up is elliptical when it
is short and opens with a connective ("and", "what about", "how about") or
names nothing but a new subject; it is then completed from the most recent
full question in the history.
"""

from __future__ import annotations

import re

_CONNECTIVE = re.compile(
    r"^(?:and|but|also|so|then|what about|how about|what of|and what about|and how about)\b[\s,]*",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")
_PRONOUN = re.compile(r"\b(it|its|they|them|their|he|him|his|she|her|this|that|there)\b", re.I)
_QUESTION_WORDS = {
    "What",
    "Who",
    "When",
    "Where",
    "Why",
    "How",
    "Which",
    "Did",
    "Does",
    "Do",
    "Is",
    "Are",
    "Was",
    "Were",
    "Has",
    "Have",
    "Had",
    "Can",
    "Could",
    "Will",
    "And",
    "But",
    "Also",
    "So",
    "Then",
    "The",
    "A",
    "An",
    "In",
    "On",
}
SHORT_FOLLOWUP_WORDS = 6


def is_followup(question: str) -> bool:
    """True for a question that needs an earlier one to be understood."""
    words = question.split()
    if _CONNECTIVE.match(question):
        return True
    return len(words) <= SHORT_FOLLOWUP_WORDS and bool(_PRONOUN.search(question))


def resolve_followup(question: str, history: list[str] | tuple[str, ...] | None) -> str:
    """The question to search: the question itself, or completed from history.

    Args:
        question: the new question, already tidied.
        history: earlier user questions of the chat, oldest first.

    Returns:
        A self-contained query. For "What about X?" the names of the previous
        question are replaced by X; otherwise the previous question's words
        are added, so that the search sees both.
    """
    previous = _last_full_question(history)
    if not previous or not is_followup(question):
        return question
    rest = _CONNECTIVE.sub("", question).strip(" ?!.")
    rest_names = _names(rest)
    if rest_names and len(rest.split()) <= 4:
        old_names = _names(previous)
        if old_names:
            # Swap the last-named subject: "...did Azerbaijan lose" -> "...did Armenia lose".
            old = old_names[-1]
            position = previous.rfind(old)
            return previous[:position] + rest + previous[position + len(old) :]
        return f"{previous.rstrip(' ?')} {rest}?"
    return f"{question} {previous}"


def _names(text: str) -> list[str]:
    """Capitalised word runs that look like names, question words excluded."""
    names = []
    for match in _NAME.finditer(text):
        words = [w for w in match.group().split() if w not in _QUESTION_WORDS]
        if words:
            names.append(" ".join(words))
    return names


def _last_full_question(history) -> str:
    for earlier in reversed(list(history or [])):
        earlier = " ".join(str(earlier).split())
        if earlier and not is_followup(earlier):
            return earlier
    return ""

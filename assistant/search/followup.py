"""Completing short follow-up questions from the chat history, without a model.

"How many soldiers did Azerbaijan lose?" followed by "What about Armenia?"
means "How many soldiers did Armenia lose?". A question is a follow-up when
it opens with a connective ("and", "what about", "how about"), leans on a
personal pronoun however long it is ("What does he say Armenia won't
share?"), or is short and either leans on another pronoun ("Had it been
damaged before?") or names almost nothing ("How many were wounded?", "Since
when?"). It is completed from the previous question, itself completed the
same way, so chains of follow-ups keep their subject.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .variants import is_country_word

_CONNECTIVE = re.compile(
    r"^(?:and what about|and how about|what about|how about|what of|and|but|also|so|then)\b"
    r"[\s,]*",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")
_WORD = re.compile(r"[\w'’-]+")
# Someone the chat has named (a person, a side): in a question of any length, these point back.
_PERSONAL_PRONOUNS = frozenset("they them their theirs he him his she her hers".split())
# These do too in a short question; in a long one "it", "that" and "there" are
# as often grammar ("Is it true that ...?", "Was there ...?").
_PRONOUNS = _PERSONAL_PRONOUNS | frozenset("it its this that these those there".split())
# Words that carry no subject of their own: question words, auxiliaries,
# articles, prepositions, pronouns and quantity words.
_FUNCTION_WORDS = _PRONOUNS | frozenset(
    """what who whom whose when where why how which did does do is are was were has have had
    can could will would should may might been be being the a an in on at of to for from by
    with about and but also so then many much long far old since until else more other
    again any some""".split()
)
SHORT_FOLLOWUP_WORDS = 6


def content_words(text: str) -> list[str]:
    """The words of a text that name something: not question or function words."""
    return [w for w in _WORD.findall(text.lower()) if w not in _FUNCTION_WORDS]


def is_followup(question: str) -> bool:
    """True for a question that needs an earlier one to be understood."""
    if _CONNECTIVE.match(question):
        return True
    words = _WORD.findall(question.lower())
    if _PERSONAL_PRONOUNS.intersection(words):
        return True
    if len(words) > SHORT_FOLLOWUP_WORDS:
        return False
    return bool(_PRONOUNS.intersection(words)) or len(content_words(question)) <= 1


def resolve_followup(question: str, history: Sequence[str] | None) -> str:
    """The question to search: the question itself, or completed from history.

    Args:
        question: the new question, already tidied.
        history: earlier user questions of the chat, oldest first.

    Returns:
        A self-contained query. For "What about X?" the last name in the
        previous question is replaced by X; otherwise the previous question
        is added, so that the search sees both.
    """
    previous = ""
    for earlier in history or []:
        earlier = " ".join(str(earlier).split())
        if earlier:
            previous = _complete(earlier, previous)
    return _complete(question, previous)


def _complete(question: str, previous: str) -> str:
    if not previous or not is_followup(question):
        return question
    rest = _CONNECTIVE.sub("", question).strip(" ?!.")
    rest_names = _names(rest)
    if rest_names and len(rest.split()) <= 4:
        old_names = _names(previous)
        if old_names:
            # Swap the last-named subject: "...did Azerbaijan lose" -> "...did Armenia lose";
            # a country for a country: "How many Armenian soldiers had died by Friday?"
            # and "And Azerbaijan?" swap "Armenian", not "Friday".
            if any(map(_is_country, rest_names)):
                old_names = [name for name in old_names if _is_country(name)] or old_names
            old = old_names[-1]
            position = previous.rfind(old)
            return previous[:position] + rest + previous[position + len(old) :]
        return f"{previous.rstrip(' ?')} {rest}?"
    return f"{question} {previous}"


def _is_country(name: str) -> bool:
    return any(is_country_word(word) for word in name.split())


def _names(text: str) -> list[str]:
    """Capitalised word runs that look like names, function words excluded."""
    names = []
    for match in _NAME.finditer(text):
        words = [w for w in match.group().split() if w.lower() not in _FUNCTION_WORDS]
        if words:
            names.append(" ".join(words))
    return names

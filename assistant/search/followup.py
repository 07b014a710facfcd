"""Completing short follow-up questions from the chat history, without a model.

"How many soldiers did Azerbaijan lose?" followed by "What about Armenia?"
means "How many soldiers did Armenia lose?". A question is a follow-up when
it opens with a connective ("and", "what about", "how about"), leans on a
personal pronoun however long it is ("What does he say Armenia won't
share?"), or is short and either leans on another pronoun ("Had it been
damaged before?"), counts time from an earlier event ("What happened two
days later?") or names almost nothing ("How many were wounded?", "Since
when?"); "According to the UN?" alone asks the last question of another
source. A pronoun that follows a name of the question's own points to that
name, not back ("What did Ilham Aliyev say in his televised speech?" names
its subject). It is completed from the previous question, itself completed
the same way, so chains of follow-ups keep their subject. The labelled pairs
of tests/data/followups.jsonl measure this (tests/search/test_followup_pairs.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .variants import country_forms, is_country_word

_CONNECTIVE = re.compile(
    r"^(?:and what about|and how about|what about|how about|what of|and|but|also|so|then)\b"
    r"[\s,]*",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")
_WORD = re.compile(r"[\w'’-]+")
# Someone the chat has named (a person, a side): in a question of any length, these point back.
_PERSONAL_PRONOUNS = frozenset("they them their theirs he him his she her hers".split())
# A name earlier in the question can be what these stand for ("Aliyev said he
# ...", "Aliyev's speech ... his"); "he" and "she" only a person's name, "they" any.
_PERSON_PRONOUNS = frozenset("he his she her hers".split())
_BOUND_PRONOUNS = _PERSON_PRONOUNS | frozenset("they their theirs".split())
# These do too in a short question; in a long one "it", "that" and "there" are
# as often grammar ("Is it true that ...?", "Was there ...?").
_PRONOUNS = _PERSONAL_PRONOUNS | frozenset("it its this that these those there".split())
# Times counted from an event named before: "What happened two days later?", "And next?"
_AFTER_WORDS = frozenset("later afterwards afterward next".split())
# A question that is only a source: "According to the UN?"
_SOURCE_ONLY = re.compile(r"^according to\b[^,;:]*$", re.IGNORECASE)
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
    if _CONNECTIVE.match(question) or _SOURCE_ONLY.match(question.strip(" ?!.")):
        return True
    words = _WORD.findall(question.lower())
    if _PERSONAL_PRONOUNS.intersection(words) and not _names_own_subject(question):
        return True
    if len(words) > SHORT_FOLLOWUP_WORDS:
        return False
    if _PRONOUNS.intersection(words) or _AFTER_WORDS.intersection(words):
        return True
    return len(content_words(question)) <= 1


def _names_own_subject(question: str) -> bool:
    """True when each personal pronoun of the question follows a name it can stand for.

    "What did Ilham Aliyev say in his televised speech?": "his" is Aliyev's. "Did
    Armenia confirm his claim?": a country is no "he", so "his" points back; and
    "him" and "them" never stand for the name before them ("What did Mevlut
    Cavusoglu tell him?").
    """
    named = people = False
    for token in _WORD.finditer(question):
        word = token.group()
        lower = word.lower()
        if lower in _PERSONAL_PRONOUNS:
            # "him" and "them" are never the subject named before them in the same
            # question: "What did Cavusoglu tell him?" is about someone else.
            if lower not in _BOUND_PRONOUNS:
                return False
            if not (people if lower in _PERSON_PRONOUNS else named):
                return False
        elif word[:1].isupper() and lower not in _FUNCTION_WORDS and token.start() > 0:
            named = True
            people = people or not is_country_word(word)
    return named


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
            return previous[:position] + _as_used(rest, old) + previous[position + len(old) :]
        return f"{previous.rstrip(' ?')} {rest}?"
    return f"{question} {previous}"


def _as_used(rest: str, old: str) -> str:
    """What replaces ``old``: ``rest``, or its country in the form ``old`` had.

    "How many Azerbaijani servicemen died?" then "And Armenia?" asks about
    Armenian servicemen, and "What did the Azerbaijani defense ministry say?"
    then "What about the Armenian side?" about the Armenian defense ministry:
    where ``old`` is a people's word, only the country's word is put in, as one.
    """
    old_forms = country_forms(old)
    lower = old.lower()
    people = old_forms is not None and lower in old_forms.peoples
    if old_forms is None or not (people or lower in old_forms.adjectives):
        return rest
    for word in _WORD.findall(rest):
        forms = country_forms(word)
        if forms is None:
            continue
        wanted = forms.peoples if people else forms.adjectives
        return wanted[0].title() if wanted else word
    return rest


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

"""Whether a sentence is about the question's subject: its country, the kind of toll it counts.

News of a war between two sides reports each side's figures in the same passages, and each
kind of toll beside the others: "How many soldiers did Azerbaijan lose?" is not answered by
"Armenia said on Friday that 376 of its soldiers had died", nor "How many Armenian soldiers
were wounded?" by the same sentence. Every similarity signal holds for those (the number by
"soldiers", the words shared); these two checks tell the confidence (answerability.py) that
the sentence is about something else. Words are matched as variants.py joins them: a country
with its people's words and its capital ("Azeri", "Baku"); a toll with its forms ("died",
"deaths", "dead"; data/toll_kinds.txt).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ..store.lexical import tokenize_strings
from .answer_types import NAME, wanted_type
from .variants import canonical, country_heads, data_lines

TOLL_KINDS = Path(__file__).parent / "data" / "toll_kinds.txt"

# "Which country ...?", "What nation ...?": the answer is another country than those named.
_ASKS_FOR_A_COUNTRY = re.compile(
    r"^(and |but )?(in |from |to |with |by )?(what|which) "
    r"(countries|country|nations?|states?|sides?)\b"
)
# A count: "How many ...?", after a joining word.
_ASKS_HOW_MANY = re.compile(r"^(and |but |so |then )?how many\b")


@lru_cache(maxsize=64)  # a search asks for its question's countries, then its tolls
def terms_of(text: str) -> frozenset[str]:
    """A text's terms, stemmed as BM25 stems them and joined as variants.py joins them."""
    return frozenset(canonical(tokenize_strings([text])[0]))


def countries_asked(question: str) -> frozenset[str]:
    """The countries a question names, where its answer should name one of them too.

    Empty for a question that names none, and for one that asks for a name or a
    country ("Who backed Azerbaijan?" is answered by "Turkey ..."): its answer is
    another country.
    """
    if wanted_type(question) == NAME or _ASKS_FOR_A_COUNTRY.match(question.strip().lower()):
        return frozenset()
    return terms_of(question) & country_heads()


def names_other_countries(asked: frozenset[str], terms: frozenset[str]) -> bool:
    """True when a sentence of these terms names countries, none of those ``asked``."""
    named = terms & country_heads()
    return bool(asked) and bool(named) and asked.isdisjoint(named)


def tolls_asked(question: str) -> frozenset[str]:
    """The kinds of toll a "how many" question counts ("dead", "wounded", ...); else empty."""
    if not _ASKS_HOW_MANY.match(question.strip().lower()):
        return frozenset()
    return _tolls(terms_of(question))


def names_other_tolls(asked: frozenset[str], terms: frozenset[str]) -> bool:
    """True when a sentence of these terms counts kinds of toll, none of those ``asked``."""
    named = _tolls(terms)
    return bool(asked) and bool(named) and asked.isdisjoint(named)


def about_other_countries(question: str, sentence: str) -> bool:
    """True when the question names a country and the sentence names others, not it."""
    return names_other_countries(countries_asked(question), terms_of(sentence))


def about_other_tolls(question: str, sentence: str) -> bool:
    """True when a "how many" question counts one kind of toll and the sentence others."""
    return names_other_tolls(tolls_asked(question), terms_of(sentence))


def _tolls(terms: frozenset[str]) -> frozenset[str]:
    kinds = toll_kinds()
    return frozenset(kinds[term] for term in terms if term in kinds)


@lru_cache(maxsize=1)
def toll_kinds() -> dict[str, str]:
    """Each toll word's term (stemmed, joined as variants.py joins) and its kind."""
    kinds: dict[str, str] = {}
    for line in data_lines(TOLL_KINDS):
        kind, _, words = line.partition(":")
        for term in canonical(tokenize_strings([words])[0]):
            if kinds.setdefault(term, kind.strip()) != kind.strip():
                # A word under two kinds would make every sentence holding it count both.
                raise ValueError(f"{TOLL_KINDS.name}: {term!r} is under two kinds")
    return kinds

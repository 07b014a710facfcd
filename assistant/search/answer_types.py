"""What kind of answer a question wants, and whether a sentence holds one.

"How many soldiers ...?" wants a number, "When ...?" a date, "Who ...?" a
name. A sentence that holds no answer of the wanted kind is unlikely to be the
answering one: this helps choose the sentence to highlight and judge whether
the articles answer at all. Plain patterns, no model.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache

from ..store.lexical import tokenize_strings
from .variants import canonical, is_country_word

NUMBER, DURATION, DATE, DAY, YEAR, NAME = "number", "duration", "date", "day", "year", "name"
# How many terms on either side of a candidate answer are searched for one of
# the question's terms (chosen on the dev splits: 2 beat 3, 5 and 8).
ANCHOR_WINDOW = 2
# Characters of text on either side that surely hold that many terms.
_WINDOW_CHARS = 80

_WANTS = (
    (DURATION, re.compile(r"^how long\b")),
    (
        NUMBER,
        re.compile(
            r"^(how (many|much|far|old)"
            # "What is the population of ...?", "What was Armenia's GDP ...?",
            # "What total death toll did ... report?"
            r"|(what|which) ((is|was|are|were) )?(the |its |their )?([\w'’-]+ ){0,2}"
            r"(population|number|death toll|toll|cost|price|size|area|budget|gdp|percentage"
            r"|share|amount|total|rate|count))\b"
        ),
    ),
    # "On what date ...?" is answered by a day ("Sept. 27", "Monday"), "In what year ...?"
    # by a year: a sentence holding only "the early 1990s" does not date a day.
    (DAY, re.compile(r"^((in|on) )?(what|which) (date|day)\b")),
    (YEAR, re.compile(r"^((in|on|by|since|until) )?(what|which) year\b")),
    (DATE, re.compile(r"^((since|until) when|when|((in|on) )?(what|which) month)\b")),
    # "What was the name of the soldier ...?" asks for a name as "Who ...?" does.
    (NAME, re.compile(r"^(who|whom|whose|(what|which) (is|was|are|were) (the )?names? of)\b")),
)
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|"
    "hundreds?|thousands?|millions?|billions?|half|quarter"
)
# "How long ...?" is also answered by "a week ago", "a few months", "a decade".
_DURATIONS = (
    r"\ba (few |couple of )?(second|minute|hour|day|week|fortnight|month|year|decade|century)s?\b"
)
_YEARS = r"\b(1[0-9]{3}|20[0-9]{2})s?\b"
_MONTHS = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
# "Sept. 27" or "May 2013"; a day takes a day's number: "September 27th", not "May 2013".
_MONTH_NUMBER = rf"\b{_MONTHS}[a-z]*\.?\s+\d"
_MONTH_DAY = rf"\b{_MONTHS}[a-z]*\.?\s+\d{{1,2}}(st|nd|rd|th)?\b"
_DAY_MONTH = rf"\b\d{{1,2}}(st|nd|rd|th)?\s+(of\s+)?{_MONTHS}"
_WEEKDAYS = r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?\b"
_RELATIVE = (
    r"\b(yesterday|today)\b"
    r"|\b(last|next|this|early|late) (week|month|year|spring|summer|autumn|fall|winter)\b"
)
_HOLDS = {
    NUMBER: re.compile(rf"\d|\b({_NUMBER_WORDS})\b", re.IGNORECASE),
    DURATION: re.compile(rf"\d|\b({_NUMBER_WORDS})\b|{_DURATIONS}", re.IGNORECASE),
    DATE: re.compile(
        rf"{_YEARS}|{_MONTH_NUMBER}|{_DAY_MONTH}|{_WEEKDAYS}|{_RELATIVE}", re.IGNORECASE
    ),
    DAY: re.compile(rf"{_MONTH_DAY}|{_DAY_MONTH}|{_WEEKDAYS}", re.IGNORECASE),
    YEAR: re.compile(_YEARS),
    # A capitalised word after the first word of the sentence: a name, roughly.
    NAME: re.compile(r"(?<=[\s(\"“'‘])[A-Z][a-z]+"),
}


# Candidate answers, for anchored(): whole numbers ("2,783", not its digits).
_CANDIDATES = {
    **_HOLDS,
    NUMBER: re.compile(rf"\d[\d,.]*\d|\d|\b({_NUMBER_WORDS})\b", re.IGNORECASE),
    DURATION: re.compile(rf"{_DURATIONS}|\d[\d,.]*\d|\d|\b({_NUMBER_WORDS})\b", re.IGNORECASE),
}


@lru_cache(maxsize=256)  # a search asks it three times: ranking, subjects, confidence
def wanted_type(question: str) -> str | None:
    """The kind of answer a question asks for, or None when it is not clear."""
    words = question.strip().lower()
    words = re.sub(r"^(and|but|so|then)\s+", "", words)
    for kind, pattern in _WANTS:
        if pattern.match(words):
            return kind
    return None


def holds_type(sentence: str, kind: str | None) -> bool:
    """True when the sentence holds an answer of that kind (always for None).

    A name is a capitalised word that is not the sentence's first and names no country,
    people or capital, month, weekday or title (Mr, Dr): "the Azerbaijani president,
    Armenia's PM, and the president of Russia" names no one who could answer "Who was the
    president of Armenia?".
    """
    if kind is None:
        return True
    if kind == NAME:
        return any(not _names_nothing(m.group()) for m in _HOLDS[NAME].finditer(sentence))
    return bool(_HOLDS[kind].search(sentence))


# Months in full or as ``_MONTHS`` abbreviates them ("Mayor" and "Marshal" stay names).
_NOT_NAMES = re.compile(
    rf"{_MONTHS}|january|february|march|april|june|july|august|september|october|november"
    rf"|december|{_WEEKDAYS}|mrs?|ms|dr",
    re.IGNORECASE,
)


def _names_nothing(word: str) -> bool:
    """A capitalised word that is no answer to "who": a country's word, a month, a title."""
    return bool(_NOT_NAMES.fullmatch(word)) or is_country_word(word)


def anchored(sentence: str, kind: str | None, question: str, terms: Collection[str]) -> bool:
    """True when the sentence holds an answer of that kind next to a question term.

    "How many drones did Turkey sell?" is answered by "... sold 12 drones ...",
    not by a sentence that mentions Turkey and, elsewhere, "44 days". Wanted: a
    number (date, name) that the question does not already hold, with one of
    the question's terms (stemmed as BM25 stems them, variants.py's groups
    joined) among the ``ANCHOR_WINDOW`` terms on either side. A country, its
    people's word or its capital is no name: "the Azeri president" names no
    one. Always True when the kind is None.
    """
    if kind is None:
        return True
    asked = question.lower()
    wanted_terms = set(terms)
    for match in _CANDIDATES[kind].finditer(sentence):
        found = match.group().lower()
        if found in asked or (kind == NAME and is_country_word(found)):
            continue
        start, end = match.span()
        before, after = tokenize_strings(
            [sentence[max(0, start - _WINDOW_CHARS) : start], sentence[end : end + _WINDOW_CHARS]]
        )
        if not wanted_terms.isdisjoint(canonical(before[-ANCHOR_WINDOW:] + after[:ANCHOR_WINDOW])):
            return True
    return False


# "How many workers ...?": the one or two words after "how many" say what is counted.
_COUNTED = re.compile(r"^how many ([\w'’-]+(?: [\w'’-]+)?)", re.IGNORECASE)
# Terms after a figure within which the counted thing must be named: "140 workers",
# "376 of its soldiers" (stop words are no terms).
COUNT_WINDOW = 2
# "How many were wounded?" counts the wounded: BM25's stop list keeps these verbs.
_AUXILIARIES = frozenset(
    "am is are was were be been being have has had do does did will would can could".split()
)
_YEAR = re.compile(r"(1[89]|20)\d\d")


def counted_terms(question: str) -> list[str]:
    """The terms of what a "how many" question counts, stemmed and joined as variants.py joins.

    "How many workers repaired the bridge?" -> ["worker", "repair"], "How many Azerbaijani
    soldiers ...?" -> ["soldier"]; [] for other questions.
    """
    match = _COUNTED.match(question.strip())
    if match is None:
        return []
    # A country's word says whose, not what: "How many Azerbaijani soldiers" counts soldiers.
    words = [
        word
        for word in match.group(1).split()
        if word.lower() not in _AUXILIARIES and not is_country_word(word)
    ]
    return canonical(tokenize_strings([" ".join(words)])[0])


def counts(sentence: str, counted: Collection[str]) -> bool:
    """True when a figure in the sentence is followed closely by what the question counts.

    "The repairs cost 3.2 million manats and took 140 workers four months" counts
    workers; "cracks in two of its supports" does not.
    """
    if not counted:
        return False
    wanted = set(counted)
    for match in _CANDIDATES[NUMBER].finditer(sentence):
        if _YEAR.fullmatch(match.group()):  # "built in 1968 by workers" counts no workers
            continue
        after = tokenize_strings([sentence[match.end() : match.end() + _WINDOW_CHARS]])[0]
        if not wanted.isdisjoint(canonical(after[:COUNT_WINDOW])):
            return True
    return False

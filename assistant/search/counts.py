"""What a figure's sentence says besides its number: who counted, how wide, and when.

"Sources differ" (``figures.py``) may set two figures side by side only when they
count the same thing: the same kind, subject and scope, counted at the same time.
Two tolls of civilians are no disagreement when one is "a tally based on tolls
given by both sides" and the other a United Nations estimate, nor when one was
given "to date" in October and the other is the final count of December: the
first pair counts different things, the second is one toll that grew. This
module reads those words from the sentence (and, where the sentence only points
back with "the country's" or "the commission", from the sentence before it),
deliberately narrowly: short word lists, nothing guessed.

Example:
    >>> when = dating("Armenia said on Friday that 376 of its soldiers had died to date.", "")
    >>> when.stated, when.as_of, when.interim
    (('on Friday', 'to date'), '', True)
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..corpus.dates import iso_date

# Whose count it is, beyond the country (``figures.subject_of``): the words that
# name it, and the scope shown. A tally of both sides' tolls, a United Nations
# estimate and one country's own count are different counts of "civilians".
SCOPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:both|the two) (?:sides|countries|parties|armies)\b", re.I), "both sides"),
    (re.compile(r"\beach side\b", re.I), "both sides"),
    (re.compile(r"(?<!\w)(?:United Nations|U\.N\.|UN|OHCHR)(?!\w)"), "United Nations"),
)
# "The country's prosecutor general said ...", "The commission estimated ...": the
# sentence names its counter only in the sentence before.
REFERS_BACK = re.compile(
    r"\bthe (?:country|commission|commissioner|ministry|office|government|agency)\b", re.I
)

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH = (  # "October", "Oct."
    r"(?:Jan(?:uary|\.)|Feb(?:ruary|\.)|Mar(?:ch|\.)|Apr(?:il|\.)|May|June?|July?|Aug(?:ust|\.)"
    r"|Sep(?:tember|t?\.)|Oct(?:ober|\.)|Nov(?:ember|\.)|Dec(?:ember|\.))"
)
# The words of a sentence that date its count, as written.
_WHEN = re.compile(
    r"\b(?:(?i:on|as of|by|since|until|through) )?"
    r"(?:(?P<weekday>(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)"
    rf"|(?P<date>\d{{1,2}} {_MONTH}(?:,? \d{{4}})?|{_MONTH} \d{{1,2}}(?:,? \d{{4}})?))(?!\w)"
    r"|\b(?i:to date|so far|thus far|as yet|until now|up to now|by now)\b"
    # "since the fighting started last month", up to a comma or the figure
    r"|\b(?i:since) (?:the|last|then)\b[a-z ]*?(?=,| \d|\.|$)"
    r"|\b(?i:previously|earlier)\b"
)
# A count up to a moment ("to date", "as of Thursday", "since the fighting started"):
# a toll counted so grows, so a lower one is an earlier count of the same toll.
_INTERIM = re.compile(
    r"^(?:to date|so far|thus far|as yet|until now|up to now|by now|as of|by|since)\b", re.I
)
_PREVIOUSLY = re.compile(r"^(?:previously|earlier)$", re.I)


@dataclass(frozen=True, slots=True)
class Dating:
    """When a figure was counted, as its sentence and article say.

    Attributes:
        stated: the sentence's words that date the count, as written ("as of
            Thursday", "to date"); empty when it says nothing of when.
        as_of: the day counted to, YYYY-MM-DD, where a stated day can be resolved
            against the article's date ("as of Thursday" in an article of Monday
            2020-10-12: 2020-10-08); else the article's date; '' when unknown.
        interim: the count runs up to a moment ("to date", "so far", "as of", "since").
        before: the sentence gives it as a figure of before the article
            ("previously", "earlier"), so it is older than ``as_of``.
    """

    stated: tuple[str, ...] = ()
    as_of: str = ""
    interim: bool = False
    before: bool = False


def scope_of(sentence: str, previous: str = "") -> str:
    """Who the count covers or who made it, when the sentence says: "both sides", ...; else ''.

    ``previous`` (the sentence before, in the same passage) is read only when this
    one points back to a counter it does not name ("The commission estimated").
    """
    for text in (sentence, previous if REFERS_BACK.search(sentence) else ""):
        for pattern, scope in SCOPES:
            if pattern.search(text):
                return scope
    return ""


def dating(sentence: str, published: str) -> Dating:
    """When the figures of ``sentence``, in an article of date ``published``, were counted."""
    stated, as_of, interim, before = [], "", False, False
    for match in _WHEN.finditer(sentence):
        words = match.group(0)
        stated.append(words)
        interim = interim or bool(_INTERIM.match(words))
        before = before or bool(_PREVIOUSLY.match(words))
        if not as_of:
            as_of = _resolve(match, published)
    return Dating(tuple(stated), as_of or published, interim, before)


def _resolve(match: re.Match[str], published: str) -> str:
    """The day a stated weekday or date names, relative to the article's date; '' if unknown."""
    written = match.group("date")
    if written and re.search(r"\d{4}$", written):
        return iso_date(written)
    try:
        day = dt.date.fromisoformat(published)
    except ValueError:
        return ""  # "on Friday" in an undated article is no day we can name
    if weekday := match.group("weekday"):
        # The article's own day or the last one before it: news reports what has been.
        back = (day.weekday() - _WEEKDAYS.index(weekday.lower())) % 7
        return (day - dt.timedelta(days=back)).isoformat()
    if written:
        found = iso_date(f"{written} {day.year}")
        if found and found > published:  # "3 December" in an article of January
            found = iso_date(f"{written} {day.year - 1}")
        return found
    return ""

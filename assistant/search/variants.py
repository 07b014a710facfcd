"""Words that name the same thing: a country, the words for its people, its capital;
and the forms of one word that the stemmer keeps apart ("lose", "lost", "losses").

"Who is Russia's foreign minister?" is answered by "Russian Foreign Minister
Sergei Lavrov", and "Who is the president of Azerbaijan?" by "the Azeri
president, Ilham Aliyev": the stemmer keeps "russia" and "russian" apart, and
no stemmer joins "azerbaijan" and "azeri". In news a capital stands for its
government ("Baku said"). The groups in data/demonyms.txt are joined here into
one term each, for matching a question's words to a passage's sentences
(sentences.py, answer_types.anchored); BM25 keeps the words as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..store.lexical import tokenize_strings

DEMONYMS = Path(__file__).parent / "data" / "demonyms.txt"
# "How many soldiers did Azerbaijan lose?" is answered by "... suffered 2,783 losses":
# the stemmer keeps "lose" and "loss" apart, as it keeps "lose" and "lost".
WORD_FAMILIES = Path(__file__).parent / "data" / "word_families.txt"


@lru_cache(maxsize=1)
def canonical_terms() -> dict[str, str]:
    """Each stemmed variant mapped to its group's first term (the country's, the base form)."""
    return {**_table(WORD_FAMILIES), **_table(DEMONYMS)}


def data_lines(path: Path) -> list[str]:
    """The lines of a word-list data file, without its blank lines and "#" comments."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=2)
def _table(path: Path) -> dict[str, str]:
    groups = [line.split() for line in data_lines(path)]
    # Stemmed as BM25 stems question and article words; stop words drop out.
    stemmed = tokenize_strings([" ".join(words) for words in groups])
    canonical: dict[str, str] = {}
    for terms in stemmed:
        for term in terms[1:]:
            if term != terms[0]:  # "saudis" stems to "saudi" already
                canonical.setdefault(term, terms[0])
    return canonical


def canonical(terms: Iterable[str]) -> list[str]:
    """The terms with every variant replaced by its group's term."""
    table = canonical_terms()
    return [table.get(term, term) for term in terms]


def is_country_word(word: str) -> bool:
    """True for a country's name, its people's word or its capital ("Azeri", "Baku")."""
    terms = tokenize_strings([word])[0]
    table = _table(DEMONYMS)
    return len(terms) == 1 and (terms[0] in table or terms[0] in country_heads())


@lru_cache(maxsize=1)
def country_heads() -> frozenset[str]:
    """Each country's term, as ``canonical`` writes its name, people's words and capital."""
    return frozenset(_table(DEMONYMS).values())


@dataclass(frozen=True, slots=True)
class CountryForms:
    """A country's name and the words for its people, as data/demonyms.txt lists them.

    Attributes:
        country: the country's name, lower case ("armenia").
        adjectives: the words for one of its people, which are also its adjectives
            ("armenian"); a word whose plural is on the line, or else the line's second.
        peoples: the plurals ("armenians").
    """

    country: str
    adjectives: tuple[str, ...]
    peoples: tuple[str, ...]


def country_forms(word: str) -> CountryForms | None:
    """The forms of the country a single word names ("Azeri" -> Azerbaijan's), or None."""
    return _forms().get(word.strip().lower())


@lru_cache(maxsize=1)
def _forms() -> dict[str, CountryForms]:
    forms: dict[str, CountryForms] = {}
    for line in data_lines(DEMONYMS):
        words = line.split()
        others = words[1:]
        peoples = tuple(w for w in others if w.endswith("s") and w[:-1] in others)
        adjectives = tuple(w for w in others if w + "s" in others)
        if not adjectives and others and others[0] not in peoples:
            adjectives = (others[0],)
        entry = CountryForms(words[0], adjectives, peoples)
        for word in words:
            forms.setdefault(word, entry)
    return forms

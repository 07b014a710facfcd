"""Reworded questions: rule-made "does not answer" pairs beyond the name/number swap.

``reader_pairs.swapped_pairs`` replaces a name or number that a question shares
with its answer sentence. SQuAD 2.0's writers had more ways to make a question
that looks answerable from its paragraph and is not (Rajpurkar et al. 2018
list their kinds); two of them need no parser and carry over to the news questions the
reader sees ("How many hectares are still mined?" asked of the sentence giving
the hectares cleared):

- **head swap**: the thing asked about is another one. "How many *yards* did
  he run?" becomes "How many *touchdowns* did he run?", "Which *river* ...?"
  becomes "Which *company* ...?": the word after "how many", "how much",
  "what" or "which" (after "what kind of" and the like) is replaced by the
  head of another training question, one the sentence does not hold, while
  the sentence holds the original one;
- **antonym**: "What is the *largest* city ...?" becomes "What is the
  *smallest* city ...?" (``data/antonyms.txt``), the opposite word absent from
  the sentence;
- **subject swap** (``subject_pairs``): a name the question shares with its
  answer sentence becomes another name asked about in the *same article*, one
  the sentence does not hold: "How many soldiers did *Armenia* lose?" against
  "Armenia said 376 of its soldiers had died" becomes "... did *Azerbaijan*
  lose?". ``reader_pairs.swapped_pairs`` draws its replacement from every
  question, so its negatives are off-topic ("... did *Chopin* lose?") and easy;
  the news questions the reader gets wrong name the other side of the same story.

Each rewording gets a group of its own, so the ranking figures are unchanged;
they are training pairs only, like the swaps.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from ..search.variants import data_lines
from ..store.lexical import tokenize_strings
from .reader_pairs import POSITIVE, ReaderPair

REWORDED = "reworded"
SUBJECT = "subject"
# A name inside a question: a capitalised word, not its first.
_NAME = re.compile(r"(?<!^)(?<![\w-])[A-Z][a-z]{2,}(?![\w-])")
_CAPITALISED = re.compile(r"[A-Z]\w*")
# How many questions of an article must name a word before it may replace another:
# the article's subjects ("Kenya", "Armenia"), not a word capitalised once.
MIN_SUBJECT_QUESTIONS = 2
# How many questions must ask about a word before it may replace another's head.
MIN_HEAD_QUESTIONS = 3
ANTONYMS = Path(__file__).parent / "data" / "antonyms.txt"

# The word a question asks about: "how many <yards>", "which <river>",
# "what kind of <rock>". Group 1 is the question word, group 2 the head.
# The head is lower-case: "what *French* king" is a name, not a head.
_HEAD = re.compile(
    r"\b((?i:how many|how much|what|which))\s+(?:(?:kind|kinds|type|types|sort|sorts|form|forms)"
    r"\s+of\s+)?([a-z]{3,})\b"
)
# Words that follow "what" or "which" without naming a thing ("What *is* ...",
# "Which *of* ...") or that only qualify one ("What *other* ...", "What *two* ...").
_NOT_HEADS = frozenset(
    """is was are were did does do can could has have had will would may might must should
    shall happened happens happen caused causes makes made the this that these those other
    two three four five several many much more most new famous total kind kinds type types
    sort sorts form forms part percentage also about square""".split()
)


@lru_cache(maxsize=1)
def antonyms() -> dict[str, str]:
    """Each word of ``data/antonyms.txt`` mapped to its opposite, both ways."""
    table: dict[str, str] = {}
    for line in data_lines(ANTONYMS):
        first, second = line.split()
        for word, other in ((first, second), (second, first)):
            if word in table:
                raise ValueError(f"{ANTONYMS.name}: {word!r} is on two lines")
            table[word] = other
    return table


def _words(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """A text's lower-case words, and the stems of those that are not stop words.

    "first" or "after" are stop words to BM25, so they are found among the raw words only.
    """
    raw = frozenset(re.findall(r"[a-z]+", text.casefold()))
    return raw, frozenset(tokenize_strings([text])[0])


def _holds(words: tuple[frozenset[str], frozenset[str]], word: str) -> bool:
    raw, stems = words
    stem = tokenize_strings([word])[0]
    return word.casefold() in raw or bool(stem) and stem[0] in stems


def _kind(question_word: str) -> str:
    """Heads are swapped within a kind: counted things for "how many/much", others apart."""
    return "count" if question_word.casefold().startswith("how") else "thing"


def _heads(question: str) -> list[re.Match[str]]:
    return [m for m in _HEAD.finditer(question) if m.group(2).casefold() not in _NOT_HEADS]


def _with_case(word: str, like: str) -> str:
    return word.capitalize() if like[:1].isupper() else word


def reworded_pairs(
    pairs: Sequence[ReaderPair], *, rng: random.Random, share: float = 1.0
) -> list[ReaderPair]:
    """Rule-made negatives: an answer sentence against its question reworded to ask another thing.

    Args:
        pairs: pairs from ``build_pairs``; their positives are reworded.
        rng: draws the questions, the rule and the replacement head.
        share: the share of the positives that get a reworded question.
    """
    seen: dict[str, Counter[str]] = {"count": Counter(), "thing": Counter()}
    for question in sorted({p.question for p in pairs}):
        for match in _heads(question):
            seen[_kind(match.group(1))][match.group(2).casefold()] += 1
    # A head asked about by several questions is a noun ("year", "company", "people");
    # one seen once is as often an adjective or a verb ("What *prestigious* award").
    pool = {
        kind: sorted(w for w, n in counts.items() if n >= MIN_HEAD_QUESTIONS)
        for kind, counts in seen.items()
    }
    opposite = antonyms()
    reworded = []
    for pair in pairs:
        if pair.kind != POSITIVE or rng.random() >= share:
            continue
        sentence = _words(pair.sentence)
        choices: list[tuple[int, int, str]] = []  # (start, end, replacement)
        heads = [m for m in _heads(pair.question) if _holds(sentence, m.group(2))]
        if heads:
            match = rng.choice(heads)
            candidates = pool[_kind(match.group(1))]
            for _ in range(10 if candidates else 0):  # a few draws find a head the sentence lacks
                other = rng.choice(candidates)
                if not _holds(sentence, other) and not _holds(_words(match.group(2)), other):
                    start, end = match.span(2)
                    choices.append((start, end, _with_case(other, match.group(2))))
                    break
        for match in re.finditer(r"[A-Za-z]+", pair.question):
            other = opposite.get(match.group().casefold())
            # "How long ...", and a last word ("... did it last?"), are not the adjective.
            if pair.question[: match.start()].casefold().endswith("how "):
                continue
            if not pair.question[match.end() :].strip(" ?"):
                continue
            if other and not _holds(sentence, other):
                choices.append((*match.span(), _with_case(other, match.group())))
        if not choices:
            continue
        start, end, replacement = rng.choice(choices)
        question = pair.question[:start] + replacement + pair.question[end:]
        reworded.append(
            replace(pair, question=question, label=0, kind=REWORDED, group=f"{pair.group}:reword")
        )
    return reworded


def _one_word_names(question: str) -> list[re.Match[str]]:
    """Names with no capitalised word beside them: "Genghis Khan", "Santa Ana" and
    "President Eliot" are not swapped by halves."""
    found = []
    for match in _NAME.finditer(question):
        before = question[: match.start()].split()
        after = question[match.end() :].split()
        if before and _CAPITALISED.match(before[-1]) and len(before) > 1:
            continue
        if after and _CAPITALISED.match(after[0]):
            continue
        found.append(match)
    return found


def subject_pairs(
    pairs: Sequence[ReaderPair], *, rng: random.Random, share: float = 1.0
) -> list[ReaderPair]:
    """Rule-made negatives: the question asks about another subject of the same article.

    For a drawn positive, a one-word name its question shares with its answer
    sentence is replaced by a name that other questions of the same article ask
    about (``MIN_SUBJECT_QUESTIONS``), one the sentence does not hold, nor a
    word starting like either: "Armenia" is not a replacement for "Armenian",
    nor is it one where the sentence says "Armenians". Each gets a group of its
    own, so the ranking figures are unchanged.

    Args:
        pairs: pairs from ``build_pairs`` and the train files; their positives are swapped.
        rng: draws the questions, the name replaced and its replacement.
        share: the share of the positives that get a swapped subject.
    """
    names: dict[str, Counter[str]] = {}
    for pair in pairs:
        if pair.kind == POSITIVE:
            found = {m.group() for m in _one_word_names(pair.question)}
            names.setdefault(pair.article, Counter()).update(found)
    pools = {
        article: sorted(n for n, count in found.items() if count >= MIN_SUBJECT_QUESTIONS)
        for article, found in names.items()
    }
    swapped = []
    for pair in pairs:
        if pair.kind != POSITIVE or rng.random() >= share:
            continue
        sentence = pair.sentence.casefold()
        shared = [m for m in _one_word_names(pair.question) if m.group().casefold() in sentence]
        pool = pools.get(pair.article, [])
        if not shared or not pool:
            continue
        match = rng.choice(shared)
        stem = match.group().casefold()[:5]
        for _ in range(10):  # a few draws find a name the sentence lacks
            other = rng.choice(pool)
            folded = other.casefold()
            if folded[:5] != stem and folded[:5] not in sentence:
                break
        else:
            continue
        question = pair.question[: match.start()] + other + pair.question[match.end() :]
        swapped.append(
            replace(pair, question=question, label=0, kind=SUBJECT, group=f"{pair.group}:subject")
        )
    return swapped

"""Each shortlisted passage's best sentence, and the signals it gives the passage.

Questions are usually answered by one sentence. For every sentence of the
shortlisted passages this scores its cosine similarity to the question (the
sentence vectors are computed at build time), the share of the question's
IDF-weighted terms it holds, and whether it holds the kind of answer the
question wants (answer_types.py; for "how many X", a figure counting X); the
best is the highlight, and its signals, with the passage's share of the terms
and the sentence's share of the question's word pairs, score the passage
(retrieval.py).

The passage's share of the terms that scores it weighs each term as well by
how many of the shortlisted passages lack it ("contrast"): a term that every
candidate holds tells them apart no better than a stop word. SQuAD's
questions are mostly confused with other paragraphs of the same Wikipedia
article, which all hold its name; our articles all hold "Karabakh".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np

from ..store.lexical import tokenize_strings
from .answer_types import counts, holds_type
from .backend import SearchBackend
from .subjects import names_other_countries
from .variants import canonical

# How much a sentence's share of the question's (IDF-weighted) terms adds to
# its cosine similarity when choosing the sentence to highlight.
SENTENCE_LEXICAL_WEIGHT = 0.3
# The share of the question's IDF-weighted terms, missing from the highlight, that the
# next sentence must hold for the highlight to reach over it (continued(); chosen on
# the dev splits: 0.1 gained every answer 0.05 did with fewer sentences added, 0.2 lost some).
CONTINUATION_SHARE = 0.1
# Added to a sentence's score when it holds the kind of answer the question
# wants (a number for "how many", a date for "when"); see answer_types.py.
ANSWER_TYPE_WEIGHT = 0.1


@dataclass(frozen=True, slots=True)
class BestSentence:
    """A passage's best sentence and its signals (see ``Hit`` for each)."""

    span: tuple[int, int]
    cosine: float
    term_share: float
    coverage: float
    contrast: float
    typed: bool
    fits: bool  # holds the kind, or for "how many X" a figure counting X: in the score
    phrase: float
    scores: tuple[float, ...] = ()  # each sentence's score, in passage order


def word_pairs(terms: Sequence[str]) -> Iterator[str]:
    """Adjacent terms as "a b", the key under which sentences are looked up."""
    return (f"{a} {b}" for a, b in pairwise(terms) if a != b)


class SentenceScorer:
    """Scores the sentences of passages against a question; keeps per-passage work."""

    def __init__(self, backend: SearchBackend, texts: dict[str, str]) -> None:
        self.backend = backend
        self._texts = texts
        # The vectors of given sentences, numbered over all passages in row order.
        self._vectors_at = backend.sentence_vectors_at
        # Where each passage's sentence vectors start in them.
        counts = [len(chunk.sentences) for chunk in backend.chunks]
        self._offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        # Per passage, computed on first use and kept for the next questions:
        # which of its sentences hold each stemmed word and word pair, and which
        # hold each kind of answer. Questions share most passages, so this
        # saves tokenising and pattern matching on every question.
        self._terms = lru_cache(maxsize=20_000)(self._terms_of_sentences)
        self._types = lru_cache(maxsize=20_000)(self._types_of_sentences)
        self._sentence_terms = lru_cache(maxsize=20_000)(self._terms_by_sentence)
        self._counting = lru_cache(maxsize=20_000)(self._counting_sentences)

    def best(
        self,
        rows: list[int],
        query_vector: np.ndarray,
        terms: list[str],
        term_weights: np.ndarray,
        pairs: list[str],
        wanted: str | None = None,
        counted: Sequence[str] = (),
        asked: frozenset[str] = frozenset(),
    ) -> list[BestSentence]:
        """Each row's best sentence, in the order of ``rows``.

        Sentences are chosen by cosine similarity plus a bonus for the share of
        the question's rarer words they contain (names and numbers matter) and
        for holding the wanted kind of answer (for a "how many" question with
        ``counted`` terms, a figure counting them). ``terms`` (with their IDF
        weights) and ``pairs`` are distinct. The sentences of all the rows are
        scored together, in a few array operations instead of a few per
        passage: this runs on every question, on every shortlisted passage.
        """
        rows_array = np.asarray(rows, dtype=np.int64)
        starts = self._offsets[rows_array]
        counts = self._offsets[rows_array + 1] - starts
        # Where each row's sentences begin among all of them, and which row each is.
        begins = np.cumsum(counts) - counts
        segment = np.repeat(np.arange(len(rows)), counts)
        positions = np.repeat(starts - begins, counts) + np.arange(int(counts.sum()))
        cosines = (self._vectors_at(positions) @ query_vector).astype(np.float64)
        # Plain lists: a few dozen additions cost less than as many numpy calls.
        shares_list = [0.0] * len(positions)
        coverage_list = [0.0] * len(rows)
        contrast_list = [0.0] * len(rows)
        pairs_list = [0.0] * len(positions)
        total = float(term_weights.sum())
        if total > 0:
            weights = term_weights.tolist()
            held = [0] * len(terms)  # how many of the rows hold each term
            present: list[list[int]] = []  # which terms each row holds
            for row, begin in zip(rows, begins.tolist(), strict=True):
                holding = self._terms(row)
                found = []
                for number, term in enumerate(terms):
                    sentences = holding.get(term)
                    if sentences is not None:
                        for sentence in sentences:
                            shares_list[begin + sentence] += weights[number]
                        found.append(number)
                        held[number] += 1
                present.append(found)
                for pair in pairs:
                    for sentence in holding.get(pair, ()):
                        pairs_list[begin + sentence] += 1.0
            contrasts = [w * (1.0 - h / len(rows)) for w, h in zip(weights, held, strict=True)]
            contrast_total = sum(contrasts) or 1.0  # 0 when every row holds every term
            for number, found in enumerate(present):
                coverage_list[number] = sum(weights[t] for t in found) / total
                contrast_list[number] = sum(contrasts[t] for t in found) / contrast_total
        shares = np.array(shares_list)
        if total > 0:
            shares /= total
        # Pairs count in the passage's score, not in choosing its sentence
        # (measured: no better highlights on SQuAD dev or our own questions).
        phrase = np.array(pairs_list) / max(len(pairs), 1)
        scores = cosines + SENTENCE_LEXICAL_WEIGHT * shares
        typed = np.ones(len(positions), dtype=bool)
        if wanted is not None:
            typed = np.concatenate([self._types(row, wanted) for row in rows])
        # What the bonus goes to: the wanted kind, or for "how many civilians" a figure
        # counting civilians (answer_types.counts), not "the 44-day war"; where no shortlisted
        # sentence counts them ("How many servicemen are unaccounted for?" against "more
        # than 100 missing"), any figure, as before. Own dev R@1 0.909 -> 0.920 and sentence
        # 0.807 -> 0.818; SQuAD dev within 0.001 (its "how many" seldom names what follows
        # the figure). The confidence still reads ``typed``: it was fitted on that.
        fits = typed
        if counted:
            counting = np.zeros(len(positions), dtype=bool)
            for row, begin in zip(rows, begins.tolist(), strict=True):
                held = self._sentence_terms(row) if asked else ()
                for index in self._counting(row, tuple(counted)):
                    # "376 of its soldiers" counts soldiers, but Armenia's, not the asked
                    # Azerbaijan's (subjects.py).
                    if not (asked and names_other_countries(asked, held[index])):
                        counting[begin + index] = True
            if counting.any():
                fits = counting
        if wanted is not None or counted:
            scores += ANSWER_TYPE_WEIGHT * fits
        # The first best sentence of each row: sort by row, then by score
        # descending; the sort is stable, so ties keep reading order.
        best = np.lexsort((-scores, segment))[begins]
        # Each row's sentence scores, for the reader to choose which it reads: list slices,
        # since np.split and a tolist() per row cost more than the scoring around them.
        every = scores.tolist()
        bounds = zip(begins.tolist(), counts.tolist(), strict=True)
        split = (tuple(every[b : b + n]) for b, n in bounds)
        # Gathered, then as Python lists: indexing numpy scalars one by one
        # cost more than the rest of the scoring.
        columns = zip(
            rows,
            (best - begins).tolist(),
            cosines[best].tolist(),
            shares[best].tolist(),
            coverage_list,
            contrast_list,
            typed[best].tolist(),
            fits[best].tolist(),
            phrase[best].tolist(),
            split,
            strict=True,
        )
        return [
            BestSentence(self.backend.chunks[row].sentences[index], *signals)
            for row, index, *signals in columns
        ]

    def highlight(
        self,
        row: int,
        chosen: BestSentence,
        query_vector: np.ndarray,
        terms: list[str],
        term_weights: np.ndarray,
        counted: list[str],
    ) -> tuple[int, int]:
        """The span of the sentence to highlight in a passage that will be shown.

        A "how many workers" question is answered by a sentence whose figure counts
        workers ("... took 140 workers four months"), not by the passage's best match
        by similarity that mentions "two of its supports". When the chosen sentence
        holds no such figure and another sentence of the passage does, the best of
        those by the same sentence score is highlighted instead. Only the highlight
        moves: the passage's score and the answer's confidence stay those of the
        chosen sentence, since a figure that counts soldiers ("376 of its soldiers")
        need not answer "How many Turkish soldiers fought?" (measured: letting the
        moved sentence raise the confidence accepted three unanswerable questions).

        Looser rules measured worse on our questions: any sentence with the wanted
        kind of answer next to a question word (``answer_types.anchored``) moved six
        highlights off the answer of "who" questions.
        """
        chunk = self.backend.chunks[row]
        if not counted:
            return chosen.span
        spans = chunk.sentences
        held = self._counting(row, tuple(counted))
        if not held or any(tuple(spans[i]) == tuple(chosen.span) for i in held):
            return chosen.span
        start = int(self._offsets[row])
        vectors = self._vectors_at(np.arange(start, start + len(spans)))
        cosines = (vectors @ query_vector).tolist()
        holding = self._terms(row)
        weights = term_weights.tolist()
        total = float(term_weights.sum()) or 1.0
        shares = [0.0] * len(spans)
        for number, term in enumerate(terms):
            for sentence in holding.get(term, ()):
                shares[sentence] += weights[number] / total
        return spans[max(held, key=lambda i: cosines[i] + SENTENCE_LEXICAL_WEIGHT * shares[i])]

    def _counting_sentences(self, row: int, counted: tuple[str, ...]) -> tuple[int, ...]:
        """Which sentences of a passage hold a figure counting ``counted`` (answer_types.counts)."""
        chunk = self.backend.chunks[row]
        text = self._texts[chunk.article_id]
        return tuple(
            i for i, span in enumerate(chunk.sentences) if counts(text[slice(*span)], counted)
        )

    def _terms_of_sentences(self, row: int) -> dict[str, tuple[int, ...]]:
        """Each stemmed word and word pair of a passage, with the sentences holding it.

        Words are matched as variants.py joins them; a pair is two adjacent
        terms (stop words are not terms), keyed "a b".
        """
        chunk = self.backend.chunks[row]
        article = self._texts[chunk.article_id]
        sentences = map(
            canonical, tokenize_strings([article[start:end] for start, end in chunk.sentences])
        )
        where: dict[str, list[int]] = {}
        for index, words in enumerate(sentences):
            for word in dict.fromkeys(words):
                where.setdefault(word, []).append(index)
            for pair in dict.fromkeys(word_pairs(words)):
                where.setdefault(pair, []).append(index)
        return {word: tuple(indices) for word, indices in where.items()}

    def terms_within(self, row: int, span: tuple[int, int]) -> frozenset[str]:
        """The terms of the passage's sentences within ``span`` (one, or two: antecedent.py).

        Read from the terms kept for scoring, as variants.py joins them: a
        highlight costs no tokenizing.
        """
        held = self._sentence_terms(row)
        spans = self.backend.chunks[row].sentences
        covered = [held[i] for i, (s, e) in enumerate(spans) if span[0] <= s and e <= span[1]]
        return frozenset().union(*covered)

    def continued(
        self, row: int, span: tuple[int, int], shares: Mapping[str, float]
    ) -> tuple[int, int]:
        """``span`` reaching over the next sentence of its passage when that one goes on to answer.

        The next sentence goes on when it holds at least ``CONTINUATION_SHARE`` of the
        question's IDF weight (``shares``: each term's share) in terms that the span lacks:
        the question's words are spread over the two. "Where were the Russian peacekeepers
        stationed?" chooses "... Russia deployed peacekeeper forces to the positions
        previously held by Armenia ..."; the next, "They were also stationed in the Lachin
        corridor ...", holds "stationed" and the answer. A span that does not end a
        sentence of the passage, or ends its last, is returned as it is.
        """
        spans = self.backend.chunks[row].sentences
        last = next((i for i, (_, end) in enumerate(spans) if end == span[1]), None)
        if last is None or last + 1 == len(spans):
            return span
        inside, following = self.terms_within(row, span), self._sentence_terms(row)[last + 1]
        added = sum(
            share for term, share in shares.items() if term in following and term not in inside
        )
        return (span[0], spans[last + 1][1]) if added >= CONTINUATION_SHARE else span

    def _terms_by_sentence(self, row: int) -> tuple[frozenset[str], ...]:
        held: list[set[str]] = [set() for _ in self.backend.chunks[row].sentences]
        for term, sentences in self._terms(row).items():
            if " " not in term:  # word pairs are keyed "a b"
                for index in sentences:
                    held[index].add(term)
        return tuple(frozenset(each) for each in held)

    def _types_of_sentences(self, row: int, wanted: str) -> np.ndarray:
        """Whether each sentence of a passage holds the wanted kind of answer."""
        chunk = self.backend.chunks[row]
        text = self._texts[chunk.article_id]
        return np.array([holds_type(text[s:e], wanted) for s, e in chunk.sentences])

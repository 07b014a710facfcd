"""Retriever: dense and BM25 candidates, scored together with the best sentence.

Two stages. Candidates are the union of the nearest passages by embedding
and the best passages by BM25. A first score, the passage's cosine similarity
plus 0.3 x its BM25 score scaled by the best BM25 score, picks a shortlist.
The shortlist is then scored by a weighted sum of signals (weights in
``Settings``): the passage's cosine similarity, its best sentence's cosine
similarity, the share of the question's IDF-weighted terms in that sentence,
the same share over the whole passage, whether that sentence holds the
kind of answer the question wants (answer_types.py), and the share of the
question's word pairs it holds in the same order. The best sentence is
also the one highlighted. On SQuAD dev these signals beat BM25 and cosine alone and their
plain fusion (see docs/quality.md): questions are usually answered by one
sentence, and whether the question's rare words occur says more than BM25's
length-normalised score.

``Settings.retrieval`` switches to one search alone ("dense" or "lexical"),
for comparison in ``python -m assistant eval``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np

from .answer_types import anchored, holds_type, wanted_type
from .config import Settings
from .lexical_index import tokenize_strings
from .store import StoredIndex
from .variants import canonical

# How much a sentence's share of the question's (IDF-weighted) terms adds to
# its cosine similarity when choosing the sentence to highlight.
SENTENCE_LEXICAL_WEIGHT = 0.3
# Added to a sentence's score when it holds the kind of answer the question
# wants (a number for "how many", a date for "when"); see answer_types.py.
ANSWER_TYPE_WEIGHT = 0.1
# Weight of the BM25 share beside the cosine in the first, shortlisting stage.
SHORTLIST_LEXICAL_WEIGHT = 0.3
# Question words that BM25's short stop-word list keeps, though they say what
# kind of answer is wanted, not what it is about. "who" is rare in news text,
# so it weighed much while no answering sentence holds it ("Who is Russia's
# foreign minister?"). Own dev R@1 0.854 -> 0.896; dropping "when", "where",
# "what" or "which" as well measured worse.
QUESTION_TERMS = frozenset({"who", "whom", "whose", "whi"})  # "whi" is "why" stemmed


@dataclass(frozen=True, slots=True)
class Hit:
    """One retrieved passage with the evidence for it.

    Attributes:
        row: the passage's row in the index.
        score: combined score in [0, 1], higher is better.
        dense: cosine similarity of passage and query.
        lexical: BM25 score (0 when no query term occurs in the passage).
        lexical_share: BM25 score divided by the best BM25 score of the query.
        sentence: span of the best-answering sentence in the article.
        sentence_score: cosine similarity of that sentence and the query.
        term_share: IDF-weighted share of the query's terms found in that sentence.
        coverage: IDF-weighted share of the query's terms found in the passage.
        typed: whether that sentence holds the kind of answer the question
            wants (a number for "how many"; always True when unclear).
        phrase: share of the question's word pairs (adjacent terms, stop
            words left out) that occur, adjacent, in that sentence.
        anchored: whether that sentence holds the wanted kind of answer next
            to one of the question's terms (answer_types.anchored; always
            True when the kind is unclear). Only the first hit's is worked
            out, for the confidence; None for the others.
        source: "vector", "lexical" or "both": which search proposed it.
    """

    row: int
    score: float
    dense: float
    lexical: float
    lexical_share: float
    sentence: tuple[int, int]
    sentence_score: float
    term_share: float
    coverage: float
    typed: bool
    phrase: float
    anchored: bool | None
    source: str


class Retriever:
    """Finds the passages of a stored index that best match a query."""

    def __init__(self, stored: StoredIndex, settings: Settings) -> None:
        self.stored = stored
        self.settings = settings
        self._texts = {article.id: article.text for article in stored.articles}
        # Each passage's article as a number, for the diversity discount.
        numbers = {article.id: number for number, article in enumerate(stored.articles)}
        self._article_of_row = np.array(
            [numbers[chunk.article_id] for chunk in stored.chunks], dtype=np.int64
        )
        # Where each passage's sentence vectors start in sentence_vectors.
        # A plain view of the (memory-mapped) sentence vectors: slicing a
        # np.memmap costs more than the dot product on a few sentences.
        self._sentence_vectors = np.asarray(stored.sentence_vectors)
        # The weights of the signals, in the order search() lists them, summing to 1.
        weights = (
            settings.dense_weight,
            settings.lexical_weight,
            settings.sentence_weight,
            settings.term_weight,
            settings.coverage_weight,
            settings.type_weight,
            settings.phrase_weight,
        )
        self._weights = tuple(w / (sum(weights) or 1.0) for w in weights)
        counts = [len(chunk.sentences) for chunk in stored.chunks]
        self._sentence_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        # Per passage, computed on first use and kept for the next questions:
        # which of its sentences hold each stemmed word and word pair, and
        # which hold each kind of answer. Questions share most passages, so this saves
        # tokenising and pattern matching on every question.
        self._sentence_terms = lru_cache(maxsize=20_000)(self._terms_of_sentences)
        self._sentence_types = lru_cache(maxsize=20_000)(self._types_of_sentences)

    def search(
        self,
        query: str,
        query_vector: np.ndarray,
        *,
        k: int,
        rows: np.ndarray | None = None,
        focus: str | None = None,
    ) -> list[Hit]:
        """The k best passages for a query, best first.

        Args:
            query: the query text, for BM25 and the highlight.
            query_vector: its embedding.
            k: how many passages to return.
            rows: when given, only these passages may be returned (filters).
            focus: for a follow-up completed from the history, the user's own
                words: its terms count ``Settings.followup_focus`` times more
                when matching sentences.
        """
        settings = self.settings
        tokens = tokenize_strings([query])[0]
        tokens = [t for t in tokens if t not in QUESTION_TERMS] or tokens
        dense, lexical = self._candidates(tokens, query_vector, rows)
        top_lexical = max(lexical.values(), default=0.0) or 1.0
        mode = settings.retrieval
        shortlist_weight = {"hybrid": SHORTLIST_LEXICAL_WEIGHT, "dense": 0.0, "lexical": 1.0}[mode]
        first = {
            row: (mode != "lexical") * dense[row]
            + shortlist_weight * lexical.get(row, 0.0) / top_lexical
            for row in dense
        }
        shortlist = sorted(first, key=first.__getitem__, reverse=True)
        shortlist = shortlist[: max(k * 2, settings.rerank_depth)]
        if not shortlist:  # BM25 alone, and no passage holds a word of the query
            return []
        # Matched against sentences with a country and its people's words as one
        # (variants.py); BM25 above searched the words as they are.
        matched = canonical(tokens)
        terms = list(dict.fromkeys(matched))  # distinct, in order of first appearance
        term_weights = self.stored.lexical.idf(terms)
        if focus is not None:
            own = set(canonical(tokenize_strings([focus])[0]))
            term_weights = term_weights * np.array(
                [settings.followup_focus if term in own else 1.0 for term in terms]
            )
        # Adjacent terms, as the sentence-term cache keys them.
        pairs = list(dict.fromkeys(_pairs(matched)))
        wanted = wanted_type(query)
        best = self._best_sentences(shortlist, query_vector, terms, term_weights, pairs, wanted)
        scores = []
        for row, (_, sentence_score, term_share, coverage, typed, phrase) in zip(
            shortlist, best, strict=True
        ):
            if mode == "hybrid":
                lexical_share = lexical.get(row, 0.0) / top_lexical
                w = self._weights  # written out: this runs for every shortlisted passage
                score = (
                    w[0] * dense[row]
                    + w[1] * lexical_share
                    + w[2] * sentence_score
                    + w[3] * term_share
                    + w[4] * coverage
                    + w[5] * typed
                    + w[6] * phrase
                )
            else:
                # One search alone: its own score, as the baseline it stands for.
                score = first[row]
            scores.append(max(0.0, min(1.0, score)))
        # Best first (a stable sort: ties keep the shortlist's order), then diversified.
        order = sorted(range(len(shortlist)), key=scores.__getitem__, reverse=True)
        chosen = self._diversify(
            np.array([shortlist[i] for i in order], dtype=np.int64),
            np.array([scores[i] for i in order]),
            k,
        )
        hits = []
        for position in chosen:
            number = order[position]
            row = shortlist[number]
            sentence, sentence_score, term_share, coverage, typed, phrase = best[number]
            is_anchored = None
            if not hits:  # the first hit: the confidence reads its anchoring, and no other's
                article = self._texts[self.stored.chunks[row].article_id]
                is_anchored = anchored(article[slice(*sentence)], wanted, query, terms)
            hits.append(
                Hit(
                    row=row,
                    score=scores[number],
                    dense=dense[row],
                    lexical=lexical.get(row, 0.0),
                    lexical_share=lexical.get(row, 0.0) / top_lexical,
                    sentence=sentence,
                    sentence_score=sentence_score,
                    term_share=term_share,
                    coverage=coverage,
                    typed=typed,
                    phrase=phrase,
                    anchored=is_anchored,
                    source="both" if row in lexical and mode == "hybrid" else mode,
                )
            )
        return hits

    def _candidates(
        self, tokens: list[str], query_vector: np.ndarray, rows: np.ndarray | None
    ) -> tuple[dict[int, float], dict[int, float]]:
        """Cosine and BM25 scores of the candidate passages, by row.

        Every candidate has a cosine; only passages sharing a term with the
        query have a BM25 score.
        """
        settings = self.settings
        dense: dict[int, float] = {}
        lexical: dict[int, float] = {}
        if settings.retrieval != "lexical":
            scores, ids = self.stored.vectors.search(
                query_vector[None, :], settings.candidates, rows=rows
            )
            dense = {
                r: s for r, s in zip(ids[0].tolist(), scores[0].tolist(), strict=True) if r >= 0
            }
        if settings.retrieval != "dense":
            scores, ids = self.stored.lexical.search_terms([tokens], settings.candidates, rows=rows)
            lexical = {
                r: s for r, s in zip(ids[0].tolist(), scores[0].tolist(), strict=True) if s > 0
            }
        # BM25-only candidates need their cosine too; one call for all of them.
        missing = sorted(lexical.keys() - dense.keys())
        if missing:
            cosines = self.stored.vectors.cosines(np.array(missing), query_vector)
            dense.update(zip(missing, cosines.tolist(), strict=True))
        return dense, lexical

    def _diversify(self, rows: np.ndarray, scores: np.ndarray, k: int) -> list[int]:
        """Positions of the k hits to show, in order (greedy, as MMR).

        ``rows`` and ``scores`` come best first. Every passage already taken
        from an article lowers that article's next passages by ``diversity``
        (a share of their score), so that another outlet's nearly-as-good
        passage comes first, while a clearly better passage from the same
        article still wins. The hits keep their own scores; only the order
        changes.
        """
        count = min(k, len(rows))
        penalty = self.settings.diversity
        if penalty <= 0:
            return list(range(count))
        articles = self._article_of_row[rows]
        taken = np.zeros(len(rows))  # passages already shown from each hit's article
        available = np.ones(len(rows), dtype=bool)
        chosen = []
        for _ in range(count):
            adjusted = np.where(available, scores * (1.0 - penalty * taken), -np.inf)
            best = int(np.argmax(adjusted))  # the first of equals, as in the plain order
            chosen.append(best)
            available[best] = False
            taken[articles == articles[best]] += 1
        return chosen

    def _terms_of_sentences(self, row: int) -> dict[str, tuple[int, ...]]:
        """Each stemmed word and word pair of a passage, with the sentences holding it.

        A pair is two adjacent terms (stop words are not terms), keyed "a b".
        """
        chunk = self.stored.chunks[row]
        article = self._texts[chunk.article_id]
        sentences = map(
            canonical, tokenize_strings([article[start:end] for start, end in chunk.sentences])
        )
        where: dict[str, list[int]] = {}
        for index, words in enumerate(sentences):
            for word in dict.fromkeys(words):
                where.setdefault(word, []).append(index)
            for pair in dict.fromkeys(_pairs(words)):
                where.setdefault(pair, []).append(index)
        return {word: tuple(indices) for word, indices in where.items()}

    def _types_of_sentences(self, row: int, wanted: str) -> np.ndarray:
        """Whether each sentence of a passage holds the wanted kind of answer."""
        chunk = self.stored.chunks[row]
        text = self._texts[chunk.article_id]
        return np.array([holds_type(text[s:e], wanted) for s, e in chunk.sentences])

    def _best_sentences(
        self,
        rows: list[int],
        query_vector: np.ndarray,
        terms: list[str],
        term_weights: np.ndarray,
        pairs: list[str],
        wanted: str | None = None,
    ) -> list[tuple[tuple[int, int], float, float, float, bool, float]]:
        """Each passage's best sentence: span, cosine, term share, the passage's, typed, pairs.

        Sentences are chosen by cosine similarity plus a bonus for the share of
        the question's rarer words they contain (names and numbers matter) and
        for holding the wanted kind of answer. Coverage is that share over the
        whole passage. ``terms`` and ``pairs`` are distinct. The sentences of all the rows
        are scored together, in a few array operations instead of a few per
        passage: this runs on every question, on every shortlisted passage.
        """
        rows_array = np.asarray(rows, dtype=np.int64)
        starts = self._sentence_offsets[rows_array]
        counts = self._sentence_offsets[rows_array + 1] - starts
        # Where each row's sentences begin among all of them, and which row each is.
        begins = np.cumsum(counts) - counts
        segment = np.repeat(np.arange(len(rows)), counts)
        positions = np.repeat(starts - begins, counts) + np.arange(int(counts.sum()))
        cosines = (self._sentence_vectors[positions] @ query_vector).astype(np.float64)
        # Plain lists: a few dozen additions cost less than as many numpy calls.
        shares_list = [0.0] * len(positions)
        coverage_list = [0.0] * len(rows)
        pairs_list = [0.0] * len(positions)
        total = float(term_weights.sum())
        if total > 0:
            weighted_terms = list(zip(terms, term_weights.tolist(), strict=True))
            for number, (row, begin) in enumerate(zip(rows, begins.tolist(), strict=True)):
                holding = self._sentence_terms(row)
                for term, weight in weighted_terms:
                    sentences = holding.get(term)
                    if sentences is not None:
                        for sentence in sentences:
                            shares_list[begin + sentence] += weight
                        coverage_list[number] += weight
                for pair in pairs:
                    for sentence in holding.get(pair, ()):
                        pairs_list[begin + sentence] += 1.0
        shares = np.array(shares_list)
        coverage = np.array(coverage_list)
        if total > 0:
            shares /= total
            coverage /= total
        # Pairs count in the passage's score, not in choosing its sentence
        # (measured: no better highlights on SQuAD dev or our own questions).
        phrase = np.array(pairs_list) / max(len(pairs), 1)
        scores = cosines + SENTENCE_LEXICAL_WEIGHT * shares
        typed = np.ones(len(positions), dtype=bool)
        if wanted is not None:
            typed = np.concatenate([self._sentence_types(row, wanted) for row in rows])
            scores += ANSWER_TYPE_WEIGHT * typed
        # The first best sentence of each row: sort by row, then by score
        # descending; the sort is stable, so ties keep reading order.
        best = np.lexsort((-scores, segment))[begins]
        return [
            (
                self.stored.chunks[row].sentences[int(best[number] - begins[number])],
                float(cosines[best[number]]),
                float(shares[best[number]]),
                float(coverage[number]),
                bool(typed[best[number]]),
                float(phrase[best[number]]),
            )
            for number, row in enumerate(rows)
        ]


def _pairs(terms: list[str]) -> Iterator[str]:
    """Adjacent terms as "a b", the key under which sentences are looked up."""
    return (f"{a} {b}" for a, b in pairwise(terms) if a != b)

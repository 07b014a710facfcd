"""Retriever: dense and BM25 candidates, scored together with the best sentence.

Two stages. Candidates are the union of the nearest passages by embedding
and the best passages by BM25. A first score, the passage's cosine similarity
plus 0.3 x its BM25 score scaled by the best BM25 score, picks a shortlist.
The shortlist is then scored by a weighted sum of four signals (weights in
``Settings``): the passage's cosine similarity, its best sentence's cosine
similarity, the share of the question's IDF-weighted terms in that sentence,
the same share over the whole passage, and whether that sentence holds the
kind of answer the question wants (answer_types.py). The best sentence is
also the one highlighted. On SQuAD dev these signals beat BM25 and cosine alone and their
plain fusion (see docs/quality.md): questions are usually answered by one
sentence, and whether the question's rare words occur says more than BM25's
length-normalised score.

``Settings.retrieval`` switches to one search alone ("dense" or "lexical"),
for comparison in ``python -m assistant eval``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .answer_types import holds_type, wanted_type
from .config import Settings
from .lexical_index import stems, tokenize_strings
from .store import StoredIndex

# How much a sentence's share of the question's (IDF-weighted) terms adds to
# its cosine similarity when choosing the sentence to highlight.
SENTENCE_LEXICAL_WEIGHT = 0.3
# Added to a sentence's score when it holds the kind of answer the question
# wants (a number for "how many", a date for "when"); see answer_types.py.
ANSWER_TYPE_WEIGHT = 0.1
# Weight of the BM25 share beside the cosine in the first, shortlisting stage.
SHORTLIST_LEXICAL_WEIGHT = 0.3


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
    source: str


class Retriever:
    """Finds the passages of a stored index that best match a query."""

    def __init__(self, stored: StoredIndex, settings: Settings) -> None:
        self.stored = stored
        self.settings = settings
        self._texts = {article.id: article.text for article in stored.articles}
        # Where each passage's sentence vectors start in sentence_vectors.
        counts = [len(chunk.sentences) for chunk in stored.chunks]
        self._sentence_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        # Per passage, computed on first use and kept for the next questions:
        # which of its sentences hold each stemmed word, and which hold each
        # kind of answer. Questions share most passages, so this saves
        # tokenising and pattern matching on every question.
        self._sentence_terms = lru_cache(maxsize=20_000)(self._terms_of_sentences)
        self._sentence_types = lru_cache(maxsize=20_000)(self._types_of_sentences)

    def search(
        self, query: str, query_vector: np.ndarray, *, k: int, rows: np.ndarray | None = None
    ) -> list[Hit]:
        """The k best passages for a query, best first.

        Args:
            query: the query text, for BM25 and the highlight.
            query_vector: its embedding.
            k: how many passages to return.
            rows: when given, only these passages may be returned (filters).
        """
        settings = self.settings
        dense, lexical = self._candidates(query, query_vector, rows)
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
        terms = stems(query)
        term_weights = self.stored.lexical.idf(terms)
        wanted = wanted_type(query)
        hits = []
        for row in shortlist:
            sentence, sentence_score, term_share, coverage, typed = self._best_sentence(
                row, query_vector, terms, term_weights, wanted
            )
            lexical_share = lexical.get(row, 0.0) / top_lexical
            if mode == "hybrid":
                score = _weighted(
                    settings,
                    dense=dense[row],
                    lexical=lexical_share,
                    sentence=sentence_score,
                    terms=term_share,
                    coverage=coverage,
                    typed=float(typed),
                )
            else:
                # One search alone: its own score, as the baseline it stands for.
                score = first[row]
            hits.append(
                Hit(
                    row=row,
                    score=max(0.0, min(1.0, score)),
                    dense=dense[row],
                    lexical=lexical.get(row, 0.0),
                    lexical_share=lexical_share,
                    sentence=sentence,
                    sentence_score=sentence_score,
                    term_share=term_share,
                    coverage=coverage,
                    typed=typed,
                    source="both" if row in lexical and mode == "hybrid" else mode,
                )
            )
        hits.sort(key=lambda hit: hit.score, reverse=True)
        return self._diversify(hits, k)

    def _candidates(
        self, query: str, query_vector: np.ndarray, rows: np.ndarray | None
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
            scores, ids = self.stored.lexical.search([query], settings.candidates, rows=rows)
            lexical = {
                r: s for r, s in zip(ids[0].tolist(), scores[0].tolist(), strict=True) if s > 0
            }
        # BM25-only candidates need their cosine too; one call for all of them.
        missing = sorted(lexical.keys() - dense.keys())
        if missing:
            cosines = self.stored.vectors.cosines(np.array(missing), query_vector)
            dense.update(zip(missing, cosines.tolist(), strict=True))
        return dense, lexical

    def _diversify(self, hits: list[Hit], k: int) -> list[Hit]:
        """The k best hits, each article's later passages discounted (greedy, as MMR).

        Every passage already taken from an article lowers that article's next
        passages by ``diversity`` (a share of their score), so that another
        outlet's nearly-as-good passage comes first, while a clearly better
        passage from the same article still wins. The hits keep their own
        scores; only the order changes.
        """
        penalty = self.settings.diversity
        if penalty <= 0:
            return hits[:k]
        remaining = list(hits)
        chosen: list[Hit] = []
        taken: dict[str, int] = {}
        while remaining and len(chosen) < k:

            def adjusted(hit: Hit) -> float:
                article = self.stored.chunks[hit.row].article_id
                return hit.score * (1.0 - penalty * taken.get(article, 0))

            best = max(remaining, key=adjusted)
            remaining.remove(best)
            chosen.append(best)
            article = self.stored.chunks[best.row].article_id
            taken[article] = taken.get(article, 0) + 1
        return chosen

    def _terms_of_sentences(self, row: int) -> dict[str, np.ndarray]:
        """Each stemmed word of a passage, with the indices of the sentences holding it."""
        chunk = self.stored.chunks[row]
        article = self._texts[chunk.article_id]
        sentences = tokenize_strings([article[start:end] for start, end in chunk.sentences])
        where: dict[str, list[int]] = {}
        for index, words in enumerate(sentences):
            for word in dict.fromkeys(words):
                where.setdefault(word, []).append(index)
        return {word: np.array(indices) for word, indices in where.items()}

    def _types_of_sentences(self, row: int, wanted: str) -> np.ndarray:
        """Whether each sentence of a passage holds the wanted kind of answer."""
        chunk = self.stored.chunks[row]
        text = self._texts[chunk.article_id]
        return np.array([holds_type(text[s:e], wanted) for s, e in chunk.sentences])

    def _best_sentence(
        self,
        row: int,
        query_vector: np.ndarray,
        terms: list[str],
        term_weights: np.ndarray,
        wanted: str | None = None,
    ) -> tuple[tuple[int, int], float, float, float, bool]:
        """The passage's best sentence: its span, cosine, term share, the passage's, typed.

        Sentences are chosen by cosine similarity plus a bonus for the share of
        the question's rarer words they contain: names and numbers matter.
        Coverage is that share over the whole passage. ``terms`` are distinct.
        """
        chunk = self.stored.chunks[row]
        first, last = self._sentence_offsets[row], self._sentence_offsets[row + 1]
        cosines = (self.stored.sentence_vectors[first:last] @ query_vector).astype(np.float64)
        total = float(term_weights.sum())
        shares = np.zeros(len(cosines))
        coverage = 0.0
        if total > 0:
            holding = self._sentence_terms(row)
            for term, weight in zip(terms, term_weights.tolist(), strict=True):
                sentences = holding.get(term)
                if sentences is not None:
                    shares[sentences] += weight
                    coverage += weight
            shares /= total
            coverage /= total
        scores = cosines + SENTENCE_LEXICAL_WEIGHT * shares
        typed = None
        if wanted is not None:
            typed = self._sentence_types(row, wanted)
            scores += ANSWER_TYPE_WEIGHT * typed
        best = int(np.argmax(scores))
        holds = True if typed is None else bool(typed[best])
        return chunk.sentences[best], float(cosines[best]), float(shares[best]), coverage, holds


def _weighted(settings: Settings, **signals: float) -> float:
    """The weighted mean of a passage's signals, with the weights of the settings."""
    weights = {
        "dense": settings.dense_weight,
        "lexical": settings.lexical_weight,
        "sentence": settings.sentence_weight,
        "terms": settings.term_weight,
        "coverage": settings.coverage_weight,
        "typed": settings.type_weight,
    }
    total = sum(weights.values()) or 1.0
    return sum(weights[name] * value for name, value in signals.items()) / total

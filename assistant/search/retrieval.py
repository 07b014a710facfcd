"""Retriever: dense and BM25 candidates, scored together with the best sentence.

Two stages. Candidates are the union of the nearest passages by embedding
and the best passages by BM25. A first score, the passage's cosine similarity
plus 0.3 x its BM25 score scaled by the best BM25 score, picks a shortlist.
The shortlist is then scored by a weighted sum of signals (weights in
``Settings``): the passage's cosine similarity, its best sentence's cosine
similarity, the share of the question's IDF-weighted terms in that sentence,
the same share over the whole passage with each term weighted as well by the
share of the shortlist that lacks it, whether that sentence holds the kind
of answer the question wants (answer_types.py; for "how many X", a figure
counting X), and the share of the question's word pairs it holds in the same
order (the sentence signals come from sentences.py). The best sentence is
also the one highlighted. On SQuAD dev these signals beat BM25 and cosine
alone and their plain fusion (see docs/quality.md): questions are usually
answered by one sentence, and whether the question's rare words occur says
more than BM25's length-normalised score.

``Settings.retrieval`` switches to one search alone ("dense" or "lexical"),
for comparison in ``python -m assistant eval``.

Near-identical passages of different articles (one wire story printed by
several outlets: ``store/copies.py``) are shown once: the best-ranked stays,
names the others in ``Hit.copies``, and the next distinct passage takes the
freed place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..config import Settings
from ..store.lexical import tokenize_strings
from .answer_types import anchored, counted_terms, wanted_type
from .antecedent import with_antecedent
from .backend import SearchBackend
from .sentences import SentenceScorer, word_pairs
from .subjects import countries_asked, names_other_countries, names_other_tolls, tolls_asked
from .variants import canonical

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
        sentence: span of the sentence to highlight, in the article: the best by the
            signals below, unless it holds no figure counting what a "how many"
            question counts and another sentence of the passage does
            (``SentenceScorer.highlight``).
        sentence_score: cosine similarity of the best sentence and the query; this
            and the signals after it are the best sentence's, even where the
            highlight moved.
        term_share: IDF-weighted share of the query's terms found in that sentence.
        coverage: IDF-weighted share of the query's terms found in the passage.
        contrast: the same share with each term weighted as well by the share
            of the shortlisted passages that lack it (sentences.py); this one
            is in the score.
        typed: whether that sentence holds the kind of answer the question
            wants (a number for "how many"; always True when unclear).
        phrase: share of the question's word pairs (adjacent terms, stop
            words left out) that occur, adjacent, in that sentence.
        anchored: whether that sentence holds the wanted kind of answer next
            to one of the question's terms (answer_types.anchored; always
            True when the kind is unclear). The confidence reads the first
            hit's, which may be any read hit once the reader has re-ranked them;
            worked out only for the hits that can come first (False for the others).
        source: "vector", "lexical" or "both": which search proposed it.
        copies: rows of the near-identical passages of other articles, all of those
            the index holds (not only the candidates'); they are not shown themselves.
        sentence_scores: each sentence's score by the signals above (cosine, term
            share, wanted kind), in passage order: which sentences the reader reads
            when it reads only the best few (``Settings.reader_sentences``).
        other_countries: whether the highlighted sentence (with the one before
            it when it refers back, antecedent.py) names countries but
            none the question names, for a question that does not ask for one
            (subjects.py): the other side's figure. Like ``anchored``, worked
            out only for the hits that can come first.
        other_tolls: the same for a "how many" question's kind of toll: the
            sentence counts the dead where the question asks for the wounded.
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
    contrast: float
    typed: bool
    phrase: float
    anchored: bool
    source: str
    copies: tuple[int, ...] = ()
    sentence_scores: tuple[float, ...] = ()
    other_countries: bool = False
    other_tolls: bool = False


class Retriever:
    """Finds the passages of an index that best match a query."""

    def __init__(self, backend: SearchBackend, settings: Settings) -> None:
        self.backend = backend
        self.settings = settings
        self._texts = {article.id: article.text for article in backend.articles}
        self.texts = self._texts  # each article's text by id, for the stages after ranking
        # Each passage's article as a number, for the diversity discount.
        numbers = {article.id: number for number, article in enumerate(backend.articles)}
        self._article_of_row = np.array(
            [numbers[chunk.article_id] for chunk in backend.chunks], dtype=np.int64
        )
        self._sentences = SentenceScorer(backend, self._texts)
        # A question's terms, for its search and again for its shown highlights.
        self._matched = lru_cache(maxsize=64)(self._match)
        self._shares = lru_cache(maxsize=64)(self._share)
        self._copies = copies_by_row(backend)
        # The confidence reads the first hit's anchoring and subjects (subjects.py): only the
        # hits that can come first need them (any read one, when the reader re-orders them).
        reorders = settings.reader and settings.reader_weight > 0
        self._judged = settings.reader_passages if reorders else 1
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
        tokens, matched, terms, term_weights = self._matched(query)
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
        # ``matched``: the tokens as sentences are matched, with a country and its people's
        # words as one (variants.py); BM25 above searched the words as they are.
        if focus is not None:
            own = set(canonical(tokenize_strings([focus])[0]))
            term_weights = term_weights * np.array(
                [settings.followup_focus if term in own else 1.0 for term in terms]
            )
        # Adjacent terms, as the sentence-term cache keys them.
        pairs = list(dict.fromkeys(word_pairs(matched)))
        wanted = wanted_type(query)
        counted = counted_terms(query)
        asked, tolls = countries_asked(query), tolls_asked(query)
        best = self._sentences.best(
            shortlist, query_vector, terms, term_weights, pairs, wanted, counted, asked
        )
        scores = []
        for row, sentence in zip(shortlist, best, strict=True):
            if mode == "hybrid":
                lexical_share = lexical.get(row, 0.0) / top_lexical
                w = self._weights  # written out: this runs for every shortlisted passage
                score = (
                    w[0] * dense[row]
                    + w[1] * lexical_share
                    + w[2] * sentence.cosine
                    + w[3] * sentence.term_share
                    + w[4] * sentence.contrast
                    + w[5] * sentence.fits
                    + w[6] * sentence.phrase
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
            sentence = best[number]
            chunk = self.backend.chunks[row]
            article = self._texts[chunk.article_id]
            judged = len(hits) < self._judged
            is_anchored = judged and anchored(article[slice(*sentence.span)], wanted, query, terms)
            other_countries = other_tolls = False
            # What a shown passage highlights: for "how many X", a sentence counting X.
            span = self._sentences.highlight(
                row, sentence, query_vector, terms, term_weights, counted
            )
            if judged and (asked or tolls):
                # Read with what it refers to: "However, it also suffered losses ..." is
                # about the army the sentence before names.
                shown = self._sentences.terms_within(
                    row, with_antecedent(article, chunk.sentences, span)
                )
                other_countries = names_other_countries(asked, shown)
                other_tolls = names_other_tolls(tolls, shown)
            hits.append(
                Hit(
                    row=row,
                    score=scores[number],
                    dense=dense[row],
                    lexical=lexical.get(row, 0.0),
                    lexical_share=lexical.get(row, 0.0) / top_lexical,
                    sentence=span,
                    sentence_score=sentence.cosine,
                    term_share=sentence.term_share,
                    coverage=sentence.coverage,
                    contrast=sentence.contrast,
                    typed=sentence.typed,
                    phrase=sentence.phrase,
                    anchored=is_anchored,
                    source="both" if row in lexical and mode == "hybrid" else mode,
                    copies=self._copies.get(row, ()),
                    sentence_scores=sentence.scores,
                    other_countries=other_countries,
                    other_tolls=other_tolls,
                )
            )
        return hits

    def term_shares(self, query: str) -> dict[str, float]:
        """Each distinct term of the query, as sentences are matched, with its share of the
        query's IDF weight (the shares sum to 1; empty for a query without terms)."""
        return self._shares(query)

    def _match(self, query: str) -> tuple[list[str], list[str], list[str], np.ndarray]:
        """The query's BM25 tokens; the same as sentences are matched; those distinct, in
        order; their IDF weights. Kept (``_matched``) and shared by the callers: not changed."""
        tokens = _search_tokens(query)
        matched = canonical(tokens)
        terms = list(dict.fromkeys(matched))
        weights = self.backend.idf(terms)
        weights.flags.writeable = False
        return tokens, matched, terms, weights

    def _share(self, query: str) -> dict[str, float]:
        _, _, terms, weights = self._matched(query)
        total = float(weights.sum())
        return {t: w / total for t, w in zip(terms, weights.tolist(), strict=True)} if total else {}

    def shown_span(
        self, row: int, span: tuple[int, int], shares: Mapping[str, float]
    ) -> tuple[int, int]:
        """What a passage's highlight shows of ``span``: with what it refers back to, or else
        with the next sentence when that one goes on to answer (``Settings.highlight_antecedent``
        and ``highlight_continuation``; ``shares`` from ``term_shares``); never more than two
        sentences.
        """
        settings = self.settings
        chunk = self.backend.chunks[row]
        if settings.highlight_antecedent:
            back = with_antecedent(self._texts[chunk.article_id], chunk.sentences, span)
            if back != span:
                return back
        if settings.highlight_continuation:
            return self._sentences.continued(row, span, shares)
        return span

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
            scores, ids = self.backend.dense_candidates(
                query_vector, settings.candidates, rows=rows
            )
            dense = {r: s for r, s in zip(ids.tolist(), scores.tolist(), strict=True) if r >= 0}
        if settings.retrieval != "dense":
            scores, ids = self.backend.lexical_candidates(tokens, settings.candidates, rows=rows)
            lexical = {r: s for r, s in zip(ids.tolist(), scores.tolist(), strict=True) if s > 0}
        # BM25-only candidates need their cosine too; one call for all of them.
        missing = sorted(lexical.keys() - dense.keys())
        if missing:
            cosines = self.backend.cosines(np.array(missing), query_vector)
            dense.update(zip(missing, cosines.tolist(), strict=True))
        return dense, lexical

    def _diversify(self, rows: np.ndarray, scores: np.ndarray, k: int) -> list[int]:
        """Positions of the k hits to show, in order (greedy, as MMR).

        ``rows`` and ``scores`` come best first. Every passage already taken
        from an article lowers that article's next passages by ``diversity``
        (a share of their score), so that another outlet's nearly-as-good
        passage comes first, while a clearly better passage from the same
        article still wins. The hits keep their own scores; only the order
        changes. A copy of a passage already taken is never taken (``Hit.copies``).
        """
        penalty = self.settings.diversity
        # Plain Python: a few dozen hits cost less than as many numpy calls.
        articles = self._article_of_row[rows].tolist()
        values = scores.tolist()
        position_of = {row: position for position, row in enumerate(rows.tolist())}
        taken: dict[int, int] = {}  # passages already shown from each article
        chosen: list[int] = []
        picked: set[int] = set()  # taken, or a copy of one taken
        while len(chosen) < k:
            best, best_value = -1, -np.inf
            for position, (article, score) in enumerate(zip(articles, values, strict=True)):
                if score <= best_value:
                    # Scores come best first and a discount only lowers them: no
                    # later passage can do better (the first of equals wins).
                    break
                value = score * (1.0 - penalty * taken.get(article, 0))
                if value > best_value and position not in picked:
                    best, best_value = position, value
            if best < 0:
                break
            chosen.append(best)
            picked.add(best)
            picked.update(position_of.get(row, -1) for row in self._copies.get(int(rows[best]), ()))
            taken[articles[best]] = taken.get(articles[best], 0) + 1
        return chosen


def _search_tokens(query: str) -> list[str]:
    """The query's BM25 tokens, without the question words (``QUESTION_TERMS``) unless all are."""
    tokens = tokenize_strings([query])[0]
    return [t for t in tokens if t not in QUESTION_TERMS] or tokens


def copies_by_row(backend: SearchBackend) -> dict[int, tuple[int, ...]]:
    """Each passage row with near-identical passages in other articles, and their rows."""
    copies = backend.copies.by_passage()
    if not copies:
        return {}
    row_of = {chunk.id: row for row, chunk in enumerate(backend.chunks)}
    return {row_of[key]: tuple(sorted(row_of[c] for c in value)) for key, value in copies.items()}

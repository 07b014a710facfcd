"""What an update keeps of the previous version, and how kept rows join new ones.

An article is kept when the previous version holds one with the same id and
the same cleaned text: its passages depend on nothing else (the chunking
settings and code being the same, which ``reusable`` checks), its vectors
on nothing but those passages and the embedder, its terms on nothing but
the passages' text. Every row keeps corpus order, the order a full build
writes, so a kept article's rows are copied in one slice, and runs of kept
articles that were neighbours before in one slice too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Settings
from ..corpus.article import Article
from ..corpus.chunking import Chunk, chunk_article
from ..errors import IndexMismatchError
from .storage import PreviousIndex, live_manifest, load_previous
from .terms import PassageTerms, concatenate

logger = logging.getLogger(__name__)

# Rows of one source: (from the previous version?, first row, row after the last).
Segment = tuple[bool, int, int]
# An article's passages, cut elsewhere (see Plan.make).
Cut = Callable[[Article], list[Chunk]]


def reusable(index_dir: str | Path, expected: dict[str, Any]) -> tuple[PreviousIndex | None, str]:
    """The live version if an update may reuse it; else None and why not.

    Args:
        index_dir: the index folder.
        expected: manifest fields the live version must have, such as the
            model fingerprint and the index settings.
    """
    previous = None
    try:
        # The manifest alone first, so that an unusable version is not hashed.
        manifest = live_manifest(index_dir)
        if manifest is not None and not _changed(manifest, expected):
            previous = load_previous(index_dir)
            manifest = previous and previous.manifest
    except IndexMismatchError as error:
        logger.warning("building the index in full: the current one cannot be reused: %s", error)
        return None, "the current index cannot be reused"
    if manifest is None:
        return None, "no index yet"
    # Checked again on the version read: a concurrent build may have switched.
    if changed := _changed(manifest, expected):
        return None, f"the {changed} changed"
    return previous, ""


def _changed(manifest: dict[str, Any], expected: dict[str, Any]) -> str:
    """The first expected manifest field that differs, in words; '' when none."""
    for key, value in expected.items():
        if manifest.get(key) != value:
            return key.replace("_", " ")
    return ""


@dataclass(slots=True)
class Plan:
    """Every passage in corpus order, and where each row of vectors and terms comes from.

    Rows marked new index ``new_chunks`` (passages) and their sentences, in order.
    """

    chunks: list[Chunk] = field(default_factory=list)
    new_chunks: list[Chunk] = field(default_factory=list)
    passages: list[Segment] = field(default_factory=list)
    sentences: list[Segment] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @staticmethod
    def pending(articles: Sequence[Article], previous: PreviousIndex | None) -> list[Article]:
        """The articles ``make`` will cut: those the previous version lacks or holds changed."""
        old = _rows_by_article(previous)
        return [article for article in articles if not _unchanged(old.get(article.id), article)]

    @classmethod
    def make(
        cls,
        articles: Sequence[Article],
        previous: PreviousIndex | None,
        settings: Settings,
        cut: Cut | None = None,
    ) -> Plan:
        """Keep each article the previous version holds unchanged; cut the others.

        ``cut`` gives an article's passages when they were cut elsewhere (on a
        cluster, ``cluster.cutting``); ``chunk_article`` here when None.
        """
        old = _rows_by_article(previous)
        plan = cls(counts=dict.fromkeys(("added", "changed", "reused_articles"), 0))
        new_sentences = 0
        for article in articles:
            before = old.get(article.id)
            plan.counts["added"] += before is None
            plan.counts["changed"] += before is not None and _shown(before[0]) != _shown(article)
            if _unchanged(before, article):
                _, first, last, sentence_first, sentence_last = before
                plan.chunks.extend(previous.chunks[first:last])
                plan.passages.append((True, first, last))
                plan.sentences.append((True, sentence_first, sentence_last))
                plan.counts["reused_articles"] += 1
                continue
            chunks = (
                cut(article)
                if cut is not None
                else chunk_article(
                    article, min_words=settings.min_words, max_words=settings.max_words
                )
            )
            count = sum(len(chunk.sentences) for chunk in chunks)
            plan.passages.append((False, len(plan.new_chunks), len(plan.new_chunks) + len(chunks)))
            plan.sentences.append((False, new_sentences, new_sentences + count))
            plan.chunks.extend(chunks)
            plan.new_chunks.extend(chunks)
            new_sentences += count
        plan.counts["removed"] = len(old.keys() - {article.id for article in articles})
        return plan

    def record(
        self, previous: PreviousIndex | None, full_reason: str, sentences: int
    ) -> dict[str, Any]:
        """The manifest's ``update``: what this build reused and embedded."""
        return {
            "base": previous.folder.name if previous else "",
            "full_reason": full_reason,
            "added": self.counts["added"],
            "changed": self.counts["changed"],
            "removed": self.counts["removed"],
            "reused_articles": self.counts["reused_articles"],
            "embedded_articles": len({chunk.article_id for chunk in self.new_chunks}),
            "embedded_passages": len(self.new_chunks),
            "embedded_sentences": sentences,
        }


def gather(segments: list[Segment], previous: np.ndarray | None, new: np.ndarray) -> np.ndarray:
    """Rows of the previous version's vectors and of the new ones, in corpus order."""
    pieces = [(previous if old else new)[first:last] for old, first, last in _merged(segments)]
    return np.ascontiguousarray(np.concatenate(pieces), dtype=np.float32)


def gather_terms(
    segments: list[Segment], previous: PreviousIndex | None, new: PassageTerms
) -> PassageTerms:
    """Every passage's terms, in corpus order."""
    return concatenate(
        [(previous.terms if old else new, first, last) for old, first, last in _merged(segments)]
    )


def _merged(segments: list[Segment]) -> list[Segment]:
    """Segments joined where one continues the other, so that each run is one copy."""
    merged: list[Segment] = []
    for segment in segments:
        if merged and merged[-1][0] == segment[0] and merged[-1][2] == segment[1]:
            merged[-1] = (segment[0], merged[-1][1], segment[2])
        elif segment[1] < segment[2]:
            merged.append(segment)
    return merged


def _shown(article: Article) -> tuple[str, ...]:
    """What readers see of an article: all but the path it was read from."""
    return (
        article.title,
        article.outlet,
        article.published,
        article.url,
        article.author,
        article.text,
        article.provenance,
    )


def _unchanged(before: tuple[Article, int, int, int, int] | None, article: Article) -> bool:
    """Whether the previous version's passages of an article serve it unchanged."""
    return before is not None and before[0].text == article.text


def _rows_by_article(
    previous: PreviousIndex | None,
) -> dict[str, tuple[Article, int, int, int, int]]:
    """Each previous article with its passage rows and its sentence rows.

    ``load_previous`` has checked that each article's passages are
    consecutive rows, so each is one range: (first, after the last).
    """
    if previous is None:
        return {}
    spans: dict[str, list[int]] = {}
    sentence = 0
    for row, chunk in enumerate(previous.chunks):
        span = spans.setdefault(chunk.article_id, [row, row, sentence, sentence])
        sentence += len(chunk.sentences)
        span[1], span[3] = row + 1, sentence
    return {a.id: (a, *spans[a.id]) for a in previous.articles if a.id in spans}

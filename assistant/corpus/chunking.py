"""Cut articles into paragraph-aware passages with exact character spans.

A passage is a run of whole paragraphs of roughly ``min_words`` to
``max_words`` words: short paragraphs are merged with their neighbours, long
ones are split between sentences. Spans are offsets into ``Article.text``, so
``article.text[chunk.start:chunk.end] == chunk.text`` by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .article import Article

Span = tuple[int, int]

_PARAGRAPH = re.compile(r"\S(?:.*?\S)??(?=\s*\n[^\S\n]*\n|\s*$)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Chunk:
    """A passage of an article: its span, its text and its sentences' spans."""

    id: str
    article_id: str
    position: int
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]


def paragraph_spans(text: str) -> list[Span]:
    """Spans of the blank-line separated paragraphs, without outer whitespace."""
    return [match.span() for match in _PARAGRAPH.finditer(text)]


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    # clean=False keeps the text untouched, so the character spans stay exact.
    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def _pysbd_spans(text: str) -> list[Span]:
    r"""pysbd's sentences of ``text`` as spans, each with its trailing whitespace.

    The same spans as ``Segmenter.segment`` gives with ``char_span=True``, found
    without its regular expressions: it compiles ``re.escape(sentence) + r"\s*"``
    for every sentence and scans the text from its start with each. Those
    one-off patterns also pushed pysbd's own abbreviation rules out of ``re``'s
    cache of 512, so that every article compiled them again: together, a third
    of the time pysbd took (docs/performance.md). Here, as there: the
    first of the non-overlapping occurrences, from the text's start, that ends
    past the previous sentence (``tests/corpus/test_chunking.py`` checks they agree).
    """
    spans: list[Span] = []
    prior = 0
    for sentence in _segmenter().processor(text).process():
        if not sentence:  # never seen; pysbd's own search has its own rule for it
            match = next((m for m in re.finditer(r"\s*", text) if m.end() > prior), None)
            if match is not None:
                spans.append(match.span())
                prior = match.end()
            continue
        found = text.find(sentence)
        while found != -1:
            end = found + len(sentence)
            while end < len(text) and text[end].isspace():  # str.isspace is regex \s
                end += 1
            if end > prior:
                spans.append((found, end))
                prior = end
                break
            found = text.find(sentence, end)
    return spans


def sentence_spans(text: str, start: int, end: int) -> list[Span]:
    """Spans of the sentences of ``text[start:end]``, without outer whitespace.

    A piece with no letter or digit is no sentence: pysbd cuts Markdown's
    ``## **Turkish support?**`` after the question mark, leaving ``**`` alone,
    which a card then showed as a passage's best sentence. Such a piece joins
    the sentence before it (or, first in the text, the one after).
    """
    spans: list[Span] = []
    piece = text[start:end]
    for left, right in _pysbd_spans(piece) if piece else ():
        while left < right and piece[left].isspace():
            left += 1
        while right > left and piece[right - 1].isspace():
            right -= 1
        if right > left:
            spans.append((start + left, start + right))
    return _markup_joined(text, spans) or [(start, end)]


def _markup_joined(text: str, spans: list[Span]) -> list[Span]:
    """``spans`` with each piece of markup or punctuation alone joined to a neighbour."""
    joined: list[Span] = []
    pending: Span | None = None  # markup before the first real sentence
    for span in spans:
        if not _says_something(text[span[0] : span[1]]):
            if joined:
                joined[-1] = (joined[-1][0], span[1])
            else:
                pending = (pending or span)[0], span[1]
            continue
        if pending is not None:
            span, pending = (pending[0], span[1]), None
        joined.append(span)
    if pending is not None:  # nothing but markup: one piece, as it is
        joined.append(pending)
    return joined


def _says_something(text: str) -> bool:
    return any(character.isalnum() for character in text)


def word_count(text: str) -> int:
    return len(text.split())


def chunk_article(article: Article, *, min_words: int = 40, max_words: int = 150) -> list[Chunk]:
    """Cut one article into passages (``passage_spans``, made into ``Chunk`` objects)."""
    groups = passage_spans(article.text, min_words=min_words, max_words=max_words)
    return chunks_of(article, groups)


def passage_spans(text: str, *, min_words: int = 40, max_words: int = 150) -> list[list[Span]]:
    """Each passage of a text as the spans of its sentences, in reading order.

    Args:
        text: the article's text.
        min_words: a passage shorter than this is merged with a neighbour when
            the result stays under about 1.25 x ``max_words``.
        max_words: a passage grows paragraph by paragraph up to this size; a
            longer paragraph is split between sentences.
    """
    # Units are whole paragraphs, or runs of sentences of an overlong one.
    units: list[list[Span]] = []
    for start, end in paragraph_spans(text):
        sentences = sentence_spans(text, start, end)
        if word_count(text[start:end]) <= max_words:
            units.append(sentences)
        else:
            units.extend(_pack(text, [[span] for span in sentences], max_words))
    return _merge_short(text, _pack(text, units, max_words), min_words, max_words)


def chunks_of(article: Article, groups: list[list[Span]]) -> list[Chunk]:
    """The passages of an article from their sentences' spans (``passage_spans``)."""
    chunks = []
    for position, sentences in enumerate(groups):
        start, end = sentences[0][0], sentences[-1][1]
        chunks.append(
            Chunk(
                id=f"{article.id}#{position}",
                article_id=article.id,
                position=position,
                start=start,
                end=end,
                text=article.text[start:end],
                sentences=tuple(tuple(span) for span in sentences),
            )
        )
    return chunks


def _words(text: str, group: list[Span]) -> int:
    return word_count(text[group[0][0] : group[-1][1]])


def _pack(text: str, units: list[list[Span]], max_words: int) -> list[list[Span]]:
    """Greedily join consecutive units while the result stays within max_words."""
    groups: list[list[Span]] = []
    for unit in units:
        if groups and _words(text, groups[-1] + unit) <= max_words:
            groups[-1] = groups[-1] + unit
        else:
            groups.append(list(unit))
    return groups


def _merge_short(
    text: str, groups: list[list[Span]], min_words: int, max_words: int
) -> list[list[Span]]:
    """Merge each too-short group into its smaller neighbour when that fits."""
    limit = int(max_words * 1.25)
    merged = list(groups)
    index = 0
    while index < len(merged):
        group = merged[index]
        if len(merged) > 1 and _words(text, group) < min_words:
            neighbours = [n for n in (index - 1, index + 1) if 0 <= n < len(merged)]
            best = min(neighbours, key=lambda n: _words(text, merged[n]))
            first, second = sorted((index, best))
            joined = merged[first] + merged[second]
            if _words(text, joined) <= limit:
                merged[first : second + 1] = [joined]
                index = first
                continue
        index += 1
    return merged

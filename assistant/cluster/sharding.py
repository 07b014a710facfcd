"""Which shard holds an article: a stable hash of its id, the same on every machine.

Python's ``hash`` is salted per process, so the shard comes from BLAKE2b of the
id's UTF-8 bytes. An article keeps its shard across builds and updates, so an
update touches only the shards whose articles changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from ..corpus.article import Article

DEFAULT_SHARDS = 4
SHARD_FOLDER = "shard-{:03d}"


def shard_of(article_id: str, shards: int) -> int:
    """The shard, ``0 .. shards - 1``, that holds an article."""
    if shards < 1:
        raise ValueError(f"a sharded index needs at least 1 shard, got {shards}")
    digest = hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def split_articles(articles: Sequence[Article], shards: int) -> list[list[Article]]:
    """Each shard's articles, in corpus order."""
    groups: list[list[Article]] = [[] for _ in range(shards)]
    for article in articles:
        groups[shard_of(article.id, shards)].append(article)
    return groups


def corpus_rows(articles: Sequence[str], owners: Sequence[Sequence[str]]) -> np.ndarray:
    """Where each passage of the corpus lies, as (shard position, shard row), in corpus order.

    ``articles`` are the corpus's article ids in order; ``owners[n]`` names the
    article of each of shard n's rows. A shard holds its articles in corpus
    order, each article's passages together, so the corpus's rows are each
    article's rows taken from its shard in turn.
    """
    spans: dict[str, tuple[int, int, int]] = {}
    for n, row_articles in enumerate(owners):
        for row, article_id in enumerate(row_articles):
            shard, first, count = spans.get(article_id, (n, row, 0))
            spans[article_id] = (shard, first, count + 1)
    where = [
        (shard, first + offset)
        for article_id in articles
        if article_id in spans
        for shard, first, count in [spans[article_id]]
        for offset in range(count)
    ]
    return np.array(where, dtype=np.int64).reshape(-1, 2)

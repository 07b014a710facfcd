"""Cutting articles into passages on the cluster with Ray Data, for large builds.

pysbd's sentence rules cost about 4.5 ms a passage on one core here
(docs/performance.md): 10M passages would keep a build's driver busy for half a
day on one core while the encoders across the cluster wait. Ray Data maps the
articles' texts over every node's CPUs instead. Each task runs the same
``corpus.chunking.passage_spans`` and sends back spans only (as JSON); the driver
makes the ``Chunk`` objects from its own texts, so the passages are exactly
those this process would cut.

A build with less than ``CLUSTER_FROM`` characters of text to cut cuts it here:
starting the job and its workers (each imports pysbd) costs about 5 s, more than
cutting 2,000 SQuAD paragraphs. Measured on two one-CPU nodes (docs/scaling.md):
800 paragraphs 6.3 s on Ray against 3.3 s here; 2,067 paragraphs (1.6M
characters) 11.8 s cold, 6.6 s warm, against 9.0-9.3 s; 400 articles of 15
paragraphs (4.6M characters) 13.7-14.1 s against 23.3-25.4 s.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np

from ..config import Settings
from ..corpus.article import Article
from ..corpus.chunking import Chunk, chunk_article, chunks_of, passage_spans
from ..errors import AssistantError

# Below this many characters of text to cut, a build cuts it in its own process.
CLUSTER_FROM = 3_000_000
# Articles per batch of one Ray Data task.
ROWS_PER_BATCH = 64

CutAll = Callable[[list[Article]], dict[str, list[Chunk]]]


def _cut_batch(batch: dict[str, np.ndarray], min_words: int, max_words: int) -> dict:
    """A Ray Data task: the passages' sentence spans of each ``text``, as JSON."""
    spans = [
        json.dumps(passage_spans(str(text), min_words=min_words, max_words=max_words))
        for text in batch["text"]
    ]
    return {"position": batch["position"], "spans": np.array(spans, dtype=object)}


def ray_cutter(settings: Settings, *, cluster_from: int = CLUSTER_FROM) -> CutAll:
    """A ``cut(articles) -> {article id: passages}`` that cuts on the cluster.

    Args:
        settings: the passages' ``min_words`` and ``max_words``.
        cluster_from: the least text, in characters, worth a Ray Data job (0: always one).
    """
    sizes = {"min_words": settings.min_words, "max_words": settings.max_words}

    def cut(articles: list[Article]) -> dict[str, list[Chunk]]:
        if not articles or sum(len(article.text) for article in articles) < cluster_from:
            return {article.id: chunk_article(article, **sizes) for article in articles}
        import ray

        rows = [{"position": n, "text": article.text} for n, article in enumerate(articles)]
        cpus = int(ray.cluster_resources().get("CPU", 1))
        dataset = ray.data.from_items(
            rows, override_num_blocks=max(1, min(len(rows) // ROWS_PER_BATCH, 4 * cpus))
        )
        spans = dataset.map_batches(
            _cut_batch, fn_kwargs=sizes, batch_size=ROWS_PER_BATCH, batch_format="numpy"
        )
        passages: dict[str, list[Chunk]] = {}
        for batch in spans.iter_batches(batch_format="numpy", batch_size=None):
            for position, groups in zip(batch["position"], batch["spans"], strict=True):
                article = articles[int(position)]
                passages[article.id] = chunks_of(article, json.loads(groups))
        if len(passages) != len(articles):
            raise AssistantError(
                f"the cluster cut {len(passages)} of {len(articles)} articles: build again"
            )
        return passages

    return cut

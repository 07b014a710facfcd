"""Embedding on the cluster with Ray Data: ``map_batches`` over a pool of encoder actors.

The driver converts the model once (the ONNX graph of ``encoding.artefacts``)
and ships the file through Ray's object store; each encoder actor writes it to
its own cache folder, where the embedder finds it checked and ready, so no
node converts the model again. Rows carry their position, and the vectors are
put back in that order whatever order the batches finish in. With sentences
pooled from their passages (``Settings.sentence_vectors="pooled"``), a row is a
passage and its sentences' spans (as JSON), and comes back with its vector and
its sentences' vectors (raw float32 bytes, a row each).

On a two-core machine an actor pool that takes every CPU leaves none for Ray
Data's own tasks and stalls; actors ask for ``ENCODER_CPUS`` each, and the
pool is no larger than the CPUs the cluster has.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..config import Settings
from ..encoding.embedder import Embedder
from ..errors import AssistantError

# A share of a CPU per encoder actor, so that Ray Data's read tasks still get scheduled.
ENCODER_CPUS = 0.5
# Texts per batch handed to one actor (it embeds them in model batches of Settings.batch_size).
ROWS_PER_BATCH = 256


class _Encoder:
    """A Ray Data actor: embeds the ``text`` column of its batches."""

    def __init__(self, model: str, encoder: str, artefacts, batch_size: int) -> None:
        import ray

        # Ray Data hands constructor arguments over as they were given: the files'
        # object reference, fetched here once per actor from the object store.
        if isinstance(artefacts, ray.ObjectRef):
            artefacts = ray.get(artefacts)
        folder = tempfile.mkdtemp(prefix="assistant-encoder-")
        try:
            for name, data in artefacts.items():
                (Path(folder) / name).write_bytes(data)
            self.embedder = Embedder(model, encoder=encoder, cache_dir=folder)
            # Loaded now, the model lives in the session: the files (22 MB an actor) go at
            # once, since Ray ends these actors without running any finaliser.
            self.embedder.backend  # noqa: B018
        finally:
            shutil.rmtree(folder)
        self.batch_size = batch_size

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        texts = list(batch["text"])
        if "spans" not in batch:
            vectors = self.embedder.encode_documents(texts, batch_size=self.batch_size)
            return {"position": batch["position"], "vector": vectors}
        spans = [json.loads(text_spans) for text_spans in batch["spans"]]
        vectors, sentences = self.embedder.encode_passages(texts, spans, batch_size=self.batch_size)
        ends = np.cumsum([len(text_spans) for text_spans in spans])
        pieces = np.split(sentences, ends[:-1])
        return {
            "position": batch["position"],
            "vector": vectors,
            "sentences": np.array([piece.tobytes() for piece in pieces], dtype=object),
        }


def shipped_artefacts(embedder: Embedder) -> dict[str, bytes]:
    """The converted model files an encoder actor needs, by file name ({} for torch)."""
    if not embedder.encoder.startswith("onnx"):
        return {}
    from ..encoding.artefacts import default_cache_dir, onnx_artefact

    graph = onnx_artefact(
        embedder.path,
        embedder.model_fingerprint,
        quantized=embedder.encoder == "onnx-int8",
        cache_dir=embedder.cache_dir,
    )
    folder = embedder.cache_dir or default_cache_dir()
    record = Path(folder) / f"{graph.stem}.json"
    return {graph.name: graph.read_bytes(), record.name: record.read_bytes()}


def ray_encoder(embedder: Embedder, settings: Settings, *, workers: int | None = None):
    """An ``encode(texts, spans=None) -> vectors`` that embeds on the cluster with Ray Data.

    As ``store.build.Encode`` says: one vector per text, or with ``spans`` the
    passages' vectors followed by their sentences' pooled vectors.

    Args:
        embedder: the driver's embedder: its model is converted here, once.
        settings: the model batch size.
        workers: encoder actors (default: as many as the cluster's CPUs allow).
    """
    import ray

    artefacts = ray.put(shipped_artefacts(embedder))

    def encode(texts: list[str], spans=None) -> np.ndarray:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        size = workers or max(1, int(cpus / ENCODER_CPUS) - 1)
        rows = [{"position": n, "text": text} for n, text in enumerate(texts)]
        if spans is not None:
            for row, text_spans in zip(rows, spans, strict=True):
                row["spans"] = json.dumps([list(span) for span in text_spans])
        dataset = ray.data.from_items(
            rows, override_num_blocks=max(1, min(len(rows) // ROWS_PER_BATCH, 4 * size))
        )
        embedded = dataset.map_batches(
            _Encoder,
            fn_constructor_args=(embedder.name, embedder.encoder, artefacts, settings.batch_size),
            batch_size=ROWS_PER_BATCH,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=size),
            num_cpus=ENCODER_CPUS,
        )
        dimension = embedder.dimension
        out = np.zeros((len(texts), dimension), dtype=np.float32)
        counts = [len(text_spans) for text_spans in spans or ()]
        # Where each passage's first sentence goes among all the sentences.
        firsts = np.concatenate([[0], np.cumsum(counts)]).astype(int)
        pooled = np.zeros((int(firsts[-1]), dimension), dtype=np.float32)
        for batch in embedded.iter_batches(batch_format="numpy", batch_size=None):
            out[batch["position"]] = np.stack(batch["vector"])
            if spans is None:
                continue
            for position, data in zip(batch["position"], batch["sentences"], strict=True):
                rows = np.frombuffer(data, dtype=np.float32).reshape(-1, dimension)
                if len(rows) != counts[position]:
                    raise AssistantError(
                        f"an encoder returned {len(rows)} sentence vectors for passage "
                        f"{position}'s {counts[position]} sentences"
                    )
                pooled[firsts[position] : firsts[position] + len(rows)] = rows
        return out if spans is None else np.concatenate([out, pooled])

    return encode

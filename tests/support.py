"""What the tests share besides fixtures: paths, the six-headline corpus, a fake embedder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
QUESTIONS = Path(__file__).parent / "data" / "questions.jsonl"
BLIND_QUESTIONS = Path(__file__).parent / "data" / "questions_blind2.jsonl"

HEADLINES = {
    "drones": "Drones changed the war\n\nAzerbaijan used drones bought from Israel and Turkey.",
    "truce": "A truce is agreed\n\nRussia brokered a ceasefire on November 10 after six weeks.",
    "losses": "Losses disclosed\n\nThe ministry said 2,783 soldiers died and 1,245 were wounded.",
    "shusha": "Shusha recaptured\n\nAzerbaijani forces took the city of Shusha on November 8.",
    "mines": "Mines remain\n\nPeacekeepers have cleared almost 1,500 hectares of mined land.",
    "church": "Cathedral hit\n\nRocket artillery hit the roof of the Holy Savior Cathedral.",
}


class FakeEmbedder:
    """Deterministic stand-in for the model, for pure unit tests only.

    Each word is hashed into one of the dimensions, so texts that share
    words get similar vectors (as in llm's EmbedDemo).
    """

    name = "fake"
    fingerprint = "fake-embedder-1"
    dimension = 16
    max_tokens = 64

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        for word in text.lower().split():
            vector[int(hashlib.md5(word.strip(".,?!").encode()).hexdigest(), 16) % 16] += 1
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector

    def encode_documents(self, texts, *, batch_size: int = 32, progress: bool = False):
        return np.array([self._vector(text) for text in texts], dtype=np.float32).reshape(
            len(texts), self.dimension
        )

    def encode_queries(self, texts):
        return self.encode_documents(texts)

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 2

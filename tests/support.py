"""What the tests share besides fixtures: paths, the six-headline corpus, a fake embedder."""

from __future__ import annotations

import atexit
import functools
import hashlib
import importlib.util
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest

from assistant.corpus.chunking import paragraph_spans
from assistant.evaluation.datasets import SQUAD_DIR, SQUAD_V1, SQUAD_V2_HALF

REPO = Path(__file__).resolve().parents[1]
# The seed articles the tests are written against. The repository's corpus/ is also where
# the chat's "Add articles" and `python -m assistant add` put a user's files, so the tests
# read a copy of these five only: what a user added can neither break nor change them.
SEED_ARTICLES = (
    "000_a3a1afb14bddd822.md",
    "001_db8732b8883e5fa4.md",
    "002_21e136c97901ca85.md",
    "003_42076aacbf9b2f73.md",
    "004_27c0f59227408853.md",
)


def load_script(name: str):
    """A script of ``scripts/`` as a module (they are commands, not a package).

    Registered in ``sys.modules`` before it runs: dataclasses look their module up there.
    """
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def copy_seed_articles(source: Path, folder: Path) -> Path:
    """Copy the seed articles of ``source`` (and nothing else there) into a new ``folder``."""
    folder.mkdir(parents=True)
    for name in SEED_ARTICLES:
        shutil.copy2(source / name, folder / name)
    return folder


@functools.cache
def _session_corpus() -> Path:
    """A copy of the seed articles for this test process, removed when it exits."""
    root = Path(tempfile.mkdtemp(prefix="seed-corpus-"))
    atexit.register(shutil.rmtree, root, True)
    return copy_seed_articles(REPO / "corpus", root / "corpus")


def __getattr__(name: str) -> Path:
    # CORPUS is made on first use, so the helper processes some tests start (and kill)
    # by importing FakeEmbedder from here leave no copy behind.
    if name == "CORPUS":
        return _session_corpus()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


QUESTIONS = Path(__file__).parent / "data" / "questions.jsonl"
BLIND_QUESTIONS = Path(__file__).parent / "data" / "questions_blind2.jsonl"

# The SQuAD files are not part of the project (README "Benchmark data"): a test marked
# `squad` is skipped where they are missing, saying so, unless this variable is
# "required" (CI sets it in .ci/run), which makes their absence a failure.
BENCHMARK_DATA = "ASSISTANT_BENCHMARK_DATA"


def need_benchmark_data(environ: Mapping[str, str], folder: Path = SQUAD_DIR) -> None:
    """Skip the calling test where the SQuAD files are missing; fail instead where required."""
    missing = [name for name in (SQUAD_V1, SQUAD_V2_HALF) if not (folder / name).is_file()]
    if not missing:
        return
    reason = (
        f"SQuAD benchmark data missing: {', '.join(missing)} not in {folder} "
        '(README, "Benchmark data", says what goes there)'
    )
    if environ.get(BENCHMARK_DATA) == "required":
        pytest.fail(f"{reason}; {BENCHMARK_DATA}=required", pytrace=False)
    pytest.skip(reason)


HEADLINES = {
    "drones": "Drones changed the war\n\nAzerbaijan used drones bought from Israel and Turkey.",
    "truce": "A truce is agreed\n\nRussia brokered a ceasefire on November 10 after six weeks.",
    "losses": "Losses disclosed\n\nThe ministry said 2,783 soldiers died and 1,245 were wounded.",
    "shusha": "Shusha recaptured\n\nAzerbaijani forces took the city of Shusha on November 8.",
    "mines": "Mines remain\n\nPeacekeepers have cleared almost 1,500 hectares of mined land.",
    "church": "Cathedral hit\n\nRocket artillery hit the roof of the Holy Savior Cathedral.",
}


# A light edit of the seed story 002's first paragraphs (its losses): a few words, no figure.
LOSSES_LIGHT_EDITS = (
    ("Azerbaijani Defence Ministry finally discloses", "Azerbaijan's Defence Ministry discloses"),
    ("as a result of Armenian shelling", "caused by Armenian shelling"),
    ("where the hostilities began", "where the fighting began"),
)


def shortened_story(text: str, *edits: tuple[str, str]) -> str:
    """A wire story as an outlet trims it (issue 29): its first five paragraphs, the third
    skipped, then ``edits`` (old, new) made."""
    paragraphs = [text[start:end] for start, end in paragraph_spans(text)[:5]]
    short = "\n\n".join(paragraphs[:2] + paragraphs[3:])
    for old, new in edits:
        assert old in short, old
        short = short.replace(old, new)
    return short


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

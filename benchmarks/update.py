"""Update benchmark: add, change or remove one article of a 100k-passage corpus.

The corpus: articles of 15 SQuAD v1.1 dev paragraphs each (about 16
passages), drawn at random from its 2,067 paragraphs, written as Markdown
files to a temporary folder. Embedding 100k passages and their ~460k
sentences with the real model takes hours on a 2-core machine, so the index
is built with a stand-in embedder: a cheap, deterministic hash of each text
with the real model's dimension (384), so the index files have their real
sizes. The stand-in's encode time is measured and replaced by the real
model's encode time for the same texts to project the real update time.

Timed, in this process: a full build (stand-in; the floor the update is
compared with), then three updates (add, change, remove one article), then
the real model encoding the changed article's texts. A plain copy of the
index files, synced, is printed as a second floor: any new version writes
that much. ``--check`` then builds the final corpus in full and checks that
the update gave the same index (the stand-in embeds each text alone, so the
vectors must be identical, not merely close).

    python benchmarks/update.py            # 100,000 passages (~15 minutes on 2 cores)
    python benchmarks/update.py --quick    # 1,500 passages, with --check (CI smoke run)
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as `python benchmarks/update.py` from anywhere
    sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from assistant.config import Settings  # noqa: E402
from assistant.corpus.loading import load_corpus  # noqa: E402
from assistant.evaluation.datasets import SQUAD_V1, squad_path  # noqa: E402
from assistant.store import build as indexing  # noqa: E402
from assistant.store import terms  # noqa: E402
from assistant.store import update as updating  # noqa: E402
from assistant.store.build import build_index, describe_update  # noqa: E402
from assistant.store.storage import load_index  # noqa: E402

PARAGRAPHS_PER_ARTICLE = 15
PASSAGES_PER_ARTICLE = 16.2  # measured: 15 SQuAD paragraphs cut into passages
CHANGED = "000001"  # the article the benchmark changes
QUERIES = ["When did the war end?", "Which team won the Super Bowl?", "What is a prime number?"]


class StandInEmbedder:
    """A cheap deterministic embedder with the model's interface: benchmarks only.

    Each text's vector comes from a hash of its bytes, so equal texts get
    equal vectors whatever the batch, and the cost is microseconds a text.
    """

    name = "stand-in"
    fingerprint = "benchmark-stand-in-1"
    dimension = 384
    max_tokens = 256

    def __init__(self) -> None:
        self.texts = 0
        self.seconds = 0.0
        self._signs = np.random.default_rng(0).choice([-1.0, 1.0], self.dimension)

    def encode_documents(self, texts, *, batch_size: int = 32, progress: bool = False):
        started = time.perf_counter()
        digests = b"".join(hashlib.blake2b(t.encode(), digest_size=64).digest() for t in texts)
        raw = np.frombuffer(digests, dtype=np.uint8).reshape(len(texts), 64)
        vectors = np.tile(raw.astype(np.float32) - 127.5, 6) * self._signs
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        self.texts += len(texts)
        self.seconds += time.perf_counter() - started
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_queries(self, texts):
        return self.encode_documents(texts)

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 2


def squad_paragraphs() -> list[str]:
    with gzip.open(squad_path(SQUAD_V1), "rt", encoding="utf-8") as handle:
        data = json.load(handle)["data"]
    return [p["context"].strip() for entry in data for p in entry["paragraphs"]]


def article_file(number: int, paragraphs: list[str]) -> str:
    front = {"title": f"Article {number}", "outlet": "Wikipedia", "published": "2024-01-01"}
    return f"---\n{json.dumps(front)}\n---\n\n" + "\n\n".join(paragraphs) + "\n"


def write_corpus(folder: Path, passages: int, rng: random.Random, paragraphs: list[str]) -> int:
    folder.mkdir(parents=True)
    articles = max(3, round(passages / PASSAGES_PER_ARTICLE))
    for number in range(articles):
        text = article_file(number, rng.sample(paragraphs, PARAGRAPHS_PER_ARTICLE))
        (folder / f"{number:06d}.md").write_text(text, encoding="utf-8")
    return articles


def copy_synced(source: Path, target: Path) -> None:
    """Copy a folder and fsync every file: what writing a version costs at the least."""
    shutil.copytree(source, target)
    for path in target.rglob("*"):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


class Phases:
    """Seconds spent in the build's main steps, by wrapping them where they are called."""

    STEPS = (
        (updating, "load_previous", "read previous"),
        (updating, "chunk_article", "chunk"),
        (terms, "tokenize", "tokenize"),
        (terms.PassageTerms, "lexical_index", "bm25"),
        (indexing, "save_index", "write"),
    )

    def __init__(self) -> None:
        self.seconds = {label: 0.0 for _, _, label in self.STEPS}
        for owner, name, label in self.STEPS:
            setattr(owner, name, self._wrap(label, getattr(owner, name)))

    def _wrap(self, label, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - started

        return wrapper

    def take(self) -> str:
        shown = ", ".join(f"{label} {s:.2f}" for label, s in self.seconds.items() if s)
        self.seconds = dict.fromkeys(self.seconds, 0.0)
        return shown


@dataclass(frozen=True, slots=True)
class Step:
    """One timed build: its seconds, and what it read, embedded and spent where."""

    label: str
    seconds: float
    read_seconds: float  # load_corpus, before the build
    texts: int  # texts the stand-in embedded
    encode_seconds: float  # of which spent in the stand-in
    phases: str


def build(label: str, corpus_dir: Path, index_dir: Path, embedder, phases: Phases) -> Step:
    """Build the corpus as it now is (an update when an index exists), timed."""
    texts, encode = embedder.texts, embedder.seconds
    read_seconds, corpus = timed(load_corpus, corpus_dir)
    seconds, _ = timed(build_index, corpus, index_dir, Settings(), embedder)
    update = load_index(index_dir).manifest["update"]
    print(f"  {label}: {describe_update(update)}", flush=True)
    return Step(
        label,
        seconds,
        read_seconds,
        embedder.texts - texts,
        embedder.seconds - encode,
        phases.take(),
    )


def real_encode(index_dir: Path, article_id: str) -> tuple[float, float, int]:
    """The real model on one article's texts: first-call seconds, encode seconds, texts."""
    from assistant.encoding.embedder import Embedder

    stored = load_index(index_dir)
    text = {a.id: a.text for a in stored.articles}[article_id]
    chunks = [c for c in stored.chunks if c.article_id == article_id]
    batch = [c.text for c in chunks] + [text[s:e] for c in chunks for s, e in c.sentences]
    settings = Settings()
    embedder = Embedder(settings.model, encoder=settings.encoder)
    # Loading the model and a first small batch: paid once per process.
    first, _ = timed(embedder.encode_documents, batch[:4])
    seconds, _ = timed(embedder.encode_documents, batch, batch_size=settings.batch_size)
    return first, seconds, len(batch)


def check_equal(update_dir: Path, full_dir: Path) -> str:
    """The updated index against a full build of the same corpus."""
    a, b = load_index(update_dir), load_index(full_dir)
    assert a.articles == b.articles and a.chunks == b.chunks, "passages differ"
    # The stand-in embeds each text alone, so equal means bit for bit.
    assert np.array_equal(a.passage_vectors, b.passage_vectors), "passage vectors differ"
    assert np.array_equal(a.sentence_vectors, b.sentence_vectors), "sentence vectors differ"
    assert a.manifest["counts"] == b.manifest["counts"], "counts differ"
    for x, y in zip(a.lexical.search(QUERIES, 20), b.lexical.search(QUERIES, 20), strict=True):
        assert np.array_equal(x, y), "BM25 results differ"
    return (
        "check: the updated index equals a full build of the same corpus (passages, vectors, BM25)"
    )


def report(steps: list[Step], copy: float, size: int, counts: dict, real) -> None:
    full = steps[0]
    print(
        f"\n{counts['articles']:,} articles, {counts['passages']:,} passages, "
        f"{counts['sentences']:,} sentences; one index version: {size / 2**20:,.0f} MiB; "
        f"{os.cpu_count()} cores; stand-in embedder, not the model"
    )
    print(f"{'build':<20} {'seconds':>8} {'x full':>7} {'x copy':>7} {'embedded':>9}  in seconds")
    for step in steps:
        print(
            f"{step.label:<20} {step.seconds:>8.2f} {step.seconds / full.seconds:>7.3f} "
            f"{step.seconds / copy:>7.2f} {step.texts:>9,}  stand-in encode "
            f"{step.encode_seconds:.2f}, {step.phases}; then corpus read {step.read_seconds:.2f}"
        )
    print(f"{'copy+fsync (floor)':<20} {copy:>8.2f} {copy / full.seconds:>7.3f} {1:>7.2f}")
    if real is None:
        return
    first, encode, texts = real
    change = next(step for step in steps if step.label == "change one article")
    projected = change.seconds - change.encode_seconds + encode
    print(
        f"\nreal model ({Settings().model}, {Settings().encoder} encoder): the changed "
        f"article's {texts} texts encoded in {encode:.2f} s "
        f"({texts / encode:.0f} texts/s; loading it and a first batch: {first:.2f} s more)"
    )
    print(
        f"projected real update: {projected:.2f} s = {change.seconds:.2f} update "
        f"- {change.encode_seconds:.3f} stand-in encode + {encode:.2f} real encode"
    )
    real_full = full.seconds - full.encode_seconds + full.texts * encode / texts
    print(
        f"projected real full build: {real_full:,.0f} s ({real_full / 3600:.1f} h); "
        f"real update / real full build: {projected / real_full:.5f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000, help="corpus size (%(default)s)")
    parser.add_argument("--quick", action="store_true", help="1,500 passages, with --check")
    parser.add_argument("--check", action="store_true", help="compare with a full build")
    parser.add_argument("--no-real-model", action="store_true", help="skip the real encode")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    paragraphs = squad_paragraphs()
    root = Path(tempfile.mkdtemp(prefix="update-bench-"))
    try:
        corpus_dir, index_dir = root / "corpus", root / "index"
        passages = 1_500 if args.quick else args.passages
        articles = write_corpus(corpus_dir, passages, rng, paragraphs)
        print(f"corpus: {articles:,} articles in {corpus_dir}; stand-in embedder, not the model")
        embedder, phases = StandInEmbedder(), Phases()
        steps = [build("full build", corpus_dir, index_dir, embedder, phases)]
        folder = load_index(index_dir).folder
        size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
        counts = load_index(index_dir).manifest["counts"]
        copy, _ = timed(copy_synced, folder, root / "copy")
        shutil.rmtree(root / "copy")

        added = corpus_dir / "zz_added.md"
        added.write_text(article_file(articles, rng.sample(paragraphs, 15)), encoding="utf-8")
        steps.append(build("add one article", corpus_dir, index_dir, embedder, phases))
        changed = corpus_dir / f"{CHANGED}.md"
        changed.write_text(changed.read_text() + "\nA correction was added to this article.\n")
        steps.append(build("change one article", corpus_dir, index_dir, embedder, phases))
        real = None if args.no_real_model else real_encode(index_dir, CHANGED)
        added.unlink()
        steps.append(build("remove one article", corpus_dir, index_dir, embedder, phases))
        verdict = ""
        if args.check or args.quick:
            build_index(load_corpus(corpus_dir), root / "full", Settings(), embedder, full=True)
            verdict = check_equal(index_dir, root / "full")
        report(steps, copy, size, counts, real)
        print(verdict)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"command: python benchmarks/update.py {' '.join(sys.argv[1:] if argv is None else argv)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

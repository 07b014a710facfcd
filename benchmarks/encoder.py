"""Encoders compared: encode speed against torch fp32, and SQuAD recall of the hybrid pipeline.

Usage::

    python benchmarks/encoder.py                  # the documented figures (about 30 minutes)
    python benchmarks/encoder.py --quick          # a smoke run: torch and the default encoder
    python benchmarks/encoder.py --encoders torch,onnx-int8

For each encoder (``assistant/encoding/runtimes.py``), in one process:

- passages/s: SQuAD v1.1 dev paragraphs embedded in batches of 32, as a build
  embeds them; the best of ``--rounds`` rounds, the encoders taking turns in
  each round, so that the load of a shared machine falls on all of them alike.
- query ms: the median time to embed one question alone, as ``ask`` does.
- the ratio of each to the torch fp32 figure of the same run (higher is faster).
- start s: a fresh process's seconds to its first query vector (imports, model,
  the cached graph's check), as a one-shot ``python -m assistant ask`` pays it.
- R@1, R@5, MRR@10 of the hybrid pipeline over SQuAD v1.1 dev (every answerable
  question; its 2,067 paragraphs are the corpus), each encoder building its
  own index; ``dR@5`` is the change from torch in points.

An encoder qualifies to replace torch when its passages/s are at least twice
torch's and its R@5 is at most one point lower. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as `python benchmarks/encoder.py` from anywhere
    sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.config import DEFAULT_ENCODER, ENCODERS, Settings  # noqa: E402
from assistant.corpus.loading import Corpus  # noqa: E402
from assistant.encoding.embedder import Embedder  # noqa: E402
from assistant.evaluation.datasets import load_squad_corpus, load_squad_questions  # noqa: E402

QUICK_TITLE = "Normans"
QUICK_PARAGRAPHS = 12  # and their 28 questions
MIN_SPEEDUP = 2.0
MAX_RECALL_LOSS = 0.01


@dataclass(frozen=True, slots=True)
class Row:
    """One encoder's figures; the ratios are against torch fp32 in the same run."""

    encoder: str
    passages_per_s: float
    query_ms: float
    passage_ratio: float
    query_ratio: float
    start_s: float
    cosine_to_torch: float
    recall_1: float
    recall_5: float
    mrr: float
    recall_5_change: float
    build_s: float
    ask_ms: float

    @property
    def qualifies(self) -> bool:
        return self.passage_ratio >= MIN_SPEEDUP and self.recall_5_change >= -MAX_RECALL_LOSS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small slice, for CI")
    parser.add_argument(
        "--encoders",
        help="comma-separated (default: all; with --quick, the default encoder beside torch)",
    )
    parser.add_argument("--rounds", type=int, help="speed rounds (default 3, quick 1)")
    parser.add_argument("--index-dir", type=Path, help="keep the indexes here (default: temp)")
    parser.add_argument("--cache-dir", type=Path, help="where ONNX encoders keep their graph")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--speed-of", help=argparse.SUPPRESS)  # one round, in a child process
    args = parser.parse_args(argv)
    chosen = args.encoders or (DEFAULT_ENCODER if args.quick else ",".join(ENCODERS))
    kinds = ["torch"] + [k for k in chosen.split(",") if k.strip() and k != "torch"]
    for kind in kinds:
        if kind not in ENCODERS:
            parser.error(f"unknown encoder {kind!r}: use some of {', '.join(ENCODERS)}")
    corpus, questions, paragraphs, queries = _workload(args.quick)
    if args.speed_of:
        embedder = Embedder(encoder=args.speed_of, cache_dir=args.cache_dir)
        print(json.dumps(_speed(embedder, paragraphs, queries)))
        return 0

    started = time.perf_counter()
    embedders = {kind: Embedder(encoder=kind, cache_dir=args.cache_dir) for kind in kinds}
    cosines = _cosines(embedders, paragraphs + queries)  # also converts the model once
    speeds = _speeds(kinds, args, args.rounds or (1 if args.quick else 3))
    with tempfile.TemporaryDirectory(prefix="encoder-bench-") as scratch:
        root = args.index_dir or Path(scratch)
        quality = {
            kind: _quality(embedder, corpus, questions, root / f"squad-{kind}")
            for kind, embedder in embedders.items()
        }
    rows = _rows(kinds, speeds, cosines, quality)
    if args.json:
        print(json.dumps([{**asdict(r), "qualifies": r.qualifies} for r in rows], indent=2))
    else:
        _print_table(rows, len(paragraphs), len(queries), len(questions), args.quick)
        print(f"\n({time.perf_counter() - started:.0f} s in all)")
    return 0


def _workload(quick: bool) -> tuple[Corpus, list, list[str], list[str]]:
    """The corpus and questions for recall, and the texts timed: all of SQuAD dev, or a slice."""
    corpus = load_squad_corpus()
    questions = load_squad_questions()
    if quick:
        articles = [a for a in corpus.articles if a.id.split("#")[0] == QUICK_TITLE][
            :QUICK_PARAGRAPHS
        ]
        corpus = Corpus(tuple(articles), (), f"{corpus.fingerprint}-quick-{len(articles)}")
        ids = {article.id for article in articles}
        questions = [q for q in questions if q.articles[0] in ids]
    paragraphs = [article.text for article in corpus.articles][: 16 if quick else 256]
    queries = [q.question for q in questions][: 10 if quick else 200]
    return corpus, questions, paragraphs, queries


def _speed(embedder: Embedder, paragraphs: list[str], queries: list[str]) -> dict[str, float]:
    """Seconds to the first vector in a fresh process, passages/s, median ms per query."""
    began = time.perf_counter()
    embedder.encode_queries(queries[:1])  # imports, loads, checks the cached graph
    start_s = time.perf_counter() - began
    embedder.encode_documents(paragraphs[:4])  # warm up
    embedder.encode_queries(queries[:2])
    began = time.perf_counter()
    embedder.encode_documents(paragraphs, batch_size=32)
    rate = len(paragraphs) / (time.perf_counter() - began)
    timings = []
    for query in queries:
        began = time.perf_counter()
        embedder.encode_queries([query])
        timings.append((time.perf_counter() - began) * 1000)
    return {"rate": rate, "ms": statistics.median(timings), "start_s": start_s}


def _speeds(kinds: list[str], args: argparse.Namespace, rounds: int) -> dict[str, tuple]:
    """Best passages/s, median query ms and start seconds of each encoder over the rounds.

    Each measurement runs in a process of its own: two runtimes in one process
    keep threads that compete for the same two cores. The encoders take turns
    within each round, so a busy moment of the machine falls on all of them.
    """
    best = {kind: (0.0, float("inf"), float("inf")) for kind in kinds}
    for _ in range(rounds):
        for kind in kinds:
            command = [sys.executable, __file__, "--speed-of", kind]
            command += ["--quick"] if args.quick else []
            command += ["--cache-dir", str(args.cache_dir)] if args.cache_dir else []
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"timing {kind} failed:\n{done.stderr}")
            measured = json.loads(done.stdout.strip().splitlines()[-1])
            rate, ms, start_s = best[kind]
            best[kind] = (
                max(rate, measured["rate"]),
                min(ms, measured["ms"]),
                min(start_s, measured["start_s"]),
            )
    return best


def _cosines(embedders: dict[str, Embedder], texts: list[str]) -> dict[str, float]:
    """Mean cosine of each encoder's vectors to torch fp32's, over the same texts."""
    reference = embedders["torch"].encode_documents(texts)
    return {
        kind: float((embedder.encode_documents(texts) * reference).sum(axis=1).mean())
        for kind, embedder in embedders.items()
    }


def _quality(embedder: Embedder, corpus: Corpus, questions, index_dir: Path) -> tuple:
    """(R@1, R@5, MRR@10, build seconds, ask ms) of the hybrid pipeline with this encoder."""
    from assistant.evaluation.runner import evaluate
    from assistant.pipeline import Assistant
    from assistant.store.build import build_index, stale_reason
    from assistant.store.storage import load_index

    kind = embedder.encoder
    settings = Settings(encoder=kind)
    build_s = float("nan")
    if stale_reason(index_dir, corpus, settings, embedder):
        print(f"building the {kind} index in {index_dir} ...", file=sys.stderr, flush=True)
        began = time.perf_counter()
        build_index(corpus, index_dir, settings, embedder, progress=False)
        build_s = time.perf_counter() - began
    bot = Assistant(load_index(index_dir), embedder, settings)
    report, _ = evaluate(bot, questions, dataset="squad")
    return report.recall[1], report.recall[5], report.mrr, build_s, report.latency_ms


def _rows(kinds, speeds, cosines, quality) -> list[Row]:
    floor_rate, floor_ms, _ = speeds["torch"]
    floor_recall = quality["torch"][1]
    rows = []
    for kind in kinds:
        rate, ms, start_s = speeds[kind]
        recall_1, recall_5, mrr, build_s, ask_ms = quality[kind]
        rows.append(
            Row(
                encoder=kind,
                passages_per_s=rate,
                query_ms=ms,
                passage_ratio=rate / floor_rate,
                query_ratio=floor_ms / ms,
                start_s=start_s,
                cosine_to_torch=cosines[kind],
                recall_1=recall_1,
                recall_5=recall_5,
                mrr=mrr,
                recall_5_change=recall_5 - floor_recall,
                build_s=build_s,
                ask_ms=ask_ms,
            )
        )
    return rows


def _print_table(rows, paragraphs: int, queries: int, questions: int, quick: bool) -> None:
    import torch

    scope = "SQuAD v1.1 dev, " + (
        f"{QUICK_PARAGRAPHS} {QUICK_TITLE} paragraphs" if quick else "all"
    )
    print(
        f"\nEncoders ({os.cpu_count()} cores, torch threads {torch.get_num_threads()}, ONNX "
        f"Runtime threads: one per core, "
        f"Python {platform.python_version()}; speed: {paragraphs} paragraphs in batches of "
        f"32 and {queries} single questions; quality: {scope}, {questions} questions, hybrid)"
    )
    print(
        "| encoder | passages/s | x torch | query ms | x torch | start s | cosine | R@1 | R@5 "
        "| dR@5 | MRR@10 | build s | ask ms | qualifies |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        qualifies = "(floor)" if r.encoder == "torch" else ("yes" if r.qualifies else "no")
        print(
            f"| {r.encoder} | {r.passages_per_s:.1f} | {r.passage_ratio:.2f} | "
            f"{r.query_ms:.2f} | {r.query_ratio:.2f} | {r.start_s:.1f} | {r.cosine_to_torch:.4f} | "
            f"{r.recall_1:.3f} | {r.recall_5:.3f} | {r.recall_5_change * 100:+.1f} | "
            f"{r.mrr:.3f} | {r.build_s:.0f} | {r.ask_ms:.1f} | {qualifies} |"
        )
    print(
        f"\nQualifies: passages/s at least {MIN_SPEEDUP:g}x torch's and R@5 at most "
        f"{MAX_RECALL_LOSS * 100:g} point below it."
    )


if __name__ == "__main__":
    raise SystemExit(main())

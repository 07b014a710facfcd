"""Reading a hostile file in a process of its own, killed at a deadline.

Some readers cannot be stopped from inside: pypdf extracting one page made of 200,000
text operators runs for half a minute and holds the interpreter while it does, so a
chat served by the same process slowed for everyone and the check could not be
cancelled. ``run_script`` runs such a reader as a script in a child interpreter
(``python -I``: no user site, no environment, not even the script's own folder on the
path, so it imports only the libraries it names) and kills it when its time is up.

The file goes to the child on standard input and its answer comes back as JSON on
standard output: nothing a reader made from a hostile file is unpickled here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from ..errors import CorpusError


def run_script(script: str, raw: bytes, args: list[str], *, seconds: float, what: str) -> Any:
    """The ``result`` a reader script writes for ``raw``; its ``error`` as a CorpusError.

    Args:
        script: the reader's file; it reads the file on standard input and writes
            ``{"result": ...}`` or ``{"error": reason}`` (``pdf_pages.py``).
        args: its command-line arguments.
        seconds: the most it may run, interpreter start included; it is killed then.
        what: the file's kind in messages ("the PDF").

    Raises:
        CorpusError: the reader refused the file, ran past ``seconds``, or failed.
    """
    command = [sys.executable, "-I", script, *args]
    try:
        # run() kills the child when the time is up, and waits for it.
        done = subprocess.run(command, input=raw, capture_output=True, timeout=seconds)
    except subprocess.TimeoutExpired as error:
        raise CorpusError(
            f"reading {what} took longer than {seconds:g} s, so it was stopped (a file made "
            "to be slow, or too big to read here): split it, or save its text as .txt"
        ) from error
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        answer = None
    if done.returncode != 0 or not isinstance(answer, dict):
        last = (done.stderr.decode("utf-8", "backslashreplace").strip().splitlines() or [""])[-1]
        raise CorpusError(
            f"reading {what} failed (its reader exited with code {done.returncode}"
            f"{': ' + last[:200] if last else ''}): the file may be damaged or too big"
        )
    if "error" in answer:
        raise CorpusError(str(answer["error"]))
    return answer["result"]

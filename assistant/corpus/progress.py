"""A progress bar for reading long files (an archive of thousands of rows), off unless asked.

The command line turns it on around ``add`` and ``build`` with :func:`shown`; a library
caller or the web app never sees one. tqdm draws it on stderr, only when stderr is a
terminal, and only for a read that takes over half a second, so small files and piped
output stay quiet.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any, Protocol

from ..terminal import printable

_SHOWN: ContextVar[bool] = ContextVar("assistant_corpus_progress", default=False)


class Bar(Protocol):
    """What a reader calls: ``update(n)`` as it gets n units further."""

    def update(self, n: float = 1) -> Any: ...


class _Silent:
    def update(self, n: float = 1) -> None:
        """Nothing to show."""


@contextlib.contextmanager
def shown(enabled: bool = True) -> Iterator[None]:
    """Show progress bars for the files read inside the block (when stderr is a terminal)."""
    token = _SHOWN.set(enabled)
    try:
        yield
    finally:
        _SHOWN.reset(token)


@contextlib.contextmanager
def bar(total: int, *, desc: str, unit: str = "B") -> Iterator[Bar]:
    """A bar of ``total`` units while the block runs; a silent one unless :func:`shown`."""
    if not _SHOWN.get():
        yield _Silent()
        return
    from tqdm import tqdm

    # disable=None: tqdm draws nothing when stderr is not a terminal (a pipe, a log file).
    with tqdm(
        total=total,
        desc=printable(desc),  # a file's name: no control character reaches the terminal
        unit=unit,
        unit_scale=True,
        file=sys.stderr,
        disable=None,
        leave=False,
        delay=0.5,
    ) as progress:
        yield progress

"""One thread at a time turns Python source into AST objects in the test process.

CPython 3.11 keeps the AST converter's recursion depth in one counter per
interpreter (python/cpython#106905). When two threads convert at once, one
can set the counter under the other, whose parse then fails with
"SystemError: AST constructor recursion depth mismatch": CI lost a whole run
to it. pytest parses every module it rewrites, on import, in whichever thread
imports it: the main thread collecting or importing ``hypothesis`` while a
server thread of a test app imports a plugin package (``anyio``) lazily.
Holding one lock around pytest's rewrite and ``ast.parse`` makes them take
turns; a thread already holding it may parse again (the lock is re-entrant).
"""

from __future__ import annotations

import ast
import functools
import threading

from _pytest.assertion import rewrite

_LOCK = threading.RLock()


def _serialised(function):
    if getattr(function, "__serialised__", False):
        return function

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with _LOCK:
            return function(*args, **kwargs)

    wrapper.__serialised__ = True
    return wrapper


def serialise_ast() -> None:
    """Put the lock around ``ast.parse`` and pytest's rewrite (idempotent)."""
    ast.parse = _serialised(ast.parse)
    rewrite._rewrite_test = _serialised(rewrite._rewrite_test)

"""The lock that keeps two threads from converting AST at once (tests/ast_lock.py)."""

from __future__ import annotations

import ast
import gc
import sys
import threading

from _pytest.assertion import rewrite

from tests import ast_lock


def test_the_lock_is_in_place_for_the_whole_run():
    # conftest.py put it there before any test module was imported.
    assert getattr(ast.parse, "__serialised__", False)
    assert getattr(rewrite._rewrite_test, "__serialised__", False)
    ast_lock.serialise_ast()  # idempotent: no second wrapper
    assert not getattr(ast.parse.__wrapped__, "__serialised__", False)


class _Cycle:
    """Garbage whose collection runs Python code: the GIL changes hands mid-conversion."""

    def __del__(self) -> None:
        sum(range(1000))


def test_parses_in_many_threads_under_gc_pressure_all_succeed():
    # Without the lock this recipe fails a few parses in a thousand with
    # "AST constructor recursion depth mismatch" on CPython 3.11.
    nested = "(" * 150 + "1" + ")" * 150
    source = f"x = {nested}\n" + "def f():\n    return [i for i in y]\n" * 50
    failures: list[str] = []

    def parse_many() -> None:
        try:
            for _ in range(100):
                assert isinstance(ast.parse(source), ast.Module)
        except BaseException as error:  # reported below
            failures.append(repr(error))

    def make_garbage() -> None:
        for _ in range(10_000):
            cycle = _Cycle()
            cycle.me = [cycle]

    threshold, interval = gc.get_threshold(), sys.getswitchinterval()
    gc.set_threshold(50)
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=parse_many) for _ in range(4)]
        threads.append(threading.Thread(target=make_garbage))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        gc.set_threshold(*threshold)
        sys.setswitchinterval(interval)
    assert not failures
    assert not any(thread.is_alive() for thread in threads)


def test_a_parse_error_still_raises_and_releases_the_lock():
    try:
        ast.parse("def broken(:\n")
    except SyntaxError:
        pass
    else:
        raise AssertionError("a syntax error must still raise")
    acquired = ast_lock._LOCK.acquire(timeout=1)
    assert acquired
    ast_lock._LOCK.release()

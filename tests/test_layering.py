"""The package's rooms import only from rooms below their own.

errors/config/answer/files/terminal -> corpus -> encoding -> store -> search, cluster (side by
side) -> pipeline
-> evaluation, web (side by side, neither importing the other) -> cli, training (side by side:
training is the reader's trainer, run by scripts/train_reader.py) -> __main__.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "assistant"

RANKS = {
    "errors": 0,
    "config": 0,
    "answer": 0,
    "files": 0,
    "terminal": 0,
    "corpus": 1,
    "encoding": 2,
    "store": 3,
    "search": 4,
    "cluster": 4,
    "pipeline": 5,
    "__init__": 6,
    "evaluation": 6,
    "web": 6,
    "cli": 7,
    "training": 7,
    "__main__": 8,
}


def room_of(module: str) -> str:
    """'assistant.store.build' -> 'store'; 'assistant' -> '__init__'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, package: str) -> set[str]:
    """Every assistant module a source imports, at the top or inside a function.

    Args:
        source: the module's text.
        package: the package its relative imports start from ('assistant.store').
    """
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("assistant"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("assistant"):
                target = node.module
            else:
                continue
            if node.module is None:  # `from . import x`: each name is a module
                found.update(f"{target}.{a.name}" for a in node.names)
            else:
                found.add(target)
    return found


def violations(own: str, targets: set[str]) -> list[str]:
    """The imports that go to a room above ``own``, or to a sibling on its level."""
    bad = []
    for target in sorted(targets):
        room = room_of(target)
        if room == own:
            continue
        if RANKS[room] > RANKS[own] or (RANKS[room] == RANKS[own] and RANKS[own] > 0):
            bad.append(target)
    return bad


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_is_in_a_known_room() -> None:
    rooms = {room_of(module_name(path)) for path in MODULES}
    assert rooms <= set(RANKS), f"modules outside the known rooms: {rooms - set(RANKS)}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_down_only(path: Path) -> None:
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0] or name
    own = room_of(name)
    bad = violations(own, imported_modules(path.read_text(encoding="utf-8"), package))
    assert not bad, f"{name} ({own}) imports from rooms above or beside it: {bad}"


UPWARD = [
    (
        "assistant.store",
        "store",
        "from ..search.retrieval import Hit",
        ["assistant.search.retrieval"],
    ),
    (
        "assistant.store",
        "store",
        "def f():\n    from ..pipeline import Assistant",
        ["assistant.pipeline"],
    ),
    ("assistant.web", "web", "from ..evaluation import runner", ["assistant.evaluation"]),
    (
        "assistant.corpus",
        "corpus",
        "import assistant.encoding.embedder",
        ["assistant.encoding.embedder"],
    ),
    ("assistant.store", "store", "from . import lexical\nfrom ..corpus import chunking", []),
    ("assistant.search", "search", "from assistant.store.storage import StoredIndex", []),
]


@pytest.mark.parametrize(("package", "own", "source", "bad"), UPWARD)
def test_the_checker_sees_upward_and_sideways_imports(
    package: str, own: str, source: str, bad: list[str]
) -> None:
    assert violations(own, imported_modules(source, package)) == bad

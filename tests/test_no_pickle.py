"""No pickle anywhere: a pickle runs code when it is read, so no index file may be one."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import faiss
import numpy as np
import pytest

from assistant import Assistant
from assistant.corpus.loading import load_corpus
from assistant.store.build import build_index
from assistant.store.storage import POINTER
from assistant.store.versions import is_version_name
from tests.support import REPO

PACKAGE = REPO / "assistant"
PICKLERS = {"pickle", "cPickle", "_pickle", "dill", "joblib", "shelve", "cloudpickle", "marshal"}
NUMPY_IO = {"load", "save", "savez", "savez_compressed"}
# Protocol 2 and later start with 0x80 and the protocol number.
PICKLE_MAGIC = tuple(bytes([0x80, protocol]) for protocol in range(2, 6))


def calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            yield (owner.id if isinstance(owner, ast.Name) else ""), node.func.attr, node


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.relative_to(PACKAGE).as_posix()
)
def test_the_package_never_pickles(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names = {(node.module or "").split(".")[0]}
        else:
            continue
        assert not names & PICKLERS, f"{path.name}:{node.lineno} imports {names & PICKLERS}"
    for owner, name, node in calls(tree):
        keywords = {k.arg: k.value for k in node.keywords}
        if owner in {"np", "numpy"} and name in NUMPY_IO:
            value = keywords.get("allow_pickle")
            assert isinstance(value, ast.Constant) and value.value is False, (
                f"{path.name}:{node.lineno}: np.{name} without allow_pickle=False"
            )
        if name in {"load", "save"} and owner not in {"np", "numpy", "json", "yaml", "faiss"}:
            # Other loaders (bm25s, torch) must be told not to unpickle either.
            if "allow_pickle" in keywords:
                value = keywords["allow_pickle"]
                assert isinstance(value, ast.Constant) and value.value is False, path.name
        assert (owner, name) != ("torch", "load"), f"{path.name}:{node.lineno} uses torch.load"
        assert (owner, name) != ("yaml", "load"), f"{path.name}:{node.lineno}: use safe_load"


def test_bm25s_is_saved_and_loaded_without_pickle() -> None:
    source = (PACKAGE / "store/lexical.py").read_text(encoding="utf-8")
    assert source.count("allow_pickle=False") == 2  # save and load


def assert_no_pickle_in(folder: Path) -> int:
    checked = 0
    for path in sorted(folder.rglob("*")):
        if path.is_dir():
            continue
        data = path.read_bytes()
        assert not data.startswith(PICKLE_MAGIC), f"{path} is a pickle"
        if path.suffix == ".npy":
            array = np.load(path, allow_pickle=False)  # raises on an object array
            assert array.dtype != object
        elif path.suffix == ".json":
            json.loads(data)
        elif path.suffix == ".jsonl":
            [json.loads(line) for line in data.decode("utf-8").splitlines()]
        elif path.suffix == ".faiss":
            assert faiss.read_index(str(path)).ntotal > 0
        else:
            raise AssertionError(f"unexpected file in the index: {path}")
        checked += 1
    return checked


def test_no_file_of_a_built_index_is_a_pickle(
    bot: Assistant, headlines_dir: Path, tmp_path: Path, fake_embedder
) -> None:
    # 15 files since copies.json joined the index (store/copies.py).
    assert assert_no_pickle_in(bot.stored.folder) == 15  # the real model's index
    build_index(load_corpus(headlines_dir), tmp_path / "index", bot.settings, fake_embedder)
    live = (tmp_path / "index" / POINTER).read_text()
    assert is_version_name(live)
    assert assert_no_pickle_in(tmp_path / "index" / live) == 15


def test_no_file_of_a_sharded_index_is_a_pickle(
    headlines_dir: Path, tmp_path: Path, bot, fake_embedder
):
    from assistant.cluster.build import build_sharded

    folder = build_sharded(
        load_corpus(headlines_dir), tmp_path / "sharded", bot.settings, fake_embedder, shards=3
    )
    shards = [path for path in folder.iterdir() if path.is_dir()]
    assert shards and assert_no_pickle_in(folder) == 1 + 15 * len(shards)  # catalog.json too

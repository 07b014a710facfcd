"""The README's examples run as written and print what it says they print.

Every ```python block of the README is run statement by statement; a statement
followed by ``# => ...`` (on its line or the lines after it) must give that
output: what it prints, or the repr of its value. ``...`` in an expected output
stands for any text, as in doctest's ELLIPSIS. The gradio_client block and the
``curl`` example of the HTTP API run against the real app, started on a free port.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant
from scripts.harness import running_app
from tests.support import CORPUS, REPO

README = REPO / "README.md"
EXPECTED = re.compile(r"#\s*=>\s?(.*)$")


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def matches(expected: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual, flags=re.S) is not None


def run_block(source: str, namespace: dict) -> int:
    """Run a README block; returns how many outputs were checked."""
    lines = source.splitlines()
    checked = 0
    for node in ast.parse(source).body:
        code = "\n".join(lines[node.lineno - 1 : node.end_lineno])
        expected = []
        trailing = EXPECTED.search(lines[node.end_lineno - 1])
        if trailing:
            expected.append(trailing.group(1))
        for line in lines[node.end_lineno :]:
            found = EXPECTED.match(line.strip())
            if not found:
                break
            expected.append(found.group(1))
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            if isinstance(node, ast.Expr) and not _is_print(node):
                actual = repr(
                    eval(compile(ast.Expression(node.value), README.name, "eval"), namespace)
                )
            else:
                exec(compile(code, README.name, "exec"), namespace)
                actual = printed.getvalue().rstrip("\n")
        if expected:
            want = "\n".join(expected)
            assert matches(want, actual), f"README: {code!r}\n  says: {want}\n  gives: {actual}"
            checked += 1
    return checked


def _is_print(node: ast.Expr) -> bool:
    call = node.value
    return isinstance(call, ast.Call) and getattr(call.func, "id", "") == "print"


def test_the_readme_has_the_blocks_this_test_runs() -> None:
    blocks = python_blocks()
    assert any("Assistant.load" in block for block in blocks)
    assert any("gradio_client" in block for block in blocks)


def test_the_quickstart_script_prints_what_the_readme_says(
    bot: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # retrieve() and Assistant.load use ./corpus and ./index: the real corpus, and the
    # index the session already built from it.
    (tmp_path / "corpus").symlink_to(CORPUS)
    (tmp_path / "index").symlink_to(bot.stored.folder.parent)
    monkeypatch.chdir(tmp_path)
    [block] = [block for block in python_blocks() if "Assistant.load" in block]
    assert run_block(block, {}) >= 5


@pytest.fixture(scope="module")
def app_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the README's app writes its log and ratings."""
    return tmp_path_factory.mktemp("readme-app")


@pytest.fixture(scope="module")
def app_url(bot: Assistant, app_folder: Path) -> Iterator[str]:
    """The real app over the session's index, for the README's API examples."""
    options = ["--corpus", str(CORPUS), "--feedback", str(app_folder / "feedback.jsonl")]
    log = app_folder / "app.log"
    with running_app(bot.stored.folder.parent, log=log, options=options) as url:
        yield url
    assert os.path.exists(log)


def test_the_app_prints_the_address_and_logs_no_request_to_itself(
    app_url: str, app_folder: Path
) -> None:
    # README "The web chat": one line to open; Gradio's httpx requests to the app it
    # started (issue 29: "HTTP Request: HEAD http://127.0.0.1:7860/") are not logged.
    log = (app_folder / "app.log").read_text(encoding="utf-8")
    assert [line for line in log.splitlines() if line.startswith("open ")] == [
        f"open {app_url.rstrip('/')}"
    ]
    assert "httpx" not in log and "HTTP Request" not in log


def test_the_api_example_answers_as_the_readme_says(app_url: str) -> None:
    [block] = [block for block in python_blocks() if "gradio_client" in block]
    source = block.replace('"http://127.0.0.1:7860/"', repr(app_url))
    assert run_block(source, {}) >= 3


def test_the_curl_example_answers_as_ask_does(app_url: str, bot: Assistant) -> None:
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    [block] = [block for block in blocks if "/api/ask" in block]
    command, _, want = block.partition("# =>")
    command = command.replace("http://127.0.0.1:7860/", app_url)
    result = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=60, check=True
    )
    assert matches(want.strip(), result.stdout.strip()), result.stdout
    # The answer is the one ask() gives in this run, for what the example sends.
    sent = json.loads(re.search(r"-d '(.*?)'", command).group(1))
    assert json.loads(result.stdout) == bot.ask(sent.pop("question"), **sent).to_dict()

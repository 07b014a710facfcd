"""The Ray Serve replica's app, without Ray: ``build_api``'s routes behind the chat's guard.

The replicas themselves run on the loopback cluster in ``tests/cluster/ray/test_serve.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant import Assistant
from assistant.cli import main
from assistant.web.serving import ApiReplica
from tests.support import REPO

QUESTION = {
    "question": "What about Armenia?",
    "history": ["How many soldiers did Azerbaijan lose?"],
}


def test_a_replica_serves_the_apis_answers_behind_the_guard(bot: Assistant) -> None:
    replica = ApiReplica(lambda: bot, threads=2, loopback=True)
    with TestClient(replica.__serve_build_asgi_app__(), base_url="http://127.0.0.1") as client:
        response = client.post("/ask", json=QUESTION)
        assert response.status_code == 200
        assert (
            response.json() == bot.ask(QUESTION["question"], history=QUESTION["history"]).to_dict()
        )
        assert client.get("/health").json()["articles"] == 5
        origin = {"Origin": "http://elsewhere.example"}
        assert client.post("/ask", json=QUESTION, headers=origin).status_code == 403
        assert client.get("/health", headers={"Host": "rebound.example"}).status_code == 403


def test_a_replica_reads_the_auth_file_itself(bot: Assistant, tmp_path: Path) -> None:
    accounts = tmp_path / "users.txt"
    accounts.write_text("editor:correct horse battery staple\n", encoding="utf-8")
    replica = ApiReplica(lambda: bot, loopback=False, auth_file=str(accounts))
    with TestClient(replica.__serve_build_asgi_app__(), base_url="http://127.0.0.1") as client:
        assert client.get("/health").status_code == 401
        login = ("editor", "correct horse battery staple")
        assert client.get("/health", auth=login).status_code == 200


def test_the_command_checks_the_index_before_ray_and_imports_no_ray(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing")
    code = (
        "import sys; from assistant.cli import main; "
        f"status = main(['--corpus', {missing!r}, '--index', {missing!r}, 'serve']); "
        "assert 'ray' not in sys.modules, 'ray imported'; sys.exit(status)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.startswith("error: neither an index"), result.stderr[-2000:]


def test_the_command_lists_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    usage = capsys.readouterr().out
    for option in ("--replicas", "--address", "--host", "--port", "--threads", "--auth-file"):
        assert option in usage

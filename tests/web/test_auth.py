"""The login of ``app.py --auth-file``: the file's accounts, the add policy, the app behind it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from assistant.web.auth import read_auth_file
from assistant.web.policy import AddPolicy
from tests.web.conftest import LaunchApp

PASSWORD = "correct horse: battery"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "users.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_auth_file_gives_its_accounts_skipping_comments_and_blank_lines(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, f"# the newsroom\n\neditor:{PASSWORD}\n  night-desk:n1ght  \n")
    assert read_auth_file(path) == [("editor", PASSWORD), ("night-desk", "n1ght")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("editor:s3cret\njust-a-password\n", "line 2 of the auth file .* is not user:password"),
        (":s3cret\n", "line 1 .* is not user:password"),
        ("editor:\n", "line 1 .* is not user:password"),
        ("night desk:s3cret\n", "line 1 .* is not user:password"),
        ("editor:s3cret\neditor:other\n", "lists the user 'editor' twice \\(lines 1 and 2\\)"),
        ("# nobody yet\n\n", "lists no user:password line"),
    ],
)
def test_a_bad_auth_file_is_refused_without_showing_a_password(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message) as refused:
        read_auth_file(write(tmp_path, text))
    for secret in ("s3cret", "other", "just-a-password"):
        assert secret not in str(refused.value)


def test_an_unreadable_auth_file_is_refused_with_its_reason(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot be read .*--auth-file"):
        read_auth_file(tmp_path / "missing.txt")
    (tmp_path / "latin1.txt").write_bytes(b"editor:caf\xe9\n")
    with pytest.raises(ValueError, match="not UTF-8 text"):
        read_auth_file(tmp_path / "latin1.txt")


def test_off_loopback_a_login_or_a_token_allows_adding() -> None:
    assert not AddPolicy.for_server("0.0.0.0").enabled
    assert "--auth-file" in AddPolicy.for_server("0.0.0.0").reason
    behind_login = AddPolicy.for_server("0.0.0.0", auth=True)
    assert behind_login.enabled and behind_login.refusal(None) is None
    # A token the operator set is asked for behind a login too.
    both = AddPolicy.for_server("0.0.0.0", token="operator-token-1", auth=True)
    assert both.refusal(None) is not None and both.refusal("operator-token-1") is None


def test_the_app_refuses_a_bad_auth_file_and_mcp_before_loading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import app

    assert app.main(["--auth-file", str(write(tmp_path, "editor\n"))]) == 1
    assert "line 1 of the auth file" in capsys.readouterr().err
    good = write(tmp_path, f"editor:{PASSWORD}\n")
    assert app.main(["--auth-file", str(good), "--mcp"]) == 1
    assert "MCP clients do not log in" in capsys.readouterr().err


def test_the_app_needs_a_login_with_an_auth_file(launch_app: LaunchApp, tmp_path: Path) -> None:
    users = write(tmp_path, f"# the newsroom\neditor:{PASSWORD}\n")
    url = launch_app(tmp_path, env={"ASSISTANT_AUTH_FILE": str(users)})
    with httpx.Client(base_url=url, timeout=10, trust_env=False) as client:
        page = client.get("/")  # Gradio's login page
        assert page.status_code == 200 and '"auth_required":true' in page.text.replace(" ", "")
        assert client.get("/config").status_code == 401
        assert client.post("/gradio_api/queue/join", json={}).status_code == 401
        wrong = client.post("/login", data={"username": "editor", "password": "guess"})
        assert wrong.status_code == 400
        login = client.post("/login", data={"username": "editor", "password": PASSWORD})
        assert login.status_code == 200 and login.json() == {"success": True}
        config = client.get("/config")  # the login's cookie opens the app
        assert config.status_code == 200 and config.json()["components"]
    assert PASSWORD not in (tmp_path / "app.log").read_text()

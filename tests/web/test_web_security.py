"""The web app as a service on a network: real HTTP requests against ``python app.py``.

The app runs on a free loopback port with GRADIO_ALLOWED_PATHS naming the very
folders it must not serve, so that only its own blocklist keeps them private,
and with a queue of one waiting request answered one at a time, so that a
burst overflows it.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from app import parse_args
from assistant.pipeline import Assistant
from tests.support import CORPUS
from tests.web.conftest import LaunchApp

REFUSED = {400, 403, 404}
ETC_PASSWD = Path("/etc/passwd")


@dataclass(frozen=True)
class App:
    url: str
    port: int
    index: Path
    model: Path
    feedback: Path
    public: Path
    log: Path


@pytest.fixture(scope="module")
def app(bot: Assistant, launch_app: LaunchApp, tmp_path_factory: pytest.TempPathFactory) -> App:
    folder = tmp_path_factory.mktemp("web")
    index = bot.stored.folder.parent
    public = folder / "public"
    public.mkdir()
    (public / "hello.txt").write_text("public hello", encoding="utf-8")
    # A link in an allowed folder to a private file must not be followed.
    (public / "current-link").symlink_to(index / "CURRENT")
    feedback = folder / "feedback.jsonl"
    feedback.write_text('{"secret": "feedback-line-7f3a"}\n', encoding="utf-8")
    allowed = [CORPUS, index, bot.embedder.path, feedback, public]
    env = {"GRADIO_ALLOWED_PATHS": ",".join(str(path) for path in allowed)}
    url = launch_app(folder, "--queue-size", "1", "--concurrency", "1", env=env)
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    return App(url, port, index, bot.embedder.path, feedback, public, folder / "app.log")


def get(app: App, path: str, **kwargs: object) -> httpx.Response:
    # The path goes out exactly as written: no normalising of ../ or %2e.
    url = httpx.URL(app.url.rstrip("/"), raw_path=path.encode())
    return httpx.get(url, timeout=10, **kwargs)  # type: ignore[arg-type]


def ask_fn_index(app: App) -> int:
    config = httpx.get(f"{app.url}config", timeout=10).json()
    return next(dep["id"] for dep in config["dependencies"] if dep.get("api_name") == "ask")


def join_body(app: App) -> dict[str, object]:
    return {
        "data": ["Who is Oleg Kuznetsov?", [], 5, None],
        "fn_index": ask_fn_index(app),
        "session_hash": uuid.uuid4().hex,
    }


# -- listening ------------------------------------------------------------------


def test_loopback_is_the_default_host() -> None:
    assert parse_args([]).host == "127.0.0.1"


def test_the_app_is_not_reachable_on_other_addresses(app: App) -> None:
    # 127.0.0.2 reaches a server bound to 0.0.0.0 but not one bound to 127.0.0.1.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.2", app.port), timeout=2).close()


# -- files ------------------------------------------------------------------------


def private_files(app: App) -> list[Path]:
    article = sorted(CORPUS.glob("*.md"))[0]
    return [
        app.index / "CURRENT",
        next(app.index.glob("v-*/manifest.json")),
        article,
        app.model / "modules.json",
        app.feedback,
    ]


def probes(app: App, target: Path) -> list[str]:
    """Ways to name one file after ``/file=``: plain, ../, encoded, upper-case."""
    text = str(target)
    detour = f"{app.public}/../../{target.relative_to(target.parents[1])}"
    variants = [
        text,
        text.upper(),
        detour,
        quote(text, safe=""),
        text.replace("/", "%2f"),
        detour.replace("../", "%2e%2e%2f"),
        detour.replace("../", "%252e%252e%252f"),
        detour.replace("../", "..%5c"),
        text.replace("/", "//"),
    ]
    if target.is_relative_to(Path.cwd()):
        variants.append(str(target.relative_to(Path.cwd())))
    return variants


def secret(path: Path) -> bytes:
    data = path.read_bytes().strip()
    return data[:64]


@pytest.mark.parametrize("prefix", ["/gradio_api/file=", "/gradio_api/file/", "/file="])
def test_private_files_are_not_served(app: App, prefix: str) -> None:
    served = []
    for target in private_files(app):
        for probe in probes(app, target):
            response = get(app, prefix + probe)
            if response.status_code not in REFUSED or secret(target) in response.content:
                served.append((probe, response.status_code))
    assert not served


@pytest.mark.parametrize(
    "probe",
    [
        "/etc/passwd",
        "/ETC/PASSWD",
        "../../../../../../etc/passwd",
        "..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
        "%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "%252e%252e%252f%252e%252e%252fetc%252fpasswd",
        "/proc/self/environ",
        "/proc/self/cmdline",
        "app.py",
        "assistant/web/page.py",
        "http://127.0.0.1:1/",
        "https://example.com/",
    ],
)
def test_system_and_source_files_are_not_served(app: App, probe: str) -> None:
    response = get(app, "/gradio_api/file=" + probe)
    assert response.status_code in REFUSED
    assert b"root:" not in response.content and b"import" not in response.content


def test_allowed_files_are_served_but_links_to_private_ones_are_not(app: App) -> None:
    # The control: the probes above fail because of the blocklist, not by accident.
    assert get(app, f"/gradio_api/file={app.public}/hello.txt").text == "public hello"
    link = get(app, f"/gradio_api/file={app.public}/current-link")
    assert link.status_code in REFUSED


# -- cross-origin requests and hosts -------------------------------------------------


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:1"])
def test_cross_origin_posts_are_refused(app: App, origin: str) -> None:
    # Another site, a sandboxed page, another local app on another port.
    for path in ("/gradio_api/queue/join", "/gradio_api/run/ask", "/gradio_api/upload"):
        response = httpx.post(
            app.url.rstrip("/") + path,
            json=join_body(app),
            headers={"Origin": origin},
            timeout=10,
        )
        assert response.status_code == 403, path
        assert response.text == "Cross-origin request refused."


@pytest.mark.parametrize("origin", ["http://evil.example", "null"])
def test_preflights_from_other_sites_are_not_granted(app: App, origin: str) -> None:
    # Gradio's CORS layer answers preflights; it must not allow a foreign origin.
    preflight = httpx.options(
        f"{app.url}gradio_api/queue/join",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_same_origin_posts_join_the_queue(app: App) -> None:
    response = httpx.post(
        f"{app.url}gradio_api/queue/join",
        json=join_body(app),
        headers={"Origin": app.url.rstrip("/")},
        timeout=10,
    )
    assert response.status_code == 200 and response.json()["event_id"]


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "192.168.1.9:{port}"])
def test_foreign_host_headers_are_refused(app: App, host: str) -> None:
    # A DNS-rebinding page reaches 127.0.0.1 under its own name.
    response = httpx.get(app.url, headers={"Host": host.format(port=app.port)}, timeout=10)
    assert response.status_code == 403


# -- routes around the queue, monitoring --------------------------------------------


@pytest.mark.parametrize("path", ["/gradio_api/run/ask", "/gradio_api/api/ask"])
def test_direct_api_routes_are_closed(app: App, path: str) -> None:
    for body in ({"data": ["Who is Oleg Kuznetsov?", [], 5, None]}, join_body(app)):
        response = httpx.post(app.url.rstrip("/") + path, json=body, timeout=10)
        assert response.status_code == 404
        assert "Oleg" not in response.text


@pytest.mark.parametrize(
    "path", ["/monitoring", "/monitoring/summary", "/gradio_api/monitoring", "/monitoring/x"]
)
def test_monitoring_is_off(app: App, path: str) -> None:
    response = get(app, path)
    assert response.status_code in REFUSED
    assert "Monitoring URL" not in response.text


# -- a full queue ----------------------------------------------------------------------


def test_a_full_queue_answers_busy_cleanly(app: App, bot: Assistant) -> None:
    from gradio_client import Client
    from gradio_client.utils import QueueError

    question = "How many soldiers did Azerbaijan lose?"
    expected = json.loads(json.dumps(bot.ask(question, k=5).to_dict()))
    client = Client(app.url, verbose=False, max_workers=30)
    jobs = [client.submit(question, [], 5, None, api_name="/ask") for _ in range(30)]
    busy, answered, other = 0, 0, []
    deadline = time.monotonic() + 120
    for job in jobs:
        try:
            # A hang raises TimeoutError here and fails the test.
            assert job.result(timeout=max(deadline - time.monotonic(), 0.1)) == expected
            answered += 1
        except QueueError as error:
            assert "Queue is full" in str(error)
            busy += 1
        except Exception as error:  # anything else is a failure
            other.append(repr(error))
    assert not other and busy >= 1 and answered >= 1
    # Once the burst is over the app answers again.
    assert client.predict(question, [], 5, None, api_name="/ask") == expected
    client.close()
    assert "Traceback" not in app.log.read_text()

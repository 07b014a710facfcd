"""The JSON API at /api: real HTTP against ``python app.py`` on a loopback port.

The app runs with a queue of one waiting request answered one at a time, so that
a burst through Gradio's queue would overflow it: the API's answers to many
clients at once show that they do not pass through it. Every answer is compared
with ``Assistant.ask(...).to_dict()`` in this test run, never with stored values.
"""

from __future__ import annotations

import dataclasses
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from app import parse_args
from assistant import Assistant
from assistant.answer import Answer, Copy
from assistant.web.api import DEFAULT_THREADS, MAX_BODY_BYTES, build_api, catalogue, close_api
from assistant.web.api_schema import AskRequest
from scripts.load_test import QUESTIONS
from tests.web.conftest import LaunchApp

PASSWORD = "correct horse battery staple"
CLIENTS = 8


@pytest.fixture(scope="module")
def url(launch_app: LaunchApp, tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("api")
    return launch_app(folder, "--queue-size", "1", "--concurrency", "1").rstrip("/")


@pytest.fixture(scope="module")
def client(url: str) -> httpx.Client:
    with httpx.Client(base_url=url, timeout=60) as client:
        yield client


def requests_of(labelled_questions: list[dict]) -> list[dict[str, Any]]:
    """Every labelled question as an /api/ask body, and the load test's k and filters."""
    bodies = [{"question": q["question"], "history": q["history"]} for q in labelled_questions]
    for question, history, k, filters in QUESTIONS:
        bodies.append({"question": question, "history": history, "k": k, "filters": filters})
    return bodies


def test_every_labelled_question_answers_as_ask_does(
    client: httpx.Client, bot: Assistant, labelled_questions: list[dict]
) -> None:
    bodies = requests_of(labelled_questions)
    # Many clients at once: through the chat's queue of one, most would be refused.
    with ThreadPoolExecutor(CLIENTS) as pool:
        responses = list(pool.map(lambda body: client.post("/api/ask", json=body), bodies))
    assert len(bodies) > 250
    for body, response in zip(bodies, responses, strict=True):
        assert response.status_code == 200, (body, response.text)
        expected = bot.ask(body.pop("question"), **body).to_dict()
        assert response.json() == expected
        assert re.fullmatch(r"wait;dur=[\d.]+, ask;dur=[\d.]+", response.headers["server-timing"])


def test_the_articles_and_health_are_the_indexes(client: httpx.Client, bot: Assistant) -> None:
    articles = client.get("/api/articles").json()
    assert articles == catalogue(bot)
    assert {a["id"] for a in articles} == {a.id for a in bot.articles}
    assert sum(a["passages"] for a in articles) == len(bot.stored.chunks)
    published = [a["published"] for a in articles]
    assert published == sorted(published, reverse=True)
    health = client.get("/api/health").json()
    assert health == {"status": "ok", "articles": 5, "passages": len(bot.stored.chunks)}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"question": ""}, "question: String should have at least 1 character"),
        ({"question": "x" * 10_001}, "question: String should have at most 10000 characters"),
        ({"question": "?!"}, "Please ask a question"),
        ({"question": "Who?", "k": 0}, "k: Input should be greater than or equal to 1"),
        ({"question": "Who?", "k": 51}, "k: Input should be less than or equal to 50"),
        ({"question": "Who?", "k": "5"}, "k: Input should be a valid integer"),
        ({"question": "Who?", "history": "earlier"}, "history: Input should be a valid list"),
        ({"question": "Who?", "filters": {"outlet": ["Trend"]}}, "filters.outlet: Extra inputs"),
        (
            {"question": "Who?", "filters": {"published_from": "2020-13-01"}},
            "filters.published_from: must be an ISO date such as 2020-10-12, got '2020-13-01'",
        ),
        (
            {"question": "Who?", "filters": {"published_from": "2021", "published_to": "2020"}},
            "must be an ISO date",
        ),
        (
            {
                "question": "Who?",
                "filters": {"published_from": "2021-01-01", "published_to": "2020-01-01"},
            },
            "published_from (2021-01-01) is after published_to (2020-01-01)",
        ),
        ({"question": "Who?", "model": "gpt"}, "model: Extra inputs are not permitted"),
        ({}, "question: Field required"),
    ],
)
def test_bad_input_gets_422_with_its_reason(client: httpx.Client, body: dict, message: str) -> None:
    response = client.post("/api/ask", json=body)
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert "x" * 100 not in response.text  # the input is not echoed back


def test_a_body_that_is_not_json_or_too_big_is_refused(client: httpx.Client) -> None:
    headers = {"content-type": "application/json"}
    broken = client.post("/api/ask", content=b"{not json", headers=headers)
    assert broken.status_code == 422
    assert broken.json()["detail"] == "the body is not valid JSON: send a JSON object"
    huge = client.post("/api/ask", content=b" " * (MAX_BODY_BYTES + 1), headers=headers)
    assert huge.status_code == 413
    assert huge.json() == {"detail": "The request body is over 64,000 bytes."}


def test_the_schema_and_docs_are_served(client: httpx.Client) -> None:
    schema = client.get("/api/openapi.json").json()
    assert set(schema["paths"]) == {"/ask", "/articles", "/health"}
    assert schema["servers"] == [{"url": "/api"}]
    ask = schema["paths"]["/ask"]["post"]
    assert set(ask["responses"]) >= {"200", "401", "413", "422"}
    assert {"AskRequest", "Answer", "Passage", "Copy"} <= set(schema["components"]["schemas"])
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/openapi.json" in docs.text


def test_no_cross_origin_or_foreign_host_request_is_answered(client: httpx.Client) -> None:
    body = {"question": "Who is Oleg Kuznetsov?"}
    foreign = client.post("/api/ask", json=body, headers={"origin": "https://evil.example"})
    assert foreign.status_code == 403
    assert "access-control-allow-origin" not in foreign.headers
    preflight = client.options(
        "/api/ask",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert preflight.headers.get("access-control-allow-origin") is None
    rebound = client.post("/api/ask", json=body, headers={"host": "evil.example"})
    assert rebound.status_code == 403


def test_with_an_auth_file_every_route_needs_a_login(
    launch_app: LaunchApp, tmp_path: Path, bot: Assistant
) -> None:
    users = tmp_path / "users.txt"
    users.write_text(f"editor:{PASSWORD}\n", encoding="utf-8")
    url = launch_app(tmp_path, "--auth-file", str(users)).rstrip("/")
    body = {"question": "Who is Oleg Kuznetsov?"}
    expected = bot.ask(body["question"]).to_dict()
    with httpx.Client(base_url=url, timeout=60) as anonymous:
        for path in ("/api/health", "/api/articles", "/api/openapi.json", "/api/docs"):
            refused = anonymous.get(path)
            assert refused.status_code == 401, path
            assert "Log in first" in refused.json()["detail"]
        assert anonymous.post("/api/ask", json=body).status_code == 401
        wrong = anonymous.post("/api/ask", json=body, auth=("editor", "guess"))
        assert wrong.status_code == 401
        basic = anonymous.post("/api/ask", json=body, auth=("editor", PASSWORD))
        assert basic.status_code == 200 and basic.json() == expected
    with httpx.Client(base_url=url, timeout=60) as browser:
        login = browser.post("/login", data={"username": "editor", "password": PASSWORD})
        assert login.status_code == 200
        # The chat's session cookie opens the API too.
        assert browser.post("/api/ask", json=body).json() == expected


def test_the_response_schema_is_what_to_dict_gives(
    bot: Assistant, labelled_questions: list[dict]
) -> None:
    answers = [
        bot.ask(labelled["question"], history=labelled["history"]).to_dict()
        for labelled in labelled_questions[:40]
    ]
    # The seed corpus prints no story twice: a copy, as store/copies.py would list it.
    best = bot.ask("Who is Oleg Kuznetsov?").best
    copy = Copy("other", "Trend", "A title", "2021-02-24", "https://trend.az/x", 10, 90)
    copied = Answer("q", (dataclasses.replace(best, also_published_by=(copy,)),), True, 0.9)
    schema = TypeAdapter(Answer)  # the response schema FastAPI documents
    for answer in [*answers, copied.to_dict()]:
        assert schema.validate_python(answer).to_dict() == answer
    assert {field.name for field in dataclasses.fields(Answer)} == set(answers[0])


def test_a_chunked_body_is_limited_as_well(bot: Assistant) -> None:
    api = build_api(bot, threads=1)
    with TestClient(api) as local:
        small = local.post(
            "/ask",
            content=iter([b'{"question": ', b'"Who is Oleg Kuznetsov?"}']),
            headers={"content-type": "application/json"},
        )
        assert small.status_code == 200
        assert small.json() == bot.ask("Who is Oleg Kuznetsov?").to_dict()
        chunks = iter([b" " * 40_000, b" " * 40_000])
        big = local.post("/ask", content=chunks, headers={"content-type": "application/json"})
        assert big.status_code == 413
    close_api(api)


def test_ask_arguments_are_asks_own() -> None:
    request = AskRequest(question="q", filters={"outlets": ["Trend"], "published_to": "2020-12-31"})
    assert request.ask_arguments() == {
        "k": 5,
        "history": [],
        "filters": {"outlets": ["Trend"], "published_to": "2020-12-31"},
    }
    assert AskRequest(question="q").ask_arguments()["filters"] is None
    undated = AskRequest(
        question="q", filters={"published_from": "2020-10-01", "include_undated": True}
    )
    assert undated.ask_arguments()["filters"] == {
        "published_from": "2020-10-01",
        "include_undated": True,
    }


def test_a_date_bound_with_undated_articles_answers_as_ask_does(
    client: httpx.Client, bot: Assistant
) -> None:
    filters = {"published_from": "2020-11-01", "include_undated": True}
    body = {"question": "How many soldiers did Azerbaijan lose?", "filters": filters}
    response = client.post("/api/ask", json=body)
    assert response.status_code == 200, response.text
    assert response.json() == bot.ask(body["question"], filters=filters).to_dict()
    refused = client.post("/api/ask", json={**body, "filters": {"include_undated": "yes"}})
    assert refused.status_code == 422 and "include_undated" in refused.text


def test_api_threads_is_an_app_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_args([]).api_threads == DEFAULT_THREADS
    assert parse_args(["--api-threads", "2"]).api_threads == 2
    with pytest.raises(SystemExit):
        parse_args(["--api-threads", "0"])
    assert "must be at least 1" in capsys.readouterr().err
    with pytest.raises(ValueError, match="threads must be at least 1"):
        build_api(object(), threads=0)  # type: ignore[arg-type]

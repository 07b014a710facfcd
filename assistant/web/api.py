"""The JSON API beside the chat: ``POST /ask``, ``GET /articles``, ``GET /health``, docs.

A FastAPI app of its own, mounted at ``/api`` on the chat's (``page.launch``).
Its requests never pass through Gradio's queue: each ``ask`` runs in a small
thread pool of its own (``threads``), so the event loop only parses, routes and
writes, and answers are the very dicts ``Assistant.ask(...).to_dict()`` gives.
No gradio import here: the same app can be served alone by any ASGI server.

What it keeps, as the chat does:

- input validated by ``api_schema`` (question length, ``k`` bounds, filter fields,
  no unknown field): a 422 naming each bad field; ``ask``'s own refusals
  (a question of no words, a bad date range) are 422s with its message;
- request bodies over ``MAX_BODY_BYTES`` refused (413) before they are read whole;
- with accounts (``--auth-file``), every route, the schema and the docs page
  included, needs HTTP basic with one of them or the chat's session cookie (401);
- no CORS headers: the chat's ``RequestGuard`` refuses cross-origin requests.

Example:
    >>> api = build_api(Assistant.load(corpus_dir="corpus", index_dir="index"))
    >>> import uvicorn; uvicorn.run(api, host="127.0.0.1", port=8000)  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.datastructures import Headers
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount

from ..answer import Answer
from ..errors import QuestionError
from .api_schema import ArticleOut, AskRequest, ErrorOut, HealthOut
from .live import LiveAssistant, live
from .views import newest_first, passage_counts

if TYPE_CHECKING:
    from ..pipeline import Assistant

logger = logging.getLogger(__name__)

# A question with its history and filters is a few KB; 64 KB leaves room, not a flood.
MAX_BODY_BYTES = 64_000
# Threads answering at once. Measured by benchmarks/serve.py on 2 cores: see
# docs/performance.md ("The JSON API"); ask() holds the GIL for much of its time.
DEFAULT_THREADS = 4
FAILURE = "Sorry, the search failed ({name}). The details were logged on the server."
LOGIN_NEEDED = (
    "Log in first: HTTP basic with a user of the --auth-file, or the chat's session "
    "cookie (POST /login)."
)

SessionUser = Callable[[Request], Awaitable[str | None]]
Lifespan = Callable[[Any], contextlib.AbstractAsyncContextManager]
# Where the chat serves the API.
API_PATH = "/api"


class Login:
    """Who may call the API: anyone without accounts; with them, a login.

    ``session_user`` reads the chat's session cookie (``mount_api`` sets it to
    ``gradio_session``), so one login to the page opens the API too.
    """

    def __init__(self, accounts: Sequence[tuple[str, str]] = ()) -> None:
        self.accounts = dict(accounts)
        self.session_user: SessionUser | None = None

    async def __call__(self, request: Request) -> str | None:
        if not self.accounts:
            return None
        user = self.basic_user(request.headers.get("authorization", ""))
        if user is None and self.session_user is not None:
            user = await self.session_user(request)
        if user is None:
            raise HTTPException(401, LOGIN_NEEDED, headers={"WWW-Authenticate": "Basic"})
        return user

    def basic_user(self, header: str) -> str | None:
        """The user of a valid ``Authorization: Basic`` header, else None."""
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        # Compared in constant time, and against something even for an unknown user.
        expected = self.accounts.get(user)
        same = hmac.compare_digest(password.encode(), (expected or "\0").encode())
        return user if expected is not None and same else None


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes gets 413, unread."""

    def __init__(self, app: Any, *, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None:
            if not length.isdigit() or int(length) > self.limit:
                await self.refuse(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        # No length given (chunked): read up to the limit, then hand on what was read.
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.limit:
                await self.refuse(scope, receive, send)
                return
        body: bytes | None = b"".join(chunks)

        async def replay() -> dict[str, Any]:
            nonlocal body
            if body is None:  # after the body: what the client does next (a disconnect)
                return await receive()
            message = {"type": "http.request", "body": body, "more_body": False}
            body = None
            return message

        await self.app(scope, replay, send)

    async def refuse(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        detail = f"The request body is over {self.limit:,} bytes."
        await JSONResponse({"detail": detail}, status_code=413)(scope, receive, send)


def build_api(
    assistant: Assistant | LiveAssistant,
    *,
    accounts: Sequence[tuple[str, str]] = (),
    threads: int = DEFAULT_THREADS,
) -> FastAPI:
    """The JSON API over an assistant (the chat's live one, so added articles answer too).

    Args:
        assistant: the loaded assistant, or the chat's ``LiveAssistant``.
        accounts: the (user, password) logins of ``--auth-file``; none: no login.
        threads: questions answered at the same time; the others wait their turn.

    Returns:
        A FastAPI app with ``/ask``, ``/articles``, ``/health``, ``/openapi.json``
        and ``/docs``; ``api.state.login`` and ``api.state.pool`` hold its login and
        thread pool (``close_api`` stops the pool).

    Example:
        >>> api = build_api(bot, accounts=[("editor", "a long password")], threads=4)
    """
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    assistant = live(assistant)
    login = Login(accounts)
    pool = ThreadPoolExecutor(threads, thread_name_prefix="api-ask")
    guarded = [Depends(login)]
    refusals: dict[int | str, dict[str, Any]] = {
        code: {"model": ErrorOut} for code in (401, 413, 422)
    }
    api = FastAPI(
        title="News Q&A API",
        summary="Passages quoted verbatim from news articles, with their sources.",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    api.state.login, api.state.pool = login, pool
    api.add_middleware(BodyLimit)
    api.add_exception_handler(RequestValidationError, invalid_request)

    async def run(function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(pool, partial(function, *args))

    @api.post("/ask", response_model=Answer, responses=refusals, dependencies=guarded)
    async def ask(request: AskRequest) -> Response:
        """Answer a question: passages quoted verbatim, best first, with their sources.

        The result is `Assistant.ask(question, k=k, history=history, filters=filters)
        .to_dict()`; `found` is false when the articles don't answer. The
        `Server-Timing` header says how long it waited for a thread and was worked on.
        """
        entered = time.perf_counter()
        try:
            body, worked = await run(answer_json, assistant.current, request)
        except (QuestionError, ValueError) as error:
            return JSONResponse({"detail": str(error)}, status_code=422)
        except Exception as error:
            logger.exception("API question %r failed", request.question)
            return JSONResponse({"detail": FAILURE.format(name=type(error).__name__)}, 500)
        waited = time.perf_counter() - entered - worked
        timing = f"wait;dur={waited * 1e3:.2f}, ask;dur={worked * 1e3:.2f}"
        return Response(body, media_type="application/json", headers={"Server-Timing": timing})

    listed: dict[str, Any] = {"for": None, "rows": []}

    @api.get("/articles", response_model=list[ArticleOut], dependencies=guarded)
    async def articles() -> list[dict[str, Any]]:
        """Every indexed article, newest first, with its passage count."""
        current = assistant.current
        if listed["for"] is not current:  # made once per index version, not per request
            listed["rows"], listed["for"] = await run(catalogue, current), current
        return listed["rows"]

    @api.get("/health", response_model=HealthOut, dependencies=guarded)
    async def health() -> dict[str, Any]:
        """The index is loaded: its article and passage counts."""
        current = assistant.current
        return {
            "status": "ok",
            "articles": len(current.articles),
            "passages": len(current.stored.chunks),
        }

    @api.get("/openapi.json", include_in_schema=False, dependencies=guarded)
    async def openapi(request: Request) -> JSONResponse:
        root = request.scope.get("root_path", "")
        return JSONResponse({**api.openapi(), "servers": [{"url": root or "/"}]})

    @api.get("/docs", include_in_schema=False, dependencies=guarded)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(openapi_url=f"{root}/openapi.json", title=api.title)

    return api


def close_api(api: FastAPI) -> None:
    """Stop the API's thread pool; questions still running finish first."""
    api.state.pool.shutdown(wait=True)


def mount_api(app: Any, api: FastAPI, path: str = API_PATH) -> None:
    """Serve ``api`` at ``path`` on the chat's app, whose login cookie then opens it too.

    Put first among the routes, so that nothing of the chat's answers there.
    """
    if api.state.login.accounts:
        api.state.login.session_user = gradio_session(app)
    app.router.routes.insert(0, Mount(path, app=api))


def gradio_session(app: Any) -> SessionUser | None:
    """The user of a request's Gradio session cookie, checked as Gradio's own
    ``/gradio_api/user`` route does (gradio 6.31 ``routes.py``): the cookie names a
    token that ``POST /login`` put in ``app.tokens``. None when the app has no such
    sessions (basic logins still work; ``test_api.py`` fails on a gradio that moved them).
    """
    tokens, cookie_id = getattr(app, "tokens", None), getattr(app, "cookie_id", None)
    if not isinstance(tokens, dict) or cookie_id is None:
        logger.error("the chat's login cookie does not open the API: gradio's sessions moved")
        return None

    async def session_user(request: Request) -> str | None:
        cookies = request.cookies
        token = cookies.get(f"access-token-{cookie_id}")
        token = token or cookies.get(f"access-token-unsecure-{cookie_id}")
        return tokens.get(token) if token else None

    return session_user


def api_lifespan(api: FastAPI, inner: Lifespan | None = None) -> Lifespan:
    """A lifespan for the chat's app: mounts ``api`` at startup, runs ``inner``, then closes it.

    Gradio builds its app inside ``launch`` and runs this before the first request.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        mount_api(app, api)
        try:
            if inner is None:
                yield
            else:
                async with inner(app):
                    yield
        finally:
            close_api(api)

    return lifespan


def answer_json(assistant: Assistant, request: AskRequest) -> tuple[bytes, float]:
    """``assistant.ask(...).to_dict()`` as JSON bytes, and the seconds it took.

    Run in the pool: the JSON is made there too, off the event loop.
    """
    started = time.perf_counter()
    answer = assistant.ask(request.question, **request.ask_arguments())
    body = json.dumps(answer.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()
    return body, time.perf_counter() - started


def catalogue(assistant: Assistant) -> list[dict[str, Any]]:
    """The Articles tab's list as JSON: metadata and passage count, newest first."""
    counts = passage_counts(assistant.stored.chunks)
    fields = ("id", "title", "outlet", "published", "url", "author")
    return [
        {**{name: getattr(article, name) for name in fields}, "passages": counts.get(article.id, 0)}
        for article in newest_first(assistant.articles)
    ]


async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    """A 422 naming each invalid field, without echoing the input back."""
    errors = [
        {"loc": list(item["loc"]), "msg": _message(item), "type": item["type"]}
        for item in error.errors()
    ]
    reasons = [f"{'.'.join(map(str, e['loc'][1:])) or 'body'}: {e['msg']}" for e in errors]
    if any(e["type"] == "json_invalid" for e in errors):
        reasons = ["the body is not valid JSON: send a JSON object"]
    return JSONResponse({"detail": "; ".join(reasons), "errors": errors}, status_code=422)


def _message(error: Any) -> str:
    """pydantic's message, without the "Value error, " it puts before a validator's own."""
    return str(error["msg"]).removeprefix("Value error, ")

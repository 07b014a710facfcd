"""RequestGuard: refuse the requests a loopback chat never needs to answer."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse

logger = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class RequestGuard:
    """ASGI middleware refusing what a loopback chat never needs (HTTP 403).

    - a request whose ``Origin`` is not the page's own: a form or script on
      another site posting to the queue (Gradio's CORS check only withholds the
      response; the request would still run);
    - when listening on loopback, a ``Host`` that is not a loopback name: a DNS
      rebinding page that makes its own origin resolve to 127.0.0.1;
    - ``/file=`` or ``/file/`` with a URL: Gradio would fetch it from the
      server, and the app serves no remote files.
    """

    def __init__(self, app: Any, *, loopback: bool) -> None:
        self.app = app
        self.loopback = loopback

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            reason = self.refusal(scope)
            if reason is not None:
                logger.warning("refused %s %s: %s", scope.get("method"), scope["path"], reason)
                if scope["type"] == "http":
                    await PlainTextResponse(reason, status_code=403)(scope, receive, send)
                else:
                    await send({"type": "websocket.close", "code": 1008})
                return
        await self.app(scope, receive, send)

    def refusal(self, scope: dict[str, Any]) -> str | None:
        """Why a request is refused, or None to let it through."""
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if self.loopback and urlsplit(f"//{host}").hostname not in LOOPBACK:
            return "Host not allowed."
        origin = headers.get("origin")
        if origin is not None and urlsplit(origin).netloc.lower() != host.lower():
            return "Cross-origin request refused."
        path = scope["path"]
        if ("/file=" in path or "/file/" in path) and "://" in path:
            return "Remote files are not served."
        return None

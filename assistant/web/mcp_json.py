"""The MCP tool's result as JSON, with the same object as structured content.

Gradio's MCP server (``gradio.mcp.GradioMCPServer``, gradio 6.31) writes every
output that is not a file as ``str(output)``: the ``ask`` tool's dict reached
agents as its Python repr (``{'question': ...}``), which a JSON parser rejects.
Its own structured output (``gr.mcp.tool(structured_output=True)``) wraps that
same text list in ``{"result": ...}``, so it does not help either.

``answer_in_json`` changes the one server object the app launched, before it
serves a request (``json_results_lifespan`` runs it at startup): dict and list
outputs become JSON text, and a result whose text is one JSON object also
carries that object as ``structuredContent`` (MCP 2025-06-18, which mcp 1.30
speaks). Calls still go through Gradio's queue, as the page's do.

Example:
    >>> demo.launch(mcp_server=True, app_kwargs={"lifespan": json_results_lifespan(demo)})
    ... # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

logger = logging.getLogger(__name__)


def json_text(output: Any) -> str:
    """One output as JSON text; ``ensure_ascii=False`` keeps quotes and accents readable."""
    return json.dumps(output, ensure_ascii=False)


def answer_in_json(server: Any) -> bool:
    """Make a launched Gradio MCP server answer in JSON; False when it cannot be changed.

    Args:
        server: ``blocks.mcp_server_obj``, the server Gradio built for the app.
    """
    from gradio_client.utils import is_file_obj_with_meta
    from mcp import types

    plain = getattr(server, "postprocess_output_data", None)
    handlers = getattr(getattr(server, "mcp_server", None), "request_handlers", {})
    call = handlers.get(types.CallToolRequest)
    if plain is None or call is None:
        # A gradio upgrade moved what this relies on: the tool still works, in repr.
        logger.error("MCP results stay Python reprs: gradio's MCP server has changed")
        return False

    def postprocess(data: list[Any], root_url: str) -> list[Any]:
        if data and all(
            isinstance(output, dict | list) and not is_file_obj_with_meta(output) for output in data
        ):
            return [types.TextContent(type="text", text=json_text(output)) for output in data]
        # Files and images keep Gradio's handling (base64 content, URLs).
        return plain(data, root_url)

    async def call_with_structure(request: types.CallToolRequest) -> types.ServerResult:
        response = await call(request)
        result = response.root
        if (
            isinstance(result, types.CallToolResult)
            and not result.isError
            and result.structuredContent is None
            and len(result.content) == 1
            and isinstance(result.content[0], types.TextContent)
        ):
            try:
                value = json.loads(result.content[0].text)
            except ValueError:
                return response
            if isinstance(value, dict):
                return types.ServerResult(result.model_copy(update={"structuredContent": value}))
        return response

    server.postprocess_output_data = postprocess
    handlers[types.CallToolRequest] = call_with_structure
    return True


def json_results_lifespan(blocks: Any) -> Callable[[Any], contextlib.AbstractAsyncContextManager]:
    """A Starlette lifespan that applies ``answer_in_json`` to the app's MCP server, if any.

    Gradio creates the server inside ``launch`` and runs a user lifespan after its
    own at startup, before the first request: there the server exists and no tool
    call has been answered yet.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        server = getattr(blocks, "mcp_server_obj", None)
        if server is not None:
            answer_in_json(server)
        yield

    return lifespan

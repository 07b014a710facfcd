"""The MCP tool's results as JSON (``assistant/web/mcp_json.py``), on a stand-in server.

The real server, through a real MCP client session against ``python app.py --mcp``,
is tested in ``test_browser.py``.
"""

from __future__ import annotations

import asyncio
import json

import pytest

pytest.importorskip("mcp")

from mcp import types  # noqa: E402

from assistant.web.mcp_json import answer_in_json  # noqa: E402


class FakeMCPServer:
    """What answer_in_json needs of gradio's MCP server: its output step and handlers."""

    def __init__(self, result: object) -> None:
        self.mcp_server = type("Server", (), {"request_handlers": {}})()
        self.result = result

        async def call(request: object) -> types.ServerResult:
            content = self.postprocess_output_data([self.result], "http://127.0.0.1:1")
            return types.ServerResult(types.CallToolResult(content=content))

        self.mcp_server.request_handlers[types.CallToolRequest] = call

    def postprocess_output_data(self, data: list[object], root_url: str) -> list[object]:
        return [types.TextContent(type="text", text=str(output)) for output in data]


def call_tool(server: FakeMCPServer) -> object:
    request = types.CallToolRequest(params=types.CallToolRequestParams(name="ask", arguments={}))
    return asyncio.run(server.mcp_server.request_handlers[types.CallToolRequest](request)).root


def test_mcp_dict_results_become_json_and_structured_content() -> None:
    answer = {"question": "Who’s “he”?", "found": False, "passages": [], "confidence": 0.5}
    server = FakeMCPServer(answer)
    assert answer_in_json(server)
    result = call_tool(server)
    assert json.loads(result.content[0].text) == answer and "’" in result.content[0].text
    assert result.structuredContent == answer


def test_mcp_text_results_and_files_keep_gradios_handling() -> None:
    server = FakeMCPServer("plain words")
    assert answer_in_json(server)
    result = call_tool(server)
    assert result.content[0].text == "plain words" and result.structuredContent is None
    file = {"path": "/tmp/x.png", "meta": {"_type": "gradio.FileData"}}
    assert server.postprocess_output_data([file], "")[0].text == str(file)


def test_mcp_results_stay_as_they_are_when_gradio_has_changed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert answer_in_json(object()) is False
    assert "gradio's MCP server has changed" in caplog.text

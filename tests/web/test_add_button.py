""" "Add to the index" is off while there is nothing to add (issue 29, item 11)."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pytest

from assistant import Assistant
from assistant.web.add_panel import can_add
from assistant.web.page import build_demo
from assistant.web.reports import FileReport
from tests.web.test_upload import folders, make_uploader  # noqa: F401 (a fixture)


@pytest.mark.parametrize(
    ("statuses", "pasted", "expected"),
    [
        ((), "", False),
        (("skipped",), "", False),
        (("added", "present"), "  \n", False),
        (("skipped", "ready"), "", True),
        ((), "https://example.org/a", True),
    ],
)
def test_can_add_only_what_is_ready_or_a_link(statuses, pasted: str, expected: bool) -> None:
    reports = [FileReport(name=f"f{i}.md", status=status) for i, status in enumerate(statuses)]
    assert can_add(reports, pasted) is expected


def test_the_button_starts_off(folders: tuple[Path, Path], bot: Assistant) -> None:  # noqa: F811
    demo = build_demo(bot, uploader=make_uploader(folders, bot))
    button = next(
        block
        for block in demo.blocks.values()
        if isinstance(block, gr.Button) and block.elem_id == "qa-add-button"
    )
    assert button.interactive is False

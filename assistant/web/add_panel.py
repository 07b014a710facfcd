"""The "Add articles" tab of the chat: pick files (or paste links), check them, add them.

Uploading shows what each file gives before anything is copied (title, outlet,
date, passages, or why it would be skipped); "Add to the index" copies and
indexes them (``upload.Uploader``) and shows the same list as it now stands in
the index. Every event is private: none is part of the API.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr

from .links import MAX_LINKS, NO_FETCHER
from .reports import FileReport
from .upload import Uploader
from .views import format_additions

PRIVATE = {"api_visibility": "private"}
# Gradio's own name for the queue slots the add event takes. Several batches may run
# at once: each fetches its links on its own (up to a minute a link), and the uploader's
# lock lets one at a time copy and index, so a slow link never holds up another batch.
ADD_CONCURRENCY_ID = "add-articles"
ADD_CONCURRENCY = 4


def panel_intro(uploader: Uploader | None) -> str:
    """What the panel takes and the rules it keeps, in Markdown; or why adding is off."""
    if uploader is None:
        return "Adding articles is off in this chat."
    if not uploader.policy.enabled:
        return uploader.policy.reason
    limits = uploader.limits
    suffixes = ", ".join(f"`{suffix}`" for suffix in uploader.suffixes)
    text = (
        f"Add news articles to the ones the chat answers from: {suffixes} files, at most "
        f"{limits.files} at a time, {_megabytes(limits.file_bytes)} each and "
        f"{_megabytes(limits.total_bytes)} in all. Each file is checked first: what the "
        "assistant reads in it (title, outlet, date, passages), or why it would be "
        "skipped. Nothing already indexed is replaced; the new articles can be asked "
        "about as soon as they are added."
    )
    if uploader.policy.token:
        text += " Adding needs the operator's add token."
    return text


def can_add(reports: Sequence[FileReport], pasted: str | None = "") -> bool:
    """Whether "Add to the index" has anything to do: a checked file ready, or a link pasted.

    Links cannot be checked before they are fetched, so any pasted text counts.
    """
    return any(report.status == "ready" for report in reports) or bool((pasted or "").strip())


def build_add_panel(
    uploader: Uploader | None,
    *,
    after_adding: Callable[..., Any],
    after_inputs: Sequence[gr.components.Component],
    after_outputs: Sequence[gr.components.Component],
) -> None:
    """Lay out the panel in the current tab and wire its events.

    Args:
        uploader: does the work; None when the app was built without one.
        after_adding: run once a batch is indexed (refreshes the article list,
            the outlets, the filter line), with ``after_inputs`` and ``after_outputs``.
    """
    gr.Markdown(panel_intro(uploader), elem_id="qa-add-intro")
    if uploader is None or not uploader.policy.enabled:
        return
    policy = uploader.policy
    token: Any = (
        gr.Textbox(
            label="Add token",
            type="password",
            placeholder="the operator's token",
            elem_id="qa-add-token",
        )
        if policy.token
        else gr.State("")
    )
    files = gr.File(
        label="Article files",
        file_count="multiple",
        file_types=uploader.suffixes,
        type="filepath",
        elem_id="qa-add-files",
        height=180,
    )
    links: Any = gr.State("")
    if policy.allow_links:
        fetching = uploader.add_links is not None
        links = gr.Textbox(
            label=f"Links, one a line (at most {MAX_LINKS})",
            lines=3,
            placeholder="https://..." if fetching else NO_FETCHER,
            interactive=fetching,
            elem_id="qa-add-links",
        )
    # Off until a checked file can be added or a link is pasted (``can_add``).
    button = gr.Button(
        "Add to the index", variant="primary", interactive=False, elem_id="qa-add-button"
    )
    report = gr.HTML("", elem_id="qa-add-report")
    # Whether the chosen files hold an article to add, as their check found.
    ready = gr.State(False)

    def check(chosen: list[str] | None, key: str | None) -> tuple[str, bool]:
        outcome = uploader.check(chosen, token=key)
        return format_additions(outcome.reports, outcome.message), can_add(outcome.reports)

    def button_state(files_ready: bool, pasted: str | None) -> Any:
        return gr.Button(interactive=files_ready or can_add((), pasted))

    def add(
        chosen: list[str] | None,
        pasted: str | None,
        key: str | None,
        progress: gr.Progress = gr.Progress(track_tqdm=True),  # noqa: B008 (Gradio's way)
    ) -> tuple[str, bool]:
        outcome = uploader.add(
            chosen, pasted, token=key, progress=lambda done, text: progress(done, desc=text)
        )
        # Added files are "added" now: nothing is left to add but what failed and may retry.
        return format_additions(outcome.reports, outcome.message), can_add(outcome.reports)

    def update_button(event: Any) -> None:
        event.then(button_state, [ready, links], button, queue=False, **PRIVATE)

    update_button(files.upload(check, [files, token], [report, ready], **PRIVATE))
    update_button(files.delete(check, [files, token], [report, ready], **PRIVATE))
    update_button(files.clear(lambda: ("", False), None, [report, ready], **PRIVATE))
    if isinstance(links, gr.Textbox):
        links.change(button_state, [ready, links], button, queue=False, **PRIVATE)
    update_button(
        button.click(
            add,
            [files, links, token],
            [report, ready],
            concurrency_limit=ADD_CONCURRENCY,
            concurrency_id=ADD_CONCURRENCY_ID,
            **PRIVATE,
        ).then(after_adding, list(after_inputs), list(after_outputs), **PRIVATE)
    )


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:g} MB"

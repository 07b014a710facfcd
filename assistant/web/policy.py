"""Who may add articles from the web chat, and how much one batch may hold.

Kept apart from ``upload.py`` so that ``app.py`` can check its options before
the model and Gradio load.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from .guard import LOOPBACK

MAX_FILES = 20
MAX_FILE_BYTES = 10_000_000
MAX_TOTAL_BYTES = 50_000_000
MIN_TOKEN_CHARS = 12
# A wrong token costs this long, so that guessing it through the queue is slow.
WRONG_TOKEN_DELAY = 1.0


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """How much one batch may hold: files, bytes per file, bytes in all."""

    files: int = MAX_FILES
    file_bytes: int = MAX_FILE_BYTES
    total_bytes: int = MAX_TOTAL_BYTES


@dataclass(frozen=True, slots=True)
class AddPolicy:
    """Who may add articles from the web chat.

    Attributes:
        enabled: whether the panel adds anything at all.
        token: the operator's token each batch must carry; '' for none.
        reason: why adding is off, for the panel.
        allow_links: the operator allowed fetching links (``--allow-fetch``).
    """

    enabled: bool
    token: str = ""
    reason: str = ""
    allow_links: bool = False

    @classmethod
    def for_server(
        cls, host: str, *, token: str = "", auth: bool = False, allow_fetch: bool = False
    ) -> AddPolicy:
        """The rule: on loopback anyone at this machine may add; elsewhere a token or a login.

        A server on another address adds articles only for whoever has the
        operator's token, or behind Gradio's own login (``auth``: only those who
        logged in reach the tab at all). A token set is asked for in any case.

        Raises:
            ValueError: a token shorter than ``MIN_TOKEN_CHARS``.
        """
        if token and len(token) < MIN_TOKEN_CHARS:
            raise ValueError(f"the add token must be at least {MIN_TOKEN_CHARS} characters long")
        if token or auth or host in LOOPBACK:
            return cls(True, token=token, allow_links=allow_fetch)
        reason = (
            f"Adding articles is off: this chat listens on {host}, not only on this machine, "
            "so the operator must start it with an add token (--add-token, or "
            "$ASSISTANT_ADD_TOKEN) or behind a login (--auth-file) to allow it."
        )
        return cls(False, reason=reason)

    def refusal(self, token: str | None) -> str | None:
        """Why a batch with this token is refused; None when it may go on."""
        if not self.enabled:
            return self.reason
        if self.token and not hmac.compare_digest(
            (token or "").encode("utf-8"), self.token.encode("utf-8")
        ):
            return "The add token is wrong: ask the operator for it."
        return None

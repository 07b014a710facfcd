"""LiveAssistant: the app's one Assistant, replaced whole when the index changes.

Articles added in the web chat make a new index version; a new ``Assistant`` is
loaded over it and put in place with one assignment. A question already running
keeps the Assistant it started with (``ask`` is looked up once per call), so it
never sees half of one index and half of another, and the old version's files
stay readable until it is done (``store/storage.py``).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..pipeline import Assistant


class LiveAssistant:
    """Stands for the current Assistant: every attribute is the current one's.

    Example:
        >>> live = LiveAssistant(Assistant.load(corpus_dir="corpus", index_dir="index"))
        >>> live.ask("Who is Oleg Kuznetsov?").best.outlet
        >>> live.replace(Assistant.load(corpus_dir="corpus", index_dir="index"))
    """

    def __init__(self, assistant: Assistant) -> None:
        self._current = assistant
        self._lock = threading.Lock()
        self.version = 0

    @property
    def current(self) -> Assistant:
        """The Assistant questions go to now; hold on to it to see one index throughout."""
        return self._current

    def replace(self, assistant: Assistant) -> None:
        """Put a new Assistant in place; questions started before keep the old one."""
        with self._lock:
            self._current = assistant
            self.version += 1

    def __getattr__(self, name: str) -> Any:
        # Only called for names LiveAssistant lacks: ask, articles, stored, article...
        return getattr(self._current, name)


def live(assistant: Assistant | LiveAssistant) -> LiveAssistant:
    """``assistant`` as a LiveAssistant (itself when it is one already)."""
    return assistant if isinstance(assistant, LiveAssistant) else LiveAssistant(assistant)

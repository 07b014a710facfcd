"""Like/dislike feedback on answers, appended to a local JSONL file.

One JSON object per line, appended and never rewritten, so the file can be
read while the app runs and a crash loses at most the line being written.

Example:
    >>> log = FeedbackLog("feedback/feedback.jsonl")
    >>> log.record("like", answer_record(answer))
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path
from typing import Any

from ..answer import Answer
from ..search.filters import Filters

try:  # POSIX only: also keeps two app processes from interleaving lines.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

DEFAULT_FEEDBACK_FILE = "feedback/feedback.jsonl"
RATINGS = ("like", "dislike", "cleared")


def answer_record(answer: Answer, filters: Filters | None = None) -> dict[str, Any]:
    """What a rating refers to: the question, the query, the passages shown and their spans."""
    return {
        "question": answer.question,
        "searched_for": answer.searched_for,
        "found": answer.found,
        "confidence": answer.confidence,
        "filters": (filters or Filters()).to_dict(),
        "passages": [
            {
                "article_id": passage.article_id,
                "start": passage.start,
                "end": passage.end,
                "highlight_start": passage.highlight_start,
                "highlight_end": passage.highlight_end,
                "score": passage.score,
            }
            for passage in answer.passages
        ],
    }


class FeedbackLog:
    """Appends ratings to a JSONL file; safe to call from many threads at once.

    Args:
        path: the file; it and its folder are created on the first rating.
    """

    def __init__(self, path: str | Path = DEFAULT_FEEDBACK_FILE) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def record(self, rating: str, record: dict[str, Any]) -> dict[str, Any]:
        """Append one rating of one answer and return the line written.

        Args:
            rating: "like", "dislike", or "cleared" when a rating was taken back.
            record: what ``answer_record`` returned for the rated answer.

        Raises:
            ValueError: an unknown rating.
            OSError: the file cannot be written.
        """
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {', '.join(RATINGS)}, got {rating!r}")
        entry = {
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "rating": rating,
            **record,
        }
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # O_APPEND puts every write at the end, even with other writers.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                written = 0
                while written < len(line):
                    written += os.write(fd, line[written:])
                os.fsync(fd)
            finally:
                os.close(fd)  # closing also releases the flock
        return entry

    def read(self) -> list[dict[str, Any]]:
        """Every rating recorded so far, oldest first (for tests and analysis)."""
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

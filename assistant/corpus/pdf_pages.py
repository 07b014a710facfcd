"""A PDF's pages and document information by pypdf: the part of ``pdf.py`` run apart.

``pdf.py`` runs this file as a script in a process of its own (``isolation.run_script``),
killed at a deadline, because pypdf cannot be stopped inside a page. It reads the PDF
from standard input and writes one JSON object: ``{"result": [pages, fields]}``, or
``{"error": reason}`` for a PDF it refuses. It imports nothing of the project (the
script starts with ``python -I``, only pypdf loaded), so a child costs an interpreter
and pypdf's import, about 0.2 s.

Usage:
    python -I pdf_pages.py TEXT_BYTES MAX_PAGES < file.pdf
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

# The document information the article takes (pypdf's names), as text.
FIELDS = ("title", "author", "creation_date_raw")


class Refused(Exception):
    """A PDF that is not read, with the reason (the parent raises it as a CorpusError)."""


def read_pages(raw: bytes, text_bytes: int, max_pages: int) -> tuple[list[str], dict[str, str]]:
    """Each page's text (layout mode) and the document information's fields.

    The text is counted page by page, its spaces squeezed (layout mode pads lines with
    them): the page that takes it past ``text_bytes`` is the last read.

    Raises:
        Refused: encrypted, damaged, more than ``max_pages`` pages, or too much text.
    """
    import pypdf

    with _quiet_pypdf():
        try:
            reader = pypdf.PdfReader(io.BytesIO(raw))
            if reader.is_encrypted and not _opens_without_password(reader):
                raise Refused(
                    "the PDF is encrypted with a password: save an unprotected copy "
                    "(print to PDF) and add that"
                )
            count = len(reader.pages)
            if count > max_pages:
                raise Refused(
                    f"the PDF has {count:,} pages (at most {max_pages:,} are read): "
                    "split it into one file per article"
                )
            pages: list[str] = []
            size = 0
            for number, page in enumerate(reader.pages, start=1):
                pages.append(_page_text(page))
                size += len(" ".join(pages[-1].split()).encode())
                if size > text_bytes:
                    raise Refused(
                        f"its text is too big for one article (over {size:,} bytes by page "
                        f"{number} of {count:,}, the limit is {text_bytes:,})"
                    )
            return pages, _fields(reader.metadata)
        except Refused:
            raise
        # pypdf raises many kinds of error on a damaged file (its own, and KeyError,
        # ValueError, struct and zlib errors from deep inside); each means the same here.
        except Exception as error:
            raise Refused(
                f"the PDF is damaged and cannot be read ({type(error).__name__}: {error}): "
                "open it in a viewer and save it again"
            ) from error


@contextlib.contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf's warnings about a damaged file off: the file's reason says it once, clearly."""
    pypdf_logger = logging.getLogger("pypdf")
    level = pypdf_logger.level
    pypdf_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        pypdf_logger.setLevel(level)


def _opens_without_password(reader: Any) -> bool:
    """Whether an encrypted PDF opens with the empty password (restrictions only)."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # an unsupported cipher is as closed as a password
        return False


def _page_text(page: Any) -> str:
    """A page's text; layout mode keeps the gaps between paragraphs as blank lines."""
    try:
        return page.extract_text(extraction_mode="layout", layout_mode_space_vertically=True)
    except Exception:
        # Layout mode fails on some fonts where plain mode reads them.
        return page.extract_text()


def _fields(info: Any) -> dict[str, str]:
    """The document information's fields as text; '' for a missing or damaged one."""

    def field(name: str) -> str:
        try:
            value = getattr(info, name, None) if info is not None else None
        except Exception:  # a damaged entry is an unknown one
            value = None
        return str(value or "")

    return {name: field(name) for name in FIELDS}


def main(argv: list[str]) -> int:
    """Read the PDF on standard input; write its pages and fields, or the refusal, as JSON."""
    text_bytes, max_pages = int(argv[0]), int(argv[1])
    try:
        answer: dict[str, Any] = {
            "result": read_pages(sys.stdin.buffer.read(), text_bytes, max_pages)
        }
    except Refused as refusal:
        answer = {"error": str(refusal)}
    sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

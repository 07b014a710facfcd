"""Archives of many articles: ``.jsonl`` and ``.csv`` files, one article per row.

A row holds a ``text`` column and optionally ``title``, ``outlet``, ``published``,
``url``, ``author`` and ``id`` (column names are matched without case or surrounding
spaces; other columns are ignored). Each row's text is cleaned as a Markdown
article's is; a row without a title is named by its first line, which stays in the text.
Rows are numbered from 1: a CSV file's data rows below the header, a JSONL file's lines.

Bad rows do not stop the archive: a row without text, not a JSON object, with a
text over the one-article limit, a date that is not ISO, or an id or text another
row already has is skipped with a logged warning naming the file and the row, and
the other rows are read. A file whose header has no ``text`` column (or whose rows
hold no ``text`` key), or in which no row holds an article, is a CorpusError.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import CorpusError
from .article import METADATA_FIELDS, Article
from .assembly import collect, finish_article, require_text, summary

logger = logging.getLogger(__name__)

# An archive holds thousands of articles, so it may be bigger than the loader's
# one-article limit; 200 MB is about 40,000 long articles, more than a CPU embeds
# in an hour. The loader reads at most this many bytes of an archive.
MAX_ARCHIVE_BYTES = 200_000_000
# One row is one article, held to the loader's limit for an article file.
MAX_ROW_TEXT_BYTES = 1_000_000
COLUMNS = ("text", "id", *METADATA_FIELDS)
_UNSAFE_ID = re.compile(r"[^\w.-]+")
_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})([T ][\d:.+\-Z]*)?$")


class ArchiveSource:
    """``.jsonl`` and ``.csv`` files: one article per row."""

    name = "archive"
    suffixes = (".jsonl", ".csv")
    max_bytes = MAX_ARCHIVE_BYTES

    def read(self, article_id: str, raw: bytes, *, path: str = "") -> list[Article]:
        return read_archive(article_id, raw, path=path, csv_format=path.lower().endswith(".csv"))


def read_archive(stem: str, raw: bytes, *, path: str = "", csv_format: bool) -> list[Article]:
    """The articles of an archive's rows; bad rows are skipped with a warning.

    Args:
        stem: the file's name without its suffix; a row without an id is
            ``<stem>-<row number>``.
        raw: the file's bytes, UTF-8 (a BOM is allowed).
        path: the file's path, for messages and the articles' ``path``.
        csv_format: a CSV file with a header row, else JSON Lines.

    Raises:
        CorpusError: empty or not UTF-8, no ``text`` column, or no row holds an article.
    """
    name = Path(path).name or stem
    if not raw.strip():
        raise CorpusError("the file is empty: add rows or remove the file")
    # A text stream over the bytes, so rows are decoded one at a time and the
    # file is never held twice (as bytes and as one decoded string).
    stream = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig", errors="strict", newline="")
    rows = _csv_rows(stream) if csv_format else _jsonl_rows(stream)
    articles: list[Article] = []
    problems: list[str] = []
    try:
        collect(
            rows,
            lambda number, row: _row_article(stem, number, row, path=path),
            what="row",
            name=name,
            articles=articles,
            problems=problems,
        )
    except UnicodeDecodeError as error:
        raise CorpusError(
            f"the file is not valid UTF-8 (after row {len(articles) + len(problems)}); "
            "re-save it as UTF-8"
        ) from error
    if not articles:
        raise CorpusError(f"no row holds an article ({summary(problems) or 'no rows'})")
    return articles


def _csv_rows(stream: io.TextIOWrapper) -> Iterator[tuple[int, dict[str, Any]]]:
    """The data rows of a CSV file, numbered from 1, keyed by lower-case column names.

    Raises:
        CorpusError: the header has no ``text`` column, or the CSV is malformed.
    """
    # csv's default field limit (128 kB) is below one long article; the whole
    # file is already bounded by MAX_ARCHIVE_BYTES, and a row's text by
    # MAX_ROW_TEXT_BYTES, so the parser itself need not stop earlier.
    previous = csv.field_size_limit(MAX_ARCHIVE_BYTES)
    try:
        reader = csv.reader(stream)
        header = [column.strip().casefold() for column in next(reader, [])]
        if "text" not in header:
            shown = ", ".join(repr(column) for column in header) or "none"
            raise CorpusError(f"the CSV header has no 'text' column (its columns: {shown})")
        try:
            for number, values in enumerate(reader, start=1):
                if not any(value.strip() for value in values):
                    logger.info("row %d of a CSV archive is empty", number)
                    continue
                yield number, dict(zip(header, values, strict=False))
        except csv.Error as error:
            raise CorpusError(f"the CSV is malformed at line {reader.line_num}: {error}") from error
    finally:
        csv.field_size_limit(previous)


def _jsonl_rows(stream: io.TextIOWrapper) -> Iterator[tuple[int, dict[str, Any]]]:
    """The JSON objects of a JSON Lines file, numbered by line.

    A line that is not a JSON object is yielded as a row whose fault is named, so
    that it is skipped with its reason; blank lines are ignored.

    Raises:
        CorpusError: the first object has no ``text`` key.
    """
    checked = False
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            yield number, {"": f"not valid JSON ({error.msg} at column {error.colno})"}
            continue
        if not isinstance(row, dict):
            yield number, {"": f"not a JSON object but a {type(row).__name__}"}
            continue
        row = {str(key).strip().casefold(): value for key, value in row.items()}
        if not checked:
            checked = True
            if "text" not in row:
                shown = ", ".join(repr(key) for key in row) or "none"
                raise CorpusError(f"the first JSON object has no 'text' key (its keys: {shown})")
        yield number, row


def _row_article(stem: str, number: int, row: dict[str, Any], *, path: str) -> Article:
    """One row as an Article.

    Raises:
        CorpusError: the row is not an object, has no text or too much, or a
            field is not plain text.
    """
    if "" in row and len(row) == 1:
        raise CorpusError(str(row[""]))
    fields = {name: _field(name, row.get(name)) for name in COLUMNS}
    body = fields["text"].replace("\r\n", "\n").replace("\r", "\n")
    require_text(body, MAX_ROW_TEXT_BYTES, missing="it has no text")
    metadata = {name: fields[name] for name in METADATA_FIELDS}
    published = _ISO_DATE.match(metadata["published"])
    if metadata["published"] and published is None:
        raise CorpusError(
            f"its date {metadata['published']!r} is not an ISO date (YYYY-MM-DD): write it so, "
            "or leave it empty"
        )
    metadata["published"] = published.group(1) if published else ""
    article_id = _UNSAFE_ID.sub("-", fields["id"]).strip("-.") or f"{stem}-{number}"
    return finish_article(
        article_id,
        body,
        metadata,
        path=path,
        empty="it holds no article text once cleaned",
        title_in_text=True,
    )


def _field(name: str, value: Any) -> str:
    """A row's value as text; None is ''.

    Raises:
        CorpusError: the value is a list or an object.
    """
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        raise CorpusError(f"its {name!r} is a nested structure, not plain text")
    # NFC as the decoder gives Markdown files: composed and decomposed accents
    # are then the same text for spans and duplicate checks.
    text = unicodedata.normalize("NFC", str(value))
    return text if name == "text" else " ".join(text.split())

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
hold no ``text`` key), a ``.jsonl`` whose first line is no JSON object (it is not JSON
Lines at all), or a file in which no row holds an article, is a CorpusError.

Dates are read by ``dates.iso_date``: ISO, or a full date in words ("3 October 2020").

Columns named otherwise (``body`` for ``text``, ``headline`` for ``title``) are mapped by
a column-mapping file beside the archive: ``press.csv.columns`` holds a JSON object from
field to column, ``{"text": "body", "title": "headline"}``, and is read with the archive
every time, so the loader reads it the same way on every build. ``add --columns
text=body,title=headline`` writes it. Rows are read one at a time from the file's bytes,
with a progress bar where the command line shows one (``progress.py``).
"""

from __future__ import annotations

import codecs
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
from . import progress
from .article import METADATA_FIELDS, Article
from .assembly import collect, finish_article, require_text, summary
from .columns import COLUMNS, columns_file, read_columns
from .dates import iso_date
from .sniffing import refuse_binary

logger = logging.getLogger(__name__)

# An archive holds thousands of articles, so it may be bigger than the loader's
# one-article limit; 200 MB is about 40,000 long articles, more than a CPU embeds
# in an hour. The loader reads at most this many bytes of an archive.
MAX_ARCHIVE_BYTES = 200_000_000
# One row is one article, held to the loader's limit for an article file.
MAX_ROW_TEXT_BYTES = 1_000_000
# A field other than the text is a line (a title, a URL); a longer one is a mistake
# in the export, such as a text column put under another name.
MAX_FIELD_CHARS = 10_000
# A JSON line bigger than this is not parsed: even a 1 MB text written as \uXXXX
# escapes fits in it.
MAX_LINE_CHARS = 8_000_000
_UNSAFE_ID = re.compile(r"[^\w.-]+")


class ArchiveSource:
    """``.jsonl`` and ``.csv`` files: one article per row."""

    name = "archive"
    suffixes = (".jsonl", ".csv")
    max_bytes = MAX_ARCHIVE_BYTES

    def read(
        self, article_id: str, raw: bytes, *, path: str = "", columns: dict[str, str] | None = None
    ) -> list[Article]:
        """The archive's articles; ``columns`` maps fields to columns, else its mapping file."""
        if columns is None:
            columns = read_columns(columns_file(path)) if path else {}
        return read_archive(
            article_id,
            raw,
            path=path,
            csv_format=path.lower().endswith(".csv"),
            columns=columns,
        )


def read_archive(
    stem: str,
    raw: bytes,
    *,
    path: str = "",
    csv_format: bool,
    columns: dict[str, str] | None = None,
) -> list[Article]:
    """The articles of an archive's rows; bad rows are skipped with a warning.

    Args:
        stem: the file's name without its suffix; a row without an id is
            ``<stem>-<row number>``.
        raw: the file's bytes, UTF-8 (a BOM is allowed).
        path: the file's path, for messages and the articles' ``path``.
        csv_format: a CSV file with a header row, else JSON Lines.
        columns: field -> column name where they differ ({"text": "body"}).

    Raises:
        CorpusError: empty or not UTF-8, no ``text`` column, or no row holds an article.
    """
    name = Path(path).name or stem
    if not raw.strip():
        raise CorpusError("the file is empty: add rows or remove the file")
    refuse_binary(raw, what="a CSV file" if csv_format else "a JSON Lines file")
    names = {field: (columns or {}).get(field, field).strip().casefold() for field in COLUMNS}
    # A text stream over the bytes, so rows are decoded one at a time and the
    # file is never held twice (as bytes and as one decoded string).
    buffer = io.BytesIO(raw)
    stream = io.TextIOWrapper(buffer, encoding="utf-8-sig", errors="strict", newline="")
    rows = _csv_rows(stream, names) if csv_format else _jsonl_rows(stream, names)
    articles: list[Article] = []
    problems: list[str] = []
    try:
        with progress.bar(len(raw), desc=name) as shown:
            collect(
                _reporting(rows, buffer, shown),
                lambda number, row: _row_article(stem, number, row, names, path=path),
                what="row",
                name=name,
                articles=articles,
                problems=problems,
            )
    except UnicodeDecodeError as error:
        # The text stream decodes ahead of the rows read, so the rows counted so far
        # do not say where the fault is: its byte does.
        offset = _invalid_utf8_offset(raw)
        line = raw.count(b"\n", 0, offset) + 1
        where = f"line {line}" if csv_format else f"row {line}"
        raise CorpusError(
            f"the file is not valid UTF-8 ({where}, byte {offset}); re-save it as UTF-8"
        ) from error
    if not articles:
        raise CorpusError(f"no row holds an article ({summary(problems) or 'no rows'})")
    return articles


def _invalid_utf8_offset(raw: bytes) -> int:
    """Where the first byte that is not UTF-8 is, decoding a block at a time (not all at once)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    block = 1 << 20
    for start in range(0, len(raw), block):
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(raw[start : start + block])
        except UnicodeDecodeError as error:
            return start - pending + error.start
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return len(raw) - len(decoder.getstate()[0])
    return len(raw)


def _reporting(
    rows: Iterator[tuple[int, dict[str, Any]]], buffer: io.BytesIO, shown: progress.Bar
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows, moving the bar to how far into the file's bytes they have been read."""
    done = 0
    for item in rows:
        # The text stream reads ahead in blocks, so this is the block's end: near enough.
        position = buffer.tell()
        shown.update(position - done)
        done = position
        yield item


def _missing_column(
    field: str, names: dict[str, str], where: str, found: list[str], *, noun: str = "column"
) -> str:
    """Why a file without the column of ``field`` is refused, naming the columns it has."""
    shown = ", ".join(repr(column) for column in found) or "none"
    column = names[field]
    mapped = f" (the column mapping's {field!r})" if column != field else ""
    return f"{where} has no {column!r} {noun}{mapped} (its {noun}s: {shown})"


def _csv_rows(
    stream: io.TextIOWrapper, names: dict[str, str]
) -> Iterator[tuple[int, dict[str, Any]]]:
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
        if names["text"] not in header:
            raise CorpusError(_missing_column("text", names, "the CSV header", header))
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


def _jsonl_rows(
    stream: io.TextIOWrapper, names: dict[str, str]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The JSON objects of a JSON Lines file, numbered by line.

    A line that is not a JSON object is yielded as a row whose fault is named, so
    that it is skipped with its reason; blank lines are ignored. The first line is
    the exception: it says whether the file is JSON Lines at all.

    Raises:
        CorpusError: the first line is no JSON object, or the first object has no
            ``text`` key.
    """
    checked = False
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE_CHARS:
            yield (
                number,
                {
                    "": f"the row is too big ({len(line):,} characters; at most "
                    f"{MAX_LINE_CHARS:,} are read)"
                },
            )
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            problem = f"not valid JSON ({error.msg} at column {error.colno})"
        else:
            kind = type(row).__name__
            problem = "" if isinstance(row, dict) else f"not a JSON object but a {kind}"
        if problem and not checked:
            # The first line says what the file is, as a file's first bytes do (sniffing.py).
            raise CorpusError(
                f"it is not a JSON Lines file: its first line is {problem}; a JSON Lines "
                "file holds one JSON object a line"
            )
        if problem:
            yield number, {"": problem}
            continue
        row = {str(key).strip().casefold(): value for key, value in row.items()}
        if not checked:
            checked = True
            if names["text"] not in row:
                where = "the first JSON object"
                raise CorpusError(_missing_column("text", names, where, list(row), noun="key"))
        yield number, row


def _row_article(
    stem: str, number: int, row: dict[str, Any], names: dict[str, str], *, path: str
) -> Article:
    """One row as an Article.

    Raises:
        CorpusError: the row is not an object, has no text or too much, or a
            field is not plain text.
    """
    if "" in row and len(row) == 1:
        raise CorpusError(str(row[""]))
    fields = {name: _field(name, row.get(names[name])) for name in COLUMNS}
    body = fields["text"].replace("\r\n", "\n").replace("\r", "\n")
    require_text(body, MAX_ROW_TEXT_BYTES, missing="it has no text")
    metadata = {name: fields[name] for name in METADATA_FIELDS}
    published = iso_date(metadata["published"])
    if metadata["published"] and not published:
        raise CorpusError(
            f"its date {metadata['published']!r} is not an ISO date (YYYY-MM-DD) nor a full "
            "date in words (3 October 2020): write it so, or leave it empty"
        )
    metadata["published"] = published
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
    if name == "text":
        return text
    if len(text) > MAX_FIELD_CHARS:
        raise CorpusError(
            f"its {name!r} is {len(text):,} characters long (at most {MAX_FIELD_CHARS:,}): "
            "is the text in the wrong column?"
        )
    return " ".join(text.split())

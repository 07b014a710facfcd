"""Column mappings: which column of an archive holds which field, kept beside the archive.

An export names its columns as its system does (``body``, ``headline``, ``pub_date``). A
mapping from field to column, ``{"text": "body", "title": "headline"}``, says where each
field is; the fields it leaves out keep their own names. It lives in a file beside the
archive, ``press.csv.columns`` for ``press.csv``, so that the loader reads the archive the
same way on every build, and the archive itself stays byte for byte as it was given.
``python -m assistant add --columns text=body,title=headline press.csv`` writes it; it may
also be written by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import CorpusError
from .article import METADATA_FIELDS

COLUMNS = ("text", "id", *METADATA_FIELDS)
# The column-mapping file beside an archive: "press.csv" -> "press.csv.columns".
COLUMNS_SUFFIX = ".columns"
MAX_COLUMNS_FILE_BYTES = 10_000


def columns_file(archive: str | Path) -> Path:
    """The column-mapping file of an archive: ``press.csv`` -> ``press.csv.columns``."""
    return Path(f"{archive}{COLUMNS_SUFFIX}")


def parse_columns(spec: str) -> dict[str, str]:
    """A mapping from ``text=body,title=headline``: each field and the column holding it.

    Raises:
        ValueError: not FIELD=COLUMN pairs, or a field that is not an archive's.
    """
    mapping: dict[str, str] = {}
    for pair in filter(None, (part.strip() for part in spec.split(","))):
        field, equals, column = (part.strip() for part in pair.partition("="))
        if not equals or not field or not column:
            raise ValueError(f"column mapping {pair!r} is not FIELD=COLUMN (e.g. text=body)")
        mapping[field.casefold()] = column
    return _checked_columns(mapping)


def _checked_columns(mapping: dict[str, Any]) -> dict[str, str]:
    """The mapping with its fields checked against ``COLUMNS``.

    Raises:
        ValueError: an unknown field, or a column that is not a non-empty string.
    """
    for field, column in mapping.items():
        if field not in COLUMNS:
            raise ValueError(f"{field!r} is not an archive field; map one of {', '.join(COLUMNS)}")
        if not isinstance(column, str) or not column.strip():
            raise ValueError(f"the column of {field!r} must be a column name, not {column!r}")
    return dict(mapping)


def read_columns(path: Path) -> dict[str, str]:
    """The mapping a column-mapping file holds; {} when there is no such file.

    Raises:
        CorpusError: the file is too big, not a JSON object, or maps an unknown field.
    """
    if path.is_symlink():
        raise CorpusError(
            f"its column mapping {path.name} is a link: put the mapping itself beside the archive"
        )
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_COLUMNS_FILE_BYTES + 1)
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise CorpusError(
            f"its column mapping {path.name} cannot be read ({error.strerror or error})"
        ) from error
    try:
        if len(raw) > MAX_COLUMNS_FILE_BYTES:
            raise ValueError(f"it is over {MAX_COLUMNS_FILE_BYTES:,} bytes")
        mapping = json.loads(raw.decode("utf-8-sig"))
        if not isinstance(mapping, dict):
            raise ValueError("it is not a JSON object of field: column")
        return _checked_columns({str(key).casefold(): value for key, value in mapping.items()})
    except (ValueError, UnicodeDecodeError) as error:
        raise CorpusError(
            f"its column mapping {path.name} is not valid ({error}): write it as "
            '{"text": "body", "title": "headline"}, or remove it'
        ) from error


def columns_json(mapping: dict[str, str]) -> bytes:
    """A mapping as the bytes of a column-mapping file."""
    return (json.dumps(mapping, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()

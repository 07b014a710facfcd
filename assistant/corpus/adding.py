"""Copy article files into the corpus folder, after checking that a source reads them.

The original is only read; the copy is byte-identical, under a safe file name that
no file of the folder has. A file is refused before anything is copied when no
source reads its suffix, its source cannot read it, its bytes are already in the
corpus, or one of its articles has the id or the text of an article already there
(the loader would then drop one of the two, and it might be the one indexed before).
``add_bytes`` does the same for bytes fetched from a link (``links.py``), with the
link's fetch record written beside the copy. An archive added with a column mapping
gets its mapping file beside its copy (``columns.py``), so the loader reads it the
same way on every build.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CorpusError
from ..files import fsync_path, sha256_file
from .article import Article
from .columns import columns_file, columns_json
from .loading import corpus_files, load_corpus, read_article_file
from .records import parse_record, record_path, with_record
from .sources import ARTICLE_SUFFIXES, source_for

_UNSAFE_NAME = re.compile(r"[^\w.-]+")


@dataclass
class Addition:
    """What became of one file given to ``add``.

    Attributes:
        source: the file as given.
        status: ``added``, ``present`` (its bytes are already in the corpus) or ``skipped``.
        format: the name of the source that reads it; '' when none does.
        copy: the copy's path in the corpus folder; '' unless added.
        reason: why it was skipped, or which corpus file already holds it.
        articles: the articles read from it.
    """

    source: str
    status: str
    format: str = ""
    copy: str = ""
    reason: str = ""
    articles: list[Article] = field(default_factory=list)


def files_to_add(paths: list[str | Path]) -> list[Path]:
    """The files given, a folder standing for its own files (hidden ones aside), in order."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(p for p in sorted(path.iterdir()) if not p.name.startswith("."))
        else:
            found.append(path)
    return found


def add_files(
    paths: list[str | Path],
    corpus_dir: str | Path,
    *,
    known: Known | None = None,
    columns: dict[str, str] | None = None,
    dry_run: bool = False,
) -> list[Addition]:
    """Copy every readable file of ``paths`` into the corpus folder.

    With ``dry_run=True`` nothing is copied: each file that would be added is
    ``ready``, with the articles it gives, and every check is made as for a copy.

    Args:
        known: what the folder holds, when the caller adds other things beside
            (links); read from the folder when None.
        columns: for the archives among them, the column of each field where it is
            named otherwise ({"text": "body"}; ``columns.parse_columns``).

    Raises:
        CorpusError: the corpus folder does not exist.
    """
    folder = Path(corpus_dir)
    known = known or Known.of(folder)
    return [
        _add_one(path, folder, known, columns or {}, dry_run=dry_run)
        for path in files_to_add(paths)
    ]


@dataclass
class Known:
    """What the corpus folder holds, by article id, article text and file digest."""

    by_id: dict[str, str]
    by_text: dict[str, str]
    by_digest: dict[str, str]

    @classmethod
    def of(cls, folder: Path) -> Known:
        """What a corpus folder holds now.

        Raises:
            CorpusError: the folder does not exist.
        """
        existing = load_corpus(folder)
        return cls(
            {article.id: Path(article.path).name for article in existing.articles},
            {article.text: Path(article.path).name for article in existing.articles},
            {
                sha256_file(path): path.name
                for path in corpus_files(folder)
                if path.is_file() and not path.is_symlink()
            },
        )


def _add_one(
    path: Path, folder: Path, known: Known, columns: dict[str, str], *, dry_run: bool = False
) -> Addition:
    source = None if path.is_dir() else source_for(path)
    if source is None:
        reason = (
            "it is a folder inside a folder: give its files or the folder itself"
            if path.is_dir()
            else f"no source reads {path.suffix or 'files without a suffix'!r} files "
            f"(only {', '.join(ARTICLE_SUFFIXES)})"
        )
        return Addition(str(path), "skipped", reason=reason)
    try:
        resolved = Path(os.path.realpath(path))
        raw = read_article_file(resolved, resolved.parent, limit=getattr(source, "max_bytes", None))
    except CorpusError as error:
        return Addition(str(path), "skipped", format=source.name, reason=str(error))
    return add_bytes(str(path), raw, path, folder, known, columns=columns, dry_run=dry_run)


def add_bytes(
    given: str,
    raw: bytes,
    name: Path,
    folder: Path,
    known: Known,
    *,
    record: bytes = b"",
    columns: dict[str, str] | None = None,
    dry_run: bool = False,
) -> Addition:
    """Check that the source of ``name``'s suffix reads ``raw`` and write it into the corpus.

    Args:
        given: the file or link as given, for the result.
        raw: the bytes to add.
        name: the copy is named after it (made safe and unique in the folder).
        known: what the folder holds; updated with what is added.
        record: a fetch record to write beside the copy (``records.py``); none when empty.
        columns: an archive's column mapping, kept beside the copy (``columns.py``).
        dry_run: check everything but write nothing; the result is ``ready``.
    """
    source = source_for(name)
    if source is None:  # pragma: no cover - callers pass a name a source reads
        raise ValueError(f"no source reads {name.suffix!r} files")
    addition = Addition(given, "skipped", format=source.name)
    digest = _digest(raw)
    if digest in known.by_digest:
        addition.status = "present"
        addition.reason = f"already in the corpus as {known.by_digest[digest]}"
        return addition
    try:
        copy_name = unique_name(name, folder)
        mapped = columns if columns and source.name == "archive" else None
        options = {"columns": mapped} if mapped else {}
        articles = source.read(Path(copy_name).stem, raw, path=str(folder / copy_name), **options)
        if record:
            articles = with_record(articles, parse_record(record))
        _check_new(articles, known)
        if dry_run:
            # Known as if copied, so that a second file with the same article is refused.
            for article in articles:
                known.by_id[article.id] = known.by_text[article.text] = copy_name
            known.by_digest[digest] = copy_name
            addition.status, addition.articles = "ready", articles
            return addition
        copy = write_new(folder / copy_name, raw)
        # Without its record or mapping the copy would be read otherwise: remove it then.
        for companion, data in ((record_path(copy), record), (columns_file(copy), mapped)):
            if not data:
                continue
            try:
                write_new(companion, data if isinstance(data, bytes) else columns_json(data))
            except CorpusError:
                copy.unlink(missing_ok=True)
                raise
    except CorpusError as error:
        addition.reason = str(error)
        return addition
    for article in articles:
        known.by_id[article.id] = known.by_text[article.text] = copy.name
    known.by_digest[digest] = copy.name
    addition.status, addition.copy, addition.articles = "added", str(copy), articles
    return addition


def _check_new(articles: list[Article], known: Known) -> None:
    """Refuse articles whose id or text the corpus already has."""
    for article in articles:
        if article.id in known.by_id:
            raise CorpusError(
                f"its article id {article.id!r} is taken by {known.by_id[article.id]}: "
                "rename the file"
            )
        if article.text in known.by_text:
            raise CorpusError(
                f"its article {article.title!r} is already in {known.by_text[article.text]}"
            )


def unique_name(path: Path, folder: Path) -> str:
    """A file name for a copy of ``path`` that no entry of ``folder`` has.

    Only word characters, dots and dashes are kept, so the name cannot lead out of
    the folder, hide the file (a leading dot) or need quoting; ``-2``, ``-3``... are
    added to the stem until the name is free.
    """
    stem = _UNSAFE_NAME.sub("-", path.stem).strip("-.") or "article"
    suffix = path.suffix.lower()
    name, number = f"{stem}{suffix}", 1
    # A record or mapping file left without its file must not be taken up by a new one.
    while any(
        candidate.exists() or candidate.is_symlink()
        for candidate in (folder / name, columns_file(folder / name), record_path(folder / name))
    ):
        number += 1
        name = f"{stem}-{number}{suffix}"
    return name


def write_new(target: Path, raw: bytes) -> Path:
    """Write ``raw`` to a file that must not exist yet; never overwrites.

    Raises:
        CorpusError: the file appeared meanwhile, or cannot be written.
    """
    try:
        # O_EXCL: a file of that name made since unique_name looked is not overwritten.
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError as error:
        raise CorpusError(f"it cannot be copied to {target} ({error.strerror or error})") from error
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        fsync_path(target.parent)
    except OSError as error:
        # A half-written copy would be read as a damaged article: remove our own file.
        target.unlink(missing_ok=True)
        raise CorpusError(f"it cannot be copied to {target} ({error.strerror or error})") from error
    return target


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()

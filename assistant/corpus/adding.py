"""Copy article files into the corpus folder, after checking that a source reads them.

The original is only read; the copy is byte-identical, under a safe file name that
no file of the folder has. A file is refused before anything is copied when no
source reads its suffix, its source cannot read it, its bytes are already in the
corpus, or one of its articles has the id or the text of an article already there
(the loader would then drop one of the two, and it might be the one indexed before).
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
from .loading import corpus_files, load_corpus, read_article_file
from .sources import ARTICLE_SUFFIXES, source_for

_UNSAFE_NAME = re.compile(r"[^\w.-]+")


@dataclass
class Addition:
    """What became of one file given to ``add``.

    Attributes:
        source: the file as given.
        status: ``added``, ``present`` (its bytes are already in the corpus) or ``skipped``;
            ``ready`` in a dry run, for a file that would be added.
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
    paths: list[str | Path], corpus_dir: str | Path, *, dry_run: bool = False
) -> list[Addition]:
    """Copy every readable file of ``paths`` into the corpus folder.

    With ``dry_run=True`` nothing is copied: each file that would be added is
    ``ready``, with the articles it gives, and every check is made as for a copy.

    Raises:
        CorpusError: the corpus folder does not exist.
    """
    folder = Path(corpus_dir)
    existing = load_corpus(folder)
    by_id = {article.id: Path(article.path).name for article in existing.articles}
    by_text = {article.text: Path(article.path).name for article in existing.articles}
    by_digest = {
        sha256_file(path): path.name
        for path in corpus_files(folder)
        if path.is_file() and not path.is_symlink()
    }
    results = []
    for path in files_to_add(paths):
        result = _add_one(path, folder, by_id, by_text, by_digest, dry_run=dry_run)
        results.append(result)
    return results


def _add_one(
    path: Path,
    folder: Path,
    by_id: dict[str, str],
    by_text: dict[str, str],
    by_digest: dict[str, str],
    *,
    dry_run: bool = False,
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
    addition = Addition(str(path), "skipped", format=source.name)
    try:
        resolved = Path(os.path.realpath(path))
        raw = read_article_file(resolved, resolved.parent, limit=getattr(source, "max_bytes", None))
        digest = _digest(raw)
        if digest in by_digest:
            addition.status, addition.reason = (
                "present",
                f"already in the corpus as {by_digest[digest]}",
            )
            return addition
        name = unique_name(path, folder)
        articles = source.read(Path(name).stem, raw, path=str(folder / name))
        for article in articles:
            if article.id in by_id:
                raise CorpusError(
                    f"its article id {article.id!r} is taken by {by_id[article.id]}: "
                    "rename the file"
                )
            if article.text in by_text:
                raise CorpusError(
                    f"its article {article.title!r} is already in {by_text[article.text]}"
                )
        copy = folder / name if dry_run else write_new(folder / name, raw)
    except CorpusError as error:
        addition.reason = str(error)
        return addition
    for article in articles:
        by_id[article.id] = by_text[article.text] = copy.name
    by_digest[digest] = copy.name
    if dry_run:
        addition.status, addition.articles = "ready", articles
        return addition
    addition.status, addition.copy, addition.articles = "added", str(copy), articles
    return addition


def unique_name(path: Path, folder: Path) -> str:
    """A file name for a copy of ``path`` that no entry of ``folder`` has.

    Only word characters, dots and dashes are kept, so the name cannot lead out of
    the folder, hide the file (a leading dot) or need quoting; ``-2``, ``-3``... are
    added to the stem until the name is free.
    """
    stem = _UNSAFE_NAME.sub("-", path.stem).strip("-.") or "article"
    suffix = path.suffix.lower()
    name, number = f"{stem}{suffix}", 1
    while (folder / name).exists() or (folder / name).is_symlink():
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

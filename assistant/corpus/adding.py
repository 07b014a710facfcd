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
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CorpusError
from ..files import sha256_file
from .article import Article
from .columns import columns_file, columns_json
from .copying import unique_name, write_new
from .loading import corpus_files, load_corpus, read_article_file
from .records import parse_record, record_path, with_record
from .sources import ARTICLE_SUFFIXES, source_for


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


def files_to_add(paths: list[str | Path]) -> list[tuple[Path, Path | None]]:
    """The files given, a folder standing for its own files (hidden ones aside), in order.

    Each comes with the folder it was found in (resolved), None for a file given
    itself: a link found in a folder is read only when it leads to a file inside
    that folder, as the loader reads the corpus folder's links.
    """
    found: list[tuple[Path, Path | None]] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            root = path.resolve()
            found.extend(
                (entry, root) for entry in sorted(path.iterdir()) if not entry.name.startswith(".")
            )
        else:
            found.append((path, None))
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
    A file the system fails on (a name too long, a disk error) is ``skipped`` with
    the error; the files before and after it are added as usual.

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
    results = []
    for path, within in files_to_add(paths):
        try:
            results.append(_add_one(path, within, folder, known, columns or {}, dry_run=dry_run))
        except OSError as error:
            results.append(Addition(str(path), "skipped", reason=system_refusal(error)))
    return results


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
    path: Path,
    within: Path | None,
    folder: Path,
    known: Known,
    columns: dict[str, str],
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
    try:
        limit = getattr(source, "max_bytes", None)
        if within is None:  # a file given itself: its link is followed, as the user named it
            resolved = Path(os.path.realpath(path))
            raw = read_article_file(resolved, resolved.parent, limit=limit)
        else:
            raw = read_article_file(path, within, limit=limit, folder="the folder given")
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
        copy = folder / copy_name
        # Without its record or mapping the copy would be read otherwise, so they are
        # written first: a kill before the copy leaves one, listed as a file's without its
        # file, never a copy read the wrong way.
        written: list[Path] = []
        try:
            for companion, data in ((record_path(copy), record), (columns_file(copy), mapped)):
                if data:
                    content = data if isinstance(data, bytes) else columns_json(data)
                    written.append(write_new(companion, content))
            write_new(copy, raw)
        except CorpusError:
            for companion in written:
                companion.unlink(missing_ok=True)
            raise
    except CorpusError as error:
        addition.reason = str(error)
        return addition
    except OSError as error:
        addition.reason = system_refusal(error)
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


def system_refusal(error: OSError) -> str:
    """Why a file the system failed on was skipped (its strerror: the name may be unprintable)."""
    return f"the system refused it ({error.strerror or type(error).__name__})"


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()

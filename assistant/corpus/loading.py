"""Read articles from the corpus folder.

Every file is read by the source of its format (``sources.py``): Markdown with a
YAML front-matter block, or a plain ``.txt``/``.md`` file without one, a saved web
page (``html.py``), an archive of many articles (``archive.py``), or a news
feed (``feed.py``). The article id
is the file name without its extension (an archive's rows name their own). A file
that cannot be read is skipped with a logged reason; it never stops the others. A
file fetched from a link has its fetch record beside it (``records.py``), read with it;
a feed entry whose linked page was fetched so (``add --fetch-linked``) is read from the
page, not from the feed.
"""

from __future__ import annotations

import hashlib
import logging
import os
from functools import lru_cache
from importlib.metadata import version as _version
from pathlib import Path
from typing import Any

from ..errors import CorpusError
from ..files import NotRegularFileError, read_bounded
from .article import Article, Corpus, SkippedFile
from .columns import COLUMNS_SUFFIX, MAX_COLUMNS_FILE_BYTES
from .markdown import parse_article
from .records import parse_record, record_path, recorded_file, replaced_links, with_record
from .sources import ARTICLE_SUFFIXES, source_for

__all__ = [
    "ARTICLE_SUFFIXES",
    "MAX_ARTICLE_BYTES",
    "Article",
    "Corpus",
    "SkippedFile",
    "corpus_files",
    "load_corpus",
    "parse_article",
    "read_article_file",
]

logger = logging.getLogger(__name__)

# Long-form news pieces run to about 150 kB. A bigger file is a book, a site
# dump or a mistake, and would take minutes to embed on a CPU.
MAX_ARTICLE_BYTES = 1_000_000


def corpus_files(corpus_dir: str | Path) -> list[Path]:
    """Every entry of a folder, sorted by name; hidden files are ignored.

    Raises:
        CorpusError: the folder does not exist.
    """
    folder = Path(corpus_dir)
    if not folder.is_dir():
        raise CorpusError(
            f"corpus folder {str(folder)!r} does not exist: create it and put one "
            f"{'/'.join(ARTICLE_SUFFIXES)} file per article in it"
        )
    return sorted(path for path in folder.iterdir() if not path.name.startswith("."))


def load_corpus(corpus_dir: str | Path) -> Corpus:
    """Read every article of a folder.

    Every entry of the folder (hidden files aside) ends up either as an
    article or as a skipped file with its reason: not an article file, a
    link leading out of the folder, too big, unreadable, not UTF-8 text,
    empty, a second file with the same id, or a duplicate of an earlier
    article (same text once Unicode-normalised).

    Args:
        corpus_dir: folder holding one file per article.

    Returns:
        The articles in file-name order, the skipped files with their reasons,
        and a fingerprint of every article file considered.

    Raises:
        CorpusError: the folder does not exist.
    """
    root = Path(corpus_dir).resolve()
    digest = hashlib.sha256(reader_fingerprint().encode())
    articles: list[Article] = []
    skipped: list[SkippedFile] = []
    by_id: dict[str, Path] = {}
    by_text: dict[str, Path] = {}
    files = corpus_files(corpus_dir)
    # Feed entries whose linked page was fetched into the corpus are read from the page.
    replaced = replaced_links(files, lambda record: read_article_file(record, root))
    for path in files:
        if path.suffix == COLUMNS_SUFFIX and _is_archive(path.with_suffix("")):
            # Read by the archive's source (which refuses a bad one); its bytes change
            # the articles as the archive's do.
            digest.update(f"{path.name}\0".encode() + _mapping_bytes(path))
            continue
        source = None if path.is_dir() else source_for(path)
        owner = recorded_file(path)
        if owner is not None and source_for(owner) is not None and owner.is_file():
            continue  # a fetch record, read with its file
        if source is None:
            reason = _not_an_article(path)
            logger.info("skipped %s: %s", path, reason)
            skipped.append(SkippedFile(str(path), reason))
            continue
        try:
            raw = read_article_file(path, root, limit=getattr(source, "max_bytes", None))
            digest.update(f"{path.name}\0{len(raw)}\0".encode())
            digest.update(raw)
            skip = replaced.get(path.name) if source.name == "feed" else None
            options = {"skip_links": skip} if skip else {}
            if skip:
                digest.update("\0".join(["replaced", *sorted(skip), ""]).encode())
            found = source.read(path.stem, raw, path=str(path), **options)
            # Not held while the next file is read: an archive may be 200 MB.
            del raw
            found = _with_record(found, path, root, digest, skipped)
            found = _unique(found, path, by_id, by_text)
        except CorpusError as error:
            digest.update(f"{path.name}\0{error}\0".encode())
            logger.warning("skipped %s: %s", path, error)
            skipped.append(SkippedFile(str(path), str(error)))
            continue
        for article in found:
            by_id[article.id] = by_text[article.text] = path
            articles.append(article)
    return Corpus(tuple(articles), tuple(skipped), digest.hexdigest())


def _with_record(
    found: list[Article], path: Path, root: Path, digest: Any, skipped: list[SkippedFile]
) -> list[Article]:
    """The articles with what the file's fetch record says (``records.py``), if it has one.

    A record that cannot be read is skipped with its reason; the articles stay.
    """
    record = record_path(path)
    if not record.exists() and not record.is_symlink():
        return found
    try:
        raw = read_article_file(record, root)
        digest.update(f"{record.name}\0{len(raw)}\0".encode())
        digest.update(raw)
        return with_record(found, parse_record(raw))
    except CorpusError as error:
        digest.update(f"{record.name}\0{error}\0".encode())
        logger.warning("skipped %s: %s", record, error)
        skipped.append(SkippedFile(str(record), str(error)))
        return found


@lru_cache(maxsize=1)
def reader_fingerprint() -> str:
    """A fingerprint of the code that turns a file into an article.

    It is part of the corpus fingerprint: a new cleaning rule changes the
    articles read from unchanged files, so the index must be rebuilt then
    as when a file changes.
    """
    digest = hashlib.sha256()
    modules = ("archive.py", "article.py", "assembly.py", "cleaning.py", "decoding.py", "feed.py")
    modules += ("columns.py", "dates.py", "pdf.py", "sniffing.py", "word.py")
    modules += ("pdf_pages.py", "wordxml.py", "zips.py")
    for module in (*modules, "html.py", "markdown.py", "records.py", "sources.py"):
        digest.update((Path(__file__).parent / module).read_bytes())
    # Another trafilatura may find another main text in an unchanged page.
    digest.update(_version("trafilatura").encode())
    # And another feedparser another entry text in an unchanged feed.
    digest.update(_version("feedparser").encode())
    # Likewise a PDF's text, a Word document's, and a date in words.
    for package in ("pypdf", "python-docx", "dateparser"):
        digest.update(_version(package).encode())
    return digest.hexdigest()[:16]


def _unique(
    found: list[Article], path: Path, by_id: dict[str, Path], by_text: dict[str, Path]
) -> list[Article]:
    """The articles of one file whose id and text no earlier file has.

    A one-article file that clashes is refused as a whole, as before. From an
    archive only the clashing rows are dropped, each with a logged warning:
    one row printed twice must not lose the thousands of others.

    Raises:
        CorpusError: a one-article file clashes, or every article of a file does.
    """
    if len(found) == 1:
        _check_unique(found[0], by_id, by_text)
        return found
    kept = []
    for article in found:
        try:
            _check_unique(article, by_id, by_text)
        except CorpusError as error:
            logger.warning("%s: article %s skipped: %s", path, article.id, error)
            if not kept and article is found[-1]:
                raise
            continue
        kept.append(article)
    return kept


def _check_unique(article: Article, by_id: dict[str, Path], by_text: dict[str, Path]) -> None:
    """Refuse a second article with an id or a text already taken."""
    if article.id in by_id:
        raise CorpusError(
            f"another file, {by_id[article.id].name}, has the same id: rename one of them"
        )
    if article.text in by_text:
        raise CorpusError(
            f"it is a duplicate of {by_text[article.text].name} (the same text once "
            "Unicode-normalised): remove one of the two"
        )


def read_article_file(
    path: Path, root: Path, *, limit: int | None = None, folder: str = "the corpus folder"
) -> bytes:
    """The bytes of one article file, refusing what is not a plain file of the corpus.

    Args:
        path: the file.
        root: the corpus folder, resolved (or another folder a link must stay in).
        limit: the biggest file read, in bytes; ``MAX_ARTICLE_BYTES`` when None
            (an archive source states a bigger one).
        folder: what ``root`` is called in messages.

    Raises:
        CorpusError: a link out of the corpus folder or to nothing, not a
            regular file, over the limit, or unreadable.
    """
    limit = limit or MAX_ARTICLE_BYTES
    if path.is_symlink():
        target = Path(os.path.realpath(path))
        if not target.exists():
            raise CorpusError(f"it is a link to a missing file ({str(target)!r}): fix or remove it")
        if not target.is_relative_to(root):
            raise CorpusError(
                f"it is a link to {str(target)!r}, outside {folder}: "
                f"copy the article into {folder} instead"
            )
    try:
        # Non-blocking, so that a named pipe called "x.md" cannot hang the build.
        raw = read_bounded(path, limit)
    except NotRegularFileError as error:
        raise CorpusError("it is not a regular file: save the article as a plain file") from error
    except OSError as error:
        raise CorpusError(
            f"it cannot be read ({error.strerror or error}): check that it exists and that "
            "you may read it"
        ) from error
    if len(raw) > limit:
        size = max(path.stat().st_size, len(raw))
        if limit != MAX_ARTICLE_BYTES:
            raise CorpusError(
                f"the file is too big for its format ({size:,} bytes, the limit is {limit:,}): "
                "split it into several files"
            )
        raise CorpusError(
            f"the file is too big for one article ({size:,} bytes, the limit is "
            f"{MAX_ARTICLE_BYTES:,}): split it into one file per article"
        )
    return raw


def _mapping_bytes(path: Path) -> bytes:
    """A column-mapping file's first bytes (all of a valid one), for the fingerprint."""
    if path.is_symlink() or not path.is_file():
        return b"not a plain file"
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_COLUMNS_FILE_BYTES + 1)
    except OSError as error:
        return str(error).encode()


def _is_archive(path: Path) -> bool:
    """Whether a column-mapping file's archive is there: the file and a source for it."""
    source = source_for(path)
    return path.is_file() and source is not None and source.name == "archive"


def _not_an_article(path: Path) -> str:
    if path.suffix == COLUMNS_SUFFIX:
        return (
            f"it is the column mapping of {path.stem}, which is not in the corpus folder: "
            "add the archive, or remove the mapping"
        )
    if path.is_dir():
        return "it is a folder: put each article directly in the corpus folder, one file each"
    suffixes = ", ".join(ARTICLE_SUFFIXES)
    if recorded_file(path) is not None:
        return f"a fetch record for {recorded_file(path).name}, which is not in the corpus folder"
    return f"not an article file (only {suffixes} files are read): rename it if it is one"

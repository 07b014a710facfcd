"""Read articles from the corpus folder.

Each article is one file: Markdown with a YAML front-matter block, or a plain
``.txt``/``.md`` file without one (its first non-empty line is the title).
The article id is the file name without its extension. A file that cannot be
read is skipped with a logged reason; it never stops the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from ..errors import CorpusError
from .cleaning import clean_body, plain_line
from .decoding import decode

logger = logging.getLogger(__name__)

ARTICLE_SUFFIXES = (".md", ".markdown", ".txt")
METADATA_FIELDS = ("title", "outlet", "published", "url", "author")
# Long-form news pieces run to about 150 kB. A bigger file is a book, a site
# dump or a mistake, and would take minutes to embed on a CPU.
MAX_ARTICLE_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class Article:
    """One news article: its metadata and its cleaned body.

    Every passage and highlight the assistant shows is a slice of ``text``.
    Metadata fields the article does not state are empty strings.
    """

    id: str
    title: str
    outlet: str
    published: str
    url: str
    author: str
    text: str
    path: str


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A corpus file that was not indexed, and why."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Corpus:
    """The readable articles of a folder, the files skipped, and a fingerprint."""

    articles: tuple[Article, ...]
    skipped: tuple[SkippedFile, ...]
    fingerprint: str


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
    digest = hashlib.sha256()
    articles: list[Article] = []
    skipped: list[SkippedFile] = []
    by_id: dict[str, Path] = {}
    by_text: dict[str, Path] = {}
    for path in corpus_files(corpus_dir):
        if path.suffix.lower() not in ARTICLE_SUFFIXES or path.is_dir():
            reason = _not_an_article(path)
            logger.info("skipped %s: %s", path, reason)
            skipped.append(SkippedFile(str(path), reason))
            continue
        try:
            raw = read_article_file(path, root)
            digest.update(f"{path.name}\0{len(raw)}\0".encode())
            digest.update(raw)
            article = parse_article(path.stem, raw, path=str(path))
            if article.id in by_id:
                raise CorpusError(
                    f"another file, {by_id[article.id].name}, has the same id: rename one of them"
                )
            if article.text in by_text:
                raise CorpusError(
                    f"it is a duplicate of {by_text[article.text].name} (the same text once "
                    "Unicode-normalised): remove one of the two"
                )
        except CorpusError as error:
            digest.update(f"{path.name}\0{error}\0".encode())
            logger.warning("skipped %s: %s", path, error)
            skipped.append(SkippedFile(str(path), str(error)))
            continue
        by_id[article.id] = by_text[article.text] = path
        articles.append(article)
    return Corpus(tuple(articles), tuple(skipped), digest.hexdigest())


def read_article_file(path: Path, root: Path) -> bytes:
    """The bytes of one article file, refusing what is not a plain file of the corpus.

    Raises:
        CorpusError: a link out of the corpus folder or to nothing, not a
            regular file, over ``MAX_ARTICLE_BYTES``, or unreadable.
    """
    if path.is_symlink():
        target = Path(os.path.realpath(path))
        if not target.exists():
            raise CorpusError(f"it is a link to a missing file ({str(target)!r}): fix or remove it")
        if not target.is_relative_to(root):
            raise CorpusError(
                f"it is a link to {str(target)!r}, outside the corpus folder: "
                "copy the article into the corpus folder instead"
            )
    try:
        # Non-blocking, so that a named pipe called "x.md" cannot hang the build.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                raise CorpusError("it is not a regular file: save the article as a plain file")
            raw = handle.read(MAX_ARTICLE_BYTES + 1)
    except OSError as error:
        raise CorpusError(
            f"it cannot be read ({error.strerror or error}): check that it exists and that "
            "you may read it"
        ) from error
    if len(raw) > MAX_ARTICLE_BYTES:
        size = max(path.stat().st_size, len(raw))
        raise CorpusError(
            f"the file is too big for one article ({size:,} bytes, the limit is "
            f"{MAX_ARTICLE_BYTES:,}): split it into one file per article"
        )
    return raw


def _not_an_article(path: Path) -> str:
    if path.is_dir():
        return "it is a folder: put each article directly in the corpus folder, one file each"
    suffixes = ", ".join(ARTICLE_SUFFIXES)
    return f"not an article file (only {suffixes} files are read): rename it if it is one"


def parse_article(article_id: str, raw: bytes, *, path: str = "") -> Article:
    """Turn the bytes of one file into an Article.

    Raises:
        CorpusError: the file is binary, not UTF-8, has broken front matter,
            or holds no text once cleaned.
    """
    text = decode(raw)
    try:
        post = frontmatter.loads(text)
    except (yaml.YAMLError, ValueError, TypeError) as error:
        problem = " ".join(str(error).split())
        raise CorpusError(f"invalid YAML front matter ({problem}); fix or remove it") from error
    metadata = {name: metadata_value(name, post.metadata.get(name)) for name in METADATA_FIELDS}
    body = post.content
    if not metadata["title"]:
        metadata["title"] = first_line(body)
    body = clean_body(body, metadata["title"])
    if not body:
        raise CorpusError("it holds no article text: add the text below the title")
    return Article(id=article_id, text=body, path=path, **metadata)


def metadata_value(name: str, value: Any) -> str:
    """A front-matter value as a string; dates become ISO dates, None becomes ''.

    A list of plain values is joined with commas (several authors).

    Raises:
        CorpusError: the value is a mapping or a nested list.
    """
    if isinstance(value, list) and all(not isinstance(item, (list, dict)) for item in value):
        return ", ".join(metadata_value(name, item) for item in value if item is not None)
    if isinstance(value, (list, dict)):
        raise CorpusError(
            f"front-matter field {name!r} is a nested structure: write it as plain text"
        )
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def first_line(body: str) -> str:
    """The first non-empty line, without Markdown heading or emphasis marks."""
    for line in body.split("\n"):
        if plain_line(line):
            return plain_line(line)
    return ""

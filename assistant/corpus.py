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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from .cleaning import clean_body, plain_line
from .errors import CorpusError

logger = logging.getLogger(__name__)

ARTICLE_SUFFIXES = (".md", ".markdown", ".txt")
METADATA_FIELDS = ("title", "outlet", "published", "url", "author")


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
    """The article files of a folder, sorted by name; hidden files are ignored."""
    folder = Path(corpus_dir)
    if not folder.is_dir():
        raise CorpusError(
            f"corpus folder {str(folder)!r} does not exist: create it and put one "
            f"{'/'.join(ARTICLE_SUFFIXES)} file per article in it"
        )
    return sorted(
        path
        for path in folder.iterdir()
        if path.suffix.lower() in ARTICLE_SUFFIXES and not path.name.startswith(".")
    )


def load_corpus(corpus_dir: str | Path) -> Corpus:
    """Read every article of a folder.

    Args:
        corpus_dir: folder holding one file per article.

    Returns:
        The articles in file-name order, the skipped files with their reasons,
        and a fingerprint of the raw bytes of every file considered.

    Raises:
        CorpusError: the folder does not exist.
    """
    digest = hashlib.sha256()
    articles: list[Article] = []
    skipped: list[SkippedFile] = []
    seen: dict[str, Path] = {}
    for path in corpus_files(corpus_dir):
        raw = path.read_bytes()
        digest.update(f"{path.name}\0{len(raw)}\0".encode())
        digest.update(raw)
        try:
            article = parse_article(path.stem, raw, path=str(path))
            if article.id in seen:
                raise CorpusError(f"another file, {seen[article.id].name}, has the same id")
        except CorpusError as error:
            logger.warning("skipped %s: %s", path, error)
            skipped.append(SkippedFile(str(path), str(error)))
            continue
        seen[article.id] = path
        articles.append(article)
    return Corpus(tuple(articles), tuple(skipped), digest.hexdigest())


def parse_article(article_id: str, raw: bytes, *, path: str = "") -> Article:
    """Turn the bytes of one file into an Article.

    Raises:
        CorpusError: the file is binary, not UTF-8, has broken front matter,
            or holds no text once cleaned.
    """
    text = decode(raw)
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as error:
        problem = " ".join(str(error).split())
        raise CorpusError(f"invalid YAML front matter ({problem}); fix or remove it") from error
    metadata = {name: metadata_value(post.metadata.get(name)) for name in METADATA_FIELDS}
    body = post.content
    if not metadata["title"]:
        metadata["title"] = first_line(body)
    body = clean_body(body, metadata["title"])
    if not body:
        raise CorpusError("it holds no article text")
    return Article(id=article_id, text=body, path=path, **metadata)


def decode(raw: bytes) -> str:
    """Decode a file strictly as UTF-8 (a BOM is allowed), with ``\\n`` line ends."""
    if not raw.strip():
        raise CorpusError("the file is empty")
    if b"\0" in raw and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CorpusError("the file is binary, not text")
    try:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = raw.decode("utf-16")
        else:
            text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CorpusError(
            f"the file is not valid UTF-8 (byte {error.start}); re-save it as UTF-8"
        ) from error
    return text.replace("\r\n", "\n").replace("\r", "\n")


def metadata_value(value: Any) -> str:
    """A front-matter value as a string; dates become ISO dates, None becomes ''."""
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

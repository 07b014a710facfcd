"""The article and the corpus: what every source format is read into."""

from __future__ import annotations

from dataclasses import dataclass

METADATA_FIELDS = ("title", "outlet", "published", "url", "author")


@dataclass(frozen=True, slots=True)
class Article:
    """One news article: its metadata and its cleaned body.

    Every passage and highlight the assistant shows is a slice of ``text``.
    Metadata fields the article does not state are empty strings.
    ``provenance`` says where the fields the front matter left empty were
    found instead ("author and outlet from the article's byline"); '' when
    every field shown is the front matter's (or empty).
    """

    id: str
    title: str
    outlet: str
    published: str
    url: str
    author: str
    text: str
    path: str
    provenance: str = ""


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

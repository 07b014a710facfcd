"""What the "Add articles" panel reports of each file or link, before and after indexing."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..corpus.article import Article


@dataclass(frozen=True, slots=True)
class ArticleReport:
    """One article a file gives: what the source read, and its passages."""

    title: str
    outlet: str
    published: str
    passages: int


@dataclass(frozen=True, slots=True)
class FileReport:
    """What became of one uploaded file or link.

    Attributes:
        name: the name the browser sent (or the link), shown as text, never a path.
        status: ``ready`` (checked, not yet added), ``added``, ``present`` or ``skipped``.
        format: the source that reads it ('' when none does).
        reason: why it was skipped, or which corpus file already holds it.
        stored_as: its file name in the corpus, once added.
        articles: the articles it gives, with their passage counts.
    """

    name: str
    status: str
    format: str = ""
    reason: str = ""
    stored_as: str = ""
    articles: tuple[ArticleReport, ...] = ()


@dataclass
class Outcome:
    """A batch's reports and one line on the whole of it."""

    reports: list[FileReport] = field(default_factory=list)
    message: str = ""
    indexed: bool = False


def article_report(article: Article, counts: dict[str, int]) -> ArticleReport:
    """An article and its passage count, from ``counts`` by article id (0 when absent)."""
    return ArticleReport(
        article.title, article.outlet, article.published, counts.get(article.id, 0)
    )

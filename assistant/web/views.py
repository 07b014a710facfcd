"""HTML for the article view and the corpus list of the web chat.

Like ``format.py``, pure functions in which every slice of an article is
escaped and only http(s) URLs become links.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ..corpus.article import Article
from .format import OPEN_ARTICLE, escape_attr, escape_text, link_html, open_ref
from .markup import is_markdown, markup_spans, visible

if TYPE_CHECKING:
    from ..corpus.chunking import Chunk
    from .reports import FileReport

VIEWER_PLACEHOLDER = (
    '<div class="qa-viewer-empty"><p><strong>Article view</strong></p>'
    f"<p>Choose \u201c{OPEN_ARTICLE}\u201d on a source card, or \u201cRead\u201d in the "
    "Articles tab, to read the whole article here with the passage highlighted.</p></div>"
)


def format_article(
    article: Article,
    passage: tuple[int, int] | None = None,
    highlight: tuple[int, int] | None = None,
    *,
    passages: int | None = None,
) -> str:
    """The whole article, escaped, with a passage and its sentence marked.

    Spans outside the text, or a highlight outside the passage, are ignored
    rather than marking the wrong words. A Markdown article is shown without
    its markup characters (``markup.py``).
    """
    text = article.text
    if passage and not 0 <= passage[0] <= passage[1] <= len(text):
        passage = highlight = None
    if highlight and not (passage and passage[0] <= highlight[0] <= highlight[1] <= passage[1]):
        highlight = None
    # A Markdown article shows as text without its markup characters; the marks
    # still go at the stored offsets, since only the characters shown change.
    hidden = markup_spans(text) if is_markdown(article.path) else []
    if passage:
        start, end = passage
        first, last = highlight or (end, end)
        inner = visible(text, start, first, hidden)
        if highlight:
            inner += f"<mark>{visible(text, first, last, hidden)}</mark>"
            inner += visible(text, last, end, hidden)
        body = (
            f'{visible(text, 0, start, hidden)}<span class="qa-passage" id="qa-open-passage">'
            f"{inner}</span>{visible(text, end, len(text), hidden)}"
        )
    else:
        body = visible(text, 0, len(text), hidden)
    meta = [
        escape_text(article.outlet) or '<span class="qa-muted">outlet not stated</span>',
        escape_text(article.published) or '<span class="qa-muted">no date</span>',
        f"by {escape_text(article.author)}" if article.author else "",
        link_html(article.url) if article.url else "",
        f"{passages} passages" if passages is not None else "",
    ]
    meta_line = " \u00b7 ".join(part for part in meta if part)
    return (
        f'<article class="qa-article"><header class="qa-article-head">'
        f"<h3>{escape_text(article.title or article.id)}</h3>"
        f'<div class="qa-article-meta">{meta_line}</div></header>'
        f'<div class="qa-article-body">{body}</div></article>'
    )


def passage_counts(chunks: Iterable[Chunk]) -> dict[str, int]:
    """How many passages of the index each article has, by article id."""
    counts: dict[str, int] = {}
    for chunk in chunks:
        counts[chunk.article_id] = counts.get(chunk.article_id, 0) + 1
    return counts


def newest_first(articles: Iterable[Article]) -> list[Article]:
    """Articles newest first, undated last, by title within a day (the Articles tab's order)."""
    by_title = sorted(articles, key=lambda article: article.title)
    return sorted(by_title, key=lambda article: article.published, reverse=True)


def format_corpus(articles: Sequence[Article], passage_counts: dict[str, int]) -> str:
    """Every article with its metadata and passage count, each with a "Read" link."""
    items = []
    for article in articles:
        meta = [
            escape_text(article.outlet) or '<span class="qa-muted">outlet not stated</span>',
            escape_text(article.published) or '<span class="qa-muted">no date</span>',
            f"by {escape_text(article.author)}" if article.author else "",
            link_html(article.url) if article.url else "",
            f"{passage_counts.get(article.id, 0)} passages",
            f'<span class="qa-muted">{escape_text(article.id)}</span>',
        ]
        meta_line = " \u00b7 ".join(part for part in meta if part)
        items.append(
            '<div class="qa-corpus-item"><div class="qa-corpus-head">'
            f'<span class="qa-corpus-title">{escape_text(article.title or article.id)}</span>'
            f'<a class="qa-open" href="{escape_attr(open_ref(article.id))}">Read</a></div>'
            f'<div class="qa-corpus-meta">{meta_line}</div>'
            "</div>"
        )
    return f'<div class="qa-corpus">{"".join(items)}</div>'


_DOT = " \u00b7 "
_STATUS_LABELS = {
    "ready": "ready to add",
    "added": "added",
    "present": "already there",
    "skipped": "not added",
}


def format_additions(reports: Sequence[FileReport], message: str = "") -> str:
    """One row per uploaded file or link: its status, then its articles or why it was skipped.

    Every name, title and reason is escaped: they come from the upload.
    """
    rows = []
    for report in reports:
        label = _STATUS_LABELS.get(report.status, report.status)
        kind = (
            f' <span class="qa-muted">({escape_text(report.format)})</span>'
            if report.format
            else ""
        )
        status = f"qa-add-status qa-add-{escape_attr(report.status)}"
        name = escape_text(report.name)
        head = (
            f'<div class="qa-add-head"><span class="{status}">{escape_text(label)}</span> '
            f'<span class="qa-add-name">{name}</span>{kind}</div>'
        )
        details = []
        if report.stored_as:
            details.append(f'<div class="qa-muted">stored as {escape_text(report.stored_as)}</div>')
        if report.reason:
            details.append(f'<div class="qa-add-reason">{escape_text(report.reason)}</div>')
        for article in report.articles:
            meta = [
                escape_text(article.outlet) or '<span class="qa-muted">outlet not stated</span>',
                escape_text(article.published) or '<span class="qa-muted">no date</span>',
                f"{article.passages} passage{'' if article.passages == 1 else 's'}",
            ]
            title = escape_text(article.title) or "(no title)"
            details.append(
                f'<div class="qa-add-article"><span class="qa-corpus-title">{title}</span>'
                f'<div class="qa-corpus-meta">{_DOT.join(meta)}</div></div>'
            )
        rows.append(f'<div class="qa-add-item">{head}{"".join(details)}</div>')
    summary = f'<p class="qa-add-summary">{escape_text(message)}</p>' if message else ""
    return f'<div class="qa-add-report">{summary}{"".join(rows)}</div>'

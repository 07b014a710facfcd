"""HTML for the web chat's replies: the best sentence, "sources differ", source cards.

Pure functions, no gradio (the article view and the corpus list are in
``views.py``). Everything taken from an article goes through ``escape_text``,
which leaves no character that HTML or Markdown could read as markup, so an
article's ``<script>``, ``**bold**`` or ``[link](#)`` shows as the text it is.
Only the tags written here are markup, and the only links are http(s) URLs of
the articles' metadata.

Example:
    >>> answer = bot.ask("How many soldiers did Azerbaijan lose?")
    >>> html = format_reply(answer, bot.sources_differ(answer))
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from ..answer import ANSWERS, Answer, Copy, Passage
from ..answer import NOT_FOUND as NOT_FOUND_VERDICT
from ..search.figures import Discrepancy, Figure
from ..search.filters import Filters

NOT_FOUND = "The articles don't answer this."
MAY_ANSWER = "May answer: check the highlighted sentence"
NOT_AN_ANSWER = "Nearest passages \u2014 these do NOT answer the question"
NOT_AN_ANSWER_TAG = "not an answer"
OPEN_ARTICLE = "Open article"
COPY_CITATION = "Copy citation"
_OPEN_PREFIX = "#open?"
SOURCES_DIFFER = "Sources differ"
EARLIER_FIGURE = "Earlier figure"

# Markdown and HTML syntax is made only of ASCII punctuation (GFM autolinks
# need ``.``, ``:`` or ``@``), so turning each of those characters into a
# numeric character reference leaves article text nothing to be read as markup;
# it also covers everything ``html.escape`` escapes. Newlines become <br>, so a
# passage stays one inline run even inside Markdown.
_ESCAPES = {ord(char): f"&#{ord(char)};" for char in string.punctuation}
_ESCAPES.update({ord("\r"): "", ord("\n"): "<br>"})


def escape_text(text: str) -> str:
    """Escape text so that Markdown and HTML renderers show it as plain text."""
    return text.translate(_ESCAPES)


def safe_url(url: str) -> str | None:
    """``url`` ready for an href when it is http(s) with a host, else None."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # Percent-encode quotes, angle brackets, spaces and the like; & stays and
    # is escaped for the attribute below.
    return quote(url, safe="/:?#[]@!$&()*+,;=%~")


def link_html(url: str) -> str:
    """A link to an http(s) URL showing its host; any other URL as plain text."""
    target = safe_url(url)
    if target is None:
        return escape_text(url.strip())
    host = escape_text(urlsplit(url.strip()).netloc)
    href = target.replace("&", "&amp;").replace("'", "%27")
    return f'<a href="{href}" target="_blank" rel="noopener noreferrer">{host} \u2197</a>'


def mark_highlight(passage: Passage) -> str:
    """The escaped passage text with its highlighted sentence wrapped in <mark>."""
    offset = passage.highlight_start - passage.start
    if offset < 0 or not passage.text.startswith(passage.highlight, offset):
        # The spans are promised to agree; fall back to a search rather than
        # marking the wrong words if some caller built a Passage by hand.
        offset = passage.text.find(passage.highlight)
    if not passage.highlight or offset < 0:
        return escape_text(passage.text)
    return marked(passage.text, offset, offset + len(passage.highlight))


def marked(text: str, start: int, end: int) -> str:
    """``text`` escaped, with ``text[start:end]`` wrapped in <mark>."""
    return (
        f"{escape_text(text[:start])}<mark>{escape_text(text[start:end])}</mark>"
        f"{escape_text(text[end:])}"
    )


def citation_text(passage: Passage) -> str:
    """What "Copy citation" copies: the quoted sentence and its source line, as plain text."""
    return f"\u201c{passage.highlight}\u201d \u2014 {passage.citation()}"


def open_ref(
    article_id: str, passage: Passage | None = None, *, span: tuple[int, int] | None = None
) -> str:
    """The href of an "Open article" link: the article and, optionally, the spans to mark.

    ``span`` marks a passage without a highlighted sentence (another outlet's copy).
    """
    fields = {"article": article_id}
    if passage is not None:
        fields["passage"] = f"{passage.start}-{passage.end}"
        fields["highlight"] = f"{passage.highlight_start}-{passage.highlight_end}"
    elif span is not None:
        fields["passage"] = f"{span[0]}-{span[1]}"
    return _OPEN_PREFIX + urlencode(fields)


def parse_open_ref(ref: object) -> tuple[str, tuple[int, int] | None, tuple[int, int] | None]:
    """Undo ``open_ref``: (article id, passage span, highlight span). Raises ValueError."""
    if not isinstance(ref, str) or not ref.startswith(_OPEN_PREFIX):
        raise ValueError(f"not an article link: {ref!r}")
    fields = parse_qs(ref[len(_OPEN_PREFIX) :])
    article = fields.get("article", [""])[0]
    if not article:
        raise ValueError(f"no article in {ref!r}")
    spans = []
    for name in ("passage", "highlight"):
        value = fields.get(name, [""])[0]
        if not value:
            spans.append(None)
            continue
        start, _, end = value.partition("-")
        if not (start.isdigit() and end.isdigit()) or int(start) > int(end):
            raise ValueError(f"bad {name} span {value!r}")
        spans.append((int(start), int(end)))
    return article, spans[0], spans[1]


def source_line(passage: Passage) -> str:
    """Outlet, title, date, author and link of a passage, as one line of HTML.

    A field the article does not state says so ("outlet not stated"), and one
    found in the text rather than the front matter says where, so that a
    reader can weigh it: "(outlet from the article's source line)".
    """
    parts = [
        f'<span class="qa-outlet">{escape_text(passage.outlet)}</span>'
        if passage.outlet
        else '<span class="qa-muted">outlet not stated</span>',
        f"\u201c{escape_text(passage.title)}\u201d" if passage.title else "",
        f'<span class="qa-date">{escape_text(passage.published)}</span>'
        if passage.published
        else '<span class="qa-date qa-muted">no date</span>',
        f'<span class="qa-author">by {escape_text(passage.author)}</span>'
        if passage.author
        else "",
        link_html(passage.url) if passage.url else "",
        f'<span class="qa-provenance qa-muted">({escape_text(passage.provenance)})</span>'
        if passage.provenance
        else "",
    ]
    return " \u00b7 ".join(part for part in parts if part)


def copies_line(copies: Sequence[Copy]) -> str:
    """The line 'also published by Reuters (2020-10-03), AP', each name opening its article."""
    if not copies:
        return ""
    names = []
    for copy in copies:
        name = copy.outlet or (f"\u201c{copy.title}\u201d" if copy.title else copy.article_id)
        when = f" ({escape_text(copy.published)})" if copy.published else ""
        href = escape_attr(open_ref(copy.article_id, span=(copy.start, copy.end)))
        names.append(f'<a class="qa-open" href="{href}">{escape_text(name)}</a>{when}')
    return f'<div class="qa-copies qa-muted">also published by {", ".join(names)}</div>'


def relevance(passage: Passage) -> str:
    """A passage's relevance as shown on its card, two decimals (cards are in this order)."""
    return f"{passage.score:.2f}"


def shown_order(passages: Sequence[Passage]) -> list[Passage]:
    """The passages in the order of their shown relevance, highest first.

    Retrieval puts another article's nearly-as-good passage before a second one
    of the same article (``Settings.diversity``) but keeps each passage's own
    score, so "0.32" came above "0.33". The best passage, which the reply quotes
    as [1], has the highest score and stays first; ties keep retrieval's order.
    """
    return sorted(passages, key=lambda passage: -float(relevance(passage)))


def format_card(number: int, passage: Passage, *, answers: bool, quoted: bool = False) -> str:
    """A source card: where the passage is from, its sentence, the passage, actions.

    ``quoted``: the reply quotes this passage's sentence right above, so the card
    does not repeat it.
    """
    tag = "" if answers else f'<span class="qa-tag">{NOT_AN_ANSWER_TAG}</span> '
    sentence = (
        ""
        if quoted
        else f'<blockquote class="qa-sentence">{escape_text(passage.highlight)}</blockquote>'
    )
    actions = (
        f'<a class="qa-open" href="{escape_attr(open_ref(passage.article_id, passage))}">'
        f"{OPEN_ARTICLE}</a>"
        f' <a class="qa-copy" href="#copy">{COPY_CITATION}</a>'
        f'<span class="qa-citation">{escape_text(citation_text(passage))}</span>'
    )
    return (
        f'<div class="qa-card{"" if answers else " qa-nearest"}">'
        f'<div class="qa-card-head">{tag}<span class="qa-num">[{number}]</span> '
        f"{source_line(passage)}</div>{copies_line(passage.also_published_by)}{sentence}"
        f"<details><summary>Whole passage</summary>"
        f'<div class="qa-passage">{mark_highlight(passage)}</div></details>'
        f'<div class="qa-card-foot"><span class="qa-score">relevance {relevance(passage)}</span>'
        f"{actions}</div></div>"
    )


def escape_attr(value: str) -> str:
    """Escape our own attribute values (hrefs built here)."""
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def format_discrepancies(
    discrepancies: Sequence[Discrepancy], numbers: dict[int, int] | None = None
) -> str:
    """The "Sources differ" panel: each article's figures side by side, with their sources.

    One column per article. A panel whose latest figures disagree is headed
    "Sources differ"; one whose figures differ only in time ("376 to date" beside
    the final 2,425) is headed "Earlier figure" and says it is no disagreement.
    Earlier figures are tagged so, with when they were counted, in either.
    ``numbers`` maps a figure's passage number (its place in the answer) to its
    card's number, where the cards are shown in another order.
    """
    numbers = numbers or {}
    blocks = []
    for discrepancy in discrepancies:
        earlier = {id(figure) for figure in discrepancy.earlier}
        columns = "".join(
            '<div class="qa-differ-article">'
            + "".join(
                _figure_html(
                    figure,
                    numbers.get(figure.passage_number, figure.passage_number),
                    id(figure) in earlier,
                )
                for figure in column
            )
            + "</div>"
            for column in discrepancy.columns
        )
        what = " \u00b7 ".join(
            part
            for part in (discrepancy.kind, discrepancy.subject.title(), discrepancy.scope)
            if part
        )
        label, note = _panel_words(discrepancy)
        blocks.append(
            '<div class="qa-differ">'
            f'<div class="qa-label">{label} \u00b7 {escape_text(what)}</div>'
            f'<p class="qa-muted">{escape_text(note)}</p>'
            f'<div class="qa-differ-grid">{columns}</div></div>'
        )
    return "".join(blocks)


def _panel_words(discrepancy: Discrepancy) -> tuple[str, str]:
    """The panel's label and its line under it."""
    count = len(discrepancy.columns)
    earlier = (
        " Figures tagged \u201cearlier figure\u201d were counted before the others"
        " (a toll counted to date grows), so they are no disagreement."
        if discrepancy.earlier
        else ""
    )
    if discrepancy.disagree:
        return SOURCES_DIFFER, (
            f"{count} articles give different figures for the same count.{earlier}"
            " Each is quoted as published: check who is counted, and when."
        )
    latest = ", ".join(dict.fromkeys(f"{f.figure} ({_when(f)})" for f in discrepancy.latest))
    older = ", ".join(dict.fromkeys(f"{f.figure} ({_when(f)})" for f in discrepancy.earlier))
    return EARLIER_FIGURE, (
        f"Not a disagreement: {count} articles give this count at different times. "
        f"Latest: {latest}; earlier figure: {older}. A toll counted to date grows."
    )


def _when(figure: Figure) -> str:
    """When a figure was counted, in words: its day, the sentence's words, its article's date."""
    dated = figure.when
    said = ", ".join(f"\u201c{words}\u201d" for words in dated.stated)
    if dated.as_of and dated.as_of != figure.published:
        day = dated.as_of  # a day the sentence states, resolved against the article's date
    elif dated.as_of:
        day = f"before {dated.as_of}" if dated.before else dated.as_of
    else:
        day = "article not dated"
    return f"{said}; {day}" if said else day


def _figure_html(figure: Figure, number: int, earlier: bool = False) -> str:
    start = figure.figure_start - figure.sentence_start
    sentence = marked(figure.sentence, start, start + len(figure.figure))
    source = (
        f"[{number}] \u00b7 {escape_text(figure.outlet) or 'outlet not stated'}"
        f" \u00b7 {escape_text(figure.published) or 'no date'}"
    )
    tag = (
        f'<div class="qa-figure-when"><span class="qa-tag">{EARLIER_FIGURE}</span> '
        f"{escape_text(_when(figure))}</div>"
        if earlier
        else ""
    )
    return (
        f'<div class="qa-figure"><div class="qa-figure-number">{escape_text(figure.figure)}</div>'
        f"{tag}"
        f'<blockquote class="qa-sentence">{sentence}</blockquote>'
        f'<div class="qa-figure-source">{source}</div></div>'
    )


def format_filters(filters: Filters) -> str:
    """The filters a search used, as a short line; empty without filters."""
    parts = []
    if filters.outlets:
        parts.append("outlets " + ", ".join(escape_text(outlet) for outlet in filters.outlets))
    if filters.published_from:
        parts.append(f"from {escape_text(filters.published_from)}")
    if filters.published_to:
        parts.append(f"to {escape_text(filters.published_to)}")
    if filters.dated and filters.include_undated:
        parts.append("undated articles kept")
    return "; ".join(parts)


def format_reply(
    answer: Answer,
    discrepancies: Sequence[Discrepancy] = (),
    filters: Filters | None = None,
) -> str:
    """One chat reply: the best sentence with its citation, then the source cards.

    Args:
        answer: what ``Assistant.ask`` returned.
        discrepancies: figures on which the articles differ (``find_discrepancies``).
        filters: the filters the search used, named in the reply.

    Returns:
        One line of HTML (no blank line, so Markdown keeps it one HTML block)
        in which every slice of article text is escaped.

    The confidence is said in one way only, by ``answer.verdict``'s label ("Best
    match", "May answer: check the highlighted sentence", "The articles don't
    answer this."), not as a figure: the verdict's bands depend on more than the
    figure (with the reader, another threshold), so "60 %" read "Best match" in
    one reply and "May answer" in another. The figure stays in ``to_dict()``.
    """
    blocks = [f'<p class="qa-note">Note: {escape_text(note)}</p>' for note in answer.notes]
    searched = answer.searched_for.strip()
    if searched and searched != answer.question.strip():
        blocks.append(f'<p class="qa-note">Searched for: \u201c{escape_text(searched)}\u201d</p>')
    if filters:
        blocks.append(f'<p class="qa-note">Filters: {format_filters(filters)}</p>')
    best = answer.best
    shown = best is not None and answer.verdict != NOT_FOUND_VERDICT
    passages = shown_order(answer.passages)
    if shown:
        number = next(i for i, passage in enumerate(passages, 1) if passage is best)
        label = "Best match" if answer.verdict == ANSWERS else MAY_ANSWER
        unsure = "" if answer.verdict == ANSWERS else " qa-unsure"
        blocks.append(
            f'<div class="qa-best{unsure}">'
            f'<div class="qa-label">{label}</div>'
            f'<blockquote class="qa-quote">\u201c{escape_text(best.highlight)}\u201d '
            f'<span class="qa-num">[{number}]</span></blockquote>'
            f'<div class="qa-source"><span class="qa-num">[{number}]</span> {source_line(best)}'
            "</div></div>"
        )
        # The panel names passages by their place in the answer; the cards' numbers differ.
        place = {id(passage): number for number, passage in enumerate(passages, 1)}
        numbers = {i: place[id(p)] for i, p in enumerate(answer.passages, 1)}
        blocks.append(format_discrepancies(discrepancies, numbers))
        heading = f"Sources: {len(passages)} passages, most relevant first"
    else:
        blocks.append(f'<div class="qa-not-found"><strong>{NOT_FOUND}</strong></div>')
        heading = f"{NOT_AN_ANSWER} ({len(passages)})"
    if passages:
        cards = "".join(
            format_card(number, passage, answers=shown, quoted=shown and passage is best)
            for number, passage in enumerate(passages, start=1)
        )
        label_class = "qa-cards-label" if shown else "qa-cards-label qa-nearest-label"
        blocks.append(
            f'<div class="{label_class}">{heading}</div><div class="qa-cards">{cards}</div>'
        )
    return f'<div class="qa-reply">{"".join(blocks)}</div>'

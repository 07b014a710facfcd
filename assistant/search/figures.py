"""Sources differ: different figures for the same thing in different articles.

When the passages of an answer come from several articles, those articles may
count the same thing differently: one says "2,783 losses", another "376 of its
soldiers had died". ``find_discrepancies`` finds such figures so the page can
show the quotes side by side, each with its outlet and date, and leave the
judging to the reader.

It is deliberately narrow, to stay honest: only figures written in digits,
attached to a noun from a short list of countable things (``KINDS``), in
sentences of the answer's passages; only kinds that an answering (highlighted)
sentence mentions; only figures for the same subject (whose losses: "its forces
suffered 2,783 losses" in a sentence about Azerbaijan never stands beside
Armenia's "376 of its soldiers"; a question naming a country compares only
figures about it); where a ``Judge`` is given (the reader model, as
``Assistant.sources_differ`` does), only figures whose sentences may answer the
question searched for, and only panels of which one sentence clearly answers it,
so that a toll of civilians never stands as the answer to "How many kilometres
of roads have been cleared of mines?"; only figures of the same scope (a tally of
"both sides", a United Nations estimate and one country's count are three counts,
``counts.scope_of``); and only when at least two different articles give
different numbers. Figures counted at different times are told apart from a
disagreement (``counts.dating``): one of an earlier day, or a count "to date"
below a later one, is an *earlier figure* of a toll that grows, and a panel of
one toll and its earlier figures says so rather than that sources differ. Every
quote is a verbatim sentence of its article.

Example:
    >>> answer = bot.ask("How many soldiers has Armenia lost in the war?")
    >>> [panel] = find_discrepancies(answer.passages, answer.searched_for)
    >>> [f.figure for f in panel.latest], [f.figure for f in panel.earlier], panel.disagree
    (['2,425'], ['376'], False)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..answer import Passage
from ..corpus.chunking import sentence_spans
from ..store.lexical import tokenize_strings
from .counts import REFERS_BACK, Dating, dating, scope_of
from .variants import canonical, is_country_word

# Who a figure counts, by the noun after it. "Losses" and "casualties" are
# military in war reports; "people" and "deaths" count everyone.
WHO: dict[str, str] = {
    **dict.fromkeys(
        ("soldier", "soldiers", "serviceman", "servicemen", "troops", "fighters", "personnel"),
        "military",
    ),
    **dict.fromkeys(("losses", "casualties", "combatants"), "military"),
    **dict.fromkeys(("civilian", "civilians"), "civilians"),
    **dict.fromkeys(("people", "persons", "deaths", "dead", "lives", "victims"), "people"),
}
# What happened to them, from the words after the noun ("58 civilians had
# been killed", "200 civilians were wounded") or before it ("1,245 wounded
# personnel"). Killed is the default.
OUTCOMES: dict[str, str] = {
    **dict.fromkeys(("killed", "died", "dead", "deaths", "lost"), "killed"),
    **dict.fromkeys(("wounded", "injured", "hurt"), "wounded"),
    **dict.fromkeys(("missing",), "missing"),
}
# Other countable things, compared as they are.
OTHERS: dict[str, str] = {
    **dict.fromkeys(("prisoners", "captives", "pows", "hostages"), "prisoners"),
    **dict.fromkeys(("refugees", "displaced"), "displaced people"),
}
# The label of each (who, outcome) pair: the kind shown on the page.
KINDS: dict[tuple[str | None, str], str] = {
    ("military", "killed"): "military losses",
    ("civilians", "killed"): "civilians",
    ("people", "killed"): "people",
    ("military", "wounded"): "wounded soldiers",
    ("civilians", "wounded"): "wounded civilians",
    ("people", "wounded"): "wounded",
    (None, "wounded"): "wounded",
    ("military", "missing"): "missing",
    ("civilians", "missing"): "missing",
    ("people", "missing"): "missing",
    (None, "missing"): "missing",
}
# Words that may stand between a noun and a figure written after it:
# "its human losses in the war as 2,425", "a death toll of 30".
LINKS = frozenset({"as", "at", "to", "of", "reached", "totalled", "totaled", "was", "were", "is"})
MAX_GAP = 4  # words between a figure and its noun

# A passage's sentences as (start, end) in ``passage.text``, or None where unknown.
SentenceSpans = Callable[[Passage], Sequence[tuple[int, int]] | None]


@dataclass(frozen=True, slots=True)
class Judge:
    """Which figures answer the question searched, by a model's scores of their sentences.

    Attributes:
        score: (question, sentences) -> one score each, higher answers better
            (``Assistant.reader_logits``: the reader model's logits).
        enter_from: a figure is compared only if its sentence scores at least this.
        show_from: a panel is shown only if one of its sentences scores at least
            this: one that clearly answers, so that figures which merely may
            answer never make a panel by themselves.
    """

    score: Callable[[str, Sequence[str]], Sequence[float]]
    enter_from: float
    show_from: float


# A figure written in digits: "2,783", "376", "1.5". Not part of a word or a
# compound ("T-72", "Covid-19", "44-day") and not a share ("20%").
_FIGURE = re.compile(r"(?<![\w\-.,/])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w\-%/]|[.,]\d)")
_WORD = re.compile(r"[A-Za-z]+|[,;:()\u2014\u2013]|\d")
_PERCENT_WORDS = frozenset({"percent", "per", "pc"})


@dataclass(frozen=True, slots=True)
class Figure:
    """A number one article gives for a kind of thing, with its sentence.

    Attributes:
        kind: what is counted, a value of ``KINDS`` ("military losses").
        subject: whose they are, as the country's term ("armenia"), from the country
            word naming the counted noun ("50 Azerbaijani soldiers") or else the nearest
            one before the figure in its sentence; "" when the sentence names none.
        value: the number (2783.0 for "2,783").
        figure: the number as written ("2,783").
        sentence: the sentence, verbatim: ``article.text[sentence_start:sentence_end]``.
        article_id, outlet, title, published, url: the article's metadata.
        passage_number: 1-based position of the passage in the answer.
        highlighted: True when the sentence is the passage's highlighted one.
        scope: whose count beyond the subject, as the sentence says ("both sides",
            "United Nations"); '' when it says nothing more (``counts.scope_of``).
        when: when it was counted (``counts.Dating``).
    """

    kind: str
    subject: str
    value: float
    figure: str
    sentence: str
    sentence_start: int
    sentence_end: int
    figure_start: int
    figure_end: int
    article_id: str
    outlet: str
    title: str
    published: str
    url: str
    passage_number: int
    highlighted: bool
    scope: str = ""
    when: Dating = Dating()


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """Figures of one kind, subject and scope from at least two articles, which differ.

    Attributes:
        figures: all of them, in the order of the answer's passages.
        earlier: those counted before the latest ones (``earlier_figures``): a
            change over time, not a disagreement.
    """

    kind: str
    figures: tuple[Figure, ...]
    subject: str = ""
    scope: str = ""
    earlier: tuple[Figure, ...] = ()

    @property
    def latest(self) -> tuple[Figure, ...]:
        """The figures that are not earlier ones."""
        return tuple(figure for figure in self.figures if figure not in self.earlier)

    @property
    def article_ids(self) -> list[str]:
        """The articles involved, those giving the latest figures first."""
        return [column[0].article_id for column in self.columns]

    @property
    def columns(self) -> list[tuple[Figure, ...]]:
        """The figures grouped by article, one group a column: latest figures' articles first."""
        by_article: dict[str, list[Figure]] = {}
        for figure in (*self.latest, *self.earlier):
            by_article.setdefault(figure.article_id, []).append(figure)
        return [tuple(column) for column in by_article.values()]

    @property
    def disagree(self) -> bool:
        """Whether two articles give latest figures that differ: each one the other does not."""
        return _disagree(self.latest)

    @property
    def changed(self) -> bool:
        """Whether an article gives only earlier figures, which another's latest differs from.

        An article's own earlier figure beside its latest one is its own history,
        not something another source says differently.
        """
        now = {figure.article_id for figure in self.latest}
        return any(
            old.article_id not in now and old.value != new.value
            for old in self.earlier
            for new in self.latest
        )


def figures_in(sentence: str) -> list[tuple[str, int, int]]:
    """The figures of a sentence attached to a known kind: (kind, start, end) each."""
    found = []
    for match in _FIGURE.finditer(sentence):
        if _is_year(match.group(1)):
            continue
        kind = _kind_after(sentence[match.end() :]) or _kind_before(sentence[: match.start()])
        if kind:
            found.append((kind, match.start(1), match.end(1)))
    return found


def subject_of(sentence: str, start: int, end: int, previous: str = "") -> str:
    """Whose the figure at ``sentence[start:end]`` is: a country's term, or ''.

    A country word between the figure and its noun names it ("50 Azerbaijani
    soldiers"); else the nearest country word before the figure ("Armenia said
    that 376 of its soldiers had died"); else the first one after it; else, where
    the sentence points back ("The country's prosecutor general said ..."), the
    last one of ``previous``, the sentence before it.
    """
    after = _clause(_words(sentence[end:]), MAX_GAP + 1)
    for word in after:
        if word in WHO or word in OTHERS:
            break
        if is_country_word(word):
            return _country(word)
    before = [word for word in _words(sentence[:start]) if word.isalpha()]
    for word in reversed(before):
        if is_country_word(word):
            return _country(word)
    for word in _words(sentence[end:]):
        if word.isalpha() and is_country_word(word):
            return _country(word)
    if previous and REFERS_BACK.search(sentence):
        return subject_of(previous, len(previous), len(previous))
    return ""


def subjects_asked(question: str) -> set[str]:
    """The countries a question names ("How many soldiers did Armenia lose?": armenia)."""
    return {_country(word) for word in _words(question) if word.isalpha() and is_country_word(word)}


def _country(word: str) -> str:
    return canonical(tokenize_strings([word])[0])[0]


def find_discrepancies(
    passages: Sequence[Passage],
    question: str = "",
    judge: Judge | None = None,
    sentences: SentenceSpans | None = None,
) -> list[Discrepancy]:
    """Kinds of things for which the articles of these passages give different figures.

    Args:
        passages: an answer's passages, best first.
        question: the question searched for; when it names a kind of thing
            ("soldiers", "civilians", "wounded"), only that kind is compared,
            otherwise the kinds that the highlighted sentences give figures for.
        judge: scores whether the figures' sentences answer ``question``
            (``Judge``); called once, with the sentences of the figures that
            could be compared, and only when there are some.
        sentences: a passage's sentence spans as its index cut them, relative to
            ``passage.text`` (``Assistant.sources_differ`` gives them), or None
            where unknown; without it, or for None, the passage is cut again.

    Returns:
        One Discrepancy per kind, subject and scope for which at least two articles
        give figures that differ, at the same time (``Discrepancy.disagree``) or
        at different times (``Discrepancy.changed``), in the order they first
        appear; empty when the sources agree or give no comparable figures.
    """
    figures = answer_figures(passages, sentences)
    asked = kinds_asked(question) or {figure.kind for figure in figures if figure.highlighted}
    # A question naming a country compares only figures about it; a figure whose
    # sentence names no country is nobody's in particular then, and is left out.
    # So for a scope: "according to the UN" compares only the UN's figures.
    whose, scope = subjects_asked(question), scope_of(question)
    groups = [
        tuple(f for f in figures if (f.kind, f.subject, f.scope) == key)
        for key in dict.fromkeys((f.kind, f.subject, f.scope) for f in figures)
        if key[0] in asked
        and not (whose and key[1] not in whose)
        and not (scope and key[2] != scope)
    ]
    groups = [same for same in groups if _differ(same)]
    if judge is not None and question and groups:
        texts = list(dict.fromkeys(figure.sentence for same in groups for figure in same))
        scores = dict(zip(texts, map(float, judge.score(question, texts)), strict=True))
        cut = judge.enter_from
        entered = [tuple(f for f in same if scores[f.sentence] >= cut) for same in groups]
        groups = [
            same
            for same in entered
            if _differ(same) and max(scores[f.sentence] for f in same) >= judge.show_from
        ]
    return [_panel(same) for same in groups]


def _panel(same: Sequence[Figure]) -> Discrepancy:
    first = same[0]
    return Discrepancy(first.kind, tuple(same), first.subject, first.scope, earlier_figures(same))


def _differ(same: Sequence[Figure]) -> bool:
    """Whether these figures make a panel: they differ between articles, then or over time."""
    if not same:
        return False
    panel = _panel(same)
    return panel.disagree or panel.changed


def _disagree(figures: Sequence[Figure]) -> bool:
    """Whether two articles each give one of these numbers that the other does not.

    An article giving 58 and 31 beside one giving 58 is no disagreement between
    sources: the difference is within the one article.
    """
    by_article: dict[str, set[float]] = {}
    for figure in figures:
        by_article.setdefault(figure.article_id, set()).add(figure.value)
    numbers = list(by_article.values())
    return any(a - b and b - a for i, a in enumerate(numbers) for b in numbers[i + 1 :])


def earlier_figures(same: Sequence[Figure]) -> tuple[Figure, ...]:
    """The figures of one count that were given before its latest ones.

    A figure is earlier when it was counted on a known day before the latest known
    day (the day its sentence states, else its article's; "previously" just
    before that), or when its day is unknown but it is a count up to a moment
    ("to date", "as of Thursday") below a figure of the latest day: a toll counted
    to date only grows. A figure whose day is unknown and that is no such count
    cannot be placed, and stays among the latest.
    """
    times = {id(f): (f.when.as_of, not f.when.before) for f in same if f.when.as_of}
    if not times:
        return ()
    last = max(times.values())
    top = max(f.value for f in same if times.get(id(f)) == last)
    return tuple(
        f
        for f in same
        if (times[id(f)] < last if id(f) in times else f.when.interim and f.value < top)
    )


def answer_figures(
    passages: Sequence[Passage], sentences: SentenceSpans | None = None
) -> list[Figure]:
    """Every figure of a known kind in these passages, in their order (``sentences`` as above)."""
    return [
        figure
        for number, passage in enumerate(passages, 1)
        for figure in _figures(passage, number, sentences)
    ]


def _figures(passage: Passage, number: int, sentences: SentenceSpans | None) -> list[Figure]:
    """The figures of every sentence of a passage, once each."""
    # Cutting sentences (pysbd) is nearly all of the cost, and most passages give
    # no figure: read as one text, a passage finds every figure its sentences
    # would (the words beside a figure only grow across a sentence's end), so
    # a passage that finds none has none to cut for.
    if not figures_in(passage.text):
        return []
    figures: list[Figure] = []
    seen: set[tuple[int, str]] = set()
    highlight = (passage.highlight_start - passage.start, passage.highlight_end - passage.start)
    spans = sentences(passage) if sentences is not None else None
    if spans is None:
        spans = sentence_spans(passage.text, 0, len(passage.text))
    previous = ""
    for start, end in spans:
        sentence = passage.text[start:end]
        highlighted = start < highlight[1] and highlight[0] < end
        when = dating(sentence, passage.published)
        for kind, figure_start, figure_end in figures_in(sentence):
            if (start + figure_start, kind) in seen:
                continue
            seen.add((start + figure_start, kind))
            text = sentence[figure_start:figure_end]
            figures.append(
                Figure(
                    kind=kind,
                    subject=subject_of(sentence, figure_start, figure_end, previous),
                    value=float(text.replace(",", "")),
                    figure=text,
                    sentence=sentence,
                    sentence_start=passage.start + start,
                    sentence_end=passage.start + end,
                    figure_start=passage.start + start + figure_start,
                    figure_end=passage.start + start + figure_end,
                    article_id=passage.article_id,
                    outlet=passage.outlet,
                    title=passage.title,
                    published=passage.published,
                    url=passage.url,
                    passage_number=number,
                    highlighted=highlighted,
                    scope=scope_of(sentence, previous),
                    when=when,
                )
            )
        previous = sentence
    return figures


def _is_year(text: str) -> bool:
    return len(text) == 4 and text.isdigit() and 1800 <= int(text) <= 2100


def kinds_asked(question: str) -> set[str]:
    """The kinds a question asks about ("How many civilians were killed?": civilians)."""
    words = _words(question)
    whos = {WHO[word] for word in words if word in WHO}
    outcomes = {OUTCOMES[word] for word in words if word in OUTCOMES and word not in WHO}
    if "civilians" in whos:  # "civilian casualties" are not military losses
        whos.discard("military")
    kinds = {OTHERS[word] for word in words if word in OTHERS}
    for outcome in outcomes or {"killed"}:
        for who in whos or ({None, "military", "civilians", "people"} if outcomes else set()):
            if (who, outcome) in KINDS:
                kinds.add(KINDS[who, outcome])
    return kinds


def _kind_after(rest: str) -> str | None:
    """The kind named within MAX_GAP words after a figure, refined by the words after it."""
    clause = _clause(_words(rest), 3 * MAX_GAP)
    if clause[:1] and clause[0] in _PERCENT_WORDS:
        return None
    for position, word in enumerate(clause[: MAX_GAP + 1]):
        if word in OTHERS:
            return OTHERS[word]
        if word in WHO:
            outcome = _first(clause[position + 1 : position + 1 + MAX_GAP], OUTCOMES)
            return KINDS.get((WHO[word], outcome or "killed"))
        if word in OUTCOMES and OUTCOMES[word] != "killed":
            # "1,245 wounded personnel", "178 wounded", "100 missing"
            who = _first(clause[position + 1 : position + 3], WHO)
            return KINDS.get((who, OUTCOMES[word]))
    return None


def _kind_before(before: str) -> str | None:
    """The kind of "its human losses in the war as 2,425": a noun, a few words, a link."""
    words = _words(before)
    if not words or words[-1] not in LINKS:
        return None
    for word in reversed(_clause(list(reversed(words[:-1])), MAX_GAP + 1)[::-1]):
        if word in OTHERS:
            return OTHERS[word]
        if word in WHO:
            return KINDS.get((WHO[word], "killed"))
    return None


def _clause(words: list[str], limit: int) -> list[str]:
    """The first ``limit`` words, up to punctuation or another figure."""
    clause = []
    for word in words[:limit]:
        if not word.isalpha():
            break
        clause.append(word)
    return clause


def _first(words: list[str], table: dict[str, str]) -> str | None:
    """The value in ``table`` of the first word found there."""
    return next((table[word] for word in words if word in table), None)


def _words(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]

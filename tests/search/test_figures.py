"""Tests of "sources differ": figures attached to kinds of things, compared across articles."""

from __future__ import annotations

import dataclasses
import html

import pytest

from assistant import pipeline
from assistant.answer import Passage
from assistant.corpus.chunking import sentence_spans
from assistant.errors import ModelError
from assistant.pipeline import Assistant
from assistant.search.comparison import IndexSentences, LazyReader
from assistant.search.figures import (
    Judge,
    answer_figures,
    figures_in,
    find_discrepancies,
    kinds_asked,
    subject_of,
    subjects_asked,
)
from assistant.web.format import EARLIER_FIGURE, SOURCES_DIFFER, format_discrepancies

LOSSES_ARTICLE = "002_21e136c97901ca85"
NYT_ARTICLE = "004_27c0f59227408853"
MOSCOW_TIMES_ARTICLE = "003_42076aacbf9b2f73"


def passage(
    text: str, highlight: str, article_id: str, *, start: int = 0, published: str = "2020-10-12"
) -> Passage:
    """A Passage of a made-up article whose body starts with ``text`` at ``start``."""
    offset = text.index(highlight)
    return Passage(
        text=text,
        highlight=highlight,
        article_id=article_id,
        title=f"Title of {article_id}",
        outlet=f"Outlet {article_id}",
        published=published,
        url="",
        author="",
        start=start,
        end=start + len(text),
        highlight_start=start + offset,
        highlight_end=start + offset + len(highlight),
        score=0.5,
    )


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Its forces suffered 2,783 losses, with more than 100 missing.",
            [("military losses", "2,783"), ("missing", "100")],
        ),
        ("Armenia reported its human losses in the war as 2,425.", [("military losses", "2,425")]),
        ("Armenia said on Friday that 376 of its soldiers had died.", [("military losses", "376")]),
        ("The commission estimated that 58 civilians had been killed.", [("civilians", "58")]),
        (
            "Azerbaijan had announced 91 civilian deaths as a result of shelling.",
            [("civilians", "91")],
        ),
        (
            "Since then 31 civilians have been killed and 178 wounded by artillery fire.",
            [("civilians", "31"), ("wounded", "178")],
        ),
        (
            "The ministry reported that 1,245 wounded personnel are undergoing treatment.",
            [("wounded soldiers", "1,245")],
        ),
        (
            "Nearly 500 people including more than 60 civilians, have been killed.",
            [("people", "500"), ("civilians", "60")],
        ),
        (
            "Officials said 200 civilians were wounded in the strikes.",
            [("wounded civilians", "200")],
        ),
        ("The war resulted in the deaths of about 30,000 people.", [("people", "30,000")]),
    ],
)
def test_figures_in_attaches_numbers_to_what_they_count(
    sentence: str, expected: list[tuple[str, str]]
) -> None:
    found = [(kind, sentence[start:end]) for kind, start, end in figures_in(sentence)]
    assert found == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "In 2020 soldiers crossed the line.",  # a year
        "The 1994 ceasefire held for decades.",
        "After the 44-day war soldiers went home.",  # part of a compound
        "Covid-19 soldiers were tested.",
        "One T-72 tank was destroyed.",
        "Armenian forces occupied 20 percent of the soldiers' land.",  # a share
        "It occupied 20% of the territory of civilians.",
        "On November 10, 2020 the fighting stopped.",  # a date
        "After 11 hours of talks the ministers agreed.",  # not a kind we compare
        "Peacekeepers neutralized almost 25,000 explosive objects.",
        "one soldier died and two civilians were hurt",  # words, not digits
    ],
)
def test_figures_in_ignores_dates_shares_and_other_numbers(sentence: str) -> None:
    assert figures_in(sentence) == []


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("How many soldiers did Azerbaijan lose?", {"military losses"}),
        ("How many civilians were killed?", {"civilians"}),
        ("How many civilian casualties were there?", {"civilians"}),
        ("How many civilians were wounded?", {"wounded civilians"}),
        ("How many were wounded?", {"wounded", "wounded soldiers", "wounded civilians"}),
        ("Who is Oleg Kuznetsov?", set()),
    ],
)
def test_kinds_asked(question: str, kinds: set[str]) -> None:
    assert kinds_asked(question) == kinds


def test_two_articles_with_different_figures_differ() -> None:
    first = passage(
        "Officials said 58 civilians had been killed. Talks went on.",
        "Officials said 58 civilians had been killed.",
        "a",
    )
    second = passage(
        "By Friday 31 civilians had been killed.",
        "By Friday 31 civilians had been killed.",
        "b",
        start=40,
    )
    [discrepancy] = find_discrepancies([first, second])
    assert discrepancy.kind == "civilians"
    assert [figure.figure for figure in discrepancy.figures] == ["58", "31"]
    assert discrepancy.article_ids == ["a", "b"]
    late = discrepancy.figures[1]
    assert late.passage_number == 2 and late.highlighted
    assert (late.sentence_start, late.figure_start) == (40, 40 + len("By Friday "))
    assert late.outlet == "Outlet b" and late.published == "2020-10-12"


def test_agreeing_articles_and_a_single_article_do_not_differ() -> None:
    same = [
        passage("Officials said 58 civilians had been killed.", "Officials said 58", "a"),
        passage("The toll: 58 civilians had been killed.", "The toll", "b"),
    ]
    assert find_discrepancies(same) == []
    one_article = [
        passage("Officials said 58 civilians had been killed.", "Officials said 58", "a"),
        passage("Later 31 civilians had been killed.", "Later 31", "a", start=100),
    ]
    assert find_discrepancies(one_article) == []


def test_kinds_the_question_names_win_over_the_highlights() -> None:
    passages = [
        passage("Officials said 58 civilians and 12 soldiers were killed.", "Officials", "a"),
        passage("By Friday 31 civilians and 40 soldiers had been killed.", "By Friday", "b"),
    ]
    kinds = {discrepancy.kind for discrepancy in find_discrepancies(passages)}
    assert kinds == {"civilians", "military losses"}
    asked = find_discrepancies(passages, "How many soldiers died?")
    assert [discrepancy.kind for discrepancy in asked] == ["military losses"]


def test_figures_outside_the_highlights_count_only_for_a_kind_asked() -> None:
    passages = [
        passage("Talks began. Officials said 58 civilians had been killed.", "Talks began.", "a"),
        passage("Talks ended. By Friday 31 civilians had been killed.", "Talks ended.", "b"),
    ]
    assert find_discrepancies(passages) == []
    assert len(find_discrepancies(passages, "How many civilians were killed?")) == 1


class Scores:
    """A sentence's score from a table (0 when absent); counts the calls."""

    def __init__(self, table: dict[str, float]) -> None:
        self.table = table
        self.calls: list[tuple[str, list[str]]] = []

    def __call__(self, question: str, sentences) -> list[float]:
        self.calls.append((question, list(sentences)))
        return [self.table.get(sentence, 0.0) for sentence in sentences]


THREE_TOLLS = [
    passage("Officials said 58 civilians had been killed.", "Officials said 58", "a"),
    passage("By Friday 31 civilians had been killed.", "By Friday", "b"),
    passage("The ministry said 91 civilians had been killed.", "The ministry", "c"),
]
ASKED = "How many civilians died?"


def judge(table: dict[str, float]) -> Judge:
    """Figures enter from 1, panels show from 2."""
    return Judge(Scores(table), enter_from=1.0, show_from=2.0)


def test_only_figures_whose_sentences_may_answer_are_compared() -> None:
    by = judge({THREE_TOLLS[0].text: 1.0, THREE_TOLLS[1].text: 0.5, THREE_TOLLS[2].text: 2.0})
    [discrepancy] = find_discrepancies(THREE_TOLLS, ASKED, by)
    assert [figure.figure for figure in discrepancy.figures] == ["58", "91"]
    # One call, each sentence once, for the question searched.
    assert by.score.calls == [(ASKED, [p.text for p in THREE_TOLLS])]


def test_a_panel_left_with_one_article_is_not_shown() -> None:
    assert find_discrepancies(THREE_TOLLS, ASKED, judge({THREE_TOLLS[0].text: 5.0})) == []
    assert len(find_discrepancies(THREE_TOLLS, ASKED)) == 1


def test_a_panel_needs_a_sentence_that_clearly_answers() -> None:
    maybe = {p.text: 1.5 for p in THREE_TOLLS}
    assert find_discrepancies(THREE_TOLLS, ASKED, judge(maybe)) == []
    [discrepancy] = find_discrepancies(THREE_TOLLS, ASKED, judge({**maybe, THREE_TOLLS[1].text: 2}))
    assert [figure.figure for figure in discrepancy.figures] == ["58", "31", "91"]


def test_the_judge_is_asked_only_about_figures_that_could_differ() -> None:
    by = judge({})
    agreeing = [THREE_TOLLS[0], passage("The toll: 58 civilians had been killed.", "The", "b")]
    assert find_discrepancies(agreeing, ASKED, by) == []
    assert find_discrepancies(THREE_TOLLS, "", by) != []  # no question: nothing to judge by
    assert by.score.calls == []


def test_the_index_sentences_are_used_where_given() -> None:
    text = "Officials said 58 civilians had been killed. By Friday 31 civilians had been killed."
    first = passage(text, "Officials said 58 civilians had been killed.", "a")
    second = passage("The toll: 91 civilians had been killed.", "The toll", "b")
    # One span over the whole first passage: both its figures come from one sentence.
    whole = {"a": [(0, len(text))]}
    [discrepancy] = find_discrepancies([first, second], sentences=lambda p: whole.get(p.article_id))
    assert {figure.sentence for figure in discrepancy.figures if figure.article_id == "a"} == {text}
    # None (unknown) cuts the passage again.
    [again] = find_discrepancies([first, second], sentences=lambda p: None)
    assert {figure.sentence for figure in again.figures} == {
        "Officials said 58 civilians had been killed.",
        "By Friday 31 civilians had been killed.",
        "The toll: 91 civilians had been killed.",
    }


def test_the_lazy_reader_loads_once_and_remembers_a_failure() -> None:
    loads = []

    def load():
        loads.append(1)
        if len(loads) == 1:
            raise ModelError("damaged")
        return object()

    lazy = LazyReader(load=load)
    assert lazy.loaded is None
    for _ in range(2):
        with pytest.raises(ModelError, match="damaged"):
            lazy.get()
    assert loads == [1] and lazy.loaded is None
    given = object()
    assert LazyReader(given, load=load).get() is given and loads == [1]  # given: never loads


# -- the real corpus --------------------------------------------------------------


def assert_verbatim(bot: Assistant, discrepancy) -> None:
    for figure in discrepancy.figures:
        text = bot.article(figure.article_id).text
        assert text[figure.sentence_start : figure.sentence_end] == figure.sentence
        assert text[figure.figure_start : figure.figure_end] == figure.figure
        assert figure.figure in figure.sentence


def test_one_countrys_losses_never_stand_beside_anothers(bot: Assistant) -> None:
    """Issue 14, point 2: Azerbaijan's 2,783 is no disagreement about Armenia's dead."""
    answer = bot.ask("How many soldiers did Azerbaijan lose?", k=5)
    assert {"2,783", "376"} <= {f for p in answer.passages for f in _figures_of(p)}
    for discrepancy in find_discrepancies(answer.passages, answer.searched_for):
        figures = {figure.figure for figure in discrepancy.figures}
        assert not ({"2,783"} & figures and {"376", "2,425"} & figures), figures
    follow_up = bot.ask("What about Armenia?", history=["How many soldiers did Azerbaijan lose?"])
    for discrepancy in find_discrepancies(follow_up.passages, follow_up.searched_for):
        assert "2,783" not in {figure.figure for figure in discrepancy.figures}


def test_armenias_two_tolls_are_compared_with_their_dates(bot: Assistant) -> None:
    answer = bot.ask("What about Armenia?", history=["How many soldiers did Azerbaijan lose?"])
    [discrepancy] = find_discrepancies(answer.passages, answer.searched_for)
    assert discrepancy.kind == "military losses" and discrepancy.subject == "armenia"
    by_figure = {figure.figure: figure.article_id for figure in discrepancy.figures}
    assert by_figure["2,425"] == LOSSES_ARTICLE and by_figure["376"] == NYT_ARTICLE
    assert_verbatim(bot, discrepancy)


def test_armenias_toll_to_date_is_an_earlier_figure_not_a_disagreement(bot: Assistant) -> None:
    """Issue 29 item 4: the final 2,425 of 3 December beside 376 'to date' in October."""
    answer = bot.ask("How many soldiers has Armenia lost in the war?", k=5)
    [discrepancy] = bot.sources_differ(answer)
    assert (discrepancy.kind, discrepancy.subject) == ("military losses", "armenia")
    assert [f.figure for f in discrepancy.latest] == ["2,425"]
    [earlier] = discrepancy.earlier
    assert (earlier.figure, earlier.article_id) == ("376", NYT_ARTICLE)
    assert earlier.when.stated == ("on Friday", "to date") and earlier.when.interim
    assert not discrepancy.disagree and discrepancy.changed
    assert discrepancy.article_ids == [LOSSES_ARTICLE, NYT_ARTICLE]
    assert_verbatim(bot, discrepancy)
    shown = html.unescape(format_discrepancies([discrepancy]))
    assert SOURCES_DIFFER not in shown and shown.count(f'"qa-tag">{EARLIER_FIGURE}<') == 1
    assert "Latest: 2,425 (2020-12-03); earlier figure: 376" in shown
    assert "\u201con Friday\u201d, \u201cto date\u201d; article not dated" in shown


def test_the_civilian_tolls_are_compared_like_with_like(bot: Assistant) -> None:
    """Issue 29 item 4: 'both sides', a UN estimate and Azerbaijan's own count are not one count.

    The panel was 60 (a tally of both sides' tolls), 58 (the UN's, 'as of Thursday')
    and 31 (Azerbaijan's prosecutor general), two of them from one article.
    """
    answer = bot.ask("How many civilians were killed in the fighting?", k=5)
    found = {figure.figure: figure for figure in answer_figures(answer.passages)}
    assert (found["60"].subject, found["60"].scope) == ("", "both sides")
    assert (found["58"].subject, found["58"].scope) == ("", "United Nations")
    assert (found["31"].subject, found["31"].scope) == ("azerbaijan", "")
    [discrepancy] = bot.sources_differ(answer)
    assert (discrepancy.kind, discrepancy.subject, discrepancy.scope) == (
        "civilians",
        "azerbaijan",
        "",
    )
    # Azerbaijan's 91 of the article of 3 December ("previously") and its 31
    # "since the fighting started", from an undated article: a toll that grew.
    assert [f.figure for f in discrepancy.latest] == ["91"]
    assert [f.figure for f in discrepancy.earlier] == ["31"]
    assert not discrepancy.disagree
    assert_verbatim(bot, discrepancy)


@pytest.mark.parametrize(
    "question",
    [
        "How old is the Holy Savior Cathedral?",
        "What model of Azerbaijani fighter jet did Armenia say Karabakh forces shot down?",
    ],
)
def test_the_reader_drops_panels_that_do_not_answer(bot: Assistant, question: str) -> None:
    """Tolls of the dead found near a question about something else are no answer to it."""
    answer = bot.ask(question, k=5)
    assert find_discrepancies(answer.passages, answer.searched_for), "no panel to drop any more"
    assert bot.sources_differ(answer) == []


def test_without_the_reader_the_panels_are_as_found(bot: Assistant) -> None:
    plain = Assistant(bot.stored, bot.embedder, bot.settings.replace(figures_from=None))
    answer = plain.ask("How old is the Holy Savior Cathedral?", k=5)
    assert plain.sources_differ(answer) == find_discrepancies(answer.passages, answer.searched_for)
    assert plain.sources_differ(answer) != []


def test_a_passage_read_as_one_text_finds_every_figure_of_its_sentences(bot: Assistant) -> None:
    """The shortcut of ``_figures``: a passage without figures as one text has none to cut for."""
    checked = 0
    for chunk in bot.stored.chunks:
        text = chunk.text
        by_sentence = {
            start + figure_start
            for start, end in sentence_spans(text, 0, len(text))
            for _, figure_start, _ in figures_in(text[start:end])
        }
        if by_sentence:
            checked += 1
            assert by_sentence <= {start for _, start, _ in figures_in(text)}, text
    assert checked >= 4  # the passages with the tolls


def test_a_reader_that_fails_to_load_is_tried_once(
    bot: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def damaged(*args, **kwargs):
        calls.append(args)
        raise ModelError("the reader file model.onnx is damaged")

    monkeypatch.setattr(pipeline.Reader, "load", damaged)
    # Similarity alone answers; "sources differ" then loads the reader on first use.
    fresh = Assistant(bot.stored, bot.embedder, bot.settings.replace(reader=False))
    answer = fresh.ask("How many civilians were killed in the fighting?", k=5)
    for _ in range(2):
        with pytest.raises(ModelError, match="damaged"):
            fresh.sources_differ(answer)
    assert len(calls) == 1 and fresh.loaded_reader is None


def test_the_sentences_of_an_answers_passages_come_from_the_index(bot: Assistant) -> None:
    answer = bot.ask("How many civilians were killed in the fighting?", k=5)
    sentences = IndexSentences(bot.stored)
    for passage in answer.passages:
        spans = sentences(passage)
        assert spans == sentence_spans(passage.text, 0, len(passage.text))
    changed = dataclasses.replace(answer.passages[0], text=answer.passages[0].text + " More.")
    assert sentences(changed) is None  # not this index's passage: cut again
    assert sentences(dataclasses.replace(changed, article_id="no such article")) is None


def _figures_of(passage: Passage) -> list[str]:
    return [passage.text[start:end] for _, start, end in figures_in(passage.text)]


@pytest.mark.parametrize(
    ("sentence", "figure", "subject"),
    [
        (
            "The Defense Ministry of Azerbaijan said its forces suffered 2,783 losses.",
            "2,783",
            "azerbaijan",
        ),
        ("Armenia said on Friday that 376 of its soldiers had died.", "376", "armenia"),
        ("Armenian forces killed 50 Azerbaijani soldiers, Baku said.", "50", "azerbaijan"),
        ("The commission estimated that 58 civilians had been killed.", "58", ""),
        ("Yerevan put the toll at 2,425.", "2,425", "armenia"),
    ],
)
def test_subject_of(sentence: str, figure: str, subject: str) -> None:
    start = sentence.index(figure)
    assert subject_of(sentence, start, start + len(figure)) == subject


def test_subjects_asked() -> None:
    assert subjects_asked("How many soldiers did Azerbaijan lose?") == {"azerbaijan"}
    assert subjects_asked("How many Armenian soldiers died?") == {"armenia"}
    assert subjects_asked("How many civilians were killed?") == set()


def test_figures_for_different_countries_are_not_compared() -> None:
    passages = [
        passage("Azerbaijan said 2,783 soldiers died.", "Azerbaijan said", "a"),
        passage("Armenia said 376 soldiers died.", "Armenia said", "b"),
    ]
    assert find_discrepancies(passages, "How many soldiers died?") == []
    assert find_discrepancies(passages, "How many soldiers did Armenia lose?") == []


ASKED_ARMENIA = "How many soldiers did Armenia lose?"


def test_a_figure_of_an_earlier_day_is_an_earlier_figure_with_its_date() -> None:
    passages = [
        passage("Armenia said 376 soldiers died.", "Armenia said", "a", published="2020-10-09"),
        passage("Armenia put its losses at 2,425.", "Armenia put", "b", published="2020-12-03"),
    ]
    [discrepancy] = find_discrepancies(passages, ASKED_ARMENIA)
    assert discrepancy.subject == "armenia"
    assert [f.figure for f in discrepancy.earlier] == ["376"]
    assert not discrepancy.disagree and discrepancy.changed
    assert discrepancy.article_ids == ["b", "a"]  # the latest first
    shown = html.unescape(format_discrepancies([discrepancy]))
    assert f"{EARLIER_FIGURE} \u00b7 military losses \u00b7 Armenia" in shown
    assert SOURCES_DIFFER not in shown and "Not a disagreement" in shown
    assert "Latest: 2,425 (2020-12-03); earlier figure: 376 (2020-10-09)" in shown


def test_a_day_the_sentence_states_dates_its_figure() -> None:
    """'as of Thursday' in an article of Monday 12 October counts to 8 October."""
    passages = [
        passage(
            "Armenia said that as of Thursday 350 soldiers had died.",
            "Armenia said",
            "a",
            published="2020-10-12",
        ),
        passage("Armenia said 376 soldiers died.", "Armenia said", "b", published="2020-10-12"),
    ]
    [discrepancy] = find_discrepancies(passages, ASKED_ARMENIA)
    [earlier] = discrepancy.earlier
    assert earlier.figure == "350" and earlier.when.as_of == "2020-10-08"
    shown = html.unescape(format_discrepancies([discrepancy]))
    assert "earlier figure: 350 (\u201cas of Thursday\u201d; 2020-10-08)" in shown


def test_a_count_to_date_below_a_later_toll_is_earlier_even_undated() -> None:
    final = passage("Armenia put its losses at 2,425.", "Armenia put", "a", published="2020-12-03")
    to_date = passage("Armenia said 376 soldiers died to date.", "Armenia said", "b", published="")
    [discrepancy] = find_discrepancies([to_date, final], ASKED_ARMENIA)
    assert [f.figure for f in discrepancy.earlier] == ["376"] and not discrepancy.disagree
    # No count up to a moment, or one above the later toll: its time cannot be told.
    for text in ("Armenia said 376 soldiers died.", "Armenia said 3,000 soldiers died to date."):
        undated = passage(text, "Armenia said", "b", published="")
        [discrepancy] = find_discrepancies([undated, final], ASKED_ARMENIA)
        assert discrepancy.earlier == () and discrepancy.disagree
        assert SOURCES_DIFFER in format_discrepancies([discrepancy])


def test_a_disagreement_tags_its_earlier_figures() -> None:
    passages = [
        passage("Armenia put its losses at 2,425.", "Armenia put", "a", published="2020-12-03"),
        passage("Armenia lost 2,300 soldiers.", "Armenia lost", "b", published="2020-12-03"),
        passage("Armenia said 376 soldiers died.", "Armenia said", "c", published="2020-10-09"),
    ]
    [discrepancy] = find_discrepancies(passages, ASKED_ARMENIA)
    assert discrepancy.disagree and [f.figure for f in discrepancy.earlier] == ["376"]
    shown = html.unescape(format_discrepancies([discrepancy]))
    assert f"{SOURCES_DIFFER} \u00b7 military losses" in shown
    assert "3 articles give different figures" in shown
    assert shown.count(f'"qa-tag">{EARLIER_FIGURE}<') == 1 and "2020-10-09" in shown


SIDES = "Nearly 60 civilians have been killed, according to a tally of tolls given by both sides."
UN = (
    "The office of the United Nations High Commissioner issued a statement. "
    "The commission estimated that 58 civilians had been killed."
)
AZERBAIJAN = (
    "Azerbaijani media reported shelling. "
    "The country's prosecutor general said that 31 civilians have been killed."
)


def test_figures_of_different_scopes_are_not_compared() -> None:
    """A tally of both sides, a UN estimate and one country's count are three counts."""
    passages = [
        passage(SIDES, SIDES, "a"),
        passage(UN, "The commission", "b"),
        passage(AZERBAIJAN, "The country's", "b", start=500),
    ]
    figures = {figure.figure: figure for figure in answer_figures(passages)}
    assert [(figures[n].subject, figures[n].scope) for n in ("60", "58", "31")] == [
        ("", "both sides"),
        ("", "United Nations"),
        ("azerbaijan", ""),
    ]
    assert find_discrepancies(passages, ASKED) == []
    # Of the same scope, they are compared.
    other = passage("A tally of tolls given by both sides: 75 civilians were killed.", "A", "c")
    [discrepancy] = find_discrepancies([*passages, other], ASKED)
    assert discrepancy.scope == "both sides" and discrepancy.article_ids == ["a", "c"]
    assert "civilians \u00b7 both sides" in format_discrepancies([discrepancy])
    # A question naming a scope compares only figures of that scope.
    azerbaijan = passage("Azerbaijan said 20 civilians have been killed.", "Azerbaijan", "c")
    assert len(find_discrepancies([*passages, azerbaijan], ASKED)) == 1
    assert find_discrepancies([*passages, azerbaijan], f"{ASKED[:-1]} according to the UN?") == []


def test_a_panel_of_one_articles_figures_is_refused() -> None:
    """Two figures of one article beside the same figure of another: no sources differ."""
    one_article = [
        passage("Officials said 58 civilians had been killed.", "Officials", "a"),
        passage("Later 31 civilians had been killed.", "Later", "a", start=100),
        passage("The toll: 58 civilians had been killed.", "The toll", "b"),
    ]
    assert find_discrepancies(one_article, ASKED) == []
    # An earlier figure and the latest of the same article: no panel either.
    over_time = [
        passage("Previously 31 civilians had died. Now 58 civilians had died.", "Now", "a"),
        passage("The toll: 58 civilians had been killed.", "The toll", "b"),
    ]
    assert find_discrepancies(over_time, ASKED) == []


def test_the_panel_has_one_column_per_article() -> None:
    passages = [
        passage("Officials said 58 civilians had been killed.", "Officials", "a"),
        passage("Reports say 31 civilians had been killed.", "Reports", "b"),
        passage("Officials said 60 civilians had been killed.", "Officials", "b", start=200),
    ]
    [discrepancy] = find_discrepancies(passages, ASKED)
    assert [[f.figure for f in column] for column in discrepancy.columns] == [["58"], ["31", "60"]]
    shown = format_discrepancies([discrepancy])
    assert "2 articles give different figures" in html.unescape(shown)
    assert shown.count('class="qa-differ-article"') == 2 and shown.count('class="qa-figure"') == 3


@pytest.mark.parametrize(
    "question",
    [
        "Who is Oleg Kuznetsov?",
        "When did the ceasefire start?",
        "How many people died?",
        # Its civilian tolls were one panel before scopes were told apart (issue 29).
        "How many kilometres of roads have been cleared of mines?",
    ],
)
def test_no_panel_without_disagreeing_figures(bot: Assistant, question: str) -> None:
    answer = bot.ask(question, k=5)
    assert find_discrepancies(answer.passages, answer.searched_for) == []


def test_people_killed_has_no_two_articles_counting_the_same(bot: Assistant) -> None:
    """Issue 29 item 4: no panel for "How many people have been killed?" is no miss.

    Its cards give the dead of every kind, but the tolls of all people (500 in
    the latest fighting, 30,000 in the 1990s war) are of one article, and its
    civilian tolls are three counts of three scopes (both sides, the UN,
    Azerbaijan's): no two articles give the same count differently.
    """
    answer = bot.ask("How many people have been killed?", k=5)
    figures = answer_figures(answer.passages)
    people = {f.article_id for f in figures if f.kind == "people"}
    assert people == {MOSCOW_TIMES_ARTICLE}
    assert {"60", "58", "31"} <= {f.figure for f in figures if f.kind == "civilians"}
    assert bot.sources_differ(answer) == []

"""Tests of the web chat without a server: HTML formatting, event handlers, app.py.

The formatting tests build Answers by hand; the handler tests use the real
model and corpus through the session-scoped ``bot``. The running app, its API
and the page in a browser are tested in ``test_browser.py``.
"""

from __future__ import annotations

import html
import re
import string
from dataclasses import replace
from pathlib import Path

import gradio as gr
import pytest

from assistant.answer import Answer, Passage
from assistant.corpus.loading import Article
from assistant.errors import ModelError
from assistant.pipeline import Assistant
from assistant.search.figures import find_discrepancies
from assistant.search.filters import Filters
from assistant.web.chat import (
    EMPTY_QUESTION,
    FAILURE,
    STALE_LINK,
    answer_pending,
    answer_turn,
    ask_json,
    filter_status,
    open_article,
    record_rating,
    take_question,
)
from assistant.web.feedback import FeedbackLog
from assistant.web.format import (
    COPY_CITATION,
    MAY_ANSWER,
    NOT_AN_ANSWER,
    NOT_AN_ANSWER_TAG,
    NOT_FOUND,
    OPEN_ARTICLE,
    citation_text,
    escape_text,
    format_reply,
    link_html,
    mark_highlight,
    open_ref,
    parse_open_ref,
    safe_url,
)
from assistant.web.page import build_demo
from assistant.web.views import format_article, format_corpus

KUZNETSOV_ARTICLE = "000_a3a1afb14bddd822"
# A question whose passages hold the Markdown left in The Moscow Times article:
# "**Valery Sharifulin / TASS**", "[... for AFP](#)" and "# ..." headings.
MARKDOWN_QUESTION = "Valery Sharifulin TASS"
HOSTILE = "<script>alert(1)</script> **x** [click](#) # Title $$x^2$$ www.example.com"
OUR_TAGS = re.compile(
    r"</?(?:div|span|p|a|mark|blockquote|details|summary|br|strong|article|header|h3)\b[^>]*>"
)


def text_of(markup: str) -> str:
    """What a browser would show as text, roughly: our tags dropped, references undone."""
    return html.unescape(OUR_TAGS.sub("", markup.replace("<br>", "\n")))


def article_markup_left(markup: str) -> set[str]:
    """Tags that are not ours: none may come from an article."""
    return set(re.findall(r"<[a-zA-Z!/][^>]*>", OUR_TAGS.sub("", markup)))


def make_passage(text: str, highlight: str, **fields: object) -> Passage:
    """A Passage whose spans agree with its text, as the pipeline builds them."""
    offset = text.index(highlight)
    values = {
        "text": text,
        "highlight": highlight,
        "article_id": "009_test",
        "title": "Test *title*",
        "outlet": "Trend",
        "published": "2020-10-12",
        "url": "https://example.com/news?a=1&b=2",
        "author": "",
        "start": 100,
        "end": 100 + len(text),
        "highlight_start": 100 + offset,
        "highlight_end": 100 + offset + len(highlight),
        "score": 0.8123,
    }
    return Passage(**{**values, **fields})


HOSTILE_PASSAGE = make_passage(
    f"Before. {HOSTILE}\nThe key sentence is here. After.", "The key sentence is here."
)


def make_answer(found: bool, **fields: object) -> Answer:
    values = {
        "question": "What is the key sentence?",
        "passages": (HOSTILE_PASSAGE, make_passage("Second passage.", "Second passage.", url="")),
        "found": found,
        "confidence": 0.9 if found else 0.1,
        "searched_for": "What is the key sentence?",
    }
    return Answer(**{**values, **fields})


# -- escaping and links -----------------------------------------------------------


@pytest.mark.parametrize(
    "markup",
    [HOSTILE, "<img src=x onerror=alert(1)>", "1. list\n- item", "a_b_ `c` ~~d~~ &amp; \\ \"'"],
)
def test_escape_text_leaves_no_markup(markup: str) -> None:
    escaped = escape_text(markup)
    bare = re.sub(r"&#\d+;", "", escaped.replace("<br>", ""))
    assert not set(bare) & set(string.punctuation)  # covers html.escape's <>&"' too
    assert html.unescape(escaped.replace("<br>", "\n")) == markup


def test_mark_highlight_marks_the_sentence_and_escapes_the_rest() -> None:
    marked = mark_highlight(HOSTILE_PASSAGE)
    assert f"<mark>{escape_text('The key sentence is here.')}</mark>" in marked
    assert "<script" not in marked and "&#60;script&#62;" in marked


def test_mark_highlight_without_a_match_only_escapes() -> None:
    passage = replace(make_passage("**Plain** text.", "**Plain** text."), highlight="missing")
    assert mark_highlight(passage) == escape_text("**Plain** text.")


@pytest.mark.parametrize(
    ("url", "is_link"),
    [
        ("https://example.com/a?b=1", True),
        ("HTTP://example.com/a", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("www.example.com", False),
        ("https:///no-host", False),
    ],
)
def test_only_http_links_are_clickable(url: str, is_link: bool) -> None:
    line = link_html(url)
    assert line.startswith("<a href=") is is_link
    assert (safe_url(url) is not None) is is_link
    assert "<script" not in line


def test_a_link_cannot_break_out_of_its_attribute() -> None:
    line = link_html('https://example.com/"><script>x</script>?a=1&b=2')
    assert line.count('"') == 6  # href, target and rel, each quoted once
    assert "<script" not in line and "&amp;b=2" in line


def test_open_ref_round_trip() -> None:
    ref = open_ref("003 odd&id", HOSTILE_PASSAGE)
    assert parse_open_ref(ref) == (
        "003 odd&id",
        (HOSTILE_PASSAGE.start, HOSTILE_PASSAGE.end),
        (HOSTILE_PASSAGE.highlight_start, HOSTILE_PASSAGE.highlight_end),
    )
    assert parse_open_ref(open_ref("a")) == ("a", None, None)


@pytest.mark.parametrize(
    "ref", [None, "", "#copy", "#open?", "#open?article=a&passage=9-1", "#open?article=a&passage=x"]
)
def test_parse_open_ref_rejects_bad_links(ref: object) -> None:
    with pytest.raises(ValueError):
        parse_open_ref(ref)


def test_citation_text_is_the_quote_and_the_source_line() -> None:
    assert citation_text(HOSTILE_PASSAGE) == (
        f"\u201cThe key sentence is here.\u201d \u2014 {HOSTILE_PASSAGE.citation()}"
    )


# -- replies ---------------------------------------------------------------------


def test_reply_quotes_the_best_sentence_then_cards() -> None:
    text = format_reply(make_answer(True))
    assert "\n\n" not in text  # one HTML block for the Markdown renderer
    best, cards = text.split('<div class="qa-cards-label">')
    assert f"\u201c{escape_text('The key sentence is here.')}\u201d" in best
    assert "[1]</span>" in best and "Best match" in best
    assert cards.startswith("Sources: 2 passages, most relevant first")
    assert cards.count('class="qa-card"') == 2
    assert cards.count(OPEN_ARTICLE) == 2 and cards.count(COPY_CITATION) == 2
    assert "relevance 0.81" in cards and "2020&#45;10&#45;12" in cards
    assert '<a href="https://example.com/news?a=1&amp;b=2"' in cards
    assert NOT_FOUND not in text and NOT_AN_ANSWER_TAG not in text
    # Nothing of the article survives as markup; all of it survives as text.
    assert article_markup_left(text) == set()
    assert HOSTILE in text_of(text)


def test_reply_not_found_labels_every_passage_as_no_answer() -> None:
    text = format_reply(make_answer(False), find_discrepancies(make_answer(False).passages))
    assert NOT_FOUND in text and "Best match" not in text
    assert f"{NOT_AN_ANSWER} (2)" in text and "NOT" in NOT_AN_ANSWER
    assert text.count(NOT_AN_ANSWER_TAG) == 2 and text.count('qa-nearest"') == 2
    assert "<mark>" in text  # the nearest passages are still shown


def test_reply_in_the_band_of_doubt_says_may_answer() -> None:
    # "May answer" is a found answer's (issue 28): Answer refuses it with found=False.
    answer = make_answer(True, confidence=0.5, verdict="may answer")
    text = format_reply(answer)
    best, cards = text.split('<div class="qa-cards-label">')
    assert MAY_ANSWER in best and "qa-unsure" in best and "Best match" not in best
    assert f"\u201c{escape_text('The key sentence is here.')}\u201d" in best
    assert cards.startswith("Sources: 2 passages")
    assert NOT_FOUND not in text and NOT_AN_ANSWER_TAG not in text


def test_reply_not_found_without_passages() -> None:
    text = format_reply(make_answer(False, passages=()))
    assert NOT_FOUND in text and "qa-card" not in text


def test_reply_shows_notes_the_completed_query_and_the_filters() -> None:
    answer = make_answer(
        True,
        question="What about <b>Armenia</b>?",
        searched_for="How many soldiers did <b>Armenia</b> lose?",
        notes=("Your question was cut to 1000 characters.",),
    )
    text = format_reply(
        answer, filters=Filters(outlets=("<i>Trend</i>",), published_to="2021-01-01")
    )
    assert "Note: Your question was cut" in text_of(text)
    assert "Searched for: \u201cHow many soldiers did <b>Armenia</b> lose?\u201d" in text_of(text)
    assert "Filters: outlets <i>Trend</i>; to 2021-01-01" in text_of(text)
    assert article_markup_left(text) == set()
    assert "Searched for" not in format_reply(make_answer(True))


def test_sources_differ_panel_sits_between_the_answer_and_the_cards() -> None:
    passages = (
        make_passage(
            "Officials said 58 civilians had been killed.", "Officials said", article_id="a"
        ),
        make_passage(
            "Reports say 31 civilians had been killed.",
            "Reports say",
            article_id="b",
            outlet="<b>Other</b>",
            published="",
        ),
    )
    answer = make_answer(True, passages=passages)
    text = format_reply(answer, find_discrepancies(passages))
    assert text.index("Best match") < text.index("Sources differ") < text.index("qa-cards-label")
    panel = text[text.index('class="qa-differ"') : text.index("qa-cards-label")]
    assert panel.count('class="qa-figure"') == 2 and "civilians" in panel
    assert "<mark>58</mark>" in panel and "<mark>31</mark>" in panel
    assert "[2] \u00b7 <b>Other</b> \u00b7 no date" in text_of(panel)
    assert article_markup_left(panel) == set()


# -- the article view and the corpus tab -----------------------------------------

ARTICLE = Article(
    id="009_test",
    title="A <b>title</b>",
    outlet="Trend",
    published="2020-10-12",
    url="javascript:alert(1)",
    author="",
    text=f"First.\n\n{HOSTILE}\n\nThe passage starts. The key sentence. It ends.\n\nLast.",
    path="",
)


def test_article_view_marks_the_passage_and_its_sentence() -> None:
    start = ARTICLE.text.index("The passage")
    end = ARTICLE.text.index("Last.") - 2
    key = ARTICLE.text.index("The key")
    view = format_article(ARTICLE, (start, end), (key, key + len("The key sentence.")), passages=3)
    assert '<span class="qa-passage" id="qa-open-passage">' in view
    assert "<mark>The key sentence&#46;</mark>" in view
    assert "3 passages" in view and "<a " not in view  # a javascript: URL is not a link
    assert article_markup_left(view) == set()
    body = view[view.index('class="qa-article-body">') + len('class="qa-article-body">') :]
    assert text_of(body) == ARTICLE.text


@pytest.mark.parametrize(
    ("passage", "highlight"), [((5, 10_000), None), ((10, 5), None), ((0, 10), (8, 20))]
)
def test_article_view_ignores_spans_that_do_not_fit(passage, highlight) -> None:
    view = format_article(ARTICLE, passage, highlight)
    fits = passage[0] <= passage[1] <= len(ARTICLE.text)
    assert ("qa-open-passage" in view) is fits  # the passage is marked when it fits
    assert "<mark>" not in view  # a highlight outside its passage never is


def test_corpus_lists_every_article_with_its_passage_count() -> None:
    other = replace(ARTICLE, id="010_other", title="Other", outlet="", url="https://x.org/a")
    table = format_corpus([ARTICLE, other], {"009_test": 3})
    assert table.count('class="qa-corpus-item"') == 2
    assert "3 passages" in table and "0 passages" in table
    assert "outlet not stated" in text_of(table) and "x.org \u2197" in text_of(table)
    assert table.count(">Read</a>") == 2 and parse_open_ref(
        html.unescape(re.findall(r'href="(#open[^"]+)"', table)[1])
    ) == ("010_other", None, None)
    assert article_markup_left(table) == set()


# -- the handlers, on the real corpus --------------------------------------------


def chat_turn(bot: Assistant, message: str, state: tuple, *filters: object) -> tuple:
    """What the page does for one question: take it, then answer it."""
    history, asked, records = state
    box, history, pending = take_question(message, history)
    assert box == ""
    return answer_pending(bot, pending, history, asked, records, *filters)


def test_chat_answers_with_cards_and_sources_differ(bot: Assistant) -> None:
    question = "How many soldiers did Azerbaijan lose in the war?"
    history, asked, records = chat_turn(bot, question, ([], [], {}))
    assert [message["role"] for message in history] == ["user", "assistant"]
    reply = history[1]["content"]
    # Azerbaijan's 2,783 is the answer; no other source gives Azerbaijan's losses, and
    # Armenia's 376 (a different country's, ranked below the five cards since a figure of
    # another country earns no answer-kind bonus) makes no panel either.
    assert "Best match" in reply and "Sources differ" not in reply
    assert reply.count('class="qa-card"') == 5
    assert "2,783" in text_of(reply)
    assert asked == [question] and list(records) == [1]
    assert len(records[1]["passages"]) == 5
    history, asked, records = chat_turn(bot, "What about Armenia?", (history, asked, records))
    follow_up = history[3]["content"]
    # Armenia's 376 "to date" beside its final 2,425 is an earlier figure, no disagreement;
    # whether the panel shows at all is the reader's call (Settings.panel_from).
    assert "Sources differ" not in follow_up and "Armenia" in text_of(follow_up)
    if 'class="qa-differ"' in follow_up:
        start = follow_up.index('class="qa-differ"')
        differ = text_of(follow_up[start : follow_up.index('class="qa-card"', start)])
        assert "Earlier figure" in differ and "2,783" not in differ
        assert "2,425" in differ and "376" in differ


def test_chat_follow_up_uses_the_earlier_question(bot: Assistant) -> None:
    state = chat_turn(bot, "How many soldiers did Azerbaijan lose?", ([], [], {}))
    history, asked, records = chat_turn(bot, "What about Armenia?", state)
    assert len(history) == 4 and list(records) == [1, 3]
    assert "Searched for: \u201cHow many soldiers did Armenia lose?\u201d" in text_of(
        history[3]["content"]
    )
    assert records[3]["searched_for"] == "How many soldiers did Armenia lose?"
    assert "376" in text_of(history[3]["content"])


def test_chat_filters_to_one_outlet(bot: Assistant) -> None:
    history, _, records = chat_turn(
        bot,
        "How many soldiers did Azerbaijan lose?",
        ([], [], {}),
        ["The Moscow Times"],
        None,
        None,
    )
    reply = history[1]["content"]
    outlets = re.findall(r'<span class="qa-outlet">([^<]*)</span>', reply)
    assert outlets and set(outlets) == {escape_text("The Moscow Times")}
    assert "Filters: outlets The Moscow Times" in text_of(reply)
    assert records[1]["filters"]["outlets"] == ["The Moscow Times"]


def test_chat_filters_by_date(bot: Assistant) -> None:
    history, _, _ = chat_turn(bot, "What happened?", ([], [], {}), [], "2020-12-01", "2021-12-31")
    dates = set(re.findall(r'<span class="qa-date">([^<]*)</span>', history[1]["content"]))
    assert dates and all(html.unescape(date) >= "2020-12-01" for date in dates)


def test_chat_reports_bad_filters_without_searching(bot: Assistant) -> None:
    # Filters spoiled after the question was taken: a warning, not a reply; the question goes.
    with pytest.warns(UserWarning, match="\u201cPublished from\u201d .* is after"):
        history, asked, records = chat_turn(
            bot, "What happened?", ([], [], {}), [], "2021-01-01", "2020-01-01"
        )
    assert history == [] and asked == [] and records == {}


def test_chat_off_topic_says_not_found(bot: Assistant) -> None:
    history, _, _ = chat_turn(bot, "What is the price of bananas in Peru?", ([], [], {}))
    reply = history[1]["content"]
    assert NOT_FOUND in reply and NOT_AN_ANSWER in reply and "Sources differ" not in reply


def test_chat_escapes_markdown_from_the_corpus(bot: Assistant) -> None:
    history, _, _ = chat_turn(bot, MARKDOWN_QUESTION, ([], [], {}))
    reply = history[1]["content"]
    assert "**Valery Sharifulin / TASS**" in text_of(reply)
    assert "**" not in reply and "](#)" not in reply
    assert article_markup_left(reply) == set()


@pytest.mark.parametrize("message", ["", "   ", None])
def test_an_empty_question_is_not_asked(bot: Assistant, message: object) -> None:
    with pytest.warns(UserWarning, match=EMPTY_QUESTION):
        box, history, pending = take_question(message, [])
    assert (box, history, pending) == (message, [], None)
    assert answer_pending(bot, None, [], [], {}) == ([], [], {})


def test_a_question_error_is_shown(bot: Assistant) -> None:
    reply, record = answer_turn(bot, "?!?", [], Filters())
    assert "Please ask a question" in text_of(reply) and record is None


class Broken:
    """An assistant that fails the way a bug would."""

    def ask(self, question: str, **options: object) -> Answer:
        raise RuntimeError("secret internals")


def test_unexpected_errors_are_short_messages(caplog: pytest.LogCaptureFixture) -> None:
    reply, record = answer_turn(Broken(), "Who is Oleg Kuznetsov?", [], Filters())  # type: ignore[arg-type]
    assert reply == FAILURE.format(name="RuntimeError") and record is None
    assert "secret internals" in caplog.text and "Traceback" in caplog.text
    with pytest.raises(gr.Error, match="RuntimeError") as raised:
        ask_json(Broken(), "Who is Oleg Kuznetsov?", None, 5)  # type: ignore[arg-type]
    assert "secret" not in str(raised.value)


class BrokenReader:
    """A reader model that fails when it reads, as a damaged one would."""

    fingerprint = "broken"
    reads_context = False

    def score(self, question: str, sentences: list[str], contexts: list[str] | None = None):
        raise ModelError("the reader file model.onnx is damaged")


def test_a_failing_reader_costs_the_panel_not_the_answer(
    bot: Assistant, caplog: pytest.LogCaptureFixture
) -> None:
    broken = Assistant(bot.stored, bot.embedder, bot.settings, reader=BrokenReader())
    question = "How many civilians were killed in the fighting?"
    reply, record = answer_turn(broken, question, [], Filters())
    assert "Best match" in reply and record is not None
    assert "Sources differ" not in reply and "Earlier figure" not in reply
    assert "damaged" in caplog.text
    # With the real reader the panel shows: Azerbaijan's 91 civilians and its earlier 31.
    assert "Earlier figure" in answer_turn(bot, question, [], Filters())[0]


def test_ratings_go_to_the_feedback_file(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    records = {1: {"question": "Q?", "passages": []}}
    assert record_rating(log, records, 1, True) == "like"
    assert record_rating(log, records, [1], False) == "dislike"
    assert record_rating(log, records, (1, 0), "") == "cleared"
    assert record_rating(log, records, 0, True) is None  # a question, not a reply
    assert [entry["rating"] for entry in log.read()] == ["like", "dislike", "cleared"]
    assert log.read()[0]["question"] == "Q?"


def test_a_rating_that_cannot_be_saved_is_logged(tmp_path: Path, caplog) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    log = FeedbackLog(blocked / "feedback.jsonl")  # a folder that is a file
    with pytest.warns(UserWarning, match="could not be saved"):
        assert record_rating(log, {1: {}}, 1, True) is None
    assert "Cannot record feedback" in caplog.text


def test_open_article_marks_the_passage(bot: Assistant) -> None:
    passage = bot.ask("Who is Oleg Kuznetsov?", k=1).passages[0]
    view = open_article(bot, open_ref(passage.article_id, passage))
    assert "<mark>" in view and 'id="qa-open-passage"' in view
    assert passage.highlight in text_of(view)
    assert (
        f"{len([c for c in bot.stored.chunks if c.article_id == passage.article_id])} passages"
        in view
    )


@pytest.mark.parametrize("ref", ["#open?article=nope", "#copy", None])
def test_open_article_with_a_stale_link(bot: Assistant, ref: object) -> None:
    assert open_article(bot, ref) == STALE_LINK


def test_filter_status(bot: Assistant) -> None:
    total = len(bot.articles)
    assert filter_status(bot, [], None, None) == f"Searching all {total} articles."
    assert filter_status(bot, ["Trend"], None, None) == f"Searching 1 of {total} articles."
    assert "No article matches" in filter_status(bot, ["Trend"], "2030-01-01", None)
    assert "is not a date" in filter_status(bot, [], "yesterday", None)


def test_ask_json_returns_the_answer_dict_with_filters(bot: Assistant) -> None:
    data = ask_json(bot, "Who is Oleg Kuznetsov?", None, 3)
    assert data["found"] is True and len(data["passages"]) == 3
    filtered = ask_json(bot, "Who is Oleg Kuznetsov?", None, 3, {"outlets": ["Sputnik"]})
    assert {passage["outlet"] for passage in filtered["passages"]} == {"Sputnik"}


@pytest.mark.parametrize(
    ("question", "history", "k", "filters", "message"),
    [
        ("  ", None, 5, None, "Please type"),
        ("?!?", None, 5, None, "Please ask a question"),
        ("Who is Oleg Kuznetsov?", None, 0, None, "k must be"),
        ("Who is Oleg Kuznetsov?", "not a list", 5, None, "history"),
        ("Who is Oleg Kuznetsov?", None, 5, {"outlet": "Trend"}, "unknown filter"),
        ("Who is Oleg Kuznetsov?", None, 5, {"published_from": "May"}, "ISO date"),
    ],
)
def test_ask_json_turns_bad_input_into_gr_error(
    bot: Assistant, question: str, history: object, k: int, filters: object, message: str
) -> None:
    with pytest.raises(gr.Error, match=message):
        ask_json(bot, question, history, k, filters)  # type: ignore[arg-type]


def test_build_demo_serves_only_ask_as_an_api(bot: Assistant, tmp_path: Path) -> None:
    demo = build_demo(bot, feedback=FeedbackLog(tmp_path / "f.jsonl"))
    info = demo.get_api_info()
    assert list(info["named_endpoints"]) == ["/ask"] and not info["unnamed_endpoints"]
    names = [
        parameter["parameter_name"] for parameter in info["named_endpoints"]["/ask"]["parameters"]
    ]
    assert names == ["question", "history", "k", "filters"]
    chatbot = next(block for block in demo.blocks.values() if isinstance(block, gr.Chatbot))
    assert chatbot.sanitize_html and chatbot.latex_delimiters == [] and not chatbot.allow_tags


# -- app.py ---------------------------------------------------------------------


def test_app_options(monkeypatch: pytest.MonkeyPatch) -> None:
    import app

    monkeypatch.delenv("GRADIO_SERVER_PORT", raising=False)
    args = app.parse_args([])
    assert (args.host, args.port, args.corpus, args.index) == ("127.0.0.1", 7860, "corpus", "index")
    assert (args.feedback, args.mcp) == ("feedback/feedback.jsonl", False)
    args = app.parse_args(["--mcp", "--feedback", "/tmp/f.jsonl"])
    assert (args.feedback, args.mcp) == ("/tmp/f.jsonl", True)
    monkeypatch.setenv("GRADIO_SERVER_PORT", "8123")
    assert app.parse_args([]).port == 8123
    assert app.parse_args(["--port", "9000", "--host", "0.0.0.0"]).port == 9000
    monkeypatch.setenv("GRADIO_SERVER_PORT", "http")
    with pytest.raises(SystemExit):
        app.parse_args([])


def test_app_reports_a_missing_index_without_starting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import app

    missing = ["--corpus", str(tmp_path / "no-corpus"), "--index", str(tmp_path / "no-index")]
    assert app.main(missing) == 1
    assert "error:" in capsys.readouterr().err


def test_app_mcp_without_the_package(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import app

    monkeypatch.setattr(app.importlib.util, "find_spec", lambda name: None)
    assert app.main(["--mcp"]) == 1
    assert "gradio[mcp]" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:7860"),
        ("0.0.0.0", "http://127.0.0.1:7860"),
        ("::", "http://[::1]:7860"),
        ("::1", "http://[::1]:7860"),
        ("news.local", "http://news.local:7860"),
    ],
)
def test_the_address_printed_at_start_opens_in_a_browser(host: str, url: str) -> None:
    from assistant.web.page import browser_url

    assert browser_url(host, 7860) == url

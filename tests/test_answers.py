"""The product works: real model, real FAISS and BM25 index, the real corpus."""

from __future__ import annotations

import json
import shutil
from collections import Counter

import pytest

from assistant import Answer, Assistant, QuestionError, retrieve
from tests.support import CORPUS, QUESTIONS

ROWS = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
ANSWERABLE = [row for row in ROWS if row["answers"]]
# Questions the pipeline is known to get wrong, with why; strict, so that a fix
# shows up as an unexpected pass. The evaluation (test_quality.py) counts them.
# Keyed by the question and, for follow-ups, the question before it.
KNOWN_MISSES = {
    ("Which country negotiated the November truce that ended the war?",): (
        "passages on the 1994 truce and Putin's limited truce rank first; the article's "
        "'ceasefire mediated by Russia on November 10' says 'mediated', not 'negotiated'"
    ),
    ("And Turkey's?", "Who is Russia's foreign minister?"): (
        "'Turkish counterpart Mevlut Cavusoglu' ranks 4th ('counterpart' is not 'minister'), "
        "and the wrong first passage is refused"
    ),
    (
        "Who made the accusation?",
        "Which fighters has Ankara been accused of sending to Azerbaijan?",
    ): (
        "the heading 'Mutual accusations' ranks first and is refused; the sentence naming "
        "Paris and Moscow ('accused by Paris and Moscow') is third"
    ),
    # "How long will Russian troops keep watch over the remaining part of Karabakh?" passes
    # since the header's metadata lines left the bodies (issue 14): off the list.
    ("Who wrote the Trend article quoting Oleg Kuznetsov?",): (
        "the byline 'By Jani Babayeva - Trend:' is metadata, no longer body text (issue 14): "
        "the answer is the passage's author field, shown on its card, which no passage quotes"
    ),
    # Off the list since the word families (issue 14): "How many soldiers did Azerbaijan
    # lose?" ('lose' = 'losses'), "How many were wounded?" after it (the highlight counts
    # the wounded), and the 1994 truce's year ('agreed' = 'agreement').
    # Off the list since "how long" wants a duration (issue 15): "How long before the Friday
    # interview had the literature teacher left Nagorno-Karabakh?" ('a week ago').
    # Off the list since the chat says "may answer" in the band of doubt (0.26 to 0.60):
    # these were refused (found=False) with the right passage in the top 3, and the
    # test asks what the reader is told; their found=False still counts in the
    # evaluation's false abstention. The foreign ministers' talk in Moscow, the
    # deminers' buildings, the emergency workers hurt, who reported the Madagiz mine,
    # when the cathedral was hit ("When did it happen?"), Kuznetsov's thirty years,
    # who ran Nagorno-Karabakh, whom Kuznetsov told ("Who did he talk to?"), the
    # region's population, the cathedral's damage in the 1990s.
}


def miss_key(row: dict) -> tuple[str, ...]:
    return (row["question"], *row["history"][-1:])


OFF_TOPIC = [row for row in ROWS if row["type"] == "unanswerable-off-topic"]
# On-topic questions the articles do not answer ("How many drones did Turkey
# sell?") are in the data set too; telling them apart is measured by the
# evaluation, not asserted here yet.


def contains_answer(text: str, row: dict) -> bool:
    return any(answer in text for answer in row["answers"])


def test_the_labelled_set_is_big_enough() -> None:
    assert len(ANSWERABLE) >= 15 and len(OFF_TOPIC) >= 5


@pytest.mark.parametrize(
    "row",
    [
        pytest.param(
            row,
            id=row["question"],
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[miss_key(row)])]
            if miss_key(row) in KNOWN_MISSES
            else [],
        )
        for row in ANSWERABLE
    ],
)
def test_the_answer_is_in_the_top_three_passages(bot: Assistant, row: dict) -> None:
    answer = bot.ask(row["question"], k=3, history=row["history"])
    # Retrieval: the passages shown hold the answer. Whether the reply also says so
    # ("not found" is said exactly when found is False, issue 28) is the false
    # abstention the evaluation measures (tests/evaluation/test_quality.py).
    hits = [p for p in answer.passages if contains_answer(p.text, row)]
    assert hits, [p.highlight for p in answer.passages]
    assert hits[0].article_id in row["articles"]


@pytest.mark.parametrize("row", OFF_TOPIC, ids=lambda row: row["question"])
def test_off_topic_questions_are_not_found(bot: Assistant, row: dict) -> None:
    answer = bot.ask(row["question"], k=3)
    assert not answer.found and answer.confidence < 0.5
    assert answer.passages  # the nearest text is still shown, labelled by the UI


def test_highlighted_sentences_answer_most_questions(bot: Assistant) -> None:
    right = sum(
        contains_answer(bot.ask(row["question"], k=1, history=row["history"]).best.highlight, row)
        for row in ANSWERABLE
    )
    # Measured 147/191 (0.770); the floor sits a little under it.
    assert right / len(ANSWERABLE) >= 0.74


def test_who_is_oleg_kuznetsov_comes_from_trend_with_metadata(bot: Assistant) -> None:
    answer = bot.ask("Who is Oleg Kuznetsov?", k=5)
    best = answer.best
    assert answer.found
    assert best.article_id == "000_a3a1afb14bddd822"
    assert (best.outlet, best.published, best.author) == ("Trend", "2021-02-23", "Jani Babayeva")
    assert best.title.startswith("Russian analyst talks")
    assert "Kuznetsov" in best.text


def test_every_shown_text_is_a_verbatim_slice(bot: Assistant) -> None:
    for row in ROWS:
        for passage in bot.ask(row["question"], k=5, history=row["history"]).passages:
            body = bot.article(passage.article_id).text
            assert passage.text == body[passage.start : passage.end]
            assert passage.highlight == body[passage.highlight_start : passage.highlight_end]
            assert passage.start <= passage.highlight_start < passage.highlight_end <= passage.end
            assert 0.0 <= passage.score <= 1.0


def test_passages_come_best_first_without_repeats(bot: Assistant) -> None:
    # Best first once each article's earlier passages discount its later ones
    # (Settings.diversity); the scores shown stay the passages' own.
    answer = bot.ask("What happened to the Holy Savior Cathedral?", k=5)
    passages = answer.passages
    taken: Counter[str] = Counter()

    def discounted(passage) -> float:
        return passage.score * (1 - bot.settings.diversity * taken[passage.article_id])

    for position, passage in enumerate(passages):
        later = passages[position + 1 :]
        assert all(discounted(passage) >= discounted(other) - 1e-4 for other in later)
        taken[passage.article_id] += 1
    assert passages[0].score == max(p.score for p in passages)
    assert len({(p.article_id, p.start) for p in passages}) == 5


def test_follow_up_uses_the_history(bot: Assistant) -> None:
    alone = bot.ask("What about Armenia?", k=3)
    history = ["How many soldiers did Azerbaijan lose?"]
    followed = bot.ask("What about Armenia?", k=3, history=history)
    assert followed.searched_for == "How many soldiers did Armenia lose?"
    assert alone.searched_for == "What about Armenia?"
    assert any("2,425" in p.text or "376" in p.text for p in followed.passages)


def test_answer_to_dict_is_json(bot: Assistant) -> None:
    data = json.loads(json.dumps(bot.ask("When was Shusha recaptured?", k=2).to_dict()))
    assert set(data) == {
        "question", "passages", "found", "confidence", "searched_for", "notes", "verdict", "read"
    }  # fmt: skip
    assert set(data["passages"][0]) >= {
        "text", "highlight", "article_id", "title", "outlet", "published", "url", "start", "end",
        "score",
    }  # fmt: skip


@pytest.mark.parametrize("question", ["", "   ", "\u200b", "???"])
def test_empty_questions_get_a_clear_message(bot: Assistant, question: str) -> None:
    with pytest.raises(QuestionError, match="Please ask a question"):
        bot.ask(question)


def test_a_question_longer_than_the_model_reads_is_noted(bot: Assistant) -> None:
    question = "How many soldiers did Azerbaijan lose in the war? " * 40  # ~2,000 characters
    answer = bot.ask(question, k=3)
    assert isinstance(answer, Answer) and answer.passages
    assert any("characters" in note for note in answer.notes)
    assert len(answer.searched_for) <= bot.settings.max_question_chars
    # Under the character limit but over the model's 256 tokens: one token a digit.
    tokens_question = "Who lost soldiers in " + "1 2 3 4 5 6 7 8 9 " * 40
    assert len(tokens_question) < bot.settings.max_question_chars
    noted = bot.ask(tokens_question, k=1)
    assert any("tokens" in note for note in noted.notes)


@pytest.mark.parametrize("k", [0, -1, 2.5, True, "3"])
def test_bad_k_is_refused(bot: Assistant, k) -> None:
    with pytest.raises(ValueError, match="k must be"):
        bot.ask("Who is Oleg Kuznetsov?", k=k)


def test_bad_history_is_refused(bot: Assistant) -> None:
    with pytest.raises(ValueError, match="history"):
        bot.ask("What about Armenia?", history="How many soldiers did Azerbaijan lose?")


def test_k_larger_than_the_index_returns_every_passage(bot: Assistant) -> None:
    answer = bot.ask("Karabakh", k=1000)
    assert len(answer.passages) == len(bot.stored.chunks)


def test_the_index_is_rebuilt_when_the_corpus_changes(tmp_path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index_dir = tmp_path / "index"
    first = Assistant.load(corpus_dir=corpus, index_dir=index_dir)
    (corpus / "999_new.md").write_text(
        "---\ntitle: Glacier survey\noutlet: Test Wire\npublished: 2021-05-01\n---\n"
        "Scientists measured the Zeravshan glacier, which lost 40 metres of ice in a decade.",
        encoding="utf-8",
    )
    second = Assistant.load(corpus_dir=corpus, index_dir=index_dir)
    assert second.stored.folder != first.stored.folder
    passages = retrieve(
        "How much ice did the Zeravshan glacier lose?", k=1, corpus_dir=corpus, index_dir=index_dir
    )
    assert passages[0].article_id == "999_new" and passages[0].outlet == "Test Wire"
    # Unchanged corpus: the same index is used again, no rebuild.
    assert Assistant.load(corpus_dir=corpus, index_dir=index_dir).stored.folder == (
        second.stored.folder
    )
    # Removing an added article is deleting its file (README "Adding articles in the chat"):
    # the next start leaves it out of the index.
    (corpus / "999_new.md").unlink()
    third = Assistant.load(corpus_dir=corpus, index_dir=index_dir)
    assert "999_new" not in {article.id for article in third.articles}
    assert third.stored.manifest["update"]["removed"] == 1


def test_a_damaged_index_is_rebuilt_from_the_corpus(tmp_path) -> None:
    index_dir = tmp_path / "index"
    first = Assistant.load(corpus_dir=CORPUS, index_dir=index_dir)
    (first.stored.folder / "passages.faiss").write_bytes(b"garbage")
    second = Assistant.load(corpus_dir=CORPUS, index_dir=index_dir)
    assert second.ask("When was Shusha recaptured?", k=1).found


def test_a_highlight_that_refers_back_shows_the_sentence_it_refers_to(bot: Assistant) -> None:
    # "These cities are situated outside the Nagorno-Karabakh region" is the best sentence;
    # the cities are named in the one before it (search/antecedent.py).
    question = "Which Azerbaijani cities outside Nagorno-Karabakh were shelled?"
    best = bot.ask(question).best
    assert best.highlight.startswith("Previously, Azerbaijan had announced 91 civilian deaths")
    assert best.highlight.endswith(
        "outside the Nagorno-Karabakh region, where the hostilities began."
    )
    alone = Assistant(bot.stored, bot.embedder, bot.settings.replace(highlight_antecedent=False))
    assert alone.ask(question).best.highlight.startswith("These cities are situated")


@pytest.mark.parametrize(
    ("question", "chosen", "going_on"),
    [
        # "stationed" is only in the next sentence, with the answer.
        (
            "Besides the positions Armenia had held, where were the Russian peacekeepers "
            "stationed?",
            "Under the provisions of the document, Russia deployed peacekeeper forces",
            "They were also stationed in the Lachin corridor",
        ),
        # "homes" likewise: "Hundreds of thousands ... expelled from their homes".
        (
            "How many people were driven from their homes in the first Karabakh war?",
            "In the first war, Armenians had won",
            "Hundreds of thousands of Azeri population had been expelled from their homes",
        ),
    ],
)
def test_a_highlight_reaches_on_when_the_next_sentence_holds_the_questions_other_words(
    bot: Assistant, question: str, chosen: str, going_on: str
) -> None:
    # Retriever.shown_span and SentenceScorer.continued: two whole sentences of the passage,
    # one verbatim slice of the article.
    best = bot.ask(question).best
    assert best.highlight.startswith(chosen) and going_on in best.highlight
    assert best.highlight in best.text
    assert bot.article(best.article_id).text[best.highlight_start : best.highlight_end] == (
        best.highlight
    )
    alone = Assistant(bot.stored, bot.embedder, bot.settings.replace(highlight_continuation=False))
    shown = alone.ask(question).best.highlight
    assert shown.startswith(chosen) and going_on not in shown


def test_every_highlight_is_one_or_two_whole_sentences_of_its_passage(bot: Assistant) -> None:
    # Reaching back (antecedent) and on (continuation) never both: at most two sentences.
    from assistant.evaluation.datasets import load_own_questions

    chunks = {(c.article_id, c.start): c for c in bot.stored.chunks}
    reached = 0
    for question in load_own_questions():
        for passage in bot.ask(question.question, history=list(question.history)).passages:
            chunk = chunks[(passage.article_id, passage.start)]
            inside = [
                (s, e)
                for s, e in chunk.sentences
                if passage.highlight_start <= s and e <= passage.highlight_end
            ]
            assert inside and inside[0][0] == passage.highlight_start, passage.highlight
            assert inside[-1][1] == passage.highlight_end and len(inside) <= 2, passage.highlight
            reached += len(inside) == 2
    assert reached  # the check sees two-sentence highlights


def test_the_other_sides_toll_is_not_offered_as_the_answer(bot: Assistant) -> None:
    # The New York Times article gives Armenia's 376 dead and says Azerbaijan "has not been
    # releasing body counts": the sentence names Armenia, not the question's Azerbaijan.
    question = "How many soldiers did Azerbaijan lose?"
    filtered = bot.ask(question, filters={"outlets": ["The New York Times"]})
    assert "376" in filtered.best.highlight  # still shown as the nearest passage...
    assert not filtered.found  # ...but not as an answer
    # Unfiltered, Azerbaijan's own figure answers it, and Armenia's answers the other question.
    assert bot.ask(question).found and "2,783" in bot.ask(question).best.highlight
    # Armenia's own figures answer the other question: "376 of its soldiers had died" (a
    # figure counting soldiers, so first) and "its human losses in the war as 2,425".
    other = bot.ask("How many soldiers did Armenia lose?")
    assert other.found and "376" in other.best.highlight
    assert "2,425" in other.passages[1].highlight


def test_another_kind_of_toll_is_not_offered_as_the_answer(bot: Assistant) -> None:
    # No article gives Armenia's wounded; "Armenia said ... 376 of its soldiers had died"
    # names the right country but counts the dead (search/subjects.py).
    answer = bot.ask("And Armenia?", history=["How many Azerbaijani soldiers were wounded?"])
    assert "Armenia" in answer.searched_for and "wounded" in answer.searched_for
    assert not answer.found, (answer.confidence, answer.best.highlight)
    # Asked for the dead, the same sentence answers.
    dead = bot.ask("How many Armenian soldiers died?")
    assert dead.found and "376" in dead.best.highlight, dead.best.highlight

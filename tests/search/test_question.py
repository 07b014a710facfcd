from __future__ import annotations

import pytest

from assistant import QuestionError
from assistant.search.question import Query, prepare_question, read_question


@pytest.mark.parametrize("raw", ["", "   ", "\u200b\u200b", "\x00\x07\n", "?!...", "\t"])
def test_questions_without_words_are_refused_with_a_clear_message(raw: str) -> None:
    with pytest.raises(QuestionError, match="Please ask a question"):
        prepare_question(raw, max_chars=100)


def test_non_text_is_refused() -> None:
    with pytest.raises(QuestionError, match="must be text"):
        prepare_question(None, max_chars=100)


def test_nfc_and_nfd_forms_become_the_same_question() -> None:
    composed = prepare_question("Who is Ren\u00e9?", max_chars=100).text
    decomposed = prepare_question("Who is Rene\u0301?", max_chars=100).text
    assert composed == decomposed


def test_control_and_zero_width_characters_become_spaces() -> None:
    assert prepare_question(" Who\u200bis\x00 Oleg\n\nKuznetsov? ", max_chars=100).text == (
        "Who is Oleg Kuznetsov?"
    )


def test_long_questions_are_cut_at_a_word_with_a_note() -> None:
    question = prepare_question("word " * 1000, max_chars=100)
    assert len(question.text) <= 100 and question.text.endswith("word")
    assert "5,000 characters" in question.notes[0] or "4,999 characters" in question.notes[0]


def read(question: str, history: list[str] | None = None, **limits) -> Query:
    settings = {"max_chars": 1000, "max_tokens": 256, "count_tokens": lambda text: len(text)}
    return read_question(question, history, outlets=["Sputnik", "Trend"], **settings | limits)


def test_reading_a_follow_up_that_names_its_source() -> None:
    query = read("And the wounded, according to Sputnik?", ["How many soldiers died?"])
    assert query.outlet == "Sputnik" and "according" not in query.text.lower()
    assert "soldiers" in query.text and query.focus == "And the wounded?"
    assert query.notes == ("Searched only the articles of Sputnik, as the question asks.",)


def test_reading_a_plain_question_changes_nothing() -> None:
    assert read("Who is Oleg Kuznetsov?") == Query("Who is Oleg Kuznetsov?", None, (), None)


def test_a_question_longer_than_the_model_reads_gets_a_note() -> None:
    query = read("one two three four five six", max_tokens=5, count_tokens=lambda t: 8)
    assert query.text == "one two three four five six"
    assert len(query.notes) == 1 and "5 tokens" in query.notes[0]


def test_a_history_that_is_not_a_list_of_questions_is_refused() -> None:
    with pytest.raises(ValueError, match="history"):
        read("And Armenia?", "How many soldiers died?")  # type: ignore[arg-type]

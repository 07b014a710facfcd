from __future__ import annotations

import pytest

from assistant import QuestionError
from assistant.question import prepare_question


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

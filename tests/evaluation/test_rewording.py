"""The reader's reworded negatives: a question asking another thing of its answer sentence."""

from __future__ import annotations

import random

import pytest

from assistant.evaluation import reader_pairs as rp
from assistant.evaluation import rewording


def _positive(question: str, sentence: str, group: str) -> rp.ReaderPair:
    return rp.ReaderPair(question, sentence, 1, rp.POSITIVE, group, "a")


# Three questions asking how many touchdowns: "touchdowns" becomes a head others may take.
DONORS = [_positive(f"How many touchdowns did player {n} score?", "x", f"d{n}") for n in range(3)]


def test_the_antonym_list_pairs_each_word_once_both_ways() -> None:
    table = rewording.antonyms()
    assert table["largest"] == "smallest" and table["smallest"] == "largest"
    assert all(table[other] == word for word, other in table.items())
    assert all(word.islower() and " " not in word for word in table)


def test_a_word_on_two_lines_is_refused(tmp_path, monkeypatch) -> None:
    path = tmp_path / "antonyms.txt"
    path.write_text("# two senses\nfirst last\nlast least\n", encoding="utf-8")
    monkeypatch.setattr(rewording, "ANTONYMS", path)
    rewording.antonyms.cache_clear()
    try:
        with pytest.raises(ValueError, match="'last' is on two lines"):
            rewording.antonyms()
    finally:
        rewording.antonyms.cache_clear()


def test_the_head_asked_about_is_swapped_for_one_the_sentence_lacks() -> None:
    pair = _positive("How many yards did Smith run?", "Smith ran for 80 yards.", "p")
    (reworded,) = rewording.reworded_pairs([pair, *DONORS], rng=random.Random(0))
    assert reworded.question == "How many touchdowns did Smith run?"
    assert reworded.sentence == pair.sentence
    assert (reworded.label, reworded.kind, reworded.group) == (0, rewording.REWORDED, "p:reword")


def test_a_head_the_sentence_does_not_hold_is_left_alone() -> None:
    # The sentence answers without the word "yards": swapping it proves nothing.
    pair = _positive("How many yards did Smith run?", "Smith ran eighty of them.", "p")
    assert rewording.reworded_pairs([pair, *DONORS], rng=random.Random(0)) == []


def test_a_head_asked_about_once_never_replaces_another() -> None:
    # "prestigious" follows "what" once: an adjective as often as a noun.
    pairs = [
        _positive("How many yards did Smith run?", "Smith ran for 80 yards.", "p"),
        _positive("What prestigious award did Smith win?", "y", "q"),
    ]
    assert rewording.reworded_pairs(pairs, rng=random.Random(0)) == []


def test_a_word_becomes_its_opposite_when_the_sentence_lacks_the_opposite() -> None:
    pair = _positive("What is the largest city in France?", "Paris is the largest city.", "p")
    (reworded,) = rewording.reworded_pairs([pair], rng=random.Random(0))
    assert reworded.question == "What is the smallest city in France?"
    both = _positive("What is the largest city?", "The largest and smallest cities.", "q")
    assert rewording.reworded_pairs([both], rng=random.Random(0)) == []


def test_how_long_and_a_closing_verb_are_not_the_adjective() -> None:
    pairs = [
        _positive("How long did the siege of Paris last?", "The siege lasted long.", "p"),
        _positive("First, how long is the Seine?", "The Seine is 777 km long.", "q"),
    ]
    (reworded,) = rewording.reworded_pairs(pairs, rng=random.Random(0))
    assert reworded.question == "Last, how long is the Seine?"


def test_only_positives_are_reworded_and_share_draws_them() -> None:
    negative = rp.ReaderPair("What is the largest city?", "Lyon is big.", 0, rp.PARAGRAPH, "n", "a")
    positives = [
        _positive(f"What is the largest city of land {n}?", "It is the largest.", f"p{n}")
        for n in range(200)
    ]
    assert rewording.reworded_pairs([negative], rng=random.Random(0)) == []
    some = rewording.reworded_pairs(positives, rng=random.Random(0), share=0.5)
    assert 70 < len(some) < 130
    assert rewording.reworded_pairs(positives, rng=random.Random(0), share=0.0) == []


def _about(question: str, sentence: str, group: str, article: str) -> rp.ReaderPair:
    return rp.ReaderPair(question, sentence, 1, rp.POSITIVE, group, article)


# Two questions of the same article naming Azerbaijan: a subject others may take.
SIDES = [
    _about(f"How many villages did Azerbaijan take in week {n}?", "x", f"s{n}", "war")
    for n in range(2)
]


def test_a_subject_is_swapped_for_another_of_the_same_article() -> None:
    pair = _about(
        "How many soldiers did Armenia lose?", "Armenia said 376 soldiers died.", "p", "war"
    )
    # Named by two questions too, but of another article: never drawn.
    others = [_about(f"When was Chopin born in {n}?", "x", f"c{n}", "music") for n in range(2)]
    swapped = rewording.subject_pairs([pair, *SIDES, *others], rng=random.Random(0))
    (made,) = [p for p in swapped if p.group == "p:subject"]
    assert made.question == "How many soldiers did Azerbaijan lose?"
    assert made.sentence == pair.sentence
    assert (made.label, made.kind) == (0, rewording.SUBJECT)


def test_a_subject_the_sentence_also_names_is_not_a_replacement() -> None:
    pair = _about(
        "How many soldiers did Armenia lose?",
        "Armenia said 376 soldiers died; Azerbaijani losses are unknown.",
        "p",
        "war",
    )
    swapped = rewording.subject_pairs([pair, *SIDES], rng=random.Random(0))
    assert not [p for p in swapped if p.group == "p:subject"]


def test_half_of_a_longer_name_is_not_swapped() -> None:
    pair = _about("What code did Genghis Khan give?", "Genghis Khan gave the Yassa.", "p", "war")
    swapped = rewording.subject_pairs([pair, *SIDES], rng=random.Random(0))
    assert not [p for p in swapped if p.group == "p:subject"]

"""The reader's pair builder: labels, negatives, and above all the split by article.

The leak tests read the real SQuAD files: a test-split article's question in
the training or validation pairs would make every test figure of the reader
optimistic, so they must fail loudly if one gets in.
"""

from __future__ import annotations

import hashlib
import random
import re

import numpy as np
import pytest

from assistant.evaluation import reader_pairs as rp
from assistant.evaluation.datasets import (
    LabelledQuestion,
    load_squad_questions,
    load_squad_unanswerable,
)

CONTEXT = (
    "Super Bowl 50 was an American football game. The Denver Broncos defeated the Carolina "
    "Panthers 24-10. The game was played on February 7, 2016, in Santa Clara. "
    "Beyoncé performed at halftime."
)
ANSWERABLE = {
    "id": "q1",
    "question": "Who won Super Bowl 50?",
    "answers": [{"text": "Denver Broncos", "answer_start": CONTEXT.index("Denver")}],
}
IMPOSSIBLE = {
    "id": "q2",
    "question": "Who lost Super Bowl 51?",
    "answers": [],
    "is_impossible": True,
    "plausible_answers": [{"text": "Carolina Panthers", "answer_start": CONTEXT.index("Carolina")}],
}

needs_squad = pytest.mark.squad  # skipped without the SQuAD files (tests/conftest.py)


def pairs_of(*qas, **options):
    return rp.paragraph_pairs("Super_Bowl_50", CONTEXT, qas, rng=random.Random(0), **options)


def test_the_sentence_holding_the_answer_start_is_the_positive() -> None:
    pairs = pairs_of(ANSWERABLE)
    assert [(p.kind, p.label) for p in pairs][0] == (rp.POSITIVE, 1)
    assert pairs[0].sentence == "The Denver Broncos defeated the Carolina Panthers 24-10."
    negatives = [p.sentence for p in pairs[1:]]
    assert negatives == [
        "Super Bowl 50 was an American football game.",
        "The game was played on February 7, 2016, in Santa Clara.",
        "Beyoncé performed at halftime.",
    ]
    assert {p.kind for p in pairs[1:]} == {rp.PARAGRAPH}
    assert all(p.label == 0 and p.group == "q1" for p in pairs[1:])


def test_sentences_are_verbatim_and_cut_by_the_pipelines_splitter() -> None:
    spans = rp.paragraph_sentences(CONTEXT)
    assert len(spans) == 4
    for pair in pairs_of(ANSWERABLE, IMPOSSIBLE):
        assert pair.sentence in CONTEXT


def test_a_negative_holding_an_answer_string_is_dropped() -> None:
    qa = {
        **ANSWERABLE,
        "answers": [*ANSWERABLE["answers"], {"text": "Santa Clara", "answer_start": 0}],
    }
    # The second annotator's start (0) marks the first sentence unsure too, and the
    # third sentence holds "Santa Clara": only the halftime sentence is a clear negative.
    negatives = [p.sentence for p in pairs_of(qa) if p.label == 0]
    assert negatives == ["Beyoncé performed at halftime."]


def test_answer_strings_match_case_insensitively() -> None:
    qa = {
        **ANSWERABLE,
        "answers": [*ANSWERABLE["answers"], {"text": "BEYONCÉ", "answer_start": 10**6}],
    }
    negatives = [p.sentence for p in pairs_of(qa) if p.label == 0]
    assert "Beyoncé performed at halftime." not in negatives


def test_an_unanswerable_question_gives_its_plausible_answer_sentence_as_a_negative() -> None:
    pairs = pairs_of(IMPOSSIBLE)
    assert [(p.kind, p.label) for p in pairs] == [(rp.PLAUSIBLE, 0)]
    assert pairs[0].sentence.startswith("The Denver Broncos defeated the Carolina")
    more = pairs_of(IMPOSSIBLE, unanswerable_others=2)
    assert [p.kind for p in more] == [rp.PLAUSIBLE, rp.PARAGRAPH, rp.PARAGRAPH]
    assert all("Carolina" not in p.sentence for p in more[1:])


def test_max_negatives_caps_each_question_and_is_seeded() -> None:
    def capped(seed):
        return rp.paragraph_pairs(
            "t", CONTEXT, [ANSWERABLE], rng=random.Random(seed), max_negatives=1
        )

    assert [p.kind for p in capped(1)] == [rp.POSITIVE, rp.PARAGRAPH]
    assert capped(1) == capped(1)


def test_an_answer_start_past_the_last_sentence_gives_no_pair() -> None:
    qa = {**ANSWERABLE, "answers": [{"text": "x", "answer_start": len(CONTEXT) + 5}]}
    assert pairs_of(qa) == []


def test_sentence_first_needs_the_answer_strictly_above_every_other_sentence() -> None:
    pairs = pairs_of(ANSWERABLE) + pairs_of({**ANSWERABLE, "id": "q3"})
    n = len(pairs) // 2
    right = [1.0] + [0.0] * (n - 1)
    tie = [1.0] + [1.0] + [0.0] * (n - 2)
    assert rp.sentence_first(pairs, right + right) == 1.0
    assert rp.sentence_first(pairs, right + tie) == 0.5


def test_auc_counts_ties_half_and_matches_a_direct_count() -> None:
    assert rp.auc([3, 2], [1, 0]) == 1.0
    assert rp.auc([0], [1]) == 0.0
    assert rp.auc([1, 1], [1, 0]) == 0.75
    rng = random.Random(4)
    pos = [rng.randint(0, 5) for _ in range(30)]
    neg = [rng.randint(0, 5) for _ in range(20)]
    direct = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))
    assert rp.auc(pos, neg) == pytest.approx(direct)


def test_valid_titles_take_a_quarter_of_each_file_and_never_a_test_article() -> None:
    v1 = [f"Article_{n}" for n in range(200)]
    v2 = v1[:40]
    dev = [t for t in v1 if LabelledQuestion(question="", key=t).split == "dev"]
    dev_v2 = [t for t in v2 if t in dev]
    valid = rp.valid_titles(v1, v2, seed=3)
    assert valid <= set(dev)
    assert len(valid & set(dev_v2)) == round(len(dev_v2) / 4)
    assert len(valid - set(dev_v2)) == round((len(dev) - len(dev_v2)) / 4)
    assert rp.valid_titles(v1, v2, seed=3) == valid
    assert rp.valid_titles(v1, v2, seed=4) != valid
    for title in v1:
        split = rp.article_split(title, valid)
        assert (split == "test") == (LabelledQuestion(question="", key=title).split == "test")


def test_an_unknown_split_is_refused() -> None:
    with pytest.raises(ValueError, match="split must be one of"):
        rp.build_pairs("dev")


@pytest.fixture(scope="module")
def squad_pairs() -> dict[str, list[rp.ReaderPair]]:
    return {split: rp.build_pairs(split, unanswerable_others=1) for split in ("train", "valid")}


@needs_squad
def test_no_test_split_article_reaches_the_training_or_validation_pairs(squad_pairs) -> None:
    # The test split as the evaluation defines it, from datasets.py's own loaders.
    questions = load_squad_questions() + load_squad_unanswerable()
    test_titles = {q.key for q in questions if q.split == "test"}
    dev_titles = {q.key for q in questions if q.split == "dev"}
    assert test_titles and dev_titles
    test_only_questions = {q.question.strip() for q in questions if q.split == "test"} - {
        q.question.strip() for q in questions if q.split == "dev"
    }
    for split, pairs in squad_pairs.items():
        assert pairs, split
        leaked = {p.article for p in pairs} & test_titles
        assert not leaked, f"test-split articles in the {split} pairs: {sorted(leaked)}"
        assert {p.article for p in pairs} <= dev_titles
        # Independently of the title a pair carries: no test question's text gets in.
        leaked_questions = {p.question for p in pairs} & test_only_questions
        assert not leaked_questions, f"{len(leaked_questions)} test questions in {split}"


@needs_squad
def test_no_test_split_sentence_reaches_the_training_or_validation_pairs(squad_pairs) -> None:
    test_paragraphs = rp._paragraphs(None)[0]
    test_sentences = {
        p.context[start:end]
        for p in test_paragraphs
        if LabelledQuestion(question="", key=p.article).split == "test"
        for start, end in rp.paragraph_sentences(p.context)
    }
    for split, pairs in squad_pairs.items():
        # Short generic sentences could recur across articles; long ones cannot.
        shared = {p.sentence for p in pairs if len(p.sentence) > 60} & test_sentences
        assert not shared, f"{split} holds {len(shared)} sentences of test articles"


@needs_squad
def test_train_and_valid_share_no_article_and_both_have_unanswerable_questions(
    squad_pairs,
) -> None:
    train, valid = squad_pairs["train"], squad_pairs["valid"]
    assert not {p.article for p in train} & {p.article for p in valid}
    assert not {p.group for p in train} & {p.group for p in valid}
    for pairs in (train, valid):
        kinds = {p.kind for p in pairs}
        assert kinds == {rp.POSITIVE, rp.PARAGRAPH, rp.PLAUSIBLE}
    articles = len({p.article for p in train}) + len({p.article for p in valid})
    assert len({p.article for p in valid}) == pytest.approx(articles / 4, abs=1)


@needs_squad
def test_no_negative_holds_an_answer_of_its_question(squad_pairs) -> None:
    answers = {}
    for q in load_squad_questions():
        answers.setdefault(q.question.strip(), set()).update(q.answers)
    for pair in squad_pairs["train"][:5000]:
        if pair.kind == rp.PARAGRAPH and pair.question in answers:
            held = [a for a in answers[pair.question] if a.casefold() in pair.sentence.casefold()]
            # The same question text may be asked of another paragraph with other answers.
            assert not held or pair.question in _asked_twice(), (pair, held)


def _asked_twice() -> set[str]:
    seen, twice = set(), set()
    for q in load_squad_questions():
        text = q.question.strip()
        (twice if text in seen else seen).add(text)
    return twice


@needs_squad
def test_the_pairs_are_seeded(squad_pairs) -> None:
    assert rp.build_pairs("valid", unanswerable_others=1) == squad_pairs["valid"]
    other = rp.build_pairs("valid", unanswerable_others=1, seed=rp.DEFAULT_SEED + 1)
    assert {p.article for p in other} != {p.article for p in squad_pairs["valid"]} or [
        p.group for p in other
    ] != [p.group for p in squad_pairs["valid"]]


def test_a_swapped_question_no_longer_fits_its_answer_sentence() -> None:
    context = "In 1763 King George issued the Royal Proclamation. It rained in Boston."
    qa = {
        "id": "p",
        "question": "What did King George issue in 1763?",
        "answers": [{"text": "the Royal Proclamation", "answer_start": 27}],
    }
    donor = {
        "id": "d",
        "question": "Who founded Boston in 1630?",
        "answers": [{"text": "Puritans", "answer_start": 10**6}],
    }
    pairs = rp.paragraph_pairs("t", context, [qa], rng=random.Random(0))
    pairs += [rp.ReaderPair(donor["question"], "x", 1, rp.POSITIVE, "d", "u")]
    swapped = rp.swapped_pairs(pairs[:1] + pairs[-1:], rng=random.Random(3))
    mine = [p for p in swapped if p.group == "p:swap"]
    assert len(mine) == 1
    (pair,) = mine
    assert pair.label == 0 and pair.kind == rp.SWAPPED and pair.article == "t"
    assert pair.sentence == "In 1763 King George issued the Royal Proclamation."
    assert pair.question != qa["question"]
    # Only a term the question shares with the sentence is swapped, for one the sentence lacks.
    before, after = set(qa["question"].split()), set(pair.question.split())
    (gone,) = before - after
    (new,) = after - before
    assert gone.strip("?") in {"King", "George", "1763"}
    assert new.strip("?") not in pair.sentence


def test_the_first_word_of_a_question_is_never_swapped() -> None:
    pair = rp.ReaderPair("Where is Paris?", "Paris is in France.", 1, rp.POSITIVE, "g", "a")
    other = rp.ReaderPair("Where is Lyon?", "Lyon is big.", 1, rp.POSITIVE, "h", "b")
    swapped = rp.swapped_pairs([pair, other], rng=random.Random(0))
    # Each city swapped for the other; "Where" (capitalised, but first) stays.
    assert {p.question for p in swapped} == {"Where is Lyon?", "Where is Paris?"}
    assert {p.sentence for p in swapped if p.question == "Where is Lyon?"} == {pair.sentence}


def _bag_of_words(texts: list[str]) -> np.ndarray:
    """A stand-in for the bi-encoder: hashed word counts, unit length (deterministic)."""
    vectors = np.zeros((len(texts), 512), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in re.findall(r"\w+", text.casefold()):
            vectors[row, int(hashlib.md5(word.encode()).hexdigest()[:6], 16) % 512] += 1.0
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-9)


def test_mining_refuses_the_test_split() -> None:
    with pytest.raises(ValueError, match="not 'test'"):
        rp.mined_pairs("test", embed=_bag_of_words)


@needs_squad
def test_mined_negatives_come_from_other_paragraphs_of_the_split_and_hold_no_answer(
    squad_pairs,
) -> None:
    mined = rp.mined_pairs("train", embed=_bag_of_words, per_question=2)
    train = squad_pairs["train"]
    answerable = {p.group for p in train if p.kind == rp.POSITIVE}
    assert mined and {p.kind for p in mined} == {rp.MINED} and {p.label for p in mined} == {0}
    per_group: dict[str, int] = {}
    for pair in mined:
        per_group[pair.group] = per_group.get(pair.group, 0) + 1
    assert max(per_group.values()) == 2
    assert {g.removesuffix(":mined") for g in per_group} <= answerable
    # Never the question's own paragraph: its sentences are the question's other pairs.
    own = {}
    for pair in train:
        own.setdefault(pair.group, set()).add(pair.sentence)
    answers = {}
    for q in load_squad_questions():
        answers.setdefault(q.question.strip(), set()).update(q.answers)
    paragraphs = rp._paragraphs(None)[0]
    by_split = {"train": set(), "other": set()}
    valid = rp.valid_titles(*rp._paragraphs(None)[1:])
    for paragraph in paragraphs:
        side = "train" if rp.article_split(paragraph.article, valid) == "train" else "other"
        by_split[side].update(
            paragraph.context[s:e] for s, e in rp.paragraph_sentences(paragraph.context)
        )
    for pair in mined:
        group = pair.group.removesuffix(":mined")
        assert pair.sentence not in own[group], pair
        assert pair.sentence in by_split["train"], pair
        held = [
            a for a in answers.get(pair.question, ()) if a.casefold() in pair.sentence.casefold()
        ]
        assert not held or pair.question in _asked_twice(), (pair, held)
    # Long sentences of valid or test articles never get in.
    stray = {p.sentence for p in mined if len(p.sentence) > 60} & (
        by_split["other"] - by_split["train"]
    )
    assert not stray

"""LexicalIndex: BM25 through bm25s, and the fast tokenizer that must agree with it."""

from __future__ import annotations

import json

import bm25s
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.store.lexical import LexicalIndex, _stemmer, stems, tokenize_strings
from tests.support import QUESTIONS


def bm25s_terms(texts: list[str]) -> list[list[str]]:
    return bm25s.tokenize(
        texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False
    )


def test_the_fast_tokenizer_gives_bm25s_terms_on_our_questions() -> None:
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines()]
    assert tokenize_strings(questions) == bm25s_terms(questions)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=1, max_size=4))
def test_the_fast_tokenizer_gives_bm25s_terms_on_any_text(texts: list[str]) -> None:
    assert tokenize_strings(texts) == bm25s_terms(texts)


def test_edge_cases_match_bm25s() -> None:
    texts = ["", "the and of", "I a", "Ünïcödé ÉLAN naïve", "2,783 losses; 44-day war", "ǅemal"]
    assert tokenize_strings(texts) == bm25s_terms(texts)
    assert stems("Soldiers, soldiers and the soldier") == ["soldier"]


def test_search_matches_bm25s_retrieve() -> None:
    texts = [
        "Azerbaijan lost 2,783 soldiers in the war.",
        "Armenia reported 2,425 dead soldiers.",
        "Talks in Moscow lasted 11 hours.",
        "The cathedral in Shusha was shelled twice.",
    ]
    index = LexicalIndex.build(texts)
    scores, ids = index.search(["How many soldiers died?"], 2)
    expected_ids, expected_scores = index.model.retrieve(
        bm25s_terms(["How many soldiers died?"]), k=2, show_progress=False
    )
    assert ids.tolist() == expected_ids.tolist()
    assert np.allclose(scores, expected_scores)


def test_a_filter_narrower_than_k_returns_fewer_rows() -> None:
    index = LexicalIndex.build(["soldiers died", "soldiers wounded", "talks in Moscow"])
    scores, ids = index.search(["soldiers"], 3, rows=np.array([1]))
    assert ids.tolist() == [[1]] and scores[0, 0] > 0
    scores, ids = index.search(["soldiers"], 3, rows=np.array([], dtype=np.int64))
    assert ids.shape == (1, 0) and scores.shape == (1, 0)


def test_equal_scores_at_the_cut_are_taken_in_row_order() -> None:
    # Sixty passages tie behind three better ones; whichever of them argpartition would
    # pick, the first rows of the tie must come, as a sharded index's merge takes them.
    texts = [f"filler text about talks number {n:02d}" for n in range(40)]
    texts += [f"drones over the front line, report {n:02d}" for n in range(60)]
    texts += [f"drones on the front line, drones on the line {n:02d}" for n in range(3)]
    index = LexicalIndex.build(texts)
    for k in (7, 25, 50):
        scores, rows = index.search(["drones front line"], k)
        assert sorted(rows[0][:3].tolist()) == [100, 101, 102]
        assert rows[0][3:].tolist() == list(range(40, 40 + k - 3))
        assert len(set(scores[0][3:].tolist())) == 1

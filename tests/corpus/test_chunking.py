from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.corpus.chunking import (
    _pysbd_spans,
    _segmenter,
    chunk_article,
    paragraph_spans,
    word_count,
)
from assistant.corpus.loading import Article, load_corpus
from tests.support import CORPUS

ARTICLES = load_corpus(CORPUS).articles


def article(text: str) -> Article:
    return Article(id="a", title="", outlet="", published="", url="", author="", text=text, path="")


@pytest.mark.parametrize("sizes", [(40, 150), (20, 60), (80, 300), (1, 10)])
@pytest.mark.parametrize("seed", ARTICLES, ids=lambda a: a.id)
def test_every_passage_is_the_exact_slice_of_its_article(seed: Article, sizes) -> None:
    min_words, max_words = sizes
    chunks = chunk_article(seed, min_words=min_words, max_words=max_words)
    assert chunks
    for position, chunk in enumerate(chunks):
        assert chunk.text == seed.text[chunk.start : chunk.end]
        assert chunk.position == position and chunk.id == f"{seed.id}#{position}"
        assert chunk.sentences[0][0] == chunk.start and chunk.sentences[-1][1] == chunk.end
        for start, end in chunk.sentences:
            assert chunk.start <= start < end <= chunk.end
            assert seed.text[start:end] == seed.text[start:end].strip()
    # Passages follow each other without overlap and cover every paragraph.
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert before.end <= after.start
        assert seed.text[before.end : after.start].strip() == ""


@pytest.mark.parametrize("seed", ARTICLES, ids=lambda a: a.id)
def test_seed_passages_are_roughly_40_to_150_words(seed: Article) -> None:
    counts = [word_count(chunk.text) for chunk in chunk_article(seed)]
    assert max(counts) <= 150
    # Only an article's last passage may stay short when nothing is left to merge.
    assert all(count >= 40 for count in counts[:-1]), counts


def test_short_paragraphs_merge_and_long_ones_split_between_sentences() -> None:
    sentence = "The ministry said that the fighting went on for many days near the town. "
    long_paragraph = sentence * 30  # 420 words
    text = f"Short one.\n\nShort two.\n\n{long_paragraph.strip()}\n\nTail."
    chunks = chunk_article(article(text), min_words=40, max_words=150)
    assert all(word_count(chunk.text) <= 150 * 1.25 for chunk in chunks)
    assert chunks[0].text.startswith("Short one.\n\nShort two.")
    for chunk in chunks:
        assert chunk.text.rstrip().endswith(".")


def test_paragraph_spans_skip_whitespace_only_lines() -> None:
    text = "One.\n \n\nTwo\nstill two.\n\n\u00a0\n\nThree."
    assert [text[s:e] for s, e in paragraph_spans(text)] == ["One.", "Two\nstill two.", "Three."]


def _pysbd_own(text: str) -> list[tuple[int, int]]:
    return [(sentence.start, sentence.end) for sentence in _segmenter().segment(text)]


def _squad_paragraphs(every: int) -> list[str]:
    from assistant.evaluation.datasets import SQUAD_V1, _read_squad, squad_path

    paragraphs = [p["context"] for a in _read_squad(squad_path(SQUAD_V1)) for p in a["paragraphs"]]
    return paragraphs[::every]


TRICKY = [
    "Yes. Yes. Yes.",
    "He said no.  No. No.\n\nNo.",
    "A.  A.  A. B",
    "  Leading space. And more.  ",
    "Dr. Smith went to Washington D.C. on Jan. 5. He left at 3 p.m. on Feb. 2.",
    "Same. Same.Same. Same",
    "x",
    "“Quoted.” Then (a list: 1. one 2. two). Done!",
]


def test_sentence_spans_are_pysbds_own() -> None:
    # _pysbd_spans finds pysbd's sentences in the text without pysbd's per-sentence regexes.
    texts = [a.text for a in ARTICLES]
    texts += [a.text[s:e] for a in ARTICLES for s, e in paragraph_spans(a.text)]
    for text in texts + TRICKY:
        assert _pysbd_spans(text) == _pysbd_own(text), text[:80]


@pytest.mark.squad
def test_sentence_spans_are_pysbds_own_on_squad_paragraphs() -> None:
    for text in _squad_paragraphs(every=9):
        assert _pysbd_spans(text) == _pysbd_own(text), text[:80]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(["Yes.", "No.", " ", "\n", "Dr.", "A. B.", "it", "?"])).map("".join)
)
def test_sentence_spans_are_pysbds_own_for_repeated_sentences(text: str) -> None:
    assert _pysbd_spans(text) == _pysbd_own(text)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet=st.sampled_from("ab .\n"), min_size=1, max_size=80), min_size=1).map(
        "\n\n".join
    )
)
def test_spans_hold_for_any_text(text: str) -> None:
    text = text.strip()
    if not text:
        return
    for chunk in chunk_article(article(text), min_words=3, max_words=10):
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.text.strip() == chunk.text

"""Copies: near-identical passages of different articles, grouped at build time."""

from __future__ import annotations

import dataclasses
import random

import pytest

from assistant.corpus import load_corpus
from assistant.corpus.article import Article
from assistant.corpus.chunking import Chunk, chunk_article
from assistant.store.copies import (
    MIN_CONTAINMENT,
    MIN_JACCARD,
    Copies,
    containment,
    figures_agree,
    find_copies,
    jaccard,
    shingles,
)
from tests.support import CORPUS, LOSSES_LIGHT_EDITS, shortened_story

SEED = {article.id: article for article in load_corpus(CORPUS).articles}
LOSSES = SEED["002_21e136c97901ca85"]  # "Azerbaijan Reports 2783 Casualties ..."
HEADLINE = "Azerbaijan Reports 2783 Casualties in the 44 Days of War with Armenia"


def copy_of(article: Article, article_id: str, text: str) -> Article:
    return dataclasses.replace(article, id=article_id, outlet="Wire", text=text)


def headline_copy() -> Article:
    """The same story under another headline."""
    text = LOSSES.text.replace(HEADLINE, "Baku says 2,783 troops died in Karabakh")
    return copy_of(LOSSES, "wire_headline", text)


def trimmed_copy() -> Article:
    """The story cut after the paragraph on who ran Nagorno-Karabakh."""
    end = LOSSES.text.index("Negotiations conducted")
    return copy_of(LOSSES, "wire_trimmed", LOSSES.text[:end].rstrip())


def edited_copy() -> Article:
    """The story lightly edited: a few words changed, no figure."""
    text = (
        LOSSES.text.replace("issued a statement saying", "said in a statement that")
        .replace("Defense", "Defence")
        .replace("considerable losses", "heavy losses")
        .replace("Hundreds of thousands", "Many hundreds of thousands")
    )
    return copy_of(LOSSES, "wire_edited", text)


def shortened_copy(*edits: tuple[str, str]) -> Article:
    """The story's first five paragraphs, the third skipped, as one short article (issue 29)."""
    return copy_of(LOSSES, "wire_short", shortened_story(LOSSES.text, *edits))


def figure_copy() -> Article:
    """The story with one figure changed: 2,783 losses become 2,790."""
    return copy_of(LOSSES, "wire_figure", LOSSES.text.replace("2,783 losses", "2,790 losses"))


def passages(*articles: Article) -> list[Chunk]:
    return [chunk for article in articles for chunk in chunk_article(article)]


def copied_articles(copies: Copies, article_id: str) -> set[str]:
    return {a if b == article_id else b for a, b, _ in copies.articles if article_id in (a, b)}


def test_shingles_are_word_runs_of_normalised_words() -> None:
    assert shingles("The Ministry said, 'so' it was.") == {
        "the ministry said so",
        "ministry said so it",
        "said so it was",
    }
    assert shingles("Too short") == {"too short"} and shingles(" ... ") == frozenset()
    assert jaccard(frozenset("ab"), frozenset("bc")) == pytest.approx(1 / 3)


def test_copies_under_another_headline_trimmed_or_edited_are_grouped() -> None:
    chunks = passages(LOSSES, headline_copy(), trimmed_copy(), edited_copy())
    copies = find_copies(chunks)
    assert copied_articles(copies, LOSSES.id) == {"wire_headline", "wire_trimmed", "wire_edited"}
    by_passage = copies.by_passage()
    # The passage giving the losses has a copy in each of the three.
    losses = next(c for c in chunks if c.article_id == LOSSES.id and "2,783 losses" in c.text)
    assert {c.split("#")[0] for c in by_passage[losses.id]} == {
        "wire_headline",
        "wire_trimmed",
        "wire_edited",
    }
    # Every passage the trimmed copy kept whole is grouped with the original's.
    trimmed = [c for c in chunks if c.article_id == "wire_trimmed"]
    assert all(LOSSES.id in {p.split("#")[0] for p in by_passage[c.id]} for c in trimmed[:-1])
    for first, second, similarity in copies.passages:
        assert first < second and first.split("#")[0] != second.split("#")[0]
        assert 0.5 <= similarity <= 1.0


def test_different_articles_on_the_same_war_are_not_grouped() -> None:
    copies = find_copies(passages(*SEED.values()))
    assert copies == Copies((), (), len(passages(*SEED.values())))


def test_a_copy_with_a_changed_figure_is_not_grouped_where_the_figure_differs() -> None:
    chunks = passages(LOSSES, figure_copy())
    by_passage = find_copies(chunks).by_passage()
    changed = next(c for c in chunks if "2,790 losses" in c.text)
    assert changed.id not in by_passage
    # The rest of the copy is word for word the original's, and grouped.
    assert len(by_passage) == 2 * (len(chunks) // 2 - 1)
    assert not figures_agree("2,783 losses and 100 missing", "2,790 losses and 100 missing")
    assert figures_agree("2,783 losses in 44 days", "2783 losses")
    # The old figure still in the headline does not hide the changed one.
    assert not figures_agree("2783 Casualties. 2,783 losses", "2783 Casualties. 2,790 losses")


def test_the_result_does_not_depend_on_the_order_of_the_passages() -> None:
    chunks = passages(LOSSES, headline_copy(), trimmed_copy(), edited_copy(), *SEED.values())
    shuffled = list(chunks)
    random.Random(3).shuffle(shuffled)
    assert find_copies(shuffled) == find_copies(chunks)


def test_copies_survive_their_record_and_a_record_naming_other_passages_is_refused() -> None:
    chunks = passages(LOSSES, headline_copy())
    copies = find_copies(chunks)
    assert copies.passages and copies.articles
    assert Copies.from_dict(copies.to_dict(), chunks) == copies
    with pytest.raises(ValueError, match="does not hold"):
        Copies.from_dict(copies.to_dict(), passages(LOSSES, edited_copy()))
    with pytest.raises(ValueError, match="compared"):
        Copies.from_dict(copies.to_dict(), chunks[:-1])


@pytest.mark.parametrize(
    "edits", [(), LOSSES_LIGHT_EDITS], ids=["shortened", "shortened and edited"]
)
def test_a_shortened_copy_cut_elsewhere_is_found_inside_the_whole_story(edits) -> None:
    short = shortened_copy(*edits)
    chunks = passages(LOSSES, short)
    [passage] = [c for c in chunks if c.article_id == short.id]
    story = [c for c in chunks if c.article_id == LOSSES.id]
    # One passage where the story has two: no passage of the story is alike enough to it.
    assert max(jaccard(shingles(passage.text), shingles(c.text)) for c in story) < MIN_JACCARD
    whole = shingles(" ".join(c.text for c in story))
    assert containment(shingles(passage.text), whole) >= MIN_CONTAINMENT
    copies = find_copies(chunks)
    # Paired with the story's passage holding most of it, so either one, shown, names the other.
    holding = max(story, key=lambda c: len(shingles(c.text) & shingles(passage.text)))
    assert copies.of(passage.id) == (holding.id,)
    assert copies.of(holding.id) == (passage.id,)
    assert copied_articles(copies, LOSSES.id) == {short.id}
    [(_, _, similarity)] = copies.passages
    assert similarity == round(containment(shingles(passage.text), whole), 4)


def test_a_shortened_copy_with_a_changed_figure_is_not_a_copy() -> None:
    short = shortened_copy(("1,245 wounded", "1,254 wounded"))
    assert find_copies(passages(LOSSES, short)).passages == ()


def test_a_short_passage_found_inside_another_article_is_no_copy_by_that_alone() -> None:
    # A dateline and a line: too few shingles to tell a copy from a common phrase.
    line = copy_of(LOSSES, "wire_line", "December 3, 2020\n\nThe ministry also reported that")
    assert find_copies(passages(LOSSES, line)).passages == ()

"""Copies benchmark: how alike planted copies are, what LSH finds of them, and how fast.

The corpus: SQuAD v1.1 dev's 2,067 paragraphs, four to an article, cut into
passages as the index cuts them; then copies of ``--copies`` of those articles,
each under another outlet, one way each: word for word under another headline,
trimmed (the last paragraph dropped), lightly edited (5% or 10% of the words
replaced), heavily edited (25%), with one figure changed, or shortened (the first
six sentences, the third skipped, one a paragraph: a wire story's first paragraphs
run as a short article), also with 5% of its words replaced. Printed:

- the exact Jaccard similarity of each planted pair of passages, by way of
  copying, and the most alike pair of passages of different original articles
  (found exhaustively, through an inverted index of the shingles);
- the containment of each planted passage in its original article (the share of
  its shingles found there), and the highest containment of a passage of an
  original article in another original article (exhaustively);
- for each LSH threshold, the share of the pairs at or above ``MIN_JACCARD``
  (exhaustively) that LSH proposes, how many pairs it proposes, and the time;
- what ``find_copies`` pairs, and its time, on the whole corpus, and how many
  copies of each way it pairs with their original.

    python benchmarks/copies.py            # ~2,300 passages + the copies' (~30 s on 2 cores)
    python benchmarks/copies.py --quick    # 200 paragraphs
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as `python benchmarks/copies.py` from anywhere
    sys.path.insert(0, str(REPO))

from assistant.corpus.article import Article  # noqa: E402
from assistant.corpus.chunking import Chunk, chunk_article  # noqa: E402
from assistant.evaluation.datasets import load_squad_corpus  # noqa: E402
from assistant.store import copies  # noqa: E402

WAYS = (
    "headline",
    "trimmed",
    "edited 5%",
    "edited 10%",
    "edited 25%",
    "figure",
    "shortened",
    "shortened 5%",
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def articles_of(paragraphs: int) -> list[Article]:
    """SQuAD paragraphs joined four to an article."""
    source = load_squad_corpus().articles[:paragraphs]
    articles = []
    for start in range(0, len(source), 4):
        group = source[start : start + 4]
        text = "\n\n".join(article.text for article in group)
        articles.append(_article(f"a{start // 4:04d}", group[0].title, text))
    return articles


def _article(article_id: str, title: str, text: str) -> Article:
    return Article(
        id=article_id,
        title=title,
        outlet="Wikipedia",
        published="",
        url="",
        author="",
        text=text,
        path="",
    )


def copy_of(article: Article, way: str, rng: random.Random, vocabulary: list[str]) -> Article:
    """A copy of an article, made one way."""
    paragraphs = article.text.split("\n\n")
    if way == "headline":
        paragraphs = [f"Wire: {rng.choice(vocabulary).title()} story", *paragraphs]
    elif way == "trimmed":
        paragraphs = paragraphs[:-1] or paragraphs
    elif way == "figure":
        text = "\n\n".join(paragraphs)
        digits = [i for i, char in enumerate(text) if char.isdigit()]
        if digits:
            spot = rng.choice(digits)
            text = text[:spot] + str((int(text[spot]) + 1) % 10) + text[spot + 1 :]
        paragraphs = text.split("\n\n")
    elif way.startswith("shortened"):
        sentences = _SENTENCE_END.split(article.text)[:6]
        paragraphs = sentences[:2] + sentences[3:]
    if way.startswith(("edited", "shortened ")):
        share = int(way.split()[1].rstrip("%")) / 100
        paragraphs = [
            " ".join(rng.choice(vocabulary) if rng.random() < share else w for w in p.split(" "))
            for p in paragraphs
        ]
    return _article(
        f"copy-{way.replace(' ', '').replace('%', '')}-{article.id}",
        article.title,
        "\n\n".join(paragraphs),
    )


def exhaustive_pairs(
    chunks: list[Chunk], sets: list[frozenset[str]]
) -> dict[tuple[int, int], float]:
    """Every pair of passages of different articles sharing a shingle, with its Jaccard."""
    postings: dict[str, list[int]] = {}
    for i, found in enumerate(sets):
        for shingle in found:
            postings.setdefault(shingle, []).append(i)
    shared: Counter[tuple[int, int]] = Counter()
    for rows in postings.values():
        if len(rows) > 200:  # a phrase in hundreds of passages; no pair rests on it alone
            continue
        for x, i in enumerate(rows):
            for j in rows[x + 1 :]:
                if chunks[i].article_id != chunks[j].article_id:
                    shared[i, j] += 1
    return {
        (i, j): count / (len(sets[i]) + len(sets[j]) - count) for (i, j), count in shared.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 paragraphs, 12 copies")
    parser.add_argument("--copies", type=int, default=120, help="articles copied")
    parser.add_argument(
        "--shingle-words", type=int, default=copies.SHINGLE_WORDS, help="words per shingle"
    )
    args = parser.parse_args()
    paragraphs, count = (200, 12) if args.quick else (2067, args.copies)
    rng = random.Random(16)
    originals = articles_of(paragraphs)
    vocabulary = sorted({word for article in originals for word in article.text.split()})
    planted = [
        copy_of(article, WAYS[n % len(WAYS)], rng, vocabulary)
        for n, article in enumerate(rng.sample(originals, min(count, len(originals))))
    ]
    chunks = [chunk for article in originals + planted for chunk in chunk_article(article)]
    print(f"{len(originals)} articles, {len(planted)} copies, {len(chunks)} passages")

    size = args.shingle_words
    sets = [copies.shingles(chunk.text, size) for chunk in chunks]
    copies._candidates(copies._minhashes(sets[:10]), copies.LSH_THRESHOLD)  # imports datasketch
    started = time.perf_counter()
    truth = exhaustive_pairs(chunks, sets)
    print(
        f"exhaustive Jaccard of {len(truth):,} pairs sharing a shingle: "
        f"{time.perf_counter() - started:.2f} s"
    )

    # Planted pairs: each passage of a copy against its most alike passage of the original.
    passages_of: dict[str, list[int]] = {}
    for i, chunk in enumerate(chunks):
        passages_of.setdefault(chunk.article_id, []).append(i)
    print(f"\nexact Jaccard of planted pairs ({size}-word shingles):")
    for way in WAYS:
        prefix = f"copy-{way.replace(' ', '').replace('%', '')}-"
        values = [
            max(copies.jaccard(sets[i], sets[j]) for j in passages_of[article.id[len(prefix) :]])
            for article in planted
            if article.id.startswith(prefix)
            for i in passages_of[article.id]
        ]
        if values:
            print(
                f"  {way:<11} {len(values):>3} pairs: min {min(values):.3f}, "
                f"median {statistics.median(values):.3f}, max {max(values):.3f}"
            )
    natural = sorted(
        (
            (value, chunks[i].id, chunks[j].id)
            for (i, j), value in truth.items()
            if not chunks[i].article_id.startswith("copy-")
            and not chunks[j].article_id.startswith("copy-")
        ),
        reverse=True,
    )
    print("  different original articles, the most alike pairs:")
    for value, first, second in natural[:3]:
        print(f"    {value:.3f} {first} {second}")

    contained_rows(chunks, sets, planted, passages_of)

    wanted = {pair for pair, value in truth.items() if value >= copies.MIN_JACCARD}
    print(
        f"\n{len(wanted)} pairs at Jaccard >= {copies.MIN_JACCARD}; LSH with "
        f"{copies.NUM_PERM} permutations:"
    )
    for threshold in (0.2, 0.3, 0.4, 0.5, 0.6):
        started = time.perf_counter()
        proposed = copies._candidates(copies._minhashes(sets), threshold)
        took = time.perf_counter() - started
        found = len(wanted & proposed)
        print(
            f"  threshold {threshold:.1f}: recall {found}/{len(wanted)} "
            f"({found / max(1, len(wanted)):.1%}), {len(proposed):,} pairs proposed, "
            f"{took:.2f} s"
        )

    started = time.perf_counter()
    result = copies.find_copies(chunks)
    took = time.perf_counter() - started
    kept = {(a, b) for a, b, _ in result.passages}
    planted_kinds = Counter(
        b.split("-", 2)[1] for a, b, _ in result.articles if b.startswith("copy-")
    )
    print(
        f"\nfind_copies on {len(chunks)} passages: {took:.2f} s, {len(kept)} passage pairs, "
        f"{len(result.articles)} article pairs {dict(sorted(planted_kinds.items()))}"
    )
    # Passage pairs alone: no containment reaches past 1.
    alone = copies.find_copies(chunks, min_containment=1.1)
    print("copies with a passage paired with their original's, by way (passage pairs alone):")
    for way in WAYS:
        prefix = f"copy-{way.replace(' ', '').replace('%', '')}-"
        made = [a.id for a in planted if a.id.startswith(prefix)]
        print(
            f"  {way:<12} {paired_with_original(result, made, prefix)}/{len(made)} "
            f"({paired_with_original(alone, made, prefix)})"
        )


def paired_with_original(result: copies.Copies, made: list[str], prefix: str) -> int:
    """How many of the copies ``made`` have a passage paired with one of their original."""
    paired = {frozenset((a.split("#")[0], b.split("#")[0])) for a, b, _ in result.passages}
    return sum(frozenset((copy, copy[len(prefix) :])) in paired for copy in made)


def whole_sets(chunks: list[Chunk], size: int) -> dict[str, frozenset[str]]:
    """Each article's shingles over its passages joined, as find_copies reads it."""
    texts: dict[str, list[str]] = {}
    for chunk in sorted(chunks, key=lambda c: (c.article_id, c.position)):
        texts.setdefault(chunk.article_id, []).append(chunk.text)
    return {key: copies.shingles(" ".join(value), size) for key, value in texts.items()}


def contained_rows(
    chunks: list[Chunk],
    sets: list[frozenset[str]],
    planted: list[Article],
    passages_of: dict[str, list[int]],
) -> None:
    """Containment of planted passages in their original, and the highest between originals."""
    size = len(next(iter(next(s for s in sets if s))).split())
    whole = whole_sets(chunks, size)
    print(
        "\ncontainment of each planted passage in its original article "
        f"(>= {copies.MIN_CONTAINMENT} confirms; passages of {copies.MIN_CONTAINED}+ shingles):"
    )
    for way in WAYS:
        prefix = f"copy-{way.replace(' ', '').replace('%', '')}-"
        values = [
            copies.containment(sets[i], whole[article.id[len(prefix) :]])
            for article in planted
            if article.id.startswith(prefix)
            for i in passages_of[article.id]
            if len(sets[i]) >= copies.MIN_CONTAINED
        ]
        if values:
            print(
                f"  {way:<12} {len(values):>3} passages: min {min(values):.3f}, "
                f"median {statistics.median(values):.3f}"
            )
    # Exhaustive: each original passage against every other original article holding a shingle.
    holders: dict[str, set[str]] = {}
    for article_id, found in whole.items():
        if not article_id.startswith("copy-"):
            for shingle in found:
                holders.setdefault(shingle, set()).add(article_id)
    highest = []
    for i, chunk in enumerate(chunks):
        if chunk.article_id.startswith("copy-") or len(sets[i]) < copies.MIN_CONTAINED:
            continue
        counts = Counter(
            other
            for shingle in sets[i]
            for other in holders.get(shingle, ())
            if other != chunk.article_id
        )
        if counts:
            other, count = counts.most_common(1)[0]
            highest.append((count / len(sets[i]), chunk.id, other))
    highest.sort(reverse=True)
    print("  passages of original articles in another original article, the highest:")
    for value, passage, other in highest[:3]:
        print(f"    {value:.3f} {passage} in {other}")
    ensemble_rows(chunks, sets, whole)


def ensemble_rows(
    chunks: list[Chunk], sets: list[frozenset[str]], whole: dict[str, frozenset[str]]
) -> None:
    """What datasketch's LSH Ensemble proposes of the contained passages, against the exact."""
    from datasketch import MinHash, MinHashLSHEnsemble

    started = time.perf_counter()
    exact = {
        (chunks[i].id, j) for i, j, _ in copies._contained(chunks, sets, copies.MIN_CONTAINMENT)
    }
    took = time.perf_counter() - started
    wanted = {(passage, chunks[j].article_id) for passage, j in exact}
    print(
        f"  passages inside another article at >= {copies.MIN_CONTAINMENT}: {len(wanted)}; "
        f"the inverted index (used) finds every one, {took:.2f} s"
    )
    ids = sorted(whole)
    started = time.perf_counter()
    article_hashes = MinHash.bulk(
        ([shingle.encode() for shingle in whole[a]] for a in ids),
        num_perm=copies.NUM_PERM,
        seed=copies.SEED,
        scheme="affine32",
    )
    passage_hashes = copies._minhashes(sets)
    for threshold, parts in ((0.5, 16), (0.5, 4), (0.4, 4)):
        begun = time.perf_counter()
        ensemble = MinHashLSHEnsemble(threshold=threshold, num_perm=copies.NUM_PERM, num_part=parts)
        ensemble.index([(a, h, len(whole[a])) for a, h in zip(ids, article_hashes, strict=True)])
        proposed = {
            (chunks[i].id, other)
            for i, minhash in passage_hashes.items()
            if len(sets[i]) >= copies.MIN_CONTAINED
            for other in ensemble.query(minhash, len(sets[i]))
        }
        found = len(wanted & proposed)
        print(
            f"  LSH Ensemble, threshold {threshold}, {parts} partitions: {found}/{len(wanted)} "
            f"proposed ({found / max(1, len(wanted)):.1%}), {len(proposed):,} proposals, "
            f"{time.perf_counter() - begun + (begun - started):.2f} s"
        )


if __name__ == "__main__":
    main()

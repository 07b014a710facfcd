"""Copies: near-identical passages of different articles, found when the index is built.

News repeats: one wire story is printed by many outlets, trimmed, under another
headline, lightly edited. ``find_copies`` finds the passages that such copies
share, so that an answer shows each once and names the other outlets.

Each passage becomes the set of its word shingles (``SHINGLE_WORDS`` words in a
row, lower-cased, punctuation dropped). A seeded MinHash of each set goes into a
MinHashLSH index (datasketch), which proposes the pairs likely to be similar;
each proposed pair of passages from different articles is then confirmed with
the exact Jaccard similarity of the two shingle sets, so the result is exact and
deterministic for every pair proposed (LSH may miss a pair, never invent one).
The parameters were chosen by measurement (``benchmarks/copies.py``, README
"The same story, told twice").

Passage against passage misses a copy cut elsewhere: an outlet running the first
paragraphs of a wire story, one skipped, as one short article has one passage
where the whole story has two or three, and no pair of them is alike enough. So
each passage is also looked for inside every other article's whole text: an
inverted index from shingles to the articles holding them proposes the articles
sharing a shingle with it, and the exact containment (the share of the passage's
shingles found in the article) confirms one. The passage is then paired with that
article's passage holding most of it, so that either, shown, names the other.
(datasketch's LSH Ensemble, made for containment, proposed 96-99.6% of the
contained passages of ``benchmarks/copies.py`` in 10-16 s; the inverted index finds
every one, exactly, in 2.9 s on the same loaded machine.)

A pair whose figures differ is never a copy, however alike the words: "376
soldiers" against "367 soldiers" is something the reader must see ("Sources
differ"), not a duplicate to fold away. The numbers of the two passages, in
the order they come, must be those of one of them with some left out (a
headline without its "44 days", a trimmed last sentence): a changed number
breaks that both ways, even where the old one is still written elsewhere. A
passage found inside another article is held to the stretch of that article it
was found in (from the first to the last of its passages sharing a shingle).

The function is pure, over passages alone: a sharded build can feed it every
shard's passages at once.

Example:
    >>> copies = find_copies(load_index("index").chunks)
    >>> copies.of("003_42076aacbf9b2f73#2")  # the ids of its copies in other articles
    ('990_wire_copy#2',)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..corpus.chunking import Chunk

SHINGLE_WORDS = 4
NUM_PERM = 128
SEED = 16
# MIN_JACCARD confirms a pair: planted copies edited in 5% of their words measured a
# median of 0.69, passages of different articles at most 0.24 (bar one real copy).
# The LSH threshold proposes pairs, well below it: on 3,510 passages 0.2 proposed every
# pair at 0.5 or more (910 of 910, in 1,190 proposals), 0.3 missed one, 0.5 missed 39;
# the time is the same (benchmarks/copies.py).
LSH_THRESHOLD = 0.2
MIN_JACCARD = 0.5
# Two articles are copies when at least this share of the shorter one's passages
# have a copy in the other.
ARTICLE_SHARE = 0.5
# MIN_CONTAINMENT confirms a passage found inside another article: planted shortened copies
# with 5% of their words replaced measured 0.676 at least, a passage in another article of
# SQuAD 0.462 at most (bar one real repeat, 0.898). A passage of fewer than
# MIN_CONTAINED shingles (a dateline, a "Read more") is found in too many texts to tell a
# copy by. A shingle held by more than COMMON_SHINGLE articles ("at the end of") proposes
# none of them: a passage 0.65 inside an article shares rarer ones with it.
MIN_CONTAINMENT = 0.65
MIN_CONTAINED = 20
COMMON_SHINGLE = 100

_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def shingles(text: str, size: int = SHINGLE_WORDS) -> frozenset[str]:
    """The runs of ``size`` words of a text, lower-cased; a shorter text is one shingle."""
    words = [word.casefold() for word in _WORD.findall(text)]
    if len(words) <= size:
        return frozenset({" ".join(words)}) if words else frozenset()
    return frozenset(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))


def jaccard(first: frozenset[str], second: frozenset[str]) -> float:
    """|A ∩ B| / |A ∪ B|; 0 for two empty sets."""
    union = len(first | second)
    return len(first & second) / union if union else 0.0


def containment(part: frozenset[str], whole: frozenset[str]) -> float:
    """|A ∩ B| / |A|: the share of ``part`` found in ``whole``; 0 for an empty ``part``."""
    return len(part & whole) / len(part) if part else 0.0


def numbers(text: str) -> list[str]:
    """The numbers written in digits in a text, in order, thousands separators dropped."""
    return [match.replace(",", "") for match in _NUMBER.findall(text)]


def figures_agree(first: str, second: str) -> bool:
    """True when one text's numbers are the other's with some left out, in order."""
    a, b = numbers(first), numbers(second)
    return _within(a, b) or _within(b, a)


def _within(part: list[str], whole: list[str]) -> bool:
    """Whether ``part`` is ``whole`` with some items left out (a subsequence)."""
    rest = iter(whole)
    return all(item in rest for item in part)


@dataclass(frozen=True, slots=True)
class Copies:
    """Which passages of different articles are near-identical.

    Attributes:
        passages: pairs of passage ids ``(first, second, similarity)``, ``first < second``,
            from two different articles, sorted; the similarity, rounded to 4 places, is
            the higher of their Jaccard and, where one was found inside the other's
            article, its containment there.
        articles: pairs of article ids ``(first, second, shared)``, ``first < second``:
            articles of which ``shared`` passages have a copy in the other, at least
            ``ARTICLE_SHARE`` of the shorter one's (syndicated copies), sorted.
        compared: how many passages were compared (every passage of the index); 0 when
            copies were not sought (each shard of a sharded index, for now).
    """

    passages: tuple[tuple[str, str, float], ...] = ()
    articles: tuple[tuple[str, str, int], ...] = ()
    compared: int = 0

    def by_passage(self) -> dict[str, tuple[str, ...]]:
        """Each passage id with a copy, and its copies' ids, sorted."""
        found: dict[str, list[str]] = {}
        for first, second, _ in self.passages:
            found.setdefault(first, []).append(second)
            found.setdefault(second, []).append(first)
        return {key: tuple(sorted(value)) for key, value in found.items()}

    def of(self, passage_id: str) -> tuple[str, ...]:
        """The ids of one passage's copies, sorted (empty when it has none)."""
        return self.by_passage().get(passage_id, ())

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": method(),
            "compared": self.compared,
            "passages": [list(pair) for pair in self.passages],
            "articles": [list(pair) for pair in self.articles],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], chunks: Sequence[Chunk]) -> Copies:
        """Copies back from ``to_dict``; every id must name a passage (or article) of ``chunks``.

        Raises:
            ValueError: the data does not fit these passages.
        """
        article_of = {chunk.id: chunk.article_id for chunk in chunks}
        passages = tuple((str(a), str(b), float(j)) for a, b, j in data["passages"])
        articles = tuple((str(a), str(b), int(n)) for a, b, n in data["articles"])
        known = set(article_of.values())
        compared = data["compared"]
        if compared not in (0, len(chunks)) or (compared == 0 and (passages or articles)):
            raise ValueError(f"copies.json compared {compared!r} passages, not {len(chunks)}")
        if any(
            a not in article_of or b not in article_of or article_of[a] == article_of[b] or a >= b
            for a, b, _ in passages
        ) or any(a not in known or b not in known or a >= b for a, b, _ in articles):
            raise ValueError("copies.json names passages or articles the index does not hold")
        return cls(passages, articles, compared)


NO_COPIES = Copies()  # what a sharded build writes in each shard, for now


def method() -> dict[str, Any]:
    """How copies are found, as stored beside them."""
    return {
        "shingle_words": SHINGLE_WORDS,
        "num_perm": NUM_PERM,
        "seed": SEED,
        "lsh_threshold": LSH_THRESHOLD,
        "min_jaccard": MIN_JACCARD,
        "article_share": ARTICLE_SHARE,
        "min_containment": MIN_CONTAINMENT,
        "min_contained": MIN_CONTAINED,
        "common_shingle": COMMON_SHINGLE,
        "figures_agree": True,
    }


def find_copies(
    chunks: Sequence[Chunk],
    *,
    lsh_threshold: float = LSH_THRESHOLD,
    min_jaccard: float = MIN_JACCARD,
    min_containment: float = MIN_CONTAINMENT,
) -> Copies:
    """The near-identical passages of different articles, and the articles that are copies.

    Args:
        chunks: every passage of the corpus (of every shard), with its text.
        lsh_threshold: the Jaccard similarity around which LSH proposes pairs.
        min_jaccard: the exact Jaccard similarity a proposed pair must reach.
        min_containment: the share of a passage's shingles another article must hold
            for the passage to be a copy of part of it.

    Returns:
        The confirmed pairs; the same passages give the same pairs, in any order.
    """
    sets = [shingles(chunk.text) for chunk in chunks]
    hashes = _minhashes(sets)
    found: dict[tuple[str, str], float] = {}
    for i, j in _candidates(hashes, lsh_threshold):
        first, second = chunks[i], chunks[j]
        if first.article_id == second.article_id:
            continue
        similarity = jaccard(sets[i], sets[j])
        if similarity >= min_jaccard and figures_agree(first.text, second.text):
            _keep(found, first.id, second.id, similarity)
    for i, j, share in _contained(chunks, sets, min_containment):
        _keep(found, chunks[i].id, chunks[j].id, share)
    pairs = sorted((low, high, round(value, 4)) for (low, high), value in found.items())
    return Copies(tuple(pairs), _article_copies(chunks, pairs), len(chunks))


def _keep(found: dict[tuple[str, str], float], first: str, second: str, value: float) -> None:
    key = (first, second) if first < second else (second, first)
    found[key] = max(value, found.get(key, 0.0))


def _minhashes(sets: list[frozenset[str]]) -> dict[int, Any]:
    """A seeded MinHash of each non-empty shingle set, by position."""
    from datasketch import MinHash

    present = [i for i, found in enumerate(sets) if found]
    hashes = MinHash.bulk(
        ([shingle.encode() for shingle in sets[i]] for i in present),
        num_perm=NUM_PERM,
        seed=SEED,
        scheme="affine32",
    )
    return dict(zip(present, hashes, strict=True))


def _candidates(hashes: dict[int, Any], threshold: float) -> set[tuple[int, int]]:
    """Pairs of positions ``(i, j)``, ``i < j``, whose shingle sets LSH finds alike."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    with lsh.insertion_session() as session:
        for i, minhash in hashes.items():
            session.insert(i, minhash, check_duplication=False)
    found: set[tuple[int, int]] = set()
    for i, minhash in hashes.items():
        found.update((i, j) for j in lsh.query(minhash) if i < j)
    return found


def _contained(
    chunks: Sequence[Chunk], sets: list[frozenset[str]], min_containment: float
) -> list[tuple[int, int, float]]:
    """``(i, j, share)``: passage ``i`` is inside ``j``'s article, ``j`` holding most of it."""
    rows_of: dict[str, list[int]] = {}
    for i in sorted(range(len(chunks)), key=lambda i: (chunks[i].article_id, chunks[i].position)):
        rows_of.setdefault(chunks[i].article_id, []).append(i)
    # Each article's whole text, its passages joined: the shingles across their boundaries too.
    whole = {a: shingles(" ".join(chunks[i].text for i in rows)) for a, rows in rows_of.items()}
    holders: dict[str, list[str]] = {}
    for article_id, found in whole.items():
        for shingle in found:
            holders.setdefault(shingle, []).append(article_id)
    found = []
    for i, chunk in enumerate(chunks):
        if len(sets[i]) < MIN_CONTAINED:
            continue
        common, counts = 0, Counter()
        for shingle in sets[i]:
            holding = holders[shingle]
            if len(holding) == 1:  # its own article only, as most are
                continue
            if len(holding) > COMMON_SHINGLE:
                common += 1
            else:
                counts.update(holding)
        # At most its common shingles besides those counted: articles that cannot reach
        # the threshold even so are never compared.
        needed = min_containment * len(sets[i]) - common
        for other in sorted(a for a, n in counts.items() if n >= needed and a != chunk.article_id):
            share = containment(sets[i], whole[other])
            if share < min_containment:
                continue
            rows = rows_of[other]
            shared = [len(sets[i] & sets[j]) for j in rows]
            # Where in the article the passage was found: its figures are checked there.
            spots = [n for n, count in enumerate(shared) if count] or [0]
            stretch = " ".join(chunks[j].text for j in rows[spots[0] : spots[-1] + 1])
            if figures_agree(chunk.text, stretch):
                found.append((i, rows[shared.index(max(shared))], share))
    return found


def _article_copies(
    chunks: Sequence[Chunk], pairs: list[tuple[str, str, float]]
) -> tuple[tuple[str, str, int], ...]:
    """Pairs of articles sharing copies of at least ``ARTICLE_SHARE`` of the shorter's passages."""
    article_of = {chunk.id: chunk.article_id for chunk in chunks}
    sizes: dict[str, int] = {}
    for chunk in chunks:
        sizes[chunk.article_id] = sizes.get(chunk.article_id, 0) + 1
    # Per pair of articles, each side's passages that have a copy on the other side.
    shared: dict[tuple[str, str], tuple[set[str], set[str]]] = {}
    for first, second, _ in pairs:
        if article_of[first] > article_of[second]:
            first, second = second, first
        sides = shared.setdefault((article_of[first], article_of[second]), (set(), set()))
        sides[0].add(first)
        sides[1].add(second)
    found = []
    for (a, b), (left, right) in sorted(shared.items()):
        count = min(len(left), len(right))
        if count >= ARTICLE_SHARE * min(sizes[a], sizes[b]):
            found.append((a, b, count))
    return tuple(found)

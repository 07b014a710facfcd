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

A pair whose figures differ is never a copy, however alike the words: "376
soldiers" against "367 soldiers" is something the reader must see ("Sources
differ"), not a duplicate to fold away. The numbers of the two passages, in
the order they come, must be those of one of them with some left out (a
headline without its "44 days", a trimmed last sentence): a changed number
breaks that both ways, even where the old one is still written elsewhere.

The function is pure, over passages alone: a sharded build can feed it every
shard's passages at once.

Example:
    >>> copies = find_copies(load_index("index").chunks)
    >>> copies.of("003_42076aacbf9b2f73#2")  # the ids of its copies in other articles
    ('990_wire_copy#2',)
"""

from __future__ import annotations

import re
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
        passages: pairs of passage ids ``(first, second, jaccard)``, ``first < second``,
            from two different articles, sorted; the Jaccard is rounded to 4 places.
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
        "figures_agree": True,
    }


def find_copies(
    chunks: Sequence[Chunk],
    *,
    lsh_threshold: float = LSH_THRESHOLD,
    min_jaccard: float = MIN_JACCARD,
) -> Copies:
    """The near-identical passages of different articles, and the articles that are copies.

    Args:
        chunks: every passage of the corpus (of every shard), with its text.
        lsh_threshold: the Jaccard similarity around which LSH proposes pairs.
        min_jaccard: the exact Jaccard similarity a proposed pair must reach.

    Returns:
        The confirmed pairs; the same passages give the same pairs, in any order.
    """
    sets = [shingles(chunk.text) for chunk in chunks]
    pairs = []
    for i, j in _candidates(sets, lsh_threshold):
        first, second = chunks[i], chunks[j]
        if first.article_id == second.article_id:
            continue
        similarity = jaccard(sets[i], sets[j])
        if similarity >= min_jaccard and figures_agree(first.text, second.text):
            low, high = sorted((first.id, second.id))
            pairs.append((low, high, round(similarity, 4)))
    pairs.sort()
    return Copies(tuple(pairs), _article_copies(chunks, pairs), len(chunks))


def _candidates(sets: list[frozenset[str]], threshold: float) -> set[tuple[int, int]]:
    """Pairs of positions ``(i, j)``, ``i < j``, whose shingle sets LSH finds alike."""
    from datasketch import MinHash, MinHashLSH

    present = [i for i, found in enumerate(sets) if found]
    hashes = MinHash.bulk(
        ([shingle.encode() for shingle in sets[i]] for i in present),
        num_perm=NUM_PERM,
        seed=SEED,
        scheme="affine32",
    )
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    with lsh.insertion_session() as session:
        for i, minhash in zip(present, hashes, strict=True):
            session.insert(i, minhash, check_duplication=False)
    found: set[tuple[int, int]] = set()
    for i, minhash in zip(present, hashes, strict=True):
        found.update((i, j) for j in lsh.query(minhash) if i < j)
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

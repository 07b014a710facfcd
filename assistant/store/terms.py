"""Each passage's BM25 terms, kept in the index so that an update need not re-tokenise.

Tokenising is most of the cost of building BM25 (11 of 16 s for 100k
passages on 2 cores), and a passage's terms depend on its text alone, so an
update takes unchanged passages' terms from the previous version and
tokenises only the new ones. BM25 itself is built over all passages again,
since its IDF is global. Files, under ``terms/`` in a version folder::

    ids.npy           # int32: the passages' term ids, one passage after another
    offsets.npy       # int64: passage i's ids are ids[offsets[i]:offsets[i + 1]]
    vocabulary.json   # the terms, by id
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import bm25s
import numpy as np
from bm25s.tokenization import Tokenized

from .lexical import CorpusStatistics, LexicalIndex, _CorpusBM25, tokenize

FILES = ("terms/ids.npy", "terms/offsets.npy", "terms/vocabulary.json")


@dataclass(frozen=True, slots=True)
class PassageTerms:
    """The stemmed terms of each passage, repeats kept, as bm25s indexes them.

    Passage ``i`` holds ``vocabulary[j] for j in ids[offsets[i]:offsets[i + 1]]``.
    """

    vocabulary: tuple[str, ...]
    ids: np.ndarray  # int32
    offsets: np.ndarray  # int64, one more than there are passages

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @classmethod
    def of(cls, texts: list[str]) -> PassageTerms:
        """The terms of each text, split as ``LexicalIndex.build`` splits them."""
        tokenized = tokenize(texts)
        vocabulary = [""] * len(tokenized.vocab)
        for term, number in tokenized.vocab.items():
            vocabulary[number] = term
        ids = np.fromiter(chain.from_iterable(tokenized.ids), dtype=np.int32)
        offsets = np.cumsum([0, *map(len, tokenized.ids)], dtype=np.int64)
        return cls(tuple(vocabulary), ids, offsets)

    def lexical_index(self, statistics: CorpusStatistics | None = None) -> LexicalIndex:
        """BM25 over these passages: ``LexicalIndex.build`` without tokenising again.

        With ``statistics`` (a shard's passages, the corpus's statistics), every
        passage gets the score it has in one index of the whole corpus.
        """
        ids, offsets = self.ids.tolist(), self.offsets.tolist()
        documents = [ids[offsets[row] : offsets[row + 1]] for row in range(len(self))]
        vocabulary = {term: number for number, term in enumerate(self.vocabulary)}
        model = bm25s.BM25() if statistics is None else _CorpusBM25(statistics, vocabulary)
        model.index(Tokenized(ids=documents, vocab=vocabulary), show_progress=False)
        return LexicalIndex(model, len(self))

    def statistics(self) -> CorpusStatistics:
        """The BM25 statistics of these passages alone."""
        return combine_statistics([self])

    def save(self, folder: Path) -> None:
        (folder / "terms").mkdir()
        np.save(folder / "terms" / "ids.npy", self.ids, allow_pickle=False)
        np.save(folder / "terms" / "offsets.npy", self.offsets, allow_pickle=False)
        text = json.dumps(list(self.vocabulary), ensure_ascii=False)
        (folder / "terms" / "vocabulary.json").write_text(text, encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, passages: int) -> PassageTerms:
        """The terms of a verified version, checked to fit its ``passages``.

        Raises:
            ValueError: the files do not hold terms for that many passages.
        """
        ids = np.load(folder / "terms" / "ids.npy", allow_pickle=False)
        offsets = np.load(folder / "terms" / "offsets.npy", allow_pickle=False)
        vocabulary = json.loads((folder / "terms" / "vocabulary.json").read_text("utf-8"))
        if (
            not isinstance(vocabulary, list)
            or not all(isinstance(term, str) for term in vocabulary)
            or len(set(vocabulary)) != len(vocabulary)
        ):
            raise ValueError("terms/vocabulary.json is not a list of distinct terms")
        if ids.dtype != np.int32 or ids.ndim != 1 or offsets.dtype != np.int64:
            raise ValueError(f"the terms are {ids.dtype}/{offsets.dtype}, not int32/int64")
        if offsets.shape != (passages + 1,) or offsets[0] != 0 or offsets[-1] != len(ids):
            raise ValueError(f"terms/offsets.npy holds {offsets.shape} offsets for {passages}")
        if (np.diff(offsets) < 0).any() or (
            len(ids) and not 0 <= ids.min() <= ids.max() < len(vocabulary)
        ):
            raise ValueError("the terms' offsets or ids are out of range")
        return cls(tuple(vocabulary), ids, offsets)


def concatenate(pieces: Sequence[tuple[PassageTerms, int, int]]) -> PassageTerms:
    """Passages ``first:last`` of each piece, in order, over one vocabulary.

    The vocabulary holds only the terms still used, as a full build's would.
    """
    index: dict[str, int] = {}
    renumbered: dict[int, np.ndarray] = {}  # each source's ids in the joint vocabulary
    ids, lengths = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for terms, first, last in pieces:
        if id(terms) not in renumbered:
            joint = [index.setdefault(term, len(index)) for term in terms.vocabulary]
            renumbered[id(terms)] = np.array(joint, dtype=np.int64)
        start, stop = terms.offsets[first], terms.offsets[last]
        ids.append(renumbered[id(terms)][terms.ids[start:stop]])
        lengths.append(np.diff(terms.offsets[first : last + 1]))
    flat = np.concatenate(ids)
    used = np.flatnonzero(np.bincount(flat, minlength=len(index)))
    compact = np.zeros(len(index), dtype=np.int32)
    compact[used] = np.arange(len(used), dtype=np.int32)
    vocabulary = list(index)
    return PassageTerms(
        vocabulary=tuple(vocabulary[number] for number in used),
        ids=compact[flat],
        offsets=np.concatenate([[0], np.cumsum(np.concatenate(lengths))]).astype(np.int64),
    )


def combine_statistics(parts: Sequence[PassageTerms]) -> CorpusStatistics:
    """The BM25 statistics of all these passages together (a corpus from its shards)."""
    frequencies: dict[str, int] = {}
    passages = terms = 0
    for part in parts:
        # Each passage counts once per distinct term it holds.
        held = np.zeros(len(part.vocabulary), dtype=np.int64)
        for row in range(len(part)):
            held[np.unique(part.ids[part.offsets[row] : part.offsets[row + 1]])] += 1
        for term, count in zip(part.vocabulary, held.tolist(), strict=True):
            if count:
                frequencies[term] = frequencies.get(term, 0) + count
        passages += len(part)
        terms += int(part.offsets[-1])
    return CorpusStatistics(passages, terms / passages if passages else 0.0, frequencies)

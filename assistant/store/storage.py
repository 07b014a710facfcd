"""Saving and loading a built index, with the promises a database makes for its files.

Each build writes a new version folder (``versions.py``)::

    manifest.json        # format, model, settings, counts, sha256 and size of every file
    articles.jsonl       # one article a line: metadata and cleaned text
    chunks.jsonl         # one passage a line: article, span, sentence spans
    copies.json          # near-identical passages of different articles (copies.py)
    passages.faiss       # passage vectors, as FAISS searches them (maybe quantised)
    passages.npy         # the exact passage vectors, in the order of chunks.jsonl
    sentences.npy        # sentence vectors, in the order of chunks.jsonl
    terms/               # each passage's BM25 terms, so an update need not re-tokenise
    lexical/             # bm25s files (JSON and .npy, no pickle)

The folder is written and fsynced completely, then ``CURRENT`` is switched
to it with one ``os.replace``, so a reader sees the old index or the new
one, never half of one, even if the builder is killed. Loading checks the
manifest, every file's size and sha256, then every count and span, before
FAISS or bm25s read anything they could misread. The vector files are then
memory-mapped: they cost no memory until read, and stay readable after a
later build removes their version (POSIX keeps an unlinked file's data
while it is mapped).

An update reads the previous version through ``load_previous``, which checks
only the files it reuses, as thoroughly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ..corpus.article import Article
from ..corpus.chunking import Chunk
from ..errors import AssistantError, IndexMismatchError, IndexNotFoundError
from .copies import NO_COPIES, Copies
from .lexical import LexicalIndex
from .manifest import COUNT_KEYS, read_manifest_file, verify_files, write_manifest
from .terms import FILES as TERM_FILES
from .terms import PassageTerms
from .vectors import VectorIndex
from .versions import (
    POINTER,
    live_version,
    new_version,
    pointer_name,
    remove_stale_versions,
    switch_to,
)

__all__ = [
    "POINTER",
    "PreviousIndex",
    "StoredIndex",
    "live_manifest",
    "load_index",
    "load_previous",
    "load_previous_version",
    "load_version",
    "read_manifest",
    "save_index",
    "write_version",
]

# Nearest passages asked for beyond k, so that ties at the cut go in row order.
TIE_MARGIN = 16
_REBUILD = "run `python -m assistant build` to rebuild the index"
# Reads retried while builds keep switching CURRENT under the reader.
_ATTEMPTS = 10
T = TypeVar("T")
# Errors the readers of a verified file can still raise on content we did not expect.
_READ_ERRORS = (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError, RuntimeError)
# What an update reads from the previous version; the rest is rebuilt.
_REUSED_FILES = ("articles.jsonl", "chunks.jsonl", "passages.npy", "sentences.npy", *TERM_FILES)
_ARTICLE_FIELDS = tuple(field.name for field in fields(Article))
# What json.dumps(record, ensure_ascii=False) writes, without a new encoder per record.
_JSON = json.JSONEncoder(ensure_ascii=False)
# Rows checked for finite values at a time, so the check needs little memory.
_BLOCK = 65_536


@dataclass(frozen=True, slots=True)
class StoredIndex:
    """Everything a built index holds; the vector arrays are memory-mapped."""

    manifest: dict[str, Any]
    articles: tuple[Article, ...]
    chunks: tuple[Chunk, ...]
    vectors: VectorIndex
    sentence_vectors: np.ndarray
    lexical: LexicalIndex
    folder: Path
    passage_vectors: np.ndarray  # exact, even where ``vectors`` is quantised
    copies: Copies = NO_COPIES  # which passages of different articles are near-identical

    # -- search.backend.SearchBackend: what ranking asks of an index ------------------

    def dense_candidates(
        self, query_vector: np.ndarray, k: int, *, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Cosines and rows of the k nearest passages, best first (row -1: none).

        Equal cosines come in row order, as BM25's equal scores do: FAISS keeps
        no order among them (copies of one passage score the same), so a few more
        are asked for and the k first by (cosine, row) kept, which a sharded
        index's merge keeps too, unless more than ``TIE_MARGIN`` tie at the cut.
        """
        scores, ids = self.vectors.search(query_vector[None, :], k + TIE_MARGIN, rows=rows)
        order = np.lexsort((ids[0], -scores[0]))[:k]
        return scores[0][order], ids[0][order]

    def lexical_candidates(
        self, tokens: list[str], k: int, *, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """BM25 scores and rows of the k best passages for tokenised terms, best first."""
        scores, ids = self.lexical.search_terms([tokens], k, rows=rows)
        return scores[0], ids[0]

    def cosines(self, rows: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
        """The cosine of one unit query vector with each of these rows."""
        return self.vectors.cosines(rows, query_vector)

    def idf(self, terms: list[str]) -> np.ndarray:
        """BM25 inverse document frequency of each term over the whole corpus."""
        return self.lexical.idf(terms)

    def sentence_vectors_at(self, positions: np.ndarray) -> np.ndarray:
        """Unit vectors of these sentences, numbered over every passage's, row after row."""
        # A plain view first: indexing a np.memmap costs more than the dot product after.
        return np.asarray(self.sentence_vectors)[positions]


@dataclass(frozen=True, slots=True)
class PreviousIndex:
    """What an update reuses of the live version, checked like a loaded index."""

    manifest: dict[str, Any]
    articles: tuple[Article, ...]
    chunks: tuple[Chunk, ...]
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray
    terms: PassageTerms
    folder: Path


def read_manifest(index_dir: str | Path) -> dict[str, Any] | None:
    """The live version's manifest if it is intact, else None (files are not hashed)."""
    try:
        return live_manifest(index_dir)
    except IndexMismatchError:
        return None


def live_manifest(index_dir: str | Path) -> dict[str, Any] | None:
    """The live version's manifest, checked; None when no index was ever built.

    Raises:
        IndexMismatchError: the pointer or the manifest is damaged.
    """
    return _read_live(index_dir, read_manifest_file)


def save_index(
    index_dir: str | Path,
    manifest: dict[str, Any],
    articles: list[Article],
    chunks: list[Chunk],
    *,
    vectors: VectorIndex,
    passage_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    terms: PassageTerms,
    lexical: LexicalIndex,
    copies: Copies = NO_COPIES,
) -> Path:
    """Write a new version, make it the live one, remove stale ones; returns its folder.

    Raises:
        AssistantError: the folder cannot be written (no space, no permission);
            the previous index, if any, is still the live one.
    """
    try:
        with new_version(index_dir) as folder:
            write_version(
                folder,
                manifest,
                articles,
                chunks,
                vectors=vectors,
                passage_vectors=passage_vectors,
                sentence_vectors=sentence_vectors,
                terms=terms,
                lexical=lexical,
                copies=copies,
            )
            switch_to(folder)
    except (OSError, RuntimeError) as error:  # faiss reports write errors as RuntimeError
        raise AssistantError(
            f"could not write the index in {str(index_dir)!r} ({error}): check the free disk "
            "space and that you may write there, then build again; the previous index is kept"
        ) from error
    remove_stale_versions(index_dir)
    return folder


def write_version(
    folder: Path,
    manifest: dict[str, Any],
    articles: list[Article],
    chunks: list[Chunk],
    *,
    vectors: VectorIndex,
    passage_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    terms: PassageTerms,
    lexical: LexicalIndex,
    copies: Copies = NO_COPIES,
) -> None:
    """Write every file of one index into an empty folder, manifest last.

    ``save_index`` writes a version this way and switches to it; a sharded index
    (``assistant.cluster``) writes one such folder per shard inside its version.

    Raises:
        OSError, RuntimeError: a file cannot be written.
    """
    folder.mkdir(exist_ok=True)
    _write_jsonl(folder / "articles.jsonl", map(article_record, articles))
    _write_jsonl(folder / "chunks.jsonl", map(chunk_record, chunks))
    (folder / "copies.json").write_text(_JSON.encode(copies.to_dict()), encoding="utf-8")
    vectors.save(folder / "passages.faiss")
    np.save(folder / "passages.npy", passage_vectors, allow_pickle=False)
    np.save(folder / "sentences.npy", sentence_vectors, allow_pickle=False)
    terms.save(folder)
    lexical.save(folder / "lexical")
    write_manifest(folder, manifest)


def load_index(index_dir: str | Path) -> StoredIndex:
    """Load the live version, checking every file against the manifest first.

    A build that switches ``CURRENT`` (and removes the old version) while
    this reads is not an error: the new version is read instead.

    Raises:
        IndexNotFoundError: no index has been built in this folder.
        IndexMismatchError: a file is missing, damaged or from another build.
    """
    stored = _read_live(index_dir, _load_version)
    if stored is None:
        raise IndexNotFoundError(f"no index in {str(index_dir)!r}: run `python -m assistant build`")
    return stored


def load_previous(index_dir: str | Path) -> PreviousIndex | None:
    """What an update may reuse of the live version; None when there is none.

    Only the files an update reads are hashed, but they are checked as
    ``load_index`` checks them, and the passages of each article must be
    consecutive rows, as every build writes them.

    Raises:
        IndexMismatchError: the live version is damaged or from another format.
    """
    return _read_live(index_dir, _load_previous)


def load_version(folder: Path) -> StoredIndex:
    """Load one index folder (a shard's), checking every file as ``load_index`` does.

    Raises:
        IndexMismatchError: a file is missing, damaged or from another build.
    """
    return _load_version(folder)


def load_previous_version(folder: Path) -> PreviousIndex:
    """What an update may reuse of one index folder, checked as ``load_previous`` does.

    Raises:
        IndexMismatchError: the folder is damaged or from another format.
    """
    return _load_previous(folder)


def _read_live(index_dir: str | Path, read: Callable[[Path], T]) -> T | None:
    """``read`` the live version, again if a build switched ``CURRENT`` meanwhile.

    A build removes the version it replaced, so a reader that read the
    pointer just before a switch can find files vanishing under it.
    """
    for attempt in range(_ATTEMPTS):
        name = pointer_name(index_dir)
        try:
            folder = live_version(index_dir)
            return None if folder is None else read(folder)
        except IndexMismatchError:
            if attempt == _ATTEMPTS - 1 or pointer_name(index_dir) == name:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _load_version(folder: Path) -> StoredIndex:
    manifest = read_manifest_file(folder)
    verify_files(folder, manifest)
    articles, chunks = _load_passages(folder, manifest)
    counts = manifest["counts"]
    try:
        passage_vectors = _load_vectors(folder, "passages.npy", manifest)
        sentence_vectors = _load_vectors(folder, "sentences.npy", manifest)
        vectors = VectorIndex.load(folder / "passages.faiss")
        if (len(vectors), vectors.dimension) != (counts["passages"], manifest["dimension"]):
            raise ValueError(f"passages.faiss holds {len(vectors)}x{vectors.dimension} vectors")
        lexical = LexicalIndex.load(folder / "lexical", size=len(chunks))
        if int(lexical.model.scores["num_docs"]) != len(chunks):
            raise ValueError("the BM25 index counts another number of passages")
    except _READ_ERRORS as error:
        raise _damaged(folder, f"its vectors do not match its passages ({error})") from error
    try:
        copies = Copies.from_dict(json.loads((folder / "copies.json").read_bytes()), chunks)
    except _READ_ERRORS as error:
        raise _damaged(folder, f"its copies do not match its passages ({error})") from error
    return StoredIndex(
        manifest,
        articles,
        chunks,
        vectors,
        sentence_vectors,
        lexical,
        folder,
        passage_vectors,
        copies,
    )


def _load_previous(folder: Path) -> PreviousIndex:
    manifest = read_manifest_file(folder)
    verify_files(folder, manifest, only=_REUSED_FILES)
    articles, chunks = _load_passages(folder, manifest)
    try:
        _check_grouped(chunks)
        passage_vectors = _load_vectors(folder, "passages.npy", manifest)
        sentence_vectors = _load_vectors(folder, "sentences.npy", manifest)
        terms = PassageTerms.load(folder, len(chunks))
    except _READ_ERRORS as error:
        raise _damaged(
            folder, f"its vectors or terms do not match its passages ({error})"
        ) from error
    return PreviousIndex(
        manifest, articles, chunks, passage_vectors, sentence_vectors, terms, folder
    )


def _load_passages(
    folder: Path, manifest: dict[str, Any]
) -> tuple[tuple[Article, ...], tuple[Chunk, ...]]:
    """The articles and passages of a verified version, checked against its counts."""
    counts = manifest["counts"]
    try:
        articles = tuple(Article(**record) for record in _read_jsonl(folder / "articles.jsonl"))
        texts = {article.id: article.text for article in articles}
        records = _read_jsonl(folder / "chunks.jsonl")
        chunks = tuple(chunk_from_record(row, record, texts) for row, record in enumerate(records))
    except _READ_ERRORS as error:
        raise _damaged(folder, f"its metadata is unreadable ({error})") from error
    found = dict(zip(COUNT_KEYS, (len(articles), len(chunks), _sentences(chunks)), strict=True))
    if found != {key: counts[key] for key in COUNT_KEYS} or len(texts) != len(articles):
        raise _damaged(folder, f"it holds {found}, its manifest says {counts}")
    if any(not isinstance(getattr(a, name), str) for a in articles for name in Article.__slots__):
        raise _damaged(folder, "an article record is not text")
    expected = {
        "passages.faiss": counts["passages"],
        "passages.npy": counts["passages"],
        "sentences.npy": counts["sentences"],
    }
    if manifest["vector_count"] != expected:
        raise _damaged(folder, f"it counts {manifest['vector_count']} vectors for {found}")
    return articles, chunks


def _load_vectors(folder: Path, name: str, manifest: dict[str, Any]) -> np.ndarray:
    """A verified .npy of vectors, memory-mapped read-only, checked row block by block."""
    vectors = np.load(folder / name, mmap_mode="r", allow_pickle=False)
    count, dimension = manifest["vector_count"][name], manifest["dimension"]
    if vectors.dtype != np.float32 or vectors.shape != (count, dimension):
        raise ValueError(f"{name} holds {vectors.shape} {vectors.dtype} for {count}x{dimension}")
    if not all(np.isfinite(vectors[row : row + _BLOCK]).all() for row in range(0, count, _BLOCK)):
        raise ValueError(f"{name} holds values that are not finite numbers")
    return vectors


def _check_grouped(chunks: tuple[Chunk, ...]) -> None:
    """Each article's passages are consecutive rows, numbered from 0."""
    done: set[str] = set()
    for row, chunk in enumerate(chunks):
        previous = chunks[row - 1].article_id if row else None
        if chunk.article_id != previous:
            if chunk.article_id in done or chunk.position != 0:
                raise ValueError(f"row {row + 1} of chunks.jsonl is out of its article's order")
            done.add(chunk.article_id)
        elif chunk.position != chunks[row - 1].position + 1:
            raise ValueError(f"row {row + 1} of chunks.jsonl is out of its article's order")


def _sentences(chunks: tuple[Chunk, ...]) -> int:
    return sum(len(chunk.sentences) for chunk in chunks)


def _damaged(folder: Path, problem: str) -> IndexMismatchError:
    return IndexMismatchError(f"the index in {str(folder)!r} is damaged: {problem}; {_REBUILD}")


def article_record(article: Article) -> dict[str, str]:
    # Not dataclasses.asdict, which deep-copies every value: ten times slower.
    return {name: getattr(article, name) for name in _ARTICLE_FIELDS}


def chunk_record(chunk: Chunk) -> dict[str, Any]:
    # The text is a slice of the article, so only the span is stored.
    return {
        "id": chunk.id,
        "article_id": chunk.article_id,
        "position": chunk.position,
        "start": chunk.start,
        "end": chunk.end,
        "sentences": [list(span) for span in chunk.sentences],
    }


def chunk_from_record(row: int, record: dict[str, Any], texts: dict[str, str]) -> Chunk:
    """A passage back from its record; its spans must lie inside its article."""
    sentences = tuple((start, end) for start, end in record.pop("sentences"))
    start, end, article_id = record["start"], record["end"], record["article_id"]
    text = texts.get(article_id) if isinstance(article_id, str) else None
    numbers = (record["position"], start, end, *(n for span in sentences for n in span))
    if (
        text is None
        or not isinstance(record["id"], str)
        or any(type(number) is not int for number in numbers)
        or not 0 <= start < end <= len(text)
        or not sentences
        or any(not start <= first < last <= end for first, last in sentences)
    ):
        raise ValueError(f"row {row + 1} of chunks.jsonl does not fit its article")
    # A missing, unknown or repeated field raises TypeError here.
    return Chunk(text=text[start:end], sentences=sentences, **record)


def _write_jsonl(path: Path, records) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(_JSON.encode(record) + "\n" for record in records)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]

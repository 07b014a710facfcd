"""Saving and loading a built index: versioned folders behind a pointer file.

Layout under the index folder::

    CURRENT                  # name of the live version, replaced atomically
    v-<time>-<pid>/
        manifest.json        # format, model, settings, corpus fingerprint, sha256 of files
        articles.jsonl       # one article a line: metadata and cleaned text
        chunks.jsonl         # one passage a line: article, span, sentence spans
        passages.faiss       # passage vectors
        sentences.npy        # sentence vectors, in the order of chunks.jsonl
        lexical/             # bm25s files (JSON and .npy, no pickle)

A build writes a new version folder completely, then switches ``CURRENT`` to
it with one ``os.replace``, so a reader sees the old index or the new one,
never half of one. Older versions are removed after the switch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .chunking import Chunk
from .config import INDEX_FORMAT_VERSION
from .corpus import Article
from .errors import IndexMismatchError, IndexNotFoundError
from .lexical_index import LexicalIndex
from .vector_index import VectorIndex

POINTER = "CURRENT"


@dataclass(frozen=True, slots=True)
class StoredIndex:
    """Everything a built index holds, loaded into memory."""

    manifest: dict[str, Any]
    articles: tuple[Article, ...]
    chunks: tuple[Chunk, ...]
    vectors: VectorIndex
    sentence_vectors: np.ndarray
    lexical: LexicalIndex
    folder: Path


def read_manifest(index_dir: str | Path) -> dict[str, Any] | None:
    """The live version's manifest, or None when there is no usable index."""
    folder = current_folder(index_dir)
    if folder is None:
        return None
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def current_folder(index_dir: str | Path) -> Path | None:
    pointer = Path(index_dir) / POINTER
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    folder = Path(index_dir) / name
    return folder if name and folder.is_dir() else None


def save_index(
    index_dir: str | Path,
    manifest: dict[str, Any],
    articles: list[Article],
    chunks: list[Chunk],
    vectors: VectorIndex,
    sentence_vectors: np.ndarray,
    lexical: LexicalIndex,
) -> Path:
    """Write a new version and make it the live one; returns its folder."""
    root = Path(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    folder = root / f"v-{stamp}-{os.getpid()}"
    folder.mkdir()
    _write_jsonl(folder / "articles.jsonl", (asdict(article) for article in articles))
    _write_jsonl(folder / "chunks.jsonl", (_chunk_record(chunk) for chunk in chunks))
    vectors.save(folder / "passages.faiss")
    np.save(folder / "sentences.npy", sentence_vectors, allow_pickle=False)
    lexical.save(folder / "lexical")
    files = {
        path.relative_to(folder).as_posix(): _sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
    manifest = {**manifest, "format_version": INDEX_FORMAT_VERSION, "files": files}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    _fsync_tree(folder)
    temporary = root / f"{POINTER}.tmp-{os.getpid()}"
    temporary.write_text(folder.name, encoding="utf-8")
    _fsync_file(temporary)
    os.replace(temporary, root / POINTER)
    _fsync_file(root)
    _remove_old_versions(root, keep=folder.name)
    return folder


def load_index(index_dir: str | Path) -> StoredIndex:
    """Load the live version, checking every file against the manifest first.

    Raises:
        IndexNotFoundError: no index has been built in this folder.
        IndexMismatchError: a file is missing, damaged or from another build.
    """
    folder = current_folder(index_dir)
    if folder is None:
        raise IndexNotFoundError(f"no index in {str(index_dir)!r}: run `python -m assistant build`")
    manifest = read_manifest(index_dir)
    if manifest is None or manifest.get("format_version") != INDEX_FORMAT_VERSION:
        raise IndexMismatchError(
            f"the index in {str(folder)!r} was written by another version or is damaged: "
            "run `python -m assistant build` to rebuild it"
        )
    for name, expected in manifest.get("files", {}).items():
        path = folder / name
        if not path.is_file() or _sha256(path) != expected:
            raise IndexMismatchError(
                f"index file {str(path)!r} is missing or damaged: "
                "run `python -m assistant build` to rebuild the index"
            )
    articles = tuple(Article(**record) for record in _read_jsonl(folder / "articles.jsonl"))
    texts = {article.id: article.text for article in articles}
    chunks = tuple(_chunk_from(record, texts) for record in _read_jsonl(folder / "chunks.jsonl"))
    vectors = VectorIndex.load(folder / "passages.faiss")
    sentence_vectors = np.load(folder / "sentences.npy", allow_pickle=False)
    lexical = LexicalIndex.load(folder / "lexical", size=len(chunks))
    sentence_count = sum(len(chunk.sentences) for chunk in chunks)
    if len(vectors) != len(chunks) or len(sentence_vectors) != sentence_count:
        raise IndexMismatchError(
            f"the index in {str(folder)!r} holds {len(vectors)} vectors for {len(chunks)} "
            "passages: run `python -m assistant build` to rebuild it"
        )
    return StoredIndex(manifest, articles, chunks, vectors, sentence_vectors, lexical, folder)


def _chunk_record(chunk: Chunk) -> dict[str, Any]:
    # The text is a slice of the article, so only the span is stored.
    record = asdict(chunk)
    del record["text"]
    record["sentences"] = [list(span) for span in chunk.sentences]
    return record


def _chunk_from(record: dict[str, Any], texts: dict[str, str]) -> Chunk:
    sentences = tuple((int(start), int(end)) for start, end in record.pop("sentences"))
    text = texts[record["article_id"]][record["start"] : record["end"]]
    return Chunk(text=text, sentences=sentences, **record)


def _write_jsonl(path: Path, records) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_file(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        _fsync_file(path)
    _fsync_file(folder)


def _remove_old_versions(root: Path, keep: str) -> None:
    # Only versions older than the new one: a younger folder may be another
    # process's build still in progress.
    for path in root.glob("v-*"):
        if path.is_dir() and path.name < keep:
            shutil.rmtree(path, ignore_errors=True)
    for path in root.glob(f"{POINTER}.tmp-*"):
        path.unlink(missing_ok=True)

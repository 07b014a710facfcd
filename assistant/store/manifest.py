"""The manifest of an index version: what was built, and the checksum of every file.

``manifest.json`` seals itself: ``manifest_sha256`` is the sha256 of the rest
of the manifest in canonical JSON, so a flipped byte anywhere in it is caught
before any of its values is trusted. It also names its own version folder, so
a manifest copied in from another build is caught even when the files match.
Every other file of the version is listed with its size and sha256, and a
file that is missing, changed or not listed makes the version unusable.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from pathlib import Path
from typing import Any

from ..config import INDEX_FORMAT_VERSION
from ..errors import IndexMismatchError
from ..files import sha256_file

MANIFEST = "manifest.json"
# The files the loader reads; bm25s's own files under lexical/ are listed too.
REQUIRED_FILES = (
    "articles.jsonl",
    "chunks.jsonl",
    "copies.json",
    "passages.faiss",
    "passages.npy",
    "sentences.npy",
    "terms/ids.npy",
    "terms/offsets.npy",
    "terms/vocabulary.json",
    "lexical/params.index.json",
)
# Keys the rest of the package reads from a manifest, with their types.
REQUIRED_KEYS: dict[str, type | tuple[type, ...]] = {
    "format_version": int,
    "version": str,
    "model": str,
    "model_fingerprint": str,
    "code_fingerprint": str,
    "corpus_fingerprint": str,
    "index_settings": dict,
    "settings": dict,
    "dimension": int,
    "counts": dict,
    "vector_count": dict,
    "skipped": list,
    "built_at": str,
    "faiss_version": str,
    "update": dict,
    "files": dict,
    "manifest_sha256": str,
}
COUNT_KEYS = ("articles", "passages", "sentences")
_REBUILD = "run `python -m assistant build` to rebuild the index"


def write_manifest(folder: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """List every file of a finished version folder, seal the manifest, write it."""
    files = {
        path.relative_to(folder).as_posix(): {
            "bytes": path.stat().st_size,
            "sha256": sha256_file(path),
        }
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }
    manifest = {
        **manifest,
        "format_version": INDEX_FORMAT_VERSION,
        "version": folder.name,
        "files": files,
    }
    manifest["manifest_sha256"] = manifest_checksum(manifest)
    (folder / MANIFEST).write_bytes(_serialise(manifest))
    return manifest


def read_manifest_file(folder: Path) -> dict[str, Any]:
    """The manifest of a version folder, checked to be intact and complete.

    Raises:
        IndexMismatchError: it is missing, not JSON, altered, from another
            version folder or another index format, or lacks a field.
    """
    path = folder / MANIFEST
    try:
        if path.is_symlink():
            raise ValueError("it is a link, not a file written by the build")
        raw = path.read_bytes()
        manifest = json.loads(raw.decode("utf-8"))
    except FileNotFoundError as error:
        problem = f"the index manifest {str(path)!r} is missing: {_REBUILD}"
        raise IndexMismatchError(problem) from error
    except (OSError, ValueError) as error:
        raise IndexMismatchError(
            f"the index manifest {str(path)!r} is damaged ({error}): {_REBUILD}"
        ) from error
    version = manifest.get("format_version") if isinstance(manifest, dict) else None
    if isinstance(version, int) and version != INDEX_FORMAT_VERSION:
        raise IndexMismatchError(
            f"the index in {str(folder)!r} was written in format "
            f"{manifest.get('format_version')!r}, this version reads format "
            f"{INDEX_FORMAT_VERSION}: {_REBUILD}"
        )
    # The seal catches a changed value; the byte comparison, changed layout.
    sealed = isinstance(manifest, dict) and manifest.get("manifest_sha256") == manifest_checksum(
        manifest
    )
    if not sealed or raw != _serialise(manifest):
        raise IndexMismatchError(
            f"the index manifest {str(path)!r} was altered or damaged "
            f"(its checksum does not match): {_REBUILD}"
        )
    for key, kind in REQUIRED_KEYS.items():
        if not isinstance(manifest.get(key), kind) or isinstance(manifest.get(key), bool):
            raise IndexMismatchError(
                f"the index manifest {str(path)!r} lacks a valid {key!r}: {_REBUILD}"
            )
    counts = [manifest["counts"].get(key) for key in COUNT_KEYS]
    if not all(isinstance(count, int) and count >= 0 for count in counts):
        raise IndexMismatchError(f"the index manifest {str(path)!r} has bad counts: {_REBUILD}")
    if manifest["version"] != folder.name:
        raise IndexMismatchError(
            f"the index manifest in {str(folder)!r} belongs to another build "
            f"({manifest['version']!r}): {_REBUILD}"
        )
    return manifest


def verify_files(
    folder: Path, manifest: dict[str, Any], *, only: Collection[str] | None = None
) -> None:
    """Check sizes, then checksums, of every file; nothing else may be present.

    Args:
        folder: the version folder.
        manifest: its manifest, as ``read_manifest_file`` returned it.
        only: when given, check only these files (those a reader will open);
            the others must still be present and listed.

    Raises:
        IndexMismatchError: a file is missing, truncated, changed, unlisted,
            or cannot be read (it may be being removed by a newer build).
    """
    try:
        _verify_files(folder, manifest["files"], only)
    except OSError as error:
        raise IndexMismatchError(
            f"cannot read the index files in {str(folder)!r} ({error}): {_REBUILD}"
        ) from error


def _verify_files(folder: Path, listed: dict[str, Any], only: Collection[str] | None) -> None:
    for name in REQUIRED_FILES:
        if name not in listed:
            raise IndexMismatchError(
                f"the index manifest in {str(folder)!r} does not list {name!r}: {_REBUILD}"
            )
    paths = [path for path in folder.rglob("*") if path.is_symlink() or not path.is_dir()]
    present = {path.relative_to(folder).as_posix() for path in paths} - {MANIFEST}
    # Only files of this folder are ever opened: a listed name such as
    # "../x" is never present, and a planted link or extra file is refused.
    strays = sorted(name for name in present if name not in listed or (folder / name).is_symlink())
    if strays:
        raise IndexMismatchError(
            f"index file {str(folder / strays[0])!r} is not part of this build "
            f"(not a plain file listed in its manifest): {_REBUILD}"
        )
    for name, entry in listed.items():
        path = folder / name
        if name not in present or not isinstance(entry, dict):
            raise IndexMismatchError(f"index file {str(path)!r} is missing: {_REBUILD}")
        if only is not None and name not in only:
            continue
        size = path.stat().st_size
        if size != entry.get("bytes"):
            raise IndexMismatchError(
                f"index file {str(path)!r} is damaged: {size} bytes where "
                f"{entry.get('bytes')} were written: {_REBUILD}"
            )
        if sha256_file(path) != entry.get("sha256"):
            raise IndexMismatchError(
                f"index file {str(path)!r} is damaged or from another build "
                f"(its sha256 does not match the manifest): {_REBUILD}"
            )


def manifest_checksum(manifest: dict[str, Any]) -> str:
    """sha256 of the manifest without its own checksum, in canonical JSON."""
    rest = {key: value for key, value in manifest.items() if key != "manifest_sha256"}
    canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _serialise(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")

"""The catalog of a sharded index: its shards, the corpus order and statistics, sealed.

A sharded index is one version folder (``store.versions``) holding
``catalog.json`` and one complete stored index per shard::

    CURRENT
    v-<time>-<pid>-<rand>/
        catalog.json     # shards, article order, corpus-wide BM25 statistics, copies
        shard-000/       # a stored index (manifest.json, FAISS, bm25s, ...)
        shard-001/
        ...

Every shard of a version is written before ``CURRENT`` switches, so the whole
cluster moves from one version to the next at once. ``catalog_sha256`` seals
the catalog as ``manifest_sha256`` seals a manifest; each shard's own manifest
seals its files.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import IndexMismatchError
from ..store.manifest import manifest_checksum
from ..store.versions import live_version

CATALOG = "catalog.json"
CATALOG_FORMAT = 2  # 2: the corpus's copies
_REBUILD = "run `python -m assistant build --shards N` to rebuild the sharded index"


@dataclass(frozen=True, slots=True)
class Catalog:
    """What the front end of a sharded index knows before asking any shard.

    Attributes:
        shards: how many shards articles are hashed over (``sharding.shard_of``).
        folders: the shard folders of this version that hold articles, by shard number.
        articles: every article id, in corpus order: passage rows are numbered in it.
        passages: how many passages all shards hold (BM25's document count).
        average_length: their mean number of BM25 terms.
        key: the fields an update or a load compares (model, settings, code).
        manifest: what ``Assistant.info`` shows (counts, dimension, build time, ...).
        copies: the near-identical passages of different articles over all
            shards (``store.copies.Copies.to_dict``): copies of one story often
            hash to different shards, so they are found over the whole corpus.
    """

    shards: int
    folders: dict[str, str]
    articles: tuple[str, ...]
    passages: int
    average_length: float
    key: dict[str, Any]
    manifest: dict[str, Any]
    copies: dict[str, Any] = field(default_factory=dict)

    def shard_folders(self) -> list[str]:
        """The shard folders, in shard order: the order shard pools number them in."""
        return [self.folders[key] for key in sorted(self.folders, key=int)]

    def save(self, folder: Path) -> None:
        record = {"format_version": CATALOG_FORMAT, **asdict(self)}
        record["articles"] = list(self.articles)
        record["catalog_sha256"] = manifest_checksum(record)
        (folder / CATALOG).write_text(json.dumps(record, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Catalog:
        """The catalog of a version folder, checked.

        Raises:
            IndexMismatchError: it is missing, damaged, altered or of another format.
        """
        path = folder / CATALOG
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            sealed = record.pop("catalog_sha256", None)
            if sealed != manifest_checksum(record):
                raise ValueError("its checksum does not match")
            if record.pop("format_version", None) != CATALOG_FORMAT:
                raise ValueError(f"it is not of format {CATALOG_FORMAT}")
            catalog = cls(**record)
            names = set(catalog.folders.values())
            if not all(isinstance(name, str) and (folder / name).is_dir() for name in names):
                raise ValueError("it names a shard folder that is missing")
        except FileNotFoundError as error:
            raise IndexMismatchError(
                f"no sharded index catalog at {str(path)!r}: {_REBUILD}"
            ) from error
        except (OSError, ValueError, TypeError, AttributeError) as error:
            raise IndexMismatchError(
                f"the sharded index catalog {str(path)!r} is damaged ({error}): {_REBUILD}"
            ) from error
        return cls(
            shards=catalog.shards,
            folders=dict(catalog.folders),
            articles=tuple(catalog.articles),
            passages=catalog.passages,
            average_length=catalog.average_length,
            key=dict(catalog.key),
            manifest=dict(catalog.manifest),
            copies=dict(catalog.copies),
        )


def live_catalog(index_dir: str | Path) -> tuple[Path, Catalog] | None:
    """The live version folder of a sharded index and its catalog; None before a build.

    Raises:
        IndexMismatchError: the pointer or the catalog is damaged.
    """
    folder = live_version(index_dir)
    return None if folder is None else (folder, Catalog.load(folder))

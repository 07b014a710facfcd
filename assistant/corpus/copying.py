"""Writing a copy into the corpus folder: a safe name that fits, and never half a file.

A copy is written under a hidden temporary name in the corpus folder
(``.adding-<random>-<name>``), synced, and only then linked to its own name, which
must not exist yet (``os.link`` refuses to overwrite, as ``O_EXCL`` does). A process
killed while copying leaves at most the hidden file, which the loader never reads
(hidden names are ignored) and ``python -m assistant info`` lists for removal; the
corpus never holds half an article under a name it reads.

Names are made safe (word characters, dots and dashes) and short enough for the
file system (``NAME_MAX``, counted in UTF-8 bytes), leaving room for the temporary
prefix and for a companion's suffix (``.fetched.json``, ``.columns``).
"""

from __future__ import annotations

import errno
import os
import re
import secrets
from pathlib import Path

from ..errors import CorpusError
from ..files import fsync_path
from .columns import COLUMNS_SUFFIX, columns_file
from .records import RECORD_SUFFIX, record_path

PARTIAL_PREFIX = ".adding-"
# ".adding-" + 16 hex digits + "-" before the copy's own name.
_PARTIAL_BYTES = len(PARTIAL_PREFIX) + 16 + 1
_COMPANION_BYTES = max(len(RECORD_SUFFIX), len(COLUMNS_SUFFIX))
_UNSAFE_NAME = re.compile(r"[^\w.-]+")
_PARTIAL_NAME = re.compile(rf"^{re.escape(PARTIAL_PREFIX)}[0-9a-f]{{16}}-")
# Where a file system has no hard links, the name is claimed with O_EXCL instead.
_NO_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK, errno.ENOSYS}


def name_limit(folder: Path) -> int:
    """The longest file name ``folder``'s file system takes, in bytes (255 when it won't say)."""
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def unique_name(path: Path, folder: Path) -> str:
    """A file name for a copy of ``path`` that no entry of ``folder`` has.

    Only word characters, dots and dashes are kept, so the name cannot lead out of
    the folder, hide the file (a leading dot) or need quoting; ``-2``, ``-3``... are
    added to the stem until the name is free. The stem is shortened (whole
    characters) so that the name, its temporary name and its companions fit the
    file system's limit.
    """
    budget = name_limit(folder) - _PARTIAL_BYTES - _COMPANION_BYTES
    stem = _UNSAFE_NAME.sub("-", path.stem).strip("-.") or "article"
    suffix = path.suffix.lower()
    name, number = _fitted(stem, suffix, budget), 1
    # A record or mapping file left without its file must not be taken up by a new one.
    while any(
        candidate.exists() or candidate.is_symlink()
        for candidate in (folder / name, columns_file(folder / name), record_path(folder / name))
    ):
        number += 1
        name = _fitted(stem, f"-{number}{suffix}", budget)
    return name


def _fitted(stem: str, tail: str, budget: int) -> str:
    """``stem + tail`` in at most ``budget`` UTF-8 bytes, the stem cut at a whole character."""
    room = budget - len(tail.encode())
    used = 0
    for end, character in enumerate(stem):
        used += len(character.encode())
        if used > room:
            stem = stem[:end].rstrip("-.") or "article"
            break
    return stem + tail


def write_new(target: Path, raw: bytes) -> Path:
    """Write ``raw`` to a file that must not exist yet: whole or not at all; never overwrites.

    Raises:
        CorpusError: the file appeared meanwhile, or cannot be written.
    """
    partial = target.with_name(f"{PARTIAL_PREFIX}{secrets.token_hex(8)}-{target.name}")
    linked = False
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            view = memoryview(raw)
            while view:
                view = view[os.write(descriptor, view[: 1 << 20]) :]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        _link(partial, target)
        linked = True
        fsync_path(target.parent)
    except OSError as error:
        if linked:  # ours, but its entry may not be on disk: not a copy to report
            target.unlink(missing_ok=True)
        raise CorpusError(f"it cannot be copied to {target} ({error.strerror or error})") from error
    finally:
        # Gone already where the copy was renamed into place; else a second name for it.
        partial.unlink(missing_ok=True)
    return target


def _link(partial: Path, target: Path) -> None:
    """Give the synced ``partial`` the name ``target``, which must be free.

    Raises:
        FileExistsError: ``target`` exists (made since ``unique_name`` looked).
    """
    try:
        os.link(partial, target)
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno not in _NO_LINKS:
            raise
        # No hard links here: claim the name with O_EXCL, then put the copy over our own
        # empty claim. A kill in between leaves an empty file, which the loader refuses.
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        os.replace(partial, target)


def unfinished_copies(folder: Path) -> list[Path]:
    """The temporary files that copies stopped midway left in ``folder`` (a killed ``add``)."""
    try:
        return sorted(path for path in folder.iterdir() if _PARTIAL_NAME.match(path.name))
    except OSError:
        return []

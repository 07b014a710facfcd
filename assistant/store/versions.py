"""Version folders of an index, the pointer to the live one, and their clean-up.

Layout under the index folder::

    CURRENT                  # name of the live version, replaced atomically
    v-<time>-<pid>-<rand>/   # one complete build
    v-<time>-<pid>-<rand>.lock

A builder creates and locks ``<version>.lock`` (``fcntl.flock``) before it
creates the version folder, and holds the lock until it has switched
``CURRENT``. The kernel drops the lock when the builder dies, even on SIGKILL,
so clean-up can tell a build in progress (lock held) from one that was killed
(lock free) without trusting process ids, which are reused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ..errors import IndexMismatchError
from ..files import fsync_path

try:  # POSIX; elsewhere builds are not locked and clean-up is conservative.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

POINTER = "CURRENT"
# Folders named before the random part was added still match, so they get cleaned up.
_VERSION = re.compile(r"v-\d{8}T\d{12}-\d{1,10}(?:-[0-9a-f]{8})?")
_REBUILD = "run `python -m assistant build` to rebuild the index"


def is_version_name(name: str) -> bool:
    """True for a name a build could have given its folder (no paths, no dots)."""
    return _VERSION.fullmatch(name) is not None


def live_version(index_dir: str | Path) -> Path | None:
    """The folder ``CURRENT`` names, or None when no index was ever switched in.

    Raises:
        IndexMismatchError: ``CURRENT`` is unreadable, holds something other
            than a version name (garbage, a path such as ``../../etc``), or
            names a folder that does not exist.
    """
    root = Path(index_dir)
    pointer = root / POINTER
    try:
        raw = pointer.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise IndexMismatchError(f"cannot read {str(pointer)!r} ({error}): {_REBUILD}") from error
    name = raw.decode("ascii", errors="replace").strip()
    if not is_version_name(name):
        shown = name[:60] + ("..." if len(name) > 60 else "")
        raise IndexMismatchError(
            f"{str(pointer)!r} should hold the name of an index version such as "
            f"'v-20260101T000000000000-123-0a1b2c3d' but holds {shown!r}: {_REBUILD}"
        )
    folder = root / name
    if not folder.is_dir() or folder.is_symlink():
        raise IndexMismatchError(
            f"{str(pointer)!r} names the index version {name!r}, but that folder is missing: "
            f"{_REBUILD}"
        )
    return folder


@contextlib.contextmanager
def new_version(index_dir: str | Path) -> Iterator[Path]:
    """Create and lock a fresh version folder for a build; unlock it on exit.

    The folder is left behind if the build fails or is killed: it is not
    live, and ``remove_stale_versions`` deletes it once its lock is free.
    """
    root = Path(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    while True:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        name = f"v-{stamp}-{os.getpid()}-{secrets.token_hex(4)}"
        lock = _create_lock(root / f"{name}.lock")
        if lock is not None:
            break
    try:
        folder = root / name
        folder.mkdir()
        yield folder
    finally:
        lock.close()
        if fcntl is None:  # the lock file alone marks a build in progress
            (root / f"{name}.lock").unlink(missing_ok=True)


def switch_to(folder: Path) -> None:
    """Make a complete, synced version folder the live one, atomically and durably."""
    root = folder.parent
    _fsync_tree(folder)
    fsync_path(root)  # the new folder's own entry
    temporary = root / f"{POINTER}.tmp-{folder.name}"
    with temporary.open("w", encoding="ascii") as handle:
        handle.write(folder.name)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, root / POINTER)
    fsync_path(root)  # the rename itself


def remove_stale_versions(index_dir: str | Path) -> list[str]:
    """Delete every version that is neither live nor being built; returns their names.

    A version is deleted only while its lock is held here and after
    ``CURRENT`` has been read again under that lock, so neither the live
    version nor a concurrent build in progress is ever removed.
    """
    root = Path(index_dir)
    names = {path.name.removesuffix(".lock") for path in root.glob("v-*")}
    names |= {path.name.removeprefix(f"{POINTER}.tmp-") for path in root.glob(f"{POINTER}.tmp-*")}
    return [name for name in sorted(names) if is_version_name(name) and _remove(root, name)]


def _remove(root: Path, name: str) -> bool:
    lock_path = root / f"{name}.lock"
    with _try_lock(lock_path) as held:
        # Not held: a build in progress, or another process cleaning up.
        if not held or pointer_name(root) == name:
            return False
        logger.info("removing index version %s, which is not live", name)
        try:
            folder = root / name
            if folder.is_dir() and not folder.is_symlink():
                shutil.rmtree(folder)
            (root / f"{POINTER}.tmp-{name}").unlink(missing_ok=True)
            lock_path.unlink(missing_ok=True)  # last: it guarded the rest
        except OSError as error:
            logger.warning("could not remove index version %s: %s", name, error)
            return False
        return True


def pointer_name(index_dir: str | Path) -> str | None:
    """What ``CURRENT`` holds, unchecked; None when it is missing or unreadable."""
    try:
        return (Path(index_dir) / POINTER).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _create_lock(path: Path) -> IO[bytes] | None:
    """Create and lock a new lock file; None if the name is taken or was lost."""
    try:
        handle = path.open("xb")
    except FileExistsError:
        return None
    if fcntl is not None and not _lock(handle, path, wait=True):
        return None
    return handle


@contextlib.contextmanager
def _try_lock(path: Path) -> Iterator[bool]:
    """Hold the lock of a version if it is free; yields whether it is held."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        # Builders create the lock before the folder, so a version without one
        # is from an older release or half-removed: not a build in progress.
        yield True
        return
    try:
        # Without flock nobody can tell a live build from a dead one: keep it.
        yield fcntl is not None and _lock(handle, path, wait=False)
    finally:
        handle.close()


def _lock(handle: IO[bytes], path: Path, *, wait: bool) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        # A cleaner may have unlinked the file between our open and flock.
        if os.fstat(handle.fileno()).st_ino == path.stat().st_ino:
            return True
    except OSError:
        pass
    handle.close()
    return False


def _fsync_tree(folder: Path) -> None:
    # Files first, then the folders holding them, deepest first.
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        fsync_path(path)
    fsync_path(folder)

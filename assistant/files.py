"""File helpers that every room may use: a file's checksum, a bounded read, flushing to disk.

Base level, beside ``errors`` and ``config``: it imports nothing of the package, so that
the encoders (which cache ONNX files) and the store (which seals index versions) share it.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path


class NotRegularFileError(OSError):
    """The path is a folder, a pipe or a device, not a plain file."""


def read_bounded(path: Path, limit: int) -> bytes:
    """A plain file's bytes, at most ``limit + 1`` of them.

    One byte over the limit tells a file at the limit from a bigger one without
    reading the rest of a huge file. Opened non-blocking, so that a named pipe
    cannot hang the reader.

    Raises:
        NotRegularFileError: a folder, a pipe or a device.
        OSError: it cannot be opened or read.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise NotRegularFileError(f"{path} is not a regular file")
        return handle.read(limit + 1)


def sha256_file(path: Path) -> str:
    """The sha256 of a file's bytes, read 1 MiB at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_path(path: Path) -> None:
    """Flush a file's or a folder's entry to disk (a folder's, to make renames in it durable)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)

"""Zip archives read with a hard cap on what they inflate to, whatever they declare.

A zip's directory states each entry's sizes, and a hostile one lies: an entry declared
at a few kilobytes may inflate to gigabytes, and ``ZipFile.read`` asks zlib for up to
2 GiB in one call before cutting the output to the declared size. Here an entry is
inflated in ``CHUNK`` pieces through ``ZipFile.open`` and every byte actually produced
is counted against a ``ZipBudget`` (per entry and in all), so reading stops one chunk
past a cap, however the directory lies. Only stored and deflated entries are read:
bzip2 and LZMA inflate a whole compressed chunk at once, with no bound on the output.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..errors import CorpusError

# What one inflate step may produce: small enough that an over-cap entry costs at most
# this much past its cap in memory.
CHUNK = 1 << 16
_BOUNDED_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})


@dataclass(slots=True)
class ZipBudget:
    """How many bytes the entries read from one zip may inflate to, and how many did.

    Attributes:
        part_bytes: the most one entry may inflate to.
        total_bytes: the most all the entries read may inflate to together.
        inflated: the bytes produced so far, all entries together.
    """

    part_bytes: int
    total_bytes: int
    inflated: int = field(default=0)

    def spend(self, name: str, part: int, size: int, cap: int | None = None) -> None:
        """Count ``size`` more bytes of entry ``name`` (``part`` of it so far, these included).

        Args:
            cap: this entry's own cap, when lower than ``part_bytes``.

        Raises:
            CorpusError: the entry or the zip went over its cap.
        """
        self.inflated += size
        cap = min(cap or self.part_bytes, self.part_bytes)
        if part > cap:
            raise CorpusError(
                f"its part {name!r} inflates past {cap:,} bytes (whatever its "
                "directory declares): refused as a possible zip bomb"
            )
        if self.inflated > self.total_bytes:
            raise CorpusError(
                f"its parts inflate past {self.total_bytes:,} bytes in all (whatever its "
                "directory declares): refused as a possible zip bomb"
            )


def open_zip(raw: bytes, *, what: str) -> zipfile.ZipFile:
    """The zip of ``raw``; its entries are read with ``stream_entry``.

    Raises:
        CorpusError: not a zip, or a damaged one (``what`` names what it should be).
    """
    try:
        return zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError, EOFError) as error:
        raise CorpusError(
            f"the file is a damaged zip ({error}), so no {what}: save it again"
        ) from error


def stream_entry(
    archive: zipfile.ZipFile, name: str, budget: ZipBudget, *, cap: int | None = None
) -> Iterator[bytes]:
    """An entry's bytes, inflated ``CHUNK`` at a time and counted against ``budget``.

    Args:
        cap: the entry's own cap, when lower than the budget's ``part_bytes``.

    Raises:
        CorpusError: no such entry, a compression method with no bounded inflate, a
            damaged entry (a bad CRC, as a lying size gives), or over the budget.
    """
    try:
        entry = archive.getinfo(name)
    except KeyError as error:
        raise CorpusError(f"the zip has no part {name!r}") from error
    if entry.compress_type not in _BOUNDED_METHODS:
        raise CorpusError(
            f"its part {name!r} is compressed with method {entry.compress_type} (only stored "
            "and deflated parts are read): save it again"
        )
    produced = 0
    try:
        with archive.open(entry) as handle:
            while chunk := handle.read(CHUNK):
                produced += len(chunk)
                budget.spend(name, produced, len(chunk), cap)
                yield chunk
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, OSError) as error:
        raise CorpusError(f"its part {name!r} is damaged ({error}): save it again") from error


def read_entry(
    archive: zipfile.ZipFile, name: str, budget: ZipBudget, *, cap: int | None = None
) -> bytes:
    """An entry's bytes, whole (for a small part), inflated under ``budget`` and ``cap``."""
    return b"".join(stream_entry(archive, name, budget, cap=cap))

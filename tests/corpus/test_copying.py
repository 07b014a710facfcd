"""copying.py: a copy is whole or absent under its name, its name fits, nothing is overwritten.

The kill test runs ``add_files`` in a child process whose writes stop halfway through the
copy, SIGKILLs it there (as the store's kill tests kill a build), and checks what is left.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.corpus import copying
from assistant.corpus.adding import add_files
from assistant.corpus.copying import (
    PARTIAL_PREFIX,
    name_limit,
    unfinished_copies,
    unique_name,
    write_new,
)
from assistant.corpus.loading import load_corpus
from assistant.corpus.records import RECORD_SUFFIX
from assistant.errors import CorpusError
from tests.corpus.conftest import NOTE
from tests.support import REPO

ROWS = [
    {"title": f"Depot report {n}", "text": f"The tram depot added {n} tracks in week {n}. " * 8}
    for n in range(1, 41)
]


def test_a_copy_leaves_no_temporary_file(corpus: Path) -> None:
    write_new(corpus / "new.md", b"# New\n\nText.")
    assert sorted(p.name for p in corpus.iterdir()) == ["new.md", "note.md"]
    with pytest.raises(CorpusError, match="cannot be copied"):
        write_new(corpus / "note.md", b"other")
    assert (corpus / "note.md").read_text(encoding="utf-8") == NOTE
    assert unfinished_copies(corpus) == []


def test_without_hard_links_the_name_is_still_never_overwritten(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(source: Path, target: Path) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(copying.os, "link", no_links)
    write_new(corpus / "new.md", b"# New\n\nText.")
    assert (corpus / "new.md").read_bytes() == b"# New\n\nText."
    with pytest.raises(CorpusError, match="cannot be copied"):
        write_new(corpus / "note.md", b"other")
    assert (corpus / "note.md").read_text(encoding="utf-8") == NOTE
    assert unfinished_copies(corpus) == []


@pytest.mark.parametrize("letter", ["a", "\u00e9", "\u4e2d"])  # 1, 2 and 3 bytes in UTF-8
def test_a_name_too_long_for_the_file_system_is_shortened(
    tmp_path: Path, corpus: Path, letter: str
) -> None:
    limit = name_limit(corpus)
    stem = letter * ((limit - 4) // len(letter.encode()))  # the longest name the source may have
    given = tmp_path / f"{stem}.txt"
    given.write_text("# Long Name\n\nThe ferry's name is very long indeed.", encoding="utf-8")
    (result,) = add_files([given], corpus)  # was: OSError [Errno 36] File name too long
    assert result.status == "added", result.reason
    name = Path(result.copy).name
    assert name.endswith(".txt") and name.startswith(letter * 8)
    # The temporary name and a companion fit as well; so does the next free name.
    room = limit - len(PARTIAL_PREFIX) - 17 - len(RECORD_SUFFIX)
    following = unique_name(given, corpus)
    assert following.endswith("-2.txt") and following.startswith(letter * 8)
    assert max(len(name.encode()), len(following.encode())) <= room
    assert len(name.encode()) > room - 3  # shortened no more than a character needs


def test_one_file_the_system_fails_on_does_not_stop_the_batch(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.md", "b.md", "c.md"):
        (folder / name).write_text(f"# {name}\n\nThe text of {name} is here.", encoding="utf-8")
    real = copying.unique_name

    def failing(path: Path, into: Path) -> str:
        if path.name == "b.md":
            raise OSError(errno.ENAMETOOLONG, "File name too long")
        return real(path, into)

    monkeypatch.setattr("assistant.corpus.adding.unique_name", failing)
    results = add_files([folder], corpus)
    assert [r.status for r in results] == ["added", "skipped", "added"]
    assert results[1].reason == "the system refused it (File name too long)"
    assert {"a.md", "c.md"} <= {p.name for p in corpus.iterdir()}


# What the child runs: add_files, with the copy's writes stopping halfway to be killed.
CHILD = """
import os, sys, time, types
from pathlib import Path
from assistant.corpus import copying
from assistant.corpus.adding import add_files

real_write = os.write

def half_then_wait(descriptor, data):
    written = real_write(descriptor, bytes(data[: len(data) // 2]))
    os.fsync(descriptor)  # so that what a kill leaves is on disk, as after a crash
    real_write(sys.stdout.fileno(), b"copying\\n")
    time.sleep(120)
    return written

# Only copying.py's writes go through the patch: it gets an os of its own.
patched = types.SimpleNamespace(**{n: getattr(os, n) for n in dir(os) if not n.startswith("__")})
patched.write = half_then_wait
copying.os = patched
print([r.status for r in add_files([sys.argv[2]], Path(sys.argv[1]))], flush=True)
"""


def test_sigkill_while_copying_leaves_nothing_half_written(tmp_path: Path, corpus: Path) -> None:
    archive = tmp_path / "depot.jsonl"
    archive.write_text("\n".join(json.dumps(row) for row in ROWS), encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(corpus), str(archive)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline().strip()
        assert line == "copying", f"the copy was not stopped halfway: {line!r}"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    # Before: depot.jsonl held 20 of 40 rows, indexed by the next build, and re-adding
    # the file was refused ("its article id is taken").
    assert sorted(p.name for p in corpus.iterdir() if not p.name.startswith(".")) == ["note.md"]
    (left,) = unfinished_copies(corpus)
    assert left.name.endswith("-depot.jsonl") and 0 < left.stat().st_size < archive.stat().st_size
    loaded = load_corpus(corpus)
    assert [a.id for a in loaded.articles] == ["note"] and not loaded.skipped
    (again,) = add_files([archive], corpus)
    assert (again.status, len(again.articles)) == ("added", 40)
    assert (corpus / "depot.jsonl").read_bytes() == archive.read_bytes()
    assert len(load_corpus(corpus).articles) == 41

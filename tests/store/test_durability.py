"""The index keeps a database's promises: damage is detected, crashes lose nothing.

Iteration counts are modest by default; docs/reliability.md gives the
environment variables for the full run.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import hypothesis
import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from assistant import (
    Assistant,
    AssistantError,
    CorpusError,
    IndexMismatchError,
    IndexNotFoundError,
    Settings,
)
from assistant import files as files_module
from assistant.corpus.loading import load_corpus
from assistant.store import manifest as manifest_module
from assistant.store import storage as store
from assistant.store import versions as versions_module
from assistant.store.build import build_index, stale_reason
from assistant.store.manifest import MANIFEST, manifest_checksum, write_manifest
from assistant.store.storage import POINTER, load_index, read_manifest
from assistant.store.versions import new_version, remove_stale_versions
from tests.support import CORPUS, HEADLINES, REPO, FakeEmbedder

FIX = "python -m assistant build"
KILLS = int(os.environ.get("ASSISTANT_KILLS", "100"))
FLIPS = os.environ.get("ASSISTANT_FLIPS", "300")
CRASH_STRIDE = int(os.environ.get("ASSISTANT_CRASH_STRIDE", "4"))
BUILDS_EACH = int(os.environ.get("ASSISTANT_CONCURRENT_BUILDS", "15"))
REAL_KILLS = int(os.environ.get("ASSISTANT_REAL_KILLS", "1"))


def build(corpus_dir: Path, index_dir: Path, embedder) -> Path:
    return build_index(load_corpus(corpus_dir), index_dir, Settings(), embedder)


def versions(index_dir: Path) -> list[str]:
    """Everything in the index folder but the pointer and the live version."""
    live = (index_dir / POINTER).read_text()
    return sorted(p.name for p in index_dir.iterdir() if p.name not in (POINTER, live))


def reseal(folder: Path) -> None:
    """Re-list every file and re-seal the manifest: a forgery only deep checks catch."""
    manifest = json.loads((folder / MANIFEST).read_text())
    for key in ("files", "manifest_sha256"):
        del manifest[key]
    (folder / MANIFEST).unlink()
    write_manifest(folder, manifest)


def edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.fixture
def index(headlines_dir: Path, tmp_path: Path, fake_embedder) -> Path:
    folder = tmp_path / "index"
    build(headlines_dir, folder, fake_embedder)
    return folder


@pytest.fixture
def other_build(tmp_path: Path, fake_embedder) -> Path:
    """The live folder of an index built from another corpus."""
    corpus = tmp_path / "other"
    corpus.mkdir()
    for name, text in list(HEADLINES.items())[:4]:
        (corpus / f"{name}.txt").write_text(text + " Updated.", encoding="utf-8")
    return build(corpus, tmp_path / "other-index", fake_embedder)


@pytest.fixture
def fake_load(monkeypatch: pytest.MonkeyPatch, fake_embedder):
    """Assistant.load with the fake embedder, so rebuilds take milliseconds."""
    monkeypatch.setattr("assistant.pipeline.Embedder", lambda model, **options: fake_embedder)
    return Assistant.load


def index_files(index: Path) -> list[str]:
    folder = index / (index / POINTER).read_text()
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


FILES = [
    "manifest.json",
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
    "lexical/vocab.index.json",
    "lexical/data.csc.index.npy",
    "lexical/indices.csc.index.npy",
    "lexical/indptr.csc.index.npy",
]
DAMAGE = ["truncate", "flip", "empty", "delete", "append", "other-build", "link"]


def damage_file(path: Path, how: str, spare: Path) -> None:
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "flip":
        spot = random.Random(path.name).randrange(len(data))
        path.write_bytes(data[:spot] + bytes([data[spot] ^ 0x01]) + data[spot + 1 :])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "delete":
        path.unlink()
    elif how == "append":
        path.write_bytes(data + b"\n")
    else:  # the same bytes, through a link to a file outside the folder
        spare.write_bytes(data)
        path.unlink()
        path.symlink_to(spare)


def test_every_file_is_listed_in_the_manifest(index: Path) -> None:
    assert index_files(index) == sorted(FILES)
    manifest = read_manifest(index)
    assert manifest["vector_count"] == {"passages.faiss": 6, "passages.npy": 6, "sentences.npy": 6}
    assert manifest["dimension"] == 16 and manifest["faiss_version"]
    assert manifest["model"] and manifest["model_fingerprint"] == "fake-embedder-1"
    assert all(len(entry["sha256"]) == 64 for entry in manifest["files"].values())


def test_each_damage_to_each_file_is_detected(index: Path, other_build: Path) -> None:
    folder = index / (index / POINTER).read_text()
    backup = index.parent / "backup"
    shutil.copytree(folder, backup)
    for name in FILES:
        for how in DAMAGE:
            if how == "other-build":
                shutil.copyfile(other_build / name, folder / name)
            else:
                damage_file(folder / name, how, index.parent / "spare")
            with pytest.raises(IndexMismatchError, match=FIX):
                load_index(index)
            assert read_manifest(index) is None or name != MANIFEST
            shutil.rmtree(folder)
            shutil.copytree(backup, folder)
    assert len(load_index(index).chunks) == 6
    print(f"{len(FILES)} files x {len(DAMAGE)} kinds of damage, all detected")


@pytest.mark.parametrize(("how", "name"), list(zip(DAMAGE, FILES[1:] + FILES[:1], strict=False)))
def test_a_damaged_index_is_rebuilt_from_the_corpus(
    index: Path, headlines_dir: Path, fake_load, request, how: str, name: str
) -> None:
    folder = index / (index / POINTER).read_text()
    if how == "other-build":
        shutil.copyfile(request.getfixturevalue("other_build") / name, folder / name)
    else:
        damage_file(folder / name, how, index.parent / "spare")
    bot = fake_load(headlines_dir, index)
    assert len(bot.articles) == 6 and bot.stored.folder != folder
    assert bot.ask("Who brokered the ceasefire?", k=1).best.article_id == "truce"
    assert not folder.exists() and versions(index) == [f"{bot.stored.folder.name}.lock"]


def test_random_single_bit_flips_anywhere_are_all_detected(index: Path) -> None:
    folder = index / (index / POINTER).read_text()
    files = [folder / name for name in FILES]
    spots = [
        (path, byte, bit)
        for path in files
        for byte in range(path.stat().st_size)
        for bit in range(8)
    ]
    if FLIPS != "all":
        spots = random.Random(6).sample(spots, int(FLIPS))
    for path, byte, bit in spots:
        data = path.read_bytes()
        path.write_bytes(data[:byte] + bytes([data[byte] ^ (1 << bit)]) + data[byte + 1 :])
        with pytest.raises(IndexMismatchError, match=FIX):
            load_index(index)
        path.write_bytes(data)
    assert len(load_index(index).chunks) == 6
    print(f"{len(spots)} single-bit flips, all detected")


@pytest.mark.parametrize(
    "forge",
    [
        "span-past-article",
        "sentence-outside-passage",
        "unknown-article",
        "span-not-a-number",
        "row-not-an-object",
        "article-field-not-text",
        "count-off-by-one",
        "vectors-wrong-shape",
        "vectors-not-finite",
        "vectors-pickled",
        "bm25-other-size",
        "file-outside-folder",
        "file-unlisted",
        "format-version",
    ],
)
def test_consistent_forgeries_are_caught_by_the_deep_checks(index: Path, forge: str) -> None:
    folder = index / (index / POINTER).read_text()
    chunks, vectors = folder / "chunks.jsonl", folder / "sentences.npy"
    rows = [json.loads(line) for line in chunks.read_text().splitlines()]
    if forge in {"span-past-article", "sentence-outside-passage", "unknown-article"}:
        key, value = {
            "span-past-article": ("end", 10_000),
            "sentence-outside-passage": ("sentences", [[0, 10_000]]),
            "unknown-article": ("article_id", "nowhere"),
        }[forge]
        rows[2][key] = value
    elif forge == "span-not-a-number":
        rows[0]["start"] = "0"
    elif forge == "row-not-an-object":
        rows[0] = [1, 2]
    chunks.write_text("".join(json.dumps(row) + "\n" for row in rows))
    manifest = folder / MANIFEST
    if forge == "article-field-not-text":
        lines = (folder / "articles.jsonl").read_text().splitlines()
        lines[0] = json.dumps({**json.loads(lines[0]), "title": 7})
        (folder / "articles.jsonl").write_text("\n".join(lines) + "\n")
    elif forge == "count-off-by-one":
        edit_json(manifest, lambda m: m["counts"].update(passages=7))
    elif forge == "vectors-wrong-shape":
        np.save(vectors, np.zeros((6, 15), dtype=np.float32), allow_pickle=False)
    elif forge == "vectors-not-finite":
        np.save(vectors, np.full((6, 16), np.nan, dtype=np.float32), allow_pickle=False)
    elif forge == "vectors-pickled":
        np.save(vectors, np.array([{"a": 1}] * 6, dtype=object), allow_pickle=True)
    elif forge == "bm25-other-size":
        edit_json(folder / "lexical/params.index.json", lambda p: p.update(num_docs=5))
    reseal(folder)
    # These survive only a re-seal that keeps the file list as it is.
    if forge == "file-outside-folder":
        edit_json(manifest, lambda m: m["files"].update({"../../../etc/passwd": {}}))
    elif forge == "format-version":
        edit_json(manifest, lambda m: m.update(format_version=99))
    elif forge == "file-unlisted":
        (folder / "lexical" / "extra.npy").write_bytes(b"\x93NUMPY")
    edit_json(manifest, lambda m: m.update(manifest_sha256=manifest_checksum(m)))
    with pytest.raises(IndexMismatchError, match=FIX):
        load_index(index)


@pytest.mark.parametrize(
    "content",
    [b"not json {", b"[1, 2]", b"null", b"\xff\xfe\x00binary", b"{}", "altered", "other"],
)
def test_a_damaged_or_foreign_manifest_is_detected(
    index: Path, other_build: Path, fake_embedder, content: bytes | str
) -> None:
    folder = index / (index / POINTER).read_text()
    manifest = folder / MANIFEST
    if content == "altered":  # valid JSON, one value changed, not re-sealed
        edit_json(manifest, lambda m: m["settings"].update(candidates=51))
    elif content == "other":  # the whole manifest of another build
        shutil.copyfile(other_build / MANIFEST, manifest)
    else:
        manifest.write_bytes(content)
    with pytest.raises(IndexMismatchError, match=f"{MANIFEST}.*{FIX}|another build.*{FIX}"):
        load_index(index)
    assert read_manifest(index) is None
    corpus = load_corpus(index.parent / "corpus")
    assert stale_reason(index, corpus, Settings(), fake_embedder).startswith(
        "the index cannot be used"
    )


@pytest.mark.parametrize(
    "pointer",
    [b"", b"garbage\n", b"../../etc", b"/etc", b"v-../../etc", b"\xff\xfe\x00\x01", b"missing"],
)
def test_a_bad_pointer_is_an_error_then_rebuilt(
    index: Path, headlines_dir: Path, fake_load, pointer: bytes
) -> None:
    if pointer == b"missing":
        pointer = b"v-20260101T000000000000-1-0a1b2c3d"
    (index / POINTER).write_bytes(pointer)
    with pytest.raises(IndexMismatchError, match=FIX):
        load_index(index)
    assert read_manifest(index) is None
    assert len(fake_load(headlines_dir, index).articles) == 6
    assert len(load_index(index).articles) == 6


def test_no_pointer_is_no_index_and_without_a_corpus_damage_is_said_plainly(
    index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (index / POINTER).rename(index / "saved")
    with pytest.raises(IndexNotFoundError, match=FIX):
        load_index(index)
    (index / "saved").rename(index / POINTER)
    folder = index / (index / POINTER).read_text()
    (folder / "chunks.jsonl").write_text("")
    with pytest.raises(IndexMismatchError, match="chunks.jsonl.*damaged.*" + FIX):
        Assistant.load(tmp_path / "no-corpus", index)


# -- writing: order, clean-up, crashes -----------------------------------------


def test_every_file_is_synced_before_the_pointer_switch_and_the_switch_after(
    headlines_dir: Path, tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[tuple[str, str]] = []
    fsync, replace = os.fsync, os.replace

    def spy_fsync(descriptor: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{descriptor}")))
        fsync(descriptor)

    def spy_replace(source, target) -> None:
        events.append(("replace", str(target)))
        replace(source, target)

    monkeypatch.setattr(os, "fsync", spy_fsync)
    monkeypatch.setattr(os, "replace", spy_replace)
    index_dir = tmp_path / "index"
    folder = build(headlines_dir, index_dir, fake_embedder)
    switch = events.index(("replace", str(index_dir / POINTER)))
    synced = {path for kind, path in events[:switch] if kind == "fsync"}
    assert {str(p) for p in folder.rglob("*")} | {str(folder), str(index_dir)} <= synced
    assert ("fsync", str(index_dir)) in events[switch:]  # the rename itself is durable


def test_a_killed_build_is_removed_by_the_next_but_one_in_progress_is_not(
    headlines_dir: Path, index: Path, fake_embedder
) -> None:
    class Killed(BaseException):
        pass

    with pytest.raises(Killed), new_version(index) as dead:
        (dead / "articles.jsonl").write_text("half")
        raise Killed
    with new_version(index) as busy:  # another build, still running
        (index / f"{POINTER}.tmp-{dead.name}").write_text(dead.name)
        old_style = index / "v-20200101T000000000000-42"  # before lock files existed
        old_style.mkdir()
        assert remove_stale_versions(index) == [old_style.name, dead.name]
        assert busy.is_dir() and len(load_index(index).chunks) == 6
    folder = build(headlines_dir, index, fake_embedder)
    assert not busy.exists() and versions(index) == [f"{folder.name}.lock"]


def test_concurrent_builders_never_remove_each_others_work(
    headlines_dir: Path, tmp_path: Path
) -> None:
    code = (
        "import sys; from assistant.config import Settings; "
        "from assistant.corpus.loading import load_corpus; "
        "from assistant.store.build import build_index; "
        "from tests.support import FakeEmbedder; corpus = load_corpus(sys.argv[1]); "
        "[build_index(corpus, sys.argv[2], Settings(), FakeEmbedder()) "
        "for _ in range(int(sys.argv[3]))]"
    )
    index_dir = tmp_path / "index"
    command = [sys.executable, "-c", code, str(headlines_dir), str(index_dir), str(BUILDS_EACH)]
    build(headlines_dir, index_dir, FakeEmbedder())
    builders = [subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE) for _ in range(4)]
    loads = 0
    while any(builder.poll() is None for builder in builders):  # a reader meanwhile
        assert len(load_index(index_dir).chunks) == 6
        assert read_manifest(index_dir) is not None
        loads += 1
    for builder in builders:
        assert builder.wait(timeout=120) == 0, builder.stderr.read().decode()
    assert loads > 10
    print(f"4 concurrent builders x {BUILDS_EACH} builds, {loads} loads meanwhile, all whole")
    remove_stale_versions(index_dir)
    assert len(versions(index_dir)) == 1  # the live version's lock


class SimulatedCrash(BaseException):
    """Raised by the tracer at a chosen line; nothing in the package catches it."""


@contextlib.contextmanager
def crash_at_line(point: int):
    """Raise SimulatedCrash at the point-th line the store's modules execute."""
    # files.py holds the checksum and fsync helpers that the store's writes go through.
    modules = (store, versions_module, manifest_module, files_module)
    watched = {module.__file__ for module in modules}
    seen = 0

    def local(frame, event, arg):
        nonlocal seen
        if event == "line":
            seen += 1
            if seen == point:
                raise SimulatedCrash(f"line {frame.f_lineno} of {frame.f_code.co_filename}")
        return local

    previous = sys.gettrace()
    sys.settrace(lambda frame, event, arg: local if frame.f_code.co_filename in watched else None)
    try:
        yield
    finally:
        sys.settrace(previous)


def test_a_crash_at_any_line_of_a_build_leaves_a_complete_index(
    headlines_dir: Path, index: Path, tmp_path: Path, fake_embedder
) -> None:
    other = tmp_path / "changed"
    shutil.copytree(headlines_dir, other)
    (other / "drones.txt").write_text("Drones\n\nA changed article.", encoding="utf-8")
    (other / "mines.txt").unlink()
    corpora = [load_corpus(headlines_dir), load_corpus(other)]
    contents = [{a.id: a.text for a in corpus.articles} for corpus in corpora]
    crashes = switched = 0
    for point in range(1, 100_000, CRASH_STRIDE):
        # Leftovers of the last crash go first, as a restarted build would
        # remove them; otherwise each crash adds lines to the next build.
        remove_stale_versions(index)
        live = (index / POINTER).read_text()
        current = contents.index({a.id: a.text for a in load_index(index).articles})
        try:
            with crash_at_line(point):
                build_index(corpora[1 - current], index, Settings(), fake_embedder)
        except SimulatedCrash:
            crashes += 1
        else:
            break  # past the last line: the build completed
        loaded = {a.id: a.text for a in load_index(index).articles}
        if (index / POINTER).read_text() == live:
            assert loaded == contents[current]
        else:
            switched += 1
            assert loaded == contents[1 - current]
    assert crashes > 300 // CRASH_STRIDE and switched >= 1
    assert len(versions(index)) == 1  # the completed build removed every leftover
    print(f"{crashes} crash points, {switched} after the switch: every load complete")


# -- SIGKILL at random moments -------------------------------------------------


def test_sigkill_at_random_moments_always_leaves_a_complete_index(
    headlines_dir: Path, index: Path, tmp_path: Path
) -> None:
    other = tmp_path / "changed"
    shutil.copytree(headlines_dir, other)
    (other / "truce.txt").write_text("Truce\n\nThe truce held for a month.", encoding="utf-8")
    contents = [
        {a.id: a.text for a in load_corpus(folder).articles} for folder in (headlines_dir, other)
    ]
    builder = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.store.crash_builder",
            str(index),
            str(headlines_dir),
            str(other),
        ],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    timing = random.Random(int(os.environ.get("ASSISTANT_KILL_SEED", "9")))
    one_build = float(builder.stdout.readline().removeprefix("ready "))
    switches = leftovers = 0
    try:
        for _ in range(KILLS):
            live = (index / POINTER).read_text()
            builder.stdin.write("go\n")
            builder.stdin.flush()
            lines = {builder.stdout.readline().strip() for _ in range(2)}  # in either order
            child = int((lines - {"building"}).pop())
            time.sleep(timing.uniform(0, 4 * one_build))
            os.kill(child, signal.SIGKILL)
            assert builder.stdout.readline() == "reaped\n"
            loaded = load_index(index)
            assert {a.id: a.text for a in loaded.articles} in contents
            switches += (index / POINTER).read_text() != live
            leftovers += len(versions(index)) > 1
    finally:
        with contextlib.suppress(NameError, ProcessLookupError):
            os.kill(child, signal.SIGKILL)  # a child left running by a failed check
        builder.stdin.close()
        builder.wait(timeout=60)
    assert switches and leftovers  # the kills landed both between and inside builds
    remove_stale_versions(index)
    assert len(versions(index)) == 1
    print(
        f"{KILLS} SIGKILLs within {4 * one_build:.3f} s of a build loop's start: "
        f"{switches} after a switch, {leftovers} left a half-built version"
    )


def kill_while_embedding(command: list[str], delay: float) -> int:
    """Start a build, SIGKILL it ``delay`` seconds into embedding; its exit status."""
    builder = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True)
    embedding = threading.Event()  # set when the embedding's progress bar appears

    def watch() -> None:
        seen = ""
        while chunk := builder.stderr.read(64):
            seen = seen[-16:] + chunk
            if "Batches" in seen:
                embedding.set()

    threading.Thread(target=watch, daemon=True).start()
    assert embedding.wait(timeout=180), "the build never started embedding"
    time.sleep(delay)
    builder.send_signal(signal.SIGKILL)
    return builder.wait()


def test_sigkill_during_a_real_build_keeps_the_previous_index(bot, tmp_path: Path) -> None:
    index_dir, corpus = tmp_path / "index", tmp_path / "corpus"
    shutil.copytree(bot.stored.folder, index_dir / bot.stored.folder.name)
    (index_dir / POINTER).write_text(bot.stored.folder.name)
    shutil.copytree(CORPUS, corpus)
    command = [sys.executable, "-m", "assistant", "--corpus", str(corpus), "--index"]
    command += [str(index_dir), "build"]
    live = [a.text for a in bot.stored.articles]
    outcomes = []
    for run in range(REAL_KILLS):
        changed = sorted(corpus.iterdir())[run % 5]
        changed.write_text(changed.read_text(encoding="utf-8") + f"\n\nCorrection {run}.\n")
        before = (index_dir / POINTER).read_text()
        delay = random.Random().uniform(0.0, 2.0)  # embedding takes a few seconds
        status = kill_while_embedding(command, delay)
        stored = load_index(index_dir)
        switched = (index_dir / POINTER).read_text() != before
        if not switched:
            assert [a.text for a in stored.articles] == live
        else:  # the kill came after the switch: then the new index is whole
            live = [a.text for a in load_corpus(corpus).articles]
            assert [a.text for a in stored.articles] == live
        answer = Assistant(stored, bot.embedder, bot.settings).ask("Who is Oleg Kuznetsov?")
        assert answer.best.article_id == bot.ask("Who is Oleg Kuznetsov?").best.article_id
        remove_stale_versions(index_dir)
        assert len([p for p in index_dir.iterdir() if p.is_dir()]) == 1
        outcomes.append(f"{delay:.1f} s, status {status}: {'new' if switched else 'old'} index")
    print(f"killed `python -m assistant build` into embedding: {outcomes}")


# -- a state machine over corpus edits, builds, crashes and questions ----------

WORDS = "drones truce ceasefire shusha mines cathedral soldiers ministry artillery talks".split()


class IndexLifecycle(RuleBasedStateMachine):
    """Edits, builds, crashed builds and questions in any order; invariants after each."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="lifecycle-"))
        self.corpus, self.index = self.root / "corpus", self.root / "index"
        self.corpus.mkdir()
        self.files: dict[str, str] = {}  # the model of the corpus folder: name -> body
        self.built: dict[str, str] | None = None  # what the live index must hold
        self.built_from: dict[str, str] = {}
        self.tidy = True  # no crashed build since the last complete one
        self.embedder = FakeEmbedder()
        # A killed process loses nothing the page cache holds, so fsync only
        # matters for power loss; skipping it makes each step ten times faster.
        self.fsync, os.fsync = os.fsync, lambda descriptor: None

    def teardown(self) -> None:
        os.fsync = self.fsync
        shutil.rmtree(self.root, ignore_errors=True)

    def expected(self) -> dict[str, str]:
        """The articles a build must index: the first file with each text wins."""
        articles, seen = {}, set()
        for name in sorted(self.files):
            if self.files[name] not in seen:
                articles[name] = self.files[name]
                seen.add(self.files[name])
        return articles

    def write(self, name: str, body: str) -> None:
        (self.corpus / f"{name}.txt").write_text(f"{name.title()}\n\n{body}", encoding="utf-8")
        self.files[name] = body

    @rule(name=st.sampled_from("abcdef"), words=st.lists(st.sampled_from(WORDS), min_size=1))
    def add_or_change(self, name: str, words: list[str]) -> None:
        self.write(name, " ".join(words) + ".")

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def remove(self, data) -> None:
        name = data.draw(st.sampled_from(sorted(self.files)))
        (self.corpus / f"{name}.txt").unlink()
        del self.files[name]

    @rule()
    def build(self) -> None:
        if not self.files:
            with pytest.raises(CorpusError, match="no readable article"):
                build_index(load_corpus(self.corpus), self.index, Settings(), self.embedder)
            return
        build_index(load_corpus(self.corpus), self.index, Settings(), self.embedder)
        self.built, self.built_from, self.tidy = self.expected(), dict(self.files), True

    @precondition(lambda self: self.files)
    @rule(point=st.integers(1, 600))
    def crash_during_build(self, point: int) -> None:
        before = (self.index / POINTER).read_text() if self.built is not None else None
        try:
            with crash_at_line(point):
                build_index(load_corpus(self.corpus), self.index, Settings(), self.embedder)
        except SimulatedCrash:
            self.tidy = False
        else:
            self.tidy = True
        after = (self.index / POINTER).read_text() if (self.index / POINTER).exists() else None
        if after != before:  # the crash came after the switch, or never came
            self.built, self.built_from = self.expected(), dict(self.files)
        hypothesis.event(
            "build completed"
            if self.tidy
            else f"crashed, {'after' if after != before else 'before'} the switch"
        )

    @precondition(lambda self: self.built)
    @rule(words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=4))
    def ask(self, words: list[str]) -> None:
        bot = Assistant(load_index(self.index), self.embedder, Settings())
        answer = bot.ask(" ".join(words) + "?", k=3)
        for passage in answer.passages:
            text = self.built[passage.article_id]
            assert passage.text == text[passage.start : passage.end]
            assert passage.highlight == text[passage.highlight_start : passage.highlight_end]

    @invariant()
    def the_live_index_is_complete_and_is_the_last_one_built(self) -> None:
        if self.built is None:
            with pytest.raises(IndexNotFoundError):
                load_index(self.index)
            return
        stored = load_index(self.index)
        assert {a.id: a.text for a in stored.articles} == self.built
        for chunk in stored.chunks:
            assert chunk.text == self.built[chunk.article_id][chunk.start : chunk.end]
        fresh = stale_reason(self.index, load_corpus(self.corpus), Settings(), self.embedder)
        assert (fresh == "") == (self.files == self.built_from)
        if self.tidy:  # a complete build removed every leftover of crashed ones
            assert versions(self.index) == [f"{stored.folder.name}.lock"]


TestIndexLifecycle = IndexLifecycle.TestCase
TestIndexLifecycle.settings = hypothesis.settings(
    max_examples=int(os.environ.get("ASSISTANT_STATEFUL_EXAMPLES", "40")),
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.too_slow],
)


def test_a_full_disk_is_an_error_that_keeps_the_previous_index(
    headlines_dir: Path, index: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "save", full)
    with pytest.raises(AssistantError, match="No space left.*free disk space"):
        build(headlines_dir, index, fake_embedder)
    assert len(load_index(index).chunks) == 6
    monkeypatch.undo()
    folder = build(headlines_dir, index, fake_embedder)
    assert versions(index) == [f"{folder.name}.lock"]  # the half-written one is gone

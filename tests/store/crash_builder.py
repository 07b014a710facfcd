"""A builder for the kill tests in test_durability.py: run, killed, run again.

Usage: ``python -m tests.store.crash_builder INDEX_DIR CORPUS_DIR...``

It imports everything and warms up once, then, for each line read on stdin,
forks a child that builds the index over and over, alternating between the
corpus folders (FakeEmbedder, so a build takes milliseconds). It prints
``ready SECONDS`` (how long one build takes) at start, then the child's pid
for each child, which prints ``building`` as it starts; the test kills the
child with SIGKILL at a random moment, and this process prints ``reaped``
once the child is gone. Forking saves the
import time, so hundreds of kills take seconds.
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
import threading
import time

# Forking a process that has other threads can deadlock the child on a lock
# one of them held (it did: bm25s starts tqdm's monitor thread), so this
# process must stay single-threaded: no BLAS or OpenMP pools, no monitor.
os.environ.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
import tqdm  # noqa: E402

tqdm.tqdm.monitor_interval = 0
# tqdm's default lock is a multiprocessing semaphore, shared by every forked
# child: a child killed while holding it would block all later ones.
tqdm.tqdm.set_lock(threading.RLock())

from assistant.config import Settings  # noqa: E402
from assistant.corpus.loading import load_corpus  # noqa: E402
from assistant.store.build import build_index  # noqa: E402
from tests.support import FakeEmbedder  # noqa: E402


def say(line: str) -> None:
    # One write system call per line: this process and its child share the
    # pipe, and print() may split a line into two writes that interleave.
    os.write(sys.stdout.fileno(), f"{line}\n".encode())


def main(index_dir: str, corpus_dirs: list[str]) -> None:
    corpora = [load_corpus(folder) for folder in corpus_dirs]
    embedder = FakeEmbedder()
    with tempfile.TemporaryDirectory() as scratch:
        build_index(corpora[0], scratch, Settings(), embedder)  # load pysbd, bm25s, ...
        started = time.perf_counter()
        build_index(corpora[1], scratch, Settings(), embedder)
        say(f"ready {time.perf_counter() - started:.4f}")
    threads = os.listdir("/proc/self/task")
    assert len(threads) == 1, f"{len(threads)} threads: forking could deadlock"
    for _ in sys.stdin:
        pid = os.fork()
        if pid == 0:
            try:
                say("building")
                for corpus in itertools.cycle(corpora):
                    build_index(corpus, index_dir, Settings(), embedder)
            finally:
                os._exit(1)
        say(str(pid))
        os.waitpid(pid, 0)
        say("reaped")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])

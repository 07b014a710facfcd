"""What a hostile file or server costs now, at most: time and peak memory per class (issue 30).

Each case is made here, then read in a fresh interpreter (``--case``) that reports its
wall time and how far reading raised its peak RSS (``ru_maxrss`` after the input is in
memory, against the peak after reading; a PDF's reader process is counted apart, as
``RUSAGE_CHILDREN``). Nothing is asserted: the figures go in docs/reliability.md.

    python benchmarks/hostile.py           # the issue's sizes (about 3 minutes on 2 cores)
    python benchmarks/hostile.py --quick   # small ones (CI smoke run, seconds)

Cases: a .docx whose zip directory declares a few kB for a part that inflates to 256 MiB
(the issue's 2 GiB costs the same to refuse: nothing past the declared size is inflated);
a .docx within every declared limit holding 190 MB of XML (markup without text, and
text); a PDF of 1,000 pages sharing one content stream of 200,000 text operators; a
server sending its headers a byte every 0.5 s; a UTF-16 feed declaring entities.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as `python benchmarks/hostile.py` from anywhere
    sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx(document_xml_chunks: Iterator[bytes], *, declare: int | None = None) -> bytes:
    """A .docx (python-docx's template) whose document.xml is the chunks, deflated."""
    from tests.documents import docx_bytes, lying_about

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes([("Normal", "A paragraph.")]))) as source:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
            for entry in source.infolist():
                if entry.filename != "word/document.xml":
                    target.writestr(entry, source.read(entry))
                    continue
                with target.open("word/document.xml", "w", force_zip64=True) as handle:
                    for chunk in document_xml_chunks:
                        handle.write(chunk)
    raw = out.getvalue()
    if declare is not None:  # the directory lies: every size field of the part says `declare`
        raw = lying_about(raw, "word/document.xml", declare)
    return raw


def _xml(size: int, unit: bytes, *, varied: bool) -> Iterator[bytes]:
    """A document body of about ``size`` bytes of ``unit`` paragraphs (with random ids
    when ``varied``, as Word's rsid attributes, so it compresses as a real one does)."""
    rng = random.Random(30)
    yield b"<w:document " + W + b"><w:body>"
    written, block = 0, []
    while written < size:
        paragraph = unit
        if varied:
            ids = (rng.getrandbits(32), rng.getrandbits(32))
            paragraph = unit.replace(b"<w:p>", b'<w:p w:rsidR="%08X" w:rsidP="%08X">' % ids)
        block.append(paragraph)
        written += len(paragraph)
        if len(block) == 4096:
            yield b"".join(block)
            block = []
    yield b"".join(block) + b"</w:body></w:document>"


def _padding(size: int) -> Iterator[bytes]:
    """A body whose text is one paragraph, then ``size`` bytes of a comment (zeros compress)."""
    yield b"<w:document " + W + b"><w:body><w:p><w:r><w:t>Text.</w:t></w:r></w:p><!--"
    for _ in range(size // (1 << 20)):
        yield b" " * (1 << 20)
    yield b"--></w:body></w:document>"


def make_inputs(folder: Path, quick: bool) -> list[tuple[str, str, Path]]:
    """(case, what it is, input file) for every case, written to ``folder``."""
    from tests.documents import slow_pdf_bytes

    scale = 200 if quick else 1
    markup = b"<w:p><w:r><w:rPr><w:b/></w:rPr></w:r></w:p>"
    text = b"<w:p><w:r><w:t>Some words of the report, as a paragraph holds them.</w:t></w:r></w:p>"
    cases = [
        (
            "docx-lying-sizes",
            f"part declared as 2 kB, inflating to {256 // scale} MiB",
            _docx(_padding((256 << 20) // scale), declare=2_000),
        ),
        (
            "docx-190mb-markup",
            f"{190 // scale} MB of XML without text, declared honestly",
            _docx(_xml(190_000_000 // scale, markup, varied=True)),
        ),
        (
            "docx-190mb-text",
            f"{190 // scale} MB of XML with text",
            _docx(_xml(190_000_000 // scale, text, varied=True)),
        ),
        (
            "pdf-slow",
            f"{1000 // scale} pages sharing one stream of {200_000 // scale:,} operators",
            slow_pdf_bytes(1000 // scale, operators=200_000 // scale),
        ),
        ("feed-utf16-entities", "billion laughs in UTF-16", _utf16_laughs()),
    ]
    found = []
    for case, what, raw in cases:
        path = folder / case
        path.write_bytes(raw)
        found.append((case, f"{what} ({len(raw):,} B file)", path))
    found.append(("fetch-drip-headers", "headers a byte every 0.5 s", folder / "none"))
    return found


def _utf16_laughs() -> bytes:
    text = (REPO / "tests" / "data" / "feeds" / "billion_laughs.xml").read_text(encoding="utf-8")
    return text.encode("utf-16")


@contextlib.contextmanager
def _dripping_server() -> Iterator[int]:
    """A loopback server answering every connection with headers a byte every 0.5 s."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(4096)
            head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: " + b"." * 10_000
            for byte in head:
                if stop.is_set():
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return  # the client gave up: what is measured
                time.sleep(0.5)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()


def run_case(case: str, path: Path, quick: bool) -> dict[str, object]:
    """Read one input as the assistant does; the outcome, seconds and peak RSS growth."""
    from assistant.corpus.feed import read_feed
    from assistant.corpus.fetching import FetchLimits, fetch
    from assistant.corpus.pdf import PdfLimits, read_pdf
    from assistant.corpus.word import read_docx

    raw = path.read_bytes() if path.exists() else b""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu = _cpu_seconds()
    started = time.perf_counter()
    try:
        if case.startswith("docx"):
            read_docx(case, raw)
        elif case == "pdf-slow":
            read_pdf(case, raw, limits=PdfLimits(seconds=3.0 if quick else 60.0))
        elif case.startswith("feed"):
            read_feed(case, raw)
        else:
            total = 2.0 if quick else 60.0
            with _dripping_server() as port:
                fetch(
                    f"http://127.0.0.1:{port}/",
                    allow_private=True,
                    limits=FetchLimits(timeout=10.0, total=total),
                )
        outcome = "read"
    except Exception as error:  # every refusal is the figure
        outcome = f"{type(error).__name__}: {error}"
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "seconds": seconds,
        "cpu": cpu,
        "rss_mb": (after - before) / 1024,
        "child_rss_mb": children / 1024,
        "outcome": outcome,
    }


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children: contention does not inflate it."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small inputs (CI smoke run)")
    parser.add_argument("--case", nargs=2, metavar=("CASE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(run_case(args.case[0], Path(args.case[1]), args.quick)))
        return 0
    print(
        f"{'case':<21} {'seconds':>8} {'CPU s':>6} {'+RSS MB':>8} {'child MB':>9}  input -> outcome"
    )
    with tempfile.TemporaryDirectory(prefix="hostile-") as folder:
        for case, what, path in make_inputs(Path(folder), args.quick):
            command = [sys.executable, __file__, "--case", case, str(path)]
            command += ["--quick"] if args.quick else []
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            outcome = str(figures["outcome"])[:140]
            print(
                f"{case:<21} {figures['seconds']:>8.2f} {figures['cpu']:>6.2f} "
                f"{figures['rss_mb']:>8.1f} "
                f"{figures['child_rss_mb']:>9.1f}  {what} -> {outcome}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What the benchmarks share: timing, floors, peak memory, a SQuAD corpus, the table.

Every figure is printed beside a floor measured in the same run, on the same
machine, as a ratio: these machines are shared and noisy, so absolute times
drift from run to run while ratios hold. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as `python benchmarks/x.py` from anywhere
    sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a benchmark table: a figure, its floor and their ratio.

    ``target`` is the ratio the issue asks for (empty when the figure is only
    reported); ``ok`` says whether the ratio is within it.
    """

    name: str
    value: float
    floor: float | None
    unit: str
    target: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return None if not self.floor else self.value / self.floor

    @property
    def ok(self) -> bool | None:
        if self.target is None or self.ratio is None:
            return None
        return self.ratio <= self.target


def machine() -> str:
    """Cores, memory and Python of this machine, for the report's header."""
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 2**20:.0f} GiB memory"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores{memory}, Python {platform.python_version()}"


def run_process(command: Sequence[str], **kwargs) -> tuple[float, int]:
    """Run a command to its end; its wall seconds and peak RSS in KiB.

    The peak is the process's VmHWM, read every 10 ms while it runs: the
    rusage of a child is no use here, because Linux carries the parent's peak
    over to the child (this process holds the model, hundreds of MB).

    Raises:
        RuntimeError: the command failed (its output is in the message).
    """
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, cwd=REPO, **kwargs
        )
        peak = 0
        while process.poll() is None:
            try:
                peak = max(peak, peak_rss_kib(process.pid))
            except (OSError, RuntimeError):  # it has just exited
                pass
            time.sleep(0.01)
        wall = time.perf_counter() - started
        if process.returncode != 0:
            output.seek(0)
            text = output.read().decode("utf-8", "replace")
            raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{text}")
    return wall, peak


def peak_rss_kib(pid: int) -> int:
    """A running process's peak resident memory (VmHWM), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for process {pid}")


def write_squad_corpus(folder: Path, paragraphs: int) -> Path:
    """The first ``paragraphs`` SQuAD v1.1 dev paragraphs as Markdown articles."""
    from assistant.evaluation.datasets import load_squad_corpus

    folder.mkdir(parents=True, exist_ok=True)
    for number, article in enumerate(load_squad_corpus().articles[:paragraphs]):
        front = {"title": article.title, "outlet": "Wikipedia"}
        (folder / f"{number:06d}.md").write_text(
            f"---\n{json.dumps(front)}\n---\n\n{article.text}\n", encoding="utf-8"
        )
    return folder


def parse_arguments(
    description: str, parts: Sequence[str], paragraphs: int, argv: list[str] | None
) -> argparse.Namespace:
    """The options every part-wise benchmark takes: PART..., --quick, --paragraphs, --json."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("parts", nargs="*", metavar="PART", help=f"some of {parts} (default: all)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (CI)")
    parser.add_argument("--paragraphs", type=int, help=f"SQuAD paragraphs to build ({paragraphs})")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    if unknown := set(args.parts) - set(parts):
        parser.error(f"unknown parts {sorted(unknown)}: choose from {tuple(parts)}")
    args.parts = list(args.parts or parts)
    return args


def print_table(title: str, rows: Sequence[Row], *, as_json: bool = False) -> None:
    if as_json:
        print(json.dumps([{**asdict(r), "ratio": r.ratio, "ok": r.ok} for r in rows], indent=2))
        return
    print(f"\n{title} ({machine()})")
    print(f"{'figure':<44} {'value':>12} {'floor':>12} {'ratio':>7} {'target':>7}")
    for row in rows:
        floor = "" if row.floor is None else f"{row.floor:.4g} {row.unit}"
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
        target = "" if row.target is None else f"<={row.target:g}"
        flag = {True: " ok", False: " OVER", None: ""}[row.ok]
        print(
            f"{row.name:<44} {row.value:>9.4g} {row.unit:<2} {floor:>12} {ratio:>7} "
            f"{target:>7}{flag}"
        )
        if row.note:
            print(f"    {row.note}")

"""Probe: which questions must the reader read to keep its decisions? (issue 15)

For each question of our dev/test splits, the blind batch and the SQuAD sample
(the reader's held-out dev articles and the test articles), the similarity-only
confidence and the reader's. Then "read only the questions whose
similarity-only confidence lies in [low, high)" is compared with reading all,
and the band that reads fewest dev questions with every dev figure at least
that of reading all is printed with its test figures: it is
``Settings.read_from`` / ``read_until``.

    python scripts/reader_band.py [--index index]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant import Assistant, Settings  # noqa: E402
from assistant.encoding.reader import Reader  # noqa: E402
from assistant.evaluation import reader_pairs  # noqa: E402
from assistant.evaluation.datasets import (  # noqa: E402
    load_blind_questions,
    load_own_questions,
    load_squad_corpus,
    load_squad_questions,
    load_squad_unanswerable,
)
from assistant.evaluation.runner import open_assistant, select  # noqa: E402

DEV = ("own dev", "squad valid")


def confidences(bot: Assistant, reader: Reader, questions) -> list[tuple[bool, float, float]]:
    """(answerable, similarity-only confidence, reader's confidence) per question."""
    # Both through Assistant.ask_batch, so that the probe reads what the product reads.
    every = bot.settings.replace(reader=True, read_from=0.0, read_until=1.0)
    reading = Assistant(bot.stored, bot.embedder, every, reader=reader)
    texts, histories = [q.question for q in questions], [q.history for q in questions]
    plain = bot.ask_batch(texts, k=2, histories=histories)
    read = reading.ask_batch(texts, k=2, histories=histories)
    return [
        (q.answerable, a.confidence, b.confidence)
        for q, a, b in zip(questions, plain, read, strict=True)
    ]


def figures(rows, low: float, high: float, settings: Settings) -> tuple[float, float, float]:
    """Abstention, false abstention and the share read, reading only [low, high)."""

    def found(row) -> bool:
        _, plain, read = row
        if low <= plain < high:
            return read >= settings.reader_threshold
        return plain >= settings.found_threshold

    answerable = [r for r in rows if r[0]]
    unanswerable = [r for r in rows if not r[0]]
    return (
        sum(not found(r) for r in unanswerable) / max(len(unanswerable), 1),
        sum(not found(r) for r in answerable) / max(len(answerable), 1),
        sum(low <= r[1] < high for r in rows) / max(len(rows), 1),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default="index", help="index folder (default: index)")
    args = parser.parse_args(argv)
    settings = Settings()
    reader = Reader.load()
    own = Assistant.load("corpus", args.index, settings=settings)
    squad = open_assistant(load_squad_corpus(), Path(args.index) / "eval-squad-v1.1", settings)
    squad_questions = load_squad_questions() + load_squad_unanswerable()
    held_out = reader_pairs.held_out_titles()
    valid = [q for q in squad_questions if q.key in held_out]
    sets = {
        "own dev": confidences(own, reader, select(load_own_questions(), split="dev")),
        "own test": confidences(own, reader, select(load_own_questions(), split="test")),
        "blind": confidences(own, reader, load_blind_questions()),
        "squad valid": confidences(squad, reader, select(valid, split="dev", limit=1000)),
        "squad test": confidences(squad, reader, select(squad_questions, split="test", limit=1000)),
    }

    def show(label: str, low: float, high: float) -> None:
        cells = []
        for name, rows in sets.items():
            abstains, false, read = figures(rows, low, high, settings)
            cells.append(f"{name} {abstains:.3f}/{false:.3f} read {read:.2f}")
        print(f"{label:>14} [{low:.2f}, {high:.2f}): " + " | ".join(cells))

    show("read none", 0.0, 0.0)
    show("read all", 0.0, 2.0)
    show("settings' band", settings.read_from, settings.read_until)
    full = {name: figures(sets[name], 0.0, 2.0, settings) for name in DEV}
    best = None
    for low in range(0, 60):
        for high in range(low + 1, 101):
            band = (low / 100, high / 100)
            dev = {name: figures(sets[name], *band, settings) for name in DEV}
            if all(dev[n][0] >= full[n][0] - 1e-9 and dev[n][1] <= full[n][1] + 1e-9 for n in DEV):
                reads = sum(dev[n][2] for n in DEV)
                if best is None or reads < best[0]:
                    best = (reads, band)
    if best is not None:
        show("chosen on dev", *best[1])


if __name__ == "__main__":
    main()

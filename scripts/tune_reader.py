"""Choose how the reader reads: passages read and the blend's weight, on dev questions only.

    python scripts/tune_reader.py --index index

For each ``reader_passages``, ``reader_weight``, ``reader_margin`` and
``reader_sentences`` it prints R@1 and the highlighted
sentence's accuracy on the own dev split and on SQuAD questions of the articles
held out from the reader's training (``reader_pairs.held_out_titles``: SQuAD's
other dev articles were trained on, so their figures would flatter it), beside
similarity alone, and the median cost of an ask (of 50 per set; the two sets' mean).
Only dev questions are read: the test splits and the blind batch stay for the one report.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant import Assistant, Settings  # noqa: E402
from assistant.encoding.reader import Reader  # noqa: E402
from assistant.evaluation import reader_pairs  # noqa: E402
from assistant.evaluation.datasets import (  # noqa: E402
    load_own_questions,
    load_squad_corpus,
    load_squad_questions,
)
from assistant.evaluation.runner import evaluate, open_assistant, select  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default="index")
    parser.add_argument("--passages", default="1,2,3,5")
    parser.add_argument("--weights", default="0,0.5,1,2")
    parser.add_argument("--margins", default="1.0", help="reader_margin values to try")
    parser.add_argument(
        "--sentences", default="0", help="reader_sentences values to try (0: every sentence)"
    )
    parser.add_argument("--squad-limit", type=int, default=300)
    parser.add_argument(
        "--reader", type=Path, default=None, help="a reader folder (default: the shipped one)"
    )
    args = parser.parse_args(argv)
    base = Settings(reader=False)
    own = Assistant.load("corpus", args.index, settings=base)
    held_out = reader_pairs.held_out_titles()
    squad = open_assistant(
        load_squad_corpus(titles=sorted(held_out)), Path(args.index) / "eval-squad-held-out", base
    )
    sets = {
        "own dev": (own, select(load_own_questions(), split="dev")),
        "SQuAD held-out": (
            squad,
            select(
                [q for q in load_squad_questions() if q.key in held_out], limit=args.squad_limit
            ),
        ),
    }
    reader = Reader.load(args.reader) if args.reader else Reader.load()
    every = Settings(reader=True, read_from=0.0, read_until=1.0)
    combos = [(0, 0.0, 0.0, 0)] + [
        (int(n), float(w), float(m), int(c))
        for n in args.passages.split(",")
        for w in args.weights.split(",")
        for m in args.margins.split(",")
        for c in args.sentences.split(",")
    ]
    columns = " | ".join(f"{n}: R@1 | {n}: sentence" for n in sets)
    print(f"| passages | weight | margin | sentences | {columns} | ms/ask |")
    print("|---|---|---|---|" + "---|---|" * len(sets) + "---|")
    for passages, weight, margin, limit in combos:
        cells, costs = [], []
        for bot, questions in sets.values():
            settings = every.replace(
                reader_passages=max(1, passages),
                reader_weight=weight,
                reader_margin=margin,
                reader_sentences=limit,
            )
            if passages == 0:
                settings = base
            chosen = Assistant(bot.stored, bot.embedder, settings, reader=reader)
            report, _ = evaluate(chosen, questions)
            costs.append(report.latency_ms)
            cells += [f"{report.recall[1]:.3f}", f"{report.sentence_accuracy:.3f}"]
        name = "similarity only" if passages == 0 else str(passages)
        row = f"| {name} | {weight} | {margin} | {limit or 'all'} | " + " | ".join(cells)
        print(row + f" | {statistics.fmean(costs):.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

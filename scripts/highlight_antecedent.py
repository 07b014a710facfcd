"""Measure ``Settings.highlight_antecedent`` on the dev questions: how many highlights reach back.

``--setting highlight_continuation`` measures the reach forward the same way
(``Settings.highlight_continuation``), the other setting as it is by default.
For the own dev split and the SQuAD articles held out from the reader's training
(the dev questions ``tune_reader.py`` chooses on), with the setting off and on:
how many first-passage highlights changed, the share holding an answer, and the
highlights' mean length in characters. Test splits are not read.

    python scripts/highlight_antecedent.py --index DIR [--reader] [--squad-limit 600]
        [--setting highlight_continuation]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant import Assistant, Settings  # noqa: E402
from assistant.evaluation import reader_pairs  # noqa: E402
from assistant.evaluation.datasets import (  # noqa: E402
    load_own_questions,
    load_squad_corpus,
    load_squad_questions,
)
from assistant.evaluation.runner import open_assistant, select  # noqa: E402


def measure(bot: Assistant, questions, setting: str) -> dict[str, float]:
    """Changed highlights, answer share and mean length, the setting off against on."""
    off = Assistant(bot.stored, bot.embedder, bot.settings.replace(**{setting: False}))
    on = Assistant(bot.stored, bot.embedder, bot.settings.replace(**{setting: True}))
    rows = []
    for question in questions:
        shown = []
        for assistant in (off, on):
            answer = assistant.ask(question.question, history=list(question.history))
            shown.append(answer.passages[0].highlight if answer.passages else "")
        rows.append((question, *shown))
    right = [[any(a in shown for a in q.answers) for shown in (h0, h1)] for q, h0, h1 in rows]
    return {
        "questions": len(rows),
        "changed": sum(h0 != h1 for _, h0, h1 in rows),
        "answer off": sum(r[0] for r in right) / len(rows),
        "answer on": sum(r[1] for r in right) / len(rows),
        "length off": statistics.mean(len(h0) for _, h0, _ in rows),
        "length on": statistics.mean(len(h1) for _, _, h1 in rows),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default="index")
    parser.add_argument("--reader", action="store_true", help="with the reader on")
    parser.add_argument("--squad-limit", type=int, default=600)
    parser.add_argument(
        "--setting",
        choices=("highlight_antecedent", "highlight_continuation"),
        default="highlight_antecedent",
    )
    args = parser.parse_args(argv)
    base = Settings(reader=args.reader)
    own = Assistant.load("corpus", args.index, settings=base)
    held_out = reader_pairs.held_out_titles()
    squad = open_assistant(
        load_squad_corpus(titles=sorted(held_out)), Path(args.index) / "eval-squad-held-out", base
    )
    answerable = [q for q in load_own_questions() if q.answerable]
    sets = {
        "own dev": (own, select(answerable, split="dev")),
        "SQuAD held-out": (
            squad,
            select(
                [q for q in load_squad_questions() if q.key in held_out], limit=args.squad_limit
            ),
        ),
    }
    print("| dev set | questions | highlights changed | holds an answer, off -> on | mean length |")
    print("|---|---|---|---|---|")
    for name, (bot, questions) in sets.items():
        m = measure(bot, questions, args.setting)
        print(
            f"| {name} | {m['questions']} | {m['changed']} | {m['answer off']:.3f} -> "
            f"{m['answer on']:.3f} | {m['length off']:.0f} -> {m['length on']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

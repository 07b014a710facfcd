"""Probe: which "sources differ" panels does the reader keep? (issue 15)

Asks every question of our own set (both splits) and the blind batch, as the
chat does (k = the chat's), and compares the panels found without a judge with
those ``Assistant.sources_differ`` shows (figures whose sentence the reader
finds answering the question). Prints the counts by split, then every panel
found without the reader, with each figure's reader logit and what is shown
with it, so that the cuts (``Settings.figures_from``, ``panel_from``) can be
checked by eye. A shown panel is counted as "differ" (the latest figures of two
articles disagree: "Sources differ") or "earlier" (only an earlier figure beside
a later one: "Earlier figure").

    python scripts/sources_differ.py [--index index] [--cut -3.32]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant import Assistant, Settings  # noqa: E402
from assistant.answer import NOT_FOUND  # noqa: E402
from assistant.encoding.reader import Reader  # noqa: E402
from assistant.evaluation.datasets import load_blind_questions, load_own_questions  # noqa: E402
from assistant.search.figures import find_discrepancies  # noqa: E402
from assistant.web.chat import CHAT_K  # noqa: E402


def describe(panels) -> list[str]:
    return [
        f"{'differ' if p.disagree else 'earlier'} {p.kind}/{p.subject or '-'}/{p.scope or '-'}: "
        f"{[f.figure for f in p.latest]}"
        + (f" earlier {[f.figure for f in p.earlier]}" if p.earlier else "")
        for p in panels
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default="index")
    parser.add_argument("--cut", type=float, default=Settings().figures_from)
    args = parser.parse_args()
    reader = Reader.load()
    bot = Assistant.load("corpus", args.index, settings=Settings(figures_from=args.cut))
    bot = Assistant(bot.stored, bot.embedder, bot.settings, reader=reader)
    questions = [*load_own_questions(), *load_blind_questions()]
    answers = bot.ask_batch(
        [q.question for q in questions], k=CHAT_K, histories=[q.history for q in questions]
    )
    counts: dict[str, list[int]] = {}
    shown = []
    for question, answer in zip(questions, answers, strict=True):
        if answer.verdict == NOT_FOUND:
            continue
        plain = find_discrepancies(answer.passages, answer.searched_for)
        judged = bot.sources_differ(answer)
        where = "blind" if question.key.startswith("blind") else f"own {question.split}"
        row = counts.setdefault(where, [0, 0, 0])
        row[0], row[1] = row[0] + bool(plain), row[1] + bool(judged)
        row[2] += any(panel.disagree for panel in judged)
        if plain:
            shown.append((where, question, answer, plain, judged))
    print(f"{len(questions)} questions; questions with a panel, without the reader -> with it:")
    for where, (before, after, differ) in sorted(counts.items()):
        print(f"  {where}: {before} -> {after} ({differ} of them 'Sources differ')")
    for where, question, answer, plain, judged in shown:
        label = "answerable" if question.answerable else "unanswerable"
        print(f"\n[{where}] {question.question!r} ({label}; searched for {answer.searched_for!r})")
        sentences = list(dict.fromkeys(f.sentence for p in plain for f in p.figures))
        logits = dict(zip(sentences, reader.score(answer.searched_for, sentences), strict=True))
        for panel in plain:
            figures = ", ".join(f"{f.figure} {logits[f.sentence]:+.2f}" for f in panel.figures)
            print(f"  before {describe([panel])[0].split(':')[0]}: {figures}")
        print(f"  after  {describe(judged) or 'no panel'}")


if __name__ == "__main__":
    main()

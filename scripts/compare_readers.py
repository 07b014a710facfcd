"""Compare reader models on the valid articles (never the test ones).

    python scripts/compare_readers.py assistant/encoding/data/reader /tmp/other/out

For each reader folder (its int8 ``model.onnx``, one pair per call as the
runtime scores) and for the bi-encoder's cosine, it prints the three valid
figures a new reader is chosen on: the answer sentence first within its
paragraph, AUC answer vs plausible-answer sentence (``training.model.metrics``'
two), and AUC answer vs *mined* sentence: each answerable question's answer
sentence against the sentence of another valid paragraph nearest to it by
the bi-encoder (``reader_pairs.mined_pairs``), the negative the reader meets
in the product when the first passage is the wrong one. With ``--tydi`` also
the answer sentence first within its passage on TyDi QA GoldP's English *dev*
questions (information-seeking, written before their authors saw the passage:
closer to how our users ask than SQuAD's), every other sentence of the passage
against it. With ``--agreement``, how closely the second folder's logits follow the first's
on the valid pairs: what a reproduction of the shipped reader is checked by (its card states
the tolerance).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

os.environ["HF_HUB_OFFLINE"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.encoding.embedder import resolve_model_path  # noqa: E402
from assistant.encoding.reader import MODEL_FILE, load_tokenizer  # noqa: E402
from assistant.evaluation import reader_pairs as rp  # noqa: E402
from assistant.training.export import bi_encoder, cosine_scores, score_onnx  # noqa: E402
from assistant.training.model import BASE_MODEL, metrics  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path, help="reader folders (model.onnx)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tydi", action="store_true", help="also TyDi GoldP English dev")
    parser.add_argument(
        "--agreement",
        action="store_true",
        help="also the second folder's logits against the first's on the valid pairs",
    )
    args = parser.parse_args(argv)
    if args.agreement and len(args.folders) < 2:
        parser.error("--agreement compares two folders: give the shipped one, then the other")
    model_dir = resolve_model_path(BASE_MODEL)
    valid = rp.build_pairs("valid", unanswerable_others=1)
    mined = rp.mined_pairs("valid", embed=bi_encoder(model_dir, args.threads))
    answers = {p.group: p for p in valid if p.kind == rp.POSITIVE}
    mined = [p for p in mined if p.group.removesuffix(":mined") in answers]
    positives = [answers[p.group.removesuffix(":mined")] for p in mined]
    tokenizer = load_tokenizer(BASE_MODEL)
    tydi = []
    if args.tydi:
        from assistant.training.data import (
            TRAIN_DIR,
            TYDI_DEV_FILE,
            TYDI_LEAK_SHARE,
            train_file_pairs,
        )

        tydi = train_file_pairs(
            path=TRAIN_DIR / TYDI_DEV_FILE, negatives=99, leak_share=TYDI_LEAK_SHARE
        )
    print(f"valid: {len(valid)} pairs; {len(mined)} answer sentences against a mined one")
    if tydi:
        questions = sum(p.kind == rp.POSITIVE for p in tydi)
        print(f"TyDi dev: {questions} questions with two sentences or more, {len(tydi)} pairs")
    column = " TyDi dev sentence first |" if tydi else ""
    print(
        "\n| scorer | right sentence first | AUC answer vs plausible | AUC answer vs mined |"
        + column
    )
    print("|---|---|---|---|" + ("---|" if tydi else ""))
    scorers = [("cosine", lambda pairs: cosine_scores(model_dir, pairs, args.threads))]
    for folder in args.folders:
        path = folder / MODEL_FILE
        scorers.append(
            (
                str(folder),
                lambda pairs, p=path: score_onnx(p, tokenizer, pairs, 128, args.threads),
            )
        )
    logits = {}
    for name, score in scorers:
        logits[name] = score(valid)
        figures = metrics(valid, logits[name])
        paired = score(positives + mined)
        versus = rp.auc(paired[: len(positives)], paired[len(positives) :])
        extra = f" {rp.sentence_first(tydi, score(tydi)):.3f} |" if tydi else ""
        print(
            f"| {name} | {figures['sentence_first']:.3f} "
            f"| {figures['auc_answer_vs_plausible']:.3f} | {versus:.3f} |" + extra
        )
    if args.agreement:
        first, second = (logits[str(folder)] for folder in args.folders[:2])
        print(agreement(valid, first, second))
    return 0


def agreement(pairs, first: np.ndarray, second: np.ndarray) -> str:
    """How closely ``second``'s logits follow ``first``'s: correlation, differences, and the
    share of questions whose best-scored sentence is the same."""
    best: dict[str, tuple[int, int]] = {}
    for number, pair in enumerate(pairs):
        a, b = best.get(pair.group, (number, number))
        a = number if first[number] > first[a] else a
        b = number if second[number] > second[b] else b
        best[pair.group] = (a, b)
    same = np.mean([a == b for a, b in best.values()])
    difference = np.abs(first - second)
    return (
        f"\nagreement on {len(pairs)} valid pairs: Pearson {np.corrcoef(first, second)[0, 1]:.4f}, "
        f"mean |difference| {difference.mean():.3f}, max {difference.max():.3f}; "
        f"the same best sentence for {same:.3f} of {len(best)} questions"
    )


if __name__ == "__main__":
    sys.exit(main())

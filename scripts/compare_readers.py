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
against it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

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
    args = parser.parse_args(argv)
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
    for name, score in scorers:
        figures = metrics(valid, score(valid))
        paired = score(positives + mined)
        versus = rp.auc(paired[: len(positives)], paired[len(positives) :])
        extra = f" {rp.sentence_first(tydi, score(tydi)):.3f} |" if tydi else ""
        print(
            f"| {name} | {figures['sentence_first']:.3f} "
            f"| {figures['auc_answer_vs_plausible']:.3f} | {versus:.3f} |" + extra
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Train the reader (assistant/reader.py) from the packaged MiniLM, export it to int8 ONNX.

Stages, each resumable (the work folder keeps checkpoints and results)::

    python scripts/train_reader.py                 # pairs -> train -> export -> card
    python scripts/train_reader.py --smoke         # ~64 pairs, a few steps: checks the pipe (CI)
    python scripts/train_reader.py --export-only   # the best checkpoint -> ONNX, card
    python scripts/train_reader.py --test-once     # the one measurement on the test articles

The model is all-MiniLM-L6-v2's transformer, the mean of its token states
over the real tokens of ``[CLS] question [SEP] sentence [SEP]`` (how
all-MiniLM was trained; a probe found it far better than the [CLS] vector
here), and one linear logit, trained with a logistic loss by a plain torch
loop. Pairs: ``assistant/evaluation/reader_pairs.py`` (SQuAD dev-split articles; the
test-split ones are never read except by ``--test-once``). Harder negatives on
request: ``--swap-share`` (a name or number swapped, ``reader_pairs.swapped_pairs``),
``--reword-share`` (another head noun, or an antonym, ``rewording.py``) and
``--mined N`` (near sentences of other paragraphs, ``reader_pairs.mined_pairs``).

Checkpoints are safetensors plus JSON (no pickle): a killed run started
again with the same arguments resumes where its last checkpoint left off.

This file is the command (its options and the order of the stages); the work is
done by ``assistant/training/``: ``data`` (the train file's pairs), ``model``,
``loop`` (batches, schedule, checkpoints), ``export`` (ONNX, int8, thresholds,
the cosine baseline) and ``card`` (the shipped folder and its model card).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from assistant.encoding.reader import CONTEXTS, NO_CONTEXT, READER_DIR  # noqa: E402
from assistant.evaluation import reader_pairs as rp  # noqa: E402
from assistant.evaluation.rewording import reworded_pairs, subject_pairs  # noqa: E402
from assistant.training.card import (  # noqa: E402
    FOLDER_OPTIONS,
    card_text,
    recipe,
    split_summary,
    write_output,
)
from assistant.training.export import bi_encoder, cosine_scores, export, thresholds  # noqa: E402
from assistant.training.loop import default_work_dir, train  # noqa: E402
from assistant.training.model import BASE_MODEL, metrics  # noqa: E402

log = logging.getLogger("train_reader")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument(
        "--max-pairs",
        type=int,
        default=None,
        help="cap on training pairs, whole questions from the seeded order, taken before the "
        "swapped, reworded and mined negatives are made from them",
    )
    parser.add_argument("--max-negatives", type=int, default=None, help="per question (all)")
    parser.add_argument("--unanswerable-others", type=int, default=1)
    parser.add_argument(
        "--swap-share",
        type=float,
        default=0.0,
        help="share of the training positives that also give a swapped-question negative",
    )
    parser.add_argument(
        "--reword-share",
        type=float,
        default=0.0,
        help="share of the training positives that also give a reworded-question negative "
        "(another head noun, or an antonym: rewording.py)",
    )
    parser.add_argument(
        "--subject-share",
        type=float,
        default=0.0,
        help="share of the training positives that also give a negative asking about another "
        "subject of the same article (rewording.subject_pairs)",
    )
    parser.add_argument(
        "--mined",
        type=int,
        default=0,
        help="negatives per answerable training question mined from other paragraphs",
    )
    parser.add_argument(
        "--train-questions",
        type=int,
        default=0,
        help="answerable questions drawn from the train file (train-v2.0-approx, all of its "
        "unanswerable ones come with them); -1: all; 0: the train file is not read",
    )
    parser.add_argument(
        "--train-negatives", type=int, default=1, help="hard negatives per train-file question"
    )
    parser.add_argument(
        "--tydi-questions",
        type=int,
        default=0,
        help="questions drawn from TyDi QA GoldP's English train file (information-seeking, "
        "all answerable), added after --max-pairs; -1: all; 0: not read",
    )
    parser.add_argument(
        "--tydi-negatives", type=int, default=2, help="hard negatives per TyDi question"
    )
    parser.add_argument(
        "--train-unanswerable-others",
        type=int,
        default=0,
        help="sentences per unanswerable train-file question after its top-ranked one",
    )
    parser.add_argument(
        "--max-minutes",
        type=float,
        default=None,
        help="stop training after this long (checkpointed: the same command resumes)",
    )
    parser.add_argument(
        "--context",
        choices=CONTEXTS,
        default=NO_CONTEXT,
        help="what the reader reads beside the sentence: nothing, or the sentences before and "
        "after it in its paragraph (reader.neighbour_context)",
    )
    parser.add_argument(
        "--context-drop",
        type=float,
        default=0.0,
        help="with --context neighbours: the share of training questions read without it, so "
        "that the reader also scores a sentence alone (as 'sources differ' asks)",
    )
    parser.add_argument(
        "--init-from",
        type=Path,
        default=None,
        help="a checkpoint folder (<work>/best of an earlier run) to start from instead of "
        "the bare MiniLM",
    )
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--warmup", type=float, default=0.1, help="share of the steps")
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=rp.DEFAULT_SEED)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--checkpoint-every", type=int, default=100, help="steps")
    parser.add_argument("--evals-per-epoch", type=int, default=1)
    parser.add_argument("--max-valid-pairs", type=int, default=None)
    parser.add_argument(
        "--output", type=Path, default=None, help=f"default {READER_DIR}; --smoke: <work>/output"
    )
    parser.add_argument("--work", type=Path, default=None, help="checkpoints, ONNX fp32, results")
    parser.add_argument("--squad-dir", type=Path, default=None)
    parser.add_argument("--smoke", action="store_true", help="64 pairs, a few steps (CI)")
    parser.add_argument("--export-only", action="store_true")
    parser.add_argument("--test-once", action="store_true", help="measure on the test articles")
    parser.add_argument("--card-only", action="store_true", help="rewrite README.md from results")
    args = parser.parse_args(argv)
    if args.smoke:
        args.max_pairs = 64
        args.max_valid_pairs = 96
        args.epochs = 1
        args.checkpoint_every = 1000
        args.evals_per_epoch = 1
    if args.work is None:
        args.work = default_work_dir() / ("smoke" if args.smoke else "run")
    if args.output is None:
        # A smoke run must never replace the shipped model.
        args.output = args.work / "output" if args.smoke else READER_DIR
    return args


def cap_pairs(pairs, limit: int | None):
    """The first pairs up to ``limit``, whole questions only (the order is already seeded)."""
    if limit is None or len(pairs) <= limit:
        return pairs
    kept, groups = [], set()
    for pair in pairs:
        if pair.group not in groups and len(kept) >= limit:
            break
        groups.add(pair.group)
        kept.append(pair)
    return kept


def _drawn(group: str, share: float) -> bool:
    """A question drawn for ``share`` by its id: the same draw every run."""
    digest = hashlib.sha256(f"reader-context-drop:{group.split(':')[0]}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def training_pairs(args, model_dir: Path, pair_options: dict, results: dict) -> list:
    """The dev-split pairs, the train file's, TyDi's and the asked-for extra negatives,
    in a seeded order.

    ``results`` gets the train file's counts (``train_file``) and TyDi's
    (``tydi_file``) when they are read.
    """
    train_pairs = rp.build_pairs("train", **pair_options)
    if args.train_questions:
        from assistant.training.data import merge, train_file_pairs

        stats: dict = {}
        file_pairs = train_file_pairs(
            squad_dir=args.squad_dir,
            questions=None if args.train_questions < 0 else args.train_questions,
            negatives=args.train_negatives,
            unanswerable_others=args.train_unanswerable_others,
            seed=args.seed,
            stats=stats,
        )
        log.info("train file: %s", stats)
        results["train_file"] = stats
        train_pairs = merge(train_pairs, file_pairs, seed=args.seed)
    train_pairs = cap_pairs(train_pairs, args.max_pairs)
    if args.tydi_questions:
        from assistant.training.data import (
            TRAIN_DIR,
            TYDI_FILE,
            TYDI_LEAK_SHARE,
            merge,
            train_file_pairs,
        )

        tydi_stats: dict = {}
        root = args.squad_dir / "train" if args.squad_dir is not None else TRAIN_DIR
        tydi_pairs = train_file_pairs(
            path=root / TYDI_FILE,
            squad_dir=args.squad_dir,
            questions=None if args.tydi_questions < 0 else args.tydi_questions,
            negatives=args.tydi_negatives,
            seed=args.seed,
            stats=tydi_stats,
            leak_share=TYDI_LEAK_SHARE,
        )
        log.info("TyDi: %s", tydi_stats)
        results["tydi_file"] = tydi_stats
        train_pairs = merge(train_pairs, tydi_pairs, seed=args.seed)
    if args.swap_share:
        rng = random.Random(f"reader-swaps:{args.seed}")
        train_pairs = train_pairs + rp.swapped_pairs(train_pairs, rng=rng, share=args.swap_share)
    if args.reword_share:
        rng = random.Random(f"reader-rewords:{args.seed}")
        train_pairs = train_pairs + reworded_pairs(train_pairs, rng=rng, share=args.reword_share)
    if args.subject_share:
        rng = random.Random(f"reader-subjects:{args.seed}")
        positives = [p for p in train_pairs if p.kind == rp.POSITIVE]
        train_pairs = train_pairs + subject_pairs(positives, rng=rng, share=args.subject_share)
    if args.context_drop:
        # Whole questions, drawn by hash: the same ones in every run with these pairs.
        train_pairs = [
            replace(pair, context="") if _drawn(pair.group, args.context_drop) else pair
            for pair in train_pairs
        ]
    if args.mined:
        embed = bi_encoder(model_dir, args.threads)
        mined = rp.mined_pairs(
            "train", embed=embed, per_question=args.mined, seed=args.seed, squad_dir=args.squad_dir
        )
        # Into the seeded order (whole questions together), so capped runs see some too.
        groups: dict[str, list[rp.ReaderPair]] = {}
        for pair in train_pairs + mined:
            groups.setdefault(pair.group, []).append(pair)
        order = list(groups.values())
        random.Random(f"reader-mined:{args.seed}").shuffle(order)
        train_pairs = [pair for group in order for pair in group]
    return train_pairs


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(message)s",
        handlers=[logging.StreamHandler(), logging.FileHandler(args.work / "train.log")],
    )
    import torch
    import transformers

    torch.set_num_threads(args.threads)
    from assistant.encoding.embedder import resolve_model_path
    from assistant.encoding.reader import load_tokenizer

    model_dir = resolve_model_path(BASE_MODEL)
    tokenizer = load_tokenizer(BASE_MODEL)
    results_path = args.work / "results.json"
    results = json.loads(results_path.read_text(encoding="utf-8")) if results_path.is_file() else {}

    if args.test_once:
        return test_once(args, model_dir, tokenizer, results, results_path)
    if args.card_only:
        (args.output / "README.md").write_text(card_text(args, results), encoding="utf-8")
        return 0

    pair_options = {
        "seed": args.seed,
        "squad_dir": args.squad_dir,
        "max_negatives": args.max_negatives,
        "unanswerable_others": args.unanswerable_others,
    }
    train_pairs = training_pairs(args, model_dir, pair_options, results)
    valid_pairs = cap_pairs(rp.build_pairs("valid", **pair_options), args.max_valid_pairs)
    log.info("pairs: train %s, valid %s", split_summary(train_pairs), split_summary(valid_pairs))
    v1_titles, v2_titles = _titles(args.squad_dir)
    valid = sorted(rp.valid_titles(v1_titles, v2_titles, seed=args.seed))
    dev = [t for t in v1_titles if rp.article_split(t, valid) != "test"]
    results["data"] = {
        "dev_articles": len(dev),
        "valid_articles": len(valid),
        "valid_titles": valid,
        "train": split_summary(train_pairs),
        "valid": split_summary(valid_pairs),
    }
    folders = {option[2:].replace("-", "_") for option in FOLDER_OPTIONS}
    hyper = {k: v for k, v in vars(args).items() if k not in folders}
    results["hyper"] = json.loads(json.dumps(hyper, default=str))
    given = argv if argv is not None else sys.argv[1:]
    command = ["python scripts/train_reader.py", *recipe(given)]
    results["command"] = " ".join(command)
    results["versions"] = {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "onnxruntime": __import__("onnxruntime").__version__,
    }
    if not args.export_only:
        state = train(args, tokenizer, model_dir, train_pairs, valid_pairs)
        results["train"] = {
            "seconds": round(state["seconds"], 1),
            "steps": state["step"],
            "pairs_per_second": round(
                state["step"] * args.batch_size / max(1.0, state["seconds"]), 2
            ),
            "history": state["history"],
            "best": state["best"],
        }
        results_path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    elif "train" not in results:
        raise SystemExit(f"--export-only needs a finished training in {args.work}")
    results["valid_cosine"] = metrics(
        valid_pairs, cosine_scores(model_dir, valid_pairs, args.threads)
    )
    results["export"] = export(args, model_dir, tokenizer, valid_pairs)
    log.info("export: %s", json.dumps(results["export"]))
    results_path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    write_output(args, results)
    return 0


def _titles(squad_dir) -> tuple[list[str], list[str]]:
    from assistant.evaluation.datasets import SQUAD_V1, SQUAD_V2_HALF, squad_path

    return (
        [e["title"] for e in rp._read(squad_path(SQUAD_V1, squad_dir))],
        [e["title"] for e in rp._read(squad_path(SQUAD_V2_HALF, squad_dir))],
    )


def test_once(args, model_dir: Path, tokenizer, results: dict, results_path: Path) -> int:
    """The shipped model and cosine on the test-split articles; the card gets the figures."""
    from assistant.encoding.reader import Reader

    if "export" not in results:
        raise SystemExit(f"--test-once needs a finished export in {args.work}")
    if results.get("test"):
        log.warning("the test split was measured before: measuring again changes nothing chosen")
    pairs = rp.build_pairs(
        "test",
        seed=args.seed,
        squad_dir=args.squad_dir,
        max_negatives=args.max_negatives,
        unanswerable_others=args.unanswerable_others,
    )
    reader = Reader.load(args.output, threads=args.threads)
    by_group: dict[str, list[int]] = {}
    for index, pair in enumerate(pairs):
        by_group.setdefault(pair.group, []).append(index)
    scores = np.zeros(len(pairs), dtype=np.float32)
    started = time.monotonic()
    for index in by_group.values():
        scores[index] = reader.score(
            pairs[index[0]].question,
            [pairs[i].sentence for i in index],
            [pairs[i].context for i in index],
        )
    seconds = time.monotonic() - started
    judged = {p.group for p in pairs if p.kind == rp.PARAGRAPH}
    results["test"] = {
        "articles": len({p.article for p in pairs}),
        "questions": len({p.group for p in pairs if p.kind == rp.POSITIVE and p.group in judged}),
        "plausible": sum(p.kind == rp.PLAUSIBLE for p in pairs),
        "pairs": len(pairs),
        "reader": metrics(pairs, scores),
        "cosine": metrics(pairs, cosine_scores(model_dir, pairs, args.threads)),
        "reader_seconds": round(seconds, 1),
        "thresholds": thresholds(pairs, scores),
        "model_sha256": reader.fingerprint,
    }
    log.info("test: %s", json.dumps(results["test"]))
    results_path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    # Only the card changes: the weights and config keep their sums.
    (args.output / "README.md").write_text(card_text(args, results), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

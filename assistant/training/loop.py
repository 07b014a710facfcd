"""The training loop: batches, the learning-rate schedule, checkpoints, ``--max-minutes``.

Checkpoints are safetensors plus JSON (no pickle). A checkpoint records an
``identity`` (a digest of the training pairs and the settings that shape the
run); a run started again with the same pairs and settings resumes at its
last step and draws the same batches and dropout masks it would have drawn.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import shutil
import time
from pathlib import Path

from ..encoding.reader import NEIGHBOURS
from ..evaluation import reader_pairs as rp
from .model import build_model, encode_batch, metrics, pair_text, score_torch, tensors

log = logging.getLogger(__name__)


def default_work_dir() -> Path:
    """Where runs keep checkpoints and results unless ``--work`` says otherwise."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "assistant" / "reader-train"


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


def reads(args) -> bool:
    """True when the run trains a reader of neighbours (``--context neighbours``)."""
    return getattr(args, "context", None) == NEIGHBOURS


def learning_rate(step: int, total: int, base: float, warmup: float) -> float:
    """Linear warm-up, then linear decay to zero."""
    warm = max(1, int(total * warmup))
    if step < warm:
        return base * (step + 1) / warm
    return base * max(0.0, (total - step) / max(1, total - warm))


def selection_score(result: dict[str, float]) -> float:
    """What early stopping maximises: both skills, equally."""
    return (result["sentence_first"] + result["auc_answer_vs_plausible"]) / 2


# --------------------------------------------------------------------------- checkpoints


def rp_digest(pairs, context: bool = False) -> str:
    """sha256 of the pairs' text, label and group, in order: a resumed run must see the same.

    A pair's context counts only in a run that reads it (``context``): every pair now
    carries its neighbours, and a run without them, like the checkpoints made before
    they existed, must keep its digest.
    """
    import hashlib

    digest = hashlib.sha256()
    for p in pairs:
        extra = f"\0{p.context}" if context and p.context else ""
        digest.update(f"{p.question}\0{p.sentence}\0{p.label}\0{p.group}{extra}\n".encode())
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
    # Swapped in whole: a run killed mid-save leaves the old checkpoint or the new one.
    old = path.with_name(path.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if path.exists() and any(path.iterdir()):
        path.rename(old)
    else:
        shutil.rmtree(path, ignore_errors=True)
    scratch.rename(path)
    shutil.rmtree(old, ignore_errors=True)


def load_weights(model, folder: Path) -> None:
    """The model's weights from a checkpoint folder."""
    from safetensors.torch import load_file

    model.load_state_dict(load_file(str(folder / "model.safetensors")))


def load_checkpoint(path: Path, model, optimizer) -> dict:
    """Weights and AdamW moments into ``model`` and ``optimizer``; the loop's saved state."""
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


def _optimizer(model, args):
    """AdamW with weight decay on every weight but biases and LayerNorm."""
    import torch

    decay = [
        p for n, p in model.named_parameters() if not n.endswith("bias") and "LayerNorm" not in n
    ]
    no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
    return torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": args.weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=args.lr,
    )


def _validate(args, model, tokenizer, valid_pairs, state: dict, per_epoch: int, started: float):
    """Scores the valid pairs; a new best is saved to ``<work>/best`` with its scores."""
    best = args.work / "best"
    scores = score_torch(model, tokenizer, valid_pairs, args.max_length, context=reads(args))
    result = metrics(valid_pairs, scores)
    result.update(step=state["step"], epoch=round(state["step"] / per_epoch, 3))
    state["history"].append(result)
    log.info("valid at step %d: %s", state["step"], result)
    if state["best"] is None or selection_score(result) > selection_score(state["best"]):
        state["best"] = result
        state["seconds"] = time.monotonic() - started
        save_checkpoint(best, model, None, dict(state))
        (best / "valid_scores.json").write_text(json.dumps(scores.tolist()))
        log.info("new best, saved to %s", best)
    model.train()


def train(args, tokenizer, model_dir: Path, train_pairs, valid_pairs) -> dict:
    """Trains from ``<work>/checkpoint`` (or from the start); returns the loop's final state.

    Raises:
        SystemExit: the checkpoint was made with other pairs or settings, or
            ``args.max_minutes`` ran out (checkpointed first: the same command resumes).
    """
    import torch

    torch.manual_seed(args.seed)
    model = build_model(model_dir)
    if getattr(args, "init_from", None):
        # Fine-tuning a trained reader (its best checkpoint) rather than the bare MiniLM.
        load_weights(model, Path(args.init_from))
        log.info("weights from %s", args.init_from)
    optimizer = _optimizer(model, args)
    context = reads(args)
    lengths = [
        len(tokenizer.tokenize(p.question)) + len(tokenizer.tokenize(pair_text(p, context)))
        for p in train_pairs
    ]
    per_epoch = math.ceil(len(train_pairs) / args.batch_size)
    total = per_epoch * args.epochs
    eval_at = {
        min(per_epoch, round(per_epoch * (k + 1) / args.evals_per_epoch))
        for k in range(args.evals_per_epoch)
    }
    last = args.work / "checkpoint"
    # What a checkpoint must match to be resumed: the same pairs and the same settings.
    identity = {
        "pairs": rp_digest(train_pairs, context),
        "total_steps": total,
        **{k: getattr(args, k) for k in ("lr", "batch_size", "max_length", "seed", "warmup")},
    }
    if context:  # only then: the checkpoints of runs without it keep their identity
        identity["context"] = args.context
    if getattr(args, "init_from", None):
        identity["init_from"] = str(args.init_from)
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
    deadline = None if args.max_minutes is None else time.monotonic() + args.max_minutes * 60
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
            feed = encode_batch(tokenizer, batch, args.max_length, context)
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
                _validate(args, model, tokenizer, valid_pairs, state, per_epoch, started)
            out_of_time = deadline is not None and time.monotonic() > deadline
            if (
                evaluate_now
                or out_of_time
                or state["step"] % args.checkpoint_every == 0
                or state["step"] == total
            ):
                state["seconds"] = time.monotonic() - started
                save_checkpoint(last, model, optimizer, dict(state))
            if out_of_time and state["step"] < total:
                raise SystemExit(
                    f"--max-minutes reached at step {state['step']} of {total}; checkpointed in "
                    f"{last}: run the same command again to resume"
                )
    state["seconds"] = time.monotonic() - started
    return state

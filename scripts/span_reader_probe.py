"""Probe issue 15's "span head": train MiniLM to point at the answer, or at [CLS] for none.

    python scripts/span_reader_probe.py --epochs 4 --threads 2     # ~30 min on 2 cores
    python scripts/span_reader_probe.py --smoke                    # a few steps (CI)
    python scripts/span_reader_probe.py --train-questions 6000 --train-unanswerable 3000 \
        --epochs 1 --max-minutes 60 --work DIR                     # + the train file (~45 min)

SQuAD 2.0's set-up on the reader's data: ``[CLS] question [SEP] paragraph [SEP]``,
a start and an end logit per token (``Linear(384, 2)`` on all-MiniLM-L6-v2's
token states), trained with cross-entropy towards the answer's first and last
token, or towards [CLS] for the SQuAD 2.0 half's unanswerable questions. The
score "the paragraph answers" is the best span's start + end logits less
[CLS]'s. Trained on the reader's train articles, measured on its *valid*
articles (``reader_pairs.valid_titles``); the test articles are never read.
``--train-questions N`` adds N answerable questions of the train file
(``train-v2.0-approx``, -1: all) and ``--train-unanswerable M`` of its
unanswerable ones, less the paragraphs that repeat a dev paragraph
(``training.data.leaks``).

A long run is budgeted (``--max-minutes``) and checkpointed (safetensors and
JSON, ``training.loop``): the same command resumes it, with the same batches.

It prints, on the valid articles, the span's exact match and F1 (SQuAD's
normalisation) for the answerable questions, and "does this paragraph answer?"
for the SQuAD 2.0 half's questions: AUC answerable vs unanswerable, and the
share of unanswerable ones refused when 95 % of the answerable are kept, beside
the shipped sentence reader's (its best logit over the paragraph's sentences),
and for both how often the sentence they point at (the span's first character,
or the best logit) is the answer's: the sentence the product highlights.
A probe: nothing is exported or shipped.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import random
import re
import string
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from assistant.encoding.embedder import resolve_model_path  # noqa: E402
from assistant.encoding.reader import INPUT_NAMES, Reader, load_tokenizer  # noqa: E402
from assistant.evaluation import reader_pairs as rp  # noqa: E402
from assistant.training.loop import (  # noqa: E402
    default_work_dir,
    learning_rate,
    length_batches,
    load_checkpoint,
    save_checkpoint,
)
from assistant.training.model import BASE_MODEL, encoder_and_head  # noqa: E402


@dataclass(frozen=True, slots=True)
class Example:
    """One SQuAD question with its paragraph (``start_char`` -1: unanswerable)."""

    question: str
    context: str
    answers: list[str]
    start_char: int
    impossible: bool
    has_v2: bool  # its article is in the SQuAD 2.0 half
    article: str


def examples(split: str, squad_dir=None, seed: int = rp.DEFAULT_SEED) -> list[Example]:
    """The questions of the split's paragraphs; ``has_v2``: its article is in the SQuAD 2.0 half."""
    paragraphs, v1_titles, v2_titles = rp._paragraphs(squad_dir)
    valid = rp.valid_titles(v1_titles, v2_titles, seed=seed)
    v2 = set(v2_titles)
    found = []
    for paragraph in paragraphs:
        if rp.article_split(paragraph.article, valid) != split:
            continue
        for qa in paragraph.qas:
            impossible = bool(qa.get("is_impossible"))
            answers = [] if impossible else [a["text"] for a in qa["answers"]]
            start = -1 if impossible else int(qa["answers"][0]["answer_start"])
            found.append(
                Example(
                    qa["question"].strip(),
                    paragraph.context,
                    answers,
                    start,
                    impossible,
                    paragraph.article in v2,
                    paragraph.article,
                )
            )
    return found


def train_file_examples(
    questions: int | None,
    unanswerable_questions: int | None = None,
    path=None,
    seed: int = rp.DEFAULT_SEED,
    stats: dict | None = None,
) -> list[Example]:
    """Questions of the train file with their paragraphs, leaked paragraphs left out
    (``training.data.kept_paragraphs``): ``questions`` answerable and
    ``unanswerable_questions`` unanswerable ones drawn by ``seed`` (all when None)."""
    from assistant.training.data import kept_paragraphs

    paragraphs, leaked = kept_paragraphs(path)
    answerable, unanswerable = [], []
    for title, context, qas in paragraphs:
        for qa in qas:
            question = qa["question"].strip()
            if not question:
                continue
            if qa.get("is_impossible"):
                unanswerable.append(Example(question, context, [], -1, True, True, title))
            elif qa["answers"]:
                texts = [a["text"] for a in qa["answers"]]
                start = int(qa["answers"][0]["answer_start"])
                answerable.append(Example(question, context, texts, start, False, True, title))
    if questions is not None and questions < len(answerable):
        answerable = random.Random(f"span-train-file:{seed}").sample(answerable, questions)
    if unanswerable_questions is not None and unanswerable_questions < len(unanswerable):
        rng = random.Random(f"span-train-file-unanswerable:{seed}")
        unanswerable = rng.sample(unanswerable, unanswerable_questions)
    if stats is not None:
        stats.update(answerable=len(answerable), unanswerable=len(unanswerable), leaked=leaked)
    return answerable + unanswerable


def digest(items: list[Example]) -> str:
    """What a checkpoint must have been trained on to be resumed."""
    h = hashlib.sha256()
    for e in items:
        h.update(f"{e.question}\0{e.start_char}\0{e.impossible}\0{e.context}\n".encode())
    return h.hexdigest()


def encode(tokenizer, batch: list[Example], max_length: int):
    """Token ids, offsets, and the start/end token of each answer (0, 0: none or cut off)."""
    encoded = tokenizer(
        [e.question for e in batch],
        [e.context for e in batch],
        truncation="only_second",
        max_length=max_length,
        padding=True,
        return_offsets_mapping=True,
        return_tensors="np",
    )
    starts, ends = np.zeros(len(batch), dtype=np.int64), np.zeros(len(batch), dtype=np.int64)
    for row, example in enumerate(batch):
        if example.impossible:
            continue
        first, last = example.start_char, example.start_char + len(example.answers[0])
        context_tokens = [
            i
            for i, s in enumerate(encoded.sequence_ids(row))
            if s == 1 and encoded["offset_mapping"][row][i][1] > 0
        ]
        offsets = encoded["offset_mapping"][row]
        start = next((i for i in context_tokens if offsets[i][1] > first), None)
        end = next((i for i in reversed(context_tokens) if offsets[i][0] < last), None)
        if start is not None and end is not None and start <= end and offsets[end][1] >= last:
            starts[row], ends[row] = start, end
    return encoded, starts, ends


def build_model(model_dir: Path):
    import torch

    class SpanReader(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder, self.head = encoder_and_head(model_dir, 2)

        def forward(self, input_ids, attention_mask, token_type_ids):
            states = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            logits = self.head(states)
            # Padding and the question's tokens can be neither start nor end ([CLS] can).
            allowed = (token_type_ids == 1) & (attention_mask == 1)
            allowed[:, 0] = True
            logits = logits.masked_fill(~allowed.unsqueeze(-1), -1e4)
            return logits[..., 0], logits[..., 1]

    return SpanReader()


def _tensors(encoded):
    import torch

    return [torch.from_numpy(encoded[n].astype(np.int64)) for n in INPUT_NAMES]


def predict(model, tokenizer, items: list[Example], max_length: int, max_answer: int = 30):
    """For each example: its best span's text, the score best span minus [CLS], and
    the span's first character in the paragraph."""
    import torch

    model.eval()
    texts, margins, starts = [], [], []
    with torch.inference_mode():
        for first in range(0, len(items), 32):
            batch = items[first : first + 32]
            encoded, _, _ = encode(tokenizer, batch, max_length)
            start, end = (t.numpy() for t in model(*_tensors(encoded)))
            for row, example in enumerate(batch):
                s, e = start[row], end[row]
                null = s[0] + e[0]
                grid = s[:, None] + e[None, :]
                ones = np.ones_like(grid, dtype=bool)
                # A real span: not [CLS], its end at or after its start, at most max_answer long.
                spans = np.triu(ones) & ~np.triu(ones, k=max_answer)
                spans[0, :] = spans[:, 0] = False
                grid = np.where(spans, grid, -np.inf)
                i, j = np.unravel_index(int(np.argmax(grid)), grid.shape)
                offsets = encoded["offset_mapping"][row]
                texts.append(example.context[offsets[i][0] : offsets[j][1]])
                margins.append(float(grid[i, j] - null))
                starts.append(int(offsets[i][0]))
    model.train()
    return texts, np.array(margins), starts


def _normal(text: str) -> list[str]:
    text = "".join(c for c in text.lower() if c not in set(string.punctuation))
    return re.sub(r"\b(a|an|the)\b", " ", text).split()


def exact_and_f1(prediction: str, answers: list[str]) -> tuple[float, float]:
    """SQuAD's exact match and token F1, best over the annotators' answers."""
    predicted = _normal(prediction)
    best_f1, exact = 0.0, 0.0
    for answer in answers:
        truth = _normal(answer)
        exact = max(exact, float(predicted == truth))
        common = sum((collections.Counter(predicted) & collections.Counter(truth)).values())
        if common:
            precision, recall = common / len(predicted), common / len(truth)
            best_f1 = max(best_f1, 2 * precision * recall / (precision + recall))
    return exact, best_f1


def refused_at(keep: float, answerable: np.ndarray, unanswerable: np.ndarray) -> float:
    """Share of unanswerable refused by the cut that keeps ``keep`` of the answerable."""
    cut = np.quantile(answerable, 1 - keep)
    return float(np.mean(unanswerable < cut))


def answers_figures(items: list[Example], scores: np.ndarray) -> dict[str, float]:
    v2 = np.array([e.has_v2 for e in items])
    impossible = np.array([e.impossible for e in items])
    answerable, unanswerable = scores[v2 & ~impossible], scores[v2 & impossible]
    return {
        "auc": round(rp.auc(answerable, unanswerable), 4),
        "refused_at_95": round(refused_at(0.95, answerable, unanswerable), 4),
        "refused_at_90": round(refused_at(0.90, answerable, unanswerable), 4),
    }


def sentence_first(items: list[Example], chosen: list[int]) -> float:
    """Share of answerable questions whose chosen sentence (an index into the
    paragraph's ``paragraph_sentences``) holds the answer's first character."""
    hits = []
    for example, sentence in zip(items, chosen, strict=True):
        if example.impossible:
            continue
        spans = rp.paragraph_sentences(example.context)
        hits.append(rp._sentence_at(spans, example.start_char) == sentence)
    return round(float(np.mean(hits)), 4)


def evaluate(model, tokenizer, items: list[Example], max_length: int) -> dict[str, float]:
    texts, margins, starts = predict(model, tokenizer, items, max_length)
    chosen = [
        rp._sentence_at(rp.paragraph_sentences(e.context), start)
        for e, start in zip(items, starts, strict=True)
    ]
    scored = [
        exact_and_f1(text, e.answers)
        for text, e in zip(texts, items, strict=True)
        if not e.impossible
    ]
    return {
        "exact": round(float(np.mean([s[0] for s in scored])), 4),
        "f1": round(float(np.mean([s[1] for s in scored])), 4),
        "sentence_first": sentence_first(items, chosen),
        **answers_figures(items, margins),
    }


def sentence_reader_scores(items: list[Example]) -> tuple[np.ndarray, list[int]]:
    """The shipped reader's "does it answer" for a paragraph (its best sentence
    logit), and which sentence that is."""
    reader = Reader.load(threads=2)
    best, chosen = [], []
    for example in items:
        sentences = [example.context[s:e] for s, e in rp.paragraph_sentences(example.context)]
        logits = reader.score(example.question, sentences)
        best.append(float(np.max(logits)))
        chosen.append(int(np.argmax(logits)))
    return np.array(best), chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--warmup", type=float, default=0.1)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--seed", type=int, default=rp.DEFAULT_SEED)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--evals-per-epoch", type=int, default=1)
    parser.add_argument(
        "--train-questions",
        type=int,
        default=0,
        help="answerable questions of the train file added; -1: all; 0: the train file is not read",
    )
    parser.add_argument(
        "--train-unanswerable",
        type=int,
        default=-1,
        help="unanswerable questions of the train file added with them; -1: all",
    )
    parser.add_argument(
        "--max-minutes",
        type=float,
        default=None,
        help="stop after this long, checkpointed: the same command resumes",
    )
    parser.add_argument("--checkpoint-every", type=int, default=200, help="steps")
    parser.add_argument("--work", type=Path, default=default_work_dir() / "span-probe")
    parser.add_argument("--smoke", action="store_true", help="24 examples, 3 steps (CI)")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    args.work.mkdir(parents=True, exist_ok=True)
    tokenizer = load_tokenizer(BASE_MODEL)
    train_items, valid_items = examples("train"), examples("valid")
    results = {"args": {k: str(v) for k, v in vars(args).items()}, "history": []}
    if args.train_questions:
        stats: dict = {}
        limits = [None if n < 0 else n for n in (args.train_questions, args.train_unanswerable)]
        train_items = train_items + train_file_examples(*limits, seed=args.seed, stats=stats)
        results["train_file"] = stats
    if args.smoke:
        rng = random.Random(args.seed)
        # Three steps of eight, 32 to measure: every part runs, in half the time of 48 / 64.
        train_items = rng.sample(train_items, 24)
        valid_items = rng.sample([e for e in valid_items if e.has_v2], 32)
        args.epochs, args.batch_size = 1, 8
    model = build_model(resolve_model_path(BASE_MODEL))
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    lengths = [len(tokenizer.tokenize(e.question)) + len(e.context) // 4 for e in train_items]
    per_epoch = -(-len(train_items) // args.batch_size)
    total = per_epoch * args.epochs
    evals = {
        min(per_epoch, round(per_epoch * (k + 1) / args.evals_per_epoch))
        for k in range(args.evals_per_epoch)
    }
    identity = {
        "examples": digest(train_items),
        "total_steps": total,
        **{k: getattr(args, k) for k in ("lr", "batch_size", "max_length", "seed", "warmup")},
    }
    last = args.work / "checkpoint"
    state = {"step": 0, "seconds": 0.0, "history": []}
    if (last / "state.json").is_file():
        state = load_checkpoint(last, model, optimizer)
        if state.get("identity") != identity:
            raise SystemExit(f"{last} was made with other data or settings: pass another --work")
        print(f"resumed at step {state['step']} of {total}", flush=True)
    state["identity"] = identity
    results["history"] = state["history"]
    began = time.monotonic() - state["seconds"]
    deadline = None if args.max_minutes is None else time.monotonic() + args.max_minutes * 60
    print(f"train {len(train_items)} questions, valid {len(valid_items)}", flush=True)
    model.train()
    while state["step"] < total:
        epoch, position = divmod(state["step"], per_epoch)
        # The same batches for an epoch in every run: a resumed run goes on where it stopped.
        order = length_batches(
            train_items, lengths, args.batch_size, random.Random(f"span-probe:{args.seed}:{epoch}")
        )
        for number in range(position + 1, per_epoch + 1):
            step = state["step"]
            torch.manual_seed(args.seed * 1_000_003 + step)  # the same dropout when resumed
            batch = [train_items[i] for i in order[number - 1]]
            encoded, starts, ends = encode(tokenizer, batch, args.max_length)
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(step, total, args.lr, args.warmup)
            start, end = model(*_tensors(encoded))
            loss = (
                loss_fn(start, torch.from_numpy(starts)) + loss_fn(end, torch.from_numpy(ends))
            ) / 2
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            state["step"] = step = step + 1
            if step % 20 == 0:
                rate = step / max(1e-9, time.monotonic() - began)
                print(f"step {step}/{total} loss {loss.item():.3f} {rate:.2f} steps/s", flush=True)
            evaluate_now = number in evals
            if evaluate_now:
                figures = evaluate(model, tokenizer, valid_items, args.max_length)
                figures.update(step=step, seconds=round(time.monotonic() - began))
                state["history"].append(figures)
                print(f"valid: {json.dumps(figures)}", flush=True)
                (args.work / "results.json").write_text(json.dumps(results, indent=2))
            out_of_time = deadline is not None and time.monotonic() > deadline
            if evaluate_now or out_of_time or step % args.checkpoint_every == 0:
                state["seconds"] = time.monotonic() - began
                save_checkpoint(last, model, optimizer, dict(state))
            if out_of_time and step < total:
                raise SystemExit(
                    f"--max-minutes reached at step {step} of {total}; checkpointed in {last}: "
                    "run the same command again to resume"
                )
    scores, chosen = sentence_reader_scores(valid_items)
    results["sentence_reader"] = {
        "sentence_first": sentence_first(valid_items, chosen),
        **answers_figures(valid_items, scores),
    }
    print(f"shipped sentence reader: {json.dumps(results['sentence_reader'])}")
    (args.work / "results.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

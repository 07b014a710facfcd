"""The best checkpoint to ONNX (fp32, then int8 weights), scored as the runtime scores it.

Also the baseline a reader must beat: the bi-encoder's cosine of question and
sentence. torch, onnxruntime and sentence-transformers are imported inside the
functions.
"""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..encoding.reader import INPUT_NAMES, OUTPUT_NAME, encode_pairs
from ..evaluation import reader_pairs as rp
from .loop import load_weights, reads
from .model import build_model, encode_batch, metrics, score_torch, tensors

OPSET = 17


def _to_onnx(model, sample: dict[str, np.ndarray], path: Path) -> None:
    """The torch model traced on ``sample`` to an fp32 ONNX file, batch and length dynamic."""
    import torch

    dynamic = {name: {0: "batch", 1: "tokens"} for name in INPUT_NAMES}
    with warnings.catch_warnings(), torch.no_grad():
        # The TorchScript exporter warns that it is the old one, and transformers that shape
        # checks become constants: both harmless for this encoder-only graph (checked below).
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            tuple(tensors(sample)),
            str(path),
            dynamo=False,
            input_names=list(INPUT_NAMES),
            output_names=[OUTPUT_NAME],
            dynamic_axes={**dynamic, OUTPUT_NAME: {0: "batch"}},
            opset_version=OPSET,
        )


def _quantise(fp32: Path, int8: Path) -> None:
    """int8 weights, one scale per output channel, with onnxruntime's chatter silenced."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # One scale per output channel: MiniLM's weights have outlier channels (onnx_artefacts.py).
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)


def export(args, model_dir: Path, tokenizer, valid_pairs) -> dict:
    """Best checkpoint -> fp32 ONNX -> int8 ONNX; the two compared on the valid pairs."""
    model = build_model(model_dir)
    load_weights(model, args.work / "best")
    model.eval()
    fp32 = args.work / "model-fp32.onnx"
    int8 = args.work / "model-int8.onnx"
    # A padded second row, so that the traced graph masks padding as real batches need.
    context = reads(args)
    sample = encode_batch(tokenizer, valid_pairs[:2], args.max_length, context)
    sample["attention_mask"][1, -2:] = 0
    _to_onnx(model, sample, fp32)
    _quantise(fp32, int8)
    saved = args.work / "best" / "valid_scores.json"
    if saved.is_file():  # scored when the checkpoint was chosen: no need to score again
        torch_scores = np.array(json.loads(saved.read_text()), dtype=np.float32)
    else:
        torch_scores = score_torch(model, tokenizer, valid_pairs, args.max_length, context=context)
    fp32_scores = score_onnx(fp32, tokenizer, valid_pairs, args.max_length, args.threads, context)
    int8_scores = score_onnx(int8, tokenizer, valid_pairs, args.max_length, args.threads, context)
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
        "style_check": style_check(int8, tokenizer, valid_pairs, args),
    }


def score_onnx(
    path: Path, tokenizer, pairs, max_length: int, threads: int, context: bool = False
) -> np.ndarray:
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
        around = [pair.context] if context else None
        feed = encode_pairs(tokenizer, pair.question, [pair.sentence], max_length, around)
        (out,) = session.run([OUTPUT_NAME], feed)
        scores[index] = float(np.asarray(out).reshape(-1)[0])
    return scores


def style_check(path: Path, tokenizer, pairs, args) -> dict:
    """AUC answer vs plausible with the sentence (and its context) blanked out.

    The question alone is then all the model sees: near 0.5 means it does not tell
    answerable from unanswerable questions by how they are written (the train file's
    unanswerable ones were lower-cased at the source: ``training/data.py``).
    """
    judged = [p for p in pairs if p.kind in (rp.POSITIVE, rp.PLAUSIBLE)]
    blank = [replace(p, sentence="", context="") for p in judged]
    scores = score_onnx(path, tokenizer, blank, args.max_length, args.threads)
    return {
        "pairs": len(blank),
        "auc_answer_vs_plausible_blanked": round(rp.answer_vs_plausible_auc(blank, scores), 4),
    }


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

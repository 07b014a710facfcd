"""The ways of running the embedding model: torch as shipped, int8, or ONNX Runtime.

Every encoder turns texts into the model's mean-pooled, unit-length vectors;
they differ in speed and in how close they stay to the torch fp32 vectors.
Measured by ``benchmarks/encoder.py`` on 2 cores, against torch in the same run
(passages/s, one question's ms; SQuAD v1.1 dev R@5 of the hybrid pipeline):

========== ================================================ ====== ===== ===== =====
encoder    how                                              cosine pass. query R@5
========== ================================================ ====== ===== ===== =====
torch      sentence-transformers on torch, fp32 (reference) 1      1x    1x    0.965
torch-int8 the same, nn.Linear int8 per channel on load     0.981  1.7x  1.8x  0.965
onnx       ONNX Runtime, a graph exported here              1.0000 2.4x  8.6x  0.965
onnx-int8  ONNX Runtime, that graph, int8 weights/channel   0.994  4.2x  25x   0.964
========== ================================================ ====== ===== ===== =====

onnx-int8 is the default. The ONNX encoders never import torch once their
graph is built (``encoding/artefacts.py``), so a one-shot command starts in a
fraction of a second instead of seconds.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple, Protocol

import numpy as np

from ..config import ENCODERS
from ..errors import ModelError
from .artefacts import OUTPUT_NAME, TOKENS_NAME

Span = tuple[int, int]


class Encoder(Protocol):
    """What ``Embedder`` needs from a way of running the model."""

    dimension: int
    max_tokens: int

    def count_tokens(self, text: str) -> int: ...

    def encode(
        self, texts: list[str], *, query: bool, batch_size: int, progress: bool
    ) -> np.ndarray: ...

    def encode_spans(
        self, texts: list[str], spans: Sequence[Sequence[Span]], *, batch_size: int, progress: bool
    ) -> SpanVectors: ...


class SpanVectors(NamedTuple):
    """What ``Encoder.encode_spans`` returns.

    Attributes:
        texts: one unit vector per text, as ``encode`` gives it.
        spans: one unit vector per span, all texts' spans in order, pooled from
            the text's own token states.
        cut: indices into ``spans`` of those the model's window did not hold
            whole (a text longer than ``max_tokens``): their rows are zero.
    """

    texts: np.ndarray
    spans: np.ndarray
    cut: list[int]


def pool_spans(
    states: np.ndarray, offsets: np.ndarray, spans: Sequence[Span], out: np.ndarray
) -> list[int]:
    """Mean-pool, into ``out``, the token states of each character span of one text.

    A span's tokens are those lying wholly inside it (special tokens have empty
    offsets and never do). Returns the positions of the spans that reach past
    the last token the model saw, or hold no token: those rows are left zero.

    This is "late chunking": the sentence is read in its passage's context,
    as the passage's own vector reads it, for one pass of the model instead of two.
    """
    starts, ends = offsets[:, 0], offsets[:, 1]
    seen = int(ends.max(initial=0))
    cut = []
    for row, (start, end) in enumerate(spans):
        inside = (starts >= start) & (ends <= end) & (ends > starts)
        if end > seen or not inside.any():
            cut.append(row)
            continue
        pooled = states[inside].mean(axis=0)
        out[row] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
    return cut


def load_encoder(
    kind: str, model_path: Path, fingerprint: str, *, cache_dir: Path | None = None
) -> Encoder:
    """Load the model at ``model_path`` to run as ``kind`` (one of ``ENCODERS``).

    Raises:
        ValueError: ``kind`` is not a known encoder.
        ModelError: the model cannot be loaded or converted.
    """
    check_encoder(kind)
    if kind.startswith("torch"):
        return TorchEncoder(model_path, quantized=kind == "torch-int8")
    return OnnxEncoder(model_path, fingerprint, quantized=kind == "onnx-int8", cache_dir=cache_dir)


def encoder_fingerprint(model_fingerprint: str, kind: str) -> str:
    """What names the vectors of a model run as ``kind``: a new one means a rebuilt index."""
    from .artefacts import ARTEFACT_VERSION

    # torch keeps the bare model fingerprint, so that indexes built before there was a
    # choice stay valid; an ONNX graph exported another way gives other vectors.
    if kind == "torch":
        return model_fingerprint
    if kind.startswith("onnx"):
        return f"{model_fingerprint}-{kind}-v{ARTEFACT_VERSION}"
    return f"{model_fingerprint}-{kind}"


def check_encoder(kind: str) -> None:
    """Raise ValueError, naming the known encoders, when ``kind`` is not one."""
    if kind not in ENCODERS:
        raise ValueError(f"unknown encoder {kind!r}: use one of {', '.join(ENCODERS)}")


class TorchEncoder:
    """sentence-transformers on torch, optionally with int8 dynamic quantisation."""

    def __init__(self, model_path: Path, *, quantized: bool = False) -> None:
        # Refuse any network look-up: the weights are on disk or nowhere.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # The weight-loading progress bar would land in every CLI answer.
        transformers_logging.disable_progress_bar()
        try:
            self.model = SentenceTransformer(str(model_path), device="cpu")
        except Exception as error:  # torch/transformers raise many kinds
            raise ModelError(f"could not load the model at {model_path}: {error}") from error
        if quantized:
            import torch
            from torch.ao.quantization import per_channel_dynamic_qconfig

            with warnings.catch_warnings():
                # torch.ao.quantization says it moves to torchao; it still works in 2.13.
                warnings.simplefilter("ignore")
                # One scale per output channel: per tensor, the mean cosine to fp32 falls
                # from 0.98 to 0.93 on SQuAD paragraphs, at the same speed.
                torch.ao.quantization.quantize_dynamic(
                    self.model,
                    {torch.nn.Linear: per_channel_dynamic_qconfig},
                    dtype=torch.qint8,
                    inplace=True,
                )
        self.dimension = int(self.model.get_embedding_dimension())
        self.max_tokens = int(self.model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=True)["input_ids"])

    def encode(
        self, texts: list[str], *, query: bool, batch_size: int, progress: bool
    ) -> np.ndarray:
        method = self.model.encode_query if query else self.model.encode_document
        return method(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )

    def encode_spans(
        self, texts: list[str], spans: Sequence[Sequence[Span]], *, batch_size: int, progress: bool
    ) -> SpanVectors:
        outputs = self.model.encode_document(
            texts,
            batch_size=batch_size,
            output_value=None,
            convert_to_numpy=False,
            show_progress_bar=progress,
        )
        # The same tokenizer and cut as the model's own pass, for the character offsets.
        offsets = self.model.tokenizer(
            texts, return_offsets_mapping=True, truncation=True, max_length=self.max_tokens
        )["offset_mapping"]
        vectors = np.stack([o["sentence_embedding"].float().numpy() for o in outputs])
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        pooled = np.zeros((sum(len(s) for s in spans), self.dimension), dtype=np.float32)
        cut, first = [], 0
        for output, text_offsets, text_spans in zip(outputs, offsets, spans, strict=True):
            # token_embeddings is padded to its batch's longest text: keep the real tokens.
            real = int(output["attention_mask"].sum())
            states = output["token_embeddings"][:real].float().numpy()
            rows = pooled[first : first + len(text_spans)]
            found = pool_spans(states, np.array(text_offsets[:real]), text_spans, rows)
            cut += [first + row for row in found]
            first += len(text_spans)
        return SpanVectors(vectors.astype(np.float32), pooled, cut)


class OnnxEncoder:
    """The model's exported graph in ONNX Runtime, fed by its own fast tokenizer.

    Texts are cut at the model's ``max_seq_length`` and batched longest first,
    as sentence-transformers does, so the vectors match its own.
    """

    def __init__(
        self,
        model_path: Path,
        fingerprint: str,
        *,
        quantized: bool = False,
        cache_dir: Path | None = None,
    ) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        from .artefacts import onnx_artefact, read_layout

        layout = read_layout(model_path)
        graph = onnx_artefact(model_path, fingerprint, quantized=quantized, cache_dir=cache_dir)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # its warnings about unused initialisers are noise
        # Idle threads that spin for work take the cores from FAISS, BM25 and the other
        # requests; on 2 busy cores spinning made queries slower, not faster.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = onnxruntime.InferenceSession(
                str(graph), options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own kinds
            raise ModelError(f"ONNX Runtime could not open {graph}: {error}") from error
        self.inputs = [node.name for node in self.session.get_inputs()]
        tokenizer_file = str(layout.transformer_dir / "tokenizer.json")
        # tokenizer.json may carry its own cut and fixed padding (128 for MiniLM):
        # sentence-transformers overrides both, and so do we.
        self.tokenizer = Tokenizer.from_file(tokenizer_file)
        self.tokenizer.enable_truncation(layout.max_seq_length)
        self.tokenizer.enable_padding()
        self.counter = Tokenizer.from_file(tokenizer_file)
        self.counter.no_truncation()
        self.counter.no_padding()
        self.dimension = layout.dimension
        self.max_tokens = layout.max_seq_length
        # Dynamic int8 quantisation scales activations over the whole batch, so
        # a text's vector would depend on the texts beside it (cosine down to
        # 0.97): an incremental build would differ from a full one, and ask()
        # from ask_batch(). One text at a time keeps every vector a function
        # of its text alone, and costs nothing here (272 texts/s against 248
        # in batches of 32 on 2 cores: no padding either).
        self.one_at_a_time = quantized

    def count_tokens(self, text: str) -> int:
        return len(self.counter.encode(text).ids)

    def encode(
        self, texts: list[str], *, query: bool, batch_size: int, progress: bool
    ) -> np.ndarray:
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        for rows in self._batches(texts, batch_size, progress):
            vectors[rows] = self._encode_batch([texts[row] for row in rows])
        return vectors

    def encode_spans(
        self, texts: list[str], spans: Sequence[Sequence[Span]], *, batch_size: int, progress: bool
    ) -> SpanVectors:
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        pooled = np.zeros((sum(len(s) for s in spans), self.dimension), dtype=np.float32)
        firsts = np.concatenate([[0], np.cumsum([len(s) for s in spans])]).astype(int)
        cut: list[int] = []
        for rows in self._batches(texts, batch_size, progress):
            encodings = self.tokenizer.encode_batch([texts[row] for row in rows])
            vectors[rows], states = self._run(encodings, tokens=True)
            for row, encoding, text_states in zip(rows, encodings, states, strict=True):
                real = sum(encoding.attention_mask)
                first, last = firsts[row], firsts[row + 1]
                offsets = np.array(encoding.offsets[:real])
                found = pool_spans(text_states[:real], offsets, spans[row], pooled[first:last])
                cut += [int(first) + found_row for found_row in found]
        return SpanVectors(vectors, pooled, sorted(cut))

    def _batches(self, texts: list[str], batch_size: int, progress: bool):
        """Rows of ``texts`` in batches, longest first, so each pads to nearly its own length."""
        if self.one_at_a_time:
            batch_size = 1
        order = np.argsort([-len(text) for text in texts], kind="stable")
        starts = range(0, len(texts), batch_size)
        if progress:  # a disabled tqdm still costs 0.07 ms, a fifth of a question's search
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="Batches")
        for start in starts:
            yield order[start : start + batch_size]

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        vectors, _ = self._run(self.tokenizer.encode_batch(texts), tokens=False)
        return vectors

    def _run(self, encodings, *, tokens: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """Unit vectors of a batch of encodings, and the token states if asked for."""
        feed = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        outputs = [OUTPUT_NAME, TOKENS_NAME] if tokens else [OUTPUT_NAME]
        pooled, *states = self.session.run(outputs, {name: feed[name] for name in self.inputs})
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, 1e-12), (states[0] if tokens else None)

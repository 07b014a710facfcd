"""The reader: a cross-encoder that scores whether a sentence answers a question.

Unlike the bi-encoder, which embeds the question and the sentence apart, the
reader reads them together (``[CLS] question [SEP] sentence [SEP]``), so it
can tell "the sentence mentions the jet" from "the sentence says which jet".
It is all-MiniLM-L6-v2 fine-tuned on SQuAD pairs (``scripts/train_reader.py``;
its card is ``assistant/encoding/data/reader/README.md``): the mean of the token
states, then one linear logit. It ships as one int8 ONNX file, run by ONNX
Runtime; the tokenizer is the packaged MiniLM's, which it was trained with.

The folder holds::

    model.onnx    # int8 graph: input_ids, attention_mask, token_type_ids -> logit
    config.json   # max_length, pooling, tokenizer source
    SHA256SUMS    # sha256 of model.onnx and config.json, checked on load
    README.md     # the model card
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..files import sha256_file

READER_DIR = Path(__file__).resolve().parent / "data" / "reader"
MODEL_FILE = "model.onnx"
CONFIG_FILE = "config.json"
SUMS_FILE = "SHA256SUMS"
CONFIG_FORMAT = 1
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "logit"
# Pairs scored per ONNX Runtime call. One: int8 dynamic quantisation scales the
# activations by the range of the whole batch, so a sentence's logit moved by up
# to 0.2 with the sentences (and padding) beside it; alone it is the same every
# time, and on short pairs one at a time was faster as well (no padding).
BATCH_SIZE = 1
# Calls run at once, each scoring its pairs alone: a question's sentences are read on
# both cores of a small machine while every logit stays what it is alone.
DEFAULT_WORKERS = min(2, os.cpu_count() or 1)
# What a reader reads beside the sentence (config.json's ``context``): nothing, or the
# sentence's neighbours in its passage, after it: ``sentence [SEP] previous [SEP] next``.
# The sentence comes first so that truncation (the longer side's end first) cuts context,
# and it is still the sentence alone that is scored and highlighted.
NO_CONTEXT = "none"
NEIGHBOURS = "neighbours"
CONTEXTS = (NO_CONTEXT, NEIGHBOURS)
_SEP = " [SEP] "

_SUM_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


@dataclass(frozen=True, slots=True)
class ReaderConfig:
    """What the runtime must do as training did.

    Attributes:
        max_length: tokens per (question, sentence) pair; longer pairs are cut,
            the longer side first.
        pooling: how token states become one vector (``mean``: over real tokens).
        tokenizer: the model, by name or folder, whose tokenizer encodes pairs
            (``embedding.resolve_model_path`` finds it).
        context: ``none`` (the sentence alone) or ``neighbours`` (the sentences
            before and after it as well: ``neighbour_context``).
    """

    max_length: int
    pooling: str
    tokenizer: str
    context: str = NO_CONTEXT


# The files' checksums, as the index's and the ONNX cache's are taken.
sha256_of = sha256_file


def read_sums(path: Path) -> dict[str, str]:
    """``SHA256SUMS`` as {file name: sha256}, in ``sha256sum``'s format."""
    sums = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        match = _SUM_LINE.match(line.strip())
        if not match:
            raise ValueError(f"not a sha256sum line: {line!r}")
        sums[match.group(2)] = match.group(1)
    return sums


def write_sums(folder: Path, names: Sequence[str]) -> Path:
    """Write ``SHA256SUMS`` for the files ``names`` of ``folder`` (``sha256sum -c`` reads it)."""
    lines = [f"{sha256_of(folder / name)}  {name}\n" for name in names]
    target = folder / SUMS_FILE
    target.write_text("".join(lines), encoding="utf-8")
    return target


def verify_folder(folder: Path) -> dict[str, str]:
    """Check the reader folder against its ``SHA256SUMS``; the sums when it holds.

    Raises:
        ModelError: a file is missing, or differs from its recorded sha256.
    """
    remedy = (
        "restore the folder from the repository (git checkout -- assistant/encoding/data/reader) "
        "or train it again with scripts/train_reader.py"
    )
    sums_path = folder / SUMS_FILE
    if not sums_path.is_file():
        raise ModelError(f"the reader at {folder} has no {SUMS_FILE}: {remedy}")
    try:
        sums = read_sums(sums_path)
    except (OSError, ValueError) as error:
        raise ModelError(f"the reader's {sums_path} is unreadable ({error}): {remedy}") from error
    for name in (MODEL_FILE, CONFIG_FILE):
        if name not in sums:
            raise ModelError(f"the reader's {SUMS_FILE} does not list {name}: {remedy}")
    for name, expected in sums.items():
        path = folder / name
        if not path.is_file():
            raise ModelError(f"the reader file {path} is missing: {remedy}")
        if sha256_of(path) != expected:
            raise ModelError(
                f"the reader file {path} is damaged (its sha256 differs from {SUMS_FILE}): {remedy}"
            )
    return sums


def read_config(path: Path) -> ReaderConfig:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("format") != CONFIG_FORMAT:
            raise ValueError(f"format {raw.get('format')!r}, this code reads {CONFIG_FORMAT}")
        config = ReaderConfig(
            max_length=int(raw["max_length"]),
            pooling=str(raw["pooling"]),
            tokenizer=str(raw["tokenizer"]),
            context=str(raw.get("context", NO_CONTEXT)),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise ModelError(f"the reader's {path} is unreadable ({error})") from error
    if config.context not in CONTEXTS:
        raise ModelError(
            f"the reader's {path} asks for {config.context!r} context; this code reads {CONTEXTS}"
        )
    if config.pooling != "mean":
        raise ModelError(f"the reader's {path} asks for {config.pooling!r} pooling; only mean runs")
    return config


def load_tokenizer(name: str):
    """The fast tokenizer of a packaged model (by name) or a model folder, offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoTokenizer

    from .embedder import resolve_model_path

    path = resolve_model_path(name)
    try:
        return AutoTokenizer.from_pretrained(str(path))
    except Exception as error:  # transformers raises many kinds
        raise ModelError(f"could not load the reader's tokenizer from {path}: {error}") from error


def neighbour_context(sentences: Sequence[str], index: int) -> str:
    """What a ``neighbours`` reader reads after sentence ``index``: ``previous [SEP] next``.

    Both sides are always there (empty at a passage's edge), so that the model
    knows which neighbour it reads. "The ministry also reported that 1,245 wounded
    personnel..." names no country; the sentence before it does.
    """
    previous = sentences[index - 1] if index > 0 else ""
    following = sentences[index + 1] if index + 1 < len(sentences) else ""
    return f"{previous}{_SEP}{following}".strip()


def second_segment(sentence: str, context: str = "") -> str:
    """The text paired with the question: the sentence, then its context when there is one."""
    return f"{sentence}{_SEP}{context}" if context else sentence


def encode_pairs(
    tokenizer,
    question: str,
    sentences: Sequence[str],
    max_length: int,
    contexts: Sequence[str] | None = None,
) -> dict[str, np.ndarray]:
    """Token ids of ``[CLS] question [SEP] sentence [SEP]`` for each sentence, padded together.

    With ``contexts``, each sentence's context follows it (``second_segment``).
    The training script encodes with this function too, so that the runtime
    sees exactly what the model was trained on.
    """
    if contexts is not None:
        sentences = [second_segment(s, c) for s, c in zip(sentences, contexts, strict=True)]
    encoded = tokenizer(
        [question] * len(sentences),
        list(sentences),
        truncation="longest_first",
        max_length=max_length,
        padding=True,
        return_tensors="np",
    )
    return {name: encoded[name].astype(np.int64) for name in INPUT_NAMES}


class Reader:
    """Scores sentences against a question: one logit each, higher is likelier to answer.

    Use ``Reader.load``. Scores are logits of a model trained with a logistic
    loss: ``1 / (1 + exp(-logit))`` is a rough, uncalibrated probability.

    Attributes:
        folder: where the model came from.
        config: its ``config.json``.
        fingerprint: the sha256 of ``model.onnx``, to name the model in an index or answer key.

    Example:
        >>> reader = Reader.load()
        >>> reader.score("Who won?", ["Denver won the game.", "It rained."]).argmax()
        0
    """

    def __init__(
        self,
        folder: Path,
        config: ReaderConfig,
        fingerprint: str,
        session,
        tokenizer,
        workers: int = 1,
    ):
        self.folder = folder
        self.config = config
        self.fingerprint = fingerprint
        self._session = session
        self._tokenizer = tokenizer
        self._inputs = {item.name for item in session.get_inputs()}
        # ONNX Runtime's run() is safe to call from several threads and releases the GIL.
        self._pool = None
        if workers > 1:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(workers, thread_name_prefix="reader")

    @classmethod
    def load(
        cls, folder: str | Path = READER_DIR, *, threads: int = 1, workers: int = DEFAULT_WORKERS
    ) -> Reader:
        """The reader of ``folder``, its files checked against ``SHA256SUMS`` first.

        Args:
            folder: the reader folder (default: the shipped ``assistant/encoding/data/reader``).
            threads: ONNX Runtime intra-op threads; one by default, since the
                app answers several questions at once.
            workers: ONNX Runtime calls run at once (two on two or more cores), each
                scoring its pair alone, so the logits are those of one call after
                another; all the questions of a process share these workers.

        Raises:
            ModelError: a file is missing or damaged, or the model cannot be loaded.
        """
        folder = Path(folder)
        sums = verify_folder(folder)
        config = read_config(folder / CONFIG_FILE)
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        try:
            session = onnxruntime.InferenceSession(
                str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own kinds
            raise ModelError(f"could not load the reader {folder / MODEL_FILE}: {error}") from error
        tokenizer = load_tokenizer(config.tokenizer)
        return cls(folder, config, sums[MODEL_FILE], session, tokenizer, workers)

    @property
    def reads_context(self) -> bool:
        """True when the model was trained to read each sentence's neighbours too."""
        return self.config.context == NEIGHBOURS

    def score(
        self,
        question: str,
        sentences: Sequence[str],
        contexts: Sequence[str] | None = None,
        *,
        batch_size: int = BATCH_SIZE,
    ) -> np.ndarray:
        """One float32 logit per sentence, in their order (empty input, empty output).

        ``contexts`` (``neighbour_context`` of each sentence) are read only by a
        reader that was trained with them (``reads_context``); without them such
        a reader scores the sentences alone, as its training also did for a share.
        """
        if contexts is not None and len(contexts) != len(sentences):
            raise ValueError(f"{len(contexts)} contexts for {len(sentences)} sentences")
        if not self.reads_context:
            contexts = None
        starts = range(0, len(sentences), batch_size)

        def run(start: int) -> np.ndarray:
            batch = sentences[start : start + batch_size]
            around = None if contexts is None else contexts[start : start + batch_size]
            feed = encode_pairs(self._tokenizer, question, batch, self.config.max_length, around)
            feed = {name: value for name, value in feed.items() if name in self._inputs}
            (out,) = self._session.run([OUTPUT_NAME], feed)
            return np.asarray(out, dtype=np.float32).reshape(-1)

        parts = (
            map(run, starts)
            if self._pool is None or len(starts) < 2
            else self._pool.map(run, starts)
        )
        logits = np.zeros(len(sentences), dtype=np.float32)
        for start, out in zip(starts, parts, strict=True):
            logits[start : start + len(out)] = out
        return logits

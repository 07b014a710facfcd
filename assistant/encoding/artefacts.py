"""ONNX files made from the installed model on this machine, cached and checked.

Nothing is downloaded: the fp32 graph is exported here by ``torch.onnx.export``
from the model folder, and the int8 one quantised from it by ONNX Runtime.
Both live in a cache folder (``~/.cache/assistant/encoders``, or under
``$XDG_CACHE_HOME``), named by the model's fingerprint, so another model or
another version of it gets its own files::

    <fingerprint>-onnx-v2.onnx     # the graph: tokens in, mean-pooled vectors (and the
                                   # token states they are pooled from) out
    <fingerprint>-onnx-v2.json     # its record: sha256, size, what made it
    <fingerprint>-onnx-v2.lock     # held while the pair is checked or built

Each file is written under a temporary name, fsynced and renamed into place,
the record last; a graph whose size or sha256 differs from its record (a torn
copy, a full disk, a stray edit), or that has no record, is built again.
"""

from __future__ import annotations

import contextlib
import fcntl
import inspect
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelError
from ..files import fsync_path, sha256_file

logger = logging.getLogger(__name__)

# Bumped whenever the export changes, so that files made the old way are rebuilt
# (2: the token states as a second output, to pool sentence vectors from).
ARTEFACT_VERSION = 2
OPSET = 17
# BERT-like models also take token_type_ids; others (DistilBERT, MPNet) only the first two.
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "sentence_embedding"
TOKENS_NAME = "token_embeddings"


def default_cache_dir() -> Path:
    """Where converted models are kept: the platform's per-user cache folder."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "assistant" / "encoders"


@dataclass(frozen=True, slots=True)
class ModelLayout:
    """What a sentence-transformers folder holds, as far as an export needs it.

    Attributes:
        transformer_dir: the Hugging Face model and its tokenizer.
        max_seq_length: tokens kept per text; longer texts are cut, as
            sentence-transformers cuts them.
        dimension: length of the pooled vector.
    """

    transformer_dir: Path
    max_seq_length: int
    dimension: int


def read_layout(model_path: Path) -> ModelLayout:
    """The parts of a Transformer + mean Pooling (+ Normalize) model folder, without prompts.

    Raises:
        ModelError: the folder holds another kind of model, which only the
            torch encoder runs.
    """
    unsupported = (
        f"the model at {model_path} is not a Transformer with mean pooling, which is all "
        "the ONNX encoders export; use encoder='torch'"
    )
    try:
        modules = json.loads((model_path / "modules.json").read_text(encoding="utf-8"))
        kinds = [module["type"].rsplit(".", 1)[-1] for module in modules]
        if kinds[:2] != ["Transformer", "Pooling"] or set(kinds[2:]) - {"Normalize"}:
            raise ModelError(f"{unsupported} (its modules: {', '.join(kinds)})")
        transformer_dir = model_path / modules[0]["path"]
        pooling = json.loads(
            (model_path / modules[1]["path"] / "config.json").read_text(encoding="utf-8")
        )
        config = json.loads(
            (transformer_dir / "sentence_bert_config.json").read_text(encoding="utf-8")
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        raise ModelError(f"{unsupported} ({error})") from error
    prompts = _prompts(model_path)
    if prompts:
        raise ModelError(f"{unsupported} (it prepends prompts: {', '.join(prompts)})")
    modes = [key for key, value in pooling.items() if key.startswith("pooling_mode") and value]
    if modes != ["pooling_mode_mean_tokens"]:
        raise ModelError(f"{unsupported} (its pooling: {', '.join(modes) or 'none'})")
    if not (transformer_dir / "tokenizer.json").is_file():
        raise ModelError(f"{unsupported} (no fast tokenizer, tokenizer.json)")
    return ModelLayout(
        transformer_dir, int(config["max_seq_length"]), int(pooling["word_embedding_dimension"])
    )


def _prompts(model_path: Path) -> list[str]:
    """Names of the non-empty prompts sentence-transformers would prepend to texts."""
    try:
        config = json.loads(
            (model_path / "config_sentence_transformers.json").read_text(encoding="utf-8")
        )
    except (OSError, ValueError):
        return []
    prompts = config.get("prompts") if isinstance(config, dict) else None
    return [name for name, text in (prompts or {}).items() if text]


def onnx_artefact(
    model_path: Path, fingerprint: str, *, quantized: bool, cache_dir: Path | None = None
) -> Path:
    """The checked ONNX file of a model, exported (and quantised) first if need be.

    Args:
        model_path: the sentence-transformers folder.
        fingerprint: the folder's fingerprint; it names the files.
        quantized: int8 weights (dynamic quantisation) instead of fp32.
        cache_dir: where the files are kept (default: ``default_cache_dir()``).

    Raises:
        ModelError: the model cannot be exported, or the cache not written.
    """
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    layout = read_layout(model_path)

    def fp32() -> Path:
        return _usable_or_built(folder, f"{fingerprint}-onnx", lambda t: _export(layout, t))

    if not quantized:
        return fp32()
    # The fp32 graph is needed (and checked) only when the int8 one must be made.
    return _usable_or_built(folder, f"{fingerprint}-onnx-int8", lambda t: _quantize(fp32(), t))


def _usable_or_built(folder: Path, name: str, build) -> Path:
    """The artefact ``name`` from the cache, built under its lock when missing or damaged."""
    stem = f"{name}-v{ARTEFACT_VERSION}"
    graph, record = folder / f"{stem}.onnx", folder / f"{stem}.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with _locked(folder / f"{stem}.lock"):
            if reason := damage(graph, record):
                if reason != "missing":
                    logger.warning("rebuilding %s: %s", graph, reason)
                logger.info("converting the model once, into %s", graph)
                with tempfile.TemporaryDirectory(dir=folder, prefix=f".{stem}-") as scratch:
                    built = Path(scratch) / "model.onnx"
                    build(built)
                    fsync_path(built)
                    os.replace(built, graph)
                _write_record(record, graph)
                fsync_path(folder)  # the two renames themselves
    except OSError as error:
        raise ModelError(
            f"could not write the converted model to {folder} ({error}); "
            "free some space or pass another cache_dir"
        ) from error
    return graph


def damage(graph: Path, record: Path) -> str:
    """Why a cached graph cannot be used ('missing', a mismatch), or '' when it can."""
    if not graph.is_file() or not record.is_file():
        return "missing"
    try:
        expected = json.loads(record.read_text(encoding="utf-8"))
        size, sha256 = int(expected["size"]), str(expected["sha256"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        return f"its record is unreadable ({error})"
    if graph.stat().st_size != size:
        return f"its size is {graph.stat().st_size}, not {size}"
    if sha256_file(graph) != sha256:
        return "its sha256 differs from the one recorded"
    return ""


def _write_record(record: Path, graph: Path) -> None:
    import onnxruntime

    fields = {
        "size": graph.stat().st_size,
        "sha256": sha256_file(graph),
        "artefact_version": ARTEFACT_VERSION,
        "opset": OPSET,
        "onnxruntime": onnxruntime.__version__,
    }
    with tempfile.NamedTemporaryFile(
        "w", dir=record.parent, prefix=f".{record.name}-", delete=False, encoding="utf-8"
    ) as handle:
        os.fchmod(handle.fileno(), 0o644)  # readable like the graph, not 0600
        json.dump(fields, handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(handle.name, record)


def _export(layout: ModelLayout, target: Path) -> None:
    """Export token ids -> mean-pooled vector (and token states), as sentence-transformers."""
    # Refuse any network look-up, as the torch encoder does: the model is on disk.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    try:
        model = AutoModel.from_pretrained(str(layout.transformer_dir)).eval()
    except Exception as error:  # transformers raises many kinds
        raise ModelError(f"could not load {layout.transformer_dir} to export: {error}") from error
    pooled, names = _mean_pooled(model)
    # A padded second row, so that the traced graph masks padding as real batches need.
    ids = torch.full((2, 8), 1000, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 5:] = 0
    dynamic = {name: {0: "batch", 1: "tokens"} for name in names}
    with warnings.catch_warnings(), torch.no_grad():
        # The TorchScript exporter warns that it is the old one, and transformers' masking
        # code that shape checks become constants; both are true and harmless for this
        # encoder-only graph, whose outputs the tests compare with the torch model's.
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(
                pooled,
                (ids, mask, torch.zeros_like(ids))[: len(names)],
                str(target),
                dynamo=False,
                input_names=list(names),
                output_names=[OUTPUT_NAME, TOKENS_NAME],
                dynamic_axes={
                    **dynamic,
                    OUTPUT_NAME: {0: "batch"},
                    TOKENS_NAME: {0: "batch", 1: "tokens"},
                },
                opset_version=OPSET,
            )
        except Exception as error:  # the exporter raises many kinds
            message = f"could not export {layout.transformer_dir} to ONNX: {error}"
            raise ModelError(message) from error


def _quantize(source: Path, target: Path) -> None:
    """Int8 weights for every MatMul, one scale per output channel (fp32 activations)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # One scale per tensor loses too much: MiniLM's weights have outlier channels
    # (mean cosine to fp32 0.95 per tensor, 0.994 per channel on SQuAD paragraphs).
    with _quiet_quantizer():
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)


def _mean_pooled(model):
    """The transformer, then the mean of its token vectors over the real tokens.

    The token vectors are a second output: a passage's sentences are pooled from
    them (``runtimes.pool_spans``), so a build runs the model over each passage once.
    """
    import torch

    takes_types = "token_type_ids" in inspect.signature(model.forward).parameters

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            extra = {"token_type_ids": token_type_ids} if takes_types else {}
            tokens = self.model(
                input_ids=input_ids, attention_mask=attention_mask, **extra
            ).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(tokens.dtype)
            return (tokens * weights).sum(1) / weights.sum(1).clamp(min=1e-9), tokens

    return MeanPooled(), INPUT_NAMES if takes_types else INPUT_NAMES[:2]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive flock, so that two processes never build the same file at once."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing also releases the flock


@contextlib.contextmanager
def _quiet_quantizer() -> Iterator[None]:
    # onnxruntime.quantization logs through the root logger: a line per tensor at INFO,
    # and advice to "pre-process" (shape inference, for CNNs) at WARNING on every call.
    def advice(record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR

    root = logging.getLogger()
    root.addFilter(advice)
    try:
        yield
    finally:
        root.removeFilter(advice)

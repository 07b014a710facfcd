"""Embedder and its encoders: the faster ones stay close to torch, their ONNX graph is cached.

The real model throughout; the ONNX graph is converted once per session into a
temporary cache, with every network connection refused.
"""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest

from assistant.config import ENCODERS, Settings
from assistant.encoding import artefacts as onnx_artefacts
from assistant.encoding.artefacts import ARTEFACT_VERSION, damage, read_layout
from assistant.encoding.base import TextModel
from assistant.encoding.embedder import Embedder
from assistant.encoding.runtimes import pool_spans
from assistant.errors import ModelError

LONG = " ".join(["The ceasefire held in Stepanakert while peacekeepers cleared mines."] * 40)
TEXTS = [
    "How many soldiers did Azerbaijan lose?",
    "?",
    LONG,  # far past the 256 tokens the model reads: cut the same way by every encoder
    "The Defense Ministry of Azerbaijan said its forces suffered 2,783 losses, "
    "and that more than 100 soldiers were still missing.",
    "Shusha fell on November 8.",
    "Rocket artillery hit the roof of the Holy Savior Cathedral in Shusha (Ghazanchetsots).",
]


@pytest.fixture(scope="session")
def torch_embedder() -> Embedder:
    return Embedder(encoder="torch")


@pytest.fixture(scope="session")
def reference(torch_embedder: Embedder) -> np.ndarray:
    # Batches of 2 put short and long texts together, so padding is exercised.
    return torch_embedder.encode_documents(TEXTS, batch_size=2)


@pytest.fixture(scope="session")
def connections() -> list:
    """Every outside connection attempted while the session's cache was built."""
    return []


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory, connections: list) -> Path:
    """A cache holding the fp32 and int8 graphs, converted here with the network cut off."""
    folder = tmp_path_factory.mktemp("encoders")
    with pytest.MonkeyPatch.context() as patch:
        _refuse_network(patch, connections)
        embedder = Embedder(encoder="onnx-int8", cache_dir=folder)
        embedder.encode_queries(["Who brokered the ceasefire?"])
        Embedder(encoder="onnx", cache_dir=folder).encode_queries(["Who?"])
    return folder


def _refuse_network(patch: pytest.MonkeyPatch, attempts: list) -> None:
    real_connect = socket.socket.connect

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(address)
            raise OSError(f"network access during a test: {address}")
        return real_connect(self, address)

    def resolve(host, *args, **kwargs):
        attempts.append(host)
        raise OSError(f"name lookup during a test: {host}")

    patch.setattr(socket.socket, "connect", connect)
    patch.setattr(socket, "getaddrinfo", resolve)


def _files(folder: Path, kind: str) -> tuple[Path, Path]:
    fingerprint = Embedder().model_fingerprint
    stem = f"{fingerprint}-{kind}-v{ARTEFACT_VERSION}"
    return folder / f"{stem}.onnx", folder / f"{stem}.json"


def _cosines(vectors: np.ndarray, reference: np.ndarray) -> np.ndarray:
    assert vectors.shape == reference.shape and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    return (vectors * reference).sum(axis=1)


# -- the vectors ----------------------------------------------------------------


def test_onnx_vectors_match_torch(cache_dir: Path, reference: np.ndarray) -> None:
    embedder = Embedder(encoder="onnx", cache_dir=cache_dir)
    assert _cosines(embedder.encode_documents(TEXTS, batch_size=2), reference).min() > 0.9999
    # One at a time (no padding) and as queries: the same vectors.
    alone = np.vstack([embedder.encode_queries([text]) for text in TEXTS])
    assert _cosines(alone, reference).min() > 0.9999


@pytest.mark.parametrize(
    ("encoder", "worst", "mean"),
    # Measured on these texts: onnx-int8 0.975 at worst ("?"), 0.990 on average;
    # torch-int8 0.900 at worst ("?"), 0.968 on average.
    [("onnx-int8", 0.97, 0.985), ("torch-int8", 0.88, 0.95)],
)
def test_int8_vectors_stay_close(
    encoder: str, worst: float, mean: float, cache_dir: Path, reference: np.ndarray
) -> None:
    embedder = Embedder(encoder=encoder, cache_dir=cache_dir)
    cosines = _cosines(embedder.encode_documents(TEXTS, batch_size=2), reference)
    assert cosines.min() > worst and cosines.mean() > mean, cosines
    assert cosines.max() < 0.99999  # really quantised, not the fp32 model under another name


@pytest.mark.parametrize("encoder", ENCODERS)
def test_every_encoder_finds_the_right_passage(
    encoder: str, cache_dir: Path, torch_embedder: Embedder
) -> None:
    passages = TEXTS[2:]
    questions = ["Which church was hit?", "When did Shusha fall?", "How many losses?"]
    embedder = Embedder(encoder=encoder, cache_dir=cache_dir)
    scores = embedder.encode_queries(questions) @ embedder.encode_documents(passages).T
    assert scores.argmax(axis=1).tolist() == [3, 2, 1]


@pytest.mark.parametrize("encoder", ENCODERS)
def test_every_encoder_has_the_same_interface(
    encoder: str, cache_dir: Path, torch_embedder: Embedder
) -> None:
    embedder = Embedder(encoder=encoder, cache_dir=cache_dir)
    assert (embedder.dimension, embedder.max_tokens) == (384, 256)
    counts = [embedder.count_tokens(text) for text in TEXTS]
    assert counts == [torch_embedder.count_tokens(text) for text in TEXTS]
    assert counts[2] > 256  # counted whole, not cut: the pipeline warns about long questions
    assert embedder.encode_queries([]).shape == (0, 384)
    assert embedder.name == torch_embedder.name and embedder.encoder == encoder


# -- sentence vectors pooled from their passage ----------------------------------

# Two passages and their sentences' spans; the second runs past the model's window.
PASSAGES = [TEXTS[3] + " " + TEXTS[4], LONG]
SPANS = [
    [(0, len(TEXTS[3])), (len(TEXTS[3]) + 1, len(TEXTS[3]) + 1 + len(TEXTS[4]))],
    [(start, start + 67) for start in range(0, len(LONG), 68)],
]


def test_pool_spans_averages_the_tokens_inside_each_span() -> None:
    states = np.array([[9.0, 9.0], [1.0, 0.0], [3.0, 0.0], [0.0, 2.0], [9.0, 9.0]])
    # [CLS] "abc" "def" "ghi" [SEP]: special tokens have empty offsets.
    offsets = np.array([(0, 0), (0, 3), (4, 7), (8, 11), (0, 0)])
    out = np.zeros((4, 2))
    cut = pool_spans(states, offsets, [(0, 7), (8, 11), (3, 4), (8, 20)], out)
    assert out[0].tolist() == [1.0, 0.0] and out[1].tolist() == [0.0, 1.0]  # unit length
    # A span holding no token, and one reaching past the last token read: left to the caller.
    assert cut == [2, 3] and not out[2:].any()


@pytest.mark.parametrize("encoder", ENCODERS)
def test_pooled_sentence_vectors(encoder: str, cache_dir: Path, torch_embedder: Embedder) -> None:
    embedder = Embedder(encoder=encoder, cache_dir=cache_dir)
    passages, sentences = embedder.encode_passages(PASSAGES, SPANS, batch_size=2)
    assert passages.shape == (2, 384) and sentences.shape == (sum(map(len, SPANS)), 384)
    # The passages' own vectors are what encode_documents gives.
    assert _cosines(passages, embedder.encode_documents(PASSAGES)).min() > 0.99999
    _, reference = torch_embedder.encode_passages(PASSAGES, SPANS)
    worst = 0.9999 if encoder in ("torch", "onnx") else 0.93
    assert _cosines(sentences, reference).min() > worst
    pieces = zip(PASSAGES, SPANS, strict=True)
    alone = embedder.encode_documents([p[a:b] for p, spans in pieces for a, b in spans])
    read = embedder.count_tokens(LONG[: SPANS[1][3][1]]) <= 256  # the long passage's 4th is seen
    assert read and not np.allclose(sentences[5], alone[5])
    # Pooled in context, a sentence still points where it does alone, not elsewhere.
    assert (_cosines(sentences, alone)[:6] > 0.6).all()
    # Past the 256 tokens the model reads, a sentence is embedded on its own instead
    # (torch-int8 scales activations per batch: its vectors depend on their neighbours).
    same = 0.95 if encoder == "torch-int8" else 0.99999
    assert _cosines(sentences[-1:], alone[-1:])[0] > same


def test_pooled_vectors_need_a_list_of_spans_per_passage() -> None:
    with pytest.raises(ValueError, match="1 lists of spans for 2 texts"):
        Embedder(encoder="onnx-int8").encode_passages(PASSAGES, SPANS[:1])
    empty = Embedder(encoder="onnx-int8").encode_passages([], [])
    assert [part.shape for part in empty] == [(0, 384), (0, 384)]


def test_sentence_vectors_are_part_of_the_index_key() -> None:
    assert Settings().sentence_vectors == "separate"
    assert Settings(sentence_vectors="pooled").index_key() != Settings().index_key()
    with pytest.raises(ValueError, match="sentence_vectors must be one of"):
        Settings(sentence_vectors="averaged")


def test_fingerprint_names_the_encoder(torch_embedder: Embedder) -> None:
    fingerprints = {kind: Embedder(encoder=kind).fingerprint for kind in ENCODERS}
    assert len(set(fingerprints.values())) == len(ENCODERS)
    # torch keeps the bare model fingerprint, so indexes built before encoders existed stay valid.
    assert fingerprints["torch"] == torch_embedder.model_fingerprint


def test_the_encoder_is_part_of_the_index_key() -> None:
    assert Settings().encoder == Embedder().encoder == "onnx-int8"
    assert Settings(encoder="torch").index_key() != Settings().index_key()
    assert Settings(encoder="onnx").index_key()["encoder"] == "onnx"


# -- bad names and models -------------------------------------------------------


def test_an_unknown_encoder_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown encoder 'tensorrt'.*torch.*onnx-int8"):
        Embedder(encoder="tensorrt")
    with pytest.raises(ValueError, match=r"encoder must be one of .*'onnx'.*got 'ONNX'"):
        Settings(encoder="ONNX")


@pytest.mark.parametrize(
    ("pooling", "modules", "message"),
    [
        ({"pooling_mode_cls_token": True}, ["Transformer", "Pooling"], "its pooling: .*cls"),
        ({"pooling_mode_mean_tokens": True}, ["Transformer", "Dense"], "its modules: .*Dense"),
    ],
)
def test_a_model_the_export_cannot_reproduce_is_refused(
    tmp_path: Path, pooling: dict, modules: list[str], message: str
) -> None:
    (tmp_path / "1").mkdir()
    (tmp_path / "1" / "config.json").write_text(json.dumps(pooling))
    entries = [
        {"idx": i, "name": str(i), "path": "" if i == 0 else str(i), "type": f"x.{kind}"}
        for i, kind in enumerate(modules)
    ]
    (tmp_path / "modules.json").write_text(json.dumps(entries))
    (tmp_path / "sentence_bert_config.json").write_text('{"max_seq_length": 128}')
    with pytest.raises(ModelError, match=f"encoder='torch'.*{message}"):
        read_layout(tmp_path)


# -- the cache ------------------------------------------------------------------


def test_the_conversion_touched_no_network(cache_dir: Path, connections: list) -> None:
    assert connections == []
    for kind in ("onnx", "onnx-int8"):
        graph, record = _files(cache_dir, kind)
        assert damage(graph, record) == ""
        assert json.loads(record.read_text())["size"] == graph.stat().st_size
    assert not [p for p in cache_dir.iterdir() if p.name.startswith(".")]  # no scratch left


def test_the_cached_graph_is_reused(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = {path: path.stat().st_mtime_ns for path in cache_dir.glob("*.onnx")}

    def refuse(*args):
        raise AssertionError("converted again although the cache was sound")

    monkeypatch.setattr(onnx_artefacts, "_export", refuse)
    monkeypatch.setattr(onnx_artefacts, "_quantize", refuse)
    for kind in ("onnx", "onnx-int8"):
        Embedder(encoder=kind, cache_dir=cache_dir).encode_queries(["Who won?"])
    assert {path: path.stat().st_mtime_ns for path in cache_dir.glob("*.onnx")} == before


def test_int8_needs_no_fp32_graph_once_built(
    cache_dir: Path, tmp_path: Path, reference: np.ndarray
) -> None:
    shutil.copytree(cache_dir, tmp_path, dirs_exist_ok=True)
    for path in _files(tmp_path, "onnx"):
        path.unlink()
    embedder = Embedder(encoder="onnx-int8", cache_dir=tmp_path)
    assert _cosines(embedder.encode_documents(TEXTS, batch_size=2), reference).min() > 0.97
    assert not _files(tmp_path, "onnx")[0].exists()


def _flip_a_byte(graph: Path, record: Path) -> None:
    data = bytearray(graph.read_bytes())
    data[len(data) // 2] ^= 0xFF
    graph.write_bytes(bytes(data))


def _truncate(graph: Path, record: Path) -> None:
    graph.write_bytes(graph.read_bytes()[:1000])


def _drop_record(graph: Path, record: Path) -> None:
    record.unlink()


def _garble_record(graph: Path, record: Path) -> None:
    record.write_text("{not json")


@pytest.mark.parametrize(
    ("harm", "reason"),
    [
        (_flip_a_byte, "sha256 differs"),
        (_truncate, "its size is 1000"),
        (_drop_record, "missing"),
        (_garble_record, "record is unreadable"),
    ],
)
def test_damage_is_seen(cache_dir: Path, tmp_path: Path, harm, reason: str) -> None:
    graph, record = _files(cache_dir, "onnx-int8")
    copy_graph, copy_record = tmp_path / graph.name, tmp_path / record.name
    shutil.copy(graph, copy_graph)
    shutil.copy(record, copy_record)
    assert damage(copy_graph, copy_record) == ""
    harm(copy_graph, copy_record)
    assert reason in damage(copy_graph, copy_record)


def test_a_damaged_graph_is_rebuilt(
    cache_dir: Path, tmp_path: Path, reference: np.ndarray, caplog: pytest.LogCaptureFixture
) -> None:
    shutil.copytree(cache_dir, tmp_path, dirs_exist_ok=True)
    graph, record = _files(tmp_path, "onnx-int8")
    _flip_a_byte(graph, record)
    embedder = Embedder(encoder="onnx-int8", cache_dir=tmp_path)
    assert _cosines(embedder.encode_documents(TEXTS, batch_size=2), reference).min() > 0.97
    assert damage(graph, record) == ""
    assert "rebuilding" in caplog.text and "sha256 differs" in caplog.text


def test_a_failed_conversion_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def half_then_fail(layout, target: Path) -> None:
        target.write_bytes(b"half a graph")
        raise ModelError("the exporter gave up")

    monkeypatch.setattr(onnx_artefacts, "_export", half_then_fail)
    with pytest.raises(ModelError, match="gave up"):
        Embedder(encoder="onnx", cache_dir=tmp_path).encode_queries(["Who?"])
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".lock"]


def test_an_unwritable_cache_is_a_model_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ModelError, match="could not write the converted model"):
        Embedder(encoder="onnx", cache_dir=blocker / "cache").encode_queries(["Who?"])


def test_the_embedder_is_a_text_model() -> None:
    embedder = Embedder()
    assert isinstance(embedder, TextModel)
    assert embedder.count_tokens("Who won?") >= 3 and len(embedder.fingerprint) >= 16

"""The reader runtime: it refuses a missing or damaged model, and the shipped one reads.

The shipped model (``assistant/encoding/data/reader``) is the real one, run by ONNX
Runtime; the damage tests work on a copy of its folder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.encoding.reader import (
    CONFIG_FILE,
    MODEL_FILE,
    NEIGHBOURS,
    READER_DIR,
    SUMS_FILE,
    Reader,
    encode_pairs,
    load_tokenizer,
    neighbour_context,
    read_sums,
    sha256_of,
    verify_folder,
    write_sums,
)
from assistant.errors import ModelError

QUESTION = "How many soldiers did Azerbaijan lose in the war?"
ANSWER = (
    "The Defense Ministry of Azerbaijan issued a statement saying its forces suffered "
    "2,783 losses in the 44-day war."
)
UNRELATED = "The cathedral's roof was repaired by volunteers in the spring."

needs_model = pytest.mark.skipif(
    not (READER_DIR / MODEL_FILE).is_file(), reason="no shipped reader model"
)


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader.load()


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    if not (READER_DIR / MODEL_FILE).is_file():
        pytest.skip("no shipped reader model")
    folder = tmp_path / "reader"
    shutil.copytree(READER_DIR, folder)
    return folder


@needs_model
def test_the_shipped_folder_matches_its_sums_and_budget() -> None:
    sums = verify_folder(READER_DIR)
    assert set(sums) == {MODEL_FILE, CONFIG_FILE}
    assert (READER_DIR / MODEL_FILE).stat().st_size <= 30 * 1024 * 1024
    config = json.loads((READER_DIR / CONFIG_FILE).read_text(encoding="utf-8"))
    assert config["pooling"] == "mean" and config["tokenizer"] == "all-MiniLM-L6-v2"
    assert "CC BY-SA 4.0" in (READER_DIR / "README.md").read_text(encoding="utf-8")


@needs_model
def test_an_answer_sentence_outscores_an_unrelated_one(reader: Reader) -> None:
    scores = reader.score(QUESTION, [UNRELATED, ANSWER])
    assert scores.dtype == np.float32 and scores.shape == (2,)
    assert scores[1] > scores[0] + 1.0


@needs_model
def test_a_sentences_score_does_not_depend_on_its_neighbours(reader: Reader) -> None:
    sentences = [ANSWER, UNRELATED, "Armenia said 376 of its soldiers had died.", "Yes."] * 3
    together = reader.score(QUESTION, sentences)
    alone = np.array([reader.score(QUESTION, [s])[0] for s in sentences])
    np.testing.assert_array_equal(together, alone)
    # Batched, int8 dynamic quantisation scales activations over the whole batch: close
    # only (half a logit for the 2026-12-06 reader's answer sentence), in the same order.
    batched = reader.score(QUESTION, sentences, batch_size=32)
    np.testing.assert_allclose(batched, alone, atol=1.0)
    np.testing.assert_array_equal(np.argsort(batched[:4]), np.argsort(alone[:4]))
    assert reader.score(QUESTION, []).shape == (0,)


@needs_model
def test_pairs_read_on_several_workers_score_as_one_after_another() -> None:
    sentences = [ANSWER, UNRELATED, "Armenia said 376 of its soldiers had died.", "Yes."] * 3
    serial = Reader.load(workers=1).score(QUESTION, sentences)
    parallel = Reader.load(workers=2)
    np.testing.assert_array_equal(parallel.score(QUESTION, sentences), serial)
    assert parallel._pool is not None  # the two calls did run on the workers


@needs_model
def test_an_overlong_sentence_is_cut_not_refused(reader: Reader) -> None:
    (score,) = reader.score(QUESTION, [" ".join([ANSWER] * 40)])
    assert np.isfinite(score)


@needs_model
def test_the_fingerprint_is_the_model_files_sha256(reader: Reader) -> None:
    assert reader.fingerprint == sha256_of(READER_DIR / MODEL_FILE)
    assert read_sums(READER_DIR / SUMS_FILE)[MODEL_FILE] == reader.fingerprint


def test_a_damaged_model_file_is_refused(copy: Path) -> None:
    with (copy / MODEL_FILE).open("r+b") as handle:
        handle.seek(1000)
        byte = handle.read(1)
        handle.seek(1000)
        handle.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelError, match=r"model\.onnx is damaged .*train_reader\.py"):
        Reader.load(copy)


def test_a_truncated_model_file_is_refused(copy: Path) -> None:
    data = (copy / MODEL_FILE).read_bytes()
    (copy / MODEL_FILE).write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="damaged"):
        Reader.load(copy)


def test_a_missing_model_file_is_refused(copy: Path) -> None:
    (copy / MODEL_FILE).unlink()
    with pytest.raises(ModelError, match=r"model\.onnx is missing"):
        Reader.load(copy)


def test_a_folder_without_sums_is_refused(copy: Path) -> None:
    (copy / SUMS_FILE).unlink()
    with pytest.raises(ModelError, match="no SHA256SUMS"):
        Reader.load(copy)


def test_unreadable_sums_are_refused(copy: Path) -> None:
    (copy / SUMS_FILE).write_text("not a checksum\n", encoding="utf-8")
    with pytest.raises(ModelError, match="unreadable"):
        Reader.load(copy)


def test_a_changed_config_is_refused_until_its_sum_is_rewritten(copy: Path) -> None:
    config = json.loads((copy / CONFIG_FILE).read_text(encoding="utf-8"))
    (copy / CONFIG_FILE).write_text(json.dumps({**config, "pooling": "cls"}), encoding="utf-8")
    with pytest.raises(ModelError, match=r"config\.json is damaged"):
        Reader.load(copy)
    write_sums(copy, [MODEL_FILE, CONFIG_FILE])
    with pytest.raises(ModelError, match="only mean runs"):
        Reader.load(copy)


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no SHA256SUMS"):
        Reader.load(tmp_path / "nowhere")


def test_a_context_this_code_does_not_know_is_refused(copy: Path) -> None:
    config = json.loads((copy / CONFIG_FILE).read_text(encoding="utf-8"))
    (copy / CONFIG_FILE).write_text(json.dumps({**config, "context": "page"}), encoding="utf-8")
    write_sums(copy, [MODEL_FILE, CONFIG_FILE])
    with pytest.raises(ModelError, match="'page' context"):
        Reader.load(copy)


def test_the_neighbours_are_the_sentences_around_one_and_say_which_side() -> None:
    sentences = ["One.", "Two.", "Three."]
    assert neighbour_context(sentences, 1) == "One. [SEP] Three."
    assert neighbour_context(sentences, 0) == "[SEP] Two."
    assert neighbour_context(sentences, 2) == "Two. [SEP]"
    assert neighbour_context(["Alone."], 0) == "[SEP]"


def test_a_context_is_read_after_the_sentence_and_cut_first() -> None:
    tokenizer = load_tokenizer("all-MiniLM-L6-v2")
    context = neighbour_context(["Azerbaijan reported it.", ANSWER, "Armenia denied it."], 1)
    ids = encode_pairs(tokenizer, QUESTION, [ANSWER], 512, [context])["input_ids"][0]
    words = tokenizer.decode(ids)
    assert words.index("2, 783 losses") < words.index("azerbaijan reported it")
    assert words.count("[SEP]") == 4
    # Too long: the end goes (the next sentence, then the previous), the sentence stays.
    short = encode_pairs(tokenizer, QUESTION, [ANSWER], len(ids) - 4, [context])["input_ids"][0]
    kept = tokenizer.decode(short)
    assert "2, 783 losses" in kept and "azerbaijan reported it" in kept
    assert "armenia denied" not in kept


@needs_model
def test_the_shipped_reader_reads_the_context_its_config_names(reader: Reader) -> None:
    context = neighbour_context([UNRELATED, ANSWER, UNRELATED], 1)
    with_context = reader.score(QUESTION, [ANSWER], [context])
    alone = reader.score(QUESTION, [ANSWER])
    if reader.config.context == NEIGHBOURS:
        assert reader.reads_context and with_context[0] != alone[0]
    else:  # a reader of sentences alone ignores what it was not trained on
        assert not reader.reads_context
        np.testing.assert_array_equal(with_context, alone)
    with pytest.raises(ValueError, match="2 contexts for 1 sentences"):
        reader.score(QUESTION, [ANSWER], [context, context])

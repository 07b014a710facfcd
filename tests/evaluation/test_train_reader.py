"""The training script's smoke run: pairs -> a few steps -> ONNX int8 -> a loadable reader."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from assistant.encoding.reader import MODEL_FILE, READER_DIR, Reader, sha256_of
from tests.support import REPO

# About a minute on 2 cores: in the default suite, as CI's check that the pipe still works.
pytestmark = pytest.mark.squad  # skipped without the SQuAD files (tests/conftest.py)


def load_script():
    spec = importlib.util.spec_from_file_location("train_reader", REPO / "scripts/train_reader.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_smoke_run_makes_a_loadable_reader_and_leaves_the_shipped_one_alone(
    tmp_path: Path,
) -> None:
    shipped = sha256_of(READER_DIR / MODEL_FILE) if (READER_DIR / MODEL_FILE).is_file() else None
    script = load_script()
    options = ["--smoke", "--threads", "1", "--swap-share", "1.0", "--reword-share", "1.0"]
    assert script.main([*options, "--work", str(tmp_path / "work")]) == 0
    out = tmp_path / "work" / "output"
    reader = Reader.load(out)
    assert reader.score("Who won?", ["Denver won.", "It rained."]).shape == (2,)
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "SMOKE RUN" in card and "reworded negatives" in card
    results = json.loads((tmp_path / "work" / "results.json").read_text(encoding="utf-8"))
    assert results["data"]["train"]["pairs"] <= 80 and results["train"]["steps"] <= 3
    assert results["export"]["int8_vs_fp32_pearson"] > 0.9
    # The card gives the recipe, not the folders this run wrote to.
    assert results["command"] == "python scripts/train_reader.py " + " ".join(options)
    if shipped:
        assert sha256_of(READER_DIR / MODEL_FILE) == shipped

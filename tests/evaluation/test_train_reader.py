"""The training script's smoke run: pairs -> a few steps -> ONNX int8 -> a loadable reader.

Also what the command stands on (``assistant/training/``): modules that load no torch until
asked, and checkpoints that give back the weights, AdamW moments and position they saved.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.encoding.reader import MODEL_FILE, READER_DIR, Reader, sha256_of
from assistant.evaluation.reader_pairs import ReaderPair
from assistant.training.loop import load_checkpoint, rp_digest, save_checkpoint
from tests.support import REPO, load_script

TRAINING_MODULES = ("data", "model", "loop", "export", "card")


def test_the_training_modules_load_no_torch_transformers_or_onnxruntime() -> None:
    modules = ", ".join(f"assistant.training.{name}" for name in TRAINING_MODULES)
    heavy = ("torch", "transformers", "onnxruntime", "sentence_transformers", "safetensors")
    code = (
        f"import sys, {modules}\n"
        f"loaded = [m for m in {heavy!r} if m in sys.modules]\n"
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=120)


def test_the_pairs_digest_counts_the_context_only_for_a_run_that_reads_it() -> None:
    pair = ReaderPair("Who?", "Ann did.", 1, "answer", "q1", "Art", "[SEP] Then.")
    bare = ReaderPair("Who?", "Ann did.", 1, "answer", "q1", "Art", "")
    # A run without --context keeps the digest its checkpoints had before pairs held one.
    assert rp_digest([pair]) == rp_digest([bare])
    assert rp_digest([pair], context=True) != rp_digest([bare], context=True)
    assert rp_digest([pair], context=True) != rp_digest([pair])


def test_a_checkpoint_gives_back_weights_adam_moments_and_position(tmp_path: Path) -> None:
    import torch

    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.1)
    model(torch.ones(2, 3)).sum().backward()
    optimizer.step()
    save_checkpoint(tmp_path / "checkpoint", model, optimizer, {"step": 1, "identity": {"a": 1}})
    fresh = torch.nn.Linear(3, 1)
    fresh_optimizer = torch.optim.AdamW(fresh.parameters(), lr=0.1)
    state = load_checkpoint(tmp_path / "checkpoint", fresh, fresh_optimizer)
    assert state["step"] == 1 and state["identity"] == {"a": 1}
    assert torch.equal(fresh.weight, model.weight) and torch.equal(fresh.bias, model.bias)
    for before, after in zip(model.parameters(), fresh.parameters(), strict=True):
        saved, loaded = optimizer.state[before], fresh_optimizer.state[after]
        assert all(torch.equal(saved[k], loaded[k]) for k in ("exp_avg", "exp_avg_sq"))
        assert float(saved["step"]) == float(loaded["step"])


# About a minute on 2 cores: in the default suite, as CI's check that the pipe still works.
@pytest.mark.squad  # skipped without the SQuAD files (tests/conftest.py)
def test_a_smoke_run_makes_a_loadable_reader_and_leaves_the_shipped_one_alone(
    tmp_path: Path,
) -> None:
    shipped = sha256_of(READER_DIR / MODEL_FILE) if (READER_DIR / MODEL_FILE).is_file() else None
    script = load_script("train_reader")
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

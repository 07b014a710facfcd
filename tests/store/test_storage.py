from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, IndexMismatchError, IndexNotFoundError, Settings
from assistant.corpus.loading import load_corpus
from assistant.store.build import build_index, stale_reason
from assistant.store.storage import POINTER, load_index


def build(corpus_dir: Path, index_dir: Path, embedder, settings: Settings | None = None) -> Path:
    return build_index(load_corpus(corpus_dir), index_dir, settings or Settings(), embedder)


def test_save_and_load_give_the_same_index(headlines_dir, tmp_path, fake_embedder) -> None:
    index_dir = tmp_path / "index"
    folder = build(headlines_dir, index_dir, fake_embedder)
    stored = load_index(index_dir)
    assert stored.folder == folder
    assert [a.id for a in stored.articles] == sorted(p.stem for p in headlines_dir.iterdir())
    assert len(stored.vectors) == len(stored.chunks) == 6
    texts = {a.id: a.text for a in stored.articles}
    for chunk in stored.chunks:
        assert chunk.text == texts[chunk.article_id][chunk.start : chunk.end]
    expected = fake_embedder.encode_documents([chunk.text for chunk in stored.chunks])
    restored = np.stack([stored.vectors.index.reconstruct(i) for i in range(len(stored.chunks))])
    np.testing.assert_allclose(restored, expected, atol=1e-6)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["counts"] == {"articles": 6, "passages": 6, "sentences": 6}
    assert set(manifest["files"]) >= {"passages.faiss", "chunks.jsonl", "sentences.npy"}


def test_a_rebuild_switches_the_pointer_and_removes_the_old_version(
    headlines_dir, tmp_path, fake_embedder
) -> None:
    index_dir = tmp_path / "index"
    first = build(headlines_dir, index_dir, fake_embedder)
    second = build(headlines_dir, index_dir, fake_embedder)
    assert first != second and not first.exists() and second.exists()
    assert (index_dir / POINTER).read_text() == second.name


def test_no_index_says_how_to_build_one(tmp_path) -> None:
    with pytest.raises(IndexNotFoundError, match="python -m assistant build"):
        load_index(tmp_path)


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "delete"])
@pytest.mark.parametrize(
    "name", ["passages.faiss", "chunks.jsonl", "articles.jsonl", "sentences.npy", "manifest.json"]
)
def test_damaged_files_are_detected(headlines_dir, tmp_path, fake_embedder, name, damage) -> None:
    folder = build(headlines_dir, tmp_path / "index", fake_embedder)
    path = folder / name
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        path.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        path.unlink()
    with pytest.raises(IndexMismatchError, match="rebuild"):
        load_index(tmp_path / "index")


def test_stale_reasons(headlines_dir, tmp_path, fake_embedder) -> None:
    index_dir = tmp_path / "index"
    assert stale_reason(index_dir, load_corpus(headlines_dir), Settings(), fake_embedder) == (
        "no index yet"
    )
    build(headlines_dir, index_dir, fake_embedder)
    assert not stale_reason(index_dir, load_corpus(headlines_dir), Settings(), fake_embedder)
    changed = Settings(max_words=60)
    assert "settings" in stale_reason(index_dir, load_corpus(headlines_dir), changed, fake_embedder)
    (headlines_dir / "new.txt").write_text("New\n\nA new article.", encoding="utf-8")
    reason = stale_reason(index_dir, load_corpus(headlines_dir), Settings(), fake_embedder)
    assert "corpus" in reason


def test_ask_on_a_fake_index_quotes_verbatim(headlines_dir, tmp_path, fake_embedder) -> None:
    index_dir = tmp_path / "index"
    build(headlines_dir, index_dir, fake_embedder)
    bot = Assistant(load_index(index_dir), fake_embedder, Settings())
    answer = bot.ask("Who hit the roof of the Holy Savior Cathedral?", k=3)
    assert answer.best.article_id == "church"
    for passage in answer.passages:
        article = bot.article(passage.article_id)
        assert passage.text == article.text[passage.start : passage.end]
        assert passage.highlight == article.text[passage.highlight_start : passage.highlight_end]

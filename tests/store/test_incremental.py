"""Updates: one article added, changed or removed is all that is embedded again.

Every update is checked against a full build of the same corpus: the same
passages and terms, the same vectors (to float rounding: the model pads each
batch differently), the same BM25 scores and the same answers.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, IndexMismatchError, Settings
from assistant.cli import main
from assistant.corpus.chunking import chunk_article
from assistant.corpus.loading import load_corpus
from assistant.encoding.embedder import Embedder
from assistant.store import build as indexing
from assistant.store.build import build_index
from assistant.store.lexical import LexicalIndex
from assistant.store.manifest import MANIFEST
from assistant.store.storage import POINTER, load_index, load_previous
from assistant.store.versions import remove_stale_versions
from tests.store.test_durability import SimulatedCrash, crash_at_line, reseal
from tests.support import CORPUS, FakeEmbedder

# The reference encoder (torch: vectors independent of their batch to ~1e-7); the
# default onnx-int8 encodes one text at a time for the same reason, tested below.
SETTINGS = Settings(encoder="torch")
# Every n-th line of an update is a crash point (1 in the full run, docs/reliability.md).
CRASH_STRIDE = int(os.environ.get("ASSISTANT_UPDATE_CRASH_STRIDE", "6"))
EXTRA = {
    "100_harbour.md": (
        "---\ntitle: Harbour reopens after storm\noutlet: Coast Herald\npublished: 2021-03-02\n"
        "---\nThe harbour of Port Ellis reopened on Monday, two weeks after the storm tore away "
        "its northern pier. Fishing boats queued at dawn to unload their first catch since "
        "February.\n\nThe harbour master, Ines Talbot, said repairs to the pier would cost about "
        "4 million euros and take until the summer. Ferries to the islands will dock at the "
        "southern quay until then.\n"
    ),
    "101_library.txt": (
        "Library wins architecture prize\n\nThe new public library in Tarvik won the national "
        "architecture prize for its timber roof, which is carried by forty curved beams.\n\n"
        "Its architect, Paulo Mendes, said the building uses a third of the energy of the old "
        "one. The jury praised the reading rooms facing the river.\n"
    ),
}
ADDED = (
    "---\ntitle: Vineyards count frost damage\noutlet: Valley Post\npublished: 2021-04-12\n---\n"
    "Growers in the Arda valley lost about a third of this year's grapes to a late frost on "
    "the night of April 8, the growers' union said on Monday.\n\nThe union asked the regional "
    "government for 12 million euros of aid. Its chairman, Georgi Petkov, said young vines "
    "suffered most, because their buds opened early in a warm March.\n\nInsurers expect claims "
    "from more than 600 farms. Wine prices in the region are not expected to rise before the "
    "autumn harvest.\n"
)
QUESTIONS = [
    "Who is Oleg Kuznetsov?",
    "How much will the pier repairs cost?",
    "How many grapes did growers lose to the frost?",
    "Who designed the library in Tarvik?",
    "What is the recipe for banana bread?",
]


class Spy:
    """An embedder that records every text it embeds, then passes it on."""

    def __init__(self, embedder) -> None:
        self.embedder = embedder
        self.texts: list[str] = []

    def __getattr__(self, name: str):
        return getattr(self.embedder, name)

    def encode_documents(self, texts, **kwargs):
        self.texts.extend(texts)
        return self.embedder.encode_documents(texts, **kwargs)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(SETTINGS.model, encoder=SETTINGS.encoder)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """A corpus (the seed articles and two more) and its index, built in full."""
    root = tmp_path_factory.mktemp("base")
    shutil.copytree(CORPUS, root / "corpus")
    for name, text in EXTRA.items():
        (root / "corpus" / name).write_text(text, encoding="utf-8")
    build_index(load_corpus(root / "corpus"), root / "index", SETTINGS, embedder)
    return root


@pytest.fixture
def work(base: Path, tmp_path: Path) -> Path:
    """A copy of the base corpus and index to change."""
    for name in ("corpus", "index"):
        shutil.copytree(base / name, tmp_path / name, symlinks=True)
    return tmp_path


def texts_of(article) -> list[str]:
    """What a build embeds for one article: its passages, then their sentences."""
    chunks = chunk_article(article)
    sentences = [article.text[start:end] for chunk in chunks for start, end in chunk.sentences]
    return [chunk.text for chunk in chunks] + sentences


def edit(corpus: Path, how: str) -> str:
    """Add, change or remove one article; returns its id."""
    if how == "add":
        (corpus / "050_vineyards.md").write_text(ADDED, encoding="utf-8")
        return "050_vineyards"
    if how == "change":
        path = corpus / "002_21e136c97901ca85.md"
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace("Lachin and Kalbajar", "Lachin and Kelbajar"), encoding="utf-8"
        )
        return path.stem
    (corpus / "003_42076aacbf9b2f73.md").unlink()
    return "003_42076aacbf9b2f73"


def assert_same_index(update_dir: Path, full_dir: Path, embedder, *, exact: bool) -> None:
    """An updated index against a full build of the same corpus."""
    updated, full = load_index(update_dir), load_index(full_dir)
    assert updated.articles == full.articles
    assert updated.chunks == full.chunks
    assert updated.copies == full.copies
    for key in ("counts", "vector_count", "dimension", "corpus_fingerprint"):
        assert updated.manifest[key] == full.manifest[key], key
    for name in ("passage_vectors", "sentence_vectors"):
        a, b = getattr(updated, name), getattr(full, name)
        if exact:
            assert np.array_equal(a, b), name
        else:  # batches are padded differently: the last bits may differ
            np.testing.assert_allclose(a, b, rtol=0, atol=2e-6, err_msg=name)
    # Each passage's BM25 terms, then what BM25 makes of them.
    assert terms_by_passage(update_dir) == terms_by_passage(full_dir)
    queries = [*QUESTIONS, "harbour pier storm", "frost vines aid"]
    for a, b in zip(
        updated.lexical.search(queries, 10), full.lexical.search(queries, 10), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    for question in QUESTIONS:
        a = Assistant(updated, embedder, SETTINGS).ask(question).to_dict()
        b = Assistant(full, embedder, SETTINGS).ask(question).to_dict()
        assert a["found"] == b["found"], question
        assert a["confidence"] == pytest.approx(b["confidence"], abs=1e-4)
        for x, y in zip(a.pop("passages"), b.pop("passages"), strict=True):
            assert x.pop("score") == pytest.approx(y.pop("score"), abs=1e-4)
            assert x == y, question
        a.pop("confidence"), b.pop("confidence")
        assert a == b


def terms_by_passage(index_dir: Path) -> list[list[str]]:
    terms = load_previous(index_dir).terms
    return [
        sorted(terms.vocabulary[i] for i in terms.ids[terms.offsets[row] : terms.offsets[row + 1]])
        for row in range(len(terms))
    ]


@pytest.mark.parametrize("how", ["add", "change", "remove"])
def test_an_update_embeds_one_article_and_equals_a_full_build(
    work: Path, embedder: Embedder, how: str
) -> None:
    changed = edit(work / "corpus", how)
    corpus = load_corpus(work / "corpus")
    spy = Spy(embedder)
    build_index(corpus, work / "index", SETTINGS, spy)
    article = {a.id: a for a in corpus.articles}.get(changed)
    assert spy.texts == ([] if article is None else texts_of(article))
    update = load_index(work / "index").manifest["update"]
    before = len(load_corpus(CORPUS).articles) + len(EXTRA)
    assert update["base"] and not update["full_reason"]
    assert (update["added"], update["changed"], update["removed"]) == {
        "add": (1, 0, 0),
        "change": (0, 1, 0),
        "remove": (0, 0, 1),
    }[how]
    assert update["reused_articles"] == before - (how != "add")
    assert update["embedded_articles"] == (how != "remove")
    build_index(corpus, work / "full", SETTINGS, embedder, full=True)
    assert_same_index(work / "index", work / "full", embedder, exact=False)


def test_an_update_adding_a_copy_finds_it_beside_the_indexed_original(
    headlines_dir: Path, tmp_path: Path
) -> None:
    embedder = FakeEmbedder()
    build_index(load_corpus(headlines_dir), tmp_path / "index", Settings(), embedder)
    assert not load_index(tmp_path / "index").copies.passages
    text = (headlines_dir / "losses.txt").read_text(encoding="utf-8")
    # Another headline, and a word more: the loader skips a body that is word for word.
    copy = text.replace("Losses disclosed", "Ministry counts its dead").replace(".", " on Friday.")
    (headlines_dir / "wire.txt").write_text(copy, encoding="utf-8")
    spy = Spy(embedder)
    build_index(load_corpus(headlines_dir), tmp_path / "index", Settings(), spy)
    assert len(spy.texts) == 2  # only the copy's passage and sentence were embedded
    copies = load_index(tmp_path / "index").copies
    assert [pair[:2] for pair in copies.passages] == [("losses#0", "wire#0")]
    assert copies.articles == (("losses", "wire", 1),)
    build_index(load_corpus(headlines_dir), tmp_path / "full", Settings(), embedder, full=True)
    assert load_index(tmp_path / "full").copies == copies


def test_a_metadata_change_embeds_nothing_but_shows_the_new_metadata(
    work: Path, embedder: Embedder
) -> None:
    path = work / "corpus" / "100_harbour.md"
    path.write_text(path.read_text().replace("Coast Herald", "Harbour Times"), encoding="utf-8")
    spy = Spy(embedder)
    build_index(load_corpus(work / "corpus"), work / "index", SETTINGS, spy)
    stored = load_index(work / "index")
    assert spy.texts == []
    assert {a.id: a.outlet for a in stored.articles}["100_harbour"] == "Harbour Times"
    assert stored.manifest["update"]["changed"] == 1
    bot = Assistant(stored, embedder, SETTINGS)
    assert bot.ask("How much will the pier repairs cost?").best.outlet == "Harbour Times"


def test_an_unchanged_corpus_reuses_every_vector_bit_for_bit(work: Path) -> None:
    before = load_index(work / "index")
    spy = Spy(FakeEmbedder())  # never called: nothing is new
    spy.fingerprint = before.manifest["model_fingerprint"]
    build_index(load_corpus(work / "corpus"), work / "index", SETTINGS, spy)
    after = load_index(work / "index")
    assert spy.texts == [] and after.folder != before.folder
    assert after.chunks == before.chunks
    assert np.array_equal(after.passage_vectors, before.passage_vectors)
    assert np.array_equal(after.sentence_vectors, before.sentence_vectors)
    assert indexing.describe_update(after.manifest["update"]) == (
        "updated: 0 added, 0 changed, 0 removed; 7 articles reused, 0 embedded "
        "(0 passages, 0 sentences)"
    )


def test_full_embeds_everything_again(work: Path, embedder: Embedder) -> None:
    edit(work / "corpus", "add")
    corpus = load_corpus(work / "corpus")
    spy = Spy(embedder)
    build_index(corpus, work / "index", SETTINGS, spy, full=True)
    chunks = [(a, chunk) for a in corpus.articles for chunk in chunk_article(a)]
    sentences = [a.text[start:end] for a, chunk in chunks for start, end in chunk.sentences]
    assert spy.texts == [chunk.text for _, chunk in chunks] + sentences
    update = load_index(work / "index").manifest["update"]
    assert (update["base"], update["full_reason"]) == ("", "requested")
    assert update["embedded_articles"] == len(corpus.articles)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("settings", "the index settings changed"),
        ("model", "the model fingerprint changed"),
        ("code", "the code fingerprint changed"),
    ],
)
def test_nothing_is_reused_from_another_model_settings_or_code(
    headlines_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change, reason
) -> None:
    index_dir, settings, embedder = tmp_path / "index", Settings(), FakeEmbedder()
    build_index(load_corpus(headlines_dir), index_dir, settings, embedder)
    if change == "settings":
        settings = Settings(max_words=60)
    elif change == "model":
        embedder.fingerprint = "another-model"
    else:
        monkeypatch.setattr(indexing, "code_fingerprint", lambda: "other-code")
    spy = Spy(embedder)
    build_index(load_corpus(headlines_dir), index_dir, settings, spy)
    update = load_index(index_dir).manifest["update"]
    assert (update["base"], update["full_reason"]) == ("", reason)
    assert len(spy.texts) == 12  # six passages and six sentences


REUSED = [
    "articles.jsonl",
    "chunks.jsonl",
    "passages.npy",
    "sentences.npy",
    "terms/ids.npy",
    "terms/offsets.npy",
    "terms/vocabulary.json",
    MANIFEST,
]


@pytest.mark.parametrize("name", REUSED)
def test_a_damaged_previous_version_is_not_reused(
    headlines_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    index_dir, embedder = tmp_path / "index", FakeEmbedder()
    build_index(load_corpus(headlines_dir), index_dir, Settings(), embedder)
    folder = index_dir / (index_dir / POINTER).read_text()
    data = bytearray((folder / name).read_bytes())
    data[len(data) // 2] ^= 0x01
    (folder / name).write_bytes(bytes(data))
    (headlines_dir / "extra.txt").write_text("Extra\n\nSappers cleared the road to Lachin.")
    spy = Spy(embedder)
    corpus = load_corpus(headlines_dir)
    build_index(corpus, index_dir, Settings(), spy)
    update = load_index(index_dir).manifest["update"]
    assert (update["base"], update["full_reason"]) == ("", "the current index cannot be reused")
    assert len(spy.texts) == 14  # every article embedded again
    assert f"{name}' is damaged" in caplog.text or f"{name}' was altered" in caplog.text
    build_index(corpus, tmp_path / "full", Settings(), embedder, full=True)
    assert_same_index(index_dir, tmp_path / "full", embedder, exact=True)


def test_damage_to_a_file_an_update_rebuilds_does_not_stop_reuse(
    headlines_dir: Path, tmp_path: Path
) -> None:
    index_dir, embedder = tmp_path / "index", FakeEmbedder()
    build_index(load_corpus(headlines_dir), index_dir, Settings(), embedder)
    folder = index_dir / (index_dir / POINTER).read_text()
    (folder / "passages.faiss").write_bytes(b"garbage")
    spy = Spy(embedder)
    build_index(load_corpus(headlines_dir), index_dir, Settings(), spy)
    assert spy.texts == [] and len(load_index(index_dir).vectors) == 6


def test_passages_of_an_article_out_of_order_are_refused_even_if_resealed(
    headlines_dir: Path, tmp_path: Path
) -> None:
    index_dir, embedder = tmp_path / "index", FakeEmbedder()
    (headlines_dir / "truce.txt").write_text(
        "A truce\n\n" + " ".join(["Russia brokered a ceasefire after six weeks."] * 30)
        + "\n\n" + " ".join(["The truce held through the winter months."] * 30)
    )  # fmt: skip
    build_index(load_corpus(headlines_dir), index_dir, Settings(), embedder)
    folder = index_dir / (index_dir / POINTER).read_text()
    rows = (folder / "chunks.jsonl").read_text().splitlines()
    truce = [n for n, row in enumerate(rows) if json.loads(row)["article_id"] == "truce"]
    assert len(truce) >= 2
    rows[truce[0]], rows[truce[1]] = rows[truce[1]], rows[truce[0]]
    (folder / "chunks.jsonl").write_text("\n".join(rows) + "\n")
    reseal(folder)
    with pytest.raises(IndexMismatchError, match="out of its article's order"):
        load_previous(index_dir)
    spy = Spy(embedder)
    build_index(load_corpus(headlines_dir), index_dir, Settings(), spy)
    assert (
        load_index(index_dir).manifest["update"]["full_reason"]
        == "the current index cannot be reused"
    )


def test_a_crash_at_any_line_of_an_update_keeps_the_previous_index(
    headlines_dir: Path, tmp_path: Path
) -> None:
    index_dir, embedder = tmp_path / "index", FakeEmbedder()
    build_index(load_corpus(headlines_dir), index_dir, Settings(), embedder)
    old = load_index(index_dir)
    (headlines_dir / "extra.txt").write_text("Extra\n\nSappers cleared the road to Lachin.")
    (headlines_dir / "mines.txt").unlink()
    corpus = load_corpus(headlines_dir)
    build_index(corpus, tmp_path / "full", Settings(), embedder, full=True)
    crashes = switched = 0
    for point in range(1, 100_000, CRASH_STRIDE):
        # A crash's leftovers go first, as the next build would remove them;
        # otherwise each crash adds lines to the next build.
        remove_stale_versions(index_dir)
        try:
            with crash_at_line(point):
                build_index(corpus, index_dir, Settings(), embedder)
        except SimulatedCrash:
            crashes += 1
        else:
            break
        live = load_index(index_dir)
        if live.folder == old.folder:
            assert live.articles == old.articles
            assert np.array_equal(live.passage_vectors, old.passage_vectors)
        else:  # crashed after the switch: the update is complete
            switched += 1
            assert_same_index(index_dir, tmp_path / "full", embedder, exact=True)
    assert crashes > 1200 // CRASH_STRIDE and switched
    assert load_index(index_dir).manifest["update"]["base"]
    print(f"{crashes} crash points in an update, {switched} after the switch: all loads whole")
    assert_same_index(index_dir, tmp_path / "full", embedder, exact=True)


def test_lexical_index_from_kept_terms_equals_lexical_index_build(work: Path) -> None:
    stored = load_index(work / "index")
    built = LexicalIndex.build([chunk.text for chunk in stored.chunks])
    queries = [*QUESTIONS, "harbour pier storm", "Azerbaijan Armenia mines maps"]
    for a, b in zip(stored.lexical.search(queries, 10), built.search(queries, 10), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    terms = ["mine", "harbour", "kuznetsov", "nowher"]
    np.testing.assert_allclose(stored.lexical.idf(terms), built.idf(terms))


def test_the_cli_says_what_was_reused_and_embedded(base: Path, tmp_path: Path, capsys) -> None:
    shutil.copytree(base / "corpus", tmp_path / "corpus")
    arguments = ["--corpus", str(tmp_path / "corpus"), "--index", str(tmp_path / "index"), "build"]
    assert main(arguments) == 0
    assert "full build (no index yet): 7 articles embedded (" in capsys.readouterr().out
    edit(tmp_path / "corpus", "add")
    assert main(arguments) == 0
    out = capsys.readouterr().out
    assert "updated: 1 added, 0 changed, 0 removed; 7 articles reused, 1 embedded (" in out
    assert main([*arguments, "--full"]) == 0
    assert "full build (requested): 8 articles embedded (" in capsys.readouterr().out


def test_with_the_default_encoder_an_update_equals_a_full_build(base: Path, tmp_path: Path) -> None:
    settings = Settings()
    embedder = Embedder(settings.model, encoder=settings.encoder)
    shutil.copytree(base / "corpus", tmp_path / "corpus")
    build_index(load_corpus(tmp_path / "corpus"), tmp_path / "index", settings, embedder)
    edit(tmp_path / "corpus", "add")
    corpus = load_corpus(tmp_path / "corpus")
    build_index(corpus, tmp_path / "index", settings, embedder)
    build_index(corpus, tmp_path / "full", settings, embedder, full=True)
    assert_same_index(tmp_path / "index", tmp_path / "full", embedder, exact=False)

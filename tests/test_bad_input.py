"""Bad questions and bad corpus files: refused or skipped with a reason, never a crash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant import Assistant, CorpusError, QuestionError, Settings
from assistant.corpus.loading import MAX_ARTICLE_BYTES, load_corpus, parse_article
from assistant.store.build import build_index
from assistant.store.storage import load_index
from tests.documents import pdf_bytes, zip_bomb_bytes
from tests.support import REPO

# -- questions, through Assistant.ask on the real model and index -------------

NOT_QUESTIONS = [
    "",
    "   ",
    "\t\n\r",
    "\u200b\u200c\u200d\u2060\ufeff",  # zero-width only
    "\x00\x07\x1b\x7f\x85",  # control characters only
    "?!... --- ***",
    "___",
    "\u0301\u0301",  # combining marks with nothing to combine with
    "\U0001f914\U0001f914",
    "\ud800",  # a lone surrogate
]


@pytest.fixture
def searches(bot: Assistant, monkeypatch: pytest.MonkeyPatch) -> list:
    """Every call to the query embedder: an empty list means nothing was searched."""
    calls: list = []
    encode = bot.embedder.encode_queries

    def spy(texts):
        calls.append(list(texts))
        return encode(texts)

    monkeypatch.setattr(bot.embedder, "encode_queries", spy)
    return calls


@pytest.mark.parametrize("question", NOT_QUESTIONS)
def test_a_question_without_words_is_refused_without_searching(
    bot: Assistant, searches: list, question: str
) -> None:
    with pytest.raises(QuestionError, match="Please ask a question"):
        bot.ask(question)
    assert searches == []


def test_control_and_zero_width_characters_inside_a_question_are_ignored(
    bot: Assistant, searches: list
) -> None:
    clean = bot.ask("Who is Oleg Kuznetsov?")
    noisy = bot.ask("\x00Who\u200b is\x07 Oleg\ud800 Kuznetsov?\x1b\n")
    assert noisy.searched_for == clean.searched_for == "Who is Oleg Kuznetsov?"
    assert [p.to_dict() for p in noisy.passages] == [p.to_dict() for p in clean.passages]
    assert len(searches) == 2


@pytest.mark.parametrize(
    "question",
    [
        ("How many soldiers did Azerbaijan lose in the war? " * 2_000)[:100_000],
        "a" * 100_000,
        "Who is Oleg Kuznetsov?" + "\u200b" * 100_000,
        "Ren\u00e9" + "\u0301" * 100_000,
    ],
    ids=["words", "one-word", "zero-width-tail", "combining-tail"],
)
def test_a_100000_character_question_is_cut_with_a_note_in_bounded_time(
    bot: Assistant, question: str
) -> None:
    started = time.perf_counter()
    answer = bot.ask(question)
    elapsed = time.perf_counter() - started
    assert elapsed < 10, f"took {elapsed:.1f} s"
    assert len(answer.searched_for) <= bot.settings.max_question_chars
    if answer.searched_for != "Who is Oleg Kuznetsov?":
        assert any("characters long" in note for note in answer.notes)
    assert answer.passages


@pytest.mark.parametrize(
    "question",
    ["What did Erdo\u011fan say about the ceasefire?", "Did the caf\u00e9 in Shush\u00e1 reopen?"],
)
def test_nfc_and_nfd_forms_of_a_question_give_the_same_answer(bot: Assistant, question: str):
    composed = bot.ask(unicodedata.normalize("NFC", question)).to_dict()
    decomposed = bot.ask(unicodedata.normalize("NFD", question)).to_dict()
    assert unicodedata.normalize("NFD", question) != question
    composed.pop("question"), decomposed.pop("question")
    assert composed == decomposed


# -- corpus files --------------------------------------------------------------

GOOD = "Shusha recaptured\n\nAzerbaijani forces took the city of Shusha on November 8."
ACCENTED = "Caf\u00e9 reopens\n\nThe caf\u00e9 in Stepanakert reopened, its owner s\u00e9ance said."
BOMB = "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
BOMB += (
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\ntitle: [*c, *c, *c, *c, *c, *c, *c]\n---\nBody."
)

# file name -> (bytes, or a maker, and the expected outcome: article text or a reason)
CASES: dict[str, tuple[object, str]] = {
    "good.md": (GOOD.encode(), "Azerbaijani forces took the city of Shusha on November 8."),
    "crlf.txt": (b"Title\r\n\r\nLine one.\r\nLine two.\r\n", "Line one.\nLine two."),
    "utf8-bom.md": (b"\xef\xbb\xbfBOM title\n\nText after a BOM.", "Text after a BOM."),
    "utf16.txt": ("UTF-16 title\n\nSixteen \u00e9.".encode("utf-16"), "Sixteen \u00e9."),
    "utf16be.txt": (
        b"\xfe\xff" + "T\n\nBig endian \u00e9.".encode("utf-16-be"),
        "Big endian \u00e9.",
    ),
    "utf32.txt": ("T\n\nThirty-two \u00e9.".encode("utf-32"), "Thirty-two \u00e9."),
    "accented.md": (ACCENTED.encode(), ACCENTED.split("\n\n")[1]),
    "authors.md": (b"---\ntitle: T\nauthor: [A. One, B. Two]\n---\nTwo authors wrote it.", "Two"),
    "cp1252.txt": ("T\n\nCaf\u00e9 d\u00e9j\u00e0 vu".encode("cp1252"), "iconv -f cp1252"),
    "utf16-no-bom.txt": ("T\n\nNo mark.".encode("utf-16-le"), "without a byte-order mark"),
    "binary.txt": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        "not a Markdown or text file but a PNG image",
    ),
    "control.txt": (b"Title\n\nText with an escape \x1b[31m in it.", "U+001B on line 3"),
    "empty.md": (b"", "empty"),
    "blank.txt": (b" \n\t\n", "empty"),
    "only-title.md": (b"---\ntitle: T\n---\n\nShare This\n", "no article text"),
    "bad-yaml.md": (b"---\ntitle: [unclosed\n---\nBody", "invalid YAML"),
    "bomb.md": (BOMB.encode(), "nested structure"),
    "huge.txt": (b"Big\n\n" + b"word " * (MAX_ARTICLE_BYTES // 5 + 1), "too big for one article"),
    "good2.md": (GOOD.encode(), "duplicate of good.md"),
    "nfd-accented.md": (unicodedata.normalize("NFD", ACCENTED).encode(), "accented.md"),
    "good.txt": (b"Another\n\nSame id as good.md.", "same id"),
    "link-inside.md": ("link:good.md", "duplicate of good.md"),
    "link-outside.md": ("link:../outside.md", "outside the corpus folder"),
    "link-broken.md": ("link:missing.md", "link to a missing file"),
    "folder.md": ("folder", "it is a folder"),
    "pipe.txt": ("fifo", "not a regular file"),
    "notes.pdf": (b"%PDF-1.4", "the PDF is damaged"),
    "scan.pdf": (pdf_bytes([[]], image_only=True), "no text layer"),
    "page.pdf": (
        b"<!DOCTYPE html><html><body>Saved page</body></html>",
        "not a PDF but a web page",
    ),
    "bomb.docx": (zip_bomb_bytes(entry_bytes=20_000_000), "possible zip bomb"),
    "notes.odt": (b"PK\x03\x04", "not an article file"),
    "subfolder": ("folder", "it is a folder"),
}


def make(folder: Path, name: str, content: object) -> None:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content.startswith("link:"):
        path.symlink_to(content.removeprefix("link:"))
    elif content == "folder":
        path.mkdir()
    else:
        os.mkfifo(path)


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (tmp_path / "outside.md").write_text("Secret\n\nNot part of the corpus.", encoding="utf-8")
    for name, (content, _) in CASES.items():
        make(folder, name, content)
    (folder / ".hidden.md").write_text("Hidden\n\nEditors leave such files.", encoding="utf-8")
    return folder


def test_every_bad_file_is_indexed_correctly_or_skipped_with_its_reason(messy: Path) -> None:
    started = time.perf_counter()
    corpus = load_corpus(messy)
    assert time.perf_counter() - started < 10  # the pipe did not hang it
    texts = {Path(a.path).name: a.text for a in corpus.articles}
    reasons = {Path(s.path).name: s.reason for s in corpus.skipped}
    assert set(texts) | set(reasons) == set(CASES) and not set(texts) & set(reasons)
    for name, (_, expected) in CASES.items():
        if name in texts:
            assert texts[name].startswith(expected) or texts[name] == expected, name
        else:
            assert expected in reasons[name], (name, reasons[name])
    for text in texts.values():
        assert unicodedata.is_normalized("NFC", text) and "\r" not in text
    assert {Path(a.path).name: a.author for a in corpus.articles}["authors.md"] == "A. One, B. Two"


def test_the_indexed_ones_are_quoted_verbatim(messy: Path, tmp_path: Path, fake_embedder):
    build_index(load_corpus(messy), tmp_path / "index", Settings(), fake_embedder)
    stored = load_index(tmp_path / "index")
    bot = Assistant(stored, fake_embedder, Settings())
    answer = bot.ask("Where did the café reopen?", k=3)
    assert answer.best.article_id == "accented"
    for passage in answer.passages:
        article = bot.article(passage.article_id)
        assert passage.text == article.text[passage.start : passage.end]


@pytest.mark.parametrize("body", ["A b c d.", "It is.", "1 2 3", "!!! ???"])
def test_a_corpus_without_searchable_words_is_an_error_not_a_crash(
    tmp_path: Path, fake_embedder, body: str
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(f"Title\n\n{body}", encoding="utf-8")
    with pytest.raises(CorpusError, match="no searchable words"):
        build_index(load_corpus(corpus), tmp_path / "index", Settings(), fake_embedder)


def test_info_accounts_for_every_file(messy: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "--corpus", str(messy), "--index", str(tmp_path)]
        + ["info", "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    files = {entry["file"]: entry for entry in json.loads(result.stdout)["files"]}
    assert set(files) == set(CASES)
    assert all(entry["indexed"] or entry["reason"] for entry in files.values())


def test_an_unreadable_file_is_skipped(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    (tmp_path / "locked.md").write_text("T\n\nText.", encoding="utf-8")
    (tmp_path / "locked.md").chmod(0)
    assert "cannot be read" in load_corpus(tmp_path).skipped[0].reason


ANY_FILE = st.one_of(
    st.binary(max_size=400),
    st.builds(  # a title, then any text, in any encoding the loader accepts
        lambda text, encoding: f"Title\n\n{text}".encode(encoding),
        st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=300),
        st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]),
    ),
    st.builds(  # any front matter, any body
        lambda meta, body: f"---\n{meta}\n---\n{body}".encode(),
        st.text(max_size=80),
        st.text(max_size=80),
    ),
)


@settings(max_examples=int(os.environ.get("ASSISTANT_FUZZ_EXAMPLES", "300")), deadline=None)
@given(ANY_FILE)
def test_any_bytes_become_an_article_or_a_reason(raw: bytes) -> None:
    try:
        article = parse_article("fuzz", raw)
    except CorpusError as error:
        assert str(error)
        return
    assert article.text and unicodedata.is_normalized("NFC", article.text)
    assert not any(unicodedata.category(c) == "Cc" and c not in "\t\n\f" for c in article.text)


def test_yaml_is_loaded_safely() -> None:
    raw = b"---\ntitle: !!python/object/apply:os.system [echo hi]\n---\nBody."
    with pytest.raises(CorpusError, match="invalid YAML"):
        parse_article("x", raw)
    assert yaml.safe_load("a: 1") == {"a": 1}

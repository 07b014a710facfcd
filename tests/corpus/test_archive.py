"""JSONL and CSV archives: one article per row, bad rows skipped with their reason."""

from __future__ import annotations

import json
import logging
import re
import shutil
import sys
from pathlib import Path

import pytest

from assistant.corpus import archive, progress
from assistant.corpus.archive import MAX_ROW_TEXT_BYTES, ArchiveSource, read_archive
from assistant.corpus.columns import columns_file, columns_json, parse_columns
from assistant.corpus.loading import MAX_ARTICLE_BYTES, load_corpus
from assistant.errors import CorpusError

ARCHIVES = Path(__file__).resolve().parents[1] / "data" / "archives"


def read(name: str) -> list:
    path = ARCHIVES / name
    return ArchiveSource().read(path.stem, path.read_bytes(), path=str(path))


def test_a_jsonl_archive_gives_one_article_per_good_row(caplog) -> None:
    with caplog.at_level(logging.WARNING):
        articles = read("good.jsonl")
    first, second = articles
    assert first.id == "tram-001"  # the row's id, made safe for a file name
    assert (first.title, first.outlet, first.published, first.author) == (
        "City Orders Forty New Trams",
        "Metro Daily",
        "2022-05-04",
        "Jonas Weber",
    )
    assert first.url == "https://metrodaily.example/trams"
    assert first.text.startswith("The city council ordered forty new low-floor trams")
    assert "\n\nThe first trams will run" in first.text
    # No id: the file's stem and the row's line; a datetime keeps its date.
    assert (second.id, second.published, second.outlet) == ("good-2", "2022-05-06", "")
    warnings = caplog.text
    assert "row 4 skipped: it has no text" in warnings
    assert "row 5 skipped: not a JSON object" in warnings
    assert "row 6 skipped: its date 'last Tuesday' is not an ISO date" in warnings


def test_a_csv_without_a_text_column_names_the_columns_it_has() -> None:
    with pytest.raises(CorpusError, match="no 'text' column \\(its columns: 'title', 'outlet'"):
        read("missing_text.csv")


def test_a_csv_skips_empty_rows_and_rows_without_text(caplog) -> None:
    with caplog.at_level(logging.WARNING):
        (article,) = read("empty_row.csv")
    assert (article.id, article.title, article.published) == (
        "market-1",
        "Market Hall Reopens",
        "2022-06-01",
    )
    assert article.text == (
        "The market hall reopened on Wednesday after a fire closed it in March.\n\n"
        "Forty traders are back, the market office said."
    )
    assert "row 3 skipped: it has no text" in caplog.text


def test_a_huge_field_skips_its_row_only(caplog) -> None:
    huge = "word " * (MAX_ROW_TEXT_BYTES // 5 + 1)
    raw = (
        "id,title,text\nbig,Big,"
        + huge
        + "\nsmall,Ferry,A short article about the harbour ferry timetable.\n"
    ).encode()
    with caplog.at_level(logging.WARNING):
        (article,) = read_archive("a", raw, path="a.csv", csv_format=True)
    assert article.id == "small"
    assert "row 1 skipped: its text is too big for one article" in caplog.text


def test_a_field_longer_than_the_csv_default_limit_is_read() -> None:
    # csv refuses fields over 128 kB by default; a long article is bigger.
    long_text = "The ferry timetable changed again. " * 5000
    raw = ("title,text\nFerry," + long_text + "\n").encode()
    (article,) = read_archive("a", raw, path="a.csv", csv_format=True)
    assert article.text == long_text.strip()


def test_duplicate_rows_and_bad_files(caplog) -> None:
    rows = [
        {"id": "x", "text": "Same text in two rows."},
        {"id": "y", "text": "Same text in two rows."},
    ]
    raw = "\n".join(json.dumps(row) for row in rows).encode()
    with caplog.at_level(logging.WARNING):
        assert [a.id for a in read_archive("d", raw, path="d.jsonl", csv_format=False)] == ["x"]
    assert "row 2 skipped: another row has the same text" in caplog.text
    with pytest.raises(CorpusError, match="no 'text' key \\(its keys: 'body'\\)"):
        read_archive("d", b'{"body": "x"}\n', path="d.jsonl", csv_format=False)
    with pytest.raises(CorpusError, match="no row holds an article"):
        read_archive("d", b'{"text": ""}\n', path="d.jsonl", csv_format=False)
    with pytest.raises(CorpusError, match="not valid UTF-8"):
        read_archive("d", b'{"text": "caf\xe9"}\n', path="d.jsonl", csv_format=False)


def test_archives_may_exceed_the_one_article_limit_up_to_their_own(
    tmp_path: Path, monkeypatch
) -> None:
    line = json.dumps({"text": "A row of an archive. " * 100}) + "\n"
    rows = [
        line.replace("A row", f"Row {number}")
        for number in range(MAX_ARTICLE_BYTES // len(line) + 5)
    ]
    (tmp_path / "big.jsonl").write_text("".join(rows), encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert len(corpus.articles) == len(rows) and not corpus.skipped
    assert (tmp_path / "big.jsonl").stat().st_size > MAX_ARTICLE_BYTES
    monkeypatch.setattr(archive.ArchiveSource, "max_bytes", MAX_ARTICLE_BYTES * 2 // 3 + 1)
    (reason,) = [skip.reason for skip in load_corpus(tmp_path).skipped]
    assert reason.startswith("the file is too big for its format")


def test_an_archive_loses_only_its_rows_that_clash_with_other_files(tmp_path: Path) -> None:
    shutil.copy(ARCHIVES / "good.jsonl", tmp_path / "good.jsonl")
    (tmp_path / "a_first.md").write_text(
        "# Earlier\n\nThe central library will open on Sundays from June, after a petition "
        "signed by 8,000 readers.",
        encoding="utf-8",
    )
    (tmp_path / "tram-001.md").write_text("# Tram\n\nAnother text entirely.", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    # good.jsonl's library row repeats a_first.md and is dropped; its tram row is
    # kept, and the later tram-001.md, a second file with that id, is skipped.
    assert [(article.id, article.outlet) for article in corpus.articles] == [
        ("a_first", ""),
        ("tram-001", "Metro Daily"),
    ]
    assert [Path(skip.path).name for skip in corpus.skipped] == ["tram-001.md"]


# -- column mappings, dates in words, huge rows, progress ---------------------

EXPORT = (
    "headline,body,pub_date,source\n"
    "Bridge Closed for Repairs,The old bridge closes for six weeks of repairs from Monday.,"
    '"3 October 2020",Town Gazette\n'
    "Bus Fares Frozen,Bus fares stay the same next year; the council froze them.,"
    "2020-10-05,Town Gazette\n"
)


def test_a_column_mapping_reads_columns_named_otherwise() -> None:
    columns = parse_columns("text=body, title=headline,published=pub_date,outlet=source")
    first, second = read_archive("export", EXPORT.encode(), csv_format=True, columns=columns)
    assert (first.title, first.published, first.outlet) == (
        "Bridge Closed for Repairs",
        "2020-10-03",  # a date in words, as ISO
        "Town Gazette",
    )
    assert second.text == "Bus fares stay the same next year; the council froze them."
    with pytest.raises(CorpusError, match="no 'text' column \\(its columns: 'headline', 'body'"):
        read_archive("export", EXPORT.encode(), csv_format=True)
    with pytest.raises(CorpusError, match="no 'content' column \\(the column mapping's 'text'\\)"):
        read_archive("export", EXPORT.encode(), csv_format=True, columns={"text": "content"})
    jsonl = b'{"body": "A row of a JSON Lines export.", "headline": "Row"}\n'
    (article,) = read_archive("e", jsonl, csv_format=False, columns=columns)
    assert article.title == "Row"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("text", "is not FIELD=COLUMN"),
        ("body=text", "'body' is not an archive field; map one of text, id, title"),
        ("text=", "is not FIELD=COLUMN"),
    ],
)
def test_a_bad_column_mapping_is_a_value_error(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_columns(spec)


def test_the_loader_reads_an_archive_with_its_mapping_file_every_time(tmp_path: Path) -> None:
    (tmp_path / "export.csv").write_text(EXPORT, encoding="utf-8")
    (reason,) = [skip.reason for skip in load_corpus(tmp_path).skipped]
    assert "no 'text' column" in reason
    mapping = columns_file(tmp_path / "export.csv")
    mapping.write_bytes(columns_json({"text": "body", "title": "headline"}))
    corpus = load_corpus(tmp_path)
    assert [article.title for article in corpus.articles] == [
        "Bridge Closed for Repairs",
        "Bus Fares Frozen",
    ]
    assert not corpus.skipped  # the mapping file is the archive's, not a skipped file
    # A changed mapping changes the articles, so it must change the fingerprint.
    before = corpus.fingerprint
    mapping.write_bytes(columns_json({"text": "body", "title": "source"}))
    changed = load_corpus(tmp_path)
    assert changed.articles[0].title == "Town Gazette" and changed.fingerprint != before
    mapping.write_text("[1, 2]", encoding="utf-8")
    (reason,) = [skip.reason for skip in load_corpus(tmp_path).skipped]
    assert reason.startswith("its column mapping export.csv.columns is not valid")
    (tmp_path / "export.csv").unlink()
    (reason,) = [skip.reason for skip in load_corpus(tmp_path).skipped]
    assert reason.startswith("it is the column mapping of export.csv, which is not in the corpus")


def test_a_huge_field_other_than_the_text_skips_its_row(caplog) -> None:
    rows = [{"title": "x" * 20_000, "text": "A row."}, {"title": "Fine", "text": "Another row."}]
    raw = "\n".join(json.dumps(row) for row in rows).encode()
    with caplog.at_level(logging.WARNING):
        (article,) = read_archive("h", raw, csv_format=False)
    assert article.title == "Fine"
    assert "row 1 skipped: its 'title' is 20,000 characters long" in caplog.text


def test_a_huge_json_line_is_not_parsed(monkeypatch, caplog) -> None:
    monkeypatch.setattr(archive, "MAX_LINE_CHARS", 1_000)
    rows = [{"text": "word " * 500}, {"text": "A short row."}]
    raw = "\n".join(json.dumps(row) for row in rows).encode()
    with caplog.at_level(logging.WARNING):
        (article,) = read_archive("h", raw, csv_format=False)
    assert "row 1 skipped: the row is too big (2," in caplog.text


def test_thousands_of_rows_stream_with_a_progress_bar(monkeypatch) -> None:
    rows = [json.dumps({"text": f"Row {n} of the archive, about item {n}."}) for n in range(5000)]
    raw = "\n".join(rows).encode()
    updates: list[float] = []

    class Recorder:
        def __init__(self, **options) -> None:
            assert options["total"] == len(raw) and options["file"] is sys.stderr
            assert options["disable"] is None  # tqdm's: nothing drawn unless a terminal

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            return None

        def update(self, n: float = 1) -> None:
            updates.append(n)

    monkeypatch.setattr("tqdm.tqdm", Recorder)
    assert len(read_archive("big", raw, csv_format=False)) == 5000
    assert updates == []  # off unless the command line asks for it
    with progress.shown():
        assert len(read_archive("big", raw, csv_format=False)) == 5000
    assert 0 < sum(updates) <= len(raw) and len(updates) == 5000


@pytest.mark.parametrize(
    ("first", "problem"),
    [
        (b"title,text", "not valid JSON (Expecting value at column 1)"),
        (b"[1, 2]", "not a JSON object but a list"),
    ],
)
def test_a_jsonl_whose_first_line_is_no_json_object_is_refused(first: bytes, problem: str) -> None:
    good = json.dumps({"text": "The tram depot expands by 12 tracks."}).encode()
    with pytest.raises(
        CorpusError, match=re.escape(f"not a JSON Lines file: its first line is {problem}")
    ):
        read_archive("rows", first + b"\n" + good + b"\n", csv_format=False)
    # From the second line on, a bad line is a bad row, skipped.
    assert len(read_archive("rows", good + b"\n" + first + b"\n", csv_format=False)) == 1


@pytest.mark.parametrize(
    ("raw", "csv_format", "where"),
    [
        (b'{"text": "Good row one."}\n{"text": "Bad \xff row"}\n', False, "row 2, byte 40"),
        (b'text\nGood row one.\n"Bad \xff row"\n', True, "line 3, byte 24"),
    ],
)
def test_invalid_utf8_names_the_row_it_is_in(raw: bytes, csv_format: bool, where: str) -> None:
    # Was "after row 0": the text stream decodes ahead of the rows read.
    with pytest.raises(CorpusError, match=f"not valid UTF-8 \\({where}\\)"):
        read_archive("rows", raw, csv_format=csv_format)


def test_invalid_utf8_past_the_first_block_is_found_where_it_is() -> None:
    # A three-byte character across the 1 MiB block boundary is valid; the 0xFF is not.
    row = json.dumps({"text": "x" * 1000}).encode() + b"\n"
    head = row * 1000 + b'{"text": "'
    raw = head + b"y" * ((1 << 20) - 1 - len(head)) + "\u4e2d".encode() + b'"}\n'
    raw += row * 10 + b'{"text": "\xff"}\n'
    assert raw[(1 << 20) - 1] == 0xE4
    line, offset = raw.count(b"\n"), len(raw) - 4
    with pytest.raises(CorpusError, match=f"row {line}, byte {offset}\\)"):
        read_archive("rows", raw, csv_format=False)

"""add_files: readable files copied under a fresh name; a refusal leaves the corpus as it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.corpus.adding import add_files, unique_name, write_new
from assistant.corpus.columns import columns_file
from assistant.corpus.loading import load_corpus
from assistant.errors import CorpusError
from tests.corpus.conftest import NOTE
from tests.documents import docx_bytes, pdf_bytes, zip_bomb_bytes


def given(tmp_path: Path, name: str, raw: bytes) -> Path:
    (tmp_path / "in").mkdir(exist_ok=True)
    path = tmp_path / "in" / name
    path.write_bytes(raw)
    return path


def contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_a_pdf_and_a_docx_are_copied_byte_for_byte(tmp_path: Path, corpus: Path) -> None:
    pdf = given(tmp_path, "Ferry Plan.pdf", pdf_bytes([["Ferry Plan", "", "Ferries run hourly."]]))
    given(tmp_path, "glacier.docx", docx_bytes([("Normal", "The glacier lost 40 m.")]))
    first, second = add_files([pdf.parent], corpus)
    assert (first.status, first.format, Path(first.copy).name) == ("added", "pdf", "Ferry-Plan.pdf")
    assert (second.status, second.format) == ("added", "docx")
    assert (corpus / "Ferry-Plan.pdf").read_bytes() == pdf.read_bytes()
    assert [a.id for a in load_corpus(corpus).articles] == ["Ferry-Plan", "glacier", "note"]


@pytest.mark.parametrize(
    ("name", "raw", "reason"),
    [
        ("notes.odt", b"x", "no source reads '.odt' files"),
        ("scan.pdf", pdf_bytes([[]], image_only=True), "the PDF has no text layer"),
        ("bomb.docx", zip_bomb_bytes(entry_bytes=20_000_000), "refused as a possible zip bomb"),
        ("fake.pdf", b"<html><body>x</body></html>", "it is not a PDF but a web page"),
        ("copy.md", NOTE.replace("# Harbour Note", "# Other").encode(), "already in note.md"),
        ("note.txt", b"# Note\n\nAnother text, but the id note is taken.", "id 'note' is taken"),
    ],
)
def test_refused_files_are_not_copied(
    tmp_path: Path, corpus: Path, name: str, raw: bytes, reason: str
) -> None:
    before = contents(corpus)
    (result,) = add_files([given(tmp_path, name, raw)], corpus)
    assert result.status == "skipped" and reason in result.reason
    assert contents(corpus) == before  # nothing already indexed is lost, nothing added


def test_a_folder_inside_a_folder_and_the_same_bytes_again(tmp_path: Path, corpus: Path) -> None:
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (result,) = add_files([tmp_path / "in"], corpus)
    assert result.status == "skipped" and "a folder inside a folder" in result.reason
    (present,) = add_files([corpus / "note.md"], corpus)
    assert (present.status, present.reason) == ("present", "already in the corpus as note.md")


def test_an_archive_added_with_columns_keeps_its_mapping(tmp_path: Path, corpus: Path) -> None:
    rows = [{"body": "The tram depot expands by 12 tracks.", "headline": "Depot Grows"}]
    archive = given(tmp_path, "export.jsonl", "\n".join(map(json.dumps, rows)).encode())
    (refused,) = add_files([archive], corpus)
    assert refused.status == "skipped" and "no 'text' key (its keys: 'body'" in refused.reason
    (added,) = add_files([archive], corpus, columns={"text": "body", "title": "headline"})
    assert added.status == "added" and [a.title for a in added.articles] == ["Depot Grows"]
    mapping = json.loads(columns_file(added.copy).read_text(encoding="utf-8"))
    assert mapping == {"text": "body", "title": "headline"}
    assert "Depot Grows" in [a.title for a in load_corpus(corpus).articles]


def test_a_left_over_mapping_is_not_taken_up_by_a_new_archive(tmp_path: Path, corpus: Path) -> None:
    columns_file(corpus / "rows.jsonl").write_text('{"text": "nothing"}', encoding="utf-8")
    assert unique_name(Path("rows.jsonl"), corpus) == "rows-2.jsonl"


def test_write_new_never_overwrites(corpus: Path) -> None:
    with pytest.raises(CorpusError, match="cannot be copied"):
        write_new(corpus / "note.md", b"other")
    assert (corpus / "note.md").read_text(encoding="utf-8") == NOTE


PAGE = Path(__file__).resolve().parents[1] / "data" / "pages" / "news_page.html"


def test_a_dry_run_reports_ready_and_copies_nothing(headlines_dir: Path, tmp_path: Path) -> None:
    before = sorted(headlines_dir.iterdir())
    present = tmp_path / "again.txt"
    shutil.copy(before[0], present)
    results = add_files([PAGE, present], headlines_dir, dry_run=True)
    assert [r.status for r in results] == ["ready", "present"]
    assert results[0].articles[0].title and results[0].copy == ""
    assert sorted(headlines_dir.iterdir()) == before
    # The same files, for real, do what the dry run said.
    assert [r.status for r in add_files([PAGE, present], headlines_dir)] == ["added", "present"]


def test_a_folder_s_link_leading_out_of_it_is_refused(tmp_path: Path, corpus: Path) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text("# Secret\n\nThe password file's lines, which must stay out.")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "inside.md").write_text("# Inside\n\nThe quay is rebuilt in stone this year.")
    (folder / "passwd.md").symlink_to(outside)  # was copied, indexed and quoted by ask
    (folder / "same.md").symlink_to(folder / "inside.md")  # inside the folder: read
    results = add_files([folder], corpus)
    assert [(Path(r.source).name, r.status) for r in results] == [
        ("inside.md", "added"),
        ("passwd.md", "skipped"),
        ("same.md", "present"),
    ]
    assert f"it is a link to {str(outside)!r}, outside the folder given" in results[1].reason
    assert "Secret" not in [a.title for a in load_corpus(corpus).articles]
    # A link given itself is what the user named: it is followed.
    (named,) = add_files([folder / "passwd.md"], corpus)
    assert named.status == "added"

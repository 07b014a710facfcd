"""The command line, run as users run it: in a subprocess, on the real corpus."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main
from tests.documents import docx_bytes, pdf_bytes
from tests.http_server import PAGE, serving, summary_feed
from tests.support import CORPUS, REPO


def run(*args: str, index: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant", "--corpus", str(CORPUS), "--index", str(index), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-index")
    result = run("build", index=folder)
    assert result.returncode == 0, result.stderr
    assert "built 24 passages from 5 articles" in result.stdout
    return folder


def test_ask_json_prints_the_trend_article_with_its_metadata(index: Path) -> None:
    result = run("ask", "Who is Oleg Kuznetsov?", "--json", index=index)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)  # stdout holds nothing but the JSON
    best = answer["passages"][0]
    assert answer["found"] is True
    assert best["article_id"] == "000_a3a1afb14bddd822"
    assert (best["outlet"], best["published"]) == ("Trend", "2021-02-23")
    assert len(answer["passages"]) == 5


def test_ask_prints_quotes_and_sources(index: Path) -> None:
    history = ["--history", "How many soldiers did Azerbaijan lose?"]
    result = run("ask", "What about Armenia?", *history, "-k", "2", index=index)
    assert result.returncode == 0, result.stderr
    assert "searched for: How many soldiers did Armenia lose?" in result.stdout
    assert "[1] \u201c" in result.stdout and "[3]" not in result.stdout


def test_not_found_is_said_plainly(index: Path) -> None:
    result = run("ask", "What is the recipe for banana bread?", index=index)
    assert result.returncode == 0
    assert "The articles don't answer this" in result.stdout
    assert "not an answer" in result.stdout


def test_pooled_sentence_vectors_build_their_own_index(tmp_path: Path) -> None:
    pooled = tmp_path / "pooled"
    result = run(
        "--sentence-vectors", "pooled", "ask", "Who is Oleg Kuznetsov?", "--json", index=pooled
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["passages"][0]["article_id"] == "000_a3a1afb14bddd822"
    manifest = next(pooled.glob("v*/manifest.json"))
    assert json.loads(manifest.read_text())["settings"]["sentence_vectors"] == "pooled"
    wrong = run("--sentence-vectors", "averaged", "info", index=pooled)
    assert wrong.returncode == 2 and "invalid choice: 'averaged'" in wrong.stderr


def test_empty_question_is_an_error_with_a_message(index: Path) -> None:
    result = run("ask", "   ", index=index)
    assert result.returncode == 2
    assert "Please ask a question" in result.stderr
    assert "Traceback" not in result.stderr


def test_info_accounts_for_every_file(index: Path) -> None:
    result = run("info", "--json", index=index)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["index_status"] == "up to date"
    assert (report["articles"], report["passages"]) == (5, 24)
    assert report["model"] == "all-MiniLM-L6-v2"
    assert len(report["files"]) == 5 and all(entry["indexed"] for entry in report["files"])


def test_missing_corpus_and_index_give_a_fix(tmp_path: Path, capsys) -> None:
    folders = ["--corpus", str(tmp_path / "none"), "--index", str(tmp_path / "idx")]
    status = main([*folders, "ask", "x"])
    assert status == 2
    assert "python -m assistant build" in capsys.readouterr().err


def test_the_cli_never_imports_gradio() -> None:
    code = "import sys, assistant.cli, assistant; assert 'gradio' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=120)


def test_add_copies_a_page_and_a_feed_and_they_are_answerable(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    for path in CORPUS.iterdir():
        (corpus / path.name).write_bytes(path.read_bytes())
    page = REPO / "tests" / "data" / "pages" / "news_page.html"
    feed = REPO / "tests" / "data" / "feeds" / "caucasus.rss"
    original = page.read_bytes()

    def cli(*args: str) -> subprocess.CompletedProcess:
        command = [
            sys.executable,
            "-m",
            "assistant",
            "--corpus",
            str(corpus),
            "--index",
            str(index),
        ]
        return subprocess.run(
            [*command, *args], cwd=REPO, capture_output=True, text=True, timeout=300
        )

    result = cli("add", str(page), str(feed))
    assert result.returncode == 0, result.stderr
    assert "(html) as news_page.html" in result.stdout and "(feed) as caucasus.rss" in result.stdout
    assert "Lake Sevan fishermen report a record whitefish catch (Caucasus Weekly" in result.stdout
    assert (corpus / "news_page.html").read_bytes() == original == page.read_bytes()

    answer = json.loads(cli("ask", "How much whitefish was caught in Lake Sevan?", "--json").stdout)
    assert answer["passages"][0]["article_id"] == "caucasus-1"

    again = cli("add", str(page))
    assert again.returncode == 0 and "already in the corpus as news_page.html" in again.stdout
    assert sorted(p.name for p in corpus.iterdir()).count("news_page.html") == 1

    (tmp_path / "notes.odt").write_bytes(b"PK\x03\x04")
    refused = cli("add", str(tmp_path / "notes.odt"), str(feed.parent / "empty.rss"))
    assert refused.returncode == 2
    assert "no source reads '.odt' files" in refused.stdout
    assert "the feed has no entries" in refused.stdout

    report = json.loads(cli("info", "--json").stdout)
    indexed = {entry["file"] for entry in report["files"] if entry["indexed"]}
    assert {path.name for path in CORPUS.iterdir()} <= indexed  # nothing indexed is lost
    assert {"news_page.html", "caucasus.rss"} <= indexed
    assert {entry["format"] for entry in report["files"]} == {"markdown", "html", "feed"}


def test_add_fetches_links_and_their_pages_are_answerable(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    for path in CORPUS.iterdir():
        (corpus / path.name).write_bytes(path.read_bytes())
    page_file = REPO / "tests" / "data" / "pages" / "news_page.html"

    def cli(*args: str) -> subprocess.CompletedProcess:
        folders = ["--corpus", str(corpus), "--index", str(index)]
        command = [sys.executable, "-m", "assistant", *folders]
        return subprocess.run(
            [*command, *args], cwd=REPO, capture_output=True, text=True, timeout=300
        )

    with serving() as base:
        refused = cli("add", f"{base}/page")
        assert refused.returncode == 2
        assert f"skipped  {base}/page: cannot fetch it: 127.0.0.1 is a loopback" in refused.stdout

        links = tmp_path / "links.txt"
        links.write_text(f"# the morning's links\n{base}/feed\n\n{base}/missing\n")
        options = ("--allow-private-addresses", "--urls", str(links))
        result = cli("add", *options, f"{base}/redirect/2", str(page_file))
    assert result.returncode == 0, result.stderr
    assert f"added  {base}/redirect/2 (html) as 127.0.0.1-page.html" in result.stdout
    assert "Ararat Valley growers harvest a record apricot crop (Valley Courier" in result.stdout
    assert "(html) as news_page.html" in result.stdout
    assert f"added  {base}/feed (feed) as 127.0.0.1-feed.rss" in result.stdout
    assert f"skipped  {base}/missing: cannot fetch it: the server answered 404" in result.stdout
    assert (corpus / "127.0.0.1-page.html").read_bytes() == PAGE  # the bytes as served

    answer = json.loads(cli("ask", "How many tonnes of apricots were picked?", "--json").stdout)
    best = answer["passages"][0]
    assert best["article_id"] == "127.0.0.1-page" and answer["found"] is True
    assert best["url"] == f"{base}/page"  # the page states no canonical URL: where it was
    assert "96,000 tonnes" in best["highlight"]

    report = json.loads(cli("info", "--json").stdout)
    files = {entry["file"]: entry for entry in report["files"]}
    assert files["127.0.0.1-page.html"]["indexed"] and files["127.0.0.1-feed.rss"]["indexed"]
    assert "127.0.0.1-page.html.fetched.json" not in files
    assert report["index_status"] == "up to date"


def test_add_a_folder_with_a_pdf_a_docx_and_a_mapped_archive_and_ask_each(tmp_path: Path) -> None:
    corpus, index, given = tmp_path / "corpus", tmp_path / "index", tmp_path / "press office"
    corpus.mkdir()
    given.mkdir()
    for path in CORPUS.iterdir():
        (corpus / path.name).write_bytes(path.read_bytes())
    (given / "Funicular Report.pdf").write_bytes(
        pdf_bytes(
            [
                [
                    "Tbilisi Funicular Sets a Record",
                    "",
                    "The funicular railway up Mtatsminda carried 1.4 million passengers in",
                    "2019, its operator said, more than in any year since it reopened.",
                ]
            ],
            info={"Author": "Mtatsminda Park", "CreationDate": "D:20200115090000+04'00'"},
        )
    )
    (given / "hatchery.docx").write_bytes(
        docx_bytes(
            [
                ("Title", "Sevan Trout Hatchery Releases Fry"),
                ("Normal", "The hatchery at Lake Sevan released 40,000 trout fry this spring."),
                ("Normal", "The fisheries agency wants to restore the lake's native stock."),
            ],
            author="Fisheries Agency",
            created="2021-04-20T08:00:00",
        )
    )
    (given / "wire.csv").write_text(
        "headline,body,date\nOld Bridge Reopens,The Dry Bridge in Tbilisi reopened to "
        'traffic on 5 March after eleven months of repairs.,"5 March 2021"\n',
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "assistant", "--corpus", str(corpus), "--index", str(index)]

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*command, *args], cwd=REPO, capture_output=True, text=True, timeout=300
        )

    result = cli("add", str(given), "--columns", "text=body,title=headline,published=date")
    assert result.returncode == 0, result.stderr
    assert "(pdf) as Funicular-Report.pdf" in result.stdout
    assert "Tbilisi Funicular Sets a Record (2020-01-15): 1 passages" in result.stdout
    assert "(docx) as hatchery.docx" in result.stdout
    assert "Sevan Trout Hatchery Releases Fry (2021-04-20): 1 passages" in result.stdout
    assert "Old Bridge Reopens (2021-03-05): 1 passages" in result.stdout
    assert (corpus / "wire.csv.columns").is_file()

    for question, article_id in [
        ("How many passengers did the Tbilisi funicular carry in 2019?", "Funicular-Report"),
        ("How many trout fry were released at Lake Sevan?", "hatchery"),
        ("When did the Dry Bridge reopen to traffic?", "wire-1"),
    ]:
        answer = json.loads(cli("ask", question, "--json").stdout)
        best = answer["passages"][0]
        assert best["article_id"] == article_id, question
        assert answer["found"] is True, (question, answer["confidence"])
    assert best["published"] == "2021-03-05"

    report = json.loads(cli("info", "--json").stdout)
    by_file = {entry["file"]: entry for entry in report["files"]}
    assert {path.name for path in CORPUS.iterdir()} <= set(by_file)  # nothing indexed is lost
    assert all(entry["indexed"] for entry in by_file.values())
    assert by_file["hatchery.docx"]["format"] == "docx"
    assert by_file["Funicular-Report.pdf"]["published"] == "2020-01-15"
    assert "wire.csv.columns" not in by_file  # part of wire.csv, not a file of its own


def test_add_a_summary_feed_with_fetch_linked(tmp_path: Path, capsys) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    with serving() as base:
        feed = summary_feed(base, tmp_path)
        folders = ["--corpus", str(corpus), "--index", str(index), "-q"]
        options = ["--fetch-linked", "--allow-private-addresses"]
        status = main([*folders, "add", str(feed), *options])
    out = capsys.readouterr().out
    assert status == 0, out
    assert f"added  {feed} (feed) as digest.rss" in out
    assert "A story whose page is gone (Regional Digest, 2021-07-11): 1 passages" in out
    assert "Apricot growers pick" not in out  # the entry's page took its place
    assert f"added  {base}/bare (html) as 127.0.0.1-bare.html" in out
    assert "thirty years (Regional Digest, 2021-07-10): 1 passages" in out
    assert f"skipped  {base}/missing: cannot fetch it: the server answered 404" in out
    assert "the feed's entry stays the article" in out


ARTICLE = "# {title}\n\nThe {thing} at the harbour opens at eight on Monday, the port office said."


def test_names_and_texts_reach_the_terminal_escaped(tmp_path: Path, capsys) -> None:
    corpus, index, given = tmp_path / "corpus", tmp_path / "index", tmp_path / "in"
    corpus.mkdir()
    given.mkdir()
    (corpus / "tide\x1b[2J.md").write_text(ARTICLE.format(title="Tide Table", thing="tide gauge"))
    (corpus / "bell\x07.md").write_bytes(b"# Bell\n\nThe bell \x07 rings.")  # skipped: BEL
    (given / "ring\x07\x1b[2J.md").write_text(ARTICLE.format(title="Ferry", thing="ferry desk"))
    (given / "x\x1b[2J.odt").write_bytes(b"PK\x03\x04")
    folders = ["--corpus", str(corpus), "--index", str(index), "-q"]
    files = [str(given / "ring\x07\x1b[2J.md"), str(given / "x\x1b[2J.odt")]
    assert main([*folders, "add", *files]) == 0
    added = capsys.readouterr().out
    assert "ring\\x07\\x1b[2J.md (markdown) as ring-2J.md" in added
    assert "skipped  " + str(given / "x\\x1b[2J.odt") in added
    assert main([*folders, "ask", "When does the tide gauge open?"]) == 0
    asked = capsys.readouterr().out
    assert "of tide\\x1b[2J, score" in asked
    info = subprocess.run(
        [sys.executable, "-m", "assistant", *folders, "info"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "skipped  bell\\x07.md [markdown]: the file is binary" in info.stdout
    assert "skipped " + str(corpus / "bell\\x07.md") in info.stderr  # the loader's log line
    for shown in (added, asked, info.stdout, info.stderr):
        assert not set(shown) & {"\x1b", "\x07", "\x00"}


def test_add_finishes_what_a_killed_add_left_unfinished(tmp_path: Path, capsys) -> None:
    corpus, index, given = tmp_path / "corpus", tmp_path / "index", tmp_path / "ferry.md"
    corpus.mkdir()
    (corpus / "tide.md").write_text(ARTICLE.format(title="Tide Table", thing="tide gauge"))
    given.write_text(ARTICLE.format(title="Ferry", thing="ferry desk"))
    folders = ["--corpus", str(corpus), "--index", str(index), "-q"]
    assert main([*folders, "build"]) == 0
    # Where an add killed after its copy, before the index update, leaves things.
    from assistant.corpus.adding import add_files

    (copied,) = add_files([given], corpus)
    (corpus / ".adding-0123456789abcdef-depot.jsonl").write_text('{"text": "half a ro')
    capsys.readouterr()
    assert main([*folders, "add", str(given)]) == 0
    out = capsys.readouterr().out
    # Was: "present", exit 0, and the index left stale until the next ask rebuilt it.
    assert "updating the index: it is behind the corpus (the corpus fingerprint changed)" in out
    assert f"present  {given} (markdown): already in the corpus as ferry.md" in out
    assert main([*folders, "info", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["index_status"] == "up to date" and report["articles"] == 2
    assert report["unfinished_copies"] == [".adding-0123456789abcdef-depot.jsonl"]
    assert main([*folders, "add", str(given)]) == 0
    assert "updating the index" not in capsys.readouterr().out  # nothing left to finish
    assert main([*folders, "info"]) == 0
    assert "unfinished  .adding-0123456789abcdef-depot.jsonl: a copy an add was stopped" in (
        capsys.readouterr().out
    )

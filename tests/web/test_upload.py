"""The "Add articles" panel's handler: limits, bad files, names, the token rule, the swap.

Each test works on its own copy of the real corpus and of the session's index,
so the real corpus is never touched; the real model indexes what is added.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.corpus.adding import Addition
from assistant.web import policy as policy_module
from assistant.web import upload as upload_module
from assistant.web.links import NO_FETCHER, parse_links
from assistant.web.live import LiveAssistant
from assistant.web.page import build_demo
from assistant.web.policy import AddPolicy, UploadLimits
from assistant.web.upload import Uploader
from assistant.web.views import format_additions
from tests.support import CORPUS

PAGE = Path(__file__).resolve().parents[1] / "data" / "uploads" / "glacier_lake.html"
QUESTION = "How many residents of Mestia were evacuated?"
LOOPBACK_POLICY = AddPolicy.for_server("127.0.0.1")


@pytest.fixture
def folders(bot: Assistant, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the corpus and of the session's index."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(CORPUS, corpus)
    shutil.copytree(bot.stored.folder.parent, index)
    return corpus, index


def make_uploader(
    folders: tuple[Path, Path], bot: Assistant, policy: AddPolicy = LOOPBACK_POLICY, **options
) -> Uploader:
    corpus, index = folders
    fresh = Assistant(Assistant.load(corpus, index).stored, bot.embedder, bot.settings)
    return Uploader(LiveAssistant(fresh), corpus, index, policy=policy, **options)


def upload(tmp_path: Path, name: str, data: bytes) -> str:
    """A file as Gradio hands it over: a path in a folder of its own."""
    folder = tmp_path / "uploads" / str(len(list((tmp_path / "uploads").glob("*"))) + 1)
    folder.mkdir(parents=True)
    path = folder / name
    path.write_bytes(data)
    return str(path)


def corpus_names(corpus: Path) -> list[str]:
    return sorted(path.name for path in corpus.iterdir())


# -- who may add ------------------------------------------------------------------


def test_loopback_may_add_without_a_token() -> None:
    for host in ("127.0.0.1", "localhost", "::1"):
        policy = AddPolicy.for_server(host)
        assert policy.enabled and not policy.token and policy.refusal(None) is None


def test_another_address_needs_a_token_or_auth() -> None:
    policy = AddPolicy.for_server("0.0.0.0")
    assert not policy.enabled
    assert "--add-token" in policy.reason and "0.0.0.0" in policy.reason
    assert policy.refusal("anything") == policy.reason
    assert AddPolicy.for_server("0.0.0.0", auth=True).enabled
    with_token = AddPolicy.for_server("10.0.0.5", token="s3cret-token-42")
    assert with_token.enabled
    assert with_token.refusal("s3cret-token-42") is None
    assert "wrong" in with_token.refusal("s3cret-token-41")
    assert "wrong" in with_token.refusal("")


def test_a_short_token_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="at least 12 characters"):
        AddPolicy.for_server("0.0.0.0", token="short")


def test_links_only_with_allow_fetch() -> None:
    assert not AddPolicy.for_server("127.0.0.1").allow_links
    assert AddPolicy.for_server("127.0.0.1", allow_fetch=True).allow_links


def test_the_token_is_asked_before_anything_is_read(
    folders: tuple[Path, Path], bot: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upload_module, "WRONG_TOKEN_DELAY", 0)
    policy = AddPolicy.for_server("0.0.0.0", token="operator-token-1")
    uploader = make_uploader(folders, bot, policy)
    files = [upload(tmp_path, "glacier.html", PAGE.read_bytes())]
    before = corpus_names(folders[0])
    assert "token" in uploader.check(files).message and not uploader.check(files).reports
    assert "token" in uploader.add(files).message
    assert "wrong" in uploader.add(files, token="operator-token-2").message
    assert corpus_names(folders[0]) == before
    outcome = uploader.add(files, token="operator-token-1")
    assert [report.status for report in outcome.reports] == ["added"]


# -- checking and adding -------------------------------------------------------------


def test_check_shows_what_a_page_gives_and_copies_nothing(
    folders: tuple[Path, Path], bot: Assistant, tmp_path: Path
) -> None:
    uploader = make_uploader(folders, bot)
    before = corpus_names(folders[0])
    outcome = uploader.check([upload(tmp_path, "glacier lake.html", PAGE.read_bytes())])
    (report,) = outcome.reports
    assert (report.status, report.format, report.name) == ("ready", "html", "glacier lake.html")
    (article,) = report.articles
    assert article.title == "Glacier Lake Above Mestia Drained After Record Spring Melt"
    assert (article.outlet, article.published) == ("Highland Courier", "2021-05-17")
    assert article.passages >= 1
    assert corpus_names(folders[0]) == before
    assert outcome.message == "1 of 1 files can be added."


def test_an_added_page_is_searchable_at_once_and_the_old_index_still_answers(
    folders: tuple[Path, Path], bot: Assistant, tmp_path: Path
) -> None:
    uploader = make_uploader(folders, bot)
    old = uploader.assistant.current
    steps: list[str] = []
    outcome = uploader.add(
        [upload(tmp_path, "glacier lake.html", PAGE.read_bytes())],
        progress=lambda done, text: steps.append(text),
    )
    (report,) = outcome.reports
    assert report.status == "added" and report.stored_as == "glacier-lake.html"
    assert report.articles[0].passages >= 1 and outcome.indexed
    assert steps[0] == "Checking the files" and steps[-1] == "Loading the new index"
    assert (folders[0] / "glacier-lake.html").read_bytes() == PAGE.read_bytes()
    live = uploader.assistant
    assert live.current is not old and len(live.articles) == len(old.articles) + 1
    # Nothing already indexed is lost.
    assert {a.id for a in old.articles} <= {a.id for a in live.articles}
    best = live.ask(QUESTION).best
    assert best.article_id == "glacier-lake" and "340 residents" in best.highlight
    assert (best.outlet, best.published, best.author) == (
        "Highland Courier",
        "2021-05-17",
        "Nino Kapanadze",
    )
    # A question that started on the old Assistant can finish on it.
    assert old.ask("Who is Oleg Kuznetsov?").found
    # A restart reads the same index without rebuilding it.
    again = Assistant.load(*folders)
    assert again.stored.folder == live.stored.folder


def test_questions_are_answered_while_a_batch_is_indexed(
    folders: tuple[Path, Path], bot: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uploader = make_uploader(folders, bot)
    started, release = threading.Event(), threading.Event()
    real_build = upload_module.build_index

    def slow_build(*args, **kwargs):
        started.set()
        assert release.wait(30)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(upload_module, "build_index", slow_build)
    files = [upload(tmp_path, "glacier.html", PAGE.read_bytes())]
    worker = threading.Thread(target=uploader.add, args=(files,))
    worker.start()
    try:
        assert started.wait(30)
        answer = uploader.assistant.ask("Who is Oleg Kuznetsov?")
        assert answer.found and answer.best.outlet == "Trend"
    finally:
        release.set()
        worker.join(60)
    assert uploader.assistant.ask(QUESTION).best.article_id == "glacier"


def test_a_failed_index_update_removes_the_copies_and_keeps_the_index(
    folders: tuple[Path, Path], bot: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uploader = make_uploader(folders, bot)
    old = uploader.assistant.current
    before = corpus_names(folders[0])

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(upload_module, "build_index", broken)
    outcome = uploader.add([upload(tmp_path, "glacier.html", PAGE.read_bytes())])
    assert "could not be updated" in outcome.message and not outcome.indexed
    assert "OSError" in outcome.reports[0].reason and outcome.reports[0].status == "skipped"
    assert corpus_names(folders[0]) == before
    assert uploader.assistant.current is old


# -- limits and bad files ---------------------------------------------------------


def test_too_many_files_are_refused_whole(
    folders: tuple[Path, Path], bot: Assistant, tmp_path: Path
) -> None:
    uploader = make_uploader(folders, bot, limits=UploadLimits(files=2))
    files = [upload(tmp_path, f"page{n}.html", PAGE.read_bytes()) for n in range(3)]
    before = corpus_names(folders[0])
    for outcome in (uploader.check(files), uploader.add(files)):
        assert outcome.message == "3 files given: add at most 2 at a time."
        assert not outcome.reports
    assert corpus_names(folders[0]) == before


def test_size_limits_per_file_and_in_all(
    folders: tuple[Path, Path], bot: Assistant, tmp_path: Path
) -> None:
    size = len(PAGE.read_bytes())
    uploader = make_uploader(folders, bot, limits=UploadLimits(file_bytes=size - 1))
    (report,) = uploader.check([upload(tmp_path, "glacier.html", PAGE.read_bytes())]).reports
    assert report.status == "skipped" and "bigger than" in report.reason
    uploader = make_uploader(folders, bot, limits=UploadLimits(total_bytes=size + 10))
    files = [upload(tmp_path, f"g{n}.html", PAGE.read_bytes()) for n in range(2)]
    assert "in all" in uploader.add(files).message
    assert "g0.html" not in corpus_names(folders[0])


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("setup.exe", b"MZ\x90\x00", "no source reads '.exe' files"),
        ("README", b"plain text", "no source reads 'files without a suffix'"),
        ("photo.html", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "not a web page but a PNG image"),
        ("story.md", b"PK\x03\x04" + b"\0" * 40, "but a zip archive"),
        ("story.txt", b"\x7fELF\x02\x01" + b"\0" * 40, "the file is binary, not text"),
        ("notes.html", b"Just a line of text, no markup.", "no article text was found in the page"),
        # Its second line is a good row: the first line says it is no JSON Lines file.
        (
            "rows.jsonl",
            b'title,text\n{"text": "The tram depot expands by 12 tracks."}\n',
            "it is not a JSON Lines file: its first line is not valid JSON",
        ),
        ("feed.rss", b"<html><body><p>hi</p></body></html>", "not an RSS or Atom feed"),
        ("random.txt", bytes(range(256)) * 4, "the file is binary, not text"),
        ("empty.md", b"", "the file is empty"),
        ("menu.html", b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "no article"),
    ],
)
def test_bad_files_are_skipped_with_their_reason(
    folders: tuple[Path, Path], bot: Assistant, tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    uploader = make_uploader(folders, bot)
    before = corpus_names(folders[0])
    outcome = uploader.add(
        [upload(tmp_path, name, data), upload(tmp_path, "glacier.html", PAGE.read_bytes())]
    )
    by_name = {report.name: report for report in outcome.reports}
    assert by_name[name].status == "skipped" and reason in by_name[name].reason
    # The good file of the same batch is added all the same; nothing else changes.
    assert by_name["glacier.html"].status == "added"
    assert corpus_names(folders[0]) == sorted([*before, "glacier.html"])


def test_a_file_already_in_the_corpus_is_present_not_copied(
    folders: tuple[Path, Path], bot: Assistant, tmp_path: Path
) -> None:
    uploader = make_uploader(folders, bot)
    existing = sorted(CORPUS.glob("*.md"))[0]
    before = corpus_names(folders[0])
    outcome = uploader.add([upload(tmp_path, "copy.md", existing.read_bytes())])
    (report,) = outcome.reports
    assert report.status == "present" and existing.name in report.reason
    assert outcome.message == "Nothing was added." and corpus_names(folders[0]) == before


# -- names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [".hidden.html", "a b;rm -rf ~.html", "..html", "$(reboot).html", "Ωmega « news ».html"],
)
def test_upload_names_never_become_paths(
    folders: tuple[Path, Path], bot: Assistant, tmp_path: Path, name: str
) -> None:
    uploader = make_uploader(folders, bot)
    (report,) = uploader.add([upload(tmp_path, name, PAGE.read_bytes())]).reports
    assert report.status == "added" and report.name == name
    assert re.fullmatch(r"[\w][\w.-]*\.html", report.stored_as), report.stored_as
    assert (folders[0] / report.stored_as).is_file()


def test_the_same_name_twice_gets_two_names(
    folders: tuple[Path, Path], bot: Assistant, tmp_path: Path
) -> None:
    uploader = make_uploader(folders, bot)
    other = PAGE.read_bytes().replace(b"340 residents", b"350 residents")
    outcome = uploader.add(
        [upload(tmp_path, "page.html", PAGE.read_bytes()), upload(tmp_path, "page.html", other)]
    )
    assert [(r.status, r.name, r.stored_as) for r in outcome.reports] == [
        ("added", "page.html", "page.html"),
        ("added", "page.html", "page-2.html"),
    ]


# -- links ------------------------------------------------------------------------


def test_links_are_off_without_allow_fetch(folders: tuple[Path, Path], bot: Assistant) -> None:
    uploader = make_uploader(folders, bot)
    (report,) = uploader.add(None, "https://example.org/story").reports
    assert report.status == "skipped" and "off" in report.reason


def test_links_say_so_while_there_is_no_fetcher(folders: tuple[Path, Path], bot: Assistant) -> None:
    policy = AddPolicy.for_server("127.0.0.1", allow_fetch=True)
    uploader = make_uploader(folders, bot, policy)
    outcome = uploader.add(None, "https://example.org/story\nfile:///etc/passwd")
    by_name = {report.name: report for report in outcome.reports}
    assert by_name["https://example.org/story"].reason == NO_FETCHER
    assert "only http" in by_name["file:///etc/passwd"].reason


def test_the_web_fetcher_refuses_private_addresses(
    folders: tuple[Path, Path], bot: Assistant
) -> None:
    from assistant.web.links import fetch_links

    policy = AddPolicy.for_server("127.0.0.1", allow_fetch=True)
    uploader = make_uploader(folders, bot, policy, add_links=fetch_links)
    before = sorted(folders[0].iterdir())
    links = "http://127.0.0.1:9/story\nhttp://10.1.2.3/story\nhttp://[::1]/story"
    reports = uploader.add(None, links).reports
    assert [report.status for report in reports] == ["skipped"] * 3
    assert all("address" in report.reason for report in reports), reports
    # The CLI's option does not apply here: the message must not send the user to it.
    assert not any("--allow-private-addresses" in report.reason for report in reports)
    assert all("this server never fetches them" in report.reason for report in reports)
    assert sorted(folders[0].iterdir()) == before


def test_links_go_to_the_one_fetcher_function_and_are_indexed(
    folders: tuple[Path, Path], bot: Assistant
) -> None:
    asked: list[Sequence[str]] = []

    def add_links(urls: Sequence[str], corpus_dir: Path) -> list[Addition]:
        asked.append(list(urls))
        target = corpus_dir / "fetched-glacier.html"
        target.write_bytes(PAGE.read_bytes())
        return [Addition(urls[0], "added", format="html", copy=str(target))]

    policy = AddPolicy.for_server("127.0.0.1", allow_fetch=True)
    uploader = make_uploader(folders, bot, policy, add_links=add_links)
    outcome = uploader.add(None, "https://example.org/glacier\n\nhttps://example.org/glacier\n")
    assert asked == [["https://example.org/glacier"]]
    assert outcome.reports[0].status == "added" and outcome.indexed
    assert uploader.assistant.ask(QUESTION).best.article_id == "fetched-glacier"


def test_a_slow_link_holds_up_only_its_own_batch(
    folders: tuple[Path, Path], bot: Assistant, tmp_path: Path
) -> None:
    fetching, released = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def add_links(urls: Sequence[str], corpus_dir: Path) -> list[Addition]:
        # A server dripping its answer: this batch waits until the other one is done
        # (30 s at most, so that a lock held across the fetch fails the test, not hangs it).
        seen["folder"] = corpus_dir
        fetching.set()
        seen["released"] = released.wait(timeout=30)
        target = corpus_dir / "fetched-glacier.html"
        target.write_bytes(PAGE.read_bytes())
        return [Addition(urls[0], "added", format="html", copy=str(target))]

    policy = AddPolicy.for_server("127.0.0.1", allow_fetch=True)
    uploader = make_uploader(folders, bot, policy, add_links=add_links)
    slow: dict[str, object] = {}
    thread = threading.Thread(
        target=lambda: slow.update(outcome=uploader.add(None, "https://example.org/glacier"))
    )
    thread.start()
    try:
        assert fetching.wait(timeout=30)
        note = "# Ferry timetable\n\nThe island ferry runs twice a day from 1 May."
        other = uploader.add([upload(tmp_path, "ferry.md", note.encode())])
    finally:
        released.set()
        thread.join()
    assert other.indexed and [r.status for r in other.reports] == ["added"]
    assert seen["released"] is True  # the other batch finished while the link was fetched
    # The link was fetched outside the corpus, then added to it under the lock.
    assert Path(str(seen["folder"])).parent != folders[0]
    outcome = slow["outcome"]
    assert outcome.indexed and outcome.reports[0].stored_as == "fetched-glacier.html"
    assert uploader.assistant.ask(QUESTION).best.article_id == "fetched-glacier"


def test_the_add_event_lets_batches_fetch_side_by_side(
    folders: tuple[Path, Path], bot: Assistant
) -> None:
    from assistant.web.add_panel import ADD_CONCURRENCY, ADD_CONCURRENCY_ID

    policy = AddPolicy.for_server("127.0.0.1", allow_fetch=True)
    demo = build_demo(bot, uploader=make_uploader(folders, bot, policy))
    (add,) = [fn for fn in demo.fns.values() if fn.concurrency_id == ADD_CONCURRENCY_ID]
    assert add.concurrency_limit == ADD_CONCURRENCY > 1


def test_parse_links_limits_the_count() -> None:
    links, refused = parse_links("https://a.example/1\nftp://b.example\n\nhttps://u:p@c.example/")
    assert links == ["https://a.example/1"] and len(refused) == 2
    with pytest.raises(ValueError, match="at most 2"):
        parse_links("\n".join(f"https://a.example/{n}" for n in range(3)), limit=2)


# -- the page ---------------------------------------------------------------------


def test_the_report_escapes_what_the_upload_says() -> None:
    from assistant.web.reports import ArticleReport, FileReport

    html = format_additions(
        [
            FileReport(
                "<img src=x onerror=alert(1)>.html",
                "added",
                "html",
                stored_as="img-src-x.html",
                articles=(ArticleReport("<b>Title</b>", "", "", 3),),
            ),
            FileReport("x.md", "skipped", "markdown", "bad <script>"),
        ],
        "Added 1 of 2",
    )
    assert "<img" not in html and "<b>" not in html and "<script>" not in html
    assert "&#60;b&#62;Title" in html and "outlet not stated" in html
    assert "3 passages" in html and "not added" in html


def test_the_page_with_an_uploader_still_serves_only_ask(
    folders: tuple[Path, Path], bot: Assistant, tmp_path: Path
) -> None:
    import gradio as gr

    from assistant.web.feedback import FeedbackLog

    uploader = make_uploader(folders, bot)
    demo = build_demo(bot, feedback=FeedbackLog(tmp_path / "f.jsonl"), uploader=uploader)
    info = demo.get_api_info()
    assert list(info["named_endpoints"]) == ["/ask"] and not info["unnamed_endpoints"]
    picker = next(block for block in demo.blocks.values() if isinstance(block, gr.File))
    assert set(picker.file_types) >= {".md", ".txt", ".html", ".jsonl", ".csv", ".rss"}
    labels = [b.label for b in demo.blocks.values() if isinstance(b, gr.Textbox)]
    assert "Add token" not in labels and not any("Links" in str(label) for label in labels)


def test_the_page_off_the_loopback_without_a_token_has_no_picker(
    folders: tuple[Path, Path], bot: Assistant, tmp_path: Path
) -> None:
    import gradio as gr

    uploader = make_uploader(folders, bot, AddPolicy.for_server("0.0.0.0"))
    demo = build_demo(bot, uploader=uploader)
    assert not any(isinstance(block, gr.File) for block in demo.blocks.values())
    texts = [b.value for b in demo.blocks.values() if isinstance(b, gr.Markdown)]
    assert any("Adding articles is off" in str(text) for text in texts)


def test_the_page_with_a_token_and_allow_fetch_shows_both_boxes(
    folders: tuple[Path, Path], bot: Assistant
) -> None:
    import gradio as gr

    policy = AddPolicy.for_server("0.0.0.0", token="operator-token-1", allow_fetch=True)
    demo = build_demo(bot, uploader=make_uploader(folders, bot, policy))
    boxes = {b.label: b for b in demo.blocks.values() if isinstance(b, gr.Textbox)}
    assert boxes["Add token"].type == "password"
    links = next(box for label, box in boxes.items() if str(label).startswith("Links"))
    assert links.interactive is False and links.placeholder == NO_FETCHER


def test_policy_module_has_no_gradio() -> None:
    assert "gradio" not in policy_module.__dict__


def test_a_fetcher_that_raises_skips_its_links(folders: tuple[Path, Path], bot: Assistant) -> None:
    def add_links(urls: Sequence[str], corpus_dir: Path) -> list[Addition]:
        raise RuntimeError("boom")

    policy = AddPolicy.for_server("127.0.0.1", allow_fetch=True)
    uploader = make_uploader(folders, bot, policy, add_links=add_links)
    (report,) = uploader.add(None, "https://example.org/a").reports
    assert report.status == "skipped" and "RuntimeError" in report.reason


# -- app.py -----------------------------------------------------------------------


def test_app_options_for_adding(monkeypatch: pytest.MonkeyPatch) -> None:
    import app

    monkeypatch.delenv("ASSISTANT_ADD_TOKEN", raising=False)
    args = app.parse_args([])
    assert (args.add_token, args.allow_fetch) == ("", False)
    args = app.parse_args(["--add-token", "operator-token-1", "--allow-fetch"])
    assert (args.add_token, args.allow_fetch) == ("operator-token-1", True)
    monkeypatch.setenv("ASSISTANT_ADD_TOKEN", "from-the-environment")
    assert app.parse_args([]).add_token == "from-the-environment"


def test_app_refuses_a_short_token_before_loading(capsys: pytest.CaptureFixture[str]) -> None:
    import app

    assert app.main(["--host", "0.0.0.0", "--add-token", "short"]) == 1
    assert "at least 12 characters" in capsys.readouterr().err

"""tests/support.py: the tests' own copy of the seed articles, and the SQuAD data check."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant import load_corpus
from tests.support import (
    CORPUS,
    REPO,
    SEED_ARTICLES,
    copy_seed_articles,
    need_benchmark_data,
)

PAGE = REPO / "tests" / "data" / "pages" / "news_page.html"


def test_the_tests_corpus_is_a_copy_of_the_seed_articles() -> None:
    assert CORPUS.resolve() != (REPO / "corpus").resolve()
    assert sorted(path.name for path in CORPUS.iterdir()) == sorted(SEED_ARTICLES)
    for name in SEED_ARTICLES:
        assert (CORPUS / name).read_bytes() == (REPO / "corpus" / name).read_bytes()


def test_an_article_added_to_corpus_does_not_reach_the_tests(tmp_path: Path) -> None:
    # What "Add articles" does to the repository's corpus/ (issue 29: the seed tests then
    # counted 6 articles instead of 5), done to a stand-in for it.
    added = copy_seed_articles(REPO / "corpus", tmp_path / "repository-corpus")
    shutil.copy(PAGE, added / "news_page.html")
    assert len(load_corpus(added).articles) == len(SEED_ARTICLES) + 1
    copy = copy_seed_articles(added, tmp_path / "copy")
    corpus = load_corpus(copy)
    assert len(corpus.articles) == 5 and not corpus.skipped
    assert [article.id for article in corpus.articles] == [
        name.removesuffix(".md") for name in SEED_ARTICLES
    ]


def test_missing_benchmark_data_skips_with_one_line_or_fails_where_required(
    tmp_path: Path,
) -> None:
    with pytest.raises(pytest.skip.Exception) as skipped:
        need_benchmark_data({}, tmp_path)
    reason = str(skipped.value)
    assert "\n" not in reason
    assert f"dev-v1.1.json.gz, dev-v2.0-half-cs224n.json.gz not in {tmp_path}" in reason
    assert "Benchmark data" in reason  # the README section saying where to get them
    with pytest.raises(pytest.fail.Exception, match="ASSISTANT_BENCHMARK_DATA=required"):
        need_benchmark_data({"ASSISTANT_BENCHMARK_DATA": "required"}, tmp_path)
    for name in ("dev-v1.1.json.gz", "dev-v2.0-half-cs224n.json.gz"):
        (tmp_path / name).write_bytes(b"")
    need_benchmark_data({"ASSISTANT_BENCHMARK_DATA": "required"}, tmp_path)  # neither


def test_ci_requires_the_benchmark_data() -> None:
    # CI has the SQuAD files: there, a test marked `squad` must run, not skip.
    lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert "export ASSISTANT_BENCHMARK_DATA=required" in lines
    assert lines.index("export ASSISTANT_BENCHMARK_DATA=required") < lines.index("make test")

"""The assistant on a real two-node Ray cluster answers as it does on one machine.

Every labelled question of the project's own set gets the same Answer (passages,
spans, highlight, confidence to 1e-6, found) from ``Assistant.connect`` as from
``Assistant.load``: as built, with filters, after an article is added, changed
and removed, and after a shard actor is killed mid-question. A shard that stays
down makes the question fail with ClusterError, never a partial answer.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from assistant import Assistant, ClusterError, Settings
from assistant.evaluation.datasets import load_own_questions
from tests.support import CORPUS

SHARDS = 5  # the five seed articles hash into four of them: 1, 1, 1 and 2 articles


def _same(single, cluster) -> None:
    a, b = single.to_dict(), cluster.to_dict()
    assert abs(a.pop("confidence") - b.pop("confidence")) <= 1e-6, single.question
    for passage_a, passage_b in zip(a["passages"], b["passages"], strict=True):
        assert abs(passage_a.pop("score") - passage_b.pop("score")) <= 1e-6, single.question
    assert a == b, single.question


def _compare(single: Assistant, cluster: Assistant, questions, **options) -> None:
    for question in questions:
        history = list(question.history)
        _same(
            single.ask(question.question, history=history, **options),
            cluster.ask(question.question, history=history, **options),
        )


@pytest.fixture(scope="module")
def questions():
    return load_own_questions()


@pytest.fixture(scope="module")
def single(tmp_path_factory) -> Assistant:
    return Assistant.load(corpus_dir=CORPUS, index_dir=tmp_path_factory.mktemp("single"))


@pytest.fixture(scope="module")
def cluster(ray_cluster, tmp_path_factory):
    bot = Assistant.connect(
        ray_cluster,
        corpus_dir=CORPUS,
        index_dir=tmp_path_factory.mktemp("sharded"),
        shards=SHARDS,
    )
    yield bot
    bot.close()


def _nodes(actors) -> list[str]:
    import ray

    return ray.get(
        [
            actor.__ray_call__.remote(lambda _: ray.get_runtime_context().get_node_id())
            for actor in actors
        ]
    )


def test_the_shards_are_spread_over_both_nodes(cluster) -> None:
    pool = cluster.stored.pool
    assert len(pool.actors) == 4, "four of the five shards hold articles"
    assert _nodes(pool.actors) == pool.wanted
    assert len(set(pool.wanted)) == 2


def test_a_shard_started_off_its_node_is_placed_again(single, cluster, questions) -> None:
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    # What a lagging raylet does to a soft affinity, done on purpose: shard 0 on the other node.
    pool = cluster.stored.pool
    other = next(node for node in pool.wanted if node != pool.wanted[0])
    ray.kill(pool.actors[0], no_restart=True)
    pool.actors[0] = pool._remote.options(
        scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=other, soft=False)
    ).remote(str(pool._folders[0]))
    assert _nodes(pool.actors[:1]) == [other]
    pool.place()
    assert _nodes(pool.actors) == pool.wanted
    _compare(single, cluster, questions[:10])


def test_articles_cut_on_the_cluster_are_the_passages_cut_here(cluster) -> None:
    from assistant.cluster.cutting import ray_cutter
    from assistant.corpus import load_corpus
    from assistant.corpus.chunking import chunk_article

    settings = Settings()
    articles = list(load_corpus(CORPUS).articles)
    cut = ray_cutter(settings, cluster_from=0)(articles)  # a Ray Data job even for five
    sizes = {"min_words": settings.min_words, "max_words": settings.max_words}
    assert cut == {article.id: chunk_article(article, **sizes) for article in articles}


def test_every_own_question_gets_the_one_machine_answer(single, cluster, questions) -> None:
    _compare(single, cluster, questions)


def test_filters_give_the_one_machine_answer(single, cluster, questions) -> None:
    outlets = sorted({article.outlet for article in single.articles if article.outlet})
    for filters in ({"outlets": outlets[:1]}, {"outlets": outlets[1:3]}):
        _compare(single, cluster, questions[::4], filters=filters)


def test_a_killed_shard_is_restarted_and_the_question_retried(single, cluster, questions) -> None:
    import ray

    question = questions[0]
    victim = cluster.stored.pool.actors[2]
    killer = threading.Timer(0.01, lambda: ray.kill(victim, no_restart=False))
    killer.start()
    for _ in range(5):  # the kill lands during one of these
        _same(single.ask(question.question), cluster.ask(question.question))
    killer.join()
    _compare(single, cluster, questions[:20])


def test_a_shard_that_stays_down_fails_the_question_loudly(ray_cluster, tmp_path) -> None:
    import ray

    bot = Assistant.connect(ray_cluster, corpus_dir=CORPUS, index_dir=_copy_index(tmp_path))
    try:
        ray.kill(bot.stored.pool.actors[0], no_restart=True)
        with pytest.raises(ClusterError, match="could not be searched.*no answer is given"):
            bot.ask("How many soldiers did Azerbaijan lose?")
    finally:
        bot.close()


def test_add_change_remove_embed_only_those_articles(ray_cluster, tmp_path, questions) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    sharded, plain = tmp_path / "sharded", tmp_path / "plain"
    first = Assistant.connect(ray_cluster, corpus_dir=corpus, index_dir=sharded, shards=SHARDS)
    first.close()
    files = sorted(corpus.glob("*.md"))
    added = corpus / "added.md"
    added.write_text(
        "# Mines remain after the war\n\nPeacekeepers cleared almost 1,500 hectares of mined "
        "land near Stepanakert, the Russian defence ministry said on Tuesday.\n",
        encoding="utf-8",
    )
    text = files[1].read_text(encoding="utf-8")
    files[1].write_text(text.replace("the", "the", 1) + "\nA line added later.\n", "utf-8")
    files[3].unlink()
    bot = Assistant.connect(ray_cluster, corpus_dir=corpus, index_dir=sharded)
    try:
        update = bot.stored.manifest["update"]
        assert (update["added"], update["changed"], update["removed"]) == (1, 1, 1)
        assert update["embedded_articles"] == 2
        assert update["reused_articles"] == len(files) - 2  # one changed, one removed
        reference = Assistant.load(corpus_dir=corpus, index_dir=plain)
        _compare(reference, bot, questions[::3])
        answer = bot.ask("How many hectares of mined land were cleared?")
        assert answer.found and answer.best.article_id == "added"
    finally:
        bot.close()


def test_pooled_sentence_vectors_are_pooled_on_the_cluster(ray_cluster, tmp_path, questions):
    # Ray Data's encoder actors pool each passage's sentences as one process does.
    settings = Settings(sentence_vectors="pooled")
    reference = Assistant.load(CORPUS, tmp_path / "plain", settings=settings)
    bot = Assistant.connect(
        ray_cluster, corpus_dir=CORPUS, index_dir=tmp_path / "sharded", settings=settings
    )
    try:
        _compare(reference, bot, questions[::4])
    finally:
        bot.close()


def _copy_index(tmp_path: Path) -> Path:
    return tmp_path / "sharded"


def test_the_cli_asks_the_cluster(ray_cluster, single, cluster) -> None:
    import json
    import subprocess
    import sys

    from tests.support import REPO

    index = cluster.stored.folder.parent
    question = "How many soldiers did Azerbaijan lose?"
    command = [sys.executable, "-m", "assistant", "--cluster", ray_cluster]
    command += ["--corpus", str(CORPUS), "--index", str(index), "ask", question, "--json"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout) == json.loads(json.dumps(single.ask(question).to_dict()))


def test_the_web_app_serves_the_cluster_and_adds_to_it(ray_cluster, cluster, tmp_path, monkeypatch):
    """app.py --cluster opens the sharded index on the cluster; an upload updates it there."""
    import app
    from assistant.cli import open_assistant
    from assistant.web import upload
    from assistant.web.live import LiveAssistant
    from assistant.web.policy import AddPolicy

    corpus, index = tmp_path / "corpus", tmp_path / "sharded"
    shutil.copytree(CORPUS, corpus)
    shutil.copytree(cluster.stored.folder.parent, index)
    args = app.parse_args(
        ["--cluster", ray_cluster, "--corpus", str(corpus), "--index", str(index)]
    )
    live = LiveAssistant(open_assistant(args, cluster.settings))
    first = live.current
    assert first.stored.catalog.shards == SHARDS, "the live index's shard count is kept"
    monkeypatch.setattr(upload, "RETIRE_AFTER", 0.0)
    uploader = upload.Uploader(
        live, corpus, index, policy=AddPolicy.for_server("127.0.0.1"), cluster=args.cluster
    )
    page = tmp_path / "mines.md"
    page.write_text(
        "# Mines remain after the war\n\nPeacekeepers cleared almost 1,500 hectares of mined "
        "land near Stepanakert, the Russian defence ministry said on Tuesday.\n",
        encoding="utf-8",
    )
    try:
        outcome = uploader.add([str(page)])
        assert [report.status for report in outcome.reports] == ["added"], outcome.message
        assert live.current is not first
        assert live.current.stored.manifest["update"]["embedded_articles"] == 1
        answer = live.ask("How many hectares of mined land were cleared?")
        assert answer.found and answer.best.article_id == "mines"
    finally:
        live.current.close()


def _connect_with_a_shard_on(node_id: str, address: str, index: Path) -> Assistant:
    """Connect until a shard actor lives on ``node_id`` (the node the test loses).

    The shards' node affinity is soft, and Ray hands the creation of an actor
    that asks for no resources to a random node's scheduler, whose view of a
    node added a moment ago can lag: it then places that shard elsewhere (CI
    did so twice). Reconnecting until the new node holds a shard tests the
    loss, not the speed of Ray's resource gossip.
    """
    import time

    import ray

    for _ in range(20):
        bot = Assistant.connect(address, corpus_dir=CORPUS, index_dir=index)
        where = [
            actor.__ray_call__.remote(lambda _: ray.get_runtime_context().get_node_id())
            for actor in bot.stored.pool.actors
        ]
        if node_id in set(ray.get(where, timeout=120)):
            return bot
        bot.close()
        time.sleep(1.0)
    pytest.fail("no shard was ever placed on the node to be lost")


def test_a_lost_node_gives_the_right_answer_or_a_clear_error(
    ray_nodes, cluster, single, questions, tmp_path
):
    """A node that goes away mid-session: its shards restart elsewhere, never a partial answer."""
    index = tmp_path / "sharded"
    shutil.copytree(cluster.stored.folder.parent, index)
    extra = ray_nodes.add_node(num_cpus=1, object_store_memory=80 * 1024**2)
    ray_nodes.wait_for_nodes()
    bot = _connect_with_a_shard_on(extra.node_id, ray_nodes.address, index)
    try:
        ray_nodes.remove_node(extra, allow_graceful=False)
        refused = 0
        for question in questions[:12]:
            history = list(question.history)
            try:
                answer = bot.ask(question.question, history=history)
            except ClusterError:
                refused += 1  # said plainly, never a partial answer
                continue
            _same(single.ask(question.question, history=history), answer)
        assert refused < 12, "the lost node's shards were restarted on the others"
    finally:
        bot.close()

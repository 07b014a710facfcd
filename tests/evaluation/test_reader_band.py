"""A band of the similarity-only confidence (``read_from``-``read_until``) reads only its band.

With the reader on, every question is read by default (it chooses the
highlight and the order); a band trades that for speed. Checked answer by answer on a third
of our questions with the real reader over the real corpus: a question in the band is
answered exactly as when every question is read, one outside it exactly as by
similarity alone.
"""

from __future__ import annotations

import pytest

from assistant import Assistant, Settings
from assistant.encoding.reader import MODEL_FILE, READER_DIR, Reader
from assistant.evaluation.datasets import load_own_questions
from assistant.evaluation.runner import mode_name

pytestmark = pytest.mark.skipif(
    not (READER_DIR / MODEL_FILE).is_file(), reason="no shipped reader model"
)


@pytest.fixture(scope="module")
def bots(bot: Assistant) -> dict[str, Assistant]:
    reader = Reader.load()
    every = bot.settings.replace(reader=True, read_from=0.0, read_until=1.0)
    band = every.replace(read_from=0.26, read_until=0.53)
    plain = bot.settings.replace(reader=False)
    return {
        name: Assistant(bot.stored, bot.embedder, settings, reader=reader)
        for name, settings in (("plain", plain), ("band", band), ("all", every))
    }


def test_the_reader_reads_every_question_by_default() -> None:
    settings = Settings(reader=True)
    assert settings.reads(0.0) and settings.reads(1.0)
    assert not Settings().reader  # similarity alone by default (docs/quality.md, issue 28)


def test_only_the_band_is_read_and_the_rest_keeps_the_similarity_answer(bots) -> None:
    # Every third of our questions (93 of 278, each kind among them): reading them all
    # twice took two minutes of CI for the same check (the band lies inside and outside).
    questions = load_own_questions()[::3]
    asked = {
        name: bot.ask_batch(
            [q.question for q in questions], histories=[q.history for q in questions]
        )
        for name, bot in bots.items()
    }
    assert (mode_name(bots["band"]), mode_name(bots["all"])) == (
        "hybrid+reader",
        "hybrid+reader-all",
    )
    settings = bots["band"].settings
    read = 0
    for i, question in enumerate(questions):
        plain, band, every = asked["plain"][i], asked["band"][i], asked["all"][i]
        assert not plain.read and every.read, question.question
        in_band = settings.read_from <= plain.confidence < settings.read_until
        assert band.read is in_band, (question.question, plain.confidence)
        read += band.read
        assert band == (every if band.read else plain), question.question
    assert 0 < read < len(questions)

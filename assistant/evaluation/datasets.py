"""Labelled questions for measuring answer quality.

Three sources:

- our own questions about ``corpus/`` (``tests/data/questions.jsonl``);
- SQuAD v1.1 dev: its 2,067 Wikipedia paragraphs become the corpus, one
  article each, and only a question's own paragraph counts as correct;
- the unanswerable questions of the SQuAD 2.0 half-dev set, asked against the
  same paragraphs (they were written to sound answerable by them).

The SQuAD data is CC BY-SA 4.0 (Rajpurkar et al. 2016, 2018).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from ..corpus.article import Article, Corpus

SQUAD_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "squad"
SQUAD_V1 = "dev-v1.1.json.gz"
SQUAD_V2_HALF = "dev-v2.0-half-cs224n.json.gz"
OWN_QUESTIONS = Path(__file__).resolve().parents[2] / "tests" / "data" / "questions.jsonl"
# A second batch, written blind (from the articles only) before the reader was first
# measured: held out whole, never used to choose anything, reported on its own.
BLIND_QUESTIONS = OWN_QUESTIONS.with_name("questions_blind2.jsonl")


@dataclass(frozen=True, slots=True)
class LabelledQuestion:
    """A question with what counts as a right answer.

    Attributes:
        question: the question text.
        history: earlier questions of the conversation, for follow-ups.
        answers: strings of which at least one must occur in a right passage;
            empty for an unanswerable question.
        articles: ids of the articles whose passages count as right.
        kind: the question's type, for reports by type.
        key: a stable id, used to split questions into dev and test.
    """

    question: str
    history: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()
    kind: str = ""
    key: str = field(default="")

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    @property
    def split(self) -> str:
        """'dev' or 'test', fixed by a hash of the key: half of the questions each."""
        digest = hashlib.sha256((self.key or self.question).encode()).digest()
        return "dev" if digest[0] % 2 == 0 else "test"


def load_own_questions(
    path: str | Path = OWN_QUESTIONS, *, prefix: str = "own"
) -> list[LabelledQuestion]:
    """Our labelled questions about the seed corpus."""
    questions = []
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if not line.strip():
                continue
            row = json.loads(line)
            questions.append(
                LabelledQuestion(
                    question=row["question"],
                    history=tuple(row["history"]),
                    answers=tuple(row["answers"]),
                    articles=tuple(row["articles"]),
                    kind=row["type"],
                    # The line number tells apart the same words asked after different
                    # histories; so a line removed or inserted moves the later questions'
                    # splits: add questions at the end, and drop lines only from the end.
                    key=f"{prefix}-{number}-{row['question']}",
                )
            )
    return questions


def load_blind_questions(path: str | Path = BLIND_QUESTIONS) -> list[LabelledQuestion]:
    """The blind batch: every question is a test question, whatever its hash says."""
    return load_own_questions(path, prefix="blind")


def squad_path(name: str, squad_dir: str | Path | None = None) -> Path:
    folder = Path(squad_dir) if squad_dir else SQUAD_DIR
    path = folder / name
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: point --squad-dir at the folder holding {name} "
            "(../shared/benchmarks/squad beside the project)"
        )
    return path


def _read_squad(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)["data"]


def paragraph_id(title: str, index: int) -> str:
    return f"{title}#{index}"


def load_squad_corpus(
    squad_dir: str | Path | None = None, *, titles: Collection[str] | None = None
) -> Corpus:
    """SQuAD v1.1 dev's paragraphs as articles: id ``Title#index``, outlet Wikipedia.

    Args:
        squad_dir: folder of the SQuAD files (default: ../shared/benchmarks/squad).
        titles: only the paragraphs of these Wikipedia articles (a quick slice).
    """
    path = squad_path(SQUAD_V1, squad_dir)
    articles = []
    for entry in _read_squad(path):
        title = entry["title"]
        if titles is not None and title not in titles:
            continue
        for index, paragraph in enumerate(entry["paragraphs"]):
            articles.append(
                Article(
                    id=paragraph_id(title, index),
                    title=title.replace("_", " "),
                    outlet="Wikipedia",
                    published="",
                    url="",
                    author="",
                    text=paragraph["context"],
                    path=str(path),
                )
            )
    digest = hashlib.sha256(path.read_bytes())
    digest.update(repr(sorted(titles or ())).encode())
    fingerprint = digest.hexdigest()
    return Corpus(tuple(articles), (), fingerprint)


def load_squad_questions(squad_dir: str | Path | None = None) -> list[LabelledQuestion]:
    """SQuAD v1.1 dev questions; the right passage is the question's own paragraph."""
    questions = []
    for entry in _read_squad(squad_path(SQUAD_V1, squad_dir)):
        for index, paragraph in enumerate(entry["paragraphs"]):
            for qa in paragraph["qas"]:
                questions.append(
                    LabelledQuestion(
                        question=qa["question"],
                        answers=tuple(dict.fromkeys(a["text"] for a in qa["answers"])),
                        articles=(paragraph_id(entry["title"], index),),
                        kind="squad",
                        # Split by article, so that dev and test share no paragraph.
                        key=entry["title"],
                    )
                )
    return questions


def load_squad_unanswerable(squad_dir: str | Path | None = None) -> list[LabelledQuestion]:
    """The unanswerable questions of the SQuAD 2.0 half-dev set."""
    questions = []
    for entry in _read_squad(squad_path(SQUAD_V2_HALF, squad_dir)):
        for paragraph in entry["paragraphs"]:
            for qa in paragraph["qas"]:
                if qa.get("is_impossible"):
                    questions.append(
                        LabelledQuestion(
                            question=qa["question"], kind="squad2-unanswerable", key=entry["title"]
                        )
                    )
    return questions

"""Measuring answer quality: recall, MRR, the highlighted sentence, abstention, latency.

``python -m assistant eval`` runs this over our own labelled questions and
over SQuAD, for the hybrid pipeline and for each search alone, in one run.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ..answer import VERDICTS, Answer, Passage
from ..config import RETRIEVAL_MODES, Settings
from ..corpus.article import Corpus
from ..encoding.embedder import Embedder
from ..encoding.reader import Reader
from ..pipeline import Assistant
from ..store.build import build_index, stale_reason
from ..store.storage import load_index
from .datasets import (
    LabelledQuestion,
    load_blind_questions,
    load_own_questions,
    load_squad_corpus,
    load_squad_questions,
    load_squad_unanswerable,
)

RECALL_AT = (1, 3, 5, 10)
BATCH = 256
LATENCY_SAMPLE = 50


@dataclass(frozen=True, slots=True)
class Report:
    """Quality figures of one retrieval mode on one set of questions.

    Attributes:
        dataset, mode, split: what was measured.
        answerable, unanswerable: how many questions of each kind.
        recall: share of answerable questions with a right passage in the top k, by k.
        mrr: mean reciprocal rank of the first right passage within the top 10.
        sentence_accuracy: share whose first passage's highlight holds an answer.
        source_recall: for questions that several articles answer, the share of
            those articles with a right passage in the top 5 (None if none).
        abstention: share of unanswerable questions answered ``found=False``.
        false_abstention: share of answerable questions answered ``found=False``.
        latency_ms: median time of one ``ask`` call, in milliseconds.
        by_kind: per question type, how many questions and the share handled
            right: a right first passage, or for unanswerable ones, abstaining.
        verdicts: for answerable and unanswerable questions, the share the
            chat tells "answers", "may answer" and "not found".
        read: the share of questions the reader read (None without the reader).
    """

    dataset: str
    mode: str
    split: str
    answerable: int
    unanswerable: int
    recall: dict[int, float]
    mrr: float
    sentence_accuracy: float
    source_recall: float | None
    abstention: float | None
    false_abstention: float
    latency_ms: float
    by_kind: dict[str, tuple[int, float]]
    verdicts: dict[str, dict[str, float]] = field(default_factory=dict)
    read: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def is_right(passage: Passage, question: LabelledQuestion) -> bool:
    """A passage is right when it comes from a right article and holds an answer."""
    return passage.article_id in question.articles and any(
        answer in passage.text for answer in question.answers
    )


def evaluate(
    bot: Assistant,
    questions: Sequence[LabelledQuestion],
    *,
    dataset: str = "",
    split: str = "all",
) -> tuple[Report, list[Answer]]:
    """Ask every question and score the answers; returns the report and the answers."""
    answers: list[Answer] = []
    for start in range(0, len(questions), BATCH):
        batch = questions[start : start + BATCH]
        answers += bot.ask_batch(
            [q.question for q in batch], k=max(RECALL_AT), histories=[q.history for q in batch]
        )
    answerable = [(q, a) for q, a in zip(questions, answers, strict=True) if q.answerable]
    unanswerable = [a for q, a in zip(questions, answers, strict=True) if not q.answerable]
    ranks = [_first_right_rank(a, q) for q, a in answerable]
    count = max(len(answerable), 1)
    sample = questions[:: max(1, len(questions) // LATENCY_SAMPLE)][:LATENCY_SAMPLE]
    report = Report(
        dataset=dataset,
        mode=mode_name(bot),
        split=split,
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        recall={k: sum(r is not None and r <= k for r in ranks) / count for k in RECALL_AT},
        mrr=sum(1 / r for r in ranks if r is not None) / count,
        sentence_accuracy=sum(
            bool(a.passages) and any(x in a.passages[0].highlight for x in q.answers)
            for q, a in answerable
        )
        / count,
        source_recall=_source_recall(answerable),
        abstention=(
            sum(not a.found for a in unanswerable) / len(unanswerable) if unanswerable else None
        ),
        false_abstention=sum(not a.found for _, a in answerable) / count,
        latency_ms=_median_latency(bot, sample),
        by_kind=_by_kind(questions, answers),
        verdicts={
            "answerable": _verdict_shares([a for _, a in answerable]),
            "unanswerable": _verdict_shares(unanswerable),
        },
        read=sum(a.read for a in answers) / max(len(answers), 1) if bot.reader else None,
    )
    return report, answers


def mode_name(bot: Assistant) -> str:
    """The mode's name: "hybrid", "hybrid+reader" (reading its band) or "hybrid+reader-all"."""
    if bot.reader is None or not bot.settings.reader:
        return bot.settings.retrieval
    reads_all = bot.settings.read_from == 0.0 and bot.settings.read_until >= 1.0
    return f"{bot.settings.retrieval}+reader{'-all' if reads_all else ''}"


def _verdict_shares(answers: Sequence[Answer]) -> dict[str, float]:
    count = max(len(answers), 1)
    return {verdict: sum(a.verdict == verdict for a in answers) / count for verdict in VERDICTS}


def _by_kind(
    questions: Sequence[LabelledQuestion], answers: Sequence[Answer]
) -> dict[str, tuple[int, float]]:
    groups: dict[str, list[bool]] = {}
    for question, answer in zip(questions, answers, strict=True):
        if question.answerable:
            right = bool(answer.passages) and is_right(answer.passages[0], question)
        else:
            right = not answer.found
        groups.setdefault(question.kind, []).append(right)
    return {kind: (len(rights), sum(rights) / len(rights)) for kind, rights in groups.items()}


def _source_recall(pairs: Sequence[tuple[LabelledQuestion, Answer]]) -> float | None:
    several = [(q, a) for q, a in pairs if len(q.articles) > 1]
    if not several:
        return None
    shares = []
    for question, answer in several:
        found = {p.article_id for p in answer.passages[:5] if is_right(p, question)}
        shares.append(len(found) / len(question.articles))
    return sum(shares) / len(shares)


def _first_right_rank(answer: Answer, question: LabelledQuestion) -> int | None:
    for rank, passage in enumerate(answer.passages, start=1):
        if is_right(passage, question):
            return rank
    return None


def _median_latency(bot: Assistant, sample: Sequence[LabelledQuestion]) -> float:
    timings = []
    for question in sample:
        started = time.perf_counter()
        bot.ask(question.question, k=max(RECALL_AT), history=question.history)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings) if timings else 0.0


def select(
    questions: Sequence[LabelledQuestion], *, split: str = "all", limit: int | None = None
) -> list[LabelledQuestion]:
    """Questions of one split, thinned evenly to at most ``limit`` of each kind."""
    chosen = [q for q in questions if split == "all" or q.split == split]
    if limit is None:
        return chosen
    picked = []
    for group in ([q for q in chosen if q.answerable], [q for q in chosen if not q.answerable]):
        step = max(1, len(group) // limit) if group else 1
        picked += group[::step][:limit]
    return picked


def open_assistant(corpus: Corpus, index_dir: str | Path, settings: Settings) -> Assistant:
    """An assistant over an in-memory corpus, building its index when stale."""
    embedder = Embedder(settings.model, encoder=settings.encoder)
    if stale_reason(index_dir, corpus, settings, embedder):
        build_index(corpus, index_dir, settings, embedder, progress=True)
    return Assistant(load_index(index_dir), embedder, settings)


def run(
    datasets: Sequence[str],
    *,
    corpus_dir: str | Path,
    index_dir: str | Path,
    settings: Settings,
    split: str = "all",
    limit: int | None = None,
    modes: Sequence[str] = RETRIEVAL_MODES,
    squad_dir: str | Path | None = None,
) -> list[Report]:
    """Evaluate each dataset in each retrieval mode; returns one report per pair."""
    reports = []
    readers: dict[str, Reader] = {}  # by folder: "" is the shipped one
    for dataset in datasets:
        if dataset == "own":
            base = Assistant.load(corpus_dir, index_dir, settings=settings)
            questions = load_own_questions()
        elif dataset == "blind":
            base = Assistant.load(corpus_dir, index_dir, settings=settings)
            questions = load_blind_questions()
        elif dataset == "squad":
            eval_dir = Path(index_dir) / "eval-squad-v1.1"
            base = open_assistant(load_squad_corpus(squad_dir), eval_dir, settings)
            questions = load_squad_questions(squad_dir) + load_squad_unanswerable(squad_dir)
        else:
            raise ValueError(f"unknown dataset {dataset!r}; use 'own', 'blind' or 'squad'")
        # The blind batch is held out whole: all of it is test, whatever --split says.
        chosen = select(questions, split="all" if dataset == "blind" else split, limit=limit)
        for mode in modes:
            # "hybrid+reader": the same retrieval, read by the reader where its band
            # says; "+reader-all": every question; "...@FOLDER": another reader
            # model (a previous one, to compare), the shipped one otherwise.
            retrieval, _, extra = mode.partition("+")
            extra, _, folder = extra.partition("@")
            if extra not in ("", "reader", "reader-all") or (folder and not extra):
                raise ValueError(
                    f"unknown mode {mode!r}: a retrieval mode, or one with +reader or "
                    "+reader-all, and @FOLDER for another reader model"
                )
            chosen_settings = settings.replace(retrieval=retrieval, reader=bool(extra))
            if extra == "reader-all":
                chosen_settings = chosen_settings.replace(read_from=0.0, read_until=1.0)
            reader = None
            if chosen_settings.reader:
                if folder not in readers:
                    readers[folder] = Reader.load(folder) if folder else Reader.load()
                reader = readers[folder]
            bot = Assistant(base.stored, base.embedder, chosen_settings, reader=reader)
            report = evaluate(bot, chosen, dataset=dataset, split=split)[0]
            reports.append(replace(report, mode=mode) if folder else report)
    return reports


def format_reports(reports: Sequence[Report]) -> str:
    """The reports as Markdown tables, one per dataset."""
    lines: list[str] = []
    for dataset in dict.fromkeys(report.dataset for report in reports):
        rows = [report for report in reports if report.dataset == dataset]
        first = rows[0]
        lines += [
            f"### {dataset} ({first.split} split: {first.answerable} answerable, "
            f"{first.unanswerable} unanswerable questions)",
            "",
            "| mode | R@1 | R@3 | R@5 | R@10 | MRR@10 | sentence | sources@5 | abstains "
            "| false abst. | ms/query |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            abstention = "n/a" if r.abstention is None else f"{r.abstention:.3f}"
            sources = "n/a" if r.source_recall is None else f"{r.source_recall:.3f}"
            lines.append(
                f"| {r.mode} | {r.recall[1]:.3f} | {r.recall[3]:.3f} | {r.recall[5]:.3f} | "
                f"{r.recall[10]:.3f} | "
                f"{r.mrr:.3f} | {r.sentence_accuracy:.3f} | {sources} | {abstention} | "
                f"{r.false_abstention:.3f} | {r.latency_ms:.1f} |"
            )
        kinds = ", ".join(
            f"{kind} {share:.2f} (n={count})"
            for kind, (count, share) in sorted(first.by_kind.items())
        )
        if len(first.by_kind) > 1:
            lines += ["", f"By question type ({first.mode}; R@1, or abstention): {kinds}"]
        for r in rows:
            told = "; ".join(
                f"{group}: "
                + ", ".join(f"{verdict} {share:.2f}" for verdict, share in shares.items())
                for group, shares in r.verdicts.items()
                if shares and (r.answerable if group == "answerable" else r.unanswerable)
            )
            if told:
                lines += ["", f"What the chat says ({r.mode}): {told}"]
            if r.read is not None:
                lines += ["", f"Read by the reader ({r.mode}): {r.read:.2f} of the questions"]
        lines.append("")
    return "\n".join(lines)

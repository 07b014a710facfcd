"""(question, sentence, label) pairs from SQuAD, to train and check the reader.

The reader (``reader.py``) scores whether one sentence answers a question. It
learns from the SQuAD paragraphs of the *dev* half of ``datasets.py``'s split
by Wikipedia article, never from the test half:

- **positive**: the sentence holding the start of a question's answer;
- **paragraph negatives**: the other sentences of the same paragraph, less any
  that holds an answer string (annotators disagree about where an answer is);
- **plausible negatives**: for the SQuAD 2.0 half's unanswerable questions,
  the sentence holding their "plausible answer", the span a careless reader
  would give: the skill the similarity signals lack;
- **mined negatives** (``mined_pairs``, training only): the sentences of
  *other* paragraphs of the split nearest to the question by the bi-encoder,
  less any that holds an answer string: what the retrieval shortlist puts
  before the reader when the first passage is not the right one.

Within the dev articles about a quarter (chosen by a seeded hash of the title,
the SQuAD 2.0 half's articles and the others apart, so that both are held out)
form the ``valid`` split, for early stopping and calibration; the rest form
``train``. The ``test`` split exists only for the one final measurement.

Sentences are cut by the pipeline's own splitter (``chunking.py``), so that
the reader learns on sentences shaped like the ones it will score.

SQuAD is CC BY-SA 4.0 (Rajpurkar et al. 2016, 2018).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..corpus.chunking import paragraph_spans, sentence_spans
from ..encoding.reader import neighbour_context
from .datasets import SQUAD_V1, SQUAD_V2_HALF, LabelledQuestion, squad_path

SPLITS = ("train", "valid", "test")
# The share of the dev articles held out as ``valid``.
VALID_SHARE = 0.25
DEFAULT_SEED = 15

POSITIVE = "answer"
PARAGRAPH = "paragraph"
PLAUSIBLE = "plausible"
SWAPPED = "swapped"
MINED = "mined"

# A name (a capitalised word) or a number inside a question: what a swap replaces.
_SWAPPABLE = re.compile(r"(?<!^)(?<![\w-])(?:[A-Z][a-z]{2,}|\d[\d,.]*\d|\d)(?![\w-])")


@dataclass(frozen=True, slots=True)
class ReaderPair:
    """One question and one sentence, and whether the sentence answers it.

    Attributes:
        question: the question text.
        sentence: a sentence of the question's paragraph, verbatim.
        label: 1 when the sentence holds the answer, else 0.
        kind: ``answer``, ``paragraph`` (another sentence of the paragraph) or
            ``plausible`` (an unanswerable question's plausible-answer sentence).
        group: the question's id; the pairs of one question share it.
        article: the Wikipedia article's title, which decides the split.
        context: the sentences before and after it in its paragraph
            (``reader.neighbour_context``), for a reader that reads them; empty
            where the sentence has none to give (mined from another paragraph).
    """

    question: str
    sentence: str
    label: int
    kind: str
    group: str
    article: str
    context: str = ""


@dataclass(frozen=True, slots=True)
class _Paragraph:
    article: str
    context: str
    qas: tuple[dict, ...]


def article_split(title: str, valid: Collection[str]) -> str:
    """'train', 'valid' or 'test' for a Wikipedia article.

    'test' is exactly ``LabelledQuestion.split`` (a question keyed by its
    article's title), so the pipeline's test articles are never trained on.
    """
    if LabelledQuestion(question="", key=title).split == "test":
        return "test"
    return "valid" if title in valid else "train"


def _seeded_rank(title: str, seed: int) -> bytes:
    return hashlib.sha256(f"reader-valid:{seed}:{title}".encode()).digest()


def valid_titles(
    v1_titles: Iterable[str],
    v2_titles: Iterable[str],
    *,
    seed: int = DEFAULT_SEED,
    share: float = VALID_SHARE,
) -> frozenset[str]:
    """The dev-split articles held out for validation.

    The SQuAD 2.0 half's dev articles and the other dev articles are ranked
    apart by a seeded hash of the title and the first ``share`` of each is
    taken (at least one), so that the valid split has unanswerable questions
    too whatever the seed.
    """
    v2 = {t for t in v2_titles if LabelledQuestion(question="", key=t).split == "dev"}
    v1_only = {t for t in v1_titles if LabelledQuestion(question="", key=t).split == "dev"} - v2
    chosen: set[str] = set()
    for group in (v2, v1_only):
        if not group:
            continue
        count = max(1, round(len(group) * share))
        chosen.update(sorted(group, key=lambda t: _seeded_rank(t, seed))[:count])
    return frozenset(chosen)


def paragraph_sentences(context: str) -> list[tuple[int, int]]:
    """The sentence spans of a paragraph, cut as the pipeline cuts articles."""
    return [
        span
        for start, end in paragraph_spans(context)
        for span in sentence_spans(context, start, end)
    ]


def _sentence_at(spans: Sequence[tuple[int, int]], offset: int) -> int | None:
    """The sentence holding ``offset``; one starting just after it when it falls between two."""
    for index, (_start, end) in enumerate(spans):
        if offset < end:
            return index
    return None


def _holds_any(sentence: str, answers: Iterable[str]) -> bool:
    lowered = sentence.casefold()
    return any(answer.strip() and answer.strip().casefold() in lowered for answer in answers)


def _group(article: str, question: str, qa: dict) -> str:
    """A question's group: its SQuAD id, or a hash of its article and text where it has none."""
    return qa.get("id") or hashlib.sha256(f"{article}\0{question}".encode()).hexdigest()


def paragraph_pairs(
    article: str,
    context: str,
    qas: Iterable[dict],
    *,
    rng: random.Random,
    max_negatives: int | None = None,
    unanswerable_others: int = 0,
) -> list[ReaderPair]:
    """The pairs of one SQuAD paragraph.

    Args:
        article: the Wikipedia article's title.
        context: the paragraph.
        qas: its questions, as in the SQuAD JSON (``answers``, and for SQuAD 2.0
            ``is_impossible`` and ``plausible_answers``).
        rng: draws the paragraph negatives kept when ``max_negatives`` caps them.
        max_negatives: paragraph negatives kept per answerable question (all when None).
        unanswerable_others: paragraph negatives added per unanswerable question,
            besides its plausible-answer sentence.

    Returns:
        The pairs, each question's together, positive first.
    """
    spans = paragraph_sentences(context)
    sentences = [context[start:end] for start, end in spans]
    around = [neighbour_context(sentences, index) for index in range(len(sentences))]
    pairs: list[ReaderPair] = []
    for qa in qas:
        question = qa["question"].strip()
        group = _group(article, question, qa)
        impossible = bool(qa.get("is_impossible"))
        marked = qa.get("plausible_answers", []) if impossible else qa.get("answers", [])
        if not marked or not question:
            continue
        starts = [_sentence_at(spans, int(a["answer_start"])) for a in marked]
        first = starts[0]
        if first is None:
            continue
        texts = [a["text"] for a in marked]
        # Sentences any annotator put an answer in, or that hold an answer string,
        # are neither clearly right nor clearly wrong: they are left out as negatives.
        unsure = {s for s in starts if s is not None} | {
            index for index, sentence in enumerate(sentences) if _holds_any(sentence, texts)
        }
        others = [index for index in range(len(sentences)) if index not in unsure]
        if impossible:
            pairs.append(
                ReaderPair(question, sentences[first], 0, PLAUSIBLE, group, article, around[first])
            )
            keep = rng.sample(others, min(unanswerable_others, len(others)))
        else:
            pairs.append(
                ReaderPair(question, sentences[first], 1, POSITIVE, group, article, around[first])
            )
            keep = others
            if max_negatives is not None and len(others) > max_negatives:
                keep = sorted(rng.sample(others, max_negatives))
        pairs.extend(
            ReaderPair(question, sentences[index], 0, PARAGRAPH, group, article, around[index])
            for index in keep
        )
    return pairs


def _read(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)["data"]


def _paragraphs(squad_dir: str | Path | None) -> tuple[list[_Paragraph], list[str], list[str]]:
    """SQuAD v1.1 dev's paragraphs with the SQuAD 2.0 half's unanswerable questions added."""
    v1 = _read(squad_path(SQUAD_V1, squad_dir))
    v2 = _read(squad_path(SQUAD_V2_HALF, squad_dir))
    # The half's answerable questions repeat v1.1's; only its unanswerable ones are new.
    impossible: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for entry in v2:
        for paragraph in entry["paragraphs"]:
            key = (entry["title"], paragraph["context"])
            impossible[key].extend(qa for qa in paragraph["qas"] if qa.get("is_impossible"))
    paragraphs = []
    for entry in v1:
        for paragraph in entry["paragraphs"]:
            extra = impossible.pop((entry["title"], paragraph["context"]), [])
            qas = tuple(paragraph["qas"]) + tuple(extra)
            paragraphs.append(_Paragraph(entry["title"], paragraph["context"], qas))
    if impossible:  # every context of the half is in v1.1 (its README); say so if not
        raise ValueError(f"{len(impossible)} SQuAD 2.0 paragraphs are not in SQuAD v1.1 dev")
    return paragraphs, [e["title"] for e in v1], [e["title"] for e in v2]


def build_pairs(
    split: str,
    *,
    seed: int = DEFAULT_SEED,
    squad_dir: str | Path | None = None,
    max_negatives: int | None = None,
    unanswerable_others: int = 0,
) -> list[ReaderPair]:
    """The reader's pairs of one split, in a seeded order (whole questions kept together).

    Args:
        split: 'train' or 'valid' (dev-split articles), or 'test' for the one
            final measurement only: nothing may be chosen on it.
        seed: chooses the valid articles, the capped negatives and the order.
        squad_dir: the SQuAD folder (default: ../shared/benchmarks/squad).
        max_negatives: paragraph negatives kept per answerable question (all when None).
        unanswerable_others: paragraph negatives per unanswerable question,
            besides its plausible-answer sentence.

    Raises:
        ValueError: an unknown split.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    paragraphs, v1_titles, v2_titles = _paragraphs(squad_dir)
    valid = valid_titles(v1_titles, v2_titles, seed=seed)
    rng = random.Random(f"reader-pairs:{seed}:{split}")
    groups: list[list[ReaderPair]] = []
    for paragraph in paragraphs:
        if article_split(paragraph.article, valid) != split:
            continue
        pairs = paragraph_pairs(
            paragraph.article,
            paragraph.context,
            paragraph.qas,
            rng=rng,
            max_negatives=max_negatives,
            unanswerable_others=unanswerable_others,
        )
        by_group: dict[str, list[ReaderPair]] = defaultdict(list)
        for pair in pairs:
            by_group[pair.group].append(pair)
        groups.extend(by_group.values())
    rng.shuffle(groups)
    return [pair for group in groups for pair in group]


def mined_pairs(
    split: str,
    *,
    embed: Callable[[list[str]], np.ndarray],
    per_question: int = 1,
    seed: int = DEFAULT_SEED,
    squad_dir: str | Path | None = None,
    chunk: int = 256,
) -> list[ReaderPair]:
    """Hard negatives mined by retrieval: near sentences of *other* paragraphs.

    For each answerable question of ``split``, the ``per_question`` sentences
    of the split's other paragraphs that the bi-encoder puts nearest to it,
    less any that holds one of the question's answer strings (another
    paragraph of the same article may say the same thing). Each gets a group
    of its own, so the ranking figures are unchanged.

    Args:
        split: 'train' (the only split it is meant for) or 'valid'; never 'test'.
        embed: unit-length vectors of texts (the pipeline's bi-encoder).
        per_question: mined negatives per answerable question.
        seed: chooses the valid articles, as ``build_pairs``.
        squad_dir: the SQuAD folder (default: ../shared/benchmarks/squad).
        chunk: questions scored against every sentence at once.

    Raises:
        ValueError: the test split, or an unknown one.
    """
    if split not in ("train", "valid"):
        raise ValueError(f"negatives are mined from 'train' or 'valid', not {split!r}")
    paragraphs, v1_titles, v2_titles = _paragraphs(squad_dir)
    valid = valid_titles(v1_titles, v2_titles, seed=seed)
    texts: list[str] = []
    owner: list[int] = []  # the paragraph each sentence comes from
    asked: list[tuple[int, str, str, str, list[str]]] = []
    for number, paragraph in enumerate(paragraphs):
        if article_split(paragraph.article, valid) != split:
            continue
        for start, end in paragraph_sentences(paragraph.context):
            texts.append(paragraph.context[start:end])
            owner.append(number)
        for qa in paragraph.qas:
            question = qa["question"].strip()
            answers = [a["text"] for a in qa.get("answers", [])]
            if qa.get("is_impossible") or not answers or not question:
                continue
            group = _group(paragraph.article, question, qa)
            asked.append((number, paragraph.article, question, group, answers))
    if not asked:
        return []
    sentence_vectors = np.asarray(embed(texts), dtype=np.float32)
    question_vectors = np.asarray(embed([q for _, _, q, _, _ in asked]), dtype=np.float32)
    owners = np.asarray(owner)
    # A few more than asked for: some near sentences hold the answer or repeat one taken.
    depth = min(len(texts), per_question + 16)
    mined: list[ReaderPair] = []
    for first in range(0, len(asked), chunk):
        batch = asked[first : first + chunk]
        scores = question_vectors[first : first + chunk] @ sentence_vectors.T
        for row, (number, article, question, group, answers) in enumerate(batch):
            scores[row, owners == number] = -np.inf
            nearest = np.argpartition(-scores[row], depth - 1)[:depth]
            taken: set[str] = set()
            for index in nearest[np.argsort(-scores[row, nearest], kind="stable")]:
                sentence = texts[index]
                if len(taken) == per_question or not np.isfinite(scores[row, index]):
                    break
                if sentence in taken or _holds_any(sentence, answers):
                    continue
                taken.add(sentence)
                mined.append(ReaderPair(question, sentence, 0, MINED, f"{group}:mined", article))
    return mined


def swapped_pairs(
    pairs: Sequence[ReaderPair], *, rng: random.Random, share: float = 1.0
) -> list[ReaderPair]:
    """Rule-made hard negatives: a question whose name or number no longer fits its sentence.

    SQuAD 2.0's own recipe for unanswerable questions, in its simplest form:
    for an answerable question, a name or number that the question shares with
    its answer sentence is replaced by another of the same kind taken from the
    other questions, one the sentence does not hold; the answer sentence then
    no longer answers the question ("How many drones did Israel sell?" against
    a sentence about Turkey). Each gets a group of its own, so the ranking
    figures are unchanged.

    Args:
        pairs: pairs from ``build_pairs``; their positives are swapped.
        rng: draws the questions, the term swapped and its replacement.
        share: the share of the positives that get a swapped question.
    """
    names: list[str] = []
    numbers: list[str] = []
    for question in sorted({p.question for p in pairs}):
        for term in _SWAPPABLE.findall(question):
            (numbers if term[0].isdigit() else names).append(term)
    swapped = []
    for pair in pairs:
        if pair.kind != POSITIVE or rng.random() >= share:
            continue
        sentence_terms = set(re.findall(r"[\w.,]+", pair.sentence))
        shared = [m for m in _SWAPPABLE.finditer(pair.question) if m.group() in sentence_terms]
        if not shared:
            continue
        match = rng.choice(shared)
        pool = numbers if match.group()[0].isdigit() else names
        for _ in range(10):  # a few draws find a replacement the sentence lacks
            other = rng.choice(pool)
            if other != match.group() and other.casefold() not in pair.sentence.casefold():
                break
        else:
            continue
        question = pair.question[: match.start()] + other + pair.question[match.end() :]
        swapped.append(
            replace(pair, question=question, label=0, kind=SWAPPED, group=f"{pair.group}:swap")
        )
    return swapped


def sentence_first(pairs: Sequence[ReaderPair], scores: Sequence[float]) -> float:
    """Share of answerable questions whose answer sentence outscores every other one.

    Only questions with at least one negative sentence count; a tie counts as wrong.
    """
    best_negative: dict[str, float] = {}
    positive: dict[str, float] = {}
    for pair, score in zip(pairs, scores, strict=True):
        if pair.kind == POSITIVE:
            positive[pair.group] = float(score)
        elif pair.kind == PARAGRAPH:
            best_negative[pair.group] = max(best_negative.get(pair.group, -np.inf), float(score))
    judged = [g for g in positive if g in best_negative]
    if not judged:
        return float("nan")
    return sum(positive[g] > best_negative[g] for g in judged) / len(judged)


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    pos, neg = np.asarray(positives, dtype=float), np.asarray(negatives, dtype=float)
    if not len(pos) or not len(neg):
        return float("nan")
    ranks = _average_ranks(np.concatenate([pos, neg]))
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), dtype=float)
    sorted_values = values[order]
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def answer_vs_plausible_auc(pairs: Sequence[ReaderPair], scores: Sequence[float]) -> float:
    """AUC of answer sentences against unanswerable questions' plausible-answer sentences.

    Only the articles that have unanswerable questions (the SQuAD 2.0 half's)
    give positives, so that both sides are about the same topics.
    """
    with_plausible = {p.article for p in pairs if p.kind == PLAUSIBLE}
    positives = [
        s
        for p, s in zip(pairs, scores, strict=True)
        if p.kind == POSITIVE and p.article in with_plausible
    ]
    negatives = [s for p, s in zip(pairs, scores, strict=True) if p.kind == PLAUSIBLE]
    return auc(positives, negatives)


def held_out_titles(
    squad_dir: str | Path | None = None, *, seed: int = DEFAULT_SEED
) -> frozenset[str]:
    """The SQuAD articles the reader was not trained on but may be calibrated on (valid)."""
    _, v1_titles, v2_titles = _paragraphs(squad_dir)
    return valid_titles(v1_titles, v2_titles, seed=seed)

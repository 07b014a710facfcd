"""Reader pairs from the SQuAD 2.0-style *train* file (``../shared/benchmarks/squad/train/``).

``evaluation/reader_pairs.py`` builds pairs from SQuAD's dev articles (4,410
trainable questions); this module adds the 105,165 questions of
``train-v2.0-approx.json.gz`` (442 Wikipedia articles, none of them in SQuAD
dev: its README). Per paragraph, with the pipeline's own sentence splitter:

- an answerable question gives its answer sentence (positive) and the
  ``negatives`` other sentences of the paragraph that share the most
  weighted words with it (the hard ones: a sentence sharing no word with the
  question teaches nothing the similarity signals do not already know), less
  any sentence that holds an answer string;
- an unanswerable question (these have no plausible answers) gives the
  sentence a lexical retrieval ranks first in its paragraph (what the
  pipeline would have highlighted), and ``unanswerable_others`` more of the
  next-ranked ones.

Leakage: two train paragraphs repeat dev paragraphs (its README), so a
paragraph whose text (or most of its word 8-grams) is in any SQuAD dev
paragraph is dropped, and ``leaked`` counts them: training never sees a
paragraph of the valid or test articles.

Questions are used as written: the reader's tokenizer is uncased (it lowers
every question alike in training and use), which removes the train file's one
style difference (UnAnsQ's unanswerable questions are lower-cased at the
source); ``scripts/train_reader.py`` checks the rest with the sentence blanked.

SQuAD is CC BY-SA 4.0 (Rajpurkar et al. 2016, 2018).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from ..encoding.reader import neighbour_context
from ..evaluation.datasets import SQUAD_DIR, SQUAD_V1, SQUAD_V2_HALF, squad_path
from ..evaluation.reader_pairs import (
    PARAGRAPH,
    PLAUSIBLE,
    POSITIVE,
    ReaderPair,
    _group,
    _holds_any,
    _read,
    _sentence_at,
    paragraph_sentences,
)

TRAIN_DIR = SQUAD_DIR / "train"
TRAIN_FILE = "train-v2.0-approx.json.gz"
# TyDi QA GoldP, English train (Apache-2.0): information-seeking questions, written
# before their authors saw the passage; SQuAD's layout, one passage an entry, all
# answerable. Read by the same ``train_file_pairs`` (``path=``).
TYDI_FILE = "tydiqa-goldp-en-train.json.gz"
TYDI_DEV_FILE = "tydiqa-goldp-en-dev.json.gz"  # for measuring only (compare_readers.py --tydi)
# Its passages keep Wikipedia's citation marks ("[8]"), which SQuAD's paragraphs
# dropped, so a passage repeating dev text shares fewer of its 8-grams: one sharing
# a tenth is dropped (6 of 3,696 passages; a shared sentence is about that much).
TYDI_LEAK_SHARE = 0.1
# The kind of an unanswerable question's top lexical sentence: a plausible-looking
# sentence, like SQuAD 2.0's plausible answers, found by retrieval instead of annotators.
RETRIEVED = "retrieved"
_WORD = re.compile(r"\w+")
# Words that carry no subject: left out of the overlap that ranks sentences.
_STOP = frozenset(
    "a an the of in on at to for from by with and or is are was were be been being do does did "
    "what which who whom whose when where why how that this these those it its as into than then "
    "there their they he she his her him i you we our your not no many much".split()
)
_SHINGLE = 8


def _terms(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.casefold()) if w not in _STOP]


def _shingles(text: str) -> set[str]:
    words = _WORD.findall(text.casefold())
    return {" ".join(words[i : i + _SHINGLE]) for i in range(max(1, len(words) - _SHINGLE + 1))}


@lru_cache(maxsize=2)
def dev_paragraph_shingles(squad_dir: str | Path | None = None) -> frozenset[str]:
    """Word 8-grams of every SQuAD dev paragraph (v1.1 and the 2.0 half): what must not leak."""
    shingles: set[str] = set()
    for name in (SQUAD_V1, SQUAD_V2_HALF):
        for entry in _read(squad_path(name, squad_dir)):
            for paragraph in entry["paragraphs"]:
                shingles |= _shingles(paragraph["context"])
    return frozenset(shingles)


def leaks(context: str, dev_shingles: frozenset[str], share: float = 0.5) -> bool:
    """True when ``share`` or more of a paragraph's word 8-grams occur in a dev paragraph."""
    own = _shingles(context)
    return bool(own) and len(own & dev_shingles) >= share * len(own)


def kept_paragraphs(
    path: str | Path | None = None, squad_dir: str | Path | None = None, leak_share: float = 0.5
) -> tuple[list[tuple[str, str, list[dict]]], int]:
    """A SQuAD-layout train file's (title, paragraph, questions), less those that ``leaks``.

    Args:
        path: the file (default ``<squad_dir>/train/train-v2.0-approx.json.gz``).
        squad_dir: the SQuAD folder, for the dev paragraphs the leakage check reads.
        leak_share: a paragraph sharing this share of its word 8-grams with the
            SQuAD dev paragraphs is dropped.

    Returns:
        The kept paragraphs in file order, and how many were dropped.
    """
    if path is None:
        root = Path(squad_dir) if squad_dir is not None else SQUAD_DIR
        path = root / "train" / TRAIN_FILE
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        data = json.load(handle)["data"]
    dev_shingles = dev_paragraph_shingles(squad_dir)
    kept, leaked = [], 0
    for entry in data:
        for paragraph in entry["paragraphs"]:
            if leaks(paragraph["context"], dev_shingles, leak_share):
                leaked += 1
            else:
                kept.append((entry["title"], paragraph["context"], paragraph["qas"]))
    return kept, leaked


def ranked_sentences(
    question: str, sentences: Sequence[str], idf: dict[str, float], skip: Iterable[int] = ()
) -> list[int]:
    """Sentence indexes by the idf-weighted words they share with the question, best first."""
    asked = set(_terms(question))
    skipped = set(skip)
    scored = [
        (sum(idf.get(t, 0.0) for t in asked & set(_terms(sentence))), -index)
        for index, sentence in enumerate(sentences)
        if index not in skipped
    ]
    return [-index for _, index in sorted(scored, reverse=True)]


def train_file_pairs(
    *,
    path: str | Path | None = None,
    squad_dir: str | Path | None = None,
    questions: int | None = None,
    negatives: int = 1,
    unanswerable_others: int = 0,
    seed: int = 15,
    stats: dict | None = None,
    leak_share: float = 0.5,
) -> list[ReaderPair]:
    """Pairs from the train file, in a seeded order (each question's pairs together).

    Args:
        path: the train file (default ``<squad_dir>/train/train-v2.0-approx.json.gz``).
        squad_dir: the SQuAD folder, for the dev paragraphs the leakage check reads.
        questions: answerable questions kept, drawn by ``seed`` (all when None);
            every unanswerable question is kept: they are the scarce kind.
        negatives: hard paragraph negatives per answerable question.
        unanswerable_others: sentences per unanswerable question after its top one.
        seed: draws the kept questions and the order.
        stats: when given, filled with counts (paragraphs, leaked, questions, pairs by kind).
        leak_share: a paragraph sharing this share of its word 8-grams with the
            SQuAD dev paragraphs is dropped (``leaks``).
    """
    kept, leaked = kept_paragraphs(path, squad_dir, leak_share)
    rng = random.Random(f"reader-train-file:{seed}")
    paragraphs = []
    for title, context, qas in kept:
        spans = paragraph_sentences(context)
        if len(spans) < 2:
            continue
        sentences = [context[a:b] for a, b in spans]
        paragraphs.append((title, spans, sentences, qas))
    # Document frequencies over the file's sentences: a word most sentences hold ranks little.
    frequency: Counter[str] = Counter()
    count = 0
    for _, _, sentences, _ in paragraphs:
        for sentence in sentences:
            frequency.update(set(_terms(sentence)))
            count += 1
    idf = {t: math.log(1 + (count - n + 0.5) / (n + 0.5)) for t, n in frequency.items()}
    answerable = [
        (p, qa) for p in paragraphs for qa in p[3] if not qa.get("is_impossible") and qa["answers"]
    ]
    if questions is not None and questions < len(answerable):
        answerable = rng.sample(answerable, questions)
    unanswerable = [(p, qa) for p in paragraphs for qa in p[3] if qa.get("is_impossible")]
    groups: list[list[ReaderPair]] = []
    contexts: dict[int, list[str]] = {}
    for (article, spans, sentences, _), qa in answerable + unanswerable:
        around = contexts.get(id(sentences))
        if around is None:
            around = [neighbour_context(sentences, i) for i in range(len(sentences))]
            contexts[id(sentences)] = around
        question = qa["question"].strip()
        if not question:
            continue
        group = _group(article, question, qa)
        if qa.get("is_impossible"):
            order = ranked_sentences(question, sentences, idf)
            kinds = [RETRIEVED] + [PARAGRAPH] * unanswerable_others
            groups.append(
                [
                    ReaderPair(question, sentences[i], 0, kind, group, article, around[i])
                    for i, kind in zip(order, kinds, strict=False)
                ]
            )
            continue
        texts = [a["text"] for a in qa["answers"]]
        starts = {_sentence_at(spans, int(a["answer_start"])) for a in qa["answers"]}
        first = _sentence_at(spans, int(qa["answers"][0]["answer_start"]))
        if first is None:
            continue
        # As in reader_pairs: a sentence holding an answer string is neither right nor wrong.
        unsure = {s for s in starts if s is not None} | {
            i for i, sentence in enumerate(sentences) if _holds_any(sentence, texts)
        }
        order = ranked_sentences(question, sentences, idf, skip=unsure)[:negatives]
        groups.append(
            [ReaderPair(question, sentences[first], 1, POSITIVE, group, article, around[first])]
            + [
                ReaderPair(question, sentences[i], 0, PARAGRAPH, group, article, around[i])
                for i in order
            ]
        )
    rng.shuffle(groups)
    pairs = [pair for group in groups for pair in group]
    if stats is not None:
        kinds = Counter(p.kind for p in pairs)
        stats.update(
            paragraphs=len(paragraphs),
            leaked=leaked,
            articles=len({p.article for p in pairs}),
            answerable=sum(1 for g in groups if g[0].kind == POSITIVE),
            unanswerable=sum(1 for g in groups if g[0].kind == RETRIEVED),
            **{f"pairs_{k}": n for k, n in sorted(kinds.items())},
        )
    return pairs


def merge(*parts: Sequence[ReaderPair], seed: int = 15) -> list[ReaderPair]:
    """Pairs of several sources in one seeded order, each question's pairs kept together."""
    groups: dict[str, list[ReaderPair]] = defaultdict(list)
    for part in parts:
        for pair in part:
            groups[pair.group].append(pair)
    order = sorted(groups.values(), key=lambda g: hashlib.sha256(g[0].group.encode()).digest())
    random.Random(f"reader-merge:{seed}").shuffle(order)
    return [pair for group in order for pair in group]


__all__ = [
    "PLAUSIBLE",
    "RETRIEVED",
    "TRAIN_DIR",
    "TRAIN_FILE",
    "TYDI_DEV_FILE",
    "TYDI_FILE",
    "TYDI_LEAK_SHARE",
    "dev_paragraph_shingles",
    "kept_paragraphs",
    "leaks",
    "merge",
    "ranked_sentences",
    "train_file_pairs",
]

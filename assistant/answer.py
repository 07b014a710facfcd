"""The results handed to callers: quoted passages, never generated text."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Copy:
    """Another article printing a passage near word for word (one wire story, two outlets).

    Attributes:
        article_id: the other article's id.
        outlet, title, published, url: its metadata; '' where it does not state them.
        start, end: the span of its near-identical passage in its body.
    """

    article_id: str
    outlet: str
    title: str
    published: str
    url: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Passage:
    """A verbatim slice of one article, with where it comes from.

    ``text == article_body[start:end]`` and
    ``highlight == article_body[highlight_start:highlight_end]``, always.

    Attributes:
        text: the passage, quoted verbatim.
        highlight: the sentence of ``text`` that best answers the question.
        article_id: file name of the article without its extension.
        title, outlet, published, url, author: the article's metadata; an
            empty string where the article does not state it.
        start, end: character span of ``text`` in the article body.
        highlight_start, highlight_end: character span of ``highlight``.
        score: relevance of the passage to the question, higher is better.
        provenance: where metadata the front matter left empty was found
            ("author and outlet from the article's byline"); '' when every
            field is the front matter's.
        also_published_by: the other articles holding a near-identical passage
            (``store/copies.py``), oldest first; they are not shown as passages
            of their own. Empty when no other article prints it.
    """

    text: str
    highlight: str
    article_id: str
    title: str
    outlet: str
    published: str
    url: str
    author: str
    start: int
    end: int
    highlight_start: int
    highlight_end: int
    score: float
    provenance: str = ""
    also_published_by: tuple[Copy, ...] = ()

    def citation(self) -> str:
        """One line naming the source: outlet, title, date and link when known."""
        parts = [self.outlet, f"\u201c{self.title}\u201d" if self.title else "", self.published]
        line = ", ".join(part for part in parts if part) or self.article_id
        return f"{line} <{self.url}>" if self.url else line

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["also_published_by"] = [asdict(copy) for copy in self.also_published_by]
        return data


# What an answer says, from its confidence (``search.answerability.verdict``).
ANSWERS = "answers"
MAY_ANSWER = "may answer"
NOT_FOUND = "not found"
VERDICTS = (ANSWERS, MAY_ANSWER, NOT_FOUND)


@dataclass(frozen=True, slots=True)
class Answer:
    """What the assistant found for one question.

    Attributes:
        question: the question as asked.
        passages: the best passages, best first (shown even when ``found`` is
            False, as the nearest text, never as an answer).
        found: False when nothing in the corpus supports an answer.
        confidence: 0-1, how likely the first passage answers the question.
        searched_for: the query actually searched, after follow-up questions
            were completed from the chat history.
        notes: remarks for the reader, e.g. that a long question was cut.
        verdict: what the chat says: "answers", "may answer" (a found answer
            whose confidence lies where right and wrong first passages mix:
            check the highlighted sentence) or "not found", always as ``found``
            says. It is "answers" or "not found" as ``found`` says when not given.
        read: whether the reader model read the best passages (with the reader
            on, only questions in ``Settings.read_from``-``read_until`` are).
    """

    question: str
    passages: tuple[Passage, ...]
    found: bool
    confidence: float
    searched_for: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    verdict: str = ""
    read: bool = False

    def __post_init__(self) -> None:
        if not self.verdict:
            object.__setattr__(self, "verdict", ANSWERS if self.found else NOT_FOUND)
        elif self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        elif self.found == (self.verdict == NOT_FOUND):
            # A quoted sentence in the answer slot must mean found, and "not found" must not.
            raise ValueError(f"verdict {self.verdict!r} contradicts found={self.found}")

    @property
    def best(self) -> Passage | None:
        """The first passage, or None when there is none."""
        return self.passages[0] if self.passages else None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["passages"] = [passage.to_dict() for passage in self.passages]
        data["notes"] = list(self.notes)
        return data

"""The JSON API's request and response shapes, as pydantic models (its OpenAPI schema).

Requests are validated against these before anything is searched, so a bad
field gets a 422 naming it. An answer's schema is the ``Answer`` dataclass's own
(FastAPI reads dataclasses); answers are written straight from
``Answer.to_dict()``, not validated again on every request, and
``tests/web/test_api.py`` holds the two equal.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..config import DEFAULT_K

# A question or an earlier one of its chat. ``Assistant.ask`` cuts a question to
# ``Settings.max_question_chars`` (1,000) with a note; ten times that is no question.
MAX_QUESTION_CHARS = 10_000
# A chat's earlier questions: follow-ups look at the last few only.
MAX_HISTORY = 50
# Passages one answer may ask for: a page of results, not the index.
MAX_K = 50
MAX_OUTLETS = 100
MAX_OUTLET_CHARS = 200

Question = Annotated[str, Field(min_length=1, max_length=MAX_QUESTION_CHARS, strict=True)]
Earlier = Annotated[str, Field(max_length=MAX_QUESTION_CHARS, strict=True)]
Outlet = Annotated[str, Field(min_length=1, max_length=MAX_OUTLET_CHARS, strict=True)]


class FiltersIn(BaseModel):
    """Which articles to quote from: outlets (any case) and inclusive ISO dates."""

    model_config = ConfigDict(extra="forbid")

    outlets: list[Outlet] = Field(default_factory=list, max_length=MAX_OUTLETS)
    published_from: str | None = Field(None, examples=["2020-10-01"])
    published_to: str | None = Field(None, examples=["2020-12-31"])
    include_undated: bool = Field(
        False,
        strict=True,
        description="with a date bound, also quote the articles that state no date",
    )

    @field_validator("published_from", "published_to")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value:
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"must be an ISO date such as 2020-10-12, got {value!r}") from None
        return value


class AskRequest(BaseModel):
    """A question, as ``Assistant.ask`` takes it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"question": "How many soldiers did Azerbaijan lose?"},
                {
                    "question": "What about Armenia?",
                    "history": ["How many soldiers did Azerbaijan lose?"],
                    "k": 3,
                    "filters": {"outlets": ["The New York Times"]},
                },
            ]
        },
    )

    question: Question
    history: list[Earlier] = Field(
        default_factory=list,
        max_length=MAX_HISTORY,
        description="earlier questions of the same chat, oldest first, for follow-ups",
    )
    k: int = Field(DEFAULT_K, ge=1, le=MAX_K, strict=True, description="passages, best first")
    filters: FiltersIn | None = None

    def ask_arguments(self) -> dict:
        """The keyword arguments of ``Assistant.ask`` besides the question."""
        filters = (
            None
            if self.filters is None
            else self.filters.model_dump(exclude_none=True, exclude_defaults=True)
        )
        return {"k": self.k, "history": list(self.history), "filters": filters}


class ArticleOut(BaseModel):
    """One indexed article, as the Articles tab lists it."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    outlet: str
    published: str
    url: str
    author: str
    passages: int


class HealthOut(BaseModel):
    """The app is up and its index loaded."""

    status: str
    articles: int
    passages: int


class ErrorOut(BaseModel):
    """Why a request was refused; ``errors`` lists each invalid field (422 only)."""

    detail: str
    errors: list[dict] | None = None

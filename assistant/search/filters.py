"""Filters: restrict a search to some outlets and a range of publication dates.

A question may name its source itself: "When did the conflict first emerge,
according to Sputnik?" asks what Sputnik reported, so ``outlet_asked`` finds
that outlet and the question without those words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ..corpus.article import Article

# "..., according to Sputnik?", "According to the Moscow Times, ..." (the name
# runs to the next punctuation mark; it must be an outlet's whole name).
_ACCORDING = re.compile(
    r"(?:^|,?\s+)according to (?:the\s+)?(?P<name>[^,.;:?!]+?)\s*(?=[,.;:?!]|$),?\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Filters:
    """Which articles a search may quote from.

    Usage::

        Filters(outlets=("The Moscow Times",))
        Filters(published_from="2020-10-01", published_to="2020-12-31")
        Filters(published_from="2020-10-01", include_undated=True)
        Filters.from_value({"outlets": ["Trend"]})     # as the web API sends it

    Attributes:
        outlets: outlet names, matched without regard to case; empty means any.
        published_from, published_to: ISO dates, both inclusive; empty means
            open. With a date bound set, articles without a date are left out,
            since they cannot be shown to fall inside the range, unless
            ``include_undated``.
        include_undated: keep the articles that state no date when a date bound
            is set (they may be from any day). No effect without a bound.
    """

    outlets: tuple[str, ...] = ()
    published_from: str = ""
    published_to: str = ""
    include_undated: bool = False

    def __post_init__(self) -> None:
        for name in ("published_from", "published_to"):
            value = getattr(self, name)
            if value:
                try:
                    dt.date.fromisoformat(value)
                except ValueError:
                    raise ValueError(
                        f"{name} must be an ISO date such as 2020-10-12, got {value!r}"
                    ) from None
        if self.published_from and self.published_to and self.published_from > self.published_to:
            raise ValueError(
                f"published_from ({self.published_from}) is after published_to "
                f"({self.published_to})"
            )

    @classmethod
    def from_value(cls, value: Filters | Mapping[str, Any] | None) -> Filters:
        """Filters from a Filters, a dict (JSON from the API) or None."""
        if value is None:
            return cls()
        if isinstance(value, Filters):
            return value
        if not isinstance(value, Mapping):
            raise ValueError(f"filters must be a dict or Filters, not {type(value).__name__}")
        unknown = set(value) - {"outlets", "published_from", "published_to", "include_undated"}
        if unknown:
            raise ValueError(
                f"unknown filter {sorted(unknown)}; use outlets, published_from, published_to, "
                "include_undated"
            )
        outlets = value.get("outlets") or ()
        if isinstance(outlets, str):
            outlets = (outlets,)
        include_undated = value.get("include_undated", False)
        if not isinstance(include_undated, bool):
            raise ValueError(f"include_undated must be true or false, got {include_undated!r}")
        return cls(
            outlets=tuple(str(outlet) for outlet in outlets),
            published_from=str(value.get("published_from") or ""),
            published_to=str(value.get("published_to") or ""),
            include_undated=include_undated,
        )

    def __bool__(self) -> bool:
        return bool(self.outlets or self.dated)

    @property
    def dated(self) -> bool:
        """True when a date bound is set."""
        return bool(self.published_from or self.published_to)

    def allows(self, article: Article) -> bool:
        """True when the article may be quoted under these filters."""
        if self.outlets:
            wanted = {outlet.casefold() for outlet in self.outlets}
            if article.outlet.casefold() not in wanted:
                return False
        if self.dated:
            published = article.published[:10]
            if not published:
                return self.include_undated
            if self.published_from and published < self.published_from:
                return False
            if self.published_to and published > self.published_to:
                return False
        return True

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["outlets"] = list(self.outlets)
        return data


def outlet_asked(question: str, outlets: Iterable[str]) -> tuple[str, str] | None:
    """The outlet a question asks about, and the question without those words.

    Only "according to <outlet>", with one of ``outlets``' whole names (case
    and a leading "the" aside): "according to Kuznetsov" or "according to the
    AFP tally" name no outlet and leave the question as it is.

    Example:
        >>> outlet_asked("When did it start, according to Sputnik?", ["Sputnik", "Trend"])
        ('Sputnik', 'When did it start?')
    """
    matches = list(_ACCORDING.finditer(question))
    if not matches:  # most questions: no need to read the outlets' names
        return None
    names = {_without_the(outlet): outlet for outlet in outlets if outlet.strip()}
    for match in matches:
        outlet = names.get(_without_the(match.group("name")))
        if outlet is not None:
            rest = question[: match.start()] + " " + question[match.end() :]
            rest = re.sub(r"\s+([?.!])", r"\1", " ".join(rest.split()))
            if not any(character.isalnum() for character in rest):
                return None  # "According to Sputnik?" alone: nothing else to search for
            if rest[:1].islower() and match.start() == 0:
                rest = rest[0].upper() + rest[1:]
            return outlet, rest
    return None


def _without_the(name: str) -> str:
    name = " ".join(name.split()).casefold()
    return name[4:] if name.startswith("the ") else name

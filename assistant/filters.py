"""Filters: restrict a search to some outlets and a range of publication dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from .corpus import Article


@dataclass(frozen=True, slots=True)
class Filters:
    """Which articles a search may quote from.

    Usage::

        Filters(outlets=("The Moscow Times",))
        Filters(published_from="2020-10-01", published_to="2020-12-31")
        Filters.from_value({"outlets": ["Trend"]})     # as the web API sends it

    Attributes:
        outlets: outlet names, matched without regard to case; empty means any.
        published_from, published_to: ISO dates, both inclusive; empty means
            open. With a date bound set, articles without a date are left out,
            since they cannot be shown to fall inside the range.
    """

    outlets: tuple[str, ...] = ()
    published_from: str = ""
    published_to: str = ""

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
        unknown = set(value) - {"outlets", "published_from", "published_to"}
        if unknown:
            raise ValueError(
                f"unknown filter {sorted(unknown)}; use outlets, published_from, published_to"
            )
        outlets = value.get("outlets") or ()
        if isinstance(outlets, str):
            outlets = (outlets,)
        return cls(
            outlets=tuple(str(outlet) for outlet in outlets),
            published_from=str(value.get("published_from") or ""),
            published_to=str(value.get("published_to") or ""),
        )

    def __bool__(self) -> bool:
        return bool(self.outlets or self.published_from or self.published_to)

    def allows(self, article: Article) -> bool:
        """True when the article may be quoted under these filters."""
        if self.outlets:
            wanted = {outlet.casefold() for outlet in self.outlets}
            if article.outlet.casefold() not in wanted:
                return False
        if self.published_from or self.published_to:
            published = article.published[:10]
            if not published:
                return False
            if self.published_from and published < self.published_from:
                return False
            if self.published_to and published > self.published_to:
                return False
        return True

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["outlets"] = list(self.outlets)
        return data

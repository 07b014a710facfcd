"""The source card's metadata line: an unstated field says so, a found one says where from."""

from __future__ import annotations

from assistant.answer import Passage
from assistant.web.format import source_line


def passage(**fields: object) -> Passage:
    values = {
        "text": "The ministry said so.",
        "highlight": "The ministry said so.",
        "article_id": "009_test",
        "title": "A title",
        "outlet": "",
        "published": "",
        "url": "",
        "author": "",
        "start": 0,
        "end": 21,
        "highlight_start": 0,
        "highlight_end": 21,
        "score": 0.5,
    }
    return Passage(**{**values, **fields})


def test_an_unstated_outlet_says_so_and_is_no_outlet_span() -> None:
    line = source_line(passage())
    assert "outlet not stated" in line and "qa-outlet" not in line
    assert "no date" in line and "qa-provenance" not in line


def test_a_field_found_in_the_text_says_where_it_came_from() -> None:
    line = source_line(
        passage(
            outlet="NY Times",
            author="Jani Babayeva",
            provenance="author from the article's byline; outlet from its source line",
        )
    )
    assert '<span class="qa-outlet">NY Times</span>' in line
    assert "by Jani Babayeva" in line
    assert "qa-provenance" in line and "byline" in line and "source line" in line

"""The source card names the other outlets that printed the same passage."""

from __future__ import annotations

import re

from assistant.answer import Copy
from assistant.web.format import copies_line, format_card, parse_open_ref
from tests.web.test_card_provenance import passage

REUTERS = Copy("900_reuters", "Reuters", "Baku puts its dead at 2,783", "2020-12-03", "", 0, 890)
UNNAMED = Copy("901_wire", "", "A <b>wire</b> story", "", "", 10, 400)


def test_the_card_says_who_else_published_the_passage() -> None:
    card = format_card(1, passage(also_published_by=(REUTERS, UNNAMED)), answers=True)
    assert "also published by" in card
    assert "Reuters</a> (2020&#45;12&#45;03), " in card
    # No outlet: the title names it, escaped; no date: no parentheses.
    assert "\u201cA &#60;b&#62;wire&#60;&#47;b&#62; story\u201d</a></div>" in card
    assert "<b>" not in card


def test_each_name_opens_its_article_at_the_copied_passage() -> None:
    hrefs = re.findall(r'href="([^"]+)"', copies_line([REUTERS, UNNAMED]))
    assert [parse_open_ref(href.replace("&amp;", "&")) for href in hrefs] == [
        ("900_reuters", (0, 890), None),
        ("901_wire", (10, 400), None),
    ]


def test_a_passage_without_copies_has_no_line() -> None:
    assert copies_line([]) == ""
    assert "also published by" not in format_card(1, passage(), answers=False)

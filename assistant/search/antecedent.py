"""A highlight that opens by pointing back shows the sentence it points to.

"These cities are situated outside the Nagorno-Karabakh region" answers "Which
cities were shelled?" only with the sentence before it, which names them; "He
said the talks would resume" says nothing until the reader knows who "he" is.
When the highlighted sentence opens with a word that refers back (a
demonstrative or a pronoun, after an optional "But", "And", "However," ...), the highlight
reaches back over the previous sentence of the same passage: two whole
sentences, still one verbatim slice of the article (issue 28's "the
highlighted sentence, or a span of two").

Only the shown span moves: which sentence was chosen, the passage's score and
the answer's confidence stay those of the chosen sentence. Measured on the dev
splits (``python scripts/highlight_antecedent.py --index DIR``, similarity
alone): 3 of 88 own dev highlights and 47 of 600 SQuAD held-out ones reach back;
the share holding an answer stays 0.807 on own dev and moves 0.790 -> 0.793
on SQuAD, and the highlights grow 3 % (own) and 7 % (SQuAD) longer on average.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Words that, opening a sentence, stand for something the previous sentence named.
# "There" is left out: "There were ..." points at nothing.
REFERRING = frozenset("this these that those it its they their he his she her such".split())
# Joining words read past, so "But it proved ineffective" and "However, it also suffered
# losses" refer back too.
_LEADING = frozenset({"but", "and", "yet", "so", "however", "still", "meanwhile", "instead"})
# The first two words, after any opening quote marks or brackets.
_FIRST_WORDS = re.compile(r"[^A-Za-z]*([A-Za-z]+)(?:[^A-Za-z]+([A-Za-z]+))?")


def refers_back(sentence: str) -> bool:
    """True when the sentence opens with a word that refers to what came before."""
    match = _FIRST_WORDS.match(sentence)
    if match is None:
        return False
    first, second = match.group(1).lower(), (match.group(2) or "").lower()
    if first in _LEADING and second:
        first = second
    return first in REFERRING


def with_antecedent(
    text: str, spans: Sequence[tuple[int, int]], span: tuple[int, int]
) -> tuple[int, int]:
    """The span to show: ``span``, reaching back one sentence when it opens by referring back.

    Args:
        text: the article's text, which the spans index.
        spans: the passage's sentence spans, in order.
        span: the chosen sentence's span; returned as it is when it is not one
            of ``spans`` or is the passage's first sentence (the highlight never
            leaves its passage).
    """
    own = [tuple(each) for each in spans]
    if span not in own:
        return span
    index = own.index(span)
    if index == 0 or not refers_back(text[span[0] : span[1]]):
        return span
    return own[index - 1][0], span[1]

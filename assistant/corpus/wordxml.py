"""The body of a Word document's ``word/document.xml``, read as it streams.

python-docx builds the whole tree of the document first: a document within every stated
limit but with 190 MB of XML took minutes and gigabytes before its text was found too
big. Here the XML is fed to lxml's pull parser a chunk at a time, the text is collected
as python-docx gives it (so the article is the same), every element is dropped once it
has ended, and reading stops as soon as the text passes the article limit.

What python-docx gives, kept here: the body's own paragraphs and tables, in order (not
those inside content controls, nor a table nested in a cell); a paragraph's text is
that of its runs and its hyperlinks' runs (``w:t``, ``w:tab`` and ``w:ptab`` as a tab,
``w:br`` of a line and ``w:cr`` as a new line, ``w:noBreakHyphen`` as "-"); a table is a
row per line, each cell once (a cell spanning columns is one cell; a cell continuing a
vertical merge repeats the text of the cell it continues), its paragraphs' text joined.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..errors import CorpusError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT = {"t": None, "tab": "\t", "ptab": "\t", "cr": "\n", "noBreakHyphen": "-", "br": None}
_TABLE_PARTS = ("tc", "tr", "tbl", "gridSpan", "vMerge", "gridBefore")
# Only these elements give events (lxml filters the rest in C): a run's formatting, a
# paragraph's properties and bookmarks cost no Python step. ``r`` is there to be freed.
_TAGS = [W + name for name in (*_TEXT, "r", "p", *_TABLE_PARTS)]
# A paragraph or cell being read may hold raw text (spaces and tabs Word keeps, which
# the article squeezes) up to this many times the limit before it is cut off.
_RAW_SLACK = 4


def _too_big(size: int, limit: int) -> CorpusError:
    # The words of assembly.require_text, which the finished body meets too.
    return CorpusError(
        f"its text is too big for one article (over {size:,} bytes, the limit is {limit:,})"
    )


@dataclass
class _Table:
    rows: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)
    # The text of the last cell that started at each grid column: a cell continuing a
    # vertical merge repeats it.
    columns: dict[int, str] = field(default_factory=dict)
    column: int = 0
    span: int = 1
    merge: str | None = None
    paragraphs: list[str] = field(default_factory=list)

    def end_cell(self) -> None:
        text = "\n".join(self.paragraphs)
        if self.merge == "continue":
            text = self.columns.get(self.column, text)
        else:
            self.columns[self.column] = text
        self.cells.append(" ".join(text.split()))
        self.column += self.span
        self.span, self.merge, self.paragraphs = 1, None, []


@dataclass
class _Body:
    limit: int
    blocks: list[str] = field(default_factory=list)
    size: int = 0
    runs: list[str] = field(default_factory=list)
    raw: int = 0
    table: _Table | None = None

    def text(self, piece: str) -> None:
        self.runs.append(piece)
        self.raw += len(piece)
        if self.size + self.raw > _RAW_SLACK * self.limit:
            raise _too_big(self.size + self.raw, self.limit)

    def in_table(self) -> _Table:
        if self.table is None:
            self.table = _Table()
        return self.table

    def cell_paragraph(self, text: str) -> None:
        self.in_table().paragraphs.append(text)

    def paragraph(self) -> str:
        # ``raw`` goes on counting until the block ends: a table's cells are held till then.
        text, self.runs = "".join(self.runs), []
        return text

    def block(self, lines: Iterable[str]) -> None:
        self.raw = 0
        text = "\n".join(" ".join(line.split()) for line in lines if line.strip())
        if text:
            self.blocks.append(text)
            self.size += len(text.encode()) + 2
            if self.size - 2 > self.limit:
                raise _too_big(self.size - 2, self.limit)


def body_text(chunks: Iterable[bytes], *, limit: int) -> str:
    """The body as plain text: a paragraph per paragraph or heading, a table per paragraph.

    Args:
        chunks: ``word/document.xml``'s bytes, in order (``zips.stream_entry``).
        limit: the most UTF-8 bytes the text may hold; reading stops once past it.

    Raises:
        CorpusError: the text passes ``limit``; the XML declares a DTD (entities); the
            XML is damaged.
    """
    from lxml import etree

    parser = etree.XMLPullParser(
        events=("end",), tag=_TAGS, resolve_entities=False, no_network=True, load_dtd=False
    )
    body = _Body(limit)
    checked = False
    try:
        for chunk in chunks:
            parser.feed(chunk)
            for _, element in parser.read_events():
                if not checked:
                    checked = True
                    _refuse_dtd(element)
                _ended(body, element)
                _drop(element)
        root = parser.close()
    except etree.XMLSyntaxError as error:
        raise CorpusError(
            f"the Word document is damaged and cannot be read (XMLSyntaxError: {error}): "
            "open it in Word and save it again"
        ) from error
    if not checked:
        _refuse_dtd(root)
    return unicodedata.normalize("NFC", "\n\n".join(body.blocks))


def _refuse_dtd(element: Any) -> None:
    """A DOCTYPE has no place in a Word part; it is how entities (billion laughs) come."""
    if element.getroottree().docinfo.internalDTD is not None:
        raise CorpusError(
            "the Word document declares a DTD (<!DOCTYPE ...>, with XML entities), which "
            "Word never writes: refused, as entities can expand to gigabytes"
        )


def _ended(body: _Body, element: Any) -> None:
    """Take what an element that has just ended gives to the text."""
    name = element.tag[len(W) :]
    if name in _TEXT:
        if _is_run_content(element):
            body.text(_run_text(name, element))
    elif name == "p":
        where = _paragraph_place(element)
        if where == "body":
            body.block(body.paragraph().split("\n"))
        elif where == "cell":
            body.cell_paragraph(body.paragraph())
    elif name in _TABLE_PARTS:
        _ended_in_table(body, name, element)


def _ended_in_table(body: _Body, name: str, element: Any) -> None:
    """A top-level table's cell, row or the table itself, or a cell's or row's span."""
    holder = element.getparent()
    if name == "gridBefore" and _is(holder, "trPr") and _top_level(holder.getparent(), "tr"):
        body.in_table().column += _number(element, 0)
    elif name in ("gridSpan", "vMerge") and _is(holder, "tcPr"):
        if _top_level(holder.getparent(), "tc"):
            table = body.in_table()
            if name == "gridSpan":
                table.span = max(_number(element, 1), 1)
            else:
                table.merge = element.get(f"{W}val") or "continue"
    elif name in ("tc", "tr", "tbl") and _top_level(element, name):
        table = body.in_table()
        if name == "tc":
            table.end_cell()
        elif name == "tr":
            table.rows.append(" | ".join(table.cells))
            table.cells, table.column = [], 0
        else:
            body.table = None
            body.block(table.rows)


def _is(element: Any, name: str) -> bool:
    return element is not None and element.tag == W + name


def _top_level(element: Any, name: str) -> bool:
    """Whether a ``tbl``, ``tr`` or ``tc`` belongs to a table that is a block of the body."""
    chain = {"tc": ("tr", "tbl", "body"), "tr": ("tbl", "body"), "tbl": ("body",)}[name]
    for ancestor in chain:
        element = element.getparent()
        if not _is(element, ancestor):
            return False
    return _is(element.getparent(), "document")


def _paragraph_place(paragraph: Any) -> str:
    """``body`` or ``cell`` (of a top-level table) for a paragraph python-docx reads; else ''."""
    parent = paragraph.getparent()
    if _is(parent, "body") and _is(parent.getparent(), "document"):
        return "body"
    if _is(parent, "tc") and _top_level(parent, "tc"):
        return "cell"
    return ""


def _is_run_content(element: Any) -> bool:
    """Whether an element is text of a run of a paragraph that python-docx reads."""
    run = element.getparent()
    if not _is(run, "r"):
        return False
    holder = run.getparent()
    if _is(holder, "hyperlink"):
        holder = holder.getparent()
    return _is(holder, "p") and _paragraph_place(holder) != ""


def _run_text(name: str, element: Any) -> str:
    """What one element of a run stands for in the text."""
    if name == "t":
        return element.text or ""
    if name == "br":
        # A page or column break is no line of the text; a plain break is.
        return "\n" if element.get(f"{W}type", "textWrapping") == "textWrapping" else ""
    return _TEXT[name] or ""


def _number(element: Any, default: int) -> int:
    value = element.get(f"{W}val", "")
    return int(value) if value.isdigit() and len(value) < 6 else default


def _drop(element: Any) -> None:
    """Free an element that has ended, and the earlier siblings already freed."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]

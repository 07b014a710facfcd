"""What a file is by its content, whatever its name says: the first bytes decide.

A source reads its format by the file's suffix; a file whose bytes are another format's
(a ``.pdf`` that is a saved web page, a ``.docx`` that is not a zip, an ``.md`` that is a
PNG) is refused with what it is, so the message says how to fix it (rename it) instead of
reporting a parse error deep inside the wrong reader.
"""

from __future__ import annotations

import re

from ..errors import CorpusError

# Signatures at the start of the file, longest first where one starts another.
_SIGNATURES = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty zip
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
    (b"{\\rtf", "rtf"),
)
# The PDF header may follow up to 1 kB of other bytes (the specification allows it).
_PDF_HEADER = re.compile(rb"%PDF-\d")
_HTML_START = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>]|head[\s>])", re.I | re.S
)
_XML_START = re.compile(rb"^\s*<\?xml\s")
# What each kind is called in messages, and how to fix a file of that kind.
_NAMES = {
    "pdf": ("a PDF document", "rename it to .pdf"),
    "zip": ("a zip archive (a .docx is one; so are .xlsx, .pptx and .odt)", ""),
    "ole": ("an Office 97-2003 file (.doc, .xls, .ppt)", "save it as .docx"),
    "png": ("a PNG image", ""),
    "jpeg": ("a JPEG image", ""),
    "gif": ("a GIF image", ""),
    "gzip": ("a gzip-compressed file", "decompress it first"),
    "bzip2": ("a bzip2-compressed file", "decompress it first"),
    "xz": ("an xz-compressed file", "decompress it first"),
    "7z": ("a 7-Zip archive", "extract it first"),
    "rar": ("a RAR archive", "extract it first"),
    "rtf": ("an RTF document", "save it as .docx"),
    "html": ("a web page (HTML)", "rename it to .html"),
    "xml": ("an XML file", ""),
    "text": ("plain text", ""),
    "binary": ("binary data", ""),
}
# Kinds that are never a text format's file: a text source refuses them.
BINARY_KINDS = frozenset(_NAMES) - {"html", "xml", "text"}


def content_kind(raw: bytes) -> str:
    """The kind of file the bytes are: 'pdf', 'zip', 'png', ..., 'html', 'xml', 'text' or 'binary'.

    Only the first kilobytes are looked at; 'text' means they are not one of the known
    binary formats and hold no NUL byte (the decoder decides whether it is valid text).
    """
    head = raw[:4096]
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if head.startswith(b"%PDF") or _PDF_HEADER.search(head[:1024]):
        return "pdf"
    # A UTF-8 BOM before the markup is still markup.
    markup = head.removeprefix(b"\xef\xbb\xbf")
    if _HTML_START.match(markup):
        return "html"
    if _XML_START.match(markup):
        return "xml"
    if b"\0" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff", b"\0\0\xfe\xff")):
        return "binary"
    return "text"


def require_kind(raw: bytes, expected: str, *, what: str) -> None:
    """Refuse a file whose content is not ``expected`` ('pdf', 'zip'), naming what it is.

    Args:
        what: the format the file's name promises, for the message ("a PDF").

    Raises:
        CorpusError: the content is another kind of file.
    """
    kind = content_kind(raw)
    if kind != expected:
        raise CorpusError(_mismatch(kind, what))


def refuse_binary(raw: bytes, *, what: str) -> None:
    """Refuse a binary file of a known kind given as a text format's file.

    Raises:
        CorpusError: the content is a PDF, a zip, an image, a compressed file...
    """
    kind = content_kind(raw)
    if kind in BINARY_KINDS - {"binary"}:
        raise CorpusError(_mismatch(kind, what))


def _mismatch(kind: str, what: str) -> str:
    name, fix = _NAMES[kind]
    return f"it is not {what} but {name}, whatever its name says" + (f": {fix}" if fix else "")

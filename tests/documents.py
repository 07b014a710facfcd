"""PDF and Word files written in the tests: small, valid, and each made to show one case.

No PDF library that writes text is a dependency, so ``pdf_bytes`` writes the file by hand:
one Helvetica text object per page, a line per ``Td`` step, the cross-reference table
counted as it is written. ``docx_bytes`` uses python-docx itself.
"""

from __future__ import annotations

import io
import zipfile


def _pdf_string(text: str) -> str:
    """A PDF literal string: backslashes and parentheses escaped, Latin-1 only."""
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def pdf_bytes(
    pages: list[list[str]],
    *,
    info: dict[str, str] | None = None,
    image_only: bool = False,
) -> bytes:
    """A PDF with one page per list of lines, and an /Info dictionary.

    Args:
        pages: each page's lines, top to bottom; an empty string is a skipped line
            (a paragraph gap).
        info: /Info entries without their slash ({"Title": ..., "CreationDate": "D:2020..."}).
        image_only: pages that paint a small image and no text, as a scan does.
    """
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below, once the pages' numbers are known
    pages_id = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for lines in pages:
        if image_only:
            pixels = bytes(range(48))
            image = add(
                b"<< /Type /XObject /Subtype /Image /Width 4 /Height 4 /ColorSpace /DeviceRGB "
                b"/BitsPerComponent 8 /Length %d >>\nstream\n"
                % len(pixels)
                + pixels
                + b"\nendstream"
            )
            content = b"q 400 0 0 600 100 100 cm /Im1 Do Q"
            resources = b"<< /XObject << /Im1 %d 0 R >> >>" % image
        else:
            parts = ["BT /F1 11 Tf 14 TL 72 760 Td"]
            for line in lines:
                parts.append(f"{_pdf_string(line)} Tj T*" if line else "T*")
            parts.append("ET")
            content = "\n".join(parts).encode("cp1252")
            resources = b"<< /Font << /F1 %d 0 R >> >>" % font
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources %s "
                b"/Contents %d 0 R >>" % (pages_id, resources, stream)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id
    objects[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % kid for kid in kids),
        len(kids),
    )
    info_id = None
    if info:
        entries = " ".join(f"/{key} {_pdf_string(value)}" for key, value in info.items())
        info_id = add(f"<< {entries} >>".encode("cp1252"))
    return _pdf_file(objects, catalog, info_id)


def _pdf_file(objects: list[bytes], catalog: int, info_id: int | None = None) -> bytes:
    """The PDF file of numbered objects: header, bodies, cross-reference table, trailer."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    trailer = b"<< /Size %d /Root %d 0 R" % (len(objects) + 1, catalog)
    if info_id:
        trailer += b" /Info %d 0 R" % info_id
    out.write(b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def slow_pdf_bytes(pages: int, *, operators: int) -> bytes:
    """A small PDF made to be slow: ``pages`` pages sharing one content stream of
    ``operators`` text-showing operators, which pypdf reads again for every page."""
    content = b"BT /F1 1 Tf " + b"(x) Tj " * operators + b"ET"
    objects = [
        b"",  # the catalog, then the page tree, filled in below
        b"",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
    page += b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    objects += [page] * pages
    kids = b" ".join(b"%d 0 R" % number for number in range(5, 5 + pages))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages)
    return _pdf_file(objects, 1)


def encrypted_pdf_bytes(lines: list[str], *, password: str) -> bytes:
    """A one-page PDF encrypted with a user password, by pypdf."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes([lines]))))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes(
    paragraphs: list[tuple[str, str]],
    *,
    title: str = "",
    author: str = "",
    created: str = "",
    table: list[list[str]] | None = None,
) -> bytes:
    """A Word document: (style, text) paragraphs ("Title", "Heading 1", "Normal"...).

    Args:
        created: an ISO datetime for the core properties' creation date; '' leaves it unset.
        table: rows of cells, added after the paragraphs.
    """
    import datetime as dt

    import docx

    document = docx.Document()
    for style, text in paragraphs:
        document.add_paragraph(text, style=style)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    properties = document.core_properties
    properties.title, properties.author = title, author
    # python-docx's template states its own creation date and author; a test states its own.
    if created:
        properties.created = dt.datetime.fromisoformat(created)
    else:
        for child in list(properties._element):
            if child.tag.rsplit("}", 1)[-1] in ("created", "modified"):
                properties._element.remove(child)
    properties.last_modified_by = ""
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb_bytes(*, entry_bytes: int = 200_000_000, entries: int = 1) -> bytes:
    """A zip whose entries (zeros) declare ``entry_bytes`` each but compress to almost nothing."""
    out = io.BytesIO()
    block = b"\0" * (1 << 20)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for number in range(entries):
            with archive.open(f"word/bomb{number}.xml", "w", force_zip64=True) as handle:
                for _ in range(entry_bytes // len(block)):
                    handle.write(block)
    return out.getvalue()


def many_entries_zip_bytes(entries: int) -> bytes:
    """A small zip with very many tiny entries."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number in range(entries):
            archive.writestr(f"word/part{number}.xml", "")
    return out.getvalue()


def lying_about(raw: bytes, name: str, size: int) -> bytes:
    """Zip ``raw`` with the uncompressed size of ``name`` declared as ``size``, everywhere it is.

    Both the local header and the central directory say ``size``: the lie a zip
    bomb tells to pass checks that trust the declared sizes.
    """
    patched = bytearray(raw)
    encoded = name.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := patched.find(signature, start)) != -1:
            if patched[start + name_at : start + name_at + len(encoded)] == encoded:
                patched[start + size_at : start + size_at + 4] = size.to_bytes(4, "little")
            start += 4
    return bytes(patched)

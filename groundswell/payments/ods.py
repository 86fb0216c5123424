"""The Gift Aid claim as an OpenDocument spreadsheet (.ods), the form Charities Online takes.

An .ods file is a zip: the `mimetype` entry first and stored uncompressed (so a reader can
tell the type from the first bytes), then `META-INF/manifest.xml` naming every part, and
`content.xml` with the sheet. We write it with the standard library: three small XML
documents do not need a dependency.

The sheet follows the layout of HMRC's own schedule (its sheet name, Box 1 "Earliest
donation date in the period of claim" in D13, the table's headings in row 23 from column B,
the donations from row 25), as public tools that fill HMRC's template describe it; we could
not obtain the template itself (docs/payments.md). Dates are date cells shown DD/MM/YY,
amounts number cells shown with two decimals: what HMRC asks, and what a spreadsheet reads
as dates and numbers rather than text. Text cells are never formulas in ODF (a formula is an
attribute of its own), so a name typed as "=…" stays plain text.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import date
from xml.etree import ElementTree as ET

from .giftaid import Line

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
SHEET = "R68GAD_V1_00_0_EN"
HEADINGS = (
    "Item", "Title", "First name", "Last name", "House name or number", "Postcode",
    "Aggregated donations", "Sponsored event", "Donation date", "Amount",
)  # fmt: skip
EARLIEST = "Earliest donation date in the period of claim. (DD/MM/YY)"
# Rows and columns counted from 1, as a spreadsheet names them (D13 is row 13, column 4).
EARLIEST_ROW, EARLIEST_COLUMN = 13, 4
HEADING_ROW, FIRST_LINE_ROW, FIRST_COLUMN = 23, 25, 2

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "number": "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
}
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)


def q(name: str) -> str:
    """ "table:table-row" → "{urn:…table:1.0}table-row"."""
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def _element(parent: ET.Element, name: str, **attributes: str) -> ET.Element:
    return ET.SubElement(parent, q(name), {q(key.replace("__", ":").replace("_", "-")): value
                                           for key, value in attributes.items()})  # fmt: skip


Cell = tuple[str, str, str]  # (value type, value, shown text); ("", "", "") is empty


def text(value: str) -> Cell:
    return ("string", value, value) if value else ("", "", "")


def day(value: date) -> Cell:
    return ("date", value.isoformat(), value.strftime("%d/%m/%y"))


def amount(pence: int) -> Cell:
    shown = f"{pence // 100}.{pence % 100:02d}"
    return ("float", shown, shown)


def _row(table: ET.Element, cells: list[Cell], *, repeated: int = 1) -> None:
    row = _element(table, "table:table-row")
    if repeated > 1:
        row.set(q("table:number-rows-repeated"), str(repeated))
    if not cells:
        _element(row, "table:table-cell")
        return
    for kind, value, shown in cells:
        cell = _element(row, "table:table-cell")
        if not kind:
            continue
        cell.set(q("office:value-type"), kind)
        if kind == "date":
            cell.set(q("office:date-value"), value)
            cell.set(q("table:style-name"), "ce-date")
        elif kind == "float":
            cell.set(q("office:value"), value)
            cell.set(q("table:style-name"), "ce-amount")
        paragraph = _element(cell, "text:p")
        paragraph.text = shown


def _styles(content: ET.Element) -> None:
    styles = _element(content, "office:automatic-styles")
    dates = _element(styles, "number:date-style", style__name="N-date")
    for part in ("day", "/", "month", "/", "year"):
        if part == "/":
            _element(dates, "number:text").text = "/"
        elif part == "year":
            _element(dates, "number:year")  # short: two digits
        else:
            _element(dates, f"number:{part}", number__style="long")
    amounts = _element(styles, "number:number-style", style__name="N-amount")
    _element(amounts, "number:number", number__decimal_places="2",
             number__min_decimal_places="2", number__min_integer_digits="1")  # fmt: skip
    for name, data_style in (("ce-date", "N-date"), ("ce-amount", "N-amount")):
        _element(styles, "style:style", style__name=name, style__family="table-cell",
                 style__data_style_name=data_style)  # fmt: skip


def _bytes(root: ET.Element) -> bytes:
    written: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return written


def content_xml(lines: Iterable[Line]) -> bytes:
    lines = list(lines)
    content = ET.Element(q("office:document-content"), {q("office:version"): "1.2"})
    _styles(content)
    body = _element(_element(content, "office:body"), "office:spreadsheet")
    table = _element(body, "table:table", table__name=SHEET)
    blank: list[Cell] = [("", "", "")] * (EARLIEST_COLUMN - 1)
    _row(table, [], repeated=EARLIEST_ROW - 2)
    _row(table, [*blank, text(EARLIEST)])
    earliest = min((line.day for line in lines), default=None)
    _row(table, [*blank, day(earliest) if earliest else text("")])
    _row(table, [], repeated=HEADING_ROW - EARLIEST_ROW - 1)
    margin: list[Cell] = [("", "", "")] * (FIRST_COLUMN - 1)
    _row(table, [*margin, *(text(heading) for heading in HEADINGS)])
    _row(table, [], repeated=FIRST_LINE_ROW - HEADING_ROW - 1)
    for item, line in enumerate(lines, start=1):
        cells = [
            ("float", str(item), str(item)),
            *(text(value) for value in (line.title, line.given_name, line.family_name,
                                        line.house, line.postcode, line.aggregated, "")),
            day(line.day),
            amount(line.amount),
        ]  # fmt: skip
        _row(table, [*margin, *cells])
    return _bytes(content)


def manifest_xml() -> bytes:
    manifest = ET.Element(q("manifest:manifest"), {q("manifest:version"): "1.2"})
    for path, media_type in (("/", MIMETYPE), ("content.xml", "text/xml"),
                             ("meta.xml", "text/xml")):  # fmt: skip
        entry = _element(manifest, "manifest:file-entry")
        entry.set(q("manifest:full-path"), path)
        entry.set(q("manifest:media-type"), media_type)
        if path == "/":
            entry.set(q("manifest:version"), "1.2")
    return _bytes(manifest)


def meta_xml() -> bytes:
    document = ET.Element(q("office:document-meta"), {q("office:version"): "1.2"})
    _element(_element(document, "office:meta"), "meta:generator").text = "Groundswell"
    return _bytes(document)


def schedule(lines: Iterable[Line], *, made: date) -> bytes:
    """The .ods file of the schedule's lines."""
    moment = (made.year, made.month, made.day, 0, 0, 0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # First and stored: readers recognise the type from the file's first bytes.
        archive.writestr(zipfile.ZipInfo("mimetype", moment), MIMETYPE, zipfile.ZIP_STORED)
        for name, data in (
            ("META-INF/manifest.xml", manifest_xml()),
            ("meta.xml", meta_xml()),
            ("content.xml", content_xml(lines)),
        ):
            archive.writestr(zipfile.ZipInfo(name, moment), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()

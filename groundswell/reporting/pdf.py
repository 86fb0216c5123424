"""The monthly report as a PDF for management, drawn with ReportLab (pure Python, from PyPI:
no system library to install, unlike HTML-to-PDF engines that need Pango or a browser).

The pages are A4 landscape, so the widest table (channels, ten columns) fits. Each chart
is the analytics pages' server-drawn bar chart (analytics/charts.py: the same geometry)
followed by the numbers as a table, as on the pages. Text is set in DejaVu Sans when the
system has it (wide coverage of scripts), else in the Bitstream Vera that ships inside
ReportLab, so a report renders the same with no system fonts at all.
"""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab import rl_config
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import (
    Table as PdfTable,
)

from groundswell.analytics.charts import Chart
from groundswell.analytics.tables import Table

from .figures import Monthly

INK = colors.HexColor("#1d2329")
MUTED = colors.HexColor("#56606b")
BAR = colors.HexColor("#1f6f5c")
RULE = colors.HexColor("#c3cad1")
ZEBRA = colors.HexColor("#f2f4f6")

SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")


def _fonts() -> tuple[str, str]:
    """Register the text faces once; (regular, bold) names."""
    if "GS-Regular" in pdfmetrics.getRegisteredFontNames():
        return "GS-Regular", "GS-Bold"
    regular, bold = SYSTEM_FONTS / "DejaVuSans.ttf", SYSTEM_FONTS / "DejaVuSans-Bold.ttf"
    if not (regular.is_file() and bold.is_file()):
        shipped = Path(rl_config.__file__).parent / "fonts"
        regular, bold = shipped / "Vera.ttf", shipped / "VeraBd.ttf"
    pdfmetrics.registerFont(TTFont("GS-Regular", str(regular)))
    pdfmetrics.registerFont(TTFont("GS-Bold", str(bold)))
    return "GS-Regular", "GS-Bold"


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=18, leading=23, textColor=INK),
        "h2": ParagraphStyle(
            "h2", fontName=bold, fontSize=12.5, leading=16, spaceBefore=10, spaceAfter=4,
            textColor=INK,
        ),
        "body": ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=13, textColor=INK),
        "note": ParagraphStyle("note", fontName=regular, fontSize=8, leading=10.5,
                               textColor=MUTED, spaceAfter=3),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=8, leading=10, textColor=INK),
        "head": ParagraphStyle("head", fontName=bold, fontSize=8, leading=10, textColor=INK),
    }  # fmt: skip


def _text(value: Any) -> str:
    """Plain text for a Paragraph: its mark-up characters escaped (titles are typed by staff)."""
    return html.escape(str(value), quote=False).replace("\n", "<br/>")


# Columns that hold words get more room than the figures beside them.
WEIGHTS = {"ledger": [1.1, 2, 1, 4.5, 1.2]}


def _widths(table: Table, width: float) -> list[float]:
    """Each column's width: the first (the row's name) wider; a table of two or three
    columns takes half the page, so its figures stay near their names."""
    count = len(table.columns)
    weights = WEIGHTS.get(table.name) or [2.0, *[1.0] * (count - 1)]
    room = width * 0.55 if count <= 3 else width
    return [room * weight / sum(weights) for weight in weights]


def _table(table: Table, styles: dict[str, ParagraphStyle], width: float) -> list[Any]:
    parts: list[Any] = [Paragraph(_text(table.title), styles["h2"])]
    if table.note:
        parts.append(Paragraph(_text(table.note), styles["note"]))
    if not table.rows:
        parts.append(Paragraph(_text(table.empty), styles["body"]))
        return [KeepTogether(parts)]
    head = [Paragraph(_text(column), styles["head"]) for column in table.columns]
    body = [[Paragraph(_text(cell), styles["cell"]) for cell in row] for row in table.rows]
    drawn = PdfTable([head, *body], colWidths=_widths(table, width), repeatRows=1, hAlign="LEFT")
    style = [
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    style += [("BACKGROUND", (0, n), (-1, n), ZEBRA) for n in range(2, len(body) + 1, 2)]
    drawn.setStyle(TableStyle(style))
    parts.append(drawn)
    # A short table stays with its title; a long one starts under it and runs on, its head
    # repeated on each page.
    return [KeepTogether(parts)] if len(body) <= 12 else parts


def _chart(chart: Chart, width: float) -> Drawing:
    """The SVG chart's bars, flipped: SVG counts y down from the top, PDF up from the bottom."""
    regular, _bold = _fonts()
    scale = width / chart.width
    drawing = Drawing(width, chart.height * scale)

    def y(value: float) -> float:
        return (chart.height - value) * scale

    drawing.add(String(0, y(10), chart.title, fontName=regular, fontSize=9, fillColor=INK))
    drawing.add(Line(chart.left * scale, y(chart.base), width, y(chart.base), strokeColor=INK))
    drawing.add(Line(chart.left * scale, y(chart.top_y), width, y(chart.top_y), strokeColor=RULE))
    tick = {"fontName": regular, "fontSize": 7, "fillColor": MUTED}
    drawing.add(String((chart.left - 6) * scale, y(chart.top_y + 3), f"{chart.top:,}",
                       textAnchor="end", **tick))  # fmt: skip
    drawing.add(String((chart.left - 6) * scale, y(chart.base), "0", textAnchor="end", **tick))
    for bar in chart.bars:
        if bar.height:
            drawing.add(
                Rect(
                    bar.x * scale,
                    y(bar.y + bar.height),
                    bar.width * scale,
                    bar.height * scale,
                    fillColor=BAR,
                    strokeColor=None,
                )
            )
    drawing.add(String(chart.left * scale, y(chart.height - 6), chart.first_label, **tick))
    drawing.add(String(width, y(chart.height - 6), chart.last_label, textAnchor="end", **tick))
    return drawing


def render(report: Monthly) -> bytes:
    """The report as the bytes of a PDF file."""
    styles = _styles()
    out = io.BytesIO()
    page = landscape(A4)
    document = SimpleDocTemplate(
        out,
        pagesize=page,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=report.title,
        author=report.organisation.name,
        subject=_("Monthly report"),
        creator="Groundswell",
        lang="en",
    )
    width = page[0] - 28 * mm
    totals = report.totals
    story: list[Any] = [
        Paragraph(_text(report.title), styles["title"]),
        Spacer(0, 3 * mm),
        Paragraph(
            _text(
                _(
                    "%(actions)s actions by supporters, %(outcomes)s outcomes and %(hours)s "
                    "staff hours from %(first)s to %(last)s. Figures are totals: no supporter "
                    "and no one person's time is named."
                )
                % {
                    "actions": f"{totals['actions']:,}",
                    "outcomes": f"{totals['outcomes']:,}",
                    "hours": totals["hours"],
                    "first": report.first.isoformat(),
                    "last": report.last.isoformat(),
                }
            ),
            styles["body"],
        ),
        Spacer(0, 4 * mm),
    ]
    half = (width - 8 * mm) / 2
    pictures = [_chart(chart, half) for chart in report.charts]
    if pictures:
        row = PdfTable([pictures], colWidths=[half + 8 * mm, half], hAlign="LEFT")
        row.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        story += [row, Paragraph(_text(_("The numbers of both charts are in the “Day by day” "
                                         "table.")), styles["note"])]  # fmt: skip
    for table in report.tables:
        story += _table(table, styles, width)
    made = timezone.localtime().strftime("%Y-%m-%d %H:%M")

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(styles["note"].fontName, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(14 * mm, 8 * mm, f"{report.organisation.name} · {report.month}")
        canvas.drawRightString(
            page[0] - 14 * mm, 8 * mm, _("Page %(n)d · made %(when)s") % {"n": doc.page,
                                                                          "when": made}
        )  # fmt: skip
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()

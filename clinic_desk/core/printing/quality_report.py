"""The quality reports as PDF (F7, G3): the weekly complaint feedback, the monthly
analysis for the director, the quarterly and yearly summaries.

The service (``core/services/quality.py``) gathers the figures and writes every word
in the reader's language; this module only lays them out: tables, key figures,
lists, and bar charts of a metric's trend with its target as a dashed line
(``reportlab.graphics``, no other charting library), all in the bundled CJK font so
Chinese labels render on the charts as in the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from reportlab.graphics import renderPDF
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.lib import colors

from clinic_desk.core.printing import fonts
from clinic_desk.core.printing.fonts import printable, text_width
from clinic_desk.core.printing.layout import (
    LIGHT,
    Flow,
    lines_height,
    masthead,
    page_footer,
    render,
    wrap_lines,
)
from clinic_desk.core.printing.layout import (
    Line as TextLine,
)
from clinic_desk.core.printing.pages import page_spec

TEXT = 9.5
SMALL = 8.0
HEADING = 12.5
TITLE = 17.0
CHART_HEIGHT = 150.0
CHART_GAP = 12.0
MET = colors.HexColor("#4c8c6a")
MISSED = colors.HexColor("#c8553d")
NEUTRAL = colors.HexColor("#5b7fa6")
TARGET = colors.HexColor("#b22222")


@dataclass(frozen=True)
class Table:
    """Rows under a bold header; ``widths`` are shares of the text width.
    ``marked`` rows (a target missed, a complaint overdue) are shaded."""

    heading: str
    columns: tuple[str, ...]
    widths: tuple[float, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: str = ""  # said instead of an empty table
    marked: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Figures:
    """Label and value pairs (the period's key numbers)."""

    heading: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Notes:
    """A bulleted list (suggestions forwarded, cases), or ``empty`` when there is none."""

    heading: str
    lines: tuple[str, ...]
    empty: str = ""


@dataclass(frozen=True)
class Chart:
    """One metric's trend: a bar per period, the target as a dashed line."""

    title: str
    labels: tuple[str, ...]
    values: tuple[float | None, ...]  # None: no data (no bar)
    target: float | None
    target_label: str = ""  # "Target 95%"
    higher_is_better: bool = True
    value_format: str = "%.0f"
    percent: bool = False  # the axis runs 0-100


@dataclass(frozen=True)
class Charts:
    heading: str
    charts: tuple[Chart, ...]
    no_data: str = "No data"


Section = Table | Figures | Notes | Charts


@dataclass(frozen=True)
class QualityReport:
    clinic_name: str
    title: str
    period: str  # "2026-11-01 – 2026-11-30"
    made: str  # "Made 2026-12-01 09:30 by 王丽"
    sections: tuple[Section, ...] = field(default_factory=tuple)
    footer: str = ""
    page: str = "Page {n} / {total}"


# -- tables ---------------------------------------------------------------------------------


def _cells(
    row: Sequence[str], widths: Sequence[float], size: float, bold: bool
) -> list[list[TextLine]]:
    return [
        wrap_lines(text, size, max(width - 6, size), bold=bold)
        for text, width in zip(row, widths, strict=False)
    ]


def _draw_row(
    flow: Flow, cells: list[list[TextLine]], widths: Sequence[float], shade: bool
) -> None:
    height = max((lines_height(c) for c in cells), default=TEXT * 1.3) + 4
    if height > flow.room():
        flow.new_page()
    top = flow.y
    if shade and not flow.measuring:
        flow.c.saveState()
        flow.c.setFillGray(LIGHT)
        flow.c.rect(flow.left, top - height, flow.width, height, stroke=0, fill=1)
        flow.c.restoreState()
    x = flow.left
    for lines, width in zip(cells, widths, strict=False):
        flow.y = top - 2
        for line in lines:
            flow.draw_line(line, x + 3)
            flow.y -= line.height
        x += width
    flow.y = top - height
    flow.hline(flow.y, width=0.3)
    flow.at_top = False


def _table(flow: Flow, table: Table) -> None:
    flow.heading(table.heading, HEADING, space=8)
    if not table.rows:
        flow.text(table.empty, TEXT, grey=True)
        return
    total = sum(table.widths) or 1.0
    widths = [flow.width * w / total for w in table.widths]
    header = _cells(table.columns, widths, SMALL, True)
    _draw_row(flow, header, widths, True)
    for index, row in enumerate(table.rows):
        cells = _cells(row, widths, SMALL, False)
        height = max((lines_height(c) for c in cells), default=0) + 4
        if height > flow.room():
            flow.new_page()
            _draw_row(flow, header, widths, True)  # the header again on the new page
        _draw_row(flow, cells, widths, index in table.marked)


# -- charts ---------------------------------------------------------------------------------


def _axis_max(chart: Chart) -> float:
    if chart.percent:
        return 100.0
    top = max([v for v in chart.values if v is not None] + [chart.target or 0.0, 1.0])
    return float(top) * 1.2


def _chart_drawing(chart: Chart, width: float, height: float, no_data: str) -> Drawing:
    font = fonts.register_fonts()
    d = Drawing(width, height)
    d.add(String(0, height - 11, printable(chart.title), fontName=font, fontSize=9))
    bars = VerticalBarChart()
    bars.x, bars.y = 26, 28
    bars.width, bars.height = width - 32, height - 50
    bars.data = [list(chart.values)]
    bars.valueAxis.valueMin = 0
    bars.valueAxis.valueMax = _axis_max(chart)
    bars.valueAxis.labels.fontName = font
    bars.valueAxis.labels.fontSize = 6
    bars.valueAxis.strokeWidth = 0.4
    bars.categoryAxis.categoryNames = [printable(label) for label in chart.labels]
    bars.categoryAxis.labels.fontName = font
    bars.categoryAxis.labels.fontSize = 5.5
    bars.categoryAxis.labels.angle = 40 if len(chart.labels) > 8 else 0
    bars.categoryAxis.labels.boxAnchor = "ne" if len(chart.labels) > 8 else "n"
    bars.categoryAxis.strokeWidth = 0.4
    bars.barLabelFormat = chart.value_format
    bars.barLabels.fontName = font
    bars.barLabels.fontSize = 5.5
    bars.barLabels.nudge = 5
    bars.bars.strokeWidth = 0
    for i, value in enumerate(chart.values):
        good = (
            None
            if value is None or chart.target is None
            else (value >= chart.target if chart.higher_is_better else value <= chart.target)
        )
        bars.bars[(0, i)].fillColor = NEUTRAL if good is None else MET if good else MISSED
    d.add(bars)
    if chart.target is not None:
        top = bars.valueAxis.valueMax
        y = bars.y + bars.height * min(chart.target, top) / top
        d.add(
            Line(
                bars.x,
                y,
                bars.x + bars.width,
                y,
                strokeColor=TARGET,
                strokeWidth=0.9,
                strokeDashArray=[3, 2],
            )
        )
        # Beside the title, clear of the bars and their figures.
        label = printable(chart.target_label)
        d.add(
            String(
                width - text_width(label, 7),
                height - 11,
                label,
                fontName=font,
                fontSize=7,
                fillColor=TARGET,
            )
        )
    if all(v is None for v in chart.values):
        d.add(
            String(
                bars.x + bars.width / 2,
                bars.y + bars.height / 2,
                printable(no_data),
                fontName=font,
                fontSize=8,
                textAnchor="middle",
                fillColor=colors.grey,
            )
        )
    return d


def _charts(flow: Flow, charts: Charts) -> None:
    flow.need(CHART_HEIGHT + HEADING * 3)  # the heading stays with the first charts
    flow.heading(charts.heading, HEADING, space=8)
    per_row = 2
    width = (flow.width - CHART_GAP * (per_row - 1)) / per_row
    for start in range(0, len(charts.charts), per_row):
        flow.need(CHART_HEIGHT)
        if CHART_HEIGHT > flow.room():
            flow.new_page()
        x = flow.left
        for chart in charts.charts[start : start + per_row]:
            # The measuring pass needs only the room a chart takes.
            if not flow.measuring:
                drawing = _chart_drawing(chart, width, CHART_HEIGHT, charts.no_data)
                renderPDF.draw(drawing, flow.c, x, flow.y - CHART_HEIGHT)
            x += width + CHART_GAP
        flow.y -= CHART_HEIGHT + 6
        flow.at_top = False


# -- the document ---------------------------------------------------------------------------


def quality_report_pdf(report: QualityReport, *, paper: str = "A4") -> bytes:
    spec = page_spec(paper)

    def draw(flow: Flow) -> None:
        masthead(flow, report.clinic_name, report.title, name_size=10, title_size=TITLE)
        flow.text(report.period, TEXT, bold=True)
        flow.text(report.made, SMALL, grey=True)
        for section in report.sections:
            if isinstance(section, Table):
                _table(flow, section)
            elif isinstance(section, Figures):
                flow.heading(section.heading, HEADING, space=8)
                flow.fields(list(section.rows), TEXT, label_share=0.55)
            elif isinstance(section, Notes):
                flow.heading(section.heading, HEADING, space=8)
                if section.lines:
                    flow.bullets(section.lines, TEXT)
                else:
                    flow.text(section.empty, TEXT, grey=True)
            else:
                _charts(flow, section)

    footer = page_footer(report.footer, width=spec.inner_width, page_label=report.page)
    return render(spec, title=report.title, draw=draw, footer=footer, subject=report.period)

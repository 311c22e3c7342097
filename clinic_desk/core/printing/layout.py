"""What the hand-outs, letters and forms share: the clinic's details, and a writer that
fills pages top to bottom. The day list and the recovery kit, which lay out their own
pages, share the small pieces (``fill``, ``day_text``, ``document_canvas``).

``Flow`` wraps every text (nothing is ever cut short: ``wrap`` gets no line
limit), starts a new page when the next line does not fit, and draws the
document's header and footer on every page. The page count ("Page 2 / 3")
needs the layout done once before it is drawn, so ``render`` lays the document
out twice; the second pass also cuts each piece of a continuous label roll to
the length the first pass used.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.pdfgen.canvas import Canvas

from clinic_desk.core.printing import fonts
from clinic_desk.core.printing.fonts import draw_text, printable, text_width, wrap
from clinic_desk.core.printing.pages import PageSpec

ALL = 10_000  # "no limit" for wrap(): nothing on these documents is cut short
GREY = 0.35
RULE_GREY = 0.6
LIGHT = 0.9
LEADING = 1.3


def fill(template: str, **values: object) -> str:
    """``template.format(**values)``, or the template itself if a translation broke it."""
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError):
        return template


def day_text(template: str, day: date, weekdays: Sequence[str] = ()) -> str:
    """``day`` through a translated template: {year}, {month}, {day} as numbers, {date} as
    ISO and {weekday} from ``weekdays`` (Monday first; "" unless all seven are given)."""
    weekday = weekdays[day.weekday()] if len(weekdays) == 7 else ""
    return fill(
        template,
        year=day.year,
        month=day.month,
        day=day.day,
        weekday=weekday,
        date=day.isoformat(),
    ).strip()


def document_canvas(
    out: io.BytesIO,
    *,
    pagesize: tuple[float, float],
    title: str,
    subject: str = "",
    measuring: bool = False,
) -> Canvas:
    """A canvas with the document's metadata. A measuring canvas (the first of a
    two-pass layout) draws no text and is never saved: see ``fonts.measuring_canvas``."""
    make = fonts.measuring_canvas if measuring else fonts.new_canvas
    c = make(out, pagesize=pagesize, pageCompression=1)
    c.setTitle(printable(title))
    c.setAuthor("ClinicDesk")
    c.setCreator("ClinicDesk")
    if subject:
        c.setSubject(printable(subject))
    return c


@dataclass(frozen=True)
class ClinicInfo:
    """The clinic as printed on what patients take home (settings and rosters)."""

    name: str
    phone: str = ""
    address: str = ""
    hours: str = ""  # the clinic's own words for its opening hours, if it wrote them
    # Otherwise from the doctors' weekly rosters: (weekday 0 = Monday, "08:00–12:00, ...").
    weekly_hours: tuple[tuple[int, str], ...] = ()
    qr: str = ""  # what the QR code holds (a vCard, or the clinic's own link); "" = none


def hours_lines(info: ClinicInfo, weekdays: Sequence[str], day_range: str) -> list[str]:
    """Opening hours as lines: the clinic's text, or runs of weekdays with the same hours."""
    if info.hours.strip():
        return [line.strip() for line in info.hours.splitlines() if line.strip()]
    days = sorted(info.weekly_hours)
    lines: list[str] = []
    i = 0
    while i < len(days):
        j = i
        # A run of consecutive weekdays with the same hours reads "Mon–Fri".
        while (
            j + 1 < len(days) and days[j + 1][0] == days[j][0] + 1 and days[j + 1][1] == days[i][1]
        ):
            j += 1

        def name(d: int) -> str:
            return weekdays[d] if len(weekdays) == 7 and 0 <= d < 7 else str(d + 1)

        first, last = name(days[i][0]), name(days[j][0])
        when = first if i == j else fill(day_range, first=first, last=last)
        lines.append(f"{when}  {days[i][1]}")
        i = j + 1
    return lines


@dataclass(frozen=True)
class Line:
    """One wrapped line and how to draw it."""

    text: str
    size: float
    bold: bool = False
    grey: bool = False

    @property
    def height(self) -> float:
        return self.size * LEADING


def wrap_lines(
    text: str,
    size: float,
    width: float,
    *,
    bold: bool = False,
    grey: bool = False,
    keep_blank: bool = False,
) -> list[Line]:
    """``text`` wrapped to ``width``; its own line breaks are kept, blank lines dropped
    (or, with ``keep_blank``, kept as a half-line gap between paragraphs)."""
    out: list[Line] = []
    for paragraph in text.splitlines():
        clean = printable(paragraph)
        if not clean and keep_blank and out and out[-1].text:
            out.append(Line("", size * 0.5))
        if clean:
            out.extend(
                Line(s, size, bold, grey)
                for s in wrap(clean, size, max(width, size), max_lines=ALL, bold=bold)
            )
    return out


def lines_height(lines: Sequence[Line]) -> float:
    return sum(line.height for line in lines)


Draw = Callable[["Flow"], None]


@dataclass(frozen=True)
class Footer:
    """What is drawn at the foot of every page, and the height kept free for it."""

    draw: Draw
    height: float


class Flow:
    """Draws top to bottom on ``spec``-sized pages, starting new ones as needed."""

    def __init__(
        self,
        canvas: Canvas,
        spec: PageSpec,
        *,
        total_pages: int,
        page_heights: Sequence[float] | None,
        header: Draw | None,
        footer: Footer | None,
        measuring: bool = False,
    ) -> None:
        self.c = canvas
        # The first of the two passes only measures: what costs and does not move
        # the text (QR codes, pictures) may be left out of it.
        self.measuring = measuring
        self.spec = spec
        self.total_pages = total_pages
        self.page_heights = page_heights
        self.header = header
        self.footer = footer
        self.footer_height = footer.height if footer is not None else 0.0
        self.used: list[float] = []  # each page's printed length, for a continuous roll
        self.page_no = 1
        self.left = spec.margin
        self.right = spec.width - spec.margin
        self.width = self.right - self.left
        self.header_height = 0.0
        self._start_page()

    # -- pages -------------------------------------------------------------------------------

    def _start_page(self) -> None:
        heights = self.page_heights
        if heights is not None and self.page_no <= len(heights):
            height = heights[self.page_no - 1]
        else:
            height = self.spec.height
        self.page_height = height
        self.c.setPageSize((self.spec.width, height))
        self.top = height - self.spec.margin
        self.bottom = self.spec.margin + self.footer_height
        self.y = self.top
        self.at_top = True
        if self.header is not None:
            self.header(self)
            self.header_height = self.top - self.y
            self.at_top = True  # what follows the header starts the page

    def _end_page(self) -> None:
        if self.footer is not None:
            self.footer.draw(self)
        self.used.append(self.page_height - self.y + self.footer_height + self.spec.margin)
        self.c.showPage()

    def new_page(self) -> None:
        self._end_page()
        self.page_no += 1
        self._start_page()

    def finish(self) -> int:
        self._end_page()
        return self.page_no

    def room(self) -> float:
        return self.y - self.bottom

    def fresh_room(self) -> float:
        """The room on a new page, below its header."""
        return self.top - self.header_height - self.bottom

    def need(self, height: float) -> None:
        """Start a new page unless ``height`` fits (or the page is still empty)."""
        if height > self.room() and not self.at_top:
            self.new_page()

    def gap(self, height: float) -> None:
        if not self.at_top:
            self.y -= min(height, max(0.0, self.room()))

    # -- text ------------------------------------------------------------------------------

    def draw_line(self, line: Line, x: float, *, right_align: float | None = None) -> float:
        """Draw ``line`` in the line box just below ``self.y`` (which the caller moves)."""
        if not line.text:
            return 0.0
        self.c.setFillGray(GREY if line.grey else 0)
        base = self.y - line.size * 1.02
        if right_align is not None:
            x = right_align - text_width(line.text, line.size, bold=line.bold)
        width = draw_text(self.c, x, base, line.text, line.size, bold=line.bold)
        self.c.setFillGray(0)
        return width

    def lines(self, lines: Sequence[Line], *, indent: float = 0.0, keep: int = 2) -> None:
        """Draw ``lines`` one under another; the first ``keep`` stay on one page."""
        if not lines:
            return
        self.need(lines_height(lines[:keep]))
        for line in lines:
            if line.height > self.room():
                self.new_page()
            self.draw_line(line, self.left + indent)
            self.y -= line.height
            self.at_top = False

    def text(
        self,
        text: str,
        size: float,
        *,
        bold: bool = False,
        grey: bool = False,
        indent: float = 0.0,
        keep: int = 2,
        keep_blank: bool = False,
    ) -> None:
        lines = wrap_lines(
            text, size, self.width - indent, bold=bold, grey=grey, keep_blank=keep_blank
        )
        self.lines(lines, indent=indent, keep=keep)

    def heading(self, text: str, size: float, *, space: float = 0.0) -> None:
        """A bold heading, kept with at least two lines of what follows it."""
        lines = wrap_lines(text, size, self.width, bold=True)
        if not lines:
            return
        self.need(lines_height(lines) + space + size * 2.6)
        self.gap(space)
        self.lines(lines, keep=len(lines))

    def bullets(self, items: Sequence[str], size: float, *, bullet: str = "•") -> None:
        indent = text_width(bullet + "  ", size)
        for item in items:
            lines = wrap_lines(item, size, self.width - indent)
            if not lines:
                continue
            self.need(lines_height(lines[:2]))
            first = True
            for line in lines:
                if line.height > self.room():
                    self.new_page()
                if first:
                    self.draw_line(Line(bullet, size), self.left)
                    first = False
                self.draw_line(line, self.left + indent)
                self.y -= line.height
                self.at_top = False

    def fields(
        self,
        rows: Sequence[tuple[str, str]],
        size: float,
        *,
        label_share: float = 0.3,
        bold_values: bool = False,
    ) -> None:
        """Label and value side by side; rows whose value is empty are left out."""
        rows = [(label, value) for label, value in rows if printable(value)]
        if not rows:
            return
        widest = max(text_width(printable(label), size) for label, _ in rows)
        label_w = min(widest + size, self.width * label_share)
        value_w = self.width - label_w
        for label, value in rows:
            label_lines = wrap_lines(label, size, label_w - size * 0.6, grey=True)
            value_lines = wrap_lines(value, size, value_w, bold=bold_values)
            count = max(len(label_lines), len(value_lines))
            lead = size * LEADING
            self.need(lead * min(count, 3))
            for i in range(count):
                if lead > self.room():
                    self.new_page()
                if i < len(label_lines):
                    self.draw_line(label_lines[i], self.left)
                if i < len(value_lines):
                    self.draw_line(value_lines[i], self.left + label_w)
                self.y -= lead
                self.at_top = False
            self.y -= size * 0.25

    def hline(
        self,
        y: float,
        *,
        grey: float = RULE_GREY,
        width: float = 0.5,
        x0: float | None = None,
        x1: float | None = None,
    ) -> None:
        """A line across the text width at ``y`` (or from ``x0`` to ``x1``); ``self.y`` stays."""
        self.c.saveState()
        self.c.setStrokeGray(grey)
        self.c.setLineWidth(width)
        self.c.line(self.left if x0 is None else x0, y, self.right if x1 is None else x1, y)
        self.c.restoreState()

    def rule(self, *, gap: float = 4.0, grey: float = RULE_GREY, width: float = 0.6) -> None:
        self.y -= gap
        self.hline(self.y, grey=grey, width=width)
        self.y -= gap

    def boxed(self, text: str, size: float, *, bold: bool = True, pad: float = 5.0) -> None:
        """A sentence in a box (an allergy, a notice); a box too tall for a page flows."""
        lines = wrap_lines(text, size, self.width - 2 * pad, bold=bold)
        if not lines:
            return
        h = lines_height(lines) + 2 * pad
        if h > self.fresh_room():
            self.lines(lines)
            return
        self.need(h)
        top = self.y
        self.c.saveState()
        self.c.setLineWidth(1.2)
        self.c.rect(self.left, top - h, self.width, h, stroke=1, fill=0)
        self.c.restoreState()
        self.y -= pad
        for line in lines:
            self.draw_line(line, self.left + pad)
            self.y -= line.height
        self.y = top - h
        self.at_top = False


def render(
    spec: PageSpec,
    *,
    title: str,
    draw: Draw,
    header: Draw | None = None,
    footer: Footer | None = None,
    subject: str = "",
) -> bytes:
    """Lay the document out twice (page count, roll lengths) and return the PDF."""
    fonts.register_fonts()

    def run(out: io.BytesIO, total: int, heights: Sequence[float] | None, measure: bool) -> Flow:
        c = document_canvas(
            out,
            pagesize=(spec.width, spec.height),
            title=title,
            subject=subject,
            measuring=measure,
        )
        flow = Flow(
            c,
            spec,
            total_pages=total,
            page_heights=heights,
            header=header,
            footer=footer,
            measuring=measure,
        )
        draw(flow)
        flow.finish()
        if not measure:  # the measuring pass is never written out
            c.save()
        return flow

    first = run(io.BytesIO(), 0, None, True)
    heights = (
        [min(spec.height, max(spec.min_height, used)) for used in first.used]
        if spec.continuous
        else None
    )
    buf = io.BytesIO()
    run(buf, first.page_no, heights, False)
    return buf.getvalue()


def masthead(flow: Flow, name: str, title: str, *, name_size: float, title_size: float) -> None:
    """The clinic's name (small, grey) over the document's title, and a heavy rule."""
    flow.text(name, name_size, bold=True, grey=True, keep=ALL)
    flow.text(title, title_size, bold=True, keep=ALL)
    flow.rule(gap=3, grey=0, width=0.9)


def page_footer(text: str, *, width: float, size: float = 7.5, page_label: str = "") -> Footer:
    """A grey footer (left, wrapped to as many lines as it needs) with the page number
    (right) on every page. ``width`` is the page's inner width."""
    sample = fill(page_label, n=99, total=99) if page_label else ""
    page_w = text_width(printable(sample), size) + size if sample else 0.0
    room = max(width - page_w, size * 4)
    lines = wrap(printable(text), size, room, max_lines=ALL) if printable(text) else []
    lead = size * LEADING

    def draw(flow: Flow) -> None:
        flow.c.setFillGray(GREY)
        y = flow.spec.margin + size * 0.3 + lead * (max(len(lines), 1) - 1)
        if page_label:
            page = printable(fill(page_label, n=flow.page_no, total=flow.total_pages or "?"))
            draw_text(flow.c, flow.right - text_width(page, size), y, page, size)
        for line in lines:
            draw_text(flow.c, flow.left, y, line, size)
            y -= lead
        flow.c.setFillGray(0)

    return Footer(draw, lead * max(len(lines), 1) + size)


def fit_size(text: str, size: float, width: float, *, bold: bool = False) -> float:
    """``size``, or smaller (not below 60% of it) so that ``text`` fits on one line."""
    wide = text_width(printable(text), size, bold=bold)
    if wide <= width or wide == 0:
        return size
    return max(size * 0.6, size * width / wide * 0.98)

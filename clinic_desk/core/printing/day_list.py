"""The next day's appointment list for the triage nurse (spec A8) and a doctor's day sheet.

Both are landscape pages: seven columns (time, patient, record number, phone,
type and purpose, flags, notes) plus, on the day sheet, a blank column to write
in. In portrait the notes column would be a finger wide and every row would
wrap to three or four lines; in landscape most appointments take one or two
lines, so the nurse reads the day down the page.

Nothing is cut off: names, purposes and notes wrap, and a row too tall for a
whole page (a 5,000-character note) continues on the next one. The table
header is repeated on every page, and a doctor's heading is never left alone
at the foot of a page. The page count ("Page 2 / 5") needs the layout done
once before it is drawn, so the document is laid out twice.

All fixed words come from the caller's ``DayListLabels`` (the UI fills them in
the interface language), so the core stays free of Qt. Text is drawn with the
embedded CJK font (see ``fonts``), so Simplified and Traditional Chinese print
the same on every computer.
"""

from __future__ import annotations

import io
import math
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, tzinfo
from typing import Literal, Protocol

from reportlab.lib.pagesizes import A4, landscape, letter
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from clinic_desk.core.printing import fonts
from clinic_desk.core.printing.fonts import draw_text, printable, text_width, wrap
from clinic_desk.core.printing.layout import ALL, GREY, day_text, document_canvas, fill
from clinic_desk.core.rules.phones import format_phone

PageSize = Literal["A4", "Letter"]
PAGE_SIZES: dict[str, tuple[float, float]] = {"A4": A4, "Letter": letter}

MARGIN_X: float = 12 * mm
MARGIN_TOP: float = 12 * mm
MARGIN_BOTTOM: float = 16 * mm  # the page number sits in here
RULE_GREY = 0.55
ZEBRA_GREY = 0.94  # every other row, light enough for a cheap laser printer
HEAD_GREY = 0.86
WRITE_LINE_GREY = 0.75


# What the printout reads, as plain data. The services' DayList, DoctorDayList and
# DayListRow (``services.appointment_reports``) fit these shapes, so the printing layer
# needs nothing from the services: they call it, not the other way round.


class PrintedRow(Protocol):
    """One appointment on the list."""

    @property
    def local_time(self) -> str: ...  # "09:30", the clinic's wall clock
    @property
    def patient_name(self) -> str: ...
    @property
    def address(self) -> str: ...  # how to address the patient (spec C4)
    @property
    def phone(self) -> str: ...
    @property
    def record_no(self) -> str: ...
    @property
    def type_name(self) -> str: ...
    @property
    def purpose(self) -> str: ...
    @property
    def first_visit(self) -> bool: ...
    @property
    def special_needs(self) -> Sequence[str]: ...
    @property
    def add_on(self) -> bool: ...
    @property
    def on_holiday(self) -> bool: ...
    @property
    def notes(self) -> str: ...


class PrintedDoctor(Protocol):
    """One doctor's appointments, and whether the doctor is away that day."""

    @property
    def doctor_id(self) -> uuid.UUID: ...
    @property
    def doctor_name(self) -> str: ...
    @property
    def absence(self) -> str: ...  # "absent", "substitute" or ""
    @property
    def substitute_id(self) -> uuid.UUID | None: ...
    @property
    def rows(self) -> Sequence[PrintedRow]: ...


class PrintedDay(Protocol):
    """The day's list: when it was made, whether it is final, and each doctor's rows."""

    @property
    def day(self) -> date: ...
    @property
    def ready_at(self) -> datetime: ...
    @property
    def ready(self) -> bool: ...
    @property
    def made_at(self) -> datetime: ...
    @property
    def doctors(self) -> Sequence[PrintedDoctor]: ...
    @property
    def total(self) -> int: ...
    @property
    def add_ons(self) -> int: ...


@dataclass(frozen=True)
class DayListLabels:
    """Every fixed word on the printout, in the interface language (default English).

    Templates use ``{name}`` placeholders; a translation with a broken
    placeholder is printed as it is rather than stopping the printout.
    """

    title: str = "Next day's appointments: {day}"
    title_any_day: str = "Appointments: {day}"  # when the list is not for tomorrow
    sheet_title: str = "Day sheet for {doctor}: {day}"
    # {date} is ISO (2026-11-24); {year}, {month}, {day} are plain numbers.
    day_format: str = "{weekday} {year}-{month:02d}-{day:02d}"
    weekdays: tuple[str, ...] = (
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    )
    printed: str = "Printed {time}"
    total: str = "Appointments: {n}"
    add_ons: str = "Add-ons: {n}"
    not_final: str = "Printed before {time}: appointments booked after this are not on the list."
    page: str = "Page {n} / {total}"
    continued: str = "{name} (continued)"
    continued_row: str = "(continued)"
    no_appointments: str = "No appointments."
    absent: str = "Away this day: move these appointments or ask a colleague to see them."
    substitute: str = "Away this day: {name} sees these patients."
    substitute_unnamed: str = "Away this day: a substitute doctor sees these patients."
    col_time: str = "Time"
    col_patient: str = "Patient"
    col_record: str = "Record no."
    col_phone: str = "Phone"
    col_type: str = "Type / purpose"
    col_flags: str = "Flags"
    col_notes: str = "Notes"
    col_write: str = "Doctor's notes"
    sheet_notes: str = "Notes"
    first_visit: str = "First visit"
    add_on: str = "Add-on"
    holiday: str = "Holiday"
    elderly: str = "Elderly"
    child: str = "Child"
    disabled: str = "Disabled"
    accompanied: str = "Accompanied"
    # Appointment type names as stored (English for the built-in ones) -> as printed.
    type_names: Mapping[str, str] = field(default_factory=dict)

    def need(self, code: str) -> str:
        words = {
            "elderly": self.elderly,
            "child": self.child,
            "disabled": self.disabled,
            "accompanied": self.accompanied,
        }
        return words.get(code, code)


# -- layout values -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    text: str
    bold: bool = False
    grey: bool = False


_Line = tuple[_Span, ...]
_Cell = tuple[_Line, ...]


@dataclass(frozen=True)
class _Row:
    cells: tuple[_Cell, ...]
    shaded: bool

    @property
    def lines(self) -> int:
        return max(1, max((len(c) for c in self.cells), default=0))


@dataclass(frozen=True)
class _Style:
    size: float  # table text
    head_size: float  # column titles
    section_size: float  # a doctor's name
    widths: tuple[float, ...]  # fixed columns in points; 0 = share of what is left
    min_lines: int  # rows keep this much room (to write in, on the day sheet)
    write_column: bool  # a blank last column, ruled for handwriting
    pad_x: float = 3.0
    pad_y: float = 3.0

    @property
    def leading(self) -> float:
        return self.size * 1.32


# The nurse's list: small type, the notes column takes the rest of the width.
_LIST = _Style(9.0, 8.5, 12.0, (36, 118, 66, 86, 118, 72, 0), 1, False)
# The doctor's sheet: bigger type, notes and a blank column share the rest.
_SHEET = _Style(11.0, 10.0, 13.0, (42, 118, 80, 94, 100, 62, 0, 0), 3, True)


def _column_widths(style: _Style, width: float) -> list[float]:
    fixed = sum(style.widths)
    flexible = [i for i, w in enumerate(style.widths) if w == 0]
    rest = max(width - fixed, 60.0 * len(flexible))
    # On the sheet the blank column gets a little more than the printed notes.
    shares = [1.0] if len(flexible) == 1 else [0.45, 0.55]
    out = list(style.widths)
    for i, share in zip(flexible, shares, strict=True):
        out[i] = rest * share
    scale = width / sum(out)  # a narrower paper (Letter) shrinks every column alike
    return [w * scale for w in out]


def _lines(
    text: str, size: float, width: float, *, bold: bool = False, grey: bool = False
) -> list[_Line]:
    """Wrapped text as lines of one span; line breaks in ``text`` are kept."""
    out: list[_Line] = []
    for paragraph in text.splitlines():
        clean = printable(paragraph)
        if clean:
            out.extend(
                (_Span(s, bold, grey),) for s in wrap(clean, size, width, max_lines=ALL, bold=bold)
            )
    return out


def _words(words: Sequence[str], size: float, width: float) -> list[_Line]:
    """Short flag words, as many to a line as fit, never split inside a word if it fits."""
    lines: list[str] = []
    for word in (printable(w) for w in words):
        if not word:
            continue
        if lines and text_width(lines[-1] + "  " + word, size, bold=True) <= width:
            lines[-1] += "  " + word
        else:
            lines.extend(wrap(word, size, width, max_lines=ALL, bold=True))
    return [(_Span(s, bold=True),) for s in lines]


class _Layout:
    """Turns the service's rows into table rows for one style and page width."""

    def __init__(
        self,
        style: _Style,
        widths: list[float],
        labels: DayListLabels,
        phone_region: str,
    ) -> None:
        self.style = style
        self.widths = widths
        self.labels = labels
        self.phone_region = phone_region

    def inner(self, column: int) -> float:
        return self.widths[column] - 2 * self.style.pad_x

    def header(self) -> _Row:
        lab = self.labels
        titles = [
            lab.col_time,
            lab.col_patient,
            lab.col_record,
            lab.col_phone,
            lab.col_type,
            lab.col_flags,
            lab.col_notes,
        ]
        if self.style.write_column:
            titles.append(lab.col_write)
        size = self.style.head_size
        cells = tuple(
            tuple(_lines(t, size, self.inner(i), bold=True)) for i, t in enumerate(titles)
        )
        return _Row(cells, shaded=False)

    def row(self, r: PrintedRow, shaded: bool) -> _Row:
        size = self.style.size
        phone = format_phone(r.phone, region=self.phone_region)
        cells: list[_Cell] = [
            ((_Span(r.local_time, bold=True),),),
            self._patient(r),
            tuple(_lines(r.record_no or "—", size, self.inner(2))),
            tuple(_lines(phone, size, self.inner(3))),
            self._type(r),
            tuple(_words(self._flags(r), size, self.inner(5))),
            tuple(_lines(r.notes, size, self.inner(6))),
        ]
        if self.style.write_column:
            cells.append(())  # left blank for the doctor's pen
        return _Row(tuple(cells), shaded=shaded)

    def _patient(self, r: PrintedRow) -> _Cell:
        size, width = self.style.size, self.inner(1)
        name = printable(r.patient_name) or "—"
        address = printable(r.address)
        names = wrap(name, size, width, max_lines=ALL, bold=True)
        if not address or address == name:
            return tuple((_Span(s, bold=True),) for s in names)
        # The form of address follows the name on its line when it fits: "张三  张先生".
        gap = "  "
        last = names[-1]
        if text_width(last, size, bold=True) + text_width(gap + address, size) <= width:
            spans = [(_Span(s, bold=True),) for s in names[:-1]]
            return (*spans, (_Span(last, bold=True), _Span(gap + address)))
        return tuple([(_Span(s, bold=True),) for s in names] + _lines(address, size, width))

    def _type(self, r: PrintedRow) -> _Cell:
        size, width = self.style.size, self.inner(4)
        type_name = printable(self.labels.type_names.get(r.type_name, r.type_name))
        purpose = printable(r.purpose)
        # "普通门诊  复诊" on one line when it fits: most rows then take a single line.
        if type_name and purpose:
            joined = text_width(type_name + "  " + purpose, size)
            if joined <= width and "\n" not in r.purpose:
                return ((_Span(type_name), _Span("  " + purpose, grey=True)),)
        # The purpose is grey under a type name, black when it stands alone.
        grey = bool(type_name)
        return tuple(_lines(type_name, size, width) + _lines(r.purpose, size, width, grey=grey))

    def _flags(self, r: PrintedRow) -> list[str]:
        lab = self.labels
        words = []
        if r.first_visit:
            words.append(lab.first_visit)
        if r.add_on:
            words.append(lab.add_on)
        words.extend(lab.need(n) for n in r.special_needs)
        if r.on_holiday:
            words.append(lab.holiday)
        return words


def _split(row: _Row, lines: int, continued: str) -> tuple[_Row, _Row]:
    """The first ``lines`` lines of a too-tall row, and the rest, marked as continued."""
    head = tuple(c[:lines] for c in row.cells)
    rest = [c[lines:] for c in row.cells]
    time = row.cells[0][0][0].text if row.cells and row.cells[0] else ""
    rest[0] = ((_Span(time, grey=True),), (_Span(continued, grey=True),))
    return replace(row, cells=head), replace(row, cells=tuple(rest))


# -- drawing -----------------------------------------------------------------------------------


@dataclass
class _Page:
    width: float
    height: float

    @property
    def left(self) -> float:
        return MARGIN_X

    @property
    def right(self) -> float:
        return self.width - MARGIN_X

    @property
    def top(self) -> float:
        return self.height - MARGIN_TOP

    @property
    def bottom(self) -> float:
        return MARGIN_BOTTOM


class _Writer:
    """Draws top to bottom, starting new pages (footer, running header, table header)."""

    def __init__(
        self,
        canvas: Canvas,
        page: _Page,
        layout: _Layout,
        *,
        running: str,
        total_pages: int,
    ) -> None:
        self.c = canvas
        self.p = page
        self.layout = layout
        self.style = layout.style
        self.labels = layout.labels
        self.running = running
        self.total_pages = total_pages
        self.page_no = 1
        self.y = page.top
        self.at_page_top = True
        # What to repeat after a page break inside a doctor's section.
        self.section: str | None = None

    # pages

    def _footer(self) -> None:
        text = printable(fill(self.labels.page, n=self.page_no, total=self.total_pages or "?"))
        size = 8.5
        self.c.setFillGray(GREY)
        draw_text(self.c, self.p.right - text_width(text, size), self.p.bottom - 18, text, size)
        left = wrap(printable(self.running), size, self.p.right - self.p.left - 120, max_lines=1)
        if left:
            draw_text(self.c, self.p.left, self.p.bottom - 18, left[0], size)
        self.c.setFillGray(0)

    def finish(self) -> int:
        self._footer()
        self.c.showPage()
        return self.page_no

    def new_page(self) -> None:
        self._footer()
        self.c.showPage()
        self.page_no += 1
        self.y = self.p.top
        self.at_page_top = True
        if self.section is not None:
            self._section_heading(
                fill(self.labels.continued, name=self.section), "", continued=True
            )
            self.table_header()

    def room(self) -> float:
        return self.y - self.p.bottom

    # text blocks

    def text(
        self, text: str, size: float, *, bold: bool = False, grey: bool = False, gap: float = 0
    ) -> None:
        width = self.p.right - self.p.left
        lines = wrap(printable(text), size, width, max_lines=ALL, bold=bold)
        self.y -= gap
        for line in lines:
            if self.room() < size * 1.3:
                self.new_page()
            self.y -= size * 1.3
            self.c.setFillGray(GREY if grey else 0)
            draw_text(self.c, self.p.left, self.y + size * 0.25, line, size, bold=bold)
        self.c.setFillGray(0)
        self.at_page_top = False

    def rule(self, gap: float = 6) -> None:
        self.y -= gap
        self.c.saveState()
        self.c.setStrokeGray(RULE_GREY)
        self.c.setLineWidth(0.75)
        self.c.line(self.p.left, self.y, self.p.right, self.y)
        self.c.restoreState()

    def notice(self, text: str) -> None:
        """A boxed bold sentence: the doctor is away that day."""
        size, pad = self.style.size, 5.0
        width = self.p.right - self.p.left
        lines = wrap(printable(text), size, width - 2 * pad, max_lines=ALL, bold=True)
        h = len(lines) * size * 1.3 + 2 * pad
        self.y -= 3
        self.c.saveState()
        self.c.setLineWidth(1.2)
        self.c.rect(self.p.left, self.y - h, width, h, stroke=1, fill=0)
        self.c.restoreState()
        y = self.y - pad - size
        for line in lines:
            draw_text(self.c, self.p.left + pad, y, line, size, bold=True)
            y -= size * 1.3
        self.y -= h + 2

    def _section_heading(self, name: str, detail: str, *, continued: bool = False) -> None:
        size = self.style.size if continued else self.style.section_size
        if not self.at_page_top:
            self.y -= size * 1.1
        width = self.p.right - self.p.left
        detail_text = printable(detail)
        detail_w = text_width("   " + detail_text, self.style.size) if detail_text else 0.0
        lines = wrap(printable(name), size, width - detail_w, max_lines=ALL, bold=True)
        for i, line in enumerate(lines):
            self.y -= size * 1.3
            self.c.setFillGray(GREY if continued else 0)
            drawn = draw_text(self.c, self.p.left, self.y + size * 0.3, line, size, bold=True)
            if i == len(lines) - 1 and detail_text:
                self.c.setFillGray(GREY)
                draw_text(
                    self.c,
                    self.p.left + drawn,
                    self.y + size * 0.3,
                    "   " + detail_text,
                    self.style.size,
                )
        self.c.setFillGray(0)
        self.y -= 3
        self.at_page_top = False

    def section_height(self, name: str) -> float:
        size = self.style.section_size
        lines = wrap(printable(name), size, self.p.right - self.p.left, max_lines=ALL, bold=True)
        return len(lines) * size * 1.3 + size * 1.1 + 3

    # the table

    def row_height(self, row: _Row, *, head: bool = False) -> float:
        leading = self.style.head_size * 1.3 if head else self.style.leading
        lines = row.lines if head else max(row.lines, self.style.min_lines)
        return lines * leading + 2 * self.style.pad_y

    def table_header(self) -> None:
        self._draw_row(self.layout.header(), head=True)

    def _draw_row(self, row: _Row, *, head: bool = False) -> None:
        c, st = self.c, self.style
        size = st.head_size if head else st.size
        leading = size * 1.3 if head else st.leading
        h = self.row_height(row, head=head)
        top, bottom = self.y, self.y - h
        width = self.p.right - self.p.left
        if head or row.shaded:
            c.saveState()
            c.setFillGray(HEAD_GREY if head else ZEBRA_GREY)
            c.rect(self.p.left, bottom, width, h, stroke=0, fill=1)
            c.restoreState()
        x = self.p.left
        for i, cell in enumerate(row.cells):
            if st.write_column and not head and i == len(row.cells) - 1:
                self._write_lines(x, top, bottom, self.layout.widths[i])
            y = top - st.pad_y - size
            for line in cell:
                cx = x + st.pad_x
                for span in line:
                    c.setFillGray(GREY if span.grey else 0)
                    cx += draw_text(c, cx, y + size * 0.12, span.text, size, bold=span.bold)
                y -= leading
            x += self.layout.widths[i]
        c.setFillGray(0)
        c.saveState()
        c.setStrokeGray(0 if head else RULE_GREY)
        c.setLineWidth(0.8 if head else 0.4)
        c.line(self.p.left, bottom, self.p.right, bottom)
        if st.write_column:  # the blank column is boxed so it reads as a place to write
            wx = self.p.right - self.layout.widths[-1]
            c.line(wx, top, wx, bottom)
        c.restoreState()
        self.y = bottom
        self.at_page_top = False

    def _write_lines(self, x: float, top: float, bottom: float, width: float) -> None:
        c, st = self.c, self.style
        c.saveState()
        c.setStrokeGray(WRITE_LINE_GREY)
        c.setLineWidth(0.3)
        c.setDash(1, 2)
        y = top - st.pad_y - st.leading
        while y > bottom + st.pad_y:
            c.line(x + st.pad_x, y, x + width - st.pad_x, y)
            y -= st.leading
        c.restoreState()

    def _fresh_room(self) -> float:
        """The table's height on a new page, below the repeated headings."""
        cont = self.style.size * 1.3 + 3
        return self.p.top - self.p.bottom - cont - self.row_height(self.layout.header(), head=True)

    def table_row(self, row: _Row) -> None:
        st = self.style
        while True:
            h = self.row_height(row)
            if h <= self.room():
                self._draw_row(row)
                return
            if h <= self._fresh_room():
                self.new_page()
                self._draw_row(row)
                return
            # Taller than a page (a very long note): fill this page, go on over the next.
            fit = math.floor((self.room() - 2 * st.pad_y) / st.leading)
            if fit < 2:
                self.new_page()
                fit = math.floor((self.room() - 2 * st.pad_y) / st.leading)
            head, row = _split(row, fit, self.labels.continued_row)
            self._draw_row(head)
            self.new_page()

    def doctor_section(self, name: str, detail: str, notice: str, rows: Sequence[_Row]) -> None:
        # Keep the heading with the column titles and the first row (or a good part of it).
        need = self.section_height(name) + self.row_height(self.layout.header(), head=True)
        if notice:
            need += self.style.size * 2.6 + 15
        if rows:
            need += min(self.row_height(rows[0]), self.style.leading * 4)
        if not self.at_page_top and need > self.room():
            self.section = None
            self.new_page()
        self._section_heading(name, detail)
        if notice:
            self.notice(notice)
        self.section = name
        self.table_header()
        for row in rows:
            self.table_row(row)
        self.section = None

    def write_area(self, title: str, min_lines: int = 4) -> None:
        """Ruled lines for handwriting down to the foot of the last page."""
        st = self.style
        step = st.leading * 1.5
        if self.room() < st.size * 3 + step * min_lines:
            self.new_page()
        self.text(title, st.size, bold=True, gap=st.size)
        self.c.saveState()
        self.c.setStrokeGray(WRITE_LINE_GREY)
        self.c.setLineWidth(0.4)
        self.y -= step
        while self.y > self.p.bottom:
            self.c.line(self.p.left, self.y, self.p.right, self.y)
            self.y -= step
        self.c.restoreState()


# -- the documents -----------------------------------------------------------------------------


def _notice(doctor: PrintedDoctor, labels: DayListLabels, names: Mapping[uuid.UUID, str]) -> str:
    if doctor.absence == "absent":
        return labels.absent
    if doctor.absence == "substitute":
        name = names.get(doctor.substitute_id) if doctor.substitute_id else None
        return fill(labels.substitute, name=name) if name else labels.substitute_unnamed
    return ""


def _rows(layout: _Layout, rows: Sequence[PrintedRow]) -> list[_Row]:
    return [layout.row(r, shaded=i % 2 == 1) for i, r in enumerate(rows)]


def _render(
    draw: Callable[[_Writer], None],
    *,
    page_size: PageSize,
    style: _Style,
    labels: DayListLabels,
    phone_region: str,
    running: str,
    title: str,
) -> bytes:
    fonts.register_fonts()
    size = landscape(PAGE_SIZES[page_size])
    page = _Page(float(size[0]), float(size[1]))
    layout = _Layout(style, _column_widths(style, page.right - page.left), labels, phone_region)

    def run(out: io.BytesIO, total: int) -> int:
        # The counting pass only measures: no text is drawn and nothing is saved.
        c = document_canvas(out, pagesize=size, title=title, measuring=total == 0)
        writer = _Writer(c, page, layout, running=running, total_pages=total)
        draw(writer)
        pages = writer.finish()
        if total:
            c.save()
        return pages

    # First pass only counts the pages, for "Page n / N" on the second.
    total = run(io.BytesIO(), 0)
    buf = io.BytesIO()
    run(buf, total)
    return buf.getvalue()


def _header(
    w: _Writer,
    day_list: PrintedDay,
    *,
    clinic_name: str,
    title: str,
    labels: DayListLabels,
    zone: tzinfo,
    count: int,
    add_ons: int,
) -> None:
    w.text(clinic_name or "—", 16, bold=True)
    w.text(title, 13, bold=True, gap=2)
    info = "    ·    ".join(
        (
            fill(labels.printed, time=day_list.made_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")),
            fill(labels.total, n=count),
            fill(labels.add_ons, n=add_ons),
        )
    )
    w.text(info, 9.5, grey=True, gap=2)
    if not day_list.ready:
        # Printed early: later bookings will be missing, so the nurse must know.
        ready = day_list.ready_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        w.text(fill(labels.not_final, time=ready), 9.5, bold=True, gap=2)
    w.rule(6)
    w.y -= 2


def next_day_list_pdf(
    day_list: PrintedDay,
    *,
    clinic_name: str,
    labels: DayListLabels | None = None,
    page_size: PageSize = "A4",
    timezone: tzinfo = UTC,
    phone_region: str = "CN",
    staff_names: Mapping[uuid.UUID, str] | None = None,
) -> bytes:
    """A8: the day's appointments for the triage nurse, one section per doctor, as a PDF.

    ``timezone`` is the clinic's (for the printed time), ``phone_region`` the
    clinic's phone region (numbers of that region print in national form), and
    ``staff_names`` names substitute doctors who have no appointments of their own.
    """
    lab = labels or DayListLabels()
    zone = timezone
    tomorrow = day_list.made_at.astimezone(zone).date().toordinal() + 1
    template = lab.title if day_list.day.toordinal() == tomorrow else lab.title_any_day
    title = fill(template, day=day_text(lab.day_format, day_list.day, lab.weekdays))
    names = {d.doctor_id: d.doctor_name for d in day_list.doctors} | dict(staff_names or {})

    def draw(w: _Writer) -> None:
        _header(
            w,
            day_list,
            clinic_name=clinic_name,
            title=title,
            labels=lab,
            zone=zone,
            count=day_list.total,
            add_ons=day_list.add_ons,
        )
        if not day_list.doctors:
            w.text(lab.no_appointments, 11, gap=8)
        for doctor in day_list.doctors:
            w.doctor_section(
                doctor.doctor_name or "—",
                fill(lab.total, n=len(doctor.rows)),
                _notice(doctor, lab, names),
                _rows(w.layout, doctor.rows),
            )

    return _render(
        draw,
        page_size=page_size,
        style=_LIST,
        labels=lab,
        phone_region=phone_region,
        running=f"{clinic_name}  ·  {title}",
        title=title,
    )


def doctor_day_sheet_pdf(
    day_list: PrintedDay,
    doctor_id: uuid.UUID,
    *,
    clinic_name: str,
    labels: DayListLabels | None = None,
    page_size: PageSize = "A4",
    timezone: tzinfo = UTC,
    phone_region: str = "CN",
    doctor_name: str = "",
    staff_names: Mapping[uuid.UUID, str] | None = None,
) -> bytes:
    """One doctor's day: the same table in bigger type, with room to write, as a PDF.

    A doctor with no appointments that day gets a sheet saying so (named by
    ``doctor_name``, as the day list only holds doctors with appointments).
    """
    lab = labels or DayListLabels()
    zone = timezone
    doctor = next((d for d in day_list.doctors if d.doctor_id == doctor_id), None)
    name = doctor.doctor_name if doctor is not None else doctor_name
    day = day_text(lab.day_format, day_list.day, lab.weekdays)
    title = fill(lab.sheet_title, doctor=name or "—", day=day)
    names = {d.doctor_id: d.doctor_name for d in day_list.doctors} | dict(staff_names or {})
    rows = doctor.rows if doctor is not None else ()

    def draw(w: _Writer) -> None:
        _header(
            w,
            day_list,
            clinic_name=clinic_name,
            title=title,
            labels=lab,
            zone=zone,
            count=len(rows),
            add_ons=sum(1 for r in rows if r.add_on),
        )
        notice = _notice(doctor, lab, names) if doctor is not None else ""
        if notice:
            w.notice(notice)
        if not rows:
            w.text(lab.no_appointments, 12, gap=8)
        else:
            # The title names the doctor already; the section only repeats it on later pages.
            w.section = name or "—"
            w.table_header()
            for row in _rows(w.layout, rows):
                w.table_row(row)
            w.section = None
        w.write_area(lab.sheet_notes)

    return _render(
        draw,
        page_size=page_size,
        style=_SHEET,
        labels=lab,
        phone_region=phone_region,
        running=f"{clinic_name}  ·  {title}",
        title=title,
    )

"""The appointment grid: columns (a doctor on a day) and rows (time), drawn by hand.

One widget serves the day view (a column per doctor) and the week view (a
column per day for one doctor). Drawing is plain QPainter over a list of
plain appointment views, so a week of 2,000 appointments draws in a few
milliseconds. Drag moves an appointment (up/down: time, sideways: another
column); dragging its bottom edge changes its length; the page asks the
booking service, which applies the same checks as the dialog.
"""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, QLineF, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

STATUS_COLORS: dict[str, str] = {
    "booked": "#90caf9",
    "confirmed": "#64b5f6",
    "arrived": "#ffd54f",
    "in_consultation": "#ffb74d",
    "done": "#a5d6a7",
    "no_show": "#ef9a9a",
    "cancelled": "#e0e0e0",
}
HEADER_HEIGHT = 40
TIME_WIDTH = 56
EDGE = 6  # pixels at an appointment's bottom that resize instead of move
HELD_COLOR = QColor("#fff3d1")  # A10: a slot held for members
HELD_EDGE = QColor("#c8a03c")
_MINUTE = timedelta(minutes=1)


def held_tag() -> str:
    """The small tag on slots held for members (A10)."""
    return QCoreApplication.translate("AppointmentGrid", "Members")


@dataclass(frozen=True)
class Column:
    """One column: a doctor on a day."""

    doctor_id: uuid.UUID
    day: date
    title: str
    subtitle: str = ""  # "12 free" (A6), a holiday's name
    closed: bool = False  # a public holiday or closure: shaded
    working: tuple[tuple[int, int], ...] = ()  # local minutes the doctor works
    # A10: slots held for members with priority booking (local minutes), shaded.
    held: tuple[tuple[int, int], ...] = ()


@dataclass(slots=True)
class Block:
    """An appointment as drawn; ``view`` is the service's AppointmentView."""

    view: Any
    column: int
    start_minute: int
    end_minute: int
    # Overlapping appointments in a column (an add-on, a double booking that came by
    # sync) sit side by side: this one is in ``lane`` of ``lanes``.
    lane: int = 0
    lanes: int = 1
    # Where it was last drawn, as plain numbers: a QRectF per block costs more
    # than the rest of set_data (bench_calendar.py); ``rect`` makes one on demand.
    geometry: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    # Made on first paint with text: a week of 56 narrow columns shows none.
    lines: tuple[str, str] | None = None

    @property
    def rect(self) -> QRectF:
        return QRectF(*self.geometry)


_by_time = attrgetter("start_minute", "end_minute")


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Hold the cycle collector while ~2,000 blocks and rectangles are made (none in a
    cycle): left on, it ran five young-generation passes per load and draw of a week,
    and every tenth pass walks the week's rows and blocks again (bench_calendar.py)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def identity(view: Any) -> Any:
    """What names one appointment across reloads: a CalendarRow's stored id text
    (``key``), else the view's ``id``. Comparing keys parses no UUIDs."""
    key = getattr(view, "key", None)
    return view.id if key is None else key


@dataclass(slots=True)
class _BlockLayout:
    """Where every block goes for one width and time scale: the rectangles per status
    and per type colour, and the blocks wide enough for text, made once and drawn by
    every paint until the data, the width or the scale change (scrolling repaints)."""

    blocks: list[Block]  # the list it was made for (set_data makes a new one)
    key: tuple[Any, ...]
    fills: list[tuple[str, list[QRectF]]]
    strips: list[tuple[str, list[QRectF]]]
    with_text: list[Block]


def assign_lanes(blocks: list[Block]) -> None:
    """Give overlapping blocks of one column separate lanes (greedy, by start time)."""
    by_column: dict[int, list[Block]] = {}
    for block in blocks:
        by_column.setdefault(block.column, []).append(block)
    for column_blocks in by_column.values():
        column_blocks.sort(key=_by_time)
        cluster: list[Block] = []
        lane_ends: list[int] = []  # where each lane of the current cluster is free again
        cluster_end = -1
        for block in column_blocks:
            if cluster and block.start_minute >= cluster_end:
                for member in cluster:
                    member.lanes = len(lane_ends)
                cluster, lane_ends, cluster_end = [], [], -1
            for lane, end in enumerate(lane_ends):
                if end <= block.start_minute:
                    lane_ends[lane] = block.end_minute
                    block.lane = lane
                    break
            else:
                block.lane = len(lane_ends)
                lane_ends.append(block.end_minute)
            cluster.append(block)
            cluster_end = max(cluster_end, block.end_minute)
        for member in cluster:
            member.lanes = len(lane_ends)


def _elided(metrics: QFontMetrics, text: str, width: int) -> str:
    if metrics.horizontalAdvance(text) <= width:
        return text
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)


def block_lines(block: Block, zone: ZoneInfo) -> tuple[str, str]:
    """The block's two text lines: "09:30 王小明 ＋↻⚑" and its type (or purpose)."""
    if block.lines is None:
        view = block.view
        start = view.starts_at.astimezone(zone)
        flags = (
            ("＋" if view.add_on else "")
            + ("↻" if getattr(view, "series_id", None) is not None else "")
            + ("⚑" if getattr(view, "on_holiday", False) else "")
        )
        # Built-in type names are stored in English and shown translated.
        second = (
            QCoreApplication.translate("AppointmentType", view.type_name)
            if view.type_name
            else view.purpose or ""
        )
        first = f"{start.hour:02d}:{start.minute:02d} {view.patient_name} {flags}".rstrip()
        block.lines = (first, second)
    return block.lines


class AppointmentGrid(QWidget):
    """Draws columns × time; emits what the user did, never writes anything itself."""

    #: an empty slot was activated (double-click or Enter): column index, local start minute
    sig_slot_activated = Signal(int, int)
    #: an appointment was activated (double-click or Enter)
    sig_appointment_activated = Signal(object)
    #: an appointment was dropped: view, column index, new start minute, new length minutes
    sig_moved = Signal(object, int, int, int)
    #: the selection changed (a view or None)
    sig_selected = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.columns: list[Column] = []
        self.blocks: list[Block] = []
        self.zone = ZoneInfo("Asia/Shanghai")
        self.first_minute = 7 * 60
        self.last_minute = 20 * 60
        self.slot_minutes = 15
        self.row_height = 22
        self.selected: Block | None = None
        self.cursor_slot: tuple[int, int] | None = None  # (column, minute) for the keyboard
        self._drag: tuple[str, Block, QPoint, int, int] | None = None
        self._preview: tuple[int, int, int] | None = None  # column, start, minutes
        self.status_labels: dict[str, str] = {}
        self._background_cache: tuple[tuple[Any, ...], QPixmap] | None = None
        self._layout: _BlockLayout | None = None

    # -- data ---------------------------------------------------------------------------

    def set_data(
        self,
        columns: list[Column],
        appointments: list[Any],
        *,
        zone: ZoneInfo,
        slot_minutes: int,
    ) -> None:
        """Show ``appointments`` (CalendarRows, or anything with the same fields)."""
        self.columns = columns
        self.zone = zone
        self.slot_minutes = max(5, slot_minutes)
        # Keyed by the id's integer: hashing a UUID runs Python code, an int does not.
        index = {(c.doctor_id.int, c.day): i for i, c in enumerate(columns)}
        blocks: list[Block] = []
        add = blocks.append
        earliest, latest = 8 * 60, 18 * 60
        for c in columns:
            for start, end in c.working:
                earliest, latest = min(earliest, start), max(latest, end)
        with _no_cycle_collection():
            for view in appointments:
                start = view.starts_at.astimezone(zone)
                col = index.get((view.doctor_id.int, start.date()))
                if col is None:
                    continue
                s = start.hour * 60 + start.minute
                minutes = (view.ends_at - view.starts_at) // _MINUTE
                e = s + (minutes if minutes > 5 else 5)
                if s < earliest:
                    earliest = s
                if e > latest:
                    latest = e
                add(Block(view, col, s, e))
            assign_lanes(blocks)
        # The selection stays on the same appointment, found by its id once (not per row).
        selected = None
        if self.selected is not None:
            wanted = identity(self.selected.view)
            selected = next((b for b in blocks if identity(b.view) == wanted), None)
        self.selected = selected
        self.first_minute = (earliest // 60) * 60
        self.last_minute = min(24 * 60, ((latest + 59) // 60) * 60)
        self.blocks = blocks
        self._layout = None
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        rows = (self.last_minute - self.first_minute) // self.slot_minutes
        return QSize(
            TIME_WIDTH + 160 * max(1, len(self.columns)), HEADER_HEIGHT + rows * self.row_height + 2
        )

    def minimumSizeHint(self) -> QSize:
        return QSize(TIME_WIDTH + 100 * max(1, len(self.columns)), self.sizeHint().height())

    # -- geometry -----------------------------------------------------------------------

    def column_width(self) -> float:
        return (self.width() - TIME_WIDTH) / max(1, len(self.columns))

    def y_of(self, minute: int) -> float:
        return HEADER_HEIGHT + (minute - self.first_minute) / self.slot_minutes * self.row_height

    def minute_at(self, y: float) -> int:
        raw = self.first_minute + (y - HEADER_HEIGHT) / self.row_height * self.slot_minutes
        snapped = int(raw // self.slot_minutes) * self.slot_minutes
        return max(self.first_minute, min(self.last_minute - self.slot_minutes, snapped))

    def column_at(self, x: float) -> int:
        if not self.columns:
            return -1
        return max(0, min(len(self.columns) - 1, int((x - TIME_WIDTH) // self.column_width())))

    def block_rect(self, column: int, start: int, end: int) -> QRectF:
        width = self.column_width()
        left = TIME_WIDTH + column * width + 2
        return QRectF(left, self.y_of(start) + 1, width - 4, self.y_of(end) - self.y_of(start) - 2)

    # -- drawing ------------------------------------------------------------------------

    def header_top(self) -> int:
        """Where the column headers are drawn: the top of the visible part, so they stay
        in view while the day is scrolled (the grid sits in a scroll area)."""
        return max(0, self.visibleRegion().boundingRect().top())

    def moveEvent(self, event: Any) -> None:
        # Scrolling moves the grid inside its scroll area and Qt would only repaint the
        # strip that came into view, carrying the old headers along with the rest.
        super().moveEvent(event)
        self.update()

    def paintEvent(self, event: Any) -> None:
        if self.width() <= 0 or self.height() <= 0:
            return
        painter = QPainter(self)
        width = self.column_width()
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        painter.drawPixmap(0, 0, self._background(width, small))
        painter.setFont(small)
        self._paint_blocks(painter, event, width, small)
        self._paint_headers(painter, width, small)
        painter.end()

    def _background(self, width: float, small: QFont) -> QPixmap:
        """The columns, working hours, lines and hour labels, drawn once per layout.

        Kept while nothing it shows changes: every scroll step repaints the whole
        grid (the headers stay in view) and every reload redraws the same columns.
        """
        ratio = self.devicePixelRatioF()
        key = (
            self.width(),
            self.height(),
            ratio,
            # What it draws of the columns: titles and subtitles ("12 free") are the
            # headers' and change with every booking, so they are not part of the key.
            tuple((c.working, c.closed, c.held) for c in self.columns),
            held_tag(),
            self.first_minute,
            self.last_minute,
            self.slot_minutes,
            self.row_height,
            self.palette().base().color().rgba(),
            self.palette().text().color().rgba(),
            small.key(),
        )
        if self._background_cache is not None and self._background_cache[0] == key:
            return self._background_cache[1]
        pixmap = QPixmap(int(self.width() * ratio), int(self.height() * ratio))
        pixmap.setDevicePixelRatio(ratio)
        painter = QPainter(pixmap)
        self._paint_background(painter, width, small)
        painter.end()
        self._background_cache = (key, pixmap)
        return pixmap

    def _paint_background(self, painter: QPainter, width: float, small: QFont) -> None:
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        full_width, full_height = self.width(), self.height()
        # Working time white, the rest grey; closed days hatched grey.
        off_hours, working, closed = (
            QColor("#f1f1f1"),
            QColor("#ffffff"),
            QColor(200, 200, 200, 110),
        )
        for i, c in enumerate(self.columns):
            left = TIME_WIDTH + i * width
            body = QRectF(left, HEADER_HEIGHT, width, full_height - HEADER_HEIGHT)
            painter.fillRect(body, off_hours)
            for start, end in c.working:
                top, bottom = (
                    self.y_of(max(start, self.first_minute)),
                    self.y_of(min(end, self.last_minute)),
                )
                painter.fillRect(QRectF(left, top, width, bottom - top), working)
            if c.closed:
                painter.fillRect(body, closed)
        self._paint_held(painter, width, small)
        painter.setFont(small)
        hour_lines: list[QLineF] = []
        slot_lines: list[QLineF] = []
        minute = self.first_minute
        while minute <= self.last_minute:
            y = int(self.y_of(minute))
            (hour_lines if minute % 60 == 0 else slot_lines).append(
                QLineF(TIME_WIDTH, y, full_width, y)
            )
            minute += self.slot_minutes
        painter.setPen(QPen(QColor("#e0e0e0")))
        painter.drawLines(slot_lines)
        painter.setPen(QPen(QColor("#bdbdbd")))
        painter.drawLines(hour_lines)
        painter.drawLines(
            [
                QLineF(int(TIME_WIDTH + i * width), 0, int(TIME_WIDTH + i * width), full_height)
                for i in range(len(self.columns))
            ]
        )
        painter.setPen(palette.text().color())
        for minute in range(self.first_minute, self.last_minute, 60):
            painter.drawText(
                QRectF(2, self.y_of(minute), TIME_WIDTH - 6, self.row_height),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                f"{minute // 60:02d}:00",
            )

    def _paint_held(self, painter: QPainter, width: float, small: QFont) -> None:
        """A10: held slots in pale gold, each run of them tagged "Members" (会员)."""
        tag = held_tag()
        metrics = QFontMetrics(small)
        painter.setFont(small)
        for i, c in enumerate(self.columns):
            if not c.held:
                continue
            left = TIME_WIDTH + i * width
            runs: list[list[int]] = []
            for start, end in sorted(c.held):
                if runs and start <= runs[-1][1]:
                    runs[-1][1] = max(runs[-1][1], end)
                else:
                    runs.append([start, end])
            for start, end in runs:
                top = self.y_of(max(start, self.first_minute))
                bottom = self.y_of(min(end, self.last_minute))
                if bottom <= top:
                    continue
                painter.fillRect(QRectF(left, top, width, bottom - top), HELD_COLOR)
                painter.fillRect(QRectF(left, top, 3, bottom - top), HELD_EDGE)
                text_width = metrics.horizontalAdvance(tag) + 8
                box = QRectF(left + width - text_width - 3, top + 2, text_width, metrics.height())
                if box.left() <= left + 4 or box.bottom() > bottom:
                    continue  # too narrow or short for the tag: the shade says it
                painter.fillRect(box, HELD_EDGE)
                painter.setPen(QColor("#ffffff"))
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, tag)

    def _paint_headers(self, painter: QPainter, width: float, small: QFont) -> None:
        top = self.header_top()
        palette = self.palette()
        painter.fillRect(QRectF(0, top, TIME_WIDTH, HEADER_HEIGHT), palette.base())
        header_font = QFont(self.font())
        header_font.setBold(True)
        header_metrics, small_metrics = QFontMetrics(header_font), QFontMetrics(small)
        elide_width = int(width - 8)
        for i, c in enumerate(self.columns):
            rect = QRectF(TIME_WIDTH + i * width, top, width, HEADER_HEIGHT)
            painter.fillRect(rect, QColor("#fafafa") if not c.closed else QColor("#eeeeee"))
        painter.setPen(QColor("#bdbdbd"))
        painter.drawLines(
            [
                QLineF(TIME_WIDTH + i * width, top, TIME_WIDTH + i * width, top + HEADER_HEIGHT)
                for i in range(len(self.columns))
            ]
            + [QLineF(0, top + HEADER_HEIGHT, self.width(), top + HEADER_HEIGHT)]
        )
        # One font at a time: switching fonts per column costs more than the text.
        painter.setFont(header_font)
        painter.setPen(palette.text().color())
        for i, c in enumerate(self.columns):
            rect = QRectF(TIME_WIDTH + i * width + 4, top + 2, width - 8, HEADER_HEIGHT / 2 - 2)
            painter.drawText(
                rect, Qt.AlignmentFlag.AlignCenter, _elided(header_metrics, c.title, elide_width)
            )
        painter.setFont(small)
        for i, c in enumerate(self.columns):
            if not c.subtitle:
                continue
            rect = QRectF(
                TIME_WIDTH + i * width + 4,
                top + HEADER_HEIGHT / 2,
                width - 8,
                HEADER_HEIGHT / 2 - 2,
            )
            painter.setPen(QColor("#b00020") if c.closed else QColor("#616161"))
            painter.drawText(
                rect, Qt.AlignmentFlag.AlignCenter, _elided(small_metrics, c.subtitle, elide_width)
            )

    def _block_layout(self, width: float, line_height: int) -> _BlockLayout:
        """Place every block (``geometry``) and sort the rectangles by colour, once per
        data, width and scale: a week of 56 columns holds ~2,000 blocks."""
        first, slot, row = self.first_minute, self.slot_minutes, self.row_height
        key = (width, line_height, first, slot, row)
        layout = self._layout
        if layout is not None and layout.blocks is self.blocks and layout.key == key:
            return layout
        by_status: dict[str, list[QRectF]] = {}
        first_of: dict[str, Any] = {}  # each status's earliest start
        by_type: dict[str, list[QRectF]] = {}
        with_text: list[Block] = []
        lefts = [TIME_WIDTH + i * width + 2 for i in range(len(self.columns))]
        one_lane = (width - 4) / 1
        # The text area (inside the type strip and margins) must fit a few characters.
        text_height = line_height - 4
        with _no_cycle_collection():
            for block in self.blocks:
                lanes = block.lanes
                if lanes == 1:
                    lane_width = one_lane
                    left = lefts[block.column]
                else:
                    lane_width = (width - 4) / lanes
                    left = lefts[block.column] + block.lane * lane_width
                start = block.start_minute
                top = HEADER_HEIGHT + (start - first) / slot * row + 1
                height = (block.end_minute - start) / slot * row - 2
                block.geometry = (left, top, lane_width, height)
                view = block.view
                status = view.status
                rects = by_status.get(status)
                if rects is None:
                    rects = by_status[status] = []
                    first_of[status] = view.starts_at
                elif view.starts_at < first_of[status]:
                    first_of[status] = view.starts_at
                rects.append(QRectF(left, top, lane_width, height))
                type_color = getattr(view, "type_color", "")
                if type_color:
                    strips = by_type.get(type_color)
                    if strips is None:
                        strips = by_type[type_color] = []
                    strips.append(QRectF(left, top, 4, height))
                if lane_width - 9 >= 24 and height - 2 >= text_height:
                    with_text.append(block)
        # Colours in the order of their first appointment, as the rows came by start time
        # before: side-by-side blocks share a border pixel, and the later colour takes it.
        fills = sorted(by_status.items(), key=lambda item: first_of[item[0]])
        layout = _BlockLayout(self.blocks, key, fills, list(by_type.items()), with_text)
        self._layout = layout
        return layout

    def _paint_blocks(self, painter: QPainter, event: Any, width: float, small: QFont) -> None:
        # Rectangles are drawn with one call per status and per type colour (Qt clips
        # them to the exposed part); the text, the costly part, only where exposed.
        metrics = QFontMetrics(small)
        line_height = metrics.height()
        exposed = event.rect()
        layout = self._block_layout(width, line_height)
        for status, rects in layout.fills:
            color = QColor(STATUS_COLORS.get(status, "#90caf9"))
            painter.setPen(QPen(color.darker(130), 1))
            painter.setBrush(color)
            painter.drawRects(rects)
        painter.setPen(Qt.PenStyle.NoPen)
        for type_color, rects in layout.strips:
            painter.setBrush(QColor(type_color))
            painter.drawRects(rects)
        if self.selected is not None and self.selected.rect.intersects(QRectF(exposed)):
            painter.setPen(QPen(QColor("#1565c0"), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.selected.rect)
        painter.setPen(QColor("#212121"))
        top_limit, bottom_limit = exposed.top(), exposed.bottom() + 1
        left_limit, right_limit = exposed.left(), exposed.right() + 1
        for block in layout.with_text:
            left, top, lane_width, height = block.geometry
            if top > bottom_limit or top + height < top_limit:
                continue
            if left > right_limit or left + lane_width < left_limit:
                continue
            inner = block.rect.adjusted(6, 1, -3, -1)
            lines = block_lines(block, self.zone)
            shown = lines if inner.height() > line_height * 2 else lines[:1]
            y = inner.top()
            text_width = int(inner.width())
            for line in shown:
                if not line or y + line_height > inner.bottom() + 2:
                    break
                if metrics.horizontalAdvance(line) > text_width:
                    line = metrics.elidedText(line, Qt.TextElideMode.ElideRight, text_width)
                painter.drawText(
                    QRectF(inner.left(), y, inner.width(), line_height),
                    Qt.AlignmentFlag.AlignLeft,
                    line,
                )
                y += line_height
        # The drop preview and the keyboard cursor.
        if self._preview is not None:
            col, start, minutes = self._preview
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setBrush(QColor(21, 101, 192, 60))
            painter.setPen(QPen(QColor("#1565c0"), 1, Qt.PenStyle.DashLine))
            painter.drawRoundedRect(self.block_rect(col, start, start + minutes), 3, 3)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        if self.cursor_slot is not None and self.hasFocus():
            col, start = self.cursor_slot
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor("#1565c0"), 2))
            painter.drawRect(self.block_rect(col, start, start + self.slot_minutes))

    # -- mouse --------------------------------------------------------------------------

    def block_at(self, pos: QPoint) -> Block | None:
        x, y = pos.x(), pos.y()
        if y < self.header_top() + HEADER_HEIGHT:
            return None  # the headers stay on top of the blocks
        for block in reversed(self.blocks):
            left, top, width, height = block.geometry
            if left <= x < left + width and top <= y < top + height:
                return block
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        block = self.block_at(pos)
        self._select(block)
        if block is not None and event.button() == Qt.MouseButton.LeftButton:
            mode = "resize" if block.rect.bottom() - pos.y() <= EDGE else "move"
            self._drag = (mode, block, pos, block.start_minute, block.end_minute)
        elif pos.y() > self.header_top() + HEADER_HEIGHT and self.columns:
            self.cursor_slot = (self.column_at(pos.x()), self.minute_at(pos.y()))
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        if self._drag is None:
            block = self.block_at(pos)
            near_edge = block is not None and block.rect.bottom() - pos.y() <= EDGE
            self.setCursor(
                Qt.CursorShape.SizeVerCursor if near_edge else Qt.CursorShape.ArrowCursor
            )
            return
        mode, block, origin, start, end = self._drag
        minutes = end - start
        delta = round((pos.y() - origin.y()) / self.row_height) * self.slot_minutes
        if mode == "move":
            new_start = max(0, min(24 * 60 - minutes, start + delta))
            self._preview = (self.column_at(pos.x()), new_start, minutes)
        else:
            new_minutes = max(self.slot_minutes, minutes + delta)
            self._preview = (block.column, start, new_minutes)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, preview = self._drag, self._preview
        self._drag, self._preview = None, None
        self.update()
        if drag is None or preview is None:
            return
        _mode, block, _origin, start, end = drag
        column, new_start, minutes = preview
        if (column, new_start, minutes) != (block.column, start, end - start):
            self.sig_moved.emit(block.view, column, new_start, minutes)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        block = self.block_at(pos)
        if block is not None:
            self.sig_appointment_activated.emit(block.view)
        elif pos.y() > self.header_top() + HEADER_HEIGHT and self.columns:
            self.sig_slot_activated.emit(self.column_at(pos.x()), self.minute_at(pos.y()))

    # -- keyboard -----------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.columns:
            super().keyPressEvent(event)
            return
        col, minute = self.cursor_slot or (0, max(self.first_minute, 8 * 60))
        key = event.key()
        if key == Qt.Key.Key_Down:
            minute = min(self.last_minute - self.slot_minutes, minute + self.slot_minutes)
        elif key == Qt.Key.Key_Up:
            minute = max(self.first_minute, minute - self.slot_minutes)
        elif key == Qt.Key.Key_Right:
            col = min(len(self.columns) - 1, col + 1)
        elif key == Qt.Key.Key_Left:
            col = max(0, col - 1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            block = self._block_at_slot(col, minute)
            if block is not None:
                self.sig_appointment_activated.emit(block.view)
            else:
                self.sig_slot_activated.emit(col, minute)
            return
        else:
            super().keyPressEvent(event)
            return
        self.cursor_slot = (col, minute)
        self._select(self._block_at_slot(col, minute))
        self.update()

    def _block_at_slot(self, col: int, minute: int) -> Block | None:
        for block in self.blocks:
            if block.column == col and block.start_minute <= minute < block.end_minute:
                return block
        return None

    def _select(self, block: Block | None) -> None:
        if block is not self.selected:
            self.selected = block
            self.sig_selected.emit(block.view if block is not None else None)

    def local_start(self, column: int, minute: int) -> datetime:
        """The aware datetime of ``minute`` on ``column``'s day, in the clinic's zone."""
        day = self.columns[column].day
        return datetime(day.year, day.month, day.day, tzinfo=self.zone) + timedelta(minutes=minute)

    def slot_rect(self, column: int, minute: int) -> QRect:
        return self.block_rect(column, minute, minute + self.slot_minutes).toRect()

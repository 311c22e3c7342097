"""The appointment grid: columns (a doctor on a day) and rows (time), drawn by hand.

One widget serves the day view (a column per doctor) and the week view (a
column per day for one doctor). Drawing is plain QPainter over a list of
plain appointment views, so a week of 2,000 appointments draws in a few
milliseconds. Drag moves an appointment (up/down: time, sideways: another
column); dragging its bottom edge changes its length; the page asks the
booking service, which applies the same checks as the dialog.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QMouseEvent, QPainter, QPen
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


@dataclass(frozen=True)
class Column:
    """One column: a doctor on a day."""

    doctor_id: uuid.UUID
    day: date
    title: str
    subtitle: str = ""  # "12 free" (A6), a holiday's name
    closed: bool = False  # a public holiday or closure: shaded
    working: tuple[tuple[int, int], ...] = ()  # local minutes the doctor works


@dataclass
class Block:
    """An appointment as drawn; ``view`` is the service's AppointmentView."""

    view: Any
    column: int
    start_minute: int
    end_minute: int
    rect: QRectF = field(default_factory=QRectF)
    # Worked out once in set_data, not on every paint (a week holds ~2,000 blocks).
    label: str = ""
    second_line: str = ""


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

    # -- data ---------------------------------------------------------------------------

    def set_data(
        self,
        columns: list[Column],
        appointments: list[Any],
        *,
        zone: ZoneInfo,
        slot_minutes: int,
    ) -> None:
        self.columns = columns
        self.zone = zone
        self.slot_minutes = max(5, slot_minutes)
        index = {(c.doctor_id, c.day): i for i, c in enumerate(columns)}
        blocks: list[Block] = []
        earliest, latest = 8 * 60, 18 * 60
        for c in columns:
            for start, end in c.working:
                earliest, latest = min(earliest, start), max(latest, end)
        selected_id = self.selected.view.id if self.selected is not None else None
        self.selected = None
        for view in appointments:
            start = view.starts_at.astimezone(zone)
            end = view.ends_at.astimezone(zone)
            col = index.get((view.doctor_id, start.date()))
            if col is None:
                continue
            s = start.hour * 60 + start.minute
            e = s + max(5, int((end - start).total_seconds() // 60))
            earliest, latest = min(earliest, s), max(latest, e)
            flags = (
                ("＋" if view.add_on else "")
                + ("↻" if getattr(view, "series_id", None) is not None else "")
                + ("⚑" if getattr(view, "on_holiday", False) else "")
            )
            block = Block(
                view,
                col,
                s,
                e,
                label=f"{start:%H:%M} {view.patient_name} {flags}".rstrip(),
                # Built-in type names are stored in English and shown translated.
                second_line=QCoreApplication.translate("AppointmentType", view.type_name)
                if view.type_name
                else view.purpose or "",
            )
            blocks.append(block)
            if view.id == selected_id:
                self.selected = block
        self.first_minute = (earliest // 60) * 60
        self.last_minute = min(24 * 60, ((latest + 59) // 60) * 60)
        self.blocks = blocks
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

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        width = self.column_width()
        grid_pen = QPen(QColor("#e0e0e0"))
        hour_pen = QPen(QColor("#bdbdbd"))
        # Working time white, the rest grey; closed days hatched grey.
        for i, c in enumerate(self.columns):
            left = TIME_WIDTH + i * width
            body = QRectF(left, HEADER_HEIGHT, width, self.height() - HEADER_HEIGHT)
            painter.fillRect(body, QColor("#f1f1f1"))
            for start, end in c.working:
                top, bottom = (
                    self.y_of(max(start, self.first_minute)),
                    self.y_of(min(end, self.last_minute)),
                )
                painter.fillRect(QRectF(left, top, width, bottom - top), QColor("#ffffff"))
            if c.closed:
                painter.fillRect(body, QColor(200, 200, 200, 110))
        minute = self.first_minute
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        painter.setFont(small)
        while minute <= self.last_minute:
            y = self.y_of(minute)
            painter.setPen(hour_pen if minute % 60 == 0 else grid_pen)
            painter.drawLine(QPoint(TIME_WIDTH, int(y)), QPoint(self.width(), int(y)))
            if minute % 60 == 0 and minute < self.last_minute:
                painter.setPen(palette.text().color())
                painter.drawText(
                    QRectF(2, y, TIME_WIDTH - 6, self.row_height),
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                    f"{minute // 60:02d}:00",
                )
            minute += self.slot_minutes
        # Headers.
        header_font = QFont(self.font())
        header_font.setBold(True)
        for i, c in enumerate(self.columns):
            left = TIME_WIDTH + i * width
            rect = QRectF(left, 0, width, HEADER_HEIGHT)
            painter.fillRect(rect, QColor("#fafafa") if not c.closed else QColor("#eeeeee"))
            painter.setPen(QColor("#bdbdbd"))
            painter.drawLine(QPoint(int(left), 0), QPoint(int(left), self.height()))
            painter.setPen(palette.text().color())
            painter.setFont(header_font)
            painter.drawText(
                rect.adjusted(4, 2, -4, -HEADER_HEIGHT / 2),
                Qt.AlignmentFlag.AlignCenter,
                self._elide(c.title, width - 8),
            )
            painter.setFont(small)
            painter.setPen(QColor("#b00020") if c.closed else QColor("#616161"))
            painter.drawText(
                rect.adjusted(4, HEADER_HEIGHT / 2, -4, -2),
                Qt.AlignmentFlag.AlignCenter,
                self._elide(c.subtitle, width - 8),
            )
        # Appointments: only those in the exposed region (the scroll area shows a part),
        # with pens and brushes made once per status and text skipped on slivers.
        metrics = QFontMetrics(small)
        line_height = metrics.height()
        exposed = QRectF(event.rect())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        styles: dict[str, tuple[QPen, QColor]] = {}
        selected_pen = QPen(QColor("#1565c0"), 2)
        text_color = QColor("#212121")
        for block in self.blocks:
            block.rect = self.block_rect(block.column, block.start_minute, block.end_minute)
            if not block.rect.intersects(exposed):
                continue
            view = block.view
            style = styles.get(view.status)
            if style is None:
                color = QColor(STATUS_COLORS.get(view.status, "#90caf9"))
                style = styles[view.status] = (QPen(color.darker(130), 1), color)
            painter.setPen(selected_pen if block is self.selected else style[0])
            painter.setBrush(style[1])
            painter.drawRect(block.rect)
            type_color = getattr(view, "type_color", "") or ""
            if type_color:
                painter.fillRect(
                    QRectF(block.rect.left(), block.rect.top(), 4, block.rect.height()),
                    QColor(type_color),
                )
            inner = block.rect.adjusted(6, 1, -3, -1)
            if inner.width() < 24 or inner.height() < line_height - 4:
                continue  # too narrow to read: the colour says enough
            painter.setPen(text_color)
            lines = [block.label]
            if inner.height() > line_height * 2:
                lines.append(block.second_line)
            y = inner.top()
            width = int(inner.width())
            for line in lines:
                if not line or y + line_height > inner.bottom() + 2:
                    break
                if metrics.horizontalAdvance(line) > width:
                    line = metrics.elidedText(line, Qt.TextElideMode.ElideRight, width)
                painter.drawText(
                    QRectF(inner.left(), y, inner.width(), line_height),
                    Qt.AlignmentFlag.AlignLeft,
                    line,
                )
                y += line_height
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        # The drop preview and the keyboard cursor.
        if self._preview is not None:
            col, start, minutes = self._preview
            painter.setBrush(QColor(21, 101, 192, 60))
            painter.setPen(QPen(QColor("#1565c0"), 1, Qt.PenStyle.DashLine))
            painter.drawRoundedRect(self.block_rect(col, start, start + minutes), 3, 3)
        if self.cursor_slot is not None and self.hasFocus():
            col, start = self.cursor_slot
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor("#1565c0"), 2))
            painter.drawRect(self.block_rect(col, start, start + self.slot_minutes))
        painter.end()

    def _elide(self, text: str, width: float) -> str:
        return self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(width))

    # -- mouse --------------------------------------------------------------------------

    def block_at(self, pos: QPoint) -> Block | None:
        for block in reversed(self.blocks):
            if block.rect.contains(pos.toPointF()):
                return block
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        block = self.block_at(pos)
        self._select(block)
        if block is not None and event.button() == Qt.MouseButton.LeftButton:
            mode = "resize" if block.rect.bottom() - pos.y() <= EDGE else "move"
            self._drag = (mode, block, pos, block.start_minute, block.end_minute)
        elif pos.y() > HEADER_HEIGHT and self.columns:
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
        elif pos.y() > HEADER_HEIGHT and self.columns:
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

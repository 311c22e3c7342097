"""The waiting-room display (issue 6): a second monitor showing who is called.

Only queue numbers, masked honorifics (张**女士) and the doctor or room are
shown, never full names or diagnoses: the service hands this screen nothing
else. Sizes follow the window's height so the numbers read from across the
room on any monitor; light text on a dark ground for strong contrast.
"""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QFont, QKeyEvent, QMouseEvent, QResizeEvent, QScreen
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.services import reception
from clinic_desk.core.services.base import Actor, Changes, Topic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import error_text

REFRESH_MS = 10_000
CLOCK_MS = 1_000
FLASH_MS = 6_000  # a newly called number stands out for a few seconds
CALLED_ROWS = 3  # the service sends at most three
WAITING_COLUMNS = 4  # room for 欧阳**小朋友 with its number
WAITING_ROWS = 4
BACKGROUND = "#0d1b2a"  # dark navy: white on it is about 17:1
TEXT = "#ffffff"
NUMBER = "#ffd54f"  # amber numbers, about 12:1 on the background
ROOM = "#b3e5fc"
MUTED = "#cfd8dc"
FLASH_BACKGROUND = "#ffd54f"
FLASH_TEXT = "#0d1b2a"


class WaitingRoomDisplay(QWidget):
    """A top-level window for the waiting room; Esc closes it, F11 toggles full screen."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.ctx = ctx
        # Kept so the room's screen goes on updating while the desk's screen is locked:
        # it only ever reads the masked display state.
        self.opener: Actor | None = ctx.actor
        self.state: reception.DisplayState | None = None
        self.loaded = False
        self._ticket = 0
        self._newest: int | None = None
        self.setObjectName("waiting-room-display")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        # The main window's close must still quit the program while this one is open.
        self.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            f"QWidget#waiting-room-display {{ background: {BACKGROUND}; }}"
            f"QLabel {{ color: {TEXT}; background: transparent; }}"
            f"QLabel[role='number'] {{ color: {NUMBER}; }}"
            f"QLabel[role='room'] {{ color: {ROOM}; }}"
            f"QLabel[role='muted'] {{ color: {MUTED}; }}"
            f"QLabel[role='rule'] {{ background: {MUTED}; }}"
        )

        layout = QVBoxLayout(self)
        # The fonts follow the window, not the other way round: never grow past the screen.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.outer = layout
        top = QHBoxLayout()
        self.clinic_label = QLabel(self)
        self.clinic_label.setObjectName("display-clinic")
        top.addWidget(self.clinic_label, 1)
        self.clock_label = QLabel(self)
        self.clock_label.setObjectName("display-clock")
        self.clock_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.clock_label)
        layout.addLayout(top)
        layout.addWidget(self._rule())

        self.called_title = QLabel(self)
        self.called_title.setObjectName("display-called-title")
        self.called_title.setProperty("role", "muted")
        layout.addWidget(self.called_title)
        self.called_box = QWidget(self)
        called = QVBoxLayout(self.called_box)
        called.setContentsMargins(0, 0, 0, 0)
        called.setSpacing(0)
        self.called_rows: list[QWidget] = []
        self.called_labels: list[tuple[QLabel, QLabel, QLabel]] = []
        for r in range(CALLED_ROWS):
            line = QWidget(self.called_box)
            line.setObjectName(f"called-row:{r}")
            line.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
            row = QHBoxLayout(line)
            row.setContentsMargins(0, 0, 0, 0)
            number = QLabel(line)
            number.setObjectName(f"called-number:{r}")
            number.setProperty("role", "number")
            number.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            name = QLabel(line)
            name.setObjectName(f"called-name:{r}")
            room = QLabel(line)
            room.setObjectName(f"called-room:{r}")
            room.setProperty("role", "room")
            room.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            row.addWidget(number)
            row.addWidget(name, 1)
            row.addWidget(room)
            called.addWidget(line)
            self.called_rows.append(line)
            self.called_labels.append((number, name, room))
        layout.addWidget(self.called_box)
        self.nobody_called = QLabel(self)
        self.nobody_called.setObjectName("display-nobody-called")
        self.nobody_called.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.nobody_called)
        layout.addWidget(self._rule())

        self.waiting_title = QLabel(self)
        self.waiting_title.setObjectName("display-waiting-title")
        self.waiting_title.setProperty("role", "muted")
        layout.addWidget(self.waiting_title)
        grid = QGridLayout()
        self.waiting_labels: list[QLabel] = []
        for i in range(WAITING_COLUMNS * WAITING_ROWS):
            label = QLabel(self)
            label.setObjectName(f"waiting:{i}")
            grid.addWidget(label, i // WAITING_COLUMNS, i % WAITING_COLUMNS)
            self.waiting_labels.append(label)
        for c in range(WAITING_COLUMNS):
            grid.setColumnStretch(c, 1)
        layout.addLayout(grid)
        self.more_label = QLabel(self)
        self.more_label.setObjectName("display-more")
        self.more_label.setProperty("role", "muted")
        layout.addWidget(self.more_label)
        layout.addStretch(1)
        self.footer = QLabel(self)
        self.footer.setObjectName("display-footer")
        self.footer.setProperty("role", "muted")
        self.footer.setWordWrap(True)
        layout.addWidget(self.footer)

        self.flash = QTimer(self)
        self.flash.setSingleShot(True)
        self.flash.setInterval(FLASH_MS)
        self.flash.timeout.connect(self._end_flash)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.reload)
        self.timer.start()
        self.clock_timer = QTimer(self)
        self.clock_timer.setInterval(CLOCK_MS)
        self.clock_timer.timeout.connect(self._show_clock)
        self.clock_timer.start()
        ctx.sig_changes.connect(self._on_changes)
        self.resize(1280, 720)
        self.retranslate()
        self._apply_sizes()
        self.reload()

    def _rule(self) -> QLabel:
        rule = QLabel(self)
        rule.setProperty("role", "rule")
        rule.setFixedHeight(2)
        return rule

    # -- text -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Waiting room"))
        self.called_title.setText(self.tr("Now calling"))
        self.waiting_title.setText(self.tr("Waiting"))
        self.nobody_called.setText(self.tr("Please wait to be called"))
        self.footer.setText(self.tr("Please have your queue number ready. Thank you for waiting."))
        self.clinic_label.setText(str(self.ctx.clinic.setting("clinic.name"))[:60])
        self._show_clock()
        self._show_state()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _show_clock(self) -> None:
        now = self.ctx.clock().astimezone(self.ctx.clinic.timezone())
        self.clock_label.setText(now.strftime("%Y-%m-%d  %H:%M"))

    # -- sizes ----------------------------------------------------------------------------

    def _font(self, label: QLabel, pixels: float, *, bold: bool = False) -> None:
        font = QFont(label.font())
        font.setPixelSize(max(10, int(pixels)))
        font.setBold(bold)
        label.setFont(font)

    def _apply_sizes(self) -> None:
        """Everything in proportion to the window, so it reads from across the room."""
        # A very wide or narrow window sizes by the 16:9 part of it, so nothing is cut off.
        unit = min(self.height(), self.width() * 9 / 16)
        margin = int(unit * 0.03)
        self.outer.setContentsMargins(margin * 2, margin, margin * 2, margin)
        self.outer.setSpacing(int(unit * 0.008))
        self._font(self.clinic_label, unit * 0.05, bold=True)
        self._font(self.clock_label, unit * 0.05, bold=True)
        for label in (self.called_title, self.waiting_title):
            self._font(label, unit * 0.035)
        for r, (number, name, room) in enumerate(self.called_labels):
            scale = 1.0 if r == 0 else 0.55  # the newest call is the biggest
            self._font(number, unit * 0.15 * scale, bold=True)
            self._font(name, unit * 0.085 * scale, bold=r == 0)
            self._font(room, unit * 0.065 * scale)
            number.setFixedWidth(int(unit * 0.32))  # the names line up in one column
        self._font(self.nobody_called, unit * 0.06)
        for label in self.waiting_labels:
            self._font(label, unit * 0.05)
        self._font(self.more_label, unit * 0.03)
        self._font(self.footer, unit * 0.025)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._apply_sizes()

    # -- showing it -----------------------------------------------------------------------

    def show_full_screen_on(self, screen: QScreen) -> None:
        """Frameless and full screen on the waiting room's monitor."""
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        self.setCursor(Qt.CursorShape.BlankCursor)  # no mouse pointer over the numbers
        self.setScreen(screen)
        self.setGeometry(screen.geometry())
        self.showFullScreen()

    def show_windowed(self) -> None:
        """One monitor only: an ordinary window to drag where it is needed (F11: full)."""
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint, False)
        self.setCursor(Qt.CursorShape.ArrowCursor)
        self.showNormal()

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.show_windowed()
        else:
            screen = self.screen()
            if screen is not None:
                self.show_full_screen_on(screen)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        if event.key() == Qt.Key.Key_F11:
            self.toggle_full_screen()
            return
        super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.toggle_full_screen()
        event.accept()

    # -- data -----------------------------------------------------------------------------

    def _actor(self) -> Actor | None:
        return self.ctx.actor or self.opener

    def reload(self) -> None:
        actor = self._actor()
        if actor is None:
            return
        self._ticket += 1
        ticket = self._ticket

        def show(state: reception.DisplayState) -> None:
            if ticket == self._ticket:
                self._got(state)

        self.ctx.runner.start(
            reception.display_state,
            self.ctx.clinic,
            actor,
            on_success=show,
            on_error=self._failed,
            owner=self,
        )

    def _failed(self, error: BaseException) -> None:
        # The last numbers stay up; the staff see why it did not refresh.
        self.footer.setText(error_text(error))

    def _got(self, state: reception.DisplayState) -> None:
        newest = state.called[0][0] if state.called else None
        if newest is not None and self.loaded and newest != self._newest:
            self._start_flash()
        self._newest = newest
        self.state = state
        self.loaded = True
        self.footer.setText(self.tr("Please have your queue number ready. Thank you for waiting."))
        self._show_state()

    def _show_state(self) -> None:
        state = self.state
        called = state.called if state is not None else ()
        waiting = state.waiting if state is not None else ()
        for r, (number, name, room) in enumerate(self.called_labels):
            if r < len(called):
                queue_no, masked, where = called[r]
                number.setText(str(queue_no))
                name.setText(masked)
                room.setText(where)
            else:
                for label in (number, name, room):
                    label.clear()
            self.called_rows[r].setVisible(r < len(called))
        self.called_box.setVisible(bool(called))
        self.nobody_called.setVisible(not called)
        shown = waiting[: len(self.waiting_labels)]
        for i, label in enumerate(self.waiting_labels):
            if i < len(shown):
                queue_no, masked = shown[i]
                label.setText(f"{queue_no}  {masked}")
            else:
                label.clear()
        more = len(waiting) - len(shown)
        self.more_label.setText(self.tr("and %n more waiting", "", more) if more > 0 else "")
        self.more_label.setVisible(more > 0)
        if not waiting:
            self.waiting_labels[0].setText(self.tr("Nobody is waiting"))

    def _start_flash(self) -> None:
        self.called_rows[0].setStyleSheet(
            f"QWidget {{ background: {FLASH_BACKGROUND}; }}"
            f"QLabel {{ color: {FLASH_TEXT}; background: transparent; }}"
        )
        self.flash.start()

    def _end_flash(self) -> None:
        self.called_rows[0].setStyleSheet("")

    def all_text(self) -> list[str]:
        """Every text on the screen (what a test checks for names and diagnoses)."""
        return [label.text() for label in self.findChildren(QLabel) if label.text()]

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.RECEPTION) and shiboken6.isValid(self):
            self.reload()

    def closeEvent(self, event: Any) -> None:
        self.timer.stop()
        self.clock_timer.stop()
        super().closeEvent(event)

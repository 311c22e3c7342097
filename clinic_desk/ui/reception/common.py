"""Pieces the desk's screens share: badges, colours, the patient search, the queue number.

The membership badge (H2) is a small tag in the tier's colour with the tier's name,
drawn after the patient's name on the board and in the doctor's queue; a suspended
membership's tag is grey and says so; expired, cancelled and non-members have none.

The words for codes come from the reception service's tables (marked in the
"Reception" context there); the short badge labels are the desk's own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, time
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    QRect,
    QSize,
    Qt,
    QTime,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.services import membership, patient_search
from clinic_desk.core.services.registry_rules import SPECIAL_NEEDS, display_name
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.common import full_error_text

BADGE_CONTEXT = "ReceptionBadge"

#: short labels for the special-need badges (B6); long ones are in registry_rules
BADGES: dict[str, str] = {
    "child": QT_TRANSLATE_NOOP("ReceptionBadge", "Child"),
    "elderly": QT_TRANSLATE_NOOP("ReceptionBadge", "Senior"),
    "disabled": QT_TRANSLATE_NOOP("ReceptionBadge", "Disability"),
    "accompanied": QT_TRANSLATE_NOOP("ReceptionBadge", "Escort"),
}

BADGE_COLORS: dict[str, str] = {
    "child": "#1565c0",
    "elderly": "#6a1b9a",
    "disabled": "#00695c",
    "accompanied": "#e65100",
}

ALERT_BG = "#c62828"
ALERT_FG = "#ffffff"
GREEN_BG = "#c8e6c9"
GREEN_FG = "#1b5e20"
GREY = "#757575"
LATE_FG = "#e65100"

#: row background by queue status (the alert and green channel colours win)
STATUS_BG: dict[str, str] = {
    "waiting": "#fff8e1",
    "called": "#e3f2fd",
    "in_consultation": "#e8eaf6",
    "sent_back": "#ffe0b2",
}

#: the patient cell's name and address, for the delegate that draws them in two colours
NAME_ROLE = int(Qt.ItemDataRole.UserRole) + 1
#: the needs cell's badge codes
BADGES_ROLE = int(Qt.ItemDataRole.UserRole) + 2
#: the colour the address is drawn in (lighter on a red alert row)
ADDRESS_COLOR_ROLE = int(Qt.ItemDataRole.UserRole) + 3
#: the patient cell's membership tag: (label, colour) from ``member_tag`` (H2)
MEMBER_ROLE = int(Qt.ItemDataRole.UserRole) + 4

#: a tier without a colour of its own, and a suspended membership
MEMBER_COLOR = "#8d6e63"
SUSPENDED_COLOR = "#9e9e9e"


def member_tag(badge: membership.Badge | None) -> tuple[str, str] | None:
    """The tag for a membership badge: (label, colour), or None for no tag."""
    if badge is None:
        return None
    if badge.status == "suspended":
        # The membership page's own word for the status ("Membership" context).
        status = QCoreApplication.translate("Membership", membership.STATUSES["suspended"])
        return f"{badge.tier_name} · {status}", SUSPENDED_COLOR
    return badge.tier_name, badge.color or MEMBER_COLOR


def member_tooltip(badge: membership.Badge | None) -> str:
    if badge is None:
        return ""
    if badge.status == "suspended":
        text = QCoreApplication.translate(
            BADGE_CONTEXT, "Member ({tier}), suspended: no benefits until it is resumed"
        )
    else:
        text = QCoreApplication.translate(BADGE_CONTEXT, "Member ({tier}) until {day}")
    return text.format(tier=badge.tier_name, day=badge.ends_on.isoformat())


def ink_on(color: str) -> QColor:
    """White or black, whichever reads better on ``color``."""
    c = QColor(color)
    if not c.isValid():
        return QColor("#ffffff")
    luminance = 0.299 * c.red() + 0.587 * c.green() + 0.114 * c.blue()
    return QColor("#000000") if luminance > 160 else QColor("#ffffff")


def pill_font(font: QFont) -> QFont:
    small = QFont(font)
    small.setPointSizeF(font.pointSizeF() * 0.85)
    small.setBold(True)
    return small


def pill_width(font: QFont, label: str) -> int:
    return QFontMetrics(pill_font(font)).horizontalAdvance(label) + 12


def paint_pill(
    painter: QPainter, x: int, rect: QRect, label: str, color: str, font: QFont
) -> int:
    """One rounded tag at ``x``, centred in ``rect``'s height; returns its width."""
    small = pill_font(font)
    m = QFontMetrics(small)
    width = m.horizontalAdvance(label) + 12
    height = min(m.height() + 4, rect.height())
    top = rect.top() + (rect.height() - height) // 2
    pill = QRect(x, top, width, height)
    painter.save()
    painter.setFont(small)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    painter.drawRoundedRect(pill, height / 2, height / 2)
    painter.setPen(ink_on(color))
    painter.drawText(pill, int(Qt.AlignmentFlag.AlignCenter), label)
    painter.restore()
    return width


def badge_text(code: str) -> str:
    """The short label for one special-need code (儿童, 长者…); unknown codes as typed."""
    if code in BADGES:
        return QCoreApplication.translate(BADGE_CONTEXT, BADGES[code])
    if code in SPECIAL_NEEDS:
        return QCoreApplication.translate("Patient", SPECIAL_NEEDS[code])
    return code


def label_of(table: dict[str, str], code: str, context: str = "Reception") -> str:
    """A code's words from one of the service's code tables, translated."""
    text = table.get(code)
    return QCoreApplication.translate(context, text) if text else code


def big_font(widget: QWidget, factor: float, *, bold: bool = True) -> QFont:
    font = QFont(widget.font())
    font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(bold)
    return font


def queue_number_label(parent: QWidget) -> QLabel:
    """The queue number, large enough to read across the counter."""
    label = QLabel(parent)
    label.setObjectName("queue-number")
    label.setFont(big_font(label, 2.6))
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setStyleSheet(f"color: {GREEN_FG};")
    label.hide()
    return label


def fit_height(dialog: QWidget) -> None:
    """Grow a dialog to its lines after they changed (wrapped ones too): never cut off."""
    layout = dialog.layout()
    if layout is None:
        return
    layout.activate()
    wanted = max(dialog.sizeHint().height(), dialog.heightForWidth(dialog.width()))
    if dialog.height() < wanted:
        dialog.resize(dialog.width(), wanted)


def local_time(ctx: AppContext, moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(ctx.clinic.timezone()).strftime("%H:%M")


class ArrivalEdit(QTimeEdit):
    """When the patient came in (B1): now unless the desk types an earlier time."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("arrived-at")
        self.setDisplayFormat("HH:mm")
        self.setMaximumWidth(self.fontMetrics().horizontalAdvance("00:00") * 3)
        now = ctx.clock().astimezone(ctx.clinic.timezone())
        self.setTime(QTime(now.hour, now.minute))
        self.touched = False
        self.timeChanged.connect(self._edited)

    def _edited(self, _time: QTime) -> None:
        self.touched = True

    def moment(self) -> datetime | None:
        """The typed time today (aware), or None when left at now: the service takes now."""
        if not self.touched:
            return None
        zone = self.ctx.clinic.timezone()
        today = self.ctx.clock().astimezone(zone).date()
        t = self.time()
        return datetime.combine(today, time(t.hour(), t.minute()), zone)


class BoardDelegate(QStyledItemDelegate):
    """Draws the patient cell (name, then the address in grey, then the membership tag)
    and the needs badges."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        pair = index.data(NAME_ROLE)
        codes = index.data(BADGES_ROLE)
        tag = index.data(MEMBER_ROLE)
        if not pair and not codes and not tag:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        foreground = index.data(Qt.ItemDataRole.ForegroundRole)
        if opt.state & QStyle.StateFlag.State_Selected:
            text_color = opt.palette.color(QPalette.ColorRole.HighlightedText)
        elif isinstance(foreground, QBrush):
            text_color = foreground.color()
        else:
            text_color = opt.palette.color(QPalette.ColorRole.Text)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = option.rect.adjusted(6, 0, -4, 0)
        painter.save()
        painter.setFont(opt.font)
        metrics = QFontMetrics(opt.font)
        if pair or tag:
            name, address = pair or (str(index.data() or ""), "")
            # The tag follows the words; a narrow column shortens the words, not the tag.
            reserve = pill_width(opt.font, tag[0]) + 8 if tag else 0
            words = rect.adjusted(0, 0, -reserve, 0)
            painter.setPen(text_color)
            align = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
            shown = metrics.elidedText(name, Qt.TextElideMode.ElideRight, max(0, words.width()))
            painter.drawText(words, int(align), shown)
            end = words.left() + metrics.horizontalAdvance(shown)
            shift = metrics.horizontalAdvance(name + "  ")
            if address and shift < words.width():
                grey = index.data(ADDRESS_COLOR_ROLE) or GREY
                if opt.state & QStyle.StateFlag.State_Selected:
                    grey = text_color.name()
                painter.setPen(QColor(grey))
                rest = words.adjusted(shift, 0, 0, 0)
                shown = metrics.elidedText(address, Qt.TextElideMode.ElideRight, rest.width())
                painter.drawText(rest, int(align), shown)
                end = rest.left() + metrics.horizontalAdvance(shown)
            if tag:
                x = min(end + 8, rect.right() - reserve + 8)
                paint_pill(painter, max(rect.left(), x), option.rect, tag[0], tag[1], opt.font)
        else:
            small = QFont(opt.font)
            small.setPointSizeF(opt.font.pointSizeF() * 0.85)
            small.setBold(True)
            painter.setFont(small)
            m = QFontMetrics(small)
            x = rect.left()
            height = m.height() + 4
            top = rect.top() + (rect.height() - height) // 2
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            for code in codes:
                label = badge_text(code)
                width = m.horizontalAdvance(label) + 12
                pill = QRect(x, top, width, height)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(BADGE_COLORS.get(code, GREY)))
                painter.drawRoundedRect(pill, height / 2, height / 2)
                painter.setPen(QColor("#ffffff"))
                painter.drawText(pill, int(Qt.AlignmentFlag.AlignCenter), label)
                x += width + 4
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Any) -> QSize:
        size = super().sizeHint(option, index)
        codes = index.data(BADGES_ROLE)
        if codes:
            m = QFontMetrics(option.font)
            width = sum(m.horizontalAdvance(badge_text(c)) + 16 for c in codes) + 12
            size.setWidth(max(size.width(), width))
        pair = index.data(NAME_ROLE)
        tag = index.data(MEMBER_ROLE)
        if pair or tag:
            m = QFontMetrics(option.font)
            words = f"{pair[0]}  {pair[1]}" if pair else str(index.data() or "")
            extra = pill_width(option.font, tag[0]) + 8 if tag else 0
            size.setWidth(max(size.width(), m.horizontalAdvance(words) + 16 + extra))
        return size


def hit_line(hit: patient_search.PatientHit) -> str:
    born = hit.birth_date.isoformat() if hit.birth_date else ""
    return "  ".join(
        p for p in (hit.record_no, display_name(hit.family_name, hit.given_name), born) if p
    )


class PatientSearch(QWidget):
    """A search box with its results below: type, Up/Down through the hits, Enter picks.

    Enter typed before the results arrive picks the first one as soon as they do,
    so a fast typist never has to press it twice.
    """

    #: Enter (or a double-click) on a hit: the ``PatientHit``
    sig_activated = Signal(object)
    #: Escape, or Down with no results: hand the keyboard to the screen below
    sig_leave = Signal()

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        describe: Callable[[patient_search.PatientHit], str] | None = None,
        rows: int = 5,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.describe = describe or hit_line
        self.hits: list[patient_search.PatientHit] = []
        self._ticket = 0
        self._enter_pending = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.line = QLineEdit(self)
        self.line.setObjectName("patient-search")
        self.line.setClearButtonEnabled(True)
        self.line.setMaxLength(100)
        layout.addWidget(self.line)
        self.results = QListWidget(self)
        self.results.setObjectName("patient-hits")
        self.results.setMaximumHeight(self.fontMetrics().height() * rows + 16)
        self.results.hide()
        self.results.itemActivated.connect(self._item_activated)
        self.results.itemDoubleClicked.connect(self._item_activated)
        layout.addWidget(self.results)
        self.status = QLabel(self)
        self.status.setObjectName("search-status")
        self.status.setStyleSheet(f"color: {GREY};")
        self.status.hide()
        layout.addWidget(self.status)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.run_search)
        self.line.textEdited.connect(self._typed)
        self.line.returnPressed.connect(self._enter)
        self.line.installEventFilter(self)

    def _typed(self, _text: str) -> None:
        self._enter_pending = False
        self._debounce.start()

    def run_search(self) -> None:
        self._debounce.stop()
        actor = self.ctx.actor
        query = self.line.text()
        self._ticket += 1
        ticket = self._ticket
        if actor is None or not query.strip():
            self.show_hits([])
            return

        def show(hits: list[patient_search.PatientHit]) -> None:
            if ticket == self._ticket:  # a slower, older answer never replaces a newer one
                self.show_hits(hits)

        self.ctx.runner.start(
            patient_search.search_patients,
            self.ctx.clinic,
            actor,
            query,
            limit=20,
            on_success=show,
            on_error=self._failed,
            owner=self,
        )

    def _failed(self, error: BaseException) -> None:
        self.status.setText(full_error_text(error))
        self.status.show()

    def show_hits(self, hits: list[patient_search.PatientHit]) -> None:
        self.hits = list(hits)
        self.refresh_texts()
        typed = bool(self.line.text().strip())
        self.results.setVisible(bool(hits))
        if typed and not hits:
            self.status.setText(
                QCoreApplication.translate(
                    "PatientSearch",
                    "No patient found. Check the spelling, or register a new patient.",
                )
            )
        self.status.setVisible(typed and not hits)
        if hits and self._enter_pending:
            self._enter_pending = False
            self._enter()

    def refresh_texts(self) -> None:
        """Re-describe the hits (the board changed under them)."""
        row = max(0, self.results.currentRow())
        self.results.clear()
        for hit in self.hits:
            item = QListWidgetItem(self.describe(hit))
            item.setData(Qt.ItemDataRole.UserRole, hit.id)
            self.results.addItem(item)
        if self.hits:
            self.results.setCurrentRow(min(row, len(self.hits) - 1))

    def current(self) -> patient_search.PatientHit | None:
        row = self.results.currentRow()
        if 0 <= row < len(self.hits):
            return self.hits[row]
        return self.hits[0] if self.hits else None

    def clear(self) -> None:
        self._ticket += 1
        self.line.clear()
        self.show_hits([])

    def _enter(self) -> None:
        if self._debounce.isActive() or (self.line.text().strip() and not self.hits):
            # The answer is on its way: pick its first hit when it comes.
            self._enter_pending = True
            if self._debounce.isActive():
                self.run_search()
            return
        hit = self.current()
        if hit is not None:
            self.sig_activated.emit(hit)

    def _item_activated(self, item: QListWidgetItem) -> None:
        self.results.setCurrentItem(item)
        hit = self.current()
        if hit is not None:
            self.sig_activated.emit(hit)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.line and isinstance(event, QKeyEvent):
            if event.type() != QEvent.Type.KeyPress:
                return super().eventFilter(watched, event)
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.hits:
                step = 1 if key == Qt.Key.Key_Down else -1
                row = self.results.currentRow() + step
                self.results.setCurrentRow(max(0, min(len(self.hits) - 1, row)))
                return True
            if key == Qt.Key.Key_Down or key == Qt.Key.Key_Escape:
                if key == Qt.Key.Key_Escape and self.line.text():
                    self.clear()
                self.sig_leave.emit()
                return True
        return super().eventFilter(watched, event)


class PatientFileDialog(QDialog):
    """The patient file in its own window, for changes made during check-in (B2).

    The same view the Patients screen shows; its saves broadcast as usual, so the
    check-in panel reloads the allergies and medication when it closes.
    """

    def __init__(self, ctx: AppContext, patient_id: uuid.UUID, parent: QWidget) -> None:
        from clinic_desk.ui.patients.file import PatientFileView

        super().__init__(parent)
        self.setObjectName("patient-file-dialog")
        self.resize(1100, 720)
        layout = QVBoxLayout(self)
        self.view = PatientFileView(ctx, patient_id, self)
        self.view.back_button.hide()  # no search behind it here; Esc or Close closes
        self.view.sig_back.connect(self.accept)
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.close_button = QPushButton(self)
        self.close_button.setObjectName("close-file")
        self.close_button.clicked.connect(self.accept)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Patient file"))
        self.close_button.setText(self.tr("Close"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

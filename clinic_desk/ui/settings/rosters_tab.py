"""Settings → Rosters: what the calendar is built from (spec A2, A3, I2; issue 5).

Four sub-tabs: doctors (profile, weekly hours, days off and extra hours), rooms
and devices, appointment types, and closures with the public holidays for
reference. Everyone who sees the calendar may read them; only
``Action.ROSTER_MANAGE`` (the director) gets the fields and buttons that write.
Weekly hours are typed as text ("08:00-12:00, 13:30-17:30") and checked as
they are typed with the roster service's own rules and sentences.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QEvent, QLocale, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.errors import ClinicError, ValidationError
from clinic_desk.core.rules import holidays, slots
from clinic_desk.core.rules.holidays import DayInfo
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import membership, rosters
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.services.rosters import (
    AppointmentTypeView,
    ClosureView,
    DoctorView,
    ResourceView,
    RosterBlock,
    RosterExceptionView,
    WeeklyRoster,
)
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.common import FieldsDialog, ReadOnlyTable, full_error_text, tr_code
from clinic_desk.ui.settings.common import HINT_COLOR, MessageLabel, ServiceDialog, hint_label

Span = tuple[int, int]
# How far ahead the doctor's days off and extra hours are listed.
EXCEPTION_DAYS = 91
ERROR_BORDER = "border: 1px solid #b00020;"


def weekday_name(weekday: int) -> str:
    return tr_code("Weekdays", rosters.WEEKDAY_NAMES[weekday])


def roster_error_text(error: BaseException) -> str:
    """The service's sentence, with the weekday it names in the interface language."""
    if isinstance(error, ClinicError) and ("weekday" in error.params or "where" in error.params):
        params = dict(error.params)
        for key in ("weekday", "where"):
            if params.get(key) in rosters.WEEKDAY_NAMES:
                params[key] = tr_code("Weekdays", str(params[key]))
        return QCoreApplication.translate("Errors", error.template).format(**params)
    return full_error_text(error)


def _error_weekday(error: BaseException) -> int | None:
    """Which weekday row a roster error is about, to mark it."""
    if isinstance(error, ClinicError):
        for key in ("weekday", "where"):
            value = error.params.get(key)
            if value in rosters.WEEKDAY_NAMES:
                return rosters.WEEKDAY_NAMES.index(str(value))
    return None


def span_text(start: int | None, end: int | None) -> str:
    if start is None or end is None:
        # Module-level text: a fixed context, written out so lupdate finds it.
        return QCoreApplication.translate("RostersTab", "All day")
    return f"{rosters.format_clock(start)}-{rosters.format_clock(end)}"


def spans_text(spans: Sequence[Span]) -> str:
    return ", ".join(span_text(s, e) for s, e in spans)


def hours_text(minutes: int) -> str:
    if not minutes:
        return ""
    return QCoreApplication.translate("RostersTab", "{h} h {m} min").format(
        h=minutes // 60, m=f"{minutes % 60:02d}"
    )


# -- typing weekly hours -----------------------------------------------------------------

_DASH_WITH_SPACES = re.compile(r"\s*[-–—~至到]\s*")
_SPAN_SEPARATORS = re.compile(r"[,;、\s]+")


class SpanFormatError(Exception):
    """A piece of typed hours that is not "start-end"."""

    def __init__(self, piece: str) -> None:
        super().__init__(piece)
        self.piece = piece


def parse_spans(text: str) -> list[Span]:
    """ "08:00-12:00, 13:30-17:30" -> [(480, 720), (810, 1050)].

    Full-width digits and punctuation, Chinese list commas and 至/到 are fine; a
    bad time raises the service's ``ValidationError`` (``parse_clock``), a piece
    without a dash ``SpanFormatError``. The end before the start is left for the
    service's check, which says so in its own words.
    """
    value = unicodedata.normalize("NFKC", text).strip()
    value = _DASH_WITH_SPACES.sub("-", value)
    spans: list[Span] = []
    for piece in _SPAN_SEPARATORS.split(value):
        if not piece:
            continue
        parts = piece.split("-")
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise SpanFormatError(piece[:30])
        spans.append((rosters.parse_clock(parts[0]), rosters.parse_clock(parts[1])))
    return spans


class WeekEditor(QWidget):
    """Seven weekday rows: working hours, breaks and the day's bookable total.

    Every keystroke re-checks the whole week with the roster service's rules
    (``rosters._check_blocks``: pure, no database), so the director reads the
    same sentence the save would give, before saving.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("weekEditor")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 2)
        self.day_header = QLabel(self)
        self.work_header = QLabel(self)
        self.break_header = QLabel(self)
        self.total_header = QLabel(self)
        for column, label in enumerate(
            (self.day_header, self.work_header, self.break_header, self.total_header)
        ):
            font = label.font()
            font.setBold(True)
            label.setFont(font)
            grid.addWidget(label, 0, column)
        self.day_labels: list[QLabel] = []
        self.work_edits: list[QLineEdit] = []
        self.break_edits: list[QLineEdit] = []
        self.totals: list[QLabel] = []
        for weekday in range(7):
            day = QLabel(self)
            work = QLineEdit(self)
            work.setObjectName(f"work:{weekday}")
            work.setMaxLength(300)
            pause = QLineEdit(self)
            pause.setObjectName(f"breaks:{weekday}")
            pause.setMaxLength(300)
            total = QLabel(self)
            total.setObjectName(f"total:{weekday}")
            total.setMinimumWidth(90)
            for column, widget in enumerate((day, work, pause, total)):
                grid.addWidget(widget, weekday + 1, column)
            for edit in (work, pause):
                edit.textChanged.connect(lambda _t: self.validate())
                # A typed change makes an earlier "saved" line stale.
                edit.textEdited.connect(lambda _t: self._clear_note())
            self.day_labels.append(day)
            self.work_edits.append(work)
            self.break_edits.append(pause)
            self.totals.append(total)
        # The owner places this line (beside its buttons, to save height).
        self.message = MessageLabel(self)
        self.message.setObjectName("rosterMessage")
        self.error = ""
        self._loaded_texts: tuple[str, ...] = ()
        self.on_validated: Callable[[bool], None] | None = None
        self.retranslate()

    def retranslate(self) -> None:
        self.day_header.setText(self.tr("Day"))
        self.work_header.setText(self.tr("Working hours"))
        self.break_header.setText(self.tr("Breaks"))
        self.total_header.setText(self.tr("Bookable"))
        for weekday in range(7):
            self.day_labels[weekday].setText(weekday_name(weekday))
        # One example is enough; seven rows of grey text hide which days are empty.
        self.work_edits[0].setPlaceholderText(self.tr("e.g. 08:00-12:00, 13:30-17:30"))
        self.break_edits[0].setPlaceholderText(self.tr("e.g. 10:00-10:15"))
        self.validate()

    def set_read_only(self, read_only: bool) -> None:
        for edit in (*self.work_edits, *self.break_edits):
            edit.setReadOnly(read_only)
            if read_only:
                edit.setPlaceholderText("")

    def _clear_note(self) -> None:
        if not self.message.is_error:
            self.message.clear()

    def texts(self) -> tuple[str, ...]:
        return tuple(e.text() for e in (*self.work_edits, *self.break_edits))

    def is_dirty(self) -> bool:
        return self.texts() != self._loaded_texts

    def set_blocks(self, blocks: Sequence[RosterBlock]) -> None:
        # Fill quietly, then check once.
        for edit in (*self.work_edits, *self.break_edits):
            edit.blockSignals(True)
        try:
            for weekday in range(7):
                mine = sorted(
                    (b.start_minute, b.end_minute, b.kind) for b in blocks if b.weekday == weekday
                )
                self.work_edits[weekday].setText(
                    spans_text([(s, e) for s, e, k in mine if k == "work"])
                )
                self.break_edits[weekday].setText(
                    spans_text([(s, e) for s, e, k in mine if k == "break"])
                )
        finally:
            for edit in (*self.work_edits, *self.break_edits):
                edit.blockSignals(False)
        self._loaded_texts = self.texts()
        self.validate()

    def clear(self) -> None:
        self.set_blocks(())

    def _parse(self) -> tuple[list[RosterBlock], str, int | None]:
        """The blocks typed, or the first problem as a sentence and its row."""
        blocks: list[RosterBlock] = []
        for weekday in range(7):
            for edit, kind in (
                (self.work_edits[weekday], "work"),
                (self.break_edits[weekday], "break"),
            ):
                try:
                    spans = parse_spans(edit.text())
                except SpanFormatError as bad:
                    text = self.tr(
                        "{day}: “{text}” is not a span of time. Write the start and end "
                        "joined by a dash, such as 08:00-12:00, and separate spans with commas."
                    ).format(day=weekday_name(weekday), text=bad.piece)
                    return [], text, weekday
                except ValidationError as error:
                    text = self.tr("{day}: {problem}").format(
                        day=weekday_name(weekday), problem=roster_error_text(error)
                    )
                    return [], text, weekday
                blocks += [RosterBlock(weekday, s, e, kind) for s, e in spans]
        try:
            # The service's own check: the same sentence the save would answer with.
            checked = rosters._check_blocks(blocks)
        except ValidationError as error:
            return [], roster_error_text(error), _error_weekday(error)
        return list(checked), "", None

    def blocks(self) -> list[RosterBlock] | None:
        blocks, error, _row = self._parse()
        return None if error else blocks

    def validate(self) -> bool:
        blocks, error, row = self._parse()
        self.error = error
        for weekday in range(7):
            bad = weekday == row
            self.work_edits[weekday].setStyleSheet(ERROR_BORDER if bad else "")
            self.break_edits[weekday].setStyleSheet(ERROR_BORDER if bad else "")
            if error:
                continue
            work = [
                (b.start_minute, b.end_minute)
                for b in blocks
                if b.weekday == weekday and b.kind == "work"
            ]
            pauses = [
                (b.start_minute, b.end_minute)
                for b in blocks
                if b.weekday == weekday and b.kind == "break"
            ]
            self.totals[weekday].setText(
                hours_text(slots.total_minutes(slots.subtract(work, pauses)))
            )
        if error:
            self.message.show_error(error)
        elif self.message.is_error:
            self.message.clear()
        if self.on_validated is not None:
            self.on_validated(not error)
        return not error


# -- loading (worker thread) ---------------------------------------------------------------


@dataclass(frozen=True)
class DoctorDetail:
    staff_id: uuid.UUID
    roster: WeeklyRoster
    exceptions: list[RosterExceptionView]
    today: date


def load_doctor_detail(clinic: Clinic, actor: Actor, staff_id: uuid.UUID) -> DoctorDetail:
    """The roster in force today and the coming weeks' changes (runs on the worker)."""
    today = clinic.now().astimezone(clinic.timezone()).date()
    roster = rosters.get_weekly_roster(clinic, actor, staff_id, on=today)
    exceptions = rosters.list_roster_exceptions(
        clinic, actor, today, today + timedelta(days=EXCEPTION_DAYS), staff_id=staff_id
    )
    return DoctorDetail(staff_id, roster, exceptions, today)


@dataclass(frozen=True)
class ClosuresData:
    year: int
    calendar: str
    closures: list[ClosureView]
    holidays: list[DayInfo]


def load_closures(clinic: Clinic, actor: Actor, year: int) -> ClosuresData:
    """A year's closures and the public holidays of the clinic's calendar setting."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    calendar = str(clinic.setting("appointments.holiday_calendar"))
    if calendar not in holidays.CALENDARS:
        calendar = "none"
    closures = rosters.list_closures(clinic, actor, first, last)
    return ClosuresData(year, calendar, closures, holidays.holidays_in(first, last, calendar))


@dataclass(frozen=True)
class TypesData:
    types: list[AppointmentTypeView]
    resources: list[ResourceView]


def load_types(clinic: Clinic, actor: Actor) -> TypesData:
    return TypesData(
        rosters.list_appointment_types(clinic, actor, include_inactive=True),
        rosters.list_resources(clinic, actor),
    )


def _chinese_ui() -> bool:
    return QLocale().language() == QLocale.Language.Chinese


def _swatch(color: str) -> str:
    return f"background: {color}; border: 1px solid #9e9e9e;" if color else ""


# -- dialogs -------------------------------------------------------------------------------


class _WriteDialog(ServiceDialog):
    """A form whose Save runs one roster service call; broadcasts and closes on success."""

    def __init__(self, ctx: AppContext, parent: QWidget | None) -> None:
        super().__init__(ctx, parent)
        self.written: Written[Any] | None = None
        self.layout_ = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.layout_.addWidget(self.intro)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.layout_.addLayout(self.form)
        self.message = MessageLabel(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.setMinimumWidth(480)

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.message)
        self.layout_.addWidget(self.buttons)

    def submit(self) -> None:  # pragma: no cover - each dialog defines it
        raise NotImplementedError

    def run(self, fn: Callable[..., Written[Any]], *args: Any, **kwargs: Any) -> None:
        self.message.clear()
        self.start_call(fn, *args, on_success=self._done, **kwargs)

    def _done(self, written: Written[Any]) -> None:
        self.written = written
        self.ctx.broadcast(written.changes)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        super()._failed(error)
        self.message.show_error(roster_error_text(error))


class ExceptionDialog(_WriteDialog):
    """A day off (whole day or some hours) or extra hours for one doctor."""

    def __init__(
        self, ctx: AppContext, doctor: DoctorView, today: date, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, parent)
        self.doctor = doctor
        self.day = QDateEdit(self)
        self.day.setObjectName("exceptionDay")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setDate(QDate(today.year, today.month, today.day).addDays(1))
        self.kind = QComboBox(self)
        self.kind.setObjectName("exceptionKind")
        self.kind.addItem("", "off")
        self.kind.addItem("", "extra")
        self.whole_day = QCheckBox(self)
        self.whole_day.setObjectName("exceptionWholeDay")
        self.whole_day.setChecked(True)
        self.start = QLineEdit(self)
        self.start.setObjectName("exceptionStart")
        self.start.setMaxLength(10)
        self.end = QLineEdit(self)
        self.end.setObjectName("exceptionEnd")
        self.end.setMaxLength(10)
        hours = QHBoxLayout()
        hours.addWidget(self.whole_day)
        hours.addWidget(self.start)
        self.dash = QLabel("-", self)
        hours.addWidget(self.dash)
        hours.addWidget(self.end)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("exceptionReason")
        self.reason.setMaxLength(rosters.MAX_EXCEPTION_REASON)
        self.day_label = QLabel(self)
        self.kind_label = QLabel(self)
        self.hours_label = QLabel(self)
        self.reason_label = QLabel(self)
        self.form.addRow(self.day_label, self.day)
        self.form.addRow(self.kind_label, self.kind)
        self.form.addRow(self.hours_label, hours)
        self.form.addRow(self.reason_label, self.reason)
        self.kind.currentIndexChanged.connect(lambda _i: self._update())
        self.whole_day.toggled.connect(lambda _c: self._update())
        self.finish_layout()
        self.retranslate()
        self._update()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Day off or extra hours"))
        self.intro.setText(
            self.tr(
                "For {name}. An absence that needs patients contacted is recorded on the "
                "absence screen instead."
            ).format(name=self.doctor.display_name)
        )
        self.day_label.setText(self.tr("Date"))
        self.kind_label.setText(self.tr("Change"))
        self.kind.setItemText(0, self.tr("Day off"))
        self.kind.setItemText(1, self.tr("Extra hours"))
        self.hours_label.setText(self.tr("Hours"))
        self.whole_day.setText(self.tr("Whole day"))
        self.start.setPlaceholderText(self.tr("from, e.g. 08:00"))
        self.end.setPlaceholderText(self.tr("to, e.g. 12:00"))
        self.reason_label.setText(self.tr("Reason"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _update(self) -> None:
        extra = self.kind.currentData() == "extra"
        # Extra hours always have a span; a day off may be the whole day.
        self.whole_day.setVisible(not extra)
        partial = extra or not self.whole_day.isChecked()
        for widget in (self.start, self.dash, self.end):
            widget.setEnabled(partial)

    def submit(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        kind = str(self.kind.currentData())
        start: int | None = None
        end: int | None = None
        if kind == "extra" or not self.whole_day.isChecked():
            try:
                start = rosters.parse_clock(self.start.text())
                end = rosters.parse_clock(self.end.text())
            except ValidationError as error:
                self.message.show_error(roster_error_text(error))
                return
        picked = self.day.date()
        self.run(
            rosters.add_roster_exception,
            self.ctx.clinic,
            actor,
            self.doctor.id,
            date(picked.year(), picked.month(), picked.day()),
            kind=kind,
            start_minute=start,
            end_minute=end,
            reason=self.reason.text(),
        )


class AppointmentTypeDialog(_WriteDialog):
    """Add a type (``view`` None) or change one: name, usual length, colour, rooms."""

    def __init__(
        self,
        ctx: AppContext,
        resources: Sequence[ResourceView],
        view: AppointmentTypeView | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.view = view
        self.name = QLineEdit(self)
        self.name.setObjectName("typeName")
        self.name.setMaxLength(rosters.MAX_NAME)
        self.minutes = QSpinBox(self)
        self.minutes.setObjectName("typeMinutes")
        self.minutes.setRange(rosters.MIN_TYPE_MINUTES, rosters.MAX_TYPE_MINUTES)
        self.minutes.setSingleStep(5)
        self.minutes.setValue(15)
        self.color = ColorField(self)
        self.color.edit.setObjectName("typeColor")
        self.needs = QListWidget(self)
        self.needs.setObjectName("typeResources")
        self.needs.setMaximumHeight(120)
        for resource in resources:
            item = QListWidgetItem(resource.name, self.needs)
            item.setData(Qt.ItemDataRole.UserRole, resource.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            chosen = view is not None and resource.id in view.resource_ids
            item.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)
        self.no_resources = hint_label(self)
        self.no_resources.setWordWrap(True)
        self.no_resources.setVisible(not resources)
        needs_box = QVBoxLayout()
        needs_box.addWidget(self.needs)
        needs_box.addWidget(self.no_resources)
        self.needs.setVisible(bool(resources))
        self.name_label = QLabel(self)
        self.minutes_label = QLabel(self)
        self.color_label = QLabel(self)
        self.needs_label = QLabel(self)
        # H2: bookings of this type count against a membership allowance (home visits).
        self.benefit = QComboBox(self)
        self.benefit.setObjectName("typeBenefit")
        self.benefit.addItem("", "")
        for key in rosters.BOOKING_BENEFITS:
            self.benefit.addItem("", key)
        self.benefit_label = QLabel(self)
        self.form.addRow(self.name_label, self.name)
        self.form.addRow(self.minutes_label, self.minutes)
        self.form.addRow(self.color_label, self.color)
        self.form.addRow(self.needs_label, needs_box)
        self.form.addRow(self.benefit_label, self.benefit)
        if view is not None:
            # Built-in names are stored in English and shown translated.
            self.shown_name = tr_code("AppointmentType", view.name)
            self.name.setText(self.shown_name)
            self.minutes.setValue(view.default_minutes)
            self.color.set_color(view.color)
            self.benefit.setCurrentIndex(max(0, self.benefit.findData(view.benefit_key)))
        self.finish_layout()
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(
            self.tr("Add an appointment type")
            if self.view is None
            else self.tr("Change an appointment type")
        )
        self.intro.setText(
            self.tr(
                "The usual length is offered when booking; each booking may still be "
                "longer or shorter. Bookings already made keep their own length."
            )
        )
        self.name_label.setText(self.tr("Name"))
        self.name.setPlaceholderText(self.tr("e.g. 中医推拿"))
        self.minutes_label.setText(self.tr("Usual length"))
        self.minutes.setSuffix(self.tr(" min"))
        self.color_label.setText(self.tr("Colour"))
        self.needs_label.setText(self.tr("Needs"))
        self.benefit_label.setText(self.tr("Counts against a membership benefit"))
        for index in range(self.benefit.count()):
            key = self.benefit.itemData(index)
            self.benefit.setItemText(
                index,
                tr_code("Membership", membership.BENEFITS.get(key, key))
                if key
                else self.tr("(none)"),
            )
        self.no_resources.setText(
            self.tr("No rooms or devices yet. Add them on the Rooms and devices tab.")
        )
        self.color.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def chosen_resources(self) -> list[uuid.UUID]:
        ids = []
        for row in range(self.needs.count()):
            item = self.needs.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                ids.append(item.data(Qt.ItemDataRole.UserRole))
        return ids

    def submit(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        clinic = self.ctx.clinic
        if self.view is None:
            self.run(
                rosters.add_appointment_type,
                clinic,
                actor,
                name=self.name.text(),
                default_minutes=self.minutes.value(),
                color=self.color.text(),
                resource_ids=self.chosen_resources(),
                benefit_key=str(self.benefit.currentData() or ""),
            )
            return
        changes: dict[str, Any] = {
            "default_minutes": self.minutes.value(),
            "color": self.color.text(),
            "resource_ids": self.chosen_resources(),
            "benefit_key": str(self.benefit.currentData() or ""),
        }
        # An untouched built-in name stays stored in English (translated when shown).
        if self.name.text() != self.shown_name:
            changes["name"] = self.name.text()
        self.run(rosters.update_appointment_type, clinic, actor, self.view.id, **changes)


class ColorField(QWidget):
    """A colour code field with a swatch and a picker; empty means the default colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(self)
        self.edit.setMaxLength(9)
        self.edit.setMaximumWidth(120)
        self.swatch = QLabel(self)
        self.swatch.setFixedSize(22, 22)
        self.pick = QPushButton(self)
        row.addWidget(self.edit)
        row.addWidget(self.swatch)
        row.addWidget(self.pick)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.edit.textChanged.connect(self._show)
        self.pick.clicked.connect(self._choose)
        self.retranslate()

    def retranslate(self) -> None:
        self.edit.setPlaceholderText("#3A7BD5")  # a code, not words
        self.pick.setText(self.tr("Choose…"))

    def text(self) -> str:
        return self.edit.text()

    def set_color(self, color: str) -> None:
        self.edit.setText(color)

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)
        self.pick.setVisible(not read_only)
        if read_only:
            self.edit.setPlaceholderText("")

    def _show(self, text: str) -> None:
        color = QColor(text.strip())
        self.swatch.setStyleSheet(_swatch(color.name()) if color.isValid() and text else "")

    def _choose(self) -> None:
        current = QColor(self.edit.text().strip())
        picked = QColorDialog.getColor(current if current.isValid() else QColor("#3A7BD5"), self)
        if picked.isValid():
            self.edit.setText(picked.name().upper())


# -- the doctors sub-tab -------------------------------------------------------------------


class DoctorsPanel(QWidget):
    """Left the doctors; right the chosen one's profile, weekly hours and changes."""

    def __init__(self, ctx: AppContext, editable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.editable = editable
        self.doctors: list[DoctorView] = []
        self.detail: DoctorDetail | None = None
        self.loads = 0
        self.detail_loads = 0
        self._ticket = 0
        self.shown_id: uuid.UUID | None = None
        self._profile_loaded: tuple[str, str, str, bool] = ("", "", "", False)
        self.dialog: QDialog | None = None
        layout = QHBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        layout.addWidget(splitter)

        left = QWidget(splitter)
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        self.list_title = QLabel(left)
        left_box.addWidget(self.list_title)
        self.table = ReadOnlyTable(left)
        self.table.setObjectName("doctorsTable")
        self.table.itemSelectionChanged.connect(self._doctor_chosen)
        left_box.addWidget(self.table, 1)
        self.list_hint = hint_label(left)
        self.list_hint.setWordWrap(True)
        left_box.addWidget(self.list_hint)
        splitter.addWidget(left)

        scroll = QScrollArea(splitter)
        scroll.setWidgetResizable(True)
        right = QWidget(scroll)
        scroll.setWidget(right)
        box = QVBoxLayout(right)
        self.doctor_title = QLabel(right)
        font = self.doctor_title.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.doctor_title.setFont(font)
        box.addWidget(self.doctor_title)

        self.profile_box = QGroupBox(right)
        form = QFormLayout(self.profile_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.specialties = QLineEdit(self.profile_box)
        self.specialties.setObjectName("specialties")
        self.specialties.setMaxLength(rosters.MAX_SPECIALTIES)
        self.description = QPlainTextEdit(self.profile_box)
        self.description.setObjectName("description")
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(56)
        self.color = ColorField(self.profile_box)
        self.color.edit.setObjectName("doctorColor")
        self.bookable = QCheckBox(self.profile_box)
        self.bookable.setObjectName("bookable")
        self.specialties_label = QLabel(self.profile_box)
        self.description_label = QLabel(self.profile_box)
        self.color_label = QLabel(self.profile_box)
        form.addRow(self.specialties_label, self.specialties)
        form.addRow(self.description_label, self.description)
        self.profile_message = MessageLabel(self.profile_box)
        self.save_profile_button = QPushButton(self.profile_box)
        self.save_profile_button.setObjectName("saveProfile")
        self.save_profile_button.clicked.connect(self.save_profile)
        # Colour, bookable and Save share a row so the week below fits on screen.
        color_row = QHBoxLayout()
        color_row.addWidget(self.color)
        color_row.addSpacing(16)
        color_row.addWidget(self.bookable)
        color_row.addStretch(1)
        color_row.addWidget(self.save_profile_button)
        form.addRow(self.color_label, color_row)
        form.addRow(self.profile_message)
        box.addWidget(self.profile_box)

        self.roster_box = QGroupBox(right)
        roster_layout = QVBoxLayout(self.roster_box)
        self.roster_hint = hint_label(self.roster_box)
        self.roster_hint.setWordWrap(True)
        roster_layout.addWidget(self.roster_hint)
        self.week = WeekEditor(self.roster_box)
        roster_layout.addWidget(self.week)
        roster_buttons = QHBoxLayout()
        self.roster_message = self.week.message
        self.revert_button = QPushButton(self.roster_box)
        self.revert_button.clicked.connect(lambda: self._show_roster())
        self.save_roster_button = QPushButton(self.roster_box)
        self.save_roster_button.setObjectName("saveRoster")
        self.save_roster_button.clicked.connect(self.save_roster)
        # The sentence gets the full width: beside the buttons a long one was cut off.
        roster_layout.addWidget(self.roster_message)
        roster_buttons.addStretch(1)
        roster_buttons.addWidget(self.revert_button)
        roster_buttons.addWidget(self.save_roster_button)
        roster_layout.addLayout(roster_buttons)
        box.addWidget(self.roster_box)
        self.week.on_validated = self.save_roster_button.setEnabled

        self.changes_box = QGroupBox(right)
        changes_layout = QVBoxLayout(self.changes_box)
        self.exceptions = ReadOnlyTable(self.changes_box)
        self.exceptions.setObjectName("exceptionsTable")
        self.exceptions.setFixedHeight(112)
        self.exceptions.horizontalHeader().setMinimumSectionSize(70)
        changes_layout.addWidget(self.exceptions)
        exception_buttons = QHBoxLayout()
        self.add_exception_button = QPushButton(self.changes_box)
        self.add_exception_button.setObjectName("addException")
        self.add_exception_button.clicked.connect(lambda: self.open_exception_dialog())
        self.remove_exception_button = QPushButton(self.changes_box)
        self.remove_exception_button.setObjectName("removeException")
        self.remove_exception_button.clicked.connect(self.remove_exception)
        self.exceptions_message = MessageLabel(self.changes_box)
        exception_buttons.addWidget(self.add_exception_button, 0, Qt.AlignmentFlag.AlignTop)
        exception_buttons.addWidget(self.remove_exception_button, 0, Qt.AlignmentFlag.AlignTop)
        exception_buttons.addWidget(self.exceptions_message, 1)
        changes_layout.addLayout(exception_buttons)
        box.addWidget(self.changes_box)
        box.addStretch(1)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        splitter.setSizes([330, 900])

        if not editable:
            self.specialties.setReadOnly(True)
            self.description.setReadOnly(True)
            self.color.set_read_only(True)
            self.bookable.setEnabled(False)
            self.week.set_read_only(True)
            for button in (
                self.save_profile_button,
                self.save_roster_button,
                self.revert_button,
                self.add_exception_button,
                self.remove_exception_button,
            ):
                button.hide()
        self.retranslate()
        self._show_doctor(None)

    # -- language ------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.list_title.setText(self.tr("Doctors and health managers"))
        self.list_hint.setText(
            self.tr("Add doctors on the Staff tab with the role Doctor or Health manager.")
        )
        self.table.set_headers([self.tr("Name"), self.tr("Specialties"), self.tr("Bookable")])
        self.profile_box.setTitle(self.tr("Profile"))
        self.specialties_label.setText(self.tr("Specialties"))
        self.specialties.setPlaceholderText(
            self.tr("e.g. 内科, 糖尿病管理") if self.editable else ""
        )
        self.description_label.setText(self.tr("Said to callers"))
        self.description.setPlaceholderText(
            self.tr("What the desk reads to a caller who asks about this doctor")
            if self.editable
            else ""
        )
        self.color_label.setText(self.tr("Calendar colour"))
        self.color.retranslate()
        if not self.editable:
            self.color.set_read_only(True)
        self.bookable.setText(self.tr("Takes appointments (shown as a calendar column)"))
        self.save_profile_button.setText(self.tr("Save profile"))
        self.roster_box.setTitle(self.tr("Weekly hours"))
        self.roster_hint.setText(
            self.tr(
                "Type each day's working hours and breaks as start-end, separated by "
                "commas. Leave a day empty when the doctor does not work. Public holidays "
                "and closures are marked on the calendar separately."
            )
            if self.editable
            else self.tr("Only the director changes rosters; you can read them here.")
        )
        self.week.retranslate()
        if not self.editable:
            self.week.set_read_only(True)
        self.revert_button.setText(self.tr("Undo changes"))
        self.save_roster_button.setText(self.tr("Save roster"))
        self.changes_box.setTitle(
            self.tr("Days off and extra hours, next {n} days").format(n=EXCEPTION_DAYS)
        )
        self.exceptions.set_headers(
            [
                self.tr("Date"),
                self.tr("Day"),
                self.tr("Change"),
                self.tr("Hours"),
                self.tr("Reason"),
            ]
        )
        self.add_exception_button.setText(self.tr("Add…"))
        self.remove_exception_button.setText(self.tr("Remove"))
        self._fill_doctors()
        self._fill_exceptions()
        self._update_title()

    # -- loading -------------------------------------------------------------------------

    def refresh(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            rosters.list_doctors,
            self.ctx.clinic,
            actor,
            on_success=self._show_doctors,
            on_error=self._list_failed,
            owner=self,
        )

    def _list_failed(self, error: BaseException) -> None:
        self.roster_message.show_error(roster_error_text(error))

    def _show_doctors(self, doctors: list[DoctorView]) -> None:
        chosen = self.current_id()
        self.doctors = doctors
        self._fill_doctors()
        self.loads += 1
        if chosen is None and doctors:
            chosen = doctors[0].id
        if chosen is not None and not self.select(chosen):
            self._show_doctor(None)

    def _fill_doctors(self) -> None:
        rows = []
        for d in self.doctors:
            name = (
                d.display_name
                if d.active
                else self.tr("{name} (account disabled)").format(name=d.display_name)
            )
            rows.append(
                (d.id, [name, d.specialties, self.tr("Yes") if d.bookable else self.tr("No")])
            )
        chosen = self.current_id()
        self.table.blockSignals(True)
        self.table.set_rows(rows, red=[i for i, d in enumerate(self.doctors) if not d.active])
        self.table.blockSignals(False)
        if chosen is not None:
            self._select_row(chosen)

    def current_id(self) -> uuid.UUID | None:
        value = self.table.current_id()
        return value if isinstance(value, uuid.UUID) else None

    def current(self) -> DoctorView | None:
        chosen = self.current_id()
        return next((d for d in self.doctors if d.id == chosen), None)

    def _select_row(self, staff_id: uuid.UUID) -> bool:
        for row, d in enumerate(self.doctors):
            if d.id == staff_id:
                self.table.blockSignals(True)
                self.table.selectRow(row)
                self.table.setCurrentCell(row, 0)
                self.table.blockSignals(False)
                return True
        return False

    def select(self, staff_id: uuid.UUID) -> bool:
        """Choose a doctor and load their roster."""
        if not self._select_row(staff_id):
            return False
        self._doctor_chosen()
        return True

    def _doctor_chosen(self) -> None:
        """A doctor was chosen, or the list reloaded: show them and load their hours."""
        doctor = self.current()
        if doctor is None or doctor.id != self.shown_id:
            self._show_doctor(doctor)
        elif not self._profile_dirty():
            self._set_profile(doctor)  # the same doctor after a reload: keep the messages
        if doctor is None or self.ctx.actor is None:
            return
        self._ticket += 1
        ticket = self._ticket
        self.ctx.runner.start(
            load_doctor_detail,
            self.ctx.clinic,
            self.ctx.actor,
            doctor.id,
            on_success=lambda d: self._show_detail(ticket, d),
            on_error=self._list_failed,
            owner=self,
        )

    def _show_doctor(self, doctor: DoctorView | None) -> None:
        """The profile fields at once; the roster and changes when they arrive."""
        self.shown_id = doctor.id if doctor else None
        for box in (self.profile_box, self.roster_box, self.changes_box):
            box.setEnabled(doctor is not None)
        self.profile_message.clear()
        self.roster_message.clear()
        self.exceptions_message.clear()
        self.detail = None
        self.week.clear()
        self.exceptions.setRowCount(0)
        self._set_profile(doctor)
        self._update_title()

    def _profile_fields(self) -> tuple[str, str, str, bool]:
        return (
            self.specialties.text(),
            self.description.toPlainText(),
            self.color.text(),
            self.bookable.isChecked(),
        )

    def _set_profile(self, doctor: DoctorView | None) -> None:
        self.specialties.setText(doctor.specialties if doctor else "")
        self.description.setPlainText(doctor.description if doctor else "")
        self.color.set_color(doctor.color if doctor else "")
        self.bookable.setChecked(doctor.bookable if doctor else False)
        self._profile_loaded = self._profile_fields()
        self._update_title()

    def _profile_dirty(self) -> bool:
        return self._profile_fields() != self._profile_loaded

    def _update_title(self) -> None:
        doctor = self.current()
        if doctor is None:
            self.doctor_title.setText(
                self.tr("Choose a doctor on the left.")
                if self.doctors
                else self.tr("There are no doctors or health managers yet.")
            )
            return
        self.doctor_title.setText(doctor.display_name)

    def _show_detail(self, ticket: int, detail: DoctorDetail) -> None:
        if ticket != self._ticket or detail.staff_id != self.current_id():
            return  # an older answer for a doctor no longer chosen
        fresh = self.detail is None
        self.detail = detail
        # A reload after some other write must not wipe hours being typed.
        if fresh or not self.week.is_dirty():
            self._show_roster(clear_message=fresh)
        self._fill_exceptions()
        self.detail_loads += 1

    def _show_roster(self, *, clear_message: bool = True) -> None:
        detail = self.detail
        self.week.set_blocks(detail.roster.blocks if detail else ())
        if not clear_message:
            return
        self.roster_message.clear()
        if detail is not None and detail.roster.valid_until is not None:
            self.roster_message.show_info(
                self.tr("These hours end on {day}; other hours follow from the next day.").format(
                    day=detail.roster.valid_until.isoformat()
                )
            )

    def _kind_text(self, kind: str) -> str:
        return {
            "off": self.tr("Day off"),
            "extra": self.tr("Extra hours"),
            "absent": self.tr("Absent"),
            "substitute": self.tr("Absent, substituted"),
        }.get(kind, kind)

    def _fill_exceptions(self) -> None:
        detail = self.detail
        if detail is None:
            self.exceptions.setRowCount(0)
            return
        rows = [
            (
                e.id,
                [
                    e.day.isoformat(),
                    weekday_name(e.day.weekday()),
                    self._kind_text(e.kind),
                    span_text(e.start_minute, e.end_minute),
                    e.reason,
                ],
            )
            for e in detail.exceptions
        ]
        self.exceptions.set_rows(rows)
        self.remove_exception_button.setEnabled(bool(rows))

    # -- writing -------------------------------------------------------------------------

    def save_profile(self) -> None:
        doctor = self.current()
        actor = self.ctx.actor
        if doctor is None or actor is None:
            return
        self.profile_message.clear()
        self.ctx.runner.start(
            rosters.set_doctor_profile,
            self.ctx.clinic,
            actor,
            doctor.id,
            specialties=self.specialties.text(),
            description=self.description.toPlainText(),
            color=self.color.text(),
            bookable=self.bookable.isChecked(),
            on_success=self._profile_saved,
            on_error=lambda e: self.profile_message.show_error(roster_error_text(e)),
            owner=self,
        )

    def _profile_saved(self, written: Written[DoctorView]) -> None:
        if written.value.id == self.shown_id:
            self._profile_loaded = self._profile_fields()
        self._written(written, self.profile_message, self.tr("Profile saved."))

    def save_roster(self) -> None:
        doctor = self.current()
        actor = self.ctx.actor
        if doctor is None or actor is None:
            return
        blocks = self.week.blocks()
        if blocks is None:  # the sentence is already under the table
            return
        self.roster_message.clear()
        self.save_roster_button.setEnabled(False)
        self.ctx.runner.start(
            rosters.set_weekly_roster,
            self.ctx.clinic,
            actor,
            doctor.id,
            blocks,
            on_success=lambda w: self._roster_saved(w, doctor),
            on_error=self._roster_failed,
            owner=self,
        )

    def _roster_saved(self, written: Written[WeeklyRoster], doctor: DoctorView) -> None:
        if doctor.id == self.shown_id:
            self.week.set_blocks(written.value.blocks)  # as stored, tidily written
        self._written(
            written,
            self.roster_message,
            self.tr("Weekly hours of {name} saved.").format(name=doctor.display_name),
        )

    def _roster_failed(self, error: BaseException) -> None:
        self.save_roster_button.setEnabled(True)
        self.roster_message.show_error(roster_error_text(error))

    def _written(self, written: Written[Any], where: MessageLabel, text: str) -> None:
        self.save_roster_button.setEnabled(self.week.error == "")
        self.ctx.broadcast(written.changes)
        where.show_ok(text)

    def open_exception_dialog(self) -> QDialog | None:
        doctor = self.current()
        if doctor is None or self.ctx.actor is None or not self.editable:
            return None
        clinic = self.ctx.clinic
        today = (
            self.detail.today if self.detail else clinic.now().astimezone(clinic.timezone()).date()
        )
        self.exceptions_message.clear()
        dialog = ExceptionDialog(self.ctx, doctor, today, self)
        dialog.accepted.connect(lambda: self.exceptions_message.show_ok(self.tr("Change added.")))
        return self._open(dialog)

    def _open(self, dialog: QDialog) -> QDialog:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = dialog
        dialog.open()
        return dialog

    def remove_exception(self) -> None:
        chosen = self.exceptions.current_id()
        actor = self.ctx.actor
        if not isinstance(chosen, uuid.UUID) or actor is None:
            self.exceptions_message.show_error(self.tr("Choose a change in the list first."))
            return
        self.ctx.runner.start(
            rosters.remove_roster_exception,
            self.ctx.clinic,
            actor,
            chosen,
            on_success=lambda w: self._written(
                w, self.exceptions_message, self.tr("Change removed.")
            ),
            on_error=lambda e: self.exceptions_message.show_error(roster_error_text(e)),
            owner=self,
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


# -- rooms and devices -----------------------------------------------------------------------


class ResourcesPanel(QWidget):
    """Bookable rooms and devices: add, rename, take off the calendar, put back."""

    def __init__(self, ctx: AppContext, editable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.editable = editable
        self.resources: list[ResourceView] = []
        self.loads = 0
        self.dialog: QDialog | None = None
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.show_inactive = QCheckBox(self)
        self.show_inactive.setObjectName("showInactiveResources")
        self.show_inactive.toggled.connect(lambda _c: self._fill())
        layout.addWidget(self.show_inactive)
        self.table = ReadOnlyTable(self)
        self.table.setObjectName("resourcesTable")
        self.table.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("addResource")
        self.add_button.clicked.connect(lambda: self.open_add_dialog())
        self.rename_button = QPushButton(self)
        self.rename_button.setObjectName("renameResource")
        self.rename_button.clicked.connect(lambda: self.open_rename_dialog())
        self.toggle_button = QPushButton(self)
        self.toggle_button.setObjectName("toggleResource")
        self.toggle_button.clicked.connect(self.toggle_selected)
        for button in (self.add_button, self.rename_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.toggle_button)
        layout.addLayout(buttons)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        if not editable:
            for button in (self.add_button, self.rename_button, self.toggle_button):
                button.hide()
        self.retranslate()

    def retranslate(self) -> None:
        self.intro.setText(
            self.tr(
                "Rooms and devices that appointments can need, such as the ultrasound "
                "room or the ECG machine. Booking a type that needs one checks it is free."
            )
        )
        self.show_inactive.setText(self.tr("Also show those taken off the calendar"))
        self.table.set_headers(
            [self.tr("Name"), self.tr("Kind"), self.tr("Description"), self.tr("Status")]
        )
        self.add_button.setText(self.tr("Add…"))
        self.rename_button.setText(self.tr("Rename…"))
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def kind_text(self, kind: str) -> str:
        return {"room": self.tr("Room"), "device": self.tr("Device")}.get(kind, kind)

    def refresh(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            rosters.list_resources,
            self.ctx.clinic,
            actor,
            include_inactive=True,
            on_success=self._show,
            on_error=lambda e: self.message.show_error(roster_error_text(e)),
            owner=self,
        )

    def _show(self, resources: list[ResourceView]) -> None:
        self.resources = resources
        self._fill()
        self.loads += 1

    def _fill(self) -> None:
        chosen = self.table.current_id()
        shown = [r for r in self.resources if r.active or self.show_inactive.isChecked()]
        self.table.set_rows(
            [
                (
                    r.id,
                    [
                        r.name,
                        self.kind_text(r.kind),
                        r.description,
                        self.tr("In use") if r.active else self.tr("Off the calendar"),
                    ],
                )
                for r in shown
            ],
            red=[i for i, r in enumerate(shown) if not r.active],
        )
        for row, r in enumerate(shown):
            if r.id == chosen:
                self.table.selectRow(row)
        self._update_buttons()

    def selected(self) -> ResourceView | None:
        chosen = self.table.current_id() if self.table.selectedItems() else None
        return next((r for r in self.resources if r.id == chosen), None)

    def _update_buttons(self) -> None:
        resource = self.selected()
        self.rename_button.setEnabled(resource is not None)
        self.toggle_button.setEnabled(resource is not None)
        if resource is not None and not resource.active:
            self.toggle_button.setText(self.tr("Put back on the calendar"))
        else:
            self.toggle_button.setText(self.tr("Take off the calendar"))

    def _open(self, dialog: QDialog) -> QDialog:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_add_dialog(self) -> QDialog | None:
        if self.ctx.actor is None or not self.editable:
            return None
        self.message.clear()
        dialog = FieldsDialog(
            self.ctx,
            self,
            self.tr("Add a room or device"),
            [
                (
                    "kind",
                    self.tr("Kind"),
                    "choice",
                    [("room", self.kind_text("room")), ("device", self.kind_text("device"))],
                ),
                ("name", self.tr("Name"), "line", ()),
                ("description", self.tr("Description"), "line", ()),
            ],
            rosters.add_resource,
        )
        dialog.accepted.connect(lambda: self.message.show_ok(self.tr("Added.")))
        return self._open(dialog)

    def open_rename_dialog(self) -> QDialog | None:
        resource = self.selected()
        if resource is None or self.ctx.actor is None or not self.editable:
            return None
        self.message.clear()
        dialog = FieldsDialog(
            self.ctx,
            self,
            self.tr("Rename a room or device"),
            [
                ("name", self.tr("Name"), "line", ()),
                ("description", self.tr("Description"), "line", ()),
            ],
            rosters.update_resource,
            resource.id,
        )
        name = dialog.widgets["name"]
        description = dialog.widgets["description"]
        assert isinstance(name, QLineEdit) and isinstance(description, QLineEdit)
        name.setText(resource.name)
        description.setText(resource.description)
        dialog.accepted.connect(lambda: self.message.show_ok(self.tr("Saved.")))
        return self._open(dialog)

    def toggle_selected(self) -> None:
        resource = self.selected()
        actor = self.ctx.actor
        if resource is None or actor is None:
            return
        self.message.clear()
        done = (
            self.tr("{name} is off the calendar.")
            if resource.active
            else self.tr("{name} is back on the calendar.")
        ).format(name=resource.name)
        self.ctx.runner.start(
            rosters.update_resource,
            self.ctx.clinic,
            actor,
            resource.id,
            active=not resource.active,
            on_success=lambda w: self._written(w, done),
            on_error=lambda e: self.message.show_error(roster_error_text(e)),
            owner=self,
        )

    def _written(self, written: Written[Any], text: str) -> None:
        self.ctx.broadcast(written.changes)
        self.message.show_ok(text)


# -- appointment types -------------------------------------------------------------------------


class TypesPanel(QWidget):
    """Purposes of visit with their usual length, colour and needed rooms and devices."""

    def __init__(self, ctx: AppContext, editable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.editable = editable
        self.data = TypesData([], [])
        self.loads = 0
        self.dialog: QDialog | None = None
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.show_inactive = QCheckBox(self)
        self.show_inactive.setObjectName("showInactiveTypes")
        self.show_inactive.toggled.connect(lambda _c: self._fill())
        layout.addWidget(self.show_inactive)
        self.table = ReadOnlyTable(self)
        self.table.setObjectName("typesTable")
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _i: self.open_edit_dialog())
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("addType")
        self.add_button.clicked.connect(lambda: self.open_add_dialog())
        self.edit_button = QPushButton(self)
        self.edit_button.setObjectName("editType")
        self.edit_button.clicked.connect(lambda: self.open_edit_dialog())
        self.toggle_button = QPushButton(self)
        self.toggle_button.setObjectName("toggleType")
        self.toggle_button.clicked.connect(self.toggle_selected)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.edit_button)
        buttons.addStretch(1)
        buttons.addWidget(self.toggle_button)
        layout.addLayout(buttons)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        if not editable:
            for button in (self.add_button, self.edit_button, self.toggle_button):
                button.hide()
        self.retranslate()

    def retranslate(self) -> None:
        self.intro.setText(
            self.tr(
                "What patients come for. The usual length is offered when booking; the "
                "rooms and devices a type needs are booked with it."
            )
        )
        self.show_inactive.setText(self.tr("Also show types no longer offered"))
        self.table.set_headers(
            [
                self.tr("Name"),
                self.tr("Usual length"),
                self.tr("Colour"),
                self.tr("Needs"),
                self.tr("Status"),
            ]
        )
        self.add_button.setText(self.tr("Add…"))
        self.edit_button.setText(self.tr("Change…"))
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def refresh(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            load_types,
            self.ctx.clinic,
            actor,
            on_success=self._show,
            on_error=lambda e: self.message.show_error(roster_error_text(e)),
            owner=self,
        )

    def _show(self, data: TypesData) -> None:
        self.data = data
        self._fill()
        self.loads += 1

    def shown(self) -> list[AppointmentTypeView]:
        return [t for t in self.data.types if t.active or self.show_inactive.isChecked()]

    def _fill(self) -> None:
        chosen = self.table.current_id()
        names = {r.id: r.name for r in self.data.resources}
        shown = self.shown()
        self.table.set_rows(
            [
                (
                    t.id,
                    [
                        tr_code("AppointmentType", t.name),
                        self.tr("{n} min").format(n=t.default_minutes),
                        t.color,
                        ", ".join(names.get(i, "") for i in t.resource_ids),
                        self.tr("Offered") if t.active else self.tr("No longer offered"),
                    ],
                )
                for t in shown
            ],
            red=[i for i, t in enumerate(shown) if not t.active],
        )
        for row, t in enumerate(shown):
            item = self.table.item(row, 2)
            if item is not None and QColor(t.color).isValid() and t.color:
                item.setBackground(QColor(t.color))
                item.setForeground(
                    Qt.GlobalColor.white
                    if QColor(t.color).lightness() < 140
                    else Qt.GlobalColor.black
                )
            if t.id == chosen:
                self.table.selectRow(row)
        self._update_buttons()

    def selected(self) -> AppointmentTypeView | None:
        chosen = self.table.current_id() if self.table.selectedItems() else None
        return next((t for t in self.data.types if t.id == chosen), None)

    def _update_buttons(self) -> None:
        chosen = self.selected()
        self.edit_button.setEnabled(chosen is not None)
        self.toggle_button.setEnabled(chosen is not None)
        if chosen is not None and not chosen.active:
            self.toggle_button.setText(self.tr("Offer again"))
        else:
            self.toggle_button.setText(self.tr("No longer offer"))

    def _open(self, dialog: QDialog) -> QDialog:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_add_dialog(self) -> QDialog | None:
        if self.ctx.actor is None or not self.editable:
            return None
        self.message.clear()
        dialog = AppointmentTypeDialog(self.ctx, self.data.resources, None, self)
        dialog.accepted.connect(lambda: self.message.show_ok(self.tr("Added.")))
        return self._open(dialog)

    def open_edit_dialog(self) -> QDialog | None:
        chosen = self.selected()
        if chosen is None or self.ctx.actor is None or not self.editable:
            return None
        self.message.clear()
        dialog = AppointmentTypeDialog(self.ctx, self.data.resources, chosen, self)
        dialog.accepted.connect(lambda: self.message.show_ok(self.tr("Saved.")))
        return self._open(dialog)

    def toggle_selected(self) -> None:
        chosen = self.selected()
        actor = self.ctx.actor
        if chosen is None or actor is None:
            return
        self.message.clear()
        name = tr_code("AppointmentType", chosen.name)
        done = (
            self.tr("{name} is no longer offered for new bookings.")
            if chosen.active
            else self.tr("{name} is offered again.")
        ).format(name=name)
        self.ctx.runner.start(
            rosters.update_appointment_type,
            self.ctx.clinic,
            actor,
            chosen.id,
            active=not chosen.active,
            on_success=lambda w: self._written(w, done),
            on_error=lambda e: self.message.show_error(roster_error_text(e)),
            owner=self,
        )

    def _written(self, written: Written[Any], text: str) -> None:
        self.ctx.broadcast(written.changes)
        self.message.show_ok(text)


# -- closures and public holidays ----------------------------------------------------------------


class ClosuresPanel(QWidget):
    """The clinic's own closed days, beside the public holidays for reference."""

    def __init__(self, ctx: AppContext, editable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.editable = editable
        self.data: ClosuresData | None = None
        self.loads = 0
        self.dialog: QDialog | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.year_label = QLabel(self)
        self.year = QSpinBox(self)
        self.year.setObjectName("closuresYear")
        self.year.setRange(2000, 2100)
        today = ctx.clinic.now().astimezone(ctx.clinic.timezone()).date()
        self.year.setValue(today.year)
        self.year.valueChanged.connect(lambda _v: self.refresh())
        top.addWidget(self.year_label)
        top.addWidget(self.year)
        top.addStretch(1)
        layout.addLayout(top)
        columns = QHBoxLayout()
        layout.addLayout(columns, 1)

        self.closures_box = QGroupBox(self)
        closures_layout = QVBoxLayout(self.closures_box)
        self.closures_intro = QLabel(self.closures_box)
        self.closures_intro.setWordWrap(True)
        closures_layout.addWidget(self.closures_intro)
        self.table = ReadOnlyTable(self.closures_box)
        self.table.setObjectName("closuresTable")
        self.table.horizontalHeader().setMinimumSectionSize(80)
        closures_layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.closures_box)
        self.add_button.setObjectName("addClosure")
        self.add_button.clicked.connect(lambda: self.open_add_dialog())
        self.remove_button = QPushButton(self.closures_box)
        self.remove_button.setObjectName("removeClosure")
        self.remove_button.clicked.connect(self.remove_selected)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        closures_layout.addLayout(buttons)
        self.message = MessageLabel(self.closures_box)
        closures_layout.addWidget(self.message)
        columns.addWidget(self.closures_box, 1)

        self.holidays_box = QGroupBox(self)
        holidays_layout = QVBoxLayout(self.holidays_box)
        self.holidays_intro = QLabel(self.holidays_box)
        self.holidays_intro.setWordWrap(True)
        self.holidays_intro.setStyleSheet(f"color: {HINT_COLOR};")
        holidays_layout.addWidget(self.holidays_intro)
        self.holidays = ReadOnlyTable(self.holidays_box)
        self.holidays.setObjectName("holidaysTable")
        holidays_layout.addWidget(self.holidays, 1)
        columns.addWidget(self.holidays_box, 1)
        if not editable:
            self.add_button.hide()
            self.remove_button.hide()
        self.retranslate()

    def retranslate(self) -> None:
        self.year_label.setText(self.tr("Year"))
        self.closures_box.setTitle(self.tr("Clinic closed"))
        self.closures_intro.setText(
            self.tr(
                "Days the clinic is closed beyond public holidays, such as staff training "
                "or renovation. Booking on them asks for confirmation."
            )
        )
        self.table.set_headers([self.tr("Date"), self.tr("Day"), self.tr("Reason")])
        self.add_button.setText(self.tr("Add…"))
        self.remove_button.setText(self.tr("Remove"))
        self.holidays_box.setTitle(self.tr("Public holidays"))
        self.holidays.set_headers([self.tr("Date"), self.tr("Day"), self.tr("Holiday")])
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def calendar_text(self, calendar: str) -> str:
        return {
            "CN": self.tr("mainland China"),
            "HK": self.tr("Hong Kong"),
            "TW": self.tr("Taiwan"),
            "none": self.tr("none (weekends only)"),
        }.get(calendar, calendar)

    def refresh(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            load_closures,
            self.ctx.clinic,
            actor,
            self.year.value(),
            on_success=self._show,
            on_error=lambda e: self.message.show_error(roster_error_text(e)),
            owner=self,
        )

    def _show(self, data: ClosuresData) -> None:
        if data.year != self.year.value():
            return  # the year changed again while this one loaded
        self.data = data
        self._fill()
        self.loads += 1

    def _fill(self) -> None:
        data = self.data
        if data is None:
            return
        self.table.set_rows(
            [
                (c.id, [c.day.isoformat(), weekday_name(c.day.weekday()), c.reason])
                for c in data.closures
            ]
        )
        self.remove_button.setEnabled(bool(data.closures))
        chinese = _chinese_ui()
        self.holidays.set_rows(
            [
                (
                    h.day,
                    [
                        h.day.isoformat(),
                        weekday_name(h.day.weekday()),
                        (h.name_zh if chinese else h.name) or h.name or h.name_zh,
                    ],
                )
                for h in data.holidays
            ]
        )
        self.holidays_intro.setText(
            self.tr(
                "For reference: the public holidays of {calendar} in {year}. The calendar "
                "marks them as closed. Choose the holiday calendar in Clinic settings."
            ).format(calendar=self.calendar_text(data.calendar), year=data.year)
        )

    def _open(self, dialog: QDialog) -> QDialog:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_add_dialog(self) -> QDialog | None:
        if self.ctx.actor is None or not self.editable:
            return None
        self.message.clear()
        dialog = FieldsDialog(
            self.ctx,
            self,
            self.tr("Clinic closed on a day"),
            [
                ("day", self.tr("Date"), "date", ()),
                ("reason", self.tr("Reason"), "line", ()),
            ],
            rosters.add_closure,
            intro=self.tr(
                "Appointments already booked that day stay; the calendar shows the "
                "day as closed and booking on it asks first."
            ),
        )
        dialog.accepted.connect(lambda: self.message.show_ok(self.tr("Closure added.")))
        return self._open(dialog)

    def remove_selected(self) -> None:
        chosen = self.table.current_id()
        actor = self.ctx.actor
        if not isinstance(chosen, uuid.UUID) or actor is None:
            self.message.show_error(self.tr("Choose a closure in the list first."))
            return
        self.ctx.runner.start(
            rosters.remove_closure,
            self.ctx.clinic,
            actor,
            chosen,
            on_success=lambda w: self._written(w, self.tr("Closure removed.")),
            on_error=lambda e: self.message.show_error(roster_error_text(e)),
            owner=self,
        )

    def _written(self, written: Written[Any], text: str) -> None:
        self.ctx.broadcast(written.changes)
        self.message.show_ok(text)


# -- the tab -----------------------------------------------------------------------------------


class RostersTab(QWidget):
    """Settings → Rosters: shown with ``APPOINTMENT_VIEW``, editable with ``ROSTER_MANAGE``."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.editable = ctx.may(Action.ROSTER_MANAGE)
        layout = QVBoxLayout(self)
        self.read_only_note = hint_label(self)
        self.read_only_note.setWordWrap(True)
        self.read_only_note.setObjectName("rostersReadOnly")
        self.read_only_note.setVisible(not self.editable)
        layout.addWidget(self.read_only_note)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("rostersTabs")
        layout.addWidget(self.tabs)
        self.doctors = DoctorsPanel(ctx, self.editable, self)
        self.resources = ResourcesPanel(ctx, self.editable, self)
        self.types = TypesPanel(ctx, self.editable, self)
        self.closures = ClosuresPanel(ctx, self.editable, self)
        for panel in (self.doctors, self.resources, self.types, self.closures):
            self.tabs.addTab(panel, "")
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()
        self.refresh()

    def retranslate(self) -> None:
        self.read_only_note.setText(
            self.tr(
                "Read only: the director sets up doctors' hours, rooms, appointment types "
                "and closures."
            )
        )
        for panel, title in (
            (self.doctors, self.tr("Doctors and hours")),
            (self.resources, self.tr("Rooms and devices")),
            (self.types, self.tr("Appointment types")),
            (self.closures, self.tr("Closures and holidays")),
        ):
            self.tabs.setTabText(self.tabs.indexOf(panel), title)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def refresh(self) -> None:
        self.doctors.refresh()
        self.resources.refresh()
        self.types.refresh()
        self.closures.refresh()

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.ROSTERS):
            self.refresh()  # the doctors' list reload also reloads the chosen one's hours
        elif changes.touches(Topic.STAFF):
            self.doctors.refresh()  # a new doctor, a rename or a disabled account
        elif changes.touches(Topic.SETTINGS):
            self.closures.refresh()  # the holiday calendar may have changed

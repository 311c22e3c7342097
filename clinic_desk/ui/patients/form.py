"""Register or edit a patient (spec C1): a form that says what is wrong as you type.

The checks are the core's own (``registry_rules.field_errors``), run on every
edit without touching the database; saving runs the registry service off
the GUI thread and offers an existing record when it finds a duplicate.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
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
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.rules.phones import format_phone
from clinic_desk.core.services import patients
from clinic_desk.core.services.registry_rules import (
    CONTACT_CHANNELS,
    ID_KIND_LABELS,
    LIMITS,
    SEX_LABELS,
    SOURCE_CHANNELS,
    SPECIAL_NEEDS,
    FieldInvalid,
    PatientInput,
    display_name,
    field_errors,
)
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import error_text
from clinic_desk.ui.settings.common import ERROR_COLOR, HINT_COLOR, MessageLabel, ServiceDialog

_DATE = re.compile(r"(\d{4})\D{0,2}(\d{1,2})\D{0,2}(\d{1,2})\D?")


def parse_date_text(text: str) -> date | str | None:
    """A typed date (1985-03-12, 1985/3/12, 19850312, 1985年3月12日); None if empty, or "bad"."""
    t = text.strip()
    if not t:
        return None
    m = _DATE.fullmatch(t)
    if m is None:
        return "bad"
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return "bad"


def tr_code(context: str, text: str) -> str:
    return QCoreApplication.translate(context, text)


class FieldError(QLabel):
    """The red sentence under one field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet(f"color: {ERROR_COLOR};")
        self.hide()

    def show_text(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))


class PatientFormDialog(ServiceDialog):
    """New patient, or the registry details of an existing one."""

    #: a patient was saved or an existing one chosen: its id
    sig_open_patient = Signal(object)

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        existing: patients.PatientDetails | None = None,
        initial_name: str = "",
    ) -> None:
        super().__init__(ctx, parent)
        self.existing = existing
        self.saved_id: uuid.UUID | None = None
        self.setObjectName("patient-form")
        self.setMinimumWidth(760)
        self.resize(1040, 640)
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, FieldError] = {}
        self.touched: set[str] = set()
        outer = QVBoxLayout(self)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        body = QWidget(scroll)
        scroll.setWidget(body)
        grid = QGridLayout(body)
        outer.addWidget(scroll, 1)

        self.identity = QGroupBox(body)
        form = QFormLayout(self.identity)
        self._line(form, "family_name")
        self._line(form, "given_name")
        self.sex = QComboBox(self.identity)
        for code in ("U", "F", "M"):
            self.sex.addItem("", code)
        self._row(form, "sex", self.sex)
        self._line(form, "birth_date", max_length=20)
        self.id_kind = QComboBox(self.identity)
        self.id_kind.addItem("", "")
        for code in ID_KIND_LABELS:
            self.id_kind.addItem("", str(code))
        self._row(form, "id_kind", self.id_kind)
        self._line(form, "id_number", max_length=64)
        grid.addWidget(self.identity, 0, 0)

        self.contact = QGroupBox(body)
        form = QFormLayout(self.contact)
        for name in ("phone", "phone2"):
            self._line(form, name, max_length=40)
        self._line(form, "address")
        for name in ("email", "wechat", "qq"):
            self._line(form, name)
        self.channel_boxes: dict[str, QCheckBox] = {}
        channels = QWidget(self.contact)
        flow = QGridLayout(channels)
        flow.setContentsMargins(0, 0, 0, 0)
        for i, code in enumerate(CONTACT_CHANNELS):
            box = QCheckBox(channels)
            box.setObjectName(f"channel:{code}")
            self.channel_boxes[code] = box
            flow.addWidget(box, i // 3, i % 3)
            box.toggled.connect(lambda _on: self._schedule_check())
        self._row(form, "contact_channels", channels)
        grid.addWidget(self.contact, 0, 1)

        self.about = QGroupBox(body)
        form = QFormLayout(self.about)
        self._line(form, "occupation")
        self._line(form, "title")
        self._line(form, "honorific_override")
        self.address_preview = QLabel(self.about)
        self.address_preview.setStyleSheet(f"color: {HINT_COLOR};")
        self.address_preview.setWordWrap(True)
        form.addRow(self.address_preview)
        self.source = QComboBox(self.about)
        self.source.addItem("", "")
        for code in SOURCE_CHANNELS:
            self.source.addItem("", code)
        self._row(form, "source_channel", self.source)
        self.need_boxes: dict[str, QCheckBox] = {}
        needs = QWidget(self.about)
        row = QHBoxLayout(needs)
        row.setContentsMargins(0, 0, 0, 0)
        for code in SPECIAL_NEEDS:
            box = QCheckBox(needs)
            box.setObjectName(f"need:{code}")
            self.need_boxes[code] = box
            row.addWidget(box)
        row.addStretch(1)
        self._row(form, "special_needs", needs)
        grid.addWidget(self.about, 1, 0)

        self.emergency = QGroupBox(body)
        form = QFormLayout(self.emergency)
        self._line(form, "emergency_name")
        self._line(form, "emergency_relation")
        self._line(form, "emergency_phone", max_length=40)
        self.notes = QPlainTextEdit(self.emergency)
        self.notes.setObjectName("field:desk_notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(90)
        self.notes.textChanged.connect(lambda: self._edited("desk_notes"))
        self._row(form, "desk_notes", self.notes)
        grid.addWidget(self.emergency, 1, 1)
        grid.setRowStretch(2, 1)  # spare height below the groups, not inside them

        self.message = MessageLabel(self)
        outer.addWidget(self.message)
        self.duplicates = QListWidget(self)
        self.duplicates.setObjectName("duplicates")
        self.duplicates.hide()
        self.duplicates.setMaximumHeight(110)
        self.duplicates.itemActivated.connect(self._open_duplicate)
        outer.addWidget(self.duplicates)
        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("save")
        self.open_existing = QPushButton(self)
        self.open_existing.setObjectName("open-existing")
        self.buttons.addButton(self.open_existing, QDialogButtonBox.ButtonRole.ActionRole)
        self.open_existing.hide()  # after addButton, which shows it
        self.register_anyway = QPushButton(self)
        self.register_anyway.setObjectName("register-anyway")
        self.buttons.addButton(self.register_anyway, QDialogButtonBox.ButtonRole.ActionRole)
        self.register_anyway.hide()
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.save_button.clicked.connect(lambda: self.save())
        self.open_existing.clicked.connect(lambda: self._open_duplicate(None))
        self.register_anyway.clicked.connect(lambda: self.save(not_duplicate=True))
        self.cancel_button.clicked.connect(self.reject)
        outer.addWidget(self.buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.check)
        for combo in (self.sex, self.id_kind, self.source):
            combo.currentIndexChanged.connect(lambda _i: self._schedule_check())
        self.retranslate()
        if existing is not None:
            self._fill(existing.data)
        elif initial_name:
            self._prefill_name(initial_name)
        self.edits["family_name"].setFocus()
        self.check()

    # -- building ----------------------------------------------------------------

    def _row(self, form: QFormLayout, name: str, widget: QWidget) -> None:
        label = QLabel(form.parentWidget())
        label.setObjectName(f"label:{name}")
        label.setBuddy(widget)
        error = FieldError(form.parentWidget())
        error.setObjectName(f"error:{name}")
        self.errors[name] = error
        holder = QWidget(form.parentWidget())
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(widget)
        box.addWidget(error)
        form.addRow(label, holder)

    def _line(self, form: QFormLayout, name: str, *, max_length: int | None = None) -> None:
        edit = QLineEdit(form.parentWidget())
        edit.setObjectName(f"field:{name}")
        # A little over the limit, so the form can say "too long" rather than cut silently.
        edit.setMaxLength((max_length or LIMITS.get(name, 200)) + 20)
        edit.textEdited.connect(lambda _t, n=name: self._edited(n))
        self.edits[name] = edit
        self._row(form, name, edit)

    def retranslate(self) -> None:
        editing = self.existing is not None
        self.setWindowTitle(self.tr("Patient details") if editing else self.tr("New patient"))
        self.identity.setTitle(self.tr("Identity"))
        self.contact.setTitle(self.tr("Contact"))
        self.about.setTitle(self.tr("About the patient"))
        self.emergency.setTitle(self.tr("Emergency contact and notes"))
        labels = {
            "family_name": self.tr("Family name"),
            "given_name": self.tr("Given name"),
            "sex": self.tr("Sex"),
            "birth_date": self.tr("Date of birth"),
            "id_kind": self.tr("ID document"),
            "id_number": self.tr("Document number"),
            "phone": self.tr("Mobile phone"),
            "phone2": self.tr("Other phone"),
            "address": self.tr("Address"),
            "email": self.tr("E-mail"),
            "wechat": self.tr("WeChat ID"),
            "qq": self.tr("QQ"),
            "contact_channels": self.tr("Contact by"),
            "occupation": self.tr("Occupation"),
            "title": self.tr("Title or position"),
            "honorific_override": self.tr("Preferred form of address"),
            "source_channel": self.tr("Came to us by"),
            "special_needs": self.tr("Special needs"),
            "emergency_name": self.tr("Emergency contact"),
            "emergency_relation": self.tr("Relationship"),
            "emergency_phone": self.tr("Emergency phone"),
            "desk_notes": self.tr("Notes for the desk"),
        }
        for name, text in labels.items():
            label = self.findChild(QLabel, f"label:{name}")
            if label is not None:
                label.setText(text)
        self.edits["birth_date"].setPlaceholderText(self.tr("e.g. 1985-03-12"))
        self.edits["phone"].setPlaceholderText(self.tr("e.g. 138 1234 5678"))
        self.edits["honorific_override"].setPlaceholderText(
            self.tr("Only if the patient asked, e.g. 王教授")
        )
        for i in range(self.sex.count()):
            self.sex.setItemText(i, tr_code("Patient", SEX_LABELS[self.sex.itemData(i)]))
        self.id_kind.setItemText(0, self.tr("(none)"))
        for i in range(1, self.id_kind.count()):
            self.id_kind.setItemText(
                i, tr_code("Patient", ID_KIND_LABELS[self.id_kind.itemData(i)])
            )
        self.source.setItemText(0, self.tr("(not known)"))
        for i in range(1, self.source.count()):
            self.source.setItemText(i, tr_code("Patient", SOURCE_CHANNELS[self.source.itemData(i)]))
        for code, box in self.channel_boxes.items():
            box.setText(tr_code("Patient", CONTACT_CHANNELS[code]))
        for code, box in self.need_boxes.items():
            box.setText(tr_code("Patient", SPECIAL_NEEDS[code]))
        self.save_button.setText(self.tr("Save") if editing else self.tr("Register"))
        self.open_existing.setText(self.tr("Open the existing record"))
        self.register_anyway.setText(self.tr("It is a different person: register"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- data ----------------------------------------------------------------------

    def _prefill_name(self, text: str) -> None:
        from clinic_desk.core.rules.search_keys import is_han, split_name

        t = text.strip()
        if t and any(is_han(c) for c in t):
            family, given = split_name(t)
            self.edits["family_name"].setText(family)
            self.edits["given_name"].setText(given)
        elif t.replace(" ", "").isdigit():
            self.edits["phone"].setText(t)

    def _fill(self, d: PatientInput) -> None:
        region = str(self.ctx.clinic.setting("clinic.phone_region"))
        for name, edit in self.edits.items():
            value: Any = getattr(d, name)
            if name == "birth_date":
                value = value.isoformat() if value else ""
            elif name in ("phone", "phone2", "emergency_phone") and value:
                value = format_phone(value, region=region)
            edit.setText(str(value))
        self.sex.setCurrentIndex(max(0, self.sex.findData(d.sex)))
        self.id_kind.setCurrentIndex(max(0, self.id_kind.findData(d.id_kind)))
        self.source.setCurrentIndex(max(0, self.source.findData(d.source_channel)))
        for code, box in self.channel_boxes.items():
            box.setChecked(code in d.contact_channels)
        for code, box in self.need_boxes.items():
            box.setChecked(code in d.special_needs)
        self.notes.setPlainText(d.desk_notes)
        self.touched.update(PatientInput.field_names())

    def data(self) -> PatientInput | None:
        """The form as a ``PatientInput``; None when the date cannot be read."""
        values: dict[str, Any] = {n: e.text() for n, e in self.edits.items()}
        birth = parse_date_text(values.pop("birth_date"))
        if birth == "bad":
            return None
        return PatientInput(
            **values,
            birth_date=birth if isinstance(birth, date) else None,
            sex=str(self.sex.currentData()),
            id_kind=str(self.id_kind.currentData()),
            source_channel=str(self.source.currentData()),
            contact_channels=tuple(c for c, b in self.channel_boxes.items() if b.isChecked()),
            special_needs=tuple(c for c, b in self.need_boxes.items() if b.isChecked()),
            desk_notes=self.notes.toPlainText(),
        )

    # -- checking ------------------------------------------------------------------

    def _edited(self, name: str) -> None:
        self.touched.add(name)
        self._schedule_check()

    def _schedule_check(self) -> None:
        self._timer.start()

    def check(self) -> dict[str, FieldInvalid]:
        """Show each touched field's problem under it; returns every problem."""
        clinic = self.ctx.clinic
        data = self.data()
        bad_date = data is None
        if data is None:
            data = PatientInput(**self._safe_values())
        today = clinic.now().astimezone(clinic.timezone()).date()
        problems = field_errors(
            data, region=str(clinic.setting("clinic.phone_region")), today=today
        )
        if bad_date:
            problems["birth_date"] = FieldInvalid("birth_date", _date_error())
        for name, label in self.errors.items():
            problem = problems.get(name)
            shown = error_text(problem) if problem is not None and name in self.touched else ""
            label.show_text(shown)
            edit = self.edits.get(name)
            if edit is not None:
                edit.setStyleSheet(f"border: 1px solid {ERROR_COLOR};" if shown else "")
        self._preview(None if problems else data)
        if not problems:
            self.message.clear()
        return problems

    def _safe_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {n: e.text() for n, e in self.edits.items()}
        values.pop("birth_date")
        return {
            **values,
            "sex": str(self.sex.currentData()),
            "id_kind": str(self.id_kind.currentData()),
        }

    def _preview(self, data: PatientInput | None) -> None:
        if data is None or not (data.family_name or data.given_name):
            self.address_preview.clear()
            return
        from clinic_desk.core.services.registry_rules import check_patient

        clinic = self.ctx.clinic
        today = clinic.now().astimezone(clinic.timezone()).date()
        clean = check_patient(data, region=str(clinic.setting("clinic.phone_region")), today=today)
        details = patients.PatientDetails(
            uuid.UUID(int=0), "", clean, (), None, None, clinic.now(), clinic.now()
        )
        language = str(clinic.setting("clinic.language"))
        self.address_preview.setText(
            self.tr("Staff will address the patient as: {form}").format(
                form=patients.address_patient(clinic, details, language)
            )
        )

    # -- saving --------------------------------------------------------------------

    def save(self, *, not_duplicate: bool = False) -> None:
        self.touched.update(PatientInput.field_names())
        problems = self.check()
        if problems:
            first = next(iter(problems))
            self.message.show_error(self.tr("Correct the fields marked in red, then save."))
            widget = self.edits.get(first)
            if widget is not None:
                widget.setFocus()
            return
        data = self.data()
        assert data is not None
        actor = self.ctx.actor
        if actor is None:
            return
        self.duplicates.hide()
        self.open_existing.hide()
        self.register_anyway.hide()
        if self.existing is not None:
            self.start_call(
                patients.update_patient,
                self.ctx.clinic,
                actor,
                self.existing.id,
                data,
                on_success=self._saved,
            )
        else:
            self.start_call(
                patients.register_patient,
                self.ctx.clinic,
                actor,
                data,
                not_duplicate=not_duplicate,
                on_success=self._saved,
            )

    def _failed(self, error: BaseException) -> None:
        super()._failed(error)
        if isinstance(error, patients.DuplicatePatient):
            self.duplicates.clear()
            for c in error.candidates:
                born = c.birth_date.isoformat() if c.birth_date else "—"
                item = QListWidgetItem(
                    f"{c.record_no}  {display_name(c.family_name, c.given_name)}  {born}  {c.phone}"
                )
                item.setData(Qt.ItemDataRole.UserRole, c.id)
                self.duplicates.addItem(item)
            self.duplicates.setCurrentRow(0)
            self.duplicates.show()
            self.open_existing.show()
            self.register_anyway.setVisible(not error.certain and self.existing is None)
        elif isinstance(error, FieldInvalid):
            label = self.errors.get(error.field)
            if label is not None:
                label.show_text(error_text(error))

    def _open_duplicate(self, item: QListWidgetItem | None) -> None:
        item = item or self.duplicates.currentItem()
        if item is None:
            return
        self.saved_id = item.data(Qt.ItemDataRole.UserRole)
        self.sig_open_patient.emit(self.saved_id)
        self.accept()

    def _saved(self, written: Any) -> None:
        self.ctx.broadcast(written.changes)
        self.saved_id = written.value.id
        self.sig_open_patient.emit(self.saved_id)
        self.accept()


def _date_error() -> ValidationError:
    return ValidationError(
        QT_TRANSLATE_NOOP(
            "Errors", "This is not a date: type it as year-month-day, e.g. 1985-03-12."
        )
    )

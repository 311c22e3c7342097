"""The patient's prescriptions (spec D1): the list, one prescription in full, and writing one.

Writing checks the lines against the patient's allergies and current
medication before anything is saved; a major interaction or any allergy
warning needs "I have considered these warnings" and a reason, which are
kept with the prescription. The table behind the check is small and not a
complete reference, and the dialog says so.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.rules import prescribing
from clinic_desk.core.rules.interactions import DrugWarning
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import prescriptions
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.common import (
    FieldsDialog,
    ReadOnlyTable,
    ask_reason,
    full_error_text,
    local,
    tr_code,
)
from clinic_desk.ui.printing.documents import MedicationCardPrinter, print_medication_card
from clinic_desk.ui.settings.common import MessageLabel

if TYPE_CHECKING:
    from clinic_desk.ui.patients.file import PatientFileView

RED = "#b00020"
AMBER = "#8a5300"
GREY = "#757575"

# Labels for the warning kinds and severities; the core keeps only the codes.
WARNING_CONTEXT = "DrugWarning"
SEVERITY_LABELS: dict[str, str] = {
    "major": QT_TRANSLATE_NOOP("DrugWarning", "Major"),
    "moderate": QT_TRANSLATE_NOOP("DrugWarning", "Moderate"),
    "minor": QT_TRANSLATE_NOOP("DrugWarning", "Minor"),
}
KIND_LABELS: dict[str, str] = {
    "allergy": QT_TRANSLATE_NOOP("DrugWarning", "Allergy"),
    "interaction": QT_TRANSLATE_NOOP("DrugWarning", "Interaction"),
    "duplicate": QT_TRANSLATE_NOOP("DrugWarning", "Duplicate"),
}


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def ui_language() -> str:
    """The interface language now ("zh_CN", "zh_TW", "en_US"...), for the table's advice."""
    return QLocale().name()


def warning_line(w: DrugWarning) -> str:
    """One warning as a line, e.g. "Major · Interaction: 华法林 ↔ 阿司匹林 — advice"."""
    severity = tr_code(WARNING_CONTEXT, SEVERITY_LABELS.get(w.severity, w.severity))
    kind = tr_code(WARNING_CONTEXT, KIND_LABELS.get(w.kind, w.kind))
    pair = f"{w.drug} ↔ {w.other}" if w.other else w.drug
    return f"{severity} · {kind}: {pair} — {w.advice(ui_language())}"


def warning_color(w: DrugWarning) -> str:
    return RED if w.needs_override else AMBER if w.severity == "moderate" else GREY


def _warning_key(w: DrugWarning) -> tuple[str, str, str, str]:
    return (w.kind, w.severity, w.drug, w.other)


# -- the tab ------------------------------------------------------------------------------


class PrescriptionsTab(QWidget):
    """Prescriptions newest first (cancelled ones in grey), the selected one in full."""

    def __init__(self, ctx: AppContext, patient_id: uuid.UUID, parent: PatientFileView) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.patient_id = patient_id
        self.file = parent
        self.rows: list[prescriptions.PrescriptionView] = []
        self.loaded = False
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.new_button = QPushButton(self)
        self.new_button.setObjectName("new-prescription")
        self.new_button.clicked.connect(self.new_prescription)
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("cancel-prescription")
        self.cancel_button.clicked.connect(self.cancel_prescription)
        self.guidance_button = QPushButton(self)
        self.guidance_button.setObjectName("record-guidance")
        self.guidance_button.clicked.connect(self.record_guidance)
        # D2: the medication reminder card of the selected prescription.
        self.card_button = QPushButton(self)
        self.card_button.setObjectName("print-medication-card")
        self.card_button.clicked.connect(self.print_card)
        self.card_printer: MedicationCardPrinter | None = None
        for button in (
            self.new_button,
            self.cancel_button,
            self.guidance_button,
            self.card_button,
        ):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        split = QSplitter(Qt.Orientation.Vertical, self)
        self.table = ReadOnlyTable(split)
        self.table.setObjectName("prescriptions")
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.detail = QTextBrowser(split)
        self.detail.setObjectName("prescription-detail")
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        layout.addWidget(split, 1)
        self.retranslate()

    def title(self) -> str:
        return self.tr("Prescriptions")

    def showEvent(self, event: QShowEvent) -> None:
        # Rows filled while the tab was hidden were sized for a narrow table: redo them.
        super().showEvent(event)
        self.table.resizeRowsToContents()

    def retranslate(self) -> None:
        self.new_button.setText(self.tr("New prescription…"))
        self.cancel_button.setText(self.tr("Cancel prescription…"))
        self.guidance_button.setText(self.tr("Record guidance…"))
        self.new_button.setVisible(self.ctx.may(Action.PRESCRIPTION_WRITE))
        self.cancel_button.setVisible(self.ctx.may(Action.PRESCRIPTION_WRITE))
        self.guidance_button.setVisible(self.ctx.may(Action.PHARMACY_GUIDANCE))
        self.card_button.setText(self.tr("Print medication card…"))
        self.card_button.setToolTip(
            self.tr("The patient's reminder card: each drug, when to take it, and our phone")
        )
        self.table.set_headers(
            [
                self.tr("Date"),
                self.tr("Prescriber"),
                self.tr("Drugs"),
                self.tr("Warnings"),
                self.tr("Status"),
            ]
        )
        self.show_rows(self.rows)

    # -- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            prescriptions.list_prescriptions,
            self.ctx.clinic,
            actor,
            self.patient_id,
            break_glass_reason=self.file._reason(Action.PRESCRIPTION_READ),
            on_success=self._loaded,
            on_error=self._failed,
            owner=self,
        )

    def _loaded(self, rows: list[prescriptions.PrescriptionView]) -> None:
        self.loaded = True
        self.show_rows(rows)

    def _failed(self, error: BaseException) -> None:
        self.file.message.show_error(full_error_text(error))

    def item_summary(self, item: prescriptions.ItemView | prescriptions.ItemInput) -> str:
        """One line as a doctor writes it, e.g. "阿莫西林胶囊 0.25g, 0.5g 口服 tid 饭后 × 7天"."""
        text = " ".join(x for x in (item.drug, item.strength) if x)
        if item.dose:
            text += f", {item.dose}"
        route = prescribing.ROUTES.get(item.route)
        timing = prescribing.TIMINGS.get(item.timing) if item.timing else None
        parts = [
            text,
            tr_code(prescribing.CONTEXT, route) if route else item.route,
            item.frequency,  # the Latin code (tid, bid) is how prescriptions are written
            tr_code(prescribing.CONTEXT, timing) if timing else "",
        ]
        if item.duration_days:
            parts.append("× " + self.tr("%n day(s)", "", item.duration_days))
        return " ".join(p for p in parts if p)

    def show_rows(self, rows: list[prescriptions.PrescriptionView]) -> None:
        selected = self.table.current_id()
        self.rows = rows
        table_rows = []
        for rx in rows:
            serious = sum(w.needs_override for w in rx.warnings)
            if not rx.warnings:
                warned = ""
            elif serious:
                warned = self.tr("%n serious warning(s), confirmed", "", serious)
            else:
                warned = self.tr("%n warning(s)", "", len(rx.warnings))
            status = (
                self.tr("Cancelled {when}").format(when=local(self.ctx, rx.cancelled_at))
                if rx.cancelled_at
                else self.tr("Issued")
            )
            table_rows.append(
                (
                    rx.id,
                    (
                        local(self.ctx, rx.issued_at),
                        rx.prescriber_name,
                        "; ".join(self.item_summary(i) for i in rx.items),
                        warned,
                        status,
                    ),
                )
            )
        self.table.set_rows(table_rows, red=[i for i, rx in enumerate(rows) if rx.warnings])
        for r, rx in enumerate(rows):
            if not rx.active:  # cancelled: kept for the record, shown in grey
                for c in range(self.table.columnCount()):
                    cell = self.table.item(r, c)
                    if cell is not None:
                        cell.setForeground(QColor(GREY))
        if not rows:
            self.detail.setPlainText(
                self.tr("No prescriptions yet.") if self.loaded else self.tr("Loading…")
            )
            return
        ids = [rx.id for rx in rows]
        self.table.selectRow(ids.index(selected) if selected in ids else 0)
        self._show_selected()

    def selected(self) -> prescriptions.PrescriptionView | None:
        rx_id = self.table.current_id()
        return next((rx for rx in self.rows if rx.id == rx_id), None)

    def _show_selected(self) -> None:
        rx = self.selected()
        if rx is None:
            return
        html = [
            "<h3>"
            + _esc(
                self.tr("Prescription of {when} by {who}").format(
                    when=local(self.ctx, rx.issued_at), who=rx.prescriber_name or "—"
                )
            )
            + "</h3>"
        ]
        if rx.cancelled_at is not None:
            html.append(
                f"<p style='color:{GREY}'><b>"
                + _esc(
                    self.tr("Cancelled {when}. Reason: {reason}").format(
                        when=local(self.ctx, rx.cancelled_at), reason=rx.cancel_reason
                    )
                )
                + "</b></p>"
            )
        html.append("<ol>")
        for item in rx.items:
            line = _esc(self.item_summary(item))
            if item.quantity:
                line += " · " + _esc(self.tr("quantity {q}").format(q=item.quantity))
            if item.cautions:
                line += "<br><i>" + _esc(item.cautions).replace("\n", "<br>") + "</i>"
            html.append(f"<li>{line}</li>")
        html.append("</ol>")
        if rx.notes:
            _label = _esc(self.tr("Notes"))  # outside the f-string, for lupdate
            html.append(f"<p><b>{_label}</b><br>" + _esc(rx.notes).replace("\n", "<br>") + "</p>")
        if rx.warnings:
            _label = _esc(self.tr("Warnings shown when it was written"))  # for lupdate
            html.append(f"<p><b>{_label}</b></p><ul>")
            for w in rx.warnings:
                html.append(f"<li style='color:{warning_color(w)}'>{_esc(warning_line(w))}</li>")
            html.append("</ul>")
            if rx.override_reason:
                html.append(
                    "<p>"
                    + _esc(
                        self.tr("Prescribed anyway. Reason: {reason}").format(
                            reason=rx.override_reason
                        )
                    )
                    + "</p>"
                )
        _label = _esc(self.tr("Pharmacist guidance"))  # outside the f-string, for lupdate
        html.append(f"<p><b>{_label}</b></p>")
        if rx.guidance:
            for g in rx.guidance:
                html.append(
                    "<p>"
                    + _esc(f"{local(self.ctx, g.given_at)} · {g.pharmacist_name or '—'}")
                    + "<br>"
                    + _esc(g.guidance).replace("\n", "<br>")
                    + "</p>"
                )
        else:
            _label = _esc(self.tr("None recorded yet."))  # outside the f-string, for lupdate
            html.append(f"<p style='color:{GREY}'>{_label}</p>")
        self.detail.setHtml("".join(html))

    # -- actions --------------------------------------------------------------------------

    def new_prescription(self) -> None:
        PrescriptionDialog(self.ctx, self.patient_id, self).open()

    def _need_selection(self) -> prescriptions.PrescriptionView | None:
        rx = self.selected()
        if rx is None:
            self.file.message.show_error(self.tr("Choose a prescription in the list first."))
        return rx

    def cancel_prescription(self) -> None:
        rx = self._need_selection()
        actor = self.ctx.actor
        if rx is None or actor is None:
            return
        reason = ask_reason(
            self,
            self.tr("Cancel prescription"),
            self.tr(
                "Why is this prescription cancelled? It is kept in the record, marked "
                "cancelled, and its drugs leave the current medication list."
            ),
        )
        if reason is None:
            return
        self.ctx.runner.start(
            prescriptions.cancel_prescription,
            self.ctx.clinic,
            actor,
            rx.id,
            reason=reason,
            on_success=lambda written: self.ctx.broadcast(written.changes),
            on_error=self._failed,
            owner=self,
        )

    def print_card(self) -> None:
        rx = self._need_selection()
        if rx is None:
            return
        if not rx.active:
            self.file.message.show_error(
                self.tr("This prescription was cancelled: choose a current one to print its card.")
            )
            return
        self.card_printer = print_medication_card(
            self.ctx,
            self,
            rx.id,
            break_glass_reason=self.file._reason(Action.PRESCRIPTION_READ),
        )

    def record_guidance(self) -> None:
        rx = self._need_selection()
        if rx is None:
            return
        FieldsDialog(
            self.ctx,
            self,
            self.tr("Record guidance"),
            [("guidance", self.tr("What the patient was told"), "text", ())],
            prescriptions.record_guidance,
            rx.id,
            intro=self.tr("How to take the medicines, what to watch for, what to avoid."),
        ).open()


# -- writing a prescription ---------------------------------------------------------------

LINE_FIELDS = (
    "drug",
    "strength",
    "dose",
    "route",
    "frequency",
    "timing",
    "days",
    "quantity",
    "cautions",
)
REMOVE_COLUMN = len(LINE_FIELDS)


@dataclass(frozen=True)
class SaveOutcome:
    """What a save attempt came to: warnings to show first, or the written prescription."""

    warnings: tuple[DrugWarning, ...]
    written: Any = None


def check_then_write(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    items: Sequence[prescriptions.ItemInput],
    *,
    seen: frozenset[tuple[str, str, str, str]],
    acknowledged: bool,
    override_reason: str,
    notes: str,
) -> SaveOutcome:
    """Check first; write only when every warning has been on screen and the
    serious ones were confirmed with a reason (the service checks again)."""
    warnings = tuple(prescriptions.check_prescription(clinic, actor, patient_id, list(items)))
    unseen = any(_warning_key(w) not in seen for w in warnings)
    serious = any(w.needs_override for w in warnings)
    if unseen or (serious and not (acknowledged and override_reason.strip())):
        return SaveOutcome(warnings)
    written = prescriptions.write_prescription(
        clinic,
        actor,
        patient_id,
        list(items),
        notes=notes,
        acknowledged_warnings=acknowledged and serious,
        override_reason=override_reason if warnings else "",
    )
    return SaveOutcome(warnings, written)


def _days(text: str) -> int | None:
    # "7", "７" or "7天" are all seven days; anything else is left for the service to refuse.
    digits = "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit())
    return int(digits) if digits and len(digits) <= 4 else None


class PrescriptionDialog(QDialog):
    """The lines of a new prescription, its warnings and the confirmation they may need."""

    def __init__(
        self, ctx: AppContext, patient_id: uuid.UUID, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.patient_id = patient_id
        self.busy = False
        self.result_value: Any = None
        self.warnings: tuple[DrugWarning, ...] = ()
        self.lines: list[dict[str, QWidget]] = []
        self.setObjectName("prescription-dialog")
        self.setMinimumWidth(1000)
        self.resize(1180, 680)
        layout = QVBoxLayout(self)

        self.allergies = QLabel(self)
        self.allergies.setObjectName("rx-allergies")
        self.allergies.setWordWrap(True)
        layout.addWidget(self.allergies)

        self.table = QTableWidget(0, len(LINE_FIELDS) + 1, self)
        self.table.setObjectName("rx-lines")
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column, width in enumerate((170, 80, 70, 130, 160, 120, 55, 70)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(LINE_FIELDS.index("cautions"), QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(REMOVE_COLUMN, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(REMOVE_COLUMN, 34)
        self.table.setMinimumHeight(170)
        layout.addWidget(self.table, 2)
        row = QHBoxLayout()
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("rx-add-line")
        self.add_button.clicked.connect(lambda: self.add_line())
        self.check_button = QPushButton(self)
        self.check_button.setObjectName("rx-check")
        self.check_button.clicked.connect(self.check)
        row.addWidget(self.add_button)
        row.addWidget(self.check_button)
        row.addStretch(1)
        layout.addLayout(row)

        self.notes_label = QLabel(self)
        layout.addWidget(self.notes_label)
        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("rx-notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(60)
        layout.addWidget(self.notes)

        self.warnings_title = QLabel(self)
        layout.addWidget(self.warnings_title)
        self.warning_list = QListWidget(self)
        self.warning_list.setObjectName("rx-warnings")
        self.warning_list.setWordWrap(True)
        self.warning_list.setMinimumHeight(90)
        layout.addWidget(self.warning_list, 1)
        self.disclaimer = QLabel(self)
        self.disclaimer.setObjectName("rx-disclaimer")
        self.disclaimer.setWordWrap(True)
        self.disclaimer.setStyleSheet(f"color: {GREY};")
        layout.addWidget(self.disclaimer)

        self.override = QWidget(self)
        over = QHBoxLayout(self.override)
        over.setContentsMargins(0, 0, 0, 0)
        self.acknowledge = QCheckBox(self.override)
        self.acknowledge.setObjectName("rx-acknowledge")
        self.reason_label = QLabel(self.override)
        self.reason = QLineEdit(self.override)
        self.reason.setObjectName("rx-override-reason")
        self.reason.setMaxLength(prescriptions.MAX_REASON)
        over.addWidget(self.acknowledge)
        over.addWidget(self.reason_label)
        over.addWidget(self.reason, 1)
        layout.addWidget(self.override)

        self.message = MessageLabel(self)
        self.message.setObjectName("rx-message")
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.add_line()
        self.retranslate()
        self._show_warnings((), checked=False)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("New prescription"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Drug"),
                self.tr("Strength"),
                self.tr("Dose"),
                self.tr("Route"),
                self.tr("How often"),
                self.tr("When"),
                self.tr("Days"),
                self.tr("Quantity"),
                self.tr("Cautions"),
                "",
            ]
        )
        for line in self.lines:
            self._fill_combos(line)
            line["drug"].setPlaceholderText(self.tr("drug name"))  # type: ignore[attr-defined]
            line["remove"].setToolTip(self.tr("Remove this line"))
        self.add_button.setText(self.tr("Add a line"))
        self.check_button.setText(self.tr("Check"))
        self.check_button.setToolTip(
            self.tr("Check the drugs against the allergies and current medication")
        )
        self.notes_label.setText(self.tr("Notes (optional)"))
        self.warnings_title.setText(self.tr("Warnings"))
        self.disclaimer.setText(
            self.tr(
                "The interaction table covers only common drugs and well-known interactions. "
                "It is NOT a complete reference: no warning does not mean a combination is safe."
            )
        )
        self.acknowledge.setText(self.tr("I have considered these warnings"))
        self.reason_label.setText(self.tr("Reason:"))
        self.reason.setPlaceholderText(self.tr("Why prescribe despite the warnings"))
        allergies = self._known_allergies()
        if allergies is None:
            self.allergies.hide()
        else:
            self.allergies.setText(
                self.tr("Allergies: {list}").format(list="、".join(allergies))
                if allergies
                else self.tr("Allergies: none recorded. Ask the patient.")
            )
            self.allergies.setStyleSheet(f"color: {RED}; font-weight: bold;" if allergies else "")

    def _known_allergies(self) -> list[str] | None:
        # The file view already holds them; the dialog only repeats them in view.
        file = self.parent()
        while file is not None and not hasattr(file, "allergies"):
            file = file.parent()
        allergies = file.allergies() if file is not None else None
        return None if allergies is None else [a.substance for a in allergies]

    # -- lines ----------------------------------------------------------------------------

    def _fill_combos(self, line: dict[str, QWidget]) -> None:
        tables: dict[str, list[tuple[str, str]]] = {
            "route": [
                (code, tr_code(prescribing.CONTEXT, label))
                for code, label in prescribing.ROUTES.items()
            ],
            "frequency": [("", self.tr("— choose —"))]
            + [
                (code, f"{tr_code(prescribing.CONTEXT, f.label)} ({code})")
                for code, f in prescribing.FREQUENCIES.items()
            ],
            "timing": [("", "—")]
            + [
                (code, tr_code(prescribing.CONTEXT, label))
                for code, label in prescribing.TIMINGS.items()
            ],
        }
        for name, choices in tables.items():
            combo = line[name]
            assert isinstance(combo, QComboBox)
            current = combo.currentData()
            combo.clear()
            for code, label in choices:
                combo.addItem(label, code)
            combo.setCurrentIndex(max(0, combo.findData(current if current is not None else "")))
        route = line["route"]
        assert isinstance(route, QComboBox)
        if route.currentData() is None:
            route.setCurrentIndex(route.findData("oral"))

    def add_line(self) -> dict[str, QWidget]:
        if len(self.lines) >= prescriptions.MAX_ITEMS:
            self.message.show_error(
                self.tr("At most {n} lines fit one prescription.").format(n=prescriptions.MAX_ITEMS)
            )
            return self.lines[-1]
        r = self.table.rowCount()
        self.table.insertRow(r)
        line: dict[str, QWidget] = {}
        for c, name in enumerate(LINE_FIELDS):
            widget: QWidget
            if name in ("route", "frequency", "timing"):
                widget = QComboBox(self.table)
            else:
                edit = QLineEdit(self.table)
                edit.setFrame(False)
                edit.setMaxLength(
                    {
                        "drug": prescriptions.MAX_DRUG,
                        "strength": prescriptions.MAX_STRENGTH,
                        "dose": prescriptions.MAX_DOSE,
                        "days": 4,
                        "quantity": prescriptions.MAX_QUANTITY,
                    }.get(name, prescriptions.MAX_CAUTIONS)
                )
                widget = edit
            widget.setObjectName(f"rx-{name}")
            line[name] = widget
            self.table.setCellWidget(r, c, widget)
        remove = QPushButton("✕", self.table)
        remove.setObjectName("rx-remove-line")
        remove.setFlat(True)
        remove.setFixedWidth(30)
        remove.clicked.connect(lambda _=False, w=remove: self._remove_line(w))
        line["remove"] = remove
        self.table.setCellWidget(r, REMOVE_COLUMN, remove)
        self.lines.append(line)
        self._fill_combos(line)
        line["drug"].setPlaceholderText(self.tr("drug name"))  # type: ignore[attr-defined]
        remove.setToolTip(self.tr("Remove this line"))
        line["drug"].setFocus()
        return line

    def _remove_line(self, button: QWidget) -> None:
        for r, line in enumerate(self.lines):
            if line["remove"] is button:
                self.table.removeRow(r)
                del self.lines[r]
                break
        if not self.lines:
            self.add_line()

    def set_line(self, index: int, **values: str) -> None:
        """Fill a line by field name (codes for the combos); used by tests and templates."""
        while len(self.lines) <= index:
            self.add_line()
        line = self.lines[index]
        for name, value in values.items():
            widget = line[name]
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(0, widget.findData(value)))
            elif isinstance(widget, QLineEdit):
                widget.setText(value)

    def items(self) -> list[prescriptions.ItemInput]:
        """The typed lines; wholly empty lines are skipped, the rest go to the service as is."""
        found = []
        for line in self.lines:
            texts = {
                n: w.text() for n, w in line.items() if isinstance(w, QLineEdit)
            }  # drug, strength, dose, days, quantity, cautions
            combos = {n: w.currentData() or "" for n, w in line.items() if isinstance(w, QComboBox)}
            if not any(t.strip() for t in texts.values()):
                continue
            found.append(
                prescriptions.ItemInput(
                    drug=texts["drug"],
                    strength=texts["strength"],
                    dose=texts["dose"],
                    route=combos["route"] or "oral",
                    frequency=combos["frequency"],
                    timing=combos["timing"],
                    duration_days=_days(texts["days"]),
                    quantity=texts["quantity"],
                    cautions=texts["cautions"],
                )
            )
        return found

    # -- checking and saving --------------------------------------------------------------

    def _show_warnings(self, warnings: Sequence[DrugWarning], *, checked: bool) -> None:
        self.warnings = tuple(warnings)
        self.warning_list.clear()
        for w in warnings:
            item = QListWidgetItem(warning_line(w))
            color = warning_color(w)
            item.setForeground(QColor(color))
            item.setBackground(QColor("#fdecea" if color == RED else "#fff4e0"))
            self.warning_list.addItem(item)
        if not warnings:
            self.warning_list.addItem(
                self.tr("No warnings found in the table.")
                if checked
                else self.tr("Not checked yet. Press Check, or Save (which checks first).")
            )
        serious = any(w.needs_override for w in warnings)
        self.override.setVisible(serious)
        if not serious:
            self.acknowledge.setChecked(False)

    def _start(self, fn: Any, *args: Any, on_success: Any, **kwargs: Any) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        self.busy = True
        self.buttons.setEnabled(False)
        self.check_button.setEnabled(False)
        self.ctx.runner.start(
            fn,
            self.ctx.clinic,
            actor,
            self.patient_id,
            *args,
            on_success=on_success,
            on_error=self._failed,
            owner=self,
            **kwargs,
        )

    def _idle(self) -> None:
        self.busy = False
        self.buttons.setEnabled(True)
        self.check_button.setEnabled(True)

    def check(self) -> None:
        self.message.clear()
        self._start(prescriptions.check_prescription, self.items(), on_success=self._checked)

    def _checked(self, warnings: list[DrugWarning]) -> None:
        self._idle()
        self._show_warnings(warnings, checked=True)
        if warnings:
            self.message.show_info(
                self.tr("%n warning(s): read them before saving.", "", len(warnings))
            )
        else:
            self.message.show_ok(self.tr("No warnings found in the table."))

    def save(self) -> None:
        self.message.clear()
        items = self.items()
        if not items:
            self.message.show_error(self.tr("Type at least one drug."))
            return
        self._start(
            check_then_write,
            items,
            seen=frozenset(_warning_key(w) for w in self.warnings),
            acknowledged=self.acknowledge.isChecked(),
            override_reason=self.reason.text(),
            notes=self.notes.toPlainText(),
            on_success=self._saved,
        )

    def _saved(self, outcome: SaveOutcome) -> None:
        self._idle()
        if outcome.written is not None:
            self.result_value = outcome.written
            self.ctx.broadcast(outcome.written.changes)
            self.accept()
            return
        self._refuse(outcome.warnings)

    def _refuse(self, warnings: Sequence[DrugWarning]) -> None:
        """Nothing was saved: show the warnings and say what is needed to go on."""
        new = any(_warning_key(w) not in {_warning_key(x) for x in self.warnings} for w in warnings)
        self._show_warnings(warnings, checked=True)
        if not any(w.needs_override for w in warnings):
            self.message.show_error(
                self.tr("Nothing was saved yet. Read the warnings, then press Save again.")
            )
        elif new or not self.acknowledge.isChecked():
            self.message.show_error(
                self.tr(
                    "Nothing was saved: there is a major interaction or an allergy warning. "
                    "To prescribe anyway, tick “I have considered these warnings” and give the "
                    "reason."
                )
            )
            self.acknowledge.setFocus()
        else:
            self.message.show_error(
                self.tr("Nothing was saved: type the reason for prescribing despite the warnings.")
            )
            self.reason.setFocus()

    def _failed(self, error: BaseException) -> None:
        self._idle()
        self.message.show_error(full_error_text(error))
        if isinstance(error, prescriptions.PrescriptionWarnings):
            # The record changed since the check (another workstation): show what is new.
            self._show_warnings(error.warnings, checked=True)

    def reject(self) -> None:
        if not self.busy:
            super().reject()

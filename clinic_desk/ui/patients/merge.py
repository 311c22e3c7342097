"""Merging a duplicate record into this one (issue 4; director only).

The director finds the duplicate as at the desk (results as you type), sees
both records side by side, gives a reason and is told in plain words what
the merge does before it is done. The service moves everything and keeps
the duplicate as a read-only tombstone.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.rules.phones import format_phone
from clinic_desk.core.services import patient_search, patients
from clinic_desk.core.services.registry_rules import display_name
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.common import ReadOnlyTable, full_error_text
from clinic_desk.ui.settings.common import ERROR_COLOR, MessageLabel

ROWS = ("name", "record_no", "birth", "phone", "id")


class MergeDialog(QDialog):
    def __init__(
        self, ctx: AppContext, details: patients.PatientDetails, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.details = details
        self.region = str(ctx.clinic.setting("clinic.phone_region"))
        self.hits: list[patient_search.PatientHit] = []
        self.duplicate: patient_search.PatientHit | None = None
        self.busy = False
        self.result_value: Any = None
        self._ticket = 0
        self.setObjectName("merge-dialog")
        self.setMinimumWidth(760)
        layout = QVBoxLayout(self)

        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.search = QLineEdit(self)
        self.search.setObjectName("merge-search")
        self.search.setClearButtonEnabled(True)
        self.search.setMaxLength(100)
        layout.addWidget(self.search)
        self.results = ReadOnlyTable(self)
        self.results.setObjectName("merge-results")
        self.results.setMinimumHeight(150)
        self.results.itemSelectionChanged.connect(self._chosen)
        layout.addWidget(self.results, 1)

        # Both records side by side: label, this record, the duplicate.
        grid = QGridLayout()
        self.head_keep = QLabel(self)
        self.head_dup = QLabel(self)
        for head in (self.head_keep, self.head_dup):
            head.setStyleSheet("font-weight: bold;")
        grid.addWidget(self.head_keep, 0, 1)
        grid.addWidget(self.head_dup, 0, 2)
        self.labels: dict[str, QLabel] = {}
        self.keep_values: dict[str, QLabel] = {}
        self.dup_values: dict[str, QLabel] = {}
        for r, key in enumerate(ROWS, start=1):
            self.labels[key] = QLabel(self)
            self.keep_values[key] = QLabel(self)
            self.dup_values[key] = QLabel(self)
            self.dup_values[key].setObjectName(f"duplicate:{key}")
            grid.addWidget(self.labels[key], r, 0)
            grid.addWidget(self.keep_values[key], r, 1)
            grid.addWidget(self.dup_values[key], r, 2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        layout.addLayout(grid)

        self.reason_label = QLabel(self)
        layout.addWidget(self.reason_label)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("merge-reason")
        self.reason.setMaxLength(1000)
        layout.addWidget(self.reason)
        self.warning = QLabel(self)
        self.warning.setObjectName("merge-warning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(f"color: {ERROR_COLOR}; font-weight: bold;")
        layout.addWidget(self.warning)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.merge_button = QPushButton(self)
        self.merge_button.setObjectName("merge-confirm")
        self.merge_button.setEnabled(False)
        self.buttons.addButton(self.merge_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.merge)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.retranslate()
        self._show_keep()
        self._show_duplicate()
        self.search.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Merge a duplicate record"))
        self.intro.setText(
            self.tr(
                "Find the other record of this same patient: type a name, pinyin, phone "
                "digits, ID or record number, then choose it in the list."
            )
        )
        self.search.setPlaceholderText(self.tr("Search for the duplicate"))
        self.results.set_headers(
            [
                self.tr("Record no."),
                self.tr("Name"),
                self.tr("Date of birth"),
                self.tr("Phone"),
                self.tr("ID document"),
            ]
        )
        self.head_keep.setText(self.tr("This record (kept)"))
        self.head_dup.setText(self.tr("Duplicate (merged into it)"))
        for key, text in zip(
            ROWS,
            (
                self.tr("Name"),
                self.tr("Record no."),
                self.tr("Date of birth"),
                self.tr("Phone"),
                self.tr("ID document"),
            ),
            strict=True,
        ):
            self.labels[key].setText(text)
        self.reason_label.setText(self.tr("Why are these the same patient? (required)"))
        self.reason.setPlaceholderText(self.tr("e.g. same ID number; registered twice at the desk"))
        self.warning.setText(
            self.tr(
                "Everything recorded for the duplicate moves to this record; the duplicate is "
                "kept, marked as merged, and cannot be edited. This cannot be undone from the "
                "screen."
            )
        )
        self.merge_button.setText(self.tr("Merge"))
        self._show_results()

    # -- the two records --------------------------------------------------------------------

    def _phone(self, phone: str) -> str:
        return format_phone(phone, region=self.region) if phone else "—"

    def _show_keep(self) -> None:
        d = self.details
        data = d.data
        values = {
            "name": d.full_name,
            "record_no": d.record_no,
            "birth": data.birth_date.isoformat() if data.birth_date else "—",
            "phone": self._phone(data.phone),
            "id": patient_search.mask_id_number(data.id_number) if data.id_number else "—",
        }
        for key, text in values.items():
            self.keep_values[key].setText(text)

    def _show_duplicate(self) -> None:
        hit = self.duplicate
        values = (
            {key: "—" for key in ROWS}
            if hit is None
            else {
                "name": display_name(hit.family_name, hit.given_name),
                "record_no": hit.record_no,
                "birth": hit.birth_date.isoformat() if hit.birth_date else "—",
                "phone": self._phone(hit.phone),
                "id": hit.id_number_masked or "—",
            }
        )
        for key, text in values.items():
            self.dup_values[key].setText(text)
        self.merge_button.setEnabled(hit is not None and not self.busy)

    # -- searching --------------------------------------------------------------------------

    def run_search(self) -> None:
        actor = self.ctx.actor
        query = self.search.text()
        if actor is None:
            return
        self._ticket += 1
        ticket = self._ticket
        if not query.strip():
            self._got_hits(ticket, [])
            return
        self.ctx.runner.start(
            patient_search.search_patients,
            self.ctx.clinic,
            actor,
            query,
            limit=30,
            on_success=lambda hits: self._got_hits(ticket, hits),
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )

    def _got_hits(self, ticket: int, hits: list[patient_search.PatientHit]) -> None:
        if ticket != self._ticket:  # a slower, older answer must not replace a newer one
            return
        self.hits = [h for h in hits if h.id != self.details.id]
        self._show_results()

    def _show_results(self) -> None:
        self.results.set_rows(
            [
                (
                    h.id,
                    (
                        h.record_no,
                        display_name(h.family_name, h.given_name),
                        h.birth_date.isoformat() if h.birth_date else "",
                        self._phone(h.phone) if h.phone else "",
                        h.id_number_masked,
                    ),
                )
                for h in self.hits
            ]
        )
        chosen = self.duplicate.id if self.duplicate is not None else None
        ids = [h.id for h in self.hits]
        if chosen in ids:
            self.results.selectRow(ids.index(chosen))

    def _chosen(self) -> None:
        hit_id = self.results.current_id()
        self.duplicate = next((h for h in self.hits if h.id == hit_id), None)
        self._show_duplicate()

    # -- merging ----------------------------------------------------------------------------

    def merge(self) -> None:
        actor = self.ctx.actor
        if self.duplicate is None or actor is None or self.busy:
            if self.duplicate is None:
                self.message.show_error(self.tr("Choose the duplicate record in the list first."))
            return
        self.busy = True
        self.merge_button.setEnabled(False)
        self.message.clear()
        self.ctx.runner.start(
            patients.merge_patients,
            self.ctx.clinic,
            actor,
            self.details.id,
            self.duplicate.id,
            reason=self.reason.text(),
            on_success=self._merged,
            on_error=self._failed,
            owner=self,
        )

    def _merged(self, written: Any) -> None:
        self.busy = False
        self.result_value = written
        self.ctx.broadcast(written.changes)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.merge_button.setEnabled(self.duplicate is not None)
        self.message.show_error(full_error_text(error))
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)

    def reject(self) -> None:
        if not self.busy:
            super().reject()

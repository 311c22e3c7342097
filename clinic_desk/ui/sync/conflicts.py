"""Merge conflicts for the director (issue 7): values that lost a merge, kept for review.

When two workstations changed the same field without seeing each other's change,
the later change wins everywhere and the earlier value is kept here. Each row
says what (in words: "Patient · phone"), the value in the record now, the value
that lost, and when and where each change was made; "Keep" closes the item,
"Restore lost value" writes the lost value back (an ordinary change that syncs).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.errors import ClinicError
from clinic_desk.core.services import patients
from clinic_desk.core.services import sync as sync_service
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic
from clinic_desk.core.sync.merge import renamed
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import error_text
from clinic_desk.ui.patients.common import phone_text
from clinic_desk.ui.settings.common import MessageLabel

MAX_VALUE_CHARS = 48
HEX_ID = re.compile(r"^[0-9a-f]{32}$")
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
COL_WHAT, COL_KEPT, COL_LOST, COL_LOST_AT, COL_KEPT_AT, COL_ACTIONS = range(6)


@dataclass(frozen=True)
class ConflictData:
    conflicts: tuple[sync_service.ConflictView, ...]
    workstations: dict[str, str] = field(default_factory=dict)  # device id -> name
    people: dict[str, str] = field(default_factory=dict)  # patient row key -> name
    hub_problem: str = ""  # the workstation names could not be read (hub away)


def load_conflicts(clinic: Clinic, actor: Actor) -> ConflictData:
    """On the worker thread: the open conflicts, the workstations' names, the patients'."""
    conflicts = tuple(sync_service.list_conflicts(clinic, actor))
    names: dict[str, str] = {}
    problem = ""
    try:
        names = {w.device_id: w.name for w in sync_service.list_workstations(clinic, actor)}
    except ClinicError as error:
        problem = error_text(error)
    people: dict[str, str] = {}
    for c in conflicts:
        key = c.row_key.split("|")[0]
        if c.table == "patient" and key not in people:
            try:
                # Opening the patient is audited: the director sees their data here.
                details = patients.get_patient(clinic, actor, uuid.UUID(hex=key))
                people[key] = details.full_name
            except (ClinicError, ValueError):
                people[key] = ""
    return ConflictData(conflicts, names, people, problem)


class ConflictsDialog(QDialog):
    """The open conflicts, one per row, with "Keep" and "Restore lost value"."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("conflictsDialog")
        self.data: ConflictData | None = None
        self.loads = 0  # answers drawn (tests wait on it)
        self.busy = False
        self.action_buttons: dict[uuid.UUID, tuple[QPushButton, QPushButton]] = {}
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = QTableWidget(0, 6, self)
        self.table.setObjectName("conflictsTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column in (COL_KEPT, COL_LOST):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        self.empty.hide()
        layout.addWidget(self.empty)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(1060, 460)
        self.retranslate()
        self.reload()

    # -- text -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Sync conflicts"))
        self.intro.setText(
            self.tr(
                "Two workstations changed the same thing without seeing each other's change. "
                "The later change is in the record now; the earlier value is kept here. Keep "
                "the record as it is, or restore the lost value (every workstation gets it)."
            )
        )
        self.empty.setText(self.tr("There are no open conflicts."))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("What"),
                self.tr("In the record now"),
                self.tr("Lost value"),
                self.tr("Lost change made"),
                self.tr("Kept change made"),
                "",
            ]
        )
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def table_label(self, table: str) -> str:
        labels = {
            "patient": self.tr("Patient"),
            "allergy": self.tr("Allergy"),
            "medication": self.tr("Medication"),
            "condition": self.tr("Condition"),
            "visit": self.tr("Visit"),
            "vital_signs": self.tr("Vital signs"),
            "prescription": self.tr("Prescription"),
            "prescription_item": self.tr("Prescription line"),
            "referral": self.tr("Referral"),
            "appointment": self.tr("Appointment"),
            "appointment_type": self.tr("Appointment type"),
            "waitlist_entry": self.tr("Waiting list"),
            "queue_entry": self.tr("Queue"),
            "staff": self.tr("Staff member"),
            "setting": self.tr("Setting"),
            "roster_rule": self.tr("Roster"),
            "roster_exception": self.tr("Roster change"),
            "resource": self.tr("Room or device"),
            "doctor_profile": self.tr("Doctor's profile"),
            "clinic_closure": self.tr("Clinic closure"),
        }
        return labels.get(table, table.replace("_", " ").capitalize())

    def field_label(self, name: str) -> str:
        labels = {
            "phone": self.tr("phone"),
            "family_name": self.tr("family name"),
            "given_name": self.tr("given name"),
            "birth_date": self.tr("date of birth"),
            "sex": self.tr("sex"),
            "address": self.tr("address"),
            "desk_notes": self.tr("notes for the desk"),
            "notes": self.tr("notes"),
            "occupation": self.tr("occupation"),
            "id_number": self.tr("ID number"),
            "record_no": self.tr("record number"),
            "status": self.tr("status"),
            "starts_at": self.tr("start time"),
            "ends_at": self.tr("end time"),
            "doctor_id": self.tr("doctor"),
            "patient_id": self.tr("patient"),
            "login": self.tr("user name"),
            "display_name": self.tr("name"),
            "role": self.tr("role"),
            "value": self.tr("value"),
            "name": self.tr("name"),
            "deleted_at": self.tr("removed"),
            "substance": self.tr("substance"),
            "severity": self.tr("severity"),
            "reaction": self.tr("reaction"),
        }
        if name in labels:
            return labels[name]
        return name.removesuffix("_id").replace("_", " ")

    def what(self, c: sync_service.ConflictView) -> str:
        text = f"{self.table_label(c.table)} · {self.field_label(c.field)}"
        person = self.data.people.get(c.row_key.split("|")[0], "") if self.data else ""
        return f"{text} — {person}" if person else text

    def value_text(self, value: Any) -> tuple[str, str]:
        """(short text for the cell, full text for the tooltip)."""
        if value is None or value == "":
            return self.tr("(empty)"), ""
        if isinstance(value, bool):
            return (self.tr("yes") if value else self.tr("no")), ""
        if isinstance(value, str) and HEX_ID.match(value):
            return self.tr("record #{short}").format(short=value[:8]), value
        if isinstance(value, str) and ISO_MOMENT.match(value):
            try:
                moment = datetime.fromisoformat(value.replace(" ", "T"))
            except ValueError:
                moment = None
            if moment is not None:
                if moment.tzinfo is None:  # the database keeps times in UTC
                    moment = moment.replace(tzinfo=UTC)
                here = moment.astimezone(self.ctx.clinic.timezone())
                return here.strftime("%Y-%m-%d %H:%M"), value
        text = value if isinstance(value, str) else str(value)
        if isinstance(value, (dict, list)) or (
            isinstance(value, str) and value[:1] in "{[" and value[-1:] in "}]"
        ):
            try:
                parsed = json.loads(value) if isinstance(value, str) else value
                text = json.dumps(parsed, ensure_ascii=False, separators=(", ", ": "))
            except ValueError:
                pass
        full = text
        one_line = " ".join(text.split())
        if len(one_line) > MAX_VALUE_CHARS:
            return one_line[: MAX_VALUE_CHARS - 1] + "…", full
        return one_line, full if one_line != full else ""

    def phone(self, value: Any) -> tuple[str, str]:
        """A stored number as the desk reads it (139 3333 4444), the stored form in the tip."""
        if isinstance(value, str) and value:
            return phone_text(self.ctx, value), value
        return self.value_text(value)

    def moment_text(self, moment: datetime, device: str) -> str:
        here = moment.astimezone(self.ctx.clinic.timezone()).strftime("%m-%d %H:%M")
        names = self.data.workstations if self.data is not None else {}
        where = names.get(device) or self.tr("workstation {id}").format(id=device[:6])
        return self.tr("{time} at {workstation}").format(time=here, workstation=where)

    # -- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            load_conflicts,
            self.ctx.clinic,
            actor,
            on_success=self._loaded,
            on_error=self._failed,
            owner=self,
        )

    def _loaded(self, data: ConflictData) -> None:
        self.data = data
        self.loads += 1
        self.busy = False
        if data.hub_problem:
            self.message.show_info(
                self.tr("Workstation names could not be read from the hub: {reason}").format(
                    reason=data.hub_problem
                )
            )
        elif not self.message.is_error:
            self.message.clear()
        self._fill()

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self._enable_actions()
        self.message.show_error(error_text(error))

    def _fill(self) -> None:
        data = self.data
        conflicts = data.conflicts if data is not None else ()
        self.empty.setVisible(data is not None and not conflicts)
        self.table.setVisible(not (data is not None and not conflicts))
        self.table.setRowCount(len(conflicts))
        self.action_buttons = {}
        for i, c in enumerate(conflicts):
            self._fill_row(i, c)
        self.table.resizeRowsToContents()
        self._enable_actions()

    def _fill_row(self, i: int, c: sync_service.ConflictView) -> None:
        if c.field.endswith("phone"):
            kept, kept_full = self.phone(c.kept_value)
        else:
            kept, kept_full = self.value_text(c.kept_value)
        if c.kind == "duplicate":
            lost = self.tr("renamed to {value}").format(
                value=renamed(str(c.lost_value), c.row_key.split("|")[0])
            )
            lost_full = self.tr(
                "Two records had the same {field}; the later one was renamed so both stay."
            ).format(field=self.field_label(c.field))
        elif c.field.endswith("phone"):
            lost, lost_full = self.phone(c.lost_value)
        else:
            lost, lost_full = self.value_text(c.lost_value)
        cells = [
            (self.what(c), f"{c.table}.{c.field} {c.row_key}"),
            (kept, kept_full),
            (lost, lost_full),
            (self.moment_text(c.lost_at, c.lost_by), ""),
            (self.moment_text(c.kept_at, c.kept_by), ""),
        ]
        for column, (text, tip) in enumerate(cells):
            item = QTableWidgetItem(text)
            if tip:
                item.setToolTip(tip)
            if column == COL_WHAT:
                item.setData(Qt.ItemDataRole.UserRole, c.id)
            self.table.setItem(i, column, item)
        box = QWidget(self.table)
        row = QHBoxLayout(box)
        row.setContentsMargins(4, 2, 4, 2)
        keep = QPushButton(self.tr("Keep"), box)
        keep.setObjectName("keep")
        keep.setToolTip(self.tr("The record stays as it is; this item is closed."))
        restore = QPushButton(self.tr("Restore lost value"), box)
        restore.setObjectName("restore")
        if c.kind == "duplicate":
            restore.setToolTip(self.tr("Not possible here: change the record itself."))
        else:
            restore.setToolTip(
                self.tr("Write the lost value back into the record, on every workstation.")
            )
        keep.clicked.connect(lambda _=False, cid=c.id: self.settle(cid, restore=False))
        restore.clicked.connect(lambda _=False, cid=c.id: self.settle(cid, restore=True))
        row.addWidget(keep)
        row.addWidget(restore)
        self.table.setCellWidget(i, COL_ACTIONS, box)
        self.action_buttons[c.id] = (keep, restore)

    def _enable_actions(self) -> None:
        kinds = {c.id: c.kind for c in self.data.conflicts} if self.data is not None else {}
        for cid, (keep, restore) in self.action_buttons.items():
            keep.setEnabled(not self.busy)
            restore.setEnabled(not self.busy and kinds.get(cid) == "field")

    # -- settling -------------------------------------------------------------------------

    def settle(self, conflict_id: uuid.UUID, *, restore: bool) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        self.busy = True
        self._enable_actions()
        self.message.clear()
        self.ctx.runner.start(
            sync_service.settle_conflict,
            self.ctx.clinic,
            actor,
            conflict_id,
            restore=restore,
            on_success=self._settled,
            on_error=self._failed,
            owner=self,
        )

    def _settled(self, written: Any) -> None:
        changes: Changes = written.changes
        self.ctx.broadcast(changes | Changes(frozenset({Topic.SYNC})))
        self.reload()

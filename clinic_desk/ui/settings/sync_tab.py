"""Settings → Sync (director only, issue 7): turn sync on, add and remove workstations,
review merge conflicts.

Off: the hub's address and this workstation's name, and one button that makes
this the clinic's first workstation (its data goes to the hub at the next
round). On: where it syncs, what waits to be sent, the last sync, the list of
workstations (read from the hub) and the conflicts to review. Every call runs
off the GUI thread; a failure is the core's sentence under the buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QColor, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import sync as sync_service
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import error_text
from clinic_desk.ui.settings.common import HINT_COLOR, MessageLabel, task_progress_dialog

HUB_PLACEHOLDER = "postgresql://user:password@host:5432/clinicdesk"
REFRESH_MS = 15_000  # what waits to be sent and the last sync, while the tab is shown
COL_NAME, COL_ENROLLED, COL_SEEN, COL_SENT, COL_STATE = range(5)


@dataclass(frozen=True)
class SyncTabData:
    info: sync_service.SyncInfo
    open_conflicts: int


def load_sync_tab(clinic: Clinic, actor: Actor) -> SyncTabData:
    """On the worker thread: this workstation's sync state and the open conflicts."""
    info = sync_service.sync_info(clinic)
    conflicts = len(sync_service.list_conflicts(clinic, actor)) if info.enabled else 0
    return SyncTabData(info, conflicts)


class SyncTab(QWidget):
    """Sync between workstations; shown to whoever may manage it (the director)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("syncTab")
        self.data: SyncTabData | None = None
        self.stations: list[sync_service.WorkstationView] | None = None
        self.stations_problem = ""
        self.loads = 0  # answers drawn (tests wait on them)
        self.station_loads = 0
        self.busy = False
        self.progress_dialog: QProgressDialog | None = None  # while turning sync on
        self.dialog: QDialog | None = None
        layout = QVBoxLayout(self)
        layout.setSpacing(14)

        # -- off: make this the first workstation --------------------------------------
        self.off_box = QGroupBox(self)
        off = QVBoxLayout(self.off_box)
        off.setSpacing(10)
        self.off_intro = QLabel(self.off_box)
        self.off_intro.setWordWrap(True)
        off.addWidget(self.off_intro)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.hub_label = QLabel(self.off_box)
        self.hub_edit = QLineEdit(self.off_box)
        self.hub_edit.setObjectName("hubAddress")
        self.hub_edit.setPlaceholderText(HUB_PLACEHOLDER)
        self.hub_edit.setMaxLength(1000)
        self.name_label = QLabel(self.off_box)
        self.name_edit = QLineEdit(self.off_box)
        self.name_edit.setObjectName("workstationName")
        self.name_edit.setMaxLength(sync_service.MAX_NAME)
        form.addRow(self.hub_label, self.hub_edit)
        form.addRow(self.name_label, self.name_edit)
        off.addLayout(form)
        row = QHBoxLayout()
        self.enable_button = QPushButton(self.off_box)
        self.enable_button.setObjectName("enableSync")
        self.enable_button.clicked.connect(self.enable)
        row.addWidget(self.enable_button)
        row.addStretch(1)
        off.addLayout(row)
        self.join_hint = QLabel(self.off_box)
        self.join_hint.setWordWrap(True)
        self.join_hint.setStyleSheet(f"color: {HINT_COLOR};")
        off.addWidget(self.join_hint)
        layout.addWidget(self.off_box)

        # -- on: the state, adding a workstation, conflicts ------------------------------
        self.on_box = QGroupBox(self)
        on = QVBoxLayout(self.on_box)
        on.setSpacing(10)
        facts = QFormLayout()
        facts.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.hub_fact_label, self.hub_value = QLabel(self.on_box), QLabel(self.on_box)
        self.name_fact_label, self.name_value = QLabel(self.on_box), QLabel(self.on_box)
        self.pending_label, self.pending_value = QLabel(self.on_box), QLabel(self.on_box)
        self.last_label, self.last_value = QLabel(self.on_box), QLabel(self.on_box)
        for value, name in (
            (self.hub_value, "hubValue"),
            (self.name_value, "nameValue"),
            (self.pending_value, "pendingValue"),
            (self.last_value, "lastSyncValue"),
        ):
            value.setObjectName(name)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        facts.addRow(self.hub_fact_label, self.hub_value)
        facts.addRow(self.name_fact_label, self.name_value)
        facts.addRow(self.pending_label, self.pending_value)
        facts.addRow(self.last_label, self.last_value)
        on.addLayout(facts)
        row = QHBoxLayout()
        self.add_button = QPushButton(self.on_box)
        self.add_button.setObjectName("addWorkstation")
        self.add_button.clicked.connect(self._add_clicked)
        self.conflicts_button = QPushButton(self.on_box)
        self.conflicts_button.setObjectName("openConflicts")
        self.conflicts_button.clicked.connect(self._conflicts_clicked)
        self.compact_button = QPushButton(self.on_box)
        self.compact_button.setObjectName("compactHub")
        self.compact_button.clicked.connect(self.compact)
        self.resync_button = QPushButton(self.on_box)
        self.resync_button.setObjectName("fullResync")
        self.resync_button.clicked.connect(self.full_resync)
        row.addWidget(self.add_button)
        row.addWidget(self.conflicts_button)
        row.addStretch(1)
        row.addWidget(self.compact_button)
        row.addWidget(self.resync_button)
        on.addLayout(row)
        layout.addWidget(self.on_box)

        self.stations_box = QGroupBox(self)
        stations = QVBoxLayout(self.stations_box)
        self.table = QTableWidget(0, 5, self.stations_box)
        self.table.setObjectName("workstations")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        stations.addWidget(self.table)
        self.stations_message = QLabel(self.stations_box)
        self.stations_message.setWordWrap(True)
        self.stations_message.setStyleSheet(f"color: {HINT_COLOR};")
        stations.addWidget(self.stations_message)
        row = QHBoxLayout()
        self.remove_button = QPushButton(self.stations_box)
        self.remove_button.setObjectName("removeWorkstation")
        self.remove_button.clicked.connect(self.remove_selected)
        self.refresh_button = QPushButton(self.stations_box)
        self.refresh_button.setObjectName("refreshWorkstations")
        self.refresh_button.clicked.connect(self.reload_stations)
        row.addWidget(self.remove_button)
        row.addWidget(self.refresh_button)
        row.addStretch(1)
        stations.addLayout(row)
        layout.addWidget(self.stations_box, 1)

        self.message = MessageLabel(self)
        self.message.setObjectName("syncMessage")
        layout.addWidget(self.message)
        self.stretch = QWidget(self)
        layout.addWidget(self.stretch, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.reload)
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()
        self._show()
        self.reload()

    # -- text -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.off_box.setTitle(self.tr("Sync between workstations"))
        self.off_intro.setText(
            self.tr(
                "With sync, several computers of the clinic share its data. Each keeps its "
                "own encrypted copy and keeps working when the network is down; changes go "
                "through a hub, a PostgreSQL database on the clinic's server or in the cloud, "
                "which only ever holds them encrypted. Ask whoever looks after the clinic's "
                "network for the hub's address."
            )
        )
        self.hub_label.setText(self.tr("Hub address"))
        self.name_label.setText(self.tr("This workstation's name"))
        self.name_edit.setPlaceholderText(self.tr("e.g. Front desk"))
        self.enable_button.setText(self.tr("Make this the clinic's first workstation"))
        self.join_hint.setText(
            self.tr(
                "To add another computer later, create a pairing code here once sync is on. "
                "A computer that already has its own clinic data cannot join; the new "
                "computer joins during ClinicDesk's first-run setup."
            )
        )
        self.on_box.setTitle(self.tr("This workstation syncs"))
        self.hub_fact_label.setText(self.tr("Hub"))
        self.name_fact_label.setText(self.tr("This workstation"))
        self.pending_label.setText(self.tr("Changes not sent yet"))
        self.last_label.setText(self.tr("Last sync"))
        self.add_button.setText(self.tr("Add a workstation…"))
        self.compact_button.setText(self.tr("Trim the hub's log…"))
        self.compact_button.setToolTip(
            self.tr(
                "Send a snapshot of this copy so the hub can drop the changes every "
                "workstation already has. New workstations then start from the snapshot."
            )
        )
        self.resync_button.setText(self.tr("Full resync…"))
        self.resync_button.setToolTip(
            self.tr(
                "Replace this computer's copy with the hub's, after it was away longer than "
                "the hub keeps its log."
            )
        )
        self.stations_box.setTitle(self.tr("Workstations"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Name"),
                self.tr("Enrolled"),
                self.tr("Last seen by the hub"),
                self.tr("Changes sent"),
                self.tr("State"),
            ]
        )
        self.remove_button.setText(self.tr("Remove…"))
        self.refresh_button.setText(self.tr("Refresh"))
        self._show()
        self._fill_stations()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- loading --------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.timer.start()
        if self.data is not None:
            self.reload()
        if self.data is not None and self.data.info.enabled:
            self.reload_stations()

    def hideEvent(self, event: QHideEvent) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None or not self.ctx.may(Action.SYNC_MANAGE):
            return
        self.ctx.runner.start(
            load_sync_tab,
            self.ctx.clinic,
            actor,
            on_success=self._loaded,
            on_error=self._failed,
            owner=self,
        )

    def _loaded(self, data: SyncTabData) -> None:
        was_on = self.data is not None and self.data.info.enabled
        self.data = data
        self.loads += 1
        self._show()
        if data.info.enabled and (not was_on or self.stations is None):
            self.reload_stations()

    def _failed(self, error: BaseException) -> None:
        self.message.show_error(error_text(error))

    def reload_stations(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            sync_service.list_workstations,
            self.ctx.clinic,
            actor,
            on_success=self._stations_loaded,
            on_error=self._stations_failed,
            owner=self,
        )

    def _stations_loaded(self, stations: list[sync_service.WorkstationView]) -> None:
        self.stations = stations
        self.stations_problem = ""
        self.station_loads += 1
        self._fill_stations()

    def _stations_failed(self, error: BaseException) -> None:
        self.stations_problem = error_text(error)
        self.station_loads += 1
        self._fill_stations()

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.SYNC):
            self.reload()
            if self.data is not None and self.data.info.enabled:
                self.reload_stations()

    # -- drawing --------------------------------------------------------------------------

    def _time(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        here = moment.astimezone(self.ctx.clinic.timezone())
        return here.strftime("%Y-%m-%d %H:%M")

    def _show(self) -> None:
        data = self.data
        on = data is not None and data.info.enabled
        self.off_box.setVisible(data is not None and not on)
        self.on_box.setVisible(on)
        self.stations_box.setVisible(on)
        self.stretch.setVisible(not on)
        if data is None or not on:
            self.enable_button.setEnabled(not self.busy)
            return
        info = data.info
        self.hub_value.setText(info.hub)
        self.name_value.setText(info.name)
        self.pending_value.setText(str(info.pending))
        self.last_value.setText(self._time(info.last_ok) or self.tr("not yet"))
        self.conflicts_button.setText(
            self.tr("Conflicts… ({n} open)").format(n=data.open_conflicts)
            if data.open_conflicts
            else self.tr("Conflicts…")
        )
        self._update_buttons()

    def _fill_stations(self) -> None:
        stations = self.stations or []
        self.table.setRowCount(len(stations))
        for i, s in enumerate(stations):
            if s.this_one:
                state = self.tr("This computer")
            elif s.removed_at is not None:
                state = self.tr("Removed {time}").format(time=self._time(s.removed_at))
            else:
                state = ""
            cells = [
                s.name,
                self._time(s.enrolled_at),
                self._time(s.last_seen_at) or self.tr("never"),
                str(s.pushed),
                state,
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == COL_NAME:
                    item.setData(Qt.ItemDataRole.UserRole, s.device_id)
                if s.removed_at is not None:
                    item.setForeground(QColor(HINT_COLOR))
                self.table.setItem(i, column, item)
        if self.stations_problem:
            self.stations_message.setText(
                self.tr("The list could not be read from the hub: {reason}").format(
                    reason=self.stations_problem
                )
            )
        elif self.stations is None:
            self.stations_message.setText(self.tr("Reading the list from the hub…"))
        else:
            self.stations_message.clear()
        self.stations_message.setVisible(bool(self.stations_message.text()))
        self._update_buttons()

    def selected_station(self) -> sync_service.WorkstationView | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        index = rows[0].row() if rows else -1
        stations = self.stations or []
        return stations[index] if 0 <= index < len(stations) else None

    def _update_buttons(self) -> None:
        station = self.selected_station()
        self.remove_button.setEnabled(
            not self.busy
            and station is not None
            and not station.this_one
            and station.removed_at is None
        )
        self.add_button.setEnabled(not self.busy)
        self.compact_button.setEnabled(not self.busy)
        self.resync_button.setEnabled(not self.busy)

    # -- turning sync on ------------------------------------------------------------------

    def enable(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        self.busy = True
        self.enable_button.setEnabled(False)
        self.message.show_info(self.tr("Connecting to the hub…"))
        # Copying a big clinic's data takes minutes: a dialog shows how far, and can cancel
        # (nothing is written on this computer until the very end).
        progress = task_progress_dialog(
            self,
            title=self.tr("Turning sync on"),
            label=self.tr("Connecting to the hub…"),
            cancel=self.tr("Cancel"),
            min_width=420,
        )
        progress.setObjectName("enableProgress")
        self.progress_dialog = progress
        op = self.ctx.runner.start(
            sync_service.enable_sync,
            self.ctx.clinic,
            actor,
            hub_url=self.hub_edit.text().strip(),
            name=self.name_edit.text(),
            with_state=True,
            on_progress=self._enable_progressed,
            on_success=self._enabled,
            on_error=self._enable_failed,
            on_cancel=self._enable_cancelled,
            owner=self,
        )
        progress.canceled.connect(op.state.cancel)
        progress.canceled.connect(
            lambda: progress.setLabelText(self.tr("Cancelling… (undoing what was prepared)"))
        )
        progress.setValue(0)
        progress.show()

    def _enable_progressed(self, fraction: float, step: str) -> None:
        progress = self.progress_dialog
        if progress is None or progress.wasCanceled():
            return
        percent = int(fraction * 100)
        label = {
            "hub": self.tr("Connecting to the hub…"),
            "snapshot": self.tr("Preparing the clinic's data for the hub… {percent}%"),
            "done": self.tr("Done."),
        }.get(step)
        if label:
            progress.setLabelText(label.format(percent=percent))
        # Last: a modal dialog's setValue() handles pending events, later reports
        # included; this one's label must not overwrite theirs afterwards.
        progress.setValue(percent)

    def _end_enable(self) -> None:
        progress = self.progress_dialog
        self.progress_dialog = None
        self.busy = False
        if progress is not None:
            progress.canceled.disconnect()
            progress.hide()
            progress.deleteLater()

    def _enable_cancelled(self) -> None:
        self._end_enable()
        self.enable_button.setEnabled(True)
        self.message.show_info(
            self.tr("Turning sync on was cancelled. Nothing was changed on this workstation.")
        )

    def _enabled(self, written: Any) -> None:
        self._end_enable()
        self.hub_edit.clear()  # it may hold the hub's password
        self.message.show_ok(
            self.tr(
                "This is now the clinic's first workstation. Its data is being sent to the "
                "hub; add the other computers with “Add a workstation…”."
            )
        )
        self.ctx.broadcast(written.changes)  # the window starts syncing; this tab reloads

    def _enable_failed(self, error: BaseException) -> None:
        self._end_enable()
        self.enable_button.setEnabled(True)
        self.message.show_error(error_text(error))

    # -- dialogs --------------------------------------------------------------------------

    def _open(self, dialog: QDialog) -> QDialog:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = dialog
        dialog.open()
        return dialog

    def _add_clicked(self) -> None:
        self.open_pairing_dialog()

    def open_pairing_dialog(self) -> QDialog:
        from clinic_desk.ui.sync.pairing import PairingDialog

        self.message.clear()
        dialog = PairingDialog(self.ctx, self)
        dialog.finished.connect(self._pairing_closed)
        return self._open(dialog)

    def _pairing_closed(self, _result: int) -> None:
        self.reload_stations()

    def _conflicts_clicked(self) -> None:
        self.open_conflicts_dialog()

    def open_conflicts_dialog(self) -> QDialog:
        from clinic_desk.ui.sync.conflicts import ConflictsDialog

        self.message.clear()
        dialog = ConflictsDialog(self.ctx, self)
        dialog.finished.connect(self._conflicts_closed)
        return self._open(dialog)

    def _conflicts_closed(self, _result: int) -> None:
        self.reload()

    # -- removing a workstation ----------------------------------------------------------

    def confirm_remove(self, station: sync_service.WorkstationView) -> bool:
        answer = QMessageBox.question(
            self,
            self.tr("Remove a workstation"),
            self.tr(
                "Remove “{name}” from the clinic's sync? The hub will refuse its changes from "
                "now on; what it has not sent yet stays on that computer only. To use it "
                "again, set it up anew with a pairing code."
            ).format(name=station.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def remove_selected(self) -> None:
        actor = self.ctx.actor
        station = self.selected_station()
        if actor is None or station is None or station.this_one or self.busy:
            return
        if not self.confirm_remove(station):
            return
        self.busy = True
        self._update_buttons()
        self.message.show_info(self.tr("Removing the workstation…"))
        self.ctx.runner.start(
            sync_service.remove_workstation,
            self.ctx.clinic,
            actor,
            station.device_id,
            on_success=self._removed,
            on_error=self._remove_failed,
            owner=self,
        )

    def _removed(self, written: Any) -> None:
        self.busy = False
        self.message.show_ok(self.tr("The workstation was removed."))
        self.ctx.broadcast(written.changes)

    def _remove_failed(self, error: BaseException) -> None:
        self.busy = False
        self._update_buttons()
        self.message.show_error(error_text(error))

    # -- the hub's log (snapshots) ---------------------------------------------------------

    def _ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            self,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def compact(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        if not self._ask(
            self.tr("Trim the hub's log"),
            self.tr(
                "Send a snapshot of this computer's copy to the hub? The hub then keeps only "
                "the changes some active workstation has not received yet. A workstation "
                "switched off for more than {days} days will need a full resync when it "
                "comes back."
            ).format(days=self.ctx.clinic.setting("sync.inactive_after_days")),
        ):
            return
        self.busy = True
        self._update_buttons()
        self.message.show_info(self.tr("Sending the snapshot…"))
        self.ctx.runner.start(
            sync_service.compact_hub,
            self.ctx.clinic,
            actor,
            on_success=self._compacted,
            on_error=self._long_failed,
            owner=self,
        )

    def _compacted(self, result: Any) -> None:
        self.busy = False
        self._update_buttons()
        self.message.show_ok(
            self.tr("Snapshot sent ({rows} rows); the hub trimmed its log.").format(
                rows=result.rows
            )
        )

    def full_resync(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        if not self._ask(
            self.tr("Full resync"),
            self.tr(
                "Replace this computer's copy of the clinic with the hub's? Changes made "
                "here that were not sent yet are sent first. This takes a while for a large "
                "clinic; keep ClinicDesk open until it says it is done."
            ),
        ):
            return
        self.busy = True
        self._update_buttons()
        self.message.show_info(self.tr("Resyncing from the hub…"))
        self.ctx.runner.start(
            sync_service.full_resync,
            self.ctx.clinic,
            actor,
            on_success=self._resynced,
            on_error=self._long_failed,
            owner=self,
        )

    def _resynced(self, written: Any) -> None:
        self.busy = False
        self._update_buttons()
        self.message.show_ok(self.tr("This copy is up to date with the hub again."))
        self.ctx.broadcast(written.changes)
        self.reload()

    def _long_failed(self, error: BaseException) -> None:
        self.busy = False
        self._update_buttons()
        self.message.show_error(error_text(error))

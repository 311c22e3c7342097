"""The Messages tab of the Follow-ups page (spec A5, E7; issue 9): the outbox.

Every message the clinic sends (reminders, follow-up advice, health reminders)
waits here with its state: queued, sending (handed to the mail server but the
answer never came: the result is unknown), sent, exported (in an SMS or WeChat
batch file), failed (with the reason) or cancelled. Supervisors send the due
e-mails now and export the SMS and WeChat batches for the bulk platform;
whoever works follow-ups queues a message for one patient, tries a failed one
again or cancels one. Every call runs off the GUI thread.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QDateTime, QEvent, Qt, QTime, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.errors import ClinicError
from clinic_desk.core.outbox import gateways, templates
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import outbox, patient_search
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.services.outbox import ExportResult, MessageView, SendReport, TemplateView
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients import common as patients_common
from clinic_desk.ui.patients.common import (
    ReadOnlyTable,
    full_error_text,
    local,
    phone_text,
    tr_code,
)
from clinic_desk.ui.reception.common import PatientSearch, hit_line
from clinic_desk.ui.settings.common import MessageLabel, hint_label
from clinic_desk.ui.settings.templates_tab import sms_length_text, template_name

LIST_LIMIT = 500
STATE_BUTTON_STYLE = (
    "QPushButton:checked { font-weight: bold; background: #dbe8f8; "
    "border: 1px solid #5b8fd0; border-radius: 3px; padding: 3px 10px; }"
)
WARNING_STYLE = (
    "QLabel#outboxSendingWarning { background: #fff3cd; color: #7a4f01; "
    "border: 1px solid #e0b252; border-radius: 4px; padding: 8px; }"
)
(
    COL_DUE,
    COL_PATIENT,
    COL_CHANNEL,
    COL_ADDRESS,
    COL_PURPOSE,
    COL_STATE,
    COL_ATTEMPTS,
    COL_ERROR,
    COL_SENT,
) = range(9)


# -- words for the outbox's codes (module level: the campaign dialog uses them too) ---------


def error_shown(m: MessageView) -> str:
    """Why the message did not go, in the language on screen (the server's words as sent)."""
    if not m.error_template:
        return m.last_error
    text = QCoreApplication.translate("Outbox", m.error_template)
    try:
        return text.format(**m.error_params)
    except (KeyError, IndexError, ValueError):
        return m.last_error


def message_state(state: str) -> str:
    return {
        "queued": QCoreApplication.translate("OutboxPanel", "Queued"),
        "sending": QCoreApplication.translate("OutboxPanel", "Sending (result unknown)"),
        "sent": QCoreApplication.translate("OutboxPanel", "Sent"),
        "exported": QCoreApplication.translate("OutboxPanel", "Exported"),
        "failed": QCoreApplication.translate("OutboxPanel", "Failed"),
        "cancelled": QCoreApplication.translate("OutboxPanel", "Cancelled"),
    }.get(state, state)


def message_channel(channel: str) -> str:
    return {
        "sms": QCoreApplication.translate("OutboxPanel", "SMS"),
        "email": QCoreApplication.translate("OutboxPanel", "E-mail"),
        "wechat": QCoreApplication.translate("OutboxPanel", "WeChat"),
    }.get(channel, channel)


def message_purpose(purpose: str) -> str:
    """What a message is for: a template's name (the week-before reminder is "reminder")."""
    code = "reminder_week" if purpose == "reminder" else purpose
    label = templates.TEMPLATE_NAMES.get(code)
    return tr_code("Outbox", label) if label else purpose


def skip_reason(reason: str) -> str:
    """Why a patient gets no message (``queue_in``'s skip reasons), as a short phrase."""
    label = outbox.SKIP_LABELS.get(reason)
    return tr_code("Outbox", label) if label else reason


@dataclass(frozen=True)
class OutboxData:
    counts: dict[str, int]
    messages: list[MessageView]


@dataclass(frozen=True)
class Plugins:
    by_channel: dict[str, str]  # channel -> the name of the plug-in that sends it
    problems: list[str]  # plug-ins that failed to load, each a sentence


def load_outbox(clinic: Clinic, actor: Actor, state: str) -> OutboxData:
    """On the worker thread: the counts per state and the messages in ``state``."""
    counts = outbox.counts(clinic, actor)
    messages = outbox.list_messages(clinic, actor, states=(state,), limit=LIST_LIMIT)
    return OutboxData(counts, messages)


def load_plugins(clinic: Clinic) -> Plugins:
    """The installed gateway plug-ins (SMS or WeChat without a batch file), once per panel."""
    found, problems = gateways.load_plugins(clinic.settings())
    return Plugins({c: g.name for g in found for c in sorted(g.channels)}, problems)


class OutboxPanel(QWidget):
    """The outbox: counts per state, the chosen state's messages, and what to do with them."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("outboxPanel")
        self.state = "queued"
        self.data: OutboxData | None = None
        self.busy = False
        self.loads = 0  # answers drawn (tests wait on them)
        self.last_report: SendReport | None = None
        self.last_export: ExportResult | None = None
        self.plugins: Plugins | None = None
        self._ticket = 0
        self._stale = False  # a reload was asked for while hidden: done when shown
        layout = QVBoxLayout(self)
        self.hint = hint_label(self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)

        states = QHBoxLayout()
        self.state_group = QButtonGroup(self)
        self.state_group.setExclusive(True)
        self.state_buttons: dict[str, QPushButton] = {}
        for i, state in enumerate(outbox.STATES):
            button = QPushButton(self)
            button.setObjectName(f"outboxState_{state}")
            button.setCheckable(True)
            button.setStyleSheet(STATE_BUTTON_STYLE)
            button.setChecked(state == self.state)
            self.state_group.addButton(button, i)
            self.state_buttons[state] = button
            states.addWidget(button)
        states.addStretch(1)
        self.state_group.idClicked.connect(lambda i: self.show_state(outbox.STATES[i]))
        layout.addLayout(states)

        self.sending_warning = QLabel(self)
        self.sending_warning.setObjectName("outboxSendingWarning")
        self.sending_warning.setWordWrap(True)
        self.sending_warning.setStyleSheet(WARNING_STYLE)
        self.sending_warning.hide()
        layout.addWidget(self.sending_warning)

        bar = QHBoxLayout()
        self.send_button = QPushButton(self)
        self.send_button.setObjectName("outboxSendNow")
        self.send_button.clicked.connect(self.send_now)
        self.export_sms_button = QPushButton(self)
        self.export_sms_button.setObjectName("outboxExportSms")
        self.export_sms_button.clicked.connect(lambda: self.export("sms"))
        self.export_wechat_button = QPushButton(self)
        self.export_wechat_button.setObjectName("outboxExportWechat")
        self.export_wechat_button.clicked.connect(lambda: self.export("wechat"))
        self.queue_button = QPushButton(self)
        self.queue_button.setObjectName("outboxQueue")
        self.queue_button.clicked.connect(self.queue_message)
        for b in (self.send_button, self.export_sms_button, self.export_wechat_button):
            bar.addWidget(b)
        bar.addStretch(1)
        bar.addWidget(self.queue_button)
        layout.addLayout(bar)
        self.gateway_note = hint_label(self)
        self.gateway_note.setObjectName("outboxGateways")
        self.gateway_note.setWordWrap(True)
        self.gateway_note.hide()
        layout.addWidget(self.gateway_note)

        split = QSplitter(Qt.Orientation.Vertical, self)
        self.table = ReadOnlyTable(split)
        self.table.setObjectName("outboxTable")
        self.table.itemSelectionChanged.connect(self._selection_changed)
        # One line per message: a long server reply is cut here and shown whole below.
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.details = QPlainTextEdit(split)
        self.details.setObjectName("outboxDetails")
        self.details.setReadOnly(True)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        layout.addWidget(split, 1)
        self.list_note = hint_label(self)
        self.list_note.setObjectName("outboxListNote")
        self.list_note.hide()
        layout.addWidget(self.list_note)

        rows = QHBoxLayout()
        self.retry_button = QPushButton(self)
        self.retry_button.setObjectName("outboxRetry")
        self.retry_button.clicked.connect(self.retry)
        self.resend_button = QPushButton(self)
        self.resend_button.setObjectName("outboxMarkResend")
        self.resend_button.clicked.connect(self.mark_resend)
        self.arrived_button = QPushButton(self)
        self.arrived_button.setObjectName("outboxMarkArrived")
        self.arrived_button.clicked.connect(self.mark_arrived)
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("outboxCancel")
        self.cancel_button.clicked.connect(self.cancel)
        rows.addWidget(self.retry_button)
        rows.addWidget(self.resend_button)
        rows.addWidget(self.arrived_button)
        rows.addWidget(self.cancel_button)
        rows.addStretch(1)
        layout.addLayout(rows)
        self.message = MessageLabel(self)
        self.message.setObjectName("outboxMessage")
        layout.addWidget(self.message)

        ctx.sig_changes.connect(self._on_changes)
        ctx.sig_actor_changed.connect(self._actor_changed)
        self.retranslate()
        self.reload()

    # -- text -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.hint.setText(
            self.tr(
                "Reminders and health messages waiting to go, and what became of each. "
                "E-mails go through the clinic's mail server; SMS and WeChat messages are "
                "exported as a batch file for the bulk-messaging platform."
            )
        )
        self.send_button.setText(self.tr("Send due e-mails now"))
        self.export_sms_button.setText(self.tr("Export SMS batch…"))
        self.export_wechat_button.setText(self.tr("Export WeChat batch…"))
        self.queue_button.setText(self.tr("Queue a message…"))
        self.retry_button.setText(self.tr("Try again"))
        self.retry_button.setToolTip(self.tr("Put a failed message back in the queue"))
        self.resend_button.setText(self.tr("Mark to send again…"))
        self.resend_button.setToolTip(
            self.tr(
                "For a message whose result is unknown, or an exported one the platform did "
                "not send: put it back in the queue"
            )
        )
        self.arrived_button.setText(self.tr("It did arrive"))
        self.arrived_button.setToolTip(
            self.tr("For a message whose result is unknown that you checked reached the patient")
        )
        self.cancel_button.setText(self.tr("Cancel message…"))
        self.table.set_headers(
            [
                self.tr("When due"),
                self.tr("Patient"),
                self.tr("Channel"),
                self.tr("Address"),
                self.tr("Purpose"),
                self.tr("State"),
                self.tr("Tries"),
                self.tr("Last error"),
                self.tr("Sent at"),
            ]
        )
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_ERROR, QHeaderView.ResizeMode.Stretch)
        self._apply_role()
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _apply_role(self) -> None:
        supervise = self.ctx.may(Action.FOLLOWUP_SUPERVISE)
        work = self.ctx.may(Action.FOLLOWUP_WORK)
        supervised = (
            self.send_button,
            self.export_sms_button,
            self.export_wechat_button,
            self.retry_button,
            self.resend_button,
            self.arrived_button,
        )
        for b in supervised:
            b.setVisible(supervise)
        for b in (self.queue_button, self.cancel_button):
            b.setVisible(work)
        self._update_buttons()

    def _actor_changed(self, _actor: object = None) -> None:
        self._apply_role()
        self.reload()

    # -- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None or not self.ctx.may(Action.FOLLOWUP_WORK):
            return
        if not self.isVisible():
            # The counts read the whole outbox (~110 MiB of pages and ~1 s on the 5-year
            # clinic): not at every sign-in for a tab nobody opened (issue 12 review).
            self._stale = True
            return
        self._stale = False
        self._ticket += 1
        ticket = self._ticket

        def show(data: OutboxData) -> None:
            if ticket == self._ticket:  # a newer request supersedes this one
                self._loaded(data)

        self.ctx.runner.start(
            load_outbox,
            self.ctx.clinic,
            actor,
            self.state,
            on_success=show,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )
        if self.plugins is None and self.ctx.may(Action.FOLLOWUP_SUPERVISE):
            self.ctx.runner.start(
                load_plugins, self.ctx.clinic, on_success=self._plugins_loaded, owner=self
            )

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def _plugins_loaded(self, plugins: Plugins) -> None:
        self.plugins = plugins
        self._show_gateways()

    def _loaded(self, data: OutboxData) -> None:
        self.data = data
        self.loads += 1
        self._fill()

    def show_state(self, state: str) -> None:
        self.state = state
        self.state_buttons[state].setChecked(True)
        self.message.clear()
        self.reload()

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.OUTBOX) or changes.touches(Topic.FOLLOWUPS):
            self.reload()

    # -- drawing --------------------------------------------------------------------------

    def _due(self, m: MessageView) -> datetime:
        if m.state == "queued" and m.next_try_at is not None and m.next_try_at > m.not_before:
            return m.next_try_at
        return m.not_before

    def _fill(self) -> None:
        data = self.data
        counts = data.counts if data is not None else {}
        for state, button in self.state_buttons.items():
            button.setText(
                self.tr("{state} ({n})").format(state=message_state(state), n=counts.get(state, 0))
            )
        stuck = counts.get("sending", 0)
        self.sending_warning.setVisible(stuck > 0)
        if stuck:
            self.sending_warning.setText(
                self.tr(
                    "%n message(s) were handed to the mail server but no answer came back "
                    "(the connection broke or ClinicDesk stopped): whether they arrived is "
                    "unknown. They are not sent again by themselves. Ask the patient or check "
                    "the mail server's log; if one did not arrive, choose it in the “Sending "
                    "(result unknown)” list and use “Mark to send again…”; if it did, “It did "
                    "arrive”.",
                    "",
                    stuck,
                )
            )
        self._show_gateways()
        messages = data.messages if data is not None else []
        rows = [
            (
                m.id,
                [
                    local(self.ctx, self._due(m)),
                    m.patient_name,
                    message_channel(m.channel),
                    phone_text(self.ctx, m.address) if m.channel == "sms" else m.address,
                    message_purpose(m.purpose),
                    message_state(m.state),
                    str(m.attempts),
                    error_shown(m),
                    local(self.ctx, m.sent_at),
                ],
            )
            for m in messages
        ]
        # A cancelled message keeps why it was cancelled where the others keep their error.
        error_header = self.table.horizontalHeaderItem(COL_ERROR)
        if error_header is not None:
            error_header.setText(
                self.tr("Why cancelled") if self.state == "cancelled" else self.tr("Last error")
            )
        selected = self.table.current_id()
        red = [i for i, m in enumerate(messages) if m.state in ("failed", "sending")]
        self.table.set_rows(rows, red=red)
        for r, (row_id, _cells) in enumerate(rows):
            if row_id == selected:
                self.table.selectRow(r)
        for r, m in enumerate(messages):
            error = self.table.item(r, COL_ERROR)
            if error is not None and m.last_error:
                error.setToolTip(error_shown(m))
            if m.state == "sending":
                item = self.table.item(r, COL_STATE)
                if item is not None:
                    item.setBackground(QColor("#fff3cd"))
                    item.setToolTip(self.tr("Sent or not: unknown. See the warning above."))
        # Under the list, so it never hides what the last action said.
        if len(messages) >= LIST_LIMIT:
            self.list_note.setText(self.tr("Only the latest {n} are listed.").format(n=LIST_LIMIT))
        elif data is not None and not messages:
            self.list_note.setText(self.tr("No messages in this list."))
        else:
            self.list_note.clear()
        self.list_note.setVisible(bool(self.list_note.text()))
        self._selection_changed()

    def _show_gateways(self) -> None:
        """A plug-in for SMS or WeChat sends those itself: no batch file to export."""
        by_channel = self.plugins.by_channel if self.plugins is not None else {}
        problems = self.plugins.problems if self.plugins is not None else []
        self.export_sms_button.setEnabled(not self.busy and "sms" not in by_channel)
        self.export_wechat_button.setEnabled(not self.busy and "wechat" not in by_channel)
        lines = [
            self.tr("{channel} messages go through the “{name}” plug-in.").format(
                channel=message_channel(channel), name=name
            )
            for channel, name in sorted(by_channel.items())
        ]
        lines += problems  # the outbox's own sentences, already filled in
        self.gateway_note.setText("\n".join(lines))
        self.gateway_note.setVisible(bool(lines))

    def selected(self) -> MessageView | None:
        chosen = self.table.current_id()
        messages = self.data.messages if self.data is not None else []
        return next((m for m in messages if m.id == chosen), None)

    def _selection_changed(self) -> None:
        m = self.selected()
        if m is None:
            self.details.clear()
        else:
            parts = [m.subject, m.body] if m.subject else [m.body]
            if m.last_error:
                parts.append(self.tr("Last error: {reason}").format(reason=error_shown(m)))
            self.details.setPlainText("\n\n".join(parts))
        self._update_buttons()

    def _update_buttons(self) -> None:
        m = self.selected()
        idle = not self.busy
        self.send_button.setEnabled(idle)
        self.retry_button.setEnabled(idle and m is not None and m.state == "failed")
        self.resend_button.setEnabled(idle and m is not None and m.state in ("sending", "exported"))
        self.arrived_button.setEnabled(idle and m is not None and m.state == "sending")
        self.cancel_button.setEnabled(idle and m is not None and m.state == "queued")
        self.queue_button.setEnabled(idle)
        self._show_gateways()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._update_buttons()

    # -- sending and exporting ------------------------------------------------------------

    def send_now(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy or not self.ctx.may(Action.FOLLOWUP_SUPERVISE):
            return
        self._set_busy(True)
        self.message.show_info(self.tr("Sending the due e-mails…"))
        self.ctx.runner.start(
            outbox.send_due,
            self.ctx.clinic,
            actor,
            on_success=self._sent,
            on_error=self._failed,
            owner=self,
        )

    def report_text(self, report: SendReport) -> str:
        if not (report.sent or report.failed or report.deferred or report.errors):
            return self.tr("No e-mails were due.")
        # Whole sentences each, so every language ends them its own way.
        parts = []
        if report.sent:
            parts.append(self.tr("%n e-mail(s) sent.", "", report.sent))
        if report.failed:
            parts.append(self.tr("%n could not be delivered (see “Failed”).", "", report.failed))
        clinic = self.ctx.clinic
        if report.deferred and not outbox.in_sending_hours(clinic, clinic.now()):
            parts.append(
                self.tr(
                    "%n wait for the sending hours ({start}–{end}).", "", report.deferred
                ).format(
                    start=clinic.setting("outbox.send_from"),
                    end=clinic.setting("outbox.send_until"),
                )
            )
        elif report.deferred:
            parts.append(self.tr("%n stay queued and are tried again later.", "", report.deferred))
        # The reasons are the mail server's or the gateway's own sentences.
        return " ".join([*parts, *report.errors[:3]])

    def _sent(self, report: SendReport) -> None:
        self.last_report = report
        self._set_busy(False)
        text = self.report_text(report)
        if report.failed or report.errors:
            self.message.show_error(text)
        else:
            self.message.show_ok(text)
        self.ctx.broadcast(Changes(frozenset({Topic.OUTBOX})))

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        self.message.show_error(full_error_text(error))

    def default_export_path(self, channel: str) -> Path:
        folder = Path.home() / "Documents"
        if not folder.is_dir():
            folder = Path.home()
        # The time too: a second batch the same day must not replace one not yet uploaded.
        local = self.ctx.clinic.now().astimezone(self.ctx.clinic.timezone())
        return folder / f"{channel}-{local:%Y-%m-%d-%H%M}.csv"

    def ask_export_path(self, channel: str) -> Path | None:
        """Where to save the batch; None if the person cancelled (tests replace this)."""
        title = (
            self.tr("Save the SMS batch as")
            if channel == "sms"
            else self.tr("Save the WeChat batch as")
        )
        name, _ = QFileDialog.getSaveFileName(
            self,
            title,
            str(self.default_export_path(channel)),
            self.tr("CSV file (*.csv)"),
        )
        if not name:
            return None
        path = Path(name)
        return path if path.suffix.lower() == ".csv" else path.with_name(path.name + ".csv")

    def export(self, channel: str) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy or not self.ctx.may(Action.FOLLOWUP_SUPERVISE):
            return
        path = self.ask_export_path(channel)
        if path is None:
            return
        self.export_to(channel, path)

    def export_to(self, channel: str, path: Path) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        self._set_busy(True)
        self.message.show_info(self.tr("Writing the batch file…"))
        self.ctx.runner.start(
            outbox.export_batch,
            self.ctx.clinic,
            actor,
            channel,
            path,
            on_success=lambda result: self._exported(channel, result),
            on_error=self._failed,
            owner=self,
        )

    def export_text(self, channel: str, result: ExportResult) -> str:
        if result.count == 0:
            if channel == "sms":
                return self.tr("No SMS messages are waiting to be exported; no file was written.")
            return self.tr("No WeChat messages are waiting to be exported; no file was written.")
        if channel == "sms":
            text = self.tr("%n SMS message(s) saved to {path}.", "", result.count)
        else:
            text = self.tr("%n WeChat message(s) saved to {path}.", "", result.count)
        return (
            text.format(path=str(result.path))
            + " "
            + self.tr(
                "Upload the file to the bulk-messaging platform; it also opens in Excel or WPS. "
                "These messages are now marked exported (batch {batch}) and will not be "
                "exported again."
            ).format(batch=result.batch)
        )

    def _exported(self, channel: str, result: ExportResult) -> None:
        self.last_export = result
        self._set_busy(False)
        self.message.show_ok(self.export_text(channel, result))
        self.ctx.broadcast(Changes(frozenset({Topic.OUTBOX})))

    # -- one message ----------------------------------------------------------------------

    def _run(self, fn: Any, *args: Any, done_text: str, **kwargs: Any) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        self._set_busy(True)

        def done(written: Written[MessageView]) -> None:
            self._set_busy(False)
            self.message.show_ok(done_text)
            self.ctx.broadcast(written.changes)

        self.ctx.runner.start(
            fn,
            self.ctx.clinic,
            actor,
            *args,
            **kwargs,
            on_success=done,
            on_error=self._failed,
            owner=self,
        )

    def retry(self) -> None:
        m = self.selected()
        if m is None or m.state != "failed":
            return
        self._run(
            outbox.retry_message,
            m.id,
            done_text=self.tr("The message is back in the queue."),
        )

    def confirm_resend(self, m: MessageView) -> bool:
        """Send again a message whose first sending may have arrived? (tests replace this)"""
        if m.state == "exported":
            text = self.tr(
                "This message to {patient} went out in the batch file {batch}. Put it back in "
                "the queue only if the platform did not send it: otherwise the patient gets "
                "it twice."
            ).format(patient=m.patient_name, batch=m.batch)
        else:
            text = self.tr(
                "Whether this message reached {patient} is unknown: the mail server took it "
                "but its answer never came. If it did arrive, sending again means the patient "
                "gets it twice. Put it back in the queue?"
            ).format(patient=m.patient_name)
        answer = QMessageBox.question(
            self,
            self.tr("Send again?"),
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def mark_resend(self) -> None:
        m = self.selected()
        if m is None or m.state not in ("sending", "exported") or not self.confirm_resend(m):
            return
        self._run(
            outbox.retry_message,
            m.id,
            confirm=True,
            done_text=self.tr("The message is back in the queue and goes with the next sending."),
        )

    def mark_arrived(self) -> None:
        m = self.selected()
        if m is None or m.state != "sending":
            return
        self._run(
            outbox.mark_arrived,
            m.id,
            done_text=self.tr("The message is marked as sent."),
        )

    def cancel(self) -> None:
        m = self.selected()
        if m is None or m.state != "queued":
            return
        # Through the module so a test can answer the question.
        reason = patients_common.ask_reason(
            self,
            self.tr("Cancel the message"),
            self.tr("Why is the message to {patient} cancelled?").format(patient=m.patient_name),
        )
        if reason is None:
            return
        self._run(
            outbox.cancel_message,
            m.id,
            reason=reason,
            done_text=self.tr("The message was cancelled; it will not be sent."),
        )

    def queue_message(self, patient_id: uuid.UUID | None = None) -> QWidget | None:
        if not self.ctx.may(Action.FOLLOWUP_WORK):
            return None
        dialog = QueueMessageDialog(self.ctx, self, patient_id=patient_id)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog


# -- queuing one message ---------------------------------------------------------------------


def preview_for(
    clinic: Clinic, actor: Actor, code: str, patient_id: uuid.UUID, values: dict[str, str]
) -> str:
    """On the worker thread; the values travel as one argument, so their names never meet
    the runner's own keyword arguments."""
    return outbox.preview(clinic, actor, code, patient_id, **values)


# What the person queuing gives (the appointment's); the outbox fills the rest itself.
APPOINTMENT_PLACEHOLDERS = frozenset(templates.PLACEHOLDERS) - frozenset(templates.AUTOMATIC)


class QueueMessageDialog(QDialog):
    """Queue one message for one patient: a template, its preview for that patient.

    Templates about an appointment ({date}, {time}, {doctor}) ask for those; the
    outbox picks the channel from the patient's preference and says, in a
    sentence, when the patient cannot get a message (opted out, no phone, ...).
    """

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        patient_id: uuid.UUID | None = None,
        patient_name: str = "",
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("queueMessageDialog")
        self.setMinimumWidth(640)
        self.patient_id = patient_id
        self.templates: list[TemplateView] = []
        self.busy = False
        self.previews = 0  # answers drawn (tests wait on them)
        self.written: Written[MessageView] | None = None
        self._ticket = 0
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        layout.addLayout(form)
        self.search = PatientSearch(ctx, self)
        self.search.sig_activated.connect(self._patient_chosen)
        self.chosen = QLabel(patient_name, self)
        self.chosen.setObjectName("queuePatient")
        patient_box = QVBoxLayout()
        patient_box.addWidget(self.search)
        patient_box.addWidget(self.chosen)
        self.patient_label = QLabel(self)
        form.addRow(self.patient_label, patient_box)
        self.template = QComboBox(self)
        self.template.setObjectName("queueTemplate")
        self.template.currentIndexChanged.connect(self._template_chosen)
        self.template_label = QLabel(self)
        form.addRow(self.template_label, self.template)
        self.when = QDateTimeEdit(self)
        self.when.setObjectName("queueWhen")
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        tomorrow = ctx.clinic.today() + timedelta(days=1)
        self.when.setDateTime(
            QDateTime(QDate(tomorrow.year, tomorrow.month, tomorrow.day), QTime(9, 0))
        )
        self.when_label = QLabel(self)
        form.addRow(self.when_label, self.when)
        self.doctor = QLineEdit(self)
        self.doctor.setObjectName("queueDoctor")
        self.doctor.setMaxLength(50)
        self.doctor_label = QLabel(self)
        form.addRow(self.doctor_label, self.doctor)
        self.preview_label = QLabel(self)
        self.preview = QPlainTextEdit(self)
        self.preview.setObjectName("queuePreview")
        self.preview.setReadOnly(True)
        self.preview.setMinimumHeight(110)
        form.addRow(self.preview_label, self.preview)
        self.length = hint_label(self)
        form.addRow("", self.length)
        self.message = MessageLabel(self)
        self.message.setObjectName("queueMessage")
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.queue_button = QPushButton(self)
        self.queue_button.setObjectName("queueConfirm")
        self.queue_button.setDefault(True)
        self.buttons.addButton(self.queue_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.update_preview)
        self.when.dateTimeChanged.connect(lambda _d: self._debounce.start())
        self.doctor.textChanged.connect(lambda _t: self._debounce.start())
        self.retranslate()
        self._show_fields()
        if ctx.actor is not None:
            ctx.runner.start(
                outbox.list_templates,
                ctx.clinic,
                ctx.actor,
                on_success=self._templates_loaded,
                on_error=lambda e: self.message.show_error(full_error_text(e)),
                owner=self,
            )

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Queue a message"))
        self.patient_label.setText(self.tr("Patient"))
        self.search.line.setPlaceholderText(
            self.tr("Name, pinyin initials, phone digits or record number")
        )
        self.template_label.setText(self.tr("Message"))
        self.when_label.setText(self.tr("Appointment"))
        self.doctor_label.setText(self.tr("Doctor"))
        self.preview_label.setText(self.tr("The patient reads"))
        self.queue_button.setText(self.tr("Queue"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _templates_loaded(self, views: list[TemplateView]) -> None:
        self.templates = [v for v in views if v.active]
        self.template.blockSignals(True)
        self.template.clear()
        for v in self.templates:
            self.template.addItem(template_name(v), v.code)
        self.template.blockSignals(False)
        self._template_chosen()

    def current_template(self) -> TemplateView | None:
        code = self.template.currentData()
        return next((v for v in self.templates if v.code == code), None)

    def _needs_appointment(self) -> bool:
        view = self.current_template()
        if view is None:
            return False
        try:
            used = set(templates.placeholders_in(view.subject + "\n" + view.body))
        except ClinicError:
            return False
        return bool(used & APPOINTMENT_PLACEHOLDERS)

    def _show_fields(self) -> None:
        needs = self._needs_appointment()
        for w in (self.when_label, self.when, self.doctor_label, self.doctor):
            w.setVisible(needs)

    def _template_chosen(self, *_: Any) -> None:
        self._show_fields()
        self.update_preview()

    def _patient_chosen(self, hit: patient_search.PatientHit) -> None:
        self.patient_id = hit.id
        self.chosen.setText(hit_line(hit))
        self.search.clear()
        self.message.clear()
        self.update_preview()

    def values(self) -> dict[str, str]:
        if not self._needs_appointment():
            return {}
        day, clock = self.when.date(), self.when.time()
        zone = self.ctx.clinic.timezone()
        moment = datetime(
            day.year(), day.month(), day.day(), clock.hour(), clock.minute(), tzinfo=zone
        )
        language = str(self.ctx.clinic.setting("clinic.language"))
        return templates.appointment_values(
            moment, zone, language, doctor=self.doctor.text().strip()
        )

    def update_preview(self) -> None:
        self._debounce.stop()
        actor = self.ctx.actor
        code = self.template.currentData()
        self._ticket += 1
        ticket = self._ticket
        if actor is None or code is None or self.patient_id is None:
            self.preview.clear()
            self.length.clear()
            self._update_buttons()
            return

        def show(text: str) -> None:
            if ticket == self._ticket:
                self.previews += 1
                self.preview.setPlainText(text)
                self.length.setText(sms_length_text(text))
                self.message.clear()

        def failed(error: BaseException) -> None:
            if ticket == self._ticket:
                self.previews += 1
                self.preview.clear()
                self.length.clear()
                self.message.show_error(full_error_text(error))

        self.ctx.runner.start(
            preview_for,
            self.ctx.clinic,
            actor,
            code,
            self.patient_id,
            self.values(),
            on_success=show,
            on_error=failed,
            owner=self,
        )
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.queue_button.setEnabled(
            not self.busy
            and self.patient_id is not None
            and self.template.currentData() is not None
        )

    def save(self) -> None:
        actor = self.ctx.actor
        code = self.template.currentData()
        if actor is None or self.busy or code is None:
            return
        if self.patient_id is None:
            self.message.show_error(self.tr("Choose the patient first: search and pick one."))
            self.search.line.setFocus()
            return
        self.busy = True
        self._update_buttons()
        self.ctx.runner.start(
            outbox.queue_message,
            self.ctx.clinic,
            actor,
            self.patient_id,
            template_code=code,
            values=self.values(),
            on_success=self._queued,
            on_error=self._failed,
            owner=self,
        )

    def _queued(self, written: Written[MessageView]) -> None:
        self.busy = False
        self.written = written
        self.ctx.broadcast(written.changes)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self._update_buttons()
        self.message.show_error(full_error_text(error))

    def reject(self) -> None:
        if not self.busy:
            super().reject()

"""Referrals (转诊, spec C5): the patient's tab, and the desk's list of incoming ones.

Who may read the clinical record sees every referral in full; the desk sees
only the incoming entries of the patient (who, from where, how urgent), as
the service hides reasons and summaries from it.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import referrals
from clinic_desk.core.services.base import Changes, Topic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.common import (
    FieldsDialog,
    ReadOnlyTable,
    full_error_text,
    local,
    tr_code,
)
from clinic_desk.ui.printing.documents import print_referral_letter

if TYPE_CHECKING:
    from clinic_desk.ui.patients.file import PatientFileView

GREY = "#757575"
URGENT = ("emergency", "urgent")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def urgency_label(code: str) -> str:
    return tr_code(referrals.CONTEXT, referrals.URGENCIES.get(code, code))


def status_label(code: str) -> str:
    return tr_code(referrals.CONTEXT, referrals.STATUSES.get(code, code))


def _urgencies() -> list[tuple[str, str]]:
    # Routine first: the usual case is the default choice.
    return [(c, urgency_label(c)) for c in ("routine", "urgent", "emergency")]


class ReferOutDialog(FieldsDialog):
    """Refer to a hospital; the summary is drafted from the record and stays editable."""

    def __init__(
        self,
        ctx: AppContext,
        patient_id: uuid.UUID,
        parent: QWidget,
        *,
        break_glass_reason: str | None = None,
    ) -> None:
        super().__init__(
            ctx,
            parent,
            self.tr("Refer to a hospital"),
            [
                ("partner", self.tr("Hospital or clinic"), "line", ()),
                ("department", self.tr("Department"), "line", ()),
                ("urgency", self.tr("Urgency"), "choice", _urgencies()),
                ("reason", self.tr("Reason for referral"), "text", ()),
                ("summary", self.tr("Summary for the hospital"), "text", ()),
            ],
            referrals.refer_out,
            patient_id,
        )
        self.setMinimumWidth(640)
        summary = self.widgets["summary"]
        assert isinstance(summary, QPlainTextEdit)
        summary.setMinimumHeight(220)
        summary.setPlaceholderText(self.tr("Drafting the summary from the record…"))
        self.summary = summary
        actor = ctx.actor
        if actor is not None:
            ctx.runner.start(
                referrals.compile_referral_summary,
                ctx.clinic,
                actor,
                patient_id,
                translate=QCoreApplication.translate,
                break_glass_reason=break_glass_reason,
                on_success=self._drafted,
                on_error=lambda e: self.message.show_error(full_error_text(e)),
                owner=self,
            )

    def _drafted(self, text: str) -> None:
        self.summary.setPlaceholderText("")
        if not self.summary.toPlainText().strip():  # never overwrite what was typed
            self.summary.setPlainText(text)


class ReferralsTab(QWidget):
    """The full list for those who read the record; the desk's incoming entries otherwise."""

    def __init__(self, ctx: AppContext, patient_id: uuid.UUID, parent: PatientFileView) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.patient_id = patient_id
        self.file = parent
        self.full_rows: list[referrals.ReferralView] = []
        self.desk_rows: list[referrals.ReferralListItem] = []
        self.loaded = False
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.refer_button = QPushButton(self)
        self.refer_button.setObjectName("refer-out")
        self.refer_button.clicked.connect(self.refer_out)
        self.log_button = QPushButton(self)
        self.log_button.setObjectName("log-incoming")
        self.log_button.clicked.connect(self.log_incoming)
        self.handled_button = QPushButton(self)
        self.handled_button.setObjectName("mark-handled")
        self.handled_button.clicked.connect(self.mark_handled)
        # C5: the letter for the hospital, for an outgoing referral.
        self.letter_button = QPushButton(self)
        self.letter_button.setObjectName("print-referral-letter")
        self.letter_button.clicked.connect(self.print_letter)
        for button in (
            self.refer_button,
            self.log_button,
            self.handled_button,
            self.letter_button,
        ):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {GREY};")
        layout.addWidget(self.note)
        split = QSplitter(Qt.Orientation.Vertical, self)
        self.table = ReadOnlyTable(split)
        self.table.setObjectName("referrals")
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.detail = QTextBrowser(split)
        self.detail.setObjectName("referral-detail")
        split.addWidget(self.table)
        split.addWidget(self.detail)
        layout.addWidget(split, 1)
        self.retranslate()

    def full(self) -> bool:
        """Whether this person sees referrals in full (their role, or broken glass)."""
        return self.file.may_read(Action.CLINICAL_READ)

    def title(self) -> str:
        return self.tr("Referrals")

    def showEvent(self, event: QShowEvent) -> None:
        # Rows filled while the tab was hidden were sized for a narrow table: redo them.
        super().showEvent(event)
        self.table.resizeRowsToContents()

    def retranslate(self) -> None:
        full = self.full()
        self.refer_button.setText(self.tr("Refer to a hospital…"))
        self.log_button.setText(self.tr("Log an incoming referral…"))
        self.handled_button.setText(self.tr("Mark handled"))
        self.refer_button.setVisible(full and self.ctx.may(Action.REFERRAL_WRITE))
        self.log_button.setVisible(self.ctx.may(Action.REFERRAL_DESK))
        self.handled_button.setVisible(
            self.ctx.may(Action.REFERRAL_DESK) or self.ctx.may(Action.REFERRAL_WRITE)
        )
        self.letter_button.setText(self.tr("Print referral letter…"))
        self.letter_button.setToolTip(
            self.tr("The letter for the hospital: reason, allergies, medication and summary")
        )
        self.letter_button.setVisible(full)
        self.note.setVisible(not full)
        self.note.setText(
            self.tr(
                "Only referrals to this clinic are listed here; the reasons and summaries "
                "are part of the clinical record."
            )
        )
        self.detail.setVisible(full)
        if full:
            self.table.set_headers(
                [
                    self.tr("Date"),
                    self.tr("Direction"),
                    self.tr("Hospital or clinic"),
                    self.tr("Department"),
                    self.tr("Urgency"),
                    self.tr("Status"),
                ]
            )
        else:
            self.table.set_headers(
                [self.tr("Date"), self.tr("Referred by"), self.tr("Urgency"), self.tr("Status")]
            )
        self._show_rows()

    # -- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        if self.full():
            self.ctx.runner.start(
                referrals.list_referrals,
                self.ctx.clinic,
                actor,
                self.patient_id,
                break_glass_reason=self.file._reason(Action.CLINICAL_READ),
                on_success=self._got_full,
                on_error=self._failed,
                owner=self,
            )
        elif self.ctx.may(Action.REFERRAL_DESK):
            self.ctx.runner.start(
                referrals.list_incoming,
                self.ctx.clinic,
                actor,
                open_only=False,
                on_success=self._got_desk,
                on_error=self._failed,
                owner=self,
            )

    def _failed(self, error: BaseException) -> None:
        self.file.message.show_error(full_error_text(error))

    def _got_full(self, rows: list[referrals.ReferralView]) -> None:
        self.loaded = True
        self.full_rows = rows
        self._show_rows()

    def _got_desk(self, rows: list[referrals.ReferralListItem]) -> None:
        self.loaded = True
        # The desk's list covers the whole clinic; this tab shows this patient's part.
        self.desk_rows = [r for r in rows if r.patient_id == self.patient_id]
        self._show_rows()

    def _direction(self, code: str) -> str:
        return self.tr("To them") if code == "out" else self.tr("To us")

    def _show_rows(self) -> None:
        selected = self.table.current_id()
        rows: list[tuple[Any, tuple[str, ...]]]
        urgent: list[int]
        if self.full():
            rows = [
                (
                    r.id,
                    (
                        local(self.ctx, r.referred_at),
                        self._direction(r.direction),
                        r.partner,
                        r.department,
                        urgency_label(r.urgency),
                        status_label(r.status),
                    ),
                )
                for r in self.full_rows
            ]
            urgent = [
                i
                for i, r in enumerate(self.full_rows)
                if r.urgency in URGENT and r.status == "open"
            ]
        else:
            rows = [
                (
                    r.id,
                    (
                        local(self.ctx, r.referred_at),
                        r.partner,
                        urgency_label(r.urgency),
                        status_label(r.status),
                    ),
                )
                for r in self.desk_rows
            ]
            urgent = [
                i
                for i, r in enumerate(self.desk_rows)
                if r.urgency in URGENT and r.status == "open"
            ]
        self.table.set_rows(rows, red=urgent)
        if rows:
            ids = [r[0] for r in rows]
            self.table.selectRow(ids.index(selected) if selected in ids else 0)
        else:
            self.detail.setPlainText(
                self.tr("No referrals recorded.") if self.loaded else self.tr("Loading…")
            )

    def _show_selected(self) -> None:
        if not self.full():
            return
        referral_id = self.table.current_id()
        r = next((x for x in self.full_rows if x.id == referral_id), None)
        if r is None:
            return
        head = (
            self.tr("Referred to {partner} on {when}")
            if r.direction == "out"
            else self.tr("Referred to us by {partner} on {when}")
        ).format(partner=r.partner, when=local(self.ctx, r.referred_at))
        html = [f"<h3>{_esc(head)}</h3>"]
        facts = [urgency_label(r.urgency), status_label(r.status)]
        if r.department:
            facts.insert(0, r.department)
        if r.handled_at is not None:
            facts.append(self.tr("handled {when}").format(when=local(self.ctx, r.handled_at)))
        html.append(f"<p>{_esc(' · '.join(facts))}</p>")
        for label, text in ((self.tr("Reason"), r.reason), (self.tr("Summary"), r.summary)):
            body = _esc(text).replace("\n", "<br>") or "—"
            html.append(f"<p><b>{_esc(label)}</b><br>{body}</p>")
        self.detail.setHtml("".join(html))

    # -- actions --------------------------------------------------------------------------

    def refer_out(self) -> None:
        ReferOutDialog(
            self.ctx,
            self.patient_id,
            self,
            break_glass_reason=self.file._reason(Action.CLINICAL_READ),
        ).open()

    def log_incoming(self) -> None:
        FieldsDialog(
            self.ctx,
            self,
            self.tr("Log an incoming referral"),
            [
                ("partner", self.tr("Referring clinic"), "line", ()),
                ("urgency", self.tr("Urgency"), "choice", _urgencies()),
                ("reason", self.tr("Reason, as the referring clinic wrote it"), "text", ()),
            ],
            referrals.log_incoming,
            self.patient_id,
            intro=self.tr(
                "The reason goes to the doctor with the record; once saved, the desk "
                "sees only who referred the patient and how urgently."
            ),
        ).open()

    def print_letter(self) -> None:
        referral_id = self.table.current_id()
        chosen = next((r for r in self.full_rows if r.id == referral_id), None)
        if chosen is None:
            self.file.message.show_error(self.tr("Choose a referral in the list first."))
            return
        if chosen.direction != "out":
            self.file.message.show_error(
                self.tr("A letter is printed for referrals to a hospital, not for those to us.")
            )
            return
        print_referral_letter(
            self.ctx,
            self,
            chosen.id,
            break_glass_reason=self.file._reason(Action.CLINICAL_READ),
        )

    def mark_handled(self) -> None:
        referral_id = self.table.current_id()
        actor = self.ctx.actor
        if referral_id is None or actor is None:
            self.file.message.show_error(self.tr("Choose a referral in the list first."))
            return
        self.ctx.runner.start(
            referrals.mark_referral_handled,
            self.ctx.clinic,
            actor,
            referral_id,
            on_success=lambda written: self.ctx.broadcast(written.changes),
            on_error=self._failed,
            owner=self,
        )


class IncomingReferralsPanel(QWidget):
    """For the search page: open referrals to this clinic, urgent first; double-click opens."""

    sig_open_patient = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[referrals.ReferralListItem] = []
        self.setObjectName("incoming-referrals")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel(self)
        self.heading.setObjectName("incoming-referrals-title")
        self.heading.setStyleSheet("font-weight: bold;")
        layout.addWidget(self.heading)
        self.table = ReadOnlyTable(self)
        self.table.setObjectName("incoming-referrals-list")
        self.table.doubleClicked.connect(self._open)
        layout.addWidget(self.table, 1)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        ctx.sig_changes.connect(self._on_changes)
        ctx.sig_actor_changed.connect(self._actor_changed)  # a bound slot: dropped with the panel
        self.retranslate()
        self._actor_changed()

    def title(self) -> str:
        return self.tr("Incoming referrals ({n})").format(n=len(self.rows))

    def retranslate(self) -> None:
        self.heading.setText(self.title())
        self.table.set_headers(
            [self.tr("Urgency"), self.tr("Patient"), self.tr("Referred by"), self.tr("Since")]
        )
        self.show_rows(self.rows)

    def _actor_changed(self, _actor: object = None) -> None:
        allowed = self.ctx.may(Action.REFERRAL_DESK)
        self.setVisible(allowed)
        if allowed:
            self.reload()
        else:
            self.show_rows([])

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None or not self.ctx.may(Action.REFERRAL_DESK):
            return
        self.ctx.runner.start(
            referrals.list_incoming,
            self.ctx.clinic,
            actor,
            open_only=True,
            on_success=self.show_rows,
            on_error=lambda e: self.message.setText(full_error_text(e)),
            owner=self,
        )

    def show_rows(self, rows: list[referrals.ReferralListItem]) -> None:
        self.rows = rows  # the service sorts: most urgent, then longest waiting
        self.message.clear()
        self.table.set_rows(
            [
                (
                    r.id,
                    (
                        urgency_label(r.urgency),
                        r.patient_name,
                        r.partner,
                        local(self.ctx, r.referred_at),
                    ),
                )
                for r in rows
            ],
            red=[i for i, r in enumerate(rows) if r.urgency in URGENT],
        )
        self.heading.setText(self.title())

    def _open(self, index: Any) -> None:
        row = index.row() if index is not None else -1
        if 0 <= row < len(self.rows):
            self.sig_open_patient.emit(self.rows[row].patient_id)

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.CLINICAL) or changes.touches(Topic.PATIENTS):
            self.reload()

"""The Reports tab (spec H2-H3): members by tier, renewals due, lapsed, benefit use,
and for the director the allowances overdrawn after a sync.

One report at a time: choose it, its parameter (days ahead, or a period), and the
table shows it; "Export CSV…" writes the table as shown (UTF-8, whole or not at
all). Renewals due and lapsed carry the payer's phone, so customer service can
call from the list. An overdraft the director has looked at is marked "Seen".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QDir, QEvent, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import membership
from clinic_desk.core.services.base import Changes, Topic, Written
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import ui_language
from clinic_desk.ui.membership.common import (
    RED,
    benefit_key_label,
    day_text,
    days_left_text,
    pydate,
    qdate,
    span_text,
    status_label,
    write_csv,
)
from clinic_desk.ui.patients.common import ReadOnlyTable, full_error_text
from clinic_desk.ui.settings.common import MessageLabel, hint_label

REPORTS = ("by_tier", "renewals", "lapsed", "use", "overdrafts")


class ReportsPanel(QWidget):
    """Feature "Membership", tab "Reports"."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("membership-reports")
        self.loaded = False
        self.loads = 0
        self._ticket = 0
        self.rows: list[Any] = []
        self.shown = ""  # the report whose rows are in the table
        self.director = ctx.may(Action.MEMBERSHIP_OVERRIDE)
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.report = QComboBox(self)
        self.report.setObjectName("reports-kind")
        for code in REPORTS:
            if code != "overdrafts" or self.director:
                self.report.addItem("", code)
        self.report.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.days_label = QLabel(self)
        self.days = QSpinBox(self)
        self.days.setObjectName("reports-days")
        self.days.setRange(1, 366)
        days = ctx.clinic.setting("membership.renewal_reminder_days")
        self.days.setValue(int(days) if isinstance(days, int) and days > 0 else 30)
        self.days.valueChanged.connect(lambda _v: self.reload())
        today = ctx.clinic.today()
        self.first_label = QLabel(self)
        self.first = QDateEdit(qdate(today.replace(day=1)), self)
        self.first.setObjectName("reports-first")
        self.last_label = QLabel(self)
        self.last = QDateEdit(qdate(today), self)
        self.last.setObjectName("reports-last")
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(lambda _d: self.reload())
        self.refresh = QPushButton(self)
        self.refresh.setObjectName("reports-refresh")
        self.refresh.clicked.connect(self.reload)
        self.export = QPushButton(self)
        self.export.setObjectName("reports-export")
        self.export.clicked.connect(self.export_csv)
        self.seen = QPushButton(self)
        self.seen.setObjectName("reports-seen")
        self.seen.clicked.connect(self.mark_seen)
        bar.addWidget(self.report)
        bar.addSpacing(12)
        for w in (self.days_label, self.days, self.first_label, self.first, self.last_label):
            bar.addWidget(w)
        bar.addWidget(self.last)
        bar.addStretch(1)
        bar.addWidget(self.refresh)
        bar.addWidget(self.seen)
        bar.addWidget(self.export)
        layout.addLayout(bar)
        self.hint = hint_label(self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.message = MessageLabel(self)
        self.message.setObjectName("reports-message")
        layout.addWidget(self.message)
        self.table = ReadOnlyTable(self)
        self.table.setObjectName("reports-table")
        self.table.setWordWrap(False)
        self.table.itemSelectionChanged.connect(self._enable)
        layout.addWidget(self.table, 1)
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()
        self._kind_changed(load=False)

    # -- text ------------------------------------------------------------------------------

    def titles(self) -> dict[str, str]:
        return {
            "by_tier": self.tr("Members by tier"),
            "renewals": self.tr("Renewals due"),
            "lapsed": self.tr("Lapsed"),
            "use": self.tr("Benefit use"),
            "overdrafts": self.tr("Allowances overdrawn"),
        }

    def retranslate(self) -> None:
        titles = self.titles()
        for i in range(self.report.count()):
            self.report.setItemText(i, titles[self.report.itemData(i)])
        self.days_label.setText(self.tr("ending within"))
        self.days.setSuffix(self.tr(" days"))
        self.first_label.setText(self.tr("from"))
        self.last_label.setText(self.tr("to"))
        self.refresh.setText(self.tr("Refresh"))
        self.export.setText(self.tr("Export CSV…"))
        self.seen.setText(self.tr("Seen"))
        self.seen.setToolTip(self.tr("You have looked at this overdraft; it leaves the list"))
        self._hint()
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def kind(self) -> str:
        return str(self.report.currentData() or "by_tier")

    def _hint(self) -> None:
        hints = {
            "by_tier": self.tr("Current memberships and the people they cover, today."),
            "renewals": self.tr(
                "Memberships ending soon and not cancelled: call the payer to renew."
            ),
            "lapsed": self.tr(
                "Ended recently and not renewed; after the grace days set in Settings they "
                "leave this list."
            ),
            "use": self.tr("Benefit uses in the period, undone ones taken off."),
            "overdrafts": self.tr(
                "Two desks working offline can each record the last use of an allowance; "
                "after the sync the period holds more than allowed. Look at each, then "
                "mark it seen."
            ),
        }
        self.hint.setText(hints[self.kind()])

    def _kind_changed(self, load: bool = True) -> None:
        kind = self.kind()
        renewal_widgets: tuple[QWidget, ...] = (self.days_label, self.days)
        for w in renewal_widgets:
            w.setVisible(kind == "renewals")
        period_widgets: tuple[QWidget, ...] = (
            self.first_label,
            self.first,
            self.last_label,
            self.last,
        )
        for w in period_widgets:
            w.setVisible(kind == "use")
        self.seen.setVisible(kind == "overdrafts")
        self._hint()
        self.rows = []
        self.shown = ""
        self._fill()
        if load:
            self.reload()

    def show_report(self, kind: str) -> None:
        for i in range(self.report.count()):
            if self.report.itemData(i) == kind:
                self.report.setCurrentIndex(i)
                return

    # -- loading ---------------------------------------------------------------------------

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.reload()

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        kind = self.kind()
        clinic = self.ctx.clinic
        lang = ui_language()
        call: tuple[Any, ...]
        kwargs: dict[str, Any] = {"language": lang}
        if kind == "by_tier":
            call = (membership.members_by_tier, clinic, actor)
        elif kind == "renewals":
            call = (membership.renewals_due, clinic, actor)
            kwargs["days"] = self.days.value()
        elif kind == "lapsed":
            call = (membership.lapsed, clinic, actor)
        elif kind == "use":
            first, last = pydate(self.first.date()), pydate(self.last.date())
            if last < first:
                first, last = last, first
            call = (membership.benefit_use, clinic, actor, first, last)
        else:
            call = (membership.overdrafts, clinic, actor)
            kwargs = {}
        self._ticket += 1
        ticket = self._ticket

        def show(rows: list[Any]) -> None:
            if ticket == self._ticket:
                self.rows = list(rows)
                self.shown = kind
                self.loaded = True
                self.loads += 1
                if self.message.is_error:
                    self.message.clear()
                self._fill()

        self.ctx.runner.start(
            *call,
            **kwargs,
            on_success=show,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.MEMBERSHIP) and self.loaded:
            self.reload()

    # -- the table -------------------------------------------------------------------------

    def headers(self) -> list[str]:
        kind = self.shown or self.kind()
        if kind == "by_tier":
            return [
                self.tr("Tier"),
                self.tr("Memberships"),
                self.tr("People"),
                self.tr("Of them suspended"),
            ]
        if kind in ("renewals", "lapsed"):
            return [
                self.tr("Payer"),
                self.tr("Phone"),
                self.tr("Tier"),
                self.tr("Card no."),
                self.tr("People"),
                self.tr("Ends on"),
                self.tr("Days left") if kind == "renewals" else self.tr("Ended"),
                self.tr("Status"),
            ]
        if kind == "use":
            return [self.tr("Tier"), self.tr("Benefit"), self.tr("Uses"), self.tr("Members")]
        return [
            self.tr("Payer"),
            self.tr("Card no."),
            self.tr("Benefit"),
            self.tr("Period"),
            self.tr("Allowed"),
            self.tr("Used"),
        ]

    def cells(self) -> list[list[str]]:
        kind = self.shown
        out: list[list[str]] = []
        for row in self.rows:
            if kind == "by_tier":
                out.append(
                    [row.tier_name, str(row.memberships), str(row.people), str(row.suspended)]
                )
            elif kind in ("renewals", "lapsed"):
                out.append(
                    [
                        row.payer_name,
                        row.phone,
                        row.tier_name,
                        row.card_no,
                        str(row.members),
                        day_text(row.ends_on),
                        days_left_text(row.days_left, row.status),
                        status_label(row.status),
                    ]
                )
            elif kind == "use":
                out.append(
                    [
                        row.tier_name,
                        benefit_key_label(row.benefit_key, row.label),
                        str(row.uses),
                        str(row.members),
                    ]
                )
            elif kind == "overdrafts":
                out.append(
                    [
                        row.payer_name,
                        row.card_no,
                        benefit_key_label(row.benefit_key, row.label),
                        span_text(row.first, row.last),
                        str(row.quota),
                        str(row.used),
                    ]
                )
        return out

    def _fill(self) -> None:
        headers = self.headers()
        self.table.set_headers(headers)
        cells = self.cells()
        self.table.set_rows([(i, c) for i, c in enumerate(cells)])
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        if self.shown in ("renewals", "overdrafts"):
            for r, row in enumerate(self.rows):
                late = self.shown == "overdrafts" or getattr(row, "days_left", 99) <= 7
                if late:
                    for c in range(self.table.columnCount()):
                        item = self.table.item(r, c)
                        if item is not None:
                            item.setForeground(QColor(RED))
        for r in range(self.table.rowCount()):
            for c in range(1, self.table.columnCount()):
                item = self.table.item(r, c)
                if item is not None and item.text().lstrip("-").isdigit():
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
        self._enable()

    def _enable(self) -> None:
        self.export.setEnabled(bool(self.rows))
        self.seen.setEnabled(self.shown == "overdrafts" and self.table.currentRow() >= 0)

    # -- actions ---------------------------------------------------------------------------

    def mark_seen(self) -> None:
        actor = self.ctx.actor
        r = self.table.currentRow()
        if actor is None or self.shown != "overdrafts" or not (0 <= r < len(self.rows)):
            return
        row = self.rows[r]

        def done(written: Written[Any]) -> None:
            self.ctx.broadcast(written.changes)
            self.message.show_ok(self.tr("Marked as seen."))

        self.ctx.runner.start(
            membership.mark_overdraft_seen,
            self.ctx.clinic,
            actor,
            row.membership_id,
            row.benefit_key,
            row.first,
            on_success=done,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )

    def suggested_name(self) -> str:
        today = self.ctx.clinic.today()
        first, last = pydate(self.first.date()), pydate(self.last.date())
        names = {
            "by_tier": f"members-by-tier-{today.isoformat()}",
            "renewals": f"renewals-due-{today.isoformat()}-{self.days.value()}d",
            "lapsed": f"lapsed-{today.isoformat()}",
            "use": f"benefit-use-{first.isoformat()}-{last.isoformat()}",
            "overdrafts": f"overdrafts-{today.isoformat()}",
        }
        return names.get(self.shown, "membership") + ".csv"

    def export_csv(self, target: Path | None = None) -> None:
        if not self.rows:
            return
        if target is None:
            path, _filter = QFileDialog.getSaveFileName(
                self,
                self.tr("Export CSV"),
                QDir.home().filePath(self.suggested_name()),
                self.tr("CSV files (*.csv)"),
            )
            if not path:
                return
            target = Path(path)
        if target.suffix.lower() != ".csv":
            target = target.with_name(target.name + ".csv")
        title = self.titles().get(self.shown, "")
        self.export.setEnabled(False)

        def saved(rows: int) -> None:
            self.export.setEnabled(True)
            self.message.show_ok(
                self.tr("Saved %n row(s) of {table} to {path}.", "", rows).format(
                    table=title, path=str(target)
                )
            )

        def failed(error: BaseException) -> None:
            self.export.setEnabled(True)
            if isinstance(error, OSError):
                self.message.show_error(
                    self.tr(
                        "Could not write {path}: {reason}. Nothing was saved. Choose a folder "
                        "you may write to (for example your Documents) and try again."
                    ).format(path=str(target), reason=error.strerror or str(error))
                )
            else:
                self.message.show_error(full_error_text(error))

        self.ctx.runner.start(
            write_csv,
            target,
            self.headers(),
            self.cells(),
            on_success=saved,
            on_error=failed,
            owner=self,
        )

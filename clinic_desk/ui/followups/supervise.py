"""The supervisor's side of follow-up (spec E5, E6): spot checks, rates, forwards.

``SpotChecksPanel`` lists a period's calls, those not checked yet first; the
supervisor reads one and rates it (good / acceptable / poor, with a note) —
抽查: the date, the checker and the evaluation go on the printed form.
``RatesPanel`` is the follow-up rate per department or per doctor, with the
on-time rate (E6), exactly as ``followups.followup_rates`` counts it.
``ForwardsPanel`` tracks the suggestions forwarded to departments (抄告)
until each is answered.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QDate, QEvent, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import followups
from clinic_desk.core.services.base import Changes, Topic, Written
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.followups.call_dialog import (
    ChoiceRow,
    adherence_choices,
    print_call_record,
    recovery_choices,
)
from clinic_desk.ui.followups.worklist import channel_label, code_label, outcome_label
from clinic_desk.ui.patients.common import (
    FieldsDialog,
    ReadOnlyTable,
    full_error_text,
    local,
    tr_code,
)
from clinic_desk.ui.settings.common import MessageLabel, hint_label

RATINGS = followups.RATINGS


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


def rating_label(rating: str) -> str:
    return code_label(followups.RATING_LABELS, rating)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class PeriodBar(QWidget):
    """From … to …, with the whole row of filters beside it."""

    def __init__(self, first: date, last: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.from_label = QLabel(self)
        self.first = QDateEdit(_qdate(first), self)
        self.first.setObjectName("period-first")
        self.to_label = QLabel(self)
        self.last = QDateEdit(_qdate(last), self)
        self.last.setObjectName("period-last")
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.from_label.setBuddy(self.first)
        self.to_label.setBuddy(self.last)
        for w in (self.from_label, self.first, self.to_label, self.last):
            self.row.addWidget(w)
        self.retranslate()

    def retranslate(self) -> None:
        self.from_label.setText(self.tr("&From"))
        self.to_label.setText(self.tr("&to"))

    def period(self) -> tuple[date, date]:
        return _pydate(self.first.date()), _pydate(self.last.date())

    def set_period(self, first: date, last: date) -> None:
        for edit, day in ((self.first, first), (self.last, last)):
            edit.blockSignals(True)
            edit.setDate(_qdate(day))
            edit.blockSignals(False)


class _Panel(QWidget):
    """Loads on first show and again when follow-ups change; newer answers win."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.loads = 0
        self.loaded = False
        self._ticket = 0
        ctx.sig_changes.connect(self._on_changes)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.reload()

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.FOLLOWUPS) and self.loaded:
            self.reload()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        raise NotImplementedError

    def reload(self) -> None:
        raise NotImplementedError

    def fetch(self, fn: Any, *args: Any, show: Any, message: MessageLabel, **kwargs: Any) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self._ticket += 1
        ticket = self._ticket

        def done(answer: Any) -> None:
            if ticket == self._ticket:
                self.loaded = True
                self.loads += 1
                if message.is_error:
                    message.clear()
                show(answer)

        self.ctx.runner.start(
            fn,
            self.ctx.clinic,
            actor,
            *args,
            **kwargs,
            on_success=done,
            on_error=lambda e: message.show_error(full_error_text(e)),
            owner=self,
        )


# -- spot checks ------------------------------------------------------------------------------


class SpotChecksPanel(_Panel):
    """The period's calls, unchecked first; read one, rate it, note why (抽查)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("followup-spot-checks")
        self.calls: list[followups.CallView] = []
        today = ctx.clinic.today()
        layout = QVBoxLayout(self)
        self.period = PeriodBar(today - timedelta(days=6), today, self)
        self.unchecked = QCheckBox(self.period)
        self.unchecked.setObjectName("spot-unchecked-only")
        self.period.row.addWidget(self.unchecked)
        self.period.row.addStretch(1)
        self.period.first.dateChanged.connect(lambda _d: self.reload())
        self.period.last.dateChanged.connect(lambda _d: self.reload())
        self.unchecked.toggled.connect(lambda _on: self.reload())
        layout.addWidget(self.period)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        split = QSplitter(Qt.Orientation.Vertical, self)
        self.table = ReadOnlyTable(split)
        self.table.setObjectName("spot-calls")
        self.table.itemSelectionChanged.connect(self._selection_changed)
        split.addWidget(self.table)
        lower = QWidget(split)
        col = QVBoxLayout(lower)
        col.setContentsMargins(0, 0, 0, 0)
        self.detail = QTextBrowser(lower)
        self.detail.setObjectName("spot-detail")
        col.addWidget(self.detail, 1)
        row = QHBoxLayout()
        self.rating_label = QLabel(lower)
        self.rating = ChoiceRow([(r, rating_label(r)) for r in RATINGS], lower, wide=90)
        self.rating.setObjectName("spot-rating")
        self.note = QLineEdit(lower)
        self.note.setObjectName("spot-note")
        self.note.setMaxLength(followups.MAX_NOTE)
        self.save_button = QPushButton(lower)
        self.save_button.setObjectName("spot-save")
        self.save_button.clicked.connect(self.save_check)
        self.print_button = QPushButton(lower)
        self.print_button.setObjectName("spot-print")
        self.print_button.clicked.connect(self.print_selected)
        row.addWidget(self.rating_label)
        row.addWidget(self.rating)
        row.addWidget(self.note, 1)
        row.addWidget(self.save_button)
        row.addWidget(self.print_button)
        col.addLayout(row)
        self.own_hint = hint_label(lower)
        col.addWidget(self.own_hint)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)
        self.retranslate()
        self._selection_changed()

    def retranslate(self) -> None:
        self.period.retranslate()
        self.unchecked.setText(self.tr("Only calls not checked yet"))
        self.rating_label.setText(self.tr("Evaluation"))
        self.rating.set_texts([(r, rating_label(r)) for r in RATINGS])
        self.note.setPlaceholderText(self.tr("What was good or should change (optional)"))
        self.save_button.setText(self.tr("Save the check"))
        self.print_button.setText(self.tr("Print the call record…"))
        self.own_hint.setText(self.tr("Your own calls are checked by someone else."))
        self.table.set_headers(
            [
                self.tr("When"),
                self.tr("Patient"),
                self.tr("Caller"),
                self.tr("Outcome"),
                self.tr("Department"),
                self.tr("Satisfaction"),
                self.tr("Checked"),
            ]
        )
        self._fill()

    def reload(self) -> None:
        first, last = self.period.period()
        self.fetch(
            followups.calls_between,
            first,
            last,
            unchecked_only=self.unchecked.isChecked(),
            show=self._show,
            message=self.message,
        )

    def _show(self, calls: list[followups.CallView]) -> None:
        # Not checked yet first, then the newest.
        self.calls = sorted(calls, key=lambda c: (c.check_at is not None, -c.called_at.timestamp()))
        self._fill()

    def _check_text(self, c: followups.CallView) -> str:
        if c.check_at is None:
            return ""
        return self.tr("{rating} · {who} · {day}").format(
            rating=rating_label(c.check_rating),
            who=c.check_by_name,
            day=local(self.ctx, c.check_at)[:10],
        )

    def _fill(self) -> None:
        rows = [
            (
                c.id,
                [
                    local(self.ctx, c.called_at),
                    c.patient_name,
                    c.caller_name,
                    outcome_label(c.outcome),
                    c.department,
                    " ".join(str(v) for v in c.satisfaction.values()),
                    self._check_text(c),
                ],
            )
            for c in self.calls
        ]
        selected = self.table.current_id()
        self.table.set_rows(rows)
        for r, c in enumerate(self.calls):
            if c.id == selected:
                self.table.selectRow(r)
        if self.table.currentRow() < 0 and rows:
            self.table.selectRow(0)
        if self.loaded and not rows:
            self.message.show_info(self.tr("No calls in this period."))
        self._selection_changed()

    def selected(self) -> followups.CallView | None:
        chosen = self.table.current_id()
        return next((c for c in self.calls if c.id == chosen), None)

    def _selection_changed(self) -> None:
        call = self.selected()
        actor = self.ctx.actor
        own = call is not None and actor is not None and call.caller_id == actor.staff_id
        for w in (self.rating, self.note, self.save_button):
            w.setEnabled(call is not None and not own)
        self.print_button.setEnabled(call is not None)
        self.own_hint.setVisible(own)
        if call is None:
            self.detail.clear()
            return
        self.rating.set_value(call.check_rating)
        self.note.setText(call.check_note)
        self.detail.setHtml(self.detail_html(call))

    def detail_html(self, c: followups.CallView) -> str:
        recovery = dict(recovery_choices())
        adherence = dict(adherence_choices())
        questions = dict(followups.SATISFACTION_QUESTIONS)
        parts = [
            "<h3>"
            + _esc(
                f"{c.patient_name} · {local(self.ctx, c.called_at)} · "
                f"{channel_label(c.channel)} · {c.caller_name}"
            )
            + "</h3>"
        ]
        rows: list[tuple[str, str]] = [
            (self.tr("Outcome"), outcome_label(c.outcome)),
            (self.tr("Recovery"), recovery.get(c.recovery, c.recovery)),
            (self.tr("Medication"), adherence.get(c.adherence, c.adherence)),
            (
                self.tr("Did levels 1 and 2 happen?"),
                {"yes": self.tr("Yes"), "no": self.tr("No")}.get(c.previous_levels, ""),
            ),
        ]
        for key, score in c.satisfaction.items():
            rows.append((tr_code("Satisfaction", questions.get(key, key)), f"{score} / 5"))
        rows += [
            (self.tr("Anything else the patient said"), c.open_answer),
            (self.tr("Suggestions"), c.suggestions),
            (self.tr("Notes"), c.notes),
        ]
        if c.forward_ids:
            rows.append((self.tr("Forwarded"), self.tr("to the department (抄告)")))
        if c.complaint_id is not None:
            rows.append((self.tr("Complaint"), self.tr("opened from this call")))
        for label, value in rows:
            if value:
                body = _esc(value).replace("\n", "<br>")
                parts.append(f"<p><b>{_esc(label)}</b>: {body}</p>")
        return "".join(parts)

    def save_check(self) -> None:
        call = self.selected()
        actor = self.ctx.actor
        if call is None or actor is None:
            return
        rating = self.rating.value()
        if not rating:
            self.message.show_error(self.tr("Choose the evaluation: good, acceptable or poor."))
            self.rating.setFocus()
            return
        self.save_button.setEnabled(False)

        def saved(written: Written[followups.CallView]) -> None:
            self.message.show_ok(self.tr("Check saved."))
            self.calls = [written.value if c.id == written.value.id else c for c in self.calls]
            self._fill()
            self.ctx.broadcast(written.changes)

        def failed(error: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.message.show_error(full_error_text(error))

        self.ctx.runner.start(
            followups.spot_check,
            self.ctx.clinic,
            actor,
            call.id,
            rating=rating,
            note=self.note.text(),
            on_success=saved,
            on_error=failed,
            owner=self,
        )

    def print_selected(self) -> None:
        call = self.selected()
        if call is not None:
            print_call_record(self.ctx, self, call.id)


# -- rates ------------------------------------------------------------------------------------


class RatesPanel(_Panel):
    """Follow-up rate and on-time rate per department or doctor for a period (E6)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("followup-rates")
        self.rows: list[followups.RateRow] = []
        today = ctx.clinic.today()
        layout = QVBoxLayout(self)
        self.period = PeriodBar(today.replace(day=1), today, self)
        self.this_month = QPushButton(self.period)
        self.this_month.setObjectName("rates-this-month")
        self.this_month.clicked.connect(self.show_this_month)
        self.last_month = QPushButton(self.period)
        self.last_month.setObjectName("rates-last-month")
        self.last_month.clicked.connect(self.show_last_month)
        self.by_label = QLabel(self.period)
        self.by = QComboBox(self.period)
        self.by.setObjectName("rates-by")
        self.by.addItem("", "department")
        self.by.addItem("", "doctor")
        self.by_label.setBuddy(self.by)
        for w in (self.this_month, self.last_month, self.by_label, self.by):
            self.period.row.addWidget(w)
        self.period.row.addStretch(1)
        self.period.first.dateChanged.connect(lambda _d: self.reload())
        self.period.last.dateChanged.connect(lambda _d: self.reload())
        self.by.currentIndexChanged.connect(lambda _i: self.reload())
        layout.addWidget(self.period)
        self.hint = hint_label(self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.table = ReadOnlyTable(self)
        self.table.setObjectName("rates-table")
        layout.addWidget(self.table, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.period.retranslate()
        self.this_month.setText(self.tr("This month"))
        self.last_month.setText(self.tr("Last month"))
        self.by_label.setText(self.tr("&Per"))
        self.by.setItemText(0, self.tr("Department"))
        self.by.setItemText(1, self.tr("Doctor"))
        self.hint.setText(
            self.tr(
                "Due: planned follow-ups whose deadline falls in the period, except those "
                "ended because the patient died, opted out or the visit was re-categorised. "
                "On time: done by the deadline."
            )
        )
        self._fill()

    def show_this_month(self) -> None:
        today = self.ctx.clinic.today()
        self.period.set_period(today.replace(day=1), today)
        self.reload()

    def show_last_month(self) -> None:
        end = self.ctx.clinic.today().replace(day=1) - timedelta(days=1)
        self.period.set_period(end.replace(day=1), end)
        self.reload()

    def reload(self) -> None:
        first, last = self.period.period()
        self.fetch(
            followups.followup_rates,
            first,
            last,
            by=self.by.currentData(),
            show=self._show,
            message=self.message,
        )

    def _show(self, rows: list[followups.RateRow]) -> None:
        self.rows = rows
        self._fill()

    def _fill(self) -> None:
        doctor = self.by.currentData() == "doctor"
        self.table.set_headers(
            [
                self.tr("Doctor") if doctor else self.tr("Department"),
                self.tr("Due"),
                self.tr("Done"),
                self.tr("Follow-up rate"),
                self.tr("On time"),
                self.tr("On-time rate"),
            ]
        )
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(110)  # the figures line up in even columns
        none = self.tr("(no doctor recorded)") if doctor else self.tr("(no department)")
        table: list[tuple[Any, list[str]]] = [
            (
                r.key,
                [
                    r.label or none,
                    str(r.due),
                    str(r.done),
                    percent(r.rate),
                    str(r.on_time),
                    percent(r.on_time_rate),
                ],
            )
            for r in self.rows
        ]
        if self.rows:
            due = sum(r.due for r in self.rows)
            done = sum(r.done for r in self.rows)
            on_time = sum(r.on_time for r in self.rows)
            table.append(
                (
                    None,
                    [
                        self.tr("All"),
                        str(due),
                        str(done),
                        percent(done / due if due else None),
                        str(on_time),
                        percent(on_time / done if done else None),
                    ],
                )
            )
        self.table.set_rows(table)
        if table:
            last = self.table.rowCount() - 1
            for c in range(self.table.columnCount()):
                item = self.table.item(last, c)
                if item is not None:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
        elif self.loaded:
            self.message.show_info(self.tr("No follow-ups were due in this period."))
        for c in range(1, self.table.columnCount()):
            for r in range(self.table.rowCount()):
                item = self.table.item(r, c)
                if item is not None:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )


# -- forwarded suggestions (抄告) ---------------------------------------------------------------


class ForwardsPanel(_Panel):
    """Suggestions forwarded to departments, open or answered; supervisors answer them."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("followup-forwards")
        self.forwards: list[followups.ForwardView] = []
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.status_label = QLabel(self)
        self.status = QComboBox(self)
        self.status.setObjectName("forwards-status")
        self.status.addItem("", "open")
        self.status.addItem("", "answered")
        self.status.addItem("", "")
        self.status_label.setBuddy(self.status)
        self.status.currentIndexChanged.connect(lambda _i: self.reload())
        self.answer_button = QPushButton(self)
        self.answer_button.setObjectName("forwards-answer")
        self.answer_button.clicked.connect(self.answer)
        bar.addWidget(self.status_label)
        bar.addWidget(self.status)
        bar.addStretch(1)
        bar.addWidget(self.answer_button)
        layout.addLayout(bar)
        self.hint = hint_label(self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.table = ReadOnlyTable(self)
        self.table.setObjectName("forwards-table")
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)
        self.retranslate()

    def may_answer(self) -> bool:
        # Whoever works the list records the department's answer (the service's rule).
        return self.ctx.may(Action.FOLLOWUP_WORK)

    def retranslate(self) -> None:
        self.status_label.setText(self.tr("&Show"))
        self.status.setItemText(0, self.tr("Waiting for an answer"))
        self.status.setItemText(1, self.tr("Answered"))
        self.status.setItemText(2, self.tr("All"))
        self.answer_button.setText(self.tr("Answer…"))
        self.answer_button.setVisible(self.may_answer())
        self.hint.setText(
            self.tr(
                "Suggestions heard on follow-up calls and forwarded to a department (抄告). "
                "Each stays here until the department's answer is recorded."
            )
        )
        self.table.set_headers(
            [
                self.tr("Forwarded"),
                self.tr("Patient"),
                self.tr("Department"),
                self.tr("Suggestion"),
                self.tr("By"),
                self.tr("Answer"),
            ]
        )
        self._fill()

    def reload(self) -> None:
        self.fetch(
            followups.list_forwards,
            status=self.status.currentData(),
            show=self._show,
            message=self.message,
        )

    def _show(self, forwards: list[followups.ForwardView]) -> None:
        self.forwards = forwards
        self._fill()

    def _fill(self) -> None:
        rows = []
        for f in self.forwards:
            answer = f.response
            if f.answered_at is not None:
                answer = self.tr("{answer} ({who}, {day})").format(
                    answer=f.response, who=f.answered_by_name, day=local(self.ctx, f.answered_at)
                )
            rows.append(
                (
                    f.id,
                    [
                        local(self.ctx, f.forwarded_at),
                        f.patient_name,
                        f.department,
                        f.text,
                        f.forwarded_by_name,
                        answer,
                    ],
                )
            )
        self.table.set_rows(rows)
        if self.loaded and not rows:
            self.message.show_info(self.tr("Nothing here."))
        self._selection_changed()

    def selected(self) -> followups.ForwardView | None:
        chosen = self.table.current_id()
        return next((f for f in self.forwards if f.id == chosen), None)

    def _selection_changed(self) -> None:
        f = self.selected()
        self.answer_button.setEnabled(f is not None and f.status == "open")

    def answer(self) -> FieldsDialog | None:
        f = self.selected()
        if f is None or not self.may_answer():
            return None
        dialog = FieldsDialog(
            self.ctx,
            self,
            self.tr("The department's answer"),
            [("response", self.tr("Answer"), "text", ())],
            followups.answer_forward,
            f.id,
            intro=self.tr("{department}, about {patient}: {text}").format(
                department=f.department, patient=f.patient_name, text=f.text
            ),
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

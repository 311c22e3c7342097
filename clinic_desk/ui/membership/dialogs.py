"""The membership actions (spec H2-H3): enrol, renew, change tier, suspend, cancel,
members, payments, benefit uses and the care team.

Each dialog is saved by one service call off the GUI thread (``TaskDialog``); a
refusal stays in the dialog as the service's sentence. Amounts are typed in yuan
and sent in cents. A use past the allowance is refused with the sentence; the
director (MEMBERSHIP_OVERRIDE) is offered "Allow with a reason…", which the
service records and audits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.rules import membership as rules
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import complaints, membership, patient_search
from clinic_desk.core.services.base import Written
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.followups.worklist import TaskDialog
from clinic_desk.ui.i18n import ui_language
from clinic_desk.ui.membership.common import (
    GREY,
    RED,
    MoneyEdit,
    benefit_label,
    benefit_text,
    day_text,
    method_label,
    money_error,
    money_text,
    period_text,
    pydate,
    qdate,
    quota_text,
    relation_label,
    role_label,
    tier_chip,
)
from clinic_desk.ui.patients.common import combo_index, full_error_text
from clinic_desk.ui.reception.common import PatientSearch, fit_height, hit_line
from clinic_desk.ui.settings.common import hint_label

SHORT = 200


class BadInput(Exception):
    """A field the dialog itself cannot send (an amount that is not a sum)."""


def _line(parent: QWidget, name: str, limit: int = SHORT) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setObjectName(name)
    edit.setMaxLength(limit)
    return edit


def _date_edit(parent: QWidget, name: str, day: date) -> QDateEdit:
    edit = QDateEdit(qdate(day), parent)
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def tier_summary(tier: membership.TierView) -> str:
    """Price, period, people and benefits of a tier, as rich text for a label."""
    if tier.max_members == 1:
        people = QCoreApplication.translate("MembershipPage", "1 person")
    else:
        n = tier.max_members  # a plain name: lupdate skips a plural given an expression
        people = QCoreApplication.translate("MembershipPage", "up to %n people", "", n)
    head = QCoreApplication.translate("MembershipPage", "{price} for {period} · {people}").format(
        price=money_text(tier.price_cents), period=period_text(tier.period), people=people
    )
    lines = "".join(f"<li>{benefit_text(b)}</li>" for b in tier.benefits)
    return f"<b>{head}</b><ul style='margin-left:12px'>{lines}</ul>"


# -- payment ---------------------------------------------------------------------------------


class PaymentBox(QWidget):
    """Amount (yuan), method, receipt number, day paid and a note, with "paid now"."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        optional: bool = True,
        checked: bool = True,
        refund: bool = False,
    ) -> None:
        super().__init__(parent)
        self.refund = refund
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.paid = QCheckBox(self)
        self.paid.setObjectName("payment-paid")
        self.paid.setChecked(checked)
        self.paid.setVisible(optional)
        self.paid.toggled.connect(self._toggled)
        self.amount = MoneyEdit(self)
        self.amount.setObjectName("payment-amount")
        self.method = QComboBox(self)
        self.method.setObjectName("payment-method")
        for code in membership.METHODS:
            self.method.addItem(method_label(code), code)
        self.receipt = _line(self, "payment-receipt", membership.MAX_RECEIPT)
        self.paid_on = _date_edit(self, "payment-day", ctx.clinic.today())
        self.note = _line(self, "payment-note", membership.MAX_NOTE)
        self.amount_label = QLabel(self)
        self.method_label = QLabel(self)
        self.receipt_label = QLabel(self)
        self.day_label = QLabel(self)
        self.note_label = QLabel(self)
        row = 0
        if optional:
            grid.addWidget(self.paid, 0, 0, 1, 4)
            row = 1
        grid.addWidget(self.amount_label, row, 0)
        grid.addWidget(self.amount, row, 1)
        grid.addWidget(self.method_label, row, 2)
        grid.addWidget(self.method, row, 3)
        grid.addWidget(self.receipt_label, row + 1, 0)
        grid.addWidget(self.receipt, row + 1, 1)
        grid.addWidget(self.day_label, row + 1, 2)
        grid.addWidget(self.paid_on, row + 1, 3)
        grid.addWidget(self.note_label, row + 2, 0)
        grid.addWidget(self.note, row + 2, 1, 1, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.retranslate()
        self._toggled(self.paid.isChecked())

    def retranslate(self) -> None:
        if self.refund:
            self.paid.setText(self.tr("Refund money to the payer"))
            self.amount_label.setText(self.tr("Refund"))
        else:
            self.paid.setText(self.tr("Paid now"))
            self.amount_label.setText(self.tr("Amount"))
        self.method_label.setText(self.tr("Method"))
        self.receipt_label.setText(self.tr("Receipt no."))
        self.day_label.setText(self.tr("Paid on"))
        self.note_label.setText(self.tr("Payment note"))
        self.receipt.setPlaceholderText(self.tr("As printed on the receipt"))

    def _toggled(self, on: bool) -> None:
        for w in (self.amount, self.method, self.receipt, self.paid_on, self.note):
            w.setEnabled(on)

    def value(self, kind: str | None = None) -> membership.PaymentInput | None:
        """The payment to send, None when none is recorded; BadInput for a bad amount."""
        if not self.paid.isChecked():
            return None
        cents = self.amount.cents()
        if cents is None:
            self.amount.setFocus()
            raise BadInput(money_error())
        return membership.PaymentInput(
            amount_cents=cents,
            paid_on=pydate(self.paid_on.date()),
            method=str(self.method.currentData()),
            receipt_no=self.receipt.text().strip(),
            note=self.note.text().strip(),
            kind=kind or ("refund" if self.refund else "payment"),
        )


class MembershipDialog(TaskDialog):
    """A TaskDialog that shows a BadInput sentence instead of calling the service."""

    def __init__(self, ctx: AppContext, parent: QWidget | None) -> None:
        super().__init__(ctx, parent)
        self.setMinimumWidth(620)

    def save(self) -> None:
        try:
            self.send()
        except BadInput as error:
            self.message.show_error(str(error))

    def send(self) -> None:
        raise NotImplementedError

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        pass

    def start(self) -> MembershipDialog:
        self.finish_layout()
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.open()
        fit_height(self)
        return self


# -- enrol -----------------------------------------------------------------------------------


class MemberRow:
    """A family member chosen in the enrol dialog: the person and the relation."""

    def __init__(
        self, hit: patient_search.PatientHit, relation: QComboBox, button: QWidget
    ) -> None:
        self.hit = hit
        self.relation = relation
        self.button = button


class EnrolDialog(MembershipDialog):
    """Enrol a payer, and family members when the tier allows, in a tier (H2)."""

    def __init__(
        self,
        ctx: AppContext,
        tiers: Sequence[membership.TierView],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("membership-enrol")
        self.setMinimumWidth(720)
        self.tiers = [t for t in tiers if not t.retired]
        self.payer: patient_search.PatientHit | None = None
        self.family: list[MemberRow] = []
        self.amount_touched = False

        self.tier = QComboBox(self)
        self.tier.setObjectName("enrol-tier")
        lang = ui_language()
        for t in self.tiers:
            self.tier.addItem(t.name(lang), t.id)
        self.tier.currentIndexChanged.connect(lambda _i: self._tier_changed())
        self.tier_info = QLabel(self)
        self.tier_info.setObjectName("enrol-tier-info")
        self.tier_info.setWordWrap(True)
        self.tier_info.setTextFormat(Qt.TextFormat.RichText)
        tier_box = QVBoxLayout()
        tier_box.addWidget(self.tier)
        tier_box.addWidget(self.tier_info)
        self.tier_row = QLabel(self)
        self.form.addRow(self.tier_row, tier_box)

        self.search = PatientSearch(ctx, self, rows=4)
        self.search.line.setObjectName("enrol-payer-search")
        self.search.sig_activated.connect(self._payer_chosen)
        self.payer_label = QLabel(self)
        self.payer_label.setObjectName("enrol-payer")
        self.payer_change = QPushButton(self)
        self.payer_change.setObjectName("enrol-payer-change")
        self.payer_change.clicked.connect(self._payer_cleared)
        self.payer_change.hide()
        payer_box = QVBoxLayout()
        payer_box.addWidget(self.search)
        chosen = QHBoxLayout()
        chosen.addWidget(self.payer_label, 1)
        chosen.addWidget(self.payer_change)
        payer_box.addLayout(chosen)
        self.payer_row = QLabel(self)
        self.form.addRow(self.payer_row, payer_box)

        self.family_box = QWidget(self)
        family = QVBoxLayout(self.family_box)
        family.setContentsMargins(0, 0, 0, 0)
        self.family_hint = hint_label(self.family_box)
        self.family_hint.setWordWrap(True)
        self.member_search = PatientSearch(ctx, self.family_box, rows=4)
        self.member_search.line.setObjectName("enrol-member-search")
        self.member_search.sig_activated.connect(self._member_chosen)
        self.family_grid = QGridLayout()
        self.family_grid.setColumnStretch(0, 1)
        family.addWidget(self.family_hint)
        family.addLayout(self.family_grid)
        family.addWidget(self.member_search)
        self.family_row = QLabel(self)
        self.form.addRow(self.family_row, self.family_box)

        term = QHBoxLayout()
        self.starts = _date_edit(self, "enrol-starts", ctx.clinic.today())
        self.starts.dateChanged.connect(lambda _d: self._update_term())
        self.periods = QSpinBox(self)
        self.periods.setObjectName("enrol-periods")
        self.periods.setRange(1, membership.MAX_PERIODS)
        self.periods.valueChanged.connect(lambda _v: self._periods_changed())
        self.periods_label = QLabel(self)
        self.ends_label = QLabel(self)
        self.ends_label.setObjectName("enrol-ends")
        term.addWidget(self.starts)
        term.addSpacing(12)
        term.addWidget(self.periods_label)
        term.addWidget(self.periods)
        term.addSpacing(12)
        term.addWidget(self.ends_label, 1)
        self.term_row = QLabel(self)
        self.form.addRow(self.term_row, term)

        self.payment = PaymentBox(ctx, self)
        self.payment.amount.textEdited.connect(self._amount_edited)
        self.payment_row = QLabel(self)
        self.form.addRow(self.payment_row, self.payment)
        self.note = _line(self, "enrol-note", membership.MAX_NOTE)
        self.note_row = QLabel(self)
        self.form.addRow(self.note_row, self.note)
        self.finish_layout()
        self.retranslate()
        self._tier_changed()
        self.search.line.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Enrol in a membership"))
        self.intro.setText(
            self.tr(
                "Choose the tier, find the person who pays, and for a family tier add the "
                "others. The card number is given when you save."
            )
        )
        self.tier_row.setText(self.tr("Tier"))
        self.payer_row.setText(self.tr("Payer"))
        self.search.line.setPlaceholderText(self.tr("Find the payer: name, phone digits…"))
        self.payer_change.setText(self.tr("Choose someone else"))
        self.family_row.setText(self.tr("Family members"))
        self.member_search.line.setPlaceholderText(
            self.tr("Add a family member: name, phone digits…")
        )
        self.term_row.setText(self.tr("Starts on"))
        self.periods_label.setText(self.tr("Periods"))
        self.payment_row.setText(self.tr("Payment"))
        self.note_row.setText(self.tr("Note"))
        self.payment.retranslate()
        for row in self.family:
            self._relations(row.relation)
        self._tier_changed()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter in a search picks the person; it must not also press Save.
        searches = (
            self.search.line,
            self.search.results,
            self.member_search.line,
            self.member_search.results,
        )
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.focusWidget() in searches:
            event.accept()
            return
        super().keyPressEvent(event)

    def current_tier(self) -> membership.TierView | None:
        chosen = self.tier.currentData()
        return next((t for t in self.tiers if t.id == chosen), None)

    def _tier_changed(self) -> None:
        tier = self.current_tier()
        if tier is None:
            self.tier_info.setText(self.tr("No tier is offered. The director sets them up."))
            self.family_box.setEnabled(False)
            return
        self.tier_info.setText(tier_summary(tier))
        family = tier.max_members > 1
        self.family_box.setVisible(family)
        self.family_row.setVisible(family)
        self.family_box.setEnabled(True)
        self.family_hint.setText(
            self.tr("Up to %n people, the payer included.", "", tier.max_members)
        )
        self.member_search.setEnabled(len(self.family) + 1 < tier.max_members)
        self._update_amount()
        self._update_term()
        fit_height(self)

    def _periods_changed(self) -> None:
        self._update_amount()
        self._update_term()

    def _amount_edited(self, _text: str) -> None:
        self.amount_touched = True

    def _update_amount(self) -> None:
        tier = self.current_tier()
        if tier is not None and not self.amount_touched:
            self.payment.amount.set_cents(tier.price_cents * self.periods.value())

    def _update_term(self) -> None:
        tier = self.current_tier()
        if tier is None:
            self.ends_label.clear()
            return
        try:
            ends = rules.end_after(pydate(self.starts.date()), tier.period, self.periods.value())
        except ValidationError:  # the service says why when saving
            self.ends_label.clear()
            return
        self.ends_label.setText(self.tr("ends on {day}").format(day=ends.isoformat()))

    def set_payer(self, hit: patient_search.PatientHit) -> None:
        """Start with this patient as the payer (the patient file's Enrol…)."""
        self._payer_chosen(hit)

    def _payer_chosen(self, hit: patient_search.PatientHit) -> None:
        self.payer = hit
        self.payer_label.setText(hit_line(hit))
        self.payer_change.show()
        self.search.clear()
        self.search.hide()
        QTimer.singleShot(0, self.member_search.line.setFocus)

    def _payer_cleared(self) -> None:
        self.payer = None
        self.payer_label.clear()
        self.payer_change.hide()
        self.search.show()
        self.search.line.setFocus()

    def _relations(self, combo: QComboBox) -> None:
        current = combo.currentData()
        combo.clear()
        for code in membership.RELATIONS:
            if code != "self":
                combo.addItem(relation_label(code), code)
        combo.setCurrentIndex(max(0, combo_index(combo, current)))

    def _member_chosen(self, hit: patient_search.PatientHit) -> None:
        self.member_search.clear()
        if any(r.hit.id == hit.id for r in self.family) or (
            self.payer is not None and self.payer.id == hit.id
        ):
            self.message.show_error(
                self.tr("{name} is already on this membership.").format(name=hit_line(hit))
            )
            return
        relation = QComboBox(self.family_box)
        relation.setObjectName("enrol-relation")
        self._relations(relation)
        remove = QPushButton(self.tr("Remove"), self.family_box)
        row = MemberRow(hit, relation, remove)
        remove.clicked.connect(lambda: self._member_removed(row))
        self.family.append(row)
        self._lay_family()

    def _member_removed(self, row: MemberRow) -> None:
        self.family.remove(row)
        row.relation.deleteLater()
        row.button.deleteLater()
        self._lay_family()

    def _lay_family(self) -> None:
        while self.family_grid.count():
            item = self.family_grid.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None and not any(w in (r.relation, r.button) for r in self.family):
                w.deleteLater()
        for i, row in enumerate(self.family):
            self.family_grid.addWidget(QLabel(hit_line(row.hit), self.family_box), i, 0)
            self.family_grid.addWidget(row.relation, i, 1)
            self.family_grid.addWidget(row.button, i, 2)
        self._tier_changed()

    def set_relation(self, index: int, relation: str) -> None:
        combo = self.family[index].relation
        combo.setCurrentIndex(combo_index(combo, relation))

    def data(self) -> membership.EnrolInput:
        tier = self.current_tier()
        if tier is None:
            raise BadInput(self.tr("Choose a tier."))
        if self.payer is None:
            self.search.line.setFocus()
            raise BadInput(self.tr("Find and choose the person who pays."))
        members: tuple[membership.MemberInput, ...] = ()
        if tier.max_members > 1:
            members = tuple(
                membership.MemberInput(r.hit.id, str(r.relation.currentData())) for r in self.family
            )
        return membership.EnrolInput(
            tier_id=tier.id,
            payer_id=self.payer.id,
            members=members,
            starts_on=pydate(self.starts.date()),
            periods=self.periods.value(),
            payment=self.payment.value(),
            note=self.note.text().strip(),
        )

    def send(self) -> None:
        self.run(membership.enrol, self.data())


# -- renew -----------------------------------------------------------------------------------


class RenewDialog(MembershipDialog):
    """Renew for one or more periods; says plainly when the membership had lapsed."""

    def __init__(
        self, ctx: AppContext, view: membership.MembershipView, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("membership-renew")
        self.view = view
        self.lapsed = view.status == "expired"
        self.amount_touched = False
        self.term = QLabel(self)
        self.term.setObjectName("renew-term")
        self.term.setWordWrap(True)
        self.layout_.insertWidget(1, self.term)
        self.periods = QSpinBox(self)
        self.periods.setObjectName("renew-periods")
        self.periods.setRange(1, membership.MAX_PERIODS)
        self.periods.valueChanged.connect(lambda _v: self._update())
        self.periods_row = QLabel(self)
        self.form.addRow(self.periods_row, self.periods)
        self.payment = PaymentBox(ctx, self)
        self.payment.amount.textEdited.connect(self._edited)
        self.payment_row = QLabel(self)
        self.form.addRow(self.payment_row, self.payment)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Renew membership {card}").format(card=self.view.card_no))
        self.intro.setText(
            self.tr("{tier}, paid by {payer}. The price is that of the tier today.").format(
                tier=self.view.tier.name(ui_language()), payer=self.view.payer_name
            )
        )
        self.periods_row.setText(self.tr("Periods"))
        self.payment_row.setText(self.tr("Payment"))
        self.payment.retranslate()
        self._update()

    def _edited(self, _text: str) -> None:
        self.amount_touched = True

    def new_term(self) -> tuple[date, date]:
        """The new term as the service will make it: on from the end, or from today."""
        first = self.ctx.clinic.today() if self.lapsed else self.view.ends_on + timedelta(days=1)
        return first, rules.end_after(first, self.view.tier.period, self.periods.value())

    def _update(self) -> None:
        if not self.amount_touched:
            self.payment.amount.set_cents(self.view.tier.price_cents * self.periods.value())
        first, last = self.new_term()
        if self.lapsed:
            self.term.setText(
                self.tr(
                    "This membership lapsed: it ended on {ended}. Renewing starts a new term "
                    "today, {first} to {last}; the days in between are not covered."
                ).format(ended=day_text(self.view.ends_on), first=first, last=last)
            )
            self.term.setStyleSheet(f"color: {RED};")
        else:
            self.term.setText(
                self.tr(
                    "The current term ends on {ended}. The new term runs on from {first} to {last}."
                ).format(ended=day_text(self.view.ends_on), first=first, last=last)
            )
            self.term.setStyleSheet("")

    def send(self) -> None:
        self.run(
            membership.renew,
            self.view.id,
            periods=self.periods.value(),
            payment=self.payment.value(),
        )


# -- change tier -----------------------------------------------------------------------------


def rule_text(rule: str) -> str:
    return {
        "none": QCoreApplication.translate(
            "MembershipPage", "The new tier starts a new full period today; nothing is credited."
        ),
        "daily": QCoreApplication.translate(
            "MembershipPage",
            "The unused days of the old tier are credited; the new tier is charged for the "
            "days left.",
        ),
        "monthly": QCoreApplication.translate(
            "MembershipPage",
            "The unused whole months of the old tier are credited; the new tier is charged "
            "for the months left, a month begun counting as used.",
        ),
    }.get(rule, rule)


class ChangeTierDialog(MembershipDialog):
    """Upgrade or downgrade: the preview of credit and charge, then the payment."""

    def __init__(
        self,
        ctx: AppContext,
        view: membership.MembershipView,
        tiers: Sequence[membership.TierView],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("membership-change")
        self.view = view
        self.preview: membership.ChangePreview | None = None
        self._ticket = 0
        self.tier = QComboBox(self)
        self.tier.setObjectName("change-tier")
        lang = ui_language()
        for t in tiers:
            if not t.retired and t.id != view.tier.id:
                self.tier.addItem(t.name(lang), t.id)
        self.tier.currentIndexChanged.connect(lambda _i: self._ask_preview())
        self.tier_row = QLabel(self)
        self.form.addRow(self.tier_row, self.tier)
        self.sums = QLabel(self)
        self.sums.setObjectName("change-preview")
        self.sums.setWordWrap(True)
        self.sums.setTextFormat(Qt.TextFormat.RichText)
        self.sums_row = QLabel(self)
        self.form.addRow(self.sums_row, self.sums)
        self.payment = PaymentBox(ctx, self)
        self.payment_row = QLabel(self)
        self.form.addRow(self.payment_row, self.payment)
        self.retranslate()
        self._ask_preview()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Change tier of {card}").format(card=self.view.card_no))
        self.intro.setText(
            self.tr("Now {tier}, {first} to {last}. Choose the new tier.").format(
                tier=self.view.tier.name(ui_language()),
                first=day_text(self.view.starts_on),
                last=day_text(self.view.ends_on),
            )
        )
        self.tier_row.setText(self.tr("New tier"))
        self.sums_row.setText(self.tr("What it costs"))
        self.payment_row.setText(self.tr("Payment"))
        self.payment.retranslate()
        self._show_preview()

    def _ask_preview(self) -> None:
        actor = self.ctx.actor
        tier_id = self.tier.currentData()
        self.preview = None
        self._show_preview()
        if actor is None or tier_id is None:
            return
        self._ticket += 1
        ticket = self._ticket

        def show(preview: membership.ChangePreview) -> None:
            if ticket == self._ticket:
                self.preview = preview
                self._show_preview()
                due = preview.change.due
                self.payment.refund = due < 0
                self.payment.retranslate()
                self.payment.amount.set_cents(abs(due))
                self.payment.paid.setChecked(due != 0)
                fit_height(self)

        def failed(error: BaseException) -> None:
            if ticket == self._ticket:
                self.message.show_error(full_error_text(error))

        self.ctx.runner.start(
            membership.preview_change,
            self.ctx.clinic,
            actor,
            self.view.id,
            tier_id,
            on_success=show,
            on_error=failed,
            owner=self,
        )

    def _show_preview(self) -> None:
        p = self.preview
        if self.tier.count() == 0:
            self.sums.setText(self.tr("There is no other tier to change to."))
            return
        if p is None:
            self.sums.setText(self.tr("Working it out…"))
            return
        c = p.change
        due = c.due
        if due > 0:
            bottom = self.tr("The member pays {sum}.").format(sum=money_text(due))
        elif due < 0:
            bottom = self.tr("The clinic refunds {sum}.").format(sum=money_text(-due))
        else:
            bottom = self.tr("Nothing to pay or refund.")
        credit = self.tr("Credit for the old tier")
        charge = self.tr("Charge for the new tier")
        term = self.tr("New term")
        self.sums.setText(
            "<table cellspacing='2'>"
            f"<tr><td>{credit}</td><td align='right'>{money_text(c.credit)}</td></tr>"
            f"<tr><td>{charge}</td><td align='right'>{money_text(c.charge)}</td></tr>"
            f"<tr><td>{term}</td><td align='right'>"
            f"{day_text(c.starts)} – {day_text(c.ends)}</td></tr>"
            "</table>"
            f"<p><b>{bottom}</b></p>"
            f"<p style='color:{GREY}'>{rule_text(p.rule)}</p>"
        )

    def send(self) -> None:
        tier_id = self.tier.currentData()
        if tier_id is None:
            raise BadInput(self.tr("Choose the new tier."))
        payment = self.payment.value("refund" if self.payment.refund else "payment")
        self.run(membership.change_tier, self.view.id, tier_id, payment=payment)


# -- a reason --------------------------------------------------------------------------------


class ReasonDialog(MembershipDialog):
    """Suspend or cancel: a reason (and for a cancellation, an optional refund)."""

    def __init__(
        self,
        ctx: AppContext,
        view: membership.MembershipView,
        kind: str,  # "suspend" | "cancel"
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.setObjectName(f"membership-{kind}")
        self.view = view
        self.kind = kind
        self.reason = QPlainTextEdit(self)
        self.reason.setObjectName("membership-reason")
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(90)
        self.reason_row = QLabel(self)
        self.form.addRow(self.reason_row, self.reason)
        self.refund: PaymentBox | None = None
        if kind == "cancel":
            self.refund = PaymentBox(ctx, self, checked=False, refund=True)
            self.refund_row = QLabel(self)
            self.form.addRow(self.refund_row, self.refund)
        self.retranslate()
        self.reason.setFocus()

    def retranslate(self) -> None:
        self.reason_row.setText(self.tr("Reason"))
        if self.kind == "suspend":
            self.setWindowTitle(self.tr("Suspend membership {card}").format(card=self.view.card_no))
            self.intro.setText(
                self.tr(
                    "While suspended no benefit can be used. When it is resumed, its end moves "
                    "on by the days it was suspended."
                )
            )
        else:
            self.setWindowTitle(self.tr("Cancel membership {card}").format(card=self.view.card_no))
            self.intro.setText(
                self.tr(
                    "Cancelling ends the membership for good: the card stops working today. "
                    "Record a refund if money goes back to the payer."
                )
            )
            self.refund_row.setText(self.tr("Refund"))
            if self.refund is not None:
                self.refund.retranslate()

    def send(self) -> None:
        reason = self.reason.toPlainText().strip()
        if self.kind == "suspend":
            self.run(membership.suspend, self.view.id, reason)
        else:
            refund = self.refund.value("refund") if self.refund is not None else None
            self.run(membership.cancel, self.view.id, reason, refund=refund)


# -- members ---------------------------------------------------------------------------------


class AddMemberDialog(MembershipDialog):
    """Add a person to a family membership."""

    def __init__(
        self, ctx: AppContext, view: membership.MembershipView, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("membership-add-member")
        self.view = view
        self.person: patient_search.PatientHit | None = None
        self.search = PatientSearch(ctx, self, rows=4)
        self.search.sig_activated.connect(self._chosen)
        self.chosen = QLabel(self)
        self.chosen.setObjectName("add-member-person")
        box = QVBoxLayout()
        box.addWidget(self.search)
        box.addWidget(self.chosen)
        self.person_row = QLabel(self)
        self.form.addRow(self.person_row, box)
        self.relation = QComboBox(self)
        self.relation.setObjectName("add-member-relation")
        for code in membership.RELATIONS:
            if code != "self":
                self.relation.addItem(relation_label(code), code)
        self.relation_row = QLabel(self)
        self.form.addRow(self.relation_row, self.relation)
        self.retranslate()
        self.search.line.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Add a member to {card}").format(card=self.view.card_no))
        self.intro.setText(
            self.tr(
                "{tier}: up to %n people, the payer included.", "", self.view.tier.max_members
            ).format(tier=self.view.tier.name(ui_language()))
        )
        self.person_row.setText(self.tr("Person"))
        self.relation_row.setText(self.tr("Relation to the payer"))
        self.search.line.setPlaceholderText(self.tr("Find the person: name, phone digits…"))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.focusWidget() in (
            self.search.line,
            self.search.results,
        ):
            event.accept()
            return
        super().keyPressEvent(event)

    def _chosen(self, hit: patient_search.PatientHit) -> None:
        self.person = hit
        self.chosen.setText(hit_line(hit))
        self.search.clear()
        QTimer.singleShot(0, self.relation.setFocus)

    def send(self) -> None:
        if self.person is None:
            raise BadInput(self.tr("Find and choose the person to add."))
        member = membership.MemberInput(self.person.id, str(self.relation.currentData()))
        self.run(membership.add_member, self.view.id, member)


class RemoveMemberDialog(MembershipDialog):
    """A member leaves the membership (the payer stays)."""

    def __init__(
        self,
        ctx: AppContext,
        view: membership.MembershipView,
        patient_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("membership-remove-member")
        self.view = view
        self.person = QComboBox(self)
        self.person.setObjectName("remove-member-person")
        for m in view.members:
            if not m.payer:
                self.person.addItem(f"{m.name} ({relation_label(m.relation)})", m.patient_id)
        if patient_id is not None:
            self.person.setCurrentIndex(max(0, combo_index(self.person, patient_id)))
        self.person_row = QLabel(self)
        self.form.addRow(self.person_row, self.person)
        self.reason = _line(self, "remove-member-reason", membership.MAX_REASON)
        self.reason_row = QLabel(self)
        self.form.addRow(self.reason_row, self.reason)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Remove a member from {card}").format(card=self.view.card_no))
        self.intro.setText(self.tr("The person leaves today; their past uses stay in the history."))
        self.person_row.setText(self.tr("Person"))
        self.reason_row.setText(self.tr("Reason"))

    def send(self) -> None:
        patient_id = self.person.currentData()
        if patient_id is None:
            raise BadInput(
                self.tr("Only the payer is on this membership; there is no one to remove.")
            )
        self.run(membership.remove_member, self.view.id, patient_id, self.reason.text().strip())


# -- payment ---------------------------------------------------------------------------------


class PaymentDialog(MembershipDialog):
    """Record a payment or a refund as it happened."""

    def __init__(
        self, ctx: AppContext, view: membership.MembershipView, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("membership-payment")
        self.view = view
        self.kind = QComboBox(self)
        self.kind.setObjectName("payment-kind")
        self.kind.addItem("", "payment")
        self.kind.addItem("", "refund")
        self.kind_row = QLabel(self)
        self.form.addRow(self.kind_row, self.kind)
        self.payment = PaymentBox(ctx, self, optional=False)
        self.payment.amount.set_cents(view.tier.price_cents)
        self.payment_row = QLabel(self)
        self.form.addRow(self.payment_row, self.payment)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Record a payment for {card}").format(card=self.view.card_no))
        self.intro.setText(
            self.tr(
                "Record money as it changed hands, with the receipt number. This is a record "
                "of facts, not an account."
            )
        )
        self.kind.setItemText(0, self.tr("Payment received"))
        self.kind.setItemText(1, self.tr("Refund given"))
        self.kind_row.setText(self.tr("What"))
        self.payment_row.setText(self.tr("Details"))
        self.payment.retranslate()

    def send(self) -> None:
        payment = self.payment.value(str(self.kind.currentData()))
        self.run(membership.record_payment, self.view.id, payment)


# -- benefit uses ----------------------------------------------------------------------------


class UseDialog(MembershipDialog):
    """Record a use of a benefit; past the allowance the director may allow one more."""

    def __init__(
        self,
        ctx: AppContext,
        view: membership.MembershipView,
        patient_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("membership-use")
        self.view = view
        self.exhausted: membership.QuotaExhausted | None = None
        self.benefit = QComboBox(self)
        self.benefit.setObjectName("use-benefit")
        quota_first = sorted(view.tier.benefits, key=lambda b: b.kind != "quota")
        for b in quota_first:
            self.benefit.addItem(benefit_label(b), b.key)
        self.benefit.currentIndexChanged.connect(lambda _i: self._benefit_changed())
        self.allowance = QLabel(self)
        self.allowance.setObjectName("use-allowance")
        box = QVBoxLayout()
        box.addWidget(self.benefit)
        box.addWidget(self.allowance)
        self.benefit_row = QLabel(self)
        self.form.addRow(self.benefit_row, box)
        self.person = QComboBox(self)
        self.person.setObjectName("use-person")
        for m in view.members:
            self.person.addItem(f"{m.name} ({relation_label(m.relation)})", m.patient_id)
        if patient_id is not None:
            self.person.setCurrentIndex(max(0, combo_index(self.person, patient_id)))
        self.person_row = QLabel(self)
        self.form.addRow(self.person_row, self.person)
        self.day = _date_edit(self, "use-day", ctx.clinic.today())
        self.day_row = QLabel(self)
        self.form.addRow(self.day_row, self.day)
        self.note = _line(self, "use-note", membership.MAX_NOTE)
        self.note_row = QLabel(self)
        self.form.addRow(self.note_row, self.note)
        self.override_box = QWidget(self)
        override = QVBoxLayout(self.override_box)
        override.setContentsMargins(0, 0, 0, 0)
        self.reason = _line(self.override_box, "use-override-reason", membership.MAX_REASON)
        self.reason_hint = hint_label(self.override_box)
        self.reason_hint.setWordWrap(True)
        override.addWidget(self.reason)
        override.addWidget(self.reason_hint)
        self.override_row = QLabel(self)
        self.form.addRow(self.override_row, self.override_box)
        self.override_box.hide()
        self.override_row.hide()
        self.allow_button = QPushButton(self)
        self.allow_button.setObjectName("use-allow")
        self.allow_button.clicked.connect(self.allow)
        self.allow_button.hide()
        allow_row = QHBoxLayout()
        allow_row.addStretch(1)
        allow_row.addWidget(self.allow_button)
        self.layout_.addLayout(allow_row)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(
            self.tr("Record a benefit use on {card}").format(card=self.view.card_no)
        )
        self.intro.setText(
            self.tr(
                "Each use is one line in the ledger, so two desks offline cannot lose one. "
                "Home visits booked in the calendar are counted there."
            )
        )
        self.benefit_row.setText(self.tr("Benefit"))
        self.person_row.setText(self.tr("For"))
        self.day_row.setText(self.tr("Day"))
        self.note_row.setText(self.tr("Note"))
        self.override_row.setText(self.tr("Reason to allow"))
        self.reason.setPlaceholderText(self.tr("Why one more is allowed (at least 4 characters)"))
        self.reason_hint.setText(self.tr("Recorded with your name and kept in the audit log."))
        self.allow_button.setText(self.tr("Allow with a reason…"))
        self._benefit_changed()

    def _benefit_changed(self) -> None:
        key = self.benefit.currentData()
        quota = next((q for q in self.view.quotas if q.benefit_key == key), None)
        if quota is None:
            self.allowance.setText(self.tr("Included; no allowance is counted."))
            self.allowance.setStyleSheet(f"color: {GREY};")
        else:
            self.allowance.setText(quota_text(quota))
            self.allowance.setStyleSheet(f"color: {RED};" if quota.left <= 0 else "")

    def allow(self) -> None:
        """The director chose to allow one more: ask for the reason."""
        self.override_box.show()
        self.override_row.show()
        self.allow_button.hide()
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setText(self.tr("Allow one more"))
        self.reason.setFocus()
        fit_height(self)

    def send(self) -> None:
        key = self.benefit.currentData()
        if key is None:
            raise BadInput(self.tr("This tier has no benefit to record."))
        reason = self.reason.text().strip() if self.override_box.isVisible() else None
        self.run(
            membership.record_use,
            self.view.id,
            self.person.currentData(),
            str(key),
            day=pydate(self.day.date()),
            note=self.note.text().strip(),
            override_reason=reason,
        )

    def _failed(self, error: BaseException) -> None:
        super()._failed(error)
        if isinstance(error, membership.QuotaExhausted):
            self.exhausted = error
            if self.ctx.may(Action.MEMBERSHIP_OVERRIDE) and not self.override_box.isVisible():
                self.allow_button.show()
        fit_height(self)


class UndoUseDialog(MembershipDialog):
    """Give a use back (a -1 line), with a reason."""

    def __init__(
        self,
        ctx: AppContext,
        view: membership.MembershipView,
        uses: Sequence[membership.UseView],
        use_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("membership-undo-use")
        self.view = view
        self.use = QComboBox(self)
        self.use.setObjectName("undo-use")
        for u in uses:
            if u.count > 0:
                self.use.addItem(
                    f"{day_text(u.day)}  {benefit_label_for(view, u.benefit_key)}  "
                    f"{u.patient_name}",
                    u.id,
                )
        if use_id is not None:
            self.use.setCurrentIndex(max(0, combo_index(self.use, use_id)))
        self.use_row = QLabel(self)
        self.form.addRow(self.use_row, self.use)
        self.reason = _line(self, "undo-reason", membership.MAX_REASON)
        self.reason_row = QLabel(self)
        self.form.addRow(self.reason_row, self.reason)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Undo a benefit use"))
        self.intro.setText(
            self.tr("The use is given back by a line of -1; the original stays in the ledger.")
        )
        self.use_row.setText(self.tr("Use"))
        self.reason_row.setText(self.tr("Reason"))

    def send(self) -> None:
        use_id = self.use.currentData()
        if use_id is None:
            raise BadInput(self.tr("There is no use to undo."))
        self.run(membership.undo_use, use_id, self.reason.text().strip())


def benefit_label_for(view: membership.MembershipView, key: str) -> str:
    benefit = view.tier.benefit(key)
    if benefit is not None:
        return benefit_label(benefit)
    return benefit_label(membership.BenefitDef(key, "flag"))


# -- care team -------------------------------------------------------------------------------

OUTSIDE = "outside"


class CareTeamDialog(MembershipDialog):
    """The named care team of a premium membership: role, staff member or outside person."""

    COL_ROLE, COL_WHO, COL_NAME, COL_PHONE, COL_REMOVE = range(5)

    def __init__(
        self, ctx: AppContext, view: membership.MembershipView, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("membership-care-team")
        self.setMinimumWidth(760)
        self.view = view
        self.people: list[tuple[uuid.UUID, str]] = []
        self.table = QTableWidget(0, 5, self)
        self.table.setObjectName("care-team-table")
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.COL_NAME, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(180)
        self.layout_.insertWidget(1, self.table)
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("care-team-add")
        self.add_button.clicked.connect(lambda: self.add_row())
        self.layout_.insertWidget(2, self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.retranslate()
        actor = ctx.actor
        if actor is not None:
            ctx.runner.start(
                complaints.colleagues, ctx.clinic, actor, on_success=self._people, owner=self
            )
        else:
            self._people([])

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Care team of {card}").format(card=self.view.card_no))
        self.intro.setText(
            self.tr(
                "The members' named care team: choose a staff member, or type the name and "
                "phone of someone outside the clinic."
            )
        )
        self.table.setHorizontalHeaderLabels(
            [self.tr("Role"), self.tr("Who"), self.tr("Name"), self.tr("Phone"), ""]
        )
        self.add_button.setText(self.tr("Add a person"))

    def _people(self, people: Sequence[tuple[uuid.UUID, str]]) -> None:
        self.people = list(people)
        for c in self.view.care_team:
            self.add_row(c)
        if not self.view.care_team:
            for role in ("doctor", "nutritionist", "trainer"):
                self.add_row(None, role)
        fit_height(self)

    def add_row(self, member: membership.CareTeamView | None = None, role: str = "doctor") -> int:
        r = self.table.rowCount()
        self.table.insertRow(r)
        roles = QComboBox(self.table)
        for code in membership.CARE_ROLES:
            roles.addItem(role_label(code), code)
        roles.setCurrentIndex(max(0, combo_index(roles, member.role if member else role)))
        who = QComboBox(self.table)
        who.addItem(self.tr("(nobody yet)"), None)
        who.addItem(self.tr("Someone outside the clinic"), OUTSIDE)
        for staff_id, person in self.people:
            who.addItem(person, staff_id)
        name = QLineEdit(self.table)
        name.setMaxLength(membership.MAX_NAME)
        phone = QLineEdit(self.table)
        phone.setMaxLength(32)
        if member is not None:
            if member.staff_id is not None:
                who.setCurrentIndex(max(0, combo_index(who, member.staff_id)))
            else:
                who.setCurrentIndex(1)
                name.setText(member.name)
            phone.setText(member.phone)

        def who_changed() -> None:
            outside = who.currentData() == OUTSIDE
            name.setEnabled(outside)
            if not outside:
                name.clear()

        who.currentIndexChanged.connect(lambda _i: who_changed())
        who_changed()
        remove = QPushButton(self.tr("Remove"), self.table)
        remove.clicked.connect(lambda: self._remove(remove))
        self.table.setCellWidget(r, self.COL_ROLE, roles)
        self.table.setCellWidget(r, self.COL_WHO, who)
        self.table.setCellWidget(r, self.COL_NAME, name)
        self.table.setCellWidget(r, self.COL_PHONE, phone)
        self.table.setCellWidget(r, self.COL_REMOVE, remove)
        return r

    def _remove(self, button: QPushButton) -> None:
        for r in range(self.table.rowCount()):
            if self.table.cellWidget(r, self.COL_REMOVE) is button:
                self.table.removeRow(r)
                return

    def cell(self, row: int, col: int) -> Any:
        return self.table.cellWidget(row, col)

    def team(self) -> tuple[membership.CareTeamInput, ...]:
        rows: list[membership.CareTeamInput] = []
        for r in range(self.table.rowCount()):
            who = self.cell(r, self.COL_WHO).currentData()
            if who is None:
                continue
            rows.append(
                membership.CareTeamInput(
                    role=str(self.cell(r, self.COL_ROLE).currentData()),
                    staff_id=None if who == OUTSIDE else who,
                    name=self.cell(r, self.COL_NAME).text().strip() if who == OUTSIDE else "",
                    phone=self.cell(r, self.COL_PHONE).text().strip(),
                )
            )
        return tuple(rows)

    def send(self) -> None:
        self.run(membership.set_care_team, self.view.id, self.team())


def saved_view(written: Written[Any]) -> membership.MembershipView | None:
    value = written.value
    if isinstance(value, membership.MembershipView):
        return value
    view = getattr(value, "view", None)
    return view if isinstance(view, membership.MembershipView) else None


def tier_label_html(tier: membership.TierView) -> str:
    return tier_chip(tier.name(ui_language()), tier.color)

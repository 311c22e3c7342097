"""The Members tab (spec H2-H3): find a membership, see all of it, act on it.

On the left the list from ``membership.search`` (payer or member name, phone,
record or card number; status and tier filters), each row's tier in its colour,
expired rows red and suspended amber, cancelled grey. On the right the selected
membership: tier, card number, term, members and their relation, this period's
allowances ("Home visits: 1 of 4 used, …", red when overdrawn), the care team,
and its history, payments and benefit uses. The action buttons are enabled only
where they apply (Resume only when suspended, Care team only for a tier with one).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import membership
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.followups.worklist import TaskTable
from clinic_desk.ui.i18n import ui_language
from clinic_desk.ui.membership.common import (
    GREY,
    RED,
    benefit_key_label,
    day_text,
    days_left_text,
    escape,
    event_label,
    fill_combo,
    method_label,
    money_text,
    payment_kind_label,
    quota_text,
    relation_label,
    role_label,
    status_color,
    status_label,
    text_color,
    tier_chip,
)
from clinic_desk.ui.membership.dialogs import (
    AddMemberDialog,
    CareTeamDialog,
    ChangeTierDialog,
    EnrolDialog,
    MembershipDialog,
    PaymentDialog,
    ReasonDialog,
    RemoveMemberDialog,
    RenewDialog,
    UndoUseDialog,
    UseDialog,
    saved_view,
)
from clinic_desk.ui.patients.common import ReadOnlyTable, full_error_text, local
from clinic_desk.ui.settings.common import MessageLabel, title_label

SEARCH_DELAY_MS = 300
STATUS_FILTERS = ("live", "active", "suspended", "expired", "upcoming", "cancelled", "all")
COL_TIER = 1
COL_STATUS = 6
COL_LEFT = 7


@dataclass(frozen=True)
class Detail:
    """Everything the detail panel shows of one membership, read in one worker call."""

    view: membership.MembershipView
    events: list[membership.EventView]
    payments: list[membership.PaymentView]
    uses: list[membership.UseView]


def load_detail(clinic: Clinic, actor: Actor, membership_id: uuid.UUID) -> Detail:
    return Detail(
        membership.get(clinic, actor, membership_id),
        membership.events(clinic, actor, membership_id),
        membership.payments(clinic, actor, membership_id),
        membership.uses(clinic, actor, membership_id),
    )


def event_note(
    event: membership.EventView,
    tiers: dict[str, str] | None = None,
    people: dict[str, str] | None = None,
) -> str:
    """What an event's detail adds, in words: the term, the tiers, the benefit, the money.

    ``tiers`` maps tier codes to names, ``people`` patient ids (hex) to names."""
    tiers = tiers or {}
    people = people or {}
    d = event.detail or {}
    parts: list[str] = []

    if d.get("old_tier") and d.get("new_tier"):
        old, new = str(d["old_tier"]), str(d["new_tier"])
        parts.append(f"{tiers.get(old, old)} → {tiers.get(new, new)}")
    first = d.get("starts_on") or d.get("from")
    if first and d.get("ends_on"):
        parts.append(f"{first} – {d['ends_on']}")
    elif d.get("ends_on_before") and d.get("ends_on") and d["ends_on_before"] != d["ends_on"]:
        parts.append(
            QCoreApplication.translate("MembershipPage", "ends on {before} → {after}").format(
                before=d["ends_on_before"], after=d["ends_on"]
            )
        )
    if d.get("lapsed"):
        parts.append(QCoreApplication.translate("MembershipPage", "had lapsed"))
    if isinstance(d.get("days"), int) and event.kind == "resume":
        days = int(d["days"])  # a plain name: lupdate skips a plural given an expression
        parts.append(QCoreApplication.translate("MembershipPage", "suspended %n day(s)", "", days))
    if d.get("benefit"):
        parts.append(benefit_key_label(str(d["benefit"])))
    if isinstance(d.get("used"), int) and isinstance(d.get("quota"), int):
        parts.append(
            QCoreApplication.translate("MembershipPage", "{used} of {quota}").format(
                used=d["used"], quota=d["quota"]
            )
        )
    if d.get("patient") and str(d["patient"]) in people:
        parts.append(people[str(d["patient"])])
    if isinstance(d.get("due_cents"), int):
        due = int(d["due_cents"])
        parts.append(
            QCoreApplication.translate("MembershipPage", "to pay {sum}").format(sum=money_text(due))
            if due >= 0
            else QCoreApplication.translate("MembershipPage", "to refund {sum}").format(
                sum=money_text(-due)
            )
        )
    pay = d.get("payment")
    if isinstance(pay, dict) and isinstance(pay.get("amount_cents"), int):
        parts.append(
            f"{money_text(int(pay['amount_cents']))} {method_label(str(pay.get('method', '')))}"
        )
    if event.note:
        parts.append(event.note)
    return " · ".join(parts)


class MembersPanel(QWidget):
    """Feature "Membership", tab "Members"."""

    #: a tier list was loaded (the page's other tabs may use it)
    sig_tiers = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("membership-members")
        self.items: list[membership.ListItem] = []
        self.tiers: list[membership.TierView] = []
        self.detail: Detail | None = None
        self.loaded = False
        self.loads = 0  # list answers drawn (tests wait on it)
        self.detail_loads = 0
        self._ticket = 0
        self._detail_ticket = 0
        self.dialog: QDialog | None = None
        self._pending: uuid.UUID | None = None  # show this one when the list comes
        self.may_manage = ctx.may(Action.MEMBERSHIP_MANAGE)
        layout = QVBoxLayout(self)

        bar = QHBoxLayout()
        self.search = QLineEdit(self)
        self.search.setObjectName("members-search")
        self.search.setClearButtonEnabled(True)
        self.search.setMaxLength(100)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.reload)
        self.search.textEdited.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self.reload)
        self.status = QComboBox(self)
        self.status.setObjectName("members-status")
        for code in STATUS_FILTERS:
            self.status.addItem("", code)
        self.status.currentIndexChanged.connect(lambda _i: self.reload())
        self.tier = QComboBox(self)
        self.tier.setObjectName("members-tier")
        self.tier.addItem("", None)
        self.tier.currentIndexChanged.connect(lambda _i: self.reload())
        self.enrol_button = QPushButton(self)
        self.enrol_button.setObjectName("members-enrol")
        self.enrol_button.clicked.connect(self.enrol)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.status)
        bar.addWidget(self.tier)
        bar.addSpacing(12)
        bar.addWidget(self.enrol_button)
        layout.addLayout(bar)
        self.message = MessageLabel(self)
        self.message.setObjectName("members-message")
        layout.addWidget(self.message)

        split = QSplitter(Qt.Orientation.Horizontal, self)
        left = QWidget(split)
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        self.counts = QLabel(left)
        self.counts.setObjectName("members-counts")
        left_box.addWidget(self.counts)
        self.table = TaskTable(left)
        self.table.setObjectName("members-table")
        self.table.setWordWrap(False)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        left_box.addWidget(self.table, 1)
        split.addWidget(left)

        right = QScrollArea(split)
        right.setWidgetResizable(True)
        right.setFrameShape(QFrame.Shape.NoFrame)
        pane = QWidget(right)
        pane.setObjectName("members-detail")
        box = QVBoxLayout(pane)
        box.setContentsMargins(8, 0, 0, 0)
        self.title = title_label(pane)
        self.title.setObjectName("detail-title")
        self.title.setTextFormat(Qt.TextFormat.RichText)
        box.addWidget(self.title)
        self.facts = QLabel(pane)
        self.facts.setObjectName("detail-facts")
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.addWidget(self.facts)

        grid = QGridLayout()
        grid.setSpacing(4)
        self.buttons: dict[str, QPushButton] = {}
        for i, key in enumerate(
            (
                "renew",
                "change",
                "payment",
                "use",
                "undo_use",
                "add_member",
                "remove_member",
                "care_team",
                "suspend",
                "resume",
                "cancel",
                "print",
            )
        ):
            button = QPushButton(pane)
            button.setObjectName(f"members-{key}")
            button.clicked.connect(lambda _c=False, k=key: self.act(k))
            self.buttons[key] = button
            grid.addWidget(button, i // 4, i % 4)
        box.addLayout(grid)

        self.members_title = QLabel(pane)
        self.members_title.setStyleSheet("font-weight: bold;")
        box.addWidget(self.members_title)
        self.members = ReadOnlyTable(pane)
        self.members.setObjectName("detail-members")
        self.members.setWordWrap(False)
        self.members.setMaximumHeight(150)
        box.addWidget(self.members)
        self.quotas_title = QLabel(pane)
        self.quotas_title.setStyleSheet("font-weight: bold;")
        box.addWidget(self.quotas_title)
        self.quotas = QLabel(pane)
        self.quotas.setObjectName("detail-quotas")
        self.quotas.setWordWrap(True)
        self.quotas.setTextFormat(Qt.TextFormat.RichText)
        box.addWidget(self.quotas)
        self.team_title = QLabel(pane)
        self.team_title.setStyleSheet("font-weight: bold;")
        box.addWidget(self.team_title)
        self.team = QLabel(pane)
        self.team.setObjectName("detail-team")
        self.team.setWordWrap(True)
        box.addWidget(self.team)
        self.tabs = QTabWidget(pane)
        self.tabs.setObjectName("detail-tabs")
        self.history = ReadOnlyTable(self.tabs)
        self.history.setObjectName("detail-history")
        self.payments = ReadOnlyTable(self.tabs)
        self.payments.setObjectName("detail-payments")
        self.uses = ReadOnlyTable(self.tabs)
        self.uses.setObjectName("detail-uses")
        for t in (self.history, self.payments, self.uses):
            t.setMinimumHeight(160)
            self.tabs.addTab(t, "")
        box.addWidget(self.tabs, 1)
        right.setWidget(pane)
        split.addWidget(right)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 4)
        split.setSizes([640, 560])
        layout.addWidget(split, 1)

        shortcut = QShortcut(QKeySequence("Ctrl+N"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.enrol)
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()

    # -- text ------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.search.setPlaceholderText(
            self.tr("Search: name, phone, card number or record number…")
        )
        names = {
            "live": self.tr("Current (active, suspended, not begun)"),
            "active": self.tr("Active"),
            "suspended": self.tr("Suspended"),
            "expired": self.tr("Expired"),
            "upcoming": self.tr("Not begun yet"),
            "cancelled": self.tr("Cancelled"),
            "all": self.tr("All memberships"),
        }
        for i in range(self.status.count()):
            self.status.setItemText(i, names[self.status.itemData(i)])
        self._fill_tier_filter()
        self.enrol_button.setText(self.tr("Enrol…"))
        self.enrol_button.setToolTip(self.tr("Enrol a patient or a family in a tier (Ctrl+N)"))
        labels = {
            "renew": self.tr("Renew…"),
            "change": self.tr("Change tier…"),
            "payment": self.tr("Record payment…"),
            "use": self.tr("Record use…"),
            "undo_use": self.tr("Undo use…"),
            "add_member": self.tr("Add member…"),
            "remove_member": self.tr("Remove member…"),
            "care_team": self.tr("Care team…"),
            "suspend": self.tr("Suspend…"),
            "resume": self.tr("Resume"),
            "cancel": self.tr("Cancel membership…"),
            "print": self.tr("Print card…"),
        }
        for key, text in labels.items():
            self.buttons[key].setText(text)
        self.buttons["print"].setToolTip(
            self.tr("The selected member's card, or every member's when no one is selected")
        )
        self.buttons["use"].setToolTip(self.tr("For the member selected in the list below"))
        self.table.set_headers(
            [
                self.tr("Card no."),
                self.tr("Tier"),
                self.tr("Payer"),
                self.tr("Phone"),
                self.tr("People"),
                self.tr("Ends on"),
                self.tr("Status"),
                self.tr("Days left"),
            ]
        )
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.members_title.setText(self.tr("Members"))
        self.members.set_headers(
            [self.tr("Name"), self.tr("Record no."), self.tr("Relation"), self.tr("Joined")]
        )
        self.members.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.members.horizontalHeader().setStretchLastSection(False)
        self.quotas_title.setText(self.tr("Allowances this period"))
        self.team_title.setText(self.tr("Care team"))
        self.tabs.setTabText(0, self.tr("History"))
        self.tabs.setTabText(1, self.tr("Payments"))
        self.tabs.setTabText(2, self.tr("Benefit uses"))
        self.history.set_headers(
            [self.tr("When"), self.tr("What"), self.tr("By"), self.tr("Details")]
        )
        self.payments.set_headers(
            [
                self.tr("Paid on"),
                self.tr("Kind"),
                self.tr("Amount"),
                self.tr("Method"),
                self.tr("Receipt no."),
                self.tr("By"),
                self.tr("Note"),
            ]
        )
        self.uses.set_headers(
            [
                self.tr("Day"),
                self.tr("Benefit"),
                self.tr("For"),
                self.tr("Count"),
                self.tr("By"),
                self.tr("Note"),
            ]
        )
        self._fill()
        self._show_detail()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def tier_name(self, tier_id: uuid.UUID, fallback: str = "") -> str:
        tier = next((t for t in self.tiers if t.id == tier_id), None)
        return tier.name(ui_language()) if tier is not None else fallback

    def _fill_tier_filter(self) -> None:
        items: list[tuple[object, str]] = [(None, self.tr("All tiers"))]
        items += [(t.id, t.name(ui_language())) for t in self.tiers]
        fill_combo(self.tier, items)

    # -- loading ---------------------------------------------------------------------------

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.reload_tiers()
            self.reload()

    def reload_tiers(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            membership.list_tiers,
            self.ctx.clinic,
            actor,
            include_retired=True,
            on_success=self._tiers_loaded,
            on_error=self._failed,
            owner=self,
        )

    def _tiers_loaded(self, tiers: list[membership.TierView]) -> None:
        self.tiers = list(tiers)
        self._fill_tier_filter()
        self._fill()
        self.sig_tiers.emit(self.tiers)

    def reload(self) -> None:
        self._debounce.stop()
        actor = self.ctx.actor
        if actor is None:
            return
        self._ticket += 1
        ticket = self._ticket

        def show(items: list[membership.ListItem]) -> None:
            if ticket == self._ticket:  # a newer request supersedes this one
                self._show(items)

        self.ctx.runner.start(
            membership.search,
            self.ctx.clinic,
            actor,
            self.search.text().strip(),
            status=self.status.currentData() or "live",
            tier_id=self.tier.currentData(),
            language=ui_language(),
            on_success=show,
            on_error=self._failed,
            owner=self,
        )

    def _failed(self, error: BaseException) -> None:
        self.message.show_error(full_error_text(error))

    def _show(self, items: list[membership.ListItem]) -> None:
        self.items = list(items)
        self.loaded = True
        self.loads += 1
        if self.message.is_error:
            self.message.clear()
        self._fill()

    def _on_changes(self, changes: Changes) -> None:
        if not changes.touches(Topic.MEMBERSHIP) or not self.loaded:
            return
        self.reload_tiers()
        self.reload()
        current = self.detail.view.id if self.detail is not None else None
        if current is not None:
            self.load_detail(current)

    # -- the list --------------------------------------------------------------------------

    def _fill(self) -> None:
        rows: list[tuple[Any, list[str]]] = []
        for m in self.items:
            rows.append(
                (
                    m.membership_id,
                    [
                        m.card_no,
                        self.tier_name(m.tier_id, m.tier_name),
                        m.payer_name,
                        m.phone,
                        str(m.members),
                        day_text(m.ends_on),
                        status_label(m.status),
                        days_left_text(m.days_left, m.status),
                    ],
                )
            )
        selected = self.table.current_id()
        if self._pending is not None and any(m.membership_id == self._pending for m in self.items):
            selected, self._pending = self._pending, None
        self.table.blockSignals(True)
        self.table.set_rows(rows)
        for r, m in enumerate(self.items):
            tier = self.table.item(r, COL_TIER)
            if tier is not None and m.color and QColor(m.color).isValid():
                tier.setBackground(QColor(m.color))
                tier.setForeground(QColor(text_color(m.color)))
            color = status_color(m.status)
            if color and m.status != "upcoming":
                for c in range(self.table.columnCount()):
                    if c == COL_TIER:
                        continue
                    item = self.table.item(r, c)
                    if item is not None:
                        item.setForeground(QColor(color))
                        if m.status == "cancelled":
                            font = QFont(item.font())
                            font.setStrikeOut(c == 0)
                            item.setFont(font)
            status = self.table.item(r, COL_STATUS)
            if status is not None and color:
                font = QFont(status.font())
                font.setBold(True)
                status.setFont(font)
                status.setForeground(QColor(color))
            left = self.table.item(r, COL_LEFT)
            if left is not None:
                left.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for r, m in enumerate(self.items):
            if m.membership_id == selected:
                self.table.selectRow(r)
        if self.table.currentRow() < 0 and self.items:
            self.table.selectRow(0)
        self.table.blockSignals(False)
        if not self.loaded:
            self.counts.setText(self.tr("Loading…"))
        elif not self.items:
            self.counts.setText(self.tr("No membership matches."))
        else:
            self.counts.setText(self.tr("%n membership(s)", "", len(self.items)))
        self._selection_changed()

    def selected(self) -> membership.ListItem | None:
        chosen = self.table.current_id()
        return next((m for m in self.items if m.membership_id == chosen), None)

    def select(self, membership_id: uuid.UUID) -> None:
        for r, m in enumerate(self.items):
            if m.membership_id == membership_id:
                self.table.selectRow(r)
                return

    def _selection_changed(self) -> None:
        item = self.selected()
        if item is None:
            self.detail = None
            self._show_detail()
            return
        if self.detail is None or self.detail.view.id != item.membership_id:
            self.load_detail(item.membership_id)

    # -- the detail ------------------------------------------------------------------------

    def load_detail(self, membership_id: uuid.UUID) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self._detail_ticket += 1
        ticket = self._detail_ticket

        def show(detail: Detail) -> None:
            if ticket == self._detail_ticket:
                self.detail = detail
                self.detail_loads += 1
                self._show_detail()

        self.ctx.runner.start(
            load_detail,
            self.ctx.clinic,
            actor,
            membership_id,
            on_success=show,
            on_error=self._failed,
            owner=self,
        )

    def _show_detail(self) -> None:
        d = self.detail
        if d is None:
            self.title.setText(self.tr("No membership chosen"))
            self.facts.setText(
                self.tr("Choose a membership on the left, or enrol someone new with Enrol….")
            )
            for t in (self.members, self.history, self.payments, self.uses):
                t.setRowCount(0)
            self.quotas.clear()
            self.team.clear()
            self._enable()
            return
        v = d.view
        lang = ui_language()
        self.title.setText(
            f"{tier_chip(v.tier.name(lang), v.tier.color)}&nbsp; {escape(v.card_no)}"
        )
        color = status_color(v.status)
        status = escape(status_label(v.status))
        if color:
            status = f"<b style='color:{color}'>{status}</b>"
        rows = [
            (self.tr("Status"), status),
            (self.tr("Payer"), escape(v.payer_name)),
            (
                self.tr("Term"),
                escape(f"{day_text(v.starts_on)} – {day_text(v.ends_on)}")
                + (
                    ""
                    if v.status == "cancelled"
                    else " (" + escape(days_left_text(v.days_left, v.status)) + ")"
                ),
            ),
        ]
        if v.suspended_on is not None:
            rows.append((self.tr("Suspended since"), escape(day_text(v.suspended_on))))
        if v.renewal_due and v.status in ("active", "suspended"):
            due = escape(self.tr("due soon"))
            rows.append((self.tr("Renewal"), f"<b style='color:{RED}'>{due}</b>"))
        if v.note:
            rows.append((self.tr("Note"), escape(v.note)))
        self.facts.setText(
            "<table cellspacing='0' cellpadding='2'>"
            + "".join(
                f"<tr><td style='color:{GREY}; padding-right:10px'>{escape(k)}</td>"
                f"<td>{val}</td></tr>"
                for k, val in rows
            )
            + "</table>"
        )
        self.members.set_rows(
            [
                (
                    m.patient_id,
                    [m.name, m.record_no, relation_label(m.relation), day_text(m.joined_on)],
                )
                for m in v.members
            ]
        )
        if v.quotas:
            lines = []
            for q in v.quotas:
                text = escape(quota_text(q))
                if q.overdrawn:
                    text = f"<span style='color:{RED}'><b>{text}</b></span>"
                elif q.left <= 0:
                    text = f"<span style='color:{RED}'>{text}</span>"
                lines.append(text)
            self.quotas.setText("<br>".join(lines))
        else:
            self.quotas.setText(self.tr("This tier counts no allowance."))
        has_team = v.tier.benefit("care_team") is not None
        self.team_title.setVisible(has_team)
        self.team.setVisible(has_team)
        if v.care_team:
            self.team.setText(
                "\n".join(
                    f"{role_label(c.role)}: {c.name}" + (f"  {c.phone}" if c.phone else "")
                    for c in v.care_team
                )
            )
        else:
            self.team.setText(self.tr("Nobody named yet: use Care team…."))
        codes = {t.code: t.name(lang) for t in self.tiers}
        people = {m.patient_id.hex: m.name for m in v.members}
        people.update({u.patient_id.hex: u.patient_name for u in d.uses})
        self.history.set_rows(
            [
                (
                    e.id,
                    [
                        local(self.ctx, e.at),
                        event_label(e.kind),
                        e.by_name,
                        event_note(e, codes, people),
                    ],
                )
                for e in reversed(d.events)
            ]
        )
        self.payments.set_rows(
            [
                (
                    p.id,
                    [
                        day_text(p.paid_on),
                        payment_kind_label(p.kind),
                        money_text(-p.amount_cents if p.kind == "refund" else p.amount_cents),
                        method_label(p.method),
                        p.receipt_no,
                        p.by_name,
                        p.note,
                    ],
                )
                for p in reversed(d.payments)
            ],
            red=[i for i, p in enumerate(reversed(d.payments)) if p.kind == "refund"],
        )
        use_rows = []
        for u in d.uses:
            note = u.note
            if u.override_reason:
                note = self.tr("Allowed by the director: {reason}").format(
                    reason=u.override_reason
                ) + (f" · {note}" if note else "")
            use_rows.append(
                (
                    u.id,
                    [
                        day_text(u.day),
                        benefit_key_label(u.benefit_key),
                        u.patient_name,
                        str(u.count),
                        u.by_name,
                        note,
                    ],
                )
            )
        self.uses.set_rows(
            use_rows, red=[i for i, u in enumerate(d.uses) if u.count < 0 or u.override_reason]
        )
        self._enable()

    def _enable(self) -> None:
        d = self.detail
        v = d.view if d is not None else None
        manage = self.may_manage
        self.enrol_button.setEnabled(manage)
        status = v.status if v is not None else ""
        live = status in ("active", "upcoming")
        family = v is not None and v.tier.max_members > 1
        can = {
            "renew": status in ("active", "suspended", "expired", "upcoming"),
            "change": live,
            "payment": v is not None,
            "use": status == "active",
            "undo_use": d is not None
            and any(u.count > 0 for u in d.uses)
            and status != "cancelled",
            "add_member": family
            and status in ("active", "suspended", "upcoming")
            and v is not None
            and len(v.members) < v.tier.max_members,
            "remove_member": v is not None
            and any(not m.payer for m in v.members)
            and status != "cancelled",
            "care_team": v is not None
            and v.tier.benefit("care_team") is not None
            and status in ("active", "suspended", "upcoming"),
            "suspend": live,
            "resume": status == "suspended",
            "cancel": status in ("active", "suspended", "upcoming", "expired"),
            "print": v is not None and status != "cancelled",
        }
        for key, button in self.buttons.items():
            button.setEnabled(manage and can[key])
        self.buttons["care_team"].setVisible(v is None or v.tier.benefit("care_team") is not None)

    # -- actions ---------------------------------------------------------------------------

    def selected_member(self) -> uuid.UUID | None:
        chosen = self.members.current_id()
        return chosen if isinstance(chosen, uuid.UUID) else None

    def enrol(self) -> MembershipDialog | None:
        if not self.may_manage:
            return None
        dialog = EnrolDialog(self.ctx, self.tiers, self)
        dialog.accepted.connect(lambda: self._done(dialog))
        self.dialog = dialog
        return dialog.start()

    def act(self, key: str) -> QDialog | None:
        d = self.detail
        if d is None:
            return None
        v = d.view
        dialog: MembershipDialog
        if key == "renew":
            dialog = RenewDialog(self.ctx, v, self)
        elif key == "change":
            dialog = ChangeTierDialog(self.ctx, v, self.tiers, self)
        elif key == "payment":
            dialog = PaymentDialog(self.ctx, v, self)
        elif key == "use":
            dialog = UseDialog(self.ctx, v, self.selected_member(), self)
        elif key == "undo_use":
            chosen = self.uses.current_id() if self.tabs.currentWidget() is self.uses else None
            dialog = UndoUseDialog(self.ctx, v, d.uses, chosen, self)
        elif key == "add_member":
            dialog = AddMemberDialog(self.ctx, v, self)
        elif key == "remove_member":
            dialog = RemoveMemberDialog(self.ctx, v, self.selected_member(), self)
        elif key == "care_team":
            dialog = CareTeamDialog(self.ctx, v, self)
        elif key in ("suspend", "cancel"):
            dialog = ReasonDialog(self.ctx, v, key, self)
        elif key == "resume":
            self.resume(v)
            return None
        elif key == "print":
            self.print_card(v)
            return None
        else:
            return None
        dialog.accepted.connect(lambda: self._done(dialog))
        self.dialog = dialog
        return dialog.start()

    def _done(self, dialog: MembershipDialog) -> None:
        written = dialog.written
        if written is None:
            return
        view = saved_view(written)
        value = written.value
        if isinstance(value, membership.RenewResult):
            if value.lapsed:
                self.message.show_ok(
                    self.tr(
                        "Renewed. The membership had lapsed, so the new term starts today: "
                        "{first} to {last}."
                    ).format(first=day_text(value.from_day), last=day_text(value.view.ends_on))
                )
            else:
                self.message.show_ok(
                    self.tr("Renewed: the membership now runs to {last}.").format(
                        last=day_text(value.view.ends_on)
                    )
                )
        elif isinstance(dialog, EnrolDialog) and view is not None:
            self.message.show_ok(
                self.tr("Enrolled. Card number {card}, valid {first} to {last}.").format(
                    card=view.card_no,
                    first=day_text(view.starts_on),
                    last=day_text(view.ends_on),
                )
            )
        elif isinstance(value, membership.QuotaView):
            self.message.show_ok(
                self.tr("Recorded. {allowance}").format(allowance=quota_text(value))
            )
        else:
            self.message.show_ok(self.tr("Saved."))
        if view is not None:
            self._focus_on(view.id)

    def show_membership(self, membership_id: uuid.UUID) -> None:
        """Show one membership's detail, whatever the list's filter (a jump from the file)."""
        self._focus_on(membership_id)

    def _focus_on(self, membership_id: uuid.UUID) -> None:
        """After a write: show that membership (a new one may not match the filter)."""
        if any(m.membership_id == membership_id for m in self.items):
            self.select(membership_id)
        self.load_detail(membership_id)
        self._pending = membership_id

    def resume(self, view: membership.MembershipView) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.buttons["resume"].setEnabled(False)

        def done(written: Written[membership.MembershipView]) -> None:
            self.ctx.broadcast(written.changes)
            self.message.show_ok(
                self.tr("Resumed. The membership now ends on {last}.").format(
                    last=day_text(written.value.ends_on)
                )
            )

        self.ctx.runner.start(
            membership.resume,
            self.ctx.clinic,
            actor,
            view.id,
            on_success=done,
            on_error=self._failed,
            owner=self,
        )

    def print_card(self, view: membership.MembershipView) -> None:
        from clinic_desk.ui.printing import documents

        # The selected member's card; every member's when no one is selected.
        documents.print_membership_card(self.ctx, self, view.id, self.selected_member())

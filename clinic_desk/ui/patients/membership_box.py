"""The patient file's membership tab (spec H1, H2): tier, card, term, allowances left,
family members and the care team, for the desk and the doctors.

The tab reads the patient's live membership (as payer or family member) through the
membership service. "Open in Membership" and "Enrol…" lead to the membership page
through the file's ``sig_open_feature`` (the main window wires every page's signal);
the page itself is another feature's.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import membership, patient_search, patients
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import ui_language
from clinic_desk.ui.patients.common import full_error_text, phone_text, tr_code
from clinic_desk.ui.reception.common import (
    GREY,
    MEMBER_COLOR,
    SUSPENDED_COLOR,
    ink_on,
    member_tag,
    member_tooltip,
)
from clinic_desk.ui.settings.common import MessageLabel

if TYPE_CHECKING:
    from clinic_desk.ui.patients.file import PatientFileView

#: the membership page's feature key, and what the file asks it to show
FEATURE = "membership"
OPEN = "open"  # target ("open", membership_id)
RENEWAL_FG = "#e65100"

#: who may read a patient's membership in full (the service checks the same)
READERS = (Action.MEMBERSHIP_MANAGE, Action.PATIENT_SEARCH)


def may_read(ctx: AppContext) -> bool:
    return any(ctx.may(action) for action in READERS)


def load_membership(
    clinic: Clinic, actor: Actor, patient_id: uuid.UUID
) -> membership.MembershipView | None:
    """The patient's live membership, or None (runs on the worker thread)."""
    return membership.membership_of(clinic, actor, patient_id)


def load_tiers(clinic: Clinic, actor: Actor) -> list[membership.TierView]:
    """The tiers the enrol dialog offers (runs on the worker thread)."""
    return membership.list_tiers(clinic, actor)


def payer_hit(details: patients.PatientDetails) -> patient_search.PatientHit:
    """The patient as the enrol dialog's payer search would have found them."""
    d = details.data
    return patient_search.PatientHit(
        id=details.id,
        record_no=details.record_no,
        family_name=d.family_name,
        given_name=d.given_name,
        sex=d.sex,
        birth_date=d.birth_date,
        phone=d.phone,
        id_kind=d.id_kind,
        id_number_masked=patient_search.mask_id_number(d.id_number or ""),
        matched_kind="rec",
    )


def load_badge(
    clinic: Clinic, actor: Actor, patient_id: uuid.UUID, language: str
) -> membership.Badge | None:
    """The patient's badge for the file's header (any signed-in role)."""
    return membership.badges(clinic, actor, (patient_id,), language=language).get(patient_id)


def tag_style(color: str) -> str:
    """A QLabel drawn as the badge: the tier's colour, rounded."""
    return (
        f"background: {color}; color: {ink_on(color).name()}; font-weight: bold;"
        " border-radius: 9px; padding: 2px 10px;"
    )


def _first_upper(text: str) -> str:
    """"Doctor", "Active": the code tables' words start a line (Chinese is unchanged)."""
    return text[:1].upper() + text[1:]


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class MembershipTab(QWidget):
    """One patient's membership, or "Not a member" and, for the desk, "Enrol…"."""

    #: show something on another page: ("membership", ("open", id) | ("enrol", patient id))
    sig_open_feature = Signal(str, object)
    #: the membership was read (MembershipView or None); the file's header shows its tag
    sig_loaded = Signal(object)

    def __init__(self, ctx: AppContext, patient_id: uuid.UUID, parent: PatientFileView) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.patient_id = patient_id
        self.file = parent
        self.view: membership.MembershipView | None = None
        self.dialog: QDialog | None = None
        self.loaded = False
        self._ticket = 0
        self.setObjectName("membership-tab")
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        self.tag = QLabel(self)
        self.tag.setObjectName("membership-tag")
        self.tag.hide()
        top.addWidget(self.tag, 0, Qt.AlignmentFlag.AlignVCenter)
        self.heading = QLabel(self)
        self.heading.setObjectName("membership-heading")
        self.heading.setWordWrap(True)
        font = QFont(self.heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.heading.setFont(font)
        top.addWidget(self.heading, 1)
        self.open_button = QPushButton(self)
        self.open_button.setObjectName("open-membership")
        self.open_button.clicked.connect(self.open_in_membership)
        top.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignTop)
        self.enrol_button = QPushButton(self)
        self.enrol_button.setObjectName("enrol-membership")
        self.enrol_button.clicked.connect(self.enrol)
        top.addWidget(self.enrol_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)

        self.details = QWidget(self)
        form = QFormLayout(self.details)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form = form
        self.labels: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        for key in (
            "card",
            "term",
            "status",
            "payer",
            "benefits",
            "quotas",
            "members",
            "care_team",
        ):
            label = QLabel(self.details)
            value = QLabel(self.details)
            value.setObjectName(f"membership-{key.replace('_', '-')}")
            value.setWordWrap(True)
            value.setTextFormat(Qt.TextFormat.RichText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label, value)
            self.labels[key] = label
            self.values[key] = value
        layout.addWidget(self.details)
        self.details.hide()
        layout.addStretch(1)
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()

    def title(self) -> str:
        return self.tr("Membership")

    # -- text -------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.open_button.setText(self.tr("Open in Membership"))
        self.open_button.setToolTip(
            self.tr("Renew, change the tier, record a payment or print the card")
        )
        self.enrol_button.setText(self.tr("Enrol…"))
        self.enrol_button.setToolTip(self.tr("Enrol this patient in a membership tier"))
        for key, text in (
            ("card", self.tr("Card number")),
            ("term", self.tr("Valid")),
            ("status", self.tr("Status")),
            ("payer", self.tr("Paid by")),
            ("benefits", self.tr("Benefits")),
            ("quotas", self.tr("Allowances left")),
            ("members", self.tr("Family members")),
            ("care_team", self.tr("Care team")),
        ):
            self.labels[key].setText(text)
        self._show()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- loading ----------------------------------------------------------------------

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self._ticket += 1
        ticket = self._ticket

        def show(view: membership.MembershipView | None) -> None:
            if ticket == self._ticket:
                self.show_view(view)

        self.ctx.runner.start(
            load_membership,
            self.ctx.clinic,
            actor,
            self.patient_id,
            on_success=show,
            on_error=self._failed,
            owner=self,
        )

    def _failed(self, error: BaseException) -> None:
        self.message.show_error(full_error_text(error))

    def show_view(self, view: membership.MembershipView | None) -> None:
        self.view = view
        self.loaded = True
        if self.message.is_error:
            self.message.clear()
        self._show()
        self.sig_loaded.emit(view)

    def _on_changes(self, changes: Changes) -> None:
        if not self.loaded:
            return
        mine = self.view is not None and self.view.id in changes.ids
        if changes.touches(Topic.MEMBERSHIP) and (mine or self.patient_id in changes.ids):
            self.reload()
        elif changes.touches(Topic.MEMBERSHIP) and self.view is None:
            self.reload()  # enrolled from the membership page: the ids are the membership's

    # -- drawing ----------------------------------------------------------------------

    def _show(self) -> None:
        v = self.view
        manage = self.ctx.may(Action.MEMBERSHIP_MANAGE)
        self.open_button.setVisible(v is not None and manage)
        self.enrol_button.setVisible(self.loaded and v is None and manage)
        if not self.loaded:
            self.heading.setText(self.tr("Loading…"))
            self.tag.hide()
            self.details.hide()
            return
        if v is None:
            self.heading.setText(self.tr("Not a member"))
            self.tag.hide()
            self.details.hide()
            return
        language = ui_language()
        tier = v.tier.name(language)
        color = SUSPENDED_COLOR if v.status == "suspended" else (v.tier.color or MEMBER_COLOR)
        self.tag.setText(tier)
        self.tag.setStyleSheet(tag_style(color))
        self.tag.show()
        status = tr_code("Membership", membership.STATUSES.get(v.status, v.status))
        self.heading.setText(
            self.tr("{tier} membership, {status}").format(tier=tier, status=status)
        )
        self.details.show()
        self.values["card"].setText(_esc(v.card_no))
        term = self.tr("{start} to {end}").format(
            start=v.starts_on.isoformat(), end=v.ends_on.isoformat()
        )
        if v.status in ("active", "suspended") and v.days_left >= 0:
            term += " " + self.tr("(%n day(s) left)", "", v.days_left)
        self.values["term"].setText(_esc(term))
        status_text = _esc(status)
        if v.status == "suspended" and v.suspended_on is not None:
            status_text = _esc(
                self.tr("{status} since {day}: benefits cannot be used until resumed").format(
                    status=status, day=v.suspended_on.isoformat()
                )
            )
        if v.renewal_due:
            status_text += (
                f" <span style='color:{RENEWAL_FG}; font-weight:bold'>"
                + _esc(self.tr("· renewal due"))
                + "</span>"
            )
        self.values["status"].setText(_first_upper(status_text))
        payer = v.payer_name
        if v.payer_id == self.patient_id:
            payer = self.tr("{name} (this patient)").format(name=v.payer_name)
        self.values["payer"].setText(_esc(payer))
        self.values["benefits"].setText(_esc(self.benefits_text(v)))
        self.values["quotas"].setText("<br>".join(_esc(q) for q in self.quota_lines(v)))
        self._set_row_visible("quotas", bool(v.quotas))
        self.values["members"].setText(self.members_html(v))
        self._set_row_visible("members", len(v.members) > 1 or v.tier.max_members > 1)
        team = self.care_team_lines(v)
        self.values["care_team"].setText(
            "<br>".join(_esc(t) for t in team)
            if team
            else f"<span style='color:{GREY}'>" + _esc(self.tr("Not named yet")) + "</span>"
        )
        self._set_row_visible("care_team", bool(team) or v.tier.benefit("care_team") is not None)
        self.tag.setToolTip(
            member_tooltip(
                membership.Badge(
                    patient_id=self.patient_id,
                    membership_id=v.id,
                    tier_code=v.tier.code,
                    tier_name=tier,
                    color=color,
                    status=v.status,
                    priority=v.tier.benefit("priority_booking") is not None,
                    ends_on=v.ends_on,
                )
            )
        )

    def _set_row_visible(self, key: str, visible: bool) -> None:
        self.form.setRowVisible(self.values[key], visible)

    def benefits_text(self, v: membership.MembershipView) -> str:
        words = []
        for b in v.tier.benefits:
            words.append(tr_code("Membership", b.title()) if not b.label else b.label)
        return "；".join(words) if words else self.tr("none")

    def quota_lines(self, v: membership.MembershipView) -> list[str]:
        lines = []
        for q in v.quotas:
            label = tr_code("Membership", q.label) if q.label else q.benefit_key
            if q.left >= 0:
                text = self.tr("{benefit}: {left} of {quota} left ({first} to {last})")
            else:
                text = self.tr(
                    "{benefit}: {used} of {quota} used, over by {over} ({first} to {last})"
                )
            lines.append(
                text.format(
                    benefit=label,
                    left=q.left,
                    used=q.used,
                    over=-q.left,
                    quota=q.quota,
                    first=q.first.isoformat(),
                    last=q.last.isoformat(),
                )
            )
        return lines

    def members_html(self, v: membership.MembershipView) -> str:
        parts = []
        for m in v.members:
            relation = tr_code("Membership", membership.RELATIONS.get(m.relation, m.relation))
            if m.payer:
                what = self.tr("{relation}, payer").format(relation=relation)
            else:
                what = relation
            text = _esc(f"{m.name}（{what}）")
            if m.patient_id == self.patient_id:
                text = f"<b>{text}</b>"
            parts.append(text)
        return "、".join(parts)

    def care_team_lines(self, v: membership.MembershipView) -> list[str]:
        lines = []
        for person in v.care_team:
            role = tr_code("Membership", membership.CARE_ROLES.get(person.role, person.role))
            phone = person.phone
            if phone.startswith("+"):
                phone = phone_text(self.ctx, phone)
            text = self.tr("{role}: {name}").format(role=_first_upper(role), name=person.name)
            if phone:
                text += f"  ·  {phone}"
            lines.append(text)
        return lines

    # -- jumps ------------------------------------------------------------------------

    def open_in_membership(self) -> None:
        if self.view is not None:
            self.sig_open_feature.emit(FEATURE, (OPEN, self.view.id))

    def enrol(self) -> None:
        """The membership page's enrol dialog with this patient as the payer."""
        actor = self.ctx.actor
        if actor is None or not self.ctx.may(Action.MEMBERSHIP_MANAGE):
            return
        self.ctx.runner.start(
            load_tiers,
            self.ctx.clinic,
            actor,
            on_success=self._open_enrol,
            on_error=self._failed,
            owner=self,
        )

    def _open_enrol(self, tiers: list[membership.TierView]) -> None:
        from clinic_desk.ui.membership.dialogs import EnrolDialog

        dialog = EnrolDialog(self.ctx, tiers, self)
        details = self.file.details
        if details is not None and details.id == self.patient_id:
            dialog.set_payer(payer_hit(details))
        dialog.accepted.connect(self._enrolled)
        self.dialog = dialog
        dialog.start()

    def _enrolled(self) -> None:
        self.message.show_ok(self.tr("Enrolled."))
        self.reload()


def header_tag(badge: membership.Badge | None) -> tuple[str, str, str] | None:
    """The file header's tag: (label, style sheet, tooltip), or None for no tag."""
    tag = member_tag(badge)
    if tag is None:
        return None
    label, color = tag
    return label, tag_style(color), member_tooltip(badge)


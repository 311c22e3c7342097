"""The patient's health file (健康档案, spec C1-C6): who they are and, for those
allowed, their clinical record.

What a role may see decides which parts are built at all (spec C3): the
desk gets the registry and contact history; the safety line (allergies in
red, current medication) for nurses, pharmacists and doctors; visits,
reports and the rest for doctors. The services enforce the same rule; the
screen only avoids offering what would be refused. Emergency access outside
one's role asks for a reason and is audited (break the glass).
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QCoreApplication, QMetaMethod, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.rules import prescribing
from clinic_desk.core.rules import vitals as vital_rules
from clinic_desk.core.rules.phones import format_phone
from clinic_desk.core.security.permissions import BREAK_GLASS_ACTIONS, Action
from clinic_desk.core.services import clinical, patients
from clinic_desk.core.services.base import Changes, Topic
from clinic_desk.core.services.registry_rules import (
    CONTACT_CHANNELS,
    ID_KIND_LABELS,
    SEX_LABELS,
    SOURCE_CHANNELS,
    SPECIAL_NEEDS,
)
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import ui_language
from clinic_desk.ui.patients import membership_box
from clinic_desk.ui.patients.common import (
    FieldsDialog,
    ReadOnlyTable,
    ask_reason,
    full_error_text,
    local,
    tr_code,
)
from clinic_desk.ui.settings.common import MessageLabel

ALLERGY_RED = "#b00020"


def frequency_text(code: str) -> str:
    """A prescribing code with its words (qd → "qd（每日一次）"); free text as typed."""
    known = prescribing.FREQUENCIES.get(code)
    if known is None:
        return code
    return f"{code}（{tr_code('Prescription', known.label)}）"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class PatientFileView(QWidget):
    """One patient's file; rebuilt when another patient is opened."""

    sig_back = Signal()
    #: show something on another page (feature key, target), as pages do: the
    #: membership tab's "Open in Membership" and "Enrol…" ("membership", (what, id))
    sig_open_feature = Signal(str, object)

    def __init__(
        self, ctx: AppContext, patient_id: uuid.UUID, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.patient_id = patient_id
        self.details: patients.PatientDetails | None = None
        self.record: clinical.RecordView | None = None
        self.safety: clinical.SafetyView | None = None
        self.glass_reason: str | None = None
        self._badge_language = ""
        self.setObjectName("patient-file")
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        self.back_button = QPushButton(self)
        self.back_button.setObjectName("back")
        self.back_button.clicked.connect(self.sig_back.emit)
        top.addWidget(self.back_button)
        self.title = QLabel(self)
        self.title.setObjectName("patient-title")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title.setFont(font)
        top.addWidget(self.title)
        # The membership badge (H2): the tier's name in its colour; none for non-members.
        self.member_tag = QLabel(self)
        self.member_tag.setObjectName("patient-member-tag")
        self.member_tag.hide()
        top.addWidget(self.member_tag, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addStretch(1)
        self.edit_button = QPushButton(self)
        self.edit_button.setObjectName("edit-details")
        self.edit_button.clicked.connect(self.edit_details)
        top.addWidget(self.edit_button)
        self.merge_button = QPushButton(self)
        self.merge_button.setObjectName("merge")
        self.merge_button.clicked.connect(self.merge)
        top.addWidget(self.merge_button)
        self.glass_button = QPushButton(self)
        self.glass_button.setObjectName("break-glass")
        self.glass_button.clicked.connect(self.break_glass)
        top.addWidget(self.glass_button)
        # K1, K2, E4: what is printed for this patient from the file.
        self.print_button = QToolButton(self)
        self.print_button.setObjectName("print-documents")
        self.print_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        print_menu = QMenu(self.print_button)
        self.contact_card_action = print_menu.addAction("")
        self.contact_card_action.setObjectName("print-contact-card")
        self.contact_card_action.triggered.connect(self.print_contact_card)
        self.first_visit_action = print_menu.addAction("")
        self.first_visit_action.setObjectName("print-first-visit")
        self.first_visit_action.triggered.connect(self.print_first_visit)
        self.followup_action = print_menu.addAction("")
        self.followup_action.setObjectName("print-followup-filled")
        self.followup_action.triggered.connect(self.print_followup_form)
        self.followup_blank_action = print_menu.addAction("")
        self.followup_blank_action.setObjectName("print-followup-blank")
        self.followup_blank_action.triggered.connect(self.print_blank_followup_form)
        self.print_button.setMenu(print_menu)
        top.addWidget(self.print_button)
        layout.addLayout(top)

        self.subtitle = QLabel(self)
        self.subtitle.setObjectName("patient-subtitle")
        self.subtitle.setWordWrap(True)
        layout.addWidget(self.subtitle)
        # Allergies are always in view, in red, above every tab (issue 4).
        self.allergy_banner = QLabel(self)
        self.allergy_banner.setObjectName("allergy-banner")
        self.allergy_banner.setWordWrap(True)
        self.allergy_banner.setTextFormat(Qt.TextFormat.RichText)
        self.allergy_banner.hide()  # shown once allergies are loaded, for roles that may see them
        layout.addWidget(self.allergy_banner)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("patient-tabs")
        layout.addWidget(self.tabs, 1)
        self.overview = OverviewTab(self)
        self.tabs.addTab(self.overview, "")
        self.visits: VisitsTab | None = None
        self.membership: membership_box.MembershipTab | None = None
        self.extra_tabs: list[QWidget] = []
        self.contacts = ContactsTab(self)
        self._build_clinical_tabs()
        self.tabs.addTab(self.contacts, "")
        back = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        back.activated.connect(self.sig_back.emit)
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()
        self.reload()

    # -- what this person may see ----------------------------------------------------------

    def may_read(self, action: Action) -> bool:
        return self.ctx.may(action) or (
            self.glass_reason is not None and action in BREAK_GLASS_ACTIONS
        )

    def _build_clinical_tabs(self) -> None:
        from clinic_desk.ui.patients.prescriptions_tab import PrescriptionsTab
        from clinic_desk.ui.patients.referrals_tab import ReferralsTab
        from clinic_desk.ui.patients.reports_tab import ReportsTab

        old: list[QWidget] = [*self.extra_tabs]
        if self.visits is not None:
            old.append(self.visits)
        for tab in old:
            self.tabs.removeTab(self.tabs.indexOf(tab))
            tab.deleteLater()
        self.visits = None
        self.membership = None
        self.extra_tabs = []
        position = 1
        if self.may_read(Action.CLINICAL_READ):
            self.visits = VisitsTab(self)
            self.tabs.insertTab(position, self.visits, "")
            position += 1
        wanted: list[QWidget] = []
        if self.may_read(Action.PRESCRIPTION_READ):
            wanted.append(PrescriptionsTab(self.ctx, self.patient_id, self))
        if self.may_read(Action.CLINICAL_READ):
            wanted.append(ReportsTab(self.ctx, self.patient_id, self))
        if self.may_read(Action.CLINICAL_READ) or self.ctx.may(Action.REFERRAL_DESK):
            wanted.append(ReferralsTab(self.ctx, self.patient_id, self))
        if self.ctx.may(Action.FOLLOWUP_WORK) or self.ctx.may(Action.PATIENT_EDIT):
            from clinic_desk.ui.followups.patient_tab import PatientFollowupsTab

            wanted.append(PatientFollowupsTab(self.ctx, self.patient_id, self))
        if membership_box.may_read(self.ctx):
            tab = membership_box.MembershipTab(self.ctx, self.patient_id, self)
            tab.sig_open_feature.connect(self.open_feature)
            self.membership = tab
            wanted.append(tab)
        for extra in wanted:
            self.extra_tabs.append(extra)
            self.tabs.insertTab(position, extra, "")
            position += 1

    def retranslate(self) -> None:
        self.back_button.setText(self.tr("← Search"))
        self.back_button.setToolTip(self.tr("Back to the search (Esc)"))
        self.edit_button.setText(self.tr("Edit details…"))
        self.merge_button.setText(self.tr("Merge a duplicate…"))
        self.glass_button.setText(self.tr("Emergency access…"))
        self.glass_button.setToolTip(
            self.tr(
                "Open the clinical record outside your role in an emergency. You must give a "
                "reason; the access is recorded and reviewed."
            )
        )
        self.print_button.setText(self.tr("Print"))
        self.print_button.setToolTip(self.tr("Print a card, hand-out or form for this patient"))
        self.contact_card_action.setText(self.tr("Contact card (连心卡)"))
        self.first_visit_action.setText(self.tr("First-visit information"))
        self.followup_action.setText(self.tr("Follow-up call record, filled in"))
        self.followup_blank_action.setText(self.tr("Follow-up call record, blank"))
        self.contact_card_action.setVisible(self.ctx.may(Action.PATIENT_SEARCH))
        self.first_visit_action.setVisible(self.ctx.may(Action.APPOINTMENT_VIEW))
        followups = self.ctx.may(Action.FOLLOWUP_WORK)
        self.followup_action.setVisible(followups)
        self.followup_blank_action.setVisible(followups)
        self.print_button.setVisible(
            any(
                a.isVisible()
                for a in (self.contact_card_action, self.first_visit_action, self.followup_action)
            )
        )
        self.edit_button.setVisible(self.ctx.may(Action.PATIENT_EDIT))
        self.merge_button.setVisible(self.ctx.may(Action.PATIENT_MERGE))
        self.glass_button.setVisible(
            not self.ctx.may(Action.CLINICAL_READ) and self.glass_reason is None
        )
        self.tabs.setTabText(self.tabs.indexOf(self.overview), self.tr("Overview"))
        if self.visits is not None:
            self.tabs.setTabText(self.tabs.indexOf(self.visits), self.tr("Visits"))
        for tab in self.extra_tabs:
            title = getattr(tab, "title", None)
            self.tabs.setTabText(self.tabs.indexOf(tab), title() if callable(title) else "")
        self.tabs.setTabText(self.tabs.indexOf(self.contacts), self.tr("Contact history"))
        self.overview.retranslate()
        self.contacts.retranslate()
        if self.visits is not None:
            self.visits.retranslate()
        if self.membership is not None:
            self.membership.retranslate()
        self._show_header()
        if self._badge_language and self._badge_language != ui_language():
            self._load_badge()  # the tier's name is data, kept in each language

    # -- loading ----------------------------------------------------------------------------

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        run = self.ctx.runner.start
        run(
            patients.get_patient,
            self.ctx.clinic,
            actor,
            self.patient_id,
            on_success=self._got_details,
            on_error=self._failed,
            owner=self,
        )
        if self.may_read(Action.CLINICAL_READ):
            run(
                clinical.read_record,
                self.ctx.clinic,
                actor,
                self.patient_id,
                break_glass_reason=self._reason(Action.CLINICAL_READ),
                on_success=self._got_record,
                on_error=self._failed,
                owner=self,
            )
        elif self.may_read(Action.SAFETY_READ):
            run(
                clinical.read_safety,
                self.ctx.clinic,
                actor,
                self.patient_id,
                break_glass_reason=self._reason(Action.SAFETY_READ),
                on_success=self._got_safety,
                on_error=self._failed,
                owner=self,
            )
        run(
            patients.list_contacts,
            self.ctx.clinic,
            actor,
            self.patient_id,
            on_success=self.contacts.show_rows,
            on_error=self._failed,
            owner=self,
        )
        self._load_badge()
        for tab in self.extra_tabs:
            reload = getattr(tab, "reload", None)
            if reload is not None:
                reload()

    def _reason(self, action: Action) -> str | None:
        return None if self.ctx.may(action) else self.glass_reason

    def _failed(self, error: BaseException) -> None:
        self.message.show_error(full_error_text(error))

    def _got_details(self, details: patients.PatientDetails) -> None:
        self.details = details
        self._show_header()
        self.overview.show_details(details)

    def _got_record(self, record: clinical.RecordView) -> None:
        self.record = record
        self.safety = None
        self._show_allergies()
        self.overview.show_clinical()
        if self.visits is not None:
            self.visits.show_record(record)
        for tab in self.extra_tabs:
            show = getattr(tab, "show_record", None)
            if show is not None:
                show(record)

    def _got_badge(self, badge: Any) -> None:
        tag = membership_box.header_tag(badge)
        self.member_tag.setVisible(tag is not None)
        if tag is not None:
            label, style, tip = tag
            self.member_tag.setText(label)
            self.member_tag.setStyleSheet(style)
            self.member_tag.setToolTip(tip)

    def _got_safety(self, safety: clinical.SafetyView) -> None:
        self.safety = safety
        self._show_allergies()
        self.overview.show_clinical()

    def allergies(self) -> tuple[clinical.AllergyView, ...] | None:
        if self.record is not None:
            return self.record.active_allergies
        if self.safety is not None:
            return tuple(a for a in self.safety.allergies if a.active)
        return None

    def medications(self) -> tuple[clinical.MedicationView, ...] | None:
        if self.record is not None:
            return self.record.current_medications
        if self.safety is not None:
            return tuple(m for m in self.safety.medications if m.active)
        return None

    def _show_header(self) -> None:
        d = self.details
        if d is None:
            self.title.setText(self.tr("Loading…"))
            return
        language = str(self.ctx.clinic.setting("clinic.language"))
        form = patients.address_patient(self.ctx.clinic, d, language)
        sex = tr_code("Patient", SEX_LABELS.get(d.data.sex, SEX_LABELS["U"]))
        age = self.tr("%n year(s)", "", d.age) if d.age is not None else self.tr("age unknown")
        self.title.setText(f"{d.full_name}  ·  {sex}  ·  {age}")
        parts = [
            self.tr("Record no. {no}").format(no=d.record_no),
            self.tr("Address as: {form}").format(form=form),
        ]
        if d.data.phone:
            region = str(self.ctx.clinic.setting("clinic.phone_region"))
            parts.append(format_phone(d.data.phone, region=region))
        needs = [tr_code("Patient", SPECIAL_NEEDS[n]) for n in d.needs if n in SPECIAL_NEEDS]
        if needs:
            parts.append("【" + "、".join(needs) + "】")
        if d.merged_into is not None:
            parts.append(self.tr("This record was merged into another one."))
        self.subtitle.setText("   ".join(parts))

    def _show_allergies(self) -> None:
        allergies = self.allergies()
        if allergies is None:
            self.allergy_banner.hide()
            return
        self.allergy_banner.show()
        if not allergies:
            self.allergy_banner.setStyleSheet("padding: 4px;")
            self.allergy_banner.setText(self.tr("Allergies: none recorded. Ask the patient."))
            return
        items = []
        for a in allergies:
            severity = tr_code("AllergySeverity", clinical.ALLERGY_SEVERITY_LABELS[a.severity])
            reaction = f"：{_esc(a.reaction)}" if a.reaction else ""
            items.append(f"<b>{_esc(a.substance)}</b>（{severity}{reaction}）")
        self.allergy_banner.setStyleSheet(
            f"color: white; background: {ALLERGY_RED}; padding: 6px; border-radius: 3px;"
        )
        self.allergy_banner.setText(self.tr("ALLERGIES: {list}").format(list="； ".join(items)))

    def _on_changes(self, changes: Changes) -> None:
        if self.patient_id in changes.ids and (
            changes.touches(Topic.PATIENTS) or changes.touches(Topic.CLINICAL)
        ):
            self.reload()
        elif changes.touches(Topic.MEMBERSHIP):
            self._load_badge()  # the tab reloads itself; the header's tag follows

    def _load_badge(self) -> None:
        """The header's membership tag, its tier named in the screen's language."""
        actor = self.ctx.actor
        if actor is None:
            return
        self._badge_language = ui_language()
        self.ctx.runner.start(
            membership_box.load_badge,
            self.ctx.clinic,
            actor,
            self.patient_id,
            self._badge_language,
            on_success=self._got_badge,
            on_error=self._failed,
            owner=self,
        )

    def open_feature(self, key: str, target: object) -> None:
        """Ask for another page, as pages do (the main window wires ``sig_open_feature``);
        a file not wired to a page (opened from the search) asks the main window itself."""
        if self.isSignalConnected(QMetaMethod.fromSignal(self.sig_open_feature)):
            self.sig_open_feature.emit(key, target)
            return
        opener = getattr(self.window(), "open_in_feature", None)
        if callable(opener):
            opener(key, target)

    # -- actions ----------------------------------------------------------------------------

    def edit_details(self) -> None:
        from clinic_desk.ui.patients.form import PatientFormDialog

        if self.details is None:
            return
        PatientFormDialog(self.ctx, self, existing=self.details).open()

    def break_glass(self) -> None:
        reason = ask_reason(
            self,
            self.tr("Emergency access"),
            self.tr(
                "Why do you need this patient's clinical record now? Your access is "
                "recorded with this reason and reviewed by the director."
            ),
        )
        if reason is None:
            return
        if len(reason.strip()) < 4:
            self.message.show_error(self.tr("Give a reason of at least 4 characters."))
            return
        self.glass_reason = reason.strip()
        self._build_clinical_tabs()
        self.retranslate()
        self.reload()

    def print_contact_card(self) -> None:
        from clinic_desk.ui.printing import documents

        documents.print_contact_card(self.ctx, self, self.patient_id)

    def print_first_visit(self) -> None:
        from clinic_desk.ui.printing import documents

        documents.print_first_visit_sheet(self.ctx, self, patient_id=self.patient_id)

    def print_followup_form(self) -> None:
        from clinic_desk.ui.printing import documents

        documents.print_followup_form(self.ctx, self, self.patient_id)

    def print_blank_followup_form(self) -> None:
        from clinic_desk.ui.printing import documents

        documents.print_followup_form(self.ctx, self, None)

    def merge(self) -> None:
        from clinic_desk.ui.patients.merge import MergeDialog

        if self.details is not None:
            MergeDialog(self.ctx, self.details, self).open()


class OverviewTab(QWidget):
    """Registry details, and the safety list and conditions for those who may see them."""

    def __init__(self, file: PatientFileView) -> None:
        super().__init__(file)
        self.file = file
        ctx = file.ctx
        self.ctx = ctx
        layout = QHBoxLayout(self)
        left = QWidget(self)
        self.form = QFormLayout(left)
        self.values: dict[str, QLabel] = {}
        for key in (
            "id",
            "birth",
            "phones",
            "address",
            "work",
            "channels",
            "source",
            "emergency",
            "notes",
        ):
            value = QLabel(left)
            value.setObjectName(f"value:{key}")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[key] = value
            self.form.addRow(QLabel(left), value)
        layout.addWidget(left, 1)

        right = QWidget(self)
        col = QVBoxLayout(right)
        self.allergy_title = QLabel(right)
        col.addWidget(self.allergy_title)
        self.allergy_table = ReadOnlyTable(right)
        self.allergy_table.setObjectName("allergies")
        col.addWidget(self.allergy_table)
        row = QHBoxLayout()
        self.add_allergy = QPushButton(right)
        self.add_allergy.clicked.connect(self._add_allergy)
        self.end_allergy = QPushButton(right)
        self.end_allergy.clicked.connect(self._end_allergy)
        row.addWidget(self.add_allergy)
        row.addWidget(self.end_allergy)
        row.addStretch(1)
        col.addLayout(row)
        self.med_title = QLabel(right)
        col.addWidget(self.med_title)
        self.med_table = ReadOnlyTable(right)
        self.med_table.setObjectName("medications")
        col.addWidget(self.med_table)
        row = QHBoxLayout()
        self.add_med = QPushButton(right)
        self.add_med.clicked.connect(self._add_medication)
        self.end_med = QPushButton(right)
        self.end_med.clicked.connect(self._end_medication)
        row.addWidget(self.add_med)
        row.addWidget(self.end_med)
        row.addStretch(1)
        col.addLayout(row)
        self.cond_title = QLabel(right)
        col.addWidget(self.cond_title)
        self.cond_table = ReadOnlyTable(right)
        self.cond_table.setObjectName("conditions")
        col.addWidget(self.cond_table)
        row = QHBoxLayout()
        self.add_cond = QPushButton(right)
        self.add_cond.clicked.connect(self._add_condition)
        self.vitals_button = QPushButton(right)
        self.vitals_button.setObjectName("record-vitals")
        self.vitals_button.clicked.connect(self._record_vitals)
        row.addWidget(self.add_cond)
        row.addWidget(self.vitals_button)
        row.addStretch(1)
        col.addLayout(row)
        self.latest_vitals = QLabel(right)
        self.latest_vitals.setObjectName("latest-vitals")
        self.latest_vitals.setWordWrap(True)
        col.addWidget(self.latest_vitals)
        self.right = right
        layout.addWidget(right, 1)
        self.show_clinical()

    def retranslate(self) -> None:
        labels = (
            self.tr("ID document"),
            self.tr("Date of birth"),
            self.tr("Phones"),
            self.tr("Address"),
            self.tr("Occupation and title"),
            self.tr("Contact by"),
            self.tr("Came to us by"),
            self.tr("Emergency contact"),
            self.tr("Notes for the desk"),
        )
        for i, text in enumerate(labels):
            item = self.form.itemAt(i, QFormLayout.ItemRole.LabelRole)
            if item is not None and isinstance(item.widget(), QLabel):
                item.widget().setText(text)  # type: ignore[union-attr]
        self.allergy_title.setText(self.tr("Allergies"))
        self.med_title.setText(self.tr("Current medication"))
        self.cond_title.setText(self.tr("Chronic conditions"))
        self.allergy_table.set_headers(
            [self.tr("Substance"), self.tr("Severity"), self.tr("Reaction")]
        )
        self.med_table.set_headers(
            [self.tr("Medicine"), self.tr("Dose"), self.tr("How often"), self.tr("Source")]
        )
        self.cond_table.set_headers([self.tr("Condition"), self.tr("ICD-10"), self.tr("Since")])
        self.add_allergy.setText(self.tr("Add allergy…"))
        self.end_allergy.setText(self.tr("Entered in error…"))
        self.add_med.setText(self.tr("Add medicine…"))
        self.end_med.setText(self.tr("Stopped…"))
        self.add_cond.setText(self.tr("Add condition…"))
        self.vitals_button.setText(self.tr("Record vital signs…"))
        if self.file.details is not None:
            self.show_details(self.file.details)
        self.show_clinical()

    def show_details(self, d: patients.PatientDetails) -> None:
        data = d.data
        region = str(self.ctx.clinic.setting("clinic.phone_region"))
        kind = tr_code("Patient", ID_KIND_LABELS[data.id_kind]) if data.id_kind else ""
        v = self.values
        v["id"].setText(f"{kind}  {data.id_number}".strip() or "—")
        v["birth"].setText(data.birth_date.isoformat() if data.birth_date else "—")
        phones = [format_phone(p, region=region) for p in (data.phone, data.phone2) if p]
        v["phones"].setText("，".join(phones) or "—")
        v["address"].setText(data.address or "—")
        v["work"].setText(" / ".join(x for x in (data.occupation, data.title) if x) or "—")
        channels = [tr_code("Patient", CONTACT_CHANNELS[c]) for c in data.contact_channels]
        extra = [
            x
            for x in (
                data.wechat and f"WeChat {data.wechat}",
                data.qq and f"QQ {data.qq}",
                data.email,
            )
            if x
        ]
        v["channels"].setText("、".join(channels + extra) or "—")
        v["source"].setText(
            tr_code("Patient", SOURCE_CHANNELS[data.source_channel]) if data.source_channel else "—"
        )
        emergency = " ".join(
            x
            for x in (
                data.emergency_name,
                data.emergency_relation and f"({data.emergency_relation})",
                format_phone(data.emergency_phone, region=region) if data.emergency_phone else "",
            )
            if x
        )
        v["emergency"].setText(emergency or "—")
        v["notes"].setText(data.desk_notes or "—")

    def show_clinical(self) -> None:
        file = self.file
        allergies = file.allergies()
        meds = file.medications()
        safety_visible = allergies is not None
        may_safety = self.ctx.may(Action.SAFETY_WRITE)
        record = file.record
        shown: list[tuple[QWidget, bool]] = [
            *(
                (w, safety_visible)
                for w in (self.allergy_title, self.allergy_table, self.med_title, self.med_table)
            ),
            *(
                (w, safety_visible and may_safety)
                for w in (self.add_allergy, self.end_allergy, self.add_med, self.end_med)
            ),
            *((w, record is not None) for w in (self.cond_title, self.cond_table)),
        ]
        for widget, visible in shown:
            widget.setVisible(visible)
        self.add_cond.setVisible(record is not None and self.ctx.may(Action.CLINICAL_WRITE))
        self.vitals_button.setVisible(self.ctx.may(Action.VITALS_RECORD))
        self.right.setVisible(safety_visible or self.ctx.may(Action.VITALS_RECORD))
        if allergies is not None:
            self.allergy_table.set_rows(
                [
                    (
                        a.id,
                        (
                            a.substance,
                            tr_code(
                                "AllergySeverity", clinical.ALLERGY_SEVERITY_LABELS[a.severity]
                            ),
                            a.reaction,
                        ),
                    )
                    for a in allergies
                ],
                red=range(len(allergies)),
            )
        if meds is not None:
            self.med_table.set_rows(
                [
                    (
                        m.id,
                        (
                            m.drug,
                            m.dose,
                            frequency_text(m.frequency),
                            tr_code(
                                "MedicationSource", clinical.MEDICATION_SOURCE_LABELS[m.source]
                            ),
                        ),
                    )
                    for m in meds
                ]
            )
        if record is not None:
            conditions = [c for c in record.conditions if c.active]
            self.cond_table.set_rows(
                [
                    (c.id, (c.name, c.icd10, c.since.isoformat() if c.since else ""))
                    for c in conditions
                ]
            )
            self.latest_vitals.setText(vitals_line(self.ctx, record))
        else:
            self.latest_vitals.clear()

    # Each action opens a small form that calls one service.

    def _add_allergy(self) -> None:
        severities = [
            (c, tr_code("AllergySeverity", clinical.ALLERGY_SEVERITY_LABELS[c]))
            for c in clinical.ALLERGY_SEVERITIES
        ]
        FieldsDialog(
            self.ctx,
            self,
            self.tr("Add allergy"),
            [
                ("substance", self.tr("Substance (medicine, food…)"), "line", ()),
                ("reaction", self.tr("Reaction"), "line", ()),
                ("severity", self.tr("Severity"), "choice", severities),
            ],
            clinical.add_allergy,
            self.file.patient_id,
        ).open()

    def _end_allergy(self) -> None:
        allergy_id = self.allergy_table.current_id()
        if allergy_id is None:
            self.file.message.show_error(self.tr("Choose an allergy in the list first."))
            return
        FieldsDialog(
            self.ctx,
            self,
            self.tr("Allergy entered in error"),
            [
                ("reason", self.tr("Why it does not apply"), "line", ()),
            ],
            clinical.end_allergy,
            allergy_id,
        ).open()

    def _add_medication(self) -> None:
        sources = [
            (c, tr_code("MedicationSource", clinical.MEDICATION_SOURCE_LABELS[c]))
            for c in clinical.MEDICATION_SOURCES
            if c != "prescription"
        ]
        FieldsDialog(
            self.ctx,
            self,
            self.tr("Add current medicine"),
            [
                ("drug", self.tr("Medicine"), "line", ()),
                ("dose", self.tr("Dose"), "line", ()),
                ("frequency", self.tr("How often"), "line", ()),
                ("since", self.tr("Taken since"), "date", ()),
                ("source", self.tr("Source"), "choice", sources),
            ],
            clinical.add_medication,
            self.file.patient_id,
        ).open()

    def _end_medication(self) -> None:
        med_id = self.med_table.current_id()
        if med_id is None:
            self.file.message.show_error(self.tr("Choose a medicine in the list first."))
            return
        FieldsDialog(
            self.ctx,
            self,
            self.tr("Medicine stopped"),
            [
                ("reason", self.tr("Why it was stopped"), "line", ()),
            ],
            clinical.end_medication,
            med_id,
        ).open()

    def _add_condition(self) -> None:
        FieldsDialog(
            self.ctx,
            self,
            self.tr("Add chronic condition"),
            [
                ("name", self.tr("Condition"), "line", ()),
                ("icd10", self.tr("ICD-10 code (optional)"), "line", ()),
                ("since", self.tr("Since"), "date", ()),
            ],
            clinical.add_condition,
            self.file.patient_id,
        ).open()

    def _record_vitals(self) -> None:
        VitalsDialog(self.ctx, self.file.patient_id, self).open()


def _t(text: str) -> str:
    return QCoreApplication.translate("VitalsLine", text)


def vitals_parts(v: clinical.VitalsView) -> list[str]:
    """The readings of one set of vital signs, each as a short phrase."""
    parts = []
    if v.systolic is not None and v.diastolic is not None:
        parts.append(
            _t(QT_TRANSLATE_NOOP("VitalsLine", "BP {s}/{d} mmHg")).format(
                s=v.systolic, d=v.diastolic
            )
        )
    if v.pulse is not None:
        parts.append(_t(QT_TRANSLATE_NOOP("VitalsLine", "pulse {n}/min")).format(n=v.pulse))
    if v.temperature_c is not None:
        parts.append(f"{vital_rules.format_value(v.temperature_c)} °C")
    if v.weight_kg is not None:
        parts.append(f"{vital_rules.format_value(v.weight_kg)} kg")
    if v.spo2 is not None:
        parts.append(f"SpO₂ {v.spo2}%")
    return parts


def vitals_line(ctx: AppContext, record: clinical.RecordView) -> str:
    """The latest vital signs in one line, for the overview."""
    if not record.vitals:
        return _t(QT_TRANSLATE_NOOP("VitalsLine", "No vital signs recorded yet."))
    v = record.vitals[0].current
    parts = vitals_parts(v)
    return _t(QT_TRANSLATE_NOOP("VitalsLine", "Latest vital signs ({when}): {values}")).format(
        when=local(ctx, v.taken_at), values=", ".join(parts) or "—"
    )


VITAL_FIELDS = ("bp", "pulse", "temperature_c", "weight_kg", "height_cm", "spo2")


def parse_vital_texts(texts: dict[str, str]) -> dict[str, Any]:
    """The vital-sign boxes as service arguments; ValidationError in words if unreadable."""
    values: dict[str, Any] = {}
    bp = vital_rules.parse_blood_pressure(texts.get("bp", ""))
    if bp is not None:
        values["systolic"], values["diastolic"] = bp
    for name in VITAL_FIELDS[1:]:
        value = vital_rules.parse_value(name, texts.get(name, ""))
        if value is not None:
            values[name] = value
    return values


def record_visit_with_vitals(
    clinic: Any,
    actor: Any,
    patient_id: uuid.UUID,
    *,
    visit: dict[str, Any],
    vitals: dict[str, str],
    confirmed: frozenset[str],
) -> Any:
    """The visit and its vital signs, the readings checked before anything is written."""
    values = parse_vital_texts(vitals)
    if values:
        vital_rules.check_vitals(values, confirmed)  # refuse before the visit is written
    written = clinical.record_visit(clinic, actor, patient_id, **visit)
    if values:
        clinical.record_vitals(
            clinic, actor, patient_id, visit_id=written.value.id, confirmed=confirmed, **values
        )
    return written


class VitalsBox(QWidget):
    """Blood pressure, pulse, temperature, weight, height, SpO₂ typed as text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        from PySide6.QtWidgets import QGridLayout, QLineEdit

        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.edits: dict[str, QLineEdit] = {}
        self.labels: dict[str, QLabel] = {}
        for i, name in enumerate(VITAL_FIELDS):
            label = QLabel(self)
            edit = QLineEdit(self)
            edit.setObjectName(f"vital:{name}")
            edit.setMaxLength(20)
            edit.setMaximumWidth(110)
            self.edits[name] = edit
            self.labels[name] = label
            grid.addWidget(label, i // 3, (i % 3) * 2)
            grid.addWidget(edit, i // 3, (i % 3) * 2 + 1)
        self.retranslate()

    def retranslate(self) -> None:
        texts = {
            "bp": self.tr("Blood pressure"),
            "pulse": self.tr("Pulse /min"),
            "temperature_c": self.tr("Temperature °C"),
            "weight_kg": self.tr("Weight kg"),
            "height_cm": self.tr("Height cm"),
            "spo2": self.tr("SpO₂ %"),
        }
        for name, text in texts.items():
            self.labels[name].setText(text)
        self.edits["bp"].setPlaceholderText("120/80")

    def texts(self) -> dict[str, str]:
        return {name: edit.text() for name, edit in self.edits.items()}


class VitalsDialog(FieldsDialog):
    """Vital signs on their own (the nurse at check-in, or between visits)."""

    def __init__(self, ctx: AppContext, patient_id: uuid.UUID, parent: QWidget) -> None:
        super().__init__(
            ctx, parent, self.tr("Record vital signs"), [], _record_vitals_text, patient_id
        )
        self.box = VitalsBox(self)
        self.layout().insertWidget(0, self.box)  # type: ignore[union-attr]
        self.confirmed: frozenset[str] = frozenset()

    def values(self) -> dict[str, Any] | None:
        return {"texts": self.box.texts(), "confirmed": self.confirmed}

    def _failed(self, error: BaseException) -> None:
        super()._failed(error)
        if isinstance(error, vital_rules.UnusualVitals):
            answer = QMessageBox.question(
                self,
                self.tr("Unusual readings"),
                full_error_text(error) + "\n\n" + self.tr("Record them anyway?"),
            )
            if answer == QMessageBox.StandardButton.Yes:
                self.confirmed = error.fields
                self.save()


def _record_vitals_text(
    clinic: Any,
    actor: Any,
    patient_id: uuid.UUID,
    *,
    texts: dict[str, str],
    confirmed: frozenset[str],
) -> Any:
    values = parse_vital_texts(texts)
    if not values:
        from clinic_desk.core.errors import ValidationError
        from clinic_desk.core.i18n import QT_TRANSLATE_NOOP

        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "No reading was typed. Type at least one vital sign.")
        )
    return clinical.record_vitals(clinic, actor, patient_id, confirmed=confirmed, **values)


class VisitsTab(QWidget):
    """The visits, newest first; each with its corrections and vital signs."""

    def __init__(self, file: PatientFileView) -> None:
        super().__init__(file)
        self.file = file
        self.ctx = file.ctx
        self.record: clinical.RecordView | None = None
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.new_button = QPushButton(self)
        self.new_button.setObjectName("new-visit")
        self.new_button.clicked.connect(self.new_visit)
        self.correct_button = QPushButton(self)
        self.correct_button.setObjectName("correct-visit")
        self.correct_button.clicked.connect(self.correct_visit)
        row.addWidget(self.new_button)
        row.addWidget(self.correct_button)
        row.addStretch(1)
        layout.addLayout(row)
        split = QSplitter(Qt.Orientation.Vertical, self)
        self.table = ReadOnlyTable(split)
        self.table.setObjectName("visits")
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.detail = QTextBrowser(split)
        self.detail.setObjectName("visit-detail")
        split.addWidget(self.table)
        split.addWidget(self.detail)
        layout.addWidget(split, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.new_button.setText(self.tr("New visit…"))
        self.correct_button.setText(self.tr("Correct…"))
        writable = self.ctx.may(Action.CLINICAL_WRITE)
        self.new_button.setVisible(writable)
        self.correct_button.setVisible(writable)
        self.table.set_headers(
            [
                self.tr("Date"),
                self.tr("Doctor"),
                self.tr("Kind of visit"),
                self.tr("ICD-10"),
                self.tr("Diagnosis"),
            ]
        )
        if self.record is not None:
            self.show_record(self.record)

    def show_record(self, record: clinical.RecordView) -> None:
        self.record = record
        rows = []
        for versions in record.visits:
            v = versions.current
            mark = self.tr(" (corrected)") if versions.earlier else ""
            rows.append(
                (
                    v.id,
                    (
                        local(self.ctx, v.visit_at),
                        record.staff_name(v.doctor_id),
                        tr_code(
                            "VisitCategory", clinical.VISIT_CATEGORY_LABELS.get(v.category, "Other")
                        ),
                        v.icd10,
                        v.diagnosis + mark,
                    ),
                )
            )
        self.table.set_rows(rows)
        if rows:
            self.table.selectRow(0)
        else:
            self.detail.setPlainText(self.tr("No visits recorded yet."))

    def _selected(self) -> clinical.Versions[clinical.VisitView] | None:
        visit_id = self.table.current_id()
        if self.record is None or visit_id is None:
            return None
        return next((v for v in self.record.visits if v.current.id == visit_id), None)

    def _show_selected(self) -> None:
        versions = self._selected()
        record = self.record
        if versions is None or record is None:
            return
        v = versions.current
        html = [
            f"<h3>{_esc(local(self.ctx, v.visit_at))} · {_esc(record.staff_name(v.doctor_id))}</h3>"
        ]
        for label, text in (
            (self.tr("Chief complaint"), v.chief_complaint),
            (self.tr("Findings"), v.findings),
            (self.tr("Diagnosis"), f"{v.diagnosis} {v.icd10}".strip()),
            (self.tr("Plan"), v.plan),
        ):
            body = _esc(text).replace("\n", "<br>") or "—"
            html.append(f"<p><b>{_esc(label)}</b><br>{body}</p>")
        signs = [s.current for s in record.vitals if s.current.visit_id == v.id]
        if signs:
            values = [_esc(part) for part in vitals_parts(signs[0])]
            _label = _esc(self.tr("Vital signs"))  # outside the f-string, for lupdate
            html.append(f"<p><b>{_label}</b><br>{'，'.join(values)}</p>")
        for old in versions.earlier:
            html.append(
                "<p style='color:#757575'>"
                + _esc(
                    self.tr("Earlier version written {when} by {who}: {diagnosis}").format(
                        when=local(self.ctx, old.written_at),
                        who=record.staff_name(old.author_id),
                        diagnosis=old.diagnosis,
                    )
                )
                + "</p>"
            )
        if v.corrects_id is not None:
            html.append(
                "<p style='color:#757575'>"
                + _esc(
                    self.tr("Corrected {when} by {who}. Reason: {reason}").format(
                        when=local(self.ctx, v.written_at),
                        who=record.staff_name(v.author_id),
                        reason=v.correction_reason,
                    )
                )
                + "</p>"
            )
        self.detail.setHtml("".join(html))

    def new_visit(self) -> None:
        VisitDialog(self.ctx, self.file.patient_id, self).open()

    def correct_visit(self) -> None:
        versions = self._selected()
        if versions is None:
            self.file.message.show_error(self.tr("Choose a visit in the list first."))
            return
        VisitDialog(self.ctx, self.file.patient_id, self, correcting=versions.current).open()


class VisitDialog(FieldsDialog):
    """A visit (chief complaint, findings, diagnosis with ICD-10, plan) and its vital signs."""

    def __init__(
        self,
        ctx: AppContext,
        patient_id: uuid.UUID,
        parent: QWidget,
        *,
        correcting: clinical.VisitView | None = None,
    ) -> None:
        categories = [
            (c, tr_code("VisitCategory", clinical.VISIT_CATEGORY_LABELS[c]))
            for c in clinical.VISIT_CATEGORIES
        ]
        fields: list[tuple[str, str, str, Any]] = [
            ("category", self.tr("Kind of visit"), "choice", categories),
            ("chief_complaint", self.tr("Chief complaint"), "text", ()),
            ("findings", self.tr("Findings"), "text", ()),
            ("diagnosis", self.tr("Diagnosis"), "line", ()),
            ("icd10", self.tr("ICD-10 code (optional)"), "line", ()),
            ("plan", self.tr("Plan"), "text", ()),
        ]
        if correcting is not None:
            fields.append(("reason", self.tr("Reason for the correction"), "line", ()))
            super().__init__(
                ctx,
                parent,
                self.tr("Correct a visit"),
                fields,
                clinical.correct_visit,
                correcting.id,
                intro=self.tr(
                    "The visit as written is kept; the correction is "
                    "added with your name and the time."
                ),
            )
        else:
            super().__init__(
                ctx, parent, self.tr("New visit"), fields, record_visit_with_vitals, patient_id
            )
        self.setMinimumWidth(640)
        self.correcting = correcting
        self.confirmed: frozenset[str] = frozenset()
        self.vitals = VitalsBox(self)
        if correcting is None:
            layout = self.layout()
            assert isinstance(layout, QVBoxLayout)
            self.vitals_title = QLabel(self.tr("Vital signs (optional)"), self)
            layout.insertWidget(layout.count() - 2, self.vitals_title)
            layout.insertWidget(layout.count() - 2, self.vitals)
        else:
            self.vitals.hide()
            self._fill(correcting)

    def _fill(self, v: clinical.VisitView) -> None:
        from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit

        for name, widget in self.widgets.items():
            value = getattr(v, name, None)
            if value is None:
                continue
            if isinstance(widget, QPlainTextEdit):
                widget.setPlainText(str(value))
            elif isinstance(widget, QLineEdit):
                widget.setText(str(value))
            elif isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(0, widget.findData(value)))

    def values(self) -> dict[str, Any] | None:
        values = super().values()
        if values is None or self.correcting is not None:
            return values
        return {"visit": values, "vitals": self.vitals.texts(), "confirmed": self.confirmed}

    def _failed(self, error: BaseException) -> None:
        super()._failed(error)
        if isinstance(error, vital_rules.UnusualVitals):
            answer = QMessageBox.question(
                self,
                self.tr("Unusual readings"),
                full_error_text(error) + "\n\n" + self.tr("Record them anyway?"),
            )
            if answer == QMessageBox.StandardButton.Yes:
                self.confirmed = error.fields
                self.save()


class ContactsTab(QWidget):
    """Calls, messages and letters exchanged with the patient."""

    def __init__(self, file: PatientFileView) -> None:
        super().__init__(file)
        self.file = file
        self.ctx = file.ctx
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.log_button = QPushButton(self)
        self.log_button.setObjectName("log-contact")
        self.log_button.clicked.connect(self.log_contact)
        row.addWidget(self.log_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.table = ReadOnlyTable(self)
        self.table.setObjectName("contacts")
        layout.addWidget(self.table, 1)
        self.rows: list[patients.ContactEntry] = []

    def retranslate(self) -> None:
        self.log_button.setText(self.tr("Log a contact…"))
        self.log_button.setVisible(self.ctx.may(Action.PATIENT_EDIT))
        self.table.set_headers(
            [
                self.tr("When"),
                self.tr("How"),
                self.tr("Direction"),
                self.tr("Staff"),
                self.tr("Summary"),
            ]
        )
        self.show_rows(self.rows)

    def _channel_label(self, code: str) -> str:
        if code == "in_person":
            return self.tr("In person")
        return tr_code("Patient", CONTACT_CHANNELS.get(code, code))

    def show_rows(self, rows: list[patients.ContactEntry]) -> None:
        self.rows = rows
        self.table.set_rows(
            [
                (
                    c.id,
                    (
                        local(self.ctx, c.at),
                        self._channel_label(c.channel),
                        self.tr("Patient to us")
                        if c.direction == "in"
                        else self.tr("Us to patient"),
                        c.staff_name,
                        c.summary,
                    ),
                )
                for c in rows
            ]
        )

    def log_contact(self) -> None:
        channels = [(c, self._channel_label(c)) for c in patients.CONTACT_LOG_CHANNELS]
        FieldsDialog(
            self.ctx,
            self,
            self.tr("Log a contact"),
            [
                ("channel", self.tr("How"), "choice", channels),
                (
                    "direction",
                    self.tr("Direction"),
                    "choice",
                    [("out", self.tr("Us to patient")), ("in", self.tr("Patient to us"))],
                ),
                ("summary", self.tr("What was said or agreed"), "text", ()),
            ],
            patients.log_contact,
            self.file.patient_id,
        ).open()

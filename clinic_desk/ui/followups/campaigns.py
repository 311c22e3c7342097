"""Personal health reminders (spec E7; issue 9): one message to a chosen group.

The supervisor names the campaign, chooses who gets it (a condition, an age
range, sex, a visit since a date, a kind of visit), writes the text with the
placeholders the outbox fills in per patient, and sees as they type how many
patients will get it and who is skipped and why (opted out, no phone or e-mail,
...). Starting it queues one message per patient through the outbox, on each
patient's own channel; the past campaigns are listed beside it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QEvent, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.errors import ClinicError
from clinic_desk.core.outbox import templates
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import clinical, outbox
from clinic_desk.core.services.base import Actor, Clinic, Written
from clinic_desk.core.services.outbox import CampaignCriteria, CampaignView
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import error_text
from clinic_desk.ui.followups.outbox import message_state, skip_reason
from clinic_desk.ui.patients.common import ReadOnlyTable, full_error_text, local, tr_code
from clinic_desk.ui.settings.common import ERROR_COLOR, MessageLabel, hint_label
from clinic_desk.ui.settings.templates_tab import PlaceholderBar, render_sample, sms_length_text

PREVIEW_DELAY_MS = 400  # counting the group waits until the typing pauses
MAX_AGE = 120


def load_campaign_start(clinic: Clinic, actor: Actor) -> tuple[list[CampaignView], str, str]:
    """On the worker thread: the past campaigns and the shipped campaign wording."""
    campaigns = outbox.list_campaigns(clinic, actor)
    template = next((t for t in outbox.list_templates(clinic, actor) if t.code == "campaign"), None)
    return campaigns, template.subject if template else "", template.body if template else ""


class CampaignDialog(QDialog):
    """Start a health reminder for a group; the clinic's past campaigns on the right."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("campaignDialog")
        self.resize(1120, 720)
        self.busy = False
        self.campaigns: list[CampaignView] = []
        self.preview_result: tuple[int, dict[str, int]] | None = None
        self.previews = 0  # answers drawn (tests wait on them)
        self.loads = 0
        self.started: Written[CampaignView] | None = None
        self._ticket = 0
        outer = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        outer.addWidget(split, 1)

        left = QWidget(split)
        form_side = QVBoxLayout(left)
        form_side.setContentsMargins(0, 0, 6, 0)
        self.intro = hint_label(left)
        self.intro.setWordWrap(True)
        form_side.addWidget(self.intro)
        top = QFormLayout()
        self.name_label = QLabel(left)
        self.name = QLineEdit(left)
        self.name.setObjectName("campaignName")
        self.name.setMaxLength(200)
        top.addRow(self.name_label, self.name)
        form_side.addLayout(top)

        self.group_box = QGroupBox(left)
        group = QFormLayout(self.group_box)
        group.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.condition_label = QLabel(self.group_box)
        self.condition = QLineEdit(self.group_box)
        self.condition.setObjectName("campaignCondition")
        self.condition.setMaxLength(100)
        group.addRow(self.condition_label, self.condition)
        ages = QHBoxLayout()
        self.min_age = QSpinBox(self.group_box)
        self.min_age.setObjectName("campaignMinAge")
        self.max_age = QSpinBox(self.group_box)
        self.max_age.setObjectName("campaignMaxAge")
        self.age_to = QLabel(self.group_box)
        for spin in (self.min_age, self.max_age):
            # -1 shows as "any": no bound on that side.
            spin.setRange(-1, MAX_AGE)
            spin.setValue(-1)
        ages.addWidget(self.min_age)
        ages.addWidget(self.age_to)
        ages.addWidget(self.max_age)
        ages.addStretch(1)
        self.age_label = QLabel(self.group_box)
        group.addRow(self.age_label, ages)
        self.sex = QComboBox(self.group_box)
        self.sex.setObjectName("campaignSex")
        for code in ("", "F", "M"):
            self.sex.addItem("", code)
        self.sex_label = QLabel(self.group_box)
        group.addRow(self.sex_label, self.sex)
        since = QHBoxLayout()
        self.use_since = QCheckBox(self.group_box)
        self.use_since.setObjectName("campaignUseSince")
        self.since = QDateEdit(self.group_box)
        self.since.setObjectName("campaignSince")
        self.since.setCalendarPopup(True)
        self.since.setDisplayFormat("yyyy-MM-dd")
        a_year_ago = ctx.clinic.today().replace(day=1)
        a_year_ago = a_year_ago.replace(year=a_year_ago.year - 1)
        self.since.setDate(QDate(a_year_ago.year, a_year_ago.month, a_year_ago.day))
        self.since.setEnabled(False)
        self.use_since.toggled.connect(self.since.setEnabled)
        since.addWidget(self.use_since)
        since.addWidget(self.since)
        since.addStretch(1)
        self.since_label = QLabel(self.group_box)
        group.addRow(self.since_label, since)
        self.category = QComboBox(self.group_box)
        self.category.setObjectName("campaignCategory")
        self.category.addItem("", "")
        for code in clinical.VISIT_CATEGORIES:
            self.category.addItem("", code)
        self.category_label = QLabel(self.group_box)
        group.addRow(self.category_label, self.category)
        form_side.addWidget(self.group_box)
        self.count = QLabel(left)
        self.count.setObjectName("campaignCount")
        self.count.setWordWrap(True)
        font = QFont(self.count.font())
        font.setBold(True)
        self.count.setFont(font)
        form_side.addWidget(self.count)

        self.text_box = QGroupBox(left)
        text = QVBoxLayout(self.text_box)
        subject_row = QHBoxLayout()
        self.subject_label = QLabel(self.text_box)
        self.subject = QLineEdit(self.text_box)
        self.subject.setObjectName("campaignSubject")
        self.subject.setMaxLength(200)
        subject_row.addWidget(self.subject_label)
        subject_row.addWidget(self.subject, 1)
        text.addLayout(subject_row)
        self.body = QPlainTextEdit(self.text_box)
        self.body.setObjectName("campaignBody")
        self.body.setTabChangesFocus(True)
        self.placeholders = PlaceholderBar(self.body, self.text_box, codes=templates.AUTOMATIC)
        text.addWidget(self.placeholders)
        text.addWidget(self.body, 1)
        self.preview = QLabel(self.text_box)
        self.preview.setObjectName("campaignPreview")
        self.preview.setWordWrap(True)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.addWidget(self.preview)
        self.length = hint_label(self.text_box)
        self.length.setObjectName("campaignLength")
        text.addWidget(self.length)
        form_side.addWidget(self.text_box, 1)

        right = QWidget(split)
        past = QVBoxLayout(right)
        past.setContentsMargins(6, 0, 0, 0)
        self.past_title = QLabel(right)
        title_font = QFont(self.past_title.font())
        title_font.setBold(True)
        self.past_title.setFont(title_font)
        past.addWidget(self.past_title)
        self.table = ReadOnlyTable(right)
        self.table.setObjectName("campaignList")
        past.addWidget(self.table, 1)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)

        self.message = MessageLabel(self)
        self.message.setObjectName("campaignMessage")
        outer.addWidget(self.message)
        self.buttons = QDialogButtonBox(self)
        self.start_button = QPushButton(self)
        self.start_button.setObjectName("campaignStart")
        self.buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.start_button.clicked.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(PREVIEW_DELAY_MS)
        self._debounce.timeout.connect(self.count_group)
        self.condition.textChanged.connect(self._criteria_changed)
        for spin in (self.min_age, self.max_age):
            spin.valueChanged.connect(self._criteria_changed)
        for combo in (self.sex, self.category):
            combo.currentIndexChanged.connect(self._criteria_changed)
        self.use_since.toggled.connect(self._criteria_changed)
        self.since.dateChanged.connect(self._criteria_changed)
        self.body.textChanged.connect(self._text_changed)
        self.subject.textChanged.connect(self._text_changed)
        self.retranslate()
        self._load()
        self.count_group()

    # -- text -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Health reminders"))
        self.intro.setText(
            self.tr(
                "Send a seasonal tip or a reminder to a group of patients. Each gets it on "
                "their own channel (SMS, WeChat or e-mail), addressed politely; patients who "
                "opted out of messages are left out. Never name a diagnosis or a medicine "
                "in the text."
            )
        )
        self.name_label.setText(self.tr("Name"))
        self.name.setPlaceholderText(self.tr("e.g. Flu season 2026"))
        self.group_box.setTitle(self.tr("Who gets it"))
        self.condition_label.setText(self.tr("Condition contains"))
        self.condition.setPlaceholderText(self.tr("e.g. 高血压, or empty for everyone"))
        self.age_label.setText(self.tr("Age"))
        self.age_to.setText(self.tr("to"))
        for spin in (self.min_age, self.max_age):
            spin.setSpecialValueText(self.tr("any"))
        self.sex_label.setText(self.tr("Sex"))
        for i, text in enumerate((self.tr("Anyone"), self.tr("Women"), self.tr("Men"))):
            self.sex.setItemText(i, text)
        self.since_label.setText(self.tr("Visited since"))
        self.use_since.setText(self.tr("only patients seen since"))
        self.category_label.setText(self.tr("Kind of visit"))
        self.category.setItemText(0, self.tr("Any"))
        for i in range(1, self.category.count()):
            code = str(self.category.itemData(i))
            self.category.setItemText(
                i, tr_code("VisitCategory", clinical.VISIT_CATEGORY_LABELS.get(code, code))
            )
        self.text_box.setTitle(self.tr("The message"))
        self.subject_label.setText(self.tr("Subject (e-mail)"))
        self.placeholders.retranslate()
        self.past_title.setText(self.tr("Past health reminders"))
        self.table.set_headers(
            [
                self.tr("Started"),
                self.tr("Name"),
                self.tr("By"),
                self.tr("Queued"),
                self.tr("Skipped"),
                self.tr("Messages now"),
            ]
        )
        self.start_button.setText(self.tr("Start…"))
        self._show_count()
        self._fill()
        self._text_changed()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- loading --------------------------------------------------------------------------

    def _load(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            load_campaign_start,
            self.ctx.clinic,
            actor,
            on_success=self._loaded,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )

    def _loaded(self, answer: tuple[list[CampaignView], str, str]) -> None:
        campaigns, subject, body = answer
        self.campaigns = campaigns
        self.loads += 1
        # The shipped wording is where most campaigns start.
        if not self.body.toPlainText():
            self.body.setPlainText(body)
        if not self.subject.text():
            self.subject.setText(subject)
        self._fill()

    def _fill(self) -> None:
        rows = [
            (
                c.id,
                [
                    local(self.ctx, c.created_at),
                    c.name,
                    c.created_by_name,
                    str(c.queued),
                    self.skipped_text(c.skipped),
                    self.states_text(c.states),
                ],
            )
            for c in self.campaigns
        ]
        self.table.set_rows(rows)

    # -- the group ------------------------------------------------------------------------

    def criteria(self) -> CampaignCriteria:
        since = self.since.date()
        return CampaignCriteria(
            condition_contains=self.condition.text().strip(),
            min_age=self.min_age.value() if self.min_age.value() >= 0 else None,
            max_age=self.max_age.value() if self.max_age.value() >= 0 else None,
            sex=str(self.sex.currentData() or ""),
            visited_since=(
                date(since.year(), since.month(), since.day())
                if self.use_since.isChecked()
                else None
            ),
            category=str(self.category.currentData() or ""),
        )

    def _criteria_changed(self, *_: Any) -> None:
        self.preview_result = None
        self._show_count()
        self._debounce.start()

    def count_group(self) -> None:
        self._debounce.stop()
        actor = self.ctx.actor
        if actor is None:
            return
        self._ticket += 1
        ticket = self._ticket

        def show(result: tuple[int, dict[str, int]]) -> None:
            if ticket == self._ticket:  # only the answer for what is on screen now
                self.preview_result = result
                self.previews += 1
                self._show_count()

        def failed(error: BaseException) -> None:
            if ticket == self._ticket:
                self.previews += 1
                self.count.setText(full_error_text(error))

        self.ctx.runner.start(
            outbox.campaign_preview,
            self.ctx.clinic,
            actor,
            self.criteria(),
            on_success=show,
            on_error=failed,
            owner=self,
        )

    def skipped_text(self, skipped: dict[str, int]) -> str:
        """ "1 asked for no messages; 8 no mobile, e-mail or WeChat": most first."""
        order = {reason: i for i, reason in enumerate(outbox.SKIP_REASONS)}
        parts = [
            self.tr("{n} {reason}").format(n=n, reason=skip_reason(reason))
            for reason, n in sorted(
                skipped.items(), key=lambda kv: (-kv[1], order.get(kv[0], len(order)))
            )
            if n
        ]
        # The reasons hold commas themselves.
        return self.tr("; ").join(parts)

    def states_text(self, states: dict[str, int]) -> str:
        return self.tr("; ").join(
            self.tr("{n} {state}").format(n=states[s], state=message_state(s).lower())
            for s in outbox.STATES
            if states.get(s)
        )

    def count_text(self, result: tuple[int, dict[str, int]]) -> str:
        count, skipped = result
        total = sum(skipped.values())
        if not total:
            return self.tr("%n patient(s) will get it.", "", count)
        return self.tr("{reach}; %n skipped ({why}).", "", total).format(
            reach=self.tr("%n patient(s) will get it", "", count), why=self.skipped_text(skipped)
        )

    def _show_count(self) -> None:
        if self.preview_result is None:
            self.count.setText(self.tr("Counting the patients…"))
        else:
            self.count.setText(self.count_text(self.preview_result))
        self._update_buttons()

    def _text_changed(self) -> None:
        """Render for the sample patient as it is typed (pure text work, no database)."""
        try:
            _subject, body = render_sample(
                self.ctx.clinic, "campaign", self.subject.text(), self.body.toPlainText()
            )
        except ClinicError as error:
            self.preview.setStyleSheet(f"color: {ERROR_COLOR};")
            self.preview.setText(error_text(error))
            self.length.clear()
        else:
            self.preview.setStyleSheet("")
            self.preview.setText(self.tr("Ms Zhang reads: {text}").format(text=body))
            self.length.setText(sms_length_text(body))
        self._update_buttons()

    def _update_buttons(self) -> None:
        may = self.ctx.may(Action.FOLLOWUP_SUPERVISE)
        count = self.preview_result[0] if self.preview_result is not None else 0
        self.start_button.setEnabled(may and not self.busy and count > 0)
        self.close_button.setEnabled(not self.busy)

    # -- starting -------------------------------------------------------------------------

    def confirm_start(self, count: int) -> bool:
        """Queue the campaign for ``count`` patients? (tests replace this)"""
        answer = QMessageBox.question(
            self,
            self.tr("Start the health reminder"),
            self.tr(
                "Queue “{name}” for %n patient(s)? E-mails go with the next sending; SMS and "
                "WeChat messages with the next batch export.",
                "",
                count,
            ).format(name=self.name.text().strip()),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def start(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy or self.preview_result is None:
            return
        if not self.confirm_start(self.preview_result[0]):
            return
        self.busy = True
        self._update_buttons()
        self.message.show_info(self.tr("Queuing the messages…"))
        self.ctx.runner.start(
            outbox.start_campaign,
            self.ctx.clinic,
            actor,
            name=self.name.text(),
            subject=self.subject.text(),
            body=self.body.toPlainText(),
            criteria=self.criteria(),
            on_success=self._started,
            on_error=self._failed,
            owner=self,
        )

    def _started(self, written: Written[CampaignView]) -> None:
        self.busy = False
        self.started = written
        campaign = written.value
        text = self.tr("Queued for %n patient(s).", "", campaign.queued)
        if campaign.skipped:
            text += " " + self.tr("Not sent to: {who}.").format(
                who=self.skipped_text(campaign.skipped)
            )
        self.message.show_ok(text)
        self.ctx.broadcast(written.changes)
        self.campaigns = [campaign, *[c for c in self.campaigns if c.id != campaign.id]]
        self._fill()
        self.count_group()

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self._update_buttons()
        self.message.show_error(full_error_text(error))

    def reject(self) -> None:
        if not self.busy:
            super().reject()

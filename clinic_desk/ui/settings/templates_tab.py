"""Settings → Message templates (spec A5, E7; issue 9): the words of each message.

Each template has a subject (for e-mail) and a body with placeholders the outbox
fills per patient: {honorific}, {clinic}, {date}, ... The preview renders the
text for a sample patient (张女士, tomorrow at 09:30) as it is typed, counts its
characters as SMS platforms do, and shows the outbox's own sentence when the
text would be refused (an unknown placeholder, an empty body). Everyone who
works follow-ups reads them; supervisors edit them and restore the shipped
wording.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import cast

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.errors import ClinicError
from clinic_desk.core.outbox import templates
from clinic_desk.core.rules import honorifics
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import outbox
from clinic_desk.core.services.base import Changes, Clinic, Topic, Written
from clinic_desk.core.services.outbox import TemplateView
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import error_text
from clinic_desk.ui.patients.common import tr_code
from clinic_desk.ui.settings.common import MessageLabel, hint_label, title_label

# Chinese bulk-SMS platforms count every character alike: 70 fit one message; a
# longer text goes as parts of 67 (the rest carries the joining header).
SMS_SINGLE = 70
SMS_PART = 67
SAMPLE_TIME = time(9, 30)


def sms_parts(text: str) -> int:
    n = len(text)
    if n == 0:
        return 0
    return 1 if n <= SMS_SINGLE else math.ceil(n / SMS_PART)


def sms_length_text(text: str) -> str:
    """ "68 characters: 1 SMS", as the bulk platforms will bill it."""
    n = len(text)
    if n > templates.MAX_SMS_CHARS:
        return QCoreApplication.translate(
            "MessageTemplatesTab",
            "%n characters: too long for an SMS (at most {top}); it can go only by e-mail.",
            "",
            n,
        ).format(top=templates.MAX_SMS_CHARS)
    parts = sms_parts(text)
    if parts <= 1:
        return QCoreApplication.translate("MessageTemplatesTab", "%n characters: 1 SMS.", "", n)
    return QCoreApplication.translate(
        "MessageTemplatesTab",
        "%n characters: sent as {parts} SMS joined together ({single} characters fit in one).",
        "",
        n,
    ).format(parts=parts, single=SMS_SINGLE)


def sample_values(clinic: Clinic) -> dict[str, str]:
    """What the preview fills in: a sample patient, Ms Zhang, seen tomorrow at 09:30."""
    language = str(clinic.setting("clinic.language"))
    today = clinic.today()
    person = honorifics.Person(family_name="张", given_name="丽", sex="F", birth_date=None)
    lang = cast(honorifics.Language, language if language in honorifics.LANGUAGES else "zh_CN")
    moment = datetime.combine(today + timedelta(days=1), SAMPLE_TIME, clinic.timezone())
    doctor = "Dr Li" if lang == "en" else "李医生"
    values = templates.appointment_values(moment, clinic.timezone(), lang, doctor=doctor)
    values.update(
        honorific=honorifics.address(person, today=today, language=lang),
        clinic=str(clinic.setting("clinic.name")),
        clinic_phone=str(clinic.setting("clinic.phone")),
    )
    return values


def template_name(view: TemplateView) -> str:
    """The template's name: the shipped one in the interface's language, else the clinic's."""
    shipped = templates.TEMPLATE_NAMES.get(view.code, "")
    if not view.name or view.name == shipped:
        return tr_code("Outbox", shipped or view.code)
    return view.name


def render_sample(clinic: Clinic, code: str, subject: str, body: str) -> tuple[str, str]:
    """The subject and body as the sample patient would read them; ValidationError as
    ``outbox.save_template`` would refuse them (unknown placeholder, empty body, ...)."""
    subject, body = templates.check_template_for(code, subject, body)
    values = sample_values(clinic)
    return templates.render(subject, values), templates.render(body, values)


class PlaceholderBar(QWidget):
    """One button per placeholder; a click types it at the cursor of ``editor``."""

    def __init__(
        self,
        editor: QPlainTextEdit,
        parent: QWidget | None = None,
        *,
        codes: Sequence[str] = templates.PLACEHOLDERS,
    ) -> None:
        super().__init__(parent)
        self.editor = editor
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.buttons: dict[str, QPushButton] = {}
        for code in codes:
            button = QPushButton("{" + code + "}", self)
            button.setObjectName(f"placeholder_{code}")
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            button.clicked.connect(lambda _c=False, c=code: self.insert(c))
            self.buttons[code] = button
            layout.addWidget(button)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        for code, button in self.buttons.items():
            button.setToolTip(tr_code("Outbox", templates.PLACEHOLDER_LABELS.get(code, code)))

    def show_only(self, codes: Sequence[str]) -> None:
        """Offer only the placeholders this kind of message can fill."""
        for code, button in self.buttons.items():
            button.setVisible(code in codes)

    def insert(self, code: str) -> None:
        self.editor.insertPlainText("{" + code + "}")
        self.editor.setFocus()


class MessageTemplatesTab(QWidget):
    """The templates on the left; the chosen one's words, preview and length on the right."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("messageTemplatesTab")
        self.templates: dict[str, TemplateView] = {}
        self.code = ""
        self.changed = False
        self.busy = False
        self.loads = 0  # answers drawn (tests wait on them)
        self._filling = False
        layout = QHBoxLayout(self)
        self.list = QListWidget(self)
        self.list.setObjectName("templateList")
        self.list.setMaximumWidth(300)
        self.list.currentRowChanged.connect(self._chosen)
        layout.addWidget(self.list)

        right = QVBoxLayout()
        layout.addLayout(right, 1)
        self.title = title_label(self)
        right.addWidget(self.title)
        self.state = hint_label(self)
        self.state.setObjectName("templateState")
        right.addWidget(self.state)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.name_label = QLabel(self)
        self.name = QLineEdit(self)
        self.name.setObjectName("templateName")
        self.name.setMaxLength(templates.MAX_NAME)
        form.addRow(self.name_label, self.name)
        self.subject_label = QLabel(self)
        self.subject = QLineEdit(self)
        self.subject.setObjectName("templateSubject")
        self.subject.setMaxLength(templates.MAX_SUBJECT)
        form.addRow(self.subject_label, self.subject)
        self.active = QCheckBox(self)
        self.active.setObjectName("templateActive")
        form.addRow("", self.active)
        right.addLayout(form)
        self.body = QPlainTextEdit(self)
        self.body.setObjectName("templateBody")
        self.body.setTabChangesFocus(True)
        self.placeholders = PlaceholderBar(self.body, self)
        right.addWidget(self.placeholders)
        right.addWidget(self.body, 2)
        self.problem = MessageLabel(self)
        self.problem.setObjectName("templateProblem")
        right.addWidget(self.problem)

        self.preview_box = QGroupBox(self)
        preview = QVBoxLayout(self.preview_box)
        self.preview_subject = QLabel(self.preview_box)
        self.preview_subject.setObjectName("templatePreviewSubject")
        self.preview_subject.setWordWrap(True)
        self.preview_subject.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview = QLabel(self.preview_box)
        self.preview.setObjectName("templatePreview")
        self.preview.setWordWrap(True)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.length = hint_label(self.preview_box)
        self.length.setObjectName("templateLength")
        preview.addWidget(self.preview_subject)
        preview.addWidget(self.preview, 1)
        preview.addWidget(self.length)
        right.addWidget(self.preview_box, 1)

        self.readonly_note = hint_label(self)
        self.readonly_note.setWordWrap(True)
        right.addWidget(self.readonly_note)
        self.message = MessageLabel(self)
        self.message.setObjectName("templateMessage")
        right.addWidget(self.message)
        buttons = QHBoxLayout()
        self.restore_button = QPushButton(self)
        self.restore_button.setObjectName("restoreTemplate")
        self.restore_button.clicked.connect(self.restore_default)
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("saveTemplate")
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.restore_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        right.addLayout(buttons)

        for line in (self.name, self.subject):
            line.textChanged.connect(self._edited)
        self.body.textChanged.connect(self._edited)
        self.active.toggled.connect(self._edited)
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()
        self.reload()

    # -- text -----------------------------------------------------------------------------

    @property
    def may_edit(self) -> bool:
        return self.ctx.may(Action.FOLLOWUP_SUPERVISE)

    def retranslate(self) -> None:
        self.name_label.setText(self.tr("Name"))
        self.subject_label.setText(self.tr("Subject (e-mail)"))
        self.active.setText(self.tr("In use"))
        self.preview_box.setTitle(
            self.tr("Preview for a sample patient (Ms Zhang, tomorrow 09:30)")
        )
        self.readonly_note.setText(
            self.tr("Only a supervisor (the director or a health manager) can change the wording.")
        )
        self.restore_button.setText(self.tr("Restore the default…"))
        self.save_button.setText(self.tr("Save"))
        self.placeholders.retranslate()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setText(self._list_text(str(item.data(Qt.ItemDataRole.UserRole))))
        self._show_state()
        self._update_preview()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _list_text(self, code: str) -> str:
        view = self.templates.get(code)
        if view is None:
            return code
        name = template_name(view)
        if not view.is_default:
            return self.tr("{name} (changed)").format(name=name)
        return name

    # -- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            outbox.list_templates,
            self.ctx.clinic,
            actor,
            on_success=self._loaded,
            on_error=lambda e: self.message.show_error(error_text(e)),
            owner=self,
        )

    def _loaded(self, views: list[TemplateView]) -> None:
        self.templates = {v.code: v for v in views}
        self.loads += 1
        codes = [v.code for v in views]
        wanted = self.code if self.code in self.templates else (codes[0] if codes else "")
        self.list.blockSignals(True)
        self.list.clear()
        for code in codes:
            item = QListWidgetItem(self._list_text(code))
            item.setData(Qt.ItemDataRole.UserRole, code)
            self.list.addItem(item)
        if wanted:
            self.list.setCurrentRow(codes.index(wanted))
        self.list.blockSignals(False)
        self.show_template(wanted)

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.OUTBOX) and not (self.changed or self.busy):
            self.reload()
        elif changes.touches(Topic.SETTINGS):
            self._update_preview()  # the clinic's name or phone may have changed

    # -- one template ---------------------------------------------------------------------

    def show_template(self, code: str) -> None:
        view = self.templates.get(code)
        self.code = code
        self._filling = True
        try:
            self.title.setText(self._list_text(code) if view is not None else "")
            self.name.setText(template_name(view) if view is not None else "")
            self.subject.setText(view.subject if view is not None else "")
            self.body.setPlainText(view.body if view is not None else "")
            self.active.setChecked(view.active if view is not None else True)
            self.placeholders.show_only(
                templates.CODE_PLACEHOLDERS.get(code, templates.PLACEHOLDERS)
            )
        finally:
            self._filling = False
        self.changed = False
        self._show_state()
        self._update_preview()

    def _chosen(self, row: int) -> None:
        item = self.list.item(row)
        if item is None:
            return
        code = str(item.data(Qt.ItemDataRole.UserRole))
        if code == self.code:
            return
        if self.changed and not self.confirm_discard():
            self.list.blockSignals(True)
            self.list.setCurrentRow(self._row_of(self.code))
            self.list.blockSignals(False)
            return
        self.message.clear()
        self.show_template(code)

    def _row_of(self, code: str) -> int:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == code:
                return i
        return -1

    def confirm_discard(self) -> bool:
        """Leave a template with unsaved changes? (tests replace this)"""
        answer = QMessageBox.question(
            self,
            self.tr("Unsaved changes"),
            self.tr("The changes to “{name}” are not saved. Discard them?").format(
                name=self._list_text(self.code)
            ),
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def _edited(self, *_: object) -> None:
        if self._filling:
            return
        self.changed = True
        self.message.clear()
        self._show_state()
        self._update_preview()

    def _update_preview(self) -> None:
        """Render for the sample patient now: it is pure text work, no database."""
        if self.code not in self.templates:
            self.preview_subject.clear()
            self.preview.clear()
            self.length.clear()
            self.problem.clear()
            return
        try:
            subject, body = render_sample(
                self.ctx.clinic, self.code, self.subject.text(), self.body.toPlainText()
            )
        except ClinicError as error:
            self.problem.show_error(error_text(error))
            self.preview_subject.clear()
            self.preview.clear()
            self.length.clear()
            return
        self.problem.clear()
        self.preview_subject.setText(
            self.tr("Subject: {subject}").format(subject=subject) if subject else ""
        )
        self.preview_subject.setVisible(bool(subject))
        self.preview.setText(body)
        self.length.setText(sms_length_text(body))

    def _show_state(self) -> None:
        view = self.templates.get(self.code)
        may_edit = self.may_edit
        if view is None:
            self.state.clear()
        elif self.changed:
            self.state.setText(self.tr("Changed here, not saved yet."))
        elif view.is_default:
            self.state.setText(self.tr("The shipped wording."))
        else:
            self.state.setText(self.tr("Changed by the clinic."))
        for w in (self.name, self.subject, self.body):
            w.setReadOnly(not may_edit or self.busy)
        self.active.setEnabled(may_edit and not self.busy)
        self.placeholders.setEnabled(may_edit and not self.busy)
        self.restore_button.setVisible(may_edit)
        self.save_button.setVisible(may_edit)
        self.readonly_note.setVisible(not may_edit)
        idle = view is not None and not self.busy
        self.save_button.setEnabled(idle and self.changed)
        self.restore_button.setEnabled(
            idle and (self.changed or (view is not None and not view.is_default))
        )

    # -- saving ---------------------------------------------------------------------------

    def save(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy or not self.may_edit or self.code not in self.templates:
            return
        self.busy = True
        self._show_state()
        self.ctx.runner.start(
            outbox.save_template,
            self.ctx.clinic,
            actor,
            self.code,
            name=self._name_to_store(),
            subject=self.subject.text(),
            body=self.body.toPlainText(),
            active=self.active.isChecked(),
            on_success=lambda w: self._saved(w, self.tr("Saved. New messages use this wording.")),
            on_error=self._failed,
            owner=self,
        )

    def _name_to_store(self) -> str:
        """The shipped name stays the shipped one (each language shows its translation)."""
        view = self.templates.get(self.code)
        typed = self.name.text()
        if view is not None and typed.strip() == template_name(view).strip():
            return view.name
        return typed

    def _saved(self, written: Written[TemplateView], text: str) -> None:
        self.busy = False
        view = written.value
        self.templates[view.code] = view
        row = self._row_of(view.code)
        if row >= 0:
            self.list.item(row).setText(self._list_text(view.code))
        if view.code == self.code:
            self.show_template(view.code)
        self.message.show_ok(text)
        self.ctx.broadcast(written.changes)

    def _failed(self, error: BaseException) -> None:
        # The service's refusal goes under the editor, where the wording is fixed.
        self.busy = False
        self._show_state()
        self.problem.show_error(error_text(error))

    def confirm_restore(self) -> bool:
        """Put the shipped wording back? (tests replace this)"""
        answer = QMessageBox.question(
            self,
            self.tr("Restore the default wording"),
            self.tr("Replace the wording of “{name}” with the one ClinicDesk ships?").format(
                name=self._list_text(self.code)
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def restore_default(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy or not self.may_edit or self.code not in self.templates:
            return
        if not self.confirm_restore():
            return
        self.busy = True
        self._show_state()
        self.ctx.runner.start(
            outbox.reset_template,
            self.ctx.clinic,
            actor,
            self.code,
            on_success=lambda w: self._saved(w, self.tr("The default wording is back.")),
            on_error=self._failed,
            owner=self,
        )

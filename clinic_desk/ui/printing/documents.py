"""Printing the patient hand-outs, forms and letters from the screens that offer them.

Each document is read (``services.printouts``) and built as a PDF on the
worker thread; the preview, with "Save as PDF…", runs on the GUI thread. The
fixed words are translated here, on the GUI thread (``labels``), and handed to
the Qt-free core. The PDF only ever lives in memory until the person prints it
or saves it where they choose.

The ``build_*`` functions are the worker side (plain arguments, bytes out);
the ``print_*`` functions start them and show the result.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.printing.forms import (
    FollowUpFormLabels,
    ReferralLetterLabels,
    followup_form_pdf,
    referral_letter_pdf,
)
from clinic_desk.core.printing.handouts import (
    ContactCardLabels,
    FirstVisitLabels,
    SlipLabels,
    appointment_slip_pdf,
    contact_card_pdf,
    first_visit_sheet_pdf,
)
from clinic_desk.core.printing.medication_card import (
    MedicationCardLabels,
    medication_card_pdf,
)
from clinic_desk.core.printing.membership_card import (
    MembershipCardLabels,
    membership_card_pdf,
)
from clinic_desk.core.services import printouts
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import ui_language
from clinic_desk.ui.operations.runner import Operation
from clinic_desk.ui.patients.common import combo_index, full_error_text
from clinic_desk.ui.printing import labels, preview

PAPER_SIZES = ("A6", "A5", "A4")
FIRST_VISIT_PAGE = "A5"
FORM_PAGE = "A4"


# -- worker side (no widgets) ----------------------------------------------------------------


def build_medication_card_pdf(
    clinic: Clinic,
    actor: Actor,
    job: printouts.MedicationCardJob,
    card_labels: MedicationCardLabels,
    second: MedicationCardLabels | None,
    *,
    page: str,
    large_print: bool,
) -> bytes:
    # The patient's data was read (and the read audited) when the job was made.
    settings = printouts.print_settings(clinic, actor)
    card = job.card if second is not None else replace(job.card, patient_second="")
    return medication_card_pdf(
        card,
        labels=card_labels,
        second=second,
        page=page,
        large_print=large_print,
        extra_margin_mm=settings.extra_margin_mm,
    )


def build_appointment_slip_pdf(
    clinic: Clinic, actor: Actor, appointment_id: uuid.UUID, *, labels: SlipLabels, language: str
) -> bytes:
    slip = printouts.appointment_slip(clinic, actor, appointment_id, language=language)
    settings = printouts.print_settings(clinic, actor)
    return appointment_slip_pdf(
        slip, labels=labels, page=settings.slip_size, extra_margin_mm=settings.extra_margin_mm
    )


def build_first_visit_sheet_pdf(
    clinic: Clinic,
    actor: Actor,
    *,
    labels: FirstVisitLabels,
    language: str,
    appointment_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
) -> bytes:
    sheet = printouts.first_visit_sheet(
        clinic, actor, appointment_id=appointment_id, patient_id=patient_id, language=language
    )
    settings = printouts.print_settings(clinic, actor)
    return first_visit_sheet_pdf(
        sheet, labels=labels, page=FIRST_VISIT_PAGE, extra_margin_mm=settings.extra_margin_mm
    )


def build_contact_card_pdf(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID | None,
    *,
    labels: ContactCardLabels,
    language: str,
) -> bytes:
    card = printouts.contact_card(clinic, actor, patient_id, language=language)
    settings = printouts.print_settings(clinic, actor)
    return contact_card_pdf(
        card, labels=labels, page=settings.slip_size, extra_margin_mm=settings.extra_margin_mm
    )


def build_membership_card_pdf(
    clinic: Clinic,
    actor: Actor,
    membership_id: uuid.UUID,
    patient_id: uuid.UUID | None = None,
    *,
    labels: MembershipCardLabels,
    language: str,
    sheet: bool = False,
) -> bytes:
    card = printouts.membership_card(clinic, actor, membership_id, patient_id, language=language)
    settings = printouts.print_settings(clinic, actor)
    return membership_card_pdf(
        card, labels=labels, sheet=sheet, extra_margin_mm=settings.extra_margin_mm
    )


def build_followup_form_pdf(
    clinic: Clinic, actor: Actor, patient_id: uuid.UUID | None, *, labels: FollowUpFormLabels
) -> bytes:
    form = printouts.followup_form(clinic, actor, patient_id)
    settings = printouts.print_settings(clinic, actor)
    return followup_form_pdf(
        form, labels=labels, page=FORM_PAGE, extra_margin_mm=settings.extra_margin_mm
    )


def build_referral_letter_pdf(
    clinic: Clinic,
    actor: Actor,
    referral_id: uuid.UUID,
    *,
    labels: ReferralLetterLabels,
    break_glass_reason: str | None = None,
) -> bytes:
    letter = printouts.referral_letter(
        clinic, actor, referral_id, break_glass_reason=break_glass_reason
    )
    settings = printouts.print_settings(clinic, actor)
    return referral_letter_pdf(
        letter, labels=labels, page=FORM_PAGE, extra_margin_mm=settings.extra_margin_mm
    )


# -- GUI side --------------------------------------------------------------------------------


def _file_name(title: str) -> str:
    # No patient name in the suggested file name: file lists and recent-file menus show it.
    return "".join(c if c not in '\\/:*?"<>|' else "-" for c in title.strip()) + ".pdf"


def start_print(
    ctx: AppContext,
    parent: QWidget,
    build: Callable[..., bytes],
    *args: Any,
    title: str,
    file_name: str | None = None,
    on_done: Callable[[bytes], None] | None = None,
    **kwargs: Any,
) -> Operation | None:
    """Build the PDF on the worker, then preview it (print, or save as PDF under
    ``file_name``, by default the title)."""
    actor = ctx.actor
    if actor is None:
        return None
    save_name = file_name if file_name is not None else _file_name(title)

    def show(data: bytes) -> None:
        if on_done is not None:
            on_done(data)
        preview.preview_and_print_pdf(parent, data, title=title, save_name=save_name)

    def fail(error: BaseException) -> None:
        QMessageBox.warning(parent, title, full_error_text(error))

    return ctx.runner.start(
        build,
        ctx.clinic,
        actor,
        *args,
        on_success=show,
        on_error=fail,
        owner=parent,
        **kwargs,
    )


def print_appointment_slip(
    ctx: AppContext, parent: QWidget, appointment_id: uuid.UUID
) -> Operation | None:
    title = QCoreApplication.translate("PrintDocuments", "Appointment slip")
    return start_print(
        ctx,
        parent,
        build_appointment_slip_pdf,
        appointment_id,
        title=title,
        labels=labels.slip_labels(),
        language=ui_language(),
    )


def print_first_visit_sheet(
    ctx: AppContext,
    parent: QWidget,
    *,
    appointment_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
) -> Operation | None:
    title = QCoreApplication.translate("PrintDocuments", "First-visit information")
    return start_print(
        ctx,
        parent,
        build_first_visit_sheet_pdf,
        title=title,
        labels=labels.first_visit_labels(),
        language=ui_language(),
        appointment_id=appointment_id,
        patient_id=patient_id,
    )


def print_contact_card(
    ctx: AppContext, parent: QWidget, patient_id: uuid.UUID | None = None
) -> Operation | None:
    title = QCoreApplication.translate("PrintDocuments", "Contact card")
    return start_print(
        ctx,
        parent,
        build_contact_card_pdf,
        patient_id,
        title=title,
        labels=labels.contact_card_labels(),
        language=ui_language(),
    )


# Whether the last membership card printed on this computer went on A4 paper: a card
# printer belongs to one desk, so the choice is offered again as it was last made.
_last_card_sheet = {"sheet": True}


class MembershipCardDialog(QDialog):
    """Card printer (85.6 x 54 mm cards, front then back) or an A4 sheet to cut out."""

    def __init__(self, parent: QWidget | None = None, *, sheet: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("membership-card-options")
        self.setMinimumWidth(380)
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.card_stock = QRadioButton(self)
        self.card_stock.setObjectName("card-stock")
        self.a4_sheet = QRadioButton(self)
        self.a4_sheet.setObjectName("a4-sheet")
        layout.addWidget(self.card_stock)
        layout.addWidget(self.a4_sheet)
        (self.a4_sheet if sheet else self.card_stock).setChecked(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Print membership card"))
        self.intro.setText(self.tr("Where will the card be printed?"))
        self.card_stock.setText(
            self.tr("On a card printer (85.6 × 54 mm cards, the front then the back)")
        )
        self.a4_sheet.setText(self.tr("On A4 paper, to cut out (the front and back side by side)"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Preview…"))

    def sheet(self) -> bool:
        return self.a4_sheet.isChecked()


def print_membership_card(
    ctx: AppContext,
    parent: QWidget,
    membership_id: uuid.UUID,
    patient_id: uuid.UUID | None = None,
    *,
    sheet: bool | None = None,
) -> Operation | None:
    """The member's card (``patient_id``) or every member's; ``sheet`` None asks whether
    it goes on a card printer or on A4 paper (the dialog stays a child of ``parent``,
    "membership-card-options"), and returns None until it is answered."""
    title = QCoreApplication.translate("PrintDocuments", "Membership card")

    def start(on_sheet: bool) -> Operation | None:
        _last_card_sheet["sheet"] = on_sheet
        return start_print(
            ctx,
            parent,
            build_membership_card_pdf,
            membership_id,
            patient_id,
            title=title,
            labels=labels.membership_card_labels(),
            language=ui_language(),
            sheet=on_sheet,
        )

    if sheet is not None:
        return start(sheet)
    dialog = MembershipCardDialog(parent, sheet=_last_card_sheet["sheet"])
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: start(dialog.sheet()))
    dialog.open()
    return None


def print_followup_form(
    ctx: AppContext, parent: QWidget, patient_id: uuid.UUID | None = None
) -> Operation | None:
    title = QCoreApplication.translate("PrintDocuments", "Follow-up call record")
    return start_print(
        ctx,
        parent,
        build_followup_form_pdf,
        patient_id,
        title=title,
        labels=labels.followup_form_labels(),
    )


def print_referral_letter(
    ctx: AppContext,
    parent: QWidget,
    referral_id: uuid.UUID,
    *,
    break_glass_reason: str | None = None,
) -> Operation | None:
    title = QCoreApplication.translate("PrintDocuments", "Referral letter")
    return start_print(
        ctx,
        parent,
        build_referral_letter_pdf,
        referral_id,
        title=title,
        labels=labels.referral_letter_labels(),
        break_glass_reason=break_glass_reason,
    )


# -- the medication card: read, choose, build -------------------------------------------------


@dataclass(frozen=True)
class CardChoice:
    large_print: bool
    bilingual: bool
    page: str


def second_language(primary: str, clinic_language: str) -> str:
    """The other half of a bilingual card: English beside Chinese, or Chinese beside English."""
    if primary in ("zh_CN", "zh_TW"):
        return "en"
    return clinic_language if clinic_language in ("zh_CN", "zh_TW") else "zh_CN"


class MedicationCardDialog(QDialog):
    """Large print (suggested from the patient's age), bilingual, and the card size."""

    def __init__(
        self,
        job: printouts.MedicationCardJob,
        settings: printouts.PrintSettings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("medication-card-options")
        self.setMinimumWidth(380)
        self.job = job
        self.settings = settings
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        self.large = QCheckBox(self)
        self.large.setObjectName("large-print")
        self.large.setChecked(job.large_print)
        form.addRow(self.large)
        self.hint = QLabel(self)
        self.hint.setObjectName("large-print-hint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #757575;")
        form.addRow(self.hint)
        self.bilingual = QCheckBox(self)
        self.bilingual.setObjectName("bilingual")
        form.addRow(self.bilingual)
        self.card_size = QComboBox(self)
        self.card_size.setObjectName("card-size")
        self.size_label = QLabel(self)
        form.addRow(self.size_label, self.card_size)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.size_touched = False
        self.retranslate()
        self._pick_size()
        self.large.toggled.connect(self._large_toggled)
        self.card_size.activated.connect(self._size_chosen)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Print medication card"))
        self.large.setText(self.tr("Large print (大字版)"))
        self.bilingual.setText(self.tr("Chinese and English"))
        self.size_label.setText(self.tr("Size"))
        age = self.job.age
        threshold = self.settings.large_print_age
        if age is not None and age >= threshold:
            self.hint.setText(
                self.tr("Suggested: the patient is {age}; large print from age {n}.").format(
                    age=age, n=threshold
                )
            )
        else:
            self.hint.setText(
                self.tr("Large print is suggested from age {n} (Settings, Printing).").format(
                    n=threshold
                )
            )
        current = self.card_size.currentData()
        self.card_size.clear()
        names = {
            "A6": self.tr("A6 card"),
            "A5": self.tr("A5"),
            "A4": self.tr("A4"),
        }
        for page in PAPER_SIZES:
            self.card_size.addItem(names[page], page)
        stock = self.settings.label_stock
        self.card_size.addItem(self.tr("Label ({stock})").format(stock=stock), stock)
        if current is not None:
            self.card_size.setCurrentIndex(max(0, combo_index(self.card_size, current)))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Preview…"))

    def _pick_size(self) -> None:
        s = self.settings
        wanted = s.large_print_size if self.large.isChecked() else s.card_size
        self.card_size.setCurrentIndex(max(0, combo_index(self.card_size, wanted)))

    def _large_toggled(self, _on: bool) -> None:
        if not self.size_touched:  # follow the setting until the person picks a size
            self._pick_size()

    def _size_chosen(self, _index: int) -> None:
        self.size_touched = True

    def choice(self) -> CardChoice:
        return CardChoice(
            large_print=self.large.isChecked(),
            bilingual=self.bilingual.isChecked(),
            page=str(self.card_size.currentData()),
        )


def _read_card(
    clinic: Clinic,
    actor: Actor,
    prescription_id: uuid.UUID,
    *,
    language: str,
    second_language: str,
    break_glass_reason: str | None,
) -> tuple[printouts.MedicationCardJob, printouts.PrintSettings]:
    job = printouts.medication_card(
        clinic,
        actor,
        prescription_id,
        language=language,
        second_language=second_language,
        break_glass_reason=break_glass_reason,
    )
    return job, printouts.print_settings(clinic, actor)


class MedicationCardPrinter:
    """Read the prescription, ask large print / bilingual / size, build and preview."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget,
        prescription_id: uuid.UUID,
        *,
        break_glass_reason: str | None = None,
    ) -> None:
        self.ctx = ctx
        self.parent = parent
        self.prescription_id = prescription_id
        self.break_glass_reason = break_glass_reason
        self.dialog: MedicationCardDialog | None = None
        self.language = ui_language()
        clinic_language = str(ctx.clinic.setting("clinic.language"))
        self.second_language = second_language(self.language, clinic_language)

    def start(self) -> Operation | None:
        actor = self.ctx.actor
        if actor is None:
            return None
        return self.ctx.runner.start(
            _read_card,
            self.ctx.clinic,
            actor,
            self.prescription_id,
            language=self.language,
            second_language=self.second_language,
            break_glass_reason=self.break_glass_reason,
            on_success=self._read,
            on_error=self._failed,
            owner=self.parent,
        )

    def _failed(self, error: BaseException) -> None:
        QMessageBox.warning(
            self.parent,
            QCoreApplication.translate("PrintDocuments", "Medication card"),
            full_error_text(error),
        )

    def _read(self, result: tuple[printouts.MedicationCardJob, printouts.PrintSettings]) -> None:
        job, settings = result
        dialog = MedicationCardDialog(job, settings, self.parent)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.build(job, dialog.choice()))
        dialog.open()

    def build(self, job: printouts.MedicationCardJob, choice: CardChoice) -> Operation | None:
        card_labels = labels.medication_card_labels()
        second = None
        if choice.bilingual:
            translate = labels.translator_for(self.second_language)
            second = labels.medication_card_labels(translate)
            if self.language not in ("zh_CN", "zh_TW"):
                # Chinese first on a bilingual card, English under it.
                card_labels, second = second, card_labels
                card = job.card
                job = replace(
                    job,
                    card=replace(card, patient=card.patient_second, patient_second=card.patient),
                )
        title = QCoreApplication.translate("PrintDocuments", "Medication card")
        return start_print(
            self.ctx,
            self.parent,
            build_medication_card_pdf,
            job,
            card_labels,
            second,
            title=title,
            page=choice.page,
            large_print=choice.large_print,
        )


def print_medication_card(
    ctx: AppContext,
    parent: QWidget,
    prescription_id: uuid.UUID,
    *,
    break_glass_reason: str | None = None,
) -> MedicationCardPrinter:
    printer = MedicationCardPrinter(
        ctx, parent, prescription_id, break_glass_reason=break_glass_reason
    )
    printer.start()
    return printer

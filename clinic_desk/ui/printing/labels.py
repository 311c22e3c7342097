"""The fixed words of every printed document, translated for the Qt-free core.

The core's documents take a labels dataclass of English defaults; these
functions fill one in a language. The strings are marked with
``QT_TRANSLATE_NOOP`` (so lupdate extracts them) and translated through a
``Translate`` callable: the interface's own language by default, or another
one's ``.qm`` (``translator_for``) for the Chinese half of a bilingual card
printed from an English interface. The code tables (times of day, how often,
before or after meals) reuse the core's "Prescription" strings.

Call these on the GUI thread; the dataclasses they return are plain and may be
handed to a worker.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.paths import resources_dir
from clinic_desk.core.printing.forms import FollowUpFormLabels, ReferralLetterLabels
from clinic_desk.core.printing.handouts import ContactCardLabels, FirstVisitLabels, SlipLabels
from clinic_desk.core.printing.medication_card import MedicationCardLabels
from clinic_desk.core.printing.membership_card import MembershipCardLabels
from clinic_desk.core.rules import prescribing
from clinic_desk.core.services import membership

Translate = Callable[[str, str], str]
CONTEXT = "PrintLabels"
_translators: dict[str, QTranslator] = {}


def ui_translate(context: str, text: str) -> str:
    return QCoreApplication.translate(context, text)


def translator_for(language: str) -> Translate:
    """Translate into ``language`` without switching the interface (English: as is)."""
    if language not in ("zh_CN", "zh_TW"):
        return lambda _context, text: text
    translator = _translators.get(language)
    if translator is None:
        translator = QTranslator()
        translator.load(str(resources_dir() / "translations" / f"clinicdesk_{language}.qm"))
        _translators[language] = translator

    def translate(context: str, text: str) -> str:
        return translator.translate(context, text) or text

    return translate


def _locale(language: str | None) -> QLocale:
    if language is None:
        return QLocale()
    return QLocale(language if language != "en" else "en_US")


def weekdays(language: str | None = None, *, short: bool = False) -> tuple[str, ...]:
    """Qt knows the weekday names in every language (1 = Monday)."""
    kind = QLocale.FormatType.ShortFormat if short else QLocale.FormatType.LongFormat
    locale = _locale(language)
    return tuple(locale.dayName(d, kind) for d in range(1, 8))


def _printing(translate: Translate) -> Callable[[str], str]:
    """``translate`` for this module's own words (context "PrintLabels")."""
    return functools.partial(translate, CONTEXT)


def _table(translate: Translate, table: dict[str, str]) -> dict[str, str]:
    return {code: translate(prescribing.CONTEXT, label) for code, label in table.items()}


# The meal timings said under a dot ("at bedtime" is a column of its own, "any" needs no word).
_MEAL_CODES = ("before_meal", "after_meal", "with_meal", "empty_stomach")


def medication_card_labels(translate: Translate = ui_translate) -> MedicationCardLabels:
    t = _printing(translate)

    return MedicationCardLabels(
        title=t(QT_TRANSLATE_NOOP("PrintLabels", "Medication reminder card")),
        title_large=t(QT_TRANSLATE_NOOP("PrintLabels", "Medication reminder card (large print)")),
        continued=t(QT_TRANSLATE_NOOP("PrintLabels", "{title} (continued)")),
        card_no=t(QT_TRANSLATE_NOOP("PrintLabels", "Card {n} / {total}")),
        date_format=t(QT_TRANSLATE_NOOP("PrintLabels", "{year}-{month:02d}-{day:02d}")),
        issued=t(QT_TRANSLATE_NOOP("PrintLabels", "Issued {date}")),
        issued_by=t(QT_TRANSLATE_NOOP("PrintLabels", "Issued {date} by {doctor}")),
        drug=t(QT_TRANSLATE_NOOP("PrintLabels", "Medicine")),
        dose=t(QT_TRANSLATE_NOOP("PrintLabels", "{dose} each time")),
        days=t(QT_TRANSLATE_NOOP("PrintLabels", "for {n} days")),
        one_day=t(QT_TRANSLATE_NOOP("PrintLabels", "for 1 day")),
        caution=t(QT_TRANSLATE_NOOP("PrintLabels", "Caution: {text}")),
        questions=t(QT_TRANSLATE_NOOP("PrintLabels", "Questions? Call {phone}")),
        times=_table(translate, prescribing.TIME_LABELS),
        frequencies=_table(translate, {c: f.label for c, f in prescribing.FREQUENCIES.items()}),
        timings=_table(translate, prescribing.TIMINGS),
        routes=_table(translate, prescribing.ROUTES),
        meal_short=_table(translate, {code: prescribing.TIMINGS[code] for code in _MEAL_CODES}),
    )


def slip_labels(translate: Translate = ui_translate, language: str | None = None) -> SlipLabels:
    t = _printing(translate)

    return SlipLabels(
        title=t(QT_TRANSLATE_NOOP("PrintLabels", "Appointment slip")),
        greeting=t(QT_TRANSLATE_NOOP("PrintLabels", "{name}, your appointment is:")),
        date_format=t(QT_TRANSLATE_NOOP("PrintLabels", "{weekday} {year}-{month:02d}-{day:02d}")),
        weekdays=weekdays(language),
        length=t(QT_TRANSLATE_NOOP("PrintLabels", "{n} minutes")),
        doctor=t(QT_TRANSLATE_NOOP("PrintLabels", "Doctor")),
        place=t(QT_TRANSLATE_NOOP("PrintLabels", "Place")),
        purpose=t(QT_TRANSLATE_NOOP("PrintLabels", "For")),
        record_no=t(QT_TRANSLATE_NOOP("PrintLabels", "Record no.")),
        bring=t(QT_TRANSLATE_NOOP("PrintLabels", "Please bring")),
        bring_default=t(
            QT_TRANSLATE_NOOP(
                "PrintLabels",
                "Your ID card, your medical insurance card, and the medicines you take now.",
            )
        ),
        change=t(QT_TRANSLATE_NOOP("PrintLabels", "To change or cancel")),
        change_call_by=t(
            QT_TRANSLATE_NOOP("PrintLabels", "Call us on {phone} before {time} the day before.")
        ),
        change_call=t(QT_TRANSLATE_NOOP("PrintLabels", "Call us on {phone} as early as you can.")),
        change_desk_by=t(
            QT_TRANSLATE_NOOP("PrintLabels", "Tell the front desk before {time} the day before.")
        ),
        change_desk=t(QT_TRANSLATE_NOOP("PrintLabels", "Tell the front desk as early as you can.")),
        first_visit=t(
            QT_TRANSLATE_NOOP(
                "PrintLabels",
                "This is your first visit: please come a little early to register.",
            )
        ),
        phone=t(QT_TRANSLATE_NOOP("PrintLabels", "Phone {phone}")),
    )


def first_visit_labels(
    translate: Translate = ui_translate, language: str | None = None
) -> FirstVisitLabels:
    t = _printing(translate)

    return FirstVisitLabels(
        title=t(QT_TRANSLATE_NOOP("PrintLabels", "Your first visit")),
        welcome=t(QT_TRANSLATE_NOOP("PrintLabels", "Welcome, {name}.")),
        welcome_plain=t(QT_TRANSLATE_NOOP("PrintLabels", "Welcome to {clinic}.")),
        appointment=t(QT_TRANSLATE_NOOP("PrintLabels", "Your appointment")),
        appointment_text=t(QT_TRANSLATE_NOOP("PrintLabels", "{day} {time}, {doctor}")),
        appointment_no_doctor=t(QT_TRANSLATE_NOOP("PrintLabels", "{day} {time}")),
        date_format=t(QT_TRANSLATE_NOOP("PrintLabels", "{weekday} {year}-{month:02d}-{day:02d}")),
        weekdays=weekdays(language),
        weekdays_short=weekdays(language, short=True),
        day_range=t(QT_TRANSLATE_NOOP("PrintLabels", "{first}–{last}")),
        where=t(QT_TRANSLATE_NOOP("PrintLabels", "How to find us")),
        address=t(QT_TRANSLATE_NOOP("PrintLabels", "Address")),
        phone=t(QT_TRANSLATE_NOOP("PrintLabels", "Phone")),
        hours=t(QT_TRANSLATE_NOOP("PrintLabels", "Opening hours")),
        before=t(QT_TRANSLATE_NOOP("PrintLabels", "Parking and what to bring")),
        questions=t(QT_TRANSLATE_NOOP("PrintLabels", "Questions? Call us on {phone}.")),
        page=t(QT_TRANSLATE_NOOP("PrintLabels", "Page {n} / {total}")),
    )


def contact_card_labels(
    translate: Translate = ui_translate, language: str | None = None
) -> ContactCardLabels:
    t = _printing(translate)

    return ContactCardLabels(
        title=t(QT_TRANSLATE_NOOP("PrintLabels", "Contact card")),
        for_patient=t(QT_TRANSLATE_NOOP("PrintLabels", "For {name}")),
        doctor=t(QT_TRANSLATE_NOOP("PrintLabels", "Your doctor: {name}")),
        intro=t(
            QT_TRANSLATE_NOOP(
                "PrintLabels",
                "Call us whenever you have a question about your health or your visit.",
            )
        ),
        phone=t(QT_TRANSLATE_NOOP("PrintLabels", "Phone")),
        hours=t(QT_TRANSLATE_NOOP("PrintLabels", "Opening hours")),
        address=t(QT_TRANSLATE_NOOP("PrintLabels", "Address")),
        weekdays_short=weekdays(language, short=True),
        day_range=t(QT_TRANSLATE_NOOP("PrintLabels", "{first}–{last}")),
        scan=t(QT_TRANSLATE_NOOP("PrintLabels", "Scan to save our contact")),
    )


def membership_card_labels(translate: Translate = ui_translate) -> MembershipCardLabels:
    t = _printing(translate)

    return MembershipCardLabels(
        title=t(QT_TRANSLATE_NOOP("PrintLabels", "Membership card")),
        member=t(QT_TRANSLATE_NOOP("PrintLabels", "Member")),
        card_no=t(QT_TRANSLATE_NOOP("PrintLabels", "Card no.")),
        valid_until=t(QT_TRANSLATE_NOOP("PrintLabels", "Valid until {date}")),
        valid_between=t(QT_TRANSLATE_NOOP("PrintLabels", "Valid {first} to {last}")),
        date_format=t(QT_TRANSLATE_NOOP("PrintLabels", "{year}-{month:02d}-{day:02d}")),
        benefits=t(QT_TRANSLATE_NOOP("PrintLabels", "Member benefits")),
        per_year=t(QT_TRANSLATE_NOOP("PrintLabels", "{label}: {n} a year")),
        per_years=t(QT_TRANSLATE_NOOP("PrintLabels", "{label}: {n} every {count} years")),
        per_month=t(QT_TRANSLATE_NOOP("PrintLabels", "{label}: {n} a month")),
        per_months=t(QT_TRANSLATE_NOOP("PrintLabels", "{label}: {n} every {count} months")),
        # The benefits' names are the membership screens' own ("Membership" context).
        benefit_names={
            key: translate(membership.CONTEXT, label) for key, label in membership.BENEFITS.items()
        },
        phone=t(QT_TRANSLATE_NOOP("PrintLabels", "Phone {phone}")),
        present=t(QT_TRANSLATE_NOOP("PrintLabels", "Present this card at the desk.")),
        cut=t(
            QT_TRANSLATE_NOOP(
                "PrintLabels",
                "Cut out along the corner marks, fold on the marks in the middle, and laminate.",
            )
        ),
    )


def followup_form_labels(translate: Translate = ui_translate) -> FollowUpFormLabels:
    t = _printing(translate)

    return FollowUpFormLabels(
        title=t(QT_TRANSLATE_NOOP("PrintLabels", "Follow-up call record")),
        patient_section=t(QT_TRANSLATE_NOOP("PrintLabels", "Patient")),
        call_section=t(QT_TRANSLATE_NOOP("PrintLabels", "Follow-up call")),
        check_section=t(QT_TRANSLATE_NOOP("PrintLabels", "Supervisor's spot check")),
        name=t(QT_TRANSLATE_NOOP("PrintLabels", "Name")),
        age=t(QT_TRANSLATE_NOOP("PrintLabels", "Age")),
        end_of_treatment=t(QT_TRANSLATE_NOOP("PrintLabels", "Discharge or end of treatment")),
        diagnosis=t(QT_TRANSLATE_NOOP("PrintLabels", "Diagnosis")),
        record_no=t(QT_TRANSLATE_NOOP("PrintLabels", "Outpatient or inpatient no.")),
        caller=t(QT_TRANSLATE_NOOP("PrintLabels", "Called by")),
        department=t(QT_TRANSLATE_NOOP("PrintLabels", "Department")),
        date=t(QT_TRANSLATE_NOOP("PrintLabels", "Date")),
        address=t(QT_TRANSLATE_NOOP("PrintLabels", "Address")),
        phone=t(QT_TRANSLATE_NOOP("PrintLabels", "Phone")),
        notes=t(QT_TRANSLATE_NOOP("PrintLabels", "Notes of the call")),
        check_date=t(QT_TRANSLATE_NOOP("PrintLabels", "Date")),
        checker=t(QT_TRANSLATE_NOOP("PrintLabels", "Checked by")),
        evaluation=t(QT_TRANSLATE_NOOP("PrintLabels", "Evaluation")),
        page=t(QT_TRANSLATE_NOOP("PrintLabels", "Page {n} / {total}")),
    )


def referral_letter_labels(translate: Translate = ui_translate) -> ReferralLetterLabels:
    t = _printing(translate)

    def r(text: str) -> str:  # the referral words the core already marks
        return translate("Referral", text)

    return ReferralLetterLabels(
        title=t(QT_TRANSLATE_NOOP("PrintLabels", "Referral letter")),
        to=t(QT_TRANSLATE_NOOP("PrintLabels", "To")),
        department=t(QT_TRANSLATE_NOOP("PrintLabels", "Department")),
        date=t(QT_TRANSLATE_NOOP("PrintLabels", "Date")),
        urgency=t(QT_TRANSLATE_NOOP("PrintLabels", "Urgency")),
        urgencies={
            c: r(w)
            for c, w in (("routine", "routine"), ("urgent", "urgent"), ("emergency", "emergency"))
        },
        urgent_notice=t(
            QT_TRANSLATE_NOOP(
                "PrintLabels", "Urgency: {urgency}. Please see this patient promptly."
            )
        ),
        greeting=t(QT_TRANSLATE_NOOP("PrintLabels", "Dear colleague,")),
        body=t(
            QT_TRANSLATE_NOOP(
                "PrintLabels",
                "We refer the patient below to you and thank you for seeing them.",
            )
        ),
        patient=t(QT_TRANSLATE_NOOP("PrintLabels", "Patient")),
        name=t(QT_TRANSLATE_NOOP("PrintLabels", "Name")),
        sex=t(QT_TRANSLATE_NOOP("PrintLabels", "Sex")),
        sexes={"F": r("female"), "M": r("male"), "U": r("not stated")},
        birth=t(QT_TRANSLATE_NOOP("PrintLabels", "Date of birth")),
        birth_age=t(QT_TRANSLATE_NOOP("PrintLabels", "{date} (age {age})")),
        record_no=t(QT_TRANSLATE_NOOP("PrintLabels", "Our record no.")),
        phone=t(QT_TRANSLATE_NOOP("PrintLabels", "Phone")),
        reason=t(QT_TRANSLATE_NOOP("PrintLabels", "Reason for referral")),
        allergies=t(QT_TRANSLATE_NOOP("PrintLabels", "Allergies")),
        no_allergies=t(QT_TRANSLATE_NOOP("PrintLabels", "No allergies recorded.")),
        medication=t(QT_TRANSLATE_NOOP("PrintLabels", "Current medication")),
        no_medication=t(QT_TRANSLATE_NOOP("PrintLabels", "None recorded.")),
        summary=t(QT_TRANSLATE_NOOP("PrintLabels", "Summary")),
        attachments=t(QT_TRANSLATE_NOOP("PrintLabels", "Enclosed")),
        doctor=t(QT_TRANSLATE_NOOP("PrintLabels", "Referring doctor")),
        signature=t(QT_TRANSLATE_NOOP("PrintLabels", "Signature")),
        date_format=t(QT_TRANSLATE_NOOP("PrintLabels", "{year}-{month:02d}-{day:02d}")),
        phone_line=t(QT_TRANSLATE_NOOP("PrintLabels", "Phone {phone}")),
        page=t(QT_TRANSLATE_NOOP("PrintLabels", "Page {n} / {total}")),
        continued=t(QT_TRANSLATE_NOOP("PrintLabels", "{title} (continued)")),
    )

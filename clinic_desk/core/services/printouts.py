"""What printed documents need, gathered from where it lives (spec D2, K1, K2, A4, E4, C5, H2).

Each function checks the acting person's permission, reads in one transaction,
audits the read when it touches a patient's record (spec C3: printing a card
reads the prescription as surely as opening it does) and returns the plain
data the Qt-free documents in ``core/printing`` are built from. Nothing here
writes a file: the PDF is built in memory and the UI previews, prints or saves
it where the person chose, so no patient data is left in a temporary file.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic_desk.core.errors import NotFound, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP, Translate, english
from clinic_desk.core.printing.forms import FollowUpForm, ReferralLetter
from clinic_desk.core.printing.handouts import AppointmentSlip, ContactCard, FirstVisitSheet
from clinic_desk.core.printing.layout import ClinicInfo
from clinic_desk.core.printing.medication_card import CardDrug, MedicationCard
from clinic_desk.core.printing.membership_card import CardBenefit, MembershipCard
from clinic_desk.core.printing.pages import resolve_size
from clinic_desk.core.printing.qr import contact_vcard
from clinic_desk.core.rules import honorifics
from clinic_desk.core.rules.phones import format_phone
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action, allowed
from clinic_desk.core.services import appointments, followups, membership, patients
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.core.services.registry_rules import display_name
from clinic_desk.core.store.models import (
    Allergy,
    AppointmentResource,
    Attachment,
    DoctorProfile,
    FollowupCall,
    Medication,
    Patient,
    Prescription,
    PrescriptionItem,
    Referral,
    Resource,
    RosterRule,
    Staff,
    Visit,
)
from clinic_desk.core.store.store import UnitOfWork


@dataclass(frozen=True)
class PrintSettings:
    """The printing settings, each page size resolved to a page name (A6, 62mm...)."""

    label_stock: str
    card_size: str
    large_print_size: str
    large_print_age: int
    slip_size: str
    extra_margin_mm: int


@dataclass(frozen=True)
class MedicationCardJob:
    """The card's data, and whether the patient's age asks for the large-print card."""

    card: MedicationCard
    large_print: bool
    age: int | None


def print_settings(clinic: Clinic, actor: Actor) -> PrintSettings:
    """The printing settings (no patient data: every role may read settings)."""
    clinic.require(actor, Action.SETTINGS_READ)
    s = clinic.settings()
    stock = str(s["printing.label_stock"])
    return PrintSettings(
        label_stock=stock,
        card_size=resolve_size(str(s["printing.card_size"]), stock),
        large_print_size=resolve_size(str(s["printing.large_print_size"]), stock),
        large_print_age=int(s["printing.large_print_age"]),
        slip_size=resolve_size(str(s["printing.slip_size"]), stock),
        extra_margin_mm=int(s["printing.extra_margin_mm"]),
    )


# -- the clinic ---------------------------------------------------------------------------------


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _minus(spans: list[tuple[int, int]], cut: tuple[int, int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if cut[1] <= start or cut[0] >= end:
            out.append((start, end))
            continue
        if start < cut[0]:
            out.append((start, cut[0]))
        if cut[1] < end:
            out.append((cut[1], end))
    return out


def _weekly_hours(session: Session, today: date) -> tuple[tuple[int, str], ...]:
    """When at least one doctor works, per weekday, from the weekly rosters in force."""
    rules = session.execute(
        select(RosterRule)
        .join(Staff, Staff.id == RosterRule.staff_id)
        .outerjoin(DoctorProfile, DoctorProfile.staff_id == Staff.id)
        .where(
            RosterRule.deleted_at.is_(None),
            Staff.deleted_at.is_(None),
            Staff.disabled_at.is_(None),
            (DoctorProfile.bookable.is_(True)) | (DoctorProfile.id.is_(None)),
        )
    ).scalars()
    work: dict[tuple[uuid.UUID, int], list[tuple[int, int]]] = {}
    breaks: dict[tuple[uuid.UUID, int], list[tuple[int, int]]] = {}
    for rule in rules:
        if rule.valid_from is not None and rule.valid_from > today:
            continue
        if rule.valid_until is not None and rule.valid_until < today:
            continue
        target = breaks if rule.kind == "break" else work
        target.setdefault((rule.staff_id, rule.weekday), []).append(
            (rule.start_minute, rule.end_minute)
        )
    per_day: dict[int, list[tuple[int, int]]] = {}
    for key, spans in work.items():
        merged = _merge(spans)
        for cut in breaks.get(key, []):
            merged = _minus(merged, cut)
        per_day.setdefault(key[1], []).extend(merged)
    return tuple(
        (day, ", ".join(f"{_clock(a)}–{_clock(b)}" for a, b in _merge(spans)))
        for day, spans in sorted(per_day.items())
        if spans
    )


def _clinic_info(clinic: Clinic, session: Session) -> ClinicInfo:
    s = clinic.settings()
    name = str(s["clinic.name"]).strip()
    phone = str(s["clinic.phone"]).strip()
    address = str(s["clinic.address"]).strip()
    hours = str(s["printing.opening_hours"]).strip()
    weekly = () if hours else _weekly_hours(session, clinic.today())
    qr = str(s["printing.contact_qr"]).strip()
    if not qr and (phone or address):
        # The clinic's own hours go in the card's note; hours from rosters would need
        # weekday names in a language, which the phone's contact app cannot translate.
        qr = contact_vcard(name=name, phone=phone, address=address, note=hours)
    return ClinicInfo(
        name=name, phone=phone, address=address, hours=hours, weekly_hours=weekly, qr=qr
    )


def clinic_info(clinic: Clinic, actor: Actor) -> ClinicInfo:
    """The clinic's name, phone, address, opening hours and QR contents (no patient data)."""
    clinic.require(actor, Action.SETTINGS_READ)
    with clinic.store.unit_of_work(write=False) as uow:
        return _clinic_info(clinic, uow.session)


# -- shared reading -------------------------------------------------------------------------


def _patient(session: Session, patient_id: uuid.UUID) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None or patient.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "patient"))
    return patient


def _address(clinic: Clinic, patient: Patient, language: str) -> str:
    """The patient's form of address (spec C4), as on everything the patient sees."""
    person = honorifics.Person(
        family_name=patient.family_name,
        given_name=patient.given_name,
        sex=patient.sex if patient.sex in ("F", "M") else "U",  # type: ignore[arg-type]
        birth_date=patient.birth_date,
        occupation=patient.occupation,
        title=patient.title,
        preferred=patient.honorific_override,
    )
    lang = language if language in honorifics.LANGUAGES else "zh_CN"
    return honorifics.address(
        person, today=clinic.today(), language=lang, style=patients.honorific_style(clinic)
    )


def _age(clinic: Clinic, patient: Patient) -> int | None:
    if patient.birth_date is None:
        return None
    return honorifics.age_in_years(patient.birth_date, clinic.today())


def _staff_name(session: Session, staff_id: uuid.UUID | None) -> str:
    if staff_id is None:
        return ""
    row = session.get(Staff, staff_id)
    return row.display_name if row is not None else ""


def _phone(clinic: Clinic, e164: str) -> str:
    return format_phone(e164, region=str(clinic.setting("clinic.phone_region"))) if e164 else ""


def _audit(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    what: str,
    patient_id: uuid.UUID,
    *,
    object_type: str,
    object_id: uuid.UUID,
    glass: bool = False,
    reason: str | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    clinic.audit(
        uow,
        actor,
        audit.AuditEvent(
            action=f"printout.{what}",
            object_type=object_type,
            object_id=object_id.hex,
            patient_id=patient_id,
            break_glass=glass,
            reason=(reason or "").strip() if glass else "",
            detail=json.dumps(detail or {}, ensure_ascii=False),
        ),
    )


def _require_about(
    clinic: Clinic, actor: Actor, action: Action, patient_id: uuid.UUID | None
) -> None:
    """``clinic.require`` for a printout about a patient (or none, a blank one): a refusal
    is audited against the patient, as a refused read of the record is."""
    clinic.require(
        actor,
        action,
        patient_id=patient_id,
        object_type="patient" if patient_id is not None else "",
        object_id=patient_id.hex if patient_id is not None else "",
    )


# The records a printout is made from, as a "not found" sentence names them.
_WHAT: dict[type[Prescription] | type[Referral], str] = {
    Prescription: QT_TRANSLATE_NOOP("Errors", "prescription"),
    Referral: QT_TRANSLATE_NOOP("Errors", "referral"),
}


def _require_for_record(
    clinic: Clinic,
    actor: Actor,
    action: Action,
    model: type[Prescription] | type[Referral],
    row_id: uuid.UUID,
    break_glass_reason: str | None,
) -> bool:
    """``clinic.require`` for one prescription or referral; True if the glass was broken.

    The record's patient is read first, as the check needs it: breaking the glass is
    per patient, and a refusal is audited against the patient. Only the id is read,
    and outside any write transaction, as a refusal is audited in a transaction of
    its own. An incoming referral has no letter: it is not found as one.
    """
    with clinic.store.unit_of_work(write=False) as uow:
        query = select(model.patient_id).where(model.id == row_id, model.deleted_at.is_(None))
        if model is Referral:
            query = query.where(Referral.direction == "out")
        patient_id = uow.session.execute(query).scalar()
    if patient_id is None:
        raise NotFound(what=_WHAT[model])
    return clinic.require(
        actor,
        action,
        patient_id=patient_id,
        break_glass_reason=break_glass_reason,
        object_type=model.__tablename__,
        object_id=row_id.hex,
    )


_Record = TypeVar("_Record", Prescription, Referral)


def _live(session: Session, model: type[_Record], row_id: uuid.UUID) -> _Record:
    """The prescription or referral, unless deleted since the permission check."""
    row = session.get(model, row_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(what=_WHAT[model])
    return row


# -- the medication card (D2) -----------------------------------------------------------------


def medication_card(
    clinic: Clinic,
    actor: Actor,
    prescription_id: uuid.UUID,
    *,
    language: str = "zh_CN",
    second_language: str | None = None,
    break_glass_reason: str | None = None,
) -> MedicationCardJob:
    """The card for one prescription; ``large_print`` is suggested from the patient's age
    (``printing.large_print_age``), which the person printing may overrule.

    ``second_language`` (bilingual cards) also gives the form of address in that language.
    """
    glass = _require_for_record(
        clinic, actor, Action.PRESCRIPTION_READ, Prescription, prescription_id, break_glass_reason
    )
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        rx = _live(session, Prescription, prescription_id)
        if rx.cancelled_at is not None:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "This prescription was cancelled, so it has no medication card. Choose a "
                    "current prescription.",
                )
            )
        patient = _patient(session, rx.patient_id)
        items = session.execute(
            select(PrescriptionItem)
            .where(PrescriptionItem.prescription_id == rx.id, PrescriptionItem.deleted_at.is_(None))
            .order_by(PrescriptionItem.position)
        ).scalars()
        drugs = tuple(
            CardDrug(
                name=" ".join(x for x in (i.drug, i.strength) if x),
                dose=i.dose,
                route=i.route,
                frequency=i.frequency,
                timing=i.timing,
                duration_days=i.duration_days,
                cautions=i.cautions,
            )
            for i in items
        )
        card = MedicationCard(
            clinic=_clinic_info(clinic, session),
            patient=_address(clinic, patient, language),
            drugs=drugs,
            issued=rx.issued_at.astimezone(clinic.timezone()).date(),
            doctor=_staff_name(session, rx.prescriber_id),
            patient_second=(
                _address(clinic, patient, second_language)
                if second_language and second_language != language
                else ""
            ),
        )
        age = _age(clinic, patient)
        _audit(
            clinic,
            uow,
            actor,
            "medication_card",
            patient.id,
            object_type="prescription",
            object_id=rx.id,
            glass=glass,
            reason=break_glass_reason,
            detail={"drugs": len(drugs)},
        )
        uow.commit()
    threshold = int(clinic.setting("printing.large_print_age"))
    return MedicationCardJob(card, age is not None and age >= threshold, age)


# -- the appointment slip and the first-visit sheet (A4, K2) ------------------------------------


def _rooms(session: Session, appointment_id: uuid.UUID) -> str:
    names = session.execute(
        select(Resource.name)
        .join(AppointmentResource, AppointmentResource.resource_id == Resource.id)
        .where(
            AppointmentResource.appointment_id == appointment_id,
            Resource.kind == "room",
        )
        .order_by(Resource.name)
    ).scalars()
    return "、".join(names)


def appointment_slip(
    clinic: Clinic, actor: Actor, appointment_id: uuid.UUID, *, language: str = "zh_CN"
) -> AppointmentSlip:
    """The slip for one appointment: who, with whom, when, where, what to bring, how to change."""
    clinic.require(
        actor, Action.APPOINTMENT_VIEW, object_type="appointment", object_id=appointment_id.hex
    )
    view = appointments.get_appointment(clinic, actor, appointment_id)
    if view.status in appointments.INACTIVE_STATUSES:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "This appointment was cancelled or missed, so there is no slip to print. "
                "Book a new appointment first.",
            )
        )
    first = appointments.is_first_visit(clinic, actor, view.patient_id)
    zone = clinic.timezone()
    starts = view.starts_at.astimezone(zone)
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        patient = _patient(session, view.patient_id)
        purpose = " ".join(x for x in (view.type_name, view.purpose) if x.strip())
        slip = AppointmentSlip(
            clinic=_clinic_info(clinic, session),
            patient=_address(clinic, patient, language),
            doctor=view.doctor_name,
            day=starts.date(),
            time=starts.strftime("%H:%M"),
            minutes=view.minutes,
            place=_rooms(session, view.id),
            purpose=purpose,
            bring=str(clinic.setting("printing.what_to_bring")).strip(),
            change_by=str(clinic.setting("appointments.booking_cutoff")),
            record_no=patient.record_no,
            first_visit=first,
        )
        _audit(
            clinic,
            uow,
            actor,
            "appointment_slip",
            patient.id,
            object_type="appointment",
            object_id=view.id,
        )
        uow.commit()
    return slip


def first_visit_sheet(
    clinic: Clinic,
    actor: Actor,
    *,
    appointment_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    language: str = "zh_CN",
) -> FirstVisitSheet:
    """K2: location, parking, what to bring; for one patient's appointment, or blank.

    Raises ``appointments.FirstVisitInfoMissing`` until the director has written the text.
    """
    _require_about(clinic, actor, Action.APPOINTMENT_VIEW, patient_id)
    info = appointments.first_visit_info(clinic)
    view = appointments.get_appointment(clinic, actor, appointment_id) if appointment_id else None
    if view is not None:
        patient_id = view.patient_id
        if view.status in appointments.INACTIVE_STATUSES:
            # A cancelled or missed appointment's time would send the patient in for
            # nothing: the sheet is then the patient's, without an appointment.
            view = None
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        clinic_data = _clinic_info(clinic, session)
        if patient_id is None:
            return FirstVisitSheet(clinic=clinic_data, info=info)
        patient = _patient(session, patient_id)
        starts = view.starts_at.astimezone(clinic.timezone()) if view is not None else None
        sheet = FirstVisitSheet(
            clinic=clinic_data,
            info=info,
            patient=_address(clinic, patient, language),
            day=starts.date() if starts is not None else None,
            time=starts.strftime("%H:%M") if starts is not None else "",
            doctor=view.doctor_name if view is not None else "",
        )
        _audit(
            clinic,
            uow,
            actor,
            "first_visit_sheet",
            patient.id,
            object_type="appointment" if view is not None else "patient",
            object_id=view.id if view is not None else patient.id,
        )
        uow.commit()
    return sheet


# -- the contact card (K1) --------------------------------------------------------------------


def contact_card(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID | None = None,
    *,
    language: str = "zh_CN",
) -> ContactCard:
    """K1: the clinic's phone, hours and QR code; for one patient (their usual doctor)
    or blank, to hand out at the desk."""
    _require_about(clinic, actor, Action.PATIENT_SEARCH, patient_id)
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        info = _clinic_info(clinic, session)
        if patient_id is None:
            return ContactCard(clinic=info)
        patient = _patient(session, patient_id)
        # The doctor the patient saw last, if any: the person to ask for.
        doctor_id = session.execute(
            select(Visit.doctor_id)
            .where(Visit.patient_id == patient.id, Visit.deleted_at.is_(None))
            .order_by(Visit.visit_at.desc())
            .limit(1)
        ).scalar()
        card = ContactCard(
            clinic=info,
            patient=_address(clinic, patient, language),
            doctor=_staff_name(session, doctor_id),
        )
        _audit(
            clinic,
            uow,
            actor,
            "contact_card",
            patient.id,
            object_type="patient",
            object_id=patient.id,
        )
        uow.commit()
    return card


# -- the membership card (H2) -----------------------------------------------------------------


def membership_card(
    clinic: Clinic,
    actor: Actor,
    membership_id: uuid.UUID,
    patient_id: uuid.UUID | None = None,
    *,
    language: str = "zh_CN",
) -> MembershipCard:
    """H2: the card of one member (``patient_id``) or of every current member (a family's
    cards, the payer's first): the tier's name in ``language``, the card number, the
    last day it is valid and the tier's benefits. An expired or cancelled membership
    has no card. Each member's card is an audited read of that member's membership.
    """
    clinic.require(
        actor,
        Action.MEMBERSHIP_MANAGE,
        patient_id=patient_id,
        object_type="membership",
        object_id=membership_id.hex,
    )
    view = membership.get(clinic, actor, membership_id)
    if view.status == "cancelled":
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "This membership was cancelled, so it has no card to print. Enrol the "
                "member again to print a new card.",
            )
        )
    if view.status == "expired":
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "This membership ended on {day}; renew it before printing a card."
            ),
            day=view.ends_on.isoformat(),
        )
    members = sorted(view.members, key=lambda m: not m.payer)  # the payer first
    if patient_id is not None:
        members = [m for m in members if m.patient_id == patient_id]
        if not members:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "This person is not a current member of this membership, so it has no "
                    "card for them. Add them to it first, or print their own membership's "
                    "card.",
                )
            )
    tier = view.tier
    with clinic.store.unit_of_work(write=True) as uow:
        info = _clinic_info(clinic, uow.session)
        card = MembershipCard(
            clinic_name=info.name,
            card_no=view.card_no,
            tier=tier.name(language),
            members=tuple(m.name for m in members),
            valid_until=view.ends_on,
            valid_from=view.starts_on if view.status == "upcoming" else None,
            color=tier.color,
            benefits=tuple(
                CardBenefit(
                    key=b.key,
                    kind=b.kind,
                    quota=b.quota,
                    unit=b.unit,
                    count=b.count,
                    label=b.title(),
                )
                for b in tier.benefits
            ),
            phone=info.phone,
            address=info.address,
        )
        for member in members:
            _audit(
                clinic,
                uow,
                actor,
                "membership_card",
                member.patient_id,
                object_type="membership",
                object_id=view.id,
                detail={"members": len(members)},
            )
        uow.commit()
    return card


# -- the follow-up call record (E4) -------------------------------------------------------------


# The words of the call's answers on the form (E4, E5, G1).
_CALL_WORDS = {
    "outcome": QT_TRANSLATE_NOOP("Printouts", "Outcome"),
    "recovery": QT_TRANSLATE_NOOP("Printouts", "Recovery"),
    "adherence": QT_TRANSLATE_NOOP("Printouts", "Medication"),
    "satisfaction": QT_TRANSLATE_NOOP("Printouts", "Satisfaction (1-5)"),
    "previous_levels": QT_TRANSLATE_NOOP("Printouts", "Nurse and doctor followed up"),
    "open_answer": QT_TRANSLATE_NOOP("Printouts", "In the patient's words"),
    "suggestions": QT_TRANSLATE_NOOP("Printouts", "Suggestions"),
    "notes": QT_TRANSLATE_NOOP("Printouts", "Notes"),
    "yes": QT_TRANSLATE_NOOP("Printouts", "yes"),
    "no": QT_TRANSLATE_NOOP("Printouts", "no"),
    "overall": QT_TRANSLATE_NOOP("Printouts", "overall"),
    "doctor": QT_TRANSLATE_NOOP("Printouts", "doctor"),
    "staff": QT_TRANSLATE_NOOP("Printouts", "staff"),
    "waiting": QT_TRANSLATE_NOOP("Printouts", "waiting"),
    "environment": QT_TRANSLATE_NOOP("Printouts", "environment"),
}


def _call_lines(call: FollowupCall, translate: Translate) -> str:
    """The call's answers, one short line each, for the form's notes box."""

    def word(key: str) -> str:
        return translate("Printouts", _CALL_WORDS[key])

    def coded(table: dict[str, str], code: str) -> str:
        return translate("Followup", table[code]) if code in table else code

    lines = [f"{word('outcome')}: {coded(followups.OUTCOME_LABELS, call.outcome)}"]
    if call.recovery:
        lines.append(f"{word('recovery')}: {coded(followups.RECOVERY_LABELS, call.recovery)}")
    if call.adherence:
        lines.append(f"{word('adherence')}: {coded(followups.ADHERENCE_LABELS, call.adherence)}")
    try:
        scores = json.loads(call.satisfaction or "{}")
    except ValueError:
        scores = {}
    if isinstance(scores, dict):
        shown = [f"{word(k)} {scores[k]}" for k in followups.SATISFACTION_KEYS if k in scores]
        if shown:
            lines.append(f"{word('satisfaction')}: {', '.join(shown)}")
    if call.previous_levels in ("yes", "no"):
        lines.append(f"{word('previous_levels')}: {word(call.previous_levels)}")
    for key, text in (
        ("open_answer", call.open_answer),
        ("suggestions", call.suggestions),
        ("notes", call.notes),
    ):
        if text:
            lines.append(f"{word(key)}: {text}")
    return "\n".join(lines)


def _call_patient(clinic: Clinic, call_id: uuid.UUID) -> uuid.UUID:
    """The patient of a call, read before the permission check (which needs it)."""
    with clinic.store.unit_of_work(write=False) as uow:
        patient_id = uow.session.execute(
            select(FollowupCall.patient_id).where(
                FollowupCall.id == call_id, FollowupCall.deleted_at.is_(None)
            )
        ).scalar()
    if patient_id is None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "follow-up call"))
    return patient_id


def followup_form(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID | None = None,
    *,
    call_id: uuid.UUID | None = None,
    translate: Translate = english,
) -> FollowUpForm:
    """E4: the seed's form, blank (no patient), filled from the record, or filled from a
    call (``call_id``): its caller, date, department, answers and the spot check.

    The diagnosis is the clinical record's: it is filled in only for those who may
    read it (spec C3) and left as a box to write in for customer service.
    ``translate`` gives the words of the call's answers in the form's language.
    """
    if call_id is not None:
        owner = _call_patient(clinic, call_id)
        if patient_id is not None and patient_id != owner:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "That call was made to another patient. Print the form from the call itself.",
                )
            )
        patient_id = owner
    _require_about(clinic, actor, Action.FOLLOWUP_WORK, patient_id)
    name = str(clinic.setting("clinic.name"))
    if patient_id is None:
        return FollowUpForm(clinic_name=name)
    clinical = actor.is_system or allowed(actor.role, Action.CLINICAL_READ)
    zone = clinic.timezone()
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        patient = _patient(session, patient_id)
        visits = list(
            session.execute(
                select(Visit)
                .where(Visit.patient_id == patient.id, Visit.deleted_at.is_(None))
                .order_by(Visit.visit_at.desc(), Visit.created_at.desc())
            ).scalars()
        )
        replaced = {v.corrects_id for v in visits if v.corrects_id is not None}
        last = next((v for v in visits if v.id not in replaced), None)
        department = ""
        ended: date | None = None
        diagnosis = ""
        if last is not None:
            moment = last.finished_at or last.visit_at
            ended = moment.astimezone(zone).date()
            if clinical:
                diagnosis = last.diagnosis.strip()
            if last.doctor_id is not None:
                department = (
                    session.execute(
                        select(DoctorProfile.specialties).where(
                            DoctorProfile.staff_id == last.doctor_id
                        )
                    ).scalar()
                    or ""
                )
        age = _age(clinic, patient)
        form = FollowUpForm(
            clinic_name=name,
            patient_name=display_name(patient.family_name, patient.given_name),
            age=str(age) if age is not None else "",
            end_of_treatment=ended.isoformat() if ended else "",
            diagnosis=diagnosis,
            record_no=patient.record_no,
            caller=actor.display_name if not actor.is_system else "",
            department=department,
            call_date=clinic.today().isoformat(),
            address=patient.address,
            phone=_phone(clinic, patient.phone),
        )
        if call_id is not None:
            call = session.get(FollowupCall, call_id)
            if call is None:
                raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "follow-up call"))
            rating = followups.RATING_LABELS.get(call.check_rating, "")
            form = replace(
                form,
                caller=_staff_name(session, call.caller_id),
                department=call.department or department,
                call_date=call.called_at.astimezone(zone).date().isoformat(),
                notes=_call_lines(call, translate),
                check_date=(
                    call.check_at.astimezone(zone).date().isoformat() if call.check_at else ""
                ),
                checker=_staff_name(session, call.check_by),
                evaluation=" ".join(
                    x
                    for x in (translate("Followup", rating) if rating else "", call.check_note)
                    if x
                ),
            )
        _audit(
            clinic,
            uow,
            actor,
            "followup_form",
            patient.id,
            object_type="followup_call" if call_id is not None else "patient",
            object_id=call_id if call_id is not None else patient.id,
            detail={"diagnosis": bool(diagnosis)},
        )
        uow.commit()
    return form


# -- the referral letter (C5) -----------------------------------------------------------------


def _attachment_titles(
    clinic: Clinic, session: Session, ids_json: str, patient_id: uuid.UUID
) -> list[str]:
    try:
        ids = [uuid.UUID(hex=h) for h in json.loads(ids_json or "[]")]
    except (ValueError, TypeError):
        return []
    if not ids:
        return []
    rows = {
        a.id: a
        for a in session.execute(
            select(Attachment).where(
                Attachment.id.in_(ids),
                Attachment.patient_id == patient_id,
                Attachment.deleted_at.is_(None),
            )
        ).scalars()
    }
    zone = clinic.timezone()
    titles = []
    for i in ids:
        a = rows.get(i)
        if a is not None:
            title = a.title.strip() or a.filename
            titles.append(f"{title} ({a.created_at.astimezone(zone).date().isoformat()})")
    return titles


_Safety = TypeVar("_Safety", Allergy, Medication)


def _current(session: Session, model: type[_Safety], patient_id: uuid.UUID) -> list[_Safety]:
    """The patient's allergies or medication as of today (not ended), oldest first."""
    return list(
        session.execute(
            select(model)
            .where(
                model.patient_id == patient_id,
                model.deleted_at.is_(None),
                model.ended_at.is_(None),
            )
            .order_by(model.created_at)
        ).scalars()
    )


def _medication_lines(rows: Sequence[Medication]) -> tuple[str, ...]:
    return tuple(" ".join(x for x in (m.drug, m.dose, m.frequency) if x) for m in rows)


def referral_letter(
    clinic: Clinic,
    actor: Actor,
    referral_id: uuid.UUID,
    *,
    break_glass_reason: str | None = None,
) -> ReferralLetter:
    """C5: the letter for an outgoing referral, with today's allergies and medication."""
    glass = _require_for_record(
        clinic, actor, Action.CLINICAL_READ, Referral, referral_id, break_glass_reason
    )
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        row = _live(session, Referral, referral_id)
        patient = _patient(session, row.patient_id)
        allergy_lines = tuple(
            a.substance
            + "".join(f" ({x})" for x in (a.reaction, a.severity) if x and x != "unknown")
            for a in _current(session, Allergy, patient.id)
        )
        medication = _current(session, Medication, patient.id)
        letter = ReferralLetter(
            clinic=_clinic_info(clinic, session),
            partner=row.partner,
            day=row.referred_at.astimezone(clinic.timezone()).date(),
            patient_name=display_name(patient.family_name, patient.given_name),
            reason=row.reason,
            department=row.department,
            urgency=row.urgency,
            sex=patient.sex,
            birth_date=patient.birth_date,
            age=_age(clinic, patient),
            record_no=patient.record_no,
            phone=_phone(clinic, patient.phone),
            summary=row.summary,
            allergies=allergy_lines,
            medication=_medication_lines(medication),
            attachments=tuple(_attachment_titles(clinic, session, row.attachment_ids, patient.id)),
            doctor=_staff_name(session, row.created_by),
        )
        _audit(
            clinic,
            uow,
            actor,
            "referral_letter",
            patient.id,
            object_type="referral",
            object_id=row.id,
            glass=glass,
            reason=break_glass_reason,
        )
        uow.commit()
    return letter

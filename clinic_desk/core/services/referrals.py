"""Referrals (转诊, spec C5): outgoing with a compiled summary, incoming on a fast path.

Doctors refer out (``REFERRAL_WRITE``) with a summary drafted from the record.
Incoming referrals from partner clinics are logged by the front desk
(``REFERRAL_DESK``) and listed for the desk urgent first, then oldest first;
the desk sees who was referred, from where and how urgently, but not the
reason or summary unless the person may read the clinical record.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic_desk.core.errors import NotFound, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP, Translate, english
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action, allowed
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.services.registry_rules import display_name
from clinic_desk.core.store.models import (
    Allergy,
    Attachment,
    Condition,
    Medication,
    Patient,
    Referral,
    Visit,
    VitalSigns,
)

CONTEXT = "Referral"

_SEX_WORDS = {
    "F": QT_TRANSLATE_NOOP("Referral", "female"),
    "M": QT_TRANSLATE_NOOP("Referral", "male"),
    "U": QT_TRANSLATE_NOOP("Referral", "not stated"),
}
URGENCIES: dict[str, str] = {
    "emergency": QT_TRANSLATE_NOOP("Referral", "emergency"),
    "urgent": QT_TRANSLATE_NOOP("Referral", "urgent"),
    "routine": QT_TRANSLATE_NOOP("Referral", "routine"),
}
STATUSES: dict[str, str] = {
    "open": QT_TRANSLATE_NOOP("Referral", "open"),
    "handled": QT_TRANSLATE_NOOP("Referral", "handled"),
}
MAX_PARTNER = 200
MAX_DEPARTMENT = 100
MAX_REASON = 5000
MAX_SUMMARY = 20_000
MAX_ATTACHMENTS = 50
RECENT_VISITS = 3


@dataclass(frozen=True)
class ReferralView:
    id: uuid.UUID
    patient_id: uuid.UUID
    direction: str
    partner: str
    department: str
    urgency: str
    reason: str
    summary: str
    attachment_ids: tuple[uuid.UUID, ...]
    referred_at: datetime
    status: str
    handled_at: datetime | None
    handled_by: uuid.UUID | None
    created_by: uuid.UUID | None


@dataclass(frozen=True)
class ReferralListItem:
    """A line of the desk's incoming list; ``reason`` and ``summary`` are None
    when the person may not read clinical content."""

    id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str
    partner: str
    department: str
    urgency: str
    referred_at: datetime
    status: str
    reason: str | None
    summary: str | None


# -- input ----------------------------------------------------------------------


def _clean(value: str, *, multi_line: bool) -> str:
    # Control characters never reach the store (a NUL reads back as a damaged page).
    text = unicodedata.normalize("NFC", value)
    if multi_line:
        return "".join(c for c in text if c >= " " or c in "\t\n").strip()
    return "".join(" " if c in "\t\r\n" else c for c in text if c >= " " or c in "\t\r\n").strip()


def _text(value: str, label: str, limit: int, *, required: bool, multi_line: bool) -> str:
    if not isinstance(value, str):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} should be text."), label=label
        )
    text = _clean(value, multi_line=multi_line)
    if required and not text:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} is empty. Please fill it in."), label=label
        )
    if len(text) > limit:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} is too long: use at most {n} characters."),
            label=label,
            n=limit,
        )
    return text


def _urgency(value: str) -> str:
    if value not in URGENCIES:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Choose the urgency: routine, urgent or emergency.")
        )
    return value


# -- reading --------------------------------------------------------------------


def _patient(session: Session, patient_id: uuid.UUID) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None or patient.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "patient"))
    return patient


def _referral(session: Session, referral_id: uuid.UUID) -> Referral:
    row = session.get(Referral, referral_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "referral"))
    return row


def patient_name(patient: Patient) -> str:
    return display_name(patient.family_name, patient.given_name)


def _attachment_ids(text: str) -> tuple[uuid.UUID, ...]:
    try:
        return tuple(uuid.UUID(hex=h) for h in json.loads(text or "[]"))
    except (ValueError, TypeError):
        return ()


def _view(row: Referral) -> ReferralView:
    return ReferralView(
        id=row.id,
        patient_id=row.patient_id,
        direction=row.direction,
        partner=row.partner,
        department=row.department,
        urgency=row.urgency,
        reason=row.reason,
        summary=row.summary,
        attachment_ids=_attachment_ids(row.attachment_ids),
        referred_at=row.referred_at,
        status=row.status,
        handled_at=row.handled_at,
        handled_by=row.handled_by,
        created_by=row.created_by,
    )


def _changes(patient_id: uuid.UUID) -> Changes:
    return Changes(frozenset({Topic.CLINICAL}), frozenset({patient_id}))


def _newest_first(rows: Iterable[Visit]) -> list[Visit]:
    return sorted(rows, key=lambda r: (r.visit_at, r.created_at), reverse=True)


def _current(rows: Sequence[Visit] | Sequence[VitalSigns]) -> list[uuid.UUID]:
    """Ids of rows not replaced by a correction (corrections name what they replace)."""
    replaced = {r.corrects_id for r in rows if r.corrects_id is not None}
    return [r.id for r in rows if r.id not in replaced]


def _number(value: float | None, unit: str, digits: int = 0) -> str:
    if value is None:
        return ""
    return f"{value:.{digits}f}{unit}"


# -- services -------------------------------------------------------------------


def refer_out(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    partner: str,
    department: str = "",
    urgency: str = "routine",
    reason: str,
    summary: str = "",
    attachment_ids: Sequence[uuid.UUID] = (),
) -> Written[ReferralView]:
    """Refer the patient to a hospital or specialist (outgoing, spec C5)."""
    clinic.require(
        actor,
        Action.REFERRAL_WRITE,
        patient_id=patient_id,
        object_type="patient",
        object_id=patient_id.hex,
    )
    partner_text = _text(
        partner, "hospital or clinic", MAX_PARTNER, required=True, multi_line=False
    )
    department_text = _text(
        department, "department", MAX_DEPARTMENT, required=False, multi_line=False
    )
    level = _urgency(urgency)
    reason_text = _text(reason, "reason for referral", MAX_REASON, required=True, multi_line=True)
    summary_text = _text(summary, "summary", MAX_SUMMARY, required=False, multi_line=True)
    wanted = list(dict.fromkeys(attachment_ids))
    if len(wanted) > MAX_ATTACHMENTS:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Attach at most {n} reports to a referral."),
            n=MAX_ATTACHMENTS,
        )
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        _patient(session, patient_id)
        if wanted:
            found = set(
                session.execute(
                    select(Attachment.id).where(
                        Attachment.id.in_(wanted),
                        Attachment.patient_id == patient_id,
                        Attachment.deleted_at.is_(None),
                    )
                ).scalars()
            )
            if len(found) != len(wanted):
                raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "attached report"))
        row = Referral(
            patient_id=patient_id,
            direction="out",
            partner=partner_text,
            department=department_text,
            urgency=level,
            reason=reason_text,
            summary=summary_text,
            attachment_ids=json.dumps([a.hex for a in wanted]),
            referred_at=clinic.now(),
            status="open",
            created_by=actor.staff_id,
        )
        session.add(row)
        session.flush()
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="referral.out",
                object_type="referral",
                object_id=row.id.hex,
                patient_id=patient_id,
                detail=json.dumps({"urgency": level, "attachments": len(wanted)}),
            ),
        )
        view = _view(row)
        uow.commit()
    return Written(view, _changes(patient_id))


def compile_referral_summary(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    translate: Translate = english,
    break_glass_reason: str | None = None,
) -> str:
    """A draft summary from the record, for the doctor to edit before referring out:
    active allergies, current medication, chronic conditions, the last visits'
    diagnoses and the latest vital signs."""
    glass = clinic.require(
        actor,
        Action.CLINICAL_READ,
        patient_id=patient_id,
        break_glass_reason=break_glass_reason,
        object_type="patient",
        object_id=patient_id.hex,
    )

    def say(text: str) -> str:  # the summary is in the language the caller asks for
        return translate(CONTEXT, text)

    zone = clinic.timezone()

    def day(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d")

    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        patient = _patient(session, patient_id)
        allergies = list(
            session.execute(
                select(Allergy)
                .where(
                    Allergy.patient_id == patient_id,
                    Allergy.deleted_at.is_(None),
                    Allergy.ended_at.is_(None),
                )
                .order_by(Allergy.created_at)
            ).scalars()
        )
        medication = list(
            session.execute(
                select(Medication)
                .where(
                    Medication.patient_id == patient_id,
                    Medication.deleted_at.is_(None),
                    Medication.ended_at.is_(None),
                )
                .order_by(Medication.created_at)
            ).scalars()
        )
        conditions = list(
            session.execute(
                select(Condition)
                .where(
                    Condition.patient_id == patient_id,
                    Condition.deleted_at.is_(None),
                    Condition.ended_at.is_(None),
                )
                .order_by(Condition.created_at)
            ).scalars()
        )
        visit_rows = list(
            session.execute(
                select(Visit).where(Visit.patient_id == patient_id, Visit.deleted_at.is_(None))
            ).scalars()
        )
        keep = set(_current(visit_rows))
        visits = _newest_first(v for v in visit_rows if v.id in keep)[:RECENT_VISITS]
        vital_rows = list(
            session.execute(
                select(VitalSigns).where(
                    VitalSigns.patient_id == patient_id, VitalSigns.deleted_at.is_(None)
                )
            ).scalars()
        )
        keep_vitals = set(_current(vital_rows))
        vitals = max(
            (v for v in vital_rows if v.id in keep_vitals),
            key=lambda v: (v.taken_at, v.created_at),
            default=None,
        )

        none = say(QT_TRANSLATE_NOOP("Referral", "None recorded."))
        label_patient = say(QT_TRANSLATE_NOOP("Referral", "Patient"))
        label_sex = say(QT_TRANSLATE_NOOP("Referral", "Sex"))
        label_birth = say(QT_TRANSLATE_NOOP("Referral", "Date of birth"))
        label_bp = say(QT_TRANSLATE_NOOP("Referral", "BP"))
        sex_word = say(_SEX_WORDS.get(patient.sex, _SEX_WORDS["U"]))
        birth = patient.birth_date
        lines = [
            say(QT_TRANSLATE_NOOP("Referral", "Referral summary")),
            "",
            f"{label_patient}: {patient_name(patient)}",
            f"{label_sex}: {sex_word}"
            + (f"    {label_birth}: {birth.isoformat()} ({_age(birth, clinic)})" if birth else ""),
            "",
            say(QT_TRANSLATE_NOOP("Referral", "Allergies")) + ":",
        ]
        lines += [
            "- "
            + a.substance
            + "".join(f" ({x})" for x in (a.reaction, a.severity) if x and x != "unknown")
            for a in allergies
        ] or [none]
        lines += ["", say(QT_TRANSLATE_NOOP("Referral", "Current medication")) + ":"]
        lines += [
            "- " + " ".join(x for x in (m.drug, m.dose, m.frequency) if x) for m in medication
        ] or [none]
        lines += ["", say(QT_TRANSLATE_NOOP("Referral", "Chronic conditions")) + ":"]
        lines += [
            "- "
            + c.name
            + (f" [{c.icd10}]" if c.icd10 else "")
            + (
                f" ({say(QT_TRANSLATE_NOOP('Referral', 'since'))} {c.since.isoformat()})"
                if c.since
                else ""
            )
            for c in conditions
        ] or [none]
        lines += ["", say(QT_TRANSLATE_NOOP("Referral", "Recent visits")) + ":"]
        lines += [
            f"- {day(v.visit_at)}: "
            + (
                (v.diagnosis.strip() or v.chief_complaint.strip() or "-")
                + (f" [{v.icd10}]" if v.icd10 else "")
            )
            for v in visits
        ] or [none]
        lines += ["", say(QT_TRANSLATE_NOOP("Referral", "Latest vital signs")) + ":"]
        if vitals is None:
            lines.append(none)
        else:
            parts = []
            if vitals.systolic is not None and vitals.diastolic is not None:
                parts.append(f"{label_bp} {vitals.systolic}/{vitals.diastolic} mmHg")
            for label, value in (
                (say(QT_TRANSLATE_NOOP("Referral", "Pulse")), _number(vitals.pulse, "/min")),
                (
                    say(QT_TRANSLATE_NOOP("Referral", "Temperature")),
                    _number(vitals.temperature_c, " °C", 1),
                ),
                (say(QT_TRANSLATE_NOOP("Referral", "SpO2")), _number(vitals.spo2, "%")),
                (
                    say(QT_TRANSLATE_NOOP("Referral", "Respiration")),
                    _number(vitals.respiration, "/min"),
                ),
                (say(QT_TRANSLATE_NOOP("Referral", "Weight")), _number(vitals.weight_kg, " kg", 1)),
                (
                    say(QT_TRANSLATE_NOOP("Referral", "Glucose")),
                    _number(vitals.glucose_mmol, " mmol/L", 1),
                ),
            ):
                if value:
                    parts.append(f"{label} {value}")
            lines.append(f"{day(vitals.taken_at)}: " + ("; ".join(parts) or "-"))
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="referral.summary",
                object_type="patient",
                object_id=patient_id.hex,
                patient_id=patient_id,
                break_glass=glass,
                reason=(break_glass_reason or "").strip() if glass else "",
            ),
        )
        uow.commit()
    return "\n".join(lines)


def _age(birth: date, clinic: Clinic) -> str:
    today = clinic.today()
    years = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return str(max(years, 0))


def log_incoming(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    partner: str,
    reason: str = "",
    urgency: str = "routine",
    summary: str = "",
) -> Written[ReferralView]:
    """The desk logs a patient referred to us by a partner clinic (fast path, spec C5)."""
    clinic.require(
        actor,
        Action.REFERRAL_DESK,
        patient_id=patient_id,
        object_type="patient",
        object_id=patient_id.hex,
    )
    partner_text = _text(partner, "referring clinic", MAX_PARTNER, required=True, multi_line=False)
    level = _urgency(urgency)
    reason_text = _text(reason, "reason for referral", MAX_REASON, required=False, multi_line=True)
    summary_text = _text(summary, "summary", MAX_SUMMARY, required=False, multi_line=True)
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        _patient(session, patient_id)
        row = Referral(
            patient_id=patient_id,
            direction="in",
            partner=partner_text,
            urgency=level,
            reason=reason_text,
            summary=summary_text,
            referred_at=clinic.now(),
            status="open",
            created_by=actor.staff_id,
        )
        session.add(row)
        session.flush()
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="referral.in",
                object_type="referral",
                object_id=row.id.hex,
                patient_id=patient_id,
                detail=json.dumps({"urgency": level}),
            ),
        )
        view = _view(row)
        uow.commit()
    # The desk logged it but may not read the reason back: return only what it may see.
    if not (actor.is_system or allowed(actor.role, Action.CLINICAL_READ)):
        view = replace(view, reason="", summary="")
    return Written(view, _changes(patient_id))


def list_incoming(
    clinic: Clinic, actor: Actor, *, open_only: bool = True
) -> list[ReferralListItem]:
    """Incoming referrals for the desk: most urgent first, then the longest waiting."""
    clinic.require(actor, Action.REFERRAL_DESK, object_type="referral")
    clinical = actor.is_system or allowed(actor.role, Action.CLINICAL_READ)
    rank = {u: i for i, u in enumerate(URGENCIES)}
    with clinic.store.unit_of_work(write=True) as uow:
        stmt = (
            select(Referral, Patient)
            .join(Patient, Patient.id == Referral.patient_id)
            .where(
                Referral.direction == "in",
                Referral.deleted_at.is_(None),
                Patient.deleted_at.is_(None),
            )
        )
        if open_only:
            stmt = stmt.where(Referral.status == "open")
        rows = sorted(
            uow.session.execute(stmt).all(),
            key=lambda rp: (rank.get(rp[0].urgency, len(rank)), rp[0].referred_at, rp[0].id),
        )
        items = [
            ReferralListItem(
                id=r.id,
                patient_id=r.patient_id,
                patient_name=patient_name(p),
                partner=r.partner,
                department=r.department,
                urgency=r.urgency,
                referred_at=r.referred_at,
                status=r.status,
                reason=r.reason if clinical else None,
                summary=r.summary if clinical else None,
            )
            for r, p in rows
        ]
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="referral.list_incoming",
                object_type="referral",
                detail=json.dumps(
                    {"rows": len(items), "open_only": open_only, "clinical": clinical}
                ),
            ),
        )
        # Reasons and summaries are clinical content: each patient whose content was
        # shown gets a read in the audit log, so the read is attributable per record.
        if clinical:
            for patient_id in dict.fromkeys(i.patient_id for i in items):
                clinic.audit(
                    uow,
                    actor,
                    audit.AuditEvent(
                        action="referral.read",
                        object_type="patient",
                        object_id=patient_id.hex,
                        patient_id=patient_id,
                        detail=json.dumps({"via": "incoming list"}),
                    ),
                )
        uow.commit()
    return items


def mark_referral_handled(
    clinic: Clinic, actor: Actor, referral_id: uuid.UUID
) -> Written[ReferralView]:
    """Close a referral: incoming ones by the desk, outgoing ones by a doctor."""
    if not (
        actor.is_system
        or allowed(actor.role, Action.REFERRAL_DESK)
        or allowed(actor.role, Action.REFERRAL_WRITE)
    ):
        clinic.require(
            actor, Action.REFERRAL_DESK, object_type="referral", object_id=referral_id.hex
        )
    with clinic.store.unit_of_work(write=False) as uow:
        direction = _referral(uow.session, referral_id).direction
    needed = Action.REFERRAL_DESK if direction == "in" else Action.REFERRAL_WRITE
    clinic.require(actor, needed, object_type="referral", object_id=referral_id.hex)
    with clinic.store.unit_of_work(write=True) as uow:
        row = _referral(uow.session, referral_id)
        if row.status != "handled":
            row.status, row.handled_at, row.handled_by = "handled", clinic.now(), actor.staff_id
            uow.session.flush()
            clinic.audit(
                uow,
                actor,
                audit.AuditEvent(
                    action="referral.handled",
                    object_type="referral",
                    object_id=row.id.hex,
                    patient_id=row.patient_id,
                ),
            )
        view = _view(row)
        uow.commit()
    if direction == "in" and not (actor.is_system or allowed(actor.role, Action.CLINICAL_READ)):
        view = replace(view, reason="", summary="")
    return Written(view, _changes(view.patient_id))


def list_referrals(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    break_glass_reason: str | None = None,
) -> list[ReferralView]:
    """Every referral of the patient, both directions, newest first, in full."""
    glass = clinic.require(
        actor,
        Action.CLINICAL_READ,
        patient_id=patient_id,
        break_glass_reason=break_glass_reason,
        object_type="patient",
        object_id=patient_id.hex,
    )
    with clinic.store.unit_of_work(write=True) as uow:
        _patient(uow.session, patient_id)
        views = [
            _view(r)
            for r in uow.session.execute(
                select(Referral)
                .where(Referral.patient_id == patient_id, Referral.deleted_at.is_(None))
                .order_by(Referral.referred_at.desc(), Referral.id.desc())
            ).scalars()
        ]
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="referral.read",
                object_type="patient",
                object_id=patient_id.hex,
                patient_id=patient_id,
                break_glass=glass,
                reason=(break_glass_reason or "").strip() if glass else "",
                detail=json.dumps({"referrals": len(views)}),
            ),
        )
        uow.commit()
    return views

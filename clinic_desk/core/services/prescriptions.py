"""Prescriptions with interaction and allergy warnings, and the pharmacist's guidance (spec D1).

A prescription is checked against the patient's active allergies, current
medication and other running prescriptions (``core/rules/interactions.py``).
Major interactions and every allergy warning stop the write until the doctor
confirms and gives a reason; both the warnings and the reason are kept with
the prescription. Writing a prescription also puts each drug on the
patient's current medication list; cancelling it ends those entries.
Prescriptions are never edited in place (STYLE 6): cancel and write anew.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic_desk.core.errors import ClinicError, NotFound, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.rules import interactions, prescribing
from clinic_desk.core.rules.interactions import DrugWarning
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import staff
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.store.models import (
    Allergy,
    Medication,
    Patient,
    PharmacyGuidance,
    Prescription,
    PrescriptionItem,
    Visit,
)

MAX_ITEMS = 30
MAX_DRUG = 200
MAX_STRENGTH = 40  # strength and dose together fit the medication list's dose column
MAX_DOSE = 50
MAX_QUANTITY = 50
MAX_CAUTIONS = 2000
MAX_NOTES = 5000
MAX_REASON = 500
MAX_GUIDANCE = 5000
MIN_DURATION, MAX_DURATION = 1, 365
# A prescription counts as running until its longest line's course has ended.
DEFAULT_COURSE_DAYS = 30


class PrescriptionWarnings(ClinicError):
    """The prescription needs the doctor's confirmation; ``warnings`` lists all of them."""

    template = QT_TRANSLATE_NOOP(
        "Errors",
        "This prescription has {count} serious warning(s): a major interaction or an allergy. "
        "Nothing was saved. Read the warnings; to prescribe anyway, confirm them and give the "
        "reason.",
    )

    def __init__(self, warnings: Sequence[DrugWarning]) -> None:
        self.warnings = tuple(warnings)
        super().__init__(count=sum(w.needs_override for w in self.warnings))


@dataclass(frozen=True)
class ItemInput:
    """One prescription line as the doctor entered it; codes from ``rules/prescribing``."""

    drug: str
    strength: str = ""
    dose: str = ""
    route: str = "oral"
    frequency: str = ""
    timing: str = ""
    duration_days: int | None = None
    quantity: str = ""
    cautions: str = ""


@dataclass(frozen=True)
class ItemView:
    id: uuid.UUID
    position: int
    drug: str
    strength: str
    dose: str
    route: str
    frequency: str
    timing: str
    duration_days: int | None
    quantity: str
    cautions: str


@dataclass(frozen=True)
class GuidanceView:
    id: uuid.UUID
    prescription_id: uuid.UUID
    pharmacist_id: uuid.UUID | None
    pharmacist_name: str
    given_at: datetime
    guidance: str


@dataclass(frozen=True)
class PrescriptionView:
    id: uuid.UUID
    patient_id: uuid.UUID
    visit_id: uuid.UUID | None
    prescriber_id: uuid.UUID | None
    prescriber_name: str
    issued_at: datetime
    notes: str
    items: tuple[ItemView, ...]
    warnings: tuple[DrugWarning, ...]
    override_reason: str
    cancelled_at: datetime | None
    cancel_reason: str
    guidance: tuple[GuidanceView, ...]

    @property
    def active(self) -> bool:
        return self.cancelled_at is None


# -- input ----------------------------------------------------------------------


def _one_line(value: str) -> str:
    # Control characters never reach the store (a NUL reads back as a damaged page).
    text = unicodedata.normalize("NFC", value)
    return "".join(" " if c in "\t\r\n" else c for c in text if c >= " " or c in "\t\r\n").strip()


def _multi_line(value: str) -> str:
    text = unicodedata.normalize("NFC", value)
    return "".join(c for c in text if c >= " " or c in "\t\n").strip()


def _too_long(label: str, n: int, line: int | None = None) -> ValidationError:
    if line is None:
        return ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} is too long: use at most {n} characters."),
            label=label,
            n=n,
        )
    return ValidationError(
        QT_TRANSLATE_NOOP(
            "Errors", "Line {line}: the {label} is too long: use at most {n} characters."
        ),
        line=line,
        label=label,
        n=n,
    )


def _field(value: str, label: str, limit: int, line: int) -> str:
    if not isinstance(value, str):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Line {line}: the {label} should be text."),
            line=line,
            label=label,
        )
    text = _one_line(value)
    if len(text) > limit:
        raise _too_long(label, limit, line)
    return text


def _validate_item(item: ItemInput, line: int) -> ItemInput:
    drug = _field(item.drug, "drug name", MAX_DRUG, line)
    if not drug:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "Line {line}: the drug name is empty. Type the drug, or remove the line."
            ),
            line=line,
        )
    route = item.route or "oral"
    if route not in prescribing.ROUTES:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Line {line}: choose how the drug is given (route)."),
            line=line,
        )
    if item.frequency not in prescribing.FREQUENCIES:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Line {line}: choose how often the drug is taken."),
            line=line,
        )
    if item.timing and item.timing not in prescribing.TIMINGS:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "Line {line}: choose when the drug is taken (before or "
                "after meals, at bedtime...).",
            ),
            line=line,
        )
    days = item.duration_days
    if (
        not isinstance(days, int)
        or isinstance(days, bool)
        or not MIN_DURATION <= days <= MAX_DURATION
    ):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "Line {line}: the duration must be a whole number of days from {low} to {high}.",
            ),
            line=line,
            low=MIN_DURATION,
            high=MAX_DURATION,
        )
    if not isinstance(item.cautions, str):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Line {line}: the {label} should be text."),
            line=line,
            label="cautions",
        )
    cautions = _multi_line(item.cautions)
    if len(cautions) > MAX_CAUTIONS:
        raise _too_long("cautions", MAX_CAUTIONS, line)
    return ItemInput(
        drug=drug,
        strength=_field(item.strength, "strength", MAX_STRENGTH, line),
        dose=_field(item.dose, "dose", MAX_DOSE, line),
        route=route,
        frequency=item.frequency,
        timing=item.timing,
        duration_days=days,
        quantity=_field(item.quantity, "quantity", MAX_QUANTITY, line),
        cautions=cautions,
    )


def _validate_items(items: Sequence[ItemInput]) -> list[ItemInput]:
    if not items:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The prescription has no drugs. Add at least one line.")
        )
    if len(items) > MAX_ITEMS:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The prescription has {count} lines; at most {n} are "
                "allowed. Split it into two prescriptions.",
            ),
            count=len(items),
            n=MAX_ITEMS,
        )
    return [_validate_item(item, line) for line, item in enumerate(items, start=1)]


def _reason(value: str, label: str) -> str:
    text = _multi_line(value)
    if len(text) > MAX_REASON:
        raise _too_long(label, MAX_REASON)
    return text


# -- reading --------------------------------------------------------------------


def _patient(session: Session, patient_id: uuid.UUID) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None or patient.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "patient"))
    return patient


def _prescription(session: Session, prescription_id: uuid.UUID) -> Prescription:
    rx = session.get(Prescription, prescription_id)
    if rx is None or rx.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "prescription"))
    return rx


def _items(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[PrescriptionItem]]:
    found: dict[uuid.UUID, list[PrescriptionItem]] = {i: [] for i in ids}
    if ids:
        for row in session.execute(
            select(PrescriptionItem)
            .where(PrescriptionItem.prescription_id.in_(ids), PrescriptionItem.deleted_at.is_(None))
            .order_by(PrescriptionItem.position)
        ).scalars():
            found[row.prescription_id].append(row)
    return found


def _course_end(rx: Prescription, items: Sequence[PrescriptionItem]) -> datetime:
    days = max((i.duration_days or 0 for i in items), default=0) or DEFAULT_COURSE_DAYS
    return rx.issued_at + timedelta(days=days)


def _safety_lists(
    session: Session, patient_id: uuid.UUID, now: datetime
) -> tuple[list[str], list[str]]:
    """The active allergies, and what the patient takes now: the current medication
    list (less courses that have run out) and the items of running prescriptions."""
    allergies = list(
        session.execute(
            select(Allergy.substance).where(
                Allergy.patient_id == patient_id,
                Allergy.deleted_at.is_(None),
                Allergy.ended_at.is_(None),
            )
        ).scalars()
    )
    prescriptions = list(
        session.execute(
            select(Prescription).where(
                Prescription.patient_id == patient_id,
                Prescription.deleted_at.is_(None),
                Prescription.cancelled_at.is_(None),
            )
        ).scalars()
    )
    items = _items(session, [rx.id for rx in prescriptions])
    running = {rx.id for rx in prescriptions if _course_end(rx, items[rx.id]) >= now}
    current: list[str] = []
    for med in session.execute(
        select(Medication).where(
            Medication.patient_id == patient_id,
            Medication.deleted_at.is_(None),
            Medication.ended_at.is_(None),
        )
    ).scalars():
        if med.prescription_id is None or med.prescription_id in running:
            current.append(med.drug)
    current += [i.drug for rx_id in running for i in items[rx_id]]
    return allergies, current


def _warnings(text: str) -> tuple[DrugWarning, ...]:
    try:
        data = json.loads(text or "[]")
    except ValueError:
        return ()
    return tuple(DrugWarning.from_dict(w) for w in data if isinstance(w, dict))


def _item_view(i: PrescriptionItem) -> ItemView:
    return ItemView(
        i.id,
        i.position,
        i.drug,
        i.strength,
        i.dose,
        i.route,
        i.frequency,
        i.timing,
        i.duration_days,
        i.quantity,
        i.cautions,
    )


def _guidance_view(g: PharmacyGuidance, names: dict[uuid.UUID, str]) -> GuidanceView:
    name = names.get(g.pharmacist_id, "") if g.pharmacist_id else ""
    return GuidanceView(g.id, g.prescription_id, g.pharmacist_id, name, g.given_at, g.guidance)


def _views(session: Session, rows: Sequence[Prescription]) -> list[PrescriptionView]:
    ids = [rx.id for rx in rows]
    items = _items(session, ids)
    guidance: dict[uuid.UUID, list[PharmacyGuidance]] = {i: [] for i in ids}
    if ids:
        for g in session.execute(
            select(PharmacyGuidance)
            .where(PharmacyGuidance.prescription_id.in_(ids), PharmacyGuidance.deleted_at.is_(None))
            .order_by(PharmacyGuidance.given_at)
        ).scalars():
            guidance[g.prescription_id].append(g)
    people = {rx.prescriber_id for rx in rows}
    people |= {g.pharmacist_id for gs in guidance.values() for g in gs}
    names = staff.display_names(session, people)
    return [
        PrescriptionView(
            id=rx.id,
            patient_id=rx.patient_id,
            visit_id=rx.visit_id,
            prescriber_id=rx.prescriber_id,
            prescriber_name=names.get(rx.prescriber_id, "") if rx.prescriber_id else "",
            issued_at=rx.issued_at,
            notes=rx.notes,
            items=tuple(_item_view(i) for i in items[rx.id]),
            warnings=_warnings(rx.warnings_json),
            override_reason=rx.override_reason,
            cancelled_at=rx.cancelled_at,
            cancel_reason=rx.cancel_reason,
            guidance=tuple(_guidance_view(g, names) for g in guidance[rx.id]),
        )
        for rx in rows
    ]


def _changes(patient_id: uuid.UUID) -> Changes:
    return Changes(frozenset({Topic.CLINICAL}), frozenset({patient_id}))


# -- services -------------------------------------------------------------------


def check_prescription(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    items: Sequence[ItemInput | str],
) -> list[DrugWarning]:
    """The warnings the items would raise now; lines without a drug are skipped,
    so the screen can check while the doctor is still typing."""
    clinic.require(
        actor,
        Action.PRESCRIPTION_WRITE,
        patient_id=patient_id,
        object_type="patient",
        object_id=patient_id.hex,
    )
    drugs = [_one_line(i if isinstance(i, str) else i.drug)[:MAX_DRUG] for i in items]
    drugs = [d for d in drugs if d]
    table = interactions.default_table()  # a broken table refuses before anything is read
    with clinic.store.unit_of_work(write=True) as uow:
        _patient(uow.session, patient_id)
        allergies, current = _safety_lists(uow.session, patient_id, clinic.now())
        warnings = table.check(drugs, current, allergies)
        # The check reveals allergies and medication, so it is a read of the record.
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="prescription.check",
                object_type="patient",
                object_id=patient_id.hex,
                patient_id=patient_id,
                detail=json.dumps({"items": len(drugs), "warnings": len(warnings)}),
            ),
        )
        uow.commit()
    return warnings


def write_prescription(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    items: Sequence[ItemInput],
    *,
    visit_id: uuid.UUID | None = None,
    notes: str = "",
    acknowledged_warnings: bool = False,
    override_reason: str = "",
) -> Written[PrescriptionView]:
    """Issue a prescription; raises ``PrescriptionWarnings`` (nothing saved) when a
    major interaction or an allergy has not been confirmed with a reason."""
    clinic.require(
        actor,
        Action.PRESCRIPTION_WRITE,
        patient_id=patient_id,
        object_type="patient",
        object_id=patient_id.hex,
    )
    lines = _validate_items(items)
    note_text = _multi_line(notes)
    if len(note_text) > MAX_NOTES:
        raise _too_long("notes", MAX_NOTES)
    reason = _reason(override_reason, "reason")
    table = interactions.default_table()
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        _patient(session, patient_id)
        if visit_id is not None:
            visit = session.get(Visit, visit_id)
            if visit is None or visit.deleted_at is not None or visit.patient_id != patient_id:
                raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "visit"))
        now = clinic.now()
        # Checked again inside the write, so what was confirmed is what is stored.
        allergies, current = _safety_lists(session, patient_id, now)
        warnings = table.check([line.drug for line in lines], current, allergies)
        serious = [w for w in warnings if w.needs_override]
        if serious and not (acknowledged_warnings and len(reason) >= 2):
            raise PrescriptionWarnings(warnings)
        rx = Prescription(
            patient_id=patient_id,
            visit_id=visit_id,
            prescriber_id=actor.staff_id,
            issued_at=now,
            notes=note_text,
            warnings_json=json.dumps([w.to_dict() for w in warnings], ensure_ascii=False),
            override_reason=reason if warnings else "",
        )
        session.add(rx)
        session.flush()
        since = now.astimezone(clinic.timezone()).date()
        for position, line in enumerate(lines):
            session.add(
                PrescriptionItem(
                    prescription_id=rx.id,
                    position=position,
                    drug=line.drug,
                    strength=line.strength,
                    dose=line.dose,
                    route=line.route,
                    frequency=line.frequency,
                    timing=line.timing,
                    duration_days=line.duration_days,
                    quantity=line.quantity,
                    cautions=line.cautions,
                )
            )
            session.add(
                Medication(
                    patient_id=patient_id,
                    drug=line.drug,
                    dose=f"{line.strength} {line.dose}".strip(),
                    frequency=line.frequency,
                    source="prescription",
                    since=since,
                    prescription_id=rx.id,
                    recorded_by=actor.staff_id,
                )
            )
        session.flush()
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="prescription.write",
                object_type="prescription",
                object_id=rx.id.hex,
                patient_id=patient_id,
                detail=json.dumps(
                    {"items": len(lines), "warnings": len(warnings), "overridden": len(serious)}
                ),
            ),
        )
        view = _views(session, [rx])[0]
        uow.commit()
    return Written(view, _changes(patient_id))


def cancel_prescription(
    clinic: Clinic, actor: Actor, prescription_id: uuid.UUID, *, reason: str
) -> Written[PrescriptionView]:
    """Cancel (never delete) a prescription and end its current-medication entries."""
    clinic.require(
        actor, Action.PRESCRIPTION_WRITE, object_type="prescription", object_id=prescription_id.hex
    )
    text = _reason(reason, "reason")
    if not text:
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Say why the prescription is cancelled."))
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        rx = _prescription(session, prescription_id)
        if rx.cancelled_at is not None:
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "This prescription was already cancelled on {when}."),
                when=clinic.local_text(rx.cancelled_at),
            )
        now = clinic.now()
        rx.cancelled_at, rx.cancelled_by, rx.cancel_reason = now, actor.staff_id, text
        ended = 0
        for med in session.execute(
            select(Medication).where(
                Medication.prescription_id == rx.id,
                Medication.ended_at.is_(None),
                Medication.deleted_at.is_(None),
            )
        ).scalars():
            med.ended_at, med.ended_by = now, actor.staff_id
            med.end_reason = "prescription cancelled"
            ended += 1
        session.flush()
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="prescription.cancel",
                object_type="prescription",
                object_id=rx.id.hex,
                patient_id=rx.patient_id,
                detail=json.dumps({"medications_ended": ended}),
            ),
        )
        view = _views(session, [rx])[0]
        uow.commit()
    return Written(view, _changes(view.patient_id))


def list_prescriptions(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    break_glass_reason: str | None = None,
) -> list[PrescriptionView]:
    """All the patient's prescriptions, newest first, cancelled ones included."""
    glass = clinic.require(
        actor,
        Action.PRESCRIPTION_READ,
        patient_id=patient_id,
        break_glass_reason=break_glass_reason,
        object_type="patient",
        object_id=patient_id.hex,
    )
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        _patient(session, patient_id)
        rows = list(
            session.execute(
                select(Prescription)
                .where(Prescription.patient_id == patient_id, Prescription.deleted_at.is_(None))
                .order_by(Prescription.issued_at.desc(), Prescription.id.desc())
            ).scalars()
        )
        views = _views(session, rows)
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="prescription.read",
                object_type="patient",
                object_id=patient_id.hex,
                patient_id=patient_id,
                break_glass=glass,
                reason=(break_glass_reason or "").strip() if glass else "",
                detail=json.dumps({"prescriptions": len(views)}),
            ),
        )
        uow.commit()
    return views


def record_guidance(
    clinic: Clinic, actor: Actor, prescription_id: uuid.UUID, *, guidance: str
) -> Written[GuidanceView]:
    """Record what the pharmacist told the patient about a prescription (spec D1)."""
    clinic.require(
        actor, Action.PHARMACY_GUIDANCE, object_type="prescription", object_id=prescription_id.hex
    )
    text = _multi_line(guidance)
    if not text:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The guidance is empty. Type what the patient was told.")
        )
    if len(text) > MAX_GUIDANCE:
        raise _too_long("guidance", MAX_GUIDANCE)
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        rx = _prescription(session, prescription_id)
        if rx.cancelled_at is not None:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors", "This prescription was cancelled, so no guidance can be added to it."
                )
            )
        row = PharmacyGuidance(
            prescription_id=rx.id,
            pharmacist_id=actor.staff_id,
            given_at=clinic.now(),
            guidance=text,
        )
        session.add(row)
        session.flush()
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="prescription.guidance",
                object_type="pharmacy_guidance",
                object_id=row.id.hex,
                patient_id=rx.patient_id,
            ),
        )
        view = _guidance_view(row, {actor.staff_id: actor.display_name} if actor.staff_id else {})
        patient_id = rx.patient_id
        uow.commit()
    return Written(view, _changes(patient_id))

"""Patients: registration and the clinical record, with every read audited.

Issue 4 grows this into the full registry (spec C1-C6); what is here is the
part the security foundation needs: role-checked, audited reads of the
clinical record (spec C3) and break-the-glass access.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from clinic_desk.core.errors import NotFound, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.store.models import ClinicalNote, Patient

MAX_NAME = 100
MAX_NOTE = 20_000
SEXES = ("F", "M", "U")


@dataclass(frozen=True)
class PatientSummary:
    id: uuid.UUID
    family_name: str
    given_name: str
    sex: str
    birth_date: date | None
    phone: str


@dataclass(frozen=True)
class NoteView:
    id: uuid.UUID
    written_at: datetime
    author_id: uuid.UUID
    body: str


@dataclass(frozen=True)
class ClinicalRecord:
    patient: PatientSummary
    notes: tuple[NoteView, ...]
    break_glass: bool


def _name_part(value: str, label: str) -> str:
    text = unicodedata.normalize("NFC", value).strip()
    if len(text) > MAX_NAME:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "{label} is too long: use at most {n} characters."),
            label=label, n=MAX_NAME,
        )
    return text


def _summary(p: Patient) -> PatientSummary:
    return PatientSummary(p.id, p.family_name, p.given_name, p.sex, p.birth_date, p.phone)


def register_patient(
    clinic: Clinic,
    actor: Actor,
    *,
    family_name: str,
    given_name: str,
    sex: str = "U",
    birth_date: date | None = None,
    phone: str = "",
) -> Written[PatientSummary]:
    clinic.require(actor, Action.PATIENT_REGISTER)
    family = _name_part(family_name, "Family name")
    given = _name_part(given_name, "Given name")
    if not (family or given):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The patient's name is empty. Type the name.")
        )
    if sex not in SEXES:
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Choose the patient's sex."))
    with clinic.store.unit_of_work(write=True) as uow:
        patient = Patient(
            family_name=family, given_name=given, sex=sex, birth_date=birth_date,
            phone=phone.strip()[:32], created_by=actor.staff_id,
        )
        uow.session.add(patient)
        uow.session.flush()
        clinic.audit(
            uow, actor,
            audit.AuditEvent(action="patient.register", object_type="patient",
                             object_id=patient.id.hex, patient_id=patient.id),
        )
        summary = _summary(patient)
        uow.commit()
    return Written(summary, Changes(frozenset({Topic.PATIENTS}), frozenset({summary.id})))


def search_patients(
    clinic: Clinic, actor: Actor, query: str, *, limit: int = 50
) -> list[PatientSummary]:
    """Patients whose name or phone contains ``query`` (issue 4 adds pinyin and ID search)."""
    clinic.require(actor, Action.PATIENT_SEARCH)
    text = unicodedata.normalize("NFC", query).strip()[:100]
    if not text:
        return []
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    full = Patient.family_name + Patient.given_name
    stmt = (
        select(Patient)
        .where(
            Patient.deleted_at.is_(None),
            full.like(like, escape="\\") | Patient.phone.like(like, escape="\\"),
        )
        .order_by(Patient.family_name, Patient.given_name)
        .limit(max(1, min(limit, 500)))
    )
    with clinic.store.unit_of_work(write=False) as uow:
        return [_summary(p) for p in uow.session.execute(stmt).scalars()]


def read_clinical_record(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    break_glass_reason: str | None = None,
) -> ClinicalRecord:
    """The record, with the read itself written to the audit log (spec C3)."""
    glass = clinic.require(
        actor, Action.CLINICAL_READ, patient_id=patient_id,
        break_glass_reason=break_glass_reason, object_type="patient", object_id=patient_id.hex,
    )
    # A write transaction: the read and its audit row are one atomic step.
    with clinic.store.unit_of_work(write=True) as uow:
        patient = uow.session.get(Patient, patient_id)
        if patient is None or patient.deleted_at is not None:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "patient"))
        notes = tuple(
            NoteView(n.id, n.created_at, n.author_id, n.body)
            for n in uow.session.execute(
                select(ClinicalNote)
                .where(ClinicalNote.patient_id == patient_id, ClinicalNote.deleted_at.is_(None))
                .order_by(ClinicalNote.created_at)
            ).scalars()
        )
        clinic.audit(
            uow, actor,
            audit.AuditEvent(
                action="clinical.read", object_type="patient", object_id=patient_id.hex,
                patient_id=patient_id, break_glass=glass,
                reason=(break_glass_reason or "").strip() if glass else "",
                detail=json.dumps({"notes": len(notes)}),
            ),
        )
        record = ClinicalRecord(_summary(patient), notes, glass)
        uow.commit()
    return record


def add_clinical_note(
    clinic: Clinic, actor: Actor, patient_id: uuid.UUID, *, body: str
) -> Written[NoteView]:
    """Append a note; notes are never edited in place (STYLE 6)."""
    clinic.require(actor, Action.CLINICAL_WRITE, patient_id=patient_id)
    text = unicodedata.normalize("NFC", body).strip()
    if not text:
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "The note is empty. Type the note."))
    if len(text) > MAX_NOTE:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The note is too long: use at most {n} characters."),
            n=MAX_NOTE,
        )
    assert actor.staff_id is not None
    with clinic.store.unit_of_work(write=True) as uow:
        patient = uow.session.get(Patient, patient_id)
        if patient is None or patient.deleted_at is not None:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "patient"))
        note = ClinicalNote(patient_id=patient_id, author_id=actor.staff_id, body=text)
        uow.session.add(note)
        uow.session.flush()
        clinic.audit(
            uow, actor,
            audit.AuditEvent(action="clinical.note_add", object_type="clinical_note",
                             object_id=note.id.hex, patient_id=patient_id),
        )
        view = NoteView(note.id, note.created_at, note.author_id, note.body)
        uow.commit()
    return Written(view, Changes(frozenset({Topic.CLINICAL}), frozenset({patient_id})))

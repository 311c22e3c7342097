"""Patients: the registry (spec C1, C4) and the clinical notes (C2, C3).

The registry service is the only writer of ``patient`` rows: it checks the
input (``registry_rules``), refuses or offers duplicates, numbers the
record, keeps the search index in the same transaction, and audits. The
clinical sections live in ``clinical.py``, ``prescriptions.py`` and
``referrals.py``.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from clinic_desk.core.errors import ClinicError, NotFound, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.rules import honorifics
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import patient_search
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.services.registry_rules import PatientInput, check_patient, display_name
from clinic_desk.core.store.base import Base
from clinic_desk.core.store.models import (
    ClinicalNote,
    ContactLog,
    Patient,
    PatientSearchKey,
    Staff,
)
from clinic_desk.core.store.store import UnitOfWork

MAX_NAME = 100
MAX_NOTE = 20_000
SEXES = ("F", "M", "U")

__all__ = [
    "ClinicalRecord",
    "DuplicatePatient",
    "NoteView",
    "PatientDetails",
    "PatientInput",
    "PatientSummary",
    "add_clinical_note",
    "address_patient",
    "find_duplicates",
    "get_patient",
    "honorific_style",
    "merge_patients",
    "read_clinical_record",
    "record_death",
    "register_patient",
    "search_patients",
    "set_contact_opt_out",
    "update_patient",
]


@dataclass(frozen=True)
class PatientSummary:
    id: uuid.UUID
    family_name: str
    given_name: str
    sex: str
    birth_date: date | None
    phone: str
    record_no: str = ""


@dataclass(frozen=True)
class PatientDetails:
    """Everything the desk may see of a patient (no clinical content)."""

    id: uuid.UUID
    record_no: str
    data: PatientInput
    # Declared needs plus child/elderly from the age (spec B6, H3).
    needs: tuple[str, ...]
    age: int | None
    merged_into: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    # Follow-up and messages (issue 9): calls and messages stop after a death or an opt-out.
    deceased_on: date | None = None
    opt_out_calls: bool = False
    opt_out_messages: bool = False

    @property
    def full_name(self) -> str:
        return display_name(self.data.family_name, self.data.given_name)

    def summary(self) -> PatientSummary:
        d = self.data
        return PatientSummary(
            self.id, d.family_name, d.given_name, d.sex, d.birth_date, d.phone, self.record_no
        )


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


class DuplicatePatient(ClinicError):
    """Registering someone who may already be registered (issue 4, duplicates).

    ``candidates`` are the existing records to offer; ``certain`` is True for
    an ID-number match, which cannot be registered twice.
    """

    def __init__(self, candidates: list[PatientSummary], *, certain: bool) -> None:
        if certain:
            super().__init__(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "A patient with this ID number is already registered. Open that "
                    "record instead of registering again.",
                )
            )
        else:
            super().__init__(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "A patient with the same name, birth date and phone is already "
                    "registered. Open that record, or confirm this is a different person.",
                )
            )
        self.candidates = candidates
        self.certain = certain


_INPUT_FIELDS = PatientInput.field_names()
_CSV_FIELDS = ("contact_channels", "special_needs")


def _summary(p: Patient) -> PatientSummary:
    return PatientSummary(
        p.id, p.family_name, p.given_name, p.sex, p.birth_date, p.phone, p.record_no
    )


def _input_of(p: Patient) -> PatientInput:
    values: dict[str, Any] = {}
    for name in _INPUT_FIELDS:
        value = getattr(p, name)
        if name in _CSV_FIELDS:
            value = tuple(v for v in (value or "").split(",") if v)
        values[name] = value
    return PatientInput(**values)


def honorific_style(clinic: Clinic) -> honorifics.Style:
    s = clinic.settings()
    return honorifics.Style(
        elderly_age=int(s["patients.elderly_age"]),
        elderly_form=s["patients.elderly_form"],
        child_age=int(s["patients.child_age"]),
        use_titles=bool(s["patients.use_titles"]),
    )


def _details(clinic: Clinic, p: Patient) -> PatientDetails:
    data = _input_of(p)
    today = clinic.today()
    age = honorifics.age_in_years(p.birth_date, today) if p.birth_date else None
    style = honorific_style(clinic)
    needs = list(data.special_needs)
    if age is not None and age < style.child_age and "child" not in needs:
        needs.append("child")
    if age is not None and age >= style.elderly_age and "elderly" not in needs:
        needs.append("elderly")
    return PatientDetails(
        p.id,
        p.record_no,
        data,
        tuple(needs),
        age,
        p.merged_into,
        p.created_at,
        p.updated_at,
        deceased_on=p.deceased_on,
        opt_out_calls=bool(p.opt_out_calls),
        opt_out_messages=bool(p.opt_out_messages),
    )


def address_patient(clinic: Clinic, patient: PatientDetails, language: str) -> str:
    """How to address the patient (spec C4): used by every patient-facing text."""
    d = patient.data
    person = honorifics.Person(
        family_name=d.family_name,
        given_name=d.given_name,
        sex=d.sex if d.sex in ("F", "M") else "U",  # type: ignore[arg-type]
        birth_date=d.birth_date,
        occupation=d.occupation,
        title=d.title,
        preferred=d.honorific_override,
    )
    lang = language if language in honorifics.LANGUAGES else "zh_CN"
    return honorifics.address(
        person,
        today=clinic.today(),
        language=lang,
        style=honorific_style(clinic),
    )


def _clean(clinic: Clinic, data: PatientInput) -> PatientInput:
    return check_patient(
        data, region=str(clinic.setting("clinic.phone_region")), today=clinic.today()
    )


def _live(stmt: Any) -> Any:
    return stmt.where(Patient.deleted_at.is_(None), Patient.merged_into.is_(None))


def duplicates_in(
    uow: UnitOfWork, data: PatientInput, *, exclude: uuid.UUID | None = None
) -> tuple[list[PatientSummary], bool]:
    """``_duplicates`` for callers holding their own transaction (the import)."""
    return _duplicates(uow, data, exclude=exclude)


def clean_input(clinic: Clinic, data: PatientInput) -> PatientInput:
    """``data`` checked with the clinic's phone region and today's date."""
    return _clean(clinic, data)


def _duplicates(
    uow: UnitOfWork, data: PatientInput, *, exclude: uuid.UUID | None = None
) -> tuple[list[PatientSummary], bool]:
    """Existing patients ``data`` may be; True when matched by ID number (certain)."""
    if data.id_number:
        stmt = _live(select(Patient)).where(
            Patient.id_kind == data.id_kind, Patient.id_number == data.id_number
        )
        if exclude is not None:
            stmt = stmt.where(Patient.id != exclude)
        found = [_summary(p) for p in uow.session.execute(stmt.limit(10)).scalars()]
        if found:
            return found, True
    if data.birth_date is not None and data.phone:
        stmt = _live(select(Patient)).where(
            Patient.family_name == data.family_name,
            Patient.given_name == data.given_name,
            Patient.birth_date == data.birth_date,
            (Patient.phone == data.phone) | (Patient.phone2 == data.phone),
        )
        if exclude is not None:
            stmt = stmt.where(Patient.id != exclude)
        return [_summary(p) for p in uow.session.execute(stmt.limit(10)).scalars()], False
    return [], False


def find_duplicates(clinic: Clinic, actor: Actor, data: PatientInput) -> list[PatientSummary]:
    """Existing records the typed patient may be (for the form to offer before saving)."""
    clinic.require(actor, Action.PATIENT_SEARCH)
    clean = _clean(clinic, data)
    with clinic.store.unit_of_work(write=False) as uow:
        return _duplicates(uow, clean)[0]


def next_record_numbers(clinic: Clinic, uow: UnitOfWork, count: int) -> list[str]:
    """The next ``count`` record numbers, e.g. ``2026-000123``.

    Counted in this workstation's meta; with sync (issue 7) each workstation
    will need its own prefix so two offline desks never hand out the same one.
    """
    prefix = str(clinic.setting("patients.record_prefix")).strip()
    if not prefix:
        prefix = f"{clinic.today().year}-"
    key = f"record_seq:{prefix}"
    current = int(uow.meta(key) or 0)
    if current == 0:
        # First number under this prefix here: continue after any already present.
        existing = uow.session.execute(
            select(Patient.record_no)
            .where(Patient.record_no.like(prefix.replace("%", "").replace("_", "") + "%"))
            .order_by(Patient.record_no.desc())
            .limit(1)
        ).scalar()
        if existing and existing[len(prefix) :].isdigit():
            current = int(existing[len(prefix) :])
    uow.set_meta(key, str(current + count))
    return [f"{prefix}{n:06d}" for n in range(current + 1, current + count + 1)]


def _apply(p: Patient, data: PatientInput) -> list[str]:
    changed: list[str] = []
    for name in _INPUT_FIELDS:
        value: Any = getattr(data, name)
        if name in _CSV_FIELDS:
            value = ",".join(value)
        if getattr(p, name) != value:
            setattr(p, name, value)
            changed.append(name)
    return changed


def register_patient(
    clinic: Clinic,
    actor: Actor,
    data: PatientInput | None = None,
    *,
    not_duplicate: bool = False,
    **fields_: Any,
) -> Written[PatientSummary]:
    """Register a patient; ``DuplicatePatient`` offers an existing record instead.

    ``not_duplicate`` confirms a name + birth date + phone match is another
    person (twins sharing a parent's phone); an ID-number match is never
    registered twice.
    """
    clinic.require(actor, Action.PATIENT_REGISTER)
    clean = _clean(clinic, data if data is not None else PatientInput(**fields_))
    with clinic.store.unit_of_work(write=True) as uow:
        candidates, certain = _duplicates(uow, clean)
        if candidates and (certain or not not_duplicate):
            raise DuplicatePatient(candidates, certain=certain)
        summary = insert_patient(
            clinic,
            uow,
            actor,
            clean,
            detail={"confirmed_not_duplicate": bool(candidates)},
        )
        uow.commit()
    return Written(summary, Changes(frozenset({Topic.PATIENTS}), frozenset({summary.id})))


def insert_patient(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    clean: PatientInput,
    *,
    detail: dict[str, Any] | None = None,
) -> PatientSummary:
    """Add one checked patient inside the caller's write transaction (register, import).

    ``clean`` must come from ``check_patient``; the caller has checked the
    permission and duplicates.
    """
    return insert_patients(clinic, uow, actor, [(clean, detail or {})])[0]


def insert_patients(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    rows: list[tuple[PatientInput, dict[str, Any]]],
) -> list[PatientSummary]:
    """Add checked patients in bulk: one flush, one key insert, one chained audit insert.

    Each patient still gets its own record number, search keys and
    ``patient.register`` audit row; only the statements are shared.
    """
    made: list[Patient] = []
    numbers = next_record_numbers(clinic, uow, len(rows))
    for (clean, _detail), number in zip(rows, numbers, strict=True):
        patient = Patient(record_no=number, created_by=actor.staff_id)
        _apply(patient, clean)
        made.append(patient)
    uow.session.add_all(made)
    uow.session.flush()
    patient_search.index_new_patients(uow.session, made)
    clinic.audit_many(
        uow,
        actor,
        [
            audit.AuditEvent(
                action="patient.register",
                object_type="patient",
                object_id=p.id.hex,
                patient_id=p.id,
                detail=json.dumps(detail),
            )
            for p, (_clean, detail) in zip(made, rows, strict=True)
        ],
    )
    return [_summary(p) for p in made]


def _load(uow: UnitOfWork, patient_id: uuid.UUID) -> Patient:
    patient = uow.session.get(Patient, patient_id)
    if patient is None or patient.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "patient"))
    return patient


def get_patient(clinic: Clinic, actor: Actor, patient_id: uuid.UUID) -> PatientDetails:
    """The registry entry (demographics only); opening it is audited (spec C3)."""
    clinic.require(actor, Action.PATIENT_SEARCH)
    with clinic.store.unit_of_work(write=True) as uow:
        patient = uow.session.get(Patient, patient_id)
        if patient is None:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "patient"))
        details = _details(clinic, patient)
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="patient.view",
                object_type="patient",
                object_id=patient_id.hex,
                patient_id=patient_id,
            ),
        )
        uow.commit()
    return details


def update_patient(
    clinic: Clinic, actor: Actor, patient_id: uuid.UUID, data: PatientInput
) -> Written[PatientDetails]:
    """Change the registry entry; the audit row names the fields changed, not their values."""
    clinic.require(actor, Action.PATIENT_EDIT, patient_id=patient_id)
    clean = _clean(clinic, data)
    with clinic.store.unit_of_work(write=True) as uow:
        patient = _load(uow, patient_id)
        if patient.merged_into is not None:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "This record was merged into another one. Open that record to "
                    "change the patient's details.",
                )
            )
        candidates, certain = _duplicates(uow, clean, exclude=patient_id)
        if certain:
            raise DuplicatePatient(candidates, certain=True)
        changed = _apply(patient, clean)
        if changed:
            patient.updated_by = actor.staff_id
            uow.session.flush()
            patient_search.reindex_patient(uow.session, patient)
            clinic.audit(
                uow,
                actor,
                audit.AuditEvent(
                    action="patient.update",
                    object_type="patient",
                    object_id=patient_id.hex,
                    patient_id=patient_id,
                    detail=json.dumps({"fields": changed}),
                ),
            )
        details = _details(clinic, patient)
        uow.commit()
    return Written(details, Changes(frozenset({Topic.PATIENTS}), frozenset({patient_id})))


# -- death and contact opt-outs (issue 9, E1-E7) -----------------------------------------

MAX_CONTACT_NOTE = 500


def _contact_note(note: str) -> str:
    if not isinstance(note, str):
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "The note should be text."))
    text = " ".join(unicodedata.normalize("NFC", note).split())
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The note contains invisible control characters. Type it again, or paste it "
                "as plain text.",
            )
        )
    if len(text) > MAX_CONTACT_NOTE:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The note is too long: use at most {n} characters."),
            n=MAX_CONTACT_NOTE,
        )
    return text


def _unmerged(uow: UnitOfWork, patient_id: uuid.UUID) -> Patient:
    patient = _load(uow, patient_id)
    if patient.merged_into is not None:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "This record was merged into another one. Open that record to change the "
                "patient's details.",
            )
        )
    return patient


def _contact_changes(patient_id: uuid.UUID) -> Changes:
    return Changes(
        frozenset({Topic.PATIENTS, Topic.FOLLOWUPS, Topic.OUTBOX}), frozenset({patient_id})
    )


def record_death(
    clinic: Clinic, actor: Actor, patient_id: uuid.UUID, *, on: date, note: str = ""
) -> Written[PatientDetails]:
    """The patient died on ``on``: every open follow-up closes (deceased) and every queued
    message is cancelled, in the same transaction; no new ones are made."""
    # Imported here: both services read patients through this module.
    from clinic_desk.core.services import followups, outbox

    clinic.require(actor, Action.PATIENT_EDIT, patient_id=patient_id)
    if not isinstance(on, date) or isinstance(on, datetime):
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "The date of death should be a date."))
    if on.year < 1900:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "That date is too long ago. Check the year."),
        )
    if on > clinic.today():
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "The date of death ({day}) cannot be in the future. Check the date."
            ),
            day=on.isoformat(),
        )
    text = _contact_note(note)
    with clinic.store.unit_of_work(write=True) as uow:
        patient = _unmerged(uow, patient_id)
        if patient.birth_date is not None and on < patient.birth_date:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "The date of death ({day}) is before the birth date ({birth}). Check both "
                    "dates.",
                ),
                day=on.isoformat(),
                birth=patient.birth_date.isoformat(),
            )
        before = patient.deceased_on
        patient.deceased_on = on
        patient.updated_by = actor.staff_id
        patient.updated_at = clinic.now()
        closed = followups.close_for_patient_in(
            clinic, uow, patient_id, reason="deceased", note=text
        )
        cancelled = outbox.cancel_for_patient_in(clinic, uow, patient_id, reason="deceased")
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="patient.death",
                object_type="patient",
                object_id=patient_id.hex,
                patient_id=patient_id,
                reason=text,
                detail=json.dumps(
                    {
                        "on": on.isoformat(),
                        "before": before.isoformat() if before else None,
                        "tasks_closed": len(closed),
                        "messages_cancelled": cancelled,
                    }
                ),
            ),
        )
        details = _details(clinic, patient)
        uow.commit()
    return Written(details, _contact_changes(patient_id))


def set_contact_opt_out(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    calls: bool,
    messages: bool,
    note: str = "",
) -> Written[PatientDetails]:
    """The patient's wish not to be called or not to get messages. Turning one on closes
    the open follow-ups of that kind (opted out) and, for messages, cancels the queued
    ones; turning it off again reopens nothing."""
    from clinic_desk.core.services import followups, outbox

    clinic.require(actor, Action.PATIENT_EDIT, patient_id=patient_id)
    if not isinstance(calls, bool) or not isinstance(messages, bool):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "Say whether the patient wants calls and whether they want messages."
            )
        )
    text = _contact_note(note)
    with clinic.store.unit_of_work(write=True) as uow:
        patient = _unmerged(uow, patient_id)
        before = (bool(patient.opt_out_calls), bool(patient.opt_out_messages))
        closed: list[uuid.UUID] = []
        cancelled = 0
        if calls and not before[0]:
            closed += followups.close_for_patient_in(
                clinic,
                uow,
                patient_id,
                reason="opted_out",
                channels=sorted(followups.CALL_CHANNELS),
                note=text,
            )
        if messages and not before[1]:
            closed += followups.close_for_patient_in(
                clinic,
                uow,
                patient_id,
                reason="opted_out",
                channels=sorted(followups.MESSAGE_CHANNELS),
                note=text,
            )
            cancelled = outbox.cancel_for_patient_in(clinic, uow, patient_id, reason="opted_out")
        if before != (calls, messages):
            patient.opt_out_calls = calls
            patient.opt_out_messages = messages
            patient.updated_by = actor.staff_id
            patient.updated_at = clinic.now()
            clinic.audit(
                uow,
                actor,
                audit.AuditEvent(
                    action="patient.contact_opt_out",
                    object_type="patient",
                    object_id=patient_id.hex,
                    patient_id=patient_id,
                    reason=text,
                    detail=json.dumps(
                        {
                            "calls": calls,
                            "messages": messages,
                            "tasks_closed": len(closed),
                            "messages_cancelled": cancelled,
                        }
                    ),
                ),
            )
        details = _details(clinic, patient)
        uow.commit()
    return Written(details, _contact_changes(patient_id))


def _patient_tables() -> list[Any]:
    """Every table with a ``patient_id`` whose rows move in a merge (not the audit log)."""
    skip = {"audit_log", PatientSearchKey.__tablename__}
    return [t for t in Base.metadata.sorted_tables if "patient_id" in t.c and t.name not in skip]


def merge_patients(
    clinic: Clinic, actor: Actor, keep_id: uuid.UUID, merge_id: uuid.UUID, *, reason: str
) -> Written[PatientDetails]:
    """Merge a duplicate into ``keep_id`` (director only); both histories are kept.

    Every visit, note, allergy ... of the duplicate moves to the kept record;
    empty registry fields of the kept record are filled from the duplicate;
    the duplicate stays as a tombstone pointing at the kept record, so links
    to it (and the audit log, which is never rewritten) still resolve.
    """
    clinic.require(actor, Action.PATIENT_MERGE, patient_id=keep_id)
    why = unicodedata.normalize("NFC", reason).strip()
    if len(why) < 4:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "Say why these two records are the same patient (at least 4 characters)."
            )
        )
    if len(why) > 1000:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The reason is too long: use at most 1000 characters.")
        )
    if keep_id == merge_id:
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Choose two different records to merge."))
    with clinic.store.unit_of_work(write=True) as uow:
        keep, gone = _load(uow, keep_id), _load(uow, merge_id)
        if keep.merged_into is not None or gone.merged_into is not None:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "One of these records was already merged. Search again and choose "
                    "the current record.",
                )
            )
        moved: dict[str, int] = {}
        for table in _patient_tables():
            result = cast(
                CursorResult[Any],
                uow.session.execute(
                    update(table).where(table.c.patient_id == merge_id).values(patient_id=keep_id)
                ),
            )
            if result.rowcount:
                moved[table.name] = result.rowcount
        filled: list[str] = []
        for name in _INPUT_FIELDS:
            if not getattr(keep, name) and getattr(gone, name):
                setattr(keep, name, getattr(gone, name))
                filled.append(name)
        if gone.desk_notes and gone.desk_notes not in keep.desk_notes:
            keep.desk_notes = (keep.desk_notes + "\n" + gone.desk_notes).strip()[:4000]
        now = clinic.now()
        gone.merged_into = keep_id
        gone.deleted_at = now
        keep.updated_by = actor.staff_id
        uow.session.flush()
        patient_search.reindex_patient(uow.session, keep)
        patient_search.reindex_patient(uow.session, gone)
        detail = {
            "merged": merge_id.hex,
            "merged_record_no": gone.record_no,
            "moved": moved,
            "filled": filled,
        }
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="patient.merge",
                object_type="patient",
                object_id=keep_id.hex,
                patient_id=keep_id,
                reason=why,
                detail=json.dumps(detail),
            ),
        )
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="patient.merged_away",
                object_type="patient",
                object_id=merge_id.hex,
                patient_id=merge_id,
                reason=why,
                detail=json.dumps({"into": keep_id.hex}),
            ),
        )
        details = _details(clinic, keep)
        uow.commit()
    return Written(
        details,
        Changes(frozenset({Topic.PATIENTS, Topic.CLINICAL}), frozenset({keep_id, merge_id})),
    )


def search_patients(
    clinic: Clinic, actor: Actor, query: str, *, limit: int = 50
) -> list[PatientSummary]:
    """Patients matching ``query`` (name, pinyin, phone digits, ID, record number)."""
    hits = patient_search.search_patients(clinic, actor, query, limit=limit)
    return [
        PatientSummary(h.id, h.family_name, h.given_name, h.sex, h.birth_date, h.phone, h.record_no)
        for h in hits
    ]


def read_clinical_record(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    break_glass_reason: str | None = None,
) -> ClinicalRecord:
    """The record, with the read itself written to the audit log (spec C3)."""
    glass = clinic.require(
        actor,
        Action.CLINICAL_READ,
        patient_id=patient_id,
        break_glass_reason=break_glass_reason,
        object_type="patient",
        object_id=patient_id.hex,
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
            uow,
            actor,
            audit.AuditEvent(
                action="clinical.read",
                object_type="patient",
                object_id=patient_id.hex,
                patient_id=patient_id,
                break_glass=glass,
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
            uow,
            actor,
            audit.AuditEvent(
                action="clinical.note_add",
                object_type="clinical_note",
                object_id=note.id.hex,
                patient_id=patient_id,
            ),
        )
        view = NoteView(note.id, note.created_at, note.author_id, note.body)
        uow.commit()
    return Written(view, Changes(frozenset({Topic.CLINICAL}), frozenset({patient_id})))


# -- contact history (the patient file's last tab) ----------------------------------------

CONTACT_LOG_CHANNELS = (
    "mobile",
    "sms",
    "wechat",
    "qq",
    "email",
    "letter",
    "home_visit",
    "in_person",
)
MAX_CONTACT_SUMMARY = 2000


@dataclass(frozen=True)
class ContactEntry:
    id: uuid.UUID
    at: datetime
    channel: str
    direction: str
    summary: str
    staff_name: str


def log_contact(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    channel: str,
    summary: str,
    direction: str = "out",
) -> Written[ContactEntry]:
    """Note a call, message or letter exchanged with the patient outside a visit."""
    clinic.require(actor, Action.PATIENT_EDIT, patient_id=patient_id)
    if channel not in CONTACT_LOG_CHANNELS:
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Choose how you contacted the patient."))
    if direction not in ("in", "out"):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "Choose whether the patient contacted us or we contacted them."
            )
        )
    text = unicodedata.normalize("NFC", summary).strip()
    if not text:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The summary is empty. Write what was said or agreed.")
        )
    if len(text) > MAX_CONTACT_SUMMARY:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The summary is too long: use at most {n} characters."),
            n=MAX_CONTACT_SUMMARY,
        )
    with clinic.store.unit_of_work(write=True) as uow:
        _load(uow, patient_id)
        row = ContactLog(
            patient_id=patient_id,
            at=clinic.now(),
            channel=channel,
            direction=direction,
            summary=text,
            staff_id=actor.staff_id,
        )
        uow.session.add(row)
        uow.session.flush()
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="patient.contact_log",
                object_type="contact_log",
                object_id=row.id.hex,
                patient_id=patient_id,
            ),
        )
        entry = ContactEntry(row.id, row.at, channel, direction, text, actor.display_name)
        uow.commit()
    return Written(entry, Changes(frozenset({Topic.PATIENTS}), frozenset({patient_id})))


def list_contacts(
    clinic: Clinic, actor: Actor, patient_id: uuid.UUID, *, limit: int = 200
) -> list[ContactEntry]:
    """The patient's contact history, newest first."""
    clinic.require(actor, Action.PATIENT_SEARCH)
    with clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.execute(
            select(ContactLog, Staff.display_name)
            .outerjoin(Staff, Staff.id == ContactLog.staff_id)
            .where(ContactLog.patient_id == patient_id, ContactLog.deleted_at.is_(None))
            .order_by(ContactLog.at.desc())
            .limit(max(1, min(limit, 1000)))
        ).all()
        return [
            ContactEntry(c.id, c.at, c.channel, c.direction, c.summary, name or "")
            for c, name in rows
        ]

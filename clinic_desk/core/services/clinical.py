"""The clinical record (spec C2, C3): allergies, medication, conditions, visits,
vital signs, attachments, assessments and corrections of notes.

Every service checks the role first (``Clinic.require``), writes inside one
transaction with its audit row, and returns frozen views, never ORM rows.
Every read of a clinical section is audited too, in a write transaction that
holds the read and its audit row, and may break the glass with a reason.

Clinical content is append-only (STYLE 6): a correction is a new row whose
``corrects_id`` names the row it replaces; both are kept, and the views show
the latest version with the earlier ones as its history. List items that stop
being true (an allergy entered in error, a medicine stopped) are ended with
who, when and why, never erased.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import select

from clinic_desk.core.errors import NotFound, StoreCorrupt, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.rules import vitals as vital_rules
from clinic_desk.core.rules.icd10 import normalize_icd10
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.store.models import (
    Allergy,
    Assessment,
    Attachment,
    AuditEntry,
    ClinicalNote,
    Condition,
    Medication,
    Patient,
    Staff,
    Visit,
    VitalSigns,
)
from clinic_desk.core.store.store import UnitOfWork

# --- choices --------------------------------------------------------------------------

ALLERGY_SEVERITIES = ("mild", "moderate", "severe", "life_threatening", "unknown")
ALLERGY_SEVERITY_LABELS: dict[str, str] = {
    "mild": QT_TRANSLATE_NOOP("AllergySeverity", "Mild"),
    "moderate": QT_TRANSLATE_NOOP("AllergySeverity", "Moderate"),
    "severe": QT_TRANSLATE_NOOP("AllergySeverity", "Severe"),
    "life_threatening": QT_TRANSLATE_NOOP("AllergySeverity", "Life-threatening"),
    "unknown": QT_TRANSLATE_NOOP("AllergySeverity", "Unknown"),
}

MEDICATION_SOURCES = ("patient", "prescription", "hospital", "other_clinic")
MEDICATION_SOURCE_LABELS: dict[str, str] = {
    "patient": QT_TRANSLATE_NOOP("MedicationSource", "Told by the patient"),
    "prescription": QT_TRANSLATE_NOOP("MedicationSource", "Prescribed here"),
    "hospital": QT_TRANSLATE_NOOP("MedicationSource", "Prescribed by a hospital"),
    "other_clinic": QT_TRANSLATE_NOOP("MedicationSource", "Prescribed by another clinic"),
}

# Follow-up plans (issue 9) are chosen by these categories.
VISIT_CATEGORIES = (
    "cold",
    "physical_exam",
    "physical_exam_positive",
    "chronic",
    "chronic_discharge",
    "post_operative",
    "family_planning",
    "inpatient_surgery",
    "outpatient_surgery",
    "other_treatment",
    "other",
)
VISIT_CATEGORY_LABELS: dict[str, str] = {
    "cold": QT_TRANSLATE_NOOP("VisitCategory", "Cold or flu"),
    "physical_exam": QT_TRANSLATE_NOOP("VisitCategory", "Physical examination"),
    "physical_exam_positive": QT_TRANSLATE_NOOP(
        "VisitCategory", "Physical examination with findings"
    ),
    "chronic": QT_TRANSLATE_NOOP("VisitCategory", "Chronic condition"),
    "chronic_discharge": QT_TRANSLATE_NOOP("VisitCategory", "Chronic condition, discharged"),
    "post_operative": QT_TRANSLATE_NOOP("VisitCategory", "After an operation"),
    "family_planning": QT_TRANSLATE_NOOP("VisitCategory", "Family planning"),
    "inpatient_surgery": QT_TRANSLATE_NOOP("VisitCategory", "Inpatient surgery"),
    "outpatient_surgery": QT_TRANSLATE_NOOP("VisitCategory", "Outpatient surgery"),
    "other_treatment": QT_TRANSLATE_NOOP("VisitCategory", "Other treatment"),
    "other": QT_TRANSLATE_NOOP("VisitCategory", "Other"),
}

ATTACHMENT_KINDS = ("report", "lab", "imaging", "ecg", "letter", "referral", "photo", "other")
ATTACHMENT_KIND_LABELS: dict[str, str] = {
    "report": QT_TRANSLATE_NOOP("AttachmentKind", "Examination report"),
    "lab": QT_TRANSLATE_NOOP("AttachmentKind", "Laboratory result"),
    "imaging": QT_TRANSLATE_NOOP("AttachmentKind", "Imaging (X-ray, ultrasound, CT)"),
    "ecg": QT_TRANSLATE_NOOP("AttachmentKind", "ECG"),
    "letter": QT_TRANSLATE_NOOP("AttachmentKind", "Letter"),
    "referral": QT_TRANSLATE_NOOP("AttachmentKind", "Referral document"),
    "photo": QT_TRANSLATE_NOOP("AttachmentKind", "Photo"),
    "other": QT_TRANSLATE_NOOP("AttachmentKind", "Other"),
}

RISK_LEVELS = ("", "low", "medium", "high")
RISK_LEVEL_LABELS: dict[str, str] = {
    "": QT_TRANSLATE_NOOP("RiskLevel", "Not rated"),
    "low": QT_TRANSLATE_NOOP("RiskLevel", "Low"),
    "medium": QT_TRANSLATE_NOOP("RiskLevel", "Medium"),
    "high": QT_TRANSLATE_NOOP("RiskLevel", "High"),
}

# Lengths: the String(n) widths of the columns; free text (Text columns) is
# capped like the clinical notes so one paste cannot bloat the file.
MAX_TEXT = 20_000
MAX_REASON = 500
MAX_FILENAME = 255
# A visit time may be a little ahead (another workstation's clock), not days.
FUTURE_SLACK = timedelta(hours=24)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")  # lone surrogates too
_LINE_BREAKS = re.compile(r"[\r\n\t\u2028\u2029]+")
_MIME = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,60}/[a-z0-9][a-z0-9!#$&^_.+-]{0,60}", re.ASCII)
# Characters no file name may hold on Windows (the clinic's usual system).
_FILENAME_BAD = re.compile(r'[<>:"|?*]')

# --- messages ---------------------------------------------------------------------------

TOO_LONG = QT_TRANSLATE_NOOP("Errors", "This is too long: use at most {n} characters.")
FUTURE = QT_TRANSLATE_NOOP(
    "Errors", "The time {when} is in the future. Check the date and time, then try again."
)
TOO_OLD = QT_TRANSLATE_NOOP("Errors", "The date is before 1900. Check the year, then try again.")
FUTURE_DATE = QT_TRANSLATE_NOOP(
    "Errors", "The date {when} is in the future. Check the date, then try again."
)
REASON_EMPTY_END = QT_TRANSLATE_NOOP(
    "Errors",
    "The reason is empty. Type why this entry no longer applies, for example “entered in "
    "error” or “stopped by the doctor”.",
)
REASON_EMPTY_CORRECT = QT_TRANSLATE_NOOP(
    "Errors", "The reason is empty. Type why this entry is being corrected."
)
ALREADY_ENDED = QT_TRANSLATE_NOOP(
    "Errors", "This entry was already ended on {when}. Nothing was changed."
)
ALREADY_CORRECTED = QT_TRANSLATE_NOOP(
    "Errors",
    "This entry has been corrected already, perhaps by someone else. Open the record again "
    "and correct its latest version.",
)
MERGED = QT_TRANSLATE_NOOP(
    "Errors",
    "This patient record was merged into another one. Open the other record and add it there.",
)
WRONG_PATIENT_VISIT = QT_TRANSLATE_NOOP(
    "Errors", "That visit belongs to another patient. Choose one of this patient's visits."
)
NO_STAFF_ACCOUNT = QT_TRANSLATE_NOOP(
    "Errors", "Only a signed-in staff member can write this. Sign in with your own account."
)
UNKNOWN_DOCTOR = QT_TRANSLATE_NOOP(
    "Errors", "The chosen doctor is not a staff member of this clinic. Choose another doctor."
)


class InvalidEntry(ValidationError):
    """A ValidationError that names the input field it is about (for the UI)."""

    def __init__(self, field_name: str, template: str, /, **params: Any) -> None:
        super().__init__(template, **params)
        self.field = field_name


_TEXT_CONTROL_OK = frozenset("\n\t")


def clean_text(value: object, field_name: str, *, limit: int, multiline: bool = True) -> str:
    """NFC, trimmed, at most ``limit`` characters. Control characters are refused, not
    dropped: pasted binary junk is a mistake to show, not to hide (newline and tab are
    kept in long texts, folded to spaces in short ones)."""
    if not isinstance(value, str):
        raise InvalidEntry(field_name, QT_TRANSLATE_NOOP("Errors", "This should be text."))
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    for char in text:
        # Cs: a lone surrogate (broken pasted text) cannot even be stored.
        if unicodedata.category(char) in ("Cc", "Cs") and char not in _TEXT_CONTROL_OK:
            raise InvalidEntry(
                field_name,
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "This text contains invisible control characters. Type it again, or "
                    "paste it as plain text.",
                ),
            )
    text = text.strip()
    if len(text) > limit:
        raise InvalidEntry(field_name, TOO_LONG, n=limit)
    return text


# --- views ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllergyView:
    id: uuid.UUID
    patient_id: uuid.UUID
    substance: str
    reaction: str
    severity: str
    recorded_at: datetime
    recorded_by: uuid.UUID | None
    ended_at: datetime | None
    ended_by: uuid.UUID | None
    end_reason: str

    @property
    def active(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class MedicationView:
    id: uuid.UUID
    patient_id: uuid.UUID
    drug: str
    dose: str
    frequency: str
    source: str
    since: date | None
    prescription_id: uuid.UUID | None
    recorded_at: datetime
    recorded_by: uuid.UUID | None
    ended_at: datetime | None
    ended_by: uuid.UUID | None
    end_reason: str

    @property
    def active(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class ConditionView:
    id: uuid.UUID
    patient_id: uuid.UUID
    name: str
    icd10: str
    since: date | None
    recorded_at: datetime
    recorded_by: uuid.UUID | None
    ended_at: datetime | None
    ended_by: uuid.UUID | None
    end_reason: str

    @property
    def active(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class SafetyView:
    """What the pharmacist and the nurse must see: active allergies, current medication."""

    patient_id: uuid.UUID
    allergies: tuple[AllergyView, ...]
    medications: tuple[MedicationView, ...]
    break_glass: bool


@dataclass(frozen=True)
class VisitView:
    id: uuid.UUID
    patient_id: uuid.UUID
    doctor_id: uuid.UUID | None
    visit_at: datetime
    category: str
    chief_complaint: str
    findings: str
    diagnosis: str
    icd10: str
    plan: str
    finished_at: datetime | None
    author_id: uuid.UUID | None
    written_at: datetime
    corrects_id: uuid.UUID | None
    correction_reason: str


@dataclass(frozen=True)
class VitalsView:
    id: uuid.UUID
    patient_id: uuid.UUID
    visit_id: uuid.UUID | None
    taken_at: datetime
    systolic: int | None
    diastolic: int | None
    pulse: int | None
    temperature_c: float | None
    weight_kg: float | None
    height_cm: float | None
    spo2: int | None
    respiration: int | None
    glucose_mmol: float | None
    confirmed_unusual: frozenset[str]
    recorded_by: uuid.UUID | None
    written_at: datetime
    corrects_id: uuid.UUID | None
    correction_reason: str

    def values(self) -> dict[str, int | float | None]:
        return {name: getattr(self, name) for name in vital_rules.FIELDS}


@dataclass(frozen=True)
class AttachmentMeta:
    id: uuid.UUID
    patient_id: uuid.UUID
    visit_id: uuid.UUID | None
    kind: str
    title: str
    filename: str
    mime: str
    size: int
    sha256: str
    added_at: datetime
    added_by: uuid.UUID | None


@dataclass(frozen=True)
class AssessmentView:
    id: uuid.UUID
    patient_id: uuid.UUID
    kind: str
    assessed_at: datetime
    summary: str
    risk_level: str
    recommendations: str
    author_id: uuid.UUID | None
    written_at: datetime
    corrects_id: uuid.UUID | None
    correction_reason: str


@dataclass(frozen=True)
class ClinicalNoteView:
    id: uuid.UUID
    patient_id: uuid.UUID
    author_id: uuid.UUID
    body: str
    written_at: datetime
    corrects_id: uuid.UUID | None
    # The note table has no reason column; the reason comes from the audit row.
    correction_reason: str


class _Appended(Protocol):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def corrects_id(self) -> uuid.UUID | None: ...
    @property
    def written_at(self) -> datetime: ...


V = TypeVar("V", bound=_Appended)
T = TypeVar("T")


@dataclass(frozen=True)
class Versions(Generic[V]):
    """One appended entry: its latest version and the versions it replaced.

    ``earlier`` is newest first; each carries its author and ``written_at``,
    so the record can show "corrected by ... at ...".
    """

    current: V
    earlier: tuple[V, ...]

    @property
    def corrected(self) -> bool:
        return bool(self.earlier)

    @property
    def original(self) -> V:
        """The first version, as it was written before any correction."""
        return self.earlier[-1] if self.earlier else self.current


@dataclass(frozen=True)
class PatientHeader:
    id: uuid.UUID
    record_no: str
    family_name: str
    given_name: str
    sex: str
    birth_date: date | None


@dataclass(frozen=True)
class RecordView:
    """Everything the doctor's patient file shows; lists are newest first."""

    patient: PatientHeader
    allergies: tuple[AllergyView, ...]  # active first, then ended
    medications: tuple[MedicationView, ...]  # current first, then ended
    conditions: tuple[ConditionView, ...]  # active first, then ended
    visits: tuple[Versions[VisitView], ...]  # by visit time
    vitals: tuple[Versions[VitalsView], ...]  # by time taken
    attachments: tuple[AttachmentMeta, ...]
    assessments: tuple[Versions[AssessmentView], ...]
    notes: tuple[Versions[ClinicalNoteView], ...]
    staff_names: tuple[tuple[uuid.UUID, str], ...]
    break_glass: bool

    @property
    def active_allergies(self) -> tuple[AllergyView, ...]:
        return tuple(a for a in self.allergies if a.active)

    @property
    def current_medications(self) -> tuple[MedicationView, ...]:
        return tuple(m for m in self.medications if m.active)

    def staff_name(self, staff_id: uuid.UUID | None) -> str:
        for sid, name in self.staff_names:
            if sid == staff_id:
                return name
        return ""


# --- conversions --------------------------------------------------------------------------


def _allergy(a: Allergy) -> AllergyView:
    return AllergyView(
        a.id,
        a.patient_id,
        a.substance,
        a.reaction,
        a.severity,
        a.created_at,
        a.recorded_by,
        a.ended_at,
        a.ended_by,
        a.end_reason,
    )


def _medication(m: Medication) -> MedicationView:
    return MedicationView(
        m.id,
        m.patient_id,
        m.drug,
        m.dose,
        m.frequency,
        m.source,
        m.since,
        m.prescription_id,
        m.created_at,
        m.recorded_by,
        m.ended_at,
        m.ended_by,
        m.end_reason,
    )


def _condition(c: Condition) -> ConditionView:
    return ConditionView(
        c.id,
        c.patient_id,
        c.name,
        c.icd10,
        c.since,
        c.created_at,
        c.recorded_by,
        c.ended_at,
        c.ended_by,
        c.end_reason,
    )


def _visit(v: Visit) -> VisitView:
    return VisitView(
        v.id,
        v.patient_id,
        v.doctor_id,
        v.visit_at,
        v.category,
        v.chief_complaint,
        v.findings,
        v.diagnosis,
        v.icd10,
        v.plan,
        v.finished_at,
        v.author_id,
        v.created_at,
        v.corrects_id,
        v.correction_reason,
    )


def _vitals(s: VitalSigns) -> VitalsView:
    confirmed = frozenset(x for x in s.confirmed_unusual.split(",") if x)
    return VitalsView(
        s.id,
        s.patient_id,
        s.visit_id,
        s.taken_at,
        s.systolic,
        s.diastolic,
        s.pulse,
        s.temperature_c,
        s.weight_kg,
        s.height_cm,
        s.spo2,
        s.respiration,
        s.glucose_mmol,
        confirmed,
        s.recorded_by,
        s.created_at,
        s.corrects_id,
        s.correction_reason,
    )


# Attachments are read as plain columns, never as loaded ORM objects: the
# store's load check reads every column, which would pull in the deferred
# ``data`` bytes of each attachment (and SQLAlchemy warns about it).
_ATTACHMENT_META = (
    Attachment.id,
    Attachment.patient_id,
    Attachment.visit_id,
    Attachment.kind,
    Attachment.title,
    Attachment.filename,
    Attachment.mime,
    Attachment.size,
    Attachment.sha256,
    Attachment.created_at,
    Attachment.added_by,
)


def _attachment(a: Any) -> AttachmentMeta:
    return AttachmentMeta(
        a.id,
        a.patient_id,
        a.visit_id,
        a.kind,
        a.title,
        a.filename,
        a.mime,
        a.size,
        a.sha256,
        a.created_at,
        a.added_by,
    )


def _assessment(a: Assessment) -> AssessmentView:
    return AssessmentView(
        a.id,
        a.patient_id,
        a.kind,
        a.assessed_at,
        a.summary,
        a.risk_level,
        a.recommendations,
        a.author_id,
        a.created_at,
        a.corrects_id,
        a.correction_reason,
    )


def _note(n: ClinicalNote, reason: str = "") -> ClinicalNoteView:
    return ClinicalNoteView(
        n.id, n.patient_id, n.author_id, n.body, n.created_at, n.corrects_id, reason
    )


def _header(p: Patient) -> PatientHeader:
    return PatientHeader(p.id, p.record_no, p.family_name, p.given_name, p.sex, p.birth_date)


def _versions(views: Iterable[V]) -> list[Versions[V]]:
    """Group appended rows into entries: each correction chain becomes one entry.

    The current version is the one nobody corrected; if two workstations
    corrected the same version while apart (a fork), the newer wins and the
    other stays in the history, so nothing is hidden.
    """
    by_id = {v.id: v for v in views}
    corrected = {v.corrects_id for v in by_id.values() if v.corrects_id is not None}

    def root(v: V) -> uuid.UUID:
        seen: set[uuid.UUID] = set()
        while v.corrects_id is not None and v.corrects_id in by_id and v.id not in seen:
            seen.add(v.id)
            v = by_id[v.corrects_id]
        return v.id

    groups: dict[uuid.UUID, list[V]] = {}
    for v in by_id.values():
        groups.setdefault(root(v), []).append(v)
    entries: list[Versions[V]] = []
    for members in groups.values():
        heads = [m for m in members if m.id not in corrected] or members
        current = max(heads, key=lambda m: (m.written_at, m.id))
        # The chain back from the current version, then any fork left over.
        chain: list[V] = []
        step = current.corrects_id
        while step is not None and step in by_id and by_id[step] not in chain:
            chain.append(by_id[step])
            step = by_id[step].corrects_id
        rest = sorted(
            (m for m in members if m is not current and m not in chain),
            key=lambda m: (m.written_at, m.id),
            reverse=True,
        )
        entries.append(Versions(current, tuple(chain + rest)))
    return entries


# --- input helpers --------------------------------------------------------------------------


def _text(
    value: str,
    field_name: str,
    *,
    max_len: int,
    empty: str | None = None,
    multiline: bool = False,
) -> str:
    """NFC, no control characters, trimmed; ``empty`` is the message when it is required."""
    if not isinstance(value, str):
        raise TypeError(f"{field_name} must be text, not {type(value).__name__}")
    text = unicodedata.normalize("NFC", value)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    else:
        text = _LINE_BREAKS.sub(" ", text)
    text = _CONTROL.sub("", text).strip()
    if not text and empty is not None:
        raise InvalidEntry(field_name, empty)
    if len(text) > max_len:
        raise InvalidEntry(field_name, TOO_LONG, n=max_len)
    return text


def _choice(value: str, choices: Sequence[str], field_name: str, template: str) -> str:
    text = value.strip() if isinstance(value, str) else value
    if text not in choices:
        raise InvalidEntry(field_name, template)
    return text


def _icd10(value: str, field_name: str = "icd10") -> str:
    try:
        return normalize_icd10(value)
    except ValidationError as error:
        raise InvalidEntry(field_name, error.template, **error.params) from None


def _moment(clinic: Clinic, value: datetime | None, field_name: str) -> datetime:
    """A point in time given by the caller (aware), or now; not far in the future."""
    now = clinic.now()
    if value is None:
        return now
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field_name} must be timezone-aware")
    if value > now + FUTURE_SLACK:
        raise InvalidEntry(field_name, FUTURE, when=clinic.local_text(value))
    if value < EARLIEST:
        raise InvalidEntry(field_name, TOO_OLD)
    return value


def _day(clinic: Clinic, value: date | None, field_name: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    today = clinic.today()
    if value > today:
        raise InvalidEntry(field_name, FUTURE_DATE, when=value.isoformat())
    if value.year < 1900:
        raise InvalidEntry(field_name, TOO_OLD)
    return value


def _reason(value: str, empty: str) -> str:
    return _text(value, "reason", max_len=MAX_REASON, empty=empty, multiline=True)


def _staff_id(actor: Actor) -> uuid.UUID:
    if actor.staff_id is None:
        raise ValidationError(NO_STAFF_ACCOUNT)
    return actor.staff_id


def _live_patient(uow: UnitOfWork, patient_id: uuid.UUID, *, writing: bool) -> Patient:
    patient = uow.session.get(Patient, patient_id)
    if patient is None or patient.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "patient"))
    if writing and patient.merged_into is not None:
        raise ValidationError(MERGED)
    return patient


def _check_visit(uow: UnitOfWork, visit_id: uuid.UUID | None, patient_id: uuid.UUID) -> None:
    if visit_id is None:
        return
    visit = uow.session.get(Visit, visit_id)
    if visit is None or visit.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "visit"))
    if visit.patient_id != patient_id:
        raise InvalidEntry("visit_id", WRONG_PATIENT_VISIT)


def _changed(patient_id: uuid.UUID) -> Changes:
    return Changes(frozenset({Topic.CLINICAL}), frozenset({patient_id}))


def _stamp(row: Any, now: datetime) -> None:
    # The clinic's clock, not the column default, so tests and sync see one time.
    row.created_at = now
    row.updated_at = now


def _add_audited(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    row: Any,
    action: str,
    patient_id: uuid.UUID,
    **event: Any,
) -> None:
    """Insert ``row`` on the clinic's clock and audit it in the same transaction."""
    _stamp(row, clinic.now())
    uow.session.add(row)
    uow.session.flush()  # the id the audit row names
    clinic.audit(uow, actor, _event(action, row, patient_id, **event))


_WHAT: dict[type[Any], str] = {
    Allergy: QT_TRANSLATE_NOOP("Errors", "allergy"),
    Medication: QT_TRANSLATE_NOOP("Errors", "medication"),
    Condition: QT_TRANSLATE_NOOP("Errors", "condition"),
    Visit: QT_TRANSLATE_NOOP("Errors", "visit"),
    VitalSigns: QT_TRANSLATE_NOOP("Errors", "vital signs"),
    Attachment: QT_TRANSLATE_NOOP("Errors", "attachment"),
    Assessment: QT_TRANSLATE_NOOP("Errors", "assessment"),
    ClinicalNote: QT_TRANSLATE_NOOP("Errors", "clinical note"),
}


def _owner(clinic: Clinic, model: Any, row_id: uuid.UUID) -> uuid.UUID:
    """The patient a row belongs to, looked up before the permission check.

    The check needs the patient (for the audit row and for break-the-glass),
    and the id alone says nothing about the patient to whoever is refused.
    """
    with clinic.store.unit_of_work(write=False) as uow:
        found = uow.session.execute(
            select(model.patient_id).where(model.id == row_id, model.deleted_at.is_(None))
        ).first()
    if found is None:
        raise NotFound(what=_WHAT[model])
    patient_id: uuid.UUID = found[0]
    return patient_id


def _load(uow: UnitOfWork, model: Any, row_id: uuid.UUID) -> Any:
    row = uow.session.get(model, row_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(what=_WHAT[model])
    return row


def _latest(uow: UnitOfWork, model: Any, row_id: uuid.UUID) -> None:
    """Refuse to correct a version that has been corrected already (no silent forks)."""
    newer = uow.session.execute(
        select(model.id).where(model.corrects_id == row_id, model.deleted_at.is_(None)).limit(1)
    ).first()
    if newer is not None:
        raise ValidationError(ALREADY_CORRECTED)


def _event(
    action: str,
    row: Any,
    patient_id: uuid.UUID,
    *,
    glass: bool = False,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> audit.AuditEvent:
    return audit.AuditEvent(
        action=action,
        object_type=str(row.__tablename__),
        object_id=row.id.hex,
        patient_id=patient_id,
        break_glass=glass,
        reason=reason,
        detail=json.dumps(detail, sort_keys=True) if detail else "",
    )


def _unknown_fields(given: Iterable[str], allowed: Iterable[str], what: str) -> None:
    unknown = sorted(set(given) - set(allowed))
    if unknown:  # a programming error, not the user's
        raise TypeError(f"{what}: unknown fields {unknown}")


# --- safety list: allergies and current medication ------------------------------------------

SUBSTANCE_EMPTY = QT_TRANSLATE_NOOP(
    "Errors", "The substance is empty. Type what the patient is allergic to."
)
SEVERITY_BAD = QT_TRANSLATE_NOOP(
    "Errors", "Choose how severe the allergy is (choose “unknown” if nobody knows)."
)
ALLERGY_DUPLICATE = QT_TRANSLATE_NOOP(
    "Errors",
    "{substance} is already on the patient's allergy list. If that entry is wrong, end it "
    "first, then add the new one.",
)
DRUG_EMPTY = QT_TRANSLATE_NOOP(
    "Errors", "The medicine is empty. Type the name of the medicine the patient takes."
)
SOURCE_BAD = QT_TRANSLATE_NOOP("Errors", "Choose where the medication information comes from.")


def add_allergy(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    substance: str,
    reaction: str = "",
    severity: str = "unknown",
) -> Written[AllergyView]:
    clinic.require(actor, Action.SAFETY_WRITE, patient_id=patient_id)
    substance = _text(substance, "substance", max_len=200, empty=SUBSTANCE_EMPTY)
    reaction = _text(reaction, "reaction", max_len=500)
    severity = _choice(severity, ALLERGY_SEVERITIES, "severity", SEVERITY_BAD)
    with clinic.store.unit_of_work(write=True) as uow:
        _live_patient(uow, patient_id, writing=True)
        active = uow.session.execute(
            select(Allergy.substance).where(
                Allergy.patient_id == patient_id,
                Allergy.ended_at.is_(None),
                Allergy.deleted_at.is_(None),
            )
        ).scalars()
        if any(s.casefold() == substance.casefold() for s in active):
            raise InvalidEntry("substance", ALLERGY_DUPLICATE, substance=substance)
        row = Allergy(
            patient_id=patient_id,
            substance=substance,
            reaction=reaction,
            severity=severity,
            recorded_by=actor.staff_id,
        )
        _add_audited(clinic, uow, actor, row, "safety.allergy_add", patient_id)
        view = _allergy(row)
        uow.commit()
    return Written(view, _changed(patient_id))


def _end(
    clinic: Clinic,
    actor: Actor,
    model: Any,
    row_id: uuid.UUID,
    reason: str,
    *,
    action: Action,
    audit_action: str,
    to_view: Callable[[Any], T],
) -> Written[T]:
    patient_id = _owner(clinic, model, row_id)
    clinic.require(
        actor,
        action,
        patient_id=patient_id,
        object_type=model.__tablename__,
        object_id=row_id.hex,
    )
    why = _reason(reason, REASON_EMPTY_END)
    with clinic.store.unit_of_work(write=True) as uow:
        row = _load(uow, model, row_id)
        if row.ended_at is not None:
            raise ValidationError(ALREADY_ENDED, when=clinic.local_text(row.ended_at))
        now = clinic.now()
        row.ended_at = now
        row.ended_by = actor.staff_id
        row.end_reason = why
        row.updated_at = now
        uow.session.flush()
        clinic.audit(uow, actor, _event(audit_action, row, patient_id, reason=why))
        view = to_view(row)
        uow.commit()
    return Written(view, _changed(patient_id))


def end_allergy(
    clinic: Clinic, actor: Actor, allergy_id: uuid.UUID, *, reason: str
) -> Written[AllergyView]:
    """End an allergy that was entered in error or is refuted (kept, with who and why)."""
    return _end(
        clinic,
        actor,
        Allergy,
        allergy_id,
        reason,
        action=Action.SAFETY_WRITE,
        audit_action="safety.allergy_end",
        to_view=_allergy,
    )


def add_medication(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    drug: str,
    dose: str = "",
    frequency: str = "",
    since: date | None = None,
    source: str = "patient",
) -> Written[MedicationView]:
    clinic.require(actor, Action.SAFETY_WRITE, patient_id=patient_id)
    drug = _text(drug, "drug", max_len=200, empty=DRUG_EMPTY)
    dose = _text(dose, "dose", max_len=100)
    frequency = _text(frequency, "frequency", max_len=100)
    since = _day(clinic, since, "since")
    source = _choice(source, MEDICATION_SOURCES, "source", SOURCE_BAD)
    with clinic.store.unit_of_work(write=True) as uow:
        _live_patient(uow, patient_id, writing=True)
        row = Medication(
            patient_id=patient_id,
            drug=drug,
            dose=dose,
            frequency=frequency,
            since=since,
            source=source,
            recorded_by=actor.staff_id,
        )
        _add_audited(clinic, uow, actor, row, "safety.medication_add", patient_id)
        view = _medication(row)
        uow.commit()
    return Written(view, _changed(patient_id))


def end_medication(
    clinic: Clinic, actor: Actor, medication_id: uuid.UUID, *, reason: str
) -> Written[MedicationView]:
    """The patient no longer takes it (stopped, finished, or entered in error)."""
    return _end(
        clinic,
        actor,
        Medication,
        medication_id,
        reason,
        action=Action.SAFETY_WRITE,
        audit_action="safety.medication_end",
        to_view=_medication,
    )


def _active_first(rows: Iterable[Any]) -> list[Any]:
    # Active entries first, each group newest first.
    return sorted(rows, key=lambda r: (r.ended_at is None, r.created_at, r.id), reverse=True)


def read_safety(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    break_glass_reason: str | None = None,
) -> SafetyView:
    """Active allergies and current medication, the read itself audited ("safety.read")."""
    glass = clinic.require(
        actor,
        Action.SAFETY_READ,
        patient_id=patient_id,
        break_glass_reason=break_glass_reason,
        object_type="patient",
        object_id=patient_id.hex,
    )
    # A write transaction: the read and its audit row are one atomic step.
    with clinic.store.unit_of_work(write=True) as uow:
        _live_patient(uow, patient_id, writing=False)
        allergies = tuple(
            _allergy(a)
            for a in _active_first(
                uow.session.execute(
                    select(Allergy).where(
                        Allergy.patient_id == patient_id,
                        Allergy.ended_at.is_(None),
                        Allergy.deleted_at.is_(None),
                    )
                ).scalars()
            )
        )
        medications = tuple(
            _medication(m)
            for m in _active_first(
                uow.session.execute(
                    select(Medication).where(
                        Medication.patient_id == patient_id,
                        Medication.ended_at.is_(None),
                        Medication.deleted_at.is_(None),
                    )
                ).scalars()
            )
        )
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="safety.read",
                object_type="patient",
                object_id=patient_id.hex,
                patient_id=patient_id,
                break_glass=glass,
                reason=(break_glass_reason or "").strip() if glass else "",
                detail=json.dumps({"allergies": len(allergies), "medications": len(medications)}),
            ),
        )
        uow.commit()
    return SafetyView(patient_id, allergies, medications, glass)


# --- chronic conditions ---------------------------------------------------------------------

CONDITION_EMPTY = QT_TRANSLATE_NOOP(
    "Errors", "The condition is empty. Type the name of the condition, for example 高血压."
)


def add_condition(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    name: str,
    icd10: str = "",
    since: date | None = None,
) -> Written[ConditionView]:
    clinic.require(actor, Action.CLINICAL_WRITE, patient_id=patient_id)
    name = _text(name, "name", max_len=200, empty=CONDITION_EMPTY)
    code = _icd10(icd10)
    since = _day(clinic, since, "since")
    with clinic.store.unit_of_work(write=True) as uow:
        _live_patient(uow, patient_id, writing=True)
        row = Condition(
            patient_id=patient_id,
            name=name,
            icd10=code,
            since=since,
            recorded_by=actor.staff_id,
        )
        _add_audited(clinic, uow, actor, row, "clinical.condition_add", patient_id)
        view = _condition(row)
        uow.commit()
    return Written(view, _changed(patient_id))


def end_condition(
    clinic: Clinic, actor: Actor, condition_id: uuid.UUID, *, reason: str
) -> Written[ConditionView]:
    """Resolved, or entered in error; the entry is kept with who, when and why."""
    return _end(
        clinic,
        actor,
        Condition,
        condition_id,
        reason,
        action=Action.CLINICAL_WRITE,
        audit_action="clinical.condition_end",
        to_view=_condition,
    )


# --- visits -------------------------------------------------------------------------------------

CATEGORY_BAD = QT_TRANSLATE_NOOP("Errors", "Choose the kind of visit from the list.")
VISIT_EMPTY = QT_TRANSLATE_NOOP(
    "Errors",
    "The visit is empty. Type at least the complaint, the findings, the diagnosis or the plan.",
)
_VISIT_FIELDS = (
    "visit_at",
    "category",
    "chief_complaint",
    "findings",
    "diagnosis",
    "icd10",
    "plan",
    "finished",
    "doctor_id",
)


def _visit_columns(
    clinic: Clinic, uow: UnitOfWork, fields: dict[str, Any], old: Visit | None
) -> dict[str, Any]:
    """The checked column values of a visit (a new one, or a correction of ``old``)."""
    columns: dict[str, Any] = {
        "visit_at": _moment(clinic, fields["visit_at"], "visit_at"),
        "category": _choice(fields["category"], VISIT_CATEGORIES, "category", CATEGORY_BAD),
        "icd10": _icd10(fields["icd10"]),
    }
    for name in ("chief_complaint", "findings", "diagnosis", "plan"):
        columns[name] = _text(fields[name], name, max_len=MAX_TEXT, multiline=True)
    if not any(columns[n] for n in ("chief_complaint", "findings", "diagnosis", "plan")):
        raise InvalidEntry("chief_complaint", VISIT_EMPTY)
    doctor_id = fields["doctor_id"]
    if doctor_id is not None:
        doctor = uow.session.get(Staff, doctor_id)
        if doctor is None or doctor.deleted_at is not None:
            raise InvalidEntry("doctor_id", UNKNOWN_DOCTOR)
    columns["doctor_id"] = doctor_id
    if not fields["finished"]:
        columns["finished_at"] = None
    elif old is not None and old.finished_at is not None:
        columns["finished_at"] = old.finished_at
    else:
        columns["finished_at"] = clinic.now()
    return columns


def _plan_followups(clinic: Clinic, uow: UnitOfWork, actor: Actor, row: Visit) -> Changes:
    """A finished visit starts its category's follow-up plan (issue 9, E1), in the
    visit's own transaction: the visit and its tasks commit together."""
    # Imported here: the follow-up service reads visits through this module.
    from clinic_desk.core.services import followups

    return followups.visit_finished_in(clinic, uow, actor, row)


def record_visit(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    visit_at: datetime | None = None,
    category: str = "other",
    chief_complaint: str = "",
    findings: str = "",
    diagnosis: str = "",
    icd10: str = "",
    plan: str = "",
    finished: bool = True,
    doctor_id: uuid.UUID | None = None,
) -> Written[VisitView]:
    """Append a visit (complaint, findings, diagnosis, plan); it is never edited in place."""
    clinic.require(actor, Action.CLINICAL_WRITE, patient_id=patient_id)
    fields = {
        "visit_at": visit_at,
        "category": category,
        "chief_complaint": chief_complaint,
        "findings": findings,
        "diagnosis": diagnosis,
        "icd10": icd10,
        "plan": plan,
        "finished": finished,
        "doctor_id": doctor_id if doctor_id is not None else actor.staff_id,
    }
    with clinic.store.unit_of_work(write=True) as uow:
        _live_patient(uow, patient_id, writing=True)
        row = Visit(
            patient_id=patient_id,
            author_id=actor.staff_id,
            **_visit_columns(clinic, uow, fields, None),
        )
        _add_audited(clinic, uow, actor, row, "clinical.visit_record", patient_id)
        planned = _plan_followups(clinic, uow, actor, row)
        view = _visit(row)
        uow.commit()
    return Written(view, _changed(patient_id) | planned)


def correct_visit(
    clinic: Clinic, actor: Actor, visit_id: uuid.UUID, *, reason: str, **new_fields: Any
) -> Written[VisitView]:
    """Append a corrected version of a visit; fields not given are kept from it.

    ``new_fields`` are ``record_visit``'s keywords (``visit_at``, ``category``,
    ``chief_complaint``, ``findings``, ``diagnosis``, ``icd10``, ``plan``,
    ``finished``, ``doctor_id``). Both versions are kept.
    """
    _unknown_fields(new_fields, _VISIT_FIELDS, "correct_visit")
    patient_id = _owner(clinic, Visit, visit_id)
    clinic.require(
        actor,
        Action.CLINICAL_WRITE,
        patient_id=patient_id,
        object_type="visit",
        object_id=visit_id.hex,
    )
    why = _reason(reason, REASON_EMPTY_CORRECT)
    with clinic.store.unit_of_work(write=True) as uow:
        _live_patient(uow, patient_id, writing=True)
        old: Visit = _load(uow, Visit, visit_id)
        _latest(uow, Visit, visit_id)
        fields: dict[str, Any] = {
            "visit_at": old.visit_at,
            "category": old.category,
            "chief_complaint": old.chief_complaint,
            "findings": old.findings,
            "diagnosis": old.diagnosis,
            "icd10": old.icd10,
            "plan": old.plan,
            "finished": old.finished_at is not None,
            "doctor_id": old.doctor_id,
        }
        fields.update(new_fields)
        if "visit_at" not in new_fields:
            fields["visit_at"] = None  # kept below: an old time is not re-checked
        columns = _visit_columns(clinic, uow, fields, old)
        if "visit_at" not in new_fields:
            columns["visit_at"] = old.visit_at
        row = Visit(
            patient_id=patient_id,
            author_id=actor.staff_id,
            corrects_id=old.id,
            correction_reason=why,
            **columns,
        )
        _add_audited(
            clinic,
            uow,
            actor,
            row,
            "clinical.visit_correct",
            patient_id,
            reason=why,
            detail={"corrects": old.id.hex},
        )
        planned = _plan_followups(clinic, uow, actor, row)
        view = _visit(row)
        uow.commit()
    return Written(view, _changed(patient_id) | planned)


# --- clinical notes (written by patients.add_clinical_note) ---------------------------------

NOTE_EMPTY = QT_TRANSLATE_NOOP("Errors", "The note is empty. Type the note.")


def correct_note(
    clinic: Clinic, actor: Actor, note_id: uuid.UUID, *, reason: str, body: str
) -> Written[ClinicalNoteView]:
    """Append a corrected version of a clinical note; the old one is kept.

    The reason is kept in the audit row (the note table has no column for it)
    and shown from there by ``read_record``.
    """
    patient_id = _owner(clinic, ClinicalNote, note_id)
    clinic.require(
        actor,
        Action.CLINICAL_WRITE,
        patient_id=patient_id,
        object_type="clinical_note",
        object_id=note_id.hex,
    )
    why = _reason(reason, REASON_EMPTY_CORRECT)
    text = _text(body, "body", max_len=MAX_TEXT, empty=NOTE_EMPTY, multiline=True)
    author = _staff_id(actor)
    with clinic.store.unit_of_work(write=True) as uow:
        _live_patient(uow, patient_id, writing=True)
        old: ClinicalNote = _load(uow, ClinicalNote, note_id)
        _latest(uow, ClinicalNote, note_id)
        row = ClinicalNote(patient_id=patient_id, author_id=author, body=text, corrects_id=old.id)
        _add_audited(
            clinic,
            uow,
            actor,
            row,
            "clinical.note_correct",
            patient_id,
            reason=why,
            detail={"corrects": old.id.hex},
        )
        view = _note(row, why)
        uow.commit()
    return Written(view, _changed(patient_id))


# --- vital signs ------------------------------------------------------------------------------

VITALS_EMPTY = QT_TRANSLATE_NOOP(
    "Errors", "No measurement was typed. Type at least one, for example the blood pressure."
)


def _vitals_columns(
    values: dict[str, vital_rules.Number | None], confirmed: Iterable[str]
) -> dict[str, Any]:
    if all(v is None for v in values.values()):
        raise ValidationError(VITALS_EMPTY)
    checked = vital_rules.check_vitals(values, confirmed)
    # Keep only what was both unusual and confirmed: the record of a decision.
    kept = sorted(vital_rules.unusual_fields(checked) & frozenset(confirmed))
    return {**checked, "confirmed_unusual": ",".join(kept)}


def record_vitals(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    visit_id: uuid.UUID | None = None,
    taken_at: datetime | None = None,
    systolic: int | None = None,
    diastolic: int | None = None,
    pulse: int | None = None,
    temperature_c: float | None = None,
    weight_kg: float | None = None,
    height_cm: float | None = None,
    spo2: int | None = None,
    respiration: int | None = None,
    glucose_mmol: float | None = None,
    confirmed: frozenset[str] = frozenset(),
) -> Written[VitalsView]:
    """Record one set of measurements (see ``rules/vitals.py``).

    Raises ``ValidationError`` for impossible readings and ``UnusualVitals``
    for unusual ones not named in ``confirmed``; nothing is written then.
    """
    clinic.require(actor, Action.VITALS_RECORD, patient_id=patient_id)
    columns = _vitals_columns(
        {
            "systolic": systolic,
            "diastolic": diastolic,
            "pulse": pulse,
            "temperature_c": temperature_c,
            "weight_kg": weight_kg,
            "height_cm": height_cm,
            "spo2": spo2,
            "respiration": respiration,
            "glucose_mmol": glucose_mmol,
        },
        confirmed,
    )
    when = _moment(clinic, taken_at, "taken_at")
    with clinic.store.unit_of_work(write=True) as uow:
        _live_patient(uow, patient_id, writing=True)
        _check_visit(uow, visit_id, patient_id)
        row = VitalSigns(
            patient_id=patient_id,
            visit_id=visit_id,
            taken_at=when,
            recorded_by=actor.staff_id,
            **columns,
        )
        _add_audited(clinic, uow, actor, row, "clinical.vitals_record", patient_id)
        view = _vitals(row)
        uow.commit()
    return Written(view, _changed(patient_id))


def correct_vitals(
    clinic: Clinic,
    actor: Actor,
    vitals_id: uuid.UUID,
    *,
    reason: str,
    confirmed: frozenset[str] = frozenset(),
    **new_fields: Any,
) -> Written[VitalsView]:
    """Append a corrected set of measurements; fields not given are kept.

    ``new_fields``: any reading (None clears it), ``taken_at``, ``visit_id``.
    An unusual reading confirmed before stays confirmed while it is unchanged.
    """
    allowed = (*vital_rules.FIELDS, "taken_at", "visit_id")
    _unknown_fields(new_fields, allowed, "correct_vitals")
    patient_id = _owner(clinic, VitalSigns, vitals_id)
    clinic.require(
        actor,
        Action.VITALS_RECORD,
        patient_id=patient_id,
        object_type="vital_signs",
        object_id=vitals_id.hex,
    )
    why = _reason(reason, REASON_EMPTY_CORRECT)
    with clinic.store.unit_of_work(write=True) as uow:
        _live_patient(uow, patient_id, writing=True)
        old: VitalSigns = _load(uow, VitalSigns, vitals_id)
        _latest(uow, VitalSigns, vitals_id)
        before = _vitals(old)
        values = before.values()
        values.update({k: v for k, v in new_fields.items() if k in vital_rules.FIELDS})
        still = {f for f in before.confirmed_unusual if values[f] == before.values()[f]}
        columns = _vitals_columns(values, frozenset(confirmed) | still)
        when = (
            _moment(clinic, new_fields["taken_at"], "taken_at")
            if "taken_at" in new_fields
            else old.taken_at
        )
        visit_id = new_fields.get("visit_id", old.visit_id)
        _check_visit(uow, visit_id, patient_id)
        row = VitalSigns(
            patient_id=patient_id,
            visit_id=visit_id,
            taken_at=when,
            recorded_by=actor.staff_id,
            corrects_id=old.id,
            correction_reason=why,
            **columns,
        )
        _add_audited(
            clinic,
            uow,
            actor,
            row,
            "clinical.vitals_correct",
            patient_id,
            reason=why,
            detail={"corrects": old.id.hex},
        )
        view = _vitals(row)
        uow.commit()
    return Written(view, _changed(patient_id))


# --- attachments ------------------------------------------------------------------------------

TITLE_EMPTY = QT_TRANSLATE_NOOP(
    "Errors", "The title is empty. Type what the document is, for example “Blood test”."
)
FILE_EMPTY = QT_TRANSLATE_NOOP(
    "Errors", "The file is empty (0 bytes). Choose the file again, or scan the document again."
)
FILE_TOO_BIG = QT_TRANSLATE_NOOP(
    "Errors",
    "The file is {size} MB, larger than the limit of {limit} MB. Make it smaller (for "
    "example, scan at a lower resolution), or ask the director to raise the limit in the "
    "settings.",
)
KIND_BAD = QT_TRANSLATE_NOOP("Errors", "Choose what kind of document this is.")
MIME_BAD = QT_TRANSLATE_NOOP(
    "Errors", "The file type “{mime}” is not valid. Leave it empty to detect it from the name."
)


def clean_filename(name: str) -> str:
    """The file's own name only: no folders, no characters Windows refuses, at most 255."""
    text = unicodedata.normalize("NFC", name).replace("\\", "/")
    text = text.rsplit("/", 1)[-1]
    text = _CONTROL.sub("", _LINE_BREAKS.sub(" ", text))
    text = _FILENAME_BAD.sub("_", text).strip().strip(".").strip()
    if not text:
        return "attachment"
    if len(text) > MAX_FILENAME:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            text = stem[: MAX_FILENAME - len(ext) - 1] + "." + ext
        else:
            text = text[:MAX_FILENAME]
    return text


def add_attachment(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    title: str,
    filename: str,
    data: bytes,
    mime: str = "",
    kind: str = "report",
    visit_id: uuid.UUID | None = None,
) -> Written[AttachmentMeta]:
    """Keep a report, image or letter inside the encrypted clinic file."""
    clinic.require(actor, Action.CLINICAL_WRITE, patient_id=patient_id)
    title = _text(title, "title", max_len=200, empty=TITLE_EMPTY)
    name = clean_filename(filename)
    kind = _choice(kind, ATTACHMENT_KINDS, "kind", KIND_BAD)
    content = bytes(data)
    if not content:
        raise InvalidEntry("data", FILE_EMPTY)
    limit_mb = int(clinic.setting("patients.attachment_max_mb"))
    if len(content) > limit_mb * 1024 * 1024:
        raise InvalidEntry(
            "data", FILE_TOO_BIG, size=f"{len(content) / (1024 * 1024):.1f}", limit=limit_mb
        )
    kind_of = unicodedata.normalize("NFKC", mime).strip().lower()
    if not kind_of:
        kind_of = mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"
    elif not _MIME.fullmatch(kind_of):
        raise InvalidEntry("mime", MIME_BAD, mime=mime.strip()[:100])
    with clinic.store.unit_of_work(write=True) as uow:
        _live_patient(uow, patient_id, writing=True)
        _check_visit(uow, visit_id, patient_id)
        row = Attachment(
            patient_id=patient_id,
            visit_id=visit_id,
            kind=kind,
            title=title,
            filename=name,
            mime=kind_of[:100],
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            data=content,
            added_by=actor.staff_id,
        )
        _add_audited(
            clinic,
            uow,
            actor,
            row,
            "clinical.attachment_add",
            patient_id,
            detail={"size": len(content)},
        )
        meta = _attachment(row)
        uow.commit()
    return Written(meta, _changed(patient_id))


def read_attachment(
    clinic: Clinic,
    actor: Actor,
    attachment_id: uuid.UUID,
    *,
    break_glass_reason: str | None = None,
) -> tuple[AttachmentMeta, bytes]:
    """The file and its description; the read is audited ("clinical.attachment_read")."""
    patient_id = _owner(clinic, Attachment, attachment_id)
    glass = clinic.require(
        actor,
        Action.CLINICAL_READ,
        patient_id=patient_id,
        break_glass_reason=break_glass_reason,
        object_type="attachment",
        object_id=attachment_id.hex,
    )
    with clinic.store.unit_of_work(write=True) as uow:
        row = uow.session.execute(
            select(*_ATTACHMENT_META, Attachment.data).where(
                Attachment.id == attachment_id, Attachment.deleted_at.is_(None)
            )
        ).first()
        if row is None:
            raise NotFound(what=_WHAT[Attachment])
        content = bytes(row.data)
        if hashlib.sha256(content).hexdigest() != row.sha256:
            raise StoreCorrupt(detail="an attachment does not match its checksum")
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="clinical.attachment_read",
                object_type="attachment",
                object_id=attachment_id.hex,
                patient_id=patient_id,
                break_glass=glass,
                reason=(break_glass_reason or "").strip() if glass else "",
            ),
        )
        meta = _attachment(row)
        uow.commit()
    return meta, content


# --- health assessments -----------------------------------------------------------------------

SUMMARY_EMPTY = QT_TRANSLATE_NOOP(
    "Errors", "The assessment summary is empty. Type what the assessment found."
)
ASSESSMENT_KIND_EMPTY = QT_TRANSLATE_NOOP(
    "Errors", "The kind of assessment is empty. Type it, for example “general”."
)
RISK_BAD = QT_TRANSLATE_NOOP("Errors", "Choose the risk level from the list, or leave it empty.")
_ASSESSMENT_FIELDS = ("kind", "summary", "risk_level", "recommendations", "assessed_at")


def _assessment_columns(clinic: Clinic, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": _text(fields["kind"], "kind", max_len=64, empty=ASSESSMENT_KIND_EMPTY),
        "summary": _text(
            fields["summary"], "summary", max_len=MAX_TEXT, empty=SUMMARY_EMPTY, multiline=True
        ),
        "risk_level": _choice(fields["risk_level"], RISK_LEVELS, "risk_level", RISK_BAD),
        "recommendations": _text(
            fields["recommendations"], "recommendations", max_len=MAX_TEXT, multiline=True
        ),
    }


def add_assessment(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    kind: str = "general",
    summary: str,
    risk_level: str = "",
    recommendations: str = "",
    assessed_at: datetime | None = None,
) -> Written[AssessmentView]:
    clinic.require(actor, Action.CLINICAL_WRITE, patient_id=patient_id)
    columns = _assessment_columns(
        clinic,
        {
            "kind": kind,
            "summary": summary,
            "risk_level": risk_level,
            "recommendations": recommendations,
        },
    )
    when = _moment(clinic, assessed_at, "assessed_at")
    with clinic.store.unit_of_work(write=True) as uow:
        _live_patient(uow, patient_id, writing=True)
        row = Assessment(
            patient_id=patient_id, assessed_at=when, author_id=actor.staff_id, **columns
        )
        _add_audited(clinic, uow, actor, row, "clinical.assessment_add", patient_id)
        view = _assessment(row)
        uow.commit()
    return Written(view, _changed(patient_id))


def correct_assessment(
    clinic: Clinic, actor: Actor, assessment_id: uuid.UUID, *, reason: str, **new_fields: Any
) -> Written[AssessmentView]:
    """Append a corrected assessment (``add_assessment``'s keywords); both are kept."""
    _unknown_fields(new_fields, _ASSESSMENT_FIELDS, "correct_assessment")
    patient_id = _owner(clinic, Assessment, assessment_id)
    clinic.require(
        actor,
        Action.CLINICAL_WRITE,
        patient_id=patient_id,
        object_type="assessment",
        object_id=assessment_id.hex,
    )
    why = _reason(reason, REASON_EMPTY_CORRECT)
    with clinic.store.unit_of_work(write=True) as uow:
        _live_patient(uow, patient_id, writing=True)
        old: Assessment = _load(uow, Assessment, assessment_id)
        _latest(uow, Assessment, assessment_id)
        fields: dict[str, Any] = {
            "kind": old.kind,
            "summary": old.summary,
            "risk_level": old.risk_level,
            "recommendations": old.recommendations,
        }
        fields.update({k: v for k, v in new_fields.items() if k != "assessed_at"})
        columns = _assessment_columns(clinic, fields)
        when = (
            _moment(clinic, new_fields["assessed_at"], "assessed_at")
            if "assessed_at" in new_fields
            else old.assessed_at
        )
        row = Assessment(
            patient_id=patient_id,
            assessed_at=when,
            author_id=actor.staff_id,
            corrects_id=old.id,
            correction_reason=why,
            **columns,
        )
        _add_audited(
            clinic,
            uow,
            actor,
            row,
            "clinical.assessment_correct",
            patient_id,
            reason=why,
            detail={"corrects": old.id.hex},
        )
        view = _assessment(row)
        uow.commit()
    return Written(view, _changed(patient_id))


def _people(*sections: Sequence[Any]) -> set[uuid.UUID]:
    """The staff named anywhere in the record, so the view can show their names."""
    found: set[uuid.UUID] = set()
    for section in sections:
        for item in section:
            views = (item.current, *item.earlier) if isinstance(item, Versions) else (item,)
            for view in views:
                for name in ("recorded_by", "ended_by", "author_id", "doctor_id", "added_by"):
                    value = getattr(view, name, None)
                    if value is not None:
                        found.add(value)
    return found


# --- the whole record -------------------------------------------------------------------------


def read_record(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    break_glass_reason: str | None = None,
) -> RecordView:
    """Everything the doctor's patient file shows, with one audit row ("clinical.read")."""
    glass = clinic.require(
        actor,
        Action.CLINICAL_READ,
        patient_id=patient_id,
        break_glass_reason=break_glass_reason,
        object_type="patient",
        object_id=patient_id.hex,
    )
    with clinic.store.unit_of_work(write=True) as uow:
        patient = _live_patient(uow, patient_id, writing=False)

        def rows(model: Any) -> list[Any]:
            return list(
                uow.session.execute(
                    select(model).where(model.patient_id == patient_id, model.deleted_at.is_(None))
                ).scalars()
            )

        allergies = tuple(_allergy(a) for a in _active_first(rows(Allergy)))
        medications = tuple(_medication(m) for m in _active_first(rows(Medication)))
        conditions = tuple(_condition(c) for c in _active_first(rows(Condition)))
        visits = sorted(
            _versions(_visit(v) for v in rows(Visit)),
            key=lambda e: (e.current.visit_at, e.current.id),
            reverse=True,
        )
        vitals = sorted(
            _versions(_vitals(s) for s in rows(VitalSigns)),
            key=lambda e: (e.current.taken_at, e.current.id),
            reverse=True,
        )
        # No bytes: only read_attachment loads a file's content.
        attachments = tuple(
            _attachment(a)
            for a in uow.session.execute(
                select(*_ATTACHMENT_META)
                .where(Attachment.patient_id == patient_id, Attachment.deleted_at.is_(None))
                .order_by(Attachment.created_at.desc(), Attachment.id.desc())
            )
        )
        assessments = sorted(
            _versions(_assessment(a) for a in rows(Assessment)),
            key=lambda e: (e.current.assessed_at, e.current.id),
            reverse=True,
        )
        reasons: dict[str, str] = {
            object_id: reason
            for object_id, reason in uow.session.execute(
                select(AuditEntry.object_id, AuditEntry.reason).where(
                    AuditEntry.patient_id == patient_id,
                    AuditEntry.action == "clinical.note_correct",
                )
            )
        }
        # Notes in the order they were first written; a correction keeps its place.
        notes = sorted(
            _versions(_note(n, reasons.get(n.id.hex, "")) for n in rows(ClinicalNote)),
            key=lambda e: (e.original.written_at, e.original.id),
            reverse=True,
        )
        people = _people(
            allergies, medications, conditions, visits, vitals, attachments, assessments, notes
        )
        names = (
            tuple(
                (sid, name)
                for sid, name in uow.session.execute(
                    select(Staff.id, Staff.display_name).where(Staff.id.in_(people))
                )
            )
            if people
            else ()
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
                detail=json.dumps(
                    {
                        "allergies": len(allergies),
                        "medications": len(medications),
                        "conditions": len(conditions),
                        "visits": len(visits),
                        "vitals": len(vitals),
                        "attachments": len(attachments),
                        "assessments": len(assessments),
                        "notes": len(notes),
                    }
                ),
            ),
        )
        record = RecordView(
            _header(patient),
            allergies,
            medications,
            conditions,
            tuple(visits),
            tuple(vitals),
            attachments,
            tuple(assessments),
            tuple(notes),
            names,
            glass,
        )
        uow.commit()
    return record

"""Roles (spec I1) and what each may do.

Services call ``require(actor, action)`` before they touch anything; the UI
only hides what a role may not use, it is not the guard.
"""

from __future__ import annotations

from enum import StrEnum

from clinic_desk.core.i18n import QT_TRANSLATE_NOOP


class Role(StrEnum):
    RECEPTIONIST = "receptionist"
    TRIAGE_NURSE = "triage_nurse"
    DOCTOR = "doctor"
    PHARMACIST = "pharmacist"
    HEALTH_MANAGER = "health_manager"
    CUSTOMER_SERVICE = "customer_service"
    DIRECTOR = "director"


ROLE_LABELS: dict[Role, str] = {
    Role.RECEPTIONIST: QT_TRANSLATE_NOOP("Roles", "Receptionist"),
    Role.TRIAGE_NURSE: QT_TRANSLATE_NOOP("Roles", "Triage nurse"),
    Role.DOCTOR: QT_TRANSLATE_NOOP("Roles", "Doctor"),
    Role.PHARMACIST: QT_TRANSLATE_NOOP("Roles", "Pharmacist"),
    Role.HEALTH_MANAGER: QT_TRANSLATE_NOOP("Roles", "Health manager"),
    Role.CUSTOMER_SERVICE: QT_TRANSLATE_NOOP("Roles", "Customer service"),
    Role.DIRECTOR: QT_TRANSLATE_NOOP("Roles", "Director"),
}


class Action(StrEnum):
    # Administration
    STAFF_MANAGE = "staff.manage"
    SETTINGS_EDIT = "settings.edit"
    SETTINGS_READ = "settings.read"
    AUDIT_READ = "audit.read"
    BACKUP_RUN = "backup.run"
    KEYS_MANAGE = "keys.manage"
    # Patients (spec C3: access by role)
    PATIENT_SEARCH = "patient.search"
    PATIENT_REGISTER = "patient.register"
    PATIENT_EDIT = "patient.edit"
    PATIENT_MERGE = "patient.merge"
    PATIENT_IMPORT = "patient.import"
    # Clinical sections (spec C3, C6): the full record (visits, diagnoses,
    # notes, conditions, reports, assessments, referral summaries); the
    # safety list (allergies and current medication); prescriptions.
    CLINICAL_READ = "clinical.read"
    CLINICAL_WRITE = "clinical.write"
    SAFETY_READ = "safety.read"
    SAFETY_WRITE = "safety.write"
    PRESCRIPTION_READ = "prescription.read"
    PRESCRIPTION_WRITE = "prescription.write"
    # Referrals: doctors write outgoing ones; the desk logs and lists incoming ones.
    REFERRAL_WRITE = "referral.write"
    REFERRAL_DESK = "referral.desk"
    PHARMACY_GUIDANCE = "pharmacy.guidance"
    # Front desk and calendar
    APPOINTMENT_VIEW = "appointment.view"
    APPOINTMENT_MANAGE = "appointment.manage"
    # Rosters, rooms, devices, appointment types, closures (director).
    ROSTER_MANAGE = "roster.manage"
    # A doctor's absence or substitution (spec A7): the desk, the doctor, the director.
    ABSENCE_RECORD = "absence.record"
    # Booking past the cutoff for tomorrow (spec A5): the director, audited.
    BOOKING_OVERRIDE = "booking.override"
    CHECKIN = "checkin"
    VITALS_RECORD = "vitals.record"
    QUEUE_MANAGE = "queue.manage"
    # Follow-ups, complaints, quality, membership
    FOLLOWUP_WORK = "followup.work"
    FOLLOWUP_SUPERVISE = "followup.supervise"
    # Anyone may receive a complaint and then owns it (F3, 首接负责制); customer service
    # handles all of them; details stay with them, the owner and the director (C6).
    COMPLAINT_RECORD = "complaint.record"
    COMPLAINT_HANDLE = "complaint.handle"
    COMPLAINT_READ_CONFIDENTIAL = "complaint.read_confidential"
    QUALITY_REPORTS = "quality.reports"
    # Each role's end-of-day self-check (G4).
    SELF_CHECK = "quality.self_check"
    # Enrol, renew, change tier, record payments and benefit uses (H2).
    MEMBERSHIP_MANAGE = "membership.manage"
    # Edit and retire tiers (H1); allow a use past a quota (H2, audited): the director.
    MEMBERSHIP_TIERS = "membership.tiers"
    MEMBERSHIP_OVERRIDE = "membership.override"
    # Sync between workstations (issue 7): enrol, remove, review merge conflicts.
    SYNC_MANAGE = "sync.manage"


# What every role does besides its own work.
_EVERYONE = {Action.COMPLAINT_RECORD, Action.SELF_CHECK}

_FRONT_DESK = _EVERYONE | {
    Action.PATIENT_SEARCH, Action.PATIENT_REGISTER, Action.PATIENT_EDIT,
    Action.APPOINTMENT_VIEW, Action.APPOINTMENT_MANAGE, Action.ABSENCE_RECORD,
    Action.CHECKIN, Action.QUEUE_MANAGE, Action.SETTINGS_READ,
    Action.REFERRAL_DESK,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.RECEPTIONIST: frozenset(_FRONT_DESK | {Action.MEMBERSHIP_MANAGE}),
    # The triage nurse takes vitals and confirms allergies and current
    # medication at check-in (spec B2, B3), and reads the record to triage; the
    # responsible nurse makes the same-day call of a chronic discharge (E1 level 1).
    Role.TRIAGE_NURSE: frozenset(
        _FRONT_DESK
        | {Action.VITALS_RECORD, Action.CLINICAL_READ, Action.SAFETY_READ, Action.SAFETY_WRITE,
           Action.FOLLOWUP_WORK}
    ),
    Role.DOCTOR: frozenset(
        {
            Action.PATIENT_SEARCH, Action.PATIENT_EDIT, Action.CLINICAL_READ,
            Action.CLINICAL_WRITE, Action.SAFETY_READ, Action.SAFETY_WRITE,
            Action.PRESCRIPTION_READ, Action.PRESCRIPTION_WRITE, Action.VITALS_RECORD,
            Action.REFERRAL_WRITE, Action.REFERRAL_DESK, Action.APPOINTMENT_VIEW,
            Action.ABSENCE_RECORD,
            Action.QUEUE_MANAGE, Action.FOLLOWUP_WORK, Action.SETTINGS_READ,
        }
        | _EVERYONE
    ),
    # Pharmacists see prescriptions and allergies, not notes or diagnoses (issue 4).
    Role.PHARMACIST: frozenset(
        {Action.PATIENT_SEARCH, Action.SAFETY_READ, Action.SAFETY_WRITE,
         Action.PRESCRIPTION_READ, Action.PHARMACY_GUIDANCE, Action.SETTINGS_READ}
        | _EVERYONE
    ),
    Role.HEALTH_MANAGER: frozenset(
        {
            Action.PATIENT_SEARCH, Action.CLINICAL_READ, Action.SAFETY_READ,
            Action.PRESCRIPTION_READ, Action.FOLLOWUP_WORK, Action.APPOINTMENT_VIEW,
            Action.FOLLOWUP_SUPERVISE, Action.MEMBERSHIP_MANAGE, Action.SETTINGS_READ,
        }
        | _EVERYONE
    ),
    Role.CUSTOMER_SERVICE: frozenset(
        {
            Action.PATIENT_SEARCH, Action.FOLLOWUP_WORK, Action.COMPLAINT_HANDLE,
            Action.COMPLAINT_READ_CONFIDENTIAL, Action.MEMBERSHIP_MANAGE, Action.SETTINGS_READ,
            Action.APPOINTMENT_MANAGE, Action.APPOINTMENT_VIEW, Action.QUALITY_REPORTS,
        }
        | _EVERYONE
    ),
    Role.DIRECTOR: frozenset(Action),
}

# Actions a person outside the role may still take in an emergency, with a
# stated reason that is flagged in the audit log ("break the glass").
BREAK_GLASS_ACTIONS = frozenset(
    {Action.CLINICAL_READ, Action.SAFETY_READ, Action.PRESCRIPTION_READ}
)


def allowed(role: Role | str, action: Action) -> bool:
    return action in ROLE_PERMISSIONS.get(Role(role), frozenset())

"""Every clinic setting, its type, limits and default.

The numbers come from the seed documents (spec ids in ``spec``); clinics
change them, so code reads them from here and the database, never as
constants of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Any

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP


@dataclass(frozen=True)
class SettingDef:
    key: str
    kind: str  # "int", "bool", "time", "text", "secret" (text shown as dots), "choice"
    default: Any
    label: str
    group: str
    spec: str = ""
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    max_length: int = 500

    def validate(self, value: Any) -> Any:
        """The value in its stored form, or ``ValidationError`` saying what is wrong."""
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                try:
                    value = int(str(value).strip())
                except ValueError:
                    raise ValidationError(
                        QT_TRANSLATE_NOOP("Errors", "{label}: type a whole number."),
                        label=self.label,
                    ) from None
            if (self.minimum is not None and value < self.minimum) or (
                self.maximum is not None and value > self.maximum
            ):
                raise ValidationError(
                    QT_TRANSLATE_NOOP(
                        "Errors", "{label}: choose a number from {minimum} to {maximum}."
                    ),
                    label=self.label, minimum=self.minimum, maximum=self.maximum,
                )
            return value
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValidationError(
                    QT_TRANSLATE_NOOP("Errors", "{label}: choose yes or no."), label=self.label
                )
            return value
        if self.kind == "time":
            text = str(value).strip()
            if not re.fullmatch(r"\d{1,2}:\d{2}", text):
                raise ValidationError(
                    QT_TRANSLATE_NOOP("Errors", "{label}: type a time as HH:MM, e.g. 16:00."),
                    label=self.label,
                )
            hours, minutes = (int(p) for p in text.split(":"))
            if hours > 23 or minutes > 59:
                raise ValidationError(
                    QT_TRANSLATE_NOOP("Errors", "{label}: type a time as HH:MM, e.g. 16:00."),
                    label=self.label,
                )
            return f"{hours:02d}:{minutes:02d}"
        if self.kind == "choice":
            if value not in self.choices:
                raise ValidationError(
                    QT_TRANSLATE_NOOP("Errors", "{label}: choose one of the offered values."),
                    label=self.label,
                )
            return value
        text = str(value)
        if self.key == "clinic.name" and not text.strip():
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "The clinic name is empty. Type the clinic's name.")
            )
        if self.key == "clinic.timezone" and not _is_time_zone(text.strip()):
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors", "{value} is not a time zone. Choose one such as Asia/Shanghai."
                ),
                value=text.strip()[:64],
            )
        if len(text) > self.max_length:
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "{label}: use at most {n} characters."),
                label=self.label, n=self.max_length,
            )
        return text.strip()


def _d(key: str, kind: str, default: Any, label: str, group: str, **kw: Any) -> SettingDef:
    return SettingDef(key=key, kind=kind, default=default, label=label, group=group, **kw)


G_CLINIC = QT_TRANSLATE_NOOP("Settings", "Clinic")
G_SECURITY = QT_TRANSLATE_NOOP("Settings", "Security")
G_BACKUP = QT_TRANSLATE_NOOP("Settings", "Backup")
G_APPOINTMENTS = QT_TRANSLATE_NOOP("Settings", "Appointments")
G_PATIENTS = QT_TRANSLATE_NOOP("Settings", "Patients")
G_RECEPTION = QT_TRANSLATE_NOOP("Settings", "Reception")
G_FOLLOWUP = QT_TRANSLATE_NOOP("Settings", "Follow-up")
G_COMPLAINTS = QT_TRANSLATE_NOOP("Settings", "Complaints")
G_QUALITY = QT_TRANSLATE_NOOP("Settings", "Quality")
G_MEMBERSHIP = QT_TRANSLATE_NOOP("Settings", "Membership")
G_PRINTING = QT_TRANSLATE_NOOP("Settings", "Printing")
G_SYNC = QT_TRANSLATE_NOOP("Settings", "Sync")
G_MESSAGES = QT_TRANSLATE_NOOP("Settings", "Messages")

LANGUAGES = ("zh_CN", "zh_TW", "en")

# Choice values are shown through the "Settings" translation context; these
# markers put them in the translation files.
_CHOICE_LABELS = (
    QT_TRANSLATE_NOOP("Settings", "uncle"),  # 王大爷 / 王大妈
    QT_TRANSLATE_NOOP("Settings", "grandparent"),  # 王爷爷 / 王奶奶
    QT_TRANSLATE_NOOP("Settings", "CN"),  # public holidays of mainland China
    QT_TRANSLATE_NOOP("Settings", "HK"),
    QT_TRANSLATE_NOOP("Settings", "TW"),
    QT_TRANSLATE_NOOP("Settings", "none"),
    QT_TRANSLATE_NOOP("Settings", "masked"),  # 张**女士 on the waiting-room screen
    QT_TRANSLATE_NOOP("Settings", "honorific"),  # 张女士
)
# The follow-up and message groups' choices.
_MESSAGE_CHOICE_LABELS = (
    QT_TRANSLATE_NOOP("Settings", "later"),  # a due date on a closed day moves to the next open day
    QT_TRANSLATE_NOOP("Settings", "earlier"),
    QT_TRANSLATE_NOOP("Settings", "keep"),
    QT_TRANSLATE_NOOP("Settings", "starttls"),
    QT_TRANSLATE_NOOP("Settings", "ssl"),
)
# How a change of tier mid-term is priced (membership.prorata_rule).
_MEMBERSHIP_CHOICE_LABELS = (
    QT_TRANSLATE_NOOP("Settings", "daily"),  # by the days left of the term
    QT_TRANSLATE_NOOP("Settings", "monthly"),  # by the whole months left
    QT_TRANSLATE_NOOP("Settings", "none"),  # no credit: the new tier starts a full term
)
# The printing group's choices (label stock, card sizes).
_PRINTING_CHOICE_LABELS = (
    QT_TRANSLATE_NOOP("Settings", "62mm"),  # a 62 mm continuous roll (Brother QL)
    QT_TRANSLATE_NOOP("Settings", "4x6in"),  # 4 x 6 inch thermal labels
    QT_TRANSLATE_NOOP("Settings", "A4"),
    QT_TRANSLATE_NOOP("Settings", "A5"),
    QT_TRANSLATE_NOOP("Settings", "A6"),
    QT_TRANSLATE_NOOP("Settings", "label"),  # whatever label stock is set
)

CATALOG: tuple[SettingDef, ...] = (
    # Clinic identity
    _d("clinic.name", "text", "", QT_TRANSLATE_NOOP("Settings", "Clinic name"), G_CLINIC,
       max_length=200),
    _d("clinic.address", "text", "", QT_TRANSLATE_NOOP("Settings", "Address"), G_CLINIC),
    _d("clinic.phone", "text", "", QT_TRANSLATE_NOOP("Settings", "Phone"), G_CLINIC,
       max_length=40),
    _d("clinic.timezone", "text", "Asia/Shanghai", QT_TRANSLATE_NOOP("Settings", "Time zone"),
       G_CLINIC, max_length=64),
    _d("clinic.language", "choice", "zh_CN", QT_TRANSLATE_NOOP("Settings", "Language"),
       G_CLINIC, choices=LANGUAGES),
    _d("clinic.first_visit_info", "text", "",
       QT_TRANSLATE_NOOP("Settings", "First-visit information (location, parking, what to bring)"),
       G_CLINIC, spec="A4", max_length=2000),
    _d("clinic.phone_region", "text", "CN",
       QT_TRANSLATE_NOOP("Settings", "Default phone region"), G_CLINIC, max_length=2),
    # Security
    _d("security.lockout_failures", "int", 5,
       QT_TRANSLATE_NOOP("Settings", "Wrong passwords before an account locks"), G_SECURITY,
       minimum=3, maximum=25),
    _d("security.lockout_window_minutes", "int", 15,
       QT_TRANSLATE_NOOP("Settings", "Lockout window and lock time (minutes)"), G_SECURITY,
       minimum=1, maximum=24 * 60),
    _d("security.idle_lock_minutes", "int", 10,
       QT_TRANSLATE_NOOP("Settings", "Lock the screen after idle minutes"), G_SECURITY,
       minimum=1, maximum=240),
    # Backup
    _d("backup.daily_enabled", "bool", True,
       QT_TRANSLATE_NOOP("Settings", "Make a backup every day"), G_BACKUP),
    _d("backup.keep_count", "int", 14,
       QT_TRANSLATE_NOOP("Settings", "Daily backups to keep"), G_BACKUP, minimum=1, maximum=365),
    _d("backup.folder", "text", "", QT_TRANSLATE_NOOP("Settings",
       "Backup folder (empty: 'backups' in the data folder)"), G_BACKUP, max_length=1000),
    # Patients: forms of address (spec C4) and the clinical record (spec C2)
    _d("patients.elderly_age", "int", 70,
       QT_TRANSLATE_NOOP("Settings", "Address as elderly (大爷/大妈) from age"), G_PATIENTS,
       spec="C4", minimum=40, maximum=120),
    _d("patients.elderly_form", "choice", "uncle",
       QT_TRANSLATE_NOOP("Settings", "Form for the elderly"), G_PATIENTS, spec="C4",
       choices=("uncle", "grandparent")),
    _d("patients.child_age", "int", 14,
       QT_TRANSLATE_NOOP("Settings", "Address as a child (小朋友) below age"), G_PATIENTS,
       spec="C4", minimum=0, maximum=18),
    _d("patients.use_titles", "bool", True,
       QT_TRANSLATE_NOOP("Settings", "Address by title (李老师, 赵科长)"), G_PATIENTS, spec="C4"),
    _d("patients.attachment_max_mb", "int", 20,
       QT_TRANSLATE_NOOP("Settings", "Largest attachment (MB)"), G_PATIENTS, spec="C2",
       minimum=1, maximum=200),
    _d("patients.record_prefix", "text", "",
       QT_TRANSLATE_NOOP("Settings", "Record number prefix (empty: the year)"), G_PATIENTS,
       spec="C1", max_length=8),
    # Appointments (spec A5, A7, A8)
    _d("appointments.holiday_calendar", "choice", "CN",
       QT_TRANSLATE_NOOP("Settings", "Public holidays of"), G_APPOINTMENTS, spec="A3",
       choices=("CN", "HK", "TW", "none")),
    _d("appointments.slot_minutes", "int", 15,
       QT_TRANSLATE_NOOP("Settings", "Calendar slot length (minutes)"), G_APPOINTMENTS,
       spec="A6", minimum=5, maximum=60),
    _d("appointments.no_show_grace_minutes", "int", 30,
       QT_TRANSLATE_NOOP("Settings", "Mark as no-show after (minutes late)"), G_APPOINTMENTS,
       spec="A9", minimum=5, maximum=24 * 60),
    _d("appointments.late_cancel_hours", "int", 24,
       QT_TRANSLATE_NOOP("Settings", "A cancellation is late within (hours)"), G_APPOINTMENTS,
       spec="A9", minimum=0, maximum=168),
    _d("appointments.series_horizon_days", "int", 180,
       QT_TRANSLATE_NOOP("Settings", "Open-ended series booked ahead (days)"), G_APPOINTMENTS,
       spec="A6", minimum=14, maximum=730),
    _d("appointments.max_series_occurrences", "int", 200,
       QT_TRANSLATE_NOOP("Settings", "Most appointments in one series"), G_APPOINTMENTS,
       spec="A6", minimum=2, maximum=1000),
    _d("appointments.booking_cutoff", "time", "16:00",
       QT_TRANSLATE_NOOP("Settings", "Bookings for tomorrow close at"), G_APPOINTMENTS,
       spec="A5"),
    _d("appointments.absence_notice_cutoff", "time", "16:00",
       QT_TRANSLATE_NOOP("Settings", "Doctor absence must be known by (day before)"),
       G_APPOINTMENTS, spec="A7"),
    _d("appointments.next_day_list_time", "time", "16:30",
       QT_TRANSLATE_NOOP("Settings", "Next day's list to triage nurse by"), G_APPOINTMENTS,
       spec="A8"),
    _d("appointments.reminder_message_days", "int", 7,
       QT_TRANSLATE_NOOP("Settings", "Reminder message, days before"), G_APPOINTMENTS,
       spec="A5", minimum=0, maximum=60),
    _d("appointments.reminder_call_days", "int", 1,
       QT_TRANSLATE_NOOP("Settings", "Reminder call, days before"), G_APPOINTMENTS,
       spec="A5", minimum=0, maximum=14),
    # Reception (spec B1, B4)
    _d("reception.response_minutes", "int", 3,
       QT_TRANSLATE_NOOP("Settings", "Respond to an arrival within (minutes)"), G_RECEPTION,
       spec="B1", minimum=1, maximum=60),
    _d("reception.wait_alert_minutes", "int", 15,
       QT_TRANSLATE_NOOP("Settings", "Waiting-time alert after (minutes)"), G_RECEPTION,
       spec="B4", minimum=1, maximum=240),
    _d("reception.display_names", "choice", "masked",
       QT_TRANSLATE_NOOP("Settings", "Names on the waiting-room screen"), G_RECEPTION,
       spec="C4", choices=("masked", "honorific")),
    # Sync between workstations (issue 7)
    _d("sync.max_clock_skew_minutes", "int", 5,
       QT_TRANSLATE_NOOP("Settings", "Refuse to sync when the clock is off by (minutes)"),
       G_SYNC, minimum=1, maximum=60),
    _d("sync.interval_seconds", "int", 30,
       QT_TRANSLATE_NOOP("Settings", "Sync at least every (seconds)"), G_SYNC,
       minimum=5, maximum=3600),
    _d("sync.pairing_minutes", "int", 15,
       QT_TRANSLATE_NOOP("Settings", "A pairing code stays valid for (minutes)"), G_SYNC,
       minimum=1, maximum=120),
    _d("sync.inactive_after_days", "int", 30,
       QT_TRANSLATE_NOOP("Settings", "A workstation unseen this long no longer holds the hub's "
                         "log (days)"), G_SYNC, minimum=1, maximum=365),
    # Follow-up (spec E1)
    # The plans themselves (E1: which calls, when, by whom) are edited in their own tab
    # (followup_plan rows); these are the rules around them.
    _d("followup.closed_day_rule", "choice", "later",
       QT_TRANSLATE_NOOP("Settings", "A follow-up due on a closed day moves"), G_FOLLOWUP,
       spec="E1", choices=("later", "earlier", "keep")),
    _d("followup.retry_hours", "int", 4,
       QT_TRANSLATE_NOOP("Settings", "No answer: try again after (hours)"), G_FOLLOWUP,
       spec="E5", minimum=1, maximum=7 * 24),
    _d("followup.max_attempts", "int", 3,
       QT_TRANSLATE_NOOP("Settings", "No answer: give up after this many tries"), G_FOLLOWUP,
       spec="E5", minimum=1, maximum=20),
    _d("followup.no_show_callback_days", "int", 2,
       QT_TRANSLATE_NOOP("Settings", "Call back no-shows of the last (days; 0: never)"),
       G_FOLLOWUP, spec="A9", minimum=0, maximum=30),
    _d("followup.random_sample_percent", "int", 10,
       QT_TRANSLATE_NOOP("Settings", "Everyone else: monthly random sample (%)"), G_FOLLOWUP,
       spec="E1", minimum=0, maximum=100),
    # Complaints (spec F4)
    _d("complaints.accept_within_hours", "int", 1,
       QT_TRANSLATE_NOOP("Settings", "Accept a complaint within (hours)"), G_COMPLAINTS,
       spec="F4", minimum=1, maximum=72),
    _d("complaints.contact_within_hours", "int", 2,
       QT_TRANSLATE_NOOP("Settings", "Contact the complainant within (hours)"), G_COMPLAINTS,
       spec="F4", minimum=1, maximum=72),
    _d("complaints.simple_answer_days", "int", 1,
       QT_TRANSLATE_NOOP("Settings", "Answer a simple issue within (business days)"),
       G_COMPLAINTS, spec="F4", minimum=1, maximum=30),
    _d("complaints.solution_within_hours", "int", 48,
       QT_TRANSLATE_NOOP("Settings", "Propose a solution within (hours)"), G_COMPLAINTS,
       spec="F4", minimum=1, maximum=720),
    _d("complaints.close_days", "int", 7,
       QT_TRANSLATE_NOOP("Settings", "Close a complaint within (days)"), G_COMPLAINTS,
       spec="F4", minimum=1, maximum=90),
    _d("complaints.rectify_days", "int", 15,
       QT_TRANSLATE_NOOP("Settings", "Rectification within (days)"), G_COMPLAINTS, spec="F4",
       minimum=1, maximum=180),
    _d("complaints.complex_answer_days", "int", 20,
       QT_TRANSLATE_NOOP("Settings", "Answer a complex dispute within (days)"), G_COMPLAINTS,
       spec="F4", minimum=1, maximum=180),
    _d("complaints.skip_holidays", "bool", True,
       QT_TRANSLATE_NOOP("Settings", "Day deadlines skip public holidays"), G_COMPLAINTS,
       spec="F4"),
    # Quality (spec G1, G2, G5)
    _d("quality.weekly_survey_percent", "int", 10,
       QT_TRANSLATE_NOOP("Settings", "Weekly survey sample (% of patients)"), G_QUALITY,
       spec="G1", minimum=1, maximum=100),
    _d("quality.outpatient_survey_percent", "int", 10,
       QT_TRANSLATE_NOOP("Settings", "Semi-annual outpatient survey (% of a day)"), G_QUALITY,
       spec="G1", minimum=1, maximum=100),
    _d("quality.inpatient_survey_percent", "int", 30,
       QT_TRANSLATE_NOOP("Settings", "Semi-annual inpatient survey (% of a day)"), G_QUALITY,
       spec="G1", minimum=1, maximum=100),
    _d("quality.satisfaction_target_percent", "int", 95,
       QT_TRANSLATE_NOOP("Settings", "Satisfaction target (%)"), G_QUALITY, spec="G2",
       minimum=1, maximum=100),
    _d("quality.complaint_closure_target_percent", "int", 100,
       QT_TRANSLATE_NOOP("Settings", "Complaint closure target (%)"), G_QUALITY, spec="G2",
       minimum=1, maximum=100),
    # Targets of the dashboard (G2, G3). The seeds fix satisfaction and closure; the
    # others are the clinic's own choice, these defaults a starting point.
    _d("quality.complaint_on_time_target_percent", "int", 100,
       QT_TRANSLATE_NOOP("Settings", "Complaints closed on time target (%)"), G_QUALITY,
       spec="G2", minimum=1, maximum=100),
    _d("quality.no_show_max_percent", "int", 10,
       QT_TRANSLATE_NOOP("Settings", "No-show rate at most (%)"), G_QUALITY, spec="G3",
       minimum=0, maximum=100),
    _d("quality.wait_average_max_minutes", "int", 15,
       QT_TRANSLATE_NOOP("Settings", "Average wait at most (minutes)"), G_QUALITY, spec="G3",
       minimum=1, maximum=240),
    _d("quality.wait_p90_max_minutes", "int", 30,
       QT_TRANSLATE_NOOP("Settings", "90% of patients wait at most (minutes)"), G_QUALITY,
       spec="G3", minimum=1, maximum=480),
    _d("quality.followup_target_percent", "int", 95,
       QT_TRANSLATE_NOOP("Settings", "Follow-up rate target (%)"), G_QUALITY, spec="G3",
       minimum=1, maximum=100),
    _d("quality.revisit_target_percent", "int", 30,
       QT_TRANSLATE_NOOP("Settings", "Revisit booking rate target (%)"), G_QUALITY, spec="G3",
       minimum=0, maximum=100),
    _d("quality.booking_target_percent", "int", 60,
       QT_TRANSLATE_NOOP("Settings", "Booked visits target (% of visits)"), G_QUALITY,
       spec="G3", minimum=0, maximum=100),
    _d("quality.prescription_correction_max_percent", "int", 1,
       QT_TRANSLATE_NOOP("Settings", "Prescriptions corrected at most (%)"), G_QUALITY,
       spec="G3", minimum=0, maximum=100),
    _d("quality.survey_mode", "choice", "call",
       QT_TRANSLATE_NOOP("Settings", "Weekly survey: call the patients or hand out forms"),
       G_QUALITY, spec="G1", choices=("call", "form")),
    _d("quality.root_cause_within_hours", "int", 24,
       QT_TRANSLATE_NOOP("Settings", "Root-cause analysis within (hours)"), G_QUALITY,
       spec="G5", minimum=1, maximum=240),
    # Membership (spec H1-H2, A10)
    _d("membership.prorata_rule", "choice", "daily",
       QT_TRANSLATE_NOOP("Settings", "Changing tier mid-term is priced"), G_MEMBERSHIP,
       spec="H2", choices=("none", "daily", "monthly")),
    _d("membership.renewal_reminder_days", "int", 30,
       QT_TRANSLATE_NOOP("Settings", "Renewal reminder before expiry (days)"), G_MEMBERSHIP,
       spec="H2", minimum=0, maximum=180),
    _d("membership.grace_days", "int", 30,
       QT_TRANSLATE_NOOP("Settings", "Lapsed members listed for (days after expiry)"),
       G_MEMBERSHIP, spec="H2", minimum=0, maximum=730),
    _d("membership.reserved_slots_per_day", "int", 2,
       QT_TRANSLATE_NOOP("Settings", "Slots per doctor and day held for members"),
       G_MEMBERSHIP, spec="A10", minimum=0, maximum=40),
    _d("membership.reserved_release_days", "int", 1,
       QT_TRANSLATE_NOOP("Settings", "Held slots open to everyone (days before)"),
       G_MEMBERSHIP, spec="A10", minimum=0, maximum=30),
    _d("membership.plan_checkups", "int", 4,
       QT_TRANSLATE_NOOP("Settings", "Annual health plan: check-in calls per year"),
       G_MEMBERSHIP, spec="H1", minimum=1, maximum=12),
    # Printing (spec D2, K1, K2): sizes, the large-print card, the clinic's own words.
    _d("printing.label_stock", "choice", "62mm",
       QT_TRANSLATE_NOOP("Settings", "Label printer stock"), G_PRINTING,
       choices=("62mm", "4x6in")),
    _d("printing.card_size", "choice", "A6",
       QT_TRANSLATE_NOOP("Settings", "Medication card size"), G_PRINTING, spec="D2",
       choices=("A6", "A5", "A4", "label")),
    _d("printing.large_print_size", "choice", "A5",
       QT_TRANSLATE_NOOP("Settings", "Large-print medication card size"), G_PRINTING,
       spec="D2", choices=("A6", "A5", "A4", "label")),
    _d("printing.large_print_age", "int", 70,
       QT_TRANSLATE_NOOP("Settings", "Large-print card (大字版) from age"), G_PRINTING,
       spec="D2", minimum=40, maximum=120),
    _d("printing.slip_size", "choice", "A6",
       QT_TRANSLATE_NOOP("Settings", "Appointment slip and contact card size"), G_PRINTING,
       spec="K1", choices=("A6", "A5", "A4", "label")),
    _d("printing.extra_margin_mm", "int", 0,
       QT_TRANSLATE_NOOP("Settings", "Extra margin for a printer that clips (mm)"),
       G_PRINTING, minimum=0, maximum=20),
    _d("printing.opening_hours", "text", "",
       QT_TRANSLATE_NOOP("Settings", "Opening hours (empty: from the doctors' rosters)"),
       G_PRINTING, spec="K1", max_length=300),
    _d("printing.what_to_bring", "text", "",
       QT_TRANSLATE_NOOP("Settings", "What to bring, on appointment slips"), G_PRINTING,
       spec="A4", max_length=500),
    _d("printing.contact_qr", "text", "",
       QT_TRANSLATE_NOOP("Settings", "QR code on cards (empty: the clinic's contact)"),
       G_PRINTING, spec="K1", max_length=500),
    # Messages: the reminder outbox (A5, E7). E-mail goes through the clinic's own mail
    # server; SMS and WeChat leave as a batch file for the bulk platform, or through a
    # gateway plug-in.
    _d("outbox.smtp_host", "text", "", QT_TRANSLATE_NOOP("Settings", "Mail server (SMTP)"),
       G_MESSAGES, spec="A5", max_length=200),
    _d("outbox.smtp_port", "int", 587, QT_TRANSLATE_NOOP("Settings", "Mail server port"),
       G_MESSAGES, minimum=1, maximum=65535),
    _d("outbox.smtp_security", "choice", "starttls",
       QT_TRANSLATE_NOOP("Settings", "Mail server security"), G_MESSAGES,
       choices=("starttls", "ssl", "none")),
    _d("outbox.smtp_user", "text", "", QT_TRANSLATE_NOOP("Settings", "Mail server user name"),
       G_MESSAGES, max_length=200),
    # Kept in the encrypted clinic database like the rest; shown as dots.
    _d("outbox.smtp_password", "secret", "",
       QT_TRANSLATE_NOOP("Settings", "Mail server password"), G_MESSAGES, max_length=200),
    _d("outbox.smtp_from", "text", "",
       QT_TRANSLATE_NOOP("Settings", "Send e-mail as (address)"), G_MESSAGES, max_length=200),
    _d("outbox.smtp_timeout_seconds", "int", 20,
       QT_TRANSLATE_NOOP("Settings", "Give up on the mail server after (seconds)"), G_MESSAGES,
       minimum=3, maximum=300),
    _d("outbox.retry_minutes", "int", 30,
       QT_TRANSLATE_NOOP("Settings", "A message that could not go: try again after (minutes)"),
       G_MESSAGES, minimum=1, maximum=24 * 60),
    _d("outbox.max_attempts", "int", 5,
       QT_TRANSLATE_NOOP("Settings", "A message that could not go: give up after tries"),
       G_MESSAGES, minimum=1, maximum=50),
    _d("outbox.send_from", "time", "08:00",
       QT_TRANSLATE_NOOP("Settings", "Send messages from"), G_MESSAGES, spec="A5"),
    _d("outbox.send_until", "time", "21:00",
       QT_TRANSLATE_NOOP("Settings", "Send messages until"), G_MESSAGES, spec="A5"),
    _d("outbox.sending_workstation", "text", "",
       QT_TRANSLATE_NOOP("Settings", "Workstation that sends (empty: this one)"), G_MESSAGES,
       max_length=64),
)

BY_KEY: dict[str, SettingDef] = {d.key: d for d in CATALOG}

# Never more than this many sign-in tries per account per hour, whatever the settings.
MAX_SIGNIN_FAILURES_PER_HOUR = 100


def _is_time_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not name or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def check_together(values: dict[str, Any]) -> None:
    """Rules between settings, checked on the merged result of a change."""
    if values["outbox.send_from"] >= values["outbox.send_until"]:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "Messages cannot start being sent after the time they stop. Make "
                "'send from' earlier than 'send until'.",
            )
        )


def default_values() -> dict[str, Any]:
    return {d.key: d.default for d in CATALOG}


def parse_time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))

"""The reminder outbox (issue 9; spec A5, E7): every message to a patient and its fate.

Messages are made from templates (``core/outbox/templates``) in the clinic's
language, go by the patient's preferred channel (SMS to a mainland mobile,
e-mail, WeChat), and are never sent twice: a caller's deterministic id is
queued once; ``send_due`` commits a message's "sending" claim before the
network call, and a message left in "sending" (the program stopped mid-send)
is not retried by itself; an exported batch marks its messages so the next
batch leaves them out. Opted-out and deceased patients get nothing.

Permissions: working the follow-up list (``FOLLOWUP_WORK``) may queue, list,
preview and cancel; supervising (``FOLLOWUP_SUPERVISE``, or the system actor of
a scheduled task) edits templates, sends, exports, retries and runs campaigns.
"""

from __future__ import annotations

import json
import logging
import secrets
import unicodedata
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import phonenumbers
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from clinic_desk.core.errors import DateOutOfRange, NotFound, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP, Translate, english
from clinic_desk.core.outbox import export as batch_export
from clinic_desk.core.outbox import templates
from clinic_desk.core.outbox.gateways import (
    MESSAGE_CHANNELS,
    Gateway,
    OutgoingMessage,
    PermanentFailure,
    SmtpGateway,
    SmtpSettings,
    TemporaryFailure,
    load_plugins,
)
from clinic_desk.core.rules import honorifics, slots
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action, allowed
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.services.registry_rules import display_name
from clinic_desk.core.settings_catalog import parse_time
from clinic_desk.core.store.base import SYNCED_ROW_NAMESPACE, new_id
from clinic_desk.core.store.models import (
    Campaign,
    Condition,
    Medication,
    MessageTemplate,
    OutboxMessage,
    Patient,
    Staff,
    Visit,
)
from clinic_desk.core.store.store import UnitOfWork

log = logging.getLogger(__name__)

__all__ = [
    "MESSAGE_CHANNELS",
    "PLACEHOLDERS",
    "SKIP_REASONS",
    "STATES",
    "TEMPLATE_CODES",
    "CampaignCriteria",
    "CampaignView",
    "ExportResult",
    "MessageView",
    "SendReport",
    "TemplateView",
    "campaign_preview",
    "cancel_for_patient_in",
    "cancel_message",
    "counts",
    "export_batch",
    "list_campaigns",
    "list_messages",
    "list_templates",
    "preview",
    "queue_in",
    "queue_message",
    "reset_template",
    "retry_message",
    "save_template",
    "send_due",
    "start_campaign",
]

STATES = ("queued", "sending", "sent", "exported", "failed", "cancelled")
PLACEHOLDERS = templates.PLACEHOLDERS
TEMPLATE_CODES = templates.TEMPLATE_CODES
# What queue_in returns instead of an id when a message is not queued.
SKIP_REASONS = (
    "opted_out",
    "deceased",
    "no_channel",
    "invalid_email",
    "duplicate",
    "unsafe_text",
    "inactive",
    "bad_template",
    "too_long",
    "no_clinic_phone",
)
SKIP_LABELS: dict[str, str] = {
    "opted_out": QT_TRANSLATE_NOOP("Outbox", "asked for no messages"),
    "deceased": QT_TRANSLATE_NOOP("Outbox", "deceased"),
    "no_channel": QT_TRANSLATE_NOOP("Outbox", "no mobile, e-mail or WeChat"),
    "invalid_email": QT_TRANSLATE_NOOP("Outbox", "e-mail address not valid"),
    "duplicate": QT_TRANSLATE_NOOP("Outbox", "already queued"),
    "unsafe_text": QT_TRANSLATE_NOOP("Outbox", "text would mention their diagnosis or medicine"),
    "inactive": QT_TRANSLATE_NOOP("Outbox", "template switched off"),
    "bad_template": QT_TRANSLATE_NOOP("Outbox", "template needs a value it was not given"),
    "too_long": QT_TRANSLATE_NOOP("Outbox", "too long for a text message"),
    "no_clinic_phone": QT_TRANSLATE_NOOP("Outbox", "the clinic's phone is not set"),
}
BATCH_CHANNELS = ("sms", "wechat")
# The latest visits' diagnoses count as the patient's current ones for the safety check.
SENSITIVE_VISITS = 5
MAX_REASON = 500
MAX_CAMPAIGN_NAME = 200
MAX_CRITERION = 100
_CHUNK = 500  # ids per IN (...) list
# The patient's contact codes (registry_rules.CONTACT_CHANNELS) that a message can use.
_PREFERENCE_TO_CHANNEL = {"sms": "sms", "mobile": "sms", "email": "email", "wechat": "wechat"}
# As rules.phones.is_mobile: numbers whose plan cannot tell mobiles from landlines count.
_MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


# -- views ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateView:
    id: uuid.UUID
    code: str
    name: str
    subject: str
    body: str
    active: bool
    is_default: bool  # the shipped wording in the clinic's language


@dataclass(frozen=True)
class MessageView:
    id: uuid.UUID
    patient_id: uuid.UUID | None
    patient_name: str
    channel: str
    address: str
    purpose: str
    subject: str
    body: str
    not_before: datetime
    state: str
    attempts: int
    last_error: str  # in English; ``error_template``/``error_params`` for other languages
    next_try_at: datetime | None
    sent_at: datetime | None
    batch: str
    gateway: str
    created_at: datetime
    error_template: str = ""  # context "Outbox"; "" when the reason is a person's own words
    error_params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int
    deferred: int  # due but not sent now: outside the sending hours, server down, retry later
    errors: tuple[str, ...]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    count: int  # 0: nothing was waiting, and no file was written
    batch: str


@dataclass(frozen=True)
class CampaignCriteria:
    condition_contains: str = ""  # an active chronic condition's name contains this
    min_age: int | None = None
    max_age: int | None = None
    sex: str = ""  # "" any | F | M | U
    visited_since: date | None = None
    category: str = ""  # a visit of this category (since visited_since, if given)


@dataclass(frozen=True)
class CampaignView:
    id: uuid.UUID
    name: str
    subject: str
    body: str
    criteria: CampaignCriteria
    queued: int
    skipped: dict[str, int]
    created_at: datetime
    created_by_name: str
    states: dict[str, int] = field(default_factory=dict)  # its messages per state now


# -- shared -----------------------------------------------------------------------------


def _require_any(clinic: Clinic, actor: Actor, *actions: Action, patient_id: Any = None) -> None:
    if actor.is_system or any(allowed(actor.role, a) for a in actions):
        return
    clinic.require(actor, actions[0], patient_id=patient_id)


def _language(clinic: Clinic) -> honorifics.Language:
    lang = str(clinic.setting("clinic.language"))
    return lang if lang in honorifics.LANGUAGES else "zh_CN"


def _region(clinic: Clinic) -> str:
    return str(clinic.setting("clinic.phone_region")) or "CN"


def _changes(*ids: uuid.UUID | None) -> Changes:
    return Changes(frozenset({Topic.OUTBOX}), frozenset(i for i in ids if i is not None))


def _aware(value: datetime, label: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} needs a date, a time and a time zone."),
            label=label,
        )
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise DateOutOfRange() from None


def _reason(value: str, empty: str) -> str:
    text = unicodedata.normalize("NFC", str(value))
    text = " ".join("".join(c for c in text if c >= " " or c in "\t\n").split())
    if not text:
        raise ValidationError(empty)
    if len(text) > MAX_REASON:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The reason is too long: use at most {n} characters."),
            n=MAX_REASON,
        )
    return text


def _local_midnight(clinic: Clinic, day: date) -> datetime:
    return slots.local_to_utc(day, 0, clinic.timezone())  # DateOutOfRange for year 1 / 9999


# -- addresses --------------------------------------------------------------------------


def sms_number(text: str, region: str = "CN") -> str | None:
    """The E.164 form of a mainland mobile number, or None: only those take the
    clinic's SMS (the bulk platforms send inside China). Records are E.164, but
    older or imported ones may hold the national digits, read in ``region``."""
    try:
        number = phonenumbers.parse(text, (region or "CN").upper())
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_address(text: str) -> str | None:
    """The address to send to (an international domain in its ASCII form), or None
    when ``text`` is not one. The part before @ must be plain ASCII: mail servers
    without SMTPUTF8, the usual kind, cannot take anything else."""
    value = text.strip()
    if not value or len(value) > 200 or any(ch.isspace() or ord(ch) < 32 for ch in value):
        return None
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain or "@" in local or not local.isascii():
        return None
    if local.startswith(".") or local.endswith(".") or ".." in local or '"' in local:
        return None
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(
        0 < len(label) <= 63
        and all(c.isalnum() or c == "-" for c in label)
        and not label.startswith("-")
        and not label.endswith("-")
        for label in labels
    ):
        return None
    if labels[-1].isdigit():
        return None
    return f"{local}@{ascii_domain}"


def _pick_channel(patient: Patient, region: str) -> tuple[str, str] | str:
    """(channel, address) by the patient's preference, then SMS, e-mail, WeChat; or
    the skip reason ("invalid_email" | "no_channel")."""
    order: list[str] = []
    for code in (patient.contact_channels or "").split(","):
        channel = _PREFERENCE_TO_CHANNEL.get(code.strip())
        if channel and channel not in order:
            order.append(channel)
    order += [c for c in ("sms", "email", "wechat") if c not in order]
    bad_email = False
    for channel in order:
        if channel == "sms":
            for phone in (patient.phone, patient.phone2):
                mobile = sms_number(phone, region) if phone else None
                if mobile is not None:
                    return "sms", mobile
        elif channel == "email" and patient.email.strip():
            address = email_address(patient.email)
            if address is not None:
                return "email", address
            bad_email = True
        elif channel == "wechat" and patient.wechat.strip():
            return "wechat", patient.wechat.strip()
    return "invalid_email" if bad_email else "no_channel"


# -- the safety check's words -----------------------------------------------------------


def _chunks(ids: Sequence[uuid.UUID]) -> Iterable[Sequence[uuid.UUID]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _sensitive(
    session: Session, patient_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, frozenset[str]]:
    """Per patient: the words of their latest diagnoses, active conditions and current
    medicines, which no message to them may contain."""
    ids = list(dict.fromkeys(patient_ids))
    diagnoses: dict[uuid.UUID, list[str]] = {i: [] for i in ids}
    drugs: dict[uuid.UUID, list[str]] = {i: [] for i in ids}
    for part in _chunks(ids):
        ranked = (
            select(
                Visit.patient_id.label("pid"),
                Visit.diagnosis.label("diagnosis"),
                func.row_number()
                .over(partition_by=Visit.patient_id, order_by=Visit.visit_at.desc())
                .label("rank"),
            )
            .where(Visit.patient_id.in_(part), Visit.deleted_at.is_(None))
            .subquery()
        )
        for pid, text in session.execute(
            select(ranked.c.pid, ranked.c.diagnosis).where(ranked.c.rank <= SENSITIVE_VISITS)
        ):
            if text:
                diagnoses[pid].append(text)
        for pid, text in session.execute(
            select(Condition.patient_id, Condition.name).where(
                Condition.patient_id.in_(part),
                Condition.deleted_at.is_(None),
                Condition.ended_at.is_(None),
            )
        ):
            diagnoses[pid].append(text)
        for pid, text in session.execute(
            select(Medication.patient_id, Medication.drug).where(
                Medication.patient_id.in_(part),
                Medication.deleted_at.is_(None),
                Medication.ended_at.is_(None),
            )
        ):
            drugs[pid].append(text)
    return {i: templates.sensitive_fragments(diagnoses[i], drugs[i]) for i in ids}


# -- templates --------------------------------------------------------------------------


def _template_id(code: str) -> uuid.UUID:
    # The same row on every workstation, so two edits of one template merge in sync.
    return uuid.uuid5(SYNCED_ROW_NAMESPACE, "message_template:" + code)


def _live_template(session: Session, code: str) -> MessageTemplate | None:
    row = session.get(MessageTemplate, _template_id(code))
    return row if row is not None and row.deleted_at is None else None


def _template_view(clinic: Clinic, code: str, row: MessageTemplate | None) -> TemplateView:
    default = templates.default_template(code, _language(clinic))
    if row is None:
        return TemplateView(
            _template_id(code),
            code,
            templates.TEMPLATE_NAMES[code],
            default.subject,
            default.body,
            True,
            True,
        )
    return TemplateView(
        row.id,
        code,
        row.name or templates.TEMPLATE_NAMES[code],
        row.subject,
        row.body,
        row.active,
        (row.subject, row.body) == (default.subject, default.body),
    )


def _known_code(code: str) -> str:
    if code not in TEMPLATE_CODES:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "There is no message template '{code}'. Choose one of the list."
            ),
            code=str(code)[:40],
        )
    return code


def list_templates(clinic: Clinic, actor: Actor) -> list[TemplateView]:
    """Every template, the clinic's wording or the shipped one."""
    _require_any(clinic, actor, Action.FOLLOWUP_WORK, Action.SETTINGS_READ)
    with clinic.store.unit_of_work(write=False) as uow:
        return [_template_view(clinic, c, _live_template(uow.session, c)) for c in TEMPLATE_CODES]


def save_template(
    clinic: Clinic,
    actor: Actor,
    code: str,
    *,
    name: str,
    subject: str,
    body: str,
    active: bool = True,
) -> Written[TemplateView]:
    """Change a template's wording; an unknown {placeholder} is refused, naming it."""
    clinic.require(actor, Action.FOLLOWUP_SUPERVISE)
    code = _known_code(code)
    label = " ".join(unicodedata.normalize("NFC", str(name)).split())
    if len(label) > templates.MAX_NAME:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "The template's name is too long: use at most {n} characters."
            ),
            n=templates.MAX_NAME,
        )
    subject, body = templates.check_template_for(code, subject, body)
    if not isinstance(active, bool):
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Choose whether the template is on."))
    now = clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        row = s.get(MessageTemplate, _template_id(code))
        if row is None:
            row = MessageTemplate(id=_template_id(code), code=code, created_at=now)
            s.add(row)
        row.name = label or templates.TEMPLATE_NAMES[code]
        row.subject = subject
        row.body = body
        row.active = active
        row.updated_by = actor.staff_id
        row.updated_at = now
        row.deleted_at = None
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="outbox.template_save",
                object_type="message_template",
                object_id=code,
                detail=f"active={active}",
            ),
        )
        uow.commit()
        view = _template_view(clinic, code, row)
    return Written(view, _changes(view.id))


def reset_template(clinic: Clinic, actor: Actor, code: str) -> Written[TemplateView]:
    """Back to the shipped wording (in whatever language the clinic uses then)."""
    clinic.require(actor, Action.FOLLOWUP_SUPERVISE)
    code = _known_code(code)
    now = clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        row = uow.session.get(MessageTemplate, _template_id(code))
        if row is not None and row.deleted_at is None:
            row.deleted_at = now
            row.updated_by = actor.staff_id
            clinic.audit(
                uow,
                actor,
                audit.AuditEvent(
                    action="outbox.template_reset", object_type="message_template", object_id=code
                ),
            )
            uow.commit()
        view = _template_view(clinic, code, None)
    return Written(view, _changes(view.id))


# -- queueing ---------------------------------------------------------------------------


def _automatic_values(clinic: Clinic, patient: Patient) -> dict[str, str]:
    # Imported here: the patient and visit services call into the outbox (a death, an
    # opt-out, a finished visit), so the outbox imports them only when it runs.
    from clinic_desk.core.services import patients as patient_service

    person = honorifics.Person(
        family_name=patient.family_name,
        given_name=patient.given_name,
        sex=patient.sex if patient.sex in ("F", "M") else "U",  # type: ignore[arg-type]
        birth_date=patient.birth_date,
        occupation=patient.occupation,
        title=patient.title,
        preferred=patient.honorific_override,
    )
    return {
        "honorific": honorifics.address(
            person,
            today=clinic.today(),
            language=_language(clinic),
            style=patient_service.honorific_style(clinic),
        ),
        "clinic": str(clinic.setting("clinic.name")),
        "clinic_phone": str(clinic.setting("clinic.phone")),
    }


def _caller_values(values: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in values.items():
        if key not in PLACEHOLDERS or key in templates.AUTOMATIC:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "A message value '{name}' cannot be given: ClinicDesk fills {{honorific}}, "
                    "{{clinic}} and {{clinic_phone}} itself, and knows only {allowed}.",
                ),
                name=str(key)[:40],
                allowed=", ".join("{" + p + "}" for p in PLACEHOLDERS),
            )
        out[key] = templates.clean_value(value)
    return out


def _live_patient(session: Session, patient_id: uuid.UUID) -> Patient:
    patient = session.get(Patient, patient_id)
    # A merged-away record's messages go to the record that absorbed it.
    for _hop in range(5):
        if patient is None or patient.merged_into is None:
            break
        patient = session.get(Patient, patient.merged_into)
    if patient is None or patient.deleted_at is not None or patient.merged_into is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "patient"))
    return patient


class _Unsendable(ValidationError):
    """This text cannot go to this patient; ``reason`` is the skip reason queue_in returns
    (a visit or the worklist must never fail over a message's wording)."""

    def __init__(self, reason: str, template: str, /, **params: Any) -> None:
        super().__init__(template, **params)
        self.reason = reason


def _render(
    clinic: Clinic,
    patient: Patient,
    channel: str,
    subject_template: str,
    body_template: str,
    values: Mapping[str, str],
) -> tuple[str, str]:
    filled = {**_caller_values(values), **_automatic_values(clinic, patient)}
    used = templates.placeholders_in(body_template)
    if channel == "email":
        used += templates.placeholders_in(subject_template)
    if "clinic_phone" in used and not filled["clinic_phone"].strip():
        raise _Unsendable(
            "no_clinic_phone",
            QT_TRANSLATE_NOOP(
                "Errors",
                "The message gives the clinic's phone number, which is not set. Set it in "
                "Settings > Clinic.",
            ),
        )
    try:
        subject = templates.render(subject_template, filled) if channel == "email" else ""
        body = templates.render(body_template, filled).strip()
    except ValidationError as error:
        raise _Unsendable("bad_template", error.template, **error.params) from None
    if not body:
        raise _Unsendable(
            "bad_template",
            QT_TRANSLATE_NOOP("Errors", "The message is empty. Type what the patient should read."),
        )
    if channel in BATCH_CHANNELS and len(body) > templates.MAX_SMS_CHARS:
        raise _Unsendable(
            "too_long",
            QT_TRANSLATE_NOOP(
                "Errors",
                "The text message would be {n} characters long; SMS platforms cut messages "
                "beyond {top}. Shorten it.",
            ),
            n=len(body),
            top=templates.MAX_SMS_CHARS,
        )
    return subject, body


def _template_text(session: Session, code: str) -> tuple[str, str, bool] | None:
    row = _live_template(session, code)
    if row is None:
        return None
    return row.subject, row.body, row.active


def _queue(
    clinic: Clinic,
    uow: UnitOfWork,
    *,
    patient_id: uuid.UUID,
    purpose: str,
    template_code: str,
    values: Mapping[str, str],
    not_before: datetime,
    source_id: uuid.UUID | None,
    campaign_id: uuid.UUID | None,
    message_id: uuid.UUID | None,
    created_by: uuid.UUID | None,
    text: tuple[str, str] | None = None,
    fragments: frozenset[str] | None = None,
    fresh_id: bool = False,  # derived from a campaign made just now: cannot exist yet
) -> uuid.UUID | str:
    s = uow.session
    if message_id is not None and not fresh_id and s.get(OutboxMessage, message_id) is not None:
        return "duplicate"
    patient = _live_patient(s, patient_id)
    if patient.deceased_on is not None:
        return "deceased"
    if patient.opt_out_messages:
        return "opted_out"
    picked = _pick_channel(patient, _region(clinic))
    if isinstance(picked, str):
        return picked
    channel, address = picked
    if text is None:
        stored = _template_text(s, _known_code(template_code))
        if stored is None:
            default = templates.default_template(template_code, _language(clinic))
            text = (default.subject, default.body)
        elif not stored[2]:
            return "inactive"
        else:
            text = (stored[0], stored[1])
    subject, body = _render(clinic, patient, channel, text[0], text[1], values)
    now = clinic.now()
    if fragments is None:
        fragments = _sensitive(s, [patient.id])[patient.id]
    if templates.unsafe_words(subject + "\n" + body, fragments):
        return "unsafe_text"
    row = OutboxMessage(
        id=message_id or new_id(),
        patient_id=patient.id,
        channel=channel,
        address=address,
        purpose=str(purpose)[:24],
        template_code=template_code,
        subject=subject,
        body=body,
        source_id=source_id,
        campaign_id=campaign_id,
        not_before=_aware(not_before, "time to send"),
        state="queued",
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    s.add(row)
    return row.id


def queue_in(
    clinic: Clinic,
    uow: UnitOfWork,
    *,
    patient_id: uuid.UUID,
    purpose: str,
    template_code: str,
    values: Mapping[str, str],
    not_before: datetime,
    source_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
    message_id: uuid.UUID | None = None,
    created_by: uuid.UUID | None = None,
) -> uuid.UUID | str:
    """Queue one message inside the caller's unit of work (the caller audits).

    Returns the new message's id, or why none was queued (``SKIP_REASONS``):
    opted_out, deceased, no_channel, invalid_email, duplicate (``message_id``
    exists already: a deterministic id is queued once), unsafe_text (the text
    would contain the patient's diagnosis or a medicine), inactive (the clinic
    switched the template off). With ``campaign_id`` the campaign's own
    subject and body are the template. A wrong template (a placeholder without
    a value, an over-long SMS) raises ValidationError.
    """
    text: tuple[str, str] | None = None
    if campaign_id is not None:
        campaign = uow.session.get(Campaign, campaign_id)
        if campaign is None or campaign.deleted_at is not None:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "campaign"))
        text = (campaign.subject, campaign.body)
    try:
        return _queue(
            clinic,
            uow,
            patient_id=patient_id,
            purpose=purpose,
            template_code=template_code,
            values=values,
            not_before=not_before,
            source_id=source_id,
            campaign_id=campaign_id,
            message_id=message_id,
            created_by=created_by,
            text=text,
        )
    except _Unsendable as problem:
        log.warning("message not queued (%s): %s", problem.reason, problem.message())
        return problem.reason


@dataclass(frozen=True)
class QueueRequest:
    """One message of a batch for ``queue_many_in``."""

    patient_id: uuid.UUID
    message_id: uuid.UUID
    values: Mapping[str, str] = field(default_factory=dict)
    source_id: uuid.UUID | None = None


def queue_many_in(
    clinic: Clinic,
    uow: UnitOfWork,
    *,
    purpose: str,
    template_code: str,
    requests: Sequence[QueueRequest],
    not_before: datetime,
    created_by: uuid.UUID | None = None,
) -> list[uuid.UUID | str]:
    """``queue_in`` for many messages of one template (the day's reminders), in order.

    One query each for the ids already queued, the patients, the template and the
    words no message may contain, and no flush per message: the first worklist of a
    day queues hundreds of reminders, one by one that took seconds.
    """
    s = uow.session
    ids = [r.message_id for r in requests]
    existing: set[uuid.UUID] = set()
    for part in _chunks(ids):
        existing.update(
            s.execute(select(OutboxMessage.id).where(OutboxMessage.id.in_(part))).scalars()
        )
    # Later runs of the day find most already queued: load only what is new.
    patient_ids = list(
        dict.fromkeys(r.patient_id for r in requests if r.message_id not in existing)
    )
    if not patient_ids:
        return ["duplicate"] * len(requests)
    for part in _chunks(patient_ids):
        s.execute(select(Patient).where(Patient.id.in_(part))).scalars().all()  # identity map
    stored = _template_text(s, _known_code(template_code))
    if stored is not None and not stored[2]:
        return ["inactive"] * len(requests)
    if stored is None:
        default = templates.default_template(template_code, _language(clinic))
        text = (default.subject, default.body)
    else:
        text = (stored[0], stored[1])
    words = _sensitive(s, patient_ids)
    results: list[uuid.UUID | str] = []
    with s.no_autoflush:
        for request in requests:
            if request.message_id in existing:
                results.append("duplicate")
                continue
            patient = s.get(Patient, request.patient_id)
            # A merged-away record's message goes to the one that absorbed it: its words.
            merged = patient is not None and patient.merged_into is not None
            try:
                results.append(
                    _queue(
                        clinic,
                        uow,
                        patient_id=request.patient_id,
                        purpose=purpose,
                        template_code=template_code,
                        values=request.values,
                        not_before=not_before,
                        source_id=request.source_id,
                        campaign_id=None,
                        message_id=request.message_id,
                        created_by=created_by,
                        text=text,
                        fragments=None if merged else words.get(request.patient_id),
                        fresh_id=True,
                    )
                )
            except _Unsendable as problem:
                log.warning("message not queued (%s): %s", problem.reason, problem.message())
                results.append(problem.reason)
    return results


def _skip_error(reason: str, patient: Patient | None = None) -> ValidationError:
    if reason == "invalid_email":
        return ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The patient's e-mail address '{email}' is not a valid address, and there is "
                "no mobile or WeChat to use instead. Correct it in the patient's record.",
            ),
            email=(patient.email if patient is not None else "")[:200],
        )
    sentences = {
        "opted_out": QT_TRANSLATE_NOOP(
            "Errors", "This patient asked not to receive messages, so none is queued."
        ),
        "deceased": QT_TRANSLATE_NOOP(
            "Errors", "This patient's death is recorded, so no message is sent."
        ),
        "no_channel": QT_TRANSLATE_NOOP(
            "Errors",
            "This patient has no mainland mobile number, e-mail address or WeChat id to send "
            "to. Add one in the patient's record, or call instead.",
        ),
        "duplicate": QT_TRANSLATE_NOOP("Errors", "This message is already in the outbox."),
        "unsafe_text": QT_TRANSLATE_NOOP(
            "Errors",
            "This message would mention the patient's diagnosis or a medicine they take, which "
            "messages never do (someone else may read them). Change the wording.",
        ),
        "inactive": QT_TRANSLATE_NOOP(
            "Errors",
            "This message template is switched off. Switch it on under the message "
            "templates, or choose another.",
        ),
    }
    return ValidationError(sentences[reason])


def queue_message(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    template_code: str,
    values: Mapping[str, str] | None = None,
    not_before: datetime | None = None,
) -> Written[MessageView]:
    """Queue one message by hand; a reason not to becomes a sentence (ValidationError)."""
    clinic.require(actor, Action.FOLLOWUP_WORK, patient_id=patient_id)
    _known_code(template_code)
    when = _aware(not_before, "time to send") if not_before is not None else clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        result = _queue(
            clinic,
            uow,
            patient_id=patient_id,
            purpose=template_code,
            template_code=template_code,
            values=dict(values or {}),
            not_before=when,
            source_id=None,
            campaign_id=None,
            message_id=None,
            created_by=actor.staff_id,
        )
        if isinstance(result, str):
            raise _skip_error(result, uow.session.get(Patient, patient_id))
        row = uow.session.get(OutboxMessage, result)
        assert row is not None
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="outbox.queue",
                object_type="outbox_message",
                object_id=result.hex,
                patient_id=row.patient_id,
                detail=f"template={template_code} channel={row.channel}",
            ),
        )
        uow.commit()
        view = _one(uow.session, result)
    return Written(view, _changes(result, view.patient_id))


def preview(
    clinic: Clinic,
    actor: Actor,
    code_or_body: str,
    patient_id: uuid.UUID,
    **values: str,
) -> str:
    """What ``patient_id`` would read: a template (by code) or a draft text, filled in.

    Appointment placeholders not given are shown with a sample appointment a week
    from now. A text that would mention the patient's diagnosis or medicine is
    refused without naming the words (the reader may not see the record).
    """
    clinic.require(actor, Action.FOLLOWUP_WORK, patient_id=patient_id)
    with clinic.store.unit_of_work(write=False) as uow:
        s = uow.session
        if code_or_body in TEMPLATE_CODES:
            stored = _template_text(s, code_or_body)
            if stored is None:
                body = templates.default_template(code_or_body, _language(clinic)).body
            else:
                body = stored[1]
        else:
            body = templates.check_template("", code_or_body)[1]
        patient = _live_patient(s, patient_id)
        picked = _pick_channel(patient, _region(clinic))
        channel = picked[0] if isinstance(picked, tuple) else "sms"
        sample = templates.appointment_values(
            clinic.now() + timedelta(days=7), clinic.timezone(), _language(clinic)
        )
        filled = {k: v for k, v in sample.items() if k not in values}
        filled.update(values)
        _subject, text = _render(clinic, patient, channel, "", body, filled)
        if templates.unsafe_words(text, _sensitive(s, [patient.id])[patient.id]):
            raise _skip_error("unsafe_text")
        return text


# -- reading ----------------------------------------------------------------------------


def _query() -> Any:
    return (
        select(OutboxMessage, Patient.family_name, Patient.given_name)
        .outerjoin(Patient, Patient.id == OutboxMessage.patient_id)
        .where(OutboxMessage.deleted_at.is_(None))
    )


def _stored_reason(template: str, params: Mapping[str, Any]) -> str:
    """A delivery failure as kept in ``last_error``: its sentence and values, so each
    workstation shows it in its own language (the server's own words stay as they are)."""
    for limit in (160, 60, 20):  # the column holds 500 characters: whole JSON, shorter values
        shown = {k: str(v)[:limit] for k, v in params.items()}
        stored = json.dumps({"t": template, "p": shown}, ensure_ascii=False)
        if len(stored) <= 500:
            return stored
    return (template.format(**params) if params else template)[:500]


def read_reason(stored: str) -> tuple[str, dict[str, str]]:
    """(template, values) of a stored reason; ("", {}) for plain text (a person's words)."""
    if not stored.startswith('{"t":'):
        return "", {}
    try:
        data = json.loads(stored)
        return str(data["t"]), {str(k): str(v) for k, v in dict(data["p"]).items()}
    except (ValueError, KeyError, TypeError):
        return "", {}


def reason_text(stored: str, translate: Translate = english) -> str:
    """``last_error`` as a sentence in the ``translate`` language."""
    template, params = read_reason(stored)
    if not template:
        return stored
    text = translate("Outbox", template)
    try:
        return text.format(**params) if params else text
    except (KeyError, IndexError, ValueError):
        return template.format(**params) if params else template


def _view(row: OutboxMessage, family: str | None, given: str | None) -> MessageView:
    template, params = read_reason(row.last_error)
    return MessageView(
        id=row.id,
        patient_id=row.patient_id,
        patient_name=display_name(family or "", given or ""),
        channel=row.channel,
        address=row.address,
        purpose=row.purpose,
        subject=row.subject,
        body=row.body,
        not_before=row.not_before,
        state=row.state,
        attempts=row.attempts,
        last_error=reason_text(row.last_error),
        next_try_at=row.next_try_at,
        sent_at=row.sent_at,
        batch=row.batch,
        gateway=row.gateway,
        created_at=row.created_at,
        error_template=template,
        error_params=params,
    )


def _one(session: Session, message_id: uuid.UUID) -> MessageView:
    found = session.execute(_query().where(OutboxMessage.id == message_id)).one_or_none()
    if found is None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "message"))
    return _view(found[0], found[1], found[2])


def list_messages(
    clinic: Clinic,
    actor: Actor,
    *,
    states: Sequence[str] = (),
    first: date | None = None,
    last: date | None = None,
    patient_id: uuid.UUID | None = None,
    limit: int = 500,
) -> list[MessageView]:
    """Messages meant to go from ``first`` to ``last`` (the clinic's days), latest first."""
    clinic.require(actor, Action.FOLLOWUP_WORK, patient_id=patient_id)
    unknown = [s for s in states if s not in STATES]
    if unknown:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "'{state}' is not a message state. Use one of {all}."),
            state=str(unknown[0])[:20],
            all=", ".join(STATES),
        )
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 < limit <= 100_000:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Show from 1 to 100000 messages at a time.")
        )
    stmt = _query()
    if states:
        stmt = stmt.where(OutboxMessage.state.in_(list(states)))
    if first is not None:
        stmt = stmt.where(OutboxMessage.not_before >= _local_midnight(clinic, first))
    if last is not None:
        stmt = stmt.where(
            OutboxMessage.not_before < _local_midnight(clinic, last + timedelta(days=1))
        )
    if patient_id is not None:
        stmt = stmt.where(OutboxMessage.patient_id == patient_id)
    stmt = stmt.order_by(OutboxMessage.not_before.desc(), OutboxMessage.id.desc()).limit(limit)
    with clinic.store.unit_of_work(write=False) as uow:
        return [_view(r[0], r[1], r[2]) for r in uow.session.execute(stmt).all()]


def counts(clinic: Clinic, actor: Actor) -> dict[str, int]:
    """How many messages are in each state (every state present, 0 included)."""
    clinic.require(actor, Action.FOLLOWUP_WORK)
    out = dict.fromkeys(STATES, 0)
    with clinic.store.unit_of_work(write=False) as uow:
        for state, n in uow.session.execute(
            select(OutboxMessage.state, func.count())
            .where(OutboxMessage.deleted_at.is_(None))
            .group_by(OutboxMessage.state)
        ):
            out[state] = int(n)
    return out


# -- changing one message ---------------------------------------------------------------


def _load_message(session: Session, message_id: uuid.UUID) -> OutboxMessage:
    row = session.get(OutboxMessage, message_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "message"))
    return row


def cancel_message(
    clinic: Clinic, actor: Actor, message_id: uuid.UUID, *, reason: str
) -> Written[MessageView]:
    """Withdraw a queued message, with the reason."""
    clinic.require(actor, Action.FOLLOWUP_WORK)
    text = _reason(
        reason,
        QT_TRANSLATE_NOOP("Errors", "Say why the message is cancelled (for example: rebooked)."),
    )
    now = clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        row = _load_message(uow.session, message_id)
        if row.state != "queued":
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "This message is {state}, so it can no longer be cancelled. Refresh the list.",
                ),
                state=row.state,
            )
        row.state = "cancelled"
        row.last_error = text
        row.next_try_at = None
        row.updated_at = now
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="outbox.cancel",
                object_type="outbox_message",
                object_id=row.id.hex,
                patient_id=row.patient_id,
                reason=text,
            ),
        )
        uow.commit()
        view = _one(uow.session, message_id)
    return Written(view, _changes(message_id, view.patient_id))


def retry_message(
    clinic: Clinic, actor: Actor, message_id: uuid.UUID, *, confirm: bool = False
) -> Written[MessageView]:
    """Queue a failed message again. One left "sending" (the program stopped while it
    went out) or exported in a batch may already have reached the patient: only with
    ``confirm`` (someone checked it did not)."""
    clinic.require(actor, Action.FOLLOWUP_SUPERVISE)
    now = clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        row = _load_message(s, message_id)
        if row.state in ("sending", "exported") and not confirm:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "This message may already have reached the patient (it is {state}). "
                    "Check that it did not, then confirm to send it again.",
                ),
                state=row.state,
            )
        if row.state not in ("failed", "sending", "exported"):
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "Only a failed message can be tried again; this one is {state}.",
                ),
                state=row.state,
            )
        if row.patient_id is not None:
            patient = s.get(Patient, row.patient_id)
            if patient is not None and patient.deceased_on is not None:
                raise _skip_error("deceased")
            if patient is not None and patient.opt_out_messages:
                raise _skip_error("opted_out")
        before = row.state
        row.state = "queued"
        row.attempts = 0
        row.next_try_at = None
        row.batch = ""
        row.updated_at = now
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="outbox.retry",
                object_type="outbox_message",
                object_id=row.id.hex,
                patient_id=row.patient_id,
                detail=f"from={before} confirmed={confirm}",
            ),
        )
        uow.commit()
        view = _one(s, message_id)
    return Written(view, _changes(message_id, view.patient_id))


def mark_arrived(clinic: Clinic, actor: Actor, message_id: uuid.UUID) -> Written[MessageView]:
    """A message left "sending" (result unknown) that someone checked did arrive: sent.

    The check (the patient said so, the mail server's log) is the person's; the audit
    row names them.
    """
    clinic.require(actor, Action.FOLLOWUP_SUPERVISE)
    now = clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        row = _load_message(s, message_id)
        if row.state != "sending":
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "Only a message whose result is unknown can be marked as arrived; this "
                    "one is {state}.",
                ),
                state=row.state,
            )
        row.state = "sent"
        row.sent_at = now
        row.next_try_at = None
        row.updated_at = now
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="outbox.mark_arrived",
                object_type="outbox_message",
                object_id=row.id.hex,
                patient_id=row.patient_id,
                detail="from=sending",
            ),
        )
        uow.commit()
        view = _one(s, message_id)
    return Written(view, _changes(message_id, view.patient_id))


def cancel_for_patient_in(
    clinic: Clinic,
    uow: UnitOfWork,
    patient_id: uuid.UUID,
    *,
    reason: str,
    channels: Sequence[str] = (),
) -> int:
    """Cancel the patient's queued messages (death, opt-out) inside the caller's unit of
    work; ``channels`` limits it to those channels. Returns how many."""
    stmt = select(OutboxMessage).where(
        OutboxMessage.patient_id == patient_id,
        OutboxMessage.state == "queued",
        OutboxMessage.deleted_at.is_(None),
    )
    if channels:
        stmt = stmt.where(OutboxMessage.channel.in_(list(channels)))
    now = clinic.now()
    n = 0
    for row in uow.session.execute(stmt).scalars():
        row.state = "cancelled"
        row.last_error = str(reason)[:MAX_REASON]
        row.next_try_at = None
        row.updated_at = now
        n += 1
    return n


# -- sending ----------------------------------------------------------------------------


def _check_sender(clinic: Clinic) -> None:
    """Only one workstation sends and exports, or two copies could each send a message."""
    # Imported here: the sync engine brings the hub client, which only this check needs.
    from clinic_desk.core.sync import engine as sync_engine

    state = sync_engine.load_state(clinic)
    if state is None:
        return  # this copy is the clinic's only one
    chosen = str(clinic.setting("outbox.sending_workstation")).strip()
    if not chosen:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "Several workstations share this clinic. Choose the one that sends messages "
                "in Settings > Messages, so that no message goes out twice.",
            )
        )
    if chosen.casefold() not in {state.name.casefold(), clinic.workstation.casefold()}:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "Messages are sent from the workstation '{name}', not this one, so that none "
                "goes out twice. Send from there, or change it in Settings > Messages.",
            ),
            name=chosen[:64],
        )


def in_sending_hours(clinic: Clinic, moment: datetime) -> bool:
    local = moment.astimezone(clinic.timezone()).time()
    start = parse_time(str(clinic.setting("outbox.send_from")))
    end = parse_time(str(clinic.setting("outbox.send_until")))
    return start <= local < end


def _due(moment: datetime) -> Any:
    return and_(
        OutboxMessage.state == "queued",
        OutboxMessage.deleted_at.is_(None),
        OutboxMessage.not_before <= moment,
        or_(OutboxMessage.next_try_at.is_(None), OutboxMessage.next_try_at <= moment),
    )


def _gateways(clinic: Clinic, given: Gateway | None) -> tuple[dict[str, Gateway], list[str]]:
    """The gateway per channel: ``given`` first, then plug-ins, then SMTP for e-mail."""
    settings = clinic.settings()
    plugins, problems = load_plugins(settings)
    by_channel: dict[str, Gateway] = {"email": SmtpGateway(SmtpSettings.from_settings(settings))}
    for plugin in plugins:
        for channel in plugin.channels:
            by_channel[channel] = plugin
    if given is not None:
        for channel in given.channels:
            by_channel[channel] = given
    return by_channel, problems


def _claim(
    clinic: Clinic, message_id: uuid.UUID, moment: datetime, gateway: str
) -> OutgoingMessage | None:
    """Mark the message "sending" and commit, before anything leaves; None if it is no
    longer due (another run took it, someone cancelled it)."""
    with clinic.store.unit_of_work(write=True) as uow:
        row = uow.session.execute(
            select(OutboxMessage).where(OutboxMessage.id == message_id, _due(moment))
        ).scalar_one_or_none()
        if row is None:
            return None
        row.state = "sending"
        row.attempts += 1
        row.gateway = gateway[:32]
        row.updated_at = clinic.now()
        out = OutgoingMessage(
            id=row.id,
            channel=row.channel,
            address=row.address,
            subject=row.subject,
            body=row.body,
            patient_id=row.patient_id,
            purpose=row.purpose,
        )
        uow.commit()
    return out


def _finish(
    clinic: Clinic,
    actor: Actor,
    message_id: uuid.UUID,
    *,
    outcome: str,
    reason: str,
    moment: datetime,
) -> str:
    """Record what became of a claimed message; returns its new state."""
    with clinic.store.unit_of_work(write=True) as uow:
        row = _load_message(uow.session, message_id)
        now = clinic.now()
        row.updated_at = now
        if outcome == "sent":
            row.state, row.sent_at, row.last_error, row.next_try_at = "sent", now, "", None
        elif outcome == "unknown":
            row.last_error = reason[:500]  # stays "sending": a person checks
        elif outcome == "server" or (
            outcome == "temporary" and row.attempts < int(clinic.setting("outbox.max_attempts"))
        ):
            if outcome == "server":
                # The server's failure, not the message's: it does not use up a try, so
                # an afternoon's outage fails no message.
                row.attempts = max(0, row.attempts - 1)
            row.state = "queued"
            row.last_error = reason[:500]
            row.next_try_at = moment + timedelta(
                minutes=int(clinic.setting("outbox.retry_minutes"))
            )
        else:
            row.state, row.last_error, row.next_try_at = "failed", reason[:500], None
        action = {
            "sent": "outbox.sent",
            "queued": "outbox.retry_later",
            "failed": "outbox.failed",
            "sending": "outbox.unknown",
        }[row.state]
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action=action,
                outcome="ok" if row.state == "sent" else "failed",
                object_type="outbox_message",
                object_id=row.id.hex,
                patient_id=row.patient_id,
                detail=f"channel={row.channel} gateway={row.gateway} attempt={row.attempts}",
                reason=row.last_error[:200],
            ),
        )
        uow.commit()
        return row.state


def send_due(
    clinic: Clinic,
    actor: Actor,
    *,
    now: datetime | None = None,
    gateway: Gateway | None = None,
) -> SendReport:
    """Send every due message that has a gateway (e-mail by SMTP; SMS and WeChat only
    through a plug-in, else they wait for ``export_batch``).

    Each message is claimed ("sending", committed) before it goes; then it is sent,
    queued again with the reason and a next try (temporary failure), or failed
    (refused for good, or after ``outbox.max_attempts`` tries). When the server
    itself fails (unreachable, timeout, wrong password) the message keeps its tries
    and the rest wait for the next run. Outside ``outbox.send_from``..``send_until``
    nothing is sent (deferred).
    """
    _require_any(clinic, actor, Action.FOLLOWUP_SUPERVISE)
    moment = _aware(now, "time") if now is not None else clinic.now()
    _check_sender(clinic)
    by_channel, problems = _gateways(clinic, gateway)
    errors: list[str] = list(problems)
    with clinic.store.unit_of_work(write=False) as uow:
        due = uow.session.execute(
            select(OutboxMessage.id, OutboxMessage.channel)
            .where(_due(moment), OutboxMessage.channel.in_(list(by_channel)))
            .order_by(OutboxMessage.not_before, OutboxMessage.id)
        ).all()
    if not due:
        return SendReport(0, 0, 0, tuple(errors))
    if not in_sending_hours(clinic, moment):
        return SendReport(0, 0, len(due), tuple(errors))
    down: set[int] = set()  # the gateways (by id) whose server failed in this run
    needed = {id(by_channel[c]): by_channel[c] for _m, c in due}
    for gw in needed.values():
        check: Callable[[], Any] | None = getattr(gw, "problem", None)
        trouble = check() if check is not None else None
        if trouble is not None:
            down.add(id(gw))
            errors.append(str(getattr(trouble, "reason", trouble)))
    sent = failed = deferred = 0
    try:
        for message_id, channel in due:
            gw = by_channel[channel]
            if id(gw) in down:
                deferred += 1
                continue
            claimed = _claim(clinic, message_id, moment, gw.name)
            if claimed is None:
                continue
            try:
                gw.send(claimed)
            except TemporaryFailure as failure:
                state = _finish(
                    clinic,
                    actor,
                    message_id,
                    outcome="server" if failure.whole_server else "temporary",
                    reason=_stored_reason(failure.template, failure.params),
                    moment=moment,
                )
                if state == "failed":
                    failed += 1
                else:
                    deferred += 1
                if failure.whole_server:
                    down.add(id(gw))
                    errors.append(failure.reason)
            except PermanentFailure as failure:
                _finish(
                    clinic,
                    actor,
                    message_id,
                    outcome="permanent",
                    reason=_stored_reason(failure.template, failure.params),
                    moment=moment,
                )
                failed += 1
            except Exception as error:  # a plug-in's bug: whether it went is unknown
                log.exception("gateway %s failed unexpectedly", gw.name)
                template = QT_TRANSLATE_NOOP(
                    "Outbox",
                    "Sending stopped unexpectedly ({detail}); it is not known whether the "
                    "message went. Check, then retry it with confirmation.",
                )
                detail = (str(error) or type(error).__name__)[:200]
                stored = _stored_reason(template, {"detail": detail})
                _finish(clinic, actor, message_id, outcome="unknown", reason=stored, moment=moment)
                errors.append(template.format(detail=detail))
            else:
                _finish(clinic, actor, message_id, outcome="sent", reason="", moment=moment)
                sent += 1
    finally:
        for gw in {id(g): g for g in by_channel.values()}.values():
            close: Callable[[], Any] | None = getattr(gw, "close", None)
            if close is not None:
                close()
    return SendReport(sent, failed, deferred, tuple(dict.fromkeys(errors)))


# -- the SMS / WeChat batch file --------------------------------------------------------


def export_batch(clinic: Clinic, actor: Actor, channel: str, path: Path) -> ExportResult:
    """Write the due SMS (or WeChat) messages to a CSV batch file for the bulk
    platform and mark them exported with the batch's id, so they are never in
    another batch. ``path`` is the file, or a folder to put it in.

    A full disk or a refused folder: a sentence, no file, nothing marked.
    """
    clinic.require(actor, Action.FOLLOWUP_SUPERVISE)
    if channel not in BATCH_CHANNELS:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "Only SMS and WeChat messages go out in a batch file; e-mail is sent."
            )
        )
    _check_sender(clinic)
    plugins, _problems = load_plugins(clinic.settings())
    taken = [p.name for p in plugins if channel in p.channels]
    if taken:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "These messages are sent through the gateway '{name}', so there is no batch "
                "file to make.",
            ),
            name=taken[0][:60],
        )
    moment = clinic.now()
    local = moment.astimezone(clinic.timezone())
    batch = f"{channel}-{local:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
    target = Path(path).expanduser()
    if target.is_dir():
        target = target / f"{batch}.csv"
    elif target.suffix.lower() != ".csv":
        target = target.with_name(target.name + ".csv")
    batch_export.check_folder(target.parent)
    file = batch_export.BatchFile(target)
    with clinic.store.unit_of_work(write=True) as uow:
        rows = list(
            uow.session.execute(
                select(OutboxMessage)
                .where(_due(moment), OutboxMessage.channel == channel)
                .order_by(OutboxMessage.not_before, OutboxMessage.id)
            ).scalars()
        )
        if not rows:
            return ExportResult(target, 0, "")
        data = batch_export.csv_bytes(
            channel,
            (
                (batch_export.sms_number(r.address) if channel == "sms" else r.address, r.body)
                for r in rows
            ),
        )
        file.write(data)  # a sentence on a full disk: the block leaves, nothing marked
        try:
            for row in rows:
                row.state = "exported"
                row.batch = batch
                row.gateway = "file"
                row.attempts += 1
                row.sent_at = moment
                row.updated_at = moment
            clinic.audit(
                uow,
                actor,
                audit.AuditEvent(
                    action="outbox.export",
                    object_type="outbox_batch",
                    object_id=batch,
                    detail=json.dumps(
                        {"count": len(rows), "file": str(target)}, ensure_ascii=False
                    )[:1000],
                ),
            )
            # Marked before the file takes its name: a crash in between leaves a
            # complete ".part" file and no message that could go out twice.
            uow.commit()
        except BaseException:
            file.discard()
            raise
    try:
        file.publish()
    except ValidationError:
        _unmark(clinic, actor, batch)
        raise
    return ExportResult(target, len(rows), batch)


def _unmark(clinic: Clinic, actor: Actor, batch: str) -> None:
    with clinic.store.unit_of_work(write=True) as uow:
        for row in uow.session.execute(
            select(OutboxMessage).where(OutboxMessage.batch == batch)
        ).scalars():
            row.state, row.batch, row.gateway, row.sent_at = "queued", "", "", None
            row.attempts = max(0, row.attempts - 1)
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="outbox.export_undone",
                outcome="failed",
                object_type="outbox_batch",
                object_id=batch,
            ),
        )
        uow.commit()


# -- campaigns (E7) ---------------------------------------------------------------------


def _criteria(clinic: Clinic, criteria: CampaignCriteria) -> CampaignCriteria:
    from clinic_desk.core.services.clinical import VISIT_CATEGORIES  # see _automatic_values

    text = " ".join(unicodedata.normalize("NFC", criteria.condition_contains).split())
    if len(text) > MAX_CRITERION:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "The condition to look for is too long: use at most {n} characters."
            ),
            n=MAX_CRITERION,
        )
    for age in (criteria.min_age, criteria.max_age):
        if age is not None and (
            isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 150
        ):
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "Ages are whole numbers from 0 to 150.")
            )
    if (
        criteria.min_age is not None
        and criteria.max_age is not None
        and criteria.min_age > criteria.max_age
    ):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The youngest age ({low}) is above the oldest ({high}). Swap them.",
            ),
            low=criteria.min_age,
            high=criteria.max_age,
        )
    if criteria.sex not in ("", "F", "M", "U"):
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Choose the patients' sex, or any."))
    if criteria.visited_since is not None and (
        isinstance(criteria.visited_since, datetime)
        or not isinstance(criteria.visited_since, date)
        or criteria.visited_since > clinic.today()
    ):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "'Visited since' should be a day up to today.")
        )
    if criteria.category and criteria.category not in VISIT_CATEGORIES:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Choose a visit category from the list, or any.")
        )
    return CampaignCriteria(
        condition_contains=text,
        min_age=criteria.min_age,
        max_age=criteria.max_age,
        sex=criteria.sex,
        visited_since=criteria.visited_since,
        category=criteria.category,
    )


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _chosen(clinic: Clinic, session: Session, criteria: CampaignCriteria) -> list[Patient]:
    stmt = select(Patient).where(Patient.deleted_at.is_(None), Patient.merged_into.is_(None))
    today = clinic.today()
    if criteria.sex:
        stmt = stmt.where(Patient.sex == criteria.sex)
    if criteria.min_age is not None:
        stmt = stmt.where(Patient.birth_date <= _years_before(today, criteria.min_age))
    if criteria.max_age is not None:
        stmt = stmt.where(Patient.birth_date > _years_before(today, criteria.max_age + 1))
    if criteria.condition_contains:
        stmt = stmt.where(
            select(Condition.id)
            .where(
                Condition.patient_id == Patient.id,
                Condition.deleted_at.is_(None),
                Condition.ended_at.is_(None),
                Condition.name.contains(criteria.condition_contains, autoescape=True),
            )
            .exists()
        )
    if criteria.visited_since is not None or criteria.category:
        visit = select(Visit.id).where(Visit.patient_id == Patient.id, Visit.deleted_at.is_(None))
        if criteria.visited_since is not None:
            visit = visit.where(Visit.visit_at >= _local_midnight(clinic, criteria.visited_since))
        if criteria.category:
            visit = visit.where(Visit.category == criteria.category)
        stmt = stmt.where(visit.exists())
    return list(session.execute(stmt.order_by(Patient.id)).scalars())


def campaign_preview(
    clinic: Clinic, actor: Actor, criteria: CampaignCriteria
) -> tuple[int, dict[str, int]]:
    """How many patients the criteria reach, and how many are skipped per reason."""
    clinic.require(actor, Action.FOLLOWUP_SUPERVISE)
    criteria = _criteria(clinic, criteria)
    reached = 0
    skipped: dict[str, int] = {}
    with clinic.store.unit_of_work(write=False) as uow:
        for patient in _chosen(clinic, uow.session, criteria):
            reason = _reachable(patient, _region(clinic))
            if reason is None:
                reached += 1
            else:
                skipped[reason] = skipped.get(reason, 0) + 1
    return reached, skipped


def _reachable(patient: Patient, region: str) -> str | None:
    if patient.deceased_on is not None:
        return "deceased"
    if patient.opt_out_messages:
        return "opted_out"
    picked = _pick_channel(patient, region)
    return picked if isinstance(picked, str) else None


def _campaign_view(row: Campaign, creator: str | None, states: Mapping[str, int]) -> CampaignView:
    raw = json.loads(row.criteria or "{}")
    since = raw.get("visited_since")
    criteria = CampaignCriteria(
        condition_contains=str(raw.get("condition_contains", "")),
        min_age=raw.get("min_age"),
        max_age=raw.get("max_age"),
        sex=str(raw.get("sex", "")),
        visited_since=date.fromisoformat(since) if since else None,
        category=str(raw.get("category", "")),
    )
    return CampaignView(
        id=row.id,
        name=row.name,
        subject=row.subject,
        body=row.body,
        criteria=criteria,
        queued=row.queued,
        skipped={str(k): int(v) for k, v in json.loads(row.skipped or "{}").items()},
        created_at=row.created_at,
        created_by_name=creator or "",
        states=dict(states),
    )


def start_campaign(
    clinic: Clinic,
    actor: Actor,
    *,
    name: str,
    subject: str,
    body: str,
    criteria: CampaignCriteria,
    not_before: datetime | None = None,
) -> Written[CampaignView]:
    """Queue a health reminder (E7) for every patient the criteria choose, in one unit
    of work; those who cannot get it are counted per reason."""
    clinic.require(actor, Action.FOLLOWUP_SUPERVISE)
    label = " ".join(unicodedata.normalize("NFC", str(name)).split())
    if not label:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Give the campaign a name (for example: 冬季保暖提醒).")
        )
    if len(label) > MAX_CAMPAIGN_NAME:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "The campaign's name is too long: use at most {n} characters."
            ),
            n=MAX_CAMPAIGN_NAME,
        )
    subject, body = templates.check_template(
        subject, body, what=QT_TRANSLATE_NOOP("Outbox", "campaign message")
    )
    extra = [
        p
        for p in templates.placeholders_in(subject) + templates.placeholders_in(body)
        if p not in templates.AUTOMATIC
    ]
    if extra:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "A campaign message cannot use {{{name}}}: it has no appointment. Use "
                "{{honorific}}, {{clinic}} and {{clinic_phone}} only.",
            ),
            name=extra[0],
        )
    criteria = _criteria(clinic, criteria)
    chosen_by = criteria.condition_contains.casefold()
    if chosen_by and chosen_by in (subject + "\n" + body).casefold():
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The message names the condition the patients were chosen by ({word}). "
                "Messages never mention a diagnosis: write general advice instead.",
            ),
            word=criteria.condition_contains,
        )
    when = _aware(not_before, "time to send") if not_before is not None else clinic.now()
    now = clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        campaign = Campaign(
            id=new_id(),
            name=label,
            subject=subject,
            body=body,
            criteria=json.dumps(asdict(criteria), default=str, ensure_ascii=False),
            created_by=actor.staff_id,
            created_at=now,
            updated_at=now,
        )
        s.add(campaign)
        s.flush()
        people = _chosen(clinic, s, criteria)
        words = _sensitive(s, [p.id for p in people])
        queued = 0
        skipped: dict[str, int] = {}
        for patient in people:
            result: uuid.UUID | str
            try:
                result = _queue(
                    clinic,
                    uow,
                    patient_id=patient.id,
                    purpose="campaign",
                    template_code="campaign",
                    values={},
                    not_before=when,
                    source_id=None,
                    campaign_id=campaign.id,
                    message_id=uuid.uuid5(
                        SYNCED_ROW_NAMESPACE, f"campaign:{campaign.id}:{patient.id}"
                    ),
                    created_by=actor.staff_id,
                    text=(subject, body),
                    fragments=words[patient.id],
                    fresh_id=True,
                )
            except _Unsendable as problem:
                result = problem.reason
            if isinstance(result, str):
                skipped[result] = skipped.get(result, 0) + 1
            else:
                queued += 1
        campaign.queued = queued
        campaign.skipped = json.dumps(skipped, sort_keys=True)
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="outbox.campaign",
                object_type="campaign",
                object_id=campaign.id.hex,
                detail=json.dumps(
                    {"queued": queued, "skipped": skipped, "criteria": asdict(criteria)},
                    default=str,
                    ensure_ascii=False,
                )[:1000],
            ),
        )
        uow.commit()
        view = _campaign_view(campaign, actor.display_name, {"queued": queued} if queued else {})
    return Written(view, _changes(campaign.id))


def list_campaigns(clinic: Clinic, actor: Actor) -> list[CampaignView]:
    """Every campaign, newest first, with its messages' states now."""
    clinic.require(actor, Action.FOLLOWUP_WORK)
    with clinic.store.unit_of_work(write=False) as uow:
        s = uow.session
        states: dict[uuid.UUID, dict[str, int]] = {}
        for cid, state, n in s.execute(
            select(OutboxMessage.campaign_id, OutboxMessage.state, func.count())
            .where(OutboxMessage.campaign_id.is_not(None), OutboxMessage.deleted_at.is_(None))
            .group_by(OutboxMessage.campaign_id, OutboxMessage.state)
        ):
            if cid is not None:
                states.setdefault(cid, {})[state] = int(n)
        rows = s.execute(
            select(Campaign, Staff.display_name)
            .outerjoin(Staff, Staff.id == Campaign.created_by)
            .where(Campaign.deleted_at.is_(None))
            .order_by(Campaign.created_at.desc(), Campaign.id.desc())
        ).all()
        return [_campaign_view(r[0], r[1], states.get(r[0].id, {})) for r in rows]

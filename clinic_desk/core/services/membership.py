"""Membership tiers (spec H1-H3, A10): tiers, memberships, payments, benefit uses.

A tier (basic, advanced, premium "private health butler") is bought by a payer for one
person or a family. Its benefits are flags (priority booking, the care team) or quotas
counted per period (four home visits a year). Everything is kept as facts: payments as
paid, uses as ledger rows (+1, or -1 when a use is undone), so two desks offline can
never lose a use; a period that ends with more uses than its quota is an overdraft
the director sees after sync. "Expired" is never stored: it is read from ``ends_on``
and the clinic's date.

Payments are recorded, not accounted: no balance is ever kept.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, event, exists, func, or_, select
from sqlalchemy.orm import Session, SessionTransaction, aliased

from clinic_desk.core.errors import DateOutOfRange, NotFound, PermissionDenied, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP, Translate, english
from clinic_desk.core.rules import membership as rules
from clinic_desk.core.rules.membership import Period
from clinic_desk.core.rules.phones import format_phone
from clinic_desk.core.rules.search_keys import normalize_query
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action, allowed
from clinic_desk.core.services import staff
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.services.registry_rules import display_name
from clinic_desk.core.store.base import SYNCED_ROW_NAMESPACE, new_id
from clinic_desk.core.store.models import (
    BenefitUse,
    CareTeamMember,
    FollowupTask,
    Membership,
    MembershipEvent,
    MembershipMember,
    MembershipPayment,
    MemberTier,
    Patient,
    PatientSearchKey,
    Staff,
)
from clinic_desk.core.store.store import UnitOfWork

CONTEXT = "Membership"

BENEFITS: dict[str, str] = {
    "priority_booking": QT_TRANSLATE_NOOP("Membership", "Priority booking and held slots"),
    "health_record": QT_TRANSLATE_NOOP("Membership", "Health record management"),
    "annual_plan": QT_TRANSLATE_NOOP("Membership", "Annual health plan"),
    "home_visits": QT_TRANSLATE_NOOP("Membership", "Family-doctor home visits"),
    "referral_help": QT_TRANSLATE_NOOP("Membership", "Referral help to top hospitals"),
    "care_team": QT_TRANSLATE_NOOP("Membership", "Private health butler: a named care team"),
}
BENEFIT_KINDS: dict[str, str] = {
    "flag": QT_TRANSLATE_NOOP("Membership", "included"),
    "quota": QT_TRANSLATE_NOOP("Membership", "so many per period"),
}
STATUSES: dict[str, str] = {
    "active": QT_TRANSLATE_NOOP("Membership", "active"),
    "suspended": QT_TRANSLATE_NOOP("Membership", "suspended"),
    "cancelled": QT_TRANSLATE_NOOP("Membership", "cancelled"),
    "expired": QT_TRANSLATE_NOOP("Membership", "expired"),
    "upcoming": QT_TRANSLATE_NOOP("Membership", "not begun yet"),
}
# What ``search(status=...)`` accepts: the statuses, plus live (active, suspended or
# upcoming) and all.
SEARCH_STATUSES = ("live", "all", "active", "suspended", "expired", "cancelled", "upcoming")
METHODS: dict[str, str] = {
    "cash": QT_TRANSLATE_NOOP("Membership", "cash"),
    "card": QT_TRANSLATE_NOOP("Membership", "bank card"),
    "wechat": QT_TRANSLATE_NOOP("Membership", "WeChat Pay"),
    "alipay": QT_TRANSLATE_NOOP("Membership", "Alipay"),
    "transfer": QT_TRANSLATE_NOOP("Membership", "bank transfer"),
    "other": QT_TRANSLATE_NOOP("Membership", "other"),
}
PAYMENT_KINDS: dict[str, str] = {
    "payment": QT_TRANSLATE_NOOP("Membership", "payment"),
    "refund": QT_TRANSLATE_NOOP("Membership", "refund"),
}
RELATIONS: dict[str, str] = {
    "self": QT_TRANSLATE_NOOP("Membership", "self"),
    "spouse": QT_TRANSLATE_NOOP("Membership", "spouse"),
    "child": QT_TRANSLATE_NOOP("Membership", "child"),
    "parent": QT_TRANSLATE_NOOP("Membership", "parent"),
    "other": QT_TRANSLATE_NOOP("Membership", "other"),
}
CARE_ROLES: dict[str, str] = {
    "doctor": QT_TRANSLATE_NOOP("Membership", "doctor"),
    "nutritionist": QT_TRANSLATE_NOOP("Membership", "nutritionist"),
    "trainer": QT_TRANSLATE_NOOP("Membership", "trainer"),
    "other": QT_TRANSLATE_NOOP("Membership", "other"),
}
EVENT_KINDS: dict[str, str] = {
    "enrol": QT_TRANSLATE_NOOP("Membership", "enrolled"),
    "renew": QT_TRANSLATE_NOOP("Membership", "renewed"),
    "upgrade": QT_TRANSLATE_NOOP("Membership", "upgraded"),
    "downgrade": QT_TRANSLATE_NOOP("Membership", "downgraded"),
    "change": QT_TRANSLATE_NOOP("Membership", "tier changed"),
    "suspend": QT_TRANSLATE_NOOP("Membership", "suspended"),
    "resume": QT_TRANSLATE_NOOP("Membership", "resumed"),
    "cancel": QT_TRANSLATE_NOOP("Membership", "cancelled"),
    "member_added": QT_TRANSLATE_NOOP("Membership", "member added"),
    "member_removed": QT_TRANSLATE_NOOP("Membership", "member removed"),
    "payment": QT_TRANSLATE_NOOP("Membership", "payment recorded"),
    "refund": QT_TRANSLATE_NOOP("Membership", "refund recorded"),
    "care_team": QT_TRANSLATE_NOOP("Membership", "care team changed"),
    "use": QT_TRANSLATE_NOOP("Membership", "benefit used"),
    "use_undone": QT_TRANSLATE_NOOP("Membership", "benefit use undone"),
    "override": QT_TRANSLATE_NOOP("Membership", "allowance overridden"),
    "overdraft_seen": QT_TRANSLATE_NOOP("Membership", "overdraft reviewed"),
    "note": QT_TRANSLATE_NOOP("Membership", "note"),
}
LANGUAGES = ("zh_CN", "zh_TW", "en")

MAX_PRICE_CENTS = 1_000_000_000  # 10,000,000.00
MAX_PAYMENT_CENTS = 1_000_000_000
MAX_QUOTA = 366
MAX_PERIODS = 10
MAX_MEMBERS = 20
MAX_CUSTOM_BENEFITS = 20
MAX_NAME = 100
MAX_CODE = 32
MAX_DESCRIPTION = 2000
MAX_RECEIPT = 40
MAX_NOTE = 500
MIN_REASON = 4
MAX_REASON = 500


# -- card numbers -------------------------------------------------------------------


def _luhn_digit(digits: str) -> str:
    """The Luhn check digit for ``digits``."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def card_number(membership_id: uuid.UUID) -> str:
    """The member's card number: 12 digits from the membership's id and a Luhn check
    digit, shown as "1234 5678 9012 3". Stable, and unique across offline desks as
    far as the id's random part goes."""
    body = f"{membership_id.int % 10**12:012d}"
    full = body + _luhn_digit(body)
    return f"{full[0:4]} {full[4:8]} {full[8:12]} {full[12:]}"


def normalise_card_no(text: str) -> str | None:
    """The 13 digits of a card number typed or scanned (spaces, dashes, a QR payload
    prefix ignored), or None when it is not one (wrong length or check digit)."""
    if not isinstance(text, str):
        return None
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())
    if len(digits) != 13 or not digits.isascii():
        return None
    if _luhn_digit(digits[:12]) != digits[12]:
        return None
    return digits


def _shown_card(digits: str) -> str:
    return f"{digits[0:4]} {digits[4:8]} {digits[8:12]} {digits[12:]}"


# -- data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BenefitDef:
    """One benefit of a tier: a flag, or a quota per its own period (``unit`` month or
    year, ``count`` of them) counted from the membership's anchor day."""

    key: str
    kind: str  # "flag" | "quota"
    quota: int = 0
    unit: str = "year"
    count: int = 1
    label: str = ""  # a custom benefit's own words; known keys use BENEFITS

    @property
    def period(self) -> Period:
        return Period(self.unit, self.count)

    def title(self) -> str:
        """The label (untranslated English for known keys; translate in "Membership")."""
        return self.label or BENEFITS.get(self.key, self.key)


@dataclass(frozen=True)
class TierInput:
    code: str
    name_zh_cn: str
    name_zh_tw: str
    name_en: str
    description: str
    price_cents: int
    period_unit: str
    period_count: int
    max_members: int
    benefits: tuple[BenefitDef, ...]
    color: str = ""


@dataclass(frozen=True)
class TierView:
    id: uuid.UUID
    code: str
    name_zh_cn: str
    name_zh_tw: str
    name_en: str
    description: str
    price_cents: int
    period: Period
    max_members: int
    benefits: tuple[BenefitDef, ...]
    color: str
    position: int
    retired: bool
    in_use: int  # memberships that ever used this tier

    def name(self, language: str = "zh_CN") -> str:
        return _tier_name(self.code, self.name_zh_cn, self.name_zh_tw, self.name_en, language)

    def benefit(self, key: str) -> BenefitDef | None:
        for b in self.benefits:
            if b.key == key:
                return b
        return None


@dataclass(frozen=True)
class PaymentInput:
    amount_cents: int
    paid_on: date
    method: str
    receipt_no: str = ""
    note: str = ""
    kind: str = "payment"  # payment | refund


@dataclass(frozen=True)
class MemberInput:
    patient_id: uuid.UUID
    relation: str = "self"


@dataclass(frozen=True)
class EnrolInput:
    """``members`` are the people besides the payer; the payer is always a member."""

    tier_id: uuid.UUID
    payer_id: uuid.UUID
    members: tuple[MemberInput, ...] = ()
    starts_on: date | None = None  # None: today
    periods: int = 1
    payment: PaymentInput | None = None
    note: str = ""


@dataclass(frozen=True)
class MemberView:
    patient_id: uuid.UUID
    name: str
    record_no: str
    relation: str
    joined_on: date
    left_on: date | None
    payer: bool


@dataclass(frozen=True)
class QuotaView:
    benefit_key: str
    label: str
    quota: int
    used: int
    left: int  # may be negative after an overdraft
    first: date
    last: date
    overdrawn: bool


@dataclass(frozen=True)
class CareTeamInput:
    role: str
    staff_id: uuid.UUID | None
    name: str = ""  # someone without an account (an outside trainer)
    phone: str = ""


@dataclass(frozen=True)
class CareTeamView:
    id: uuid.UUID
    role: str
    staff_id: uuid.UUID | None
    name: str  # the staff member's display name when staff_id is set
    phone: str


@dataclass(frozen=True)
class MembershipView:
    id: uuid.UUID
    card_no: str
    tier: TierView
    payer_id: uuid.UUID
    payer_name: str
    members: tuple[MemberView, ...]  # the current ones
    starts_on: date
    ends_on: date
    anchor_on: date
    status: str  # effective: active, suspended, cancelled, expired, upcoming
    days_left: int
    renewal_due: bool
    quotas: tuple[QuotaView, ...]  # today's period of each quota benefit
    care_team: tuple[CareTeamView, ...]
    note: str
    suspended_on: date | None


@dataclass(frozen=True)
class RenewResult:
    view: MembershipView
    from_day: date  # the first day of the new term
    lapsed: bool  # the membership had expired: the new term starts today, the gap uncovered


@dataclass(frozen=True)
class EventView:
    id: uuid.UUID
    kind: str
    at: datetime
    by_name: str
    note: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class PaymentView:
    id: uuid.UUID
    kind: str
    amount_cents: int
    paid_on: date
    method: str
    receipt_no: str
    note: str
    by_name: str


@dataclass(frozen=True)
class UseView:
    id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str
    benefit_key: str
    day: date
    count: int
    appointment_id: uuid.UUID | None
    override_reason: str
    note: str
    by_name: str


@dataclass(frozen=True)
class ListItem:
    membership_id: uuid.UUID
    card_no: str
    tier_id: uuid.UUID
    tier_name: str
    color: str
    payer_id: uuid.UUID
    payer_name: str
    phone: str  # shown form
    members: int
    starts_on: date
    ends_on: date
    status: str
    days_left: int


@dataclass(frozen=True)
class Badge:
    """What the reception board and doctor's queue show; active or suspended only."""

    patient_id: uuid.UUID
    membership_id: uuid.UUID
    tier_code: str
    tier_name: str
    color: str
    status: str
    priority: bool
    ends_on: date


@dataclass(frozen=True)
class OverdraftView:
    membership_id: uuid.UUID
    card_no: str
    payer_name: str
    benefit_key: str
    label: str
    first: date
    last: date
    quota: int
    used: int


@dataclass(frozen=True)
class ChangePreview:
    old_tier: TierView
    new_tier: TierView
    change: rules.Change
    rule: str


@dataclass(frozen=True)
class TierCount:
    tier_id: uuid.UUID
    tier_name: str
    memberships: int
    people: int
    suspended: int


@dataclass(frozen=True)
class UseRow:
    tier_name: str
    benefit_key: str
    label: str
    uses: int
    members: int


class QuotaExhausted(ValidationError):
    """A quota benefit is used up for its period; the director may allow one more."""

    template = QT_TRANSLATE_NOOP(
        "Errors",
        "The allowance for {benefit} is used up: {used} of {quota} from {first} to {last}. "
        "The director can allow one more with a reason.",
    )

    def __init__(
        self, *, benefit_key: str, benefit: str, used: int, quota: int, first: date, last: date
    ) -> None:
        self.benefit_key = benefit_key
        self.used = used
        self.quota = quota
        self.first = first
        self.last = last
        super().__init__(
            None,
            benefit=benefit,
            used=used,
            quota=quota,
            first=first.isoformat(),
            last=last.isoformat(),
        )

    def message(self, translate: Translate = english) -> str:
        """The sentence with the benefit's label in the reader's language too (a known
        benefit's label is translated in "Membership"; a custom one reads as given)."""
        params = dict(self.params)
        label = str(params.get("benefit", ""))
        if BENEFITS.get(self.benefit_key) == label:
            params["benefit"] = translate("Membership", label)
        return translate("Errors", self.template).format(**params)


# -- input ------------------------------------------------------------------------------


def _clean(value: str, *, multi_line: bool) -> str:
    """NFC, control characters dropped (a NUL reads back as a damaged page)."""
    text = unicodedata.normalize("NFC", value)
    if multi_line:
        return "".join(c for c in text if c >= " " or c in "\t\n").strip()
    return "".join(" " if c in "\t\r\n" else c for c in text if c >= " " or c in "\t\r\n").strip()


def _text(value: object, label: str, limit: int, *, required: bool, multi_line: bool) -> str:
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


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _a_day(value: object, label: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} should be a date."), label=label
        )
    return DateOutOfRange.check(value)


def _reason(value: object, label: str = "reason") -> str:
    text = _text(value, label, MAX_REASON, required=True, multi_line=True)
    if len(text) < MIN_REASON:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The {label} is too short: say in a few words why ({n} characters or more).",
            ),
            label=label,
            n=MIN_REASON,
        )
    return text


def _money(cents: object, label: str, *, top: int, positive: bool) -> int:
    if not _whole(cents):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} should be an amount in cents (whole number)."),
            label=label,
        )
    assert isinstance(cents, int)
    if cents < 0:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The {label} cannot be negative. Enter 0 or more (a refund is its own entry).",
            ),
            label=label,
        )
    if positive and cents == 0:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} should be more than 0."), label=label
        )
    if cents > top:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "The {label} is too large: at most {top}. Check the amount."
            ),
            label=label,
            top=f"{top // 100:,}.{top % 100:02d}",
        )
    return cents


def _language(clinic: Clinic, language: str | None) -> str:
    chosen = language if language is not None else str(clinic.setting("clinic.language"))
    return chosen if chosen in LANGUAGES else "zh_CN"


def _check_benefits(benefits: object) -> tuple[BenefitDef, ...]:
    if not isinstance(benefits, tuple | list):
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Choose the tier's benefits."))
    if len(benefits) > len(BENEFITS) + MAX_CUSTOM_BENEFITS:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "A tier has at most {n} benefits."),
            n=len(BENEFITS) + MAX_CUSTOM_BENEFITS,
        )
    out: list[BenefitDef] = []
    seen: set[str] = set()
    for b in benefits:
        if not isinstance(b, BenefitDef):
            raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Choose the tier's benefits."))
        key = b.key.strip() if isinstance(b.key, str) else ""
        custom = key.startswith("custom_") and key[7:].isdigit() and key[7:].isascii()
        if key not in BENEFITS and not custom:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "'{key}' is not a benefit ClinicDesk knows. Choose one from the list, or add "
                    "your own benefit with its name.",
                ),
                key=key[:40],
            )
        if key in seen:
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "The benefit '{key}' is listed twice. Keep it once."),
                key=key,
            )
        seen.add(key)
        label = _text(b.label, "benefit name", MAX_NAME, required=custom, multi_line=False)
        if b.kind not in BENEFIT_KINDS:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors", "Say whether the benefit '{key}' is included or counted per period."
                ),
                key=key,
            )
        if b.kind == "quota":
            if not _whole(b.quota) or not 0 <= b.quota <= MAX_QUOTA:
                raise ValidationError(
                    QT_TRANSLATE_NOOP(
                        "Errors",
                        "The allowance of '{key}' should be a whole number from 0 to {top} per "
                        "period.",
                    ),
                    key=label or key,
                    top=MAX_QUOTA,
                )
            if b.unit not in rules.UNITS or not _whole(b.count) or not 1 <= b.count <= 10:
                raise ValidationError(
                    QT_TRANSLATE_NOOP(
                        "Errors",
                        "The allowance of '{key}' is counted per 1 to 10 months or years. Choose "
                        "its period again.",
                    ),
                    key=label or key,
                )
            out.append(BenefitDef(key, "quota", b.quota, b.unit, b.count, label))
        else:
            out.append(BenefitDef(key, "flag", 0, "year", 1, label))
    return tuple(out)


def _benefits_json(benefits: Iterable[BenefitDef]) -> str:
    return json.dumps(
        [
            {
                "key": b.key,
                "kind": b.kind,
                "quota": b.quota,
                "unit": b.unit,
                "count": b.count,
                "label": b.label,
            }
            for b in benefits
        ],
        ensure_ascii=False,
    )


@functools.lru_cache(maxsize=256)
def _parse_benefits(text: str) -> tuple[BenefitDef, ...]:
    """The stored benefits; a damaged entry is skipped rather than stopping the screen."""
    try:
        raw = json.loads(text or "[]")
    except ValueError:
        return ()
    out: list[BenefitDef] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            continue
        kind = "quota" if item.get("kind") == "quota" else "flag"
        unit = item.get("unit") if item.get("unit") in rules.UNITS else "year"
        count = item.get("count")
        quota = item.get("quota")
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 120:
            count = 1
        if not isinstance(quota, int) or isinstance(quota, bool) or quota < 0:
            quota = 0
        out.append(
            BenefitDef(
                key=item["key"],
                kind=kind,
                quota=quota,
                unit=str(unit),
                count=count,
                label=str(item.get("label") or ""),
            )
        )
    return tuple(out)


def _check_payment(payment: object, today: date) -> PaymentInput:
    if not isinstance(payment, PaymentInput):
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Enter the payment's details."))
    if payment.kind not in PAYMENT_KINDS:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Say whether this is a payment or a refund.")
        )
    amount = _money(payment.amount_cents, "amount", top=MAX_PAYMENT_CENTS, positive=True)
    paid_on = _a_day(payment.paid_on, "payment date")
    if paid_on > today:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The payment date {day} is in the future. Record a payment on the day it is made.",
            ),
            day=paid_on.isoformat(),
        )
    if payment.method not in METHODS:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "Choose how it was paid: cash, bank card, WeChat Pay, Alipay, bank transfer or "
                "other.",
            )
        )
    receipt = _text(
        payment.receipt_no, "receipt number", MAX_RECEIPT, required=False, multi_line=False
    )
    note = _text(payment.note, "note", MAX_NOTE, required=False, multi_line=True)
    return PaymentInput(amount, paid_on, payment.method, receipt, note, payment.kind)


# -- reading rows -------------------------------------------------------------------------


def _patient_name(patient: Patient) -> str:
    return display_name(patient.family_name, patient.given_name)


def _live_patient(session: Session, patient_id: uuid.UUID) -> Patient:
    patient = session.get(Patient, patient_id) if isinstance(patient_id, uuid.UUID) else None
    if patient is None or patient.deleted_at is not None or patient.merged_into is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "patient"))
    return patient


def _tier_row(session: Session, tier_id: uuid.UUID) -> MemberTier:
    row = session.get(MemberTier, tier_id) if isinstance(tier_id, uuid.UUID) else None
    if row is None or row.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "membership tier"))
    return row


def _membership_row(session: Session, membership_id: uuid.UUID) -> Membership:
    row = session.get(Membership, membership_id) if isinstance(membership_id, uuid.UUID) else None
    if row is None or row.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "membership"))
    return row


def _in_use(session: Session, tier_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Memberships (ever, deleted ones included) per tier."""
    if not tier_ids:
        return {}
    return {
        tier_id: int(n)
        for tier_id, n in session.execute(
            select(Membership.tier_id, func.count(Membership.id))
            .where(Membership.tier_id.in_(list(tier_ids)))
            .group_by(Membership.tier_id)
        ).all()
    }


def _tier_view(row: MemberTier, in_use: int) -> TierView:
    try:
        period = Period(row.period_unit, row.period_count)
    except ValidationError:
        period = Period("year", 1)
    return TierView(
        id=row.id,
        code=row.code,
        name_zh_cn=row.name_zh_cn,
        name_zh_tw=row.name_zh_tw,
        name_en=row.name_en,
        description=row.description,
        price_cents=row.price_cents,
        period=period,
        max_members=row.max_members,
        benefits=_parse_benefits(row.benefits),
        color=row.color,
        position=row.position,
        retired=row.retired_at is not None,
        in_use=in_use,
    )


def _tier_views(session: Session, rows: Sequence[MemberTier]) -> list[TierView]:
    counts = _in_use(session, [r.id for r in rows])
    return [_tier_view(r, counts.get(r.id, 0)) for r in rows]


def _one_tier_view(session: Session, row: MemberTier) -> TierView:
    return _tier_view(row, _in_use(session, [row.id]).get(row.id, 0))


def effective_status(status: str, starts_on: date, ends_on: date, today: date) -> str:
    """What a membership is today: cancelled, expired (ended, never stored), suspended,
    upcoming (not begun) or active."""
    if status == "cancelled":
        return "cancelled"
    if ends_on < today:
        return "expired"
    if status == "suspended":
        return "suspended"
    if starts_on > today:
        return "upcoming"
    return "active"


def _live_where(today: date) -> Any:
    """A membership that still runs (or will): not cancelled and not ended."""
    return and_(
        Membership.deleted_at.is_(None),
        Membership.status.in_(("active", "suspended")),
        Membership.ends_on >= today,
    )


def _current_member(day: date) -> Any:
    return and_(
        MembershipMember.deleted_at.is_(None),
        or_(MembershipMember.left_on.is_(None), MembershipMember.left_on > day),
    )


def _uses_between(
    session: Session, membership_id: uuid.UUID, benefit_key: str, first: date, last: date
) -> list[rules.Use]:
    return [
        rules.Use(day, count)
        for day, count in session.execute(
            select(BenefitUse.day, BenefitUse.count).where(
                BenefitUse.membership_id == membership_id,
                BenefitUse.benefit_key == benefit_key,
                BenefitUse.day >= first,
                BenefitUse.day <= last,
                BenefitUse.deleted_at.is_(None),
            )
        ).all()
    ]


def _quota_view(session: Session, row: Membership, benefit: BenefitDef, day: date) -> QuotaView:
    """The quota period of ``benefit`` holding ``day`` (the first one before the
    membership begins), summed from the ledger."""
    on = max(day, row.anchor_on)
    _n, first, last = rules.period_of(row.anchor_on, benefit.period, on)
    state = rules.quota_state(
        row.anchor_on,
        benefit.period,
        benefit.quota,
        _uses_between(session, row.id, benefit.key, first, last),
        on,
    )
    return QuotaView(
        benefit_key=benefit.key,
        label=benefit.title(),
        quota=state.quota,
        used=state.used,
        left=state.left,
        first=state.first,
        last=state.last,
        overdrawn=state.overdrawn,
    )


def _members(session: Session, row: Membership, today: date) -> tuple[MemberView, ...]:
    rows = session.execute(
        select(MembershipMember, Patient)
        .join(Patient, Patient.id == MembershipMember.patient_id)
        .where(MembershipMember.membership_id == row.id, _current_member(today))
        .order_by(MembershipMember.joined_on, MembershipMember.created_at)
    ).all()
    out = [
        MemberView(
            patient_id=m.patient_id,
            name=_patient_name(p),
            record_no=p.record_no,
            relation=m.relation,
            joined_on=m.joined_on,
            left_on=m.left_on,
            payer=m.patient_id == row.payer_id,
        )
        for m, p in rows
    ]
    out.sort(key=lambda v: not v.payer)  # the payer first
    return tuple(out)


def _care_team(session: Session, membership_id: uuid.UUID) -> tuple[CareTeamView, ...]:
    rows = list(
        session.execute(
            select(CareTeamMember)
            .where(
                CareTeamMember.membership_id == membership_id,
                CareTeamMember.deleted_at.is_(None),
            )
            .order_by(CareTeamMember.created_at, CareTeamMember.id)
        ).scalars()
    )
    names = staff.display_names(session, [r.staff_id for r in rows])
    order = list(CARE_ROLES)
    views = [
        CareTeamView(
            id=r.id,
            role=r.role,
            staff_id=r.staff_id,
            name=names.get(r.staff_id, r.name) if r.staff_id is not None else r.name,
            phone=r.phone,
        )
        for r in rows
    ]
    views.sort(key=lambda v: order.index(v.role) if v.role in order else len(order))
    return tuple(views)


def _view(clinic: Clinic, session: Session, row: Membership, today: date) -> MembershipView:
    tier = _one_tier_view(session, _any_tier(session, row.tier_id))
    payer = session.get(Patient, row.payer_id)
    status = effective_status(row.status, row.starts_on, row.ends_on, today)
    days = int(clinic.setting("membership.renewal_reminder_days"))
    quotas = tuple(_quota_view(session, row, b, today) for b in tier.benefits if b.kind == "quota")
    return MembershipView(
        id=row.id,
        card_no=row.card_no,
        tier=tier,
        payer_id=row.payer_id,
        payer_name=_patient_name(payer) if payer is not None else "",
        members=_members(session, row, today),
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        anchor_on=row.anchor_on,
        status=status,
        days_left=(row.ends_on - today).days,
        renewal_due=status in ("active", "suspended", "upcoming")
        and rules.renewal_due(row.ends_on, today, days),
        quotas=quotas,
        care_team=_care_team(session, row.id),
        note=row.note,
        suspended_on=row.suspended_on,
    )


def _any_tier(session: Session, tier_id: uuid.UUID) -> MemberTier:
    """A membership's tier, even one deleted by a sync conflict (kept for reading)."""
    row = session.get(MemberTier, tier_id)
    if row is None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "membership tier"))
    return row


def _live_of(session: Session, patient_id: uuid.UUID, today: date) -> Membership | None:
    """The patient's live membership (payer or current member), the soonest ending last."""
    return session.execute(
        select(Membership)
        .join(MembershipMember, MembershipMember.membership_id == Membership.id)
        .where(
            MembershipMember.patient_id == patient_id,
            _current_member(today),
            _live_where(today),
        )
        .order_by(Membership.starts_on, Membership.ends_on.desc())
        .limit(1)
    ).scalar_one_or_none()


# -- writing helpers ---------------------------------------------------------------------


def _changes(*ids: uuid.UUID | None, followups: bool = False) -> Changes:
    topics = {Topic.MEMBERSHIP}
    if followups:
        topics.add(Topic.FOLLOWUPS)
    return Changes(frozenset(topics), frozenset(i for i in ids if i is not None))


# Events whose note is the reason someone gave (kept in the audit row's reason).
_REASON_KINDS = frozenset({"suspend", "cancel", "member_removed", "override", "use_undone"})


def _event(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    row: Membership,
    kind: str,
    *,
    note: str = "",
    detail: dict[str, Any] | None = None,
    patient_id: uuid.UUID | None = None,
    audit_detail: dict[str, Any] | None = None,
    audited: bool = True,
) -> MembershipEvent:
    """The history row and its audit entry (``audited`` False: the caller audits)."""
    body = detail or {}
    event = MembershipEvent(
        membership_id=row.id,
        kind=kind,
        at=clinic.now(),
        by_id=actor.staff_id,
        note=note,
        detail=json.dumps(body, ensure_ascii=False, default=str),
    )
    uow.session.add(event)
    uow.session.flush()
    if not audited:
        return event
    clinic.audit(
        uow,
        actor,
        audit.AuditEvent(
            action=f"membership.{kind}",
            object_type="membership",
            object_id=row.id.hex,
            patient_id=patient_id or row.payer_id,
            reason=note[:500] if kind in _REASON_KINDS else "",
            detail=json.dumps(audit_detail if audit_detail is not None else body, default=str),
        ),
    )
    return event


def _add_payment(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    row: Membership,
    payment: PaymentInput,
    event_id: uuid.UUID | None,
) -> MembershipPayment:
    paid = MembershipPayment(
        membership_id=row.id,
        kind=payment.kind,
        amount_cents=payment.amount_cents,
        paid_on=payment.paid_on,
        method=payment.method,
        receipt_no=payment.receipt_no,
        note=payment.note,
        event_id=event_id,
        by_id=actor.staff_id,
    )
    uow.session.add(paid)
    uow.session.flush()
    clinic.audit(
        uow,
        actor,
        audit.AuditEvent(
            action=f"membership.{payment.kind}",
            object_type="membership_payment",
            object_id=paid.id.hex,
            patient_id=row.payer_id,
            detail=json.dumps(
                {
                    "membership": row.id.hex,
                    "amount_cents": payment.amount_cents,
                    "method": payment.method,
                    "paid_on": payment.paid_on.isoformat(),
                    "receipt_no": payment.receipt_no,
                }
            ),
        ),
    )
    return paid


def _payment_detail(payment: PaymentInput | None) -> dict[str, Any]:
    if payment is None:
        return {}
    return {
        "payment": {
            "kind": payment.kind,
            "amount_cents": payment.amount_cents,
            "method": payment.method,
            "paid_on": payment.paid_on.isoformat(),
            "receipt_no": payment.receipt_no,
        }
    }


def _already_member(
    session: Session, patient: Patient, today: date, skip: uuid.UUID | None
) -> None:
    """Refuse a person already in a live membership."""
    stmt = (
        select(Membership)
        .join(MembershipMember, MembershipMember.membership_id == Membership.id)
        .where(
            MembershipMember.patient_id == patient.id,
            _current_member(today),
            _live_where(today),
        )
    )
    if skip is not None:
        stmt = stmt.where(Membership.id != skip)
    other = session.execute(stmt.limit(1)).scalar_one_or_none()
    if other is None:
        return
    tier = session.get(MemberTier, other.tier_id)
    raise ValidationError(
        QT_TRANSLATE_NOOP(
            "Errors",
            "{name} is already a member ({tier}, card {card}, until {end}). Renew or change "
            "that membership instead.",
        ),
        name=_patient_name(patient),
        tier=_row_name(tier) if tier is not None else "",
        card=other.card_no,
        end=other.ends_on.isoformat(),
    )


def _check_person(session: Session, patient_id: uuid.UUID) -> Patient:
    patient = _live_patient(session, patient_id)
    if patient.deceased_on is not None:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "{name} has died ({day}), so cannot be enrolled. Choose another person.",
            ),
            name=_patient_name(patient),
            day=patient.deceased_on.isoformat(),
        )
    return patient


def _check_relation(relation: object) -> str:
    if relation not in RELATIONS:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "Choose how the member is related to the payer: spouse, child, parent or other.",
            )
        )
    assert isinstance(relation, str)
    return relation


def _not_cancelled(row: Membership) -> None:
    if row.status == "cancelled":
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "This membership (card {card}) was cancelled, so it cannot be changed or "
                "renewed. Enrol the person again instead.",
            ),
            card=row.card_no,
        )


def _member_count(session: Session, membership_id: uuid.UUID, day: date) -> int:
    return int(
        session.execute(
            select(func.count(MembershipMember.id)).where(
                MembershipMember.membership_id == membership_id, _current_member(day)
            )
        ).scalar_one()
    )


def _too_many(tier: MemberTier, people: int) -> None:
    if people > tier.max_members:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The tier {tier} covers at most {n} people, and {m} were given. Remove someone, "
                "or choose a family tier.",
            ),
            tier=_row_name(tier),
            n=tier.max_members,
            m=people,
        )


def _require_any(clinic: Clinic, actor: Actor, *actions: Action) -> None:
    if actor.is_system or any(allowed(actor.role, a) for a in actions):
        return
    clinic.require(actor, actions[0])


# -- tiers (H1) ---------------------------------------------------------------------------

DEFAULT_TIERS_META = "membership.default_tiers"
_ALL = ("priority_booking", "health_record")
DEFAULT_TIERS: tuple[TierInput, ...] = (
    TierInput(
        code="basic",
        name_zh_cn="基础会员",
        name_zh_tw="基礎會員",
        name_en="Basic",
        description="",
        price_cents=98_000,
        period_unit="year",
        period_count=1,
        max_members=1,
        benefits=(
            BenefitDef("priority_booking", "flag"),
            BenefitDef("health_record", "flag"),
        ),
        color="#5B8DEF",
    ),
    TierInput(
        code="advanced",
        name_zh_cn="高级会员",
        name_zh_tw="高級會員",
        name_en="Advanced",
        description="",
        price_cents=398_000,
        period_unit="year",
        period_count=1,
        max_members=4,
        benefits=(
            BenefitDef("annual_plan", "flag"),
            BenefitDef("home_visits", "quota", 4, "year", 1),
            BenefitDef("referral_help", "flag"),
            BenefitDef("priority_booking", "flag"),
            BenefitDef("health_record", "flag"),
        ),
        color="#C9A227",
    ),
    TierInput(
        code="premium",
        name_zh_cn="私人健康管家",
        name_zh_tw="私人健康管家",
        name_en="Private health butler",
        description="",
        price_cents=1_280_000,
        period_unit="year",
        period_count=1,
        max_members=4,
        benefits=(
            BenefitDef("annual_plan", "flag"),
            BenefitDef("home_visits", "quota", 12, "year", 1),
            BenefitDef("referral_help", "flag"),
            BenefitDef("priority_booking", "flag"),
            BenefitDef("health_record", "flag"),
            BenefitDef("care_team", "flag"),
        ),
        color="#7B3FA0",
    ),
)


def default_tier_id(code: str) -> uuid.UUID:
    return uuid.uuid5(SYNCED_ROW_NAMESPACE, f"member_tier:{code}")


def _tier_fields(row: MemberTier, data: TierInput) -> None:
    row.code = data.code
    row.name_zh_cn = data.name_zh_cn
    row.name_zh_tw = data.name_zh_tw
    row.name_en = data.name_en
    row.description = data.description
    row.price_cents = data.price_cents
    row.period_unit = data.period_unit
    row.period_count = data.period_count
    row.max_members = data.max_members
    row.benefits = _benefits_json(data.benefits)
    row.color = data.color


def ensure_default_tiers(clinic: Clinic) -> Written[list[TierView]]:
    """Seed the three tiers of H1 once (basic, advanced, premium); ids derived from the
    codes so two desks seeding offline write the same rows. Later runs change nothing,
    even after the director edited, retired or deleted them."""
    actor = Actor.system("setup")
    with clinic.store.unit_of_work(write=True) as uow:
        if uow.meta(DEFAULT_TIERS_META):
            return Written([], Changes())
        session = uow.session
        rows: list[MemberTier] = []
        for position, data in enumerate(DEFAULT_TIERS):
            tier_id = default_tier_id(data.code)
            if session.get(MemberTier, tier_id) is not None:
                continue  # synced from another desk
            row = MemberTier(id=tier_id, position=position)
            _tier_fields(row, data)
            session.add(row)
            rows.append(row)
        session.flush()
        clinic.audit_many(
            uow,
            actor,
            [
                audit.AuditEvent(
                    action="membership.tier_add",
                    object_type="member_tier",
                    object_id=r.id.hex,
                    detail=json.dumps({"code": r.code, "price_cents": r.price_cents}),
                )
                for r in rows
            ],
        )
        uow.set_meta(DEFAULT_TIERS_META, clinic.now().isoformat())
        views = [_tier_view(r, 0) for r in rows]
        uow.commit()
    return Written(views, _changes(*(v.id for v in views)))


def _tiers(session: Session, include_retired: bool) -> list[MemberTier]:
    stmt = select(MemberTier).where(MemberTier.deleted_at.is_(None))
    if not include_retired:
        stmt = stmt.where(MemberTier.retired_at.is_(None))
    return list(
        session.execute(
            stmt.order_by(MemberTier.position, MemberTier.code, MemberTier.id)
        ).scalars()
    )


def list_tiers(clinic: Clinic, actor: Actor, include_retired: bool = False) -> list[TierView]:
    """Tiers in their order (MEMBERSHIP_MANAGE or MEMBERSHIP_TIERS)."""
    _require_any(clinic, actor, Action.MEMBERSHIP_MANAGE, Action.MEMBERSHIP_TIERS)
    with clinic.store.unit_of_work(write=False) as uow:
        return _tier_views(uow.session, _tiers(uow.session, include_retired))


def _check_tier(data: object) -> TierInput:
    if not isinstance(data, TierInput):
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Fill in the tier's details."))
    code = _text(data.code, "code", MAX_CODE, required=True, multi_line=False).lower()
    if not re.fullmatch(r"[a-z][a-z0-9_]*", code):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The code '{code}' may hold only Latin letters, digits and '_', starting with a "
                "letter (for example gold_family).",
            ),
            code=code[:MAX_CODE],
        )
    name_zh_cn = _text(
        data.name_zh_cn, "name (simplified Chinese)", MAX_NAME, required=True, multi_line=False
    )
    name_zh_tw = _text(
        data.name_zh_tw, "name (traditional Chinese)", MAX_NAME, required=False, multi_line=False
    )
    name_en = _text(data.name_en, "name (English)", MAX_NAME, required=False, multi_line=False)
    description = _text(
        data.description, "description", MAX_DESCRIPTION, required=False, multi_line=True
    )
    price = _money(data.price_cents, "price", top=MAX_PRICE_CENTS, positive=False)
    if (
        data.period_unit not in rules.UNITS
        or not _whole(data.period_count)
        or not (1 <= data.period_count <= (MAX_PERIODS if data.period_unit == "year" else 120))
    ):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "A tier runs for 1 to 120 months or 1 to 10 years. Choose its period again.",
            )
        )
    if not _whole(data.max_members) or not 1 <= data.max_members <= MAX_MEMBERS:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "A tier covers 1 to {n} people (more than 1: a family tier)."
            ),
            n=MAX_MEMBERS,
        )
    benefits = _check_benefits(data.benefits)
    color = _text(data.color, "colour", 9, required=False, multi_line=False)
    if color and not re.fullmatch(r"#[0-9A-Fa-f]{6}", color):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Choose the colour again (like #C9A227).")
        )
    return TierInput(
        code,
        name_zh_cn,
        name_zh_tw,
        name_en,
        description,
        price,
        data.period_unit,
        data.period_count,
        data.max_members,
        benefits,
        color.upper(),
    )


def save_tier(
    clinic: Clinic, actor: Actor, tier_id: uuid.UUID | None, data: TierInput
) -> Written[TierView]:
    """Create (``tier_id`` None) or change a tier (MEMBERSHIP_TIERS). What existing
    members paid does not change (payments are facts); a changed quota counts from
    then on against the uses already recorded in the period."""
    clinic.require(actor, Action.MEMBERSHIP_TIERS)
    clean = _check_tier(data)
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        taken = (
            session.execute(
                select(MemberTier.id).where(
                    MemberTier.code == clean.code,
                    MemberTier.deleted_at.is_(None),
                    MemberTier.retired_at.is_(None),
                )
            )
            .scalars()
            .all()
        )
        if any(t != tier_id for t in taken):
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors", "Another tier already has the code '{code}'. Choose another code."
                ),
                code=clean.code,
            )
        if tier_id is None:
            top = session.execute(
                select(func.max(MemberTier.position)).where(MemberTier.deleted_at.is_(None))
            ).scalar_one_or_none()
            row = MemberTier(position=(top or 0) + 1, updated_by=actor.staff_id)
            _tier_fields(row, clean)
            session.add(row)
            action = "membership.tier_add"
            before: dict[str, Any] = {}
        else:
            row = _tier_row(session, tier_id)
            before = {"price_cents": row.price_cents, "benefits": json.loads(row.benefits or "[]")}
            _tier_fields(row, clean)
            row.updated_by = actor.staff_id
            row.updated_at = clinic.now()
            action = "membership.tier_edit"
        session.flush()
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action=action,
                object_type="member_tier",
                object_id=row.id.hex,
                detail=json.dumps(
                    {
                        "code": clean.code,
                        "price_cents": clean.price_cents,
                        "max_members": clean.max_members,
                        "benefits": json.loads(row.benefits),
                        "before": before,
                    },
                    ensure_ascii=False,
                ),
            ),
        )
        view = _one_tier_view(session, row)
        uow.commit()
    return Written(view, _changes(view.id))


def _set_retired(
    clinic: Clinic, actor: Actor, tier_id: uuid.UUID, retired: bool
) -> Written[TierView]:
    clinic.require(actor, Action.MEMBERSHIP_TIERS)
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        row = _tier_row(session, tier_id)
        if not retired and row.retired_at is not None:
            clash = session.execute(
                select(MemberTier.id).where(
                    MemberTier.code == row.code,
                    MemberTier.id != row.id,
                    MemberTier.deleted_at.is_(None),
                    MemberTier.retired_at.is_(None),
                )
            ).first()
            if clash is not None:
                raise ValidationError(
                    QT_TRANSLATE_NOOP(
                        "Errors",
                        "Another tier now has the code '{code}'. Change one of the codes first.",
                    ),
                    code=row.code,
                )
        row.retired_at = clinic.now() if retired else None
        row.updated_at = clinic.now()
        row.updated_by = actor.staff_id
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="membership.tier_retire" if retired else "membership.tier_restore",
                object_type="member_tier",
                object_id=row.id.hex,
                detail=json.dumps({"code": row.code}),
            ),
        )
        view = _one_tier_view(session, row)
        uow.commit()
    return Written(view, _changes(view.id))


def retire_tier(clinic: Clinic, actor: Actor, tier_id: uuid.UUID) -> Written[TierView]:
    """No new memberships of this tier; existing ones run on (and may renew)."""
    return _set_retired(clinic, actor, tier_id, True)


def restore_tier(clinic: Clinic, actor: Actor, tier_id: uuid.UUID) -> Written[TierView]:
    """Offer a retired tier again."""
    return _set_retired(clinic, actor, tier_id, False)


def delete_tier(clinic: Clinic, actor: Actor, tier_id: uuid.UUID) -> Written[None]:
    """Delete a tier never used; refused once any membership used it (retire instead)."""
    clinic.require(actor, Action.MEMBERSHIP_TIERS)
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        row = _tier_row(session, tier_id)
        used = _in_use(session, [row.id]).get(row.id, 0)
        if used:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "The tier {tier} is in use by {n} memberships, so it cannot be deleted. "
                    "Retire it instead: no one new can join it, and its members keep it until "
                    "their membership ends.",
                ),
                tier=_row_name(row),
                n=used,
            )
        row.deleted_at = clinic.now()
        row.updated_at = clinic.now()
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="membership.tier_delete",
                object_type="member_tier",
                object_id=row.id.hex,
                detail=json.dumps({"code": row.code}),
            ),
        )
        uow.commit()
    return Written(None, _changes(tier_id))


def move_tier(
    clinic: Clinic, actor: Actor, tier_id: uuid.UUID, up: bool
) -> Written[list[TierView]]:
    """Move a tier one place up or down in the list (retired ones keep their place)."""
    clinic.require(actor, Action.MEMBERSHIP_TIERS)
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        rows = _tiers(session, include_retired=True)
        index = next((i for i, r in enumerate(rows) if r.id == tier_id), None)
        if index is None:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "membership tier"))
        other = index - 1 if up else index + 1
        if 0 <= other < len(rows):
            rows[index], rows[other] = rows[other], rows[index]
            now = clinic.now()
            for position, r in enumerate(rows):
                if r.position != position:
                    r.position = position
                    r.updated_at = now
            clinic.audit(
                uow,
                actor,
                audit.AuditEvent(
                    action="membership.tier_move",
                    object_type="member_tier",
                    object_id=tier_id.hex,
                    detail=json.dumps({"up": bool(up)}),
                ),
            )
        views = _tier_views(session, rows)
        uow.commit()
    return Written(views, _changes(*(v.id for v in views)))


# -- memberships (H2) ---------------------------------------------------------------------


def _new_card(session: Session, membership_id: uuid.UUID) -> str:
    return card_number(membership_id)


def enrol(clinic: Clinic, actor: Actor, data: EnrolInput) -> Written[MembershipView]:
    """Enrol a payer (and, in a family tier, the people besides them) in a tier (H2).

    Refused: a retired tier, more people than the tier covers, the same person twice,
    a deceased patient, anyone already in a live membership, 0 or more than 10
    periods, a start more than a year away. The payment, when given, is recorded;
    a tier with the annual health plan schedules its check-in calls."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE, object_type="membership")
    if not isinstance(data, EnrolInput):
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Fill in the enrolment's details."))
    today = clinic.today()
    starts_on = today if data.starts_on is None else _a_day(data.starts_on, "start date")
    if (starts_on - today).days > 366 or (today - starts_on).days > 3660:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The start date {day} is more than a year ahead, or too long ago. Check the date.",
            ),
            day=starts_on.isoformat(),
        )
    if not _whole(data.periods) or not 1 <= data.periods <= MAX_PERIODS:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "A membership is bought for 1 to {n} periods at a time."),
            n=MAX_PERIODS,
        )
    payment = _check_payment(data.payment, today) if data.payment is not None else None
    note = _text(data.note, "note", MAX_NOTE, required=False, multi_line=True)
    others = tuple(data.members)
    relations = [_check_relation(m.relation) for m in others]
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        tier = _tier_row(session, data.tier_id)
        if tier.retired_at is not None:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "The tier {tier} is retired: no one new can join it. Choose another tier, "
                    "or ask the director to offer it again.",
                ),
                tier=_row_name(tier),
            )
        people = [data.payer_id, *(m.patient_id for m in others)]
        patients: list[Patient] = []
        for patient_id in people:
            patient = _check_person(session, patient_id)
            if any(p.id == patient.id for p in patients):
                raise ValidationError(
                    QT_TRANSLATE_NOOP(
                        "Errors",
                        "{name} is listed twice. Each person is a member once.",
                    ),
                    name=_patient_name(patient),
                )
            patients.append(patient)
        _too_many(tier, len(patients))
        for patient in patients:
            _already_member(session, patient, today, None)
        tier_view = _one_tier_view(session, tier)
        ends_on = rules.end_after(starts_on, tier_view.period, data.periods)
        membership_id = new_id()
        row = Membership(
            id=membership_id,
            tier_id=tier.id,
            payer_id=data.payer_id,
            card_no=_new_card(session, membership_id),
            starts_on=starts_on,
            ends_on=ends_on,
            anchor_on=starts_on,
            status="active",
            note=note,
            created_by=actor.staff_id,
        )
        session.add(row)
        session.flush()
        session.add(
            MembershipMember(
                membership_id=row.id,
                patient_id=data.payer_id,
                relation="self",
                joined_on=starts_on,
            )
        )
        for member, relation in zip(others, relations, strict=True):
            session.add(
                MembershipMember(
                    membership_id=row.id,
                    patient_id=member.patient_id,
                    relation=relation,
                    joined_on=starts_on,
                )
            )
        session.flush()
        detail = {
            "tier": tier.code,
            "tier_id": tier.id.hex,
            "price_cents": tier.price_cents,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "periods": data.periods,
            "members": [p.hex for p in people],
        } | _payment_detail(payment)
        event = _event(clinic, uow, actor, row, "enrol", note=note, detail=detail)
        if payment is not None:
            _add_payment(clinic, uow, actor, row, payment, event.id)
        tasks: list[uuid.UUID] = []
        if _has(tier, "annual_plan"):
            tasks = _plan_tasks(
                clinic,
                uow,
                actor,
                row,
                people,
                starts_on,
                ends_on,
                not_before=max(starts_on, today),
            )
        view = _view(clinic, session, row, today)
        uow.commit()
    return Written(view, _changes(row.id, *people, *tasks, followups=bool(tasks)))


def renew(
    clinic: Clinic,
    actor: Actor,
    membership_id: uuid.UUID,
    periods: int = 1,
    payment: PaymentInput | None = None,
) -> Written[RenewResult]:
    """Renew: a running membership goes on from ``ends_on + 1`` (its quota periods keep
    their anchor); an expired one starts again today (``lapsed``; the gap is not
    covered and the quota periods count from today); a cancelled one is refused. Its
    open renewal reminder closes; the annual plan gets the new term's check-ins."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE, object_type="membership")
    if not _whole(periods) or not 1 <= periods <= MAX_PERIODS:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "A membership is renewed for 1 to {n} periods at a time."),
            n=MAX_PERIODS,
        )
    today = clinic.today()
    paid = _check_payment(payment, today) if payment is not None else None
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        row = _membership_row(session, membership_id)
        _not_cancelled(row)
        tier = _any_tier(session, row.tier_id)
        if tier.deleted_at is not None:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "membership tier"))
        period = _tier_view(tier, 0).period
        old_end = row.ends_on
        lapsed_ = row.ends_on < today
        if lapsed_:
            # Anyone covered who joined another membership meanwhile stays there.
            for patient_id in session.execute(
                select(MembershipMember.patient_id).where(
                    MembershipMember.membership_id == row.id, _current_member(today)
                )
            ).scalars():
                _already_member(session, _live_patient(session, patient_id), today, row.id)
            from_day = today
            row.starts_on = today
            row.anchor_on = today
            row.ends_on = rules.end_after(today, period, periods)
            if row.status == "suspended":
                row.status, row.suspended_on = "active", None
        else:
            from_day = row.ends_on + timedelta(days=1)
            row.ends_on = rules.end_after(from_day, period, periods)
        row.updated_at = clinic.now()
        detail = {
            "tier": tier.code,
            "price_cents": tier.price_cents,
            "from": from_day.isoformat(),
            "ends_on_before": old_end.isoformat(),
            "ends_on": row.ends_on.isoformat(),
            "periods": periods,
            "lapsed": lapsed_,
        } | _payment_detail(paid)
        event = _event(clinic, uow, actor, row, "renew", detail=detail)
        if paid is not None:
            _add_payment(clinic, uow, actor, row, paid, event.id)
        closed = _close_tasks(clinic, uow, row, ("renewal",), "renewed")
        tasks: list[uuid.UUID] = []
        if _has(tier, "annual_plan"):
            members = list(
                session.execute(
                    select(MembershipMember.patient_id).where(
                        MembershipMember.membership_id == row.id, _current_member(today)
                    )
                ).scalars()
            )
            tasks = _plan_tasks(
                clinic,
                uow,
                actor,
                row,
                members,
                from_day,
                row.ends_on,
                not_before=max(from_day, today),
            )
        session.flush()
        view = _view(clinic, session, row, today)
        uow.commit()
    return Written(
        RenewResult(view, from_day, lapsed_),
        _changes(row.id, *closed, *tasks, followups=bool(closed or tasks)),
    )


def _price_change(
    row: Membership, old: TierView, new: TierView, day: date, rule: str
) -> rules.Change:
    """The change of ``row`` from ``old`` to ``new`` on ``day``: the current period of the
    old tier priced by ``rule``; whole periods bought beyond it credited and charged in
    full (rule "none": a new full period from ``day``, nothing credited)."""
    if rule == "none":
        return rules.change_tier(
            old_price=old.price_cents,
            new_price=new.price_cents,
            period=new.period,
            start=day,
            end=day,
            day=day,
            rule="none",
        )
    on = max(day, row.anchor_on)
    n, first, last = rules.period_of(row.anchor_on, old.period, on)
    last = min(last, row.ends_on)
    part = rules.change_tier(
        old_price=old.price_cents,
        new_price=new.price_cents,
        period=old.period,
        start=first,
        end=last,
        day=on,
        rule=rule,
    )
    # Whole periods bought beyond the current one (renewed ahead) change in full.
    extra = 0
    while (
        rules.period_start(row.anchor_on, old.period, n + 2 + extra) - timedelta(days=1)
        <= row.ends_on
    ):
        extra += 1
    return rules.Change(
        part.credit + extra * old.price_cents,
        part.charge + extra * new.price_cents,
        on,
        row.ends_on,
    )


def _change_setup(
    clinic: Clinic,
    session: Session,
    membership_id: uuid.UUID,
    new_tier_id: uuid.UUID,
    day: date,
) -> tuple[Membership, MemberTier, MemberTier, ChangePreview]:
    row = _membership_row(session, membership_id)
    _not_cancelled(row)
    if row.ends_on < day:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "This membership ended on {end}. Renew it first, then change its tier.",
            ),
            end=row.ends_on.isoformat(),
        )
    old_tier = _any_tier(session, row.tier_id)
    new_tier = _tier_row(session, new_tier_id)
    if new_tier.id == old_tier.id:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "The membership is already in this tier. Choose a different tier."
            )
        )
    if new_tier.retired_at is not None:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The tier {tier} is retired: no one new can join it. Choose another tier, "
                "or ask the director to offer it again.",
            ),
            tier=_row_name(new_tier),
        )
    _too_many(new_tier, _member_count(session, row.id, day))
    rule = str(clinic.setting("membership.prorata_rule"))
    old_view = _one_tier_view(session, old_tier)
    new_view = _one_tier_view(session, new_tier)
    change = _price_change(row, old_view, new_view, day, rule)
    return row, old_tier, new_tier, ChangePreview(old_view, new_view, change, rule)


def preview_change(
    clinic: Clinic,
    actor: Actor,
    membership_id: uuid.UUID,
    new_tier_id: uuid.UUID,
    day: date | None = None,
) -> ChangePreview:
    """What a change of tier on ``day`` would credit and charge (the prorata setting)."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE)
    the_day = clinic.today() if day is None else _a_day(day, "day")
    with clinic.store.unit_of_work(write=False) as uow:
        return _change_setup(clinic, uow.session, membership_id, new_tier_id, the_day)[3]


def change_tier(
    clinic: Clinic,
    actor: Actor,
    membership_id: uuid.UUID,
    new_tier_id: uuid.UUID,
    payment: PaymentInput | None = None,
    day: date | None = None,
) -> Written[MembershipView]:
    """Upgrade or downgrade (by price) on ``day`` under the prorata setting. Rule
    "none" starts a new full period of the new tier from ``day`` (quota periods count
    from then); the others keep the end and the anchor. The event keeps both tiers
    and the amounts; the payment or refund, when given, is recorded."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE, object_type="membership")
    today = clinic.today()
    the_day = today if day is None else _a_day(day, "day")
    paid = _check_payment(payment, today) if payment is not None else None
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        row, old_tier, new_tier, preview = _change_setup(
            clinic, session, membership_id, new_tier_id, the_day
        )
        change = preview.change
        if new_tier.price_cents > old_tier.price_cents:
            kind = "upgrade"
        elif new_tier.price_cents < old_tier.price_cents:
            kind = "downgrade"
        else:
            kind = "change"
        before = {"ends_on": row.ends_on.isoformat(), "anchor_on": row.anchor_on.isoformat()}
        row.tier_id = new_tier.id
        if preview.rule == "none":
            row.anchor_on = change.starts
            row.ends_on = change.ends
        row.updated_at = clinic.now()
        detail = {
            "old_tier": old_tier.code,
            "old_tier_id": old_tier.id.hex,
            "new_tier": new_tier.code,
            "new_tier_id": new_tier.id.hex,
            "old_price_cents": old_tier.price_cents,
            "new_price_cents": new_tier.price_cents,
            "rule": preview.rule,
            "day": the_day.isoformat(),
            "credit_cents": change.credit,
            "charge_cents": change.charge,
            "due_cents": change.due,
            "before": before,
            "ends_on": row.ends_on.isoformat(),
            "anchor_on": row.anchor_on.isoformat(),
        } | _payment_detail(paid)
        event = _event(clinic, uow, actor, row, kind, detail=detail)
        if paid is not None:
            _add_payment(clinic, uow, actor, row, paid, event.id)
        touched: list[uuid.UUID] = []
        if _has(new_tier, "annual_plan") and not _has(old_tier, "annual_plan"):
            members = list(
                session.execute(
                    select(MembershipMember.patient_id).where(
                        MembershipMember.membership_id == row.id, _current_member(today)
                    )
                ).scalars()
            )
            touched = _plan_tasks(
                clinic,
                uow,
                actor,
                row,
                members,
                max(the_day, row.starts_on),
                row.ends_on,
                not_before=the_day,
            )
        elif _has(old_tier, "annual_plan") and not _has(new_tier, "annual_plan"):
            touched = _close_tasks(clinic, uow, row, ("health_plan",), "cancelled")
        if not _has(new_tier, "care_team"):
            for member in session.execute(
                select(CareTeamMember).where(
                    CareTeamMember.membership_id == row.id, CareTeamMember.deleted_at.is_(None)
                )
            ).scalars():
                member.deleted_at = clinic.now()
        session.flush()
        view = _view(clinic, session, row, today)
        uow.commit()
    return Written(view, _changes(row.id, *touched, followups=bool(touched)))


def suspend(
    clinic: Clinic, actor: Actor, membership_id: uuid.UUID, reason: str
) -> Written[MembershipView]:
    """Pause a membership (a long stay abroad): benefits cannot be used while it is
    suspended, and resuming moves its end on by the days suspended."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE, object_type="membership")
    why = _reason(reason)
    today = clinic.today()
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        row = _membership_row(session, membership_id)
        _not_cancelled(row)
        status = effective_status(row.status, row.starts_on, row.ends_on, today)
        if status != "active":
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "Only a running membership can be suspended; this one is {status}.",
                ),
                status=status,
            )
        row.status = "suspended"
        row.suspended_on = today
        row.updated_at = clinic.now()
        _event(clinic, uow, actor, row, "suspend", note=why, detail={"on": today.isoformat()})
        view = _view(clinic, session, row, today)
        uow.commit()
    return Written(view, _changes(row.id, *(m.patient_id for m in view.members)))


def resume(clinic: Clinic, actor: Actor, membership_id: uuid.UUID) -> Written[MembershipView]:
    """Resume a suspended membership; its end moves on by the days it was suspended."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE, object_type="membership")
    today = clinic.today()
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        row = _membership_row(session, membership_id)
        _not_cancelled(row)
        if row.status != "suspended":
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "This membership is not suspended; nothing to resume.")
            )
        since = row.suspended_on or today
        days = max(0, (today - since).days)
        before = row.ends_on
        row.ends_on = row.ends_on + timedelta(days=days)
        row.status = "active"
        row.suspended_on = None
        row.updated_at = clinic.now()
        _event(
            clinic,
            uow,
            actor,
            row,
            "resume",
            detail={
                "suspended_on": since.isoformat(),
                "days": days,
                "ends_on_before": before.isoformat(),
                "ends_on": row.ends_on.isoformat(),
            },
        )
        view = _view(clinic, session, row, today)
        uow.commit()
    return Written(view, _changes(row.id, *(m.patient_id for m in view.members)))


def cancel(
    clinic: Clinic,
    actor: Actor,
    membership_id: uuid.UUID,
    reason: str,
    refund: PaymentInput | None = None,
) -> Written[MembershipView]:
    """End a membership for good, with an optional refund recorded. Its open renewal
    and health-plan calls close."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE, object_type="membership")
    why = _reason(reason)
    today = clinic.today()
    back = None
    if refund is not None:
        back = _check_payment(
            PaymentInput(
                refund.amount_cents,
                refund.paid_on,
                refund.method,
                refund.receipt_no,
                refund.note,
                "refund",
            )
            if isinstance(refund, PaymentInput)
            else refund,
            today,
        )
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        row = _membership_row(session, membership_id)
        if row.status == "cancelled":
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "This membership is already cancelled.")
            )
        row.status = "cancelled"
        row.suspended_on = None
        row.updated_at = clinic.now()
        event = _event(
            clinic,
            uow,
            actor,
            row,
            "cancel",
            note=why,
            detail={"on": today.isoformat(), "ends_on": row.ends_on.isoformat()}
            | _payment_detail(back),
        )
        if back is not None:
            _add_payment(clinic, uow, actor, row, back, event.id)
        closed = _close_tasks(clinic, uow, row, ("renewal", "health_plan"), "cancelled")
        view = _view(clinic, session, row, today)
        uow.commit()
    return Written(
        view,
        _changes(row.id, *(m.patient_id for m in view.members), *closed, followups=bool(closed)),
    )


def add_member(
    clinic: Clinic, actor: Actor, membership_id: uuid.UUID, member: MemberInput
) -> Written[MembershipView]:
    """Add a person to a family membership (up to the tier's max_members)."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE, object_type="membership")
    if not isinstance(member, MemberInput):
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Choose the person to add."))
    relation = _check_relation(member.relation)
    today = clinic.today()
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        row = _membership_row(session, membership_id)
        _not_cancelled(row)
        if row.ends_on < today:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors", "This membership ended on {end}. Renew it first, then add people."
                ),
                end=row.ends_on.isoformat(),
            )
        patient = _check_person(session, member.patient_id)
        current = set(
            session.execute(
                select(MembershipMember.patient_id).where(
                    MembershipMember.membership_id == row.id, _current_member(today)
                )
            ).scalars()
        )
        if patient.id in current:
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "{name} is already in this membership."),
                name=_patient_name(patient),
            )
        tier = _any_tier(session, row.tier_id)
        _too_many(tier, len(current) + 1)
        _already_member(session, patient, today, None)
        joined = max(today, row.starts_on)
        session.add(
            MembershipMember(
                membership_id=row.id, patient_id=patient.id, relation=relation, joined_on=joined
            )
        )
        session.flush()
        _event(
            clinic,
            uow,
            actor,
            row,
            "member_added",
            detail={"patient": patient.id.hex, "relation": relation},
            patient_id=patient.id,
        )
        tasks: list[uuid.UUID] = []
        if _has(tier, "annual_plan"):
            tasks = _plan_tasks(
                clinic,
                uow,
                actor,
                row,
                [patient.id],
                row.starts_on,
                row.ends_on,
                not_before=joined,
            )
        view = _view(clinic, session, row, today)
        uow.commit()
    return Written(view, _changes(row.id, patient.id, *tasks, followups=bool(tasks)))


def remove_member(
    clinic: Clinic, actor: Actor, membership_id: uuid.UUID, patient_id: uuid.UUID, reason: str
) -> Written[MembershipView]:
    """A member leaves (``left_on`` today; the uses they made stay counted); the payer
    cannot be removed. Their open health-plan calls close."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE, object_type="membership")
    why = _reason(reason)
    today = clinic.today()
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        row = _membership_row(session, membership_id)
        if patient_id == row.payer_id:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "The payer cannot be removed from their own membership. Cancel the "
                    "membership, or enrol the family again with another payer.",
                )
            )
        link = (
            session.execute(
                select(MembershipMember).where(
                    MembershipMember.membership_id == row.id,
                    MembershipMember.patient_id == patient_id,
                    _current_member(today),
                )
            )
            .scalars()
            .first()
        )
        if link is None:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "member"))
        link.left_on = today
        link.updated_at = clinic.now()
        _event(
            clinic,
            uow,
            actor,
            row,
            "member_removed",
            note=why,
            detail={"patient": patient_id.hex},
            patient_id=patient_id,
        )
        closed = _close_tasks(
            clinic, uow, row, ("health_plan",), "cancelled", patient_id=patient_id
        )
        view = _view(clinic, session, row, today)
        uow.commit()
    return Written(view, _changes(row.id, patient_id, *closed, followups=bool(closed)))


def _payment_view(row: MembershipPayment, names: dict[uuid.UUID, str]) -> PaymentView:
    return PaymentView(
        id=row.id,
        kind=row.kind,
        amount_cents=row.amount_cents,
        paid_on=row.paid_on,
        method=row.method,
        receipt_no=row.receipt_no,
        note=row.note,
        by_name=names.get(row.by_id, "") if row.by_id is not None else "",
    )


def record_payment(
    clinic: Clinic, actor: Actor, membership_id: uuid.UUID, payment: PaymentInput
) -> Written[PaymentView]:
    """Record a payment or refund as it happened (amount > 0, at most 10,000,000.00;
    method; receipt number of at most 40 characters). No balance is computed."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE, object_type="membership")
    today = clinic.today()
    paid = _check_payment(payment, today)
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        row = _membership_row(session, membership_id)
        event = _event(
            clinic,
            uow,
            actor,
            row,
            paid.kind,
            note=paid.note,
            detail=_payment_detail(paid),
            audited=False,
        )
        stored = _add_payment(clinic, uow, actor, row, paid, event.id)
        view = _payment_view(stored, staff.display_names(session, [stored.by_id]))
        uow.commit()
    return Written(view, _changes(row.id, stored.id))


def set_care_team(
    clinic: Clinic,
    actor: Actor,
    membership_id: uuid.UUID,
    team: Sequence[CareTeamInput],
) -> Written[MembershipView]:
    """Name the care team (tiers with ``care_team`` only); replaces the team. A staff
    member must exist and be enabled; someone outside the clinic needs a name."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE, object_type="membership")
    entries = list(team)
    if len(entries) > 10:
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "A care team has at most 10 people."))
    today = clinic.today()
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        row = _membership_row(session, membership_id)
        _not_cancelled(row)
        tier = _any_tier(session, row.tier_id)
        if not _has(tier, "care_team"):
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "The tier {tier} has no care team. Change to a tier with a private health "
                    "butler first.",
                ),
                tier=_row_name(tier),
            )
        clean: list[CareTeamInput] = []
        for entry in entries:
            if not isinstance(entry, CareTeamInput) or entry.role not in CARE_ROLES:
                raise ValidationError(
                    QT_TRANSLATE_NOOP(
                        "Errors",
                        "Choose each care team member's role: doctor, nutritionist, trainer "
                        "or other.",
                    )
                )
            name = _text(entry.name, "name", MAX_NAME, required=False, multi_line=False)
            phone = _text(entry.phone, "phone", 32, required=False, multi_line=False)
            if entry.staff_id is not None:
                person = session.get(Staff, entry.staff_id)
                if person is None or person.deleted_at is not None or person.disabled_at:
                    raise ValidationError(
                        QT_TRANSLATE_NOOP(
                            "Errors",
                            "That staff member's account is disabled or gone. Choose someone "
                            "else for the care team.",
                        )
                    )
                name = ""
            elif not name:
                raise ValidationError(
                    QT_TRANSLATE_NOOP(
                        "Errors",
                        "Give the name of a care team member from outside the clinic, or "
                        "choose a staff member.",
                    )
                )
            clean.append(CareTeamInput(entry.role, entry.staff_id, name, phone))
        now = clinic.now()
        for old in session.execute(
            select(CareTeamMember).where(
                CareTeamMember.membership_id == row.id, CareTeamMember.deleted_at.is_(None)
            )
        ).scalars():
            old.deleted_at = now
            old.updated_at = now
        for entry in clean:
            session.add(
                CareTeamMember(
                    membership_id=row.id,
                    role=entry.role,
                    staff_id=entry.staff_id,
                    name=entry.name,
                    phone=entry.phone,
                )
            )
        session.flush()
        _event(
            clinic,
            uow,
            actor,
            row,
            "care_team",
            detail={
                "team": [
                    {
                        "role": e.role,
                        "staff": e.staff_id.hex if e.staff_id else None,
                        "name": e.name,
                    }
                    for e in clean
                ]
            },
        )
        view = _view(clinic, session, row, today)
        uow.commit()
    return Written(view, _changes(row.id, *(m.patient_id for m in view.members)))


# -- benefit uses: the ledger (H2) ----------------------------------------------------------


def _benefit_of(tier: MemberTier, benefit_key: str) -> BenefitDef:
    benefit = next((b for b in _parse_benefits(tier.benefits) if b.key == benefit_key), None)
    if benefit is None or benefit.kind != "quota":
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The tier {tier} has no allowance of '{benefit}' to count. Book it as a "
                "normal appointment, or change the membership's tier.",
            ),
            tier=_row_name(tier),
            benefit=BENEFITS.get(benefit_key, benefit_key)[:60],
        )
    return benefit


def _check_usable(session: Session, row: Membership, patient_id: uuid.UUID, day: date) -> None:
    status = effective_status(row.status, row.starts_on, row.ends_on, day)
    if status != "active":
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The membership (card {card}) is {status} on {day}, so its benefits cannot be "
                "used then. Resume or renew it first.",
            ),
            card=row.card_no,
            status=status,
            day=day.isoformat(),
        )
    member = session.execute(
        select(MembershipMember.id).where(
            MembershipMember.membership_id == row.id,
            MembershipMember.patient_id == patient_id,
            _current_member(day),
        )
    ).first()
    if member is None:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "This patient is not a member of the membership (card {card}). Add them to it "
                "first, or choose the right membership.",
            ),
            card=row.card_no,
        )


def _refused_in(
    clinic: Clinic, uow: UnitOfWork, actor: Actor, action: Action, membership_id: uuid.UUID
) -> PermissionDenied:
    """A refusal met inside the caller's transaction (a booking), audited by
    ``Clinic.require`` like every other: one denial row, in its own transaction.

    Not at once: the caller holds SQLite's write lock, so a second writer would wait for
    it (``busy_timeout``) and fail; and not in the caller's transaction, whose rollback
    would take the row with it. So the row is written as soon as the caller's
    transaction ends, rolled back or committed. Returns the error to raise."""

    def write() -> None:
        # The row is written; the caller raises the error returned below.
        with contextlib.suppress(PermissionDenied):
            clinic.require(actor, action, object_type="membership", object_id=membership_id.hex)

    session = uow.session
    outer = session.get_transaction()
    if outer is None:
        write()
    else:

        def ended(_session: Session, transaction: SessionTransaction) -> None:
            if transaction is outer:  # not a savepoint's end
                write()

        event.listen(session, "after_transaction_end", ended)
    return PermissionDenied(role=str(actor.role), action=str(action))


def record_use_in(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    *,
    membership_id: uuid.UUID,
    patient_id: uuid.UUID,
    benefit_key: str,
    day: date,
    appointment_id: uuid.UUID | None = None,
    note: str = "",
    override_reason: str | None = None,
) -> QuotaView:
    """``record_use`` inside the caller's transaction (a home-visit booking): one +1
    ledger row. Past the quota: ``QuotaExhausted``, unless ``override_reason`` (4+
    characters) is given by someone with MEMBERSHIP_OVERRIDE (else PermissionDenied);
    the override is audited with its reason. Returns the quota after the use."""
    if not actor.is_system and not any(
        allowed(actor.role, a) for a in (Action.MEMBERSHIP_MANAGE, Action.APPOINTMENT_MANAGE)
    ):
        raise _refused_in(clinic, uow, actor, Action.MEMBERSHIP_MANAGE, membership_id)
    the_day = _a_day(day, "day")
    text = _text(note, "note", MAX_NOTE, required=False, multi_line=True)
    why = "" if override_reason is None else _reason(override_reason, "reason for the exception")
    session = uow.session
    row = _membership_row(session, membership_id)
    _check_usable(session, row, patient_id, the_day)
    tier = _any_tier(session, row.tier_id)
    benefit = _benefit_of(tier, benefit_key)
    before = _quota_view(session, row, benefit, the_day)
    over = before.used + 1 > before.quota
    if over and not why:
        raise QuotaExhausted(
            benefit_key=benefit.key,
            benefit=benefit.title(),
            used=before.used,
            quota=before.quota,
            first=before.first,
            last=before.last,
        )
    if over and not (actor.is_system or allowed(actor.role, Action.MEMBERSHIP_OVERRIDE)):
        raise _refused_in(clinic, uow, actor, Action.MEMBERSHIP_OVERRIDE, row.id)
    use = BenefitUse(
        membership_id=row.id,
        patient_id=patient_id,
        benefit_key=benefit.key,
        day=the_day,
        count=1,
        appointment_id=appointment_id,
        override_reason=why if over else "",
        note=text,
        by_id=actor.staff_id,
    )
    session.add(use)
    session.flush()
    detail = {
        "use": use.id.hex,
        "benefit": benefit.key,
        "day": the_day.isoformat(),
        "used": before.used + 1,
        "quota": before.quota,
        "appointment": appointment_id.hex if appointment_id else None,
    }
    _event(
        clinic,
        uow,
        actor,
        row,
        "override" if over else "use",
        note=why if over else text,
        detail=detail,
        patient_id=patient_id,
    )
    return _quota_view(session, row, benefit, the_day)


def record_use(
    clinic: Clinic,
    actor: Actor,
    membership_id: uuid.UUID,
    patient_id: uuid.UUID,
    benefit_key: str,
    day: date | None = None,
    note: str = "",
    override_reason: str | None = None,
) -> Written[QuotaView]:
    """Record one use of a quota benefit (a ledger row); ``QuotaExhausted`` past the
    quota unless the director gives ``override_reason``."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE, patient_id=None, object_type="membership")
    if override_reason is not None and str(override_reason).strip():
        clinic.require(
            actor,
            Action.MEMBERSHIP_OVERRIDE,
            object_type="membership",
            object_id=membership_id.hex if isinstance(membership_id, uuid.UUID) else "",
        )
    the_day = clinic.today() if day is None else _a_day(day, "day")
    with clinic.store.unit_of_work(write=True) as uow:
        view = record_use_in(
            clinic,
            uow,
            actor,
            membership_id=membership_id,
            patient_id=patient_id,
            benefit_key=benefit_key,
            day=the_day,
            note=note,
            override_reason=override_reason,
        )
        uow.commit()
    return Written(view, _changes(membership_id, patient_id))


def undo_id(use_id: uuid.UUID) -> uuid.UUID:
    """The -1 row that gives ``use_id`` back: derived, so giving it back twice (or on two
    desks offline) writes one row."""
    return uuid.uuid5(SYNCED_ROW_NAMESPACE, f"benefit_use_undo:{use_id}")


def _undo(clinic: Clinic, uow: UnitOfWork, actor: Actor, use: BenefitUse, why: str) -> BenefitUse:
    row = _membership_row(uow.session, use.membership_id)
    back = BenefitUse(
        id=undo_id(use.id),
        membership_id=use.membership_id,
        patient_id=use.patient_id,
        benefit_key=use.benefit_key,
        day=use.day,  # the same period gets the use back
        count=-1,
        appointment_id=use.appointment_id,
        note=why[:MAX_NOTE],
        by_id=actor.staff_id,
    )
    uow.session.add(back)
    uow.session.flush()
    _event(
        clinic,
        uow,
        actor,
        row,
        "use_undone",
        note=why,
        detail={
            "use": use.id.hex,
            "undo": back.id.hex,
            "benefit": use.benefit_key,
            "day": use.day.isoformat(),
        },
        patient_id=use.patient_id,
    )
    return back


def _net(session: Session, where: Any) -> int:
    return int(
        session.execute(
            select(func.coalesce(func.sum(BenefitUse.count), 0)).where(
                where, BenefitUse.deleted_at.is_(None)
            )
        ).scalar_one()
    )


def undo_use(clinic: Clinic, actor: Actor, use_id: uuid.UUID, reason: str) -> Written[QuotaView]:
    """Give a use back (recorded by mistake): a -1 ledger row on the use's day, so the
    use's period gets it back; the +1 row stays as history."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE, object_type="benefit_use")
    why = _reason(reason)
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        use = session.get(BenefitUse, use_id) if isinstance(use_id, uuid.UUID) else None
        if use is None or use.deleted_at is not None or use.count <= 0:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "benefit use"))
        if session.get(BenefitUse, undo_id(use.id)) is not None:
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "This use was already given back. Refresh the list.")
            )
        _undo(clinic, uow, actor, use, why)
        row = _membership_row(session, use.membership_id)
        tier = _any_tier(session, row.tier_id)
        benefit = next(
            (b for b in _parse_benefits(tier.benefits) if b.key == use.benefit_key),
            BenefitDef(use.benefit_key, "quota", 0),
        )
        view = _quota_view(session, row, benefit, use.day)
        uow.commit()
    return Written(view, _changes(row.id, use.patient_id))


def undo_for_appointment_in(
    clinic: Clinic, uow: UnitOfWork, actor: Actor, appointment_id: uuid.UUID, reason: str
) -> bool:
    """A cancelled home visit gives its use back; False when there is nothing (left) to
    undo, so a second call writes no second -1."""
    session = uow.session
    given = list(
        session.execute(
            select(BenefitUse)
            .where(
                BenefitUse.appointment_id == appointment_id,
                BenefitUse.count > 0,
                BenefitUse.deleted_at.is_(None),
            )
            .order_by(BenefitUse.created_at, BenefitUse.id)
        ).scalars()
    )
    use = next((u for u in given if session.get(BenefitUse, undo_id(u.id)) is None), None)
    if use is None:
        return False
    why = _text(reason, "reason", MAX_NOTE, required=False, multi_line=True) or "cancelled"
    _undo(clinic, uow, actor, use, why)
    return True


def allowance_in(
    session: Session, patient_id: uuid.UUID, benefit_key: str, day: date
) -> tuple[uuid.UUID, QuotaView] | None:
    """The patient's membership active on ``day`` with a quota of ``benefit_key`` and
    that quota's period, or None (not a member, suspended, or no such allowance)."""
    row = session.execute(
        select(Membership)
        .join(MembershipMember, MembershipMember.membership_id == Membership.id)
        .where(
            MembershipMember.patient_id == patient_id,
            _current_member(day),
            Membership.deleted_at.is_(None),
            Membership.status == "active",
            Membership.starts_on <= day,
            Membership.ends_on >= day,
        )
        .limit(1)
    ).scalar_one_or_none()
    if row is None:
        return None
    tier = _any_tier(session, row.tier_id)
    benefit = next(
        (b for b in _parse_benefits(tier.benefits) if b.key == benefit_key and b.kind == "quota"),
        None,
    )
    if benefit is None:
        return None
    return row.id, _quota_view(session, row, benefit, day)


def benefit_for_patient(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    benefit_key: str,
    day: date | None = None,
) -> tuple[MembershipView, QuotaView | None] | None:
    """The patient's live membership and, when its tier has a quota of the benefit, the
    quota on ``day`` (the booking dialog's "2 of 4 home visits left this year")."""
    _require_any(clinic, actor, Action.MEMBERSHIP_MANAGE, Action.APPOINTMENT_VIEW)
    today = clinic.today()
    the_day = today if day is None else _a_day(day, "day")
    with clinic.store.unit_of_work(write=False) as uow:
        session = uow.session
        row = _live_of(session, patient_id, today)
        if row is None:
            return None
        tier = _any_tier(session, row.tier_id)
        benefit = next(
            (
                b
                for b in _parse_benefits(tier.benefits)
                if b.key == benefit_key and b.kind == "quota"
            ),
            None,
        )
        quota = None
        if benefit is not None and the_day >= row.anchor_on:
            quota = _quota_view(session, row, benefit, the_day)
        return _view(clinic, session, row, today), quota


# -- reading ------------------------------------------------------------------------------


def get(clinic: Clinic, actor: Actor, membership_id: uuid.UUID) -> MembershipView:
    _require_any(clinic, actor, Action.MEMBERSHIP_MANAGE, Action.PATIENT_SEARCH)
    with clinic.store.unit_of_work(write=False) as uow:
        return _view(
            clinic, uow.session, _membership_row(uow.session, membership_id), clinic.today()
        )


def membership_of(clinic: Clinic, actor: Actor, patient_id: uuid.UUID) -> MembershipView | None:
    """The patient's live membership (as payer or member), or None."""
    _require_any(clinic, actor, Action.MEMBERSHIP_MANAGE, Action.PATIENT_SEARCH)
    today = clinic.today()
    with clinic.store.unit_of_work(write=False) as uow:
        row = _live_of(uow.session, patient_id, today)
        return None if row is None else _view(clinic, uow.session, row, today)


def find_by_card(clinic: Clinic, actor: Actor, card_text: str) -> MembershipView | None:
    """The membership whose card number was typed or scanned (None if the number is not
    a card number or no membership has it)."""
    _require_any(clinic, actor, Action.MEMBERSHIP_MANAGE, Action.PATIENT_SEARCH)
    digits = normalise_card_no(card_text)
    if digits is None:
        return None
    with clinic.store.unit_of_work(write=False) as uow:
        row = uow.session.execute(
            select(Membership)
            .where(Membership.card_no == _shown_card(digits), Membership.deleted_at.is_(None))
            .limit(1)
        ).scalar_one_or_none()
        return None if row is None else _view(clinic, uow.session, row, clinic.today())


def events(clinic: Clinic, actor: Actor, membership_id: uuid.UUID) -> list[EventView]:
    """The membership's history, oldest first."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE)
    with clinic.store.unit_of_work(write=False) as uow:
        session = uow.session
        _membership_row(session, membership_id)
        rows = list(
            session.execute(
                select(MembershipEvent)
                .where(
                    MembershipEvent.membership_id == membership_id,
                    MembershipEvent.deleted_at.is_(None),
                )
                .order_by(MembershipEvent.at, MembershipEvent.id)
            ).scalars()
        )
        names = staff.display_names(session, [r.by_id for r in rows])
        found = [(r.id, r.kind, r.at, r.by_id, r.note, r.detail) for r in rows]
    out = []
    for r_id, kind, at, by_id, note, text in found:
        try:
            detail = json.loads(text or "{}")
        except ValueError:
            detail = {}
        out.append(
            EventView(
                id=r_id,
                kind=kind,
                at=at,
                by_name=names.get(by_id, "") if by_id is not None else "",
                note=note,
                detail=detail if isinstance(detail, dict) else {},
            )
        )
    return out


def payments(clinic: Clinic, actor: Actor, membership_id: uuid.UUID) -> list[PaymentView]:
    """Payments and refunds, oldest first."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE)
    with clinic.store.unit_of_work(write=False) as uow:
        session = uow.session
        _membership_row(session, membership_id)
        rows = list(
            session.execute(
                select(MembershipPayment)
                .where(
                    MembershipPayment.membership_id == membership_id,
                    MembershipPayment.deleted_at.is_(None),
                )
                .order_by(MembershipPayment.paid_on, MembershipPayment.created_at)
            ).scalars()
        )
        names = staff.display_names(session, [r.by_id for r in rows])
        return [_payment_view(r, names) for r in rows]


def uses(clinic: Clinic, actor: Actor, membership_id: uuid.UUID) -> list[UseView]:
    """Benefit-use ledger rows, newest first (-1 rows: uses given back)."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE)
    with clinic.store.unit_of_work(write=False) as uow:
        session = uow.session
        _membership_row(session, membership_id)
        rows = session.execute(
            select(BenefitUse, Patient.family_name, Patient.given_name)
            .join(Patient, Patient.id == BenefitUse.patient_id)
            .where(BenefitUse.membership_id == membership_id, BenefitUse.deleted_at.is_(None))
            .order_by(BenefitUse.day.desc(), BenefitUse.created_at.desc())
        ).all()
        names = staff.display_names(session, [r[0].by_id for r in rows])
        return [
            UseView(
                id=u.id,
                patient_id=u.patient_id,
                patient_name=display_name(family, given),
                benefit_key=u.benefit_key,
                day=u.day,
                count=u.count,
                appointment_id=u.appointment_id,
                override_reason=u.override_reason,
                note=u.note,
                by_name=names.get(u.by_id, "") if u.by_id is not None else "",
            )
            for u, family, given in rows
        ]


_Payer = aliased(Patient)


def _list_query(today: date) -> Any:
    members = (
        select(func.count(MembershipMember.id))
        .where(MembershipMember.membership_id == Membership.id, _current_member(today))
        .correlate(Membership)
        .scalar_subquery()
    )
    return (
        select(
            Membership.id,
            Membership.card_no,
            Membership.tier_id,
            MemberTier.code,
            MemberTier.name_zh_cn,
            MemberTier.name_zh_tw,
            MemberTier.name_en,
            MemberTier.color,
            Membership.payer_id,
            _Payer.family_name,
            _Payer.given_name,
            _Payer.phone,
            members,
            Membership.starts_on,
            Membership.ends_on,
            Membership.status,
        )
        .join(MemberTier, MemberTier.id == Membership.tier_id)
        .join(_Payer, _Payer.id == Membership.payer_id)
        .where(Membership.deleted_at.is_(None))
    )


def _tier_name(code: str, zh_cn: str, zh_tw: str, en: str, language: str) -> str:
    """A tier's name in ``language``, falling back to the Simplified name, then English,
    then its code."""
    if language == "en" and en:
        return en
    if language == "zh_TW" and zh_tw:
        return zh_tw
    return zh_cn or en or code


def _row_name(row: MemberTier) -> str:
    """A tier row's name for the service's own sentences (Simplified Chinese first)."""
    return _tier_name(row.code, row.name_zh_cn, row.name_zh_tw, row.name_en, "zh_CN")


def _items(clinic: Clinic, rows: Iterable[Any], today: date, language: str) -> list[ListItem]:
    region = str(clinic.setting("clinic.phone_region"))
    out = []
    for (
        membership_id, card_no, tier_id, code, zh_cn, zh_tw, en, color, payer_id, family,
        given, phone, members, starts_on, ends_on, status,
    ) in rows:  # fmt: skip
        out.append(
            ListItem(
                membership_id=membership_id,
                card_no=card_no,
                tier_id=tier_id,
                tier_name=_tier_name(code, zh_cn, zh_tw, en, language),
                color=color,
                payer_id=payer_id,
                payer_name=display_name(family, given),
                phone=format_phone(phone, region=region) if phone else "",
                members=int(members or 0),
                starts_on=starts_on,
                ends_on=ends_on,
                status=effective_status(status, starts_on, ends_on, today),
                days_left=(ends_on - today).days,
            )
        )
    return out


def _status_where(status: str, today: date) -> Any:
    running = Membership.status.in_(("active", "suspended"))
    if status == "live":
        return and_(running, Membership.ends_on >= today)
    if status == "active":
        return and_(
            Membership.status == "active",
            Membership.starts_on <= today,
            Membership.ends_on >= today,
        )
    if status == "upcoming":
        return and_(running, Membership.starts_on > today)
    if status == "suspended":
        return and_(Membership.status == "suspended", Membership.ends_on >= today)
    if status == "expired":
        return and_(running, Membership.ends_on < today)
    if status == "cancelled":
        return Membership.status == "cancelled"
    return Membership.id.is_not(None)


def _people_where(patient_ids: Any) -> Any:
    """Memberships one of whose people (payer or member, past ones too) is in
    ``patient_ids`` (a subquery of patient ids)."""
    return Membership.id.in_(
        select(MembershipMember.membership_id).where(
            MembershipMember.deleted_at.is_(None), MembershipMember.patient_id.in_(patient_ids)
        )
    )


def _text_where(typed: str) -> Any:
    """Memberships matching ``typed`` (cleaned, not empty) through indexes only.

    A card number (the check digit right) is looked up as one, on ``card_no``'s index.
    Else the people's search keys (``patient_search_key``, the desk's patient search
    index: name, given name, pinyin, every 4+ digit run of a phone, record number, ID
    number; the key built by ``search_keys.normalize_query`` as the patient search
    builds it) find the matching patients first, then their memberships; an exact
    record number comes by ``patient.record_no``'s index; 4+ digits also match inside a
    card number (the memberships are read anyway)."""
    card = normalise_card_no(typed)
    if card is not None:
        return Membership.card_no == _shown_card(card)
    conditions = []
    key = normalize_query(typed)
    if key:
        conditions.append(
            _people_where(
                select(PatientSearchKey.patient_id).where(
                    PatientSearchKey.key >= key, PatientSearchKey.key < key + "\U0010ffff"
                )
            )
        )
    conditions.append(_people_where(select(Patient.id).where(Patient.record_no == typed)))
    digits = "".join(ch for ch in typed if ch.isdigit() and ch.isascii())
    if len(digits) >= 4 and len(digits) == len(typed.replace(" ", "").replace("-", "")):
        conditions.append(func.replace(Membership.card_no, " ", "").like(f"%{digits}%"))
    return or_(*conditions)


def _substring_where(typed: str) -> Any:
    """The fallback when the keys find nobody: a person's written name holding
    ``typed`` anywhere (a middle character of a name is no key's start)."""
    needle = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return _people_where(
        select(MembershipMember.patient_id)
        .join(Patient, Patient.id == MembershipMember.patient_id)
        .where(
            MembershipMember.deleted_at.is_(None),
            (Patient.family_name + Patient.given_name).like(f"%{needle}%", escape="\\"),
        )
    )


def search(
    clinic: Clinic,
    actor: Actor,
    text: str = "",
    status: str = "live",
    tier_id: uuid.UUID | None = None,
    limit: int = 500,
    *,
    language: str | None = None,
) -> list[ListItem]:
    """Memberships by a person's name (or pinyin), phone digits, record number or the
    card number, soonest ending first; one query (a second, by a name substring, only
    when the first finds nothing)."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE)
    if status not in SEARCH_STATUSES:
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Choose which memberships to show."))
    if not isinstance(text, str):
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Type a name, phone or card number."))
    today = clinic.today()
    lang = _language(clinic, language)
    stmt = _list_query(today).where(_status_where(status, today))
    if tier_id is not None:
        stmt = stmt.where(Membership.tier_id == tier_id)
    typed = _clean(text, multi_line=False)[:100]
    top = max(1, min(int(limit), 5000))
    order = (Membership.ends_on, Membership.id)
    with clinic.store.unit_of_work(write=False) as uow:
        if not typed:
            rows = uow.session.execute(stmt.order_by(*order).limit(top)).all()
        else:
            rows = uow.session.execute(
                stmt.where(_text_where(typed)).order_by(*order).limit(top)
            ).all()
            if not rows and normalise_card_no(typed) is None:
                rows = uow.session.execute(
                    stmt.where(_substring_where(typed)).order_by(*order).limit(top)
                ).all()
    return _items(clinic, rows, today, lang)


def history_of(
    clinic: Clinic, actor: Actor, patient_id: uuid.UUID, *, language: str | None = None
) -> list[ListItem]:
    """Every membership the patient was ever in (as payer or member), newest first."""
    _require_any(clinic, actor, Action.MEMBERSHIP_MANAGE, Action.PATIENT_SEARCH)
    today = clinic.today()
    stmt = (
        _list_query(today)
        .where(
            exists().where(
                MembershipMember.membership_id == Membership.id,
                MembershipMember.patient_id == patient_id,
                MembershipMember.deleted_at.is_(None),
            )
        )
        .order_by(Membership.starts_on.desc(), Membership.created_at.desc())
    )
    with clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.execute(stmt).all()
    return _items(clinic, rows, today, _language(clinic, language))


# -- badges and priority (reception board, doctor's queue, A10) ---------------------------

_BADGE_CHUNK = 500


def badges_in(
    session: Session, patient_ids: Iterable[uuid.UUID], day: date, language: str = "zh_CN"
) -> dict[uuid.UUID, Badge]:
    """Badges of the patients with a running (active or suspended) membership on
    ``day``: one query over membership_member, membership and member_tier."""
    wanted = list(dict.fromkeys(patient_ids))
    out: dict[uuid.UUID, Badge] = {}
    for start in range(0, len(wanted), _BADGE_CHUNK):
        part = wanted[start : start + _BADGE_CHUNK]
        rows = session.execute(
            select(
                MembershipMember.patient_id,
                Membership.id,
                Membership.status,
                Membership.ends_on,
                MemberTier.code,
                MemberTier.name_zh_cn,
                MemberTier.name_zh_tw,
                MemberTier.name_en,
                MemberTier.color,
                MemberTier.benefits,
            )
            .join(Membership, Membership.id == MembershipMember.membership_id)
            .join(MemberTier, MemberTier.id == Membership.tier_id)
            .where(
                MembershipMember.patient_id.in_(part),
                _current_member(day),
                Membership.deleted_at.is_(None),
                Membership.status.in_(("active", "suspended")),
                Membership.starts_on <= day,
                Membership.ends_on >= day,
            )
        ).all()
        for patient_id, m_id, status, ends_on, code, zh_cn, zh_tw, en, color, benefits in rows:
            badge = Badge(
                patient_id=patient_id,
                membership_id=m_id,
                tier_code=code,
                tier_name=_tier_name(code, zh_cn, zh_tw, en, language),
                color=color,
                status=status,
                priority=status == "active"
                and any(b.key == "priority_booking" for b in _parse_benefits(benefits)),
                ends_on=ends_on,
            )
            held = out.get(patient_id)
            # Two overlapping memberships (after sync): the active one, then the later end.
            if held is None or (badge.status == "active", badge.ends_on) > (
                held.status == "active",
                held.ends_on,
            ):
                out[patient_id] = badge
    return out


def badges(
    clinic: Clinic,
    actor: Actor,
    patient_ids: Iterable[uuid.UUID],
    day: date | None = None,
    *,
    language: str | None = None,
) -> dict[uuid.UUID, Badge]:
    """``badges_in`` for any signed-in staff member (a badge shows a tier name only)."""
    del actor  # no permission beyond being signed in
    the_day = clinic.today() if day is None else _a_day(day, "day")
    with clinic.store.unit_of_work(write=False) as uow:
        return badges_in(uow.session, patient_ids, the_day, _language(clinic, language))


# Is anyone a member with priority booking on a day? The calendar holds slots (A10) only
# then: a clinic without such members holds nothing (no one could take the slots) and
# shows no shading until the first one enrols. One small read, stopped at the first row.
PRIORITY_MEMBERS_SQL = """
SELECT 1 FROM membership m JOIN member_tier t ON t.id = m.tier_id
WHERE m.deleted_at IS NULL AND m.status = 'active' AND m.starts_on <= ? AND m.ends_on >= ?
  AND t.benefits LIKE '%"priority_booking"%'
LIMIT 1
"""


def day_params(day: date) -> tuple[str, str]:
    """``PRIORITY_MEMBERS_SQL``'s parameters for ``day``."""
    return day.isoformat(), day.isoformat()


def priority_members_in(session: Session, day: date) -> bool:
    """Whether any membership with priority booking is active on ``day``."""
    session.flush()
    found = session.connection().exec_driver_sql(PRIORITY_MEMBERS_SQL, day_params(day))
    return bool(found.all())


def has_priority_in(session: Session, patient_id: uuid.UUID, day: date) -> bool:
    """Whether the patient has an active membership with priority booking on ``day``."""
    badge = badges_in(session, [patient_id], day).get(patient_id)
    return badge is not None and badge.priority


# -- reports (H2) -------------------------------------------------------------------------


def members_by_tier(
    clinic: Clinic, actor: Actor, day: date | None = None, *, language: str | None = None
) -> list[TierCount]:
    """Running memberships (active, suspended, not begun) and the people they cover, per
    tier; tiers in their order, retired ones only while they have members."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE)
    the_day = clinic.today() if day is None else _a_day(day, "day")
    lang = _language(clinic, language)
    with clinic.store.unit_of_work(write=False) as uow:
        session = uow.session
        tiers = _tiers(session, include_retired=True)
        counts: dict[uuid.UUID, list[int]] = {}
        for tier_id, status, n in session.execute(
            select(Membership.tier_id, Membership.status, func.count(Membership.id))
            .where(_live_where(the_day))
            .group_by(Membership.tier_id, Membership.status)
        ).all():
            slot = counts.setdefault(tier_id, [0, 0, 0])
            slot[0] += int(n)
            if status == "suspended":
                slot[2] += int(n)
        for tier_id, n in session.execute(
            select(Membership.tier_id, func.count(MembershipMember.id))
            .join(MembershipMember, MembershipMember.membership_id == Membership.id)
            .where(_live_where(the_day), _current_member(the_day))
            .group_by(Membership.tier_id)
        ).all():
            counts.setdefault(tier_id, [0, 0, 0])[1] = int(n)
        out = []
        for t in tiers:
            m, people, suspended = counts.get(t.id, [0, 0, 0])
            if t.retired_at is not None and not m:
                continue
            out.append(
                TierCount(
                    t.id,
                    _tier_name(t.code, t.name_zh_cn, t.name_zh_tw, t.name_en, lang),
                    m,
                    people,
                    suspended,
                )
            )
    return out


def renewals_due(
    clinic: Clinic,
    actor: Actor,
    day: date | None = None,
    days: int | None = None,
    *,
    language: str | None = None,
) -> list[ListItem]:
    """Running memberships ending within ``days`` (``membership.renewal_reminder_days``
    by default), soonest first."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE)
    the_day = clinic.today() if day is None else _a_day(day, "day")
    window = int(clinic.setting("membership.renewal_reminder_days")) if days is None else days
    if not _whole(window) or not 0 <= window <= 3660:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Give the number of days ahead, 0 or more.")
        )
    stmt = (
        _list_query(the_day)
        .where(_live_where(the_day), Membership.ends_on <= the_day + timedelta(days=window))
        .order_by(Membership.ends_on, Membership.id)
    )
    with clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.execute(stmt).all()
    return _items(clinic, rows, the_day, _language(clinic, language))


def lapsed(
    clinic: Clinic, actor: Actor, day: date | None = None, *, language: str | None = None
) -> list[ListItem]:
    """Memberships expired within ``membership.grace_days`` and not renewed (the payer
    has no running membership since), most recently ended first."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE)
    the_day = clinic.today() if day is None else _a_day(day, "day")
    grace = int(clinic.setting("membership.grace_days"))
    other = aliased(Membership)
    link = aliased(MembershipMember)
    renewed = exists().where(
        link.patient_id == Membership.payer_id,
        link.deleted_at.is_(None),
        or_(link.left_on.is_(None), link.left_on > the_day),
        other.id == link.membership_id,
        other.id != Membership.id,
        other.deleted_at.is_(None),
        other.status.in_(("active", "suspended")),
        other.ends_on >= the_day,
    )
    stmt = (
        _list_query(the_day)
        .where(
            Membership.status.in_(("active", "suspended")),
            Membership.ends_on < the_day,
            Membership.ends_on >= the_day - timedelta(days=grace),
            ~renewed,
        )
        .order_by(Membership.ends_on.desc(), Membership.id)
    )
    with clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.execute(stmt).all()
    return _items(clinic, rows, the_day, _language(clinic, language))


def benefit_use(
    clinic: Clinic, actor: Actor, first: date, last: date, *, language: str | None = None
) -> list[UseRow]:
    """Uses per tier and benefit between two days (net of uses given back), with how
    many people used them."""
    clinic.require(actor, Action.MEMBERSHIP_MANAGE)
    start = _a_day(first, "first day")
    end = _a_day(last, "last day")
    if end < start:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The last day is before the first. Swap them.")
        )
    lang = _language(clinic, language)
    with clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.execute(
            select(
                MemberTier.code,
                MemberTier.name_zh_cn,
                MemberTier.name_zh_tw,
                MemberTier.name_en,
                MemberTier.benefits,
                BenefitUse.benefit_key,
                BenefitUse.patient_id,
                func.sum(BenefitUse.count),
            )
            .join(Membership, Membership.id == BenefitUse.membership_id)
            .join(MemberTier, MemberTier.id == Membership.tier_id)
            .where(
                BenefitUse.day >= start,
                BenefitUse.day <= end,
                BenefitUse.deleted_at.is_(None),
            )
            .group_by(MemberTier.id, BenefitUse.benefit_key, BenefitUse.patient_id)
            .order_by(MemberTier.position, BenefitUse.benefit_key)
        ).all()
    totals: dict[tuple[str, str], list[Any]] = {}
    for code, zh_cn, zh_tw, en, benefits, key, _patient, n in rows:
        name = _tier_name(code, zh_cn, zh_tw, en, lang)
        label = next(
            (b.title() for b in _parse_benefits(benefits) if b.key == key), BENEFITS.get(key, key)
        )
        slot = totals.setdefault((name, key), [label, 0, 0])
        slot[1] += int(n or 0)
        if int(n or 0) > 0:
            slot[2] += 1
    return [
        UseRow(name, key, label, uses_, people)
        for (name, key), (label, uses_, people) in totals.items()
    ]


# -- overdrafts after sync (H2, issue 11) -------------------------------------------------


@dataclass(frozen=True)
class _Overdrawn:
    membership_id: uuid.UUID
    card_no: str
    payer_id: uuid.UUID
    benefit: BenefitDef
    state: rules.QuotaState


def _overdraft_periods(session: Session) -> list[_Overdrawn]:
    """Quota periods whose ledger holds more uses than the quota, an unreviewed row, and
    an excess not all covered by the director's overrides.

    Plain columns only, three SELECTs: the tiers' quotas (a handful of rows); the ledger
    groups (membership, benefit) that hold an unreviewed row and, all periods together,
    more uses than the membership's tier allows in one period (no other group can hold
    an overdraft); the rows of those groups. The periods are then counted here, each
    group's rows walked in day order (``rules.period_of`` once per period, not per row)."""
    quotas: dict[uuid.UUID, dict[str, BenefitDef]] = {}
    for tier_id, text in session.execute(select(MemberTier.id, MemberTier.benefits)):
        quotas[tier_id] = {b.key: b for b in _parse_benefits(text) if b.kind == "quota"}
    quota_of = [
        (and_(Membership.tier_id == tier_id, BenefitUse.benefit_key == key), b.quota)
        for tier_id, by_key in quotas.items()
        for key, b in by_key.items()
    ]
    if not quota_of:
        return []
    keys = sorted({key for by_key in quotas.values() for key in by_key})
    uses_in = func.sum(case((BenefitUse.count > 0, BenefitUse.count), else_=0))
    unreviewed = func.sum(case((BenefitUse.reviewed_at.is_(None), 1), else_=0))
    groups = session.execute(
        select(
            BenefitUse.membership_id,
            BenefitUse.benefit_key,
            Membership.tier_id,
            Membership.anchor_on,
            Membership.card_no,
            Membership.payer_id,
        )
        .join(Membership, Membership.id == BenefitUse.membership_id)
        .where(
            BenefitUse.deleted_at.is_(None),
            BenefitUse.benefit_key.in_(keys),
            Membership.deleted_at.is_(None),
        )
        .group_by(BenefitUse.membership_id, BenefitUse.benefit_key, Membership.tier_id)
        .having(unreviewed > 0, uses_in > case(*quota_of, else_=None))
    ).all()
    if not groups:
        return []
    wanted = {(membership_id, key) for membership_id, key, *_rest in groups}
    # (day, count, an override, unreviewed) per group, in day order.
    ledgers: dict[tuple[uuid.UUID, str], list[tuple[date, int, bool, bool]]] = {}
    for membership_id, key, day, count, override_reason, open_ in session.execute(
        select(
            BenefitUse.membership_id,
            BenefitUse.benefit_key,
            BenefitUse.day,
            BenefitUse.count,
            BenefitUse.override_reason,
            BenefitUse.reviewed_at.is_(None),
        )
        .where(
            BenefitUse.deleted_at.is_(None),
            BenefitUse.membership_id.in_(sorted({m for m, _k in wanted})),
            BenefitUse.benefit_key.in_(sorted({k for _m, k in wanted})),
        )
        .order_by(BenefitUse.membership_id, BenefitUse.benefit_key, BenefitUse.day)
    ):
        if (membership_id, key) in wanted:
            ledgers.setdefault((membership_id, key), []).append(
                (day, int(count), bool(override_reason), bool(open_))
            )
    out = []
    for membership_id, key, tier_id, anchor_on, card_no, payer_id in groups:
        benefit = quotas[tier_id][key]
        for state, overrides, any_open in _periods_over(
            anchor_on, benefit, ledgers.get((membership_id, key), [])
        ):
            if state.used - state.quota <= overrides:
                continue  # the director's own decisions
            if not any_open:
                continue  # reviewed already
            out.append(_Overdrawn(membership_id, card_no, payer_id, benefit, state))
    return out


def _periods_over(
    anchor: date, benefit: BenefitDef, ledger: Sequence[tuple[date, int, bool, bool]]
) -> list[tuple[rules.QuotaState, int, bool]]:
    """As ``rules.overdrafts`` (uses before the anchor belong to no period), for a ledger
    in day order: each period past the quota, with its overriding uses and whether it
    holds an unreviewed row."""
    out = []
    last: date | None = None
    first = anchor
    used = overrides = 0
    any_open = False

    def close() -> None:
        if last is not None and used > benefit.quota:
            out.append((rules.QuotaState(first, last, benefit.quota, used), overrides, any_open))

    for day, count, override, open_ in ledger:
        if day < anchor:
            continue
        if last is None or day > last:
            close()
            _n, first, last = rules.period_of(anchor, benefit.period, day)
            used = overrides = 0
            any_open = False
        used += count
        overrides += 1 if count > 0 and override else 0
        any_open = any_open or open_
    close()
    return out


def overdrafts(clinic: Clinic, actor: Actor) -> list[OverdraftView]:
    """Quota periods used past their quota (two desks offline each recorded the last
    use), not yet reviewed by the director; oldest first."""
    clinic.require(actor, Action.MEMBERSHIP_OVERRIDE)
    with clinic.store.unit_of_work(write=False) as uow:
        session = uow.session
        found = _overdraft_periods(session)
        payers = sorted({o.payer_id for o in found})
        names = (
            {
                pid: display_name(family, given)
                for pid, family, given in session.execute(
                    select(Patient.id, Patient.family_name, Patient.given_name).where(
                        Patient.id.in_(payers)
                    )
                )
            }
            if payers
            else {}
        )
    views = [
        OverdraftView(
            membership_id=o.membership_id,
            card_no=o.card_no,
            payer_name=names.get(o.payer_id, ""),
            benefit_key=o.benefit.key,
            label=o.benefit.title(),
            first=o.state.first,
            last=o.state.last,
            quota=o.state.quota,
            used=o.state.used,
        )
        for o in found
    ]
    views.sort(key=lambda v: (v.first, v.card_no, v.benefit_key))
    return views


def mark_overdraft_seen(
    clinic: Clinic, actor: Actor, membership_id: uuid.UUID, benefit_key: str, first: date
) -> Written[None]:
    """The director has seen this overdraft; it leaves the list (a later use in the same
    period brings it back)."""
    clinic.require(actor, Action.MEMBERSHIP_OVERRIDE, object_type="membership")
    start = _a_day(first, "first day")
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        row = _membership_row(session, membership_id)
        tier = _any_tier(session, row.tier_id)
        benefit = _benefit_of(tier, benefit_key)
        _n, pfirst, plast = rules.period_of(
            row.anchor_on, benefit.period, max(start, row.anchor_on)
        )
        now = clinic.now()
        marked = 0
        for u in session.execute(
            select(BenefitUse).where(
                BenefitUse.membership_id == row.id,
                BenefitUse.benefit_key == benefit.key,
                BenefitUse.day >= pfirst,
                BenefitUse.day <= plast,
                BenefitUse.deleted_at.is_(None),
                BenefitUse.reviewed_at.is_(None),
            )
        ).scalars():
            u.reviewed_at = now
            u.updated_at = now
            marked += 1
        if not marked:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors", "This overdraft was already reviewed. Refresh the list."
                )
            )
        used = _net(
            session,
            and_(
                BenefitUse.membership_id == row.id,
                BenefitUse.benefit_key == benefit.key,
                BenefitUse.day >= pfirst,
                BenefitUse.day <= plast,
            ),
        )
        _event(
            clinic,
            uow,
            actor,
            row,
            "overdraft_seen",
            detail={
                "benefit": benefit.key,
                "first": pfirst.isoformat(),
                "last": plast.isoformat(),
                "used": used,
                "quota": benefit.quota,
            },
        )
        uow.commit()
    return Written(None, _changes(row.id))


# -- derived follow-up work: annual health plan, renewal reminders --------------------------

# Task titles are stored data, read by the caller: in the clinic's language (like the
# shipped message wording), not the screen's.
_PLAN_TITLES = {
    "zh_CN": "第{n}次回访（共{total}次）",
    "zh_TW": "第{n}次關懷（共{total}次）",
    "en": "call {n} of {total}",
}
_RENEWAL_TITLES = {
    "zh_CN": "{tier}（卡号 {card}）将于{end}到期",
    "zh_TW": "{tier}（卡號 {card}）將於{end}到期",
    "en": "{tier} membership (card {card}) ends on {end}",
}
PLAN_DUE_DAYS = 14  # how long a check-in call stays due


def _plan_task_id(
    membership_id: uuid.UUID, patient_id: uuid.UUID, term_start: date, n: int
) -> uuid.UUID:
    return uuid.uuid5(
        SYNCED_ROW_NAMESPACE, f"health_plan:{membership_id}:{patient_id}:{term_start}:{n}"
    )


def renewal_task_id(membership_id: uuid.UUID, ends_on: date) -> uuid.UUID:
    return uuid.uuid5(SYNCED_ROW_NAMESPACE, f"renewal:{membership_id}:{ends_on.isoformat()}")


def renewal_message_id(membership_id: uuid.UUID, ends_on: date) -> uuid.UUID:
    return uuid.uuid5(
        SYNCED_ROW_NAMESPACE, f"renewal_message:{membership_id}:{ends_on.isoformat()}"
    )


def plan_days(first: date, last: date, checkups: int) -> list[date]:
    """The check-in days of one year of the plan (``first``..``last``): the first a month
    after it begins, the rest spread evenly over what is left."""
    start = rules.add_months(first, 1)
    if start > last:
        start = first
    span = (last - start).days + 1
    return [start + timedelta(days=k * span // checkups) for k in range(checkups)]


def _plan_tasks(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    row: Membership,
    patient_ids: Sequence[uuid.UUID],
    first: date,
    last: date,
    *,
    not_before: date,
) -> list[uuid.UUID]:
    """Annual-plan check-ins for ``patient_ids`` over ``first``..``last``, one set per
    year of it; days before ``not_before`` are skipped (a member added mid-year)."""
    session = uow.session
    checkups = int(clinic.setting("membership.plan_checkups"))
    language = _language(clinic, None)
    now = clinic.now()
    made: list[uuid.UUID] = []
    year_start = first
    while year_start <= last:
        year_end = min(last, rules.add_months(year_start, 12) - timedelta(days=1))
        days = plan_days(year_start, year_end, checkups)
        for patient_id in patient_ids:
            patient = session.get(Patient, patient_id)
            if patient is None or patient.deceased_on is not None:
                continue
            for n, day in enumerate(days, start=1):
                if day < not_before:
                    continue
                task_id = _plan_task_id(row.id, patient_id, year_start, n)
                if session.get(FollowupTask, task_id) is not None:
                    continue
                session.add(
                    FollowupTask(
                        id=task_id,
                        patient_id=patient_id,
                        kind="health_plan",
                        source_id=row.id,
                        step_no=n,
                        channel="phone",
                        caller_role="health_manager",
                        title=_PLAN_TITLES[language].format(n=n, total=checkups),
                        due_from=day,
                        due_by=min(year_end, day + timedelta(days=PLAN_DUE_DAYS)),
                        status="open",
                        created_by=actor.staff_id,
                        created_at=now,
                        updated_at=now,
                    )
                )
                made.append(task_id)
        year_start = year_end + timedelta(days=1)
    if made:
        session.flush()
    return made


def _close_tasks(
    clinic: Clinic,
    uow: UnitOfWork,
    row: Membership,
    kinds: Sequence[str],
    reason: str,
    *,
    patient_id: uuid.UUID | None = None,
) -> list[uuid.UUID]:
    """Close the membership's open derived tasks of ``kinds``."""
    stmt = select(FollowupTask).where(
        FollowupTask.source_id == row.id,
        FollowupTask.kind.in_(list(kinds)),
        FollowupTask.status == "open",
        FollowupTask.deleted_at.is_(None),
    )
    if patient_id is not None:
        stmt = stmt.where(FollowupTask.patient_id == patient_id)
    now = clinic.now()
    closed: list[uuid.UUID] = []
    for task in uow.session.execute(stmt).scalars():
        task.status = "closed"
        task.close_reason = reason
        task.updated_at = now
        closed.append(task.id)
    return closed


def _has(tier: MemberTier, key: str) -> bool:
    return any(b.key == key for b in _parse_benefits(tier.benefits))


def renewal_work_in(
    clinic: Clinic, uow: UnitOfWork, actor: Actor, day: date
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Renewal reminders due on ``day`` (H2): for each membership ending within
    ``membership.renewal_reminder_days``, one call task for customer service (payer,
    due until the end) and one outbox message (``membership_renewal``). Ids derived
    from the membership and its end, so every desk and every run makes the same rows.
    Open renewal tasks of memberships since renewed or cancelled are closed.

    Returns (task ids made, message ids queued)."""
    from clinic_desk.core.outbox import templates as message_templates
    from clinic_desk.core.services import outbox

    session = uow.session
    days = int(clinic.setting("membership.renewal_reminder_days"))
    language = _language(clinic, None)
    now = clinic.now()
    # Open reminders no longer needed (renewed: the end moved; cancelled; gone).
    for task, status, ends_on, gone in session.execute(
        select(FollowupTask, Membership.status, Membership.ends_on, Membership.deleted_at)
        .outerjoin(Membership, Membership.id == FollowupTask.source_id)
        .where(
            FollowupTask.kind == "renewal",
            FollowupTask.status == "open",
            FollowupTask.deleted_at.is_(None),
        )
    ).all():
        if gone is not None or status is None or status == "cancelled":
            task.status, task.close_reason, task.updated_at = "closed", "cancelled", now
        elif ends_on != task.due_by:
            task.status, task.close_reason, task.updated_at = "closed", "renewed", now
    rows = session.execute(
        select(Membership, MemberTier, Patient)
        .join(MemberTier, MemberTier.id == Membership.tier_id)
        .join(Patient, Patient.id == Membership.payer_id)
        .where(
            _live_where(day),
            Membership.ends_on <= day + timedelta(days=days),
            Patient.deleted_at.is_(None),
            Patient.deceased_on.is_(None),
        )
        .order_by(Membership.ends_on)
    ).all()
    made: list[uuid.UUID] = []
    requests = []
    ids = [renewal_task_id(m.id, m.ends_on) for m, _t, _p in rows]
    existing = (
        set(session.execute(select(FollowupTask.id).where(FollowupTask.id.in_(ids))).scalars())
        if ids
        else set()
    )
    for m, tier, patient in rows:
        if not rules.renewal_due(m.ends_on, day, days):
            continue
        tier_name = _tier_view(tier, 0).name(language)
        task_id = renewal_task_id(m.id, m.ends_on)
        if task_id not in existing and not patient.opt_out_calls:
            session.add(
                FollowupTask(
                    id=task_id,
                    patient_id=patient.id,
                    kind="renewal",
                    source_id=m.id,
                    channel="phone",
                    caller_role="customer_service",
                    title=_RENEWAL_TITLES[language].format(
                        tier=tier_name, card=m.card_no, end=m.ends_on.isoformat()
                    )[:200],
                    due_from=day,
                    due_by=m.ends_on,
                    status="open",
                    created_by=actor.staff_id,
                    created_at=now,
                    updated_at=now,
                )
            )
            made.append(task_id)
        end_values = message_templates.appointment_values(
            datetime.combine(m.ends_on, time(12, 0), tzinfo=clinic.timezone()),
            clinic.timezone(),
            language,
        )
        requests.append(
            outbox.QueueRequest(
                patient_id=patient.id,
                message_id=renewal_message_id(m.id, m.ends_on),
                values={"date": end_values["date"]},
                source_id=m.id,
            )
        )
    queued: list[uuid.UUID] = []
    if requests:
        results = outbox.queue_many_in(
            clinic,
            uow,
            purpose="renewal",
            template_code="membership_renewal",
            requests=requests,
            not_before=now,
            created_by=actor.staff_id,
        )
        queued = [r for r in results if isinstance(r, uuid.UUID)]
    if made:
        session.flush()
    return made, queued

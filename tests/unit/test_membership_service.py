"""Membership tiers through the service (issue 11, spec H1-H3, A10): the seed tiers,
tier editing, enrolment (single and family), renewal, tier changes under each pro-rata
rule, suspension, cancellation, payments, the benefit-use ledger with quotas per period
across period boundaries, the director's override, overdrafts after sync, badges,
reports, renewal reminders on the worklist and through the outbox, the annual health
plan, permissions and audit. A real encrypted clinic from the fixtures, a fake clock."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from clinic_desk.core.errors import NotFound, PermissionDenied, ValidationError
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import followups, patients
from clinic_desk.core.services import membership as ms
from clinic_desk.core.services.base import Topic
from clinic_desk.core.services.membership import (
    BenefitDef,
    CareTeamInput,
    EnrolInput,
    MemberInput,
    PaymentInput,
    QuotaExhausted,
    TierInput,
)
from clinic_desk.core.services.settings import update_settings
from clinic_desk.core.store.models import (
    AuditEntry,
    BenefitUse,
    FollowupTask,
    MembershipEvent,
    MemberTier,
    OutboxMessage,
)
from tests.conftest import ClinicFixture
from tests.unit.test_followups_plans import _actor

TODAY = date(2026, 11, 23)  # the fake clock's day in Shanghai


def _patient(cf: ClinicFixture, family: str, given: str, phone: str, **kw: Any) -> uuid.UUID:
    return patients.register_patient(
        cf.clinic,
        cf.director,
        family_name=family,
        given_name=given,
        sex=kw.pop("sex", "F"),
        birth_date=kw.pop("birth_date", date(1980, 1, 1)),
        phone=phone,
        **kw,
    ).value.id


@pytest.fixture
def w(cf: ClinicFixture) -> dict[str, Any]:
    tiers = {t.code: t for t in ms.list_tiers(cf.clinic, cf.director)}
    return {
        "cf": cf,
        "c": cf.clinic,
        "boss": cf.director,
        "desk": _actor(cf, Role.RECEPTIONIST, "desk1", "前台小张"),
        "pharmacist": _actor(cf, Role.PHARMACIST, "pharm1", "药师老陈"),
        "tiers": tiers,
        "wang": _patient(cf, "王", "秀英", "13812345678"),
        "li": _patient(cf, "李", "建国", "13912345679", sex="M", birth_date=date(1978, 5, 2)),
        "kid": _patient(cf, "李", "小雨", "13612345670", birth_date=date(2015, 3, 3)),
        "gran": _patient(cf, "赵", "桂兰", "13712345671", birth_date=date(1950, 7, 7)),
        "zhou": _patient(cf, "周", "敏", "13512345672", birth_date=date(1990, 9, 9)),
    }


def _pay(amount: int, **kw: Any) -> PaymentInput:
    return PaymentInput(
        amount_cents=amount,
        paid_on=kw.pop("paid_on", TODAY),
        method=kw.pop("method", "wechat"),
        receipt_no=kw.pop("receipt_no", "R-0001"),
        **kw,
    )


def _enrol(w: dict[str, Any], code: str, payer: str, *others: str, **kw: Any) -> ms.MembershipView:
    actor = kw.pop("actor", w["desk"])
    members = tuple(MemberInput(w[o], "child" if o == "kid" else "spouse") for o in others)
    data = EnrolInput(w["tiers"][code].id, w[payer], members, **kw)
    return ms.enrol(w["c"], actor, data).value


def _load(c: Any, stmt: Any) -> list[Any]:
    """Rows read in their own transaction, detached whole (no lazy loads later)."""
    with c.store.unit_of_work(write=False) as uow:
        rows = list(uow.session.execute(stmt).scalars())
        uow.session.expunge_all()
        return rows


def _audits(cf: ClinicFixture, action: str, outcome: str = "ok") -> list[AuditEntry]:
    return _load(
        cf.clinic,
        select(AuditEntry).where(AuditEntry.action == action, AuditEntry.outcome == outcome),
    )


def _move_to(cf: ClinicFixture, day: date) -> None:
    """The fake clock to 10:00 in Shanghai on ``day``."""
    cf.clock.advance(days=(day - cf.clinic.today()).days)
    assert cf.clinic.today() == day


# -- tiers (H1) ---------------------------------------------------------------------------


def test_h1_seed_tiers_exist_once_after_two_opens(cf: ClinicFixture) -> None:
    cf.reopen()
    cf.reopen()
    tiers = ms.list_tiers(cf.clinic, cf.director)
    assert [t.code for t in tiers] == ["basic", "advanced", "premium"]
    basic, advanced, premium = tiers
    assert basic.price_cents == 98_000 and basic.max_members == 1
    assert {b.key for b in basic.benefits} == {"priority_booking", "health_record"}
    assert advanced.price_cents == 398_000 and advanced.max_members == 4
    visits = advanced.benefit("home_visits")
    assert visits is not None and (visits.kind, visits.quota, visits.unit) == ("quota", 4, "year")
    assert advanced.benefit("annual_plan") and advanced.benefit("referral_help")
    assert premium.name("zh_CN") == "私人健康管家"
    assert premium.name("en") == "Private health butler"
    assert premium.benefit("care_team") is not None
    home = premium.benefit("home_visits")
    assert home is not None and home.quota == 12
    # Ids derived from the code: two desks seeding offline write the same rows.
    assert basic.id == ms.default_tier_id("basic")
    # The director deleting a seed tier does not bring it back on the next open.
    ms.delete_tier(cf.clinic, cf.director, basic.id)
    cf.reopen()
    assert [t.code for t in ms.list_tiers(cf.clinic, cf.director)] == ["advanced", "premium"]


def _tier_input(**kw: Any) -> TierInput:
    data: dict[str, Any] = {
        "code": "gold_family",
        "name_zh_cn": "金卡家庭",
        "name_zh_tw": "金卡家庭",
        "name_en": "Gold family",
        "description": "全家四口",
        "price_cents": 500_000,
        "period_unit": "year",
        "period_count": 1,
        "max_members": 4,
        "benefits": (BenefitDef("home_visits", "quota", 6, "year", 1),),
    }
    data.update(kw)
    return TierInput(**data)


def test_h1_tier_editing_and_bad_input(w: dict[str, Any]) -> None:
    c, boss = w["c"], w["boss"]
    tier = ms.save_tier(c, boss, None, _tier_input()).value
    assert tier.code == "gold_family" and tier.in_use == 0 and tier.position > 2
    # CJK and emoji in names are fine (NFC); control characters are stripped.
    changed = ms.save_tier(
        c, boss, tier.id, _tier_input(name_zh_cn="金卡\u0000家庭🌟", price_cents=520_000)
    ).value
    assert changed.name_zh_cn == "金卡家庭🌟" and changed.price_cents == 520_000
    bad = [
        (dict(price_cents=-1), "cannot be negative"),
        (dict(price_cents=10**12), "too large"),
        (dict(name_zh_cn="  "), "is empty"),
        (dict(code="金卡"), "Latin letters"),
        (dict(code="basic"), "Another tier already has the code"),
        (dict(benefits=(BenefitDef("home_visits", "quota", 367),)), "0 to 366"),
        (dict(benefits=(BenefitDef("home_visits", "quota", -1),)), "0 to 366"),
        (dict(benefits=(BenefitDef("massage", "flag"),)), "not a benefit ClinicDesk knows"),
        (dict(benefits=(BenefitDef("custom_1", "flag"),)), "benefit name"),
        (dict(benefits=(BenefitDef("home_visits", "quota", 4, "week"),)), "1 to 10 months"),
        (dict(period_count=0), "1 to 120 months or 1 to 10 years"),
        (dict(period_unit="decade"), "1 to 120 months or 1 to 10 years"),
        (dict(max_members=0), "1 to 20 people"),
        (dict(color="red"), "colour"),
    ]
    for fields, words in bad:
        with pytest.raises(ValidationError) as caught:
            ms.save_tier(c, boss, None, _tier_input(**fields))
        assert words in str(caught.value), fields
    custom = ms.save_tier(
        c,
        boss,
        None,
        _tier_input(code="tea", benefits=(BenefitDef("custom_1", "flag", label="养生茶"),)),
    ).value
    assert custom.benefits[0].title() == "养生茶"
    # Order: move the new tier up one place.
    before = [t.code for t in ms.list_tiers(c, boss)]
    after = [t.code for t in ms.move_tier(c, boss, custom.id, up=True).value]
    assert after.index("tea") == before.index("tea") - 1


def test_h1_tier_in_use_cannot_be_deleted_retire_instead(w: dict[str, Any]) -> None:
    c, boss = w["c"], w["boss"]
    basic = w["tiers"]["basic"]
    _enrol(w, "basic", "wang")
    with pytest.raises(ValidationError) as caught:
        ms.delete_tier(c, boss, basic.id)
    assert "in use by 1 memberships" in str(caught.value)
    assert "Retire it instead" in str(caught.value)
    retired = ms.retire_tier(c, boss, basic.id).value
    assert retired.retired and retired.in_use == 1
    assert "basic" not in [t.code for t in ms.list_tiers(c, boss)]
    assert "basic" in [t.code for t in ms.list_tiers(c, boss, include_retired=True)]
    # A retired tier takes no one new.
    with pytest.raises(ValidationError, match="retired"):
        _enrol(w, "basic", "zhou")
    ms.restore_tier(c, boss, basic.id)
    assert _enrol(w, "basic", "zhou").tier.code == "basic"
    # An unused tier can be deleted.
    spare = ms.save_tier(c, boss, None, _tier_input(code="spare")).value
    ms.delete_tier(c, boss, spare.id)
    assert "spare" not in [t.code for t in ms.list_tiers(c, boss, include_retired=True)]


# -- enrolment (H2) -----------------------------------------------------------------------


def test_h2_enrol_single_with_payment_card_and_audit(w: dict[str, Any]) -> None:
    cf = w["cf"]
    view = _enrol(w, "basic", "wang", payment=_pay(98_000))
    assert view.status == "active" and view.starts_on == TODAY
    assert view.ends_on == date(2027, 11, 22) and view.anchor_on == TODAY
    assert [m.name for m in view.members] == ["王秀英"] and view.members[0].payer
    assert view.members[0].relation == "self"
    assert ms.normalise_card_no(view.card_no) is not None
    assert view.card_no == ms.card_number(view.id)
    assert ms.find_by_card(w["c"], w["desk"], view.card_no.replace(" ", "")).id == view.id
    digits = view.card_no.replace(" ", "")
    typo = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    assert ms.find_by_card(w["c"], w["desk"], typo) is None
    paid = ms.payments(w["c"], w["desk"], view.id)
    assert [(p.amount_cents, p.method, p.by_name) for p in paid] == [(98_000, "wechat", "前台小张")]
    assert [e.kind for e in ms.events(w["c"], w["desk"], view.id)] == ["enrol"]
    enrolled = _audits(cf, "membership.enrol")
    assert len(enrolled) == 1 and enrolled[0].object_id == view.id.hex
    assert json.loads(enrolled[0].detail)["tier"] == "basic"
    assert len(_audits(cf, "membership.payment")) == 1


def test_card_numbers_check_their_digit() -> None:
    some = uuid.UUID(int=123456789012345678901234567890)
    shown = ms.card_number(some)
    assert len(shown.replace(" ", "")) == 13 and shown.count(" ") == 3
    digits = shown.replace(" ", "")
    assert ms.normalise_card_no(f"No. {digits[:4]}-{digits[4:]}") == digits
    wrong = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    assert ms.normalise_card_no(wrong) is None
    assert ms.normalise_card_no("12345") is None


def test_h2_enrol_a_family_in_the_advanced_tier(w: dict[str, Any]) -> None:
    view = _enrol(w, "advanced", "li", "wang", "kid", payment=_pay(398_000))
    assert len(view.members) == 3 and view.members[0].patient_id == w["li"]
    assert {m.relation for m in view.members} == {"self", "spouse", "child"}
    assert view.tier.code == "advanced"
    home = next(q for q in view.quotas if q.benefit_key == "home_visits")
    assert (home.quota, home.used, home.left) == (4, 0, 4)
    assert (home.first, home.last) == (TODAY, date(2027, 11, 22))
    for who in ("li", "wang", "kid"):
        found = ms.membership_of(w["c"], w["desk"], w[who])
        assert found is not None and found.id == view.id
    # A fourth person joins; a fifth is one too many.
    added = ms.add_member(w["c"], w["desk"], view.id, MemberInput(w["gran"], "parent")).value
    assert len(added.members) == 4
    with pytest.raises(ValidationError, match="at most 4 people"):
        ms.add_member(w["c"], w["desk"], view.id, MemberInput(w["zhou"], "other"))
    # The payer cannot be removed; another member can.
    with pytest.raises(ValidationError, match="payer cannot be removed"):
        ms.remove_member(w["c"], w["desk"], view.id, w["li"], "搬去外地了")
    left = ms.remove_member(w["c"], w["desk"], view.id, w["gran"], "回老家了").value
    assert len(left.members) == 3
    assert ms.membership_of(w["c"], w["desk"], w["gran"]) is None


def test_h2_enrolling_someone_already_a_member_is_refused(w: dict[str, Any]) -> None:
    first = _enrol(w, "advanced", "li", "kid")
    # The payer again, and a member (not the payer) as someone else's family.
    for payer, others in (("li", ()), ("zhou", ("kid",))):
        with pytest.raises(ValidationError) as caught:
            _enrol(w, "basic" if not others else "advanced", payer, *others)
        text = str(caught.value)
        assert "is already a member" in text and first.card_no in text
        assert "2027-11-22" in text and "Renew or change that membership instead" in text
    # Too many people, the same person twice, a deceased patient, bad periods.
    with pytest.raises(ValidationError, match="at most 1 people"):
        _enrol(w, "basic", "wang", "zhou")
    with pytest.raises(ValidationError, match="listed twice"):
        _enrol(w, "advanced", "wang", "wang")
    patients.record_death(w["c"], w["boss"], w["gran"], on=TODAY - timedelta(days=3))
    with pytest.raises(ValidationError, match="has died"):
        _enrol(w, "basic", "gran")
    with pytest.raises(ValidationError, match="1 to 10 periods"):
        _enrol(w, "basic", "wang", periods=11)
    with pytest.raises(ValidationError, match="more than a year ahead"):
        _enrol(w, "basic", "wang", starts_on=TODAY + timedelta(days=400))
    with pytest.raises(NotFound):
        ms.enrol(w["c"], w["desk"], EnrolInput(w["tiers"]["basic"].id, uuid.uuid4()))


# -- renewal ------------------------------------------------------------------------------


def test_h2_renew_active_runs_on_and_expired_starts_today(w: dict[str, Any]) -> None:
    cf = w["cf"]
    view = _enrol(w, "basic", "wang")
    renewed = ms.renew(w["c"], w["desk"], view.id, payment=_pay(98_000)).value
    assert not renewed.lapsed and renewed.from_day == date(2027, 11, 23)
    assert renewed.view.ends_on == date(2028, 11, 22) and renewed.view.anchor_on == TODAY
    # Expired: 10 days after the end, the renewal starts today and says so.
    other = _enrol(w, "basic", "zhou")
    _move_to(cf, date(2027, 12, 2))
    assert ms.get(w["c"], w["desk"], other.id).status == "expired"
    assert ms.membership_of(w["c"], w["desk"], w["zhou"]) is None
    again = ms.renew(w["c"], w["desk"], other.id).value
    assert again.lapsed and again.from_day == date(2027, 12, 2)
    assert again.view.starts_on == again.view.anchor_on == date(2027, 12, 2)
    assert again.view.ends_on == date(2028, 12, 1) and again.view.status == "active"
    # Cancelled: refused with a sentence.
    ms.cancel(w["c"], w["desk"], other.id, "会员要求退卡")
    with pytest.raises(ValidationError, match="was cancelled"):
        ms.renew(w["c"], w["desk"], other.id)
    with pytest.raises(ValidationError, match="was cancelled"):
        ms.change_tier(w["c"], w["desk"], other.id, w["tiers"]["advanced"].id)


# -- changing tier (pro-rata rules) -------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "credit", "charge", "ends", "anchor"),
    [
        # 365 days (2026-11-23..2027-11-22); changed on 2027-02-01 with 295 days left:
        # 980.00 * 295 / 365 = 792.0548 -> 792.05; 3980.00 * 295 / 365 = 3216.7123.
        ("daily", 79_205, 321_671, date(2027, 11, 22), TODAY),
        # 12 months; 3 begun by 2027-02-01 (from Nov 23, Dec 23, Jan 23; Feb 23 not
        # yet): 9 left, 980.00 * 9 / 12 = 735.00 and 3980.00 * 9 / 12 = 2985.00.
        ("monthly", 73_500, 298_500, date(2027, 11, 22), TODAY),
        # A new full year of the new tier from the day of the change.
        ("none", 0, 398_000, date(2028, 1, 31), date(2027, 2, 1)),
    ],
)
def test_h2_change_tier_under_each_prorata_rule(
    w: dict[str, Any], rule: str, credit: int, charge: int, ends: date, anchor: date
) -> None:
    cf = w["cf"]
    update_settings(w["c"], w["boss"], {"membership.prorata_rule": rule})
    view = _enrol(w, "basic", "wang")
    _move_to(cf, date(2027, 2, 1))
    advanced = w["tiers"]["advanced"]
    preview = ms.preview_change(w["c"], w["desk"], view.id, advanced.id)
    expected_credit, expected_charge = credit, charge
    assert preview.rule == rule
    assert (preview.change.credit, preview.change.charge) == (expected_credit, expected_charge)
    changed = ms.change_tier(
        w["c"], w["desk"], view.id, advanced.id, payment=_pay(preview.change.due)
    ).value
    assert changed.tier.code == "advanced"
    assert (changed.ends_on, changed.anchor_on) == (ends, anchor)
    event = ms.events(w["c"], w["desk"], view.id)[-1]
    assert event.kind == "upgrade"
    assert event.detail["old_tier"] == "basic" and event.detail["new_tier"] == "advanced"
    assert event.detail["due_cents"] == expected_charge - expected_credit
    # Back down again; the same tier twice is refused.
    with pytest.raises(ValidationError, match="already in this tier"):
        ms.change_tier(w["c"], w["desk"], view.id, advanced.id)
    down = ms.change_tier(w["c"], w["desk"], view.id, w["tiers"]["basic"].id).value
    assert down.tier.code == "basic"
    assert ms.events(w["c"], w["desk"], view.id)[-1].kind == "downgrade"


def test_h2_change_to_a_tier_too_small_for_the_family_is_refused(w: dict[str, Any]) -> None:
    view = _enrol(w, "advanced", "li", "kid")
    with pytest.raises(ValidationError, match="at most 1 people"):
        ms.change_tier(w["c"], w["desk"], view.id, w["tiers"]["basic"].id)


# -- suspend, resume, cancel, payments ------------------------------------------------------


def test_h2_suspend_and_resume_push_the_end(w: dict[str, Any]) -> None:
    cf = w["cf"]
    view = _enrol(w, "advanced", "wang")
    with pytest.raises(ValidationError, match="too short"):
        ms.suspend(w["c"], w["desk"], view.id, "走")
    paused = ms.suspend(w["c"], w["desk"], view.id, "出国三个月").value
    assert paused.status == "suspended" and paused.suspended_on == TODAY
    with pytest.raises(ValidationError, match="suspended"):
        ms.record_use(w["c"], w["desk"], view.id, w["wang"], "home_visits")
    _move_to(cf, TODAY + timedelta(days=40))
    back = ms.resume(w["c"], w["desk"], view.id).value
    assert back.status == "active" and back.suspended_on is None
    assert back.ends_on == date(2027, 11, 22) + timedelta(days=40)
    assert ms.events(w["c"], w["desk"], view.id)[-1].detail["days"] == 40
    with pytest.raises(ValidationError, match="not suspended"):
        ms.resume(w["c"], w["desk"], view.id)


def test_h2_cancel_with_refund_and_payment_validation(w: dict[str, Any]) -> None:
    view = _enrol(w, "basic", "wang", payment=_pay(98_000))
    for payment, words in [
        (_pay(0), "more than 0"),
        (_pay(-5), "cannot be negative"),
        (_pay(1_000_000_001), "too large"),
        (_pay(100, method="bitcoin"), "how it was paid"),
        (_pay(100, receipt_no="X" * 41), "at most 40 characters"),
        (_pay(100, paid_on=TODAY + timedelta(days=1)), "in the future"),
        (_pay(100, kind="gift"), "payment or a refund"),
    ]:
        with pytest.raises(ValidationError) as caught:
            ms.record_payment(w["c"], w["desk"], view.id, payment)
        assert words in str(caught.value)
    # Control characters stripped from the receipt number.
    paid = ms.record_payment(w["c"], w["desk"], view.id, _pay(500, receipt_no="A\x07B")).value
    assert paid.receipt_no == "AB"
    gone = ms.cancel(w["c"], w["desk"], view.id, "会员要求退卡", refund=_pay(49_000)).value
    assert gone.status == "cancelled"
    kinds = [(p.kind, p.amount_cents) for p in ms.payments(w["c"], w["desk"], view.id)]
    assert kinds == [("payment", 98_000), ("payment", 500), ("refund", 49_000)]
    assert ms.membership_of(w["c"], w["desk"], w["wang"]) is None
    with pytest.raises(ValidationError, match="already cancelled"):
        ms.cancel(w["c"], w["desk"], view.id, "再退一次")
    # Cancelled: the person may enrol again.
    assert _enrol(w, "basic", "wang").status == "active"


# -- quotas per period across period boundaries -------------------------------------------


def test_h2_home_visits_four_a_year_across_the_year_boundary(w: dict[str, Any]) -> None:
    c, desk = w["c"], w["desk"]
    view = _enrol(w, "advanced", "li", "wang", starts_on=date(2026, 5, 1))
    assert view.ends_on == date(2027, 4, 30)
    ms.renew(c, desk, view.id)  # runs to 2028-04-30, same anchor
    days = [date(2026, 6, 1), date(2026, 9, 1), date(2026, 11, 23), date(2027, 4, 30)]
    for n, day in enumerate(days, start=1):
        who = w["li"] if n % 2 else w["wang"]  # the family shares the allowance
        q = ms.record_use(c, desk, view.id, who, "home_visits", day=day).value
        assert (q.used, q.left) == (n, 4 - n)
        assert (q.first, q.last) == (date(2026, 5, 1), date(2027, 4, 30))
    with pytest.raises(QuotaExhausted) as caught:
        ms.record_use(c, desk, view.id, w["li"], "home_visits", day=date(2027, 4, 30))
    error = caught.value
    assert (error.used, error.quota, error.benefit_key) == (4, 4, "home_visits")
    assert (error.first, error.last) == (date(2026, 5, 1), date(2027, 4, 30))
    assert "4 of 4 from 2026-05-01 to 2027-04-30" in str(error)
    assert "director can allow one more" in str(error)
    # The next day is the next period: four again.
    q = ms.record_use(c, desk, view.id, w["li"], "home_visits", day=date(2027, 5, 1)).value
    assert (q.used, q.left, q.first, q.last) == (1, 3, date(2027, 5, 1), date(2028, 4, 30))
    # Someone not in the membership, an unknown benefit, a flag benefit.
    with pytest.raises(ValidationError, match="not a member"):
        ms.record_use(c, desk, view.id, w["zhou"], "home_visits", day=date(2027, 5, 2))
    with pytest.raises(ValidationError, match="no allowance"):
        ms.record_use(c, desk, view.id, w["li"], "priority_booking", day=date(2027, 5, 2))
    # What the booking dialog shows.
    found = ms.benefit_for_patient(c, desk, w["wang"], "home_visits", day=date(2026, 12, 1))
    assert found is not None and found[1] is not None and found[1].left == 0
    allowance = None
    with c.store.unit_of_work(write=False) as uow:
        allowance = ms.allowance_in(uow.session, w["wang"], "home_visits", date(2027, 6, 1))
    assert allowance is not None and allowance[0] == view.id and allowance[1].left == 3


def test_h2_a_monthly_quota_across_month_ends_from_31_january(w: dict[str, Any]) -> None:
    c, boss = w["c"], w["boss"]
    tier = ms.save_tier(
        c,
        boss,
        None,
        _tier_input(
            code="monthly",
            max_members=1,
            benefits=(BenefitDef("home_visits", "quota", 2, "month", 1),),
        ),
    ).value
    data = EnrolInput(tier.id, w["zhou"], starts_on=date(2027, 1, 31))
    view = ms.enrol(c, w["desk"], data).value
    assert view.status == "upcoming"

    def use(day: date) -> ms.QuotaView:
        return ms.record_use(c, boss, view.id, w["zhou"], "home_visits", day=day).value

    with pytest.raises(ValidationError, match=r"not begun yet|upcoming"):
        use(date(2027, 1, 30))
    # 31 January .. 27 February is the first month (28 February begins the next).
    assert (use(date(2027, 1, 31)).used, use(date(2027, 2, 27)).used) == (1, 2)
    with pytest.raises(QuotaExhausted):
        use(date(2027, 2, 27))
    second = use(date(2027, 2, 28))
    assert (second.first, second.last, second.used) == (date(2027, 2, 28), date(2027, 3, 30), 1)
    # Back on the 31st in March (the anchor's day, not the 28th).
    third = use(date(2027, 3, 31))
    assert (third.first, third.last, third.used) == (date(2027, 3, 31), date(2027, 4, 29), 1)


def test_h2_director_override_is_audited_and_others_are_refused(w: dict[str, Any]) -> None:
    cf, c, desk, boss = w["cf"], w["c"], w["desk"], w["boss"]
    view = _enrol(w, "advanced", "wang")
    for _ in range(4):
        ms.record_use(c, desk, view.id, w["wang"], "home_visits")
    with pytest.raises(PermissionDenied):
        ms.record_use(c, desk, view.id, w["wang"], "home_visits", override_reason="病情需要")
    assert len(_audits(cf, "membership.override", "denied")) == 1
    with pytest.raises(ValidationError, match="too short"):
        ms.record_use(c, boss, view.id, w["wang"], "home_visits", override_reason="要")
    q = ms.record_use(
        c, boss, view.id, w["wang"], "home_visits", override_reason="术后需要上门换药"
    ).value
    assert (q.used, q.left, q.overdrawn) == (5, -1, True)
    audited = _audits(cf, "membership.override")
    assert len(audited) == 1 and "术后需要上门换药" in audited[0].reason
    rows = ms.uses(c, desk, view.id)
    assert rows[0].override_reason == "术后需要上门换药" and rows[0].by_name == "王丽"
    # The director's own decision is not an overdraft.
    assert ms.overdrafts(c, boss) == []


def test_h2_undo_gives_the_use_back_and_appointment_undo_is_idempotent(
    w: dict[str, Any],
) -> None:
    c, desk = w["c"], w["desk"]
    view = _enrol(w, "advanced", "wang")
    first = ms.record_use(c, desk, view.id, w["wang"], "home_visits").value
    assert first.used == 1
    use_id = ms.uses(c, desk, view.id)[0].id
    back = ms.undo_use(c, desk, use_id, "记错了，不是上门").value
    assert back.used == 0
    with pytest.raises(ValidationError, match="already given back"):
        ms.undo_use(c, desk, use_id, "记错了，不是上门")
    ledger = ms.uses(c, desk, view.id)
    assert sorted(u.count for u in ledger) == [-1, 1]  # history kept
    # A home visit booked against the allowance, then cancelled twice.
    appointment = uuid.uuid4()
    with c.store.unit_of_work(write=True) as uow:
        q = ms.record_use_in(
            c,
            uow,
            desk,
            membership_id=view.id,
            patient_id=w["wang"],
            benefit_key="home_visits",
            day=TODAY,
            appointment_id=appointment,
        )
        uow.commit()
    assert q.used == 1
    for expected in (True, False):
        with c.store.unit_of_work(write=True) as uow:
            assert ms.undo_for_appointment_in(c, uow, desk, appointment, "预约取消") is expected
            uow.commit()
    assert ms.get(c, desk, view.id).quotas[0].used == 0


def test_h2_overdraft_after_two_desks_offline_and_marked_seen(w: dict[str, Any]) -> None:
    c, desk, boss = w["c"], w["desk"], w["boss"]
    view = _enrol(w, "advanced", "li", "wang")
    for _ in range(3):
        ms.record_use(c, desk, view.id, w["li"], "home_visits")
    assert ms.overdrafts(c, boss) == []
    # Both desks, offline, recorded the 4th of 4: after sync the ledger holds both rows.
    with c.store.unit_of_work(write=True) as uow:
        for who in ("li", "wang"):
            uow.session.add(
                BenefitUse(
                    membership_id=view.id,
                    patient_id=w[who],
                    benefit_key="home_visits",
                    day=TODAY + timedelta(days=2),
                    count=1,
                    by_id=desk.staff_id,
                )
            )
        uow.commit()
    found = ms.overdrafts(c, boss)
    assert len(found) == 1
    over = found[0]
    assert (over.membership_id, over.benefit_key, over.quota, over.used) == (
        view.id,
        "home_visits",
        4,
        5,
    )
    assert (over.first, over.last) == (TODAY, date(2027, 11, 22))
    assert over.payer_name == "李建国" and over.card_no == view.card_no
    q = ms.get(c, desk, view.id).quotas[0]
    assert q.overdrawn and q.left == -1
    with pytest.raises(PermissionDenied):
        ms.overdrafts(c, desk)
    ms.mark_overdraft_seen(c, boss, view.id, "home_visits", over.first)
    assert ms.overdrafts(c, boss) == []
    assert len(_audits(w["cf"], "membership.overdraft_seen")) == 1
    with pytest.raises(ValidationError, match="already reviewed"):
        ms.mark_overdraft_seen(c, boss, view.id, "home_visits", over.first)


# -- badges, priority ---------------------------------------------------------------------


def test_a10_badges_and_priority(w: dict[str, Any]) -> None:
    cf, c, desk = w["cf"], w["c"], w["desk"]
    active = _enrol(w, "advanced", "li", "kid")
    suspended = _enrol(w, "basic", "wang")
    ms.suspend(c, desk, suspended.id, "出差半年")
    cancelled = _enrol(w, "basic", "zhou")
    ms.cancel(c, desk, cancelled.id, "不需要了")
    expired = _enrol(w, "basic", "gran", starts_on=TODAY - timedelta(days=365))
    assert expired.ends_on == TODAY - timedelta(days=1) and expired.status == "expired"
    nobody = _patient(cf, "孙", "悟空", "13312345673")
    ids = [w["li"], w["kid"], w["wang"], w["zhou"], w["gran"], nobody]
    found = ms.badges(c, w["pharmacist"], ids, language="en")
    assert set(found) == {w["li"], w["kid"], w["wang"]}
    assert found[w["li"]].tier_name == "Advanced" and found[w["li"]].priority
    assert found[w["li"]].membership_id == active.id
    assert found[w["wang"]].status == "suspended" and not found[w["wang"]].priority
    assert ms.badges(c, desk, [w["li"]])[w["li"]].tier_name == "高级会员"
    with c.store.unit_of_work(write=False) as uow:
        assert ms.has_priority_in(uow.session, w["kid"], TODAY)
        assert not ms.has_priority_in(uow.session, w["wang"], TODAY)
        assert not ms.has_priority_in(uow.session, w["gran"], TODAY)
        assert not ms.has_priority_in(uow.session, nobody, TODAY)
        # A day after the end: no badge.
        assert ms.badges_in(uow.session, [w["li"]], active.ends_on + timedelta(days=1)) == {}


def test_search_by_name_phone_card_and_status(w: dict[str, Any]) -> None:
    c, desk = w["c"], w["desk"]
    family = _enrol(w, "advanced", "li", "kid")
    single = _enrol(w, "basic", "wang", starts_on=TODAY - timedelta(days=100))
    assert {i.membership_id for i in ms.search(c, desk)} == {family.id, single.id}
    assert next(i.membership_id for i in ms.search(c, desk)) == single.id  # ends first
    assert [i.membership_id for i in ms.search(c, desk, "小雨")] == [family.id]  # a member
    assert [i.membership_id for i in ms.search(c, desk, "lxy")] == [family.id]  # pinyin
    assert [i.membership_id for i in ms.search(c, desk, "5678")] == [single.id]  # phone
    assert [i.membership_id for i in ms.search(c, desk, family.card_no)] == [family.id]
    item = ms.search(c, desk, "李建国")[0]
    assert item.payer_name == "李建国" and item.members == 2 and item.phone
    ms.suspend(c, desk, single.id, "出国一段时间")
    assert [i.membership_id for i in ms.search(c, desk, status="suspended")] == [single.id]
    assert [i.membership_id for i in ms.search(c, desk, status="active")] == [family.id]
    assert ms.search(c, desk, "nobody-like-this") == []
    with pytest.raises(ValidationError):
        ms.search(c, desk, status="lost")
    history = ms.history_of(c, desk, w["kid"])
    assert [h.membership_id for h in history] == [family.id]


# -- reports ------------------------------------------------------------------------------


def test_h2_reports(w: dict[str, Any]) -> None:
    cf, c, desk, boss = w["cf"], w["c"], w["desk"], w["boss"]
    family = _enrol(w, "advanced", "li", "kid")
    soon = _enrol(w, "basic", "wang", starts_on=TODAY - timedelta(days=350))  # ends in 15 days
    old = _enrol(w, "basic", "zhou", starts_on=TODAY - timedelta(days=380))  # ended 15 days ago
    counts = {t.tier_name: t for t in ms.members_by_tier(c, boss, language="en")}
    assert (counts["Advanced"].memberships, counts["Advanced"].people) == (1, 2)
    assert counts["Basic"].memberships == 1 and counts["Private health butler"].people == 0
    assert [i.membership_id for i in ms.renewals_due(c, boss)] == [soon.id]
    assert ms.renewals_due(c, boss, days=10) == []
    update_settings(c, boss, {"membership.renewal_reminder_days": 0})
    assert ms.renewals_due(c, boss) == []
    assert [i.membership_id for i in ms.lapsed(c, boss)] == [old.id]
    update_settings(c, boss, {"membership.grace_days": 10})
    assert ms.lapsed(c, boss) == []
    update_settings(c, boss, {"membership.grace_days": 30})
    ms.renew(c, desk, old.id)  # renewed: no longer lapsed
    assert ms.lapsed(c, boss) == []
    ms.record_use(c, desk, family.id, w["li"], "home_visits")
    ms.record_use(c, desk, family.id, w["kid"], "home_visits")
    ms.record_use(c, desk, family.id, w["kid"], "home_visits")
    used = ms.benefit_use(c, boss, TODAY, TODAY, language="en")
    assert [(u.tier_name, u.benefit_key, u.uses, u.members) for u in used] == [
        ("Advanced", "home_visits", 3, 2)
    ]
    assert ms.benefit_use(c, boss, TODAY + timedelta(days=1), TODAY + timedelta(days=9)) == []
    del cf


# -- renewal reminders and the annual plan (worklist, outbox) -------------------------------


def test_h2_renewal_reminder_on_the_worklist_and_in_the_outbox(w: dict[str, Any]) -> None:
    cf, c, desk, boss = w["cf"], w["c"], w["desk"], w["boss"]
    update_settings(c, boss, {"clinic.phone": "0571-88886666"})
    view = _enrol(w, "basic", "wang", starts_on=TODAY - timedelta(days=340))
    _enrol(w, "basic", "zhou")  # a year to go: nothing
    made = followups.prepare_worklist(c, boss)
    assert made.value >= 2
    assert made.changes.touches(Topic.OUTBOX) and made.changes.touches(Topic.MEMBERSHIP)
    tasks = _load(c, select(FollowupTask).where(FollowupTask.kind == "renewal"))
    messages = _load(
        c, select(OutboxMessage).where(OutboxMessage.template_code == "membership_renewal")
    )
    assert len(tasks) == 1 and len(messages) == 1
    task = tasks[0]
    assert task.patient_id == w["wang"] and task.source_id == view.id
    assert task.caller_role == "customer_service" and task.due_by == view.ends_on
    assert view.card_no in task.title and view.ends_on.isoformat() in task.title
    assert "基础会员" in task.title
    assert messages[0].purpose == "renewal" and messages[0].patient_id == w["wang"]
    end = view.ends_on
    assert f"{end.month}月{end.day}日" in messages[0].body and "王女士" in messages[0].body
    # Idempotent: a second run adds nothing.
    assert followups.prepare_worklist(c, boss).value == 0
    # On the customer-service worklist, with a sensible script.
    service = _actor(cf, Role.CUSTOMER_SERVICE, "cs1", "客服小林")
    listed = followups.worklist(c, service, kinds=("renewal",))
    assert [t.id for t in listed.items] == [task.id]
    script = followups.call_script(c, service, task.id)
    assert script.script_key == "renewal" and view.card_no in script.task.title
    # Renewing closes the call.
    ms.renew(c, desk, view.id)
    (closed,) = _load(c, select(FollowupTask).where(FollowupTask.id == task.id))
    assert (closed.status, closed.close_reason) == ("closed", "renewed")
    assert followups.prepare_worklist(c, boss).value == 0


def test_h1_annual_plan_tasks_for_each_member(w: dict[str, Any]) -> None:
    c, desk, boss = w["c"], w["desk"], w["boss"]
    view = _enrol(w, "advanced", "li", "kid")

    def plan_tasks() -> list[FollowupTask]:
        return _load(
            c,
            select(FollowupTask)
            .where(FollowupTask.kind == "health_plan")
            .order_by(FollowupTask.due_from),
        )

    tasks = plan_tasks()
    assert len(tasks) == 2 * 4
    assert {t.patient_id for t in tasks} == {w["li"], w["kid"]}
    assert all(t.caller_role == "health_manager" and t.source_id == view.id for t in tasks)
    firsts = sorted({t.due_from for t in tasks})
    assert firsts[0] == date(2026, 12, 23)  # a month after the start
    assert all(TODAY < d <= view.ends_on for d in firsts) and len(firsts) == 4
    # The setting decides how many; a renewal adds the next year's.
    update_settings(c, boss, {"membership.plan_checkups": 6})
    ms.renew(c, desk, view.id)
    assert len(plan_tasks()) == 2 * 4 + 2 * 6
    # A basic tier has no plan.
    _enrol(w, "basic", "wang")
    assert len(plan_tasks()) == 2 * 4 + 2 * 6
    # Cancelling closes the open ones.
    ms.cancel(c, desk, view.id, "全家移居外地")
    assert {t.status for t in plan_tasks()} == {"closed"}
    # Enrolled on paper months ago: no check-ins in the past, only those still ahead.
    late = _enrol(w, "premium", "zhou", starts_on=TODAY - timedelta(days=200))
    ahead = [t for t in plan_tasks() if t.source_id == late.id]
    assert ahead and all(t.due_from >= TODAY for t in ahead)
    assert len(ahead) < 6


def test_h1_care_team_for_premium_only(w: dict[str, Any]) -> None:
    c, desk, cf = w["c"], w["desk"], w["cf"]
    doctor = _actor(cf, Role.DOCTOR, "dr.zhang", "张医生")
    premium = _enrol(w, "premium", "wang")
    team = ms.set_care_team(
        c,
        desk,
        premium.id,
        (
            CareTeamInput("doctor", doctor.staff_id),
            CareTeamInput("nutritionist", None, "陈营养师", "13000000000"),
            CareTeamInput("trainer", None, "Coach Lee"),
        ),
    ).value.care_team
    assert [(t.role, t.name) for t in team] == [
        ("doctor", "张医生"),
        ("nutritionist", "陈营养师"),
        ("trainer", "Coach Lee"),
    ]
    with pytest.raises(ValidationError, match="outside the clinic"):
        ms.set_care_team(c, desk, premium.id, (CareTeamInput("trainer", None, " "),))
    basic = _enrol(w, "basic", "zhou")
    with pytest.raises(ValidationError, match="has no care team"):
        ms.set_care_team(c, desk, basic.id, (CareTeamInput("doctor", doctor.staff_id),))
    # The doctor sees the care team in the patient file.
    seen = ms.membership_of(c, doctor, w["wang"])
    assert seen is not None and len(seen.care_team) == 3


# -- permissions and audit ----------------------------------------------------------------


def test_permissions(w: dict[str, Any]) -> None:
    cf, c = w["cf"], w["c"]
    with pytest.raises(PermissionDenied):
        _enrol(w, "basic", "wang", actor=w["pharmacist"])
    assert _audits(cf, "membership.manage", "denied")
    with pytest.raises(PermissionDenied):
        ms.save_tier(c, w["desk"], None, _tier_input())
    with pytest.raises(PermissionDenied):
        ms.retire_tier(c, w["desk"], w["tiers"]["basic"].id)
    with pytest.raises(PermissionDenied):
        ms.search(c, w["pharmacist"])
    # Every write leaves a history row and an audit row.
    view = _enrol(w, "basic", "wang")
    ms.suspend(c, w["desk"], view.id, "出国三个月")
    ms.resume(c, w["desk"], view.id)
    with c.store.unit_of_work(write=False) as uow:
        kinds = list(
            uow.session.execute(
                select(MembershipEvent.kind)
                .where(MembershipEvent.membership_id == view.id)
                .order_by(MembershipEvent.at, MembershipEvent.id)
            ).scalars()
        )
        audited = int(
            uow.session.execute(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.object_id == view.id.hex, AuditEntry.action.like("membership.%"))
            ).scalar_one()
        )
        assert uow.session.execute(select(func.count()).select_from(MemberTier)).scalar_one() == 3
    assert sorted(kinds) == ["enrol", "resume", "suspend"] and audited == 3


# -- the overdraft scan and the search, turned round for speed (H2, issue 11) -------------


def _ledger(c: Any, membership_id: uuid.UUID, patient_id: uuid.UUID, *rows: Any) -> None:
    """Ledger rows as sync brings them (two desks offline): (day, count[, deleted])."""
    with c.store.unit_of_work(write=True) as uow:
        for day, count, *deleted in rows:
            use = BenefitUse(
                membership_id=membership_id,
                patient_id=patient_id,
                benefit_key="home_visits",
                day=day,
                count=count,
            )
            if deleted:
                use.deleted_at = c.now()
            uow.session.add(use)
        uow.commit()


def test_h2_overdraft_scan_counts_each_period_by_the_members_own_tier(w: dict[str, Any]) -> None:
    """H2: six uses over two periods (3 + 3) of a 4-a-year allowance are no overdraft;
    a fifth in the first period is; an undo row or a deleted row brings it back within
    the allowance; five in a year of a 12-a-year tier (premium) are none either."""
    c, boss = w["c"], w["boss"]
    anchor = TODAY - timedelta(days=400)
    old = _enrol(w, "advanced", "li", starts_on=anchor, periods=2)
    year2 = date(2026, 10, 19)  # the anchor's day a year on: the second period
    assert old.anchor_on == anchor and old.quotas[0].first == year2
    last_of_first = year2 - timedelta(days=1)
    _ledger(
        c, old.id, w["li"],
        (anchor, 1), (anchor + timedelta(days=30), 1), (last_of_first, 1),
        (year2, 1), (year2 + timedelta(days=1), 1), (TODAY, 1),
    )  # fmt: skip
    assert ms.overdrafts(c, boss) == []
    _ledger(c, old.id, w["li"], (last_of_first, 1), (last_of_first, 1))
    (over,) = ms.overdrafts(c, boss)
    assert (over.membership_id, over.first, over.last, over.used, over.quota) == (
        old.id, anchor, last_of_first, 5, 4,
    )  # fmt: skip
    assert over.label == "Family-doctor home visits" and over.payer_name == "李建国"
    _ledger(c, old.id, w["li"], (last_of_first, -1))  # one given back: 4 of 4
    assert ms.overdrafts(c, boss) == []
    _ledger(c, old.id, w["li"], (anchor, 1, "deleted"))  # a deleted row counts nothing
    assert ms.overdrafts(c, boss) == []
    rich = _enrol(w, "premium", "wang")
    _ledger(c, rich.id, w["wang"], *((TODAY + timedelta(days=n), 1) for n in range(5)))
    assert ms.overdrafts(c, boss) == []  # 5 of 12
    _ledger(c, rich.id, w["wang"], *((TODAY + timedelta(days=n), 1) for n in range(8)))
    (over,) = ms.overdrafts(c, boss)
    assert (over.membership_id, over.used, over.quota) == (rich.id, 13, 12)


def test_search_by_keys_record_number_card_only_and_name_fallback(w: dict[str, Any]) -> None:
    """Search finds people through the patient search keys (name, given name, pinyin,
    phone digits), an exact record number, a whole card number as a card only, and a
    name's middle character (no key starts there) by the fallback."""
    c, desk = w["c"], w["desk"]
    family = _enrol(w, "advanced", "li", "kid")
    gran = _enrol(w, "basic", "gran")
    single = _enrol(w, "basic", "wang")
    from clinic_desk.core.store.models import Patient

    with c.store.unit_of_work(write=False) as uow:
        record = uow.session.execute(
            select(Patient.record_no).where(Patient.id == w["kid"])
        ).scalar_one()
    assert record
    found = [i.membership_id for i in ms.search(c, desk, record)]
    assert found == [family.id]
    assert [i.membership_id for i in ms.search(c, desk, "345678")] == [single.id]  # phone
    assert [i.membership_id for i in ms.search(c, desk, "zhaoguilan")] == [gran.id]
    assert [i.membership_id for i in ms.search(c, desk, "兰")] == [gran.id]  # fallback
    assert [i.membership_id for i in ms.search(c, desk, "建")] == [family.id]  # given name
    # A whole card number, with or without spaces: that card and no other.
    digits = single.card_no.replace(" ", "")
    assert [i.membership_id for i in ms.search(c, desk, digits)] == [single.id]
    # A valid card number of no membership finds nothing (not people by digits).
    body = "000000000000"
    other = next(
        body + d for d in "0123456789" if ms.normalise_card_no(body + d) is not None
    )
    assert ms.search(c, desk, other) == []


def test_h2_quota_exhausted_sentence_translates_the_benefit_label(w: dict[str, Any]) -> None:
    """H2: the refusal reads in the reader's language, the benefit's label too (a known
    benefit's label in "Membership"); a custom benefit's own words stay as given."""
    c, desk, boss = w["c"], w["desk"], w["boss"]
    view = _enrol(w, "advanced", "wang")
    for _ in range(4):
        ms.record_use(c, desk, view.id, w["wang"], "home_visits")
    with pytest.raises(QuotaExhausted) as caught:
        ms.record_use(c, desk, view.id, w["wang"], "home_visits")
    error = caught.value
    first, last = TODAY.isoformat(), (date(2027, 11, 22)).isoformat()
    assert error.message() == (
        f"The allowance for Family-doctor home visits is used up: 4 of 4 from {first} to "
        f"{last}. The director can allow one more with a reason."
    )
    chinese = {
        ("Errors", QuotaExhausted.template): "{benefit}的额度已用完：{first}至{last}共{quota}次，"
        "已用{used}次。主任可填写理由再允许一次。",
        ("Membership", "Family-doctor home visits"): "家庭医生上门",
    }
    asked: list[tuple[str, str]] = []

    def translate(context: str, text: str) -> str:
        asked.append((context, text))
        return chinese.get((context, text), text)

    assert error.message(translate) == (
        f"家庭医生上门的额度已用完：{first}至{last}共4次，已用4次。主任可填写理由再允许一次。"
    )
    # A custom benefit (its label is the clinic's own words) is not looked up.
    tier = ms.save_tier(
        c,
        boss,
        None,
        _tier_input(
            code="massage",
            max_members=1,
            benefits=(BenefitDef("custom_1", "quota", 1, "year", 1, label="推拿 Massage"),),
        ),
    ).value
    other = ms.enrol(c, desk, EnrolInput(tier.id, w["zhou"])).value
    ms.record_use(c, desk, other.id, w["zhou"], "custom_1")
    with pytest.raises(QuotaExhausted) as custom:
        ms.record_use(c, desk, other.id, w["zhou"], "custom_1")
    asked.clear()
    assert custom.value.message(translate).startswith("推拿 Massage的额度已用完：")
    assert asked == [("Errors", QuotaExhausted.template)]

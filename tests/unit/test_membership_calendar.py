"""Where membership meets the appointment book (issue 11; spec H2, A10).

H2: a booking of a type with a membership benefit (home visits) is counted against
the member's allowance in the booking's own transaction, refused past it unless the
director gives a reason, given back when cancelled, re-counted when moved into
another allowance period. A10: the first slots of each rostered day are held for
members with priority booking until some days before; the waitlist puts members first.

The fake clock starts on Monday 2026-11-23 at 10:00 in Asia/Shanghai.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from clinic_desk.core.errors import PermissionDenied, ValidationError
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import appointments as ap
from clinic_desk.core.services import (
    audit_log,
    membership,
    patients,
    reception,
    rosters,
    series,
    staff,
    waitlist,
)
from clinic_desk.core.services import settings as settings_service
from clinic_desk.core.services.base import Actor, Topic
from clinic_desk.core.services.clinic import SetupResult, open_clinic
from clinic_desk.core.store.models import Appointment
from tests.conftest import DIRECTOR_PASSWORD, PASSPHRASE, ClinicFixture, FakeClock, make_clinic

SH = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 23)  # a Monday
TUE, WED, THU = date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH)


def weekdays_from(first: date, count: int) -> list[date]:
    days, day = [], first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class _Template:
    data_dir: Path
    setup: SetupResult
    ids: dict[str, uuid.UUID]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Template]:
    """A clinic with a doctor (Mon-Fri 08:00-17:30, lunch 12:00-13:30), a receptionist,
    five patients and a home-visit type; copied for each test."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLINIC_DESK_NO_KEYRING", "1")
        base = make_clinic(tmp_path_factory.mktemp("member_calendar") / "clinic", FakeClock())
        clinic, director = base.clinic, base.director
        doctor = staff.add_staff(
            clinic,
            director,
            login="dr.li",
            display_name="李医生",
            role=Role.DOCTOR,
            password="some-pass-123",
        ).value
        blocks = []
        for weekday in range(5):
            blocks.append(rosters.RosterBlock(weekday, 8 * 60, 17 * 60 + 30))
            blocks.append(rosters.RosterBlock(weekday, 12 * 60, 13 * 60 + 30, "break"))
        rosters.set_weekly_roster(clinic, director, doctor.id, blocks)
        staff.add_staff(
            clinic,
            director,
            login="desk1",
            display_name="前台小周",
            role=Role.RECEPTIONIST,
            password="some-pass-123",
        )
        ids = {"doctor": doctor.id}
        for key, family, given, phone in (
            ("payer", "张", "伟", "13812345678"),
            ("spouse", "陈", "芳", "13900001111"),
            ("child", "张", "小明", "13900002222"),
            ("stranger", "王", "五", "13700003333"),
            ("basic", "赵", "六", "13600004444"),
        ):
            ids[key] = patients.register_patient(
                clinic, director, family_name=family, given_name=given, phone=phone
            ).value.id
        ids["visit_type"] = rosters.add_appointment_type(
            clinic,
            director,
            name="上门出诊",
            default_minutes=60,
            benefit_key="home_visits",
        ).value.id
        base.clinic.close()
    yield _Template(base.data_dir, base.setup, ids)


@dataclass
class Desk:
    cf: ClinicFixture
    ids: dict[str, uuid.UUID]
    desk: Actor

    def __getattr__(self, name: str) -> uuid.UUID:
        try:
            return self.ids[name]
        except KeyError:
            raise AttributeError(name) from None

    def book(
        self, start: datetime, patient: str, *, actor: Actor | None = None, **kw: Any
    ) -> ap.AppointmentView:
        return self.book_written(start, patient, actor=actor, **kw).value

    def book_written(
        self, start: datetime, patient: str, *, actor: Actor | None = None, **kw: Any
    ) -> Any:
        kw.setdefault("channel", "phone")
        kw.setdefault("identity_checked", True)
        kw.setdefault("type_id", self.visit_type)
        return ap.book(
            self.cf.clinic,
            actor or self.desk,
            patient_id=self.ids[patient],
            doctor_id=self.doctor,
            starts_at=start,
            **kw,
        )

    def tier(self, code: str) -> membership.TierView:
        tiers = membership.list_tiers(self.cf.clinic, self.cf.director)
        return next(t for t in tiers if t.code == code)

    def enrol(
        self, code: str, payer: str, *others: str, periods: int = 1
    ) -> membership.MembershipView:
        data = membership.EnrolInput(
            tier_id=self.tier(code).id,
            payer_id=self.ids[payer],
            members=tuple(membership.MemberInput(self.ids[o], "spouse") for o in others),
            starts_on=TODAY,
            periods=periods,
        )
        return membership.enrol(self.cf.clinic, self.cf.director, data).value

    def left(self, patient: str, day: date) -> tuple[int, int, date]:
        """(used, left, last day of the period) of the home-visit allowance on ``day``."""
        with self.cf.clinic.store.unit_of_work(write=False) as uow:
            found = membership.allowance_in(uow.session, self.ids[patient], "home_visits", day)
        assert found is not None
        quota = found[1]
        return quota.used, quota.left, quota.last


@pytest.fixture
def cf(template: _Template, tmp_path: Path, clock: FakeClock) -> Iterator[ClinicFixture]:
    data_dir = tmp_path / "clinic"
    shutil.copytree(template.data_dir, data_dir)
    clinic = open_clinic(data_dir, passphrase=PASSPHRASE, use_keyring=False, clock=clock)
    director = staff.sign_in(clinic, "wang.li", DIRECTOR_PASSWORD)
    fixture = ClinicFixture(data_dir, template.setup, clinic, director, clock)
    yield fixture
    fixture.clinic.close()


@pytest.fixture
def d(cf: ClinicFixture, template: _Template) -> Desk:
    desk = staff.sign_in(cf.clinic, "desk1", "some-pass-123")
    return Desk(cf, dict(template.ids), desk)


def _count(cf: ClinicFixture, patient_id: uuid.UUID) -> int:
    with cf.clinic.store.unit_of_work(write=False) as uow:
        return len(
            uow.session.query(Appointment)
            .filter(Appointment.patient_id == patient_id, Appointment.deleted_at.is_(None))
            .all()
        )


# -- the appointment type's benefit (H2) --------------------------------------------------


def test_h2_type_benefit_key_is_validated(d: Desk) -> None:
    cf = d.cf
    assert set(rosters.BOOKING_BENEFITS) <= set(membership.BENEFITS)
    types = {t.id: t for t in rosters.list_appointment_types(cf.clinic, cf.director)}
    assert types[d.visit_type].benefit_key == "home_visits"
    # The built-in types count against nothing.
    assert {t.benefit_key for t in types.values() if t.id != d.visit_type} == {""}
    with pytest.raises(ValidationError, match="not a membership benefit"):
        rosters.add_appointment_type(
            cf.clinic, cf.director, name="推拿", default_minutes=30, benefit_key="massage"
        )
    with pytest.raises(ValidationError, match="not a membership benefit"):
        rosters.update_appointment_type(cf.clinic, cf.director, d.visit_type, benefit_key="x")
    changed = rosters.update_appointment_type(
        cf.clinic, cf.director, d.visit_type, benefit_key=""
    )
    assert changed.value.benefit_key == ""
    rows = audit_log.audit_report(cf.clinic, cf.director)
    update = next(r for r in reversed(rows) if r.action == "appointment_type.update")
    assert json.loads(update.detail)["benefit_key"] == ["home_visits", ""]
    # Only the director (roster management) changes it.
    with pytest.raises(PermissionDenied):
        rosters.update_appointment_type(
            cf.clinic, d.desk, d.visit_type, benefit_key="home_visits"
        )


# -- home visits against the allowance (H2) --------------------------------------------------


def test_h2_family_shares_the_home_visit_allowance(d: Desk) -> None:
    """Advanced family membership: 4 home visits a year shared by payer and spouse; the
    5th refused (nothing written), the director allows it with a reason (audited);
    cancelling one gives it back."""
    cf = d.cf
    d.enrol("advanced", "payer", "spouse")
    days = weekdays_from(date(2026, 12, 1), 6)
    first = d.book_written(at(days[0], 14), "payer")
    assert Topic.MEMBERSHIP in first.changes.topics
    d.book(at(days[1], 14), "spouse")
    d.book(at(days[2], 14), "payer")
    fourth = d.book(at(days[3], 14), "spouse")
    used, left, last = d.left("payer", days[3])
    assert (used, left) == (4, 0)
    assert last == date(2027, 11, 22)  # the membership year from 2026-11-23
    assert d.left("spouse", days[3])[:2] == (4, 0)  # one family allowance
    before = _count(cf, d.spouse)
    with pytest.raises(membership.QuotaExhausted) as refused:
        d.book(at(days[4], 14), "spouse")
    assert (refused.value.used, refused.value.quota) == (4, 4)
    assert "4 of 4" in str(refused.value) and "2027-11-22" in str(refused.value)
    assert _count(cf, d.spouse) == before  # the booking was not written
    # The desk may not allow more; the director may, with a reason.
    with pytest.raises(PermissionDenied):
        d.book(at(days[4], 14), "spouse", benefit_override_reason="术后需要上门换药")
    assert _count(cf, d.spouse) == before
    fifth = d.book(
        at(days[4], 14),
        "spouse",
        actor=cf.director,
        benefit_override_reason="术后需要上门换药",
    )
    assert d.left("spouse", days[4])[0] == 5  # the override is a use too
    rows = audit_log.audit_report(cf.clinic, cf.director)
    override = next(r for r in rows if r.action == "appointment.benefit_override")
    assert override.reason == "术后需要上门换药" and override.object_id == fifth.id.hex
    assert json.loads(override.detail)["used"] == 5
    assert any(r.action == "membership.override" for r in rows)
    # A cancellation gives its use back, once.
    ap.cancel(cf.clinic, d.desk, fourth.id, reason="家属自行就医")
    assert d.left("payer", days[4])[0] == 4
    ap.cancel(cf.clinic, d.desk, fifth.id, reason="不需要了")
    assert d.left("payer", days[4])[:2] == (3, 1)
    # So the next one fits without a reason.
    d.book(at(days[5], 14), "payer")
    assert d.left("payer", days[5])[:2] == (4, 0)
    # The uses name their appointments.
    uses = membership.uses(cf.clinic, cf.director, _membership(d))
    assert first.value.id in {u.appointment_id for u in uses}


def _membership(d: Desk) -> uuid.UUID:
    found = membership.membership_of(d.cf.clinic, d.cf.director, d.payer)
    assert found is not None
    return found.id


def test_h2_allowance_across_the_membership_year(d: Desk) -> None:
    """Four in year one fill it; the first of year two is fine; a move into year two
    gives year one's use back and counts it there; a move within a year keeps it."""
    cf = d.cf
    d.enrol("advanced", "payer", periods=2)
    year_one = weekdays_from(date(2027, 10, 25), 5)
    views = [d.book(at(day, 14), "payer") for day in year_one[:4]]
    with pytest.raises(membership.QuotaExhausted):
        d.book(at(year_one[4], 14), "payer")
    year_two = weekdays_from(date(2027, 11, 23), 3)
    d.book(at(year_two[0], 14), "payer")
    assert d.left("payer", year_two[0]) == (1, 3, date(2028, 11, 22))
    assert d.left("payer", year_one[0])[:2] == (4, 0)
    # Within year one: the use stays (no second use, none lost).
    ap.move(cf.clinic, d.desk, views[0].id, starts_at=at(year_one[4], 15), identity_checked=True)
    assert d.left("payer", year_one[0])[:2] == (4, 0)
    # Into year two: year one has room again, year two has one more.
    moved = ap.move(
        cf.clinic, d.desk, views[1].id, starts_at=at(year_two[1], 14), identity_checked=True
    )
    assert Topic.MEMBERSHIP in moved.changes.topics
    assert d.left("payer", year_one[0])[:2] == (3, 1)
    assert d.left("payer", year_two[0])[:2] == (2, 2)
    # Cancelling the moved visit gives back year two's use, not year one's.
    ap.cancel(cf.clinic, d.desk, views[1].id, reason="改期")
    assert d.left("payer", year_two[0])[:2] == (1, 3)
    assert d.left("payer", year_one[0])[:2] == (3, 1)


def test_h2_move_into_a_full_period_is_refused(d: Desk) -> None:
    cf = d.cf
    d.enrol("advanced", "payer", periods=2)
    year_two = weekdays_from(date(2027, 11, 23), 4)
    for day in year_two:
        d.book(at(day, 14), "payer")
    early = d.book(at(date(2027, 1, 6), 14), "payer")
    with pytest.raises(membership.QuotaExhausted):
        ap.move(
            cf.clinic,
            d.desk,
            early.id,
            starts_at=at(date(2027, 12, 6), 14),
            identity_checked=True,
        )
    # Nothing changed: still in year one, still counted there.
    assert ap.get_appointment(cf.clinic, d.desk, early.id).starts_at == at(date(2027, 1, 6), 14)
    assert d.left("payer", date(2027, 1, 6))[0] == 1
    assert d.left("payer", year_two[0])[0] == 4


def test_h2_non_member_books_a_home_visit_uncounted(d: Desk) -> None:
    cf = d.cf
    d.enrol("advanced", "payer")
    written = d.book_written(at(WED, 14), "stranger")
    assert Topic.MEMBERSHIP not in written.changes.topics
    assert membership.benefit_for_patient(cf.clinic, cf.director, d.stranger, "home_visits") is None
    # Cancelling it gives nothing back (there is nothing to give).
    cancelled = ap.cancel(cf.clinic, d.desk, written.value.id, reason="不用了")
    assert Topic.MEMBERSHIP not in cancelled.changes.topics
    # A basic member has no home-visit allowance: booked, not counted.
    d.enrol("basic", "basic")
    assert Topic.MEMBERSHIP not in d.book_written(at(THU, 14), "basic").changes.topics
    # An ordinary purpose for a member counts nothing either.
    plain = d.book_written(at(THU, 15), "payer", type_id=None, minutes=15)
    assert Topic.MEMBERSHIP not in plain.changes.topics
    assert d.left("payer", THU)[:2] == (0, 4)


def test_h2_no_show_keeps_the_use(d: Desk) -> None:
    cf = d.cf
    d.enrol("advanced", "payer")
    d.book(at(TUE, 14), "payer")
    cf.clock.now = at(TUE, 18).astimezone(UTC)
    assert ap.mark_no_shows(cf.clinic, cf.director) == 1
    assert d.left("payer", TUE)[:2] == (1, 3)


def test_h2_member_home_visits_are_not_booked_as_a_series(d: Desk) -> None:
    cf = d.cf
    d.enrol("advanced", "payer")
    common: dict[str, Any] = {
        "doctor_id": d.doctor,
        "first_day": date(2026, 12, 2),
        "start_minute": 14 * 60,
        "minutes": 60,
        "frequency": "weekly",
        "count": 3,
        "channel": "phone",
        "identity_checked": True,
        "type_id": d.visit_type,
    }
    with pytest.raises(ValidationError, match="one visit at a time"):
        series.create_series(cf.clinic, d.desk, patient_id=d.payer, **common)
    assert _count(cf, d.payer) == 0
    # A non-member's home visits may repeat (nothing is counted).
    series.create_series(cf.clinic, d.desk, patient_id=d.stranger, **common)
    assert _count(cf, d.stranger) == 3


# -- held slots (A10) -------------------------------------------------------------------------


def test_a10_no_members_no_held_slots(d: Desk) -> None:
    """A clinic without members with priority holds nothing."""
    cf = d.cf
    d.book(at(WED, 8), "stranger", type_id=None, minutes=15)
    counts = ap.free_counts(cf.clinic, cf.director, THU, [d.doctor])
    assert counts[d.doctor] == (32, 0)


def test_a10_held_slots_for_members_until_release(d: Desk) -> None:
    cf = d.cf
    d.enrol("basic", "basic")  # priority booking
    plain: dict[str, Any] = {"type_id": None, "minutes": 15}
    # Wednesday's first two slots (08:00, 08:15) are held until Tuesday.
    with pytest.raises(ap.NeedsConfirmation) as asked:
        d.book(at(WED, 8), "stranger", **plain)
    assert asked.value.reasons == {ap.MEMBER_SLOT}
    sentence = asked.value.sentences()[ap.MEMBER_SLOT]
    assert "2026-11-25 08:00" in sentence and "2026-11-24" in sentence
    # The free-slot suggestions do not offer them to a non-member ...
    free_for_stranger = ap.free_slots_for_day(
        cf.clinic, cf.director, d.doctor, WED, minutes=15, patient_id=d.stranger
    )
    assert free_for_stranger[0] == at(WED, 8, 30).astimezone(UTC)
    assert ap.next_free_slot(
        cf.clinic, cf.director, d.doctor, minutes=15, after=at(WED, 7), patient_id=d.stranger
    ) == at(WED, 8, 30).astimezone(UTC)
    # ... but do to a member, and the day's count says how many are held.
    assert ap.free_slots_for_day(
        cf.clinic, cf.director, d.doctor, WED, minutes=15, patient_id=d.basic
    )[0] == at(WED, 8).astimezone(UTC)
    assert ap.next_free_slot(
        cf.clinic, cf.director, d.doctor, minutes=15, after=at(WED, 7), patient_id=d.basic
    ) == at(WED, 8).astimezone(UTC)
    assert ap.free_counts(cf.clinic, cf.director, WED, [d.doctor])[d.doctor] == (32, 2)
    assert ap.remaining_free_count(cf.clinic, cf.director, WED, [d.doctor]) == {d.doctor: 32}
    # The member takes 08:15 without a question.
    member = d.book(at(WED, 8, 15), "basic", **plain)
    # A taken slot offers a non-member no held time either.
    with pytest.raises(ap.SlotTaken) as taken:
        d.book(at(WED, 8, 15), "stranger", **plain)
    assert at(WED, 8).astimezone(UTC) not in taken.value.next_free
    # The desk may still confirm (the patient insists; the slot is free).
    confirmed = d.book(at(WED, 8), "stranger", confirm={ap.MEMBER_SLOT}, **plain)
    assert confirmed.starts_at == at(WED, 8).astimezone(UTC)
    # Moving a non-member's booking into a held slot asks too; resizing in place not.
    later = d.book(at(THU, 10), "stranger", **plain)
    with pytest.raises(ap.NeedsConfirmation):
        ap.move(cf.clinic, d.desk, later.id, starts_at=at(THU, 8), identity_checked=True)
    ap.move(
        cf.clinic, d.desk, confirmed.id, starts_at=at(WED, 8), minutes=10, identity_checked=True
    )
    ap.cancel(cf.clinic, d.desk, member.id, reason="改时间")
    # On Tuesday, Wednesday's held slots are open to everyone.
    cf.clock.now = at(TUE, 9).astimezone(UTC)
    d.book(at(WED, 8, 15), "stranger", **plain)
    # Thursday's are still held on Tuesday.
    with pytest.raises(ap.NeedsConfirmation):
        d.book(at(THU, 8), "stranger", **plain)
    # The setting at 0 holds nothing.
    settings_service.update_settings(
        cf.clinic, cf.director, {"membership.reserved_slots_per_day": 0}
    )
    d.book(at(THU, 8), "stranger", **plain)


def test_a10_held_slots_for_the_calendar(d: Desk) -> None:
    """Computed from the rosters read once for the draw; released days hold none."""
    cf = d.cf
    d.enrol("basic", "basic")
    spans = rosters.working_spans_range(cf.clinic, [d.doctor], TODAY, THU)
    held = ap.held_slots_from(cf.clinic, spans)
    assert held[(d.doctor, WED)] == [(480, 495), (495, 510)]
    assert (d.doctor, TUE) not in held and (d.doctor, TODAY) not in held
    settings_service.update_settings(
        cf.clinic,
        cf.director,
        {"membership.reserved_slots_per_day": 3, "membership.reserved_release_days": 2},
    )
    held = ap.held_slots_from(cf.clinic, spans)
    assert (d.doctor, WED) not in held
    assert held[(d.doctor, THU)] == [(480, 495), (495, 510), (510, 525)]


# -- the waitlist (A10) -----------------------------------------------------------------------


def test_a10_waitlist_puts_members_first(d: Desk) -> None:
    cf = d.cf
    d.enrol("basic", "basic")
    waiting = waitlist.add_to_waitlist(cf.clinic, d.desk, d.stranger).value
    member = waitlist.add_to_waitlist(cf.clinic, d.desk, d.basic).value
    assert (waiting.priority, waiting.member) == (0, False)
    assert (member.priority, member.member) == (waitlist.MEMBER_PRIORITY, True)
    listed = waitlist.list_waitlist(cf.clinic, d.desk)
    assert [e.patient_id for e in listed] == [d.basic, d.stranger]
    offered = waitlist.candidates_for_slot(
        cf.clinic, d.desk, doctor_id=d.doctor, starts_at=at(WED, 10), minutes=15
    )
    assert [e.patient_id for e in offered] == [d.basic, d.stranger]
    assert [e.member for e in offered] == [True, False]
    # A higher priority given by the desk is kept.
    d.enrol("advanced", "payer")
    urgent = waitlist.add_to_waitlist(cf.clinic, d.desk, d.payer, priority=80).value
    assert (urgent.priority, urgent.member) == (80, True)
    assert waitlist.list_waitlist(cf.clinic, d.desk)[0].patient_id == d.payer


# -- the "Done when", end to end through the services --------------------------------


def test_done_when_desk_enrols_family_books_home_visit_badge_and_renewals_due(d: Desk) -> None:
    """Issue 11's Done-when (H1, H2): a receptionist enrols a family in the advanced tier,
    books a home visit against its allowance, sees the badge at check-in; the director
    sees the membership among the renewals due when its end comes near."""
    cf = d.cf
    advanced = d.tier("advanced")
    family = membership.enrol(
        cf.clinic,
        d.desk,  # the receptionist, not the director
        membership.EnrolInput(
            tier_id=advanced.id,
            payer_id=d.payer,
            members=(
                membership.MemberInput(d.spouse, "spouse"),
                membership.MemberInput(d.child, "child"),
            ),
            payment=membership.PaymentInput(
                amount_cents=advanced.price_cents, paid_on=TODAY, method="wechat",
                receipt_no="R-20261123-01",
            ),
        ),
    ).value  # fmt: skip
    assert {m.patient_id for m in family.members} == {d.payer, d.spouse, d.child}

    visit = d.book(at(WED, 14), "child")  # a home visit for the child, tomorrow but one
    assert d.left("payer", WED)[:2] == (1, 3)  # the family's shared allowance: 1 of 4 used
    uses = membership.uses(cf.clinic, d.desk, family.id)
    assert [(u.patient_id, u.appointment_id, u.count) for u in uses] == [(d.child, visit.id, 1)]

    cf.clock.now = at(WED, 13, 50).astimezone(UTC)
    seen = reception.check_in_view(cf.clinic, d.desk, visit.id, badge_language="en")
    assert seen.member is not None and seen.member.tier_code == "advanced"
    assert seen.member.membership_id == family.id and seen.member.status == "active"
    assert seen.member.tier_name == advanced.name("en")

    # Eleven months on, the director's renewals-due report lists it (30 days, a setting).
    assert family.id not in {
        i.membership_id for i in membership.renewals_due(cf.clinic, cf.director)
    }
    cf.clock.now = datetime(2027, 11, 1, 2, 0, tzinfo=UTC)
    due = membership.renewals_due(cf.clinic, cf.director)
    assert [(i.membership_id, i.ends_on) for i in due] == [(family.id, family.ends_on)]

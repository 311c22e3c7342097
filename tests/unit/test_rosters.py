"""Doctors, weekly rosters, exceptions, rooms and devices, appointment types, holidays and
closures: the calendar's foundations (spec A2, A3, A7, I2; issue 5)."""

from __future__ import annotations

import time
import unicodedata
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from clinic_desk.core.errors import NotFound, PermissionDenied, ValidationError
from clinic_desk.core.rules.holidays import DayKind
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import audit_log, patients, rosters, settings, staff
from clinic_desk.core.services.base import Actor, Topic
from clinic_desk.core.services.rosters import RosterBlock, parse_clock
from clinic_desk.core.store.models import (
    Appointment,
    AppointmentResource,
    AppointmentType,
    RosterException,
    RosterRule,
)
from tests.conftest import ClinicFixture, FakeClock, make_clinic

MONDAY = date(2026, 11, 23)  # the fake clock's today


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClinicFixture]:
    """One clinic for the bad-input tables: refused input writes nothing, so they share it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLINIC_DESK_NO_KEYRING", "1")
        fixture = make_clinic(tmp_path_factory.mktemp("rosters") / "clinic", FakeClock())
        yield fixture
        fixture.clinic.close()


@pytest.fixture(scope="module")
def shared_doctor(shared: ClinicFixture) -> uuid.UUID:
    return _staff(shared, Role.DOCTOR)


def _staff(cf: ClinicFixture, role: Role, login: str | None = None) -> uuid.UUID:
    login = login or f"{role.value.replace('_', '.')}{uuid.uuid4().hex[:6]}"
    return staff.add_staff(
        cf.clinic,
        cf.director,
        login=login,
        display_name=login,
        role=role,
        password="some-pass-123",
    ).value.id


def _actor(cf: ClinicFixture, role: Role) -> Actor:
    login = f"{role.value.replace('_', '.')}1"
    _staff(cf, role, login)
    return staff.sign_in(cf.clinic, login, "some-pass-123")


def _week(*days: int) -> list[RosterBlock]:
    """08:00-12:00 and 13:30-17:30 with a 10:00-10:15 break on the given weekdays."""
    blocks = []
    for d in days:
        blocks += [
            RosterBlock(d, parse_clock("08:00"), parse_clock("12:00")),
            RosterBlock(d, parse_clock("13:30"), parse_clock("17:30")),
            RosterBlock(d, parse_clock("10:00"), parse_clock("10:15"), "break"),
        ]
    return blocks


FULL_DAY = [(480, 600), (615, 720), (810, 1050)]


def _actions(cf: ClinicFixture) -> list[str]:
    return [r.action for r in audit_log.audit_report(cf.clinic, cf.director)]


# -- clock times ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("08:30", 510),
        ("8:30", 510),
        ("00:00", 0),
        ("24:00", 1440),
        (" 17:45 ", 1065),
        ("０８：３０", 510),
    ],
)
def test_parse_clock(text: str, minutes: int) -> None:
    """A3: roster times typed as HH:MM (a Chinese IME types full-width digits)."""
    assert parse_clock(text) == minutes


@pytest.mark.parametrize(
    "text",
    [
        "25:00",
        "24:30",
        "8:60",
        "",
        "   ",
        "830",
        "8.30",
        "八点",
        "😀",
        "1:2",
        "'; DROP TABLE roster_rule; --",
        "9" * 500,
    ],
)
def test_parse_clock_refuses_bad_times(text: str) -> None:
    with pytest.raises(ValidationError, match="not a time of day") as err:
        parse_clock(text)
    assert len(err.value.message()) < 300


def test_format_clock() -> None:
    assert rosters.format_clock(510) == "08:30"
    assert rosters.format_clock(1440) == "24:00"
    with pytest.raises(ValueError):
        rosters.format_clock(1441)


# -- doctor profiles (I2) ------------------------------------------------------------------


def test_doctor_profiles_and_list(cf: ClinicFixture) -> None:
    """I2: specialties and the description the desk reads to callers; doctors without a
    profile are listed too."""
    doc = _staff(cf, Role.DOCTOR, "li.ming")
    manager = _staff(cf, Role.HEALTH_MANAGER, "zhao.hm")
    _staff(cf, Role.PHARMACIST, "pharm")
    written = rosters.set_doctor_profile(
        cf.clinic,
        cf.director,
        doc,
        specialties="内科、全科",
        description="擅长高血压、糖尿病慢病管理。\n周一至周五上午出诊。",
        color="#3a7bd5",
    )
    assert written.changes.touches(Topic.ROSTERS) and doc in written.changes.ids
    assert written.value.color == "#3A7BD5" and written.value.has_profile
    desk = _actor(cf, Role.RECEPTIONIST)
    listed = {d.id: d for d in rosters.list_doctors(cf.clinic, desk)}
    assert set(listed) == {doc, manager}
    assert listed[doc].specialties == "内科、全科"
    assert listed[doc].description.endswith("上午出诊。")
    assert listed[manager].has_profile is False and listed[manager].specialties == ""
    assert listed[manager].bookable and listed[manager].active
    # Not bookable or disabled: still listed, left out of the calendar's columns.
    rosters.set_doctor_profile(
        cf.clinic, cf.director, manager, specialties="", description="", bookable=False
    )
    staff.update_staff(cf.clinic, cf.director, doc, disabled=True)
    assert rosters.list_doctors(cf.clinic, desk, bookable_only=True) == []
    assert not {d.id: d for d in rosters.list_doctors(cf.clinic, desk)}[doc].active
    assert "doctor_profile.set" in _actions(cf)


def test_profile_only_for_doctors_and_health_managers(cf: ClinicFixture) -> None:
    desk_id = _staff(cf, Role.RECEPTIONIST, "desk.two")
    with pytest.raises(ValidationError, match="Only doctors and health managers"):
        rosters.set_doctor_profile(cf.clinic, cf.director, desk_id, specialties="", description="")
    with pytest.raises(NotFound):
        rosters.set_doctor_profile(
            cf.clinic, cf.director, uuid.uuid4(), specialties="", description=""
        )


def test_profile_bad_input(cf: ClinicFixture) -> None:
    doc = _staff(cf, Role.DOCTOR)
    with pytest.raises(ValidationError, match="too long"):
        rosters.set_doctor_profile(
            cf.clinic, cf.director, doc, specialties="内" * 301, description=""
        )
    with pytest.raises(ValidationError, match="too long"):
        rosters.set_doctor_profile(
            cf.clinic, cf.director, doc, specialties="", description="x" * 2001
        )
    for color in ("blue", "#12345", "#GGGGGG", "'; DROP TABLE staff; --"):
        with pytest.raises(ValidationError, match="colour code"):
            rosters.set_doctor_profile(
                cf.clinic, cf.director, doc, specialties="", description="", color=color
            )
    # Emoji and control characters: kept and dropped.
    view = rosters.set_doctor_profile(
        cf.clinic, cf.director, doc, specialties="儿科 👶\x00", description="a\x07b"
    ).value
    assert view.specialties == "儿科 👶" and view.description == "ab"


def test_roles_for_rosters(cf: ClinicFixture) -> None:
    """I1: a receptionist or doctor reads rosters but cannot change them; a pharmacist
    does not see the calendar."""
    doc = _staff(cf, Role.DOCTOR)
    rosters.set_weekly_roster(cf.clinic, cf.director, doc, _week(0))
    for role in (Role.RECEPTIONIST, Role.DOCTOR):
        who = _actor(cf, role)
        assert rosters.get_weekly_roster(cf.clinic, who, doc).blocks
        assert rosters.list_resources(cf.clinic, who) == []
        assert rosters.list_closures(cf.clinic, who, MONDAY, MONDAY) == []
        with pytest.raises(PermissionDenied):
            rosters.set_weekly_roster(cf.clinic, who, doc, [])
        with pytest.raises(PermissionDenied):
            rosters.add_roster_exception(cf.clinic, who, doc, MONDAY, kind="off")
        with pytest.raises(PermissionDenied):
            rosters.add_resource(cf.clinic, who, kind="room", name="诊室1")
        with pytest.raises(PermissionDenied):
            rosters.add_appointment_type(cf.clinic, who, name="针灸", default_minutes=30)
        with pytest.raises(PermissionDenied):
            rosters.add_closure(cf.clinic, who, MONDAY, "培训")
        with pytest.raises(PermissionDenied):
            rosters.set_doctor_profile(cf.clinic, who, doc, specialties="", description="")
    pharmacist = _actor(cf, Role.PHARMACIST)
    with pytest.raises(PermissionDenied):
        rosters.list_doctors(cf.clinic, pharmacist)
    denied = [r for r in audit_log.audit_report(cf.clinic, cf.director) if r.outcome == "denied"]
    assert {r.action for r in denied} >= {"roster.manage", "appointment.view"}


# -- weekly roster (A3) --------------------------------------------------------------------


def test_weekly_roster_and_working_spans(cf: ClinicFixture) -> None:
    """A3: working hours minus breaks, per weekday."""
    doc = _staff(cf, Role.DOCTOR)
    written = rosters.set_weekly_roster(cf.clinic, cf.director, doc, _week(0, 1, 2, 3, 4))
    assert written.changes.touches(Topic.ROSTERS)
    assert len(written.value.blocks) == 15
    assert rosters.working_spans(cf.clinic, doc, MONDAY) == FULL_DAY
    assert rosters.working_spans(cf.clinic, doc, MONDAY + timedelta(days=5)) == []  # Saturday
    roster = rosters.get_weekly_roster(cf.clinic, cf.director, doc)
    assert roster.blocks == written.value.blocks
    assert "roster.set" in _actions(cf)


def test_replacing_a_roster_tombstones_the_old_rows(cf: ClinicFixture) -> None:
    doc = _staff(cf, Role.DOCTOR)
    rosters.set_weekly_roster(cf.clinic, cf.director, doc, _week(0, 1))
    rosters.set_weekly_roster(cf.clinic, cf.director, doc, [RosterBlock(0, 540, 600)])
    with cf.clinic.store.unit_of_work(write=False) as uow:
        alive = [r.deleted_at is None for r in uow.session.execute(select(RosterRule)).scalars()]
    assert len(alive) == 7
    assert sum(alive) == 1
    assert rosters.working_spans(cf.clinic, doc, MONDAY) == [(540, 600)]
    assert rosters.working_spans(cf.clinic, doc, MONDAY + timedelta(days=1)) == []


def test_roster_from_a_later_date_keeps_the_current_one(cf: ClinicFixture) -> None:
    """A3: a new roster from next month; until then the old one applies."""
    doc = _staff(cf, Role.DOCTOR)
    rosters.set_weekly_roster(cf.clinic, cf.director, doc, _week(0))
    change = date(2026, 12, 7)  # a Monday
    rosters.set_weekly_roster(
        cf.clinic, cf.director, doc, [RosterBlock(0, 840, 1020)], valid_from=change
    )
    assert rosters.working_spans(cf.clinic, doc, MONDAY) == FULL_DAY
    assert rosters.working_spans(cf.clinic, doc, change) == [(840, 1020)]
    assert rosters.get_weekly_roster(cf.clinic, cf.director, doc).valid_until == date(2026, 12, 6)
    later = rosters.get_weekly_roster(cf.clinic, cf.director, doc, on=change)
    assert later.valid_from == change and len(later.blocks) == 1
    spans = rosters.working_spans_range(cf.clinic, [doc], MONDAY, change)
    assert spans[(doc, MONDAY)] == FULL_DAY and spans[(doc, change)] == [(840, 1020)]
    # Replacing again from the same date supersedes the later version.
    rosters.set_weekly_roster(cf.clinic, cf.director, doc, [], valid_from=change)
    assert rosters.working_spans(cf.clinic, doc, change) == []
    assert rosters.working_spans(cf.clinic, doc, MONDAY) == FULL_DAY


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ([RosterBlock(0, 720, 480)], "ends before it starts"),
        ([RosterBlock(0, 600, 600)], "no length"),
        ([RosterBlock(0, 480, 1500)], "outside the day"),
        ([RosterBlock(0, -30, 480)], "outside the day"),
        ([RosterBlock(7, 480, 720)], "no weekday 7"),
        ([RosterBlock(-1, 480, 720)], "no weekday"),
        ([RosterBlock(0, 480, 720, "nap")], "not nap"),
        ([RosterBlock(0, 480, 720), RosterBlock(0, 690, 900)], "overlap"),
        ([RosterBlock(2, 480, 720), RosterBlock(2, 700, 710)], "overlap"),
        ([RosterBlock(0, 480, 720), RosterBlock(0, 700, 780, "break")], "not inside"),
        ([RosterBlock(0, 720, 780, "break")], "not inside"),
        ([RosterBlock(1, 480, 720), RosterBlock(0, 500, 510, "break")], "not inside"),
        ([RosterBlock(0, "08:00", "12:00")], "times of day"),  # type: ignore[arg-type]
        ([RosterBlock(0, 480.5, 720)], "times of day"),  # type: ignore[arg-type]
        ([RosterBlock(0, True, 720)], "times of day"),
        ([RosterBlock(d % 7, 0, 10) for d in range(101)], "at most 100"),
        ("08:00-12:00", "list of working hours"),
        ([("0", 480, 720)], "list of working hours"),
    ],
)
def test_bad_rosters_are_refused(
    shared: ClinicFixture, shared_doctor: uuid.UUID, blocks: object, message: str
) -> None:
    """Issue 5 bad input: end before start, zero length, 25:00, overlaps, a break outside
    working hours; nothing is written."""
    with pytest.raises(ValidationError, match=message):
        rosters.set_weekly_roster(shared.clinic, shared.director, shared_doctor, blocks)  # type: ignore[arg-type]
    assert rosters.get_weekly_roster(shared.clinic, shared.director, shared_doctor).blocks == ()


def test_roster_edges_that_are_fine(cf: ClinicFixture) -> None:
    """Touching blocks, a break at the edge, a late shift to midnight, duplicates."""
    doc = _staff(cf, Role.DOCTOR)
    blocks = [
        RosterBlock(0, 480, 720),
        RosterBlock(0, 720, 780),
        RosterBlock(0, 480, 500, "break"),
        RosterBlock(0, 760, 780, "break"),
        RosterBlock(4, 1080, 1440),
        RosterBlock(4, 1080, 1440),
    ]
    written = rosters.set_weekly_roster(cf.clinic, cf.director, doc, blocks)
    assert len(written.value.blocks) == 5
    assert rosters.working_spans(cf.clinic, doc, MONDAY) == [(500, 760)]
    assert rosters.working_spans(cf.clinic, doc, MONDAY + timedelta(days=4)) == [(1080, 1440)]


def test_roster_only_for_bookable_staff(cf: ClinicFixture) -> None:
    nurse = _staff(cf, Role.TRIAGE_NURSE)
    with pytest.raises(ValidationError, match="Only doctors and health managers"):
        rosters.set_weekly_roster(cf.clinic, cf.director, nurse, _week(0))
    with pytest.raises(NotFound):
        rosters.get_weekly_roster(cf.clinic, cf.director, uuid.uuid4())


# -- exceptions and working spans --------------------------------------------------------------


def test_days_off_and_extra_hours(cf: ClinicFixture) -> None:
    """A3: a day off, an afternoon off, extra Saturday hours."""
    doc = _staff(cf, Role.DOCTOR)
    rosters.set_weekly_roster(cf.clinic, cf.director, doc, _week(0, 1, 2, 3, 4))
    tuesday, wednesday, saturday = (MONDAY + timedelta(days=n) for n in (1, 2, 5))
    off = rosters.add_roster_exception(
        cf.clinic, cf.director, doc, tuesday, kind="off", reason="年假"
    )
    assert off.value.start_minute is None and off.value.reason == "年假"
    assert off.value.entered_by == cf.director.staff_id
    rosters.add_roster_exception(
        cf.clinic, cf.director, doc, wednesday, kind="off", start_minute=780, end_minute=1440
    )
    rosters.add_roster_exception(
        cf.clinic,
        cf.director,
        doc,
        saturday,
        kind="extra",
        start_minute=540,
        end_minute=720,
        reason="义诊",
    )
    assert rosters.working_spans(cf.clinic, doc, tuesday) == []
    assert rosters.working_spans(cf.clinic, doc, wednesday) == [(480, 600), (615, 720)]
    assert rosters.working_spans(cf.clinic, doc, saturday) == [(540, 720)]
    listed = rosters.list_roster_exceptions(cf.clinic, cf.director, MONDAY, saturday)
    assert [e.kind for e in listed] == ["off", "off", "extra"]
    removed = rosters.remove_roster_exception(cf.clinic, cf.director, off.value.id)
    assert removed.changes.touches(Topic.ROSTERS)
    assert rosters.working_spans(cf.clinic, doc, tuesday) == FULL_DAY
    with pytest.raises(NotFound):
        rosters.remove_roster_exception(cf.clinic, cf.director, off.value.id)
    actions = _actions(cf)
    assert actions.count("roster.exception_add") == 3 and "roster.exception_remove" in actions


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "holiday"}, "not holiday"),
        ({"kind": "absent"}, "absence screen"),
        ({"kind": "substitute"}, "absence screen"),
        ({"kind": "extra"}, "start and end time of the extra"),
        ({"kind": "off", "start_minute": 600}, "both the start and the end"),
        ({"kind": "off", "start_minute": 720, "end_minute": 600}, "ends before it starts"),
        ({"kind": "extra", "start_minute": 1380, "end_minute": 1500}, "outside the day"),
        ({"kind": "off", "reason": "病" * 501}, "too long"),
        ({"kind": "off", "reason": 42}, "should be text"),
    ],
)
def test_bad_exceptions_are_refused(
    shared: ClinicFixture, shared_doctor: uuid.UUID, kwargs: dict, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        rosters.add_roster_exception(
            shared.clinic, shared.director, shared_doctor, MONDAY, **kwargs
        )


def test_exception_day_and_substitute_checks(
    shared: ClinicFixture, shared_doctor: uuid.UUID
) -> None:
    cf, doc = shared, shared_doctor
    with pytest.raises(ValidationError, match="calendar date"):
        rosters.add_roster_exception(
            cf.clinic, cf.director, doc, datetime(2026, 11, 23, 8, tzinfo=UTC), kind="off"
        )
    with pytest.raises(ValidationError, match="calendar date"):
        rosters.add_roster_exception(cf.clinic, cf.director, doc, "2026-11-23", kind="off")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="themselves"):
        rosters.add_roster_exception(
            cf.clinic, cf.director, doc, MONDAY, kind="off", substitute_id=doc
        )
    pharmacist = _staff(cf, Role.PHARMACIST)
    with pytest.raises(ValidationError, match="Only doctors"):
        rosters.add_roster_exception(
            cf.clinic, cf.director, doc, MONDAY, kind="off", substitute_id=pharmacist
        )


def _absence(
    cf: ClinicFixture, doctor: uuid.UUID, day: date, kind: str, **extra: object
) -> uuid.UUID:
    """An absence row as the absence service (another module) records it."""
    with cf.clinic.store.unit_of_work(write=True) as uow:
        row = RosterException(staff_id=doctor, day=day, kind=kind, **extra)
        uow.session.add(row)
        uow.session.flush()
        row_id = row.id
        uow.commit()
    return row_id


def test_absences_and_substitutes_are_honoured(cf: ClinicFixture) -> None:
    """A7: an absent doctor has no working time that day (or span); a substitute takes
    over the absent doctor's hours."""
    doc, other = _staff(cf, Role.DOCTOR), _staff(cf, Role.DOCTOR)
    rosters.set_weekly_roster(cf.clinic, cf.director, doc, _week(0, 1, 2))
    rosters.set_weekly_roster(cf.clinic, cf.director, other, [RosterBlock(1, 840, 1020)])
    absent_id = _absence(cf, doc, MONDAY, "absent", reason="发烧")
    _absence(cf, doc, MONDAY + timedelta(days=2), "absent", start_minute=480, end_minute=720)
    tuesday = MONDAY + timedelta(days=1)
    _absence(cf, doc, tuesday, "substitute", substitute_id=other)
    spans = rosters.working_spans_range(cf.clinic, [doc, other], MONDAY, MONDAY + timedelta(2))
    assert spans[(doc, MONDAY)] == []
    assert spans[(doc, MONDAY + timedelta(days=2))] == [(810, 1050)]
    assert spans[(doc, tuesday)] == []
    assert spans[(other, tuesday)] == [(480, 600), (615, 720), (810, 1050)]
    assert spans[(other, MONDAY)] == []
    # The substitute alone (the absent doctor not asked for) still gets the hours.
    assert rosters.working_spans(cf.clinic, other, tuesday) == spans[(other, tuesday)]
    with pytest.raises(ValidationError, match="absence screen"):
        rosters.remove_roster_exception(cf.clinic, cf.director, absent_id)


def test_disabled_or_unknown_doctor_has_no_time(cf: ClinicFixture) -> None:
    """Issue 5 bad input: a doctor removed from service while booked has no working time."""
    doc = _staff(cf, Role.DOCTOR)
    rosters.set_weekly_roster(cf.clinic, cf.director, doc, _week(0))
    rosters.add_roster_exception(
        cf.clinic, cf.director, doc, MONDAY, kind="extra", start_minute=1200, end_minute=1260
    )
    staff.update_staff(cf.clinic, cf.director, doc, disabled=True)
    assert rosters.working_spans(cf.clinic, doc, MONDAY) == []
    ghost = uuid.uuid4()
    assert rosters.working_spans_range(cf.clinic, [ghost], MONDAY, MONDAY) == {(ghost, MONDAY): []}
    assert rosters.working_spans_range(cf.clinic, [], MONDAY, MONDAY) == {}


def test_working_spans_in_another_transaction(cf: ClinicFixture) -> None:
    """The booking service asks inside its own write transaction and sees its own rows."""
    doc = _staff(cf, Role.DOCTOR)
    rosters.set_weekly_roster(cf.clinic, cf.director, doc, _week(0))
    with cf.clinic.store.unit_of_work(write=True) as uow:
        uow.session.add(
            RosterException(
                staff_id=doc, day=MONDAY, kind="absent", start_minute=480, end_minute=600
            )
        )
        uow.session.flush()
        assert rosters.working_spans_in(uow, cf.clinic, doc, MONDAY) == [(615, 720), (810, 1050)]
        assert rosters.working_spans_in(uow.session, cf.clinic, doc, MONDAY) == [
            (615, 720),
            (810, 1050),
        ]
        assert rosters.working_spans_range_in(uow, [doc], MONDAY, MONDAY)[(doc, MONDAY)]
    assert rosters.working_spans(cf.clinic, doc, MONDAY) == FULL_DAY  # rolled back


def test_range_checks(cf: ClinicFixture) -> None:
    doc = _staff(cf, Role.DOCTOR)
    with pytest.raises(ValidationError, match="before the first day"):
        rosters.working_spans_range(cf.clinic, [doc], MONDAY, MONDAY - timedelta(days=1))
    with pytest.raises(ValidationError, match="too long"):
        rosters.working_spans_range(cf.clinic, [doc], MONDAY, MONDAY + timedelta(days=5000))
    with pytest.raises(ValidationError, match="before the first day"):
        rosters.list_closures(cf.clinic, cf.director, MONDAY, MONDAY - timedelta(days=1))


def test_a_week_of_eight_doctors_is_quick(cf: ClinicFixture) -> None:
    """Issue 5 speed: the calendar computes a week of 8 doctors on every draw (the real
    figure is bench/'s; this catches a query per day or per doctor creeping in)."""
    doctors = [_staff(cf, Role.DOCTOR) for _ in range(8)]
    for i, doc in enumerate(doctors):
        rosters.set_weekly_roster(cf.clinic, cf.director, doc, _week(0, 1, 2, 3, 4, 5))
        rosters.add_roster_exception(
            cf.clinic,
            cf.director,
            doc,
            MONDAY + timedelta(days=i % 7),
            kind="off",
            start_minute=480,
            end_minute=600,
        )
    sunday = MONDAY + timedelta(days=6)
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        spans = rosters.working_spans_range(cf.clinic, doctors, MONDAY, sunday)
        days = rosters.calendar_days(cf.clinic, MONDAY, sunday)
        timings.append(time.perf_counter() - started)
    assert len(spans) == 56 and len(days) == 7
    assert spans[(doctors[0], MONDAY)] == [(615, 720), (810, 1050)]
    # Speed is measured in bench/bench_calendar.py; this catches only a gross regression
    # (a query per doctor-day instead of three in all).
    assert min(timings) < 0.5, timings


# -- holidays and closures -----------------------------------------------------------------------


def test_day_info_holidays_and_closures(cf: ClinicFixture) -> None:
    """A3: public holidays per the clinic's calendar setting, plus its own closures; both
    make a day closed (booking asks), neither removes roster time."""
    doc = _staff(cf, Role.DOCTOR)
    rosters.set_weekly_roster(cf.clinic, cf.director, doc, _week(3))
    national = rosters.day_info(cf.clinic, date(2026, 10, 1))  # a Thursday
    assert national.closed and national.kind is DayKind.HOLIDAY
    assert national.holiday_name == "National Day" and national.holiday_name_zh == "国庆节"
    assert rosters.working_spans(cf.clinic, doc, date(2026, 10, 1)) == FULL_DAY
    tiaoxiu = rosters.day_info(cf.clinic, date(2026, 10, 10))
    assert tiaoxiu.kind is DayKind.ADJUSTED_WORKDAY and not tiaoxiu.closed
    assert not rosters.day_info(cf.clinic, MONDAY).closed

    written = rosters.add_closure(cf.clinic, cf.director, MONDAY, "  全员培训 ")
    assert written.value.reason == "全员培训" and written.changes.touches(Topic.ROSTERS)
    monday = rosters.day_info(cf.clinic, MONDAY)
    assert monday.closed and monday.closure_reason == "全员培训"
    assert monday.kind is DayKind.WORKDAY
    with pytest.raises(ValidationError, match="already marked closed"):
        rosters.add_closure(cf.clinic, cf.director, MONDAY, "again")
    assert [c.day for c in rosters.list_closures(cf.clinic, cf.director, MONDAY, MONDAY)] == [
        MONDAY
    ]
    rosters.remove_closure(cf.clinic, cf.director, written.value.id)
    assert not rosters.day_info(cf.clinic, MONDAY).closed
    with pytest.raises(NotFound):
        rosters.remove_closure(cf.clinic, cf.director, written.value.id)
    rosters.add_closure(cf.clinic, cf.director, MONDAY, "装修")  # allowed again after removal

    settings.update_settings(cf.clinic, cf.director, {"appointments.holiday_calendar": "HK"})
    assert rosters.day_info(cf.clinic, date(2026, 12, 25)).closed
    assert not rosters.day_info(cf.clinic, date(2026, 10, 2)).closed  # CN only
    settings.update_settings(cf.clinic, cf.director, {"appointments.holiday_calendar": "none"})
    assert not rosters.day_info(cf.clinic, date(2026, 10, 1)).closed
    actions = _actions(cf)
    assert "closure.add" in actions and "closure.remove" in actions


def test_bad_closures(cf: ClinicFixture) -> None:
    with pytest.raises(ValidationError, match="empty"):
        rosters.add_closure(cf.clinic, cf.director, MONDAY, "   ")
    with pytest.raises(ValidationError, match="too long"):
        rosters.add_closure(cf.clinic, cf.director, MONDAY, "装" * 201)
    with pytest.raises(ValidationError, match="calendar date"):
        rosters.add_closure(cf.clinic, cf.director, None, "x")  # type: ignore[arg-type]
    sql = rosters.add_closure(cf.clinic, cf.director, MONDAY, "x'); DROP TABLE staff; --")
    assert sql.value.reason == "x'); DROP TABLE staff; --"


# -- rooms and devices ----------------------------------------------------------------------------


def test_resources(cf: ClinicFixture) -> None:
    """A3: rooms and devices; names unique among active ones, ignoring case and Unicode form."""
    room = rosters.add_resource(
        cf.clinic, cf.director, kind="room", name="Room A", description="二楼"
    ).value
    ecg = rosters.add_resource(cf.clinic, cf.director, kind="device", name="心电图机 🫀").value
    assert ecg.name == "心电图机 🫀"
    with pytest.raises(ValidationError, match="already a room or device called"):
        rosters.add_resource(cf.clinic, cf.director, kind="device", name=" room a ")
    cafe = rosters.add_resource(cf.clinic, cf.director, kind="room", name="Caf\u00e9").value
    with pytest.raises(ValidationError, match="already"):
        rosters.add_resource(
            cf.clinic, cf.director, kind="room", name=unicodedata.normalize("NFD", "Caf\u00e9")
        )
    desk = _actor(cf, Role.RECEPTIONIST)
    assert [r.name for r in rosters.list_resources(cf.clinic, desk)] == [
        "Café",
        "Room A",
        "心电图机 🫀",
    ]
    assert [r.id for r in rosters.list_resources(cf.clinic, desk, kind="device")] == [ecg.id]

    renamed = rosters.update_resource(cf.clinic, cf.director, room.id, name="诊室 1")
    assert renamed.value.name == "诊室 1" and renamed.changes.touches(Topic.ROSTERS)
    assert rosters.update_resource(cf.clinic, cf.director, room.id, name="诊室 1").changes.ids == (
        frozenset()
    )
    with pytest.raises(ValidationError, match="already"):
        rosters.update_resource(cf.clinic, cf.director, cafe.id, name="诊室 1")

    off = rosters.deactivate_resource(cf.clinic, cf.director, cafe.id)
    assert not off.value.active
    assert cafe.id not in {r.id for r in rosters.list_resources(cf.clinic, desk)}
    assert cafe.id in {r.id for r in rosters.list_resources(cf.clinic, desk, include_inactive=True)}
    again = rosters.add_resource(cf.clinic, cf.director, kind="room", name="café").value
    with pytest.raises(ValidationError, match="already"):
        rosters.update_resource(cf.clinic, cf.director, cafe.id, active=True)
    rosters.deactivate_resource(cf.clinic, cf.director, again.id)
    assert rosters.update_resource(cf.clinic, cf.director, cafe.id, active=True).value.active
    with pytest.raises(NotFound):
        rosters.update_resource(cf.clinic, cf.director, uuid.uuid4(), name="x")
    actions = _actions(cf)
    assert {"resource.add", "resource.update", "resource.deactivate"} <= set(actions)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "room", "name": ""}, "empty"),
        ({"kind": "room", "name": " \t\n "}, "empty"),
        ({"kind": "room", "name": "诊" * 300}, "too long"),
        ({"kind": "room", "name": "B超室", "description": "x" * 501}, "too long"),
        ({"kind": "bed", "name": "床1"}, "room or a device, not bed"),
        ({"kind": "room", "name": None}, "should be text"),
    ],
)
def test_bad_resources(shared: ClinicFixture, kwargs: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        rosters.add_resource(shared.clinic, shared.director, **kwargs)


def test_resource_with_upcoming_bookings_stays(cf: ClinicFixture) -> None:
    """A3: a room still booked is not taken off the calendar silently."""
    room = rosters.add_resource(cf.clinic, cf.director, kind="room", name="B超室").value
    doc = _staff(cf, Role.DOCTOR)
    patient = patients.register_patient(
        cf.clinic, cf.director, family_name="张", given_name="三", phone="13812345678"
    ).value
    starts = cf.clock.now + timedelta(days=1)
    with cf.clinic.store.unit_of_work(write=True) as uow:
        appointment = Appointment(
            patient_id=patient.id,
            doctor_id=doc,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=30),
        )
        uow.session.add(appointment)
        uow.session.flush()
        uow.session.add(
            AppointmentResource(
                appointment_id=appointment.id,
                resource_id=room.id,
                starts_at=starts,
                ends_at=appointment.ends_at,
            )
        )
        uow.commit()
    with pytest.raises(ValidationError, match="1 upcoming appointments still need B超室"):
        rosters.deactivate_resource(cf.clinic, cf.director, room.id)
    cf.clock.advance(days=2)
    assert not rosters.deactivate_resource(cf.clinic, cf.director, room.id).value.active


# -- appointment types (A2) ----------------------------------------------------------------------


def test_appointment_types(cf: ClinicFixture) -> None:
    """A2: purposes with their usual length and the rooms and devices they need."""
    room = rosters.add_resource(cf.clinic, cf.director, kind="room", name="B超室").value
    ecg = rosters.add_resource(cf.clinic, cf.director, kind="device", name="心电图机").value
    checkup = rosters.add_appointment_type(
        cf.clinic,
        cf.director,
        name="入职体检",
        default_minutes=45,
        color="#aabbcc",
        resource_ids=[room.id, ecg.id, room.id],
    )
    assert checkup.value.resource_ids == (room.id, ecg.id)
    assert checkup.value.color == "#AABBCC" and checkup.changes.touches(Topic.ROSTERS)
    with pytest.raises(ValidationError, match="already an appointment type called"):
        rosters.add_appointment_type(cf.clinic, cf.director, name="入职体检 ", default_minutes=30)
    desk = _actor(cf, Role.RECEPTIONIST)
    defaults = {"General consult", "Specialist consult", "Physical exam", "Follow-up visit"}

    def custom() -> list[Any]:  # the spec's four purposes are made when the clinic opens
        return [t for t in rosters.list_appointment_types(cf.clinic, desk)
                if t.name not in defaults]

    assert [t.name for t in custom()] == ["入职体检"]

    changed = rosters.update_appointment_type(
        cf.clinic, cf.director, checkup.value.id, default_minutes=60, resource_ids=[ecg.id]
    )
    assert changed.value.default_minutes == 60 and changed.value.resource_ids == (ecg.id,)
    # A device taken off the calendar drops out of the types that needed it.
    rosters.deactivate_resource(cf.clinic, cf.director, ecg.id)
    assert custom()[0].resource_ids == ()
    with pytest.raises(ValidationError, match="no longer exists"):
        rosters.add_appointment_type(
            cf.clinic, cf.director, name="心电图", default_minutes=15, resource_ids=[ecg.id]
        )
    with pytest.raises(ValidationError, match="no longer exists"):
        rosters.add_appointment_type(
            cf.clinic, cf.director, name="心电图", default_minutes=15, resource_ids=[uuid.uuid4()]
        )

    off = rosters.deactivate_appointment_type(cf.clinic, cf.director, checkup.value.id)
    assert not off.value.active
    assert custom() == []
    assert len(rosters.list_appointment_types(cf.clinic, desk, include_inactive=True)) == 5
    actions = _actions(cf)
    assert {
        "appointment_type.add",
        "appointment_type.update",
        "appointment_type.deactivate",
    } <= set(actions)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "复诊", "default_minutes": 0}, "from 5 to 480; 0 is not"),
        ({"name": "复诊", "default_minutes": 1440}, "1440 is not"),
        ({"name": "复诊", "default_minutes": -15}, "is not"),
        ({"name": "复诊", "default_minutes": 15.5}, "whole number"),
        ({"name": "复诊", "default_minutes": True}, "whole number"),
        ({"name": "复诊", "default_minutes": "15"}, "whole number"),
        ({"name": "", "default_minutes": 15}, "empty"),
        ({"name": "复" * 300, "default_minutes": 15}, "too long"),
        ({"name": "复诊", "default_minutes": 15, "color": "red"}, "colour code"),
        ({"name": "复诊", "default_minutes": 15, "resource_ids": "abc"}, "from the list"),
    ],
)
def test_bad_appointment_types(shared: ClinicFixture, kwargs: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        rosters.add_appointment_type(shared.clinic, shared.director, **kwargs)


def test_default_types_once(cf: ClinicFixture) -> None:
    """A2: general consult, specialist, physical exam, follow-up visit, made when the clinic
    is first opened, once."""
    first = rosters.list_appointment_types(cf.clinic, cf.director)
    assert [(t.name, t.default_minutes) for t in first] == [
        ("General consult", 15),
        ("Specialist consult", 20),
        ("Physical exam", 30),
        ("Follow-up visit", 10),
    ]
    # The director removes one; it does not come back, not even on reopening.
    rosters.deactivate_appointment_type(cf.clinic, cf.director, first[0].id)
    again = rosters.ensure_default_types(cf.clinic)
    assert again.value == [] and not again.changes.topics
    cf.reopen()
    assert len(rosters.list_appointment_types(cf.clinic, cf.director)) == 3
    with cf.clinic.store.unit_of_work(write=False) as uow:
        assert len(list(uow.session.execute(select(AppointmentType)).scalars())) == 4
    assert _actions(cf).count("appointment_type.add") == 4

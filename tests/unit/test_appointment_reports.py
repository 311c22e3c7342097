"""Tomorrow's list (A8) and appointment statistics (A9)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from clinic_desk.core.errors import PermissionDenied, ValidationError
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import appointment_reports as reports
from clinic_desk.core.services import audit_log, patients, settings, staff
from clinic_desk.core.services.base import Actor
from clinic_desk.core.store.models import Appointment, AppointmentType, RosterException, Visit
from tests.conftest import ClinicFixture

# Local (Asia/Shanghai) 2026-11-24 09:00 = 01:00 UTC; the fake clock is Monday 23rd 10:00.
TUE = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def _actor(cf: ClinicFixture, role: Role) -> Actor:
    login = f"{role.value.replace('_', '.')}1"
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=login, role=role, password="some-pass-123"
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


def _doctor(cf: ClinicFixture, name: str) -> uuid.UUID:
    return staff.add_staff(
        cf.clinic,
        cf.director,
        login=f"dr{abs(hash(name)) % 10**6}",
        display_name=name,
        role=Role.DOCTOR,
        password="some-pass-123",
    ).value.id


def _patient(cf: ClinicFixture, family: str, given: str, phone: str, **kw: object) -> uuid.UUID:
    return patients.register_patient(
        cf.clinic, cf.director, family_name=family, given_name=given, phone=phone, **kw
    ).value.id


def _appt(
    cf: ClinicFixture,
    patient_id: uuid.UUID,
    doctor_id: uuid.UUID,
    starts_at: datetime,
    *,
    status: str = "booked",
    channel: str = "phone",
    minutes: int = 15,
    created_at: datetime | None = None,
    **kw: object,
) -> uuid.UUID:
    # Plain rows with the states the reports count (booking rules are tested elsewhere).
    with cf.clinic.store.unit_of_work(write=True) as uow:
        row = Appointment(
            patient_id=patient_id,
            doctor_id=doctor_id,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes),
            status=status,
            channel=channel,
            created_at=created_at or cf.clock.now,
            **kw,
        )
        uow.session.add(row)
        uow.session.flush()
        uow.commit()
        return row.id


def test_next_day_list_per_doctor_in_time_order(cf: ClinicFixture) -> None:
    """A8: tomorrow's active appointments per doctor, time order, with what the nurse needs."""
    li, wang = _doctor(cf, "李医生"), _doctor(cf, "王医生")
    old = _patient(cf, "赵", "大爷", "13800000001", sex="M", birth_date=date(1940, 1, 1))
    new = _patient(cf, "钱", "小红", "13800000002", sex="F", special_needs=("disabled",))
    with cf.clinic.store.unit_of_work(write=True) as uow:
        kind = AppointmentType(name="复诊", default_minutes=15)
        uow.session.add(kind)
        uow.session.add(Visit(patient_id=old, doctor_id=li, visit_at=TUE - timedelta(days=90)))
        uow.session.flush()
        uow.commit()
        type_id = kind.id
    _appt(cf, old, li, TUE + timedelta(hours=1), type_id=type_id, purpose="高血压复诊")
    _appt(cf, new, li, TUE, add_on=True)
    _appt(cf, new, wang, TUE + timedelta(hours=5))
    _appt(cf, old, wang, TUE + timedelta(hours=2), status="cancelled")
    _appt(cf, old, wang, TUE + timedelta(days=1))  # the day after: not on the list
    _appt(cf, old, wang, TUE - timedelta(hours=2))  # 07:00 the 24th local... still listed
    day_list = reports.next_day_list(cf.clinic, cf.director)
    assert day_list.day == date(2026, 11, 24)
    assert day_list.ready_at == datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # 16:30 local
    assert not day_list.ready
    by_name = {d.doctor_name: d for d in day_list.doctors}
    li_rows = by_name["李医生"].rows
    assert [r.local_time for r in li_rows] == ["09:00", "10:00"]
    assert li_rows[0].add_on and li_rows[0].first_visit
    assert "disabled" in li_rows[0].special_needs
    assert li_rows[1].type_name == "复诊" and li_rows[1].purpose == "高血压复诊"
    assert not li_rows[1].first_visit and "elderly" in li_rows[1].special_needs
    assert li_rows[1].address and li_rows[1].address != "赵大爷"[:0]
    assert li_rows[1].phone.endswith("13800000001")
    assert [r.local_time for r in by_name["王医生"].rows] == ["07:00", "14:00"]
    assert day_list.total == 4 and day_list.add_ons == 1
    cf.clock.advance(hours=7)  # 17:00 local: ready
    assert reports.next_day_list(cf.clinic, cf.director).ready
    rows = audit_log.audit_report(cf.clinic, cf.director)
    assert sum(r.action == "appointment.day_list" for r in rows) == 2


def test_day_list_time_is_a_setting_and_absence_is_shown(cf: ClinicFixture) -> None:
    """A8, A7: the ready time follows the setting; an absent doctor is flagged."""
    settings.update_settings(cf.clinic, cf.director, {"appointments.next_day_list_time": "15:00"})
    li = _doctor(cf, "李医生")
    pid = _patient(cf, "孙", "悟空", "13800000003")
    _appt(cf, pid, li, TUE)
    with cf.clinic.store.unit_of_work(write=True) as uow:
        uow.session.add(RosterException(staff_id=li, day=date(2026, 11, 24), kind="absent"))
        uow.commit()
    day_list = reports.next_day_list(cf.clinic, cf.director, date(2026, 11, 24), language="en")
    assert day_list.ready_at == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert day_list.doctors[0].absence == "absent"
    assert reports.next_day_list(cf.clinic, cf.director, date(2030, 1, 1)).doctors == ()


def test_day_list_roles_and_bad_input(cf: ClinicFixture) -> None:
    """A8: the triage nurse reads it; a pharmacist may not. Bad dates are refused."""
    nurse = _actor(cf, Role.TRIAGE_NURSE)
    assert reports.next_day_list(cf.clinic, nurse).total == 0
    pharmacist = _actor(cf, Role.PHARMACIST)
    with pytest.raises(PermissionDenied):
        reports.next_day_list(cf.clinic, pharmacist)
    with pytest.raises(ValidationError, match="should be a date"):
        reports.next_day_list(cf.clinic, cf.director, "2026-11-24")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="should be a date"):
        reports.next_day_list(cf.clinic, cf.director, TUE)  # type: ignore[arg-type]


def _stats_fixture(cf: ClinicFixture) -> tuple[uuid.UUID, uuid.UUID]:
    li, wang = _doctor(cf, "李医生"), _doctor(cf, "王医生")
    p1 = _patient(cf, "周", "一", "13800000011")
    p2 = _patient(cf, "吴", "二", "13800000012")
    day1, day2 = TUE, TUE + timedelta(days=1)
    _appt(cf, p1, li, day1, status="done", channel="phone")
    _appt(cf, p2, li, day1 + timedelta(hours=1), status="no_show", channel="online")
    _appt(cf, p1, wang, day1 + timedelta(hours=2), status="cancelled", late_cancel=True)
    _appt(cf, p2, wang, day2, status="arrived", add_on=True, channel="on_site")
    _appt(cf, p2, wang, day2 + timedelta(hours=1), status="cancelled")
    # 23:30 local on the 25th is 15:30 UTC: it belongs to the 25th, not the 26th.
    _appt(cf, p1, li, datetime(2026, 11, 25, 15, 30, tzinfo=UTC), status="booked")
    return li, wang


def test_statistics_by_day_doctor_channel_and_type(cf: ClinicFixture) -> None:
    """A9: bookings, arrivals, arrival and no-show rates, late cancellations, add-ons."""
    li, wang = _stats_fixture(cf)
    days = reports.statistics(cf.clinic, cf.director, date(2026, 11, 24), date(2026, 11, 30))
    assert [r.key for r in days] == ["2026-11-24", "2026-11-25"]
    d1, d2 = days
    assert (d1.bookings, d1.arrivals, d1.no_shows, d1.late_cancellations) == (3, 1, 1, 1)
    assert d1.arrival_rate == 0.5 and d1.no_show_rate == 0.5
    assert (d2.bookings, d2.arrivals, d2.add_ons, d2.cancellations) == (3, 1, 1, 1)
    # The 23:30 booking has not happened yet: it is still to come, not a missed arrival.
    assert (d2.pending, d2.arrival_rate, d2.no_show_rate) == (1, 1.0, 0.0)
    assert d1.pending == 0
    doctors = {
        r.key: r
        for r in reports.statistics(
            cf.clinic, cf.director, date(2026, 11, 24), date(2026, 11, 30), by="doctor"
        )
    }
    assert doctors[li.hex].bookings == 3 and doctors[li.hex].label == "李医生"
    assert doctors[wang.hex].late_cancellations == 1
    channels = {
        r.key: r.bookings
        for r in reports.statistics(
            cf.clinic, cf.director, date(2026, 11, 24), date(2026, 11, 30), by="channel"
        )
    }
    assert channels == {"phone": 4, "online": 1, "on_site": 1}
    types = reports.statistics(
        cf.clinic, cf.director, date(2026, 11, 24), date(2026, 11, 24), by="type"
    )
    assert [(r.key, r.bookings) for r in types] == [("", 3)]
    assert reports.statistics(cf.clinic, cf.director, date(2020, 1, 1), date(2020, 1, 31)) == []


def test_statistics_follow_the_clinic_time_zone(cf: ClinicFixture) -> None:
    """A9: per-day counts use the clinic's local days, also for a half-hour zone."""
    _stats_fixture(cf)
    settings.update_settings(cf.clinic, cf.director, {"clinic.timezone": "Asia/Kolkata"})
    cf.clinic.forget_settings()
    days = reports.statistics(cf.clinic, cf.director, date(2026, 11, 24), date(2026, 11, 30))
    # 15:30 UTC is 21:00 in India, still the 25th; 01:00 UTC is 06:30 the same day.
    assert [(r.key, r.bookings) for r in days] == [("2026-11-24", 3), ("2026-11-25", 3)]
    settings.update_settings(cf.clinic, cf.director, {"clinic.timezone": "America/New_York"})
    cf.clinic.forget_settings()
    days = reports.statistics(cf.clinic, cf.director, date(2026, 11, 23), date(2026, 11, 30))
    # 01:00-03:00 UTC on the 24th is 20:00-22:00 on the 23rd in New York.
    assert [(r.key, r.bookings) for r in days] == [
        ("2026-11-23", 3),
        ("2026-11-24", 2),
        ("2026-11-25", 1),
    ]


def test_revisit_booking_rate(cf: ClinicFixture) -> None:
    """A9: a done visit followed by a booking with the same doctor made within 30 days."""
    li, wang = _doctor(cf, "李医生"), _doctor(cf, "王医生")
    p1 = _patient(cf, "郑", "一", "13800000021")
    p2 = _patient(cf, "冯", "二", "13800000022")
    p3 = _patient(cf, "陈", "三", "13800000023")
    visit = TUE - timedelta(days=60)
    _appt(cf, p1, li, visit, status="done")
    _appt(cf, p1, li, visit + timedelta(days=40), created_at=visit + timedelta(days=1))
    _appt(cf, p2, li, visit, status="done")
    _appt(cf, p2, li, visit + timedelta(days=90), created_at=visit + timedelta(days=45))
    _appt(cf, p3, li, visit + timedelta(hours=1), status="done")
    _appt(cf, p3, wang, visit + timedelta(days=7), created_at=visit)  # another doctor
    rates = reports.revisit_booking_rate(cf.clinic, cf.director, visit.date(), TUE.date())
    assert rates == {li: (3, 1, pytest.approx(1 / 3))}


def test_monthly_summary(cf: ClinicFixture) -> None:
    """A9: the month's totals and its breakdowns agree."""
    _stats_fixture(cf)
    summary = reports.monthly_summary(cf.clinic, cf.director, 2026, 11)
    assert summary.first_day == date(2026, 11, 1) and summary.last_day == date(2026, 11, 30)
    assert summary.total.bookings == 6 == sum(r.bookings for r in summary.by_doctor)
    assert sum(r.bookings for r in summary.by_channel) == 6
    assert summary.total.key == "2026-11"
    assert reports.monthly_summary(cf.clinic, cf.director, 2026, 2).last_day == date(2026, 2, 28)
    for year, month in ((2026, 13), (2026, 0), (1, 1), (10**9, 1)):
        with pytest.raises(ValidationError, match="There is no month"):
            reports.monthly_summary(cf.clinic, cf.director, year, month)
    with pytest.raises(ValidationError, match="year and a month"):
        reports.monthly_summary(cf.clinic, cf.director, "2026", 11)  # type: ignore[arg-type]


def test_statistics_bad_input_and_roles(cf: ClinicFixture) -> None:
    """A9: statistics are the director's (QUALITY_REPORTS); bad periods are refused."""
    desk = _actor(cf, Role.RECEPTIONIST)
    with pytest.raises(PermissionDenied):
        reports.statistics(cf.clinic, desk, date(2026, 11, 1), date(2026, 11, 30))
    with pytest.raises(PermissionDenied):
        reports.monthly_summary(cf.clinic, desk, 2026, 11)
    with pytest.raises(ValidationError, match="before the first day"):
        reports.statistics(cf.clinic, cf.director, date(2026, 11, 30), date(2026, 11, 1))
    with pytest.raises(ValidationError, match="at most 3660 days"):
        reports.statistics(cf.clinic, cf.director, date(2000, 1, 1), date(2026, 1, 1))
    with pytest.raises(ValidationError, match="by day, doctor, channel"):
        reports.statistics(
            cf.clinic,
            cf.director,
            date(2026, 11, 1),
            date(2026, 11, 30),
            by="'; DROP TABLE appointment;--",
        )
    with pytest.raises(ValidationError, match="should be a date"):
        reports.revisit_booking_rate(cf.clinic, cf.director, None, date(2026, 1, 1))  # type: ignore[arg-type]

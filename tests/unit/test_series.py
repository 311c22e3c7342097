"""Recurring appointments: create, extend, change, cancel (spec A6, A2, A3; issue 5).

The fake clock starts on Monday 2026-11-23 at 10:00 in Asia/Shanghai.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from clinic_desk.core.errors import PermissionDenied, ValidationError
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import appointments, audit_log, patients, rosters, series, staff
from clinic_desk.core.services import settings as settings_service
from clinic_desk.core.services.base import Topic
from clinic_desk.core.store.models import Appointment
from tests.conftest import ClinicFixture

SH = ZoneInfo("Asia/Shanghai")
NINE = 9 * 60
TUE = date(2026, 11, 24)
WED = date(2026, 11, 25)


def _doctor(cf: ClinicFixture, name: str, login: str) -> uuid.UUID:
    """Works Monday-Friday 08:00-17:00."""
    doc = staff.add_staff(
        cf.clinic,
        cf.director,
        login=login,
        display_name=name,
        role=Role.DOCTOR,
        password="some-pass-123",
    ).value
    blocks = [rosters.RosterBlock(d, 8 * 60, 17 * 60) for d in range(5)]
    rosters.set_weekly_roster(cf.clinic, cf.director, doc.id, blocks)
    return doc.id


@pytest.fixture
def ids(cf: ClinicFixture) -> dict[str, uuid.UUID]:
    return {
        "li": _doctor(cf, "李医生", "dr.li"),
        "wang": _doctor(cf, "王医生", "dr.wang"),
        "pat": patients.register_patient(
            cf.clinic, cf.director, family_name="张", given_name="三", phone="13812345678"
        ).value.id,
        "other": patients.register_patient(
            cf.clinic, cf.director, family_name="李", given_name="四", phone="13812345679"
        ).value.id,
    }


def _create(cf: ClinicFixture, ids: dict[str, uuid.UUID], **kw: object) -> series.SeriesView:
    args: dict[str, object] = {
        "patient_id": ids["pat"],
        "doctor_id": ids["li"],
        "first_day": WED,
        "start_minute": NINE,
        "minutes": 15,
        "frequency": "weekly",
        "channel": "phone",
        "identity_checked": True,
        **kw,
    }
    return series.create_series(cf.clinic, cf.director, **args).value  # type: ignore[arg-type]


def _rows(cf: ClinicFixture, series_id: uuid.UUID) -> list[Appointment]:
    with cf.clinic.store.unit_of_work(write=False) as uow:
        rows = list(
            uow.session.execute(
                select(Appointment)
                .where(Appointment.series_id == series_id, Appointment.deleted_at.is_(None))
                .order_by(Appointment.starts_at)
            ).scalars()
        )
        uow.session.expunge_all()  # plain snapshots that outlive the read transaction
        return rows


def _local(row: Appointment) -> str:
    return row.starts_at.astimezone(SH).strftime("%Y-%m-%d %H:%M")


def test_every_eight_weeks_on_two_weekdays(cf: ClinicFixture, ids: dict[str, uuid.UUID]) -> None:
    """A6: every 8 weeks on Tuesday and Friday, six times, each at 09:00 local; audited."""
    written = series.create_series(
        cf.clinic,
        cf.director,
        patient_id=ids["pat"],
        doctor_id=ids["li"],
        first_day=TUE,
        start_minute=NINE,
        minutes=20,
        frequency="weekly",
        interval=8,
        weekdays=(1, 4),
        count=6,
        channel="phone",
        purpose="高血压复诊",
        identity_checked=True,
    )
    assert written.changes.touches(Topic.APPOINTMENTS)
    view = written.value
    rows = _rows(cf, view.id)
    assert [_local(r) for r in rows] == [
        "2026-11-24 09:00",
        "2026-11-27 09:00",
        "2027-01-19 09:00",
        "2027-01-22 09:00",
        "2027-03-16 09:00",
        "2027-03-19 09:00",
    ]
    assert all(r.series_day == r.starts_at.astimezone(SH).date() for r in rows)
    assert all(r.purpose == "高血压复诊" and r.identity_checked_at for r in rows)
    assert len(view.appointment_ids) == 6 and view.weekdays == frozenset({1, 4})
    actions = [r.action for r in audit_log.audit_report(cf.clinic, cf.director)]
    assert "series.create" in actions


def test_closed_days_are_skipped_or_flagged(cf: ClinicFixture, ids: dict[str, uuid.UUID]) -> None:
    """A3, A6: a clinic closure inside the series is skipped, or booked flagged."""
    rosters.add_closure(cf.clinic, cf.director, date(2026, 12, 9), "装修")
    skipped = _create(cf, ids, count=3)
    assert skipped.skipped_days == (date(2026, 12, 9),)
    assert [r.series_day for r in _rows(cf, skipped.id)] == [WED, date(2026, 12, 2)]
    flagged = _create(
        cf, ids, count=3, holiday_policy="flag", doctor_id=ids["wang"], confirm={"patient_busy"}
    )
    rows = _rows(cf, flagged.id)
    assert flagged.flagged_days == (date(2026, 12, 9),)
    assert [r.on_holiday for r in rows] == [False, False, True]


def test_public_holidays_follow_the_clinic_calendar(
    cf: ClinicFixture, ids: dict[str, uuid.UUID]
) -> None:
    """A3, A6: mainland New Year's Day is skipped; in Hong Kong Christmas is too."""
    fridays = _create(cf, ids, first_day=date(2026, 12, 25), count=3)
    assert fridays.skipped_days == (date(2027, 1, 1),)
    settings_service.update_settings(
        cf.clinic, cf.director, {"appointments.holiday_calendar": "HK"}
    )
    with pytest.raises(ValidationError, match="no day left to book"):
        _create(cf, ids, first_day=date(2026, 12, 25), count=1, doctor_id=ids["wang"])


def test_a_conflict_fails_the_whole_series_and_skip_days_fixes_it(
    cf: ClinicFixture, ids: dict[str, uuid.UUID]
) -> None:
    """A3, A6: one taken occurrence refuses all, naming the date; nothing half-written."""
    appointments.book(
        cf.clinic,
        cf.director,
        patient_id=ids["other"],
        doctor_id=ids["li"],
        starts_at=datetime(2026, 12, 2, 9, 5, tzinfo=SH),
        minutes=15,
        channel="phone",
        identity_checked=True,
    )
    with pytest.raises(series.SeriesConflict) as info:
        _create(cf, ids, count=4)
    assert info.value.conflicts == {date(2026, 12, 2): series.DOCTOR_BUSY}
    assert "2026-12-02" in info.value.message() and not info.value.confirmable
    with cf.clinic.store.unit_of_work(write=False) as uow:
        mine = uow.session.execute(
            select(Appointment.id).where(Appointment.patient_id == ids["pat"])
        ).all()
    assert mine == []
    view = _create(cf, ids, count=4, skip_days=[date(2026, 12, 2)])
    assert len(view.appointment_ids) == 3


def test_outside_hours_asks_and_can_be_confirmed(
    cf: ClinicFixture, ids: dict[str, uuid.UUID]
) -> None:
    """A3: a series outside the doctor's hours needs confirmation, not skipping."""
    with pytest.raises(series.SeriesConflict) as info:
        _create(cf, ids, start_minute=18 * 60, count=2)
    assert info.value.confirmable
    assert set(info.value.conflicts.values()) == {series.OUTSIDE_HOURS}
    view = _create(cf, ids, start_minute=18 * 60, count=2, confirm={"outside_hours"})
    assert len(view.appointment_ids) == 2


def test_open_ended_series_is_written_to_the_horizon_and_extended(
    cf: ClinicFixture, ids: dict[str, uuid.UUID]
) -> None:
    """A6: no end date → up to series_horizon_days; extension is idempotent."""
    # No public holidays here, so the counts are plain weeks.
    settings_service.update_settings(
        cf.clinic, cf.director, {"appointments.holiday_calendar": "none"}
    )
    view = _create(cf, ids)
    horizon = date(2026, 11, 23) + timedelta(days=180)
    assert view.generated_until == horizon
    rows = _rows(cf, view.id)
    assert rows[-1].series_day <= horizon and len(rows) == 26
    cf.clock.advance(days=28)
    added = series.extend_open_series(cf.clinic, cf.director)
    assert added == 4
    assert series.extend_open_series(cf.clinic, cf.director) == 0
    assert len(_rows(cf, view.id)) == 30
    settings_service.update_settings(
        cf.clinic, cf.director, {"appointments.series_horizon_days": 14}
    )
    small = _create(
        cf, ids, doctor_id=ids["wang"], first_day=date(2026, 12, 22), confirm={"patient_busy"}
    )
    assert len(small.appointment_ids) == 2


def test_daylight_saving_keeps_the_local_time(cf: ClinicFixture, ids: dict[str, uuid.UUID]) -> None:
    """Bad input (time zones): a New York clinic's 09:00 series stays 09:00 over DST."""
    settings_service.update_settings(
        cf.clinic, cf.director, {"clinic.timezone": "America/New_York"}
    )
    view = _create(cf, ids, first_day=date(2027, 3, 8), count=2)
    rows = _rows(cf, view.id)
    ny = ZoneInfo("America/New_York")
    assert [r.starts_at.astimezone(ny).hour for r in rows] == [9, 9]
    assert [r.starts_at.astimezone(UTC).hour for r in rows] == [14, 13]


def test_change_one_following_and_all(cf: ClinicFixture, ids: dict[str, uuid.UUID]) -> None:
    """A6: one occurrence moved stays moved; "all" rewrites the future only; "following"
    starts a new series and the old one ends the day before."""
    view = _create(cf, ids, count=5)
    first, second, third, *_ = _rows(cf, view.id)
    series.change_series(
        cf.clinic,
        cf.director,
        second.id,
        scope="one",
        starts_at_minute=10 * 60,
        identity_checked=True,
    )
    moved = next(r for r in _rows(cf, view.id) if r.id == second.id)
    assert _local(moved) == "2026-12-02 10:00" and moved.series_id == view.id
    cf.clock.advance(days=3)  # the first occurrence (25 Nov) is now past
    series.change_series(
        cf.clinic,
        cf.director,
        third.id,
        scope="all",
        starts_at_minute=11 * 60,
        identity_checked=True,
    )
    rows = _rows(cf, view.id)
    assert [_local(r) for r in rows] == [
        "2026-11-25 09:00",  # past: untouched
        "2026-12-02 10:00",  # moved on its own: kept
        "2026-12-09 11:00",
        "2026-12-16 11:00",
        "2026-12-23 11:00",
    ]
    assert rows[0].id == first.id
    fourth = rows[3]
    new = series.change_series(
        cf.clinic,
        cf.director,
        fourth.id,
        scope="following",
        weekdays=(4,),
        doctor_id=ids["wang"],
        identity_checked=True,
    ).value
    assert new.id != view.id and new.first_day == date(2026, 12, 16)
    assert [_local(r) for r in _rows(cf, new.id)] == ["2026-12-18 11:00"]
    old = series.get_series(cf.clinic, cf.director, view.id)
    assert old.until == date(2026, 12, 15)
    assert len(old.appointment_ids) == 3
    actions = [r.action for r in audit_log.audit_report(cf.clinic, cf.director)]
    assert actions.count("series.change") == 3


def test_cancel_one_following_and_all(cf: ClinicFixture, ids: dict[str, uuid.UUID]) -> None:
    """A6: cancelled occurrences stay as cancelled rows and are never written again."""
    view = _create(cf, ids, count=5)
    rows = _rows(cf, view.id)
    series.cancel_series(cf.clinic, cf.director, rows[1].id, scope="one", reason="出差")
    series.cancel_series(cf.clinic, cf.director, rows[3].id, scope="following", reason="好转")
    statuses = [r.status for r in _rows(cf, view.id)]
    assert statuses == ["booked", "cancelled", "booked", "cancelled", "cancelled"]
    assert series.get_series(cf.clinic, cf.director, view.id).until == date(2026, 12, 15)
    done = series.cancel_series(cf.clinic, cf.director, rows[0].id, scope="all", reason="转院")
    assert done.value.ended
    assert {r.status for r in _rows(cf, view.id)} == {"cancelled"}
    with pytest.raises(ValidationError, match="reason for cancelling is empty"):
        series.cancel_series(cf.clinic, cf.director, rows[0].id, scope="all", reason=" ")


def test_bad_input_is_refused_with_sentences(cf: ClinicFixture, ids: dict[str, uuid.UUID]) -> None:
    """Bad input: identity, channel, policy, lengths, midnight, past, huge count, scopes."""
    cases: list[tuple[dict[str, object], str]] = [
        ({"identity_checked": False}, "real-name"),
        ({"channel": "'; DROP TABLE appointment;--"}, "how the booking came in"),
        ({"holiday_policy": "ignore"}, "skipped or booked and flagged"),
        ({"minutes": 0}, "between 5 and 720"),
        ({"minutes": 24 * 60}, "between 5 and 720"),
        ({"start_minute": 23 * 60 + 50, "minutes": 30}, "past midnight"),
        ({"start_minute": -1}, "between 00:00 and 23:59"),
        ({"first_day": date(2026, 11, 1)}, "has passed"),
        ({"count": 10**9}, "at most 200"),
        ({"count": 0}, "at least 1"),
        ({"interval": 0}, "interval"),
        ({"until": date(2026, 11, 24)}, "before its first day"),
        ({"weekdays": (9,)}, "0 (Monday) to 6"),
        ({"frequency": "yearly"}, "daily, weekly or monthly"),
        ({"confirm": {"past"}}, "can only confirm"),
        ({"purpose": "复诊" * 200}, "at most 200"),
        ({"first_day": "2026-11-25"}, "calendar date"),
    ]
    for kwargs, words in cases:
        with pytest.raises(ValidationError) as info:
            _create(cf, ids, **kwargs)
        assert words in info.value.message(), (kwargs, info.value.message())
    single = appointments.book(
        cf.clinic,
        cf.director,
        patient_id=ids["pat"],
        doctor_id=ids["li"],
        starts_at=datetime(2026, 11, 26, 9, tzinfo=SH),
        minutes=15,
        channel="phone",
        identity_checked=True,
    ).value
    with pytest.raises(ValidationError, match="not part of a series"):
        series.change_series(cf.clinic, cf.director, single.id, scope="all", identity_checked=True)
    with pytest.raises(ValidationError, match="not part of a series"):
        series.cancel_series(cf.clinic, cf.director, single.id, scope="one", reason="x")
    assert appointments.get_appointment(cf.clinic, cf.director, single.id).status == "booked"
    view = _create(cf, ids, count=2)
    for scope in ("some", "", "全部"):
        with pytest.raises(ValidationError, match="Choose what to change"):
            series.change_series(
                cf.clinic,
                cf.director,
                view.appointment_ids[0],
                scope=scope,
                identity_checked=True,
            )
    with pytest.raises(ValidationError, match="Weekdays belong to the whole series"):
        series.change_series(
            cf.clinic,
            cf.director,
            view.appointment_ids[0],
            scope="one",
            weekdays=(1,),
            identity_checked=True,
        )


def test_roles(cf: ClinicFixture, ids: dict[str, uuid.UUID]) -> None:
    """I1: a doctor sees the calendar but does not book series; the desk does."""
    staff.add_staff(
        cf.clinic,
        cf.director,
        login="desk1",
        display_name="desk1",
        role=Role.RECEPTIONIST,
        password="some-pass-123",
    )
    desk = staff.sign_in(cf.clinic, "desk1", "some-pass-123")
    doctor = staff.sign_in(cf.clinic, "dr.li", "some-pass-123")
    with pytest.raises(PermissionDenied):
        series.create_series(
            cf.clinic,
            doctor,
            patient_id=ids["pat"],
            doctor_id=ids["li"],
            first_day=WED,
            start_minute=NINE,
            minutes=15,
            frequency="weekly",
            count=2,
            channel="phone",
            identity_checked=True,
        )
    view = series.create_series(
        cf.clinic,
        desk,
        patient_id=ids["pat"],
        doctor_id=ids["li"],
        first_day=WED,
        start_minute=NINE,
        minutes=15,
        frequency="weekly",
        count=2,
        channel="phone",
        identity_checked=True,
    ).value
    assert series.get_series(cf.clinic, doctor, view.id).count == 2
    with pytest.raises(PermissionDenied):
        series.cancel_series(cf.clinic, doctor, view.appointment_ids[0], scope="all", reason="x")

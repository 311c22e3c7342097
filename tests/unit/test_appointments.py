"""The booking service: book, move, cancel, statuses, free slots, suggestions (issue 5).

Spec A1-A6, A9 (no-show mark), A5 (booking cutoff). The fake clock starts on
Monday 2026-11-23 at 10:00 in Asia/Shanghai.
"""

from __future__ import annotations

import json
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic_desk.core.errors import ClinicError, NotFound, PermissionDenied, ValidationError
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import appointments as ap
from clinic_desk.core.services import audit_log, patients, rosters, staff
from clinic_desk.core.services import settings as settings_service
from clinic_desk.core.services.base import Actor, Topic
from clinic_desk.core.services.clinic import SetupResult, open_clinic
from clinic_desk.core.store.models import Appointment, Visit
from tests.conftest import (
    DIRECTOR_PASSWORD,
    PASSPHRASE,
    ClinicFixture,
    FakeClock,
    make_clinic,
)

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
# The fake clock's "today" is Monday 23 November 2026; these are later weekdays.
TUE, WED, THU, FRI = date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27)


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = SH) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def _actor(cf: ClinicFixture, role: Role, login: str | None = None) -> Actor:
    login = login or f"{role.value.replace('_', '.')}1"
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=login, role=role, password="some-pass-123"
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


def _doctor(cf: ClinicFixture, name: str, login: str) -> uuid.UUID:
    """A doctor working Monday-Friday 08:00-17:30 with lunch 12:00-13:30."""
    doc = staff.add_staff(
        cf.clinic,
        cf.director,
        login=login,
        display_name=name,
        role=Role.DOCTOR,
        password="some-pass-123",
    ).value
    blocks = []
    for weekday in range(5):
        blocks.append(rosters.RosterBlock(weekday, 8 * 60, 17 * 60 + 30))
        blocks.append(rosters.RosterBlock(weekday, 12 * 60, 13 * 60 + 30, "break"))
    rosters.set_weekly_roster(cf.clinic, cf.director, doc.id, blocks)
    return doc.id


def _patient(
    cf: ClinicFixture, family: str = "张", given: str = "三", phone: str = "13812345678"
) -> uuid.UUID:
    return patients.register_patient(
        cf.clinic, cf.director, family_name=family, given_name=given, phone=phone
    ).value.id


@dataclass
class Desk:
    cf: ClinicFixture
    dr_li: uuid.UUID
    dr_wu: uuid.UUID
    pat: uuid.UUID
    pat2: uuid.UUID

    def book(
        self,
        start: datetime,
        *,
        doctor: uuid.UUID | None = None,
        patient: uuid.UUID | None = None,
        actor: Actor | None = None,
        **kw: object,
    ) -> ap.AppointmentView:
        kw.setdefault("minutes", 15)
        kw.setdefault("channel", "phone")
        kw.setdefault("identity_checked", True)
        return ap.book(
            self.cf.clinic,
            actor or self.cf.director,
            patient_id=patient or self.pat,
            doctor_id=doctor or self.dr_li,
            starts_at=start,
            **kw,  # type: ignore[arg-type]
        ).value


@dataclass(frozen=True)
class _Template:
    data_dir: Path
    setup: SetupResult
    ids: tuple[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Template]:
    # One clinic with two doctors and two patients, copied for each test: setting up
    # a clinic costs most of a test's time.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLINIC_DESK_NO_KEYRING", "1")
        base = make_clinic(tmp_path_factory.mktemp("appointments") / "clinic", FakeClock())
        ids = (
            _doctor(base, "李医生", "dr.li"),
            _doctor(base, "吴医生", "dr.wu"),
            _patient(base),
            _patient(base, "陈", "小红", "13900001111"),
        )
        base.clinic.close()
    yield _Template(base.data_dir, base.setup, ids)


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
def desk(cf: ClinicFixture, template: _Template) -> Desk:
    return Desk(cf, *template.ids)


def _actions(cf: ClinicFixture) -> list[audit_log.AuditRow]:
    return audit_log.audit_report(cf.clinic, cf.director)


# -- booking (A1, A2) ----------------------------------------------------------------


def test_book_records_everything_and_is_audited(desk: Desk) -> None:
    """A1 channel, A2 patient/purpose/doctor/time, real-name; one audit row with patient."""
    cf = desk.cf
    room = rosters.add_resource(cf.clinic, cf.director, kind="room", name="B超室").value
    written = ap.book(
        cf.clinic,
        cf.director,
        patient_id=desk.pat,
        doctor_id=desk.dr_li,
        starts_at=at(WED, 9),
        minutes=20,
        resource_ids=[room.id],
        channel="online",
        purpose="复诊",
        notes="带上次化验单",
        identity_checked=True,
    )
    view = written.value
    assert written.changes.touches(Topic.APPOINTMENTS) and view.id in written.changes.ids
    assert view.starts_at == at(WED, 9).astimezone(UTC) and view.starts_at.tzinfo is UTC
    assert view.minutes == 20 and view.status == "booked" and view.channel == "online"
    assert (view.patient_name, view.patient_phone, view.doctor_name) == (
        "张三",
        "+8613812345678",
        "李医生",
    )
    assert view.identity_checked and not view.add_on and view.resource_ids == (room.id,)
    assert view.purpose == "复诊" and view.notes == "带上次化验单"
    assert ap.get_appointment(cf.clinic, cf.director, view.id) == view
    rows = [r for r in _actions(cf) if r.action == "appointment.book"]
    assert len(rows) == 1 and rows[0].patient_id == desk.pat
    assert "张三" not in rows[0].detail
    # Stamped by the clinic's clock (the revisit rate compares it with visit times).
    with cf.clinic.store.unit_of_work(write=False) as uow:
        row = uow.session.get(Appointment, view.id)
        assert row is not None and row.created_at == cf.clinic.now()


def test_channels_and_statuses_have_labels() -> None:
    """A1: the five channels; the seven statuses with their transitions."""
    assert set(ap.CHANNELS) == {"phone", "online", "on_site", "referral", "free_clinic"}
    assert set(ap.STATUSES) == set(ap.TRANSITIONS)
    assert "done" in ap.TRANSITIONS["in_consultation"]
    assert not ap.TRANSITIONS["cancelled"]


def test_book_request_value(desk: Desk) -> None:
    req = ap.BookingRequest(
        patient_id=desk.pat,
        doctor_id=desk.dr_li,
        starts_at=at(WED, 10),
        channel="on_site",
        identity_checked=True,
        minutes=30,
    )
    view = ap.book_request(desk.cf.clinic, desk.cf.director, req).value
    assert view.minutes == 30 and view.channel == "on_site"


def test_identity_must_be_checked(desk: Desk) -> None:
    """A2 real-name booking: refused with a sentence when the desk did not check the ID."""
    with pytest.raises(ValidationError, match="real-name"):
        desk.book(at(WED, 9), identity_checked=False)
    with pytest.raises(ValidationError, match="real-name"):
        desk.book(at(WED, 9), identity_checked="yes")


def test_type_default_length_and_resources(desk: Desk) -> None:
    """A2/A3: an appointment type gives the length and the rooms it needs."""
    cf = desk.cf
    ecg = rosters.add_resource(cf.clinic, cf.director, kind="device", name="心电图机").value
    kind = rosters.add_appointment_type(
        cf.clinic, cf.director, name="体检", default_minutes=45, resource_ids=[ecg.id]
    ).value
    view = desk.book(at(WED, 9), minutes=None, type_id=kind.id)
    assert view.minutes == 45 and view.type_name == "体检" and view.resource_ids == (ecg.id,)
    # Another doctor needs the same device at the same time: the device is taken.
    with pytest.raises(ap.SlotTaken) as caught:
        desk.book(
            at(WED, 9, 30), doctor=desk.dr_wu, patient=desk.pat2, type_id=kind.id, minutes=None
        )
    assert caught.value.holder_kind == "device" and caught.value.holder_name == "心电图机"
    assert caught.value.next_free[0] == at(WED, 9, 45).astimezone(UTC)


# -- bad input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (0, "ends before or when it starts"),
        (-30, "ends before or when it starts"),
        (4, "too short"),
        (24 * 60, "too long"),
        (721, "too long"),
    ],
)
def test_lengths_refused(desk: Desk, minutes: int, words: str) -> None:
    """Zero, negative, too short and 24-hour lengths are refused with a sentence."""
    with pytest.raises(ValidationError, match=words):
        desk.book(at(WED, 9), minutes=minutes)


def test_end_before_start_refused(desk: Desk) -> None:
    with pytest.raises(ValidationError, match="ends before or when it starts"):
        desk.book(at(WED, 9), minutes=None, ends_at=at(WED, 8, 30))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(minutes=st.one_of(st.integers(max_value=4), st.integers(min_value=721)))
def test_any_length_out_of_range_is_refused(desk: Desk, minutes: int) -> None:
    with pytest.raises(ValidationError):
        desk.book(at(WED, 9), minutes=minutes)
    assert ap.appointments_between(desk.cf.clinic, desk.cf.director, at(WED, 0), at(THU, 0)) == []


def test_across_midnight_refused_but_ending_at_midnight_allowed(desk: Desk) -> None:
    with pytest.raises(ValidationError, match="past midnight"):
        desk.book(at(WED, 23, 30), minutes=60, confirm={"outside_hours"})
    view = desk.book(at(WED, 23, 30), minutes=30, confirm={"outside_hours"})
    assert view.ends_at == at(THU, 0).astimezone(UTC)


def test_bad_values_get_sentences(desk: Desk) -> None:
    with pytest.raises(ValidationError, match="how the booking came in"):
        desk.book(at(WED, 9), channel="fax")
    with pytest.raises(ValidationError, match="no time zone"):
        desk.book(datetime(2026, 11, 25, 9, 0))
    with pytest.raises(ValidationError, match="too long"):
        desk.book(at(WED, 9), purpose="体检" * 200)
    with pytest.raises(ValidationError, match="Unknown confirmation"):
        desk.book(at(WED, 9), confirm={"whatever"})
    with pytest.raises(NotFound):
        desk.book(at(WED, 9), doctor=uuid.uuid4())
    with pytest.raises(NotFound):
        desk.book(at(WED, 9), patient=uuid.uuid4())
    with pytest.raises(NotFound):
        desk.book(at(WED, 9), resource_ids=[uuid.uuid4()])


def test_cjk_emoji_and_sql_text_kept_verbatim(desk: Desk) -> None:
    text = "复诊 😀'; DROP TABLE appointment; --"
    view = desk.book(at(WED, 9), purpose=text, notes="第一行\n第二行\x00\x07")
    assert view.purpose == text and view.notes == "第一行\n第二行"
    assert (
        len(ap.appointments_between(desk.cf.clinic, desk.cf.director, at(WED, 0), at(THU, 0))) == 1
    )


def test_not_a_doctor_and_not_bookable(desk: Desk) -> None:
    cf = desk.cf
    desk_clerk = staff.add_staff(
        cf.clinic,
        cf.director,
        login="desk9",
        display_name="前台",
        role=Role.RECEPTIONIST,
        password="some-pass-123",
    ).value
    with pytest.raises(ValidationError, match="not open for booking"):
        desk.book(at(WED, 9), doctor=desk_clerk.id)
    rosters.set_doctor_profile(
        cf.clinic, cf.director, desk.dr_wu, specialties="内科", description="", bookable=False
    )
    with pytest.raises(ValidationError, match="not open for booking"):
        desk.book(at(WED, 9), doctor=desk.dr_wu)


def test_doctor_disabled_while_booked(desk: Desk) -> None:
    """Existing bookings stay visible; new ones are refused with a sentence."""
    cf = desk.cf
    view = desk.book(at(WED, 9))
    staff.update_staff(cf.clinic, cf.director, desk.dr_li, disabled=True)
    shown = ap.appointments_between(cf.clinic, cf.director, at(WED, 0), at(THU, 0))
    assert [v.id for v in shown] == [view.id]
    with pytest.raises(ValidationError, match="disabled"):
        desk.book(at(WED, 10))


# -- confirmations ------------------------------------------------------------------------


def test_booking_in_the_past_asks(desk: Desk) -> None:
    """Booking in the past asks first (recording a visit after the fact)."""
    last_friday = date(2026, 11, 20)
    with pytest.raises(ap.NeedsConfirmation) as caught:
        desk.book(at(last_friday, 9))
    assert caught.value.reasons == {"past"}
    assert "2026-11-20 09:00" in caught.value.message()
    assert desk.book(at(last_friday, 9), confirm={"past"}).starts_at < desk.cf.clock.now


def test_outside_hours_asks(desk: Desk) -> None:
    """A3: outside rostered hours (before work, at lunch, at the weekend) asks."""
    for start in (at(WED, 7, 30), at(WED, 12, 15), at(date(2026, 11, 28), 9)):
        with pytest.raises(ap.NeedsConfirmation) as caught:
            desk.book(start)
        assert caught.value.reasons == {"outside_hours"}
    assert "08:00-12:00, 13:30-17:30" in caught.value.message() or "-" in caught.value.message()
    view = desk.book(at(WED, 12, 15), confirm={"outside_hours"})
    assert view.status == "booked"
    # Straddling the end of lunch is outside too; ending as lunch starts is inside.
    with pytest.raises(ap.NeedsConfirmation):
        desk.book(at(WED, 13, 15), minutes=30)
    desk.book(at(WED, 11, 45))


def test_closed_day_asks_and_is_flagged(desk: Desk) -> None:
    """Holidays and the clinic's own closures ask first; the booking is flagged."""
    cf = desk.cf
    rosters.add_closure(cf.clinic, cf.director, THU, "全员培训")
    with pytest.raises(ap.NeedsConfirmation) as caught:
        desk.book(at(THU, 9))
    assert caught.value.reasons == {"closed_day"} and "全员培训" in caught.value.message()
    assert desk.book(at(THU, 9), confirm={"closed_day"}).on_holiday
    # New Year's Day 2027 is a public holiday in the CN calendar.
    with pytest.raises(ap.NeedsConfirmation) as caught:
        desk.book(at(date(2027, 1, 1), 9))
    assert "closed_day" in caught.value.reasons


def test_patient_booked_twice_at_once_warns(desk: Desk) -> None:
    """A patient with two doctors at the same time: a warning, then allowed."""
    desk.book(at(WED, 9), minutes=30)
    with pytest.raises(ap.NeedsConfirmation) as caught:
        desk.book(at(WED, 9, 15), doctor=desk.dr_wu)
    assert caught.value.reasons == {"patient_busy"}
    assert "李医生" in caught.value.message()
    assert desk.book(at(WED, 9, 15), doctor=desk.dr_wu, confirm={"patient_busy"})


def test_several_reasons_come_together(desk: Desk) -> None:
    desk.book(at(date(2026, 11, 21), 9), confirm={"past", "outside_hours"})
    with pytest.raises(ap.NeedsConfirmation) as caught:
        desk.book(at(date(2026, 11, 21), 9), doctor=desk.dr_wu)
    assert caught.value.reasons == {"past", "outside_hours", "patient_busy"}
    assert len(caught.value.sentences()) == 3


# -- the cutoff (A5) and roles -------------------------------------------------------------


def test_cutoff_for_tomorrow_and_today(cf: ClinicFixture, desk: Desk) -> None:
    """A5: tomorrow closes at 16:00 today; a receptionist is told the director can
    override; the director overrides with a reason, audited."""
    clerk = _actor(cf, Role.RECEPTIONIST)
    desk.book(at(TUE, 9), actor=clerk)  # 10:00 today: tomorrow is still open
    cf.clock.advance(hours=6, minutes=1)  # 16:01
    with pytest.raises(ap.CutoffPassed, match="Only the director") as caught:
        desk.book(at(TUE, 10), actor=clerk)
    assert "16:00" in caught.value.message()
    with pytest.raises(ap.CutoffPassed):  # today is closed too
        desk.book(at(date(2026, 11, 23), 17), actor=clerk, confirm={"after_cutoff"})
    denied = [r for r in _actions(cf) if r.outcome == "denied"]
    assert denied and denied[-1].action == "booking.override"
    with pytest.raises(ap.NeedsConfirmation) as needs:
        desk.book(at(TUE, 10))
    assert needs.value.reasons == {"after_cutoff"}
    with pytest.raises(ValidationError, match="reason"):
        desk.book(at(TUE, 10), confirm={"after_cutoff"})
    view = desk.book(at(TUE, 10), confirm={"after_cutoff"}, override_reason="老病人复查，院长同意")
    assert view.override_reason == "老病人复查，院长同意"
    overrides = [r for r in _actions(cf) if r.action == "appointment.cutoff_override"]
    assert len(overrides) == 1 and overrides[0].reason == "老病人复查，院长同意"
    assert overrides[0].patient_id == desk.pat
    # The day after tomorrow is open to the receptionist.
    desk.book(at(WED, 9), actor=clerk)


def test_pharmacist_cannot_book_or_view(cf: ClinicFixture, desk: Desk) -> None:
    pharmacist = _actor(cf, Role.PHARMACIST)
    with pytest.raises(PermissionDenied):
        desk.book(at(WED, 9), actor=pharmacist)
    with pytest.raises(PermissionDenied):
        ap.appointments_between(cf.clinic, pharmacist, at(WED, 0), at(THU, 0))
    doctor = _actor(cf, Role.DOCTOR, "doc.reader")
    assert ap.appointments_between(cf.clinic, doctor, at(WED, 0), at(THU, 0)) == []
    with pytest.raises(PermissionDenied):
        desk.book(at(WED, 9), actor=doctor)


# -- conflicts (A3) and the add-on (A6) -------------------------------------------------------


def test_doctor_conflict_names_holder_and_offers_next_free(desk: Desk) -> None:
    """No double booking of a doctor: the error says who holds the slot, not the other
    patient, and offers the next three free starts in working time."""
    first = desk.book(at(WED, 9), minutes=30)
    desk.book(at(WED, 9, 30), minutes=15, patient=desk.pat2)
    with pytest.raises(ap.SlotTaken) as caught:
        desk.book(at(WED, 9, 15), minutes=30, patient=desk.pat2, confirm={"patient_busy"})
    err = caught.value
    assert err.holder_kind == "doctor" and err.holder_name == "李医生"
    assert err.holder_appointment_id == first.id
    assert err.next_free == [at(WED, h, m).astimezone(UTC) for h, m in ((9, 45), (10, 0), (10, 15))]
    message = err.message()
    assert "李医生" in message and "09:00" in message and "09:45" in message
    assert "张三" not in message and "陈小红" not in message
    # Touching appointments do not conflict.
    desk.book(at(WED, 9, 45), minutes=15, patient=desk.pat2)


def test_next_free_skips_lunch_and_evening(desk: Desk) -> None:
    desk.book(at(WED, 16, 30), minutes=60)
    with pytest.raises(ap.SlotTaken) as caught:
        desk.book(at(WED, 16, 30), patient=desk.pat2, minutes=60)
    assert caught.value.next_free[0] == at(THU, 8).astimezone(UTC)


def test_add_on_over_full_doctor_is_flagged(desk: Desk) -> None:
    """A6 临时加号: over a booked doctor, flagged; a room still cannot double-book."""
    cf = desk.cf
    room = rosters.add_resource(cf.clinic, cf.director, kind="room", name="诊室1").value
    desk.book(at(WED, 9), minutes=30, resource_ids=[room.id])
    extra = desk.book(at(WED, 9), patient=desk.pat2, add_on=True)
    assert extra.add_on
    with pytest.raises(ap.SlotTaken) as caught:
        desk.book(
            at(WED, 9),
            doctor=desk.dr_wu,
            patient=desk.pat2,
            add_on=True,
            resource_ids=[room.id],
            confirm={"patient_busy"},
        )
    assert caught.value.holder_kind == "room" and caught.value.holder_name == "诊室1"


def test_two_desks_cannot_take_the_same_slot(desk: Desk) -> None:
    """The checks and the write share one BEGIN IMMEDIATE transaction."""
    results: list[str] = []
    patients_ = [
        desk.pat,
        desk.pat2,
        _patient(desk.cf, "王", "五", "13700002222"),
        _patient(desk.cf, "赵", "六", "13600003333"),
    ]

    def try_book(patient: uuid.UUID) -> None:
        try:
            desk.book(at(WED, 11), patient=patient)
            results.append("ok")
        except ap.SlotTaken:
            results.append("taken")
        except ClinicError as error:  # a busy database is also a safe outcome
            results.append(type(error).__name__)

    threads = [threading.Thread(target=try_book, args=(p,)) for p in patients_]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1
    shown = ap.appointments_between(desk.cf.clinic, desk.cf.director, at(WED, 0), at(THU, 0))
    assert len(shown) == 1


# -- move, cancel -------------------------------------------------------------------------------


def test_move_in_place_keeps_id_and_audits_old_and_new(desk: Desk) -> None:
    """A6 reschedule by drag: same id, identity checked again (A2), audit old/new."""
    cf = desk.cf
    view = desk.book(at(WED, 9), minutes=30)
    ap.confirm_appointment(cf.clinic, cf.director, view.id)
    with pytest.raises(ValidationError, match="real-name"):
        ap.move(cf.clinic, cf.director, view.id, starts_at=at(WED, 10), identity_checked=False)
    # Overlapping its own old time is no conflict.
    moved = ap.move(
        cf.clinic, cf.director, view.id, starts_at=at(WED, 9, 15), identity_checked=True
    ).value
    assert moved.id == view.id and moved.starts_at == at(WED, 9, 15).astimezone(UTC)
    assert moved.minutes == 30 and moved.status == "booked"  # confirmation asked again
    resized = ap.move(
        cf.clinic,
        cf.director,
        view.id,
        starts_at=at(WED, 9, 15),
        ends_at=at(WED, 10),
        identity_checked=True,
    ).value
    assert resized.minutes == 45
    to_wu = ap.move(
        cf.clinic,
        cf.director,
        view.id,
        starts_at=at(THU, 9),
        doctor_id=desk.dr_wu,
        identity_checked=True,
    ).value
    assert to_wu.doctor_name == "吴医生"
    rows = [r for r in _actions(cf) if r.action == "appointment.move"]
    assert len(rows) == 3
    detail = next(json.loads(r.detail) for r in rows if desk.dr_wu.hex in r.detail)
    assert detail["old"]["starts_at"].startswith("2026-11-25T01:15")
    assert detail["new"]["doctor_id"] == desk.dr_wu.hex


def test_move_checks_conflicts_and_rules(desk: Desk) -> None:
    cf = desk.cf
    a = desk.book(at(WED, 9))
    desk.book(at(WED, 10), patient=desk.pat2)
    with pytest.raises(ap.SlotTaken):
        ap.move(cf.clinic, cf.director, a.id, starts_at=at(WED, 10), identity_checked=True)
    with pytest.raises(ap.NeedsConfirmation) as caught:
        ap.move(cf.clinic, cf.director, a.id, starts_at=at(WED, 7), identity_checked=True)
    assert caught.value.reasons == {"outside_hours"}
    with pytest.raises(ValidationError, match="past midnight"):
        ap.move(cf.clinic, cf.director, a.id, starts_at=at(WED, 23, 55), identity_checked=True)
    clerk = _actor(cf, Role.RECEPTIONIST)
    cf.clock.advance(hours=7)  # 17:00: tomorrow closed for the clerk
    with pytest.raises(ap.CutoffPassed):
        ap.move(cf.clinic, clerk, a.id, starts_at=at(TUE, 9), identity_checked=True)
    ap.cancel(cf.clinic, cf.director, a.id, reason="患者来电取消")
    with pytest.raises(ValidationError, match="can no longer be moved"):
        ap.move(cf.clinic, cf.director, a.id, starts_at=at(THU, 9), identity_checked=True)


def test_cancel_late_and_frees_resources(desk: Desk) -> None:
    """A6 cancel; A9 late cancellation within late_cancel_hours of the start."""
    cf = desk.cf
    room = rosters.add_resource(cf.clinic, cf.director, kind="room", name="治疗室").value
    soon = desk.book(at(TUE, 9), resource_ids=[room.id])
    later = desk.book(at(FRI, 9), resource_ids=[room.id])
    with pytest.raises(ValidationError, match="empty"):
        ap.cancel(cf.clinic, cf.director, soon.id, reason="  ")
    w = ap.cancel(cf.clinic, cf.director, soon.id, reason="患者来电取消")
    assert w.value.status == "cancelled" and w.value.late_cancel
    assert not ap.cancel(cf.clinic, cf.director, later.id, reason="改期").value.late_cancel
    # The room is free again for another doctor.
    desk.book(at(FRI, 9), doctor=desk.dr_wu, patient=desk.pat2, resource_ids=[room.id])
    shown = ap.appointments_between(cf.clinic, cf.director, at(TUE, 0), at(date(2026, 11, 28), 0))
    assert len(shown) == 1
    everything = ap.appointments_between(
        cf.clinic, cf.director, at(TUE, 0), at(date(2026, 11, 28), 0), include_cancelled=True
    )
    assert len(everything) == 3
    with pytest.raises(ValidationError, match="cannot become"):
        ap.cancel(cf.clinic, cf.director, soon.id, reason="again")


# -- the status machine and no-shows (A9) ----------------------------------------------------


def test_status_machine(cf: ClinicFixture, desk: Desk) -> None:
    view = desk.book(
        at(date(2026, 11, 23), 10, 30), confirm={"after_cutoff"}, override_reason="当日预约"
    )
    nurse = _actor(cf, Role.TRIAGE_NURSE)
    doctor = _actor(cf, Role.DOCTOR, "doc.two")
    assert ap.confirm_appointment(cf.clinic, cf.director, view.id).value.confirmed_at
    assert ap.mark_arrived(cf.clinic, nurse, view.id).value.status == "arrived"
    undone = ap.undo_arrival(cf.clinic, nurse, view.id, reason="点错了").value
    assert undone.status == "confirmed" and undone.arrived_at is None
    ap.mark_arrived(cf.clinic, nurse, view.id)
    with pytest.raises(PermissionDenied):
        ap.mark_started(cf.clinic, _actor(cf, Role.PHARMACIST), view.id)
    assert ap.mark_started(cf.clinic, doctor, view.id).value.status == "in_consultation"
    with pytest.raises(ValidationError, match="cannot become"):
        ap.mark_arrived(cf.clinic, nurse, view.id)
    assert ap.mark_done(cf.clinic, doctor, view.id).value.status == "done"
    with pytest.raises(ValidationError, match="cannot become"):
        ap.confirm_appointment(cf.clinic, cf.director, view.id)
    actions = {r.action for r in _actions(cf)}
    assert {
        "appointment.confirm",
        "appointment.arrive",
        "appointment.undo_arrival",
        "appointment.start",
        "appointment.done",
    } <= actions


def test_undo_arrival_only_same_day(cf: ClinicFixture, desk: Desk) -> None:
    view = desk.book(at(TUE, 9))
    cf.clock.now = at(TUE, 8, 55).astimezone(UTC)
    ap.mark_arrived(cf.clinic, cf.director, view.id)
    cf.clock.advance(days=1)
    with pytest.raises(ValidationError, match="same day"):
        ap.undo_arrival(cf.clinic, cf.director, view.id)


def test_no_shows_marked_after_grace(cf: ClinicFixture, desk: Desk) -> None:
    """A9: after no_show_grace_minutes, booked/confirmed never-arrived -> no_show; once."""
    room = rosters.add_resource(cf.clinic, cf.director, kind="room", name="诊室2").value
    missed = desk.book(at(TUE, 9), resource_ids=[room.id])
    came = desk.book(at(TUE, 9), doctor=desk.dr_wu, patient=desk.pat2)
    cf.clock.now = at(TUE, 9, 10).astimezone(UTC)
    ap.mark_arrived(cf.clinic, cf.director, came.id)
    cf.clock.now = at(TUE, 9, 29).astimezone(UTC)
    assert ap.mark_no_shows(cf.clinic, Actor.system("scheduler")) == 0
    cf.clock.now = at(TUE, 9, 31).astimezone(UTC)
    assert ap.mark_no_shows(cf.clinic, Actor.system("scheduler")) == 1
    assert ap.mark_no_shows(cf.clinic, cf.director) == 0
    assert ap.get_appointment(cf.clinic, cf.director, missed.id).status == "no_show"
    assert ap.get_appointment(cf.clinic, cf.director, came.id).status == "arrived"
    rows = [r for r in _actions(cf) if r.action == "appointment.no_show_auto"]
    assert len(rows) == 1 and json.loads(rows[0].detail)["count"] == 1
    # The room the no-show held is free.
    desk.book(
        at(TUE, 9, 40),
        doctor=desk.dr_wu,
        patient=desk.pat2,
        resource_ids=[room.id],
        confirm={"past", "after_cutoff"},
        override_reason="补录",
    )


# -- reading, free slots (A6) -----------------------------------------------------------------


def test_week_view_filters_and_order(desk: Desk) -> None:
    cf = desk.cf
    b = desk.book(at(THU, 9), doctor=desk.dr_wu)
    a = desk.book(at(WED, 9))
    c = desk.book(at(date(2026, 12, 2), 9))  # next week
    week = ap.appointments_between(
        cf.clinic, cf.director, at(date(2026, 11, 23), 0), at(date(2026, 11, 30), 0)
    )
    assert [v.id for v in week] == [a.id, b.id]
    only_wu = ap.appointments_between(
        cf.clinic,
        cf.director,
        at(date(2026, 11, 23), 0),
        at(date(2026, 11, 30), 0),
        doctor_ids=[desk.dr_wu],
    )
    assert [v.id for v in only_wu] == [b.id]
    # An appointment overlapping the window's start is included.
    assert [
        v.id
        for v in ap.appointments_between(cf.clinic, cf.director, at(WED, 9, 10), at(WED, 9, 11))
    ] == [a.id]
    history = ap.patient_appointments(cf.clinic, cf.director, desk.pat)
    assert [v.id for v in history] == [c.id, b.id, a.id]  # newest first


def _grid_fields(view: ap.AppointmentView | ap.CalendarRow) -> tuple[object, ...]:
    """What the calendar grid draws from an appointment, read by the view's field names."""
    return (
        view.id,
        view.doctor_id,
        view.patient_id,
        view.patient_name,
        view.starts_at,
        view.ends_at,
        view.minutes,
        view.status,
        view.active,
        view.type_name,
        view.type_color,
        view.purpose,
        view.add_on,
        view.series_id,
        view.on_holiday,
    )


def test_calendar_rows_are_the_week_views_appointments(desk: Desk) -> None:
    """Issue 5: the grid's slim rows carry the same appointments, with the same values."""
    from clinic_desk.core.services import series

    cf = desk.cf
    latin = _patient(cf, "Smith", "Anna", "13900002222")
    kind = rosters.add_appointment_type(
        cf.clinic, cf.director, name="体检", default_minutes=30, color="#8E24AA"
    ).value
    plain = desk.book(at(WED, 9), purpose="复诊")
    typed = desk.book(at(WED, 10), doctor=desk.dr_wu, patient=latin, minutes=None, type_id=kind.id)
    add_on = desk.book(at(WED, 9, 5), patient=desk.pat2, add_on=True)
    gone = desk.book(at(THU, 9), patient=desk.pat2)
    ap.cancel(cf.clinic, cf.director, gone.id, reason="患者来电取消")
    repeated = series.create_series(
        cf.clinic,
        cf.director,
        patient_id=desk.pat,
        doctor_id=desk.dr_wu,
        first_day=THU,
        start_minute=14 * 60,
        minutes=20,
        frequency="weekly",
        count=2,
        channel="phone",
        identity_checked=True,
    ).value
    start, end = at(date(2026, 11, 23), 0), at(date(2026, 11, 30), 0)
    for include_cancelled in (False, True):
        full = ap.appointments_between(
            cf.clinic, cf.director, start, end, include_cancelled=include_cancelled
        )
        rows = ap.calendar_rows(
            cf.clinic, cf.director, start, end, include_cancelled=include_cancelled
        )
        assert all(isinstance(r, ap.CalendarRow) for r in rows)
        assert sorted(map(_grid_fields, rows), key=str) == sorted(map(_grid_fields, full), key=str)
        assert (gone.id in {r.id for r in rows}) is include_cancelled
    rows = ap.calendar_rows(cf.clinic, cf.director, start, end)
    by_id = {r.id: r for r in rows}
    assert by_id[typed.id].patient_name == "Anna Smith"
    assert (by_id[typed.id].type_name, by_id[typed.id].type_color) == ("体检", "#8E24AA")
    assert by_id[add_on.id].add_on and not by_id[plain.id].add_on
    assert by_id[plain.id].series_id is None
    assert {r.series_id for r in rows if r.series_id is not None} == {repeated.id}
    # Ids stay the stored text until asked for; the full view is one call away.
    assert by_id[plain.id].key == plain.id.hex
    assert ap.get_appointment(cf.clinic, cf.director, by_id[plain.id].id) == plain
    # Ordered by doctor, then start (the index's order).
    keys = [(r.doctor_id.hex, r.starts_at) for r in rows]
    assert keys == sorted(keys)


def test_calendar_rows_filters_and_reads_afresh(desk: Desk) -> None:
    """The same window, doctor and permission rules as appointments_between; no cache."""
    cf = desk.cf
    a = desk.book(at(WED, 9))
    b = desk.book(at(THU, 9), doctor=desk.dr_wu)
    desk.book(at(date(2026, 12, 2), 9))  # next week
    week = (at(date(2026, 11, 23), 0), at(date(2026, 11, 30), 0))
    assert {r.id for r in ap.calendar_rows(cf.clinic, cf.director, *week)} == {a.id, b.id}
    only_wu = ap.calendar_rows(cf.clinic, cf.director, *week, doctor_ids=[desk.dr_wu])
    assert [r.id for r in only_wu] == [b.id]
    assert ap.calendar_rows(cf.clinic, cf.director, *week, doctor_ids=[]) == []
    assert ap.calendar_rows(cf.clinic, cf.director, week[1], week[0]) == []
    # Overlapping the window's start counts.
    assert [
        r.id for r in ap.calendar_rows(cf.clinic, cf.director, at(WED, 9, 10), at(WED, 9, 11))
    ] == [a.id]
    with pytest.raises(PermissionDenied):
        ap.calendar_rows(cf.clinic, _actor(cf, Role.PHARMACIST), *week)
    # A booking made meanwhile (another desk) is in the next read; a cancelled one is not.
    c = desk.book(at(FRI, 11), patient=desk.pat2)
    ap.cancel(cf.clinic, cf.director, a.id, reason="改期")
    assert {r.id for r in ap.calendar_rows(cf.clinic, cf.director, *week)} == {b.id, c.id}


def test_free_slots_and_remaining_count(cf: ClinicFixture, desk: Desk) -> None:
    """A6: the desk sees each doctor's remaining free slots at once."""
    slots_wed = ap.free_slots_for_day(cf.clinic, cf.director, desk.dr_li, WED, minutes=15)
    # 08:00-12:00 and 13:30-17:30 in 15-minute slots.
    assert len(slots_wed) == 16 + 16
    assert slots_wed[0] == at(WED, 8).astimezone(UTC)
    desk.book(at(WED, 8), minutes=60)
    counts = ap.remaining_free_count(cf.clinic, cf.director, WED, [desk.dr_li, desk.dr_wu])
    assert counts == {desk.dr_li: 28, desk.dr_wu: 32}
    # Today (10:00 now): only what is left of the day.
    today = ap.free_slots_for_day(
        cf.clinic, cf.director, desk.dr_li, date(2026, 11, 23), minutes=30
    )
    assert today[0] == at(date(2026, 11, 23), 10).astimezone(UTC)
    assert (
        ap.free_slots_for_day(cf.clinic, cf.director, desk.dr_li, date(2026, 11, 28), minutes=15)
        == []
    )


def test_next_free_slot(cf: ClinicFixture, desk: Desk) -> None:
    room = rosters.add_resource(cf.clinic, cf.director, kind="room", name="B超室").value
    desk.book(
        at(date(2026, 11, 23), 10), minutes=120, confirm={"after_cutoff"}, override_reason="当日"
    )
    assert ap.next_free_slot(cf.clinic, cf.director, desk.dr_li, minutes=30) == at(
        date(2026, 11, 23), 13, 30
    ).astimezone(UTC)
    desk.book(
        at(date(2026, 11, 23), 13, 30),
        doctor=desk.dr_wu,
        minutes=240,
        resource_ids=[room.id],
        confirm={"after_cutoff"},
        override_reason="当日",
    )
    assert ap.next_free_slot(
        cf.clinic, cf.director, desk.dr_li, minutes=30, resource_ids=[room.id]
    ) == at(TUE, 8).astimezone(UTC)
    stranger = staff.add_staff(
        cf.clinic,
        cf.director,
        login="dr.none",
        display_name="无排班",
        role=Role.DOCTOR,
        password="some-pass-123",
    ).value
    assert ap.next_free_slot(cf.clinic, cf.director, stranger.id, minutes=15) is None


# -- time zones and daylight saving ----------------------------------------------------------


def test_clinic_in_new_york_across_dst(cf: ClinicFixture, desk: Desk) -> None:
    """A 09:00 local booking each day stays 09:00 local across the 2026-11-01 change."""
    settings_service.update_settings(
        cf.clinic, cf.director, {"clinic.timezone": "America/New_York"}
    )
    cf.clock.now = datetime(2026, 10, 26, 14, 0, tzinfo=UTC)  # Monday 10:00 in New York
    days = [date(2026, 10, 29), date(2026, 10, 30), date(2026, 11, 2), date(2026, 11, 3)]
    views = [desk.book(at(d, 9, zone=NY)) for d in days]
    assert [v.starts_at.astimezone(NY).hour for v in views] == [9, 9, 9, 9]
    assert [v.starts_at.hour for v in views] == [13, 13, 14, 14]  # UTC moves, the clock not
    first = ap.free_slots_for_day(
        cf.clinic, cf.director, desk.dr_li, date(2026, 11, 2), minutes=15
    )[0]
    assert first.astimezone(NY).hour == 8
    # The 25-hour night: 23:30 for 30 minutes still ends at midnight, not past it.
    late = desk.book(at(date(2026, 11, 1), 23, 30, zone=NY), minutes=30, confirm={"outside_hours"})
    assert late.ends_at.astimezone(NY) == at(date(2026, 11, 2), 0, zone=NY)


# -- returning and first-visit patients (A4) --------------------------------------------------


def test_suggestions_from_history(cf: ClinicFixture, desk: Desk) -> None:
    """A4: the usual doctor at the usual time of day."""
    for day in (date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)):
        desk.book(at(day, 14), doctor=desk.dr_wu, confirm={"past"})
    desk.book(at(date(2026, 11, 10), 9), confirm={"past"})
    hint = ap.suggest_slots(cf.clinic, cf.director, desk.pat, minutes=15, limit=3)
    assert hint.usual_doctor_id == desk.dr_wu and hint.usual_part_of_day == "afternoon"
    assert [s for _, s in hint.slots] == [
        at(date(2026, 11, 23), h, m).astimezone(UTC) for h, m in ((13, 30), (13, 45), (14, 0))
    ]
    assert all(d == desk.dr_wu for d, _ in hint.slots)
    empty = ap.suggest_slots(cf.clinic, cf.director, desk.pat2, minutes=15)
    assert empty == ap.Suggestion(None, None, [])


def test_suggestions_from_visits_when_no_appointments(cf: ClinicFixture, desk: Desk) -> None:
    with cf.clinic.store.unit_of_work(write=True) as uow:
        uow.session.add(
            Visit(patient_id=desk.pat2, doctor_id=desk.dr_li, visit_at=at(date(2026, 11, 2), 9))
        )
        uow.commit()
    hint = ap.suggest_slots(cf.clinic, cf.director, desk.pat2, minutes=15)
    assert hint.usual_doctor_id == desk.dr_li and hint.usual_part_of_day == "morning"
    assert hint.slots[0] == (desk.dr_li, at(date(2026, 11, 23), 10).astimezone(UTC))
    assert not ap.is_first_visit(cf.clinic, cf.director, desk.pat2)


def test_first_visit_information(cf: ClinicFixture, desk: Desk) -> None:
    """A4: a first visit gets location, parking and what to bring; empty -> a sentence."""
    assert ap.is_first_visit(cf.clinic, cf.director, desk.pat)
    view = desk.book(at(date(2026, 11, 20), 9), confirm={"past"})
    assert ap.is_first_visit(cf.clinic, cf.director, desk.pat)  # booked is not a visit
    ap.mark_arrived(cf.clinic, cf.director, view.id)
    assert not ap.is_first_visit(cf.clinic, cf.director, desk.pat)
    with pytest.raises(ap.FirstVisitInfoMissing, match="Settings"):
        ap.first_visit_info(cf.clinic)
    info = "地址：幸福路8号。停车：地下车库。请带身份证和既往病历。"
    settings_service.update_settings(cf.clinic, cf.director, {"clinic.first_visit_info": info})
    assert ap.first_visit_info(cf.clinic) == info

"""Reception: the desk's board, check-in, walk-ins, triage, waiting alerts (issue 6).

Spec B1-B8 and C4. The fake clock starts on Monday 2026-11-23 at 10:00 in
Asia/Shanghai; the doctors work Monday to Friday 08:00-17:30.
The doctor's room, the waiting-room screen and the day's end are in
test_reception_queue.py.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from clinic_desk.core.errors import NotFound, PermissionDenied, ValidationError
from clinic_desk.core.rules.vitals import UnusualVitals
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import appointments as ap
from clinic_desk.core.services import audit_log, clinical, patients, rosters, staff
from clinic_desk.core.services import reception as rc
from clinic_desk.core.services import settings as settings_service
from clinic_desk.core.services.base import Actor, Topic
from clinic_desk.core.services.clinic import SetupResult, open_clinic
from clinic_desk.core.store.models import Appointment, QueueEntry, QueueEvent, VitalSigns
from tests.conftest import DIRECTOR_PASSWORD, PASSPHRASE, ClinicFixture, FakeClock, make_clinic

SH = ZoneInfo("Asia/Shanghai")
MON = date(2026, 11, 23)  # the fake clock's today
TUE = date(2026, 11, 24)
PASSWORD = "some-pass-123"
ANYWAY = frozenset({"after_cutoff", "past", "outside_hours", "patient_busy"})


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH)


@dataclass(frozen=True)
class Template:
    data_dir: Path
    setup: SetupResult
    ids: dict[str, uuid.UUID]
    actors: dict[str, Actor]


def _staff(base: ClinicFixture, login: str, name: str, role: Role) -> Actor:
    staff.add_staff(
        base.clinic, base.director, login=login, display_name=name, role=role, password=PASSWORD
    )
    return staff.sign_in(base.clinic, login, PASSWORD)


def _doctor(base: ClinicFixture, login: str, name: str, specialties: str) -> Actor:
    actor = _staff(base, login, name, Role.DOCTOR)
    assert actor.staff_id is not None
    blocks = [rosters.RosterBlock(wd, 8 * 60, 17 * 60 + 30) for wd in range(5)]
    rosters.set_weekly_roster(base.clinic, base.director, actor.staff_id, blocks)
    rosters.set_doctor_profile(
        base.clinic, base.director, actor.staff_id, specialties=specialties, description=""
    )
    return actor


def _patient(base: ClinicFixture, family: str, given: str, phone: str, **kw: object) -> uuid.UUID:
    return patients.register_patient(
        base.clinic, base.director, family_name=family, given_name=given, phone=phone, **kw
    ).value.id


def build_template(data_dir: Path) -> Template:
    """Two doctors, six patients of every form of address, one account per role."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLINIC_DESK_NO_KEYRING", "1")
        base = make_clinic(data_dir, FakeClock())
        li = _doctor(base, "dr.li", "李医生", "全科；高血压、糖尿病随访")
        wu = _doctor(base, "dr.wu", "吴医生", "儿科；儿童保健")
        actors = {
            "li": li,
            "wu": wu,
            "desk": _staff(base, "desk1", "孙悦", Role.RECEPTIONIST),
            "nurse": _staff(base, "nurse1", "周护士", Role.TRIAGE_NURSE),
            "service": _staff(base, "service1", "客服小林", Role.CUSTOMER_SERVICE),
            "pharmacist": _staff(base, "pharm1", "药师老郑", Role.PHARMACIST),
        }
        assert li.staff_id is not None and wu.staff_id is not None
        ids = {
            "li": li.staff_id,
            "wu": wu.staff_id,
            "zhang": _patient(
                base,
                "张",
                "三",
                "13812345678",
                sex="F",
                birth_date=date(1980, 1, 1),
                id_kind="resident_id",
                id_number="110105198001010024",
            ),
            "wang": _patient(base, "王", "五", "13700002222", sex="M", birth_date=date(1950, 3, 3)),
            "ming": _patient(
                base, "张", "小明", "13600003333", sex="M", birth_date=date(2018, 6, 1)
            ),
            "smith": _patient(
                base, "Smith", "John", "13500004444", sex="M", birth_date=date(1985, 2, 2)
            ),
            "chen": _patient(
                base,
                "陈",
                "小红",
                "13900001111",
                sex="F",
                birth_date=date(1990, 5, 5),
                special_needs=("disabled", "accompanied"),
            ),
            "zhao": _patient(base, "赵", "六", "13300005555", sex="M", birth_date=date(1975, 7, 7)),
        }
        base.clinic.close()
    return Template(base.data_dir, base.setup, ids, actors)


def open_copy(template: Template, tmp_path: Path, clock: FakeClock) -> ClinicFixture:
    data_dir = tmp_path / "clinic"
    shutil.copytree(template.data_dir, data_dir)
    clinic = open_clinic(data_dir, passphrase=PASSPHRASE, use_keyring=False, clock=clock)
    director = staff.sign_in(clinic, "wang.li", DIRECTOR_PASSWORD)
    return ClinicFixture(data_dir, template.setup, clinic, director, clock)


@dataclass
class Desk:
    cf: ClinicFixture
    ids: dict[str, uuid.UUID]
    actors: dict[str, Actor]

    def book(
        self, patient: str, hour: int, minute: int = 0, *, doctor: str = "li", day: date = MON
    ) -> ap.AppointmentView:
        return ap.book(
            self.cf.clinic,
            self.cf.director,
            patient_id=self.ids[patient],
            doctor_id=self.ids[doctor],
            starts_at=at(day, hour, minute),
            minutes=15,
            channel="phone",
            identity_checked=True,
            confirm=ANYWAY,
            override_reason="当日加号",
        ).value

    def check_in(self, appointment_id: uuid.UUID, **kw: object) -> rc.QueueEntryView:
        kw.setdefault("identity_checked", True)
        return rc.check_in(
            self.cf.clinic,
            self.actors["desk"],
            appointment_id,
            **kw,  # type: ignore[arg-type]
        ).value

    def walk_in(self, patient: str, doctor: str | None = "li", **kw: object) -> rc.QueueEntryView:
        kw.setdefault("identity_checked", True)
        return rc.walk_in(
            self.cf.clinic,
            self.actors["desk"],
            self.ids[patient],
            doctor_id=self.ids[doctor] if doctor else None,
            **kw,  # type: ignore[arg-type]
        ).value

    def board(self, **kw: object) -> rc.Board:
        return rc.today_board(self.cf.clinic, self.actors["desk"], **kw)  # type: ignore[arg-type]

    def row(self, entry_id: uuid.UUID) -> rc.BoardRow:
        return next(r for r in self.board().rows if r.entry_id == entry_id)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return build_template(tmp_path_factory.mktemp("reception") / "clinic")


@pytest.fixture
def cf(template: Template, tmp_path: Path, clock: FakeClock) -> Iterator[ClinicFixture]:
    fixture = open_copy(template, tmp_path, clock)
    yield fixture
    fixture.clinic.close()


@pytest.fixture
def desk(cf: ClinicFixture, template: Template) -> Desk:
    return Desk(cf, template.ids, template.actors)


def audit_rows(cf: ClinicFixture, action: str) -> list[audit_log.AuditRow]:
    return [r for r in audit_log.audit_report(cf.clinic, cf.director) if r.action == action]


def events(cf: ClinicFixture, entry_id: uuid.UUID) -> list[tuple[str, datetime, str]]:
    with cf.clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.query(QueueEvent).filter(QueueEvent.entry_id == entry_id).all()
        return sorted(((e.kind, e.at, e.detail) for e in rows), key=lambda e: e[1])


# -- the board (B1, B6, C4) -----------------------------------------------------------------------


def test_board_lists_expected_patients_with_honorifics_badges_and_counts(desk: Desk) -> None:
    """B1/C4: the form of address, never the bare name; B6 badges; counts per doctor."""
    desk.book("zhang", 10, 30)
    desk.book("wang", 11)
    desk.book("ming", 10, 45, doctor="wu")
    desk.book("chen", 11, 15, doctor="wu")
    desk.book("smith", 9, 30)  # overdue: first among the expected
    cancelled = desk.book("zhao", 11, 30)
    ap.cancel(desk.cf.clinic, desk.cf.director, cancelled.id, reason="病好了")
    board = desk.board()
    assert board.day == MON and board.wait_alert_minutes == 15 and board.alerts == 0
    assert [r.kind for r in board.rows] == ["expected"] * 5  # the cancelled one is not listed
    by_name = {r.patient_name: r for r in board.rows}
    assert [r.patient_name for r in board.rows] == [
        "John Smith",
        "张三",
        "张小明",
        "王五",
        "陈小红",
    ]
    assert by_name["张三"].address == "张女士" and by_name["张三"].status == "booked"
    assert by_name["王五"].address == "王大爷" and by_name["王五"].needs == ("elderly",)
    assert by_name["张小明"].address == "小明小朋友" and by_name["张小明"].needs == ("child",)
    assert by_name["陈小红"].needs == ("disabled", "accompanied")
    assert by_name["张三"].department == "全科" and by_name["张小明"].department == "儿科"
    assert by_name["张三"].booked_for == at(MON, 10, 30).astimezone(UTC)
    assert by_name["张三"].record_no.startswith("2026-")
    assert all(r.queue_no is None and r.entry_id is None for r in board.rows)
    counts = {c.doctor_name: c for c in board.counts}
    assert (counts["李医生"].expected, counts["吴医生"].expected) == (3, 2)
    only_wu = desk.board(doctor_id=desk.ids["wu"])
    assert {r.patient_name for r in only_wu.rows} == {"张小明", "陈小红"}
    assert len(only_wu.counts) == 2  # the counts always cover every doctor
    english = desk.board(language="en")
    assert {r.address for r in english.rows} >= {"Ms Zhang", "Mr Smith"}


def test_board_of_another_day_and_bad_day(desk: Desk) -> None:
    desk.book("zhang", 9, day=TUE)
    assert desk.board().rows == ()
    assert [r.patient_name for r in desk.board(day=TUE).rows] == ["张三"]
    with pytest.raises(ValidationError, match="Choose a day"):
        desk.board(day="2026-11-24")


# -- the check-in panel (B1-B3) -------------------------------------------------------------------


def test_check_in_view_greets_by_honorific_in_each_language(desk: Desk) -> None:
    """B1: 「张女士，您预约的10:30就诊已准备好」 in zh_CN, zh_TW and English."""
    booking = desk.book("zhang", 10, 30)
    nurse = desk.actors["nurse"]
    view = rc.check_in_view(desk.cf.clinic, nurse, booking.id)
    assert view.greeting == "张女士，您预约的10:30就诊已准备好"
    assert (view.address, view.patient_name, view.doctor_name) == ("张女士", "张三", "李医生")
    assert view.booked_for == booking.starts_at and view.identity_on_file
    assert view.entry_id is None and view.queue_no is None and not view.other_day
    tw = rc.check_in_view(desk.cf.clinic, nurse, booking.id, language="zh_TW")
    assert tw.greeting == "张女士，您預約的10:30就診已準備好"  # the name stays as written
    en = rc.check_in_view(desk.cf.clinic, nurse, booking.id, language="en")
    assert en.greeting == "Ms Zhang, your 10:30 appointment is ready."
    # By patient: today's booking is found; without one, the walk-in greeting.
    by_patient = rc.check_in_view(desk.cf.clinic, nurse, patient_id=desk.ids["zhang"])
    assert by_patient.appointment_id == booking.id
    walk = rc.check_in_view(desk.cf.clinic, nurse, patient_id=desk.ids["wang"])
    assert walk.appointment_id is None and walk.greeting == "王大爷，请稍候，我们马上为您安排"
    assert not walk.identity_on_file
    walk_en = rc.check_in_view(desk.cf.clinic, nurse, patient_id=desk.ids["wang"], language="en")
    assert walk_en.greeting == "Mr Wang, please take a seat; we will be with you shortly."
    with pytest.raises(ValidationError, match="one of the two"):
        rc.check_in_view(desk.cf.clinic, nurse)
    with pytest.raises(ValidationError, match="one of the two"):
        rc.check_in_view(desk.cf.clinic, nurse, booking.id, patient_id=desk.ids["zhang"])
    with pytest.raises(NotFound):
        rc.check_in_view(desk.cf.clinic, nurse, uuid.uuid4())


def test_check_in_view_shows_allergies_and_medication_to_the_nurse_only(desk: Desk) -> None:
    """B2: the nurse confirms allergies and recent medication; the reading is audited.
    A receptionist (no safety.read) gets empty lists flagged as not visible."""
    cf = desk.cf
    pid = desk.ids["zhang"]
    clinical.add_allergy(cf.clinic, cf.director, pid, substance="青霉素", reaction="皮疹")
    clinical.add_allergy(cf.clinic, cf.director, pid, substance="花粉")
    clinical.add_medication(
        cf.clinic, cf.director, pid, drug="氨氯地平", dose="5mg", frequency="qd"
    )
    booking = desk.book("zhang", 10, 30)
    view = rc.check_in_view(cf.clinic, desk.actors["nurse"], booking.id)
    assert view.safety_visible
    assert sorted(view.allergies) == ["花粉", "青霉素: 皮疹"]
    assert view.medications == ("氨氯地平 5mg qd",)
    assert any(r.patient_id == pid for r in audit_rows(cf, "safety.read"))
    blind = rc.check_in_view(cf.clinic, desk.actors["desk"], booking.id)
    assert not blind.safety_visible and blind.allergies == () and blind.medications == ()
    views = audit_rows(cf, "patient.view")
    assert len(views) == 2 and json.loads(views[0].detail) == {"via": "check_in"}


# -- check-in (B1-B3) ---------------------------------------------------------------------------


def test_check_in_is_one_transaction_with_events_and_audit(desk: Desk) -> None:
    """Appointment arrived + queue entry + events + audit, committed together."""
    cf = desk.cf
    booking = desk.book("zhang", 10, 30)
    written = rc.check_in(
        cf.clinic, desk.actors["desk"], booking.id, identity_checked=True, safety_confirmed=True
    )
    entry = written.value
    assert entry.queue_no == 1 and entry.status == "waiting" and entry.day == MON
    assert entry.appointment_id == booking.id and entry.doctor_id == desk.ids["li"]
    assert entry.department == "全科" and entry.visit_id is None
    assert written.changes.topics == {Topic.RECEPTION, Topic.APPOINTMENTS}
    assert {entry.entry_id, booking.id, desk.ids["zhang"]} <= written.changes.ids
    after = ap.get_appointment(cf.clinic, cf.director, booking.id)
    assert after.status == "arrived" and after.arrived_at == cf.clock.now
    kinds = [k for k, _, _ in events(cf, entry.entry_id)]
    assert sorted(kinds) == ["checked_in", "safety_confirmed"]
    arrive = audit_rows(cf, "appointment.arrive")
    checked = audit_rows(cf, "reception.check_in")
    assert len(arrive) == 1 and len(checked) == 1
    assert checked[0].patient_id == desk.ids["zhang"] and checked[0].staff_login == "desk1"
    assert checked[0].object_id == entry.entry_id.hex
    detail = json.loads(checked[0].detail)
    assert detail["queue_no"] == 1 and detail["safety_confirmed"] is True
    assert "张" not in checked[0].detail  # no patient data in the log's detail
    row = desk.row(entry.entry_id)
    assert row.kind == "queued" and row.status == "waiting" and row.wait_minutes == 0
    assert row.checked_in_at == cf.clock.now and not row.walk_in and not row.late_check_in


def test_a_refused_check_in_writes_nothing(desk: Desk) -> None:
    """One transaction: a refused check-in leaves the booking and the audit as they were.

    A deleted entry for the same booking (a tombstone, e.g. from another
    workstation) does not block a check-in: since sync (issue 7) there is no
    unique index behind the service's own checks, and two check-ins made on two
    offline desks are listed for the desk to settle instead.
    """
    cf = desk.cf
    booking = desk.book("zhang", 10, 30)
    with cf.clinic.store.unit_of_work(write=True) as uow:
        uow.session.add(
            QueueEntry(
                day=MON,
                patient_id=desk.ids["zhang"],
                appointment_id=booking.id,
                queue_no=99,
                arrived_at=cf.clock.now,
                deleted_at=cf.clock.now,
            )
        )
        uow.commit()
    other = desk.book("wang", 11)
    with pytest.raises(ValidationError, match="real-name"):
        rc.check_in(cf.clinic, desk.actors["desk"], other.id, identity_checked=False)
    assert ap.get_appointment(cf.clinic, cf.director, other.id).status == "booked"
    assert audit_rows(cf, "appointment.arrive") == []
    assert audit_rows(cf, "reception.check_in") == []
    assert desk.check_in(booking.id).queue_no == 100  # after the highest number of the day
    assert desk.check_in(other.id).queue_no == 101


def test_queue_numbers_count_up_per_day_and_restart_the_next_day(desk: Desk) -> None:
    numbers = [
        desk.check_in(desk.book(p, h, m).id).queue_no
        for p, h, m in (("zhang", 10, 30), ("wang", 10, 45), ("chen", 11, 0))
    ]
    numbers.append(desk.walk_in("zhao").queue_no)
    assert numbers == [1, 2, 3, 4]
    desk.cf.clock.advance(days=1)
    tomorrow = desk.book("smith", 10, 30, day=TUE)
    assert desk.check_in(tomorrow.id).queue_no == 1


def test_checking_in_twice_says_the_queue_number(desk: Desk) -> None:
    """Bad input: the same booking twice (double click, two desks)."""
    booking = desk.book("zhang", 10, 30)
    first = desk.check_in(booking.id)
    with pytest.raises(rc.AlreadyCheckedIn) as caught:
        desk.check_in(booking.id)
    assert caught.value.queue_no == first.queue_no == 1
    assert caught.value.entry_id == first.entry_id
    assert "queue number 1" in caught.value.message()
    view = rc.check_in_view(desk.cf.clinic, desk.actors["desk"], booking.id)
    assert view.queue_no == 1 and view.entry_id == first.entry_id
    assert len(audit_rows(desk.cf, "reception.check_in")) == 1


def test_another_days_booking_asks_first(desk: Desk) -> None:
    """Bad input: the patient comes on the wrong day; the desk confirms, queued for today."""
    booking = desk.book("zhang", 9, day=TUE)
    with pytest.raises(ap.NeedsConfirmation) as caught:
        desk.check_in(booking.id)
    assert caught.value.reasons == {"other_day"}
    assert "2026-11-24 at 09:00, not today" in caught.value.message()
    assert "2026-11-24" in caught.value.sentences()["other_day"]
    assert rc.check_in_view(desk.cf.clinic, desk.actors["desk"], booking.id).other_day
    with pytest.raises(ValidationError, match="Unknown confirmation"):
        desk.check_in(booking.id, confirm=("tomorrow",))
    entry = desk.check_in(booking.id, confirm=("other_day",))
    assert entry.day == MON and entry.queue_no == 1
    assert desk.row(entry.entry_id).booked_for == at(TUE, 9).astimezone(UTC)
    # Tuesday's board no longer expects the patient: the booking is checked in.
    assert rc.today_board(desk.cf.clinic, desk.actors["desk"], day=TUE).rows == ()


def test_cancelled_and_no_show_bookings_are_refused_with_what_to_do(desk: Desk) -> None:
    """Bad input: a cancelled booking, a no-show; the sentence says what to do."""
    cf = desk.cf
    cancelled = desk.book("zhang", 10, 30)
    ap.cancel(cf.clinic, cf.director, cancelled.id, reason="患者取消")
    with pytest.raises(ValidationError, match=r"was cancelled\. Book a new one"):
        desk.check_in(cancelled.id)
    missed = desk.book("wang", 8)
    assert ap.mark_no_shows(cf.clinic, Actor.system("scheduler")) == 1
    with pytest.raises(ValidationError, match=r"no-show\. Check the patient in as a walk-in"):
        desk.check_in(missed.id)
    with pytest.raises(NotFound):
        desk.check_in(uuid.uuid4())
    assert desk.board().rows[-1].status == "no_show"  # no-shows are listed last


def test_identity_and_arrival_time_are_checked(desk: Desk) -> None:
    """Real-name check-in; an arrival time in the future, too old, or without a zone."""
    booking = desk.book("zhang", 10, 30)
    for bad in (False, None, "yes", 1):
        with pytest.raises(ValidationError, match="real-name"):
            desk.check_in(booking.id, identity_checked=bad)
    now = desk.cf.clock.now
    with pytest.raises(ValidationError, match="in the future"):
        desk.check_in(booking.id, arrived_at=now + timedelta(minutes=5))
    with pytest.raises(ValidationError, match="more than 12 hours ago"):
        desk.check_in(booking.id, arrived_at=now - timedelta(hours=13))
    with pytest.raises(ValidationError, match="no time zone"):
        desk.check_in(booking.id, arrived_at=datetime(2026, 11, 23, 9, 50))
    with pytest.raises(ValidationError, match="not a date and time"):
        desk.check_in(booking.id, arrived_at="09:50")
    assert ap.get_appointment(desk.cf.clinic, desk.cf.director, booking.id).status == "booked"


def test_arrival_time_measures_the_desks_response(desk: Desk) -> None:
    """B1: checked in within reception.response_minutes (3) of arrival, or late."""
    cf = desk.cf
    now = cf.clock.now
    late = desk.check_in(desk.book("zhang", 10, 30).id, arrived_at=now - timedelta(minutes=5))
    quick = desk.check_in(desk.book("wang", 10, 45).id, arrived_at=now - timedelta(minutes=3))
    row = desk.row(late.entry_id)
    assert row.arrived_at == now - timedelta(minutes=5) and row.checked_in_at == now
    assert row.late_check_in and row.check_in_delay_minutes == 5
    assert not desk.row(quick.entry_id).late_check_in
    booking = ap.get_appointment(cf.clinic, cf.director, late.appointment_id or uuid.uuid4())
    assert booking.arrived_at == now - timedelta(minutes=5)
    settings_service.update_settings(cf.clinic, cf.director, {"reception.response_minutes": 10})
    cf.clinic.forget_settings()
    assert not desk.row(late.entry_id).late_check_in


def test_a_booking_marked_arrived_on_the_calendar_is_queued(desk: Desk) -> None:
    cf = desk.cf
    booking = desk.book("zhang", 10, 30)
    ap.mark_arrived(cf.clinic, cf.director, booking.id)
    row = desk.board().rows[0]
    assert row.kind == "expected" and row.status == "arrived"
    cf.clock.advance(minutes=2)
    entry = desk.check_in(booking.id)
    assert desk.row(entry.entry_id).arrived_at == cf.clock.now - timedelta(minutes=2)
    assert len(audit_rows(cf, "appointment.arrive")) == 1  # not arrived a second time


def test_check_in_does_not_depend_on_vital_signs(desk: Desk) -> None:
    """B3, bad input: vitals out of range are asked about by clinical.record_vitals
    (UnusualVitals, nothing written); the patient stays checked in and waiting."""
    cf = desk.cf
    nurse = desk.actors["nurse"]
    entry = desk.check_in(desk.book("zhang", 10, 30).id)
    with pytest.raises(UnusualVitals) as caught:
        rc.record_check_in_vitals(
            cf.clinic, nurse, entry.entry_id, systolic=210, diastolic=95, temperature_c=42.5
        )
    assert set(caught.value.fields) == {"systolic", "temperature_c"}
    with pytest.raises(ValidationError):
        clinical.record_vitals(cf.clinic, nurse, desk.ids["zhang"], pulse=400)
    assert desk.row(entry.entry_id).status == "waiting"
    assert [k for k, _, _ in events(cf, entry.entry_id)] == ["checked_in"]
    written = rc.record_check_in_vitals(
        cf.clinic,
        nurse,
        entry.entry_id,
        systolic=210,
        diastolic=95,
        temperature_c=42.5,
        confirmed=frozenset({"systolic", "temperature_c"}),
    )
    assert written.value.systolic == 210 and written.changes.touches(Topic.CLINICAL)
    assert written.changes.touches(Topic.RECEPTION)
    kinds = [(k, json.loads(d)) for k, _, d in events(cf, entry.entry_id)]
    assert kinds[-1] == ("vitals", {"vitals_id": written.value.id.hex})
    with pytest.raises(PermissionDenied):  # a receptionist does not take vital signs
        rc.record_check_in_vitals(cf.clinic, desk.actors["desk"], entry.entry_id, pulse=70)


def test_vital_signs_can_be_recorded_with_the_check_in_in_one_transaction(desk: Desk) -> None:
    """B3 and the issue's speed figure: status, vital signs and audit in one commit.
    The same rules as clinical.record_vitals: unusual readings are asked about first and
    nothing is written; a receptionist may not record vital signs."""
    cf = desk.cf
    nurse = desk.actors["nurse"]
    booking = desk.book("zhang", 10, 30)
    reading = {"systolic": 210, "diastolic": 95, "pulse": 76, "temperature_c": 36.8}
    with pytest.raises(UnusualVitals) as caught:
        rc.check_in(cf.clinic, nurse, booking.id, identity_checked=True, vitals=reading)
    assert set(caught.value.fields) == {"systolic"}
    with pytest.raises(PermissionDenied):
        rc.check_in(
            cf.clinic,
            desk.actors["desk"],
            booking.id,
            identity_checked=True,
            vitals=reading,
            vitals_confirmed={"systolic"},
        )
    with pytest.raises(ValidationError, match="No measurement"):
        rc.check_in(cf.clinic, nurse, booking.id, identity_checked=True, vitals={})
    with pytest.raises(TypeError):
        rc.check_in(cf.clinic, nurse, booking.id, identity_checked=True, vitals={"bp": 120})
    assert ap.get_appointment(cf.clinic, cf.director, booking.id).status == "booked"
    written = rc.check_in(
        cf.clinic,
        nurse,
        booking.id,
        identity_checked=True,
        vitals=reading,
        vitals_confirmed={"systolic"},
    )
    entry = written.value
    assert entry.vitals_id is not None and written.changes.touches(Topic.CLINICAL)
    with cf.clinic.store.unit_of_work(write=False) as uow:
        row = uow.session.get(VitalSigns, entry.vitals_id)
        assert row is not None and (row.systolic, row.pulse, row.temperature_c) == (210, 76, 36.8)
        assert row.confirmed_unusual == "systolic" and row.recorded_by == nurse.staff_id
        assert row.patient_id == desk.ids["zhang"] and row.taken_at == cf.clock.now
    kinds = [(k, json.loads(d)) for k, _, d in events(cf, entry.entry_id)]
    assert kinds == [("checked_in", kinds[0][1]), ("vitals", {"vitals_id": entry.vitals_id.hex})]
    recorded = audit_rows(cf, "clinical.vitals_record")
    assert len(recorded) == 1 and recorded[0].object_id == entry.vitals_id.hex
    assert recorded[0].patient_id == desk.ids["zhang"]
    assert ap.get_appointment(cf.clinic, cf.director, booking.id).status == "arrived"


# -- walk-ins and triage (B5, B7) ---------------------------------------------------------------


def test_walk_in_is_queued_like_a_booking(desk: Desk) -> None:
    """B5: registered or found, doctor chosen, queued; twice is refused."""
    cf = desk.cf
    written = rc.walk_in(
        cf.clinic,
        desk.actors["desk"],
        desk.ids["wang"],
        doctor_id=desk.ids["li"],
        complaint="fever",
        identity_checked=True,
    )
    entry = written.value
    assert entry.appointment_id is None and entry.queue_no == 1 and entry.department == "全科"
    assert written.changes.topics == {Topic.RECEPTION}
    row = desk.row(entry.entry_id)
    assert row.walk_in and row.complaint == "fever" and row.booked_for is None
    assert row.doctor_name == "李医生"
    with pytest.raises(rc.AlreadyCheckedIn) as caught:
        desk.walk_in("wang", "wu")
    assert caught.value.queue_no == 1
    audit = audit_rows(cf, "reception.walk_in")
    assert len(audit) == 1 and json.loads(audit[0].detail)["complaint"] == "fever"
    # Nobody in particular: any doctor may call the patient; a department given by hand.
    free = desk.walk_in("zhao", None, department="内科")
    assert free.doctor_id is None and free.department == "内科"


def test_walk_in_bad_input(desk: Desk) -> None:
    cf = desk.cf
    with pytest.raises(ValidationError, match="real-name"):
        desk.walk_in("wang", identity_checked=False)
    with pytest.raises(ValidationError, match="what the patient comes for"):
        desk.walk_in("wang", complaint="头疼😣")
    with pytest.raises(ValidationError, match="too long"):
        desk.walk_in("wang", department="科" * 51)
    with pytest.raises(NotFound):
        rc.walk_in(
            cf.clinic, desk.actors["desk"], uuid.uuid4(), doctor_id=None, identity_checked=True
        )
    with pytest.raises(NotFound):
        rc.walk_in(
            cf.clinic,
            desk.actors["desk"],
            desk.ids["wang"],
            doctor_id=uuid.uuid4(),
            identity_checked=True,
        )
    staff.update_staff(cf.clinic, cf.director, desk.ids["wu"], disabled=True)
    with pytest.raises(ValidationError, match="does not see patients here"):
        desk.walk_in("wang", "wu")
    nurse_id = desk.actors["nurse"].staff_id
    assert nurse_id is not None
    with pytest.raises(ValidationError, match="does not see patients here"):
        rc.walk_in(
            cf.clinic,
            desk.actors["desk"],
            desk.ids["wang"],
            doctor_id=nurse_id,
            identity_checked=True,
        )
    assert desk.board().rows == ()


def test_triage_suggests_by_specialty_then_who_is_free(desk: Desk) -> None:
    """B7: department and doctor from the complaint category and who is free."""
    cf = desk.cf
    fever = rc.suggest_triage(cf.clinic, desk.actors["desk"], "fever")
    assert [s.doctor_name for s in fever] == ["李医生", "吴医生"]
    assert fever[0].department == "全科" and fever[0].free_now and fever[0].score == 130
    child = rc.suggest_triage(cf.clinic, desk.actors["desk"], "child")
    assert child[0].doctor_name == "吴医生" and child[0].department == "儿科"
    chronic = rc.suggest_triage(cf.clinic, desk.actors["desk"], "chronic")
    assert (chronic[0].doctor_name, chronic[0].department) == ("李医生", "全科")
    # Dr Li busy with a patient and two waiting: no longer free, lower score.
    first = desk.walk_in("zhang")
    desk.walk_in("wang")
    desk.walk_in("chen")
    rc.start_consultation(cf.clinic, desk.actors["li"], first.entry_id)
    busy = {s.doctor_name: s for s in rc.suggest_triage(cf.clinic, desk.actors["desk"], "fever")}
    assert not busy["李医生"].free_now and busy["李医生"].waiting == 2
    assert busy["李医生"].score == 100 + 15 - 20
    # After hours nobody is free.
    cf.clock.now = at(MON, 19).astimezone(UTC)
    late = rc.suggest_triage(cf.clinic, desk.actors["desk"], "skin")
    assert not any(s.free_now for s in late) and all(s.score <= 0 for s in late)
    for bad in ("", "头疼", "FEVER", None):
        with pytest.raises(ValidationError, match="what the patient comes for"):
            rc.suggest_triage(cf.clinic, desk.actors["desk"], bad)  # type: ignore[arg-type]


def test_code_tables_have_labels() -> None:
    assert set(rc.QUEUE_STATUSES) == {
        "waiting",
        "called",
        "in_consultation",
        "sent_back",
        "done",
        "left",
    }
    assert set(rc.COMPLAINT_SPECIALTIES) == set(rc.COMPLAINTS)
    assert all(rc.COMPLAINT_SPECIALTIES[c] for c in rc.COMPLAINTS)
    assert set(rc.WAIT_ACTIONS) == {"explained", "drink", "priority_exam", "other"}
    assert set(rc.BACK_REASONS) == {"payment", "examination", "prescription", "other"}
    assert {"child", "elderly", "disabled", "accompanied"} == set(rc.NEED_BADGES)


# -- permissions ----------------------------------------------------------------------------------


def test_roles_without_checkin_or_queue_rights_are_refused_and_audited(desk: Desk) -> None:
    """A doctor has no CHECKIN; customer service cannot call next; a pharmacist sees no board."""
    cf = desk.cf
    booking = desk.book("zhang", 10, 30)
    with pytest.raises(PermissionDenied):
        rc.check_in(cf.clinic, desk.actors["li"], booking.id, identity_checked=True)
    with pytest.raises(PermissionDenied):
        rc.walk_in(
            cf.clinic, desk.actors["li"], desk.ids["wang"], doctor_id=None, identity_checked=True
        )
    with pytest.raises(PermissionDenied):
        rc.call_next(cf.clinic, desk.actors["service"], desk.ids["li"])
    with pytest.raises(PermissionDenied):
        rc.today_board(cf.clinic, desk.actors["pharmacist"])
    with pytest.raises(PermissionDenied):
        rc.check_in_view(cf.clinic, desk.actors["service"], booking.id)
    with pytest.raises(PermissionDenied):
        rc.display_state(cf.clinic, desk.actors["service"])
    denied = [r for r in audit_log.audit_report(cf.clinic, cf.director) if r.outcome == "denied"]
    assert {(r.staff_login, r.action) for r in denied} >= {
        ("dr.li", "checkin"),
        ("service1", "queue.manage"),
        ("pharm1", "checkin"),
    }
    # The doctor sees the board (queue rights) and the receptionist checks in.
    assert rc.today_board(cf.clinic, desk.actors["li"]).rows
    assert desk.check_in(booking.id).queue_no == 1
    assert ap.get_appointment(cf.clinic, cf.director, booking.id).status == "arrived"


# -- waiting time and alerts (B4) ---------------------------------------------------------------


def test_wait_minutes_and_alert_follow_the_clock_and_the_setting(desk: Desk) -> None:
    """B4: minutes derived from the check-in and now; alert from 15 minutes (a setting)."""
    cf = desk.cf
    entry = desk.check_in(desk.book("zhang", 10, 30).id)
    cf.clock.advance(minutes=14, seconds=59)
    row = desk.row(entry.entry_id)
    assert row.wait_minutes == 14 and not row.alert
    cf.clock.advance(seconds=1)
    row = desk.row(entry.entry_id)
    assert row.wait_minutes == 15 and row.alert and desk.board().alerts == 1
    settings_service.update_settings(cf.clinic, cf.director, {"reception.wait_alert_minutes": 20})
    cf.clinic.forget_settings()
    assert not desk.row(entry.entry_id).alert and desk.board().wait_alert_minutes == 20
    cf.clock.advance(minutes=5)
    assert desk.row(entry.entry_id).alert
    # Called but not started: still waiting, still an alert.
    rc.call_next(cf.clinic, desk.actors["li"])
    assert desk.row(entry.entry_id).alert
    cf.clock.advance(minutes=2)
    rc.start_consultation(cf.clinic, desk.actors["li"], entry.entry_id)
    cf.clock.advance(minutes=10)
    row = desk.row(entry.entry_id)
    assert not row.alert and row.wait_minutes == 22 and row.consultation_minutes == 10
    assert row.started_at == cf.clock.now - timedelta(minutes=10)


def test_recording_what_was_done_ends_the_alert_and_is_counted(desk: Desk) -> None:
    """B4: explained the cause, offered a drink / priority; recorded, audited, counted."""
    cf = desk.cf
    entry = desk.check_in(desk.book("zhang", 10, 30).id)
    other = desk.walk_in("wang")
    cf.clock.advance(minutes=16)
    assert desk.board().alerts == 2
    written = rc.record_wait_alert(
        cf.clinic,
        desk.actors["desk"],
        entry.entry_id,
        actions=["drink", "explained"],
        note="医生在处理急诊",
    )
    assert written.value.entry_id == entry.entry_id and written.changes.touches(Topic.RECEPTION)
    row = desk.row(entry.entry_id)
    assert not row.alert and row.alert_handled
    assert desk.board().alerts == 1 and desk.board().rows[0].entry_id == other.entry_id
    audit = audit_rows(cf, "reception.wait_alert")
    assert json.loads(audit[0].detail)["actions"] == ["explained", "drink"]
    for bad, words in (
        ([], "at least one"),
        ("", "Choose what was done"),
        (["tea"], "Choose what was done"),
        (["other"], 'what "Other" was'),
    ):
        with pytest.raises(ValidationError, match=words):
            rc.record_wait_alert(cf.clinic, desk.actors["desk"], other.entry_id, actions=bad)
    with pytest.raises(ValidationError, match="too long"):
        rc.record_wait_alert(
            cf.clinic, desk.actors["desk"], other.entry_id, actions=["other"], note="x" * 501
        )
    rc.record_wait_alert(cf.clinic, desk.actors["desk"], other.entry_id, actions="priority_exam")
    summary = rc.wait_alert_summary(cf.clinic, cf.director, MON, MON)
    assert (summary.checked_in, summary.long_waits, summary.handled) == (2, 2, 2)
    assert summary.actions == {"explained": 1, "drink": 1, "priority_exam": 1, "other": 0}
    with pytest.raises(PermissionDenied):
        rc.wait_alert_summary(cf.clinic, desk.actors["desk"], MON, MON)


def test_board_sorts_by_what_needs_attention_first(desk: Desk) -> None:
    """Alerts, green channel, waiting (longest first), called, in consultation, sent back,
    expected (overdue first), done, left, no-show."""
    cf = desk.cf
    li = desk.actors["li"]
    missed = desk.book("smith", 8)  # becomes a no-show
    done = desk.walk_in("zhao")
    cf.clock.advance(minutes=1)
    gone = desk.walk_in("chen")
    rc.call_next(cf.clinic, li)
    rc.start_consultation(cf.clinic, li, done.entry_id)
    rc.finish_consultation(cf.clinic, li, done.entry_id)
    rc.mark_left(cf.clinic, desk.actors["desk"], gone.entry_id)
    alerting = desk.walk_in("zhang", "wu")
    cf.clock.advance(minutes=20)
    consulting = desk.walk_in("wang")
    rc.call_next(cf.clinic, li)
    rc.start_consultation(cf.clinic, li, consulting.entry_id)
    ap.mark_no_shows(cf.clinic, Actor.system("scheduler"))
    expected_late = desk.book("ming", 10, doctor="wu")  # 10:00, overdue at 10:21
    expected_later = desk.book("chen", 11, 30, doctor="wu")
    cf.clock.advance(minutes=1)
    waiting_long = rc.walk_in(
        cf.clinic,
        desk.actors["desk"],
        desk.ids["ming"],
        doctor_id=desk.ids["li"],
        identity_checked=True,
    ).value
    cf.clock.advance(minutes=1)
    green = rc.walk_in(
        cf.clinic,
        desk.actors["desk"],
        desk.ids["smith"],
        doctor_id=desk.ids["li"],
        identity_checked=True,
    ).value
    rc.set_green_channel(cf.clinic, desk.actors["desk"], green.entry_id, reason="胸痛")
    del expected_late, expected_later
    order = [(r.kind, r.status, r.patient_name, r.alert, r.green) for r in desk.board().rows]
    assert order == [
        ("queued", "waiting", "张三", True, False),
        ("queued", "waiting", "John Smith", False, True),
        ("queued", "waiting", "张小明", False, False),
        ("queued", "in_consultation", "王五", False, False),
        ("expected", "booked", "张小明", False, False),
        ("expected", "booked", "陈小红", False, False),
        ("queued", "done", "赵六", False, False),
        ("queued", "left", "陈小红", False, False),
        ("expected", "no_show", "John Smith", False, False),
    ]
    rows = desk.board().rows
    assert (rows[0].entry_id, rows[2].entry_id) == (alerting.entry_id, waiting_long.entry_id)
    assert missed.id in {r.appointment_id for r in rows}
    counts = {c.doctor_name: replace(c, doctor_id=uuid.UUID(int=0)) for c in desk.board().counts}
    assert (counts["李医生"].waiting, counts["李医生"].in_consultation) == (2, 1)
    assert (counts["李医生"].done, counts["吴医生"].waiting, counts["吴医生"].expected) == (1, 1, 2)


# -- the green channel (B8) ------------------------------------------------------------------------


def test_green_channel_goes_first_with_a_reason_audited(desk: Desk) -> None:
    """B8: an emergency is put first in the doctor's queue, with a reason, audited."""
    cf = desk.cf
    first = desk.walk_in("zhang")
    urgent = desk.walk_in("wang")
    with pytest.raises(ValidationError, match="empty"):
        rc.set_green_channel(cf.clinic, desk.actors["desk"], urgent.entry_id, reason="  ")
    with pytest.raises(ValidationError, match="too long"):
        rc.set_green_channel(cf.clinic, desk.actors["desk"], urgent.entry_id, reason="痛" * 501)
    written = rc.set_green_channel(
        cf.clinic, desk.actors["nurse"], urgent.entry_id, reason="胸痛，疑似心梗"
    )
    assert written.value.priority == 100
    row = desk.row(urgent.entry_id)
    assert row.green and row.green_reason == "胸痛，疑似心梗"
    assert desk.board().rows[0].entry_id == urgent.entry_id
    queue = rc.doctor_queue(cf.clinic, desk.actors["li"])
    assert [r.entry_id for r in queue] == [urgent.entry_id, first.entry_id]
    audit = audit_rows(cf, "reception.green_channel")
    assert len(audit) == 1 and audit[0].reason == "胸痛，疑似心梗"
    assert audit[0].patient_id == desk.ids["wang"]
    assert rc.call_next(cf.clinic, desk.actors["li"]).value.entry_id == urgent.entry_id
    with pytest.raises(PermissionDenied):
        rc.set_green_channel(cf.clinic, desk.actors["service"], first.entry_id, reason="急")
    rc.start_consultation(cf.clinic, desk.actors["li"], urgent.entry_id)
    with pytest.raises(rc.QueueStateError, match="Number 2 is already in consultation"):
        rc.set_green_channel(cf.clinic, desk.actors["desk"], urgent.entry_id, reason="急")


def test_appointment_rows_in_the_database_match_the_queue(desk: Desk) -> None:
    """The booking's times are stamped with the queue's steps (not stored twice in the queue)."""
    cf = desk.cf
    booking = desk.book("zhang", 10, 30)
    entry = desk.check_in(booking.id)
    cf.clock.advance(minutes=7)
    rc.call_next(cf.clinic, desk.actors["li"])
    rc.start_consultation(cf.clinic, desk.actors["li"], entry.entry_id)
    cf.clock.advance(minutes=12)
    rc.finish_consultation(cf.clinic, desk.actors["li"], entry.entry_id, visit_category="cold")
    with cf.clinic.store.unit_of_work(write=False) as uow:
        row = uow.session.get(Appointment, booking.id)
        assert row is not None and row.status == "done"
        start = at(MON, 10, 7).astimezone(UTC)
        assert (row.started_at, row.finished_at) == (start, start + timedelta(minutes=12))
        queued = uow.session.get(QueueEntry, entry.entry_id)
        assert queued is not None and queued.visit_category == "cold"
    board_row = desk.row(entry.entry_id)
    assert (board_row.wait_minutes, board_row.consultation_minutes) == (7, 12)


def test_undoing_an_arrival_of_a_queued_patient_asks_to_take_them_out_first(desk: Desk) -> None:
    """A mistaken arrival undone on the calendar must not leave a queue entry waiting
    behind a booking that says the patient never came."""
    cf = desk.cf
    booking = desk.book("zhang", 10, 30)
    entry = rc.check_in(cf.clinic, desk.actors["desk"], booking.id, identity_checked=True).value
    with pytest.raises(ValidationError, match="number 1 in today's queue"):
        ap.undo_arrival(cf.clinic, desk.actors["desk"], booking.id, reason="点错了")
    assert ap.get_appointment(cf.clinic, cf.director, booking.id).status == "arrived"
    rc.mark_left(cf.clinic, desk.actors["desk"], entry.entry_id, note="挂错号")
    undone = ap.undo_arrival(cf.clinic, desk.actors["desk"], booking.id, reason="点错了").value
    assert undone.status == "booked"


def test_needs_confirmation_orders_reasons_of_other_services_last() -> None:
    """Reception's "other_day" mixed with a booking reason does not break the message."""
    error = ap.NeedsConfirmation(
        {
            "other_day": ("Not today: {day}.", {"day": "2026-11-24"}),
            ap.OUTSIDE_HOURS: ("Outside hours.", {}),
        }
    )
    assert list(error.sentences()) == [ap.OUTSIDE_HOURS, "other_day"]
    assert "Not today: 2026-11-24." in error.message()

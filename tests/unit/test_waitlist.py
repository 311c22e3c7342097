"""The ASAP list: who could take a freed slot (issue 5; spec A6, A10)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic_desk.core.errors import NotFound, PermissionDenied, ValidationError
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import audit_log, patients, staff, waitlist
from clinic_desk.core.services.base import Actor, Topic
from clinic_desk.core.store.models import Appointment, AppointmentType
from tests.conftest import ClinicFixture

# 2026-11-24 09:00 in Shanghai (the fake clock's Monday is the 23rd).
TUESDAY_9 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def _actor(cf: ClinicFixture, role: Role, login: str | None = None) -> Actor:
    login = login or f"{role.value.replace('_', '.')}1"
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=login, role=role, password="some-pass-123"
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


def _doctor(cf: ClinicFixture, login: str) -> uuid.UUID:
    return staff.add_staff(
        cf.clinic,
        cf.director,
        login=login,
        display_name=login,
        role=Role.DOCTOR,
        password="some-pass-123",
    ).value.id


def _patient(cf: ClinicFixture, given: str = "三", phone: str = "13812345678") -> uuid.UUID:
    return patients.register_patient(
        cf.clinic, cf.director, family_name="张", given_name=given, phone=phone
    ).value.id


def _appointment(
    cf: ClinicFixture,
    patient_id: uuid.UUID,
    doctor_id: uuid.UUID,
    starts_at: datetime,
    *,
    minutes: int = 15,
    status: str = "booked",
) -> uuid.UUID:
    # A plain row: the booking rules are the booking service's tests' business.
    with cf.clinic.store.unit_of_work(write=True) as uow:
        row = Appointment(
            patient_id=patient_id,
            doctor_id=doctor_id,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes),
            status=status,
        )
        uow.session.add(row)
        uow.session.flush()
        uow.commit()
        return row.id


def _type(cf: ClinicFixture, minutes: int) -> uuid.UUID:
    with cf.clinic.store.unit_of_work(write=True) as uow:
        row = AppointmentType(name="体检", default_minutes=minutes)
        uow.session.add(row)
        uow.session.flush()
        uow.commit()
        return row.id


def test_add_list_and_rank_members_first(cf: ClinicFixture) -> None:
    """A6, A10: the list shows higher priority (members) first, then the longest wait."""
    doctor = _doctor(cf, "dr.li")
    early = _patient(cf, "一", "13800000001")
    member = _patient(cf, "二", "13800000002")
    late = _patient(cf, "三", "13800000003")
    first = waitlist.add_to_waitlist(cf.clinic, cf.director, early, doctor_id=doctor)
    assert first.changes.touches(Topic.APPOINTMENTS)
    cf.clock.advance(minutes=5)
    waitlist.add_to_waitlist(cf.clinic, cf.director, member, priority=10, preferred="上午")
    cf.clock.advance(minutes=5)
    waitlist.add_to_waitlist(cf.clinic, cf.director, late, doctor_id=doctor)
    names = [v.patient_name for v in waitlist.list_waitlist(cf.clinic, cf.director)]
    assert names == ["张二", "张一", "张三"]
    other = _doctor(cf, "dr.wang")
    # A doctor's list has that doctor's entries and the "any doctor" ones.
    for_other = waitlist.list_waitlist(cf.clinic, cf.director, doctor_id=other)
    assert [v.patient_name for v in for_other] == ["张二"]
    view = first.value
    assert view.status == "waiting" and view.patient_phone.endswith("13800000001")
    assert view.created_at == datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_candidates_respect_doctor_window_and_held_appointment(cf: ClinicFixture) -> None:
    """A6: doctor matches or any, day within the window, earlier than what they hold."""
    li = _doctor(cf, "dr.li")
    wang = _doctor(cf, "dr.wang")
    any_doc = _patient(cf, "一", "13800000001")
    li_only = _patient(cf, "二", "13800000002")
    wang_only = _patient(cf, "三", "13800000003")
    too_late_window = _patient(cf, "四", "13800000004")
    holds_earlier = _patient(cf, "五", "13800000005")
    holds_later = _patient(cf, "六", "13800000006")
    waitlist.add_to_waitlist(cf.clinic, cf.director, any_doc)
    waitlist.add_to_waitlist(cf.clinic, cf.director, li_only, doctor_id=li)
    waitlist.add_to_waitlist(cf.clinic, cf.director, wang_only, doctor_id=wang)
    waitlist.add_to_waitlist(cf.clinic, cf.director, too_late_window, earliest=date(2026, 11, 25))
    earlier = _appointment(cf, holds_earlier, li, TUESDAY_9 - timedelta(hours=1))
    waitlist.add_to_waitlist(cf.clinic, cf.director, holds_earlier, appointment_id=earlier)
    later = _appointment(cf, holds_later, li, TUESDAY_9 + timedelta(days=7))
    waitlist.add_to_waitlist(cf.clinic, cf.director, holds_later, appointment_id=later, priority=5)
    found = waitlist.candidates_for_slot(
        cf.clinic, cf.director, doctor_id=li, starts_at=TUESDAY_9, minutes=15
    )
    assert [v.patient_name for v in found] == ["张六", "张一", "张二"]
    assert found[0].appointment_starts_at == TUESDAY_9 + timedelta(days=7)
    # The window's last day counts in the clinic's local day, not UTC.
    waitlist.add_to_waitlist(
        cf.clinic, cf.director, _patient(cf, "七", "13800000007"), latest=date(2026, 11, 24)
    )
    late_evening = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)  # 23:30 local, 24th
    names = [
        v.patient_name
        for v in waitlist.candidates_for_slot(
            cf.clinic, cf.director, doctor_id=li, starts_at=late_evening, minutes=15
        )
    ]
    assert "张七" in names


def test_candidates_skip_types_too_long_and_patients_busy_then(cf: ClinicFixture) -> None:
    """A6: a 60-minute exam does not fit a 15-minute gap; nobody is booked twice at once."""
    li = _doctor(cf, "dr.li")
    wang = _doctor(cf, "dr.wang")
    exam = _type(cf, 60)
    long_one = _patient(cf, "一", "13800000001")
    busy = _patient(cf, "二", "13800000002")
    waitlist.add_to_waitlist(cf.clinic, cf.director, long_one, type_id=exam)
    waitlist.add_to_waitlist(cf.clinic, cf.director, busy)
    _appointment(cf, busy, wang, TUESDAY_9)
    assert (
        waitlist.candidates_for_slot(
            cf.clinic, cf.director, doctor_id=li, starts_at=TUESDAY_9, minutes=15
        )
        == []
    )
    fits = waitlist.candidates_for_slot(
        cf.clinic, cf.director, doctor_id=li, starts_at=TUESDAY_9 + timedelta(hours=2), minutes=60
    )
    assert {v.patient_name for v in fits} == {"张一", "张二"}


def test_offer_decline_book_and_remove_are_audited(cf: ClinicFixture) -> None:
    """A6: status changes waiting → offered → booked, or removed with a reason; all audited."""
    li = _doctor(cf, "dr.li")
    pid = _patient(cf)
    entry = waitlist.add_to_waitlist(cf.clinic, cf.director, pid).value
    assert waitlist.offer(cf.clinic, cf.director, entry.id, note="周二9点").value.status == (
        "offered"
    )
    assert waitlist.decline(cf.clinic, cf.director, entry.id).value.status == "waiting"
    appt = _appointment(cf, pid, li, TUESDAY_9)
    done = waitlist.mark_booked(cf.clinic, cf.director, entry.id, appointment_id=appt).value
    assert done.status == "booked" and done.resolved_at == cf.clock.now
    assert waitlist.list_waitlist(cf.clinic, cf.director) == []
    with pytest.raises(ValidationError, match="already booked"):
        waitlist.remove_from_waitlist(cf.clinic, cf.director, entry.id, reason="不需要了")
    second = waitlist.add_to_waitlist(cf.clinic, cf.director, pid).value
    with pytest.raises(ValidationError, match="Say why"):
        waitlist.remove_from_waitlist(cf.clinic, cf.director, second.id, reason="  \n ")
    removed = waitlist.remove_from_waitlist(cf.clinic, cf.director, second.id, reason="不需要了")
    assert removed.value.status == "removed"
    actions = [r.action for r in audit_log.audit_report(cf.clinic, cf.director, patient_id=pid)]
    for action in (
        "waitlist.add",
        "waitlist.offer",
        "waitlist.decline",
        "waitlist.booked",
        "waitlist.remove",
    ):
        assert action in actions


def test_bad_input_is_refused_with_sentences(cf: ClinicFixture) -> None:
    """Bad input: window backwards or past, huge text, wrong priority, unknown ids, twins."""
    pid = _patient(cf)
    other = _patient(cf, "四", "13900000000")
    li = _doctor(cf, "dr.li")
    cases: list[tuple[dict[str, object], str]] = [
        ({"earliest": date(2026, 12, 5), "latest": date(2026, 12, 1)}, "before the earliest"),
        ({"latest": date(2026, 11, 1)}, "already passed"),
        ({"preferred": "上午" * 200}, "at most 200"),
        ({"notes": "😀" * 501}, "at most 500"),
        ({"priority": -1}, "from 0 to 100"),
        ({"priority": 10**9}, "from 0 to 100"),
        ({"priority": True}, "from 0 to 100"),
        ({"earliest": "2026-12-01"}, "should be dates"),
    ]
    for kwargs, words in cases:
        with pytest.raises(ValidationError) as info:
            waitlist.add_to_waitlist(cf.clinic, cf.director, pid, **kwargs)  # type: ignore[arg-type]
        assert words in info.value.message()
    with pytest.raises(NotFound):
        waitlist.add_to_waitlist(cf.clinic, cf.director, uuid.uuid4())
    with pytest.raises(NotFound):
        waitlist.add_to_waitlist(cf.clinic, cf.director, pid, doctor_id=uuid.uuid4())
    with pytest.raises(NotFound):
        waitlist.add_to_waitlist(cf.clinic, cf.director, pid, type_id=uuid.uuid4())
    theirs = _appointment(cf, other, li, TUESDAY_9)
    with pytest.raises(ValidationError, match="another patient"):
        waitlist.add_to_waitlist(cf.clinic, cf.director, pid, appointment_id=theirs)
    gone = _appointment(cf, pid, li, TUESDAY_9, status="cancelled")
    with pytest.raises(ValidationError, match="no longer booked"):
        waitlist.add_to_waitlist(cf.clinic, cf.director, pid, appointment_id=gone)
    # SQL-looking text is just text.
    entry = waitlist.add_to_waitlist(
        cf.clinic, cf.director, pid, notes="'); DROP TABLE waitlist_entry;--"
    ).value
    assert entry.notes == "'); DROP TABLE waitlist_entry;--"
    with pytest.raises(ValidationError, match="already on the list"):
        waitlist.add_to_waitlist(cf.clinic, cf.director, pid)
    with pytest.raises(NotFound):
        waitlist.offer(cf.clinic, cf.director, uuid.uuid4())
    with pytest.raises(ValidationError, match="time zone"):
        waitlist.candidates_for_slot(
            cf.clinic, cf.director, doctor_id=li, starts_at=datetime(2026, 11, 24, 9), minutes=15
        )
    for minutes in (0, -15, 24 * 60):
        with pytest.raises(ValidationError, match="between 1 minute and 24 hours"):
            waitlist.candidates_for_slot(
                cf.clinic, cf.director, doctor_id=li, starts_at=TUESDAY_9, minutes=minutes
            )


def test_roles(cf: ClinicFixture) -> None:
    """I1: the desk and customer service manage the list; a doctor only sees it;
    a pharmacist does neither."""
    pid = _patient(cf)
    desk = _actor(cf, Role.RECEPTIONIST)
    doctor = _actor(cf, Role.DOCTOR)
    pharmacist = _actor(cf, Role.PHARMACIST)
    entry = waitlist.add_to_waitlist(cf.clinic, desk, pid).value
    assert [v.id for v in waitlist.list_waitlist(cf.clinic, doctor)] == [entry.id]
    with pytest.raises(PermissionDenied):
        waitlist.add_to_waitlist(cf.clinic, doctor, pid)
    with pytest.raises(PermissionDenied):
        waitlist.offer(cf.clinic, doctor, entry.id)
    with pytest.raises(PermissionDenied):
        waitlist.list_waitlist(cf.clinic, pharmacist)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300))
def test_any_preferred_text_is_stored_cleanly_or_refused(cf: ClinicFixture, text: str) -> None:
    """Bad input: any text (CJK, emoji, control characters) is cleaned or refused."""
    # One patient for all examples (the fixture is shared by hypothesis' examples).
    pid = getattr(cf, "waitlist_patient", None)
    if pid is None:
        pid = _patient(cf, "五", "13700000000")
        cf.waitlist_patient = pid  # type: ignore[attr-defined]
    for entry in waitlist.list_waitlist(cf.clinic, cf.director):
        waitlist.remove_from_waitlist(cf.clinic, cf.director, entry.id, reason="重试")
    try:
        view = waitlist.add_to_waitlist(cf.clinic, cf.director, pid, preferred=text).value
    except ValidationError as error:
        assert "at most 200" in error.message()
        return
    assert len(view.preferred) <= 200
    assert all(c >= " " for c in view.preferred)

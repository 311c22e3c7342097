"""A doctor's absence or substitution, end to end (spec A7, with A2, A6, A10).

The fake clock starts on Monday 2026-11-23 at 10:00 in Asia/Shanghai.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from clinic_desk.core.errors import NotFound, PermissionDenied, ValidationError
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import (
    absence,
    appointments,
    audit_log,
    patients,
    rosters,
    staff,
    waitlist,
)
from clinic_desk.core.services import settings as settings_service
from clinic_desk.core.services.base import Actor, Topic
from tests.conftest import ClinicFixture

SH = ZoneInfo("Asia/Shanghai")
WED, THU = date(2026, 11, 25), date(2026, 11, 26)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH)


def _actor(cf: ClinicFixture, role: Role, login: str) -> Actor:
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=login, role=role, password="some-pass-123"
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


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


def _patient(cf: ClinicFixture, given: str, phone: str) -> uuid.UUID:
    return patients.register_patient(
        cf.clinic, cf.director, family_name="张", given_name=given, phone=phone
    ).value.id


def _book(
    cf: ClinicFixture, patient_id: uuid.UUID, doctor_id: uuid.UUID, when: datetime
) -> uuid.UUID:
    return appointments.book(
        cf.clinic,
        cf.director,
        patient_id=patient_id,
        doctor_id=doctor_id,
        starts_at=when,
        minutes=15,
        channel="phone",
        identity_checked=True,
    ).value.id


@pytest.fixture
def desk(cf: ClinicFixture) -> dict[str, uuid.UUID]:
    ids = {
        "li": _doctor(cf, "李医生", "dr.li"),
        "wang": _doctor(cf, "王医生", "dr.wang"),
        "zhao": _doctor(cf, "赵医生", "dr.zhao"),
        "p1": _patient(cf, "一", "13800000001"),
        "p2": _patient(cf, "二", "13800000002"),
        "p3": _patient(cf, "三", "13800000003"),
    }
    ids["a1"] = _book(cf, ids["p1"], ids["li"], at(WED, 9))
    ids["a2"] = _book(cf, ids["p2"], ids["li"], at(WED, 14))
    ids["a3"] = _book(cf, ids["p3"], ids["wang"], at(WED, 9))
    gone = _book(cf, ids["p3"], ids["li"], at(WED, 10))
    appointments.cancel(cf.clinic, cf.director, gone, reason="改期")
    return ids


def test_absence_lists_affected_patients_with_alternatives(
    cf: ClinicFixture, desk: dict[str, uuid.UUID]
) -> None:
    """A7: every active appointment of the absent doctor is listed with offers:
    the same doctor's next free times and another doctor free at the same time."""
    written = absence.record_absence(cf.clinic, cf.director, desk["li"], WED, reason="发烧")
    view = written.value
    assert (view.kind, view.affected, view.late) == ("absent", 2, False)
    assert written.changes.touches(Topic.ROSTERS) and written.changes.touches(Topic.APPOINTMENTS)
    work = absence.absence_worklist(cf.clinic, cf.director, view.exception_id)
    assert [w.appointment.id for w in work] == [desk["a1"], desk["a2"]]
    first = work[0]
    assert first.status == "to_contact" and first.patient_name == "张一"
    kinds = [(a.kind, a.doctor_id) for a in first.alternatives]
    # Wang is busy at 09:00 on Wednesday; Zhao is free; Li is next free on Thursday.
    assert ("other_doctor", desk["zhao"]) in kinds
    assert ("other_doctor", desk["wang"]) not in kinds
    same = [a for a in first.alternatives if a.kind == "same_doctor"]
    assert len(same) == 3 and same[0].starts_at == at(THU, 8)
    # Li's Wednesday is now off the roster: no new booking finds time there.
    assert (
        appointments.free_slots_for_day(cf.clinic, cf.director, desk["li"], WED, minutes=15) == []
    )


def test_partial_absence_and_late_notice(cf: ClinicFixture, desk: dict[str, uuid.UUID]) -> None:
    """A7: a morning absence affects only the morning; after 16:00 the day before it is late."""
    cf.clock.advance(hours=31)  # Tuesday 17:00 local
    view = absence.record_absence(
        cf.clinic,
        cf.director,
        desk["li"],
        WED,
        start_minute=8 * 60,
        end_minute=12 * 60,
        reason="上午开会",
    ).value
    assert view.late and view.affected == 1
    work = absence.absence_worklist(cf.clinic, cf.director, view.exception_id)
    assert [w.appointment.id for w in work] == [desk["a1"]]
    # The cutoff is a setting: the same time is on time with an 18:00 cutoff.
    settings_service.update_settings(
        cf.clinic, cf.director, {"appointments.absence_notice_cutoff": "18:00"}
    )
    on_time = absence.record_absence(cf.clinic, cf.director, desk["wang"], WED, reason="学习")
    assert not on_time.value.late and on_time.value.affected == 1


def test_substitute_move_and_cancel_offers_the_waitlist(
    cf: ClinicFixture, desk: dict[str, uuid.UUID]
) -> None:
    """A7, A6, A10: moved to the substitute (identity checked again, A2); a cancellation
    frees the substitute's time, and the waitlist is offered, members first."""
    view = absence.record_absence(
        cf.clinic, cf.director, desk["li"], WED, substitute_id=desk["zhao"], reason="外出会诊"
    ).value
    assert view.kind == "substitute"
    work = absence.absence_worklist(cf.clinic, cf.director, view.exception_id)
    assert work[0].alternatives[0].kind == "substitute"
    assert work[0].alternatives[0].doctor_id == desk["zhao"]
    with pytest.raises(ValidationError, match="real-name"):
        absence.resolve_contact(
            cf.clinic, cf.director, work[0].contact_id, status="moved", new_doctor_id=desk["zhao"]
        )
    moved = absence.resolve_contact(
        cf.clinic,
        cf.director,
        work[0].contact_id,
        status="moved",
        new_doctor_id=desk["zhao"],
        identity_checked=True,
        offered=work[0].alternatives,
        note="患者同意换赵医生",
    ).value
    assert moved.appointment.doctor_id == desk["zhao"]
    assert moved.appointment.starts_at == at(WED, 9)
    assert moved.candidates == ()
    member = _patient(cf, "会员", "13800000009")
    plain = _patient(cf, "普通", "13800000008")
    waitlist.add_to_waitlist(cf.clinic, cf.director, plain)
    waitlist.add_to_waitlist(cf.clinic, cf.director, member, priority=10)
    cancelled = absence.resolve_contact(
        cf.clinic, cf.director, work[1].contact_id, status="cancelled", note="患者取消"
    ).value
    assert cancelled.appointment.status == "cancelled"
    assert [c.patient_name for c in cancelled.candidates] == ["张会员", "张普通"]
    statuses = [
        w.status for w in absence.absence_worklist(cf.clinic, cf.director, view.exception_id)
    ]
    assert statuses == ["moved", "cancelled"]
    with pytest.raises(ValidationError, match="already moved"):
        absence.resolve_contact(cf.clinic, cf.director, work[0].contact_id, status="kept")
    actions = [r.action for r in audit_log.audit_report(cf.clinic, cf.director)]
    assert "absence.record" in actions and actions.count("absence.contact") == 2
    assert "appointment.move" in actions and "appointment.cancel" in actions


def test_move_to_the_same_doctor_later_and_other_outcomes(
    cf: ClinicFixture, desk: dict[str, uuid.UUID]
) -> None:
    """A7: moved to another time through the booking service; unreachable, then kept."""
    view = absence.record_absence(cf.clinic, cf.director, desk["li"], WED, reason="病假").value
    work = absence.absence_worklist(cf.clinic, cf.director, view.exception_id)
    later = next(a for a in work[0].alternatives if a.kind == "same_doctor")
    result = absence.resolve_contact(
        cf.clinic,
        cf.director,
        work[0].contact_id,
        status="moved",
        new_starts_at=later.starts_at,
        identity_checked=True,
    ).value
    assert result.appointment.starts_at == at(THU, 8)
    with pytest.raises(ValidationError, match="new time or the new doctor"):
        absence.resolve_contact(cf.clinic, cf.director, work[1].contact_id, status="moved")
    # Another doctor's booked time: the booking service refuses and nothing is recorded.
    with pytest.raises(appointments.SlotTaken):
        absence.resolve_contact(
            cf.clinic,
            cf.director,
            work[1].contact_id,
            status="moved",
            new_starts_at=at(WED, 9),
            new_doctor_id=desk["wang"],
            identity_checked=True,
        )
    assert (
        absence.resolve_contact(
            cf.clinic, cf.director, work[1].contact_id, status="unreachable", note="电话无人接听"
        ).value.status
        == "unreachable"
    )
    kept = absence.resolve_contact(cf.clinic, cf.director, work[1].contact_id, status="kept")
    assert kept.value.status == "kept" and kept.value.appointment.status == "booked"


def test_bad_input_is_refused_with_sentences(cf: ClinicFixture, desk: dict[str, uuid.UUID]) -> None:
    """A7, bad input: past day, spans, reasons, self-substitution, twice, unknown ids."""
    li = desk["li"]
    cases: list[tuple[dict[str, object], str]] = [
        ({"day": date(2026, 11, 1)}, "already passed"),
        ({"day": "2026-11-25"}, "calendar date"),
        ({"start_minute": 600, "end_minute": 540}, "ends before or when it starts"),
        ({"start_minute": 600}, "Give both the start and the end"),
        ({"start_minute": -5, "end_minute": 60}, "between 00:00 and 24:00"),
        ({"start_minute": 0, "end_minute": 10**9}, "between 00:00 and 24:00"),
        ({"reason": "   "}, "reason is empty"),
        ({"reason": "发" * 501}, "at most 500"),
        ({"substitute_id": li}, "cannot stand in for themselves"),
    ]
    for kwargs, words in cases:
        args: dict[str, object] = {"day": WED, "reason": "病假", **kwargs}
        with pytest.raises(ValidationError) as info:
            absence.record_absence(cf.clinic, cf.director, li, **args)  # type: ignore[arg-type]
        assert words in info.value.message()
    with pytest.raises(NotFound):
        absence.record_absence(cf.clinic, cf.director, uuid.uuid4(), WED, reason="x")
    with pytest.raises(NotFound):
        absence.record_absence(
            cf.clinic, cf.director, li, WED, substitute_id=uuid.uuid4(), reason="x"
        )
    pharmacist = staff.add_staff(
        cf.clinic,
        cf.director,
        login="ph1",
        display_name="ph1",
        role=Role.PHARMACIST,
        password="some-pass-123",
    ).value.id
    with pytest.raises(ValidationError, match="cannot take appointments"):
        absence.record_absence(
            cf.clinic, cf.director, li, WED, substitute_id=pharmacist, reason="x"
        )
    view = absence.record_absence(
        cf.clinic, cf.director, li, WED, reason="'); DROP TABLE roster_exception;--"
    ).value
    assert view.reason == "'); DROP TABLE roster_exception;--"
    with pytest.raises(ValidationError, match="already recorded"):
        absence.record_absence(cf.clinic, cf.director, li, WED, reason="again")
    with pytest.raises(NotFound):
        absence.absence_worklist(cf.clinic, cf.director, uuid.uuid4())
    with pytest.raises(NotFound):
        absence.resolve_contact(cf.clinic, cf.director, uuid.uuid4(), status="contacted")
    contact = absence.absence_worklist(cf.clinic, cf.director, view.exception_id)[0].contact_id
    for status in ("to_contact", "done", "", "已联系"):
        with pytest.raises(ValidationError, match="how the call went"):
            absence.resolve_contact(cf.clinic, cf.director, contact, status=status)
    with pytest.raises(ValidationError, match="at most 500"):
        absence.resolve_contact(
            cf.clinic, cf.director, contact, status="contacted", note="😀" * 501
        )


def test_roles(cf: ClinicFixture, desk: dict[str, uuid.UUID]) -> None:
    """A7, I1: the desk and a doctor (their own) record absences; a pharmacist may not;
    a doctor does not move patients (APPOINTMENT_MANAGE)."""
    receptionist = _actor(cf, Role.RECEPTIONIST, "desk1")
    pharmacist = _actor(cf, Role.PHARMACIST, "pharm1")
    li = staff.sign_in(cf.clinic, "dr.li", "some-pass-123")
    with pytest.raises(PermissionDenied):
        absence.record_absence(cf.clinic, pharmacist, desk["li"], WED, reason="x")
    with pytest.raises(ValidationError, match="own absence"):
        absence.record_absence(cf.clinic, li, desk["wang"], WED, reason="x")
    view = absence.record_absence(cf.clinic, li, desk["li"], WED, reason="家中有事").value
    contact = absence.absence_worklist(cf.clinic, li, view.exception_id)[0].contact_id
    with pytest.raises(PermissionDenied):
        absence.resolve_contact(cf.clinic, li, contact, status="contacted")
    assert (
        absence.resolve_contact(cf.clinic, receptionist, contact, status="contacted").value.status
        == "contacted"
    )


def test_a10_absence_alternatives_offer_held_slots_to_members_only(cf: ClinicFixture) -> None:
    """A7 with A10: the worklist's alternatives for an absent doctor's patients leave out
    the slots held for members (Thursday's and Friday's first two, 08:00 and 08:15,
    still held on Monday) for a non-member, and offer them to a member with priority
    booking; both asked in one worklist."""
    from datetime import UTC

    from clinic_desk.core.services import membership

    li, zhao = _doctor(cf, "李医生", "dr.li"), _doctor(cf, "赵医生", "dr.zhao")
    stranger = _patient(cf, "路人", "13800000011")
    member = _patient(cf, "会员", "13800000012")
    membership.enrol(
        cf.clinic,
        cf.director,
        membership.EnrolInput(membership.default_tier_id("basic"), member),  # priority
    )
    fri = date(2026, 11, 27)

    def book(
        patient_id: uuid.UUID, when: datetime, confirm: frozenset[str] = frozenset()
    ) -> uuid.UUID:
        return appointments.book(
            cf.clinic,
            cf.director,
            patient_id=patient_id,
            doctor_id=li,
            starts_at=when,
            minutes=15,
            channel="phone",
            identity_checked=True,
            confirm=confirm,
        ).value.id

    # The non-member had insisted on a held slot (the desk confirmed it).
    first = book(stranger, at(THU, 8), frozenset({appointments.MEMBER_SLOT}))
    second = book(member, at(THU, 8, 15))
    view = absence.record_absence(cf.clinic, cf.director, li, THU, reason="发烧").value
    listed = absence.absence_worklist(cf.clinic, cf.director, view.exception_id)
    work = {w.appointment.id: w for w in listed}

    def offers(appointment_id: uuid.UUID, kind: str) -> list[tuple[uuid.UUID, datetime]]:
        return [
            (a.doctor_id, a.starts_at.astimezone(UTC))
            for a in work[appointment_id].alternatives
            if a.kind == kind
        ]

    def utc(moment: datetime) -> datetime:
        return moment.astimezone(UTC)

    # Zhao is free at 08:00 on Thursday, but that slot is held: not for the stranger.
    assert offers(first, "other_doctor") == []
    # Li's next free times after Thursday: Friday from 08:30 for the stranger ...
    assert [t for _d, t in offers(first, "same_doctor")] == [
        utc(at(fri, 8, 30)), utc(at(fri, 8, 45)), utc(at(fri, 9))
    ]
    # ... and from 08:00 for the member, who is offered Zhao's held 08:15 as well.
    assert offers(second, "other_doctor") == [(zhao, utc(at(THU, 8, 15)))]
    assert [t for _d, t in offers(second, "same_doctor")] == [
        utc(at(fri, 8)), utc(at(fri, 8, 15)), utc(at(fri, 8, 30))
    ]

"""The daily self-check (issue 10, spec G4): each role's checklist, one entry per person
and day (updated the same day), a note for every item not done, today or yesterday only,
and who worked and did not fill it in (doctors by their roster; everyone else on the
days the clinic is open, never on a public holiday)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from clinic_desk.core.errors import PermissionDenied, ValidationError
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import rosters, staff, surveys
from clinic_desk.core.services.base import Actor, Topic
from clinic_desk.core.services.clinical import InvalidEntry
from clinic_desk.core.store.models import AuditEntry, Staff
from tests.conftest import ClinicFixture, FakeClock, make_clinic

# The 2026 National Day holiday runs 1-7 October; 10 October (a Saturday) is worked.
TODAY = date(2026, 10, 12)  # a Monday


def _actor(cf: ClinicFixture, role: Role, login: str, name: str) -> Actor:
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=name, role=role, password="pass-12345"
    )
    return staff.sign_in(cf.clinic, login, "pass-12345")


@pytest.fixture
def sc(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A clinic set up in September with a weekday doctor, a receptionist and a nurse;
    the clock then moves to Monday 12 October, 10:00 in Shanghai."""
    clock = FakeClock(datetime(2026, 9, 1, 2, 0, tzinfo=UTC))
    cf = make_clinic(tmp_path / "clinic", clock)
    doctor = _actor(cf, Role.DOCTOR, "dr.li", "李医生")
    assert doctor.staff_id is not None
    weekdays = [rosters.RosterBlock(wd, 8 * 60, 17 * 60) for wd in range(5)]
    rosters.set_weekly_roster(cf.clinic, cf.director, doctor.staff_id, weekdays)
    desk = _actor(cf, Role.RECEPTIONIST, "desk1", "前台小王")
    nurse = _actor(cf, Role.TRIAGE_NURSE, "nurse1", "护士小陈")
    # Accounts stamp their creation by the computer's clock, not the clinic's fake one.
    with cf.clinic.store.unit_of_work(write=True) as uow:
        uow.session.execute(update(Staff).values(created_at=clock.now))
        uow.commit()
    clock.now = datetime(2026, 10, 12, 2, 0, tzinfo=UTC)
    yield {"cf": cf, "doctor": doctor, "desk": desk, "nurse": nurse}
    cf.clinic.close()


def _all_done(items: tuple[str, ...]) -> list[tuple[str, bool, str]]:
    return [(item, True, "") for item in items]


def _audits(cf: ClinicFixture, prefix: str) -> list[str]:
    with cf.clinic.store.unit_of_work(write=False) as uow:
        return list(
            uow.session.execute(
                select(AuditEntry.action)
                .where(AuditEntry.action.like(prefix + "%"))
                .order_by(AuditEntry.seq)
            ).scalars()
        )


def test_submit_and_update_the_same_day(sc: dict[str, Any]) -> None:
    cf, desk = sc["cf"], sc["desk"]
    items, entry = surveys.my_self_check(cf.clinic, desk)
    assert items == surveys.DEFAULT_SELF_CHECKS["receptionist"] and entry is None
    assert 3 <= len(items) <= 6
    first = surveys.submit_self_check(cf.clinic, desk, answers=_all_done(items))
    view = first.value
    assert (view.staff_name, view.role, view.day) == ("前台小王", "receptionist", TODAY)
    assert view.id == surveys.self_check_id(desk.staff_id, TODAY)
    assert first.changes.touches(Topic.QUALITY)
    cf.clock.advance(hours=7)
    answers = _all_done(items)
    answers[1] = (items[1], False, "两位患者明天的预约未能联系上 📞")
    second = surveys.submit_self_check(cf.clinic, desk, answers=answers, note="晚班补充").value
    assert second.id == view.id and second.completed_at > view.completed_at
    assert second.answers[1] == (items[1], False, "两位患者明天的预约未能联系上 📞")
    assert second.note == "晚班补充"
    assert surveys.my_self_check(cf.clinic, desk)[1] == second
    assert _audits(cf, "self_check.") == ["self_check.submit", "self_check.update"]
    assert [v.id for v in surveys.self_checks(cf.clinic, cf.director, TODAY, TODAY)] == [view.id]


def test_self_check_bad_input(sc: dict[str, Any]) -> None:
    cf, desk = sc["cf"], sc["desk"]
    items, _ = surveys.my_self_check(cf.clinic, desk)
    missed = _all_done(items)
    missed[1] = (items[1], False, "   ")
    with pytest.raises(InvalidEntry, match=re.escape("Say what was missed in item 2.")):
        surveys.submit_self_check(cf.clinic, desk, answers=missed)
    for day in (date(2026, 10, 9), date(2026, 10, 13)):  # three days ago; tomorrow
        with pytest.raises(InvalidEntry, match=f"not for {day}"):
            surveys.submit_self_check(cf.clinic, desk, answers=_all_done(items), day=day)
    late = surveys.submit_self_check(
        cf.clinic, desk, answers=_all_done(items), day=date(2026, 10, 11)
    )
    assert late.value.day == date(2026, 10, 11)
    with pytest.raises(InvalidEntry, match="checklist was changed"):
        surveys.submit_self_check(cf.clinic, desk, answers=_all_done(items)[:-1])
    with pytest.raises(InvalidEntry, match="checklist was changed"):
        surveys.submit_self_check(cf.clinic, desk, answers=[*_all_done(items), ("多余", True, "")])
    with pytest.raises(InvalidEntry, match="Tick item 1"):
        surveys.submit_self_check(
            cf.clinic,
            desk,
            answers=[(items[0], "yes", ""), *_all_done(items)[1:]],  # type: ignore[list-item]
        )
    with pytest.raises(InvalidEntry, match="at most 500"):
        surveys.submit_self_check(
            cf.clinic, desk, answers=[(items[0], False, "长" * 501), *_all_done(items)[1:]]
        )
    with pytest.raises(InvalidEntry, match="control characters"):
        surveys.submit_self_check(cf.clinic, desk, answers=_all_done(items), note="a\x07b")
    with pytest.raises(ValidationError, match="Sign in as a staff member"):
        surveys.submit_self_check(cf.clinic, Actor.system(), answers=_all_done(items))


def test_checklists_are_edited_per_role(sc: dict[str, Any]) -> None:
    cf, desk, doctor = sc["cf"], sc["desk"], sc["doctor"]
    lists = surveys.self_check_lists(cf.clinic, desk)
    assert set(lists) == {r.value for r in Role}
    assert all(3 <= len(v) <= 6 for v in lists.values())
    new = ["病历当天完成并签名 ✅", "Follow-up plans set", "  ", "处方已复核"]
    saved = surveys.save_self_check_list(cf.clinic, cf.director, "doctor", new)
    assert saved.value == ("病历当天完成并签名 ✅", "Follow-up plans set", "处方已复核")
    assert saved.changes.touches(Topic.QUALITY)
    assert surveys.my_self_check(cf.clinic, doctor)[0] == saved.value
    assert surveys.self_check_lists(cf.clinic, desk)["receptionist"] == lists["receptionist"]
    for items, words in (
        ([], "1 to 20 items"),
        (["  "], "1 to 20 items"),
        ([f"第{i}项" for i in range(21)], "1 to 20 items"),
        (["长" * 201], "at most 200"),
        (["同一项", "同一项"], "repeats"),
    ):
        with pytest.raises(InvalidEntry, match=words):
            surveys.save_self_check_list(cf.clinic, cf.director, "doctor", items)
    with pytest.raises(InvalidEntry, match="role"):
        surveys.save_self_check_list(cf.clinic, cf.director, "janitor", ["扫地"])
    with pytest.raises(PermissionDenied):
        surveys.save_self_check_list(cf.clinic, desk, "receptionist", ["x"])


def test_missing_self_checks(sc: dict[str, Any]) -> None:
    cf, doctor, desk, nurse = sc["cf"], sc["doctor"], sc["desk"], sc["nurse"]
    items = surveys.my_self_check(cf.clinic, desk)[0]
    surveys.submit_self_check(cf.clinic, desk, answers=_all_done(items), day=date(2026, 10, 11))
    # The doctor takes Friday 9 October off.
    rosters.add_roster_exception(
        cf.clinic, cf.director, doctor.staff_id, date(2026, 10, 9), kind="off", reason="休假"
    )
    staff.update_staff(cf.clinic, cf.director, nurse.staff_id, disabled=True)
    first, last = date(2026, 10, 7), date(2026, 10, 20)
    missing = surveys.missing_self_checks(cf.clinic, cf.director, first, last)
    got = {(m.staff_name, m.day) for m in missing}
    # 7 Oct: National Day, nobody worked. The doctor: Thursday 8 and Monday 12 (Friday off,
    # not rostered at the weekend, not even on the worked Saturday). The receptionist and
    # the director: every open day up to yesterday, except the receptionist's Sunday
    # entry. The disabled nurse is not listed; today (filled in at the day's end) and the
    # days after it are not listed.
    assert TODAY == date(2026, 10, 12)
    expected = {
        ("李医生", date(2026, 10, 8)),
        *{("前台小王", date(2026, 10, d)) for d in (8, 9, 10)},
        *{("王丽", date(2026, 10, d)) for d in (8, 9, 10, 11)},
    }
    assert got == expected
    roles = {m.staff_name: m.role for m in missing}
    assert roles == {"李医生": "doctor", "前台小王": "receptionist", "王丽": "director"}
    assert [m.day for m in missing] == sorted(m.day for m in missing)
    # Nobody is missing today's yet; tomorrow, whoever did not fill it in is.
    surveys.submit_self_check(
        cf.clinic, doctor, answers=_all_done(surveys.my_self_check(cf.clinic, doctor)[0])
    )
    assert surveys.missing_self_checks(cf.clinic, cf.director, TODAY, TODAY) == []
    cf.clock.advance(days=1)
    after = surveys.missing_self_checks(cf.clinic, cf.director, TODAY, TODAY)
    assert {m.staff_name for m in after} == {"前台小王", "王丽"}
    cf.clock.advance(days=-1)
    # Staff added later are not missing on the days before they existed.
    _actor(cf, Role.PHARMACIST, "ph1", "药师小赵")
    assert all(
        m.staff_name != "药师小赵"
        for m in surveys.missing_self_checks(cf.clinic, cf.director, first, date(2026, 10, 11))
    )
    # A future period is empty; a reversed one is refused; only QUALITY_REPORTS reads it.
    assert (
        surveys.missing_self_checks(cf.clinic, cf.director, date(2026, 11, 1), date(2026, 11, 2))
        == []
    )
    with pytest.raises(ValidationError, match="Swap them"):
        surveys.missing_self_checks(cf.clinic, cf.director, last, first)
    with pytest.raises(PermissionDenied):
        surveys.missing_self_checks(cf.clinic, desk, first, last)
    with pytest.raises(PermissionDenied):
        surveys.self_checks(cf.clinic, doctor, first, last)
    assert isinstance(surveys.self_check_id(uuid.uuid4(), TODAY), uuid.UUID)

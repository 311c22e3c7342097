"""Membership where the desk and the doctors look (issue 11, spec H2): the badge on the
reception board, the check-in panel and the doctor's queue; the card number in the
patient search.

The fake clock starts on Monday 2026-11-23 at 10:00 Asia/Shanghai. 欧阳 enrols in the
basic tier that day; the clock then moves a year and a day on (Wednesday 2027-11-24),
past the end of that membership, and the others enrol: 张三 pays for an advanced
family membership with 李四, 王五 is basic and suspended, 陈六 basic and cancelled;
赵七 never enrolled.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import appointments as ap
from clinic_desk.core.services import membership, patient_search, patients, rosters, staff
from clinic_desk.core.services import reception as rc
from clinic_desk.core.services.base import Actor, Clinic
from tests.conftest import ClinicFixture

SH = ZoneInfo("Asia/Shanghai")
T1 = date(2027, 11, 24)  # a year and a day after the fake clock's start
PASSWORD = "some-pass-123"
ANYWAY = frozenset({"after_cutoff", "past", "outside_hours", "patient_busy"})


def _staff(cf: ClinicFixture, login: str, name: str, role: Role) -> Actor:
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=name, role=role, password=PASSWORD
    )
    return staff.sign_in(cf.clinic, login, PASSWORD)


def tier_id(clinic: Clinic, actor: Actor, code: str) -> uuid.UUID:
    return next(t.id for t in membership.list_tiers(clinic, actor) if t.code == code)


def enrol(
    clinic: Clinic, actor: Actor, code: str, payer: uuid.UUID, *others: tuple[uuid.UUID, str]
) -> membership.MembershipView:
    data = membership.EnrolInput(
        tier_id=tier_id(clinic, actor, code),
        payer_id=payer,
        members=tuple(membership.MemberInput(pid, relation) for pid, relation in others),
    )
    return membership.enrol(clinic, actor, data).value


@dataclass
class Day:
    cf: ClinicFixture
    desk: Actor
    doctor: Actor
    ids: dict[str, uuid.UUID]
    cards: dict[str, str]
    memberships: dict[str, uuid.UUID]

    def book(
        self, patient: str, hour: int, minute: int = 0, *, on: date = T1
    ) -> ap.AppointmentView:
        assert self.doctor.staff_id is not None
        return ap.book(
            self.cf.clinic,
            self.cf.director,
            patient_id=self.ids[patient],
            doctor_id=self.doctor.staff_id,
            starts_at=datetime(on.year, on.month, on.day, hour, tzinfo=SH)
            + timedelta(minutes=minute),
            minutes=15,
            channel="phone",
            identity_checked=True,
            confirm=ANYWAY,
            override_reason="当日加号",
        ).value

    def check_in(self, patient: str, hour: int, minute: int = 0) -> rc.QueueEntryView:
        booking = self.book(patient, hour, minute)
        return rc.check_in(
            self.cf.clinic, self.desk, booking.id, identity_checked=True
        ).value


@pytest.fixture
def day(cf: ClinicFixture) -> Iterator[Day]:
    clinic = cf.clinic
    doctor = _staff(cf, "dr.li", "李医生", Role.DOCTOR)
    assert doctor.staff_id is not None
    blocks = [rosters.RosterBlock(wd, 8 * 60, 17 * 60 + 30) for wd in range(5)]
    rosters.set_weekly_roster(clinic, cf.director, doctor.staff_id, blocks)
    rosters.set_doctor_profile(
        clinic, cf.director, doctor.staff_id, specialties="全科", description=""
    )
    desk = _staff(cf, "desk1", "孙悦", Role.RECEPTIONIST)

    def person(family: str, given: str, phone: str, sex: str) -> uuid.UUID:
        return patients.register_patient(
            clinic,
            cf.director,
            family_name=family,
            given_name=given,
            phone=phone,
            sex=sex,
            birth_date=date(1980, 1, 1),
        ).value.id

    ids = {
        "zhang": person("张", "三", "13812345678", "F"),
        "lisi": person("李", "四", "13812345679", "M"),
        "wang": person("王", "五", "13812345670", "M"),
        "chen": person("陈", "六", "13812345671", "M"),
        "ouyang": person("欧阳", "娜", "13812345672", "F"),
        "zhao": person("赵", "七", "13812345673", "M"),
    }
    old = enrol(clinic, desk, "basic", ids["ouyang"])
    cf.clock.advance(days=366)  # past the end of 欧阳's year
    assert clinic.today() == T1
    family = enrol(clinic, desk, "advanced", ids["zhang"], (ids["lisi"], "spouse"))
    wang = enrol(clinic, desk, "basic", ids["wang"])
    membership.suspend(clinic, desk, wang.id, "出国三个月")
    chen = enrol(clinic, desk, "basic", ids["chen"])
    membership.cancel(clinic, desk, chen.id, "不想续了")
    yield Day(
        cf,
        desk,
        doctor,
        ids,
        cards={"family": family.card_no, "old": old.card_no},
        memberships={"family": family.id, "wang": wang.id, "chen": chen.id, "old": old.id},
    )


class Statements:
    """Counts the SQL statements the engine runs while active."""

    def __init__(self, clinic: Clinic) -> None:
        self.engine = clinic.store.engine
        self.sql: list[str] = []

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.sql.append(statement)

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def touching(self, table: str) -> list[str]:
        return [s for s in self.sql if table in s]


def _badges(rows: tuple[rc.BoardRow, ...]) -> dict[str, membership.Badge | None]:
    return {r.patient_name: r.member for r in rows}


# -- the badge (H2: "membership shown at check-in and in the doctor's queue") ---------------


def test_h2_board_rows_carry_the_badge_active_suspended_none(day: Day) -> None:
    """Active members get their tier (family members too), a suspended membership says
    so, and the expired (FakeClock past its end), cancelled and non-members get none."""
    for i, name in enumerate(("zhang", "lisi", "wang", "chen", "ouyang", "zhao")):
        day.book(name, 10, 15 * i)
    board = rc.today_board(day.cf.clinic, day.desk, badge_language="en")
    badges = _badges(board.rows)
    assert set(badges) == {"张三", "李四", "王五", "陈六", "欧阳娜", "赵七"}
    zhang, lisi, wang = badges["张三"], badges["李四"], badges["王五"]
    assert zhang is not None and lisi is not None and wang is not None
    assert (zhang.tier_code, zhang.status) == ("advanced", "active")
    assert zhang.membership_id == lisi.membership_id == day.memberships["family"]
    assert zhang.tier_name == lisi.tier_name and zhang.tier_name  # named in English
    assert zhang.priority and zhang.ends_on > T1
    assert (wang.tier_code, wang.status) == ("basic", "suspended")
    assert badges["陈六"] is None  # cancelled
    assert badges["欧阳娜"] is None  # expired a day ago
    assert badges["赵七"] is None  # never a member
    chinese = _badges(rc.today_board(day.cf.clinic, day.desk, badge_language="zh_CN").rows)
    zh = chinese["张三"]
    assert zh is not None and zh.tier_name != zhang.tier_name  # the tier's zh_CN name


def test_h2_doctor_queue_and_check_in_panel_carry_the_badge(day: Day) -> None:
    for i, name in enumerate(("zhang", "wang", "ouyang", "zhao")):
        day.check_in(name, 10, 15 * i)
    queue = rc.doctor_queue(day.cf.clinic, day.doctor, badge_language="en")
    badges = _badges(queue)
    assert set(badges) == {"张三", "王五", "欧阳娜", "赵七"}
    assert badges["张三"] is not None and badges["张三"].status == "active"
    assert badges["王五"] is not None and badges["王五"].status == "suspended"
    assert badges["欧阳娜"] is None and badges["赵七"] is None
    booking = day.book("lisi", 11)
    view = rc.check_in_view(day.cf.clinic, day.desk, booking.id, badge_language="en")
    assert view.member is not None and view.member.tier_code == "advanced"
    walk = rc.check_in_view(day.cf.clinic, day.desk, patient_id=day.ids["zhao"])
    assert walk.member is None


def test_h2_badges_are_read_in_one_statement_per_redraw(day: Day) -> None:
    """One query for all the board's patients, however many members are on it; none for
    an empty board, nor for the waiting-room screen, which shows no badges."""
    with Statements(day.cf.clinic) as empty:
        rc.today_board(day.cf.clinic, day.desk)
    assert empty.touching("membership") == []
    for i, name in enumerate(("zhang", "lisi", "wang", "chen", "ouyang", "zhao")):
        day.check_in(name, 9, 15 * i)
    with Statements(day.cf.clinic) as board:
        rc.today_board(day.cf.clinic, day.desk)
    assert len(board.touching("membership")) == 1
    with Statements(day.cf.clinic) as queue:
        rc.doctor_queue(day.cf.clinic, day.doctor)
    assert len(queue.touching("membership")) == 1
    with Statements(day.cf.clinic) as screen:
        rc.display_state(day.cf.clinic, day.desk)
    assert screen.touching("membership") == []


# -- the card number (H2: the card's QR holds its digits) ----------------------------------


def _names(hits: list[patient_search.PatientHit]) -> list[str]:
    return [h.family_name + h.given_name for h in hits]


def test_h2_card_number_finds_the_payer_and_family(day: Day) -> None:
    card = day.cards["family"]
    digits = card.replace(" ", "")
    assert len(digits) == 13 and membership.normalise_card_no(card) == digits
    for typed in (card, digits, f"  {digits[:6]} {digits[6:]} "):
        hits = patient_search.search_patients(day.cf.clinic, day.desk, typed)
        assert _names(hits)[:2] == ["张三", "李四"], typed  # the payer first
        assert {h.matched_kind for h in hits[:2]} == {"card"}
    # An expired membership's card still says who its holder is.
    old = patient_search.search_patients(day.cf.clinic, day.desk, day.cards["old"])
    assert _names(old) == ["欧阳娜"]


def test_h2_card_number_with_a_wrong_check_digit_finds_nothing(day: Day) -> None:
    digits = day.cards["family"].replace(" ", "")
    wrong = digits[:12] + str((int(digits[12]) + 1) % 10)
    assert patient_search.card_query(wrong) is None
    assert patient_search.search_patients(day.cf.clinic, day.desk, wrong) == []
    # Other texts never ask for a card: letters, too few digits.
    assert patient_search.card_query("张三") is None
    assert patient_search.card_query(digits[:12]) is None
    assert patient_search.card_query(f"{digits}a") is None
    # The phone number search is unchanged.
    assert _names(patient_search.search_patients(day.cf.clinic, day.desk, "5678")) == ["张三"]


def test_h2_a_family_member_who_left_is_not_found_by_the_card(day: Day) -> None:
    family = day.memberships["family"]
    membership.remove_member(day.cf.clinic, day.desk, family, day.ids["lisi"], "搬到外地去了")
    hits = patient_search.search_patients(day.cf.clinic, day.desk, day.cards["family"])
    assert _names(hits) == ["张三"]
    day.book("lisi", 10)
    rows = rc.today_board(day.cf.clinic, day.desk).rows
    assert _badges(rows)["李四"] is None  # no longer covered: no badge either


def test_h2_badge_follows_resume_and_the_end_of_the_term(day: Day) -> None:
    day.book("wang", 10)
    day.book("zhang", 10, 30)
    membership.resume(day.cf.clinic, day.desk, day.memberships["wang"])
    badges = _badges(rc.today_board(day.cf.clinic, day.desk).rows)
    assert badges["王五"] is not None and badges["王五"].status == "active"
    zhang = badges["张三"]
    assert zhang is not None
    # On the term's last day the badge is there; the day after, it is gone.
    last = zhang.ends_on
    day.book("zhang", 9, on=last)
    day.book("zhang", 9, on=last + timedelta(days=1))
    board = rc.today_board(day.cf.clinic, day.desk, day=last)
    assert _badges(board.rows)["张三"] is not None
    day.cf.clock.advance(days=(last - T1).days + 1)
    assert day.cf.clinic.today() == last + timedelta(days=1)
    after = _badges(rc.today_board(day.cf.clinic, day.desk).rows)
    assert set(after) == {"张三"} and after["张三"] is None

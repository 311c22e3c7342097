"""The doctor's queue, the waiting-room screen and the day's end (issue 6).

Spec B4-B8, C4. The fake clock starts on Monday 2026-11-23 at 10:00 in
Asia/Shanghai. The clinic with its doctors, patients and accounts comes from
test_reception.py's template.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from clinic_desk.core.errors import ClinicError, NotFound, PermissionDenied, ValidationError
from clinic_desk.core.services import appointments as ap
from clinic_desk.core.services import clinical
from clinic_desk.core.services import reception as rc
from clinic_desk.core.services import settings as settings_service
from clinic_desk.core.services.base import Actor, Topic
from clinic_desk.core.services.clinic import open_clinic
from clinic_desk.core.store.models import QueueEntry, QueueEvent
from tests.conftest import PASSPHRASE, ClinicFixture, FakeClock
from tests.unit.test_reception import (
    MON,
    TUE,
    Desk,
    Template,
    at,
    audit_rows,
    build_template,
    events,
    open_copy,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return build_template(tmp_path_factory.mktemp("reception_queue") / "clinic")


@pytest.fixture
def cf(template: Template, tmp_path: Path, clock: FakeClock) -> Iterator[ClinicFixture]:
    fixture = open_copy(template, tmp_path, clock)
    yield fixture
    fixture.clinic.close()


@pytest.fixture
def desk(cf: ClinicFixture, template: Template) -> Desk:
    return Desk(cf, template.ids, template.actors)


# -- call next, the doctor's queue ----------------------------------------------------------------


def test_call_next_takes_the_lowest_number_for_this_doctor_or_nobody(desk: Desk) -> None:
    cf = desk.cf
    li, wu = desk.actors["li"], desk.actors["wu"]
    with pytest.raises(rc.QueueEmpty) as caught:
        rc.call_next(cf.clinic, li)
    assert "Nobody is waiting" in caught.value.message()
    first = desk.walk_in("zhang", "wu")
    second = desk.walk_in("wang", None)  # for whoever is free
    third = desk.walk_in("chen", "li")
    queue = rc.doctor_queue(cf.clinic, li)
    assert [r.queue_no for r in queue] == [2, 3]  # not Dr Wu's patient
    called = rc.call_next(cf.clinic, li)
    assert called.value.entry_id == second.entry_id and called.value.status == "called"
    assert called.value.doctor_id == desk.ids["li"]  # now assigned to Dr Li
    assert called.value.department == "全科"
    assert called.changes.topics == {Topic.RECEPTION}
    assert rc.call_next(cf.clinic, li).value.entry_id == third.entry_id
    with pytest.raises(rc.QueueEmpty):
        rc.call_next(cf.clinic, li)
    assert rc.call_next(cf.clinic, wu).value.entry_id == first.entry_id
    # The desk may call for a doctor; a call is an event with time and staff, and audited.
    (_, when, detail), *_ = [e for e in events(cf, second.entry_id) if e[0] == "called"]
    assert when == cf.clock.now and json.loads(detail)["assigned"] is True
    assert len(audit_rows(cf, "reception.call")) == 3
    row = desk.row(second.entry_id)
    assert row.called_at == cf.clock.now and row.status == "called"


def test_doctor_queue_is_the_signed_in_doctors_own(desk: Desk) -> None:
    cf = desk.cf
    mine = desk.walk_in("zhang", "li")
    desk.walk_in("wang", "wu")
    free = desk.walk_in("chen", None)
    gone = desk.walk_in("zhao", "li")
    rc.mark_left(cf.clinic, desk.actors["desk"], gone.entry_id, note="等不及了")
    rows = rc.doctor_queue(cf.clinic, desk.actors["li"])
    assert [r.entry_id for r in rows] == [mine.entry_id, free.entry_id]
    assert rows[0].address == "张女士" and rows[0].needs == ()
    assert rc.doctor_queue(cf.clinic, desk.actors["desk"], desk.ids["wu"])[0].patient_name == "王五"
    with pytest.raises(ValidationError, match="Choose the doctor"):
        rc.doctor_queue(cf.clinic, Actor.system())
    with pytest.raises(PermissionDenied):
        rc.doctor_queue(cf.clinic, desk.actors["service"])


def test_a_doctor_at_two_workstations_never_calls_the_same_patient(
    desk: Desk, clock: FakeClock
) -> None:
    """Bad input: one doctor signed in twice, both pressing "call next" at once."""
    cf = desk.cf
    waiting = [desk.walk_in(p).entry_id for p in ("zhang", "wang", "chen", "zhao", "smith")]
    second = open_clinic(cf.data_dir, passphrase=PASSPHRASE, use_keyring=False, clock=clock)
    results: list[uuid.UUID] = []
    errors: list[str] = []

    def press(clinic_handle: object, times: int) -> None:
        for _ in range(times):
            try:
                results.append(rc.call_next(clinic_handle, desk.actors["li"]).value.entry_id)  # type: ignore[arg-type]
            except rc.QueueEmpty:
                errors.append("empty")
            except ClinicError as error:  # a busy database would be a safe outcome too
                errors.append(type(error).__name__)

    try:
        threads = [
            threading.Thread(target=press, args=(cf.clinic, 3)),
            threading.Thread(target=press, args=(second, 3)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        second.close()
    assert sorted(results) == sorted(waiting)  # each patient called exactly once
    assert errors == ["empty"]
    # And one after the other: the second press gets the next patient.
    more = [desk.walk_in(p).entry_id for p in ("ming",)]
    assert rc.call_next(cf.clinic, desk.actors["li"]).value.entry_id == more[0]


def test_recall_start_send_back_return_finish(desk: Desk) -> None:
    """The doctor's room: call, call again, start, back to the desk, return, finish."""
    cf = desk.cf
    li = desk.actors["li"]
    booking = desk.book("zhang", 10, 30)
    entry = desk.check_in(booking.id)
    with pytest.raises(rc.QueueStateError, match="Number 1 is still waiting"):
        rc.recall(cf.clinic, li, entry.entry_id)
    rc.call_next(cf.clinic, li)
    cf.clock.advance(minutes=1)
    assert rc.recall(cf.clinic, li, entry.entry_id).value.status == "called"
    started = rc.start_consultation(cf.clinic, li, entry.entry_id)
    assert started.value.status == "in_consultation" and started.value.visit_id is None
    assert started.changes.topics == {Topic.RECEPTION, Topic.APPOINTMENTS}
    assert booking.id in started.changes.ids
    assert ap.get_appointment(cf.clinic, cf.director, booking.id).status == "in_consultation"
    with pytest.raises(rc.QueueStateError, match="already in consultation"):
        rc.start_consultation(cf.clinic, li, entry.entry_id)
    with pytest.raises(ValidationError, match="why the patient goes back"):
        rc.send_back(cf.clinic, li, entry.entry_id, reason="lunch")
    back = rc.send_back(cf.clinic, li, entry.entry_id, reason="examination", note="血常规")
    assert back.value.status == "sent_back" and back.changes.topics == {Topic.RECEPTION}
    row = desk.row(entry.entry_id)
    assert row.back_reason == "examination" and row.status == "sent_back"
    cf.clock.advance(minutes=30)
    returned = rc.return_to_queue(cf.clinic, desk.actors["desk"], entry.entry_id)
    assert returned.value.status == "waiting" and returned.value.queue_no == 1
    row = desk.row(entry.entry_id)
    assert row.wait_minutes == 0 and not row.alert  # waiting again from the return
    cf.clock.advance(minutes=16)
    assert desk.row(entry.entry_id).alert
    rc.call_next(cf.clinic, li)
    again = rc.start_consultation(cf.clinic, li, entry.entry_id)
    assert again.changes.topics == {Topic.RECEPTION}  # the booking is in consultation already
    done = rc.finish_consultation(cf.clinic, li, entry.entry_id, visit_category="chronic")
    assert done.value.status == "done" and done.changes.touches(Topic.APPOINTMENTS)
    assert ap.get_appointment(cf.clinic, cf.director, booking.id).status == "done"
    kinds = [k for k, _, _ in events(cf, entry.entry_id)]
    assert kinds == [
        "checked_in",
        "called",
        "recalled",
        "started",
        "sent_back",
        "returned",
        "called",
        "started",
        "finished",
    ]
    detail = json.loads(events(cf, entry.entry_id)[4][2])
    assert detail == {"reason": "examination", "note": "血常规"}
    for action in (
        "reception.recall",
        "reception.start",
        "reception.send_back",
        "reception.return",
        "reception.finish",
        "appointment.start",
        "appointment.done",
    ):
        assert audit_rows(cf, action), action
    with pytest.raises(rc.QueueStateError, match="already finished"):
        rc.send_back(cf.clinic, li, entry.entry_id, reason="payment")
    with pytest.raises(rc.QueueStateError, match="already finished"):
        rc.mark_left(cf.clinic, desk.actors["desk"], entry.entry_id)


def test_finish_links_the_visit_and_checks_the_category(desk: Desk) -> None:
    """Start does not create a visit; the one written in the patient file is linked."""
    cf = desk.cf
    li = desk.actors["li"]
    entry = desk.walk_in("zhang")
    rc.start_consultation(cf.clinic, li, entry.entry_id)  # straight from waiting
    visit = clinical.record_visit(
        cf.clinic, li, desk.ids["zhang"], chief_complaint="咳嗽三天", category="cold"
    ).value
    other = clinical.record_visit(cf.clinic, li, desk.ids["wang"], chief_complaint="头晕").value
    with pytest.raises(ValidationError, match="kind of visit"):
        rc.finish_consultation(cf.clinic, li, entry.entry_id, visit_category="flu")
    with pytest.raises(ValidationError):
        rc.finish_consultation(cf.clinic, li, entry.entry_id, visit_id=other.id)
    with pytest.raises(NotFound):
        rc.finish_consultation(cf.clinic, li, entry.entry_id, visit_id=uuid.uuid4())
    done = rc.finish_consultation(
        cf.clinic, li, entry.entry_id, visit_category="cold", visit_id=visit.id
    )
    # A walk-in: no booking changes; the plan's calls redraw the worklist (issue 9).
    assert done.value.visit_id == visit.id
    assert done.changes.topics == {Topic.RECEPTION, Topic.FOLLOWUPS}
    row = desk.row(entry.entry_id)
    assert row.visit_id == visit.id and row.status == "done"
    with pytest.raises(PermissionDenied):
        rc.start_consultation(cf.clinic, desk.actors["service"], entry.entry_id)
    with pytest.raises(NotFound):
        rc.start_consultation(cf.clinic, li, uuid.uuid4())


def test_left_and_came_back_and_reassigned(desk: Desk) -> None:
    cf = desk.cf
    entry = desk.walk_in("wang", "li")
    with pytest.raises(PermissionDenied):  # leaving is the desk's call
        rc.mark_left(cf.clinic, desk.actors["li"], entry.entry_id)
    left = rc.mark_left(cf.clinic, desk.actors["desk"], entry.entry_id, note="去取车")
    assert left.value.status == "left"
    with pytest.raises(rc.QueueStateError, match="marked as gone"):
        rc.start_consultation(cf.clinic, desk.actors["li"], entry.entry_id)
    assert rc.return_to_queue(cf.clinic, desk.actors["desk"], entry.entry_id).value.status == (
        "waiting"
    )
    moved = rc.reassign(cf.clinic, desk.actors["desk"], entry.entry_id, doctor_id=desk.ids["wu"])
    assert moved.value.doctor_id == desk.ids["wu"] and moved.value.department == "儿科"
    assert rc.doctor_queue(cf.clinic, desk.actors["li"]) == ()
    detail = json.loads(audit_rows(cf, "reception.reassign")[0].detail)
    assert detail["to_doctor"] == desk.ids["wu"].hex
    with pytest.raises(NotFound):
        rc.reassign(cf.clinic, desk.actors["desk"], entry.entry_id, doctor_id=uuid.uuid4())
    kinds = [k for k, _, _ in events(cf, entry.entry_id)]
    assert kinds == ["checked_in", "left", "returned", "reassigned"]


# -- the waiting-room screen (C4) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "family", "masked"),
    [
        ("张女士", "张", "张**女士"),
        ("王大爷", "王", "王**大爷"),
        ("王奶奶", "王", "王**奶奶"),
        ("小明小朋友", "张", "张**小朋友"),
        ("张三小朋友", "张", "张**小朋友"),
        ("李老师", "李", "李**老师"),
        ("欧阳先生/女士", "欧阳", "欧阳**先生/女士"),
        ("张先生", "", "张**先生"),
        ("王教授", "王", "王**教授"),
        ("阿May", "陈", "陈**"),
        ("Ms Zhang", "张", "Ms Z."),
        ("Mr/Ms Wang", "王", "Mr/Ms W."),
        ("Dr Li", "李", "Dr L."),
        ("Prof. Ouyang", "欧阳", "Prof. O."),
        ("Xiaoming", "张", "Z."),
        ("Mr Smith", "Smith", "Mr S."),
        ("先生", "", "先生"),
        ("Madam", "", "Madam"),
        ("", "张", "**"),
    ],
)
def test_masked_address(address: str, family: str, masked: str) -> None:
    """C4 on the screen: 张**女士, never the given name."""
    assert rc.masked_address(address, family) == masked


_HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
_SUFFIX_CHARS = set("".join(rc._ZH_SUFFIXES))


@settings(max_examples=200, deadline=None)
@given(
    family=st.text(_HAN, min_size=1, max_size=2),
    given_name=st.text(_HAN, min_size=1, max_size=3),
    sex=st.sampled_from(["F", "M", "U"]),
    age=st.integers(0, 100),
    language=st.sampled_from(["zh_CN", "zh_TW", "en"]),
)
def test_masked_names_never_contain_the_given_name(
    family: str, given_name: str, sex: str, age: int, language: str
) -> None:
    from datetime import date

    from clinic_desk.core.rules import honorifics

    person = honorifics.Person(
        family_name=family,
        given_name=given_name,
        sex=sex,  # type: ignore[arg-type]
        birth_date=date(2026 - age, 1, 1),
    )
    address = honorifics.address(person, today=MON, language=language)  # type: ignore[arg-type]
    masked = rc.masked_address(address, family)
    assert family + given_name not in masked
    if not set(given_name) & (_SUFFIX_CHARS | set(family)):
        assert given_name not in masked
    if language == "en":
        assert len(masked) <= len("Mr/Ms X.")
    else:
        assert masked.startswith(family + "**")


def test_display_shows_numbers_and_masked_names_only(desk: Desk) -> None:
    """The second monitor: numbers, the last numbers called, 张**女士 (or 张女士)."""
    cf = desk.cf
    entries = {
        p: desk.walk_in(p, "li" if p != "ming" else "wu")
        for p in ("zhang", "wang", "ming", "smith", "chen")
    }
    state = rc.display_state(cf.clinic, desk.actors["desk"])
    assert state.called == ()
    assert state.waiting == (
        (1, "张**女士"),
        (2, "王**大爷"),
        (3, "张**小朋友"),
        (4, "Smith**先生"),
        (5, "陈**女士"),
    )
    shown = json.dumps([state.called, state.waiting], ensure_ascii=False)
    for given_name in ("三", "五", "小明", "John", "小红"):
        assert given_name not in shown
    rc.call_next(cf.clinic, desk.actors["li"])
    cf.clock.advance(minutes=1)
    rc.call_next(cf.clinic, desk.actors["wu"])
    cf.clock.advance(minutes=1)
    rc.call_next(cf.clinic, desk.actors["li"])
    rc.start_consultation(cf.clinic, desk.actors["li"], entries["zhang"].entry_id)
    cf.clock.advance(minutes=1)
    rc.call_next(cf.clinic, desk.actors["li"])
    state = rc.display_state(cf.clinic, desk.actors["li"], language="en")
    assert state.called == ((4, "Mr S.", "李医生"), (2, "Mr W.", "李医生"), (3, "Z.", "吴医生"))
    assert state.waiting == ((5, "Ms C."),)
    settings_service.update_settings(
        cf.clinic, cf.director, {"reception.display_names": "honorific"}
    )
    cf.clinic.forget_settings()
    state = rc.display_state(cf.clinic, desk.actors["desk"])
    assert state.waiting == ((5, "陈女士"),)
    assert [c[1] for c in state.called] == ["Smith先生", "王大爷", "小明小朋友"]
    with pytest.raises(ValidationError, match="choose one of the offered values"):
        settings_service.update_settings(
            cf.clinic, cf.director, {"reception.display_names": "full"}
        )


def test_display_names_setting_is_in_the_catalog() -> None:
    from clinic_desk.core import settings_catalog

    definition = settings_catalog.BY_KEY["reception.display_names"]
    assert definition.default == "masked" and definition.choices == ("masked", "honorific")
    assert definition.group == "Reception"


# -- the day's end and midnight -------------------------------------------------------------------


def test_midnight_leaves_people_on_their_day_and_day_end_lists_them(desk: Desk) -> None:
    """Bad input: the clock passes midnight with people still waiting."""
    cf = desk.cf
    li = desk.actors["li"]
    waiting = desk.check_in(desk.book("zhang", 10, 30).id)
    consulting = desk.walk_in("wang")
    sent = desk.walk_in("chen")
    finished = desk.walk_in("zhao")
    desk.book("smith", 16)  # never comes: a no-show at the day's end
    assert rc.call_next(cf.clinic, li).value.entry_id == waiting.entry_id  # called, not in
    rc.call_next(cf.clinic, li)
    rc.start_consultation(cf.clinic, li, consulting.entry_id)
    rc.call_next(cf.clinic, li)
    rc.send_back(cf.clinic, li, sent.entry_id, reason="payment")
    rc.start_consultation(cf.clinic, li, finished.entry_id)
    rc.finish_consultation(cf.clinic, li, finished.entry_id)
    cf.clock.now = at(TUE, 0, 30).astimezone(UTC)
    assert desk.board().day == TUE and desk.board().rows == ()
    with pytest.raises(rc.QueueEmpty):
        rc.call_next(cf.clinic, li)  # yesterday's patients are not today's queue
    assert rc.doctor_queue(cf.clinic, li) == ()
    end = rc.day_end(cf.clinic, desk.actors["desk"], day=MON)
    assert [r.entry_id for r in end.still_waiting] == [waiting.entry_id, sent.entry_id]
    assert [r.entry_id for r in end.in_consultation] == [consulting.entry_id]
    assert end.no_shows_marked == 1
    assert end.still_waiting[0].day == MON and end.still_waiting[0].wait_minutes is not None
    # Monday's board still has them, the no-show last; nothing of Monday on Tuesday's.
    monday = desk.board(day=MON)
    assert len(monday.rows) == 5 and monday.rows[-1].status == "no_show"
    today = rc.day_end(cf.clinic, desk.actors["desk"])
    assert today.still_waiting == () and today.in_consultation == ()
    assert today.no_shows_marked == 0
    audit = audit_rows(cf, "reception.day_end")
    assert json.loads(audit[-1].detail) == {
        "still_waiting": 2,
        "in_consultation": 1,
        "no_shows_marked": 1,
    }
    # Yesterday's entries can still be closed.
    rc.finish_consultation(cf.clinic, li, consulting.entry_id)
    rc.mark_left(cf.clinic, desk.actors["desk"], waiting.entry_id, note="昨晚未就诊")
    assert len(rc.day_end(cf.clinic, desk.actors["desk"], day=MON).still_waiting) == 1
    with pytest.raises(PermissionDenied):
        rc.day_end(cf.clinic, desk.actors["li"])


# -- any sequence of steps keeps the queue consistent ---------------------------------------------

_STATUS_AFTER = {
    "checked_in": "waiting",
    "called": "called",
    "recalled": "called",
    "started": "in_consultation",
    "finished": "done",
    "sent_back": "sent_back",
    "returned": "waiting",
    "left": "left",
}
_STEPS = (
    "walk_in",
    "check_in",
    "call",
    "recall",
    "start",
    "finish",
    "send_back",
    "return",
    "left",
    "green",
    "wait",
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(_STEPS), st.integers(0, 7), st.integers(0, 240)),
        min_size=1,
        max_size=25,
    )
)
def test_any_sequence_of_steps_keeps_numbers_unique_and_events_ordered(
    desk: Desk, steps: list[tuple[str, int, int]]
) -> None:
    """Whatever the desk and the doctors do, in whatever order, across midnight: numbers
    stay unique per day, each entry's events are in time order and start with the
    check-in, and the entry's status is the one its last step set."""
    cf = desk.cf
    people = ["zhang", "wang", "ming", "smith", "chen", "zhao"]
    doctors = [desk.actors["li"], desk.actors["wu"]]
    for step, pick, minutes in steps:
        with cf.clinic.store.unit_of_work(write=False) as uow:
            ids = uow.session.scalars(
                select(QueueEntry.id).order_by(QueueEntry.day, QueueEntry.queue_no)
            ).all()
        target = ids[pick % len(ids)] if ids else uuid.uuid4()
        doctor = doctors[pick % 2]
        try:
            if step == "walk_in":
                desk.walk_in(people[pick % len(people)], None if pick > 5 else "li")
            elif step == "check_in":
                local = cf.clock.now.astimezone(at(MON, 0).tzinfo)
                booking = ap.book(
                    cf.clinic,
                    cf.director,
                    patient_id=desk.ids[people[pick % len(people)]],
                    doctor_id=desk.ids["li"],
                    starts_at=local.replace(second=0, microsecond=0),
                    minutes=5,
                    channel="on_site",
                    identity_checked=True,
                    add_on=True,
                    confirm={"after_cutoff", "past", "outside_hours", "patient_busy", "closed_day"},
                    override_reason="加号",
                )
                desk.check_in(booking.value.id)
            elif step == "call":
                rc.call_next(cf.clinic, doctor)
            elif step == "recall":
                rc.recall(cf.clinic, doctor, target)
            elif step == "start":
                rc.start_consultation(cf.clinic, doctor, target)
            elif step == "finish":
                rc.finish_consultation(cf.clinic, doctor, target)
            elif step == "send_back":
                rc.send_back(cf.clinic, doctor, target, reason="payment")
            elif step == "return":
                rc.return_to_queue(cf.clinic, desk.actors["desk"], target)
            elif step == "left":
                rc.mark_left(cf.clinic, desk.actors["desk"], target)
            elif step == "green":
                rc.set_green_channel(cf.clinic, desk.actors["desk"], target, reason="急诊")
            else:
                cf.clock.advance(minutes=minutes)
        except (rc.QueueStateError, rc.QueueEmpty, rc.AlreadyCheckedIn, NotFound):
            pass  # refused steps change nothing; checked below like the others
    with cf.clinic.store.unit_of_work(write=False) as uow:
        entries = [
            (e.id, e.day, e.queue_no, e.status)
            for e in uow.session.scalars(select(QueueEntry)).all()
        ]
        all_events = [
            (e.id, e.entry_id, e.at, e.kind) for e in uow.session.scalars(select(QueueEvent)).all()
        ]
    numbers = [(day, no) for _, day, no, _ in entries]
    assert len(numbers) == len(set(numbers))
    for day in {d for d, _ in numbers}:
        assert sorted(n for d, n in numbers if d == day) == list(
            range(1, 1 + sum(1 for d, _ in numbers if d == day))
        )
    by_entry: dict[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID, object, str]]] = {}
    for event in all_events:
        by_entry.setdefault(event[1], []).append(event)
    for entry_id, _day, _no, status in entries:
        mine = sorted(by_entry[entry_id])  # by id: UUIDv7 ids are in the order written
        assert [e[2] for e in mine] == sorted(e[2] for e in mine)  # type: ignore[type-var]
        assert mine[0][3] == "checked_in"
        changes = [e[3] for e in mine if e[3] in _STATUS_AFTER]
        assert _STATUS_AFTER[changes[-1]] == status
    # The board agrees with the table, on every day used.
    for day in {d for d, _ in numbers}:
        board = rc.today_board(cf.clinic, desk.actors["desk"], day=day)
        queued = {r.entry_id: r.status for r in board.rows if r.kind == "queued"}
        assert queued == {i: s for i, d, _, s in entries if d == day}


def test_changes_name_the_topics_for_live_screens(desk: Desk) -> None:
    """Every write says what changed, so the desk and the doctor's room redraw (STYLE 3)."""
    cf = desk.cf
    entry = desk.walk_in("zhang")
    for written in (
        rc.set_green_channel(cf.clinic, desk.actors["desk"], entry.entry_id, reason="高热"),
        rc.record_wait_alert(cf.clinic, desk.actors["desk"], entry.entry_id, actions=["drink"]),
        rc.call_next(cf.clinic, desk.actors["li"]),
        rc.start_consultation(cf.clinic, desk.actors["li"], entry.entry_id),
        rc.finish_consultation(cf.clinic, desk.actors["li"], entry.entry_id),
    ):
        assert written.changes.touches(Topic.RECEPTION)
        assert entry.entry_id in written.changes.ids and desk.ids["zhang"] in written.changes.ids
    assert rc.day_end(cf.clinic, desk.actors["desk"]).still_waiting == ()

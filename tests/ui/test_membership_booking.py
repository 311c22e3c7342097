"""Membership on the appointment book (issue 11; spec H2, A10): the booking dialog's
badge and home-visit allowance, the refusal past it and the director's exception, the
slots held for members on the grid, the appointment-type editor's benefit, and
"member" on the waitlist. Screenshots looked at in Chinese and English."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QCoreApplication

from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import appointments, membership, patients, rosters, staff, waitlist
from clinic_desk.core.services.base import Actor
from clinic_desk.ui.calendar.booking import BookingDialog
from clinic_desk.ui.calendar.page import CalendarPage
from clinic_desk.ui.calendar.waitlist import priority_text
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import install_language
from clinic_desk.ui.settings.rosters_tab import AppointmentTypeDialog
from tests.conftest import ClinicFixture
from tests.ui.test_calendar_page import _wait_loaded
from tests.ui.test_rosters_tab import settle

SH = ZoneInfo("Asia/Shanghai")
WED = date(2026, 11, 25)  # the fake clock's today is Monday 2026-11-23
SHOTS = Path("/tmp/s11/shots")


def _staff(cf: ClinicFixture, login: str, name: str, role: Role) -> Actor:
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=name, role=role, password="some-pass-123"
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


@pytest.fixture
def clinic_book(ui_clinic: ClinicFixture) -> dict[str, Any]:
    """Two doctors (Mon-Sat 08:00-12:00, 13:30-17:30), a desk, a family in the advanced
    tier, a non-member, and a home-visit type counting against the allowance."""
    cf = ui_clinic
    doctors = [
        _staff(cf, "li.doc", "李医生", Role.DOCTOR),
        _staff(cf, "zhao.doc", "赵医生", Role.DOCTOR),
    ]
    blocks = [
        rosters.RosterBlock(d, s, e)
        for d in range(6)
        for s, e in ((8 * 60, 12 * 60), (13 * 60 + 30, 17 * 60 + 30))
    ]
    for d in doctors:
        rosters.set_weekly_roster(cf.clinic, cf.director, d.staff_id, blocks)  # type: ignore[arg-type]
    desk = _staff(cf, "desk", "前台小王", Role.RECEPTIONIST)
    people = {
        key: patients.register_patient(
            cf.clinic, desk, family_name=f, given_name=g, phone=f"1381234{i:04d}"
        ).value.id
        for i, (key, f, g) in enumerate(
            (("payer", "张", "伟"), ("spouse", "陈", "芳"), ("stranger", "王", "德福"))
        )
    }
    tiers = {t.code: t for t in membership.list_tiers(cf.clinic, cf.director)}
    membership.enrol(
        cf.clinic,
        cf.director,
        membership.EnrolInput(
            tier_id=tiers["advanced"].id,
            payer_id=people["payer"],
            members=(membership.MemberInput(people["spouse"], "spouse"),),
            starts_on=date(2026, 11, 23),
        ),
    )
    visit = rosters.add_appointment_type(
        cf.clinic, cf.director, name="上门出诊", default_minutes=60, benefit_key="home_visits"
    ).value
    return {"doctors": doctors, "desk": desk, "people": people, "visit": visit}


def _dialog(qtbot: Any, ctx: AppContext, book: dict[str, Any], patient: str) -> BookingDialog:
    doctors = rosters.list_doctors(ctx.clinic, book["desk"])
    dialog = BookingDialog(
        ctx,
        doctor_id=book["doctors"][0].staff_id,
        starts_at=datetime(2026, 12, 1, 14, 0, tzinfo=SH),
        doctors=doctors,
        patient_id=book["people"][patient],
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.type.count() > 1, timeout=5000)
    index = next(
        i
        for i in range(dialog.type.count())
        if getattr(dialog.type.itemData(i), "id", None) == book["visit"].id
    )
    dialog.type.setCurrentIndex(index)
    dialog.identity.setChecked(True)
    settle(qtbot, ctx)
    return dialog


def _book_visits(ctx: AppContext, book: dict[str, Any], patient: str, days: list[int]) -> None:
    for day in days:
        appointments.book(
            ctx.clinic,
            book["desk"],
            patient_id=book["people"][patient],
            doctor_id=book["doctors"][1].staff_id,
            starts_at=datetime(2026, 12, day, 9, 0, tzinfo=SH),
            type_id=book["visit"].id,
            channel="phone",
            identity_checked=True,
        )


def test_h2_dialog_shows_the_allowance_and_the_refusal(
    qtbot: Any, ctx: AppContext, clinic_book: dict[str, Any], ui_clinic: ClinicFixture
) -> None:
    book = clinic_book
    ctx.set_actor(book["desk"])
    dialog = _dialog(qtbot, ctx, book, "spouse")
    qtbot.waitUntil(lambda: "Home visits" in dialog.member_info.text(), timeout=5000)
    text = dialog.member_info.text()
    assert "Member: " in text and "priority booking" in text
    assert "Home visits: 4 of 4 left (until 2027-11-22)" in text
    SHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SHOTS / "booking_allowance_en.png"))
    dialog.close()
    # The family used its four (shared by payer and spouse).
    _book_visits(ctx, book, "payer", [2, 3])
    _book_visits(ctx, book, "spouse", [4, 7])
    dialog = _dialog(qtbot, ctx, book, "spouse")
    qtbot.waitUntil(lambda: "0 of 4 left" in dialog.member_info.text(), timeout=5000)
    dialog.book()
    qtbot.waitUntil(lambda: "used up" in dialog.message.text(), timeout=5000)
    assert "4 of 4" in dialog.message.text()
    assert dialog.allow_button.isHidden()  # the desk may not allow more
    dialog.grab().save(str(SHOTS / "booking_refused_en.png"))
    dialog.close()
    # The director may, with a reason.
    ctx.set_actor(ui_clinic.director)
    dialog = _dialog(qtbot, ctx, book, "spouse")
    dialog.book()
    qtbot.waitUntil(lambda: dialog.allow_button.isVisible(), timeout=5000)
    assert dialog.allow_button.text() == "Allow with a reason…"
    dialog.allow_button.click()
    assert dialog.benefit_reason.isVisible()
    dialog.benefit_reason.setText("术后需要上门换药")
    dialog.grab().save(str(SHOTS / "booking_override_en.png"))
    done: list[bool] = []
    dialog.accepted.connect(lambda: done.append(True))
    dialog.book()
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    found = membership.benefit_for_patient(
        ctx.clinic, ui_clinic.director, book["people"]["payer"], "home_visits", date(2026, 12, 1)
    )
    assert found is not None and found[1] is not None and found[1].used == 5


def test_h2_non_member_home_visit_is_not_counted(
    qtbot: Any, ctx: AppContext, clinic_book: dict[str, Any]
) -> None:
    ctx.set_actor(clinic_book["desk"])
    dialog = _dialog(qtbot, ctx, clinic_book, "stranger")
    qtbot.waitUntil(lambda: dialog.member_info.isVisible(), timeout=5000)
    assert dialog.member_info.text() == (
        "Not a member: this home visit is not counted against an allowance"
    )


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_a10_grid_shades_and_tags_held_slots(
    qtbot: Any, ctx: AppContext, clinic_book: dict[str, Any], language: str
) -> None:
    """Wednesday's first two slots per doctor are held for members (released Tuesday)."""
    ctx.set_actor(clinic_book["desk"])
    install_language(language)
    try:
        page = CalendarPage(ctx)
        qtbot.addWidget(page)
        page.resize(1280, 800)
        page.show()
        page.show_day(WED)
        _wait_loaded(qtbot, page)
        assert [c.held for c in page.grid.columns] == [((480, 495), (495, 510))] * 2
        for_members = QCoreApplication.translate("CalendarPage", ", %n for members", "", 2)
        assert all(c.subtitle.endswith(for_members) for c in page.grid.columns)
        suffix = "zh" if language == "zh_CN" else "en"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.grab().save(str(SHOTS / f"calendar_held_{suffix}.png"))
        # Tuesday: Tuesday's own slots were released (R = 1 day), nothing held.
        page.show_day(date(2026, 11, 24))
        _wait_loaded(qtbot, page)
        assert all(not c.held for c in page.grid.columns)
    finally:
        install_language("en")


def test_h2_type_editor_sets_the_benefit(
    qtbot: Any, ctx: AppContext, clinic_book: dict[str, Any], ui_clinic: ClinicFixture
) -> None:
    ctx.set_actor(ui_clinic.director)
    view = clinic_book["visit"]
    dialog = AppointmentTypeDialog(ctx, [], view)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.benefit_label.text() == "Counts against a membership benefit"
    assert [dialog.benefit.itemText(i) for i in range(dialog.benefit.count())] == [
        "(none)",
        "Family-doctor home visits",
    ]
    assert dialog.benefit.currentData() == "home_visits"
    SHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SHOTS / "type_benefit_en.png"))
    dialog.benefit.setCurrentIndex(0)
    dialog.submit()
    settle(qtbot, ctx)
    types = {t.id: t for t in rosters.list_appointment_types(ctx.clinic, ui_clinic.director)}
    assert types[view.id].benefit_key == ""


def test_a10_waitlist_shows_member(
    qtbot: Any, ctx: AppContext, clinic_book: dict[str, Any]
) -> None:
    desk = clinic_book["desk"]
    waitlist.add_to_waitlist(ctx.clinic, desk, clinic_book["people"]["stranger"])
    waitlist.add_to_waitlist(ctx.clinic, desk, clinic_book["people"]["spouse"])
    entries = waitlist.list_waitlist(ctx.clinic, desk)
    assert [priority_text(e) for e in entries] == [f"{waitlist.MEMBER_PRIORITY} · member", "0"]

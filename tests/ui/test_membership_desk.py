"""Membership where the desk and the doctors look, through the UI (issue 11, spec H1, H2):
the badge on the reception board, in the check-in panel and in the doctor's queue; the
membership tab of the patient file with the care team; the card number in the search.

The fake clock is Monday 2026-11-23 10:00 Asia/Shanghai. 张三 pays for a premium family
membership with 李四 (care team: 李医生, an outside nutritionist and trainer); 王五 is
basic and suspended; 赵六 is not a member. All four are booked with 李医生 this morning.
Screenshots go to /tmp/s11/shots/ in English and Chinese.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QApplication

from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import appointments, membership, patients, reception, rosters
from clinic_desk.core.services import staff as staff_service
from clinic_desk.core.services.base import Actor
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import install_language
from clinic_desk.ui.membership.dialogs import EnrolDialog
from clinic_desk.ui.patients import membership_box
from clinic_desk.ui.patients.file import PatientFileView
from clinic_desk.ui.reception.board import COL_PATIENT, ReceptionPage
from clinic_desk.ui.reception.checkin import CheckInDialog
from clinic_desk.ui.reception.common import MEMBER_ROLE
from clinic_desk.ui.reception.queue import DoctorQueuePage
from tests.conftest import ClinicFixture

SH = ZoneInfo("Asia/Shanghai")
SHOTS = Path("/tmp/s11/shots")
WAIT = 8000


def _today(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=SH)


def _staff(cf: ClinicFixture, login: str, name: str, role: Role) -> Actor:
    staff_service.add_staff(
        cf.clinic, cf.director, login=login, display_name=name, role=role, password="pass-12345"
    )
    return staff_service.sign_in(cf.clinic, login, "pass-12345")


@pytest.fixture
def day(ui_clinic: ClinicFixture) -> Iterator[dict[str, Any]]:
    cf = ui_clinic
    clinic = cf.clinic
    SHOTS.mkdir(parents=True, exist_ok=True)
    li = _staff(cf, "li.doc", "李医生", Role.DOCTOR)
    assert li.staff_id is not None
    blocks = [rosters.RosterBlock(d, 8 * 60, 17 * 60 + 30) for d in range(6)]
    rosters.set_weekly_roster(clinic, cf.director, li.staff_id, blocks)
    rosters.set_doctor_profile(
        clinic, cf.director, li.staff_id, specialties="全科", description=""
    )
    desk = _staff(cf, "desk", "前台小王", Role.RECEPTIONIST)

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
        "zhang": person("张", "三", "13812340000", "F"),
        "lisi": person("李", "四", "13812340001", "M"),
        "wang": person("王", "五", "13812340002", "M"),
        "zhao": person("赵", "六", "13812340003", "M"),
    }
    tiers = {t.code: t for t in membership.list_tiers(clinic, desk)}
    premium = membership.enrol(
        clinic,
        desk,
        membership.EnrolInput(
            tier_id=tiers["premium"].id,
            payer_id=ids["zhang"],
            members=(membership.MemberInput(ids["lisi"], "spouse"),),
        ),
    ).value
    membership.set_care_team(
        clinic,
        desk,
        premium.id,
        (
            membership.CareTeamInput("doctor", li.staff_id),
            membership.CareTeamInput("nutritionist", None, name="周营养师", phone="13900001111"),
            membership.CareTeamInput("trainer", None, name="陈教练", phone="13900002222"),
        ),
    )
    basic = membership.enrol(
        clinic,
        desk,
        membership.EnrolInput(tier_id=tiers["basic"].id, payer_id=ids["wang"]),
    ).value
    membership.suspend(clinic, desk, basic.id, "出国三个月")
    bookings = {}
    for i, name in enumerate(("zhang", "lisi", "wang", "zhao")):
        bookings[name] = appointments.book(
            clinic,
            cf.director,
            patient_id=ids[name],
            doctor_id=li.staff_id,
            starts_at=_today(10, 30 + 15 * i) if i < 2 else _today(11, 15 * i),
            minutes=15,
            channel="phone",
            identity_checked=True,
            confirm={"after_cutoff"},
            override_reason="booked by phone yesterday",
        ).value
    try:
        yield {
            "li": li,
            "desk": desk,
            "ids": ids,
            "premium": premium,
            "basic": basic,
            "tiers": tiers,
            "bookings": bookings,
        }
    finally:
        install_language("en")


def _idle(ctx: AppContext) -> bool:
    return ctx.runner.db_pool.activeThreadCount() == 0


def _settle(qtbot: Any, ctx: AppContext) -> None:
    qtbot.waitUntil(lambda: _idle(ctx), timeout=WAIT)
    qtbot.wait(30)  # answers are delivered on the GUI thread


def _board(qtbot: Any, ctx: AppContext) -> ReceptionPage:
    page = ReceptionPage(ctx)
    qtbot.addWidget(page)
    page.resize(1080, 740)
    page.show()
    qtbot.waitUntil(lambda: page.loads > 0 and _idle(ctx), timeout=WAIT)
    return page


def _tags(page: ReceptionPage) -> dict[str, Any]:
    found = {}
    for i, row in enumerate(page.shown):
        item = page.table.item(i, COL_PATIENT)
        assert item is not None
        found[row.patient_name] = item.data(MEMBER_ROLE)
    return found


def _switch(qtbot: Any, ctx: AppContext, language: str) -> None:
    assert install_language(language) or language == "en"
    QApplication.processEvents()
    _settle(qtbot, ctx)


def test_h2_board_shows_the_tier_tag_and_suspended(
    qtbot: Any, ctx: AppContext, day: dict[str, Any]
) -> None:
    """The board's patient cells: the tier's name in its colour for members and family,
    a grey "suspended" tag, nothing for a non-member; in the screen's language."""
    ctx.set_actor(day["desk"])
    page = _board(qtbot, ctx)
    tags = _tags(page)
    premium = day["tiers"]["premium"]
    assert tags["张三"] == (premium.name("en"), premium.color or "#8d6e63")
    assert tags["李四"] == tags["张三"]
    label, color = tags["王五"]
    assert "suspended" in label and day["tiers"]["basic"].name("en") in label
    assert color == "#9e9e9e"
    assert tags["赵六"] is None
    index = [r.patient_name for r in page.shown].index("张三")
    tip = page.table.item(index, COL_PATIENT).toolTip()
    assert premium.name("en") in tip and str(day["premium"].ends_on) in tip
    page.grab().save(str(SHOTS / "board_member_en.png"))
    _switch(qtbot, ctx, "zh_CN")
    qtbot.waitUntil(lambda: _tags(page)["张三"][0] == premium.name("zh_CN"), timeout=WAIT)
    page.grab().save(str(SHOTS / "board_member_zh_CN.png"))


def test_h2_check_in_panel_shows_the_tag(
    qtbot: Any, ctx: AppContext, day: dict[str, Any]
) -> None:
    ctx.set_actor(day["desk"])
    dialog = CheckInDialog(ctx, day["bookings"]["lisi"].id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=WAIT)
    assert dialog.member.isVisible()
    assert dialog.member.text() == day["tiers"]["premium"].name("en")
    dialog.grab().save(str(SHOTS / "checkin_member_en.png"))
    plain = CheckInDialog(ctx, day["bookings"]["zhao"].id)
    qtbot.addWidget(plain)
    plain.show()
    qtbot.waitUntil(lambda: plain.view is not None, timeout=WAIT)
    assert not plain.member.isVisible()


def test_h2_doctors_queue_shows_the_tag(
    qtbot: Any, ctx: AppContext, day: dict[str, Any], ui_clinic: ClinicFixture
) -> None:
    for name in ("zhang", "wang", "zhao"):
        reception.check_in(
            ui_clinic.clinic, day["desk"], day["bookings"][name].id, identity_checked=True
        )
    ctx.set_actor(day["li"])
    page = DoctorQueuePage(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitUntil(lambda: page.loaded and len(page.rows) == 3, timeout=WAIT)
    _settle(qtbot, ctx)
    tags = {}
    for r, row in enumerate(page.rows):
        item = page.table.item(r, 1)
        assert item is not None
        tags[row.patient_name] = item.data(MEMBER_ROLE)
    assert tags["张三"] is not None and tags["张三"][0] == day["tiers"]["premium"].name("en")
    assert tags["王五"] is not None and "suspended" in tags["王五"][0]
    assert tags["赵六"] is None
    page.grab().save(str(SHOTS / "queue_member_en.png"))
    # The doctor starts with 张三: the file beside the queue names the care team.
    page.call_button.click()
    qtbot.waitUntil(lambda: any(r.status == "called" for r in page.rows), timeout=WAIT)
    page.start_button.click()
    qtbot.waitUntil(lambda: page.file_view is not None, timeout=WAIT)
    view = page.file_view
    assert isinstance(view, PatientFileView) and view.membership is not None
    tab = view.membership
    qtbot.waitUntil(lambda: tab.loaded, timeout=WAIT)
    assert "周营养师" in tab.values["care_team"].text()
    assert tab.open_button.isHidden()  # a doctor does not manage memberships
    view.tabs.setCurrentWidget(tab)
    _settle(qtbot, ctx)
    page.grab().save(str(SHOTS / "queue_file_member_en.png"))
    page.close_file()
    _switch(qtbot, ctx, "zh_CN")
    qtbot.waitUntil(
        lambda: page.table.item(0, 1) is not None
        and any(
            (page.table.item(r, 1).data(MEMBER_ROLE) or ("",))[0]
            == day["tiers"]["premium"].name("zh_CN")
            for r in range(page.table.rowCount())
        ),
        timeout=WAIT,
    )
    qtbot.wait(50)
    page.grab().save(str(SHOTS / "queue_member_zh_CN.png"))


def _file(qtbot: Any, ctx: AppContext, patient_id: uuid.UUID) -> PatientFileView:
    view = PatientFileView(ctx, patient_id)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    qtbot.waitUntil(lambda: view.details is not None, timeout=WAIT)
    assert view.membership is not None
    qtbot.waitUntil(lambda: view.membership is not None and view.membership.loaded, timeout=WAIT)
    _settle(qtbot, ctx)
    return view


def test_h1_patient_file_shows_the_premium_care_team_and_allowances(
    qtbot: Any, ctx: AppContext, day: dict[str, Any]
) -> None:
    """"The care team shown in the patient file" (H1), for the doctor and the desk: the
    tier, card, term, allowances left, the family and the named team with phones."""
    ctx.set_actor(day["li"])
    view = _file(qtbot, ctx, day["ids"]["lisi"])
    tab = view.membership
    assert tab is not None and tab.view is not None
    view.tabs.setCurrentWidget(tab)
    values = {key: label.text() for key, label in tab.values.items()}
    premium = day["premium"]
    assert values["card"] == premium.card_no
    assert str(premium.ends_on) in values["term"]
    team = values["care_team"]
    for name in ("李医生", "周营养师", "陈教练"):
        assert name in team
    assert "139 0000 1111" in team or "13900001111" in team
    assert "张三" in values["members"] and "李四" in values["members"]
    assert "12 of 12 left" in values["quotas"]  # home visits, none used yet
    assert view.member_tag.isVisible()
    assert view.member_tag.text() == day["tiers"]["premium"].name("en")
    assert tab.open_button.isHidden() and tab.enrol_button.isHidden()  # the doctor's view
    view.grab().save(str(SHOTS / "file_membership_en.png"))
    _switch(qtbot, ctx, "zh_CN")
    view.retranslate()  # as the patients page does on a change of language
    zh_name = day["tiers"]["premium"].name("zh_CN")
    qtbot.waitUntil(lambda: view.member_tag.text() == zh_name, timeout=WAIT)
    assert zh_name in tab.heading.text()
    view.grab().save(str(SHOTS / "file_membership_zh_CN.png"))


def test_h2_file_buttons_jump_to_the_membership_page(
    qtbot: Any, ctx: AppContext, day: dict[str, Any]
) -> None:
    """The desk: "Open in Membership" for a member, "Not a member" and "Enrol…" for the
    others; both ask for the membership page as other pages' jumps do."""
    ctx.set_actor(day["desk"])
    view = _file(qtbot, ctx, day["ids"]["zhang"])
    tab = view.membership
    assert tab is not None
    jumps: list[tuple[str, object]] = []
    view.sig_open_feature.connect(lambda key, target: jumps.append((key, target)))
    view.tabs.setCurrentWidget(tab)
    assert tab.open_button.isVisible() and not tab.enrol_button.isVisible()
    tab.open_button.click()
    assert jumps == [(membership_box.FEATURE, (membership_box.OPEN, day["premium"].id))]
    other = _file(qtbot, ctx, day["ids"]["zhao"])
    assert other.membership is not None
    other.tabs.setCurrentWidget(other.membership)
    assert other.membership.heading.text() == "Not a member"
    assert other.membership.enrol_button.isVisible()
    assert not other.member_tag.isVisible()
    other.grab().save(str(SHOTS / "file_not_member_en.png"))
    # Enrol… opens the membership page's enrol dialog with this patient as the payer.
    other.membership.enrol_button.click()
    qtbot.waitUntil(lambda: other.membership.dialog is not None, timeout=WAIT)
    dialog = other.membership.dialog
    assert isinstance(dialog, EnrolDialog) and dialog.isVisible()
    assert dialog.payer is not None and dialog.payer.id == day["ids"]["zhao"]
    dialog.grab().save(str(SHOTS / "file_enrol_en.png"))
    dialog.reject()
    # Enrolled elsewhere (the membership page): the tab and the header follow.
    written = membership.enrol(
        ctx.clinic,
        day["desk"],
        membership.EnrolInput(tier_id=day["tiers"]["basic"].id, payer_id=day["ids"]["zhao"]),
    )
    ctx.broadcast(written.changes)
    qtbot.waitUntil(lambda: other.membership.view is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: other.member_tag.isVisible(), timeout=WAIT)
    assert other.member_tag.text() == day["tiers"]["basic"].name("en")
    assert other.membership.open_button.isVisible()


def test_h2_desk_search_finds_members_by_card_number(
    qtbot: Any, ctx: AppContext, day: dict[str, Any]
) -> None:
    ctx.set_actor(day["desk"])
    page = _board(qtbot, ctx)
    for typed in (day["premium"].card_no, day["premium"].card_no.replace(" ", "")):
        page.search.clear()
        qtbot.keyClicks(page.search.line, typed)
        qtbot.waitUntil(lambda: page.search.results.count() == 2 and _idle(ctx), timeout=WAIT)
        first = page.search.results.item(0).text()
        assert "张三" in first and "membership card" in first
        assert "李四" in page.search.results.item(1).text()
    page.search.clear()
    wrong = day["premium"].card_no.replace(" ", "")
    wrong = wrong[:12] + str((int(wrong[12]) + 1) % 10)
    qtbot.keyClicks(page.search.line, wrong)
    qtbot.waitUntil(lambda: page.search.status.isVisible() and _idle(ctx), timeout=WAIT)
    assert page.search.results.count() == 0
    assert "No patient found" in page.search.status.text()

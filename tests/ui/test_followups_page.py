"""The Follow-ups page through the UI (issue 9; spec E1-E6, A5).

A visit finished through the clinical service makes its tasks; the day's list
shows each on the right day to the right caller; supervisors spot-check calls
and read the rates. The fake clock starts Monday 2026-11-23 10:00 Asia/Shanghai.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import clinical, followups, patients, rosters, staff
from clinic_desk.core.services.base import Actor
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.followups.call_dialog import CallDialog
from clinic_desk.ui.followups.page import FollowupsPage
from clinic_desk.ui.followups.patient_tab import DeathDialog, OptOutDialog, PatientFollowupsTab
from clinic_desk.ui.followups.supervise import RatesPanel, SpotChecksPanel
from clinic_desk.ui.followups.worklist import (
    AddFollowupDialog,
    CloseTaskDialog,
    ReassignDialog,
    WorklistPanel,
)
from clinic_desk.ui.patients.common import combo_index
from clinic_desk.ui.patients.file import PatientFileView
from clinic_desk.ui.shell.features import FEATURES
from tests.conftest import ClinicFixture
from tests.ui.test_patient_form import type_text

SHOTS = Path("/tmp/shots")
TODAY = date(2026, 11, 23)
WAIT = 10_000


def make_staff(cf: ClinicFixture, login: str, name: str, role: Role) -> Actor:
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=name, role=role, password="some-pass-123"
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


@pytest.fixture
def team(ui_clinic: ClinicFixture) -> dict[str, Any]:
    return make_team(ui_clinic)


def make_team(cf: ClinicFixture) -> dict[str, Any]:
    """Two doctors with departments, customer service, a health manager, two patients."""
    li = make_staff(cf, "li.doc", "李医生", Role.DOCTOR)
    zhao = make_staff(cf, "zhao.doc", "赵医生", Role.DOCTOR)
    for doc, dept in ((li, "内科；高血压、糖尿病随访"), (zhao, "外科")):
        assert doc.staff_id is not None
        rosters.set_doctor_profile(
            cf.clinic, cf.director, doc.staff_id, specialties=dept, description=""
        )
    cs = make_staff(cf, "chen.cs", "客服小陈", Role.CUSTOMER_SERVICE)
    hm = make_staff(cf, "liu.hm", "健康管理师刘", Role.HEALTH_MANAGER)
    zhang = patients.register_patient(
        cf.clinic,
        cf.director,
        family_name="张",
        given_name="建国",
        sex="M",
        birth_date=date(1958, 4, 12),
        phone="13812345678",
        address="北京市朝阳区建国路 88 号",
    ).value.id
    ouyang = patients.register_patient(
        cf.clinic,
        cf.director,
        family_name="欧阳",
        given_name="娜娜",
        sex="F",
        birth_date=date(1990, 6, 1),
        phone="13912345678",
    ).value.id
    return {"li": li, "zhao": zhao, "cs": cs, "hm": hm, "zhang": zhang, "ouyang": ouyang}


def finish_visit(
    cf: ClinicFixture, doctor: Actor, patient_id: uuid.UUID, category: str
) -> uuid.UUID:
    """A visit of ``category`` finished now, through the clinical service (its hook plans)."""
    return clinical.record_visit(
        cf.clinic,
        doctor,
        patient_id,
        category=category,
        chief_complaint="头晕一周",
        diagnosis="高血压 2 级",
        plan="氨氯地平 5mg 每日一次，两周后复诊",
        finished=True,
    ).value.id


def settle(qtbot: Any, ctx: AppContext) -> None:
    """Until every service call, and the calls its answer started, has been answered."""
    for _ in range(3):
        qtbot.waitUntil(lambda: not ctx.runner._running, timeout=WAIT)
        qtbot.wait(20)


def open_page(qtbot: Any, ctx: AppContext, actor: Actor) -> FollowupsPage:
    ctx.set_actor(actor)
    page = FollowupsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitUntil(lambda: page.worklist.loads >= 1, timeout=WAIT)
    settle(qtbot, ctx)
    return page


def shot(widget: QWidget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / f"{name}.png"))


def rows(panel: WorklistPanel) -> list[followups.TaskView]:
    return list(panel.shown)


def cell(panel: WorklistPanel, row: int, column: int) -> str:
    item = panel.table.item(row, column)
    return item.text() if item is not None else ""


def set_day(qtbot: Any, ctx: AppContext, panel: WorklistPanel, day: date) -> None:
    loads = panel.loads
    panel.day_edit.setDate(QDate(day.year, day.month, day.day))
    qtbot.waitUntil(lambda: panel.loads > loads, timeout=WAIT)
    settle(qtbot, ctx)


def set_who(qtbot: Any, ctx: AppContext, panel: WorklistPanel, who: str) -> None:
    loads = panel.loads
    panel.who.setCurrentIndex(combo_index(panel.who, who))
    qtbot.waitUntil(lambda: panel.loads > loads, timeout=WAIT)
    settle(qtbot, ctx)


def press(widget: QWidget, key: Qt.Key, text: str = "") -> None:
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text))


def test_the_feature_opens_the_followups_page(ctx: AppContext, team: dict[str, Any]) -> None:
    feature = next(f for f in FEATURES if f.key == "followups")
    ctx.set_actor(team["cs"])
    page = feature.factory(ctx)
    try:
        assert isinstance(page, FollowupsPage)
    finally:
        page.deleteLater()


def test_tabs_by_role(qtbot: Any, ctx: AppContext, team: dict[str, Any]) -> None:
    page = open_page(qtbot, ctx, team["cs"])
    titles = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert titles[0] == "Today's calls"
    # Customer service assesses follow-up rates (seed 004) but does not spot-check calls.
    assert "Spot checks" not in titles and "Follow-up rates" in titles
    assert "Forwarded suggestions" in titles  # read-only for callers
    assert not page.forwards.answer_button.isVisible()
    assert page.campaign_button is None
    assert [page.worklist.who.itemData(i) for i in range(page.worklist.who.count())] == [
        "mine",
        "my_role",
    ]
    page.deleteLater()
    sup = open_page(qtbot, ctx, team["hm"])
    titles = [sup.tabs.tabText(i) for i in range(sup.tabs.count())]
    for title in ("Today's calls", "Spot checks", "Follow-up rates", "Forwarded suggestions"):
        assert title in titles
    assert combo_index(sup.worklist.who, "all") >= 0
    assert sup.campaign_button is not None and sup.campaign_button.isVisible()
    campaigns = sup.open_campaigns()
    assert campaigns is not None and campaigns.isVisible()
    settle(qtbot, ctx)
    campaigns.reject()


def test_a_finished_visit_shows_on_the_right_day_for_the_right_caller(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    # Chronic disease: the attending doctor calls on day 3-7 (E1, E3).
    finish_visit(cf, team["li"], team["zhang"], "chronic")
    page = open_page(qtbot, ctx, team["li"])
    panel = page.worklist
    assert not [t for t in rows(panel) if t.patient_id == team["zhang"]]
    set_day(qtbot, ctx, panel, TODAY + timedelta(days=3))
    shown = [t for t in rows(panel) if t.patient_id == team["zhang"]]
    assert len(shown) == 1
    task = shown[0]
    assert (task.kind, task.plan_category, task.caller_role) == ("plan", "chronic", "doctor")
    assert task.due_from == TODAY + timedelta(days=3)
    assert task.due_by == TODAY + timedelta(days=7)
    r = panel.shown.index(task)
    assert "张建国" in cell(panel, r, 1)
    assert task.honorific and task.honorific in cell(panel, r, 1)
    assert cell(panel, r, 0) == f"By {task.due_by.isoformat()}"
    assert cell(panel, r, 5) == "李医生"
    assert "Chronic" in cell(panel, r, 3)
    assert "138" in cell(panel, r, 2)
    # After the window, still listed: overdue, in red, with the days (E3: overdue first).
    set_day(qtbot, ctx, panel, TODAY + timedelta(days=10))
    r = [t.id for t in rows(panel)].index(task.id)
    assert cell(panel, r, 0) == "3 day(s) overdue"  # English plural forms come from the .ts
    assert r == 0
    item = panel.table.item(r, 0)
    assert item is not None and item.foreground().color() == Qt.GlobalColor.darkRed

    # Not on customer service's list, neither theirs nor their role's: it is the doctor's call.
    page.deleteLater()
    cs_page = open_page(qtbot, ctx, team["cs"])
    set_day(qtbot, ctx, cs_page.worklist, TODAY + timedelta(days=3))
    assert task.id not in [t.id for t in rows(cs_page.worklist)]
    set_who(qtbot, ctx, cs_page.worklist, "my_role")
    assert task.id not in [t.id for t in rows(cs_page.worklist)]
    # The health manager supervises: "Everyone" has it.
    cs_page.deleteLater()
    hm_page = open_page(qtbot, ctx, team["hm"])
    set_day(qtbot, ctx, hm_page.worklist, TODAY + timedelta(days=3))
    set_who(qtbot, ctx, hm_page.worklist, "all")
    assert task.id in [t.id for t in rows(hm_page.worklist)]


def test_a_call_logged_end_to_end_in_the_ui(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    finish_visit(cf, team["li"], team["zhang"], "chronic")
    cf.clock.advance(days=3)  # Thursday: the call is due
    page = open_page(qtbot, ctx, team["li"])
    panel = page.worklist
    assert panel.day() == TODAY + timedelta(days=3)
    mine = [t for t in rows(panel) if t.patient_id == team["zhang"]]
    assert len(mine) == 1
    task = mine[0]
    panel.table.selectRow(panel.shown.index(task))
    panel.table.setFocus()
    press(panel.table, Qt.Key.Key_Return)  # Enter opens the call
    dialog = panel.call_dialog
    assert isinstance(dialog, CallDialog)
    qtbot.waitUntil(lambda: dialog.script is not None, timeout=WAIT)
    script = dialog.script
    assert script is not None
    assert script.honorific in dialog.script_text.text()
    assert "李医生" in dialog.script_text.text()
    assert "北京市朝阳区" in dialog.facts.text()
    assert "高血压" in dialog.summary.text()  # a doctor reads the record
    # Before an outcome, only the outcome can be chosen.
    assert not dialog.recovery.isEnabled() and not dialog.notes.isEnabled()
    dialog.outcome_buttons["reached"].click()
    assert dialog.recovery.isEnabled() and dialog.satisfaction["overall"].isEnabled()
    dialog.recovery.buttons[1][1].click()  # improving
    dialog.adherence.setFocus()
    press(dialog.adherence, Qt.Key.Key_1, "1")  # as prescribed, by keyboard
    press(dialog.satisfaction["overall"], Qt.Key.Key_5, "5")
    press(dialog.satisfaction["doctor"], Qt.Key.Key_4, "4")
    press(dialog.satisfaction["waiting"], Qt.Key.Key_2, "2")
    press(dialog.satisfaction["waiting"], Qt.Key.Key_0, "0")  # changed their mind: cleared
    dialog.suggestions.setPlainText("候诊区太冷，希望加暖气 🙂")
    dialog.forward.setChecked(True)
    assert dialog.department.isEnabled()
    depts = [dialog.department.itemText(i) for i in range(dialog.department.count())]
    assert "内科" in depts and "外科" in depts
    dialog.department.setCurrentIndex(depts.index("内科"))
    dialog.notes.setPlainText("血压控制可，按时服药")
    shot(dialog, "call_dialog_en")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=WAIT)
    assert not dialog.message.is_error
    assert "forwarded to 内科" in dialog.message.text()
    assert dialog.print_button.isEnabled()

    calls = followups.patient_calls(cf.clinic, cf.director, team["zhang"])
    assert len(calls) == 1
    call = calls[0]
    assert call.outcome == "reached"
    assert call.recovery == "improving"
    assert call.adherence == "as_prescribed"
    assert call.satisfaction == {"overall": 5, "doctor": 4}
    assert call.suggestions == "候诊区太冷，希望加暖气 🙂"
    assert call.caller_name == "李医生"
    forwards = followups.list_forwards(cf.clinic, cf.director, status="open")
    assert [(f.department, f.text) for f in forwards] == [("内科", "候诊区太冷，希望加暖气 🙂")]
    assert followups.task(cf.clinic, cf.director, task.id).status == "done"
    dialog.cancel_button.click()
    settle(qtbot, ctx)
    assert task.id not in [t.id for t in rows(panel)]
    # The forward is on the forwarded-suggestions tab, for the doctor read-only.
    page.tabs.setCurrentWidget(page.forwards)
    qtbot.waitUntil(lambda: page.forwards.table.rowCount() == 1, timeout=WAIT)
    assert page.forwards.table.item(0, 2).text() == "内科"  # type: ignore[union-attr]


def test_added_by_hand_then_no_answer_hides_it_until_the_retry(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    page = open_page(qtbot, ctx, team["cs"])
    panel = page.worklist
    dialog = panel.add_task()
    assert isinstance(dialog, AddFollowupDialog)
    dialog.save()  # no patient chosen: a sentence, nothing saved
    assert dialog.message.is_error and "Choose the patient" in dialog.message.text()
    type_text(dialog.search.line, "欧阳")
    dialog.search.run_search()
    qtbot.waitUntil(lambda: bool(dialog.search.hits), timeout=WAIT)
    press(dialog.search.line, Qt.Key.Key_Return)
    assert dialog.patient_id == team["ouyang"]
    assert not dialog.busy  # Enter picked the patient; it did not press Save
    type_text(dialog.title_edit, "问问新药的效果")
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
    assert not dialog.message.is_error, dialog.message.text()
    settle(qtbot, ctx)
    mine = [t for t in rows(panel) if t.patient_id == team["ouyang"]]
    assert len(mine) == 1 and mine[0].kind == "manual"
    task = mine[0]
    r = panel.shown.index(task)
    assert cell(panel, r, 3) == "问问新药的效果"
    assert cell(panel, r, 5) == "Customer service (anyone)"

    panel.table.selectRow(r)
    call = panel.open_call()
    assert isinstance(call, CallDialog)
    qtbot.waitUntil(lambda: call.script is not None, timeout=WAIT)
    # Customer service does not read the record: a grey line says so.
    assert "not shown for your role" in call.summary.text()
    call.outcome_buttons["no_answer"].click()
    # No answer: only the notes apply.
    assert call.notes.isEnabled()
    for off in (
        call.recovery,
        call.adherence,
        call.suggestions,
        call.forward,
        call.complaint_check,
    ):
        assert not off.isEnabled()
    call.notes.setPlainText("关机")
    call.save_button.click()
    qtbot.waitUntil(lambda: call.result_value is not None, timeout=WAIT)
    assert "comes back after 2026-11-23 14:00" in call.message.text()
    call.cancel_button.click()
    settle(qtbot, ctx)
    assert task.id not in [t.id for t in rows(panel)]  # hidden until the retry
    panel.waiting.setChecked(True)
    settle(qtbot, ctx)
    waiting = [t for t in rows(panel) if t.id == task.id]
    assert len(waiting) == 1
    r = panel.shown.index(waiting[0])
    assert "try again after 2026-11-23 14:00" in cell(panel, r, 6)
    item = panel.table.item(r, 1)
    assert item is not None and item.foreground().color() == Qt.GlobalColor.gray
    panel.waiting.setChecked(False)
    settle(qtbot, ctx)
    cf.clock.advance(hours=4, minutes=1)
    panel._tick()  # the minute timer
    settle(qtbot, ctx)
    back = [t for t in rows(panel) if t.id == task.id]
    assert len(back) == 1 and back[0].attempts == 1

    # Reassign to oneself, then close it with a reason.
    panel.table.selectRow(panel.shown.index(back[0]))
    reassign = panel.reassign()
    assert isinstance(reassign, ReassignDialog)
    qtbot.waitUntil(lambda: reassign.person.count() > 1, timeout=WAIT)
    reassign.person.setCurrentIndex(combo_index(reassign.person, team["cs"].staff_id))
    reassign.save()
    settle(qtbot, ctx)
    assert followups.task(cf.clinic, cf.director, task.id).assignee_id == team["cs"].staff_id
    panel.table.selectRow([t.id for t in rows(panel)].index(task.id))
    close = panel.close_task()
    assert isinstance(close, CloseTaskDialog)
    close.reason.setCurrentIndex(combo_index(close.reason, "cancelled"))
    close.note.setPlainText("患者已到院复诊")
    close.save()
    settle(qtbot, ctx)
    closed = followups.task(cf.clinic, cf.director, task.id)
    assert (closed.status, closed.close_reason) == ("closed", "cancelled")
    assert task.id not in [t.id for t in rows(panel)]


def test_the_worklist_screenshots(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    for patient in (team["zhang"], team["ouyang"]):
        finish_visit(cf, team["li"], patient, "chronic")
    finish_visit(cf, team["zhao"], team["ouyang"], "outpatient_surgery")
    followups.add_task(
        cf.clinic,
        team["hm"],
        team["zhang"],
        title="提醒复查血脂",
        due_from=TODAY,
        due_by=TODAY + timedelta(days=1),
        caller_role="doctor",
        assignee_id=team["li"].staff_id,
    )
    cf.clock.advance(days=3)
    page = open_page(qtbot, ctx, cf.director)
    panel = page.worklist
    assert panel.who.currentData() == "all"  # the director sees everyone's by default
    assert len(rows(panel)) >= 3
    late = sum(1 for t in rows(panel) if t.due_by < panel.day())
    assert late == 2  # the manual one and the outpatient surgery's day-1 call
    assert panel.counts.text() == (
        f"{len(rows(panel))} call(s) or message(s) on 2026-11-26 · {late} overdue"
    )
    assert [t.due_by < panel.day() for t in rows(panel)][:late] == [True] * late  # first
    kinds = [panel.kind.itemText(i) for i in range(panel.kind.count())]
    assert f"All kinds ({len(rows(panel))})" in kinds
    assert "Added by hand (1)" in kinds
    panel.kind.setCurrentIndex(combo_index(panel.kind, "manual"))
    assert [t.kind for t in rows(panel)] == ["manual"]
    panel.kind.setCurrentIndex(0)
    shot(page, "worklist_en")


def test_supervisor_spot_checks_a_call_and_the_rates_match_the_service(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    finish_visit(cf, team["li"], team["zhang"], "chronic")
    finish_visit(cf, team["li"], team["ouyang"], "chronic")
    finish_visit(cf, team["zhao"], team["ouyang"], "family_planning")
    cf.clock.advance(days=3)
    day = cf.clinic.today()
    zhang_task = next(
        t
        for t in followups.worklist(cf.clinic, team["li"], day).items
        if t.patient_id == team["zhang"]
    )
    followups.log_call(
        cf.clinic,
        team["li"],
        zhang_task.id,
        followups.CallEntry(outcome="reached", recovery="improving", notes="恢复良好"),
    )
    own_task = followups.add_task(
        cf.clinic,
        team["hm"],
        team["ouyang"],
        title="健康管理随访",
        due_from=day,
        due_by=day,
        caller_role="health_manager",
        assignee_id=team["hm"].staff_id,
    ).value
    followups.log_call(cf.clinic, team["hm"], own_task.id, followups.CallEntry(outcome="reached"))

    page = open_page(qtbot, ctx, team["hm"])
    spot = page.spot_checks
    assert isinstance(spot, SpotChecksPanel)
    page.tabs.setCurrentWidget(spot)
    qtbot.waitUntil(lambda: spot.loads >= 1 and len(spot.calls) == 2, timeout=WAIT)
    # Their own call: no check by themselves.
    spot.table.selectRow([c.caller_id for c in spot.calls].index(team["hm"].staff_id))
    assert not spot.save_button.isEnabled() and spot.own_hint.isVisible()
    r = [c.caller_id for c in spot.calls].index(team["li"].staff_id)
    spot.table.selectRow(r)
    assert spot.save_button.isEnabled()
    assert "恢复良好" in spot.detail.toPlainText()
    spot.save_check()  # no evaluation chosen
    assert spot.message.is_error and "Choose the evaluation" in spot.message.text()
    spot.rating.setFocus()
    press(spot.rating, Qt.Key.Key_2, "2")  # acceptable
    type_text(spot.note, "语气可以更温和 🙂")
    spot.save_check()
    settle(qtbot, ctx)
    checked = next(c for c in followups.patient_calls(cf.clinic, cf.director, team["zhang"]))
    assert (checked.check_rating, checked.check_by_name, checked.check_note) == (
        "acceptable",
        "健康管理师刘",
        "语气可以更温和 🙂",
    )
    row = [c.id for c in spot.calls].index(checked.id)
    assert spot.table.item(row, 6).text().startswith("Acceptable · 健康管理师刘")  # type: ignore[union-attr]
    # Unchecked first: the checked call moved down.
    assert spot.calls[-1].id == checked.id
    shot(page, "spot_checks_en")

    rates = page.rates
    assert isinstance(rates, RatesPanel)
    page.tabs.setCurrentWidget(rates)
    rates.period.set_period(TODAY, TODAY + timedelta(days=30))
    rates.reload()
    settle(qtbot, ctx)
    first, last = rates.period.period()
    for by in ("department", "doctor"):
        if rates.by.currentData() != by:
            rates.by.setCurrentIndex(combo_index(rates.by, by))
            settle(qtbot, ctx)
        expected = followups.followup_rates(cf.clinic, team["hm"], first, last, by=by)
        assert expected and sum(r.due for r in expected) >= 3
        shown = [
            [rates.table.item(r, c).text() for c in range(6)]  # type: ignore[union-attr]
            for r in range(rates.table.rowCount())
        ]
        assert len(shown) == len(expected) + 1  # and the total
        for got, want in zip(shown, expected, strict=False):
            assert got[1:] == [
                str(want.due),
                str(want.done),
                "—" if want.rate is None else f"{want.rate * 100:.1f}%",
                str(want.on_time),
                "—" if want.on_time_rate is None else f"{want.on_time_rate * 100:.1f}%",
            ]
        total = shown[-1]
        assert total[0] == "All"
        assert int(total[1]) == sum(r.due for r in expected)
        assert int(total[2]) == sum(r.done for r in expected) >= 1
    labels = [rates.table.item(r, 0).text() for r in range(rates.table.rowCount())]  # type: ignore[union-attr]
    assert "李医生" in labels and "赵医生" in labels
    li_row = labels.index("李医生")
    assert [rates.table.item(li_row, c).text() for c in (1, 2, 3)] == ["2", "1", "50.0%"]  # type: ignore[union-attr]
    shot(page, "rates_en")


def test_patient_file_followups_tab_and_recording_a_death(
    qtbot: Any,
    ctx: AppContext,
    ui_clinic: ClinicFixture,
    team: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cf = ui_clinic
    finish_visit(cf, team["li"], team["zhang"], "other_treatment")  # 2 calls: day 1, day 7
    ctx.set_actor(team["li"])
    view = PatientFileView(ctx, team["zhang"])
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    tab = next(t for t in view.extra_tabs if isinstance(t, PatientFollowupsTab))
    view.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.data is not None and tab.tasks.rowCount() == 2, timeout=WAIT)
    assert view.tabs.tabText(view.tabs.indexOf(tab)) == "Follow-ups"
    assert tab.death_button.isVisible() and tab.optout_button.isVisible()
    asked: list[str] = []

    def yes(_parent: Any, _title: str, text: str, *args: Any) -> QMessageBox.StandardButton:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", yes)
    tab.record_death()
    qtbot.waitUntil(lambda: bool(tab.findChildren(DeathDialog)), timeout=WAIT)
    dialog = tab.findChildren(DeathDialog)[-1]
    assert dialog.intro.text().endswith(" 2 open follow-up task(s) will be closed.")
    dialog.note.setText("家属来电告知")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=WAIT)
    assert asked and "Record the death?" in asked[0]
    settle(qtbot, ctx)
    tasks = followups.patient_tasks(cf.clinic, cf.director, team["zhang"])
    assert {(t.status, t.close_reason) for t in tasks} == {("closed", "deceased")}
    qtbot.waitUntil(lambda: "Died 2026-11-23" in tab.state.text(), timeout=WAIT)
    shot(view, "patient_followups_en")
    assert not tab.death_button.isEnabled() and not tab.add_button.isEnabled()


def test_the_desk_gets_the_opt_outs_without_the_lists(
    qtbot: Any,
    ctx: AppContext,
    ui_clinic: ClinicFixture,
    team: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cf = ui_clinic
    desk = make_staff(cf, "desk", "前台小周", Role.RECEPTIONIST)
    ctx.set_actor(desk)
    tab = PatientFollowupsTab(ctx, team["ouyang"])
    qtbot.addWidget(tab)
    tab.show()
    tab.reload()
    qtbot.waitUntil(lambda: tab.data is not None, timeout=WAIT)
    assert not tab.add_button.isVisible() and not tab.tasks.isVisible()
    assert tab.not_shown.isVisible()
    asked: list[str] = []

    def yes(_parent: Any, _title: str, text: str, *args: Any) -> QMessageBox.StandardButton:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", yes)
    tab.opt_outs()
    qtbot.waitUntil(lambda: bool(tab.findChildren(OptOutDialog)), timeout=WAIT)
    dialog = tab.findChildren(OptOutDialog)[-1]
    dialog.no_messages.setChecked(True)
    dialog.note.setText("患者电话要求不再发短信")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=WAIT)
    # The desk cannot count the follow-ups, so the sentence says what ends without numbers.
    assert asked == ["Queued messages will be cancelled.\n\nSave?"]
    settle(qtbot, ctx)
    qtbot.waitUntil(lambda: "No messages" in tab.state.text(), timeout=WAIT)
    assert "No calls" not in tab.state.text()


def test_opting_out_of_calls_says_how_many_close(
    qtbot: Any,
    ctx: AppContext,
    ui_clinic: ClinicFixture,
    team: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cf = ui_clinic
    finish_visit(cf, team["li"], team["zhang"], "inpatient_surgery")  # 4 calls
    finish_visit(cf, team["li"], team["zhang"], "cold")  # 1 message
    ctx.set_actor(team["li"])
    tab = PatientFollowupsTab(ctx, team["zhang"])
    qtbot.addWidget(tab)
    tab.show()
    tab.reload()
    qtbot.waitUntil(lambda: tab.data is not None and tab.tasks.rowCount() == 5, timeout=WAIT)
    asked: list[str] = []

    def no_then_yes(_parent: Any, _title: str, text: str, *a: Any) -> QMessageBox.StandardButton:
        asked.append(text)
        if len(asked) == 1:
            return QMessageBox.StandardButton.No
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", no_then_yes)
    tab.opt_outs()
    qtbot.waitUntil(lambda: bool(tab.findChildren(OptOutDialog)), timeout=WAIT)
    dialog = tab.findChildren(OptOutDialog)[-1]
    dialog.no_calls.setChecked(True)
    dialog.save()  # "No": nothing saved, the dialog stays
    assert asked[0].startswith("4 open follow-up call(s) will be closed.")
    assert dialog.written is None and not dialog.busy
    dialog.save()
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=WAIT)
    tasks = followups.patient_tasks(cf.clinic, cf.director, team["zhang"])
    assert sorted((t.channel, t.status, t.close_reason) for t in tasks) == sorted(
        [("phone", "closed", "opted_out")] * 4 + [("message", "open", "")]
    )
    qtbot.waitUntil(lambda: "No calls" in tab.state.text(), timeout=WAIT)

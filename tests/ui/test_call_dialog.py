"""The call dialog (issue 9; spec E4, E5, G1): who sees what, bad input, printing.

The fake clock is Monday 2026-11-23 10:00 Asia/Shanghai.
"""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from clinic_desk.core.services import appointments, followups, outbox, rosters
from clinic_desk.core.services.settings import update_settings
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.followups.call_dialog import CallDialog
from clinic_desk.ui.i18n import install_language
from clinic_desk.ui.printing import preview
from tests.conftest import ClinicFixture
from tests.ui.test_followups_page import (
    TODAY,
    WAIT,
    finish_visit,
    make_team,
    press,
    settle,
    shot,
)

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def team(ui_clinic: ClinicFixture) -> dict[str, Any]:
    return make_team(ui_clinic)


def open_call(qtbot: Any, ctx: AppContext, actor: Any, task_id: Any) -> CallDialog:
    ctx.set_actor(actor)
    dialog = CallDialog(ctx, task_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.script is not None, timeout=WAIT)
    return dialog


def manual_task(cf: ClinicFixture, team: dict[str, Any], patient: str = "zhang") -> Any:
    return followups.add_task(
        cf.clinic,
        team["cs"],
        team[patient],
        title="问问复诊安排",
        due_from=TODAY,
        due_by=TODAY + timedelta(days=2),
    ).value


def test_customer_service_does_not_see_the_clinical_summary_a_doctor_does(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    finish_visit(cf, team["li"], team["zhang"], "other")
    task = manual_task(cf, team)
    cs = open_call(qtbot, ctx, team["cs"], task.id)
    assert cs.script is not None and cs.script.clinical_summary is None
    assert cs.summary.text() == "The clinical summary is not shown for your role."
    assert "高血压" not in cs.summary.text() + cs.script_text.text() + cs.facts.text()
    assert "问问复诊安排" in cs.script_text.text()
    cs.close()
    doctor = open_call(qtbot, ctx, team["li"], task.id)
    assert doctor.script is not None and doctor.script.clinical_summary
    assert "高血压" in doctor.summary.text()


def test_bad_input_is_refused_in_the_dialog_and_nothing_is_lost(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    task = manual_task(cf, team)
    dialog = open_call(qtbot, ctx, team["cs"], task.id)
    dialog.save()  # no outcome yet
    assert dialog.message.is_error and "Choose the outcome" in dialog.message.text()
    dialog.outcome_buttons["reached"].click()
    dialog.complaint_check.setChecked(True)
    dialog.save()  # the complaint box ticked but empty
    assert "Write what the patient complains about" in dialog.message.text()
    dialog.complaint_check.setChecked(False)
    dialog.forward.setChecked(True)
    dialog.department.setEditText("")
    dialog.suggestions.setPlainText("停车位太少")
    dialog.save()  # forwarding to no department
    assert "department" in dialog.message.text()
    dialog.department.setEditText("行政部")
    huge = "很" * 5000
    dialog.notes.setPlainText(huge)
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
    settle(qtbot, ctx)
    assert dialog.message.is_error
    assert dialog.message.text().endswith(".") and "4000" in dialog.message.text()
    assert dialog.result_value is None and dialog.save_button.isEnabled()
    assert dialog.notes.toPlainText() == huge  # nothing typed is lost
    assert dialog.suggestions.toPlainText() == "停车位太少"
    assert followups.patient_calls(cf.clinic, cf.director, team["zhang"]) == []
    # Fixed: CJK and emoji fine, satisfaction not given is fine.
    dialog.notes.setPlainText("患者很满意 👍，无其他意见")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=WAIT)
    assert not dialog.message.is_error
    call = followups.patient_calls(cf.clinic, cf.director, team["zhang"])[0]
    assert call.notes == "患者很满意 👍，无其他意见"
    assert call.satisfaction == {}
    forwards = followups.list_forwards(cf.clinic, cf.director, status="open")
    assert [(f.department, f.text) for f in forwards] == [("行政部", "停车位太少")]


def test_a_complaint_heard_on_the_call_opens_one(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    task = manual_task(cf, team)
    dialog = open_call(qtbot, ctx, team["cs"], task.id)
    dialog.outcome_buttons["refused"].click()
    # A refusal: no survey, but a complaint may come with it.
    assert not dialog.satisfaction["overall"].isEnabled()
    assert dialog.complaint_check.isEnabled()
    dialog.complaint_check.setChecked(True)
    assert dialog.complaint.isVisible() and dialog.complaint.isEnabled()
    dialog.complaint.setPlainText("上次收费不清楚，不想再接电话")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=WAIT)
    result = dialog.result_value
    assert result is not None and result.complaint_id is not None
    assert "A complaint was opened" in dialog.message.text()
    assert result.call.outcome == "refused"


def test_a_confirmation_call_confirms_the_appointment(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    li = team["li"]
    blocks = [rosters.RosterBlock(d, 8 * 60, 17 * 60) for d in range(6)]
    rosters.set_weekly_roster(cf.clinic, cf.director, li.staff_id, blocks)
    booked = appointments.book(
        cf.clinic,
        team["cs"],
        patient_id=team["ouyang"],
        doctor_id=li.staff_id,
        starts_at=datetime(2026, 11, 24, 9, 30, tzinfo=SH),
        minutes=30,
        channel="phone",
        identity_checked=True,
    ).value
    followups.prepare_worklist(cf.clinic, team["cs"], TODAY)
    confirm = next(
        t for t in followups.worklist(cf.clinic, team["cs"], TODAY).items if t.kind == "confirm"
    )
    dialog = open_call(qtbot, ctx, team["cs"], confirm.id)
    text = dialog.script_text.text()
    assert "confirm your appointment" in text and "2026-11-24 09:30" in text
    assert dialog.confirm.isVisible() and not dialog.confirm.isEnabled()
    assert not dialog.satisfaction["overall"].isVisible()  # no survey on a confirmation
    dialog.outcome_buttons["reached"].click()
    assert dialog.confirm.isEnabled()
    dialog.confirm.setChecked(True)
    dialog.save()
    qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=WAIT)
    assert appointments.get_appointment(cf.clinic, cf.director, booked.id).status == "confirmed"


def test_level_three_asks_whether_levels_one_and_two_happened(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    finish_visit(cf, team["li"], team["zhang"], "chronic_discharge")
    level3 = next(
        t for t in followups.patient_tasks(cf.clinic, cf.director, team["zhang"]) if t.level == 3
    )
    dialog = open_call(qtbot, ctx, team["cs"], level3.id)
    assert "did a nurse call you" in dialog.script_text.text()
    assert "Level 1" in dialog.history.text() and "Level 2" in dialog.history.text()
    assert dialog.levels.isVisible()
    dialog.outcome_buttons["reached"].click()
    dialog.save()  # reached without the answer: the service's sentence
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
    settle(qtbot, ctx)
    assert dialog.message.is_error and dialog.result_value is None
    dialog.levels.setFocus()
    press(dialog.levels, Qt.Key.Key_2, "2")  # no
    assert dialog.levels.value() == "no"
    dialog.save()
    qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=WAIT)
    assert dialog.result_value is not None
    assert dialog.result_value.call.previous_levels == "no"


def test_a_message_follow_up_is_queued_from_the_dialog(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    finish_visit(cf, team["li"], team["ouyang"], "cold")  # E1: a message within 24 h
    task = next(
        t
        for t in followups.worklist(cf.clinic, team["cs"], TODAY).items
        if t.patient_id == team["ouyang"]
    )
    assert (task.channel, task.caller_role) == ("message", "customer_service")
    dialog = open_call(qtbot, ctx, team["cs"], task.id)
    assert dialog.advice_button.isVisible()
    assert "Hello, is this" not in dialog.script_text.text()  # not a call script
    assert not dialog.satisfaction["overall"].isVisible()
    dialog.advice_button.click()  # the clinic's phone is not set yet: refused, said why
    qtbot.waitUntil(lambda: dialog.message.is_error, timeout=WAIT)
    assert "clinic's phone number" in dialog.message.text()
    assert dialog.advice_button.isEnabled() and dialog.sent_advice is None
    update_settings(cf.clinic, cf.director, {"clinic.phone": "010-8888 6666"})
    dialog.advice_button.click()
    qtbot.waitUntil(lambda: dialog.sent_advice is not None, timeout=WAIT)
    assert not dialog.message.is_error, dialog.message.text()
    assert not dialog.advice_button.isVisible()  # queued once, not twice
    assert dialog.outcome() == "reached" and dialog.channel.currentData() == "message"
    queued = outbox.list_messages(cf.clinic, team["cs"], patient_id=team["ouyang"])
    assert [(m.purpose, m.state) for m in queued] == [("followup_advice", "queued")]
    assert queued[0].address and "欧阳" in queued[0].body
    dialog.save()
    qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=WAIT)
    assert followups.task(cf.clinic, cf.director, task.id).status == "done"
    assert dialog.result_value is not None and dialog.result_value.call.channel == "message"


def test_print_the_call_record(
    qtbot: Any,
    ctx: AppContext,
    ui_clinic: ClinicFixture,
    team: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cf = ui_clinic
    printed: list[bytes] = []
    warned: list[str] = []

    def fake_preview(_parent: Any, pdf: bytes, **_kwargs: Any) -> bool:
        printed.append(pdf)
        return True

    monkeypatch.setattr(preview, "preview_and_print_pdf", fake_preview)
    # A failure would open a modal box; record it instead, so the test fails, not hangs.
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: warned.append(text))
    task = manual_task(cf, team)
    dialog = open_call(qtbot, ctx, team["cs"], task.id)
    assert not dialog.print_button.isEnabled()  # nothing to print before it is saved
    dialog.outcome_buttons["reached"].click()
    dialog.notes.setPlainText("已提醒下周复诊")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=WAIT)
    dialog.print_button.click()
    qtbot.waitUntil(lambda: bool(printed or warned), timeout=WAIT)
    assert not warned
    text = "".join(
        "".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(printed[0])).pages
    )
    assert "客服小陈" in text and "已提醒下周复诊" in text


def test_the_call_dialog_in_chinese(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, str(root / "installer" / "build_translations.py")], check=True)
    cf = ui_clinic
    finish_visit(cf, team["li"], team["zhang"], "chronic")
    cf.clock.advance(days=3)
    task = next(
        t
        for t in followups.worklist(cf.clinic, team["li"], cf.clinic.today()).items
        if t.patient_id == team["zhang"]
    )
    try:
        assert install_language("zh_CN")
        QApplication.processEvents()
        dialog = open_call(qtbot, ctx, team["li"], task.id)
        dialog.resize(1180, 720)
        dialog.outcome_buttons["reached"].click()
        shot(dialog, "call_dialog_zh_CN")
        # Every line fits: no label is wider than its column at this size.
        assert dialog.width() <= 1280 and dialog.height() <= 800
        from clinic_desk.ui.followups.page import FollowupsPage

        page = FollowupsPage(ctx)
        qtbot.addWidget(page)
        page.resize(1280, 800)
        page.show()
        qtbot.waitUntil(lambda: page.worklist.loads >= 1, timeout=WAIT)
        settle(qtbot, ctx)
        shot(page, "worklist_zh_CN")
    finally:
        install_language("en")
        QApplication.processEvents()

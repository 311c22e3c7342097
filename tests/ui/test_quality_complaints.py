"""The complaints side of "Complaints & quality" through the UI (issue 10; spec F1-F6, C6, G5).

A complaint goes through every step by the real buttons and dialogs, checked
against the service after each; closing without a reply is refused with the
service's sentence; someone who may not read the details sees only that the
complaint exists; the suggestion box is saved all or nothing; the director is
told of a serious complaint at sign-in. The fake clock starts Monday
2026-11-23 10:00 Asia/Shanghai.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import complaints, patients
from clinic_desk.core.services.base import Actor
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import install_language
from clinic_desk.ui.patients.common import combo_index
from clinic_desk.ui.quality.complaint_dialog import (
    ComplaintDialog,
    EscalationNotice,
    IntakeDialog,
    StepDialog,
)
from clinic_desk.ui.quality.complaints import (
    GREY,
    ComplaintsPanel,
    duration_text,
    event_label,
    left_text,
    stage_label,
)
from clinic_desk.ui.quality.page import QualityPage
from clinic_desk.ui.quality.root_causes import RootCauseDialog, RootCausesPanel
from clinic_desk.ui.quality.suggestion_box import SuggestionBoxDialog
from clinic_desk.ui.shell.features import FEATURES
from clinic_desk.ui.shell.main_window import MainWindow
from tests.conftest import DIRECTOR_PASSWORD, ClinicFixture
from tests.reliability.helpers.roles import audit_since, snapshot
from tests.ui.test_followups_page import make_staff, settle
from tests.ui.test_patient_form import type_text

SHOTS = Path("/tmp/s10/shots")
WAIT = 10_000
NO_REPLY = (
    "The complainant has not had a reply yet. Record the reply (when and how), then close "
    "the complaint."
)


@pytest.fixture
def team(ui_clinic: ClinicFixture) -> dict[str, Any]:
    cf = ui_clinic
    desk = make_staff(cf, "wang.desk", "前台小王", Role.RECEPTIONIST)
    desk2 = make_staff(cf, "zhou.desk", "前台小周", Role.RECEPTIONIST)
    cs = make_staff(cf, "chen.cs", "客服小陈", Role.CUSTOMER_SERVICE)
    li = make_staff(cf, "li.doc", "李医生", Role.DOCTOR)
    ouyang = patients.register_patient(
        cf.clinic,
        cf.director,
        family_name="欧阳",
        given_name="娜娜",
        sex="F",
        birth_date=date(1990, 6, 1),
        phone="13912345678",
    ).value.id
    return {"desk": desk, "desk2": desk2, "cs": cs, "li": li, "ouyang": ouyang}


def shot(widget: QWidget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / f"{name}.png"))


def open_page(qtbot: Any, ctx: AppContext, actor: Actor) -> QualityPage:
    ctx.set_actor(actor)
    page = QualityPage(ctx)
    qtbot.addWidget(page)
    page.resize(1360, 760)
    page.show()
    panel = page.complaints
    assert panel is not None
    qtbot.waitUntil(lambda: panel.loads >= 1, timeout=WAIT)
    settle(qtbot, ctx)
    return page


def wait_drawn(qtbot: Any, ctx: AppContext, dialog: ComplaintDialog, shown: int) -> None:
    """Until the dialog has drawn a newer view: a step's answer or a reload."""
    qtbot.waitUntil(lambda: dialog.shown > shown, timeout=WAIT)
    settle(qtbot, ctx)


def fill(step: StepDialog, **values: Any) -> None:
    for key, value in values.items():
        widget = step.widgets[key]
        if isinstance(widget, QPlainTextEdit):
            widget.setPlainText(value)
        elif isinstance(widget, QLineEdit):
            widget.setText(value)
        elif isinstance(widget, QComboBox):
            widget.setCurrentIndex(combo_index(widget, value))
        else:
            raise AssertionError(f"no filler for {key}")


def run_step(
    qtbot: Any, ctx: AppContext, dialog: ComplaintDialog, key: str, **values: Any
) -> StepDialog:
    """Press the step's button, fill its dialog, save; returns it (open if refused)."""
    button = dialog.buttons[key]
    assert button.isEnabled(), f"{key} is not enabled"
    shown = dialog.shown
    button.click()
    step = dialog.step
    assert isinstance(step, StepDialog) and step.isVisible()
    fill(step, **values)
    step.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    settle(qtbot, ctx)
    if step.written is not None:
        wait_drawn(qtbot, ctx, dialog, shown)
    return step


def enabled(dialog: ComplaintDialog) -> set[str]:
    return {k for k, b in dialog.buttons.items() if b.isEnabled()}


def strip(dialog: ComplaintDialog, step: str) -> str:
    return dialog.deadline_labels[step].text()


def test_the_feature_is_offered_to_everyone_and_opens_the_page(
    ctx: AppContext, team: dict[str, Any]
) -> None:
    feature = next(f for f in FEATURES if f.key == "quality")
    ctx.set_actor(team["desk"])
    assert ctx.may(feature.action)
    page = feature.factory(ctx)
    try:
        assert isinstance(page, QualityPage)
        # A receptionist: complaints, root causes, training, self-check; no dashboard.
        assert {"complaints", "root_causes", "training"} <= set(page.panels)
        assert "dashboard" not in page.panels and "reports" not in page.panels
    finally:
        page.deleteLater()


def test_time_left_reads_like_speech() -> None:
    assert left_text(130) == "2 h 10 min left"
    assert left_text(-(27 * 60)) == "overdue by 1 day(s) 3 h"
    assert left_text(59) == "59 min left"
    assert duration_text(2 * 24 * 60) == "2 day(s)"
    assert left_text(0) == "0 min left"


def test_a_complaint_through_every_step_in_the_ui(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    desk = team["desk"]
    page = open_page(qtbot, ctx, desk)
    panel = page.complaints
    assert panel is not None
    assert panel.counts.text() == "No complaint matches."

    # -- intake: the receptionist who hears it records it and owns it (F3)
    intake = panel.record()
    assert isinstance(intake, IntakeDialog)
    settle(qtbot, ctx)
    type_text(intake.complainant, "王女士")
    intake.contact.setText("138 0000 1111")
    intake.department.setText("内科")
    intake.staff_pick.setCurrentIndex(combo_index(intake.staff_pick, desk.staff_id))
    assert intake.staff_words.text() == "前台小王"  # the pick fills the words if empty
    intake.staff_words.setText("挂号窗口的前台")
    type_text(intake.search.line, "欧阳")
    intake.search.run_search()
    qtbot.waitUntil(lambda: bool(intake.search.hits), timeout=WAIT)
    intake.search._enter()
    assert intake.patient_id == team["ouyang"]
    assert "欧阳娜娜" in intake.patient_label.text()
    intake.severity.setCurrentIndex(combo_index(intake.severity, "serious"))
    assert "director at once" in intake.severity_hint.text()
    intake.severity.setCurrentIndex(combo_index(intake.severity, "normal"))
    intake.save()  # nothing typed: refused by the service, shown in the dialog
    settle(qtbot, ctx)
    assert intake.isVisible() and intake.message.is_error
    assert "empty" in intake.message.text()
    intake.content.setPlainText("候诊等了两个小时，前台态度冷淡 😠")
    intake.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    settle(qtbot, ctx)
    dialog = panel.dialog
    assert isinstance(dialog, ComplaintDialog)
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=WAIT)
    settle(qtbot, ctx)
    cid = dialog.complaint_id
    view = complaints.complaint(cf.clinic, cf.director, cid)
    assert view.owner_id == desk.staff_id and view.stage == "received"
    assert view.patient_id == team["ouyang"] and view.staff_concerned_id == desk.staff_id
    assert view.number.startswith("TS-2026-")
    assert dialog.header.text() == f"{view.number} · Received · owner 前台小王"
    assert "2026-11-23 11:00" in strip(dialog, "accept")
    assert "1 h left" in strip(dialog, "accept")
    assert "2 h left" in strip(dialog, "contact")
    assert enabled(dialog) == {"accept", "hand_over", "root_cause", "note"}
    # The list shows it with the next deadline and the time left.
    qtbot.waitUntil(lambda: len(panel.items) == 1, timeout=WAIT)
    row = [panel.table.item(0, c).text() for c in range(panel.table.columnCount())]
    assert row[0] == view.number and row[4] == "Received" and row[5] == "前台小王"
    assert row[7] == "Accept: 2026-11-23 11:00 (1 h left)"
    assert row[8].startswith("王女士 · 候诊等了两个小时")

    # -- accept (late: the clock moved past the hour) -> contact -> answer -> solution
    cf.clock.advance(minutes=70)
    run_step(qtbot, ctx, dialog, "accept")
    view = complaints.complaint(cf.clinic, cf.director, cid)
    assert view.accepted_at == cf.clock() and view.stage == "accepted"
    assert "✓ done 2026-11-23 11:10" in strip(dialog, "accept")
    assert "late by 10 min" in strip(dialog, "accept")
    assert "color:#c62828" in strip(dialog, "accept")
    assert enabled(dialog) >= {"contact", "close"} and "answer" not in enabled(dialog)

    step = run_step(qtbot, ctx, dialog, "contact", note="")  # required: refused
    assert step.isVisible() and "empty" in step.message.text()
    step.reject()
    run_step(qtbot, ctx, dialog, "contact", note="电话联系王女士，致歉并约定明天答复")
    assert complaints.complaint(cf.clinic, cf.director, cid).contacted_at is not None
    run_step(qtbot, ctx, dialog, "answer", response="经查当天挂号系统故障，候诊时间过长属实")
    run_step(qtbot, ctx, dialog, "solution", solution="免除复诊挂号费，并由前台主管当面致歉")
    view = complaints.complaint(cf.clinic, cf.director, cid)
    assert view.answered_at is not None and view.solution_at is not None
    assert "免除复诊挂号费" in view.response
    assert "免除复诊挂号费" in dialog.detail_labels["response"][1].text()

    # -- closing without a reply is refused with the service's sentence (F6)
    step = run_step(qtbot, ctx, dialog, "close", note="想直接结案")
    assert step.isVisible() and step.message.text() == NO_REPLY
    step.reject()
    assert complaints.complaint(cf.clinic, cf.director, cid).status == "open"

    # -- rectification: the due date defaults to the rectify deadline's day (15 days)
    dialog.buttons["rectify_set"].click()
    step = dialog.step
    assert isinstance(step, StepDialog)
    due = step.widgets["due"]
    assert isinstance(due, QDateEdit)
    assert due.date().toString("yyyy-MM-dd") == "2026-12-08"
    owner = step.widgets["owner_id"]
    assert isinstance(owner, QComboBox) and owner.currentData() == desk.staff_id
    fill(step, action="高峰时段增开一个挂号窗口")
    shown = dialog.shown
    step.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    wait_drawn(qtbot, ctx, dialog, shown)
    view = complaints.complaint(cf.clinic, cf.director, cid)
    assert view.rectify_due == date(2026, 12, 8) and view.stage == "rectifying"
    shot(dialog, "complaint_detail_flow_en")
    run_step(qtbot, ctx, dialog, "rectified", note="已排班，周一上午起两个窗口")
    assert complaints.complaint(cf.clinic, cf.director, cid).rectified_at is not None

    # -- reply to the complainant (channel, date, text)
    dialog.buttons["reply"].click()
    step = dialog.step
    assert isinstance(step, StepDialog)
    fill(step, channel="wechat", text="已回复王女士处理结果，她表示满意")
    shown = dialog.shown
    step.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    wait_drawn(qtbot, ctx, dialog, shown)
    view = complaints.complaint(cf.clinic, cf.director, cid)
    assert view.reply_channel == "wechat" and view.reply_at is not None
    assert "WeChat" in dialog.detail_labels["reply"][1].text()

    # -- a training case: prefilled without names; a name in it is refused
    dialog.buttons["case"].click()
    step = dialog.step
    assert isinstance(step, StepDialog)
    title = step.widgets["title"]
    summary = step.widgets["summary"]
    assert isinstance(title, QLineEdit) and isinstance(summary, QPlainTextEdit)
    assert title.text() == "In person complaint, 内科"
    assert "王" not in title.text() and summary.toPlainText() == ""
    assert "anonymised" in step.intro.text()
    fill(step, summary="王女士候诊两小时", lessons="高峰时段要增开窗口")
    step.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    settle(qtbot, ctx)
    assert step.isVisible() and "anonymised" in step.message.text()
    fill(step, summary="患者高峰时段候诊约两小时，前台未解释原因")
    shown = dialog.shown
    step.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    wait_drawn(qtbot, ctx, dialog, shown)
    cases = complaints.training_cases(cf.clinic, team["li"])  # every role learns from it
    assert [c.summary for c in cases] == ["患者高峰时段候诊约两小时，前台未解释原因"]
    assert complaints.complaint(cf.clinic, cf.director, cid).case_id == cases[0].id

    # -- close, then every step is locked until reopened
    run_step(qtbot, ctx, dialog, "close", note="已结案")
    view = complaints.complaint(cf.clinic, cf.director, cid)
    assert view.status == "closed" and view.closed_at == cf.clock()
    assert "Reopen to change it" in dialog.notice.text()
    steps = {"accept", "contact", "answer", "solution", "rectify_set", "rectified", "reply"}
    assert not (enabled(dialog) & (steps | {"close", "hand_over"}))
    assert "reopen" in enabled(dialog)
    step = run_step(qtbot, ctx, dialog, "reopen", reason="")
    assert step.isVisible() and "empty" in step.message.text()
    step.reject()
    run_step(qtbot, ctx, dialog, "reopen", reason="王女士来电表示复诊时仍需排队很久")
    view = complaints.complaint(cf.clinic, cf.director, cid)
    assert view.status == "open" and view.reopened == 1
    assert "reopen" not in enabled(dialog) and "note" in enabled(dialog)
    kinds = [e.kind for e in view.events]
    for kind in (
        "received",
        "accepted",
        "contacted",
        "answered",
        "solution",
        "rectification_set",
        "rectified",
        "replied",
        "case_added",
        "closed",
        "reopened",
    ):
        assert kind in kinds
    # Newest first in the history table.
    assert dialog.history.item(0, 1).text() == "Reopened"
    dialog.close()


def test_an_overdue_complaint_is_red_in_the_list(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    complaints.record_complaint(
        cf.clinic,
        team["cs"],
        complaints.ComplaintInput(channel="phone", complainant="赵先生", content="药房排队太久"),
    )
    cf.clock.advance(hours=3, minutes=5)
    page = open_page(qtbot, ctx, team["cs"])
    panel = page.complaints
    assert panel is not None
    cell = panel.table.item(0, 7)
    assert cell.text().endswith("(overdue by 2 h 5 min)")
    assert cell.foreground().color().name() == "#c62828"
    assert panel.counts.text() == "1 complaint(s) · 1 overdue"
    panel.overdue.setChecked(True)
    qtbot.waitUntil(lambda: panel.loads >= 2, timeout=WAIT)
    assert len(panel.items) == 1
    panel.status.setCurrentIndex(combo_index(panel.status, "closed"))
    qtbot.waitUntil(lambda: not panel.items, timeout=WAIT)


def test_a_receptionist_not_owning_it_sees_only_that_it_exists(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    written = complaints.record_complaint(
        cf.clinic,
        team["cs"],
        complaints.ComplaintInput(
            channel="letter",
            complainant="钱女士",
            contact="13700002222",
            content="医生开错了药，要求赔偿",
            severity="serious",
        ),
    )
    page = open_page(qtbot, ctx, team["desk2"])
    panel = page.complaints
    assert panel is not None
    assert [c.id for c in panel.items] == [written.value.id]
    who = panel.table.item(0, 8)
    assert who.text() == "Confidential"
    assert who.foreground().color().name() == "#757575"
    dialog = panel.open_selected()
    assert isinstance(dialog, ComplaintDialog)
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=WAIT)
    settle(qtbot, ctx)
    assert dialog.header.text() == f"{written.value.number} · Received · owner 客服小陈"
    assert "confidential" in dialog.notice.text()
    shown = " ".join(
        w.text() for w in dialog.findChildren(QLabel) if w.isVisibleTo(dialog) and w.text()
    )
    for secret in ("钱女士", "13700002222", "开错了药", "Serious"):
        assert secret not in shown
    assert not dialog.steps_box.isVisibleTo(dialog)
    assert not dialog.history.isVisibleTo(dialog)
    assert not enabled(dialog)
    shot(dialog, "complaint_confidential_en")


def test_handing_over_moves_the_ownership_and_the_right_to_read(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    desk, cs = team["desk"], team["cs"]
    cid = complaints.record_complaint(
        cf.clinic,
        desk,
        complaints.ComplaintInput(channel="in_person", complainant="吴先生", content="收费有误"),
    ).value.id
    ctx.set_actor(desk)
    dialog = ComplaintDialog(ctx, cid, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.view is not None and bool(dialog.people), timeout=WAIT)
    settle(qtbot, ctx)
    dialog.buttons["hand_over"].click()
    step = dialog.step
    assert isinstance(step, StepDialog)
    people = step.widgets["to_staff_id"]
    assert isinstance(people, QComboBox)
    # The receptionist picks among the staff she may list; not herself, the owner.
    assert combo_index(people, desk.staff_id) == -1
    # She passes it to customer service (F3): everyone working here is offered.
    assert combo_index(people, cs.staff_id) >= 0
    assert combo_index(people, cf.director.staff_id) >= 0
    step = run_step(qtbot, ctx, dialog, "hand_over", to_staff_id=cs.staff_id, reason="")
    assert step.isVisible() and "empty" in step.message.text()
    step.reject()
    run_step(qtbot, ctx, dialog, "hand_over", to_staff_id=cs.staff_id, reason="收费问题归客服")
    assert complaints.complaint(cf.clinic, cf.director, cid).owner_id == cs.staff_id
    dialog.close()
    # Customer service reads the hand-over in the history.
    ctx.set_actor(cs)
    dialog = ComplaintDialog(ctx, cid, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=WAIT)
    settle(qtbot, ctx)
    assert "前台小王 to 客服小陈" in dialog.history.item(0, 3).text()
    dialog.close()
    # The receptionist no longer owns it: she sees only that it exists.
    ctx.set_actor(desk)
    dialog = ComplaintDialog(ctx, cid, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=WAIT)
    assert dialog.view is not None and dialog.view.confidential
    assert not enabled(dialog)


def test_a_saved_step_is_drawn_from_its_answer_not_read_again(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    """C6/C3: opening the complaint writes one "complaint.read" row; each step saved in
    the dialog writes only its own row (the dialog draws the view the step returned),
    so the log does not say the owner read it again at every save. The dialog still
    shows the new stage and history; a change made elsewhere is still reloaded."""
    cf = ui_clinic
    desk = team["desk"]
    cid = complaints.record_complaint(
        cf.clinic,
        desk,
        complaints.ComplaintInput(channel="in_person", complainant="吴先生", content="收费有误"),
    ).value.id
    seq = snapshot(cf.clinic).audit_seq

    def rows() -> list[tuple[str, str]]:
        return [
            (r.action, r.staff_login)
            for r in audit_since(cf.clinic, seq)
            if r.object_id == cid.hex
        ]

    ctx.set_actor(desk)
    dialog = ComplaintDialog(ctx, cid, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=WAIT)
    settle(qtbot, ctx)
    assert rows() == [("complaint.read", "wang.desk")] and dialog.loads == 1
    run_step(qtbot, ctx, dialog, "accept")
    run_step(qtbot, ctx, dialog, "contact", note="电话联系吴先生，核对收费明细")
    settle(qtbot, ctx)
    assert rows() == [
        ("complaint.read", "wang.desk"),
        ("complaint.accept", "wang.desk"),
        ("complaint.contact", "wang.desk"),
    ]
    assert dialog.loads == 1 and dialog.shown == 3
    # Up to date all the same: the stage and the history as the service has them now.
    now = complaints.complaint(cf.clinic, cf.director, cid)
    assert dialog.view is not None and dialog.view.stage == now.stage
    assert stage_label(now.stage) in dialog.header.text()
    assert [dialog.history.item(i, 1).text() for i in range(dialog.history.rowCount())] == [
        event_label(e.kind) for e in reversed(now.events)
    ]
    assert dialog.history.item(0, 1).text() == event_label("contacted")
    # Someone else's change (here the director's note, broadcast) is read again.
    ctx.broadcast(complaints.add_note(cf.clinic, cf.director, cid, note="院长已知悉").changes)
    qtbot.waitUntil(lambda: dialog.loads == 2, timeout=WAIT)
    settle(qtbot, ctx)
    assert rows()[-2:] == [("complaint.note", "wang.li"), ("complaint.read", "wang.desk")]
    dialog.close()


def test_the_suggestion_box_saves_all_or_nothing(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    page = open_page(qtbot, ctx, team["desk"])
    panel = page.complaints
    assert panel is not None
    box = panel.open_box()
    assert isinstance(box, SuggestionBoxDialog)
    box.resize(1000, 560)
    box.set_note(0, content="厕所没有卫生纸", department="门诊")
    box.set_note(1, content="护士很耐心\x07", complainant="匿名")  # a control character
    box.set_note(2, content="希望周末也能抽血 🙏", contact="13600003333", severity="serious")
    box.save()
    settle(qtbot, ctx)
    assert box.isVisible()
    assert box.message.text().startswith("Note 2: ")
    assert box.table.currentRow() == 1
    assert complaints.list_complaints(cf.clinic, cf.director, status="all") == []
    box.set_note(1, content="护士很耐心，表扬")
    with qtbot.waitSignal(box.accepted, timeout=WAIT):  # then it is gone (delete on close)
        box.save()
    settle(qtbot, ctx)
    made = complaints.list_complaints(cf.clinic, cf.director, status="all")
    assert len(made) == 3  # the two empty rows are skipped
    assert {c.channel for c in made} == {"suggestion_box"}
    assert {c.owner_name for c in made} == {"前台小王"}
    qtbot.waitUntil(lambda: len(panel.items) == 3, timeout=WAIT)


def test_the_suggestion_box_refuses_a_future_day_and_an_empty_batch(
    qtbot: Any, ctx: AppContext, team: dict[str, Any]
) -> None:
    ctx.set_actor(team["desk"])
    box = SuggestionBoxDialog(ctx)
    qtbot.addWidget(box)
    box.show()
    box.save()
    assert box.message.text() == "Write at least one note, then save."
    # The day cannot be set after today.
    box.day.setDate(box.day.date().addDays(3))
    assert box.day.date() == box.day.maximumDate()


def test_the_5_why_dialog_from_a_complaint(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    cid = complaints.record_complaint(
        cf.clinic,
        team["cs"],
        complaints.ComplaintInput(
            channel="in_person", complainant="孙先生", content="化验单丢失", department="检验科"
        ),
    ).value.id
    ctx.set_actor(team["cs"])
    dialog = ComplaintDialog(ctx, cid, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=WAIT)
    rc = dialog.do_root_cause()
    assert isinstance(rc, RootCauseDialog)
    assert rc.department.text() == "检验科" and rc.problem.toPlainText() == ""
    assert "24 hour(s)" in rc.facts.text()
    rc.problem.setPlainText("化验单在交接时丢失")
    rc.whys[0].setText("交接时没有签收")
    rc.whys[1].setText("没有规定签收流程")
    rc.root_cause.setPlainText("标本与化验单交接无签收制度")
    rc.save(done=True)  # no actions: refused, nothing half-done shown as done
    settle(qtbot, ctx)
    assert rc.isVisible() and rc.message.is_error
    # The analysis was started (its clock runs from now); the Done was refused.
    started = complaints.root_causes(cf.clinic, team["cs"], status="all")
    assert len(started) == 1 and started[0].status == "open"
    # Saving again updates that analysis; it does not start a second one.
    rc.save()
    settle(qtbot, ctx)
    again = complaints.root_causes(cf.clinic, team["cs"], status="all")
    assert [a.id for a in again] == [started[0].id]
    assert again[0].whys == ("交接时没有签收", "没有规定签收流程")  # saved, the dialog closed
    dialog.close()

    page = open_page(qtbot, ctx, team["cs"])
    panel = page.panels["root_causes"]
    page.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.loads >= 1, timeout=WAIT)
    assert panel.table.item(0, 0).text() == "化验单在交接时丢失"
    assert panel.table.item(0, 4).text() == "2026-11-24 10:00 (1 day(s) left)"
    editor = panel.open_selected()
    assert isinstance(editor, RootCauseDialog)
    assert editor.problem.isReadOnly()  # the problem stays as it was found
    for i, text in enumerate(
        ["交接时没有签收", "没有规定签收流程", "流程由各科自定", "质控小组未覆盖检验科"]
    ):
        editor.whys[i].setText(text)
    editor.root_cause.setPlainText("标本与化验单交接无签收制度")
    editor.actions_edit.setPlainText("制定交接签收单，检验科主任负责，一周内落实")
    editor.resize(760, editor.height())
    shot(editor, "root_cause_en")
    editor.save(done=True)
    settle(qtbot, ctx)
    done = complaints.root_causes(cf.clinic, team["cs"], status="done")
    assert len(done) == 1 and len(done[0].whys) == 4 and done[0].complaint_id == cid


def test_a_root_cause_of_a_complaint_shows_confidential_to_who_may_not_read_it(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    """C6/G5: in the root-cause list, an analysis of a complaint the receptionist may not
    read says "Confidential" in grey, as the complaints list does, with no root cause;
    a problem found without a complaint is shown as written; the owner sees it all."""
    cf = ui_clinic
    cid = complaints.record_complaint(
        cf.clinic,
        team["desk"],
        complaints.ComplaintInput(channel="in_person", complainant="吴先生", content="收费有误"),
    ).value.id
    quoted = complaints.start_root_cause(
        cf.clinic, cf.director, problem="吴先生说收费员多收了钱", complaint_id=cid
    ).value.id
    complaints.save_root_cause(
        cf.clinic, cf.director, quoted, whys=["收费员未核对"], root_cause="无复核",
        actions="加复核",
    )
    complaints.start_root_cause(cf.clinic, team["li"], problem="候诊区空调故障")

    def rows(actor: Actor) -> dict[str, tuple[str, str, str]]:
        page = open_page(qtbot, ctx, actor)
        panel = page.panels["root_causes"]
        assert isinstance(panel, RootCausesPanel)
        page.tabs.setCurrentWidget(panel)
        qtbot.waitUntil(lambda: panel.loads >= 1, timeout=WAIT)
        found = {}
        for r in range(panel.table.rowCount()):
            problem, number, cause = (panel.table.item(r, c) for c in (0, 1, 5))
            assert problem is not None and number is not None and cause is not None
            found[number.text() or problem.text()] = (
                problem.text(), cause.text(), problem.foreground().color().name()
            )
        page.close()
        return found

    number = complaints.complaint(cf.clinic, cf.director, cid).number
    stranger = rows(team["desk2"])
    assert stranger[number][:2] == ("Confidential", "")
    assert stranger[number][2] == QColor(GREY).name()
    assert stranger["候诊区空调故障"][0] == "候诊区空调故障"
    owner = rows(team["desk"])
    assert owner[number][:2] == ("吴先生说收费员多收了钱", "无复核")


def test_the_director_is_told_of_a_serious_complaint_at_sign_in(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    serious = complaints.record_complaint(
        cf.clinic,
        team["cs"],
        complaints.ComplaintInput(
            channel="phone",
            complainant="周女士",
            content="孩子输液后起皮疹，护士没有及时处理",
            severity="serious",
        ),
    ).value
    window = MainWindow(ctx, clock=cf.clock)
    qtbot.addWidget(window)
    window.show()
    window.signin.login_edit.setText("wang.li")
    window.signin.password_edit.setText(DIRECTOR_PASSWORD)
    qtbot.mouseClick(window.signin.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.findChild(EscalationNotice) is not None, timeout=WAIT)
    notice = window.findChild(EscalationNotice)
    assert notice is not None and notice.isVisible()
    assert notice.intro.text() == "1 serious complaint(s) escalated to you"
    assert notice.table.item(0, 0).text() == serious.number
    assert "孩子输液后起皮疹" in notice.table.item(0, 3).text()
    opened = notice.open_selected()
    assert isinstance(opened, ComplaintDialog)
    qtbot.waitUntil(lambda: opened.view is not None, timeout=WAIT)
    assert "escalated to the director" in opened.notice.text()
    opened.close()
    notice.mark_seen()
    qtbot.waitUntil(lambda: not notice.items, timeout=WAIT)
    settle(qtbot, ctx)
    assert complaints.escalations_to_see(cf.clinic, cf.director) == []
    view = complaints.complaint(cf.clinic, cf.director, serious.id)
    assert view.escalation_seen_at is not None
    # Seen: the next sign-in brings no notice.
    window.lock()
    settle(qtbot, ctx)
    window.signin.password_edit.setText(DIRECTOR_PASSWORD)
    qtbot.mouseClick(window.signin.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.ctx.actor is not None, timeout=WAIT)
    settle(qtbot, ctx)
    assert not [n for n in window.findChildren(EscalationNotice) if n.isVisible()]


def test_a_doctor_signing_in_gets_no_notice(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    complaints.record_complaint(
        cf.clinic,
        team["cs"],
        complaints.ComplaintInput(
            channel="phone", complainant="周女士", content="x", severity="serious"
        ),
    )
    window = MainWindow(ctx, clock=cf.clock)
    qtbot.addWidget(window)
    window._signed_in(team["li"])
    settle(qtbot, ctx)
    assert window.findChild(EscalationNotice) is None


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_screenshots(
    qtbot: Any,
    ctx: AppContext,
    ui_clinic: ClinicFixture,
    team: dict[str, Any],
    language: str,
) -> None:
    """The list, a complaint mid-way, the suggestion box and the 5-Why dialog: looked at."""
    cf = ui_clinic
    install_language(language)
    try:
        cs = team["cs"]
        first = complaints.record_complaint(
            cf.clinic,
            cs,
            complaints.ComplaintInput(
                channel="phone",
                complainant="王女士",
                contact="13800001111",
                patient_id=team["ouyang"],
                department="内科",
                staff_concerned="李医生",
                staff_concerned_id=team["li"].staff_id,
                content="候诊等了两个小时，医生问诊不到五分钟就开药，没有解释用药注意事项。",
            ),
        ).value.id
        complaints.record_complaint(
            cf.clinic,
            team["desk"],
            complaints.ComplaintInput(
                channel="in_person",
                complainant="赵先生",
                content="收费处多收了 30 元",
                department="收费处",
                severity="serious",
            ),
        )
        complaints.record_suggestion_box(
            cf.clinic,
            cs,
            cf.clinic.today(),
            [complaints.ComplaintInput(channel="suggestion_box", content="厕所没有卫生纸 🧻")],
        )
        cf.clock.advance(minutes=40)
        complaints.accept(cf.clinic, cs, first)
        complaints.record_contact(cf.clinic, cs, first, note="电话致歉，约定明天答复")
        complaints.record_answer(cf.clinic, cs, first, response="经查属实，已与李医生沟通")
        complaints.set_rectification(
            cf.clinic,
            cs,
            first,
            action="门诊问诊不少于十分钟，用药须交代注意事项",
            owner_id=team["li"].staff_id,
            due=date(2026, 12, 8),
        )
        cf.clock.advance(hours=2)
        page = open_page(qtbot, ctx, cs)
        panel = page.complaints
        assert isinstance(panel, ComplaintsPanel)
        panel.status.setCurrentIndex(combo_index(panel.status, "all"))
        qtbot.waitUntil(lambda: len(panel.items) == 3, timeout=WAIT)
        shot(page, f"complaints_list_{language}")
        dialog = ComplaintDialog(ctx, first, None)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.view is not None, timeout=WAIT)
        settle(qtbot, ctx)
        shot(dialog, f"complaint_detail_{language}")
        dialog.close()
        box = SuggestionBoxDialog(ctx)
        qtbot.addWidget(box)
        box.show()
        box.set_note(0, content="厕所没有卫生纸", department="门诊")
        box.set_note(1, content="希望周末也能抽血 🙏", contact="13600003333")
        box.set_note(2, content="护士很耐心，表扬", complainant="张阿姨")
        shot(box, f"suggestion_box_{language}")
        box.close()
        rc = RootCauseDialog(ctx, None, None, complaint_id=first, department="内科")
        qtbot.addWidget(rc)
        rc.show()
        rc.problem.setPlainText("门诊问诊时间过短，患者不了解用药")
        for i, text in enumerate(["医生上午接诊量过大", "预约号源放得太多", "号源按旧排班设置"]):
            rc.whys[i].setText(text)
        rc.root_cause.setPlainText("号源未随医生人数调整")
        rc.actions_edit.setPlainText("按实际排班重设号源，客服主管负责，本周内完成")
        rc.resize(760, rc.sizeHint().height())
        shot(rc, f"root_cause_{language}")
        rc.close()
    finally:
        install_language("en")

"""Settings → Follow-up plans and Message templates (issue 9; spec E1, A5, E7), against a
real encrypted clinic. The fake clock is Monday 2026-11-23 10:00 Asia/Shanghai."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QSpinBox

from clinic_desk.core.errors import PermissionDenied
from clinic_desk.core.outbox import templates
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import followups, outbox, settings, staff
from clinic_desk.core.services.base import Actor
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.common import combo_index
from clinic_desk.ui.settings.followup_plans_tab import FollowupPlansTab
from clinic_desk.ui.settings.page import SettingsPage
from clinic_desk.ui.settings.templates_tab import (
    MessageTemplatesTab,
    sms_length_text,
    sms_parts,
)
from tests.conftest import ClinicFixture

WAIT = 10_000


def _staff(cf: ClinicFixture, login: str, name: str, role: Role) -> Actor:
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=name, role=role, password="some-pass-123"
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


def settle(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    """Until every service call and the calls its answer started have been answered."""
    for _ in range(3):
        qtbot.waitUntil(lambda: not ctx.runner._running, timeout=WAIT)
        qtbot.wait(20)


def plans_tab(qtbot, ctx: AppContext, actor: Actor) -> FollowupPlansTab:  # type: ignore[no-untyped-def]
    ctx.set_actor(actor)
    tab = FollowupPlansTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    qtbot.waitUntil(lambda: tab.loads >= 1, timeout=WAIT)
    return tab


def templates_tab(qtbot, ctx: AppContext, actor: Actor) -> MessageTemplatesTab:  # type: ignore[no-untyped-def]
    ctx.set_actor(actor)
    tab = MessageTemplatesTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    qtbot.waitUntil(lambda: tab.loads >= 1, timeout=WAIT)
    return tab


def choose(tab: FollowupPlansTab, category: str) -> None:
    for row in range(tab.categories.count()):
        if tab.categories.item(row).data(Qt.ItemDataRole.UserRole) == category:
            tab.categories.setCurrentRow(row)
            return
    raise AssertionError(category)


def stored_plan(cf: ClinicFixture, category: str) -> followups.PlanView:
    return next(p for p in followups.list_plans(cf.clinic, cf.director) if p.category == category)


# -- follow-up plans ------------------------------------------------------------------------


def test_every_category_is_listed_with_the_shipped_steps(qtbot, ui_clinic, ctx) -> None:
    tab = plans_tab(qtbot, ctx, ui_clinic.director)
    shown = [tab.categories.item(i).text() for i in range(tab.categories.count())]
    assert len(shown) == len(followups.DEFAULT_PLANS)
    assert "Chronic condition, discharged" in shown
    choose(tab, "inpatient_surgery")
    assert [e.step().after_days for e in tab.editors] == [1, 7, 30, 90]
    assert [e.step().within_days for e in tab.editors] == [1, 2, 5, 7]
    assert tab.title.text() == "Inpatient surgery"
    assert tab.state.text() == "The shipped default plan."
    choose(tab, "chronic_discharge")
    steps = tab.steps()
    assert [(s.level, s.caller, s.checks_previous) for s in steps] == [
        (1, "nurse", False),
        (2, "doctor", False),
        (3, "customer_service", True),
    ]
    caller = tab.table.cellWidget(2, 3)
    assert isinstance(caller, QComboBox) and caller.currentText() == "Customer service"
    assert not tab.sample_box.isVisible()
    # "Everyone else" is a random sample: the percentage shows with its plan.
    choose(tab, "other")
    assert tab.sample_box.isVisible() and tab.sample_spin.value() == 10
    assert "Follow-ups already on the list keep their dates" in tab.explain.text()


def test_edit_a_step_and_save_then_restore_the_default(qtbot, ui_clinic, ctx) -> None:
    tab = plans_tab(qtbot, ctx, ui_clinic.director)
    choose(tab, "chronic")
    assert not tab.save_button.isEnabled()  # nothing changed yet
    after = tab.table.cellWidget(0, 0)
    assert isinstance(after, QSpinBox)
    after.setValue(5)
    channel = tab.table.cellWidget(0, 2)
    assert isinstance(channel, QComboBox)
    channel.setCurrentIndex(combo_index(channel, "wechat"))
    assert tab.changed and tab.save_button.isEnabled()
    assert tab.state.text() == "Changed here, not saved yet."
    tab.add_step()
    assert tab.steps()[-1].after_days == 5 + 4  # starts where the last window ends
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Saved." in tab.message.text(), timeout=WAIT)
    plan = stored_plan(ui_clinic, "chronic")
    assert [(s.after_days, s.within_days, s.channel) for s in plan.steps] == [
        (5, 4, "wechat"),
        (9, 4, "wechat"),
    ]
    assert not plan.is_default
    assert tab.categories.currentItem().text() == "Chronic condition (changed)"
    assert tab.state.text() == "Changed by the clinic."

    tab.confirm_restore = lambda: True  # type: ignore[method-assign]
    qtbot.mouseClick(tab.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "default plan is back" in tab.message.text(), timeout=WAIT)
    assert stored_plan(ui_clinic, "chronic").is_default
    assert [(s.after_days, s.within_days) for s in tab.steps()] == [(3, 4)]
    assert tab.categories.currentItem().text() == "Chronic condition"


def test_a_plan_without_steps_is_refused_with_the_services_sentence(qtbot, ui_clinic, ctx) -> None:
    tab = plans_tab(qtbot, ctx, ui_clinic.director)
    choose(tab, "cold")
    tab.table.selectRow(0)
    tab.remove_step()
    assert tab.steps() == []
    tab.save()
    qtbot.waitUntil(lambda: tab.message.is_error, timeout=WAIT)
    assert tab.message.text() == (
        "A plan needs at least one step. Add a step, or switch the plan off instead."
    )
    assert stored_plan(ui_clinic, "cold").is_default  # nothing written
    # Switching the plan off is how a clinic stops a category's follow-ups.
    tab.add_step()
    active = tab.active
    assert isinstance(active, QCheckBox)
    active.setChecked(False)
    tab.save()
    qtbot.waitUntil(lambda: "Saved." in tab.message.text(), timeout=WAIT)
    assert not stored_plan(ui_clinic, "cold").active


def test_leaving_unsaved_changes_asks_first(qtbot, ui_clinic, ctx) -> None:
    tab = plans_tab(qtbot, ctx, ui_clinic.director)
    choose(tab, "chronic")
    tab.editors[0].within.setValue(9)
    answers = iter([False, True])
    tab.confirm_discard = lambda: next(answers)  # type: ignore[method-assign]
    choose(tab, "cold")
    assert tab.category == "chronic" and tab.editors[0].within.value() == 9  # kept
    assert tab.categories.currentItem().data(Qt.ItemDataRole.UserRole) == "chronic"
    choose(tab, "cold")
    assert tab.category == "cold" and not tab.changed
    assert stored_plan(ui_clinic, "chronic").is_default


def test_sample_percent_saved_with_the_other_plan(qtbot, ui_clinic, ctx) -> None:
    tab = plans_tab(qtbot, ctx, ui_clinic.director)
    choose(tab, "other")
    tab.sample_spin.setValue(25)
    tab.save()
    qtbot.waitUntil(lambda: "Saved." in tab.message.text(), timeout=WAIT)
    assert ui_clinic.clinic.setting("followup.random_sample_percent") == 25
    assert stored_plan(ui_clinic, "other").sampled_percent == 25


def test_a_doctor_reads_the_plans_and_the_service_refuses_changes(qtbot, ui_clinic, ctx) -> None:
    doctor = _staff(ui_clinic, "li.doc", "李医生", Role.DOCTOR)
    tab = plans_tab(qtbot, ctx, doctor)
    choose(tab, "inpatient_surgery")
    assert len(tab.editors) == 4
    assert all(not w.isEnabled() for e in tab.editors for w in e.widgets())
    assert not tab.save_button.isVisible() and not tab.add_button.isVisible()
    assert tab.readonly_note.isVisible()
    with pytest.raises(PermissionDenied):
        followups.save_plan(ui_clinic.clinic, doctor, "cold", stored_plan(ui_clinic, "cold").steps)


def test_the_settings_page_offers_both_tabs_and_retranslates(qtbot, ui_clinic, ctx) -> None:
    ctx.set_actor(ui_clinic.director)
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    assert page.plans_tab is not None and page.templates_tab is not None
    titles = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert "Follow-up plans" in titles and "Message templates" in titles
    settle(qtbot, ctx)


# -- message templates ----------------------------------------------------------------------


def choose_template(tab: MessageTemplatesTab, code: str) -> None:
    for row in range(tab.list.count()):
        if tab.list.item(row).data(Qt.ItemDataRole.UserRole) == code:
            tab.list.setCurrentRow(row)
            return
    raise AssertionError(code)


def test_preview_fills_a_sample_patient_and_counts_sms(qtbot, ui_clinic, ctx) -> None:
    settings.update_settings(
        ui_clinic.clinic, ui_clinic.director, {"clinic.phone": "0571-8888 6666"}
    )
    tab = templates_tab(qtbot, ctx, ui_clinic.director)
    names = [tab.list.item(i).text() for i in range(tab.list.count())]
    assert names == [
        "Appointment reminder, a week before",
        "After the visit: advice and revisit",
        "Missed appointment",
        "Health reminder (campaign)",
        "Membership renewal, before it ends",
    ]
    choose_template(tab, "reminder_week")
    text = tab.preview.text()
    # 张女士, tomorrow (Tuesday 24 November) at 09:30, signed by the clinic.
    assert text.startswith("张女士，您好！")
    assert "11月24日（星期二）上午9:30" in text and "0571-8888 6666" in text
    assert text.endswith("【仁和诊所】")
    assert tab.preview_subject.text() == "Subject: 仁和诊所：就诊提醒"
    assert tab.length.text() == sms_length_text(text)
    assert f"{len(text)} characters" in tab.length.text()
    # The reminder may use the appointment's placeholders; advice after a visit may not.
    assert tab.placeholders.buttons["date"].isVisibleTo(tab)
    choose_template(tab, "followup_advice")
    assert not tab.placeholders.buttons["date"].isVisibleTo(tab)
    assert tab.placeholders.buttons["honorific"].isVisibleTo(tab)


def test_sms_length_rules() -> None:
    assert sms_parts("") == 0
    assert sms_parts("字" * 70) == 1
    assert sms_parts("字" * 71) == 2
    assert sms_parts("字" * 134) == 2
    assert sms_parts("字" * 135) == 3
    assert sms_length_text("字" * 70) == "70 characters: 1 SMS."
    assert "3 SMS joined together" in sms_length_text("a" * 135)
    assert "too long for an SMS" in sms_length_text("x" * (templates.MAX_SMS_CHARS + 1))


def test_bad_placeholder_is_refused_with_the_sentence_shown(qtbot, ui_clinic, ctx) -> None:
    tab = templates_tab(qtbot, ctx, ui_clinic.director)
    choose_template(tab, "followup_advice")
    # Typed by hand: a placeholder ClinicDesk cannot fill (never a diagnosis).
    tab.body.setPlainText("{honorific}，您的诊断是{diagnosis}。【{clinic}】")
    assert tab.problem.is_error
    assert "uses {diagnosis}, which ClinicDesk cannot fill" in tab.problem.text()
    assert tab.preview.text() == ""
    # The date exists, but this kind of message is not about an appointment.
    tab.body.setPlainText("{honorific}，{date}见。")
    assert "has no {date} to fill" in tab.problem.text()
    # The service says the same when asked to save it anyway.
    tab.save()
    qtbot.waitUntil(lambda: not tab.busy, timeout=WAIT)
    settle(qtbot, ctx)
    assert "has no {date} to fill" in tab.problem.text()
    assert next(
        t
        for t in outbox.list_templates(ui_clinic.clinic, ui_clinic.director)
        if t.code == "followup_advice"
    ).is_default
    # Empty, and a start a spreadsheet would run as a formula.
    tab.body.setPlainText("")
    assert "is empty" in tab.problem.text()
    tab.body.setPlainText("=1+1")
    assert "formula" in tab.problem.text()
    tab.body.setPlainText("{honorific")
    assert "lone" in tab.problem.text()


def test_save_cjk_and_emoji_then_restore_default(qtbot, ui_clinic, ctx) -> None:
    tab = templates_tab(qtbot, ctx, ui_clinic.director)
    choose_template(tab, "campaign")
    body = "{honorific}，冬季注意保暖 🧣，多喝温水。【{clinic}】"
    tab.body.setPlainText(body)
    tab.name.setText("冬季提醒 ❄")
    assert not tab.problem.is_error
    assert tab.preview.text() == "张女士，冬季注意保暖 🧣，多喝温水。【仁和诊所】"
    tab.save()
    qtbot.waitUntil(lambda: "Saved." in tab.message.text(), timeout=WAIT)
    stored = next(
        t
        for t in outbox.list_templates(ui_clinic.clinic, ui_clinic.director)
        if t.code == "campaign"
    )
    assert (stored.body, stored.name, stored.is_default) == (body, "冬季提醒 ❄", False)
    assert tab.list.currentItem().text() == "冬季提醒 ❄ (changed)"
    tab.confirm_restore = lambda: True  # type: ignore[method-assign]
    tab.restore_default()
    qtbot.waitUntil(lambda: "default wording is back" in tab.message.text(), timeout=WAIT)
    assert tab.body.toPlainText() == templates.default_template("campaign", "zh_CN").body
    assert not tab.changed and tab.state.text() == "The shipped wording."


def test_customer_service_reads_templates_only(qtbot, ui_clinic, ctx) -> None:
    service = _staff(ui_clinic, "kf", "客服小李", Role.CUSTOMER_SERVICE)
    tab = templates_tab(qtbot, ctx, service)
    assert tab.body.isReadOnly() and not tab.save_button.isVisible()
    assert tab.readonly_note.isVisible()
    assert tab.preview.text().startswith("张女士")
    with pytest.raises(PermissionDenied):
        outbox.save_template(
            ui_clinic.clinic, service, "campaign", name="x", subject="", body="{honorific}"
        )

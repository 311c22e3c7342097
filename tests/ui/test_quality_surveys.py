"""The surveys tab and the survey call (issue 10; spec G1).

Draw the week's sample, print and type in forms, read the results, edit the
questionnaire, and record a survey call through the call dialog. Everything
runs against a real clinic; only the system print preview is replaced. The
fake clock is Monday 2026-11-23 10:00 Asia/Shanghai.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QApplication

from clinic_desk.core.services import followups, surveys
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.followups.call_dialog import CallDialog
from clinic_desk.ui.i18n import install_language
from clinic_desk.ui.patients.common import combo_index
from clinic_desk.ui.printing import preview
from clinic_desk.ui.quality.surveys import SurveysPanel
from tests.conftest import ClinicFixture
from tests.ui.test_followups_page import WAIT, finish_visit, make_team, settle
from tests.ui.test_quality_dashboard import shot

MONDAY = date(2026, 11, 23)


@pytest.fixture
def team(ui_clinic: ClinicFixture) -> dict[str, Any]:
    team = make_team(ui_clinic)
    finish_visit(ui_clinic, team["li"], team["zhang"], "chronic")
    finish_visit(ui_clinic, team["zhao"], team["ouyang"], "cold")
    return team


@pytest.fixture
def printed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, str, str | None]]:
    shown: list[tuple[bytes, str, str | None]] = []

    def fake_preview(_parent: Any, pdf: bytes, *, title: str, save_name: str | None = None) -> bool:
        shown.append((pdf, title, save_name))
        return False

    monkeypatch.setattr(preview, "preview_and_print_pdf", fake_preview)
    return shown


def open_panel(qtbot: Any, ctx: AppContext, actor: Any) -> SurveysPanel:
    ctx.set_actor(actor)
    panel = SurveysPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1200, 780)
    panel.show()
    qtbot.waitUntil(lambda: panel.loads >= 1, timeout=WAIT)
    settle(qtbot, ctx)
    return panel


def draw(qtbot: Any, ctx: AppContext, panel: SurveysPanel, mode: str) -> surveys.WeekDraw:
    panel.mode.setCurrentIndex(panel.mode.findData(mode))
    panel.draw_button.click()
    qtbot.waitUntil(lambda: bool(panel.message.text()), timeout=WAIT)
    settle(qtbot, ctx)
    assert not panel.message.is_error, panel.message.text()
    assert panel.draw is not None
    return panel.draw


def cell(panel: SurveysPanel, row: int, column: int) -> str:
    item = panel.samples.item(row, column)
    return item.text() if item is not None else ""


def test_draw_print_and_type_in_a_form(
    qtbot: Any,
    ctx: AppContext,
    ui_clinic: ClinicFixture,
    team: dict[str, Any],
    printed: list[Any],
) -> None:
    cf = ui_clinic
    panel = open_panel(qtbot, ctx, team["cs"])
    # It opens on the last finished week; this week's patients are drawn a week early here.
    assert panel.week_start() == MONDAY - timedelta(days=7)
    panel.step_week(7)
    assert panel.week_start() == MONDAY and panel.week_span.text() == "2026-11-23 to 2026-11-29"
    assert panel.summary.text() == "Not drawn yet for this week."
    drawn = draw(qtbot, ctx, panel, "form")
    # 2 patients seen, 10 %: at least one is drawn.
    assert drawn.patients_seen == 2 and len(drawn.drawn) == 1
    assert panel.message.text() == "Drew 1 of 2 patients seen (10 %)."
    sample = drawn.drawn[0]
    assert panel.samples.rowCount() == 1
    assert cell(panel, 0, 0) == sample.patient_name
    assert cell(panel, 0, 5) == "Drawn" and cell(panel, 0, 6) == sample.code
    assert panel.summary.text().startswith("Patients seen: 2. Drawn: 1 (10 %), asked by Printed")
    # Drawing again keeps the same sample.
    assert draw(qtbot, ctx, panel, "form").drawn == drawn.drawn

    panel.print_forms()
    qtbot.waitUntil(lambda: bool(printed), timeout=WAIT)
    pdf, title, save_name = printed[0]
    assert title == "Satisfaction survey forms" and save_name == "survey-forms-2026-11-23.pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert sample.code in text

    dialog = panel.enter_form()
    assert dialog is not None
    assert set(dialog.answers.scales) == {"overall", "doctor", "staff", "waiting", "environment"}
    assert set(dialog.answers.texts) == {"improve"}
    dialog.code.setText(sample.code.lower().replace("-", " "))  # typed loosely
    dialog.answers.scales["overall"].set_value("5")
    dialog.answers.scales["waiting"].set_value("2")
    dialog.answers.texts["improve"].setPlainText("希望增加周末门诊 🙏")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=WAIT)
    settle(qtbot, ctx)
    assert panel.message.text() == "The form's answers are saved."
    assert cell(panel, 0, 5) == "Answered"
    rows = surveys.survey_results(cf.clinic, cf.director, MONDAY, MONDAY, by="question")
    assert {r.key: r.answers for r in rows} == {"overall": 1, "waiting": 1}
    # The results table (this month, by question) shows the same.
    qtbot.waitUntil(lambda: panel.results_table.rowCount() == 2, timeout=WAIT)
    shown = {
        panel.results_table.item(r, 0).text(): panel.results_table.item(r, 5).text()
        for r in range(2)
    }
    words = dict(followups.SATISFACTION_QUESTIONS)
    assert shown == {words["overall"]: "100.0 %", words["waiting"]: "0.0 %"}
    loads = panel.result_loads
    panel.by.setCurrentIndex(panel.by.findData("doctor"))
    qtbot.waitUntil(lambda: panel.result_loads > loads, timeout=WAIT)
    assert panel.results_table.horizontalHeaderItem(0).text() == "Doctor"
    assert panel.results_table.item(0, 0).text() == sample.doctor_name


def test_a_returned_form_with_bad_input_is_refused(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    panel = open_panel(qtbot, ctx, team["cs"])
    dialog = panel.enter_form()
    assert dialog is not None
    dialog.save()  # nothing ticked
    assert dialog.message.text() == "Enter at least one answer from the form."
    dialog.answers.scales["overall"].set_value("4")
    for code, words in (("ZZZZ", "8 letters and digits"), ("0000-0000", "")):
        dialog.code.setText(code)
        dialog.save()
        qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
        settle(qtbot, ctx)
        assert dialog.message.is_error and dialog.message.text().endswith(".")
        assert words in dialog.message.text()
        assert dialog.result_value is None and dialog.isVisible()
    assert surveys.survey_results(cf.clinic, cf.director, MONDAY, MONDAY) == []
    dialog.answers.texts["improve"].setPlainText("很" * 5000)
    dialog.code.setText("")
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
    settle(qtbot, ctx)
    assert dialog.message.is_error and "4000" in dialog.message.text()
    assert surveys.survey_results(cf.clinic, cf.director, MONDAY, MONDAY) == []


def test_a_caller_types_in_forms_but_does_not_draw(
    qtbot: Any, ctx: AppContext, team: dict[str, Any]
) -> None:
    panel = open_panel(qtbot, ctx, team["li"])  # a doctor works calls, runs no survey
    assert not panel.draw_button.isVisible() and not panel.samples.isVisible()
    assert not panel.results_box.isVisible() and not panel.edit_button.isVisible()
    assert panel.enter_button.isEnabled() and not panel.message.is_error


def test_a_survey_call_records_the_answers(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    drawn = surveys.draw_week(cf.clinic, team["cs"], MONDAY, mode="call").value
    sample = drawn.drawn[0]
    assert sample.task_id is not None
    ctx.set_actor(team["cs"])
    dialog = CallDialog(ctx, sample.task_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.survey_form is not None, timeout=WAIT)
    settle(qtbot, ctx)
    script = dialog.script_text.text()
    assert "may I ask you a few questions?" in script
    assert "Thank you very much" in script and "<b>" in script  # the honorific, in bold
    dialog.outcome_buttons["reached"].click()
    assert dialog.survey_box.isVisible() and dialog.survey_box.isEnabled()
    assert not any(row.isVisible() for row in dialog.satisfaction.values())
    assert not dialog.recovery.isVisible()
    form = dialog.survey_form
    assert set(form.scales) == {"overall", "doctor", "staff", "waiting", "environment"}
    form.scales["overall"].set_value("4")
    form.scales["doctor"].set_value("5")
    form.texts["improve"].setPlainText("停车难 🚗")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=WAIT)
    settle(qtbot, ctx)
    assert not dialog.message.is_error, dialog.message.text()
    after = surveys.week_samples(cf.clinic, cf.director, MONDAY).drawn[0]
    assert after.status == "answered"
    rows = surveys.survey_results(cf.clinic, cf.director, MONDAY, MONDAY)
    assert {r.key: (r.answers, r.satisfied) for r in rows} == {
        "overall": (1, 1),
        "doctor": (1, 1),
    }
    opened = surveys.open_answers(cf.clinic, cf.director, MONDAY, MONDAY)
    assert [t for _d, _dep, t in opened] == ["停车难 🚗"]


def test_a_survey_call_reached_without_answers_is_refused(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    sample = surveys.draw_week(cf.clinic, team["cs"], MONDAY, mode="call").value.drawn[0]
    assert sample.task_id is not None
    ctx.set_actor(team["cs"])
    dialog = CallDialog(ctx, sample.task_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.survey_form is not None, timeout=WAIT)
    dialog.outcome_buttons["reached"].click()
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
    settle(qtbot, ctx)
    assert dialog.message.is_error and dialog.message.text().endswith(".")
    assert dialog.result_value is None
    assert surveys.week_samples(cf.clinic, cf.director, MONDAY).drawn[0].status == "drawn"


def test_the_questionnaire_editor(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    panel = open_panel(qtbot, ctx, cf.director)
    dialog = panel.edit_questionnaires()
    assert dialog is not None
    assert dialog.current() is not None and dialog.table.rowCount() == 6
    # A saved key is shown but cannot be edited.
    assert dialog.table.item(0, 0).text() == "overall"
    assert not dialog.table.item(0, 0).flags() & dialog.table.item(0, 0).flags().ItemIsEditable
    dialog.add_row("parking", "scale", "停车方便吗？🚗", saved=False)
    dialog.table.setCurrentCell(dialog.table.rowCount() - 1, 2)
    dialog.move_row(-1)  # above the open question
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
    settle(qtbot, ctx)
    assert not dialog.message.is_error, dialog.message.text()
    saved = next(
        q
        for q in surveys.questionnaires(cf.clinic, cf.director)
        if q.id == surveys.DEFAULT_QUESTIONNAIRE_ID
    )
    assert [i.key for i in saved.items][-2:] == ["parking", "improve"]
    assert saved.items[-2].text == "停车方便吗？🚗"
    # Unchanged default items keep their source words (translated on screen).
    assert saved.items[0].text == surveys.DEFAULT_QUESTIONNAIRE.items[0].text
    # A bad key is refused with the service's sentence.
    dialog.add_row("Bad Key!", "scale", "x", saved=False)
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
    assert dialog.message.is_error and dialog.message.text().endswith(".")
    # A new questionnaire: only open questions is refused.
    dialog.which.setCurrentIndex(combo_index(dialog.which, None))
    assert dialog.table.rowCount() == 0
    dialog.name.setText("门诊半年调查")
    dialog.add_row("comment", "open", "您的意见", saved=False)
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
    assert dialog.message.is_error


def test_survey_screenshots(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    panel = open_panel(qtbot, ctx, team["cs"])
    draw(qtbot, ctx, panel, "call")
    surveys.record_response(
        cf.clinic,
        cf.director,
        questionnaire_id=surveys.DEFAULT_QUESTIONNAIRE_ID,
        answers=[surveys.AnswerInput("overall", 5), surveys.AnswerInput("waiting", 3)],
        doctor_id=team["li"].staff_id,
        answered_on=MONDAY,
    )
    call_sample = surveys.week_samples(cf.clinic, team["cs"], MONDAY)
    try:
        for language in ("en", "zh_CN"):
            assert install_language(language)
            QApplication.processEvents()
            panel.reload()
            panel.reload_results()
            settle(qtbot, ctx)
            shot(panel, f"surveys_{language}")
            dialog = panel.enter_form()
            assert dialog is not None
            dialog.answers.scales["overall"].set_value("4")
            shot(dialog, f"survey_form_entry_{language}")
            dialog.reject()
            task_id = next((s.task_id for s in call_sample.drawn if s.task_id is not None), None)
            if task_id is not None:
                call = CallDialog(ctx, task_id)
                qtbot.addWidget(call)
                call.show()
                qtbot.waitUntil(lambda: call.survey_form is not None, timeout=WAIT)  # noqa: B023
                call.outcome_buttons["reached"].click()
                call.survey_form.scales["overall"].set_value("5")
                shot(call, f"call_dialog_survey_{language}")
                call.reject()
    finally:
        install_language("en")
        QApplication.processEvents()

"""What the main window reads when someone signs in (issue 12 review: memory).

Signing in builds every page the person may open, tabs included. The outbox's
counts and the week's survey sample read whole tables (on the 5-year clinic
~110 and ~130 MiB of SQLCipher page cache, ~1 s each): they load when their tab
is first shown, not at every sign-in, and a change while hidden waits for the
tab too. Real clinic, real main window, real sign-in through the window.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from clinic_desk.core.services import outbox, patients
from clinic_desk.core.services import settings as settings_service
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.followups.outbox import OutboxPanel
from clinic_desk.ui.followups.page import FollowupsPage
from clinic_desk.ui.quality.page import QualityPage
from clinic_desk.ui.quality.surveys import SurveysPanel
from clinic_desk.ui.shell.main_window import MainWindow
from tests.conftest import DIRECTOR_PASSWORD, ClinicFixture

WAIT = 20_000


def settle(qtbot: Any, ctx: AppContext) -> None:
    for _ in range(3):
        qtbot.waitUntil(lambda: not ctx.runner._running, timeout=WAIT)
        qtbot.wait(50)


def test_hidden_outbox_and_survey_tabs_load_when_first_shown(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture
) -> None:
    """Issue 12 review (memory at sign-in; spec G1 outbox, F7 surveys): after the
    director signs in nothing has loaded the outbox or the survey week; opening each
    tab loads it; a change while the tab is hidden reloads it only when shown again."""
    window = MainWindow(ctx, clock=ui_clinic.clock)
    qtbot.addWidget(window)
    window.show()
    window.signin.login_edit.setText("wang.li")
    window.signin.password_edit.setText(DIRECTOR_PASSWORD)
    qtbot.mouseClick(window.signin.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctx.actor is not None, timeout=WAIT)
    settle(qtbot, ctx)

    followups_page = window.pages["followups"]
    quality_page = window.pages["quality"]
    assert isinstance(followups_page, FollowupsPage)
    assert isinstance(quality_page, QualityPage)
    outbox_panel = followups_page.outbox
    surveys_panel = quality_page.panels["surveys"]
    assert isinstance(outbox_panel, OutboxPanel)
    assert isinstance(surveys_panel, SurveysPanel)
    assert (outbox_panel.loads, surveys_panel.loads) == (0, 0)

    window.show_feature("followups")
    followups_page.tabs.setCurrentWidget(outbox_panel)
    qtbot.waitUntil(lambda: outbox_panel.loads >= 1, timeout=WAIT)
    assert outbox_panel.data is not None
    assert outbox_panel.data.counts["queued"] == 0

    window.show_feature("quality")
    quality_page.tabs.setCurrentWidget(surveys_panel)
    qtbot.waitUntil(lambda: surveys_panel.loads >= 1, timeout=WAIT)
    settle(qtbot, ctx)

    # A message queued while the outbox tab is hidden: no load until it is shown.
    clinic, director = ui_clinic.clinic, ui_clinic.director
    settings_service.update_settings(clinic, director, {"clinic.phone": "0571-8888 6666"})
    patient = patients.register_patient(
        clinic,
        director,
        family_name="张",
        given_name="丽",
        sex="F",
        phone="13812340001",
        contact_channels=("sms",),
    ).value
    written = outbox.queue_message(clinic, director, patient.id, template_code="followup_advice")
    ctx.broadcast(written.changes)
    settle(qtbot, ctx)
    assert outbox_panel.loads == 1
    window.show_feature("followups")
    qtbot.waitUntil(lambda: outbox_panel.loads >= 2, timeout=WAIT)
    assert outbox_panel.data is not None
    assert outbox_panel.data.counts["queued"] == 1

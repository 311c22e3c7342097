"""The daily self-check tab (issue 10; spec G4).

Everyone ticks their role's list; an unticked item needs a note; submitting
again updates. The director sees who is missing and, with SETTINGS_EDIT, edits
each role's list. The fake clock is Monday 2026-11-23 10:00 Asia/Shanghai.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from sqlalchemy import update

from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import surveys
from clinic_desk.core.services.base import Changes, Topic
from clinic_desk.core.store.models import Staff
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import install_language
from clinic_desk.ui.patients.common import combo_index
from clinic_desk.ui.quality.selfcheck import SelfCheckPanel
from tests.conftest import ClinicFixture
from tests.ui.test_followups_page import WAIT, make_staff, settle
from tests.ui.test_quality_dashboard import shot

TODAY = date(2026, 11, 23)


@pytest.fixture
def desk(ui_clinic: ClinicFixture) -> Any:
    actor = make_staff(ui_clinic, "wang.desk", "前台小王", Role.RECEPTIONIST)
    backdate_staff(ui_clinic)
    return actor


def backdate_staff(cf: ClinicFixture) -> None:
    """Accounts are stamped with the wall clock, which may be after the fake clock's day;
    the missing list leaves out days before an account existed, so date them back."""
    with cf.clinic.store.unit_of_work(write=True) as uow:
        uow.session.execute(update(Staff).values(created_at=datetime(2026, 1, 1, tzinfo=UTC)))
        uow.commit()


def open_panel(qtbot: Any, ctx: AppContext, actor: Any) -> SelfCheckPanel:
    ctx.set_actor(actor)
    panel = SelfCheckPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1200, 700)
    panel.show()
    qtbot.waitUntil(lambda: panel.loads >= 1, timeout=WAIT)
    settle(qtbot, ctx)
    return panel


def test_tick_submit_and_update(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, desk: Any
) -> None:
    cf = ui_clinic
    panel = open_panel(qtbot, ctx, desk)
    items = surveys.self_check_lists(cf.clinic, desk)["receptionist"]
    assert [r.item for r in panel.rows] == list(items) and len(items) >= 3
    assert panel.missing is None and panel.editor is None  # a receptionist's view
    assert panel.status.text().startswith("Not submitted yet")
    assert panel.title.text() == "My self-check for 2026-11-23"
    for row in panel.rows:
        row.check.setChecked(True)
    # A quality change elsewhere (a complaint step, a sync round) keeps the unsaved ticks.
    loads = panel.loads
    ctx.broadcast(Changes(frozenset({Topic.QUALITY})))
    settle(qtbot, ctx)
    assert panel.loads == loads and all(r.check.isChecked() for r in panel.rows)
    panel.rows[1].check.setChecked(False)
    assert panel.rows[1].note.isVisible() and not panel.rows[0].note.isVisible()
    panel.submit()  # item 2 unticked, no note
    assert panel.message.is_error
    assert panel.message.text() == "Say what was missed in item 2, or tick it if it was done."
    assert surveys.my_self_check(cf.clinic, desk)[1] is None
    panel.rows[1].note.setText("两位患者没有留电话 📵")
    panel.note.setPlainText("今天很忙")
    panel.submit()
    qtbot.waitUntil(lambda: panel.entry is not None, timeout=WAIT)
    settle(qtbot, ctx)
    assert panel.status.text() == "Submitted at 10:00. You can change it and submit again."
    assert panel.submit_button.text() == "Update"
    entry = surveys.my_self_check(cf.clinic, desk)[1]
    assert entry is not None and entry.note == "今天很忙"
    assert entry.answers[1] == (items[1], False, "两位患者没有留电话 📵")
    # A fresh panel shows what was submitted; ticking it now updates the same entry.
    panel.close()
    again = open_panel(qtbot, ctx, desk)
    assert not again.rows[1].check.isChecked()
    assert again.rows[1].note.text() == "两位患者没有留电话 📵"
    again.rows[1].check.setChecked(True)
    again.submit()
    qtbot.waitUntil(lambda: not again.busy, timeout=WAIT)
    settle(qtbot, ctx)
    entry = surveys.my_self_check(cf.clinic, desk)[1]
    assert entry is not None and all(ok for _i, ok, _n in entry.answers)
    assert all(note == "" for _i, _ok, note in entry.answers)


def test_a_note_too_long_is_refused_by_the_service(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, desk: Any
) -> None:
    panel = open_panel(qtbot, ctx, desk)
    for row in panel.rows:
        row.check.setChecked(True)
    panel.note.setPlainText("很" * 5000)
    panel.submit()
    qtbot.waitUntil(lambda: not panel.busy, timeout=WAIT)
    settle(qtbot, ctx)
    assert panel.message.is_error and panel.message.text().endswith(".")
    assert surveys.my_self_check(ui_clinic.clinic, desk)[1] is None
    assert panel.note.toPlainText() == "很" * 5000  # nothing typed is lost


def test_the_director_sees_who_is_missing_and_edits_the_lists(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, desk: Any
) -> None:
    cf = ui_clinic
    panel = open_panel(qtbot, ctx, cf.director)
    assert panel.missing is not None and panel.editor is not None
    missing = panel.missing
    qtbot.waitUntil(lambda: missing.loads >= 1, timeout=WAIT)
    settle(qtbot, ctx)
    expected = surveys.missing_self_checks(cf.clinic, cf.director, *missing.days())
    assert len(missing.shown) == len(expected)
    names = {missing.table.item(r, 1).text() for r in range(missing.table.rowCount())}
    assert "前台小王" in names
    # Yesterday's is missing; today's is not due before the day's end.
    yesterday = TODAY - timedelta(days=1)
    day_rows = [
        r
        for r in range(missing.table.rowCount())
        if missing.table.item(r, 0).text() == yesterday.isoformat()
        and missing.table.item(r, 1).text() == "前台小王"
    ]
    assert len(day_rows) == 1
    assert missing.table.item(day_rows[0], 2).text() == "Receptionist"
    assert not any(m.day == TODAY for m in missing.shown)
    # The receptionist fills in yesterday's late: the row goes (the panel reloads).
    items = surveys.self_check_lists(cf.clinic, desk)["receptionist"]
    written = surveys.submit_self_check(
        cf.clinic, desk, answers=[(i, True, "") for i in items], day=yesterday
    )
    loads = missing.loads
    ctx.broadcast(written.changes)
    qtbot.waitUntil(lambda: missing.loads > loads, timeout=WAIT)
    assert not any(m.staff_name == "前台小王" and m.day == yesterday for m in missing.shown)

    editor = panel.editor
    qtbot.waitUntil(lambda: editor.loads >= 1, timeout=WAIT)
    editor.role.setCurrentIndex(combo_index(editor.role, "receptionist"))
    assert editor.texts() == list(items)  # unchanged items keep their source words
    editor.add_item()
    editor.items.item(editor.items.count() - 1).setText("收银台已对账 ✅")
    editor.items.setCurrentRow(editor.items.count() - 1)
    editor.move_row(-1)
    editor.save()
    qtbot.waitUntil(lambda: bool(editor.message.text()), timeout=WAIT)
    settle(qtbot, ctx)
    assert not editor.message.is_error, editor.message.text()
    saved = surveys.self_check_lists(cf.clinic, desk)["receptionist"]
    assert saved == (*items[:-1], "收银台已对账 ✅", items[-1])
    # An empty list is refused with the service's sentence; nothing changes.
    editor.items.clear()
    editor.save()
    qtbot.waitUntil(lambda: editor.message.is_error, timeout=WAIT)
    settle(qtbot, ctx)
    assert editor.message.text().endswith(".")
    assert surveys.self_check_lists(cf.clinic, desk)["receptionist"] == saved


def test_selfcheck_screenshots(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, desk: Any
) -> None:
    panel = open_panel(qtbot, ctx, ui_clinic.director)
    assert panel.missing is not None
    qtbot.waitUntil(lambda: panel.missing is not None and panel.missing.loads >= 1, timeout=WAIT)
    settle(qtbot, ctx)
    if panel.rows:
        panel.rows[0].check.setChecked(True)
    qtbot.wait(50)  # the hidden note's room is given back on the next layout pass
    shot(panel, "selfcheck_en")
    try:
        assert install_language("zh_CN")
        QApplication.processEvents()
        settle(qtbot, ctx)
        shot(panel, "selfcheck_zh_CN")
    finally:
        install_language("en")
        QApplication.processEvents()

"""Health reminders (issue 9; spec E7) through the campaign dialog, against a real
encrypted clinic: choose a group, see who gets it and who is skipped and why, start
it, and find one message per patient in the outbox. The fake clock is Monday
2026-11-23 10:00 Asia/Shanghai."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt

from clinic_desk.core.errors import PermissionDenied
from clinic_desk.core.outbox import templates
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import clinical, outbox, patients, staff
from clinic_desk.core.services import settings as settings_service
from clinic_desk.core.services.base import Actor
from clinic_desk.core.services.outbox import CampaignCriteria
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.followups.campaigns import CampaignDialog
from clinic_desk.ui.patients.common import combo_index
from tests.conftest import ClinicFixture

WAIT = 10_000


@pytest.fixture
def group(ui_clinic: ClinicFixture) -> dict[str, uuid.UUID]:
    """Five patients with high blood pressure (one opted out of messages, one with no
    phone or e-mail, one man), and one without it."""
    cf = ui_clinic
    settings_service.update_settings(cf.clinic, cf.director, {"clinic.phone": "0571-8888 6666"})

    def add(
        family: str, given: str, sex: str, born: date, condition: str, **more: Any
    ) -> uuid.UUID:
        pid = patients.register_patient(
            cf.clinic,
            cf.director,
            family_name=family,
            given_name=given,
            sex=sex,
            birth_date=born,
            **more,
        ).value.id
        if condition:
            clinical.add_condition(cf.clinic, cf.director, pid, name=condition)
        return pid

    people = {
        "zhang": add("张", "丽", "F", date(1960, 3, 1), "高血压", phone="13812340001"),
        "li": add("李", "梅", "F", date(1975, 6, 9), "高血压 2级", email="li.mei@example.com"),
        "wang": add("王", "强", "M", date(1958, 1, 2), "高血压", phone="13812340003"),
        "chen": add("陈", "芳", "F", date(1966, 2, 2), "高血压", phone="13812340004"),
        "zhao": add("赵", "敏", "F", date(1970, 5, 5), "高血压"),  # no phone or e-mail
        "sun": add("孙", "兰", "F", date(1962, 7, 7), "", phone="13812340006"),
    }
    patients.set_contact_opt_out(cf.clinic, cf.director, people["chen"], calls=False, messages=True)
    return people


def open_dialog(qtbot, ctx: AppContext, actor: Actor) -> CampaignDialog:  # type: ignore[no-untyped-def]
    ctx.set_actor(actor)
    dialog = CampaignDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loads >= 1 and dialog.previews >= 1, timeout=WAIT)
    return dialog


def counted(qtbot, dialog: CampaignDialog) -> str:  # type: ignore[no-untyped-def]
    before = dialog.previews
    dialog.count_group()
    qtbot.waitUntil(lambda: dialog.previews > before, timeout=WAIT)
    return dialog.count.text()


def test_count_the_group_start_it_and_find_the_messages(qtbot, ui_clinic, ctx, group) -> None:
    dialog = open_dialog(qtbot, ctx, ui_clinic.director)
    # Everyone: six patients, two cannot get it.
    assert dialog.count.text() == (
        "4 patient(s) will get it; 2 skipped (1 asked for no messages; "
        "1 no mobile, e-mail or WeChat)."
    )
    # The shipped campaign wording is where it starts; only the automatic placeholders.
    assert dialog.body.toPlainText() == templates.default_template("campaign", "zh_CN").body
    assert set(dialog.placeholders.buttons) == {"honorific", "clinic", "clinic_phone"}
    dialog.condition.setText("高血压")
    dialog.sex.setCurrentIndex(combo_index(dialog.sex, "F"))
    assert dialog.count.text() == "Counting the patients…"
    assert not dialog.start_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.preview_result is not None, timeout=WAIT)
    assert dialog.count.text() == (
        "2 patient(s) will get it; 2 skipped (1 asked for no messages; "
        "1 no mobile, e-mail or WeChat)."
    )
    dialog.min_age.setValue(60)
    assert counted(qtbot, dialog).startswith("1 patient(s) will get it")  # 张丽, born 1960
    dialog.min_age.setValue(-1)
    counted(qtbot, dialog)

    dialog.name.setText("冬季保暖提醒 ❄")
    dialog.body.clear()
    dialog.placeholders.insert("honorific")
    dialog.body.insertPlainText("，天气转冷，请注意保暖、按时作息 🧣。咨询电话")
    dialog.placeholders.insert("clinic_phone")
    dialog.body.insertPlainText("。【")
    dialog.placeholders.insert("clinic")
    dialog.body.insertPlainText("】")
    assert "characters" in dialog.length.text()
    asked: list[int] = []
    dialog.confirm_start = lambda n: asked.append(n) or True  # type: ignore[method-assign]
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.started is not None, timeout=WAIT)
    assert asked == [2]
    assert dialog.message.text() == (
        "Queued for 2 patient(s). Not sent to: 1 asked for no messages; "
        "1 no mobile, e-mail or WeChat."
    )
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 1).text() == "冬季保暖提醒 ❄"
    assert dialog.table.item(0, 2).text() == "王丽"  # who started it
    assert dialog.table.item(0, 3).text() == "2"

    messages = outbox.list_messages(ui_clinic.clinic, ui_clinic.director, states=("queued",))
    by_patient = {m.patient_id: m for m in messages}
    assert set(by_patient) == {group["zhang"], group["li"]}
    assert by_patient[group["zhang"]].channel == "sms"
    assert by_patient[group["zhang"]].body == (
        "张女士，天气转冷，请注意保暖、按时作息 🧣。咨询电话0571-8888 6666。【仁和诊所】"
    )
    assert by_patient[group["li"]].channel == "email"
    assert by_patient[group["li"]].purpose == "campaign"


def test_bad_campaigns_are_refused_with_a_sentence(qtbot, ui_clinic, ctx, group) -> None:
    dialog = open_dialog(qtbot, ctx, ui_clinic.director)
    dialog.confirm_start = lambda n: True  # type: ignore[method-assign]
    # No name.
    dialog.name.setText("   ")
    dialog.start()
    qtbot.waitUntil(lambda: dialog.message.is_error, timeout=WAIT)
    assert dialog.message.text().startswith("Give the campaign a name")
    # A placeholder a campaign cannot fill: it has no appointment.
    dialog.name.setText("复诊提醒")
    dialog.body.setPlainText("{honorific}，请于{date}复诊。【{clinic}】")
    dialog.start()
    qtbot.waitUntil(lambda: "cannot use {date}" in dialog.message.text(), timeout=WAIT)
    # Naming the condition the group was chosen by would tell whoever reads the phone.
    dialog.condition.setText("高血压")
    dialog.body.setPlainText("{honorific}，高血压患者冬季请注意血压。【{clinic}】")
    qtbot.waitUntil(lambda: dialog.preview_result is not None, timeout=WAIT)
    dialog.start()
    qtbot.waitUntil(lambda: "names the condition" in dialog.message.text(), timeout=WAIT)
    # Ages the wrong way round: the count says what is wrong.
    dialog.min_age.setValue(80)
    dialog.max_age.setValue(20)
    qtbot.waitUntil(lambda: "above the oldest" in dialog.count.text(), timeout=WAIT)
    assert not dialog.start_button.isEnabled()
    assert outbox.list_campaigns(ui_clinic.clinic, ui_clinic.director) == []
    assert outbox.counts(ui_clinic.clinic, ui_clinic.director)["queued"] == 0


def test_a_group_nobody_is_in_cannot_be_started(qtbot, ui_clinic, ctx, group) -> None:
    dialog = open_dialog(qtbot, ctx, ui_clinic.director)
    dialog.condition.setText("糖尿病")
    qtbot.waitUntil(lambda: dialog.preview_result == (0, {}), timeout=WAIT)
    assert dialog.count.text() == "0 patient(s) will get it."
    assert not dialog.start_button.isEnabled()
    dialog.category.setCurrentIndex(combo_index(dialog.category, "chronic_discharge"))
    dialog.use_since.setChecked(True)
    qtbot.waitUntil(lambda: dialog.preview_result == (0, {}), timeout=WAIT)
    assert dialog.criteria() == CampaignCriteria(
        condition_contains="糖尿病",
        visited_since=date(2025, 11, 1),
        category="chronic_discharge",
    )


def test_only_supervisors_start_campaigns(qtbot, ui_clinic, ctx, group) -> None:
    staff.add_staff(
        ui_clinic.clinic,
        ui_clinic.director,
        login="kf",
        display_name="客服小李",
        role=Role.CUSTOMER_SERVICE,
        password="some-pass-123",
    )
    service = staff.sign_in(ui_clinic.clinic, "kf", "some-pass-123")
    with pytest.raises(PermissionDenied):
        outbox.campaign_preview(ui_clinic.clinic, service, CampaignCriteria())
    with pytest.raises(PermissionDenied):
        outbox.start_campaign(
            ui_clinic.clinic,
            service,
            name="x",
            subject="",
            body="{honorific}",
            criteria=CampaignCriteria(),
        )
    ctx.set_actor(service)
    dialog = CampaignDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.previews >= 1, timeout=WAIT)
    assert "may not do this" in dialog.count.text()
    assert not dialog.start_button.isEnabled()

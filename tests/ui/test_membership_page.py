"""The membership page through the UI (issue 11; spec H1-H3).

A receptionist enrols a family (payer and two members) in the advanced tier by
the real dialog, renews it, records home visits until the allowance is used up
and reads the refusal; the director allows one more with a reason. The tiers tab
is the director's: a negative price is refused with the service's sentence, a
good one is saved. The reports show the membership among the renewals due when
the clock nears its end. The fake clock starts Monday 2026-11-23 10:00
Asia/Shanghai.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QWidget

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.rules.membership import end_after
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import membership, patients
from clinic_desk.core.services.base import Actor
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import install_language
from clinic_desk.ui.membership.common import money_text, parse_money
from clinic_desk.ui.membership.dialogs import (
    ChangeTierDialog,
    EnrolDialog,
    MembershipDialog,
    RenewDialog,
    UseDialog,
)
from clinic_desk.ui.membership.page import MembershipPage
from clinic_desk.ui.membership.tiers import TierDialog
from clinic_desk.ui.patients.common import combo_index, full_error_text
from clinic_desk.ui.reception.common import PatientSearch
from clinic_desk.ui.shell.features import FEATURES
from tests.conftest import ClinicFixture
from tests.ui.test_followups_page import make_staff, settle
from tests.ui.test_patient_form import type_text

SHOTS = Path("/tmp/s11/shots")
WAIT = 10_000


@pytest.fixture
def team(ui_clinic: ClinicFixture) -> dict[str, Any]:
    cf = ui_clinic
    desk = make_staff(cf, "wang.desk", "前台小王", Role.RECEPTIONIST)
    doc = make_staff(cf, "li.doc", "李医生", Role.DOCTOR)

    def patient(family: str, given: str, born: date, phone: str, sex: str = "F") -> uuid.UUID:
        return patients.register_patient(
            cf.clinic,
            cf.director,
            family_name=family,
            given_name=given,
            sex=sex,
            birth_date=born,
            phone=phone,
        ).value.id

    return {
        "desk": desk,
        "doc": doc,
        "payer": patient("欧阳", "建国", date(1978, 3, 2), "13912345678", "M"),
        "spouse": patient("林", "晓梅", date(1980, 7, 9), "13698765432"),
        "child": patient("欧阳", "小雨", date(2012, 5, 20), "13912345678"),
        "other": patient("赵", "敏", date(1990, 1, 1), "13700001111"),
    }


def tier(cf: ClinicFixture, code: str) -> membership.TierView:
    return next(t for t in membership.list_tiers(cf.clinic, cf.director) if t.code == code)


def open_page(qtbot: Any, ctx: AppContext, actor: Actor) -> MembershipPage:
    ctx.set_actor(actor)
    page = MembershipPage(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    members = page.members
    assert members is not None
    qtbot.waitUntil(lambda: members.loads >= 1 and bool(members.tiers), timeout=WAIT)
    settle(qtbot, ctx)
    return page


def pick(qtbot: Any, ctx: AppContext, search: PatientSearch, text: str) -> None:
    """Type a name into a patient search and press Enter on the first hit."""
    type_text(search.line, text)
    search.run_search()
    qtbot.waitUntil(lambda: bool(search.hits), timeout=WAIT)
    search._enter()
    settle(qtbot, ctx)


def save(qtbot: Any, ctx: AppContext, dialog: MembershipDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    settle(qtbot, ctx)


def shot(widget: QWidget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / f"{name}.png"))


def enrol_family(
    qtbot: Any, ctx: AppContext, page: MembershipPage, cf: ClinicFixture
) -> EnrolDialog:
    members = page.members
    assert members is not None
    dialog = members.enrol()
    assert isinstance(dialog, EnrolDialog)
    advanced = tier(cf, "advanced")
    dialog.tier.setCurrentIndex(combo_index(dialog.tier, advanced.id))
    assert "3,980.00" in dialog.tier_info.text()
    assert dialog.family_box.isVisible()  # a family tier
    pick(qtbot, ctx, dialog.search, "欧阳建国")
    assert dialog.payer is not None and "欧阳建国" in dialog.payer_label.text()
    pick(qtbot, ctx, dialog.member_search, "林晓梅")
    pick(qtbot, ctx, dialog.member_search, "欧阳小雨")
    assert len(dialog.family) == 2
    dialog.set_relation(0, "spouse")
    dialog.set_relation(1, "child")
    assert dialog.payment.amount.cents() == advanced.price_cents  # prefilled with the price
    dialog.payment.method.setCurrentIndex(combo_index(dialog.payment.method, "wechat"))
    dialog.payment.receipt.setText("R-20261123-01")
    return dialog


def test_the_feature_opens_the_membership_page(ctx: AppContext, team: dict[str, Any]) -> None:
    """H2: Ctrl+6 is the membership page for the desk, with no tiers tab."""
    feature = next(f for f in FEATURES if f.key == "membership")
    ctx.set_actor(team["desk"])
    assert ctx.may(feature.action)
    page = feature.factory(ctx)
    try:
        assert isinstance(page, MembershipPage)
        assert set(page.panels) == {"members", "reports"}
    finally:
        page.deleteLater()
    ctx.set_actor(team["doc"])
    assert not ctx.may(feature.action)  # a doctor does not sell memberships


def test_money_reads_and_types_in_yuan() -> None:
    assert money_text(398000) == "¥3,980.00"
    assert money_text(5) == "¥0.05"
    assert money_text(-5000) == "-¥50.00"
    assert parse_money("3980") == 398000
    assert parse_money("¥3,980.5") == 398050
    assert parse_money(" 12 800.00 元") == 1280000
    assert parse_money("-100") == -10000  # kept, so the service can say why not
    assert parse_money("3980.555") is None
    assert parse_money("abc") is None
    assert parse_money("") is None


def test_h2_desk_enrols_a_family_renews_and_uses_the_allowance(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    """H2/H3 Done-when from the UI: enrol a family, renew, use up the home visits; the
    desk reads the refusal, the director allows one more with a reason (audited)."""
    cf = ui_clinic
    page = open_page(qtbot, ctx, team["desk"])
    members = page.members
    assert members is not None
    assert "tiers" not in page.panels
    today = cf.clinic.today()

    # -- enrol: refused without a payer, then saved
    dialog = enrol_family(qtbot, ctx, page, cf)
    payer = dialog.payer
    dialog._payer_cleared()
    save(qtbot, ctx, dialog)
    assert dialog.isVisible() and dialog.message.is_error
    assert "who pays" in dialog.message.text()
    dialog.payer = payer
    save(qtbot, ctx, dialog)
    assert dialog.written is not None, dialog.message.text()
    view = dialog.written.value
    assert isinstance(view, membership.MembershipView)
    qtbot.waitUntil(
        lambda: members.detail is not None and members.detail.view.id == view.id, timeout=WAIT
    )
    settle(qtbot, ctx)
    assert "Enrolled" in members.message.text() and view.card_no in members.message.text()

    # the list and the detail show it
    row = next(m for m in members.items if m.membership_id == view.id)
    assert row.members == 3
    r = members.items.index(row)
    assert members.table.item(r, 0).text() == view.card_no
    assert members.table.item(r, 2).text() == row.payer_name
    assert members.table.item(r, 4).text() == "3"
    relations = {
        members.members.item(i, 0).text(): members.members.item(i, 2).text()
        for i in range(members.members.rowCount())
    }
    assert len(relations) == 3
    assert any("晓梅" in name and rel == "Spouse" for name, rel in relations.items())
    assert any("小雨" in name and rel == "Child" for name, rel in relations.items())
    ends = end_after(today, tier(cf, "advanced").period, 1)
    assert f"{today.isoformat()} – {ends.isoformat()}" in members.facts.text()
    quotas = members.quotas.text()
    assert "Family-doctor home visits: 0 of 4 used" in quotas
    assert members.payments.rowCount() == 1
    assert members.payments.item(0, 2).text() == "¥3,980.00"
    assert members.buttons["renew"].isEnabled()
    assert not members.buttons["resume"].isEnabled()  # not suspended
    assert not members.buttons["care_team"].isVisible()  # advanced has no care team

    # -- renew: runs on from the end, a year more
    renew = members.act("renew")
    assert isinstance(renew, RenewDialog)
    assert (ends + timedelta(days=1)).isoformat() in renew.term.text()
    assert renew.payment.amount.cents() == tier(cf, "advanced").price_cents
    save(qtbot, ctx, renew)
    assert renew.written is not None, renew.message.text()
    new_end = renew.written.value.view.ends_on
    assert new_end > ends
    assert f"runs to {new_end.isoformat()}" in members.message.text()
    qtbot.waitUntil(lambda: members.payments.rowCount() == 2, timeout=WAIT)

    # -- four home visits, for the payer and the child
    child = team["child"]
    for i in range(4):
        use = members.act("use")
        assert isinstance(use, UseDialog)
        use.benefit.setCurrentIndex(combo_index(use.benefit, "home_visits"))
        use.person.setCurrentIndex(combo_index(use.person, child if i % 2 else team["payer"]))
        save(qtbot, ctx, use)
        assert use.written is not None, use.message.text()
        qtbot.waitUntil(lambda n=i: f"{n + 1} of 4 used" in members.quotas.text(), timeout=WAIT)
    # the fifth is refused with the sentence; the desk is offered no override
    use = members.act("use")
    assert isinstance(use, UseDialog)
    use.benefit.setCurrentIndex(combo_index(use.benefit, "home_visits"))
    assert "4 of 4 used" in use.allowance.text()
    save(qtbot, ctx, use)
    assert use.written is None and use.isVisible()
    assert isinstance(use.exhausted, membership.QuotaExhausted)
    assert use.message.text() == full_error_text(use.exhausted)
    assert "used up" in use.message.text()
    assert use.allow_button.isHidden()
    use.reject()
    settle(qtbot, ctx)

    # -- the director allows one more, with a reason
    page.close()
    page2 = open_page(qtbot, ctx, cf.director)
    assert "tiers" in page2.panels
    members2 = page2.members
    assert members2 is not None
    members2.select(view.id)
    qtbot.waitUntil(
        lambda: members2.detail is not None and members2.detail.view.id == view.id, timeout=WAIT
    )
    use = members2.act("use")
    assert isinstance(use, UseDialog)
    use.benefit.setCurrentIndex(combo_index(use.benefit, "home_visits"))
    save(qtbot, ctx, use)
    assert use.written is None, "saved past the allowance"
    assert not use.allow_button.isHidden(), use.message.text()
    use.allow_button.click()
    assert use.reason.isVisible()
    use.reason.setText("孩子高烧，家属要求上门")
    save(qtbot, ctx, use)
    assert use.written is not None, use.message.text()
    uses = membership.uses(cf.clinic, cf.director, view.id)
    assert sum(u.count for u in uses if u.benefit_key == "home_visits") == 5
    assert any(u.override_reason == "孩子高烧，家属要求上门" for u in uses)
    qtbot.waitUntil(lambda: members2.uses.rowCount() == 5, timeout=WAIT)
    notes = [members2.uses.item(i, 5).text() for i in range(members2.uses.rowCount())]
    assert any("孩子高烧" in n for n in notes)


def test_h1_tiers_are_the_directors_and_a_negative_price_is_refused(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    """H1: no tiers tab for the desk; the director's price edit: a negative price refused
    with the service's sentence, a good one saved and shown as yuan."""
    cf = ui_clinic
    ctx.set_actor(team["desk"])
    desk_page = MembershipPage(ctx)
    qtbot.addWidget(desk_page)
    assert desk_page.tiers is None and "tiers" not in desk_page.panels
    desk_page.close()

    page = open_page(qtbot, ctx, cf.director)
    panel = page.tiers
    assert panel is not None
    page.show_tab("tiers")
    qtbot.waitUntil(lambda: panel.loads >= 1, timeout=WAIT)
    codes = [t.code for t in panel.tiers]
    assert codes[:3] == ["basic", "advanced", "premium"]
    advanced = tier(cf, "advanced")
    r = codes.index("advanced")
    assert panel.table.item(r, 1).text() == "¥3,980.00"
    panel.table.selectRow(r)
    dialog = panel.edit()
    assert isinstance(dialog, TierDialog)
    assert dialog.price.text() == "¥3,980.00"
    home = dialog.benefits.row_of_key("home_visits")
    assert dialog.benefits.w(home, dialog.benefits.COL_QUOTA).value() == 4

    # the sentence the service gives for a negative price, shown in the dialog
    try:
        membership.save_tier(
            cf.clinic,
            cf.director,
            advanced.id,
            membership.TierInput(
                code=advanced.code,
                name_zh_cn=advanced.name_zh_cn,
                name_zh_tw=advanced.name_zh_tw,
                name_en=advanced.name_en,
                description=advanced.description,
                price_cents=-10000,
                period_unit=advanced.period.unit,
                period_count=advanced.period.count,
                max_members=advanced.max_members,
                benefits=advanced.benefits,
                color=advanced.color,
            ),
        )
    except ValidationError as error:
        expected = full_error_text(error)
    else:
        pytest.fail("a negative price was saved")
    dialog.price.setText("-100")
    save(qtbot, ctx, dialog)
    assert dialog.written is None and dialog.isVisible()
    assert dialog.message.text() == expected
    dialog.price.setText("不是钱")
    save(qtbot, ctx, dialog)
    assert "Type an amount in yuan" in dialog.message.text()
    dialog.price.setText("4,280.50")
    save(qtbot, ctx, dialog)
    assert dialog.written is not None, dialog.message.text()
    assert tier(cf, "advanced").price_cents == 428050
    qtbot.waitUntil(lambda: panel.table.item(r, 1).text() == "¥4,280.50", timeout=WAIT)


def test_h1_a_tier_in_use_is_not_deleted(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    """Issue 11 bad input: a tier deleted while in use is refused, the sentence shown."""
    cf = ui_clinic
    basic = tier(cf, "basic")
    membership.enrol(cf.clinic, cf.director, membership.EnrolInput(basic.id, team["other"]))
    page = open_page(qtbot, ctx, cf.director)
    panel = page.tiers
    assert panel is not None
    page.show_tab("tiers")
    qtbot.waitUntil(lambda: panel.loads >= 1, timeout=WAIT)
    panel.table.selectRow([t.code for t in panel.tiers].index("basic"))
    box = panel.act("delete")
    assert isinstance(box, QMessageBox)
    box.button(QMessageBox.StandardButton.Yes).click()
    settle(qtbot, ctx)
    assert panel.message.is_error
    assert "Retire it instead" in panel.message.text()
    assert any(t.code == "basic" for t in membership.list_tiers(cf.clinic, cf.director))


def test_h3_renewals_due_in_reports_near_the_end(
    qtbot: Any,
    ctx: AppContext,
    ui_clinic: ClinicFixture,
    team: dict[str, Any],
    tmp_path: Path,
) -> None:
    """H3: when the clock is near the end of the term the membership is among the
    renewals due, with the payer's phone; the table exports to CSV."""
    cf = ui_clinic
    advanced = tier(cf, "advanced")
    view = membership.enrol(
        cf.clinic,
        cf.director,
        membership.EnrolInput(
            advanced.id,
            team["payer"],
            (membership.MemberInput(team["spouse"], "spouse"),),
        ),
    ).value
    cf.clock.now += timedelta(days=(view.ends_on - cf.clinic.today()).days - 10)
    page = open_page(qtbot, ctx, team["desk"])
    reports = page.reports
    assert reports is not None
    page.show_tab("reports")
    reports.show_report("renewals")
    qtbot.waitUntil(lambda: reports.shown == "renewals", timeout=WAIT)
    assert reports.days.value() == 30  # the setting's default
    cards = [reports.table.item(i, 3).text() for i in range(reports.table.rowCount())]
    assert view.card_no in cards
    r = cards.index(view.card_no)
    assert "欧阳建国" in reports.table.item(r, 0).text()
    assert "139" in reports.table.item(r, 1).text()  # the phone, to call
    assert reports.table.item(r, 6).text() == "10 day(s)"
    target = tmp_path / "renewals.csv"
    reports.export_csv(target)
    settle(qtbot, ctx)
    text = target.read_text(encoding="utf-8-sig")
    assert view.card_no in text and "Payer" in text.splitlines()[0]
    # ten days fewer ahead: not due yet
    reports.days.setValue(5)
    qtbot.waitUntil(lambda: reports.table.rowCount() == 0, timeout=WAIT)
    reports.show_report("by_tier")
    qtbot.waitUntil(lambda: reports.shown == "by_tier", timeout=WAIT)
    lang_name = advanced.name("en")
    counts = {
        reports.table.item(i, 0).text(): reports.table.item(i, 2).text()
        for i in range(reports.table.rowCount())
    }
    assert counts.get(lang_name) == "2"


def test_switching_language_retranslates_the_page(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    """The tabs and the tiers' names follow the interface language."""
    cf = ui_clinic
    page = open_page(qtbot, ctx, cf.director)
    members = page.members
    assert members is not None
    advanced = tier(cf, "advanced")
    index = combo_index(members.tier, advanced.id)
    assert members.tier.itemText(index) == advanced.name("en")
    try:
        assert install_language("zh_CN")
        qtbot.wait(50)
        assert members.tier.itemText(index) == advanced.name("zh_CN")
        members_title = QCoreApplication.translate("MembershipPage", "Members")
        assert page.tabs.tabText(0) == members_title != "Members"
        enrol = QCoreApplication.translate("MembersPanel", "Enrol…")
        assert members.enrol_button.text() == enrol != "Enrol…"
    finally:
        install_language("en")
    qtbot.wait(50)
    assert members.tier.itemText(index) == advanced.name("en")
    assert page.tabs.tabText(0) == "Members"


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_screenshots(
    qtbot: Any,
    ctx: AppContext,
    ui_clinic: ClinicFixture,
    team: dict[str, Any],
    language: str,
) -> None:
    """The members tab with a family selected, the enrol dialog, the tier editor and the
    reports, at 1280x800: looked at."""
    cf = ui_clinic
    install_language(language)
    try:
        advanced = tier(cf, "advanced")
        premium = tier(cf, "premium")
        family = membership.enrol(
            cf.clinic,
            cf.director,
            membership.EnrolInput(
                advanced.id,
                team["payer"],
                (
                    membership.MemberInput(team["spouse"], "spouse"),
                    membership.MemberInput(team["child"], "child"),
                ),
                payment=membership.PaymentInput(398000, cf.clinic.today(), "wechat", "R-01"),
            ),
        ).value
        membership.record_use(cf.clinic, cf.director, family.id, team["child"], "home_visits")
        membership.enrol(
            cf.clinic,
            cf.director,
            membership.EnrolInput(premium.id, team["other"]),
        )
        page = open_page(qtbot, ctx, team["desk"])
        members = page.members
        assert members is not None
        members.select(family.id)
        qtbot.waitUntil(
            lambda: members.detail is not None and members.detail.view.id == family.id,
            timeout=WAIT,
        )
        settle(qtbot, ctx)
        shot(page, f"members_{language}")
        dialog = enrol_family(qtbot, ctx, page, cf)
        dialog.resize(dialog.width(), dialog.sizeHint().height())
        settle(qtbot, ctx)
        shot(dialog, f"enrol_{language}")
        dialog.reject()
        page.close()
        page = open_page(qtbot, ctx, cf.director)
        tiers = page.tiers
        assert tiers is not None
        page.show_tab("tiers")
        qtbot.waitUntil(lambda: tiers.loads >= 1, timeout=WAIT)
        shot(page, f"tiers_{language}")
        tiers.table.selectRow(1)
        editor = tiers.edit()
        assert isinstance(editor, TierDialog)
        editor.resize(editor.width(), editor.sizeHint().height())
        settle(qtbot, ctx)
        shot(editor, f"tier_editor_{language}")
        editor.reject()
        reports = page.reports
        assert reports is not None
        page.show_tab("reports")
        qtbot.waitUntil(lambda: reports.shown == "by_tier", timeout=WAIT)
        shot(page, f"reports_{language}")
        reports.show_report("renewals")
        reports.days.setValue(366)
        qtbot.waitUntil(
            lambda: reports.shown == "renewals" and reports.table.rowCount() == 2, timeout=WAIT
        )
        shot(page, f"reports_renewals_{language}")
        # the director's view of a change of tier and of a use past the allowance
        members = page.members
        assert members is not None
        members.select(family.id)
        qtbot.waitUntil(
            lambda: members.detail is not None and members.detail.view.id == family.id,
            timeout=WAIT,
        )
        settle(qtbot, ctx)
        change = members.act("change")
        assert isinstance(change, ChangeTierDialog)
        change.tier.setCurrentIndex(combo_index(change.tier, premium.id))
        qtbot.waitUntil(lambda: change.preview is not None, timeout=WAIT)
        change.resize(change.width(), change.sizeHint().height())
        shot(change, f"change_tier_{language}")
        change.reject()
        for _ in range(3):
            membership.record_use(cf.clinic, cf.director, family.id, team["payer"], "home_visits")
        use = members.act("use")
        assert isinstance(use, UseDialog)
        save(qtbot, ctx, use)
        use.allow_button.click()
        use.reason.setText("孩子高烧，家属要求上门")
        use.resize(use.width(), use.sizeHint().height())
        shot(use, f"use_override_{language}")
        use.reject()
    finally:
        install_language("en")


def test_h2_every_action_of_the_detail_panel(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    """H2: change tier with the pro-rata preview, add and remove a member, a payment,
    undo a use, the care team of the premium tier, suspend and resume, cancel with a
    refund: each through its dialog, checked against the service."""
    cf = ui_clinic
    advanced = tier(cf, "advanced")
    premium = tier(cf, "premium")
    view = membership.enrol(
        cf.clinic, cf.director, membership.EnrolInput(advanced.id, team["payer"])
    ).value
    membership.record_use(cf.clinic, cf.director, view.id, team["payer"], "home_visits")
    page = open_page(qtbot, ctx, team["desk"])
    members = page.members
    assert members is not None

    def detail() -> membership.MembershipView:
        qtbot.waitUntil(lambda: members.detail is not None, timeout=WAIT)
        settle(qtbot, ctx)
        assert members.detail is not None
        return members.detail.view

    def run(key: str, **fill: Any) -> MembershipDialog:
        button = members.buttons[key]
        assert button.isEnabled(), key
        dialog = members.act(key)
        assert isinstance(dialog, MembershipDialog), key
        settle(qtbot, ctx)
        return dialog

    members.select(view.id)
    assert detail().id == view.id
    # add a member, then remove her again
    add = run("add_member")
    pick(qtbot, ctx, add.search, "林晓梅")  # type: ignore[attr-defined]
    add.relation.setCurrentIndex(combo_index(add.relation, "spouse"))  # type: ignore[attr-defined]
    save(qtbot, ctx, add)
    assert add.written is not None, add.message.text()
    qtbot.waitUntil(lambda: members.members.rowCount() == 2, timeout=WAIT)
    members.members.selectRow(1)
    remove = run("remove_member")
    remove.reason.setText("搬去外地")  # type: ignore[attr-defined]
    save(qtbot, ctx, remove)
    assert remove.written is not None, remove.message.text()
    qtbot.waitUntil(lambda: members.members.rowCount() == 1, timeout=WAIT)

    # a payment; a bad amount is refused before the service is asked
    pay = run("payment")
    pay.payment.amount.setText("12.345")  # type: ignore[attr-defined]
    save(qtbot, ctx, pay)
    assert pay.written is None and "Type an amount in yuan" in pay.message.text()
    pay.payment.amount.setText("200")  # type: ignore[attr-defined]
    save(qtbot, ctx, pay)
    assert pay.written is not None, pay.message.text()
    assert any(
        p.amount_cents == 20000 for p in membership.payments(cf.clinic, team["desk"], view.id)
    )

    # undo the use
    undo = run("undo_use")
    undo.reason.setText("登记错了")  # type: ignore[attr-defined]
    save(qtbot, ctx, undo)
    assert undo.written is not None, undo.message.text()
    qtbot.waitUntil(lambda: "0 of 4 used" in members.quotas.text(), timeout=WAIT)

    # change to premium: the preview is shown, the payment prefilled with what is due
    change = run("change")
    change.tier.setCurrentIndex(combo_index(change.tier, premium.id))  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: change.preview is not None, timeout=WAIT)  # type: ignore[attr-defined]
    preview = membership.preview_change(cf.clinic, team["desk"], view.id, premium.id)
    assert change.payment.amount.cents() == abs(preview.change.due)  # type: ignore[attr-defined]
    assert money_text(preview.change.charge) in change.sums.text()  # type: ignore[attr-defined]
    save(qtbot, ctx, change)
    assert change.written is not None, change.message.text()
    assert membership.get(cf.clinic, team["desk"], view.id).tier.id == premium.id
    qtbot.waitUntil(lambda: members.buttons["care_team"].isVisible(), timeout=WAIT)

    # the care team: a doctor on the staff and an outside trainer
    team_dialog = run("care_team")
    qtbot.waitUntil(lambda: team_dialog.table.rowCount() == 3, timeout=WAIT)  # type: ignore[attr-defined]
    who = team_dialog.cell(0, team_dialog.COL_WHO)  # type: ignore[attr-defined]
    who.setCurrentIndex(combo_index(who, team["doc"].staff_id))
    trainer = team_dialog.cell(2, team_dialog.COL_WHO)  # type: ignore[attr-defined]
    trainer.setCurrentIndex(1)
    team_dialog.cell(2, team_dialog.COL_NAME).setText("周教练")  # type: ignore[attr-defined]
    team_dialog.cell(2, team_dialog.COL_PHONE).setText("13800002222")  # type: ignore[attr-defined]
    save(qtbot, ctx, team_dialog)
    assert team_dialog.written is not None, team_dialog.message.text()
    qtbot.waitUntil(lambda: "周教练" in members.team.text(), timeout=WAIT)
    assert "李医生" in members.team.text()

    # suspend, resume
    suspend = run("suspend")
    suspend.reason.setPlainText("出国三个月")  # type: ignore[attr-defined]
    save(qtbot, ctx, suspend)
    assert suspend.written is not None, suspend.message.text()
    qtbot.waitUntil(lambda: members.buttons["resume"].isEnabled(), timeout=WAIT)
    assert not members.buttons["use"].isEnabled()
    members.act("resume")
    qtbot.waitUntil(lambda: "Resumed" in members.message.text(), timeout=WAIT)
    qtbot.waitUntil(lambda: members.buttons["suspend"].isEnabled(), timeout=WAIT)

    # the card: printing asks card printer or A4 (the printing layer's dialog)
    members.members.clearSelection()
    members.members.setCurrentCell(-1, -1)
    members.act("print")
    qtbot.waitUntil(
        lambda: members.findChild(QWidget, "membership-card-options") is not None, timeout=WAIT
    )
    options = members.findChild(QWidget, "membership-card-options")
    assert options is not None
    options.close()
    settle(qtbot, ctx)

    # cancel with a refund
    cancel = run("cancel")
    assert cancel.refund is not None  # type: ignore[attr-defined]
    cancel.reason.setPlainText("搬家，不再来本诊所")  # type: ignore[attr-defined]
    cancel.refund.paid.setChecked(True)  # type: ignore[attr-defined]
    cancel.refund.amount.setText("1000")  # type: ignore[attr-defined]
    save(qtbot, ctx, cancel)
    assert cancel.written is not None, cancel.message.text()
    assert membership.get(cf.clinic, team["desk"], view.id).status == "cancelled"
    assert any(
        p.kind == "refund" and p.amount_cents == 100000
        for p in membership.payments(cf.clinic, team["desk"], view.id)
    )


def test_h2_a_lapsed_membership_renews_from_today_and_search_finds_the_card(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    """Issue 11 bad input "renewal of an expired membership": the dialog says plainly
    that the new term starts today and the gap is not covered; the list finds the
    membership by its card number typed without spaces."""
    cf = ui_clinic
    basic = tier(cf, "basic")
    view = membership.enrol(
        cf.clinic, cf.director, membership.EnrolInput(basic.id, team["other"])
    ).value
    cf.clock.now += timedelta(days=(view.ends_on - cf.clinic.today()).days + 6)
    page = open_page(qtbot, ctx, team["desk"])
    members = page.members
    assert members is not None
    assert not any(m.membership_id == view.id for m in members.items)  # not current
    members.status.setCurrentIndex(combo_index(members.status, "expired"))
    members.search.setText(view.card_no.replace(" ", ""))
    members.reload()
    qtbot.waitUntil(lambda: [m.membership_id for m in members.items] == [view.id], timeout=WAIT)
    settle(qtbot, ctx)
    assert members.table.item(0, 6).text() == "Expired"
    assert members.table.item(0, 7).text() == "ended 6 day(s) ago"
    qtbot.waitUntil(lambda: members.detail is not None, timeout=WAIT)
    assert not members.buttons["use"].isEnabled()
    renew = members.act("renew")
    assert isinstance(renew, RenewDialog)
    today = cf.clinic.today().isoformat()
    assert "lapsed" in renew.term.text() and f"today, {today}" in renew.term.text()
    assert "not covered" in renew.term.text()
    save(qtbot, ctx, renew)
    assert renew.written is not None, renew.message.text()
    assert renew.written.value.lapsed
    assert "had lapsed" in members.message.text() and today in members.message.text()
    assert membership.get(cf.clinic, cf.director, view.id).status == "active"


def test_h2_overdraft_after_sync_is_shown_to_the_director_and_marked_seen(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    """Issue 11 bad input: a quota used on two workstations offline: both uses recorded,
    the allowance shown overdrawn in red, the director's report lists it until Seen; the
    desk has no overdraft report."""
    from clinic_desk.core.store.models import BenefitUse

    cf = ui_clinic
    advanced = tier(cf, "advanced")
    view = membership.enrol(
        cf.clinic,
        cf.director,
        membership.EnrolInput(
            advanced.id, team["payer"], (membership.MemberInput(team["spouse"], "spouse"),)
        ),
    ).value
    for _ in range(3):
        membership.record_use(cf.clinic, cf.director, view.id, team["payer"], "home_visits")
    # Both desks, offline, recorded the 4th of 4: after the sync the ledger holds both.
    with cf.clinic.store.unit_of_work(write=True) as uow:
        for who in ("payer", "spouse"):
            uow.session.add(
                BenefitUse(
                    membership_id=view.id,
                    patient_id=team[who],
                    benefit_key="home_visits",
                    day=cf.clinic.today(),
                    count=1,
                    by_id=team["desk"].staff_id,
                )
            )
        uow.commit()
    desk_page = open_page(qtbot, ctx, team["desk"])
    assert desk_page.reports is not None
    kinds = [desk_page.reports.report.itemData(i) for i in range(desk_page.reports.report.count())]
    assert "overdrafts" not in kinds
    desk_page.close()

    page = open_page(qtbot, ctx, cf.director)
    members = page.members
    assert members is not None
    members.select(view.id)
    qtbot.waitUntil(
        lambda: members.detail is not None and members.detail.view.id == view.id, timeout=WAIT
    )
    assert "5 of 4 used" in members.quotas.text() and "color:#c62828" in members.quotas.text()
    reports = page.reports
    assert reports is not None
    page.show_tab("reports")
    reports.show_report("overdrafts")
    qtbot.waitUntil(lambda: reports.shown == "overdrafts", timeout=WAIT)
    assert reports.table.rowCount() == 1
    assert reports.table.item(0, 1).text() == view.card_no
    assert (reports.table.item(0, 4).text(), reports.table.item(0, 5).text()) == ("4", "5")
    reports.table.selectRow(0)
    assert reports.seen.isEnabled()
    reports.seen.click()
    qtbot.waitUntil(lambda: reports.table.rowCount() == 0, timeout=WAIT)
    assert membership.overdrafts(cf.clinic, cf.director) == []


def test_h1_director_adds_a_tier_with_a_custom_benefit_retires_and_moves_it(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    """H1: a new tier in the three languages with a known benefit as an allowance per
    month and a custom benefit of the clinic's own; retired (greyed, not offered for
    enrolment), offered again, moved up."""
    cf = ui_clinic
    page = open_page(qtbot, ctx, cf.director)
    panel = page.tiers
    assert panel is not None
    page.show_tab("tiers")
    qtbot.waitUntil(lambda: panel.loads >= 1, timeout=WAIT)
    dialog = panel.act("new")
    assert isinstance(dialog, TierDialog)
    dialog.code.setText("senior")
    dialog.name_zh_cn.setText("长者关爱")
    dialog.name_zh_tw.setText("長者關愛")
    dialog.name_en.setText("Senior care")
    dialog.price.setText("1980")
    dialog.max_members.setValue(2)
    dialog.color.setText("#2e7d32")
    b = dialog.benefits
    home = b.row_of_key("home_visits")
    b.w(home, b.COL_WHAT).setChecked(True)
    b.w(home, b.COL_KIND).setCurrentIndex(1)
    b.w(home, b.COL_QUOTA).setValue(1)
    b.w(home, b.COL_UNIT).setCurrentIndex(combo_index(b.w(home, b.COL_UNIT), "month"))
    r = b.add_custom("免费流感疫苗")
    b.w(r, b.COL_KIND).setCurrentIndex(1)
    b.w(r, b.COL_QUOTA).setValue(1)
    save(qtbot, ctx, dialog)
    assert dialog.written is not None, dialog.message.text()
    senior = tier(cf, "senior")
    assert senior.price_cents == 198000 and senior.max_members == 2
    assert senior.name("zh_TW") == "長者關愛"
    assert senior.benefit("home_visits") == membership.BenefitDef(
        "home_visits", "quota", 1, "month", 1
    )
    custom = [x for x in senior.benefits if x.key.startswith("custom_")]
    assert [(x.label, x.kind, x.quota, x.unit) for x in custom] == [
        ("免费流感疫苗", "quota", 1, "year")
    ]
    qtbot.waitUntil(lambda: any(t.id == senior.id for t in panel.tiers), timeout=WAIT)
    row = [t.id for t in panel.tiers].index(senior.id)
    assert "Family-doctor home visits: 1 a month" in panel.table.item(row, 4).text()
    assert "免费流感疫苗: 1 a year" in panel.table.item(row, 4).text()

    panel.table.selectRow(row)
    panel.buttons["retire"].click()
    qtbot.waitUntil(lambda: bool(panel.selected() and panel.selected().retired), timeout=WAIT)
    assert panel.table.item(row, 6).text() == "Retired"
    members = page.members
    assert members is not None
    qtbot.waitUntil(lambda: any(t.id == senior.id for t in members.tiers), timeout=WAIT)
    enrol = members.enrol()
    assert isinstance(enrol, EnrolDialog)
    assert combo_index(enrol.tier, senior.id) < 0  # a retired tier is not sold
    enrol.reject()
    panel.buttons["restore"].click()
    qtbot.waitUntil(lambda: not panel.selected().retired, timeout=WAIT)  # type: ignore[union-attr]
    panel.buttons["up"].click()
    qtbot.waitUntil(lambda: [t.code for t in panel.tiers].index("senior") == row - 1, timeout=WAIT)

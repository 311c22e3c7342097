"""Printing the membership card from the desk (issue 11; spec H2).

``print_membership_card`` asks whether the card goes on a card printer or on A4 paper
(offering the last choice again), builds the PDF on the worker and hands it to the
preview, which is replaced by a recorder here (the system print dialog cannot run).
A refusal (an expired membership) is shown as a message, not raised.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QWidget
from reportlab.lib.units import mm

from clinic_desk.core.services import membership, patients
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import install_language
from clinic_desk.ui.printing import documents, preview
from clinic_desk.ui.printing.documents import MembershipCardDialog
from tests.conftest import ClinicFixture

WAIT = 20_000
SHOTS = Path(os.environ.get("CLINICDESK_CARD_PNG", "/tmp/s11/shots"))
ID1 = pytest.approx((85.6 * mm, 54 * mm), abs=0.5)
A4 = pytest.approx((210 * mm, 297 * mm), abs=0.5)


def sizes(data: bytes) -> list[tuple[float, float]]:
    return [
        (float(p.mediabox.width), float(p.mediabox.height))
        for p in PdfReader(io.BytesIO(data)).pages
    ]


def text_of(data: bytes) -> str:
    return "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def printed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, str, str | None]]:
    got: list[tuple[bytes, str, str | None]] = []

    def fake_preview(parent: Any, pdf: bytes, *, title: str, save_name: str | None = None) -> bool:
        got.append((pdf, title, save_name))
        return True

    monkeypatch.setattr(preview, "preview_and_print_pdf", fake_preview)
    return got


@pytest.fixture
def family(ui_clinic: ClinicFixture, ctx: AppContext) -> dict[str, Any]:
    cf = ui_clinic

    def person(family_name: str, given_name: str, sex: str, phone: str) -> Any:
        return patients.register_patient(
            cf.clinic,
            cf.director,
            not_duplicate=True,
            family_name=family_name,
            given_name=given_name,
            sex=sex,
            phone=phone,
        ).value.id

    payer = person("张", "伟", "M", "13812345678")
    spouse = person("李", "娜", "F", "13812345679")
    child = person("张", "小明", "M", "13812345670")
    tier = next(t for t in membership.list_tiers(cf.clinic, cf.director) if t.code == "advanced")
    view = membership.enrol(
        cf.clinic,
        cf.director,
        membership.EnrolInput(
            tier_id=tier.id,
            payer_id=payer,
            members=(
                membership.MemberInput(spouse, "spouse"),
                membership.MemberInput(child, "child"),
            ),
        ),
    ).value
    ctx.set_actor(cf.director)
    return {"cf": cf, "view": view, "payer": payer, "tier": tier}


def _dialog(parent: QWidget) -> MembershipCardDialog:
    found = [d for d in parent.findChildren(MembershipCardDialog) if d.isVisible()]
    assert found
    return found[-1]


def shot(widget: QWidget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / f"{name}.png"))


def test_h2_the_card_asks_card_printer_or_a4_and_remembers(
    qtbot: Any, ctx: AppContext, family: dict[str, Any], printed: list[Any]
) -> None:
    view = family["view"]
    parent = QWidget()
    qtbot.addWidget(parent)
    documents._last_card_sheet["sheet"] = True
    assert documents.print_membership_card(ctx, parent, view.id) is None
    qtbot.waitUntil(lambda: bool(parent.findChildren(MembershipCardDialog)), timeout=WAIT)
    dialog = _dialog(parent)
    assert dialog.objectName() == "membership-card-options"
    assert dialog.a4_sheet.isChecked() and not dialog.card_stock.isChecked()
    shot(dialog, "card_dialog_en")
    dialog.card_stock.setChecked(True)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: len(printed) == 1, timeout=WAIT)
    data, title, save_name = printed[0]
    assert title == "Membership card" and save_name == "Membership card.pdf"
    assert sizes(data) == [ID1] * 6  # a family of three: front and back each
    text = text_of(data)
    for word in ("张伟", "李娜", "张小明", "".join(view.card_no.split())):
        assert word in text, word
    assert f"Validuntil{view.ends_on.isoformat()}" in text

    # The next card offers the card printer again; cancelling prints nothing.
    documents.print_membership_card(ctx, parent, view.id, family["payer"])
    qtbot.waitUntil(lambda: any(d.isVisible() for d in parent.findChildren(
        MembershipCardDialog)), timeout=WAIT)  # fmt: skip
    again = _dialog(parent)
    assert again.card_stock.isChecked()
    again.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    qtbot.wait(200)
    assert len(printed) == 1

    # Asked for the sheet outright: A4, the payer's pair only.
    documents.print_membership_card(ctx, parent, view.id, family["payer"], sheet=True)
    qtbot.waitUntil(lambda: len(printed) == 2, timeout=WAIT)
    sheet = printed[1][0]
    assert sizes(sheet) == [A4]
    assert "张伟" in text_of(sheet) and "李娜" not in text_of(sheet)


def test_h2_an_expired_membership_is_told_not_printed(
    qtbot: Any,
    ctx: AppContext,
    family: dict[str, Any],
    printed: list[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cf, view = family["cf"], family["view"]
    cf.clock.advance(days=(view.ends_on - cf.clinic.today()).days + 1)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: shown.append(text))
    parent = QWidget()
    qtbot.addWidget(parent)
    documents.print_membership_card(ctx, parent, view.id, sheet=False)
    qtbot.waitUntil(lambda: bool(shown), timeout=WAIT)
    assert f"ended on {view.ends_on.isoformat()}" in shown[0] and not printed


def test_h2_the_card_in_chinese(
    qtbot: Any, ctx: AppContext, family: dict[str, Any], printed: list[Any]
) -> None:
    view = family["view"]
    parent = QWidget()
    qtbot.addWidget(parent)
    try:
        assert install_language("zh_CN")
        QApplication.processEvents()
        dialog = MembershipCardDialog(parent, sheet=False)
        qtbot.addWidget(dialog)
        dialog.show()
        shot(dialog, "card_dialog_zh_CN")
        documents.print_membership_card(ctx, parent, view.id, sheet=False)
        qtbot.waitUntil(lambda: len(printed) == 1, timeout=WAIT)
    finally:
        install_language("en")
    data = printed[0][0]
    text = text_of(data)
    # The tier's own Chinese name, whatever the labels' translations are so far.
    assert "".join(family["tier"].name("zh_CN").split()) in text
    assert sizes(data) == [ID1] * 6
    SHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SHOTS / "card_ui_zh_CN.pdf"
    pdf.write_bytes(data)
    out = str(SHOTS / "card_ui_zh_CN")
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "2", str(pdf), out], check=True
    )

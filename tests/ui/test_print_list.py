"""Printing the next day's list and a doctor's day sheet from the calendar (spec A8).

The system print dialog cannot run here, so only ``preview_and_print_pdf`` is
replaced: it records the PDF bytes it was given."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QMessageBox, QWidget

from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import appointments, patients, rosters, staff
from clinic_desk.ui.calendar import print_list
from clinic_desk.ui.context import AppContext
from tests.conftest import ClinicFixture

SH = ZoneInfo("Asia/Shanghai")
TOMORROW = date(2026, 11, 24)  # the fake clock's today is Monday 2026-11-23


def text_of(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def add_doctor(cf: ClinicFixture) -> uuid.UUID:
    """李医生 (login li.doc, password some-pass-123), working Monday to Friday 08:00-17:00."""
    doc_id = staff.add_staff(
        cf.clinic,
        cf.director,
        login="li.doc",
        display_name="李医生",
        role=Role.DOCTOR,
        password="some-pass-123",
    ).value.id
    blocks = [rosters.RosterBlock(d, 8 * 60, 17 * 60) for d in range(5)]
    rosters.set_weekly_roster(cf.clinic, cf.director, doc_id, blocks)
    return doc_id


@pytest.fixture
def doctor(ui_clinic: ClinicFixture, ctx: AppContext) -> uuid.UUID:
    cf = ui_clinic
    doc_id = add_doctor(cf)
    pid = patients.register_patient(
        cf.clinic, cf.director, family_name="欧阳", given_name="娜娜", phone="13812340001"
    ).value.id
    appointments.book(
        cf.clinic,
        cf.director,
        patient_id=pid,
        doctor_id=doc_id,
        starts_at=datetime(2026, 11, 24, 9, 30, tzinfo=SH),
        channel="phone",
        identity_checked=True,
        minutes=15,
        purpose="复诊",
    )
    ctx.set_actor(cf.director)
    return doc_id


@pytest.fixture
def printed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, str]]:
    got: list[tuple[bytes, str]] = []

    def fake_preview(parent: Any, pdf: bytes, *, title: str) -> bool:
        got.append((pdf, title))
        return True

    monkeypatch.setattr(print_list.preview, "preview_and_print_pdf", fake_preview)
    return got


def test_next_day_list_is_built_off_the_gui_thread_and_previewed(
    qtbot: Any, ctx: AppContext, doctor: uuid.UUID, printed: list[tuple[bytes, str]]
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    op = print_list.print_next_day_list(ctx, parent)
    assert op is not None
    qtbot.waitUntil(lambda: bool(printed), timeout=20_000)
    data, title = printed[0]
    assert data.startswith(b"%PDF") and title == "Next day's appointment list"
    text = text_of(data)
    assert "欧阳娜娜" in text and "李医生" in text and "09:30" in text
    assert "Next day's appointments:" in text and "2026-11-24" in text
    assert "Page 1 / 1" in text


def test_doctor_day_sheet(
    qtbot: Any, ctx: AppContext, doctor: uuid.UUID, printed: list[tuple[bytes, str]]
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    print_list.print_doctor_day_sheet(ctx, parent, TOMORROW, doctor)
    qtbot.waitUntil(lambda: bool(printed), timeout=20_000)
    text = text_of(printed[0][0])
    assert "Day sheet for 李医生" in text and "Doctor's notes" in text and "欧阳娜娜" in text


def test_worker_function_directly(ui_clinic: ClinicFixture, doctor: uuid.UUID) -> None:
    data = print_list.build_doctor_day_sheet_pdf(
        ui_clinic.clinic,
        ui_clinic.director,
        print_list.day_list_labels(),
        day=date(2026, 11, 30),  # a day with nothing booked: the doctor is still named
        doctor_id=doctor,
    )
    text = text_of(data)
    assert "Day sheet for 李医生" in text and "No appointments." in text


def test_an_error_is_shown_not_raised(
    qtbot: Any,
    ctx: AppContext,
    doctor: uuid.UUID,
    printed: list[tuple[bytes, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: shown.append(text))
    parent = QWidget()
    qtbot.addWidget(parent)
    print_list.print_next_day_list(ctx, parent, datetime(2026, 11, 24, 9, 0))  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: bool(shown), timeout=20_000)
    assert "date" in shown[0] and not printed


def test_nothing_happens_when_signed_out(ctx: AppContext) -> None:
    parent = QWidget()
    assert print_list.print_next_day_list(ctx, parent) is None


def test_print_button_menu(
    qtbot: Any, ctx: AppContext, doctor: uuid.UUID, printed: list[tuple[bytes, str]]
) -> None:
    button = print_list.PrintDayListButton(
        ctx, current_day=lambda: TOMORROW, current_doctor=lambda: doctor
    )
    qtbot.addWidget(button)
    assert not button.isHidden()  # the director may view appointments
    button.sheet_action.trigger()
    qtbot.waitUntil(lambda: bool(printed), timeout=20_000)
    assert "Day sheet for 李医生" in text_of(printed[0][0])
    ctx.set_actor(None)
    assert button.isHidden()

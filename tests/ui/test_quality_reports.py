"""The reports tab (issue 10; spec F7, G3): the PDF preview and the CSV export.

The system print dialog cannot run here, so the preview function is replaced by
one that keeps the PDF; everything before it (the report built on the worker
by the real service) runs for real. The fake clock is Monday 2026-11-23 10:00
Asia/Shanghai.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QFileDialog, QMessageBox

from clinic_desk.core.services import quality
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.printing import preview
from clinic_desk.ui.quality.reports import ReportsPanel
from tests.conftest import ClinicFixture
from tests.ui.test_followups_page import WAIT, settle
from tests.ui.test_quality_dashboard import fill
from tests.ui.test_setup_wizard import read_only_dir  # noqa: F401 (a fixture)


@pytest.fixture
def team(ui_clinic: ClinicFixture) -> dict[str, Any]:
    return fill(ui_clinic)


@pytest.fixture
def printed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, str, str | None]]:
    shown: list[tuple[bytes, str, str | None]] = []

    def fake_preview(_parent: Any, pdf: bytes, *, title: str, save_name: str | None = None) -> bool:
        shown.append((pdf, title, save_name))
        return False

    monkeypatch.setattr(preview, "preview_and_print_pdf", fake_preview)
    return shown


def open_panel(qtbot: Any, ctx: AppContext, actor: Any) -> ReportsPanel:
    ctx.set_actor(actor)
    panel = ReportsPanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def choose_save(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), ""))
    )


def test_the_period_follows_the_report_kind(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture
) -> None:
    panel = open_panel(qtbot, ctx, ui_clinic.director)
    assert panel.period_code() == "month"
    assert panel.span.text() == "2026-11-01 to 2026-11-30"
    panel.period.setCurrentIndex(panel.period.findData("week"))
    assert panel.span.text() == "2026-11-23 to 2026-11-29"
    panel.period.setCurrentIndex(panel.period.findData("quarter"))
    panel.day.setDate(QDate(2026, 2, 14))
    assert panel.span_days() == (date(2026, 1, 1), date(2026, 3, 31))
    assert "Quarterly quality summary 2026-01-01 to 2026-03-31" == panel.report_title()


def test_preview_opens_the_months_pdf(
    qtbot: Any,
    ctx: AppContext,
    ui_clinic: ClinicFixture,
    team: dict[str, Any],
    printed: list[Any],
) -> None:
    panel = open_panel(qtbot, ctx, ui_clinic.director)
    panel.preview_button.click()
    qtbot.waitUntil(lambda: bool(printed), timeout=30_000)
    settle(qtbot, ctx)
    pdf, title, save_name = printed[0]
    assert pdf.startswith(b"%PDF") and pdf == panel.last_pdf
    assert title == "Monthly quality analysis 2026-11-01 to 2026-11-30"
    assert save_name == "quality-month-2026-11-01-2026-11-30.pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "2026" in text
    assert panel.preview_button.isEnabled() and not panel.message.is_error


def test_a_refused_report_says_why(
    qtbot: Any,
    ctx: AppContext,
    ui_clinic: ClinicFixture,
    team: dict[str, Any],
    printed: list[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: said.append(text))
    panel = open_panel(qtbot, ctx, team["li"])  # a doctor does not read the reports
    panel.preview_button.click()
    qtbot.waitUntil(lambda: bool(said), timeout=WAIT)
    settle(qtbot, ctx)
    assert not printed and said[0].endswith(".")
    assert panel.preview_button.isEnabled()


def test_csv_export_writes_the_table(
    qtbot: Any,
    ctx: AppContext,
    ui_clinic: ClinicFixture,
    team: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cf = ui_clinic
    panel = open_panel(qtbot, ctx, cf.director)
    panel.table.setCurrentIndex(panel.table.findData("survey_answers"))
    target = tmp_path / "导出" / "满意度 answers"  # no suffix: .csv is added
    target.parent.mkdir()
    choose_save(monkeypatch, target)
    panel.csv_button.click()
    qtbot.waitUntil(
        lambda: (
            panel.csv_button.isEnabled()
            and bool(panel.message.text())
            and "Exporting" not in panel.message.text()
        ),
        timeout=WAIT,
    )
    written = target.with_name(target.name + ".csv")
    assert not panel.message.is_error, panel.message.text()
    data = written.read_bytes()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    month = quality.report_period("month", date(2026, 11, 23))
    expected = quality.export_csv(cf.clinic, cf.director, "survey_answers", *month)
    assert data == expected.encode("utf-8")  # as the service wrote it, UTF-8, no BOM
    assert len(rows) - 1 == 8  # 5 + 3 scores typed in this month
    assert panel.message.text() == f"Saved 8 row(s) of Survey answers to {written}."
    assert [p.name for p in written.parent.iterdir()] == [written.name]  # no temp file left


def test_csv_into_an_unwritable_folder_says_so_and_writes_nothing(
    qtbot: Any,
    ctx: AppContext,
    ui_clinic: ClinicFixture,
    team: dict[str, Any],
    read_only_dir: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    panel = open_panel(qtbot, ctx, ui_clinic.director)
    panel.table.setCurrentIndex(panel.table.findData("complaints"))
    target = read_only_dir / "complaints.csv"
    choose_save(monkeypatch, target)
    panel.csv_button.click()
    qtbot.waitUntil(lambda: panel.message.is_error, timeout=WAIT)
    settle(qtbot, ctx)
    text = panel.message.text()
    assert text.startswith(f"Could not write {target}:") and "Nothing was saved" in text
    assert text.endswith("try again.")
    assert list(read_only_dir.iterdir()) == []
    assert panel.csv_button.isEnabled()

"""The import dialog driven from file to report (issue 4, "Import")."""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtWidgets import QComboBox

from clinic_desk.core.services import patients
from clinic_desk.core.services.base import Changes
from clinic_desk.ui.patients.import_dialog import ImportPatientsDialog
from tests.conftest import ClinicFixture


def _list(path: Path) -> Path:
    with path.open("w", encoding="gb18030", newline="") as f:
        w = csv.writer(f)
        w.writerow(["序号", "患者姓名", "性别", "出生日期", "联系", "备注"])
        w.writerow(["1", "张三", "男", "1985-03-12", "13812345678", "高血压复诊"])
        w.writerow(["2", "欧阳娜娜", "女", "2001年2月3日", "13912345678", ""])
        w.writerow(["3", "李四😀", "女", "1990-07-05", "13712345678", ""])
        w.writerow(["4", "王五", "男", "12/03/1985", "13612345678", ""])
        w.writerow(["5", "赵六", "女", "2030-01-01", "", ""])
    return path


def test_import_dialog_from_file_to_report(
    qtbot, ctx, ui_clinic: ClinicFixture, tmp_path: Path
) -> None:
    ctx.set_actor(ui_clinic.director)
    changes: list[Changes] = []
    ctx.sig_changes.connect(changes.append)
    dialog = ImportPatientsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.resize(900, 720)
    dialog.show()

    dialog.choose_file(_list(tmp_path / "老病人名单.csv"))
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=10_000)
    assert dialog.mapping()["患者姓名"] == "full_name"
    assert dialog.mapping()["联系"] == "ignore"  # not a word it knows: the director says
    dialog.set_field("联系", "phone")
    assert dialog.mapping()["联系"] == "phone"
    combo = dialog.mapping_table.cellWidget(4, 2)
    assert isinstance(combo, QComboBox) and combo.currentText()  # a translated label

    dialog.start(dry_run=True)
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.running, timeout=20_000)
    assert dialog.report is not None and dialog.report.dry_run
    assert (dialog.report.imported, dialog.report.rejected) == (2, 3)
    assert patients.search_patients(ui_clinic.clinic, ui_clinic.director, "张三") == []

    dialog.start(dry_run=False)
    assert dialog.running and not dialog.close_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.running, timeout=20_000)
    report = dialog.report
    assert report is not None and not report.dry_run and report.imported == 2
    assert dialog.progress.value() == 1000
    assert dialog.rejected_table.rowCount() == 3
    assert dialog.rejected_table.item(0, 0).text() == "4"
    assert dialog.rejected_table.item(0, 1).text() == "患者姓名"
    assert "2 imported" in dialog.summary.text()
    assert changes and any(c.topics for c in changes)
    assert dialog.save_button.isEnabled()

    out = tmp_path / "problems.csv"
    dialog.save_report(out)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "saved" in dialog.message.text()

    dialog.grab().save("/tmp/import_dialog.png")


def test_cancel_button_only_while_running(qtbot, ctx, ui_clinic: ClinicFixture) -> None:
    ctx.set_actor(ui_clinic.director)
    dialog = ImportPatientsDialog(ctx)
    qtbot.addWidget(dialog)
    assert not dialog.cancel_button.isEnabled()
    assert not dialog.import_button.isEnabled() and not dialog.check_button.isEnabled()


def test_refused_file_shows_the_sentence(
    qtbot, ctx, ui_clinic: ClinicFixture, tmp_path: Path
) -> None:
    ctx.set_actor(ui_clinic.director)
    dialog = ImportPatientsDialog(ctx)
    qtbot.addWidget(dialog)
    path = tmp_path / "x.csv"
    path.write_text("手机,地址\n13812345678,北京\n", encoding="utf-8")
    dialog.choose_file(path)
    qtbot.waitUntil(lambda: not dialog.running, timeout=10_000)
    assert dialog.message.is_error and "手机, 地址" in dialog.message.text()
    assert dialog.plan is None and not dialog.import_button.isEnabled()

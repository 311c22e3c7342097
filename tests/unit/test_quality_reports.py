"""The quality reports (F7, G3) as PDF and the CSV export: each period's PDF read back
with pypdf (Chinese headings, the dashboard's figures), rendered with poppler to
/tmp/s10/shots to look at; every CSV table parsed back and counted; complaint details
withheld from whoever may not read them (C6)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from clinic_desk.core.errors import PermissionDenied, ValidationError
from clinic_desk.core.security import permissions
from clinic_desk.core.security.permissions import Action, Role
from clinic_desk.core.services import complaints, quality, staff, surveys
from tests.conftest import ClinicFixture
from tests.unit.test_quality_dashboard import PASSWORD, Filled, _fill

SHOTS = Path("/tmp/s10/shots")
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed"
)

# A few of the report's words in Chinese, as the UI's translator gives them.
ZH = {
    "Weekly complaint feedback": "每周投诉反馈",
    "Monthly quality analysis": "月度质量分析报告",
    "Quarterly quality summary": "季度质量总结",
    "Yearly quality summary": "年度质量总结",
    "Figures against their targets": "各项指标与目标",
    "Trend over 12 months": "近12个月趋势",
    "Complaint cases": "投诉案例",
    "Complaints": "投诉",
    "Satisfaction": "满意度",
    "No-show rate": "爽约率",
    "Target {value}": "目标 {value}",
    "Daily self-checks missing": "未完成的每日自查",
    "Suggestions forwarded to departments": "转达科室的建议",
    "Root-cause analyses (5 Whys)": "根本原因分析（5个为什么）",
    "Figures per month": "每月指标",
    "Page {n} / {total}": "第 {n} / {total} 页",
    "Met": "达标",
    "Not met": "未达标",
    "(confidential)": "（保密）",
}


def zh(context: str, text: str) -> str:
    del context
    return ZH.get(text, text)


@pytest.fixture
def filled(cf: ClinicFixture) -> Filled:
    data = _fill(cf)
    cf.clock.now = datetime(2026, 10, 20, 3, 0, tzinfo=UTC)
    complaints.start_root_cause(
        cf.clinic, cf.director, problem="候诊超时：叫号系统故障", department="内科"
    )
    cf.clock.now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    items, _ = surveys.my_self_check(cf.clinic, cf.director)
    surveys.submit_self_check(
        cf.clinic, cf.director, answers=[(item, True, "") for item in items], note="一切正常 ✅"
    )
    return data


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def _shoot(pdf: bytes, name: str) -> list[Path]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    source = SHOTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(source), str(SHOTS / name)], check=True, timeout=60
    )
    return sorted(SHOTS.glob(f"{name}*.png"))


@needs_poppler
def test_monthly_report_shows_the_dashboards_figures(filled: Filled) -> None:
    pdf = quality.report(
        filled.clinic, filled.director, "month", date(2026, 10, 15), language="zh_CN", translate=zh
    )
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    for heading in ("月度质量分析报告", "各项指标与目标", "近12个月趋势", "投诉案例", "满意度"):
        assert heading in text, heading
    board = quality.dashboard(filled.clinic, filled.director, date(2026, 10, 1), date(2026, 10, 31))
    for key in ("satisfaction", "no_show", "followup", "prescription_corrections"):
        metric = board.metric(key)
        assert metric.value is not None
        assert f"{metric.value:.1f}%" in text, key
    assert "2026-10-01 – 2026-10-31" in text
    # The month's complaints are listed with their numbers, their gist for the director.
    cases = complaints.list_complaints(
        filled.clinic,
        filled.director,
        status="all",
        first=date(2026, 10, 1),
        last=date(2026, 10, 31),
    )
    assert cases and all(c.number in text for c in cases)
    assert "候诊时间太长" in text
    assert "未完成的每日自查" in text and "根本原因分析" in text and "叫号系统故障" in text
    # Charts: 12 month labels per chart, in Chinese.
    assert text.count("26年10月") >= 11
    pages = _shoot(pdf, "quality-month")
    assert pages


@needs_poppler
@pytest.mark.parametrize("period", ["week", "quarter", "year"])
def test_other_periods(filled: Filled, period: str) -> None:
    pdf = quality.report(
        filled.clinic, filled.director, period, date(2026, 10, 14), language="zh_CN", translate=zh
    )
    text = _text(pdf)
    title = {"week": "每周投诉反馈", "quarter": "季度质量总结", "year": "年度质量总结"}[period]
    assert title in text
    first, last = quality.report_period(period, date(2026, 10, 14))
    assert f"{first.isoformat()} – {last.isoformat()}" in text
    if period == "week":
        assert (first, last) == (date(2026, 10, 12), date(2026, 10, 18))
        assert "转达科室的建议" in text
    else:
        assert "每月指标" in text and "近12个月趋势" in text
    _shoot(pdf, f"quality-{period}")


def test_english_report_and_its_audit(filled: Filled) -> None:
    pdf = quality.report(filled.clinic, filled.director, "month", date(2026, 10, 2))
    text = _text(pdf)
    assert "Monthly quality analysis" in text and "Oct 26" in text
    rows = [r for r in _audit_actions(filled) if r in ("quality.report", "quality.export")]
    assert rows == ["quality.report"]


def _audit_actions(filled: Filled) -> list[str]:
    with filled.clinic.store.unit_of_work(write=False) as uow:
        return list(
            uow.session.connection()
            .exec_driver_sql("SELECT action FROM audit_log ORDER BY seq")
            .scalars()
        )


def test_empty_month_report(cf: ClinicFixture) -> None:
    pdf = quality.report(cf.clinic, cf.director, "month", date(2025, 3, 3))
    text = _text(pdf)
    assert "No complaints were received." in text and "No data" in text


def test_bad_report_requests(cf: ClinicFixture) -> None:
    with pytest.raises(ValidationError, match="week, a month"):
        quality.report(cf.clinic, cf.director, "fortnight", date(2026, 10, 1))
    with pytest.raises(ValidationError, match="should be a date"):
        quality.report(cf.clinic, cf.director, "month", "2026-10")  # type: ignore[arg-type]


def _csv(text: str) -> list[list[str]]:
    assert not text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def test_csv_tables_parse_and_count(filled: Filled) -> None:
    clinic, director = filled.clinic, filled.director
    first, last = date(2026, 9, 1), date(2026, 11, 30)
    lo, hi = (
        datetime(2026, 8, 31, 16, tzinfo=UTC).replace(tzinfo=None).isoformat(" ", "microseconds"),
        datetime(2026, 11, 30, 16, tzinfo=UTC).replace(tzinfo=None).isoformat(" ", "microseconds"),
    )

    def count(sql: str, *params: str) -> int:
        with clinic.store.unit_of_work(write=False) as uow:
            return int(uow.session.connection().exec_driver_sql(sql, params).scalar_one())

    want = {
        "complaints": count(
            "SELECT count(*) FROM complaint WHERE received_at >= ? AND received_at < ?", lo, hi
        ),
        "survey_answers": count(
            "SELECT count(*) FROM survey_answer a JOIN survey_response r ON r.id = a.response_id "
            "WHERE r.answered_on BETWEEN ? AND ?",
            first.isoformat(),
            last.isoformat(),
        ),
        "followup_calls": count(
            "SELECT count(*) FROM followup_call WHERE called_at >= ? AND called_at < ?", lo, hi
        ),
        "self_checks": 1,
        "root_causes": 1,
        "metrics": len(quality.METRICS),
    }
    assert set(want) == set(quality.CSV_TABLES)
    for table, n in want.items():
        rows = _csv(quality.export_csv(clinic, director, table, first, last))
        assert len(rows) == n + 1, table
        assert all(len(r) == len(rows[0]) for r in rows), table
    complaints_rows = _csv(quality.export_csv(clinic, director, "complaints", first, last))
    header = complaints_rows[0]
    content = header.index("content")
    assert all(r[content].startswith("候诊时间太长") for r in complaints_rows[1:])
    on_time = [r[header.index("closed_on_time")] for r in complaints_rows[1:]]
    assert {"yes", "no", ""} == set(on_time)
    metrics = _csv(
        quality.export_csv(clinic, director, "metrics", date(2026, 10, 1), date(2026, 10, 31))
    )
    board = quality.dashboard(clinic, director, date(2026, 10, 1), date(2026, 10, 31))
    for row, metric in zip(metrics[1:], board.metrics, strict=True):
        assert row[0] == metric.key and int(row[5]) == metric.denominator
    self_check = _csv(quality.export_csv(clinic, director, "self_checks", first, last))[1]
    assert "一切正常 ✅" in self_check
    assert _audit_actions(filled).count("quality.export") == 9


def test_csv_withholds_complaint_details(filled: Filled, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every role that reads quality reports today may read complaint details too; the
    rule still holds if a role ever gets one without the other (C6)."""
    monkeypatch.setitem(
        permissions.ROLE_PERMISSIONS,
        Role.RECEPTIONIST,
        permissions.ROLE_PERMISSIONS[Role.RECEPTIONIST] | {Action.QUALITY_REPORTS},
    )
    staff.add_staff(
        filled.clinic,
        filled.director,
        login="desk",
        display_name="前台",
        role=Role.RECEPTIONIST,
        password=PASSWORD,
    )
    desk = staff.sign_in(filled.clinic, "desk", PASSWORD)
    rows = _csv(
        quality.export_csv(filled.clinic, desk, "complaints", date(2026, 9, 1), date(2026, 11, 30))
    )
    header = rows[0]
    assert len(rows) > 5
    for column in ("complainant", "contact", "content", "response", "reply_text"):
        assert all(r[header.index(column)] == "" for r in rows[1:]), column
    assert all(r[header.index("number")].startswith("TS-2026-") for r in rows[1:])
    pdf = quality.report(filled.clinic, desk, "month", date(2026, 10, 1), translate=zh)
    text = _text(pdf)
    assert "（保密）" in text and "候诊时间太长" not in text


def test_bad_csv_requests(filled: Filled) -> None:
    with pytest.raises(ValidationError, match="no table called"):
        quality.export_csv(
            filled.clinic, filled.director, "patients", date(2026, 10, 1), date(2026, 10, 31)
        )
    with pytest.raises(ValidationError, match="at most 366 days"):
        quality.export_csv(
            filled.clinic, filled.director, "complaints", date(2025, 1, 1), date(2026, 10, 31)
        )
    staff.add_staff(
        filled.clinic,
        filled.director,
        login="nurse",
        display_name="护士",
        role=Role.TRIAGE_NURSE,
        password=PASSWORD,
    )
    nurse = staff.sign_in(filled.clinic, "nurse", PASSWORD)
    with pytest.raises(PermissionDenied):
        quality.export_csv(
            filled.clinic, nurse, "complaints", date(2026, 10, 1), date(2026, 10, 31)
        )

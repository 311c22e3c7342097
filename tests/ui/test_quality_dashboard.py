"""The quality dashboard (issue 10; spec G2, G3): tiles, filter, trends, empty periods.

A clinic filled through the services (visits, survey answers, a complaint);
the tiles must show what ``quality.dashboard`` computes, a period with nothing
must say so, and the doctor filter must change the figures. The fake clock is
Monday 2026-11-23 10:00 Asia/Shanghai.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, QPoint
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QWidget

from clinic_desk.core.services import complaints, quality, surveys
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import install_language
from clinic_desk.ui.patients.common import combo_index
from clinic_desk.ui.quality.charts import BAR, Bar, TrendChart, value_text
from clinic_desk.ui.quality.dashboard import PERIODS, DashboardPanel, period_bounds
from tests.conftest import ClinicFixture
from tests.ui.test_followups_page import WAIT, finish_visit, make_team, settle

SHOTS = Path("/tmp/s10/shots")
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def shot(widget: QWidget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / f"{name}.png"))


def answer(cf: ClinicFixture, doctor: Any, scores: dict[str, int], day: date) -> None:
    """A returned form: 1-5 scores for the default questionnaire's items, for a doctor."""
    surveys.record_response(
        cf.clinic,
        cf.director,
        questionnaire_id=surveys.DEFAULT_QUESTIONNAIRE_ID,
        answers=[surveys.AnswerInput(key=k, score=v) for k, v in scores.items()],
        via="form",
        doctor_id=doctor.staff_id,
        answered_on=day,
    )


def fill(cf: ClinicFixture) -> dict[str, Any]:
    """Two doctors' visits and survey answers in November, and an open complaint."""
    team = make_team(cf)
    finish_visit(cf, team["li"], team["zhang"], "chronic")
    finish_visit(cf, team["zhao"], team["ouyang"], "cold")
    # Li: 5 of 5 satisfied; Zhao: 1 of 3 satisfied.
    answer(
        cf,
        team["li"],
        {"overall": 5, "doctor": 5, "staff": 4, "waiting": 4, "environment": 5},
        date(2026, 11, 20),
    )
    answer(cf, team["zhao"], {"overall": 2, "doctor": 3, "staff": 4}, date(2026, 11, 21))
    complaints.record_complaint(
        cf.clinic,
        team["cs"],
        complaints.ComplaintInput(
            channel="phone",
            content="候诊时间太长，没人解释 😠",
            complainant="王女士",
            contact="13700001111",
        ),
    )
    return team


def open_panel(qtbot: Any, ctx: AppContext, actor: Any) -> DashboardPanel:
    ctx.set_actor(actor)
    panel = DashboardPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1280, 860)
    panel.show()
    qtbot.waitUntil(lambda: panel.loads >= 1, timeout=WAIT)
    settle(qtbot, ctx)
    return panel


def set_range(qtbot: Any, ctx: AppContext, panel: DashboardPanel, first: date, last: date) -> None:
    panel.period.setCurrentIndex(PERIODS.index("range"))
    settle(qtbot, ctx)
    loads = panel.loads
    panel.first_edit.setDate(QDate(first.year, first.month, first.day))
    panel.last_edit.setDate(QDate(last.year, last.month, last.day))
    qtbot.waitUntil(lambda: panel.loads > loads, timeout=WAIT)
    settle(qtbot, ctx)


@pytest.fixture
def team(ui_clinic: ClinicFixture) -> dict[str, Any]:
    return fill(ui_clinic)


def test_period_bounds() -> None:
    monday = date(2026, 11, 23)
    assert period_bounds("this_week", date(2026, 11, 29)) == (monday, date(2026, 11, 29))
    assert period_bounds("this_month", monday) == NOVEMBER
    assert period_bounds("last_month", date(2026, 1, 5)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert period_bounds("this_quarter", monday) == (date(2026, 10, 1), date(2026, 12, 31))
    assert period_bounds("this_quarter", date(2026, 2, 28)) == (date(2026, 1, 1), date(2026, 3, 31))
    assert period_bounds("this_year", monday) == (date(2026, 1, 1), date(2026, 12, 31))


def test_tiles_show_the_services_figures(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    cf = ui_clinic
    panel = open_panel(qtbot, ctx, cf.director)
    assert panel.data is not None and (panel.data.first, panel.data.last) == NOVEMBER
    expected = quality.dashboard(cf.clinic, cf.director, *NOVEMBER)
    by_key = {m.key: m for m in expected.metrics}
    assert set(panel.tiles) == set(quality.METRICS)
    for key, tile in panel.tiles.items():
        m = by_key[key]
        if m.value is None:
            assert tile.value.text() == "No data in this period" and tile.state == "none"
        else:
            assert tile.value.text() == value_text(m.value, m.unit)
            assert tile.state == ("met" if m.met else "missed")
    # 8 scores, 6 of them 4 or 5: 75 %, under the 95 % target: red.
    sat = by_key["satisfaction"]
    assert (sat.numerator, sat.denominator) == (6, 8)
    tile = panel.tiles["satisfaction"]
    assert tile.value.text() == "75.0 %" and tile.state == "missed"
    assert tile.counts.text() == "6 of 8 answers satisfied (4 or 5)"
    assert tile.target.text() == "Target ≥ 95.0 %"
    assert "1" in panel.counters["open_complaints"].text()
    assert panel.counters["open_complaints"].text() == "Open complaints: 1"
    assert not panel.message.text()  # not an empty period
    # The selected tile's trend is charted: November's bar is the tile's figure.
    assert panel.selected == "satisfaction"
    november = next(b for b in panel.monthly_chart.bars if b.label == "2026-11")
    assert november.value == pytest.approx(75.0)
    assert len(panel.monthly_chart.bars) == 12
    assert panel.monthly_chart.target == 95.0
    panel.tiles["no_show"].clicked.emit("no_show")
    assert panel.selected == "no_show" and panel.weekly_chart.unit == "percent"
    assert "No-show rate" in panel.weekly_chart.title


def test_an_empty_period_says_so(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    panel = open_panel(qtbot, ctx, ui_clinic.director)
    set_range(qtbot, ctx, panel, date(2025, 3, 1), date(2025, 3, 31))
    assert panel.data is not None and panel.data.empty
    assert "Nothing was recorded for the clinic from 2025-03-01 to 2025-03-31" in (
        panel.message.text()
    )
    assert not panel.message.is_error and panel.message.text().endswith(".")
    for tile in panel.tiles.values():
        assert tile.value.text() == "No data in this period"
        assert tile.counts.text() == ""
    # More than 366 days: the service's sentence, no figures.
    set_range(qtbot, ctx, panel, date(2024, 1, 1), date(2025, 6, 30))
    assert panel.message.is_error and panel.message.text().endswith(".")
    assert panel.data is None


def test_the_doctor_filter_changes_the_figures(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    panel = open_panel(qtbot, ctx, ui_clinic.director)
    qtbot.waitUntil(lambda: panel.doctor.count() >= 3, timeout=WAIT)
    for who, text, state in (
        ("zhao", "33.3 %", "missed"),
        ("li", "100.0 %", "met"),
    ):
        loads = panel.loads
        panel.doctor.setCurrentIndex(combo_index(panel.doctor, team[who].staff_id))
        qtbot.waitUntil(lambda: panel.loads > loads, timeout=WAIT)  # noqa: B023
        settle(qtbot, ctx)
        assert panel.data is not None and panel.data.doctor_id == team[who].staff_id
        assert panel.tiles["satisfaction"].value.text() == text
        assert panel.tiles["satisfaction"].state == state
    assert panel.tiles["satisfaction"].counts.text() == "5 of 5 answers satisfied (4 or 5)"


def test_the_dashboard_is_for_quality_readers_only(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    panel = open_panel(qtbot, ctx, team["li"])  # a doctor may not read the reports
    assert panel.data is None and panel.message.is_error
    assert panel.message.text().endswith(".")


def test_the_chart_draws_missing_periods_as_no_data(qtbot: Any) -> None:
    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.resize(480, 240)
    chart.set_series(
        [
            Bar("2026-W45", None),
            Bar("2026-W46", 80.0, 10, "2026-11-09 – 2026-11-15"),
            Bar("2026-W47", 100.0, 4),
        ],
        target=95.0,
        unit="percent",
        title="满意度 by week",
    )
    chart.show()
    image = chart.grab().toImage()
    assert not image.isNull()
    slots = chart.bar_rects()
    # The missing week has no bar; the met week is drawn in the bar colour.
    bottom = int(chart.plot_rect().bottom()) - 3
    missed_x, met_x = int(slots[0].center().x()) - 8, int(slots[2].center().x())
    assert image.pixelColor(QPoint(missed_x, bottom)) != BAR
    assert image.pixelColor(QPoint(met_x, bottom)) == BAR
    assert chart.tooltip_for(0).splitlines()[1] == "No data"
    assert "80.0 %" in chart.tooltip_for(1) and "counted: 10" in chart.tooltip_for(1)
    assert "target: 95.0 %" in chart.tooltip_for(1)
    assert chart.bar_at(slots[1].center().x()) == 1 and chart.bar_at(-5) is None
    # No points at all: "No data" in the middle, no crash.
    chart.set_series([], target=None, unit="minutes")
    assert not chart.grab().toImage().isNull()
    # 53 weeks in a narrow chart: labels thinned, nothing raised.
    chart.resize(260, 160)
    chart.set_series([Bar(f"W{i}", float(i)) for i in range(53)], target=None, unit="count")
    assert chart.grab().toImage().pixelColor(QPoint(5, 5)) == QColor(chart.palette().base().color())


def test_dashboard_screenshots(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    panel = open_panel(qtbot, ctx, ui_clinic.director)
    shot(panel, "dashboard_en")
    try:
        assert install_language("zh_CN")
        QApplication.processEvents()
        settle(qtbot, ctx)
        shot(panel, "dashboard_zh_CN")
    finally:
        install_language("en")
        QApplication.processEvents()


def test_the_counters_jump_to_their_tab(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, team: dict[str, Any]
) -> None:
    from clinic_desk.ui.quality.page import QualityPage

    ctx.set_actor(ui_clinic.director)
    page = QualityPage(ctx)
    qtbot.addWidget(page)
    page.show()
    panel = page.panels["dashboard"]
    assert isinstance(panel, DashboardPanel)
    assert panel.loads == 0  # a hidden tab does not load (a year's trend is ~1 s of work)
    page.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.loads >= 1, timeout=WAIT)
    settle(qtbot, ctx)
    jumps: list[str] = []
    panel.jump_requested.connect(jumps.append)
    panel.counters["missing_self_checks"].click()
    assert page.tabs.currentWidget() is page.panels["selfcheck"]
    page.tabs.setCurrentWidget(panel)
    panel.counters["overdue_complaints"].click()
    assert page.tabs.currentWidget() is page.panels["complaints"]
    assert jumps == ["selfcheck", "complaints"]
    settle(qtbot, ctx)

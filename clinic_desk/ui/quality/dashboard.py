"""The quality dashboard for the director (spec G2, G3; issue 10).

Every figure against its target for a period and, optionally, one doctor:
a tile per metric (green when met, red when not, grey with "No data in this
period" when nothing was counted; never a 0/0), the trend of the selected
metric by week and by month as bar charts, and the counters that need
someone now (open and overdue complaints, escalations the director has not
seen, missing self-checks). The figures come from ``quality.dashboard`` on
the worker thread (about 100 ms on a busy clinic's month).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QEvent, Qt, Signal
from PySide6.QtGui import QFont, QMouseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.services import quality, rosters
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic
from clinic_desk.ui.calendar.stats import month_bounds
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.common import combo_index, full_error_text, tr_code
from clinic_desk.ui.quality.charts import Bar, TrendChart, value_text
from clinic_desk.ui.settings.common import ERROR_COLOR, OK_COLOR, MessageLabel, hint_label

PERIODS = ("this_week", "this_month", "last_month", "this_quarter", "this_year", "range")
RELOAD_TOPICS = (Topic.QUALITY, Topic.COMPLAINTS, Topic.FOLLOWUPS, Topic.RECEPTION)
GREY = "#9e9e9e"


def period_bounds(code: str, today: date) -> tuple[date, date]:
    """The first and last day of a named period around ``today`` (whole weeks, months...)."""
    if code == "this_week":
        monday = today - timedelta(days=today.weekday())
        return monday, monday + timedelta(days=6)
    if code == "last_month":
        return month_bounds(today, 1)
    if code == "this_quarter":
        first_month = (today.month - 1) // 3 * 3 + 1
        first = date(today.year, first_month, 1)
        return first, month_bounds(date(today.year, first_month + 2, 1))[1]
    if code == "this_year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    return month_bounds(today)


def load_dashboard(
    clinic: Clinic, actor: Actor, first: date, last: date, doctor_id: uuid.UUID | None
) -> quality.Dashboard:
    # The tiles and the weeks first; the year's months follow (``load_months``).
    return quality.dashboard(clinic, actor, first, last, doctor_id=doctor_id, months=0)


def load_months(
    clinic: Clinic, actor: Actor, last: date, doctor_id: uuid.UUID | None
) -> dict[str, tuple[quality.Point, ...]]:
    return quality.monthly_trend(clinic, actor, last, doctor_id=doctor_id)


def load_doctors(clinic: Clinic, actor: Actor) -> list[tuple[uuid.UUID, str]]:
    return [(d.id, d.display_name) for d in rosters.list_doctors(clinic, actor)]


def metric_label(key: str) -> str:
    return tr_code("Metric", quality.METRIC_LABELS.get(key, key))


def counts_text(metric: quality.Metric) -> str:
    """What the value is made of, in words: "57 of 60 answers"."""
    n, d = metric.numerator, metric.denominator
    words = {
        "satisfaction": QCoreApplication.translate(
            "Dashboard", "{n} of {d} answers satisfied (4 or 5)"
        ),
        "complaint_closure": QCoreApplication.translate(
            "Dashboard", "{n} of {d} complaints closed"
        ),
        "complaint_on_time": QCoreApplication.translate("Dashboard", "{n} of {d} closed on time"),
        "no_show": QCoreApplication.translate("Dashboard", "{n} no-shows of {d} appointments due"),
        "wait_average": QCoreApplication.translate("Dashboard", "over {d} waits"),
        "wait_p90": QCoreApplication.translate("Dashboard", "over {d} waits"),
        "wait_alerts": QCoreApplication.translate("Dashboard", "{n} of {d} waits"),
        "followup": QCoreApplication.translate("Dashboard", "{n} of {d} follow-ups done"),
        "revisit": QCoreApplication.translate("Dashboard", "{n} of {d} visits rebooked"),
        "booking": QCoreApplication.translate("Dashboard", "{n} of {d} check-ins booked ahead"),
        "prescription_corrections": QCoreApplication.translate(
            "Dashboard", "{n} of {d} prescriptions cancelled"
        ),
    }
    return words.get(metric.key, QCoreApplication.translate("Dashboard", "{n} of {d}")).format(
        n=n, d=d
    )


def target_text(metric: quality.Metric) -> str:
    if metric.target is None:
        return QCoreApplication.translate("Dashboard", "No target")
    wanted = value_text(metric.target, metric.unit)
    return (
        QCoreApplication.translate("Dashboard", "Target ≥ {value}")
        if metric.higher_is_better
        else QCoreApplication.translate("Dashboard", "Target ≤ {value}")
    ).format(value=wanted)


def bars(points: tuple[quality.Point, ...]) -> list[Bar]:
    return [
        Bar(p.label, p.value, p.n, f"{p.start.isoformat()} – {p.end.isoformat()}") for p in points
    ]


class MetricTile(QFrame):
    """One figure: name, value with unit, target, what it is made of; click selects it."""

    clicked = Signal(str)

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName(f"tile:{key}")
        self.setProperty("tile", True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumWidth(200)
        col = QVBoxLayout(self)
        col.setContentsMargins(10, 8, 10, 8)
        col.setSpacing(2)
        self.name = QLabel(self)
        self.name.setWordWrap(True)
        bold = QFont(self.name.font())
        bold.setBold(True)
        self.name.setFont(bold)
        self.value = QLabel(self)
        self.value.setObjectName("tile-value")
        big = QFont(self.value.font())
        big.setPointSizeF(big.pointSizeF() * 1.8)
        big.setBold(True)
        self.value.setFont(big)
        self.target = hint_label(self)
        self.counts = hint_label(self)
        self.counts.setWordWrap(True)
        for w in (self.name, self.value, self.target, self.counts):
            col.addWidget(w)
        self.state = "none"  # met | missed | none
        self.selected = False
        self._style()

    def show_metric(self, metric: quality.Metric) -> None:
        self.name.setText(metric_label(metric.key))
        if metric.value is None:
            self.value.setText(QCoreApplication.translate("Dashboard", "No data in this period"))
            self.value.setWordWrap(True)
            font = QFont(self.value.font())
            font.setPointSizeF(self.name.font().pointSizeF())
            self.value.setFont(font)
            self.counts.setText("")
        else:
            self.value.setText(value_text(metric.value, metric.unit))
            font = QFont(self.value.font())
            font.setPointSizeF(self.name.font().pointSizeF() * 1.8)
            self.value.setFont(font)
            self.counts.setText(counts_text(metric))
        self.target.setText(target_text(metric))
        self.state = "none" if metric.met is None else "met" if metric.met else "missed"
        self._style()

    def set_selected(self, on: bool) -> None:
        self.selected = on
        self._style()

    def _style(self) -> None:
        color = {"met": OK_COLOR, "missed": ERROR_COLOR}.get(self.state, GREY)
        width = 3 if self.selected else 1
        frame = color if self.selected else "#c8c8c8"
        self.setStyleSheet(
            f'QFrame[tile="true"] {{ border: {width}px solid {frame}; '
            f"border-left: 6px solid {color}; border-radius: 4px; background: palette(base); }}"
        )
        self.value.setStyleSheet(f"color: {color};")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.key)
        super().mousePressEvent(event)


class DashboardPanel(QWidget):
    """G2/G3: the period's figures, their trends and what needs someone now."""

    #: asks the page to show another tab: "complaints" or "selfcheck"
    jump_requested = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("quality-dashboard")
        self.data: quality.Dashboard | None = None
        self.selected = quality.METRICS[0]
        self.loads = 0
        self._ticket = 0
        self.zone = ctx.clinic.timezone()
        outer = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.period_label = QLabel(self)
        self.period = QComboBox(self)
        self.period.setObjectName("dashboard-period")
        for code in PERIODS:
            self.period.addItem("", code)
        self.period.setCurrentIndex(PERIODS.index("this_month"))
        self.first_edit = QDateEdit(self)
        self.first_edit.setObjectName("dashboard-first-day")
        self.last_edit = QDateEdit(self)
        self.last_edit.setObjectName("dashboard-last-day")
        for edit in (self.first_edit, self.last_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.doctor_label = QLabel(self)
        self.doctor = QComboBox(self)
        self.doctor.setObjectName("dashboard-doctor")
        self.doctor.addItem("", None)
        self.doctor.setMinimumWidth(140)
        for w in (
            self.period_label,
            self.period,
            self.first_edit,
            QLabel("–", self),
            self.last_edit,
        ):
            bar.addWidget(w)
        bar.addSpacing(16)
        bar.addWidget(self.doctor_label)
        bar.addWidget(self.doctor)
        bar.addStretch(1)
        outer.addLayout(bar)
        self.message = MessageLabel(self)
        self.message.setObjectName("dashboard-message")
        outer.addWidget(self.message)

        counters = QHBoxLayout()
        self.counters: dict[str, QPushButton] = {}
        for code, jump in (
            ("open_complaints", "complaints"),
            ("overdue_complaints", "complaints"),
            ("escalations_unseen", "complaints"),
            ("missing_self_checks", "selfcheck"),
        ):
            button = QPushButton(self)
            button.setObjectName(f"counter:{code}")
            button.setFlat(True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _c=False, j=jump: self.jump(j))
            self.counters[code] = button
            counters.addWidget(button)
        counters.addStretch(1)
        outer.addLayout(counters)

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(scroll)
        col = QVBoxLayout(body)
        grid = QGridLayout()
        grid.setSpacing(8)
        self.tiles: dict[str, MetricTile] = {}
        for index, key in enumerate(quality.METRICS):
            tile = MetricTile(key, body)
            tile.clicked.connect(self.select)
            self.tiles[key] = tile
            grid.addWidget(tile, index // 4, index % 4)
        col.addLayout(grid)
        charts = QHBoxLayout()
        self.weekly_chart = TrendChart(body)
        self.weekly_chart.setObjectName("chart-weekly")
        self.monthly_chart = TrendChart(body)
        self.monthly_chart.setObjectName("chart-monthly")
        for chart in (self.weekly_chart, self.monthly_chart):
            chart.setMinimumHeight(220)
            charts.addWidget(chart, 1)
        col.addLayout(charts, 1)  # the charts take the height the tiles leave
        self.hint = hint_label(body)
        self.hint.setWordWrap(True)
        col.addWidget(self.hint)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

        self.stale = True
        today = ctx.clock().astimezone(self.zone).date()
        first, last = month_bounds(today)
        self._set_dates(first, last)
        self.period.currentIndexChanged.connect(self._period_chosen)
        self.first_edit.dateChanged.connect(lambda _d: self.reload())
        self.last_edit.dateChanged.connect(lambda _d: self.reload())
        self.doctor.currentIndexChanged.connect(lambda _i: self.reload())
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()
        self._load_doctors()
        self._period_chosen()

    # -- text -------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.period_label.setText(self.tr("Period"))
        for index, label in enumerate(
            (
                self.tr("This week"),
                self.tr("This month"),
                self.tr("Last month"),
                self.tr("This quarter"),
                self.tr("This year"),
                self.tr("Dates"),
            )
        ):
            self.period.setItemText(index, label)
        self.doctor_label.setText(self.tr("Doctor"))
        self.doctor.setItemText(0, self.tr("All doctors"))
        self.hint.setText(
            self.tr(
                "Click a figure to see its trend by week and by month. Green: the target is "
                "met; red: it is not; grey: nothing was counted. The dashed line is the "
                "target (Settings, Quality)."
            )
        )
        if self.data is not None:
            self._show(self.data)
        else:
            self._show_counters(None)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- period, doctor, loading ---------------------------------------------------------------

    def _set_dates(self, first: date, last: date) -> None:
        for edit, day in ((self.first_edit, first), (self.last_edit, last)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)

    def period_days(self) -> tuple[date, date]:
        code = str(self.period.currentData())
        if code != "range":
            return period_bounds(code, self.ctx.clock().astimezone(self.zone).date())
        a, b = self.first_edit.date(), self.last_edit.date()
        return date(a.year(), a.month(), a.day()), date(b.year(), b.month(), b.day())

    def _period_chosen(self, *_args: Any) -> None:
        custom = self.period.currentData() == "range"
        self.first_edit.setEnabled(custom)
        self.last_edit.setEnabled(custom)
        if not custom:
            self._set_dates(*self.period_days())
        self.reload()

    def doctor_id(self) -> uuid.UUID | None:
        value = self.doctor.currentData()
        return value if isinstance(value, uuid.UUID) else None

    def _load_doctors(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return

        def show(doctors: list[tuple[uuid.UUID, str]]) -> None:
            current = self.doctor_id()
            self.doctor.blockSignals(True)
            while self.doctor.count() > 1:
                self.doctor.removeItem(1)
            for doctor_id, name in doctors:
                self.doctor.addItem(name, doctor_id)
            self.doctor.setCurrentIndex(max(0, combo_index(self.doctor, current)))
            self.doctor.blockSignals(False)

        self.ctx.runner.start(
            load_doctors, self.ctx.clinic, actor, on_success=show, on_error=None, owner=self
        )

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.stale:
            self.reload()

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        # Hidden (another tab, another screen): only remember that the figures are old.
        # A year's trend is about a second of database work, and every complaint step,
        # call and check-in is a change.
        self.stale = not self.isVisible()
        if self.stale:
            return
        first, last = self.period_days()
        self._ticket += 1
        ticket = self._ticket

        def show(data: quality.Dashboard) -> None:
            if ticket == self._ticket:  # a newer request supersedes this one
                self.loads += 1
                self.message.clear()
                self._show(data)
                self._load_months(ticket, last)

        def failed(error: BaseException) -> None:
            if ticket == self._ticket:
                self.loads += 1
                self.data = None
                self.message.show_error(full_error_text(error))

        self.ctx.runner.start(
            load_dashboard,
            self.ctx.clinic,
            actor,
            first,
            last,
            self.doctor_id(),
            on_success=show,
            on_error=failed,
            owner=self,
        )

    def _load_months(self, ticket: int, last: date) -> None:
        actor = self.ctx.actor
        if actor is None:
            return

        def show(monthly: dict[str, tuple[quality.Point, ...]]) -> None:
            if ticket == self._ticket and self.data is not None:
                self.data = replace(self.data, monthly=monthly)
                self.select(self.selected)

        self.ctx.runner.start(
            load_months,
            self.ctx.clinic,
            actor,
            last,
            self.doctor_id(),
            on_success=show,
            on_error=None,  # the tiles and the weeks stand; the months chart stays empty
            owner=self,
        )

    def _on_changes(self, changes: Changes) -> None:
        if any(changes.touches(t) for t in RELOAD_TOPICS):
            self.reload()
        if changes.touches(Topic.STAFF) or changes.touches(Topic.ROSTERS):
            self._load_doctors()

    # -- showing -------------------------------------------------------------------------------

    def _show(self, data: quality.Dashboard) -> None:
        self.data = data
        for metric in data.metrics:
            tile = self.tiles.get(metric.key)
            if tile is not None:
                tile.show_metric(metric)
        if data.empty:
            who = data.doctor_name or self.tr("the clinic")
            self.message.show_info(
                self.tr(
                    "Nothing was recorded for {who} from {first} to {last}: no visits, "
                    "appointments, calls, complaints or survey answers. Choose another period."
                ).format(who=who, first=data.first.isoformat(), last=data.last.isoformat())
            )
        self._show_counters(data)
        self.select(self.selected)

    def _show_counters(self, data: quality.Dashboard | None) -> None:
        words = {
            "open_complaints": self.tr("Open complaints: {n}"),
            "overdue_complaints": self.tr("Overdue: {n}"),
            "escalations_unseen": self.tr("Escalations not seen: {n}"),
            "missing_self_checks": self.tr("Missing self-checks: {n}"),
        }
        for code, button in self.counters.items():
            n = getattr(data, code) if data is not None else 0
            button.setText(words[code].format(n=n if data is not None else "–"))
            red = code != "open_complaints" and bool(n)
            button.setStyleSheet(
                f"color: {ERROR_COLOR}; font-weight: bold; text-align: left;"
                if red
                else "text-align: left;"
            )
            button.setToolTip(
                self.tr("Show the complaints")
                if code != "missing_self_checks"
                else self.tr("Show the self-checks")
            )

    def metric_of(self, key: str) -> quality.Metric | None:
        if self.data is None:
            return None
        return next((m for m in self.data.metrics if m.key == key), None)

    def select(self, key: str) -> None:
        """Show the trend of one metric in the charts."""
        self.selected = key
        for tile_key, tile in self.tiles.items():
            tile.set_selected(tile_key == key)
        metric = self.metric_of(key)
        if metric is None or self.data is None:
            return
        name = metric_label(key)
        for chart, points, title in (
            (self.weekly_chart, self.data.weekly.get(key, ()), self.tr("{metric} by week")),
            (self.monthly_chart, self.data.monthly.get(key, ()), self.tr("{metric} by month")),
        ):
            chart.set_series(
                bars(points),
                target=metric.target,
                unit=metric.unit,
                higher_is_better=metric.higher_is_better,
                title=title.format(metric=name),
            )

    def jump(self, where: str) -> None:
        """Show the complaints or self-check tab of the page this panel sits in, if any."""
        self.jump_requested.emit(where)
        wanted = {"complaints": "Complaint", "selfcheck": "SelfCheck"}[where]
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QTabWidget):
            parent = parent.parentWidget()
        if parent is None:
            return
        for index in range(parent.count()):
            widget = parent.widget(index)
            if widget is not None and type(widget).__name__.startswith(wanted):
                parent.setCurrentIndex(index)
                return

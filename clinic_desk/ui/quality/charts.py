"""A small bar chart of a metric's trend (spec G2, G3), drawn with QPainter.

QtCharts is not part of the installed Qt, and one chart kind is all the
dashboard needs: a bar per period, the target as a dashed line, the axis
labelled, the value of a bar on hover, and "No data" where a period had none
(a missing value is not a zero). Labels use the widget's font, so Chinese
renders with the bundled CJK font.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QHelpEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

BAR = QColor("#5c8fc7")
BAR_MISSED = QColor("#d9822b")  # a period on the wrong side of the target
TARGET = QColor("#b00020")
AXIS = QColor("#757575")
GRID = QColor("#e0e0e0")


@dataclass(frozen=True)
class Bar:
    """One period of the chart, as shown: its label, value (None: no data) and count."""

    label: str
    value: float | None
    n: int = 0
    detail: str = ""  # the period's dates, for the tooltip


def value_text(value: float | None, unit: str) -> str:
    """A figure as the dashboard writes it: 96.5 %, 12.3 min, 4."""
    if value is None:
        return QCoreApplication.translate("QualityChart", "No data")
    if unit == "percent":
        return f"{value:.1f} %"
    if unit == "minutes":
        return QCoreApplication.translate("QualityChart", "{value} min").format(
            value=f"{value:.1f}"
        )
    return f"{value:g}"


def nice_top(highest: float) -> float:
    """A round top for the value axis (1, 2, 2.5, 5 times a power of ten) above ``highest``."""
    if highest <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(highest))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if highest <= step * power:
            return step * power
    return 10 * power


class TrendChart(QWidget):
    """Bars for a series of periods with the target as a dashed line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trend-chart")
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.bars: tuple[Bar, ...] = ()
        self.target: float | None = None
        self.unit = "count"
        self.higher_is_better = True
        self.title = ""

    def sizeHint(self) -> QSize:
        return QSize(480, 220)

    def minimumSizeHint(self) -> QSize:
        return QSize(240, 140)

    def set_series(
        self,
        bars: Sequence[Bar],
        *,
        target: float | None,
        unit: str,
        higher_is_better: bool = True,
        title: str = "",
    ) -> None:
        self.bars = tuple(bars)
        self.target = target
        self.unit = unit
        self.higher_is_better = higher_is_better
        self.title = title
        self.update()

    # -- geometry (shared by painting and the tooltip) ---------------------------------------

    def top_value(self) -> float:
        values = [b.value for b in self.bars if b.value is not None]
        if self.target is not None:
            values.append(self.target)
        highest = max(values, default=0.0)
        if self.unit == "percent":
            return 100.0 if highest <= 100 else nice_top(highest)
        return nice_top(highest)

    def plot_rect(self) -> QRectF:
        fm = QFontMetrics(self.font())
        left = fm.horizontalAdvance(value_text(self.top_value(), self.unit)) + 12
        top = fm.height() + 8 if self.title else 8
        bottom = fm.height() + 10
        return QRectF(
            left, top, max(10, self.width() - left - 10), max(10, self.height() - top - bottom)
        )

    def bar_rects(self) -> list[QRectF]:
        """Each period's slot (the full height): the bar is drawn in its middle."""
        plot = self.plot_rect()
        if not self.bars:
            return []
        slot = plot.width() / len(self.bars)
        return [
            QRectF(plot.left() + i * slot, plot.top(), slot, plot.height())
            for i in range(len(self.bars))
        ]

    def y_of(self, value: float) -> float:
        plot = self.plot_rect()
        return plot.bottom() - plot.height() * min(value, self.top_value()) / self.top_value()

    def bar_at(self, x: float) -> int | None:
        for index, rect in enumerate(self.bar_rects()):
            if rect.left() <= x < rect.right():
                return index
        return None

    def tooltip_for(self, index: int) -> str:
        bar = self.bars[index]
        lines = [
            bar.label + (f" ({bar.detail})" if bar.detail else ""),
            value_text(bar.value, self.unit),
        ]
        if bar.value is not None and bar.n:
            lines.append(QCoreApplication.translate("QualityChart", "counted: {n}").format(n=bar.n))
        if self.target is not None:
            lines.append(
                QCoreApplication.translate("QualityChart", "target: {target}").format(
                    target=value_text(self.target, self.unit)
                )
            )
        return "\n".join(lines)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.bar_at(event.pos().x())
            if index is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip_for(index), self)
            return True
        return super().event(event)

    # -- painting ----------------------------------------------------------------------------

    def met(self, value: float) -> bool:
        if self.target is None:
            return True
        return value >= self.target if self.higher_is_better else value <= self.target

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.fillRect(self.rect(), self.palette().base())
            fm = QFontMetrics(self.font())
            plot = self.plot_rect()
            if self.title:
                painter.setPen(self.palette().text().color())
                painter.drawText(
                    QRectF(0, 2, self.width(), fm.height()),
                    Qt.AlignmentFlag.AlignHCenter,
                    fm.elidedText(self.title, Qt.TextElideMode.ElideRight, self.width() - 8),
                )
            self._paint_axis(painter, plot, fm)
            if not self.bars:
                painter.setPen(AXIS)
                painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, value_text(None, self.unit))
                return
            self._paint_bars(painter, plot, fm)
            if self.target is not None:
                pen = QPen(TARGET, 1.5, Qt.PenStyle.DashLine)
                painter.setPen(pen)
                y = self.y_of(self.target)
                painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        finally:
            painter.end()

    def _paint_axis(self, painter: QPainter, plot: QRectF, fm: QFontMetrics) -> None:
        top = self.top_value()
        for step in range(5):
            value = top * step / 4
            y = self.y_of(value)
            painter.setPen(GRID if step else AXIS)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(AXIS)
            text = value_text(value, self.unit) if self.unit != "minutes" else f"{value:g}"
            painter.drawText(
                QRectF(0, y - fm.height() / 2, plot.left() - 6, fm.height()),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                text,
            )
        painter.drawLine(QPointF(plot.left(), plot.top()), QPointF(plot.left(), plot.bottom()))

    def _paint_bars(self, painter: QPainter, plot: QRectF, fm: QFontMetrics) -> None:
        slots = self.bar_rects()
        width = slots[0].width()
        # Only every k-th label when they would overlap (53 weeks in a narrow chart).
        widest = max(fm.horizontalAdvance(b.label) for b in self.bars) + 6
        every = max(1, math.ceil(widest / max(1.0, width)))
        for index, (bar, slot) in enumerate(zip(self.bars, slots, strict=True)):
            inner = slot.adjusted(width * 0.15, 0, -width * 0.15, 0)
            if bar.value is None:
                self._paint_no_data(painter, plot, fm, slot, inner)
            else:
                y = self.y_of(bar.value)
                painter.fillRect(
                    QRectF(inner.left(), y, inner.width(), plot.bottom() - y),
                    BAR if self.met(bar.value) else BAR_MISSED,
                )
            if (len(self.bars) - 1 - index) % every == 0:  # the latest always labelled
                painter.setPen(AXIS)
                painter.drawText(
                    QRectF(slot.center().x() - widest / 2, plot.bottom() + 2, widest, fm.height()),
                    Qt.AlignmentFlag.AlignHCenter,
                    bar.label,
                )

    def _paint_no_data(
        self, painter: QPainter, plot: QRectF, fm: QFontMetrics, slot: QRectF, inner: QRectF
    ) -> None:
        painter.setPen(AXIS)
        words = value_text(None, self.unit)
        if fm.horizontalAdvance(words) + 4 <= slot.width():
            line = QRectF(slot.left(), plot.bottom() - fm.height() - 2, slot.width(), fm.height())
            painter.drawText(line, Qt.AlignmentFlag.AlignHCenter, words)
            return
        # Too narrow for the words: written upwards along the missing bar.
        painter.save()
        painter.translate(inner.center().x(), plot.bottom() - 4)
        painter.rotate(-90)
        painter.drawText(QPointF(0, fm.ascent() / 2 - 1), words)
        painter.restore()

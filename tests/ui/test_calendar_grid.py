"""The appointment grid's drawing rules (issue 5, A6): overlaps side by side, headers in view."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QScrollArea

from clinic_desk.ui.calendar.grid import HEADER_HEIGHT, AppointmentGrid, Block, Column, assign_lanes

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 24)
DOCTOR = uuid.uuid4()


@dataclass(frozen=True)
class _View:
    """The fields the grid reads from an AppointmentView."""

    id: uuid.UUID
    doctor_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    status: str = "booked"
    patient_name: str = "张三"
    type_name: str = ""
    purpose: str = "复诊"
    add_on: bool = False
    series_id: uuid.UUID | None = None
    on_holiday: bool = False
    type_color: str = ""


def _view(hour: int, minute: int, minutes: int, **kw: object) -> _View:
    start = datetime(2026, 11, 24, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)
    return _View(uuid.uuid4(), DOCTOR, start, start + timedelta(minutes=minutes), **kw)  # type: ignore[arg-type]


def _block(start: int, end: int, column: int = 0) -> Block:
    return Block(view=None, column=column, start_minute=start, end_minute=end)


def test_overlapping_blocks_get_lanes_and_separate_ones_do_not() -> None:
    a, b, c = _block(540, 600), _block(570, 630), _block(600, 660)
    alone = _block(700, 730)
    other_column = _block(540, 600, column=1)
    assign_lanes([alone, c, b, a, other_column])
    # a and b overlap; c starts when a ends, so it reuses a's lane; all three share a cluster.
    assert (a.lane, b.lane, c.lane) == (0, 1, 0)
    assert a.lanes == b.lanes == c.lanes == 2
    assert (alone.lane, alone.lanes) == (0, 1)
    assert (other_column.lane, other_column.lanes) == (0, 1)


def test_an_add_on_is_drawn_beside_the_booking_it_overlaps(qtbot) -> None:  # type: ignore[no-untyped-def]
    grid = AppointmentGrid()
    qtbot.addWidget(grid)
    grid.resize(600, 700)
    booked = _view(9, 0, 30)
    add_on = _view(9, 15, 15, add_on=True, patient_name="李四")
    grid.set_data(
        [Column(DOCTOR, DAY, "李医生", working=((480, 720),))],
        [booked, add_on],
        zone=SHANGHAI,
        slot_minutes=15,
    )
    grid.grab()  # paints, which places the blocks
    first, second = grid.blocks
    assert first.rect.right() <= second.rect.left() + 0.01  # side by side, not on top
    assert first.rect.width() > 100 and second.rect.width() > 100
    # Each can be picked by clicking its own half.
    assert grid.block_at(first.rect.center().toPoint()) is first
    assert grid.block_at(second.rect.center().toPoint()) is second


def test_headers_stay_in_view_when_the_day_is_scrolled(qtbot) -> None:  # type: ignore[no-untyped-def]
    grid = AppointmentGrid()
    grid.row_height = 40  # a tall day, so it scrolls
    early = _view(8, 0, 30)
    area = QScrollArea()
    qtbot.addWidget(area)
    area.setWidgetResizable(True)
    area.setWidget(grid)
    area.resize(600, 300)
    grid.set_data(
        [Column(DOCTOR, DAY, "李医生", "12 free", working=((480, 1080),))],
        [early],
        zone=SHANGHAI,
        slot_minutes=15,
    )
    area.show()
    qtbot.waitExposed(area)
    assert grid.header_top() == 0
    area.verticalScrollBar().setValue(50)
    qtbot.wait(20)
    assert grid.header_top() == 50
    grid.repaint()
    # The 08:00 block now lies under the header: a click there is not a click on it.
    block = grid.blocks[0]
    under_header = QPoint(int(block.rect.center().x()), 50 + HEADER_HEIGHT // 2)
    assert block.rect.contains(under_header.toPointF())
    assert grid.block_at(under_header) is None
    # What is drawn at the top of the view is the header's background, not the block's blue.
    image = grid.grab().toImage()
    pixel = image.pixelColor(int(block.rect.center().x()), 50 + 3)
    assert pixel.name() in ("#fafafa", "#eeeeee")

"""The appointment grid's drawing rules (issue 5, A6): overlaps side by side, headers in view."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QScrollArea

from clinic_desk.core.services.appointments import CalendarRow
from clinic_desk.ui.calendar.grid import (
    HEADER_HEIGHT,
    TIME_WIDTH,
    AppointmentGrid,
    Block,
    Column,
    assign_lanes,
    identity,
)

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


def _row(view: _View) -> CalendarRow:
    """The same appointment as the service's slim calendar row."""
    return CalendarRow(
        view.id.hex,
        view.doctor_id,
        uuid.uuid4().hex,
        view.patient_name,
        view.starts_at,
        view.ends_at,
        view.status,
        view.type_name,
        view.type_color,
        view.purpose,
        view.add_on,
        None if view.series_id is None else view.series_id.hex,
        view.on_holiday,
    )


def _views() -> list[_View]:
    return [
        _view(9, 0, 30, type_name="General consult"),
        _view(9, 15, 15, add_on=True, patient_name="李四", status="arrived"),
        _view(10, 0, 45, status="confirmed", type_color="#8E24AA", series_id=uuid.uuid4()),
        _view(11, 0, 20, status="done", on_holiday=True, purpose="复查"),
    ]


def test_calendar_rows_draw_exactly_as_full_views(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Issue 5: the grid draws the slim CalendarRow as it drew the full view."""
    columns = [Column(DOCTOR, DAY, "李医生", "12 free", working=((480, 720),))]
    views = _views()
    images = []
    for rows in (views, [_row(v) for v in views]):
        grid = AppointmentGrid()
        qtbot.addWidget(grid)
        grid.resize(700, 700)
        grid.set_data(columns, rows, zone=SHANGHAI, slot_minutes=15)  # type: ignore[arg-type]
        images.append(grid.grab().toImage())
        assert [(b.column, b.start_minute, b.end_minute, b.lane, b.lanes) for b in grid.blocks] == [
            (0, 540, 570, 0, 2),
            (0, 555, 570, 1, 2),
            (0, 600, 645, 0, 1),
            (0, 660, 680, 0, 1),
        ]
    assert images[0] == images[1]


def test_blocks_follow_the_width_the_scale_and_new_data(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Block places are kept between paints, and made again when anything they hang on
    changes: the width, the row height, the data."""
    grid = AppointmentGrid()
    qtbot.addWidget(grid)
    grid.resize(600, 700)
    columns = [Column(DOCTOR, DAY, "李医生", working=((480, 720),))]
    grid.set_data(columns, [_row(_view(10, 0, 30))], zone=SHANGHAI, slot_minutes=15)
    grid.grab()
    block = grid.blocks[0]
    expected = grid.block_rect(0, 600, 630)
    assert block.rect.left() == expected.left() and block.rect.width() == expected.width()
    assert abs(block.rect.top() - expected.top()) < 1e-9
    assert abs(block.rect.height() - expected.height()) < 1e-9
    grid.resize(900, 700)
    grid.grab()
    assert block.rect.width() == grid.block_rect(0, 600, 630).width() == 900 - TIME_WIDTH - 4
    grid.row_height = 30
    grid.grab()
    assert abs(block.rect.height() - (2 * 30 - 2)) < 1e-9
    grid.set_data(columns, [_row(_view(11, 0, 15))], zone=SHANGHAI, slot_minutes=15)
    grid.grab()
    assert grid.blocks[0].rect.top() == grid.y_of(660) + 1


def test_the_selection_stays_on_the_appointment_across_reloads(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A reload brings new row objects; the selected appointment is found by its id."""
    grid = AppointmentGrid()
    qtbot.addWidget(grid)
    grid.resize(600, 700)
    columns = [Column(DOCTOR, DAY, "李医生", working=((480, 720),))]
    views = _views()
    grid.set_data(columns, [_row(v) for v in views], zone=SHANGHAI, slot_minutes=15)
    grid.grab()
    grid._select(grid.blocks[2])
    fresh = [_row(v) for v in reversed(views)]  # another load: equal rows, new objects
    grid.set_data(columns, fresh, zone=SHANGHAI, slot_minutes=15)
    assert grid.selected is not None and grid.selected.view is fresh[1]
    assert identity(grid.selected.view) == views[2].id.hex
    # Gone from the new data: nothing is selected.
    grid.set_data(columns, fresh[2:], zone=SHANGHAI, slot_minutes=15)
    assert grid.selected is None
    # Views without a stored key (the full AppointmentView) are matched by id.
    grid.set_data(columns, views, zone=SHANGHAI, slot_minutes=15)  # type: ignore[arg-type]
    grid._select(grid.blocks[0])
    grid.set_data(columns, list(views), zone=SHANGHAI, slot_minutes=15)  # type: ignore[arg-type]
    assert grid.selected is not None and grid.selected.view is views[0]
    assert identity(views[0]) == views[0].id


def test_calendar_row_reads_like_a_view() -> None:
    """CalendarRow's names are AppointmentView's: ids parsed when asked, length, active."""
    view = _view(9, 0, 30, series_id=uuid.uuid4(), status="no_show")
    row = _row(view)
    assert row.id == view.id and row.key == view.id.hex
    assert row.series_id == view.series_id and _row(_view(9, 0, 30)).series_id is None
    assert uuid.UUID(row.patient_key) == row.patient_id
    assert row.minutes == 30 and not row.active and _row(_view(9, 0, 5)).active


def test_the_background_is_kept_when_only_the_headers_change(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A booking changes a column's "N free": the headers are drawn again, the columns'
    background (working hours, lines) is kept; other working hours make a new one."""
    grid = AppointmentGrid()
    qtbot.addWidget(grid)
    grid.resize(600, 700)
    rows = [_row(_view(9, 0, 30))]
    grid.set_data(
        [Column(DOCTOR, DAY, "李医生", "12 free", working=((480, 720),))],
        rows,
        zone=SHANGHAI,
        slot_minutes=15,
    )
    before = grid.grab().toImage()
    assert grid._background_cache is not None
    kept = grid._background_cache[1].cacheKey()
    grid.set_data(
        [Column(DOCTOR, DAY, "李医生", "11 free", working=((480, 720),))],
        rows,
        zone=SHANGHAI,
        slot_minutes=15,
    )
    after = grid.grab().toImage()
    assert grid._background_cache[1].cacheKey() == kept
    assert after != before  # the subtitle is drawn anew
    header = after.copy(TIME_WIDTH, 0, 600 - TIME_WIDTH, HEADER_HEIGHT)
    assert header != before.copy(TIME_WIDTH, 0, 600 - TIME_WIDTH, HEADER_HEIGHT)
    assert after.copy(0, HEADER_HEIGHT, 600, 600) == before.copy(0, HEADER_HEIGHT, 600, 600)
    grid.set_data(
        [Column(DOCTOR, DAY, "李医生", "11 free", working=((540, 720),))],
        rows,
        zone=SHANGHAI,
        slot_minutes=15,
    )
    grid.grab()
    assert grid._background_cache[1].cacheKey() != kept

"""Progress and cancel for the long sync steps (issue 7, follow-up of the last review).

Turning sync on writes every row as outbox operations (``write_snapshot``), and
joining pulls the whole log: both report progress through a ``TaskState``
(STYLE 9) that only goes up and ends at 1.0, and a cancel leaves nothing behind:
no sync state, triggers or outbox rows on the first workstation (which can then
enable again), no files in the new workstation's folder.

Real SQLCipher clinics and a real PostgreSQL hub. ``SNAPSHOT_ROWS`` and
``PULL_BATCH`` are set small so a seeded clinic's few hundred rows make many
operations and several pulled batches, as 2.2 million rows do in a real clinic.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from clinic_desk.core.security.keys import KdfParams
from clinic_desk.core.services import clinic as clinic_service
from clinic_desk.core.services import patients, staff
from clinic_desk.core.services import sync as sync_service
from clinic_desk.core.sync import engine, tables
from clinic_desk.core.tasks import Cancelled, TaskState
from tests.sync.conftest import (
    DIRECTOR,
    DIRECTOR_PASSWORD,
    PASSPHRASE,
    Station,
    make_standalone,
)
from tests.sync.helpers.stations import dump, run_round

Report = tuple[float, str]


@pytest.fixture(autouse=True)
def small_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "SNAPSHOT_ROWS", 2)
    monkeypatch.setattr(engine, "PULL_BATCH", 3)


def _recorder(reports: list[Report], cancel_at: tuple[str, int] | None = None) -> TaskState:
    """A TaskState that records every report and cancels itself at the n-th of one step."""
    seen: dict[str, int] = {}
    state: TaskState

    def on_progress(fraction: float, message: str) -> None:
        reports.append((fraction, message))
        seen[message] = seen.get(message, 0) + 1
        if cancel_at is not None and cancel_at == (message, seen[message]):
            state.cancel()

    state = TaskState(on_progress)
    return state


def _assert_rises_to_one(reports: list[Report]) -> None:
    fractions = [f for f, _ in reports]
    assert fractions == sorted(fractions), fractions
    assert fractions[-1] == 1.0 and reports[-1][1] == "done"


def _enable(station: Station, url: str, state: TaskState | None) -> None:
    sync_service.enable_sync(
        station.clinic, station.director, hub_url=url, name="Front desk", state=state
    )


def _join(first: Station, tmp: Path, dirname: str, state: TaskState) -> Path:
    """As ``make_joiner``, with a TaskState (``make_joiner`` takes none)."""
    pairing = sync_service.create_pairing(first.clinic, first.director, name="诊室")
    sync_state = engine.load_state(first.clinic)
    assert sync_state is not None
    data_dir = tmp / dirname
    sync_service.join_clinic(
        data_dir,
        hub_url=sync_state.url,
        code=pairing.code,
        passphrase=PASSPHRASE,
        director_login=DIRECTOR,
        director_password=DIRECTOR_PASSWORD,
        kdf=KdfParams.floor(),
        use_keyring=False,
        state=state,
    )
    return data_dir


def _seeded(tmp: Path) -> Station:
    """A clinic that does not sync yet, with a few patients to carry over."""
    station = make_standalone(tmp)
    for n in range(8):
        patients.register_patient(
            station.clinic, station.director, family_name="赵", given_name=f"进度{n}",
            phone=f"1360000{n:04d}", sex="F", birth_date=date(1980, 3, 3),
        )
    return station


def _local_sync_traces(station: Station) -> tuple[int, int, int, bool]:
    rows = station.clinic.store.read_rows
    return (
        int(rows("SELECT count(*) FROM sync_outbox")[0][0]),
        int(rows("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")[0][0]),
        int(rows("SELECT count(*) FROM audit_log WHERE action = 'sync.enable'")[0][0]),
        sync_service.sync_info(station.clinic).enabled,
    )


def test_write_snapshot_counts_every_row_it_writes(tmp_path: Path) -> None:
    """Issue 7: ``write_snapshot`` reports (done, total) after each operation; total is
    the rows of the synced tables, done rises to it."""
    alone = _seeded(tmp_path)
    calls: list[tuple[int, int]] = []
    with alone.clinic.store.unit_of_work(write=True) as uow:  # never committed
        conn = uow.session.connection()
        specs = tables.install_triggers(conn)
        ops = engine.write_snapshot(conn, specs, 1, lambda d, t: calls.append((d, t)))
        expected = sum(
            int(conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar()) for t in specs
        )
    assert expected > 20  # so there are many operations
    assert len(calls) == ops + 1  # the count first, then one report per operation
    assert {t for _, t in calls} == {expected}
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[0] == 0 and done[-1] == expected
    alone.clinic.close()


def test_enable_reports_progress_up_to_done(tmp_path: Path, hub_url: str) -> None:
    """Issue 7: enabling sync reports "hub", then "snapshot" many times, then "done" (1.0)."""
    alone = _seeded(tmp_path)
    reports: list[Report] = []
    _enable(alone, hub_url, _recorder(reports))
    _assert_rises_to_one(reports)
    steps = [m for _, m in reports]
    assert steps[0] == "hub"
    assert steps.count("snapshot") > 10
    assert steps.index("done") > max(i for i, m in enumerate(steps) if m == "snapshot")
    outbox, _, _, enabled = _local_sync_traces(alone)
    assert enabled and outbox == steps.count("snapshot") - 1  # one report per operation
    alone.clinic.close()


def test_cancelled_enable_writes_nothing_and_can_be_done_again(
    tmp_path: Path, hub_url: str
) -> None:
    """Issue 7: a cancel half-way through the snapshot rolls the local transaction back
    (no outbox rows, no triggers, no sync state, no audit line); enabling again works
    (the hub lets the clinic be created again until its first push) and a joiner gets
    every patient."""
    alone = _seeded(tmp_path)
    before = _local_sync_traces(alone)
    reports: list[Report] = []
    with pytest.raises(Cancelled):
        _enable(alone, hub_url, _recorder(reports, cancel_at=("snapshot", 5)))
    assert [m for _, m in reports].count("snapshot") == 5
    assert _local_sync_traces(alone) == before
    assert before[0] == before[2] == 0 and not before[3]

    again: list[Report] = []
    _enable(alone, hub_url, _recorder(again))
    _assert_rises_to_one(again)
    assert run_round(alone).pushed > 0
    room_dir = _join(alone, tmp_path, "room", TaskState())
    room = clinic_service.open_clinic(room_dir, passphrase=PASSPHRASE, use_keyring=False)
    try:
        assert dump(room)["patient"] == dump(alone.clinic)["patient"]
        assert dump(room)["staff"] == dump(alone.clinic)["staff"]
    finally:
        room.close()
        alone.clinic.close()


def test_join_reports_each_step_and_the_pull_reaches_its_estimate(
    tmp_path: Path, hub_url: str
) -> None:
    """Issue 7: joining reports "invitation", "pull" after every batch (its fraction from
    the operations pulled over the hub's sum of ``last_seq``, so the pull ends at 0.9),
    "index", "director", then "done" at 1.0."""
    desk = _seeded(tmp_path)
    _enable(desk, hub_url, None)
    run_round(desk)
    assert engine.pending_count(desk.clinic) == 0
    reports: list[Report] = []
    _join(desk, tmp_path, "room", _recorder(reports))
    _assert_rises_to_one(reports)
    steps = [m for _, m in reports]
    first = {m: steps.index(m) for m in ("invitation", "pull", "index", "director", "done")}
    assert list(first) == sorted(first, key=first.__getitem__)
    pulls = [f for f, m in reports if m == "pull"]
    assert len(pulls) > 3  # a report per batch of PULL_BATCH operations
    assert pulls[0] == pytest.approx(0.1) and pulls[-1] == pytest.approx(0.9)
    desk.clinic.close()


def test_cancelled_join_leaves_the_folder_empty_and_a_new_code_works(
    tmp_path: Path, hub_url: str
) -> None:
    """Issue 7: a cancel during the pull discards the staging folder: the new
    workstation's folder holds nothing; with a new pairing code joining works."""
    desk = _seeded(tmp_path)
    _enable(desk, hub_url, None)
    run_round(desk)
    reports: list[Report] = []
    with pytest.raises(Cancelled):
        _join(desk, tmp_path, "room", _recorder(reports, cancel_at=("pull", 3)))
    assert [m for _, m in reports].count("pull") == 3 and "done" not in dict(
        (m, f) for f, m in reports
    )
    assert list((tmp_path / "room").iterdir()) == []
    assert not clinic_service.is_initialized(tmp_path / "room")

    room_dir = _join(desk, tmp_path, "room", TaskState())
    room = clinic_service.open_clinic(room_dir, passphrase=PASSPHRASE, use_keyring=False)
    try:
        staff.sign_in(room, DIRECTOR, DIRECTOR_PASSWORD)
        assert dump(room)["patient"] == dump(desk.clinic)["patient"]
    finally:
        room.close()
        desk.clinic.close()

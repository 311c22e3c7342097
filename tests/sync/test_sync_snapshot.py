"""Snapshots (issue 7): the hub's log is trimmed below every active workstation's
cursor; a new workstation starts from the snapshot; one that was away past the
horizon resyncs in full, after asking, and loses nothing it made."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from clinic_desk.core.services import patients
from clinic_desk.core.services import sync as sync_service
from clinic_desk.core.sync import hub
from clinic_desk.core.sync.engine import SyncEngine
from tests.sync.conftest import make_first, make_joiner
from tests.sync.test_sync_property import _dump


def _round(station):
    eng = SyncEngine(station.clinic)
    try:
        return eng.run_round()
    finally:
        eng.close()


def _register(station, n: int):
    return patients.register_patient(
        station.clinic, station.director, family_name="周", given_name=f"快照{n}",
        phone=f"1350000{n:04d}", sex="M", birth_date=date(1975, 5, 5),
    ).value


def _ops(hub_url: str) -> int:
    with psycopg.connect(hub_url) as conn:
        return int(conn.execute("SELECT count(*) FROM clinicdesk.ops").fetchone()[0])


def test_compaction_trims_the_log_and_a_new_workstation_starts_from_the_snapshot(
    tmp_path, hub_url
):
    desk = make_first(tmp_path, hub_url)
    _round(desk)
    room = make_joiner(tmp_path, desk, "room", name="诊室")
    for n in range(5):
        _register(desk, n)
    _round(desk)
    _round(room)
    before = _ops(hub_url)
    result = sync_service.compact_hub(desk.clinic, desk.director)
    assert result.rows > 0 and result.horizon > 1
    assert _ops(hub_url) < before
    # The log before the horizon is gone; a new workstation must start from the snapshot.
    nurse = make_joiner(tmp_path, desk, "nurse", name="护士站")
    _register(room, 99)
    for s in (room, desk, nurse, room):
        _round(s)
    dumps = [_dump(s.clinic) for s in (desk, room, nurse)]
    assert dumps[0]["patient"] == dumps[1]["patient"] == dumps[2]["patient"]
    assert len(dumps[0]["patient"]) == 6
    hits = patients.search_patients(nurse.clinic, nurse.director, "zkz")  # 周快照: initials
    assert len(hits) == 6
    for s in (desk, room, nurse):
        s.clinic.close()


def test_a_workstation_away_past_the_horizon_resyncs_in_full_and_keeps_its_work(
    tmp_path, hub_url
):
    desk = make_first(tmp_path, hub_url)
    _round(desk)
    room = make_joiner(tmp_path, desk, "room", name="诊室")
    room_device = sync_service.sync_info(room.clinic).device_id
    # The room is switched off for weeks; meanwhile the desk works and compacts.
    with psycopg.connect(hub_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE clinicdesk.device SET seen_at = now() - interval '40 days', "
            "enrolled_at = now() - interval '60 days' WHERE device_id = %s",
            (room_device,),
        )
    for n in range(3):
        _register(desk, n)
    _round(desk)
    _register(desk, 3)
    _round(desk)
    result = sync_service.compact_hub(desk.clinic, desk.director)
    assert result.horizon > 1
    # Back on, the room made a change before it could sync.
    mine = _register(room, 50)
    with pytest.raises(hub.BeyondHorizon) as caught:
        _round(room)
    assert "Full resync" in str(caught.value)
    loaded = sync_service.full_resync(room.clinic, room.director).value
    assert loaded > 0
    _round(desk)
    _round(room)
    assert _dump(desk.clinic)["patient"] == _dump(room.clinic)["patient"]
    assert len(_dump(room.clinic)["patient"]) == 5
    assert patients.get_patient(desk.clinic, desk.director, mine.id).data.given_name == "快照50"
    info = sync_service.sync_info(room.clinic)
    assert info.device_id != room_device and info.pending == 0
    # The old identity is removed: the hub refuses it from now on.
    names = {w.device_id: w for w in sync_service.list_workstations(desk.clinic, desk.director)}
    assert names[room_device].removed_at is not None
    desk.clinic.close()
    room.clinic.close()

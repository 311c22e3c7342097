"""Sync through a real PostgreSQL hub: enrol, join, converge, conflicts, refusals (issue 7)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import psycopg
import pytest

from clinic_desk.core.services import patients
from clinic_desk.core.services import sync as sync_service
from clinic_desk.core.services.registry_rules import PatientInput
from clinic_desk.core.sync import engine, hub
from clinic_desk.core.sync.engine import SyncEngine
from tests.sync.conftest import make_first, make_joiner

NAME_FAMILY = "欧阳"
NAME_GIVEN = "娜娜"
NOTES = "轮椅 🌸 wheelchair"
PHONE = "13987654321"


def _round(station) -> engine.RoundResult:
    eng = SyncEngine(station.clinic)
    try:
        return eng.run_round()
    finally:
        eng.close()


def _register(station, given=NAME_GIVEN, phone=PHONE):
    return patients.register_patient(
        station.clinic,
        station.director,
        family_name=NAME_FAMILY,
        given_name=given,
        phone=phone,
        sex="F",
        birth_date=date(1988, 3, 4),
        desk_notes=NOTES,
    ).value


@pytest.fixture
def pair(tmp_path, hub_url):
    desk = make_first(tmp_path, hub_url)
    _round(desk)  # the clinic's starting point goes to the hub
    room = make_joiner(tmp_path, desk, "room", name="Dr Wang's room")
    yield desk, room
    desk.clinic.close()
    room.clinic.close()


def test_join_pulls_the_clinic_and_the_director_can_sign_in(pair):
    desk, room = pair
    assert room.clinic.setting("clinic.name") == "示例诊所"
    info = sync_service.sync_info(room.clinic)
    assert info.enabled and info.name == "Dr Wang's room" and info.pending == 0
    assert info.cursor > 0
    stations = sync_service.list_workstations(desk.clinic, desk.director)
    assert sorted(s.name for s in stations) == ["Dr Wang's room", "Front desk"]


def test_a_patient_registered_at_the_desk_is_found_in_the_room(pair):
    desk, room = pair
    patient = _register(desk)
    assert sync_service.sync_info(desk.clinic).pending == 1
    pushed = _round(desk)
    assert pushed.pushed == 1
    result = _round(room)
    assert result.pulled == 1 and "patient" in result.tables
    hits = patients.search_patients(room.clinic, room.director, "欧阳")
    assert [h.id for h in hits] == [patient.id]
    # The search index of the pulled patient was built (pinyin initials, phone tail).
    assert [h.id for h in patients.search_patients(room.clinic, room.director, "oynn")] == [
        patient.id
    ]
    assert [h.id for h in patients.search_patients(room.clinic, room.director, "4321")] == [
        patient.id
    ]


def test_concurrent_edits_keep_the_later_and_list_the_earlier(pair):
    """Merge: per-field last writer wins; the losing value is kept for review."""
    desk, room = pair
    patient = _register(desk)
    _round(desk)
    _round(room)
    data = PatientInput(
        family_name=NAME_FAMILY,
        given_name=NAME_GIVEN,
        phone=PHONE,
        sex="F",
        birth_date=date(1988, 3, 4),
    )
    # Both edit the phone offline; the room's edit is later.
    patients.update_patient(
        desk.clinic,
        desk.director,
        patient.id,
        dataclasses.replace(data, phone="13911112222", occupation="教师"),
    )
    room.clock.offset = timedelta(seconds=2)
    patients.update_patient(
        room.clinic, room.director, patient.id, dataclasses.replace(data, phone="13933334444")
    )
    for _ in range(2):
        _round(desk)
        _round(room)
    for station in (desk, room):
        details = patients.get_patient(station.clinic, station.director, patient.id)
        assert details.data.phone == "+8613933334444"  # the later write
        assert details.data.occupation == "教师"  # a field only one side changed is kept
    lists = [
        [
            (c.table, c.field, c.lost_value, c.kept_value)
            for c in sync_service.list_conflicts(s.clinic, s.director)
        ]
        for s in (desk, room)
    ]
    assert lists[0] == lists[1]
    assert ("patient", "phone", "+8613911112222", "+8613933334444") in lists[0]


def test_restoring_a_lost_value_is_an_ordinary_change_that_syncs(pair):
    desk, room = pair
    patient = _register(desk)
    _round(desk)
    _round(room)
    data = PatientInput(
        family_name=NAME_FAMILY,
        given_name=NAME_GIVEN,
        phone="13911112222",
        sex="F",
        birth_date=date(1988, 3, 4),
    )
    patients.update_patient(desk.clinic, desk.director, patient.id, data)
    room.clock.offset = timedelta(seconds=2)
    patients.update_patient(
        room.clinic, room.director, patient.id, dataclasses.replace(data, phone="13933334444")
    )
    _round(desk)
    _round(room)
    _round(desk)
    (conflict,) = [
        c for c in sync_service.list_conflicts(desk.clinic, desk.director) if c.field == "phone"
    ]
    sync_service.settle_conflict(desk.clinic, desk.director, conflict.id, restore=True)
    _round(desk)
    _round(room)
    for station in (desk, room):
        assert patients.get_patient(station.clinic, station.director, patient.id).data.phone == (
            "+8613911112222"
        )
        assert [
            c
            for c in sync_service.list_conflicts(station.clinic, station.director)
            if c.field == "phone"
        ] == []


def test_the_hub_holds_no_patient_data(pair, hub_url):
    """End-to-end encryption: every byte the hub stores is searched for the patient's data."""
    desk, room = pair
    _register(desk)
    _round(desk)
    _round(room)
    with psycopg.connect(hub_url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'clinicdesk'"
            )
        ]
        dump = b""
        for table in tables:
            for row in conn.execute(f"SELECT * FROM clinicdesk.{table}"):
                for value in row:
                    dump += (
                        bytes(value)
                        if isinstance(value, (bytes, memoryview))
                        else (str(value).encode("utf-8"))
                    )
        ops = conn.execute("SELECT count(*) FROM clinicdesk.ops").fetchone()[0]
    assert ops >= 2 and len(dump) > 1500  # the snapshot and the patient are there, sealed
    for secret in (NAME_FAMILY, NAME_GIVEN, PHONE, NOTES, "示例诊所", "王院长", "director"):
        assert secret.encode("utf-8") not in dump
        assert secret.encode("utf-16-le") not in dump


def test_workstation_role_has_no_table_rights(pg, hub_url):
    login = "ws_test_role"
    with psycopg.connect(hub_url, autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {login}")
    hub.init_hub(hub_url, workstation_login=login)
    url = psycopg.conninfo.make_conninfo(hub_url, user=login)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT clinicdesk.cd_time()").fetchone() is not None
        for table in ("ops", "device", "clinic", "pairing"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT * FROM clinicdesk.{table}")
            conn.rollback()


def test_a_removed_workstation_is_refused(pair):
    desk, room = pair
    room_id = sync_service.sync_info(room.clinic).device_id
    sync_service.remove_workstation(desk.clinic, desk.director, room_id)
    _register(room)
    with pytest.raises(hub.DeviceRevoked):
        _round(room)
    assert sync_service.sync_info(room.clinic).pending == 1  # kept, not lost


def test_a_clock_off_by_more_than_the_setting_stops_sync(pair):
    _desk, room = pair
    _register(room)
    room.clock.offset = timedelta(minutes=7)
    with pytest.raises(engine.ClockSkew) as caught:
        _round(room)
    assert "7" in str(caught.value)
    assert sync_service.sync_info(room.clinic).pending == 1
    room.clock.offset = timedelta(minutes=4)  # within 5: allowed
    assert _round(room).pushed == 1


def test_hub_unreachable_keeps_work_and_says_so(tmp_path, pair):
    desk, _room = pair
    _register(desk)
    state = engine.load_state(desk.clinic)
    assert state is not None
    dead = dataclasses.replace(state, url="postgresql://nobody@127.0.0.1:9/none")
    eng = SyncEngine(desk.clinic, state=dead)
    with pytest.raises(hub.HubUnreachable) as caught:
        eng.run_round()
    assert "cannot be reached" in str(caught.value)
    assert sync_service.sync_info(desk.clinic).pending == 1


def test_an_operation_from_a_newer_schema_stops_before_it(pair, hub_url):
    desk, room = pair
    _register(desk)
    eng = SyncEngine(desk.clinic)
    eng.schema += 1  # as a newer ClinicDesk would label it
    eng.run_round()
    eng.close()
    with pytest.raises(engine.UpdateNeeded):
        _round(room)
    # The room keeps its cursor before the operation; older clients' pushes are refused.
    _register(room, given="小明", phone="13800001111")
    with pytest.raises(hub.ClientTooOld):
        _round(room)


def test_a_tampered_operation_is_refused(pair, hub_url):
    desk, room = pair
    _register(desk)
    _round(desk)
    with psycopg.connect(hub_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE clinicdesk.ops SET ciphertext = overlay(ciphertext placing '\\x00'::bytea "
            "from 20 for 1) WHERE server_seq = (SELECT max(server_seq) FROM clinicdesk.ops)"
        )
    with pytest.raises(engine.SyncDamaged) as caught:
        _round(room)
    assert "altered" in str(caught.value)


def test_pairing_code_is_single_use_and_typos_are_explained(tmp_path, pair):
    desk, _room = pair
    pairing = sync_service.create_pairing(desk.clinic, desk.director, name="Nurse")
    from clinic_desk.core.sync.pairing import PairingCodeTypo, PairingCodeUnknown

    state = engine.load_state(desk.clinic)
    with pytest.raises(PairingCodeTypo):
        sync_service.join_clinic(
            tmp_path / "x",
            hub_url=state.url,
            code="12345",
            passphrase="correct horse battery staple 42",
            director_login="director",
            director_password="x",
            use_keyring=False,
        )
    from clinic_desk.core.security.keys import KdfParams
    from tests.sync.conftest import DIRECTOR_PASSWORD, PASSPHRASE

    sync_service.join_clinic(
        tmp_path / "n1",
        hub_url=state.url,
        code=pairing.code.lower(),
        passphrase=PASSPHRASE,
        director_login="director",
        director_password=DIRECTOR_PASSWORD,
        kdf=KdfParams.floor(),
        use_keyring=False,
    )
    with pytest.raises(PairingCodeUnknown):
        sync_service.join_clinic(
            tmp_path / "n2",
            hub_url=state.url,
            code=pairing.code,
            passphrase=PASSPHRASE,
            director_login="director",
            director_password=DIRECTOR_PASSWORD,
            kdf=KdfParams.floor(),
            use_keyring=False,
        )
    assert not (tmp_path / "n2" / "clinic.db").exists()


def test_join_with_a_wrong_director_password_leaves_nothing(tmp_path, pair):
    desk, _room = pair
    pairing = sync_service.create_pairing(desk.clinic, desk.director, name="Nurse")
    state = engine.load_state(desk.clinic)
    from clinic_desk.core.security.keys import KdfParams
    from tests.sync.conftest import PASSPHRASE

    with pytest.raises(sync_service.NotTheDirector):
        sync_service.join_clinic(
            tmp_path / "n3",
            hub_url=state.url,
            code=pairing.qr_text,
            passphrase=PASSPHRASE,
            director_login="director",
            director_password="wrong-password-123",
            kdf=KdfParams.floor(),
            use_keyring=False,
        )
    assert not (tmp_path / "n3" / "clinic.db").exists()

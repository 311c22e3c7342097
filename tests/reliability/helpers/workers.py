"""Child processes for the reliability tests; run as ``python workers.py MODE ...``.

Each opens the clinic the way a real program does: the passphrase from
``CLINIC_DESK_PASSPHRASE`` and the director's password from ``CLINIC_DESK_PASSWORD``.
Only this file's standard output talks to the parent, one line per fact.
"""

from __future__ import annotations

import argparse
import json
import mmap
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clinic_desk.core.errors import StoreBusy
from clinic_desk.core.security.audit import AuditEvent
from clinic_desk.core.services import patients, staff
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.core.services.clinic import open_clinic


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def open_signed_in(data_dir: Path) -> tuple[Clinic, Actor]:
    clinic = open_clinic(data_dir, use_keyring=False)  # passphrase from the environment
    director = staff.sign_in(clinic, "wang.li", os.environ["CLINIC_DESK_PASSWORD"])
    return clinic, director


def wait_for_go(barrier: Path, name: str) -> None:
    (barrier / f"ready-{name}").touch()
    deadline = time.monotonic() + 60
    while not (barrier / "go").exists():
        if time.monotonic() > deadline:
            raise SystemExit("the parent never said go")
        time.sleep(0.001)


def _write_until_killed(data_dir: Path, round_no: int, emit: Callable[[str], None]) -> None:
    """Register patients (and add notes) until killed; a line only after its commit returned."""
    clinic, director = open_signed_in(data_dir)
    i = 0
    while True:
        patient = patients.register_patient(
            clinic, director, family_name=f"K{round_no:04d}", given_name=f"n{i:06d}"
        ).value
        emit(f"P {patient.id.hex} {round_no} {i}")
        if i % 2 == 1:
            # Notes of a few pages each, so WAL checkpoints happen mid-run too.
            body = f"round {round_no} note {i} " + "病历" * (200 + (i * 37) % 1500)
            note = patients.add_clinical_note(clinic, director, patient.id, body=body).value
            emit(f"N {note.id.hex} {patient.id.hex}")
        i += 1


# Where a writer was when it died, for the kill test's tally (a shared-memory byte).
PHASES = (
    "between writes", "in a write transaction", "in commit", "after commit, before its line"
)


def _track_phases(phase_file: Path) -> mmap.mmap:
    """Mirror the transaction phase into ``phase_file``'s first byte (survives SIGKILL)."""
    from sqlalchemy import Engine, event
    from sqlalchemy.orm import Session

    fd = os.open(phase_file, os.O_RDWR)
    board = mmap.mmap(fd, 1)
    os.close(fd)

    def mark(phase: int) -> Callable[..., None]:
        def set_phase(*_args: Any) -> None:
            board[0] = phase
        return set_phase

    def writing(conn: Any) -> bool:
        return bool(conn.get_execution_options().get("clinic_write", False))

    def began(_session: Any, _transaction: Any, conn: Any) -> None:
        if writing(conn):
            board[0] = 1

    def committing(conn: Any) -> None:
        if writing(conn):
            board[0] = 2  # just before the DB-API commit (WAL write, fsync)

    event.listen(Session, "after_begin", began)
    event.listen(Engine, "commit", committing)
    event.listen(Session, "after_commit", mark(3))
    event.listen(Session, "after_rollback", mark(0))
    return board


def _acknowledge_before_commit(emit: Callable[[str], None]) -> None:
    """A planted fault (the kill test's own check): print each patient before its commit."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from clinic_desk.core.store.models import Patient

    def early(session: Any, _context: Any) -> None:
        for obj in session.new:  # still listed after the flush, ids assigned
            if isinstance(obj, Patient):
                emit(f"P {obj.id.hex} {int(obj.family_name[1:])} {int(obj.given_name[1:])}")

    event.listen(Session, "after_flush", early)


def kill_server(args: argparse.Namespace) -> None:
    """Fork a fresh writer per round from this already-imported process.

    Each round's writer is a new process that opens the clinic from nothing
    (key unlock, migrations, sign-in), so every kill is followed by a real
    reopen; forking only saves the seconds of Python imports per round. Commands
    on standard input: ``go ROUND`` forks a writer (answer ``forked ROUND PID``),
    ``reap`` waits for it after the parent killed it (answer ``reaped PID SIGNAL``,
    sent only after the writer is dead, so all its lines are in the pipe before).
    """
    # Warm-up on a throwaway copy, so lazily imported modules are loaded before
    # forking; nothing of it stays open (SQLite must not cross a fork open).
    warm_clinic, _ = open_signed_in(args.warm_dir)
    warm_clinic.close()
    board = _track_phases(args.phase_file)

    def emit(text: str) -> None:
        # One write(2) per line: a pipe write that small is atomic, so a kill
        # never leaves half a line behind a whole one.
        os.write(1, (text + "\n").encode())
        board[0] = 0

    os.write(1, b"ready\n")
    pid = 0
    for line in sys.stdin:
        words = line.split()
        if words[0] == "go":
            round_no = int(words[1])
            pid = os.fork()
            if pid == 0:
                try:
                    board[0] = 0
                    if args.early_ack:
                        _acknowledge_before_commit(emit)
                    _write_until_killed(args.data_dir, round_no, emit)
                except BaseException:
                    traceback.print_exc()
                    sys.stderr.flush()
                finally:
                    os._exit(3)
            os.write(1, f"forked {round_no} {pid}\n".encode())
        elif words[0] == "reap":
            _, status = os.waitpid(pid, 0)
            signal_no = os.WTERMSIG(status) if os.WIFSIGNALED(status) else -1
            os.write(1, f"reaped {pid} {signal_no} {os.waitstatus_to_exitcode(status)}\n".encode())


def _increment_once(clinic: Clinic, actor: Actor, *, racy: bool) -> int:
    """Add one to the shared counter with its audit row; the value written."""
    if racy:
        # Deliberately wrong (the harness's own check): read and write in
        # two transactions, so another process can slip in between.
        with clinic.store.unit_of_work(write=False) as uow:
            value = int(uow.meta("counter") or 0)
        time.sleep(0.002)
        with clinic.store.unit_of_work(write=True) as uow:
            uow.set_meta("counter", str(value + 1))
            clinic.audit(uow, actor, AuditEvent(action="test.increment"))
            uow.commit()
    else:
        with clinic.store.unit_of_work(write=True) as uow:
            value = int(uow.meta("counter") or 0)
            time.sleep(0.001)  # widen the window a lost update would need
            uow.set_meta("counter", str(value + 1))
            clinic.audit(uow, actor, AuditEvent(action="test.increment"))
            uow.commit()
    return value + 1


def increment(args: argparse.Namespace) -> None:
    """Read-modify-write a shared counter ``args.n`` times; print the values written."""
    clinic = open_clinic(args.data_dir, use_keyring=False)
    actor = Actor.system(f"writer-{args.name}")
    written: list[int] = []
    wait_for_go(args.barrier, args.name)
    for _ in range(args.n):
        written.append(_increment_once(clinic, actor, racy=args.racy))
        # A pause between writes, as between a person's clicks, lets the other
        # process in (the busy handler's back-off would otherwise starve it).
        time.sleep(0.002)
    clinic.close()
    say(json.dumps({"name": args.name, "written": written}))


def _time_write_locks(clinic: Clinic, waits: list[float]) -> None:
    """Append to ``waits`` how long each write transaction waited for the write lock.

    The store begins every write with ``BEGIN IMMEDIATE``, where SQLite's busy
    handler waits for another program's write to end; that statement is timed.
    """
    from sqlalchemy import event

    started = [0.0]

    def before(conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        started[0] = time.monotonic()

    def after(conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if statement == "BEGIN IMMEDIATE":
            waits.append(time.monotonic() - started[0])

    event.listen(clinic.store.engine, "before_cursor_execute", before)
    event.listen(clinic.store.engine, "after_cursor_execute", after)


def mixed(args: argparse.Namespace) -> None:
    """``args.n`` rounds of: one counter increment, one patient registered (services).

    Prints the values and ids acknowledged, each write's wait for the lock, and
    every StoreBusy ("busy for too long") that reached this caller.
    """
    clinic, director = open_signed_in(args.data_dir)
    actor = Actor.system(f"writer-{args.name}")
    with clinic.store.connection() as conn:
        busy_timeout_ms = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    waits: list[float] = []
    _time_write_locks(clinic, waits)
    written: list[int] = []
    ids: list[str] = []
    busy: list[str] = []
    wait_for_go(args.barrier, args.name)
    for i in range(args.n):
        try:
            written.append(_increment_once(clinic, actor, racy=False))
        except StoreBusy as error:
            busy.append(error.message())
        time.sleep(0.002)  # between a person's clicks
        try:
            patient = patients.register_patient(
                clinic, director, family_name=f"W{args.name}", given_name=f"n{i:04d}"
            ).value
            ids.append(patient.id.hex)
        except StoreBusy as error:
            busy.append(error.message())
        time.sleep(0.002)
    clinic.close()
    say(json.dumps({
        "name": args.name, "written": written, "ids": ids, "waits": waits, "busy": busy,
        "busy_timeout_ms": busy_timeout_ms,
    }))


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("kill-server")
    p.add_argument("data_dir", type=Path)
    p.add_argument("warm_dir", type=Path)
    p.add_argument("phase_file", type=Path)
    p.add_argument("--early-ack", action="store_true")
    p.set_defaults(func=kill_server)
    for mode, func in (("increment", increment), ("mixed", mixed)):
        p = sub.add_parser(mode)
        p.add_argument("data_dir", type=Path)
        p.add_argument("barrier", type=Path)
        p.add_argument("name")
        p.add_argument("n", type=int)
        p.add_argument("--racy", action="store_true")
        p.set_defaults(func=func)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()

"""Child processes for the reliability tests; run as ``python workers.py MODE ...``.

Each opens the clinic the way a real program does: the passphrase from
``CLINIC_DESK_PASSPHRASE`` and the director's password from ``CLINIC_DESK_PASSWORD``.
Only this file's standard output talks to the parent, one line per fact.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

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


def kill_writer(args: argparse.Namespace) -> None:
    """Write until killed; a line is printed only after its commit returned."""
    if args.gate is not None:
        # Started early (imports done) while the parent still checks the last round.
        deadline = time.monotonic() + 60
        while not args.gate.exists():
            if time.monotonic() > deadline:
                raise SystemExit("the parent never opened the gate")
            time.sleep(0.002)
    clinic, director = open_signed_in(args.data_dir)
    i = 0
    while True:
        patient = patients.register_patient(
            clinic, director, family_name=f"K{args.round:04d}", given_name=f"n{i:06d}"
        ).value
        say(f"P {patient.id.hex} {args.round} {i}")
        if i % 2 == 1:
            # Notes of a few pages each, so WAL checkpoints happen mid-run too.
            body = f"round {args.round} note {i} " + "病历" * (200 + (i * 37) % 1500)
            note = patients.add_clinical_note(clinic, director, patient.id, body=body).value
            say(f"N {note.id.hex} {patient.id.hex}")
        i += 1


def increment(args: argparse.Namespace) -> None:
    """Read-modify-write a shared counter ``args.n`` times; print the values written."""
    clinic = open_clinic(args.data_dir, use_keyring=False)
    actor = Actor.system(f"writer-{args.name}")
    written: list[int] = []
    wait_for_go(args.barrier, args.name)
    for _ in range(args.n):
        if args.racy:
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
            # A pause between writes, as between a person's clicks, lets the other
            # process in (the busy handler's back-off would otherwise starve it).
            time.sleep(0.002)
        written.append(value + 1)
    clinic.close()
    say(json.dumps({"name": args.name, "written": written}))


def register(args: argparse.Namespace) -> None:
    clinic, director = open_signed_in(args.data_dir)
    wait_for_go(args.barrier, args.name)
    ids = []
    for i in range(args.n):
        patient = patients.register_patient(
            clinic, director, family_name=f"W{args.name}", given_name=f"n{i:04d}"
        ).value
        ids.append(patient.id.hex)
    clinic.close()
    say(json.dumps({"name": args.name, "ids": ids}))


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("kill-writer")
    p.add_argument("data_dir", type=Path)
    p.add_argument("round", type=int)
    p.add_argument("--gate", type=Path, default=None)
    p.set_defaults(func=kill_writer)
    for mode, func in (("increment", increment), ("register", register)):
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

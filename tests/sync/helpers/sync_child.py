"""A workstation syncing in a loop until it is killed (tests/sync/test_sync_faults.py).

    python -m tests.sync.helpers.sync_child DATA_DIR --tag T [--ops N] [--pause-at STEP]
                                            [--gate PATH]

Opens the clinic the way the program does (the passphrase from
``CLINIC_DESK_PASSPHRASE``, the director's password from ``CLINIC_DESK_PASSWORD``)
and repeats: pull and apply everything the hub has; register two patients;
make ``--ops`` more operations; push. Standard output is one line per fact,
printed only after it happened, so a line cut off by the kill does not count:

    ready
    pulling                  about to pull (and apply)
    step applied             a batch is applied, not yet committed (engine hook)
    A <op id> ...            those operations were committed with their cursor
    pulled <n>
    P <patient id>           registered (committed, so in the outbox)
    made <seq>               more operations, up to outbox seq <seq>
    pushing                  about to push
    step pushed              the hub stored a batch; the outbox not yet cleared
    pushed <n>

``--pause-at applied`` (or ``pushed``) sleeps after printing that step, so the
parent's SIGKILL lands exactly there. With ``--gate`` it imports, then waits for
that file before opening the clinic: started early, while the parent still
checks the last round, its start-up costs nothing (and it never writes early).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from clinic_desk.core.services import patients, staff
from clinic_desk.core.services.clinic import open_clinic
from clinic_desk.core.sync.engine import SyncEngine
from tests.sync.helpers.ops import make_ops


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--tag", required=True)
    parser.add_argument("--ops", type=int, default=400)
    parser.add_argument("--pause-at", choices=("applied", "pushed"))
    parser.add_argument("--gate", type=Path)
    args = parser.parse_args()
    if args.gate is not None:
        deadline = time.monotonic() + 300
        while not args.gate.exists():
            if time.monotonic() > deadline:
                raise SystemExit("the parent never opened the gate")
            time.sleep(0.005)

    clinic = open_clinic(args.data_dir, use_keyring=False)  # passphrase from the environment
    director = staff.sign_in(clinic, "director", os.environ["CLINIC_DESK_PASSWORD"])
    eng = SyncEngine(clinic)

    def step(name: str) -> None:
        say(f"step {name}")
        if name == args.pause_at:
            time.sleep(60)  # the parent kills us here

    eng.fault = step
    eng.on_applied = lambda op_ids: say("A " + " ".join(op_ids)) if op_ids else None
    say("ready")
    loop = 0
    while True:
        say("pulling")
        say(f"pulled {eng.pull().pulled}")
        for i in range(2):
            patient = patients.register_patient(
                clinic, director, family_name="孙", given_name=f"{args.tag}-{loop}-{i}"
            ).value
            say(f"P {patient.id.hex}")
        say(f"made {make_ops(clinic, args.ops, tag=f'{args.tag}-{loop}', column='occupation')}")
        say("pushing")
        say(f"pushed {eng.push()}")
        loop += 1


if __name__ == "__main__":
    main()

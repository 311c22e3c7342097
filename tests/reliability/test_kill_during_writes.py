"""SIGKILL in the middle of writing, many times over (issue 2).

A child process registers patients (and adds notes) in a loop and prints each
id only after the service call, and so its commit, returned. The parent kills
it with SIGKILL at a random moment, then checks the file: SQLite and SQLCipher
integrity hold, every acknowledged write is there, each patient and note has
exactly its own audit row (a write and its audit row are one transaction), and
the audit chain verifies. ``CLINIC_DESK_KILLS`` sets the number of kills.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from clinic_desk.core.services.maintenance import check_database
from tests.reliability.helpers.common import (
    Keys,
    child_env,
    create_clinic,
    db_path,
    keys_for,
    query,
    worker_command,
)

KILLS = int(os.environ.get("CLINIC_DESK_KILLS", "25"))
SEED = int(os.environ.get("CLINIC_DESK_KILL_SEED", "20261123"))
FIRST_ACK_TIMEOUT = 60.0

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.name == "nt" or not hasattr(signal, "SIGKILL"), reason="no SIGKILL on this platform"
    ),
]


class Child:
    """One writer process, its standard output collected line by line."""

    def __init__(self, data_dir: Path, round_no: int, work: Path) -> None:
        # The child imports at once but opens the clinic only when the gate file
        # appears, so its start-up overlaps the round before (never its writes).
        self.gate = work / f"gate-{round_no}"
        self._stderr_path = work / f"child-{round_no}.err"
        self._stderr = self._stderr_path.open("wb")
        self.proc = subprocess.Popen(
            worker_command("kill-writer", str(data_dir), str(round_no), "--gate", str(self.gate)),
            stdout=subprocess.PIPE, stderr=self._stderr, env=child_env(),
        )
        self.raw_lines: list[bytes] = []
        self.first_ack = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.raw_lines.append(raw)
            if raw.endswith(b"\n"):
                self.first_ack.set()

    def kill(self) -> int:
        self.proc.send_signal(signal.SIGKILL)
        code = self.proc.wait(timeout=30)
        self._reader.join(timeout=30)
        self._stderr.close()
        return code

    def stderr_text(self) -> str:
        return self._stderr_path.read_text(errors="replace")[-3000:]

    def acknowledged(self) -> list[list[str]]:
        # A line cut off by the kill was never acknowledged: only whole lines count.
        return [raw.decode().split() for raw in self.raw_lines if raw.endswith(b"\n")]


def _check_after_kill(
    data_dir: Path,
    keys: Keys,
    acked_patients: dict[str, str],
    acked_notes: dict[str, str],
) -> int:
    report = check_database(db_path(data_dir), keys.data, keys.audit)
    assert report.ok, report.problems

    patients = {row[0]: f"{row[1]} {row[2]}" for row in query(
        data_dir, keys, "SELECT id, family_name, given_name FROM patient"
    )}
    notes = dict(query(data_dir, keys, "SELECT id, patient_id FROM clinical_note"))
    audited_patients = [r[0] for r in query(
        data_dir, keys, "SELECT object_id FROM audit_log WHERE action = 'patient.register'"
    )]
    audited_notes = [r[0] for r in query(
        data_dir, keys, "SELECT object_id FROM audit_log WHERE action = 'clinical.note_add'"
    )]

    missing = sorted(set(acked_patients) - set(patients))
    assert not missing, f"acknowledged patients lost: {missing[:5]}"
    wrong = [pid for pid, name in acked_patients.items() if patients[pid] != name]
    assert not wrong, f"acknowledged patients changed: {wrong[:5]}"
    lost_notes = sorted(set(acked_notes) - set(notes))
    assert not lost_notes, f"acknowledged notes lost: {lost_notes[:5]}"
    assert all(notes[n] == p for n, p in acked_notes.items())
    # Each row and its audit row were one transaction: never one without the other.
    assert sorted(audited_patients) == sorted(patients)
    assert sorted(audited_notes) == sorted(notes)
    assert len(set(patients.values())) == len(patients), "a name was written twice"
    return report.audit_rows


def test_sigkill_during_writes_loses_no_acknowledged_write(tmp_path: Path) -> None:
    data_dir = tmp_path / "clinic"
    create_clinic(data_dir)
    keys = keys_for(data_dir)
    rng = random.Random(SEED)
    acked_patients: dict[str, str] = {}
    acked_notes: dict[str, str] = {}
    started = time.monotonic()
    survived = 0
    audit_rows = 0
    writes_in_round: list[int] = []

    child = Child(data_dir, 0, tmp_path)
    following: Child | None = None
    try:
        for round_no in range(KILLS):
            child.gate.touch()
            if not child.first_ack.wait(FIRST_ACK_TIMEOUT):
                pytest.fail(f"round {round_no}: the child never wrote: {child.stderr_text()}")
            if round_no + 1 < KILLS:
                # The next child imports while this one writes; it waits at its gate.
                following = Child(data_dir, round_no + 1, tmp_path)
            time.sleep(rng.uniform(0.05, 0.6))
            if child.proc.poll() is not None:
                pytest.fail(f"round {round_no}: the child died by itself: {child.stderr_text()}")
            code = child.kill()
            assert code == -signal.SIGKILL, child.stderr_text()

            lines = child.acknowledged()
            for words in lines:
                if words[0] == "P":
                    acked_patients[words[1]] = f"K{int(words[2]):04d} n{int(words[3]):06d}"
                elif words[0] == "N":
                    acked_notes[words[1]] = words[2]
                else:
                    pytest.fail(f"unexpected line from the child: {words}")
            writes_in_round.append(len(lines))
            rows = _check_after_kill(data_dir, keys, acked_patients, acked_notes)
            assert rows > audit_rows, "the audit log did not grow in this round"
            audit_rows = rows
            survived += 1
            if following is not None:
                child, following = following, None
    finally:
        for leftover in (child, following):
            if leftover is not None and leftover.proc.poll() is None:
                leftover.kill()

    elapsed = time.monotonic() - started
    print(
        f"\nSIGKILL test: survived {survived} of {KILLS} kills in {elapsed:.1f} s; "
        f"{len(acked_patients)} patients and {len(acked_notes)} notes acknowledged, "
        f"{audit_rows} audit rows, {min(writes_in_round)}-{max(writes_in_round)} "
        f"acknowledged writes per round (seed {SEED})."
    )
    assert survived == KILLS

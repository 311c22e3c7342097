"""2, 4 and 8 programs writing one database at once (issues 2 and 12).

Each child process, signed in as the director, does rounds of: one
read-modify-write increment of a shared counter (one write unit of work with
its audit row), then one patient registered through the patients service.
Writes take the lock at BEGIN (IMMEDIATE), so no increment may be lost, every
acknowledged patient must be stored with its audit row, and no "database is
locked" (StoreBusy) may reach anyone: the busy timeout waits for the others.
Each write's wait for the lock is timed in the child (around the store's
``BEGIN IMMEDIATE``) and must stay well inside the busy timeout.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clinic_desk.core.services.maintenance import check_database
from clinic_desk.core.store.engine import BUSY_TIMEOUT_MS, raw_connection
from tests.reliability.helpers.common import (
    Keys,
    child_env,
    create_clinic,
    db_path,
    keys_for,
    query,
    verify_chain,
    worker_command,
)

# Increments (and as many registrations) per test, shared among the writers.
TOTAL = 120
# The store's busy timeout is where a waiting write gives up and the person sees
# StoreBusy: every write's measured wait for the lock must stay under it. The
# writers hammer (2 ms between writes, far above a clinic's rate), and SQLite's
# busy handler polls with a back-off (up to 100 ms), which is not fair: on a
# 2-CPU machine at load 15, 8 writers saw waits up to 12 s (p95 3.5 s).
MAX_WAIT_S = BUSY_TIMEOUT_MS / 1000


@pytest.fixture
def clinic_dir(tmp_path: Path) -> Path:
    data_dir = tmp_path / "clinic"
    create_clinic(data_dir)
    return data_dir


def _run_together(
    data_dir: Path,
    barrier: Path,
    mode: str,
    writers: int,
    n: int,
    *extra: str,
    hold_lock_s: float = 0.0,
) -> list[dict[str, Any]]:
    """Start the children, let them go at the same moment, and collect their reports.

    ``hold_lock_s``: the parent holds the write lock that long from the start.
    """
    barrier.mkdir()
    names = [chr(ord("a") + i) for i in range(writers)]
    procs = [
        subprocess.Popen(
            worker_command(mode, str(data_dir), str(barrier), name, str(n), *extra),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env(), text=True,
        )
        for name in names
    ]
    try:
        deadline = time.monotonic() + 120
        while not all((barrier / f"ready-{name}").exists() for name in names):
            if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
                break
            time.sleep(0.005)
        if hold_lock_s:
            with raw_connection(db_path(data_dir), keys_for(data_dir).data) as conn:
                conn.execute("BEGIN IMMEDIATE")
                (barrier / "go").touch()
                time.sleep(hold_lock_s)
                conn.execute("COMMIT")
        else:
            (barrier / "go").touch()
        outputs = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    reports = []
    for p, (out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, f"a writer failed (exit {p.returncode}):\n{err[-3000:]}"
        assert "locked" not in err.lower() and "busy" not in err.lower(), err[-3000:]
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


def _assert_healthy(data_dir: Path, keys: Keys) -> None:
    report = check_database(db_path(data_dir), keys.data, keys.audit)
    assert report.ok, report.problems
    verification = verify_chain(data_dir, keys)
    assert verification.ok, verification.problems


def _counter(data_dir: Path, keys: Keys) -> int:
    return int(query(data_dir, keys, "SELECT value FROM meta WHERE key = 'counter'")[0][0])


@pytest.mark.parametrize("writers", [2, 4, 8])
def test_concurrent_writers_lose_no_update_and_wait_boundedly(
    clinic_dir: Path,
    tmp_path: Path,
    writers: int,
    capsys: pytest.CaptureFixture[str],
    record_property: Callable[[str, object], None],
) -> None:
    """Issue 12 (concurrency): 2-8 processes, no lost update, bounded busy waits."""
    n = TOTAL // writers
    reports = _run_together(clinic_dir, tmp_path / "barrier", "mixed", writers, n)
    keys = keys_for(clinic_dir)

    # The store really runs with the busy timeout the bound is derived from.
    assert {r["busy_timeout_ms"] for r in reports} == {BUSY_TIMEOUT_MS}
    busy = [m for r in reports for m in r["busy"]]
    assert not busy, f"'busy' reached a caller {len(busy)} times: {busy[:2]}"

    # No lost update: the counter is the number of acknowledged increments, and
    # every increment wrote a value no other increment wrote: 1..total, each once.
    written = [v for r in reports for v in r["written"]]
    assert len(written) == writers * n
    assert _counter(clinic_dir, keys) == len(written)
    assert sorted(written) == list(range(1, len(written) + 1))
    rows = query(
        clinic_dir, keys,
        "SELECT staff_login, count(*) FROM audit_log WHERE action = 'test.increment' "
        "GROUP BY staff_login",
    )
    assert dict(rows) == {f"writer-{r['name']}": len(r["written"]) for r in reports}

    # Every acknowledged patient is there, once, with its own audit row.
    ids = [i for r in reports for i in r["ids"]]
    assert len(set(ids)) == len(ids) == writers * n
    stored = {r[0] for r in query(clinic_dir, keys, "SELECT id FROM patient")}
    assert stored == set(ids)
    audited = [r[0] for r in query(
        clinic_dir, keys, "SELECT object_id FROM audit_log WHERE action = 'patient.register'"
    )]
    assert sorted(audited) == sorted(ids)
    _assert_healthy(clinic_dir, keys)

    # Bounded waits: every write's wait for the lock, in every process.
    waits = sorted(w for r in reports for w in r["waits"])
    assert len(waits) >= 2 * writers * n  # at least each increment and registration
    worst = waits[-1]
    p95 = waits[int(0.95 * (len(waits) - 1))]
    # The writers really ran at once: the counter passed between processes often.
    owner = {v: r["name"] for r in reports for v in r["written"]}
    handovers = sum(1 for v in range(2, len(written) + 1) if owner[v] != owner[v - 1])
    summary = (
        f"{writers} writers: {len(written)} increments + {len(ids)} registrations, "
        f"{handovers} hand-overs; lock wait p95 {p95 * 1000:.0f} ms, "
        f"max {worst * 1000:.0f} ms (bound: busy_timeout {MAX_WAIT_S:.0f} s)"
    )
    with capsys.disabled():
        print("\n" + summary)
    record_property(f"max_lock_wait_ms_{writers}", round(worst * 1000))
    assert worst < MAX_WAIT_S, summary
    assert handovers >= writers, "the writers ran one after the other, not at the same time"


def test_harness_sees_lost_updates_when_read_and_write_are_split(
    clinic_dir: Path, tmp_path: Path
) -> None:
    """The check above can fail: a deliberately racy increment does lose updates."""
    n = 80
    _run_together(clinic_dir, tmp_path / "barrier", "increment", 2, n, "--racy")
    keys = keys_for(clinic_dir)
    assert _counter(clinic_dir, keys) < 2 * n
    _assert_healthy(clinic_dir, keys)


def test_harness_measures_a_long_wait_for_the_lock(clinic_dir: Path, tmp_path: Path) -> None:
    """The wait bound above can fail: a lock held 1.5 s shows as a wait of about 1.5 s."""
    reports = _run_together(
        clinic_dir, tmp_path / "barrier", "mixed", 1, 2, hold_lock_s=1.5
    )
    worst = max(reports[0]["waits"])
    assert 1.4 < worst < MAX_WAIT_S
    assert not reports[0]["busy"]

"""The sync commands of clinic-desk, run as real processes against a real hub (issue 7)."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg

from tests.unit.test_cli import PASS, run

ENV = {"CLINIC_DESK_PASSPHRASE": PASS, "CLINIC_DESK_PASSWORD": "director-pass-1",
       "CLINIC_DESK_DIRECTOR": "wang"}


def test_hub_init_enable_pair_join_and_sync(tmp_path: Path, pg) -> None:
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE cli_hub")
        conn.execute("DROP ROLE IF EXISTS cli_desk")
    admin = pg.url("cli_hub")
    r = run("hub", "init", "--url", admin, "--workstation-login", "cli_desk")
    assert r.returncode == 0, r.stderr
    password = re.search(r"shown once\):\n\s+(\S+)", r.stdout).group(1)
    hub_url = f"postgresql://cli_desk:{password}@127.0.0.1:{pg.port}/cli_hub"

    desk, room = tmp_path / "desk", tmp_path / "room"
    r = run("init", "--data-dir", str(desk), "--clinic-name", "仁和诊所", "--director", "wang",
            "--fast-kdf", env=ENV)
    assert r.returncode == 0, r.stderr
    r = run("sync", "--status", "--data-dir", str(desk), env=ENV)
    assert "does not sync" in r.stdout
    r = run("sync-enable", "--data-dir", str(desk), "--hub", hub_url, "--name", "前台",
            env=ENV)
    assert r.returncode == 0, r.stderr
    assert "first on cli_desk@127.0.0.1" in r.stdout and password not in r.stdout

    r = run("sync-pair", "--data-dir", str(desk), "--name", "诊室一", env=ENV)
    assert r.returncode == 0, r.stderr
    code = re.search(r"([0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5})", r.stdout).group(1)

    r = run("join", "--data-dir", str(room), "--hub", hub_url, "--code", "bad", "--fast-kdf",
            env=ENV)
    assert r.returncode == 2 and "not a pairing code" in r.stderr
    assert not (room / "clinic.db").exists()
    r = run("join", "--data-dir", str(room), "--hub", hub_url, "--code", code, "--fast-kdf",
            env=ENV)
    assert r.returncode == 0, r.stderr
    assert "RECOVERY KEY" in r.stdout

    r = run("sync", "--data-dir", str(room), env=ENV)
    assert r.returncode == 0 and "Sent 0, received 0" in r.stdout, r.stdout + r.stderr
    r = run("sync", "--status", "--data-dir", str(room), env=ENV)
    assert "诊室一 on cli_desk@127.0.0.1" in r.stdout and "0 changes waiting" in r.stdout

    r = run("sync", "--compact", "--data-dir", str(desk), env=ENV)
    assert r.returncode == 0 and "Snapshot of" in r.stdout, r.stdout + r.stderr

    r = run("sync", "--data-dir", str(desk), "--hub", "x", env=ENV)
    assert r.returncode == 2  # a wrong option is a usage error, not a traceback


def test_sync_on_a_standalone_clinic_says_so(tmp_path: Path) -> None:
    d = tmp_path / "solo"
    assert run("init", "--data-dir", str(d), "--clinic-name", "独立诊所", "--director", "wang",
               "--fast-kdf", env=ENV).returncode == 0
    r = run("sync", "--data-dir", str(d), env=ENV)
    assert r.returncode == 2 and "does not sync" in r.stderr

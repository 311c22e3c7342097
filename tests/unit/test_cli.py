"""The clinic-desk command line, run as a real process (issue 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PASS = "马跑了 青山绿水 七点钟 rain"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CLINIC_DESK_")}
    full_env["CLINIC_DESK_NO_KEYRING"] = "1"
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "clinic_desk", *args],
        capture_output=True, text=True, env=full_env, stdin=subprocess.DEVNULL, timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def clinic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cli") / "clinic"
    r = run("init", "--data-dir", str(d), "--clinic-name", "仁和诊所", "--director", "wang",
            "--fast-kdf",
            env={"CLINIC_DESK_PASSPHRASE": PASS, "CLINIC_DESK_PASSWORD": "director-pass-1"})
    assert r.returncode == 0, r.stderr
    assert "RECOVERY KEY" in r.stdout
    return d


def test_init_prints_recovery_key_once(clinic_dir: Path) -> None:
    key_text = (clinic_dir / "clinic.key").read_text()
    assert "RECOVERY" not in key_text


def test_check_and_verify_ok(clinic_dir: Path) -> None:
    env = {"CLINIC_DESK_PASSPHRASE": PASS}
    r = run("check", "--data-dir", str(clinic_dir), env=env)
    assert r.returncode == 0 and r.stdout.startswith("OK"), r.stderr
    r = run("verify-audit", "--data-dir", str(clinic_dir), env=env)
    assert r.returncode == 0 and "unbroken" in r.stdout


def test_no_passphrase_without_terminal_is_a_sentence(clinic_dir: Path) -> None:
    r = run("check", "--data-dir", str(clinic_dir))
    assert r.returncode == 2
    assert "CLINIC_DESK_PASSPHRASE" in r.stderr and "Traceback" not in r.stderr


def test_wrong_passphrase(clinic_dir: Path) -> None:
    r = run("check", "--data-dir", str(clinic_dir), env={"CLINIC_DESK_PASSPHRASE": "nope nope"})
    assert r.returncode == 2 and "does not open this clinic" in r.stderr


def test_backup_and_restore_round_trip(clinic_dir: Path, tmp_path: Path) -> None:
    env = {"CLINIC_DESK_PASSPHRASE": PASS}
    out = tmp_path / "b.cdbak"
    r = run("backup", "--data-dir", str(clinic_dir), "--out", str(out), env=env)
    assert r.returncode == 0 and "verified" in r.stdout, r.stderr
    r = run("restore", "--data-dir", str(tmp_path / "new"), "--from", str(out), env=env)
    assert r.returncode == 0, r.stderr
    r = run("check", "--data-dir", str(tmp_path / "new"), env=env)
    assert r.returncode == 0, r.stderr


def test_restore_with_recovery_key_env(clinic_dir: Path, tmp_path: Path) -> None:
    env = {"CLINIC_DESK_PASSPHRASE": PASS}
    out = tmp_path / "b.cdbak"
    assert run("backup", "--data-dir", str(clinic_dir), "--out", str(out), env=env).returncode == 0
    r = run("restore", "--data-dir", str(tmp_path / "n2"), "--from", str(out),
            env={"CLINIC_DESK_RECOVERY_KEY": "0000-0000-0000-0000-0000-0000-0000-0000"})
    assert r.returncode == 2 and "typing mistake" in r.stderr


def test_data_dir_from_home_env(tmp_path: Path) -> None:
    home = tmp_path / "home"
    r = run("init", "--clinic-name", "A诊所", "--director", "boss", "--fast-kdf",
            env={"CLINIC_DESK_HOME": str(home), "CLINIC_DESK_PASSPHRASE": PASS,
                 "CLINIC_DESK_PASSWORD": "director-pass-1"})
    assert r.returncode == 0, r.stderr
    assert (home / "clinic.db").exists()


def test_check_on_missing_clinic(tmp_path: Path) -> None:
    (tmp_path / "e").mkdir()
    r = run("check", "--data-dir", str(tmp_path / "e"))
    assert r.returncode == 2 and "No clinic has been set up" in r.stderr


def test_check_names_damage(clinic_dir: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "damaged"
    shutil.copytree(clinic_dir, copy)
    db = copy / "clinic.db"
    data = bytearray(db.read_bytes())
    data[4096 * 3 + 500] ^= 0xFF
    db.write_bytes(bytes(data))
    r = run("check", "--data-dir", str(copy), env={"CLINIC_DESK_PASSPHRASE": PASS})
    assert r.returncode == 1
    assert "FAILED" in r.stderr and "restore the latest backup" in r.stderr

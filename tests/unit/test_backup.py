"""Backup (sqlcipher_export, verified), daily rotation, restore (issue 2)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from clinic_desk.core.errors import (
    AlreadyInitialized,
    BackupError,
    PermissionDenied,
    WrongPassphrase,
)
from clinic_desk.core.services import clinic as clinic_service
from clinic_desk.core.services import maintenance, patients, settings, staff
from clinic_desk.core.services.base import Actor
from clinic_desk.core.store.engine import raw_connection
from clinic_desk.core.tasks import Cancelled, TaskState
from tests.conftest import PASSPHRASE, ClinicFixture


def _fill(cf: ClinicFixture, n: int = 30) -> None:
    for i in range(n):
        p = patients.register_patient(
            cf.clinic, cf.director, family_name="司马", given_name=f"光{i}", sex="M"
        ).value
        patients.add_clinical_note(cf.clinic, cf.director, p.id, body="复诊 " * 50)


def test_backup_is_verified_and_restores_identically(cf: ClinicFixture, tmp_path: Path) -> None:
    _fill(cf)
    out = tmp_path / "b.cdbak"
    progress: list[float] = []
    info = maintenance.create_backup(
        cf.clinic, cf.director, out, state=TaskState(lambda f, _m: progress.append(f))
    )
    assert info.path == out and info.size_bytes == out.stat().st_size
    assert progress[-1] == 1.0 and progress == sorted(progress)
    with zipfile.ZipFile(out) as zf:
        assert set(zf.namelist()) == {"manifest.json", "clinic.key", "clinic.db"}
    with raw_connection(cf.data_dir / "clinic.db", cf.clinic.store.data_key) as conn:
        live = maintenance.table_hashes(conn)

    target = tmp_path / "restored"
    result = maintenance.restore_backup(target, out, passphrase=PASSPHRASE, use_keyring=False)
    assert result.clinic_id == cf.clinic.clinic_id
    restored = clinic_service.open_clinic(target, passphrase=PASSPHRASE, use_keyring=False)
    try:
        assert maintenance.check_clinic(restored).ok
        with raw_connection(target / "clinic.db", restored.store.data_key) as conn:
            after = maintenance.table_hashes(conn)
        # Everything equal except the rows the restore/unlock itself appended.
        changed = {t for t in live if live[t] != after[t]}
        assert changed <= {"audit_log", "meta"}
        assert staff.sign_in(restored, "wang.li", "director-pass-1")
    finally:
        restored.close()


def test_restore_with_recovery_key(cf: ClinicFixture, tmp_path: Path) -> None:
    out = tmp_path / "b.cdbak"
    maintenance.create_backup(cf.clinic, cf.director, out)
    maintenance.restore_backup(
        tmp_path / "r", out, recovery_key=cf.setup.recovery_key, use_keyring=False
    )
    assert (tmp_path / "r" / "clinic.db").exists()


def test_restore_refuses_nonempty_folder_wrong_key_and_junk(
    cf: ClinicFixture, tmp_path: Path
) -> None:
    out = tmp_path / "b.cdbak"
    maintenance.create_backup(cf.clinic, cf.director, out)
    with pytest.raises(AlreadyInitialized):
        maintenance.restore_backup(cf.data_dir, out, passphrase=PASSPHRASE, use_keyring=False)
    with pytest.raises(WrongPassphrase):
        maintenance.restore_backup(tmp_path / "r1", out, passphrase="wrong wrong wrong")
    assert not (tmp_path / "r1" / "clinic.db").exists()
    junk = tmp_path / "junk.cdbak"
    junk.write_bytes(b"PK\x03\x04 not really a zip" * 100)
    with pytest.raises(BackupError, match="not a ClinicDesk backup"):
        maintenance.restore_backup(tmp_path / "r2", junk, passphrase=PASSPHRASE)
    # A backup whose database was altered after sealing is refused.
    tampered = tmp_path / "t.cdbak"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "clinic.db":
                data = data[:5000] + bytes([data[5000] ^ 1]) + data[5001:]
            dst.writestr(name, data)
    with pytest.raises(BackupError):
        maintenance.restore_backup(tmp_path / "r3", tampered, passphrase=PASSPHRASE)
    assert not (tmp_path / "r3" / "clinic.db").exists()


def test_backup_bad_targets(cf: ClinicFixture, tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="is a folder"):
        maintenance.create_backup(cf.clinic, cf.director, tmp_path)
    with pytest.raises(BackupError, match="does not exist"):
        maintenance.create_backup(cf.clinic, cf.director, tmp_path / "no" / "b.cdbak")


def test_backup_cancel_leaves_nothing(cf: ClinicFixture, tmp_path: Path) -> None:
    state = TaskState()
    state.cancel()
    with pytest.raises(Cancelled):
        maintenance.create_backup(cf.clinic, cf.director, tmp_path / "c.cdbak", state=state)
    assert list(tmp_path.iterdir()) == [cf.data_dir]


def test_backup_needs_permission(cf: ClinicFixture, tmp_path: Path) -> None:
    staff.add_staff(cf.clinic, cf.director, login="doc", display_name="医生", role="doctor",
                    password="doctor-pass-1")
    doc = staff.sign_in(cf.clinic, "doc", "doctor-pass-1")
    with pytest.raises(PermissionDenied):
        maintenance.create_backup(cf.clinic, doc, tmp_path / "x.cdbak")


def test_daily_backup_once_a_day_with_rotation(cf: ClinicFixture, tmp_path: Path) -> None:
    settings.update_settings(
        cf.clinic, cf.director,
        {"backup.keep_count": 3, "backup.folder": str(tmp_path / "daily")},
    )
    made = []
    for _day in range(5):
        info = maintenance.run_daily_backup_if_due(cf.clinic)
        assert info is not None
        made.append(info.path.name)
        assert maintenance.run_daily_backup_if_due(cf.clinic) is None  # same day: nothing
        cf.clock.advance(days=1)
    kept = sorted(p.name for p in (tmp_path / "daily").iterdir())
    assert kept == sorted(made)[-3:]
    settings.update_settings(cf.clinic, cf.director, {"backup.daily_enabled": False})
    cf.clock.advance(days=1)
    assert maintenance.run_daily_backup_if_due(cf.clinic) is None


def test_system_actor_can_back_up(cf: ClinicFixture, tmp_path: Path) -> None:
    assert maintenance.create_backup(cf.clinic, Actor.system("cli"), tmp_path / "s.cdbak")

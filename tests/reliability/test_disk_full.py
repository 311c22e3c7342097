"""A full disk (issue 2): the write fails with a sentence, nothing is half-written,
and once there is room again the same write succeeds.

Emulated with ``PRAGMA max_page_count`` on every pooled connection, and, when
running as root, for real on a tiny tmpfs filled up with a file.

Issue 12 adds: the sentence reads as one in Simplified Chinese too; no stray file
(journal, temp file) is left in the data folder; and a backup or a restore onto a
full disk keeps the older backup byte for byte and leaves no half-written file,
work folder or half-restored clinic.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from clinic_desk.core.errors import StorageFull
from clinic_desk.core.security.keys import ATTEMPTS_FILENAME
from clinic_desk.core.services import patients
from clinic_desk.core.services.audit_log import verify_audit
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.core.services.clinic import open_clinic
from clinic_desk.core.services.maintenance import check_clinic, create_backup, restore_backup
from tests.reliability.helpers.common import (
    PASSPHRASE,
    Keys,
    assert_clear_sentence,
    count_rows,
    create_clinic,
    keys_for,
    open_and_sign_in,
    query,
    sha256,
)

TABLES = ("clinical_note", "audit_log", "patient")
BIG_BODY = "急性支气管炎，咳嗽三天。" * 1580  # 18,960 characters, about 57 KB of UTF-8


def _limit_pages(clinic: Clinic, limit: int) -> Callable[..., None]:
    """Every connection the clinic's pool makes from now on stops at ``limit`` pages."""

    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count = {limit}")

    clinic.store.engine.dispose()  # the pooled connections made without the limit go
    event.listen(clinic.store.engine, "connect", on_connect)
    return on_connect


def _unlimit(clinic: Clinic, listener: Callable[..., None]) -> None:
    event.remove(clinic.store.engine, "connect", listener)
    _limit_pages(clinic, 1_000_000_000)


def _page_count(clinic: Clinic) -> int:
    with clinic.store.connection() as conn:
        count = int(conn.exec_driver_sql("PRAGMA page_count").scalar())
        conn.rollback()
    return count


def _state(data_dir: Path, keys: Keys) -> tuple[dict[str, int], str]:
    counts = count_rows(data_dir, keys, *TABLES)
    head = query(data_dir, keys, "SELECT value FROM meta WHERE key = 'audit.head'")[0][0]
    return counts, head


def _fill_until_full(
    clinic: Clinic, director: Actor, patient_id: uuid.UUID, data_dir: Path, keys: Keys,
    body: str, tries: int = 200,
) -> tuple[StorageFull, tuple[dict[str, int], str]]:
    """Add notes until one fails; returns the error and the state just before it."""
    for _ in range(tries):
        before = _state(data_dir, keys)
        try:
            patients.add_clinical_note(clinic, director, patient_id, body=body)
        except StorageFull as error:
            return error, before
    pytest.fail(f"{tries} notes were saved: the disk never became full")


def _assert_full_error(error: StorageFull) -> None:
    assert "The disk is full, so nothing was saved." in error.message()
    assert "Free some space" in str(error)
    assert error.__cause__ is not None
    assert "full" in str(error.__cause__).lower()
    assert_clear_sentence(error, "Free some space on the disk")


# What a data folder may hold while the clinic is open; a rollback journal, a temp file
# or a half-written copy beside them would be something a failure left behind.
CLINIC_FILES = {"clinic.db", "clinic.db-wal", "clinic.db-shm", "clinic.key", ATTEMPTS_FILENAME}


def _assert_no_stray_files(data_dir: Path) -> None:
    found = {str(p.relative_to(data_dir)) for p in data_dir.rglob("*")}
    assert found <= CLINIC_FILES, sorted(found - CLINIC_FILES)


def test_full_database_refuses_write_whole_then_accepts_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "clinic"
    create_clinic(data_dir)
    clinic, director = open_and_sign_in(data_dir)
    keys = keys_for(data_dir)
    try:
        patient = patients.register_patient(
            clinic, director, family_name="李", given_name="四"
        ).value
        listener = _limit_pages(clinic, _page_count(clinic) + 2)

        error, before = _fill_until_full(clinic, director, patient.id, data_dir, keys, BIG_BODY)
        _assert_full_error(error)
        # The note and its audit row were one transaction: neither was kept.
        assert _state(data_dir, keys) == before
        _assert_no_stray_files(data_dir)
        assert verify_audit(clinic).ok
        report = check_clinic(clinic)
        assert report.ok, report.problems

        _unlimit(clinic, listener)
        patients.add_clinical_note(clinic, director, patient.id, body=BIG_BODY)
        after, _head = _state(data_dir, keys)
        assert after["clinical_note"] == before[0]["clinical_note"] + 1
        assert after["audit_log"] == before[0]["audit_log"] + 1
        bodies = [r[0] for r in query(data_dir, keys, "SELECT body FROM clinical_note")]
        assert bodies.count(BIG_BODY.strip()) == after["clinical_note"]
        assert verify_audit(clinic).ok
        report = check_clinic(clinic)
        assert report.ok, report.problems
    finally:
        clinic.close()


def test_full_database_refuses_new_patient_whole(tmp_path: Path) -> None:
    data_dir = tmp_path / "clinic"
    create_clinic(data_dir)
    clinic, director = open_and_sign_in(data_dir)
    keys = keys_for(data_dir)
    try:
        listener = _limit_pages(clinic, _page_count(clinic))
        before = _state(data_dir, keys)
        failures = 0
        for i in range(100):  # small rows: some may still fit in the pages there are
            try:
                patients.register_patient(clinic, director, family_name="周", given_name=f"{i}")
            except StorageFull as error:
                _assert_full_error(error)
                failures += 1
                break
            before = _state(data_dir, keys)
        assert failures == 1, "registering never ran out of room"
        assert _state(data_dir, keys) == before
        _assert_no_stray_files(data_dir)
        _unlimit(clinic, listener)
        patients.register_patient(clinic, director, family_name="周", given_name="after")
        assert verify_audit(clinic).ok
    finally:
        clinic.close()


# --- a real full disk -------------------------------------------------------------


@contextlib.contextmanager
def _tiny_tmpfs(where: Path, size: str) -> Iterator[Path]:
    if os.name == "nt" or not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root on Linux")
    where.mkdir()
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
            capture_output=True, text=True, timeout=30, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot mount a tmpfs here: {exc}")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        if subprocess.run(["umount", str(where)], capture_output=True, check=False).returncode:
            subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def _fill_disk(filler: Path, leave_bytes: int) -> None:
    stat = os.statvfs(filler.parent)
    free = stat.f_bavail * stat.f_frsize
    with filler.open("wb") as fh:
        fh.write(b"\0" * max(free - leave_bytes, 0))
        fh.flush()
        os.fsync(fh.fileno())


def test_real_full_disk_then_space_freed(tmp_path: Path) -> None:
    # Room for a new clinic (its empty database is about 1 MB since the reception
    # tables) and little more: the filler takes the rest.
    with _tiny_tmpfs(tmp_path / "disk", "4m") as disk:
        data_dir = disk / "clinic"
        create_clinic(data_dir)
        clinic, director = open_and_sign_in(data_dir)
        keys = keys_for(data_dir)
        try:
            patient = patients.register_patient(
                clinic, director, family_name="欧", given_name="阳"
            ).value
            filler = disk / "filler.bin"
            _fill_disk(filler, leave_bytes=64 * 1024)
            body = BIG_BODY[:5000]

            error, before = _fill_until_full(clinic, director, patient.id, data_dir, keys, body)
            _assert_full_error(error)
            assert _state(data_dir, keys) == before
            _assert_no_stray_files(data_dir)
            assert verify_audit(clinic).ok
            report = check_clinic(clinic)
            assert report.ok, report.problems

            filler.unlink()  # the person frees some space
            patients.add_clinical_note(clinic, director, patient.id, body=body)
            after, _head = _state(data_dir, keys)
            assert after["clinical_note"] == before[0]["clinical_note"] + 1
            report = check_clinic(clinic)
            assert report.ok, report.problems
        finally:
            clinic.close()
        # And the clinic opens normally afterwards.
        clinic, _director = open_and_sign_in(data_dir)
        try:
            assert verify_audit(clinic).ok
        finally:
            clinic.close()


def test_backup_and_restore_on_a_full_disk_leave_nothing_half_written(tmp_path: Path) -> None:
    """Issue 12 (K1/K2): a backup onto a full disk is refused with a sentence, the older
    backup under the same name keeps every byte, no work folder is left; a restore onto
    the full disk leaves no database, key file or staging folder. With room, both work."""
    data_dir = tmp_path / "clinic"
    create_clinic(data_dir)
    clinic, director = open_and_sign_in(data_dir)
    keys = keys_for(data_dir)
    try:
        patient = patients.register_patient(
            clinic, director, family_name="欧", given_name="阳"
        ).value
        with _tiny_tmpfs(tmp_path / "disk", "6m") as disk:
            backup = disk / "clinic.cdbak"
            create_backup(clinic, director, backup)
            old_hash = sha256(backup)
            patients.add_clinical_note(clinic, director, patient.id, body=BIG_BODY)
            state = _state(data_dir, keys)
            filler = disk / "filler.bin"
            _fill_disk(filler, leave_bytes=64 * 1024)

            with pytest.raises(StorageFull) as caught:
                create_backup(clinic, director, backup)
            assert_clear_sentence(caught.value, "The disk is full, so nothing was saved.")
            assert sha256(backup) == old_hash
            assert sorted(p.name for p in disk.iterdir()) == ["clinic.cdbak", "filler.bin"]
            assert _state(data_dir, keys) == state  # not even a "backup made" audit row
            _assert_no_stray_files(data_dir)

            target = disk / "restored"
            with pytest.raises(StorageFull) as caught:
                restore_backup(target, backup, passphrase=PASSPHRASE, use_keyring=False)
            assert_clear_sentence(caught.value, "The disk is full, so nothing was saved.")
            assert not target.exists() or list(target.rglob("*")) == [], list(target.rglob("*"))
            assert sha256(backup) == old_hash

            filler.unlink()  # room again: the same two steps succeed
            create_backup(clinic, director, backup)
            assert sha256(backup) != old_hash
            restore_backup(target, backup, passphrase=PASSPHRASE, use_keyring=False)
            restored = open_clinic(target, passphrase=PASSPHRASE, use_keyring=False)
            try:
                assert check_clinic(restored).ok
                assert count_rows(target, keys, "clinical_note") == {"clinical_note": 1}
            finally:
                restored.close()
    finally:
        clinic.close()

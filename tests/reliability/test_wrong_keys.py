"""Wrong passphrases and recovery keys (issue 2): a sentence, a count, a slow-down
after five, and the clinic's files untouched by every failed try.

Issue 12 adds: each sentence reads as one in Simplified Chinese too; the command
line says it in one line with no traceback and touches no file; a backup opened
with the wrong passphrase or recovery key restores nothing and stays as it was."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clinic_desk.core.errors import (
    RecoveryKeyTypo,
    UnlockThrottled,
    WrongPassphrase,
    WrongRecoveryKey,
)
from clinic_desk.core.security import keys
from clinic_desk.core.services import patients
from clinic_desk.core.services.clinic import open_clinic, unlock_key
from clinic_desk.core.services.maintenance import create_backup, restore_backup
from tests.reliability.helpers.common import (
    PASSPHRASE,
    FakeClock,
    assert_clear_sentence,
    child_env,
    count_rows,
    create_clinic,
    keys_for,
    open_and_sign_in,
    query,
    sha256,
)

WRONG = "马跑了 青山绿水 七点钟 snow"


def _typo_of(recovery_key: str) -> str:
    """The same key with one character changed so its check characters catch it."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    for position in range(len(recovery_key)):
        if recovery_key[position] == "-":
            continue
        for replacement in alphabet:
            if replacement == recovery_key[position]:
                continue
            typo = recovery_key[:position] + replacement + recovery_key[position + 1 :]
            try:
                keys.parse_recovery_key(typo)
            except RecoveryKeyTypo:
                return typo
    raise AssertionError("no typo found")


def _fingerprint(data_dir: Path) -> dict[str, str]:
    return {
        p.name: sha256(p) for p in sorted(data_dir.iterdir())
        if p.is_file() and p.name != keys.ATTEMPTS_FILENAME
    }


def _failures(data_dir: Path) -> int:
    return keys.UnlockAttempts.load(data_dir).failures


def test_wrong_keys_are_counted_throttled_and_touch_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "clinic"
    create_clinic(data_dir)
    clock = FakeClock()
    before = _fingerprint(data_dir)
    assert set(before) == {"clinic.db", "clinic.key"}

    def open_with(**kwargs: str) -> None:
        clinic = open_clinic(data_dir, use_keyring=False, clock=clock, **kwargs)
        clinic.close()

    # 1: a wrong passphrase.
    with pytest.raises(WrongPassphrase) as caught:
        open_with(passphrase=WRONG)
    assert caught.value.params["count"] == 1 == _failures(data_dir)
    assert "That passphrase does not open this clinic." in caught.value.message()
    assert "Failed attempts so far: 1." in caught.value.message()
    assert_clear_sentence(caught.value, "Check the keyboard layout and Caps Lock")

    # 2: a well-formed recovery key from another clinic.
    with pytest.raises(WrongRecoveryKey) as caught:
        open_with(recovery_key=keys.new_recovery_key())
    assert caught.value.params["count"] == 2 == _failures(data_dir)
    assert "That recovery key does not belong to this clinic." in caught.value.message()
    assert_clear_sentence(caught.value, "Failed attempts so far: 2.")

    # A typing mistake in a recovery key is caught before any decryption, and not counted.
    with pytest.raises(RecoveryKeyTypo) as typo:
        open_with(recovery_key=_typo_of(keys.new_recovery_key()))
    assert "typing mistake" in typo.value.message()
    assert_clear_sentence(typo.value, "exactly as printed on the recovery kit")
    assert _failures(data_dir) == 2

    # 3..5: more wrong passphrases, also through the read-only unlock the CLI check uses.
    for expected in (3, 4):
        with pytest.raises(WrongPassphrase) as caught:
            open_with(passphrase=WRONG)
        assert caught.value.params["count"] == expected == _failures(data_dir)
    with pytest.raises(WrongPassphrase) as caught:
        unlock_key(data_dir, passphrase=WRONG, use_keyring=False, clock=clock)
    assert caught.value.params["count"] == 5 == _failures(data_dir)

    # The sixth try waits, even with the right passphrase, and is not counted.
    for attempt in ({"passphrase": PASSPHRASE}, {"passphrase": WRONG}):
        with pytest.raises(UnlockThrottled) as throttled:
            open_with(**attempt)
        assert throttled.value.params["count"] == 5
        assert "Too many wrong passphrases or recovery keys (5)" in throttled.value.message()
        assert_clear_sentence(throttled.value, "the next try is possible after")
    assert _failures(data_dir) == 5
    clock.advance(seconds=29)
    with pytest.raises(UnlockThrottled):
        open_with(passphrase=PASSPHRASE)

    # Not one byte of the database or the key file changed, and no file appeared.
    assert _fingerprint(data_dir) == before

    # Once the wait is over, the right passphrase opens and the count starts again.
    clock.advance(seconds=2)
    open_with(passphrase=PASSPHRASE)
    assert _failures(data_dir) == 0
    data_keys = keys_for(data_dir)
    (detail,) = query(
        data_dir, data_keys,
        "SELECT detail FROM audit_log WHERE action = 'clinic.unlock' ORDER BY seq DESC LIMIT 1",
    )[0]
    assert json.loads(detail) == {"via": "passphrase", "failed_attempts_before": 5}


def test_throttle_doubles_after_each_further_failure(tmp_path: Path) -> None:
    data_dir = tmp_path / "clinic"
    create_clinic(data_dir)
    clock = FakeClock()
    for _ in range(5):
        with pytest.raises(WrongPassphrase):
            unlock_key(data_dir, passphrase=WRONG, use_keyring=False, clock=clock)
    clock.advance(seconds=31)
    with pytest.raises(WrongPassphrase):  # the sixth failure: now a minute's wait
        unlock_key(data_dir, passphrase=WRONG, use_keyring=False, clock=clock)
    clock.advance(seconds=59)
    with pytest.raises(UnlockThrottled):
        unlock_key(data_dir, passphrase=PASSPHRASE, use_keyring=False, clock=clock)
    clock.advance(seconds=2)
    assert len(unlock_key(data_dir, passphrase=PASSPHRASE, use_keyring=False, clock=clock)) == 32


def _listing(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` (journals, WAL, temp files too) with its SHA-256."""
    return {str(p.relative_to(folder)): sha256(p) for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_command_line_with_a_wrong_passphrase_says_so_and_writes_nothing(
    tmp_path: Path,
) -> None:
    """Issue 12: ``check``, ``backup`` and ``restore`` with a wrong passphrase: exit 2, one
    sentence on stderr (no traceback), no file written or changed but the failure count."""
    data_dir = tmp_path / "clinic"
    create_clinic(data_dir)
    clinic, director = open_and_sign_in(data_dir)
    try:
        patients.register_patient(clinic, director, family_name="欧阳", given_name="娜娜")
        backup = tmp_path / "good.cdbak"
        create_backup(clinic, director, backup)
    finally:
        clinic.close()
    rows = count_rows(data_dir, keys_for(data_dir), "patient", "audit_log")
    before = {k: v for k, v in _listing(data_dir).items() if k != keys.ATTEMPTS_FILENAME}
    assert set(before) == {"clinic.db", "clinic.key"}
    backup_hash = sha256(backup)

    out = tmp_path / "out" / "copy.cdbak"
    out.parent.mkdir()
    target = tmp_path / "restored"
    runs = {
        "check": ["check", "--data-dir", str(data_dir)],
        "backup": ["backup", "--data-dir", str(data_dir), "--out", str(out)],
        "restore": ["restore", "--data-dir", str(target), "--from", str(backup)],
    }
    for name, args in runs.items():
        done = subprocess.run(
            [sys.executable, "-m", "clinic_desk", *args],
            env=child_env(CLINIC_DESK_PASSPHRASE=WRONG), capture_output=True, text=True,
            timeout=120, check=False,
        )
        assert done.returncode == 2, (name, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr, (name, done.stderr)
        assert lines[0].startswith("That passphrase does not open this clinic."), (name, lines)
        assert lines[0].endswith("."), lines

    after = _listing(data_dir)
    assert {k: v for k, v in after.items() if k != keys.ATTEMPTS_FILENAME} == before
    assert keys.UnlockAttempts.load(data_dir).failures == 2  # check and backup counted
    assert list(out.parent.iterdir()) == []  # no backup, no half-written work folder
    assert not target.exists() or _listing(target) == {}, _listing(target)
    assert sha256(backup) == backup_hash
    assert count_rows(data_dir, keys_for(data_dir), "patient", "audit_log") == rows


def test_restore_with_a_wrong_key_restores_nothing(tmp_path: Path) -> None:
    """Issue 12 / K2: a backup opened with another passphrase or another clinic's recovery
    key: a sentence, an empty target folder, the backup file unchanged."""
    data_dir = tmp_path / "clinic"
    create_clinic(data_dir)
    clinic, director = open_and_sign_in(data_dir)
    try:
        backup = tmp_path / "clinic.cdbak"
        create_backup(clinic, director, backup)
    finally:
        clinic.close()
    backup_hash = sha256(backup)

    with pytest.raises(WrongPassphrase) as caught:
        restore_backup(tmp_path / "r1", backup, passphrase=WRONG, use_keyring=False)
    assert_clear_sentence(caught.value, "That passphrase does not open this clinic.")
    with pytest.raises(WrongRecoveryKey) as other:
        restore_backup(
            tmp_path / "r2", backup, recovery_key=keys.new_recovery_key(), use_keyring=False
        )
    assert_clear_sentence(other.value, "That recovery key does not belong to this clinic.")
    for target in (tmp_path / "r1", tmp_path / "r2"):
        assert not target.exists() or _listing(target) == {}, _listing(target)
    assert sha256(backup) == backup_hash
    # The right passphrase restores the same file afterwards.
    restore_backup(tmp_path / "r3", backup, passphrase=PASSPHRASE, use_keyring=False)
    assert (tmp_path / "r3" / "clinic.db").is_file()

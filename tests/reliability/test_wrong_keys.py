"""Wrong passphrases and recovery keys (issue 2): a sentence, a count, a slow-down
after five, and the clinic's files untouched by every failed try."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clinic_desk.core.errors import (
    RecoveryKeyTypo,
    UnlockThrottled,
    WrongPassphrase,
    WrongRecoveryKey,
)
from clinic_desk.core.security import keys
from clinic_desk.core.services.clinic import open_clinic, unlock_key
from tests.reliability.helpers.common import (
    PASSPHRASE,
    FakeClock,
    create_clinic,
    keys_for,
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

    # 2: a well-formed recovery key from another clinic.
    with pytest.raises(WrongRecoveryKey) as caught:
        open_with(recovery_key=keys.new_recovery_key())
    assert caught.value.params["count"] == 2 == _failures(data_dir)
    assert "That recovery key does not belong to this clinic." in caught.value.message()

    # A typing mistake in a recovery key is caught before any decryption, and not counted.
    with pytest.raises(RecoveryKeyTypo) as typo:
        open_with(recovery_key=_typo_of(keys.new_recovery_key()))
    assert "typing mistake" in typo.value.message()
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

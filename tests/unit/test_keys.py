"""Keys: recovery key format, Argon2id floor, wrapping, re-wrapping (issue 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic_desk.core.errors import (
    PassphraseNeeded,
    PermissionDenied,
    RecoveryKeyTypo,
    WeakPassphrase,
    WrongPassphrase,
)
from clinic_desk.core.security import keys
from clinic_desk.core.services import clinic as clinic_service
from clinic_desk.core.services import staff
from tests.conftest import PASSPHRASE, ClinicFixture


def test_recovery_key_shape_and_round_trip() -> None:
    key = keys.new_recovery_key()
    groups = key.split("-")
    assert len(groups) == 8 and all(len(g) == 4 for g in groups)
    assert keys.parse_recovery_key(key) == key.replace("-", "")
    # Lower case, spaces, and the look-alikes O/I/L are accepted as 0/1/1.
    messy = key.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert keys.parse_recovery_key(messy) == key.replace("-", "")


@given(st.integers(min_value=0, max_value=31), st.integers(min_value=0, max_value=31))
@settings(max_examples=60)
def test_recovery_key_single_typo_is_caught(position: int, shift: int) -> None:
    key = keys.new_recovery_key().replace("-", "")
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    wrong = alphabet[(alphabet.index(key[position]) + 1 + shift % 31) % 32]
    typo = key[:position] + wrong + key[position + 1 :]
    # 10 check bits miss about one typo in a thousand; a miss must still be a
    # well-formed key, never a crash.
    try:
        keys.parse_recovery_key(typo)
    except RecoveryKeyTypo:
        return


@pytest.mark.parametrize("text", ["", "ABCD", "Ü" * 32, "😀" * 32, "A" * 10_000])
def test_recovery_key_wrong_format(text: str) -> None:
    with pytest.raises(RecoveryKeyTypo):
        keys.parse_recovery_key(text)


def test_kdf_floor_is_owasp() -> None:
    assert keys.KdfParams.floor().memory_kib >= 19 * 1024
    assert keys.KdfParams.floor().time_cost >= 2
    default = keys.KdfParams()
    assert default.memory_kib >= 64 * 1024 and default.time_cost >= 3
    with pytest.raises(ValueError):
        keys.KdfParams(memory_kib=8 * 1024, time_cost=2)


def test_key_file_rejects_weakened_parameters(cf: ClinicFixture) -> None:
    path = keys.key_file_path(cf.data_dir)
    doc = json.loads(path.read_text())
    doc["kdf"]["memory_kib"] = 1024
    path.write_text(json.dumps(doc))
    with pytest.raises(Exception, match="key file"):
        keys.read_key_file(cf.data_dir)


def test_wraps_open_with_the_right_secret_only() -> None:
    data_key = keys.random_data_key()
    recovery = keys.new_recovery_key()
    kf = keys.KeyFile.create(
        data_key=data_key, passphrase="pass phrase", recovery_key=recovery,
        kdf=keys.KdfParams.floor(),
    )
    assert kf.open_with_passphrase("pass phrase") == data_key
    # NFKC: a full-width space typed by a Chinese IME still matches.
    assert kf.open_with_passphrase("pass\u3000phrase") == data_key
    assert kf.open_with_passphrase("pass phrasE") is None
    assert kf.open_with_recovery(recovery.lower()) == data_key
    assert kf.open_with_recovery(keys.new_recovery_key()) is None
    # A wrap moved into another clinic's file does not open (bound by AAD).
    other = keys.KeyFile.create(
        data_key=data_key, passphrase="pass phrase", recovery_key=recovery,
        kdf=keys.KdfParams.floor(),
    )
    from dataclasses import replace

    assert replace(other, passphrase=kf.passphrase).open_with_passphrase("pass phrase") is None


def test_key_file_contains_no_key_material_in_clear(cf: ClinicFixture) -> None:
    text = keys.key_file_path(cf.data_dir).read_text()
    assert cf.clinic.store.data_key.hex() not in text
    assert cf.setup.recovery_key not in text
    assert PASSPHRASE not in text


def test_change_passphrase_rewraps_only(cf: ClinicFixture) -> None:
    new = "另一个 很长的 口令 sunrise 42"
    with pytest.raises(WrongPassphrase):
        clinic_service.change_passphrase(cf.clinic, cf.director, current="nope nope", new=new)
    with pytest.raises(WeakPassphrase):
        clinic_service.change_passphrase(cf.clinic, cf.director, current=PASSPHRASE, new="abc")
    with pytest.raises(WeakPassphrase):
        clinic_service.change_passphrase(
            cf.clinic, cf.director, current=PASSPHRASE, new=new, confirmation=new + "x"
        )
    clinic_service.change_passphrase(cf.clinic, cf.director, current=PASSPHRASE, new=new)
    data_key = cf.clinic.store.data_key
    cf.clinic.close()
    with pytest.raises(WrongPassphrase):
        clinic_service.open_clinic(cf.data_dir, passphrase=PASSPHRASE, use_keyring=False)
    reopened = clinic_service.open_clinic(cf.data_dir, passphrase=new, use_keyring=False)
    # Same data key: the database was not re-encrypted, only the key re-wrapped.
    assert reopened.store.data_key == data_key
    # The recovery key still works after a passphrase change.
    reopened.close()
    again = clinic_service.open_clinic(
        cf.data_dir, recovery_key=cf.setup.recovery_key, use_keyring=False
    )
    again.close()


def test_only_director_manages_keys(cf: ClinicFixture) -> None:
    staff.add_staff(
        cf.clinic, cf.director, login="desk1", display_name="前台", role="receptionist",
        password="desk-pass-1",
    )
    desk = staff.sign_in(cf.clinic, "desk1", "desk-pass-1")
    with pytest.raises(PermissionDenied):
        clinic_service.change_passphrase(
            cf.clinic, desk, current=PASSPHRASE, new="another long passphrase 2026"
        )


def test_replace_recovery_key(cf: ClinicFixture) -> None:
    old = cf.setup.recovery_key
    new = clinic_service.replace_recovery_key(cf.clinic, cf.director, passphrase=PASSPHRASE)
    assert new != old
    cf.clinic.close()
    with pytest.raises(Exception, match="does not belong"):
        clinic_service.open_clinic(cf.data_dir, recovery_key=old, use_keyring=False)
    cf.clinic = clinic_service.open_clinic(cf.data_dir, recovery_key=new, use_keyring=False)


def test_env_passphrase_opens_for_scripts(
    cf: ClinicFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    cf.clinic.close()
    with pytest.raises(PassphraseNeeded):
        clinic_service.open_clinic(cf.data_dir, use_keyring=False)
    monkeypatch.setenv("CLINIC_DESK_PASSPHRASE", PASSPHRASE)
    cf.clinic = clinic_service.open_clinic(cf.data_dir, use_keyring=False)


def test_files_are_owner_only(cf: ClinicFixture) -> None:
    import os

    if os.name == "nt":
        pytest.skip("POSIX permissions")
    for name in ("clinic.db", "clinic.key"):
        assert (cf.data_dir / name).stat().st_mode & 0o077 == 0, name
    assert Path(cf.data_dir).stat().st_mode & 0o077 == 0

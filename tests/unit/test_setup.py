"""Setting up a clinic: bad input is refused with a sentence and nothing is left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic_desk.core.errors import (
    AlreadyInitialized,
    NotInitialized,
    ValidationError,
    WeakPassphrase,
)
from clinic_desk.core.security.keys import KdfParams
from clinic_desk.core.services.clinic import open_clinic, setup_clinic
from tests.conftest import PASSPHRASE


def _setup(data_dir: Path, **overrides: object) -> object:
    args: dict[str, object] = dict(
        clinic_name="仁和诊所", director_login="wang", director_name="王丽",
        director_password="director-pass-1", passphrase=PASSPHRASE, kdf=KdfParams.floor(),
        use_keyring=False,
    )
    args.update(overrides)
    return setup_clinic(data_dir, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "error", "words"),
    [
        ({"passphrase": ""}, WeakPassphrase, "Type a passphrase"),
        ({"passphrase": "abc123"}, WeakPassphrase, "at least"),
        ({"passphrase": "password1234"}, WeakPassphrase, "easy to guess"),
        ({"passphrase": "仁和诊所 is great 123"}, WeakPassphrase, "clinic's name"),
        ({"passphrase_confirmation": "something else"}, WeakPassphrase, "not the same"),
        ({"clinic_name": ""}, ValidationError, "empty"),
        ({"clinic_name": "诊" * 10_000}, ValidationError, "10000 characters"),
        ({"clinic_name": "a\x00b"}, ValidationError, "control characters"),
        ({"director_password": "short"}, ValidationError, "too short"),
        ({"director_login": ""}, ValidationError, "empty"),
    ],
)
def test_bad_setup_input(tmp_path: Path, overrides: dict, error: type, words: str) -> None:
    target = tmp_path / "c"
    with pytest.raises(error) as err:
        _setup(target, **overrides)
    assert words in err.value.message()
    assert not target.exists() or list(target.iterdir()) == []


def test_emoji_and_cjk_names_are_fine(tmp_path: Path) -> None:
    _setup(tmp_path / "c", clinic_name="😀 仁和診所 Clinic", director_name="王丽😀")
    clinic = open_clinic(tmp_path / "c", passphrase=PASSPHRASE, use_keyring=False)
    assert clinic.setting("clinic.name") == "😀 仁和診所 Clinic"
    clinic.close()


def test_second_setup_in_same_folder_refused(tmp_path: Path) -> None:
    _setup(tmp_path / "c")
    with pytest.raises(AlreadyInitialized):
        _setup(tmp_path / "c")


def test_open_empty_folder_says_not_set_up(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(NotInitialized) as err:
        open_clinic(tmp_path / "empty", passphrase=PASSPHRASE)
    assert "setup" in err.value.message()


def test_no_staging_left_behind(tmp_path: Path) -> None:
    _setup(tmp_path / "c")
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["clinic.db", "clinic.key"]


def test_long_passphrase_is_fine(tmp_path: Path) -> None:
    long = "the green hills and a horse that ran at seven in the morning 马跑了 " * 4
    _setup(tmp_path / "c", passphrase=long)
    open_clinic(tmp_path / "c", passphrase=long, use_keyring=False).close()

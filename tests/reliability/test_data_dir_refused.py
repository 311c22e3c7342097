"""Folders that cannot safely hold a clinic are refused with a sentence (issue 2):
a read-only folder, a file instead of a folder, and a network share.

Issue 12 adds: the sentences read as sentences in Simplified Chinese too; a clinic
whose folder became read-only is refused with every byte of it unchanged; and a
backup into a read-only folder names the file asked for and writes nothing."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinic_desk.core.errors import BackupError, DataDirError
from clinic_desk.core.security.keys import KdfParams
from clinic_desk.core.services import patients
from clinic_desk.core.services.clinic import open_clinic, setup_clinic
from clinic_desk.core.services.maintenance import create_backup
from clinic_desk.core.store.datadir import check_data_dir, fs_type_from_mounts, is_network_fs
from tests.reliability.helpers.common import (
    DIRECTOR_LOGIN,
    DIRECTOR_PASSWORD,
    PASSPHRASE,
    assert_clear_sentence,
    count_rows,
    create_clinic,
    keys_for,
    open_and_sign_in,
    sha256,
)

# A laptop's /proc/mounts with an SMB share (space escaped as \040) and an NFS export.
MOUNTS = "\n".join(
    [
        r"proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0",
        r"/dev/nvme0n1p2 / ext4 rw,relatime,errors=remount-ro 0 0",
        r"/dev/nvme0n1p1 /boot/efi vfat rw,relatime,fmask=0077,dmask=0077 0 0",
        r"tmpfs /run tmpfs rw,nosuid,nodev,noexec,relatime,size=1623052k,mode=755 0 0",
        r"/dev/nvme0n1p3 /home ext4 rw,relatime 0 0",
        r"//fileserver/clinic /mnt/clinic\040share cifs rw,relatime,vers=3.1.1,"
        r"cache=strict,username=desk,uid=1000,forceuid,gid=1000,addr=192.168.1.10,"
        r"file_mode=0755,dir_mode=0755,soft,nounix,serverino,mapposix,rsize=4194304 0 0",
        r"nas.local:/export/records /srv/records nfs4 rw,relatime,vers=4.2,"
        r"rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,"
        r"sec=sys,clientaddr=192.168.1.20,local_lock=none,addr=192.168.1.5 0 0",
        r"/dev/sdb1 /srv/records/local-cache ext4 rw,relatime 0 0",
    ]
)


def _setup(data_dir: Path) -> None:
    setup_clinic(
        data_dir,
        clinic_name="仁和诊所",
        director_login=DIRECTOR_LOGIN,
        director_name="王丽",
        director_password=DIRECTOR_PASSWORD,
        passphrase=PASSPHRASE,
        kdf=KdfParams.floor(),
        use_keyring=False,
    )


@contextlib.contextmanager
def _read_only_folder(where: Path) -> Iterator[Path]:
    """A folder no one may write in: a read-only tmpfs as root, else mode 0555."""
    where.mkdir()
    if os.name != "nt" and os.geteuid() == 0:
        # Root ignores permission bits, so only a read-only mount really refuses it.
        try:
            done = subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(where)],
                capture_output=True, text=True, timeout=30, check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            pytest.skip(f"cannot mount a read-only tmpfs: {exc}")
        if done.returncode != 0:
            pytest.skip(f"cannot mount a read-only tmpfs: {done.stderr.strip()}")
        try:
            yield where
        finally:
            subprocess.run(["umount", str(where)], capture_output=True, check=False)
    else:
        where.chmod(0o555)
        try:
            yield where
        finally:
            where.chmod(0o755)


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions and mounts")
def test_read_only_folder_is_refused_and_nothing_is_made(tmp_path: Path) -> None:
    with _read_only_folder(tmp_path / "readonly") as folder:
        with pytest.raises(DataDirError) as caught:
            _setup(folder)
        message = caught.value.message()
        assert str(folder) in message
        assert "cannot write in" in message and "Choose a folder" in message
        assert_clear_sentence(caught.value, "that you may write to")
        assert list(folder.iterdir()) == []

        # A new folder inside it cannot be made either, and says so.
        inner = folder / "clinic"
        with pytest.raises(DataDirError) as caught:
            _setup(inner)
        assert str(inner) in caught.value.message()
        assert "cannot be created" in caught.value.message()
        assert_clear_sentence(caught.value, "Choose a folder you may write to.")
        assert not inner.exists()
        assert list(folder.iterdir()) == []


def test_a_file_is_not_a_folder(tmp_path: Path) -> None:
    a_file = tmp_path / "clinic.txt"
    a_file.write_text("not a folder")
    with pytest.raises(DataDirError) as caught:
        check_data_dir(a_file, create=True)
    assert f"{a_file} is a file, not a folder." in caught.value.message()
    assert_clear_sentence(caught.value)
    with pytest.raises(DataDirError):
        _setup(a_file)
    assert a_file.read_text() == "not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clinic.txt"]


def test_missing_folder_is_refused_when_opening(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(DataDirError) as caught:
        check_data_dir(missing, create=False)
    assert str(missing) in caught.value.message()
    assert not missing.exists()


@pytest.mark.parametrize(
    ("path", "fs_type", "network"),
    [
        ("/mnt/clinic share/ClinicDesk", "cifs", True),
        ("/mnt/clinic share", "cifs", True),
        ("/srv/records/clinic", "nfs4", True),
        ("/srv/records", "nfs4", True),
        ("/srv/records/local-cache/clinic", "ext4", False),  # a local disk mounted inside
        ("/srv/recordsX/clinic", "ext4", False),  # a prefix of the name is not the mount
        ("/home/wang/ClinicDesk", "ext4", False),
        ("/var/lib/clinicdesk", "ext4", False),
        ("/run/user/1000/clinic", "tmpfs", False),
    ],
)
def test_network_share_is_told_from_a_local_disk(path: str, fs_type: str, network: bool) -> None:
    found = fs_type_from_mounts(Path(path), MOUNTS)
    assert found == fs_type
    assert is_network_fs(found) is network


def test_this_machine_temp_folder_is_local(tmp_path: Path) -> None:
    check_data_dir(tmp_path, create=False)  # a real local folder passes every check
    assert list(tmp_path.iterdir()) == []  # and the write probe cleaned up after itself


@contextlib.contextmanager
def _disk(where: Path) -> Iterator[Path]:
    """A folder of its own: as root a small tmpfs (so it can be remounted read-only)."""
    where.mkdir()
    as_root = os.name != "nt" and os.geteuid() == 0
    if as_root:
        try:
            done = subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(where)],
                capture_output=True, text=True, timeout=30, check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            pytest.skip(f"cannot mount a tmpfs: {exc}")
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs: {done.stderr.strip()}")
    try:
        yield where
    finally:
        if as_root:
            subprocess.run(["umount", str(where)], capture_output=True, check=False)
        else:
            for folder in (where, *where.iterdir()):
                if folder.is_dir():
                    folder.chmod(0o755)


def _make_read_only(disk: Path, data_dir: Path) -> None:
    if os.geteuid() == 0:  # root ignores permission bits: remount the disk read-only
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True, timeout=30)
    else:
        data_dir.chmod(0o555)


def _listing(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): sha256(p) for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions and mounts")
def test_clinic_in_a_folder_made_read_only_is_refused_untouched(tmp_path: Path) -> None:
    """Issue 12: the clinic's own folder turned read-only (a remounted disk, changed
    permissions): opening says so in a sentence and not one byte of it changes."""
    with _disk(tmp_path / "disk") as disk:
        data_dir = disk / "clinic"
        create_clinic(data_dir)
        clinic, director = open_and_sign_in(data_dir)
        try:
            patients.register_patient(clinic, director, family_name="欧阳", given_name="娜娜")
        finally:
            clinic.close()
        assert count_rows(data_dir, keys_for(data_dir), "patient") == {"patient": 1}
        before = _listing(data_dir)
        assert set(before) >= {"clinic.db", "clinic.key"}
        _make_read_only(disk, data_dir)

        with pytest.raises(DataDirError) as caught:
            open_clinic(data_dir, passphrase=PASSPHRASE, use_keyring=False)
        assert str(data_dir) in caught.value.message()
        assert_clear_sentence(caught.value, "ClinicDesk cannot write in", "Choose a folder")
        # Every byte as it was (so every row): no journal, no WAL, no attempts file.
        assert _listing(data_dir) == before


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions and mounts")
def test_backup_into_a_read_only_folder_names_the_file_and_writes_nothing(
    tmp_path: Path,
) -> None:
    """Issue 12 / K1: the sentence names the backup file asked for (not a hidden work
    folder), nothing is written there, and the clinic gets no "backup made" audit row."""
    data_dir = tmp_path / "clinic"
    create_clinic(data_dir)
    clinic, director = open_and_sign_in(data_dir)
    try:
        with _read_only_folder(tmp_path / "readonly") as folder:
            keys = keys_for(data_dir)
            rows = count_rows(data_dir, keys, "audit_log")
            out = folder / "clinic.cdbak"
            with pytest.raises(BackupError) as caught:
                create_backup(clinic, director, out)
            assert caught.value.params["path"] == str(out)
            assert_clear_sentence(caught.value, f"The backup could not be written to {out} (")
            assert list(folder.iterdir()) == []
            assert count_rows(data_dir, keys, "audit_log") == rows
    finally:
        clinic.close()

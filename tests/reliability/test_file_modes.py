"""Backups, their work files, restored databases and the log files are owner-only
(review follow-up; spec C3 "stored encrypted, access by role": no spec id names
backups or logs, C3 is the nearest).

A backup holds the wrapped database key and may go to a folder the clinic chose
outside the owner-only data folder, so every file is 0600 and every folder the
program creates is 0700, whatever the umask. Each test runs under umask 0o000,
where a file made with the defaults would be 0666 and a folder 0777.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinic_desk.core.services import maintenance, settings
from clinic_desk.core.store.engine import DB_FILENAME
from clinic_desk.core.tasks import TaskState
from tests.conftest import PASSPHRASE, ClinicFixture

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX modes; chmod is moot on Windows")


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    old = os.umask(0o000)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


class WatchedState(TaskState):
    """Records the mode of everything under ``folder`` each time the backup checks for a
    cancel, i.e. while its work folder and temporary zip exist."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        self.seen: dict[str, tuple[bool, int]] = {}  # name -> (is a folder, mode)

    def check(self) -> None:
        for path in self.folder.rglob("*"):
            self.seen[str(path.relative_to(self.folder))] = (path.is_dir(), mode(path))
        super().check()


def test_manual_backup_and_its_work_files_are_owner_only(
    cf: ClinicFixture, tmp_path: Path
) -> None:
    """Review follow-up (C3): a backup into a folder others may read is 0600, and so is
    every file while it is written (work folder 0700); the folder keeps its own mode."""
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    state = WatchedState(shared)
    info = maintenance.create_backup(cf.clinic, cf.director, shared / "m.cdbak", state=state)
    assert mode(info.path) == 0o600
    assert mode(shared) == 0o755  # a folder the clinic chose is not changed
    assert [p.name for p in shared.iterdir()] == ["m.cdbak"]
    # The temporary zip was seen before it was renamed into place.
    assert any(name.endswith("backup.zip") for name in state.seen), state.seen
    wrong = {
        name: oct(m) for name, (is_dir, m) in state.seen.items()
        if m != (0o700 if is_dir else 0o600)
    }
    assert wrong == {}, wrong


def test_daily_backups_default_and_custom_folders_are_owner_only(
    cf: ClinicFixture, tmp_path: Path
) -> None:
    """Review follow-up (C3): the daily backup in the default folder and in a custom
    folder the program creates (0700, missing parents too) is 0600; an existing custom
    folder keeps its mode and its backup is still 0600."""
    info = maintenance.run_daily_backup_if_due(cf.clinic, force=True)
    assert info is not None and info.path.parent == cf.data_dir / "backups"
    assert (mode(info.path.parent), mode(info.path)) == (0o700, 0o600)

    custom = tmp_path / "usb" / "clinic-backups"
    settings.update_settings(cf.clinic, cf.director, {"backup.folder": str(custom)})
    cf.clock.advance(days=1)
    info = maintenance.run_daily_backup_if_due(cf.clinic, force=True)
    assert info is not None and info.path.parent == custom
    assert (mode(custom), mode(info.path)) == (0o700, 0o600)

    existing = tmp_path / "existing"
    existing.mkdir(mode=0o755)
    settings.update_settings(cf.clinic, cf.director, {"backup.folder": str(existing)})
    cf.clock.advance(days=1)
    info = maintenance.run_daily_backup_if_due(cf.clinic, force=True)
    assert info is not None and info.path.parent == existing
    assert (mode(existing), mode(info.path)) == (0o755, 0o600)


def test_restored_database_is_owner_only(cf: ClinicFixture, tmp_path: Path) -> None:
    """Review follow-up (C3): a restore into an existing 0755 folder writes the database
    and key file 0600."""
    backup = maintenance.create_backup(cf.clinic, cf.director, tmp_path / "r.cdbak").path
    target = tmp_path / "target"
    target.mkdir(mode=0o755)
    maintenance.restore_backup(target, backup, passphrase=PASSPHRASE, use_keyring=False)
    assert {p.name: oct(mode(p)) for p in target.iterdir()} == {
        DB_FILENAME: oct(0o600), "clinic.key": oct(0o600)
    }


@pytest.fixture
def log_setup(tmp_path: Path) -> Iterator[tuple[Path, logging.Handler]]:
    from clinic_desk.ui.app import setup_logging  # Qt module: imported only here

    root = logging.getLogger()
    level = root.level
    before = set(root.handlers)
    path = setup_logging(tmp_path / "data")
    (handler,) = set(root.handlers) - before
    try:
        yield path, handler
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(level)


def test_log_file_is_owner_only_and_stays_so_after_rotation(
    log_setup: tuple[Path, logging.Handler],
) -> None:
    """Review follow-up (C3): the log file is 0600 after logging, and so are the rotated
    file and the new one that rotation starts."""
    path, handler = log_setup
    log = logging.getLogger("clinic_desk.test_file_modes")
    log.warning("a line for the log")
    handler.flush()
    assert "a line for the log" in path.read_text(encoding="utf-8")
    assert mode(path) == 0o600

    line = "x" * 1000
    for _ in range(1200):  # > maxBytes (1 MB): a real rotation through logging itself
        log.warning(line)
        if path.with_name(path.name + ".1").exists():
            break
    log.warning("after rotation")
    handler.flush()
    rotated = path.with_name(path.name + ".1")
    assert rotated.exists(), "the log did not rotate"
    assert "after rotation" in path.read_text(encoding="utf-8")
    assert (mode(path), mode(rotated)) == (0o600, 0o600)


def test_log_files_left_by_an_older_version_become_owner_only(tmp_path: Path) -> None:
    """Review follow-up (C3): a 0644 log and rotated log from before are made 0600."""
    from clinic_desk.ui.app import setup_logging

    logs = tmp_path / "data" / "logs"
    logs.mkdir(parents=True, mode=0o700)
    old = [logs / "clinicdesk.log", logs / "clinicdesk.log.2"]
    for path in old:
        path.write_text("old\n", encoding="utf-8")
        path.chmod(0o644)
    root = logging.getLogger()
    level, before = root.level, set(root.handlers)
    assert setup_logging(tmp_path / "data") == old[0]
    for handler in set(root.handlers) - before:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)
    assert {p.name: oct(mode(p)) for p in old} == {p.name: oct(0o600) for p in old}

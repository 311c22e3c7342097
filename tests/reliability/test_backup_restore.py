"""Backup -> restore round trip of a clinic full of real data (issue 12; issue 2, spec K1/K2).

The demo service fills a small clinic through its own builders (patients and
visits, rosters and bookings, follow-up tasks and calls, complaints and
surveys, memberships). It is backed up, restored into a new folder and opened
with the restored key file; every table's content (every row, every column,
in primary-key order) must be the same. A backup with one byte flipped
anywhere that carries data refuses to restore with a sentence and leaves no
half-restored folder behind.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from clinic_desk.core.errors import (
    AlreadyInitialized,
    BackupError,
    ClinicError,
    WrongPassphrase,
)
from clinic_desk.core.services import demo, staff
from clinic_desk.core.services.audit_log import verify_audit
from clinic_desk.core.services.clinic import open_clinic
from clinic_desk.core.services.maintenance import check_clinic, create_backup, restore_backup
from clinic_desk.core.store.engine import DB_FILENAME, raw_connection
from tests.reliability.helpers.common import assert_clear_sentence, child_env

# The later features must really be in the backup, not just the patients.
FEATURE_TABLES = (
    "patient", "visit", "appointment", "followup_task", "followup_call", "complaint",
    "membership", "membership_member", "audit_log",
)
# What opening and restoring may add: the restore's own audit rows and the chain's head.
RESTORE_ACTIONS = {"backup.restore", "clinic.unlock"}


def table_contents(db: Path, key: bytes, *, audit_upto: int | None = None) -> dict[str, str]:
    """Per table: row count and SHA-256 of every row, every column, in primary-key order.

    Written here rather than taken from ``maintenance.table_hashes`` (which the
    backup uses to verify itself), so the product is not checked by its own code.
    ``audit_upto`` limits ``audit_log`` to the rows up to that ``seq``.
    """
    out: dict[str, str] = {}
    with raw_connection(db, key) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        ).fetchall()]
        for name in names:
            quoted = '"' + name.replace('"', '""') + '"'
            info = conn.execute(f"PRAGMA table_info({quoted})").fetchall()
            columns = ", ".join('"' + r[1] + '"' for r in info)
            pk = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
            order = ", ".join('"' + c + '"' for c in pk) if pk else "rowid"
            where = f" WHERE seq <= {int(audit_upto)}" if name == "audit_log" and audit_upto else ""
            digest = hashlib.sha256()
            rows = 0
            for row in conn.execute(f"SELECT {columns} FROM {quoted}{where} ORDER BY {order}"):
                digest.update(repr(tuple(row)).encode("utf-8"))  # repr keeps types apart
                rows += 1
            out[name] = f"{rows}:{digest.hexdigest()}"
    return out


@dataclass(frozen=True)
class Backed:
    source: Path
    key: bytes
    contents: dict[str, str]
    audit_seq: int
    meta: dict[str, str]
    backup: Path


@pytest.fixture(scope="module")
def backed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backed]:
    root = tmp_path_factory.mktemp("backup-restore")
    source = root / "clinic"
    clinic, _summary = demo.build_demo_clinic(source, patients=40, years=0.25)
    try:
        # Signed in first: the sign-in's own rows belong to what is backed up.
        director = staff.sign_in(clinic, demo.DEMO_DIRECTOR_LOGIN, demo.DEMO_PASSWORD)
        key = clinic.store.data_key
        contents = table_contents(clinic.store.db_path, key)
        with raw_connection(clinic.store.db_path, key) as conn:
            audit_seq = int(conn.execute("SELECT max(seq) FROM audit_log").fetchone()[0])
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        backup = root / "clinic.cdbak"
        create_backup(clinic, director, backup)
    finally:
        clinic.close()
    yield Backed(source, key, contents, audit_seq, meta, backup)


def test_round_trip_keeps_every_row_of_every_table(backed: Backed, tmp_path: Path) -> None:
    """Issue 12: backup -> restore with content hashes; the chain verifies, check passes."""
    for table in FEATURE_TABLES:
        assert not backed.contents[table].startswith("0:"), f"the demo left {table} empty"

    target = tmp_path / "restored"
    result = restore_backup(
        target, backed.backup, passphrase=demo.DEMO_PASSPHRASE, use_keyring=False
    )
    assert sorted(p.name for p in target.iterdir()) == ["clinic.db", "clinic.key"]
    assert (target / "clinic.key").read_bytes() == (backed.source / "clinic.key").read_bytes()

    # Opened with the key file that came out of the backup, not the source's.
    restored = open_clinic(target, passphrase=demo.DEMO_PASSPHRASE, use_keyring=False)
    try:
        assert restored.clinic_id == result.clinic_id
        assert restored.store.data_key == backed.key
        verification = verify_audit(restored)
        assert verification.ok, verification.problems
        report = check_clinic(restored)
        assert report.ok, report.problems
        assert report.audit_rows > backed.audit_seq
        db = restored.store.db_path
        after = table_contents(db, backed.key, audit_upto=backed.audit_seq)
        with raw_connection(db, backed.key) as conn:
            added = {r[0] for r in conn.execute(
                "SELECT action FROM audit_log WHERE seq > ?", (backed.audit_seq,)
            ).fetchall()}
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        assert staff.sign_in(restored, demo.DEMO_DIRECTOR_LOGIN, demo.DEMO_PASSWORD)
    finally:
        restored.close()

    differing = sorted(t for t in backed.contents if backed.contents[t] != after.get(t))
    assert differing == ["meta"], differing  # audit_log compared up to the source's last row
    assert set(after) == set(backed.contents)
    assert "backup.restore" in added and added <= RESTORE_ACTIONS | {"backup.create"}
    # The meta rows differ only in the audit chain's head (new rows were appended).
    assert {k for k in backed.meta.keys() | meta.keys() if backed.meta.get(k) != meta.get(k)} \
        == {"audit.head"}


def _member_spans(backup: Path) -> dict[str, tuple[int, int]]:
    """Where each member's stored bytes sit in the file (no compression in a .cdbak)."""
    spans: dict[str, tuple[int, int]] = {}
    with zipfile.ZipFile(backup) as zf:
        for info in zf.infolist():
            with backup.open("rb") as fh:
                fh.seek(info.header_offset + 26)
                name_len = int.from_bytes(fh.read(2), "little")
                extra_len = int.from_bytes(fh.read(2), "little")
            start = info.header_offset + 30 + name_len + extra_len
            spans[info.filename] = (start, start + info.compress_size)
    return spans


def test_a_flipped_byte_refuses_to_restore_and_leaves_nothing(
    backed: Backed, tmp_path: Path
) -> None:
    """Issue 12 / K2: one flipped byte in the manifest, the key file, the database (start,
    middle, end) or the zip directory: a sentence, and no half-restored folder."""
    data = backed.backup.read_bytes()
    spans = _member_spans(backed.backup)
    assert set(spans) == {"manifest.json", "clinic.key", DB_FILENAME}
    places = {
        "manifest": (spans["manifest.json"][0] + spans["manifest.json"][1]) // 2,
        "key file": (spans["clinic.key"][0] + spans["clinic.key"][1]) // 2,
        "database header": spans[DB_FILENAME][0] + 40,
        "database middle": (spans[DB_FILENAME][0] + spans[DB_FILENAME][1]) // 2,
        "database last page": spans[DB_FILENAME][1] - 100,
        "zip directory": len(data) - 60,
    }
    for where, position in places.items():
        damaged = tmp_path / f"damaged-{where.replace(' ', '-')}.cdbak"
        flipped = bytearray(data)
        flipped[position] ^= 0x01
        damaged.write_bytes(bytes(flipped))
        target = tmp_path / f"restored-{where.replace(' ', '-')}"
        with pytest.raises(BackupError) as caught:
            restore_backup(target, damaged, passphrase=demo.DEMO_PASSPHRASE, use_keyring=False)
        assert_clear_sentence(
            caught.value, str(damaged), "is not a ClinicDesk backup, or it is damaged"
        )
        # The restore created the folder, so it removed it again (review follow-up):
        # no database, no key file, no staging folder, no empty folder.
        assert not target.exists(), (where, sorted(map(str, target.rglob("*"))))
    # The good backup still restores (the flips, not the test, were refused).
    restore_backup(
        tmp_path / "good", backed.backup, passphrase=demo.DEMO_PASSPHRASE, use_keyring=False
    )
    assert (tmp_path / "good" / DB_FILENAME).is_file()


def _flipped(backup: Path, out: Path) -> Path:
    """A copy of ``backup`` with one byte flipped in the middle of the stored database."""
    start, end = _member_spans(backup)[DB_FILENAME]
    data = bytearray(backup.read_bytes())
    data[(start + end) // 2] ^= 0x01
    out.write_bytes(bytes(data))
    return out


def test_a_refused_restore_removes_only_what_it_created(backed: Backed, tmp_path: Path) -> None:
    """Review follow-up (issue 12, C3): a refused restore (damaged backup, wrong
    passphrase) removes the folders it created, missing parents included; a folder that
    was there before stays, with its mode and whatever it held (a clinic's own files
    included, when it refuses to restore over them); the retry into the same
    places with the right input then succeeds."""
    damaged = _flipped(backed.backup, tmp_path / "damaged.cdbak")
    new = tmp_path / "new" / "clinic"  # both levels made by the restore
    existing = tmp_path / "existing"
    existing.mkdir()
    existing.chmod(0o750)
    holding = tmp_path / "holding"  # not empty: a file the restore did not make
    holding.mkdir()
    (holding / "notes.txt").write_text("kept", encoding="utf-8")
    refusals: list[tuple[Path, str, type[ClinicError]]] = [
        (damaged, demo.DEMO_PASSPHRASE, BackupError),
        (backed.backup, "not the passphrase", WrongPassphrase),
    ]
    for backup, passphrase, refused in refusals:
        for target in (new, existing, holding):
            with pytest.raises(refused):
                restore_backup(target, backup, passphrase=passphrase, use_keyring=False)
        assert not (tmp_path / "new").exists(), refused
        assert existing.is_dir() and list(existing.iterdir()) == [], refused
        assert stat.S_IMODE(existing.stat().st_mode) == 0o750
        assert [p.name for p in holding.iterdir()] == ["notes.txt"], refused
    # A folder that already holds a clinic is refused, and its files are not touched.
    other = tmp_path / "other"
    other.mkdir()
    for name in (DB_FILENAME, "clinic.key", f"{DB_FILENAME}-wal"):
        (other / name).write_bytes(b"another clinic's " + name.encode())
    with pytest.raises(AlreadyInitialized):
        restore_backup(
            other, backed.backup, passphrase=demo.DEMO_PASSPHRASE, use_keyring=False
        )
    assert {p.name: p.read_bytes() for p in other.iterdir()} == {
        name: b"another clinic's " + name.encode()
        for name in (DB_FILENAME, "clinic.key", f"{DB_FILENAME}-wal")
    }

    for target in (new, existing):
        restore_backup(target, backed.backup, passphrase=demo.DEMO_PASSPHRASE, use_keyring=False)
        assert sorted(p.name for p in target.iterdir()) == ["clinic.db", "clinic.key"]


def test_the_restore_command_leaves_no_folder_when_refused(backed: Backed, tmp_path: Path) -> None:
    """Review follow-up (issue 12): ``clinic-desk restore`` with a wrong passphrase exits 2
    with a sentence and leaves no folder; run again with the right one, it restores."""
    target = tmp_path / "restored"

    def run(passphrase: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "clinic_desk", "restore", "--data-dir", str(target),
             "--from", str(backed.backup)],
            env=child_env(CLINIC_DESK_PASSPHRASE=passphrase), capture_output=True, text=True,
            timeout=120, check=False,
        )

    refused = run("not the passphrase")
    assert refused.returncode == 2, (refused.stdout, refused.stderr)
    assert "Traceback" not in refused.stderr and refused.stderr.strip().endswith(".")
    assert not target.exists(), sorted(os.listdir(target))
    done = run(demo.DEMO_PASSPHRASE)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert sorted(p.name for p in target.iterdir()) == ["clinic.db", "clinic.key"]

"""Integrity checks, backups and restore.

A backup is one file (``.cdbak``, a zip with no compression, since encrypted
pages do not compress) holding: the database exported by ``sqlcipher_export``
into a new file encrypted with the same data key, the key file (so the
passphrase or recovery key opens it on a new machine), and a manifest sealed
with a key derived from the data key. Each backup is verified after writing by
opening the new database and comparing every table's content hash with the
source, taken in the same read transaction as the export.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import json
import os
import shutil
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from clinic_desk import __version__
from clinic_desk.core.errors import (
    AlreadyInitialized,
    BackupError,
    ClinicError,
    PassphraseNeeded,
    StorageFull,
    StoreCorrupt,
    WrongPassphrase,
    WrongRecoveryKey,
)
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.security import audit
from clinic_desk.core.security.keys import (
    KEY_FILENAME,
    KeyFile,
    KeyringSlot,
    derive_subkey,
    key_file_path,
    write_key_file,
)
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services.base import Actor, Clinic, Clock, system_clock
from clinic_desk.core.store import migrate
from clinic_desk.core.store.datadir import check_data_dir
from clinic_desk.core.store.engine import DB_FILENAME, fsync_dir, raw_connect, raw_connection
from clinic_desk.core.store.store import (
    AUDIT_KEY_PURPOSE,
    BACKUP_KEY_PURPOSE,
    translate_db_error,
)
from clinic_desk.core.tasks import Cancelled, TaskState

BACKUP_FORMAT = 1
BACKUP_SUFFIX = ".cdbak"
MANIFEST = "manifest.json"
DAILY_PREFIX = "clinicdesk-daily-"
META_LAST_DAILY = "backup.last_daily_at"

NOT_A_BACKUP = QT_TRANSLATE_NOOP(
    "Errors",
    "{path} is not a ClinicDesk backup, or it is damaged. Choose a .cdbak file made by "
    "ClinicDesk.",
)


# --- integrity ------------------------------------------------------------------


@dataclass(frozen=True)
class CheckReport:
    problems: tuple[str, ...]
    audit_rows: int

    @property
    def ok(self) -> bool:
        return not self.problems


def table_hashes(conn: Any) -> dict[str, str]:
    """SHA-256 of each table's rows in rowid order, for comparing two copies."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        ).fetchall()
    ]
    result: dict[str, str] = {}
    for name in names:
        digest = hashlib.sha256()
        quoted = '"' + name.replace('"', '""') + '"'
        for row in conn.execute(f"SELECT * FROM {quoted} ORDER BY rowid"):
            digest.update(repr(row).encode("utf-8"))
        result[name] = digest.hexdigest()
    return result


def check_database(db_path: Path, data_key: bytes, audit_key: bytes) -> CheckReport:
    """SQLite integrity, SQLCipher page MACs, references and the audit chain. Read-only."""
    problems: list[str] = []
    try:
        with raw_connection(db_path, data_key) as conn:
            cipher = conn.execute("PRAGMA cipher_integrity_check").fetchall()
            if cipher:
                problems.append(
                    "SQLCipher page check failed: " + "; ".join(str(r[0]) for r in cipher[:5])
                )
            integrity = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
            if integrity != ["ok"]:
                problems.append("SQLite integrity check failed: " + "; ".join(integrity[:5]))
            fks = conn.execute("PRAGMA foreign_key_check").fetchall()
            if fks:
                problems.append(f"{len(fks)} rows refer to rows that do not exist")
    except Exception as error:  # damage can surface as any database error
        friendly = translate_db_error(error)
        detail = friendly.params.get("detail") if friendly else None
        problems.append(f"the database cannot be read ({detail or error})")
        return CheckReport(tuple(problems), 0)

    try:
        verification = _verify_chain(db_path, data_key, audit_key)
        rows = verification.rows_checked
        problems.extend(f"audit log: {p.message}" for p in verification.problems)
    except Exception as error:
        problems.append(f"the audit log cannot be read ({error})")
        rows = 0
    return CheckReport(tuple(problems), rows)


def verify_audit_file(db_path: Path, data_key: bytes) -> audit.AuditVerification:
    """The audit chain, read-only: nothing is appended before it is checked."""
    return _verify_chain(db_path, data_key, derive_subkey(data_key, AUDIT_KEY_PURPOSE))


def _verify_chain(db_path: Path, data_key: bytes, audit_key: bytes) -> audit.AuditVerification:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(
        "sqlite+pysqlite://", creator=lambda: raw_connect(db_path, data_key), poolclass=NullPool
    )
    try:
        with engine.connect() as conn:
            return audit.verify(conn, audit_key)
    finally:
        engine.dispose()


def _new_private_file(path: Path) -> IO[bytes]:
    """A new file only the owner may read or write (0600 whatever the umask): a backup
    holds the wrapped database key, and the folder it goes to may be shared."""
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
    return os.fdopen(os.open(path, flags, 0o600), "wb")


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_clinic(clinic: Clinic) -> CheckReport:
    return check_database(clinic.store.db_path, clinic.store.data_key, clinic.store.audit_key)


# --- backup ---------------------------------------------------------------------


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size_bytes: int
    tables: int
    created_at: datetime


def _seal(backup_key: bytes, manifest: dict[str, Any]) -> str:
    body = json.dumps({k: v for k, v in manifest.items() if k != "seal"}, sort_keys=True)
    return hmac.new(backup_key, body.encode(), hashlib.sha256).hexdigest()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _space_error(error: OSError, path: Path | None = None) -> ClinicError:
    """``path``: the file the person named (the error's own may be a hidden work file)."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull()
    return BackupError(
        QT_TRANSLATE_NOOP(
            "Errors",
            "The backup could not be written to {path} ({reason}). Check that the folder "
            "exists and has room, then try again.",
        ),
        path=str(path or error.filename or ""), reason=error.strerror or str(error),
    )


def export_database(
    db_path: Path, data_key: bytes, target: Path, state: TaskState | None = None
) -> dict[str, str]:
    """``sqlcipher_export`` into ``target`` (same key); returns the verified table hashes."""
    state = state or TaskState()
    if not target.exists():
        _new_private_file(target).close()  # ATTACH would create it 0644
    with raw_connection(db_path, data_key) as conn:
        conn.execute("ATTACH DATABASE ? AS backup KEY ?", (str(target), f"x'{data_key.hex()}'"))
        try:
            conn.execute("BEGIN")
            try:
                source = table_hashes(conn)
                state.progress(0.2, "export")
                conn.execute("SELECT sqlcipher_export('backup')")
                version = conn.execute("PRAGMA main.user_version").fetchone()[0]
                conn.execute(f"PRAGMA backup.user_version = {int(version)}")
            finally:
                conn.execute("COMMIT")
        finally:
            conn.execute("DETACH DATABASE backup")
    state.progress(0.6, "verify")
    with raw_connection(target, data_key) as check:
        if check.execute("PRAGMA cipher_integrity_check").fetchall():
            raise BackupError(QT_TRANSLATE_NOOP("Errors", "The backup failed its check."))
        if [r[0] for r in check.execute("PRAGMA integrity_check").fetchall()] != ["ok"]:
            raise BackupError(QT_TRANSLATE_NOOP("Errors", "The backup failed its check."))
        copied = table_hashes(check)
        # Leave a single self-contained file, no WAL beside it.
        check.execute("PRAGMA journal_mode = DELETE").fetchone()
    if copied != source:
        bad = sorted(k for k in source.keys() | copied.keys() if source.get(k) != copied.get(k))
        raise BackupError(
            QT_TRANSLATE_NOOP(
                "Errors", "The backup does not match the clinic's data (tables: {tables})."
            ),
            tables=", ".join(bad),
        )
    return source


def create_backup(
    clinic: Clinic, actor: Actor, out: Path, *, state: TaskState | None = None
) -> BackupInfo:
    """Write a verified backup to ``out`` atomically; a failure leaves nothing behind."""
    clinic.require(actor, Action.BACKUP_RUN)
    state = state or TaskState()
    out = out.expanduser()
    if out.is_dir():
        raise BackupError(
            QT_TRANSLATE_NOOP(
                "Errors", "{path} is a folder. Give a file name for the backup, ending in .cdbak."
            ),
            path=str(out),
        )
    if not out.parent.is_dir():
        raise BackupError(
            QT_TRANSLATE_NOOP(
                "Errors", "The folder {path} does not exist. Choose a folder that exists."
            ),
            path=str(out.parent),
        )
    work = out.parent / f".cdbak-{uuid.uuid4().hex[:8]}"
    try:
        work.mkdir(mode=0o700)
        exported = work / DB_FILENAME
        hashes = export_database(clinic.store.db_path, clinic.store.data_key, exported, state)
        state.progress(0.8, "pack")
        created = clinic.now()
        with clinic.store.connection() as conn:
            revision = migrate.current_revision(conn)
            conn.rollback()
        manifest: dict[str, Any] = {
            "format": BACKUP_FORMAT,
            "app": "ClinicDesk",
            "app_version": __version__,
            "clinic_id": clinic.clinic_id,
            "created_at": created.isoformat(),
            "schema_revision": revision,
            "tables": len(hashes),
            "db_sha256": _sha256_file(exported),
        }
        manifest["seal"] = _seal(clinic.store.backup_key, manifest)
        packed = work / "backup.zip"
        with (
            _new_private_file(packed) as fh,
            zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as zf,
        ):
            zf.writestr(MANIFEST, json.dumps(manifest, indent=2))
            zf.write(key_file_path(clinic.data_dir), KEY_FILENAME)
            zf.write(exported, DB_FILENAME)
        _fsync_file(packed)
        state.check()
        os.replace(packed, out)
        fsync_dir(out.parent)
    except Cancelled:
        raise
    except OSError as error:
        raise _space_error(error, out) from error
    except ClinicError:
        raise
    except Exception as error:
        friendly = translate_db_error(error)
        if friendly is not None:
            raise friendly from error
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    state.progress(1.0, "done", check=False)  # the file is in place: too late to cancel
    clinic.audit_now(
        actor,
        audit.AuditEvent(action="backup.create", object_type="backup", object_id=out.name),
    )
    return BackupInfo(out, out.stat().st_size, int(manifest["tables"]), created)


def backup_folder(clinic: Clinic) -> Path:
    configured = str(clinic.setting("backup.folder")).strip()
    return Path(configured).expanduser() if configured else clinic.data_dir / "backups"


def run_daily_backup_if_due(clinic: Clinic, *, force: bool = False) -> BackupInfo | None:
    """Once per local calendar day: back up, then keep the newest ``backup.keep_count``."""
    if not force and not clinic.setting("backup.daily_enabled"):
        return None
    now = clinic.now()
    today = now.astimezone(clinic.timezone()).date().isoformat()
    last = clinic.store.meta_value(META_LAST_DAILY)
    if not force and last == today:
        return None
    folder = backup_folder(clinic)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # backups are private
    except OSError as error:
        raise _space_error(error) from error
    stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    info = create_backup(
        clinic, Actor.system("daily-backup"), folder / f"{DAILY_PREFIX}{stamp}{BACKUP_SUFFIX}"
    )
    with clinic.store.unit_of_work(write=True) as uow:
        uow.set_meta(META_LAST_DAILY, today)
        uow.commit()
    keep = int(clinic.setting("backup.keep_count"))
    dailies = sorted(folder.glob(f"{DAILY_PREFIX}*{BACKUP_SUFFIX}"))
    for old in dailies[:-keep]:
        with contextlib.suppress(OSError):
            old.unlink()
    return info


# --- restore --------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreResult:
    clinic_id: str
    created_at: str
    schema_revision: str | None


def _read_backup(path: Path) -> tuple[dict[str, Any], KeyFile]:
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read(MANIFEST))
            key_file = KeyFile.from_json(zf.read(KEY_FILENAME).decode("utf-8"))
            if manifest.get("format") != BACKUP_FORMAT or DB_FILENAME not in zf.namelist():
                raise ValueError("unknown backup format")
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, StoreCorrupt) as error:
        raise BackupError(NOT_A_BACKUP, path=str(path)) from error
    return manifest, key_file


# What a restore puts in its target folder (the database's journals included).
_RESTORED_NAMES = (
    DB_FILENAME, f"{DB_FILENAME}-wal", f"{DB_FILENAME}-shm", f"{DB_FILENAME}-journal",
    KEY_FILENAME,
)


def _missing_dirs(path: Path) -> list[Path]:
    """``path`` and those of its parents that do not exist yet, deepest first."""
    missing: list[Path] = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    return missing


def restore_backup(
    data_dir: Path,
    backup_file: Path,
    *,
    passphrase: str | None = None,
    recovery_key: str | None = None,
    use_keyring: bool = True,
    clock: Clock = system_clock,
) -> RestoreResult:
    """Restore into an empty data folder, after checking the backup end to end.

    A restore that fails removes what it made (the folders it created, the files it
    put in place), so a retry into the same place works; a folder or file that was
    there before is left alone.
    """
    created = _missing_dirs(data_dir)
    before = {name for name in _RESTORED_NAMES if (data_dir / name).exists()}
    try:
        return _restore(
            data_dir, backup_file, passphrase=passphrase, recovery_key=recovery_key,
            use_keyring=use_keyring, clock=clock,
        )
    except BaseException:
        for name in _RESTORED_NAMES:
            if name not in before:
                with contextlib.suppress(OSError):
                    (data_dir / name).unlink(missing_ok=True)
        for folder in created:  # rmdir, not rmtree: a folder holding anything else stays
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _restore(
    data_dir: Path,
    backup_file: Path,
    *,
    passphrase: str | None,
    recovery_key: str | None,
    use_keyring: bool,
    clock: Clock,
) -> RestoreResult:
    from clinic_desk.core.services.clinic import PASSPHRASE_ENV, open_clinic

    check_data_dir(data_dir, create=True)
    if (data_dir / DB_FILENAME).exists() or key_file_path(data_dir).exists():
        raise AlreadyInitialized(path=str(data_dir))
    if not backup_file.is_file():
        raise BackupError(NOT_A_BACKUP, path=str(backup_file))
    manifest, key_file = _read_backup(backup_file)

    data_key: bytes | None = None
    if recovery_key is not None:
        data_key = key_file.open_with_recovery(recovery_key)
        if data_key is None:
            raise WrongRecoveryKey(count=1)
    else:
        if passphrase is None and use_keyring:
            data_key = KeyringSlot(key_file.clinic_id).load()
        if data_key is None:
            passphrase = passphrase if passphrase is not None else os.environ.get(PASSPHRASE_ENV)
            if passphrase is None:
                raise PassphraseNeeded()
            data_key = key_file.open_with_passphrase(passphrase)
            if data_key is None:
                raise WrongPassphrase(count=1)
    backup_key = derive_subkey(data_key, BACKUP_KEY_PURPOSE)
    if not hmac.compare_digest(str(manifest.get("seal", "")), _seal(backup_key, manifest)):
        raise BackupError(NOT_A_BACKUP, path=str(backup_file))

    staging = data_dir / f".restore-{uuid.uuid4().hex[:8]}"
    try:
        staging.mkdir(mode=0o700)
        db = staging / DB_FILENAME
        with (
            zipfile.ZipFile(backup_file) as zf,
            zf.open(DB_FILENAME) as src,
            _new_private_file(db) as dst,  # the restored database is owner-only too
        ):
            shutil.copyfileobj(src, dst, 1 << 20)
        if _sha256_file(db) != manifest.get("db_sha256"):
            raise BackupError(NOT_A_BACKUP, path=str(backup_file))
        audit_key = derive_subkey(data_key, AUDIT_KEY_PURPOSE)
        report = check_database(db, data_key, audit_key)
        if not report.ok:
            raise BackupError(
                QT_TRANSLATE_NOOP(
                    "Errors", "The backup is damaged and was not restored: {detail}."
                ),
                detail="; ".join(report.problems),
            )
        _fsync_file(db)
        os.replace(db, data_dir / DB_FILENAME)
        write_key_file(data_dir, key_file)
    except zipfile.BadZipFile as error:
        # A damaged byte inside the stored database fails the zip's CRC while extracting.
        raise BackupError(NOT_A_BACKUP, path=str(backup_file)) from error
    except OSError as error:
        (data_dir / DB_FILENAME).unlink(missing_ok=True)
        raise _space_error(error) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    if use_keyring:
        KeyringSlot(key_file.clinic_id).save(data_key)
    clinic = open_clinic(
        data_dir,
        passphrase=passphrase if recovery_key is None else None,
        recovery_key=recovery_key,
        use_keyring=use_keyring,
        clock=clock,
    )
    try:
        clinic.audit_now(
            Actor.system("restore"),
            audit.AuditEvent(
                action="backup.restore", object_type="backup", object_id=backup_file.name,
                detail=json.dumps({"backup_created_at": manifest.get("created_at")}),
            ),
        )
    finally:
        clinic.close()
    return RestoreResult(
        key_file.clinic_id, str(manifest.get("created_at")), manifest.get("schema_revision")
    )


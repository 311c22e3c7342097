"""Opening the encrypted SQLite file.

SQLCipher encrypts the whole file; we open it with a random 256-bit raw key
(``PRAGMA key = "x'..'"``) so there is no key-derivation delay on every
connection: the slow Argon2id step happens once, when the key is unwrapped.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from clinic_desk.core.errors import StoreCorrupt
from clinic_desk.core.files import fsync_dir

__all__ = ["fsync_dir", "make_engine", "raw_connect", "raw_connection"]

log = logging.getLogger(__name__)

DB_FILENAME = "clinic.db"
KEY_BYTES = 32
BUSY_TIMEOUT_MS = 15_000
# Cache: the whole database up to this ceiling; a clinic's file is tens to
# hundreds of MB, and the workstation has the memory.
CACHE_FLOOR_BYTES = 16 * 1024 * 1024
CACHE_CEILING_BYTES = 512 * 1024 * 1024


def key_pragma(key: bytes) -> str:
    if len(key) != KEY_BYTES:
        raise ValueError("the data key must be 32 bytes")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def cache_kib_for(db_path: Path) -> int:
    try:
        size = db_path.stat().st_size
    except FileNotFoundError:
        size = 0
    wanted = min(max(int(size * 1.25), CACHE_FLOOR_BYTES), CACHE_CEILING_BYTES)
    return wanted // 1024


def _apply_pragmas(conn: Any, key: bytes, cache_kib: int) -> None:
    cur = conn.cursor()
    try:
        cur.execute(key_pragma(key))
        # SQLCipher reports HMAC failures itself on stderr; we report them as sentences.
        with contextlib.suppress(sqlcipher.DatabaseError):
            cur.execute("PRAGMA cipher_log_level = NONE")
        # The first read proves the key (or shows the damage) before anything else runs.
        cur.execute("SELECT count(*) FROM sqlite_master").fetchone()
        cur.execute("PRAGMA journal_mode = WAL").fetchone()
        # FULL: a commit that returned survives power loss, also in WAL mode.
        # Clinic writes are a few per second at most, so the fsync cost is invisible.
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Temporary tables and sort spills stay in memory, never as files on disk.
        cur.execute("PRAGMA temp_store = MEMORY")
        cur.execute(f"PRAGMA cache_size = -{cache_kib}")
    finally:
        cur.close()


def _owner_only(db_path: Path) -> None:
    # New database files (and their -wal/-shm) get the owner's permissions only.
    if os.name != "nt" and not db_path.exists():
        db_path.touch(mode=0o600)


def raw_connect(db_path: Path, key: bytes) -> Any:
    """A plain SQLCipher DB-API connection with our pragmas (checks, backups, tests)."""
    _owner_only(db_path)
    conn = sqlcipher.connect(str(db_path), isolation_level=None, check_same_thread=False)
    try:
        _apply_pragmas(conn, key, cache_kib_for(db_path))
    except BaseException:
        conn.close()
        raise
    return conn


def is_not_a_database(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "file is not a database" in text or "malformed" in text or "not an error" in text


def make_engine(db_path: Path, key: bytes) -> Engine:
    """An engine whose every connection is keyed, in WAL mode, with foreign keys on."""
    cache_kib = cache_kib_for(db_path)

    def creator() -> Any:
        _owner_only(db_path)
        conn = sqlcipher.connect(str(db_path), isolation_level=None, check_same_thread=False)
        try:
            _apply_pragmas(conn, key, cache_kib)
        except sqlcipher.DatabaseError as exc:
            conn.close()
            if is_not_a_database(exc):
                raise StoreCorrupt(detail="the file cannot be decrypted with this key") from exc
            raise
        return conn

    engine = create_engine(
        "sqlite+pysqlite://",
        module=sqlcipher,
        creator=creator,
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=4,
        # Each connection keeps its own cache of decrypted pages: handing out the
        # most recently used one keeps reads warm (a FIFO pool rotated through all
        # four, decrypting the same week's pages again on each; bench_calendar.py).
        pool_use_lifo=True,
        # Error messages and logs must never carry patient data from bound values.
        hide_parameters=True,
    )

    # pysqlite's implicit transactions begin too late for us: a write must take
    # the write lock at BEGIN (IMMEDIATE) so two processes never read, then
    # both write, the same row; a read begins DEFERRED so it never blocks.
    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        if conn.get_execution_options().get("clinic_write", False):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


@contextlib.contextmanager
def raw_connection(db_path: Path, key: bytes) -> Iterator[Any]:
    conn = raw_connect(db_path, key)
    try:
        yield conn
    finally:
        conn.close()

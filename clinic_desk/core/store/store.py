"""An open clinic database and the unit of work services use on it."""

from __future__ import annotations

import logging
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Engine, event, exc, inspect, select
from sqlalchemy.orm import Session

from clinic_desk.core.errors import ClinicError, StorageFull, StoreBusy, StoreCorrupt
from clinic_desk.core.security.keys import derive_subkey
from clinic_desk.core.store import migrate
from clinic_desk.core.store.base import Base
from clinic_desk.core.store.engine import DB_FILENAME, is_not_a_database, make_engine
from clinic_desk.core.store.models import Meta
from clinic_desk.core.sync import capture as sync_capture
from clinic_desk.core.sync.hlc import HybridClock
from clinic_desk.core.sync.tables import TableSpec, read_specs

log = logging.getLogger(__name__)

AUDIT_KEY_PURPOSE = "clinicdesk audit mac v1"
BACKUP_KEY_PURPOSE = "clinicdesk backup mac v1"


def translate_db_error(error: BaseException) -> ClinicError | None:
    """The sentence for a database failure people can act on, or None."""
    original = getattr(error, "orig", error)
    text = str(original).lower()
    if isinstance(original, (sqlcipher.OperationalError, sqlite3.OperationalError)):
        if "disk is full" in text or "database or disk is full" in text:
            return StorageFull()
        if "database is locked" in text or "busy" in text:
            return StoreBusy()
        if "disk i/o error" in text:
            return StoreCorrupt(detail="the disk reported an input/output error")
    if isinstance(original, (sqlcipher.DatabaseError, sqlite3.DatabaseError)) and (
        is_not_a_database(original)
    ):
        return StoreCorrupt(detail="a page of the file fails its integrity check")
    if isinstance(original, ValueError) and ("\x00" in text or "\\x00" in text):
        # SQLCipher 4.19 can hand back a damaged last overflow page as zeros
        # instead of failing; a NUL where a date should be is that damage.
        return StoreCorrupt(detail="a page of the file fails its integrity check")
    return None


@event.listens_for(Base, "load", propagate=True)
def _refuse_zeroed_text(target: Any, context: Any) -> None:
    """No text we store contains NUL; seeing one means a damaged page was read as zeros."""
    state = inspect(target)
    unloaded = state.unloaded
    for attr in state.mapper.column_attrs:
        if attr.key in unloaded:  # a deferred column (an attachment's bytes) stays unread
            continue
        value = getattr(target, attr.key, None)
        if isinstance(value, str) and "\x00" in value:
            raise StoreCorrupt(detail="a page of the file fails its integrity check")


class Store:
    """One clinic's open, encrypted database file."""

    def __init__(self, data_dir: Path, data_key: bytes, *, workstation: str | None = None) -> None:
        self.data_dir = data_dir
        self.db_path = data_dir / DB_FILENAME
        self._data_key = data_key
        self.audit_key = derive_subkey(data_key, AUDIT_KEY_PURPOSE)
        self.backup_key = derive_subkey(data_key, BACKUP_KEY_PURPOSE)
        self.workstation = (workstation or socket.gethostname() or "workstation")[:100]
        self.engine: Engine = make_engine(self.db_path, data_key)
        # Sync (issue 7): off until this copy is enrolled; read from meta at the
        # first write. ``wall_ms`` dates changes (the clinic's clock, for tests).
        self._sync: _SyncCapture | bool | None = False  # False: not read yet
        self.wall_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000

    @property
    def data_key(self) -> bytes:
        return self._data_key

    def migrate(self) -> None:
        try:
            migrate.upgrade(self.engine)
        except exc.DBAPIError as error:
            raise (translate_db_error(error) or error) from error

    def sync_capture(self, conn: Any) -> None:
        """Note this transaction's changes in the sync outbox (a no-op when sync is off)."""
        if self._sync is False:
            self._sync = _SyncCapture.load(conn)
        if not isinstance(self._sync, _SyncCapture):
            return
        self._sync.run(conn, self.wall_ms())

    def forget_sync_state(self) -> None:
        """Read the sync state again at the next write (after enabling or joining)."""
        self._sync = False

    def unit_of_work(self, *, write: bool) -> UnitOfWork:
        return UnitOfWork(self, write=write)

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """A read connection for checks and reports that need plain SQL."""
        with self.engine.connect() as conn:
            yield conn

    def read_rows(self, sql: str, params: dict[str, Any] | tuple[Any, ...] = ()) -> list[Any]:
        """One read-only statement on a pooled connection, without a Session.

        For the lookups made on every keystroke (patient search), where a
        unit of work's Session and explicit transaction cost more than the
        query (bench/bench_search.py). A single SELECT is consistent on its own.
        """
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(sql, params)
                return list(cursor.fetchall())
            finally:
                cursor.close()
        except Exception as error:
            friendly = translate_db_error(error)
            if friendly is None:
                raise
            raise friendly from error
        finally:
            raw.close()  # back to the pool

    def meta_value(self, key: str) -> str | None:
        with self.unit_of_work(write=False) as uow:
            row = uow.session.get(Meta, key)
            return row.value if row else None

    def close(self) -> None:
        self.engine.dispose()


class _SyncCapture:
    """This copy's node id and synced tables, once sync is on."""

    def __init__(self, node: str, specs: dict[str, TableSpec]) -> None:
        self.node = node
        self.specs = specs

    @classmethod
    def load(cls, conn: Any) -> _SyncCapture | None:
        row = conn.exec_driver_sql(
            "SELECT value FROM meta WHERE key = ?", (sync_capture.META_NODE,)
        ).fetchone()
        if row is None:
            return None
        return cls(row[0], read_specs(conn))

    def run(self, conn: Any, now_ms: int) -> None:
        # The clock is read under the write lock each time: two programs on one
        # copy must never hand out the same clock value.
        clock = HybridClock(sync_capture.load_hlc(conn))
        sync_capture.capture(conn, self.specs, self.node, clock, now_ms)


class UnitOfWork:
    """One transaction. Writes take SQLite's write lock at BEGIN (IMMEDIATE).

    Use as ``with store.unit_of_work(write=True) as uow: ...; uow.commit()``;
    leaving the block without ``commit()`` rolls everything back.
    """

    def __init__(self, store: Store, *, write: bool) -> None:
        self.store = store
        self.write = write
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        bind = self.store.engine.execution_options(clinic_write=self.write)
        self.session = Session(bind=bind, expire_on_commit=False, autoflush=True)
        try:
            self.session.connection()  # BEGIN now, so a busy database fails here
        except exc.DBAPIError as error:
            self.session.close()
            raise (translate_db_error(error) or error) from error
        return self

    def commit(self) -> None:
        if not self.write:
            raise RuntimeError("commit() on a read-only unit of work")
        try:
            self.session.flush()
            self.store.sync_capture(self.session.connection())
            self.session.commit()
        except exc.DBAPIError as error:
            self.session.rollback()
            raise (translate_db_error(error) or error) from error
        self._committed = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if not self._committed:
                self.session.rollback()
        finally:
            self.session.close()
        if isinstance(exc_value, (exc.DBAPIError, ValueError)):
            friendly = translate_db_error(exc_value)
            if friendly is not None:
                raise friendly from exc_value

    def meta(self, key: str) -> str | None:
        row = self.session.get(Meta, key)
        return row.value if row else None

    def set_meta(self, key: str, value: str) -> None:
        row = self.session.get(Meta, key)
        if row is None:
            self.session.add(Meta(key=key, value=value))
        else:
            row.value = value

    def scalar(self, statement: Any) -> Any:
        return self.session.execute(statement).scalar()

    def select_one(self, model: Any, **where: Any) -> Any:
        stmt = select(model).filter_by(**where)
        return self.session.execute(stmt).scalars().first()

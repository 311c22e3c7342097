"""Declarative base, shared column types and the mixins every table uses."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

import uuid6
from sqlalchemy import DateTime, MetaData, TypeDecorator, Uuid
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# A fixed naming convention keeps Alembic's batch mode able to find and
# rebuild constraints on SQLite, which has no ALTER CONSTRAINT.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# For rows that have a natural key (a setting's name, a doctor's profile): ids
# derived from it are the same on every workstation, so sync merges them.
SYNCED_ROW_NAMESPACE = uuid.UUID("0b7f3a52-9d1e-4c8e-8f0a-5d2c6e9b1a47")


# Set only while a demo dataset is built from a seed (``reproducible``): ids and default
# timestamps then repeat from one build to the next.
_ID_SOURCE: ContextVar[Callable[[], uuid.UUID] | None] = ContextVar("id_source", default=None)
_NOW_SOURCE: ContextVar[Callable[[], datetime] | None] = ContextVar("now_source", default=None)


def new_id() -> uuid.UUID:
    """A time-ordered UUIDv7, so offline workstations never collide and ids sort by age."""
    source = _ID_SOURCE.get()
    if source is not None:
        return source()
    return uuid.UUID(str(uuid6.uuid7()))


@contextmanager
def reproducible(ids: Callable[[], uuid.UUID], now: Callable[[], datetime]) -> Iterator[None]:
    """Inside, ``new_id`` returns ``ids()`` and ``utcnow`` ``now()`` (a demo clinic built
    twice from one seed holds the same rows)."""
    id_token = _ID_SOURCE.set(ids)
    now_token = _NOW_SOURCE.set(now)
    try:
        yield
    finally:
        _NOW_SOURCE.reset(now_token)
        _ID_SOURCE.reset(id_token)


def utcnow() -> datetime:
    source = _NOW_SOURCE.get()
    return datetime.now(UTC) if source is None else source()


def stored_utc(moment: datetime) -> str:
    """The text a ``UTCDateTime`` column holds, for plain-SQL comparisons and writes."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def from_stored(value: str | datetime) -> datetime:
    """A ``UTCDateTime`` column's value read by plain SQL, as an aware UTC instant."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC)
    # Parsing the offset is ten times cheaper than .replace(tzinfo=...) afterwards.
    return datetime.fromisoformat(value + "+00:00")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, returns aware UTC; refuses naive datetimes so no local time slips in."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Rows are never hard-deleted: a tombstone that sync carries like any change.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

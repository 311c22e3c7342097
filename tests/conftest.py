"""Shared fixtures: a real encrypted clinic in a temporary folder, a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from clinic_desk.core.security.keys import KdfParams
from clinic_desk.core.services import staff
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.core.services.clinic import SetupResult, open_clinic, setup_clinic

PASSPHRASE = "马跑了 青山绿水 七点钟 rain"
DIRECTOR_PASSWORD = "director-pass-1"


class FakeClock:
    """A clock tests move by hand, so lockout and idle tests never sleep."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class ClinicFixture:
    data_dir: Path
    setup: SetupResult
    clinic: Clinic
    director: Actor
    clock: FakeClock

    def reopen(self) -> Clinic:
        self.clinic.close()
        self.clinic = open_clinic(
            self.data_dir, passphrase=PASSPHRASE, use_keyring=False, clock=self.clock
        )
        return self.clinic


@pytest.fixture(autouse=True)
def _no_os_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests never write into the developer's own keyring; keyring tests opt back in.
    monkeypatch.setenv("CLINIC_DESK_NO_KEYRING", "1")
    monkeypatch.delenv("CLINIC_DESK_PASSPHRASE", raising=False)
    monkeypatch.delenv("CLINIC_DESK_HOME", raising=False)


def make_clinic(data_dir: Path, clock: FakeClock, name: str = "仁和诊所") -> ClinicFixture:
    result = setup_clinic(
        data_dir,
        clinic_name=name,
        director_login="wang.li",
        director_name="王丽",
        director_password=DIRECTOR_PASSWORD,
        passphrase=PASSPHRASE,
        kdf=KdfParams.floor(),
        use_keyring=False,
        clock=clock,
    )
    clinic = open_clinic(data_dir, passphrase=PASSPHRASE, use_keyring=False, clock=clock)
    director = staff.sign_in(clinic, "wang.li", DIRECTOR_PASSWORD)
    return ClinicFixture(data_dir, result, clinic, director, clock)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cf(tmp_path: Path, clock: FakeClock) -> Iterator[ClinicFixture]:
    fixture = make_clinic(tmp_path / "clinic", clock)
    yield fixture
    fixture.clinic.close()

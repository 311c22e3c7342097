"""Reliability tests never touch the OS keyring, and never inherit a passphrase."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="session")
def _no_os_keyring_session() -> Iterator[None]:
    # Session scope so module-scoped templates are made without a keyring too.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLINIC_DESK_NO_KEYRING", "1")
        mp.delenv("CLINIC_DESK_PASSPHRASE", raising=False)
        mp.delenv("CLINIC_DESK_RECOVERY_KEY", raising=False)
        yield


@pytest.fixture(autouse=True)
def _reliability_no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINIC_DESK_NO_KEYRING", "1")
    monkeypatch.delenv("CLINIC_DESK_PASSPHRASE", raising=False)
    monkeypatch.delenv("CLINIC_DESK_RECOVERY_KEY", raising=False)

"""UI tests run offscreen with the bundled font and a real encrypted clinic."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from clinic_desk.ui.context import AppContext
from tests.conftest import ClinicFixture, FakeClock, make_clinic


@pytest.fixture(scope="session", autouse=True)
def _fonts(qapp):  # type: ignore[no-untyped-def]
    from clinic_desk.ui.fonts import register_fonts

    register_fonts(qapp)
    yield


@pytest.fixture(scope="package", autouse=True)
def _collect_on_the_gui_thread(qapp):  # type: ignore[no-untyped-def]
    """As the application does: no garbage collection in worker threads (a cycle holding
    Qt objects collected in a worker crashed a run); back to normal after the UI tests."""
    from clinic_desk.ui import collector

    keeper = collector.install(qapp)
    yield keeper
    keeper.stop()
    keeper.deleteLater()


@pytest.fixture(autouse=True)
def _collect_after_each_test(_collect_on_the_gui_thread):  # type: ignore[no-untyped-def]
    yield
    _collect_on_the_gui_thread.check()  # the timer runs only while a test waits


@pytest.fixture
def ui_clinic(tmp_path: Path, clock: FakeClock) -> Iterator[ClinicFixture]:
    fixture = make_clinic(tmp_path / "clinic", clock)
    yield fixture
    fixture.clinic.close()


@pytest.fixture
def ctx(ui_clinic: ClinicFixture, qapp) -> Iterator[AppContext]:  # type: ignore[no-untyped-def]
    context = AppContext(ui_clinic.clinic, clock=ui_clinic.clock)
    yield context
    context.runner.wait(10_000)

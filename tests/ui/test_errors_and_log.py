"""Errors reach people as sentences; tracebacks go to the rotating log, without
patient data (issue 3)."""

from __future__ import annotations

import logging
from pathlib import Path

from clinic_desk.core.errors import StorageFull
from clinic_desk.ui.app import setup_logging
from clinic_desk.ui.errors import error_text


def test_known_error_is_its_sentence() -> None:
    assert error_text(StorageFull()).startswith("The disk is full, so nothing was saved.")


def test_unexpected_error_is_a_sentence_and_a_logged_traceback(tmp_path: Path) -> None:
    path = setup_logging(tmp_path)
    try:
        try:
            raise KeyError("internal detail")
        except KeyError as error:
            text = error_text(error)
        assert "was not completed" in text and "internal detail" not in text
        for handler in logging.getLogger().handlers:
            handler.flush()
        logged = path.read_text(encoding="utf-8")
        assert "Traceback" in logged and "internal detail" in logged
    finally:
        root = logging.getLogger()
        for handler in list(root.handlers):
            if getattr(handler, "baseFilename", "") == str(path):
                root.removeHandler(handler)
                handler.close()


def test_sql_errors_never_carry_patient_values(tmp_path: Path) -> None:
    from sqlalchemy import text

    from tests.conftest import FakeClock, make_clinic

    cf = make_clinic(tmp_path / "c", FakeClock())
    try:
        with cf.clinic.store.unit_of_work(write=True) as uow:
            try:
                uow.session.execute(
                    text("INSERT INTO no_such_table VALUES (:name)"), {"name": "欧阳娜娜"}
                )
            except Exception as error:  # what would be logged
                assert "欧阳娜娜" not in str(error)
            else:
                raise AssertionError("the insert should have failed")
    finally:
        cf.clinic.close()

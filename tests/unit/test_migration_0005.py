"""Alembic 0005 (issue 6): a clinic with bookings upgrades to the reception tables.

The appointments of revision 0004 keep everything; the queue tables start empty and
enforce their rules: one entry per booking, one number per day.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from clinic_desk.core.store import migrate
from clinic_desk.core.store.engine import make_engine

STAFF, PATIENT, APPOINTMENT = "0" * 31 + "1", "0" * 31 + "2", "0" * 31 + "3"
T = "2026-11-23 02:00:00.000000"


def _engine(path: Path) -> Engine:
    return make_engine(path, bytes(range(32)))


def _entry(conn: object, entry_id: str, queue_no: int, appointment: str | None) -> None:
    conn.execute(  # type: ignore[attr-defined]
        text(
            "INSERT INTO queue_entry (id, day, patient_id, appointment_id, doctor_id, department, "
            "complaint, queue_no, status, priority, green_reason, arrived_at, visit_category, "
            "back_reason, created_at, updated_at) VALUES (:id, '2026-11-23', :p, :a, :s, '', '', "
            ":n, 'waiting', 0, '', :t, '', '', :t, :t)"
        ),
        {"id": entry_id, "p": PATIENT, "a": appointment, "s": STAFF, "n": queue_no, "t": T},
    )


def test_bookings_of_0004_survive_and_the_queue_tables_work(tmp_path: Path) -> None:
    engine = _engine(tmp_path / "old.db")
    migrate.upgrade(engine, "0004_appointments")
    with engine.execution_options(clinic_write=True).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO staff (id, login, display_name, role, password_hash, phone, "
                "must_change_password, password_changed_at, created_at, updated_at) VALUES "
                "(:id, 'dr.li', '李医生', 'doctor', 'h', '', 0, :t, :t, :t)"
            ),
            {"id": STAFF, "t": T},
        )
        conn.execute(
            text(
                "INSERT INTO patient (id, record_no, family_name, given_name, sex, phone, phone2, "
                "id_kind, id_number, address, occupation, title, email, wechat, qq, "
                "contact_channels, source_channel, special_needs, emergency_name, "
                "emergency_relation, emergency_phone, desk_notes, honorific_override, created_at, "
                "updated_at) VALUES (:id, '2026-000001', '张', '三', 'F', '+8613812345678', '', "
                "'', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', :t, :t)"
            ),
            {"id": PATIENT, "t": T},
        )
        conn.execute(
            text(
                "INSERT INTO appointment (id, patient_id, doctor_id, starts_at, ends_at, status, "
                "channel, purpose, notes, add_on, on_holiday, override_reason, cancel_reason, "
                "late_cancel, created_at, updated_at) VALUES (:id, :p, :s, "
                "'2026-11-23 02:30:00.000000', '2026-11-23 02:45:00.000000', 'booked', 'phone', "
                "'复诊', '', 0, 0, '', '', 0, :t, :t)"
            ),
            {"id": APPOINTMENT, "p": PATIENT, "s": STAFF, "t": T},
        )
    migrate.upgrade(engine, "0005_reception")
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == "0005_reception"
        row = conn.execute(text("SELECT status, purpose, patient_id FROM appointment")).one()
        assert tuple(row) == ("booked", "复诊", PATIENT)
        for table in ("queue_entry", "queue_event", "wait_alert"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
        assert conn.execute(text("PRAGMA foreign_key_check")).fetchall() == []
    indexes = {i["name"]: i for i in inspect(engine).get_indexes("queue_entry")}
    assert indexes["uq_queue_entry_day_queue_no"]["unique"]
    assert indexes["uq_queue_entry_appointment_id"]["unique"]
    with engine.execution_options(clinic_write=True).begin() as conn:
        _entry(conn, "a" * 32, 1, APPOINTMENT)
        _entry(conn, "b" * 32, 2, None)  # walk-ins: NULL bookings are not "the same"
        _entry(conn, "c" * 32, 3, None)
        conn.execute(
            text(
                "INSERT INTO queue_event (id, entry_id, at, staff_id, kind, detail, created_at, "
                "updated_at) VALUES (:id, :e, :t, :s, 'checked_in', '{}', :t, :t)"
            ),
            {"id": "d" * 32, "e": "a" * 32, "t": T, "s": STAFF},
        )
    for number, booking in ((4, APPOINTMENT), (2, None)):  # a booking twice; a number twice
        with pytest.raises(IntegrityError):
            with engine.execution_options(clinic_write=True).begin() as conn:
                _entry(conn, "e" * 32, number, booking)
    engine.dispose()

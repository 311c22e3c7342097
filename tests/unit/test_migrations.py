"""Alembic: a database filled at the first revision upgrades to the same schema as a
fresh one, keeps its data, and the models match the migrations (issue 2; STYLE 7)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from clinic_desk.core.store import migrate
from clinic_desk.core.store.base import Base
from clinic_desk.core.store.engine import make_engine

FIRST = "0001_foundation"


def _engine(path: Path) -> Engine:
    return make_engine(path, bytes(range(32)))


def _schema(engine: Engine) -> dict[str, Any]:
    insp = inspect(engine)
    schema: dict[str, Any] = {}
    for table in sorted(insp.get_table_names()):
        schema[table] = {
            "columns": sorted(
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in insp.get_columns(table)
            ),
            "pk": insp.get_pk_constraint(table)["constrained_columns"],
            "fks": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"]) for f in
                insp.get_foreign_keys(table)
            ),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                              for i in insp.get_indexes(table)),
            "unique": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table)),
        }
    with engine.connect() as conn:
        schema["triggers"] = sorted(
            r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'"))
        )
    return schema


def test_upgrade_from_first_revision_with_data_matches_fresh(tmp_path: Path) -> None:
    old = _engine(tmp_path / "old.db")
    migrate.upgrade(old, FIRST)
    with old.connect() as conn:
        assert migrate.current_revision(conn) == FIRST
    staff_id = "0" * 31 + "1"
    with old.execution_options(clinic_write=True).begin() as conn:
        conn.execute(text(
            "INSERT INTO staff (id, login, display_name, role, password_hash, "
            "must_change_password, password_changed_at, created_at, updated_at) VALUES "
            "(:id, 'wang', '王丽', 'director', 'h', 0, '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"), {"id": staff_id})
        conn.execute(text(
            "INSERT INTO setting (id, key, value_json, created_at, updated_at) VALUES "
            "(:id, 'clinic.name', '\"仁和诊所\"', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        ), {"id": "0" * 31 + "2"})
        conn.execute(text(
            "INSERT INTO signin_attempt (staff_id, login_tried, at, success, workstation) "
            "VALUES (:id, 'wang', '2026-01-01 00:00:00', 1, 'desk')"), {"id": staff_id})
    migrate.upgrade(old)

    fresh = _engine(tmp_path / "fresh.db")
    migrate.upgrade(fresh)
    assert _schema(old) == _schema(fresh)
    with old.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
        row = conn.execute(text("SELECT login, display_name, phone FROM staff")).one()
        assert tuple(row) == ("wang", "王丽", "")
        assert conn.execute(text("SELECT count(*) FROM signin_attempt")).scalar() == 1
        assert conn.execute(text("PRAGMA foreign_key_check")).fetchall() == []
    old.dispose()
    fresh.dispose()


def test_models_match_migrations(tmp_path: Path) -> None:
    engine = _engine(tmp_path / "m.db")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Only differences that are not real (the trigger-less reflection has none).
    assert diffs == [], diffs
    engine.dispose()


def test_upgrade_twice_is_harmless_and_newer_schema_refused(tmp_path: Path) -> None:
    import pytest

    from clinic_desk.core.errors import SchemaTooNew

    engine = _engine(tmp_path / "n.db")
    migrate.upgrade(engine)
    migrate.upgrade(engine)
    with engine.execution_options(clinic_write=True).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(SchemaTooNew) as err:
        migrate.upgrade(engine)
    assert "newer version" in err.value.message()
    engine.dispose()
    assert os.path.exists(tmp_path / "n.db")


def test_patients_of_0002_survive_0003_with_empty_registry_fields(tmp_path: Path) -> None:
    """Issue 4's migration: patients and notes written before it keep everything."""
    old = _engine(tmp_path / "old.db")
    migrate.upgrade(old, "0002_patients")
    patient_id, staff_id, note_id = "0" * 31 + "3", "0" * 31 + "4", "0" * 31 + "5"
    with old.execution_options(clinic_write=True).begin() as conn:
        conn.execute(text(
            "INSERT INTO staff (id, login, display_name, role, password_hash, phone, "
            "must_change_password, password_changed_at, created_at, updated_at) VALUES "
            "(:id, 'li', '李医生', 'doctor', 'h', '', 0, '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"), {"id": staff_id})
        conn.execute(text(
            "INSERT INTO patient (id, family_name, given_name, sex, birth_date, phone, "
            "created_at, updated_at) VALUES (:id, '欧阳', '娜娜', 'F', '1980-02-03', "
            "'+8613812345678', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"),
            {"id": patient_id})
        conn.execute(text(
            "INSERT INTO clinical_note (id, patient_id, author_id, body, created_at, "
            "updated_at) VALUES (:id, :p, :s, '高血压复诊', '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00')"), {"id": note_id, "p": patient_id, "s": staff_id})
    migrate.upgrade(old)
    with old.connect() as conn:
        row = conn.execute(text(
            "SELECT family_name, given_name, phone, record_no, id_number, desk_notes, "
            "merged_into FROM patient")).one()
        assert tuple(row) == ("欧阳", "娜娜", "+8613812345678", "", "", "", None)
        note = conn.execute(text("SELECT body, corrects_id FROM clinical_note")).one()
        assert tuple(note) == ("高血压复诊", None)
        assert conn.execute(text("SELECT count(*) FROM patient_search_key")).scalar() == 0
    old.dispose()

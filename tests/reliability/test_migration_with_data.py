"""Migration from the first schema with data, one revision at a time (issue 12; issue 2).

A database at ``0001_foundation`` is filled the way the first release filled it:
a few hundred staff, settings, sign-in attempts and a real sealed audit chain.
It is then upgraded one revision at a time to head. After every step the
0001-era columns of every 0001-era table hash the same (every row, primary-key
order); at head ``check`` passes (SQLite and SQLCipher integrity, references,
the audit chain) and the schema equals a freshly made head schema.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from clinic_desk.core.security import audit
from clinic_desk.core.security.keys import derive_subkey
from clinic_desk.core.services.maintenance import check_database
from clinic_desk.core.store import migrate
from clinic_desk.core.store.engine import raw_connection
from clinic_desk.core.store.store import AUDIT_KEY_PURPOSE
from tests.unit.test_migrations import FIRST, _engine, _schema

KEY = bytes(range(32))  # the key tests/unit/test_migrations.py's _engine uses
AUDIT_KEY = derive_subkey(KEY, AUDIT_KEY_PURPOSE)
STAFF, SETTINGS, SIGNINS, AUDIT_ROWS = 300, 40, 2_000, 600
ROLES = ("director", "doctor", "nurse", "receptionist", "pharmacist")
START = datetime(2026, 1, 5, 1, 30, tzinfo=UTC)


def _revisions() -> list[str]:
    """Every revision from the first to head, oldest first (one straight line)."""
    script = ScriptDirectory.from_config(migrate.alembic_config())
    chain = [s.revision for s in script.walk_revisions()][::-1]
    assert chain[0] == FIRST and chain[-1] == migrate.head_revision()
    return chain


def _stamp(i: int) -> str:
    return (START + timedelta(minutes=7 * i)).strftime("%Y-%m-%d %H:%M:%S.%f")


def _fill_first_schema(engine: Engine) -> None:
    staff_ids = [uuid.UUID(int=0x5000 + i).hex for i in range(STAFF)]
    staff_rows = [
        {
            "id": staff_ids[i], "login": f"staff{i:03d}",
            "display_name": ("欧阳" if i % 3 else "Anne-") + f"{i}号",
            "role": ROLES[i % len(ROLES)], "hash": f"$argon2id$v=19$m=8,t=1,p=1${i:08x}",
            "must": i % 4 == 0, "changed": _stamp(i),
            "disabled": _stamp(i + 1) if i % 17 == 0 else None,
            "cleared": _stamp(i + 2) if i % 23 == 0 else None,
            "at": _stamp(i), "del": _stamp(i + 3) if i % 29 == 0 else None,
        }
        for i in range(STAFF)
    ]
    setting_rows = [
        {
            "id": uuid.UUID(int=0x9000 + i).hex, "key": f"test.setting_{i:02d}",
            "value": json.dumps({"n": i, "text": f"第{i}项 ✓"}, ensure_ascii=False),
            "by": staff_ids[i] if i % 2 else None, "at": _stamp(i),
        }
        for i in range(SETTINGS)
    ]
    signin_rows = [
        {
            "staff": staff_ids[i % STAFF] if i % 5 else None, "login": f"staff{i % 400:03d}",
            "at": _stamp(i), "ok": i % 3 != 0, "ws": f"前台-{i % 4}",
        }
        for i in range(SIGNINS)
    ]
    with engine.execution_options(clinic_write=True).begin() as conn:
        conn.execute(text(
            "INSERT INTO staff (id, login, display_name, role, password_hash, "
            "must_change_password, password_changed_at, disabled_at, lockout_cleared_at, "
            "created_at, updated_at, deleted_at) VALUES (:id, :login, :display_name, :role, "
            ":hash, :must, :changed, :disabled, :cleared, :at, :at, :del)"), staff_rows)
        conn.execute(text(
            "INSERT INTO setting (id, key, value_json, updated_by, created_at, updated_at) "
            "VALUES (:id, :key, :value, :by, :at, :at)"), setting_rows)
        conn.execute(text(
            "INSERT INTO signin_attempt (staff_id, login_tried, at, success, workstation) "
            "VALUES (:staff, :login, :at, :ok, :ws)"), signin_rows)
        conn.execute(text("INSERT INTO meta (key, value) VALUES ('clinic.id', :v)"),
                     {"v": uuid.UUID(int=42).hex})
    # The audit chain through the product's own sealing code, in a few transactions.
    for batch in range(0, AUDIT_ROWS, 200):
        with Session(engine.execution_options(clinic_write=True)) as session, session.begin():
            audit.append_many(
                session, AUDIT_KEY,
                [
                    audit.AuditEvent(
                        action="staff.sign_in" if i % 2 else "setting.update",
                        object_type="staff", object_id=staff_ids[i % STAFF],
                        detail=json.dumps({"i": i, "note": "第一版"}, ensure_ascii=False),
                    )
                    for i in range(batch, batch + 200)
                ],
                at=START + timedelta(hours=batch), staff_id=uuid.UUID(staff_ids[batch % STAFF]),
                staff_login=f"staff{batch % STAFF:03d}", role="director", workstation="前台-1",
            )


def _first_columns(engine: Engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        tables = [r[0] for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'alembic_version' ORDER BY name")]
        return {t: [r[1] for r in conn.exec_driver_sql(f'PRAGMA table_info("{t}")')]
                for t in tables}


def _hashes(db: Path, columns: dict[str, list[str]]) -> dict[str, tuple[int, str]]:
    """Per 0001-era table: row count and SHA-256 of its 0001-era columns, by primary key."""
    out: dict[str, tuple[int, str]] = {}
    with raw_connection(db, KEY) as conn:
        for table, cols in columns.items():
            info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
            pk = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
            order = ", ".join(f'"{c}"' for c in pk) if pk else "rowid"
            selected = ", ".join(f'"{c}"' for c in cols)
            digest, rows = hashlib.sha256(), 0
            for row in conn.execute(f'SELECT {selected} FROM "{table}" ORDER BY {order}'):
                digest.update(repr(tuple(row)).encode("utf-8"))
                rows += 1
            out[table] = (rows, digest.hexdigest())
    return out


def test_first_schema_with_data_upgrades_step_by_step_to_head(tmp_path: Path) -> None:
    """Issue 12: migration from the first schema with data, through every revision."""
    revisions = _revisions()
    assert len(revisions) >= 9
    db = tmp_path / "first.db"
    old = _engine(db)
    try:
        migrate.upgrade(old, FIRST)
        _fill_first_schema(old)
        columns = _first_columns(old)
        assert set(columns) == {"meta", "setting", "staff", "signin_attempt", "audit_log"}
        before = _hashes(db, columns)
        assert before["staff"][0] == STAFF and before["audit_log"][0] == AUDIT_ROWS
        assert before["signin_attempt"][0] == SIGNINS and before["setting"][0] == SETTINGS
        first_report = check_database(db, KEY, AUDIT_KEY)
        assert first_report.ok and first_report.audit_rows == AUDIT_ROWS, first_report

        for revision in revisions[1:]:
            assert migrate.upgrade(old, revision) is True
            with old.connect() as conn:
                assert migrate.current_revision(conn) == revision
            old.dispose()  # the next step and the hash read the file afresh
            after = _hashes(db, columns)
            changed = sorted(t for t in before if before[t] != after[t])
            assert not changed, f"{revision} changed the first schema's data in {changed}"
    finally:
        old.dispose()

    report = check_database(db, KEY, AUDIT_KEY)
    assert report.ok, report.problems
    assert report.audit_rows == AUDIT_ROWS

    fresh = _engine(tmp_path / "fresh.db")
    try:
        migrate.upgrade(fresh)
        old = _engine(db)
        assert _schema(old) == _schema(fresh)
        with old.connect() as conn:
            # New columns on old rows got their defaults, not NULLs the models cannot read.
            phones = conn.execute(text("SELECT DISTINCT phone FROM staff")).scalars().all()
            assert phones == [""]
    finally:
        old.dispose()
        fresh.dispose()


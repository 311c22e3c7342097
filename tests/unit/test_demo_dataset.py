"""Issue 12: the busy-clinic dataset builds the same rows from the same seed, other rows
from another seed, and ``clinic-desk demo-data --busy-clinic`` runs the same build.

Small sizes (150 patients, a quarter of a year): every step runs, each table holds rows.
"""

from __future__ import annotations

import hashlib
from datetime import UTC
from pathlib import Path

import pytest

from clinic_desk import cli
from clinic_desk.core.services import demo, demo_dataset
from clinic_desk.core.services.clinic import open_clinic

SIZE = {"patients": 150, "years": 0.25}
# What must differ between two clinics: the key material (meta), salted password
# hashes, the audit chain's MACs (keyed with the clinic's own key), and the clinic's
# random id (sync tells clinics apart by it), which stands for itself in some rows.
IGNORED = {"meta": {"value"}, "staff": {"password_hash"}, "audit_log": {"mac"}}


def table_hashes(data_dir: Path) -> dict[str, str]:
    """A content hash of every table: each row's ids and values, in a fixed order.

    Opening the clinic to read it audits an unlock at the wall clock: those rows are not
    the build's and are left out (the build's audit rows all stand at ``now_utc``)."""
    clinic = open_clinic(data_dir, passphrase=demo.DEMO_PASSPHRASE, use_keyring=False)
    try:
        built_at = demo_dataset.now_utc(clinic).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        hashes = {}
        with clinic.store.unit_of_work(write=False) as uow:
            conn = uow.session.connection()
            tables = [
                row[0]
                for row in conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                )
            ]
            for table in tables:
                columns = [c[1] for c in conn.exec_driver_sql(f"PRAGMA table_info({table})")]
                kept = [c for c in columns if c not in IGNORED.get(table, set())]
                where = f" WHERE at = '{built_at}'" if table == "audit_log" else ""
                rows = conn.exec_driver_sql(
                    f"SELECT {', '.join(kept)} FROM {table}{where}"
                ).fetchall()
                digest = hashlib.sha256(repr(kept).encode())
                texts = (repr(tuple(row)).replace(clinic.clinic_id, "<clinic>") for row in rows)
                for text in sorted(texts):
                    digest.update(text.encode())
                hashes[table] = f"{len(rows)}:{digest.hexdigest()}"
    finally:
        clinic.close()
    return hashes


@pytest.fixture(scope="module")
def seed_5(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data_dir = tmp_path_factory.mktemp("seed5") / "clinic"
    summary = demo_dataset.build_dataset(data_dir, seed=5, **SIZE)  # type: ignore[arg-type]
    # Every step ran and wrote, and every figure issue 12 names is there.
    assert [s.name for s in summary.steps] == [name for name, _ in demo_dataset.STEPS]
    assert all(s.rows > 0 for s in summary.steps), summary.steps
    assert all(n > 0 for n in summary.counts.values()), summary.counts
    assert summary.counts["patients"] == 150 and summary.counts["doctors"] == 8
    return table_hashes(data_dir)


def test_same_seed_builds_the_same_tables(
    seed_5: dict[str, str], tmp_path: Path
) -> None:
    """Issue 12: deterministic from the seed: every table's rows (ids, values, the
    services' own rows and timestamps, the audit trail) are the same in a second build."""
    demo_dataset.build_dataset(tmp_path / "again", seed=5, **SIZE)  # type: ignore[arg-type]
    again = table_hashes(tmp_path / "again")
    assert again.keys() == seed_5.keys()
    differ = sorted(t for t in seed_5 if seed_5[t] != again[t])
    assert differ == []
    filled = {t for t, h in seed_5.items() if not h.startswith("0:")}
    assert {"patient", "visit", "appointment", "followup_task", "followup_call", "complaint",
            "survey_answer", "membership", "audit_log", "roster_rule"} <= filled


def test_busy_clinic_command_another_seed(
    seed_5: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12: ``clinic-desk demo-data --busy-clinic --create`` runs the same build,
    prints each step's time, the counts and the total; another seed makes other rows."""
    data_dir = tmp_path / "clinic"
    args = ["demo-data", "--data-dir", str(data_dir), "--busy-clinic", "--patients", "150",
            "--years", "0.25", "--seed", "6"]
    with pytest.raises(cli.UsageError, match="--create"):
        cli.cmd_demo_data(cli.build_parser().parse_args(args))
    assert cli.main([*args, "--create"]) == 0
    out = capsys.readouterr().out
    for name, _ in demo_dataset.STEPS:
        assert f"{name}:" in out
    assert "counts:      150 patients," in out and " 8 doctors, " in out
    assert "follow-up tasks" in out and "memberships" in out and "total:" in out
    assert demo.DEMO_PASSPHRASE in out
    other = table_hashes(data_dir)
    for table in ("patient", "visit", "appointment", "followup_task", "complaint"):
        assert other[table] != seed_5[table], table
    # A second run refuses the folder that now holds a clinic.
    assert cli.main([*args, "--create"]) == 2

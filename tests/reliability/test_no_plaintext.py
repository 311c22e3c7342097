"""No patient data in clear on disk (issue 2): not in the database, not in its
WAL or shared-memory files while the clinic is open, not after it is closed,
and not in a backup."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from clinic_desk.core.services import patients
from clinic_desk.core.services.maintenance import create_backup
from tests.reliability.helpers.common import create_clinic, open_and_sign_in

FAMILY = "欧阳"
GIVEN = "娜娜Zed"
PHONE = "13912345678"
PHRASE = "Zanzibar 湿疹 quinine-7731 斑块"
SECRETS = (FAMILY, GIVEN, FAMILY + GIVEN, PHONE, PHRASE, "Zanzibar", "quinine-7731", "湿疹")


def _needles() -> list[tuple[str, str, bytes]]:
    out = []
    for text in SECRETS:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            needle = text.encode(encoding)
            # Shorter needles would turn up by chance in random ciphertext now and then.
            if len(needle) >= 6:
                out.append((text, encoding, needle))
    return out


def _leaks(path: Path) -> list[str]:
    data = path.read_bytes()
    return [f"{path.name}: {text!r} as {enc}" for text, enc, needle in _needles() if needle in data]


def _files(data_dir: Path) -> list[Path]:
    return sorted(p for p in data_dir.rglob("*") if p.is_file())


def test_search_finds_the_phrases_in_a_plain_database(tmp_path: Path) -> None:
    """The search itself works: an unencrypted SQLite file does show every phrase."""
    plain = tmp_path / "plain.db"
    conn = sqlite3.connect(plain)
    conn.execute("CREATE TABLE t (v TEXT)")
    conn.executemany("INSERT INTO t VALUES (?)", [(s,) for s in SECRETS])
    conn.commit()
    conn.close()
    found = _leaks(plain)
    assert all(any(repr(s) in f for f in found) for s in SECRETS), found


def test_no_patient_data_in_clear_on_disk(tmp_path: Path) -> None:
    data_dir = tmp_path / "clinic"
    create_clinic(data_dir)
    clinic, director = open_and_sign_in(data_dir)
    try:
        patient = patients.register_patient(
            clinic, director, family_name=FAMILY, given_name=GIVEN, sex="F", phone=PHONE
        ).value
        patients.add_clinical_note(clinic, director, patient.id, body=f"诊断: {PHRASE}。")
        record = patients.read_clinical_record(clinic, director, patient.id)
        assert record.patient.given_name == GIVEN and PHRASE in record.notes[0].body

        # While open: the new pages sit in the WAL, not yet in the main file.
        wal = data_dir / "clinic.db-wal"
        assert wal.exists() and wal.stat().st_size > 0
        open_files = _files(data_dir)
        assert {p.name for p in open_files} >= {"clinic.db", "clinic.db-wal", "clinic.key"}
        leaks = [leak for path in open_files for leak in _leaks(path)]
        assert not leaks, leaks

        backup = tmp_path / "backup.cdbak"
        create_backup(clinic, director, backup)
        assert backup.stat().st_size > 0
        leaks = _leaks(backup)
        assert not leaks, leaks
    finally:
        clinic.close()

    closed_files = _files(data_dir)
    assert "clinic.db-wal" not in {p.name for p in closed_files}  # checkpointed into the file
    leaks = [leak for path in closed_files for leak in _leaks(path)]
    assert not leaks, leaks

"""No patient data in clear on disk (issue 2): not in the database, not in its
WAL or shared-memory files while the clinic is open, not after it is closed,
and not in a backup.

And after a whole session of use (issue 12's plaintext scan): a real process
registers patients, searches, books, checks in, prints a medication card and a
day list, exports a message batch and backs up, with its temporary folder, home
folder and log file of the test's own; then every file in the data folder (with
its ``logs/`` and ``backups/``), the temporary folder and the home folder is
searched byte by byte for the patients' names (UTF-8, UTF-16, GB18030) and phone
digits. Only the files the person chose to save outside the clinic (the printed
PDFs and the SMS batch, in ``exports/``) may hold them: that is what they are for.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from clinic_desk.core.services import patients
from clinic_desk.core.services.maintenance import create_backup
from tests.reliability.helpers.common import FakeClock, create_clinic, open_and_sign_in

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


# --- a session of use, in a process of its own ----------------------------------------

ROOT = Path(__file__).resolve().parents[2]
SH = ZoneInfo("Asia/Shanghai")
# Distinctive people, so a hit cannot be a coincidence: CJK (simplified and traditional)
# and Latin names, each with a mobile number.
SESSION_PATIENTS = (
    ("欧阳", "娜娜Zed", "F", "13912345678"),
    ("司徒", "雪梅芳", "F", "13698765432"),
    ("諸葛", "孔明亮", "M", "18611112222"),
    ("Quintrell", "Ysolde", "F", "15011223344"),
)
BOOKED_DAY = date(2026, 11, 24)  # a Tuesday; the session's clock starts the day before


def _session_needles() -> list[tuple[str, str, bytes]]:
    texts: list[str] = []
    for family, given, _sex, phone in SESSION_PATIENTS:
        texts += [family + given, given, phone, f"{phone[:3]} {phone[3:7]} {phone[7:]}"]
        if len(family) > 1:
            texts.append(family)
    out = []
    for text in dict.fromkeys(texts):
        for encoding in ("utf-8", "utf-16-le", "utf-16-be", "gb18030"):
            try:
                needle = text.encode(encoding)
            except UnicodeEncodeError:
                continue
            if len(needle) >= 6:  # shorter ones turn up in ciphertext by chance
                out.append((text, encoding, needle))
    return out


def _session_leaks(path: Path) -> list[str]:
    data = path.read_bytes()
    if data.startswith(b"%PDF"):
        # A PDF's text sits in compressed streams: search what it shows, too.
        from pypdf import PdfReader

        shown = "".join(page.extract_text() for page in PdfReader(path).pages)
        data += "".join(shown.split()).encode("utf-8")
    return [f"{path}: {t!r} as {enc}" for t, enc, needle in _session_needles() if needle in data]


def run_session(data_dir: Path, exports: Path) -> dict[str, Any]:
    """What a day at the desk does, through the services and the program's own printing
    code; returns what happened, for the parent to check it really happened."""
    from PySide6.QtPrintSupport import QPrinter
    from PySide6.QtWidgets import QApplication

    from clinic_desk.core.files import write_atomic
    from clinic_desk.core.printing.medication_card import medication_card_pdf
    from clinic_desk.core.services import appointments as booking
    from clinic_desk.core.services import (
        maintenance,
        outbox,
        patient_search,
        prescriptions,
        printouts,
        reception,
        settings,
        staff,
    )
    from clinic_desk.ui.app import application, setup_logging
    from clinic_desk.ui.calendar.print_list import build_next_day_list_pdf, day_list_labels
    from clinic_desk.ui.printing import labels, preview
    from tests.ui.test_print_documents import DRUGS
    from tests.ui.test_print_list import add_doctor

    log_file = setup_logging(data_dir)  # as the desktop program does before opening
    app = application()
    assert isinstance(app, QApplication)
    create_clinic(data_dir)
    clock = FakeClock(datetime(2026, 11, 23, 10, 0, tzinfo=SH))
    clinic, director = open_and_sign_in(data_dir, clock=clock)
    done: dict[str, Any] = {"log": str(log_file)}
    try:
        settings.update_settings(clinic, director, {"clinic.phone": "010-8888 6666"})
        # add_doctor reads only .clinic and .director of the fixture it is given.
        owner = SimpleNamespace(clinic=clinic, director=director)
        doctor_id = add_doctor(owner)  # type: ignore[arg-type]
        doctor = staff.sign_in(clinic, "li.doc", "some-pass-123")
        ids = []
        for i, (family, given, sex, phone) in enumerate(SESSION_PATIENTS):
            ids.append(patients.register_patient(
                clinic, director, family_name=family, given_name=given, sex=sex,
                birth_date=date(1950 + 9 * i, 3, 2), phone=phone,
            ).value.id)
        done["found"] = [
            len(patient_search.search_patients(clinic, director, q))
            for q in ("欧阳娜娜", "司徒", "诸葛孔明亮", "Quintrell", "5678", "ouyang")
        ]
        booked = [
            booking.book(
                clinic, director, patient_id=pid, doctor_id=doctor_id,
                starts_at=datetime(2026, 11, 24, 9, 0, tzinfo=SH).replace(minute=15 * i),
                channel="phone", identity_checked=True, minutes=15,
            ).value.id
            for i, pid in enumerate(ids)
        ]
        rx = prescriptions.write_prescription(clinic, doctor, ids[0], DRUGS).value.id
        card = printouts.medication_card(clinic, director, rx)
        card_pdf = medication_card_pdf(card.card, labels=labels.medication_card_labels())
        day_pdf = build_next_day_list_pdf(clinic, director, day_list_labels(), day=BOOKED_DAY)
        for name, data in (("medication-card", card_pdf), ("day-list", day_pdf)):
            # The preview renders the pages in memory; "print" goes to a PDF printer
            # writing where the person chose, and "Save as PDF" writes the bytes there.
            assert preview.render_pdf_pages(data, 40)
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(exports / f"{name}-printed.pdf"))
            assert preview.paint_pdf(printer, data)
            write_atomic(exports / f"{name}.pdf", data)
        dialog, _printer = preview.make_preview_dialog(None, day_pdf, title="day list")
        dialog.show()
        app.processEvents()
        dialog.close()
        dialog.deleteLater()
        app.processEvents()

        clock.now = datetime(2026, 11, 24, 8, 55, tzinfo=SH)  # the day itself, at the desk
        done["queue"] = [
            reception.check_in(
                clinic, director, appointment, identity_checked=True, safety_confirmed=True
            ).value.queue_no
            for appointment in booked[:3]
        ]
        for pid in ids:
            outbox.queue_message(clinic, director, pid, template_code="followup_advice")
        batch = outbox.export_batch(clinic, director, "sms", exports)
        done["batch"] = [str(batch.path), batch.count]
        info = maintenance.run_daily_backup_if_due(clinic, force=True)
        assert info is not None
        done["backup"] = str(info.path)
    finally:
        clinic.close()
    done["exports"] = sorted(p.name for p in exports.iterdir())
    return done


def test_no_plaintext_after_a_session_of_use(tmp_path: Path) -> None:
    """Issue 12: after a session of use, the data folder (database, WAL, key file, logs,
    backups), the temporary folder and the home folder hold no patient's name or phone."""
    data_dir, exports, temp, home = (tmp_path / n for n in ("clinic", "exports", "tmp", "home"))
    for folder in (exports, temp, home):
        folder.mkdir()
    run_time = home / "run"
    run_time.mkdir(mode=0o700)
    env = dict(os.environ)
    env.update(
        TMPDIR=str(temp), TEMP=str(temp), TMP=str(temp), HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"), XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"), XDG_RUNTIME_DIR=str(run_time),
        QT_QPA_PLATFORM="offscreen", CLINIC_DESK_NO_KEYRING="1", PYTHONPATH=str(ROOT),
    )
    env.pop("CLINIC_DESK_PASSPHRASE", None)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "tests.reliability.test_no_plaintext", str(data_dir),
         str(exports)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    # The session did what it says: every search found someone, three were checked in,
    # four messages went into the batch, both documents were printed and saved.
    assert all(n >= 1 for n in report["found"]), report
    assert report["queue"] == [1, 2, 3] and report["batch"][1] == len(SESSION_PATIENTS)
    assert Path(report["backup"]).parent == data_dir / "backups"
    assert Path(report["log"]) == data_dir / "logs" / "clinicdesk.log"
    assert set(report["exports"]) >= {
        "medication-card.pdf", "medication-card-printed.pdf", "day-list.pdf",
        "day-list-printed.pdf", Path(report["batch"][0]).name,
    }

    # Excluded from the scan, because the person asked for them outside the clinic's
    # folder: the two PDFs saved and the two printed to a PDF printer, and the SMS
    # batch for the bulk-message platform. They do hold the data (the saved PDFs'
    # text, the batch's phone numbers): the search finds it where it is, so its
    # silence elsewhere means something.
    for name in ("medication-card.pdf", "day-list.pdf", Path(report["batch"][0]).name):
        assert _session_leaks(exports / name), name
    # Nor did the program say a name or a phone on its console.
    console = (done.stdout + done.stderr).encode("utf-8")
    assert not [t for t, _enc, needle in _session_needles() if needle in console]
    scanned = [p for root in (data_dir, temp, home) for p in root.rglob("*") if p.is_file()]
    names = {str(p.relative_to(tmp_path)) for p in scanned}
    assert {"clinic/clinic.db", "clinic/clinic.key", "clinic/logs/clinicdesk.log"} <= names
    assert any(n.startswith("clinic/backups/clinicdesk-daily-") for n in names), names
    leaks = [leak for path in scanned for leak in _session_leaks(path)]
    assert not leaks, leaks
    # Nothing was left in the temporary folder at all.
    assert [p for p in temp.rglob("*")] == [], sorted(temp.rglob("*"))
    assert time.monotonic() - started < 300


if __name__ == "__main__":
    print(json.dumps(run_session(Path(sys.argv[1]), Path(sys.argv[2]))))

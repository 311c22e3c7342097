"""Demo data: the same seed gives the same clinic, it looks like a real one, and it is
written all at once or not at all."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from clinic_desk.core.errors import PermissionDenied, ValidationError
from clinic_desk.core.security.keys import KdfParams
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import demo, patient_search, staff
from clinic_desk.core.services.audit_log import verify_audit
from clinic_desk.core.services.base import Clinic
from clinic_desk.core.services.clinic import open_clinic
from clinic_desk.core.store.models import AuditEntry, Patient, Staff, Visit
from clinic_desk.core.tasks import Cancelled, TaskState
from tests.conftest import ClinicFixture, FakeClock, make_clinic

SHANGHAI = ZoneInfo("Asia/Shanghai")
ANCHOR = date(2026, 11, 1)
MOBILE = re.compile(r"^1(3\d|5[0-35-9]|7[0135-8]|8\d|9[135-9])\d{8}$")


def _rows(clinic: Clinic, model: type, *order: Any) -> list[Any]:
    """Plain rows (all columns), which outlive the unit of work."""
    table = model.__table__  # type: ignore[attr-defined]
    with clinic.store.unit_of_work(write=False) as uow:
        return list(uow.session.execute(select(*table.c).order_by(*order)))


def _patients(clinic: Clinic) -> list[Any]:
    return _rows(clinic, Patient, Patient.id)


def _visits(clinic: Clinic) -> list[Any]:
    return _rows(clinic, Visit, Visit.visit_at, Visit.id)


def _count(clinic: Clinic, model: type) -> int:
    with clinic.store.unit_of_work(write=False) as uow:
        return int(uow.scalar(select(func.count()).select_from(model)))


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def test_same_seed_same_clinic(cf: ClinicFixture, tmp_path: Path, clock: FakeClock) -> None:
    other = make_clinic(tmp_path / "other", clock)
    try:
        for fixture in (cf, other):
            demo.generate_demo(fixture.clinic, fixture.director, patients=150, years=1, seed=7)
        first, second = _patients(cf.clinic), _patients(other.clinic)
        assert len(first) == 150
        assert [
            (p.id, p.family_name, p.given_name, p.sex, p.birth_date, p.phone, p.created_at)
            for p in first
        ] == [
            (p.id, p.family_name, p.given_name, p.sex, p.birth_date, p.phone, p.created_at)
            for p in second
        ]
        visits_a, visits_b = _visits(cf.clinic), _visits(other.clinic)
        assert len(visits_a) > 150
        assert [(v.id, v.patient_id, v.doctor_id, v.visit_at, v.diagnosis) for v in visits_a] == [
            (v.id, v.patient_id, v.doctor_id, v.visit_at, v.diagnosis) for v in visits_b
        ]
    finally:
        other.clinic.close()

    # Another seed is another clinic.
    third = make_clinic(tmp_path / "third", clock)
    try:
        demo.generate_demo(third.clinic, third.director, patients=150, years=1, seed=8)
        names = [(p.family_name, p.given_name, p.phone) for p in _patients(third.clinic)]
        assert names != [(p.family_name, p.given_name, p.phone) for p in first]
    finally:
        third.clinic.close()


def test_ids_are_uuid7_dated_by_their_row(cf: ClinicFixture) -> None:
    demo.generate_demo(cf.clinic, cf.director, patients=40, years=1, seed=1)
    for visit in _visits(cf.clinic):
        assert visit.id.version == 7 and visit.id.variant == "specified in RFC 4122"
        assert visit.id.int >> 80 == int(visit.visit_at.timestamp() * 1000)


def test_demo_data_looks_like_a_clinic(cf: ClinicFixture) -> None:
    summary = demo.generate_demo(
        cf.clinic, cf.director, patients=300, years=2, seed=11, anchor=ANCHOR
    )
    assert summary.patients == 300 and summary.staff_added == len(demo.DEMO_STAFF)
    assert summary.last_day == date(2026, 10, 31)
    assert summary.first_day == date(2024, 11, 1)
    assert summary.seconds > 0 and summary.patients_per_second > 0

    patients = _patients(cf.clinic)
    assert len(patients) == 300
    phones = [p.phone for p in patients if p.phone]
    assert all(MOBILE.match(phone) for phone in phones), [x for x in phones if not MOBILE.match(x)]
    assert len(phones) >= 300 * 0.9  # about 3% have none
    ages = [_age(p.birth_date, ANCHOR) for p in patients if p.birth_date]
    assert len(ages) == 300 and all(0 <= a <= 100 for a in ages)
    assert any(a < 15 for a in ages) and any(a >= 60 for a in ages)
    assert sum(18 <= a for a in ages) > 0.7 * len(ages)  # mostly adults and the elderly
    assert set(Counter(p.sex for p in patients)) == {"F", "M"}
    assert all(1 <= len(p.family_name) <= 2 and 1 <= len(p.given_name) <= 2 for p in patients)
    assert len({p.family_name + p.given_name for p in patients}) > 250  # some share a name
    # Numbered and indexed like patients the desk registers (issue 4).
    assert len({p.record_no for p in patients}) == 300 and all(p.record_no for p in patients)
    someone = patients[17]
    hits = patient_search.search_patients(cf.clinic, cf.director, someone.phone[-4:], limit=200)
    assert someone.id in {h.id for h in hits}

    visits = _visits(cf.clinic)
    assert len(visits) == summary.visits
    # About 4 visits per patient per year while they are the clinic's patient.
    assert 300 < len(visits) < 300 * 2 * 6
    start = datetime.combine(summary.first_day, time(0), SHANGHAI)
    end = datetime.combine(ANCHOR, time(0), SHANGHAI)
    ids = {p.id for p in patients}
    for visit in visits:
        assert start <= visit.visit_at < end
        local = visit.visit_at.astimezone(SHANGHAI)
        assert time(8, 0) <= local.time() < time(17, 30), local
        assert visit.patient_id in ids
        text = visit.chief_complaint + visit.findings + visit.diagnosis + visit.plan
        assert visit.chief_complaint and visit.diagnosis and "{" not in text
        assert visit.icd10 and visit.category
    assert len({v.chief_complaint + v.findings for v in visits}) > len(visits) * 0.4
    weekdays = Counter(v.visit_at.astimezone(SHANGHAI).weekday() for v in visits)
    assert weekdays[0] > weekdays[6]  # Mondays are busier than Sundays

    people = _rows(cf.clinic, Staff, Staff.login)
    roles = Counter(s.role for s in people)
    assert roles == {
        Role.DIRECTOR: 1, Role.DOCTOR: 8, Role.TRIAGE_NURSE: 2, Role.RECEPTIONIST: 2,
        Role.PHARMACIST: 1, Role.HEALTH_MANAGER: 1, Role.CUSTOMER_SERVICE: 2,
    }
    doctors = {s.id for s in people if s.role == Role.DOCTOR}
    assert {v.doctor_id for v in visits} == doctors  # every doctor saw patients
    assert all(re.fullmatch(r"[a-z]+\.[a-z]+", s.login) for s in people if s.login != "wang.li")
    # A demo account signs in with the documented password, no change forced.
    nurse = staff.sign_in(cf.clinic, "wu.ting", demo.DEMO_PASSWORD)
    assert nurse.role == Role.TRIAGE_NURSE and not nurse.must_change_password


def test_audited_and_the_chain_holds(cf: ClinicFixture) -> None:
    summary = demo.generate_demo(cf.clinic, cf.director, patients=50, years=1, seed=2)
    assert verify_audit(cf.clinic).ok
    rows = [r for r in _rows(cf.clinic, AuditEntry, AuditEntry.seq) if r.action == "demo.generate"]
    assert len(rows) == 1 and rows[0].staff_login == "wang.li"
    detail = json.loads(rows[0].detail)
    assert detail["patients"] == 50 and detail["visits"] == summary.visits
    assert detail["seed"] == 2 and detail["staff_added"] == 16


def test_a_second_fill_adds_new_rows(cf: ClinicFixture) -> None:
    demo.generate_demo(cf.clinic, cf.director, patients=30, years=1, seed=5)
    again = demo.generate_demo(cf.clinic, cf.director, patients=30, years=1, seed=5)
    assert again.staff_added == 0
    patients = _patients(cf.clinic)
    assert len(patients) == 60 and len({p.id for p in patients}) == 60


def test_receptionist_may_not_generate(cf: ClinicFixture) -> None:
    added = staff.add_staff(
        cf.clinic, cf.director, login="sun.li", display_name="孙丽",
        role=Role.RECEPTIONIST, password="front-desk-1",
    ).value
    receptionist = staff.sign_in(cf.clinic, "sun.li", "front-desk-1")
    assert receptionist.staff_id == added.id
    with pytest.raises(PermissionDenied):
        demo.generate_demo(cf.clinic, receptionist, patients=10, years=1, seed=1)
    assert _count(cf.clinic, Patient) == 0 and _count(cf.clinic, Staff) == 2


@pytest.mark.parametrize("patients, years", [(-1, 1.0), (10, 0.0), (10, 31.0)])
def test_bad_sizes_are_refused(cf: ClinicFixture, patients: int, years: float) -> None:
    with pytest.raises(ValidationError):
        demo.generate_demo(cf.clinic, cf.director, patients=patients, years=years, seed=1)


def test_cancelling_leaves_nothing(cf: ClinicFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    # Small batches, so rows have really been inserted when the cancel comes.
    monkeypatch.setattr(demo, "PATIENT_CHUNK", 50)
    monkeypatch.setattr(demo, "BATCH_ROWS", 20)
    seen: list[float] = []

    def on_progress(fraction: float, message: str) -> None:
        seen.append(fraction)
        state.cancel()

    state = TaskState(on_progress)
    with pytest.raises(Cancelled):
        demo.generate_demo(cf.clinic, cf.director, patients=300, years=1, seed=1, state=state)
    assert len(seen) == 1 and 0 < seen[0] < 1
    assert _count(cf.clinic, Patient) == 0
    assert _count(cf.clinic, Visit) == 0
    assert _count(cf.clinic, Staff) == 1
    with cf.clinic.store.unit_of_work(write=False) as uow:
        assert not uow.scalar(select(func.count()).where(AuditEntry.action == "demo.generate"))
    assert verify_audit(cf.clinic).ok
    # The clinic is not left locked: the next run goes through.
    done = demo.generate_demo(
        cf.clinic, cf.director, patients=20, years=1, seed=1, state=TaskState()
    )
    assert done.patients == 20 and _count(cf.clinic, Patient) == 20


def test_create_demo_clinic(tmp_path: Path) -> None:
    clinic, login, password = demo.create_demo_clinic(
        tmp_path / "demo", patients=20, years=0.5, kdf=KdfParams.floor()
    )
    try:
        assert (login, password) == ("director", "demo-pass-1")
        assert clinic.setting("clinic.name") == "仁和社区诊所（演示）"
        assert clinic.setting("clinic.address") == "北京市朝阳区建国路88号"
        director = staff.sign_in(clinic, login, password)
        assert director.role == Role.DIRECTOR and director.display_name == "王丽"
        assert _count(clinic, Patient) == 20
    finally:
        clinic.close()
    again = open_clinic(tmp_path / "demo", passphrase=demo.DEMO_PASSPHRASE, use_keyring=False)
    again.close()


def test_demo_data_command(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINIC_DESK_")}
    env["CLINIC_DESK_NO_KEYRING"] = "1"
    data_dir = tmp_path / "clinic"
    args = ["demo-data", "--data-dir", str(data_dir), "--patients", "200", "--years", "1",
            "--seed", "3"]

    def run(*extra: str, **more_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "clinic_desk", *args, *extra],
            capture_output=True, text=True, env={**env, **more_env},
            stdin=subprocess.DEVNULL, timeout=120, check=False,
        )

    missing = run()
    assert missing.returncode == 2 and "No clinic has been set up" in missing.stderr

    done = run("--create")
    assert done.returncode == 0, done.stderr
    assert "Added 200 patients" in done.stdout and "seconds" in done.stdout
    assert demo.DEMO_PASSPHRASE in done.stdout and "Traceback" not in done.stderr

    clinic = open_clinic(data_dir, passphrase=demo.DEMO_PASSPHRASE, use_keyring=False)
    try:
        assert _count(clinic, Patient) == 200
        assert verify_audit(clinic).ok
    finally:
        clinic.close()

    # Filling the existing clinic again unlocks it like the other commands.
    more = run(CLINIC_DESK_PASSPHRASE=demo.DEMO_PASSPHRASE)
    assert more.returncode == 0, more.stderr
    assert "Added 200 patients" in more.stdout and "0 staff accounts" in more.stdout


class _FakeWindow:
    """Stands in for ``clinic_desk.ui.app`` so the command is tested without Qt."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def run_app(self, data_dir: Path, **kwargs: Any) -> int:
        self.calls.append({
            "data_dir": data_dir, **kwargs,
            "passphrase": os.environ.get("CLINIC_DESK_PASSPHRASE"),
            "files": sorted(p.name for p in data_dir.iterdir()) if data_dir.exists() else [],
        })
        if kwargs.get("auto_sign_in"):
            # What the window does: unlock from the environment and sign in.
            clinic = open_clinic(data_dir)
            try:
                actor = staff.sign_in(clinic, *kwargs["auto_sign_in"])
                assert actor.role == Role.DIRECTOR
            finally:
                clinic.close()
        return 0


@pytest.fixture
def window(monkeypatch: pytest.MonkeyPatch) -> _FakeWindow:
    fake = _FakeWindow()
    module = type(sys)("clinic_desk.ui.app")
    module.run_app = fake.run_app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "clinic_desk.ui.app", module)
    return fake


def test_demo_command_opens_the_window_and_cleans_up(
    window: _FakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clinic_desk import cli

    monkeypatch.setenv("CLINIC_DESK_PASSPHRASE", "restored after the test")
    assert cli.main(["demo", "--language", "en"]) == 0
    (call,) = window.calls
    assert call["language"] == "en"
    assert call["auto_sign_in"] == ("director", "demo-pass-1")
    assert call["passphrase"] == demo.DEMO_PASSPHRASE
    assert "clinic.db" in call["files"] and "clinic.key" in call["files"]
    assert call["data_dir"].name.startswith("clinicdesk-demo-")
    assert not call["data_dir"].exists()  # the throw-away folder is gone


def test_demo_command_keeps_a_folder(window: _FakeWindow, tmp_path: Path) -> None:
    from clinic_desk import cli

    kept = tmp_path / "kept"
    assert cli.main(["demo", "--keep", str(kept)]) == 0
    assert (kept / "clinic.db").exists() and window.calls[0]["data_dir"] == kept
    # A folder that already holds a clinic is not built over.
    assert cli.main(["demo", "--keep", str(kept)]) == 2
    assert len(window.calls) == 1


def test_no_command_opens_the_window(
    window: _FakeWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clinic_desk import cli

    monkeypatch.setenv("CLINIC_DESK_HOME", str(tmp_path / "home"))
    assert cli.main([]) == 0
    assert cli.main(["run", "--data-dir", str(tmp_path / "d"), "--language", "zh_TW"]) == 0
    assert [(c["data_dir"], c["language"]) for c in window.calls] == [
        (tmp_path / "home", None), (tmp_path / "d", "zh_TW"),
    ]

"""Every role against every action, through the real services (issue 12; spec I1, C3, C6).

Issue 12: "Role matrix: every role x every service action: only the permitted pass,
every denial audited." ``ACTIONS`` maps each ``Action`` to a real service call made
with valid inputs on a prepared clinic. A module template (staff of every role,
patients, an appointment, a prescription, complaints ...) is built once by the
director; each role works on its own byte copy of it, signed in as a real account of
that role. For each pair the call must pass iff ``allowed(role, action)``; a refusal
must raise, write exactly one audit row (outcome "denied", the action, the actor) and
change no other row count. Break-glass reads (C3) are refused without a reason
(audited) and pass with one, flagged in the audit log.

The completeness tests make the table follow the code: a new ``Action`` without an
entry fails, and so does a service that checks an action the table does not know, or
a public service function that opens a write transaction without checking
permission first (unless listed in ``EXEMPT_WRITERS`` with why).
The UI is not the guard (permissions.py): every call here goes straight to the service.
"""

from __future__ import annotations

import ast
import csv
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from clinic_desk.core.errors import BreakGlassReasonNeeded, PermissionDenied
from clinic_desk.core.security.permissions import BREAK_GLASS_ACTIONS, Action, Role, allowed
from clinic_desk.core.services import (
    absence,
    appointments,
    audit_log,
    clinical,
    complaints,
    followups,
    maintenance,
    membership,
    patient_import,
    patient_search,
    patients,
    prescriptions,
    quality,
    reception,
    referrals,
    rosters,
    settings,
    staff,
    surveys,
    sync,
)
from clinic_desk.core.services import clinic as clinic_service
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.core.services.registry_rules import PatientInput
from tests.reliability.helpers.common import (
    PASSPHRASE,
    FakeClock,
    copy_clinic,
    create_clinic,
    open_and_sign_in,
)
from tests.reliability.helpers.roles import (
    AUDIT_TABLE,
    audit_since,
    changed_tables,
    snapshot,
)

SERVICES = Path(clinic_service.__file__).resolve().parent
SH = ZoneInfo("Asia/Shanghai")
STAFF_PASSWORD = "some-pass-123"
# The fake clock's today is Monday 2026-11-23, 10:00 in Shanghai.
TODAY, TUESDAY, FRIDAY = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 27)
GLASS_REASON = "患者在前台晕倒，需要查过敏史"


def login_of(role: Role) -> str:
    return f"{role.value.replace('_', '.')}.m"


@dataclass(frozen=True)
class Ids:
    """What the director prepared in the template; valid in every copy."""

    doctor: uuid.UUID  # a rostered doctor the bookings use (not a signed-in actor)
    patient: uuid.UUID  # reads, visits, allergies, prescriptions, referrals
    merge_keep: uuid.UUID
    merge_dup: uuid.UUID
    walk_in: uuid.UUID
    payer: uuid.UUID
    appointment: uuid.UUID
    prescription: uuid.UUID
    complaint_to_accept: uuid.UUID
    complaint_to_read: uuid.UUID
    root_cause: uuid.UUID  # the director's 5-Why analysis of complaint_to_accept
    basic_tier: uuid.UUID
    premium_tier: uuid.UUID
    import_csv: Path
    member: uuid.UUID  # an advanced member whose 4 home visits of the year are booked
    home_visit: uuid.UUID  # the appointment type counted against that allowance (H2)


@dataclass
class Desk:
    """One role's own copy of the template, signed in as that role."""

    clinic: Clinic
    actor: Actor
    ids: Ids
    scratch: Path


Call = Callable[[Desk, str | None], object]


@dataclass(frozen=True)
class Entry:
    """One service call that performs ``action``.

    ``needs``: every action the call checks, in the order it checks them (``action``
    last); it passes iff the role has all of them. ``refusals``: what a refusal of an
    action raises when it is not ``PermissionDenied``. ``withheld``: for an action that
    redacts rather than refuses (C6), says whether the result was withheld.
    """

    action: Action
    name: str
    call: Call
    needs: tuple[Action, ...] = ()
    refusals: dict[Action, type[Exception]] = field(default_factory=dict)
    withheld: Callable[[object], bool] | None = None

    @property
    def checks(self) -> tuple[Action, ...]:
        return (*self.needs, self.action)


def _csv(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["姓名", "性别", "手机"])
        w.writerow(["陈大文", "男", "13812340001"])
        w.writerow(["林小美", "女", "13812340002"])
    return path


ACTIONS: list[Entry] = [
    Entry(Action.STAFF_MANAGE, "staff.add_staff", lambda d, r: staff.add_staff(
        d.clinic, d.actor, login="new.nurse", display_name="新护士", role=Role.TRIAGE_NURSE,
        password=STAFF_PASSWORD)),
    Entry(Action.SETTINGS_EDIT, "settings.update_settings", lambda d, r: settings.update_settings(
        d.clinic, d.actor, {"reception.wait_alert_minutes": 20})),
    Entry(Action.SETTINGS_READ, "settings.get_settings",
          lambda d, r: settings.get_settings(d.clinic, d.actor)),
    Entry(Action.AUDIT_READ, "audit_log.audit_report",
          lambda d, r: audit_log.audit_report(d.clinic, d.actor, limit=5)),
    Entry(Action.BACKUP_RUN, "maintenance.create_backup", lambda d, r: maintenance.create_backup(
        d.clinic, d.actor, d.scratch / "by-hand.cdbackup")),
    Entry(Action.KEYS_MANAGE, "clinic.change_passphrase",
          lambda d, r: clinic_service.change_passphrase(
              d.clinic, d.actor, current=PASSPHRASE, new="另一个 很长的 口令 sunrise 42")),
    Entry(Action.PATIENT_SEARCH, "patient_search.search_patients",
          lambda d, r: patient_search.search_patients(d.clinic, d.actor, "张")),
    Entry(Action.PATIENT_REGISTER, "patients.register_patient",
          lambda d, r: patients.register_patient(
              d.clinic, d.actor, family_name="新", given_name="病人", phone="13900001111")),
    Entry(Action.PATIENT_EDIT, "patients.update_patient", lambda d, r: patients.update_patient(
        d.clinic, d.actor, d.ids.patient,
        PatientInput(family_name="张", given_name="三", birth_date=date(1960, 1, 1),
                     address="人民路 1 号"))),
    Entry(Action.PATIENT_MERGE, "patients.merge_patients", lambda d, r: patients.merge_patients(
        d.clinic, d.actor, d.ids.merge_keep, d.ids.merge_dup, reason="身份证号相同")),
    Entry(Action.PATIENT_IMPORT, "patient_import.run_import",
          lambda d, r: patient_import.run_import(d.clinic, d.actor, d.ids.import_csv)),
    Entry(Action.CLINICAL_READ, "clinical.read_record", lambda d, r: clinical.read_record(
        d.clinic, d.actor, d.ids.patient, break_glass_reason=r)),
    Entry(Action.CLINICAL_WRITE, "clinical.record_visit", lambda d, r: clinical.record_visit(
        d.clinic, d.actor, d.ids.patient, diagnosis="上呼吸道感染", icd10="J06.9",
        category="cold")),
    Entry(Action.SAFETY_READ, "clinical.read_safety", lambda d, r: clinical.read_safety(
        d.clinic, d.actor, d.ids.patient, break_glass_reason=r)),
    Entry(Action.SAFETY_WRITE, "clinical.add_allergy", lambda d, r: clinical.add_allergy(
        d.clinic, d.actor, d.ids.patient, substance="尘螨")),
    Entry(Action.PRESCRIPTION_READ, "prescriptions.list_prescriptions",
          lambda d, r: prescriptions.list_prescriptions(
              d.clinic, d.actor, d.ids.patient, break_glass_reason=r)),
    Entry(Action.PRESCRIPTION_WRITE, "prescriptions.write_prescription",
          lambda d, r: prescriptions.write_prescription(d.clinic, d.actor, d.ids.patient, [
              prescriptions.ItemInput(drug="对乙酰氨基酚", dose="0.5g", frequency="tid",
                                      duration_days=3)])),
    Entry(Action.REFERRAL_WRITE, "referrals.refer_out", lambda d, r: referrals.refer_out(
        d.clinic, d.actor, d.ids.patient, partner="市第一人民医院", reason="胸痛待查")),
    Entry(Action.REFERRAL_DESK, "referrals.log_incoming", lambda d, r: referrals.log_incoming(
        d.clinic, d.actor, d.ids.patient, partner="社区卫生服务中心")),
    Entry(Action.PHARMACY_GUIDANCE, "prescriptions.record_guidance",
          lambda d, r: prescriptions.record_guidance(
              d.clinic, d.actor, d.ids.prescription, guidance="饭后服用")),
    Entry(Action.APPOINTMENT_VIEW, "appointments.appointments_between",
          lambda d, r: appointments.appointments_between(
              d.clinic, d.actor, datetime(2026, 11, 23, tzinfo=UTC),
              datetime(2026, 11, 30, tzinfo=UTC))),
    Entry(Action.APPOINTMENT_MANAGE, "appointments.cancel", lambda d, r: appointments.cancel(
        d.clinic, d.actor, d.ids.appointment, reason="患者改期")),
    Entry(Action.ROSTER_MANAGE, "rosters.add_closure", lambda d, r: rosters.add_closure(
        d.clinic, d.actor, date(2026, 12, 10), "全员培训")),
    # A doctor records only their own absence (A7); the desk and the director anyone's.
    Entry(Action.ABSENCE_RECORD, "absence.record_absence", lambda d, r: absence.record_absence(
        d.clinic, d.actor,
        d.actor.staff_id if d.actor.role == Role.DOCTOR and d.actor.staff_id else d.ids.doctor,
        FRIDAY, reason="外出开会")),
    # Today is always past the cutoff (A5): only an override books it.
    Entry(Action.BOOKING_OVERRIDE, "appointments.book (today)", lambda d, r: appointments.book(
        d.clinic, d.actor, patient_id=d.ids.patient, doctor_id=d.ids.doctor,
        starts_at=datetime(2026, 11, 23, 16, 0, tzinfo=SH), minutes=15, channel="phone",
        identity_checked=True, confirm={"after_cutoff"}, override_reason="老病人复查，院长同意"),
        needs=(Action.APPOINTMENT_MANAGE,),
        refusals={Action.BOOKING_OVERRIDE: appointments.CutoffPassed}),
    Entry(Action.CHECKIN, "reception.walk_in", lambda d, r: reception.walk_in(
        d.clinic, d.actor, d.ids.walk_in, doctor_id=None, identity_checked=True)),
    Entry(Action.VITALS_RECORD, "clinical.record_vitals", lambda d, r: clinical.record_vitals(
        d.clinic, d.actor, d.ids.patient, pulse=72)),
    Entry(Action.QUEUE_MANAGE, "reception.doctor_queue",
          lambda d, r: reception.doctor_queue(d.clinic, d.actor, d.ids.doctor)),
    Entry(Action.FOLLOWUP_WORK, "followups.add_task", lambda d, r: followups.add_task(
        d.clinic, d.actor, d.ids.patient, title="回电告知化验结果", due_from=TUESDAY)),
    Entry(Action.FOLLOWUP_SUPERVISE, "followups.calls_between",
          lambda d, r: followups.calls_between(d.clinic, d.actor, TODAY, FRIDAY)),
    Entry(Action.COMPLAINT_RECORD, "complaints.record_complaint",
          lambda d, r: complaints.record_complaint(d.clinic, d.actor, complaints.ComplaintInput(
              channel="in_person", content="候诊时间太长", complainant="李先生"))),
    # The director owns this complaint: others work on it only by handling complaints (F3).
    Entry(Action.COMPLAINT_HANDLE, "complaints.accept", lambda d, r: complaints.accept(
        d.clinic, d.actor, d.ids.complaint_to_accept), needs=(Action.COMPLAINT_RECORD,)),
    # C6: everyone sees the complaint exists; its details only customer service, the
    # owner (the director here) and the director. Withheld, not refused.
    Entry(Action.COMPLAINT_READ_CONFIDENTIAL, "complaints.complaint",
          lambda d, r: complaints.complaint(d.clinic, d.actor, d.ids.complaint_to_read),
          needs=(Action.COMPLAINT_RECORD,),
          withheld=lambda v: bool(v.confidential)),  # type: ignore[attr-defined]
    Entry(Action.QUALITY_REPORTS, "quality.dashboard", lambda d, r: quality.dashboard(
        d.clinic, d.actor, date(2026, 11, 1), TODAY, trends=False)),
    Entry(Action.SELF_CHECK, "surveys.my_self_check",
          lambda d, r: surveys.my_self_check(d.clinic, d.actor)),
    Entry(Action.MEMBERSHIP_MANAGE, "membership.enrol", lambda d, r: membership.enrol(
        d.clinic, d.actor, membership.EnrolInput(tier_id=d.ids.basic_tier, payer_id=d.ids.payer))),
    Entry(Action.MEMBERSHIP_TIERS, "membership.retire_tier",
          lambda d, r: membership.retire_tier(d.clinic, d.actor, d.ids.premium_tier)),
    Entry(Action.MEMBERSHIP_OVERRIDE, "membership.overdrafts",
          lambda d, r: membership.overdrafts(d.clinic, d.actor)),
    Entry(Action.SYNC_MANAGE, "sync.list_conflicts",
          lambda d, r: sync.list_conflicts(d.clinic, d.actor)),
]
BY_ACTION = {e.action: e for e in ACTIONS}
# Second paths of an action that judge the refusal themselves (by the row: the owner may,
# F3), checked like the rest: refused iff the role lacks it, one denial row.
MORE_PATHS: list[Entry] = [
    Entry(Action.COMPLAINT_HANDLE, "complaints.save_root_cause",
          lambda d, r: complaints.save_root_cause(
              d.clinic, d.actor, d.ids.root_cause, whys=["人手不足"], root_cause="排班",
              actions="加一名收费员"), needs=(Action.COMPLAINT_RECORD,)),
    # H2: a home visit past the allowance, with a reason: only the director may. The
    # refusal is met inside the booking's transaction (membership.record_use_in).
    Entry(Action.MEMBERSHIP_OVERRIDE, "appointments.book (home visit past the allowance)",
          lambda d, r: appointments.book(
              d.clinic, d.actor, patient_id=d.ids.member, doctor_id=d.ids.doctor,
              starts_at=datetime(2026, 12, 7, 14, 0, tzinfo=SH), type_id=d.ids.home_visit,
              channel="phone", identity_checked=True, benefit_override_reason="术后需要上门换药"),
          needs=(Action.APPOINTMENT_MANAGE,)),
    # C6/G5: everyone lists the analyses; one of a complaint the role may not read (the
    # director's, here) comes with its texts withheld. Withheld, not refused.
    Entry(Action.COMPLAINT_READ_CONFIDENTIAL, "complaints.root_causes",
          lambda d, r: complaints.root_causes(d.clinic, d.actor, status="all"),
          needs=(Action.COMPLAINT_RECORD,),
          withheld=lambda v: bool(v) and all(c.confidential for c in v)),  # type: ignore[attr-defined]
]

# Public service functions that open a write transaction without ``require``, and why.
EXEMPT_WRITERS: dict[str, str] = {
    "clinic.setup_clinic": "creates the clinic and its director: no one to check yet",
    "sync.join_clinic": "sets this computer up as a workstation; the hub checks the code",
    "staff.sign_in": "signing in is how an actor comes to exist; audited itself",
    "staff.change_own_password": "anyone, for themselves, knowing the current password",
    "membership.ensure_default_tiers": "seeds the H1 tiers once when the clinic opens (system)",
    "rosters.ensure_default_types": "seeds the A2 purposes once when the clinic opens (system)",
    "patient_search.rebuild_search_index": "derived index rebuilt after migration/sync (system)",
}
# Whole modules that write only as the system.
EXEMPT_MODULES: dict[str, str] = {
    "demo_dataset": "the demo and benchmark dataset generator's steps, run as the system",
}


# -- the template and the desks ---------------------------------------------------------------


def _build_template(data_dir: Path, scratch: Path) -> Ids:
    create_clinic(data_dir)
    clinic, director = open_and_sign_in(data_dir, clock=FakeClock())
    try:
        c, d = clinic, director
        for role in Role:
            staff.add_staff(c, d, login=login_of(role), display_name=login_of(role), role=role,
                            password=STAFF_PASSWORD)
        doctor = staff.add_staff(c, d, login="dr.roster", display_name="李医生",
                                 role=Role.DOCTOR, password=STAFF_PASSWORD).value.id
        blocks = [rosters.RosterBlock(day, 8 * 60, 17 * 60 + 30) for day in range(5)]
        rosters.set_weekly_roster(c, d, doctor, blocks)

        def patient(family: str, given: str, phone: str) -> uuid.UUID:
            return patients.register_patient(
                c, d, family_name=family, given_name=given, phone=phone,
                birth_date=date(1960, 1, 1),
            ).value.id

        main = patient("张", "三", "13812345678")
        keep = patient("王", "五", "13812345001")
        dup = patient("王", "五五", "13812345002")
        walk = patient("赵", "六", "13812345003")
        payer = patient("钱", "七", "13812345004")
        other = patient("孙", "八", "13812345005")
        clinical.record_visit(c, d, main, diagnosis="二型糖尿病", icd10="E11.9",
                              category="chronic")
        clinical.add_allergy(c, d, main, substance="花粉")
        rx = prescriptions.write_prescription(c, d, main, [prescriptions.ItemInput(
            drug="阿莫西林", dose="0.5g", frequency="tid", duration_days=5)]).value.id
        appt = appointments.book(
            c, d, patient_id=other, doctor_id=doctor,
            starts_at=datetime(2026, 11, 24, 9, 0, tzinfo=SH), minutes=15, channel="phone",
            identity_checked=True,
        ).value.id

        def complaint(content: str) -> uuid.UUID:
            return complaints.record_complaint(c, d, complaints.ComplaintInput(
                channel="phone", content=content, complainant="周女士", contact="13812349999",
            )).value.id

        to_accept = complaint("收费处态度不好")
        to_read = complaint("医生没有解释检查结果")
        cause = complaints.start_root_cause(
            c, d, problem="收费处排队", complaint_id=to_accept).value.id
        tiers = {t.code: t.id for t in membership.list_tiers(c, d)}
        member = patient("冯", "九", "13812345006")
        home_visit = rosters.add_appointment_type(
            c, d, name="上门出诊", default_minutes=60, benefit_key="home_visits").value.id
        membership.enrol(c, d, membership.EnrolInput(
            tier_id=tiers["advanced"], payer_id=member, starts_on=TODAY))
        for day in (1, 2, 3, 4):  # the year's four home visits (Tuesday to Friday)
            appointments.book(
                c, d, patient_id=member, doctor_id=doctor, type_id=home_visit,
                starts_at=datetime(2026, 12, day, 14, 0, tzinfo=SH), channel="phone",
                identity_checked=True)
        return Ids(
            doctor=doctor, patient=main, merge_keep=keep, merge_dup=dup, walk_in=walk,
            payer=payer, appointment=appt, prescription=rx, complaint_to_accept=to_accept,
            complaint_to_read=to_read, root_cause=cause, basic_tier=tiers["basic"],
            premium_tier=tiers["premium"],
            import_csv=_csv(scratch / "patients.csv"), member=member, home_visit=home_visit,
        )
    finally:
        clinic.close()


@dataclass
class Desks:
    root: Path
    template: Path
    ids: Ids
    opened: dict[Role, Desk]

    def desk(self, role: Role) -> Desk:
        """The role's own copy, made when the first test of that role asks for it."""
        if role not in self.opened:
            data_dir = copy_clinic(self.template, self.root / role.value)
            clinic, _ = open_and_sign_in(data_dir, clock=FakeClock())
            actor = staff.sign_in(clinic, login_of(role), STAFF_PASSWORD)
            scratch = self.root / f"{role.value}-scratch"
            scratch.mkdir()
            self.opened[role] = Desk(clinic, actor, self.ids, scratch)
        return self.opened[role]


@pytest.fixture(scope="module")
def desks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desks]:
    root = tmp_path_factory.mktemp("role-matrix")
    started = time.monotonic()
    ids = _build_template(root / "template", root)
    print(f"role matrix template built in {time.monotonic() - started:.1f}s")
    made = Desks(root, root / "template", ids, {})
    yield made
    for desk in made.opened.values():
        desk.clinic.close()


# -- the matrix -----------------------------------------------------------------------------


def _expected_refusal(role: Role, entry: Entry) -> Action | None:
    """The first action of the call the role lacks (the one its audit row names)."""
    return next((a for a in entry.checks if not allowed(role, a)), None)


def _refusal_error(entry: Entry, action: Action) -> type[Exception]:
    if action in entry.refusals:
        return entry.refusals[action]
    return BreakGlassReasonNeeded if action in BREAK_GLASS_ACTIONS else PermissionDenied


@pytest.mark.parametrize(
    "entry",
    ACTIONS + MORE_PATHS,
    ids=[e.action.value for e in ACTIONS] + [f"{e.action.value}-{e.name}" for e in MORE_PATHS],
)
@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_role_action(desks: Desks, role: Role, entry: Entry) -> None:
    """Issue 12 / I1: the call passes iff the role may; a refusal raises, is audited
    once (denied, the action, the actor) and changes nothing else."""
    desk = desks.desk(role)
    refused = _expected_refusal(role, entry)
    before = snapshot(desk.clinic)
    if entry.withheld is not None and refused == entry.action:
        # C6: redacted, not refused: nothing shown, nothing recorded as read.
        assert entry.withheld(entry.call(desk, None)), f"{role} saw {entry.action}"
        after = snapshot(desk.clinic)
        assert changed_tables(before, after) == {}
        return
    if refused is None:
        result = entry.call(desk, None)
        if entry.withheld is not None:
            assert not entry.withheld(result), f"{role} was refused {entry.action}"
        # Allowed means allowed: no refusal recorded on the way, no break-glass flag.
        rows = audit_since(desk.clinic, before.audit_seq)
        assert [r for r in rows if r.outcome == "denied" or r.break_glass] == []
        return
    with pytest.raises(_refusal_error(entry, refused)):
        entry.call(desk, None)
    after = snapshot(desk.clinic)
    # Nothing but the one audit row; the audit head in ``meta`` is updated in place.
    assert changed_tables(before, after) == {
        AUDIT_TABLE: (before.counts[AUDIT_TABLE], before.counts[AUDIT_TABLE] + 1)
    }
    rows = audit_since(desk.clinic, before.audit_seq)
    assert [(r.action, r.outcome) for r in rows] == [(str(refused), "denied")]
    row = rows[0]
    assert (row.staff_id, row.staff_login, row.role) == (
        desk.actor.staff_id, desk.actor.login, role.value
    )
    assert not row.break_glass


GLASS_PAIRS = [
    (role, action)
    for action in sorted(BREAK_GLASS_ACTIONS)
    for role in Role
    if not allowed(role, action)
]


@pytest.mark.parametrize(
    ("role", "action"), GLASS_PAIRS, ids=[f"{r.value}-{a.value}" for r, a in GLASS_PAIRS]
)
def test_break_glass(desks: Desks, role: Role, action: Action) -> None:
    """C3: outside the role a read needs a stated reason; refused without one (audited,
    denied), allowed with one and flagged break_glass with the reason and the patient."""
    desk = desks.desk(role)
    entry = BY_ACTION[action]
    before = snapshot(desk.clinic)
    with pytest.raises(BreakGlassReasonNeeded):
        entry.call(desk, "  ")
    denied = audit_since(desk.clinic, before.audit_seq)
    assert [(r.action, r.outcome, r.detail) for r in denied] == [
        (str(action), "denied", "break-glass reason missing")
    ]
    assert denied[0].patient_id == desk.ids.patient
    entry.call(desk, GLASS_REASON)
    rows = audit_since(desk.clinic, denied[0].seq)
    flagged = [r for r in rows if r.break_glass]
    assert flagged, f"{role} broke the glass for {action} without a flagged audit row"
    assert {(r.action, r.outcome, r.reason, r.patient_id, r.staff_login) for r in flagged} == {
        (str(action), "ok", GLASS_REASON, desk.ids.patient, desk.actor.login)
    }


# -- completeness ---------------------------------------------------------------------------


def test_every_action_has_a_matrix_entry() -> None:
    """Issue 12: a new Action without a row here fails; one row per action."""
    assert sorted(e.action for e in ACTIONS) == sorted(Action)
    assert len(BY_ACTION) == len(ACTIONS)


@dataclass
class _Fn:
    module: str
    node: ast.FunctionDef
    # (line, col, kind, payload): kind "require" | "write" | "call"
    events: list[tuple[int, int, str, str]] = field(default_factory=list)
    actions: set[str] = field(default_factory=set)


def _is_require(call: ast.Call) -> bool:
    f = call.func
    name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
    # ``clinic.require`` and the modules' ``_require_any`` wrappers around it.
    return name == "require" or name.startswith("_require_any")


def _scan_services() -> dict[str, _Fn]:
    fns: dict[str, _Fn] = {}
    for path in sorted(SERVICES.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            fn = _Fn(path.stem, node)
            for n in ast.walk(node):
                if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and (
                    n.value.id == "Action"
                ):
                    fn.actions.add(n.attr)
                if not isinstance(n, ast.Call):
                    continue
                where = (n.lineno, n.col_offset)
                if _is_require(n):
                    fn.events.append((*where, "require", ""))
                elif isinstance(n.func, ast.Attribute) and n.func.attr == "unit_of_work" and any(
                    k.arg == "write" and isinstance(k.value, ast.Constant) and k.value.value is True
                    for k in n.keywords
                ):
                    fn.events.append((*where, "write", ""))
                elif isinstance(n.func, ast.Name):
                    fn.events.append((*where, "call", f"{path.stem}.{n.func.id}"))
                elif isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name):
                    fn.events.append((*where, "call", f"{n.func.value.id}.{n.func.attr}"))
            fn.events.sort()
            fns[f"{path.stem}.{node.name}"] = fn
    return fns


def _first(fns: dict[str, _Fn], name: str, memo: dict[str, str | None]) -> str | None:
    """What a function does first in source order: "require", "write" or None, following
    calls into other service functions (helpers and other services alike)."""
    if name in memo:
        return memo[name]
    memo[name] = None  # a call back into a function being looked at adds nothing
    found: str | None = None
    for _line, _col, kind, payload in fns[name].events:
        if kind != "call":
            found = kind
        elif payload in fns:
            found = _first(fns, payload, memo)
        if found is not None:
            break
    memo[name] = found
    return found


def _exempt(name: str) -> bool:
    return name in EXEMPT_WRITERS or name.split(".")[0] in EXEMPT_MODULES


def _writers(fns: dict[str, _Fn]) -> set[str]:
    """Functions that open a write transaction, themselves or through a service function
    they call; an exempt function's writes are its own (calling it does not count)."""
    found = {n for n, fn in fns.items() if any(e[2] == "write" for e in fn.events)}
    grew = True
    while grew:
        more = {
            n for n, fn in fns.items()
            if n not in found and any(
                e[2] == "call" and e[3] in found and not _exempt(e[3]) for e in fn.events
            )
        }
        found |= more
        grew = bool(more)
    return found


def test_services_check_only_known_actions_and_writers_check_first() -> None:
    """Issue 12: every ``Action.X`` a service checks is in the matrix, and every public
    service function that opens a write transaction checks permission before it does
    (or is exempt, with a reason)."""
    fns = _scan_services()
    used = {a for fn in fns.values() for a in fn.actions}
    assert used, "the scan found no Action in the services"
    assert used <= {a.name for a in BY_ACTION}, used - {a.name for a in BY_ACTION}
    writers = [n for n in _writers(fns) if not fns[n].node.name.startswith("_")]
    assert len(writers) > 100, "the scan found too few writers: is it still looking?"
    memo: dict[str, str | None] = {}
    unchecked = sorted(
        n for n in writers if not _exempt(n) and _first(fns, n, memo) != "require"
    )
    assert unchecked == [], f"writers that do not check permission first: {unchecked}"
    stale = sorted(n for n in EXEMPT_WRITERS if n not in fns or _first(fns, n, memo) == "require")
    assert stale == [], f"exempt writers that no longer exist or now check: {stale}"


"""Fuzz every public service function (issue 12, reliability suite).

Each ``(clinic, actor, ...)`` function of ``clinic_desk.core.services`` is called with
arguments drawn from its type hints (helpers/fuzz.py): CJK, emoji, NUL, lone
surrogates, RTL marks, 1 MB strings, extreme numbers and dates, naive and aware
times, real and random ids, nasty form drafts. A call may succeed or refuse with a
``ClinicError`` whose message is a sentence from a translatable template (STYLE:
errors say what to do); anything else (sqlite3/SQLAlchemy errors, UnicodeEncodeError,
OverflowError, ValueError, KeyError...) fails, and a refusal must leave every
table's row count as it was (nothing half-written).

Examples per function: 5 in CI, ``CLINIC_DESK_FUZZ_EXAMPLES=200`` for a long run
(then with a random seed; CI runs derandomized so it is repeatable).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from clinic_desk.core.errors import ClinicError
from clinic_desk.core.services import clinical, complaints, staff
from tests.reliability.helpers import fuzz

EXAMPLES = int(os.environ.get("CLINIC_DESK_FUZZ_EXAMPLES", "0") or 0)
CI_EXAMPLES = 5

# Every fuzzed public service function. A new public function must be added here (or to
# fuzz.SKIPPED with a reason): test_fuzz_table_covers_every_service_function fails otherwise.
COVERED: tuple[str, ...] = (
    # absence
    "absence.absence_worklist",
    "absence.record_absence",
    "absence.resolve_contact",
    # appointment_reports
    "appointment_reports.monthly_summary",
    "appointment_reports.next_day_list",
    "appointment_reports.revisit_booking_rate",
    "appointment_reports.statistics",
    # appointments
    "appointments.appointments_between",
    "appointments.book",
    "appointments.book_request",
    "appointments.calendar_rows",
    "appointments.cancel",
    "appointments.confirm_appointment",
    "appointments.free_counts",
    "appointments.free_slots_for_day",
    "appointments.get_appointment",
    "appointments.is_first_visit",
    "appointments.mark_arrived",
    "appointments.mark_done",
    "appointments.mark_no_shows",
    "appointments.mark_started",
    "appointments.move",
    "appointments.next_free_slot",
    "appointments.patient_appointments",
    "appointments.remaining_free_count",
    "appointments.suggest_slots",
    "appointments.undo_arrival",
    # audit_log
    "audit_log.audit_report",
    # clinic
    "clinic.change_passphrase",
    "clinic.replace_recovery_key",
    # clinical
    "clinical.add_allergy",
    "clinical.add_assessment",
    "clinical.add_attachment",
    "clinical.add_condition",
    "clinical.add_medication",
    "clinical.correct_assessment",
    "clinical.correct_note",
    "clinical.correct_visit",
    "clinical.correct_vitals",
    "clinical.end_allergy",
    "clinical.end_condition",
    "clinical.end_medication",
    "clinical.read_attachment",
    "clinical.read_record",
    "clinical.read_safety",
    "clinical.record_visit",
    "clinical.record_vitals",
    # complaints
    "complaints.accept",
    "complaints.add_note",
    "complaints.add_training_case",
    "complaints.close",
    "complaints.colleagues",
    "complaints.complaint",
    "complaints.escalations_to_see",
    "complaints.hand_over",
    "complaints.list_complaints",
    "complaints.mark_escalation_seen",
    "complaints.overdue_count",
    "complaints.record_answer",
    "complaints.record_complaint",
    "complaints.record_contact",
    "complaints.record_rectified",
    "complaints.record_reply",
    "complaints.record_solution",
    "complaints.record_suggestion_box",
    "complaints.reopen",
    "complaints.root_causes",
    "complaints.save_root_cause",
    "complaints.set_details",
    "complaints.set_rectification",
    "complaints.start_root_cause",
    "complaints.training_cases",
    # followups
    "followups.add_task",
    "followups.answer_forward",
    "followups.call_script",
    "followups.calls_between",
    "followups.close_task",
    "followups.followup_rates",
    "followups.list_forwards",
    "followups.list_plans",
    "followups.log_call",
    "followups.log_call_without_task",
    "followups.patient_calls",
    "followups.patient_tasks",
    "followups.prepare_worklist",
    "followups.reassign_task",
    "followups.reset_plan",
    "followups.save_plan",
    "followups.spot_check",
    "followups.task",
    "followups.worklist",
    # maintenance
    "maintenance.create_backup",
    # membership
    "membership.add_member",
    "membership.badges",
    "membership.benefit_for_patient",
    "membership.benefit_use",
    "membership.cancel",
    "membership.change_tier",
    "membership.delete_tier",
    "membership.enrol",
    "membership.events",
    "membership.find_by_card",
    "membership.get",
    "membership.history_of",
    "membership.lapsed",
    "membership.list_tiers",
    "membership.mark_overdraft_seen",
    "membership.members_by_tier",
    "membership.membership_of",
    "membership.move_tier",
    "membership.overdrafts",
    "membership.payments",
    "membership.preview_change",
    "membership.record_payment",
    "membership.record_use",
    "membership.remove_member",
    "membership.renew",
    "membership.renewals_due",
    "membership.restore_tier",
    "membership.resume",
    "membership.retire_tier",
    "membership.save_tier",
    "membership.search",
    "membership.set_care_team",
    "membership.suspend",
    "membership.undo_use",
    "membership.uses",
    # outbox
    "outbox.campaign_preview",
    "outbox.cancel_message",
    "outbox.counts",
    "outbox.export_batch",
    "outbox.list_campaigns",
    "outbox.list_messages",
    "outbox.list_templates",
    "outbox.mark_arrived",
    "outbox.preview",
    "outbox.queue_message",
    "outbox.reset_template",
    "outbox.retry_message",
    "outbox.save_template",
    "outbox.send_due",
    "outbox.start_campaign",
    # patient_import
    "patient_import.plan_import",
    "patient_import.run_import",
    # patient_search
    "patient_search.search_patients",
    # patients
    "patients.add_clinical_note",
    "patients.find_duplicates",
    "patients.get_patient",
    "patients.list_contacts",
    "patients.log_contact",
    "patients.merge_patients",
    "patients.read_clinical_record",
    "patients.record_death",
    "patients.register_patient",
    "patients.search_patients",
    "patients.set_contact_opt_out",
    "patients.update_patient",
    # prescriptions
    "prescriptions.cancel_prescription",
    "prescriptions.check_prescription",
    "prescriptions.list_prescriptions",
    "prescriptions.record_guidance",
    "prescriptions.write_prescription",
    # printouts
    "printouts.appointment_slip",
    "printouts.clinic_info",
    "printouts.contact_card",
    "printouts.first_visit_sheet",
    "printouts.followup_form",
    "printouts.medication_card",
    "printouts.membership_card",
    "printouts.print_settings",
    "printouts.referral_letter",
    # quality
    "quality.dashboard",
    "quality.export_csv",
    "quality.monthly_trend",
    "quality.report",
    # reception
    "reception.call_next",
    "reception.check_in",
    "reception.check_in_view",
    "reception.day_end",
    "reception.display_state",
    "reception.doctor_queue",
    "reception.finish_consultation",
    "reception.mark_left",
    "reception.reassign",
    "reception.recall",
    "reception.record_check_in_vitals",
    "reception.record_wait_alert",
    "reception.return_to_queue",
    "reception.send_back",
    "reception.set_green_channel",
    "reception.start_consultation",
    "reception.suggest_triage",
    "reception.today_board",
    "reception.wait_alert_summary",
    "reception.walk_in",
    # referrals
    "referrals.compile_referral_summary",
    "referrals.list_incoming",
    "referrals.list_referrals",
    "referrals.log_incoming",
    "referrals.mark_referral_handled",
    "referrals.refer_out",
    # rosters
    "rosters.add_appointment_type",
    "rosters.add_closure",
    "rosters.add_resource",
    "rosters.add_roster_exception",
    "rosters.deactivate_appointment_type",
    "rosters.deactivate_resource",
    "rosters.get_weekly_roster",
    "rosters.list_appointment_types",
    "rosters.list_closures",
    "rosters.list_doctors",
    "rosters.list_resources",
    "rosters.list_roster_exceptions",
    "rosters.remove_closure",
    "rosters.remove_roster_exception",
    "rosters.set_doctor_profile",
    "rosters.set_weekly_roster",
    "rosters.update_appointment_type",
    "rosters.update_resource",
    # series
    "series.cancel_series",
    "series.change_series",
    "series.create_series",
    "series.extend_open_series",
    "series.get_series",
    # settings
    "settings.get_settings",
    "settings.update_settings",
    # staff
    "staff.add_staff",
    "staff.change_own_password",
    "staff.list_staff",
    "staff.reset_password",
    "staff.sign_out",
    "staff.unlock_account",
    "staff.update_staff",
    # surveys
    "surveys.draw_week",
    "surveys.find_sample",
    "surveys.missing_self_checks",
    "surveys.my_self_check",
    "surveys.open_answers",
    "surveys.questionnaire",
    "surveys.questionnaires",
    "surveys.record_response",
    "surveys.save_questionnaire",
    "surveys.save_self_check_list",
    "surveys.self_check_lists",
    "surveys.self_checks",
    "surveys.submit_self_check",
    "surveys.survey_form",
    "surveys.survey_form_pdf",
    "surveys.survey_questions_for_task",
    "surveys.survey_results",
    "surveys.week_samples",
    # sync
    "sync.compact_hub",
    "sync.create_pairing",
    "sync.enable_sync",
    "sync.full_resync",
    "sync.list_conflicts",
    "sync.list_workstations",
    "sync.needs_attention",
    "sync.remove_workstation",
    "sync.settle_conflict",
    # waitlist
    "waitlist.add_to_waitlist",
    "waitlist.candidates_for_slot",
    "waitlist.decline",
    "waitlist.list_waitlist",
    "waitlist.mark_booked",
    "waitlist.offer",
    "waitlist.remove_from_waitlist",
)

_RUN: dict[str, int] = {}
_CONTRACT: dict[str, int] = {}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[fuzz.World]:
    template = fuzz.demo_template(tmp_path_factory)
    w = fuzz.open_world(template, tmp_path_factory.mktemp("fuzz-world"))
    started = time.monotonic()
    yield w
    w.clinic.close()
    print(
        f"\nfuzz: {sum(_RUN.values())} examples over {len(_RUN)} service functions "
        f"in {time.monotonic() - started:.0f} s ({sum(_CONTRACT.values())} caller-contract "
        "refusals: naive datetimes, unknown vitals keys)"
    )


def test_fuzz_table_covers_every_service_function() -> None:
    """Issue 12: "every service" stays true: each public (clinic, actor, ...) function is
    fuzzed or skipped with a reason, and the table names no function that is gone."""
    found = set(fuzz.public_service_functions())
    listed = set(COVERED) | set(fuzz.SKIPPED)
    assert not found - listed, f"new service functions to add to COVERED: {sorted(found - listed)}"
    assert not listed - found, f"gone from the services: {sorted(listed - found)}"
    assert not set(COVERED) & set(fuzz.SKIPPED)
    assert all(reason.strip() for reason in fuzz.SKIPPED.values())


@pytest.mark.parametrize("name", COVERED)
def test_fuzz_service(name: str, world: fuzz.World) -> None:
    """Issue 12 fuzz: the call returns, or refuses with a ClinicError a person can read,
    and a refusal leaves no row behind."""
    fn = fuzz.fuzzed_functions()[name]
    module = name.split(".", 1)[0]
    builder = fuzz.Builder(world, module)
    call = builder.call(fn)
    ran = 0
    contract = [0]

    @settings(
        max_examples=EXAMPLES or CI_EXAMPLES,
        derandomize=not EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        # CI: no shrinking (bounded time); a long run shrinks to the smallest failing call.
        phases=list(Phase) if EXAMPLES else [Phase.explicit, Phase.generate],
    )
    @given(kwargs=call)
    def run(kwargs: dict[str, Any]) -> None:
        nonlocal ran
        ran += 1
        before = world.row_counts()
        try:
            with fuzz.time_limit(60):
                fn(world.clinic, world.actor, **kwargs)
        except ClinicError as error:
            fuzz.check_user_error(error)
        except Exception as error:
            if not fuzz.is_contract_error(error):
                raise
            contract[0] += 1
        else:
            return
        after = world.row_counts()
        changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
        assert not changed, f"refused but wrote rows: {changed}"

    try:
        run()
    finally:
        _RUN[name] = ran
        _CONTRACT[name] = contract[0]
        world.refresh_ids()


# --- the crashes this fuzz found, kept as fixed examples ----------------------------------

_FAR_EAST = timezone(timedelta(hours=14))
_FAR_WEST = timezone(timedelta(hours=-14))
_DOCTOR = "doctor"  # stands for a real doctor's id, filled in from the clinic
_PATIENT = "patient"

# (function, arguments, what the unfixed code raised)
FOUND: tuple[tuple[str, dict[str, Any], str], ...] = (
    ("appointment_reports.statistics",
     {"first_day": date(1, 1, 1), "last_day": date(1, 1, 1)}, "OverflowError"),
    ("appointment_reports.revisit_booking_rate",
     {"first_day": date(1, 1, 1), "last_day": date(1, 1, 1)}, "OverflowError"),
    ("appointments.appointments_between",
     {"start_utc": datetime(2027, 1, 4, tzinfo=UTC),
      "end_utc": datetime(9999, 12, 31, 23, 59, tzinfo=_FAR_WEST)}, "OverflowError"),
    ("appointments.calendar_rows",
     {"start_utc": datetime(1, 1, 1, tzinfo=UTC),
      "end_utc": datetime(2027, 5, 31, 18, tzinfo=UTC)}, "OverflowError"),
    ("appointments.free_counts", {"day": date(9999, 12, 31), "doctor_ids": []}, "OverflowError"),
    ("appointments.remaining_free_count",
     {"day": date(1, 1, 1), "doctor_ids": []}, "OverflowError"),
    ("audit_log.audit_report",
     {"since": datetime(9999, 12, 31, 23, 59, tzinfo=_FAR_WEST)}, "OverflowError"),
    ("audit_log.audit_report", {"limit": -(2**64)}, "OverflowError"),
    ("clinic.replace_recovery_key", {"passphrase": "\udcff"}, "UnicodeEncodeError"),
    ("clinical.add_assessment",
     {"patient_id": _PATIENT, "summary": '\\"', "recommendations": "\udcff"},
     "UnicodeEncodeError"),
    ("clinical.add_assessment",
     {"patient_id": _PATIENT, "summary": "ok",
      "assessed_at": datetime.max.replace(tzinfo=UTC)}, "OverflowError"),
    ("complaints.list_complaints",
     {"first": date(1, 1, 1), "last": date(1, 1, 1)}, "OverflowError"),
    ("followups.calls_between", {"first": date(1, 1, 1), "last": date(1, 1, 1)}, "OverflowError"),
    ("followups.prepare_worklist", {"day": date(9999, 12, 31)}, "OverflowError"),
    ("membership.renewals_due", {"day": date(9999, 12, 31)}, "OverflowError"),
    ("membership.lapsed", {"day": date(1, 1, 1)}, "OverflowError"),
    ("outbox.list_messages", {"first": date(1, 1, 1)}, "OverflowError"),
    ("outbox.send_due", {"now": datetime(1, 1, 1, tzinfo=_FAR_EAST)}, "OverflowError"),
    ("patient_import.plan_import", {"path": "missing.csv"}, "FileNotFoundError"),
    ("patient_import.run_import", {"path": "."}, "IsADirectoryError"),
    ("quality.dashboard", {"first": date(1, 1, 1), "last": date(1, 1, 1)}, "ValueError"),
    ("quality.monthly_trend", {"last": date(9999, 12, 31)}, "ValueError"),
    ("reception.today_board", {"day": date(1, 1, 1)}, "OverflowError"),
    ("sync.needs_attention", {"since": date(1, 1, 1)}, "OverflowError"),
    ("surveys.week_samples", {"week_start": date(1, 1, 1)}, "OverflowError"),
    ("waitlist.candidates_for_slot",
     {"doctor_id": _DOCTOR, "starts_at": datetime(1, 1, 1, tzinfo=_FAR_EAST), "minutes": 6},
     "OverflowError"),
)  # fmt: skip


@pytest.mark.parametrize(("name", "kwargs", "was"), FOUND, ids=[f"{n}-{w}" for n, _, w in FOUND])
def test_found_crashes_now_refuse_politely(
    name: str, kwargs: dict[str, Any], was: str, world: fuzz.World, tmp_path: Path
) -> None:
    """Issue 12 fuzz findings (each crashed with ``was`` before its fix): year 1 / 9999
    dates, a lone surrogate, a missing import file, a huge negative limit now return or
    refuse with a sentence, and write nothing when they refuse."""
    fn = fuzz.fuzzed_functions()[name]
    fill = {
        _PATIENT: world.ids["patient"][0],
        _DOCTOR: world.ids["doctor"][0],
        "missing.csv": tmp_path / "missing.csv",
        ".": tmp_path,
    }
    args = {k: fill.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()}
    before = world.row_counts()
    try:
        fn(world.clinic, world.actor, **args)
    except ClinicError as error:
        fuzz.check_user_error(error)
        assert world.row_counts() == before


def test_lone_surrogate_refused_by_the_shared_text_cleaner() -> None:
    """Issue 12 fuzz finding: complaints.hand_over / save_root_cause crashed with
    UnicodeEncodeError on a lone surrogate (the audit row's MAC encodes the reason);
    clinical.clean_text, shared by clinical, complaints and follow-ups, refuses it."""
    with pytest.raises(ClinicError) as caught:
        clinical.clean_text("原因\udcff", "reason", limit=100)
    fuzz.check_user_error(caught.value)


def test_escalation_seen_twice(world: fuzz.World) -> None:
    """Issue 12 fuzz finding: marking an escalated complaint seen a second time raised
    DetachedInstanceError (the row was read after its session closed)."""
    rows = world.clinic.store.read_rows(
        "SELECT id FROM complaint WHERE escalated_at IS NOT NULL AND deleted_at IS NULL LIMIT 1"
    )
    if not rows:
        pytest.skip("the demo clinic has no escalated complaint")
    complaint_id = fuzz.as_uuid(rows[0][0])
    first = complaints.mark_escalation_seen(world.clinic, world.actor, complaint_id)
    again = complaints.mark_escalation_seen(world.clinic, world.actor, complaint_id)
    assert complaint_id in first.changes.ids and complaint_id in again.changes.ids


@settings(
    max_examples=EXAMPLES or CI_EXAMPLES * 3,
    derandomize=not EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(login=fuzz.nasty_text(), password=fuzz.nasty_text())
def test_fuzz_sign_in(login: str, password: str, world: fuzz.World) -> None:
    """Issue 12 fuzz, spec A-sign-in: the one user-facing service without an actor (the
    sign-in form) refuses nasty text with a sentence (a failed attempt is recorded on
    purpose, so rows may grow)."""
    try:
        staff.sign_in(world.clinic, login, password)
    except ClinicError as error:
        fuzz.check_user_error(error)


def test_sign_in_with_a_lone_surrogate(world: fuzz.World) -> None:
    """Issue 12 fuzz finding: a password holding a lone surrogate crashed sign-in with
    UnicodeEncodeError inside Argon2 (passwords.verify_password); now it is a wrong
    password, for an unknown login and a real one alike."""
    for login in ("nobody.here", world.actor.login):
        with pytest.raises(ClinicError) as caught:
            staff.sign_in(world.clinic, login, "\udcff")
        fuzz.check_user_error(caught.value)

"""Staff accounts, sign-in and lockout (issue 2; spec I1)."""

from __future__ import annotations

import pytest

from clinic_desk.core.errors import (
    AccountDisabled,
    AccountLocked,
    InvalidCredentials,
    PermissionDenied,
    ValidationError,
)
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import audit_log, settings, staff
from tests.conftest import DIRECTOR_PASSWORD, ClinicFixture


def _add_nurse(cf: ClinicFixture, login: str = "nurse.zhao") -> staff.StaffInfo:
    return staff.add_staff(
        cf.clinic, cf.director, login=login, display_name="赵护士", role=Role.TRIAGE_NURSE,
        password="nurse-pass-1",
    ).value


def test_sign_in_and_must_change_password(cf: ClinicFixture) -> None:
    info = _add_nurse(cf)
    assert info.must_change_password
    nurse = staff.sign_in(cf.clinic, "Nurse.Zhao ", "nurse-pass-1")  # case and spaces forgiven
    assert nurse.role == Role.TRIAGE_NURSE and nurse.must_change_password
    after = staff.change_own_password(cf.clinic, nurse, current="nurse-pass-1", new="新的密码 2026")
    assert not after.must_change_password
    assert staff.sign_in(cf.clinic, "nurse.zhao", "新的密码 2026").staff_id == info.id
    with pytest.raises(InvalidCredentials):
        staff.sign_in(cf.clinic, "nurse.zhao", "nurse-pass-1")


@pytest.mark.parametrize("login", ["", " ", "x" * 65, "张三", "a b", "emoji😀"])
def test_bad_login_names_are_refused_with_a_sentence(cf: ClinicFixture, login: str) -> None:
    with pytest.raises(ValidationError) as err:
        staff.add_staff(cf.clinic, cf.director, login=login, display_name="X",
                        role="doctor", password="doctor-pass-1")
    assert err.value.message().endswith(".")


@pytest.mark.parametrize("password", ["", "short", "x" * 257])
def test_bad_passwords_are_refused(cf: ClinicFixture, password: str) -> None:
    with pytest.raises(ValidationError):
        staff.add_staff(cf.clinic, cf.director, login="doc1", display_name="医生",
                        role="doctor", password=password)


def test_duplicate_login_refused(cf: ClinicFixture) -> None:
    _add_nurse(cf)
    with pytest.raises(ValidationError, match="taken"):
        _add_nurse(cf)


def test_lockout_after_five_in_fifteen_minutes_and_expiry(cf: ClinicFixture) -> None:
    _add_nurse(cf)
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            staff.sign_in(cf.clinic, "nurse.zhao", "wrong")
        cf.clock.advance(minutes=1)
    with pytest.raises(AccountLocked) as locked:
        staff.sign_in(cf.clinic, "nurse.zhao", "wrong")
    # The right password does not get in while locked; the message says until when
    # in the clinic's local time (Asia/Shanghai = UTC+8).
    with pytest.raises(AccountLocked):
        staff.sign_in(cf.clinic, "nurse.zhao", "nurse-pass-1")
    assert "2026-11-23 10:19" in locked.value.message()
    cf.clock.advance(minutes=15)
    assert staff.sign_in(cf.clinic, "nurse.zhao", "nurse-pass-1").login == "nurse.zhao"


def test_failures_spread_out_do_not_lock(cf: ClinicFixture) -> None:
    _add_nurse(cf)
    for _ in range(8):
        with pytest.raises(InvalidCredentials):
            staff.sign_in(cf.clinic, "nurse.zhao", "wrong")
        cf.clock.advance(minutes=4)  # never 5 within 15 minutes
    assert staff.sign_in(cf.clinic, "nurse.zhao", "nurse-pass-1")


def test_lockout_survives_restart(cf: ClinicFixture) -> None:
    _add_nurse(cf)
    for _ in range(5):
        with pytest.raises((InvalidCredentials, AccountLocked)):
            staff.sign_in(cf.clinic, "nurse.zhao", "wrong")
    cf.reopen()
    with pytest.raises(AccountLocked):
        staff.sign_in(cf.clinic, "nurse.zhao", "nurse-pass-1")


def test_lockout_threshold_is_a_setting(cf: ClinicFixture) -> None:
    _add_nurse(cf)
    settings.update_settings(cf.clinic, cf.director, {"security.lockout_failures": 3})
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            staff.sign_in(cf.clinic, "nurse.zhao", "wrong")
    with pytest.raises(AccountLocked):
        staff.sign_in(cf.clinic, "nurse.zhao", "wrong")


def test_never_more_than_100_tries_an_hour(cf: ClinicFixture) -> None:
    _add_nurse(cf)
    # The most permissive settings allow 25 a minute; the hourly cap still holds.
    settings.update_settings(
        cf.clinic, cf.director,
        {"security.lockout_failures": 25, "security.lockout_window_minutes": 1},
    )
    tries = 0
    with pytest.raises(AccountLocked):
        for _ in range(200):
            try:
                staff.sign_in(cf.clinic, "nurse.zhao", "wrong")
            except InvalidCredentials:
                pass
            tries += 1
            cf.clock.advance(seconds=3.1)  # under the per-minute threshold
    assert tries <= 100


def test_director_unlocks_and_resets(cf: ClinicFixture) -> None:
    info = _add_nurse(cf)
    for _ in range(5):
        with pytest.raises((InvalidCredentials, AccountLocked)):
            staff.sign_in(cf.clinic, "nurse.zhao", "wrong")
    listed = {s.login: s for s in staff.list_staff(cf.clinic, cf.director)}
    assert listed["nurse.zhao"].locked_until is not None
    staff.unlock_account(cf.clinic, cf.director, info.id)
    assert staff.sign_in(cf.clinic, "nurse.zhao", "nurse-pass-1")
    staff.reset_password(cf.clinic, cf.director, info.id, temporary_password="temp-pass-9")
    assert staff.sign_in(cf.clinic, "nurse.zhao", "temp-pass-9").must_change_password


def test_disable_and_role_change_are_audited(cf: ClinicFixture) -> None:
    info = _add_nurse(cf)
    staff.update_staff(cf.clinic, cf.director, info.id, role=Role.DOCTOR)
    staff.update_staff(cf.clinic, cf.director, info.id, disabled=True)
    with pytest.raises(AccountDisabled):
        staff.sign_in(cf.clinic, "nurse.zhao", "nurse-pass-1")
    rows = audit_log.audit_report(cf.clinic, cf.director)
    updates = [r for r in rows if r.action == "staff.update"]
    assert any('"role": ["triage_nurse", "doctor"]' in r.detail for r in updates)
    assert any('"disabled": [false, true]' in r.detail for r in updates)


def test_last_director_cannot_be_removed(cf: ClinicFixture) -> None:
    assert cf.director.staff_id is not None
    with pytest.raises(ValidationError, match="only active director"):
        staff.update_staff(cf.clinic, cf.director, cf.director.staff_id, disabled=True)
    with pytest.raises(ValidationError, match="only active director"):
        staff.update_staff(cf.clinic, cf.director, cf.director.staff_id, role="doctor")


def test_only_director_manages_staff(cf: ClinicFixture) -> None:
    _add_nurse(cf)
    nurse = staff.sign_in(cf.clinic, "nurse.zhao", "nurse-pass-1")
    with pytest.raises(PermissionDenied):
        staff.add_staff(cf.clinic, nurse, login="x1", display_name="X", role="doctor",
                        password="doctor-pass-1")
    with pytest.raises(PermissionDenied):
        staff.list_staff(cf.clinic, nurse)
    denied = [r for r in audit_log.audit_report(cf.clinic, cf.director) if r.outcome == "denied"]
    assert {r.action for r in denied} == {"staff.manage"}


def test_unknown_user_is_counted_and_audited(cf: ClinicFixture) -> None:
    with pytest.raises(InvalidCredentials):
        staff.sign_in(cf.clinic, "nobody", DIRECTOR_PASSWORD)
    rows = audit_log.audit_report(cf.clinic, cf.director)
    assert any(r.action == "signin" and r.outcome == "failed" and r.staff_login == "nobody"
               for r in rows)

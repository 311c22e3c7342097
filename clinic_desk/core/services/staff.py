"""Staff accounts: sign-in with lockout, and the director's account management."""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clinic_desk.core import settings_catalog
from clinic_desk.core.errors import (
    AccountDisabled,
    AccountLocked,
    InvalidCredentials,
    NotFound,
    ValidationError,
)
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.security import audit
from clinic_desk.core.security.passwords import (
    check_new_password,
    dummy_verify,
    hash_password,
    verify_password,
)
from clinic_desk.core.security.permissions import Action, Role
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.store.models import SigninAttempt, Staff
from clinic_desk.core.store.store import UnitOfWork

MAX_LOGIN = 64
_LOGIN_OK = set("abcdefghijklmnopqrstuvwxyz0123456789._-@")


def normalize_login(login: str) -> str:
    """Logins are case-insensitive ASCII so they type the same on any keyboard or IME."""
    text = unicodedata.normalize("NFKC", login).strip().casefold()
    if not text:
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "The user name is empty. Type one."))
    if len(text) > MAX_LOGIN:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The user name is too long: use at most {n} characters."),
            n=MAX_LOGIN,
        )
    if any(ch not in _LOGIN_OK for ch in text):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "A user name may use only letters a-z, digits and . _ - @ (for example "
                "zhang.li). Put the person's name in Chinese in the display name.",
            )
        )
    return text



def display_names(session: Session, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """Staff names by id for a screen's or a document's rows (no permission: colleagues'
    names are not confidential; the caller has checked its own)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(
        session.execute(select(Staff.id, Staff.display_name).where(Staff.id.in_(wanted))).all()
    )

@dataclass(frozen=True)
class StaffInfo:
    id: uuid.UUID
    login: str
    display_name: str
    role: Role
    phone: str
    disabled: bool
    locked_until: datetime | None
    must_change_password: bool


@dataclass(frozen=True)
class LockState:
    locked_until: datetime | None
    recent_failures: int


def _lock_state(clinic: Clinic, uow: UnitOfWork, staff: Staff, now: datetime) -> LockState:
    """Locked when the recent failures reach the settings' limit, or the hourly cap."""
    threshold = int(clinic.setting("security.lockout_failures"))
    window = timedelta(minutes=int(clinic.setting("security.lockout_window_minutes")))
    floor = now - max(window, timedelta(hours=1))
    # "Since the last success" goes by insertion order, not time: two attempts
    # can share a timestamp (a coarse or fake clock).
    last_success_seq = uow.scalar(
        select(func.max(SigninAttempt.seq)).where(
            SigninAttempt.staff_id == staff.id, SigninAttempt.success.is_(True)
        )
    )
    if staff.lockout_cleared_at is not None and staff.lockout_cleared_at > floor:
        floor = staff.lockout_cleared_at
    failures = list(
        uow.session.execute(
            select(SigninAttempt.at)
            .where(
                SigninAttempt.staff_id == staff.id,
                SigninAttempt.success.is_(False),
                SigninAttempt.at > floor,
                SigninAttempt.seq > (last_success_seq or 0),
            )
            .order_by(SigninAttempt.at.desc())
        ).scalars()
    )
    in_window = [t for t in failures if t > now - window]
    until: datetime | None = None
    if len(in_window) >= threshold:
        until = in_window[0] + window
    hourly = [t for t in failures if t > now - timedelta(hours=1)]
    cap = settings_catalog.MAX_SIGNIN_FAILURES_PER_HOUR
    if len(hourly) >= cap:
        hour_until = hourly[cap - 1] + timedelta(hours=1)
        until = max(until, hour_until) if until else hour_until
    if until is not None and until <= now:
        until = None
    return LockState(until, len(in_window))


def _info(clinic: Clinic, uow: UnitOfWork, staff: Staff) -> StaffInfo:
    return StaffInfo(
        id=staff.id,
        login=staff.login,
        display_name=staff.display_name,
        role=Role(staff.role),
        phone=staff.phone,
        disabled=staff.disabled_at is not None,
        locked_until=_lock_state(clinic, uow, staff, clinic.now()).locked_until,
        must_change_password=staff.must_change_password,
    )


def _by_login(uow: UnitOfWork, login: str) -> Staff | None:
    staff: Staff | None = uow.session.execute(
        select(Staff).where(Staff.login == login, Staff.deleted_at.is_(None))
    ).scalar_one_or_none()
    return staff


def sign_in(clinic: Clinic, login: str, password: str) -> Actor:
    """Check a staff member's password; counts failures and locks the account."""
    now = clinic.now()
    try:
        name = normalize_login(login)
    except ValidationError:
        dummy_verify(password)
        raise InvalidCredentials() from None
    with clinic.store.unit_of_work(write=True) as uow:
        staff = _by_login(uow, name)
        if staff is None:
            dummy_verify(password)
            uow.session.add(
                SigninAttempt(
                    staff_id=None, login_tried=name, at=now, success=False,
                    workstation=clinic.workstation,
                )
            )
            clinic.audit(
                uow, Actor(None, name, name, "unknown"),
                audit.AuditEvent(action="signin", outcome="failed", detail="unknown user name"),
            )
            uow.commit()
            raise InvalidCredentials()
        actor = Actor(staff.id, staff.login, staff.display_name, Role(staff.role))
        state = _lock_state(clinic, uow, staff, now)
        if state.locked_until is not None:
            # Not counted: tries during a lock must not make the lock last forever.
            clinic.audit(uow, actor, audit.AuditEvent(action="signin", outcome="locked"))
            uow.commit()
            raise AccountLocked(until=clinic.local_text(state.locked_until))
        good = verify_password(staff.password_hash, password)
        uow.session.add(
            SigninAttempt(
                staff_id=staff.id, login_tried=name, at=now, success=good,
                workstation=clinic.workstation,
            )
        )
        if not good:
            uow.session.flush()
            clinic.audit(uow, actor, audit.AuditEvent(action="signin", outcome="failed"))
            after = _lock_state(clinic, uow, staff, now)
            uow.commit()
            if after.locked_until is not None:
                raise AccountLocked(until=clinic.local_text(after.locked_until))
            raise InvalidCredentials()
        if staff.disabled_at is not None:
            clinic.audit(uow, actor, audit.AuditEvent(action="signin", outcome="disabled"))
            uow.commit()
            raise AccountDisabled()
        clinic.audit(uow, actor, audit.AuditEvent(action="signin"))
        uow.commit()
    return Actor(
        staff.id, staff.login, staff.display_name, Role(staff.role),
        must_change_password=staff.must_change_password,
    )


def sign_out(clinic: Clinic, actor: Actor, *, reason: str = "signout") -> None:
    clinic.audit_now(actor, audit.AuditEvent(action=reason))


def list_staff(clinic: Clinic, actor: Actor) -> list[StaffInfo]:
    clinic.require(actor, Action.STAFF_MANAGE)
    with clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.execute(
            select(Staff).where(Staff.deleted_at.is_(None)).order_by(Staff.display_name)
        ).scalars()
        return [_info(clinic, uow, s) for s in rows]


def _check_display_name(name: str) -> str:
    text = unicodedata.normalize("NFC", name).strip()
    if not text:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The name is empty. Type the person's name.")
        )
    if len(text) > 200:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The name is too long: use at most {n} characters."),
            n=200,
        )
    return text


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "There is no role called {role}."), role=str(role)
        ) from None


def add_staff(
    clinic: Clinic,
    actor: Actor,
    *,
    login: str,
    display_name: str,
    role: Role | str,
    password: str,
    phone: str = "",
) -> Written[StaffInfo]:
    """A new account; the person must choose their own password at first sign-in."""
    clinic.require(actor, Action.STAFF_MANAGE)
    name = normalize_login(login)
    display = _check_display_name(display_name)
    the_role = _role(role)
    check_new_password(password, login=name)
    with clinic.store.unit_of_work(write=True) as uow:
        if uow.session.execute(select(Staff.id).where(Staff.login == name)).first():
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors", "The user name {login} is taken. Choose another user name."
                ),
                login=name,
            )
        staff = Staff(
            login=name, display_name=display, role=the_role.value, phone=phone.strip()[:32],
            password_hash=hash_password(password), must_change_password=True,
        )
        uow.session.add(staff)
        uow.session.flush()
        clinic.audit(
            uow, actor,
            audit.AuditEvent(
                action="staff.add", object_type="staff", object_id=staff.id.hex,
                detail=json.dumps({"login": name, "role": the_role.value}),
            ),
        )
        info = _info(clinic, uow, staff)
        uow.commit()
    return Written(info, Changes(frozenset({Topic.STAFF}), frozenset({info.id})))


def _load(uow: UnitOfWork, staff_id: uuid.UUID) -> Staff:
    staff = uow.session.get(Staff, staff_id)
    if staff is None or staff.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "staff account"))
    return staff


def _director_count(uow: UnitOfWork) -> int:
    return int(
        uow.scalar(
            select(func.count()).where(
                Staff.role == Role.DIRECTOR.value,
                Staff.disabled_at.is_(None),
                Staff.deleted_at.is_(None),
            )
        )
    )


_LAST_DIRECTOR = QT_TRANSLATE_NOOP(
    "Errors",
    "This is the only active director account; the clinic would have no one to manage it. "
    "Make another director first.",
)


def update_staff(
    clinic: Clinic,
    actor: Actor,
    staff_id: uuid.UUID,
    *,
    display_name: str | None = None,
    role: Role | str | None = None,
    phone: str | None = None,
    disabled: bool | None = None,
) -> Written[StaffInfo]:
    """Change name, role, phone or disabled state; every change is audited."""
    clinic.require(actor, Action.STAFF_MANAGE)
    with clinic.store.unit_of_work(write=True) as uow:
        staff = _load(uow, staff_id)
        before = {"display_name": staff.display_name, "role": staff.role, "phone": staff.phone,
                  "disabled": staff.disabled_at is not None}
        was_active_director = staff.role == Role.DIRECTOR.value and staff.disabled_at is None
        if display_name is not None:
            staff.display_name = _check_display_name(display_name)
        if role is not None:
            staff.role = _role(role).value
        if phone is not None:
            staff.phone = phone.strip()[:32]
        if disabled is not None:
            staff.disabled_at = clinic.now() if disabled else None
        still_director = staff.role == Role.DIRECTOR.value and staff.disabled_at is None
        if was_active_director and not still_director:
            uow.session.flush()
            if _director_count(uow) == 0:
                raise ValidationError(_LAST_DIRECTOR)
        after = {"display_name": staff.display_name, "role": staff.role, "phone": staff.phone,
                 "disabled": staff.disabled_at is not None}
        diff = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        if diff:
            clinic.audit(
                uow, actor,
                audit.AuditEvent(
                    action="staff.update", object_type="staff", object_id=staff.id.hex,
                    detail=json.dumps(diff, ensure_ascii=False),
                ),
            )
        info = _info(clinic, uow, staff)
        uow.commit()
    changes = Changes(frozenset({Topic.STAFF}), frozenset({staff_id})) if diff else Changes()
    return Written(info, changes)


def reset_password(
    clinic: Clinic, actor: Actor, staff_id: uuid.UUID, *, temporary_password: str
) -> Written[StaffInfo]:
    """The director sets a temporary password; the person must change it at sign-in."""
    clinic.require(actor, Action.STAFF_MANAGE)
    with clinic.store.unit_of_work(write=True) as uow:
        staff = _load(uow, staff_id)
        check_new_password(temporary_password, login=staff.login)
        staff.password_hash = hash_password(temporary_password)
        staff.must_change_password = True
        staff.password_changed_at = clinic.now()
        staff.lockout_cleared_at = clinic.now()
        clinic.audit(
            uow, actor,
            audit.AuditEvent(action="staff.reset_password", object_type="staff",
                             object_id=staff.id.hex),
        )
        info = _info(clinic, uow, staff)
        uow.commit()
    return Written(info, Changes(frozenset({Topic.STAFF}), frozenset({staff_id})))


def unlock_account(clinic: Clinic, actor: Actor, staff_id: uuid.UUID) -> Written[StaffInfo]:
    clinic.require(actor, Action.STAFF_MANAGE)
    with clinic.store.unit_of_work(write=True) as uow:
        staff = _load(uow, staff_id)
        staff.lockout_cleared_at = clinic.now()
        clinic.audit(
            uow, actor,
            audit.AuditEvent(action="staff.unlock", object_type="staff", object_id=staff.id.hex),
        )
        info = _info(clinic, uow, staff)
        uow.commit()
    return Written(info, Changes(frozenset({Topic.STAFF}), frozenset({staff_id})))


def change_own_password(clinic: Clinic, actor: Actor, *, current: str, new: str) -> Actor:
    """Anyone may change their own password, knowing the current one."""
    if actor.staff_id is None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "staff account"))
    with clinic.store.unit_of_work(write=True) as uow:
        staff = _load(uow, actor.staff_id)
        if not verify_password(staff.password_hash, current):
            clinic.audit(uow, actor, audit.AuditEvent(action="staff.change_password",
                                                      outcome="failed"))
            uow.commit()
            raise InvalidCredentials()
        check_new_password(new, login=staff.login)
        if verify_password(staff.password_hash, new):
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "Choose a new password, not the current one.")
            )
        staff.password_hash = hash_password(new)
        staff.must_change_password = False
        staff.password_changed_at = clinic.now()
        clinic.audit(uow, actor, audit.AuditEvent(action="staff.change_password"))
        uow.commit()
    return Actor(actor.staff_id, actor.login, actor.display_name, actor.role)

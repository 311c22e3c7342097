"""What every service shares: the acting staff member, the open clinic, the
permission check and the audit entry, and the ``Changes`` a write returns."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select

from clinic_desk.core import settings_catalog
from clinic_desk.core.errors import BreakGlassReasonNeeded, PermissionDenied, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.security import audit
from clinic_desk.core.security.audit import AuditEvent
from clinic_desk.core.security.permissions import (
    BREAK_GLASS_ACTIONS,
    Action,
    Role,
    allowed,
)
from clinic_desk.core.store.models import Setting
from clinic_desk.core.store.store import Store, UnitOfWork

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Actor:
    """The staff member on whose behalf a service acts."""

    staff_id: uuid.UUID | None
    login: str
    display_name: str
    role: Role | str
    must_change_password: bool = False

    @property
    def is_system(self) -> bool:
        return self.staff_id is None and self.role == "system"

    @classmethod
    def system(cls, what: str = "system") -> Actor:
        """ClinicDesk itself (setup, nightly backup) or the IT person's command line."""
        return cls(staff_id=None, login=what, display_name=what, role="system")


class Topic(StrEnum):
    STAFF = "staff"
    SETTINGS = "settings"
    PATIENTS = "patients"
    CLINICAL = "clinical"
    APPOINTMENTS = "appointments"
    RECEPTION = "reception"
    ROSTERS = "rosters"
    AUDIT = "audit"
    BACKUP = "backup"
    SYNC = "sync"
    FOLLOWUPS = "followups"
    OUTBOX = "outbox"
    COMPLAINTS = "complaints"
    QUALITY = "quality"
    MEMBERSHIP = "membership"


@dataclass(frozen=True)
class Changes:
    """What a write changed, so each screen redraws only what it shows (STYLE 3)."""

    topics: frozenset[Topic] = frozenset()
    ids: frozenset[uuid.UUID] = frozenset()

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.topics | other.topics, self.ids | other.ids)

    def touches(self, topic: Topic) -> bool:
        return topic in self.topics


T = TypeVar("T")


@dataclass(frozen=True)
class Written(Generic[T]):
    """A write's result: the plain value and what changed."""

    value: T
    changes: Changes


@dataclass
class Clinic:
    """An unlocked clinic: its store, clock and cached settings."""

    data_dir: Path
    store: Store
    clinic_id: str
    clock: Clock = system_clock
    _settings: dict[str, Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # Sync dates changes by the clinic's clock (a fake one in tests).
        self.store.wall_ms = self._wall_ms

    def _wall_ms(self) -> int:
        return int(self.clock().timestamp() * 1000)

    @property
    def workstation(self) -> str:
        return self.store.workstation

    def now(self) -> datetime:
        return self.clock()

    def settings(self) -> dict[str, Any]:
        if self._settings is None:
            values = settings_catalog.default_values()
            with self.store.unit_of_work(write=False) as uow:
                for row in uow.session.execute(
                    select(Setting).where(Setting.deleted_at.is_(None))
                ).scalars():
                    if row.key in values:
                        values[row.key] = json.loads(row.value_json)
            self._settings = values
        return dict(self._settings)

    def setting(self, key: str) -> Any:
        return self.settings()[key]

    def forget_settings(self) -> None:
        self._settings = None

    def timezone(self) -> ZoneInfo:
        try:
            return ZoneInfo(str(self.setting("clinic.timezone")))
        except (KeyError, ValueError):
            return ZoneInfo("Asia/Shanghai")

    def today(self) -> date:
        """The clinic's local date now (by its clock and time zone)."""
        return self.now().astimezone(self.timezone()).date()

    def local_text(self, moment: datetime) -> str:
        """A moment as the clinic's wall-clock time, for messages."""
        try:
            return moment.astimezone(self.timezone()).strftime("%Y-%m-%d %H:%M")
        except OverflowError:  # year 1 or 9999: said in UTC rather than not at all
            return moment.strftime("%Y-%m-%d %H:%M")

    def close(self) -> None:
        self.store.close()

    # -- audit and permission, used by every service ------------------------

    def audit(self, uow: UnitOfWork, actor: Actor, event: AuditEvent) -> None:
        audit.append(
            uow.session,
            self.store.audit_key,
            event,
            at=self.now(),
            staff_id=actor.staff_id,
            staff_login=actor.login,
            role=str(actor.role),
            workstation=self.workstation,
        )

    def audit_many(self, uow: UnitOfWork, actor: Actor, events: list[AuditEvent]) -> None:
        """Several audit rows at once (a bulk import), chained in order."""
        audit.append_many(
            uow.session,
            self.store.audit_key,
            events,
            at=self.now(),
            staff_id=actor.staff_id,
            staff_login=actor.login,
            role=str(actor.role),
            workstation=self.workstation,
        )

    def audit_now(self, actor: Actor, event: AuditEvent) -> None:
        """An audit row in its own transaction (denials, failed sign-ins)."""
        with self.store.unit_of_work(write=True) as uow:
            self.audit(uow, actor, event)
            uow.commit()

    def require(
        self,
        actor: Actor,
        action: Action,
        *,
        patient_id: uuid.UUID | None = None,
        break_glass_reason: str | None = None,
        object_type: str = "",
        object_id: str = "",
        detail: str = "",
    ) -> bool:
        """Allow or refuse ``action``; returns True when allowed only by breaking the glass.

        A refusal is written to the audit log (with ``detail``) before it is raised.
        """
        if actor.is_system or allowed(actor.role, action):
            return False
        if action in BREAK_GLASS_ACTIONS and patient_id is not None:
            reason = (break_glass_reason or "").strip()
            if len(reason) >= 4:
                if len(reason) > 1000:
                    raise ValidationError(
                        QT_TRANSLATE_NOOP(
                            "Errors", "The reason is too long: use at most 1000 characters."
                        )
                    )
                return True
            self.audit_now(
                actor,
                audit.AuditEvent(
                    action=str(action),
                    outcome="denied",
                    patient_id=patient_id,
                    object_type=object_type,
                    object_id=object_id,
                    detail="break-glass reason missing",
                ),
            )
            raise BreakGlassReasonNeeded()
        self.audit_now(
            actor,
            audit.AuditEvent(
                action=str(action),
                outcome="denied",
                patient_id=patient_id,
                object_type=object_type,
                object_id=object_id,
                detail=detail,
            ),
        )
        raise PermissionDenied(role=str(actor.role), action=str(action))

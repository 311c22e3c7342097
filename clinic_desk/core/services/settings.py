"""Reading and changing clinic settings (the catalog gives types and defaults)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from clinic_desk.core import settings_catalog
from clinic_desk.core.errors import ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic
from clinic_desk.core.store.base import SYNCED_ROW_NAMESPACE
from clinic_desk.core.store.models import Setting
from clinic_desk.core.store.store import UnitOfWork


def get_settings(clinic: Clinic, actor: Actor) -> dict[str, Any]:
    clinic.require(actor, Action.SETTINGS_READ)
    return clinic.settings()


def validate(changes: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        definition = settings_catalog.BY_KEY.get(key)
        if definition is None:
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "There is no setting called {key}."), key=key
            )
        clean[key] = definition.validate(value)
    return clean


def setting_row_id(key: str) -> uuid.UUID:
    """The same id for a setting on every workstation, so two desks that first set
    one while offline change one row (merged by sync) instead of making two."""
    return uuid.uuid5(SYNCED_ROW_NAMESPACE, f"setting|{key}")


def write_setting_rows(
    clinic: Clinic, uow: UnitOfWork, actor: Actor, changes: Mapping[str, Any]
) -> dict[str, tuple[Any, Any]]:
    """Write validated values in ``uow``; returns {key: (old, new)} for what changed."""
    clean = validate(changes)
    defaults = settings_catalog.default_values()
    existing = {
        row.key: row
        for row in uow.session.execute(select(Setting).where(Setting.key.in_(clean))).scalars()
    }
    changed: dict[str, tuple[Any, Any]] = {}
    for key, value in clean.items():
        row = existing.get(key)
        old = json.loads(row.value_json) if row is not None else defaults[key]
        if row is not None and old == value:
            continue
        encoded = json.dumps(value, ensure_ascii=False)
        if row is None:
            uow.session.add(
                Setting(
                    id=setting_row_id(key), key=key, value_json=encoded,
                    updated_by=actor.staff_id,
                )
            )
        else:
            row.value_json = encoded
            row.updated_by = actor.staff_id
        changed[key] = (old, value)
    return changed


def update_settings(clinic: Clinic, actor: Actor, changes: Mapping[str, Any]) -> Changes:
    """Validate every value first, then write them all in one transaction, audited."""
    clinic.require(actor, Action.SETTINGS_EDIT)
    settings_catalog.check_together({**clinic.settings(), **validate(changes)})
    with clinic.store.unit_of_work(write=True) as uow:
        changed = write_setting_rows(clinic, uow, actor, changes)
        for key, (old, new) in changed.items():
            clinic.audit(
                uow,
                actor,
                audit.AuditEvent(
                    action="settings.update", object_type="setting", object_id=key,
                    detail=json.dumps({"old": old, "new": new}, ensure_ascii=False),
                ),
            )
        uow.commit()
    clinic.forget_settings()
    return Changes(frozenset({Topic.SETTINGS})) if changed else Changes()

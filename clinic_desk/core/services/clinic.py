"""Setting up a clinic, unlocking it, and the keys that guard it."""

from __future__ import annotations

import json
import os
import shutil
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from clinic_desk.core.errors import (
    AlreadyInitialized,
    ClinicError,
    NotInitialized,
    PassphraseNeeded,
    StoreCorrupt,
    UnlockThrottled,
    ValidationError,
    WeakPassphrase,
    WrongPassphrase,
    WrongRecoveryKey,
)
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.rules import passphrase as passphrase_rules
from clinic_desk.core.security import audit
from clinic_desk.core.security.keys import (
    KdfParams,
    KeyFile,
    KeyringSlot,
    UnlockAttempts,
    key_file_path,
    new_recovery_key,
    random_data_key,
    read_key_file,
    write_key_file,
)
from clinic_desk.core.security.passwords import check_new_password, hash_password
from clinic_desk.core.security.permissions import Action, Role
from clinic_desk.core.services import membership, patient_search, rosters
from clinic_desk.core.services.base import Actor, Clinic, Clock, system_clock
from clinic_desk.core.services.settings import write_setting_rows
from clinic_desk.core.services.staff import normalize_login
from clinic_desk.core.store.datadir import check_data_dir
from clinic_desk.core.store.engine import DB_FILENAME
from clinic_desk.core.store.models import Staff
from clinic_desk.core.store.store import Store

PASSPHRASE_ENV = "CLINIC_DESK_PASSPHRASE"
MAX_CLINIC_NAME = 200
META_CLINIC_ID = "clinic.id"
META_CREATED_AT = "clinic.created_at"


@dataclass(frozen=True)
class SetupResult:
    clinic_id: str
    recovery_key: str  # shown once; never stored in clear anywhere
    keyring_backend: str | None  # where the data key was also saved, if anywhere


def is_initialized(data_dir: Path) -> bool:
    return key_file_path(data_dir).exists()


def check_clinic_name(name: str) -> str:
    text = unicodedata.normalize("NFC", name).strip()
    if not text:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The clinic name is empty. Type the clinic's name.")
        )
    if len(text) > MAX_CLINIC_NAME:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The clinic name is {length} characters long; use at most {n} characters.",
            ),
            length=len(text), n=MAX_CLINIC_NAME,
        )
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "The clinic name contains control characters; type it on one line."
            )
        )
    return text


def check_passphrase(passphrase: str, confirmation: str | None, *, avoid: tuple[str, ...]) -> None:
    if confirmation is not None and passphrase != confirmation:
        raise WeakPassphrase(
            QT_TRANSLATE_NOOP(
                "Errors", "The two passphrases are not the same. Type the same passphrase twice."
            )
        )
    strength = passphrase_rules.assess(passphrase, avoid=avoid)
    if not strength.acceptable:
        template, params = strength.problems[0]
        raise WeakPassphrase(template, **params)


def setup_clinic(
    data_dir: Path,
    *,
    clinic_name: str,
    director_login: str,
    director_name: str,
    director_password: str,
    passphrase: str,
    passphrase_confirmation: str | None = None,
    address: str = "",
    phone: str = "",
    timezone: str = "Asia/Shanghai",
    language: str = "zh_CN",
    kdf: KdfParams | None = None,
    use_keyring: bool = True,
    workstation: str | None = None,
    clock: Clock = system_clock,
) -> SetupResult:
    """Create a new encrypted clinic in an empty folder. Nothing is left half-made."""
    name = check_clinic_name(clinic_name)
    login = normalize_login(director_login)
    check_new_password(director_password, login=login)
    director_display = unicodedata.normalize("NFC", director_name).strip() or login
    if len(director_display) > 200:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The name is too long: use at most {n} characters."),
            n=200,
        )
    check_passphrase(passphrase, passphrase_confirmation, avoid=(name, login, phone))

    def fill(clinic: Clinic, clinic_id: str) -> None:
        settings = {
            "clinic.name": name,
            "clinic.address": address,
            "clinic.phone": phone,
            "clinic.timezone": timezone,
            "clinic.language": language,
        }
        system = Actor.system("setup")
        with clinic.store.unit_of_work(write=True) as uow:
            uow.set_meta(META_CLINIC_ID, clinic_id)
            uow.set_meta(META_CREATED_AT, clinic.now().isoformat())
            write_setting_rows(clinic, uow, system, settings)
            director = Staff(
                login=login,
                display_name=director_display,
                role=Role.DIRECTOR.value,
                password_hash=hash_password(director_password),
            )
            uow.session.add(director)
            uow.session.flush()
            clinic.audit(
                uow,
                system,
                audit.AuditEvent(
                    action="clinic.setup", object_type="clinic",
                    object_id=clinic_id,
                    detail=json.dumps({"director": login}, ensure_ascii=False),
                ),
            )
            uow.commit()

    return create_clinic_files(
        data_dir, passphrase=passphrase, kdf=kdf, use_keyring=use_keyring,
        workstation=workstation, clock=clock, fill=fill,
    )


def create_clinic_files(
    data_dir: Path,
    *,
    passphrase: str,
    kdf: KdfParams | None,
    use_keyring: bool,
    workstation: str | None,
    clock: Clock,
    fill: Callable[[Clinic, str], None],
) -> SetupResult:
    """A new key file and database in ``data_dir``, filled by ``fill(clinic, clinic_id)``.

    Built in a staging folder and moved into place at the end: a crash, a full
    disk or an error in ``fill`` leaves the target folder as it was.
    """
    check_data_dir(data_dir, create=True)
    for existing in (DB_FILENAME, key_file_path(data_dir).name):
        if (data_dir / existing).exists():
            raise AlreadyInitialized(path=str(data_dir))

    data_key = random_data_key()
    recovery = new_recovery_key()
    key_file = KeyFile.create(
        data_key=data_key, passphrase=passphrase, recovery_key=recovery, kdf=kdf or KdfParams()
    )
    staging = data_dir / f".setup-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        store = Store(staging, data_key, workstation=workstation)
        try:
            store.migrate()
            fill(Clinic(staging, store, key_file.clinic_id, clock=clock), key_file.clinic_id)
        finally:
            store.close()
        write_key_file(staging, key_file)
        os.replace(staging / DB_FILENAME, data_dir / DB_FILENAME)
        os.replace(key_file_path(staging), key_file_path(data_dir))
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    backend = None
    if use_keyring:
        slot = KeyringSlot(key_file.clinic_id)
        if slot.save(data_key):
            backend = slot.backend_name()
    return SetupResult(key_file.clinic_id, recovery, backend)


@dataclass(frozen=True)
class _Unlocked:
    key: bytes
    via: str
    key_file: KeyFile
    failures_before: int = 0


def _unlock(
    data_dir: Path,
    *,
    passphrase: str | None,
    recovery_key: str | None,
    use_keyring: bool,
    clock: Clock,
) -> _Unlocked:
    check_data_dir(data_dir, create=False)
    if not is_initialized(data_dir):
        raise NotInitialized(path=str(data_dir))
    key_file = read_key_file(data_dir)
    typed = recovery_key is not None or passphrase is not None
    if not typed and use_keyring:
        stored = KeyringSlot(key_file.clinic_id).load()
        if stored is not None:
            return _Unlocked(stored, "keyring", key_file)
    if not typed and os.environ.get(PASSPHRASE_ENV):
        passphrase = os.environ[PASSPHRASE_ENV]
    if recovery_key is None and passphrase is None:
        raise PassphraseNeeded()
    attempts = UnlockAttempts.load(data_dir)
    now = clock()
    allowed_at = attempts.next_allowed()
    if allowed_at is not None and now < allowed_at:
        raise UnlockThrottled(count=attempts.failures, until=allowed_at.strftime("%H:%M:%S"))
    if recovery_key is not None:
        data_key = key_file.open_with_recovery(recovery_key)
        via = "recovery key"
    else:
        assert passphrase is not None
        data_key = key_file.open_with_passphrase(passphrase)
        via = "passphrase"
    if data_key is None:
        attempts = attempts.failed(now)
        attempts.save(data_dir)
        if recovery_key is not None:
            raise WrongRecoveryKey(count=attempts.failures)
        raise WrongPassphrase(count=attempts.failures)
    if attempts.failures:
        UnlockAttempts().save(data_dir)  # the right secret ends the run of failures
    return _Unlocked(data_key, via, key_file, attempts.failures)


def unlock_key(
    data_dir: Path,
    *,
    passphrase: str | None = None,
    recovery_key: str | None = None,
    use_keyring: bool = True,
    clock: Clock = system_clock,
) -> bytes:
    """Just the data key (for read-only checks); the same rules as ``open_clinic``."""
    return _unlock(
        data_dir, passphrase=passphrase, recovery_key=recovery_key,
        use_keyring=use_keyring, clock=clock,
    ).key


def open_clinic(
    data_dir: Path,
    *,
    passphrase: str | None = None,
    recovery_key: str | None = None,
    use_keyring: bool = True,
    clock: Clock = system_clock,
    workstation: str | None = None,
) -> Clinic:
    """Unlock the clinic in ``data_dir``.

    Order: an explicit recovery key or passphrase; else the OS keyring; else
    ``$CLINIC_DESK_PASSPHRASE``; else ``PassphraseNeeded``. A wrong passphrase
    or recovery key is counted (and slowed after five) and never touches the
    database file.
    """
    unlocked = _unlock(
        data_dir, passphrase=passphrase, recovery_key=recovery_key,
        use_keyring=use_keyring, clock=clock,
    )
    slot = KeyringSlot(unlocked.key_file.clinic_id)
    try:
        clinic = _open_store(
            data_dir, unlocked.key, unlocked.key_file.clinic_id, clock, workstation
        )
    except StoreCorrupt:
        if unlocked.via == "keyring":
            # A stale keyring entry (e.g. after a restore) is not damage: ask instead.
            slot.delete()
            raise PassphraseNeeded() from None
        raise

    failures = unlocked.failures_before
    if unlocked.via != "keyring" and use_keyring:
        slot.save(unlocked.key)
    clinic.audit_now(
        Actor.system("unlock"),
        audit.AuditEvent(
            action="clinic.unlock",
            detail=json.dumps({"via": unlocked.via, "failed_attempts_before": failures}),
        ),
    )
    return clinic


def _open_store(
    data_dir: Path, data_key: bytes, clinic_id: str, clock: Clock, workstation: str | None
) -> Clinic:
    store = Store(data_dir, data_key, workstation=workstation)
    try:
        store.migrate()
        stored_id = store.meta_value(META_CLINIC_ID)
        if stored_id != clinic_id:
            raise StoreCorrupt(detail="the key file belongs to a different clinic")
    except ClinicError:
        store.close()
        raise
    except Exception:
        store.close()
        raise
    clinic = Clinic(data_dir, store, clinic_id, clock=clock)
    try:
        # A clinic upgraded from before the search index (or an older key form).
        patient_search.ensure_search_index(clinic)
        # The spec's appointment purposes (A2), once, for the calendar to offer.
        rosters.ensure_default_types(clinic)
        # The spec's three membership tiers (H1), once.
        membership.ensure_default_tiers(clinic)
    except Exception:
        store.close()
        raise
    return clinic


def change_passphrase(
    clinic: Clinic,
    actor: Actor,
    *,
    current: str,
    new: str,
    confirmation: str | None = None,
) -> None:
    """Re-wrap the data key under a new passphrase; the database is not touched."""
    clinic.require(actor, Action.KEYS_MANAGE)
    key_file = read_key_file(clinic.data_dir)
    if key_file.open_with_passphrase(current) != clinic.store.data_key:
        attempts = UnlockAttempts.load(clinic.data_dir).failed(clinic.now())
        attempts.save(clinic.data_dir)
        clinic.audit_now(actor, audit.AuditEvent(action="keys.change_passphrase", outcome="failed"))
        raise WrongPassphrase(count=attempts.failures)
    name = str(clinic.setting("clinic.name"))
    check_passphrase(new, confirmation, avoid=(name, actor.login))
    write_key_file(clinic.data_dir, key_file.with_passphrase(clinic.store.data_key, new))
    clinic.audit_now(actor, audit.AuditEvent(action="keys.change_passphrase"))


def replace_recovery_key(clinic: Clinic, actor: Actor, *, passphrase: str) -> str:
    """Issue a new recovery key (the old one stops working); returns it to show once."""
    clinic.require(actor, Action.KEYS_MANAGE)
    key_file = read_key_file(clinic.data_dir)
    if key_file.open_with_passphrase(passphrase) != clinic.store.data_key:
        clinic.audit_now(actor, audit.AuditEvent(action="keys.replace_recovery", outcome="failed"))
        raise WrongPassphrase(count=UnlockAttempts.load(clinic.data_dir).failures)
    recovery = new_recovery_key()
    write_key_file(clinic.data_dir, key_file.with_recovery(clinic.store.data_key, recovery))
    clinic.audit_now(actor, audit.AuditEvent(action="keys.replace_recovery"))
    return recovery

"""Errors that reach people.

Each error carries an English template marked for translation and the values
to fill it with, so the UI can show it in the user's language
(``QCoreApplication.translate("Errors", err.template).format(**err.params)``)
and the command line can print it as is. A template says what is wrong and
what to do next; it never contains patient data.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from clinic_desk.core.i18n import QT_TRANSLATE_NOOP, Translate, english

CONTEXT = "Errors"


class ClinicError(Exception):
    """Base for every error meant to be shown to a person."""

    template: str = QT_TRANSLATE_NOOP(
        "Errors", "Something went wrong. Details are in the log file."
    )

    def __init__(self, template: str | None = None, /, **params: Any) -> None:
        if template is not None:
            self.template = template
        self.params = params
        super().__init__(self.template.format(**params))

    def message(self, translate: Translate = english) -> str:
        return translate(CONTEXT, self.template).format(**self.params)


class DataDirError(ClinicError):
    """The data directory cannot hold a clinic (missing, read-only, network share...)."""


class NotInitialized(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "No clinic has been set up in {path}. Run the setup first, or choose the folder "
        "that holds the clinic's data.",
    )


class AlreadyInitialized(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "A clinic already exists in {path}. Choose an empty folder for a new clinic.",
    )


class WrongPassphrase(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "That passphrase does not open this clinic. Check the keyboard layout and Caps Lock, "
        "then try again, or use the recovery key. Failed attempts so far: {count}.",
    )


class WrongRecoveryKey(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "That recovery key does not belong to this clinic. Check that it comes from this "
        "clinic's recovery kit. Failed attempts so far: {count}.",
    )


class RecoveryKeyTypo(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "That recovery key has a typing mistake: it should be 32 letters and digits in 8 "
        "groups of 4, exactly as printed on the recovery kit. Please type it again.",
    )


class UnlockThrottled(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "Too many wrong passphrases or recovery keys ({count}). For safety, the next try is "
        "possible after {until} (UTC).",
    )


class PassphraseNeeded(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "This computer has no saved key for the clinic. Enter the clinic passphrase, or set "
        "CLINIC_DESK_PASSPHRASE for scripts.",
    )


class WeakPassphrase(ClinicError):
    """The passphrase is empty or too easy to guess; the template names why."""


class StoreCorrupt(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "The clinic's database is damaged ({detail}). Do not keep working in it: restore the "
        "latest backup, and keep the damaged file for inspection.",
    )


class StorageFull(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "The disk is full, so nothing was saved. Free some space on the disk that holds the "
        "clinic's data, then try again.",
    )


class StoreBusy(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "The clinic's database is busy with another program for too long. Nothing was saved; "
        "try again in a moment.",
    )


class SchemaTooNew(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "This clinic's data was written by a newer version of ClinicDesk. Install the newer "
        "version on this computer before opening it.",
    )


class PermissionDenied(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "Your role ({role}) may not do this ({action}). Ask the clinic director if you need "
        "it.",
    )


class BreakGlassReasonNeeded(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "This record is outside your role. For emergency access, give a reason; it will be "
        "recorded and reviewed.",
    )


class InvalidCredentials(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "The user name or password is not right. Please try again.",
    )


class AccountLocked(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "This account is locked after too many wrong passwords, until {until}. Wait, or ask "
        "the director to unlock it.",
    )


class AccountDisabled(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "This account has been disabled. Ask the clinic director.",
    )


class ValidationError(ClinicError):
    """Input that cannot be accepted; the template names the field and the fix."""


class DateOutOfRange(ValidationError):
    """A date or time so far off (year 1, year 9999) that the calendar cannot count from it."""

    template = QT_TRANSLATE_NOOP(
        "Errors",
        "That date is too far in the past or the future. Check the year and choose the date "
        "again.",
    )

    # The span a clinic's calendar, memberships and follow-ups can count days in.
    FIRST = date(1900, 1, 1)
    LAST = date(2199, 12, 31)

    @classmethod
    def check(cls, day: date) -> date:
        if not cls.FIRST <= day <= cls.LAST:
            raise cls()
        return day


class NotFound(ClinicError):
    template = QT_TRANSLATE_NOOP("Errors", "The {what} was not found. It may have been removed.")


class BackupError(ClinicError):
    """A backup could not be made or verified, or a restore was refused."""

"""Staff password hashing (Argon2id) and the rules a new password must meet."""

from __future__ import annotations

import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP

# Staff passwords are guarded by lockout too, so a lighter cost than the
# clinic passphrase keeps sign-in quick; still above OWASP's floor.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 256


def _norm(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def _secret(password: str) -> bytes:
    # The UTF-8 Argon2 would use itself; surrogatepass so a lone surrogate (pasted
    # junk) is a wrong password, not a crash (issue 12 fuzz).
    return _norm(password).encode("utf-8", "surrogatepass")


def hash_password(password: str) -> str:
    return _HASHER.hash(_secret(password))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, _secret(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def dummy_verify(password: str) -> None:
    """Spend the same time as a real check, so an unknown login is not revealed by speed."""
    verify_password(_DUMMY_HASH, password)


_DUMMY_HASH = _HASHER.hash("not-a-real-password")


def check_new_password(password: str, *, login: str) -> None:
    """Raise ``ValidationError`` naming what is wrong with a proposed staff password."""
    norm = _norm(password)
    if not norm.strip():
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The password is empty. Type a password.")
        )
    if len(norm) < MIN_PASSWORD_CHARS:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "The password is too short: use at least {n} characters."
            ),
            n=MIN_PASSWORD_CHARS,
        )
    if len(norm) > MAX_PASSWORD_CHARS:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The password is too long: use at most {n} characters."),
            n=MAX_PASSWORD_CHARS,
        )
    if norm.casefold() == login.casefold():
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The password must not be the same as the user name.")
        )

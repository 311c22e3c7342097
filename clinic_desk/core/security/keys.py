"""The data key and the three ways it is kept.

The database is encrypted with a random 256-bit data key. That key is
- wrapped (AES-256-GCM) under a key derived with Argon2id from the clinic
  passphrase, in ``clinic.key`` beside the database;
- wrapped a second way under the recovery key (random, printed once in the
  recovery kit), in the same file;
- and, where the operating system has a real keyring, stored there so the
  workstation opens without typing anything.
Changing the passphrase re-wraps the data key; the database is not touched.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from clinic_desk.core.errors import RecoveryKeyTypo, StoreCorrupt
from clinic_desk.core.files import write_atomic
from clinic_desk.core.store.engine import KEY_BYTES

KEY_FILENAME = "clinic.key"
KEY_FILE_FORMAT = 1

# Crockford's base32: no I, L, O, U, so a printed key is not misread.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_READ = {c: i for i, c in enumerate(_CROCKFORD)} | {
    "O": 0, "I": 1, "L": 1,
}
RECOVERY_DATA_CHARS = 30  # 150 random bits
RECOVERY_CHECK_CHARS = 2  # 10 bits of SHA-256 catch typing mistakes before any decryption


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. The floor is OWASP's minimum (19 MiB, 2 passes, 1 lane)."""

    memory_kib: int = 64 * 1024
    time_cost: int = 3
    parallelism: int = 1

    FLOOR_MEMORY_KIB = 19 * 1024
    FLOOR_TIME_COST = 2

    def __post_init__(self) -> None:
        if self.memory_kib < self.FLOOR_MEMORY_KIB or self.time_cost < self.FLOOR_TIME_COST:
            raise ValueError("Argon2id parameters below the OWASP floor (m=19 MiB, t=2)")
        if self.parallelism < 1:
            raise ValueError("Argon2id parallelism must be at least 1")

    @classmethod
    def floor(cls) -> KdfParams:
        """The weakest allowed parameters; tests use them to stay fast."""
        return cls(memory_kib=cls.FLOOR_MEMORY_KIB, time_cost=cls.FLOOR_TIME_COST)


def normalize_secret(text: str) -> bytes:
    """NFKC so a full-width or differently composed character typed by an IME still matches."""
    # surrogatepass: a lone surrogate (pasted junk) is a wrong secret, not a crash.
    return unicodedata.normalize("NFKC", text).encode("utf-8", "surrogatepass")


def derive_passphrase_key(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    return hash_secret_raw(
        normalize_secret(passphrase),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=32,
        type=Type.ID,
    )


def derive_subkey(data_key: bytes, purpose: str) -> bytes:
    """A key for one purpose (audit MAC, backup MAC...) derived from the data key."""
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=purpose.encode()).derive(data_key)


# --- recovery key -----------------------------------------------------------


def _b32(value: int, chars: int) -> str:
    return "".join(_CROCKFORD[(value >> (5 * (chars - 1 - i))) & 31] for i in range(chars))


def _check_chars(data: str) -> str:
    digest = int.from_bytes(hashlib.sha256(data.encode()).digest()[:2], "big") >> 6
    return _b32(digest, RECOVERY_CHECK_CHARS)


def new_recovery_key() -> str:
    data = _b32(secrets.randbits(5 * RECOVERY_DATA_CHARS), RECOVERY_DATA_CHARS)
    whole = data + _check_chars(data)
    return "-".join(whole[i : i + 4] for i in range(0, len(whole), 4))


def parse_recovery_key(text: str) -> str:
    """The canonical 32 characters, or ``RecoveryKeyTypo`` if it cannot be a recovery key."""
    folded = unicodedata.normalize("NFKC", text).upper()
    cleaned = "".join(ch for ch in folded if ch not in " -\t\n")
    if len(cleaned) != RECOVERY_DATA_CHARS + RECOVERY_CHECK_CHARS or any(
        ch not in _CROCKFORD_READ for ch in cleaned
    ):
        raise RecoveryKeyTypo()
    canonical = "".join(_CROCKFORD[_CROCKFORD_READ[ch]] for ch in cleaned)
    data, check = canonical[:RECOVERY_DATA_CHARS], canonical[RECOVERY_DATA_CHARS:]
    if _check_chars(data) != check:
        raise RecoveryKeyTypo()
    return canonical


def _recovery_wrapping_key(canonical: str, salt: bytes) -> bytes:
    # 150 random bits need no slow KDF; HKDF binds the salt and purpose.
    return HKDF(
        algorithm=SHA256(), length=32, salt=salt, info=b"clinicdesk recovery wrap v1"
    ).derive(canonical.encode())


# --- the key file -------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)


@dataclass(frozen=True)
class Wrap:
    salt: bytes
    nonce: bytes
    ciphertext: bytes


@dataclass(frozen=True)
class KeyFile:
    clinic_id: str
    created_at: str
    kdf: KdfParams
    passphrase: Wrap
    recovery: Wrap

    def _aad(self, purpose: str) -> bytes:
        # Binds a wrap to this clinic and slot: a wrap cannot be moved between files.
        return f"clinicdesk key v{KEY_FILE_FORMAT}|{self.clinic_id}|{purpose}".encode()

    def to_json(self) -> str:
        def wrap(w: Wrap) -> dict[str, str]:
            return {"salt": _b64(w.salt), "nonce": _b64(w.nonce), "ciphertext": _b64(w.ciphertext)}

        doc = {
            "format": KEY_FILE_FORMAT,
            "app": "ClinicDesk",
            "note": "Wrapped data key. Useless without the clinic passphrase or recovery key.",
            "clinic_id": self.clinic_id,
            "created_at": self.created_at,
            "kdf": {
                "algorithm": "argon2id",
                "memory_kib": self.kdf.memory_kib,
                "time_cost": self.kdf.time_cost,
                "parallelism": self.kdf.parallelism,
            },
            "passphrase_wrap": wrap(self.passphrase),
            "recovery_wrap": wrap(self.recovery),
        }
        return json.dumps(doc, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> KeyFile:
        try:
            doc: dict[str, Any] = json.loads(text)
            if doc.get("format") != KEY_FILE_FORMAT or doc["kdf"]["algorithm"] != "argon2id":
                raise ValueError("unknown key file format")

            def wrap(d: dict[str, str]) -> Wrap:
                return Wrap(_unb64(d["salt"]), _unb64(d["nonce"]), _unb64(d["ciphertext"]))

            return cls(
                clinic_id=str(doc["clinic_id"]),
                created_at=str(doc["created_at"]),
                kdf=KdfParams(
                    memory_kib=int(doc["kdf"]["memory_kib"]),
                    time_cost=int(doc["kdf"]["time_cost"]),
                    parallelism=int(doc["kdf"]["parallelism"]),
                ),
                passphrase=wrap(doc["passphrase_wrap"]),
                recovery=wrap(doc["recovery_wrap"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreCorrupt(detail="the key file clinic.key is unreadable") from exc

    # -- creating and opening ---------------------------------------------

    @classmethod
    def create(
        cls, *, data_key: bytes, passphrase: str, recovery_key: str, kdf: KdfParams
    ) -> KeyFile:
        clinic_id = str(secrets.token_hex(8))
        created = datetime.now(UTC).isoformat(timespec="seconds")
        shell = cls(clinic_id, created, kdf, Wrap(b"", b"", b""), Wrap(b"", b"", b""))
        return shell.with_passphrase(data_key, passphrase).with_recovery(data_key, recovery_key)

    def with_passphrase(self, data_key: bytes, passphrase: str) -> KeyFile:
        salt = os.urandom(16)
        kek = derive_passphrase_key(passphrase, salt, self.kdf)
        nonce = os.urandom(12)
        ct = AESGCM(kek).encrypt(nonce, data_key, self._aad("passphrase"))
        return replace(self, passphrase=Wrap(salt, nonce, ct))

    def with_recovery(self, data_key: bytes, recovery_key: str) -> KeyFile:
        salt = os.urandom(16)
        kek = _recovery_wrapping_key(parse_recovery_key(recovery_key), salt)
        nonce = os.urandom(12)
        ct = AESGCM(kek).encrypt(nonce, data_key, self._aad("recovery"))
        return replace(self, recovery=Wrap(salt, nonce, ct))

    def open_with_passphrase(self, passphrase: str) -> bytes | None:
        """The data key, or None if the passphrase is wrong."""
        kek = derive_passphrase_key(passphrase, self.passphrase.salt, self.kdf)
        return self._unwrap(kek, self.passphrase, "passphrase")

    def open_with_recovery(self, recovery_key: str) -> bytes | None:
        """The data key, or None if this (well-formed) recovery key is not this clinic's."""
        kek = _recovery_wrapping_key(parse_recovery_key(recovery_key), self.recovery.salt)
        return self._unwrap(kek, self.recovery, "recovery")

    def _unwrap(self, kek: bytes, wrap: Wrap, purpose: str) -> bytes | None:
        try:
            key = AESGCM(kek).decrypt(wrap.nonce, wrap.ciphertext, self._aad(purpose))
        except InvalidTag:
            return None
        if len(key) != KEY_BYTES:
            raise StoreCorrupt(detail="the key file holds a key of the wrong size")
        return key


def key_file_path(data_dir: Path) -> Path:
    return data_dir / KEY_FILENAME


def read_key_file(data_dir: Path) -> KeyFile:
    return KeyFile.from_json(key_file_path(data_dir).read_text(encoding="utf-8"))


def write_key_file(data_dir: Path, key_file: KeyFile) -> None:
    """Atomic: the old file stays whole until the new one is on disk."""
    target = key_file_path(data_dir)
    write_atomic(target, key_file.to_json().encode())


# --- the operating system's keyring ---------------------------------------------

KEYRING_SERVICE = "ClinicDesk"
NO_KEYRING_ENV = "CLINIC_DESK_NO_KEYRING"
# Back-ends that are not a keyring at all, or keep secrets in plain text.
_NOT_A_KEYRING = {"fail.Keyring", "null.Keyring", "PlaintextKeyring", "Keyring (fail)"}


class KeyringSlot:
    """The data key in the OS keyring, if this machine has a real one."""

    def __init__(self, clinic_id: str) -> None:
        self.username = f"clinic-{clinic_id}"

    @staticmethod
    def backend_name() -> str | None:
        if os.environ.get(NO_KEYRING_ENV):
            return None
        try:
            import keyring
            from keyring.backends import chainer

            backend = keyring.get_keyring()
        except Exception:
            return None
        backends = backend.backends if isinstance(backend, chainer.ChainerBackend) else [backend]
        real = [
            b
            for b in backends
            if type(b).__name__ not in _NOT_A_KEYRING
            and f"{type(b).__module__.rsplit('.', 1)[-1]}.{type(b).__name__}" not in _NOT_A_KEYRING
            and getattr(b, "priority", 0) > 0
        ]
        return type(real[0]).__module__ + "." + type(real[0]).__name__ if real else None

    def available(self) -> bool:
        return self.backend_name() is not None

    def load(self) -> bytes | None:
        if not self.available():
            return None
        try:
            import keyring

            value = keyring.get_password(KEYRING_SERVICE, self.username)
        except Exception:  # a locked or broken keyring is the same as none: ask the passphrase
            return None
        if not value:
            return None
        try:
            key = bytes.fromhex(value)
        except ValueError:
            return None
        return key if len(key) == KEY_BYTES else None

    def save(self, data_key: bytes) -> bool:
        if not self.available():
            return False
        try:
            import keyring

            keyring.set_password(KEYRING_SERVICE, self.username, data_key.hex())
        except Exception:
            return False
        return True

    def delete(self) -> None:
        if not self.available():
            return
        try:
            import keyring

            keyring.delete_password(KEYRING_SERVICE, self.username)
        except Exception:
            return


# --- counting failed unlocks ------------------------------------------------------

ATTEMPTS_FILENAME = "unlock-attempts.json"
FREE_FAILURES = 5
MAX_DELAY_SECONDS = 15 * 60


@dataclass(frozen=True)
class UnlockAttempts:
    """Failed unlocks, kept in a small file beside the database (which they cannot open).

    After ``FREE_FAILURES`` failures in a row, each further try waits a doubling
    delay (30 s, 1 min, ... up to 15 min), on top of Argon2id's own cost.
    """

    failures: int = 0
    last_failure: str | None = None

    @classmethod
    def load(cls, data_dir: Path) -> UnlockAttempts:
        try:
            doc = json.loads((data_dir / ATTEMPTS_FILENAME).read_text(encoding="utf-8"))
            return cls(int(doc.get("failures", 0)), doc.get("last_failure"))
        except (OSError, ValueError, TypeError):
            return cls()

    def save(self, data_dir: Path) -> None:
        doc = {"failures": self.failures, "last_failure": self.last_failure}
        write_atomic(data_dir / ATTEMPTS_FILENAME, json.dumps(doc).encode())

    def next_allowed(self) -> datetime | None:
        if self.failures < FREE_FAILURES or self.last_failure is None:
            return None
        delay = min(30 * 2 ** (self.failures - FREE_FAILURES), MAX_DELAY_SECONDS)
        last = datetime.fromisoformat(self.last_failure)
        return datetime.fromtimestamp(last.timestamp() + delay, UTC)

    def failed(self, now: datetime) -> UnlockAttempts:
        return UnlockAttempts(self.failures + 1, now.isoformat())


def random_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


"""Pairing codes: how a new workstation receives the clinic's sync key.

The enrolled workstation registers the new one on the hub, seals what it needs
(clinic id, its device id and token, the sync key) with a key derived from a
one-time code, and leaves the sealed blob on the hub for a few minutes. The
code is shown on screen (and as a QR code): its first group names the blob,
the rest is the secret, which never reaches the hub. Argon2id makes guessing
the secret from a stolen blob hopeless (75 random bits); a blob is handed out
once and expires.
"""

from __future__ import annotations

import json
import os
import secrets
import unicodedata
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from clinic_desk.core.errors import ClinicError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.security.keys import _CROCKFORD, _CROCKFORD_READ

ID_CHARS = 5
SECRET_CHARS = 15  # 75 bits
GROUP = 5
QR_PREFIX = "clinicdesk-pair:"


class PairingCodeTypo(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "That is not a pairing code: it has 20 letters and digits in four groups, like "
        "7KQ2M-XW4PD-9RTZB-H3N6C. Check it on the enrolled workstation's screen.",
    )


class PairingCodeUnknown(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "The hub has no such pairing code: it was already used, it expired, or it was "
        "typed wrongly. Create a new one on an enrolled workstation.",
    )


@dataclass(frozen=True)
class Invitation:
    """What a new workstation needs to join (sealed inside the pairing blob)."""

    clinic_id: str
    device_id: str
    token: bytes
    sync_key: bytes
    name: str

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "clinic": self.clinic_id,
                "device": self.device_id,
                "token": self.token.hex(),
                "key": self.sync_key.hex(),
                "name": self.name,
            }
        ).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> Invitation:
        doc = json.loads(data.decode("utf-8"))
        return cls(
            doc["clinic"],
            doc["device"],
            bytes.fromhex(doc["token"]),
            bytes.fromhex(doc["key"]),
            doc["name"],
        )


def new_code() -> str:
    raw = "".join(secrets.choice(_CROCKFORD) for _ in range(ID_CHARS + SECRET_CHARS))
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def parse_code(text: str) -> tuple[str, str]:
    """(code id, secret) from what was typed or scanned; O/0 and I/L/1 are the same."""
    folded = unicodedata.normalize("NFKC", text or "").upper().strip()
    if folded.startswith(QR_PREFIX.upper()):
        folded = folded[len(QR_PREFIX) :]
    cleaned = "".join(ch for ch in folded if ch not in " -\t\n")
    if len(cleaned) != ID_CHARS + SECRET_CHARS or any(ch not in _CROCKFORD_READ for ch in cleaned):
        raise PairingCodeTypo()
    canonical = "".join(_CROCKFORD[_CROCKFORD_READ[ch]] for ch in cleaned)
    return canonical[:ID_CHARS], canonical[ID_CHARS:]


def _wrapping_key(code_id: str, secret: str) -> bytes:
    return hash_secret_raw(
        secret.encode("ascii"),
        b"clinicdesk pairing|" + code_id.encode("ascii"),
        time_cost=3,
        memory_cost=64 * 1024,
        parallelism=1,
        hash_len=32,
        type=Type.ID,
    )


def seal_invitation(code: str, invitation: Invitation) -> tuple[str, bytes]:
    """(code id, blob for the hub)."""
    code_id, secret = parse_code(code)
    nonce = os.urandom(12)
    sealed = AESGCM(_wrapping_key(code_id, secret)).encrypt(
        nonce, invitation.to_bytes(), code_id.encode("ascii")
    )
    return code_id, nonce + sealed


def open_invitation(code: str, blob: bytes) -> Invitation:
    code_id, secret = parse_code(code)
    try:
        data = AESGCM(_wrapping_key(code_id, secret)).decrypt(
            blob[:12], blob[12:], code_id.encode("ascii")
        )
    except InvalidTag as error:
        raise PairingCodeUnknown() from error
    return Invitation.from_bytes(data)

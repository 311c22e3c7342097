"""Sealing operations for the hub: AES-256-GCM, the routing fields as associated data.

The hub stores and hands out envelopes. It sees who sent an operation, its
sequence numbers, clock, schema version, key id and size, which it needs to
route and order them, and nothing else: the payload (the field values) is
encrypted with the clinic's sync key, and because the routing fields are the
associated data, the hub cannot re-date, re-number or re-attribute an
operation without the receiver refusing it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12


def key_id(sync_key: bytes) -> str:
    """A short public name for a sync key (so a rotated key can be told apart)."""
    return hashlib.sha256(b"clinicdesk sync key id|" + sync_key).hexdigest()[:16]


def new_sync_key() -> bytes:
    return os.urandom(KEY_BYTES)


@dataclass(frozen=True)
class Envelope:
    clinic_id: str
    op_id: str
    device_id: str
    device_seq: int
    hlc: int
    schema: int
    key_id: str
    nonce: bytes
    ciphertext: bytes

    def associated_data(self) -> bytes:
        return routing_bytes(
            self.clinic_id,
            self.op_id,
            self.device_id,
            self.device_seq,
            self.hlc,
            self.schema,
            self.key_id,
        )


def routing_bytes(
    clinic_id: str,
    op_id: str,
    device_id: str,
    device_seq: int,
    hlc: int,
    schema: int,
    key: str,
) -> bytes:
    return "|".join(
        ("cdsync1", clinic_id, op_id, device_id, str(device_seq), str(hlc), str(schema), key)
    ).encode("ascii")


def seal(
    sync_key: bytes,
    *,
    clinic_id: str,
    op_id: str,
    device_id: str,
    device_seq: int,
    hlc: int,
    schema: int,
    payload: bytes,
) -> Envelope:
    kid = key_id(sync_key)
    nonce = os.urandom(NONCE_BYTES)
    aad = routing_bytes(clinic_id, op_id, device_id, device_seq, hlc, schema, kid)
    return Envelope(
        clinic_id,
        op_id,
        device_id,
        device_seq,
        hlc,
        schema,
        kid,
        nonce,
        AESGCM(sync_key).encrypt(nonce, payload, aad),
    )


class EnvelopeRefused(Exception):
    """The envelope was altered, or sealed with another key."""


def open_envelope(sync_key: bytes, envelope: Envelope) -> bytes:
    if envelope.key_id != key_id(sync_key):
        raise EnvelopeRefused("sealed with another sync key")
    try:
        return AESGCM(sync_key).decrypt(
            envelope.nonce, envelope.ciphertext, envelope.associated_data()
        )
    except InvalidTag as error:
        raise EnvelopeRefused("altered on the way") from error

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


class Sealer:
    """Seals and opens with one key: the key id and cipher made once, not per operation."""

    def __init__(self, sync_key: bytes) -> None:
        self.key_id = key_id(sync_key)
        self._key = sync_key
        self._made: AESGCM | None = None

    @property
    def _aead(self) -> AESGCM:
        # Made at first use, as before: a key of the wrong size fails there, not here.
        if self._made is None:
            self._made = AESGCM(self._key)
        return self._made

    def seal(
        self,
        *,
        clinic_id: str,
        op_id: str,
        device_id: str,
        device_seq: int,
        hlc: int,
        schema: int,
        payload: bytes,
    ) -> Envelope:
        nonce = os.urandom(NONCE_BYTES)
        aad = routing_bytes(clinic_id, op_id, device_id, device_seq, hlc, schema, self.key_id)
        return Envelope(
            clinic_id,
            op_id,
            device_id,
            device_seq,
            hlc,
            schema,
            self.key_id,
            nonce,
            self._aead.encrypt(nonce, payload, aad),
        )

    def open(self, envelope: Envelope) -> bytes:
        if envelope.key_id != self.key_id:
            raise EnvelopeRefused("sealed with another sync key")
        try:
            return self._aead.decrypt(
                envelope.nonce, envelope.ciphertext, envelope.associated_data()
            )
        except InvalidTag as error:
            raise EnvelopeRefused("altered on the way") from error


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
    return Sealer(sync_key).seal(
        clinic_id=clinic_id,
        op_id=op_id,
        device_id=device_id,
        device_seq=device_seq,
        hlc=hlc,
        schema=schema,
        payload=payload,
    )


class EnvelopeRefused(Exception):
    """The envelope was altered, or sealed with another key."""


def open_envelope(sync_key: bytes, envelope: Envelope) -> bytes:
    return Sealer(sync_key).open(envelope)

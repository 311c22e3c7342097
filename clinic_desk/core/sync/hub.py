"""The PostgreSQL hub: creating its schema, and a workstation's calls to it.

A workstation talks to the hub only through the ``clinicdesk.cd_*`` functions
(see ``hub_schema.sql``); errors come back as sentences people can act on.
Connections to another host must verify the server's certificate: a URL
without ``sslmode=verify-full`` (or ``verify-ca``) gets ``verify-full`` added.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING, Any

from clinic_desk.core.errors import ClinicError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.sync.envelope import Envelope

if TYPE_CHECKING:
    # psycopg is imported where the hub is talked to: importing it costs ~6% of the cold
    # start, and the sign-in window (which imports this module) never needs it.
    import psycopg

WORKSTATION_ROLE = "clinicdesk_workstation"
CONNECT_TIMEOUT_S = 5
LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})
WORKSTATION_FUNCTIONS = (
    "cd_time()",
    "cd_create_clinic(text, text, bytea, text)",
    "cd_register_device(text, text, bytea, text, bytea, text)",
    "cd_revoke_device(text, text, bytea, text)",
    "cd_devices(text, text, bytea)",
    "cd_push(text, text, bytea, integer, text[], bigint[], bigint[], integer[], text[], "
    "bytea[], bytea[])",
    "cd_pull(text, text, bytea, bigint, integer)",
    "cd_pairing_put(text, text, bytea, text, bytea, integer)",
    "cd_pairing_take(text)",
    "cd_snapshot_chunk_put(text, text, bytea, text, bigint, integer, text, bytea, bytea)",
    "cd_snapshot_finish(text, text, bytea, text, integer, integer)",
    "cd_snapshot_latest(text, text, bytea)",
    "cd_snapshot_chunk(text, text, bytea, text, integer)",
)


class HubError(ClinicError):
    """Something about the hub; the subclasses say what."""

    template = QT_TRANSLATE_NOOP("Errors", "The sync hub refused the request: {detail}")


class HubUnreachable(HubError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "The sync hub cannot be reached ({detail}). Work goes on here and is kept; "
        "it is sent when the hub can be reached again. If this lasts, ask whoever "
        "looks after the clinic's network.",
    )


class HubUrlInvalid(HubError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "The hub address is not a PostgreSQL address ({detail}). It looks like "
        "postgresql://user:password@host:5432/database.",
    )


class ClinicAlreadyOnHub(HubError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "This clinic already syncs through this hub. To add this computer, create a "
        "pairing code on a workstation that is already enrolled.",
    )


class DeviceNotEnrolled(HubError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "The hub does not know this workstation (or its credentials changed). "
        "Enrol it again with a pairing code from an enrolled workstation.",
    )


class DeviceRevoked(HubError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "This workstation was removed from the clinic's sync, so the hub refuses its "
        "changes. They are kept here; ask the director to enrol it again.",
    )


class ClientTooOld(HubError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "Another workstation runs a newer ClinicDesk, so the hub refuses changes from "
        "this older one. Update ClinicDesk here; nothing made here is lost meanwhile.",
    )


class SequenceGap(HubError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "The hub is missing some of this workstation's earlier changes ({detail}). "
        "Sync stopped so nothing is applied out of order; tell whoever looks after "
        "ClinicDesk.",
    )


class BeyondHorizon(HubError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "This workstation was away longer than the hub keeps its log of changes. It "
        "needs a full copy from the hub: the director chooses Settings → Sync → "
        "Full resync…; nothing made here is lost.",
    )


_CODES: dict[str, type[HubError]] = {
    "CD001": ClinicAlreadyOnHub,
    "CD002": DeviceNotEnrolled,
    "CD003": DeviceRevoked,
    "CD004": ClientTooOld,
    "CD006": SequenceGap,
    "CD007": BeyondHorizon,
    "CD008": HubError,
}


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__


def _connect_failed(error: psycopg.OperationalError) -> HubError:
    """Why a connection failed: the hub away, or the hub there but refusing this login.

    Once the server has asked for a password it is reachable: the address's
    user name, password or database is wrong, and trying again will not help,
    so that is not "cannot be reached".
    """
    pgconn = getattr(error, "pgconn", None)
    if pgconn is not None and (pgconn.used_password or pgconn.needs_password):
        return HubError(detail=_short(error))
    return HubUnreachable(detail=_short(error))


def checked_url(url: str) -> str:
    """The URL to connect with: a PostgreSQL one, verifying certificates off this host."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    url = (url or "").strip()
    if not url.startswith(("postgresql://", "postgres://")) and "=" not in url:
        raise HubUrlInvalid(detail=url[:80] or "empty")
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError as error:
        raise HubUrlInvalid(detail=_short(error)) from error
    port = str(params.get("port") or "")
    if port and not all(p.strip().isdigit() for p in port.split(",")):
        raise HubUrlInvalid(detail=f"port {port[:20]}")  # else "cannot be reached" forever
    host = str(params.get("host") or "")
    local = all(h in LOCAL_HOSTS or h.startswith("/") for h in host.split(","))
    if not local and params.get("sslmode") not in ("verify-full", "verify-ca"):
        params["sslmode"] = "verify-full"
    params.setdefault("connect_timeout", str(CONNECT_TIMEOUT_S))
    params.setdefault("application_name", "clinicdesk")
    return make_conninfo(**{k: str(v) for k, v in params.items() if v is not None})


def redacted(url: str) -> str:
    """The URL without its password, for logs and the status line."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "?"
    host = params.get("host") or "localhost"
    port = params.get("port") or "5432"
    return f"{params.get('user') or ''}@{host}:{port}/{params.get('dbname') or ''}"


def schema_sql() -> str:
    return resources.files("clinic_desk.core.sync").joinpath("hub_schema.sql").read_text("utf-8")


def init_hub(admin_url: str, *, workstation_login: str | None = None) -> str | None:
    """Create or update the hub schema; with a login name, create that workstation
    role and return its generated password (None otherwise)."""
    from psycopg import sql

    password = None
    with _connect(admin_url) as conn:
        with conn.transaction():
            conn.execute(schema_sql())
            exists = conn.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (WORKSTATION_ROLE,)
            ).fetchone()
            if not exists:
                conn.execute(
                    sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(WORKSTATION_ROLE))
                )
            conn.execute(
                sql.SQL("GRANT USAGE ON SCHEMA clinicdesk TO {}").format(
                    sql.Identifier(WORKSTATION_ROLE)
                )
            )
            for signature in WORKSTATION_FUNCTIONS:
                conn.execute(
                    sql.SQL("GRANT EXECUTE ON FUNCTION clinicdesk.{} TO {}").format(
                        sql.SQL(signature), sql.Identifier(WORKSTATION_ROLE)
                    )
                )
            if workstation_login:
                password = secrets.token_urlsafe(24)
                login = sql.Identifier(workstation_login)
                known = conn.execute(
                    "SELECT 1 FROM pg_roles WHERE rolname = %s", (workstation_login,)
                ).fetchone()
                verb = "ALTER" if known else "CREATE"
                conn.execute(
                    sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(
                        login, sql.Literal(password)
                    )
                )
                conn.execute(
                    sql.SQL("GRANT {} TO {}").format(sql.Identifier(WORKSTATION_ROLE), login)
                )
    return password


@contextmanager
def _connect(url: str) -> Iterator[psycopg.Connection[Any]]:
    import psycopg

    try:
        conn = psycopg.connect(checked_url(url), autocommit=True)
    except psycopg.OperationalError as error:
        raise _connect_failed(error) from error
    try:
        yield conn
    except psycopg.errors.RaiseException as error:
        raise _translate(error) from error
    except psycopg.Error as error:
        if error.sqlstate and error.sqlstate.startswith("CD"):
            raise _translate(error) from error
        if isinstance(error, psycopg.OperationalError):
            raise HubUnreachable(detail=_short(error)) from error
        raise HubError(detail=_short(error)) from error
    finally:
        conn.close()


def _translate(error: psycopg.Error) -> HubError:
    kind = _CODES.get(error.sqlstate or "", HubError)
    return kind(detail=_short(error))


@dataclass(frozen=True)
class Credentials:
    """Who this workstation is on the hub."""

    clinic_id: str
    device_id: str
    token: bytes


@dataclass(frozen=True)
class DeviceInfo:
    device_id: str
    name: str
    enrolled_at: datetime
    revoked_at: datetime | None
    last_seq: int
    pulled_seq: int
    seen_at: datetime | None


@dataclass(frozen=True)
class SnapshotInfo:
    snapshot_id: str
    upto_seq: int
    chunks: int
    trimmed_below: int


class _SnapshotCalls:
    """The snapshot functions of the hub (compaction and full resync)."""

    def snapshot_chunk_put(
        self: Any,
        creds: Credentials,
        snapshot_id: str,
        upto: int,
        chunk: int,
        key_id: str,
        nonce: bytes,
        ciphertext: bytes,
    ) -> None:
        with self._session() as conn:
            conn.execute(
                "SELECT clinicdesk.cd_snapshot_chunk_put(%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    creds.clinic_id,
                    creds.device_id,
                    creds.token,
                    snapshot_id,
                    upto,
                    chunk,
                    key_id,
                    nonce,
                    ciphertext,
                ),
            )

    def snapshot_finish(
        self: Any, creds: Credentials, snapshot_id: str, chunks: int, inactive_days: int
    ) -> int:
        with self._session() as conn:
            row = conn.execute(
                "SELECT clinicdesk.cd_snapshot_finish(%s, %s, %s, %s, %s, %s)",
                (creds.clinic_id, creds.device_id, creds.token, snapshot_id, chunks, inactive_days),
            ).fetchone()
        assert row is not None
        return int(row[0])

    def snapshot_latest(self: Any, creds: Credentials) -> SnapshotInfo | None:
        with self._session() as conn:
            row = conn.execute(
                "SELECT * FROM clinicdesk.cd_snapshot_latest(%s, %s, %s)",
                (creds.clinic_id, creds.device_id, creds.token),
            ).fetchone()
        return SnapshotInfo(row[0], int(row[1]), int(row[2]), int(row[3])) if row else None

    def snapshot_chunk(
        self: Any, creds: Credentials, snapshot_id: str, chunk: int
    ) -> tuple[str, bytes, bytes]:
        with self._session() as conn:
            row = conn.execute(
                "SELECT * FROM clinicdesk.cd_snapshot_chunk(%s, %s, %s, %s, %s)",
                (creds.clinic_id, creds.device_id, creds.token, snapshot_id, chunk),
            ).fetchone()
        if row is None:
            raise HubError(detail=f"part {chunk} of the snapshot is missing")
        return row[0], bytes(row[1]), bytes(row[2])


class HubClient(_SnapshotCalls):
    """One connection to the hub, opened on first use and reopened after a failure."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: psycopg.Connection[Any] | None = None

    @contextmanager
    def _session(self) -> Iterator[psycopg.Connection[Any]]:
        import psycopg

        if self._conn is None or self._conn.closed:
            try:
                self._conn = psycopg.connect(checked_url(self.url), autocommit=True)
            except psycopg.OperationalError as error:
                raise _connect_failed(error) from error
        try:
            yield self._conn
        except psycopg.Error as error:
            if error.sqlstate and error.sqlstate.startswith("CD"):
                raise _translate(error) from error
            self.close()  # the connection may be half-dead: start over next time
            if isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError)):
                raise HubUnreachable(detail=_short(error)) from error
            raise HubError(detail=_short(error)) from error

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def time(self) -> datetime:
        with self._session() as conn:
            row = conn.execute("SELECT clinicdesk.cd_time()").fetchone()
        assert row is not None
        value: datetime = row[0]
        return value

    def create_clinic(self, creds: Credentials, name: str) -> None:
        with self._session() as conn:
            conn.execute(
                "SELECT clinicdesk.cd_create_clinic(%s, %s, %s, %s)",
                (creds.clinic_id, creds.device_id, creds.token, name),
            )

    def register_device(self, creds: Credentials, device_id: str, token: bytes, name: str) -> None:
        with self._session() as conn:
            conn.execute(
                "SELECT clinicdesk.cd_register_device(%s, %s, %s, %s, %s, %s)",
                (creds.clinic_id, creds.device_id, creds.token, device_id, token, name),
            )

    def revoke_device(self, creds: Credentials, device_id: str) -> None:
        with self._session() as conn:
            conn.execute(
                "SELECT clinicdesk.cd_revoke_device(%s, %s, %s, %s)",
                (creds.clinic_id, creds.device_id, creds.token, device_id),
            )

    def devices(self, creds: Credentials) -> list[DeviceInfo]:
        with self._session() as conn:
            rows = conn.execute(
                "SELECT * FROM clinicdesk.cd_devices(%s, %s, %s)",
                (creds.clinic_id, creds.device_id, creds.token),
            ).fetchall()
        return [DeviceInfo(*r) for r in rows]

    def push(
        self, creds: Credentials, client_schema: int, envelopes: Sequence[Envelope]
    ) -> dict[str, int]:
        """Send envelopes (in device order); returns op id -> server sequence."""
        if not envelopes:
            return {}
        with self._session() as conn:
            # Arrays in binary (%b): the text form escapes every byte of every ciphertext.
            rows = conn.execute(
                "SELECT * FROM clinicdesk.cd_push(%s, %s, %s, %s, %b::text[], %b::bigint[], "
                "%b::bigint[], %b::integer[], %b::text[], %b::bytea[], %b::bytea[])",
                (
                    creds.clinic_id,
                    creds.device_id,
                    creds.token,
                    client_schema,
                    [e.op_id for e in envelopes],
                    [e.device_seq for e in envelopes],
                    [e.hlc for e in envelopes],
                    [e.schema for e in envelopes],
                    [e.key_id for e in envelopes],
                    [e.nonce for e in envelopes],
                    [e.ciphertext for e in envelopes],
                ),
            ).fetchall()
        return {r[0]: int(r[1]) for r in rows}

    def pull(self, creds: Credentials, after: int, limit: int) -> list[tuple[int, Envelope]]:
        with self._session() as conn:
            rows = conn.execute(
                "SELECT * FROM clinicdesk.cd_pull(%s, %s, %s, %s, %s)",
                (creds.clinic_id, creds.device_id, creds.token, after, limit),
                binary=True,  # ciphertexts as they are, not hex to parse
            ).fetchall()
        return [
            (
                int(r[0]),
                Envelope(
                    creds.clinic_id,
                    r[1],
                    r[2],
                    int(r[3]),
                    int(r[4]),
                    int(r[5]),
                    r[6],
                    bytes(r[7]),
                    bytes(r[8]),
                ),
            )
            for r in rows
        ]

    def pairing_put(self, creds: Credentials, code_id: str, blob: bytes, minutes: int) -> None:
        with self._session() as conn:
            conn.execute(
                "SELECT clinicdesk.cd_pairing_put(%s, %s, %s, %s, %s, %s)",
                (creds.clinic_id, creds.device_id, creds.token, code_id, blob, minutes),
            )

    def pairing_take(self, code_id: str) -> tuple[str, bytes] | None:
        with self._session() as conn:
            row = conn.execute(
                "SELECT * FROM clinicdesk.cd_pairing_take(%s)", (code_id,)
            ).fetchone()
        return (row[0], bytes(row[1])) if row else None

"""How a message leaves the clinic: a gateway per channel (issue 9; spec A5, E7).

E-mail goes through the clinic's own mail server (``SmtpGateway``, smtplib).
SMS and WeChat leave as a batch file (``export``) unless a plug-in gateway is
installed for the channel: any installed package may offer one under the
entry-point group ``clinic_desk.gateways``; the entry point is a callable that
takes the clinic's settings (a read-only mapping) and returns a ``Gateway``.

A gateway's ``send`` either returns (the message was handed over) or raises
``TemporaryFailure`` (try again later: the server is down, busy, or said 4xx)
or ``PermanentFailure`` (this message can never go: the address is refused
with 5xx or is not an address). ``whole_server`` on a temporary failure says
the failure is the server's, not the message's, so the rest of the run waits.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from importlib.metadata import entry_points
from typing import Any, Protocol, runtime_checkable

from clinic_desk.core.i18n import QT_TRANSLATE_NOOP, Translate, english

log = logging.getLogger(__name__)

MESSAGE_CHANNELS = ("sms", "email", "wechat")
ENTRY_POINT_GROUP = "clinic_desk.gateways"
SECURITY_CHOICES = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class OutgoingMessage:
    """What a gateway gets: one message to one address."""

    id: uuid.UUID
    channel: str
    address: str  # an e-mail address, an E.164 mobile number, or a WeChat id
    subject: str
    body: str
    patient_id: uuid.UUID | None = None
    purpose: str = ""


class DeliveryFailure(Exception):
    """A message did not go; ``reason`` is one sentence for the outbox list.

    A plug-in may pass a plain sentence; ClinicDesk's own failures pass a template
    marked for translation and its values, like ``ClinicError``.
    """

    def __init__(self, template: str, /, **params: Any) -> None:
        self.template = template
        self.params = params
        self.reason = template.format(**params) if params else template
        super().__init__(self.reason)

    def message(self, translate: Translate = english) -> str:
        text = translate("Outbox", self.template)
        return text.format(**self.params) if self.params else text


class TemporaryFailure(DeliveryFailure):
    """Try again later (the message stays queued with the reason)."""

    def __init__(self, template: str, /, *, whole_server: bool = False, **params: Any) -> None:
        super().__init__(template, **params)
        self.whole_server = whole_server


class PermanentFailure(DeliveryFailure):
    """This message can never go as it is (it is marked failed with the reason)."""


@runtime_checkable
class Gateway(Protocol):
    name: str
    channels: frozenset[str]

    def send(self, message: OutgoingMessage) -> None: ...


# -- e-mail -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: str = "starttls"
    user: str = ""
    password: str = ""
    sender: str = ""
    timeout: int = 20
    sender_name: str = ""  # shown in the From line: the clinic's name

    @classmethod
    def from_settings(cls, values: Mapping[str, Any]) -> SmtpSettings:
        user = str(values.get("outbox.smtp_user", "")).strip()
        return cls(
            host=str(values.get("outbox.smtp_host", "")).strip(),
            port=int(values.get("outbox.smtp_port", 587)),
            security=str(values.get("outbox.smtp_security", "starttls")),
            user=user,
            password=str(values.get("outbox.smtp_password", "")),
            # Most mail services send only as the account that signed in.
            sender=str(values.get("outbox.smtp_from", "")).strip() or user,
            timeout=int(values.get("outbox.smtp_timeout_seconds", 20)),
            sender_name=str(values.get("clinic.name", "")).strip(),
        )


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {' '.join(text.split())}"[:300]


def _detail(error: BaseException) -> str:
    return (" ".join(str(error).split()) or type(error).__name__)[:200]


def message_id(outbox_id: uuid.UUID, sender: str) -> str:
    """The same Message-ID every time one outbox message is sent, so mail programs
    recognise a resend as the same e-mail."""
    domain = sender.rpartition("@")[2].strip() or "clinicdesk.invalid"
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        domain = "clinicdesk.invalid"
    return f"<{outbox_id.hex}.outbox@{domain}>"


class SmtpGateway:
    """E-mail through the clinic's mail server; one connection is kept for a run."""

    name = "smtp"
    channels = frozenset({"email"})

    def __init__(self, settings: SmtpSettings, *, context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        # Tests and clinics with their own certificate authority pass their context.
        self.context = context or ssl.create_default_context()
        self._conn: smtplib.SMTP | None = None

    def problem(self) -> DeliveryFailure | None:
        """Why nothing can be sent with these settings, or None."""
        s = self.settings
        if not s.host:
            return TemporaryFailure(
                QT_TRANSLATE_NOOP(
                    "Outbox",
                    "No mail server is set, so e-mail waits. Set the mail server in "
                    "Settings > Messages.",
                ),
                whole_server=True,
            )
        if "@" not in s.sender:
            return TemporaryFailure(
                QT_TRANSLATE_NOOP(
                    "Outbox",
                    "No sender address is set, so e-mail waits. Set 'Send e-mail as' (or the "
                    "mail server user name) in Settings > Messages.",
                ),
                whole_server=True,
            )
        if s.security not in SECURITY_CHOICES:
            return TemporaryFailure(
                QT_TRANSLATE_NOOP(
                    "Outbox", "Choose the mail server security (starttls, ssl or none)."
                ),
                whole_server=True,
            )
        return None

    def build(self, message: OutgoingMessage) -> EmailMessage:
        """The e-mail for ``message``: UTF-8 subject and body, a Message-ID from its id."""
        s = self.settings
        mail = EmailMessage()
        try:
            mail["To"] = Address(addr_spec=message.address)
        except (ValueError, IndexError) as error:
            raise PermanentFailure(
                QT_TRANSLATE_NOOP(
                    "Outbox",
                    "{address} is not an e-mail address ({detail}). Correct it in the "
                    "patient's record.",
                ),
                address=message.address[:200],
                detail=_detail(error),
            ) from None
        mail["From"] = Address(display_name=s.sender_name, addr_spec=s.sender)
        mail["Subject"] = message.subject or s.sender_name
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        mail["Message-ID"] = message_id(message.id, s.sender)
        # An automatic message: out-of-office replies should not answer it (RFC 3834).
        mail["Auto-Submitted"] = "auto-generated"
        # base64 passes every server, 8BITMIME or not, and keeps Chinese compact.
        mail.set_content(message.body, charset="utf-8", cte="base64")
        return mail

    # -- the connection --------------------------------------------------------

    def _unreachable(self, error: BaseException) -> TemporaryFailure:
        s = self.settings
        if isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):
            return TemporaryFailure(
                QT_TRANSLATE_NOOP(
                    "Outbox",
                    "The mail server {host}:{port} did not answer within {seconds} seconds. "
                    "The message stays queued and is tried again later.",
                ),
                whole_server=True,
                host=s.host,
                port=s.port,
                seconds=s.timeout,
            )
        if isinstance(error, ssl.SSLCertVerificationError):
            return TemporaryFailure(
                QT_TRANSLATE_NOOP(
                    "Outbox",
                    "The mail server's certificate could not be verified ({detail}). Check "
                    "the server name in Settings > Messages.",
                ),
                whole_server=True,
                detail=_detail(error),
            )
        if isinstance(error, ssl.SSLError):
            return TemporaryFailure(
                QT_TRANSLATE_NOOP(
                    "Outbox",
                    "A secure connection to the mail server failed ({detail}). Check the "
                    "security setting: usually ssl for port 465 and starttls for port 587.",
                ),
                whole_server=True,
                detail=_detail(error),
            )
        return TemporaryFailure(
            QT_TRANSLATE_NOOP(
                "Outbox",
                "Cannot reach the mail server {host}:{port} ({detail}). Check the server and "
                "port in Settings > Messages and the network; the message is tried again "
                "later.",
            ),
            whole_server=True,
            host=s.host,
            port=s.port,
            detail=_detail(error),
        )

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        conn: smtplib.SMTP
        try:
            if s.security == "ssl":
                conn = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self.context)
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        except smtplib.SMTPConnectError as error:
            raise TemporaryFailure(
                QT_TRANSLATE_NOOP(
                    "Outbox",
                    "The mail server {host} turned the connection away: {reply}. The message "
                    "is tried again later.",
                ),
                whole_server=True,
                host=s.host,
                reply=_reply(error.smtp_code, error.smtp_error),
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            raise self._unreachable(error) from None
        try:
            if s.security == "starttls":
                conn.ehlo()
                if not conn.has_extn("starttls"):
                    raise TemporaryFailure(
                        QT_TRANSLATE_NOOP(
                            "Outbox",
                            "The mail server {host} does not offer STARTTLS. Choose 'ssl' "
                            "(usually port 465) or, only inside the clinic's own network, "
                            "'none' in Settings > Messages.",
                        ),
                        whole_server=True,
                        host=s.host,
                    )
                conn.starttls(context=self.context)
                conn.ehlo()
            if s.user:
                conn.login(s.user, s.password)
        except smtplib.SMTPAuthenticationError as error:
            _quit(conn)
            raise TemporaryFailure(
                QT_TRANSLATE_NOOP(
                    "Outbox",
                    "The mail server did not accept the user name or password ({reply}). "
                    "Check them in Settings > Messages; many mail services want an app "
                    "password (授权码) here.",
                ),
                whole_server=True,
                reply=_reply(error.smtp_code, error.smtp_error),
            ) from None
        except smtplib.SMTPNotSupportedError:
            _quit(conn)
            raise TemporaryFailure(
                QT_TRANSLATE_NOOP(
                    "Outbox",
                    "The mail server does not take a user name and password on this "
                    "connection. Choose 'starttls' or 'ssl', or clear the user name.",
                ),
                whole_server=True,
            ) from None
        except TemporaryFailure:
            _quit(conn)
            raise
        except (OSError, smtplib.SMTPException) as error:
            _quit(conn)
            raise self._unreachable(error) from None
        return conn

    def _connection(self) -> smtplib.SMTP:
        if self._conn is not None:
            try:
                if self._conn.noop()[0] == 250:
                    return self._conn
            except (OSError, smtplib.SMTPException):
                pass
            self.close()
        self._conn = self._connect()
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            _quit(self._conn)
            self._conn = None

    def send(self, message: OutgoingMessage) -> None:
        trouble = self.problem()
        if trouble is not None:
            raise trouble
        mail = self.build(message)
        conn = self._connection()
        address = message.address
        try:
            conn.send_message(mail, from_addr=self.settings.sender, to_addrs=[address])
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()), (550, b""))
            if 500 <= code < 600:
                raise PermanentFailure(
                    QT_TRANSLATE_NOOP(
                        "Outbox",
                        "The mail server refused the address {address}: {reply}. Check the "
                        "address in the patient's record.",
                    ),
                    address=address[:200],
                    reply=_reply(code, reply),
                ) from None
            raise TemporaryFailure(
                QT_TRANSLATE_NOOP(
                    "Outbox",
                    "The mail server did not take the message for {address} for now: "
                    "{reply}. It is tried again later.",
                ),
                address=address[:200],
                reply=_reply(code, reply),
            ) from None
        except smtplib.SMTPSenderRefused as error:
            raise TemporaryFailure(
                QT_TRANSLATE_NOOP(
                    "Outbox",
                    "The mail server refused the sender address {sender}: {reply}. Check "
                    "'Send e-mail as' in Settings > Messages.",
                ),
                whole_server=True,
                sender=self.settings.sender,
                reply=_reply(error.smtp_code, error.smtp_error),
            ) from None
        except smtplib.SMTPDataError as error:
            if 500 <= error.smtp_code < 600:
                raise PermanentFailure(
                    QT_TRANSLATE_NOOP("Outbox", "The mail server refused the message: {reply}."),
                    reply=_reply(error.smtp_code, error.smtp_error),
                ) from None
            raise TemporaryFailure(
                QT_TRANSLATE_NOOP(
                    "Outbox",
                    "The mail server did not take the message for now: {reply}. It is "
                    "tried again later.",
                ),
                reply=_reply(error.smtp_code, error.smtp_error),
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise PermanentFailure(
                QT_TRANSLATE_NOOP(
                    "Outbox",
                    "The mail server cannot take the address {address} (it has characters "
                    "beyond plain letters and digits). Use another address.",
                ),
                address=address[:200],
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise self._unreachable(error) from None


def _quit(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (OSError, smtplib.SMTPException):
        conn.close()


# -- plug-ins ---------------------------------------------------------------------------


def _plugin_problem(name: str, detail: str) -> str:
    return QT_TRANSLATE_NOOP(
        "Outbox",
        "The message gateway plug-in '{name}' could not be used ({detail}). Reinstall or "
        "remove it; until then its channel's messages wait for the batch file.",
    ).format(name=name[:60], detail=detail[:200])


def load_plugins(settings: Mapping[str, Any]) -> tuple[list[Gateway], list[str]]:
    """The installed plug-in gateways and, for each that failed to load, a sentence."""
    found: list[Gateway] = []
    problems: list[str] = []
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            factory = point.load()
            gateway = factory(dict(settings))
        except Exception as error:  # a plug-in is someone else's code: never fatal
            log.exception("gateway plug-in %s failed to load", point.name)
            problems.append(_plugin_problem(point.name, _detail(error)))
            continue
        channels = getattr(gateway, "channels", None)
        if (
            not isinstance(gateway, Gateway)
            or not isinstance(getattr(gateway, "name", None), str)
            or not isinstance(channels, frozenset)
            or not channels
            or not channels <= set(MESSAGE_CHANNELS)
        ):
            problems.append(
                _plugin_problem(point.name, "it is not a gateway for sms, email or wechat")
            )
            continue
        found.append(gateway)
    return found, problems

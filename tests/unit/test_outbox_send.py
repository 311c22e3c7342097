"""Sending the outbox (issue 9; spec A5): e-mail to a real SMTP server started here
(aiosmtpd on 127.0.0.1), its refusals and silences, plug-in gateways, and the rule
that nothing is sent twice."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from clinic_desk.core.errors import PermissionDenied, ValidationError
from clinic_desk.core.outbox.gateways import (
    OutgoingMessage,
    PermanentFailure,
    SmtpGateway,
    SmtpSettings,
    TemporaryFailure,
    load_plugins,
    message_id,
)
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import audit_log, outbox, patients, staff
from clinic_desk.core.services import settings as settings_service
from clinic_desk.core.services.base import Actor
from clinic_desk.core.store.models import OutboxMessage, Patient
from tests.conftest import ClinicFixture

SENDER = "desk@renhe.example"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Recorder:
    """An SMTP handler that keeps what arrives and refuses addresses on demand."""

    refuse: dict[str, str] = field(default_factory=dict)
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self.refuse.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.append(
                (envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content))
            )
        return "250 Message accepted for delivery"

    def mails(self) -> list[EmailMessage]:
        with self.lock:
            return [
                email.message_from_bytes(raw, policy=email.policy.default)
                for _f, _t, raw in self.received
            ]


@dataclass
class Server:
    handler: Recorder
    port: int
    controller: Controller


def _start(handler: Recorder, **kwargs: Any) -> Server:
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return Server(handler, port, controller)


@pytest.fixture
def smtp() -> Iterator[Server]:
    server = _start(Recorder())
    yield server
    server.controller.stop()


def _configure(cf: ClinicFixture, port: int, **more: object) -> None:
    values: dict[str, object] = {
        "outbox.smtp_host": "127.0.0.1",
        "outbox.smtp_port": port,
        "outbox.smtp_security": "none",
        "outbox.smtp_from": SENDER,
        "clinic.phone": "0571-88886666",
    }
    values.update(more)
    settings_service.update_settings(cf.clinic, cf.director, values)


def _patient(cf: ClinicFixture, mail: str, given: str = "秀英") -> uuid.UUID:
    return patients.register_patient(
        cf.clinic,
        cf.director,
        not_duplicate=True,
        family_name="张",
        given_name=given,
        sex="F",
        email=mail,
        contact_channels=("email",),
    ).value.id


def _queue(cf: ClinicFixture, pid: uuid.UUID) -> uuid.UUID:
    return outbox.queue_message(
        cf.clinic, cf.director, pid, template_code="followup_advice"
    ).value.id


def _message(cf: ClinicFixture, mid: uuid.UUID) -> outbox.MessageView:
    return next(m for m in outbox.list_messages(cf.clinic, cf.director) if m.id == mid)


# -- e-mail arrives ---------------------------------------------------------------------


def test_email_arrives_with_utf8_subject_body_and_a_stable_message_id(
    cf: ClinicFixture, smtp: Server
) -> None:
    _configure(cf, smtp.port)
    pid = _patient(cf, "xiuying@example.com")
    mid = _queue(cf, pid)
    report = outbox.send_due(cf.clinic, cf.director)
    assert (report.sent, report.failed, report.deferred, report.errors) == (1, 0, 0, ())
    [(mail_from, rcpt, _raw)] = smtp.handler.received
    assert (mail_from, rcpt) == (SENDER, ["xiuying@example.com"])
    [mail] = smtp.handler.mails()
    assert mail["Subject"] == "仁和诊所：就诊后关怀"
    assert mail["To"] == "xiuying@example.com"
    assert mail["From"].addresses[0].display_name == "仁和诊所"
    assert mail["Message-ID"] == f"<{mid.hex}.outbox@renhe.example>"
    body = mail.get_content()
    assert body.startswith("张女士，您好！") and body.rstrip().endswith("【仁和诊所】")
    assert "0571-88886666" in body
    view = _message(cf, mid)
    assert (view.state, view.attempts, view.gateway, view.last_error) == ("sent", 1, "smtp", "")
    assert view.sent_at == cf.clock.now
    actions = [r.action for r in audit_log.audit_report(cf.clinic, cf.director, patient_id=pid)]
    assert actions[0] == "outbox.sent"


def test_emoji_subject_and_body_arrive_intact(cf: ClinicFixture, smtp: Server) -> None:
    _configure(cf, smtp.port)
    outbox.save_template(
        cf.clinic,
        cf.director,
        "followup_advice",
        name="",
        subject="🌸{clinic}",
        body="{honorific}，您好！祝您新年快乐 🧧\n第二行。【{clinic}】",
    )
    _queue(cf, _patient(cf, "xiuying@example.com"))
    assert outbox.send_due(cf.clinic, cf.director).sent == 1
    [mail] = smtp.handler.mails()
    assert mail["Subject"] == "🌸仁和诊所"
    assert mail.get_content() == "张女士，您好！祝您新年快乐 🧧\n第二行。【仁和诊所】\n"


def test_sending_twice_sends_once(cf: ClinicFixture, smtp: Server) -> None:
    _configure(cf, smtp.port)
    for n, given in enumerate(("一", "二", "三")):
        _queue(cf, _patient(cf, f"p{n}@example.com", given))
    assert outbox.send_due(cf.clinic, cf.director).sent == 3
    again = outbox.send_due(cf.clinic, cf.director)
    assert (again.sent, again.failed, again.deferred) == (0, 0, 0)
    assert sorted(t[0] for _f, t, _r in smtp.handler.received) == [
        "p0@example.com",
        "p1@example.com",
        "p2@example.com",
    ]


def test_a_message_left_sending_is_not_sent_again_by_itself(
    cf: ClinicFixture, smtp: Server
) -> None:
    _configure(cf, smtp.port)
    mid = _queue(cf, _patient(cf, "xiuying@example.com"))
    # The program stopped after claiming it: it may or may not have gone out.
    with cf.clinic.store.unit_of_work(write=True) as uow:
        row = uow.session.get(OutboxMessage, mid)
        assert row is not None
        row.state, row.attempts = "sending", 1
        uow.commit()
    cf.clock.advance(days=1)
    assert outbox.send_due(cf.clinic, cf.director).sent == 0
    assert smtp.handler.received == []
    with pytest.raises(ValidationError) as caught:
        outbox.retry_message(cf.clinic, cf.director, mid)
    assert "may already have reached" in caught.value.message()
    outbox.retry_message(cf.clinic, cf.director, mid, confirm=True)
    assert outbox.send_due(cf.clinic, cf.director).sent == 1
    assert len(smtp.handler.received) == 1


def test_a_message_left_sending_can_be_marked_arrived_and_is_never_resent(
    cf: ClinicFixture, smtp: Server
) -> None:
    _configure(cf, smtp.port)
    mid = _queue(cf, _patient(cf, "arrived@example.com"))
    with pytest.raises(ValidationError) as caught:
        outbox.mark_arrived(cf.clinic, cf.director, mid)  # still queued: nothing to settle
    assert "result is unknown" in caught.value.message()
    with cf.clinic.store.unit_of_work(write=True) as uow:
        row = uow.session.get(OutboxMessage, mid)
        assert row is not None
        row.state, row.attempts = "sending", 1
        uow.commit()
    view = outbox.mark_arrived(cf.clinic, cf.director, mid).value
    assert view.state == "sent" and view.sent_at == cf.clock()
    cf.clock.advance(days=1)
    assert outbox.send_due(cf.clinic, cf.director).sent == 0
    assert smtp.handler.received == []
    with pytest.raises(ValidationError):
        outbox.mark_arrived(cf.clinic, cf.director, mid)  # already sent


class Peeking:
    """A gateway that looks at the database, through its own connection, while it sends."""

    name = "peek"
    channels = frozenset({"email"})

    def __init__(self, cf: ClinicFixture) -> None:
        self.cf = cf
        self.seen: list[tuple[str, int]] = []

    def send(self, message: OutgoingMessage) -> None:
        with self.cf.clinic.store.unit_of_work(write=False) as uow:
            row = uow.session.get(OutboxMessage, message.id)
            assert row is not None
            self.seen.append((row.state, row.attempts))


def test_the_claim_is_committed_before_the_message_leaves(cf: ClinicFixture) -> None:
    settings_service.update_settings(cf.clinic, cf.director, {"clinic.phone": "0571-88886666"})
    mid = _queue(cf, _patient(cf, "li@example.com"))
    peek = Peeking(cf)
    assert outbox.send_due(cf.clinic, cf.director, gateway=peek).sent == 1
    # Had the program died inside send(), the row would already say "sending".
    assert peek.seen == [("sending", 1)]
    assert _message(cf, mid).gateway == "peek"


# -- refusals ---------------------------------------------------------------------------


def test_550_refused_address_fails_with_the_servers_reason(cf: ClinicFixture, smtp: Server) -> None:
    _configure(cf, smtp.port)
    smtp.handler.refuse["nobody@example.com"] = "550 5.1.1 <nobody@example.com>: mailbox unknown"
    bad = _queue(cf, _patient(cf, "nobody@example.com"))
    good = _queue(cf, _patient(cf, "li@example.com", "丽"))
    report = outbox.send_due(cf.clinic, cf.director)
    assert (report.sent, report.failed) == (1, 1)
    view = _message(cf, bad)
    assert view.state == "failed"
    assert "nobody@example.com" in view.last_error and "550 5.1.1" in view.last_error
    assert "mailbox unknown" in view.last_error
    assert _message(cf, good).state == "sent"  # the connection stays usable after a 550
    assert (
        outbox.send_due(cf.clinic, cf.director, now=cf.clock.now + dt.timedelta(days=1)).sent == 0
    )


def test_451_stays_queued_then_goes_once(cf: ClinicFixture, smtp: Server) -> None:
    _configure(cf, smtp.port)
    smtp.handler.refuse["li@example.com"] = "451 4.7.1 Greylisted, try again later"
    mid = _queue(cf, _patient(cf, "li@example.com"))
    first = outbox.send_due(cf.clinic, cf.director)
    assert (first.sent, first.failed, first.deferred) == (0, 0, 1)
    view = _message(cf, mid)
    assert view.state == "queued" and view.attempts == 1
    assert "451 4.7.1" in view.last_error and "tried again later" in view.last_error
    assert view.next_try_at == cf.clock.now + dt.timedelta(minutes=30)
    smtp.handler.refuse.clear()
    # Not before its next try...
    assert outbox.send_due(cf.clinic, cf.director).sent == 0
    cf.clock.advance(minutes=31)
    assert outbox.send_due(cf.clinic, cf.director).sent == 1
    assert outbox.send_due(cf.clinic, cf.director).sent == 0
    assert len(smtp.handler.received) == 1
    [mail] = smtp.handler.mails()
    assert mail["Message-ID"] == message_id(mid, SENDER)  # a resend is recognisable
    view = _message(cf, mid)
    assert (view.state, view.attempts, view.last_error) == ("sent", 2, "")


def test_temporary_failures_give_up_after_the_set_tries(cf: ClinicFixture, smtp: Server) -> None:
    _configure(cf, smtp.port, **{"outbox.max_attempts": 2, "outbox.retry_minutes": 5})
    smtp.handler.refuse["li@example.com"] = "452 4.2.2 Mailbox full"
    mid = _queue(cf, _patient(cf, "li@example.com"))
    assert outbox.send_due(cf.clinic, cf.director).deferred == 1
    cf.clock.advance(minutes=6)
    report = outbox.send_due(cf.clinic, cf.director)
    assert (report.failed, report.deferred) == (1, 0)
    view = _message(cf, mid)
    assert view.state == "failed" and "452 4.2.2" in view.last_error and view.attempts == 2
    outbox.retry_message(cf.clinic, cf.director, mid)  # a person decides to try again
    smtp.handler.refuse.clear()
    assert outbox.send_due(cf.clinic, cf.director).sent == 1


# -- a server that cannot be used -------------------------------------------------------


def test_server_that_never_speaks_times_out_and_the_message_waits(cf: ClinicFixture) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes the handshake; nobody ever answers
    try:
        _configure(cf, silent.getsockname()[1], **{"outbox.smtp_timeout_seconds": 3})
        first = _queue(cf, _patient(cf, "li@example.com"))
        second = _queue(cf, _patient(cf, "wang@example.com", "芳"))
        started = time.monotonic()
        report = outbox.send_due(cf.clinic, cf.director)
        took = time.monotonic() - started
    finally:
        silent.close()
    assert 2.5 < took < 10  # one wait: the second message did not wait again
    assert (report.sent, report.failed, report.deferred) == (0, 0, 2)
    assert any("did not answer within 3 seconds" in e for e in report.errors)
    view = _message(cf, first)
    assert view.state == "queued" and "did not answer within 3 seconds" in view.last_error
    assert view.next_try_at is not None
    untouched = _message(cf, second)
    assert (untouched.state, untouched.attempts) == ("queued", 0)


def test_closed_port_says_cannot_reach_the_mail_server(cf: ClinicFixture) -> None:
    _configure(cf, _free_port(), **{"outbox.max_attempts": 1})
    mid = _queue(cf, _patient(cf, "li@example.com"))
    report = outbox.send_due(cf.clinic, cf.director)
    assert report.deferred == 1 and report.sent == 0
    view = _message(cf, mid)
    assert view.state == "queued"
    assert view.last_error.lower().startswith("cannot reach the mail server 127.0.0.1")
    assert report.errors == (view.last_error,)
    # A server that is down uses up none of the message's tries: it never fails for that.
    for _hour in range(3):
        cf.clock.advance(hours=1)
        outbox.send_due(cf.clinic, cf.director)
    view = _message(cf, mid)
    assert (view.state, view.attempts) == ("queued", 0)


def test_no_mail_server_set_keeps_email_waiting_without_using_a_try(cf: ClinicFixture) -> None:
    settings_service.update_settings(cf.clinic, cf.director, {"clinic.phone": "0571-88886666"})
    mid = _queue(cf, _patient(cf, "li@example.com"))
    report = outbox.send_due(cf.clinic, cf.director)
    assert report.deferred == 1 and "No mail server is set" in report.errors[0]
    assert _message(cf, mid).attempts == 0


def test_login_and_a_wrong_password(cf: ClinicFixture) -> None:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            b"desk",
            b"right-pass",
        )
        return AuthResult(success=ok, handled=False)

    server = _start(Recorder(), authenticator=check, auth_require_tls=False)
    try:
        _configure(
            cf, server.port, **{"outbox.smtp_user": "desk", "outbox.smtp_password": "wrong-pass"}
        )
        mid = _queue(cf, _patient(cf, "li@example.com"))
        report = outbox.send_due(cf.clinic, cf.director)
        assert report.deferred == 1
        assert "did not accept the user name or password" in _message(cf, mid).last_error
        settings_service.update_settings(
            cf.clinic, cf.director, {"outbox.smtp_password": "right-pass"}
        )
        cf.clock.advance(hours=1)
        assert outbox.send_due(cf.clinic, cf.director).sent == 1
        assert len(server.handler.received) == 1
    finally:
        server.controller.stop()


# -- TLS with a certificate made here ---------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def _gateway(port: int, security: str, cafile: Path | None) -> SmtpGateway:
    settings = SmtpSettings(
        host="127.0.0.1",
        port=port,
        security=security,
        sender=SENDER,
        timeout=5,
        sender_name="仁和诊所",
    )
    context = ssl.create_default_context(cafile=str(cafile)) if cafile else None
    return SmtpGateway(settings, context=context)


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_with_a_trusted_certificate(
    cf: ClinicFixture, certificate: tuple[Path, Path], security: str
) -> None:
    tls = (
        {"ssl_context": _server_context(certificate)}
        if security == "ssl"
        else {"tls_context": _server_context(certificate), "require_starttls": True}
    )
    server = _start(Recorder(), **tls)
    try:
        _configure(cf, server.port, **{"outbox.smtp_security": security})
        mid = _queue(cf, _patient(cf, "li@example.com"))
        # The system's authorities do not know this certificate: refused, waiting.
        untrusted = outbox.send_due(cf.clinic, cf.director)
        assert untrusted.deferred == 1
        assert "certificate could not be verified" in _message(cf, mid).last_error
        cf.clock.advance(hours=1)
        report = outbox.send_due(
            cf.clinic, cf.director, gateway=_gateway(server.port, security, certificate[0])
        )
        assert report.sent == 1
        [mail] = server.handler.mails()
        assert mail["Subject"] == "仁和诊所：就诊后关怀"
    finally:
        server.controller.stop()


def test_starttls_chosen_but_not_offered(cf: ClinicFixture, smtp: Server) -> None:
    _configure(cf, smtp.port, **{"outbox.smtp_security": "starttls"})
    mid = _queue(cf, _patient(cf, "li@example.com"))
    assert outbox.send_due(cf.clinic, cf.director).deferred == 1
    assert "does not offer STARTTLS" in _message(cf, mid).last_error
    assert smtp.handler.received == []


def test_gateway_refuses_a_non_address_for_good() -> None:
    gateway = _gateway(1, "none", None)
    with pytest.raises(PermanentFailure) as caught:
        gateway.build(OutgoingMessage(uuid.uuid4(), "email", "not an address", "s", "b"))
    assert "is not an e-mail address" in str(caught.value)


# -- when and who -----------------------------------------------------------------------


def test_outside_sending_hours_nothing_goes(cf: ClinicFixture, smtp: Server) -> None:
    _configure(cf, smtp.port)
    _queue(cf, _patient(cf, "li@example.com"))
    late = dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.UTC)  # 22:00 in Shanghai
    report = outbox.send_due(cf.clinic, cf.director, now=late)
    assert (report.sent, report.deferred) == (0, 1)
    assert smtp.handler.received == []
    next_morning = dt.datetime(2026, 11, 24, 0, 30, tzinfo=dt.UTC)  # 08:30
    assert outbox.send_due(cf.clinic, cf.director, now=next_morning).sent == 1


def test_not_before_is_respected(cf: ClinicFixture, smtp: Server) -> None:
    _configure(cf, smtp.port)
    pid = _patient(cf, "li@example.com")
    week = cf.clock.now + dt.timedelta(days=7)
    outbox.queue_message(
        cf.clinic, cf.director, pid, template_code="followup_advice", not_before=week
    )
    assert outbox.send_due(cf.clinic, cf.director).sent == 0
    assert outbox.send_due(cf.clinic, cf.director, now=week).sent == 1


def test_who_may_send(cf: ClinicFixture, smtp: Server) -> None:
    _configure(cf, smtp.port)
    _queue(cf, _patient(cf, "li@example.com"))
    staff.add_staff(
        cf.clinic,
        cf.director,
        login="kefu1",
        display_name="客服",
        role=Role.CUSTOMER_SERVICE,
        password="some-pass-123",
    )
    service = staff.sign_in(cf.clinic, "kefu1", "some-pass-123")
    with pytest.raises(PermissionDenied):
        outbox.send_due(cf.clinic, service)
    assert outbox.send_due(cf.clinic, Actor.system("outbox")).sent == 1


def test_with_sync_on_only_the_chosen_workstation_sends(cf: ClinicFixture, smtp: Server) -> None:
    from clinic_desk.core.sync import engine as sync_engine

    _configure(cf, smtp.port)
    _queue(cf, _patient(cf, "li@example.com"))
    with cf.clinic.store.unit_of_work(write=True) as uow:
        uow.set_meta(sync_engine.META_NODE, "abcd1234abcd1234")
        uow.set_meta(sync_engine.META_NAME, "前台")
        uow.commit()
    with pytest.raises(ValidationError) as caught:
        outbox.send_due(cf.clinic, cf.director)
    assert "Choose the one that sends" in caught.value.message()
    settings_service.update_settings(
        cf.clinic, cf.director, {"outbox.sending_workstation": "诊室2"}
    )
    with pytest.raises(ValidationError) as caught:
        outbox.send_due(cf.clinic, cf.director)
    assert "'诊室2', not this one" in caught.value.message()
    settings_service.update_settings(cf.clinic, cf.director, {"outbox.sending_workstation": "前台"})
    assert outbox.send_due(cf.clinic, cf.director).sent == 1


def test_patient_who_opts_out_after_queueing(cf: ClinicFixture, smtp: Server) -> None:
    _configure(cf, smtp.port)
    pid = _patient(cf, "li@example.com")
    mid = _queue(cf, pid)
    with cf.clinic.store.unit_of_work(write=True) as uow:
        row = uow.session.get(Patient, pid)
        assert row is not None
        row.opt_out_messages = True
        assert outbox.cancel_for_patient_in(cf.clinic, uow, pid, reason="opted_out") == 1
        uow.commit()
    assert outbox.send_due(cf.clinic, cf.director).sent == 0
    assert _message(cf, mid).state == "cancelled"
    assert smtp.handler.received == []


# -- plug-in gateways -------------------------------------------------------------------


PLUGIN = textwrap.dedent(
    '''
    import json
    from pathlib import Path

    from clinic_desk.core.outbox.gateways import PermanentFailure, TemporaryFailure


    class FolderGateway:
        """Writes each SMS to a folder, as a gateway that hands messages to a modem might."""

        name = "folder-sms"
        channels = frozenset({"sms"})

        def __init__(self, settings):
            self.folder = Path(settings["__folder__"]) if "__folder__" in settings else None

        def send(self, message):
            if message.address.endswith("0000"):
                raise PermanentFailure("the operator refused this number")
            if message.address.endswith("1111"):
                raise TemporaryFailure("the modem is busy")
            if message.address.endswith("2222"):
                raise RuntimeError("driver crashed")
            out = Path(__file__).with_name("sent")
            out.mkdir(exist_ok=True)
            (out / (message.id.hex + ".json")).write_text(
                json.dumps({"to": message.address, "text": message.body}, ensure_ascii=False),
                encoding="utf-8",
            )


    def make(settings):
        return FolderGateway(settings)


    def broken(settings):
        raise OSError("the modem is not plugged in")
    '''
)


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed distribution (a real .dist-info with entry points) on sys.path."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "cd_folder_gateway.py").write_text(PLUGIN, encoding="utf-8")
    info = root / "cd_folder_gateway-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: cd-folder-gateway\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[clinic_desk.gateways]\nfolder = cd_folder_gateway:make\n"
        "broken = cd_folder_gateway:broken\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(root))
    return root


def _sms_patient(cf: ClinicFixture, phone: str, given: str) -> uuid.UUID:
    return patients.register_patient(
        cf.clinic,
        cf.director,
        not_duplicate=True,
        family_name="李",
        given_name=given,
        sex="M",
        phone=phone,
    ).value.id


def test_plugin_gateway_takes_its_channel(cf: ClinicFixture, plugin: Path) -> None:
    settings_service.update_settings(cf.clinic, cf.director, {"clinic.phone": "0571-88886666"})
    found, problems = load_plugins({})
    assert [g.name for g in found] == ["folder-sms"]
    assert len(problems) == 1 and "'broken'" in problems[0] and "not plugged in" in problems[0]
    ok = _queue(cf, _sms_patient(cf, "13812345678", "雷"))
    refused = _queue(cf, _sms_patient(cf, "13812340000", "明"))
    busy = _queue(cf, _sms_patient(cf, "13812341111", "亮"))
    crash = _queue(cf, _sms_patient(cf, "13812342222", "强"))
    report = outbox.send_due(cf.clinic, cf.director)
    assert (report.sent, report.failed, report.deferred) == (1, 1, 1)
    assert any("not plugged in" in e for e in report.errors)
    assert any("not known whether the message went" in e for e in report.errors)
    sent = list((plugin / "sent").iterdir())
    assert [p.stem for p in sent] == [ok.hex]
    assert _message(cf, ok).gateway == "folder-sms"
    assert _message(cf, refused).last_error == "the operator refused this number"
    assert _message(cf, busy).state == "queued"
    # A gateway that crashed: whether it went is unknown, so a person looks.
    assert _message(cf, crash).state == "sending"
    with pytest.raises(ValidationError) as caught:
        outbox.export_batch(cf.clinic, cf.director, "sms", plugin)
    assert "folder-sms" in caught.value.message()


def test_gateway_protocol_failures_carry_a_sentence() -> None:
    failure = TemporaryFailure("Server {host} is busy.", host="smtp.example.com", whole_server=True)
    assert failure.reason == "Server smtp.example.com is busy." and failure.whole_server
    assert TemporaryFailure("{not a template}").reason == "{not a template}"


def test_a_delivery_failure_is_kept_as_a_sentence_each_language_can_show() -> None:
    """last_error keeps the template and the server's words apart (a Chinese desk shows
    its own sentence around the server's English reply)."""
    stored = outbox._stored_reason("The mail server refused it: {reply}", {"reply": "550 no"})
    assert outbox.read_reason(stored) == (
        "The mail server refused it: {reply}",
        {"reply": "550 no"},
    )
    assert outbox.reason_text(stored) == "The mail server refused it: 550 no"
    zh = outbox.reason_text(
        stored, lambda _c, t: t.replace("The mail server refused it", "邮件服务器拒收")
    )
    assert zh == "邮件服务器拒收: 550 no"
    huge = outbox._stored_reason("{a} {b} {c}", {"a": "x" * 400, "b": "y" * 400, "c": "z"})
    assert len(huge) <= 500 and outbox.read_reason(huge)[0] == "{a} {b} {c}"
    assert outbox.reason_text("rebooked by phone") == "rebooked by phone"  # a person's words

"""The Messages tab (the outbox, issue 9; spec A5, E7) through the UI, against a real
encrypted clinic and a real SMTP server (aiosmtpd on 127.0.0.1, started here).

Queue a message → it is listed → the SMS batch is exported as a CSV that opens in a
spreadsheet → e-mails are sent and arrive → a refused address shows as failed with
the server's reason → a message whose result is unknown is flagged and is sent again
only when someone confirms. The fake clock is Monday 2026-11-23 10:00 Asia/Shanghai.
"""

from __future__ import annotations

import csv
import email
import email.policy
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from clinic_desk.core.errors import PermissionDenied
from clinic_desk.core.outbox.gateways import OutgoingMessage
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import outbox, patients, staff
from clinic_desk.core.services import settings as settings_service
from clinic_desk.core.services.base import Actor, Topic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.followups import sender as sender_module
from clinic_desk.ui.followups.outbox import (
    COL_ADDRESS,
    COL_CHANNEL,
    COL_ERROR,
    COL_PATIENT,
    COL_STATE,
    OutboxPanel,
    QueueMessageDialog,
)
from clinic_desk.ui.followups.sender import OutboxSender
from clinic_desk.ui.patients import common as patients_common
from clinic_desk.ui.patients.common import combo_index
from tests.conftest import ClinicFixture

WAIT = 10_000
SENDER = "desk@renhe.example"


# -- a real SMTP server ---------------------------------------------------------------------


@dataclass
class Recorder:
    """Keeps what arrives; refuses the addresses in ``refuse`` with the reply given."""

    refuse: dict[str, str] = field(default_factory=dict)
    received: list[tuple[list[str], bytes]] = field(default_factory=list)
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
            self.received.append((list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 Message accepted for delivery"

    def mails(self) -> list[tuple[list[str], EmailMessage]]:
        with self.lock:
            return [
                (to, email.message_from_bytes(raw, policy=email.policy.default))  # type: ignore[misc]
                for to, raw in self.received
            ]


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    handler = Recorder()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def use_mail_server(cf: ClinicFixture, port: int) -> None:
    settings_service.update_settings(
        cf.clinic,
        cf.director,
        {
            "outbox.smtp_host": "127.0.0.1",
            "outbox.smtp_port": port,
            "outbox.smtp_security": "none",
            "outbox.smtp_from": SENDER,
        },
    )


# -- the clinic -----------------------------------------------------------------------------


@pytest.fixture
def people(ui_clinic: ClinicFixture) -> dict[str, uuid.UUID]:
    """Patients reached by SMS, by e-mail, at an address the server refuses, and not at all."""
    cf = ui_clinic
    settings_service.update_settings(cf.clinic, cf.director, {"clinic.phone": "0571-8888 6666"})

    def add(family: str, given: str, sex: str, **fields: Any) -> uuid.UUID:
        return patients.register_patient(
            cf.clinic, cf.director, family_name=family, given_name=given, sex=sex, **fields
        ).value.id

    return {
        "sms": add("张", "丽", "F", phone="13812340001", contact_channels=("sms",)),
        "email": add("王", "强", "M", email="wang.qiang@example.com", contact_channels=("email",)),
        "refused": add("李", "娜", "F", email="nobody@example.com", contact_channels=("email",)),
        "none": add("赵", "六", "M"),
    }


def staff_member(cf: ClinicFixture, login: str, name: str, role: Role) -> Actor:
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=name, role=role, password="some-pass-123"
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


def settle(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        qtbot.waitUntil(lambda: not ctx.runner._running, timeout=WAIT)
        qtbot.wait(20)


def make_panel(qtbot, ctx: AppContext, actor: Actor) -> OutboxPanel:  # type: ignore[no-untyped-def]
    ctx.set_actor(actor)
    panel = OutboxPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1280, 800)
    panel.show()
    qtbot.waitUntil(lambda: panel.loads >= 1, timeout=WAIT)
    return panel


def show(qtbot, panel: OutboxPanel, state: str) -> None:  # type: ignore[no-untyped-def]
    before = panel.loads
    qtbot.mouseClick(panel.state_buttons[state], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.loads > before and panel.state == state, timeout=WAIT)


def cells(panel: OutboxPanel, column: int) -> list[str]:
    return [panel.table.item(r, column).text() for r in range(panel.table.rowCount())]


def queue(cf: ClinicFixture, patient_id: uuid.UUID, code: str = "followup_advice") -> uuid.UUID:
    return outbox.queue_message(cf.clinic, cf.director, patient_id, template_code=code).value.id


# -- queue, list, export --------------------------------------------------------------------


def test_queue_in_the_dialog_list_and_export_the_sms_batch(
    qtbot, ui_clinic, ctx, people, tmp_path: Path
) -> None:
    panel = make_panel(qtbot, ctx, ui_clinic.director)
    assert panel.state_buttons["queued"].text() == "Queued (0)"
    dialog = panel.queue_message()
    assert isinstance(dialog, QueueMessageDialog)
    qtbot.waitUntil(lambda: dialog.template.count() == 5, timeout=WAIT)
    # Find the patient by phone digits, Enter picks the first hit.
    QTest.keyClicks(dialog.search.line, "13812340001")
    QTest.keyClick(dialog.search.line, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.patient_id == people["sms"], timeout=WAIT)
    dialog.template.setCurrentIndex(combo_index(dialog.template, "followup_advice"))
    qtbot.waitUntil(lambda: dialog.preview.toPlainText().startswith("张女士"), timeout=WAIT)
    assert "0571-8888 6666" in dialog.preview.toPlainText()
    assert not dialog.when.isVisible()  # no appointment in this message
    read = dialog.preview.toPlainText()
    assert dialog.length.text().startswith(f"{len(read)} characters: ")
    qtbot.mouseClick(dialog.queue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=WAIT)
    assert panel.state_buttons["queued"].text() == "Queued (1)"
    assert cells(panel, COL_PATIENT) == ["张丽"]
    assert cells(panel, COL_CHANNEL) == ["SMS"]
    assert cells(panel, COL_ADDRESS) == ["138 1234 0001"]
    assert cells(panel, COL_STATE) == ["Queued"]
    panel.table.selectRow(0)
    assert "张女士，您好！" in panel.details.toPlainText()

    target = tmp_path / "批次 sms.csv"
    panel.ask_export_path = lambda channel: target  # type: ignore[method-assign]
    qtbot.mouseClick(panel.export_sms_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.last_export is not None, timeout=WAIT)
    assert panel.message.text().startswith(f"1 SMS message(s) saved to {target}.")
    assert "opens in Excel or WPS" in panel.message.text()
    # UTF-8 with a byte-order mark (Excel and WPS show Chinese), a header, then the rows.
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    with target.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["phone", "content"]
    assert len(rows) == 2 and rows[1][0] == "13812340001"
    assert rows[1][1].startswith("张女士，您好！") and rows[1][1].endswith("【仁和诊所】")

    qtbot.waitUntil(lambda: panel.state_buttons["exported"].text() == "Exported (1)", timeout=WAIT)
    assert panel.table.rowCount() == 0  # the queued list is empty now
    assert panel.list_note.text() == "No messages in this list."
    assert panel.message.text().startswith("1 SMS message(s) saved")  # still says what happened
    show(qtbot, panel, "exported")
    assert cells(panel, COL_STATE) == ["Exported"]
    # Exported once only: the next batch has nothing, and writes no file.
    again = tmp_path / "again.csv"
    panel.export_to("sms", again)
    qtbot.waitUntil(
        lambda: panel.last_export is not None and panel.last_export.count == 0, timeout=WAIT
    )
    assert panel.message.text() == (
        "No SMS messages are waiting to be exported; no file was written."
    )
    assert not again.exists()


def test_export_to_a_missing_folder_marks_nothing(qtbot, ui_clinic, ctx, people, tmp_path) -> None:
    queue(ui_clinic, people["sms"])
    panel = make_panel(qtbot, ctx, ui_clinic.director)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=WAIT)
    panel.export_to("sms", tmp_path / "no such folder" / "sms.csv")
    qtbot.waitUntil(lambda: panel.message.is_error, timeout=WAIT)
    assert "does not exist" in panel.message.text()
    counts = outbox.counts(ui_clinic.clinic, ui_clinic.director)
    assert (counts["queued"], counts["exported"]) == (1, 0)


def test_a_patient_without_phone_or_email_gets_a_sentence(qtbot, ui_clinic, ctx, people) -> None:
    ctx.set_actor(ui_clinic.director)
    dialog = QueueMessageDialog(ctx, patient_id=people["none"], patient_name="赵六")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.template.count() == 5, timeout=WAIT)
    dialog.save()
    qtbot.waitUntil(lambda: dialog.message.is_error, timeout=WAIT)
    assert dialog.message.text().startswith("This patient has no mainland mobile number")
    assert dialog.isVisible() and dialog.written is None


def test_an_appointment_message_asks_for_the_time(qtbot, ui_clinic, ctx, people) -> None:
    ctx.set_actor(ui_clinic.director)
    dialog = QueueMessageDialog(ctx, patient_id=people["email"], patient_name="王强")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.template.count() == 5, timeout=WAIT)
    dialog.template.setCurrentIndex(combo_index(dialog.template, "reminder_week"))
    assert dialog.when.isVisible() and dialog.doctor.isVisible()
    # Tomorrow 09:00 by default: Tuesday 24 November.
    qtbot.waitUntil(
        lambda: "11月24日（星期二）上午9:00" in dialog.preview.toPlainText(), timeout=WAIT
    )
    dialog.save()
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=WAIT)
    assert "11月24日（星期二）上午9:00" in dialog.written.value.body
    assert dialog.written.value.subject == "仁和诊所：就诊提醒"


# -- sending e-mail -------------------------------------------------------------------------


def test_send_due_emails_arrive_and_a_refused_address_fails(
    qtbot, ui_clinic, ctx, people, smtp
) -> None:
    handler, port = smtp
    handler.refuse["nobody@example.com"] = "550 5.1.1 <nobody@example.com>: user unknown"
    use_mail_server(ui_clinic, port)
    queue(ui_clinic, people["email"])
    queue(ui_clinic, people["refused"])
    panel = make_panel(qtbot, ctx, ui_clinic.director)
    assert panel.state_buttons["queued"].text() == "Queued (2)"
    qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.last_report is not None, timeout=WAIT)
    report = panel.last_report
    assert (report.sent, report.failed) == (1, 1)
    assert panel.message.text() == "1 e-mail(s) sent. 1 could not be delivered (see “Failed”)."

    [(to, mail)] = handler.mails()
    assert to == ["wang.qiang@example.com"]
    assert str(mail["Subject"]) == "仁和诊所：就诊后关怀"
    assert mail.get_content().startswith("王先生，您好！")

    qtbot.waitUntil(lambda: panel.state_buttons["sent"].text() == "Sent (1)", timeout=WAIT)
    show(qtbot, panel, "sent")
    assert cells(panel, COL_PATIENT) == ["王强"] and cells(panel, COL_STATE) == ["Sent"]
    show(qtbot, panel, "failed")
    assert cells(panel, COL_PATIENT) == ["李娜"]
    assert "refused the address nobody@example.com: 550 5.1.1" in cells(panel, COL_ERROR)[0]
    assert panel.table.item(0, COL_STATE).foreground().color() == Qt.GlobalColor.darkRed
    # Sending again sends nothing twice.
    panel.send_now()
    qtbot.waitUntil(lambda: not panel.busy, timeout=WAIT)
    assert panel.message.text() == "No e-mails were due."
    assert len(handler.mails()) == 1

    # Try again puts the failed one back in the queue (the address is fixed meanwhile).
    panel.table.selectRow(0)
    assert panel.retry_button.isEnabled()
    qtbot.mouseClick(panel.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: panel.message.text() == "The message is back in the queue.", timeout=WAIT
    )
    assert outbox.counts(ui_clinic.clinic, ui_clinic.director)["queued"] == 1


def test_no_mail_server_says_so_and_keeps_the_message(qtbot, ui_clinic, ctx, people) -> None:
    queue(ui_clinic, people["email"])
    panel = make_panel(qtbot, ctx, ui_clinic.director)
    panel.send_now()
    qtbot.waitUntil(lambda: panel.last_report is not None, timeout=WAIT)
    assert panel.message.is_error
    assert "No mail server is set" in panel.message.text()
    assert outbox.counts(ui_clinic.clinic, ui_clinic.director)["queued"] == 1


class CrashingGateway:
    """A gateway plug-in that dies in the middle of a send: did the message go?"""

    name = "crashy"
    channels = frozenset({"email"})

    def send(self, message: OutgoingMessage) -> None:
        raise ConnectionResetError("connection reset after DATA")


def test_unknown_result_is_flagged_and_resent_only_when_confirmed(
    qtbot, ui_clinic, ctx, people
) -> None:
    queue(ui_clinic, people["email"])
    outbox.send_due(ui_clinic.clinic, ui_clinic.director, gateway=CrashingGateway())
    queue(ui_clinic, people["sms"])
    panel = make_panel(qtbot, ctx, ui_clinic.director)
    assert panel.sending_warning.isVisible()
    assert "whether they arrived is unknown" in panel.sending_warning.text()
    assert panel.state_buttons["sending"].text() == "Sending (result unknown) (1)"
    show(qtbot, panel, "sending")
    panel.table.selectRow(0)
    assert "not known whether the message went" in panel.details.toPlainText()
    assert panel.resend_button.isEnabled() and not panel.cancel_button.isEnabled()
    asked: list[str] = []

    def say(answer: bool) -> Any:
        def ask(m: outbox.MessageView) -> bool:
            asked.append(m.patient_name)
            return answer

        return ask

    assert panel.arrived_button.isEnabled()
    panel.confirm_resend = say(False)  # type: ignore[method-assign]
    qtbot.mouseClick(panel.resend_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert asked == ["王强"]
    assert outbox.counts(ui_clinic.clinic, ui_clinic.director)["sending"] == 1
    panel.confirm_resend = say(True)  # type: ignore[method-assign]
    qtbot.mouseClick(panel.resend_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.sending_warning.isVisible(), timeout=WAIT)
    assert panel.state_buttons["queued"].text() == "Queued (2)"

    # Cancelling a queued message asks why.
    show(qtbot, panel, "queued")
    row = cells(panel, COL_PATIENT).index("张丽")
    panel.table.selectRow(row)
    original = patients_common.ask_reason
    patients_common.ask_reason = lambda *_a: "改为电话通知"  # type: ignore[assignment]
    try:
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: panel.state_buttons["cancelled"].text() == "Cancelled (1)", timeout=WAIT
        )
    finally:
        patients_common.ask_reason = original  # type: ignore[assignment]
    show(qtbot, panel, "cancelled")
    assert cells(panel, COL_ERROR) == ["改为电话通知"]
    assert panel.table.horizontalHeaderItem(COL_ERROR).text() == "Why cancelled"


def test_a_message_checked_as_arrived_is_marked_sent(qtbot, ui_clinic, ctx, people) -> None:
    queue(ui_clinic, people["email"])
    outbox.send_due(ui_clinic.clinic, ui_clinic.director, gateway=CrashingGateway())
    panel = make_panel(qtbot, ctx, ui_clinic.director)
    show(qtbot, panel, "sending")
    panel.table.selectRow(0)
    assert panel.arrived_button.isEnabled() and panel.arrived_button.isVisible()
    qtbot.mouseClick(panel.arrived_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.sending_warning.isVisible(), timeout=WAIT)
    counts = outbox.counts(ui_clinic.clinic, ui_clinic.director)
    assert counts.get("sending", 0) == 0 and counts["sent"] == 1
    assert "marked as sent" in panel.message.text()


def test_customer_service_queues_but_does_not_send_or_export(qtbot, ui_clinic, ctx, people) -> None:
    service = staff_member(ui_clinic, "kf", "客服小李", Role.CUSTOMER_SERVICE)
    queue(ui_clinic, people["sms"])
    panel = make_panel(qtbot, ctx, service)
    assert panel.table.rowCount() == 1
    assert panel.queue_button.isVisible() and panel.cancel_button.isVisible()
    for button in (panel.send_button, panel.export_sms_button, panel.retry_button):
        assert not button.isVisible()
    with pytest.raises(PermissionDenied):
        outbox.send_due(ui_clinic.clinic, service)
    with pytest.raises(PermissionDenied):
        outbox.export_batch(ui_clinic.clinic, service, "sms", Path("/tmp"))


# -- a gateway plug-in ----------------------------------------------------------------------

PLUGIN = """
class ModemGateway:
    name = "modem-sms"
    channels = frozenset({"sms"})

    def send(self, message):
        pass


def make(settings):
    return ModemGateway()


def broken(settings):
    raise OSError("the modem is not plugged in")
"""


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed distribution (a real .dist-info with entry points) on sys.path."""
    root = tmp_path / "site"
    info = root / "cd_modem_gateway-1.0.dist-info"
    info.mkdir(parents=True)
    (root / "cd_modem_gateway.py").write_text(PLUGIN, encoding="utf-8")
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: cd-modem-gateway\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[clinic_desk.gateways]\nmodem = cd_modem_gateway:make\nbroken = cd_modem_gateway:broken\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(root))


def test_a_gateway_plugin_is_named_and_takes_the_place_of_the_sms_file(
    qtbot, ui_clinic, ctx, plugin
) -> None:
    panel = make_panel(qtbot, ctx, ui_clinic.director)
    qtbot.waitUntil(lambda: panel.plugins is not None, timeout=WAIT)
    note = panel.gateway_note.text()
    assert "SMS messages go through the “modem-sms” plug-in." in note
    assert "'broken' could not be used (the modem is not plugged in)" in note
    assert panel.gateway_note.isVisible()
    assert not panel.export_sms_button.isEnabled()
    assert panel.export_wechat_button.isEnabled()


# -- the background sender ------------------------------------------------------------------


def test_the_sender_sends_on_the_sending_workstation_only(
    qtbot, ui_clinic, ctx, people, smtp
) -> None:
    handler, port = smtp
    ctx.set_actor(None)  # nobody signed in: the window sends as ClinicDesk itself
    sender = OutboxSender(ctx, interval_ms=60_000, first_ms=10)
    queue(ui_clinic, people["email"])
    # No mail server yet: the round does nothing.
    with qtbot.waitSignal(sender.sig_round, timeout=WAIT) as round_:
        sender.start()
    assert round_.args == [None]
    use_mail_server(ui_clinic, port)
    settings_service.update_settings(
        ui_clinic.clinic, ui_clinic.director, {"outbox.sending_workstation": "front-desk-2"}
    )
    assert not sender_module.sends_here(ui_clinic.clinic)
    with qtbot.waitSignal(sender.sig_round, timeout=WAIT) as round_:
        sender.send_now()
    assert round_.args == [None] and handler.mails() == []
    settings_service.update_settings(
        ui_clinic.clinic,
        ui_clinic.director,
        {"outbox.sending_workstation": ui_clinic.clinic.workstation.upper()},
    )
    changes: list[Any] = []
    ctx.sig_changes.connect(changes.append)
    with qtbot.waitSignal(sender.sig_round, timeout=WAIT) as round_:
        sender.send_now()
    assert round_.args[0].sent == 1
    [(to, _mail)] = handler.mails()
    assert to == ["wang.qiang@example.com"]
    assert any(c.touches(Topic.OUTBOX) for c in changes)  # the lists redraw
    sender.stop()
    sender.send_now()
    assert not sender.busy and not sender.running

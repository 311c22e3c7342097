"""The SMS / WeChat batch file and health-reminder campaigns (issue 9; spec A5, E7).

The batch file is read back the way a spreadsheet or a bulk platform reads it
(UTF-8 with BOM, a header, the phone as 11 digits); a folder that refuses
writes and a really full disk leave every message unmarked."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from clinic_desk.core.errors import PermissionDenied, ValidationError
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import audit_log, clinical, outbox, patients, staff
from clinic_desk.core.services import settings as settings_service
from clinic_desk.core.services.outbox import CampaignCriteria
from clinic_desk.core.store.models import Patient, Visit
from tests.conftest import PASSPHRASE, ClinicFixture, FakeClock, make_clinic


def _phone_settings(cf: ClinicFixture) -> None:
    settings_service.update_settings(cf.clinic, cf.director, {"clinic.phone": "0571-88886666"})


def _patient(cf: ClinicFixture, given: str, **fields: object) -> uuid.UUID:
    data: dict[str, object] = {"family_name": "王", "given_name": given, "sex": "F"}
    data.update(fields)
    return patients.register_patient(cf.clinic, cf.director, not_duplicate=True, **data).value.id


def _columns(cf: ClinicFixture, pid: uuid.UUID, **columns: object) -> None:
    with cf.clinic.store.unit_of_work(write=True) as uow:
        row = uow.session.get(Patient, pid)
        assert row is not None
        for name, value in columns.items():
            setattr(row, name, value)
        uow.commit()


def _queue(cf: ClinicFixture, pid: uuid.UUID, **kw: object) -> uuid.UUID:
    return outbox.queue_message(
        cf.clinic,
        cf.director,
        pid,
        template_code="followup_advice",
        **kw,  # type: ignore[arg-type]
    ).value.id


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _states(cf: ClinicFixture) -> dict[str, int]:
    return {k: v for k, v in outbox.counts(cf.clinic, cf.director).items() if v}


# -- the file ---------------------------------------------------------------------------


def test_sms_batch_opens_as_utf8_with_eleven_digit_phones(
    cf: ClinicFixture, tmp_path: Path
) -> None:
    _phone_settings(cf)
    out = tmp_path / "批次 out"
    out.mkdir()
    outbox.save_template(
        cf.clinic,
        cf.director,
        "followup_advice",
        name="",
        subject="",
        body='{honorific}，您好！"按时休息"，多喝水😊\n如有不适请致电{clinic_phone}。【{clinic}】',
    )
    first = _queue(cf, _patient(cf, "芳", phone="13812345678"))
    second = _queue(cf, _patient(cf, "强", sex="M", phone="+86 139-1234-5678"))
    _queue(cf, _patient(cf, "丽", email="li@example.com"))  # e-mail: sent, not exported
    later = _queue(
        cf, _patient(cf, "静", phone="13712345678"), not_before=cf.clock.now + timedelta(days=3)
    )
    result = outbox.export_batch(cf.clinic, cf.director, "sms", out)
    assert result.count == 2 and result.batch.startswith("sms-20261123-100000-")
    assert result.path.parent == out and result.path.name == result.batch + ".csv"
    raw = result.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfphone,content\r\n")  # Excel and WPS need the BOM
    rows = _read(result.path)
    assert rows[0] == ["phone", "content"]
    assert [r[0] for r in rows[1:]] == ["13812345678", "13912345678"]
    assert rows[1][1] == (
        '王女士，您好！"按时休息"，多喝水😊\n如有不适请致电0571-88886666。【仁和诊所】'
    )
    assert rows[2][1].startswith("王先生，您好！")
    assert [p.name for p in out.iterdir()] == [result.path.name]  # no temp file left
    views = {m.id: m for m in outbox.list_messages(cf.clinic, cf.director)}
    for mid in (first, second):
        assert (views[mid].state, views[mid].batch, views[mid].gateway) == (
            "exported",
            result.batch,
            "file",
        )
    assert views[later].state == "queued"
    # Never in a second batch.
    again = outbox.export_batch(cf.clinic, cf.director, "sms", out)
    assert (again.count, again.batch) == (0, "")
    assert len(list(out.iterdir())) == 1
    entry = audit_log.audit_report(cf.clinic, cf.director, limit=5)
    assert any(e.action == "outbox.export" and e.object_id == result.batch for e in entry)
    # The later one goes into the batch of its day.
    cf.clock.advance(days=3)
    third = outbox.export_batch(cf.clinic, cf.director, "sms", out)
    assert third.count == 1 and _read(third.path)[1][0] == "13712345678"


def test_wechat_batch_and_a_named_file(cf: ClinicFixture, tmp_path: Path) -> None:
    _phone_settings(cf)
    _queue(cf, _patient(cf, "芳", wechat="wang_fang88", contact_channels=("wechat",)))
    target = tmp_path / "微信批次"  # no suffix: .csv is added
    result = outbox.export_batch(cf.clinic, cf.director, "wechat", target)
    assert result.path == tmp_path / "微信批次.csv"
    rows = _read(result.path)
    assert rows[0] == ["wechat", "content"] and rows[1][0] == "wang_fang88"


def test_an_existing_file_is_not_overwritten(cf: ClinicFixture, tmp_path: Path) -> None:
    _phone_settings(cf)
    _queue(cf, _patient(cf, "芳", phone="13812345678"))
    target = tmp_path / "batch.csv"
    target.write_text("an earlier batch not yet uploaded", encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        outbox.export_batch(cf.clinic, cf.director, "sms", target)
    assert "already exists" in caught.value.message()
    assert target.read_text(encoding="utf-8") == "an earlier batch not yet uploaded"
    assert _states(cf) == {"queued": 1}


def test_email_has_no_batch_and_only_supervisors_export(cf: ClinicFixture, tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        outbox.export_batch(cf.clinic, cf.director, "email", tmp_path)
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
        outbox.export_batch(cf.clinic, service, "sms", tmp_path)


def test_missing_folder(cf: ClinicFixture, tmp_path: Path) -> None:
    _phone_settings(cf)
    _queue(cf, _patient(cf, "芳", phone="13812345678"))
    with pytest.raises(ValidationError) as caught:
        outbox.export_batch(cf.clinic, cf.director, "sms", tmp_path / "no" / "such" / "x.csv")
    assert "does not exist" in caught.value.message()
    assert _states(cf) == {"queued": 1}


# -- folders that refuse ----------------------------------------------------------------


def _mount_tmpfs(folder: Path, options: str) -> bool:
    if os.name != "posix" or os.geteuid() != 0:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@contextlib.contextmanager
def _read_only_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "readonly"
    folder.mkdir()
    if os.name == "posix" and os.geteuid() == 0:
        # Root ignores permission bits: a read-only filesystem refuses even root.
        if not _mount_tmpfs(folder, "ro,size=64k"):
            pytest.skip("running as root and cannot mount a read-only tmpfs here")
        try:
            yield folder
        finally:
            subprocess.run(["umount", str(folder)], check=False)
    else:
        folder.chmod(0o500)
        try:
            yield folder
        finally:
            folder.chmod(0o700)


def test_read_only_folder_marks_nothing(cf: ClinicFixture, tmp_path: Path) -> None:
    _phone_settings(cf)
    _queue(cf, _patient(cf, "芳", phone="13812345678"))
    with _read_only_folder(tmp_path) as folder:
        with pytest.raises(ValidationError) as caught:
            outbox.export_batch(cf.clinic, cf.director, "sms", folder)
        assert "may not write in" in caught.value.message()
        assert str(folder) in caught.value.message()
        assert list(folder.iterdir()) == []
    assert _states(cf) == {"queued": 1}
    result = outbox.export_batch(cf.clinic, cf.director, "sms", tmp_path)
    assert result.count == 1  # the same messages go in the next good batch


def test_full_disk_marks_nothing_and_leaves_no_part_file(cf: ClinicFixture, tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    folder.mkdir()
    if not _mount_tmpfs(folder, "size=64k"):
        pytest.skip("needs root to mount a small tmpfs that can be filled")
    try:
        filler = folder / "filler"
        with contextlib.suppress(OSError), filler.open("wb") as out:
            while True:
                out.write(b"x" * 4096)
                out.flush()
        _phone_settings(cf)
        for n in range(30):
            _queue(cf, _patient(cf, f"芳{chr(0x4E00 + n)}", phone=f"138123456{n:02d}"))
        with pytest.raises(ValidationError) as caught:
            outbox.export_batch(cf.clinic, cf.director, "sms", folder)
        assert "is full" in caught.value.message()
        assert [p.name for p in folder.iterdir()] == ["filler"]
        assert _states(cf) == {"queued": 30}
        filler.unlink()
        assert outbox.export_batch(cf.clinic, cf.director, "sms", folder).count == 30
    finally:
        subprocess.run(["umount", str(folder)], check=False)


# -- campaigns (E7) ---------------------------------------------------------------------


def _visit(cf: ClinicFixture, pid: uuid.UUID, category: str, days_ago: int) -> None:
    with cf.clinic.store.unit_of_work(write=True) as uow:
        uow.session.add(
            Visit(
                patient_id=pid,
                doctor_id=None,
                visit_at=cf.clock.now - timedelta(days=days_ago),
                category=category,
                diagnosis="",
            )
        )
        uow.commit()


@pytest.fixture
def group(cf: ClinicFixture) -> dict[str, uuid.UUID]:
    """Patients with a chronic condition and every reason not to get a message."""
    _phone_settings(cf)
    people = {
        "reach": _patient(cf, "一", phone="13800000001", birth_date=date(1955, 6, 1)),
        "reach_mail": _patient(cf, "二", email="er@example.com", birth_date=date(1990, 1, 1)),
        "opted_out": _patient(cf, "三", phone="13800000003"),
        "deceased": _patient(cf, "四", phone="13800000004"),
        "no_channel": _patient(cf, "五"),
        "invalid_email": _patient(cf, "六"),
        "ended": _patient(cf, "七", phone="13800000007"),
        "other": _patient(cf, "八", phone="13800000008"),
    }
    for key, pid in people.items():
        if key != "other":
            condition = clinical.add_condition(cf.clinic, cf.director, pid, name="2型糖尿病").value
            if key == "ended":
                clinical.end_condition(cf.clinic, cf.director, condition.id, reason="误诊")
    _columns(cf, people["opted_out"], opt_out_messages=True)
    _columns(cf, people["deceased"], deceased_on=date(2026, 10, 1))
    _columns(cf, people["invalid_email"], email="liu@@example")
    clinical.add_medication(cf.clinic, cf.director, people["reach"], drug="二甲双胍缓释片")
    return people


GENERAL = (
    "{honorific}，您好！天气转凉，请注意保暖、规律饮食、适量运动。"
    "如需咨询请致电{clinic_phone}。【{clinic}】"
)


def test_preview_counts_who_is_reached_and_why_others_are_not(
    cf: ClinicFixture, group: dict[str, uuid.UUID]
) -> None:
    reached, skipped = outbox.campaign_preview(
        cf.clinic, cf.director, CampaignCriteria(condition_contains="糖尿病")
    )
    assert reached == 2
    assert skipped == {"opted_out": 1, "deceased": 1, "no_channel": 1, "invalid_email": 1}
    older, _ = outbox.campaign_preview(
        cf.clinic, cf.director, CampaignCriteria(condition_contains="糖尿病", min_age=65)
    )
    assert older == 1  # born 1955: 71; the others have no birth date or are younger
    younger, skipped_young = outbox.campaign_preview(
        cf.clinic, cf.director, CampaignCriteria(min_age=18, max_age=40)
    )
    assert (younger, skipped_young) == (1, {})


def test_campaign_queues_for_the_group_and_counts_the_skipped(
    cf: ClinicFixture, group: dict[str, uuid.UUID]
) -> None:
    written = outbox.start_campaign(
        cf.clinic,
        cf.director,
        name="冬季健康提醒 ❄️",
        subject="{clinic}：冬季提醒",
        body=GENERAL,
        criteria=CampaignCriteria(condition_contains="糖尿病"),
    )
    view = written.value
    assert view.queued == 2
    assert view.skipped == {"opted_out": 1, "deceased": 1, "no_channel": 1, "invalid_email": 1}
    messages = outbox.list_messages(cf.clinic, cf.director)
    assert {m.patient_id for m in messages} == {group["reach"], group["reach_mail"]}
    mail = next(m for m in messages if m.channel == "email")
    assert mail.subject == "仁和诊所：冬季提醒" and mail.purpose == "campaign"
    [listed] = outbox.list_campaigns(cf.clinic, cf.director)
    assert listed.id == view.id and listed.states == {"queued": 2}
    assert listed.criteria.condition_contains == "糖尿病" and listed.created_by_name == "王丽"
    assert listed.skipped == view.skipped
    audit_row = audit_log.audit_report(cf.clinic, cf.director, limit=3)
    assert any(r.action == "outbox.campaign" and r.object_id == view.id.hex for r in audit_row)


def test_campaign_text_with_a_patients_drug_skips_that_patient(
    cf: ClinicFixture, group: dict[str, uuid.UUID]
) -> None:
    body = "{honorific}，您好！服用二甲双胍的朋友请定期复查。【{clinic}】"
    view = outbox.start_campaign(
        cf.clinic,
        cf.director,
        name="复查",
        subject="",
        body=body,
        criteria=CampaignCriteria(condition_contains="糖尿病"),
    ).value
    assert view.queued == 1 and view.skipped["unsafe_text"] == 1


def test_campaign_refuses_naming_the_condition_it_chose_by(
    cf: ClinicFixture, group: dict[str, uuid.UUID]
) -> None:
    with pytest.raises(ValidationError) as caught:
        outbox.start_campaign(
            cf.clinic,
            cf.director,
            name="控糖",
            subject="",
            body="{honorific}，您好！糖尿病患者冬季要注意足部保暖。【{clinic}】",
            criteria=CampaignCriteria(condition_contains="糖尿病"),
        )
    assert "(糖尿病)" in caught.value.message()
    assert outbox.list_campaigns(cf.clinic, cf.director) == []
    assert _states(cf) == {}


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "too long"),
        ({"body": ""}, "empty"),
        ({"body": "{honorific}，{date}见"}, "{date}"),
        ({"body": "{honorific}{diagnosis}"}, "{diagnosis}"),
        ({"criteria": CampaignCriteria(min_age=70, max_age=60)}, "Swap them"),
        ({"criteria": CampaignCriteria(min_age=-1)}, "0 to 150"),
        ({"criteria": CampaignCriteria(sex="X")}, "sex"),
        ({"criteria": CampaignCriteria(category="flu")}, "category"),
        ({"criteria": CampaignCriteria(visited_since=date(2027, 1, 1))}, "up to today"),
        ({"criteria": CampaignCriteria(condition_contains="糖" * 101)}, "too long"),
    ],
)
def test_campaign_bad_input(cf: ClinicFixture, kwargs: dict[str, object], words: str) -> None:
    args: dict[str, object] = {
        "name": "提醒",
        "subject": "",
        "body": GENERAL,
        "criteria": CampaignCriteria(),
    }
    args.update(kwargs)
    with pytest.raises(ValidationError) as caught:
        outbox.start_campaign(cf.clinic, cf.director, **args)  # type: ignore[arg-type]
    assert words in caught.value.message()


def test_campaign_by_recent_visit_category(cf: ClinicFixture) -> None:
    _phone_settings(cf)
    recent = _patient(cf, "甲", phone="13800000011")
    old = _patient(cf, "乙", phone="13800000012")
    cold = _patient(cf, "丙", phone="13800000013")
    _visit(cf, recent, "physical_exam", days_ago=10)
    _visit(cf, old, "physical_exam", days_ago=400)
    _visit(cf, cold, "cold", days_ago=5)
    since = cf.clock.now.date() - timedelta(days=90)
    criteria = CampaignCriteria(visited_since=since, category="physical_exam")
    view = outbox.start_campaign(
        cf.clinic, cf.director, name="体检回访", subject="", body=GENERAL, criteria=criteria
    ).value
    assert view.queued == 1
    assert [m.patient_id for m in outbox.list_messages(cf.clinic, cf.director)] == [recent]


def test_only_supervisors_run_campaigns(cf: ClinicFixture) -> None:
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
        outbox.start_campaign(
            cf.clinic, service, name="x", subject="", body=GENERAL, criteria=CampaignCriteria()
        )
    with pytest.raises(PermissionDenied):
        outbox.campaign_preview(cf.clinic, service, CampaignCriteria())
    assert outbox.list_campaigns(cf.clinic, service) == []


# -- the command line -------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINIC_DESK_")}
    env.update({"CLINIC_DESK_NO_KEYRING": "1", "CLINIC_DESK_PASSPHRASE": PASSPHRASE})
    return subprocess.run(
        [sys.executable, "-m", "clinic_desk", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def test_command_line_export_and_send(tmp_path: Path) -> None:
    # The command runs on the real clock: the clinic is made "now" too.
    fixture = make_clinic(tmp_path / "clinic", FakeClock(dt.datetime.now(dt.UTC)))
    try:
        _phone_settings(fixture)
        _queue(fixture, _patient(fixture, "芳", phone="13812345678"))
    finally:
        fixture.clinic.close()
    data = str(fixture.data_dir)
    done = _cli("outbox", "export", "--data-dir", data, "--channel", "sms", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "1 messages written to" in done.stdout
    [batch] = tmp_path.glob("sms-*.csv")
    assert _read(batch)[1][0] == "13812345678"
    again = _cli("outbox", "export", "--data-dir", data, str(tmp_path))
    assert again.returncode == 0 and "no file was written" in again.stdout
    sent = _cli("outbox", "send", "--data-dir", data)
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.startswith("Sent 0, failed 0")
    refused = _cli("outbox", "export", "--data-dir", data, str(tmp_path / "missing" / "x.csv"))
    assert refused.returncode == 2 and "does not exist" in refused.stderr
    assert "Traceback" not in refused.stderr

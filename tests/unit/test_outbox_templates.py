"""Message templates and queueing (issue 9; spec A5, E7): placeholders, the shipped
wording, the channel by preference, and the rule that no diagnosis or drug is ever
in a message."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clinic_desk.core.errors import NotFound, PermissionDenied, ValidationError
from clinic_desk.core.outbox import templates
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import audit_log, clinical, outbox, patients, staff
from clinic_desk.core.services import settings as settings_service
from clinic_desk.core.services.base import Actor, Topic
from clinic_desk.core.store.base import SYNCED_ROW_NAMESPACE
from clinic_desk.core.store.models import OutboxMessage, Patient, Visit
from tests.conftest import ClinicFixture

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _actor(cf: ClinicFixture, role: Role, login: str) -> Actor:
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=login, role=role, password="some-pass-123"
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


def _patient(cf: ClinicFixture, **fields: object) -> uuid.UUID:
    data: dict[str, object] = {"family_name": "张", "given_name": "秀英", "sex": "F"}
    data.update(fields)
    return patients.register_patient(cf.clinic, cf.director, not_duplicate=True, **data).value.id


def _set_columns(cf: ClinicFixture, patient_id: uuid.UUID, **columns: object) -> None:
    # Data the registry's own checks would refuse today (old or imported records).
    with cf.clinic.store.unit_of_work(write=True) as uow:
        row = uow.session.get(Patient, patient_id)
        assert row is not None
        for name, value in columns.items():
            setattr(row, name, value)
        uow.commit()


def _clinic_phone(cf: ClinicFixture, phone: str = "0571-88886666") -> None:
    settings_service.update_settings(cf.clinic, cf.director, {"clinic.phone": phone})


def _visit(cf: ClinicFixture, patient_id: uuid.UUID, diagnosis: str, days_ago: int = 1) -> None:
    with cf.clinic.store.unit_of_work(write=True) as uow:
        uow.session.add(
            Visit(
                patient_id=patient_id,
                doctor_id=None,
                visit_at=cf.clock.now - timedelta(days=days_ago),
                category="chronic",
                diagnosis=diagnosis,
                finished_at=cf.clock.now - timedelta(days=days_ago),
            )
        )
        uow.commit()


def _queue_in(
    cf: ClinicFixture, patient_id: uuid.UUID, code: str = "followup_advice", **kw: object
) -> uuid.UUID | str:
    values = kw.pop("values", {})
    with cf.clinic.store.unit_of_work(write=True) as uow:
        result = outbox.queue_in(
            cf.clinic,
            uow,
            patient_id=patient_id,
            purpose="test",
            template_code=code,
            values=values,
            not_before=cf.clock.now,
            **kw,  # type: ignore[arg-type]
        )
        uow.commit()
    return result


# -- the shipped wording ----------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh_CN", "zh_TW", "en"])
@pytest.mark.parametrize("code", templates.TEMPLATE_CODES)
def test_every_default_is_valid_greets_first_and_is_signed(language: str, code: str) -> None:
    default = templates.default_template(code, language)
    subject, body = templates.check_template(default.subject, default.body)
    assert body.startswith(("{honorific}，", "Dear {honorific},"))
    assert body.endswith(("【{clinic}】", "{clinic}"))
    used = templates.placeholders_in(subject) + templates.placeholders_in(body)
    assert set(used) <= set(templates.CODE_PLACEHOLDERS[code])
    values = templates.appointment_values(
        datetime(2026, 11, 30, 6, 30, tzinfo=UTC), SHANGHAI, language
    ) | {"honorific": "张女士", "clinic": "仁和诊所", "clinic_phone": "0571-88886666"}
    text = templates.render(body, values)
    assert "{" not in text and len(text) <= templates.MAX_SMS_CHARS


def test_traditional_wording_is_traditional() -> None:
    body = templates.default_template("reminder_week", "zh_TW").body
    assert "預約" in body and "预约" not in body


def test_appointment_values_in_the_patients_words() -> None:
    moment = datetime(2026, 11, 30, 6, 30, tzinfo=UTC)  # 14:30 in Shanghai, a Monday
    zh = templates.appointment_values(moment, SHANGHAI, "zh_CN", doctor="李明")
    assert zh == {"date": "11月30日", "time": "下午2:30", "weekday": "星期一", "doctor": "李明"}
    en = templates.appointment_values(moment, SHANGHAI, "en")
    assert (en["date"], en["time"], en["weekday"]) == ("30 November", "2:30 pm", "Monday")
    morning = templates.appointment_values(
        datetime(2026, 11, 30, 1, 5, tzinfo=UTC), SHANGHAI, "zh_TW"
    )
    assert morning["time"] == "上午9:05"


# -- placeholders -----------------------------------------------------------------------


def test_unknown_placeholder_is_refused_naming_it(cf: ClinicFixture) -> None:
    with pytest.raises(ValidationError) as caught:
        outbox.save_template(
            cf.clinic,
            cf.director,
            "reminder_week",
            name="提醒",
            subject="提醒",
            body="{honorific}您好，您的诊断：{diagnosis}",
        )
    assert "{diagnosis}" in caught.value.message()
    assert "{honorific}" in caught.value.message()  # and says what is allowed


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("{honorific}您好 {", "lone"),
        ("{honorific}您好 }", "lone"),
        ("{honorific!r}您好", "plainly"),
        ("{date:%Y}您好", "plainly"),
        ("{}您好", "cannot fill"),
        ('=HYPERLINK("x")', "formula"),
        ("-5元优惠", "formula"),
        ("   \n\t ", "empty"),
        ("", "empty"),
        ("您好\x07", "control characters"),
        ("好" * (templates.MAX_BODY + 1), "4001 characters"),
    ],
)
def test_bad_template_text_is_refused_with_a_sentence(body: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        templates.check_template("提醒", body)
    assert words in caught.value.message()
    assert caught.value.message().endswith(".")


def test_braces_can_be_typed_doubled() -> None:
    _subject, body = templates.check_template("", "{honorific}：活动{{限时}}")
    assert templates.render(body, {"honorific": "王先生"}) == "王先生：活动{限时}"


def test_missing_value_is_named() -> None:
    with pytest.raises(ValidationError) as caught:
        templates.render("{honorific} {date}", {"honorific": "王先生"})
    assert "{date}" in caught.value.message()


def test_followup_template_cannot_ask_for_an_appointment_date(cf: ClinicFixture) -> None:
    with pytest.raises(ValidationError) as caught:
        outbox.save_template(
            cf.clinic,
            cf.director,
            "followup_advice",
            name="",
            subject="",
            body="{honorific}：{date}就诊后请注意休息",
        )
    assert "{date}" in caught.value.message()


def test_values_cannot_override_the_honorific(cf: ClinicFixture) -> None:
    pid = _patient(cf, phone="13812345678")
    _clinic_phone(cf)
    with pytest.raises(ValidationError) as caught:
        outbox.queue_message(
            cf.clinic,
            cf.director,
            pid,
            template_code="reminder_week",
            values={"honorific": "喂", "date": "1日", "time": "9:00", "weekday": "一"},
        )
    assert "honorific" in caught.value.message()


# -- saving, listing, resetting ---------------------------------------------------------


def test_save_list_and_reset_a_template(cf: ClinicFixture) -> None:
    views = {t.code: t for t in outbox.list_templates(cf.clinic, cf.director)}
    assert set(views) == set(templates.TEMPLATE_CODES)
    assert all(v.is_default for v in views.values())
    saved = outbox.save_template(
        cf.clinic,
        cf.director,
        "no_show",
        name="爽约关怀 🌸",
        subject="{clinic}",
        body="{honorific}，您好！{date}{time}的预约您没有来，一切都好吗？🙂 "
        "电话{clinic_phone}。【{clinic}】",
    )
    assert saved.changes.touches(Topic.OUTBOX)
    assert not saved.value.is_default and saved.value.name == "爽约关怀 🌸"
    again = {t.code: t for t in outbox.list_templates(cf.clinic, cf.director)}["no_show"]
    assert again.body.endswith("【{clinic}】") and "🙂" in again.body
    assert again.id == views["no_show"].id  # one row per template on every workstation
    back = outbox.reset_template(cf.clinic, cf.director, "no_show").value
    assert back.is_default
    assert back.body == templates.default_template("no_show", "zh_CN").body
    actions = [e.action for e in audit_log.audit_report(cf.clinic, cf.director)]
    assert "outbox.template_save" in actions and "outbox.template_reset" in actions


def test_shipped_wording_follows_the_clinic_language(cf: ClinicFixture) -> None:
    settings_service.update_settings(cf.clinic, cf.director, {"clinic.language": "en"})
    view = {t.code: t for t in outbox.list_templates(cf.clinic, cf.director)}["reminder_week"]
    assert view.body.startswith("Dear {honorific},")


def test_unknown_template_code(cf: ClinicFixture) -> None:
    with pytest.raises(ValidationError):
        outbox.save_template(cf.clinic, cf.director, "birthday", name="", subject="", body="x")


def test_only_supervisors_edit_templates(cf: ClinicFixture) -> None:
    service = _actor(cf, Role.CUSTOMER_SERVICE, "kefu1")
    assert outbox.list_templates(cf.clinic, service)
    with pytest.raises(PermissionDenied):
        outbox.save_template(cf.clinic, service, "campaign", name="", subject="", body="{clinic}")
    pharmacist = _actor(cf, Role.PHARMACIST, "yaoshi1")
    assert outbox.list_templates(cf.clinic, pharmacist)  # settings readers see them
    receptionist = _actor(cf, Role.RECEPTIONIST, "qiantai1")
    pid = _patient(cf, phone="13812345678")
    with pytest.raises(PermissionDenied):
        outbox.queue_message(cf.clinic, receptionist, pid, template_code="followup_advice")


# -- queueing: channels and reasons -----------------------------------------------------


def test_queue_renders_in_the_clinics_words(cf: ClinicFixture) -> None:
    _clinic_phone(cf)
    pid = _patient(cf, phone="13812345678", birth_date=date(1950, 3, 1))
    values = templates.appointment_values(
        datetime(2026, 11, 30, 1, 30, tzinfo=UTC), SHANGHAI, "zh_CN"
    )
    written = outbox.queue_message(
        cf.clinic, cf.director, pid, template_code="reminder_week", values=values
    )
    view = written.value
    assert (view.channel, view.address, view.state) == ("sms", "+8613812345678", "queued")
    assert view.body.startswith("张大妈，您好！")  # 76 years old: the elderly form (C4)
    assert "11月30日（星期一）上午9:30" in view.body and "0571-88886666" in view.body
    assert view.body.endswith("【仁和诊所】") and view.subject == ""
    assert view.created_at == cf.clock.now and view.not_before == cf.clock.now
    assert written.changes.touches(Topic.OUTBOX) and pid in written.changes.ids
    entry = audit_log.audit_report(cf.clinic, cf.director, patient_id=pid)[0]
    assert entry.action == "outbox.queue"


@pytest.mark.parametrize(
    ("columns", "channel", "address"),
    [
        ({"phone": "+8613812345678", "contact_channels": ""}, "sms", "+8613812345678"),
        (
            {"phone": "+8613812345678", "email": "li@example.com", "contact_channels": "email,sms"},
            "email",
            "li@example.com",
        ),
        (
            {"phone": "+8613812345678", "wechat": "li_xiuying88", "contact_channels": "wechat"},
            "wechat",
            "li_xiuying88",
        ),
        # An old or imported record with the national digits only.
        ({"phone": "13812345678"}, "sms", "+8613812345678"),
        # A landline takes no SMS; the second phone is a mobile.
        ({"phone": "+861088886666", "phone2": "+8613912345678"}, "sms", "+8613912345678"),
        # Hong Kong mobiles are outside the mainland bulk platforms: e-mail instead.
        ({"phone": "+85291234567", "email": "li@example.com"}, "email", "li@example.com"),
        # A patient who only takes calls still gets the text on that mobile.
        ({"phone": "+8613812345678", "contact_channels": "mobile"}, "sms", "+8613812345678"),
        # An international domain is sent in its ASCII form.
        ({"email": "li@例子.中国"}, "email", "li@xn--fsqu00a.xn--fiqs8s"),
        # Preferred e-mail is wrong, but a mobile works.
        (
            {"phone": "+8613812345678", "email": "li@@x", "contact_channels": "email"},
            "sms",
            "+8613812345678",
        ),
    ],
)
def test_channel_follows_the_patients_preference(
    cf: ClinicFixture, columns: dict[str, str], channel: str, address: str
) -> None:
    _clinic_phone(cf)
    pid = _patient(cf)
    _set_columns(cf, pid, **columns)
    result = _queue_in(cf, pid)
    assert isinstance(result, uuid.UUID)
    with cf.clinic.store.unit_of_work(write=False) as uow:
        row = uow.session.get(OutboxMessage, result)
        assert row is not None
        assert (row.channel, row.address) == (channel, address)
        if channel == "email":
            assert row.subject == "仁和诊所：就诊后关怀"


def test_no_phone_no_email_is_no_channel(cf: ClinicFixture) -> None:
    pid = _patient(cf)
    assert _queue_in(cf, pid) == "no_channel"
    with pytest.raises(ValidationError) as caught:
        outbox.queue_message(cf.clinic, cf.director, pid, template_code="followup_advice")
    assert "no mainland mobile number, e-mail address or WeChat" in caught.value.message()


@pytest.mark.parametrize(
    "email",
    [
        "wang@",
        "wang@@qq.com",
        "wang @qq.com",
        "王@qq.com",
        "wang@qq",
        "wang@-qq.com",
        "wang..x@qq.com",
        "wang@1.2.3.4",
    ],
)
def test_invalid_email_is_refused_naming_it(cf: ClinicFixture, email: str) -> None:
    _clinic_phone(cf)
    pid = _patient(cf)
    _set_columns(cf, pid, email=email, contact_channels="email")
    assert _queue_in(cf, pid) == "invalid_email"
    with pytest.raises(ValidationError) as caught:
        outbox.queue_message(cf.clinic, cf.director, pid, template_code="followup_advice")
    assert email in caught.value.message()
    assert outbox.counts(cf.clinic, cf.director)["queued"] == 0


def test_opted_out_and_deceased_get_nothing(cf: ClinicFixture) -> None:
    _clinic_phone(cf)
    quiet = _patient(cf, phone="13812345678")
    _set_columns(cf, quiet, opt_out_messages=True)
    gone = _patient(cf, given_name="建国", sex="M", phone="13912345678")
    _set_columns(cf, gone, deceased_on=date(2026, 11, 1))
    assert _queue_in(cf, quiet) == "opted_out"
    assert _queue_in(cf, gone) == "deceased"
    for pid, words in ((quiet, "asked not to receive"), (gone, "death is recorded")):
        with pytest.raises(ValidationError) as caught:
            outbox.queue_message(cf.clinic, cf.director, pid, template_code="followup_advice")
        assert words in caught.value.message()


def test_a_given_id_is_queued_once(cf: ClinicFixture) -> None:
    _clinic_phone(cf)
    pid = _patient(cf, phone="13812345678")
    mid = uuid.uuid5(SYNCED_ROW_NAMESPACE, "reminder:some-appointment")
    assert _queue_in(cf, pid, message_id=mid) == mid
    assert _queue_in(cf, pid, message_id=mid) == "duplicate"
    assert outbox.counts(cf.clinic, cf.director)["queued"] == 1


def test_switched_off_template_queues_nothing(cf: ClinicFixture) -> None:
    _clinic_phone(cf)
    pid = _patient(cf, phone="13812345678")
    default = templates.default_template("followup_advice", "zh_CN")
    outbox.save_template(
        cf.clinic,
        cf.director,
        "followup_advice",
        name="",
        subject=default.subject,
        body=default.body,
        active=False,
    )
    assert _queue_in(cf, pid) == "inactive"
    with pytest.raises(ValidationError) as caught:
        outbox.queue_message(cf.clinic, cf.director, pid, template_code="followup_advice")
    assert "switched off" in caught.value.message()


def test_without_the_clinics_phone_the_message_waits_for_it(cf: ClinicFixture) -> None:
    pid = _patient(cf, phone="13812345678")
    assert _queue_in(cf, pid) == "no_clinic_phone"  # never "请提前致电。" with no number
    with pytest.raises(ValidationError) as caught:
        outbox.queue_message(cf.clinic, cf.director, pid, template_code="followup_advice")
    assert "Settings > Clinic" in caught.value.message()
    _clinic_phone(cf)
    assert isinstance(_queue_in(cf, pid), uuid.UUID)


def test_missing_appointment_value_skips_instead_of_breaking_the_caller(cf: ClinicFixture) -> None:
    _clinic_phone(cf)
    pid = _patient(cf, phone="13812345678")
    # The worklist and a finished visit must never fail over a message's wording.
    assert _queue_in(cf, pid, code="reminder_week") == "bad_template"
    with pytest.raises(ValidationError) as caught:
        outbox.queue_message(cf.clinic, cf.director, pid, template_code="reminder_week")
    assert "{date}" in caught.value.message()


def test_sms_longer_than_platforms_take_is_refused_saying_how_long(cf: ClinicFixture) -> None:
    _clinic_phone(cf)
    body = "{honorific}，您好！" + "请注意保暖。" * 180 + "【{clinic}】"
    outbox.save_template(cf.clinic, cf.director, "campaign", name="", subject="", body=body)
    sms = _patient(cf, phone="13812345678")
    with pytest.raises(ValidationError) as caught:
        outbox.queue_message(cf.clinic, cf.director, sms, template_code="campaign")
    assert "1093 characters" in caught.value.message()  # 张女士 + the text
    assert "1000" in caught.value.message()
    assert _queue_in(cf, sms, code="campaign") == "too_long"
    # An e-mail may be long.
    mail = _patient(cf, given_name="丽", email="li@example.com")
    assert outbox.queue_message(cf.clinic, cf.director, mail, template_code="campaign").value.body


def test_emoji_and_cjk_pass_unchanged(cf: ClinicFixture) -> None:
    _clinic_phone(cf)
    outbox.save_template(
        cf.clinic,
        cf.director,
        "campaign",
        name="节日",
        subject="🎉{clinic}",
        body="{honorific}，您好！新年快乐🧧🎆 【{clinic}】",
    )
    pid = _patient(cf, email="li@example.com")
    view = outbox.queue_message(cf.clinic, cf.director, pid, template_code="campaign").value
    assert view.body == "张女士，您好！新年快乐🧧🎆 【仁和诊所】"
    assert view.subject == "🎉仁和诊所"


def test_merged_record_messages_go_to_the_surviving_record(cf: ClinicFixture) -> None:
    _clinic_phone(cf)
    keep = _patient(cf, phone="13812345678")
    old = _patient(cf, given_name="秀")
    _set_columns(cf, old, merged_into=keep)
    result = _queue_in(cf, old)
    assert isinstance(result, uuid.UUID)
    assert outbox.list_messages(cf.clinic, cf.director, patient_id=keep)[0].id == result
    with pytest.raises(NotFound):
        _queue_in(cf, uuid.uuid4())


# -- the safety check -------------------------------------------------------------------


def test_fragments_and_matching() -> None:
    words = templates.sensitive_fragments(
        ["2型糖尿病，高血压 2级", "Heart failure", "flu"],
        ["二甲双胍缓释片 0.5g", "Amlodipine 5 mg", "阿司匹林肠溶片"],
    )
    assert {
        "2型糖尿病",
        "高血压",
        "heart failure",
        "flu",
        "二甲双胍",
        "amlodipine",
        "阿司匹林",
    } <= words
    assert "2级" not in words and "0.5g" not in words and "mg" in words  # letters count
    assert templates.unsafe_words("请按时服用二甲双胍", words) == ["二甲双胍"]
    assert templates.unsafe_words("您的高血压复查", words) == ["高血压"]
    assert templates.unsafe_words("Your AMLODIPINE refill", words) == ["amlodipine"]
    assert templates.unsafe_words("The influence of weather", words) == []  # whole words
    assert templates.unsafe_words("Heart failure clinic", words) == ["heart failure"]
    assert templates.unsafe_words("张女士，您好！请注意保暖。", words) == []


def test_text_with_the_patients_diagnosis_or_drug_is_refused(cf: ClinicFixture) -> None:
    _clinic_phone(cf)
    pid = _patient(cf, phone="13812345678")
    _visit(cf, pid, "2型糖尿病")
    clinical.add_medication(cf.clinic, cf.director, pid, drug="二甲双胍缓释片", dose="0.5g")
    clinical.add_condition(cf.clinic, cf.director, pid, name="高血压")
    for body in (
        "{honorific}，您好！请按时服用二甲双胍。【{clinic}】",
        "{honorific}，您好！您的高血压需要复查。【{clinic}】",
        "{honorific}，您好！2型糖尿病患者冬季注意。【{clinic}】",
    ):
        outbox.save_template(cf.clinic, cf.director, "campaign", name="", subject="", body=body)
        assert _queue_in(cf, pid, code="campaign") == "unsafe_text"
        with pytest.raises(ValidationError) as caught:
            outbox.queue_message(cf.clinic, cf.director, pid, template_code="campaign")
        assert "diagnosis or a medicine" in caught.value.message()
        with pytest.raises(ValidationError) as caught:
            outbox.preview(cf.clinic, cf.director, "campaign", pid)
        # The sentence does not repeat the words: the reader may not see the record.
        assert "二甲双胍" not in caught.value.message()
    # Another patient without those diagnoses gets the same text.
    other = _patient(cf, given_name="丽", phone="13912345678")
    assert isinstance(_queue_in(cf, other, code="campaign"), uuid.UUID)
    assert outbox.counts(cf.clinic, cf.director)["queued"] == 1


def test_ended_medicine_and_old_visits_no_longer_count(cf: ClinicFixture) -> None:
    _clinic_phone(cf)
    pid = _patient(cf, phone="13812345678")
    med = clinical.add_medication(cf.clinic, cf.director, pid, drug="头孢克肟").value
    clinical.end_medication(cf.clinic, cf.director, med.id, reason="疗程结束")
    _visit(cf, pid, "湿疹", days_ago=400)
    for n in range(outbox.SENSITIVE_VISITS):
        _visit(cf, pid, "复诊", days_ago=10 + n)
    outbox.save_template(
        cf.clinic,
        cf.director,
        "campaign",
        name="",
        subject="",
        body="{honorific}：头孢克肟、湿疹 换季提醒【{clinic}】",
    )
    assert isinstance(_queue_in(cf, pid, code="campaign"), uuid.UUID)


def test_preview_fills_a_sample_appointment(cf: ClinicFixture) -> None:
    _clinic_phone(cf)
    pid = _patient(cf, phone="13812345678")
    text = outbox.preview(cf.clinic, cf.director, "reminder_week", pid)
    assert text.startswith("张女士，您好！") and "11月30日（星期一）" in text
    own = outbox.preview(cf.clinic, cf.director, "{honorific}：{date}见 😊", pid, date="12月1日")
    assert own == "张女士：12月1日见 😊"
    with pytest.raises(ValidationError):
        outbox.preview(cf.clinic, cf.director, "{honorific}{diagnosis}", pid)


# -- cancelling for the follow-up services ----------------------------------------------


def test_cancel_for_patient_in(cf: ClinicFixture) -> None:
    _clinic_phone(cf)
    pid = _patient(cf, phone="13812345678", email="li@example.com")
    first = _queue_in(cf, pid)
    _set_columns(cf, pid, contact_channels="email")
    second = _queue_in(cf, pid)
    other = _queue_in(cf, _patient(cf, given_name="丽", phone="13912345678"))
    with cf.clinic.store.unit_of_work(write=True) as uow:
        assert (
            outbox.cancel_for_patient_in(
                cf.clinic, uow, pid, reason="opted_out", channels=("email",)
            )
            == 1
        )
        assert outbox.cancel_for_patient_in(cf.clinic, uow, pid, reason="deceased") == 1
        uow.commit()
    states = {m.id: (m.state, m.last_error) for m in outbox.list_messages(cf.clinic, cf.director)}
    assert states[second] == ("cancelled", "opted_out")
    assert states[first] == ("cancelled", "deceased")
    assert states[other] == ("queued", "")


def test_cancel_and_retry_rules(cf: ClinicFixture) -> None:
    _clinic_phone(cf)
    pid = _patient(cf, phone="13812345678")
    mid = outbox.queue_message(
        cf.clinic, cf.director, pid, template_code="followup_advice"
    ).value.id
    with pytest.raises(ValidationError):
        outbox.cancel_message(cf.clinic, cf.director, mid, reason="  ")
    with pytest.raises(ValidationError):
        outbox.retry_message(cf.clinic, cf.director, mid)  # queued: nothing to retry
    done = outbox.cancel_message(cf.clinic, cf.director, mid, reason="已改约 🙏").value
    assert (done.state, done.last_error) == ("cancelled", "已改约 🙏")
    with pytest.raises(ValidationError):
        outbox.cancel_message(cf.clinic, cf.director, mid, reason="again")
    with pytest.raises(ValidationError):
        outbox.retry_message(cf.clinic, cf.director, mid)
    with pytest.raises(NotFound):
        outbox.cancel_message(cf.clinic, cf.director, uuid.uuid4(), reason="x")

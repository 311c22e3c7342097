"""Printed cards, slips, hand-outs and forms (issue 8; spec D2, K1, K2, A4, E4, C5, C4).

Real data in a real clinic through ``services.printouts``, PDFs out, read back
with pypdf and poppler: the words are there in Chinese and English, the font is
embedded as a subset, the page is the size asked for, nothing is cut off or
left outside the margins. ``test_render_every_document`` writes PNGs of each
document to $CLINICDESK_PRINT_PNG (default /tmp/shots/printouts) to look at.
"""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from clinic_desk.core import settings_catalog
from clinic_desk.core.errors import (
    BreakGlassReasonNeeded,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from clinic_desk.core.printing import fonts
from clinic_desk.core.printing.forms import (
    FollowUpFormLabels,
    ReferralLetter,
    ReferralLetterLabels,
    followup_form_pdf,
    referral_letter_pdf,
)
from clinic_desk.core.printing.handouts import (
    AppointmentSlip,
    ContactCardLabels,
    FirstVisitLabels,
    SlipLabels,
    appointment_slip_pdf,
    contact_card_pdf,
    first_visit_sheet_pdf,
    paragraphs,
)
from clinic_desk.core.printing.layout import ClinicInfo, hours_lines
from clinic_desk.core.printing.medication_card import (
    CardDrug,
    MedicationCard,
    MedicationCardLabels,
    medication_card_pdf,
)
from clinic_desk.core.printing.pages import page_spec, resolve_size
from clinic_desk.core.printing.qr import contact_vcard, make_qr
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import (
    appointments,
    audit_log,
    clinical,
    patients,
    prescriptions,
    printouts,
    referrals,
    rosters,
    staff,
)
from clinic_desk.core.services.appointments import FirstVisitInfoMissing
from clinic_desk.core.services.base import Actor
from clinic_desk.core.services.settings import update_settings
from tests.conftest import ClinicFixture
from tests.unit.test_day_list_pdf import (
    assert_fonts_embedded,
    assert_inside_margins,
    needs_poppler,
    squeeze,
)
from tests.unit.test_recovery_kit import assert_modules_print, form_and_placement, resources

SH = ZoneInfo("Asia/Shanghai")
PNG_DIR = Path(os.environ.get("CLINICDESK_PRINT_PNG", "/tmp/shots/printouts"))

# -- the words in Simplified Chinese, as the translators would give them ----------------------

ZH_WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
ZH_WEEKDAYS_SHORT = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

ZH_CARD = MedicationCardLabels(
    title="用药提醒卡",
    title_large="用药提醒卡（大字版）",
    continued="{title}（续）",
    card_no="第 {n} / {total} 张",
    date_format="{year}年{month}月{day}日",
    issued="开具日期 {date}",
    issued_by="{date} · {doctor}开具",
    drug="药品",
    dose="每次{dose}",
    days="共{n}天",
    one_day="共1天",
    caution="注意：{text}",
    questions="有疑问请致电 {phone}",
    times={"morning": "早", "noon": "中", "evening": "晚", "bedtime": "睡前"},
    frequencies={
        "qd": "每日一次",
        "bid": "每日两次",
        "tid": "每日三次",
        "qid": "每日四次",
        "qn": "每晚一次",
        "q8h": "每8小时一次",
        "q12h": "每12小时一次",
        "prn": "需要时服用",
        "once": "仅一次",
        "weekly": "每周一次",
    },
    timings={
        "before_meal": "饭前",
        "after_meal": "饭后",
        "with_meal": "随餐",
        "empty_stomach": "空腹",
        "bedtime": "睡前",
        "any": "任何时间",
    },
    routes={"oral": "口服", "eye": "滴眼", "topical": "外用", "inhaled": "吸入"},
    meal_short={
        "before_meal": "饭前",
        "after_meal": "饭后",
        "with_meal": "随餐",
        "empty_stomach": "空腹",
    },
)
ZH_SLIP = SlipLabels(
    title="预约单",
    greeting="{name}，您的预约：",
    date_format="{year}年{month}月{day}日 {weekday}",
    weekdays=ZH_WEEKDAYS,
    length="{n} 分钟",
    doctor="医生",
    place="地点",
    purpose="就诊事项",
    record_no="病历号",
    bring="请携带",
    bring_default="身份证、医保卡和正在服用的药物。",
    change="改约或取消",
    change_call_by="请在就诊前一天 {time} 前致电 {phone}。",
    change_call="请尽早致电 {phone}。",
    change_desk_by="请在就诊前一天 {time} 前告知前台。",
    change_desk="请尽早告知前台。",
    first_visit="这是您的初诊：请提前一点到达办理登记。",
    phone="电话 {phone}",
)
ZH_FIRST = FirstVisitLabels(
    title="初诊须知",
    welcome="{name}，欢迎您。",
    welcome_plain="欢迎来到{clinic}。",
    appointment="您的预约",
    appointment_text="{day} {time}，{doctor}",
    appointment_no_doctor="{day} {time}",
    date_format="{year}年{month}月{day}日 {weekday}",
    weekdays=ZH_WEEKDAYS,
    weekdays_short=ZH_WEEKDAYS_SHORT,
    day_range="{first}至{last}",
    where="怎样找到我们",
    address="地址",
    phone="电话",
    hours="门诊时间",
    before="停车与携带物品",
    questions="如有疑问请致电 {phone}。",
    page="第 {n} / {total} 页",
)
ZH_CONTACT = ContactCardLabels(
    title="连心卡",
    for_patient="{name}",
    doctor="您的医生：{name}",
    intro="对健康或就诊有任何疑问，欢迎随时来电。",
    phone="电话",
    hours="门诊时间",
    address="地址",
    weekdays_short=ZH_WEEKDAYS_SHORT,
    day_range="{first}至{last}",
    scan="扫码保存我们的联系方式",
)
ZH_FOLLOWUP = FollowUpFormLabels(
    title="电话回访表",
    patient_section="病人基本信息",
    call_section="回访信息",
    check_section="领导抽查",
    name="姓名",
    age="年龄",
    end_of_treatment="出院或结束治疗时间",
    diagnosis="诊断",
    record_no="门诊或住院号",
    caller="回访人",
    department="科室",
    date="日期",
    address="地址",
    phone="电话号码",
    notes="内容记录",
    check_date="日期",
    checker="抽查人",
    evaluation="评价",
    page="第 {n} / {total} 页",
)
ZH_REFERRAL = ReferralLetterLabels(
    title="转诊单",
    to="转往",
    department="科室",
    date="日期",
    urgency="紧急程度",
    urgencies={"routine": "常规", "urgent": "紧急", "emergency": "急诊"},
    urgent_notice="紧急程度：{urgency}。请尽快接诊。",
    greeting="尊敬的同道：",
    body="现将以下患者转诊贵院，感谢接诊。",
    patient="患者信息",
    name="姓名",
    sex="性别",
    sexes={"F": "女", "M": "男", "U": "未说明"},
    birth="出生日期",
    birth_age="{date}（{age}岁）",
    record_no="本院病历号",
    phone="电话",
    reason="转诊原因",
    allergies="过敏史",
    no_allergies="未记录过敏。",
    medication="目前用药",
    no_medication="无记录。",
    summary="病情摘要",
    attachments="附件",
    doctor="转诊医生",
    signature="签名",
    date_format="{year}年{month}月{day}日",
    phone_line="电话 {phone}",
    page="第 {n} / {total} 页",
    continued="{title}（续）",
)

FIRST_VISIT_INFO = (
    "地址：北京市朝阳区建国路 88 号仁和大厦一层（地铁 1 号线国贸站 C 口步行 5 分钟）。"
    "停车：大厦地下停车场，就诊可免费停车 2 小时。"
    "请携带：身份证、医保卡、既往病历和检查报告、正在服用的药物。"
)
DRUGS = [
    prescriptions.ItemInput("阿莫西林胶囊", "0.25g", "2粒", "oral", "tid", "after_meal", 7, "12粒"),
    prescriptions.ItemInput(
        "布洛芬缓释胶囊",
        "0.3g",
        "1粒",
        "oral",
        "prn",
        "after_meal",
        3,
        "6粒",
        "发热超过38.5℃时服用，两次间隔至少6小时。",
    ),
    prescriptions.ItemInput(
        "艾司唑仑片", "1mg", "1片", "oral", "qn", "bedtime", 7, "7片", "服药后不要驾车。"
    ),
]


# -- reading PDFs back ------------------------------------------------------------------------


def text_of(data: bytes) -> str:
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def page_texts(data: bytes) -> list[str]:
    return [squeeze(p.extract_text()) for p in PdfReader(io.BytesIO(data)).pages]


def body_text(data: bytes, chrome: tuple[str, ...]) -> str:
    """All pages' text without the lines every page repeats (header, footer), joined."""
    lines = [
        line
        for page in PdfReader(io.BytesIO(data)).pages
        for line in page.extract_text().splitlines()
        if not any(word in squeeze(line) for word in chrome)
    ]
    return squeeze("".join(lines))


def page_sizes(data: bytes) -> list[tuple[float, float]]:
    return [
        (float(p.mediabox.width), float(p.mediabox.height))
        for p in PdfReader(io.BytesIO(data)).pages
    ]


def font_sizes(data: bytes, needle: str) -> list[float]:
    """The sizes ``needle`` is drawn at (the text matrix is never scaled here)."""
    found: list[float] = []

    def visit(text: str, _cm: Any, tm: Any, _font: Any, size: float) -> None:
        if needle in text:
            found.append(float(size) * float(tm[0]))

    for page in PdfReader(io.BytesIO(data)).pages:
        page.extract_text(visitor_text=visit)
    return found


def render_png(data: bytes, name: str) -> list[Path]:
    """Every page at 100 dpi in PNG_DIR, to look at."""
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    pdf = PNG_DIR / f"{name}.pdf"
    pdf.write_bytes(data)
    for old in PNG_DIR.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(pdf), str(PNG_DIR / name)], check=True)
    return sorted(PNG_DIR.glob(f"{name}-*.png"))


# -- a clinic with a doctor, a patient and their record ---------------------------------------


def _actor(cf: ClinicFixture, role: Role, name: str) -> Actor:
    login = f"{role.value.replace('_', '.')}.{uuid.uuid4().hex[:4]}"
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=name, role=role, password="pass-12345678"
    )
    return staff.sign_in(cf.clinic, login, "pass-12345678")


def _patient(cf: ClinicFixture, **kw: Any) -> uuid.UUID:
    fields = {
        "family_name": "张",
        "given_name": "秀英",
        "sex": "F",
        "birth_date": date(1980, 3, 2),
        "phone": "13812345678",
        "address": "北京市朝阳区建国路 88 号 3 单元 502",
    } | kw
    return patients.register_patient(cf.clinic, cf.director, not_duplicate=True, **fields).value.id


@pytest.fixture
def clinic(cf: ClinicFixture) -> dict[str, Any]:
    update_settings(
        cf.clinic,
        cf.director,
        {
            "clinic.phone": "010-8888 6666",
            "clinic.address": "北京市朝阳区建国路 88 号仁和大厦一层",
            "clinic.first_visit_info": FIRST_VISIT_INFO,
        },
    )
    doctor = _actor(cf, Role.DOCTOR, "李医生")
    assert doctor.staff_id is not None
    blocks = [rosters.RosterBlock(d, 8 * 60, 12 * 60) for d in range(6)]
    blocks += [rosters.RosterBlock(d, 13 * 60 + 30, 17 * 60 + 30) for d in range(5)]
    blocks.append(rosters.RosterBlock(0, 10 * 60, 10 * 60 + 30, "break"))
    rosters.set_weekly_roster(cf.clinic, cf.director, doctor.staff_id, blocks)
    rosters.set_doctor_profile(
        cf.clinic, cf.director, doctor.staff_id, specialties="全科", description=""
    )
    patient = _patient(cf)
    rx = prescriptions.write_prescription(cf.clinic, doctor, patient, DRUGS).value.id
    return {"cf": cf, "doctor": doctor, "patient": patient, "rx": rx}


# -- the medication card (D2) -----------------------------------------------------------------


def test_medication_card_from_a_real_prescription(clinic: dict[str, Any], tmp_path: Path) -> None:
    cf = clinic["cf"]
    job = printouts.medication_card(cf.clinic, clinic["doctor"], clinic["rx"])
    card = job.card
    assert card.patient == "张女士" and card.doctor == "李医生"  # never the bare name (C4)
    assert [d.name for d in card.drugs] == [
        "阿莫西林胶囊 0.25g",
        "布洛芬缓释胶囊 0.3g",
        "艾司唑仑片 1mg",
    ]
    assert card.clinic.phone == "010-8888 6666" and "BEGIN:VCARD" in card.clinic.qr
    assert not job.large_print and job.age == 46

    zh = medication_card_pdf(card, labels=ZH_CARD)
    text = squeeze(text_of(zh))
    for word in (
        "仁和诊所",
        "用药提醒卡",
        "张女士",
        "阿莫西林胶囊0.25g",
        "每次2粒",
        "共7天",
        "饭后",
        "早",
        "中",
        "晚",
        "睡前",
        "需要时服用",
        "注意：服药后不要驾车。",
        "有疑问请致电010-88886666",
        "第1/1张",
        "2026年11月23日·李医生开具",
    ):
        assert word in text, word
    assert "发热超过38.5°C时服用" in text  # ℃ has no outline in the font: printed as °C
    assert "张秀英" not in text
    assert_fonts_embedded(zh)
    assert page_sizes(zh) == [pytest.approx((105 * mm, 148 * mm), abs=0.5)]

    en = medication_card_pdf(card)
    text = squeeze(text_of(en))
    for word in (
        "Medicationremindercard",
        "Morning",
        "Noon",
        "Evening",
        "Bedtime",
        "aftermeals",
        "2粒eachtime",
        "for7days",
        "whenneeded",
        "Questions?Call",
    ):
        assert word in text, word
    assert_fonts_embedded(en)


def test_twenty_drugs_continue_on_a_second_card(tmp_path: Path) -> None:
    clinic = ClinicInfo("仁和诊所", phone="010-8888 6666", qr=contact_vcard(name="仁和诊所"))
    drugs = tuple(
        CardDrug(f"药品{i + 1:02d}号片 10mg", "1片", "oral", "bid", "after_meal", 7)
        for i in range(20)
    )
    data = medication_card_pdf(MedicationCard(clinic, "王大爷", drugs), labels=ZH_CARD)
    pages = page_texts(data)
    assert len(pages) == 2
    assert "第1/2张" in pages[0] and "第2/2张" in pages[1]
    assert "（续）" in pages[1] and "（续）" not in pages[0]
    assert "王大爷" in pages[1] and "有疑问请致电" in pages[1]  # every card stands alone
    for i in range(20):
        name = f"药品{i + 1:02d}号片10mg"
        assert sum(p.count(name) for p in pages) == 1, name  # each drug once, none lost
    assert_inside_margins(data, tmp_path, 10 * mm)


def test_long_names_and_cautions_wrap_and_are_never_cut(tmp_path: Path) -> None:
    name = "复方" + "甘草酸苷" * 45 + "片"  # 183 characters, near the 200 allowed
    caution = "服药期间请勿饮酒，避免驾驶或操作机械；如出现皮疹、呼吸困难请立即停药并就医。" * 25
    english = "Supercalifragilisticexpialidocious-extended-release-tablets " * 3
    drugs = (
        CardDrug(name, "1片", "oral", "tid", "after_meal", 14, caution),
        CardDrug(english, "2 tablets", "oral", "bid", "before_meal", 5),
    )
    card = MedicationCard(ClinicInfo("仁和诊所", phone="010-8888 6666"), "张女士", drugs)
    for page, large in (("A6", False), ("62mm", False), ("A5", True)):
        data = medication_card_pdf(card, labels=ZH_CARD, page=page, large_print=large)
        chrome = ("仁和诊所", "用药提醒卡", "张女士", "有疑问请致电", "张", "药品早中晚睡前")
        text = body_text(data, chrome)
        assert squeeze(name) in text
        assert "注意：" + squeeze(caution) in text
        assert squeeze(english) in text
        assert "…" not in text
        spec = page_spec(page)
        assert_inside_margins(data, tmp_path, spec.margin)


def test_missing_optional_fields_leave_no_empty_labels() -> None:
    card = MedicationCard(ClinicInfo("仁和诊所"), "张女士", (CardDrug("维生素C片"),))
    text = squeeze(text_of(medication_card_pdf(card)))
    for absent in ("eachtime", "days", "Issued", "by", "Questions", "Caution"):
        assert absent not in text, absent
    assert "维生素C片" in text and "Card1/1" in text

    slip = AppointmentSlip(ClinicInfo("仁和诊所"), "张女士", "", date(2026, 11, 24), "09:30")
    text = squeeze(text_of(appointment_slip_pdf(slip)))
    for absent in ("Doctor", "Place", "For", "Recordno.", "firstvisit", "Phone"):
        assert absent not in text, absent
    assert "Tellthefrontdeskasearlyasyoucan." in text  # no phone: the desk, not "call"

    letter = ReferralLetter(
        ClinicInfo("仁和诊所"), "协和医院", date(2026, 11, 23), "张秀英", "会诊"
    )
    text = squeeze(text_of(referral_letter_pdf(letter)))
    for absent in ("Department", "Sex", "Dateofbirth", "Ourrecordno.", "Enclosed", "Summary"):
        assert absent not in text, absent
    assert "Noallergiesrecorded." in text  # said, not left blank: the hospital must know


def test_characters_outside_the_font_fall_back_never_a_blank_box() -> None:
    clinic = ClinicInfo("仁和诊所 🏥", phone="010-8888 6666")
    drugs = (CardDrug("𠮷野家特制药 😀", "1片", "oral", "qd", "", 3, "体温≥38.5℃时服用 ⚠"),)
    data = medication_card_pdf(MedicationCard(clinic, "Lǚ Wǎng", drugs), labels=ZH_CARD)
    text = squeeze(text_of(data))
    assert "?野家特制药" in text  # a letter the font lacks shows as "?", not a gap
    assert "38.5°C" in text and "LüWang" in text
    assert "😀" not in text and "🏥" not in text and "⚠" not in text
    assert fonts.printable("℃ Ⅴ ǎ") == "°C V a"


def test_large_print_follows_the_age_setting_and_is_really_large(
    clinic: dict[str, Any],
) -> None:
    cf = clinic["cf"]
    old = _patient(cf, given_name="大山", sex="M", birth_date=date(1950, 5, 1), phone="13900000001")
    rx = prescriptions.write_prescription(cf.clinic, clinic["doctor"], old, DRUGS[:1]).value.id
    job = printouts.medication_card(cf.clinic, clinic["doctor"], rx)
    assert job.large_print and job.age == 76 and job.card.patient == "张大爷"
    update_settings(cf.clinic, cf.director, {"printing.large_print_age": 80})
    assert not printouts.medication_card(cf.clinic, clinic["doctor"], rx).large_print

    normal = medication_card_pdf(job.card, labels=ZH_CARD)
    large = medication_card_pdf(job.card, labels=ZH_CARD, page="A5", large_print=True)
    assert "用药提醒卡（大字版）" in squeeze(text_of(large))
    assert max(font_sizes(large, "阿莫西林")) >= 16 > max(font_sizes(normal, "阿莫西林")) + 5
    assert min(font_sizes(large, "每次2粒")) >= 14
    assert page_sizes(large) == [pytest.approx((148 * mm, 210 * mm), abs=0.5)]


def test_bilingual_card(clinic: dict[str, Any]) -> None:
    cf = clinic["cf"]
    job = printouts.medication_card(
        cf.clinic, clinic["doctor"], clinic["rx"], language="zh_CN", second_language="en"
    )
    assert job.card.patient == "张女士" and job.card.patient_second == "Ms Zhang"
    data = medication_card_pdf(job.card, labels=ZH_CARD, second=MedicationCardLabels())
    text = squeeze(text_of(data))
    for word in (
        "用药提醒卡",
        "Medicationremindercard",
        "早",
        "Morning",
        "饭后",
        "aftermeals",
        "每次2粒",
        "2粒eachtime",
        "MsZhang",
        "有疑问请致电",
        "Questions?Call",
    ):
        assert word in text, word


def test_label_stock_sizes_and_margins(clinic: dict[str, Any], tmp_path: Path) -> None:
    cf = clinic["cf"]
    card = printouts.medication_card(cf.clinic, clinic["doctor"], clinic["rx"]).card
    roll = medication_card_pdf(card, labels=ZH_CARD, page="62mm")
    (width, height), *_ = page_sizes(roll)
    assert width == pytest.approx(62 * mm, abs=0.5)
    assert 40 * mm <= height <= 200 * mm  # cut to what it holds
    assert_inside_margins(roll, tmp_path, 5 * mm)
    thermal = medication_card_pdf(card, labels=ZH_CARD, page="4x6in")
    assert page_sizes(thermal)[0] == pytest.approx((288, 432), abs=0.5)
    assert_inside_margins(thermal, tmp_path, 5 * mm)

    assert resolve_size("label", "4x6in") == "4x6in" and resolve_size("A5", "62mm") == "A5"
    assert page_spec("A4").margin >= 10 * mm and page_spec("A6").margin >= 10 * mm
    assert page_spec("62mm").margin >= 5 * mm and page_spec("4x6in").margin >= 5 * mm
    assert page_spec("A6", extra_mm=3).margin == pytest.approx(13 * mm)
    update_settings(
        cf.clinic, cf.director, {"printing.card_size": "label", "printing.label_stock": "4x6in"}
    )
    settings = printouts.print_settings(cf.clinic, cf.director)
    assert settings.card_size == "4x6in" and settings.large_print_size == "A5"


def test_printing_settings_are_in_the_catalog_with_defaults() -> None:
    defaults = settings_catalog.default_values()
    assert defaults["printing.large_print_age"] == 70
    assert defaults["printing.label_stock"] == "62mm"
    assert settings_catalog.BY_KEY["printing.label_stock"].choices == ("62mm", "4x6in")
    assert {d.group for d in settings_catalog.CATALOG if d.key.startswith("printing.")} == {
        "Printing"
    }
    with pytest.raises(ValidationError):
        settings_catalog.BY_KEY["printing.large_print_age"].validate(20)


# -- slip, first-visit sheet, contact card (A4, K1, K2) --------------------------------------


def _book(clinic: dict[str, Any], patient: uuid.UUID, **kw: Any) -> uuid.UUID:
    cf = clinic["cf"]
    return appointments.book(
        cf.clinic,
        cf.director,
        patient_id=patient,
        doctor_id=clinic["doctor"].staff_id,
        starts_at=datetime(2026, 11, 24, 9, 30, tzinfo=SH),
        channel="phone",
        identity_checked=True,
        minutes=15,
        **kw,
    ).value.id


def test_appointment_slip(clinic: dict[str, Any]) -> None:
    cf = clinic["cf"]
    appointment = _book(clinic, clinic["patient"], purpose="高血压复诊")
    slip = printouts.appointment_slip(cf.clinic, cf.director, appointment)
    assert (slip.patient, slip.doctor, slip.time, slip.day) == (
        "张女士",
        "李医生",
        "09:30",
        date(2026, 11, 24),
    )
    assert slip.first_visit and slip.change_by == "16:00" and slip.record_no
    zh = appointment_slip_pdf(slip, labels=ZH_SLIP)
    text = squeeze(text_of(zh))
    for word in (
        "预约单",
        "张女士，您的预约：",
        "2026年11月24日星期二",
        "09:30",
        "15分钟",
        "李医生",
        "高血压复诊",
        "请携带",
        "身份证、医保卡",
        "改约或取消",
        "请在就诊前一天16:00前致电010-88886666。",
        "这是您的初诊",
        "北京市朝阳区建国路88号仁和大厦一层",
    ):
        assert word in text, word
    assert_fonts_embedded(zh)
    assert page_sizes(zh) == [pytest.approx((105 * mm, 148 * mm), abs=0.5)]
    en = squeeze(text_of(appointment_slip_pdf(slip)))
    assert "Appointmentslip" in en and "Tuesday2026-11-24" in en and "Callus" in en

    appointments.cancel(cf.clinic, cf.director, appointment, reason="患者有事")
    with pytest.raises(ValidationError):
        printouts.appointment_slip(cf.clinic, cf.director, appointment)


def test_first_visit_sheet(clinic: dict[str, Any]) -> None:
    cf = clinic["cf"]
    appointment = _book(clinic, clinic["patient"])
    sheet = printouts.first_visit_sheet(cf.clinic, cf.director, appointment_id=appointment)
    assert sheet.patient == "张女士" and sheet.doctor == "李医生" and sheet.time == "09:30"
    assert paragraphs(sheet.info)[1].startswith("停车：")
    zh = first_visit_sheet_pdf(sheet, labels=ZH_FIRST)
    text = squeeze(text_of(zh))
    for word in (
        "初诊须知",
        "张女士，欢迎您。",
        "您的预约",
        "2026年11月24日星期二09:30，李医生",
        "地址",
        "门诊时间",
        "周一08:00–10:00,10:30–12:00,13:30–17:30",
        "周二至周五08:00–12:00,13:30–17:30",
        "停车：大厦地下停车场",
        "请携带：身份证",
    ):
        assert word in text, word
    assert page_sizes(zh) == [pytest.approx((148 * mm, 210 * mm), abs=0.5)]
    assert_fonts_embedded(zh)
    blank = printouts.first_visit_sheet(cf.clinic, cf.director)
    assert blank.patient == "" and "Welcometo仁和诊所." in squeeze(
        text_of(first_visit_sheet_pdf(blank))
    )

    appointments.cancel(cf.clinic, cf.director, appointment, reason="患者有事")
    cancelled = printouts.first_visit_sheet(cf.clinic, cf.director, appointment_id=appointment)
    assert cancelled.patient == "张女士" and cancelled.day is None and cancelled.time == ""

    update_settings(cf.clinic, cf.director, {"clinic.first_visit_info": ""})
    with pytest.raises(FirstVisitInfoMissing):
        printouts.first_visit_sheet(cf.clinic, cf.director)


def test_opening_hours_from_rosters_or_the_setting(clinic: dict[str, Any]) -> None:
    cf = clinic["cf"]
    info = printouts.clinic_info(cf.clinic, cf.director)
    # Monday's break (10:00-10:30) is the only doctor's: the clinic is closed then.
    assert dict(info.weekly_hours)[0] == "08:00–10:00, 10:30–12:00, 13:30–17:30"
    assert dict(info.weekly_hours)[5] == "08:00–12:00" and 6 not in dict(info.weekly_hours)
    assert hours_lines(info, ZH_CONTACT.weekdays_short, "{first}至{last}")[0].startswith("周一 ")
    update_settings(cf.clinic, cf.director, {"printing.opening_hours": "每天 8:00-20:00"})
    info = printouts.clinic_info(cf.clinic, cf.director)
    assert info.weekly_hours == () and hours_lines(info, (), "") == ["每天 8:00-20:00"]
    update_settings(cf.clinic, cf.director, {"printing.contact_qr": "https://example.cn/renhe"})
    assert printouts.clinic_info(cf.clinic, cf.director).qr == "https://example.cn/renhe"


def test_contact_card(clinic: dict[str, Any]) -> None:
    cf = clinic["cf"]
    clinical.record_visit(
        cf.clinic,
        clinic["doctor"],
        clinic["patient"],
        diagnosis="上呼吸道感染",
        doctor_id=clinic["doctor"].staff_id,
    )
    card = printouts.contact_card(cf.clinic, cf.director, clinic["patient"])
    assert card.patient == "张女士" and card.doctor == "李医生"
    zh = contact_card_pdf(card, labels=ZH_CONTACT)
    text = squeeze(text_of(zh))
    for word in (
        "连心卡",
        "仁和诊所",
        "010-88886666",
        "门诊时间",
        "扫码保存我们的联系方式",
        "您的医生：李医生",
    ):
        assert word in text, word
    reader = PdfReader(io.BytesIO(zh))
    xobjects = reader.pages[0]["/Resources"]["/XObject"]
    assert any(name.startswith("/FormXob") or "QR" in name for name in xobjects)
    assert_fonts_embedded(zh)
    blank = contact_card_pdf(printouts.contact_card(cf.clinic, cf.director))
    assert "Contactcard" in squeeze(text_of(blank)) and "For" not in squeeze(text_of(blank))


def _qr_form(data: bytes) -> tuple[list[list[float]], list[float]]:
    """The QR form's rectangles (module units) and the matrix placing it on page 1."""
    reader = PdfReader(io.BytesIO(data))
    name = next(k for k in resources(reader.pages[0])["/XObject"] if "QR" in k)
    return form_and_placement(reader, name)


@needs_poppler
def test_the_contact_card_qr_is_the_clinic_vcard_module_for_module(
    clinic: dict[str, Any], tmp_path: Path
) -> None:
    cf = clinic["cf"]
    card = printouts.contact_card(cf.clinic, cf.director)
    data = contact_card_pdf(card)
    rects, ctm = _qr_form(data)
    matrix = make_qr(card.clinic.qr).matrix
    n = len(matrix)
    drawn = [[0] * n for _ in range(n)]
    for x, y, w, h in rects:
        assert h == 1 and w >= 1
        for col in range(int(x), int(x + w)):
            drawn[n - 1 - int(y)][col] = 1
    assert drawn == [list(row) for row in matrix]
    module, x0, y0 = ctm[0], ctm[4], ctm[5]
    assert module >= 0.4 * mm  # phones read 0.4 mm modules from a laser printer
    # What prints is the code: sample each module's centre, the quiet zone white.
    image_mod = pytest.importorskip("PIL.Image")
    (tmp_path / "card.pdf").write_bytes(data)
    dpi = 300
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-gray", "-singlefile", str(tmp_path / "card.pdf"),
         str(tmp_path / "card")],
        check=True,
    )  # fmt: skip
    image = image_mod.open(tmp_path / "card.png").convert("L")
    page_height = page_sizes(data)[0][1]
    assert_modules_print(image, matrix, (module, x0, y0), page_height=page_height, dpi=dpi)


def test_the_qr_code_holds_the_clinic_contact() -> None:
    vcard = contact_vcard(name="仁和诊所; 总店", phone="010-8888 6666", address="建国路 88 号")
    assert "FN:仁和诊所\\; 总店" in vcard and "TEL;TYPE=WORK,VOICE:010-8888 6666" in vcard
    assert vcard.startswith("BEGIN:VCARD") and vcard.endswith("END:VCARD")
    assert make_qr(vcard) is make_qr(vcard)  # cached: the mask search is the slow part
    assert len(make_qr(vcard).matrix) >= 21


# -- the follow-up record (E4) and the referral letter (C5) ------------------------------------


SEED_FIELDS = (
    "姓名",
    "年龄",
    "出院或结束治疗时间",
    "诊断",
    "门诊或住院号",
    "回访人",
    "科室",
    "日期",
    "地址",
    "电话号码",
    "内容记录",
    "领导抽查",
    "抽查人",
    "评价",
)


def test_followup_form_blank_and_filled(clinic: dict[str, Any]) -> None:
    cf = clinic["cf"]
    blank = followup_form_pdf(printouts.followup_form(cf.clinic, cf.director), labels=ZH_FOLLOWUP)
    text = squeeze(text_of(blank))
    for word in SEED_FIELDS:
        assert word in text, word  # the seed's 医院服务患者电话回访表, every box
    assert page_sizes(blank) == [pytest.approx((210 * mm, 297 * mm), abs=0.5)]
    assert_fonts_embedded(blank)

    clinical.record_visit(
        cf.clinic,
        clinic["doctor"],
        clinic["patient"],
        diagnosis="2型糖尿病",
        doctor_id=clinic["doctor"].staff_id,
    )
    form = printouts.followup_form(cf.clinic, clinic["doctor"], clinic["patient"])
    assert (form.patient_name, form.age, form.diagnosis, form.department, form.caller) == (
        "张秀英",
        "46",
        "2型糖尿病",
        "全科",
        "李医生",
    )
    assert form.end_of_treatment == "2026-11-23" and form.phone == "138 1234 5678"
    text = squeeze(text_of(followup_form_pdf(form, labels=ZH_FOLLOWUP)))
    for word in (*SEED_FIELDS, "张秀英", "2型糖尿病", "全科", "北京市朝阳区建国路88号3单元502"):
        assert word in text, word
    # Customer service calls the patient but does not read the clinical record (C3).
    service = _actor(cf, Role.CUSTOMER_SERVICE, "客服小林")
    form = printouts.followup_form(cf.clinic, service, clinic["patient"])
    assert form.diagnosis == "" and form.caller == "客服小林" and form.patient_name == "张秀英"
    en = squeeze(text_of(followup_form_pdf(form)))
    assert "Follow-upcallrecord" in en and "Supervisor'sspotcheck" in en


def test_referral_letter(clinic: dict[str, Any]) -> None:
    cf, doctor, patient = clinic["cf"], clinic["doctor"], clinic["patient"]
    clinical.add_allergy(
        cf.clinic, doctor, patient, substance="青霉素", reaction="皮疹", severity="severe"
    )
    clinical.add_medication(
        cf.clinic, doctor, patient, drug="二甲双胍片", dose="0.5g", frequency="bid"
    )
    report = clinical.add_attachment(
        cf.clinic, doctor, patient, title="糖化血红蛋白", filename="hba1c.pdf", data=b"%PDF-1.4"
    ).value.id
    referral = referrals.refer_out(
        cf.clinic,
        doctor,
        patient,
        partner="北京协和医院",
        department="内分泌科",
        urgency="urgent",
        reason="血糖控制不佳，请会诊调整治疗方案。",
        summary="病情摘要\n\n过敏：青霉素",
        attachment_ids=[report],
    ).value.id
    letter = printouts.referral_letter(cf.clinic, doctor, referral)
    assert letter.allergies == ("青霉素 (皮疹) (severe)",)
    assert "二甲双胍片 0.5g bid" in letter.medication
    assert letter.attachments == ("糖化血红蛋白 (2026-11-23)",) and letter.doctor == "李医生"
    zh = referral_letter_pdf(letter, labels=ZH_REFERRAL)
    text = squeeze(text_of(zh))
    for word in (
        "转诊单",
        "北京协和医院",
        "内分泌科",
        "紧急程度：紧急。请尽快接诊。",
        "张秀英",
        "女",
        "1980年3月2日（46岁）",
        "血糖控制不佳",
        "青霉素(皮疹)(severe)",
        "二甲双胍片0.5gbid",
        "阿莫西林胶囊",
        "糖化血红蛋白(2026-11-23)",
        "转诊医生",
        "李医生",
        "病情摘要",
        "第1/1页",
    ):
        assert word in text, word
    assert page_sizes(zh) == [pytest.approx((210 * mm, 297 * mm), abs=0.5)]
    assert_fonts_embedded(zh)
    en = squeeze(text_of(referral_letter_pdf(letter)))
    assert "Referralletter" in en and "Currentmedication" in en and "Enclosed" in en


# -- permissions, audit, no temporary files ---------------------------------------------------


def test_permissions_are_checked_and_reads_audited(clinic: dict[str, Any]) -> None:
    cf, patient = clinic["cf"], clinic["patient"]
    desk = _actor(cf, Role.RECEPTIONIST, "前台小周")
    pharmacist = _actor(cf, Role.PHARMACIST, "药师陈")
    with pytest.raises(BreakGlassReasonNeeded):  # outside the desk's role
        printouts.medication_card(cf.clinic, desk, clinic["rx"])
    assert printouts.medication_card(cf.clinic, pharmacist, clinic["rx"]).card.drugs
    with pytest.raises(PermissionDenied):
        printouts.followup_form(cf.clinic, pharmacist, patient)
    referral = referrals.refer_out(
        cf.clinic, clinic["doctor"], patient, partner="协和医院", reason="会诊"
    ).value.id
    with pytest.raises(BreakGlassReasonNeeded):
        printouts.referral_letter(cf.clinic, pharmacist, referral)
    # The desk may break the glass for the letter, with a reason, and it is flagged.
    with pytest.raises(BreakGlassReasonNeeded):
        printouts.referral_letter(cf.clinic, desk, referral, break_glass_reason="")
    printouts.referral_letter(
        cf.clinic, desk, referral, break_glass_reason="患者急需转院，医生不在"
    )
    rows = audit_log.audit_report(cf.clinic, cf.director, patient_id=patient)
    actions = {(r.action, r.staff_login, r.outcome, r.break_glass) for r in rows}
    assert ("printout.medication_card", pharmacist.login, "ok", False) in actions
    assert ("printout.referral_letter", desk.login, "ok", True) in actions
    assert any(a[0] == "prescription.read" and a[2] == "denied" for a in actions)
    # A refused printout about a patient is filed under the patient, as a refused read is.
    assert ("followup.work", pharmacist.login, "denied", False) in actions

    rx = clinic["rx"]
    prescriptions.cancel_prescription(cf.clinic, clinic["doctor"], rx, reason="改方")
    with pytest.raises(ValidationError):
        printouts.medication_card(cf.clinic, clinic["doctor"], rx)


def own_temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary folder of the test's own, made the process's (TMPDIR, ``tempfile``), so
    that other programs' files in /tmp cannot be mistaken for ours."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    assert Path(tempfile.gettempdir()) == temp
    return temp


def test_an_incoming_referral_has_no_letter(clinic: dict[str, Any]) -> None:
    # The letter is ours to the hospital; one referred to us is answered another way.
    cf = clinic["cf"]
    incoming = referrals.log_incoming(
        cf.clinic, cf.director, clinic["patient"], partner="社区卫生服务中心", reason="复查"
    ).value.id
    with pytest.raises(NotFound):
        printouts.referral_letter(cf.clinic, clinic["doctor"], incoming)


def test_no_patient_data_is_left_in_temporary_files(
    clinic: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cf = clinic["cf"]
    appointment = _book(clinic, clinic["patient"])
    temp = own_temp_dir(tmp_path, monkeypatch)
    before = {p.name for p in temp.iterdir()}
    job = printouts.medication_card(cf.clinic, cf.director, clinic["rx"])
    outputs = [
        medication_card_pdf(job.card, labels=ZH_CARD),
        medication_card_pdf(job.card, labels=ZH_CARD, page="62mm", large_print=True),
        appointment_slip_pdf(printouts.appointment_slip(cf.clinic, cf.director, appointment)),
        first_visit_sheet_pdf(printouts.first_visit_sheet(cf.clinic, cf.director)),
        contact_card_pdf(printouts.contact_card(cf.clinic, cf.director, clinic["patient"])),
        followup_form_pdf(printouts.followup_form(cf.clinic, cf.director, clinic["patient"])),
    ]
    assert all(o.startswith(b"%PDF") for o in outputs)
    after = {p.name for p in temp.iterdir()}
    assert after == before


# -- PNGs to look at ---------------------------------------------------------------------------


@needs_poppler
def test_render_every_document(clinic: dict[str, Any]) -> None:
    """Each document in Chinese and English, written as PNGs (the test only checks that
    each page rendered; the looking is done by a person)."""
    cf, doctor, patient = clinic["cf"], clinic["doctor"], clinic["patient"]
    old = _patient(cf, given_name="大山", sex="M", birth_date=date(1946, 5, 1), phone="13900000002")
    rx = prescriptions.write_prescription(
        cf.clinic,
        doctor,
        old,
        [
            *DRUGS,
            prescriptions.ItemInput("妥布霉素滴眼液", "5ml", "1滴", "eye", "qid", "", 5),
            prescriptions.ItemInput(
                "头孢克肟分散片", "100mg", "1片", "oral", "q12h", "before_meal", 5
            ),
        ],
    ).value.id
    card = printouts.medication_card(cf.clinic, doctor, rx, second_language="en").card
    plain = MedicationCard(card.clinic, card.patient, card.drugs, card.issued, card.doctor)
    twenty = MedicationCard(
        card.clinic,
        "王大爷",
        tuple(
            CardDrug(f"药品{i + 1:02d}号片 10mg", "1片", "oral", "bid", "after_meal", 7)
            for i in range(20)
        ),
    )
    appointment = _book(clinic, patient, purpose="高血压复诊")
    slip = printouts.appointment_slip(cf.clinic, cf.director, appointment)
    sheet = printouts.first_visit_sheet(cf.clinic, cf.director, appointment_id=appointment)
    contact = printouts.contact_card(cf.clinic, cf.director, patient)
    clinical.add_allergy(cf.clinic, doctor, patient, substance="青霉素", reaction="皮疹")
    clinical.record_visit(
        cf.clinic, doctor, patient, diagnosis="2型糖尿病", doctor_id=doctor.staff_id
    )
    referral = referrals.refer_out(
        cf.clinic,
        doctor,
        patient,
        partner="北京协和医院",
        department="内分泌科",
        urgency="urgent",
        reason="血糖控制不佳，请会诊调整治疗方案。",
        summary=referrals.compile_referral_summary(cf.clinic, doctor, patient),
    ).value.id
    letter = printouts.referral_letter(cf.clinic, doctor, referral)
    filled = printouts.followup_form(cf.clinic, doctor, patient)
    blank = printouts.followup_form(cf.clinic, doctor)
    documents: dict[str, Callable[[], bytes]] = {
        "card_zh": lambda: medication_card_pdf(plain, labels=ZH_CARD),
        "card_en": lambda: medication_card_pdf(plain),
        "card_large_zh": lambda: medication_card_pdf(
            plain, labels=ZH_CARD, page="A5", large_print=True
        ),
        "card_large_en": lambda: medication_card_pdf(plain, page="A5", large_print=True),
        "card_bilingual": lambda: medication_card_pdf(
            card, labels=ZH_CARD, second=MedicationCardLabels()
        ),
        "card_twenty_zh": lambda: medication_card_pdf(twenty, labels=ZH_CARD),
        "card_62mm_zh": lambda: medication_card_pdf(plain, labels=ZH_CARD, page="62mm"),
        "card_62mm_en": lambda: medication_card_pdf(plain, page="62mm"),
        "card_4x6_zh": lambda: medication_card_pdf(plain, labels=ZH_CARD, page="4x6in"),
        "slip_zh": lambda: appointment_slip_pdf(slip, labels=ZH_SLIP),
        "slip_en": lambda: appointment_slip_pdf(slip),
        "slip_62mm_zh": lambda: appointment_slip_pdf(slip, labels=ZH_SLIP, page="62mm"),
        "first_visit_zh": lambda: first_visit_sheet_pdf(sheet, labels=ZH_FIRST),
        "first_visit_en": lambda: first_visit_sheet_pdf(sheet),
        "contact_zh": lambda: contact_card_pdf(contact, labels=ZH_CONTACT),
        "contact_en": lambda: contact_card_pdf(contact),
        "followup_blank_zh": lambda: followup_form_pdf(blank, labels=ZH_FOLLOWUP),
        "followup_filled_zh": lambda: followup_form_pdf(filled, labels=ZH_FOLLOWUP),
        "followup_filled_en": lambda: followup_form_pdf(filled),
        "referral_zh": lambda: referral_letter_pdf(letter, labels=ZH_REFERRAL),
        "referral_en": lambda: referral_letter_pdf(letter),
    }
    for name, build in documents.items():
        pngs = render_png(build(), name)
        assert pngs and all(p.stat().st_size > 2000 for p in pngs), name


def test_the_issue_date_is_printed_as_given() -> None:
    # Dates on the card are the clinic's local date, given by the service, never "now".
    card = MedicationCard(
        ClinicInfo("仁和诊所"),
        "张女士",
        (CardDrug("维生素C片"),),
        issued=datetime(2026, 1, 2, tzinfo=UTC).date(),
    )
    assert "2026年1月2日" in squeeze(text_of(medication_card_pdf(card, labels=ZH_CARD)))

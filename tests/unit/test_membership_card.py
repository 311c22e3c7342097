"""The printable membership card (issue 11; spec H2: "the member's card number and a
printable membership card with QR").

Real PDFs read back with pypdf and poppler: ID-1 pages (85.6 x 54 mm), the front
then the back for each member, or A4 sheets with each front and back side by side;
the QR code is the card number's digits module for module and prints as such;
nothing is drawn outside the card, whatever the names. The service part runs in a
real encrypted clinic: permission, refusal of an expired or cancelled membership,
the audited read. ``test_render_cards`` writes PNGs to $CLINICDESK_CARD_PNG
(default /tmp/s11/shots) to look at.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from clinic_desk.core.errors import PermissionDenied, ValidationError
from clinic_desk.core.printing.membership_card import (
    CARD_H,
    CARD_W,
    SAFE,
    CardBenefit,
    MembershipCard,
    MembershipCardLabels,
    accent_ink,
    band_ink,
    benefit_lines,
    membership_card_pdf,
    sheet_rows,
    tier_rgb,
)
from clinic_desk.core.printing.qr import make_qr
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import audit_log, membership, printouts
from clinic_desk.core.services.settings import update_settings
from tests.conftest import ClinicFixture
from tests.unit.test_day_list_pdf import assert_fonts_embedded, needs_poppler, squeeze
from tests.unit.test_printouts import _actor, _patient, page_sizes, text_of
from tests.unit.test_recovery_kit import assert_modules_print, form_and_placement, resources

PNG_DIR = Path(os.environ.get("CLINICDESK_CARD_PNG", "/tmp/s11/shots"))

NAMES = {
    "priority_booking": "Priority booking and held slots",
    "health_record": "Health record management",
    "annual_plan": "Annual health plan",
    "home_visits": "Family-doctor home visits",
    "referral_help": "Referral help to top hospitals",
    "care_team": "Private health butler: a named care team",
}
EN = MembershipCardLabels(benefit_names=NAMES)
ZH = MembershipCardLabels(
    title="会员卡",
    member="会员",
    card_no="卡号",
    valid_until="有效期至 {date}",
    valid_between="有效期 {first} 至 {last}",
    date_format="{year}年{month}月{day}日",
    benefits="会员权益",
    per_year="{label}：每年 {n} 次",
    per_years="{label}：每 {count} 年 {n} 次",
    per_month="{label}：每月 {n} 次",
    per_months="{label}：每 {count} 个月 {n} 次",
    benefit_names={
        "priority_booking": "优先预约与预留号源",
        "health_record": "健康档案管理",
        "annual_plan": "年度健康计划",
        "home_visits": "家庭医生上门服务",
        "referral_help": "协助转诊三甲医院",
        "care_team": "私人健康管家：专属健康团队",
    },
    phone="电话 {phone}",
    present="请在前台出示本卡。",
    cut="沿四角裁切线剪下，沿中间的折线对折，然后塑封。",
)
ADVANCED = (
    CardBenefit("annual_plan"),
    CardBenefit("home_visits", "quota", 4, "year", 1),
    CardBenefit("referral_help"),
    CardBenefit("priority_booking"),
    CardBenefit("health_record"),
)
LONG_CJK = "欧阳司马诸葛慕容上官皇甫东方尉迟公孙长孙宇文轩辕令狐钟离闻人夏侯端木百里东郭南宫"
EMOJI = "Zhang 😀 Wei 🎉"
CARD = MembershipCard(
    clinic_name="仁和诊所",
    card_no="1234 5678 9012 8",
    tier="进阶会员",
    members=("张伟", "李娜", "张小明"),
    valid_until=date(2027, 11, 22),
    color="#B8860B",
    benefits=ADVANCED,
    phone="010-8888 6666",
    address="北京市朝阳区建国路 88 号仁和大厦一层",
)
ID1 = pytest.approx((85.6 * mm, 54 * mm), abs=0.5)
A4 = pytest.approx((210 * mm, 297 * mm), abs=0.5)


def page_words(data: bytes, tmp: Path) -> list[tuple[float, float, list[tuple[float, ...]]]]:
    """Each page's size and its words' boxes (x0, y0, x1, y1 from the top left), from
    poppler."""
    path = tmp / "card.pdf"
    path.write_bytes(data)
    xml = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    out = []
    for w, h, body in re.findall(
        r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', xml, re.S
    ):
        boxes = [
            tuple(float(v) for v in box)
            for box in re.findall(
                r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', body
            )
        ]
        out.append((float(w), float(h), boxes))
    return out


def assert_inside(boxes: list[tuple[float, ...]], x0: float, y0: float, x1: float, y1: float):
    """Every word inside the rectangle (top-left coordinates), less 1 pt for bold ink."""
    assert boxes
    for bx0, by0, bx1, by1 in boxes:
        assert bx0 >= x0 - 1 and bx1 <= x1 + 1, (bx0, bx1, x0, x1)
        assert by0 >= y0 - 1 and by1 <= y1 + 1, (by0, by1, y0, y1)


def per_page_text(data: bytes) -> list[str]:
    return [squeeze(p.extract_text()) for p in PdfReader(io.BytesIO(data)).pages]


# -- the document (no clinic) ---------------------------------------------------------------------


def test_h2_card_stock_is_a_front_and_back_id1_page_pair_per_member() -> None:
    data = membership_card_pdf(CARD, labels=EN)
    assert page_sizes(data) == [ID1] * 6  # a family of three: six pages
    pages = per_page_text(data)
    for i, name in enumerate(CARD.members):
        front, back = pages[2 * i], pages[2 * i + 1]
        for word in ("仁和诊所", "Membershipcard", "进阶会员", name, "1234567890128"):
            assert word in front, (word, front)
        assert "Validuntil2027-11-22" in front
        assert "Family-doctorhomevisits:4ayear" in back
        for word in ("Annualhealthplan", "Referralhelptotophospitals", "Presentthiscard"):
            assert word in back
        assert "Phone010-88886666" in back and "建国路88号" in back
        assert "1234567890128" not in back and name not in back
    assert_fonts_embedded(data)
    # The groups are printed with their spaces, as the desk reads them out.
    assert "1234 5678 9012 8" in PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_h2_chinese_card_reads_in_chinese() -> None:
    data = membership_card_pdf(replace(CARD, members=("张伟",)), labels=ZH)
    front, back = per_page_text(data)
    for word in ("会员卡", "进阶会员", "会员", "张伟", "卡号", "有效期至2027年11月22日"):
        assert word in front, word
    for word in (
        "进阶会员·会员权益",
        "家庭医生上门服务：每年4次",
        "年度健康计划",
        "请在前台出示本卡。",
    ):
        assert word in back, word
    assert "Member" not in front + back


@needs_poppler
def test_h2_the_qr_code_is_the_card_digits_module_for_module(tmp_path: Path) -> None:
    data = membership_card_pdf(CARD, labels=EN)
    reader = PdfReader(io.BytesIO(data))
    name = next(k for k in resources(reader.pages[0])["/XObject"] if "QR" in k)
    rects, ctm = form_and_placement(reader, name)
    matrix = make_qr("1234567890128").matrix  # the digits only: the desk search takes them
    n = len(matrix)
    drawn = [[0] * n for _ in range(n)]
    for x, y, w, _h in rects:
        for col in range(int(x), int(x + w)):
            drawn[n - 1 - int(y)][col] = 1
    assert drawn == [list(row) for row in matrix]
    module, x0, y0 = ctm[0], ctm[4], ctm[5]
    assert module >= 0.5 * mm  # large enough for a desk scanner and a phone
    # The code's modules lie inside the card's safe margin (its blank quiet zone may not).
    assert x0 >= SAFE - 0.01 and y0 >= SAFE - 0.01
    assert x0 + n * module <= CARD_W - SAFE + 0.01
    # What prints is the code: each module's centre sampled, the quiet zone white.
    image_mod = pytest.importorskip("PIL.Image")
    (tmp_path / "card.pdf").write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "300", "-gray", "-f", "1", "-l", "1", "-singlefile",
         str(tmp_path / "card.pdf"), str(tmp_path / "card")],
        check=True,
    )  # fmt: skip
    image = image_mod.open(tmp_path / "card.png").convert("L")
    assert_modules_print(image, matrix, (module, x0, y0), page_height=CARD_H, dpi=300)


@needs_poppler
def test_h2_long_cjk_and_emoji_names_stay_inside_the_card(tmp_path: Path) -> None:
    assert len(LONG_CJK) == 40
    clinic = "北京市朝阳区仁和国际全科医疗中心建国路旗舰店附属家庭医生签约服务部 Renhe Clinic"
    card = replace(
        CARD,
        clinic_name=clinic,
        tier="私人健康管家 Private Health Butler Premium Plus",
        members=(LONG_CJK, EMOJI, "Maximilian-Alexander Featherstonehaugh-Cholmondeley"),
        address="北京市朝阳区建国路 88 号仁和大厦一层东侧 101 室（国贸站 C 口步行五分钟）",
        # More benefits than a card holds: as many as fit, then "…".
        benefits=ADVANCED
        + tuple(
            CardBenefit(f"custom_{i}", label=f"自定义权益第{i}项：免费停车") for i in range(15)
        ),
    )
    for labels in (EN, ZH):
        data = membership_card_pdf(card, labels=labels)
        pages = page_words(data, tmp_path)
        assert len(pages) == 6
        for width, height, boxes in pages:
            assert (width, height) == pytest.approx((CARD_W, CARD_H), abs=0.5)
            assert_inside(boxes, SAFE, SAFE, width - SAFE, height - SAFE)
        fronts = per_page_text(data)[0::2]
        assert LONG_CJK in fronts[0]  # the whole name: shrunk and wrapped, not cut
        assert "ZhangWei" in fronts[1] and "😀" not in fronts[1]
        assert "Featherstonehaugh" in fronts[2]
        backs = per_page_text(data)[1::2]
        assert "自定义权益第0项" in backs[0] and "…" in backs[0]
        assert "自定义权益第14项" not in backs[0]


@needs_poppler
def test_h2_the_a4_sheet_holds_four_pairs_with_the_words_inside_each_card(
    tmp_path: Path,
) -> None:
    family = ("张伟", "李娜", "张小明", "张小红", "王秀英")
    data = membership_card_pdf(replace(CARD, members=family), labels=ZH, sheet=True)
    assert sheet_rows() == 4
    assert page_sizes(data) == [A4, A4]
    text = per_page_text(data)
    assert all(name in text[0] for name in family[:4]) and family[4] in text[1]
    assert text[0].count("1234567890128") == 4 and "沿四角裁切线剪下" in text[0]
    assert text[0].count("家庭医生上门服务：每年4次") == 4
    # Every word but the cutting hint lies inside one of the cards, inside its margin.
    x0 = (210 * mm - 2 * CARD_W) / 2
    for _w, height, boxes in page_words(data, tmp_path):
        top = 15 * mm + 8 * mm  # the cards start under the hint
        for box in boxes:
            if box[1] < top:
                continue
            row = int((box[1] - top) // (CARD_H + 12 * mm))
            y0 = top + row * (CARD_H + 12 * mm)
            left = x0 if box[0] < x0 + CARD_W else x0 + CARD_W
            assert_inside([box], left + SAFE, y0 + SAFE, left + CARD_W - SAFE, y0 + CARD_H - SAFE)
        assert height == pytest.approx(297 * mm, abs=0.5)


def test_h2_benefit_lines_say_how_many_per_period() -> None:
    benefits = (
        CardBenefit("home_visits", "quota", 4, "year", 1),
        CardBenefit("custom_1", "quota", 2, "month", 1, label="Massage"),
        CardBenefit("custom_2", "quota", 3, "month", 6, label="Dental clean"),
        CardBenefit("custom_3", "quota", 1, "year", 2, label="Eye test"),
        CardBenefit("custom_4", "quota", 0, "year", 1, label="Nothing"),
        CardBenefit("care_team"),
        CardBenefit("custom_5", label="Free parking"),
    )
    assert benefit_lines(benefits, EN) == [
        "Family-doctor home visits: 4 a year",
        "Massage: 2 a month",
        "Dental clean: 3 every 6 months",
        "Eye test: 1 every 2 years",
        "Private health butler: a named care team",
        "Free parking",
    ]
    # A known benefit without a translated name keeps the tier's (English) words.
    assert benefit_lines((CardBenefit("x", label="Own words"),), ZH) == ["Own words"]


def test_h2_tier_colours_read_on_the_band_and_as_text() -> None:
    assert tier_rgb("#ff0000") == (1.0, 0.0, 0.0) and tier_rgb("#f00") == (1.0, 0.0, 0.0)
    assert tier_rgb("") == tier_rgb("nonsense") == tier_rgb("#2F6F62")
    assert band_ink(tier_rgb("#1a1a6e")) == (1.0, 1.0, 1.0)  # white on navy
    assert band_ink(tier_rgb("#F5E6A8")) != (1.0, 1.0, 1.0)  # dark on pale gold
    r, g, b = accent_ink(tier_rgb("#F5E6A8"))
    assert 0.2126 * r + 0.7152 * g + 0.0722 * b <= 0.41  # readable on white


@needs_poppler
def test_h2_extra_margin_moves_the_words_in(tmp_path: Path) -> None:
    data = membership_card_pdf(replace(CARD, members=(LONG_CJK,)), labels=EN, extra_margin_mm=3)
    for width, height, boxes in page_words(data, tmp_path):
        inner = SAFE + 3 * mm
        assert_inside(boxes, inner, inner, width - inner, height - inner)


@needs_poppler
def test_render_cards() -> None:
    """PNGs of the card (front, back; zh_CN and en) and the A4 sheet, to look at."""
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    card = replace(CARD, members=("张伟", LONG_CJK, EMOJI))
    jobs = {
        "card_zh": (membership_card_pdf(card, labels=ZH), 200),
        "card_en": (membership_card_pdf(replace(card, tier="Advanced"), labels=EN), 200),
        "card_sheet_zh": (membership_card_pdf(card, labels=ZH, sheet=True), 80),
    }
    for name, (data, dpi) in jobs.items():
        pdf = PNG_DIR / f"{name}.pdf"
        pdf.write_bytes(data)
        for old in PNG_DIR.glob(f"{name}-*.png"):
            old.unlink()
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(PNG_DIR / name)], check=True
        )
        assert sorted(PNG_DIR.glob(f"{name}-*.png"))


# -- the service: a real clinic -------------------------------------------------------------------


@pytest.fixture
def family(cf: ClinicFixture) -> dict[str, Any]:
    update_settings(
        cf.clinic,
        cf.director,
        {"clinic.phone": "010-8888 6666", "clinic.address": "北京市朝阳区建国路 88 号"},
    )
    payer = _patient(cf, family_name="张", given_name="伟", sex="M", phone="13812345678")
    spouse = _patient(cf, family_name="李", given_name="娜", sex="F", phone="13812345679")
    child = _patient(
        cf, family_name="张", given_name="小明", sex="M", birth_date=date(2015, 5, 1), phone=""
    )
    tiers = {t.code: t for t in membership.list_tiers(cf.clinic, cf.director)}
    advanced = tiers["advanced"]
    view = membership.enrol(
        cf.clinic,
        cf.director,
        membership.EnrolInput(
            tier_id=advanced.id,
            payer_id=payer,
            members=(
                membership.MemberInput(spouse, "spouse"),
                membership.MemberInput(child, "child"),
            ),
        ),
    ).value
    return {
        "cf": cf,
        "view": view,
        "tier": advanced,
        "payer": payer,
        "spouse": spouse,
        "child": child,
    }


def test_h2_service_prints_a_family_payer_first(family: dict[str, Any]) -> None:
    cf, view = family["cf"], family["view"]
    card = printouts.membership_card(cf.clinic, cf.director, view.id, language="en")
    assert card.members == ("张伟", "李娜", "张小明")
    assert card.card_no == view.card_no == membership.card_number(view.id)
    assert card.tier == family["tier"].name("en") and card.valid_until == view.ends_on
    assert card.clinic_name == "仁和诊所" and card.phone == "010-8888 6666"
    home = next(b for b in card.benefits if b.key == "home_visits")
    assert (home.kind, home.quota, home.unit) == ("quota", 4, "year")
    data = membership_card_pdf(card, labels=EN)
    assert page_sizes(data) == [ID1] * 6
    text = squeeze(text_of(data))
    assert text.count(squeeze(view.card_no)) == 3
    assert f"Validuntil{view.ends_on.isoformat()}" in text
    zh = printouts.membership_card(cf.clinic, cf.director, view.id, language="zh_CN")
    assert zh.tier == family["tier"].name("zh_CN")
    # One member's card only.
    one = printouts.membership_card(cf.clinic, cf.director, view.id, family["child"])
    assert one.members == ("张小明",)
    assert page_sizes(membership_card_pdf(one)) == [ID1] * 2


def test_h2_a_stranger_has_no_card_in_the_family(family: dict[str, Any]) -> None:
    cf = family["cf"]
    stranger = _patient(cf, family_name="赵", given_name="敏", phone="13900000000")
    with pytest.raises(ValidationError, match="not a current member"):
        printouts.membership_card(cf.clinic, cf.director, family["view"].id, stranger)


def test_h2_an_expired_membership_is_refused_with_its_end_date(family: dict[str, Any]) -> None:
    cf, view = family["cf"], family["view"]
    cf.clock.advance(days=(view.ends_on - cf.clinic.today()).days + 2)
    with pytest.raises(ValidationError) as refused:
        printouts.membership_card(cf.clinic, cf.director, view.id)
    message = refused.value.message()
    assert f"ended on {view.ends_on.isoformat()}" in message and "renew it" in message


def test_h2_a_cancelled_membership_is_refused(family: dict[str, Any]) -> None:
    cf, view = family["cf"], family["view"]
    membership.cancel(cf.clinic, cf.director, view.id, "客户要求退会")
    with pytest.raises(ValidationError, match="cancelled"):
        printouts.membership_card(cf.clinic, cf.director, view.id)


def test_h2_only_membership_staff_print_cards_and_each_print_is_audited(
    family: dict[str, Any],
) -> None:
    cf, view = family["cf"], family["view"]
    pharmacist = _actor(cf, Role.PHARMACIST, "药师陈")
    with pytest.raises(PermissionDenied):
        printouts.membership_card(cf.clinic, pharmacist, view.id, family["payer"])
    desk = _actor(cf, Role.RECEPTIONIST, "前台小周")
    printouts.membership_card(cf.clinic, desk, view.id)
    for who in ("payer", "spouse", "child"):
        rows = audit_log.audit_report(cf.clinic, cf.director, patient_id=family[who])
        printed = [
            r
            for r in rows
            if r.action == "printout.membership_card" and r.staff_login == desk.login
        ]
        assert len(printed) == 1 and printed[0].outcome == "ok", who
    rows = audit_log.audit_report(cf.clinic, cf.director, patient_id=family["payer"])
    assert any(
        r.action == "membership.manage"
        and r.outcome == "denied"
        and r.staff_login == pharmacist.login
        for r in rows
    )


def test_h2_an_upcoming_membership_says_from_when(cf: ClinicFixture) -> None:
    payer = _patient(cf, family_name="王", given_name="芳", phone="13700000000")
    basic = next(t for t in membership.list_tiers(cf.clinic, cf.director) if t.code == "basic")
    starts = cf.clinic.today() + timedelta(days=10)
    view = membership.enrol(
        cf.clinic,
        cf.director,
        membership.EnrolInput(tier_id=basic.id, payer_id=payer, starts_on=starts),
    ).value
    card = printouts.membership_card(cf.clinic, cf.director, view.id, language="en")
    assert card.valid_from == starts and card.valid_until == view.ends_on
    text = squeeze(text_of(membership_card_pdf(card)))
    assert f"Valid{starts.isoformat()}to{view.ends_on.isoformat()}" in text

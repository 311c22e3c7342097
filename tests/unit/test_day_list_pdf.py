"""The next day's list (A8) and a doctor's day sheet as PDFs: real bookings in, a PDF out,
read back with pypdf and poppler, and page 1 rendered to /tmp/shots to look at."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, landscape, letter

from clinic_desk.core.printing.day_list import (
    DayListLabels,
    doctor_day_sheet_pdf,
    next_day_list_pdf,
)
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import absence, patients, rosters, staff
from clinic_desk.core.services import appointments as ap
from clinic_desk.core.services.appointment_reports import (
    DayList,
    DayListRow,
    DoctorDayList,
    next_day_list,
)
from tests.conftest import ClinicFixture

SH = ZoneInfo("Asia/Shanghai")
TUE = date(2026, 11, 24)  # the fake clock's tomorrow
SHOTS = Path("/tmp/shots")

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdftotext, pdftoppm) are not installed",
)

ZH_CN = DayListLabels(
    title="明日预约名单：{day}",
    title_any_day="预约名单：{day}",
    sheet_title="{doctor} 日程单：{day}",
    day_format="{year}年{month}月{day}日 {weekday}",
    weekdays=("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"),
    printed="打印时间 {time}",
    total="预约 {n} 人",
    add_ons="加号 {n} 人",
    not_final="在 {time} 之前打印：之后的新预约不在名单上。",
    page="第 {n} / {total} 页",
    continued="{name}（续）",
    continued_row="（续）",
    no_appointments="没有预约。",
    absent="当天不在：请改约这些预约或请同事接诊。",
    substitute="当天不在：由 {name} 接诊。",
    substitute_unnamed="当天不在：由代班医生接诊。",
    col_time="时间",
    col_patient="患者",
    col_record="病历号",
    col_phone="电话",
    col_type="类型 / 目的",
    col_flags="标记",
    col_notes="备注",
    col_write="医生手记",
    sheet_notes="备注",
    first_visit="初诊",
    add_on="加号",
    holiday="节假日",
    elderly="老人",
    child="儿童",
    disabled="残障",
    accompanied="陪同",
    type_names={"General consult": "普通门诊"},
)

ZH_TW = DayListLabels(
    title="明日預約名單：{day}",
    title_any_day="預約名單：{day}",
    sheet_title="{doctor} 日程單：{day}",
    day_format="{year}年{month}月{day}日 {weekday}",
    weekdays=("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"),
    printed="列印時間 {time}",
    total="預約 {n} 人",
    add_ons="加號 {n} 人",
    not_final="在 {time} 之前列印：之後的新預約不在名單上。",
    page="第 {n} / {total} 頁",
    continued="{name}（續）",
    col_time="時間",
    col_patient="病人",
    col_record="病歷號",
    col_phone="電話",
    col_type="類別 / 目的",
    col_flags="標記",
    col_notes="備註",
    first_visit="初診",
    add_on="加號",
    elderly="長者",
    child="兒童",
    disabled="殘障",
    accompanied="陪同",
    holiday="假日",
)


# -- helpers ------------------------------------------------------------------------------


def flat(text: str) -> str:
    return " ".join(text.split())


def squeeze(text: str) -> str:
    """Text without any spaces (poppler drops or adds spaces between CJK and digits)."""
    return re.sub(r"\s+", "", text)


def pdftotext(data: bytes, tmp: Path, *args: str) -> str:
    path = tmp / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", *args, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def page_texts(data: bytes, tmp: Path) -> list[str]:
    """Each page's text from poppler (pages are split by form feeds)."""
    return pdftotext(data, tmp, "-layout").split("\f")[:-1]


def render_page_1(data: bytes, name: str) -> Path:
    """Page 1 at 60 dpi as a PNG in /tmp/shots, to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SHOTS / f"{name}.pdf"
    pdf.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
         str(SHOTS / f"{name}_p1")],
        check=True,
    )  # fmt: skip
    return SHOTS / f"{name}_p1.png"


def fonts_used(reader: PdfReader) -> list[Any]:
    out = []
    for page in reader.pages:
        for font in page["/Resources"].get_object()["/Font"].get_object().values():
            out.append(font.get_object())
    return out


def assert_fonts_embedded(data: bytes) -> None:
    """Every font is a subset of the bundled TrueType face, never a standard font left to
    the printer (the printouts of ``test_printouts`` are checked with this too)."""
    used = fonts_used(PdfReader(io.BytesIO(data)))
    assert used
    for font in used:
        base = str(font["/BaseFont"])
        assert "Helvetica" not in base and "Times" not in base
        assert font["/Subtype"] in ("/TrueType", "/Type0")
        # A subset: reportlab names it with a six-letter tag, e.g. AAAAAA+ClinicSans.
        assert re.match(r"/?[A-Z]{6}\+", base), base
        descriptor = font.get("/FontDescriptor")
        if descriptor is None:
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"]
        assert "/FontFile2" in descriptor.get_object()


def assert_inside_margins(data: bytes, tmp: Path, margin: float, *, slack: float = 1.5) -> None:
    """Every word poppler finds lies ``margin`` inside the page's edges (less a little
    ``slack`` for the ink of bold letters)."""
    xml = pdftotext(data, tmp, "-bbox")
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', xml, re.S)
    assert pages
    low = margin - slack
    for width, height, body in pages:
        words = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', body)
        assert words
        for x0, y0, x1, y1 in words:
            assert float(x0) >= low and float(x1) <= float(width) - low
            assert float(y0) >= low and float(y1) <= float(height) - low


# -- a real clinic ---------------------------------------------------------------------------


def _doctor(cf: ClinicFixture, name: str, login: str) -> uuid.UUID:
    """A doctor working Monday-Friday 08:00-18:00."""
    doc_id = staff.add_staff(
        cf.clinic,
        cf.director,
        login=login,
        display_name=name,
        role=Role.DOCTOR,
        password="some-pass-123",
    ).value.id
    blocks = [rosters.RosterBlock(d, 8 * 60, 18 * 60) for d in range(5)]
    rosters.set_weekly_roster(cf.clinic, cf.director, doc_id, blocks)
    return doc_id


def _patient(cf: ClinicFixture, family: str, given: str, phone: str, **kw: Any) -> uuid.UUID:
    return patients.register_patient(
        cf.clinic, cf.director, family_name=family, given_name=given, phone=phone, **kw
    ).value.id


def _book(
    cf: ClinicFixture, patient: uuid.UUID, doctor: uuid.UUID, hour: int, minute: int = 0, **kw: Any
) -> None:
    ap.book(
        cf.clinic,
        cf.director,
        patient_id=patient,
        doctor_id=doctor,
        starts_at=datetime(TUE.year, TUE.month, TUE.day, hour, minute, tzinfo=SH),
        channel=kw.pop("channel", "phone"),
        identity_checked=True,
        minutes=kw.pop("minutes", 15),
        **kw,
    )


LONG_NOTE = (
    "家属陪同，需要轮椅。\n上次检查血压偏高，请先量血压再候诊；如有胸闷气短请立即通知医生。"
    "患者听力不好，叫号时请大声并走到候诊区当面告知。"
)


@pytest.fixture
def booked(cf: ClinicFixture) -> tuple[ClinicFixture, DayList, dict[str, uuid.UUID]]:
    li = _doctor(cf, "李医生", "dr.li")
    chan = _doctor(cf, "陳大文醫生", "dr.chan")
    zhao = _patient(cf, "赵", "大爷", "13800000001", sex="M", birth_date=date(1940, 1, 1))
    xiao = _patient(cf, "王", "小明", "13800000002", sex="M", birth_date=date(2021, 5, 1))
    ouyang = _patient(
        cf, "欧阳", "娜娜", "13800000003", sex="F", special_needs=("disabled", "accompanied")
    )
    hk = _patient(cf, "黃", "嘉欣", "+852 9123 4567", sex="F", birth_date=date(1990, 3, 3))
    _book(cf, zhao, li, 9, purpose="高血压复诊", notes=LONG_NOTE)
    _book(cf, xiao, li, 9, 30, purpose="发烧两天")
    _book(cf, ouyang, li, 9, 30, add_on=True, purpose="加号：复查")  # over 王小明's slot
    _book(cf, hk, chan, 14, purpose="體檢", channel="online")
    _book(cf, zhao, chan, 15)
    view = next_day_list(cf.clinic, cf.director, language="zh_CN")
    return cf, view, {"li": li, "chan": chan}


def _render(cf: ClinicFixture, view: DayList, labels: DayListLabels = ZH_CN) -> bytes:
    return next_day_list_pdf(
        view,
        clinic_name=str(cf.clinic.setting("clinic.name")),
        labels=labels,
        timezone=cf.clinic.timezone(),
        phone_region="CN",
    )


@needs_poppler
def test_next_day_list_pdf_from_real_bookings(
    booked: tuple[ClinicFixture, DayList, dict[str, uuid.UUID]], tmp_path: Path
) -> None:
    cf, view, _ids = booked
    assert view.total == 5 and view.add_ons == 1
    data = _render(cf, view)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    # A4 landscape.
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    assert_fonts_embedded(data)
    assert_inside_margins(data, tmp_path, 20, slack=0)

    text = flat(pdftotext(data, tmp_path))
    assert "仁和诊所" in text
    assert "明日预约名单：2026年11月24日 星期二" in text
    assert "打印时间 2026-11-23 10:00" in text  # the clinic's wall clock, not UTC
    assert "预约 5 人" in text and "加号 1 人" in text
    assert "在 2026-11-23 16:30 之前打印" in text  # printed before the list is final
    for name in ("赵大爷", "王小明", "欧阳娜娜", "黃嘉欣", "李医生", "陳大文醫生"):
        assert name in text
    for row in (r for d in view.doctors for r in d.rows):
        assert row.address and row.address in text  # the form of address
    assert "138 0000 0001" in text  # the clinic's own numbers in national form
    assert "+852 9123 4567" in text  # others with their country code
    for word in ("初诊", "加号", "老人", "儿童", "残障", "陪同", "高血压复诊", "體檢"):
        assert word in text
    # The long note is wrapped, not cut: every character is there, in order.
    squeezed = re.sub(r"\s+", "", pdftotext(data, tmp_path, "-raw"))
    for paragraph in LONG_NOTE.splitlines():
        assert re.sub(r"\s+", "", paragraph) in squeezed
    assert "第1/1页" in squeeze(text)
    # pypdf reads the same text (the embedded font maps back to Unicode).
    assert "欧阳娜娜" in flat(reader.pages[0].extract_text())

    shot = render_page_1(data, "day_list")
    assert shot.stat().st_size > 5_000


@needs_poppler
def test_doctor_day_sheet(
    booked: tuple[ClinicFixture, DayList, dict[str, uuid.UUID]], tmp_path: Path
) -> None:
    cf, view, ids = booked
    data = doctor_day_sheet_pdf(
        view,
        ids["li"],
        clinic_name="仁和诊所",
        labels=ZH_CN,
        timezone=cf.clinic.timezone(),
    )
    text = flat(pdftotext(data, tmp_path))
    assert "李医生 日程单：2026年11月24日 星期二" in text
    assert "预约 3 人" in text and "医生手记" in text
    assert "赵大爷" in text and "黃嘉欣" not in text  # only this doctor's patients
    assert_fonts_embedded(data)
    assert_inside_margins(data, tmp_path, 20, slack=0)
    render_page_1(data, "day_sheet")

    # A doctor with nothing booked still gets a sheet, named by the caller.
    empty = doctor_day_sheet_pdf(
        view, uuid.uuid4(), clinic_name="仁和诊所", labels=ZH_CN, doctor_name="孙医生"
    )
    assert "没有预约。" in pdftotext(empty, tmp_path)
    assert "孙医生 日程单" in pdftotext(empty, tmp_path)


@needs_poppler
def test_absence_and_substitute_are_printed(
    booked: tuple[ClinicFixture, DayList, dict[str, uuid.UUID]], tmp_path: Path
) -> None:
    cf, _view, ids = booked
    absence.record_absence(
        cf.clinic, cf.director, ids["chan"], TUE, substitute_id=ids["li"], reason="开会"
    )
    view = next_day_list(cf.clinic, cf.director)
    data = _render(cf, view)
    text = flat(pdftotext(data, tmp_path))
    assert "当天不在：由 李医生 接诊。" in text


@needs_poppler
def test_zh_tw_labels(
    booked: tuple[ClinicFixture, DayList, dict[str, uuid.UUID]], tmp_path: Path
) -> None:
    cf, _view, _ids = booked
    view = next_day_list(cf.clinic, cf.director, language="zh_TW")
    data = _render(cf, view, ZH_TW)
    text = flat(pdftotext(data, tmp_path))
    assert "第1/1頁" in squeeze(text)
    for word in ("明日預約名單", "列印時間", "病歷號", "類別 / 目的", "備註"):
        assert word in text
    for word in ("初診", "加號", "長者", "兒童", "殘障", "陪同"):
        assert word in text
    for row in (r for d in view.doctors for r in d.rows):
        assert row.address in text  # the Traditional Chinese form of address
    assert_fonts_embedded(data)
    render_page_1(data, "day_list_zh_tw")


def test_english_is_the_default(
    booked: tuple[ClinicFixture, DayList, dict[str, uuid.UUID]], tmp_path: Path
) -> None:
    cf, view, _ids = booked
    data = next_day_list_pdf(view, clinic_name="Harmony Clinic", timezone=cf.clinic.timezone())
    text = flat(PdfReader(io.BytesIO(data)).pages[0].extract_text())
    assert "Next day's appointments: Tuesday 2026-11-24" in text
    assert "Record no." in text and "Page 1 / 1" in text


@needs_poppler
def test_120_appointments_for_4_doctors_paginate(cf: ClinicFixture, tmp_path: Path) -> None:
    doctors = [_doctor(cf, f"{n}医生", f"dr.{i}") for i, n in enumerate("李王张刘")]
    for i in range(120):
        pid = _patient(cf, "测", f"试{i:03d}号", f"139{i:08d}")
        slot = i // 4  # 30 a doctor, 08:00 to 15:15
        _book(cf, pid, doctors[i % 4], 8 + slot // 4, (slot % 4) * 15, purpose=f"目的{i}")
    view = next_day_list(cf.clinic, cf.director)
    assert view.total == 120
    data = _render(cf, view)
    pages = page_texts(data, tmp_path)
    n = len(PdfReader(io.BytesIO(data)).pages)
    assert n == len(pages) >= 4
    for number, page in enumerate(pages, start=1):
        text = flat(page)
        assert f"第{number}/{n}页" in squeeze(text)
        # The column titles head every page.
        assert all(t in text for t in ("时间", "患者", "病历号", "电话", "备注"))
    assert "（续）" in flat(pages[1])  # the doctor's section carries on with its name
    everything = flat("".join(pages))
    for i in range(120):
        assert everything.count(f"试{i:03d}号") == 1  # each once: none lost, none twice
    assert_inside_margins(data, tmp_path, 20, slack=0)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "day_list_120.pdf").write_bytes(data)


# -- made-up lists (no database): the layout's edge cases ---------------------------------


def _row(i: int, **kw: Any) -> DayListRow:
    start = datetime(2026, 11, 24, 0, 0, tzinfo=UTC) + timedelta(minutes=5 * i)
    values: dict[str, Any] = {
        "appointment_id": uuid.uuid4(),
        "starts_at": start,
        "ends_at": start + timedelta(minutes=5),
        "local_time": start.astimezone(SH).strftime("%H:%M"),
        "patient_id": uuid.uuid4(),
        "patient_name": f"患者{i:03d}",
        "address": f"患者{i:03d}先生",
        "phone": f"+86139{i:08d}",
        "record_no": f"R{i:06d}",
        "type_name": "General consult",
        "purpose": "复诊",
        "status": "booked",
        "channel": "phone",
        "first_visit": i % 3 == 0,
        "special_needs": (),
        "add_on": False,
        "on_holiday": False,
        "notes": "",
    }
    values.update(kw)
    return DayListRow(**values)


def _day_list(*doctors: DoctorDayList, ready: bool = True) -> DayList:
    made = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    return DayList(TUE, datetime(2026, 11, 23, 8, 30, tzinfo=UTC), ready, made, doctors)


def _doc(name: str, rows: list[DayListRow], **kw: Any) -> DoctorDayList:
    return DoctorDayList(uuid.uuid4(), name, kw.get("absence", ""), kw.get("sub"), tuple(rows))


@needs_poppler
def test_200_appointments_and_a_huge_note_paginate_cleanly(tmp_path: Path) -> None:
    huge = "很长的备注" * 600 + " END-OF-NOTE"  # 3,000 characters: taller than a page
    rows = [_row(i) for i in range(200)]
    rows[7] = _row(7, notes=huge, on_holiday=True)
    rows[8] = _row(
        8,
        patient_name="阿不都热合曼·买买提艾力·阿不都克里木·艾合买提江·吐尔逊",
        address="阿不都热合曼·买买提艾力先生",
        special_needs=("elderly", "accompanied"),
        add_on=True,
    )
    view = _day_list(_doc("李医生", rows[:120]), _doc("王医生", rows[120:], absence="absent"))
    data = next_day_list_pdf(view, clinic_name="仁和诊所", labels=ZH_CN, timezone=SH)
    pages = page_texts(data, tmp_path)
    assert len(pages) == len(PdfReader(io.BytesIO(data)).pages) > 5
    everything = flat("".join(pages))
    for i in range(200):
        assert everything.count(f"R{i:06d}") == 1
    squeezed = re.sub(r"\s+", "", pdftotext(data, tmp_path, "-raw"))
    # Not a character lost, though the note runs over a page break.
    assert all(squeezed.count(ch) == 600 for ch in "很长") and "END-OF-NOTE" in squeezed
    assert "阿不都热合曼·买买提艾力·阿不都克里木·艾合买提江·吐尔逊" in squeezed
    assert "节假日" in everything and "当天不在：请改约这些预约或请同事接诊。" in everything
    assert "（续）" in everything
    assert "在 " not in flat(pages[0])[:200]  # ready: no "printed early" warning
    for page in pages:
        assert "病历号" in flat(page)
    assert_inside_margins(data, tmp_path, 20, slack=0)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "day_list_200.pdf").write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "2", "-l", "2", "-singlefile",
         str(SHOTS / "day_list_200.pdf"), str(SHOTS / "day_list_200_p2")],
        check=True,
    )  # fmt: skip


def test_empty_day_letter_paper_and_broken_translation() -> None:
    broken = DayListLabels(title="明日预约名单 {dya}", page="第 {n} / {total 页")
    data = next_day_list_pdf(_day_list(), clinic_name="仁和诊所", labels=broken, page_size="Letter")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == tuple(
        round(v) for v in landscape(letter)
    )
    text = flat(reader.pages[0].extract_text())
    assert "No appointments." in text and "明日预约名单 {dya}" in text
    assert round(float(box.width)) != round(A4[1])


def test_substitute_named_from_staff_names() -> None:
    sub = uuid.uuid4()
    view = _day_list(_doc("王医生", [_row(1)], absence="substitute", sub=sub))
    named = next_day_list_pdf(view, clinic_name="x", labels=ZH_CN, staff_names={sub: "赵医生"})
    assert "由 赵医生 接诊" in flat(PdfReader(io.BytesIO(named)).pages[0].extract_text())
    unnamed = next_day_list_pdf(view, clinic_name="x", labels=ZH_CN)
    assert "由代班医生接诊" in flat(PdfReader(io.BytesIO(unnamed)).pages[0].extract_text())

"""Importing patients from Excel and CSV (issue 4, "Import")."""

from __future__ import annotations

import csv
import json
import random
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import event, func, select

from clinic_desk.core.errors import PermissionDenied, StorageFull
from clinic_desk.core.rules.id_documents import gb11643_check_char
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import patient_import as pi
from clinic_desk.core.services import patients, staff
from clinic_desk.core.store.models import AuditEntry, Patient
from clinic_desk.core.tasks import TaskState
from tests.conftest import ClinicFixture

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from bench_import import BAD_ROWS, write_workbook  # the bench's own workbook

HEADER = ["姓名", "性别", "出生日期", "手机", "身份证号", "地址", "备注"]


def resident_id(first17: str) -> str:
    return first17 + gb11643_check_char(first17)


ZHANG_ID = resident_id("11010119850312123")  # male, 1985-03-12
LI_ID = resident_id("44030619900705002")  # female, 1990-07-05

ROWS = [
    ["张三", "男", "1985-03-12", "13812345678", ZHANG_ID, "北京市东城区", "老病人"],
    ["李四", "女", "1990/7/5", "13912345678", LI_ID, "深圳市南山区", ""],
    ["欧阳娜娜", "女", "2001年2月3日", "13712345678", "", "", ""],
]


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8", delimiter=",") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]], *, sheet: str = "患者") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def count_patients(cf: ClinicFixture) -> int:
    with cf.clinic.store.unit_of_work(write=False) as uow:
        return int(uow.scalar(select(func.count()).select_from(Patient)))


def patient_named(cf: ClinicFixture, family: str, given: str) -> patients.PatientDetails:
    with cf.clinic.store.unit_of_work(write=False) as uow:
        pid = uow.scalar(
            select(Patient.id).where(Patient.family_name == family, Patient.given_name == given)
        )
    assert pid is not None, f"{family}{given} was not imported"
    return patients.get_patient(cf.clinic, cf.director, pid)


def run(cf: ClinicFixture, path: Path, **kw) -> pi.ImportReport:
    return pi.run_import(cf.clinic, cf.director, path, **kw)


def reasons(report: pi.ImportReport) -> dict[int, str]:
    return {r.row: r.reason() for r in report.rejected_rows}


# -- reading ---------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_utf8_with_and_without_bom_and_gbk(
    cf: ClinicFixture, tmp_path: Path, encoding: str
) -> None:
    path = write_csv(tmp_path / "list.csv", [HEADER, *ROWS], encoding=encoding)
    report = run(cf, path)
    assert (report.rows, report.imported, report.rejected) == (3, 3, 0), reasons(report)
    zhang = patient_named(cf, "张", "三")
    assert zhang.data.birth_date == date(1985, 3, 12)
    assert zhang.data.sex == "M" and zhang.data.phone.endswith("13812345678")
    assert zhang.data.id_kind == "resident_id" and zhang.data.address == "北京市东城区"
    assert zhang.data.desk_notes == "老病人"
    assert patient_named(cf, "欧阳", "娜娜").data.birth_date == date(2001, 2, 3)


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_delimiter_is_sniffed(cf: ClinicFixture, tmp_path: Path, delimiter: str) -> None:
    path = write_csv(tmp_path / "list.csv", [HEADER, *ROWS], delimiter=delimiter)
    plan = pi.plan_import(cf.clinic, cf.director, path)
    assert plan.delimiter == delimiter
    assert run(cf, path).imported == 3


def test_big5_traditional_headers(cf: ClinicFixture, tmp_path: Path) -> None:
    rows = [["姓名", "性別", "手機"], ["陳大文", "男", "13812345678"]]
    path = write_csv(tmp_path / "hk.csv", rows, encoding="big5")
    report = run(cf, path)
    assert report.imported == 1, reasons(report)
    assert patient_named(cf, "陳", "大文").data.sex == "M"


def test_traditional_and_english_headers_are_recognised(cf: ClinicFixture, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "en.csv",
        [
            ["Family name", "Given name", "Gender", "Date of Birth", "Mobile", "E-mail", "Notes"],
            ["Smith", "John", "male", "1970-01-02", "+44 20 7946 0958", "j@example.com", "hi"],
        ],
    )
    plan = pi.plan_import(cf.clinic, cf.director, path)
    assert plan.mapping == {
        "Family name": "family_name",
        "Given name": "given_name",
        "Gender": "sex",
        "Date of Birth": "birth_date",
        "Mobile": "phone",
        "E-mail": "email",
        "Notes": "desk_notes",
    }
    tw = write_csv(
        tmp_path / "tw.csv",
        [
            ["病人姓名", "性別", "生日", "電話", "身份證號碼", "備註"],
            ["陳大文", "男", "", "", "", ""],
        ],
    )
    assert list(pi.make_plan(pi.read_table(tw), "tw.csv").mapping.values()) == [
        "full_name",
        "sex",
        "birth_date",
        "phone",
        "id_number",
        "desk_notes",
    ]
    report = run(cf, path)
    assert report.imported == 1, reasons(report)
    assert patient_named(cf, "Smith", "John").data.email == "j@example.com"


def test_xlsx_with_date_cells_numbers_and_a_title_row(cf: ClinicFixture, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "list.xlsx",
        [
            ["仁和诊所患者名单"],  # a title above the header, as many lists have
            ["序号", "患者姓名", "性别", "出生日期", "手机号码(必填)", "身份证号"],
            [1, "张三", "男", datetime(1985, 3, 12), 13812345678, ZHANG_ID],
            [2, "李四", "女", date(1990, 7, 5), 13912345678.0, LI_ID],
            [3, "王五", "男", 19800101, "13712345678", None],
        ],
    )
    plan = pi.plan_import(cf.clinic, cf.director, path)
    assert plan.header_row == 2 and plan.sheet == "患者" and plan.row_count == 3
    assert plan.mapping["序号"] == "ignore" and plan.mapping["患者姓名"] == "full_name"
    assert plan.mapping["手机号码(必填)"] == "phone"
    report = run(cf, path)
    assert report.imported == 3, reasons(report)
    assert patient_named(cf, "李", "四").data.phone.endswith("13912345678")
    assert patient_named(cf, "王", "五").data.birth_date == date(1980, 1, 1)


def test_xlsx_named_sheet(cf: ClinicFixture, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["别的表"])
    ws = wb.create_sheet("名单")
    ws.append(["姓名", "手机"])
    ws.append(["赵六", "13812345678"])
    wb.save(tmp_path / "two.xlsx")
    assert run(cf, tmp_path / "two.xlsx", sheet="名单").imported == 1
    with pytest.raises(pi.ImportRefused, match="no sheet named"):
        run(cf, tmp_path / "two.xlsx", sheet="nope")


def test_excel_float_mangled_id_is_rejected_with_format_as_text(
    cf: ClinicFixture, tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            ["姓名", "身份证号"],
            ["张三", float(ZHANG_ID[:-1] + "0")],  # what Excel keeps of an 18-digit number
        ],
    )
    csv_path = write_csv(tmp_path / "f.csv", [["姓名", "身份证号"], ["张三", "1.10101E+17"]])
    for report in (run(cf, path), run(cf, csv_path)):
        assert report.rejected == 1 and report.imported == 0
        rejected = report.rejected_rows[0]
        assert rejected.row == 2 and rejected.column == "身份证号"
        assert "format the column as Text" in rejected.reason()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1985-03-12", date(1985, 3, 12)),
        ("1985/3/12", date(1985, 3, 12)),
        ("1985.03.12", date(1985, 3, 12)),
        ("19850312", date(1985, 3, 12)),
        ("1985年3月12日", date(1985, 3, 12)),
        ("１９８５－０３－１２", date(1985, 3, 12)),
        ("1985-03-12 00:00:00", date(1985, 3, 12)),
        (31118, date(1985, 3, 12)),  # an Excel date serial in a number cell
        ("", None),
    ],
)
def test_date_formats(text: object, expected: date | None) -> None:
    assert pi.parse_date(text) == expected  # type: ignore[arg-type]


def test_day_month_dates_are_refused_per_row(cf: ClinicFixture, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "d.csv",
        [
            ["姓名", "出生日期"],
            ["张三", "12/03/1985"],
            ["李四", "1985-02-30"],
            ["王五", "去年"],
        ],
    )
    report = run(cf, path)
    got = reasons(report)
    assert "year-month-day" in got[2] and "day/month" in got[2]
    assert "does not exist" in got[3]
    assert "year-month-day" in got[4]
    assert report.imported == 0


# -- refusing whole files ---------------------------------------------------------------


def test_wrong_encodings_are_refused_clearly(cf: ClinicFixture, tmp_path: Path) -> None:
    rng = random.Random(4)
    noise = tmp_path / "noise.csv"
    noise.write_bytes(bytes(rng.randrange(256) for _ in range(4000)))
    noise_no_nul = tmp_path / "noise2.csv"  # fails every decoding, not just the NUL check
    noise_no_nul.write_bytes(bytes(rng.randrange(1, 256) for _ in range(4000)))
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes("姓名,手机\n张三,13812345678\n".encode("utf-16-le"))
    for path in (noise, noise_no_nul, utf16):
        with pytest.raises(pi.ImportRefused) as caught:
            run(cf, path)
        assert "CSV UTF-8" in caught.value.message()
    assert count_patients(cf) == 0


def test_utf16_with_bom_from_excel_unicode_text_imports(cf: ClinicFixture, tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes("姓名\t手机\r\n张三\t13812345678\r\n".encode("utf-16"))
    assert run(cf, path).imported == 1


def test_missing_name_column_is_refused_naming_the_headers(
    cf: ClinicFixture, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "n.csv", [["手机", "地址", "Foo"], ["13812345678", "x", "y"]])
    with pytest.raises(pi.ImportRefused) as caught:
        run(cf, path)
    text = caught.value.message()
    assert "no column for the patient's name" in text
    assert "手机, 地址, Foo" in text
    assert count_patients(cf) == 0


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("empty.csv", b"", "empty"),
        ("header.csv", "姓名,手机\n".encode(), "no patients"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
        ("fake.xlsx", b"not a zip at all", "not a readable Excel"),
        ("doc.pdf", b"%PDF-1.4 hello", "choose a CSV file"),
    ],
)
def test_files_that_are_not_patient_lists(
    cf: ClinicFixture, tmp_path: Path, name: str, content: bytes, words: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(pi.ImportRefused, match=words.replace(".", r"\.")):
        run(cf, path)


def test_too_big_and_too_many_rows(
    cf: ClinicFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "list.csv", [HEADER, *ROWS])
    monkeypatch.setattr(pi, "MAX_BYTES", 10)
    with pytest.raises(pi.ImportRefused, match="too large"):
        run(cf, path)
    monkeypatch.setattr(pi, "MAX_BYTES", 10**8)
    monkeypatch.setattr(pi, "MAX_ROWS", 2)
    with pytest.raises(pi.ImportRefused, match="more than 2 rows"):
        run(cf, path)
    assert count_patients(cf) == 0


# -- mapping ------------------------------------------------------------------------------


def test_explicit_mapping_overrides_the_guess(cf: ClinicFixture, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "m.csv",
        [
            ["客户", "联系", "家属电话", "手机"],
            ["张三", "13812345678", "13912345678", "13712345678"],
        ],
    )
    plan = pi.plan_import(
        cf.clinic,
        cf.director,
        path,
        mapping={
            "联系": "phone",
            "家属电话": "emergency_phone",
        },
    )
    assert plan.mapping == {
        "客户": "full_name",
        "联系": "phone",
        "家属电话": "emergency_phone",
        "手机": "phone2",
    }
    report = run(cf, path, mapping={"联系": "phone", "家属电话": "emergency_phone"})
    data = patient_named(cf, "张", "三").data
    assert report.imported == 1
    assert data.phone.endswith("13812345678") and data.emergency_phone.endswith("13912345678")
    assert data.phone2.endswith("13712345678")
    with pytest.raises(pi.ImportRefused, match="not a patient field"):
        pi.plan_import(cf.clinic, cf.director, path, mapping={"联系": "telephone"})
    with pytest.raises(pi.ImportRefused, match="no column 'nope'"):
        pi.plan_import(cf.clinic, cf.director, path, mapping={"nope": "phone"})


def test_mapping_a_name_column_rescues_a_file_without_one(
    cf: ClinicFixture, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "n.csv", [["Who", "手机"], ["张三", "13812345678"]])
    assert run(cf, path, mapping={"Who": "full_name"}).imported == 1


def test_codes_from_chinese_words(cf: ClinicFixture, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "c.csv",
        [
            ["姓名", "性别", "来源", "证件类型", "证件号码", "联系偏好"],
            ["张三", "男性", "朋友介绍", "身份证", ZHANG_ID, "微信、短信"],
            ["Anna Berg", "F", "抖音", "护照", "E12345678", "电报"],
            ["王五", "", "", "", "", ""],
        ],
    )
    report = run(cf, path)
    assert report.imported == 3, reasons(report)
    zhang = patient_named(cf, "张", "三").data
    assert zhang.source_channel == "recommended" and zhang.contact_channels == ("wechat", "sms")
    anna = patient_named(cf, "", "Anna Berg").data
    assert anna.sex == "F" and anna.id_kind == "passport" and anna.source_channel == ""
    # Unknown words are kept in the desk notes, not lost.
    assert "来源: 抖音" in anna.desk_notes and "联系偏好: 电报" in anna.desk_notes
    assert patient_named(cf, "王", "五").data.sex == "U"


def test_unknown_sex_and_id_kind_are_rejected_per_row(cf: ClinicFixture, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "c.csv",
        [
            ["姓名", "性别", "证件类型", "证件号码"],
            ["张三", "boy", "", ""],
            ["李四", "女", "驾照", "123456"],
            ["王五", "", "", "12345"],
        ],
    )
    got = reasons(run(cf, path))
    assert "男 or 女" in got[2]
    assert "ID type is not one ClinicDesk knows" in got[3]
    assert "cannot be told from this number" in got[4]


# -- rows --------------------------------------------------------------------------------


def test_second_import_of_the_same_file_adds_nobody(cf: ClinicFixture, tmp_path: Path) -> None:
    sparse = [["孙七", "", "", "", "", "", ""], ["周八", "", "", "13612345678", "", "", ""]]
    path = write_csv(tmp_path / "list.csv", [HEADER, *ROWS, *sparse])
    first = run(cf, path)
    assert first.imported == 5 and count_patients(cf) == 5
    second = run(cf, path)
    assert (second.imported, second.already_present, second.rejected) == (0, 5, 0)
    assert count_patients(cf) == 5
    by_row = {p.row: p for p in second.present_rows}
    assert by_row[2].certain and by_row[2].record_no  # matched by the ID number
    assert not by_row[4].certain  # 欧阳娜娜: name, birth date and phone


def test_rows_already_registered_by_the_desk_are_skipped(cf: ClinicFixture, tmp_path: Path) -> None:
    patients.register_patient(
        cf.clinic,
        cf.director,
        family_name="张",
        given_name="三",
        id_kind="resident_id",
        id_number=ZHANG_ID,
    )
    report = run(cf, write_csv(tmp_path / "l.csv", [HEADER, *ROWS]))
    assert (report.imported, report.already_present) == (2, 1)


def test_dry_run_writes_nothing(cf: ClinicFixture, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "list.csv",
        [HEADER, *ROWS, ["", "", "", "", "", "", ""], ["坏", "?", "", "", "", "", ""]],
    )
    with cf.clinic.store.unit_of_work(write=False) as uow:
        audit_before = uow.scalar(select(func.count()).select_from(AuditEntry))
    report = run(cf, path, dry_run=True)
    assert report.dry_run and (report.imported, report.rejected) == (3, 1)
    assert report.rejected_rows[0].row == 6  # the empty row 5 is skipped, not renumbered
    assert count_patients(cf) == 0
    with cf.clinic.store.unit_of_work(write=False) as uow:
        assert uow.scalar(select(func.count()).select_from(AuditEntry)) == audit_before
    assert run(cf, path).imported == 3  # and the real import still does it all


def test_duplicate_rows_in_the_file(cf: ClinicFixture, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "dup.csv",
        [
            HEADER,
            ROWS[0],
            ROWS[1],
            ROWS[0],
            ["张三", "", "", "", ZHANG_ID.lower(), "", "再次登记"],  # same ID, other spelling
            ["王五", "", "", "", "", "", ""],
            ["王五", "", "", "", "", "", ""],
        ],
    )
    report = run(cf, path)
    assert report.imported == 3
    got = reasons(report)
    assert set(got) == {4, 5, 7}
    assert "row 2 of the file" in got[4] and "row 2 of the file" in got[5]
    assert "row 6 of the file" in got[7]


SQL = "Robert'); DROP TABLE patient;--"


def test_sql_looking_text_is_stored_verbatim(cf: ClinicFixture, tmp_path: Path) -> None:
    text_fields = ["姓名", "地址", "职业", "职务", "紧急联系人", "紧急联系人关系", "备注"]
    path = write_csv(
        tmp_path / "sql.csv",
        [
            [*text_fields, "手机"],
            [SQL, SQL, SQL, SQL, SQL, SQL[:50], SQL, "13812345678"],
            # and in every field, including those with a format: rejected, nothing breaks
            [SQL] * 5 + ["1' OR '1'='1"] * 2 + ["'; DELETE FROM patient; --"],
        ],
    )
    report = run(cf, path)
    assert report.imported == 1 and report.rejected == 1
    all_sql = write_csv(tmp_path / "all.csv", [[*pi.FIELDS[1:]], [SQL] * len(pi.FIELDS[1:])])
    assert run(cf, all_sql).rejected == 1
    data = patient_named(cf, "", SQL).data
    assert data.address == SQL and data.occupation == SQL and data.title == SQL
    assert data.emergency_name == SQL and data.desk_notes == SQL
    assert count_patients(cf) == 1


def test_names_in_any_script_but_not_emoji_or_300_chars(cf: ClinicFixture, tmp_path: Path) -> None:
    names = [
        "阿依古丽·买买提",
        "Ólafur Þórðarson",
        "Анна Петрова",
        "محمد علي",
        "สมชาย ใจดี",
        "བཀྲ་ཤིས་",
        "O'Brien-Smith",
        "𠮷田",
    ]
    path = write_csv(
        tmp_path / "names.csv",
        [
            ["姓名"],
            *([n] for n in names),
            ["张三😀"],
            ["王" * 300],
            ["👍"],
            ["---"],
        ],
    )
    report = run(cf, path)
    assert report.imported == len(names), reasons(report)
    got = reasons(report)
    n = len(names) + 2
    assert "emoji" in got[n] and "at most 100 characters" in got[n + 1]
    assert "emoji" in got[n + 2] and "no letters" in got[n + 3]
    assert all(r.column == "姓名" for r in report.rejected_rows)
    assert patient_named(cf, "𠮷", "田").data.family_name == "𠮷"


def test_invalid_id_checksum_and_future_birth_date(cf: ClinicFixture, tmp_path: Path) -> None:
    bad = ZHANG_ID[:-1] + ("0" if ZHANG_ID[-1] != "0" else "1")
    path = write_csv(
        tmp_path / "bad.csv",
        [
            HEADER,
            ["张三", "男", "", "", bad, "", ""],
            ["李四", "女", "2027-01-01", "", "", "", ""],
            ["王五", "男", "1985-03-13", "", ZHANG_ID, "", ""],
        ],
    )
    report = run(cf, path)
    got = reasons(report)
    assert "last character of this resident ID" in got[2]
    assert "in the future" in got[3]
    assert "does not match the one in the ID number" in got[4]
    by_row = {r.row: r for r in report.rejected_rows}
    assert by_row[2].column == "身份证号" and by_row[3].column == "出生日期"
    assert by_row[2].values["身份证号"] == bad  # the original, for the report
    assert ZHANG_ID not in got[4] and bad not in got[2]  # reasons hold no patient data
    assert report.imported == 0


def test_non_director_is_refused(cf: ClinicFixture, tmp_path: Path) -> None:
    staff.add_staff(
        cf.clinic,
        cf.director,
        login="desk1",
        display_name="前台",
        role=Role.RECEPTIONIST,
        password="some-pass-123",
    )
    desk = staff.sign_in(cf.clinic, "desk1", "some-pass-123")
    path = write_csv(tmp_path / "l.csv", [HEADER, *ROWS])
    with pytest.raises(PermissionDenied):
        pi.run_import(cf.clinic, desk, path)
    with pytest.raises(PermissionDenied):
        pi.plan_import(cf.clinic, desk, path)
    assert count_patients(cf) == 0


def test_audit_rows(cf: ClinicFixture, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "名单.csv", [HEADER, *ROWS, ["", "x", "", "", "", "", ""]])
    run(cf, path)
    with cf.clinic.store.unit_of_work(write=False) as uow:
        summary = uow.session.execute(
            select(AuditEntry.detail).where(AuditEntry.action == "patient.import")
        ).scalar_one()
        registered = (
            uow.session.execute(
                select(AuditEntry.detail).where(AuditEntry.action == "patient.register")
            )
            .scalars()
            .all()
        )
    detail = json.loads(summary)
    assert detail["file"] == "名单.csv"
    assert (detail["rows"], detail["imported"], detail["rejected"]) == (4, 3, 1)
    assert "张" not in summary and "138" not in summary
    assert sorted(json.loads(d)["row"] for d in registered) == [2, 3, 4]


def test_report_csv(cf: ClinicFixture, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "l.csv",
        [
            HEADER,
            ROWS[0],
            ["王五", "?", "", "", "", '=HYPERLINK("http://x")', ""],
        ],
    )
    report = run(cf, path)
    out = tmp_path / "report.csv"
    pi.write_report_csv(report, out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:3] == ["Row", "Column", "Reason"] and rows[0][3:] == HEADER
    assert rows[1][:2] == ["3", "性别"] and "男 or 女" in rows[1][2]
    assert rows[1][3] == "王五" and rows[1][8].startswith("'=")  # Excel must not run it
    # The report can be fixed and imported again: the guard apostrophe is removed then.
    assert pi.make_plan(pi.read_table(out), "report.csv").mapping["姓名"] == "full_name"


# -- stopping part-way --------------------------------------------------------------------


def _many_rows(n: int, start: int = 0) -> list[list[object]]:
    return [[f"王{i}号", "", "", f"139{i:08d}", "", "", ""] for i in range(start, start + n)]


def test_store_failure_keeps_whole_batches(
    cf: ClinicFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "big.csv", [HEADER, *_many_rows(1200)])
    # Fault injection at the batch writer (a real full disk is tests/reliability's).
    real = patients.insert_patients
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 1:  # the second batch meets a full disk
            raise StorageFull()
        return real(*args, **kwargs)

    monkeypatch.setattr(patients, "insert_patients", failing)
    report = run(cf, path)
    assert isinstance(report.error, StorageFull) and not report.complete
    assert report.imported == pi.BATCH_ROWS == count_patients(cf)  # no half batch
    assert report.unprocessed == 1200 - pi.BATCH_ROWS
    monkeypatch.setattr(patients, "insert_patients", real)
    again = run(cf, path)
    assert (again.imported, again.already_present) == (700, 500)


def test_cancel_keeps_written_batches(cf: ClinicFixture, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "big.csv", [HEADER, *_many_rows(1200)])
    task = TaskState()
    real = patients.insert_patients

    def cancelling(*args, **kwargs):
        task.cancel()  # the person presses Cancel while the first batch is written
        return real(*args, **kwargs)

    patients.insert_patients = cancelling  # type: ignore[assignment]
    try:
        report = run(cf, path, task=task)
    finally:
        patients.insert_patients = real  # type: ignore[assignment]
    assert report.cancelled and report.imported == pi.BATCH_ROWS == count_patients(cf)
    assert report.unprocessed == 1200 - pi.BATCH_ROWS


def test_progress_is_reported(cf: ClinicFixture, tmp_path: Path) -> None:
    seen: list[float] = []
    path = write_csv(tmp_path / "big.csv", [HEADER, *_many_rows(300)])
    run(cf, path, task=TaskState(lambda f, _m: seen.append(f)))
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 4


# -- the "done when" ---------------------------------------------------------------


def test_big_xlsx_over_several_batches(cf: ClinicFixture, tmp_path: Path) -> None:
    """Issue 4 ("Import", done when): a long Excel list with CJK names and some bad rows
    among them: every good row is imported across several batches, every bad row is
    reported with the column at fault, and the report CSV lists exactly those.

    Its speed (the issue's 10,000 rows) is measured by bench/bench_import.py, which
    uses the same workbook: no time bound here (benchmarks are not tests)."""
    path = tmp_path / "big.xlsx"
    good, bad = write_workbook(path, 1_200)
    assert good > 2 * pi.BATCH_ROWS and bad >= len(BAD_ROWS)  # each kind, several batches
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    bad_names = {row[0] for row in BAD_ROWS}
    expected = {
        at: name
        for at, (name, *_rest) in enumerate(sheet.iter_rows(min_row=2, values_only=True), 2)
        if name in bad_names
    }
    assert len(expected) == bad

    sent: list[str] = []

    def seen(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        sent.append(sql)

    event.listen(cf.clinic.store.engine, "before_cursor_execute", seen)
    try:
        report = run(cf, path)
    finally:
        event.remove(cf.clinic.store.engine, "before_cursor_execute", seen)
    assert (report.rows, report.imported, report.rejected) == (good + bad, good, bad)
    # Statements in batches, not per row (a SELECT per row made 10,000 rows take 180 s;
    # 39 statements for these 1,205 rows): the speed itself is the bench's.
    assert len(sent) < good // 10, f"{len(sent)} statements for {good + bad} rows"
    assert report.complete and report.unprocessed == 0
    assert count_patients(cf) == good
    rejected = {r.row: r for r in report.rejected_rows}
    assert {at: r.values["姓名"] for at, r in rejected.items()} == expected
    fields = {r.values["姓名"]: r.field for r in rejected.values()}
    assert fields == {
        "坏行": "birth_date",
        "张三😀": "full_name",
        "李四": "sex",
        "王五": "birth_date",
    }, reasons(report)
    out = tmp_path / "report.csv"
    pi.write_report_csv(report, out)
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 1 + bad

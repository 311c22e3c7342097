"""Importing patients from a clinic's Excel or CSV list (issue 4, "Import").

Three steps, each usable on its own:

- ``read_table``: the file as rows of cells (CSV in UTF-8, GB18030/GBK or
  Big5 with the delimiter sniffed; XLSX through openpyxl), refusing what
  cannot be a patient list with one sentence saying what to do;
- ``plan_import``: which column holds which registry field, guessed from the
  header in Simplified/Traditional Chinese or English and overridable by an
  explicit ``{"column header": "field"}`` mapping;
- ``run_import``: every row checked by the registry's own rules
  (``patients.clean_input``), rejected rows collected with the reason, rows
  already registered skipped (so importing a file twice adds nobody twice),
  the rest written in batches of ``BATCH_ROWS`` through
  ``patients.insert_patient``.

Messages are English templates marked for translation, as in the rest of the
core; a rejected row's reason never repeats its values (they are kept apart
in ``RejectedRow.values`` for the report the clinic fixes the file from).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import time
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import literal_column, select

from clinic_desk.core.errors import ClinicError, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP, Translate, english
from clinic_desk.core.rules.id_documents import guess_kind
from clinic_desk.core.rules.search_keys import split_name
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import patients
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.core.services.registry_rules import (
    CONTACT_CHANNELS,
    ID_KIND_LABELS,
    LIMITS,
    SOURCE_CHANNELS,
    SPECIAL_NEEDS,
    FieldInvalid,
    PatientInput,
)
from clinic_desk.core.store.models import Patient
from clinic_desk.core.store.store import UnitOfWork
from clinic_desk.core.tasks import TaskState

log = logging.getLogger(__name__)

MAX_ROWS = 200_000
MAX_BYTES = 100 * 1024 * 1024
# Rows per write transaction: big enough that 10,000 rows take seconds, small
# enough that other desks wait well under a second for the write lock.
BATCH_ROWS = 500
_HEADER_SEARCH_ROWS = 10  # a title line or two above the header is common in Excel lists
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")

# Pseudo-fields besides PatientInput's: the whole name in one column, and "not imported".
FULL_NAME = "full_name"
IGNORE = "ignore"
FIELDS: tuple[str, ...] = (FULL_NAME, *PatientInput.field_names())

FIELD_LABELS: dict[str, str] = {
    FULL_NAME: QT_TRANSLATE_NOOP("Import", "Full name"),
    "family_name": QT_TRANSLATE_NOOP("Import", "Family name"),
    "given_name": QT_TRANSLATE_NOOP("Import", "Given name"),
    "sex": QT_TRANSLATE_NOOP("Import", "Sex"),
    "birth_date": QT_TRANSLATE_NOOP("Import", "Date of birth"),
    "phone": QT_TRANSLATE_NOOP("Import", "Phone"),
    "phone2": QT_TRANSLATE_NOOP("Import", "Second phone"),
    "id_kind": QT_TRANSLATE_NOOP("Import", "ID document type"),
    "id_number": QT_TRANSLATE_NOOP("Import", "ID document number"),
    "address": QT_TRANSLATE_NOOP("Import", "Address"),
    "occupation": QT_TRANSLATE_NOOP("Import", "Occupation"),
    "title": QT_TRANSLATE_NOOP("Import", "Title or position"),
    "email": QT_TRANSLATE_NOOP("Import", "E-mail"),
    "wechat": QT_TRANSLATE_NOOP("Import", "WeChat"),
    "qq": QT_TRANSLATE_NOOP("Import", "QQ"),
    "contact_channels": QT_TRANSLATE_NOOP("Import", "Preferred contact"),
    "source_channel": QT_TRANSLATE_NOOP("Import", "How they came"),
    "special_needs": QT_TRANSLATE_NOOP("Import", "Special needs"),
    "emergency_name": QT_TRANSLATE_NOOP("Import", "Emergency contact"),
    "emergency_relation": QT_TRANSLATE_NOOP("Import", "Emergency contact relation"),
    "emergency_phone": QT_TRANSLATE_NOOP("Import", "Emergency contact phone"),
    "desk_notes": QT_TRANSLATE_NOOP("Import", "Desk notes"),
    "honorific_override": QT_TRANSLATE_NOOP("Import", "How to address"),
    IGNORE: QT_TRANSLATE_NOOP("Import", "Do not import"),
}

# fmt: off
# Header words, compared after ``_header_key`` (NFKC, lowercase, no spaces,
# punctuation or bracketed hints such as "(必填)").
_SYNONYMS: dict[str, tuple[str, ...]] = {
    FULL_NAME: (
        "姓名", "名字", "全名", "患者姓名", "病人姓名", "客户姓名", "顾客姓名", "会员姓名",
        "患者", "病人", "客户", "name", "fullname", "patientname", "patient",
    ),
    "family_name": ("姓", "姓氏", "familyname", "surname", "lastname"),
    "given_name": ("名", "名字名", "givenname", "firstname", "forename"),
    "sex": ("性别", "性別", "sex", "gender"),
    "birth_date": (
        "出生日期", "生日", "出生年月日", "出生年月", "出生", "出生日", "birthdate",
        "dateofbirth", "dob", "birthday", "born",
    ),
    "phone": (
        "手机", "手機", "手机号", "手機號", "手机号码", "手機號碼", "电话", "電話", "电话号码",
        "電話號碼", "联系电话", "聯絡電話", "聯繫電話", "联系方式", "聯絡方式", "移动电话",
        "phone", "mobile", "mobilephone", "telephone", "tel", "cell", "cellphone",
        "phonenumber",
    ),
    "phone2": (
        "电话2", "電話2", "手机2", "手機2", "备用电话", "備用電話", "其他电话", "其他電話", "座机",
        "座機", "固定电话", "固定電話", "家庭电话", "住宅電話", "phone2", "otherphone",
        "landline", "homephone",
    ),
    "id_kind": (
        "证件类型", "證件類型", "证件种类", "證件種類", "证件类别", "idtype", "idkind",
        "documenttype", "idocumenttype",
    ),
    "id_number": (
        "身份证号", "身份证", "身份证号码", "身份證號", "身份證", "身份證號碼", "身分證",
        "身分證號", "身分證字號", "身份证件号码", "证件号码", "證件號碼", "证件号", "證件號",
        "idnumber", "id", "idno", "idcard", "documentnumber",
    ),
    "address": ("地址", "住址", "家庭住址", "联系地址", "聯絡地址", "居住地址", "address"),
    "occupation": ("职业", "職業", "工作", "工作单位", "occupation", "job", "profession"),
    "title": ("职务", "职称", "職務", "職稱", "头衔", "頭銜", "title", "position"),
    "email": ("邮箱", "電郵", "电子邮箱", "电子邮件", "電子郵件", "郵箱", "email", "mail"),
    "wechat": ("微信", "微信号", "微信號", "wechat", "weixin", "wechatid"),
    "qq": ("qq", "qq号", "qq號", "qq号码"),
    "contact_channels": (
        "联系偏好", "聯絡偏好", "首选联系方式", "首選聯絡方式", "contactpreference",
        "preferredcontact",
    ),
    "source_channel": (
        "来源", "來源", "渠道", "来源渠道", "來源渠道", "客户来源", "客戶來源", "患者来源",
        "source", "referralsource", "channel",
    ),
    "special_needs": ("特殊需要", "特殊需求", "specialneeds"),
    "emergency_name": (
        "紧急联系人", "緊急聯絡人", "緊急聯繫人", "紧急联系人姓名", "emergencycontact",
        "emergencyname", "emergencycontactname",
    ),
    "emergency_relation": (
        "紧急联系人关系", "緊急聯絡人關係", "与患者关系", "關係", "关系", "emergencyrelation",
        "relationship", "relation",
    ),
    "emergency_phone": (
        "紧急联系电话", "紧急联系人电话", "紧急联系人手机", "緊急聯絡電話", "緊急聯絡人電話",
        "紧急电话", "emergencyphone", "emergencycontactphone",
    ),
    "desk_notes": (
        "备注", "備註", "备注信息", "說明", "说明", "notes", "note", "remarks", "remark",
        "comments", "comment",
    ),
    "honorific_override": ("称呼", "稱呼", "尊称", "尊稱", "addressas", "honorific"),
}
_HEADER_INDEX: dict[str, str] = {
    **{name.replace("_", ""): name for name in _SYNONYMS},  # the field codes themselves
    **{word: name for name, words in _SYNONYMS.items() for word in words},
}
# Longest first, for Chinese headers that only contain a known word ("患者手机号码" → phone);
# English headers are matched whole ("patient id" is not the name).
_CONTAINED = sorted(
    ((w, n) for w, n in _HEADER_INDEX.items() if len(w) >= 2 and not w.isascii()),
    key=lambda item: -len(item[0]),
)
# Common columns of clinic lists that are no patient field, though they contain one's word.
_NOT_FIELDS = frozenset(
    {"出生地", "籍贯", "籍貫", "年龄", "年齡", "序号", "序號", "编号", "編號", "病历号", "病歷號",
     "档案号", "檔案號", "患者编号", "患者編號", "会员号", "會員號", "就诊日期", "就診日期"}
)

_SEX_WORDS = {
    "M": ("男", "男性", "男士", "先生", "m", "male", "man", "1"),
    "F": ("女", "女性", "女士", "f", "female", "woman", "2"),
    "U": ("", "未知", "不详", "不詳", "未说明", "未說明", "u", "unknown", "0", "9", "-"),
}
_SEX_INDEX = {w: code for code, words in _SEX_WORDS.items() for w in words}

_KIND_WORDS: dict[str, tuple[str, ...]] = {
    "resident_id": ("身份证", "居民身份证", "身份證", "居民身份證", "二代身份证", "大陆身份证"),
    "hk_id": ("香港身份证", "香港身份證", "hkid", "香港永久性居民身份證"),
    "mo_id": ("澳门身份证", "澳門身份證", "澳門居民身份證"),
    "tw_id": ("台湾身份证", "臺灣身分證", "台灣身分證", "台湾身分证", "國民身分證"),
    "hk_mo_permit": ("回乡证", "回鄉證", "港澳居民来往内地通行证", "港澳居民來往內地通行證"),
    "tw_permit": ("台胞证", "台胞證", "台湾居民来往大陆通行证", "臺灣居民來往大陸通行證"),
    "hmt_residence": ("居住证", "居住證", "港澳台居民居住证", "港澳台居民居住證"),
    "foreign_permanent": (
        "永久居留证", "永久居留證", "外国人永久居留身份证", "外國人永久居留身份證", "永居证",
    ),
    "passport": ("护照", "護照", "passport"),
}
_KIND_INDEX: dict[str, str] = {
    **{code: code for code in ID_KIND_LABELS},
    **{label.lower().replace(" ", ""): code for code, label in ID_KIND_LABELS.items()},
    **{w.lower(): code for code, words in _KIND_WORDS.items() for w in words},
}

_SOURCE_WORDS: dict[str, tuple[str, ...]] = {
    "walk_in": ("自来", "散客", "路过", "到店", "上门", "自行来诊", "直接来诊", "walkin"),
    "phone": ("电话", "電話", "电话预约", "電話預約"),
    "online": (
        "网上", "網上", "网络", "網絡", "线上", "線上", "网上预约", "網上預約", "网约",
        "美团", "大众点评", "微信预约", "小程序",
    ),
    "referral": ("转诊", "轉診", "转介", "轉介", "医院转诊"),
    "free_clinic": ("义诊", "義診"),
    "recommended": (
        "推荐", "推薦", "介绍", "介紹", "朋友介绍", "朋友介紹", "老客户介绍", "亲友介绍",
    ),
    "other": ("其他", "其它"),
}
_SOURCE_INDEX: dict[str, str] = {
    **{code.replace("_", ""): code for code in SOURCE_CHANNELS},
    **{w.lower(): code for code, words in _SOURCE_WORDS.items() for w in words},
}
_CHANNEL_INDEX: dict[str, str] = {
    **{code.replace("_", ""): code for code in CONTACT_CHANNELS},
    "手机": "mobile", "手機": "mobile", "电话": "mobile", "電話": "mobile",
    "短信": "sms", "簡訊": "sms", "短訊": "sms", "微信": "wechat", "邮件": "email",
    "郵件": "email", "邮箱": "email", "電郵": "email", "e-mail": "email", "信件": "letter",
    "邮寄": "letter", "郵寄": "letter", "上门": "home_visit", "上門": "home_visit",
    "家访": "home_visit",
}
_NEEDS_INDEX: dict[str, str] = {
    **{code: code for code in SPECIAL_NEEDS},
    "儿童": "child", "兒童": "child", "小孩": "child", "老人": "elderly", "老年": "elderly",
    "长者": "elderly", "長者": "elderly", "残疾": "disabled", "殘疾": "disabled",
    "残障": "disabled", "殘障": "disabled", "陪诊": "accompanied", "陪診": "accompanied",
    "陪同": "accompanied",
}
# fmt: on
_LIST_SPLIT = re.compile(r"[,，、;；/|\s]+")

# Fields whose digits Excel mangles when it stores them as numbers.
_NUMBER_FIELDS = frozenset({"id_number", "phone", "phone2", "emergency_phone", "qq", "wechat"})
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d+")
_EXCEL_EXACT = 10**15  # floats hold 15 significant digits safely; an 18-digit ID does not fit
# A leading apostrophe our own report adds to stop Excel running a cell as a formula.
_FORMULA_GUARD = re.compile(r"'(?=[=+\-@])")

_DATE_YMD = re.compile(
    r"(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]?)"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DATE_DMY = re.compile(r"\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2,4}(?:\s.*)?")

# --- messages -----------------------------------------------------------------------

_NOT_A_TABLE = QT_TRANSLATE_NOOP(
    "Errors",
    "This file cannot be imported: choose a CSV file (.csv) or an Excel workbook (.xlsx).",
)
_OLD_XLS = QT_TRANSLATE_NOOP(
    "Errors",
    "This is an old-style Excel file (.xls). In Excel, use Save As and choose 'Excel "
    "Workbook (*.xlsx)' or 'CSV UTF-8', then import that file.",
)
_BAD_XLSX = QT_TRANSLATE_NOOP(
    "Errors",
    "This file is not a readable Excel workbook (it may be damaged or of another kind). "
    "Open it in Excel, save it again as .xlsx or as CSV UTF-8, then import that file.",
)
_EMPTY = QT_TRANSLATE_NOOP("Errors", "The file is empty: there are no patients in it to import.")
_NO_FILE = QT_TRANSLATE_NOOP(
    "Errors",
    "There is no file to import at that place (it may have been moved, renamed or deleted). "
    "Choose the file again.",
)
_NO_ROWS = QT_TRANSLATE_NOOP(
    "Errors",
    "The file has a header row but no patients under it. Check that you chose the right file "
    "(and the right sheet).",
)
_TOO_BIG = QT_TRANSLATE_NOOP(
    "Errors",
    "The file is too large to import ({megabytes} MB; at most {limit} MB). Split it into "
    "smaller files and import them one after another.",
)
_TOO_MANY_ROWS = QT_TRANSLATE_NOOP(
    "Errors",
    "The file has more than {limit} rows, more than one import can take. Split it into smaller "
    "files and import them one after another.",
)
_NOT_TEXT = QT_TRANSLATE_NOOP(
    "Errors",
    "This file is not plain text (it may be saved as UTF-16 without a byte-order mark, or be no "
    "table at all). In Excel, save it as 'CSV UTF-8 (comma delimited)' or as .xlsx and import "
    "that file.",
)
_ENCODING = QT_TRANSLATE_NOOP(
    "Errors",
    "The file's characters cannot be read: it is neither UTF-8 nor GBK/GB18030 text. In Excel, "
    "save it again as 'CSV UTF-8 (comma delimited)' and import that file.",
)
_NO_SHEET = QT_TRANSLATE_NOOP(
    "Errors", "The workbook has no sheet named {sheet}. Its sheets are: {sheets}."
)
_NO_NAME_COLUMN = QT_TRANSLATE_NOOP(
    "Errors",
    "The file has no column for the patient's name, so nothing was imported. Columns found: "
    "{headers}. Name a column 姓名 (or 姓 and 名), or choose which column holds the name.",
)
_UNKNOWN_FIELD = QT_TRANSLATE_NOOP(
    "Errors", "'{field}' is not a patient field that can be imported. Use one of: {fields}."
)
_UNKNOWN_COLUMN = QT_TRANSLATE_NOOP(
    "Errors", "The file has no column '{header}'. Columns found: {headers}."
)
_MANGLED_NUMBER = QT_TRANSLATE_NOOP(
    "Errors",
    "Excel stored this number as a number and lost its last digits. In Excel, format the "
    "column as Text, type the numbers again (or import the original list) and import again.",
)
_DATE_AMBIGUOUS = QT_TRANSLATE_NOOP(
    "Errors",
    "This date could be day/month or month/day. Write dates as year-month-day, for example "
    "1985-03-12.",
)
_DATE_UNREADABLE = QT_TRANSLATE_NOOP(
    "Errors",
    "This is not a date ClinicDesk can read. Write dates as year-month-day, for example "
    "1985-03-12 or 1985年3月12日.",
)
_DATE_NOT_REAL = QT_TRANSLATE_NOOP(
    "Errors", "This date does not exist (check the month and the day)."
)
_SEX_UNKNOWN = QT_TRANSLATE_NOOP(
    "Errors", "Write the sex as 男 or 女 (or M or F); leave it empty if it is not known."
)
_KIND_UNKNOWN = QT_TRANSLATE_NOOP(
    "Errors",
    "This ID type is not one ClinicDesk knows: write 身份证, 护照, 回乡证, 台胞证, 香港身份证, "
    "澳门身份证, 台湾身份证, 居住证 or 永久居留证, or leave it empty.",
)
_KIND_NOT_GUESSED = QT_TRANSLATE_NOOP(
    "Errors",
    "The kind of document cannot be told from this number. Add an ID type column (证件类型) "
    "saying, for example, 身份证 or 护照.",
)
_NAME_SYMBOLS = QT_TRANSLATE_NOOP(
    "Errors",
    "A name is made of letters: remove the emoji or other symbols from it and import again.",
)
_NAME_NO_LETTERS = QT_TRANSLATE_NOOP(
    "Errors", "The name has no letters in it. Type the patient's name."
)
_NAME_TOO_LONG = QT_TRANSLATE_NOOP("Errors", "The name is too long: use at most {n} characters.")
_DUPLICATE_ROW = QT_TRANSLATE_NOOP(
    "Errors",
    "This patient is already in row {row} of the file (same ID number, or same name, birth "
    "date and phone). Remove one of the two rows.",
)


class ImportRefused(ValidationError):
    """The whole file was refused before anything was imported."""


# --- reading the file ------------------------------------------------------------------

Cell = str | int | float | bool | date | datetime | None


@dataclass(frozen=True)
class Table:
    """A file's rows as read: cells as Excel/CSV gave them, numbered as the user sees them."""

    kind: str  # "csv" or "xlsx"
    encoding: str  # CSV only
    delimiter: str  # CSV only
    sheet: str  # XLSX only: the sheet read
    sheet_names: tuple[str, ...]
    rows: tuple[tuple[int, tuple[Cell, ...]], ...]  # (row number, cells); empty rows left out


def read_table(path: Path, *, sheet: str | None = None, task: TaskState | None = None) -> Table:
    """``path`` as rows, or ``ImportRefused`` saying why it cannot be a patient list."""
    path = Path(path)
    if not path.is_file():  # moved since it was chosen, or a folder
        raise ImportRefused(_NO_FILE)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ImportRefused(_TOO_BIG, megabytes=size // (1024 * 1024), limit=MAX_BYTES >> 20)
    if size == 0:
        raise ImportRefused(_EMPTY)
    with path.open("rb") as f:
        head = f.read(8)
    suffix = path.suffix.lower()
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused(_OLD_XLS)
    if head.startswith(b"PK\x03\x04"):
        if suffix not in XLSX_SUFFIXES and suffix not in ("", ".zip"):
            raise ImportRefused(_NOT_A_TABLE)
        table = _read_xlsx(path, sheet=sheet, task=task)
    elif suffix in XLSX_SUFFIXES:
        raise ImportRefused(_BAD_XLSX)
    elif suffix in CSV_SUFFIXES or suffix == "":
        table = _read_csv(path.read_bytes())
    else:
        raise ImportRefused(_NOT_A_TABLE)
    if not table.rows:
        raise ImportRefused(_EMPTY)
    if len(table.rows) > MAX_ROWS + _HEADER_SEARCH_ROWS:
        raise ImportRefused(_TOO_MANY_ROWS, limit=f"{MAX_ROWS:,}")
    return table


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise ImportRefused(_ENCODING) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode Text" export: UTF-16 with a byte-order mark, tab-separated.
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ImportRefused(_ENCODING) from None
    if b"\x00" in raw:
        raise ImportRefused(_NOT_TEXT)
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # GB18030 (a superset of GBK) is what Chinese Excel writes; Big5 is Taiwan's and Hong
    # Kong's. Both decode most byte strings, so the one whose header makes sense wins.
    decoded: list[tuple[int, str, str]] = []
    for encoding in ("gb18030", "big5"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        first = "\n".join(text.splitlines()[:_HEADER_SEARCH_ROWS])
        known = sum(1 for h in re.split(r"[,;\t\n]", first) if _guess_field(h))
        decoded.append((known, encoding, text))
    if not decoded:
        raise ImportRefused(_ENCODING)
    best = max(decoded, key=lambda d: d[0])  # max keeps the first (GB18030) on a tie
    return best[2], best[1]


def _sniff_delimiter(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            # Quoted text may hold any of them; count only outside quotes.
            outside = re.sub(r'"[^"]*"', "", line)
            counts = {d: outside.count(d) for d in (",", ";", "\t")}
            best = max(counts, key=lambda d: counts[d])
            return best if counts[best] else ","
    return ","


def _read_csv(raw: bytes) -> Table:
    text, encoding = _decode(raw)
    delimiter = _sniff_delimiter(text)
    rows: list[tuple[int, tuple[Cell, ...]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, record in enumerate(reader, start=1):
            if any(cell.strip() for cell in record):
                rows.append((number, tuple(record)))
            if len(rows) > MAX_ROWS + _HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        raise ImportRefused(_NOT_TEXT) from None
    return Table("csv", encoding, delimiter, "", (), tuple(rows))


def _read_xlsx(path: Path, *, sheet: str | None, task: TaskState | None) -> Table:
    import openpyxl  # only here: reading CSV or running the desk never needs it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ImportRefused(_BAD_XLSX) from None
    try:
        names = tuple(wb.sheetnames)
        if sheet:
            if sheet not in names:
                raise ImportRefused(_NO_SHEET, sheet=sheet, sheets=", ".join(names))
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        total = ws.max_row or 0
        rows: list[tuple[int, tuple[Cell, ...]]] = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if any(v is not None and str(v).strip() for v in values):
                rows.append((number, tuple(values)))
            if len(rows) > MAX_ROWS + _HEADER_SEARCH_ROWS:
                break
            if task is not None and number % 2000 == 0:
                task.progress(0.1 * min(1.0, number / max(total, 1)), "Reading the workbook")
        return Table("xlsx", "", "", ws.title, names, tuple(rows))
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError):
        raise ImportRefused(_BAD_XLSX) from None
    finally:
        wb.close()


# --- the column mapping --------------------------------------------------------------------


def _header_key(header: str) -> str:
    text = unicodedata.normalize("NFKC", header).lower()
    text = re.sub(r"[(\[（【][^)\]）】]*[)\]）】]", "", text)  # "(必填)", "(yyyy-mm-dd)"
    return re.sub(r"[\s_\-.:：*#/]+", "", text)


def _guess_field(header: str) -> str:
    key = _header_key(header)
    if not key or key in _NOT_FIELDS:
        return ""
    if key in _HEADER_INDEX:
        return _HEADER_INDEX[key]
    for word, name in _CONTAINED:
        if word in key:
            return name
    return ""


@dataclass(frozen=True)
class Column:
    index: int
    header: str  # as in the file, made unique ("电话 (2)") and never empty
    field: str  # one of FIELDS, or IGNORE
    guessed: bool  # False when the explicit mapping chose it


@dataclass(frozen=True)
class ImportPlan:
    """What importing ``file_name`` would do: where the header is and which column is what."""

    file_name: str
    kind: str
    encoding: str
    delimiter: str
    sheet: str
    sheet_names: tuple[str, ...]
    header_row: int
    columns: tuple[Column, ...]
    row_count: int
    sample: tuple[tuple[str, ...], ...]  # the first rows as text, for the preview

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    @property
    def mapping(self) -> dict[str, str]:
        return {c.header: c.field for c in self.columns}

    def column_for(self, field_name: str) -> Column | None:
        for c in self.columns:
            if c.field == field_name:
                return c
        return None


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _headers(cells: Sequence[Cell]) -> list[str]:
    seen: dict[str, int] = {}
    out: list[str] = []
    for i, cell in enumerate(cells):
        text = " ".join(_cell_text(cell).split())[:60] or f"({_column_letter(i)})"
        seen[text] = seen.get(text, 0) + 1
        out.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return out


def _guess_columns(headers: Sequence[str]) -> list[str]:
    taken: set[str] = set()
    fields_: list[str] = []
    for header in headers:
        name = _guess_field(header)
        if name == "phone" and "phone" in taken:
            name = "phone2"  # a second phone column is the second phone
        if not name or name in taken:
            name = IGNORE
        taken.add(name)
        fields_.append(name)
    return fields_


def _has_name(fields_: Iterable[str]) -> bool:
    return any(f in (FULL_NAME, "family_name", "given_name") for f in fields_)


def _header_list(headers: Sequence[str]) -> str:
    shown = [h[:30] for h in headers[:20]]
    return ", ".join(shown) + (" …" if len(headers) > 20 else "")


def make_plan(table: Table, file_name: str, mapping: dict[str, str] | None = None) -> ImportPlan:
    """The header row and the column mapping for ``table`` (pure; see ``plan_import``)."""
    # The header is the row (of the first few: lists often start with a title) that names
    # a name column and the most other known columns.
    header_at, best = 0, 0
    for i, (_, cells) in enumerate(table.rows[:_HEADER_SEARCH_ROWS]):
        known = [f for f in _guess_columns(_headers(cells)) if f != IGNORE]
        if _has_name(known) and len(known) > best:
            header_at, best = i, len(known)
    header_row, header_cells = table.rows[header_at]
    width = max((len(cells) for _, cells in table.rows[header_at:]), default=0)
    headers = _headers(list(header_cells) + [None] * (width - len(header_cells)))
    fields_ = _guess_columns(headers)
    guessed = [True] * len(headers)
    for header, wanted in (mapping or {}).items():
        target = " ".join(header.split())
        if target not in headers:
            raise ImportRefused(_UNKNOWN_COLUMN, header=header, headers=_header_list(headers))
        name = wanted.strip() or IGNORE
        if name not in FIELDS and name != IGNORE:
            raise ImportRefused(_UNKNOWN_FIELD, field=wanted, fields=", ".join((*FIELDS, IGNORE)))
        i = headers.index(target)
        if name != IGNORE:
            # The explicit choice wins over a guess of the same field elsewhere.
            for j, other in enumerate(fields_):
                if other == name and j != i:
                    fields_[j] = IGNORE
        fields_[i] = name
        guessed[i] = False
    if not _has_name(fields_):
        raise ImportRefused(_NO_NAME_COLUMN, headers=_header_list(headers))
    data = table.rows[header_at + 1 :]
    if not data:
        raise ImportRefused(_NO_ROWS)
    if len(data) > MAX_ROWS:
        raise ImportRefused(_TOO_MANY_ROWS, limit=f"{MAX_ROWS:,}")
    columns = tuple(
        Column(i, h, f, g)
        for i, (h, f, g) in enumerate(zip(headers, fields_, guessed, strict=True))
    )
    sample = tuple(tuple(_cell_text(c) for c in cells) for _, cells in data[:5])
    return ImportPlan(
        file_name=file_name,
        kind=table.kind,
        encoding=table.encoding,
        delimiter=table.delimiter,
        sheet=table.sheet,
        sheet_names=table.sheet_names,
        header_row=header_row,
        columns=columns,
        row_count=len(data),
        sample=sample,
    )


def plan_import(
    clinic: Clinic,
    actor: Actor,
    path: Path,
    *,
    mapping: dict[str, str] | None = None,
    sheet: str | None = None,
    task: TaskState | None = None,
    state: TaskState | None = None,
) -> ImportPlan:
    """Read ``path`` and say which column is which field; nothing is written.

    ``state`` is ``task`` under the name the UI's runner passes.
    """
    clinic.require(actor, Action.PATIENT_IMPORT)
    task = task or state
    path = Path(path)
    table = read_table(path, sheet=sheet, task=task)
    return make_plan(table, path.name, mapping)


# --- one row -------------------------------------------------------------------------------


class _CellProblem(Exception):
    def __init__(self, field_name: str, template: str, **params: Any) -> None:
        super().__init__(template)
        self.field = field_name
        self.template = template
        self.params = params


def _cell_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < _EXCEL_EXACT:
        return str(int(value))
    return str(value)


def _field_text(value: Cell, name: str) -> str:
    if name in _NUMBER_FIELDS:
        if isinstance(value, float) and abs(value) >= _EXCEL_EXACT:
            raise _CellProblem(name, _MANGLED_NUMBER)
        text = _cell_text(value).strip()
        if _SCIENTIFIC.fullmatch(unicodedata.normalize("NFKC", text)):
            raise _CellProblem(name, _MANGLED_NUMBER)
        return text
    text = _cell_text(value)
    return _FORMULA_GUARD.sub("", text, count=1) if text.startswith("'") else text


def parse_date(value: Cell) -> date | None:
    """A birth date as clinics write it; ``_CellProblem`` for day/month ambiguity or nonsense."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = int(value)
        if number != value:
            raise _CellProblem("birth_date", _DATE_UNREADABLE)
        if 10_000_000 <= number <= 99_999_999:
            return parse_date(str(number))  # 19850312 typed into a number cell
        if 1 <= number < 2_958_466:
            from openpyxl.utils.datetime import from_excel

            found = from_excel(number)
            return found.date() if isinstance(found, datetime) else None
        raise _CellProblem("birth_date", _DATE_UNREADABLE)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    match = _DATE_YMD.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
    if match is None:
        if _DATE_DMY.fullmatch(text):
            raise _CellProblem("birth_date", _DATE_AMBIGUOUS)
        raise _CellProblem("birth_date", _DATE_UNREADABLE)
    parts = [int(p) for p in match.groups() if p is not None]
    try:
        return date(parts[0], parts[1], parts[2])
    except ValueError:
        raise _CellProblem("birth_date", _DATE_NOT_REAL) from None


def _word(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")


def _check_name(text: str, name: str, limit: int) -> str:
    text = unicodedata.normalize("NFC", text).strip()
    if len(text) > limit:
        raise _CellProblem(name, _NAME_TOO_LONG, n=limit)
    # Any script's letters (and marks, punctuation such as · ' -) make a name; symbols,
    # emoji and control characters do not. The registry form does not check this.
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] in "SC" and ch not in "\u200c\u200d":
            raise _CellProblem(name, _NAME_SYMBOLS)
    if text and not any(unicodedata.category(ch)[0] == "L" for ch in text):
        raise _CellProblem(name, _NAME_NO_LETTERS)
    return text


@dataclass(frozen=True)
class RejectedRow:
    """A row not imported: where it is, which column is wrong, and why."""

    row: int  # as the user sees it in Excel (the header is row 1 in a plain list)
    column: str  # the file's header of the column at fault ("" for the whole row)
    field: str  # the patient field at fault
    template: str  # the English reason, marked for translation
    params: dict[str, Any]
    values: dict[str, str]  # the row's original cells by header

    def reason(self, translate: Translate = english) -> str:
        return translate("Errors", self.template).format(**self.params)


@dataclass(frozen=True)
class PresentRow:
    """A row skipped because the patient is already registered."""

    row: int
    record_no: str
    certain: bool  # matched by ID number


def _row_input(plan: ImportPlan, cells: Sequence[Cell]) -> PatientInput:
    """The row as a PatientInput (not yet checked by the registry rules)."""
    values: dict[str, Any] = {}
    notes: list[str] = []
    full = ""
    for column in plan.columns:
        if column.field == IGNORE:
            continue
        cell = cells[column.index] if column.index < len(cells) else None
        name = column.field
        if name == "birth_date":
            values[name] = parse_date(cell)
            continue
        text = _field_text(cell, name)
        if name == FULL_NAME:
            full = _check_name(text, FULL_NAME, LIMITS["family_name"])
        elif name in ("family_name", "given_name"):
            values[name] = _check_name(text, name, LIMITS[name])
        elif name == "sex":
            code = _SEX_INDEX.get(_word(text))
            if code is None:
                raise _CellProblem(name, _SEX_UNKNOWN)
            values[name] = code
        elif name == "id_kind":
            word = _word(text)
            if word and word not in _KIND_INDEX:
                raise _CellProblem(name, _KIND_UNKNOWN)
            values[name] = _KIND_INDEX.get(word, "")
        elif name == "source_channel":
            code = _SOURCE_INDEX.get(_word(text).replace("_", ""), "")
            values[name] = code
            if text.strip() and not code:
                notes.append(f"{column.header}: {text.strip()}")  # kept as a note, not lost
        elif name in ("contact_channels", "special_needs"):
            index = _CHANNEL_INDEX if name == "contact_channels" else _NEEDS_INDEX
            codes: list[str] = []
            for part in _LIST_SPLIT.split(text):
                if not part:
                    continue
                code = index.get(_word(part).replace("_", ""), index.get(_word(part)))
                if code is None:
                    notes.append(f"{column.header}: {part}")
                elif code not in codes:
                    codes.append(code)
            values[name] = tuple(codes)
        elif name == "desk_notes":
            if text.strip():
                notes.insert(0, text.strip())
        else:
            values[name] = text
    if full and not (values.get("family_name") or values.get("given_name")):
        values["family_name"], values["given_name"] = split_name(full)
    if notes:
        values["desk_notes"] = "\n".join(notes)
    number = str(values.get("id_number", "")).strip()
    if number and not values.get("id_kind"):
        kind = guess_kind(number)
        if kind is None:
            raise _CellProblem("id_number", _KIND_NOT_GUESSED)
        values["id_kind"] = str(kind)
    return PatientInput(**values)


# --- identities: within the file and against the registry ----------------------------

_Key = tuple[Any, ...]


def _keys(p: PatientInput) -> list[_Key]:
    """What makes two rows the same patient (the registry's duplicate rules, plus an
    exact match for rows with too little to go on: name only, or name and phone)."""
    keys: list[_Key] = []
    if p.id_number:
        keys.append(("id", p.id_kind, p.id_number))
    if p.birth_date is not None and p.phone:
        keys.append(("nbp", p.family_name, p.given_name, p.birth_date, p.phone))
    keys.append(("all", p.family_name, p.given_name, p.birth_date, p.phone, p.id_kind, p.id_number))
    return keys


class _Registered:
    """Who is registered, by the keys of ``_keys``: the registry's duplicate rules
    (``patients.duplicates_in``) answered from memory.

    Asking the database per row costs a scan of ``patient`` (name, birth date
    and phone are not indexed), which made a 10,000-row import take minutes.
    The index is loaded once and then topped up inside each batch's write
    transaction with the rows added since (by this import or by another desk).
    """

    def __init__(self) -> None:
        self._keys: dict[_Key, tuple[str, bool]] = {}
        self._last_rowid = 0

    def top_up(self, uow: UnitOfWork) -> None:
        rowid: Any = literal_column("patient.rowid")
        rows = uow.session.execute(
            select(
                rowid,
                Patient.record_no,
                Patient.family_name,
                Patient.given_name,
                Patient.birth_date,
                Patient.phone,
                Patient.phone2,
                Patient.id_kind,
                Patient.id_number,
            )
            .where(
                rowid > self._last_rowid,
                Patient.deleted_at.is_(None),
                Patient.merged_into.is_(None),
            )
            .order_by(rowid)
        )
        for rid, record_no, fam, giv, birth, phone, phone2, kind, number in rows:
            self._last_rowid = max(self._last_rowid, int(rid))
            if number:
                self._keys.setdefault(("id", kind, number), (record_no, True))
            if birth is not None:
                for p in (phone, phone2):
                    if p:
                        self._keys.setdefault(("nbp", fam, giv, birth, p), (record_no, False))
            self._keys.setdefault(("all", fam, giv, birth, phone, kind, number), (record_no, False))

    def match(self, row: int, clean: PatientInput) -> PresentRow | None:
        for key in _keys(clean):
            found = self._keys.get(key)
            if found is not None:
                return PresentRow(row, found[0], found[1])
        return None


# --- the import ------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    file_name: str
    rows: int = 0  # data rows read (empty rows are not counted)
    imported: int = 0  # committed (or, in a dry run, that would be)
    already_present: int = 0
    rejected: int = 0
    rejected_rows: list[RejectedRow] = field(default_factory=list)
    present_rows: list[PresentRow] = field(default_factory=list)
    elapsed: float = 0.0
    mapping: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False
    cancelled: bool = False  # stopped by the person; the batches written before stay
    error: ClinicError | None = None  # a store failure stopped it; earlier batches stay
    unprocessed: int = 0  # rows not looked at because it stopped

    @property
    def complete(self) -> bool:
        return not self.cancelled and self.error is None


def _original(plan: ImportPlan, cells: Sequence[Cell]) -> dict[str, str]:
    return {
        c.header: _cell_text(cells[c.index]) if c.index < len(cells) else "" for c in plan.columns
    }


def _header_of(plan: ImportPlan, field_name: str) -> str:
    column = plan.column_for(field_name)
    if column is None and field_name in ("family_name", "given_name"):
        column = plan.column_for(FULL_NAME)
    if column is None and field_name in ("id_kind", "birth_date", "sex"):
        column = plan.column_for("id_number")  # filled in or checked from the ID number
    return column.header if column is not None else ""


def run_import(
    clinic: Clinic,
    actor: Actor,
    path: Path,
    *,
    mapping: dict[str, str] | None = None,
    sheet: str | None = None,
    dry_run: bool = False,
    task: TaskState | None = None,
    state: TaskState | None = None,
) -> ImportReport:
    """Import the patients in ``path``; ``ImportRefused`` if the file as a whole cannot be.

    Each row is checked like the registration form; a row that fails is
    listed in the report, a row matching a registered patient is skipped,
    and the rest are written ``BATCH_ROWS`` to a transaction. Cancelling
    (through ``task``) or a store failure stops after the last whole batch:
    those batches stay (importing the file again adds only the rest), and the
    report says so. ``dry_run`` does all of it and rolls every batch back.
    ``state`` is ``task`` under the name the UI's runner passes.
    """
    clinic.require(actor, Action.PATIENT_IMPORT)
    task = task or state
    started = time.perf_counter()
    path = Path(path)
    table = read_table(path, sheet=sheet, task=task)
    plan = make_plan(table, path.name, mapping)
    report = ImportReport(file_name=path.name, mapping=plan.mapping, dry_run=dry_run)
    if task is not None:
        task.progress(0.1, "Checking the rows")  # the last cancel with nothing written
    data = [r for r in table.rows if r[0] > plan.header_row]
    seen: dict[_Key, int] = {}
    registered = _Registered()
    batch: list[tuple[int, PatientInput]] = []

    def reject(at: int, cells: Sequence[Cell], name: str, template: str, /, **params: Any) -> None:
        report.rejected += 1
        report.rejected_rows.append(
            RejectedRow(at, _header_of(plan, name), name, template, params, _original(plan, cells))
        )

    def cancelled() -> bool:
        return task is not None and task.cancelled

    report.rows = len(data)
    for done, (row, cells) in enumerate(data, start=1):
        if cancelled():
            break
        try:
            clean = patients.clean_input(clinic, _row_input(plan, cells))
        except _CellProblem as problem:
            reject(row, cells, problem.field, problem.template, **problem.params)
        except FieldInvalid as error:
            reject(row, cells, error.field, error.template, **error.params)
        else:
            keys = _keys(clean)
            earlier = next((seen[k] for k in keys if k in seen), None)
            if earlier is not None:
                reject(row, cells, "", _DUPLICATE_ROW, row=earlier)
            else:
                for k in keys:
                    seen[k] = row
                batch.append((row, clean))
        if len(batch) >= BATCH_ROWS:
            if not _write(clinic, actor, plan, batch, report, registered, dry_run):
                break
            batch = []
        if task is not None and done % 100 == 0:
            task.progress(
                0.1 + 0.9 * done / len(data), f"Row {done:,} of {len(data):,}", check=False
            )
    if cancelled():
        report.cancelled = True  # the unwritten batch is dropped; earlier ones stay
    elif batch and report.error is None:
        _write(clinic, actor, plan, batch, report, registered, dry_run)
    # Rows after a stop, and those of the batch that was not written.
    report.unprocessed = report.rows - report.imported - report.already_present - report.rejected
    report.elapsed = time.perf_counter() - started
    if not dry_run:
        _audit_summary(clinic, actor, report)
    if task is not None:
        task.progress(1.0, "Done", check=False)
    return report


def _write(
    clinic: Clinic,
    actor: Actor,
    plan: ImportPlan,
    batch: list[tuple[int, PatientInput]],
    report: ImportReport,
    registered: _Registered,
    dry_run: bool,
) -> bool:
    """Write one batch in one transaction; False (and ``report.error``) if the store failed."""
    imported = 0
    present: list[PresentRow] = []
    try:
        with clinic.store.unit_of_work(write=True) as uow:
            # Inside the write: another desk may have registered some of them meanwhile.
            registered.top_up(uow)
            new: list[tuple[PatientInput, dict[str, Any]]] = []
            for row, clean in batch:
                found = registered.match(row, clean)
                if found is not None:
                    present.append(found)
                    continue
                new.append((clean, {"import": plan.file_name, "row": row}))
            patients.insert_patients(clinic, uow, actor, new)
            imported = len(new)
            if not dry_run:
                uow.commit()
    except ClinicError as error:
        log.warning("patient import stopped by the store: %s", type(error).__name__)
        report.error = error
        return False
    report.imported += imported
    report.already_present += len(present)
    report.present_rows.extend(present)
    return True


def _audit_summary(clinic: Clinic, actor: Actor, report: ImportReport) -> None:
    detail = {
        "file": report.file_name,
        "rows": report.rows,
        "imported": report.imported,
        "already_present": report.already_present,
        "rejected": report.rejected,
        "cancelled": report.cancelled,
        "error": type(report.error).__name__ if report.error is not None else "",
        "seconds": round(report.elapsed, 1),
    }
    try:
        with clinic.store.unit_of_work(write=True) as uow:
            clinic.audit(
                uow,
                actor,
                audit.AuditEvent(
                    action="patient.import",
                    object_type="file",
                    object_id=report.file_name[:100],
                    outcome="ok" if report.complete else "partial",
                    detail=json.dumps(detail, ensure_ascii=False),
                ),
            )
            uow.commit()
    except ClinicError:
        # The rows are in (each with its own audit row); a full disk may refuse this one.
        log.warning("could not write the import's summary audit row")


# --- the report file ---------------------------------------------------------------------

_REPORT_HEADERS = (
    QT_TRANSLATE_NOOP("Import", "Row"),
    QT_TRANSLATE_NOOP("Import", "Column"),
    QT_TRANSLATE_NOOP("Import", "Reason"),
)


def _safe_cell(text: str) -> str:
    # Excel runs a cell starting with = + - @ as a formula; the file's text is not ours to run.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_report_csv(report: ImportReport, path: Path, *, translate: Translate = english) -> None:
    """The rejected rows as CSV (UTF-8 with BOM, so Excel shows Chinese): row number, column,
    reason, then the row's original cells, so the clinic can fix them and import this file."""
    headers = list(report.mapping)
    with Path(path).open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([translate("Import", h) for h in _REPORT_HEADERS] + headers)
        for r in report.rejected_rows:
            writer.writerow(
                [str(r.row), r.column, r.reason(translate)]
                + [_safe_cell(r.values.get(h, "")) for h in headers]
            )


__all__ = [
    "BATCH_ROWS",
    "FIELDS",
    "FIELD_LABELS",
    "FULL_NAME",
    "IGNORE",
    "MAX_BYTES",
    "MAX_ROWS",
    "Column",
    "ImportPlan",
    "ImportRefused",
    "ImportReport",
    "PresentRow",
    "RejectedRow",
    "Table",
    "make_plan",
    "parse_date",
    "plan_import",
    "read_table",
    "run_import",
    "write_report_csv",
]

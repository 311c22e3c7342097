"""Message templates: placeholders, rendering, the shipped wording, the safety check.

A template is plain text with placeholders in braces, ``{honorific}``; only the
names in ``PLACEHOLDERS`` exist, so a template can never ask for a diagnosis or
a drug. The rendered text is checked once more against the patient's own
diagnoses, conditions and current medicines (``unsafe_words``), because a
message may be read by someone else holding the phone (spec E7, issue 9).

The shipped wording is in the clinic's language (``clinic.language``), not
the screen's: it is what patients read, so it is stored data, not a
translation. Each greets the patient first and is signed with the clinic's
name.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP

PLACEHOLDERS = ("honorific", "clinic", "clinic_phone", "date", "time", "weekday", "doctor")
TEMPLATE_CODES = (
    "reminder_week",
    "followup_advice",
    "no_show",
    "campaign",
    "membership_renewal",
)
# Filled by the outbox from the patient and the settings; the caller gives the others.
AUTOMATIC = ("honorific", "clinic", "clinic_phone")
# What each kind of message can fill: only appointment messages know a date and a doctor.
CODE_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "reminder_week": PLACEHOLDERS,
    "no_show": PLACEHOLDERS,
    "followup_advice": AUTOMATIC,
    "campaign": AUTOMATIC,
    # Before a membership ends (issue 11, H2): {date} is the last day it covers.
    "membership_renewal": (*AUTOMATIC, "date"),
}

MAX_NAME = 100
MAX_SUBJECT = 200  # the column's width
MAX_BODY = 4000
# A long SMS is split into parts and bulk platforms cut it off somewhere; past this
# a message is a letter, not a text.
MAX_SMS_CHARS = 1000

TEMPLATE_NAMES: dict[str, str] = {
    "reminder_week": QT_TRANSLATE_NOOP("Outbox", "Appointment reminder, a week before"),
    "followup_advice": QT_TRANSLATE_NOOP("Outbox", "After the visit: advice and revisit"),
    "no_show": QT_TRANSLATE_NOOP("Outbox", "Missed appointment"),
    "campaign": QT_TRANSLATE_NOOP("Outbox", "Health reminder (campaign)"),
    "membership_renewal": QT_TRANSLATE_NOOP("Outbox", "Membership renewal, before it ends"),
}

PLACEHOLDER_LABELS: dict[str, str] = {
    "honorific": QT_TRANSLATE_NOOP("Outbox", "how the patient is addressed (张女士)"),
    "clinic": QT_TRANSLATE_NOOP("Outbox", "the clinic's name"),
    "clinic_phone": QT_TRANSLATE_NOOP("Outbox", "the clinic's phone"),
    "date": QT_TRANSLATE_NOOP("Outbox", "the appointment's date"),
    "time": QT_TRANSLATE_NOOP("Outbox", "the appointment's time"),
    "weekday": QT_TRANSLATE_NOOP("Outbox", "the appointment's day of the week"),
    "doctor": QT_TRANSLATE_NOOP("Outbox", "the doctor's name"),
}


@dataclass(frozen=True)
class DefaultTemplate:
    subject: str
    body: str


DEFAULTS: dict[str, dict[str, DefaultTemplate]] = {
    "zh_CN": {
        "reminder_week": DefaultTemplate(
            "{clinic}：就诊提醒",
            "{honorific}，您好！温馨提醒：您已预约{date}（{weekday}）{time}的门诊，"
            "请按时前来就诊。如需改约或取消，请提前致电{clinic_phone}。"
            "祝您身体健康！【{clinic}】",
        ),
        "followup_advice": DefaultTemplate(
            "{clinic}：就诊后关怀",
            "{honorific}，您好！感谢您近日来诊。请遵医嘱注意休息、合理饮食；"
            "如仍有不适或需要复诊，欢迎致电{clinic_phone}预约。祝您身体健康！【{clinic}】",
        ),
        "no_show": DefaultTemplate(
            "{clinic}：预约未到诊",
            "{honorific}，您好！您预约的{date}（{weekday}）{time}门诊未能如约就诊，"
            "不知您是否一切安好？如需重新预约，请致电{clinic_phone}，"
            "我们将为您另行安排。【{clinic}】",
        ),
        "campaign": DefaultTemplate(
            "{clinic}：健康提醒",
            "{honorific}，您好！季节交替，请注意适时增减衣物、规律作息、适量运动。"
            "如需健康咨询或预约体检，欢迎致电{clinic_phone}。祝您身体健康！【{clinic}】",
        ),
        "membership_renewal": DefaultTemplate(
            "{clinic}：会员续费提醒",
            "{honorific}，您好！您在本诊所的会员服务将于{date}到期。为免影响您和家人的"
            "会员权益，欢迎致电{clinic_phone}或到前台办理续费。感谢您的信任！【{clinic}】",
        ),
    },
    "zh_TW": {
        "reminder_week": DefaultTemplate(
            "{clinic}：看診提醒",
            "{honorific}，您好！提醒您：您已預約{date}（{weekday}）{time}的門診，"
            "請準時前來看診。如需更改或取消預約，請提前來電{clinic_phone}。"
            "敬祝 身體健康！【{clinic}】",
        ),
        "followup_advice": DefaultTemplate(
            "{clinic}：看診後關懷",
            "{honorific}，您好！感謝您近日前來看診。請依醫師指示注意休息、均衡飲食；"
            "如仍有不適或需要回診，歡迎來電{clinic_phone}預約。敬祝 身體健康！【{clinic}】",
        ),
        "no_show": DefaultTemplate(
            "{clinic}：預約未到診",
            "{honorific}，您好！您預約的{date}（{weekday}）{time}門診未能如期前來，"
            "不知您是否一切安好？如需重新預約，請來電{clinic_phone}，"
            "我們將為您另行安排。【{clinic}】",
        ),
        "campaign": DefaultTemplate(
            "{clinic}：健康提醒",
            "{honorific}，您好！季節交替，請注意適時增減衣物、作息規律、適量運動。"
            "如需健康諮詢或預約健康檢查，歡迎來電{clinic_phone}。敬祝 身體健康！【{clinic}】",
        ),
        "membership_renewal": DefaultTemplate(
            "{clinic}：會員續約提醒",
            "{honorific}，您好！您在本診所的會員服務將於{date}到期。為免影響您和家人的"
            "會員權益，歡迎來電{clinic_phone}或至櫃檯辦理續約。感謝您的信任！【{clinic}】",
        ),
    },
    "en": {
        "reminder_week": DefaultTemplate(
            "Your appointment at {clinic}",
            "Dear {honorific}, this is a reminder of your appointment on {weekday} {date} "
            "at {time}. If you need to change or cancel it, please call us on "
            "{clinic_phone}. Best wishes, {clinic}",
        ),
        "followup_advice": DefaultTemplate(
            "After your visit to {clinic}",
            "Dear {honorific}, thank you for your recent visit. Please follow your doctor's "
            "advice, rest and eat well. If you still feel unwell or would like another "
            "appointment, please call us on {clinic_phone}. Best wishes, {clinic}",
        ),
        "no_show": DefaultTemplate(
            "We missed you at {clinic}",
            "Dear {honorific}, we missed you at your appointment on {weekday} {date} at "
            "{time} and hope all is well. If you would like to book again, please call us "
            "on {clinic_phone}. Best wishes, {clinic}",
        ),
        "campaign": DefaultTemplate(
            "A health reminder from {clinic}",
            "Dear {honorific}, as the seasons change, please dress for the weather, keep "
            "regular hours and stay active. For health advice or a check-up, call us on "
            "{clinic_phone}. Best wishes, {clinic}",
        ),
        "membership_renewal": DefaultTemplate(
            "Your membership at {clinic}",
            "Dear {honorific}, your membership at our clinic runs until {date}. To keep "
            "your and your family's benefits without a break, please call us on "
            "{clinic_phone} or ask at the front desk to renew. Best wishes, {clinic}",
        ),
    },
}


def default_template(code: str, language: str) -> DefaultTemplate:
    """The shipped wording of ``code`` in ``language`` (simplified Chinese if unknown)."""
    return DEFAULTS.get(language, DEFAULTS["zh_CN"])[code]


# -- placeholders and rendering ---------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Spreadsheets (Excel, WPS) run a cell that starts with these as a formula.
_FORMULA_START = ("=", "+", "-", "@")
_FORMATTER = string.Formatter()


def _parse(text: str, what: str) -> list[tuple[str, str | None]]:
    """(literal, placeholder name or None) pieces, or ValidationError on bad braces."""
    try:
        pieces = list(_FORMATTER.parse(text))
    except ValueError:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The {what} has a lone {{ or }}. Write placeholders as a name in braces, "
                "like {{honorific}}, and type a brace as {{{{ or }}}}.",
            ),
            what=what,
        ) from None
    out: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in pieces:
        if name is not None and (spec or conversion):
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "Write the placeholder {{{name}}} plainly, without ':' or '!' after the name.",
                ),
                name=name.strip()[:40],
            )
        out.append((literal, name))
    return out


def placeholders_in(text: str) -> list[str]:
    """The placeholder names ``text`` uses, in order, each once."""
    names: list[str] = []
    for _literal, name in _parse(text, "text"):
        if name is not None and name not in names:
            names.append(name)
    return names


def check_template(
    subject: str, body: str, *, what: str = QT_TRANSLATE_NOOP("Outbox", "message")
) -> tuple[str, str]:
    """The subject and body cleaned, or ValidationError naming what is wrong.

    Refused: an empty body, unknown placeholders (named), odd braces, control
    characters, text too long, and a start a spreadsheet would run as a formula
    (the SMS batch file is opened in Excel or WPS).
    """
    subject = unicodedata.normalize("NFC", str(subject)).strip()
    body = unicodedata.normalize("NFC", str(body)).strip()
    if not body:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {what} is empty. Type what the patient should read."),
            what=what,
        )
    if "\n" in subject or "\r" in subject or _CONTROL.search(subject) or _CONTROL.search(body):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The {what} contains control characters (perhaps pasted from another "
                "program). Retype it; the subject must be a single line.",
            ),
            what=what,
        )
    if len(subject) > MAX_SUBJECT:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The subject is {n} characters long: use at most {top}."),
            n=len(subject),
            top=MAX_SUBJECT,
        )
    if len(body) > MAX_BODY:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {what} is {n} characters long: use at most {top}."),
            what=what,
            n=len(body),
            top=MAX_BODY,
        )
    for text in (subject, body):
        if text.startswith(_FORMULA_START):
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "The {what} starts with '{first}', which a spreadsheet would read as a "
                    "formula in the SMS batch file. Start it with a word, such as "
                    "{{honorific}}.",
                ),
                what=what,
                first=text[0],
            )
        for name in placeholders_in(text):
            if name not in PLACEHOLDERS:
                raise ValidationError(
                    QT_TRANSLATE_NOOP(
                        "Errors",
                        "The {what} uses {{{name}}}, which ClinicDesk cannot fill. Use only "
                        "these placeholders: {allowed}.",
                    ),
                    what=what,
                    name=name.strip()[:40],
                    allowed=", ".join("{" + p + "}" for p in PLACEHOLDERS),
                )
    return subject, body


def check_template_for(code: str, subject: str, body: str) -> tuple[str, str]:
    """``check_template``, then only the placeholders this kind of message can fill
    (a follow-up advice has no appointment): one check for saving and for the editor's
    preview, so the typist reads the refusal the save would give."""
    subject, body = check_template(subject, body)
    usable = CODE_PLACEHOLDERS.get(code, PLACEHOLDERS)
    for name in placeholders_in(subject) + placeholders_in(body):
        if name not in usable:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "This kind of message has no {{{name}}} to fill (it is not about an "
                    "appointment). Use only {allowed}.",
                ),
                name=name,
                allowed=", ".join("{" + p + "}" for p in usable),
            )
    return subject, body


def clean_value(value: str) -> str:
    """A placeholder's value on one line, without control characters."""
    text = unicodedata.normalize("NFC", str(value))
    text = _CONTROL.sub("", text)
    return " ".join(text.split())


def render(text: str, values: Mapping[str, str]) -> str:
    """``text`` with its placeholders filled; ValidationError names a missing value."""
    out: list[str] = []
    for literal, name in _parse(text, "text"):
        out.append(literal)
        if name is None:
            continue
        if name not in values:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "The message needs a value for {{{name}}}, and none was given. Give it, "
                    "or take the placeholder out of the template.",
                ),
                name=name[:40],
            )
        out.append(clean_value(values[name]))
    return "".join(out)


# -- dates in the patient's words -------------------------------------------------------

_WEEKDAYS = {
    "zh_CN": ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"),
    "zh_TW": ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _zh_time(hour: int, minute: int) -> str:
    # 上午/下午 as people say it; a bare 14:30 is easily misread by the elderly.
    if hour < 12:
        part, shown = "上午", hour
    elif hour == 12:
        part, shown = "中午", 12
    elif hour < 18:
        part, shown = "下午", hour - 12
    else:
        part, shown = "晚上", hour - 12
    return f"{part}{shown}:{minute:02d}"


def appointment_values(
    moment: datetime, tz: tzinfo, language: str, *, doctor: str = ""
) -> dict[str, str]:
    """``date``, ``time``, ``weekday`` (and ``doctor``) of a moment, for a template."""
    local = moment.astimezone(tz)
    lang = language if language in _WEEKDAYS else "zh_CN"
    weekday = _WEEKDAYS[lang][local.weekday()]
    if lang == "en":
        hour12 = local.hour % 12 or 12
        suffix = "am" if local.hour < 12 else "pm"
        values = {
            "date": f"{local.day} {_MONTHS_EN[local.month - 1]}",
            "time": f"{hour12}:{local.minute:02d} {suffix}",
        }
    else:
        values = {
            "date": f"{local.month}月{local.day}日",
            "time": _zh_time(local.hour, local.minute),
        }
    values["weekday"] = weekday
    values["doctor"] = doctor
    return values


# -- the safety check -------------------------------------------------------------------

# Where a diagnosis or a drug name is split into the words looked for.
_PUNCT = re.compile(r"[,，、;；。:：/\\()（）\[\]【】<>《》|\"“”‘’!！?？]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Dosage forms dropped from a drug's name: "阿莫西林胶囊" is spoken of as "阿莫西林".
_DOSAGE_FORMS = (
    "缓释胶囊",
    "肠溶胶囊",
    "软胶囊",
    "缓释片",
    "控释片",
    "肠溶片",
    "分散片",
    "咀嚼片",
    "泡腾片",
    "口服溶液",
    "口服液",
    "注射液",
    "滴眼液",
    "滴鼻液",
    "喷雾剂",
    "气雾剂",
    "混悬液",
    "胶囊",
    "颗粒",
    "糖浆",
    "软膏",
    "乳膏",
    "凝胶",
    "贴剂",
    "片",
    "丸",
    "散",
)


def _letters(text: str) -> int:
    return sum(1 for ch in text if unicodedata.category(ch)[0] == "L")


def _pieces(text: str, *, words: bool) -> set[str]:
    out: set[str] = set()
    for phrase in _PUNCT.split(unicodedata.normalize("NFKC", text)):
        phrase = phrase.strip()
        if not phrase:
            continue
        out.add(phrase)
        # Chinese words rarely contain spaces, so "高血压 2级" is two; an English
        # diagnosis stays whole ("heart failure"), else "of" or "acute" would match.
        if words or _CJK.search(phrase):
            out.update(phrase.split())
    return out


def sensitive_fragments(diagnoses: Iterable[str], drugs: Iterable[str]) -> frozenset[str]:
    """The words a message to this patient must not contain: their diagnoses and
    conditions (``diagnoses``) and current medicines (``drugs``).

    Fragments with fewer than two letters are dropped (a dose, "2型"'s digit).
    """
    found: set[str] = set()
    for text in diagnoses:
        found |= _pieces(text, words=False)
    for text in drugs:
        for piece in _pieces(text, words=True):
            found.add(piece)
            for form in _DOSAGE_FORMS:
                if piece.endswith(form) and len(piece) > len(form):
                    found.add(piece[: -len(form)])
                    break
    return frozenset(f.casefold() for f in found if _letters(f) >= 2)


def unsafe_words(text: str, fragments: Iterable[str]) -> list[str]:
    """The fragments found in ``text`` (case-insensitive), sorted; [] when it is safe.

    Latin words match whole words only ("flu" is not in "influence"); Chinese
    matches anywhere, having no spaces between words.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    hits: list[str] = []
    for fragment in fragments:
        if fragment.isascii():
            pattern = r"(?<![0-9a-z])" + re.escape(fragment) + r"(?![0-9a-z])"
            if re.search(pattern, folded):
                hits.append(fragment)
        elif fragment in folded:
            hits.append(fragment)
    return sorted(hits)

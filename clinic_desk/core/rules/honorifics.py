"""Forms of address (人性化尊称, spec C4): 王大爷, 张女士, 李老师, 赵科长, "Mr Wang".

Pure functions: no database, no Qt, no I/O. Whatever the patient sees or hears
(the waiting-room screen, the call-out, a printed card, a message) addresses
them with ``address``: never the bare full name and never a bed number (the
function does not take one).

The forms are built per language rather than translated with
``QT_TRANSLATE_NOOP``: they are grammar (surname + suffix, or "Mr" + surname),
not sentences, and the caller chooses the language of the output.

Rules, first match wins:

1. ``preferred``: the form the patient asked for ("王教授", "Ms Wong"), used
   verbatim in every language, unless it is the bare full name or holds a bed
   number (床, "bed"), which the spec forbids.
2. A title or occupation from ``TITLE_KEYWORDS`` (``Style.use_titles``), the
   title field first: 老师/教师 → 李老师, 教授 → 李教授, 医生/大夫/医师 →
   李医生, 科长, 处长, 局长, 主任, 院长, 经理, ... → 赵科长, 总经理/总裁/老总 →
   王总, 律师 → 王律师, 工程师 → 王工, 警官/警察/民警 → 王警官. A deputy is
   addressed without 副 (副局长 → 王局长), as is customary; the keywords are
   matched inside the text (高级工程师, 主任医师 → 主任: chief physicians are
   called 主任).
3. A child (under ``Style.child_age``): 小明小朋友 (given name + 小朋友); a
   one-character given name is too curt alone, so 张三 → 张三小朋友 (the full
   name with 小朋友 is how Chinese clinics call children, and is not bare).
4. An elderly person (``Style.elderly_age`` and over): 王大爷 / 王大妈, or
   王爷爷 / 王奶奶 with ``elderly_form="grandparent"``. In ``zh_TW`` the
   "uncle" style is 王伯伯 / 王婆婆 (大爺/大媽 is northern mainland usage; Taiwan
   and Hong Kong say 伯伯/婆婆) and the grandparent style 王爺爺 / 王奶奶.
5. Otherwise 王先生 / 王女士. When the sex is unknown (``"U"``): 王先生/女士, the
   neutral form of printed notices (同志 is dated, 老师 is a title).

Unknown birth date: an adult. ``zh_TW`` writes the suffixes in traditional
characters (老師, 醫生, 處長, 工程師 instead of the mainland-only 工) but
leaves the person's name as written. English: "Mr Wang", "Ms Zhang",
"Mr/Ms Wang"; the same for the elderly; a child by given name ("Xiaoming");
"Dr Li" for doctors, "Prof. Li" for professors, "Officer Li" for police, and
Mr/Ms for every other title (English has no "Teacher Li" or "Section Chief
Zhao"). Chinese surnames are romanised in pinyin with the surname reading
(单 → Shan, 欧阳 → Ouyang, 吕 → Lü); Cantonese or other spellings (Wong, Au)
belong in ``preferred``.

Names: a compound surname (欧阳, 司马, ...) in ``family_name`` is kept whole;
when only a full name is known (one field empty) the surname is split off
with ``search_keys.split_name``; a Latin full name in one field takes its
last word as the surname ("John Smith" → Mr Smith); a transliterated name with
a middle dot (阿依古丽·买买提) has no surname to split off and is used whole
(阿依古丽·买买提女士). No name at all: 先生 / 女士 / 大爷 / 医生 ..., "Sir",
"Madam", "Doctor". The result is at most ``MAX_CHARS`` characters (the name
is shortened, never the suffix).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

from clinic_desk.core.rules.search_keys import (
    NAME_DOTS,
    is_han,
    romanize,
    split_name,
)

Sex = Literal["F", "M", "U"]
Language = Literal["zh_CN", "zh_TW", "en"]
ElderlyForm = Literal["uncle", "grandparent"]

MAX_CHARS = 40
LANGUAGES: tuple[Language, ...] = ("zh_CN", "zh_TW", "en")


@dataclass(frozen=True)
class Person:
    family_name: str
    given_name: str
    sex: Sex
    birth_date: date | None
    occupation: str = ""
    title: str = ""
    preferred: str = ""  # the form the patient asked for, used verbatim


@dataclass(frozen=True)
class Style:
    """The clinic's choices (settings), with the defaults of spec C4."""

    elderly_age: int = 70  # 大爷/大妈 from this age
    elderly_form: ElderlyForm = "uncle"  # 大爷/大妈, or 爷爷/奶奶
    child_age: int = 14  # 小朋友 below this age
    use_titles: bool = True  # 李老师, 赵科长

    def __post_init__(self) -> None:
        if not 0 <= self.child_age <= self.elderly_age:
            raise ValueError("child_age must be between 0 and elderly_age")
        if self.elderly_form not in ("uncle", "grandparent"):
            raise ValueError(f"unknown elderly_form: {self.elderly_form!r}")


# --- tables -------------------------------------------------------------------

# Title kinds → (zh_CN suffix, zh_TW suffix).
TITLE_FORMS: dict[str, tuple[str, str]] = {
    "professor": ("教授", "教授"),
    "teacher": ("老师", "老師"),
    "doctor": ("医生", "醫生"),
    "police": ("警官", "警官"),
    "lawyer": ("律师", "律師"),
    "engineer": ("工", "工程師"),
    "boss": ("总", "總"),
    "院长": ("院长", "院長"),
    "校长": ("校长", "校長"),
    "局长": ("局长", "局長"),
    "厅长": ("厅长", "廳長"),
    "部长": ("部长", "部長"),
    "处长": ("处长", "處長"),
    "所长": ("所长", "所長"),
    "科长": ("科长", "科長"),
    "书记": ("书记", "書記"),
    "董事长": ("董事长", "董事長"),
    "主任": ("主任", "主任"),
    "经理": ("经理", "經理"),
}

# (keyword in simplified characters, title kind), in priority order: the first
# keyword found in the title, then in the occupation, wins. Traditional input is
# folded with ``_T2S`` before matching.
TITLE_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("教授", "professor"),
    ("院长", "院长"),
    ("校长", "校长"),
    ("局长", "局长"),
    ("厅长", "厅长"),
    ("部长", "部长"),
    ("处长", "处长"),
    ("所长", "所长"),
    ("科长", "科长"),
    ("书记", "书记"),
    ("董事长", "董事长"),
    ("主任", "主任"),
    ("总经理", "boss"),
    ("总裁", "boss"),
    ("总监", "boss"),
    ("老总", "boss"),
    ("经理", "经理"),
    ("医生", "doctor"),
    ("大夫", "doctor"),
    ("医师", "doctor"),
    ("老师", "teacher"),
    ("教师", "teacher"),
    ("讲师", "teacher"),
    ("教员", "teacher"),
    ("律师", "lawyer"),
    ("工程师", "engineer"),
    ("警官", "police"),
    ("警察", "police"),
    ("民警", "police"),
)

# English words in a title or occupation field (foreign patients).
ENGLISH_TITLE_WORDS: dict[str, str] = {
    "professor": "professor",
    "prof": "professor",
    "doctor": "doctor",
    "dr": "doctor",
    "physician": "doctor",
    "surgeon": "doctor",
    "teacher": "teacher",
    "lecturer": "teacher",
    "lawyer": "lawyer",
    "attorney": "lawyer",
    "solicitor": "lawyer",
    "barrister": "lawyer",
    "engineer": "engineer",
    "police": "police",
    "policeman": "police",
    "policewoman": "police",
}

_T2S = str.maketrans(
    {
        "師": "师",
        "醫": "医",
        "處": "处",
        "長": "长",
        "經": "经",
        "總": "总",
        "書": "书",
        "記": "记",
        "員": "员",
        "講": "讲",
        "監": "监",
        "廳": "厅",
        "務": "务",
    }
)

# zh forms without a title: (male, female, unknown sex) per language.
_ADULT: dict[str, tuple[str, str, str]] = {
    "zh_CN": ("先生", "女士", "先生/女士"),
    "zh_TW": ("先生", "女士", "先生/女士"),
}
_ELDERLY: dict[tuple[str, ElderlyForm], tuple[str, str]] = {
    ("zh_CN", "uncle"): ("大爷", "大妈"),
    ("zh_CN", "grandparent"): ("爷爷", "奶奶"),
    ("zh_TW", "uncle"): ("伯伯", "婆婆"),
    ("zh_TW", "grandparent"): ("爺爺", "奶奶"),
}
_CHILD = "小朋友"

_EN_SEX = {"M": "Mr", "F": "Ms", "U": "Mr/Ms"}
_EN_NO_NAME = {"M": "Sir", "F": "Madam", "U": "Sir/Madam"}
_EN_TITLES = {  # (before a name, alone)
    "doctor": ("Dr", "Doctor"),
    "professor": ("Prof.", "Professor"),
    "police": ("Officer", "Officer"),
}

# Last resorts, in case every form above happened to equal the bare full name
# (a patient literally named 王先生): two, so that one of them always differs.
_LAST_RESORT = {"zh_CN": ("您", "患者"), "zh_TW": ("您", "患者"), "en": ("Patient", "Sir/Madam")}

_BED_NUMBER = re.compile(r"[0-9]+\s*(号)?\s*床|床\s*[0-9]+|\bbed\s*(no\.?\s*)?[0-9]+", re.I)


# --- helpers ----------------------------------------------------------------


def _clean(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text[: MAX_CHARS * 8])
    visible = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in folded)
    return " ".join(visible.split())


def _bare_key(text: str) -> str:
    """A name compared without case, width or spaces."""
    return "".join(_clean(text).casefold().split())


def is_forbidden_preferred(preferred: str, family_name: str, given_name: str) -> bool:
    """True when a requested form is the bare full name or holds a bed number (spec C4)."""
    if _BED_NUMBER.search(_clean(preferred)):
        return True
    key = _bare_key(preferred)
    return bool(key) and key in {
        _bare_key(family_name + given_name), _bare_key(given_name + family_name)
    }


def age_in_years(birth_date: date, today: date) -> int:
    """Completed years of age on ``today`` (negative for a future birth date)."""
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - before_birthday


def _resolve_names(person: Person) -> tuple[str, str]:
    """(name to address by, given name): surname split off when one field holds a full name."""
    family, given = _clean(person.family_name), _clean(person.given_name)
    if family and given:
        return family, given
    full = family or given
    if not full:
        return "", ""
    if any(ch in NAME_DOTS for ch in full):
        return full, ""  # 阿依古丽·买买提: no surname to split off
    if is_han(full[0]):
        return split_name(full)  # 欧阳 stays whole; 欧阳娜娜 → 欧阳, 娜娜
    if family:
        return family, ""  # "van der Berg" is all surname
    words = full.split()
    if len(words) > 1:
        return words[-1], " ".join(words[:-1])  # "John Smith": Western order
    return "", full


def _title_kind(person: Person) -> str | None:
    for field in (person.title, person.occupation):
        text = _clean(field).translate(_T2S)
        if not text:
            continue
        if text == "总":
            return "boss"
        for keyword, kind in TITLE_KEYWORDS:
            if keyword in text:
                return kind
        for word in re.findall(r"[a-z]+", text.casefold()):
            if word in ENGLISH_TITLE_WORDS:
                return ENGLISH_TITLE_WORDS[word]
    return None


def _fit(name: str, prefix: str = "", suffix: str = "") -> str:
    """prefix + name + suffix in at most MAX_CHARS characters, shortening the name."""
    room = MAX_CHARS - len(prefix) - len(suffix)
    return f"{prefix}{name[: max(room, 0)].rstrip()}{suffix}"[:MAX_CHARS]


def _sex_index(sex: Sex) -> int:
    return {"M": 0, "F": 1}.get(sex, 2)


def _zh(
    kind: str, family: str, given: str, sex: Sex, language: Language, style: Style
) -> str:
    index = 0 if language == "zh_CN" else 1
    if kind in TITLE_FORMS:
        return _fit(family or given, suffix=TITLE_FORMS[kind][index])
    if kind == "child":
        if len(given) == 1 and is_han(given):
            return _fit(family + given, suffix=_CHILD)  # 张三小朋友: 三小朋友 is too curt
        return _fit(given or family, suffix=_CHILD)  # 小明小朋友
    if kind == "elderly" and sex != "U":
        forms = _ELDERLY[(language, style.elderly_form)]
        return _fit(family or given, suffix=forms[0 if sex == "M" else 1])
    return _fit(family or given, suffix=_ADULT[language][_sex_index(sex)])


def _en(kind: str, family: str, given: str, sex: Sex) -> str:
    if family:
        name = romanize(family, surname=True) or family
    else:
        name = romanize(given) or given
    if kind == "child" and family and given:
        return _fit(romanize(given) or given)  # "Xiaoming", "Tom"
    if kind in _EN_TITLES:
        before, alone = _EN_TITLES[kind]
        return _fit(name, prefix=f"{before} ") if name else alone
    if not name:
        return _EN_NO_NAME[sex]
    return _fit(name, prefix=f"{_EN_SEX[sex]} ")


def _kind(person: Person, today: date, style: Style) -> str:
    if style.use_titles and (title := _title_kind(person)):
        return title
    if person.birth_date is not None:
        age = age_in_years(person.birth_date, today)
        if 0 <= age < style.child_age:
            return "child"
        if age >= style.elderly_age:
            return "elderly"
    return "adult"


def address(
    person: Person, *, today: date, language: Language, style: Style = Style()
) -> str:
    """How to address ``person`` in ``language`` (see the module docstring for the rules).

    Never empty, at most ``MAX_CHARS`` characters, never the bare full name.
    """
    if language not in LANGUAGES:
        raise ValueError(f"unknown language: {language!r}")
    sex: Sex = person.sex if person.sex in ("M", "F") else "U"
    bare = {
        _bare_key(person.family_name + person.given_name),
        _bare_key(person.given_name + person.family_name),
    }
    preferred = _clean(person.preferred)
    candidates: list[str] = []
    if preferred and not _BED_NUMBER.search(preferred):
        candidates.append(preferred[:MAX_CHARS].rstrip())
    family, given = _resolve_names(person)
    kind = _kind(person, today, style)
    for each in (kind, "adult"):
        if language == "en":
            candidates.append(_en(each, family, given, sex))
        else:
            candidates.append(_zh(each, family, given, sex, language, style))
    if language == "en":
        candidates.append(_EN_NO_NAME[sex])
    else:
        candidates.append(_ADULT[language][_sex_index(sex)])
    candidates.extend(_LAST_RESORT[language])
    for candidate in candidates:
        if candidate and _bare_key(candidate) not in bare:
            return candidate
    raise AssertionError("unreachable: the two last resorts differ")  # pragma: no cover

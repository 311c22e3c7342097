"""Search keys for patient names: pinyin, initials, the normalised name, and query kinds.

Pure functions for the patient search (spec C1, issue 4: "by name, pinyin
(full or initials: zs and zhangsan find 张三; traditional characters too)"),
built on ``pypinyin``. No database, no Qt, no I/O.

``name_keys`` turns a stored name into the keys the search indexes:

- ``full_pinyin``: the toneless pinyin of the whole name, no separators, with
  ``v`` for ü (``"zhangsan"``, ``"lvbu"``). A Chinese surname is read with its
  surname reading (单 → shan, 曾 → zeng, 尉迟 → yuchi), and a compound surname
  (欧阳, 司马, ...) is recognised first. Latin letters are kept (accents
  removed), so "John Smith" gives ``"johnsmith"``.
- ``initials``: the first letter of each syllable or word (``"zs"``, ``"js"``;
  zh/ch/sh give z/c/s).
- ``hanzi``: the name as written, NFKC-normalised and case-folded, with spaces,
  apostrophes and middle dots removed. Traditional characters are *not*
  converted: a query in traditional characters finds a name stored in
  simplified ones through the pinyin keys (pypinyin reads both), not this key.
- ``alternatives`` / ``alternative_initials``: other readings the front desk
  may type: the ``u`` spelling of ``v`` (吕 → lu), the everyday reading of a
  surname (单 → dan), and the other readings of characters with several, at
  most ``MAX_ALTERNATIVES`` of them.

Every key holds only ``[a-z0-9]`` except ``hanzi``; a name with nothing to
romanise (emoji, Cyrillic) gives empty pinyin keys.

``normalize_query`` and ``query_kind`` prepare what was typed in the search
box the same way. ``split_name`` and ``romanize`` are shared with
``honorifics`` (forms of address, spec C4).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from clinic_desk.core.rules.id_documents import DocumentKind, guess_kind

QueryKind = Literal["digits", "pinyin", "hanzi", "id"]

MAX_ALTERNATIVES = 8
_MAX_NAME_CHARS = 100  # no real name is longer; bounds the work on junk input

# Surnames whose reading differs from the character's everyday one, in
# simplified characters (traditional ones are folded with ``_T2S`` first).
SURNAME_READINGS: dict[str, str] = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "区": "ou",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "盖": "ge",
    "乐": "yue",
    "覃": "qin",
    "尉": "wei",
    "缪": "miao",
    "翟": "zhai",
    "种": "chong",
    "折": "she",
    "繁": "po",
    "秘": "bi",
    "员": "yun",
    "召": "shao",
    "句": "gou",
    "能": "nai",
    "隗": "wei",
    "藏": "zang",
    "阚": "kan",
    "佴": "nai",
    "都": "du",
    "薄": "bo",
    "番": "pan",
    "祭": "zhai",
    "燕": "yan",
    "华": "hua",
    "相": "xiang",
    "车": "che",
    "石": "shi",
}

# Two-character (compound) surnames and their readings, simplified characters.
COMPOUND_SURNAMES: dict[str, tuple[str, str]] = {
    "欧阳": ("ou", "yang"),
    "司马": ("si", "ma"),
    "诸葛": ("zhu", "ge"),
    "上官": ("shang", "guan"),
    "东方": ("dong", "fang"),
    "皇甫": ("huang", "fu"),
    "尉迟": ("yu", "chi"),
    "公孙": ("gong", "sun"),
    "慕容": ("mu", "rong"),
    "长孙": ("zhang", "sun"),
    "宇文": ("yu", "wen"),
    "司徒": ("si", "tu"),
    "夏侯": ("xia", "hou"),
    "令狐": ("ling", "hu"),
    "端木": ("duan", "mu"),
    "万俟": ("mo", "qi"),
    "闻人": ("wen", "ren"),
    "澹台": ("tan", "tai"),
    "公冶": ("gong", "ye"),
    "宗政": ("zong", "zheng"),
    "濮阳": ("pu", "yang"),
    "淳于": ("chun", "yu"),
    "申屠": ("shen", "tu"),
    "轩辕": ("xuan", "yuan"),
    "钟离": ("zhong", "li"),
    "呼延": ("hu", "yan"),
    "南宫": ("nan", "gong"),
    "西门": ("xi", "men"),
    "司空": ("si", "kong"),
    "左丘": ("zuo", "qiu"),
    "拓跋": ("tuo", "ba"),
    "独孤": ("du", "gu"),
    "赫连": ("he", "lian"),
    "鲜于": ("xian", "yu"),
    "闾丘": ("lv", "qiu"),
    "亓官": ("qi", "guan"),
    "百里": ("bai", "li"),
    "东郭": ("dong", "guo"),
    "第五": ("di", "wu"),
    "乐正": ("yue", "zheng"),
}

# Traditional → simplified, only for the characters of the tables above.
_T2S = str.maketrans(
    {
        "單": "单",
        "區": "区",
        "蓋": "盖",
        "樂": "乐",
        "繆": "缪",
        "種": "种",
        "員": "员",
        "闞": "阚",
        "華": "华",
        "車": "车",
        "歐": "欧",
        "陽": "阳",
        "馬": "马",
        "諸": "诸",
        "東": "东",
        "遲": "迟",
        "孫": "孙",
        "長": "长",
        "萬": "万",
        "聞": "闻",
        "臺": "台",
        "鍾": "钟",
        "鐘": "钟",
        "離": "离",
        "門": "门",
        "軒": "轩",
        "轅": "辕",
        "獨": "独",
        "連": "连",
        "鮮": "鲜",
        "閭": "闾",
        "宮": "宫",
    }
)

# Separators inside a written name: transliterated and minority names use a
# middle dot (阿依古丽·买买提); NFKC leaves these distinct.
NAME_DOTS = frozenset("\u00b7\u2027\u30fb\u2022\u2219\u22c5")
_APOSTROPHES = frozenset("'\u2018\u2019\u02bc`\u00b4")

_HAN = re.compile(
    r"[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
)
_HAN_RUNS = re.compile(
    r"([\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+)"
)
_NOT_KEY = re.compile(r"[^a-z0-9]+")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class NameKeys:
    full_pinyin: str  # "zhangsan"
    initials: str  # "zs"
    hanzi: str  # the name as written, normalised: "张三"
    alternatives: tuple[str, ...] = ()  # other full readings: ("lu",) for 吕
    alternative_initials: tuple[str, ...] = ()  # their initials, when they differ

    def all_keys(self) -> frozenset[str]:
        """Every non-empty key, for an index that does not care which is which."""
        keys = {self.full_pinyin, self.initials, self.hanzi}
        keys.update(self.alternatives, self.alternative_initials)
        keys.discard("")
        return frozenset(keys)


def is_han(char: str) -> bool:
    """Whether ``char`` is a CJK ideograph (including extensions A-G and 〇)."""
    return _HAN.fullmatch(char) is not None


def _clean(text: str) -> str:
    """NFKC, control characters removed, whitespace runs collapsed to one space."""
    folded = unicodedata.normalize("NFKC", text[: _MAX_NAME_CHARS * 2])
    visible = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in folded)
    return " ".join(visible.split())[:_MAX_NAME_CHARS]


def split_name(full_name: str) -> tuple[str, str]:
    """(family name, given name) of a Chinese name written in one piece.

    A compound surname (欧阳娜娜 → 欧阳, 娜娜; traditional 歐陽 too) is split off
    first, otherwise the first character. A name that does not start with a
    Chinese character, or that has a middle dot (阿依古丽·买买提, 约翰·史密斯:
    no surname to split off), comes back whole as ``("", name)``.
    """
    name = _clean(full_name).replace(" ", "")
    if not name or not is_han(name[0]) or any(ch in NAME_DOTS for ch in name):
        return "", _clean(full_name)
    if len(name) >= 2 and name[:2].translate(_T2S) in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[0], name[1:]


def _ascii_key(text: str) -> str:
    """Lowercase ASCII letters and digits of ``text``, accents dropped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return _NOT_KEY.sub("", decomposed.encode("ascii", "ignore").decode("ascii"))


@lru_cache(maxsize=65536)
def _char_readings(char: str) -> tuple[str, ...]:
    """All toneless readings of one Han character, ``v`` for ü; ``()`` if unknown."""
    # pypinyin is imported at first use: its phrase dictionary takes seconds to load
    # and the sign-in window needs none of it (issue 12; warm_up loads it early).
    from pypinyin import Style, pinyin

    readings = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    out: list[str] = []
    for group in readings:
        for reading in group:
            key = _ascii_key(reading.replace("ü", "v"))
            if key and key not in out:
                out.append(key)
    return tuple(out)


def _run_primary(run: str) -> list[str]:
    """The context-aware reading of a run of Han characters, one syllable per character."""
    from pypinyin import lazy_pinyin  # at first use, as in _char_readings

    syllables = lazy_pinyin(run, errors="ignore")
    if len(syllables) != len(run):  # a character unknown to pypinyin
        syllables = [next(iter(_char_readings(ch)), "") for ch in run]
    return [_ascii_key(s) for s in syllables]


# One slot of a name: the syllable or word as read, the readings to try, and
# whether it is pinyin (whose v may be typed u) rather than a Latin word.
_Slot = tuple[str, tuple[str, ...], bool]


def _slots(name: str) -> list[_Slot]:
    slots: list[_Slot] = []
    at_start = True
    for index, part in enumerate(_HAN_RUNS.split(name)):
        if not part:
            continue
        if index % 2 == 0:  # not Han: Latin words and digits
            slots.extend((word, (word,), False) for word in _WORD.findall(_ascii_key_spaced(part)))
            if part.strip():
                at_start = False
            continue
        run = part
        if at_start:
            family = run[:2] if run[:2].translate(_T2S) in COMPOUND_SURNAMES else run[0]
            simple = family.translate(_T2S)
            if len(family) == 2:
                slots.extend((s, (s,), True) for s in COMPOUND_SURNAMES[simple])
            else:
                usual = _char_readings(family)
                surname = SURNAME_READINGS.get(simple) or (usual[0] if usual else "")
                others = tuple(r for r in usual if r != surname)
                slots.append((surname, (surname, *others), True))
            run = run[len(family) :]
            at_start = False
        for char, primary in zip(run, _run_primary(run), strict=True):
            readings = _char_readings(char)
            ordered = (primary, *(r for r in readings if r != primary)) if primary else readings
            slots.append((primary or (readings[0] if readings else ""), ordered, True))
    return [slot for slot in slots if slot[0]]


def _ascii_key_spaced(text: str) -> str:
    """Like ``_ascii_key`` but keeps word boundaries as spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii")
    return _NOT_KEY.sub(" ", ascii_text)


def name_keys(full_name: str) -> NameKeys:
    """The search keys of a stored name (see the module docstring)."""
    name = _clean(full_name)
    hanzi = "".join(
        ch for ch in name.casefold() if not ch.isspace() and ch not in NAME_DOTS | _APOSTROPHES
    )
    slots = _slots(name)
    primary = "".join(p for p, _, _ in slots)
    initials = "".join(p[0] for p, _, _ in slots)
    is_pinyin = [han for _, _, han in slots]

    def u_for_v(combo: tuple[str, ...]) -> tuple[str, ...]:
        pairs = zip(combo, is_pinyin, strict=True)
        return tuple(s.replace("v", "u") if han else s for s, han in pairs)

    candidates = [u_for_v(tuple(p for p, _, _ in slots))]
    combos = itertools.islice(
        itertools.product(*(alts for _, alts, _ in slots)), MAX_ALTERNATIVES * 2 + 1
    )
    for combo in combos:
        candidates.extend((combo, u_for_v(combo)))
    alternatives: list[str] = []
    alternative_initials: list[str] = []
    for combo in candidates:
        full = "".join(combo)
        if full != primary and full not in alternatives and len(alternatives) < MAX_ALTERNATIVES:
            alternatives.append(full)
            letters = "".join(s[0] for s in combo if s)
            if letters != initials and letters not in alternative_initials:
                alternative_initials.append(letters)
    return NameKeys(
        full_pinyin=primary,
        initials=initials,
        hanzi=hanzi,
        alternatives=tuple(alternatives),
        alternative_initials=tuple(alternative_initials),
    )


def warm_up() -> None:
    """Load pypinyin and its phrase dictionary now (seconds on a slow computer).

    The program calls this in a background thread once its window is shown, so
    the first search for a name written in characters does not wait (issue 12).
    """
    name_keys("张三")


def surname_pinyin(family_name: str) -> str:
    """The search key of a family name alone: 单 → "shan", 欧阳 → "ouyang", 吕 → "lv"."""
    return name_keys(family_name).full_pinyin if family_name.strip() else ""


def romanize(text: str, *, surname: bool = False) -> str:
    """Pinyin for display: 欧阳 → "Ouyang", 小明 → "Xiaoming", 吕 → "Lü" (surname=True).

    Each run of Chinese characters becomes one capitalised word (surname
    readings when ``surname`` is true); anything else is kept as written and a
    middle dot becomes a space. Returns "" if nothing is left.
    """
    name = _clean(text)
    words: list[str] = []
    parts = _HAN_RUNS.split(name)
    for index, part in enumerate(parts):
        if index % 2 == 0:
            spaced = "".join(" " if ch in NAME_DOTS else ch for ch in part)
            words.extend(spaced.split())
            continue
        run = part
        syllables: list[str] = []
        if surname and index == 1 and not parts[0]:
            family, run = split_name(part)
            if family:
                syllables.append(surname_pinyin(family))
        syllables.extend(_run_primary(run))
        word = "".join(syllables).replace("v", "ü")
        if word:
            words.append(word[0].upper() + word[1:])
    return " ".join(words)


def normalize_query(query: str) -> str:
    """What was typed in the search box, in the form of the keys.

    NFKC (full-width letters and digits from a Chinese IME become ASCII),
    lowercase, ü (or u:) → v, and spaces, apostrophes (xi'an) and middle dots
    removed.
    """
    folded = unicodedata.normalize("NFKC", query[: _MAX_NAME_CHARS * 2]).casefold()
    folded = folded.replace("u:", "v").replace("ü", "v")
    return "".join(
        ch for ch in folded if not ch.isspace() and ch not in _APOSTROPHES and ch not in NAME_DOTS
    )


_PHONE_LIKE = re.compile(r"\+?[0-9()\-.]*[0-9][0-9()\-.]*")
_RESIDENT_KINDS = frozenset(
    {DocumentKind.RESIDENT_ID, DocumentKind.FOREIGN_PERMANENT, DocumentKind.HMT_RESIDENCE}
)
_LETTERS = re.compile(r"[a-z]+")
_LETTERS_AND_DIGITS = re.compile(r"[a-z0-9()\-/]*")


def query_kind(query: str) -> QueryKind:
    """Which keys a search for ``query`` should look at.

    - ``"hanzi"``: it has a Chinese character, or is neither digits nor Latin
      letters (emoji, Cyrillic): match the written name (``NameKeys.hanzi``);
    - ``"digits"``: only digits (and + ( ) - .): a phone or record number;
    - ``"id"``: a resident ID number (15 or 18 characters) or letters mixed
      with digits (a passport, HK or Taiwan ID, permit number);
    - ``"pinyin"``: only Latin letters: full pinyin, initials or a Latin name.
    """
    text = normalize_query(query)
    if not text or any(is_han(ch) for ch in text):
        return "hanzi"
    if _PHONE_LIKE.fullmatch(text):
        if text.startswith(("+", "00")):
            return "digits"
        return "id" if guess_kind(text) in _RESIDENT_KINDS else "digits"
    if _LETTERS.fullmatch(text):
        return "pinyin"
    if _LETTERS_AND_DIGITS.fullmatch(text) and any(c.isdigit() for c in text):
        return "id"
    return "hanzi"

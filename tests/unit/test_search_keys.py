"""Search keys for names (issue 4): pinyin, initials, surname readings, query kinds."""

from __future__ import annotations

import random
import re
import time

import pypinyin
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic_desk.core.rules import search_keys
from clinic_desk.core.rules.search_keys import (
    COMPOUND_SURNAMES,
    MAX_ALTERNATIVES,
    NameKeys,
    name_keys,
    normalize_query,
    query_kind,
    romanize,
    split_name,
    surname_pinyin,
)

FAST = settings(max_examples=200, deadline=None)
KEY = re.compile(r"[a-z0-9]*")

PRIMARY = [
    # name, full pinyin, initials
    ("张三", "zhangsan", "zs"),
    ("張三", "zhangsan", "zs"),  # traditional
    ("单田芳", "shantianfang", "stf"),
    ("單田芳", "shantianfang", "stf"),
    ("曾", "zeng", "z"),
    ("曾国藩", "zengguofan", "zgf"),
    ("解缙", "xiejin", "xj"),
    ("区小芳", "ouxiaofang", "oxf"),
    ("區小芳", "ouxiaofang", "oxf"),
    ("仇英", "qiuying", "qy"),
    ("朴树", "piaoshu", "ps"),
    ("查良镛", "zhaliangyong", "zly"),
    ("盖聂", "genie", "gn"),
    ("乐嘉", "yuejia", "yj"),
    ("覃红", "qinhong", "qh"),
    ("尉迟恭", "yuchigong", "ycg"),
    ("尉遲恭", "yuchigong", "ycg"),
    ("欧阳娜娜", "ouyangnana", "oynn"),
    ("歐陽娜娜", "ouyangnana", "oynn"),
    ("司马光", "simaguang", "smg"),
    ("诸葛亮", "zhugeliang", "zgl"),
    ("长孙无忌", "zhangsunwuji", "zswj"),
    ("万俟卨", "moqixie", "mqx"),
    ("吕", "lv", "l"),
    ("吕布", "lvbu", "lb"),
    ("女", "nv", "n"),
    ("John Smith", "johnsmith", "js"),
    ("  john   SMITH ", "johnsmith", "js"),
    ("José Álvarez", "josealvarez", "ja"),
    ("Mary-Jane O'Neil", "maryjaneoneil", "mjon"),
    ("ＪＯＨＮ", "john", "j"),  # full-width from an IME
    ("阿依古丽·买买提", "ayigulimaimaiti", "ayglmmt"),
    ("张三2", "zhangsan2", "zs2"),
    ("", "", ""),
    ("   ", "", ""),
]


@pytest.mark.parametrize(("name", "full", "initials"), PRIMARY)
def test_primary_keys(name: str, full: str, initials: str) -> None:
    keys = name_keys(name)
    assert (keys.full_pinyin, keys.initials) == (full, initials)


@pytest.mark.parametrize(
    ("name", "alternative"),
    [
        ("吕", "lu"),  # ü typed as u
        ("吕布", "lubu"),
        ("绿", "lu"),
        ("单田芳", "dantianfang"),  # the everyday reading of the surname
        ("曾", "ceng"),
        ("乐嘉", "lejia"),
        ("张乐", "zhangyue"),  # a given-name character with two readings
    ],
)
def test_alternatives(name: str, alternative: str) -> None:
    keys = name_keys(name)
    assert alternative in keys.alternatives
    assert alternative in keys.all_keys()
    assert keys.full_pinyin not in keys.alternatives


def test_alternative_initials_differ_from_the_primary_ones() -> None:
    keys = name_keys("单田芳")
    assert "dtf" in keys.alternative_initials
    assert keys.initials not in keys.alternative_initials


def test_alternatives_are_capped() -> None:
    keys = name_keys("乐行和长朝重")  # every character has several readings
    assert 0 < len(keys.alternatives) <= MAX_ALTERNATIVES
    assert len(set(keys.alternatives)) == len(keys.alternatives)


def test_latin_names_have_no_u_for_v_alternative() -> None:
    assert name_keys("Ivan Levy").alternatives == ()


def test_compound_surnames_are_read_as_surnames() -> None:
    for surname, syllables in COMPOUND_SURNAMES.items():
        keys = name_keys(surname + "明")
        assert keys.full_pinyin == "".join(syllables) + "ming", surname
        assert keys.initials == syllables[0][0] + syllables[1][0] + "m", surname


def test_hanzi_key_is_the_normalised_name() -> None:
    assert name_keys("张三").hanzi == "张三"
    assert name_keys("張三").hanzi == "張三"  # kept as written: pinyin matches across scripts
    assert name_keys(" 张 三 ").hanzi == "张三"
    assert name_keys("阿依古丽·买买提").hanzi == "阿依古丽买买提"
    assert name_keys("ＪＯＨＮ Smith").hanzi == "johnsmith"


def test_all_keys() -> None:
    keys = name_keys("吕布")
    assert keys.all_keys() == {"lvbu", "lb", "吕布", "lubu"}
    assert name_keys("").all_keys() == frozenset()


@pytest.mark.parametrize(
    "name",
    ["😀", "张😀三", "𠀀𠀁", "\U0002a6a5", "\U00030000\U0003134a", "Иван Петров", "\x00\t\n", "ﷺ"],
)
def test_unusual_characters_do_not_crash(name: str) -> None:
    keys = name_keys(name)
    assert isinstance(keys, NameKeys)
    assert KEY.fullmatch(keys.full_pinyin)
    assert KEY.fullmatch(keys.initials)


def test_emoji_is_skipped_between_chinese_characters() -> None:
    keys = name_keys("张😀三")
    assert (keys.full_pinyin, keys.initials) == ("zhangsan", "zs")


@given(st.text(max_size=60))
@FAST
def test_any_string_gives_ascii_lowercase_keys(name: str) -> None:
    keys = name_keys(name)
    for key in (keys.full_pinyin, keys.initials, *keys.alternatives, *keys.alternative_initials):
        assert KEY.fullmatch(key), key
    assert len(keys.alternatives) <= MAX_ALTERNATIVES
    assert len(keys.initials) <= len(keys.full_pinyin)
    if keys.initials:
        assert keys.full_pinyin.startswith(keys.initials[0])
    assert name_keys(name) == keys  # deterministic


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), max_size=8))
@FAST
def test_a_typed_key_normalises_to_itself(name: str) -> None:
    keys = name_keys(name)
    assert normalize_query(keys.full_pinyin) == keys.full_pinyin
    assert normalize_query(keys.initials) == keys.initials
    # One syllable per character pypinyin can read; the few it cannot (瓧, a compound
    # unit character, found by hypothesis) add nothing and stay findable by the hanzi.
    readable = sum(1 for ch in name if pypinyin.pinyin(ch, errors="ignore"))
    assert len(keys.initials) == readable


def test_split_name() -> None:
    assert split_name("张三") == ("张", "三")
    assert split_name("欧阳娜娜") == ("欧阳", "娜娜")
    assert split_name("歐陽娜娜") == ("歐陽", "娜娜")
    assert split_name("司马") == ("司马", "")
    assert split_name(" 诸葛 亮 ") == ("诸葛", "亮")
    assert split_name("John Smith") == ("", "John Smith")
    assert split_name("阿依古丽·买买提") == ("", "阿依古丽·买买提")
    assert split_name("") == ("", "")


def test_surname_pinyin_and_romanize() -> None:
    assert surname_pinyin("单") == "shan"
    assert surname_pinyin("欧阳") == "ouyang"
    assert surname_pinyin("吕") == "lv"
    assert surname_pinyin(" ") == ""
    assert romanize("欧阳", surname=True) == "Ouyang"
    assert romanize("单", surname=True) == "Shan"
    assert romanize("吕", surname=True) == "Lü"
    assert romanize("小明") == "Xiaoming"
    assert romanize("Smith") == "Smith"
    assert romanize("阿依古丽·买买提") == "Ayiguli Maimaiti"
    assert romanize("😀") == "😀"
    assert romanize("") == ""


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("ZhangSan", "zhangsan"),
        ("zhang san", "zhangsan"),
        ("xi'an", "xian"),
        ("xi’an", "xian"),
        ("lü", "lv"),
        ("LÜ", "lv"),
        ("lu:", "lv"),
        ("ｚｈａｎｇ　ｓａｎ", "zhangsan"),  # full-width letters and space
        ("张 三", "张三"),
        ("阿依古丽·买买提", "阿依古丽买买提"),
        ("１３９ １２３４", "1391234"),
        ("", ""),
    ],
)
def test_normalize_query(typed: str, normalised: str) -> None:
    assert normalize_query(typed) == normalised


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("zs", "pinyin"),
        ("zhangsan", "pinyin"),
        ("Zhang San", "pinyin"),
        ("John Smith", "pinyin"),
        ("lü", "pinyin"),
        ("张三", "hanzi"),
        ("張三", "hanzi"),
        ("张san", "hanzi"),
        ("😀", "hanzi"),
        ("Иван", "hanzi"),
        ("", "hanzi"),
        ("13912345678", "digits"),
        ("139 1234 5678", "digits"),
        ("139-1234-5678", "digits"),
        ("+86 139 1234 5678", "digits"),
        ("１３９１２３４５６７８", "digits"),
        ("5678", "digits"),
        ("008613912345678", "digits"),
        ("11010519491231002X", "id"),
        ("11010519491231002x", "id"),
        ("110105194912310021", "id"),
        ("E12345678", "id"),
        ("A123456(3)", "id"),
        ("MR2024001", "id"),
    ],
)
def test_query_kind(typed: str, kind: str) -> None:
    assert query_kind(typed) == kind


@given(st.text(max_size=40))
@FAST
def test_query_kind_is_total(typed: str) -> None:
    assert query_kind(typed) in {"digits", "pinyin", "hanzi", "id"}


def _realistic_names(count: int) -> list[str]:
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    compounds = list(COMPOUND_SURNAMES)
    rng = random.Random(20240601)
    given_chars = [chr(c) for c in range(0x4E00, 0x9FA6)]
    names = []
    for i in range(count):
        family = rng.choice(compounds) if i % 50 == 0 else rng.choice(surnames)
        given = "".join(rng.choice(given_chars) for _ in range(rng.choice((1, 2, 2, 2))))
        names.append(family + given)
    return names


def test_sixty_thousand_names_without_a_pathological_slowdown() -> None:
    """Speed is the bench's job; this only catches an order-of-magnitude regression
    (about 5 s here, 14 s on a loaded machine)."""
    names = _realistic_names(60_000)
    search_keys._char_readings.cache_clear()  # measure from a cold cache
    start = time.perf_counter()
    for name in names:
        name_keys(name)
    elapsed = time.perf_counter() - start
    print(f"\n60,000 name_keys calls: {elapsed:.2f} s")
    assert elapsed < 60.0

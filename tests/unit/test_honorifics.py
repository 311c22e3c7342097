"""Forms of address (spec C4): 王大爷, 张女士, 李老师, 赵科长; never a bare full name."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic_desk.core.rules.honorifics import (
    LANGUAGES,
    MAX_CHARS,
    Person,
    Style,
    address,
    age_in_years,
)
from clinic_desk.core.rules.search_keys import COMPOUND_SURNAMES

FAST = settings(max_examples=300, deadline=None)
TODAY = date(2025, 6, 1)


def born_aged(years: int) -> date:
    """A birth date giving exactly ``years`` on TODAY (birthday yesterday)."""
    return date(TODAY.year - years, TODAY.month, TODAY.day) - timedelta(days=1)


ADULT = born_aged(40)
ELDER = born_aged(75)
CHILD = born_aged(6)
GRANDPARENT = Style(elderly_form="grandparent")
NO_TITLES = Style(use_titles=False)

# (id, person, style, zh_CN, zh_TW, en)
TABLE = [
    # adults by sex
    ("adult-m", Person("王", "建国", "M", ADULT), Style(), "王先生", "王先生", "Mr Wang"),
    ("adult-f", Person("张", "丽", "F", ADULT), Style(), "张女士", "张女士", "Ms Zhang"),
    ("adult-u", Person("王", "芳", "U", ADULT), Style(),
     "王先生/女士", "王先生/女士", "Mr/Ms Wang"),
    ("no-birth-date", Person("刘", "洋", "M", None), Style(), "刘先生", "刘先生", "Mr Liu"),
    ("traditional-name", Person("張", "麗", "F", ADULT), Style(), "張女士", "張女士", "Ms Zhang"),
    # elderly
    ("elder-m", Person("王", "建国", "M", ELDER), Style(), "王大爷", "王伯伯", "Mr Wang"),
    ("elder-f", Person("王", "秀英", "F", ELDER), Style(), "王大妈", "王婆婆", "Ms Wang"),
    ("elder-m-gp", Person("王", "建国", "M", ELDER), GRANDPARENT, "王爷爷", "王爺爺", "Mr Wang"),
    ("elder-f-gp", Person("王", "秀英", "F", ELDER), GRANDPARENT, "王奶奶", "王奶奶", "Ms Wang"),
    ("elder-u", Person("王", "秀", "U", ELDER), Style(),
     "王先生/女士", "王先生/女士", "Mr/Ms Wang"),
    # children
    ("child", Person("张", "小明", "M", CHILD), Style(), "小明小朋友", "小明小朋友", "Xiaoming"),
    ("child-f", Person("李", "思思", "F", CHILD), Style(), "思思小朋友", "思思小朋友", "Sisi"),
    ("child-1char", Person("张", "三", "M", CHILD), Style(), "张三小朋友", "张三小朋友", "San"),
    ("child-u", Person("张", "小明", "U", CHILD), Style(), "小明小朋友", "小明小朋友", "Xiaoming"),
    ("child-latin", Person("Smith", "Tom", "M", CHILD), Style(), "Tom小朋友", "Tom小朋友", "Tom"),
    ("newborn", Person("陈", "一一", "F", TODAY), Style(), "一一小朋友", "一一小朋友", "Yiyi"),
    # titles and occupations
    ("teacher", Person("李", "明", "M", ADULT, occupation="教师"), Style(),
     "李老师", "李老師", "Mr Li"),
    ("teacher-f", Person("李", "娟", "F", ADULT, occupation="中学老师"), Style(),
     "李老师", "李老師", "Ms Li"),
    ("teacher-tw-input", Person("李", "明", "M", ADULT, occupation="國小老師"), Style(),
     "李老师", "李老師", "Mr Li"),
    ("professor", Person("李", "明", "M", ADULT, title="教授"), Style(),
     "李教授", "李教授", "Prof. Li"),
    ("assoc-professor", Person("李", "明", "F", ADULT, title="副教授"), Style(),
     "李教授", "李教授", "Prof. Li"),
    ("doctor", Person("李", "明", "M", ADULT, occupation="医生"), Style(),
     "李医生", "李醫生", "Dr Li"),
    ("daifu", Person("李", "明", "M", ADULT, occupation="大夫"), Style(),
     "李医生", "李醫生", "Dr Li"),
    ("physician", Person("李", "明", "F", ADULT, occupation="医师"), Style(),
     "李医生", "李醫生", "Dr Li"),
    ("section-chief", Person("赵", "刚", "M", ADULT, title="科长"), Style(),
     "赵科长", "赵科長", "Mr Zhao"),
    ("deputy-chief", Person("赵", "刚", "M", ADULT, title="财务科副科长"), Style(),
     "赵科长", "赵科長", "Mr Zhao"),
    ("division-chief", Person("钱", "敏", "F", ADULT, title="处长"), Style(),
     "钱处长", "钱處長", "Ms Qian"),
    ("bureau-chief", Person("孙", "伟", "M", ADULT, title="副局长"), Style(),
     "孙局长", "孙局長", "Mr Sun"),
    ("director", Person("周", "强", "M", ADULT, title="办公室主任"), Style(),
     "周主任", "周主任", "Mr Zhou"),
    ("chief-physician", Person("周", "强", "M", ADULT, title="主任医师"), Style(),
     "周主任", "周主任", "Mr Zhou"),
    ("president", Person("吴", "军", "M", ADULT, title="院长"), Style(),
     "吴院长", "吴院長", "Mr Wu"),
    ("manager", Person("郑", "丽", "F", ADULT, occupation="销售经理"), Style(),
     "郑经理", "郑經理", "Ms Zheng"),
    ("boss", Person("黄", "海", "M", ADULT, title="总经理"), Style(), "黄总", "黄總", "Mr Huang"),
    ("boss-alone", Person("黄", "海", "F", ADULT, title="总"), Style(), "黄总", "黄總", "Ms Huang"),
    ("lawyer", Person("冯", "涛", "M", ADULT, occupation="律师"), Style(),
     "冯律师", "冯律師", "Mr Feng"),
    ("engineer", Person("钱", "八", "M", ADULT, occupation="高级工程师"), Style(),
     "钱工", "钱工程師", "Mr Qian"),
    ("police", Person("孙", "九", "F", ADULT, occupation="民警"), Style(),
     "孙警官", "孙警官", "Officer Sun"),
    ("police-officer", Person("孙", "九", "M", ADULT, title="警官"), Style(),
     "孙警官", "孙警官", "Officer Sun"),
    ("english-title", Person("Brown", "Amy", "F", ADULT, title="Dr"), Style(),
     "Brown医生", "Brown醫生", "Dr Brown"),
    ("title-beats-occupation", Person("李", "明", "M", ADULT, title="主任", occupation="医生"),
     Style(), "李主任", "李主任", "Mr Li"),
    ("title-beats-age", Person("王", "建国", "M", ELDER, occupation="退休教师"), Style(),
     "王老师", "王老師", "Mr Wang"),
    ("titles-off", Person("李", "明", "M", ADULT, occupation="教师"), NO_TITLES,
     "李先生", "李先生", "Mr Li"),
    ("titles-off-elder", Person("王", "建国", "M", ELDER, title="局长"), NO_TITLES,
     "王大爷", "王伯伯", "Mr Wang"),
    ("no-title-match", Person("李", "明", "M", ADULT, occupation="护士"), Style(),
     "李先生", "李先生", "Mr Li"),
    # preferred: verbatim in every language
    ("preferred-zh", Person("王", "伟", "M", ELDER, preferred="王教授"), Style(),
     "王教授", "王教授", "王教授"),
    ("preferred-en", Person("黄", "美玲", "F", ADULT, preferred="Ms Wong"), Style(),
     "Ms Wong", "Ms Wong", "Ms Wong"),
    ("preferred-is-full-name", Person("王", "伟", "M", ADULT, preferred="王伟"), Style(),
     "王先生", "王先生", "Mr Wang"),
    ("preferred-bed-number", Person("陈", "六", "M", ADULT, preferred="3床"), Style(),
     "陈先生", "陈先生", "Mr Chen"),
    ("preferred-bed-en", Person("陈", "六", "F", ADULT, preferred="Bed 12"), Style(),
     "陈女士", "陈女士", "Ms Chen"),
    # surnames and how the name was entered
    ("compound", Person("欧阳", "娜娜", "F", ADULT), Style(), "欧阳女士", "欧阳女士", "Ms Ouyang"),
    ("compound-tw", Person("歐陽", "娜娜", "F", ADULT), Style(),
     "歐陽女士", "歐陽女士", "Ms Ouyang"),
    ("compound-elder", Person("司马", "光", "M", ELDER), Style(),
     "司马大爷", "司马伯伯", "Mr Sima"),
    ("compound-child", Person("诸葛", "亮", "M", CHILD), Style(),
     "诸葛亮小朋友", "诸葛亮小朋友", "Liang"),
    ("full-name-in-given", Person("", "欧阳娜娜", "F", ADULT), Style(),
     "欧阳女士", "欧阳女士", "Ms Ouyang"),
    ("full-name-in-family", Person("上官婉儿", "", "F", ADULT), Style(),
     "上官女士", "上官女士", "Ms Shangguan"),
    ("simple-full-name", Person("", "张三", "M", ADULT), Style(), "张先生", "张先生", "Mr Zhang"),
    ("compound-alone", Person("尉迟", "", "M", ADULT), Style(), "尉迟先生", "尉迟先生", "Mr Yuchi"),
    ("surname-reading", Person("单", "田芳", "M", ADULT), Style(), "单先生", "单先生", "Mr Shan"),
    ("surname-reading-2", Person("曾", "国藩", "M", ADULT), Style(), "曾先生", "曾先生", "Mr Zeng"),
    ("lv", Person("吕", "布", "M", ADULT), Style(), "吕先生", "吕先生", "Mr Lü"),
    ("latin", Person("Smith", "John", "M", ADULT), Style(), "Smith先生", "Smith先生", "Mr Smith"),
    ("latin-one-field", Person("", "John Smith", "M", ADULT), Style(),
     "Smith先生", "Smith先生", "Mr Smith"),
    ("latin-family-words", Person("van der Berg", "", "F", ADULT), Style(),
     "van der Berg女士", "van der Berg女士", "Ms van der Berg"),
    ("dotted", Person("", "阿依古丽·买买提", "F", ADULT), Style(),
     "阿依古丽·买买提女士", "阿依古丽·买买提女士", "Ms Ayiguli Maimaiti"),
    # no name at all
    ("nameless-m", Person("", "", "M", ADULT), Style(), "先生", "先生", "Sir"),
    ("nameless-f", Person("", " ", "F", ADULT), Style(), "女士", "女士", "Madam"),
    ("nameless-u", Person("", "", "U", None), Style(), "先生/女士", "先生/女士", "Sir/Madam"),
    ("nameless-elder", Person("", "", "M", ELDER), Style(), "大爷", "伯伯", "Sir"),
    ("nameless-doctor", Person("", "", "F", ADULT, occupation="医生"), Style(),
     "医生", "醫生", "Doctor"),
    ("nameless-child", Person("", "", "F", CHILD), Style(), "小朋友", "小朋友", "Madam"),
    # a patient literally named like a form of address
    ("named-like-a-form", Person("王", "先生", "M", ADULT), Style(), "先生", "先生", "Mr Wang"),
]


@pytest.mark.parametrize(
    ("person", "style", "zh_cn", "zh_tw", "en"),
    [pytest.param(*row[1:], id=row[0]) for row in TABLE],
)
def test_forms_of_address(person: Person, style: Style, zh_cn: str, zh_tw: str, en: str) -> None:
    got = {lang: address(person, today=TODAY, language=lang, style=style) for lang in LANGUAGES}
    assert got == {"zh_CN": zh_cn, "zh_TW": zh_tw, "en": en}


@pytest.mark.parametrize("row", TABLE, ids=[row[0] for row in TABLE])
def test_no_generated_form_is_the_bare_full_name(row: tuple) -> None:
    person, style = row[1], row[2]
    for lang in LANGUAGES:
        form = address(person, today=TODAY, language=lang, style=style)
        assert form != person.family_name + person.given_name
        assert form != f"{person.family_name} {person.given_name}"
        assert form != f"{person.given_name} {person.family_name}"
        assert "床" not in form and "bed" not in form.casefold()


@pytest.mark.parametrize("surname", ["欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟",
                                     "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐"])
def test_compound_surnames_are_kept_whole(surname: str) -> None:
    assert surname in COMPOUND_SURNAMES
    for person in (Person(surname, "明", "M", ADULT), Person("", surname + "明", "M", ADULT)):
        assert address(person, today=TODAY, language="zh_CN") == surname + "先生"
        en = address(person, today=TODAY, language="en")
        assert en == "Mr " + "".join(COMPOUND_SURNAMES[surname]).capitalize()


@pytest.mark.parametrize(
    ("age", "style", "expected"),
    [
        (13, Style(), "小明小朋友"),
        (14, Style(), "张先生"),
        (69, Style(), "张先生"),
        (70, Style(), "张大爷"),
        (59, Style(elderly_age=60), "张先生"),
        (60, Style(elderly_age=60), "张大爷"),
        (11, Style(child_age=12), "小明小朋友"),
        (12, Style(child_age=12), "张先生"),
        (0, Style(child_age=0), "张先生"),
    ],
)
def test_age_thresholds(age: int, style: Style, expected: str) -> None:
    person = Person("张", "小明", "M", born_aged(age))
    assert address(person, today=TODAY, language="zh_CN", style=style) == expected


def test_birthday_today_counts() -> None:
    person = Person("张", "建国", "M", date(TODAY.year - 70, TODAY.month, TODAY.day))
    assert address(person, today=TODAY, language="zh_CN") == "张大爷"
    the_day_before = TODAY - timedelta(days=1)
    assert address(person, today=the_day_before, language="zh_CN") == "张先生"


def test_a_birth_date_in_the_future_is_an_adult() -> None:
    person = Person("张", "建国", "M", TODAY + timedelta(days=3))
    assert address(person, today=TODAY, language="zh_CN") == "张先生"


def test_age_in_years() -> None:
    assert age_in_years(date(2000, 6, 1), date(2025, 6, 1)) == 25
    assert age_in_years(date(2000, 6, 2), date(2025, 6, 1)) == 24
    assert age_in_years(date(2000, 2, 29), date(2025, 2, 28)) == 24
    assert age_in_years(date(2000, 2, 29), date(2025, 3, 1)) == 25


def test_style_is_validated() -> None:
    with pytest.raises(ValueError):
        Style(child_age=80, elderly_age=70)
    with pytest.raises(ValueError):
        Style(child_age=-1)
    with pytest.raises(ValueError):
        Style(elderly_form="auntie")  # type: ignore[arg-type]


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError):
        address(Person("王", "伟", "M", ADULT), today=TODAY, language="fr")  # type: ignore[arg-type]


def test_long_names_are_capped() -> None:
    person = Person("Wolfeschlegelsteinhausenbergerdorff" * 3, "Hubert", "M", ADULT)
    for lang in LANGUAGES:
        form = address(person, today=TODAY, language=lang)
        assert 0 < len(form) <= MAX_CHARS
    zh = address(person, today=TODAY, language="zh_CN")
    assert zh.endswith("先生")  # the name is shortened, never the suffix
    assert address(replace(person, preferred="x" * 100), today=TODAY, language="en") == "x" * 40


def test_person_is_immutable() -> None:
    person = Person("王", "伟", "M", ADULT)
    with pytest.raises(AttributeError):
        person.family_name = "李"  # type: ignore[misc]


# --- properties ---------------------------------------------------------------

NAMES = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), max_size=5),
    st.sampled_from(["", "王", "欧阳", "先生", "女士", "小朋友", "John", "Smith", "😀", "👨‍👩‍👧"]),
    st.text(alphabet="abc XYZ", max_size=10),
)
FIELDS = st.one_of(st.just(""), st.sampled_from(["教师", "医生", "科长", "总", "Dr"]), st.text())


def _bare(person: Person) -> set[str]:
    f, g = person.family_name, person.given_name
    return {f + g, f"{f} {g}", g + f, f"{g} {f}", (f + g).strip(), f"{f} {g}".strip()}


@given(
    family=NAMES,
    given_name=NAMES,
    sex=st.sampled_from(["F", "M", "U"]),
    birth=st.one_of(st.none(), st.dates(min_value=date(1890, 1, 1), max_value=date(2030, 1, 1))),
    occupation=FIELDS,
    title=FIELDS,
    language=st.sampled_from(LANGUAGES),
    style=st.builds(
        Style,
        elderly_age=st.integers(60, 90),
        elderly_form=st.sampled_from(["uncle", "grandparent"]),
        child_age=st.integers(0, 18),
        use_titles=st.booleans(),
    ),
)
@FAST
def test_never_empty_never_too_long_never_the_bare_name(
    family: str,
    given_name: str,
    sex: str,
    birth: date | None,
    occupation: str,
    title: str,
    language: str,
    style: Style,
) -> None:
    person = Person(family, given_name, sex, birth, occupation, title)  # type: ignore[arg-type]
    form = address(person, today=TODAY, language=language, style=style)  # type: ignore[arg-type]
    assert form.strip()
    assert len(form) <= MAX_CHARS
    assert form not in _bare(person)


@given(family=NAMES, given_name=NAMES, preferred=st.text(max_size=80))
@FAST
def test_a_preferred_form_never_lets_the_bare_name_through(
    family: str, given_name: str, preferred: str
) -> None:
    person = Person(family, given_name, "U", None, preferred=preferred)
    for lang in LANGUAGES:
        form = address(person, today=TODAY, language=lang)
        assert form.strip()
        assert len(form) <= MAX_CHARS
        assert form not in _bare(person)

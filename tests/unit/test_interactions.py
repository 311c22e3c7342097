"""The local interaction, allergy and duplication table and its checker (spec D1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clinic_desk.core.rules import interactions, prescribing
from clinic_desk.core.rules.interactions import InteractionTableError, load_table

TABLE = interactions.table_path()


@pytest.fixture(scope="module")
def table() -> interactions.InteractionTable:
    return load_table(TABLE)


@pytest.mark.parametrize(
    ("text", "drug_id"),
    [
        ("amoxicillin", "amoxicillin"),
        ("阿莫西林胶囊 0.25g", "amoxicillin"),
        ("阿莫西林", "amoxicillin"),
        ("Amoxicillin/clavulanate 625 mg", "amoxicillin"),
        ("華法林 2.5mg", "warfarin"),
        ("华法林钠片", "warfarin"),
        ("ＡＳＰＩＲＩＮ １００ｍｇ", "aspirin"),  # full-width, as some input methods type it
        ("拜阿司匹灵 100mg qd", "aspirin"),
        ("阿斯匹靈", "aspirin"),
        ("Tylenol", "paracetamol"),
        ("撲熱息痛", "paracetamol"),
        ("頭孢氨苄", "cefalexin"),
        ("甲红霉素", "clarithromycin"),  # the longer name wins over 红霉素
        ("红霉素肠溶片", "erythromycin"),
        ("佳静安定", "alprazolam"),
        ("安定 5mg", "diazepam"),
        ("potassium chloride", "potassium_chloride"),
        ("硝酸甘油片 0.5mg 舌下", "nitroglycerin"),
    ],
)
def test_match_drug(table: interactions.InteractionTable, text: str, drug_id: str) -> None:
    entry = table.match_drug(text)
    assert entry is not None and entry.id == drug_id


@pytest.mark.parametrize("text", ["", "   ", "维生素C", "lasagne", "5-ASA", "🙂", "'; DROP TABLE"])
def test_unknown_text_matches_nothing(table: interactions.InteractionTable, text: str) -> None:
    assert table.match_drug(text) is None


def test_class_stem_places_an_unlisted_drug(table: interactions.InteractionTable) -> None:
    for text, cls in [
        ("美洛西林", "penicillins"),
        ("头孢克肟", "cephalosporins"),
        ("moxifloxacin", "fluoroquinolones"),
        ("瑞格列奈", None),
    ]:
        entry = table.resolve(text)
        if cls is None:
            assert entry is None
        else:
            assert entry is not None and not entry.listed and entry.classes == (cls,)


def _kinds(ws: list[interactions.DrugWarning]) -> set[tuple[str, str, str, str]]:
    return {(w.kind, w.severity, w.drug, w.other) for w in ws}


@pytest.mark.parametrize(
    ("new", "current", "allergies", "expected"),
    [
        # Interactions, in either order and between new items or with current ones.
        (["华法林"], ["阿司匹林"], [], {("interaction", "major", "华法林", "阿司匹林")}),
        (
            ["aspirin 100mg"],
            ["warfarin 3mg"],
            [],
            {("interaction", "major", "aspirin 100mg", "warfarin 3mg")},
        ),
        (["華法林", "甲硝唑"], [], [], {("interaction", "major", "華法林", "甲硝唑")}),
        (["fluconazole"], ["warfarin"], [], {("interaction", "major", "fluconazole", "warfarin")}),
        (["克拉霉素"], ["辛伐他汀"], [], {("interaction", "major", "克拉霉素", "辛伐他汀")}),
        (["螺内酯"], ["依那普利"], [], {("interaction", "major", "螺内酯", "依那普利")}),
        (
            ["氯化钾缓释片"],
            ["卡托普利"],
            [],
            {("interaction", "major", "氯化钾缓释片", "卡托普利")},
        ),
        (["sildenafil"], ["硝酸甘油"], [], {("interaction", "major", "sildenafil", "硝酸甘油")}),
        (
            ["左氧氟沙星"],
            ["茶碱缓释片"],
            [],
            {("interaction", "moderate", "左氧氟沙星", "茶碱缓释片")},
        ),
        (["环丙沙星"], ["茶碱"], [], {("interaction", "major", "环丙沙星", "茶碱")}),
        (["tramadol"], ["sertraline"], [], {("interaction", "major", "tramadol", "sertraline")}),
        (["地高辛"], ["克拉霉素"], [], {("interaction", "major", "地高辛", "克拉霉素")}),
        (["甲氨蝶呤"], ["双氯芬酸钠"], [], {("interaction", "major", "甲氨蝶呤", "双氯芬酸钠")}),
        (["奥美拉唑"], ["氯吡格雷"], [], {("interaction", "moderate", "奥美拉唑", "氯吡格雷")}),
        (["甲硝唑"], ["饮酒"], [], {("interaction", "moderate", "甲硝唑", "饮酒")}),
        # Allergies: by class, by drug, across traditional characters, cross-reacting.
        (
            ["阿莫西林胶囊 0.25g"],
            [],
            ["青霉素"],
            {("allergy", "major", "阿莫西林胶囊 0.25g", "青霉素")},
        ),
        (
            ["阿莫西林"],
            [],
            ["penicillin (rash)"],
            {("allergy", "major", "阿莫西林", "penicillin (rash)")},
        ),
        (["amoxicillin"], [], ["青黴素"], {("allergy", "major", "amoxicillin", "青黴素")}),
        (["阿莫西林"], [], ["阿莫西林"], {("allergy", "major", "阿莫西林", "阿莫西林")}),
        (["头孢氨苄"], [], ["青霉素"], {("allergy", "moderate", "头孢氨苄", "青霉素")}),
        (["美洛西林"], [], ["青霉素"], {("allergy", "major", "美洛西林", "青霉素")}),
        (["布洛芬"], [], ["阿司匹林过敏"], {("allergy", "moderate", "布洛芬", "阿司匹林过敏")}),
        (["某新药片"], [], ["某新药"], {("allergy", "major", "某新药片", "某新药")}),
        # Duplicates: the same drug, or two of a class.
        (["布洛芬", "双氯芬酸"], [], [], {("duplicate", "moderate", "布洛芬", "双氯芬酸")}),
        (
            ["阿莫西林", "Amoxil 500mg"],
            [],
            [],
            {("duplicate", "moderate", "阿莫西林", "Amoxil 500mg")},
        ),
        (["对乙酰氨基酚"], ["泰诺林"], [], {("duplicate", "moderate", "对乙酰氨基酚", "泰诺林")}),
        # Nothing to say.
        (["阿莫西林"], ["二甲双胍"], ["花粉"], set()),
        (["某种中成药", "维生素C"], ["未知药"], ["海鲜"], set()),
        ([], ["华法林", "阿司匹林"], ["青霉素"], set()),
    ],
)
def test_check(
    table: interactions.InteractionTable,
    new: list[str],
    current: list[str],
    allergies: list[str],
    expected: set[tuple[str, str, str, str]],
) -> None:
    assert _kinds(table.check(new, current, allergies)) == expected


def test_warning_has_advice_in_three_languages(table: interactions.InteractionTable) -> None:
    [w] = table.check(["华法林"], ["阿司匹林"], [])
    assert "bleeding" in w.advice_en.lower()
    assert "出血" in w.advice_zh and "出血" in w.advice("zh_CN")
    assert w.advice("zh_TW") == w.advice_zh_tw and "風險" in w.advice_zh_tw
    assert w.needs_override
    assert interactions.DrugWarning.from_dict(w.to_dict()) == w


def test_only_the_most_severe_warnings_come_first(table: interactions.InteractionTable) -> None:
    ws = table.check(["华法林", "阿司匹林", "布洛芬"], [], ["青霉素"])
    assert [w.severity for w in ws] == sorted(
        (w.severity for w in ws), key=interactions.SEVERITIES.index
    )
    # aspirin + ibuprofen: both an interaction and a same-class duplicate.
    assert {w.kind for w in ws if {w.drug, w.other} == {"阿司匹林", "布洛芬"}} == {
        "interaction",
        "duplicate",
    }


def test_header_says_it_is_not_complete(table: interactions.InteractionTable) -> None:
    assert "NOT a complete" in table.disclaimer.en
    assert "不是完整" in table.disclaimer.zh_cn and "不是完整" in table.disclaimer.zh_tw
    assert "responsible" in table.disclaimer.en and "责任" in table.disclaimer.zh_cn
    assert "general pharmacology" in table.source.en
    assert len(table.drugs) >= 40 and len(table.interactions) >= 30


def test_module_level_helpers_use_the_bundled_table() -> None:
    entry = interactions.match_drug("华法林")
    assert entry is not None and entry.cautions is not None and "INR" in entry.cautions.en
    assert interactions.check(["foo"], ["bar"], ["baz"]) == []
    assert interactions.default_table() is interactions.default_table()


def _broken(tmp_path: Path, change: object) -> Path:
    data = json.loads(TABLE.read_text(encoding="utf-8"))
    if callable(change):
        change(data)
    path = tmp_path / "drug_interactions.json"
    path.write_text(
        json.dumps(data, ensure_ascii=False) if callable(change) else str(change), encoding="utf-8"
    )
    return path


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ('{"format": 1, "drugs": [', "not valid JSON"),
        ("[]", "the file should be an object"),
        (lambda d: d.update(format=99), "format should be 1"),
        (lambda d: d["drugs"][0].update(classes=["no_such_class"]), "unknown class"),
        (lambda d: d["drugs"][1].update(id=d["drugs"][0]["id"]), "unique id"),
        (lambda d: d["drugs"][1].update(zh_CN=d["drugs"][0]["zh_CN"]), "given to both"),
        (lambda d: d["interactions"][0].update(severity="deadly"), "severity should be one of"),
        (lambda d: d["interactions"][0].update(b="no_such_drug"), "unknown drug"),
        (lambda d: d["interactions"][0]["advice"].pop("zh_TW"), "advice.zh_TW"),
        (lambda d: d["classes"]["penicillins"].update(patterns=["(unclosed"]), "valid pattern"),
        (lambda d: d["messages"]["allergy_drug"].update(en="{patient}"), "may only use"),
        (lambda d: d.pop("messages"), "messages should be an object"),
    ],
)
def test_broken_table_gives_a_clear_error(tmp_path: Path, change: object, says: str) -> None:
    path = _broken(tmp_path, change)
    with pytest.raises(InteractionTableError) as caught:
        load_table(path)
    message = caught.value.message()
    assert says in message and str(path) in message


def test_missing_table_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InteractionTableError, match="cannot be read"):
        load_table(tmp_path / "missing.json")


@pytest.mark.parametrize(
    ("frequency", "timing", "times"),
    [
        ("qd", "", ("morning",)),
        ("qd", "bedtime", ("bedtime",)),
        ("bid", "after_meal", ("morning", "evening")),
        ("bid", "bedtime", ("morning", "bedtime")),
        ("tid", "before_meal", ("morning", "noon", "evening")),
        ("qid", "bedtime", ("morning", "noon", "evening", "bedtime")),
        ("qn", "", ("bedtime",)),
        ("q12h", "any", ("morning", "evening")),
        ("prn", "", ()),
        ("once", "", ()),
        ("weekly", "empty_stomach", ("morning",)),
    ],
)
def test_dose_times(frequency: str, timing: str, times: tuple[str, ...]) -> None:
    assert prescribing.dose_times(frequency, timing) == times


def test_dose_times_refuses_unknown_codes() -> None:
    with pytest.raises(KeyError):
        prescribing.dose_times("thrice", "")
    with pytest.raises(KeyError):
        prescribing.dose_times("qd", "after_dinner")

"""Every user-visible string is translated in Simplified Chinese, Traditional Chinese and
English, and switching language switches the interface (issue 3)."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication

ROOT = Path(__file__).resolve().parents[2]
TS_DIR = ROOT / "resources" / "translations"
LANGS = ("zh_CN", "zh_TW", "en")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%n|%\d")


def _messages(ts: Path) -> dict[tuple[str, str], list[str] | None]:
    """(context, source) -> translations (numerus forms), or None when unfinished."""
    out: dict[tuple[str, str], list[str] | None] = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            tr = message.find("translation")
            if tr is None or tr.get("type") in {"unfinished", "vanished", "obsolete"}:
                out[(name, source)] = None
                continue
            forms = [f.text or "" for f in tr.iter("numerusform")] or [tr.text or ""]
            out[(name, source)] = forms if all(f.strip() for f in forms) else None
    return out


@pytest.fixture(scope="module")
def current_strings(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    """What the source code asks to be translated right now (fresh lupdate run)."""
    sys.path.insert(0, str(ROOT / "installer"))
    import update_translations as ut

    fresh = tmp_path_factory.mktemp("ts") / "fresh.ts"
    ut.run_lupdate([fresh], extra=("-locations", "none"))
    return set(_messages(fresh))


@pytest.mark.parametrize("lang", LANGS)
def test_every_string_is_translated(lang: str, current_strings: set[tuple[str, str]]) -> None:
    committed = _messages(TS_DIR / f"clinicdesk_{lang}.ts")
    missing = sorted(k for k in current_strings if committed.get(k) is None)
    assert not missing, f"{len(missing)} strings untranslated in {lang}, e.g. {missing[:5]}"


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_survive_translation(lang: str) -> None:
    bad = []
    for (context, source), forms in _messages(TS_DIR / f"clinicdesk_{lang}.ts").items():
        if forms is None:
            continue
        wanted = sorted(set(PLACEHOLDER.findall(source)) - {"%n"})
        for form in forms:
            if sorted(set(PLACEHOLDER.findall(form)) - {"%n"}) != wanted:
                bad.append((context, source, form))
    assert not bad, bad[:5]


def test_chinese_translations_are_chinese() -> None:
    for lang in ("zh_CN", "zh_TW"):
        for (_ctx, source), forms in _messages(TS_DIR / f"clinicdesk_{lang}.ts").items():
            words = PLACEHOLDER.sub("", source)  # "{day} {time}" is a format, not words
            if forms and re.search(r"[A-Za-z]{4,}", words) and source not in {"ClinicDesk"}:
                assert any(re.search(r"[\u4e00-\u9fff]", f) for f in forms), (lang, source)


def test_switching_language_switches_the_interface(qapp) -> None:  # type: ignore[no-untyped-def]
    subprocess.run([sys.executable, str(ROOT / "installer" / "build_translations.py")],
                   check=True)
    from clinic_desk.ui.i18n import install_language

    try:
        assert install_language("zh_CN")
        zh = QCoreApplication.translate("MainWindow", "Sign out")
        assert install_language("zh_TW")
        tw = QCoreApplication.translate("MainWindow", "Sign out")
        install_language("en")
        en = QCoreApplication.translate("MainWindow", "Sign out")
        assert en == "Sign out"
        assert re.search(r"[\u4e00-\u9fff]", zh) and re.search(r"[\u4e00-\u9fff]", tw)
        assert zh != tw  # 退出登录 vs 登出 / 簡繁 differ
    finally:
        install_language("en")

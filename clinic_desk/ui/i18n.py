"""Interface languages: Simplified Chinese, Traditional Chinese, English.

Translations are Qt ``.ts`` sources in ``resources/translations``, compiled to
``.qm`` by ``installer/build_translations.py`` (run by ``run.py`` and the
installer); the .qm files are build output, not committed.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from clinic_desk.core.paths import resources_dir

log = logging.getLogger(__name__)

LANGUAGES = ("zh_CN", "zh_TW", "en")
LANGUAGE_NAMES = {"zh_CN": "简体中文", "zh_TW": "繁體中文", "en": "English"}
_installed: list[QTranslator] = []


def translations_dir() -> object:
    return resources_dir() / "translations"


def system_language() -> str:
    """zh_TW for Taiwan/Hong Kong/Macau or Traditional script, zh_CN for other Chinese, else en."""
    locale = QLocale.system()
    if locale.language() == QLocale.Language.Chinese:
        traditional = locale.script() == QLocale.Script.TraditionalChineseScript or (
            locale.territory()
            in (QLocale.Country.Taiwan, QLocale.Country.HongKong, QLocale.Country.Macau)
        )
        return "zh_TW" if traditional else "zh_CN"
    return "en"


def install_language(language: str) -> bool:
    """Switch the whole application's language; returns False if the .qm is missing."""
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("create the QApplication first")
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    if language not in LANGUAGES:
        language = "en"
    ok = True
    if language != "en":
        ours = QTranslator(app)
        path = resources_dir() / "translations" / f"clinicdesk_{language}.qm"
        if ours.load(str(path)):
            app.installTranslator(ours)
            _installed.append(ours)
        else:
            log.warning("translation file missing: %s", path.name)
            ok = False
        qt = QTranslator(app)
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if qt.load(f"qtbase_{language}", qt_dir) or qt.load(
            f"qtbase_{language.split('_')[0]}", qt_dir
        ):
            app.installTranslator(qt)
            _installed.append(qt)
    QLocale.setDefault(QLocale(language if language != "en" else "en_US"))
    return ok


def ui_language() -> str:
    """The interface language as the services name it (zh_CN, zh_TW or en): set by
    ``install_language``, which makes it the default locale."""
    name = QLocale().name()
    return name if name in ("zh_CN", "zh_TW") else "en"

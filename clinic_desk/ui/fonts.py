"""The bundled CJK font, registered with Qt so Chinese renders on any machine."""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from clinic_desk.core.paths import resources_dir

log = logging.getLogger(__name__)
FONT_FILE = "wqy-microhei.ttc"


def register_fonts(app: QApplication) -> str | None:
    """Add the bundled font and make it the fallback; returns its family name."""
    path = resources_dir() / "fonts" / FONT_FILE
    font_id = QFontDatabase.addApplicationFont(str(path))
    if font_id < 0:
        log.warning("could not load the bundled font %s", path)
        return None
    family = QFontDatabase.applicationFontFamilies(font_id)[0]
    base = app.font()
    # Keep the platform's own Latin font first; CJK falls back to ours.
    families = [*base.families(), family] if base.families() else [base.family(), family]
    font = QFont(base)
    font.setFamilies(families)
    app.setFont(font)
    return family

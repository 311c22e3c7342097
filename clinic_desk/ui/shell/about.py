"""Help → About ClinicDesk: the version and what it runs on, for the clinic's IT person
and for a support call (issue 13)."""

from __future__ import annotations

import platform
from pathlib import Path

import PySide6
from PySide6.QtCore import QCoreApplication, QEvent, Qt, qVersion
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from clinic_desk import __version__
from clinic_desk.core.paths import resources_dir

ICON_FILE = "clinicdesk-256.png"


def sqlcipher_version() -> str:
    """SQLCipher's and its SQLite's versions, as the store's driver reports them."""
    import sqlcipher3.dbapi2 as sqlcipher

    conn = sqlcipher.connect(":memory:")
    try:
        row = conn.execute("PRAGMA cipher_version").fetchone()
    finally:
        conn.close()
    cipher = str(row[0]) if row else "?"
    return f"{cipher} (SQLite {sqlcipher.sqlite_version})"


class AboutDialog(QDialog):
    """Name, version, Qt / Python / SQLCipher versions and the clinic's data folder."""

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.data_dir = data_dir
        icon = QLabel(self)
        icon.setObjectName("aboutIcon")
        pixmap = QPixmap(str(resources_dir() / "icons" / ICON_FILE))
        if not pixmap.isNull():
            icon.setPixmap(
                pixmap.scaled(
                    72,
                    72,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        self.title = QLabel(self)
        self.title.setObjectName("aboutTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.tagline = QLabel(self)
        self.tagline.setWordWrap(True)
        head_text = QVBoxLayout()
        head_text.addWidget(self.title)
        head_text.addWidget(self.tagline)
        head_text.addStretch(1)
        head = QHBoxLayout()
        head.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        head.addLayout(head_text, 1)

        self.values = {
            "version": __version__,
            "qt": f"{qVersion()} (PySide6 {PySide6.__version__})",
            "python": f"{platform.python_version()} ({platform.system()} {platform.machine()})",
            "sqlcipher": sqlcipher_version(),
            "data_dir": str(data_dir),
        }
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.names: dict[str, QLabel] = {}
        self.fields: dict[str, QLabel] = {}
        for key, value in self.values.items():
            name = QLabel(self)
            field = QLabel(value, self)
            field.setObjectName(f"about_{key}")
            # Selectable: the IT person copies these into a support message.
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.names[key] = name
            self.fields[key] = field
            self.form.addRow(name, field)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addSpacing(8)
        layout.addLayout(self.form)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        # The title and the headline keep the wording (and translations) the old
        # message box had, in its context: one sentence, two lines.
        self.setWindowTitle(QCoreApplication.translate("MainWindow", "About ClinicDesk"))
        headline = QCoreApplication.translate(
            "MainWindow",
            "ClinicDesk {version}\nAn offline-first desktop program for small private clinics.",
        ).format(version=__version__)
        title, _, tagline = headline.partition("\n")
        self.title.setText(title)
        self.tagline.setText(tagline)
        labels = {
            "version": self.tr("Version"),
            "qt": "Qt",  # names, the same in every language
            "python": "Python",
            "sqlcipher": "SQLCipher",
            "data_dir": self.tr("Data folder"),
        }
        for key, label in labels.items():
            self.names[key].setText(label)

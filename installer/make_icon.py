"""Draw ClinicDesk's icon with Qt and write it in each platform's format (issue 13).

    .venv/bin/python installer/make_icon.py

Writes resources/icons/clinicdesk.png (512 px, Linux and the window icon),
clinicdesk.ico (Windows) and clinicdesk.icns (macOS). The drawing is the
source: a white cross on a teal rounded square with a small calendar tab, so
the files can be redrawn at any size instead of being edited by hand.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPainterPath

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"
TEAL = QColor("#0f766e")
TEAL_DARK = QColor("#115e59")


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 512
    body = QRectF(32 * s, 32 * s, 448 * s, 448 * s)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(TEAL)
    p.drawRoundedRect(body, 96 * s, 96 * s)
    # A darker band at the top: the appointment book's binding.
    band = QPainterPath()
    band.addRoundedRect(body, 96 * s, 96 * s)
    top = QPainterPath()
    top.addRect(QRectF(32 * s, 32 * s, 448 * s, 96 * s))
    p.setBrush(TEAL_DARK)
    p.drawPath(band.intersected(top))
    p.setBrush(QColor("#ffffff"))
    for x in (160, 320):  # the two rings of the binding
        p.drawRoundedRect(QRectF((x - 14) * s, 56 * s, 28 * s, 56 * s), 14 * s, 14 * s)
    arm = 64 * s
    cx, cy = 256 * s, 300 * s
    p.drawRoundedRect(QRectF(cx - arm / 2, cy - 2 * arm, arm, 4 * arm), 16 * s, 16 * s)
    p.drawRoundedRect(QRectF(cx - 2 * arm, cy - arm / 2, 4 * arm, arm), 16 * s, 16 * s)
    p.end()
    return image


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication.instance() or QGuiApplication(sys.argv)
    ICONS.mkdir(parents=True, exist_ok=True)
    written = []
    for name, size, fmt in (
        ("clinicdesk.png", 512, "PNG"),
        ("clinicdesk-256.png", 256, "PNG"),
        ("clinicdesk.ico", 256, "ICO"),
        ("clinicdesk.icns", 512, "ICNS"),
    ):
        path = ICONS / name
        if not draw(size).save(str(path), fmt):  # type: ignore[call-overload]  # stub: bytes
            print(f"could not write {path} (no Qt image plugin for {fmt})", file=sys.stderr)
            return 1
        written.append(f"{name} ({path.stat().st_size} bytes)")
    print("wrote " + ", ".join(written))
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())

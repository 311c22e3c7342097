"""The recovery kit: one A4 page holding the clinic's recovery key.

It is printed once, at setup, and is the last way into the clinic's data. So the
page must print whatever the clinic is called (any length, any script, emoji),
say plainly what the key is for and how to keep it, and never be left
half-written on disk.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from clinic_desk.core.files import write_atomic
from clinic_desk.core.i18n import Translate, english
from clinic_desk.core.printing import fonts
from clinic_desk.core.printing.fonts import draw_text, printable, text_width, wrap
from clinic_desk.core.printing.layout import fill
from clinic_desk.core.printing.qr import dark_runs

CONTEXT = "RecoveryKit"
QR_FORM = "RecoveryKeyQR"  # the form XObject holding the QR modules, one unit each
QR_ERROR = "q"  # 25% of the code may be smudged or torn and it still scans

PAGE_W: float = A4[0]
PAGE_H: float = A4[1]
MARGIN: float = 20 * mm
LEFT = MARGIN
RIGHT = PAGE_W - MARGIN
WIDTH = RIGHT - LEFT

NAME_MAX_LINES = 3
WARNING_MAX_LINES = 8
GREY = 0.35
RULE_GREY = 0.6

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_KEY_SHAPE = re.compile(rf"[{_CROCKFORD}]{{32}}")


def canonical_key(recovery_key: str) -> str:
    """The key as printed: 8 groups of 4 upper-case Crockford base32 characters.

    Raises ValueError (without echoing the key, which is a secret) if it is not one.
    """
    cleaned = "".join(recovery_key.split()).replace("-", "").upper()
    if not _KEY_SHAPE.fullmatch(cleaned):
        raise ValueError("recovery_key must be 32 Crockford base32 characters in 8 groups of 4")
    return "-".join(cleaned[i : i + 4] for i in range(0, 32, 4))


def recovery_key_qr(recovery_key: str) -> segno.QRCode:
    """The QR code printed on the kit: a full-size (not Micro) QR of the canonical key."""
    return segno.make(canonical_key(recovery_key), error=QR_ERROR, micro=False)


def build_recovery_kit(
    out: Path | BinaryIO,
    *,
    clinic_name: str,
    clinic_id: str,
    recovery_key: str,
    created_at: datetime,
    translate: Translate = english,
) -> None:
    """Write the recovery kit PDF to ``out`` (a path, replaced atomically, or a binary stream)."""
    if created_at.tzinfo is None:
        raise ValueError("created_at must be timezone-aware")
    data = _render(
        clinic_name=clinic_name,
        clinic_id=clinic_id,
        key=canonical_key(recovery_key),
        created_at=created_at,
        translate=translate,
    )
    if isinstance(out, os.PathLike | str):
        write_atomic(Path(out), data)  # owner-only: the kit is a secret
    else:
        out.write(data)


@dataclass(frozen=True)
class _Fit:
    """How tightly the page is set: a wordy translation gets less air, never a 2nd page."""

    gap: float  # scales the space between sections
    paragraph_lines: int  # the most lines one paragraph may take


_FITS = (_Fit(1.0, 6), _Fit(0.5, 6), _Fit(0.3, 4), _Fit(0.2, 3))


def _render(
    *, clinic_name: str, clinic_id: str, key: str, created_at: datetime, translate: Translate
) -> bytes:
    fonts.register_fonts()

    def draw(c: Canvas, fit: _Fit) -> float:
        return _draw_page(c, fit, clinic_name, clinic_id, key, created_at, translate)

    # Lay out on scratch canvases until the page fits inside the bottom margin.
    fit = next(
        (f for f in _FITS if draw(fonts.new_canvas(io.BytesIO(), pagesize=A4), f) >= MARGIN),
        _FITS[-1],
    )
    buf = io.BytesIO()
    c = fonts.new_canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle(translate("RecoveryKit", "ClinicDesk recovery kit"))
    c.setAuthor("ClinicDesk")
    c.setSubject(translate("RecoveryKit", "Recovery key for the clinic's encrypted data"))
    c.setCreator("ClinicDesk")
    draw(c, fit)
    c.showPage()
    c.save()
    return buf.getvalue()


def _draw_page(
    c: Canvas,
    fit: _Fit,
    clinic_name: str,
    clinic_id: str,
    key: str,
    created_at: datetime,
    translate: Translate,
) -> float:
    """Draw the page top to bottom; return the lowest point drawn."""
    lines, gap = fit.paragraph_lines, fit.gap
    y = PAGE_H - MARGIN
    y = _title(c, y, translate("RecoveryKit", "ClinicDesk recovery kit"))
    y = _details(c, y, clinic_name, clinic_id, created_at, translate)
    y = _key_box(c, y - 10 * gap, key, translate)

    y = _heading(c, y - 26 * gap, translate("RecoveryKit", "What this key is for"))
    y = _paragraph(
        c,
        y - 4,
        translate(
            "RecoveryKit",
            "This key opens the clinic's encrypted data on a new computer, or when the "
            "clinic passphrase has been forgotten. Whoever holds it can open every patient "
            "record, so guard it as carefully as the passphrase.",
        ),
        max_lines=lines,
    )
    y = _heading(c, y - 18 * gap, translate("RecoveryKit", "How to keep it"))
    for item in (
        translate(
            "RecoveryKit",
            "Keep it on paper, in a locked place away from the computer, such as a locked "
            "drawer or a safe.",
        ),
        translate(
            "RecoveryKit",
            "Never photograph it, scan it, email it or send it in a chat message.",
        ),
        translate(
            "RecoveryKit",
            "If this page was saved as a file, delete the file once the page is printed.",
        ),
    ):
        y = _paragraph(c, y - 4 * gap, item, bullet=True, max_lines=lines)

    y = _warning(
        c,
        y - 24 * gap,
        translate(
            "RecoveryKit",
            "If the passphrase, this recovery key and every computer's saved key are all "
            "lost, the clinic's data cannot be recovered by anyone, including ClinicDesk's "
            "makers.",
        ),
        max_lines=WARNING_MAX_LINES,  # never squeezed: this sentence must be read whole
    )
    # Room above the line to write a name and a date by hand.
    return _paragraph(
        c,
        y - 48 * gap,
        fill(
            translate("RecoveryKit", "Stored by {name} on {date}"),
            name="_" * 28,
            date="_" * 16,
        ),
        size=11,
        max_lines=lines,
    )


def _title(c: Canvas, top: float, title: str) -> float:
    size = 22
    y = top - size * 0.8
    for line in wrap(printable(title), size, WIDTH, max_lines=2, bold=True):
        draw_text(c, LEFT, y, line, size, bold=True)
        y -= size * 1.25
    y += size * 1.25 - 12
    c.saveState()
    c.setStrokeGray(RULE_GREY)
    c.setLineWidth(0.75)
    c.line(LEFT, y, RIGHT, y)
    c.restoreState()
    return y


def _details(
    c: Canvas,
    top: float,
    clinic_name: str,
    clinic_id: str,
    created_at: datetime,
    translate: Translate,
) -> float:
    label_size, value_size, leading = 10, 12, 16
    labels = [
        printable(translate("RecoveryKit", "Clinic")),
        printable(translate("RecoveryKit", "Clinic ID")),
        printable(translate("RecoveryKit", "Created")),
    ]
    label_w = min(max(text_width(s, label_size) for s in labels) + 14, WIDTH * 0.3)
    value_w = WIDTH - label_w
    created = created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M") + " UTC"
    values = [
        wrap(printable(clinic_name) or "—", value_size, value_w, max_lines=NAME_MAX_LINES),
        wrap(printable(clinic_id) or "—", value_size, value_w, max_lines=2),
        [created],
    ]
    y = top - 24
    for label, lines in zip(labels, values, strict=True):
        c.setFillGray(GREY)
        for line in wrap(label, label_size, label_w - 6, max_lines=1):
            draw_text(c, LEFT, y, line, label_size)
        c.setFillGray(0)
        for line in lines:
            draw_text(c, LEFT + label_w, y, line, value_size)
            y -= leading
        y -= 4
    return y + leading + 4 - value_size * 0.3


def _key_box(c: Canvas, top: float, key: str, translate: Translate) -> float:
    """The key in two rows of four groups, with its QR code beside it, in a box."""
    heading_y = _heading(c, top - 10, translate("RecoveryKit", "Recovery key"))
    pad, gap = 14.0, 18.0
    qr = recovery_key_qr(key)
    quiet = 4  # the white margin a scanner needs around the code, in modules
    modules = len(qr.matrix) + 2 * quiet
    qr_size: float = 40 * mm
    module = qr_size / modules

    rows = [key[:19], key[20:]]
    key_w = WIDTH - 2 * pad - gap - qr_size
    # Size the key (bold, in the mono face) to fill its column.
    char_space_em = 0.08
    em_width = fonts.text_width(rows[0], 1.0, bold=True, mono=True) + len(rows[0]) * char_space_em
    size = min(26.0, key_w / em_width)
    char_space = size * char_space_em
    line_gap = size * 1.35

    caption = wrap(
        printable(
            translate(
                "RecoveryKit",
                "The key has no letters I, L, O or U: 0 is zero and 1 is one.",
            )
        ),
        9,
        key_w,
        max_lines=3,
    )
    caption_h = 6 + 12 * len(caption)
    key_h = size * 0.75 + line_gap + caption_h
    box_h = max(key_h, qr_size) + 2 * pad
    box_top = heading_y - 10
    box_bottom = box_top - box_h

    c.saveState()
    c.setStrokeGray(RULE_GREY)
    c.setLineWidth(1)
    c.roundRect(LEFT, box_bottom, WIDTH, box_h, 6, stroke=1, fill=0)
    c.restoreState()

    y = box_top - pad - (box_h - 2 * pad - key_h) / 2 - size * 0.75
    for row in rows:
        draw_text(c, LEFT + pad, y, row, size, bold=True, mono=True, char_space=char_space)
        y -= line_gap
    y += line_gap - size * 0.2 - 6 - 9
    c.setFillGray(GREY)
    for line in caption:
        draw_text(c, LEFT + pad, y, line, 9)
        y -= 12
    c.setFillGray(0)

    _draw_qr(
        c,
        qr,
        x=RIGHT - pad - qr_size + quiet * module,
        y=box_bottom + (box_h - qr_size) / 2 + quiet * module,
        module=module,
    )
    return box_bottom


def _draw_qr(c: Canvas, qr: segno.QRCode, *, x: float, y: float, module: float) -> None:
    """Draw the QR as vector rectangles, one per horizontal run of dark modules.

    The modules live in a form XObject in module units, so the drawing can be
    read back and compared with the code; one filled path leaves no hairline
    seams between neighbouring modules.
    """
    matrix = qr.matrix
    n = len(matrix)
    c.beginForm(QR_FORM, 0, 0, n, n)
    path = c.beginPath()
    for col, row, length in dark_runs(matrix):
        path.rect(col, row, length, 1)
    c.setFillGray(0)
    c.drawPath(path, stroke=0, fill=1)
    c.endForm()

    c.saveState()
    c.translate(x, y)
    c.scale(module, module)
    c.doForm(QR_FORM)
    c.restoreState()


def _heading(c: Canvas, top: float, text: str) -> float:
    size = 13.0
    lines = wrap(printable(text), size, WIDTH, max_lines=2, bold=True)
    y = top
    for line in lines:
        y -= size * 1.2
        draw_text(c, LEFT, y, line, size, bold=True)
    return y - size * 0.3


def _paragraph(
    c: Canvas, top: float, text: str, *, max_lines: int, size: float = 11, bullet: bool = False
) -> float:
    leading = size * 1.45
    indent = 14.0 if bullet else 0.0
    lines = wrap(printable(text), size, WIDTH - indent, max_lines=max_lines)
    y = top
    for i, line in enumerate(lines):
        y -= leading
        if bullet and i == 0:
            draw_text(c, LEFT + 3, y, "•", size)
        draw_text(c, LEFT + indent, y, line, size)
    return y - size * 0.3


def _warning(c: Canvas, top: float, text: str, *, max_lines: int) -> float:
    """The one sentence that must not be missed, bold, in a black box."""
    size, pad = 11.0, 10.0
    leading = size * 1.45
    lines = wrap(printable(text), size, WIDTH - 2 * pad, max_lines=max_lines, bold=True)
    box_h = 2 * pad + leading * (len(lines) - 1) + size
    c.saveState()
    c.setLineWidth(1.5)
    c.rect(LEFT, top - box_h, WIDTH, box_h, stroke=1, fill=0)
    c.restoreState()
    y = top - pad - size * 0.8
    for line in lines:
        draw_text(c, LEFT + pad, y, line, size, bold=True)
        y -= leading
    return top - box_h

"""Fonts for printed documents, and measuring, wrapping and drawing text with them.

The bundled ``DroidSansFallbackFull.ttf`` covers Chinese (and full-width forms)
but has no glyphs for basic Latin: not even A-Z or 0-9. So text is drawn with a
small font stack, run by run: characters the PDF base-14 Latin fonts can show
(Windows-1252) use Helvetica (every PDF viewer has it, nothing to ship), the
rest use the embedded CJK font, and characters neither can show are dropped
or replaced, so an emoji in a clinic name never breaks a printout.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

from clinic_desk.core.errors import ClinicError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.paths import resources_dir

FONT_NAME = "ClinicSans"
FONT_FILE = "DroidSansFallbackFull.ttf"

# Base-14 fonts: built into reportlab (metrics) and every PDF viewer (glyphs).
LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
MONO_BOLD = "Courier-Bold"

ELLIPSIS = "…"  # in Windows-1252, so Helvetica draws it (the CJK font has none)

_lock = threading.Lock()
_cjk_cmap: dict[int, int] | None = None


class FontMissing(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "The font file {path} that ClinicDesk needs for printing is missing. "
        "Reinstall ClinicDesk to restore it.",
    )


class FontDamaged(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "The font file {path} that ClinicDesk needs for printing is damaged ({detail}). "
        "Reinstall ClinicDesk to restore it.",
    )


def font_path() -> Path:
    return resources_dir() / "fonts" / FONT_FILE


def register_fonts() -> str:
    """Register the CJK font with reportlab once per process; return its name.

    reportlab embeds a TTFont as a subset holding only the glyphs a document uses.
    """
    global _cjk_cmap
    if _cjk_cmap is not None:  # fast path, no lock once registered
        return FONT_NAME
    with _lock:
        if _cjk_cmap is None:
            path = font_path()
            if not path.is_file():
                raise FontMissing(path=str(path))
            try:
                font = TTFont(FONT_NAME, str(path))
            except (TTFError, OSError) as exc:
                raise FontDamaged(path=str(path), detail=str(exc)) from exc
            pdfmetrics.registerFont(font)
            _cjk_cmap = font.face.charToGlyph
    return FONT_NAME


def _cmap() -> dict[int, int]:
    register_fonts()
    assert _cjk_cmap is not None
    return _cjk_cmap


def _latin_can_draw(ch: str) -> bool:
    # The base-14 fonts use WinAnsiEncoding; Python's cp1252 leaves its 5 holes undefined.
    if ch < " " or "\x7f" <= ch <= "\x9f":
        return False
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _cjk_can_draw(ch: str) -> bool:
    return ord(ch) in _cmap()


def can_draw(ch: str) -> bool:
    """Whether some font in the stack has a glyph for ``ch``."""
    return _latin_can_draw(ch) or _cjk_can_draw(ch)


def printable(text: str) -> str:
    """``text`` on one line with only characters the fonts can draw.

    Line breaks and other whitespace become single spaces. Letters and digits
    without a glyph (a rare character outside the font) become "?" so the reader
    sees something is there; emoji, symbols and invisible marks are dropped.
    """
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        if ch.isspace() or unicodedata.category(ch) == "Cc":
            out.append(" ")
        elif can_draw(ch):
            out.append(ch)
        elif unicodedata.category(ch)[0] in "LN":
            out.append("?")
    return " ".join("".join(out).split())


def runs(text: str, *, bold: bool = False, mono: bool = False) -> list[tuple[str, str]]:
    """Split ``printable`` text into ``(font name, chunk)`` runs."""
    latin = MONO_BOLD if mono else LATIN_BOLD if bold else LATIN
    cjk = register_fonts()
    result: list[tuple[str, str]] = []
    for ch in text:
        # Latin first: the CJK font's Latin-1 punctuation is full-width.
        font = latin if _latin_can_draw(ch) else cjk
        if result and result[-1][0] == font:
            result[-1] = (font, result[-1][1] + ch)
        else:
            result.append((font, ch))
    return result


def text_width(text: str, size: float, *, bold: bool = False, mono: bool = False) -> float:
    return sum(
        float(pdfmetrics.stringWidth(chunk, font, size))
        for font, chunk in runs(text, bold=bold, mono=mono)
    )


def draw_text(
    canvas: Canvas,
    x: float,
    y: float,
    text: str,
    size: float,
    *,
    bold: bool = False,
    mono: bool = False,
    char_space: float = 0.0,
) -> float:
    """Draw ``printable`` text with its baseline at ``y``; return the width drawn.

    The CJK font has no bold face, so bold CJK runs are filled and stroked
    with a thin outline of the same colour.
    """
    canvas.saveState()
    if bold:
        canvas.setLineWidth(size * 0.03)
        canvas.setLineJoin(1)
    cjk = register_fonts()
    t = canvas.beginText(x, y)
    t.setCharSpace(char_space)
    width = 0.0
    for font, chunk in runs(text, bold=bold, mono=mono):
        t.setFont(font, size)
        t.setTextRenderMode(2 if bold and font == cjk else 0)
        t.textOut(chunk)
        width += float(pdfmetrics.stringWidth(chunk, font, size)) + char_space * len(chunk)
    canvas.drawText(t)
    canvas.restoreState()
    return width


# A token is a run of whitespace, a single wide (CJK) character, which may break
# on either side, or a run of other characters, which breaks only at spaces.
_WIDE = (
    "\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
)
_TOKEN = re.compile(rf"\s+|[{_WIDE}]|[^\s{_WIDE}]+")
_NO_LINE_START = "，。、；：！？）」』】》〉〕｝％…’”"
_NO_LINE_END = "（「『【《〈〔｛“‘"


def _longest_prefix(text: str, size: float, width: float, bold: bool) -> int:
    """How many leading characters of ``text`` fit in ``width`` (at least 1)."""
    lo, hi = 1, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_width(text[:mid], size, bold=bold) <= width:
            lo = mid
        else:
            hi = mid - 1
    return lo


def wrap(text: str, size: float, width: float, *, max_lines: int, bold: bool = False) -> list[str]:
    """Greedy-wrap ``printable`` text into at most ``max_lines`` lines of ``width``.

    If it does not fit, the last line ends with an ellipsis. Stops reading as
    soon as the lines are full, so a 10,000-character name costs no more than
    a short one.
    """
    lines: list[str] = []
    current = ""
    truncated = False
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token.isspace():
            if current:
                current += " "
            continue
        if text_width(current + token, size, bold=bold) <= width:
            current += token
            continue
        # Chinese line breaking: no closing punctuation at the start of a line and no
        # opening bracket at the end, so carry characters over to the next line.
        while (
            len(current.rstrip()) > 1
            and not current[-1].isspace()
            and (token[0] in _NO_LINE_START or current[-1] in _NO_LINE_END)
        ):
            token = current[-1] + token
            current = current[:-1]
        if current.strip():
            lines.append(current.rstrip())
        current = ""
        # A word longer than the line is broken wherever it must be.
        while text_width(token, size, bold=bold) > width and len(lines) <= max_lines:
            cut = _longest_prefix(token, size, width, bold)
            lines.append(token[:cut])
            token = token[cut:]
        current = token
        if len(lines) > max_lines:
            truncated = True
            break
    if current.strip() and not truncated:
        lines.append(current.rstrip())
    if len(lines) > max_lines:
        truncated = True
    if truncated:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(last + ELLIPSIS, size, bold=bold) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + ELLIPSIS
    return lines

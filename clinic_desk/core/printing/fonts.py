"""Fonts for printed documents, and measuring, wrapping and drawing text with them.

Everything is drawn with the bundled ``wqy-microhei.ttc`` (WenQuanYi Micro Hei,
a TrueType collection): face 0 is the proportional face used for all text,
face 1 the monospaced face used for the recovery key. It covers Latin, digits,
punctuation and Simplified and Traditional Chinese, so a printout uses no
other font, and reportlab embeds (subsets) every glyph, Latin included: the page
prints the same on every computer and printer. Characters the font cannot draw
are dropped or replaced, so an emoji in a clinic name never breaks a printout.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

from reportlab.lib.colors import black
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

from clinic_desk.core.errors import ClinicError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.paths import resources_dir

FONT_NAME = "ClinicSans"
MONO_FONT_NAME = "ClinicSansMono"
FONT_FILE = "wqy-microhei.ttc"
REGULAR_INDEX = 0  # "WenQuanYi Micro Hei"
MONO_INDEX = 1  # "WenQuanYi Micro Hei Mono": every character 0.6 em wide, CJK 1 em

# The font has no bold face: bold is faked by stroking the outline as well as
# filling it. The stroke (this fraction of the size) fattens each glyph by half
# its width on either side, so bold text gets as much extra letter spacing.
BOLD_STROKE = 0.03

ELLIPSIS = "…"

_lock = threading.Lock()
_regular_cmap: dict[int, int] | None = None


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
    """Register the regular and mono faces with reportlab once per process.

    Returns the regular face's name. reportlab embeds a TTFont as a subset
    holding only the glyphs a document uses.
    """
    global _regular_cmap
    if _regular_cmap is not None:  # fast path, no lock once registered
        return FONT_NAME
    with _lock:
        if _regular_cmap is None:
            path = font_path()
            if not path.is_file():
                raise FontMissing(path=str(path))
            try:
                regular = TTFont(FONT_NAME, str(path), subfontIndex=REGULAR_INDEX)
                mono = TTFont(MONO_FONT_NAME, str(path), subfontIndex=MONO_INDEX)
            except (TTFError, OSError) as exc:
                raise FontDamaged(path=str(path), detail=str(exc)) from exc
            pdfmetrics.registerFont(regular)
            pdfmetrics.registerFont(mono)
            _regular_cmap = _visible_glyphs(regular)
    return FONT_NAME


def _visible_glyphs(font: TTFont) -> dict[int, int]:
    """The font's character map less the characters whose glyph has no outline.

    The font maps a few characters (℃, ℉, the pinyin ǎ ǐ ǒ ǔ) to empty glyphs:
    drawn, they would leave a gap where the reader expects a sign.
    """
    face = font.face
    positions: list[int] = list(getattr(face, "glyphPos", []))
    cmap: dict[int, int] = dict(face.charToGlyph)
    if len(positions) < 2:
        return cmap
    return {
        code: glyph
        for code, glyph in cmap.items()
        if glyph + 1 >= len(positions)
        or positions[glyph + 1] > positions[glyph]
        or chr(code).isspace()
    }


def _cmap() -> dict[int, int]:
    register_fonts()
    assert _regular_cmap is not None
    return _regular_cmap


def new_canvas(out: str | BinaryIO, **kwargs: Any) -> Canvas:
    """A reportlab canvas whose initial font is the embedded font.

    A plain ``Canvas`` starts every page with Helvetica selected, which puts a
    non-embedded standard font into the PDF even if no text is drawn with it.
    """
    register_fonts()
    return Canvas(out, initialFontName=FONT_NAME, **kwargs)


def can_draw(ch: str) -> bool:
    """Whether the font has a visible glyph for ``ch``.

    Control and format characters (zero-width joiners, direction marks, soft
    hyphens) are never drawn, even where the font maps them to a glyph.
    """
    if unicodedata.category(ch) in ("Cc", "Cf"):
        return False
    return ord(ch) in _cmap()


def _compatible(ch: str) -> bool:
    """Whether ``ch`` has a compatibility spelling the font can draw (℃ is °C)."""
    plain = unicodedata.normalize("NFKC", ch)
    return plain != ch and plain.strip() != "" and all(can_draw(c) for c in plain)


def _base_letter(ch: str) -> str:
    """``ch`` without the accents the font cannot draw (ǚ → ü, ǎ → a), or ""."""
    parts = unicodedata.normalize("NFD", ch)
    while len(parts) > 1:
        parts = parts[:-1]
        composed = unicodedata.normalize("NFC", parts)
        if all(can_draw(c) for c in composed):
            return composed
    return ""


@lru_cache(maxsize=8192)
def printable(text: str) -> str:
    """``text`` on one line with only characters the font can draw.

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
        elif _compatible(ch):
            # ℃ → °C, ㎎ → mg, ① → 1: the font lacks the sign but has its plain spelling.
            out.append(unicodedata.normalize("NFKC", ch))
        elif _base_letter(ch):
            # ǎ → a: a letter whose accent the font lacks keeps its letter.
            out.append(_base_letter(ch))
        elif unicodedata.category(ch)[0] in "LN":
            out.append("?")
    return " ".join("".join(out).split())


def _font(mono: bool) -> str:
    register_fonts()
    return MONO_FONT_NAME if mono else FONT_NAME


def text_width(text: str, size: float, *, bold: bool = False, mono: bool = False) -> float:
    width = _width(text, size, mono)
    if bold:
        width += BOLD_STROKE * size * len(text)
    return width


@lru_cache(maxsize=32768)
def _width(text: str, size: float, mono: bool) -> float:
    # Cached: a document is laid out twice, and wrapping measures the same prefixes again.
    return float(pdfmetrics.stringWidth(text, _font(mono), size))


MEASURING = "_clinicdesk_measuring"


def measuring_canvas(out: str | BinaryIO, **kwargs: Any) -> Canvas:
    """A canvas for a layout pass that is only measured, never saved: ``draw_text``
    on it returns the width it would draw without drawing (the costly part)."""
    canvas = new_canvas(out, **kwargs)
    setattr(canvas, MEASURING, True)
    return canvas


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

    The font has no bold face, so bold text is filled and stroked with an
    outline in the fill colour, and spaced out by the outline's width.
    """
    stroke = BOLD_STROKE * size if bold else 0.0
    char_space += stroke
    width = _width(text, size, mono) + char_space * len(text)
    if getattr(canvas, MEASURING, False):
        return width  # the measuring pass needs only the width: drawing is the costly part
    canvas.saveState()
    if bold:
        canvas.setLineWidth(stroke)
        canvas.setLineJoin(1)
        # The outline takes the colour of the letters, so grey text stays grey.
        canvas.setStrokeColor(getattr(canvas, "_fillColorObj", black))
    t = canvas.beginText(x, y)
    t.setFont(_font(mono), size)
    t.setCharSpace(char_space)
    t.setTextRenderMode(2 if bold else 0)
    t.textOut(text)
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

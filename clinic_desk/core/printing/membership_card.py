"""The membership card (会员卡, spec H2): a credit-card-sized card per member.

The front: the clinic's name on a band in the tier's colour, the tier's name, the
member's name, the card number in groups ("1234 5678 9012 3"), the valid-until
day and a QR code holding the card number's digits only, so a scanner at the
desk types them into the search box. The back: the tier's benefits as short
lines ("Family-doctor home visits: 4 a year"), "Present this card at the desk"
and the clinic's phone and address.

Two layouts of the same cards:

- card stock: each card is two ID-1 (CR80, 85.6 x 54 mm) pages, its front then
  its back, as a card printer takes them; a family prints one pair per member.
- ``sheet=True``: A4 paper for clinics without a card printer. Each member's
  front and back sit side by side, sharing an edge, with corner marks to cut the
  pair out and marks at the shared edge to fold it on: folded back to back, the
  back reads the right way up. Four members to a sheet.

Names and clinic names of any length shrink, then wrap, then (only past two or
three lines at the smallest readable size) end in an ellipsis: nothing is drawn
outside the card. Every fixed word comes from the caller's labels (English by
default); the member is printed by full name (a family shares a surname, so a
form of address would not tell whose card it is).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from clinic_desk.core.printing import fonts
from clinic_desk.core.printing.fonts import draw_text, printable, text_width, wrap
from clinic_desk.core.printing.layout import day_text, document_canvas, fill
from clinic_desk.core.printing.qr import QUIET, draw_qr, make_qr

CARD_W: float = 85.6 * mm  # ID-1 / CR80
CARD_H: float = 54.0 * mm
# Card printers print to the edge, but the card may sit a millimetre off in the
# hopper: text keeps this far in. The tier's colour band runs to the edge (bleed).
SAFE: float = 3.5 * mm
MAX_EXTRA_MM = 3.0  # the printer-margin setting widens the card's margin by at most this
SHEET_W: float = 210 * mm
SHEET_H: float = 297 * mm
SHEET_MARGIN: float = 15 * mm
ROW_GAP: float = 12 * mm  # between pairs on a sheet: room for the cut marks of both
MARK: float = 4 * mm  # length of a cut mark
MARK_OFFSET: float = 1.5 * mm  # marks stop short of the card, so a cut never shows one

DEFAULT_COLOR = "#2F6F62"
LEAD = 1.2  # line height as a share of the type size: a card is set tight
GREY = 0.35


@dataclass(frozen=True)
class MembershipCardLabels:
    """Every fixed word on the card, in one language (default English)."""

    title: str = "Membership card"
    member: str = "Member"
    card_no: str = "Card no."
    valid_until: str = "Valid until {date}"
    valid_between: str = "Valid {first} to {last}"
    date_format: str = "{year}-{month:02d}-{day:02d}"
    benefits: str = "Member benefits"
    per_year: str = "{label}: {n} a year"
    per_years: str = "{label}: {n} every {count} years"
    per_month: str = "{label}: {n} a month"
    per_months: str = "{label}: {n} every {count} months"
    # The known benefits' names (membership.BENEFITS) in this language, by key.
    benefit_names: Mapping[str, str] = field(default_factory=dict)
    phone: str = "Phone {phone}"
    present: str = "Present this card at the desk."
    cut: str = "Cut out along the corner marks, fold on the marks in the middle, and laminate."


@dataclass(frozen=True)
class CardBenefit:
    """One of the tier's benefits as the back of the card says it."""

    key: str
    kind: str = "flag"  # "flag" | "quota"
    quota: int = 0
    unit: str = "year"  # "year" | "month"
    count: int = 1
    label: str = ""  # the tier's own words for a custom benefit; else the English name


@dataclass(frozen=True)
class MembershipCard:
    clinic_name: str
    card_no: str  # as shown: "1234 5678 9012 3"
    tier: str  # the tier's name in the card's language
    members: tuple[str, ...]  # one card each, the payer first
    valid_until: date
    valid_from: date | None = None  # set only when the membership starts after today
    color: str = ""  # the tier's colour, "#RRGGBB"; "" for the default
    benefits: tuple[CardBenefit, ...] = ()
    phone: str = ""
    address: str = ""

    @property
    def digits(self) -> str:
        """What the QR code holds: the card number's digits, no spaces."""
        return "".join(ch for ch in self.card_no if ch.isdigit())


# -- colours --------------------------------------------------------------------------------------

RGB = tuple[float, float, float]


def tier_rgb(color: str) -> RGB:
    """``#RRGGBB`` (or ``#RGB``) as 0-1 floats; anything else gives the default colour."""
    text = color.strip().lstrip("#")
    if len(text) == 3:
        text = "".join(ch * 2 for ch in text)
    try:
        value = int(text, 16) if len(text) == 6 else -1
    except ValueError:
        value = -1
    if value < 0:
        return tier_rgb(DEFAULT_COLOR)
    return ((value >> 16 & 255) / 255, (value >> 8 & 255) / 255, (value & 255) / 255)


def _luminance(rgb: RGB) -> float:
    r, g, b = rgb
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def band_ink(rgb: RGB) -> RGB:
    """White on a dark band, near-black on a light one (a gold or pale tier)."""
    return (1.0, 1.0, 1.0) if _luminance(rgb) < 0.6 else (0.1, 0.1, 0.1)


def accent_ink(rgb: RGB) -> RGB:
    """The tier's colour dark enough to read as text on white."""
    r, g, b = rgb
    lum = _luminance(rgb)
    if lum <= 0.4:
        return rgb
    k = 0.4 / lum
    return (r * k, g * k, b * k)


# -- fitting text ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    lines: tuple[str, ...]
    size: float
    bold: bool = False

    @property
    def height(self) -> float:
        return len(self.lines) * self.size * LEAD


def fit_block(
    text: str,
    width: float,
    *,
    size: float,
    smallest: float,
    max_lines: int,
    bold: bool = False,
    room: float | None = None,
) -> _Block:
    """``text`` at the largest size from ``size`` down to ``smallest`` (half points) that
    wraps into ``max_lines`` lines of ``width`` (and, with ``room``, no taller than it);
    at ``smallest`` the last line that fits ends with an ellipsis."""
    clean = printable(text)
    if not clean:
        return _Block((), size, bold)

    def lines_at(s: float) -> int:
        k = max_lines
        if room is not None:
            k = min(k, int(room // (s * LEAD)))
        return max(1, k)

    s = size
    while s > smallest:
        k = lines_at(s)
        lines = wrap(clean, s, width, max_lines=k + 1, bold=bold)
        if len(lines) <= k and not lines[-1].endswith(fonts.ELLIPSIS):
            return _Block(tuple(lines), s, bold)
        s -= 0.5
    k = lines_at(smallest)
    return _Block(tuple(wrap(clean, smallest, width, max_lines=k, bold=bold)), smallest, bold)


def _draw_block(
    c: Canvas,
    block: _Block,
    x: float,
    top: float,
    *,
    rgb: RGB = (0.0, 0.0, 0.0),
    right: float | None = None,
) -> float:
    """Draw ``block`` from ``top`` down (right-aligned to ``right`` if given); return the
    y under it."""
    c.setFillColorRGB(*rgb)
    y = top
    for line in block.lines:
        base = y - block.size * 0.95
        at = x if right is None else right - text_width(line, block.size, bold=block.bold)
        draw_text(c, at, base, line, block.size, bold=block.bold)
        y -= block.size * LEAD
    c.setFillGray(0)
    return y


# -- the benefits as lines ------------------------------------------------------------------------


def benefit_lines(benefits: Sequence[CardBenefit], labels: MembershipCardLabels) -> list[str]:
    """Each benefit as a short line; a quota says how many per period."""
    out: list[str] = []
    for b in benefits:
        name = labels.benefit_names.get(b.key, "").strip() or b.label.strip() or b.key
        if b.kind != "quota":
            out.append(name)
            continue
        if b.quota <= 0:
            continue  # a quota of none is no benefit to print
        if b.unit == "month":
            template = labels.per_month if b.count == 1 else labels.per_months
        else:
            template = labels.per_year if b.count == 1 else labels.per_years
        out.append(fill(template, label=name, n=b.quota, count=b.count))
    return out


# -- one card -------------------------------------------------------------------------------------


class _CardDrawer:
    """Draws a card's front or back at the canvas's origin (its bottom-left corner)."""

    def __init__(self, card: MembershipCard, labels: MembershipCardLabels, margin: float) -> None:
        self.card = card
        self.lab = labels
        self.m = margin
        self.rgb = tier_rgb(card.color)
        digits = card.digits
        self.qr = make_qr(digits) if digits else None

    def _band(self, c: Canvas, height: float) -> None:
        c.saveState()
        c.setFillColorRGB(*self.rgb)
        c.rect(0, CARD_H - height, CARD_W, height, stroke=0, fill=1)
        c.restoreState()

    def valid_text(self) -> str:
        lab, card = self.lab, self.card
        last = day_text(lab.date_format, card.valid_until)
        if card.valid_from is not None:
            first = day_text(lab.date_format, card.valid_from)
            return fill(lab.valid_between, first=first, last=last)
        return fill(lab.valid_until, date=last)

    def front(self, c: Canvas, member: str) -> None:
        m, lab, card = self.m, self.lab, self.card
        width = CARD_W - 2 * m
        pad = 2.2 * mm
        # The band: the clinic's name (up to two lines) over the card's title.
        title = fit_block(lab.title, width, size=6.5, smallest=5, max_lines=1)
        clinic = fit_block(card.clinic_name, width, size=10.5, smallest=6, max_lines=2, bold=True)
        band_h = max(11 * mm, m + clinic.height + title.height + pad)
        self._band(c, band_h)
        ink = band_ink(self.rgb)
        y = _draw_block(c, clinic, m, CARD_H - m, rgb=ink)
        _draw_block(c, title, m, y, rgb=ink)
        # The QR code at the bottom right: its modules inside the margin, its quiet
        # zone (blank) free to reach into it.
        side = 19 * mm
        n = len(self.qr.matrix) if self.qr is not None else 21
        quiet = QUIET * side / (n + 2 * QUIET)
        qr_x = CARD_W - m - side + quiet
        qr_y = max(0.0, m - quiet)
        if self.qr is not None:
            draw_qr(c, self.qr, x=qr_x, y=qr_y, size=side)
        # The tier's name across the width above the code, in the tier's colour; the
        # rest in the column beside the code.
        column = qr_x + quiet - 2 * mm - m
        top = CARD_H - band_h - 1.8 * mm
        tier = fit_block(card.tier, width, size=12, smallest=7, max_lines=1, bold=True)
        label = fit_block(lab.member, column, size=6, smallest=5, max_lines=1)
        number = fit_block(card.card_no, column, size=12, smallest=7, max_lines=1, bold=True)
        number_label = fit_block(lab.card_no, column, size=6, smallest=5, max_lines=1)
        valid = fit_block(self.valid_text(), column, size=7, smallest=5, max_lines=2)
        gap = 1.0 * mm
        fixed = tier.height + label.height + number_label.height + number.height
        fixed += valid.height + 2 * gap
        room = top - m - fixed
        name = fit_block(member, column, size=13, smallest=6.5, max_lines=3, bold=True, room=room)
        y = _draw_block(c, tier, m, top, rgb=accent_ink(self.rgb))
        y -= gap
        y = _draw_block(c, label, m, y, rgb=(GREY, GREY, GREY))
        _draw_block(c, name, m, y)
        # The number and the dates sit on the foot of the card, level with the code.
        y = m + number_label.height + number.height + valid.height
        y = _draw_block(c, number_label, m, y, rgb=(GREY, GREY, GREY))
        y = _draw_block(c, number, m, y)
        _draw_block(c, valid, m, y)

    def back(self, c: Canvas) -> None:
        m, lab, card = self.m, self.lab, self.card
        width = CARD_W - 2 * m
        pad = 1.5 * mm
        heading = " · ".join(p for p in (printable(card.tier), printable(lab.benefits)) if p)
        head = fit_block(heading, width, size=8, smallest=5.5, max_lines=1, bold=True)
        band_h = max(7 * mm, m + head.height + pad)
        self._band(c, band_h)
        _draw_block(c, head, m, CARD_H - m, rgb=band_ink(self.rgb))
        # From the foot up: the address, the phone, "present this card".
        foot: list[tuple[_Block, RGB]] = []
        present = fit_block(lab.present, width, size=7.5, smallest=5.5, max_lines=2, bold=True)
        foot.append((present, (0.0, 0.0, 0.0)))
        if card.phone.strip():
            phone = fill(lab.phone, phone=card.phone.strip())
            foot.append((fit_block(phone, width, size=7, smallest=5, max_lines=1), (0, 0, 0)))
        if card.address.strip():
            address = fit_block(card.address, width, size=6, smallest=5, max_lines=2)
            foot.append((address, (GREY, GREY, GREY)))
        foot_h = sum(b.height for b, _ in foot)
        rule_y = m + foot_h + 1.2 * mm
        y = rule_y - 1.0 * mm
        for block, rgb in foot:
            y = _draw_block(c, block, m, y, rgb=rgb)
        c.saveState()
        c.setStrokeColorRGB(*accent_ink(self.rgb))
        c.setLineWidth(0.6)
        c.line(m, rule_y, CARD_W - m, rule_y)
        c.restoreState()
        # The benefits fill what is left, as large as they fit.
        top = CARD_H - band_h - 1.5 * mm
        self._benefits(c, benefit_lines(card.benefits, lab), top, rule_y + 1.2 * mm, width)

    def _benefits(
        self, c: Canvas, items: Sequence[str], top: float, bottom: float, width: float
    ) -> None:
        if not items:
            return
        room = top - bottom
        size = 9.0
        while True:
            bullet_w = text_width("•  ", size)
            blocks = [
                tuple(wrap(printable(item), size, width - bullet_w, max_lines=3))
                for item in items
                if printable(item)
            ]
            height = sum(len(b) for b in blocks) * size * LEAD
            if height <= room or size <= 5.5:
                break
            size -= 0.25
        lead = size * LEAD
        fits = len(blocks)
        if height > room:
            # Too many for the card even small: as many as fit, and "…" for the rest.
            fits, used = 0, lead
            while fits < len(blocks) and used + len(blocks[fits]) * lead <= room:
                used += len(blocks[fits]) * lead
                fits += 1
        y = top
        for lines in blocks[:fits]:
            c.setFillColorRGB(*accent_ink(self.rgb))
            draw_text(c, self.m, y - size * 0.95, "•", size)
            c.setFillGray(0)
            for line in lines:
                draw_text(c, self.m + bullet_w, y - size * 0.95, line, size)
                y -= lead
        if fits < len(blocks) and room >= lead:
            draw_text(c, self.m + bullet_w, y - size * 0.95, fonts.ELLIPSIS, size)


# -- the document ---------------------------------------------------------------------------------


def _cut_marks(c: Canvas, x0: float, y0: float, x1: float, y1: float, fold_x: float) -> None:
    """Corner marks outside the rectangle, and fold marks above and below ``fold_x``."""
    c.saveState()
    c.setStrokeGray(0)
    c.setLineWidth(0.3)
    o, n = MARK_OFFSET, MARK
    for x, sx in ((x0, -1), (x1, 1)):
        for y, sy in ((y0, -1), (y1, 1)):
            c.line(x + sx * o, y, x + sx * (o + n), y)  # horizontal, level with the edge
            c.line(x, y + sy * o, x, y + sy * (o + n))  # vertical
    c.setDash(1.2, 1.2)
    c.line(fold_x, y1 + o, fold_x, y1 + o + n)
    c.line(fold_x, y0 - o, fold_x, y0 - o - n)
    c.restoreState()


def _clip_card(c: Canvas) -> None:
    path = c.beginPath()
    path.rect(0, 0, CARD_W, CARD_H)
    c.clipPath(path, stroke=0, fill=0)


def membership_card_pdf(
    card: MembershipCard,
    *,
    labels: MembershipCardLabels | None = None,
    sheet: bool = False,
    extra_margin_mm: float = 0.0,
) -> bytes:
    """The cards as a PDF: a front page and a back page (ID-1 size) per member, or with
    ``sheet`` A4 pages with each member's front and back side by side to cut out."""
    lab = labels or MembershipCardLabels()
    fonts.register_fonts()
    extra = max(0.0, min(float(extra_margin_mm), MAX_EXTRA_MM)) * mm
    drawer = _CardDrawer(card, lab, SAFE + extra)
    members = card.members or ("",)
    out = io.BytesIO()
    title = f"{lab.title} · {card.clinic_name}"
    size = (SHEET_W, SHEET_H) if sheet else (CARD_W, CARD_H)
    c = document_canvas(out, pagesize=size, title=title)
    if not sheet:
        for member in members:
            c.setPageSize((CARD_W, CARD_H))
            drawer.front(c, member)
            c.showPage()
            c.setPageSize((CARD_W, CARD_H))
            drawer.back(c)
            c.showPage()
    else:
        _sheets(c, drawer, members, lab, float(extra_margin_mm))
    c.save()
    return out.getvalue()


def sheet_rows(extra_margin_mm: float = 0.0) -> int:
    """How many front-and-back pairs an A4 sheet holds."""
    margin = _sheet_margin(extra_margin_mm)
    hint = 8 * mm
    usable = SHEET_H - 2 * margin - hint + ROW_GAP
    return max(1, int(usable // (CARD_H + ROW_GAP)))


def _sheet_margin(extra_margin_mm: float) -> float:
    extra = max(0.0, min(float(extra_margin_mm), 20.0)) * mm
    # Never so wide that a pair (and its marks) no longer fits across the sheet.
    widest = (SHEET_W - 2 * CARD_W) / 2 - MARK_OFFSET - MARK
    return float(min(SHEET_MARGIN + extra, max(widest, SHEET_MARGIN)))


def _sheets(
    c: Canvas,
    drawer: _CardDrawer,
    members: Sequence[str],
    lab: MembershipCardLabels,
    extra_margin_mm: float,
) -> None:
    margin = _sheet_margin(extra_margin_mm)
    rows = sheet_rows(extra_margin_mm)
    x0 = (SHEET_W - 2 * CARD_W) / 2
    for start in range(0, len(members), rows):
        c.setPageSize((SHEET_W, SHEET_H))
        hint = fit_block(lab.cut, SHEET_W - 2 * margin, size=8, smallest=6, max_lines=2)
        _draw_block(c, hint, margin, SHEET_H - margin, rgb=(GREY, GREY, GREY))
        top = SHEET_H - margin - 8 * mm
        for i, member in enumerate(members[start : start + rows]):
            y0 = top - CARD_H - i * (CARD_H + ROW_GAP)
            for x, face in ((x0, "front"), (x0 + CARD_W, "back")):
                c.saveState()
                c.translate(x, y0)
                _clip_card(c)
                if face == "front":
                    drawer.front(c, member)
                else:
                    drawer.back(c)
                c.restoreState()
            _cut_marks(c, x0, y0, x0 + 2 * CARD_W, y0 + CARD_H, x0 + CARD_W)
        c.showPage()


__all__ = [
    "CARD_H",
    "CARD_W",
    "CardBenefit",
    "MembershipCard",
    "MembershipCardLabels",
    "benefit_lines",
    "fit_block",
    "membership_card_pdf",
    "sheet_rows",
    "tier_rgb",
]

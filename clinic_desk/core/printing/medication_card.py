"""The medication reminder card (用药提醒卡, spec D2) the patient takes home.

Each card: the clinic and a QR code with its contact, the patient's form of
address (never a bare full name, spec C4), then one row per drug with its dose
and duration, a grid of the times of day it is due (a dot in the morning,
noon, evening and bedtime columns, with "before/after meals" under the dot)
and its cautions across the whole width. "When needed" and "once only" drugs
say so in place of the dots. The clinic's phone is at the foot of every card.

The large-print card (大字版) for the elderly uses bigger type and sets each
drug as a block, with the four times as a strip of labelled boxes under its
name; a narrow label roll gets the same blocks, as a table would leave the
drug column a finger wide. A card that is full continues on the next one,
headed "(continued)" and numbered "Card 2 / 3": nothing is cut off.

Bilingual cards print each fixed word in both languages (``second``), the
first one's above or before the second.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from reportlab.lib.units import mm

from clinic_desk.core.printing.fonts import text_width
from clinic_desk.core.printing.layout import (
    LIGHT,
    RULE_GREY,
    ClinicInfo,
    Flow,
    Footer,
    Line,
    day_text,
    fill,
    lines_height,
    render,
    wrap_lines,
)
from clinic_desk.core.printing.pages import page_spec
from clinic_desk.core.printing.qr import draw_qr, make_qr
from clinic_desk.core.rules import prescribing

TIMES = prescribing.TIMES_OF_DAY


@dataclass(frozen=True)
class MedicationCardLabels:
    """Every fixed word on the card, in one language (default English)."""

    title: str = "Medication reminder card"
    title_large: str = "Medication reminder card (large print)"
    continued: str = "{title} (continued)"
    card_no: str = "Card {n} / {total}"
    date_format: str = "{year}-{month:02d}-{day:02d}"
    issued: str = "Issued {date}"
    issued_by: str = "Issued {date} by {doctor}"
    drug: str = "Medicine"
    dose: str = "{dose} each time"
    days: str = "for {n} days"
    one_day: str = "for 1 day"
    caution: str = "Caution: {text}"
    questions: str = "Questions? Call {phone}"
    # Code tables: the times of day, how often, when, how; as printed.
    times: Mapping[str, str] = field(default_factory=lambda: dict(prescribing.TIME_LABELS))
    frequencies: Mapping[str, str] = field(
        default_factory=lambda: {c: f.label for c, f in prescribing.FREQUENCIES.items()}
    )
    timings: Mapping[str, str] = field(default_factory=lambda: dict(prescribing.TIMINGS))
    routes: Mapping[str, str] = field(default_factory=lambda: dict(prescribing.ROUTES))
    # Under the dot in a time column: the short word for the meal timing.
    meal_short: Mapping[str, str] = field(
        default_factory=lambda: {
            "before_meal": "before meals",
            "after_meal": "after meals",
            "with_meal": "with meals",
            "empty_stomach": "empty stomach",
        }
    )


@dataclass(frozen=True)
class CardDrug:
    """One prescription line as the card needs it (codes from ``rules.prescribing``)."""

    name: str  # the drug and its strength, e.g. "阿莫西林胶囊 0.25g"
    dose: str = ""  # per dose, e.g. "2粒"
    route: str = "oral"
    frequency: str = ""
    timing: str = ""
    duration_days: int | None = None
    cautions: str = ""

    def times(self) -> tuple[str, ...]:
        """The times of day the dose is due; () for "when needed" or an unknown code."""
        try:
            return prescribing.dose_times(self.frequency, self.timing)
        except KeyError:
            return ()


@dataclass(frozen=True)
class MedicationCard:
    clinic: ClinicInfo
    patient: str  # the form of address, e.g. 张女士
    drugs: tuple[CardDrug, ...]
    issued: date | None = None
    doctor: str = ""
    patient_second: str = ""  # the form of address in the second language (bilingual)


@dataclass(frozen=True)
class _Style:
    clinic: float
    title: float
    patient: float
    meta: float
    head: float
    name: float
    detail: float
    dot: float  # the dot's diameter
    footer: float
    qr: float  # the QR code's side, in points
    pad: float


_NORMAL = _Style(9, 12.5, 11, 7.5, 7.5, 8.5, 7.5, 6.5, 7.5, 16 * mm, 2.5)
_LARGE = _Style(12, 18, 18, 11, 14, 17, 14, 13, 13, 20 * mm, 4.0)
# A table whose drug column would be narrower than this share of the card is set as blocks.
_MIN_DRUG_SHARE = 0.4


def _join(first: str, second: str | None, sep: str = " ") -> str:
    if second is None or not second.strip() or second.strip() == first.strip():
        return first
    return f"{first}{sep}{second}"


class _Card:
    """Lays out and draws one card set with one style and one or two label sets."""

    def __init__(
        self,
        card: MedicationCard,
        labels: MedicationCardLabels,
        second: MedicationCardLabels | None,
        style: _Style,
        large: bool,
        width: float,
    ) -> None:
        self.card = card
        self.lab = labels
        self.second = second
        self.st = style
        self.large = large
        self.qr = make_qr(card.clinic.qr) if card.clinic.qr.strip() else None
        pad = style.pad
        # Time columns as wide as their widest heading (both languages), at least a dot's room.
        heads = [self._time_head(t) for t in TIMES]
        widest = max(text_width(line.text, style.head, bold=True) for h in heads for line in h)
        self.time_w = max(widest + 2 * pad + 2, style.dot * 3.4)
        self.drug_w = width - 4 * self.time_w
        self.table = not large and self.drug_w >= width * _MIN_DRUG_SHARE
        self.width = width

    # -- words --------------------------------------------------------------------------------

    def _both(self, pick: str) -> tuple[str, str | None]:
        first = getattr(self.lab, pick)
        second = getattr(self.second, pick) if self.second is not None else None
        return first, second

    def _time_head(self, time: str) -> list[Line]:
        first = self.lab.times.get(time, time)
        out = [first]
        if self.second is not None:
            other = self.second.times.get(time, time)
            if other != first:
                out.append(other)
        return [Line(s, self.st.head, bold=True) for s in out]

    def title(self, continued: bool) -> str:
        pick = "title_large" if self.large else "title"
        first, second = self._both(pick)
        if continued:
            # Each language marks its own title: "用药提醒卡（续） Medication card (continued)".
            first = fill(self.lab.continued, title=first)
            if self.second is not None and second is not None:
                second = fill(self.second.continued, title=second)
        return _join(first, second)

    def issued_line(self) -> str:
        card = self.card
        if card.issued is None:
            return ""
        lab = self.lab
        day = day_text(lab.date_format, card.issued)
        if card.doctor.strip():
            return fill(lab.issued_by, date=day, doctor=card.doctor.strip())
        return fill(lab.issued, date=day)

    def details(self, drug: CardDrug, labels: MedicationCardLabels, shown_times: bool) -> str:
        """Dose, route (when not by mouth), an unusual schedule, and the duration."""
        parts: list[str] = []
        if drug.dose.strip():
            parts.append(fill(labels.dose, dose=drug.dose.strip()))
        if drug.route and drug.route != "oral":
            parts.append(labels.routes.get(drug.route, drug.route))
        frequency = prescribing.FREQUENCIES.get(drug.frequency)
        # The grid says "twice a day"; it cannot say "every 8 hours" or "once a week".
        if (
            frequency is None
            or not shown_times
            or frequency.interval_hours
            or (frequency.doses_per_day is None)
        ):
            if drug.frequency:
                parts.append(labels.frequencies.get(drug.frequency, drug.frequency))
        if drug.timing and not shown_times:
            parts.append(labels.timings.get(drug.timing, drug.timing))
        if drug.duration_days:
            n = drug.duration_days
            parts.append(labels.one_day if n == 1 else fill(labels.days, n=n))
        return " · ".join(p for p in parts if p.strip())

    def meal_word(self, drug: CardDrug) -> list[str]:
        words = [self.lab.meal_short.get(drug.timing, "")]
        if self.second is not None:
            other = self.second.meal_short.get(drug.timing, "")
            if other != words[0]:
                words.append(other)
        return [w for w in words if w.strip()]

    def no_schedule(self, drug: CardDrug) -> str:
        first = self.lab.frequencies.get(drug.frequency, drug.frequency)
        second = (
            self.second.frequencies.get(drug.frequency, drug.frequency)
            if self.second is not None
            else None
        )
        return _join(first, second, " / ")

    def caution_lines(self, drug: CardDrug, width: float) -> list[Line]:
        if not drug.cautions.strip():
            return []
        text = fill(self.lab.caution, text=drug.cautions.strip())
        return wrap_lines(text, self.st.detail, width)

    def drug_lines(self, drug: CardDrug, width: float) -> list[Line]:
        st = self.st
        times = drug.times()
        lines = wrap_lines(drug.name or "—", st.name, width, bold=True)
        lines += wrap_lines(self.details(drug, self.lab, bool(times)), st.detail, width)
        if self.second is not None:
            second = self.details(drug, self.second, bool(times))
            if second != self.details(drug, self.lab, bool(times)):
                lines += wrap_lines(second, st.detail, width, grey=True)
        return lines

    # -- the header and footer on every card ------------------------------------------------

    def header(self, flow: Flow) -> None:
        st = self.st
        c = flow.c
        top = flow.y
        qr_side = st.qr if self.qr is not None else 0.0
        text_w = flow.width - (qr_side + 6 if qr_side else 0)
        continued = flow.page_no > 1
        lines = wrap_lines(self.card.clinic.name, st.clinic, text_w, bold=True, grey=True)
        lines += wrap_lines(self.title(continued), st.title, text_w, bold=True)
        patient = self.card.patient.strip()
        if patient:
            lines += wrap_lines(patient, st.patient, text_w, bold=True)
        second = self.card.patient_second.strip()
        if second and second != patient:
            lines += wrap_lines(second, st.meta * 1.1, text_w, grey=True)
        lines += wrap_lines(self.issued_line(), st.meta, text_w, grey=True)
        for line in lines:
            flow.draw_line(line, flow.left)
            flow.y -= line.height
        if self.qr is not None and not flow.measuring:
            draw_qr(c, self.qr, x=flow.right - qr_side, y=top - qr_side, size=qr_side)
        flow.y = min(flow.y, top - qr_side) - 2
        flow.rule(gap=2, grey=0, width=0.9)
        if self.table:
            self.table_head(flow)

    def footer_lines(self, width: float) -> list[Line]:
        phone = self.card.clinic.phone.strip()
        if not phone:
            return []
        first, second = self._both("questions")
        text = fill(first, phone=phone)
        if second is not None:
            other = fill(second, phone=phone)
            if other != text:
                text = f"{text}\n{other}"
        return wrap_lines(text, self.st.footer, width, bold=True)

    def _footer_layout(self, width: float) -> tuple[list[Line], bool]:
        """The phone lines, and whether the card number needs a line of its own."""
        sample = fill(self.lab.card_no, n=99, total=99)
        beside = width - text_width(sample, self.st.footer) - self.st.footer
        lines = self.footer_lines(beside)
        if len(lines) <= len(self.footer_lines(width)):
            return lines, False
        # Too narrow to share a line (a label): the phone keeps the whole width.
        return self.footer_lines(width), True

    def footer_height(self, width: float) -> float:
        lines, own_line = self._footer_layout(width)
        number = self.st.footer * 1.3
        return max(lines_height(lines) + (number if own_line else 0.0), number) + 4

    def footer(self, flow: Flow) -> None:
        st = self.st
        lines, own_line = self._footer_layout(flow.width)
        height = self.footer_height(flow.width)
        top = flow.spec.margin + height
        flow.hline(top)
        y_save = flow.y
        flow.y = top - 2
        for line in lines:
            flow.draw_line(line, flow.left)
            flow.y -= line.height
        if not own_line:
            flow.y = top - 2
        number = Line(
            fill(self.lab.card_no, n=flow.page_no, total=flow.total_pages or "?"),
            st.footer,
            grey=True,
        )
        flow.draw_line(number, flow.left, right_align=flow.right)
        flow.y = y_save

    # -- the table (normal print) -----------------------------------------------------------

    def table_head(self, flow: Flow) -> None:
        st = self.st
        drug_head = [Line(self.lab.drug, st.head, bold=True)]
        if self.second is not None and self.second.drug != self.lab.drug:
            drug_head.append(Line(self.second.drug, st.head, bold=True))
        heads = [self._time_head(t) for t in TIMES]
        h = max(lines_height(x) for x in [drug_head, *heads]) + 2 * st.pad
        top = flow.y
        c = flow.c
        c.saveState()
        c.setFillGray(LIGHT)
        c.rect(flow.left, top - h, flow.width, h, stroke=0, fill=1)
        c.restoreState()
        flow.y = top - st.pad
        for line in drug_head:
            flow.draw_line(line, flow.left + st.pad)
            flow.y -= line.height
        for i, head in enumerate(heads):
            x0 = flow.left + self.drug_w + i * self.time_w
            flow.y = top - st.pad
            for line in head:
                w = text_width(line.text, line.size, bold=True)
                flow.draw_line(line, x0 + (self.time_w - w) / 2)
                flow.y -= line.height
        self._grid(flow, top, top - h)
        flow.y = top - h

    def _grid(self, flow: Flow, top: float, bottom: float, *, columns: bool = True) -> None:
        c = flow.c
        c.saveState()
        c.setStrokeGray(RULE_GREY)
        c.setLineWidth(0.5)
        for i in range(5) if columns else (0, 4):
            x = flow.left + self.drug_w + i * self.time_w
            c.line(x, top, x, bottom)
        c.line(flow.left, bottom, flow.right, bottom)
        c.restoreState()

    def _dot(self, flow: Flow, cx: float, top: float, words: Sequence[str], width: float) -> float:
        """A filled dot with the meal words under it; returns the height used."""
        st = self.st
        r = st.dot / 2
        flow.c.circle(cx, top - st.pad - r, r, stroke=0, fill=1)
        used = st.pad + st.dot + 1
        size = st.detail * 0.9
        y_save = flow.y
        flow.y = top - used
        for word in words:
            for line in wrap_lines(word, size, width - 2 * st.pad):
                w = text_width(line.text, size)
                flow.draw_line(line, cx - w / 2)
                flow.y -= line.height
        used = top - flow.y
        flow.y = y_save
        return used

    def _times_height(self, drug: CardDrug) -> float:
        st = self.st
        times = drug.times()
        if not times:
            lines = wrap_lines(
                self.no_schedule(drug), st.detail, 4 * self.time_w - 2 * st.pad, bold=True
            )
            return lines_height(lines) + 2 * st.pad
        size = st.detail * 0.9
        words = sum(
            len(wrap_lines(w, size, self.time_w - 2 * st.pad)) for w in self.meal_word(drug)
        )
        return st.pad * 2 + st.dot + 1 + words * size * 1.3

    def table_row(self, flow: Flow, drug: CardDrug) -> None:
        st = self.st
        lines = self.drug_lines(drug, self.drug_w - 2 * st.pad)
        cautions = self.caution_lines(drug, flow.width - 2 * st.pad)
        grid_h = max(lines_height(lines) + 2 * st.pad, self._times_height(drug))
        if grid_h > flow.fresh_room():
            # Taller than a card (a very long name): from the top of a card, the dots
            # beside the name's first lines, the rest of the name flowing on.
            if not flow.at_top:
                flow.new_page()
            self._times(flow, drug, flow.y)
            flow.lines(lines, indent=st.pad)
        else:
            # Keep the grid part together, with the first caution line if there is one.
            first = cautions[0].height if cautions else 0.0
            flow.need(grid_h + first)
            top = flow.y
            flow.y = top - st.pad
            for line in lines:
                flow.draw_line(line, flow.left + st.pad)
                flow.y -= line.height
            self._times(flow, drug, top)
            self._grid(flow, top, top - grid_h, columns=bool(drug.times()))
            flow.y = top - grid_h
            flow.at_top = False
        if cautions:
            flow.y -= st.pad * 0.6
            flow.lines(cautions, indent=st.pad, keep=1)
            flow.y = max(flow.y - st.pad * 0.6, flow.bottom)
            flow.hline(flow.y)

    def _times(self, flow: Flow, drug: CardDrug, top: float) -> None:
        st = self.st
        times = drug.times()
        x0 = flow.left + self.drug_w
        if not times:
            y_save = flow.y
            flow.y = top - st.pad
            for line in wrap_lines(
                self.no_schedule(drug), st.detail, 4 * self.time_w - 2 * st.pad, bold=True
            ):
                flow.draw_line(line, x0 + st.pad)
                flow.y -= line.height
            flow.y = y_save
            return
        words = self.meal_word(drug)
        for i, time in enumerate(TIMES):
            if time in times:
                cx = x0 + (i + 0.5) * self.time_w
                # "At bedtime" is the column's own meaning: no meal word under the bedtime dot.
                self._dot(flow, cx, top, [] if time == "bedtime" else words, self.time_w)

    # -- blocks (large print, narrow labels) ----------------------------------------------------

    def block(self, flow: Flow, drug: CardDrug) -> None:
        st = self.st
        lines = self.drug_lines(drug, flow.width)
        cautions = self.caution_lines(drug, flow.width)
        strip_h = self._strip_height(drug, flow.width)
        # The name, its details and its strip of times stay on one card when they fit one.
        first = cautions[0].height if cautions else 0.0
        flow.need(min(st.pad + lines_height(lines) + strip_h + first, flow.fresh_room()))
        if not flow.at_top:
            flow.y -= st.pad
        flow.lines(lines, keep=len(lines))
        if strip_h > flow.room():
            # A name too long for one card: its strip goes on the next, named again.
            flow.new_page()
            flow.lines([Line(lines[0].text, st.detail, bold=True, grey=True)])
        self._strip(flow, drug)
        if cautions:
            flow.lines(cautions, keep=1)
        flow.y = max(flow.y - st.pad, flow.bottom)
        flow.hline(flow.y, grey=0, width=0.8)
        flow.at_top = False

    def _strip_cell_lines(self, time: str, width: float) -> list[Line]:
        return [
            line
            for head in self._time_head(time)
            for line in wrap_lines(head.text, self.st.head, width - 2 * self.st.pad, bold=True)
        ]

    def _strip_height(self, drug: CardDrug, width: float) -> float:
        st = self.st
        times = drug.times()
        if not times:
            lines = wrap_lines(self.no_schedule(drug), st.head, width - 2 * st.pad, bold=True)
            return lines_height(lines) + 2 * st.pad + 4
        cell_w = width / 4
        size = st.detail * 0.9
        words = sum(len(wrap_lines(w, size, cell_w - 2 * st.pad)) for w in self.meal_word(drug))
        heads = max(lines_height(self._strip_cell_lines(t, cell_w)) for t in TIMES)
        return heads + st.dot + words * size * 1.3 + 3 * st.pad + 4

    def _strip(self, flow: Flow, drug: CardDrug) -> None:
        st = self.st
        c = flow.c
        times = drug.times()
        height = self._strip_height(drug, flow.width)
        top = flow.y - 2
        bottom = top - height + 4
        if not times:
            c.saveState()
            c.setLineWidth(1)
            c.rect(flow.left, bottom, flow.width, top - bottom, stroke=1, fill=0)
            c.restoreState()
            flow.y = top - st.pad
            for line in wrap_lines(
                self.no_schedule(drug), st.head, flow.width - 2 * st.pad, bold=True
            ):
                flow.draw_line(line, flow.left + st.pad)
                flow.y -= line.height
            flow.y = bottom - 2
            return
        cell_w = flow.width / 4
        words = self.meal_word(drug)
        for i, time in enumerate(TIMES):
            x = flow.left + i * cell_w
            due = time in times
            c.saveState()
            if not due:
                c.setFillGray(0.96)
                c.rect(x, bottom, cell_w, top - bottom, stroke=0, fill=1)
            c.setStrokeGray(0 if due else RULE_GREY)
            c.setLineWidth(1.4 if due else 0.5)
            c.rect(x + 0.7, bottom + 0.7, cell_w - 1.4, top - bottom - 1.4, stroke=1, fill=0)
            c.restoreState()
            flow.y = top - st.pad
            for line in self._strip_cell_lines(time, cell_w):
                shown = Line(line.text, line.size, bold=due, grey=not due)
                w = text_width(shown.text, shown.size, bold=due)
                flow.draw_line(shown, x + (cell_w - w) / 2)
                flow.y -= line.height
            if due:
                self._dot(flow, x + cell_w / 2, flow.y, [] if time == "bedtime" else words, cell_w)
        flow.y = bottom - 2


def medication_card_pdf(
    card: MedicationCard,
    *,
    labels: MedicationCardLabels | None = None,
    second: MedicationCardLabels | None = None,
    page: str = "A6",
    large_print: bool = False,
    extra_margin_mm: float = 0.0,
) -> bytes:
    """The card(s) as a PDF; ``second`` makes it bilingual, ``page`` names the size."""
    lab = labels or MedicationCardLabels()
    spec = page_spec(page, extra_mm=extra_margin_mm)
    style = _LARGE if large_print else _NORMAL
    # On a narrow label the QR code and the type shrink a little, never below readable.
    if spec.inner_width < 70 * mm:
        style = replace(style, title=style.title * 0.9, qr=min(style.qr, 14 * mm))
    writer = _Card(card, lab, second, style, large_print, spec.inner_width)

    def draw(flow: Flow) -> None:
        for drug in card.drugs:
            if writer.table:
                writer.table_row(flow, drug)
            else:
                writer.block(flow, drug)
        if not card.drugs:
            flow.text("—", style.name)

    title = writer.title(False)
    return render(
        spec,
        title=f"{title} · {card.patient}",
        draw=draw,
        header=writer.header,
        footer=Footer(writer.footer, writer.footer_height(spec.inner_width)),
    )

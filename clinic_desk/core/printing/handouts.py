"""What the desk hands a patient: the appointment slip, the first-visit information
sheet (spec K2, A4) and the contact card (连心卡, spec K1).

Each is a PDF built from plain data; every fixed word comes from the caller's
labels (English by default). Patients are named by their form of address
(spec C4). Optional details that are missing leave no empty label behind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from reportlab.lib.units import mm

from clinic_desk.core.printing.fonts import printable, text_width
from clinic_desk.core.printing.layout import (
    ALL,
    ClinicInfo,
    Flow,
    Line,
    day_text,
    fill,
    fit_size,
    hours_lines,
    lines_height,
    masthead,
    page_footer,
    render,
    wrap_lines,
)
from clinic_desk.core.printing.pages import page_spec
from clinic_desk.core.printing.qr import draw_qr, make_qr

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAYS_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _contact_footer(clinic: ClinicInfo, phone_label: str) -> str:
    parts = [clinic.name]
    if clinic.phone.strip():
        parts.append(fill(phone_label, phone=clinic.phone.strip()))
    if clinic.address.strip():
        parts.append(clinic.address.strip())
    return "  ·  ".join(printable(p) for p in parts if printable(p))


def paragraphs(text: str) -> list[str]:
    """Hand-out text as short paragraphs: its own lines, or else its sentences.

    The first-visit information is often one long line ("地址：…。停车：…。请携带：…。");
    a sentence to a bullet reads better on paper.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > 1:
        return lines
    one = lines[0] if lines else ""
    parts = re.split(r"(?<=[。！？；])|(?<=[.!?;])\s+", one)
    return [p.strip() for p in parts if p and p.strip()]


# -- the appointment slip ---------------------------------------------------------------------


@dataclass(frozen=True)
class SlipLabels:
    title: str = "Appointment slip"
    greeting: str = "{name}, your appointment is:"
    date_format: str = "{weekday} {year}-{month:02d}-{day:02d}"
    weekdays: tuple[str, ...] = _WEEKDAYS
    length: str = "{n} minutes"
    doctor: str = "Doctor"
    place: str = "Place"
    purpose: str = "For"
    record_no: str = "Record no."
    bring: str = "Please bring"
    bring_default: str = (
        "Your ID card, your medical insurance card, and the medicines you take now."
    )
    change: str = "To change or cancel"
    change_call_by: str = "Call us on {phone} before {time} the day before."
    change_call: str = "Call us on {phone} as early as you can."
    change_desk_by: str = "Tell the front desk before {time} the day before."
    change_desk: str = "Tell the front desk as early as you can."
    first_visit: str = "This is your first visit: please come a little early to register."
    phone: str = "Phone {phone}"


@dataclass(frozen=True)
class AppointmentSlip:
    clinic: ClinicInfo
    patient: str  # the form of address
    doctor: str
    day: date
    time: str  # local clock time, "09:30"
    minutes: int | None = None
    place: str = ""  # rooms; empty: the clinic's address
    purpose: str = ""
    bring: str = ""  # the clinic's own words; empty: the labels' default
    change_by: str = ""  # "16:00": changes are taken until then, the day before
    record_no: str = ""
    first_visit: bool = False


def appointment_slip_pdf(
    slip: AppointmentSlip,
    *,
    labels: SlipLabels | None = None,
    page: str = "A6",
    extra_margin_mm: float = 0.0,
) -> bytes:
    lab = labels or SlipLabels()
    spec = page_spec(page, extra_mm=extra_margin_mm)
    base = 9.5 if spec.inner_width < 100 * mm else 10.5
    clinic = slip.clinic

    def draw(flow: Flow) -> None:
        masthead(flow, clinic.name, lab.title, name_size=base * 1.4 * 0.8, title_size=base * 1.4)
        if slip.patient.strip():
            flow.gap(base * 0.4)
            flow.text(fill(lab.greeting, name=slip.patient.strip()), base * 1.2, bold=True)
        flow.gap(base * 0.5)
        # The date and time each on one line: a weekday broken in two is misread.
        day = day_text(lab.date_format, slip.day, lab.weekdays)
        flow.text(day, fit_size(day, base * 1.5, flow.width, bold=True), bold=True)
        flow.text(slip.time, base * 2.2, bold=True)
        if slip.minutes:
            flow.text(fill(lab.length, n=slip.minutes), base, grey=True)
        flow.gap(base * 0.5)
        place = slip.place.strip() or clinic.address.strip()
        flow.fields(
            [
                (lab.doctor, slip.doctor),
                (lab.place, place),
                (lab.purpose, slip.purpose),
                (lab.record_no, slip.record_no),
            ],
            base,
            bold_values=True,
        )
        if slip.first_visit:
            flow.gap(base * 0.3)
            flow.boxed(lab.first_visit, base, pad=4)
        flow.heading(lab.bring, base, space=base * 0.6)
        flow.text(slip.bring.strip() or lab.bring_default, base)
        flow.heading(lab.change, base, space=base * 0.6)
        phone, by = clinic.phone.strip(), slip.change_by.strip()
        if phone:
            how = fill(lab.change_call_by if by else lab.change_call, phone=phone, time=by)
        else:
            how = fill(lab.change_desk_by if by else lab.change_desk, time=by)
        flow.text(how, base)

    footer = page_footer(
        _contact_footer(clinic, lab.phone), width=spec.inner_width, size=base * 0.75
    )
    return render(spec, title=f"{lab.title} · {slip.patient}", draw=draw, footer=footer)


# -- the first-visit information sheet (K2) ---------------------------------------------------


@dataclass(frozen=True)
class FirstVisitLabels:
    title: str = "Your first visit"
    welcome: str = "Welcome, {name}."
    welcome_plain: str = "Welcome to {clinic}."
    appointment: str = "Your appointment"
    appointment_text: str = "{day} {time}, {doctor}"
    appointment_no_doctor: str = "{day} {time}"
    date_format: str = "{weekday} {year}-{month:02d}-{day:02d}"
    weekdays: tuple[str, ...] = _WEEKDAYS
    weekdays_short: tuple[str, ...] = _WEEKDAYS_SHORT
    day_range: str = "{first}–{last}"
    where: str = "How to find us"
    address: str = "Address"
    phone: str = "Phone"
    hours: str = "Opening hours"
    before: str = "Parking and what to bring"
    questions: str = "Questions? Call us on {phone}."
    page: str = "Page {n} / {total}"


@dataclass(frozen=True)
class FirstVisitSheet:
    clinic: ClinicInfo
    info: str  # the clinic's first-visit text (location, parking, what to bring)
    patient: str = ""  # the form of address, if the sheet is for one patient
    day: date | None = None
    time: str = ""
    doctor: str = ""


def first_visit_sheet_pdf(
    sheet: FirstVisitSheet,
    *,
    labels: FirstVisitLabels | None = None,
    page: str = "A5",
    extra_margin_mm: float = 0.0,
) -> bytes:
    lab = labels or FirstVisitLabels()
    spec = page_spec(page, extra_mm=extra_margin_mm)
    base = 10.0 if spec.inner_width < 130 * mm else 11.0
    clinic = sheet.clinic

    def draw(flow: Flow) -> None:
        masthead(flow, clinic.name, lab.title, name_size=base * 1.6 * 0.8, title_size=base * 1.6)
        flow.gap(base * 0.4)
        if sheet.patient.strip():
            flow.text(fill(lab.welcome, name=sheet.patient.strip()), base * 1.15, bold=True)
        else:
            flow.text(fill(lab.welcome_plain, clinic=clinic.name), base * 1.15, bold=True)
        if sheet.day is not None:
            day = day_text(lab.date_format, sheet.day, lab.weekdays)
            template = lab.appointment_text if sheet.doctor.strip() else lab.appointment_no_doctor
            flow.heading(lab.appointment, base * 1.1, space=base * 0.8)
            flow.text(
                fill(template, day=day, time=sheet.time, doctor=sheet.doctor.strip()),
                base * 1.1,
                bold=True,
            )
        flow.heading(lab.where, base * 1.1, space=base * 0.8)
        hours = "\n".join(hours_lines(clinic, lab.weekdays_short, lab.day_range))
        flow.fields(
            [(lab.address, clinic.address), (lab.phone, clinic.phone), (lab.hours, hours)],
            base,
            label_share=0.28,
        )
        items = paragraphs(sheet.info)
        if items:
            flow.heading(lab.before, base * 1.1, space=base * 0.8)
            flow.bullets(items, base)
        if clinic.phone.strip():
            flow.gap(base)
            flow.text(fill(lab.questions, phone=clinic.phone.strip()), base, bold=True)

    footer = page_footer(clinic.name, width=spec.inner_width, size=base * 0.7, page_label=lab.page)
    return render(spec, title=f"{lab.title} · {clinic.name}", draw=draw, footer=footer)


# -- the contact card (连心卡, K1) ------------------------------------------------------------


@dataclass(frozen=True)
class ContactCardLabels:
    title: str = "Contact card"
    for_patient: str = "For {name}"
    doctor: str = "Your doctor: {name}"
    intro: str = "Call us whenever you have a question about your health or your visit."
    phone: str = "Phone"
    hours: str = "Opening hours"
    address: str = "Address"
    weekdays_short: tuple[str, ...] = _WEEKDAYS_SHORT
    day_range: str = "{first}–{last}"
    scan: str = "Scan to save our contact"


@dataclass(frozen=True)
class ContactCard:
    clinic: ClinicInfo
    patient: str = ""  # the form of address, if the card is for one patient
    doctor: str = ""


def contact_card_pdf(
    card: ContactCard,
    *,
    labels: ContactCardLabels | None = None,
    page: str = "A6",
    extra_margin_mm: float = 0.0,
) -> bytes:
    lab = labels or ContactCardLabels()
    spec = page_spec(page, extra_mm=extra_margin_mm)
    scale = 1.0 if spec.inner_width < 130 * mm else 1.3
    base = 10.0 * scale
    clinic = card.clinic
    qr = make_qr(clinic.qr) if clinic.qr.strip() else None

    def draw(flow: Flow) -> None:
        flow.text(lab.title, base * 1.1, bold=True, grey=True)
        flow.text(clinic.name, base * 1.7, bold=True, keep=ALL)
        flow.rule(gap=3, grey=0, width=0.9)
        if card.patient.strip():
            flow.text(fill(lab.for_patient, name=card.patient.strip()), base * 1.1, bold=True)
        if card.doctor.strip():
            flow.text(fill(lab.doctor, name=card.doctor.strip()), base)
        flow.gap(base * 0.3)
        flow.text(lab.intro, base * 0.95, grey=True)
        if clinic.phone.strip():
            flow.gap(base * 0.6)
            flow.text(lab.phone, base * 0.9, grey=True)
            flow.text(clinic.phone.strip(), base * 2.2, bold=True)
        hours = hours_lines(clinic, lab.weekdays_short, lab.day_range)
        if hours:
            flow.heading(lab.hours, base * 0.9, space=base * 0.5)
            flow.lines([line for h in hours for line in wrap_lines(h, base, flow.width)])
        if clinic.address.strip():
            flow.heading(lab.address, base * 0.9, space=base * 0.5)
            flow.text(clinic.address, base)
        if qr is not None:
            side = min(32 * mm * scale, flow.width * 0.6)
            caption = wrap_lines(lab.scan, base * 0.8, flow.width, grey=True)
            flow.need(side + lines_height(caption) + base)
            flow.gap(base * 0.6)
            x = flow.left + (flow.width - side) / 2
            if not flow.measuring:
                draw_qr(flow.c, qr, x=x, y=flow.y - side, size=side)
            flow.y -= side
            for line in caption:
                w = text_width(line.text, line.size)
                x_line = flow.left + (flow.width - w) / 2
                flow.draw_line(Line(line.text, line.size, grey=True), x_line)
                flow.y -= line.height
            flow.at_top = False

    return render(spec, title=f"{lab.title} · {clinic.name}", draw=draw)


__all__ = [
    "AppointmentSlip",
    "ContactCard",
    "ContactCardLabels",
    "FirstVisitLabels",
    "FirstVisitSheet",
    "SlipLabels",
    "appointment_slip_pdf",
    "contact_card_pdf",
    "first_visit_sheet_pdf",
    "paragraphs",
]

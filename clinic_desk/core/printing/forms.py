"""Paper forms and letters: the follow-up call record (电话回访表, spec E4) and the
referral letter (转诊, spec C5).

The follow-up record has the seed's fields (patient, age, end of treatment,
diagnosis, record number; caller, department, date, address, phone, notes; the
supervisor's spot check: date, checker, evaluation) as boxes to write in,
blank or filled from the record. A form keeps its empty boxes: that is where
the pen goes. The referral letter, which the hospital reads, leaves out what is
unknown instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from clinic_desk.core.printing.fonts import printable
from clinic_desk.core.printing.layout import (
    ClinicInfo,
    Flow,
    Line,
    day_text,
    fill,
    lines_height,
    masthead,
    page_footer,
    render,
    wrap_lines,
)
from clinic_desk.core.printing.pages import page_spec

# -- the follow-up call record (E4) -----------------------------------------------------------


@dataclass(frozen=True)
class FollowUpFormLabels:
    title: str = "Follow-up call record"
    patient_section: str = "Patient"
    call_section: str = "Follow-up call"
    check_section: str = "Supervisor's spot check"
    name: str = "Name"
    age: str = "Age"
    end_of_treatment: str = "Discharge or end of treatment"
    diagnosis: str = "Diagnosis"
    record_no: str = "Outpatient or inpatient no."
    caller: str = "Called by"
    department: str = "Department"
    date: str = "Date"
    address: str = "Address"
    phone: str = "Phone"
    notes: str = "Notes of the call"
    check_date: str = "Date"
    checker: str = "Checked by"
    evaluation: str = "Evaluation"
    page: str = "Page {n} / {total}"


@dataclass(frozen=True)
class FollowUpForm:
    """The form's values; every one may be empty (a blank form)."""

    clinic_name: str
    patient_name: str = ""
    age: str = ""
    end_of_treatment: str = ""
    diagnosis: str = ""
    record_no: str = ""
    caller: str = ""
    department: str = ""
    call_date: str = ""
    address: str = ""
    phone: str = ""
    notes: str = ""
    # The supervisor's spot check (抽查, E6), when the form is printed from a checked call.
    check_date: str = ""
    checker: str = ""
    evaluation: str = ""


# A cell: (label, value, share of the row's width); rows are drawn as boxes.
_Cell = tuple[str, str, float]


class _FormWriter:
    def __init__(self, flow: Flow, size: float) -> None:
        self.flow = flow
        self.size = size
        self.label_size = size * 0.75
        self.pad = 4.0

    def _cell_lines(self, cell: _Cell, width: float) -> tuple[list[Line], list[Line]]:
        label, value, _share = cell
        inner = width - 2 * self.pad
        return (
            wrap_lines(label, self.label_size, inner, grey=True),
            wrap_lines(value, self.size, inner, bold=True),
        )

    def row(self, cells: Sequence[_Cell], *, write_lines: int = 1) -> None:
        """One row of boxes; each is tall enough for its value or ``write_lines`` of pen."""
        flow = self.flow
        widths = [flow.width * share for _l, _v, share in cells]
        parts = [self._cell_lines(c, w) for c, w in zip(cells, widths, strict=True)]
        pen = self.size * 2.0  # handwriting needs more room than print
        heights = [
            lines_height(label) + max(lines_height(value), write_lines * pen) + 2 * self.pad
            for label, value in parts
        ]
        h = max(heights)
        if h > flow.fresh_room():
            # Longer than a page (a very long address): the values flow on, unboxed.
            for label, value in parts:
                flow.lines(label, keep=1)
                flow.lines(value or [Line("", self.size)], indent=self.pad, keep=1)
            return
        flow.need(h)
        top = flow.y
        c = flow.c
        x = flow.left
        for (label, value), width in zip(parts, widths, strict=True):
            c.saveState()
            c.setLineWidth(0.8)
            c.rect(x, top - h, width, h, stroke=1, fill=0)
            c.restoreState()
            flow.y = top - self.pad
            for line in label:
                flow.draw_line(line, x + self.pad)
                flow.y -= line.height
            if value:
                for line in value:
                    flow.draw_line(line, x + self.pad)
                    flow.y -= line.height
            if write_lines > 1 or not value:
                self._pen_lines(x, flow.y, top - h, width)
            x += width
        flow.y = top - h
        flow.at_top = False

    def _pen_lines(self, x: float, top: float, bottom: float, width: float) -> None:
        c = self.flow.c
        c.saveState()
        c.setStrokeGray(0.8)
        c.setLineWidth(0.4)
        y = top - self.size * 2.0
        while y > bottom + self.pad:
            c.line(x + self.pad, y, x + width - self.pad, y)
            y -= self.size * 2.0
        c.restoreState()

    def section(self, title: str) -> None:
        flow = self.flow
        flow.need(self.size * 1.3 * 2 + self.size * 3)
        flow.gap(self.size * 0.8)
        flow.text(title, self.size * 1.1, bold=True)
        flow.y -= 2


def followup_form_pdf(
    form: FollowUpForm,
    *,
    labels: FollowUpFormLabels | None = None,
    page: str = "A4",
    extra_margin_mm: float = 0.0,
) -> bytes:
    lab = labels or FollowUpFormLabels()
    spec = page_spec(page, extra_mm=extra_margin_mm)
    size = 11.0 if spec.inner_width > 400 else 9.5

    def draw(flow: Flow) -> None:
        w = _FormWriter(flow, size)
        masthead(flow, form.clinic_name, lab.title, name_size=size * 1.1, title_size=size * 1.7)
        w.section(lab.patient_section)
        w.row(
            [
                (lab.name, form.patient_name, 0.4),
                (lab.age, form.age, 0.2),
                (lab.record_no, form.record_no, 0.4),
            ]
        )
        w.row(
            [
                (lab.end_of_treatment, form.end_of_treatment, 0.4),
                (lab.diagnosis, form.diagnosis, 0.6),
            ]
        )
        w.section(lab.call_section)
        w.row(
            [
                (lab.caller, form.caller, 0.35),
                (lab.department, form.department, 0.35),
                (lab.date, form.call_date, 0.3),
            ]
        )
        w.row([(lab.address, form.address, 0.65), (lab.phone, form.phone, 0.35)])
        w.row([(lab.notes, form.notes, 1.0)], write_lines=9)
        w.section(lab.check_section)
        w.row([(lab.check_date, form.check_date, 0.4), (lab.checker, form.checker, 0.6)])
        w.row([(lab.evaluation, form.evaluation, 1.0)], write_lines=4)

    footer = page_footer(form.clinic_name, width=spec.inner_width, size=8, page_label=lab.page)
    title = f"{lab.title} · {form.patient_name}" if form.patient_name else lab.title
    return render(spec, title=title, draw=draw, footer=footer)


# -- the referral letter (C5) ------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralLetterLabels:
    title: str = "Referral letter"
    to: str = "To"
    department: str = "Department"
    date: str = "Date"
    urgency: str = "Urgency"
    urgencies: Mapping[str, str] = field(
        default_factory=lambda: {"routine": "routine", "urgent": "urgent", "emergency": "emergency"}
    )
    urgent_notice: str = "Urgency: {urgency}. Please see this patient promptly."
    greeting: str = "Dear colleague,"
    body: str = "We refer the patient below to you and thank you for seeing them."
    patient: str = "Patient"
    name: str = "Name"
    sex: str = "Sex"
    sexes: Mapping[str, str] = field(
        default_factory=lambda: {"F": "female", "M": "male", "U": "not stated"}
    )
    birth: str = "Date of birth"
    birth_age: str = "{date} (age {age})"
    record_no: str = "Our record no."
    phone: str = "Phone"
    reason: str = "Reason for referral"
    allergies: str = "Allergies"
    no_allergies: str = "No allergies recorded."
    medication: str = "Current medication"
    no_medication: str = "None recorded."
    summary: str = "Summary"
    attachments: str = "Enclosed"
    doctor: str = "Referring doctor"
    signature: str = "Signature"
    date_format: str = "{year}-{month:02d}-{day:02d}"
    phone_line: str = "Phone {phone}"
    page: str = "Page {n} / {total}"
    continued: str = "{title} (continued)"


@dataclass(frozen=True)
class ReferralLetter:
    clinic: ClinicInfo
    partner: str
    day: date
    patient_name: str
    reason: str
    department: str = ""
    urgency: str = "routine"
    sex: str = ""
    birth_date: date | None = None
    age: int | None = None
    record_no: str = ""
    phone: str = ""
    summary: str = ""
    allergies: tuple[str, ...] = ()
    medication: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    doctor: str = ""


def referral_letter_pdf(
    letter: ReferralLetter,
    *,
    labels: ReferralLetterLabels | None = None,
    page: str = "A4",
    extra_margin_mm: float = 0.0,
) -> bytes:
    lab = labels or ReferralLetterLabels()
    spec = page_spec(page, extra_mm=extra_margin_mm)
    size = 10.5 if spec.inner_width > 400 else 9.5
    clinic = letter.clinic

    def day(d: date) -> str:
        return day_text(lab.date_format, d)

    def draw(flow: Flow) -> None:
        flow.text(clinic.name, size * 1.6, bold=True)
        contact = "  ·  ".join(
            p
            for p in (
                clinic.address.strip(),
                fill(lab.phone_line, phone=clinic.phone.strip()) if clinic.phone.strip() else "",
            )
            if p
        )
        if contact:
            flow.text(contact, size * 0.85, grey=True)
        flow.rule(gap=4, grey=0, width=1.0)
        flow.text(lab.title, size * 1.5, bold=True)
        flow.gap(size * 0.4)
        urgency = lab.urgencies.get(letter.urgency, letter.urgency)
        flow.fields(
            [
                (lab.to, letter.partner),
                (lab.department, letter.department),
                (lab.date, day(letter.day)),
                (lab.urgency, urgency),
            ],
            size,
            label_share=0.25,
            bold_values=True,
        )
        if letter.urgency in ("urgent", "emergency"):
            flow.gap(size * 0.3)
            flow.boxed(fill(lab.urgent_notice, urgency=urgency), size)
        flow.gap(size * 0.8)
        flow.text(lab.greeting, size)
        flow.text(lab.body, size)
        flow.heading(lab.patient, size * 1.15, space=size)
        birth = ""
        if letter.birth_date is not None:
            birth = day(letter.birth_date)
            if letter.age is not None:
                birth = fill(lab.birth_age, date=birth, age=letter.age)
        flow.fields(
            [
                (lab.name, letter.patient_name),
                (lab.sex, lab.sexes.get(letter.sex, "") if letter.sex in ("F", "M") else ""),
                (lab.birth, birth),
                (lab.record_no, letter.record_no),
                (lab.phone, letter.phone),
            ],
            size,
            label_share=0.25,
        )
        flow.heading(lab.reason, size * 1.15, space=size)
        flow.text(letter.reason, size)
        flow.heading(lab.allergies, size * 1.15, space=size)
        allergies = [a for a in letter.allergies if printable(a)]
        if allergies:
            flow.boxed("；".join(allergies) if _chinese(allergies) else "; ".join(allergies), size)
        else:
            flow.text(lab.no_allergies, size)
        flow.heading(lab.medication, size * 1.15, space=size)
        medication = [m for m in letter.medication if printable(m)]
        if medication:
            flow.bullets(medication, size)
        else:
            flow.text(lab.no_medication, size)
        if printable(letter.summary):
            flow.heading(lab.summary, size * 1.15, space=size)
            flow.text(letter.summary, size * 0.95, keep_blank=True)
        attachments = [a for a in letter.attachments if printable(a)]
        if attachments:
            flow.heading(lab.attachments, size * 1.15, space=size)
            flow.bullets(attachments, size)
        # The signature block stays together at the foot of the letter.
        flow.need(size * 1.3 * 4 + size * 2)
        flow.gap(size * 2)
        doctor = letter.doctor.strip()
        rows = [(lab.doctor, doctor or " "), (lab.signature, " ")]
        for label, value in rows:
            line_y = flow.y - size * 1.3
            flow.draw_line(Line(printable(label), size, grey=True), flow.left)
            if value.strip():
                value_x = flow.left + flow.width * 0.25
                flow.draw_line(Line(printable(value), size, bold=True), value_x)
            flow.hline(
                line_y - 1, x0=flow.left + flow.width * 0.25, x1=flow.left + flow.width * 0.7
            )
            flow.y -= size * 2.2
            flow.at_top = False

    def header(flow: Flow) -> None:
        # Later pages say whose letter they continue: pages get separated.
        if flow.page_no > 1:
            title = fill(lab.continued, title=lab.title)
            flow.text(f"{clinic.name}  ·  {title}  ·  {letter.patient_name}", 8.5, grey=True)
            flow.rule(gap=3)

    footer = page_footer(
        f"{clinic.name}  ·  {lab.title}  ·  {letter.patient_name}",
        width=spec.inner_width,
        size=8,
        page_label=lab.page,
    )
    title = f"{lab.title} · {letter.patient_name}"
    return render(spec, title=title, draw=draw, header=header, footer=footer)


def _chinese(items: Sequence[str]) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for item in items for ch in item)

"""The printed satisfaction questionnaire (spec G1) handed to a patient drawn for the
week's survey.

Each 1-5 question is a row: the question on the left, five boxes labelled 1 to 5 on
the right, under a legend (1 = very dissatisfied … 5 = very satisfied); each open
question gets lines to write on. The form is anonymous: no patient's name, only the
sample's short reference code at the foot, so the desk can type the answers back in
for the right sample. The fixed words are patient-facing, chosen by the language of
the form (like the greetings in ``services/reception.py``), not the interface's.
"""

from __future__ import annotations

from dataclasses import dataclass

from clinic_desk.core.printing.fonts import printable, text_width
from clinic_desk.core.printing.layout import (
    Flow,
    Line,
    fill,
    lines_height,
    masthead,
    page_footer,
    render,
    wrap_lines,
)
from clinic_desk.core.printing.pages import page_spec


@dataclass(frozen=True)
class SurveyFormItem:
    kind: str  # scale | open
    text: str


@dataclass(frozen=True)
class SurveyFormData:
    clinic_name: str
    title: str
    items: tuple[SurveyFormItem, ...]
    code: str = ""  # the sample's reference code; "" on a form for anyone


@dataclass(frozen=True)
class SurveyFormWords:
    intro: str
    anonymous: str
    legend: str
    thanks: str
    code: str  # {code}
    page: str  # {n}, {total}


FORM_WORDS: dict[str, SurveyFormWords] = {
    "zh_CN": SurveyFormWords(
        intro="感谢您的就诊！请为每个问题勾选一个分数，您的意见将帮助我们改进服务。",
        anonymous="本问卷为匿名填写，请勿写上您的姓名。",
        legend="1 = 非常不满意  …  5 = 非常满意",
        thanks="衷心感谢您的宝贵意见！请将问卷交回前台或投入意见箱。",
        code="编号 {code}",
        page="第 {n} / {total} 页",
    ),
    "zh_TW": SurveyFormWords(
        intro="感謝您的就診！請為每個問題勾選一個分數，您的意見將幫助我們改進服務。",
        anonymous="本問卷為匿名填寫，請勿寫上您的姓名。",
        legend="1 = 非常不滿意  …  5 = 非常滿意",
        thanks="衷心感謝您的寶貴意見！請將問卷交回櫃檯或投入意見箱。",
        code="編號 {code}",
        page="第 {n} / {total} 頁",
    ),
    "en": SurveyFormWords(
        intro=(
            "Thank you for visiting us. Please tick one box for each question: your "
            "answers help us improve."
        ),
        anonymous="This form is anonymous: please do not write your name on it.",
        legend="1 = very dissatisfied  …  5 = very satisfied",
        thanks=(
            "Thank you for your time! Please hand this form back at the front desk or put "
            "it in the suggestion box."
        ),
        code="Ref. {code}",
        page="Page {n} / {total}",
    ),
}


def form_words(language: str) -> SurveyFormWords:
    """The form's fixed words in ``language`` (zh_CN when unknown)."""
    return FORM_WORDS.get(language, FORM_WORDS["zh_CN"])


_SCALE = (1, 2, 3, 4, 5)
_WRITE_LINES = 4


def survey_form_document(
    data: SurveyFormData,
    *,
    words: SurveyFormWords | None = None,
    page: str = "A4",
    extra_margin_mm: float = 0.0,
) -> bytes:
    lab = words or FORM_WORDS["en"]
    spec = page_spec(page if page in ("A4", "A5") else "A4", extra_mm=extra_margin_mm)
    size = 11.0 if spec.inner_width > 400 else 9.5
    box = size * 1.35
    cell = box + size * 1.1  # a box and the room around it
    boxes_w = cell * len(_SCALE)
    gutter = size

    def scale_row(flow: Flow, number: int, text: str) -> None:
        label = f"{number}. {text}"
        text_w = flow.width - boxes_w - gutter
        lines = wrap_lines(label, size, text_w)
        height = max(lines_height(lines), size * 1.2 + box) + size * 0.9
        flow.need(height)
        top = flow.y
        flow.y = top - size * 0.45
        for line in lines:
            flow.draw_line(line, flow.left)
            flow.y -= line.height
        c = flow.c
        x0 = flow.right - boxes_w
        for i, score in enumerate(_SCALE):
            centre = x0 + cell * i + cell / 2
            digit = str(score)
            flow.y = top - size * 0.2
            flow.draw_line(
                Line(digit, size * 0.85, grey=True),
                centre - text_width(digit, size * 0.85) / 2,
            )
            c.saveState()
            c.setLineWidth(0.9)
            c.rect(centre - box / 2, top - size * 1.3 - box, box, box, stroke=1, fill=0)
            c.restoreState()
        flow.y = top - height
        flow.hline(flow.y + size * 0.3, grey=0.8, width=0.4)
        flow.at_top = False

    def open_row(flow: Flow, number: int, text: str) -> None:
        lines = wrap_lines(f"{number}. {text}", size, flow.width)
        pen = size * 2.0  # handwriting needs more room than print
        flow.need(lines_height(lines) + pen * _WRITE_LINES + size)
        flow.gap(size * 0.45)
        flow.lines(lines, keep=len(lines))
        c = flow.c
        c.saveState()
        c.setStrokeGray(0.6)
        c.setLineWidth(0.5)
        for _ in range(_WRITE_LINES):
            if pen > flow.room():
                break
            flow.y -= pen
            c.line(flow.left, flow.y, flow.right, flow.y)
        c.restoreState()
        flow.y -= size * 0.6
        flow.at_top = False

    def draw(flow: Flow) -> None:
        masthead(flow, data.clinic_name, data.title, name_size=size * 1.1, title_size=size * 1.7)
        flow.text(lab.intro, size)
        flow.text(lab.anonymous, size * 0.9, grey=True)
        flow.gap(size * 0.6)
        legend_lines = wrap_lines(lab.legend, size * 0.9, flow.width, bold=True)
        flow.lines(legend_lines)
        flow.gap(size * 0.3)
        for number, item in enumerate(data.items, start=1):
            if not printable(item.text):
                continue
            if item.kind == "scale":
                scale_row(flow, number, item.text)
            else:
                open_row(flow, number, item.text)
        flow.gap(size)
        flow.text(lab.thanks, size, bold=True)

    code = fill(lab.code, code=data.code) if data.code else ""
    foot = "  ·  ".join(p for p in (data.clinic_name, code) if p)
    footer = page_footer(foot, width=spec.inner_width, size=8, page_label=lab.page)
    return render(spec, title=data.title, draw=draw, footer=footer, subject=code)

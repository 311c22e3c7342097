"""Small pieces the membership page's tabs and dialogs share (spec H1-H3).

Money is kept in whole cents (分) by the core; people read and type yuan with two
decimals ("¥3,980.00"). Dates read as yyyy-MM-dd. The words for the membership
service's codes (statuses, payment methods, relations, care-team roles, history
events) live here, in context "MembershipPage".
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDate
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from clinic_desk.core.files import write_atomic
from clinic_desk.core.services import membership
from clinic_desk.ui.patients.common import tr_code

CONTEXT = "MembershipPage"
RED = "#c62828"
GREY = "#757575"
AMBER = "#b26a00"
GREEN = "#1b5e20"
MAX_YUAN_CENTS = 1_000_000_000  # 10,000,000.00: the most one payment may be


# -- money and dates -------------------------------------------------------------------------


def money_text(cents: int) -> str:
    """Whole cents as yuan: 398000 -> "¥3,980.00"; a refund reads "-¥50.00"."""
    sign = "-" if cents < 0 else ""
    yuan, fen = divmod(abs(int(cents)), 100)
    return f"{sign}¥{yuan:,}.{fen:02d}"


_MONEY = re.compile(r"^([+-]?)(\d+)(?:\.(\d{1,2}))?$")


def parse_money(text: str) -> int | None:
    """Typed yuan ("3980", "3,980.5", "¥ 3 980.00", "-10") as cents; None if not a sum.

    A minus sign is kept, so the service can say why a negative amount is refused.
    """
    cleaned = re.sub(r"[\s,，¥￥元]", "", text.replace("−", "-"))
    match = _MONEY.match(cleaned)
    if match is None:
        return None
    sign, whole, frac = match.groups()
    if len(whole) > 12:
        return None
    cents = int(whole) * 100 + int((frac or "0").ljust(2, "0"))
    return -cents if sign == "-" else cents


def money_error() -> str:
    return QCoreApplication.translate(
        "MembershipPage",
        "Type an amount in yuan, for example 3980 or 3980.50 (two decimals at most).",
    )


class MoneyEdit(QLineEdit):
    """An amount in yuan with two decimals; ``cents()`` is None while it is not a sum."""

    def __init__(self, parent: QWidget | None = None, cents: int = 0) -> None:
        super().__init__(parent)
        self.setMaxLength(20)
        self.set_cents(cents)
        self.editingFinished.connect(self._tidy)

    def set_cents(self, cents: int) -> None:
        self.setText(money_text(cents))

    def cents(self) -> int | None:
        return parse_money(self.text())

    def _tidy(self) -> None:
        value = self.cents()
        if value is not None:
            self.set_cents(value)


def day_text(day: date | None) -> str:
    return day.isoformat() if day is not None else ""


def span_text(first: date, last: date) -> str:
    return f"{first.isoformat()} – {last.isoformat()}"


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


def text_color(background: str) -> str:
    """Black or white, whichever reads on ``background``."""
    color = QColor(background)
    if not color.isValid():
        return "#000000"
    luma = 0.299 * color.red() + 0.587 * color.green() + 0.114 * color.blue()
    return "#000000" if luma > 150 else "#ffffff"


def tier_chip(name: str, color: str) -> str:
    """The tier's name in its colour, as rich text."""
    if not color or not QColor(color).isValid():
        return f"<b>{escape(name)}</b>"
    return (
        f'<span style="background-color:{color}; color:{text_color(color)};">'
        f"&nbsp;{escape(name)}&nbsp;</span>"
    )


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- the words for the service's codes -------------------------------------------------------


def code_label(table: dict[str, str], code: str) -> str:
    """A core code's words (context "Membership"), with a capital first letter."""
    text = table.get(code)
    if not text:
        return code
    words = tr_code("Membership", text)
    return words[:1].upper() + words[1:]


def status_label(code: str) -> str:
    return code_label(membership.STATUSES, code)


def status_color(code: str) -> str:
    return {"suspended": AMBER, "cancelled": GREY, "expired": RED, "upcoming": GREEN}.get(code, "")


def method_label(code: str) -> str:
    return code_label(membership.METHODS, code)


def relation_label(code: str) -> str:
    return code_label(membership.RELATIONS, code)


def role_label(code: str) -> str:
    return code_label(membership.CARE_ROLES, code)


def payment_kind_label(code: str) -> str:
    return code_label(membership.PAYMENT_KINDS, code)


def event_label(code: str) -> str:
    return code_label(membership.EVENT_KINDS, code)


def unit_label(unit: str, count: int = 1) -> str:
    if unit == "month":
        return QCoreApplication.translate("MembershipPage", "%n month(s)", "", count)
    return QCoreApplication.translate("MembershipPage", "%n year(s)", "", count)


def unit_word(unit: str, count: int = 1) -> str:
    """ "month(s)" or "year(s)" without the number (beside a number box)."""
    if unit == "month":
        return QCoreApplication.translate("MembershipPage", "month(s)", "", count)
    return QCoreApplication.translate("MembershipPage", "year(s)", "", count)


def period_text(period: object) -> str:
    unit = str(getattr(period, "unit", "year"))
    count = int(getattr(period, "count", 1))
    return unit_label(unit, count)


def benefit_label(benefit: membership.BenefitDef) -> str:
    """A benefit's words: the known ones translated, a custom one as the director typed it."""
    known = membership.BENEFITS.get(benefit.key)
    if known:
        return tr_code("Membership", known)
    return benefit.label or benefit.key


def benefit_key_label(key: str, label: str = "") -> str:
    known = membership.BENEFITS.get(key)
    if known:
        return tr_code("Membership", known)
    return label or key


def benefit_text(benefit: membership.BenefitDef) -> str:
    """ "Family-doctor home visits: 4 a year", or only the name for a flag."""
    name = benefit_label(benefit)
    if benefit.kind != "quota":
        return name
    # A plain name for the number: lupdate skips a plural translate() given an expression.
    quota = benefit.quota
    if benefit.unit == "month" and benefit.count == 1:
        every = QCoreApplication.translate("MembershipPage", "%n a month", "", quota)
    elif benefit.unit == "month":
        every = QCoreApplication.translate("MembershipPage", "{n} every {months} months")
        every = every.format(n=benefit.quota, months=benefit.count)
    elif benefit.count == 1:
        every = QCoreApplication.translate("MembershipPage", "%n a year", "", quota)
    else:
        every = QCoreApplication.translate("MembershipPage", "{n} every {years} years")
        every = every.format(n=benefit.quota, years=benefit.count)
    return QCoreApplication.translate("MembershipPage", "{benefit}: {every}").format(
        benefit=name, every=every
    )


def quota_text(q: membership.QuotaView) -> str:
    """ "Home visits: 1 of 4 used, 2026-05-01 – 2027-04-30"."""
    return QCoreApplication.translate(
        "MembershipPage", "{benefit}: {used} of {quota} used, {span}"
    ).format(
        benefit=benefit_key_label(q.benefit_key, q.label),
        used=q.used,
        quota=q.quota,
        span=span_text(q.first, q.last),
    )


def days_left_text(days: int, status: str) -> str:
    if status == "cancelled":
        return ""
    if days < 0:
        return QCoreApplication.translate("MembershipPage", "ended %n day(s) ago", "", -days)
    return QCoreApplication.translate("MembershipPage", "%n day(s)", "", days)


def fill_combo(combo: QComboBox, items: Sequence[tuple[object, str]]) -> None:
    """Refill a combo keeping the chosen value when it is still offered."""
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    for code, text in items:
        combo.addItem(text, code)
    for i in range(combo.count()):
        if combo.itemData(i) == current:
            combo.setCurrentIndex(i)
            break
    combo.blockSignals(False)


# -- CSV -------------------------------------------------------------------------------------


def csv_text(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(list(headers))
    writer.writerows([list(r) for r in rows])
    return out.getvalue()


def write_csv(target: Path, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> int:
    """The table as UTF-8 CSV (with a BOM, so Excel reads the Chinese), whole or not at all."""
    write_atomic(target, ("\ufeff" + csv_text(headers, rows)).encode("utf-8"))
    return len(rows)

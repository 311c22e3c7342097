"""Paper and label sizes for printed documents, with margins that hold on real printers.

Office printers cannot print the outer 4-6 mm of a sheet and some scale the page
by a few percent, so paper gets at least 10 mm all round. Label printers (a
62 mm continuous roll on a Brother QL, 4x6 in thermal labels) print nearer the
edge, but a roll drifts sideways by a millimetre or two, so labels keep 5-6 mm.
``extra_mm`` (the ``printing.extra_margin_mm`` setting) widens every margin for
a printer that still clips.

A continuous roll has no fixed length: each page is cut as long as what is
printed on it, between ``min_height`` and ``height`` (the longest piece).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from reportlab.lib.units import mm

PageName = Literal["A4", "A5", "A6", "62mm", "4x6in"]
LabelStock = Literal["62mm", "4x6in"]

PAGE_NAMES: tuple[str, ...] = ("A4", "A5", "A6", "62mm", "4x6in")
LABEL_STOCKS: tuple[str, ...] = ("62mm", "4x6in")
# What a document setting may name: a paper size, or "label" for the label stock setting.
CARD_SIZES: tuple[str, ...] = ("A6", "A5", "A4", "label")


@dataclass(frozen=True)
class PageSpec:
    """A page size and its margins, in points (1/72 in)."""

    name: str
    width: float
    height: float  # for a continuous roll: the longest piece
    margin: float
    continuous: bool = False
    min_height: float = 0.0  # a continuous piece is never shorter than this

    @property
    def is_label(self) -> bool:
        return self.name in LABEL_STOCKS

    @property
    def inner_width(self) -> float:
        return self.width - 2 * self.margin


_SPECS: dict[str, PageSpec] = {
    "A4": PageSpec("A4", 210 * mm, 297 * mm, 15 * mm),
    "A5": PageSpec("A5", 148 * mm, 210 * mm, 12 * mm),
    "A6": PageSpec("A6", 105 * mm, 148 * mm, 10 * mm),
    "62mm": PageSpec("62mm", 62 * mm, 200 * mm, 5 * mm, continuous=True, min_height=40 * mm),
    "4x6in": PageSpec("4x6in", 4 * 72.0, 6 * 72.0, 6 * mm),
}


def page_spec(name: str, *, extra_mm: float = 0.0) -> PageSpec:
    """The page called ``name`` (A4, A5, A6, 62mm, 4x6in); unknown names give A4."""
    spec = _SPECS.get(name, _SPECS["A4"])
    extra = max(0.0, min(float(extra_mm), 20.0)) * mm
    # Never so much extra margin that nothing is left to print on.
    extra = min(extra, spec.width * 0.25 - spec.margin) if extra else 0.0
    return replace(spec, margin=spec.margin + max(0.0, extra)) if extra > 0 else spec


def resolve_size(choice: str, label_stock: str) -> str:
    """A document's size setting ("A6", "A5", "A4" or "label") as a page name."""
    if choice == "label":
        return label_stock if label_stock in LABEL_STOCKS else LABEL_STOCKS[0]
    return choice if choice in PAGE_NAMES else "A4"

"""Printing PDFs from the UI: pages rasterised with pdfium, drawn on Qt's printer, and
"Save as PDF" (issue 3). Real PDFs are built, printed to a PDF file and read back."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import QRectF, QSizeF
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QFileDialog
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from clinic_desk.core.printing.recovery_kit import build_recovery_kit
from clinic_desk.core.security.keys import new_recovery_key
from clinic_desk.ui.errors import translate_core
from clinic_desk.ui.printing.preview import (
    fit_rect,
    make_preview_dialog,
    paint_pdf,
    preview_and_print_pdf,
    render_pdf_pages,
    save_pdf_as,
)


@pytest.fixture(scope="module")
def kit() -> bytes:
    buf = io.BytesIO()
    build_recovery_kit(
        buf, clinic_name="仁和诊所 🏥", clinic_id="3f2a9c1b7d4e5f60",
        recovery_key=new_recovery_key(), created_at=datetime(2026, 11, 23, 2, 0, tzinfo=UTC),
        translate=translate_core,
    )
    return buf.getvalue()


def two_pages() -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4)
    c.setFont("Helvetica", 40)
    c.drawString(100, 700, "Page one")
    c.showPage()
    c.setPageSize(landscape(A4))
    c.rect(50, 50, 700, 400, fill=1)
    c.showPage()
    c.save()
    return buf.getvalue()


def dark_fraction(image: QImage) -> float:
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    data = bytes(grey.constBits())
    stride, w = grey.bytesPerLine(), grey.width()
    rows = [data[y * stride: y * stride + w] for y in range(grey.height())]
    dark = sum(sum(1 for v in row if v < 200) for row in rows)
    return dark / (w * grey.height())


def pdf_printer(out: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    return printer


def test_render_the_recovery_kit(kit: bytes, tmp_path: Path) -> None:
    pages = render_pdf_pages(kit, 50)
    assert len(pages) == 1
    image = pages[0]
    # A4 at 50 dpi: 8.27 x 11.69 inches.
    assert abs(image.width() - 413) <= 2 and abs(image.height() - 585) <= 2
    assert 0.005 < dark_fraction(image) < 0.5  # text, key and QR; mostly white paper

    path = tmp_path / "kit.pdf"
    path.write_bytes(kit)
    from_path = render_pdf_pages(path, 50)
    assert len(from_path) == 1 and from_path[0] == image


def test_render_every_page_in_its_own_shape() -> None:
    portrait, wide = render_pdf_pages(two_pages(), 72)
    assert portrait.height() > portrait.width()
    assert wide.width() > wide.height()
    assert dark_fraction(wide) > dark_fraction(portrait)


def test_fit_rect_keeps_proportions_and_centres() -> None:
    fitted = fit_rect(QSizeF(100, 200), QRectF(0, 0, 400, 400))
    assert fitted == QRectF(100, 0, 200, 400)
    assert fit_rect(QSizeF(0, 0), QRectF(0, 0, 10, 10)) == QRectF(0, 0, 10, 10)


def test_preview_dialog_paints_the_kit_on_a_printer(qtbot, kit: bytes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog, printer = make_preview_dialog(None, kit, title="Recovery kit")
    qtbot.addWidget(dialog)
    assert isinstance(dialog, QPrintPreviewDialog)
    assert printer.pageLayout().pageSize().id().name == "A4"
    assert dialog.windowTitle() == "Recovery kit"

    out = tmp_path / "printed.pdf"
    target = pdf_printer(out)
    dialog.paintRequested.emit(target)  # what the preview and the Print button do
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == 1
    printed = render_pdf_pages(out, 40)[0]
    original = render_pdf_pages(kit, 40)[0]
    assert dark_fraction(printed) == pytest.approx(dark_fraction(original), rel=0.35)


def test_paint_pdf_puts_each_page_on_its_own_sheet(tmp_path: Path) -> None:
    out = tmp_path / "two.pdf"
    printer = pdf_printer(out)
    paint_pdf(printer, two_pages())
    assert len(pypdf.PdfReader(out).pages) == 2


def test_preview_and_print_returns_whether_it_printed(
    kit: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QPrintPreviewDialog, "exec",
                        lambda self: QDialog.DialogCode.Accepted.value)
    assert preview_and_print_pdf(None, kit, title="Recovery kit")
    monkeypatch.setattr(QPrintPreviewDialog, "exec",
                        lambda self: QDialog.DialogCode.Rejected.value)
    assert not preview_and_print_pdf(None, kit, title="Recovery kit")


def test_save_pdf_as(kit: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def choose(parent, caption, start, filters):  # type: ignore[no-untyped-def]
        asked.append(start)
        return str(tmp_path / "恢复资料"), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(choose))
    saved = save_pdf_as(None, kit, "Recovery kit - 仁和诊所.pdf")
    assert saved == tmp_path / "恢复资料.pdf"  # the extension is added
    assert saved.read_bytes() == kit
    assert saved.stat().st_mode & 0o077 == 0
    assert asked[0].endswith("Recovery kit - 仁和诊所.pdf")
    assert Path(asked[0]).is_absolute()
    assert [p.name for p in tmp_path.iterdir()] == ["恢复资料.pdf"]  # no temporary left

    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a: ("", "")))
    assert save_pdf_as(None, kit, "x.pdf") is None

    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a: (str(tmp_path / "missing" / "k.pdf"), "")))
    with pytest.raises(OSError):
        save_pdf_as(None, kit, "x.pdf")

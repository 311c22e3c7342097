"""Print preview, printing and "Save as PDF" for documents the core has built as PDF.

The core writes every printed document as a PDF (reportlab), so printing is the
same everywhere: each page is rasterised with pdfium at the printer's resolution
(at most 300 dpi, plenty for text and QR codes) and drawn on Qt's printer.

The rasterising runs on the GUI thread. That is fine for the short documents
printed this way (the one-page recovery kit renders in well under a second); a
long report should be built and rendered off the GUI thread instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pypdfium2 as pdfium
from PySide6.QtCore import QCoreApplication, QRectF, QSizeF, QStandardPaths, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from clinic_desk.core.files import write_atomic

MAX_DPI = 300
PdfSource = bytes | str | os.PathLike[str]


def _open(pdf: PdfSource) -> pdfium.PdfDocument:
    return pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))


def render_pdf_pages(pdf: PdfSource, dpi: float) -> list[QImage]:
    """Every page of ``pdf`` (bytes or a path) as an opaque image at ``dpi``."""
    doc = _open(pdf)
    try:
        return [_render_page(doc[i], dpi) for i in range(len(doc))]
    finally:
        doc.close()


def _render_page(page: pdfium.PdfPage, dpi: float) -> QImage:
    try:
        bitmap = page.render(
            scale=dpi / 72, rev_byteorder=True, prefer_bgrx=True, may_draw_forms=False
        )
        try:
            image = QImage(
                bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride,
                QImage.Format.Format_RGBX8888,
            )
            # copy(): the QImage above borrows the bytes object, which Python may free.
            return image.copy()
        finally:
            bitmap.close()
    finally:
        page.close()


def fit_rect(image_size: QSizeF, target: QRectF) -> QRectF:
    """The largest rect with the image's proportions, centred in ``target``."""
    if image_size.isEmpty() or target.isEmpty():
        return QRectF(target)
    scale = min(target.width() / image_size.width(), target.height() / image_size.height())
    w, h = image_size.width() * scale, image_size.height() * scale
    return QRectF(
        target.x() + (target.width() - w) / 2, target.y() + (target.height() - h) / 2, w, h
    )


def paint_pdf(printer: QPrinter, pdf: PdfSource) -> None:
    """Draw each page of ``pdf`` on ``printer`` (one sheet per page), fitted to the page."""
    dpi = max(72, min(printer.resolution(), MAX_DPI))
    doc = _open(pdf)
    painter = QPainter()
    try:
        if not painter.begin(printer):
            return  # the printer refused (e.g. it went away); the dialog reports that
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if printer.fullPage():
            target = printer.paperRect(QPrinter.Unit.DevicePixel)
            target.moveTo(0, 0)
        else:
            target = QRectF(0, 0, printer.width(), printer.height())
        for i in range(len(doc)):
            if i:
                printer.newPage()
            image = _render_page(doc[i], dpi)
            painter.drawImage(fit_rect(QSizeF(image.size()), target), image)
    finally:
        if painter.isActive():
            painter.end()
        doc.close()


def _printer_for(pdf: PdfSource, title: str) -> QPrinter:
    """A printer set up for the PDF's first page size and orientation, printed 1:1."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    # The documents carry their own margins; drawing on the whole sheet keeps them 1:1.
    printer.setFullPage(True)
    doc = _open(pdf)
    try:
        if len(doc):
            width, height = doc[0].get_size()
            size = QPageSize(QSizeF(width, height), QPageSize.Unit.Point, "",
                             QPageSize.SizeMatchPolicy.FuzzyMatch)
            printer.setPageSize(size)
            printer.setPageOrientation(
                QPageLayout.Orientation.Landscape if width > height
                else QPageLayout.Orientation.Portrait
            )
    finally:
        doc.close()
    return printer


def make_preview_dialog(
    parent: QWidget | None, pdf: PdfSource, *, title: str
) -> tuple[QPrintPreviewDialog, QPrinter]:
    """The preview dialog and its printer (keep both alive while the dialog is open)."""
    printer = _printer_for(pdf, title)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
    dialog.resize(820, 900)
    dialog.paintRequested.connect(lambda p: paint_pdf(p, pdf))
    return dialog, printer


def preview_and_print_pdf(parent: QWidget | None, pdf_bytes_or_path: PdfSource, *,
                          title: str) -> bool:
    """Show Qt's print preview of the PDF; True if the person printed it."""
    dialog, printer = make_preview_dialog(parent, pdf_bytes_or_path, title=title)
    try:
        return dialog.exec() == QDialog.DialogCode.Accepted
    finally:
        dialog.deleteLater()
        del printer


def save_pdf_as(parent: QWidget | None, data: bytes, suggested_name: str) -> Path | None:
    """Ask where to save ``data`` and write it there; None if the person cancelled.

    The file is written whole or not at all (temporary file, then rename) and
    readable only by its owner, because some documents (the recovery kit) are
    secrets. Raises ``OSError`` if it cannot be written; the caller says so.
    """
    start = Path(suggested_name)
    if not start.is_absolute():
        docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        start = Path(docs or Path.home()) / start
    chosen, _filter = QFileDialog.getSaveFileName(
        parent,
        QCoreApplication.translate("PdfPreview", "Save as PDF"),
        str(start),
        QCoreApplication.translate("PdfPreview", "PDF files (*.pdf)"),
    )
    if not chosen:
        return None
    path = Path(chosen)
    if path.suffix.lower() != ".pdf":
        path = path.with_name(path.name + ".pdf")
    write_file_atomic(path, data)
    return path


def write_file_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (owner-only) through a temporary file and a rename."""
    write_atomic(path, data)

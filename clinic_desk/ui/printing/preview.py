"""Print preview, printing and "Save as PDF" for documents the core has built as PDF.

The core writes every printed document as a PDF (reportlab), so printing is the
same everywhere: each page is rasterised with pdfium at the printer's resolution
(at most 300 dpi, plenty for text and QR codes) and drawn on Qt's printer.

The rasterising runs on the GUI thread. That is fine for the short documents
printed this way (the one-page recovery kit renders in well under a second); a
long report should be built and rendered off the GUI thread instead.

A computer with no printer set up still shows the preview, with a sentence
saying so in place of a Print button that would do nothing, and "Save as PDF"
when the caller offers it; a printer that refuses the job says so too.
"""

from __future__ import annotations

import os
from pathlib import Path

import pypdfium2 as pdfium
from PySide6.QtCore import QCoreApplication, QRectF, QSizeF, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QAction, QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QFileDialog, QLabel, QMessageBox, QToolBar, QWidget

from clinic_desk.core.files import write_atomic
from clinic_desk.ui.errors import error_text

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
                bytes(bitmap.buffer),
                bitmap.width,
                bitmap.height,
                bitmap.stride,
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


def paint_pdf(printer: QPrinter, pdf: PdfSource) -> bool:
    """Draw each page of ``pdf`` on ``printer`` (one sheet per page), fitted to the page.

    False if the printer refused the job (it went away, or none is set up).
    """
    dpi = max(72, min(printer.resolution(), MAX_DPI))
    doc = _open(pdf)
    painter = QPainter()
    try:
        if not painter.begin(printer):
            return False
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
        return True
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
            size = QPageSize(
                QSizeF(width, height),
                QPageSize.Unit.Point,
                "",
                QPageSize.SizeMatchPolicy.FuzzyMatch,
            )
            printer.setPageSize(size)
            printer.setPageOrientation(
                QPageLayout.Orientation.Landscape
                if width > height
                else QPageLayout.Orientation.Portrait
            )
    finally:
        doc.close()
    return printer


def printers_available() -> bool:
    """Whether the computer has any printer set up (a PDF "printer" counts on Linux)."""
    return bool(QPrinterInfo.availablePrinters())


def no_printer_text() -> str:
    return QCoreApplication.translate(
        "PdfPreview",
        "No printer is set up on this computer, so this cannot be printed here. Save it as a "
        "PDF and print it from a computer that has a printer, or ask the person who looks "
        "after the clinic's computers to add the printer.",
    )


# Qt's own words (translated by qtbase's .qm), named through variables so that our
# lupdate run does not take them for ours.
_QT_CONTEXT, _QT_PRINT = "QPrintPreviewDialog", "Print"


def _print_action(dialog: QPrintPreviewDialog) -> QAction | None:
    wanted = QCoreApplication.translate(_QT_CONTEXT, _QT_PRINT)
    for toolbar in dialog.findChildren(QToolBar):
        for action in toolbar.actions():
            if action.text() == wanted:
                return action
    return None


def _printer_failed(parent: QWidget | None, printer: QPrinter) -> None:
    name = printer.printerName() or QCoreApplication.translate("PdfPreview", "the printer")
    QMessageBox.warning(
        parent,
        QCoreApplication.translate("PdfPreview", "Printing"),
        QCoreApplication.translate(
            "PdfPreview",
            "Could not print on {printer}: it is switched off, not connected or not set up. "
            "Check the printer and try again, or save the document as a PDF.",
        ).format(printer=name),
    )


def make_preview_dialog(
    parent: QWidget | None, pdf: PdfSource, *, title: str, save_name: str | None = None
) -> tuple[QPrintPreviewDialog, QPrinter]:
    """The preview dialog and its printer (keep both alive while the dialog is open).

    With ``save_name`` the toolbar also offers "Save as PDF…" (suggesting that name).
    """
    printer = _printer_for(pdf, title)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
    dialog.resize(820, 900)

    def paint(target: QPrinter) -> None:
        # The preview paints through its own engine, which never refuses; a refusal is a
        # real printer that is off, gone or not set up. Said once the print dialog closed.
        if not paint_pdf(target, pdf):
            QTimer.singleShot(0, lambda: _printer_failed(dialog, target))

    dialog.paintRequested.connect(paint)
    toolbars = dialog.findChildren(QToolBar)
    if save_name is not None and toolbars:
        save = QAction(QCoreApplication.translate("PdfPreview", "Save as PDF…"), dialog)
        save.setObjectName("save-pdf")
        save.triggered.connect(lambda: save_from_preview(dialog, pdf, save_name))
        toolbars[0].addSeparator()
        toolbars[0].addAction(save)
    if not printers_available():
        banner = QLabel(no_printer_text(), dialog)
        banner.setObjectName("no-printer")
        banner.setWordWrap(True)
        banner.setStyleSheet("color: #b00020; padding: 6px; font-weight: bold;")
        layout = dialog.layout()
        if layout is not None:
            layout.addWidget(banner)
        action = _print_action(dialog)
        if action is not None:
            action.setEnabled(False)
            action.setToolTip(no_printer_text())
    return dialog, printer


def save_from_preview(parent: QWidget | None, pdf: PdfSource, save_name: str) -> Path | None:
    """ "Save as PDF…" from the preview; a failure is said in a message, not raised."""
    data = pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes()
    try:
        return save_pdf_as(parent, data, save_name)
    except OSError as error:
        QMessageBox.warning(
            parent, QCoreApplication.translate("PdfPreview", "Save as PDF"), error_text(error)
        )
        return None


def preview_and_print_pdf(
    parent: QWidget | None,
    pdf_bytes_or_path: PdfSource,
    *,
    title: str,
    save_name: str | None = None,
) -> bool:
    """Show Qt's print preview of the PDF; True if the person printed it."""
    dialog, printer = make_preview_dialog(
        parent, pdf_bytes_or_path, title=title, save_name=save_name
    )
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

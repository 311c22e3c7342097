"""Examination reports, attachments and health assessments of the patient (spec C2, C6).

The lists come with the clinical record the file view loads; files are read
from and written to disk on the worker thread, never on the GUI thread.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.files import write_atomic
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import clinical
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.common import (
    FieldsDialog,
    ReadOnlyTable,
    full_error_text,
    local,
    tr_code,
)

if TYPE_CHECKING:
    from clinic_desk.ui.patients.file import PatientFileView

GREY = "#757575"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def size_text(size: int) -> str:
    """The size as "350 KB" or "2.4 MB": enough to tell a scan from a photo."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def add_file(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    path: str,
    title: str,
    kind: str,
) -> Any:
    """Read the chosen file (on the worker) and keep it in the clinic file."""
    if not path.strip():
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "No file was chosen. Press “Choose…” and pick the file.")
        )
    source = Path(path)
    try:
        size = source.stat().st_size
        limit_mb = int(clinic.setting("patients.attachment_max_mb"))
        if size > limit_mb * 1024 * 1024:
            # Refused before reading it all into memory; the service's own message.
            raise clinical.InvalidEntry(
                "data",
                clinical.FILE_TOO_BIG,
                size=f"{size / (1024 * 1024):.1f}",
                limit=limit_mb,
            )
        data = source.read_bytes()
    except OSError as error:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The file {name} could not be read ({problem}). Check that it is still there "
                "and not open in another program, then try again.",
            ),
            name=source.name,
            problem=error.strerror or type(error).__name__,
        ) from error
    return clinical.add_attachment(
        clinic, actor, patient_id, title=title, filename=source.name, data=data, kind=kind
    )


def save_copy(
    clinic: Clinic,
    actor: Actor,
    attachment_id: uuid.UUID,
    target: str,
    *,
    break_glass_reason: str | None = None,
) -> str:
    """Read an attachment (audited) and write it to ``target`` whole or not at all."""
    _meta, data = clinical.read_attachment(
        clinic, actor, attachment_id, break_glass_reason=break_glass_reason
    )
    try:
        write_atomic(Path(target), data)
    except OSError as error:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The copy could not be saved to {path} ({problem}). Choose another folder, "
                "for example Documents, then try again.",
            ),
            path=target,
            problem=error.strerror or type(error).__name__,
        ) from error
    return target


class AttachmentDialog(FieldsDialog):
    """Title and kind of a file being added; the file itself is read when saving."""

    def __init__(
        self, ctx: AppContext, patient_id: uuid.UUID, parent: QWidget, path: str = ""
    ) -> None:
        kinds = [
            (k, tr_code("AttachmentKind", clinical.ATTACHMENT_KIND_LABELS[k]))
            for k in clinical.ATTACHMENT_KINDS
        ]
        super().__init__(
            ctx,
            parent,
            self.tr("Add a report or file"),
            [
                ("title", self.tr("Title (e.g. Blood test)"), "line", ()),
                ("kind", self.tr("Kind of document"), "choice", kinds),
            ],
            add_file,
            patient_id,
            intro=self.tr(
                "The file is kept inside the encrypted clinic file; the original can be "
                "deleted afterwards."
            ),
        )
        row = QWidget(self)
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        self.path = QLineEdit(row)
        self.path.setObjectName("field:path")
        self.path.setReadOnly(True)
        self.choose = QPushButton(self.tr("Choose…"), row)
        self.choose.clicked.connect(self._choose)
        line.addWidget(QLabel(self.tr("File"), row))
        line.addWidget(self.path, 1)
        line.addWidget(self.choose)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.count() - 2, row)
        if path:
            self.set_path(path)

    def set_path(self, path: str) -> None:
        self.path.setText(path)
        title = self.widgets["title"]
        if isinstance(title, QLineEdit) and not title.text().strip():
            title.setText(Path(path).stem[:200])

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose the file"),
            "",
            self.tr("Reports and images (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;All files (*)"),
        )
        if path:
            self.set_path(path)

    def values(self) -> dict[str, Any] | None:
        values = super().values()
        if values is None:
            return None
        return {**values, "path": self.path.text()}


class ReportsTab(QWidget):
    """Two lists: reports and other files, and health assessments."""

    def __init__(self, ctx: AppContext, patient_id: uuid.UUID, parent: PatientFileView) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.patient_id = patient_id
        self.file = parent
        self.record: clinical.RecordView | None = None
        layout = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Vertical, self)
        layout.addWidget(split, 1)

        top = QWidget(split)
        col = QVBoxLayout(top)
        col.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.files_title = QLabel(top)
        self.add_button = QPushButton(top)
        self.add_button.setObjectName("add-attachment")
        self.add_button.clicked.connect(self.add_attachment)
        self.save_button = QPushButton(top)
        self.save_button.setObjectName("save-attachment")
        self.save_button.clicked.connect(self.save_attachment)
        row.addWidget(self.files_title)
        row.addStretch(1)
        row.addWidget(self.add_button)
        row.addWidget(self.save_button)
        col.addLayout(row)
        self.files = ReadOnlyTable(top)
        self.files.setObjectName("attachments")
        self.files.doubleClicked.connect(lambda _i: self.save_attachment())
        col.addWidget(self.files, 1)
        split.addWidget(top)

        bottom = QWidget(split)
        col = QVBoxLayout(bottom)
        col.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.assess_title = QLabel(bottom)
        self.assess_button = QPushButton(bottom)
        self.assess_button.setObjectName("new-assessment")
        self.assess_button.clicked.connect(self.new_assessment)
        row.addWidget(self.assess_title)
        row.addStretch(1)
        row.addWidget(self.assess_button)
        col.addLayout(row)
        inner = QSplitter(Qt.Orientation.Horizontal, bottom)
        self.assessments = ReadOnlyTable(inner)
        self.assessments.setObjectName("assessments")
        self.assessments.itemSelectionChanged.connect(self._show_assessment)
        self.assessment_detail = QTextBrowser(inner)
        self.assessment_detail.setObjectName("assessment-detail")
        inner.addWidget(self.assessments)
        inner.addWidget(self.assessment_detail)
        inner.setStretchFactor(0, 3)
        inner.setStretchFactor(1, 2)
        col.addWidget(inner, 1)
        split.addWidget(bottom)
        self.retranslate()

    def title(self) -> str:
        return self.tr("Reports and assessments")

    def showEvent(self, event: QShowEvent) -> None:
        # Rows filled while the tab was hidden were sized for a narrow table: redo them.
        super().showEvent(event)
        self.files.resizeRowsToContents()
        self.assessments.resizeRowsToContents()

    def retranslate(self) -> None:
        bold = "font-weight: bold;"
        self.files_title.setText(self.tr("Examination reports and attachments"))
        self.files_title.setStyleSheet(bold)
        self.assess_title.setText(self.tr("Health assessments"))
        self.assess_title.setStyleSheet(bold)
        self.add_button.setText(self.tr("Add file…"))
        self.save_button.setText(self.tr("Save a copy…"))
        self.save_button.setToolTip(self.tr("Save a copy of the chosen file to this computer"))
        self.assess_button.setText(self.tr("New assessment…"))
        writable = self.ctx.may(Action.CLINICAL_WRITE)
        self.add_button.setVisible(writable)
        self.assess_button.setVisible(writable)
        self.files.set_headers(
            [
                self.tr("Date"),
                self.tr("Kind"),
                self.tr("Title"),
                self.tr("File name"),
                self.tr("Size"),
            ]
        )
        self.assessments.set_headers(
            [self.tr("Date"), self.tr("Kind"), self.tr("Risk"), self.tr("Summary")]
        )
        if self.record is not None:
            self.show_record(self.record)

    def reload(self) -> None:
        # The file view reads the record (attachments and assessments included)
        # and hands it over through show_record; a second read would audit twice.
        return

    def show_record(self, record: clinical.RecordView) -> None:
        self.record = record
        self.files.set_rows(
            [
                (
                    a.id,
                    (
                        local(self.ctx, a.added_at),
                        tr_code(
                            "AttachmentKind", clinical.ATTACHMENT_KIND_LABELS.get(a.kind, "Other")
                        ),
                        a.title,
                        a.filename,
                        size_text(a.size),
                    ),
                )
                for a in record.attachments
            ]
        )
        rows = []
        high = []
        for i, versions in enumerate(record.assessments):
            a = versions.current
            mark = self.tr(" (corrected)") if versions.earlier else ""
            summary = a.summary.splitlines()[0] if a.summary else ""
            rows.append(
                (
                    a.id,
                    (
                        local(self.ctx, a.assessed_at),
                        a.kind,
                        tr_code("RiskLevel", clinical.RISK_LEVEL_LABELS.get(a.risk_level, "")),
                        summary + mark,
                    ),
                )
            )
            if a.risk_level == "high":
                high.append(i)
        self.assessments.set_rows(rows, red=high)
        if rows:
            self.assessments.selectRow(0)
        else:
            self.assessment_detail.setPlainText(self.tr("No health assessments yet."))

    def _show_assessment(self) -> None:
        record = self.record
        assessment_id = self.assessments.current_id()
        if record is None or assessment_id is None:
            return
        versions = next((v for v in record.assessments if v.current.id == assessment_id), None)
        if versions is None:
            return
        a = versions.current
        html = [
            "<p><b>"
            + _esc(f"{local(self.ctx, a.assessed_at)} · {a.kind} · ")
            + _esc(record.staff_name(a.author_id))
            + "</b></p>"
        ]
        for label, text in (
            (self.tr("Summary"), a.summary),
            (self.tr("Recommendations"), a.recommendations),
        ):
            body = _esc(text).replace("\n", "<br>") or "—"
            html.append(f"<p><b>{_esc(label)}</b><br>{body}</p>")
        if a.corrects_id is not None:
            html.append(
                f"<p style='color:{GREY}'>"
                + _esc(
                    self.tr("Corrected {when} by {who}. Reason: {reason}").format(
                        when=local(self.ctx, a.written_at),
                        who=record.staff_name(a.author_id),
                        reason=a.correction_reason,
                    )
                )
                + "</p>"
            )
        self.assessment_detail.setHtml("".join(html))

    # -- actions --------------------------------------------------------------------------

    def add_attachment(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose the report or file to add"),
            "",
            self.tr("Reports and images (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;All files (*)"),
        )
        if path:
            AttachmentDialog(self.ctx, self.patient_id, self, path).open()

    def selected_attachment(self) -> clinical.AttachmentMeta | None:
        attachment_id = self.files.current_id()
        if self.record is None or attachment_id is None:
            return None
        return next((a for a in self.record.attachments if a.id == attachment_id), None)

    def save_attachment(self) -> None:
        meta = self.selected_attachment()
        if meta is None:
            self.file.message.show_error(self.tr("Choose a file in the list first."))
            return
        target, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save a copy as"), str(Path.home() / meta.filename)
        )
        if target:
            self.save_copy_to(meta.id, target)

    def save_copy_to(self, attachment_id: uuid.UUID, target: str) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            save_copy,
            self.ctx.clinic,
            actor,
            attachment_id,
            target,
            break_glass_reason=self.file._reason(Action.CLINICAL_READ),
            on_success=lambda path: self.file.message.show_ok(
                self.tr("A copy was saved to {path}.").format(path=path)
            ),
            on_error=lambda e: self.file.message.show_error(full_error_text(e)),
            owner=self,
        )

    def new_assessment(self) -> None:
        risks = [
            (r, tr_code("RiskLevel", clinical.RISK_LEVEL_LABELS[r])) for r in clinical.RISK_LEVELS
        ]
        dialog = FieldsDialog(
            self.ctx,
            self,
            self.tr("New health assessment"),
            [
                ("kind", self.tr("Kind of assessment"), "line", ()),
                ("summary", self.tr("What the assessment found"), "text", ()),
                ("risk_level", self.tr("Risk"), "choice", risks),
                ("recommendations", self.tr("Recommendations"), "text", ()),
            ],
            clinical.add_assessment,
            self.patient_id,
        )
        kind = dialog.widgets["kind"]
        if isinstance(kind, QLineEdit):
            kind.setPlaceholderText(self.tr("e.g. general, diabetes, hypertension"))
        dialog.open()

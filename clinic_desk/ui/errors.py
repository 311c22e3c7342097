"""Errors reach people as a translated sentence; details go to the log file."""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from clinic_desk.core.errors import CONTEXT, ClinicError

log = logging.getLogger(__name__)


def translate_core(context: str, text: str) -> str:
    """The ``Translate`` the core's documents and messages get from the UI."""
    return QCoreApplication.translate(context, text)


def error_text(error: BaseException) -> str:
    if isinstance(error, ClinicError):
        params = {
            k: (
                QCoreApplication.translate("Settings", v) if k == "label"
                else QCoreApplication.translate(CONTEXT, v) if k == "what"
                else v
            )
            for k, v in error.params.items()
        }
        return QCoreApplication.translate(CONTEXT, error.template).format(**params)
    if isinstance(error, OSError) and error.strerror:
        return QCoreApplication.translate(
            "Errors", "The computer reported a problem with a file: {reason}. Check the disk "
            "and the folder's permissions, then try again."
        ).format(reason=error.strerror)
    # Unexpected: the person gets a sentence, the log gets the traceback.
    log.error("unexpected error", exc_info=(type(error), error, error.__traceback__))
    return QCoreApplication.translate(
        "Errors",
        "Something went wrong and the action was not completed. The details are in the log "
        "file; please tell the person who looks after the clinic's computers.",
    )


def show_error(parent: QWidget | None, error: BaseException, *, title: str | None = None) -> None:
    QMessageBox.warning(
        parent,
        title or QCoreApplication.translate("Errors", "ClinicDesk"),
        error_text(error),
    )

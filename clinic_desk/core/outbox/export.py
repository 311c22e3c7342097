"""The SMS / WeChat batch file for bulk platforms (issue 9; spec A5, E7).

One row per message: the recipient, then the text. Chinese bulk-SMS consoles
(Tencent Cloud's bulk SMS, Alibaba Cloud's 群发助手, and the "personalised
content" uploads of the SMS resellers) take mainland mobile numbers as the
eleven digits, without +86, one per row, in the first column; so that is what
the phone column holds. The file is CSV in UTF-8 with a byte-order mark, which
Excel and WPS need to show Chinese rather than mojibake, with Windows line ends.

The file is written to a temporary name beside the target, flushed to disk,
and renamed into place, so a full disk or a refused folder leaves no half file
behind and the caller can leave every message unmarked.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import phonenumbers

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP

HEADERS = {"sms": ("phone", "content"), "wechat": ("wechat", "content")}
# EDQUOT (quota exceeded) is not defined everywhere.
_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_REFUSED = {errno.EACCES, errno.EPERM, errno.EROFS}


def sms_number(e164: str) -> str:
    """The number as bulk platforms want it: national digits for mainland China
    (13812345678), else E.164 with its + (international SMS)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "".join(ch for ch in e164 if ch.isascii() and ch.isdigit())
    if number.country_code == 86:
        return phonenumbers.national_significant_number(number)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def write_error(error: OSError, folder: Path) -> ValidationError:
    """The sentence for a batch file that could not be written."""
    if error.errno in _FULL:
        return ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The disk holding {folder} is full, so the batch file was not written and no "
                "message is marked exported. Free some space or choose another folder.",
            ),
            folder=str(folder),
        )
    if error.errno in _REFUSED:
        return ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "ClinicDesk may not write in {folder}, so no message is marked exported. "
                "Choose a folder you can write to, such as Documents.",
            ),
            folder=str(folder),
        )
    if error.errno == errno.ENOENT:
        return ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "The folder {folder} does not exist. Choose an existing folder."
            ),
            folder=str(folder),
        )
    return ValidationError(
        QT_TRANSLATE_NOOP(
            "Errors",
            "The batch file could not be written in {folder} ({detail}). No message is "
            "marked exported; try another folder.",
        ),
        folder=str(folder),
        detail=(error.strerror or type(error).__name__)[:200],
    )


def check_folder(folder: Path) -> None:
    """A sentence now, before anything is read, when the folder is not there."""
    if not folder.is_dir():
        raise write_error(FileNotFoundError(errno.ENOENT, "no such folder"), folder)


def csv_bytes(channel: str, rows: Iterable[tuple[str, str]]) -> bytes:
    """The whole file: BOM, header row, one row per (recipient, text)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS[channel])
    for recipient, text in rows:
        writer.writerow((recipient, text))
    return buffer.getvalue().encode("utf-8-sig")


class BatchFile:
    """A batch file written under a temporary name until ``publish`` renames it."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.temp: Path | None = None

    def write(self, data: bytes) -> None:
        """Write and flush to disk; ValidationError (a sentence) when the disk refuses."""
        folder = self.target.parent
        if self.target.exists():
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "{path} already exists; an earlier batch is not overwritten. Choose "
                    "another name or folder.",
                ),
                path=str(self.target),
            )
        try:
            handle, name = tempfile.mkstemp(
                dir=folder, prefix=f".{self.target.name}.", suffix=".part"
            )
        except OSError as error:
            raise write_error(error, folder) from None
        self.temp = Path(name)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
        except OSError as error:
            self.discard()
            raise write_error(error, folder) from None

    def publish(self) -> None:
        """Rename into place and make the rename itself durable."""
        if self.temp is None:
            raise RuntimeError("publish() before write()")
        try:
            os.replace(self.temp, self.target)
        except OSError as error:
            self.discard()
            raise write_error(error, self.target.parent) from None
        self.temp = None
        _fsync_folder(self.target.parent)

    def discard(self) -> None:
        if self.temp is not None:
            with contextlib.suppress(OSError):
                self.temp.unlink()
            self.temp = None


def _fsync_folder(folder: Path) -> None:
    # POSIX only: Windows cannot open a folder for fsync, and NTFS logs the rename.
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

"""Is this folder a safe home for a clinic's database?

SQLite's locking is unreliable on network file systems (SMB, NFS...), and WAL
mode needs shared memory that they do not provide, so two workstations on one
shared file would corrupt it. Each workstation keeps its own local copy and
syncs through the hub instead; a network folder is refused with that reason.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

from clinic_desk.core.errors import DataDirError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP

NETWORK_FS_TYPES = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb2",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "coda",
        "9p",
        "ceph",
        "glusterfs",
        "fuse.sshfs",
        "sshfs",
        "fuse.glusterfs",
        "davfs",
        "fuse.davfs2",
        "fuse.rclone",
        "lustre",
        "gpfs",
        "webdav",
        "afpfs",
    }
)


def _unescape_mount_field(field: str) -> str:
    # /proc/mounts escapes space, tab, newline and backslash as octal.
    return (
        field.replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
    )


def fs_type_from_mounts(path: Path, mounts_text: str) -> str | None:
    """The file-system type of the longest mount point containing ``path``."""
    best: tuple[int, str] | None = None
    target = str(path)
    for line in mounts_text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point, fs_type = _unescape_mount_field(parts[1]), parts[2]
        prefix = mount_point.rstrip("/") + "/"
        if (target == mount_point or target.startswith(prefix) or mount_point == "/") and (
            best is None or len(mount_point) > best[0]
        ):
            best = (len(mount_point), fs_type)
    return best[1] if best else None


def filesystem_type(path: Path) -> str | None:
    """Best-effort file-system type of ``path`` on this platform; None if unknown."""
    resolved = path.resolve()
    if sys.platform.startswith("linux"):
        try:
            text = Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        return fs_type_from_mounts(resolved, text)
    if sys.platform == "darwin":
        try:
            out = subprocess.run(
                ["/bin/df", "-T", "nfs,smbfs,afpfs,webdav", str(resolved)],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return "network" if out.returncode == 0 and len(out.stdout.splitlines()) > 1 else None
    if os.name == "nt":
        return _windows_drive_type(resolved)
    return None


def _windows_drive_type(path: Path) -> str | None:
    if str(path).startswith("\\\\"):
        return "smb"
    import ctypes  # Windows only

    drive_remote = 4
    root = path.anchor or str(path)[:3]
    kind = ctypes.windll.kernel32.GetDriveTypeW(root)  # type: ignore[attr-defined]
    return "smb" if kind == drive_remote else "local"


def is_network_fs(fs_type: str | None) -> bool:
    return fs_type is not None and (fs_type in NETWORK_FS_TYPES or fs_type == "network")


def check_data_dir(path: Path, *, create: bool) -> None:
    """Raise ``DataDirError`` with a reason if ``path`` cannot safely hold a clinic."""
    if path.exists() and not path.is_dir():
        raise DataDirError(
            QT_TRANSLATE_NOOP(
                "Errors", "{path} is a file, not a folder. Choose a folder for the clinic's data."
            ),
            path=str(path),
        )
    if not path.exists():
        if not create:
            raise DataDirError(
                QT_TRANSLATE_NOOP(
                    "Errors", "The folder {path} does not exist. Check the path and try again."
                ),
                path=str(path),
            )
        try:
            # Owner-only: the files are encrypted, but their names and sizes are private too.
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise DataDirError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "The folder {path} cannot be created ({reason}). Choose a folder you may "
                    "write to.",
                ),
                path=str(path),
                reason=exc.strerror or str(exc),
            ) from exc
    fs_type = filesystem_type(path)
    if is_network_fs(fs_type):
        raise DataDirError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "{path} is on a network drive ({fs}). The clinic's database must be on this "
                "computer's own disk; to share data between computers, set up sync instead.",
            ),
            path=str(path),
            fs=fs_type or "",
        )
    _probe_writable(path)


def _probe_writable(path: Path) -> None:
    # Permission bits lie (root, ACLs, read-only mounts): only a real write tells.
    probe = path / f".write-test-{uuid.uuid4().hex}"
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            os.write(fd, b"ok")
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise DataDirError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "ClinicDesk cannot write in {path} ({reason}). Choose a folder on this "
                "computer that you may write to.",
            ),
            path=str(path),
            reason=exc.strerror or str(exc),
        ) from exc
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()

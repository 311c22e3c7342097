#!/usr/bin/env python3
"""Build dist/ClinicDesk.app on a Mac (issue 13; not runnable on the Linux build machines).

    python3 installer/build_macos.py

Sets up .venv and PyInstaller as build_linux.py does, runs installer/clinic_desk.spec
(its BUNDLE section makes the .app) and checks the bundled program's --version.
Signing and notarization: installer/macos/NOTES.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import build_linux  # noqa: E402  (the same environment set-up and names)


def main() -> int:
    if sys.platform != "darwin":
        raise SystemExit("This builds the macOS app: run it on a Mac (installer/macos/NOTES.md).")
    if not build_linux.in_venv():
        python = build_linux.ensure_build_env()
        return subprocess.run([str(python), __file__], check=False).returncode
    root = build_linux.ROOT
    subprocess.run([sys.executable, str(HERE / "build_translations.py")], check=True)
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(build_linux.DIST), "--workpath", str(build_linux.WORK),
         str(build_linux.SPEC)],
        check=True, cwd=root,
    )
    app = build_linux.DIST / "ClinicDesk.app"
    out = subprocess.run([str(app / "Contents" / "MacOS" / "clinic-desk"), "--version"],
                         capture_output=True, text=True, check=True).stdout.strip()
    if out != f"ClinicDesk {build_linux.version()}":
        raise SystemExit(f"the bundled program says {out!r}")
    size = build_linux.folder_size(app) / (1024 * 1024)
    print(f"{app} ({size:.0f} MiB): {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Compile resources/translations/*.ts into .qm (run by run.py and the installer).

The .qm files are build output and not committed: the .ts sources are what
translators and reviews see, and one command turns them into what Qt loads.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TS_DIR = ROOT / "resources" / "translations"


def lrelease() -> str:
    here = Path(sys.executable).parent
    for candidate in (here / "pyside6-lrelease", here / "pyside6-lrelease.exe"):
        if candidate.exists():
            return str(candidate)
    return "pyside6-lrelease"


def main() -> int:
    for ts in sorted(TS_DIR.glob("clinicdesk_*.ts")):
        qm = ts.with_suffix(".qm")
        if qm.exists() and qm.stat().st_mtime >= ts.stat().st_mtime:
            continue
        subprocess.run(
            [lrelease(), "-silent", str(ts), "-qm", str(qm)], check=True
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

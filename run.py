#!/usr/bin/env python3
"""One entry point for newcomers, on Linux, macOS and Windows, needing only Python 3.11+.

    python3 run.py demo     set up (first time) and open ClinicDesk on a demo clinic
    python3 run.py test     set up (first time) and run the whole test suite
    python3 run.py app ...  any other clinic-desk command, e.g. `app check --data-dir D`

Setting up means: a private virtual environment in .venv, ClinicDesk and its
pinned dependencies installed into it from PyPI, and the translations built.
It is redone only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".clinic-desk-installed"


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def wanted_stamp() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_env() -> Path:
    if sys.version_info < (3, 11):
        sys.exit(f"ClinicDesk needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    python = venv_python()
    if not python.exists():
        print("Creating a private Python environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    if not STAMP.exists() or STAMP.read_text().strip() != wanted_stamp():
        print("Installing ClinicDesk and its dependencies (first run takes a minute) ...",
              flush=True)
        pip = [str(python), "-m", "pip", "--disable-pip-version-check"]
        subprocess.run([*pip, "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run([*pip, "install", "-q", "-e", f"{ROOT}[test]"], check=True)
        STAMP.write_text(wanted_stamp())
    build_translations(python)
    return python


def build_translations(python: Path) -> None:
    script = ROOT / "installer" / "build_translations.py"
    if script.exists():
        subprocess.run([str(python), str(script)], check=True)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "app"}:
        print(__doc__)
        return 2
    python = ensure_env()
    env = dict(os.environ)
    if argv[0] == "test":
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        cmd = [str(python), "-m", "pytest", *argv[1:]]
    elif argv[0] == "demo":
        cmd = [str(python), "-m", "clinic_desk", "demo", *argv[1:]]
    else:
        cmd = [str(python), "-m", "clinic_desk", *argv[1:]]
    return subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Developer step: extract every translatable string into resources/translations/*.ts.

    .venv/bin/python installer/update_translations.py

Runs ``pyside6-lupdate`` over ``clinic_desk/`` (tr(), QCoreApplication.translate(),
QT_TRANSLATE_NOOP and the core's marker of the same name). Existing translations
are kept; new strings arrive as "unfinished" and the translation test fails until
they are translated in all three languages.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TS_DIR = ROOT / "resources" / "translations"
LANGUAGES = ("zh_CN", "zh_TW", "en")


def tool(name: str) -> str:
    here = Path(sys.executable).parent
    for candidate in (here / name, here / f"{name}.exe"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found; install PySide6 into this environment.")
    return found


def sources() -> list[str]:
    return sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "clinic_desk").rglob("*.py")
        if "migrations" not in p.parts
    )


def run_lupdate(ts_files: list[Path], *, extra: tuple[str, ...] = ()) -> None:
    files = sources()
    for ts in ts_files:
        subprocess.run(
            [tool("pyside6-lupdate"), *extra, *files, "-ts", str(ts)],
            cwd=ROOT, check=True, capture_output=True,
        )


def main() -> int:
    TS_DIR.mkdir(parents=True, exist_ok=True)
    targets = [TS_DIR / f"clinicdesk_{lang}.ts" for lang in LANGUAGES]
    run_lupdate(targets, extra=("-no-obsolete", "-locations", "none"))
    for ts in targets:
        print(f"updated {ts.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

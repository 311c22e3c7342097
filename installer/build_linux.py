#!/usr/bin/env python3
"""Build the Linux bundle and its tarball from a clone (issue 13).

    python3 installer/build_linux.py [--clean]

With any Python 3.11+: sets up .venv as run.py does (PyPI, pinned), adds the
``installer`` dependency group (PyInstaller), compiles the translations, runs
installer/clinic_desk.spec, adds the desktop entry, the icon and install.sh,
checks that no unneeded Qt module slipped in, and packs
dist/ClinicDesk-<version>-linux-x86_64.tar.gz. Prints the bundle's size and the
build time. ``--clean`` drops PyInstaller's cache (build/pyinstaller) first.
"""

from __future__ import annotations

import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
BUNDLE = DIST / "ClinicDesk"
SPEC = ROOT / "installer" / "clinic_desk.spec"
ICON = ROOT / "resources" / "icons" / "clinicdesk.png"
STAMP_NAME = ".clinic-desk-installer"

# Qt libraries the program never uses; finding one in the bundle fails the build.
UNWANTED_QT = re.compile(
    r"libQt6(Qml|Quick|WebEngine|3D|Multimedia|Network|Sql|Test|Designer|Pdf|Charts|"
    r"DataVisualization|Graphs|Positioning|Location|Bluetooth|Nfc|Sensors|SerialPort|"
    r"RemoteObjects|Scxml|TextToSpeech|WebSockets|WebChannel|Lottie|Labs|Help|UiTools|"
    r"ShaderTools|SpatialAudio)"
)

DESKTOP_ENTRY = """[Desktop Entry]
Type=Application
Version=1.4
Name=ClinicDesk
Name[zh_CN]=ClinicDesk 诊所桌面
Name[zh_TW]=ClinicDesk 診所桌面
GenericName=Clinic management
GenericName[zh_CN]=诊所管理
GenericName[zh_TW]=診所管理
Comment=Check-in, appointments and patient records for a small clinic
Comment[zh_CN]=小型诊所的接诊、预约与病历
Comment[zh_TW]=小型診所的報到、預約與病歷
Exec={exec} %U
Icon={icon}
Terminal=false
Categories=Office;
Keywords=clinic;patients;appointments;诊所;患者;预约;
StartupWMClass=clinic-desk
"""

INSTALL_SH = """#!/bin/sh
# Put ClinicDesk in the applications menu, running from this folder.
# As root: for everyone (/usr/share/applications); otherwise, or with --user, for
# this user only. Move the folder where it is to stay first (e.g. /opt/ClinicDesk).
set -e
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" = 0 ] && [ "$1" != "--user" ]; then
    apps=/usr/share/applications; icons=/usr/share/icons/hicolor/512x512/apps
else
    apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
    icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/512x512/apps"
fi
mkdir -p "$apps" "$icons"
cp "$here/clinicdesk.png" "$icons/clinic-desk.png"
sed -e "s|^Exec=.*|Exec=\\"$here/clinic-desk\\" %U|" -e "s|^Icon=.*|Icon=clinic-desk|" \\
    "$here/clinic-desk.desktop" > "$apps/clinic-desk.desktop"
chmod 644 "$apps/clinic-desk.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database "$apps" || true
echo "ClinicDesk is in the applications menu ($apps/clinic-desk.desktop)."
"""


def version() -> str:
    text = (ROOT / "clinic_desk" / "__init__.py").read_text("utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.M)
    if not match:
        raise SystemExit("clinic_desk/__init__.py has no __version__")
    return match.group(1)


def tarball_path() -> Path:
    return DIST / f"ClinicDesk-{version()}-linux-{platform.machine()}.tar.gz"


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def unwanted_qt(bundle: Path) -> list[str]:
    return sorted(p.name for p in bundle.rglob("libQt6*") if UNWANTED_QT.match(p.name))


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == (ROOT / ".venv").resolve()


def ensure_build_env() -> Path:
    """.venv with the app (run.py's own setup) plus PyInstaller; returns its python."""
    sys.path.insert(0, str(ROOT))
    import run  # the newcomer's entry: same venv, same pins, builds the translations

    python = run.ensure_env()
    stamp = ROOT / ".venv" / STAMP_NAME
    wanted = run.wanted_stamp()
    if not stamp.exists() or stamp.read_text().strip() != wanted:
        print("Installing the installer tools (PyInstaller) ...", flush=True)
        subprocess.run(
            [str(python), "-m", "pip", "--disable-pip-version-check", "install", "-q",
             "-e", f"{ROOT}[installer]"],
            check=True,
        )
        stamp.write_text(wanted)
    return python


def build(clean: bool) -> int:
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "installer" / "build_translations.py")],
                   check=True)
    if not ICON.exists():
        subprocess.run([sys.executable, str(ROOT / "installer" / "make_icon.py")], check=True)
    if clean:
        shutil.rmtree(WORK, ignore_errors=True)
    shutil.rmtree(BUNDLE, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(DIST), "--workpath", str(WORK), str(SPEC)],
        check=True, cwd=ROOT,
    )
    bundled = time.perf_counter()
    program = BUNDLE / "clinic-desk"
    if not program.exists():
        raise SystemExit(f"PyInstaller did not make {program}")
    # PyInstaller still links the top level to libraries the spec pruned.
    for link in [p for p in BUNDLE.rglob("*") if p.is_symlink() and not p.exists()]:
        link.unlink()
    (BUNDLE / "clinic-desk.desktop").write_text(
        DESKTOP_ENTRY.format(exec="/opt/ClinicDesk/clinic-desk",
                             icon="/opt/ClinicDesk/clinicdesk.png"),
        "utf-8",
    )
    shutil.copy2(ICON, BUNDLE / "clinicdesk.png")
    install = BUNDLE / "install.sh"
    install.write_text(INSTALL_SH, "utf-8")
    install.chmod(0o755)
    stray = unwanted_qt(BUNDLE)
    if stray:
        raise SystemExit(f"unneeded Qt modules in the bundle: {', '.join(stray)}")
    out = tarball_path()
    out.unlink(missing_ok=True)
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(BUNDLE, arcname="ClinicDesk")
    done = time.perf_counter()
    mib = 1024 * 1024
    print(f"bundle: {BUNDLE} ({folder_size(BUNDLE) / mib:.0f} MiB, "
          f"{sum(1 for _ in BUNDLE.rglob('*'))} files)")
    print(f"tarball: {out} ({out.stat().st_size / mib:.0f} MiB)")
    print(f"build time: {bundled - started:.0f} s PyInstaller, {done - bundled:.0f} s packing")
    return 0


def main(argv: list[str]) -> int:
    if sys.platform != "linux":
        raise SystemExit("This builds the Linux bundle; see README 'Installers' for the others.")
    if not in_venv():
        python = ensure_build_env()
        return subprocess.run([str(python), __file__, *argv], check=False).returncode
    return build(clean="--clean" in argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The installers (issue 13): the Linux desktop entry and its install script, the
Windows installer's promises, and (with CLINIC_DESK_TEST_BUNDLE=1) the whole Linux
bundle built from this checkout and started as a clinic would."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "installer"))

import build_linux  # noqa: E402
import test_bundle  # noqa: E402


def fake_bundle(folder: Path) -> Path:
    """The desktop files build_linux adds, around a stand-in program."""
    folder.mkdir()
    (folder / "clinic-desk").write_text("#!/bin/sh\n")
    (folder / "clinic-desk").chmod(0o755)
    (folder / "clinic-desk.desktop").write_text(
        build_linux.DESKTOP_ENTRY.format(exec="/opt/ClinicDesk/clinic-desk",
                                         icon="/opt/ClinicDesk/clinicdesk.png"), "utf-8")
    (folder / "install.sh").write_text(build_linux.INSTALL_SH, "utf-8")
    shutil.copy2(build_linux.ICON, folder / "clinicdesk.png")
    return folder


def desktop_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text("utf-8"))
    return dict(parser["Desktop Entry"])


def test_desktop_entry_is_valid_and_install_points_it_at_the_folder(tmp_path: Path) -> None:
    """Issue 13: the .desktop entry and icon; install.sh makes a menu entry for this folder."""
    bundle = fake_bundle(tmp_path / "ClinicDesk")
    validate = shutil.which("desktop-file-validate")
    if validate:
        r = subprocess.run([validate, str(bundle / "clinic-desk.desktop")],
                           capture_output=True, text=True, check=False)
        assert r.returncode == 0 and "error" not in r.stdout.lower(), r.stdout
    data_home = tmp_path / "share"
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(data_home), "PATH": os.environ["PATH"]}
    r = subprocess.run(["sh", str(bundle / "install.sh"), "--user"], env=env,
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    entry = desktop_entry(data_home / "applications" / "clinic-desk.desktop")
    assert entry["Exec"] == f'"{bundle}/clinic-desk" %U'
    assert entry["Icon"] == "clinic-desk"
    assert entry["Name[zh_CN]"].startswith("ClinicDesk")
    icon = data_home / "icons" / "hicolor" / "512x512" / "apps" / "clinic-desk.png"
    assert icon.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if validate:
        r = subprocess.run([validate, str(data_home / "applications" / "clinic-desk.desktop")],
                           capture_output=True, text=True, check=False)
        assert r.returncode == 0, r.stdout


def test_windows_installer_keeps_data_unless_asked() -> None:
    """Issue 13: Start-menu entry, one data folder per computer (CLINIC_DESK_HOME, which
    core/paths.py reads), uninstall deletes the data only on an explicit Yes (default No)."""
    iss = (ROOT / "installer" / "windows" / "clinic_desk.iss").read_text("utf-8")
    start_menu = 'Name: "{autoprograms}\\{#AppName}"; Filename: "{app}\\ClinicDesk.exe"'
    assert any(line.startswith(start_menu) for line in iss.splitlines())
    assert '#define DataFolder "{commonappdata}\\ClinicDesk"' in iss
    from clinic_desk.core.paths import HOME_ENV

    assert f'ValueName: "{HOME_ENV}"; ValueData: "{{#DataFolder}}"' in iss
    assert "uninsneveruninstall" in iss.split("[Dirs]")[1].split("[")[0]
    code = iss.split("[Code]")[1]
    assert "MB_DEFBUTTON2, IDNO) = IDYES then" in code and "DelTree(DataDir" in code
    # The version comes from the bundled program, not a second copy in the script.
    assert "#error" in iss and re.search(r"AppVersion=\{#AppVersion\}", iss)
    assert not re.search(r"\d+\.\d+\.\d+", iss.split("[Setup]")[1].split("[Languages]")[0])


@pytest.mark.skipif(os.environ.get("CLINIC_DESK_TEST_BUNDLE") != "1",
                    reason="builds the Linux bundle (minutes); set CLINIC_DESK_TEST_BUNDLE=1")
def test_linux_bundle_builds_and_starts(tmp_path: Path) -> None:
    """Issue 13 'Done when': the README's command builds the bundle; the unpacked tarball's
    program prints the version, sets up a clinic, passes check, shows the sign-in window
    and prints a recovery kit with the bundled CJK font."""
    started = time.perf_counter()
    r = subprocess.run([sys.executable, str(ROOT / "installer" / "build_linux.py")],
                       cwd=ROOT, capture_output=True, text=True, check=False, timeout=1800)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    print(r.stdout, f"build: {time.perf_counter() - started:.0f} s")
    bundle = test_bundle.unpack(build_linux.tarball_path(), tmp_path / "unpacked")
    report = test_bundle.check_bundle(bundle, tmp_path / "work")
    assert report.signin_ms is not None and report.signin_ms < 30_000

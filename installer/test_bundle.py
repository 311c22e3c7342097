#!/usr/bin/env python3
"""Check a built Linux bundle the way a clinic would start it (issue 13).

    .venv/bin/python installer/test_bundle.py [--tarball FILE | --bundle DIR] [--keep DIR]

By default unpacks dist/ClinicDesk-<version>-linux-<arch>.tar.gz into a temporary
folder (what a clinic gets) and, with a clean environment and nothing from this
checkout on the path, checks that the bundled program:

1. prints ``ClinicDesk <version>`` for ``--version``;
2. sets up a clinic with ``init`` (passphrase and password from the environment);
3. passes ``check`` (SQLite integrity, SQLCipher pages, audit chain);
4. opens the window offscreen and shows the sign-in page (timed from process
   start), with the bundled translations and font (nothing missing in the log);
5. prints a recovery kit PDF whose Chinese clinic name is real text (the CJK
   font is embedded, not boxes).

Exits 0 when every step holds; prints one line per step with its time.
``tests/unit/test_installer.py`` runs the same steps under pytest when
CLINIC_DESK_TEST_BUNDLE=1.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import build_linux  # noqa: E402  (its version and names are the ones the build used)

CLINIC_NAME = "仁和社区诊所"
PASSPHRASE = "马跑了 青山绿水 七点钟 bundle"
PASSWORD = "director-pass-1"
TIMEOUT = 180


class BundleFailure(AssertionError):
    """A step of the bundle check did not hold; the message says which and why."""


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    signin_ms: float | None = None

    def step(self, text: str, seconds: float) -> None:
        line = f"ok  {text} ({seconds:.1f} s)"
        self.lines.append(line)
        print(line, flush=True)


def clean_env(**extra: str) -> dict[str, str]:
    """The machine's environment without Python or ClinicDesk settings: the bundle must
    not lean on this checkout, a virtualenv or a tester's variables."""
    drop = ("PYTHON", "CLINIC_DESK_", "VIRTUAL_ENV", "QT_", "LD_LIBRARY_PATH")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env["CLINIC_DESK_NO_KEYRING"] = "1"  # a test must not write the tester's keyring
    env.update(extra)
    return env


def run(program: Path, *args: str, env: dict[str, str], cwd: Path) -> tuple[str, float]:
    started = time.perf_counter()
    try:
        r = subprocess.run(
            [str(program), *args], capture_output=True, text=True, env=env, cwd=cwd,
            stdin=subprocess.DEVNULL, timeout=TIMEOUT, check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BundleFailure(f"{' '.join(args[:1])} did not finish in {TIMEOUT} s") from exc
    took = time.perf_counter() - started
    if r.returncode != 0:
        raise BundleFailure(
            f"clinic-desk {' '.join(args)} exited {r.returncode}\n"
            f"stdout: {r.stdout[-2000:]}\nstderr: {r.stderr[-4000:]}"
        )
    return r.stdout, took


def unpack(tarball: Path, into: Path) -> Path:
    with tarfile.open(tarball) as tar:
        tar.extractall(into, filter="tar")
    return into / "ClinicDesk"


def check_bundle(bundle: Path, work: Path) -> Report:
    """Every step of the module docstring on the bundle folder; raises BundleFailure."""
    report = Report()
    program = bundle / "clinic-desk"
    if not program.is_file():
        raise BundleFailure(f"no program at {program}")
    for extra in ("clinic-desk.desktop", "clinicdesk.png", "install.sh"):
        if not (bundle / extra).is_file():
            raise BundleFailure(f"{extra} is missing from the bundle")
    stray = build_linux.unwanted_qt(bundle)
    if stray:
        raise BundleFailure(f"unneeded Qt modules in the bundle: {stray}")
    cwd = work / "cwd"  # not the checkout: nothing may be found relative to it
    cwd.mkdir(parents=True, exist_ok=True)

    out, took = run(program, "--version", env=clean_env(), cwd=cwd)
    if out.strip() != f"ClinicDesk {build_linux.version()}":
        raise BundleFailure(f"--version printed {out.strip()!r}")
    report.step(f"--version: {out.strip()}", took)

    data = work / "clinic"
    secrets = {"CLINIC_DESK_PASSPHRASE": PASSPHRASE, "CLINIC_DESK_PASSWORD": PASSWORD}
    out, took = run(
        program, "init", "--data-dir", str(data), "--clinic-name", CLINIC_NAME,
        "--director", "wang.li", "--director-name", "王丽", "--no-keyring",
        env=clean_env(**secrets), cwd=cwd,
    )
    if "RECOVERY KEY" not in out or not (data / "clinic.key").is_file():
        raise BundleFailure(f"init did not set up a clinic:\n{out}")
    report.step("init: clinic set up (SQLCipher, migrations, keys)", took)

    out, took = run(program, "check", "--data-dir", str(data),
                    env=clean_env(CLINIC_DESK_PASSPHRASE=PASSPHRASE), cwd=cwd)
    if not out.startswith("OK"):
        raise BundleFailure(f"check did not pass:\n{out}")
    report.step(f"check: {out.strip()}", took)

    shot, pdf = work / "signin.png", work / "recovery-kit.pdf"
    out, took = run(
        program,
        env=clean_env(
            CLINIC_DESK_PASSPHRASE=PASSPHRASE, QT_QPA_PLATFORM="offscreen",
            CLINIC_DESK_SMOKE_SIGNIN=str(data), CLINIC_DESK_SMOKE_SHOT=str(shot),
            CLINIC_DESK_SMOKE_PDF=str(pdf),
        ),
        cwd=cwd,
    )
    found = re.search(r"sign-in window: shown after (\d+) ms", out)
    if not found or CLINIC_NAME not in out:
        raise BundleFailure(f"the sign-in window was not shown:\n{out}")
    report.signin_ms = float(found.group(1))
    log = (data / "logs" / "clinicdesk.log").read_text("utf-8", errors="replace")
    for trouble in ("translation file missing", "could not load the bundled font", "Traceback"):
        if trouble in log:
            raise BundleFailure(f"the program's log says {trouble!r}:\n{log[-3000:]}")
    if not shot.is_file() or shot.stat().st_size < 5000:
        raise BundleFailure("no picture of the sign-in window was saved")
    report.step(f"sign-in window shown {report.signin_ms:.0f} ms after start", took)

    text = pdf_text(pdf)
    if CLINIC_NAME not in text or "恢复" not in text:
        raise BundleFailure(f"the recovery kit's text lacks the Chinese words: {text[:300]!r}")
    report.step("recovery kit PDF with the Chinese font embedded", 0.0)
    return report


def pdf_text(pdf: Path) -> str:
    """The PDF's text, read outside the bundle (pypdf from the test environment)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(pdf).pages)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--tarball", type=Path, help="the .tar.gz to unpack and check")
    where.add_argument("--bundle", type=Path, help="an unpacked ClinicDesk folder to check")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="clinicdesk-bundle-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if args.bundle:
            bundle = args.bundle
        else:
            tarball = args.tarball or build_linux.tarball_path()
            if not tarball.is_file():
                print(f"{tarball} is missing: build it with python3 installer/build_linux.py",
                      file=sys.stderr)
                return 2
            bundle = unpack(tarball, work / "unpacked")
        report = check_bundle(bundle, work)
        size = build_linux.folder_size(bundle) / (1024 * 1024)
    except BundleFailure as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"all {len(report.lines)} checks passed; bundle {size:.0f} MiB unpacked, "
          f"sign-in window {report.signin_ms:.0f} ms after start")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

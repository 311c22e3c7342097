"""One version for the package, the command and the bundle (issue 13)."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

from clinic_desk import __version__
from tests.unit.test_cli import run

ROOT = Path(__file__).resolve().parents[2]


def test_version_command_prints_the_package_version() -> None:
    r = run("--version")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"ClinicDesk {__version__}"


def test_pyproject_takes_its_version_from_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert "version" not in project["project"], "a second, literal version in pyproject"
    assert "version" in project["project"]["dynamic"]
    attr = project["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "clinic_desk.__version__"
    assert re.fullmatch(r"\d+\.\d+\.\d+([ab]\d+|rc\d+)?", __version__)
    # What pip installed says the same (the bundle reads the module itself).
    assert importlib.metadata.version("clinic-desk") == __version__
